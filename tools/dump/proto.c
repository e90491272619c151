/* The per-flow protocol state machine: connection phase, command queue and
 * result-set tracking. */
#include <string.h>

#include "dump_internal.h"

#define COM_QUIT 0x01
#define COM_INIT_DB 0x02
#define COM_QUERY 0x03
#define COM_FIELD_LIST 0x04
#define COM_STATISTICS 0x09
#define COM_PROCESS_INFO 0x0a
#define COM_CHANGE_USER 0x11
#define COM_BINLOG_DUMP 0x12
#define COM_STMT_PREPARE 0x16
#define COM_STMT_EXECUTE 0x17
#define COM_STMT_SEND_LONG_DATA 0x18
#define COM_STMT_CLOSE 0x19
#define COM_STMT_FETCH 0x1c
#define COM_BINLOG_DUMP_GTID 0x1e
#define CMD_UNKNOWN 0xFF

#define SERVER_MORE_RESULTS_EXISTS 0x0008u
#define SERVER_STATUS_CURSOR_EXISTS 0x0040u

/* What a mid-stream flow is assumed to have negotiated until traffic says
 * otherwise: what every 4.1+ client and server agree on. */
#define MIDSTREAM_CAPS                                                                             \
    (REDIR_CLIENT_MYSQL | REDIR_CLIENT_PROTOCOL_41 | REDIR_CLIENT_TRANSACTIONS |                   \
     REDIR_CLIENT_SECURE_CONNECTION | REDIR_CLIENT_PLUGIN_AUTH | REDIR_CLIENT_MULTI_RESULTS |     \
     REDIR_CLIENT_PS_MULTI_RESULTS | REDIR_CLIENT_SESSION_TRACK)

void dump__proto_init(dump_flow_internal *f, bool midstream) {
    f->pub.midstream = midstream;
    f->rstate = DUMP_R_IDLE;
    f->rcmd = CMD_UNKNOWN;
    f->qhead = 0;
    f->qlen = 0;
    if (midstream) {
        f->pub.phase = DUMP_PHASE_COMMAND;
        f->pub.caps = MIDSTREAM_CAPS;
        f->eof_known = false;
        f->track_known = false;
        f->qattr_known = false;
        f->d[0].sync = DUMP_SYNC_LOST;
        f->d[1].sync = DUMP_SYNC_LOST;
    } else {
        f->pub.phase = DUMP_PHASE_GREETING;
        f->pub.caps = 0;
        f->eof_known = true;
        f->track_known = true;
        f->qattr_known = true;
        f->d[0].sync = DUMP_SYNC_OK;
        f->d[1].sync = DUMP_SYNC_OK;
    }
}

void dump__proto_gap(dump_flow_internal *f, dump_dir dir) {
    if (dir == DUMP_S2C) {
        /* Where the response stood is unknown: the current command's answer
         * is abandoned and the next packets are classified on their own. */
        if (f->qlen > 0) {
            f->qhead = (f->qhead + 1) % DUMP_CMDQ_SIZE;
            f->qlen--;
        }
    } else {
        /* Commands may have been lost: forget the queue. */
        f->qlen = 0;
    }
    f->rstate = DUMP_R_IDLE;
    f->rcmd = CMD_UNKNOWN;
}

/* ---------------------------------------------------------- command queue */

static void start_next_response(dump_flow_internal *f) {
    if (f->qlen > 0) {
        f->rstate = DUMP_R_FIRST;
        f->rcmd = f->q[f->qhead].command;
        f->rnext_seq = f->q[f->qhead].next_seq;
        f->rseq_known = true;
    } else {
        f->rstate = DUMP_R_IDLE;
        f->rcmd = CMD_UNKNOWN;
        f->rseq_known = false;
    }
}

static void response_done(dump_flow_internal *f) {
    if (f->qlen > 0) {
        f->qhead = (f->qhead + 1) % DUMP_CMDQ_SIZE;
        f->qlen--;
    }
    start_next_response(f);
}

static void push_command(dump_flow_internal *f, uint8_t command, uint8_t next_seq) {
    if (f->qlen == DUMP_CMDQ_SIZE) {
        return; /* a client pipelining that deep: the oldest answers are classified alone */
    }
    f->q[(f->qhead + f->qlen) % DUMP_CMDQ_SIZE] = (dump_cmd){command, next_seq};
    f->qlen++;
    if (f->qlen == 1) {
        start_next_response(f);
    }
}

/* ----------------------------------------------------------- plausibility */

static bool known_command(uint8_t c) {
    return c != 0x00 && dump_command_name(c) != NULL;
}

static bool ok_decodes(const uint8_t *p, size_t n, uint64_t caps, redir_ok *ok) {
    redir_ok tmp;
    if (ok == NULL) {
        ok = &tmp;
    }
    return redir_ok_decode(ok, NULL, p, n, caps) == REDIR_OK;
}

/* column_count parses a column-count packet: a lenenc covering the payload,
 * optionally followed by a metadata-follows byte. */
static bool column_count(const uint8_t *p, size_t n, uint64_t caps, uint64_t *count,
                         bool *metadata) {
    uint64_t v;
    size_t used;
    *metadata = true;
    if (n == 0 || p[0] == 0x00 || p[0] == 0xFB || p[0] == 0xFF) {
        return false;
    }
    if (redir_lenenc_decode(&v, &used, NULL, p, n) != REDIR_OK || v == 0 || v > 65535) {
        return false;
    }
    if (used == n) {
        *count = v;
        return true;
    }
    bool meta_caps = (caps & (REDIR_MARIADB_CLIENT_CACHE_METADATA |
                              REDIR_CLIENT_OPTIONAL_RESULTSET_METADATA)) != 0;
    if (used + 1 == n && (meta_caps || p[used] <= 1)) {
        *count = v;
        *metadata = p[used] != 0;
        return true;
    }
    return false;
}

bool dump__proto_plausible_start(const dump_flow_internal *f, dump_dir dir, uint8_t seq,
                                 const uint8_t *p, size_t len) {
    uint64_t caps = f->pub.caps ? f->pub.caps : MIDSTREAM_CAPS;
    if (len == 0) {
        return false;
    }
    if (dir == DUMP_C2S) {
        if (seq == 0 && known_command(p[0])) {
            if (p[0] == COM_QUERY || p[0] == COM_INIT_DB) {
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
        return seq >= 1 && (ok_decodes(p, len, caps, NULL) ||
                            ok_decodes(p, len, caps & ~REDIR_CLIENT_SESSION_TRACK, NULL) ||
                            ((len == 12 || len == 13) && p[9] == 0));
    case 0xFE:
        return seq >= 1 && len < 9;
    default: {
        uint64_t n;
        bool meta;
        return seq == 1 && column_count(p, len, caps, &n, &meta);
    }
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

/* ------------------------------------------------------------ client side */

static void login_caps(dump_flow_internal *f) {
    uint64_t caps = f->pub.server_caps & f->pub.client_caps;
    /* MariaDB extended capabilities count only when both sides cleared
     * CLIENT_MYSQL; otherwise the high half is not capabilities. */
    if ((f->pub.server_caps & REDIR_CLIENT_MYSQL) || (f->pub.client_caps & REDIR_CLIENT_MYSQL)) {
        caps &= UINT64_C(0xFFFFFFFF);
    }
    f->pub.caps = caps;
}

static void infer_query_attrs(dump_flow_internal *f, const uint8_t *p, size_t len) {
    if (f->qattr_known || len < 2) {
        return;
    }
    /* With query attributes a query starts with two lenenc counts (the set
     * count is always 1); SQL text never starts with a NUL byte. */
    if (len >= 3 && p[1] == 0x00 && p[2] == 0x01) {
        f->pub.caps |= REDIR_CLIENT_QUERY_ATTRIBUTES;
    } else if (p[1] >= 0x20 || p[1] == '\t' || p[1] == '\n' || p[1] == '\r') {
        if (p[1] < 0xFB) {
            f->pub.caps &= ~REDIR_CLIENT_QUERY_ATTRIBUTES;
        }
    } else {
        return;
    }
    f->qattr_known = true;
}

static bool client_packet(dump_session *s, dump_flow_internal *f, dump_packet *pk) {
    const uint8_t *p = pk->payload;
    size_t len = pk->len;
    switch (f->pub.phase) {
    case DUMP_PHASE_LOGIN: {
        redir_handshake_response r;
        if (len == REDIR_SSL_REQUEST_SIZE &&
            redir_ssl_request_decode(&r, NULL, p, len) == REDIR_OK) {
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
        f->change_user = false;
        f->compress_pending = (f->pub.caps & REDIR_CLIENT_COMPRESS) != 0;
        return true;
    }
    case DUMP_PHASE_AUTH:
        pk->kind = DUMP_K_AUTH_DATA;
        emit(s, f, pk);
        return true;
    case DUMP_PHASE_GREETING:
    case DUMP_PHASE_CLOSED:
    case DUMP_PHASE_TLS:
        pk->kind = DUMP_K_UNKNOWN;
        emit(s, f, pk);
        return true;
    case DUMP_PHASE_COMMAND:
        break;
    }
    if (f->rstate == DUMP_R_INFILE) {
        pk->kind = DUMP_K_INFILE_DATA;
        emit(s, f, pk);
        if (len == 0) {
            f->rstate = DUMP_R_FIRST;
            f->rnext_seq = (uint8_t)(pk->seq + 1);
        }
        return true;
    }
    if (pk->seq == 1 && f->pub.midstream && !f->d[DUMP_C2S].started && len >= 32) {
        /* The capture missed only the greeting: the login starts here. */
        redir_handshake_response r;
        if (redir_handshake_response_decode(&r, NULL, p, len) == REDIR_OK) {
            pk->kind = DUMP_K_HANDSHAKE_RESPONSE;
            f->pub.client_caps = r.capabilities;
            f->pub.caps = r.capabilities;
            f->eof_known = true;
            f->track_known = true;
            f->qattr_known = true;
            emit(s, f, pk);
            f->pub.phase = DUMP_PHASE_AUTH;
            f->change_user = false;
            f->compress_pending = (f->pub.caps & REDIR_CLIENT_COMPRESS) != 0;
            return true;
        }
    }
    if (pk->seq != 0 || len == 0) {
        return false; /* not a command start: the stream is out of step */
    }
    uint8_t c = p[0];
    pk->kind = DUMP_K_COMMAND;
    pk->command = c;
    if (c == COM_QUERY) {
        infer_query_attrs(f, p, len);
    }
    pk->query_attrs = (c == COM_QUERY || c == COM_STMT_EXECUTE) &&
                      (f->pub.caps & REDIR_CLIENT_QUERY_ATTRIBUTES) != 0;
    emit(s, f, pk);
    uint8_t next = (uint8_t)(pk->seq + pk->num_frames);
    switch (c) {
    case COM_QUIT:
        f->pub.phase = DUMP_PHASE_CLOSED;
        break;
    case COM_STMT_CLOSE:
    case COM_STMT_SEND_LONG_DATA:
        break; /* no response */
    case COM_CHANGE_USER:
        /* The server answers like a login: auth switch, more data, OK, ERR. */
        f->pub.phase = DUMP_PHASE_AUTH;
        f->change_user = true;
        f->qlen = 0;
        f->rstate = DUMP_R_IDLE;
        break;
    default:
        push_command(f, c, next);
        break;
    }
    return true;
}

/* ------------------------------------------------------------ server side */

static uint16_t terminator_status(dump_flow_internal *f, const uint8_t *p, size_t len,
                                  dump_kind kind) {
    if (kind == DUMP_K_EOF) {
        return len >= 5 ? dump__le16(p + 3) : 0;
    }
    redir_ok ok;
    if (ok_decodes(p, len, f->pub.caps, &ok) && ok.has_status) {
        return ok.status;
    }
    return 0;
}

/* fe_kind classifies a short 0xFE packet: a legacy EOF is 5 bytes (1 before
 * 4.1), an OK-as-EOF at least 7. On mid-stream flows the first one decides
 * DEPRECATE_EOF. */
static dump_kind fe_kind(dump_flow_internal *f, size_t len) {
    dump_kind k = len >= 7 ? DUMP_K_OK_AS_EOF : DUMP_K_EOF;
    if (!f->eof_known) {
        f->eof_known = true;
        if (k == DUMP_K_OK_AS_EOF) {
            f->pub.caps |= REDIR_CLIENT_DEPRECATE_EOF;
        } else {
            f->pub.caps &= ~REDIR_CLIENT_DEPRECATE_EOF;
        }
    }
    return k;
}

static bool deprecate_eof(const dump_flow_internal *f) {
    return (f->pub.caps & REDIR_CLIENT_DEPRECATE_EOF) != 0;
}

/* classify_ok picks the OK/OK-as-EOF decoding caps on mid-stream flows, where
 * SESSION_TRACK is a guess. */
static void settle_track(dump_flow_internal *f, const uint8_t *p, size_t len) {
    if (f->track_known) {
        return;
    }
    redir_ok ok;
    if (ok_decodes(p, len, f->pub.caps | REDIR_CLIENT_SESSION_TRACK, &ok)) {
        f->pub.caps |= REDIR_CLIENT_SESSION_TRACK;
        if (ok.has_session_state) {
            f->track_known = true;
        }
    } else if (ok_decodes(p, len, f->pub.caps & ~REDIR_CLIENT_SESSION_TRACK, NULL)) {
        f->pub.caps &= ~REDIR_CLIENT_SESSION_TRACK;
        f->track_known = true;
    }
}

/* end_of_result handles a result-set terminator (EOF/OK-as-EOF) status. */
static void end_of_result(dump_flow_internal *f, uint16_t status) {
    if (status & SERVER_MORE_RESULTS_EXISTS) {
        f->rstate = DUMP_R_FIRST;
    } else {
        response_done(f);
    }
}

static void after_coldefs(dump_flow_internal *f) {
    if (f->eof_known && deprecate_eof(f)) {
        f->rstate = DUMP_R_ROWS;
    } else {
        f->rstate = DUMP_R_COLDEFS_EOF;
    }
}

static void after_prep_params(dump_flow_internal *f) {
    if (f->prep_cols > 0 && !f->metadata_skipped) {
        f->rstate = DUMP_R_PREP_COLS;
        f->rcols_left = f->prep_cols;
    } else {
        response_done(f);
    }
}

static void server_auth(dump_flow_internal *f, dump_packet *pk) {
    const uint8_t *p = pk->payload;
    size_t len = pk->len;
    switch (p[0]) {
    case 0x00:
        pk->kind = DUMP_K_OK;
        pk->login_ok = true;
        f->pub.phase = DUMP_PHASE_COMMAND;
        f->auth_ok_seen = true;
        f->change_user = false;
        start_next_response(f);
        break;
    case 0xFF:
        pk->kind = DUMP_K_ERR;
        f->pub.phase = f->change_user ? DUMP_PHASE_COMMAND : DUMP_PHASE_CLOSED;
        f->change_user = false;
        break;
    case 0xFE:
        pk->kind = len == 1 ? DUMP_K_AUTH_SWITCH_OLD : DUMP_K_AUTH_SWITCH;
        break;
    case 0x01:
        pk->kind = DUMP_K_AUTH_MORE_DATA;
        break;
    case 0x02:
        pk->kind = (f->pub.caps & REDIR_CLIENT_MULTI_FACTOR_AUTH) ? DUMP_K_AUTH_NEXT_FACTOR
                                                                   : DUMP_K_UNKNOWN;
        break;
    default:
        pk->kind = DUMP_K_UNKNOWN;
        break;
    }
}

/* server_command classifies a command-phase packet and advances the result
 * tracking. */
static void server_command(dump_flow_internal *f, dump_packet *pk) {
    const uint8_t *p = pk->payload;
    size_t len = pk->len;
    uint8_t b = p[0];
    if (f->rstate == DUMP_R_IDLE) {
        /* No request known (mid-stream, or after a gap): classify alone. */
        f->rstate = DUMP_R_FIRST;
        f->rcmd = CMD_UNKNOWN;
        f->rseq_known = false;
    }
    pk->answers = f->rcmd;
    for (int round = 0; round < 3; round++) {
        switch (f->rstate) {
        case DUMP_R_IDLE:
        case DUMP_R_FIRST:
        case DUMP_R_INFILE: {
            if (f->rstate == DUMP_R_FIRST && f->rcmd == COM_STATISTICS && b != 0xFF) {
                pk->kind = DUMP_K_STATISTICS;
                response_done(f);
                return;
            }
            if (b == 0xFF) {
                pk->kind = DUMP_K_ERR;
                response_done(f);
                return;
            }
            if (b == 0x00) {
                bool prep = f->rcmd == COM_STMT_PREPARE && len >= 12;
                if (f->rcmd == CMD_UNKNOWN && (len == 12 || len == 13) && p[9] == 0 &&
                    !ok_decodes(p, len, f->pub.caps, NULL)) {
                    prep = true;
                }
                if (prep) {
                    pk->kind = DUMP_K_PREPARE_OK;
                    uint16_t cols = dump__le16(p + 5);
                    uint16_t params = dump__le16(p + 7);
                    f->prep_cols = cols;
                    f->metadata_skipped = len >= 13 && p[12] == 0 &&
                                          (f->pub.caps & (REDIR_MARIADB_CLIENT_CACHE_METADATA |
                                                          REDIR_CLIENT_OPTIONAL_RESULTSET_METADATA));
                    if (params > 0 && !f->metadata_skipped) {
                        f->rstate = DUMP_R_PREP_PARAMS;
                        f->rcols_left = params;
                    } else {
                        after_prep_params(f);
                    }
                    return;
                }
                settle_track(f, p, len);
                pk->kind = DUMP_K_OK;
                redir_ok ok;
                if (ok_decodes(p, len, f->pub.caps, &ok) && ok.has_status &&
                    (ok.status & SERVER_MORE_RESULTS_EXISTS)) {
                    f->rstate = DUMP_R_FIRST;
                } else {
                    response_done(f);
                }
                return;
            }
            if (b == 0xFE && len < 9) {
                pk->kind = fe_kind(f, len);
                if (pk->kind == DUMP_K_OK_AS_EOF) {
                    settle_track(f, p, len);
                }
                end_of_result(f, terminator_status(f, p, len, pk->kind));
                return;
            }
            if (f->rcmd == COM_FIELD_LIST) {
                pk->kind = DUMP_K_COLUMN_DEF;
                f->rstate = DUMP_R_FIELD_LIST;
                return;
            }
            if (f->rcmd == COM_STMT_FETCH) {
                pk->kind = DUMP_K_ROW;
                pk->binary = true;
                f->rbinary = true;
                f->rstate = DUMP_R_ROWS;
                return;
            }
            if (b == 0xFB) {
                pk->kind = DUMP_K_LOCAL_INFILE;
                f->rstate = DUMP_R_INFILE;
                return;
            }
            uint64_t n;
            bool meta;
            if (column_count(p, len, f->pub.caps, &n, &meta)) {
                pk->kind = DUMP_K_COLUMN_COUNT;
                f->rbinary = f->rcmd == COM_STMT_EXECUTE;
                if (meta) {
                    f->rstate = DUMP_R_COLDEFS;
                    f->rcols_left = n;
                } else {
                    after_coldefs(f);
                }
                return;
            }
            pk->kind = DUMP_K_UNKNOWN;
            response_done(f);
            return;
        }
        case DUMP_R_COLDEFS:
        case DUMP_R_PREP_PARAMS:
        case DUMP_R_PREP_COLS:
            if (b == 0xFF) {
                pk->kind = DUMP_K_ERR;
                response_done(f);
                return;
            }
            pk->kind = DUMP_K_COLUMN_DEF;
            pk->param_def = f->rstate == DUMP_R_PREP_PARAMS;
            if (f->rcols_left > 0) {
                f->rcols_left--;
            }
            if (f->rcols_left == 0) {
                bool want_eof = !(f->eof_known && deprecate_eof(f));
                if (f->rstate == DUMP_R_COLDEFS) {
                    after_coldefs(f);
                } else if (f->rstate == DUMP_R_PREP_PARAMS) {
                    if (want_eof) {
                        f->rstate = DUMP_R_PREP_PARAMS_EOF;
                    } else {
                        after_prep_params(f);
                    }
                } else if (want_eof) {
                    f->rstate = DUMP_R_PREP_COLS_EOF;
                } else {
                    response_done(f);
                }
            }
            return;
        case DUMP_R_COLDEFS_EOF:
        case DUMP_R_PREP_PARAMS_EOF:
        case DUMP_R_PREP_COLS_EOF:
            if (b == 0xFE && len < 9) {
                pk->kind = fe_kind(f, len);
                if (pk->kind == DUMP_K_OK_AS_EOF) {
                    /* No EOF after definitions, and already the end of rows. */
                    if (f->rstate == DUMP_R_COLDEFS_EOF) {
                        end_of_result(f, terminator_status(f, p, len, pk->kind));
                    } else if (f->rstate == DUMP_R_PREP_PARAMS_EOF) {
                        after_prep_params(f);
                    } else {
                        response_done(f);
                    }
                    return;
                }
                if (f->rstate == DUMP_R_COLDEFS_EOF) {
                    uint16_t st = terminator_status(f, p, len, pk->kind);
                    if (f->rcmd == COM_STMT_EXECUTE && (st & SERVER_STATUS_CURSOR_EXISTS)) {
                        response_done(f); /* rows come through COM_STMT_FETCH */
                    } else {
                        f->rstate = DUMP_R_ROWS;
                    }
                } else if (f->rstate == DUMP_R_PREP_PARAMS_EOF) {
                    after_prep_params(f);
                } else {
                    response_done(f);
                }
                return;
            }
            if (b == 0xFF) {
                pk->kind = DUMP_K_ERR;
                response_done(f);
                return;
            }
            if (!f->eof_known) {
                /* Something else right after the definitions: no EOF is
                 * sent, so DEPRECATE_EOF is on. Reclassify in the next state. */
                f->eof_known = true;
                f->pub.caps |= REDIR_CLIENT_DEPRECATE_EOF;
                if (f->rstate == DUMP_R_COLDEFS_EOF) {
                    f->rstate = DUMP_R_ROWS;
                } else {
                    if (f->rstate == DUMP_R_PREP_PARAMS_EOF) {
                        after_prep_params(f);
                    } else {
                        response_done(f);
                    }
                    if (f->rstate == DUMP_R_IDLE) {
                        f->rstate = DUMP_R_FIRST; /* a response whose request is unknown */
                    }
                    pk->answers = f->rcmd;
                }
                continue;
            }
            pk->kind = DUMP_K_UNKNOWN;
            return;
        case DUMP_R_ROWS:
            if (b == 0xFF) {
                pk->kind = DUMP_K_ERR;
                response_done(f);
                return;
            }
            if (b == 0xFE && (f->rbinary || len < 9 || (deprecate_eof(f) && len < 0xFFFFFF))) {
                pk->kind = len < 9 ? fe_kind(f, len) : DUMP_K_OK_AS_EOF;
                if (pk->kind == DUMP_K_OK_AS_EOF) {
                    settle_track(f, p, len);
                }
                end_of_result(f, terminator_status(f, p, len, pk->kind));
                return;
            }
            pk->kind = DUMP_K_ROW;
            pk->binary = f->rbinary;
            return;
        case DUMP_R_FIELD_LIST:
            if (b == 0xFF) {
                pk->kind = DUMP_K_ERR;
                response_done(f);
                return;
            }
            if (b == 0xFE && len < 9) {
                pk->kind = fe_kind(f, len);
                response_done(f);
                return;
            }
            pk->kind = DUMP_K_COLUMN_DEF;
            return;
        }
    }
    pk->kind = DUMP_K_UNKNOWN;
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
    case DUMP_PHASE_GREETING: {
        redir_greeting g;
        if (p[0] == 0xFF) {
            pk->kind = DUMP_K_ERR;
            f->pub.phase = DUMP_PHASE_CLOSED;
        } else if (redir_greeting_decode(&g, NULL, p, len) == REDIR_OK) {
            pk->kind = DUMP_K_GREETING;
            f->pub.server_caps = g.capabilities;
            f->pub.connection_id = g.connection_id;
            size_t n = g.server_version.len < DUMP_VERSION_STRLEN - 1 ? g.server_version.len
                                                                      : DUMP_VERSION_STRLEN - 1;
            if (n > 0) {
                memcpy(f->pub.server_version, g.server_version.ptr, n);
            }
            f->pub.server_version[n] = '\0';
            f->pub.caps = g.capabilities;
            f->pub.phase = DUMP_PHASE_LOGIN;
        } else {
            pk->kind = p[0] == 0x0A ? DUMP_K_GREETING : DUMP_K_UNKNOWN;
            pk->decode_failed = true;
            if (p[0] == 0x0A) {
                f->pub.phase = DUMP_PHASE_LOGIN;
            }
        }
        break;
    }
    case DUMP_PHASE_LOGIN:
        pk->kind = p[0] == 0xFF ? DUMP_K_ERR : DUMP_K_UNKNOWN;
        if (p[0] == 0xFF) {
            f->pub.phase = DUMP_PHASE_CLOSED;
        }
        break;
    case DUMP_PHASE_AUTH:
        server_auth(f, pk);
        break;
    case DUMP_PHASE_COMMAND:
        server_command(f, pk);
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
