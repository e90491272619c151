/* ERR packets and MariaDB progress reports. */
#include "fuzz_common.h"
#include "fuzz_eq.h"

static redir_status enc(uint8_t *buf, size_t cap, size_t *out_len, const void *ctx) {
    return redir_err_encode(buf, cap, out_len, (const redir_err *)ctx);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    uint64_t caps = fuzz_take_caps(&data, &size);
    redir_err e;
    redir_diag d;
    fuzz_lib_enter();
    redir_status st = redir_err_decode(&e, &d, data, size, caps);
    fuzz_lib_leave();
    if (st != REDIR_OK) {
        FUZZ_CHECK(redir_status_is_error(st) && d.offset <= size);
        return 0;
    }
    FUZZ_CHECK(fuzz_span_inside(e.sql_state, data, size));
    FUZZ_CHECK(fuzz_span_inside(e.message, data, size));
    FUZZ_CHECK(fuzz_span_inside(e.progress_info, data, size));
    FUZZ_CHECK(!e.has_sql_state || e.sql_state.len == 5);
    const uint8_t *out;
    size_t out_len;
    if (!fuzz_encode_checked(enc, &e, &out, &out_len)) {
        return 0;
    }
    redir_err again;
    fuzz_lib_enter();
    st = redir_err_decode(&again, &d, out, out_len, caps);
    fuzz_lib_leave();
    FUZZ_CHECK(st == REDIR_OK && err_eq(&e, &again));
    if (out_len == size) {
        FUZZ_CHECK(memcmp(out, data, size) == 0);
    }
    return 0;
}
