#include "reader.h"
#include "redir/packets.h"
#include "writer.h"

/* A 0xFE packet of 9 bytes or more is a row or an OK-as-EOF, never an EOF. */
#define EOF_MAX_LEN 8

static redir_status eof_decode(redir_eof *e, redir_diag *diag, rd *r, uint64_t caps) {
    uint8_t header;
    redir_status st = rd_u8(r, &header, diag);
    if (st != REDIR_OK) {
        return st;
    }
    if (header != 0xFE || r->len > EOF_MAX_LEN) {
        return rd_fail(diag, REDIR_E_BAD_HEADER, 0, 0);
    }
    if ((caps & REDIR_CLIENT_PROTOCOL_41) != 0) {
        e->has_fields = true;
        if ((st = rd_u16(r, &e->warnings, diag)) != REDIR_OK ||
            (st = rd_u16(r, &e->status, diag)) != REDIR_OK) {
            return st;
        }
    }
    if (rd_left(r) > 0) {
        return rd_fail(diag, REDIR_E_TRAILING, r->pos, 0);
    }
    return REDIR_OK;
}

redir_status redir_eof_decode(redir_eof *out, redir_diag *diag, const uint8_t *in, size_t in_len,
                              uint64_t caps) {
    redir_eof e;
    memset(&e, 0, sizeof e);
    rd r = rd_init(in, in_len);
    redir_status st = eof_decode(&e, diag, &r, caps);
    if (st != REDIR_OK) {
        memset(&e, 0, sizeof e);
    }
    *out = e;
    return st;
}

redir_status redir_eof_encode(uint8_t *buf, size_t cap, size_t *out_len, const redir_eof *e) {
    wr w = wr_init(buf, cap);
    wr_u8(&w, 0xFE);
    if (e->has_fields) {
        wr_uint(&w, e->warnings, 2);
        wr_uint(&w, e->status, 2);
    }
    return wr_finish(&w, out_len);
}
