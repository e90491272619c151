/* Regression tests for defects found by review of the redirect layer. Each
 * test names the behaviour the contract (the public headers and SPEC.md) asks
 * for; all but security_rows_hold_in_every_state, which guards the policy's
 * security rows against future changes, failed before their fix. */
#include <criterion/criterion.h>
#include <criterion/new/assert.h>
#include <string.h>

#include "redir/policy.h"
#include "redir/redirect.h"
#include "redir/wire.h"
#include "testutil.h"

static redir_span S(const char *s) { return redir_span_of(s, strlen(s)); }

static bool span_is(redir_span s, const char *lit) {
    return s.len == strlen(lit) && (s.len == 0 || memcmp(s.ptr, lit, s.len) == 0);
}

static const uint64_t CAPS = REDIR_CAPS_MARIADB_DEFAULT;

/* ------------------------------------------------------------ same server */

/* A session-track redirect on a verified TLS connection, idle, first hop. */
static void idle_verified(redir_policy *p, redir_conn_state *s, redir_instruction *ins,
                          const char *target, uint16_t port) {
    redir_policy_init(p);
    memset(s, 0, sizeof *s);
    s->tls_requested = true;
    s->tls_established = true;
    s->cert_verified = true;
    s->current_host = S("db1.example.com");
    s->current_port = 3306;
    memset(ins, 0, sizeof *ins);
    ins->carrier = REDIR_CARRIER_SESSION_TRACK;
    ins->host = S(target);
    ins->port = port;
    ins->has_port = true;
}

/* The current host written as an IPv6 literal in brackets (the form the
 * visited list takes) is the same server as the unbracketed target that the
 * URL parsers return. */
Test(review_policy, bracketed_current_host_is_the_same_server) {
    redir_policy p;
    redir_conn_state s;
    redir_instruction ins;
    redir_reason r = REDIR_REASON_COUNT_;
    idle_verified(&p, &s, &ins, "2001:db8::7", 3306);
    s.current_host = S("[2001:DB8::7]");
    cr_assert(eq(int, redir_policy_decide(&r, &p, &s, &ins), REDIR_DECISION_REFUSE));
    cr_assert(eq(int, r, REDIR_REASON_SAME_SERVER));
    /* another address in brackets is still another server */
    s.current_host = S("[2001:db8::8]");
    cr_assert(eq(int, redir_policy_decide(&r, &p, &s, &ins), REDIR_DECISION_FOLLOW));
    /* a lone bracket is not stripped */
    s.current_host = S("[2001:db8::7");
    cr_assert(eq(int, redir_policy_decide(&r, &p, &s, &ins), REDIR_DECISION_FOLLOW));
    /* a target written exactly like the current host is that host, brackets
     * and all (an ERR carrier host may hold them) */
    ins.carrier = REDIR_CARRIER_ERR;
    s.login_phase = true;
    const char *literal[] = {"[]", "[x]", "[2001:db8::7]"};
    for (size_t i = 0; i < 3; i++) {
        ins.host = S(literal[i]);
        s.current_host = S(literal[i]);
        r = REDIR_REASON_COUNT_;
        cr_assert(eq(int, redir_policy_decide(&r, &p, &s, &ins), REDIR_DECISION_REFUSE), "%s",
                  literal[i]);
        cr_assert(eq(int, r, REDIR_REASON_SAME_SERVER), "%s", literal[i]);
    }
}

/* "db2.example.com." is the fully qualified spelling of "db2.example.com":
 * one name, one server, for the same-server check and the visited list. */
Test(review_policy, trailing_dot_names_the_same_server) {
    redir_policy p;
    redir_conn_state s;
    redir_instruction ins;
    redir_reason r = REDIR_REASON_COUNT_;
    idle_verified(&p, &s, &ins, "DB2.example.com", 3306);
    s.current_host = S("db2.example.com.");
    cr_assert(eq(int, redir_policy_decide(&r, &p, &s, &ins), REDIR_DECISION_REFUSE));
    cr_assert(eq(int, r, REDIR_REASON_SAME_SERVER));

    ins.host = S("db2.example.com.");
    s.current_host = S("db2.example.com");
    cr_assert(eq(int, redir_policy_decide(&r, &p, &s, &ins), REDIR_DECISION_REFUSE));
    cr_assert(eq(int, r, REDIR_REASON_SAME_SERVER));

    /* the dot percent-encoded in a URL host */
    ins.host = S("db2.example.com%2E");
    cr_assert(eq(int, redir_policy_decide(&r, &p, &s, &ins), REDIR_DECISION_REFUSE));
    cr_assert(eq(int, r, REDIR_REASON_SAME_SERVER));

    /* visited entries, with and without a port */
    const redir_span visited[] = {S("db9.example.com.:3306"), S("db8.example.com.")};
    s.visited = visited;
    s.num_visited = 2;
    s.current_host = S("db1.example.com");
    ins.host = S("db9.example.com");
    cr_assert(eq(int, redir_policy_decide(&r, &p, &s, &ins), REDIR_DECISION_REFUSE));
    cr_assert(eq(int, r, REDIR_REASON_LOOP));
    ins.host = S("db8.example.com");
    cr_assert(eq(int, redir_policy_decide(&r, &p, &s, &ins), REDIR_DECISION_REFUSE));
    cr_assert(eq(int, r, REDIR_REASON_LOOP));

    /* only one dot is the root: a shorter or different name is not equal */
    ins.host = S("db2.example.co");
    s.current_host = S("db2.example.com.");
    s.num_visited = 0;
    cr_assert(eq(int, redir_policy_decide(&r, &p, &s, &ins), REDIR_DECISION_FOLLOW));
    ins.host = S("db2.example.com..");
    cr_assert(eq(int, redir_policy_decide(&r, &p, &s, &ins), REDIR_DECISION_FOLLOW));
    /* "." alone is not an empty name */
    ins.host = S(".");
    s.current_host = S("");
    cr_assert(eq(int, redir_policy_decide(&r, &p, &s, &ins), REDIR_DECISION_FOLLOW));
}

/* The security rows hold in every combination of the other inputs: NEVER
 * never follows; a packet before TLS or on a downgraded connection never
 * follows; the ERR and Location carriers never follow outside the login
 * reply; permit DEFAULT never follows without verified TLS. */
Test(review_policy, security_rows_hold_in_every_state) {
    const redir_permit permits[] = {REDIR_PERMIT_DEFAULT, REDIR_PERMIT_ALWAYS,
                                    REDIR_PERMIT_NEVER};
    const redir_carrier carriers[] = {REDIR_CARRIER_SESSION_TRACK, REDIR_CARRIER_ERR,
                                      REDIR_CARRIER_LOCATION};
    size_t follows = 0;
    for (size_t pi = 0; pi < 3; pi++) {
        for (size_t ci = 0; ci < 3; ci++) {
            for (unsigned bits = 0; bits < 256; bits++) {
                redir_policy p;
                redir_conn_state s;
                redir_instruction ins;
                idle_verified(&p, &s, &ins, "db2.example.com", 3306);
                p.permit = permits[pi];
                p.max_hops = 4;
                p.allow_err_carrier = (bits & 0x80) != 0;
                p.allow_location_carrier = (bits & 0x80) != 0;
                ins.carrier = carriers[ci];
                s.tls_requested = (bits & 0x01) != 0;
                s.tls_established = (bits & 0x02) != 0;
                s.cert_verified = (bits & 0x04) != 0;
                s.before_tls = (bits & 0x08) != 0;
                s.login_phase = (bits & 0x10) != 0;
                s.server_status = (bits & 0x20) != 0 ? REDIR_STATUS_IN_TRANS : 0;
                s.hops = (bits & 0x40) != 0 ? 3 : 0;
                redir_reason r;
                redir_decision d = redir_policy_decide(&r, &p, &s, &ins);
                if (d != REDIR_DECISION_FOLLOW) {
                    continue;
                }
                follows++;
                cr_assert(p.permit != REDIR_PERMIT_NEVER, "bits %#x", bits);
                cr_assert(s.before_tls == false, "bits %#x", bits);
                cr_assert(s.tls_established || !s.tls_requested, "bits %#x", bits);
                cr_assert(ins.carrier == REDIR_CARRIER_SESSION_TRACK || s.login_phase,
                          "bits %#x", bits);
                cr_assert(p.permit != REDIR_PERMIT_DEFAULT ||
                              (s.tls_established && s.cert_verified),
                          "bits %#x", bits);
                cr_assert(eq(int, r, REDIR_REASON_FOLLOW_OK));
                cr_assert(eq(u16, s.server_status & REDIR_STATUS_IN_TRANS, 0));
            }
        }
    }
    /* and the table is not vacuous: some states do follow */
    cr_assert(follows > 0);
}

/* ------------------------------------------------------------ extraction */

static redir_ok ok_with_url(const char *url) {
    static uint8_t block[128];
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
    return ok;
}

/* redirect.h and SPEC.md §4.3: on an error in the carrier text the
 * instruction keeps carrier and raw, every other field is zero. The port used
 * to be left at 3306. */
Test(review_extract, carrier_errors_leave_every_other_field_zero) {
    redir_instruction ins;
    redir_diag d;
    redir_ok ok = ok_with_url("mariadb://db2:99999");
    memset(&ins, 0xAB, sizeof ins);
    cr_assert(eq(int, redir_redirect_from_ok(&ins, &d, &ok, true), REDIR_E_URL_PORT_RANGE));
    cr_assert(eq(int, ins.carrier, REDIR_CARRIER_SESSION_TRACK));
    cr_assert(span_is(ins.raw, "mariadb://db2:99999"));
    cr_assert(eq(u16, ins.port, 0));
    cr_assert(eq(sz, ins.host.len, 0));
    cr_assert(ins.has_port == false);

    const char *info = "Location: mysql://db2.example.com";
    memset(&ok, 0, sizeof ok);
    ok.info_form = REDIR_INFO_LENENC;
    ok.info = redir_span_of(guard_copy(1, info, strlen(info)), strlen(info));
    memset(&ins, 0xAB, sizeof ins);
    cr_assert(redir_status_is_error(redir_redirect_from_ok(&ins, &d, &ok, true)));
    cr_assert(eq(int, ins.carrier, REDIR_CARRIER_LOCATION));
    cr_assert(eq(u16, ins.port, 0));

    redir_err e;
    memset(&e, 0, sizeof e);
    e.code = 4196;
    e.message = redir_span_of(guard_copy(2, "|t|h:70000", 10), 10);
    memset(&ins, 0xAB, sizeof ins);
    cr_assert(eq(int, redir_redirect_from_err(&ins, &d, &e, 4196), REDIR_E_URL_PORT_RANGE));
    cr_assert(eq(int, ins.carrier, REDIR_CARRIER_ERR));
    cr_assert(span_is(ins.raw, "|t|h:70000"));
    cr_assert(eq(u16, ins.port, 0));
    cr_assert(eq(sz, ins.text.len, 0));

    /* success still reports the default port when none is written */
    ok = ok_with_url("mysql://db3");
    cr_assert(eq(int, redir_redirect_from_ok(&ins, &d, &ok, false), REDIR_OK));
    cr_assert(eq(u16, ins.port, REDIR_DEFAULT_PORT));
    cr_assert(ins.has_port == false);
    e.message = redir_span_of(guard_copy(2, "|t|h", 4), 4);
    cr_assert(eq(int, redir_redirect_from_err(&ins, &d, &e, 4196), REDIR_OK));
    cr_assert(eq(u16, ins.port, REDIR_DEFAULT_PORT));
}

/* ------------------------------------------------------------ Location builder */

/* The builder refuses a host or user that the Location grammar (SPEC.md §3.4)
 * cannot carry, instead of writing a line that no parser, the library's own
 * included, reads back. */
Test(review_build, location_refuses_what_the_grammar_cannot_carry) {
    static char h128[129];
    static char h129[130];
    memset(h128, 'h', 128);
    memset(h129, 'h', 129);
    struct {
        redir_location_form form;
        const char *host;
        const char *user;
    } bad[] = {
        {REDIR_LOCATION_COMMUNITY, "a b", "u"},  {REDIR_LOCATION_AZURE, "a b", "u"},
        {REDIR_LOCATION_COMMUNITY, "a?b", "u"},  {REDIR_LOCATION_AZURE, "a@b", "u"},
        {REDIR_LOCATION_AZURE, "a&b", "u"},      {REDIR_LOCATION_COMMUNITY, "a[b", "u"},
        {REDIR_LOCATION_AZURE, "[x", "u"},       {REDIR_LOCATION_AZURE, "h\xc3\xa4", "u"},
        {REDIR_LOCATION_COMMUNITY, h129, "u"},   {REDIR_LOCATION_AZURE, "h", h129},
        {REDIR_LOCATION_COMMUNITY, "h", "\x7f"},
    };
    uint8_t buf[512];
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        size_t len = 77;
        cr_assert(eq(int,
                     redir_build_location_ok(buf, sizeof buf, &len, 2, CAPS, 0, bad[i].form,
                                             S(bad[i].host), 3306, S(bad[i].user), 60),
                     REDIR_E_INVALID_ARGUMENT),
                  "case %zu", i);
        cr_assert(eq(sz, len, 0), "case %zu", i);
    }

    /* the limits themselves are carried, and read back exactly */
    struct {
        redir_location_form form;
        const char *host;
        const char *user;
    } good[] = {
        {REDIR_LOCATION_COMMUNITY, h128, h128},
        {REDIR_LOCATION_AZURE, h128, "a b/c?d@e\xc3\xa4"},
        {REDIR_LOCATION_COMMUNITY, "fe80::1%eth0", "u"},
        {REDIR_LOCATION_AZURE, "!#$%'()*+,-.;<=>^_`{|}~", "u"},
    };
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        size_t len = 0;
        cr_assert(eq(int,
                     redir_build_location_ok(buf, sizeof buf, &len, 2, CAPS, 0, good[i].form,
                                             S(good[i].host), 3306, S(good[i].user), 60),
                     REDIR_OK),
                  "case %zu", i);
        redir_ok ok;
        redir_diag d;
        const uint8_t *g = guard_copy(3, buf + 4, len - 4);
        cr_assert(eq(int, redir_ok_decode(&ok, &d, g, len - 4, CAPS), REDIR_OK));
        redir_instruction ins;
        cr_assert(eq(int, redir_redirect_from_ok(&ins, &d, &ok, true), REDIR_OK), "case %zu", i);
        cr_assert(span_is(ins.host, good[i].host), "case %zu", i);
        cr_assert(span_is(ins.user, good[i].user), "case %zu", i);
        cr_assert(eq(u16, ins.port, 3306));
    }
}

/* ------------------------------------------------------------ target cache */

/* A miss leaves no stale view behind: the outputs are cleared, so a caller
 * that reads them anyway gets an empty host and port 0, not whatever was in
 * its variables. */
Test(review_cache, miss_clears_the_outputs) {
    redir_target_cache c;
    redir_target_cache_init(&c);
    redir_span t = S("stale");
    uint16_t tp = 4242;
    cr_assert(eq(int, redir_target_cache_lookup(&c, &t, &tp, S("gw"), 3306, 0), REDIR_NOT_FOUND));
    cr_assert(eq(sz, t.len, 0));
    cr_assert(t.ptr == NULL);
    cr_assert(eq(u16, tp, 0));

    cr_assert(eq(int, redir_target_cache_store(&c, S("gw"), 3306, S("db7"), 3310, 100, 0), REDIR_OK));
    t = S("stale");
    tp = 4242;
    cr_assert(eq(int, redir_target_cache_lookup(&c, &t, &tp, S("gw"), 3307, 1), REDIR_NOT_FOUND));
    cr_assert(eq(sz, t.len, 0));
    cr_assert(eq(u16, tp, 0));
    t = S("stale");
    tp = 4242;
    cr_assert(eq(int, redir_target_cache_lookup(&c, &t, &tp, S("gw"), 3306, 100), REDIR_NOT_FOUND));
    cr_assert(eq(sz, t.len, 0));
    cr_assert(eq(u16, tp, 0));
}

/* A short (pre-4.1) greeting has no place for the fields after the low
 * capability bits: the encoder must refuse non-zero values there instead of
 * dropping them. */
Test(review_regressions, short_greeting_refuses_fields_it_cannot_carry) {
    static const uint8_t a1[8] = {'a', 'a', 'a', 'a', 'a', 'a', 'a', 'a'};
    redir_greeting g;
    memset(&g, 0, sizeof g);
    g.server_version = redir_span_of("v", 1);
    g.auth_data1 = redir_span_of(a1, 8);
    g.capabilities = 0x0200;
    g.has_ext = false;
    uint8_t buf[64];
    size_t n;
    cr_assert(eq(int, redir_greeting_encode(buf, sizeof buf, &n, &g), REDIR_OK));
    cr_assert(eq(sz, n, 18));
    g.charset = 8;
    cr_assert(eq(int, redir_greeting_encode(buf, sizeof buf, &n, &g), REDIR_E_INVALID_ARGUMENT));
    g.charset = 0;
    g.status = 2;
    cr_assert(eq(int, redir_greeting_encode(buf, sizeof buf, &n, &g), REDIR_E_INVALID_ARGUMENT));
    g.status = 0;
    g.auth_data_len = 21;
    cr_assert(eq(int, redir_greeting_encode(buf, sizeof buf, &n, &g), REDIR_E_INVALID_ARGUMENT));
    g.auth_data_len = 0;
    g.reserved[9] = 1;
    cr_assert(eq(int, redir_greeting_encode(buf, sizeof buf, &n, &g), REDIR_E_INVALID_ARGUMENT));
}

/* A zstd level without its presence flag would be dropped on the wire. */
Test(review_regressions, response_refuses_zstd_level_without_flag) {
    redir_handshake_response r;
    memset(&r, 0, sizeof r);
    r.capabilities = REDIR_CLIENT_PROTOCOL_41 | REDIR_CLIENT_SECURE_CONNECTION;
    uint8_t buf[64];
    size_t n;
    cr_assert(eq(int, redir_handshake_response_encode(buf, sizeof buf, &n, &r), REDIR_OK));
    r.zstd_level = 5;
    cr_assert(eq(int, redir_handshake_response_encode(buf, sizeof buf, &n, &r),
                 REDIR_E_INVALID_ARGUMENT));
    r.capabilities |= REDIR_CLIENT_ZSTD_COMPRESSION;
    r.has_zstd_level = true;
    cr_assert(eq(int, redir_handshake_response_encode(buf, sizeof buf, &n, &r), REDIR_OK));
    redir_handshake_response back;
    cr_assert(eq(int, redir_handshake_response_decode(&back, NULL, buf, n), REDIR_OK));
    cr_assert(eq(u8, back.zstd_level, 5));
}

/* SSLRequest truncation names the field that is cut, like every decoder. */
Test(review_regressions, ssl_request_truncation_offset) {
    const uint8_t in[] = {0x00, 0x0a, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x21, 0x00};
    const uint8_t *g = guard_copy(0, in, sizeof in);
    redir_handshake_response r;
    redir_diag d;
    cr_assert(eq(int, redir_ssl_request_decode(&r, &d, g, sizeof in), REDIR_E_TRUNCATED));
    cr_assert(eq(sz, d.offset, 9));
    cr_assert(eq(sz, d.needed, 22));
}
