/* Length-encoded integers and strings: exact sizes, exact "needed" counts,
 * and the minimal encoding round trip. */
#include "fuzz_common.h"

static redir_status enc(uint8_t *buf, size_t cap, size_t *out_len, const void *ctx) {
    return redir_lenenc_encode(buf, cap, out_len, *(const uint64_t *)ctx);
}

/* prefix_size: bytes a lenenc integer starting with b occupies (0: not one). */
static size_t prefix_size(uint8_t b) {
    switch (b) {
    case 0xFB:
    case 0xFF:
        return 0;
    case 0xFC:
        return 3;
    case 0xFD:
        return 4;
    case 0xFE:
        return 9;
    default:
        return 1;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    uint64_t v;
    size_t used;
    redir_diag d = {0, 0};
    fuzz_lib_enter();
    redir_status st = redir_lenenc_decode(&v, &used, &d, data, size);
    redir_status st_nodiag = redir_lenenc_decode(&v, &used, NULL, data, size);
    fuzz_lib_leave();
    FUZZ_CHECK(st == st_nodiag);
    size_t want = size > 0 ? prefix_size(data[0]) : 0;
    if (st == REDIR_OK) {
        FUZZ_CHECK(used == want && used <= size);
        const uint8_t *out;
        size_t out_len;
        FUZZ_CHECK(fuzz_encode_checked(enc, &v, &out, &out_len));
        FUZZ_CHECK(out_len == redir_lenenc_size(v) && out_len <= used);
        uint64_t back;
        size_t back_used;
        FUZZ_CHECK(redir_lenenc_decode(&back, &back_used, &d, out, out_len) == REDIR_OK);
        FUZZ_CHECK(back == v && back_used == out_len);
        if (out_len == used) {
            FUZZ_CHECK(memcmp(out, data, used) == 0);
        }
    } else if (st == REDIR_E_TRUNCATED) {
        /* empty input: the prefix byte is missing; else the rest of the integer */
        FUZZ_CHECK(size == 0 ? d.needed == 1 && d.offset == 0
                             : want > size && d.needed == want - size && d.offset == 1);
        FUZZ_CHECK(v == 0 && used == 0);
    } else {
        FUZZ_CHECK(st == (data[0] == 0xFB ? REDIR_E_LENENC_NULL : REDIR_E_LENENC_INVALID));
        FUZZ_CHECK(size > 0 && want == 0 && d.offset == 0);
    }

    redir_span s;
    fuzz_lib_enter();
    st = redir_lenenc_str_decode(&s, &used, &d, data, size);
    fuzz_lib_leave();
    if (st == REDIR_OK) {
        FUZZ_CHECK(fuzz_span_inside(s, data, size) && used <= size);
        FUZZ_CHECK(used == want + s.len && (s.len == 0 || s.ptr == data + want));
        FUZZ_CHECK(redir_lenenc_decode(&v, &used, NULL, data, size) == REDIR_OK && v == s.len);
    } else if (st == REDIR_E_TRUNCATED && want > 0 && want <= size) {
        /* the body is short: needed counts exactly the missing body bytes */
        FUZZ_CHECK(redir_lenenc_decode(&v, &used, NULL, data, size) == REDIR_OK);
        FUZZ_CHECK(v > size - want && d.offset == want);
        FUZZ_CHECK((uint64_t)d.needed == v - (size - want));
    }
    return 0;
}
