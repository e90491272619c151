/*
 * redir_dump — capture reading, TCP reassembly and per-flow MySQL/MariaDB
 * protocol tracking, built on the libredir codec.
 *
 * This component may allocate (the codec library never does), but every
 * allocation is bounded: per flow and direction one stream buffer of at most
 * dump_config.max_stream_buffer bytes, an out-of-order store of at most
 * dump_config.max_ooo_bytes, one join buffer for logical packets longer than
 * one wire frame (at most dump_config.max_message), and, on compressed flows,
 * an inflate buffer of at most one compressed frame's uncompressed size plus
 * a partial inner packet. One REDIR_INFLATE_SCRATCH_SIZE scratch area serves
 * the whole session (inflation is synchronous). The flow table holds at most
 * dump_config.max_flows flows; the least recently active one is ended and
 * dropped to make room. The table is hashed with SipHash under a random key
 * per session and no bucket holds more than DUMP_BUCKET_MAX flows (the least
 * recently active one of a full bucket is evicted), so a lookup costs a
 * bounded number of comparisons whatever endpoints a capture holds. The
 * out-of-order store of a direction is a heap bounded in segments as well as
 * bytes. Memory therefore depends on the traffic's concurrency, never on the
 * capture's size.
 *
 * Model. A dump_session owns a flow table. Input arrives as capture files
 * (pcap or pcapng, via libpcap), as a live interface, as single link-layer
 * frames or as already-parsed TCP segments (the last two exist for tests and
 * for other tools). Everything the session finds is reported, in capture
 * order, through one callback receiving a dump_event. Views inside an event
 * (payload, wire bytes, strings) are valid only during the callback.
 *
 * Flow detection. A TCP connection is tracked when either port is 3306 or one
 * of dump_config.ports, or when the first bytes its responder sends parse as a
 * server greeting (Initial Handshake v10). A flow whose first payload proves it
 * foreign keeps only its table entry (no buffers) so that it is not examined
 * again.
 *
 * Direction. The client is the side that sent the SYN; without a SYN, the
 * side that sent a greeting is the server; otherwise the side whose port is
 * in the server port set (3306 + dump_config.ports) is the server, and when
 * both or neither are, the lower port is.
 *
 * Reassembly (per flow and direction). Segments are ordered by TCP sequence
 * number. Bytes already delivered are dropped (retransmissions; overlapping
 * parts of a segment are trimmed, the first copy wins). Segments beyond the
 * next expected byte wait in the out-of-order store. A hole becomes a GAP
 * event when (a) the peer acknowledged bytes past the hole (they were
 * delivered but not captured), (b) the out-of-order store exceeds its bound,
 * (c) the connection ends (FIN both ways, or RST), or (d) input ends
 * (dump_session_finish). After a gap, and at the
 * start of a flow whose handshake was not captured, the direction is out of
 * sync: see "Resynchronisation" below.
 *
 * Resynchronisation. An out-of-sync direction only trusts TCP segment starts
 * as candidate packet boundaries (peers write whole packets, so segments
 * usually begin with a header). A segment start is accepted when the bytes
 * there form a chain of plausible frames: each header's length is at most the
 * configured maximum, the chain holds at least one complete frame, consecutive
 * frames of one response carry consecutive sequence ids, every complete frame
 * either ends exactly at the segment end or is followed by another plausible
 * header, and the first frame is a plausible start for its direction (client:
 * sequence id 0 and a known command byte, or a handshake response/SSLRequest
 * with id 1; server: a greeting, OK, ERR, EOF, column count or auth packet
 * whose body decodes). A compressed-protocol reading is tried first (7-byte
 * header whose compressed length fits, and whose body is either stored inner
 * frames that parse exactly or a zlib stream that inflates to exactly the
 * declared length); success marks the flow compressed. Bytes of rejected
 * segments are reported once as SKIPPED. A mid-stream flow starts in the
 * command phase with capabilities inferred from traffic (see dump_flow).
 *
 * Protocol state machine (per flow): greeting -> SSLRequest (then TLS: bytes
 * are counted and reported as TLS events, never decoded) or handshake
 * response -> authentication exchange (auth switch, more data, next factor,
 * client auth data) -> OK (compression, when negotiated, starts here) or ERR
 * -> command phase, followed by the library's response tracker (redir_resp_*,
 * <redir/command.h>). Commands are queued (pipelining) and each server response
 * is classified against the command it answers: result sets (column count ->
 * column definitions -> EOF unless DEPRECATE_EOF -> rows -> EOF/OK-as-EOF/ERR,
 * repeated while SERVER_MORE_RESULTS_EXISTS), prepared statement responses
 * (prepare OK, parameter and column definitions), binary rows after
 * COM_STMT_EXECUTE/COM_STMT_FETCH, LOCAL INFILE exchanges, COM_STATISTICS
 * text, COM_FIELD_LIST definitions. COM_CHANGE_USER returns to the
 * authentication phase; COM_RESET_CONNECTION is a plain OK/ERR command.
 */
#ifndef REDIR_DUMP_H
#define REDIR_DUMP_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <redir/redir.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------------- */
/* Configuration                                                              */
/* ------------------------------------------------------------------------- */

#define DUMP_MAX_PORTS 32

#define DUMP_BUCKET_MAX 8 /* flows per flow-table bucket */

typedef struct dump_config {
    uint16_t ports[DUMP_MAX_PORTS]; /* extra server ports; 3306 is always one */
    size_t num_ports;
    size_t max_flows;         /* flow table bound; 0: 65536 */
    size_t max_stream_buffer; /* per direction; 0: 16 MiB + 8 (one full wire frame) */
    size_t max_ooo_bytes;     /* out-of-order bytes per direction; 0: 4 MiB */
    size_t max_ooo_segments;  /* out-of-order segments per direction; 0: 4096.
                               * Past either bound the hole before the first
                               * waiting segment is declared a gap. */
    bool fixed_hash_key;      /* use hash_key for the flow table (tests); else a
                               * random key per session, so that no capture can
                               * be crafted to make flows collide */
    uint8_t hash_key[16];
    size_t max_message;       /* largest joined logical packet; 0: 64 MiB. Longer
                               * packets are reported with truncated = true */
    bool detect_greeting;     /* track flows on any port that start with a greeting
                               * (dump_config_init sets it) */
} dump_config;

/* dump_config_init fills *cfg with the defaults above. */
void dump_config_init(dump_config *cfg);

/* ------------------------------------------------------------------------- */
/* Flows                                                                      */
/* ------------------------------------------------------------------------- */

typedef enum dump_dir { DUMP_C2S = 0, DUMP_S2C = 1 } dump_dir;

/* dump_dir_name: "c2s" / "s2c". */
const char *dump_dir_name(dump_dir d);

typedef struct dump_endpoint {
    uint8_t family; /* 4 or 6 */
    uint8_t ip[16]; /* IPv4 uses the first 4 bytes, network order */
    uint16_t port;
} dump_endpoint;

/* dump_endpoint_format writes "1.2.3.4:3306" or "[2001:db8::1]:3306" (NUL
 * terminated, at most DUMP_ENDPOINT_STRLEN bytes including the NUL). */
#define DUMP_ENDPOINT_STRLEN 56
void dump_endpoint_format(const dump_endpoint *e, char *out, size_t cap);

/* Connection phase of a flow (what the next packets are expected to be). */
typedef enum dump_phase {
    DUMP_PHASE_GREETING = 0, /* waiting for the server greeting */
    DUMP_PHASE_LOGIN,        /* greeting seen; waiting for SSLRequest/handshake response */
    DUMP_PHASE_TLS,          /* after SSLRequest: encrypted */
    DUMP_PHASE_AUTH,         /* authentication exchange */
    DUMP_PHASE_COMMAND,      /* command phase */
    DUMP_PHASE_CLOSED        /* login failed, COM_QUIT, or FIN/RST */
} dump_phase;

const char *dump_phase_name(dump_phase p);

#define DUMP_VERSION_STRLEN 64

/* dump_flow is the read-only public view of one tracked connection. */
typedef struct dump_flow {
    uint64_t id;              /* 1, 2, ... in order of detection within the session */
    dump_endpoint client;
    dump_endpoint server;
    dump_phase phase;
    bool midstream;           /* the handshake was not captured */
    bool compressed;          /* compressed protocol active (negotiated or detected) */
    bool compression_detected;/* compression inferred from the traffic, not the handshake */
    bool tls;                 /* switched to TLS after an SSLRequest */
    uint64_t server_caps;     /* from the greeting (0 if not seen) */
    uint64_t client_caps;     /* from the handshake response (0 if not seen) */
    /* Capabilities used to decode the command phase: server_caps & client_caps
     * after a captured handshake; for mid-stream flows a guess refined from
     * traffic (DEPRECATE_EOF from the first result-set terminator, QUERY_ATTRIBUTES
     * from the first COM_QUERY layout). */
    uint64_t caps;
    char server_version[DUMP_VERSION_STRLEN]; /* NUL-terminated, truncated; "" if unseen */
    uint32_t connection_id;
    /* counters */
    uint64_t packets[2];      /* logical packets per direction */
    uint64_t bytes[2];        /* TCP payload bytes delivered in order per direction */
    uint64_t gaps[2];         /* gap events per direction */
    uint64_t gap_bytes[2];    /* bytes known missing */
    uint64_t tls_bytes[2];
    uint64_t retrans_bytes[2];/* duplicate bytes dropped */
    uint64_t skipped_bytes[2];/* bytes discarded while out of sync */
} dump_flow;

/* ------------------------------------------------------------------------- */
/* Packets                                                                    */
/* ------------------------------------------------------------------------- */

/* What a logical packet is. Server kinds mirror redir_kind; client kinds and
 * a few context-dependent server kinds are added. */
typedef enum dump_kind {
    /* server -> client: the library's classification, same values (redir_kind) */
    DUMP_K_UNKNOWN = REDIR_KIND_UNKNOWN,
    DUMP_K_GREETING = REDIR_KIND_GREETING,
    DUMP_K_OK = REDIR_KIND_OK,
    DUMP_K_ERR = REDIR_KIND_ERR,
    DUMP_K_EOF = REDIR_KIND_EOF,
    DUMP_K_OK_AS_EOF = REDIR_KIND_OK_AS_EOF,
    DUMP_K_AUTH_SWITCH = REDIR_KIND_AUTH_SWITCH,
    DUMP_K_AUTH_SWITCH_OLD = REDIR_KIND_AUTH_SWITCH_OLD,
    DUMP_K_AUTH_MORE_DATA = REDIR_KIND_AUTH_MORE_DATA,
    DUMP_K_AUTH_NEXT_FACTOR = REDIR_KIND_AUTH_NEXT_FACTOR,
    DUMP_K_LOCAL_INFILE = REDIR_KIND_LOCAL_INFILE,
    DUMP_K_COLUMN_COUNT = REDIR_KIND_COLUMN_COUNT,
    DUMP_K_COLUMN_DEF = REDIR_KIND_COLUMN_DEF, /* also parameter definitions (param_def) */
    DUMP_K_ROW = REDIR_KIND_ROW,               /* text or binary row (dump_packet.binary) */
    /* kinds the response tracker names (redir_resp_kind_name) */
    DUMP_K_PREPARE_OK,       /* COM_STMT_PREPARE response: statement id, counts */
    DUMP_K_STATISTICS,       /* COM_STATISTICS text response */
    /* client -> server */
    DUMP_K_SSL_REQUEST,
    DUMP_K_HANDSHAKE_RESPONSE,
    DUMP_K_AUTH_DATA,        /* client auth-switch response / further auth data */
    DUMP_K_COMMAND,          /* any COM_* (dump_packet.command) */
    DUMP_K_INFILE_DATA,      /* LOCAL INFILE contents (an empty packet ends them) */
    DUMP_K_COUNT_
} dump_kind;

/* dump_kind_name: stable lower-case names: redir_kind_name's for the server
 * kinds, redir_resp_kind_name's for prepare-ok, statistics, auth-data,
 * command and infile-data, and "ssl-request" and "response" (the handshake
 * response, named as packet_json.h names it). */
const char *dump_kind_name(dump_kind k);

/* dump_kind_to_redir: the redir_kind of a server kind; REDIR_KIND_UNKNOWN for
 * the others. */
redir_kind dump_kind_to_redir(dump_kind k);

/* dump_command_name: "query", "init-db", "stmt-prepare", ... for a COM_* byte
 * (redir_com_name); NULL for an unknown byte. */
const char *dump_command_name(uint8_t command);

typedef struct dump_time {
    int64_t sec;
    uint32_t nsec;
} dump_time;

/* dump_packet is one logical MySQL packet (continuation frames joined). */
typedef struct dump_packet {
    const dump_flow *flow;
    dump_dir dir;
    dump_time ts;            /* capture time of the segment that completed it */
    uint64_t frame;          /* 1-based capture frame number of that segment */
    uint8_t seq;             /* sequence id of the first frame */
    size_t num_frames;       /* wire frames (with a final empty one) */
    const uint8_t *payload;  /* joined payload */
    size_t len;              /* bytes at payload */
    size_t total_len;        /* the packet's real payload length (== len unless truncated) */
    bool truncated;          /* longer than max_message: payload holds the first len bytes */
    /* The packet's bytes as framed on the TCP stream (header included) — or,
     * on compressed flows, in the inflated inner stream. Set for single-frame
     * packets; NULL for packets joined from continuation frames. */
    const uint8_t *wire;
    size_t wire_len;
    bool in_compressed;      /* carried inside compressed frames */
    dump_kind kind;
    uint8_t command;         /* DUMP_K_COMMAND: the COM_* byte */
    /* The COM_* byte of the command this server packet answers (0xFF if unknown:
     * e.g. a mid-stream response whose request was not captured). */
    uint8_t answers;
    bool binary;             /* DUMP_K_ROW in the binary protocol */
    bool param_def;          /* DUMP_K_COLUMN_DEF describing a statement parameter */
    uint64_t caps;           /* capabilities to decode it with (flow caps at that point) */
    /* Context-dependent parsing facts the codec cannot derive alone: */
    bool query_attrs;        /* COM_QUERY / COM_STMT_EXECUTE carry query attributes */
    bool login_ok;           /* DUMP_K_OK that ends authentication (login or change user) */
    bool decode_failed;      /* the kind's codec rejected the payload (classified by context) */
} dump_packet;

/* ------------------------------------------------------------------------- */
/* Events                                                                     */
/* ------------------------------------------------------------------------- */

typedef enum dump_event_type {
    DUMP_EV_FLOW_OPEN = 0, /* a flow is tracked from now on */
    DUMP_EV_PACKET,        /* ev.packet */
    DUMP_EV_CFRAME,        /* one compressed frame: ev.cframe, before the packets it carries */
    DUMP_EV_GAP,           /* ev.bytes bytes missing in ev.dir */
    DUMP_EV_SKIPPED,       /* ev.bytes bytes discarded while out of sync */
    DUMP_EV_TLS,           /* ev.bytes encrypted bytes in ev.dir (one event per segment) */
    DUMP_EV_NOTE,          /* ev.text: a protocol anomaly (e.g. "inflate failed: E_ZLIB") */
    DUMP_EV_FLOW_CLOSE     /* flow finished (FIN/RST both ways, eviction, or end of input) */
} dump_event_type;

typedef struct dump_cframe_event {
    redir_cframe frame;     /* decoded header; payload views the wire bytes */
    const uint8_t *wire;    /* header + payload exactly as captured */
    size_t wire_len;
    bool inflated;          /* the body inflated to uncomp_len (or was stored) */
} dump_cframe_event;

typedef struct dump_event {
    dump_event_type type;
    const dump_flow *flow;
    dump_dir dir;           /* PACKET (also in packet.dir), CFRAME, GAP, SKIPPED, TLS, NOTE */
    dump_time ts;
    uint64_t frame;         /* capture frame number of the segment being processed */
    uint64_t bytes;         /* GAP, SKIPPED, TLS */
    const char *text;       /* NOTE */
    dump_packet packet;     /* PACKET */
    dump_cframe_event cframe; /* CFRAME */
} dump_event;

typedef void (*dump_event_fn)(void *ctx, const dump_event *ev);

/* ------------------------------------------------------------------------- */
/* Session                                                                    */
/* ------------------------------------------------------------------------- */

typedef struct dump_session dump_session;

/* Per-session totals (all files fed so far, or since dump_stats_reset). */
typedef struct dump_stats {
    uint64_t frames;          /* link-layer frames read */
    uint64_t tcp_segments;    /* TCP segments parsed */
    uint64_t undecodable_frames; /* unsupported link type, truncated headers, non-TCP */
    uint64_t flows;           /* MySQL flows detected */
    uint64_t packets;         /* logical packets reported */
    uint64_t kinds[DUMP_K_COUNT_];
    uint64_t cframes;
    uint64_t gaps;
    uint64_t gap_bytes;
    uint64_t skipped_bytes;
    uint64_t tls_bytes;
    uint64_t evicted_flows;   /* flows dropped because the table was full */
} dump_stats;

/* dump_session_new creates a session (cfg NULL: defaults). Returns NULL when
 * out of memory. fn receives every event; ctx is passed through. */
dump_session *dump_session_new(const dump_config *cfg, dump_event_fn fn, void *ctx);

/* dump_session_free releases everything; it does not emit events (call
 * dump_session_finish first to close the remaining flows). */
void dump_session_free(dump_session *s);

/* dump_session_finish flushes every flow (pending out-of-order data is
 * delivered after reporting the gaps before it), emits FLOW_CLOSE for each,
 * and empties the table. The session can be fed again afterwards; flow ids
 * keep counting. */
void dump_session_finish(dump_session *s);

const dump_stats *dump_session_stats(const dump_session *s);
void dump_stats_reset(dump_session *s);

/* Progress callback for file reading: done and total are byte offsets in the
 * file (total 0 when unknown). Called at most every 64 KiB of input. */
typedef void (*dump_progress_fn)(void *ctx, uint64_t done, uint64_t total);

/* dump_read_file reads a pcap or pcapng file through libpcap, frame numbers
 * restarting at 1. Returns 0 on success; -1 with a message in err (NUL
 * terminated, errlen bytes at most) when the file cannot be opened/read or its
 * link type is unsupported. Flows are NOT finished at the end of the file:
 * call dump_session_finish. progress may be NULL. */
int dump_read_file(dump_session *s, const char *path, dump_progress_fn progress,
                   void *progress_ctx, char *err, size_t errlen);

/* dump_read_live captures on iface (with an optional BPF filter expression,
 * NULL for none) until *stop becomes non-zero or an error occurs. Returns 0
 * when stopped, -1 with err set otherwise. */
int dump_read_live(dump_session *s, const char *iface, const char *filter,
                   volatile sig_atomic_t *stop, char *err, size_t errlen);

/* Link types understood by dump_feed_frame (libpcap DLT values). */
#define DUMP_DLT_NULL 0        /* BSD loopback: 4-byte host-order family */
#define DUMP_DLT_EN10MB 1      /* Ethernet, 802.1Q/802.1ad tags allowed */
#define DUMP_DLT_RAW 12        /* raw IP (also 14 on some systems and LINKTYPE 101) */
#define DUMP_DLT_LOOP 108      /* OpenBSD loopback: 4-byte network-order family */
#define DUMP_DLT_LINUX_SLL 113 /* Linux cooked v1 */
#define DUMP_DLT_IPV4 228
#define DUMP_DLT_IPV6 229
#define DUMP_DLT_LINUX_SLL2 276

/* dump_linktype_supported tells whether dump_feed_frame can parse dlt. */
bool dump_linktype_supported(int dlt);

/* dump_feed_frame parses one captured frame (caplen bytes at data) of link
 * type dlt: link layer, VLAN tags, IPv4 (non-fragmented; fragments are
 * counted as undecodable) or IPv6 (extension headers skipped), then TCP.
 * frame_no is the number reported in events. Returns false (and counts the
 * frame as undecodable) when it is not a TCP segment it can parse. */
bool dump_feed_frame(dump_session *s, int dlt, dump_time ts, uint64_t frame_no,
                     const uint8_t *data, size_t caplen);

/* dump_segment is one parsed TCP segment. */
typedef struct dump_segment {
    dump_endpoint src;
    dump_endpoint dst;
    uint32_t seq;
    uint32_t ack;
    uint8_t flags;          /* DUMP_TCP_* */
    const uint8_t *payload;
    size_t len;
} dump_segment;

#define DUMP_TCP_FIN 0x01
#define DUMP_TCP_SYN 0x02
#define DUMP_TCP_RST 0x04
#define DUMP_TCP_PSH 0x08
#define DUMP_TCP_ACK 0x10

/* dump_feed_segment processes one TCP segment (what dump_feed_frame does after
 * parsing headers). */
void dump_feed_segment(dump_session *s, dump_time ts, uint64_t frame_no,
                       const dump_segment *seg);

/* dump_parse_frame parses link layer, IP and TCP without feeding a session
 * (seg->payload views data). Returns false for anything but a parsable TCP
 * segment. */
bool dump_parse_frame(int dlt, const uint8_t *data, size_t caplen, dump_segment *seg);

/* ------------------------------------------------------------------------- */
/* Verification                                                               */
/* ------------------------------------------------------------------------- */

typedef enum dump_verify_result {
    DUMP_VERIFY_OK = 0,       /* re-encoding reproduced every byte */
    DUMP_VERIFY_MISMATCH,     /* re-encoded bytes differ (see offset) */
    DUMP_VERIFY_DECODE_ERROR, /* the packet's codec rejected it (see status) */
    DUMP_VERIFY_SKIPPED       /* no encoder for this kind (rows, commands, ...) */
} dump_verify_result;

typedef struct dump_verify_info {
    dump_verify_result result;
    redir_status status;      /* decode or encode status */
    size_t offset;            /* first differing byte / decode stop offset, in payload */
    size_t encoded_len;
} dump_verify_info;

/* dump_verify_packet decodes p with its codec (greeting, handshake response,
 * SSLRequest, auth switch, auth more data, OK, OK-as-EOF, EOF, ERR), encodes
 * the result again, and compares with the payload byte for byte; it also
 * re-encodes the frame header(s) from (length, seq) and compares them with
 * p->wire when available. */
void dump_verify_packet(const dump_packet *p, dump_verify_info *out);

/* dump_verify_cframe re-encodes a compressed frame and compares with its wire
 * bytes. */
void dump_verify_cframe(const dump_cframe_event *c, dump_verify_info *out);

#ifdef __cplusplus
}
#endif

#endif
