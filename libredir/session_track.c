#include "reader.h"
#include "redir/packets.h"
#include "redir/wire.h"
#include "writer.h"
#include "util.h"

/* Lengths inside a block are nearly always one byte: rd_lenenc and
 * rd_lenenc_str take that form inline. */
#define take_len rd_lenenc
#define take_str rd_lenenc_str

/* Inside a block every length is bounded by its container, so running out of
 * bytes there is not a short packet but a malformed entry or value. */
static redir_status in_container(redir_status st, redir_status overrun) {
    return st == REDIR_E_TRUNCATED ? overrun : st;
}

/* read_pair reads one name/value pair of a SYSTEM_VARIABLES body. */
static redir_status read_pair(rd *r, redir_span *name, redir_span *value, redir_diag *diag) {
    redir_status st = take_str(r, name, diag);
    if (st == REDIR_OK) {
        st = take_str(r, value, diag);
    }
    return in_container(st, REDIR_E_STATE_VALUE);
}

/* read_whole_string reads one lenenc string that must end exactly where r ends. */
static redir_status read_whole_string(rd *r, redir_span *out, redir_diag *diag) {
    redir_status st = take_str(r, out, diag);
    if (st != REDIR_OK) {
        return in_container(st, REDIR_E_STATE_VALUE);
    }
    if (rd_left(r) != 0) {
        return rd_fail(diag, REDIR_E_STATE_VALUE, r->pos, 0);
    }
    return REDIR_OK;
}

/* decode_body fills the typed views of e from its body, which r covers exactly
 * (positions in r are relative to the block). */
static redir_status decode_body(rd *r, redir_session_entry *e, redir_diag *diag) {
    redir_status st;
    switch (e->type) {
    case REDIR_TRACK_SYSTEM_VARIABLES: {
        if ((st = read_pair(r, &e->name, &e->value, diag)) != REDIR_OK) {
            return st;
        }
        size_t more = r->pos;
        while (rd_left(r) > 0) {
            redir_span n, v;
            if ((st = read_pair(r, &n, &v, diag)) != REDIR_OK) {
                return st;
            }
        }
        e->more_pairs = redir_span_of(r->base + more, r->pos - more);
        return REDIR_OK;
    }
    case REDIR_TRACK_SCHEMA:
    case REDIR_TRACK_TRANSACTION_CHARACTERISTICS:
    case REDIR_TRACK_TRANSACTION_STATE:
        return read_whole_string(r, &e->value, diag);
    case REDIR_TRACK_STATE_CHANGE: {
        /* Servers send the raw byte '1'. Only a body that is exactly one
         * non-empty lenenc string is the documented nested form: an empty
         * inner value would need a one-byte body, which reads as raw. */
        rd probe = *r;
        redir_span inner;
        e->value = e->data;
        if (take_str(&probe, &inner, NULL) == REDIR_OK && rd_left(&probe) == 0 && inner.len > 0) {
            e->value = inner;
            e->state_change_nested = true;
        }
        return REDIR_OK;
    }
    case REDIR_TRACK_GTIDS:
        if ((st = rd_u8(r, &e->gtid_spec, diag)) != REDIR_OK) {
            return in_container(st, REDIR_E_STATE_VALUE);
        }
        return read_whole_string(r, &e->value, diag);
    default:
        return REDIR_OK;
    }
}

void redir_session_iter_init(redir_session_iter *it, redir_span block) {
    it->block = block;
    if (block.ptr == NULL) {
        it->block.len = 0;
    }
    it->pos = 0;
}

/* A failed iterator keeps block.ptr NULL, the failing offset in block.len and
 * the status in pos; a live iterator with a NULL block always has pos 0. */
static redir_status iter_fail(redir_session_iter *it, redir_diag *diag, redir_status st,
                              size_t offset) {
    it->block = redir_span_of(NULL, offset);
    it->pos = (size_t)st;
    return rd_fail(diag, st, offset, 0);
}

redir_status redir_session_next(redir_session_iter *it, redir_session_entry *out,
                                redir_diag *diag) {
    memset(out, 0, sizeof *out);
    if (it->block.ptr == NULL && it->pos != 0) {
        return rd_fail(diag, (redir_status)it->pos, it->block.len, 0);
    }
    if (it->pos >= it->block.len) {
        return REDIR_DONE;
    }
    rd r = rd_init(it->block.ptr, it->block.len);
    r.pos = it->pos;
    redir_diag d = {0, 0};
    uint64_t n = 0;
    redir_status st = rd_u8(&r, &out->type, &d);
    if (st == REDIR_OK) {
        st = in_container(take_len(&r, &n, &d), REDIR_E_STATE_ENTRY);
    }
    if (st == REDIR_OK && n > (uint64_t)rd_left(&r)) {
        st = rd_fail(&d, REDIR_E_STATE_ENTRY, r.pos, 0);
    }
    if (st == REDIR_OK) {
        rd body = r;
        body.len = r.pos + (size_t)n;
        out->data = redir_span_of(r.base + r.pos, (size_t)n);
        st = decode_body(&body, out, &d);
        if (st == REDIR_OK) {
            it->pos = body.len;
            return REDIR_OK;
        }
    }
    memset(out, 0, sizeof *out);
    return iter_fail(it, diag, st, d.offset);
}

redir_status redir_sysvar_next(redir_span *rest, redir_span *name, redir_span *value,
                               redir_diag *diag) {
    *name = redir_span_of(NULL, 0);
    *value = redir_span_of(NULL, 0);
    if (rest->len == 0) {
        return REDIR_DONE;
    }
    rd r = rd_init(rest->ptr, rest->len);
    redir_span n, v;
    redir_status st = read_pair(&r, &n, &v, diag);
    if (st != REDIR_OK) {
        return st;
    }
    *name = n;
    *value = v;
    *rest = redir_span_of(rest->ptr + r.pos, rest->len - r.pos);
    return REDIR_OK;
}

/* ------------------------------------------------------------------------- */

static size_t lenenc_str_size(redir_span s) { return redir_lenenc_size(s.len) + s.len; }

static wr entry_writer(uint8_t *buf, size_t cap, size_t len) {
    wr w = wr_init(buf, cap);
    w.len = len;
    return w;
}

static redir_status entry_finish(const wr *w, size_t *len) {
    *len = w->len;
    return w->len <= w->cap ? REDIR_OK : REDIR_E_NOSPACE;
}

static redir_status put_pairs(uint8_t *buf, size_t cap, size_t *len, redir_span name,
                              redir_span value, redir_span more_pairs) {
    wr w = entry_writer(buf, cap, *len);
    wr_u8(&w, REDIR_TRACK_SYSTEM_VARIABLES);
    wr_lenenc(&w, lenenc_str_size(name) + lenenc_str_size(value) + more_pairs.len);
    wr_lenenc_str(&w, name);
    wr_lenenc_str(&w, value);
    wr_span(&w, more_pairs);
    return entry_finish(&w, len);
}

redir_status redir_session_append_sysvar(uint8_t *buf, size_t cap, size_t *len, redir_span name,
                                      redir_span value) {
    if (!redir__span_ok(name) || !redir__span_ok(value)) {
        return REDIR_E_INVALID_ARGUMENT;
    }
    return put_pairs(buf, cap, len, name, value, redir_span_of(NULL, 0));
}

redir_status redir_session_append_string(uint8_t *buf, size_t cap, size_t *len, uint8_t type,
                                      redir_span value) {
    if (type == REDIR_TRACK_SYSTEM_VARIABLES || type == REDIR_TRACK_GTIDS || !redir__span_ok(value)) {
        return REDIR_E_INVALID_ARGUMENT;
    }
    wr w = entry_writer(buf, cap, *len);
    wr_u8(&w, type);
    wr_lenenc(&w, lenenc_str_size(value));
    wr_lenenc_str(&w, value);
    return entry_finish(&w, len);
}

redir_status redir_session_append_state_change(uint8_t *buf, size_t cap, size_t *len) {
    static const uint8_t entry[] = {REDIR_TRACK_STATE_CHANGE, 0x01, '1'};
    wr w = entry_writer(buf, cap, *len);
    wr_bytes(&w, entry, sizeof entry);
    return entry_finish(&w, len);
}

redir_status redir_session_append_gtids(uint8_t *buf, size_t cap, size_t *len, uint8_t spec,
                                     redir_span gtids) {
    if (!redir__span_ok(gtids)) {
        return REDIR_E_INVALID_ARGUMENT;
    }
    wr w = entry_writer(buf, cap, *len);
    wr_u8(&w, REDIR_TRACK_GTIDS);
    wr_lenenc(&w, 1 + lenenc_str_size(gtids));
    wr_u8(&w, spec);
    wr_lenenc_str(&w, gtids);
    return entry_finish(&w, len);
}

redir_status redir_session_append_raw(uint8_t *buf, size_t cap, size_t *len, uint8_t type,
                                   redir_span body) {
    if (!redir__span_ok(body)) {
        return REDIR_E_INVALID_ARGUMENT;
    }
    wr w = entry_writer(buf, cap, *len);
    wr_u8(&w, type);
    wr_lenenc_str(&w, body);
    return entry_finish(&w, len);
}

/* pairs_ok is true when s is a whole number of name/value pairs. */
static bool pairs_ok(redir_span s) {
    rd r = rd_init(s.ptr, s.len);
    while (rd_left(&r) > 0) {
        redir_span n, v;
        if (read_pair(&r, &n, &v, NULL) != REDIR_OK) {
            return false;
        }
    }
    return true;
}

redir_status redir_session_append_entry(uint8_t *buf, size_t cap, size_t *len,
                                     const redir_session_entry *e) {
    switch (e->type) {
    case REDIR_TRACK_SYSTEM_VARIABLES:
        if (!redir__span_ok(e->name) || !redir__span_ok(e->value) || !redir__span_ok(e->more_pairs) ||
            !pairs_ok(e->more_pairs)) {
            return REDIR_E_INVALID_ARGUMENT;
        }
        return put_pairs(buf, cap, len, e->name, e->value, e->more_pairs);
    case REDIR_TRACK_SCHEMA:
    case REDIR_TRACK_TRANSACTION_CHARACTERISTICS:
    case REDIR_TRACK_TRANSACTION_STATE:
        return redir_session_append_string(buf, cap, len, e->type, e->value);
    case REDIR_TRACK_STATE_CHANGE:
        if (e->state_change_nested) {
            if (e->value.len == 0) {
                return REDIR_E_INVALID_ARGUMENT;
            }
            return redir_session_append_string(buf, cap, len, e->type, e->value);
        }
        return redir_session_append_raw(buf, cap, len, e->type, e->value);
    case REDIR_TRACK_GTIDS:
        return redir_session_append_gtids(buf, cap, len, e->gtid_spec, e->value);
    default:
        return redir_session_append_raw(buf, cap, len, e->type, e->data);
    }
}
