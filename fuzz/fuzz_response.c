/* HandshakeResponse41 and its attributes block: decode, walk, round trip. */
#include "fuzz_common.h"
#include "fuzz_eq.h"

static redir_status enc(uint8_t *buf, size_t cap, size_t *out_len, const void *ctx) {
    return redir_handshake_response_encode(buf, cap, out_len,
                                           (const redir_handshake_response *)ctx);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    redir_handshake_response r;
    redir_diag d;
    fuzz_lib_enter();
    redir_status st = redir_handshake_response_decode(&r, &d, data, size);
    fuzz_lib_leave();
    FUZZ_CHECK(redir_status_name(st) != NULL);
    if (st != REDIR_OK) {
        FUZZ_CHECK(d.offset <= size);
        return 0;
    }
    FUZZ_CHECK(fuzz_span_inside(r.user, data, size));
    FUZZ_CHECK(fuzz_span_inside(r.auth_response, data, size));
    FUZZ_CHECK(fuzz_span_inside(r.database, data, size));
    FUZZ_CHECK(fuzz_span_inside(r.auth_plugin, data, size));
    FUZZ_CHECK(fuzz_span_inside(r.attributes, data, size));
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
    }
    const uint8_t *out;
    size_t out_len;
    if (!fuzz_encode_checked(enc, &r, &out, &out_len)) {
        return 0;
    }
    redir_handshake_response again;
    fuzz_lib_enter();
    st = redir_handshake_response_decode(&again, &d, out, out_len);
    fuzz_lib_leave();
    FUZZ_CHECK(st == REDIR_OK);
    FUZZ_CHECK(response_eq(&r, &again));
    if (out_len == size) {
        FUZZ_CHECK(memcmp(out, data, size) == 0);
    }
    return 0;
}
