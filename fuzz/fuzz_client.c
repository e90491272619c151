/* The client engine fed arbitrary server bytes in arbitrary chunkings.
 *
 * Input: a configuration byte (TLS mode, permit, cleartext opt-in, whether
 * the certificate verifies, pipelining), a chunking seed byte, then what the
 * server sends. The harness answers START_TLS and AUTH_NEEDED, queues a few
 * commands once logged in, and checks:
 *  - the engine ends (CLOSED, or waiting with all input consumed) within a
 *    bound linear in the input;
 *  - every view in every event lies inside a buffer lent to the engine (the
 *    input, the join and inflate buffers) or inside the engine itself;
 *  - a FOLLOW decision is one the policy gives for the connection's real
 *    state: TLS as the harness ran it, the certificate as it reported, idle;
 *  - the engine never allocates (fuzz_lib_enter).
 * Commands sent: a query, a ping, a prepare, a field list, statistics, an
 * execute and a COM_CHANGE_USER; with the high config bit, the compressed
 * protocol is offered. */
#include "fuzz_common.h"

static uint8_t in_buf[2048];
static uint8_t join_buf[4096];
static uint8_t inflate_buf[4096];
static uint8_t scratch[REDIR_INFLATE_SCRATCH_SIZE];
static uint8_t out_buf[1024];

static const char *const COMMANDS[] = {
    "\x03SELECT 1", "\x0e",                /* COM_PING */
    "\x16SELECT ?", "\x04t\x00",           /* COM_STMT_PREPARE, COM_FIELD_LIST */
    "\x09",         "\x17\x01\x00\x00\x00", /* COM_STATISTICS, COM_STMT_EXECUTE */
};
static const size_t COMMAND_LEN[] = {9, 1, 9, 3, 1, 5};

static bool inside(redir_span s, const redir_client *c) {
    return fuzz_span_inside(s, in_buf, sizeof in_buf) ||
           fuzz_span_inside(s, join_buf, sizeof join_buf) ||
           fuzz_span_inside(s, inflate_buf, sizeof inflate_buf) ||
           fuzz_span_inside(s, c, sizeof *c);
}

static void check_views(const redir_client_event *ev, const redir_client *c) {
    FUZZ_CHECK(inside(ev->payload, c));
    FUZZ_CHECK(inside(ev->greeting.server_version, c));
    FUZZ_CHECK(inside(ev->greeting.auth_data1, c));
    FUZZ_CHECK(inside(ev->greeting.auth_data2, c));
    FUZZ_CHECK(inside(ev->greeting.auth_plugin, c));
    FUZZ_CHECK(inside(ev->auth.plugin, c));
    FUZZ_CHECK(inside(ev->auth.scramble, c));
    FUZZ_CHECK(inside(ev->auth.data, c));
    FUZZ_CHECK(inside(ev->ok.info, c));
    FUZZ_CHECK(inside(ev->ok.session_state, c));
    FUZZ_CHECK(inside(ev->entry.data, c));
    FUZZ_CHECK(inside(ev->entry.name, c));
    FUZZ_CHECK(inside(ev->entry.value, c));
    FUZZ_CHECK(inside(ev->redirect.raw, c));
    FUZZ_CHECK(inside(ev->redirect.host, c));
    FUZZ_CHECK(inside(ev->redirect.user, c));
    FUZZ_CHECK(inside(ev->err.message, c));
    FUZZ_CHECK(inside(ev->err.sql_state, c));
}

typedef struct harness {
    redir_client_config cfg;
    bool tls_done;
    bool verified;
    bool greeted_without_tls;
    bool logged_in;
} harness;

/* A FOLLOW must survive every permanent check of the policy for the state
 * the harness knows, and the session must be idle. */
static void check_follow(const harness *h, const redir_client_event *ev, const redir_client *c) {
    if (ev->decision != REDIR_DECISION_FOLLOW) {
        return;
    }
    FUZZ_CHECK(ev->status == REDIR_OK);
    redir_conn_state s;
    memset(&s, 0, sizeof s);
    s.tls_requested = h->cfg.tls != REDIR_TLS_OFF;
    s.tls_established = h->tls_done;
    s.cert_verified = h->tls_done && h->verified;
    s.before_tls = h->cfg.tls != REDIR_TLS_OFF && !h->tls_done && !h->greeted_without_tls;
    s.login_phase = ev->redirect.carrier != REDIR_CARRIER_SESSION_TRACK;
    s.current_host = h->cfg.host;
    s.current_port = h->cfg.port;
    redir_reason reason;
    FUZZ_CHECK(redir_policy_decide(&reason, &h->cfg.policy, &s, &ev->redirect) ==
               REDIR_DECISION_FOLLOW);
    if (h->cfg.tls != REDIR_TLS_OFF) {
        FUZZ_CHECK(h->tls_done);
    }
    if (h->cfg.policy.permit == REDIR_PERMIT_DEFAULT) {
        FUZZ_CHECK(h->tls_done && h->verified);
    }
    if (ev->redirect.carrier == REDIR_CARRIER_ERR) {
        FUZZ_CHECK(!h->logged_in); /* only the login reply */
    }
    if (h->logged_in) {
        FUZZ_CHECK(redir_client_in_flight(c) == 0);
        if (ev->has_ok && !ev->deferred) {
            FUZZ_CHECK((ev->ok.status &
                        (REDIR_STATUS_IN_TRANS | REDIR_STATUS_MORE_RESULTS_EXISTS)) == 0);
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 2) {
        return 0;
    }
    uint8_t conf = data[0];
    uint32_t rng = (uint32_t)data[1] * 2654435761u + 1u;
    data += 2;
    size -= 2;

    harness h;
    memset(&h, 0, sizeof h);
    redir_client_config_init(&h.cfg);
    h.cfg.tls = (redir_tls_mode)(conf % 3);
    h.cfg.policy.permit = (redir_permit)((conf >> 2) % 3);
    h.cfg.policy.max_hops = 1;
    h.cfg.allow_clear_password = (conf & 0x10) != 0;
    h.verified = (conf & 0x20) != 0;
    bool pipeline = (conf & 0x40) != 0;
    if ((conf & 0x80) != 0) {
        h.cfg.capabilities = REDIR_CLIENT_DEFAULT_CAPS | REDIR_MARIADB_CLIENT_CACHE_METADATA |
                             REDIR_MARIADB_CLIENT_PROGRESS | REDIR_CLIENT_COMPRESS;
        h.cfg.inflate_buf = inflate_buf;
        h.cfg.inflate_cap = sizeof inflate_buf;
        h.cfg.scratch = scratch;
        h.cfg.scratch_len = sizeof scratch;
    }
    h.cfg.user = redir_span_of("u", 1);
    h.cfg.host = redir_span_of("db1", 3);
    h.cfg.port = 3306;
    h.cfg.in_buf = in_buf;
    h.cfg.in_cap = sizeof in_buf;
    h.cfg.join_buf = join_buf;
    h.cfg.join_cap = sizeof join_buf;
    h.cfg.out_buf = out_buf;
    h.cfg.out_cap = sizeof out_buf;

    redir_client c;
    redir_diag d;
    fuzz_lib_enter();
    redir_status st = redir_client_init(&c, &d, &h.cfg);
    fuzz_lib_leave();
    FUZZ_CHECK(st == REDIR_OK);

    size_t pos = 0;
    size_t sent = 0;
    bool eof = false;
    bool closed = false;
    size_t bound = 64 + 16 * size;
    for (size_t step = 0; step < bound && !closed; step++) {
        redir_client_event ev;
        fuzz_lib_enter();
        st = redir_client_next(&c, &ev);
        fuzz_lib_leave();
        if (st == REDIR_OK) {
            FUZZ_CHECK(redir_client_event_name(ev.type) != NULL);
            check_views(&ev, &c);
            fuzz_lib_enter();
            switch (ev.type) {
            case REDIR_CLIENT_EV_GREETING:
                h.greeted_without_tls = (ev.greeting.capabilities & REDIR_CLIENT_SSL) == 0;
                break;
            case REDIR_CLIENT_EV_START_TLS:
                FUZZ_CHECK(h.cfg.tls != REDIR_TLS_OFF && !h.greeted_without_tls);
                /* Refused while bytes that came in clear wait in the input. */
                st = redir_client_tls_done(&c, h.verified);
                FUZZ_CHECK(st == REDIR_OK || st == REDIR_E_CLIENT_STATE);
                h.tls_done = st == REDIR_OK;
                break;
            case REDIR_CLIENT_EV_AUTH_NEEDED: {
                static const uint8_t reply[64];
                if (ev.auth.stage == REDIR_AUTH_STAGE_CLEARTEXT) {
                    FUZZ_CHECK(h.tls_done);
                }
                if (ev.auth.stage == REDIR_AUTH_STAGE_RSA) {
                    FUZZ_CHECK(!h.tls_done);
                }
                FUZZ_CHECK(redir_client_auth_reply(&c, &d, reply, 20) == REDIR_OK);
                break;
            }
            case REDIR_CLIENT_EV_LOGGED_IN:
                FUZZ_CHECK(h.cfg.tls != REDIR_TLS_REQUIRED || h.tls_done);
                h.logged_in = true;
                break;
            case REDIR_CLIENT_EV_REDIRECT:
                check_follow(&h, &ev, &c);
                break;
            case REDIR_CLIENT_EV_ERROR:
                FUZZ_CHECK(redir_status_is_error(ev.status));
                break;
            case REDIR_CLIENT_EV_CLOSED:
                closed = true;
                break;
            default:
                break;
            }
            fuzz_lib_leave();
            continue;
        }
        FUZZ_CHECK(st == REDIR_DONE);
        redir_span out = redir_client_output(&c);
        FUZZ_CHECK(fuzz_span_inside(out, out_buf, sizeof out_buf));
        redir_client_output_consume(&c, out.len);
        if (h.logged_in && sent < 8 && (pipeline || redir_client_in_flight(&c) == 0)) {
            size_t k = sent % 7;
            fuzz_lib_enter();
            if (k == 6) {
                redir_com_change_user cu;
                memset(&cu, 0, sizeof cu);
                cu.user = redir_span_of("v", 1);
                st = redir_client_change_user(&c, &d, &cu);
            } else {
                st = redir_client_command(&c, &d, (const uint8_t *)COMMANDS[k], COMMAND_LEN[k]);
            }
            fuzz_lib_leave();
            sent++;
            if (st == REDIR_OK) {
                continue;
            }
            FUZZ_CHECK(st == REDIR_E_CLIENT_STATE || st == REDIR_E_RESP_QUEUE_FULL ||
                       st == REDIR_E_RESP_UNEXPECTED);
        }
        if (pos < size) {
            rng = rng * 1103515245u + 12345u;
            size_t n = 1 + (rng >> 16) % 97;
            if (n > size - pos) {
                n = size - pos;
            }
            size_t taken = 0;
            fuzz_lib_enter();
            st = redir_client_feed(&c, &taken, data + pos, n);
            fuzz_lib_leave();
            FUZZ_CHECK(st == REDIR_OK && taken <= n);
            if (taken > 0) {
                pos += taken;
                continue;
            }
        }
        if (!eof) {
            redir_client_eof(&c);
            eof = true;
            continue;
        }
        break;
    }
    /* After the end of input the engine must have finished. */
    FUZZ_CHECK(closed);
    return 0;
}
