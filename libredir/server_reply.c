#include <string.h>

#include "redir/wire.h"
#include "server_internal.h"

#define HEADER_SIZE 4u

static redir_status need_room(redir_diag *diag, size_t needed) {
    if (diag != NULL) {
        diag->offset = 0;
        diag->needed = needed;
    }
    return REDIR_E_NOSPACE;
}

static bool in_login_auth(const redir_server *srv) {
    return srv->state == REDIR_SERVER_AUTH ||
           (srv->state == REDIR_SERVER_AUTH_WAIT && !srv->cmd_auth);
}

static bool in_command(const redir_server *srv) {
    return srv->state == REDIR_SERVER_RESPONDING ||
           (srv->state == REDIR_SERVER_AUTH_WAIT && srv->cmd_auth);
}

/* Where an auth switch or more auth data may go: after the handshake
 * response or auth data of the login, or while answering COM_CHANGE_USER. */
static bool may_send_auth(const redir_server *srv) {
    return srv->state == REDIR_SERVER_AUTH ||
           (srv->state == REDIR_SERVER_RESPONDING && srv->command == REDIR_COM_CHANGE_USER);
}

static bool may_send_ok(const redir_server *srv) { return in_login_auth(srv) || in_command(srv); }

static bool may_send_err(const redir_server *srv) {
    return may_send_ok(srv) || srv->state == REDIR_SERVER_TLS_PENDING;
}

/* After an OK: the login is done, or the command response ends unless more
 * results follow. */
static void after_ok(redir_server *srv, uint16_t status) {
    if (in_command(srv) && (status & REDIR_STATUS_MORE_RESULTS_EXISTS) != 0) {
        srv->state = REDIR_SERVER_RESPONDING;
        return;
    }
    srv_to_idle(srv);
}

static void after_err(redir_server *srv) {
    if (in_command(srv)) {
        srv_to_idle(srv);
    } else {
        srv->state = REDIR_SERVER_FINISHED;
    }
}

/* Commits a framed packet a builder wrote at the end of the output. */
static redir_status commit_framed(redir_server *srv, redir_diag *diag, redir_status st,
                                  size_t n) {
    if (st == REDIR_E_NOSPACE) {
        return need_room(diag, n);
    }
    if (st != REDIR_OK) {
        return st;
    }
    srv->out_len += n;
    srv->seq = (uint8_t)(srv->seq + 1);
    return REDIR_OK;
}

/* Frames a payload an encoder wrote after room for the header; *payload_len
 * holds its size (or the size needed on REDIR_E_NOSPACE). */
static redir_status commit_payload(redir_server *srv, redir_diag *diag, redir_status st,
                                   size_t payload_len) {
    if (st == REDIR_E_NOSPACE) {
        return need_room(diag, HEADER_SIZE + payload_len);
    }
    if (st != REDIR_OK) {
        return st;
    }
    if (payload_len >= REDIR_MAX_PACKET_PAYLOAD) {
        return REDIR_E_FIELD_TOO_LONG;
    }
    size_t n;
    st = redir_frame_encode_header(srv->out_buf + srv->out_len, HEADER_SIZE, &n,
                                   (uint32_t)payload_len, srv->seq);
    if (st != REDIR_OK) {
        return st;
    }
    return commit_framed(srv, diag, REDIR_OK, HEADER_SIZE + payload_len);
}

/* Free room after the header of the next packet (0 when not even that). */
static uint8_t *payload_room(redir_server *srv, size_t *cap) {
    size_t free_bytes = srv->out_cap - srv->out_len;
    if (free_bytes <= HEADER_SIZE) {
        *cap = 0;
        return NULL;
    }
    *cap = free_bytes - HEADER_SIZE;
    return srv->out_buf + srv->out_len + HEADER_SIZE;
}

static redir_status send_auth_packet(redir_server *srv, redir_diag *diag, uint8_t header,
                                     redir_span plugin, redir_span data) {
    if (!may_send_auth(srv)) {
        return REDIR_E_SERVER_STATE;
    }
    size_t cap;
    uint8_t *buf = payload_room(srv, &cap);
    size_t n = 0;
    redir_status st;
    if (header == 0xFE) {
        redir_auth_switch sw;
        memset(&sw, 0, sizeof sw);
        sw.auth_plugin = plugin;
        sw.auth_data = data;
        st = redir_auth_switch_encode(buf, cap, &n, &sw);
    } else {
        st = redir_auth_more_data_encode(buf, cap, &n, data);
    }
    bool cmd_auth = srv->state == REDIR_SERVER_RESPONDING;
    st = commit_payload(srv, diag, st, n);
    if (st == REDIR_OK) {
        srv->state = REDIR_SERVER_AUTH_WAIT;
        srv->cmd_auth = cmd_auth;
    }
    return st;
}

redir_status redir_server_auth_switch(redir_server *srv, redir_diag *diag, redir_span plugin,
                                      redir_span data) {
    if (plugin.len == 0) {
        return REDIR_E_INVALID_ARGUMENT; /* a bare 0xFE would be the old-password form */
    }
    return send_auth_packet(srv, diag, 0xFE, plugin, data);
}

redir_status redir_server_auth_more_data(redir_server *srv, redir_diag *diag, redir_span data) {
    return send_auth_packet(srv, diag, 0x01, redir_span_of(NULL, 0), data);
}

redir_status redir_server_ok(redir_server *srv, redir_diag *diag, const redir_ok *ok) {
    if (!may_send_ok(srv)) {
        return REDIR_E_SERVER_STATE;
    }
    uint64_t caps = srv->negotiated;
    redir_ok o = *ok;
    if (o.header == 0xFE) {
        if (!in_command(srv) || (caps & REDIR_CLIENT_DEPRECATE_EOF) == 0) {
            return REDIR_E_SERVER_STATE;
        }
    } else if (o.header != 0x00) {
        return REDIR_E_INVALID_ARGUMENT;
    }
    o.has_status = (caps & (REDIR_CLIENT_PROTOCOL_41 | REDIR_CLIENT_TRANSACTIONS)) != 0;
    o.has_warnings = (caps & REDIR_CLIENT_PROTOCOL_41) != 0;
    if (o.has_session_state) {
        if ((caps & REDIR_CLIENT_SESSION_TRACK) == 0) {
            return REDIR_E_MISSING_CAPABILITY;
        }
        o.status = (uint16_t)(o.status | REDIR_STATUS_SESSION_STATE_CHANGED);
        o.info_form = REDIR_INFO_LENENC;
    } else {
        o.info_form = o.info.len > 0 ? REDIR_INFO_LENENC : REDIR_INFO_ABSENT;
    }
    size_t cap;
    uint8_t *buf = payload_room(srv, &cap);
    size_t n = 0;
    redir_status st = redir_ok_encode(buf, cap, &n, &o, caps);
    st = commit_payload(srv, diag, st, n);
    if (st == REDIR_OK) {
        after_ok(srv, o.status);
    }
    return st;
}

redir_status redir_server_ok_redirect(redir_server *srv, redir_diag *diag, uint16_t status,
                                      redir_span url, const redir_sysvar *extra,
                                      size_t num_extra) {
    if (!may_send_ok(srv)) {
        return REDIR_E_SERVER_STATE;
    }
    size_t n = 0;
    redir_status st = redir_build_ok_redirect(srv->out_buf + srv->out_len,
                                              srv->out_cap - srv->out_len, &n, srv->seq,
                                              srv->negotiated, status, url, extra, num_extra);
    st = commit_framed(srv, diag, st, n);
    if (st == REDIR_OK) {
        after_ok(srv, status);
    }
    return st;
}

redir_status redir_server_location_ok(redir_server *srv, redir_diag *diag, uint16_t status,
                                      redir_location_form form, redir_span host, uint16_t port,
                                      redir_span user, int64_t ttl) {
    if (!may_send_ok(srv)) {
        return REDIR_E_SERVER_STATE;
    }
    size_t n = 0;
    redir_status st = redir_build_location_ok(srv->out_buf + srv->out_len,
                                              srv->out_cap - srv->out_len, &n, srv->seq,
                                              srv->negotiated, status, form, host, port, user,
                                              ttl);
    st = commit_framed(srv, diag, st, n);
    if (st == REDIR_OK) {
        after_ok(srv, status);
    }
    return st;
}

/* The SQLSTATE goes out only to a client that speaks the 4.1 protocol. */
static redir_span err_state(const redir_server *srv, redir_span sql_state) {
    if (sql_state.len != 5 || (srv->client_caps & REDIR_CLIENT_PROTOCOL_41) == 0) {
        return redir_span_of(NULL, 0);
    }
    return sql_state;
}

redir_status redir_server_err(redir_server *srv, redir_diag *diag, uint16_t code,
                              redir_span sql_state, redir_span message) {
    if (!may_send_err(srv)) {
        return REDIR_E_SERVER_STATE;
    }
    redir_err e;
    memset(&e, 0, sizeof e);
    e.code = code;
    e.sql_state = err_state(srv, sql_state);
    e.has_sql_state = e.sql_state.len == 5;
    e.message = message;
    size_t cap;
    uint8_t *buf = payload_room(srv, &cap);
    size_t n = 0;
    redir_status st = redir_err_encode(buf, cap, &n, &e);
    st = commit_payload(srv, diag, st, n);
    if (st == REDIR_OK) {
        after_err(srv);
    }
    return st;
}

redir_status redir_server_err_redirect(redir_server *srv, redir_diag *diag, uint16_t code,
                                       redir_span sql_state, redir_span text, redir_span host,
                                       uint16_t port) {
    if (!may_send_err(srv)) {
        return REDIR_E_SERVER_STATE;
    }
    size_t n = 0;
    redir_status st = redir_build_err_redirect(srv->out_buf + srv->out_len,
                                               srv->out_cap - srv->out_len, &n, srv->seq, code,
                                               err_state(srv, sql_state), text, host, port);
    st = commit_framed(srv, diag, st, n);
    if (st == REDIR_OK) {
        after_err(srv);
    }
    return st;
}

redir_status redir_server_send(redir_server *srv, redir_diag *diag, const uint8_t *payload,
                               size_t payload_len) {
    if (srv->state != REDIR_SERVER_RESPONDING) {
        return REDIR_E_SERVER_STATE;
    }
    if (payload == NULL && payload_len > 0) {
        return REDIR_E_INVALID_ARGUMENT;
    }
    size_t n = 0;
    uint8_t next_seq = srv->seq;
    redir_status st =
        redir_message_encode(srv->out_buf + srv->out_len, srv->out_cap - srv->out_len, &n,
                             &next_seq, srv->seq, payload, payload_len);
    if (st == REDIR_E_NOSPACE) {
        return need_room(diag, n);
    }
    if (st != REDIR_OK) {
        return st;
    }
    srv->out_len += n;
    srv->seq = next_seq;
    return REDIR_OK;
}

static redir_status send_eof(redir_server *srv, redir_diag *diag, uint16_t warnings,
                             uint16_t status) {
    redir_eof e;
    e.has_fields = (srv->negotiated & REDIR_CLIENT_PROTOCOL_41) != 0;
    e.warnings = warnings;
    e.status = status;
    size_t cap;
    uint8_t *buf = payload_room(srv, &cap);
    size_t n = 0;
    redir_status st = redir_eof_encode(buf, cap, &n, &e);
    return commit_payload(srv, diag, st, n);
}

/* The end of a result set's column definitions (rows false) or of its rows. */
static redir_status end_block(redir_server *srv, redir_diag *diag, uint16_t warnings,
                              uint16_t status, bool rows) {
    if (srv->state != REDIR_SERVER_RESPONDING) {
        return REDIR_E_SERVER_STATE;
    }
    if ((srv->negotiated & REDIR_CLIENT_DEPRECATE_EOF) != 0) {
        if (!rows) {
            return REDIR_OK; /* no EOF after the columns */
        }
        redir_ok ok;
        memset(&ok, 0, sizeof ok);
        ok.header = 0xFE;
        ok.status = status;
        ok.warnings = warnings;
        return redir_server_ok(srv, diag, &ok);
    }
    redir_status st = send_eof(srv, diag, warnings, status);
    if (st == REDIR_OK && rows) {
        after_ok(srv, status);
    }
    return st;
}

redir_status redir_server_columns_end(redir_server *srv, redir_diag *diag, uint16_t warnings,
                                      uint16_t status) {
    return end_block(srv, diag, warnings, status, false);
}

redir_status redir_server_rows_end(redir_server *srv, redir_diag *diag, uint16_t warnings,
                                   uint16_t status) {
    return end_block(srv, diag, warnings, status, true);
}

redir_status redir_server_rows_end_state(redir_server *srv, redir_diag *diag, uint16_t warnings,
                                         uint16_t status, redir_span session_state) {
    redir_ok ok;
    memset(&ok, 0, sizeof ok);
    ok.header = 0xFE;
    ok.status = status;
    ok.warnings = warnings;
    ok.has_session_state = true;
    ok.session_state = session_state;
    return redir_server_ok(srv, diag, &ok);
}
