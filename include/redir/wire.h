/*
 * libredir — wire primitives: length-encoded integers and strings, packet
 * framing with continuation packets, and the compressed protocol framing.
 *
 * See <redir/common.h> for the conventions on status, diagnostics, views and
 * encoder output sizes.
 */
#ifndef REDIR_WIRE_H
#define REDIR_WIRE_H

#include "common.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------------- */
/* Length-encoded integers and strings                                        */
/* ------------------------------------------------------------------------- */

/* redir_lenenc_decode reads one length-encoded integer from in[0..in_len).
 * On success *out is the value and *out_size the number of bytes it occupied
 * (1, 3, 4 or 9; non-minimal encodings are accepted). Fails with
 * REDIR_E_LENENC_NULL for 0xFB, REDIR_E_LENENC_INVALID for 0xFF and
 * REDIR_E_TRUNCATED (diag->needed set) when the prefix promises more bytes
 * than there are. */
REDIR_API REDIR_NODISCARD redir_status redir_lenenc_decode(uint64_t *out, size_t *out_size,
                                                           redir_diag *diag, const uint8_t *in,
                                                           size_t in_len);

/* redir_lenenc_size is the number of bytes of the minimal encoding of v. */
REDIR_API size_t redir_lenenc_size(uint64_t v);

/* redir_lenenc_encode writes the minimal encoding of v. */
REDIR_API REDIR_NODISCARD redir_status redir_lenenc_encode(uint8_t *buf, size_t cap,
                                                           size_t *out_len, uint64_t v);

/* redir_lenenc_str_decode reads a length-encoded string: *out views the bytes
 * inside in, *out_size is the total consumed (prefix + body). Besides the
 * errors of redir_lenenc_decode it fails with REDIR_E_TRUNCATED when the body
 * is longer than what remains. */
REDIR_API REDIR_NODISCARD redir_status redir_lenenc_str_decode(redir_span *out, size_t *out_size,
                                                               redir_diag *diag,
                                                               const uint8_t *in, size_t in_len);

/* ------------------------------------------------------------------------- */
/* Packet framing: int<3> payload length, int<1> sequence id, payload          */
/* ------------------------------------------------------------------------- */

#define REDIR_FRAME_HEADER_SIZE 4

/* redir_frame is one wire packet. payload views the input. */
typedef struct redir_frame {
    uint32_t payload_len;
    uint8_t seq;
    redir_span payload;
} redir_frame;

/* redir_frame_decode reads one wire packet (header and payload) from the start
 * of in. On success *out views it and *out_size = 4 + payload_len. Fails with
 * REDIR_E_TRUNCATED when in is shorter than that: diag->needed is exact, the
 * bytes missing to complete the header while fewer than 4 are present, then
 * the bytes missing from the payload. */
REDIR_API REDIR_NODISCARD redir_status redir_frame_decode(redir_frame *out, size_t *out_size,
                                                          redir_diag *diag, const uint8_t *in,
                                                          size_t in_len);

/* redir_frame_encode_header writes the 4-byte header of a packet of
 * payload_len (<= REDIR_MAX_PACKET_PAYLOAD, else REDIR_E_INVALID_ARGUMENT)
 * bytes. */
REDIR_API REDIR_NODISCARD redir_status redir_frame_encode_header(uint8_t *buf, size_t cap,
                                                                 size_t *out_len,
                                                                 uint32_t payload_len,
                                                                 uint8_t seq);

/* redir_message_encode frames a logical payload of any size: chunks of
 * 0xFFFFFF bytes with consecutive sequence ids starting at seq (wrapping mod
 * 256), ended by one chunk shorter than 0xFFFFFF. So a size that is an exact
 * multiple of 0xFFFFFF gets a final empty packet, and an empty payload is a
 * single empty packet. *out_next_seq (optional) receives the sequence id that
 * follows the last packet, also when the call fails with REDIR_E_NOSPACE. */
REDIR_API REDIR_NODISCARD redir_status redir_message_encode(uint8_t *buf, size_t cap,
                                                            size_t *out_len,
                                                            uint8_t *out_next_seq, uint8_t seq,
                                                            const uint8_t *payload,
                                                            size_t payload_len);

/* redir_message is one logical packet, joined from its continuation chunks. */
typedef struct redir_message {
    redir_span payload;  /* views in when num_frames == 1, else views the join buffer */
    size_t num_frames;   /* wire packets consumed, including an empty terminator */
    uint8_t first_seq;   /* sequence id of the first chunk */
    uint8_t next_seq;    /* sequence id expected after the last chunk */
} redir_message;

/* redir_message_decode reads one logical packet from the start of in.
 *
 * expected_seq: the sequence id the first chunk must carry, or -1 to accept
 * any (other values outside 0..255: REDIR_E_INVALID_ARGUMENT); later chunks
 * must each carry the previous id + 1 (mod 256), otherwise REDIR_E_SEQUENCE
 * with diag->offset at the offending header.
 *
 * A payload shorter than 0xFFFFFF bytes is returned as a view into in and the
 * join buffer is not touched. Longer payloads are copied, without their
 * headers, into join_buf (join_cap bytes); if that is too small the call fails
 * with REDIR_E_NOSPACE and *out_size is set to the joined payload length so
 * the caller can retry with a larger buffer. max_payload (0 = unlimited)
 * bounds the joined size: REDIR_E_PACKET_TOO_LARGE, diag->offset at the header
 * of the chunk that crosses it, reported as soon as that header is present.
 *
 * REDIR_E_TRUNCATED: diag->offset is where the missing part starts; needed is
 * the bytes missing to complete a header while fewer than 4 of it are present,
 * else the bytes missing from the chunk's payload plus, when that chunk is a
 * full 0xFFFFFF one, the 4-byte header that must follow it.
 *
 * The checks run on all chunk headers before anything is copied, so nothing
 * is written to join_buf unless the call succeeds. On success *out_size is
 * the number of input bytes consumed. */
REDIR_API REDIR_NODISCARD redir_status redir_message_decode(redir_message *out, size_t *out_size,
                                                            redir_diag *diag, const uint8_t *in,
                                                            size_t in_len, int expected_seq,
                                                            uint8_t *join_buf, size_t join_cap,
                                                            size_t max_payload);

/* ------------------------------------------------------------------------- */
/* Compressed protocol framing                                                */
/* int<3> compressed length, int<1> compressed sequence id,                   */
/* int<3> uncompressed length (0: payload stored raw), payload                */
/* ------------------------------------------------------------------------- */

#define REDIR_CFRAME_HEADER_SIZE 7

typedef struct redir_cframe {
    uint32_t comp_len;   /* bytes after the 7-byte header */
    uint8_t seq;         /* compressed sequence id (its own counter) */
    uint32_t uncomp_len; /* 0 when the payload is stored uncompressed */
    redir_span payload;  /* the comp_len bytes, still compressed unless uncomp_len == 0 */
} redir_cframe;

/* redir_cframe_decode reads one compressed frame from the start of in; like
 * redir_frame_decode, *out_size = 7 + comp_len. */
REDIR_API REDIR_NODISCARD redir_status redir_cframe_decode(redir_cframe *out, size_t *out_size,
                                                           redir_diag *diag, const uint8_t *in,
                                                           size_t in_len);

/* redir_cframe_encode writes a compressed frame header followed by the
 * payload exactly as given in *frame (re-encoding a decoded frame reproduces
 * its bytes). comp_len is taken from frame->payload.len (above 0xFFFFFF:
 * REDIR_E_FIELD_TOO_LONG); uncomp_len above 0xFFFFFF is
 * REDIR_E_INVALID_ARGUMENT. */
REDIR_API REDIR_NODISCARD redir_status redir_cframe_encode(uint8_t *buf, size_t cap,
                                                           size_t *out_len,
                                                           const redir_cframe *frame);

/* Scratch memory zlib needs, handed in by the caller so the library never
 * allocates. Any buffer of at least this size works; it needs no particular
 * alignment and its contents do not matter. zlib 1.2.x/1.3.x uses about
 * 40 KiB to inflate (windowBits 15) and 262 KiB to deflate (any level,
 * memLevel 8); the margin covers the alignment padding. */
#define REDIR_INFLATE_SCRATCH_SIZE (64u * 1024u)
#define REDIR_DEFLATE_SCRATCH_SIZE (320u * 1024u)

/* redir_cframe_inflate produces the uncompressed bytes of a frame into
 * out[0..cap); on success *out_len is their count. A stored frame
 * (uncomp_len == 0) is copied as is. The output size is uncomp_len, or
 * payload.len for a stored frame. Checked in this order, it fails with:
 *  - REDIR_E_DECOMPRESS_LIMIT when the output size exceeds limit (checked
 *    before any work, so out and scratch may be NULL);
 *  - REDIR_E_FIELD_TOO_LONG when payload.len or the output size exceeds
 *    0xFFFFFF (no wire frame can carry that);
 *  - REDIR_E_NOSPACE (*out_len = output size) when cap is smaller;
 *  - REDIR_E_SCRATCH when scratch is NULL or scratch_len is below
 *    REDIR_INFLATE_SCRATCH_SIZE (also for stored frames);
 *  - REDIR_E_ZLIB for a corrupt or incomplete stream, an empty payload with
 *    uncomp_len > 0, or bytes after the end of the stream;
 *  - REDIR_E_DECOMPRESS_LENGTH when the stream inflates to a size other than
 *    uncomp_len. At most uncomp_len bytes are written to out and one more is
 *    inflated to detect a longer stream, so a lying header cannot make
 *    inflation run unbounded.
 * On any failure but REDIR_E_NOSPACE *out_len is 0 (out may hold partial
 * output). */
REDIR_API REDIR_NODISCARD redir_status redir_cframe_inflate(uint8_t *out, size_t cap,
                                                            size_t *out_len,
                                                            const redir_cframe *frame,
                                                            size_t limit, void *scratch,
                                                            size_t scratch_len);

/* redir_cframe_deflate builds a complete compressed frame (header included)
 * carrying data[0..data_len) compressed with zlib at level (0..9, -1 for the
 * default; else REDIR_E_INVALID_ARGUMENT) as one zlib stream. The payload is
 * stored raw with uncompressed length 0 instead when data_len < min_len (as
 * servers do for short packets), when data_len is 0 (length 0 means stored),
 * and when the compressed stream would exceed 0xFFFFFF bytes. data_len above
 * 0xFFFFFF is REDIR_E_FIELD_TOO_LONG. REDIR_E_SCRATCH when scratch is NULL or
 * scratch_len is below REDIR_DEFLATE_SCRATCH_SIZE (also for stored frames).
 * The output is deterministic for given arguments, so REDIR_E_NOSPACE reports
 * in *out_len the exact size the same call needs. */
REDIR_API REDIR_NODISCARD redir_status redir_cframe_deflate(uint8_t *buf, size_t cap,
                                                            size_t *out_len, uint8_t seq,
                                                            const uint8_t *data, size_t data_len,
                                                            int level, size_t min_len,
                                                            void *scratch, size_t scratch_len);

#ifdef __cplusplus
}
#endif

#endif
