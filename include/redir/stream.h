/*
 * libredir — streaming framer: a byte stream received in any chunking in,
 * whole logical packets out.
 *
 * A redir_framer reads one direction of a connection. It finds packet
 * boundaries, joins 0xFFFFFF continuation chunks into one payload, unwraps
 * the compressed protocol (zlib) when it is switched on, checks sequence ids
 * and enforces the limits the caller sets. It allocates nothing, does no I/O
 * and keeps no pointer to anything but the buffers lent at
 * redir_framer_init.
 *
 * Buffers (all lent by the caller, owned by the caller, used until the
 * framer is reset or dropped; they must not overlap):
 *  - in: received bytes wait here until a packet (plain protocol) or a
 *    compressed frame (compressed protocol) is complete. At least
 *    REDIR_FRAMER_MIN_INPUT bytes. A plain packet larger than the free part
 *    of in is not waited for: its payload is copied into join as it arrives,
 *    so in may be much smaller than the largest packet. A compressed frame
 *    must be whole in in before it is inflated, so with compression in_cap
 *    bounds the compressed frames that can be read (7 + compressed length;
 *    a larger one is REDIR_E_FRAMER_INPUT_FULL).
 *  - join: logical packets that are not read whole from one buffer are
 *    copied here: continuation packets (payload of 0xFFFFFF bytes and what
 *    follows), packets larger than in, and, with compression, packets that
 *    run across compressed frames. join_cap must be at least max_payload.
 *  - inflate and scratch: only for the compressed protocol. inflate holds
 *    the uncompressed bytes of one compressed frame (inflate_cap at least
 *    max_inflated); scratch is zlib's working memory (at least
 *    REDIR_INFLATE_SCRATCH_SIZE bytes, see <redir/wire.h>). Both may be NULL
 *    when the framer is never switched to compression.
 *
 * Limits (named errors, never a silent cut):
 *  - max_payload: the largest logical payload (after joining). 0 means
 *    join_cap. A packet whose chunk headers announce more fails with
 *    REDIR_E_FRAMER_PAYLOAD_LIMIT as soon as the header that crosses the
 *    limit is read, before its payload is waited for.
 *  - max_inflated: the largest uncompressed size of one compressed frame
 *    (at most 0xFFFFFF). 0 means min(inflate_cap, 0xFFFFFF), or 0xFFFFFF
 *    without an inflate buffer (stored frames only). A larger frame
 *    fails with REDIR_E_FRAMER_INFLATE_LIMIT when its header is read.
 *
 * Feeding bytes: either receive straight into the framer,
 *     size_t room; uint8_t *p = redir_framer_space(f, &room);
 *     ssize_t n = recv(fd, p, room, 0);  ...  redir_framer_commit(f, n);
 * or copy bytes in with redir_framer_feed, which takes what fits. Then call
 * redir_framer_next until it returns REDIR_DONE (more bytes needed). When
 * room is 0 the caller must drain packets with redir_framer_next first; with
 * a valid configuration a framer that returns REDIR_DONE always has room.
 *
 * Sequence ids: each wire packet carries one. redir_framer_expect_seq sets
 * the id the next packet's first chunk must carry, or -1 for any. After each
 * packet a set expectation advances to the packet's next_seq; -1 stays -1.
 * Continuation chunks must always carry consecutive ids (mod 256). In the
 * compressed protocol the compressed frames have their own counter, set
 * with redir_framer_expect_cseq and advancing the same way after each frame.
 * A mismatch is REDIR_E_SEQUENCE (packet) or REDIR_E_FRAMER_CSEQUENCE
 * (compressed frame).
 *
 * Views: a packet's payload (and wire) views in, join or inflate; it is
 * valid until the next call of redir_framer_next, _space, _commit, _feed,
 * _set_compressed or _reset on the same framer.
 *
 * Errors are sticky: once redir_framer_next fails, every later call returns
 * the same status and diag until redir_framer_reset. diag->offset is a
 * position in the received byte stream (counted from init or reset): the
 * header of the offending packet in the plain protocol, the header of the
 * compressed frame holding (or inflating to) the offending bytes in the
 * compressed protocol.
 */
#ifndef REDIR_STREAM_H
#define REDIR_STREAM_H

#include "common.h"
#include "wire.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The smallest input buffer: room for a compressed frame header and a packet
 * header. */
#define REDIR_FRAMER_MIN_INPUT 16u

/* redir_framer_cframe_fn, when configured, is called by redir_framer_next for
 * every compressed frame it reads, before any packet inside it is returned.
 * frame->payload views the still-compressed bytes in the input buffer (the
 * frame's wire bytes are the 7 header bytes before it); offset is the
 * frame's position in the received stream. The views are valid during the
 * call only. The callback must not call back into the framer. */
typedef void (*redir_framer_cframe_fn)(void *ctx, const redir_cframe *frame, uint64_t offset);

typedef struct redir_framer_config {
    uint8_t *in;
    size_t in_cap;
    uint8_t *join;
    size_t join_cap;
    uint8_t *inflate;     /* NULL when compression is never used */
    size_t inflate_cap;
    void *scratch;        /* zlib scratch, REDIR_INFLATE_SCRATCH_SIZE bytes */
    size_t scratch_len;
    size_t max_payload;   /* 0: join_cap */
    size_t max_inflated;  /* 0: min(inflate_cap, 0xFFFFFF) */
    redir_framer_cframe_fn on_cframe; /* optional */
    void *on_cframe_ctx;
} redir_framer_config;

/* redir_framed is one logical packet returned by redir_framer_next. */
typedef struct redir_framed {
    redir_message msg;  /* payload, chunk count, first and next sequence id */
    /* The packet exactly as framed (headers included) when it was read whole
     * from one buffer as a single chunk; empty for joined packets. */
    redir_span wire;
    /* Position of the packet's first header: in the received stream for the
     * plain protocol, in the uncompressed stream (counted from the switch to
     * compression) for the compressed protocol. */
    uint64_t offset;
    bool compressed;    /* read through the compressed protocol */
} redir_framed;

/* redir_framer: caller-owned state; every field is private. */
typedef struct redir_framer {
    redir_framer_config cfg_;
    size_t start_, end_;          /* unread bytes: in[start_, end_) */
    uint64_t in_offset_;          /* stream position of in[start_] */
    /* compressed protocol: the current frame's uncompressed bytes */
    bool compressed_;
    bool src_in_input_;           /* stored frame: bytes still in in */
    size_t src_off_, src_end_;    /* in in (stored) or inflate */
    uint64_t src_frame_offset_;   /* stream position of that frame */
    uint64_t inner_offset_;       /* uncompressed stream position of src_off_ */
    uint8_t hdr_[REDIR_FRAME_HEADER_SIZE]; /* packet header split across frames */
    size_t hdr_len_;
    uint64_t hdr_offset_;
    /* a packet being joined */
    bool joining_;
    bool chunk_open_;             /* copying a chunk's payload into join */
    bool chunk_full_;             /* that chunk is 0xFFFFFF: another follows */
    size_t chunk_left_;
    size_t join_len_;
    size_t join_frames_;
    uint8_t join_first_seq_, join_next_seq_;
    uint64_t join_offset_;
    int expect_seq_, expect_cseq_;
    redir_status failed_;
    redir_diag fail_diag_;
} redir_framer;

/* redir_framer_init checks cfg and readies f for the plain protocol, any
 * first sequence id. REDIR_E_INVALID_ARGUMENT when in or join is NULL,
 * in_cap < REDIR_FRAMER_MIN_INPUT, max_payload > join_cap, max_inflated >
 * 0xFFFFFF, or (with inflate given) max_inflated > inflate_cap. f is
 * unusable after a failure (every call returns that status). */
REDIR_API REDIR_NODISCARD redir_status redir_framer_init(redir_framer *f,
                                                         const redir_framer_config *cfg);

/* redir_framer_reset drops every buffered byte, partial packet, expectation
 * and error, and returns to the plain protocol with the same configuration.
 * The stream position restarts at 0. */
REDIR_API void redir_framer_reset(redir_framer *f);

/* redir_framer_space returns where received bytes may be written and sets
 * *out_room to how many (0 when the input buffer is full of unread bytes).
 * It may move unread bytes to the front of the buffer. */
REDIR_API uint8_t *redir_framer_space(redir_framer *f, size_t *out_room);

/* redir_framer_commit records that n bytes were written at the pointer the
 * last redir_framer_space returned. REDIR_E_INVALID_ARGUMENT when n exceeds
 * the room it reported (nothing is recorded). */
REDIR_API REDIR_NODISCARD redir_status redir_framer_commit(redir_framer *f, size_t n);

/* redir_framer_feed copies as much of data[0..len) as fits and sets
 * *out_taken to that count (possibly less than len: call redir_framer_next,
 * then feed the rest). Always REDIR_OK unless f failed to initialise. */
REDIR_API REDIR_NODISCARD redir_status redir_framer_feed(redir_framer *f, size_t *out_taken,
                                                         const uint8_t *data, size_t len);

/* redir_framer_next returns the next complete logical packet in *out
 * (REDIR_OK), or REDIR_DONE when more bytes are needed (*out is cleared).
 * Failures (all sticky, diag->offset as described above):
 *  - REDIR_E_SEQUENCE: a packet's first chunk does not carry the expected
 *    id, or a continuation chunk does not carry the previous id + 1;
 *  - REDIR_E_FRAMER_CSEQUENCE: a compressed frame does not carry the
 *    expected compressed id;
 *  - REDIR_E_FRAMER_PAYLOAD_LIMIT, REDIR_E_FRAMER_INFLATE_LIMIT: the limits;
 *  - REDIR_E_FRAMER_INPUT_FULL: a compressed frame is larger than in_cap;
 *  - REDIR_E_FRAMER_NO_INFLATE: a zlib frame arrives but no inflate buffer
 *    or scratch was configured;
 *  - REDIR_E_ZLIB, REDIR_E_DECOMPRESS_LENGTH: a corrupt compressed frame
 *    (see redir_cframe_inflate). */
REDIR_API REDIR_NODISCARD redir_status redir_framer_next(redir_framer *f, redir_framed *out,
                                                         redir_diag *diag);

/* redir_framer_set_compressed switches the protocol: bytes not yet framed
 * (the ones after the last packet returned) are read as compressed frames
 * from now on (on == true) or as plain packets (on == false). MariaDB turns
 * compression on right after the OK that ends the login, so call it when
 * that OK is returned. The compressed id expectation is reset to any.
 * REDIR_E_INVALID_ARGUMENT, with nothing changed, while a packet is only
 * partly read, or (when switching off) while the current compressed frame
 * still holds unread bytes. */
REDIR_API REDIR_NODISCARD redir_status redir_framer_set_compressed(redir_framer *f, bool on);

/* redir_framer_expect_seq sets the sequence id the next packet must start
 * with (0..255), or -1 for any; redir_framer_expect_cseq the same for the
 * next compressed frame. Other values: REDIR_E_INVALID_ARGUMENT. */
REDIR_API REDIR_NODISCARD redir_status redir_framer_expect_seq(redir_framer *f, int seq);
REDIR_API REDIR_NODISCARD redir_status redir_framer_expect_cseq(redir_framer *f, int seq);

/* redir_framer_buffered views the received bytes not yet framed, e.g. the
 * first TLS record that arrived in the same read as an SSLRequest; with
 * redir_framer_reset the caller can then hand them to its TLS layer. Empty
 * while a compressed frame is being read from. Valid as a payload view. */
REDIR_API redir_span redir_framer_buffered(const redir_framer *f);

/* redir_framer_finish tells whether the stream may end here: REDIR_OK when
 * no partial packet or frame is pending, REDIR_E_TRUNCATED otherwise
 * (diag->offset where the incomplete packet or frame starts, diag->needed at
 * least how many more bytes it lacks), or the sticky error. Call it at end
 * of stream after redir_framer_next returned REDIR_DONE. */
REDIR_API REDIR_NODISCARD redir_status redir_framer_finish(const redir_framer *f,
                                                           redir_diag *diag);

#ifdef __cplusplus
}
#endif

#endif
