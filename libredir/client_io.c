#include <string.h>

#include "client_internal.h"
#include "redir/wire.h"

/* With the compressed protocol the client sends stored frames (uncompressed
 * length 0): valid for any size, and no zlib state or scratch for output. */

static size_t out_room(redir_client *c) {
    if (c->out_pos > 0) {
        memmove(c->cfg.out_buf, c->cfg.out_buf + c->out_pos, c->out_len - c->out_pos);
        c->out_len -= c->out_pos;
        c->out_pos = 0;
    }
    return c->cfg.out_cap - c->out_len;
}

void cl_expect_seq(redir_client *c, int seq) {
    /* Cannot fail for -1..255. */
    if (redir_framer_expect_seq(&c->framer, c->compressed ? -1 : seq) != REDIR_OK) {
        c->err_status = REDIR_E_INVALID_ARGUMENT;
    }
}

void cl_frame_cseq(void *ctx, const redir_cframe *frame, uint64_t offset) {
    (void)offset;
    redir_client *c = ctx;
    c->cseq = (uint8_t)(frame->seq + 1u);
}

static void cframe_header(redir_client *c, uint8_t *at, size_t len, uint8_t seq) {
    if (seq == 0) {
        c->cseq = 0; /* a new command restarts the compressed sequence */
    }
    at[0] = (uint8_t)len;
    at[1] = (uint8_t)(len >> 8);
    at[2] = (uint8_t)(len >> 16);
    at[3] = c->cseq++;
    at[4] = 0;
    at[5] = 0;
    at[6] = 0;
}

redir_status cl_queue(redir_client *c, size_t *needed, uint8_t seq, const uint8_t *payload,
                      size_t len) {
    size_t framed = 0;
    redir_status st = redir_message_encode(NULL, 0, &framed, NULL, seq, payload, len);
    if (st != REDIR_E_NOSPACE && st != REDIR_OK) {
        return st;
    }
    size_t frames = c->compressed ? (framed + REDIR_MAX_PACKET_PAYLOAD - 1) / REDIR_MAX_PACKET_PAYLOAD
                                  : 0;
    size_t hdrs = frames * REDIR_CFRAME_HEADER_SIZE;
    size_t room = out_room(c);
    if (framed + hdrs > room) {
        *needed = framed + hdrs - room;
        return REDIR_E_NOSPACE;
    }
    uint8_t *at = c->cfg.out_buf + c->out_len;
    size_t wrote = 0;
    st = redir_message_encode(at + hdrs, room - hdrs, &wrote, NULL, seq, payload, len);
    if (st != REDIR_OK) {
        return st;
    }
    /* Each chunk moves down to make room for its header; a destination
     * never passes the next chunk's source. */
    for (size_t i = 0; i < frames; i++) {
        size_t off = i * REDIR_MAX_PACKET_PAYLOAD;
        size_t n = framed - off < REDIR_MAX_PACKET_PAYLOAD ? framed - off : REDIR_MAX_PACKET_PAYLOAD;
        uint8_t *dst = at + i * (REDIR_CFRAME_HEADER_SIZE + REDIR_MAX_PACKET_PAYLOAD);
        memmove(dst + REDIR_CFRAME_HEADER_SIZE, at + hdrs + off, n);
        cframe_header(c, dst, n, i == 0 ? seq : 1);
    }
    c->out_len += framed + hdrs;
    return REDIR_OK;
}

redir_status cl_queue_encoded(redir_client *c, size_t *needed, uint8_t seq, cl_encoder enc,
                              const void *ctx) {
    size_t len = 0;
    redir_status st = enc(NULL, 0, &len, ctx);
    if (st != REDIR_E_NOSPACE && st != REDIR_OK) {
        return st;
    }
    if (len >= REDIR_MAX_PACKET_PAYLOAD) {
        return REDIR_E_FIELD_TOO_LONG;
    }
    size_t chdr = c->compressed ? REDIR_CFRAME_HEADER_SIZE : 0;
    size_t hdr = chdr + REDIR_FRAME_HEADER_SIZE;
    size_t room = out_room(c);
    if (hdr + len > room) {
        *needed = hdr + len - room;
        return REDIR_E_NOSPACE;
    }
    uint8_t *at = c->cfg.out_buf + c->out_len;
    size_t wrote = 0;
    st = enc(at + hdr, room - hdr, &wrote, ctx);
    size_t hl = 0;
    if (st == REDIR_OK) {
        st = redir_frame_encode_header(at + chdr, REDIR_FRAME_HEADER_SIZE, &hl, (uint32_t)wrote,
                                       seq);
    }
    if (st != REDIR_OK) {
        return st;
    }
    if (c->compressed) {
        cframe_header(c, at, REDIR_FRAME_HEADER_SIZE + wrote, seq);
    }
    c->out_len += hdr + wrote;
    return REDIR_OK;
}
