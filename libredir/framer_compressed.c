#include "framer_internal.h"

/* next_cframe reads one whole compressed frame from the input buffer and
 * makes its uncompressed bytes the packet source. */
static redir_status next_cframe(redir_framer *f, redir_diag *diag) {
    const redir_framer_config *c = &f->cfg_;
    size_t have = f->end_ - f->start_;
    if (have < REDIR_CFRAME_HEADER_SIZE) {
        return REDIR_DONE;
    }
    const uint8_t *p = c->in + f->start_;
    size_t comp = fr_u24(p);
    uint8_t cseq = p[3];
    size_t uncomp = fr_u24(p + 4);
    uint64_t at = f->in_offset_;
    if (f->expect_cseq_ >= 0 && cseq != (uint8_t)f->expect_cseq_) {
        return fr_fail(f, diag, REDIR_E_FRAMER_CSEQUENCE, at, 0);
    }
    if (uncomp != 0 && (c->inflate == NULL || c->scratch == NULL)) {
        return fr_fail(f, diag, REDIR_E_FRAMER_NO_INFLATE, at, 0);
    }
    /* Limits are judged on the header, before waiting for the body. */
    if ((uncomp != 0 ? uncomp : comp) > c->max_inflated) {
        return fr_fail(f, diag, REDIR_E_FRAMER_INFLATE_LIMIT, at, 0);
    }
    if (REDIR_CFRAME_HEADER_SIZE + comp > c->in_cap) {
        return fr_fail(f, diag, REDIR_E_FRAMER_INPUT_FULL, at, 0);
    }
    if (have - REDIR_CFRAME_HEADER_SIZE < comp) {
        return REDIR_DONE;
    }
    redir_cframe cf;
    size_t size = 0;
    redir_status st = redir_cframe_decode(&cf, &size, NULL, p, have);
    if (st != REDIR_OK) {
        return fr_fail(f, diag, st, at, 0);
    }
    if (c->on_cframe != NULL) {
        c->on_cframe(c->on_cframe_ctx, &cf, at);
    }
    if (uncomp == 0) {
        f->src_in_input_ = true;
        f->src_off_ = f->start_ + REDIR_CFRAME_HEADER_SIZE;
        f->src_end_ = f->start_ + size;
    } else {
        size_t got = 0;
        st = redir_cframe_inflate(c->inflate, c->inflate_cap, &got, &cf, c->max_inflated, c->scratch, c->scratch_len);
        if (st != REDIR_OK) {
            return fr_fail(f, diag, st, at, 0);
        }
        f->src_in_input_ = false;
        f->src_off_ = 0;
        f->src_end_ = got;
    }
    f->src_frame_offset_ = at;
    f->start_ += size;
    f->in_offset_ += size;
    if (f->expect_cseq_ >= 0) {
        f->expect_cseq_ = (uint8_t)(cseq + 1);
    }
    return REDIR_OK;
}

redir_status fr_compressed_next(redir_framer *f, redir_framed *out, redir_diag *diag) {
    for (;;) {
        if (f->src_off_ < f->src_end_) {
            const uint8_t *base = f->src_in_input_ ? f->cfg_.in : f->cfg_.inflate;
            fr_src s = {base + f->src_off_, f->src_end_ - f->src_off_, 0, false, 0,
                        f->inner_offset_, true, f->src_frame_offset_};
            redir_status st = fr_packets(f, &s, out, diag);
            f->src_off_ += s.used;
            f->inner_offset_ += s.used;
            if (st != REDIR_DONE) {
                return st;
            }
        }
        redir_status st = next_cframe(f, diag);
        if (st != REDIR_OK) {
            return st;
        }
    }
}
