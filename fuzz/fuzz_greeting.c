/* Initial handshake v10: decode, bounds of every view, encode round trip. */
#include "fuzz_common.h"
#include "fuzz_eq.h"

static redir_status enc(uint8_t *buf, size_t cap, size_t *out_len, const void *ctx) {
    return redir_greeting_encode(buf, cap, out_len, (const redir_greeting *)ctx);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    redir_greeting g;
    redir_diag d;
    fuzz_lib_enter();
    redir_status st = redir_greeting_decode(&g, &d, data, size);
    fuzz_lib_leave();
    FUZZ_CHECK(redir_status_name(st) != NULL);
    if (st != REDIR_OK) {
        FUZZ_CHECK(redir_status_is_error(st));
        FUZZ_CHECK(d.offset <= size);
        return 0;
    }
    FUZZ_CHECK(fuzz_span_inside(g.server_version, data, size));
    FUZZ_CHECK(fuzz_span_inside(g.auth_data1, data, size));
    FUZZ_CHECK(fuzz_span_inside(g.auth_data2, data, size));
    FUZZ_CHECK(fuzz_span_inside(g.auth_plugin, data, size));
    uint8_t scramble[64];
    size_t scramble_len;
    fuzz_lib_enter();
    st = redir_greeting_scramble(&g, scramble, sizeof scramble, &scramble_len);
    fuzz_lib_leave();
    FUZZ_CHECK(st == REDIR_OK || st == REDIR_E_NOSPACE);
    const uint8_t *out;
    size_t out_len;
    if (fuzz_encode_checked(enc, &g, &out, &out_len)) {
        /* decoding is exact, so the encoder reproduces the input */
        FUZZ_CHECK(out_len == size && memcmp(out, data, size) == 0);
    }
    return 0;
}
