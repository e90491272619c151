/* HandshakeResponse41 and its attributes block: decode, walk, rebuild the
 * block pair by pair, and the round trip. */
#include "fuzz_common.h"
#include "fuzz_eq.h"

static redir_status enc(uint8_t *buf, size_t cap, size_t *out_len, const void *ctx) {
    return redir_handshake_response_encode(buf, cap, out_len,
                                           (const redir_handshake_response *)ctx);
}

/* Rebuilding the block from its pairs with redir_attr_append_pair. */
struct attrs_ctx {
    redir_span block;
};

static redir_status enc_attrs(uint8_t *buf, size_t cap, size_t *out_len, const void *ctx) {
    const struct attrs_ctx *c = ctx;
    redir_attr_iter it;
    redir_span k, v;
    redir_diag d;
    size_t len = 0;
    redir_status st, last = REDIR_OK;
    redir_attr_iter_init(&it, c->block);
    while ((st = redir_attr_next(&it, &k, &v, &d)) == REDIR_OK) {
        redir_status ps = redir_attr_append_pair(buf, cap, &len, k, v);
        FUZZ_CHECK(ps == REDIR_OK || ps == REDIR_E_NOSPACE);
        FUZZ_CHECK(ps == REDIR_OK || len > cap);
        last = ps;
    }
    FUZZ_CHECK(st == REDIR_DONE);
    *out_len = len;
    return len <= cap ? REDIR_OK : (last == REDIR_OK ? REDIR_E_NOSPACE : last);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    redir_handshake_response r;
    redir_diag d = {0, 0};
    fuzz_lib_enter();
    redir_status st = redir_handshake_response_decode(&r, &d, data, size);
    fuzz_lib_leave();
    FUZZ_CHECK(redir_status_name(st) != NULL);
    redir_handshake_response r2;
    FUZZ_CHECK(redir_handshake_response_decode(&r2, NULL, data, size) == st);
    if (st != REDIR_OK) {
        redir_handshake_response zero;
        memset(&zero, 0, sizeof zero);
        FUZZ_CHECK(redir_status_is_error(st) && d.offset <= size);
        FUZZ_CHECK(response_eq(&r, &zero));
        FUZZ_CHECK(st != REDIR_E_TRUNCATED || d.needed > 0);
        FUZZ_CHECK(st != REDIR_E_TRAILING || d.offset < size);
        FUZZ_CHECK(st != REDIR_E_UNSUPPORTED ||
                   (size >= 2 && (data[1] & 0x02) == 0 && d.offset == 0));
        return 0;
    }
    FUZZ_CHECK(response_eq(&r, &r2));
    FUZZ_CHECK((r.capabilities & REDIR_CLIENT_PROTOCOL_41) != 0);
    FUZZ_CHECK(fuzz_span_inside(r.user, data, size));
    FUZZ_CHECK(fuzz_span_inside(r.auth_response, data, size));
    FUZZ_CHECK(fuzz_span_inside(r.database, data, size));
    FUZZ_CHECK(fuzz_span_inside(r.auth_plugin, data, size));
    FUZZ_CHECK(fuzz_span_inside(r.attributes, data, size));
    FUZZ_CHECK(!r.has_database || (r.capabilities & REDIR_CLIENT_CONNECT_WITH_DB));
    FUZZ_CHECK(!r.has_auth_plugin || (r.capabilities & REDIR_CLIENT_PLUGIN_AUTH));
    FUZZ_CHECK(!r.has_attributes || (r.capabilities & REDIR_CLIENT_CONNECT_ATTRS));
    FUZZ_CHECK(!r.has_zstd_level || (r.capabilities & REDIR_CLIENT_ZSTD_COMPRESSION));
    const uint8_t *out;
    size_t out_len;
    if (r.has_attributes) {
        redir_attr_iter it;
        redir_span k, v;
        redir_attr_iter_init(&it, r.attributes);
        fuzz_lib_enter();
        while ((st = redir_attr_next(&it, &k, &v, &d)) == REDIR_OK) {
            FUZZ_CHECK(fuzz_span_inside(k, data, size) && fuzz_span_inside(v, data, size));
        }
        fuzz_lib_leave();
        /* the decoder validated the block, so walking it cannot fail */
        FUZZ_CHECK(st == REDIR_DONE);
        struct attrs_ctx ac = {r.attributes};
        if (fuzz_encode_checked(enc_attrs, &ac, &out, &out_len)) {
            /* same pairs; the bytes too unless some length was not minimal */
            FUZZ_CHECK(out_len <= r.attributes.len);
            if (out_len == r.attributes.len) {
                FUZZ_CHECK(out_len == 0 || memcmp(out, r.attributes.ptr, out_len) == 0);
            }
        }
    }
    if (!fuzz_encode_checked(enc, &r, &out, &out_len)) {
        return 0;
    }
    /* Changes that would not decode back are refused, with no size. */
    redir_handshake_response bad = r;
    size_t bad_len = 1;
    if (!(r.capabilities & (REDIR_CLIENT_PLUGIN_AUTH_LENENC_DATA |
                            REDIR_CLIENT_SECURE_CONNECTION))) {
        bad.auth_response = redir_span_of("a\0b", 3);
        FUZZ_CHECK(redir_handshake_response_encode(NULL, 0, &bad_len, &bad) ==
                       REDIR_E_INVALID_ARGUMENT && bad_len == 0);
        bad = r;
    }
    if (!r.has_attributes) {
        bad.attributes = redir_span_of("\x01k\x01v", 4);
        FUZZ_CHECK(redir_handshake_response_encode(NULL, 0, &bad_len, &bad) ==
                       REDIR_E_INVALID_ARGUMENT && bad_len == 0);
        bad = r;
    } else {
        bad.attributes = redir_span_of("\x05k", 2);
        FUZZ_CHECK(redir_handshake_response_encode(NULL, 0, &bad_len, &bad) ==
                       REDIR_E_INVALID_ARGUMENT && bad_len == 0);
        bad = r;
    }
    if (r.capabilities & REDIR_CLIENT_MYSQL) {
        bad.capabilities |= REDIR_MARIADB_CLIENT_PROGRESS;
        FUZZ_CHECK(redir_handshake_response_encode(NULL, 0, &bad_len, &bad) ==
                       REDIR_E_INVALID_ARGUMENT && bad_len == 0);
        bad.capabilities |= REDIR_CLIENT_SSL;
        bad_len = 1;
        FUZZ_CHECK(redir_ssl_request_encode(NULL, 0, &bad_len, &bad) ==
                       REDIR_E_INVALID_ARGUMENT && bad_len == 0);
        bad = r;
    }
    bad.user = redir_span_of("u\0", 2);
    FUZZ_CHECK(redir_handshake_response_encode(NULL, 0, &bad_len, &bad) ==
                   REDIR_E_INVALID_ARGUMENT && bad_len == 0);
    size_t block_len = (size_t)-1;
    FUZZ_CHECK(redir_attr_append_pair(NULL, 0, &block_len, redir_span_of("k", 1),
                                      redir_span_of("v", 1)) == REDIR_E_INVALID_ARGUMENT);
    FUZZ_CHECK(block_len == (size_t)-1);

    redir_handshake_response again;
    fuzz_lib_enter();
    st = redir_handshake_response_decode(&again, &d, out, out_len);
    fuzz_lib_leave();
    FUZZ_CHECK(st == REDIR_OK);
    FUZZ_CHECK(response_eq(&r, &again));
    FUZZ_CHECK(out_len <= size);
    if (out_len == size) {
        FUZZ_CHECK(memcmp(out, data, size) == 0);
    }
    return 0;
}
