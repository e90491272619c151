#include <criterion/criterion.h>
#include <criterion/new/assert.h>
#include <string.h>

#include "redir/redirect.h"
#include "redir/wire.h"
#include "testutil.h"

static redir_span S(const char *s) { return redir_span_of(s, strlen(s)); }

static bool same_str(const char *a, const char *b) {
    return a != NULL && b != NULL && strcmp(a, b) == 0;
}

static bool span_is(redir_span s, const char *lit) {
    return s.len == strlen(lit) && (s.len == 0 || memcmp(s.ptr, lit, s.len) == 0);
}

static const uint64_t CAPS = REDIR_CAPS_MARIADB_DEFAULT;

/* An OK whose session state block is given in hex (guarded against
 * over-reads), with an empty lenenc info. */
static redir_ok ok_with_block(const char *block_hex) {
    size_t n;
    const uint8_t *b = hexbuf(0, block_hex, &n);
    redir_ok ok;
    memset(&ok, 0, sizeof ok);
    ok.has_status = true;
    ok.status = REDIR_STATUS_AUTOCOMMIT | REDIR_STATUS_SESSION_STATE_CHANGED;
    ok.has_warnings = true;
    ok.info_form = REDIR_INFO_LENENC;
    ok.has_session_state = true;
    ok.session_state = redir_span_of(guard_copy(0, b, n), n);
    return ok;
}

static redir_ok ok_with_info(const char *info) {
    redir_ok ok;
    memset(&ok, 0, sizeof ok);
    ok.has_status = true;
    ok.status = REDIR_STATUS_AUTOCOMMIT;
    ok.has_warnings = true;
    ok.info_form = REDIR_INFO_LENENC;
    ok.info = redir_span_of(guard_copy(1, info, strlen(info)), strlen(info));
    return ok;
}

/* "redirect_url" as a lenenc string */
#define RU "0c 72 65 64 69 72 65 63 74 5f 75 72 6c"
/* "autocommit"=ON */
#define AC "0a 61 75 74 6f 63 6f 6d 6d 69 74 02 4f 4e"

Test(from_ok, decoded_login_ok) {
    size_t n;
    const uint8_t *pkt = hexbuf(2,
                                "37 00 00 02 00 00 00 02 40 00 00 00 2e 00 2c" RU
                                "1e 6d 61 72 69 61 64 62 3a 2f 2f 64 62 32 2e 65 78 61 6d 70 6c"
                                "65 2e 63 6f 6d 3a 33 33 30 36",
                                &n);
    const uint8_t *g = guard_copy(2, pkt + 4, n - 4);
    redir_ok ok;
    redir_diag d;
    cr_assert(eq(int, redir_ok_decode(&ok, &d, g, n - 4, CAPS), REDIR_OK));
    redir_instruction ins;
    cr_assert(eq(int, redir_redirect_from_ok(&ins, &d, &ok, true), REDIR_OK));
    cr_assert(eq(int, ins.carrier, REDIR_CARRIER_SESSION_TRACK));
    cr_assert(span_is(ins.raw, "mariadb://db2.example.com:3306"));
    cr_assert(ins.raw.ptr == g + 25, "raw views the packet");
    cr_assert(span_is(ins.scheme, "mariadb"));
    cr_assert(span_is(ins.host, "db2.example.com"));
    cr_assert(eq(u16, ins.port, 3306));
    cr_assert(ins.has_port == true);
    cr_assert(ins.has_user == false);
    cr_assert(ins.has_password == false);
    cr_assert(ins.has_database == false);
    cr_assert(ins.has_ttl == false);
    cr_assert(eq(sz, ins.text.len, 0));
    /* the same OK after login: the carrier is not tied to the login reply */
    cr_assert(eq(int, redir_redirect_from_ok(&ins, &d, &ok, false), REDIR_OK));
    cr_assert(span_is(ins.host, "db2.example.com"));
}

Test(from_ok, no_session_state_no_info) {
    redir_ok ok;
    memset(&ok, 0, sizeof ok);
    redir_instruction ins;
    memset(&ins, 0xAB, sizeof ins);
    cr_assert(eq(int, redir_redirect_from_ok(&ins, NULL, &ok, true), REDIR_NOT_FOUND));
    cr_assert(eq(sz, ins.host.len, 0));
}

Test(from_ok, empty_value_means_no_redirect) {
    redir_ok ok = ok_with_block("00 0e" RU "00");
    redir_instruction ins;
    cr_assert(eq(int, redir_redirect_from_ok(&ins, NULL, &ok, true), REDIR_NOT_FOUND));
}

Test(from_ok, last_non_empty_wins_across_entries) {
    /* h1, then h2, then empty: h2 stays */
    redir_ok ok = ok_with_block("00 17" RU "09 6d 79 73 71 6c 3a 2f 2f 31"   /* mysql://1 */
                                "00 17" RU "09 6d 79 73 71 6c 3a 2f 2f 32"   /* mysql://2 */
                                "00 0e" RU "00");
    redir_instruction ins;
    cr_assert(eq(int, redir_redirect_from_ok(&ins, NULL, &ok, false), REDIR_OK));
    cr_assert(span_is(ins.host, "2"));
}

Test(from_ok, pairs_inside_one_entry_and_other_types) {
    /* schema, STATE_CHANGE in its server form, an unknown type 0x20, then one
     * SYSTEM_VARIABLES entry with three pairs: autocommit, redirect_url, another redirect_url */
    redir_ok ok = ok_with_block("01 05 04 74 65 73 74"
                                "02 01 31"
                                "20 02 aa bb"
                                "00 3c" AC RU "09 6d 79 73 71 6c 3a 2f 2f 61" /* mysql://a */
                                RU "09 6d 79 73 71 6c 3a 2f 2f 62");            /* mysql://b */
    redir_instruction ins;
    cr_assert(eq(int, redir_redirect_from_ok(&ins, NULL, &ok, false), REDIR_OK));
    cr_assert(span_is(ins.host, "b"));
    cr_assert(ins.has_port == false);
    cr_assert(eq(u16, ins.port, REDIR_DEFAULT_PORT));
}

Test(from_ok, other_names_are_not_redirects) {
    /* MaxScale's renamed variable and an upper-case spelling */
    redir_ok ok = ok_with_block("00 17 0c 6d 78 73 5f 72 64 69 72 5f 75 72 6c 09 6d 79 73 71 6c 3a"
                                "2f 2f 61"
                                "00 17 0c 52 45 44 49 52 45 43 54 5f 55 52 4c 09 6d 79 73 71 6c 3a"
                                "2f 2f 61");
    redir_instruction ins;
    cr_assert(eq(int, redir_redirect_from_ok(&ins, NULL, &ok, true), REDIR_NOT_FOUND));
}

Test(from_ok, full_connector_url) {
    const char *url = "mariadb://app%40east:s3cret@[2001:db8::7]:3310/sales?ttl=30000&x=1";
    /* build the entry around the URL */
    uint8_t block[256];
    size_t ul = strlen(url);
    size_t k = 0;
    block[k++] = 0x00;
    block[k++] = (uint8_t)(13 + 1 + ul);
    block[k++] = 12;
    memcpy(block + k, "redirect_url", 12);
    k += 12;
    block[k++] = (uint8_t)ul;
    memcpy(block + k, url, ul);
    k += ul;
    redir_ok ok;
    memset(&ok, 0, sizeof ok);
    ok.has_session_state = true;
    ok.session_state = redir_span_of(guard_copy(0, block, k), k);
    redir_instruction ins;
    cr_assert(eq(int, redir_redirect_from_ok(&ins, NULL, &ok, false), REDIR_OK));
    cr_assert(span_is(ins.scheme, "mariadb"));
    cr_assert(span_is(ins.host, "2001:db8::7"));
    cr_assert(eq(u16, ins.port, 3310));
    cr_assert(ins.has_user == true);
    cr_assert(span_is(ins.user, "app%40east"));
    cr_assert(ins.has_password == true);
    cr_assert(span_is(ins.password, "s3cret"));
    cr_assert(ins.has_database == true);
    cr_assert(span_is(ins.database, "sales"));
    cr_assert(ins.has_ttl == true);
    cr_assert(eq(u64, ins.ttl, 30000));
}

/* A malformed URL fails with the URL grammar's status and an offset into the
 * URL itself; the instruction names the carrier and its text. */
Test(from_ok, invalid_url_reports_offset_in_url) {
    const char *urls[] = {"mariadb://db2:99999", "http://db2", "mysql://", "mysql://h:12a"};
    for (size_t i = 0; i < sizeof urls / sizeof urls[0]; i++) {
        const char *url = urls[i];
        size_t ul = strlen(url);
        uint8_t block[64];
        size_t k = 0;
        block[k++] = 0x00;
        block[k++] = (uint8_t)(13 + 1 + ul);
        block[k++] = 12;
        memcpy(block + k, "redirect_url", 12);
        k += 12;
        block[k++] = (uint8_t)ul;
        memcpy(block + k, url, ul);
        k += ul;
        redir_ok ok;
        memset(&ok, 0, sizeof ok);
        ok.has_session_state = true;
        ok.session_state = redir_span_of(guard_copy(0, block, k), k);

        redir_url u;
        redir_diag want = {0, 0};
        redir_status want_st = redir_url_parse(&u, &want, REDIR_GRAMMAR_CONNECTOR, (const uint8_t *)url, ul);
        cr_assert(redir_status_is_error(want_st), "%s", url);

        redir_instruction ins;
        redir_diag d = {999, 999};
        cr_assert(eq(int, redir_redirect_from_ok(&ins, &d, &ok, true), want_st), "%s", url);
        cr_assert(eq(sz, d.offset, want.offset), "%s", url);
        cr_assert(eq(int, ins.carrier, REDIR_CARRIER_SESSION_TRACK));
        cr_assert(span_is(ins.raw, url));
        cr_assert(eq(sz, ins.host.len, 0));
    }
}

Test(from_ok, malformed_block_is_an_error) {
    /* the second entry claims 9 bytes where 2 remain */
    redir_ok ok = ok_with_block("01 05 04 74 65 73 74 00 09 01");
    redir_instruction ins;
    redir_diag d;
    redir_status st = redir_redirect_from_ok(&ins, &d, &ok, true);
    cr_assert(redir_status_is_error(st));
    /* the session iterator's own verdict, offsets relative to the block */
    redir_session_iter it;
    redir_session_iter_init(&it, ok.session_state);
    redir_session_entry e;
    redir_diag want;
    cr_assert(eq(int, redir_session_next(&it, &e, &want), REDIR_OK));
    cr_assert(eq(int, redir_session_next(&it, &e, &want), st));
    cr_assert(eq(sz, d.offset, want.offset));
}

Test(from_ok, location_only_in_login_ok) {
    redir_ok ok = ok_with_info("Location: mysql://[db2.example.com]:3306/?user=alice&ttl=60\n");
    redir_instruction ins;
    cr_assert(eq(int, redir_redirect_from_ok(&ins, NULL, &ok, false), REDIR_NOT_FOUND));
    cr_assert(eq(int, redir_redirect_from_ok(&ins, NULL, &ok, true), REDIR_OK));
    cr_assert(eq(int, ins.carrier, REDIR_CARRIER_LOCATION));
    cr_assert(span_is(ins.raw, "Location: mysql://[db2.example.com]:3306/?user=alice&ttl=60\n"));
    cr_assert(span_is(ins.host, "db2.example.com"));
    cr_assert(eq(u16, ins.port, 3306));
    cr_assert(ins.has_user == true);
    cr_assert(span_is(ins.user, "alice"));
    cr_assert(ins.has_ttl == true);
    cr_assert(eq(u64, ins.ttl, 60));

    ok = ok_with_info("Location: mysql://db2.example.com:3307/user=alice@myserver");
    cr_assert(eq(int, redir_redirect_from_ok(&ins, NULL, &ok, true), REDIR_OK));
    cr_assert(span_is(ins.host, "db2.example.com"));
    cr_assert(eq(u16, ins.port, 3307));
    cr_assert(span_is(ins.user, "alice@myserver"));
    cr_assert(ins.has_ttl == false);
}

Test(from_ok, other_info_is_not_a_location) {
    const char *infos[] = {
        "",
        "Rows matched: 1  Changed: 1  Warnings: 0",
        ("\x01"
         "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"),
        "location: mysql://db2:3306/user=a", /* case matters */
        " Location: mysql://db2:3306/user=a",
    };
    for (size_t i = 0; i < sizeof infos / sizeof infos[0]; i++) {
        redir_ok ok = ok_with_info(infos[i]);
        redir_instruction ins;
        cr_assert(eq(int, redir_redirect_from_ok(&ins, NULL, &ok, true), REDIR_NOT_FOUND), "%zu",
                  i);
    }
    redir_ok ok = ok_with_info("Location: mysql://db2:3306/user=a");
    ok.info_form = REDIR_INFO_ABSENT;
    ok.info = redir_span_of(NULL, 0);
    redir_instruction ins;
    cr_assert(eq(int, redir_redirect_from_ok(&ins, NULL, &ok, true), REDIR_NOT_FOUND));
}

Test(from_ok, malformed_location_reports_offset_in_info) {
    const char *infos[] = {"Location: mysql://db2.example.com",
                           "Location: mysql://[db2]:3306/user=abcd",
                           "Location: https://db2:3306/user=a"};
    for (size_t i = 0; i < sizeof infos / sizeof infos[0]; i++) {
        redir_ok ok = ok_with_info(infos[i]);
        redir_url u;
        redir_diag want = {0, 0};
        redir_status want_st =
            redir_url_parse(&u, &want, REDIR_GRAMMAR_LOCATION, (const uint8_t *)infos[i], strlen(infos[i]));
        cr_assert(redir_status_is_error(want_st), "%s", infos[i]);
        redir_instruction ins;
        redir_diag d = {999, 0};
        cr_assert(eq(int, redir_redirect_from_ok(&ins, &d, &ok, true), want_st), "%s", infos[i]);
        cr_assert(eq(sz, d.offset, want.offset), "%s", infos[i]);
        cr_assert(eq(int, ins.carrier, REDIR_CARRIER_LOCATION));
        cr_assert(span_is(ins.raw, infos[i]));
    }
}

Test(from_ok, session_track_wins_over_location) {
    redir_ok ok = ok_with_block("00 17" RU "09 6d 79 73 71 6c 3a 2f 2f 7a"); /* mysql://z */
    const char *info = "Location: mysql://db2:3306/user=a";
    ok.info = redir_span_of(guard_copy(1, info, strlen(info)), strlen(info));
    redir_instruction ins;
    cr_assert(eq(int, redir_redirect_from_ok(&ins, NULL, &ok, true), REDIR_OK));
    cr_assert(eq(int, ins.carrier, REDIR_CARRIER_SESSION_TRACK));
    cr_assert(span_is(ins.host, "z"));
    /* an empty redirect_url does not hide the Location line */
    ok = ok_with_block("00 0e" RU "00");
    ok.info = redir_span_of(guard_copy(1, info, strlen(info)), strlen(info));
    cr_assert(eq(int, redir_redirect_from_ok(&ins, NULL, &ok, true), REDIR_OK));
    cr_assert(eq(int, ins.carrier, REDIR_CARRIER_LOCATION));
}

/* ------------------------------------------------------------- ERR carrier */

static redir_err err_with(uint16_t code, const char *msg) {
    redir_err e;
    memset(&e, 0, sizeof e);
    e.code = code;
    e.has_sql_state = true;
    e.sql_state = S("HY000");
    e.message = redir_span_of(guard_copy(3, msg, strlen(msg)), strlen(msg));
    return e;
}

Test(from_err, decoded_example) {
    size_t n;
    const uint8_t *pkt = hexbuf(2,
                                "37 00 00 02 ff 64 10 23 48 59 30 30 30 7c 53 65 72 76 65 72 20 69"
                                "73 20 62 65 69 6e 67 20 75 70 67 72 61 64 65 64 7c 64 62 32 2e 65"
                                "78 61 6d 70 6c 65 2e 63 6f 6d 3a 33 33 30 36",
                                &n);
    const uint8_t *g = guard_copy(2, pkt + 4, n - 4);
    redir_err err;
    redir_diag d;
    cr_assert(eq(int, redir_err_decode(&err, &d, g, n - 4, CAPS), REDIR_OK));
    redir_instruction ins;
    cr_assert(eq(int, redir_redirect_from_err(&ins, &d, &err, 4196), REDIR_OK));
    cr_assert(eq(int, ins.carrier, REDIR_CARRIER_ERR));
    cr_assert(span_is(ins.raw, "|Server is being upgraded|db2.example.com:3306"));
    cr_assert(span_is(ins.text, "Server is being upgraded"));
    cr_assert(span_is(ins.host, "db2.example.com"));
    cr_assert(eq(sz, ins.scheme.len, 0));
    cr_assert(ins.has_port == true);
    cr_assert(eq(u16, ins.port, 3306));
    cr_assert(ins.has_user == false);
}

Test(from_err, code_check) {
    redir_err e = err_with(4200, "|moving|db9");
    redir_instruction ins;
    cr_assert(eq(int, redir_redirect_from_err(&ins, NULL, &e, 4196), REDIR_NOT_FOUND));
    cr_assert(eq(int, redir_redirect_from_err(&ins, NULL, &e, 4200), REDIR_OK));
    cr_assert(eq(int, redir_redirect_from_err(&ins, NULL, &e, 0), REDIR_OK));
    cr_assert(span_is(ins.host, "db9"));
    cr_assert(ins.has_port == false);
    cr_assert(eq(u16, ins.port, 3306));
}

Test(from_err, ordinary_errors_are_not_redirects) {
    const char *msgs[] = {
        "", /* empty */
        "Sequence 'seq1' has wrong number of columns", /* what 4196 means on released servers */
        "xdb2.example.com:3306", /* no leading '|': never the host */
        " |t|h",
    };
    for (size_t i = 0; i < sizeof msgs / sizeof msgs[0]; i++) {
        redir_err e = err_with(4196, msgs[i]);
        redir_instruction ins;
        redir_diag d = {77, 77};
        cr_assert(eq(int, redir_redirect_from_err(&ins, &d, &e, 4196), REDIR_NOT_FOUND), "%zu", i);
        cr_assert(eq(sz, d.offset, 77), "diag untouched");
    }
    redir_err p = err_with(0xFFFF, "|t|h");
    p.is_progress = true;
    redir_instruction ins;
    cr_assert(eq(int, redir_redirect_from_err(&ins, NULL, &p, 0), REDIR_NOT_FOUND));
}

struct err_vec {
    const char *msg;
    redir_status st;
    size_t offset; /* on failure */
    const char *text;
    const char *host;
    bool has_port;
    uint16_t port;
};

static const struct err_vec ERR_VECS[] = {
    {"|Server is being upgraded|db2.example.com:3306", REDIR_OK, 0, "Server is being upgraded",
     "db2.example.com", true, 3306},
    {"||h", REDIR_OK, 0, "", "h", false, 3306},
    {"|t|h:0", REDIR_OK, 0, "t", "h", true, 0},
    {"|t|h:65535", REDIR_OK, 0, "t", "h", true, 65535},
    {"|t|h:0000065535", REDIR_OK, 0, "t", "h", true, 65535},
    {"|t|10.0.0.7:3307", REDIR_OK, 0, "t", "10.0.0.7", true, 3307},
    {"|t|h:65536", REDIR_E_URL_PORT_RANGE, 9, NULL, NULL, false, 0},
    {"|t|h:99999999999999999999", REDIR_E_URL_PORT_RANGE, 9, NULL, NULL, false, 0},
    {"|t|h:", REDIR_E_URL_PORT, 5, NULL, NULL, false, 0},
    {"|t|h:12a", REDIR_E_URL_PORT, 7, NULL, NULL, false, 0},
    {"|t|h:+1", REDIR_E_URL_PORT, 5, NULL, NULL, false, 0},
    {"|t|h:1:2", REDIR_E_URL_PORT, 6, NULL, NULL, false, 0},
    {"|t|h:3306\n", REDIR_E_URL_PORT, 9, NULL, NULL, false, 0},
    {"|t|", REDIR_E_URL_HOST, 3, NULL, NULL, false, 0},
    {"|t|:3306", REDIR_E_URL_HOST, 3, NULL, NULL, false, 0},
    {"|t|::1", REDIR_E_URL_HOST, 3, NULL, NULL, false, 0},
    {"|t|[::1]:3306", REDIR_E_URL_PORT, 5, NULL, NULL, false, 0},
    {"|no second bar", REDIR_E_ERR_REDIRECT_FORMAT, 14, NULL, NULL, false, 0},
    {"|", REDIR_E_ERR_REDIRECT_FORMAT, 1, NULL, NULL, false, 0},
    {"no bar", REDIR_E_ERR_REDIRECT_FORMAT, 0, NULL, NULL, false, 0},
    {"", REDIR_E_ERR_REDIRECT_FORMAT, 0, NULL, NULL, false, 0},
    {"|t|a|b", REDIR_E_URL_CHAR, 4, NULL, NULL, false, 0},
    {"|t|a b", REDIR_E_URL_CHAR, 4, NULL, NULL, false, 0},
    {"|t|a\tb", REDIR_E_URL_CHAR, 4, NULL, NULL, false, 0},
};

Test(err_parse, vectors) {
    for (size_t i = 0; i < sizeof ERR_VECS / sizeof ERR_VECS[0]; i++) {
        const struct err_vec *v = &ERR_VECS[i];
        size_t n = strlen(v->msg);
        redir_span m = redir_span_of(guard_copy(0, v->msg, n), n);
        redir_span text, host;
        bool has_port = true;
        uint16_t port = 1;
        redir_diag d = {999, 999};
        redir_status st = redir_err_redirect_parse(&text, &host, &has_port, &port, &d, m.ptr, m.len);
        cr_assert(eq(int, st, v->st), "'%s': %s", v->msg, redir_status_name(st));
        if (st == REDIR_OK) {
            cr_assert(span_is(text, v->text), "'%s'", v->msg);
            cr_assert(span_is(host, v->host), "'%s'", v->msg);
            cr_assert(eq(int, has_port, v->has_port), "'%s'", v->msg);
            cr_assert(eq(u16, port, v->port), "'%s'", v->msg);
        } else {
            cr_assert(eq(sz, d.offset, v->offset), "'%s'", v->msg);
            cr_assert(eq(sz, host.len, 0));
            cr_assert(eq(int, has_port, 0));
        }
        /* through the ERR carrier: same verdict and offset whenever the
         * message starts with '|' */
        if (n > 0 && v->msg[0] == '|') {
            redir_err e = err_with(4196, v->msg);
            redir_instruction ins;
            redir_diag d2 = {999, 999};
            cr_assert(eq(int, redir_redirect_from_err(&ins, &d2, &e, 4196), st), "'%s'", v->msg);
            cr_assert(span_is(ins.raw, v->msg));
            if (st != REDIR_OK) {
                cr_assert(eq(sz, d2.offset, v->offset));
            }
        }
    }
}

Test(carrier, names) {
    cr_assert(same_str(redir_carrier_name(REDIR_CARRIER_SESSION_TRACK), "session-track"));
    cr_assert(same_str(redir_carrier_name(REDIR_CARRIER_ERR), "err"));
    cr_assert(same_str(redir_carrier_name(REDIR_CARRIER_LOCATION), "location"));
    cr_assert(redir_carrier_name((redir_carrier)3) == NULL);
}
