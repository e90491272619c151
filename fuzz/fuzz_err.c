/* ERR packets and MariaDB progress reports: decode, views, the round trip
 * (byte-exact unless the progress info length was not minimal). */
#include "fuzz_common.h"
#include "fuzz_eq.h"

static redir_status enc(uint8_t *buf, size_t cap, size_t *out_len, const void *ctx) {
    return redir_err_encode(buf, cap, out_len, (const redir_err *)ctx);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    uint64_t caps = fuzz_take_caps(&data, &size);
    redir_err e;
    redir_diag d = {0, 0};
    fuzz_lib_enter();
    redir_status st = redir_err_decode(&e, &d, data, size, caps);
    fuzz_lib_leave();
    redir_err e2;
    FUZZ_CHECK(redir_err_decode(&e2, NULL, data, size, caps) == st);
    bool progress = size >= 3 && data[1] == 0xFF && data[2] == 0xFF &&
                    (caps & (REDIR_MARIADB_CLIENT_PROGRESS | REDIR_CLIENT_PROGRESS_OBSOLETE));
    if (st != REDIR_OK) {
        redir_err zero;
        memset(&zero, 0, sizeof zero);
        FUZZ_CHECK(redir_status_is_error(st) && d.offset <= size && err_eq(&e, &zero));
        if (size == 0 || (size < 3 && data[0] == 0xFF)) {
            FUZZ_CHECK(st == REDIR_E_TRUNCATED && d.needed > 0);
        } else if (data[0] != 0xFF) {
            FUZZ_CHECK(st == REDIR_E_BAD_HEADER && d.offset == 0);
        } else if (!progress) {
            /* only a short state after '#' fails an ordinary ERR */
            FUZZ_CHECK(st == REDIR_E_BAD_SQLSTATE && data[3] == '#' && size < 9 && d.offset == 4);
        }
        return 0;
    }
    FUZZ_CHECK(err_eq(&e, &e2) && e.is_progress == progress);
    FUZZ_CHECK(e.code == (data[1] | data[2] << 8));
    FUZZ_CHECK(fuzz_span_inside(e.sql_state, data, size));
    FUZZ_CHECK(fuzz_span_inside(e.message, data, size));
    FUZZ_CHECK(fuzz_span_inside(e.progress_info, data, size));
    FUZZ_CHECK(!e.has_sql_state || e.sql_state.len == 5);
    FUZZ_CHECK(e.is_progress || e.message.len == 0 || e.message.ptr + e.message.len == data + size);
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
    FUZZ_CHECK(out_len <= size);
    if (!e.is_progress) {
        FUZZ_CHECK(out_len == size);
    }
    if (out_len == size) {
        FUZZ_CHECK(memcmp(out, data, size) == 0);
    }
    return 0;
}
