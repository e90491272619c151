#include <criterion/criterion.h>
#include <criterion/new/assert.h>
#include <string.h>

#include "redir/wire.h"
#include "testutil.h"

struct lenenc_vec {
    const char *hex;
    uint64_t value;
    size_t size;
};

static const struct lenenc_vec minimal[] = {
    {"00", 0, 1},
    {"fa", 250, 1},
    {"fc fb 00", 251, 3},
    {"fc ff ff", 65535, 3},
    {"fd 00 00 01", 65536, 4},
    {"fd ff ff ff", 16777215, 4},
    {"fe 00 00 00 01 00 00 00 00", 16777216, 9},
    {"fe ff ff ff ff ff ff ff ff", UINT64_MAX, 9},
};

Test(lenenc, decode_encode_boundaries) {
    for (size_t i = 0; i < sizeof minimal / sizeof minimal[0]; i++) {
        size_t n;
        const uint8_t *in = hexbuf(0, minimal[i].hex, &n);
        const uint8_t *g = guard_copy(0, in, n);
        uint64_t v;
        size_t used;
        redir_diag d;
        cr_assert(eq(int, redir_lenenc_decode(&v, &used, &d, g, n), REDIR_OK), "%s", minimal[i].hex);
        cr_assert(eq(u64, v, minimal[i].value));
        cr_assert(eq(sz, used, minimal[i].size));
        cr_assert(eq(sz, redir_lenenc_size(v), n));
        uint8_t out[9];
        size_t out_len;
        cr_assert(eq(int, redir_lenenc_encode(out, sizeof out, &out_len, v), REDIR_OK));
        cr_assert(eq(sz, out_len, n));
        cr_assert(eq(int, memcmp(out, in, n), 0));
        /* every proper prefix is truncated, with the exact shortfall */
        for (size_t k = 0; k < n; k++) {
            const uint8_t *p = guard_copy(0, in, k);
            cr_assert(eq(int, redir_lenenc_decode(&v, &used, &d, p, k), REDIR_E_TRUNCATED));
            /* with no byte seen only "at least one more" is known */
            size_t want = k == 0 ? 1 : n - k;
            cr_assert(eq(sz, d.needed, want), "%s prefix %zu", minimal[i].hex, k);
        }
    }
}

Test(lenenc, non_minimal_accepted) {
    const uint8_t in[] = {0xfc, 0x05, 0x00};
    uint64_t v;
    size_t used;
    cr_assert(eq(int, redir_lenenc_decode(&v, &used, NULL, in, sizeof in), REDIR_OK));
    cr_assert(eq(u64, v, 5));
    cr_assert(eq(sz, used, 3));
}

Test(lenenc, null_and_ff_rejected_where_length_required) {
    uint64_t v;
    size_t used;
    redir_diag d;
    const uint8_t nul[] = {0xfb};
    const uint8_t ff[] = {0xff, 0x00};
    cr_assert(eq(int, redir_lenenc_decode(&v, &used, &d, nul, 1), REDIR_E_LENENC_NULL));
    cr_assert(eq(sz, d.offset, 0));
    cr_assert(eq(int, redir_lenenc_decode(&v, &used, &d, ff, 2), REDIR_E_LENENC_INVALID));
}

Test(lenenc, string_longer_than_input_is_truncated_not_overread) {
    /* CVE-2020-13249 shape: a length that runs past the packet */
    const uint8_t in[] = {0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 'a'};
    const uint8_t *g = guard_copy(0, in, sizeof in);
    redir_span s;
    size_t used;
    redir_diag d;
    cr_assert(eq(int, redir_lenenc_str_decode(&s, &used, &d, g, sizeof in), REDIR_E_TRUNCATED));
    cr_assert(eq(sz, d.offset, 9));
    cr_assert(d.needed > 0);
}

Test(lenenc, encoder_reports_exact_size) {
    size_t need;
    cr_assert(eq(int, redir_lenenc_encode(NULL, 0, &need, 70000), REDIR_E_NOSPACE));
    cr_assert(eq(sz, need, 4));
    uint8_t small[3] = {0xAA, 0xAA, 0xAA};
    cr_assert(eq(int, redir_lenenc_encode(small, 3, &need, 70000), REDIR_E_NOSPACE));
    cr_assert(eq(sz, need, 4));
}

Test(status, every_status_has_name_and_message) {
    size_t n = redir_status_count();
    cr_assert(n > 30);
    for (size_t i = 0; i < n; i++) {
        redir_status st;
        cr_assert(redir_status_at(i, &st));
        cr_assert(redir_status_name(st) != NULL);
        cr_assert(redir_status_message(st) != NULL);
    }
    cr_assert(redir_status_name((redir_status)9999) == NULL);
    redir_status unused;
    cr_assert(eq(int, redir_status_at(n, &unused), 0));
}
