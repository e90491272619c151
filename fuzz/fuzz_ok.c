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

/* Rebuilding a whole block entry by entry with redir_session_append_entry: an
 * encoder of its own, checked for exact sizing like the packet encoders. */
static redir_status enc_block(uint8_t *buf, size_t cap, size_t *out_len, const void *ctx) {
    redir_session_iter it;
    redir_session_entry e;
    redir_diag d;
    redir_status st, es = REDIR_OK;
    size_t len = 0;
    redir_session_iter_init(&it, *(const redir_span *)ctx);
    while ((st = redir_session_next(&it, &e, &d)) == REDIR_OK) {
        size_t before = len;
        redir_status one = redir_session_append_entry(buf, cap, &len, &e);
        FUZZ_CHECK(one == REDIR_OK || one == REDIR_E_NOSPACE);
        FUZZ_CHECK(len > before && (one == REDIR_OK) == (len <= cap));
        if (one != REDIR_OK) {
            es = one;
        }
    }
    FUZZ_CHECK(st == REDIR_DONE);
    *out_len = len;
    return es;
}

static void walk_state(redir_span state, const uint8_t *data, size_t size) {
    redir_session_iter it;
    redir_session_entry e;
    redir_diag d = {0, 0};
    redir_status st;
    size_t count = 0;
    redir_session_iter_init(&it, state);
    for (;;) {
        fuzz_lib_enter();
        st = redir_session_next(&it, &e, &d);
        fuzz_lib_leave();
        if (st != REDIR_OK) {
            break;
        }
        count++;
        FUZZ_CHECK(fuzz_span_inside(e.data, state.ptr, state.len));
        FUZZ_CHECK(fuzz_span_inside(e.name, e.data.ptr, e.data.len));
        FUZZ_CHECK(fuzz_span_inside(e.value, e.data.ptr, e.data.len));
        FUZZ_CHECK(fuzz_span_inside(e.more_pairs, e.data.ptr, e.data.len));
        FUZZ_CHECK(fuzz_span_inside(e.data, data, size));
        if (e.type == REDIR_TRACK_SYSTEM_VARIABLES) {
            redir_span rest = e.more_pairs, n, v;
            redir_status ps;
            fuzz_lib_enter();
            while ((ps = redir_sysvar_next(&rest, &n, &v, &d)) == REDIR_OK) {
                FUZZ_CHECK(fuzz_span_inside(n, data, size) && fuzz_span_inside(v, data, size));
            }
            fuzz_lib_leave();
            /* the iterator checked every pair already */
            FUZZ_CHECK(ps == REDIR_DONE && rest.len == 0);
        }
    }
    FUZZ_CHECK(st == REDIR_DONE || redir_status_is_error(st));
    FUZZ_CHECK(st != REDIR_DONE || count > 0 || state.len == 0);
    FUZZ_CHECK(d.offset <= state.len);
    /* The iterator is sticky: once finished or failed it stays so, with the
     * same offset. */
    redir_diag d2 = {0, 0};
    redir_status again;
    fuzz_lib_enter();
    again = redir_session_next(&it, &e, &d2);
    fuzz_lib_leave();
    FUZZ_CHECK(again == st && (st == REDIR_DONE || d2.offset == d.offset));
    if (st != REDIR_DONE) {
        return;
    }
    /* Entries re-encode to the block they came from when it was minimal; in
     * any case the rebuilt block walks to the same entries. */
    const uint8_t *block;
    size_t rebuilt;
    if (!fuzz_encode_checked(enc_block, &state, &block, &rebuilt)) {
        return;
    }
    FUZZ_CHECK(rebuilt <= state.len);
    if (rebuilt == state.len) {
        FUZZ_CHECK(rebuilt == 0 || memcmp(block, state.ptr, rebuilt) == 0);
    }
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
                   span_eq(ea.value, eb.value) && span_eq(ea.more_pairs, eb.more_pairs) &&
                   ea.gtid_spec == eb.gtid_spec &&
                   ea.state_change_nested == eb.state_change_nested);
        if (ea.type > REDIR_TRACK_TRANSACTION_STATE) {
            FUZZ_CHECK(span_eq(ea.data, eb.data));
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
    redir_ok ok2;
    FUZZ_CHECK(redir_ok_decode(&ok2, NULL, data, size, caps) == st);
    if (st != REDIR_OK) {
        redir_ok zero;
        memset(&zero, 0, sizeof zero);
        FUZZ_CHECK(redir_status_is_error(st) && d.offset <= size && ok_eq(&ok, &zero));
        FUZZ_CHECK(st != REDIR_E_TRUNCATED || d.needed > 0);
        FUZZ_CHECK(st != REDIR_E_TRAILING || d.offset < size);
        FUZZ_CHECK(st != REDIR_E_BAD_HEADER || (d.offset == 0 && data[0] != 0 && data[0] != 0xFE));
        return 0;
    }
    FUZZ_CHECK(ok_eq(&ok, &ok2) && ok.header == data[0]);
    FUZZ_CHECK(ok.has_status == ((caps & (REDIR_CLIENT_PROTOCOL_41 | REDIR_CLIENT_TRANSACTIONS)) != 0));
    FUZZ_CHECK(ok.has_warnings == ((caps & REDIR_CLIENT_PROTOCOL_41) != 0));
    FUZZ_CHECK(!ok.has_session_state ||
               ((caps & REDIR_CLIENT_SESSION_TRACK) && (ok.status & REDIR_STATUS_SESSION_STATE_CHANGED)));
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
    FUZZ_CHECK(out_len <= size);
    if (out_len == size) {
        FUZZ_CHECK(memcmp(out, data, size) == 0);
    }
    return 0;
}
