/* Initial handshake v10: decode, bounds of every view, the scramble, and the
 * encode round trip (decoding is exact, so the encoder reproduces the input). */
#include "fuzz_common.h"
#include "fuzz_eq.h"

static redir_status enc(uint8_t *buf, size_t cap, size_t *out_len, const void *ctx) {
    return redir_greeting_encode(buf, cap, out_len, (const redir_greeting *)ctx);
}

static redir_status enc_scramble(uint8_t *buf, size_t cap, size_t *out_len, const void *ctx) {
    return redir_greeting_scramble(buf, cap, out_len, (const redir_greeting *)ctx);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    redir_greeting g;
    redir_diag d = {0, 0};
    fuzz_lib_enter();
    redir_status st = redir_greeting_decode(&g, &d, data, size);
    fuzz_lib_leave();
    FUZZ_CHECK(redir_status_name(st) != NULL);
    redir_greeting g2;
    FUZZ_CHECK(redir_greeting_decode(&g2, NULL, data, size) == st);
    if (st != REDIR_OK) {
        redir_greeting zero;
        memset(&zero, 0, sizeof zero);
        FUZZ_CHECK(redir_status_is_error(st) && d.offset <= size);
        FUZZ_CHECK(greeting_eq(&g, &zero) && g.server_version.ptr == NULL);
        FUZZ_CHECK(st != REDIR_E_BAD_PROTOCOL_VERSION || (size > 0 && data[0] != 10));
        FUZZ_CHECK(st != REDIR_E_TRUNCATED || d.needed > 0);
        FUZZ_CHECK(st != REDIR_E_TRAILING || d.offset < size);
        return 0;
    }
    FUZZ_CHECK(greeting_eq(&g, &g2));
    FUZZ_CHECK(g.protocol_version == 10 && g.auth_data1.len == 8);
    FUZZ_CHECK(fuzz_span_inside(g.server_version, data, size));
    FUZZ_CHECK(fuzz_span_inside(g.auth_data1, data, size));
    FUZZ_CHECK(fuzz_span_inside(g.auth_data2, data, size));
    FUZZ_CHECK(fuzz_span_inside(g.auth_plugin, data, size));
    FUZZ_CHECK(g.server_version.len == 0 ||
               memchr(data + 1, 0, size - 1) == g.server_version.ptr + g.server_version.len);

    /* The scramble is part 1 then part 2 without a trailing NUL. */
    const uint8_t *out;
    size_t out_len;
    FUZZ_CHECK(fuzz_encode_checked(enc_scramble, &g, &out, &out_len));
    size_t p2 = g.auth_data2.len;
    if (p2 > 0 && g.auth_data2.ptr[p2 - 1] == 0) {
        p2--;
    }
    FUZZ_CHECK(out_len == 8 + p2 && out_len <= 255);
    FUZZ_CHECK(memcmp(out, g.auth_data1.ptr, 8) == 0 &&
               (p2 == 0 || memcmp(out + 8, g.auth_data2.ptr, p2) == 0));

    if (!fuzz_encode_checked(enc, &g, &out, &out_len)) {
        return 0;
    }
    FUZZ_CHECK(out_len == size && memcmp(out, data, size) == 0);
    return 0;
}
