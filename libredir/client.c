#include <string.h>

#include "client_internal.h"
#include "redir/wire.h"

#define DEFAULT_CHARSET 45u /* utf8mb4_general_ci */

static const char *const EVENT_NAMES[] = {
    "greeting", "start-tls", "auth-needed", "logged-in", "session-state",
    "redirect", "response",  "error",       "closed",
};

const char *redir_client_event_name(redir_client_event_type t) {
    size_t i = (size_t)t;
    return i < sizeof EVENT_NAMES / sizeof EVENT_NAMES[0] ? EVENT_NAMES[i] : NULL;
}

static const char *const RESP_NAMES[] = {
    "ok",  "err",        "progress",   "eof",       "ok-as-eof", "column-count",
    "column-def", "row", "prepare-ok", "param-def", "text",
};

const char *redir_client_resp_kind_name(redir_client_resp_kind k) {
    size_t i = (size_t)k;
    return i < sizeof RESP_NAMES / sizeof RESP_NAMES[0] ? RESP_NAMES[i] : NULL;
}

void redir_client_config_init(redir_client_config *cfg) {
    memset(cfg, 0, sizeof *cfg);
    cfg->tls = REDIR_TLS_REQUIRED;
    redir_policy_init(&cfg->policy);
}

static bool span_ok(redir_span s) { return s.ptr != NULL || s.len == 0; }

static bool has_nul(redir_span s) { return s.len > 0 && memchr(s.ptr, 0, s.len) != NULL; }

redir_status redir_client_init(redir_client *c, redir_diag *diag,
                               const redir_client_config *cfg) {
    if (diag != NULL) {
        diag->offset = 0;
        diag->needed = 0;
    }
    if (c == NULL || cfg == NULL) {
        return REDIR_E_INVALID_ARGUMENT;
    }
    memset(c, 0, sizeof *c);
    c->state = CL_CLOSED;
    if ((cfg->in_buf == NULL && cfg->in_cap != 0) || (cfg->out_buf == NULL && cfg->out_cap != 0) ||
        (cfg->join_buf == NULL && cfg->join_cap != 0) || cfg->in_cap < 64 || cfg->out_cap < 128 ||
        !span_ok(cfg->user) || !span_ok(cfg->database) || !span_ok(cfg->attributes) ||
        !span_ok(cfg->auth_plugin) || !span_ok(cfg->host) || has_nul(cfg->user) ||
        has_nul(cfg->database) || has_nul(cfg->auth_plugin) ||
        cfg->auth_plugin.len >= REDIR_CLIENT_PLUGIN_MAX || (unsigned)cfg->tls > REDIR_TLS_REQUIRED ||
        (cfg->visited == NULL && cfg->num_visited != 0)) {
        return REDIR_E_INVALID_ARGUMENT;
    }
    c->cfg = *cfg;
    if (c->cfg.max_packet == 0) {
        c->cfg.max_packet = 16u * 1024u * 1024u;
    }
    if (c->cfg.charset == 0) {
        c->cfg.charset = DEFAULT_CHARSET;
    }
    c->state = CL_GREETING;
    c->tls_pending = cfg->tls != REDIR_TLS_OFF;
    c->rseq = 0;
    return REDIR_OK;
}

redir_status redir_client_feed(redir_client *c, size_t *taken, const uint8_t *in,
                               size_t in_len) {
    if (taken != NULL) {
        *taken = 0;
    }
    if (c == NULL || (in == NULL && in_len != 0)) {
        return REDIR_E_INVALID_ARGUMENT;
    }
    if (c->in_eof || c->state == CL_CLOSED || c->state == CL_ENDING) {
        return REDIR_E_CLIENT_STATE;
    }
    /* Packets already consumed are dropped, but never while the current
     * packet still has events to report or an auth request views it. */
    if (c->in_pos > 0 && c->post == 0 && c->state != CL_AUTH_REPLY) {
        memmove(c->cfg.in_buf, c->cfg.in_buf + c->in_pos, c->in_len - c->in_pos);
        c->in_len -= c->in_pos;
        c->in_pos = 0;
    }
    size_t room = c->cfg.in_cap - c->in_len;
    size_t n = in_len < room ? in_len : room;
    if (n > 0) {
        memcpy(c->cfg.in_buf + c->in_len, in, n);
        c->in_len += n;
    }
    if (taken != NULL) {
        *taken = n;
    }
    return REDIR_OK;
}

void redir_client_eof(redir_client *c) {
    if (c != NULL) {
        c->in_eof = true;
    }
}

redir_span redir_client_output(const redir_client *c) {
    if (c == NULL || c->out_pos >= c->out_len) {
        return redir_span_of(NULL, 0);
    }
    return redir_span_of(c->cfg.out_buf + c->out_pos, c->out_len - c->out_pos);
}

void redir_client_output_consume(redir_client *c, size_t n) {
    if (c == NULL) {
        return;
    }
    size_t left = c->out_len - c->out_pos;
    c->out_pos += n < left ? n : left;
    if (c->out_pos == c->out_len) {
        c->out_pos = 0;
        c->out_len = 0;
    }
}

size_t cl_out_room(redir_client *c) {
    if (c->out_pos > 0) {
        memmove(c->cfg.out_buf, c->cfg.out_buf + c->out_pos, c->out_len - c->out_pos);
        c->out_len -= c->out_pos;
        c->out_pos = 0;
    }
    return c->cfg.out_cap - c->out_len;
}

redir_status cl_queue(redir_client *c, size_t *needed, uint8_t seq, const uint8_t *payload,
                      size_t len) {
    size_t size = 0;
    redir_status st = redir_message_encode(NULL, 0, &size, NULL, seq, payload, len);
    if (st != REDIR_E_NOSPACE && st != REDIR_OK) {
        return st;
    }
    size_t room = cl_out_room(c);
    if (size > room) {
        *needed = size - room;
        return REDIR_E_NOSPACE;
    }
    size_t wrote = 0;
    st = redir_message_encode(c->cfg.out_buf + c->out_len, room, &wrote, NULL, seq, payload, len);
    if (st == REDIR_OK) {
        c->out_len += wrote;
    }
    return st;
}

void cl_fail(redir_client *c, redir_status st, size_t offset, bool has_err) {
    c->err_status = st;
    c->err_diag.offset = offset;
    c->err_diag.needed = 0;
    if (!has_err) {
        memset(&c->err, 0, sizeof c->err);
    }
    c->post |= P_ERROR | P_CLOSED;
    c->state = CL_ENDING;
}

/* ------------------------------------------------------------------ input */

/* next_packet takes the next whole packet from the input into c->pkt.
 * REDIR_OK, REDIR_DONE (more bytes needed) or an error (already turned into
 * ERROR by the caller). */
static redir_status next_packet(redir_client *c, redir_diag *diag) {
    redir_message m;
    size_t used = 0;
    const uint8_t *at = c->cfg.in_buf + c->in_pos;
    size_t avail = c->in_len - c->in_pos;
    redir_status st = redir_message_decode(&m, &used, diag, at, avail, c->rseq, c->cfg.join_buf,
                                           c->cfg.join_cap, 0);
    if (st == REDIR_E_TRUNCATED) {
        if (c->in_pos == 0 && c->in_len == c->cfg.in_cap) {
            return REDIR_E_PACKET_TOO_LARGE; /* it can never fit */
        }
        return REDIR_DONE;
    }
    if (st == REDIR_E_NOSPACE) {
        return REDIR_E_PACKET_TOO_LARGE;
    }
    if (st != REDIR_OK) {
        diag->offset += c->in_pos;
        return st;
    }
    c->pkt = m.payload;
    c->pkt_seq = m.first_seq;
    c->rseq = m.next_seq;
    c->seq = (uint8_t)(m.next_seq - 1u);
    c->in_pos += used;
    return REDIR_OK;
}

static void on_command_packet(redir_client *c) {
    if (c->cmd_count == 0) {
        /* Nothing asked: a server closing the session says why with an ERR. */
        bool is_err = c->pkt.len > 0 && c->pkt.ptr[0] == 0xFF &&
                      redir_err_decode(&c->err, NULL, c->pkt.ptr, c->pkt.len, c->caps) == REDIR_OK;
        cl_fail(c, REDIR_E_CLIENT_UNEXPECTED, 0, is_err);
        return;
    }
    redir_diag diag = {0, 0};
    redir_status st = cl_resp_feed(c, &diag);
    if (st != REDIR_OK) {
        cl_fail(c, st, diag.offset, false);
        return;
    }
    c->post |= P_RESPONSE;
    if (c->resp.kind == REDIR_CLIENT_RESP_OK || c->resp.kind == REDIR_CLIENT_RESP_OK_AS_EOF) {
        c->post |= P_ENTRIES | P_REDIRECT_OK;
        c->ok_login = false;
    }
    if (c->resp.complete) {
        /* The tracker has already dropped the command from the queue. */
        if (c->pending) {
            c->post |= P_REDECIDE;
        }
    }
}

static void on_packet(redir_client *c) {
    switch (c->state) {
    case CL_GREETING:
        cl_on_greeting(c);
        break;
    case CL_TLS_WAIT:
        /* Nothing the server sends now is authenticated (CONC-648). */
        if (c->pkt.len > 0 && c->pkt.ptr[0] == 0xFF &&
            redir_err_decode(&c->err, NULL, c->pkt.ptr, c->pkt.len, 0) == REDIR_OK) {
            c->post |= P_REDIRECT_ERR;
            cl_fail(c, REDIR_E_BEFORE_TLS, 0, true);
        } else {
            cl_fail(c, REDIR_E_BEFORE_TLS, 0, false);
        }
        break;
    case CL_AUTH:
        cl_on_auth_packet(c);
        break;
    case CL_READY:
        on_command_packet(c);
        break;
    default:
        /* CL_AUTH_REPLY / CL_QUIT: the server speaks out of turn. */
        cl_fail(c, REDIR_E_CLIENT_UNEXPECTED, 0, false);
        break;
    }
}

/* --------------------------------------------------------------- events */

static void ev_base(const redir_client *c, redir_client_event *ev, redir_client_event_type t) {
    memset(ev, 0, sizeof *ev);
    ev->type = t;
    ev->payload = c->pkt;
    ev->seq = c->pkt_seq;
    ev->caps = c->caps;
}

static void set_ok(const redir_client *c, redir_client_event *ev) {
    ev->has_ok = true;
    ev->ok = c->ok;
}

static bool take(redir_client *c, unsigned bit) {
    if ((c->post & bit) != 0) {
        c->post &= ~bit;
        return true;
    }
    return false;
}

/* emit produces the next event the current packet owes; false when none. */
static bool emit(redir_client *c, redir_client_event *ev) {
    if (take(c, P_GREETING)) {
        ev_base(c, ev, REDIR_CLIENT_EV_GREETING);
        /* Decoded before: it cannot fail now. */
        if (redir_greeting_decode(&ev->greeting, NULL, c->pkt.ptr, c->pkt.len) != REDIR_OK) {
            memset(&ev->greeting, 0, sizeof ev->greeting);
        }
        return true;
    }
    if (take(c, P_START_TLS)) {
        ev_base(c, ev, REDIR_CLIENT_EV_START_TLS);
        return true;
    }
    if (take(c, P_AUTH)) {
        ev_base(c, ev, REDIR_CLIENT_EV_AUTH_NEEDED);
        ev->auth.plugin = redir_span_of(c->plugin, c->plugin_len);
        ev->auth.stage = (redir_auth_stage)c->auth_stage;
        if (ev->auth.stage == REDIR_AUTH_STAGE_INITIAL) {
            ev->auth.scramble = redir_span_of(c->scramble, c->scramble_len);
        } else if (ev->auth.stage == REDIR_AUTH_STAGE_RSA) {
            ev->auth.scramble = redir_span_of(c->scramble, c->scramble_len);
            ev->auth.data = redir_span_of(c->pkt.ptr + 1, c->pkt.len - 1);
        }
        return true;
    }
    if (take(c, P_LOGGED_IN)) {
        ev_base(c, ev, REDIR_CLIENT_EV_LOGGED_IN);
        set_ok(c, ev);
        return true;
    }
    if (take(c, P_RESPONSE)) {
        ev_base(c, ev, REDIR_CLIENT_EV_RESPONSE);
        ev->response = c->resp;
        if (c->resp.kind == REDIR_CLIENT_RESP_OK || c->resp.kind == REDIR_CLIENT_RESP_OK_AS_EOF) {
            set_ok(c, ev);
        } else if (c->resp.kind == REDIR_CLIENT_RESP_ERR ||
                   c->resp.kind == REDIR_CLIENT_RESP_PROGRESS) {
            ev->has_err = true;
            ev->err = c->err;
        }
        return true;
    }
    if ((c->post & P_ENTRIES) != 0) {
        if (!c->ok.has_session_state) {
            c->post &= ~P_ENTRIES;
        } else {
            redir_session_entry e;
            redir_diag d = {0, 0};
            redir_status st = redir_session_next(&c->iter, &e, &d);
            if (st == REDIR_OK) {
                ev_base(c, ev, REDIR_CLIENT_EV_SESSION_STATE);
                set_ok(c, ev);
                ev->entry = e;
                return true;
            }
            c->post &= ~P_ENTRIES;
            if (st != REDIR_DONE) {
                /* A malformed state block is a protocol violation. */
                c->post &= ~(P_REDIRECT_OK | P_REDECIDE);
                cl_fail(c, st, d.offset, false);
            }
        }
    }
    if (take(c, P_REDIRECT_OK)) {
        redir_instruction ins;
        redir_diag d = {0, 0};
        redir_status st = redir_redirect_from_ok(&ins, &d, &c->ok, c->ok_login);
        if (st != REDIR_NOT_FOUND) {
            ev_base(c, ev, REDIR_CLIENT_EV_REDIRECT);
            set_ok(c, ev);
            cl_report_redirect(c, ev, st, &ins, &d, c->ok_login, c->ok.status);
            return true;
        }
    }
    if (take(c, P_REDIRECT_ERR)) {
        redir_instruction ins;
        redir_diag d = {0, 0};
        redir_status st = redir_redirect_from_err(&ins, &d, &c->err, 0);
        if (st != REDIR_NOT_FOUND) {
            ev_base(c, ev, REDIR_CLIENT_EV_REDIRECT);
            ev->has_err = true;
            ev->err = c->err;
            cl_report_redirect(c, ev, st, &ins, &d, true, 0);
            return true;
        }
    }
    if (take(c, P_REDECIDE)) {
        if (cl_redecide(c, ev)) {
            return true;
        }
    }
    if (take(c, P_ERROR)) {
        ev_base(c, ev, REDIR_CLIENT_EV_ERROR);
        ev->status = c->err_status;
        ev->diag = c->err_diag;
        ev->has_err = c->err_status == REDIR_E_LOGIN_REFUSED ||
                      ((c->err_status == REDIR_E_BEFORE_TLS ||
                        c->err_status == REDIR_E_CLIENT_UNEXPECTED) &&
                       c->err.message.ptr != NULL);
        if (ev->has_err) {
            ev->err = c->err;
        }
        return true;
    }
    if (take(c, P_CLOSED)) {
        ev_base(c, ev, REDIR_CLIENT_EV_CLOSED);
        c->state = CL_CLOSED;
        c->post = 0;
        return true;
    }
    return false;
}

redir_status redir_client_next(redir_client *c, redir_client_event *ev) {
    if (c == NULL || ev == NULL) {
        return REDIR_E_INVALID_ARGUMENT;
    }
    for (;;) {
        if (c->post != 0 && emit(c, ev)) {
            return REDIR_OK;
        }
        c->post = 0;
        switch (c->state) {
        case CL_CLOSED:
            return REDIR_DONE;
        case CL_TLS_WAIT:
            /* Bytes fed in clear after the SSLRequest are judged below. */
            if (c->in_pos == c->in_len && !c->in_eof) {
                return REDIR_DONE;
            }
            break;
        case CL_AUTH_REPLY:
            if (c->in_eof) {
                break;
            }
            return REDIR_DONE;
        case CL_QUIT:
            if (c->out_pos == c->out_len) {
                c->post = P_CLOSED;
                c->state = CL_ENDING;
                continue;
            }
            return REDIR_DONE;
        case CL_ENDING:
            c->post = P_CLOSED;
            continue;
        case CL_READY:
            /* Bytes that answer nothing wait for a command, unless the
             * connection ended: then they are the server's last word. */
            if (c->cmd_count == 0 && !c->in_eof) {
                return REDIR_DONE;
            }
            break;
        default:
            break;
        }
        redir_diag diag = {0, 0};
        redir_status st = next_packet(c, &diag);
        if (st == REDIR_DONE) {
            if (!c->in_eof) {
                return REDIR_DONE;
            }
            c->pkt = redir_span_of(NULL, 0);
            cl_fail(c, REDIR_E_CLIENT_CLOSED, c->in_len - c->in_pos, false);
            continue;
        }
        if (st != REDIR_OK) {
            c->pkt = redir_span_of(NULL, 0);
            cl_fail(c, st, diag.offset, false);
            continue;
        }
        on_packet(c);
    }
}

redir_status redir_client_tls_done(redir_client *c, bool verified) {
    if (c == NULL) {
        return REDIR_E_INVALID_ARGUMENT;
    }
    if (c->state != CL_TLS_WAIT || c->post != 0 || c->in_pos < c->in_len) {
        return REDIR_E_CLIENT_STATE;
    }
    c->tls_up = true;
    c->tls_pending = false;
    c->verified = verified;
    cl_begin_login(c);
    return REDIR_OK;
}

redir_status redir_client_auth_reply(redir_client *c, redir_diag *diag, const uint8_t *data,
                                     size_t len) {
    if (diag != NULL) {
        diag->offset = 0;
        diag->needed = 0;
    }
    if (c == NULL || (data == NULL && len != 0)) {
        return REDIR_E_INVALID_ARGUMENT;
    }
    if (c->state != CL_AUTH_REPLY || (c->post & P_AUTH) != 0) {
        return REDIR_E_CLIENT_STATE;
    }
    size_t needed = 0;
    redir_status st;
    if (c->auth_for_response) {
        st = cl_send_response(c, &needed, data, len);
    } else {
        st = cl_queue(c, &needed, (uint8_t)(c->seq + 1u), data, len);
        if (st == REDIR_OK) {
            c->seq++;
            c->rseq = (uint8_t)(c->seq + 1u);
        }
    }
    if (st == REDIR_E_NOSPACE && diag != NULL) {
        diag->needed = needed;
    }
    if (st == REDIR_OK) {
        c->state = CL_AUTH;
    }
    return st;
}

bool cl_command_has_response(uint8_t cmd) {
    /* COM_QUIT, COM_STMT_SEND_LONG_DATA, COM_STMT_CLOSE */
    return cmd != 0x01 && cmd != 0x18 && cmd != 0x19;
}

redir_status redir_client_command(redir_client *c, redir_diag *diag, const uint8_t *payload,
                                  size_t len) {
    if (diag != NULL) {
        diag->offset = 0;
        diag->needed = 0;
    }
    if (c == NULL || (payload == NULL && len != 0)) {
        return REDIR_E_INVALID_ARGUMENT;
    }
    if (c->state != CL_READY) {
        return REDIR_E_CLIENT_STATE;
    }
    if (len == 0) {
        return REDIR_E_EMPTY_PACKET;
    }
    uint8_t cmd = payload[0];
    if (cmd == 0x11) { /* COM_CHANGE_USER: its auth exchange is not driven here */
        return REDIR_E_INVALID_ARGUMENT;
    }
    bool answered = cl_command_has_response(cmd);
    if (answered && c->cmd_count == REDIR_CLIENT_MAX_PIPELINE) {
        return REDIR_E_CLIENT_PIPELINE_FULL;
    }
    size_t needed = 0;
    redir_status st = cl_queue(c, &needed, 0, payload, len);
    if (st != REDIR_OK) {
        if (st == REDIR_E_NOSPACE && diag != NULL) {
            diag->needed = needed;
        }
        return st;
    }
    if (cmd == 0x01) {
        c->state = CL_QUIT;
    } else if (answered) {
        if (c->cmd_count == 0) {
            c->rseq = 1;
            c->rstate = 0;
        }
        c->cmds[(c->cmd_head + c->cmd_count) % REDIR_CLIENT_MAX_PIPELINE] = cmd;
        c->cmd_count++;
    }
    return REDIR_OK;
}

bool redir_client_idle(const redir_client *c) {
    return c != NULL && c->state == CL_READY && c->cmd_count == 0 &&
           (c->last_status & (REDIR_STATUS_IN_TRANS | REDIR_STATUS_MORE_RESULTS_EXISTS)) == 0;
}

uint64_t redir_client_negotiated(const redir_client *c) { return c != NULL ? c->caps : 0; }

size_t redir_client_in_flight(const redir_client *c) { return c != NULL ? c->cmd_count : 0; }
