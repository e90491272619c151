/*
 * Bad and unusual input that broke other implementations of the OK, session
 * state, EOF and ERR packets (codec_anchors.md §3 and the seeds of §6). Each
 * test is named after the report it reproduces and asserts the exact outcome.
 */
#include <criterion/criterion.h>
#include <criterion/new/assert.h>
#include <string.h>

#include "redir/packets.h"
#include "testutil.h"

#define TRACKED REDIR_CAPS_MARIADB_DEFAULT
#define CAPS_41 (REDIR_CLIENT_PROTOCOL_41 | REDIR_CLIENT_TRANSACTIONS)

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

/* ok_hex decodes a hex OK payload from a guarded copy (slot 0). */
static redir_status ok_hex(const char *hex, uint64_t caps, redir_ok *ok, redir_diag *d) {
    size_t n;
    const uint8_t *p = hexbuf(0, hex, &n);
    return redir_ok_decode(ok, d, guard_copy(0, p, n), n, caps);
}

static redir_status err_hex(const char *hex, uint64_t caps, redir_err *e, redir_diag *d) {
    size_t n;
    const uint8_t *p = hexbuf(0, hex, &n);
    return redir_err_decode(e, d, guard_copy(0, p, n), n, caps);
}

/* block_status walks a block (guard slot 1) and returns the first non-OK status. */
static redir_status block_status(const char *hex, size_t *entries, redir_diag *d) {
    size_t n;
    const uint8_t *p = hexbuf(1, hex, &n);
    redir_session_iter it;
    redir_session_iter_init(&it, redir_span_of(guard_copy(1, p, n), n));
    redir_session_entry e;
    redir_status st;
    size_t count = 0;
    while ((st = redir_session_next(&it, &e, d)) == REDIR_OK) {
        count++;
    }
    if (entries != NULL) {
        *entries = count;
    }
    return st;
}

/* reencodes: decode then encode gives back the input. */
static void expect_ok_identity(const char *hex, uint64_t caps) {
    size_t n;
    const uint8_t *p = hexbuf(2, hex, &n);
    redir_ok ok;
    cr_assert(eq(int, redir_ok_decode(&ok, NULL, guard_copy(2, p, n), n, caps), REDIR_OK));
    uint8_t out[512];
    size_t len = 0;
    cr_assert(eq(int, redir_ok_encode(out, sizeof out, &len, &ok, caps), REDIR_OK));
    cr_assert(eq(sz, len, n));
    cr_assert(eq(int, memcmp(out, p, n), 0));
}

/* ------------------------------------------------------------------------- */
/* CVE-2020-13249 (Connector/C ma_read_ok_packet)                              */
/* ------------------------------------------------------------------------- */

Test(regressions, cve_2020_13249_info_length_past_packet) {
    redir_ok ok;
    redir_diag d = {0, 0};
    cr_assert(eq(int, ok_hex("00 00 00 02 40 00 00 20 41", TRACKED, &ok, &d), REDIR_E_TRUNCATED));
    cr_assert(eq(sz, d.offset, 8));
    cr_assert(eq(sz, d.needed, 31));
    cr_assert(ok.info.ptr == NULL);
    /* an 8-byte length near 2^64 must not wrap any pointer */
    cr_assert(eq(int,
                 ok_hex("00 00 00 02 40 00 00 fe ff ff ff ff ff ff ff ff 41", TRACKED, &ok, &d),
                 REDIR_E_TRUNCATED));
    cr_assert(eq(sz, d.offset, 16));
    cr_assert(d.needed > 0);
}

Test(regressions, cve_2020_13249_block_length_past_packet) {
    redir_ok ok;
    redir_diag d = {0, 0};
    cr_assert(eq(int, ok_hex("00 00 00 02 40 00 00 00 30 02 01 31", TRACKED, &ok, &d),
                 REDIR_E_STATE_BLOCK));
    cr_assert(eq(sz, d.offset, 9));
    cr_assert(ok.has_session_state == false);
    cr_assert(
        eq(int,
           ok_hex("00 00 00 02 40 00 00 00 fe ff ff ff ff ff ff ff ff 02 01 31", TRACKED, &ok, &d),
           REDIR_E_STATE_BLOCK));
    cr_assert(eq(sz, d.offset, 17));
    cr_assert(eq(int, ok_hex("00 00 00 02 40 00 00 00 fd 00 00 01 02 01 31", TRACKED, &ok, &d),
                 REDIR_E_STATE_BLOCK));
    cr_assert(eq(sz, d.offset, 12));
    /* one byte short */
    cr_assert(eq(int, ok_hex("00 00 00 02 40 00 00 00 04 02 01 31", TRACKED, &ok, &d),
                 REDIR_E_STATE_BLOCK));
    cr_assert(eq(sz, d.offset, 9));
}

Test(regressions, cve_2020_13249_entry_length_past_block) {
    /* the block fits the packet; its only entry claims more than the block */
    redir_ok ok;
    cr_assert(
        eq(int, ok_hex("00 00 00 02 40 00 00 00 05 01 09 04 74 65", TRACKED, &ok, NULL), REDIR_OK));
    redir_session_iter it;
    redir_session_iter_init(&it, ok.session_state);
    redir_session_entry e;
    redir_diag d = {0, 0};
    cr_assert(eq(int, redir_session_next(&it, &e, &d), REDIR_E_STATE_ENTRY));
    cr_assert(eq(sz, d.offset, 2));
    /* and with an 8-byte entry length */
    size_t n = 0;
    cr_assert(
        eq(int, block_status("00 fe ff ff ff ff ff ff ff 7f 01 61", &n, &d), REDIR_E_STATE_ENTRY));
    cr_assert(eq(sz, n, 0));
    cr_assert(eq(sz, d.offset, 10));
}

Test(regressions, cve_2020_13249_value_length_past_entry) {
    redir_diag d = {0, 0};
    /* sysvar value length 0x40 inside a 6-byte body */
    cr_assert(eq(int, block_status("00 06 01 61 40 62 63 64", NULL, &d), REDIR_E_STATE_VALUE));
    cr_assert(eq(sz, d.offset, 5));
    /* name length running past the body although the block has more bytes:
     * the entry, not the block, bounds the value */
    cr_assert(eq(int, block_status("00 03 05 61 62 020131", NULL, &d), REDIR_E_STATE_VALUE));
    cr_assert(eq(sz, d.offset, 3));
    /* schema and gtids values past their bodies */
    cr_assert(eq(int, block_status("01 02 09 61 020131", NULL, &d), REDIR_E_STATE_VALUE));
    cr_assert(eq(sz, d.offset, 3));
    cr_assert(eq(int, block_status("03 03 00 fc ff", NULL, &d), REDIR_E_STATE_VALUE));
    cr_assert(eq(sz, d.offset, 4));
}

Test(regressions, cve_2020_13249_long_character_set_client_is_a_view) {
    /* a value of 64 bytes and more overflowed a fixed 64-byte copy there */
    static const size_t sizes[] = {63, 64, 65, 200, 251, 1000};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        static uint8_t value[1000];
        memset(value, 'x', sizeof value);
        uint8_t block[1100];
        size_t blen = 0;
        cr_assert(eq(int,
                     redir_session_append_sysvar(block, sizeof block, &blen, S("character_set_client"),
                                              redir_span_of(value, sizes[i])),
                     REDIR_OK));
        redir_ok ok;
        memset(&ok, 0, sizeof ok);
        ok.has_status = ok.has_warnings = true;
        ok.status = REDIR_STATUS_AUTOCOMMIT | REDIR_STATUS_SESSION_STATE_CHANGED;
        ok.info_form = REDIR_INFO_LENENC;
        ok.has_session_state = true;
        ok.session_state = redir_span_of(block, blen);
        uint8_t pkt[1200];
        size_t n = 0;
        cr_assert(eq(int, redir_ok_encode(pkt, sizeof pkt, &n, &ok, TRACKED), REDIR_OK));
        const uint8_t *in = guard_copy(0, pkt, n);
        redir_ok got;
        cr_assert(eq(int, redir_ok_decode(&got, NULL, in, n, TRACKED), REDIR_OK));
        redir_session_iter it;
        redir_session_iter_init(&it, got.session_state);
        redir_session_entry e;
        cr_assert(eq(int, redir_session_next(&it, &e, NULL), REDIR_OK));
        ASSERT_SPAN(e.name, "character_set_client");
        cr_assert(eq(sz, e.value.len, sizes[i]));
        cr_assert(e.value.ptr > in && e.value.ptr + e.value.len == in + n, "views the input");
        cr_assert(eq(int, redir_session_next(&it, &e, NULL), REDIR_DONE));
    }
}

Test(regressions, cve_2020_13249_no_underflow_when_inner_lengths_exceed_entry) {
    /* the old loop subtracted what it consumed from the entry length; here the
     * pair consumes 6 bytes of a 4-byte entry */
    redir_diag d = {0, 0};
    size_t n = 0;
    cr_assert(eq(int, block_status("00 04 02 61 62 02 63 64 00 00", &n, &d), REDIR_E_STATE_VALUE));
    cr_assert(eq(sz, n, 0));
    cr_assert(eq(sz, d.offset, 6));
}

/* ------------------------------------------------------------------------- */
/* MDEV-14647 (Connector/C 3.0.3): STATE_CHANGE read as if nested              */
/* ------------------------------------------------------------------------- */

Test(regressions, mdev_14647_state_change_server_form) {
    redir_ok ok;
    cr_assert(eq(int, ok_hex("00 00 00 02 40 00 00 00 03 02 01 31", TRACKED, &ok, NULL), REDIR_OK));
    redir_session_iter it;
    redir_session_iter_init(&it, ok.session_state);
    redir_session_entry e;
    cr_assert(eq(int, redir_session_next(&it, &e, NULL), REDIR_OK));
    cr_assert(eq(u8, e.type, REDIR_TRACK_STATE_CHANGE));
    ASSERT_SPAN(e.value, "1");
    cr_assert(e.state_change_nested == false);
    cr_assert(eq(int, redir_session_next(&it, &e, NULL), REDIR_DONE));
    expect_ok_identity("00 00 00 02 40 00 00 00 03 02 01 31", TRACKED);
}

Test(regressions, mdev_14647_state_change_documented_nested_form) {
    /* the mysql_common test vector: 00 00 00 02 40 00 00 | 00 | 04 | 02 02 01 31 */
    redir_ok ok;
    cr_assert(
        eq(int, ok_hex("00 00 00 02 40 00 00 00 04 02 02 01 31", TRACKED, &ok, NULL), REDIR_OK));
    redir_session_iter it;
    redir_session_iter_init(&it, ok.session_state);
    redir_session_entry e;
    cr_assert(eq(int, redir_session_next(&it, &e, NULL), REDIR_OK));
    ASSERT_SPAN(e.value, "1");
    cr_assert(e.state_change_nested);
    uint8_t out[8];
    size_t len = 0;
    cr_assert(eq(int, redir_session_append_entry(out, sizeof out, &len, &e), REDIR_OK));
    cr_assert(eq(sz, len, 4));
    cr_assert(eq(int, memcmp(out, "\x02\x02\x01\x31", 4), 0));
    expect_ok_identity("00 00 00 02 40 00 00 00 04 02 02 01 31", TRACKED);
}

/* ------------------------------------------------------------------------- */
/* Short and unusual OK packets                                                */
/* ------------------------------------------------------------------------- */

Test(regressions, mysql_common_41_session_track_with_empty_tail) {
    redir_ok ok;
    cr_assert(eq(int, ok_hex("00 01 00 02 00 00 00", TRACKED, &ok, NULL), REDIR_OK));
    cr_assert(eq(u64, ok.affected_rows, 1));
    cr_assert(eq(u64, ok.last_insert_id, 0));
    cr_assert(eq(u16, ok.status, 0x0002));
    cr_assert(eq(u16, ok.warnings, 0));
    cr_assert(eq(int, ok.info_form, REDIR_INFO_ABSENT));
    cr_assert(ok.has_session_state == false);
    expect_ok_identity("00 01 00 02 00 00 00", TRACKED);
}

Test(regressions, sqlx_4139_one_and_two_byte_ok) {
    redir_ok ok;
    redir_diag d = {0, 0};
    cr_assert(eq(int, ok_hex("00", TRACKED, &ok, &d), REDIR_E_TRUNCATED));
    cr_assert(eq(sz, d.offset, 1));
    cr_assert(eq(sz, d.needed, 1));
    cr_assert(eq(int, ok_hex("00 00", TRACKED, &ok, &d), REDIR_E_TRUNCATED));
    cr_assert(eq(sz, d.offset, 2));
    cr_assert(eq(sz, d.needed, 1));
    /* status cut after one byte */
    cr_assert(eq(int, ok_hex("00 00 00 02", TRACKED, &ok, &d), REDIR_E_TRUNCATED));
    cr_assert(eq(sz, d.offset, 3));
    cr_assert(eq(sz, d.needed, 1));
    cr_assert(eq(int, ok_hex("fe", TRACKED, &ok, &d), REDIR_E_TRUNCATED));
    cr_assert(eq(sz, d.offset, 1));
}

Test(regressions, go_sql_driver_878_one_byte_ok) {
    redir_ok ok;
    redir_diag d = {0, 0};
    cr_assert(eq(int, ok_hex("00", CAPS_41, &ok, &d), REDIR_E_TRUNCATED));
    cr_assert(eq(sz, d.offset, 1));
    cr_assert(eq(sz, d.needed, 1));
    cr_assert(eq(u8, ok.header, 0));
}

Test(regressions, go_sql_driver_1124_lenenc_prefix_at_end_of_buffer) {
    redir_ok ok;
    redir_diag d = {0, 0};
    cr_assert(eq(int, ok_hex("00 fc", CAPS_41, &ok, &d), REDIR_E_TRUNCATED));
    cr_assert(eq(sz, d.offset, 2));
    cr_assert(eq(sz, d.needed, 2));
    cr_assert(eq(int, ok_hex("00 fd 01", CAPS_41, &ok, &d), REDIR_E_TRUNCATED));
    cr_assert(eq(sz, d.offset, 2));
    cr_assert(eq(sz, d.needed, 2));
    cr_assert(eq(int, ok_hex("00 00 fe 01 02", CAPS_41, &ok, &d), REDIR_E_TRUNCATED));
    cr_assert(eq(sz, d.offset, 3));
    cr_assert(eq(sz, d.needed, 6));
}

Test(regressions, vitess_10871_schema_entry_beside_gtids) {
    redir_ok ok;
    cr_assert(eq(int,
                 ok_hex("00 00 00 02 40 00 00 00 0d 01 05 04 74 65 73 74 03 04 00 02 61 62",
                        TRACKED, &ok, NULL),
                 REDIR_OK));
    redir_session_iter it;
    redir_session_iter_init(&it, ok.session_state);
    redir_session_entry e;
    cr_assert(eq(int, redir_session_next(&it, &e, NULL), REDIR_OK));
    cr_assert(eq(u8, e.type, REDIR_TRACK_SCHEMA));
    ASSERT_SPAN(e.value, "test");
    cr_assert(eq(int, redir_session_next(&it, &e, NULL), REDIR_OK));
    cr_assert(eq(u8, e.type, REDIR_TRACK_GTIDS));
    ASSERT_SPAN(e.value, "ab");
    cr_assert(eq(int, redir_session_next(&it, &e, NULL), REDIR_DONE));
}

Test(regressions, vitess_11071_zero_length_block) {
    redir_ok ok;
    cr_assert(eq(int, ok_hex("00 00 00 02 40 00 00 00 00", TRACKED, &ok, NULL), REDIR_OK));
    cr_assert(ok.has_session_state);
    cr_assert(eq(sz, ok.session_state.len, 0));
    redir_session_iter it;
    redir_session_iter_init(&it, ok.session_state);
    redir_session_entry e;
    cr_assert(eq(int, redir_session_next(&it, &e, NULL), REDIR_DONE));
    expect_ok_identity("00 00 00 02 40 00 00 00 00", TRACKED);
}

Test(regressions, vitess_11176_gtid_set_longer_than_250_bytes) {
    static uint8_t gtids[300];
    for (size_t i = 0; i < sizeof gtids; i++) {
        gtids[i] = (uint8_t) "0123456789abcdef:-,"[i % 19];
    }
    uint8_t block[400];
    size_t blen = 0;
    cr_assert(eq(
        int,
        redir_session_append_gtids(block, sizeof block, &blen, 0, redir_span_of(gtids, sizeof gtids)),
        REDIR_OK));
    /* type, fc-length of the entry, spec, fc-length of the set */
    cr_assert(eq(sz, blen, 1 + 3 + 1 + 3 + 300));
    cr_assert(eq(u8, block[1], 0xFC));
    cr_assert(eq(u8, block[5], 0xFC));
    uint8_t pkt[512];
    redir_ok ok;
    memset(&ok, 0, sizeof ok);
    ok.header = 0xFE;
    ok.has_status = ok.has_warnings = true;
    ok.status = REDIR_STATUS_AUTOCOMMIT | REDIR_STATUS_SESSION_STATE_CHANGED;
    ok.info_form = REDIR_INFO_LENENC;
    ok.has_session_state = true;
    ok.session_state = redir_span_of(block, blen);
    size_t n = 0;
    cr_assert(eq(int, redir_ok_encode(pkt, sizeof pkt, &n, &ok, TRACKED), REDIR_OK));
    redir_ok got;
    cr_assert(eq(int, redir_ok_decode(&got, NULL, guard_copy(0, pkt, n), n, TRACKED), REDIR_OK));
    cr_assert(eq(sz, got.session_state.len, blen));
    redir_session_iter it;
    redir_session_iter_init(&it, got.session_state);
    redir_session_entry e;
    cr_assert(eq(int, redir_session_next(&it, &e, NULL), REDIR_OK));
    cr_assert(eq(u8, e.type, REDIR_TRACK_GTIDS));
    cr_assert(eq(sz, e.value.len, 300));
    cr_assert(eq(int, memcmp(e.value.ptr, gtids, 300), 0));
    uint8_t again[400];
    size_t alen = 0;
    cr_assert(eq(int, redir_session_append_entry(again, sizeof again, &alen, &e), REDIR_OK));
    cr_assert(eq(sz, alen, blen));
    cr_assert(eq(int, memcmp(again, block, blen), 0));
}

Test(regressions, vitess_11795_flag_set_without_block) {
    /* MariaDB OK-as-EOF: SERVER_SESSION_STATE_CHANGED and nothing after warnings */
    redir_ok ok;
    cr_assert(eq(int, ok_hex("fe 00 00 22 40 00 00", TRACKED, &ok, NULL), REDIR_OK));
    cr_assert(eq(u8, ok.header, 0xFE));
    cr_assert(eq(u16, ok.status, 0x4022));
    cr_assert(eq(int, ok.info_form, REDIR_INFO_ABSENT));
    cr_assert(ok.has_session_state == false);
    expect_ok_identity("fe 00 00 22 40 00 00", TRACKED);
    /* info present, block absent */
    cr_assert(eq(int, ok_hex("fe 00 00 22 40 00 00 00", TRACKED, &ok, NULL), REDIR_OK));
    cr_assert(eq(int, ok.info_form, REDIR_INFO_LENENC));
    cr_assert(ok.has_session_state == false);
    expect_ok_identity("fe 00 00 22 40 00 00 00", TRACKED);
}

Test(regressions, proxysql_2915_status_400a_nothing_after_warnings) {
    redir_ok ok;
    cr_assert(eq(int, ok_hex("00 00 00 0a 40 00 00", TRACKED, &ok, NULL), REDIR_OK));
    cr_assert(eq(u16, ok.status, 0x400a));
    cr_assert(eq(int, ok.info_form, REDIR_INFO_ABSENT));
    cr_assert(ok.has_session_state == false);
    expect_ok_identity("00 00 00 0a 40 00 00", TRACKED);
}

Test(regressions, sqlx_3910_long_fe_ok_with_info) {
    /* Manticore/ClickHouse: an OK-as-EOF carrying a message, longer than 9 bytes */
    redir_ok ok;
    cr_assert(
        eq(int, ok_hex("fe 00 00 02 00 00 00 05 68 65 6c 6c 6f", TRACKED, &ok, NULL), REDIR_OK));
    ASSERT_SPAN(ok.info, "hello");
    size_t n;
    const uint8_t *p = hexbuf(1, "fe 00 00 02 00 00 00 05 68 65 6c 6c 6f", &n);
    cr_assert(eq(int, redir_classify(REDIR_PHASE_ROWS, TRACKED, p, n), REDIR_KIND_OK_AS_EOF));
    expect_ok_identity("fe 00 00 02 00 00 00 05 68 65 6c 6c 6f", TRACKED);
}

Test(regressions, trailing_bytes_after_block) {
    redir_ok ok;
    redir_diag d = {0, 0};
    cr_assert(eq(int, ok_hex("00 00 00 02 40 00 00 00 03 02 01 31 00", TRACKED, &ok, &d),
                 REDIR_E_TRAILING));
    cr_assert(eq(sz, d.offset, 12));
    /* info present and no state change: nothing may follow */
    cr_assert(eq(int, ok_hex("00 00 00 02 00 00 00 01 41 42", TRACKED, &ok, &d), REDIR_E_TRAILING));
    cr_assert(eq(sz, d.offset, 9));
}

/* ------------------------------------------------------------------------- */
/* Session entries of unknown or unexpected shape                              */
/* ------------------------------------------------------------------------- */

Test(regressions, node_mysql2_1004_entry_data_not_a_lenenc_string) {
    size_t n = 0;
    redir_diag d = {0, 0};
    /* MariaDB user variable with NULL value (value omitted), a RESP_ATTR entry
     * and a type-6 body that is no lenenc string: only data, iteration goes on */
    cr_assert(eq(
        int,
        block_status("0c 02 01 61 20 05 01 01 6b 01 76 06 02 fe 01 01 05 04 74 65 73 74", &n, &d),
        REDIR_DONE));
    cr_assert(eq(sz, n, 4));
    /* for a known type the same shape is a named error, never a crash */
    cr_assert(eq(int, block_status("05 02 fe 01", &n, &d), REDIR_E_STATE_VALUE));
    cr_assert(eq(sz, d.offset, 3));
}

Test(regressions, connector_j_227_unknown_type_skipped_by_its_own_length) {
    size_t bn;
    const uint8_t *p = hexbuf(1,
                              "06 03 61 62 63 00 0e 0c 72 65 64 69 72 65 63 74 5f 75 72 6c 00"
                              " ff 00 01 05 04 74 65 73 74",
                              &bn);
    redir_session_iter it;
    redir_session_iter_init(&it, redir_span_of(guard_copy(1, p, bn), bn));
    redir_session_entry e;
    cr_assert(eq(int, redir_session_next(&it, &e, NULL), REDIR_OK));
    cr_assert(eq(u8, e.type, 6));
    ASSERT_SPAN(e.data, "abc");
    cr_assert(e.value.ptr == NULL);
    cr_assert(eq(int, redir_session_next(&it, &e, NULL), REDIR_OK));
    cr_assert(eq(u8, e.type, REDIR_TRACK_SYSTEM_VARIABLES));
    ASSERT_SPAN(e.name, "redirect_url");
    ASSERT_SPAN(e.value, "");
    cr_assert(eq(int, redir_session_next(&it, &e, NULL), REDIR_OK));
    cr_assert(eq(u8, e.type, 255));
    cr_assert(eq(sz, e.data.len, 0));
    cr_assert(eq(int, redir_session_next(&it, &e, NULL), REDIR_OK));
    cr_assert(eq(u8, e.type, REDIR_TRACK_SCHEMA));
    ASSERT_SPAN(e.value, "test");
    cr_assert(eq(int, redir_session_next(&it, &e, NULL), REDIR_DONE));
}

/* lenenc 0xFB, 0xFF and a huge 0xFE in every length slot of an OK and its entries */
Test(regressions, lenenc_bad_prefix_in_every_ok_slot) {
    redir_ok ok;
    redir_diag d = {0, 0};
    /* affected rows, last insert id */
    cr_assert(eq(int, ok_hex("00 fb 00 02 00 00 00", TRACKED, &ok, &d), REDIR_E_LENENC_NULL));
    cr_assert(eq(sz, d.offset, 1));
    cr_assert(eq(int, ok_hex("00 ff 00 02 00 00 00", TRACKED, &ok, &d), REDIR_E_LENENC_INVALID));
    cr_assert(eq(sz, d.offset, 1));
    cr_assert(eq(int, ok_hex("00 00 fb 02 00 00 00", TRACKED, &ok, &d), REDIR_E_LENENC_NULL));
    cr_assert(eq(sz, d.offset, 2));
    cr_assert(eq(int, ok_hex("00 00 ff 02 00 00 00", TRACKED, &ok, &d), REDIR_E_LENENC_INVALID));
    cr_assert(eq(sz, d.offset, 2));
    /* a huge count is just a number when its 8 bytes are there */
    cr_assert(eq(int, ok_hex("00 fe ff ff ff ff ff ff ff ff 00 02 00 00 00", TRACKED, &ok, &d),
                 REDIR_OK));
    cr_assert(eq(u64, ok.affected_rows, UINT64_MAX));
    cr_assert(
        eq(int, ok_hex("00 00 fe ff ff ff ff ff ff ff", TRACKED, &ok, &d), REDIR_E_TRUNCATED));
    cr_assert(eq(sz, d.offset, 3));
    cr_assert(eq(sz, d.needed, 1));
    /* info */
    cr_assert(eq(int, ok_hex("00 00 00 02 40 00 00 fb", TRACKED, &ok, &d), REDIR_E_LENENC_NULL));
    cr_assert(eq(sz, d.offset, 7));
    cr_assert(eq(int, ok_hex("00 00 00 02 40 00 00 ff", TRACKED, &ok, &d), REDIR_E_LENENC_INVALID));
    cr_assert(eq(sz, d.offset, 7));
    /* block */
    cr_assert(eq(int, ok_hex("00 00 00 02 40 00 00 00 fb 02 01 31", TRACKED, &ok, &d),
                 REDIR_E_LENENC_NULL));
    cr_assert(eq(sz, d.offset, 8));
    cr_assert(eq(int, ok_hex("00 00 00 02 40 00 00 00 ff 02 01 31", TRACKED, &ok, &d),
                 REDIR_E_LENENC_INVALID));
    cr_assert(eq(sz, d.offset, 8));
    /* without SESSION_TRACK a bad prefix is simply the start of string<EOF> info */
    cr_assert(eq(int, ok_hex("00 00 00 02 00 00 00 fb 41", CAPS_41, &ok, &d), REDIR_OK));
    cr_assert(eq(int, ok.info_form, REDIR_INFO_EOF));
    cr_assert(eq(sz, ok.info.len, 2));
    cr_assert(eq(int,
                 ok_hex("00 00 00 02 00 00 00 fe ff ff ff ff ff ff ff ff 41", CAPS_41, &ok, &d),
                 REDIR_OK));
    cr_assert(eq(int, ok.info_form, REDIR_INFO_EOF));
    cr_assert(eq(sz, ok.info.len, 10));
}

Test(regressions, lenenc_bad_prefix_in_every_entry_slot) {
    redir_diag d = {0, 0};
    /* entry length */
    cr_assert(eq(int, block_status("00 fb", NULL, &d), REDIR_E_LENENC_NULL));
    cr_assert(eq(sz, d.offset, 1));
    cr_assert(eq(int, block_status("00 ff", NULL, &d), REDIR_E_LENENC_INVALID));
    cr_assert(eq(sz, d.offset, 1));
    cr_assert(
        eq(int, block_status("00 fe ff ff ff ff ff ff ff ff", NULL, &d), REDIR_E_STATE_ENTRY));
    cr_assert(eq(sz, d.offset, 10));
    /* sysvar name and value */
    cr_assert(eq(int, block_status("00 03 fb 01 61", NULL, &d), REDIR_E_LENENC_NULL));
    cr_assert(eq(sz, d.offset, 2));
    cr_assert(eq(int, block_status("00 03 01 61 ff", NULL, &d), REDIR_E_LENENC_INVALID));
    cr_assert(eq(sz, d.offset, 4));
    cr_assert(eq(int, block_status("00 0b 01 61 fe ff ff ff ff ff ff ff ff", NULL, &d),
                 REDIR_E_STATE_VALUE));
    cr_assert(eq(sz, d.offset, 13));
    /* schema, transaction state, characteristics */
    cr_assert(eq(int, block_status("01 01 fb", NULL, &d), REDIR_E_LENENC_NULL));
    cr_assert(eq(int, block_status("05 01 ff", NULL, &d), REDIR_E_LENENC_INVALID));
    cr_assert(
        eq(int, block_status("04 09 fe ff ff ff ff ff ff ff ff", NULL, &d), REDIR_E_STATE_VALUE));
    cr_assert(eq(sz, d.offset, 11));
    /* gtids value */
    cr_assert(eq(int, block_status("03 02 00 fb", NULL, &d), REDIR_E_LENENC_NULL));
    cr_assert(eq(sz, d.offset, 3));
    cr_assert(eq(int, block_status("03 02 00 ff", NULL, &d), REDIR_E_LENENC_INVALID));
    cr_assert(eq(int, block_status("03 0a 00 fe 00 00 00 00 00 00 00 80", NULL, &d),
                 REDIR_E_STATE_VALUE));
    cr_assert(eq(sz, d.offset, 12));
    /* 0xFB stays NULL even when 251 bytes or more follow it */
    static uint8_t tail[300];
    memset(tail, 0x61, sizeof tail);
    tail[0] = 0x00;
    tail[1] = 0xFB;
    redir_session_iter it;
    redir_session_entry e;
    redir_session_iter_init(&it, redir_span_of(guard_copy(1, tail, sizeof tail), sizeof tail));
    cr_assert(eq(int, redir_session_next(&it, &e, &d), REDIR_E_LENENC_NULL));
    cr_assert(eq(sz, d.offset, 1));
    /* entry length fd 2a 01 00 = 298, but only 295 bytes follow */
    tail[1] = 0xFD;
    tail[2] = 0x2A;
    tail[3] = 0x01;
    tail[4] = 0x00;
    tail[5] = 0xFB;
    redir_session_iter_init(&it, redir_span_of(guard_copy(1, tail, sizeof tail), sizeof tail));
    cr_assert(eq(int, redir_session_next(&it, &e, &d), REDIR_E_STATE_ENTRY));
    cr_assert(eq(sz, d.offset, 5));
    /* 295 exactly: the body's name length is a NULL with 294 bytes after it */
    tail[2] = 0x27;
    redir_session_iter_init(&it, redir_span_of(guard_copy(1, tail, sizeof tail), sizeof tail));
    cr_assert(eq(int, redir_session_next(&it, &e, &d), REDIR_E_LENENC_NULL));
    cr_assert(eq(sz, d.offset, 5));

    /* state change bodies are opaque: 0xFB or 0xFF is just the raw value */
    size_t n = 0;
    cr_assert(eq(int, block_status("02 01 fb 02 01 ff 02 02 fb 00", &n, &d), REDIR_DONE));
    cr_assert(eq(sz, n, 3));
}

/* ------------------------------------------------------------------------- */
/* ERR packets                                                                  */
/* ------------------------------------------------------------------------- */

Test(regressions, go_sql_driver_1535_three_byte_err) {
    redir_err e;
    redir_diag d = {0, 0};
    cr_assert(eq(int, err_hex("ff 0b 04", CAPS_41, &e, &d), REDIR_OK));
    cr_assert(eq(u16, e.code, 0x040b));
    cr_assert(e.has_sql_state == false);
    cr_assert(eq(sz, e.message.len, 0));
    uint8_t out[8];
    size_t len = 0;
    cr_assert(eq(int, redir_err_encode(out, sizeof out, &len, &e), REDIR_OK));
    cr_assert(eq(sz, len, 3));
    cr_assert(eq(int, memcmp(out, "\xff\x0b\x04", 3), 0));
}

Test(regressions, go_sql_driver_1607_short_err_during_handshake) {
    redir_err e;
    redir_diag d = {0, 0};
    cr_assert(eq(int, err_hex("ff 15 04", 0, &e, &d), REDIR_OK));
    cr_assert(eq(u16, e.code, 1045));
    cr_assert(eq(int, err_hex("ff 15", 0, &e, &d), REDIR_E_TRUNCATED));
    cr_assert(eq(sz, d.offset, 1));
    cr_assert(eq(sz, d.needed, 1));
    cr_assert(eq(int, err_hex("ff 15 04 23", 0, &e, &d), REDIR_E_BAD_SQLSTATE));
    cr_assert(eq(sz, d.offset, 4));
    cr_assert(eq(int, err_hex("ff 15 04 23 32 38 30 30", 0, &e, &d), REDIR_E_BAD_SQLSTATE));
    cr_assert(eq(sz, d.offset, 4));
}

Test(regressions, mysql_common_136_pre_handshake_err_without_sqlstate) {
    static const char hex[] =
        "ff6904486f737420273137322e31372e302e312720697320626c6f636b65642062656361757365206f66206d"
        "616e7920636f6e6e656374696f6e206572726f72733b20756e626c6f636b207769746820276d7973716c6164"
        "6d696e20666c7573682d686f73747327";
    static const uint64_t caps[] = {0, CAPS_41, REDIR_CAPS_MARIADB_DEFAULT};
    for (size_t i = 0; i < 3; i++) {
        redir_err e;
        cr_assert(eq(int, err_hex(hex, caps[i], &e, NULL), REDIR_OK));
        cr_assert(eq(u16, e.code, 1129));
        cr_assert(e.has_sql_state == false);
        ASSERT_SPAN(e.message, "Host '172.17.0.1' is blocked because of many connection errors; "
                               "unblock with 'mysqladmin flush-hosts'");
    }
}

Test(regressions, mdev_33541_client_range_codes_decode_as_plain_errors) {
    /* the codec does not judge error numbers; MaxScale sends 2003 */
    static const uint16_t codes[] = {2000, 2003, 2999, 5000, 5999};
    for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++) {
        uint8_t pkt[16] = {0xff,
                           (uint8_t)(codes[i] & 0xFF),
                           (uint8_t)(codes[i] >> 8),
                           '#',
                           'H',
                           'Y',
                           '0',
                           '0',
                           '0',
                           'b',
                           'y',
                           'e'};
        redir_err e;
        redir_diag d = {0, 0};
        cr_assert(eq(
            int, redir_err_decode(&e, &d, guard_copy(0, pkt, 12), 12, REDIR_CAPS_MARIADB_DEFAULT),
            REDIR_OK));
        cr_assert(eq(u16, e.code, codes[i]));
        ASSERT_SPAN(e.sql_state, "HY000");
        ASSERT_SPAN(e.message, "bye");
        cr_assert(e.is_progress == false);
    }
}

Test(regressions, progress_report_short_and_long_bodies) {
    redir_err e;
    redir_diag d = {0, 0};
    const uint64_t caps = REDIR_CAPS_MARIADB_DEFAULT;
    /* body cut after the stage bytes, and an info running past the packet */
    cr_assert(eq(int, err_hex("ff ff ff 01 01 02 50", caps, &e, &d), REDIR_E_BAD_PROGRESS));
    cr_assert(eq(sz, d.offset, 6));
    cr_assert(
        eq(int, err_hex("ff ff ff 01 01 02 50 c3 00 7f 41", caps, &e, &d), REDIR_E_BAD_PROGRESS));
    cr_assert(eq(sz, d.offset, 10));
    cr_assert(e.is_progress == false);
    /* a body longer than its info */
    cr_assert(
        eq(int, err_hex("ff ff ff 01 01 02 50 c3 00 01 41 42 43", caps, &e, &d), REDIR_E_TRAILING));
    cr_assert(eq(sz, d.offset, 11));
}
