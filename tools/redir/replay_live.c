#include "replay_run.h"

#include <stdlib.h>
#include <string.h>

#include <redir/redir.h>

#include <redir/auth.h>

#include "replay_conn.h"

#define PLUGIN_MAX 64
#define USER_MAX 256
#define ANSWER_MAX 1024

typedef struct stmt_map {
    uint32_t captured;
    uint32_t live;
} stmt_map;

typedef struct live {
    rp_conn conn;
    const rp_options *o;
    const rp_plan *plan;
    FILE *out;
    uint64_t caps;                /* negotiated on the live connection */
    char plugin[PLUGIN_MAX];      /* plugin the captured client announced */
    char auth_user[USER_MAX];     /* user being authenticated */
    char captured_user[USER_MAX]; /* login user of the capture */
    redir_handshake_response template_; /* the captured login options */
    rp_str greeting;              /* shape of the first server packet */
    stmt_map *map;                /* captured statement ids -> live ones */
    size_t num_map;
    size_t compared;
    size_t differ;
    char err[320];
} live;

/* ------------------------------------------------------------------ report */

static void report(live *L, const char *label, const char *captured, const char *got) {
    bool same = strcmp(captured, got) == 0;
    L->compared++;
    if (same) {
        if (L->o->verbose) {
            fprintf(L->out, "  = %s: %s\n", label, got);
        }
        return;
    }
    L->differ++;
    fprintf(L->out, "  ! %s\n      captured: %s\n      live:     %s\n", label, captured, got);
}

static void command_label(rp_str *s, size_t index, const rp_packet *p) {
    uint8_t cmd = p->payload[0];
    const char *name = dump_command_name(cmd);
    if (name != NULL) {
        rp_str_addf(s, "#%zu %s", index + 1, name);
    } else {
        rp_str_addf(s, "#%zu command 0x%02x", index + 1, cmd);
    }
    if (cmd == RP_COM_QUERY || cmd == RP_COM_INIT_DB || cmd == RP_COM_STMT_PREPARE ||
        cmd == RP_COM_FIELD_LIST) {
        rp_str_add(s, " \"");
        rp_str_printable(s, p->payload + 1, p->len - 1, 60);
        rp_str_add(s, "\"");
    }
}

static void greeting_shape(rp_str *s, const uint8_t *p, size_t n) {
    redir_greeting g;
    redir_err e;
    redir_diag diag;
    if (n > 0 && p[0] == 0xFF && redir_err_decode(&e, &diag, p, n, 0) == REDIR_OK) {
        rp_str_addf(s, "err(%u", e.code);
        if (e.has_sql_state) {
            rp_str_add(s, ",");
            rp_str_printable(s, e.sql_state.ptr, e.sql_state.len, 5);
        }
        rp_str_add(s, ")");
    } else if (redir_greeting_decode(&g, &diag, p, n) == REDIR_OK) {
        rp_str_add(s, "greeting");
    } else {
        rp_str_addf(s, "unexpected(0x%02x)", n > 0 ? p[0] : 0);
    }
}

/* ------------------------------------------------------------- credentials */

static void password_for(const live *L, const char *user, const uint8_t **pw, size_t *len) {
    const char *found = L->o->password;
    /* The last --account naming the user wins. */
    for (size_t i = L->o->num_accounts; i-- > 0;) {
        if (strcmp(L->o->accounts[i].user, user) == 0) {
            found = L->o->accounts[i].password;
            break;
        }
    }
    if (found == NULL) {
        found = "";
    }
    *pw = (const uint8_t *)found;
    *len = strlen(found);
}

/* mapped_user: --user replaces the captured login user wherever it appears. */
static void mapped_user(const live *L, const uint8_t *name, size_t len, char out[USER_MAX]) {
    size_t n = len < USER_MAX - 1 ? len : USER_MAX - 1;
    memcpy(out, name, n);
    out[n] = '\0';
    if (L->o->user != NULL && strcmp(out, L->captured_user) == 0) {
        snprintf(out, USER_MAX, "%s", L->o->user);
    }
}

/* ------------------------------------------------------------------ engine */

static void engine_failed(live *L, const char *what, redir_status st) {
    snprintf(L->err, sizeof L->err, "%s: %s (%s)", what, redir_status_message(st),
             redir_status_name(st));
}

static void conn_failed(live *L) { snprintf(L->err, sizeof L->err, "%s", L->conn.err); }

/* answer_auth computes what the engine asks for with libredir-auth, with the
 * password of the user being authenticated. */
static int answer_auth(live *L, const redir_client_event *ev) {
    const uint8_t *pw;
    size_t pw_len;
    password_for(L, L->auth_user, &pw, &pw_len);
    uint8_t buf[ANSWER_MAX];
    size_t n = 0;
    redir_status st = redir_auth_answer(buf, sizeof buf, &n, &ev->auth, pw, pw_len);
    if (st == REDIR_OK) {
        redir_diag d;
        st = redir_client_auth_reply(&L->conn.engine, &d, buf, n);
    }
    memset(buf, 0, sizeof buf);
    if (st != REDIR_OK) {
        char what[96];
        snprintf(what, sizeof what, "cannot answer %.*s", (int)ev->auth.plugin.len,
                 (const char *)ev->auth.plugin.ptr);
        engine_failed(L, what, st);
        return -1;
    }
    return 0;
}

/* common_event handles what every phase treats alike: 1 handled, 0 the
 * caller's, -1 failed (L->err). */
static int common_event(live *L, const redir_client_event *ev) {
    switch (ev->type) {
    case REDIR_CLIENT_EV_AUTH_NEEDED:
        return answer_auth(L, ev) == 0 ? 1 : -1;
    case REDIR_CLIENT_EV_START_TLS:
        if (rp_conn_start_tls(&L->conn, L->o->tls_ca, L->o->host) != 0) {
            conn_failed(L);
            return -1;
        }
        return 1;
    case REDIR_CLIENT_EV_SESSION_STATE:
    case REDIR_CLIENT_EV_REDIRECT:
    case REDIR_CLIENT_EV_AUTH_DATA:
        return 1; /* the shapes come from the payloads themselves */
    default:
        return 0;
    }
}

/* run_response takes the engine's events until r is complete: the payloads
 * of the response, and the auth exchange of a COM_CHANGE_USER, which the
 * engine drives. 0 when complete, 1 when the server closed the connection,
 * -1 on failure (L->err). */
static int run_response(live *L, rp_resp *r) {
    for (;;) {
        redir_client_event ev;
        if (rp_conn_next(&L->conn, &ev) < 0) {
            conn_failed(L);
            rp_resp_note(r, "(read error)");
            return -1;
        }
        int rc = common_event(L, &ev);
        if (rc < 0) {
            return -1;
        }
        if (rc > 0) {
            continue;
        }
        switch (ev.type) {
        case REDIR_CLIENT_EV_RESPONSE:
            if (rp_resp_feed(r, ev.payload.ptr, ev.payload.len) == RP_STEP_DONE) {
                return 0;
            }
            break;
        case REDIR_CLIENT_EV_ERROR:
            if (ev.status == REDIR_E_CLIENT_CLOSED) {
                rp_resp_note(r, "(connection closed)");
                r->closes = true;
                return 1;
            }
            engine_failed(L, "the server's answer", ev.status);
            return -1;
        case REDIR_CLIENT_EV_CLOSED:
            rp_resp_note(r, "(connection closed)");
            r->closes = true;
            return 1;
        default:
            break;
        }
    }
}

/* ------------------------------------------------------------------ login */

typedef enum login_result { LOGIN_OK, LOGIN_REFUSED, LOGIN_FAILED, LOGIN_NO_GREETING } login_result;

/* client_template reads the captured login options: the handshake response,
 * or under TLS (where it was encrypted) the SSLRequest. */
static int client_template(live *L, redir_handshake_response *r) {
    redir_diag diag;
    const rp_plan *plan = L->plan;
    if (plan->response != NULL) {
        if (redir_handshake_response_decode(r, &diag, plan->response->payload,
                                            plan->response->len) != REDIR_OK) {
            snprintf(L->err, sizeof L->err, "the captured handshake response does not decode");
            return -1;
        }
        size_t n = r->user.len < USER_MAX - 1 ? r->user.len : USER_MAX - 1;
        memcpy(L->captured_user, r->user.ptr, n);
        L->captured_user[n] = '\0';
        mapped_user(L, r->user.ptr, r->user.len, L->auth_user);
        return 0;
    }
    if (redir_ssl_request_decode(r, &diag, plan->ssl_request->payload,
                                 plan->ssl_request->len) != REDIR_OK) {
        snprintf(L->err, sizeof L->err, "the captured SSLRequest does not decode");
        return -1;
    }
    if (L->o->user == NULL) {
        snprintf(L->err, sizeof L->err,
                 "the login is encrypted in the capture: give the user with --user");
        return -1;
    }
    /* No database or attributes are known: leave them out. */
    r->has_database = false;
    r->has_attributes = false;
    r->has_auth_plugin = false;
    snprintf(L->auth_user, sizeof L->auth_user, "%s", L->o->user);
    return 0;
}

/* open_engine connects and starts the client engine with the captured
 * options: capabilities, charset, database, attributes and the plugin the
 * captured client announced (so the server answers with the same exchange),
 * TLS when the capture used it. The replay follows no redirect. */
static int open_engine(live *L) {
    redir_handshake_response *t = &L->template_;
    if (client_template(L, t) != 0) {
        return -1;
    }
    redir_client_config cfg;
    redir_client_config_init(&cfg);
    cfg.user = redir_span_of(L->auth_user, strlen(L->auth_user));
    cfg.capabilities = t->capabilities;
    cfg.max_packet = t->max_packet;
    cfg.charset = t->charset;
    cfg.has_database = t->has_database;
    cfg.database = t->database;
    cfg.has_attributes = t->has_attributes;
    cfg.attributes = t->attributes;
    if (t->has_auth_plugin && t->auth_plugin.len < PLUGIN_MAX) {
        memcpy(L->plugin, t->auth_plugin.ptr, t->auth_plugin.len);
        L->plugin[t->auth_plugin.len] = '\0';
        cfg.auth_plugin = redir_span_of(L->plugin, t->auth_plugin.len);
    }
    cfg.tls = L->plan->ssl_request != NULL ? REDIR_TLS_REQUIRED : REDIR_TLS_OFF;
    cfg.policy.permit = REDIR_PERMIT_NEVER;
    cfg.host = redir_span_of(L->o->host, strlen(L->o->host));
    cfg.port = (uint16_t)strtoul(L->o->port, NULL, 10);
    size_t out_cap = 64u * 1024u;
    for (size_t i = 0; i < L->plan->num_cmds; i++) {
        size_t need = L->plan->cmds[i].pkt->len + 1024u + L->plan->cmds[i].pkt->len / 64u;
        out_cap = need > out_cap ? need : out_cap;
    }
    if (rp_conn_open(&L->conn, &cfg, L->o->host, L->o->port, L->o->timeout_s, out_cap) != 0) {
        conn_failed(L);
        return -1;
    }
    return 0;
}

/* login takes the events from the greeting to the end of the login, feeding
 * the server's login packets to r (the same shape as the capture's). */
static login_result login(live *L, rp_resp *r) {
    bool greeted = false;
    for (;;) {
        redir_client_event ev;
        if (rp_conn_next(&L->conn, &ev) < 0) {
            conn_failed(L);
            return LOGIN_FAILED;
        }
        uint64_t caps = redir_client_negotiated(&L->conn.engine);
        if (caps != r->caps) {
            /* Known once the handshake response is out, before any packet
             * of the login exchange is fed. */
            rp_resp_free(r);
            rp_resp_init(r, RP_CMD_LOGIN, caps);
        }
        if (ev.type == REDIR_CLIENT_EV_AUTH_NEEDED || ev.type == REDIR_CLIENT_EV_AUTH_DATA) {
            if (ev.payload.len > 0) {
                (void)rp_resp_feed(r, ev.payload.ptr, ev.payload.len);
            }
        }
        int rc = common_event(L, &ev);
        if (rc != 0) {
            if (rc < 0) {
                return LOGIN_FAILED;
            }
            continue;
        }
        switch (ev.type) {
        case REDIR_CLIENT_EV_GREETING:
            greeted = true;
            greeting_shape(&L->greeting, ev.payload.ptr, ev.payload.len);
            if ((L->plan->caps & REDIR_CLIENT_COMPRESS) != 0 &&
                (ev.greeting.capabilities & REDIR_CLIENT_COMPRESS) == 0) {
                snprintf(L->err, sizeof L->err,
                         "the capture used compression; the server does not offer it");
                return LOGIN_FAILED;
            }
            break;
        case REDIR_CLIENT_EV_LOGGED_IN:
            (void)rp_resp_feed(r, ev.payload.ptr, ev.payload.len);
            L->caps = ev.caps;
            return LOGIN_OK;
        case REDIR_CLIENT_EV_ERROR:
            if (!greeted) {
                /* A refusal in place of the greeting: nothing follows. */
                greeting_shape(&L->greeting, ev.payload.ptr, ev.payload.len);
                return LOGIN_NO_GREETING;
            }
            if (ev.status == REDIR_E_LOGIN_REFUSED) {
                (void)rp_resp_feed(r, ev.payload.ptr, ev.payload.len);
                return LOGIN_REFUSED;
            }
            if (ev.status == REDIR_E_CLIENT_CLOSED) {
                rp_resp_note(r, "(connection closed)");
                r->closes = true;
                return LOGIN_REFUSED;
            }
            engine_failed(L, "login", ev.status);
            return LOGIN_FAILED;
        default:
            break;
        }
    }
}

/* -------------------------------------------------------------- commands */

static bool uses_stmt_id(uint8_t cmd) {
    return cmd == RP_COM_STMT_EXECUTE || cmd == RP_COM_STMT_SEND_LONG_DATA ||
           cmd == RP_COM_STMT_CLOSE || cmd == RP_COM_STMT_RESET || cmd == RP_COM_STMT_FETCH ||
           cmd == RP_COM_STMT_BULK_EXECUTE;
}

static void remember_stmt(live *L, const rp_resp *captured, const rp_resp *got) {
    if (!captured->has_stmt_id || !got->has_stmt_id) {
        return;
    }
    L->map = rp_xrealloc(L->map, (L->num_map + 1) * sizeof *L->map);
    L->map[L->num_map].captured = captured->stmt_id;
    L->map[L->num_map].live = got->stmt_id;
    L->num_map++;
}

/* change_user replays a captured COM_CHANGE_USER through the engine, which
 * computes the answer for the live scramble (the user mapped, the captured
 * database, charset, plugin and attributes kept). 0, or -1 (L->err). */
static int change_user(live *L, const rp_packet *p) {
    redir_command cmd;
    redir_diag d;
    redir_status st = redir_command_decode(&cmd, &d, p->payload, p->len, L->plan->caps);
    if (st != REDIR_OK) {
        engine_failed(L, "the captured COM_CHANGE_USER", st);
        return -1;
    }
    redir_com_change_user cu = cmd.as.change_user;
    mapped_user(L, cu.user.ptr, cu.user.len, L->auth_user);
    cu.user = redir_span_of(L->auth_user, strlen(L->auth_user));
    /* The engine writes what the live connection negotiated. */
    cu.has_attributes = cu.has_attributes && (L->caps & REDIR_CLIENT_CONNECT_ATTRS) != 0;
    cu.has_auth_plugin = cu.has_auth_plugin && (L->caps & REDIR_CLIENT_PLUGIN_AUTH) != 0;
    st = redir_client_change_user(&L->conn.engine, &d, &cu);
    if (st != REDIR_OK) {
        engine_failed(L, "COM_CHANGE_USER", st);
        return -1;
    }
    /* Its AUTH_NEEDED comes first: answer it while cu's views are alive. */
    redir_client_event ev;
    if (rp_conn_next(&L->conn, &ev) < 0) {
        conn_failed(L);
        return -1;
    }
    if (ev.type != REDIR_CLIENT_EV_AUTH_NEEDED) {
        snprintf(L->err, sizeof L->err, "COM_CHANGE_USER: the engine reported %s",
                 redir_client_event_name(ev.type));
        return -1;
    }
    return answer_auth(L, &ev);
}

/* send_command queues one captured command (statement ids translated to the
 * live ones). 0, or -1 (L->err). */
static int send_command(live *L, const rp_packet *p, rp_buf *payload) {
    uint8_t cmd = p->payload[0];
    if (cmd == RP_COM_CHANGE_USER) {
        return change_user(L, p);
    }
    payload->len = 0;
    rp_buf_append(payload, p->payload, p->len);
    if (uses_stmt_id(cmd) && p->len >= 5) {
        uint8_t *q = payload->data;
        uint32_t id = (uint32_t)q[1] | (uint32_t)q[2] << 8 | (uint32_t)q[3] << 16 |
                      (uint32_t)q[4] << 24;
        for (size_t i = 0; i < L->num_map; i++) {
            if (L->map[i].captured == id) {
                uint32_t v = L->map[i].live;
                q[1] = (uint8_t)v;
                q[2] = (uint8_t)(v >> 8);
                q[3] = (uint8_t)(v >> 16);
                q[4] = (uint8_t)(v >> 24);
                break;
            }
        }
    }
    redir_diag d;
    redir_status st = redir_client_command(&L->conn.engine, &d, payload->data, payload->len);
    if (st == REDIR_E_NOSPACE) {
        if (rp_conn_flush(&L->conn) != 0) {
            conn_failed(L);
            return -1;
        }
        st = redir_client_command(&L->conn.engine, &d, payload->data, payload->len);
    }
    if (st != REDIR_OK) {
        engine_failed(L, "sending a command", st);
        return -1;
    }
    return 0;
}

static void send_quit(live *L) {
    const uint8_t quit = RP_COM_QUIT;
    redir_diag d;
    if (redir_client_command(&L->conn.engine, &d, &quit, 1) == REDIR_OK) {
        (void)rp_conn_flush(&L->conn);
    }
}

/* run_commands replays the command phase group by group: the commands of a
 * group leave together, as the captured client pipelined them. Returns false
 * when the replay itself failed. */
static bool run_commands(live *L) {
    const rp_plan *plan = L->plan;
    size_t i = 0;
    bool stopped = false;
    const char *why_stopped = NULL;
    rp_buf payload = {0};
    bool ok = true;
    while (ok && i < plan->num_cmds) {
        size_t end = i;
        while (end < plan->num_cmds && plan->cmds[end].group == plan->cmds[i].group) {
            end++;
        }
        /* COM_CHANGE_USER waits for nothing in flight: it goes alone. */
        size_t send_end = end;
        if (!stopped) {
            for (size_t k = i; k < end && ok; k++) {
                if (plan->cmds[k].pkt->payload[0] == RP_COM_CHANGE_USER && k > i) {
                    send_end = k;
                    break;
                }
                ok = send_command(L, plan->cmds[k].pkt, &payload) == 0;
                if (plan->cmds[k].pkt->payload[0] == RP_COM_CHANGE_USER) {
                    send_end = k + 1;
                    break;
                }
            }
            if (ok && rp_conn_flush(&L->conn) != 0) {
                conn_failed(L);
                stopped = true;
                why_stopped = "(not sent: write failed)";
            }
        }
        for (size_t k = i; ok && k < send_end; k++) {
            const rp_cmd *c = &plan->cmds[k];
            rp_str label = {0};
            command_label(&label, k, c->pkt);
            rp_resp r;
            rp_resp_init(&r, c->pkt->payload[0], L->caps);
            if (stopped) {
                rp_resp_note(&r, why_stopped);
            } else if (!r.done) {
                int rc = run_response(L, &r);
                if (rc < 0) {
                    ok = false;
                } else if (rc == 1 || r.closes) {
                    stopped = true;
                    why_stopped = "(not sent: connection closed)";
                }
            }
            if (ok && !stopped && c->pkt->payload[0] == RP_COM_QUIT) {
                stopped = true;
                why_stopped = "(not sent: after COM_QUIT)";
            }
            if (ok) {
                report(L, rp_str_cstr(&label), rp_resp_shape(&c->captured), rp_resp_shape(&r));
                if ((r.progress > 0 || c->captured.progress > 0) && L->o->verbose) {
                    fprintf(L->out, "    progress reports: %u captured, %u live (not compared)\n",
                            c->captured.progress, r.progress);
                }
                remember_stmt(L, &c->captured, &r);
            }
            rp_resp_free(&r);
            rp_str_free(&label);
        }
        i = send_end > i ? send_end : end;
    }
    rp_buf_free(&payload);
    if (ok && !stopped) {
        /* The capture ended without COM_QUIT: leave politely anyway. */
        send_quit(L);
    }
    return ok;
}

/* ------------------------------------------------------------------ flow */

static rp_result finish(live *L, rp_result res) {
    const rp_flow *f = L->plan->flow;
    switch (res) {
    case RP_FAILED:
        fprintf(L->out, "flow %llu: FAILED: %s\n", (unsigned long long)f->id, L->err);
        break;
    case RP_SKIPPED:
        break;
    default:
        res = L->differ > 0 ? RP_DIFFER : RP_MATCH;
        if (res == RP_MATCH) {
            fprintf(L->out, "flow %llu: match (%zu responses compared)\n",
                    (unsigned long long)f->id, L->compared);
        } else {
            fprintf(L->out, "flow %llu: DIFFERENT (%zu of %zu responses)\n",
                    (unsigned long long)f->id, L->differ, L->compared);
        }
        break;
    }
    rp_conn_close(&L->conn);
    rp_str_free(&L->greeting);
    free(L->map);
    return res;
}

/* compare_tls_login: the capture only shows that the client went on over
 * TLS after its SSLRequest, so the replay matches when its login succeeds. */
static void compare_tls_login(live *L, login_result lr, const rp_resp *r) {
    const rp_flow *f = L->plan->flow;
    const char *version = rp_conn_tls_version(&L->conn);
    rp_str got = {0};
    rp_str want = {0};
    rp_str_addf(&got, "greeting ssl-request tls(%s) %s", version, rp_resp_shape(r));
    if (lr == LOGIN_OK) {
        rp_str_add(&want, rp_str_cstr(&got));
    } else {
        rp_str_addf(&want, "greeting ssl-request tls(%s) ... ok (encrypted in the capture)",
                    version);
    }
    report(L, "login", rp_str_cstr(&want), rp_str_cstr(&got));
    fprintf(L->out,
            "  encrypted in the capture, not compared: %llu bytes from the client, "
            "%llu from the server\n",
            (unsigned long long)f->tls_bytes[DUMP_C2S], (unsigned long long)f->tls_bytes[DUMP_S2C]);
    if (lr == LOGIN_OK) {
        send_quit(L);
    }
    rp_str_free(&got);
    rp_str_free(&want);
}

static rp_result replay(live *L) {
    const rp_plan *plan = L->plan;
    if (open_engine(L) != 0) {
        return RP_FAILED;
    }
    rp_resp r;
    rp_resp_init(&r, RP_CMD_LOGIN, 0);
    login_result lr = login(L, &r);
    rp_str want = {0};
    rp_str got = {0};
    greeting_shape(&want, plan->greeting->payload, plan->greeting->len);
    rp_str_add(&got, rp_str_cstr(&L->greeting));
    rp_result res = RP_MATCH;
    if (lr == LOGIN_NO_GREETING || plan->greeting->kind != DUMP_K_GREETING) {
        /* A refusal instead of a greeting, on either side: nothing follows. */
        if (lr == LOGIN_FAILED && L->greeting.len == 0) {
            res = RP_FAILED;
        } else {
            report(L, "greeting", rp_str_cstr(&want), rp_str_cstr(&got));
        }
    } else if (lr == LOGIN_FAILED) {
        res = RP_FAILED;
    } else if (plan->ssl_request != NULL) {
        compare_tls_login(L, lr, &r);
    } else {
        rp_str_addf(&want, " %s", rp_resp_shape(&plan->login));
        rp_str_addf(&got, " %s", rp_resp_shape(&r));
        report(L, "login", rp_str_cstr(&want), rp_str_cstr(&got));
        if (lr == LOGIN_OK && !plan->login.closes && !run_commands(L)) {
            res = RP_FAILED;
        }
        if (plan->extra.len > 0) {
            fprintf(L->out, "  captured server packets answering no command (not compared): %s\n",
                    rp_str_cstr(&plan->extra));
        }
    }
    rp_resp_free(&r);
    rp_str_free(&want);
    rp_str_free(&got);
    return res;
}

rp_result rp_replay_flow(const rp_plan *plan, const rp_options *o, FILE *out) {
    const rp_flow *f = plan->flow;
    fprintf(out, "flow %llu: %s -> %s%s%s\n", (unsigned long long)f->id, f->client, f->server,
            f->tls ? " (TLS)" : "", f->compressed ? " (compressed)" : "");
    if (plan->skip != NULL) {
        fprintf(out, "flow %llu: skipped: %s\n", (unsigned long long)f->id, plan->skip);
        return RP_SKIPPED;
    }
    live L;
    memset(&L, 0, sizeof L);
    L.conn.fd = -1;
    L.o = o;
    L.plan = plan;
    L.out = out;
    return finish(&L, replay(&L));
}
