#include <criterion/criterion.h>
#include <criterion/new/assert.h>
#include <string.h>

#include "redir/redirect.h"
#include "redir/wire.h"
#include "testutil.h"

static redir_span S(const char *s) { return redir_span_of(s, strlen(s)); }

static const uint64_t CAPS = REDIR_CAPS_MARIADB_DEFAULT;

/* The raw examples of SPEC.md §2 (and of the design notes they come from). */
static const char EX_A[] = /* login OK, seq 2, redirect_url=mariadb://db2.example.com:3306 */
    "37 00 00 02 00 00 00 02 40 00 00 00 2e 00 2c 0c 72 65 64 69 72 65 63 74 5f 75 72 6c"
    "1e 6d 61 72 69 61 64 62 3a 2f 2f 64 62 32 2e 65 78 61 6d 70 6c 65 2e 63 6f 6d 3a 33"
    "33 30 36";
static const char EX_B[] = /* OK to SET SESSION redirect_url inside a transaction */
    "2e00000100000003400000002500230c72656469726563745f75726c156d7973716c3a2f2f31302e30"
    "2e302e373a33333037";
static const char EX_C[] = /* MariaDB 11.5 login OK: every tracked variable, redirect_url empty */
    "9e000002000000024000000095000e0a6175746f636f6d6d6974024f4e001d146368617261637465725f"
    "7365745f636c69656e7407757466386d62340021186368617261637465725f7365745f636f6e6e656374"
    "696f6e07757466386d6234001e156368617261637465725f7365745f726573756c747307757466386d62"
    "34000e0c72656469726563745f75726c0000110974696d655f7a6f6e650653595354454d";
static const char EX_ERR[] = /* ERR redirect, code 4196, #HY000 */
    "37 00 00 02 ff 64 10 23 48 59 30 30 30 7c 53 65 72 76 65 72 20 69 73 20 62 65 69 6e"
    "67 20 75 70 67 72 61 64 65 64 7c 64 62 32 2e 65 78 61 6d 70 6c 65 2e 63 6f 6d 3a 33"
    "33 30 36";
static const char EX_LOC_COMMUNITY[] =
    "44000002000000020000003c4c6f636174696f6e3a206d7973716c3a2f2f5b6462322e6578616d706c65"
    "2e636f6d5d3a333330362f3f757365723d616c6963652674746c3d36300a";
static const char EX_LOC_AZURE[] =
    "4900000200000002000000414c6f636174696f6e3a206d7973716c3a2f2f6462322e6578616d706c652e"
    "636f6d3a333330362f757365723d616c696365406d797365727665722674746c3d3630";

static const redir_sysvar MARIADB_115_VARS[] = {
    {{(const uint8_t *)"autocommit", 10}, {(const uint8_t *)"ON", 2}},
    {{(const uint8_t *)"character_set_client", 20}, {(const uint8_t *)"utf8mb4", 7}},
    {{(const uint8_t *)"character_set_connection", 24}, {(const uint8_t *)"utf8mb4", 7}},
    {{(const uint8_t *)"character_set_results", 21}, {(const uint8_t *)"utf8mb4", 7}},
    {{(const uint8_t *)"redirect_url", 12}, {(const uint8_t *)"", 0}},
    {{(const uint8_t *)"time_zone", 9}, {(const uint8_t *)"SYSTEM", 6}},
};

static const uint8_t *find_bytes(const uint8_t *hay, size_t n, const uint8_t *needle, size_t m) {
    for (size_t i = 0; i + m <= n; i++) {
        if (memcmp(hay + i, needle, m) == 0) {
            return hay + i;
        }
    }
    return NULL;
}

static void assert_bytes(const uint8_t *got, size_t got_len, const char *hex) {
    size_t n;
    const uint8_t *want = hexbuf(7, hex, &n);
    cr_assert(eq(sz, got_len, n));
    for (size_t i = 0; i < n; i++) {
        cr_assert(eq(u8, got[i], want[i]), "byte %zu", i);
    }
}

/* Checks the sizing pass and that a too-small buffer is never written past. */
static void assert_sizing(size_t want, redir_status (*build)(uint8_t *, size_t, size_t *)) {
    size_t need = 12345;
    cr_assert(eq(int, build(NULL, 0, &need), REDIR_E_NOSPACE));
    cr_assert(eq(sz, need, want));
    uint8_t small[1024];
    memset(small, 0xEE, sizeof small);
    cr_assert(want - 1 < sizeof small);
    cr_assert(eq(int, build(small, want - 1, &need), REDIR_E_NOSPACE));
    cr_assert(eq(sz, need, want));
    for (size_t i = want - 1; i < sizeof small; i++) {
        cr_assert(eq(u8, small[i], 0xEE), "byte %zu written past cap", i);
    }
}

static redir_status build_a(uint8_t *buf, size_t cap, size_t *len) {
    return redir_build_ok_redirect(buf, cap, len, 2, CAPS, REDIR_STATUS_AUTOCOMMIT,
                                   S("mariadb://db2.example.com:3306"), NULL, 0);
}

Test(build_ok, example_a_login_ok) {
    uint8_t buf[256];
    size_t len;
    cr_assert(eq(int, build_a(buf, sizeof buf, &len), REDIR_OK));
    assert_bytes(buf, len, EX_A);
    assert_sizing(len, build_a);
}

Test(build_ok, example_b_later_ok_in_transaction) {
    uint8_t buf[256];
    size_t len;
    cr_assert(eq(int,
                 redir_build_ok_redirect(buf, sizeof buf, &len, 1, CAPS,
                                         REDIR_STATUS_IN_TRANS | REDIR_STATUS_AUTOCOMMIT,
                                         S("mysql://10.0.0.7:3307"), NULL, 0),
                 REDIR_OK));
    assert_bytes(buf, len, EX_B);
}

static redir_status build_c(uint8_t *buf, size_t cap, size_t *len) {
    return redir_build_ok_redirect(buf, cap, len, 2, CAPS, REDIR_STATUS_AUTOCOMMIT, S(""),
                                   MARIADB_115_VARS,
                                   sizeof MARIADB_115_VARS / sizeof MARIADB_115_VARS[0]);
}

Test(build_ok, example_c_mariadb_115_login_ok_without_redirect) {
    uint8_t buf[256];
    size_t len;
    cr_assert(eq(int, build_c(buf, sizeof buf, &len), REDIR_OK));
    assert_bytes(buf, len, EX_C);
    assert_sizing(len, build_c);
}

Test(build_ok, url_takes_the_place_of_redirect_url_in_the_list) {
    uint8_t buf[256];
    size_t len;
    cr_assert(eq(int,
                 redir_build_ok_redirect(buf, sizeof buf, &len, 2, CAPS, REDIR_STATUS_AUTOCOMMIT,
                                         S("mysql://db9:3306"), MARIADB_115_VARS, 6),
                 REDIR_OK));
    /* same as example C up to the redirect_url value, then 16 more bytes */
    size_t n;
    const uint8_t *c = hexbuf(6, EX_C, &n);
    cr_assert(eq(sz, len, n + 16));
    cr_assert(eq(u8, buf[0], (uint8_t)(0x9e + 16)));
    cr_assert(eq(u8, buf[12], (uint8_t)(0x95 + 16)));
    const uint8_t tail[] = "\x00\x1e\x0credirect_url\x10mysql://db9:3306";
    const uint8_t *at = find_bytes(buf, len, tail, sizeof tail - 1);
    cr_assert(at != NULL);
    /* time_zone still follows */
    cr_assert(eq(sz, (size_t)(buf + len - (at + sizeof tail - 1)), 19));
    cr_assert(eq(int, memcmp(at + sizeof tail - 1, c + n - 19, 19), 0));
}

Test(build_ok, url_appended_when_list_has_no_redirect_url) {
    uint8_t buf[256];
    size_t len;
    const redir_sysvar vars[] = {{{(const uint8_t *)"autocommit", 10}, {(const uint8_t *)"ON", 2}}};
    cr_assert(eq(int,
                 redir_build_ok_redirect(buf, sizeof buf, &len, 2, CAPS, 0, S("mysql://h"), vars,
                                         1),
                 REDIR_OK));
    assert_bytes(buf, len,
                 "32 00 00 02 00 00 00 00 40 00 00 00 29"
                 "00 0e 0a 61 75 74 6f 63 6f 6d 6d 69 74 02 4f 4e"
                 "00 17 0c 72 65 64 69 72 65 63 74 5f 75 72 6c 09 6d 79 73 71 6c 3a 2f 2f 68");
}

Test(build_ok, errors) {
    uint8_t buf[64];
    size_t len = 99;
    cr_assert(eq(int,
                 redir_build_ok_redirect(buf, sizeof buf, &len, 2,
                                         CAPS & ~REDIR_CLIENT_SESSION_TRACK, 0, S("mysql://h"),
                                         NULL, 0),
                 REDIR_E_MISSING_CAPABILITY));
    cr_assert(eq(sz, len, 0));
    cr_assert(eq(int,
                 redir_build_ok_redirect(buf, sizeof buf, &len, 2, CAPS & ~REDIR_CLIENT_PROTOCOL_41,
                                         0, S("mysql://h"), NULL, 0),
                 REDIR_E_MISSING_CAPABILITY));
    cr_assert(eq(int, redir_build_ok_redirect(buf, sizeof buf, &len, 2, CAPS, 0, S("x"), NULL, 1),
                 REDIR_E_INVALID_ARGUMENT));
    /* one packet at most: a URL that would push the payload past 0xFFFFFF */
    static const uint8_t big[1];
    redir_span huge = redir_span_of(big, REDIR_MAX_PACKET_PAYLOAD - 20);
    len = 99;
    cr_assert(eq(int, redir_build_ok_redirect(NULL, 0, &len, 2, CAPS, 0, huge, NULL, 0),
                 REDIR_E_FIELD_TOO_LONG));
    cr_assert(eq(sz, len, 0));
}

Test(build_ok, long_url_uses_multi_byte_lengths) {
    static uint8_t url[300];
    memcpy(url, "mysql://", 8);
    memset(url + 8, 'h', sizeof url - 8);
    static uint8_t buf[400];
    size_t len;
    cr_assert(eq(int,
                 redir_build_ok_redirect(buf, sizeof buf, &len, 2, CAPS, 0,
                                         redir_span_of(url, sizeof url), NULL, 0),
                 REDIR_OK));
    /* entry body: 13 (name) + 3 + 300 = 316; entry 1 + 3 + 316 = 320; block prefix 3 */
    cr_assert(eq(sz, len, 4 + 7 + 1 + 3 + 320));
    cr_assert(eq(u8, buf[12], 0xfc));
    cr_assert(eq(u8, buf[13], 0x40));
    cr_assert(eq(u8, buf[14], 0x01));
    cr_assert(eq(u8, buf[15], 0x00));
    cr_assert(eq(u8, buf[16], 0xfc));
    cr_assert(eq(u8, buf[17], 0x3c));
    cr_assert(eq(u8, buf[18], 0x01));
}

static redir_status build_err(uint8_t *buf, size_t cap, size_t *len) {
    return redir_build_err_redirect(buf, cap, len, 2, REDIR_ERR_REDIRECT_DEFAULT_CODE, S("HY000"),
                                    S("Server is being upgraded"), S("db2.example.com"), 3306);
}

Test(build_err, example) {
    uint8_t buf[128];
    size_t len;
    cr_assert(eq(int, build_err(buf, sizeof buf, &len), REDIR_OK));
    assert_bytes(buf, len, EX_ERR);
    assert_sizing(len, build_err);
}

Test(build_err, without_state_and_port) {
    uint8_t buf[64];
    size_t len;
    cr_assert(eq(int,
                 redir_build_err_redirect(buf, sizeof buf, &len, 0, 4200, S(""), S(""), S("h"), 0),
                 REDIR_OK));
    assert_bytes(buf, len, "06 00 00 00 ff 68 10 7c 7c 68");
    /* a state of any length other than 5 is left out */
    cr_assert(eq(int,
                 redir_build_err_redirect(buf, sizeof buf, &len, 0, 4200, S("HY00"), S("t"),
                                          S("h"), 65535),
                 REDIR_OK));
    assert_bytes(buf, len, "0d 00 00 00 ff 68 10 7c 74 7c 68 3a 36 35 35 33 35");
}

Test(build_err, invalid_arguments) {
    uint8_t buf[64];
    size_t len = 7;
    cr_assert(eq(int,
                 redir_build_err_redirect(buf, sizeof buf, &len, 2, 4196, S("HY000"), S("a|b"),
                                          S("h"), 1),
                 REDIR_E_INVALID_ARGUMENT));
    cr_assert(eq(sz, len, 0));
    const char *bad_hosts[] = {"", "a:b", "a|b", "a b", "a\nb", "::1"};
    for (size_t i = 0; i < sizeof bad_hosts / sizeof bad_hosts[0]; i++) {
        cr_assert(eq(int,
                     redir_build_err_redirect(buf, sizeof buf, &len, 2, 4196, S("HY000"), S("t"),
                                              S(bad_hosts[i]), 1),
                     REDIR_E_INVALID_ARGUMENT),
                  "host '%s'", bad_hosts[i]);
    }
    cr_assert(eq(int,
                 redir_build_err_redirect(buf, sizeof buf, &len, 2, REDIR_ERR_PROGRESS_CODE,
                                          S("HY000"), S("t"), S("h"), 1),
                 REDIR_E_INVALID_ARGUMENT));
}

Test(build_err, message_limit_511) {
    static char text[600];
    memset(text, 't', sizeof text);
    size_t len;
    /* "|" + text + "|h:1" : 511 bytes fit, 512 do not */
    cr_assert(eq(int,
                 redir_build_err_redirect(NULL, 0, &len, 2, 4196, S("HY000"),
                                          redir_span_of(text, 511 - 5), S("h"), 1),
                 REDIR_E_NOSPACE));
    cr_assert(eq(sz, len, 4 + 9 + 511));
    cr_assert(eq(int,
                 redir_build_err_redirect(NULL, 0, &len, 2, 4196, S("HY000"),
                                          redir_span_of(text, 511 - 4), S("h"), 1),
                 REDIR_E_FIELD_TOO_LONG));
    cr_assert(eq(int,
                 redir_build_err_redirect(NULL, 0, &len, 2, 4196, S("HY000"), S("t"),
                                          redir_span_of(text, 600), 0),
                 REDIR_E_FIELD_TOO_LONG));
}

static redir_status build_community(uint8_t *buf, size_t cap, size_t *len) {
    return redir_build_location_ok(buf, cap, len, 2, CAPS, REDIR_STATUS_AUTOCOMMIT,
                                   REDIR_LOCATION_COMMUNITY, S("db2.example.com"), 3306,
                                   S("alice"), 60);
}

Test(build_location, community_example) {
    uint8_t buf[128];
    size_t len;
    cr_assert(eq(int, build_community(buf, sizeof buf, &len), REDIR_OK));
    assert_bytes(buf, len, EX_LOC_COMMUNITY);
    assert_sizing(len, build_community);
}

Test(build_location, azure_example) {
    uint8_t buf[128];
    size_t len;
    cr_assert(eq(int,
                 redir_build_location_ok(buf, sizeof buf, &len, 2, CAPS, REDIR_STATUS_AUTOCOMMIT,
                                         REDIR_LOCATION_AZURE, S("db2.example.com"), 3306,
                                         S("alice@myserver"), 60),
                 REDIR_OK));
    assert_bytes(buf, len, EX_LOC_AZURE);
}

Test(build_location, azure_without_ttl) {
    uint8_t buf[128];
    size_t len;
    cr_assert(eq(int,
                 redir_build_location_ok(buf, sizeof buf, &len, 2, CAPS, 0, REDIR_LOCATION_AZURE,
                                         S("h"), 1, S("u"), -1),
                 REDIR_OK));
    /* info "Location: mysql://h:1/user=u" = 28 bytes */
    cr_assert(eq(sz, len, 4 + 7 + 1 + 28));
    cr_assert(eq(u8, buf[11], 28));
    cr_assert(eq(int, memcmp(buf + 12, "Location: mysql://h:1/user=u", 28), 0));
}

Test(build_location, invalid_arguments) {
    uint8_t buf[128];
    size_t len = 5;
    struct {
        redir_location_form form;
        const char *host;
        uint16_t port;
        const char *user;
        int64_t ttl;
    } bad[] = {
        {REDIR_LOCATION_COMMUNITY, "h", 1, "u", -1}, /* community needs a ttl */
        {REDIR_LOCATION_COMMUNITY, "", 1, "u", 1},
        {REDIR_LOCATION_COMMUNITY, "h]", 1, "u", 1},
        {REDIR_LOCATION_COMMUNITY, "h", 0, "u", 1},
        {REDIR_LOCATION_COMMUNITY, "h", 1, "", 1},
        {REDIR_LOCATION_COMMUNITY, "h", 1, "a&b", 1},
        {REDIR_LOCATION_COMMUNITY, "h", 1, "a\nb", 1},
        {REDIR_LOCATION_AZURE, "a:b", 1, "u", 1},
        {REDIR_LOCATION_AZURE, "a/b", 1, "u", 1},
        {(redir_location_form)5, "h", 1, "u", 1},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        cr_assert(eq(int,
                     redir_build_location_ok(buf, sizeof buf, &len, 2, CAPS, 0, bad[i].form,
                                             S(bad[i].host), bad[i].port, S(bad[i].user),
                                             bad[i].ttl),
                     REDIR_E_INVALID_ARGUMENT),
                  "case %zu", i);
        cr_assert(eq(sz, len, 0));
    }
    /* IPv6 fits in the community form's brackets */
    cr_assert(eq(int,
                 redir_build_location_ok(buf, sizeof buf, &len, 2, CAPS, 0,
                                         REDIR_LOCATION_COMMUNITY, S("2001:db8::1"), 1, S("u"), 0),
                 REDIR_OK));
    cr_assert(eq(int,
                 redir_build_location_ok(buf, sizeof buf, &len, 2, CAPS & ~REDIR_CLIENT_PROTOCOL_41,
                                         0, REDIR_LOCATION_AZURE, S("h"), 1, S("u"), 0),
                 REDIR_E_MISSING_CAPABILITY));
}

/* ------------------------------------------------------------ round trips */

/* Decodes a built packet back (frame, then OK) and extracts its redirect. */
static redir_status ok_round_trip(const uint8_t *pkt, size_t len, bool login,
                                  redir_instruction *ins) {
    const uint8_t *g = guard_copy(1, pkt, len);
    redir_frame fr;
    size_t used;
    redir_diag d;
    cr_assert(eq(int, redir_frame_decode(&fr, &used, &d, g, len), REDIR_OK));
    cr_assert(eq(sz, used, len));
    redir_ok ok;
    cr_assert(eq(int, redir_ok_decode(&ok, &d, fr.payload.ptr, fr.payload.len, CAPS), REDIR_OK));
    return redir_redirect_from_ok(ins, &d, &ok, login);
}

static bool span_is(redir_span s, const char *lit) {
    return s.len == strlen(lit) && (s.len == 0 || memcmp(s.ptr, lit, s.len) == 0);
}

Test(round_trip, session_track_examples) {
    uint8_t buf[512];
    size_t len;
    redir_instruction ins;
    cr_assert(eq(int, build_a(buf, sizeof buf, &len), REDIR_OK));
    cr_assert(eq(int, ok_round_trip(buf, len, true, &ins), REDIR_OK));
    cr_assert(eq(int, ins.carrier, REDIR_CARRIER_SESSION_TRACK));
    cr_assert(span_is(ins.raw, "mariadb://db2.example.com:3306"));
    cr_assert(span_is(ins.scheme, "mariadb"));
    cr_assert(span_is(ins.host, "db2.example.com"));
    cr_assert(eq(u16, ins.port, 3306));
    cr_assert(ins.has_port == true);
    cr_assert(ins.has_user == false);

    cr_assert(eq(int, build_c(buf, sizeof buf, &len), REDIR_OK));
    cr_assert(eq(int, ok_round_trip(buf, len, true, &ins), REDIR_NOT_FOUND));

    /* an 11.5-style login OK that does redirect, with user, database and ttl */
    const char *url = "mariadb://app%40east:s3cret@db3.example.com:3310/sales?ttl=30000";
    cr_assert(eq(int,
                 redir_build_ok_redirect(buf, sizeof buf, &len, 2, CAPS, REDIR_STATUS_AUTOCOMMIT,
                                         S(url), MARIADB_115_VARS, 6),
                 REDIR_OK));
    cr_assert(eq(int, ok_round_trip(buf, len, true, &ins), REDIR_OK));
    cr_assert(span_is(ins.raw, url));
    cr_assert(span_is(ins.host, "db3.example.com"));
    cr_assert(eq(u16, ins.port, 3310));
    cr_assert(ins.has_user == true);
    cr_assert(span_is(ins.user, "app%40east"));
    cr_assert(ins.has_password == true);
    cr_assert(span_is(ins.password, "s3cret"));
    cr_assert(ins.has_database == true);
    cr_assert(span_is(ins.database, "sales"));
    cr_assert(ins.has_ttl == true);
    cr_assert(eq(u64, ins.ttl, 30000));

    /* a later OK in a transaction: the instruction is the same, the status says defer */
    cr_assert(eq(int,
                 redir_build_ok_redirect(buf, sizeof buf, &len, 1, CAPS,
                                         REDIR_STATUS_IN_TRANS | REDIR_STATUS_AUTOCOMMIT,
                                         S("mysql://10.0.0.7"), NULL, 0),
                 REDIR_OK));
    cr_assert(eq(int, ok_round_trip(buf, len, false, &ins), REDIR_OK));
    cr_assert(span_is(ins.host, "10.0.0.7"));
    cr_assert(eq(u16, ins.port, 3306));
    cr_assert(ins.has_port == false);
}

Test(round_trip, location_both_forms) {
    uint8_t buf[256];
    size_t len;
    redir_instruction ins;
    cr_assert(eq(int, build_community(buf, sizeof buf, &len), REDIR_OK));
    cr_assert(eq(int, ok_round_trip(buf, len, true, &ins), REDIR_OK));
    cr_assert(eq(int, ins.carrier, REDIR_CARRIER_LOCATION));
    cr_assert(span_is(ins.host, "db2.example.com"));
    cr_assert(eq(u16, ins.port, 3306));
    cr_assert(span_is(ins.user, "alice"));
    cr_assert(ins.has_ttl == true);
    cr_assert(eq(u64, ins.ttl, 60));
    /* only the login OK carries a Location line */
    cr_assert(eq(int, ok_round_trip(buf, len, false, &ins), REDIR_NOT_FOUND));

    cr_assert(eq(int,
                 redir_build_location_ok(buf, sizeof buf, &len, 2, CAPS, REDIR_STATUS_AUTOCOMMIT,
                                         REDIR_LOCATION_AZURE, S("db2.example.com"), 3306,
                                         S("alice@myserver"), -1),
                 REDIR_OK));
    cr_assert(eq(int, ok_round_trip(buf, len, true, &ins), REDIR_OK));
    cr_assert(span_is(ins.host, "db2.example.com"));
    cr_assert(span_is(ins.user, "alice@myserver"));
    cr_assert(ins.has_ttl == false);
}

Test(round_trip, err_carrier) {
    uint8_t buf[128];
    size_t len;
    cr_assert(eq(int, build_err(buf, sizeof buf, &len), REDIR_OK));
    const uint8_t *g = guard_copy(1, buf, len);
    redir_frame fr;
    size_t used;
    redir_diag d;
    cr_assert(eq(int, redir_frame_decode(&fr, &used, &d, g, len), REDIR_OK));
    redir_err err;
    cr_assert(eq(int, redir_err_decode(&err, &d, fr.payload.ptr, fr.payload.len, CAPS), REDIR_OK));
    cr_assert(eq(u16, err.code, 4196));
    redir_instruction ins;
    cr_assert(eq(int, redir_redirect_from_err(&ins, &d, &err, REDIR_ERR_REDIRECT_DEFAULT_CODE),
                 REDIR_OK));
    cr_assert(eq(int, ins.carrier, REDIR_CARRIER_ERR));
    cr_assert(span_is(ins.text, "Server is being upgraded"));
    cr_assert(span_is(ins.host, "db2.example.com"));
    cr_assert(eq(u16, ins.port, 3306));
    cr_assert(ins.has_port == true);
    cr_assert(span_is(ins.raw, "|Server is being upgraded|db2.example.com:3306"));
}

/* An empty text may come as a NULL view: the message is then "||host:port"
 * (found by fuzzing: memcpy was called with the NULL pointer). */
Test(build_err, empty_text_as_null_view) {
    uint8_t buf[64];
    size_t len = 0;
    redir_status st = redir_build_err_redirect(buf, sizeof buf, &len, 0, 4196,
                                               redir_span_of(NULL, 0), redir_span_of(NULL, 0),
                                               redir_span_of("db2", 3), 3307);
    cr_assert(eq(int, st, REDIR_OK));
    cr_assert(eq(sz, len, 4 + 3 + 10));
    cr_assert(eq(int, memcmp(buf + 7, "||db2:3307", 10), 0));
}
