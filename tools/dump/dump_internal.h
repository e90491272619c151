/* Internal structures of the redir_dump component, shared by its .c files.
 *
 * The files call each other in one direction only:
 *   pcapio.c -> session.c (flows, reassembly) -> stream.c (framing)
 *            -> proto.c (connection phase; the command phase is the
 *               library's response tracker) -> emit.c, buf.c
 * link.c, names.c and verify.c call none of them. */
#ifndef REDIR_DUMP_INTERNAL_H
#define REDIR_DUMP_INTERNAL_H

#include "dump.h"

/* One out-of-order segment waiting for the hole before it to fill. */
typedef struct dump_ooo {
    uint32_t seq;
    uint32_t len;
    uint64_t frame;
    dump_time ts;
    uint8_t data[];
} dump_ooo;

/* A growable byte buffer with a hard cap. */
typedef struct dump_buf {
    uint8_t *ptr;
    size_t len;
    size_t cap;
} dump_buf;

typedef enum dump_sync {
    DUMP_SYNC_OK = 0,   /* framing follows the stream */
    DUMP_SYNC_LOST = 1  /* waiting for a trustworthy segment start */
} dump_sync;

typedef struct dump_dirstate {
    /* TCP */
    bool seen;
    bool isn_known;
    bool fin;
    bool has_peer_ack;
    uint32_t next_seq;
    uint32_t peer_ack;   /* highest ack the peer sent for this direction */
    /* Out-of-order segments: a binary min-heap ordered by sequence number
     * (all of them lie within 2^30 of next_seq, so the serial-number order is
     * a total order among them), longer first on equal numbers. Insertion and
     * removal cost O(log n) whatever the arrival order; the count and the
     * bytes are both bounded by the configuration. */
    dump_ooo **ooo;
    size_t ooo_count;
    size_t ooo_cap;
    size_t ooo_bytes;
    /* framing */
    dump_sync sync;
    bool started;        /* at least one packet framed in this direction */
    dump_buf raw;        /* unconsumed TCP stream bytes (partial frame) */
    dump_buf inner;      /* compressed flows: inflated bytes not yet framed */
    dump_buf join;       /* continuation frames of one logical packet */
    bool joining;
    uint8_t join_seq;    /* seq of the first chunk */
    uint8_t join_next;   /* seq expected for the next chunk */
    size_t join_frames;
    size_t join_total;   /* real joined length (may exceed what was kept) */
} dump_dirstate;

typedef struct dump_flow_internal {
    dump_flow pub;
    struct dump_flow_internal *hnext; /* hash chain */
    struct dump_flow_internal *lprev, *lnext; /* LRU list, most recent at head */
    uint64_t last_active; /* session activity clock at the flow's last segment */
    /* key: endpoints as first seen (a = src of the first segment) */
    dump_endpoint a, b;
    bool tracked;        /* MySQL flow (events are reported) */
    bool rejected;       /* proved foreign: ignore */
    bool a_is_client;
    bool syn_seen;
    bool port_match;     /* detected by port */
    bool closed_dir[2];  /* FIN seen per direction */
    bool finished;       /* ended (FIN both ways or RST): late segments are ignored */
    dump_dirstate d[2];  /* indexed by dump_dir */
    /* protocol */
    uint64_t caps_known; /* capability bits settled (all after a handshake) */
    bool qattr_known;    /* QUERY_ATTRIBUTES decided */
    bool change_user;    /* AUTH phase entered by COM_CHANGE_USER (tracked as a response) */
    bool compress_pending; /* CLIENT_COMPRESS negotiated: starts after the auth OK */
    bool have_cseq;
    uint8_t cseq_next;   /* next compressed sequence id (one counter for both ways) */
    redir_resp_tracker resp; /* the command phase */
} dump_flow_internal;

struct dump_session {
    dump_config cfg;
    dump_event_fn fn;
    void *ctx;
    dump_stats stats;
    uint64_t next_flow_id;
    dump_flow_internal **table;
    size_t table_size;   /* power of two */
    uint8_t hash_key[16]; /* SipHash key of the flow table: random per session */
    uint64_t activity;   /* clock for last_active */
    size_t num_flows;
    dump_flow_internal *lru_head, *lru_tail;
    void *inflate_scratch; /* shared: inflation is synchronous */
    /* current segment being processed (for event metadata) */
    dump_time cur_ts;
    uint64_t cur_frame;
};

/* Event helpers (emit.c). */
void dump__emit(dump_session *s, dump_event *ev);
void dump__emit_simple(dump_session *s, dump_flow_internal *f, dump_event_type type, dump_dir dir,
                       uint64_t bytes, const char *text);

/* Buffers (buf.c). Return false when the cap would be exceeded or memory
 * runs out. */
bool dump__buf_append(dump_buf *b, const uint8_t *p, size_t n, size_t limit);
void dump__buf_consume(dump_buf *b, size_t n);
void dump__buf_free(dump_buf *b);

/* Stream layer (stream.c): in-order bytes of one direction. seg_start tells
 * whether data begins at a TCP segment start (a candidate boundary). */
void dump__stream_data(dump_session *s, dump_flow_internal *f, dump_dir dir, const uint8_t *data,
                       size_t len, bool seg_start);
/* A gap: framing state is dropped and the direction must resynchronise. */
void dump__stream_gap(dump_session *s, dump_flow_internal *f, dump_dir dir);
/* Plausibility check used for greeting detection (stream.c). */
bool dump__looks_like_greeting(const uint8_t *p, size_t n);

/* Protocol layer (proto.c): one logical packet; classifies it, updates the
 * state machine, and emits it. Returns false when the packet shows the
 * direction is out of sync (then nothing was emitted). */
bool dump__proto_packet(dump_session *s, dump_flow_internal *f, dump_dir dir, uint8_t seq,
                        const uint8_t *payload, size_t len, size_t total_len, size_t num_frames,
                        const uint8_t *wire, size_t wire_len, bool in_compressed);
/* Mid-stream plausibility of a first packet at a resync point (proto.c). */
bool dump__proto_plausible_start(const dump_flow_internal *f, dump_dir dir, uint8_t seq,
                                 const uint8_t *payload, size_t len);
/* Reset response tracking after a gap (proto.c). */
void dump__proto_gap(dump_flow_internal *f, dump_dir dir);
/* Initial state of a flow (proto.c). */
void dump__proto_init(dump_flow_internal *f, bool midstream);

/* Little-endian readers for the component. */
static inline uint32_t dump__le24(const uint8_t *p) {
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16);
}
static inline uint16_t dump__le16(const uint8_t *p) {
    return (uint16_t)(p[0] | (p[1] << 8));
}
static inline uint32_t dump__le32(const uint8_t *p) {
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) |
           ((uint32_t)p[3] << 24);
}

#endif
