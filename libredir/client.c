#include <string.h>

#include "client_internal.h"
#include "redir/wire.h"
#include "util.h"

#define DEFAULT_CHARSET 45u /* utf8mb4_general_ci */

static const char *const EVENT_NAMES[] = {
    "greeting", "start-tls", "auth-needed", "auth-data", "logged-in",
    "session-state", "redirect", "response", "error", "closed",
};

const char *redir_client_event_name(redir_client_event_type t) {
    size_t i = (size_t)t;
    return i < sizeof EVENT_NAMES / sizeof EVENT_NAMES[0] ? EVENT_NAMES[i] : NULL;
}

void redir_client_config_init(redir_client_config *cfg) {
    memset(cfg, 0, sizeof *cfg);
    cfg->tls = REDIR_TLS_REQUIRED;
    redir_policy_init(&cfg->policy);
}

static bool has_nul(redir_span s) { return s.len > 0 && memchr(s.ptr, 0, s.len) != NULL; }

static bool bad_config(const redir_client_config *cfg) {
    return cfg->in_buf == NULL || cfg->in_cap < 64 || cfg->join_buf == NULL ||
           cfg->join_cap < 64 || cfg->out_buf == NULL || cfg->out_cap < 128 ||
           (cfg->inflate_buf == NULL && cfg->inflate_cap != 0) ||
           (cfg->scratch == NULL && cfg->scratch_len != 0) || !redir__span_ok(cfg->user) ||
           !redir__span_ok(cfg->database) || !redir__span_ok(cfg->attributes) ||
           !redir__span_ok(cfg->auth_plugin) || !redir__span_ok(cfg->host) ||
           has_nul(cfg->user) || has_nul(cfg->database) ||
           has_nul(cfg->auth_plugin) || cfg->auth_plugin.len >= REDIR_CLIENT_PLUGIN_MAX ||
           (unsigned)cfg->tls > REDIR_TLS_REQUIRED ||
           (cfg->visited == NULL && cfg->num_visited != 0);
}

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
    if (bad_config(cfg)) {
        return REDIR_E_INVALID_ARGUMENT;
    }
    c->cfg = *cfg;
    if (c->cfg.max_packet == 0) {
        c->cfg.max_packet = 16u * 1024u * 1024u;
    }
    if (c->cfg.charset == 0) {
        c->cfg.charset = DEFAULT_CHARSET;
    }
    bool inflate = cfg->inflate_buf != NULL && cfg->scratch != NULL;
    redir_framer_config fc;
    memset(&fc, 0, sizeof fc);
    fc.in = cfg->in_buf;
    fc.in_cap = cfg->in_cap;
    fc.join = cfg->join_buf;
    fc.join_cap = cfg->join_cap;
    fc.inflate = inflate ? cfg->inflate_buf : NULL;
    fc.inflate_cap = inflate ? cfg->inflate_cap : 0;
    fc.scratch = inflate ? cfg->scratch : NULL;
    fc.scratch_len = inflate ? cfg->scratch_len : 0;
    fc.on_cframe = cl_frame_cseq;
    fc.on_cframe_ctx = c;
    redir_status st = redir_framer_init(&c->framer, &fc);
    if (st == REDIR_OK) {
        st = redir_framer_expect_seq(&c->framer, 0);
    }
    if (st != REDIR_OK) {
        return st;
    }
    c->state = CL_GREETING;
    c->tls_pending = cfg->tls != REDIR_TLS_OFF;
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
    /* The current packet's views must stay put until its events are out. */
    if (c->post != 0 || c->state == CL_AUTH_REPLY || in_len == 0) {
        return REDIR_OK;
    }
    if (c->state == CL_TLS_WAIT) {
        c->clear_bytes = true;
    }
    size_t n = 0;
    redir_status st = redir_framer_feed(&c->framer, &n, in, in_len);
    if (taken != NULL) {
        *taken = n;
    }
    return st;
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

static void on_command_packet(redir_client *c) {
    size_t before = redir_resp_pending(&c->tracker);
    redir_diag d = {0, 0};
    redir_status st = redir_resp_feed(&c->tracker, &c->resp, &d, c->pkt.ptr, c->pkt.len);
    if (st != REDIR_OK) {
        /* A server ending the session says why with an ERR nobody asked for. */
        bool is_err = before == 0 && c->pkt.len > 0 && c->pkt.ptr[0] == 0xFF &&
                      redir_err_decode(&c->err, NULL, c->pkt.ptr, c->pkt.len, c->caps) == REDIR_OK;
        cl_fail(c, is_err ? REDIR_E_CLIENT_UNEXPECTED : st, d.offset, is_err);
        return;
    }
    c->others_in_flight = before > 0 ? (unsigned)(before - 1u) : 0;
    c->post |= P_RESPONSE;
    switch (c->resp.kind) {
    case REDIR_RESP_OK:
    case REDIR_RESP_OK_AS_EOF:
        c->ok = c->resp.ok;
        c->ok_login = false;
        redir_session_iter_init(&c->iter, c->ok.session_state);
        c->post |= P_ENTRIES | P_REDIRECT_OK;
        break;
    case REDIR_RESP_ERR:
        c->err = c->resp.err;
        c->last_status &= (uint16_t)~REDIR_STATUS_MORE_RESULTS_EXISTS;
        break;
    case REDIR_RESP_PROGRESS:
        c->err = c->resp.err;
        break;
    case REDIR_RESP_AUTH_SWITCH:
        cl_on_switch(c, true);
        break;
    case REDIR_RESP_AUTH_MORE_DATA:
        cl_on_more_data(c, true);
        break;
    case REDIR_RESP_LOCAL_INFILE:
        /* The caller sends the file with redir_client_command. */
        break;
    default:
        break;
    }
    if (c->resp.has_status) {
        c->last_status = c->resp.status;
    }
    if (c->resp.complete) {
        /* The next response starts at 1; with nothing asked, a packet can
         * only be the server's own (an ERR before it closes), any id. */
        cl_expect_seq(c, redir_resp_pending(&c->tracker) > 0 ? 1 : -1);
    }
    if (c->resp.complete && c->pending) {
        c->post |= P_REDECIDE;
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
        /* CL_QUIT: the server speaks after COM_QUIT. */
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

static bool emit_entry(redir_client *c, redir_client_event *ev) {
    if (!c->ok.has_session_state) {
        c->post &= ~P_ENTRIES;
        return false;
    }
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
    return false;
}

static bool emit_redirect(redir_client *c, redir_client_event *ev, bool from_ok) {
    redir_instruction ins;
    redir_diag d = {0, 0};
    redir_status st = from_ok ? redir_redirect_from_ok(&ins, &d, &c->ok, c->ok_login)
                              : redir_redirect_from_err(&ins, &d, &c->err, 0);
    if (st == REDIR_NOT_FOUND) {
        return false;
    }
    ev_base(c, ev, REDIR_CLIENT_EV_REDIRECT);
    if (from_ok) {
        set_ok(c, ev);
        cl_report_redirect(c, ev, st, &ins, &d, c->ok_login, c->ok.status);
    } else {
        ev->has_err = true;
        ev->err = c->err;
        cl_report_redirect(c, ev, st, &ins, &d, true, 0);
    }
    return true;
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
        ev->payload = redir_span_of(NULL, 0);
        return true;
    }
    if (take(c, P_RESPONSE)) {
        ev_base(c, ev, REDIR_CLIENT_EV_RESPONSE);
        ev->response = c->resp;
        if (c->resp.kind == REDIR_RESP_OK || c->resp.kind == REDIR_RESP_OK_AS_EOF) {
            set_ok(c, ev);
        } else if (c->resp.kind == REDIR_RESP_ERR || c->resp.kind == REDIR_RESP_PROGRESS) {
            ev->has_err = true;
            ev->err = c->resp.err;
        }
        return true;
    }
    if (take(c, P_AUTH)) {
        ev_base(c, ev, REDIR_CLIENT_EV_AUTH_NEEDED);
        if (c->auth_kind == AK_HANDSHAKE || c->auth_kind == AK_CHANGE_USER) {
            ev->payload = redir_span_of(NULL, 0); /* asked by no server packet */
        }
        ev->auth.plugin = redir_span_of(c->plugin, c->plugin_len);
        ev->auth.stage = (redir_auth_stage)c->auth_stage;
        if (ev->auth.stage != REDIR_AUTH_STAGE_CLEARTEXT) {
            ev->auth.scramble = redir_span_of(c->scramble, c->scramble_len);
        }
        if (ev->auth.stage == REDIR_AUTH_STAGE_RSA) {
            ev->auth.data = redir_span_of(c->pkt.ptr + 1, c->pkt.len - 1);
        }
        return true;
    }
    if (take(c, P_AUTH_DATA)) {
        ev_base(c, ev, REDIR_CLIENT_EV_AUTH_DATA);
        return true;
    }
    if (take(c, P_LOGGED_IN)) {
        ev_base(c, ev, REDIR_CLIENT_EV_LOGGED_IN);
        set_ok(c, ev);
        return true;
    }
    if ((c->post & P_ENTRIES) != 0 && emit_entry(c, ev)) {
        return true;
    }
    if (take(c, P_REDIRECT_OK) && emit_redirect(c, ev, true)) {
        return true;
    }
    if (take(c, P_REDIRECT_ERR) && emit_redirect(c, ev, false)) {
        return true;
    }
    if (take(c, P_REDECIDE) && cl_redecide(c, ev)) {
        return true;
    }
    if (take(c, P_ERROR)) {
        ev_base(c, ev, REDIR_CLIENT_EV_ERROR);
        ev->status = c->err_status;
        ev->diag = c->err_diag;
        ev->has_err = c->err.message.ptr != NULL || c->err.code != 0;
        ev->err = c->err;
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

/* wait_here: nothing can happen before the caller acts. */
static bool wait_here(redir_client *c) {
    switch (c->state) {
    case CL_CLOSED:
        return true;
    case CL_TLS_WAIT:
        /* Bytes fed in clear after the SSLRequest are judged. */
        return !c->clear_bytes && !c->in_eof;
    case CL_AUTH_REPLY:
        return !c->in_eof;
    case CL_READY:
        /* Bytes that answer nothing wait for a command, unless the
         * connection ended: then they are the server's last word. */
        return redir_resp_pending(&c->tracker) == 0 && !c->in_eof;
    default:
        return false;
    }
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
        if (c->state == CL_QUIT) {
            if (c->out_pos != c->out_len) {
                return REDIR_DONE;
            }
            c->state = CL_ENDING;
        }
        if (c->state == CL_ENDING) {
            c->post = P_CLOSED;
            continue;
        }
        if (wait_here(c)) {
            return REDIR_DONE;
        }
        if (c->compress_pending) {
            c->compress_pending = false;
            if (redir_framer_set_compressed(&c->framer, true) != REDIR_OK ||
                redir_framer_expect_seq(&c->framer, -1) != REDIR_OK) {
                cl_fail(c, REDIR_E_CLIENT_STATE, 0, false);
                continue;
            }
        }
        redir_framed f;
        redir_diag d = {0, 0};
        redir_status st = redir_framer_next(&c->framer, &f, &d);
        c->pkt = redir_span_of(NULL, 0);
        if (st == REDIR_DONE) {
            if (!c->in_eof) {
                return REDIR_DONE;
            }
            /* Where a partial packet starts, if one does. */
            if (redir_framer_finish(&c->framer, &d) == REDIR_OK) {
                d.offset = 0;
            }
            cl_fail(c, REDIR_E_CLIENT_CLOSED, d.offset, false);
            continue;
        }
        if (st != REDIR_OK) {
            cl_fail(c, st, d.offset, false);
            continue;
        }
        c->pkt = f.msg.payload;
        c->pkt_seq = f.msg.first_seq;
        c->seq = (uint8_t)(f.msg.next_seq - 1u);
        on_packet(c);
    }
}

redir_status redir_client_tls_done(redir_client *c, bool verified) {
    if (c == NULL) {
        return REDIR_E_INVALID_ARGUMENT;
    }
    if (c->state != CL_TLS_WAIT || c->post != 0 || c->clear_bytes) {
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
    switch (c->auth_kind) {
    case AK_HANDSHAKE:
        st = cl_send_response(c, &needed, data, len);
        break;
    case AK_CHANGE_USER:
        st = cl_send_change_user(c, &needed, data, len);
        break;
    default:
        st = cl_send_auth_data(c, &needed, data, len);
        break;
    }
    if (st == REDIR_E_NOSPACE && diag != NULL) {
        diag->needed = needed;
    }
    if (st == REDIR_OK) {
        c->state = c->auth_kind == AK_HANDSHAKE || c->auth_kind == AK_LOGIN_DATA ? CL_AUTH
                                                                                : CL_READY;
    }
    return st;
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
    /* Logged in and the server waits for the client: LOCAL INFILE data (the
     * answers inside COM_CHANGE_USER go through redir_client_auth_reply). */
    bool infile = redir_resp_awaiting_client(&c->tracker);
    if (!infile && len > 0 && payload[0] == REDIR_COM_CHANGE_USER) {
        return REDIR_E_INVALID_ARGUMENT;
    }
    /* Try the tracker on a copy: nothing changes unless the bytes fit. */
    redir_resp_tracker t = c->tracker;
    redir_resp_event rev;
    redir_status st = redir_resp_command(&t, &rev, diag, payload, len);
    if (st != REDIR_OK) {
        return st;
    }
    bool idle_before = redir_resp_pending(&c->tracker) == 0;
    uint8_t seq = infile ? (uint8_t)(c->seq + 1u) : 0;
    size_t needed = 0;
    st = cl_queue(c, &needed, seq, payload, len);
    if (st != REDIR_OK) {
        if (st == REDIR_E_NOSPACE && diag != NULL) {
            diag->needed = needed;
        }
        return st;
    }
    c->tracker = t;
    if (infile) {
        c->seq = seq;
        cl_expect_seq(c, (uint8_t)(seq + 1u));
    } else if (payload[0] == REDIR_COM_QUIT) {
        c->state = CL_QUIT;
    } else if (idle_before && redir_resp_pending(&c->tracker) > 0) {
        cl_expect_seq(c, 1);
    }
    return REDIR_OK;
}

redir_status redir_client_change_user(redir_client *c, redir_diag *diag,
                                      const redir_com_change_user *cu) {
    if (diag != NULL) {
        diag->offset = 0;
        diag->needed = 0;
    }
    if (c == NULL || cu == NULL) {
        return REDIR_E_INVALID_ARGUMENT;
    }
    if (c->state != CL_READY || redir_resp_pending(&c->tracker) > 0) {
        return REDIR_E_CLIENT_STATE;
    }
    c->change_user = *cu;
    memcpy(c->scramble, c->session_scramble, sizeof c->session_scramble);
    c->scramble_len = sizeof c->session_scramble;
    cl_choose_plugin(c, cu->has_auth_plugin ? cu->auth_plugin : redir_span_of(NULL, 0));
    c->auth_stage = REDIR_AUTH_STAGE_INITIAL;
    c->auth_kind = AK_CHANGE_USER;
    c->post |= P_AUTH;
    c->pkt = redir_span_of(NULL, 0);
    c->state = CL_AUTH_REPLY;
    return REDIR_OK;
}

bool redir_client_idle(const redir_client *c) {
    return c != NULL && c->state == CL_READY && redir_resp_pending(&c->tracker) == 0 &&
           (c->last_status & (REDIR_STATUS_IN_TRANS | REDIR_STATUS_MORE_RESULTS_EXISTS)) == 0;
}

uint64_t redir_client_negotiated(const redir_client *c) { return c != NULL ? c->caps : 0; }

size_t redir_client_in_flight(const redir_client *c) {
    return c != NULL ? redir_resp_pending(&c->tracker) : 0;
}
