/* The per-flow protocol state machine: the connection phase here, the
 * command phase through the library's response tracker. */
#include <stdio.h>
#include <string.h>

#include "dump_internal.h"

#define CMD_UNKNOWN 0xFF

/* What a mid-stream flow is assumed to have negotiated until traffic says
 * otherwise: what every 4.1+ client and server agree on. */
#define MIDSTREAM_CAPS                                                                             \
    (REDIR_CLIENT_MYSQL | REDIR_CLIENT_PROTOCOL_41 | REDIR_CLIENT_TRANSACTIONS |                   \
     REDIR_CLIENT_SECURE_CONNECTION | REDIR_CLIENT_PLUGIN_AUTH | REDIR_CLIENT_MULTI_RESULTS |     \
     REDIR_CLIENT_PS_MULTI_RESULTS | REDIR_CLIENT_SESSION_TRACK)

/* The capabilities a mid-stream flow learns from the server's payloads: when
 * the tracker rejects a payload under the current guess, each one not yet
 * settled is flipped in turn (the decoders read each bit on its own). */
static const uint64_t guessable[] = {
    REDIR_CLIENT_DEPRECATE_EOF,
    REDIR_CLIENT_SESSION_TRACK,
    REDIR_MARIADB_CLIENT_CACHE_METADATA,
    REDIR_MARIADB_CLIENT_EXTENDED_METADATA,
    REDIR_MARIADB_CLIENT_CACHE_METADATA | REDIR_MARIADB_CLIENT_EXTENDED_METADATA,
};

static void set_caps(dump_flow_internal *f, uint64_t caps) {
    f->pub.caps = caps;
    redir_resp_set_caps(&f->resp, caps);
}

void dump__proto_init(dump_flow_internal *f, bool midstream) {
    f->pub.midstream = midstream;
    f->change_user = false;
    if (midstream) {
        f->pub.phase = DUMP_PHASE_COMMAND;
        f->caps_known = 0;
        f->qattr_known = false;
        f->d[0].sync = DUMP_SYNC_LOST;
        f->d[1].sync = DUMP_SYNC_LOST;
        redir_resp_init(&f->resp, MIDSTREAM_CAPS);
        f->pub.caps = MIDSTREAM_CAPS;
    } else {
        f->pub.phase = DUMP_PHASE_GREETING;
        f->caps_known = UINT64_MAX;
        f->qattr_known = true;
        f->d[0].sync = DUMP_SYNC_OK;
        f->d[1].sync = DUMP_SYNC_OK;
        redir_resp_init(&f->resp, 0);
        f->pub.caps = 0;
    }
}

void dump__proto_gap(dump_flow_internal *f, dump_dir dir) {
    if (dir == DUMP_S2C) {
        /* Where the response stood is unknown: it is abandoned and the next
         * packets answer the next command, or are classified on their own. */
        redir_resp_abandon(&f->resp);
    } else {
        /* Commands may have been lost: forget the queue. */
        redir_resp_reset(&f->resp);
    }
}

/* ----------------------------------------------------------- plausibility */

static bool known_command(uint8_t c) { return c != REDIR_COM_SLEEP && redir_com_name(c) != NULL; }

static bool ok_decodes(const uint8_t *p, size_t n, uint64_t caps) {
    redir_ok ok;
    return redir_ok_decode(&ok, NULL, p, n, caps) == REDIR_OK;
}

/* A column count, with or without the metadata-follows byte. */
static bool column_count_decodes(const uint8_t *p, size_t n, uint64_t caps) {
    redir_column_count c;
    return redir_column_count_decode(&c, NULL, p, n, caps) == REDIR_OK ||
           redir_column_count_decode(&c, NULL, p, n, caps | REDIR_MARIADB_CLIENT_CACHE_METADATA) ==
               REDIR_OK;
}

static bool prepare_ok_decodes(const uint8_t *p, size_t n, uint64_t caps) {
    redir_prepare_ok po;
    return redir_prepare_ok_decode(&po, NULL, p, n, caps) == REDIR_OK ||
           redir_prepare_ok_decode(&po, NULL, p, n,
                                   caps | REDIR_CLIENT_OPTIONAL_RESULTSET_METADATA) == REDIR_OK;
}

bool dump__proto_plausible_start(const dump_flow_internal *f, dump_dir dir, uint8_t seq,
                                 const uint8_t *p, size_t len) {
    uint64_t caps = f->pub.caps ? f->pub.caps : MIDSTREAM_CAPS;
    if (len == 0) {
        return false;
    }
    if (dir == DUMP_C2S) {
        if (seq == 0 && known_command(p[0])) {
            if (p[0] == REDIR_COM_QUERY || p[0] == REDIR_COM_INIT_DB) {
                return len >= 2;
            }
            return true;
        }
        if (seq == 1 && len >= 32) {
            redir_handshake_response r;
            if (len == REDIR_SSL_REQUEST_SIZE) {
                return redir_ssl_request_decode(&r, NULL, p, len) == REDIR_OK;
            }
            return redir_handshake_response_decode(&r, NULL, p, len) == REDIR_OK;
        }
        return false;
    }
    switch (p[0]) {
    case 0x0A: {
        redir_greeting g;
        return seq == 0 && redir_greeting_decode(&g, NULL, p, len) == REDIR_OK;
    }
    case 0xFF: {
        redir_err e;
        return len >= 3 && redir_err_decode(&e, NULL, p, len, caps) == REDIR_OK;
    }
    case 0x00:
        return seq >= 1 && (ok_decodes(p, len, caps) ||
                            ok_decodes(p, len, caps & ~REDIR_CLIENT_SESSION_TRACK) ||
                            prepare_ok_decodes(p, len, caps));
    case 0xFE:
        return seq >= 1 && len < 9;
    default:
        return seq == 1 && column_count_decodes(p, len, caps);
    }
}

/* ---------------------------------------------------------------- emitting */

static void emit(dump_session *s, dump_flow_internal *f, dump_packet *pk) {
    dump_event ev;
    memset(&ev, 0, sizeof ev);
    ev.type = DUMP_EV_PACKET;
    ev.flow = &f->pub;
    ev.dir = pk->dir;
    pk->ts = s->cur_ts;
    pk->frame = s->cur_frame;
    pk->caps = f->pub.caps;
    ev.packet = *pk;
    f->pub.packets[pk->dir]++;
    f->d[pk->dir].started = true;
    s->stats.packets++;
    if ((size_t)pk->kind < DUMP_K_COUNT_) {
        s->stats.kinds[pk->kind]++;
    }
    dump__emit(s, &ev);
}

/* note reports a payload the response tracker could not place. */
static void note(dump_session *s, dump_flow_internal *f, dump_dir dir, redir_status st,
                 const redir_diag *d) {
    char text[96];
    snprintf(text, sizeof text, "response tracker: %s at offset %zu", redir_status_name(st),
             d->offset);
    dump__emit_simple(s, f, DUMP_EV_NOTE, dir, 0, text);
}

/* ------------------------------------------------------------ client side */

static void login_caps(dump_flow_internal *f) {
    set_caps(f, redir_caps_negotiate(f->pub.server_caps, f->pub.client_caps));
}

static void enter_command_phase(dump_flow_internal *f) {
    f->pub.phase = DUMP_PHASE_COMMAND;
    f->change_user = false;
    redir_resp_init(&f->resp, f->pub.caps);
}

static void infer_query_attrs(dump_flow_internal *f, const uint8_t *p, size_t len) {
    if (f->qattr_known || len < 2) {
        return;
    }
    /* With query attributes a query starts with two lenenc counts (the set
     * count is always 1); SQL text never starts with a NUL byte. */
    if (len >= 3 && p[1] == 0x00 && p[2] == 0x01) {
        set_caps(f, f->pub.caps | REDIR_CLIENT_QUERY_ATTRIBUTES);
    } else if (p[1] >= 0x20 || p[1] == '\t' || p[1] == '\n' || p[1] == '\r') {
        if (p[1] < 0xFB) {
            set_caps(f, f->pub.caps & ~REDIR_CLIENT_QUERY_ATTRIBUTES);
        }
    } else {
        return;
    }
    f->qattr_known = true;
}

static bool client_login(dump_session *s, dump_flow_internal *f, dump_packet *pk) {
    const uint8_t *p = pk->payload;
    size_t len = pk->len;
    redir_handshake_response r;
    if (len == REDIR_SSL_REQUEST_SIZE && redir_ssl_request_decode(&r, NULL, p, len) == REDIR_OK) {
        pk->kind = DUMP_K_SSL_REQUEST;
        f->pub.client_caps = r.capabilities;
        login_caps(f);
        emit(s, f, pk);
        f->pub.phase = DUMP_PHASE_TLS;
        f->pub.tls = true;
        return true;
    }
    pk->kind = DUMP_K_HANDSHAKE_RESPONSE;
    if (redir_handshake_response_decode(&r, NULL, p, len) == REDIR_OK) {
        f->pub.client_caps = r.capabilities;
    } else {
        pk->decode_failed = true;
        if (len >= 4) {
            f->pub.client_caps = dump__le32(p);
        }
    }
    login_caps(f);
    emit(s, f, pk);
    f->pub.phase = DUMP_PHASE_AUTH;
    f->compress_pending = (f->pub.caps & REDIR_CLIENT_COMPRESS) != 0;
    return true;
}

/* A mid-stream flow whose capture missed only the greeting: the login
 * starts with this handshake response. */
static bool late_login(dump_session *s, dump_flow_internal *f, dump_packet *pk) {
    redir_handshake_response r;
    if (pk->seq != 1 || !f->pub.midstream || f->d[DUMP_C2S].started || pk->len < 32 ||
        redir_handshake_response_decode(&r, NULL, pk->payload, pk->len) != REDIR_OK) {
        return false;
    }
    pk->kind = DUMP_K_HANDSHAKE_RESPONSE;
    f->pub.client_caps = r.capabilities;
    f->caps_known = UINT64_MAX;
    f->qattr_known = true;
    set_caps(f, r.capabilities);
    emit(s, f, pk);
    f->pub.phase = DUMP_PHASE_AUTH;
    f->compress_pending = (f->pub.caps & REDIR_CLIENT_COMPRESS) != 0;
    return true;
}

static bool client_command(dump_session *s, dump_flow_internal *f, dump_packet *pk) {
    const uint8_t *p = pk->payload;
    size_t len = pk->len;
    if (late_login(s, f, pk)) {
        return true;
    }
    if (pk->seq == 0 && len > 0 && p[0] == REDIR_COM_QUERY && !redir_resp_awaiting_client(&f->resp)) {
        infer_query_attrs(f, p, len);
    }
    redir_resp_tracker before = f->resp;
    redir_resp_event ev;
    redir_diag d = {0, 0};
    redir_status st = redir_resp_command(&f->resp, &ev, &d, p, len);
    if (st == REDIR_OK && ev.kind == REDIR_RESP_COMMAND && pk->seq != 0) {
        f->resp = before;
        return false; /* not a command start: the stream is out of step */
    }
    if (st != REDIR_OK) {
        if (pk->seq != 0 || len == 0) {
            return false;
        }
        note(s, f, DUMP_C2S, st, &d); /* a full queue: the command goes untracked */
    }
    switch (st == REDIR_OK ? ev.kind : REDIR_RESP_COMMAND) {
    case REDIR_RESP_INFILE_DATA:
    case REDIR_RESP_INFILE_END:
        pk->kind = DUMP_K_INFILE_DATA;
        break;
    case REDIR_RESP_AUTH_DATA:
        pk->kind = DUMP_K_AUTH_DATA;
        break;
    default:
        pk->kind = DUMP_K_COMMAND;
        pk->command = p[0];
        pk->query_attrs = (p[0] == REDIR_COM_QUERY || p[0] == REDIR_COM_STMT_EXECUTE) &&
                          (f->pub.caps & REDIR_CLIENT_QUERY_ATTRIBUTES) != 0;
        break;
    }
    emit(s, f, pk);
    if (pk->kind == DUMP_K_COMMAND && p[0] == REDIR_COM_QUIT) {
        f->pub.phase = DUMP_PHASE_CLOSED;
    } else if (pk->kind == DUMP_K_COMMAND && p[0] == REDIR_COM_CHANGE_USER) {
        /* Authentication again, followed by the tracker like any response. */
        f->pub.phase = DUMP_PHASE_AUTH;
        f->change_user = true;
    }
    return true;
}

static bool client_packet(dump_session *s, dump_flow_internal *f, dump_packet *pk) {
    switch (f->pub.phase) {
    case DUMP_PHASE_LOGIN:
        return client_login(s, f, pk);
    case DUMP_PHASE_AUTH:
        if (f->change_user) {
            return client_command(s, f, pk);
        }
        pk->kind = DUMP_K_AUTH_DATA;
        emit(s, f, pk);
        return true;
    case DUMP_PHASE_COMMAND:
        return client_command(s, f, pk);
    case DUMP_PHASE_GREETING:
    case DUMP_PHASE_CLOSED:
    case DUMP_PHASE_TLS:
        break;
    }
    pk->kind = DUMP_K_UNKNOWN;
    emit(s, f, pk);
    return true;
}

/* ------------------------------------------------------------ server side */

static void server_auth(dump_flow_internal *f, dump_packet *pk) {
    /* dump_kind's server kinds are redir_kind's values. */
    pk->kind = (dump_kind)redir_classify(REDIR_PHASE_AUTH, f->pub.caps, pk->payload, pk->len);
    if (pk->kind == DUMP_K_OK) {
        pk->login_ok = true;
        enter_command_phase(f);
    } else if (pk->kind == DUMP_K_ERR) {
        f->pub.phase = DUMP_PHASE_CLOSED;
    }
}

static dump_kind kind_of(const redir_resp_event *ev) {
    switch (ev->kind) {
    case REDIR_RESP_OK:
        return DUMP_K_OK;
    case REDIR_RESP_ERR:
    case REDIR_RESP_PROGRESS:
        return DUMP_K_ERR;
    case REDIR_RESP_EOF:
        return DUMP_K_EOF;
    case REDIR_RESP_OK_AS_EOF:
        return DUMP_K_OK_AS_EOF;
    case REDIR_RESP_COLUMN_COUNT:
        return DUMP_K_COLUMN_COUNT;
    case REDIR_RESP_COLUMN_DEF:
    case REDIR_RESP_PARAM_DEF:
        return DUMP_K_COLUMN_DEF;
    case REDIR_RESP_ROW:
        return DUMP_K_ROW;
    case REDIR_RESP_PREPARE_OK:
        return DUMP_K_PREPARE_OK;
    case REDIR_RESP_LOCAL_INFILE:
        return DUMP_K_LOCAL_INFILE;
    case REDIR_RESP_STATISTICS:
        return DUMP_K_STATISTICS;
    case REDIR_RESP_AUTH_SWITCH:
        return ev->data.len == 1 ? DUMP_K_AUTH_SWITCH_OLD : DUMP_K_AUTH_SWITCH;
    case REDIR_RESP_AUTH_MORE_DATA:
        return DUMP_K_AUTH_MORE_DATA;
    case REDIR_RESP_AUTH_NEXT_FACTOR:
        return DUMP_K_AUTH_NEXT_FACTOR;
    default:
        return DUMP_K_UNKNOWN;
    }
}

/* settle records what a successful payload proved about a mid-stream flow's
 * capabilities. */
static void settle(dump_flow_internal *f, const redir_resp_event *ev) {
    if (ev->kind == REDIR_RESP_EOF || ev->kind == REDIR_RESP_OK_AS_EOF) {
        f->caps_known |= REDIR_CLIENT_DEPRECATE_EOF;
    }
    if ((ev->kind == REDIR_RESP_OK || ev->kind == REDIR_RESP_OK_AS_EOF) &&
        ev->ok.has_session_state) {
        f->caps_known |= REDIR_CLIENT_SESSION_TRACK;
    }
}

/* track feeds a server payload to the tracker; on a mid-stream flow a
 * rejected payload is tried again under each unsettled capability flipped. */
static redir_status track(dump_flow_internal *f, redir_resp_event *ev, redir_diag *d,
                          const uint8_t *p, size_t len) {
    redir_status st = REDIR_OK;
    if (redir_resp_pending(&f->resp) == 0) {
        /* No request known (mid-stream, or after a gap): classify alone. */
        st = redir_resp_expect_unknown(&f->resp, d);
    }
    if (st == REDIR_OK) {
        st = redir_resp_feed(&f->resp, ev, d, p, len);
    }
    for (size_t i = 0; st != REDIR_OK && i < sizeof guessable / sizeof guessable[0]; i++) {
        if ((f->caps_known & guessable[i]) != 0) {
            continue;
        }
        redir_resp_tracker t = f->resp;
        uint64_t caps = f->pub.caps ^ guessable[i];
        redir_resp_set_caps(&t, caps);
        if (redir_resp_feed(&t, ev, NULL, p, len) == REDIR_OK) {
            f->resp = t;
            f->pub.caps = caps;
            f->caps_known |= guessable[i];
            st = REDIR_OK;
        }
    }
    if (st == REDIR_OK) {
        settle(f, ev);
    }
    return st;
}

static void server_command(dump_session *s, dump_flow_internal *f, dump_packet *pk) {
    redir_resp_event ev;
    redir_diag d = {0, 0};
    redir_status st = track(f, &ev, &d, pk->payload, pk->len);
    if (st != REDIR_OK && f->change_user) {
        f->pub.phase = DUMP_PHASE_COMMAND; /* the exchange is lost with the response */
        f->change_user = false;
    }
    if (st != REDIR_OK) {
        /* Nothing explains the payload: report it, drop the response it
         * was thought to belong to, and classify it on its own. */
        note(s, f, DUMP_S2C, st, &d);
        redir_resp_abandon(&f->resp);
        st = track(f, &ev, &d, pk->payload, pk->len);
    }
    if (st != REDIR_OK) {
        redir_resp_abandon(&f->resp);
        pk->kind = DUMP_K_UNKNOWN;
        return;
    }
    pk->kind = kind_of(&ev);
    pk->answers = ev.command_known ? ev.command : CMD_UNKNOWN;
    pk->binary = ev.binary;
    pk->param_def = ev.kind == REDIR_RESP_PARAM_DEF;
    pk->login_ok = ev.kind == REDIR_RESP_OK && ev.command_known &&
                   ev.command == REDIR_COM_CHANGE_USER;
    if (f->change_user && ev.complete && ev.command_known &&
        ev.command == REDIR_COM_CHANGE_USER) {
        f->pub.phase = DUMP_PHASE_COMMAND;
        f->change_user = false;
    }
}

static void server_greeting(dump_flow_internal *f, dump_packet *pk) {
    const uint8_t *p = pk->payload;
    redir_greeting g;
    if (p[0] == 0xFF) {
        pk->kind = DUMP_K_ERR;
        f->pub.phase = DUMP_PHASE_CLOSED;
    } else if (redir_greeting_decode(&g, NULL, p, pk->len) == REDIR_OK) {
        pk->kind = DUMP_K_GREETING;
        f->pub.server_caps = g.capabilities;
        f->pub.connection_id = g.connection_id;
        size_t n = g.server_version.len < DUMP_VERSION_STRLEN - 1 ? g.server_version.len
                                                                  : DUMP_VERSION_STRLEN - 1;
        if (n > 0) {
            memcpy(f->pub.server_version, g.server_version.ptr, n);
        }
        f->pub.server_version[n] = '\0';
        set_caps(f, g.capabilities);
        f->pub.phase = DUMP_PHASE_LOGIN;
    } else {
        pk->kind = p[0] == 0x0A ? DUMP_K_GREETING : DUMP_K_UNKNOWN;
        pk->decode_failed = true;
        if (p[0] == 0x0A) {
            f->pub.phase = DUMP_PHASE_LOGIN;
        }
    }
}

static void server_packet(dump_session *s, dump_flow_internal *f, dump_packet *pk) {
    const uint8_t *p = pk->payload;
    size_t len = pk->len;
    if (len == 0) {
        pk->kind = DUMP_K_UNKNOWN;
        emit(s, f, pk);
        return;
    }
    /* A greeting on a flow that looked mid-stream: the handshake was
     * captured after all (only the SYN was missing). */
    if (f->pub.phase != DUMP_PHASE_GREETING && p[0] == 0x0A && pk->seq == 0 && f->pub.midstream &&
        !f->d[DUMP_S2C].started) {
        redir_greeting g;
        if (redir_greeting_decode(&g, NULL, p, len) == REDIR_OK) {
            dump__proto_init(f, false);
            f->d[DUMP_S2C].sync = DUMP_SYNC_OK;
        }
    }
    switch (f->pub.phase) {
    case DUMP_PHASE_GREETING:
        server_greeting(f, pk);
        break;
    case DUMP_PHASE_LOGIN:
        pk->kind = p[0] == 0xFF ? DUMP_K_ERR : DUMP_K_UNKNOWN;
        if (p[0] == 0xFF) {
            f->pub.phase = DUMP_PHASE_CLOSED;
        }
        break;
    case DUMP_PHASE_AUTH:
        if (f->change_user) {
            server_command(s, f, pk);
        } else {
            server_auth(f, pk);
        }
        break;
    case DUMP_PHASE_COMMAND:
        server_command(s, f, pk);
        break;
    case DUMP_PHASE_TLS:
    case DUMP_PHASE_CLOSED:
        pk->kind = p[0] == 0xFF ? DUMP_K_ERR : DUMP_K_UNKNOWN;
        break;
    }
    emit(s, f, pk);
    if (pk->login_ok && f->compress_pending) {
        /* Both directions switch to compressed framing after the auth OK. */
        f->compress_pending = false;
        f->pub.compressed = true;
        f->have_cseq = false;
    }
}

bool dump__proto_packet(dump_session *s, dump_flow_internal *f, dump_dir dir, uint8_t seq,
                        const uint8_t *payload, size_t len, size_t total_len, size_t num_frames,
                        const uint8_t *wire, size_t wire_len, bool in_compressed) {
    dump_packet pk;
    memset(&pk, 0, sizeof pk);
    pk.flow = &f->pub;
    pk.dir = dir;
    pk.seq = seq;
    pk.num_frames = num_frames;
    pk.payload = payload;
    pk.len = len;
    pk.total_len = total_len;
    pk.truncated = len < total_len;
    pk.wire = wire;
    pk.wire_len = wire_len;
    pk.in_compressed = in_compressed;
    pk.answers = CMD_UNKNOWN;
    if (dir == DUMP_C2S) {
        return client_packet(s, f, &pk);
    }
    server_packet(s, f, &pk);
    return true;
}
