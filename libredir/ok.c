#include "reader.h"
#include "redir/packets.h"
#include "writer.h"
#include "util.h"

#define OK_STATUS_CAPS (REDIR_CLIENT_PROTOCOL_41 | REDIR_CLIENT_TRANSACTIONS)

/* Without CLIENT_SESSION_TRACK the documentation says string<EOF>, but both
 * servers write a length-encoded string. Taking the lenenc reading only when
 * it accounts for every remaining byte keeps both forms byte-exact. */
static void read_untracked_info(rd *r, redir_ok *ok) {
    if (rd_left(r) == 0) {
        return;
    }
    rd probe = *r;
    redir_span s;
    if (rd_lenenc_str(&probe, &s, NULL) == REDIR_OK && rd_left(&probe) == 0) {
        ok->info_form = REDIR_INFO_LENENC;
        ok->info = s;
        *r = probe;
        return;
    }
    ok->info_form = REDIR_INFO_EOF;
    ok->info = rd_rest(r);
}

static redir_status ok_decode(redir_ok *ok, redir_diag *diag, rd *r, uint64_t caps) {
    redir_status st = rd_u8(r, &ok->header, diag);
    if (st != REDIR_OK) {
        return st;
    }
    if (ok->header != 0x00 && ok->header != 0xFE) {
        return rd_fail(diag, REDIR_E_BAD_HEADER, 0, 0);
    }
    if ((st = rd_lenenc(r, &ok->affected_rows, diag)) != REDIR_OK ||
        (st = rd_lenenc(r, &ok->last_insert_id, diag)) != REDIR_OK) {
        return st;
    }
    if ((caps & OK_STATUS_CAPS) != 0) {
        ok->has_status = true;
        if ((st = rd_u16(r, &ok->status, diag)) != REDIR_OK) {
            return st;
        }
    }
    if ((caps & REDIR_CLIENT_PROTOCOL_41) != 0) {
        ok->has_warnings = true;
        if ((st = rd_u16(r, &ok->warnings, diag)) != REDIR_OK) {
            return st;
        }
    }
    if ((caps & REDIR_CLIENT_SESSION_TRACK) == 0) {
        read_untracked_info(r, ok);
        return REDIR_OK;
    }
    if (rd_left(r) == 0) {
        return REDIR_OK;
    }
    if ((st = rd_lenenc_str(r, &ok->info, diag)) != REDIR_OK) {
        return st;
    }
    ok->info_form = REDIR_INFO_LENENC;
    if ((ok->status & REDIR_STATUS_SESSION_STATE_CHANGED) != 0 && rd_left(r) > 0) {
        uint64_t n;
        if ((st = rd_lenenc(r, &n, diag)) != REDIR_OK) {
            return st;
        }
        if (n > (uint64_t)rd_left(r)) {
            return rd_fail(diag, REDIR_E_STATE_BLOCK, r->pos, 0);
        }
        if ((st = rd_bytes(r, (size_t)n, &ok->session_state, diag)) != REDIR_OK) {
            return st;
        }
        ok->has_session_state = true;
    }
    if (rd_left(r) > 0) {
        return rd_fail(diag, REDIR_E_TRAILING, r->pos, 0);
    }
    return REDIR_OK;
}

redir_status redir_ok_decode(redir_ok *out, redir_diag *diag, const uint8_t *in, size_t in_len,
                             uint64_t caps) {
    /* Decoded in place (no copy of the struct); cleared again on failure. */
    memset(out, 0, sizeof *out);
    rd r = rd_init(in, in_len);
    redir_status st = ok_decode(out, diag, &r, caps);
    if (st != REDIR_OK) {
        memset(out, 0, sizeof *out);
    }
    return st;
}

/* ok_encodable rejects field combinations the decoder could not have produced
 * under caps, so whatever is written decodes again under the same caps. */
static bool ok_encodable(const redir_ok *ok, uint64_t caps) {
    bool tracked = (caps & REDIR_CLIENT_SESSION_TRACK) != 0;
    if (ok->header != 0x00 && ok->header != 0xFE) {
        return false;
    }
    if (ok->has_status != ((caps & OK_STATUS_CAPS) != 0) ||
        ok->has_warnings != ((caps & REDIR_CLIENT_PROTOCOL_41) != 0)) {
        return false;
    }
    if (!redir__span_ok(ok->info) || !redir__span_ok(ok->session_state)) {
        return false;
    }
    switch (ok->info_form) {
    case REDIR_INFO_ABSENT:
        if (ok->info.len != 0) {
            return false;
        }
        break;
    case REDIR_INFO_LENENC:
        break;
    case REDIR_INFO_EOF:
        if (tracked) {
            return false;
        }
        break;
    default:
        return false;
    }
    if (ok->has_session_state) {
        if (!tracked || ok->info_form != REDIR_INFO_LENENC ||
            (ok->status & REDIR_STATUS_SESSION_STATE_CHANGED) == 0) {
            return false;
        }
    }
    return true;
}

redir_status redir_ok_encode(uint8_t *buf, size_t cap, size_t *out_len, const redir_ok *ok,
                             uint64_t caps) {
    if (!ok_encodable(ok, caps)) {
        if (out_len != NULL) {
            *out_len = 0;
        }
        return REDIR_E_INVALID_ARGUMENT;
    }
    wr w = wr_init(buf, cap);
    wr_u8(&w, ok->header);
    wr_lenenc(&w, ok->affected_rows);
    wr_lenenc(&w, ok->last_insert_id);
    if (ok->has_status) {
        wr_uint(&w, ok->status, 2);
    }
    if (ok->has_warnings) {
        wr_uint(&w, ok->warnings, 2);
    }
    if (ok->info_form == REDIR_INFO_LENENC) {
        wr_lenenc_str(&w, ok->info);
    } else {
        wr_span(&w, ok->info);
    }
    if (ok->has_session_state) {
        wr_lenenc_str(&w, ok->session_state);
    }
    return wr_finish(&w, out_len);
}
