#include "reader.h"
#include "redir/wire.h"
#include "writer.h"

redir_status rd_lenenc_any(rd *r, uint64_t *out, redir_diag *diag) {
    size_t start = r->pos;
    uint8_t first;
    redir_status st = rd_u8(r, &first, diag);
    if (st != REDIR_OK) {
        return st;
    }
    size_t extra;
    switch (first) {
    case 0xFB:
        r->pos = start;
        return rd_fail(diag, REDIR_E_LENENC_NULL, start, 0);
    case 0xFF:
        r->pos = start;
        return rd_fail(diag, REDIR_E_LENENC_INVALID, start, 0);
    case 0xFC:
        extra = 2;
        break;
    case 0xFD:
        extra = 3;
        break;
    case 0xFE:
        extra = 8;
        break;
    default:
        *out = first;
        return REDIR_OK;
    }
    st = rd_uint(r, extra, out, diag);
    if (st != REDIR_OK) {
        r->pos = start;
    }
    return st;
}

redir_status rd_lenenc_str_any(rd *r, redir_span *out, redir_diag *diag) {
    size_t start = r->pos;
    uint64_t n;
    redir_status st = rd_lenenc_any(r, &n, diag);
    if (st != REDIR_OK) {
        return st;
    }
    /* Compare in 64 bits before narrowing: a 0xFE length can exceed SIZE_MAX
     * on 32-bit targets and must never reach pointer arithmetic. */
    if (n > (uint64_t)rd_left(r)) {
        size_t needed = (size_t)(n - rd_left(r));
        if ((uint64_t)needed != n - rd_left(r)) {
            needed = SIZE_MAX;
        }
        size_t off = r->pos;
        r->pos = start;
        return rd_fail(diag, REDIR_E_TRUNCATED, off, needed);
    }
    return rd_bytes(r, (size_t)n, out, diag);
}

void wr_lenenc(wr *w, uint64_t v) {
    if (v < 0xFB) {
        wr_u8(w, (uint8_t)v);
    } else if (v <= 0xFFFF) {
        wr_u8(w, 0xFC);
        wr_uint(w, v, 2);
    } else if (v <= 0xFFFFFF) {
        wr_u8(w, 0xFD);
        wr_uint(w, v, 3);
    } else {
        wr_u8(w, 0xFE);
        wr_uint(w, v, 8);
    }
}

redir_status redir_lenenc_decode(uint64_t *out, size_t *out_size, redir_diag *diag,
                                 const uint8_t *in, size_t in_len) {
    rd r = rd_init(in, in_len);
    uint64_t v = 0;
    redir_status st = rd_lenenc(&r, &v, diag);
    *out = st == REDIR_OK ? v : 0;
    *out_size = st == REDIR_OK ? r.pos : 0;
    return st;
}

size_t redir_lenenc_size(uint64_t v) {
    if (v < 0xFB) {
        return 1;
    }
    if (v <= 0xFFFF) {
        return 3;
    }
    if (v <= 0xFFFFFF) {
        return 4;
    }
    return 9;
}

redir_status redir_lenenc_encode(uint8_t *buf, size_t cap, size_t *out_len, uint64_t v) {
    wr w = wr_init(buf, cap);
    wr_lenenc(&w, v);
    return wr_finish(&w, out_len);
}

redir_status redir_lenenc_str_decode(redir_span *out, size_t *out_size, redir_diag *diag,
                                     const uint8_t *in, size_t in_len) {
    rd r = rd_init(in, in_len);
    redir_span s = {NULL, 0};
    redir_status st = rd_lenenc_str(&r, &s, diag);
    *out = s;
    *out_size = st == REDIR_OK ? r.pos : 0;
    return st;
}
