/* The server engine talking to the client engine, in memory: each redirect
 * carrier at login, a redirect in the OK of a later query, inside a
 * transaction, while commands are pipelined, in the OK that ends a result
 * set, and a plaintext ERR redirect where TLS was due. The "TLS" between the
 * two is a pass-through (both engines are told it is up), so what is tested
 * is the protocol: the packets the server engine writes and what the
 * client engine and its policy make of them. */
#include <criterion/criterion.h>
#include <criterion/new/assert.h>
#include <string.h>

#include "redir/redir.h"

typedef struct script script;
typedef void (*login_fn)(redir_server *srv);
typedef void (*command_fn)(redir_server *srv, const redir_server_event *ev, size_t nth);

struct script {
    login_fn login;
    command_fn command;
    bool refuse_tls_with_err; /* answer the SSLRequest with a plaintext ERR redirect */
};

#define MAX_REDIRECTS 8

typedef struct redirect_seen {
    redir_decision decision;
    redir_reason reason;
    bool deferred;
    redir_carrier carrier;
    uint16_t port;
    char host[64];
} redirect_seen;

typedef struct pair {
    redir_server srv;
    redir_client cli;
    uint8_t s_in[4096], s_out[4096];
    uint8_t c_in[4096], c_join[4096], c_out[4096];
    const script *sc;
    size_t commands;
    bool logged_in;
    bool client_error;
    redir_status client_status;
    size_t responses;
    redirect_seen redirects[MAX_REDIRECTS];
    size_t num_redirects;
} pair;

static pair P;

static redir_span lit(const char *s) { return redir_span_of(s, strlen(s)); }

static void start_pair(pair *p, const script *sc) {
    memset(p, 0, sizeof *p);
    p->sc = sc;
    redir_server_config scfg;
    redir_server_config_init(&scfg);
    memcpy(scfg.scramble, "abcdefghij0123456789", 20);
    scfg.connection_id = 5;
    scfg.offer_tls = true;
    scfg.status = REDIR_STATUS_AUTOCOMMIT;
    scfg.in_buf = p->s_in;
    scfg.in_cap = sizeof p->s_in;
    scfg.out_buf = p->s_out;
    scfg.out_cap = sizeof p->s_out;
    cr_assert(eq(int, redir_server_init(&p->srv, NULL, &scfg), REDIR_OK));

    redir_client_config ccfg;
    redir_client_config_init(&ccfg); /* TLS required, default policy */
    ccfg.user = lit("alice");
    ccfg.host = lit("db1.example.com");
    ccfg.port = 3306;
    ccfg.in_buf = p->c_in;
    ccfg.in_cap = sizeof p->c_in;
    ccfg.join_buf = p->c_join;
    ccfg.join_cap = sizeof p->c_join;
    ccfg.out_buf = p->c_out;
    ccfg.out_cap = sizeof p->c_out;
    cr_assert(eq(int, redir_client_init(&p->cli, NULL, &ccfg), REDIR_OK));
}

static bool server_turn(pair *p) {
    bool moved = false;
    redir_span out = redir_client_output(&p->cli);
    if (out.len > 0) {
        size_t taken;
        cr_assert(eq(int, redir_server_feed(&p->srv, &taken, out.ptr, out.len), REDIR_OK));
        redir_client_output_consume(&p->cli, taken);
        moved = moved || taken > 0;
    }
    redir_server_event ev;
    while (redir_server_next(&p->srv, &ev) == REDIR_OK) {
        moved = true;
        switch (ev.type) {
        case REDIR_SERVER_EV_START_TLS:
            if (p->sc->refuse_tls_with_err) {
                cr_assert(eq(int,
                             redir_server_err_redirect(&p->srv, NULL, 4196, lit("HY000"),
                                                       lit("moved"), lit("evil.example.com"),
                                                       3306),
                             REDIR_OK));
            } else {
                cr_assert(eq(int, redir_server_tls_done(&p->srv), REDIR_OK));
            }
            break;
        case REDIR_SERVER_EV_HANDSHAKE_RESPONSE:
            cr_assert(ev.tls);
            cr_assert(ev.response.user.len == 5 && memcmp(ev.response.user.ptr, "alice", 5) == 0);
            p->sc->login(&p->srv);
            break;
        case REDIR_SERVER_EV_COMMAND:
            p->sc->command(&p->srv, &ev, p->commands++);
            break;
        case REDIR_SERVER_EV_CLOSED:
            break;
        default:
            cr_assert(0, "server event %d (status %s)", (int)ev.type,
                      redir_status_name(ev.status));
        }
    }
    return moved;
}

static bool client_turn(pair *p) {
    bool moved = false;
    size_t len;
    const uint8_t *out = redir_server_output(&p->srv, &len);
    if (len > 0) {
        size_t taken = 0;
        if (redir_client_feed(&p->cli, &taken, out, len) == REDIR_OK) {
            redir_server_output_consume(&p->srv, taken);
            moved = taken > 0;
        }
    }
    redir_client_event ev;
    while (redir_client_next(&p->cli, &ev) == REDIR_OK) {
        moved = true;
        switch (ev.type) {
        case REDIR_CLIENT_EV_START_TLS:
            /* the SSLRequest goes first, then the pass-through "TLS" is up;
             * a server that answers in plaintext instead leaves the client
             * in its TLS handshake, reading those bytes */
            server_turn(p);
            if (!p->sc->refuse_tls_with_err) {
                cr_assert(eq(int, redir_client_tls_done(&p->cli, true), REDIR_OK));
            }
            break;
        case REDIR_CLIENT_EV_AUTH_NEEDED:
            cr_assert(eq(int,
                         redir_client_auth_reply(&p->cli, NULL,
                                                 (const uint8_t *)"01234567890123456789", 20),
                         REDIR_OK));
            break;
        case REDIR_CLIENT_EV_LOGGED_IN:
            p->logged_in = true;
            break;
        case REDIR_CLIENT_EV_REDIRECT: {
            cr_assert(lt(sz, p->num_redirects, MAX_REDIRECTS));
            redirect_seen *r = &p->redirects[p->num_redirects++];
            r->decision = ev.decision;
            r->reason = ev.reason;
            r->deferred = ev.deferred;
            r->carrier = ev.redirect.carrier;
            r->port = ev.redirect.port;
            size_t n = ev.redirect.host.len < sizeof r->host - 1 ? ev.redirect.host.len
                                                                 : sizeof r->host - 1;
            memcpy(r->host, ev.redirect.host.ptr, n);
            r->host[n] = '\0';
            break;
        }
        case REDIR_CLIENT_EV_RESPONSE:
            p->responses++;
            break;
        case REDIR_CLIENT_EV_ERROR:
            p->client_error = true;
            p->client_status = ev.status;
            break;
        default:
            break;
        }
    }
    return moved;
}

/* Runs both engines until neither moves. */
static void settle(pair *p) {
    for (int i = 0; i < 100; i++) {
        bool a = server_turn(p);
        bool b = client_turn(p);
        if (!a && !b) {
            return;
        }
    }
    cr_assert(0, "the engines did not settle");
}

static void query(pair *p, const char *sql) {
    uint8_t buf[128];
    size_t n = strlen(sql);
    buf[0] = REDIR_COM_QUERY;
    memcpy(buf + 1, sql, n);
    cr_assert(eq(int, redir_client_command(&p->cli, NULL, buf, n + 1), REDIR_OK));
}

static void expect_redirect(const pair *p, size_t i, redir_decision d, redir_reason r,
                            bool deferred) {
    cr_assert(lt(sz, i, p->num_redirects), "redirect %zu was reported", i);
    const redirect_seen *s = &p->redirects[i];
    cr_assert(eq(int, s->decision, d), "redirect %zu: decision %d, reason %s", i,
              (int)s->decision, redir_reason_name(s->reason));
    cr_assert(eq(int, s->reason, r), "redirect %zu: reason %s", i, redir_reason_name(s->reason));
    cr_assert(eq(int, s->deferred, deferred));
}

/* ---------------------------------------------------------------- answers */

static const char TARGET_URL[] = "mariadb://db2.example.com:3307";

static void login_plain(redir_server *srv) {
    redir_ok ok;
    memset(&ok, 0, sizeof ok);
    ok.status = REDIR_STATUS_AUTOCOMMIT;
    cr_assert(eq(int, redir_server_ok(srv, NULL, &ok), REDIR_OK));
}

static void login_session_track(redir_server *srv) {
    cr_assert(eq(int,
                 redir_server_ok_redirect(srv, NULL, REDIR_STATUS_AUTOCOMMIT, lit(TARGET_URL),
                                          NULL, 0),
                 REDIR_OK));
}

static void login_err(redir_server *srv) {
    cr_assert(eq(int,
                 redir_server_err_redirect(srv, NULL, 4196, lit("HY000"), lit("moved"),
                                           lit("db2.example.com"), 3307),
                 REDIR_OK));
}

static void login_location(redir_server *srv) {
    cr_assert(eq(int,
                 redir_server_location_ok(srv, NULL, REDIR_STATUS_AUTOCOMMIT,
                                          REDIR_LOCATION_COMMUNITY, lit("db2.example.com"), 3307,
                                          lit("alice"), 60),
                 REDIR_OK));
}

static void ok_status(redir_server *srv, uint16_t status) {
    redir_ok ok;
    memset(&ok, 0, sizeof ok);
    ok.status = status;
    cr_assert(eq(int, redir_server_ok(srv, NULL, &ok), REDIR_OK));
}

static void no_commands(redir_server *srv, const redir_server_event *ev, size_t nth) {
    (void)srv;
    (void)nth;
    cr_assert(eq(u8, ev->command, REDIR_COM_QUIT), "no command expected");
}

/* The first command opens a transaction and gets the redirect; the second
 * (COMMIT) closes it. */
static void in_transaction(redir_server *srv, const redir_server_event *ev, size_t nth) {
    (void)ev;
    if (nth == 0) {
        cr_assert(eq(int,
                     redir_server_ok_redirect(srv, NULL,
                                              REDIR_STATUS_AUTOCOMMIT | REDIR_STATUS_IN_TRANS,
                                              lit(TARGET_URL), NULL, 0),
                     REDIR_OK));
    } else {
        ok_status(srv, REDIR_STATUS_AUTOCOMMIT);
    }
}

/* The first answer carries the redirect, the others are plain. */
static void first_redirects(redir_server *srv, const redir_server_event *ev, size_t nth) {
    (void)ev;
    if (nth == 0) {
        cr_assert(eq(int,
                     redir_server_ok_redirect(srv, NULL, REDIR_STATUS_AUTOCOMMIT,
                                              lit(TARGET_URL), NULL, 0),
                     REDIR_OK));
    } else {
        ok_status(srv, REDIR_STATUS_AUTOCOMMIT);
    }
}

/* A one-row result set whose closing OK carries the redirect. */
static void rows_then_redirect(redir_server *srv, const redir_server_event *ev, size_t nth) {
    (void)ev;
    (void)nth;
    cr_assert(ne(u64, redir_server_negotiated(srv) & REDIR_CLIENT_DEPRECATE_EOF, 0));
    /* column count 1; column "1" (no extended metadata: the client engine
     * does not ask for MariaDB's extended capabilities); row "1" */
    static const uint8_t count[] = {0x01};
    static const uint8_t column[] = {0x03, 'd', 'e', 'f', 0, 0, 0, 1, '1', 0, 0x0c, 0x3f, 0,
                                     1,    0,   0,   0,   8, 0x81, 0, 0, 0, 0};
    static const uint8_t row[] = {0x01, '1'};
    cr_assert(eq(int, redir_server_send(srv, NULL, count, sizeof count), REDIR_OK));
    cr_assert(eq(int, redir_server_send(srv, NULL, column, sizeof column), REDIR_OK));
    cr_assert(eq(int, redir_server_columns_end(srv, NULL, 0, REDIR_STATUS_AUTOCOMMIT), REDIR_OK));
    cr_assert(eq(int, redir_server_send(srv, NULL, row, sizeof row), REDIR_OK));
    uint8_t block[64];
    size_t blen = 0;
    cr_assert(eq(int, redir_session_append_sysvar(block, sizeof block, &blen, lit("redirect_url"),
                                               lit(TARGET_URL)),
                 REDIR_OK));
    cr_assert(eq(int,
                 redir_server_rows_end_state(srv, NULL, 0, REDIR_STATUS_AUTOCOMMIT,
                                             redir_span_of(block, blen)),
                 REDIR_OK));
}

/* ---------------------------------------------------------------- tests */

static void login_redirect_followed(const script *sc, redir_carrier carrier) {
    start_pair(&P, sc);
    settle(&P);
    cr_assert(eq(sz, P.num_redirects, 1));
    expect_redirect(&P, 0, REDIR_DECISION_FOLLOW, REDIR_REASON_FOLLOW_OK, false);
    cr_assert(eq(int, P.redirects[0].carrier, carrier));
    cr_assert(strcmp(P.redirects[0].host, "db2.example.com") == 0, "host %s", P.redirects[0].host);
    cr_assert(eq(u16, P.redirects[0].port, 3307));
}

Test(server_client, login_redirect_by_session_track) {
    static const script sc = {login_session_track, no_commands, false};
    login_redirect_followed(&sc, REDIR_CARRIER_SESSION_TRACK);
    cr_assert(P.logged_in);
}

Test(server_client, login_redirect_by_err) {
    static const script sc = {login_err, no_commands, false};
    login_redirect_followed(&sc, REDIR_CARRIER_ERR);
    cr_assert(redir_server_finished(&P.srv));
}

Test(server_client, login_redirect_by_location) {
    static const script sc = {login_location, no_commands, false};
    login_redirect_followed(&sc, REDIR_CARRIER_LOCATION);
}

Test(server_client, redirect_in_the_ok_of_a_later_query) {
    static const script sc = {login_plain, first_redirects, false};
    start_pair(&P, &sc);
    settle(&P);
    cr_assert(P.logged_in);
    cr_assert(eq(sz, P.num_redirects, 0));
    query(&P, "SELECT 1");
    settle(&P);
    cr_assert(eq(sz, P.num_redirects, 1));
    expect_redirect(&P, 0, REDIR_DECISION_FOLLOW, REDIR_REASON_FOLLOW_OK, false);
}

Test(server_client, redirect_inside_a_transaction_waits_until_commit) {
    static const script sc = {login_plain, in_transaction, false};
    start_pair(&P, &sc);
    settle(&P);
    query(&P, "UPDATE t SET a = 1");
    settle(&P);
    cr_assert(eq(sz, P.num_redirects, 1));
    expect_redirect(&P, 0, REDIR_DECISION_DEFER, REDIR_REASON_IN_TRANSACTION, false);
    query(&P, "COMMIT");
    settle(&P);
    cr_assert(eq(sz, P.num_redirects, 2));
    expect_redirect(&P, 1, REDIR_DECISION_FOLLOW, REDIR_REASON_FOLLOW_OK, true);
    cr_assert(strcmp(P.redirects[1].host, "db2.example.com") == 0, "host %s", P.redirects[1].host);
}

Test(server_client, redirect_while_commands_are_pipelined_waits_for_the_responses) {
    static const script sc = {login_plain, first_redirects, false};
    start_pair(&P, &sc);
    settle(&P);
    query(&P, "SELECT 1");
    query(&P, "SELECT 2");
    query(&P, "SELECT 3");
    cr_assert(eq(sz, redir_client_in_flight(&P.cli), 3));
    settle(&P);
    cr_assert(eq(sz, P.commands, 3), "the server engine read all three, one at a time");
    cr_assert(eq(sz, P.num_redirects, 2));
    expect_redirect(&P, 0, REDIR_DECISION_DEFER, REDIR_REASON_COMMANDS_IN_FLIGHT, false);
    expect_redirect(&P, 1, REDIR_DECISION_FOLLOW, REDIR_REASON_FOLLOW_OK, true);
    cr_assert(eq(sz, redir_client_in_flight(&P.cli), 0));
}

Test(server_client, redirect_in_the_ok_that_ends_a_result_set) {
    static const script sc = {login_plain, rows_then_redirect, false};
    start_pair(&P, &sc);
    settle(&P);
    query(&P, "SELECT 1");
    settle(&P);
    cr_assert(ge(sz, P.responses, 4), "column count, definition, row, closing OK");
    cr_assert(eq(sz, P.num_redirects, 1));
    expect_redirect(&P, 0, REDIR_DECISION_FOLLOW, REDIR_REASON_FOLLOW_OK, false);
    cr_assert(not(P.client_error));
}

Test(server_client, plaintext_err_redirect_where_tls_was_due_is_not_followed) {
    static const script sc = {login_plain, no_commands, true};
    start_pair(&P, &sc);
    settle(&P);
    cr_assert(redir_server_finished(&P.srv));
    for (size_t i = 0; i < P.num_redirects; i++) {
        cr_assert(ne(int, P.redirects[i].decision, REDIR_DECISION_FOLLOW),
                  "a redirect before TLS is never followed");
    }
    cr_assert(P.client_error);
    cr_assert(eq(int, P.client_status, REDIR_E_BEFORE_TLS), "client error %s",
              redir_status_name(P.client_status));
    cr_assert(not(P.logged_in));
}
