/* redir serve --scenario: the conformance kit. Each scenario is a scripted
 * server (the address the client is pointed at, listener 0) plus targets it
 * listens on itself (listeners 1..), so that one command shows where the
 * client goes next. The judge watches logins, commands and closes on every
 * listener and prints PASS or FAIL with the reason. */
#include <ctype.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "serve.h"

typedef enum scen_kind {
    K_LOGIN_SESSION_TRACK,
    K_LOGIN_ERR,
    K_LOGIN_LOCATION,
    K_MID_SESSION,
    K_IN_TRANSACTION,
    K_PIPELINED,
    K_SAME_SERVER,
    K_LOOP,
    K_HOP_LIMIT,
    K_INVALID_URL,
    K_TLS_BEFORE_HANDSHAKE,
    K_TLS_DOWNGRADE,
    K_TLS_UNVERIFIED
} scen_kind;

typedef struct scen_def {
    const char *name;
    scen_kind kind;
    unsigned targets; /* listeners besides the server */
    const char *desc;
} scen_def;

#define HOP_CHAIN 10

static const scen_def scenarios[] = {
    {"login-session-track", K_LOGIN_SESSION_TRACK, 1,
     "the login OK carries redirect_url (MariaDB 11.3+): log in at the target"},
    {"login-err", K_LOGIN_ERR, 1,
     "the login is answered by the ERR carrier |text|host:port: log in at the target"},
    {"login-location", K_LOGIN_LOCATION, 1,
     "the login OK's info is a Location: mysql://... line: log in at the target"},
    {"mid-session", K_MID_SESSION, 1,
     "the OK of the first command carries redirect_url: reconnect to the target"},
    {"in-transaction", K_IN_TRANSACTION, 1,
     "redirect_url arrives inside a transaction (IN_TRANS): follow only after COMMIT"},
    {"pipelined", K_PIPELINED, 1,
     "redirect_url answers the first of pipelined commands: follow after the last answer"},
    {"same-server", K_SAME_SERVER, 0,
     "redirect_url names the server itself: ignore it and keep the connection"},
    {"loop", K_LOOP, 1,
     "the target redirects back to the server: follow once, never back"},
    {"hop-limit", K_HOP_LIMIT, HOP_CHAIN,
     "every target redirects to the next, 10 in a row: stop at the client's hop limit"},
    {"invalid-url", K_INVALID_URL, 1,
     "redirect_url is mariadb://:PORT (no host): ignore it and keep the connection"},
    {"tls-before-handshake", K_TLS_BEFORE_HANDSHAKE, 1,
     "a plaintext ERR redirect answers the SSLRequest (CONC-648): refuse it"},
    {"tls-downgrade", K_TLS_DOWNGRADE, 1,
     "the greeting stops offering TLS to a client that requires it: refuse to log in"},
    {"tls-unverified", K_TLS_UNVERIFIED, 1,
     "redirect over TLS with a certificate no CA vouches for: do not follow"},
};

#define NUM_SCENARIOS (sizeof scenarios / sizeof scenarios[0])

static const scen_def *find(const char *name) {
    for (size_t i = 0; i < NUM_SCENARIOS; i++) {
        if (strcmp(scenarios[i].name, name) == 0) {
            return &scenarios[i];
        }
    }
    return NULL;
}

bool serve_scenario_exists(const char *name) { return find(name) != NULL; }

void serve_scenario_list(FILE *out) {
    for (size_t i = 0; i < NUM_SCENARIOS; i++) {
        fprintf(out, "%-21s %s\n", scenarios[i].name, scenarios[i].desc);
    }
}

/* ------------------------------------------------------------ the state */

#define LINGER_MS 3000 /* after the verdict, let the client finish its work */
#define QUIET_MS 1000  /* after the last close, wait this long for a late reconnect */
#define HOLD_MS 300    /* pipelined: how long answers are held back */

typedef struct scen {
    const scen_def *def;
    const serve_options *o;
    serve_loop *loop;
    FILE *log;
    unsigned num_listeners;
    char host[SERVE_HOST_MAX];
    uint16_t port[SERVE_MAX_LISTENERS];
    char url[SERVE_MAX_LISTENERS][SERVE_HOST_MAX + 32];
    serve_target target[SERVE_MAX_LISTENERS];
    bool tls_available;
    uint64_t start_ms;

    /* observations */
    uint32_t client_id;          /* the first connection to the server: the one judged */
    unsigned open_conns;
    unsigned logins[SERVE_MAX_LISTENERS];
    uint64_t first_login_ms[SERVE_MAX_LISTENERS];
    bool login_tls[SERVE_MAX_LISTENERS];
    char user[SERVE_USER_MAX];
    bool asked_tls;              /* the client sent an SSLRequest */
    bool client_login;           /* it sent its handshake response */
    bool client_tls;             /* ... over TLS */
    bool client_tls_failed;
    bool client_closed;
    unsigned client_commands;
    bool redirect_sent;
    uint64_t redirect_ms;
    bool in_trans;
    uint64_t trans_end_ms;       /* the OK that ended the transaction went out */
    /* pipelined */
    serve_conn *held;            /* a command waiting for its answer */
    uint64_t hold_until;
    bool answering_first;        /* inside the call that answers the first command */
    unsigned pipelined;          /* commands found waiting behind the first */
    unsigned to_answer;          /* pipelined commands still unanswered */
    uint64_t pipeline_done_ms;
    uint64_t last_close_ms;

    /* verdict */
    bool decided;
    bool pass;
    char reason[600];
    uint64_t decided_ms;
} scen;

__attribute__((format(printf, 3, 4))) static void verdict(scen *s, bool pass, const char *fmt,
                                                         ...) {
    if (s->decided) {
        return;
    }
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(s->reason, sizeof s->reason, fmt, ap);
    va_end(ap);
    s->decided = true;
    s->pass = pass;
    s->decided_ms = serve_now_ms();
}

static redir_span span_str(const char *s) { return redir_span_of(s, strlen(s)); }

/* ------------------------------------------------------------- answers */

static void answer_ok(serve_conn *c, uint16_t status) {
    redir_ok ok;
    memset(&ok, 0, sizeof ok);
    ok.status = status;
    redir_diag d;
    if (redir_server_ok(&c->srv, &d, &ok) != REDIR_OK) {
        serve_conn_finish(c, "error");
    }
}

static bool starts_with_word(redir_span sql, const char *word) {
    size_t i = 0;
    while (i < sql.len && isspace(sql.ptr[i])) {
        i++;
    }
    size_t n = strlen(word);
    return sql.len - i >= n && strncasecmp((const char *)sql.ptr + i, word, n) == 0;
}

/* A command that carries no redirect: a SELECT gets the identity row (so a
 * client shows which port it is on), anything else an OK. */
static void answer_plain(scen *s, serve_conn *c, const redir_server_event *ev, uint16_t status) {
    if (ev->command == REDIR_COM_QUERY && starts_with_word(ev->body, "SELECT")) {
        redir_status st = serve_answer_identity(c, s->port[c->listener], status);
        if (st != REDIR_OK) {
            snprintf(c->detail, sizeof c->detail, "%s", redir_status_name(st));
            serve_conn_finish(c, "error");
        }
        return;
    }
    answer_ok(c, status);
}

static void answer_redirect(scen *s, serve_conn *c, uint16_t status, const char *url) {
    redir_diag d;
    if (!(redir_server_negotiated(&c->srv) & REDIR_CLIENT_SESSION_TRACK)) {
        answer_ok(c, status);
        if (c->id == s->client_id) {
            verdict(s, false,
                    "the client did not negotiate CLIENT_SESSION_TRACK, so it cannot receive "
                    "redirect_url");
        }
        return;
    }
    if (redir_server_ok_redirect(&c->srv, &d, status, span_str(url), NULL, 0) != REDIR_OK) {
        serve_conn_finish(c, "error");
        return;
    }
    if (!s->redirect_sent) {
        s->redirect_sent = true;
        s->redirect_ms = serve_now_ms();
    }
}

/* The login on the server (listener 0). */
static void server_login(scen *s, serve_conn *c, const redir_server_event *ev) {
    const serve_options *o = s->o;
    bool judged = c->id == s->client_id;
    switch (s->def->kind) {
    case K_LOGIN_SESSION_TRACK:
    case K_SAME_SERVER:
    case K_LOOP:
    case K_HOP_LIMIT:
    case K_TLS_UNVERIFIED:
    case K_TLS_DOWNGRADE:
        if (judged) {
            answer_redirect(s, c, REDIR_STATUS_AUTOCOMMIT,
                            s->def->kind == K_SAME_SERVER ? s->url[0] : s->url[1]);
            return;
        }
        break;
    case K_INVALID_URL:
        if (judged) {
            char bad[64];
            snprintf(bad, sizeof bad, "mariadb://:%u", (unsigned)s->port[1]);
            answer_redirect(s, c, REDIR_STATUS_AUTOCOMMIT, bad);
            return;
        }
        break;
    case K_LOGIN_ERR:
    case K_TLS_BEFORE_HANDSHAKE:
        if (judged) {
            if (serve_send_redirect(c, REDIR_CARRIER_ERR, o->err_code, o->message, &s->target[1],
                                    ev) == REDIR_OK) {
                s->redirect_sent = true;
                s->redirect_ms = serve_now_ms();
            }
            return;
        }
        break;
    case K_LOGIN_LOCATION:
        if (judged) {
            redir_status st = serve_send_redirect(c, REDIR_CARRIER_LOCATION, o->err_code,
                                                  o->message, &s->target[1], ev);
            if (st == REDIR_OK) {
                s->redirect_sent = true;
                s->redirect_ms = serve_now_ms();
            } else if (st == REDIR_NOT_FOUND) {
                verdict(s, false, "the user name cannot travel in a Location: line");
            }
            return;
        }
        break;
    default:
        break;
    }
    answer_ok(c, REDIR_STATUS_AUTOCOMMIT);
}

/* A command on the judged connection. */
static void server_command(scen *s, serve_conn *c, const redir_server_event *ev) {
    uint64_t now = serve_now_ms();
    switch (s->def->kind) {
    case K_MID_SESSION:
        if (!s->redirect_sent) {
            answer_redirect(s, c, REDIR_STATUS_AUTOCOMMIT, s->url[1]);
            return;
        }
        break;
    case K_IN_TRANSACTION: {
        bool begin = ev->command == REDIR_COM_QUERY && (starts_with_word(ev->body, "BEGIN") ||
                                                        starts_with_word(ev->body, "START"));
        bool end = ev->command == REDIR_COM_QUERY && (starts_with_word(ev->body, "COMMIT") ||
                                                      starts_with_word(ev->body, "ROLLBACK"));
        uint16_t in_trans = REDIR_STATUS_AUTOCOMMIT | REDIR_STATUS_IN_TRANS;
        if (s->trans_end_ms != 0) {
            break;
        }
        if (end && s->redirect_sent) {
            s->in_trans = false;
            answer_ok(c, REDIR_STATUS_AUTOCOMMIT);
            s->trans_end_ms = now;
            return;
        }
        if (begin || s->redirect_sent) {
            s->in_trans = true;
            answer_ok(c, in_trans);
            return;
        }
        /* the first statement: the transaction is open when its OK arrives */
        s->in_trans = true;
        answer_redirect(s, c, in_trans, s->url[1]);
        return;
    }
    case K_PIPELINED:
        if (s->answering_first) {
            s->pipelined++;
            s->to_answer++;
        }
        if (!s->redirect_sent || s->to_answer > 0) {
            s->held = c; /* answered from the timer */
            s->hold_until = now + HOLD_MS;
            return;
        }
        break;
    default:
        break;
    }
    answer_plain(s, c, ev, REDIR_STATUS_AUTOCOMMIT);
}

/* A login at a target: chain links redirect on, the rest accept. */
static void target_login(scen *s, serve_conn *c) {
    unsigned k = c->listener;
    if (s->def->kind == K_LOOP && k == 1) {
        answer_redirect(s, c, REDIR_STATUS_AUTOCOMMIT, s->url[0]);
        return;
    }
    if (s->def->kind == K_HOP_LIMIT && k < HOP_CHAIN) {
        answer_redirect(s, c, REDIR_STATUS_AUTOCOMMIT, s->url[k + 1]);
        return;
    }
    answer_ok(c, REDIR_STATUS_AUTOCOMMIT);
}

/* ------------------------------------------------------------ the judge */

static const char *tls_hint(const scen *s) {
    if (s->client_tls) {
        return "";
    }
    return s->tls_available
               ? " (it logged in without TLS: under the default policy clients follow only over "
                 "TLS with a verified certificate; run it with TLS and the CA)"
               : " (it logged in without TLS: under the default policy clients follow only over "
                 "TLS with a verified certificate; give --tls-cert/--tls-key and run the client "
                 "with TLS and the CA, or allow redirects without TLS in the client)";
}

static unsigned deepest_login(const scen *s) {
    unsigned d = 0;
    for (unsigned k = 1; k < s->num_listeners; k++) {
        if (s->logins[k] > 0) {
            d = k;
        }
    }
    return d;
}

/* Decides as soon as something decisive happened; final: nothing more will
 * happen (the client left, or time is up). */
static void judge(scen *s, bool final, bool timed_out) {
    if (s->decided) {
        return;
    }
    const char *where = s->url[1];
    bool arrived = s->num_listeners > 1 && s->logins[1] > 0;
    bool back = s->logins[0] > 1; /* a second login on the server itself */
    switch (s->def->kind) {
    case K_LOGIN_SESSION_TRACK:
    case K_LOGIN_ERR:
    case K_LOGIN_LOCATION:
    case K_MID_SESSION:
        if (arrived) {
            verdict(s, true, "followed the redirect to %s and logged in there as '%s'%s", where,
                    s->user, s->login_tls[1] ? " over TLS" : "");
        } else if (final && !s->client_login) {
            verdict(s, false, "the client never logged in to the server");
        } else if (final && !s->redirect_sent) {
            verdict(s, false, "the client sent no command, so no redirect was sent");
        } else if (final) {
            verdict(s, false, "the client did not follow the redirect to %s%s", where,
                    tls_hint(s));
        }
        break;
    case K_IN_TRANSACTION:
        if (arrived && (s->trans_end_ms == 0 || s->first_login_ms[1] < s->trans_end_ms)) {
            verdict(s, false, "reconnected to %s while the transaction was still open", where);
        } else if (arrived) {
            verdict(s, true,
                    "waited for the transaction to end (COMMIT's OK), then followed to %s", where);
        } else if (final && !s->redirect_sent) {
            verdict(s, false, "the client sent no statement, so no redirect was sent");
        } else if (final && s->trans_end_ms != 0) {
            verdict(s, false, "the transaction ended but the client did not follow to %s%s",
                    where, tls_hint(s));
        } else if (final) {
            verdict(s, true,
                    "did not follow while the transaction was open (the client ended without "
                    "COMMIT, so following after it was not exercised)");
        }
        break;
    case K_PIPELINED:
        if (arrived && s->pipelined == 0) {
            verdict(s, false,
                    "no command was waiting behind the first when the redirect went out: the "
                    "client did not pipeline (send two statements without waiting)");
        } else if (arrived && (s->pipeline_done_ms == 0 ||
                               s->first_login_ms[1] < s->pipeline_done_ms)) {
            verdict(s, false, "reconnected to %s before the answers to its %u pipelined "
                              "command%s were sent",
                    where, s->pipelined, s->pipelined == 1 ? "" : "s");
        } else if (arrived) {
            verdict(s, true, "waited for the answers to its %u pipelined command%s, then "
                             "followed to %s",
                    s->pipelined, s->pipelined == 1 ? "" : "s", where);
        } else if (final && s->pipelined == 0) {
            verdict(s, false, "the client did not pipeline (send two statements without "
                              "waiting), and did not follow to %s%s",
                    where, tls_hint(s));
        } else if (final) {
            verdict(s, false, "the client did not follow to %s after its pipelined commands "
                              "were answered%s",
                    where, tls_hint(s));
        }
        break;
    case K_SAME_SERVER:
        if (back) {
            verdict(s, false, "followed a redirect to the server it was connected to");
        } else if (final && !s->client_login) {
            verdict(s, false, "the client never logged in to the server");
        } else if (final && s->client_commands > 0) {
            verdict(s, true, "ignored the redirect to the server itself and kept using the "
                             "connection");
        } else if (final) {
            verdict(s, !timed_out || s->client_closed,
                    "did not reconnect (the client sent no command on the connection)");
        }
        break;
    case K_LOOP:
        if (back) {
            verdict(s, false, "followed the redirect back to the server it came from (a loop)");
        } else if (final && !arrived) {
            verdict(s, false, "did not follow the first redirect to %s%s, so the loop was not "
                              "exercised",
                    where, tls_hint(s));
        } else if (final) {
            verdict(s, true, "followed to %s and refused the redirect back to the server",
                    where);
        }
        break;
    case K_HOP_LIMIT: {
        unsigned d = deepest_login(s);
        if (d == HOP_CHAIN) {
            verdict(s, false, "followed %u redirects in a row: no hop limit", d);
        } else if (final && d == 0) {
            verdict(s, false, "did not follow the first redirect%s, so the hop limit was not "
                              "exercised",
                    tls_hint(s));
        } else if (final) {
            verdict(s, true, "followed %u redirect%s, then stopped", d, d == 1 ? "" : "s");
        }
        break;
    }
    case K_INVALID_URL:
        if (arrived) {
            verdict(s, false, "followed the invalid URL mariadb://:%u", (unsigned)s->port[1]);
        } else if (s->client_commands > 0) {
            verdict(s, true, "ignored the invalid redirect_url and kept the connection");
        } else if (final && !s->client_login) {
            verdict(s, false, "the client never logged in to the server");
        } else if (final) {
            verdict(s, false, "the client gave up the connection instead of ignoring the "
                              "invalid redirect_url");
        }
        break;
    case K_TLS_BEFORE_HANDSHAKE:
        if (arrived) {
            verdict(s, false, "followed a plaintext ERR redirect sent before the TLS handshake");
        } else if (s->client_login && !s->asked_tls) {
            verdict(s, false, "the client did not ask for TLS: run it with TLS required");
        } else if (final && !s->asked_tls) {
            verdict(s, false, "the client never asked for TLS: run it with TLS required");
        } else if (final) {
            verdict(s, true, "refused the plaintext ERR redirect sent before the TLS handshake");
        }
        break;
    case K_TLS_DOWNGRADE:
        if (arrived) {
            verdict(s, false, "logged in without TLS to a server that stopped offering it, and "
                              "followed its redirect");
        } else if (s->client_login) {
            verdict(s, false, "sent its login in plaintext to a server that did not offer TLS "
                              "(run the client with TLS required)");
        } else if (final && s->open_conns == 0 && s->client_id != 0) {
            verdict(s, true, "refused to log in to a server that did not offer TLS");
        } else if (final) {
            verdict(s, false, "the client never connected");
        }
        break;
    case K_TLS_UNVERIFIED:
        if (arrived) {
            verdict(s, false, "followed a redirect received over TLS with an unverified "
                              "certificate");
        } else if (s->client_login && !s->client_tls) {
            verdict(s, false, "the client logged in without TLS: run it with TLS");
        } else if (final && s->client_tls_failed) {
            verdict(s, true, "refused the certificate no CA vouches for (TLS handshake "
                             "aborted)");
        } else if (final && s->client_login) {
            verdict(s, true, "did not follow a redirect received over an unverified "
                             "certificate");
        } else if (final) {
            verdict(s, false, "the client never logged in over TLS");
        }
        break;
    }
}

/* ----------------------------------------------------------- callbacks */

static void scen_accept(serve_loop *l, serve_conn *c) {
    scen *s = serve_loop_handler_data(l);
    bool offer_tls = s->tls_available;
    if (c->listener == 0) {
        if (s->client_id == 0) {
            s->client_id = c->id;
        }
        if (s->def->kind == K_TLS_DOWNGRADE) {
            offer_tls = false;
        }
    }
    s->open_conns++;
    if (!serve_conn_start(c, c->id, offer_tls)) {
        serve_conn_finish(c, "error");
    }
}

static void scen_event(serve_loop *l, serve_conn *c, const redir_server_event *ev) {
    scen *s = serve_loop_handler_data(l);
    bool judged = c->id == s->client_id;
    uint64_t now = serve_now_ms();
    switch (ev->type) {
    case REDIR_SERVER_EV_START_TLS:
        if (judged) {
            s->asked_tls = true;
            if (s->def->kind == K_TLS_BEFORE_HANDSHAKE) {
                server_login(s, c, ev); /* a plaintext ERR instead of the TLS handshake */
                c->outcome = "err-before-tls";
            }
        }
        break;
    case REDIR_SERVER_EV_HANDSHAKE_RESPONSE: {
        unsigned k = c->listener;
        serve_conn_set_user(c, ev->response.user);
        s->logins[k]++;
        if (s->logins[k] == 1) {
            s->first_login_ms[k] = now;
            s->login_tls[k] = ev->tls;
        }
        if (judged) {
            s->client_login = true;
            s->client_tls = ev->tls;
            snprintf(s->user, sizeof s->user, "%s", c->user);
        }
        if (k == 0) {
            server_login(s, c, ev);
        } else {
            target_login(s, c);
        }
        c->outcome = c->listener == 0 ? "logged-in" : "arrived";
        break;
    }
    case REDIR_SERVER_EV_COMMAND:
        if (judged) {
            s->client_commands++;
            server_command(s, c, ev);
        } else {
            answer_plain(s, c, ev, REDIR_STATUS_AUTOCOMMIT);
        }
        break;
    case REDIR_SERVER_EV_CLOSED:
        serve_conn_finish(c, "quit");
        break;
    case REDIR_SERVER_EV_ERROR:
        snprintf(c->detail, sizeof c->detail, "%s", redir_status_name(ev->status));
        serve_conn_finish(c, "malformed");
        break;
    default:
        serve_conn_finish(c, "unexpected");
        break;
    }
    judge(s, false, false);
}

static void scen_close(serve_loop *l, serve_conn *c) {
    scen *s = serve_loop_handler_data(l);
    s->open_conns--;
    s->last_close_ms = serve_now_ms();
    if (c->id == s->client_id) {
        s->client_closed = true;
        if (c->outcome != NULL && strcmp(c->outcome, "tls-failed") == 0) {
            s->client_tls_failed = true;
        }
    }
    if (c == s->held) {
        s->held = NULL;
    }
    serve_log_line(s->log, c, s->def->name, c->listener == 0 ? "-" : s->url[c->listener]);
}

/* Answers held back in the pipelined scenario. */
static void release_held(scen *s, uint64_t now) {
    if (s->held == NULL || now < s->hold_until) {
        return;
    }
    serve_conn *c = s->held;
    s->held = NULL;
    if (!s->redirect_sent) {
        s->answering_first = true;
        answer_redirect(s, c, REDIR_STATUS_AUTOCOMMIT, s->url[1]);
        serve_loop_kick(s->loop, c); /* commands already waiting are reported here */
        s->answering_first = false;
        if (s->to_answer == 0) {
            s->pipeline_done_ms = now;
        }
        return;
    }
    answer_ok(c, REDIR_STATUS_AUTOCOMMIT);
    s->to_answer--;
    if (s->to_answer == 0) {
        s->pipeline_done_ms = serve_now_ms();
    }
    serve_loop_kick(s->loop, c);
}

static bool scen_tick(serve_loop *l, uint64_t now) {
    scen *s = serve_loop_handler_data(l);
    release_held(s, now);
    bool timed_out = now >= s->start_ms + s->o->timeout_ms;
    bool quiet = s->client_id != 0 && s->open_conns == 0 && s->held == NULL &&
                 now >= s->last_close_ms + QUIET_MS;
    judge(s, quiet || timed_out, timed_out);
    if (s->decided) {
        return !(s->open_conns == 0 || now >= s->decided_ms + LINGER_MS || timed_out);
    }
    return true;
}

/* -------------------------------------------------------------- running */

static void host_of(const char *bound, char *host, size_t cap) {
    /* "H:P" or "[v6]:P" → H / [v6] */
    const char *colon = strrchr(bound, ':');
    size_t n = colon != NULL ? (size_t)(colon - bound) : strlen(bound);
    snprintf(host, cap, "%.*s", (int)n, bound);
}

int serve_scenario_run(const serve_options *o, SSL_CTX *tls) {
    scen s;
    memset(&s, 0, sizeof s);
    s.def = find(o->scenario);
    s.o = o;
    s.log = stderr;
    if (o->log_path != NULL) {
        s.log = fopen(o->log_path, "a");
        if (s.log == NULL) {
            fprintf(stderr, "redir serve: --log %s: cannot open\n", o->log_path);
            return 1;
        }
    }
    char err[512];
    SSL_CTX *own = NULL;
    if (s.def->kind == K_TLS_UNVERIFIED || (tls == NULL && s.def->kind == K_TLS_BEFORE_HANDSHAKE)) {
        own = serve_tls_selfsigned(err, sizeof err);
        if (own == NULL) {
            fprintf(stderr, "redir serve: %s\n", err);
            return 1;
        }
        tls = own;
    }
    s.tls_available = tls != NULL;
    serve_loop_config cfg = {
        .max_conns = 64,
        .timeout_ms = o->timeout_ms,
        .tls = tls,
        .handler = {.on_accept = scen_accept,
                    .on_event = scen_event,
                    .on_close = scen_close,
                    .on_tick = scen_tick,
                    .data = &s},
    };
    int rc = 1;
    serve_loop *l = serve_loop_new(&cfg, err, sizeof err);
    if (l == NULL) {
        fprintf(stderr, "redir serve: %s\n", err);
        goto out;
    }
    s.loop = l;
    char bound[SERVE_ADDR_MAX];
    if (serve_loop_listen(l, o->listen, bound, sizeof bound, err, sizeof err) < 0) {
        fprintf(stderr, "redir serve: %s\n", err);
        goto out;
    }
    host_of(bound, s.host, sizeof s.host);
    const char *listen_host = s.host;
    if (strcmp(s.host, "0.0.0.0") == 0 || strcmp(s.host, "[::]") == 0) {
        snprintf(s.host, sizeof s.host, "127.0.0.1"); /* targets must be reachable */
    }
    s.num_listeners = 1 + s.def->targets;
    for (unsigned k = 0; k < s.num_listeners; k++) {
        char addr[SERVE_ADDR_MAX + 8];
        char b[SERVE_ADDR_MAX];
        if (k > 0) {
            snprintf(addr, sizeof addr, "%s:0", listen_host);
            if (serve_loop_listen(l, addr, b, sizeof b, err, sizeof err) < 0) {
                fprintf(stderr, "redir serve: %s\n", err);
                goto out;
            }
        } else {
            snprintf(b, sizeof b, "%s", bound);
        }
        const char *colon = strrchr(b, ':');
        s.port[k] = (uint16_t)atoi(colon != NULL ? colon + 1 : "0");
        snprintf(s.url[k], sizeof s.url[k], "mariadb://%s:%u", s.host, (unsigned)s.port[k]);
        char warn[8];
        if (!serve_target_parse(&s.target[k], s.url[k], err, sizeof err, warn, sizeof warn)) {
            fprintf(stderr, "redir serve: %s\n", err);
            goto out;
        }
    }
    printf("scenario %s: %s\n", s.def->name, s.def->desc);
    printf("server %s:%u  connect the client here (TLS %s)\n", s.host, (unsigned)s.port[0],
           s.def->kind == K_TLS_DOWNGRADE ? "not offered"
           : s.def->kind == K_TLS_UNVERIFIED ? "offered, self-signed certificate"
           : tls != NULL ? "offered" : "not offered");
    for (unsigned k = 1; k < s.num_listeners; k++) {
        printf("target %s:%u\n", s.host, (unsigned)s.port[k]);
    }
    fflush(stdout);
    s.start_ms = serve_now_ms();
    if (serve_loop_run(l) != 0) {
        fprintf(stderr, "redir serve: the event loop failed\n");
        goto out;
    }
    if (!s.decided) {
        judge(&s, true, true);
    }
    if (!s.decided) {
        verdict(&s, false, "no client connected within the timeout");
    }
    printf("%s %s: %s\n", s.pass ? "PASS" : "FAIL", s.def->name, s.reason);
    fflush(stdout);
    rc = s.pass ? 0 : 1;
out:
    serve_loop_free(l);
    SSL_CTX_free(own);
    if (s.log != stderr) {
        fclose(s.log);
    }
    return rc;
}
