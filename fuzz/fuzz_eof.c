/* Legacy EOF packet: the decoder agrees with a reference of the layout, and
 * the encoder reproduces the input. */
#include "fuzz_common.h"

static redir_status enc(uint8_t *buf, size_t cap, size_t *out_len, const void *ctx) {
    return redir_eof_encode(buf, cap, out_len, (const redir_eof *)ctx);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    uint64_t caps = fuzz_take_caps(&data, &size);
    redir_eof e;
    redir_diag d = {0, 0};
    fuzz_lib_enter();
    redir_status st = redir_eof_decode(&e, &d, data, size, caps);
    fuzz_lib_leave();
    redir_eof e2;
    FUZZ_CHECK(redir_eof_decode(&e2, NULL, data, size, caps) == st);
    bool p41 = (caps & REDIR_CLIENT_PROTOCOL_41) != 0;
    size_t want = p41 ? 5 : 1;
    redir_status ref;
    if (size == 0) {
        ref = REDIR_E_TRUNCATED;
    } else if (data[0] != 0xFE || size > 8) {
        ref = REDIR_E_BAD_HEADER;
    } else if (size < want) {
        ref = REDIR_E_TRUNCATED;
    } else if (size > want) {
        ref = REDIR_E_TRAILING;
    } else {
        ref = REDIR_OK;
    }
    FUZZ_CHECK(st == ref);
    if (st != REDIR_OK) {
        FUZZ_CHECK(!e.has_fields && e.warnings == 0 && e.status == 0);
        FUZZ_CHECK(st != REDIR_E_TRAILING || d.offset == want);
        FUZZ_CHECK(st != REDIR_E_BAD_HEADER || d.offset == 0);
        FUZZ_CHECK(st != REDIR_E_TRUNCATED || (d.needed > 0 && d.offset <= size));
        return 0;
    }
    FUZZ_CHECK(e.has_fields == p41);
    if (p41) {
        FUZZ_CHECK(e.warnings == (data[1] | data[2] << 8) && e.status == (data[3] | data[4] << 8));
    }
    const uint8_t *out;
    size_t out_len;
    FUZZ_CHECK(fuzz_encode_checked(enc, &e, &out, &out_len));
    FUZZ_CHECK(out_len == size && memcmp(out, data, size) == 0);
    return 0;
}
