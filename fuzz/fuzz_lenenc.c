/* Length-encoded integers and strings. */
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    uint64_t v;
    size_t used;
    redir_diag d;
    fuzz_lib_enter();
    redir_status st = redir_lenenc_decode(&v, &used, &d, data, size);
    fuzz_lib_leave();
    if (st == REDIR_OK) {
        FUZZ_CHECK(used >= 1 && used <= 9 && used <= size);
        uint8_t out[9];
        size_t out_len;
        FUZZ_CHECK(redir_lenenc_encode(out, sizeof out, &out_len, v) == REDIR_OK);
        FUZZ_CHECK(out_len == redir_lenenc_size(v) && out_len <= used);
        if (out_len == used) {
            FUZZ_CHECK(memcmp(out, data, used) == 0);
        }
    } else {
        FUZZ_CHECK(st == REDIR_E_TRUNCATED || st == REDIR_E_LENENC_NULL ||
                   st == REDIR_E_LENENC_INVALID);
        FUZZ_CHECK(st != REDIR_E_TRUNCATED || (d.needed > 0 && d.needed <= 8));
    }
    redir_span s;
    fuzz_lib_enter();
    st = redir_lenenc_str_decode(&s, &used, &d, data, size);
    fuzz_lib_leave();
    if (st == REDIR_OK) {
        FUZZ_CHECK(fuzz_span_inside(s, data, size) && used <= size);
    }
    return 0;
}
