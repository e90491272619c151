#include <string.h>

#include "client_internal.h"

redir_conn_state cl_conn_state(const redir_client *c, bool login_phase, uint16_t status,
                               unsigned in_flight) {
    redir_conn_state s;
    memset(&s, 0, sizeof s);
    s.tls_requested = c->cfg.tls != REDIR_TLS_OFF;
    s.tls_established = c->tls_up;
    s.cert_verified = c->tls_up && c->verified;
    s.before_tls = c->tls_pending && !c->tls_up;
    s.login_phase = login_phase;
    s.server_status = status;
    s.commands_in_flight = in_flight;
    s.hops = c->cfg.hops;
    s.current_host = c->cfg.host;
    s.current_port = c->cfg.port;
    s.visited = c->cfg.visited;
    s.num_visited = c->cfg.num_visited;
    return s;
}

/* rebase points a span that lies inside from at the same bytes of to. */
static redir_span rebase(redir_span s, redir_span from, const uint8_t *to) {
    if (s.len == 0 || s.ptr < from.ptr || (size_t)(s.ptr - from.ptr) > from.len - s.len) {
        return redir_span_of(NULL, 0);
    }
    return redir_span_of(to + (s.ptr - from.ptr), s.len);
}

/* keep copies a deferred instruction into the engine: its spans all view
 * the carrier text (raw). False when that text is too long to keep. */
static bool keep(redir_client *c, const redir_instruction *ins, bool login_phase) {
    if (ins->raw.len > sizeof c->pending_raw) {
        return false;
    }
    if (ins->raw.len > 0) {
        memcpy(c->pending_raw, ins->raw.ptr, ins->raw.len);
    }
    redir_instruction k = *ins;
    k.raw = redir_span_of(c->pending_raw, ins->raw.len);
    k.text = rebase(ins->text, ins->raw, c->pending_raw);
    k.scheme = rebase(ins->scheme, ins->raw, c->pending_raw);
    k.host = rebase(ins->host, ins->raw, c->pending_raw);
    k.user = rebase(ins->user, ins->raw, c->pending_raw);
    k.password = rebase(ins->password, ins->raw, c->pending_raw);
    k.database = rebase(ins->database, ins->raw, c->pending_raw);
    c->pending_ins = k;
    c->pending = true;
    c->pending_login = login_phase;
    return true;
}

void cl_report_redirect(redir_client *c, redir_client_event *ev, redir_status st,
                        const redir_instruction *ins, const redir_diag *diag, bool login_phase,
                        uint16_t status) {
    ev->redirect = *ins;
    ev->status = st;
    /* A newer instruction replaces a deferred one. */
    c->pending = false;
    if (st != REDIR_OK) {
        ev->diag = *diag;
        ev->decision = REDIR_DECISION_REFUSE;
        ev->reason = REDIR_REASON_INVALID_TARGET;
        return;
    }
    redir_conn_state s = cl_conn_state(c, login_phase, status, login_phase ? 0 : c->others_in_flight);
    ev->decision = redir_policy_decide(&ev->reason, &c->cfg.policy, &s, ins);
    if (ev->decision == REDIR_DECISION_DEFER && !keep(c, ins, login_phase)) {
        ev->decision = REDIR_DECISION_REFUSE;
        ev->reason = REDIR_REASON_INVALID_TARGET;
        ev->status = REDIR_E_FIELD_TOO_LONG;
    }
}

bool cl_redecide(redir_client *c, redir_client_event *ev) {
    if (!c->pending || !redir_client_idle(c)) {
        return false;
    }
    memset(ev, 0, sizeof *ev);
    ev->type = REDIR_CLIENT_EV_REDIRECT;
    ev->payload = c->pkt;
    ev->seq = c->pkt_seq;
    ev->caps = c->caps;
    ev->redirect = c->pending_ins;
    ev->deferred = true;
    redir_conn_state s = cl_conn_state(c, c->pending_login, c->last_status, 0);
    ev->decision = redir_policy_decide(&ev->reason, &c->cfg.policy, &s, &c->pending_ins);
    if (ev->decision != REDIR_DECISION_DEFER) {
        c->pending = false;
    }
    return true;
}
