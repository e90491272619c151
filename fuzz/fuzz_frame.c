/* Framing: single frames and logical messages joined from continuations,
 * with re-framing round trips, exact "needed" counts and the size bound.
 * The first input byte picks the expected sequence id (odd: any). */
#include "fuzz_common.h"

static uint8_t join[1u << 20];

struct msg_ctx {
    uint8_t seq;
    redir_span payload;
};

static redir_status enc_msg(uint8_t *buf, size_t cap, size_t *out_len, const void *ctx) {
    const struct msg_ctx *c = ctx;
    return redir_message_encode(buf, cap, out_len, NULL, c->seq, c->payload.ptr, c->payload.len);
}

static redir_status enc_hdr(uint8_t *buf, size_t cap, size_t *out_len, const void *ctx) {
    const redir_frame *f = ctx;
    return redir_frame_encode_header(buf, cap, out_len, f->payload_len, f->seq);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 1) {
        return 0;
    }
    int expected = (data[0] & 1) ? -1 : data[0] >> 1;
    data++;
    size--;
    redir_frame f;
    size_t used;
    redir_diag d = {0, 0};
    fuzz_lib_enter();
    redir_status st = redir_frame_decode(&f, &used, &d, data, size);
    fuzz_lib_leave();
    size_t declared = size >= 4 ? 4u + ((size_t)data[0] | (size_t)data[1] << 8 |
                                        (size_t)data[2] << 16)
                                : 0;
    if (st == REDIR_OK) {
        FUZZ_CHECK(used == 4u + f.payload_len && used <= size && used == declared);
        FUZZ_CHECK(fuzz_span_inside(f.payload, data, size) && f.payload.len == f.payload_len);
        FUZZ_CHECK(f.seq == data[3]);
        const uint8_t *out;
        size_t out_len;
        FUZZ_CHECK(fuzz_encode_checked(enc_hdr, &f, &out, &out_len));
        FUZZ_CHECK(out_len == 4 && memcmp(out, data, 4) == 0);
    } else {
        FUZZ_CHECK(st == REDIR_E_TRUNCATED && used == 0);
        /* exact: the rest of the header, then the rest of the payload */
        FUZZ_CHECK(size < 4 ? d.needed == 4 - size && d.offset == 0
                            : d.needed == declared - size && d.offset == 4);
    }

    redir_message m;
    fuzz_lib_enter();
    st = redir_message_decode(&m, &used, &d, data, size, expected, join, sizeof join, 0);
    fuzz_lib_leave();
    if (st != REDIR_OK) {
        FUZZ_CHECK(redir_status_is_error(st) && m.num_frames == 0 && m.payload.len == 0);
        if (st == REDIR_E_SEQUENCE && d.offset == 0) {
            FUZZ_CHECK(expected >= 0 && size >= 4 && data[3] != expected);
        } else if (st == REDIR_E_TRUNCATED && size < 4) {
            FUZZ_CHECK(d.needed == 4 - size && d.offset == 0);
        } else if (st == REDIR_E_TRUNCATED && declared > size) {
            /* a full-size chunk is certainly followed by another header */
            size_t more = declared - 4 == REDIR_MAX_PACKET_PAYLOAD ? 4 : 0;
            FUZZ_CHECK(d.needed == declared - size + more && d.offset == 4);
        }
        return 0;
    }
    FUZZ_CHECK(used <= size && m.num_frames >= 1);
    FUZZ_CHECK(expected < 0 || m.first_seq == expected);
    FUZZ_CHECK(m.num_frames == 1 ? fuzz_span_inside(m.payload, data, size)
                                 : fuzz_span_inside(m.payload, join, sizeof join));
    /* framing has a single valid form, so re-framing reproduces the input */
    struct msg_ctx ctx = {m.first_seq, m.payload};
    const uint8_t *out;
    size_t out_len;
    FUZZ_CHECK(fuzz_encode_checked(enc_msg, &ctx, &out, &out_len));
    FUZZ_CHECK(out_len == used && memcmp(out, data, used) == 0);
    uint8_t next = 0;
    size_t sized;
    st = redir_message_encode(NULL, 0, &sized, &next, m.first_seq, m.payload.ptr, m.payload.len);
    FUZZ_CHECK(st == REDIR_E_NOSPACE && sized == used && next == m.next_seq);

    /* The size bound: exactly the payload passes, one byte less does not. */
    redir_message b;
    size_t bused;
    fuzz_lib_enter();
    st = redir_message_decode(&b, &bused, &d, data, size, expected, join, sizeof join,
                              m.payload.len > 0 ? m.payload.len : 1);
    fuzz_lib_leave();
    FUZZ_CHECK(st == REDIR_OK && bused == used && b.payload.len == m.payload.len);
    if (m.payload.len > 1) {
        fuzz_lib_enter();
        st = redir_message_decode(&b, &bused, &d, data, size, expected, join, sizeof join,
                                  m.payload.len - 1);
        fuzz_lib_leave();
        FUZZ_CHECK(st == REDIR_E_PACKET_TOO_LARGE);
    }
    return 0;
}
