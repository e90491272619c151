#include <string.h>

#include "redir/packets.h"
#include "redir/wire.h"
#include "server_internal.h"
#include "util.h"

#define DEFAULT_CHARSET 45 /* utf8mb4_general_ci */
#define HEADER_SIZE 4u
#define SCRAMBLE_PART1 8u
#define AUTH_DATA_LEN 21u /* 20 scramble bytes and the NUL after part 2 */

/* Printable range of MariaDB's own scramble bytes. */
#define SCRAMBLE_LOW 0x21u
#define SCRAMBLE_HIGH 0x7Eu

/* Error codes and SQLSTATEs of the ERR sent for refused input, as MariaDB
 * sends them for the same faults. */
#define ER_HANDSHAKE_ERROR 1043u
#define ER_UNKNOWN_COM_ERROR 1047u
#define ER_NET_PACKET_TOO_LARGE 1153u
#define ER_NET_PACKETS_OUT_OF_ORDER 1156u
#define ER_NOT_SUPPORTED_AUTH_MODE 1251u

void srv_to_idle(redir_server *srv) {
    srv->state = REDIR_SERVER_IDLE;
    srv->seq = 0;
    srv->cmd_auth = false;
}

void redir_server_config_init(redir_server_config *cfg) { memset(cfg, 0, sizeof *cfg); }

static bool has_nul(redir_span s) { return s.len > 0 && memchr(s.ptr, 0, s.len) != NULL; }

static uint64_t offered_caps(const redir_server_config *cfg) {
    uint64_t caps = cfg->capabilities != 0 ? cfg->capabilities : REDIR_SERVER_CAPS_DEFAULT;
    caps &= ~(REDIR_CLIENT_MYSQL | REDIR_CLIENT_COMPRESS | REDIR_CLIENT_ZSTD_COMPRESSION |
              REDIR_CLIENT_SSL);
    caps |= REDIR_CLIENT_PROTOCOL_41 | REDIR_CLIENT_SECURE_CONNECTION | REDIR_CLIENT_PLUGIN_AUTH |
            REDIR_CLIENT_SESSION_TRACK;
    if (cfg->offer_tls) {
        caps |= REDIR_CLIENT_SSL;
    }
    return caps;
}

redir_status redir_server_init(redir_server *srv, redir_diag *diag,
                               const redir_server_config *cfg) {
    memset(srv, 0, sizeof *srv);
    srv->state = REDIR_SERVER_FINISHED;
    if (diag != NULL) {
        diag->offset = 0;
        diag->needed = 0;
    }
    redir_span version = cfg->server_version;
    if (version.len == 0) {
        version = redir_span_of(REDIR_SERVER_VERSION_DEFAULT,
                                sizeof REDIR_SERVER_VERSION_DEFAULT - 1);
    }
    redir_span plugin = cfg->auth_plugin;
    if (plugin.len == 0) {
        plugin = redir_span_of(REDIR_SERVER_PLUGIN_DEFAULT, sizeof REDIR_SERVER_PLUGIN_DEFAULT - 1);
    }
    if (cfg->in_buf == NULL || cfg->out_buf == NULL || (version.ptr == NULL && version.len > 0) ||
        (plugin.ptr == NULL && plugin.len > 0) || has_nul(version) || has_nul(plugin)) {
        return REDIR_E_INVALID_ARGUMENT;
    }
    redir_framer_config fc;
    memset(&fc, 0, sizeof fc);
    fc.in = cfg->in_buf;
    fc.in_cap = cfg->in_cap;
    fc.join = cfg->join_buf;
    fc.join_cap = cfg->join_cap;
    fc.max_payload = cfg->max_packet;
    if (cfg->join_buf == NULL) {
        /* the join buffer is carved from the end of in_buf */
        size_t join = cfg->max_packet != 0 ? cfg->max_packet : cfg->in_cap / 2;
        if (join == 0 || join > cfg->in_cap || cfg->in_cap - join < REDIR_FRAMER_MIN_INPUT) {
            return REDIR_E_INVALID_ARGUMENT;
        }
        fc.in_cap = cfg->in_cap - join;
        fc.join = cfg->in_buf + fc.in_cap;
        fc.join_cap = join;
    }
    redir_status st = redir_framer_init(&srv->framer, &fc);
    if (st != REDIR_OK) {
        return st;
    }

    for (size_t i = 0; i < REDIR_SERVER_SCRAMBLE_SIZE; i++) {
        uint8_t b = cfg->scramble[i];
        if (b < SCRAMBLE_LOW || b > SCRAMBLE_HIGH) {
            b = (uint8_t)(SCRAMBLE_LOW + b % (SCRAMBLE_HIGH - SCRAMBLE_LOW + 1));
        }
        srv->scramble[i] = b;
    }
    srv->scramble[REDIR_SERVER_SCRAMBLE_SIZE] = 0;

    redir_greeting g;
    memset(&g, 0, sizeof g);
    g.server_version = version;
    g.connection_id = cfg->connection_id;
    g.auth_data1 = redir_span_of(srv->scramble, SCRAMBLE_PART1);
    g.capabilities = offered_caps(cfg);
    g.has_ext = true;
    g.charset = cfg->charset != 0 ? cfg->charset : DEFAULT_CHARSET;
    g.status = cfg->status;
    g.auth_data_len = AUTH_DATA_LEN;
    g.auth_data2 = redir_span_of(srv->scramble + SCRAMBLE_PART1,
                                 REDIR_SERVER_SCRAMBLE_SIZE - SCRAMBLE_PART1 + 1);
    g.auth_plugin = plugin;
    g.auth_plugin_nul = true;

    size_t payload = 0;
    st = redir_greeting_encode(NULL, 0, &payload, &g);
    if (st != REDIR_E_NOSPACE) {
        return st == REDIR_OK ? REDIR_E_INVALID_ARGUMENT : st;
    }
    if (payload >= REDIR_MAX_PACKET_PAYLOAD) {
        return REDIR_E_FIELD_TOO_LONG;
    }
    if (cfg->out_cap < HEADER_SIZE + payload) {
        if (diag != NULL) {
            diag->needed = HEADER_SIZE + payload;
        }
        return REDIR_E_NOSPACE;
    }
    size_t n;
    st = redir_frame_encode_header(cfg->out_buf, HEADER_SIZE, &n, (uint32_t)payload, 0);
    if (st == REDIR_OK) {
        st = redir_greeting_encode(cfg->out_buf + HEADER_SIZE, cfg->out_cap - HEADER_SIZE, &n,
                                   &g);
    }
    if (st != REDIR_OK) {
        return st;
    }

    srv->out_buf = cfg->out_buf;
    srv->out_cap = cfg->out_cap;
    srv->out_len = HEADER_SIZE + payload;
    srv->seq = 1;
    srv->server_caps = g.capabilities;
    srv->offer_tls = cfg->offer_tls;
    srv->client_41 = true;
    srv->state = REDIR_SERVER_GREETED;
    return REDIR_OK;
}

/* Reading is refused while the TLS handshake runs (those bytes are not the
 * engine's) and pointless once the connection is finished. */
static bool reads_input(const redir_server *srv) {
    return srv->state != REDIR_SERVER_TLS_PENDING && srv->state != REDIR_SERVER_FINISHED;
}

redir_status redir_server_feed(redir_server *srv, size_t *taken, const uint8_t *in,
                               size_t in_len) {
    *taken = 0;
    if (srv->state == REDIR_SERVER_FINISHED) {
        *taken = in_len;
        return REDIR_OK;
    }
    if (!reads_input(srv)) {
        return REDIR_E_SERVER_STATE;
    }
    if (in == NULL && in_len > 0) {
        return REDIR_E_INVALID_ARGUMENT;
    }
    return redir_framer_feed(&srv->framer, taken, in, in_len);
}

uint8_t *redir_server_space(redir_server *srv, size_t *room) {
    *room = 0;
    if (!reads_input(srv)) {
        return NULL;
    }
    return redir_framer_space(&srv->framer, room);
}

redir_status redir_server_commit(redir_server *srv, size_t n) {
    if (srv->state == REDIR_SERVER_FINISHED) {
        return REDIR_OK;
    }
    if (!reads_input(srv)) {
        return REDIR_E_SERVER_STATE;
    }
    return redir_framer_commit(&srv->framer, n);
}

/* One client packet, with the sequence id the conversation expects. */
static redir_status take_packet(redir_server *srv, redir_span *payload, redir_diag *diag) {
    redir_framed pk;
    redir_status st = redir_framer_expect_seq(&srv->framer, srv->seq);
    if (st == REDIR_OK) {
        st = redir_framer_next(&srv->framer, &pk, diag);
    }
    if (st != REDIR_OK) {
        if (st != REDIR_DONE) {
            srv->seq = (uint8_t)(srv->seq + 1); /* answer as if it had the right id */
        }
        return st;
    }
    *payload = pk.msg.payload;
    srv->seq = pk.msg.next_seq;
    return REDIR_OK;
}

static size_t put_text(char *buf, size_t cap, size_t at, const char *s) {
    size_t n = strlen(s);
    if (at < cap) {
        size_t room = cap - at;
        memcpy(buf + at, s, n < room ? n : room);
    }
    return at + n;
}

static size_t put_decimal(char *buf, size_t cap, size_t at, size_t v) {
    char text[REDIR__U64_DIGITS + 1];
    text[redir__format_u64(text, v)] = '\0';
    return put_text(buf, cap, at, text);
}

/* Malformed input: queue the one ERR into the engine's own slot (so it never
 * waits for room in the output buffer) and finish the connection. */
static redir_status fail(redir_server *srv, redir_server_event *ev, redir_status status,
                         const redir_diag *diag) {
    uint16_t code = ER_HANDSHAKE_ERROR;
    const char *state = "08S01";
    const char *what = "Bad handshake";
    if (status == REDIR_E_FRAMER_PAYLOAD_LIMIT) {
        code = ER_NET_PACKET_TOO_LARGE;
        what = "Got a packet bigger than the server accepts";
    } else if (status == REDIR_E_SEQUENCE) {
        code = ER_NET_PACKETS_OUT_OF_ORDER;
        what = "Got packets out of order";
    } else if (status == REDIR_E_UNSUPPORTED) {
        code = ER_NOT_SUPPORTED_AUTH_MODE;
        state = "08004";
        what = "Client does not speak the 4.1 protocol";
    } else if (srv->state == REDIR_SERVER_IDLE) {
        code = ER_UNKNOWN_COM_ERROR;
        what = "Malformed command";
    }
    char msg[120];
    size_t n = put_text(msg, sizeof msg, 0, what);
    n = put_text(msg, sizeof msg, n, ": ");
    n = put_text(msg, sizeof msg, n, redir_status_name(status));
    n = put_text(msg, sizeof msg, n, " at offset ");
    n = put_decimal(msg, sizeof msg, n, diag->offset);
    if (n > sizeof msg) {
        n = sizeof msg;
    }

    redir_err err;
    memset(&err, 0, sizeof err);
    err.code = code;
    err.has_sql_state = srv->client_41;
    err.sql_state = srv->client_41 ? redir_span_of(state, 5) : redir_span_of(NULL, 0);
    err.message = redir_span_of(msg, n);
    size_t plen = 0;
    if (redir_err_encode(srv->err_slot + HEADER_SIZE, sizeof srv->err_slot - HEADER_SIZE, &plen,
                         &err) == REDIR_OK &&
        redir_frame_encode_header(srv->err_slot, HEADER_SIZE, &n, (uint32_t)plen, srv->seq) ==
            REDIR_OK) {
        srv->err_len = HEADER_SIZE + plen;
    }
    srv->state = REDIR_SERVER_FINISHED;
    ev->type = REDIR_SERVER_EV_ERROR;
    ev->status = status;
    ev->diag = *diag;
    return REDIR_OK;
}

/* The first client packet: an SSLRequest or the handshake response. */
static redir_status on_login_packet(redir_server *srv, redir_server_event *ev, redir_span p) {
    redir_diag diag = {0, 0};
    if (p.len >= 2 && (p.ptr[1] & (REDIR_CLIENT_PROTOCOL_41 >> 8)) == 0) {
        srv->client_41 = false;
        return fail(srv, ev, REDIR_E_UNSUPPORTED, &diag);
    }
    bool wants_tls = p.len >= 4 && (redir__le32(p.ptr) & REDIR_CLIENT_SSL) != 0;
    if (wants_tls && srv->state == REDIR_SERVER_GREETED) {
        if (!srv->offer_tls) {
            diag.offset = 1; /* the byte holding CLIENT_SSL */
            return fail(srv, ev, REDIR_E_SERVER_TLS_NOT_OFFERED, &diag);
        }
        redir_handshake_response req;
        redir_status st = redir_ssl_request_decode(&req, &diag, p.ptr, p.len);
        if (st != REDIR_OK) {
            return fail(srv, ev, st, &diag);
        }
        srv->client_caps = req.capabilities;
        srv->negotiated = redir_caps_negotiate(srv->server_caps, req.capabilities);
        srv->state = REDIR_SERVER_TLS_PENDING;
        ev->type = REDIR_SERVER_EV_START_TLS;
        ev->tls_early = redir_framer_buffered(&srv->framer);
        return REDIR_OK;
    }
    redir_status st = redir_handshake_response_decode(&ev->response, &diag, p.ptr, p.len);
    if (st != REDIR_OK) {
        if (st == REDIR_E_UNSUPPORTED) {
            srv->client_41 = false;
        }
        return fail(srv, ev, st, &diag);
    }
    srv->client_caps = ev->response.capabilities;
    srv->negotiated = redir_caps_negotiate(srv->server_caps, srv->client_caps);
    ev->type = REDIR_SERVER_EV_HANDSHAKE_RESPONSE;
    ev->negotiated = srv->negotiated;
    ev->tls = srv->tls;
    ev->tls_skipped = srv->offer_tls && !srv->tls;
    srv->state = REDIR_SERVER_AUTH;
    return REDIR_OK;
}

static redir_status on_command(redir_server *srv, redir_server_event *ev, redir_span p) {
    if (p.len == 0) {
        redir_diag diag = {0, 1};
        return fail(srv, ev, REDIR_E_EMPTY_PACKET, &diag);
    }
    uint8_t cmd = p.ptr[0];
    if (cmd == REDIR_COM_QUIT) {
        srv->state = REDIR_SERVER_FINISHED;
        ev->type = REDIR_SERVER_EV_CLOSED;
        return REDIR_OK;
    }
    redir_diag diag = {0, 0};
    redir_status st = redir_command_decode(&ev->decoded, &diag, p.ptr, p.len, srv->negotiated);
    if (st != REDIR_OK) {
        return fail(srv, ev, st, &diag);
    }
    ev->type = REDIR_SERVER_EV_COMMAND;
    ev->command = cmd;
    ev->payload = p;
    ev->body = redir_span_of(p.ptr + 1, p.len - 1);
    if (cmd == REDIR_COM_STMT_CLOSE || cmd == REDIR_COM_STMT_SEND_LONG_DATA) {
        srv->seq = 0; /* no answer: the next packet starts a command */
    } else {
        srv->state = REDIR_SERVER_RESPONDING;
        srv->command = cmd;
    }
    return REDIR_OK;
}

redir_status redir_server_next(redir_server *srv, redir_server_event *ev) {
    memset(ev, 0, sizeof *ev);
    switch (srv->state) {
    case REDIR_SERVER_GREETED:
    case REDIR_SERVER_TLS_UP:
    case REDIR_SERVER_AUTH_WAIT:
    case REDIR_SERVER_IDLE:
        break;
    default:
        return REDIR_DONE; /* the last event's views stay valid */
    }
    redir_span p;
    redir_diag diag = {0, 0};
    redir_status st = take_packet(srv, &p, &diag);
    if (st == REDIR_DONE) {
        return REDIR_DONE;
    }
    if (st != REDIR_OK) {
        return fail(srv, ev, st, &diag);
    }
    switch (srv->state) {
    case REDIR_SERVER_AUTH_WAIT:
        ev->type = REDIR_SERVER_EV_AUTH_DATA;
        ev->auth_data = p;
        srv->state = srv->cmd_auth ? REDIR_SERVER_RESPONDING : REDIR_SERVER_AUTH;
        return REDIR_OK;
    case REDIR_SERVER_IDLE:
        return on_command(srv, ev, p);
    default:
        return on_login_packet(srv, ev, p);
    }
}

const uint8_t *redir_server_output(const redir_server *srv, size_t *out_len) {
    if (srv->out_len > 0) {
        *out_len = srv->out_len;
        return srv->out_buf;
    }
    if (srv->err_sent < srv->err_len) {
        *out_len = srv->err_len - srv->err_sent;
        return srv->err_slot + srv->err_sent;
    }
    *out_len = 0;
    return NULL;
}

void redir_server_output_consume(redir_server *srv, size_t n) {
    size_t from_out = n < srv->out_len ? n : srv->out_len;
    if (from_out > 0) {
        memmove(srv->out_buf, srv->out_buf + from_out, srv->out_len - from_out);
        srv->out_len -= from_out;
        n -= from_out;
    }
    size_t err_left = srv->err_len - srv->err_sent;
    srv->err_sent += n < err_left ? n : err_left;
}

redir_server_state redir_server_state_of(const redir_server *srv) { return srv->state; }

bool redir_server_finished(const redir_server *srv) {
    return srv->state == REDIR_SERVER_FINISHED;
}

redir_span redir_server_scramble(const redir_server *srv) {
    return redir_span_of(srv->scramble, REDIR_SERVER_SCRAMBLE_SIZE);
}

uint64_t redir_server_negotiated(const redir_server *srv) { return srv->negotiated; }

redir_status redir_server_tls_done(redir_server *srv) {
    if (srv->state != REDIR_SERVER_TLS_PENDING) {
        return REDIR_E_SERVER_STATE;
    }
    srv->tls = true;
    srv->state = REDIR_SERVER_TLS_UP;
    redir_framer_reset(&srv->framer); /* the bytes after the SSLRequest were TLS */
    return REDIR_OK;
}
