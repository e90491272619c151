/* AuthSwitchRequest (both forms) and AuthMoreData; bit 0 of the first byte
 * selects. Both decode exactly, so the encoders reproduce the input. */
#include "fuzz_common.h"
#include "fuzz_eq.h"

static redir_status enc_switch(uint8_t *buf, size_t cap, size_t *out_len, const void *ctx) {
    return redir_auth_switch_encode(buf, cap, out_len, (const redir_auth_switch *)ctx);
}

static redir_status enc_more(uint8_t *buf, size_t cap, size_t *out_len, const void *ctx) {
    return redir_auth_more_data_encode(buf, cap, out_len, *(const redir_span *)ctx);
}

static void check_failure(redir_status st, const redir_diag *d, const uint8_t *data, size_t size,
                          uint8_t header) {
    FUZZ_CHECK(redir_status_is_error(st) && d->offset <= size);
    if (size == 0) {
        FUZZ_CHECK(st == REDIR_E_TRUNCATED && d->needed > 0);
    } else if (data[0] != header) {
        FUZZ_CHECK(st == REDIR_E_BAD_HEADER && d->offset == 0);
    } else {
        FUZZ_CHECK(st == REDIR_E_NO_TERMINATOR && header == 0xFE);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 1) {
        return 0;
    }
    int more = data[0] & 1;
    data++;
    size--;
    redir_diag d = {0, 0};
    const uint8_t *out;
    size_t out_len;
    redir_status st;
    if (more) {
        redir_span payload = {data, 1};
        fuzz_lib_enter();
        st = redir_auth_more_data_decode(&payload, &d, data, size);
        fuzz_lib_leave();
        if (st != REDIR_OK) {
            check_failure(st, &d, data, size, 0x01);
            return 0;
        }
        FUZZ_CHECK(fuzz_span_inside(payload, data, size) && payload.len == size - 1);
        if (fuzz_encode_checked(enc_more, &payload, &out, &out_len)) {
            FUZZ_CHECK(out_len == size && memcmp(out, data, size) == 0);
        }
        return 0;
    }
    redir_auth_switch s;
    fuzz_lib_enter();
    st = redir_auth_switch_decode(&s, &d, data, size);
    fuzz_lib_leave();
    redir_auth_switch s2;
    FUZZ_CHECK(redir_auth_switch_decode(&s2, NULL, data, size) == st);
    if (st != REDIR_OK) {
        check_failure(st, &d, data, size, 0xFE);
        FUZZ_CHECK(!s.old_form && s.auth_plugin.len == 0 && s.auth_data.len == 0);
        return 0;
    }
    FUZZ_CHECK(s.old_form == (size == 1));
    FUZZ_CHECK(fuzz_span_inside(s.auth_plugin, data, size));
    FUZZ_CHECK(fuzz_span_inside(s.auth_data, data, size));
    FUZZ_CHECK(s.old_form || s.auth_plugin.len + s.auth_data.len + 2 == size);
    if (fuzz_encode_checked(enc_switch, &s, &out, &out_len)) {
        FUZZ_CHECK(out_len == size && memcmp(out, data, size) == 0);
    }
    return 0;
}
