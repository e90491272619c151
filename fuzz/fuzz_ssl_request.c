/* SSLRequest: exactly 32 bytes with CLIENT_SSL; round trip. */
#include "fuzz_common.h"
#include "fuzz_eq.h"

static redir_status enc(uint8_t *buf, size_t cap, size_t *out_len, const void *ctx) {
    return redir_ssl_request_encode(buf, cap, out_len, (const redir_handshake_response *)ctx);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    redir_handshake_response r;
    redir_diag d = {0, 0};
    fuzz_lib_enter();
    redir_status st = redir_ssl_request_decode(&r, &d, data, size);
    fuzz_lib_leave();
    redir_handshake_response r2;
    FUZZ_CHECK(redir_ssl_request_decode(&r2, NULL, data, size) == st);
    if (st != REDIR_OK) {
        redir_handshake_response zero;
        memset(&zero, 0, sizeof zero);
        FUZZ_CHECK(response_eq(&r, &zero));
        if (size < REDIR_SSL_REQUEST_SIZE) {
            FUZZ_CHECK(st == REDIR_E_TRUNCATED && d.offset + d.needed <= REDIR_SSL_REQUEST_SIZE &&
                       d.needed > 0 && d.offset <= size);
        } else if ((data[1] & 0x08) == 0) {
            FUZZ_CHECK(st == REDIR_E_MISSING_CAPABILITY && d.offset == 0);
        } else {
            FUZZ_CHECK(st == REDIR_E_TRAILING && d.offset == REDIR_SSL_REQUEST_SIZE);
        }
        return 0;
    }
    FUZZ_CHECK(size == REDIR_SSL_REQUEST_SIZE && (r.capabilities & REDIR_CLIENT_SSL));
    FUZZ_CHECK(response_eq(&r, &r2));
    FUZZ_CHECK(r.user.len == 0 && !r.has_database && !r.has_attributes && !r.has_auth_plugin);
    const uint8_t *out;
    size_t out_len;
    FUZZ_CHECK(fuzz_encode_checked(enc, &r, &out, &out_len));
    FUZZ_CHECK(out_len == size && memcmp(out, data, size) == 0);
    return 0;
}
