/* redir_dump: TCP reassembly, gaps, resynchronisation and mid-stream starts,
 * driven with synthetic segments. */
#ifdef REDIR_HAVE_DUMP

#include <criterion/criterion.h>
#include <criterion/new/assert.h>
#include <string.h>

#include "dump.h"
#include "testutil.h"

#define MAX_EV 64

typedef struct rec_event {
    dump_event_type type;
    dump_dir dir;
    dump_kind kind;
    uint8_t seq;
    uint8_t command;
    size_t len;
    uint64_t bytes;
    uint64_t frame;
    uint8_t first;
} rec_event;

static rec_event evs[MAX_EV];
static size_t num_evs;
static dump_flow last_flow;

static void record(void *ctx, const dump_event *ev) {
    (void)ctx;
    if (ev->flow != NULL) {
        last_flow = *ev->flow;
    }
    if (ev->type == DUMP_EV_FLOW_OPEN || ev->type == DUMP_EV_FLOW_CLOSE || num_evs == MAX_EV) {
        return;
    }
    rec_event *r = &evs[num_evs++];
    memset(r, 0, sizeof *r);
    r->type = ev->type;
    r->dir = ev->dir;
    r->bytes = ev->bytes;
    r->frame = ev->frame;
    if (ev->type == DUMP_EV_PACKET) {
        r->kind = ev->packet.kind;
        r->seq = ev->packet.seq;
        r->command = ev->packet.command;
        r->len = ev->packet.len;
        r->first = ev->packet.len > 0 ? ev->packet.payload[0] : 0;
    }
}

static dump_session *sess;
static uint64_t frame_no;

static void setup(void) {
    num_evs = 0;
    frame_no = 0;
    memset(&last_flow, 0, sizeof last_flow);
    sess = dump_session_new(NULL, record, NULL);
    cr_assert(sess != NULL);
}

static void teardown(void) { dump_session_free(sess); }

/* The client is 10.0.0.1:40000, the server 10.0.0.2:3306. */
static void seg(dump_dir dir, uint32_t seq, uint32_t ack, uint8_t flags, const char *hex) {
    static uint8_t buf[4096];
    size_t n = 0;
    if (hex != NULL) {
        const uint8_t *p = hexbuf(0, hex, &n);
        memcpy(buf, p, n);
    }
    dump_segment s;
    memset(&s, 0, sizeof s);
    dump_endpoint c = {4, {10, 0, 0, 1}, 40000};
    dump_endpoint sv = {4, {10, 0, 0, 2}, 3306};
    s.src = dir == DUMP_C2S ? c : sv;
    s.dst = dir == DUMP_C2S ? sv : c;
    s.seq = seq;
    s.ack = ack;
    s.flags = flags;
    s.payload = n ? buf : NULL;
    s.len = n;
    dump_time t = {1000, 0};
    dump_feed_segment(sess, t, ++frame_no, &s);
}

#define A DUMP_TCP_ACK
#define CISN 1000u
#define SISN 5000u

/* MySQL 5.5-style greeting (no plugin auth), from the protocol docs example. */
#define GREETING                                                                                  \
    "36 00 00 00 0a 35 2e 35 2e 32 2d 6d 32 00 52 00 00 00 22 3d 4e 50 29 75 39 56 00 ff ff 08 " \
    "02 00 00 00 00 00 00 00 00 00 00 00 00 00 00 29 64 40 52 5c 55 78 7a 7c 21 29 4b 00"
#define GREETING_LEN 58u
/* HandshakeResponse41 for "root", 20-byte scramble, caps 0x0003a605. */
#define RESPONSE                                                                                  \
    "3a 00 00 01 05 a6 03 00 00 00 00 01 08 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 " \
    "00 00 00 00 00 00 72 6f 6f 74 00 14 01 02 03 04 05 06 07 08 09 0a 0b 0c 0d 0e 0f 10 11 12 " \
    "13 14"
#define RESPONSE_LEN 62u
#define LOGIN_OK "07 00 00 02 00 00 00 02 00 00 00"
#define PING "01 00 00 00 0e"
#define PING_OK "07 00 00 01 00 00 00 02 00 00 00"

static void handshake(void) {
    seg(DUMP_C2S, CISN, 0, DUMP_TCP_SYN, NULL);
    seg(DUMP_S2C, SISN, CISN + 1, DUMP_TCP_SYN | A, NULL);
    seg(DUMP_C2S, CISN + 1, SISN + 1, A, NULL);
    seg(DUMP_S2C, SISN + 1, CISN + 1, A, GREETING);
    seg(DUMP_C2S, CISN + 1, SISN + 1 + GREETING_LEN, A, RESPONSE);
    seg(DUMP_S2C, SISN + 1 + GREETING_LEN, CISN + 1 + RESPONSE_LEN, A, LOGIN_OK);
}

static uint32_t c_next(void) { return CISN + 1 + RESPONSE_LEN; }
static uint32_t s_next(void) { return SISN + 1 + GREETING_LEN + 11; }

static void expect_packet(size_t i, dump_dir dir, dump_kind kind, uint8_t seq) {
    cr_assert(i < num_evs, "event %zu missing (have %zu)", i, num_evs);
    cr_assert(eq(int, evs[i].type, DUMP_EV_PACKET), "event %zu", i);
    cr_assert(eq(int, evs[i].dir, dir), "event %zu", i);
    cr_assert(eq(int, evs[i].kind, kind), "event %zu: %s", i, dump_kind_name(evs[i].kind));
    cr_assert(eq(u8, evs[i].seq, seq), "event %zu", i);
}

TestSuite(dump_reasm, .init = setup, .fini = teardown);

Test(dump_reasm, in_order_login_and_command) {
    handshake();
    seg(DUMP_C2S, c_next(), s_next(), A, PING);
    seg(DUMP_S2C, s_next(), c_next() + 5, A, PING_OK);
    cr_assert(eq(sz, num_evs, 5));
    expect_packet(0, DUMP_S2C, DUMP_K_GREETING, 0);
    expect_packet(1, DUMP_C2S, DUMP_K_HANDSHAKE_RESPONSE, 1);
    expect_packet(2, DUMP_S2C, DUMP_K_OK, 2);
    expect_packet(3, DUMP_C2S, DUMP_K_COMMAND, 0);
    cr_assert(eq(u8, evs[3].command, 0x0e));
    expect_packet(4, DUMP_S2C, DUMP_K_OK, 1);
    cr_assert(eq(int, last_flow.phase, DUMP_PHASE_COMMAND));
    cr_assert(last_flow.midstream == false);
    cr_assert(eq(u32, last_flow.connection_id, 82));
    cr_assert(eq(int, strcmp(last_flow.server_version, "5.5.2-m2"), 0));
}

Test(dump_reasm, out_of_order_segments) {
    handshake();
    /* Two pings in one direction, the second segment arriving first. */
    seg(DUMP_C2S, c_next() + 5, s_next(), A, PING);
    cr_assert(eq(sz, num_evs, 3)); /* held back */
    seg(DUMP_C2S, c_next(), s_next(), A, PING);
    cr_assert(eq(sz, num_evs, 5));
    expect_packet(3, DUMP_C2S, DUMP_K_COMMAND, 0);
    expect_packet(4, DUMP_C2S, DUMP_K_COMMAND, 0);
    cr_assert(eq(u64, last_flow.gaps[DUMP_C2S], 0));
}

Test(dump_reasm, retransmission_is_dropped) {
    handshake();
    seg(DUMP_C2S, c_next(), s_next(), A, PING);
    seg(DUMP_C2S, c_next(), s_next(), A, PING);
    seg(DUMP_S2C, s_next(), c_next() + 5, A, PING_OK);
    cr_assert(eq(sz, num_evs, 5));
    expect_packet(3, DUMP_C2S, DUMP_K_COMMAND, 0);
    expect_packet(4, DUMP_S2C, DUMP_K_OK, 1);
    cr_assert(eq(u64, last_flow.retrans_bytes[DUMP_C2S], 5));
}

Test(dump_reasm, overlapping_segment_is_trimmed) {
    handshake();
    /* First segment: the ping and the header of a query; the retransmission
     * repeats the query header and adds its body. */
    seg(DUMP_C2S, c_next(), s_next(), A, PING " 09 00 00 00 03");
    cr_assert(eq(sz, num_evs, 4));
    seg(DUMP_C2S, c_next() + 5, s_next(), A, "09 00 00 00 03 73 65 6c 65 63 74 20 31");
    cr_assert(eq(sz, num_evs, 5));
    expect_packet(4, DUMP_C2S, DUMP_K_COMMAND, 0);
    cr_assert(eq(u8, evs[4].command, 0x03));
    cr_assert(eq(sz, evs[4].len, 9));
    cr_assert(eq(u64, last_flow.retrans_bytes[DUMP_C2S], 5));
}

Test(dump_reasm, packet_split_across_segments_and_many_per_segment) {
    handshake();
    /* A query split after 2 header bytes, then 3 pings in one segment. */
    seg(DUMP_C2S, c_next(), s_next(), A, "09 00");
    seg(DUMP_C2S, c_next() + 2, s_next(), A, "00 00 03 73 65 6c 65 63 74 20 31");
    cr_assert(eq(sz, num_evs, 4));
    seg(DUMP_C2S, c_next() + 13, s_next(), A, PING PING PING);
    cr_assert(eq(sz, num_evs, 7));
    for (size_t i = 4; i < 7; i++) {
        expect_packet(i, DUMP_C2S, DUMP_K_COMMAND, 0);
        cr_assert(eq(u8, evs[i].command, 0x0e));
    }
}

Test(dump_reasm, gap_reported_when_peer_acks_past_hole) {
    handshake();
    seg(DUMP_C2S, c_next(), s_next(), A, PING);
    /* The OK for the first ping is lost; the client's ack covers it, then
     * the client pings again and the second OK arrives. */
    seg(DUMP_C2S, c_next() + 5, s_next() + 11, A, PING);
    seg(DUMP_S2C, s_next() + 11, c_next() + 10, A, PING_OK);
    size_t gap = 0;
    for (size_t i = 0; i < num_evs; i++) {
        if (evs[i].type == DUMP_EV_GAP) {
            gap = i;
        }
    }
    cr_assert(gap > 0, "no gap event");
    cr_assert(eq(int, evs[gap].dir, DUMP_S2C));
    cr_assert(eq(u64, evs[gap].bytes, 11));
    /* The segment after the gap starts with a header: resynchronised there. */
    expect_packet(gap + 1, DUMP_S2C, DUMP_K_OK, 1);
    cr_assert(eq(u64, last_flow.gaps[DUMP_S2C], 1));
    cr_assert(eq(u64, last_flow.gap_bytes[DUMP_S2C], 11));
}

Test(dump_reasm, gap_in_middle_of_packet_resyncs_at_next_boundary) {
    handshake();
    /* A query in three segments; the middle one is lost. The tail is skipped
     * (not a packet start), the next command is decoded again. */
    seg(DUMP_C2S, c_next(), s_next(), A, "09 00 00 00 03 73");
    seg(DUMP_C2S, c_next() + 9, s_next(), A, "63 74 20 31");
    seg(DUMP_S2C, s_next(), c_next() + 13, A, "05 00 00 01 fe 00 00 02 00");
    seg(DUMP_C2S, c_next() + 13, s_next() + 9, A, PING);
    dump_session_finish(sess);
    bool saw_gap = false, saw_skip = false;
    size_t pings = 0;
    for (size_t i = 0; i < num_evs; i++) {
        if (evs[i].type == DUMP_EV_GAP) {
            saw_gap = true;
            cr_assert(eq(u64, evs[i].bytes, 3));
        }
        if (evs[i].type == DUMP_EV_SKIPPED && evs[i].dir == DUMP_C2S) {
            saw_skip = true;
        }
        if (evs[i].type == DUMP_EV_PACKET && evs[i].kind == DUMP_K_COMMAND &&
            evs[i].command == 0x0e) {
            pings++;
        }
    }
    cr_assert(saw_gap);
    cr_assert(saw_skip);
    cr_assert(eq(sz, pings, 1));
}

Test(dump_reasm, gap_at_end_of_input_is_flushed) {
    handshake();
    seg(DUMP_C2S, c_next() + 100, s_next(), A, PING);
    cr_assert(eq(sz, num_evs, 3));
    dump_session_finish(sess);
    cr_assert(eq(sz, num_evs, 5));
    cr_assert(eq(int, evs[3].type, DUMP_EV_GAP));
    cr_assert(eq(u64, evs[3].bytes, 100));
    expect_packet(4, DUMP_C2S, DUMP_K_COMMAND, 0);
}

Test(dump_reasm, midstream_flow_starts_in_command_phase) {
    /* No SYN, no greeting: a query and its result set (DEPRECATE_EOF
     * inferred from the OK-as-EOF terminator). */
    seg(DUMP_C2S, 777, 888, A, "09 00 00 00 03 73 65 6c 65 63 74 20 31");
    seg(DUMP_S2C, 888, 790, A,
        "01 00 00 01 01 "
        "17 00 00 02 03 64 65 66 00 00 00 01 31 00 0c 3f 00 01 00 00 00 08 81 00 00 00 00 "
        "02 00 00 03 01 31 "
        "07 00 00 04 fe 00 00 02 00 00 00");
    cr_assert(eq(sz, num_evs, 5));
    expect_packet(0, DUMP_C2S, DUMP_K_COMMAND, 0);
    expect_packet(1, DUMP_S2C, DUMP_K_COLUMN_COUNT, 1);
    expect_packet(2, DUMP_S2C, DUMP_K_COLUMN_DEF, 2);
    expect_packet(3, DUMP_S2C, DUMP_K_ROW, 3);
    expect_packet(4, DUMP_S2C, DUMP_K_OK_AS_EOF, 4);
    cr_assert(last_flow.midstream);
    cr_assert(eq(int, last_flow.phase, DUMP_PHASE_COMMAND));
    cr_assert(ne(u64, last_flow.caps & REDIR_CLIENT_DEPRECATE_EOF, 0));
}

Test(dump_reasm, midstream_login_without_greeting) {
    /* Capture starting after the greeting: the login is still decoded. */
    seg(DUMP_C2S, 50, 60, A, RESPONSE);
    seg(DUMP_S2C, 60, 50 + RESPONSE_LEN, A, LOGIN_OK);
    seg(DUMP_C2S, 50 + RESPONSE_LEN, 71, A, PING);
    cr_assert(eq(sz, num_evs, 3));
    expect_packet(0, DUMP_C2S, DUMP_K_HANDSHAKE_RESPONSE, 1);
    expect_packet(1, DUMP_S2C, DUMP_K_OK, 2);
    expect_packet(2, DUMP_C2S, DUMP_K_COMMAND, 0);
    cr_assert(eq(u64, last_flow.client_caps, 0x0003a605));
    cr_assert(eq(int, last_flow.phase, DUMP_PHASE_COMMAND));
}

Test(dump_reasm, midstream_starting_inside_a_packet_skips_to_a_boundary) {
    /* The first server bytes are the tail of a row: not a plausible start. */
    seg(DUMP_S2C, 888, 777, A, "61 62 63 64 65 66");
    cr_assert(eq(sz, num_evs, 1));
    cr_assert(eq(int, evs[0].type, DUMP_EV_SKIPPED));
    cr_assert(eq(u64, evs[0].bytes, 6));
    seg(DUMP_C2S, 777, 894, A, PING);
    seg(DUMP_S2C, 894, 782, A, PING_OK);
    expect_packet(1, DUMP_C2S, DUMP_K_COMMAND, 0);
    expect_packet(2, DUMP_S2C, DUMP_K_OK, 1);
}

Test(dump_reasm, midstream_compressed_detected) {
    /* COM_QUERY "use `test`" inside a compressed frame stored raw, and the
     * OK answering it (bytes of deepflow mysql-use.pcap). */
    seg(DUMP_C2S, 1, 1, A,
        "0f 00 00 00 00 00 00 0b 00 00 00 03 75 73 65 20 60 74 65 73 74 60");
    seg(DUMP_S2C, 1, 23, A, "0b 00 00 01 00 00 00 07 00 00 01 00 00 00 02 00 00 00");
    size_t packets = 0;
    for (size_t i = 0; i < num_evs; i++) {
        if (evs[i].type == DUMP_EV_PACKET) {
            packets++;
        }
    }
    cr_assert(eq(sz, packets, 2));
    cr_assert(last_flow.compressed);
    cr_assert(last_flow.compression_detected);
    size_t i = 0;
    while (evs[i].type != DUMP_EV_PACKET) {
        i++;
    }
    expect_packet(i, DUMP_C2S, DUMP_K_COMMAND, 0);
    cr_assert(eq(u8, evs[i].command, 0x03));
    cr_assert(eq(sz, evs[i].len, 11));
}

Test(dump_reasm, ssl_request_switches_to_tls) {
    seg(DUMP_C2S, CISN, 0, DUMP_TCP_SYN, NULL);
    seg(DUMP_S2C, SISN, CISN + 1, DUMP_TCP_SYN | A, NULL);
    /* A greeting advertising SSL (0xffff low caps includes it). */
    seg(DUMP_S2C, SISN + 1, CISN + 1, A, GREETING);
    seg(DUMP_C2S, CISN + 1, SISN + 1 + GREETING_LEN, A,
        "20 00 00 01 05 ae 03 00 00 00 00 01 08 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 "
        "00 00 00 00 00 00 00 00 16 03 01 00 05 01 02 03 04 05");
    cr_assert(eq(sz, num_evs, 3));
    expect_packet(1, DUMP_C2S, DUMP_K_SSL_REQUEST, 1);
    cr_assert(eq(int, evs[2].type, DUMP_EV_TLS));
    cr_assert(eq(u64, evs[2].bytes, 10));
    cr_assert(eq(int, last_flow.phase, DUMP_PHASE_TLS));
}

Test(dump_reasm, foreign_port_tracked_only_with_greeting) {
    dump_segment s;
    memset(&s, 0, sizeof s);
    dump_endpoint c = {4, {10, 0, 0, 1}, 40000};
    dump_endpoint sv = {4, {10, 0, 0, 2}, 8080};
    s.src = c;
    s.dst = sv;
    s.flags = A;
    s.seq = 1;
    s.payload = (const uint8_t *)"GET / HTTP/1.0\r\n\r\n";
    s.len = 18;
    dump_time t = {0, 0};
    dump_feed_segment(sess, t, 1, &s);
    cr_assert(eq(u64, dump_session_stats(sess)->flows, 0));
    size_t n;
    const uint8_t *g = hexbuf(1, GREETING, &n);
    s.src = sv;
    s.src.port = 9999;
    s.dst = c;
    s.payload = g;
    s.len = n;
    dump_feed_segment(sess, t, 2, &s);
    cr_assert(eq(u64, dump_session_stats(sess)->flows, 1));
    expect_packet(0, DUMP_S2C, DUMP_K_GREETING, 0);
    cr_assert(eq(u16, last_flow.server.port, 9999));
}

#endif
