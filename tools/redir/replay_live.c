#include "replay_run.h"

#include <stdlib.h>
#include <string.h>

#include <redir/redir.h>

#include "replay_auth.h"
#include "replay_conn.h"

#define PLUGIN_NATIVE "mysql_native_password"
#define PLUGIN_SHA2 "caching_sha2_password"
#define PLUGIN_MAX 64
#define USER_MAX 256

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
    bool tls;
    rp_buf scramble;              /* the latest scramble/nonce the server sent */
    char plugin[PLUGIN_MAX];      /* plugin of the exchange in progress */
    char auth_user[USER_MAX];     /* user being authenticated */
    char captured_user[USER_MAX]; /* login user of the capture */
    rp_buf pkt;                   /* the last packet read */
    uint8_t seq;                  /* its sequence id */
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

static void set_plugin(live *L, const uint8_t *name, size_t len) {
    size_t n = len < PLUGIN_MAX - 1 ? len : PLUGIN_MAX - 1;
    memcpy(L->plugin, name, n);
    L->plugin[n] = '\0';
}

/* ------------------------------------------------------------------ auth */

static int first_response(live *L, const char *plugin, rp_buf *out) {
    const uint8_t *pw;
    size_t pw_len;
    password_for(L, L->auth_user, &pw, &pw_len);
    rp_auth_input in = {plugin, pw, pw_len, L->scramble.data, L->scramble.len, L->tls};
    L->err[0] = '\0';
    return rp_auth_first_response(&in, out, L->err, sizeof L->err);
}

static int send_reply(live *L, const uint8_t *data, size_t len) {
    rp_conn_queue(&L->conn, data, len, (uint8_t)(L->seq + 1));
    if (rp_conn_flush(&L->conn) != 0) {
        snprintf(L->err, sizeof L->err, "%s", L->conn.err);
        return -1;
    }
    return 0;
}

static int answer_switch(live *L) {
    redir_auth_switch sw;
    redir_diag diag;
    if (redir_auth_switch_decode(&sw, &diag, L->pkt.data, L->pkt.len) != REDIR_OK) {
        snprintf(L->err, sizeof L->err, "AuthSwitchRequest does not decode");
        return -1;
    }
    set_plugin(L, sw.auth_plugin.ptr, sw.auth_plugin.len);
    L->scramble.len = 0;
    rp_buf_append(&L->scramble, sw.auth_data.ptr, sw.auth_data.len);
    rp_buf resp = {0};
    int rc = first_response(L, L->plugin, &resp);
    if (rc == 0) {
        rc = send_reply(L, resp.data, resp.len);
    }
    rp_buf_free(&resp);
    return rc;
}

/* caching_sha2_password after the fast path: 0x03 means accepted (an OK
 * follows), 0x04 asks for the password: in clear over TLS, else encrypted
 * with the server's RSA key, which the client first requests with 0x02. */
static int answer_more_data(live *L) {
    const uint8_t *d = L->pkt.data + 1;
    size_t n = L->pkt.len - 1;
    if (strcmp(L->plugin, PLUGIN_SHA2) != 0) {
        snprintf(L->err, sizeof L->err, "AuthMoreData for plugin '%s' is not supported",
                 L->plugin);
        return -1;
    }
    const uint8_t *pw;
    size_t pw_len;
    password_for(L, L->auth_user, &pw, &pw_len);
    if (n == 1 && d[0] == 0x03) {
        return 0;
    }
    if (n == 1 && d[0] == 0x04) {
        if (L->tls) {
            rp_buf clear = {0};
            rp_buf_append(&clear, pw, pw_len);
            rp_buf_push(&clear, 0);
            int rc = send_reply(L, clear.data, clear.len);
            memset(clear.data, 0, clear.len);
            rp_buf_free(&clear);
            return rc;
        }
        const uint8_t request_key = 0x02;
        return send_reply(L, &request_key, 1);
    }
    static const char pem_start[] = "-----BEGIN";
    if (n > sizeof pem_start && memcmp(d, pem_start, sizeof pem_start - 1) == 0) {
        rp_buf cipher = {0};
        size_t sl = L->scramble.len < RP_SCRAMBLE_LEN ? L->scramble.len : RP_SCRAMBLE_LEN;
        int rc = rp_auth_sha2_rsa(pw, pw_len, L->scramble.data, sl, d, n, &cipher, L->err,
                                  sizeof L->err);
        if (rc == 0) {
            rc = send_reply(L, cipher.data, cipher.len);
        }
        rp_buf_free(&cipher);
        return rc;
    }
    snprintf(L->err, sizeof L->err, "unexpected caching_sha2_password data (0x%02x)",
             n > 0 ? d[0] : 0);
    return -1;
}

/* ------------------------------------------------------------- responses */

/* run_response reads server packets until r is complete, answering the
 * authentication exchange of a login or COM_CHANGE_USER. 0 when complete,
 * 1 when the server closed the connection, -1 on failure (L->err). */
static int run_response(live *L, rp_resp *r) {
    for (;;) {
        int rc = rp_conn_read(&L->conn, &L->pkt, &L->seq);
        if (rc == 1) {
            rp_resp_note(r, "(connection closed)");
            r->closes = true;
            return 1;
        }
        if (rc < 0) {
            snprintf(L->err, sizeof L->err, "%s", L->conn.err);
            rp_resp_note(r, "(read error)");
            return -1;
        }
        switch (rp_resp_feed(r, L->pkt.data, L->pkt.len)) {
        case RP_STEP_DONE:
            return 0;
        case RP_STEP_MORE:
            break;
        case RP_STEP_AUTH_SWITCH:
            if (answer_switch(L) != 0) {
                return -1;
            }
            break;
        case RP_STEP_AUTH_MORE:
            if (answer_more_data(L) != 0) {
                return -1;
            }
            break;
        case RP_STEP_UNSUPPORTED:
            snprintf(L->err, sizeof L->err, "the server asked for something replay cannot do: %s",
                     rp_resp_shape(r));
            return -1;
        }
    }
}

/* ------------------------------------------------------------------ login */

typedef enum login_result { LOGIN_OK, LOGIN_REFUSED, LOGIN_FAILED } login_result;

static int send_ssl_request(live *L, uint64_t client_caps) {
    redir_handshake_response req;
    redir_diag diag;
    const rp_packet *p = L->plan->ssl_request;
    if (redir_ssl_request_decode(&req, &diag, p->payload, p->len) != REDIR_OK) {
        snprintf(L->err, sizeof L->err, "the captured SSLRequest does not decode");
        return -1;
    }
    req.capabilities = client_caps;
    uint8_t buf[REDIR_SSL_REQUEST_SIZE];
    size_t len = 0;
    if (redir_ssl_request_encode(buf, sizeof buf, &len, &req) != REDIR_OK) {
        snprintf(L->err, sizeof L->err, "cannot encode the SSLRequest");
        return -1;
    }
    rp_conn_queue(&L->conn, buf, len, 1);
    if (rp_conn_flush(&L->conn) != 0 ||
        rp_conn_start_tls(&L->conn, L->o->tls_ca, L->o->host) != 0) {
        snprintf(L->err, sizeof L->err, "%s", L->conn.err);
        return -1;
    }
    L->tls = true;
    return 0;
}

/* client_template returns the handshake response to start from: the
 * captured one, or under TLS (where it was encrypted) one built from the
 * SSLRequest. */
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
    r->capabilities &= ~(REDIR_CLIENT_CONNECT_WITH_DB | REDIR_CLIENT_CONNECT_ATTRS);
    r->has_auth_plugin = (r->capabilities & REDIR_CLIENT_PLUGIN_AUTH) != 0;
    snprintf(L->auth_user, sizeof L->auth_user, "%s", L->o->user);
    return 0;
}

static login_result login(live *L, rp_resp *r, const redir_greeting *g) {
    redir_handshake_response hr;
    if (client_template(L, &hr) != 0) {
        return LOGIN_FAILED;
    }
    uint64_t client = hr.capabilities;
    if (L->plan->ssl_request != NULL) {
        client |= REDIR_CLIENT_SSL;
    } else {
        client &= ~REDIR_CLIENT_SSL;
    }
    client &= ~REDIR_CLIENT_ZSTD_COMPRESSION;
    hr.has_zstd_level = false;
    if ((client & REDIR_CLIENT_SSL) != 0 && (g->capabilities & REDIR_CLIENT_SSL) == 0) {
        snprintf(L->err, sizeof L->err, "the capture used TLS; the server does not offer it");
        return LOGIN_FAILED;
    }
    if ((L->plan->caps & REDIR_CLIENT_COMPRESS) != 0 &&
        (g->capabilities & REDIR_CLIENT_COMPRESS) == 0) {
        snprintf(L->err, sizeof L->err,
                 "the capture used compression; the server does not offer it");
        return LOGIN_FAILED;
    }
    L->caps = client & g->capabilities;
    hr.capabilities = client;

    uint8_t seq = 1;
    if (L->plan->ssl_request != NULL) {
        if (send_ssl_request(L, client) != 0) {
            return LOGIN_FAILED;
        }
        seq = 2;
    }

    /* Announce the plugin the captured client announced, so that the server
     * answers with the same exchange (e.g. an auth switch). */
    char greeting_plugin[PLUGIN_MAX];
    size_t gl = g->auth_plugin.len < PLUGIN_MAX - 1 ? g->auth_plugin.len : PLUGIN_MAX - 1;
    memcpy(greeting_plugin, g->auth_plugin.ptr, gl);
    greeting_plugin[gl] = '\0';
    L->plugin[0] = '\0';
    if (hr.has_auth_plugin && hr.auth_plugin.len > 0) {
        set_plugin(L, hr.auth_plugin.ptr, hr.auth_plugin.len);
    }
    if (!rp_auth_supported(L->plugin)) {
        snprintf(L->plugin, sizeof L->plugin, "%s",
                 rp_auth_supported(greeting_plugin) ? greeting_plugin : PLUGIN_NATIVE);
    }
    rp_buf auth = {0};
    if (first_response(L, L->plugin, &auth) != 0) {
        rp_buf_free(&auth);
        return LOGIN_FAILED;
    }
    hr.user = redir_span_of(L->auth_user, strlen(L->auth_user));
    hr.auth_response = redir_span_of(auth.data, auth.len);
    hr.has_auth_plugin = (client & REDIR_CLIENT_PLUGIN_AUTH) != 0;
    hr.auth_plugin = redir_span_of(L->plugin, strlen(L->plugin));

    size_t len = 0;
    redir_status st = redir_handshake_response_encode(NULL, 0, &len, &hr);
    uint8_t *buf = rp_xmalloc(len);
    if (st == REDIR_E_NOSPACE || st == REDIR_OK) {
        st = redir_handshake_response_encode(buf, len, &len, &hr);
    }
    rp_buf_free(&auth);
    if (st != REDIR_OK) {
        free(buf);
        snprintf(L->err, sizeof L->err, "cannot encode the handshake response: %s",
                 redir_status_name(st));
        return LOGIN_FAILED;
    }
    rp_conn_queue(&L->conn, buf, len, seq);
    free(buf);
    if (rp_conn_flush(&L->conn) != 0) {
        snprintf(L->err, sizeof L->err, "%s", L->conn.err);
        return LOGIN_FAILED;
    }
    rp_resp_init(r, RP_CMD_LOGIN, L->caps);
    int rc = run_response(L, r);
    if (rc < 0) {
        return LOGIN_FAILED;
    }
    if (rc == 1 || r->closes) {
        return LOGIN_REFUSED;
    }
    if ((L->caps & REDIR_CLIENT_COMPRESS) != 0) {
        L->conn.compressed = true;
    }
    return LOGIN_OK;
}

/* -------------------------------------------------------------- commands */

static const uint8_t *find_nul(const uint8_t *p, const uint8_t *end) {
    const uint8_t *z = memchr(p, 0, (size_t)(end - p));
    return z;
}

/* rebuild_change_user recomputes the auth response of a captured
 * COM_CHANGE_USER for the live scramble (and maps the user). Returns false
 * when the captured packet does not parse; it is then sent unchanged. */
static bool rebuild_change_user(live *L, const rp_packet *p, rp_buf *out) {
    const uint8_t *q = p->payload + 1;
    const uint8_t *end = p->payload + p->len;
    const uint8_t *user_end = find_nul(q, end);
    if (user_end == NULL) {
        return false;
    }
    mapped_user(L, q, (size_t)(user_end - q), L->auth_user);
    q = user_end + 1;
    if ((L->plan->caps & REDIR_CLIENT_SECURE_CONNECTION) != 0) {
        if (q >= end || (size_t)(end - q) < 1u + *q) {
            return false;
        }
        q += 1 + *q;
    } else {
        const uint8_t *z = find_nul(q, end);
        if (z == NULL) {
            return false;
        }
        q = z + 1;
    }
    const uint8_t *db = q;
    const uint8_t *db_end = q < end ? find_nul(q, end) : NULL;
    if (db_end == NULL) {
        return false;
    }
    q = db_end + 1;
    const uint8_t *charset = NULL;
    if (end - q >= 2) {
        charset = q;
        q += 2;
    }
    const uint8_t *plugin = NULL;
    size_t plugin_len = 0;
    if ((L->plan->caps & REDIR_CLIENT_PLUGIN_AUTH) != 0 && q < end) {
        const uint8_t *z = find_nul(q, end);
        plugin = q;
        plugin_len = (size_t)((z != NULL ? z : end) - q);
        q = z != NULL ? z + 1 : end;
    }
    const uint8_t *rest = q;

    if (plugin != NULL) {
        set_plugin(L, plugin, plugin_len);
    }
    if (!rp_auth_supported(L->plugin)) {
        snprintf(L->plugin, sizeof L->plugin, "%s", PLUGIN_NATIVE);
    }
    rp_buf auth = {0};
    /* A plugin needing a longer nonce than the session scramble (ed25519)
     * gets an empty response; the server then switches and sends one. */
    if (first_response(L, L->plugin, &auth) != 0) {
        auth.len = 0;
    }
    rp_buf_push(out, RP_COM_CHANGE_USER);
    rp_buf_append(out, L->auth_user, strlen(L->auth_user) + 1);
    rp_buf_push(out, (uint8_t)auth.len);
    rp_buf_append(out, auth.data, auth.len);
    rp_buf_append(out, db, (size_t)(db_end - db) + 1);
    if (charset != NULL) {
        rp_buf_append(out, charset, 2);
    }
    if (plugin != NULL) {
        rp_buf_append(out, L->plugin, strlen(L->plugin) + 1);
    }
    rp_buf_append(out, rest, (size_t)(end - rest));
    rp_buf_free(&auth);
    return true;
}

static bool uses_stmt_id(uint8_t cmd) {
    return cmd == RP_COM_STMT_EXECUTE || cmd == RP_COM_STMT_SEND_LONG_DATA ||
           cmd == RP_COM_STMT_CLOSE || cmd == RP_COM_STMT_RESET || cmd == RP_COM_STMT_FETCH ||
           cmd == RP_COM_STMT_BULK_EXECUTE;
}

/* build_command produces the bytes to send for a captured command:
 * statement ids are translated to the live ones, COM_CHANGE_USER gets a
 * fresh auth response. */
static void build_command(live *L, const rp_packet *p, rp_buf *out) {
    uint8_t cmd = p->payload[0];
    if (cmd == RP_COM_CHANGE_USER && rebuild_change_user(L, p, out)) {
        return;
    }
    out->len = 0;
    rp_buf_append(out, p->payload, p->len);
    if (uses_stmt_id(cmd) && p->len >= 5) {
        uint32_t id = (uint32_t)out->data[1] | (uint32_t)out->data[2] << 8 |
                      (uint32_t)out->data[3] << 16 | (uint32_t)out->data[4] << 24;
        for (size_t i = 0; i < L->num_map; i++) {
            if (L->map[i].captured == id) {
                uint32_t v = L->map[i].live;
                out->data[1] = (uint8_t)v;
                out->data[2] = (uint8_t)(v >> 8);
                out->data[3] = (uint8_t)(v >> 16);
                out->data[4] = (uint8_t)(v >> 24);
                break;
            }
        }
    }
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

static void send_quit(live *L) {
    const uint8_t quit = RP_COM_QUIT;
    rp_conn_queue(&L->conn, &quit, 1, 0);
    (void)rp_conn_flush(&L->conn);
}

/* run_commands replays the command phase group by group. Returns false
 * when the replay itself failed. */
static bool run_commands(live *L) {
    const rp_plan *plan = L->plan;
    size_t i = 0;
    bool stopped = false;
    const char *why_stopped = NULL;
    rp_buf payload = {0};
    while (i < plan->num_cmds) {
        size_t end = i;
        while (end < plan->num_cmds && plan->cmds[end].group == plan->cmds[i].group) {
            end++;
        }
        if (!stopped) {
            for (size_t k = i; k < end; k++) {
                payload.len = 0;
                build_command(L, plan->cmds[k].pkt, &payload);
                rp_conn_queue(&L->conn, payload.data, payload.len, 0);
            }
            if (rp_conn_flush(&L->conn) != 0) {
                snprintf(L->err, sizeof L->err, "%s", L->conn.err);
                stopped = true;
                why_stopped = "(not sent: write failed)";
            }
        }
        for (size_t k = i; k < end; k++) {
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
                    rp_resp_free(&r);
                    rp_str_free(&label);
                    rp_buf_free(&payload);
                    return false;
                }
                if (rc == 1 || r.closes) {
                    stopped = true;
                    why_stopped = "(not sent: connection closed)";
                }
            }
            if (!stopped && c->pkt->payload[0] == RP_COM_QUIT) {
                stopped = true;
                why_stopped = "(not sent: after COM_QUIT)";
            }
            report(L, rp_str_cstr(&label), rp_resp_shape(&c->captured), rp_resp_shape(&r));
            if (r.progress > 0 || c->captured.progress > 0) {
                if (L->o->verbose) {
                    fprintf(L->out, "    progress reports: %u captured, %u live (not compared)\n",
                            c->captured.progress, r.progress);
                }
            }
            remember_stmt(L, &c->captured, &r);
            rp_resp_free(&r);
            rp_str_free(&label);
        }
        i = end;
    }
    rp_buf_free(&payload);
    if (!stopped) {
        /* The capture ended without COM_QUIT: leave politely anyway. */
        send_quit(L);
    }
    return true;
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
    rp_buf_free(&L->scramble);
    rp_buf_free(&L->pkt);
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
    if (rp_conn_open(&L->conn, L->o->host, L->o->port, L->o->timeout_s) != 0) {
        snprintf(L->err, sizeof L->err, "%s", L->conn.err);
        return RP_FAILED;
    }
    int rc = rp_conn_read(&L->conn, &L->pkt, &L->seq);
    if (rc != 0) {
        snprintf(L->err, sizeof L->err, "no greeting: %s",
                 rc == 1 ? "connection closed" : L->conn.err);
        return RP_FAILED;
    }
    /* The login reuses L->pkt: the greeting's views need their own copy. */
    rp_buf greeting = {0};
    rp_buf_append(&greeting, L->pkt.data, L->pkt.len);
    redir_greeting g;
    redir_diag diag;
    bool greeted = redir_greeting_decode(&g, &diag, greeting.data, greeting.len) == REDIR_OK;
    rp_str want = {0};
    rp_str got = {0};
    greeting_shape(&want, plan->greeting->payload, plan->greeting->len);
    greeting_shape(&got, greeting.data, greeting.len);

    rp_result res = RP_MATCH;
    rp_resp r;
    rp_resp_init(&r, RP_CMD_LOGIN, 0);
    if (!greeted || plan->greeting->kind != DUMP_K_GREETING) {
        /* A refusal instead of a greeting, on either side: nothing follows. */
        report(L, "greeting", rp_str_cstr(&want), rp_str_cstr(&got));
    } else {
        uint8_t scramble[64];
        size_t scramble_len = 0;
        if (redir_greeting_scramble(&g, scramble, sizeof scramble, &scramble_len) == REDIR_OK) {
            rp_buf_append(&L->scramble, scramble, scramble_len);
        }
        login_result lr = login(L, &r, &g);
        if (lr == LOGIN_FAILED) {
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
                fprintf(L->out,
                        "  captured server packets answering no command (not compared): %s\n",
                        rp_str_cstr(&plan->extra));
            }
        }
    }
    rp_resp_free(&r);
    rp_str_free(&want);
    rp_str_free(&got);
    rp_buf_free(&greeting);
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
