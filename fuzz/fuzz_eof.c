/* Legacy EOF packet. */
#include "fuzz_common.h"

static redir_status enc(uint8_t *buf, size_t cap, size_t *out_len, const void *ctx) {
    return redir_eof_encode(buf, cap, out_len, (const redir_eof *)ctx);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    uint64_t caps = fuzz_take_caps(&data, &size);
    redir_eof e;
    redir_diag d;
    fuzz_lib_enter();
    redir_status st = redir_eof_decode(&e, &d, data, size, caps);
    fuzz_lib_leave();
    if (st != REDIR_OK) {
        FUZZ_CHECK(redir_status_is_error(st) && d.offset <= size);
        return 0;
    }
    FUZZ_CHECK(size < 9);
    const uint8_t *out;
    size_t out_len;
    if (fuzz_encode_checked(enc, &e, &out, &out_len)) {
        FUZZ_CHECK(out_len == size && memcmp(out, data, size) == 0);
    }
    return 0;
}
