/* AuthSwitchRequest (both forms) and AuthMoreData; the first byte selects. */
#include "fuzz_common.h"
#include "fuzz_eq.h"

static redir_status enc_switch(uint8_t *buf, size_t cap, size_t *out_len, const void *ctx) {
    return redir_auth_switch_encode(buf, cap, out_len, (const redir_auth_switch *)ctx);
}

static redir_status enc_more(uint8_t *buf, size_t cap, size_t *out_len, const void *ctx) {
    return redir_auth_more_data_encode(buf, cap, out_len, *(const redir_span *)ctx);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 1) {
        return 0;
    }
    int more = data[0] & 1;
    data++;
    size--;
    redir_diag d;
    const uint8_t *out;
    size_t out_len;
    redir_status st;
    if (more) {
        redir_span payload;
        fuzz_lib_enter();
        st = redir_auth_more_data_decode(&payload, &d, data, size);
        fuzz_lib_leave();
        if (st != REDIR_OK) {
            FUZZ_CHECK(redir_status_is_error(st) && d.offset <= size);
            return 0;
        }
        FUZZ_CHECK(fuzz_span_inside(payload, data, size));
        if (fuzz_encode_checked(enc_more, &payload, &out, &out_len)) {
            FUZZ_CHECK(out_len == size && memcmp(out, data, size) == 0);
        }
        return 0;
    }
    redir_auth_switch s;
    fuzz_lib_enter();
    st = redir_auth_switch_decode(&s, &d, data, size);
    fuzz_lib_leave();
    if (st != REDIR_OK) {
        FUZZ_CHECK(redir_status_is_error(st) && d.offset <= size);
        return 0;
    }
    FUZZ_CHECK(fuzz_span_inside(s.auth_plugin, data, size));
    FUZZ_CHECK(fuzz_span_inside(s.auth_data, data, size));
    if (fuzz_encode_checked(enc_switch, &s, &out, &out_len)) {
        FUZZ_CHECK(out_len == size && memcmp(out, data, size) == 0);
    }
    return 0;
}
