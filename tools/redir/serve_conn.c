/* redir serve: one connection on the server engine, the redirect by each
 * carrier, and the plain serving mode (every client sent to a target). */
#include <errno.h>
#include <openssl/rand.h>
#include <string.h>
#include <time.h>

#include "serve.h"

#define SQLSTATE "HY000"

static redir_span span_str(const char *s) { return redir_span_of(s, s ? strlen(s) : 0); }

bool serve_conn_start(serve_conn *c, uint32_t id, bool offer_tls) {
    redir_server_config cfg;
    redir_server_config_init(&cfg);
    cfg.connection_id = id;
    cfg.offer_tls = offer_tls;
    cfg.status = REDIR_STATUS_AUTOCOMMIT;
    if (RAND_bytes(cfg.scramble, (int)sizeof cfg.scramble) != 1) {
        return false;
    }
    cfg.in_buf = c->mem;
    cfg.in_cap = SERVE_IN_CAP;
    cfg.join_buf = c->mem + SERVE_IN_CAP;
    cfg.join_cap = SERVE_JOIN_CAP;
    cfg.out_buf = c->mem + SERVE_IN_CAP + SERVE_JOIN_CAP;
    cfg.out_cap = SERVE_OUT_CAP;
    redir_diag d;
    if (redir_server_init(&c->srv, &d, &cfg) != REDIR_OK) {
        return false;
    }
    c->exact_reads = offer_tls;
    return true;
}

redir_status serve_refusal(uint8_t *buf, size_t cap, size_t *len) {
    static const char msg[] = "Too many connections";
    uint8_t payload[64];
    size_t plen = 0;
    redir_err e;
    memset(&e, 0, sizeof e);
    e.code = 1040;
    e.has_sql_state = true;
    e.sql_state = span_str("08004");
    e.message = redir_span_of(msg, sizeof msg - 1);
    redir_status st = redir_err_encode(payload, sizeof payload, &plen, &e);
    if (st != REDIR_OK) {
        return st;
    }
    return redir_message_encode(buf, cap, len, NULL, 0, payload, plen);
}

redir_status serve_check_carrier(redir_carrier carrier, uint16_t code, const char *message,
                                 const serve_target *t) {
    uint8_t buf[1024];
    size_t len = 0;
    redir_span host = span_str(t->host);
    /* the ERR naming the target is sent with every carrier */
    redir_status st = redir_build_err_redirect(buf, sizeof buf, &len, 2, code, span_str(SQLSTATE),
                                               span_str(message), host, t->port);
    if (st == REDIR_OK && carrier == REDIR_CARRIER_LOCATION) {
        st = redir_build_location_ok(buf, sizeof buf, &len, 2, REDIR_CAPS_MARIADB_DEFAULT,
                                     REDIR_STATUS_AUTOCOMMIT, REDIR_LOCATION_COMMUNITY, host,
                                     t->port, span_str("user"), 0);
    }
    return st;
}

/* A Location: line names the user, which the grammar limits: clients whose
 * user it cannot carry get a plain OK and the ERR on their first command. */
static bool location_user_ok(redir_span user) {
    if (user.len == 0 || user.len > 128) {
        return false;
    }
    for (size_t i = 0; i < user.len; i++) {
        if (user.ptr[i] < 0x20 || user.ptr[i] == 0x7F || user.ptr[i] == '&') {
            return false;
        }
    }
    return true;
}

redir_status serve_send_redirect(serve_conn *c, redir_carrier carrier, uint16_t code,
                                 const char *message, const serve_target *t,
                                 const redir_server_event *login) {
    redir_diag d;
    redir_span host = span_str(t->host);
    if (carrier == REDIR_CARRIER_ERR) {
        return redir_server_err_redirect(&c->srv, &d, code, span_str(SQLSTATE),
                                         span_str(message), host, t->port);
    }
    if (carrier == REDIR_CARRIER_LOCATION && location_user_ok(login->response.user)) {
        return redir_server_location_ok(&c->srv, &d, REDIR_STATUS_AUTOCOMMIT,
                                        REDIR_LOCATION_COMMUNITY, host, t->port,
                                        login->response.user, 0);
    }
    if (carrier == REDIR_CARRIER_SESSION_TRACK &&
        (login->negotiated & REDIR_CLIENT_SESSION_TRACK)) {
        return redir_server_ok_redirect(&c->srv, &d, REDIR_STATUS_AUTOCOMMIT, span_str(t->url),
                                        NULL, 0);
    }
    /* the client cannot take this carrier: a plain OK, and the ERR naming
     * the target answers its first command */
    redir_ok ok;
    memset(&ok, 0, sizeof ok);
    ok.status = REDIR_STATUS_AUTOCOMMIT;
    redir_status st = redir_server_ok(&c->srv, &d, &ok);
    return st == REDIR_OK ? REDIR_NOT_FOUND : st;
}

redir_status serve_send_err_target(serve_conn *c, uint16_t code, const char *message,
                                   const serve_target *t) {
    redir_diag d;
    return redir_server_err_redirect(&c->srv, &d, code, span_str(SQLSTATE), span_str(message),
                                     span_str(t->host), t->port);
}

/* One text value of a row: a length-encoded string. */
static redir_status put_value(uint8_t *buf, size_t cap, size_t *len, const char *v) {
    size_t n = strlen(v);
    size_t w = 0;
    redir_status st = redir_lenenc_encode(buf + *len, cap - *len, &w, n);
    if (st != REDIR_OK || cap - *len - w < n) {
        return st != REDIR_OK ? st : REDIR_E_NOSPACE;
    }
    memcpy(buf + *len + w, v, n);
    *len += w + n;
    return REDIR_OK;
}

redir_status serve_answer_identity(serve_conn *c, uint16_t port, uint16_t status) {
    static const char *const names[] = {"@@hostname", "@@port", "CONNECTION_ID()"};
    uint64_t caps = redir_server_negotiated(&c->srv);
    uint8_t buf[256];
    size_t len = 0;
    redir_diag d;
    redir_column_count cc;
    memset(&cc, 0, sizeof cc);
    cc.count = 3;
    /* the metadata-follows byte: under MariaDB's metadata caching (or MySQL's
     * optional metadata), 1 = the column definitions are sent */
    cc.has_metadata_follows = (caps & (REDIR_MARIADB_CLIENT_CACHE_METADATA |
                                       REDIR_CLIENT_OPTIONAL_RESULTSET_METADATA)) != 0;
    cc.metadata_follows = cc.has_metadata_follows ? 1 : 0;
    redir_status st = redir_column_count_encode(buf, sizeof buf, &len, &cc, caps);
    if (st == REDIR_OK) {
        st = redir_server_send(&c->srv, &d, buf, len);
    }
    for (size_t i = 0; i < 3 && st == REDIR_OK; i++) {
        redir_column_def def;
        memset(&def, 0, sizeof def);
        def.catalog = span_str("def");
        def.name = span_str(names[i]);
        def.has_ext_metadata = (caps & REDIR_MARIADB_CLIENT_EXTENDED_METADATA) != 0;
        def.charset = i == 0 ? 45 : 63; /* utf8mb4_general_ci, binary */
        def.column_length = i == 0 ? 256 : 20;
        def.type = i == 0 ? REDIR_TYPE_VAR_STRING : REDIR_TYPE_LONGLONG;
        st = redir_column_def_encode(buf, sizeof buf, &len, &def, caps);
        if (st == REDIR_OK) {
            st = redir_server_send(&c->srv, &d, buf, len);
        }
    }
    if (st == REDIR_OK) {
        st = redir_server_columns_end(&c->srv, &d, 0, status);
    }
    char port_s[8], id_s[12];
    snprintf(port_s, sizeof port_s, "%u", (unsigned)port);
    snprintf(id_s, sizeof id_s, "%u", (unsigned)c->id);
    len = 0;
    if (st == REDIR_OK) {
        st = put_value(buf, sizeof buf, &len, "redir-serve");
    }
    if (st == REDIR_OK) {
        st = put_value(buf, sizeof buf, &len, port_s);
    }
    if (st == REDIR_OK) {
        st = put_value(buf, sizeof buf, &len, id_s);
    }
    if (st == REDIR_OK) {
        st = redir_server_send(&c->srv, &d, buf, len);
    }
    if (st == REDIR_OK) {
        st = redir_server_rows_end(&c->srv, &d, 0, status);
    }
    return st;
}

/* ------------------------------------------------------------- log line */

/* Copies a client-chosen name for the log: printable ASCII as is, other
 * bytes as \xHH, cut to fit. */
static void copy_printable(char *dst, size_t cap, redir_span s) {
    size_t w = 0;
    for (size_t i = 0; i < s.len && w + 5 < cap; i++) {
        uint8_t b = s.ptr[i];
        if (b > 0x20 && b < 0x7F && b != '\\' && b != '"') {
            dst[w++] = (char)b;
        } else {
            w += (size_t)snprintf(dst + w, cap - w, "\\x%02x", b);
        }
    }
    dst[w] = '\0';
}

void serve_conn_set_user(serve_conn *c, redir_span user) {
    copy_printable(c->user, sizeof c->user, user);
}

void serve_log_line(FILE *log, const serve_conn *c, const char *carrier, const char *target) {
    char when[32];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
    fprintf(log, "%s peer=%s tls=%s user=%s carrier=%s target=%s outcome=%s%s%s ms=%llu\n", when,
            c->peer, c->tls ? "yes" : "no", c->logged_in ? (c->user[0] ? c->user : "\"\"") : "-",
            carrier != NULL ? carrier : "-", target != NULL ? target : "-",
            c->outcome != NULL ? c->outcome : "closed", c->detail[0] ? ":" : "", c->detail,
            (unsigned long long)(serve_now_ms() - c->accepted_ms));
    fflush(log);
}

/* ------------------------------------------------------- serving mode */

typedef struct serving {
    const serve_options *o;
    FILE *log;
    size_t rr_next;
    bool offer_tls;
} serving;

static void serving_accept(serve_loop *l, serve_conn *c) {
    serving *s = serve_loop_handler_data(l);
    if (!serve_conn_start(c, c->id, s->offer_tls)) {
        serve_conn_finish(c, "error");
    }
}

static void serving_event(serve_loop *l, serve_conn *c, const redir_server_event *ev) {
    serving *s = serve_loop_handler_data(l);
    const serve_options *o = s->o;
    switch (ev->type) {
    case REDIR_SERVER_EV_HANDSHAKE_RESPONSE: {
        serve_conn_set_user(c, ev->response.user);
        c->target = serve_target_pick(o->pick, o->num_targets, &s->rr_next);
        redir_status st = serve_send_redirect(c, o->carrier, o->err_code, o->message,
                                              &o->targets[c->target], ev);
        if (st == REDIR_OK) {
            c->redirected = true;
            c->outcome = "redirected";
        } else if (st == REDIR_NOT_FOUND) {
            c->outcome = "no-redirect"; /* the client cannot take this carrier */
        } else {
            snprintf(c->detail, sizeof c->detail, "%s", redir_status_name(st));
            serve_conn_finish(c, "error");
        }
        break;
    }
    case REDIR_SERVER_EV_COMMAND:
        /* a client that did not follow: tell it where to go, then close */
        if (serve_send_err_target(c, o->err_code, o->message, &o->targets[c->target]) ==
            REDIR_OK) {
            serve_conn_finish(c, "err-sent");
        } else {
            serve_conn_finish(c, "error");
        }
        break;
    case REDIR_SERVER_EV_CLOSED:
        serve_conn_finish(c, c->redirected ? "redirected" : "quit");
        break;
    case REDIR_SERVER_EV_ERROR:
        snprintf(c->detail, sizeof c->detail, "%s", redir_status_name(ev->status));
        serve_conn_finish(c, "malformed");
        break;
    case REDIR_SERVER_EV_AUTH_DATA:
        serve_conn_finish(c, "unexpected-auth-data");
        break;
    default:
        break;
    }
}

static void serving_close(serve_loop *l, serve_conn *c) {
    serving *s = serve_loop_handler_data(l);
    bool chosen = c->logged_in && s->o->num_targets > 0;
    serve_log_line(s->log, c, redir_carrier_name(s->o->carrier),
                   chosen ? s->o->targets[c->target].url : NULL);
}

int serve_run(const serve_options *o, SSL_CTX *tls, FILE *log) {
    serving s = {.o = o, .log = log, .offer_tls = tls != NULL};
    serve_loop_config cfg = {
        .max_conns = o->max_conns,
        .timeout_ms = o->timeout_ms,
        .tls = tls,
        .handler = {.on_accept = serving_accept,
                    .on_event = serving_event,
                    .on_close = serving_close,
                    .data = &s},
    };
    char err[256];
    serve_loop *l = serve_loop_new(&cfg, err, sizeof err);
    if (l == NULL) {
        fprintf(stderr, "redir serve: %s\n", err);
        return 1;
    }
    char bound[SERVE_ADDR_MAX];
    if (serve_loop_listen(l, o->listen, bound, sizeof bound, err, sizeof err) < 0) {
        fprintf(stderr, "redir serve: %s\n", err);
        serve_loop_free(l);
        return 1;
    }
    fprintf(log, "redir serve: listening on %s, %s carrier, %zu target%s, TLS %s\n", bound,
            redir_carrier_name(o->carrier), o->num_targets, o->num_targets == 1 ? "" : "s",
            tls != NULL ? "offered" : "not offered");
    fflush(log);
    int rc = serve_loop_run(l);
    const serve_stats *st = serve_loop_stats(l);
    fprintf(log,
            "redir serve: stopped: %llu accepted, %llu refused, %llu timed out, %llu malformed, "
            "%llu over TLS, peak %u at once\n",
            (unsigned long long)st->accepted, (unsigned long long)st->refused,
            (unsigned long long)st->timeouts, (unsigned long long)st->malformed,
            (unsigned long long)st->tls, st->peak);
    serve_loop_free(l);
    return rc == 0 ? 0 : 1;
}
