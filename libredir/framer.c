#include "framer_internal.h"
#include "reader.h"

size_t fr_u24(const uint8_t *p) {
    rd r = rd_init(p, 3);
    uint32_t v = 0;
    (void)rd_u24(&r, &v, NULL);
    return v;
}

redir_status fr_fail(redir_framer *f, redir_diag *diag, redir_status st, uint64_t offset,
                     size_t needed) {
    f->failed_ = st;
    f->fail_diag_.offset = (size_t)offset;
    f->fail_diag_.needed = needed;
    if (diag != NULL) {
        *diag = f->fail_diag_;
    }
    return st;
}

static void clear_state(redir_framer *f) {
    redir_framer_config cfg = f->cfg_;
    redir_framer zero = {0};
    *f = zero;
    f->cfg_ = cfg;
    f->expect_seq_ = -1;
    f->expect_cseq_ = -1;
}

redir_status redir_framer_init(redir_framer *f, const redir_framer_config *cfg) {
    redir_framer_config c = *cfg;
    f->cfg_ = c;
    clear_state(f);
    if (c.max_payload == 0) {
        c.max_payload = c.join_cap;
    }
    if (c.max_inflated == 0) {
        /* Without an inflate buffer only stored frames can be read. */
        c.max_inflated = c.inflate != NULL && c.inflate_cap < REDIR_MAX_PACKET_PAYLOAD
                             ? c.inflate_cap
                             : REDIR_MAX_PACKET_PAYLOAD;
    }
    bool ok = c.in != NULL && c.in_cap >= REDIR_FRAMER_MIN_INPUT && c.join != NULL &&
              c.max_payload <= c.join_cap && c.max_inflated <= REDIR_MAX_PACKET_PAYLOAD;
    if (c.inflate != NULL && c.max_inflated > c.inflate_cap) {
        ok = false;
    }
    if (c.scratch != NULL && c.scratch_len < REDIR_INFLATE_SCRATCH_SIZE) {
        ok = false;
    }
    f->cfg_ = c;
    if (!ok) {
        f->failed_ = REDIR_E_INVALID_ARGUMENT;
        return REDIR_E_INVALID_ARGUMENT;
    }
    return REDIR_OK;
}

void redir_framer_reset(redir_framer *f) {
    if (f->failed_ != REDIR_E_INVALID_ARGUMENT || f->cfg_.in != NULL) {
        clear_state(f);
    }
}

uint8_t *redir_framer_space(redir_framer *f, size_t *out_room) {
    *out_room = 0;
    if (f->cfg_.in == NULL) {
        return NULL;
    }
    /* A stored compressed frame is read in place: keep its unread bytes. */
    size_t keep = f->start_;
    if (f->src_in_input_ && f->src_off_ < f->src_end_ && f->src_off_ < keep) {
        keep = f->src_off_;
    }
    if (keep > 0) {
        if (f->end_ > keep) {
            memmove(f->cfg_.in, f->cfg_.in + keep, f->end_ - keep);
        }
        f->start_ -= keep;
        f->end_ -= keep;
        if (f->src_in_input_) {
            f->src_off_ = f->src_off_ >= keep ? f->src_off_ - keep : 0;
            f->src_end_ = f->src_end_ >= keep ? f->src_end_ - keep : 0;
        }
    }
    *out_room = f->cfg_.in_cap - f->end_;
    return f->cfg_.in + f->end_;
}

redir_status redir_framer_commit(redir_framer *f, size_t n) {
    if (f->cfg_.in == NULL) {
        return REDIR_E_INVALID_ARGUMENT;
    }
    if (n > f->cfg_.in_cap - f->end_) {
        return REDIR_E_INVALID_ARGUMENT;
    }
    f->end_ += n;
    return REDIR_OK;
}

redir_status redir_framer_feed(redir_framer *f, size_t *out_taken, const uint8_t *data,
                               size_t len) {
    *out_taken = 0;
    size_t room = 0;
    uint8_t *p = redir_framer_space(f, &room);
    if (p == NULL) {
        return REDIR_E_INVALID_ARGUMENT;
    }
    size_t take = len < room ? len : room;
    if (take > 0) {
        memcpy(p, data, take);
    }
    f->end_ += take;
    *out_taken = take;
    return REDIR_OK;
}

redir_status redir_framer_expect_seq(redir_framer *f, int seq) {
    if (seq < -1 || seq > 255) {
        return REDIR_E_INVALID_ARGUMENT;
    }
    f->expect_seq_ = seq;
    return REDIR_OK;
}

redir_status redir_framer_expect_cseq(redir_framer *f, int seq) {
    if (seq < -1 || seq > 255) {
        return REDIR_E_INVALID_ARGUMENT;
    }
    f->expect_cseq_ = seq;
    return REDIR_OK;
}

redir_status redir_framer_set_compressed(redir_framer *f, bool on) {
    if (f->failed_ != REDIR_OK) {
        return f->failed_;
    }
    if (f->joining_ || f->hdr_len_ > 0 || f->src_off_ < f->src_end_) {
        return REDIR_E_INVALID_ARGUMENT;
    }
    f->compressed_ = on;
    f->expect_cseq_ = -1;
    f->src_in_input_ = false;
    f->src_off_ = 0;
    f->src_end_ = 0;
    f->inner_offset_ = 0;
    return REDIR_OK;
}

redir_span redir_framer_buffered(const redir_framer *f) {
    if (f->cfg_.in == NULL) {
        return redir_span_of(NULL, 0);
    }
    return redir_span_of(f->cfg_.in + f->start_, f->end_ - f->start_);
}

redir_status redir_framer_finish(const redir_framer *f, redir_diag *diag) {
    if (f->failed_ != REDIR_OK) {
        if (diag != NULL) {
            *diag = f->fail_diag_;
        }
        return f->failed_;
    }
    size_t have = f->end_ - f->start_;
    size_t hdr = f->compressed_ ? REDIR_CFRAME_HEADER_SIZE : REDIR_FRAME_HEADER_SIZE;
    size_t needed = 0;
    if (have > 0) {
        const uint8_t *p = f->cfg_.in + f->start_;
        needed = have < hdr ? hdr - have : hdr + fr_u24(p) - have;
    } else if (f->joining_ || f->hdr_len_ > 0) {
        if (f->chunk_open_) {
            needed = f->chunk_left_ + (f->chunk_full_ ? REDIR_FRAME_HEADER_SIZE : 0);
        } else {
            needed = REDIR_FRAME_HEADER_SIZE - f->hdr_len_;
        }
        if (f->compressed_) {
            needed += REDIR_CFRAME_HEADER_SIZE;
        }
    } else if (f->src_off_ < f->src_end_) {
        needed = 1; /* packets remain to be read: redir_framer_next was not drained */
    } else {
        return REDIR_OK;
    }
    if (needed == 0) {
        needed = 1;
    }
    uint64_t at = f->in_offset_;
    if (have == 0 && f->joining_ && !f->compressed_) {
        at = f->join_offset_;
    }
    if (diag != NULL) {
        diag->offset = (size_t)at;
        diag->needed = needed;
    }
    return REDIR_E_TRUNCATED;
}

/* ------------------------------------------------------------------ packets */

static void emit(redir_framer *f, redir_framed *out, redir_message m, redir_span wire,
                 uint64_t offset, bool compressed) {
    out->msg = m;
    out->wire = wire;
    out->offset = offset;
    out->compressed = compressed;
    if (f->expect_seq_ >= 0) {
        f->expect_seq_ = m.next_seq;
    }
}

static void emit_joined(redir_framer *f, redir_framed *out, bool compressed) {
    redir_message m;
    m.payload = redir_span_of(f->cfg_.join, f->join_len_);
    m.num_frames = f->join_frames_;
    m.first_seq = f->join_first_seq_;
    m.next_seq = f->join_next_seq_;
    f->joining_ = false;
    emit(f, out, m, redir_span_of(NULL, 0), f->join_offset_, compressed);
}

/* copy_chunk moves what s holds of the open chunk's payload into join. */
static bool copy_chunk(redir_framer *f, fr_src *s) {
    size_t avail = s->n - s->used;
    size_t take = avail < f->chunk_left_ ? avail : f->chunk_left_;
    if (take > 0) {
        memcpy(f->cfg_.join + f->join_len_, s->p + s->used, take);
    }
    f->join_len_ += take;
    f->chunk_left_ -= take;
    s->used += take;
    return f->chunk_left_ == 0;
}

redir_status fr_packets(redir_framer *f, fr_src *s, redir_framed *out, redir_diag *diag) {
    for (;;) {
        if (f->chunk_open_) {
            if (!copy_chunk(f, s)) {
                return REDIR_DONE;
            }
            f->chunk_open_ = false;
            if (!f->chunk_full_) {
                emit_joined(f, out, s->compressed);
                return REDIR_OK;
            }
            continue;
        }
        /* The header: read in place, or gathered across compressed frames. */
        size_t have = s->n - s->used;
        const uint8_t *h;
        bool in_place = f->hdr_len_ == 0 && have >= REDIR_FRAME_HEADER_SIZE;
        uint64_t at = s->offset + s->used;
        if (in_place) {
            h = s->p + s->used;
        } else {
            if (s->growable) {
                return REDIR_DONE;
            }
            if (f->hdr_len_ == 0) {
                f->hdr_offset_ = at;
            }
            size_t take = REDIR_FRAME_HEADER_SIZE - f->hdr_len_;
            take = have < take ? have : take;
            if (take > 0) {
                memcpy(f->hdr_ + f->hdr_len_, s->p + s->used, take);
            }
            f->hdr_len_ += take;
            s->used += take;
            if (f->hdr_len_ < REDIR_FRAME_HEADER_SIZE) {
                return REDIR_DONE;
            }
            h = f->hdr_;
            at = f->hdr_offset_;
        }
        uint64_t err_at = s->compressed ? s->err_offset : at;
        size_t len = fr_u24(h);
        uint8_t seq = h[3];
        int want = f->joining_ ? f->join_next_seq_ : f->expect_seq_;
        if (want >= 0 && seq != (uint8_t)want) {
            return fr_fail(f, diag, REDIR_E_SEQUENCE, err_at, 0);
        }
        size_t before = f->joining_ ? f->join_len_ : 0;
        if (len > f->cfg_.max_payload - before) {
            return fr_fail(f, diag, REDIR_E_FRAMER_PAYLOAD_LIMIT, err_at, 0);
        }
        bool full = len == REDIR_MAX_PACKET_PAYLOAD;
        if (!f->joining_ && !full && in_place) {
            if (have - REDIR_FRAME_HEADER_SIZE >= len) {
                redir_message m;
                m.payload = redir_span_of(h + REDIR_FRAME_HEADER_SIZE, len);
                m.num_frames = 1;
                m.first_seq = seq;
                m.next_seq = (uint8_t)(seq + 1);
                s->used += REDIR_FRAME_HEADER_SIZE + len;
                emit(f, out, m, redir_span_of(h, REDIR_FRAME_HEADER_SIZE + len), at,
                     s->compressed);
                return REDIR_OK;
            }
            if (s->growable && REDIR_FRAME_HEADER_SIZE + len <= s->room) {
                return REDIR_DONE; /* it will fit: wait for the rest in place */
            }
        }
        if (!f->joining_) {
            f->joining_ = true;
            f->join_len_ = 0;
            f->join_frames_ = 0;
            f->join_first_seq_ = seq;
            f->join_offset_ = at;
        }
        f->join_frames_++;
        f->join_next_seq_ = (uint8_t)(seq + 1);
        f->chunk_open_ = true;
        f->chunk_full_ = full;
        f->chunk_left_ = len;
        if (in_place) {
            s->used += REDIR_FRAME_HEADER_SIZE;
        } else {
            f->hdr_len_ = 0;
        }
    }
}

redir_status redir_framer_next(redir_framer *f, redir_framed *out, redir_diag *diag) {
    redir_framed empty = {{{NULL, 0}, 0, 0, 0}, {NULL, 0}, 0, false};
    *out = empty;
    if (f->failed_ != REDIR_OK) {
        if (diag != NULL) {
            *diag = f->fail_diag_;
        }
        return f->failed_;
    }
    if (f->compressed_) {
        return fr_compressed_next(f, out, diag);
    }
    fr_src s = {f->cfg_.in + f->start_, f->end_ - f->start_, 0, true, f->cfg_.in_cap,
                f->in_offset_, false, 0};
    redir_status st = fr_packets(f, &s, out, diag);
    f->start_ += s.used;
    f->in_offset_ += s.used;
    return st;
}
