#include "replay_plan.h"

#include <stdlib.h>
#include <string.h>

#include <redir/redir.h>

enum { P_GREETING, P_LOGIN, P_AUTH, P_COMMAND, P_END };

static void add_extra(rp_plan *plan, const rp_packet *p) {
    if (plan->extra.len > 0) {
        rp_str_add(&plan->extra, " ");
    }
    rp_str_addf(&plan->extra, "0x%02x@frame%llu", p->len > 0 ? p->payload[0] : 0,
                (unsigned long long)p->frame);
}

/* negotiated_caps is what the captured server and client agreed on. */
static bool negotiated_caps(const rp_packet *greeting, const rp_packet *response,
                            uint64_t *caps) {
    redir_greeting g;
    redir_handshake_response r;
    redir_diag diag;
    if (redir_greeting_decode(&g, &diag, greeting->payload, greeting->len) != REDIR_OK ||
        redir_handshake_response_decode(&r, &diag, response->payload, response->len) !=
            REDIR_OK) {
        return false;
    }
    *caps = redir_caps_negotiate(g.capabilities, r.capabilities);
    return true;
}

static const char *precheck(const rp_flow *flow) {
    if (flow->midstream) {
        return "the connection start was not captured";
    }
    if (flow->gaps > 0) {
        return "the capture misses bytes of this connection";
    }
    for (size_t i = 0; i < flow->num_packets; i++) {
        if (flow->packets[i].truncated) {
            return "a packet is larger than the capture reader keeps";
        }
    }
    return NULL;
}

void rp_plan_build(rp_plan *plan, const rp_flow *flow) {
    memset(plan, 0, sizeof *plan);
    plan->flow = flow;
    plan->skip = precheck(flow);
    if (plan->skip != NULL) {
        return;
    }
    plan->cmds = rp_xmalloc((flow->num_packets + 1) * sizeof *plan->cmds);
    size_t *pending = rp_xmalloc((flow->num_packets + 1) * sizeof *pending);
    size_t head = 0;
    size_t tail = 0;
    size_t group = 0;
    bool server_spoke = false;
    int phase = P_GREETING;

    for (size_t i = 0; i < flow->num_packets && plan->skip == NULL; i++) {
        const rp_packet *p = &flow->packets[i];
        bool s2c = p->dir == DUMP_S2C;
        switch (phase) {
        case P_GREETING:
            if (!s2c) {
                plan->skip = "the client spoke before the server greeting";
                break;
            }
            plan->greeting = p;
            phase = p->kind == DUMP_K_GREETING ? P_LOGIN : P_END;
            break;
        case P_LOGIN:
            if (s2c) {
                add_extra(plan, p);
            } else if (p->kind == DUMP_K_SSL_REQUEST) {
                plan->ssl_request = p;
                phase = P_END;
            } else if (p->kind == DUMP_K_HANDSHAKE_RESPONSE) {
                plan->response = p;
                if (!negotiated_caps(plan->greeting, p, &plan->caps)) {
                    plan->skip = "the greeting or the handshake response does not decode";
                    break;
                }
                rp_resp_init(&plan->login, RP_CMD_LOGIN, plan->caps);
                phase = P_AUTH;
            } else {
                plan->skip = "unexpected client packet before the handshake response";
            }
            break;
        case P_AUTH:
            if (!s2c) {
                break; /* the client's auth data is recomputed live */
            }
            if (rp_resp_feed(&plan->login, p->payload, p->len) == RP_STEP_DONE) {
                phase = plan->login.closes ? P_END : P_COMMAND;
            }
            break;
        case P_COMMAND:
            if (!s2c) {
                if (p->kind == DUMP_K_AUTH_DATA) {
                    break; /* inside COM_CHANGE_USER: recomputed live */
                }
                if (p->kind != DUMP_K_COMMAND || p->len == 0) {
                    plan->skip = "the client sent data other than commands (LOCAL INFILE?)";
                    break;
                }
                if (server_spoke) {
                    group++;
                    server_spoke = false;
                }
                rp_cmd *c = &plan->cmds[plan->num_cmds];
                c->pkt = p;
                c->group = group;
                rp_resp_init(&c->captured, p->payload[0], plan->caps);
                if (!c->captured.done) {
                    pending[tail++] = plan->num_cmds;
                }
                plan->num_cmds++;
                break;
            }
            server_spoke = true;
            if (head == tail) {
                add_extra(plan, p);
                break;
            }
            rp_resp *r = &plan->cmds[pending[head]].captured;
            rp_step st = rp_resp_feed(r, p->payload, p->len);
            if (st == RP_STEP_UNSUPPORTED) {
                plan->skip = "the flow uses LOCAL INFILE or a further authentication factor";
            } else if (st == RP_STEP_DONE) {
                head++;
                if (r->closes) {
                    phase = P_END;
                }
            }
            break;
        default:
            break;
        }
    }
    for (; head < tail; head++) {
        rp_resp_note(&plan->cmds[pending[head]].captured, "(capture ends)");
    }
    free(pending);
    if (plan->skip == NULL && plan->greeting == NULL) {
        plan->skip = "no server greeting in the capture";
    }
    if (plan->skip == NULL && plan->response == NULL && plan->ssl_request == NULL &&
        plan->greeting->kind == DUMP_K_GREETING) {
        plan->skip = "no login in the capture";
    }
    if (plan->skip == NULL && plan->response != NULL && !plan->login.done) {
        rp_resp_note(&plan->login, "(capture ends)");
    }
}

void rp_plan_free(rp_plan *plan) {
    for (size_t i = 0; i < plan->num_cmds; i++) {
        rp_resp_free(&plan->cmds[i].captured);
    }
    free(plan->cmds);
    rp_resp_free(&plan->login);
    rp_str_free(&plan->extra);
    memset(plan, 0, sizeof *plan);
}
