#include "command_internal.h"

static const uint64_t metadata_caps =
    REDIR_CLIENT_OPTIONAL_RESULTSET_METADATA | REDIR_MARIADB_CLIENT_CACHE_METADATA;

static redir_status prepare_decode(redir_prepare_ok *p, redir_diag *diag, rd *r,
                                   uint64_t caps) {
    uint8_t header;
    redir_status st = rd_u8(r, &header, diag);
    if (st != REDIR_OK) {
        return st;
    }
    if (header != 0x00) {
        return rd_fail(diag, REDIR_E_BAD_HEADER, 0, 0);
    }
    if ((st = rd_u32(r, &p->statement_id, diag)) != REDIR_OK ||
        (st = rd_u16(r, &p->num_columns, diag)) != REDIR_OK ||
        (st = rd_u16(r, &p->num_params, diag)) != REDIR_OK ||
        (st = rd_u8(r, &p->reserved, diag)) != REDIR_OK ||
        (st = rd_u16(r, &p->warnings, diag)) != REDIR_OK) {
        return st;
    }
    if ((caps & metadata_caps) != 0 && rd_left(r) > 0) {
        (void)rd_u8(r, &p->metadata_follows, NULL);
        p->has_metadata_follows = true;
    }
    if (rd_left(r) > 0) {
        return rd_fail(diag, REDIR_E_TRAILING, r->pos, 0);
    }
    return REDIR_OK;
}

redir_status redir_prepare_ok_decode(redir_prepare_ok *out, redir_diag *diag, const uint8_t *in,
                                     size_t in_len, uint64_t caps) {
    redir_prepare_ok p;
    memset(&p, 0, sizeof p);
    rd r = rd_init(in, in_len);
    redir_status st = prepare_decode(&p, diag, &r, caps);
    if (st != REDIR_OK) {
        memset(&p, 0, sizeof p);
    }
    *out = p;
    return st;
}

redir_status redir_prepare_ok_encode(uint8_t *buf, size_t cap, size_t *out_len,
                                     const redir_prepare_ok *p, uint64_t caps) {
    if ((p->has_metadata_follows && (caps & metadata_caps) == 0) ||
        (!p->has_metadata_follows && p->metadata_follows != 0)) {
        if (out_len != NULL) {
            *out_len = 0;
        }
        return REDIR_E_INVALID_ARGUMENT;
    }
    wr w = wr_init(buf, cap);
    wr_u8(&w, 0x00);
    wr_uint(&w, p->statement_id, 4);
    wr_uint(&w, p->num_columns, 2);
    wr_uint(&w, p->num_params, 2);
    wr_u8(&w, p->reserved);
    wr_uint(&w, p->warnings, 2);
    if (p->has_metadata_follows) {
        wr_u8(&w, p->metadata_follows);
    }
    return wr_finish(&w, out_len);
}
