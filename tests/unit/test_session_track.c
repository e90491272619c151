/*
 * Session state blocks: typed entries, several pairs in one SYSTEM_VARIABLES
 * entry, the two STATE_CHANGE forms, unknown types, malformed entries, the
 * sticky iterator and the entry encoders.
 */
#include <criterion/criterion.h>
#include <criterion/new/assert.h>
#include <string.h>

#include "redir/packets.h"
#include "redir/wire.h"
#include "testutil.h"

#define ASSERT_SPAN(s, text)                                                                       \
    do {                                                                                           \
        redir_span s_ = (s);                                                                       \
        const char *t_ = (text);                                                                   \
        cr_assert(eq(sz, s_.len, strlen(t_)), "%s length", #s);                                    \
        if (s_.len > 0) {                                                                          \
            cr_assert(eq(int, memcmp(s_.ptr, t_, s_.len), 0), "%s = '%.*s'", #s, (int)s_.len,      \
                      (const char *)s_.ptr);                                                       \
        }                                                                                          \
    } while (0)

static redir_span S(const char *text) { return redir_span_of(text, strlen(text)); }

/* block_of decodes hex into a guarded block (guard slot 0, hex slot 0). */
static redir_span block_of(const char *hex, const uint8_t **ref) {
    size_t n;
    const uint8_t *h = hexbuf(0, hex, &n);
    if (ref != NULL) {
        *ref = h;
    }
    return redir_span_of(guard_copy(0, h, n), n);
}

static void next_ok(redir_session_iter *it, redir_session_entry *e) {
    redir_diag d = {0, 0};
    redir_status st = redir_session_next(it, e, &d);
    cr_assert(eq(int, st, REDIR_OK), "offset %zu", d.offset);
}

static void expect_fail(redir_span block, size_t good_entries, redir_status want, size_t offset) {
    redir_session_iter it;
    redir_session_iter_init(&it, block);
    redir_session_entry e;
    for (size_t i = 0; i < good_entries; i++) {
        next_ok(&it, &e);
    }
    redir_diag d = {0, 0};
    cr_assert(eq(int, redir_session_next(&it, &e, &d), want));
    cr_assert(eq(sz, d.offset, offset));
    cr_assert(eq(u8, e.type, 0));
    cr_assert(e.data.ptr == NULL);
    /* the iterator stays failed with the same answer */
    for (int again = 0; again < 2; again++) {
        redir_diag d2 = {0, 0};
        cr_assert(eq(int, redir_session_next(&it, &e, &d2), want));
        cr_assert(eq(sz, d2.offset, offset));
    }
}

/* reencode checks that put_entry gives back the exact bytes of every entry. */
static void reencode_all(redir_span block) {
    redir_session_iter it;
    redir_session_iter_init(&it, block);
    uint8_t out[1024];
    size_t len = 0;
    redir_session_entry e;
    redir_status st;
    while ((st = redir_session_next(&it, &e, NULL)) == REDIR_OK) {
        cr_assert(eq(int, redir_session_append_entry(out, sizeof out, &len, &e), REDIR_OK));
    }
    cr_assert(eq(int, st, REDIR_DONE));
    cr_assert(eq(sz, len, block.len));
    cr_assert(eq(int, memcmp(out, block.ptr, len), 0));
}

/* Every prefix of a valid block yields the entries that fit, then DONE at an
 * entry boundary or E_STATE_ENTRY inside an entry. */
static void sweep_block(const uint8_t *ref, size_t n) {
    size_t bounds[64];
    size_t bodies[64];
    size_t count = 0;
    bounds[count++] = 0;
    {
        redir_session_iter it;
        redir_session_iter_init(&it, redir_span_of(ref, n));
        redir_session_entry e;
        while (redir_session_next(&it, &e, NULL) == REDIR_OK) {
            cr_assert(count < 64);
            bodies[count] = (size_t)(e.data.ptr - ref);
            bounds[count++] = (size_t)(e.data.ptr - ref) + e.data.len;
        }
    }
    cr_assert(eq(sz, bounds[count - 1], n));
    for (size_t k = 0; k < n; k++) {
        redir_span b = redir_span_of(guard_copy(1, ref, k), k);
        redir_session_iter it;
        redir_session_iter_init(&it, b);
        redir_session_entry e;
        size_t i = 1;
        while (i < count && bounds[i] <= k) {
            next_ok(&it, &e);
            i++;
        }
        redir_diag d = {0, 0};
        redir_status st = redir_session_next(&it, &e, &d);
        if (bounds[i - 1] == k) {
            cr_assert(eq(int, st, REDIR_DONE), "prefix %zu", k);
        } else {
            cr_assert(eq(int, st, REDIR_E_STATE_ENTRY), "prefix %zu", k);
            /* after the type byte, after a multi-byte length's first byte, or at
             * the body that does not fit */
            size_t start = bounds[i - 1];
            cr_assert(d.offset == start + 1 || d.offset == start + 2 || d.offset == bodies[i],
                      "prefix %zu offset %zu", k, d.offset);
            cr_assert(d.offset <= k, "prefix %zu", k);
        }
    }
}

Test(session, empty_and_null_blocks_are_done) {
    redir_session_iter it;
    redir_session_entry e;
    redir_session_iter_init(&it, redir_span_of(NULL, 0));
    cr_assert(eq(int, redir_session_next(&it, &e, NULL), REDIR_DONE));
    static const uint8_t x[1] = {0};
    redir_session_iter_init(&it, redir_span_of(x, 0));
    cr_assert(eq(int, redir_session_next(&it, &e, NULL), REDIR_DONE));
    cr_assert(eq(int, redir_session_next(&it, &e, NULL), REDIR_DONE));
}

Test(session, several_pairs_in_one_sysvars_entry) {
    const uint8_t *ref;
    redir_span block =
        block_of("001f0a6175746f636f6d6d6974024f4e0974696d655f7a6f6e650653595354454d", &ref);
    redir_session_iter it;
    redir_session_iter_init(&it, block);
    redir_session_entry e;
    next_ok(&it, &e);
    cr_assert(eq(u8, e.type, REDIR_TRACK_SYSTEM_VARIABLES));
    cr_assert(eq(sz, e.data.len, 31));
    ASSERT_SPAN(e.name, "autocommit");
    ASSERT_SPAN(e.value, "ON");
    cr_assert(eq(sz, e.more_pairs.len, 17));
    cr_assert(e.more_pairs.ptr == block.ptr + 16);

    redir_span rest = e.more_pairs;
    redir_span name, value;
    cr_assert(eq(int, redir_sysvar_next(&rest, &name, &value, NULL), REDIR_OK));
    ASSERT_SPAN(name, "time_zone");
    ASSERT_SPAN(value, "SYSTEM");
    cr_assert(eq(sz, rest.len, 0));
    cr_assert(eq(int, redir_sysvar_next(&rest, &name, &value, NULL), REDIR_DONE));
    cr_assert(eq(sz, name.len, 0));

    /* the whole body walks as two pairs too */
    rest = e.data;
    cr_assert(eq(int, redir_sysvar_next(&rest, &name, &value, NULL), REDIR_OK));
    ASSERT_SPAN(name, "autocommit");
    cr_assert(eq(int, redir_sysvar_next(&rest, &name, &value, NULL), REDIR_OK));
    ASSERT_SPAN(value, "SYSTEM");
    cr_assert(eq(int, redir_sysvar_next(&rest, &name, &value, NULL), REDIR_DONE));

    cr_assert(eq(int, redir_session_next(&it, &e, NULL), REDIR_DONE));
    reencode_all(block);
    sweep_block(ref, block.len);
}

Test(session, sysvar_next_errors_leave_rest_unchanged) {
    /* name "ab", then a value length of 5 with only 2 bytes */
    static const uint8_t body[] = {0x02, 'a', 'b', 0x05, 'x', 'y'};
    const uint8_t *g = guard_copy(0, body, sizeof body);
    redir_span rest = redir_span_of(g, sizeof body);
    redir_span name, value;
    redir_diag d = {0, 0};
    cr_assert(eq(int, redir_sysvar_next(&rest, &name, &value, &d), REDIR_E_STATE_VALUE));
    cr_assert(eq(sz, d.offset, 4));
    cr_assert(rest.ptr == g);
    cr_assert(eq(sz, rest.len, sizeof body));
    cr_assert(eq(sz, name.len, 0));

    static const uint8_t nul[] = {0xFB};
    rest = redir_span_of(guard_copy(0, nul, 1), 1);
    cr_assert(eq(int, redir_sysvar_next(&rest, &name, &value, &d), REDIR_E_LENENC_NULL));
    cr_assert(eq(sz, d.offset, 0));
    static const uint8_t name_only[] = {0x01, 'a'};
    rest = redir_span_of(guard_copy(0, name_only, 2), 2);
    cr_assert(eq(int, redir_sysvar_next(&rest, &name, &value, &d), REDIR_E_STATE_VALUE));
    cr_assert(eq(sz, d.offset, 2));
}

Test(session, state_change_raw_and_nested_forms) {
    const uint8_t *ref;
    /* server form, then the documented nested form, then a 2-byte raw body */
    redir_span block = block_of("020131 02020131 02023132", &ref);
    redir_session_iter it;
    redir_session_iter_init(&it, block);
    redir_session_entry e;
    next_ok(&it, &e);
    cr_assert(eq(u8, e.type, REDIR_TRACK_STATE_CHANGE));
    ASSERT_SPAN(e.value, "1");
    cr_assert(e.value.ptr == e.data.ptr);
    cr_assert(e.state_change_nested == false);
    next_ok(&it, &e);
    ASSERT_SPAN(e.value, "1");
    cr_assert(eq(sz, e.data.len, 2));
    cr_assert(e.state_change_nested);
    next_ok(&it, &e);
    ASSERT_SPAN(e.value, "12");
    cr_assert(e.state_change_nested == false);
    cr_assert(eq(int, redir_session_next(&it, &e, NULL), REDIR_DONE));
    reencode_all(block);
    sweep_block(ref, block.len);

    /* a one-byte body is raw even when it reads as an empty lenenc string */
    redir_span zero = block_of("020100", NULL);
    redir_session_iter_init(&it, zero);
    next_ok(&it, &e);
    cr_assert(e.state_change_nested == false);
    cr_assert(eq(sz, e.value.len, 1));
    cr_assert(eq(u8, e.value.ptr[0], 0x00));
    reencode_all(zero);

    /* an empty body is raw and empty */
    redir_span empty = block_of("0200", NULL);
    redir_session_iter_init(&it, empty);
    next_ok(&it, &e);
    cr_assert(eq(sz, e.value.len, 0));
    reencode_all(empty);

    /* an empty inner string (only possible non-minimally) stays raw, so it
     * re-encodes to the same bytes and reads back the same */
    redir_span fc = block_of("0203fc0000", NULL);
    redir_session_iter_init(&it, fc);
    next_ok(&it, &e);
    cr_assert(e.state_change_nested == false);
    cr_assert(eq(sz, e.value.len, 3));
    reencode_all(fc);

    /* a nested entry with an empty value cannot be written */
    memset(&e, 0, sizeof e);
    e.type = REDIR_TRACK_STATE_CHANGE;
    e.state_change_nested = true;
    uint8_t out[8];
    size_t len = 0;
    cr_assert(
        eq(int, redir_session_append_entry(out, sizeof out, &len, &e), REDIR_E_INVALID_ARGUMENT));
    cr_assert(eq(sz, len, 0));
    e.value = S("1");
    cr_assert(eq(int, redir_session_append_entry(out, sizeof out, &len, &e), REDIR_OK));
    cr_assert(eq(int, memcmp(out, "\x02\x02\x01\x31", 4), 0));
}

Test(session, gtids_entry_from_anchors) {
    const uint8_t *ref;
    redir_span block =
        block_of("032a002833453131464134372d373143412d313145312d394533332d4338304141393432393536"
                 "323a312d35",
                 &ref);
    redir_session_iter it;
    redir_session_iter_init(&it, block);
    redir_session_entry e;
    next_ok(&it, &e);
    cr_assert(eq(u8, e.type, REDIR_TRACK_GTIDS));
    cr_assert(eq(u8, e.gtid_spec, 0));
    cr_assert(eq(sz, e.data.len, 42));
    ASSERT_SPAN(e.value, "3E11FA47-71CA-11E1-9E33-C80AA9429562:1-5");
    cr_assert(eq(int, redir_session_next(&it, &e, NULL), REDIR_DONE));
    uint8_t out[64];
    size_t len = 0;
    cr_assert(eq(int,
                 redir_session_append_gtids(out, sizeof out, &len, 0,
                                         S("3E11FA47-71CA-11E1-9E33-C80AA9429562:1-5")),
                 REDIR_OK));
    cr_assert(eq(sz, len, block.len));
    cr_assert(eq(int, memcmp(out, ref, len), 0));
    reencode_all(block);
    sweep_block(ref, block.len);
}

Test(session, characteristics_entry_from_anchors) {
    const uint8_t *ref;
    redir_span block =
        block_of("041d1c5354415254205452414e53414354494f4e2052454144204f4e4c593b", &ref);
    redir_session_iter it;
    redir_session_iter_init(&it, block);
    redir_session_entry e;
    next_ok(&it, &e);
    cr_assert(eq(u8, e.type, REDIR_TRACK_TRANSACTION_CHARACTERISTICS));
    ASSERT_SPAN(e.value, "START TRANSACTION READ ONLY;");
    uint8_t out[64];
    size_t len = 0;
    cr_assert(
        eq(int,
           redir_session_append_string(out, sizeof out, &len, REDIR_TRACK_TRANSACTION_CHARACTERISTICS,
                                    S("START TRANSACTION READ ONLY;")),
           REDIR_OK));
    cr_assert(eq(sz, len, block.len));
    cr_assert(eq(int, memcmp(out, ref, len), 0));
    sweep_block(ref, block.len);
}

Test(session, unknown_types_are_skipped_and_iteration_continues) {
    const uint8_t *ref;
    redir_span block = block_of("01050474657374 0603616263 0c06016103313233 200501016b0176 ff00"
                                " 020131",
                                &ref);
    static const uint8_t types[] = {1, 6, 12, 32, 255, 2};
    static const size_t lens[] = {5, 3, 6, 5, 0, 1};
    redir_session_iter it;
    redir_session_iter_init(&it, block);
    redir_session_entry e;
    for (size_t i = 0; i < sizeof types; i++) {
        next_ok(&it, &e);
        cr_assert(eq(u8, e.type, types[i]));
        cr_assert(eq(sz, e.data.len, lens[i]));
        if (types[i] > 5) {
            cr_assert(e.value.ptr == NULL);
            cr_assert(e.name.ptr == NULL);
        }
    }
    cr_assert(eq(int, redir_session_next(&it, &e, NULL), REDIR_DONE));
    reencode_all(block);
    sweep_block(ref, block.len);
}

Test(session, malformed_entries) {
    /* entry length runs past the block */
    expect_fail(block_of("01 09 04 74 65 73 74", NULL), 0, REDIR_E_STATE_ENTRY, 2);
    /* type byte without a length */
    expect_fail(block_of("020131 05", NULL), 1, REDIR_E_STATE_ENTRY, 4);
    /* two-byte length prefix cut by the end of the block */
    expect_fail(block_of("00 fc 10", NULL), 0, REDIR_E_STATE_ENTRY, 2);
    /* 0xFB and 0xFF where the entry length belongs */
    expect_fail(block_of("020131 00 fb 00", NULL), 1, REDIR_E_LENENC_NULL, 4);
    expect_fail(block_of("01 ff 00", NULL), 0, REDIR_E_LENENC_INVALID, 1);
    /* schema value shorter than its body, longer than its body, empty body */
    expect_fail(block_of("01 06 04 74 65 73 74 21", NULL), 0, REDIR_E_STATE_VALUE, 7);
    expect_fail(block_of("01 04 04 74 65 73 74", NULL), 0, REDIR_E_STATE_VALUE, 3);
    expect_fail(block_of("05 00", NULL), 0, REDIR_E_STATE_VALUE, 2);
    /* transaction state with a 0xFB value length */
    expect_fail(block_of("05 01 fb", NULL), 0, REDIR_E_LENENC_NULL, 2);
    /* gtids: empty body, spec byte alone, value past the body */
    expect_fail(block_of("03 00", NULL), 0, REDIR_E_STATE_VALUE, 2);
    expect_fail(block_of("03 01 00", NULL), 0, REDIR_E_STATE_VALUE, 3);
    expect_fail(block_of("03 03 00 05 41", NULL), 0, REDIR_E_STATE_VALUE, 4);
    /* sysvars: empty body, name only, broken second pair */
    expect_fail(block_of("00 00", NULL), 0, REDIR_E_STATE_VALUE, 2);
    expect_fail(block_of("00 02 01 61", NULL), 0, REDIR_E_STATE_VALUE, 4);
    expect_fail(block_of("00 07 01 61 01 62 01 63 09", NULL), 0, REDIR_E_STATE_VALUE, 9);
    /* an error after good entries keeps them good */
    expect_fail(block_of("020131 01050474657374 01 07 00", NULL), 2, REDIR_E_STATE_ENTRY, 12);
}

Test(session, encoders_rebuild_mariadb_transaction_info_block) {
    /* the block of the MariaDB 10.11 OK to SET session_track_transaction_info */
    size_t n;
    const uint8_t *want =
        hexbuf(1,
               "002f1e73657373696f6e5f747261636b5f7472616e73616374696f6e5f696e666f0f4348415241"
               "435445524953544943530201310509085f5f5f5f5f5f5f5f040100",
               &n);
    uint8_t out[128];
    size_t len = 0;
    cr_assert(
        eq(int,
           redir_session_append_sysvar(out, sizeof out, &len, S("session_track_transaction_info"),
                                    S("CHARACTERISTICS")),
           REDIR_OK));
    cr_assert(eq(sz, len, 49));
    cr_assert(eq(int, redir_session_append_state_change(out, sizeof out, &len), REDIR_OK));
    cr_assert(eq(int,
                 redir_session_append_string(out, sizeof out, &len, REDIR_TRACK_TRANSACTION_STATE,
                                          S("________")),
                 REDIR_OK));
    cr_assert(eq(int,
                 redir_session_append_string(out, sizeof out, &len,
                                          REDIR_TRACK_TRANSACTION_CHARACTERISTICS, S("")),
                 REDIR_OK));
    cr_assert(eq(sz, len, n));
    cr_assert(eq(int, memcmp(out, want, n), 0));

    /* sizing pass with no buffer gives the same total */
    size_t need = 0;
    cr_assert(eq(int,
                 redir_session_append_sysvar(NULL, 0, &need, S("session_track_transaction_info"),
                                          S("CHARACTERISTICS")),
                 REDIR_E_NOSPACE));
    cr_assert(eq(int, redir_session_append_state_change(NULL, 0, &need), REDIR_E_NOSPACE));
    cr_assert(eq(
        int, redir_session_append_string(NULL, 0, &need, REDIR_TRACK_TRANSACTION_STATE, S("________")),
        REDIR_E_NOSPACE));
    cr_assert(
        eq(int,
           redir_session_append_string(NULL, 0, &need, REDIR_TRACK_TRANSACTION_CHARACTERISTICS, S("")),
           REDIR_E_NOSPACE));
    cr_assert(eq(sz, need, n));
}

Test(session, encoders_never_write_past_cap) {
    uint8_t out[16];
    memset(out, 0xA5, sizeof out);
    size_t len = 0;
    /* 1 + 1 + 1+12 + 1+23 = 39 bytes, into 10 */
    cr_assert(
        eq(int,
           redir_session_append_sysvar(out, 10, &len, S("redirect_url"), S("mariadb://10.0.0.7:3306")),
           REDIR_E_NOSPACE));
    cr_assert(eq(sz, len, 39));
    for (size_t i = 10; i < sizeof out; i++) {
        cr_assert(eq(u8, out[i], 0xA5));
    }
    /* exact fit */
    len = 0;
    cr_assert(eq(int, redir_session_append_state_change(out, 3, &len), REDIR_OK));
    cr_assert(eq(sz, len, 3));
    cr_assert(eq(int, redir_session_append_state_change(out, 5, &len), REDIR_E_NOSPACE));
    cr_assert(eq(sz, len, 6));
    cr_assert(eq(u8, out[5], 0xA5));
    /* raw, gtids */
    len = 0;
    cr_assert(eq(int, redir_session_append_raw(out, sizeof out, &len, 32, S("ab")), REDIR_OK));
    cr_assert(eq(sz, len, 4));
    cr_assert(eq(int,
                 memcmp(out,
                        "\x20\x02"
                        "ab",
                        4),
                 0));
    cr_assert(eq(int, redir_session_append_gtids(out, 4, &len, 0, S("x")), REDIR_E_NOSPACE));
    cr_assert(eq(sz, len, 9));
}

Test(session, encoders_reject_bad_arguments) {
    uint8_t out[16];
    size_t len = 3;
    cr_assert(eq(
        int, redir_session_append_string(out, sizeof out, &len, REDIR_TRACK_SYSTEM_VARIABLES, S("x")),
        REDIR_E_INVALID_ARGUMENT));
    cr_assert(eq(int, redir_session_append_string(out, sizeof out, &len, REDIR_TRACK_GTIDS, S("x")),
                 REDIR_E_INVALID_ARGUMENT));
    cr_assert(eq(int,
                 redir_session_append_sysvar(out, sizeof out, &len, redir_span_of(NULL, 2), S("x")),
                 REDIR_E_INVALID_ARGUMENT));
    cr_assert(eq(int, redir_session_append_raw(out, sizeof out, &len, 9, redir_span_of(NULL, 1)),
                 REDIR_E_INVALID_ARGUMENT));
    cr_assert(eq(int, redir_session_append_gtids(out, sizeof out, &len, 0, redir_span_of(NULL, 1)),
                 REDIR_E_INVALID_ARGUMENT));
    cr_assert(eq(sz, len, 3), "len untouched");
    /* put_entry refuses more_pairs that are not whole pairs */
    redir_session_entry e;
    memset(&e, 0, sizeof e);
    e.type = REDIR_TRACK_SYSTEM_VARIABLES;
    e.name = S("a");
    e.value = S("b");
    e.more_pairs = S("\x01"
                     "c");
    cr_assert(
        eq(int, redir_session_append_entry(out, sizeof out, &len, &e), REDIR_E_INVALID_ARGUMENT));
    e.more_pairs = S("\x01"
                     "c"
                     "\x01"
                     "d");
    cr_assert(eq(int, redir_session_append_entry(out, sizeof out, &len, &e), REDIR_OK));
    cr_assert(eq(sz, len, 3 + 10));
    cr_assert(eq(int,
                 memcmp(out + 3,
                        "\x00\x08\x01"
                        "a"
                        "\x01"
                        "b"
                        "\x01"
                        "c"
                        "\x01"
                        "d",
                        10),
                 0));
}

Test(session, put_entry_writes_changed_values_with_new_lengths) {
    /* rewrite the redirect_url value of a decoded entry */
    redir_span block = block_of("00250c72656469726563745f75726c176d6172696164623a2f2f31302e302e"
                                "302e373a33333036",
                                NULL);
    redir_session_iter it;
    redir_session_iter_init(&it, block);
    redir_session_entry e;
    next_ok(&it, &e);
    e.value = S("mysql://h:1");
    uint8_t out[64];
    size_t len = 0;
    cr_assert(eq(int, redir_session_append_entry(out, sizeof out, &len, &e), REDIR_OK));
    size_t n;
    const uint8_t *want = hexbuf(1, "00190c72656469726563745f75726c0b6d7973716c3a2f2f683a31", &n);
    cr_assert(eq(sz, len, n));
    cr_assert(eq(int, memcmp(out, want, n), 0));
}

Test(session, long_values_use_multibyte_lengths) {
    /* a 300-byte value: entry and value lengths take 3 bytes each */
    static uint8_t value[300];
    memset(value, 'v', sizeof value);
    uint8_t out[400];
    size_t len = 0;
    cr_assert(eq(int,
                 redir_session_append_sysvar(out, sizeof out, &len, S("init_connect"),
                                          redir_span_of(value, sizeof value)),
                 REDIR_OK));
    cr_assert(eq(sz, len, 1 + 3 + 13 + 3 + 300));
    cr_assert(eq(u8, out[1], 0xFC));
    cr_assert(eq(u8, out[2], (13 + 303) & 0xFF));
    cr_assert(eq(u8, out[3], (13 + 303) >> 8));
    redir_span block = redir_span_of(guard_copy(0, out, len), len);
    redir_session_iter it;
    redir_session_iter_init(&it, block);
    redir_session_entry e;
    next_ok(&it, &e);
    ASSERT_SPAN(e.name, "init_connect");
    cr_assert(eq(sz, e.value.len, 300));
    cr_assert(eq(int, memcmp(e.value.ptr, value, 300), 0));
    reencode_all(block);
    uint8_t copy[400];
    memcpy(copy, out, len);
    sweep_block(copy, len);
}
