#include "reader.h"
#include "redir/wire.h"
#include "writer.h"

/* frame_header reads the 4-byte header; with fewer bytes it reports how many
 * are missing to complete it (rd_take already does exactly that). */
static redir_status frame_header(rd *r, size_t *len, uint8_t *seq, redir_diag *diag) {
    const uint8_t *h;
    redir_status st = rd_take(r, REDIR_FRAME_HEADER_SIZE, &h, diag);
    if (st == REDIR_OK) {
        *len = (size_t)h[0] | ((size_t)h[1] << 8) | ((size_t)h[2] << 16);
        *seq = h[3];
    }
    return st;
}

redir_status redir_frame_decode(redir_frame *out, size_t *out_size, redir_diag *diag,
                                const uint8_t *in, size_t in_len) {
    rd r = rd_init(in, in_len);
    redir_frame f = {0, 0, {NULL, 0}};
    size_t len = 0;
    uint8_t seq = 0;
    redir_status st = frame_header(&r, &len, &seq, diag);
    if (st == REDIR_OK) {
        st = rd_bytes(&r, len, &f.payload, diag);
    }
    if (st == REDIR_OK) {
        f.payload_len = (uint32_t)len;
        f.seq = seq;
    }
    *out = f;
    *out_size = st == REDIR_OK ? r.pos : 0;
    return st;
}

redir_status redir_frame_encode_header(uint8_t *buf, size_t cap, size_t *out_len,
                                       uint32_t payload_len, uint8_t seq) {
    if (payload_len > REDIR_MAX_PACKET_PAYLOAD) {
        *out_len = 0;
        return REDIR_E_INVALID_ARGUMENT;
    }
    wr w = wr_init(buf, cap);
    wr_uint(&w, payload_len, 3);
    wr_u8(&w, seq);
    return wr_finish(&w, out_len);
}

redir_status redir_message_encode(uint8_t *buf, size_t cap, size_t *out_len,
                                  uint8_t *out_next_seq, uint8_t seq, const uint8_t *payload,
                                  size_t payload_len) {
    /* Every message ends with one chunk shorter than the maximum, possibly empty. */
    size_t full = payload_len / REDIR_MAX_PACKET_PAYLOAD;
    size_t frames = full + 1;
    if (frames > (SIZE_MAX - payload_len) / REDIR_FRAME_HEADER_SIZE) {
        *out_len = 0;
        return REDIR_E_FIELD_TOO_LONG;
    }
    wr w = wr_init(buf, cap);
    size_t done = 0;
    for (size_t i = 0; i < frames; i++) {
        size_t chunk = payload_len - done;
        if (chunk > REDIR_MAX_PACKET_PAYLOAD) {
            chunk = REDIR_MAX_PACKET_PAYLOAD;
        }
        wr_uint(&w, chunk, 3);
        wr_u8(&w, (uint8_t)(seq + i));
        if (chunk > 0) {
            wr_bytes(&w, payload + done, chunk);
        }
        done += chunk;
    }
    if (out_next_seq != NULL) {
        *out_next_seq = (uint8_t)(seq + frames);
    }
    return wr_finish(&w, out_len);
}

/* message_scan walks the chunk headers of one logical packet without copying:
 * it validates sequence ids, the size bound and that every chunk is present. */
static redir_status message_scan(redir_message *m, size_t *consumed, size_t *joined,
                                 redir_diag *diag, const uint8_t *in, size_t in_len,
                                 int expected_seq, size_t max_payload) {
    rd r = rd_init(in, in_len);
    size_t total = 0;
    size_t frames = 0;
    uint8_t want = expected_seq < 0 ? 0 : (uint8_t)expected_seq;
    bool check = expected_seq >= 0;
    for (;;) {
        size_t at = r.pos;
        size_t len;
        uint8_t seq;
        redir_status st = frame_header(&r, &len, &seq, diag);
        if (st != REDIR_OK) {
            return st;
        }
        if (check && seq != want) {
            return rd_fail(diag, REDIR_E_SEQUENCE, at, 0);
        }
        if (max_payload != 0 && len > max_payload - total) {
            return rd_fail(diag, REDIR_E_PACKET_TOO_LARGE, at, 0);
        }
        bool more = len == REDIR_MAX_PACKET_PAYLOAD;
        if (rd_left(&r) < len) {
            /* A full chunk is certainly followed by at least another header. */
            size_t needed = len - rd_left(&r) + (more ? REDIR_FRAME_HEADER_SIZE : 0);
            return rd_fail(diag, REDIR_E_TRUNCATED, r.pos, needed);
        }
        redir_span chunk;
        (void)rd_bytes(&r, len, &chunk, diag);
        if (frames == 0) {
            m->first_seq = seq;
            m->payload = chunk;
        }
        total += len;
        frames++;
        want = (uint8_t)(seq + 1);
        check = true;
        if (!more) {
            break;
        }
    }
    m->num_frames = frames;
    m->next_seq = want;
    *consumed = r.pos;
    *joined = total;
    return REDIR_OK;
}

redir_status redir_message_decode(redir_message *out, size_t *out_size, redir_diag *diag,
                                  const uint8_t *in, size_t in_len, int expected_seq,
                                  uint8_t *join_buf, size_t join_cap, size_t max_payload) {
    redir_message m = {{NULL, 0}, 0, 0, 0};
    redir_message empty = m;
    *out = empty;
    *out_size = 0;
    if (expected_seq < -1 || expected_seq > 255) {
        return rd_fail(diag, REDIR_E_INVALID_ARGUMENT, 0, 0);
    }
    size_t consumed = 0;
    size_t joined = 0;
    redir_status st =
        message_scan(&m, &consumed, &joined, diag, in, in_len, expected_seq, max_payload);
    if (st != REDIR_OK) {
        return st;
    }
    if (m.num_frames > 1) {
        if (joined > join_cap) {
            *out_size = joined;
            return rd_fail(diag, REDIR_E_NOSPACE, 0, 0);
        }
        /* Second pass: the scan proved every chunk is in bounds. */
        rd r = rd_init(in, consumed);
        size_t done = 0;
        for (size_t i = 0; i < m.num_frames; i++) {
            size_t len = 0;
            uint8_t seq;
            redir_span chunk = {NULL, 0};
            (void)frame_header(&r, &len, &seq, NULL);
            (void)rd_bytes(&r, len, &chunk, NULL);
            if (chunk.len > 0) {
                memcpy(join_buf + done, chunk.ptr, chunk.len);
            }
            done += chunk.len;
        }
        m.payload = redir_span_of(join_buf, joined);
    }
    *out = m;
    *out_size = consumed;
    return REDIR_OK;
}
