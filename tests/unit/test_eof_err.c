/*
 * EOF and ERR packets from real captures, MariaDB progress reports, exact
 * re-encoding and exact sizing, and every proper prefix.
 */
#include <criterion/criterion.h>
#include <criterion/new/assert.h>
#include <string.h>

#include "redir/packets.h"
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

#define CAPS_41 (REDIR_CLIENT_PROTOCOL_41 | REDIR_CLIENT_TRANSACTIONS)
#define CAPS_ARKIME_5535 UINT64_C(0x000fa605)
#define CAPS_MARIADB_1011 UINT64_C(0x0000001d00bfa284)

/* ------------------------------------------------------------------------- */
/* EOF                                                                          */
/* ------------------------------------------------------------------------- */

static void eof_roundtrip(const uint8_t *ref, size_t n, const redir_eof *e) {
    uint8_t out[16];
    size_t len = 0;
    cr_assert(eq(int, redir_eof_encode(out, sizeof out, &len, e), REDIR_OK));
    cr_assert(eq(sz, len, n));
    cr_assert(eq(int, memcmp(out, ref, n), 0));
    cr_assert(eq(int, redir_eof_encode(NULL, 0, &len, e), REDIR_E_NOSPACE));
    cr_assert(eq(sz, len, n));
    memset(out, 0xA5, sizeof out);
    cr_assert(eq(int, redir_eof_encode(out, n - 1, &len, e), REDIR_E_NOSPACE));
    cr_assert(eq(sz, len, n));
    for (size_t i = n - 1; i < sizeof out; i++) {
        cr_assert(eq(u8, out[i], 0xA5));
    }
}

Test(eof, arkime_5535_eof_after_columns_and_rows) {
    /* arkime__mysql-allow.pcap frame 10, seq 3 and seq 5 */
    size_t n;
    const uint8_t *ref = hexbuf(0, "fe 00 00 02 00", &n);
    const uint8_t *in = guard_copy(0, ref, n);
    redir_eof e;
    redir_diag d = {7, 7};
    cr_assert(eq(int, redir_eof_decode(&e, &d, in, n, CAPS_ARKIME_5535), REDIR_OK));
    cr_assert(e.has_fields);
    cr_assert(eq(u16, e.warnings, 0));
    cr_assert(eq(u16, e.status, REDIR_STATUS_AUTOCOMMIT));
    cr_assert(eq(sz, d.offset, 7));
    eof_roundtrip(ref, n, &e);

    /* every prefix: exactly which field is short and by how much */
    static const size_t offs[] = {0, 1, 1, 3, 3};
    static const size_t need[] = {1, 2, 1, 2, 1};
    for (size_t k = 0; k < n; k++) {
        cr_assert(eq(int, redir_eof_decode(&e, &d, guard_copy(1, ref, k), k, CAPS_ARKIME_5535),
                     REDIR_E_TRUNCATED));
        cr_assert(eq(sz, d.offset, offs[k]), "prefix %zu", k);
        cr_assert(eq(sz, d.needed, need[k]), "prefix %zu", k);
        cr_assert(e.has_fields == false);
    }
}

Test(eof, mariadb_1011_eof_and_warnings_before_status) {
    redir_eof e;
    static const uint8_t real[] = {0xfe, 0x00, 0x00, 0x02, 0x00};
    cr_assert(eq(int, redir_eof_decode(&e, NULL, guard_copy(0, real, 5), 5, CAPS_MARIADB_1011),
                 REDIR_OK));
    cr_assert(eq(u16, e.status, 0x0002));
    /* warnings come first in an EOF, unlike OK */
    static const uint8_t warn[] = {0xfe, 0x01, 0x00, 0x22, 0x00};
    cr_assert(eq(int, redir_eof_decode(&e, NULL, guard_copy(0, warn, 5), 5, CAPS_41), REDIR_OK));
    cr_assert(eq(u16, e.warnings, 1));
    cr_assert(eq(u16, e.status, 0x0022));
    eof_roundtrip(warn, 5, &e);
}

Test(eof, pre_41_single_byte) {
    static const uint8_t one[] = {0xfe};
    redir_eof e;
    redir_diag d = {0, 0};
    cr_assert(eq(int, redir_eof_decode(&e, &d, guard_copy(0, one, 1), 1, 0), REDIR_OK));
    cr_assert(e.has_fields == false);
    eof_roundtrip(one, 1, &e);
    static const uint8_t two[] = {0xfe, 0x00};
    cr_assert(eq(int, redir_eof_decode(&e, &d, guard_copy(0, two, 2), 2, 0), REDIR_E_TRAILING));
    cr_assert(eq(sz, d.offset, 1));
}

Test(eof, not_an_eof) {
    redir_eof e;
    redir_diag d = {5, 5};
    /* 9 bytes starting 0xFE: a row or an OK, never an EOF */
    static const uint8_t nine[] = {0xfe, 0, 0, 2, 0, 0, 0, 0, 0};
    cr_assert(
        eq(int, redir_eof_decode(&e, &d, guard_copy(0, nine, 9), 9, CAPS_41), REDIR_E_BAD_HEADER));
    cr_assert(eq(sz, d.offset, 0));
    /* 8 bytes is still short enough, but 3 bytes are left over */
    cr_assert(
        eq(int, redir_eof_decode(&e, &d, guard_copy(0, nine, 8), 8, CAPS_41), REDIR_E_TRAILING));
    cr_assert(eq(sz, d.offset, 5));
    static const uint8_t ok[] = {0x00, 0, 0, 2, 0};
    cr_assert(
        eq(int, redir_eof_decode(&e, &d, guard_copy(0, ok, 5), 5, CAPS_41), REDIR_E_BAD_HEADER));
    cr_assert(eq(sz, d.offset, 0));
    cr_assert(
        eq(int, redir_eof_decode(&e, &d, guard_copy(0, ok, 0), 0, CAPS_41), REDIR_E_TRUNCATED));
    cr_assert(eq(sz, d.needed, 1));
}

/* ------------------------------------------------------------------------- */
/* ERR                                                                          */
/* ------------------------------------------------------------------------- */

typedef struct err_case {
    const uint8_t *ref;
    const uint8_t *in;
    size_t n;
    uint64_t caps;
    redir_err e;
} err_case;

static err_case err_of(const char *hex, uint64_t caps) {
    err_case c;
    c.ref = hexbuf(0, hex, &c.n);
    c.in = guard_copy(0, c.ref, c.n);
    c.caps = caps;
    redir_diag d = {0, 0};
    redir_status st = redir_err_decode(&c.e, &d, c.in, c.n, caps);
    cr_assert(eq(int, st, REDIR_OK), "offset %zu", d.offset);
    return c;
}

static void err_roundtrip(const err_case *c) {
    uint8_t out[300];
    size_t len = 0;
    cr_assert(c->n + 8 <= sizeof out);
    cr_assert(eq(int, redir_err_encode(out, sizeof out, &len, &c->e), REDIR_OK));
    cr_assert(eq(sz, len, c->n));
    cr_assert(eq(int, memcmp(out, c->ref, c->n), 0));
    cr_assert(eq(int, redir_err_encode(NULL, 0, &len, &c->e), REDIR_E_NOSPACE));
    cr_assert(eq(sz, len, c->n));
    memset(out, 0xA5, sizeof out);
    cr_assert(eq(int, redir_err_encode(out, c->n - 1, &len, &c->e), REDIR_E_NOSPACE));
    cr_assert(eq(sz, len, c->n));
    for (size_t i = c->n - 1; i < sizeof out; i++) {
        cr_assert(eq(u8, out[i], 0xA5));
    }
}

static void expect_err_zeroed(const redir_err *e) {
    cr_assert(eq(u16, e->code, 0));
    cr_assert(e->has_sql_state == false);
    cr_assert(e->message.ptr == NULL);
    cr_assert(e->is_progress == false);
    cr_assert(e->progress_info.ptr == NULL);
}

/* Every proper prefix: the code is required; a '#' needs five bytes; the
 * message is whatever is left; a progress body must be complete. */
static void err_prefixes(const err_case *c) {
    for (size_t k = 0; k < c->n; k++) {
        const uint8_t *p = guard_copy(1, c->ref, k);
        redir_err e;
        redir_diag d = {0, 0};
        redir_status st = redir_err_decode(&e, &d, p, k, c->caps);
        if (k < 3) {
            cr_assert(eq(int, st, REDIR_E_TRUNCATED), "prefix %zu", k);
            cr_assert(eq(sz, d.offset, k == 0 ? 0 : 1), "prefix %zu", k);
            cr_assert(eq(sz, d.needed, k == 0 ? 1 : 3 - k), "prefix %zu", k);
            expect_err_zeroed(&e);
        } else if (c->e.is_progress) {
            cr_assert(eq(int, st, REDIR_E_BAD_PROGRESS), "prefix %zu", k);
            cr_assert(d.offset <= k && d.offset >= 3, "prefix %zu", k);
            expect_err_zeroed(&e);
        } else if (c->e.has_sql_state && k < 9 && k > 3) {
            cr_assert(eq(int, st, REDIR_E_BAD_SQLSTATE), "prefix %zu", k);
            cr_assert(eq(sz, d.offset, 4), "prefix %zu", k);
            expect_err_zeroed(&e);
        } else {
            cr_assert(eq(int, st, REDIR_OK), "prefix %zu", k);
            cr_assert(eq(u16, e.code, c->e.code));
            cr_assert(eq(int, e.has_sql_state, c->e.has_sql_state &&k >= 9));
            cr_assert(e.message.ptr + e.message.len == p + k);
        }
    }
}

static void err_full(const err_case *c) {
    err_roundtrip(c);
    err_prefixes(c);
}

Test(err, zeek_auth_1045_access_denied) {
    /* zeek__auth.pcap frame 38 */
    err_case c = err_of("ff15042332383030304163636573732064656e69656420666f7220757365722027726f6f"
                        "745f6e6f70652740276c756d6265726a61636b2e686f6d652720287573696e672070617373"
                        "776f72643a204e4f29",
                        CAPS_41);
    cr_assert(eq(u16, c.e.code, 1045));
    cr_assert(c.e.has_sql_state);
    ASSERT_SPAN(c.e.sql_state, "28000");
    ASSERT_SPAN(c.e.message,
                "Access denied for user 'root_nope'@'lumberjack.home' (using password: NO)");
    cr_assert(c.e.is_progress == false);
    err_full(&c);
}

Test(err, zeek_auth_1130_before_handshake_has_no_sqlstate) {
    /* zeek__auth.pcap frame 4: sent instead of a greeting */
    err_case c = err_of("ff6a04486f737420276c756d6265726a61636b2e686f6d6527206973206e6f7420616c6c"
                        "6f77656420746f20636f6e6e65637420746f2074686973204d7953514c20736572766572",
                        0);
    cr_assert(eq(u16, c.e.code, 1130));
    cr_assert(c.e.has_sql_state == false);
    cr_assert(eq(sz, c.e.sql_state.len, 0));
    ASSERT_SPAN(c.e.message,
                "Host 'lumberjack.home' is not allowed to connect to this MySQL server");
    err_full(&c);
}

Test(err, pcap2mysql_connect_fail_1130) {
    /* pcap2mysql-log__connect-fail.pcap frame 25; decoded with full caps too */
    err_case c = err_of("ff6a04486f737420273132372e302e302e3127206973206e6f7420616c6c6f77656420746f"
                        "20636f6e6e65637420746f2074686973204d7953514c20736572766572",
                        REDIR_CAPS_MARIADB_DEFAULT);
    cr_assert(eq(u16, c.e.code, 1130));
    cr_assert(c.e.has_sql_state == false);
    ASSERT_SPAN(c.e.message, "Host '127.0.0.1' is not allowed to connect to this MySQL server");
    err_full(&c);
}

Test(err, pcap2mysql_1064_syntax_error) {
    /* pcap2mysql-log__error-uncompressed.pcap frame 24 */
    err_case c = err_of(
        "ff2804233432303030596f75206861766520616e206572726f7220696e20796f75722053514c2073796e74"
        "61783b20636865636b20746865206d616e75616c207468617420636f72726573706f6e647320746f20796f"
        "7572204d7953514c207365727665722076657273696f6e20666f72207468652072696768742073796e7461"
        "7820746f20757365206e656172202720202927206174206c696e65203133",
        CAPS_41);
    cr_assert(eq(u16, c.e.code, 1064));
    ASSERT_SPAN(c.e.sql_state, "42000");
    ASSERT_SPAN(c.e.message, "You have an error in your SQL syntax; check the manual that "
                             "corresponds to your MySQL server version for the right syntax to "
                             "use near '  )' at line 13");
    err_full(&c);
}

Test(err, pcap2mysql_1146_no_such_table) {
    /* pcap2mysql-log__execute.pcap frame 38 */
    err_case c =
        err_of("ff7a042334325330325461626c65202764656d6f2e746573742720646f65736e277420657869"
               "7374",
               CAPS_41);
    cr_assert(eq(u16, c.e.code, 1146));
    ASSERT_SPAN(c.e.sql_state, "42S02");
    ASSERT_SPAN(c.e.message, "Table 'demo.test' doesn't exist");
    err_full(&c);
}

Test(err, deepflow_1049_unknown_database) {
    /* deepflow__mysql-error.pcap frame 14, answer to COM_INIT_DB */
    err_case c =
        err_of("ff1904233432303030556e6b6e6f776e20646174616261736520276162636427", CAPS_41);
    cr_assert(eq(u16, c.e.code, 1049));
    ASSERT_SPAN(c.e.sql_state, "42000");
    ASSERT_SPAN(c.e.message, "Unknown database 'abcd'");
    err_full(&c);
}

Test(err, zeek_1158_communication_error) {
    /* zeek__caching_sha2_password.pcap frame 10 (also datakit__mysql_3 frame 251) */
    err_case c =
        err_of("ff8604233038533031476f7420616e206572726f722072656164696e6720636f6d6d756e6963"
               "6174696f6e207061636b657473",
               CAPS_41);
    cr_assert(eq(u16, c.e.code, 1158));
    ASSERT_SPAN(c.e.sql_state, "08S01");
    ASSERT_SPAN(c.e.message, "Got an error reading communication packets");
    err_full(&c);
}

Test(err, deepflow_1040_too_many_connections) {
    err_case c = err_of("ff1004233038303034546f6f206d616e7920636f6e6e656374696f6e73", CAPS_41);
    cr_assert(eq(u16, c.e.code, 1040));
    ASSERT_SPAN(c.e.sql_state, "08004");
    ASSERT_SPAN(c.e.message, "Too many connections");
    err_full(&c);
}

Test(err, mariadb_1011_1698_access_denied) {
    /* MariaDB 10.11.19 loopback capture, root limited to unix_socket */
    err_case c =
        err_of("ffa2062332383030304163636573732064656e69656420666f7220757365722027726f6f7427"
               "40276c6f63616c686f737427",
               CAPS_MARIADB_1011);
    cr_assert(eq(u16, c.e.code, 1698));
    ASSERT_SPAN(c.e.sql_state, "28000");
    ASSERT_SPAN(c.e.message, "Access denied for user 'root'@'localhost'");
    err_full(&c);
}

Test(err, anchors_1096_no_tables_used) {
    err_case c = err_of("ff48042348593030304e6f207461626c65732075736564", CAPS_41);
    cr_assert(eq(u16, c.e.code, 1096));
    ASSERT_SPAN(c.e.sql_state, "HY000");
    ASSERT_SPAN(c.e.message, "No tables used");
    err_full(&c);
}

Test(err, anchors_progress_report) {
    static const char hex[] = "ffffff01010250c30011636f707920746f20746d70207461626c65";
    static const uint64_t gates[] = {REDIR_CAPS_MARIADB_DEFAULT, REDIR_MARIADB_CLIENT_PROGRESS,
                                     REDIR_CLIENT_PROGRESS_OBSOLETE};
    for (size_t i = 0; i < 3; i++) {
        err_case c = err_of(hex, gates[i]);
        cr_assert(c.e.is_progress);
        cr_assert(eq(u16, c.e.code, REDIR_ERR_PROGRESS_CODE));
        cr_assert(eq(u8, c.e.progress_strings, 1));
        cr_assert(eq(u8, c.e.stage, 1));
        cr_assert(eq(u8, c.e.max_stage, 2));
        cr_assert(eq(u32, c.e.progress, 50000));
        ASSERT_SPAN(c.e.progress_info, "copy to tmp table");
        cr_assert(c.e.has_sql_state == false);
        cr_assert(eq(sz, c.e.message.len, 0));
        err_full(&c);
    }
}

Test(err, code_ffff_without_progress_negotiated_is_a_plain_error) {
    err_case c = err_of("ffffff01010250c30011636f707920746f20746d70207461626c65", CAPS_41);
    cr_assert(c.e.is_progress == false);
    cr_assert(eq(u16, c.e.code, 0xFFFF));
    cr_assert(c.e.has_sql_state == false);
    cr_assert(eq(sz, c.e.message.len, 24));
    cr_assert(c.e.message.ptr == c.in + 3);
    err_full(&c);
}

Test(err, progress_body_errors) {
    redir_err e;
    redir_diag d = {0, 0};
    const uint64_t caps = REDIR_CAPS_MARIADB_DEFAULT;
    size_t n;
    const uint8_t *in;
    /* info length 0x12 with 17 bytes */
    in = hexbuf(0, "ffffff01010250c30012636f707920746f20746d70207461626c65", &n);
    cr_assert(
        eq(int, redir_err_decode(&e, &d, guard_copy(0, in, n), n, caps), REDIR_E_BAD_PROGRESS));
    cr_assert(eq(sz, d.offset, 10));
    expect_err_zeroed(&e);
    /* a huge 8-byte info length */
    in = hexbuf(0, "ffffff01010250c300feffffffffffffffff41", &n);
    cr_assert(
        eq(int, redir_err_decode(&e, &d, guard_copy(0, in, n), n, caps), REDIR_E_BAD_PROGRESS));
    cr_assert(eq(sz, d.offset, 18));
    /* 0xFB / 0xFF where the info length belongs */
    in = hexbuf(0, "ffffff01010250c300fb", &n);
    cr_assert(
        eq(int, redir_err_decode(&e, &d, guard_copy(0, in, n), n, caps), REDIR_E_LENENC_NULL));
    cr_assert(eq(sz, d.offset, 9));
    in = hexbuf(0, "ffffff01010250c300ff", &n);
    cr_assert(
        eq(int, redir_err_decode(&e, &d, guard_copy(0, in, n), n, caps), REDIR_E_LENENC_INVALID));
    /* a byte after the info */
    in = hexbuf(0, "ffffff01010250c3000141 42", &n);
    cr_assert(eq(int, redir_err_decode(&e, &d, guard_copy(0, in, n), n, caps), REDIR_E_TRAILING));
    cr_assert(eq(sz, d.offset, 11));
    /* only the code: the body is missing */
    in = hexbuf(0, "ffffff", &n);
    cr_assert(
        eq(int, redir_err_decode(&e, &d, guard_copy(0, in, n), n, caps), REDIR_E_BAD_PROGRESS));
    cr_assert(eq(sz, d.offset, 3));
}

Test(err, bad_header_and_bad_sqlstate) {
    redir_err e;
    redir_diag d = {0, 0};
    static const uint8_t ok[] = {0x00, 0x15, 0x04};
    cr_assert(
        eq(int, redir_err_decode(&e, &d, guard_copy(0, ok, 3), 3, CAPS_41), REDIR_E_BAD_HEADER));
    cr_assert(eq(sz, d.offset, 0));
    static const uint8_t short_state[] = {0xff, 0x15, 0x04, '#', '2', '8', '0', '0'};
    cr_assert(eq(int, redir_err_decode(&e, &d, guard_copy(0, short_state, 8), 8, CAPS_41),
                 REDIR_E_BAD_SQLSTATE));
    cr_assert(eq(sz, d.offset, 4));
    expect_err_zeroed(&e);
    /* exactly five state bytes and no message */
    static const uint8_t bare[] = {0xff, 0x15, 0x04, '#', '2', '8', '0', '0', '0'};
    cr_assert(eq(int, redir_err_decode(&e, &d, guard_copy(0, bare, 9), 9, CAPS_41), REDIR_OK));
    ASSERT_SPAN(e.sql_state, "28000");
    cr_assert(eq(sz, e.message.len, 0));
}

Test(err, encoder_rejects_unrepresentable_fields) {
    uint8_t out[64];
    size_t len = 9;
    redir_err e;
    memset(&e, 0, sizeof e);
    e.code = 1045;
    e.has_sql_state = true;
    e.sql_state = redir_span_of("2800", 4);
    cr_assert(eq(int, redir_err_encode(out, sizeof out, &len, &e), REDIR_E_INVALID_ARGUMENT));
    cr_assert(eq(sz, len, 0));
    e.sql_state = redir_span_of(NULL, 5);
    cr_assert(eq(int, redir_err_encode(out, sizeof out, &len, &e), REDIR_E_INVALID_ARGUMENT));
    e.has_sql_state = false;
    e.message = redir_span_of("#HY000x", 7);
    cr_assert(eq(int, redir_err_encode(out, sizeof out, &len, &e), REDIR_E_INVALID_ARGUMENT));
    e.message = redir_span_of(NULL, 2);
    cr_assert(eq(int, redir_err_encode(out, sizeof out, &len, &e), REDIR_E_INVALID_ARGUMENT));
    e.message = redir_span_of("x#", 2);
    cr_assert(eq(int, redir_err_encode(out, sizeof out, &len, &e), REDIR_OK));
    cr_assert(eq(sz, len, 5));
    cr_assert(eq(int, memcmp(out, "\xff\x15\x04x#", 5), 0));

    memset(&e, 0, sizeof e);
    e.is_progress = true;
    e.code = 1;
    cr_assert(eq(int, redir_err_encode(out, sizeof out, &len, &e), REDIR_E_INVALID_ARGUMENT));
    e.code = REDIR_ERR_PROGRESS_CODE;
    e.progress = 0x1000000;
    cr_assert(eq(int, redir_err_encode(out, sizeof out, &len, &e), REDIR_E_INVALID_ARGUMENT));
    e.progress = 0xFFFFFF;
    e.progress_strings = 1;
    cr_assert(eq(int, redir_err_encode(out, sizeof out, &len, &e), REDIR_OK));
    cr_assert(eq(sz, len, 10));
    cr_assert(eq(int, memcmp(out, "\xff\xff\xff\x01\x00\x00\xff\xff\xff\x00", 10), 0));
}
