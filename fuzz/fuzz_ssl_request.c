/* SSLRequest: exactly 32 bytes; round trip. */
#include "fuzz_common.h"
#include "fuzz_eq.h"

static redir_status enc(uint8_t *buf, size_t cap, size_t *out_len, const void *ctx) {
    return redir_ssl_request_encode(buf, cap, out_len, (const redir_handshake_response *)ctx);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    redir_handshake_response r;
    redir_diag d;
    fuzz_lib_enter();
    redir_status st = redir_ssl_request_decode(&r, &d, data, size);
    fuzz_lib_leave();
    if (st != REDIR_OK) {
        FUZZ_CHECK(redir_status_is_error(st) && d.offset <= size);
        return 0;
    }
    FUZZ_CHECK(size == REDIR_SSL_REQUEST_SIZE);
    const uint8_t *out;
    size_t out_len;
    if (fuzz_encode_checked(enc, &r, &out, &out_len)) {
        FUZZ_CHECK(out_len == size && memcmp(out, data, size) == 0);
    }
    return 0;
}
