#include "probe_conn.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <redir/auth.h>
#include <redir/client.h>
#include <redir/command.h>

#include "net.h"
#include "tls.h"

#define IN_CAP (256u * 1024u)
#define JOIN_CAP (16u * 1024u * 1024u) /* the largest payload the probe accepts */
#define OUT_CAP (64u * 1024u)
#define READ_CHUNK 16384u
#define MAX_VALUES 64           /* columns shown per row */
#define COLUMN_NAME_MAX 64      /* bytes of a column name shown */

typedef struct attempt {
    const probe_opts *o;
    probe_out *out;
    SSL_CTX *ctx;
    const probe_target *t;
    probe_target *next;
    int fd;
    SSL *ssl;
    redir_client c;
    uint8_t *in_buf, *join_buf, *out_buf;
    uint8_t rbuf[READ_CHUNK]; /* received, not yet taken by the engine */
    size_t rpos, rlen;
    char plugin[REDIR_CLIENT_PLUGIN_MAX];
    bool logged_in, query_done, quit_sent;
    size_t queries_sent, queries_answered;
    bool stop;                /* nothing more to do on this connection */
    probe_result result;
    uint64_t rows;
    char column_names[MAX_VALUES][COLUMN_NAME_MAX];
    redir_span columns[MAX_VALUES];
    size_t num_columns;
    char err[512];
} attempt;

static void fail(attempt *a, const char *what, const char *detail, redir_status st,
                 const redir_err *err) {
    probe_out_error(a->out, what, detail, st, err);
    a->result = PROBE_FAILED;
    a->stop = true;
}

static int flush(attempt *a) {
    redir_span pending = redir_client_output(&a->c);
    if (pending.len == 0) {
        return 0;
    }
    int rc = a->ssl != NULL ? tls_write_all(a->ssl, pending.ptr, pending.len, a->o->timeout_ms,
                                            a->err, sizeof a->err)
                            : net_write_all(a->fd, pending.ptr, pending.len, a->o->timeout_ms,
                                            a->err, sizeof a->err);
    if (rc != 0) {
        fail(a, "send", a->err, REDIR_OK, NULL);
        return -1;
    }
    redir_client_output_consume(&a->c, pending.len);
    return 0;
}

/* command queues one command the library encodes (COM_QUERY, COM_QUIT). */
static int command(attempt *a, const redir_command *cmd) {
    uint8_t payload[4096];
    size_t len = 0;
    redir_diag diag = {0, 0};
    redir_status st = redir_command_encode(payload, sizeof payload, &len, cmd,
                                           redir_client_negotiated(&a->c));
    if (st == REDIR_OK) {
        st = redir_client_command(&a->c, &diag, payload, len);
    }
    if (st != REDIR_OK) {
        fail(a, "command", "the command cannot be sent", st, NULL);
        return -1;
    }
    return 0;
}

static void send_query(attempt *a) {
    const char *sql = a->o->queries[a->queries_sent];
    redir_command cmd;
    memset(&cmd, 0, sizeof cmd);
    cmd.command = REDIR_COM_QUERY;
    cmd.as.query.sql = redir_span_of(sql, strlen(sql));
    probe_out_query(a->out, sql);
    if (command(a, &cmd) == 0) {
        a->queries_sent++;
    }
}

static void send_quit(attempt *a) {
    redir_command cmd;
    memset(&cmd, 0, sizeof cmd);
    cmd.command = REDIR_COM_QUIT;
    a->quit_sent = true;
    (void)command(a, &cmd);
}

/* plaintext_instead_of_tls hands the bytes the server sent in place of its
 * TLS answer to the engine, which judges them as what arrived before TLS. */
static void plaintext_instead_of_tls(attempt *a, const tls_first_bytes *fb) {
    SSL_free(a->ssl);
    a->ssl = NULL;
    probe_out_error(a->out, "tls handshake", "the server answered in plaintext instead of TLS",
                    REDIR_OK, NULL);
    size_t left = a->rlen - a->rpos;
    memmove(a->rbuf, a->rbuf + a->rpos, left);
    memcpy(a->rbuf + left, fb->data, fb->len); /* READ_CHUNK leaves room for both */
    a->rpos = 0;
    a->rlen = left + fb->len;
}

/* start_tls sends the SSLRequest and runs the handshake. */
static void start_tls(attempt *a) {
    if (flush(a) != 0) {
        return;
    }
    if (a->ctx == NULL) {
        fail(a, "tls", "the engine asked for TLS with TLS off", REDIR_OK, NULL);
        return;
    }
    a->ssl = tls_client_new(a->ctx, a->fd, a->t->host, a->err, sizeof a->err);
    if (a->ssl == NULL) {
        fail(a, "tls", a->err, REDIR_OK, NULL);
        return;
    }
    tls_first_bytes fb;
    tls_keep_first_bytes(a->ssl, &fb);
    for (;;) {
        tls_step s = tls_handshake_step(a->ssl, a->err, sizeof a->err);
        if (s == TLS_STEP_DONE) {
            break;
        }
        if (s == TLS_STEP_ERROR) {
            if (tls_first_bytes_plaintext(&fb)) {
                plaintext_instead_of_tls(a, &fb);
            } else {
                fail(a, "tls handshake", a->err, REDIR_OK, NULL);
            }
            return;
        }
        short ev = s == TLS_STEP_WANT_READ ? POLLIN : POLLOUT;
        int w = net_wait(a->fd, ev, a->o->timeout_ms);
        if (w <= 0) {
            fail(a, "tls handshake", w == 0 ? "the server did not answer in time" : strerror(errno),
                 REDIR_OK, NULL);
            return;
        }
    }
    tls_keep_first_bytes(a->ssl, NULL);
    bool verified = tls_peer_verified(a->ssl);
    probe_out_tls(a->out, a->ssl, verified);
    redir_status st = redir_client_tls_done(&a->c, verified);
    if (st != REDIR_OK) {
        fail(a, "tls", "the engine refused the TLS upgrade", st, NULL);
    }
}

static void answer_auth(attempt *a, const redir_auth_request *req) {
    snprintf(a->plugin, sizeof a->plugin, "%.*s", (int)req->plugin.len,
             (const char *)req->plugin.ptr);
    uint8_t answer[2048];
    size_t len = 0;
    const char *pw = a->t->password;
    redir_status st = redir_auth_answer(answer, sizeof answer, &len, req, (const uint8_t *)pw,
                                        strlen(pw));
    if (st != REDIR_OK) {
        snprintf(a->err, sizeof a->err, "cannot answer the %s plugin", a->plugin);
        fail(a, "authentication", a->err, st, NULL);
        return;
    }
    redir_diag diag = {0, 0};
    st = redir_client_auth_reply(&a->c, &diag, answer, len);
    if (st == REDIR_E_NOSPACE && flush(a) == 0) {
        st = redir_client_auth_reply(&a->c, &diag, answer, len);
    }
    if (st != REDIR_OK) {
        fail(a, "authentication", "the answer cannot be sent", st, NULL);
    }
}

/* print_row shows the values of one text row (library lenenc strings). */
static void print_row(attempt *a, redir_span row) {
    redir_span values[MAX_VALUES];
    bool is_null[MAX_VALUES];
    size_t n = 0;
    size_t off = 0;
    while (off < row.len && n < MAX_VALUES) {
        size_t used = 0;
        redir_diag diag = {0, 0};
        redir_status st =
            redir_lenenc_str_decode(&values[n], &used, &diag, row.ptr + off, row.len - off);
        is_null[n] = st == REDIR_E_LENENC_NULL;
        if (is_null[n]) {
            used = 1;
            values[n] = redir_span_of(NULL, 0);
        } else if (st != REDIR_OK) {
            fail(a, "query", "a row does not decode", st, NULL);
            return;
        }
        off += used;
        n++;
    }
    probe_out_row(a->out, a->columns, a->num_columns, values, is_null, n);
}

static void on_redirect(attempt *a, const redir_client_event *ev) {
    probe_out_redirect(a->out, &ev->redirect, ev->status, ev->decision, ev->reason,
                       ev->deferred);
    if (ev->status != REDIR_OK || ev->decision != REDIR_DECISION_FOLLOW) {
        return;
    }
    if (probe_target_from_redirect(a->next, a->t, &ev->redirect, a->err, sizeof a->err) != 0) {
        fail(a, "redirect", a->err, REDIR_OK, NULL);
        return;
    }
    a->result = PROBE_FOLLOW;
    a->stop = true;
}

static void on_response(attempt *a, const redir_client_event *ev) {
    const redir_resp_event *r = &ev->response;
    switch (r->kind) {
    case REDIR_RESP_COLUMN_COUNT:
        a->num_columns = 0;
        break;
    case REDIR_RESP_COLUMN_DEF:
        if (a->num_columns < MAX_VALUES) {
            /* Names are kept: the event's views end with the next feed. */
            char *dst = a->column_names[a->num_columns];
            size_t n = r->column.name.len < COLUMN_NAME_MAX ? r->column.name.len : COLUMN_NAME_MAX;
            if (n > 0) {
                memcpy(dst, r->column.name.ptr, n);
            }
            a->columns[a->num_columns++] = redir_span_of(dst, n);
        }
        break;
    case REDIR_RESP_ROW:
        a->rows++;
        print_row(a, r->data);
        break;
    case REDIR_RESP_ERR:
        fail(a, "query", "the server refused the query", REDIR_OK, &r->err);
        return;
    default:
        break;
    }
    if (r->complete && r->command == REDIR_COM_QUERY && a->queries_answered < a->queries_sent) {
        a->queries_answered++;
        probe_out_query_done(a->out, a->rows);
        a->rows = 0;
        a->query_done = a->queries_answered == a->o->num_queries;
    }
}

static void on_event(attempt *a, const redir_client_event *ev) {
    switch (ev->type) {
    case REDIR_CLIENT_EV_GREETING:
        probe_out_greeting(a->out, ev->payload);
        break;
    case REDIR_CLIENT_EV_START_TLS:
        start_tls(a);
        break;
    case REDIR_CLIENT_EV_AUTH_NEEDED:
        answer_auth(a, &ev->auth);
        break;
    case REDIR_CLIENT_EV_AUTH_DATA:
        /* The engine answered it itself (caching_sha2_password's fast path
         * done, or its RSA key requested): nothing to report. */
        break;
    case REDIR_CLIENT_EV_LOGGED_IN:
        a->logged_in = true;
        probe_out_logged_in(a->out, a->t->user, ev->caps,
                            redir_span_of(a->plugin, strlen(a->plugin)));
        break;
    case REDIR_CLIENT_EV_SESSION_STATE:
        probe_out_session_entry(a->out, &ev->entry);
        break;
    case REDIR_CLIENT_EV_REDIRECT:
        on_redirect(a, ev);
        break;
    case REDIR_CLIENT_EV_RESPONSE:
        on_response(a, ev);
        break;
    case REDIR_CLIENT_EV_ERROR:
        fail(a, a->logged_in ? "session" : "login", redir_status_message(ev->status), ev->status,
             ev->has_err ? &ev->err : NULL);
        break;
    case REDIR_CLIENT_EV_CLOSED:
        a->result = a->query_done ? PROBE_LANDED : PROBE_FAILED;
        if (!a->query_done && !a->stop) {
            probe_out_error(a->out, "session", "the connection ended before the query ran",
                            REDIR_OK, NULL);
        }
        a->stop = true;
        break;
    }
}

/* receive reads what the server sent into rbuf; 0, or -1 when the attempt
 * is over (reported). End of stream goes to the engine. */
static int receive(attempt *a) {
    for (;;) {
        ssize_t n = a->ssl != NULL ? tls_read(a->ssl, a->rbuf, sizeof a->rbuf, a->err,
                                              sizeof a->err)
                                   : net_read(a->fd, a->rbuf, sizeof a->rbuf);
        if (n > 0) {
            a->rpos = 0;
            a->rlen = (size_t)n;
            return 0;
        }
        if (n == 0) {
            redir_client_eof(&a->c);
            return 0;
        }
        bool again = a->ssl != NULL ? n == TLS_IO_WANT_READ || n == TLS_IO_WANT_WRITE
                                    : n == NET_AGAIN;
        if (!again) {
            fail(a, "receive", a->ssl != NULL ? a->err : strerror(errno), REDIR_OK, NULL);
            return -1;
        }
        short ev = a->ssl != NULL && n == TLS_IO_WANT_WRITE ? POLLOUT : POLLIN;
        int w = net_wait(a->fd, ev, a->o->timeout_ms);
        if (w <= 0) {
            fail(a, "receive", w == 0 ? "the server sent nothing in time" : strerror(errno),
                 REDIR_OK, NULL);
            return -1;
        }
    }
}

static void run(attempt *a) {
    redir_client_event ev;
    for (;;) {
        size_t before = a->rpos;
        if (a->rpos < a->rlen) {
            size_t taken = 0;
            redir_status st = redir_client_feed(&a->c, &taken, a->rbuf + a->rpos,
                                                a->rlen - a->rpos);
            if (st != REDIR_OK) {
                fail(a, "receive", "the engine does not take more bytes", st, NULL);
                return;
            }
            a->rpos += taken;
        }
        bool progressed = a->rpos != before;
        redir_status st = REDIR_DONE;
        while (!a->stop && (st = redir_client_next(&a->c, &ev)) == REDIR_OK) {
            progressed = true;
            on_event(a, &ev);
        }
        if (a->stop) {
            return;
        }
        if (st != REDIR_DONE) {
            fail(a, "engine", "unexpected engine status", st, NULL);
            return;
        }
        bool sent = false;
        if (a->logged_in && a->queries_sent < a->o->num_queries &&
            (a->o->pipeline || a->queries_answered == a->queries_sent)) {
            /* One by one, each once the previous one is answered (a redirect
             * deferred until then has been decided), or all at once. */
            do {
                send_query(a);
            } while (a->o->pipeline && !a->stop && a->queries_sent < a->o->num_queries);
            sent = true;
        } else if (a->query_done && !a->quit_sent) {
            send_quit(a);
            sent = true;
        }
        if (a->stop || flush(a) != 0) {
            return;
        }
        if (sent) {
            continue; /* the engine may have events now (CLOSED after COM_QUIT) */
        }
        if (a->rpos < a->rlen) {
            if (!progressed) {
                fail(a, "receive", "the engine takes no more bytes",
                     REDIR_E_PACKET_TOO_LARGE, NULL);
                return;
            }
            continue;
        }
        if (receive(a) != 0) {
            return;
        }
    }
}

/* close_conn ends a connection left for a redirect politely: COM_QUIT when
 * logged in, then close_notify. */
static void close_conn(attempt *a) {
    if (a->result == PROBE_FOLLOW && a->logged_in && !a->quit_sent) {
        a->stop = false;
        send_quit(a);
        (void)flush(a);
    }
    tls_close(a->ssl);
    a->ssl = NULL;
    if (a->fd >= 0) {
        close(a->fd);
    }
}

probe_result probe_attempt(const probe_opts *o, SSL_CTX *ctx, const probe_target *t,
                           unsigned hops, const redir_span *visited, size_t num_visited,
                           probe_out *out, probe_target *next) {
    attempt *a = calloc(1, sizeof *a);
    if (a == NULL) {
        probe_out_error(out, "memory", "out of memory", REDIR_OK, NULL);
        return PROBE_FAILED;
    }
    a->o = o;
    a->out = out;
    a->ctx = ctx;
    a->t = t;
    a->next = next;
    a->result = PROBE_FAILED;
    probe_out_connect(out, t, hops);

    char port[8];
    snprintf(port, sizeof port, "%u", t->port);
    a->fd = net_connect(t->host, port, o->timeout_ms, a->err, sizeof a->err);
    a->in_buf = malloc(IN_CAP);
    a->join_buf = malloc(JOIN_CAP);
    a->out_buf = malloc(OUT_CAP);
    if (a->fd < 0 || a->in_buf == NULL || a->join_buf == NULL || a->out_buf == NULL) {
        probe_out_error(out, "connect", a->fd < 0 ? a->err : "out of memory", REDIR_OK, NULL);
    } else if (net_set_nonblocking(a->fd, true) != 0) {
        probe_out_error(out, "connect", strerror(errno), REDIR_OK, NULL);
    } else {
        char local[80], peer[80];
        net_local_addr(a->fd, local, sizeof local);
        net_peer_addr(a->fd, peer, sizeof peer);
        probe_out_connected(out, local, peer);

        redir_client_config cfg;
        redir_client_config_init(&cfg);
        cfg.user = redir_span_of(t->user, strlen(t->user));
        cfg.has_database = t->has_database;
        cfg.database = redir_span_of(t->database, strlen(t->database));
        cfg.tls = o->tls == PROBE_TLS_REQUIRED    ? REDIR_TLS_REQUIRED
                  : o->tls == PROBE_TLS_PREFERRED ? REDIR_TLS_PREFERRED
                                                  : REDIR_TLS_OFF;
        cfg.policy.permit = o->permit;
        cfg.policy.max_hops = o->follow;
        cfg.host = redir_span_of(t->host, strlen(t->host));
        cfg.port = t->port;
        cfg.hops = hops;
        cfg.visited = visited;
        cfg.num_visited = num_visited;
        cfg.in_buf = a->in_buf;
        cfg.in_cap = IN_CAP;
        cfg.join_buf = a->join_buf;
        cfg.join_cap = JOIN_CAP;
        cfg.out_buf = a->out_buf;
        cfg.out_cap = OUT_CAP;
        redir_diag diag = {0, 0};
        redir_status st = redir_client_init(&a->c, &diag, &cfg);
        if (st != REDIR_OK) {
            probe_out_error(out, "engine", "the client engine refused the configuration", st,
                            NULL);
        } else {
            run(a);
        }
    }
    close_conn(a);
    probe_result r = a->result;
    free(a->in_buf);
    free(a->join_buf);
    free(a->out_buf);
    free(a);
    return r;
}
