#include "reader.h"
#include "redir/packets.h"
#include "writer.h"
#include "util.h"

#define SQL_STATE_LEN 5
#define PROGRESS_MAX 0xFFFFFFu

static const uint64_t progress_caps =
    REDIR_MARIADB_CLIENT_PROGRESS | REDIR_CLIENT_PROGRESS_OBSOLETE;

static redir_status progress_decode(redir_err *e, redir_diag *diag, rd *r) {
    redir_status st;
    if ((st = rd_u8(r, &e->progress_strings, diag)) != REDIR_OK ||
        (st = rd_u8(r, &e->stage, diag)) != REDIR_OK ||
        (st = rd_u8(r, &e->max_stage, diag)) != REDIR_OK ||
        (st = rd_u24(r, &e->progress, diag)) != REDIR_OK ||
        (st = rd_lenenc_str(r, &e->progress_info, diag)) != REDIR_OK) {
        return st == REDIR_E_TRUNCATED ? REDIR_E_BAD_PROGRESS : st;
    }
    if (rd_left(r) > 0) {
        return rd_fail(diag, REDIR_E_TRAILING, r->pos, 0);
    }
    e->is_progress = true;
    return REDIR_OK;
}

static redir_status err_decode(redir_err *e, redir_diag *diag, rd *r, uint64_t caps) {
    uint8_t header;
    redir_status st = rd_u8(r, &header, diag);
    if (st != REDIR_OK) {
        return st;
    }
    if (header != 0xFF) {
        return rd_fail(diag, REDIR_E_BAD_HEADER, 0, 0);
    }
    if ((st = rd_u16(r, &e->code, diag)) != REDIR_OK) {
        return st;
    }
    if (e->code == REDIR_ERR_PROGRESS_CODE && (caps & progress_caps) != 0) {
        return progress_decode(e, diag, r);
    }
    /* The marker is optional (absent before the handshake), so peek for it. */
    rd probe = *r;
    uint8_t marker;
    if (rd_u8(&probe, &marker, NULL) == REDIR_OK && marker == '#') {
        *r = probe;
        if (rd_left(r) < SQL_STATE_LEN) {
            return rd_fail(diag, REDIR_E_BAD_SQLSTATE, r->pos, 0);
        }
        if ((st = rd_bytes(r, SQL_STATE_LEN, &e->sql_state, diag)) != REDIR_OK) {
            return st;
        }
        e->has_sql_state = true;
    }
    e->message = rd_rest(r);
    return REDIR_OK;
}

redir_status redir_err_decode(redir_err *out, redir_diag *diag, const uint8_t *in, size_t in_len,
                              uint64_t caps) {
    redir_err e;
    memset(&e, 0, sizeof e);
    rd r = rd_init(in, in_len);
    redir_status st = err_decode(&e, diag, &r, caps);
    if (st != REDIR_OK) {
        memset(&e, 0, sizeof e);
    }
    *out = e;
    return st;
}

static bool err_encodable(const redir_err *e) {
    if (e->is_progress) {
        return e->code == REDIR_ERR_PROGRESS_CODE && e->progress <= PROGRESS_MAX &&
               redir__span_ok(e->progress_info);
    }
    if (!redir__span_ok(e->message)) {
        return false;
    }
    if (e->has_sql_state) {
        return e->sql_state.ptr != NULL && e->sql_state.len == SQL_STATE_LEN;
    }
    /* Without a state a leading '#' would be read back as the marker. */
    return e->message.len == 0 || e->message.ptr[0] != '#';
}

redir_status redir_err_encode(uint8_t *buf, size_t cap, size_t *out_len, const redir_err *e) {
    if (!err_encodable(e)) {
        if (out_len != NULL) {
            *out_len = 0;
        }
        return REDIR_E_INVALID_ARGUMENT;
    }
    wr w = wr_init(buf, cap);
    wr_u8(&w, 0xFF);
    wr_uint(&w, e->code, 2);
    if (e->is_progress) {
        wr_u8(&w, e->progress_strings);
        wr_u8(&w, e->stage);
        wr_u8(&w, e->max_stage);
        wr_uint(&w, e->progress, 3);
        wr_lenenc_str(&w, e->progress_info);
    } else {
        if (e->has_sql_state) {
            wr_u8(&w, '#');
            wr_span(&w, e->sql_state);
        }
        wr_span(&w, e->message);
    }
    return wr_finish(&w, out_len);
}
