/* OK packet under fuzzed capabilities, with the session-state iterator walked
 * to the end and every entry re-encoded. */
#include "fuzz_common.h"
#include "fuzz_eq.h"

struct ok_ctx {
    const redir_ok *ok;
    uint64_t caps;
};

static redir_status enc(uint8_t *buf, size_t cap, size_t *out_len, const void *ctx) {
    const struct ok_ctx *c = ctx;
    return redir_ok_encode(buf, cap, out_len, c->ok, c->caps);
}

static uint8_t block[1u << 16];

static void walk_state(redir_span state, const uint8_t *data, size_t size) {
    redir_session_iter it;
    redir_session_entry e;
    redir_diag d;
    redir_status st;
    size_t rebuilt = 0;
    int clean = 1;
    redir_session_iter_init(&it, state);
    for (;;) {
        fuzz_lib_enter();
        st = redir_session_next(&it, &e, &d);
        fuzz_lib_leave();
        if (st != REDIR_OK) {
            break;
        }
        FUZZ_CHECK(fuzz_span_inside(e.data, data, size));
        FUZZ_CHECK(fuzz_span_inside(e.name, data, size));
        FUZZ_CHECK(fuzz_span_inside(e.value, data, size));
        FUZZ_CHECK(fuzz_span_inside(e.more_pairs, data, size));
        if (e.type == REDIR_TRACK_SYSTEM_VARIABLES) {
            redir_span rest = e.more_pairs, n, v;
            redir_status ps;
            fuzz_lib_enter();
            while ((ps = redir_sysvar_next(&rest, &n, &v, &d)) == REDIR_OK) {
                FUZZ_CHECK(fuzz_span_inside(n, data, size) && fuzz_span_inside(v, data, size));
            }
            fuzz_lib_leave();
            FUZZ_CHECK(ps == REDIR_DONE || redir_status_is_error(ps));
        }
        fuzz_lib_enter();
        redir_status es = redir_session_put_entry(block, sizeof block, &rebuilt, &e);
        fuzz_lib_leave();
        if (es != REDIR_OK) {
            clean = 0;
        }
    }
    /* The iterator is sticky: once finished or failed it stays so. */
    redir_status again;
    fuzz_lib_enter();
    again = redir_session_next(&it, &e, &d);
    fuzz_lib_leave();
    FUZZ_CHECK(again == st);
    if (st == REDIR_DONE && clean) {
        /* Entries re-encode to the block they came from, when it was minimal;
         * in any case the rebuilt block walks to the same entries. */
        redir_session_iter a, b;
        redir_session_entry ea, eb;
        redir_session_iter_init(&a, state);
        redir_session_iter_init(&b, redir_span_of(block, rebuilt));
        for (;;) {
            redir_status sa = redir_session_next(&a, &ea, &d);
            redir_status sb = redir_session_next(&b, &eb, &d);
            FUZZ_CHECK(sa == sb);
            if (sa != REDIR_OK) {
                break;
            }
            FUZZ_CHECK(ea.type == eb.type && span_eq(ea.name, eb.name) &&
                       span_eq(ea.value, eb.value) && span_eq(ea.more_pairs, eb.more_pairs));
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    uint64_t caps = fuzz_take_caps(&data, &size);
    redir_ok ok;
    redir_diag d;
    fuzz_lib_enter();
    redir_status st = redir_ok_decode(&ok, &d, data, size, caps);
    fuzz_lib_leave();
    FUZZ_CHECK(redir_status_name(st) != NULL);
    if (st != REDIR_OK) {
        FUZZ_CHECK(redir_status_is_error(st) && d.offset <= size);
        return 0;
    }
    FUZZ_CHECK(fuzz_span_inside(ok.info, data, size));
    FUZZ_CHECK(fuzz_span_inside(ok.session_state, data, size));
    walk_state(ok.session_state, data, size);

    struct ok_ctx ctx = {&ok, caps};
    const uint8_t *out;
    size_t out_len;
    if (!fuzz_encode_checked(enc, &ctx, &out, &out_len)) {
        return 0;
    }
    redir_ok again;
    fuzz_lib_enter();
    st = redir_ok_decode(&again, &d, out, out_len, caps);
    fuzz_lib_leave();
    FUZZ_CHECK(st == REDIR_OK);
    FUZZ_CHECK(ok_eq(&ok, &again));
    if (out_len == size) {
        FUZZ_CHECK(memcmp(out, data, size) == 0);
    }
    return 0;
}
