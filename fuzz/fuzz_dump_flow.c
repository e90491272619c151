/* The `redir dump` flow state machine fed two interleaved byte streams: the
 * input is cut into TCP segments of one connection, in either direction,
 * with optional gaps, retransmissions and early acknowledgements, and fed to
 * a session with small limits. Every event is checked (views readable and
 * consistent, compressed frames re-encode exactly, verification is total)
 * and the session totals must agree with the events.
 *
 * Input: an options byte, then records: a header byte (bit 7: direction,
 * 1 = server to client; bit 6: a modifier byte follows; bits 0-5: length,
 * 63 meaning a 2-byte length follows) and that many payload bytes. The
 * modifier's low two bits: 0 plain, 1 skip (m >> 2) bytes of sequence space
 * first (a gap), 2 send the segment twice (a retransmission), 3 acknowledge
 * past the peer's data (a capture that missed bytes). */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dump.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                                     \
    do {                                                                                \
        if (!(cond)) {                                                                  \
            fprintf(stderr, "%s:%d: property failed: %s\n", __FILE__, __LINE__, #cond); \
            abort();                                                                    \
        }                                                                               \
    } while (0)

typedef struct counts {
    uint64_t opened, closed, packets, cframes, gaps, kinds[DUMP_K_COUNT_];
    uint64_t fed[2];     /* payload bytes handed to the session per direction */
    uint64_t dir_packets[2], dir_gaps[2];
    volatile uint8_t sink;
} counts;

static void touch(counts *c, const uint8_t *p, size_t n) {
    uint8_t x = 0;
    for (size_t i = 0; i < n; i++) {
        x ^= p[i];
    }
    c->sink ^= x;
}

static void check_flow(const dump_flow *f) {
    CHECK(f != NULL);
    CHECK(dump_phase_name(f->phase) != NULL);
    CHECK(memchr(f->server_version, 0, sizeof f->server_version) != NULL);
    char ep[DUMP_ENDPOINT_STRLEN];
    dump_endpoint_format(&f->client, ep, sizeof ep);
    CHECK(memchr(ep, 0, sizeof ep) != NULL);
    dump_endpoint_format(&f->server, ep, sizeof ep);
    CHECK(memchr(ep, 0, sizeof ep) != NULL);
}

static void on_event(void *ctx, const dump_event *ev) {
    counts *c = ctx;
    check_flow(ev->flow);
    CHECK(ev->dir == DUMP_C2S || ev->dir == DUMP_S2C);
    switch (ev->type) {
    case DUMP_EV_FLOW_OPEN:
        c->opened++;
        break;
    case DUMP_EV_FLOW_CLOSE:
        c->closed++;
        /* the flow's counters agree with the events it produced */
        for (int d = 0; d < 2; d++) {
            CHECK(ev->flow->packets[d] == c->dir_packets[d]);
            CHECK(ev->flow->gaps[d] == c->dir_gaps[d]);
        }
        /* which side is the client is the session's call, so the bytes
         * delivered are compared in total */
        CHECK(ev->flow->bytes[0] + ev->flow->bytes[1] <= c->fed[0] + c->fed[1]);
        break;
    case DUMP_EV_PACKET: {
        const dump_packet *p = &ev->packet;
        c->packets++;
        c->dir_packets[ev->dir]++;
        CHECK(p->flow == ev->flow && p->dir == ev->dir);
        CHECK(p->kind < DUMP_K_COUNT_ && dump_kind_name(p->kind) != NULL);
        c->kinds[p->kind]++;
        CHECK(p->len <= p->total_len && p->truncated == (p->len < p->total_len));
        CHECK(p->len == 0 || p->payload != NULL);
        CHECK(p->num_frames >= 1);
        touch(c, p->payload, p->len);
        if (p->wire != NULL) {
            CHECK(p->wire_len >= 4 * p->num_frames);
            touch(c, p->wire, p->wire_len);
        }
        (void)dump_command_name(p->command);
        (void)dump_kind_to_redir(p->kind);
        dump_verify_info vi;
        dump_verify_packet(p, &vi);
        CHECK(vi.result <= DUMP_VERIFY_SKIPPED && redir_status_name(vi.status) != NULL);
        CHECK(vi.result != DUMP_VERIFY_MISMATCH || vi.offset <= p->len + 4 * p->num_frames);
        break;
    }
    case DUMP_EV_CFRAME: {
        const dump_cframe_event *cf = &ev->cframe;
        c->cframes++;
        CHECK(cf->wire != NULL && cf->wire_len == 7u + cf->frame.comp_len);
        CHECK(cf->frame.payload.len == cf->frame.comp_len);
        CHECK(cf->frame.payload.len == 0 ||
              (cf->frame.payload.ptr >= cf->wire &&
               cf->frame.payload.ptr + cf->frame.payload.len <= cf->wire + cf->wire_len));
        touch(c, cf->wire, cf->wire_len);
        /* a captured frame re-encodes byte for byte */
        dump_verify_info vi;
        dump_verify_cframe(cf, &vi);
        CHECK(vi.result == DUMP_VERIFY_OK);
        break;
    }
    case DUMP_EV_GAP:
        c->gaps++;
        c->dir_gaps[ev->dir]++;
        CHECK(ev->bytes > 0);
        break;
    case DUMP_EV_SKIPPED:
    case DUMP_EV_TLS:
        CHECK(ev->bytes > 0);
        break;
    case DUMP_EV_NOTE:
        CHECK(ev->text != NULL && strlen(ev->text) < 4096);
        break;
    default:
        CHECK(0);
    }
}

typedef struct side {
    dump_endpoint ep;
    uint32_t seq;
} side;

static void feed(dump_session *s, side *from, side *to, uint8_t flags, const uint8_t *p, size_t n,
                 uint32_t ack_extra, uint64_t *frame) {
    dump_segment seg;
    memset(&seg, 0, sizeof seg);
    seg.src = from->ep;
    seg.dst = to->ep;
    seg.seq = from->seq;
    seg.ack = to->seq + ack_extra;
    seg.flags = flags;
    seg.payload = p;
    seg.len = n;
    dump_time ts = {1700000000 + (int64_t)*frame, 0};
    dump_feed_segment(s, ts, ++*frame, &seg);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 1) {
        return 0;
    }
    uint8_t opt = data[0];
    data++;
    size--;
    dump_config cfg;
    dump_config_init(&cfg);
    CHECK(cfg.detect_greeting);
    if (opt & 0x10) {
        /* small limits: truncated packets, store overflows, buffer caps */
        cfg.max_stream_buffer = 4096 + 4;
        cfg.max_ooo_bytes = 512;
        cfg.max_message = 300;
    }
    if (opt & 0x20) {
        cfg.ports[0] = 4000;
        cfg.num_ports = 1;
    }
    counts c;
    memset(&c, 0, sizeof c);
    dump_session *s = dump_session_new(&cfg, on_event, &c);
    CHECK(s != NULL);
    side cl = {{4, {10, 0, 0, 1}, 50000}, 1000};
    side sv = {{4, {10, 0, 0, 2}, 3306}, 900000};
    if (opt & 0x02) {
        sv.ep.port = 4000; /* tracked by port only with 0x20, else by greeting */
    }
    if (opt & 0x40) {
        sv.ep.family = cl.ep.family = 6;
        sv.ep.ip[15] = 2;
        cl.ep.ip[15] = 1;
    }
    uint64_t frame = 0;
    if (opt & 0x01) {
        feed(s, &cl, &sv, DUMP_TCP_SYN, NULL, 0, 0, &frame);
        cl.seq++;
        feed(s, &sv, &cl, DUMP_TCP_SYN | DUMP_TCP_ACK, NULL, 0, 0, &frame);
        sv.seq++;
    }
    size_t i = 0;
    while (i < size) {
        uint8_t h = data[i++];
        uint8_t mod = 0;
        if ((h & 0x40) && i < size) {
            mod = data[i++];
        }
        size_t len = h & 0x3F;
        if (len == 0x3F && i + 2 <= size) {
            len = (size_t)data[i] | (size_t)data[i + 1] << 8;
            i += 2;
        }
        if (len > size - i) {
            len = size - i;
        }
        bool s2c = (h & 0x80) != 0;
        side *from = s2c ? &sv : &cl;
        side *to = s2c ? &cl : &sv;
        uint32_t ack_extra = 0;
        switch (mod & 3) {
        case 1:
            from->seq += (uint32_t)(mod >> 2);
            break;
        case 3:
            ack_extra = 1u + (mod >> 2);
            break;
        default:
            break;
        }
        c.fed[s2c] += len;
        feed(s, from, to, DUMP_TCP_ACK | DUMP_TCP_PSH, data + i, len, ack_extra, &frame);
        if ((mod & 3) == 2) {
            feed(s, from, to, DUMP_TCP_ACK | DUMP_TCP_PSH, data + i, len, ack_extra, &frame);
        }
        from->seq += (uint32_t)len;
        i += len;
    }
    if (opt & 0x04) {
        feed(s, &cl, &sv, DUMP_TCP_FIN | DUMP_TCP_ACK, NULL, 0, 0, &frame);
        feed(s, &sv, &cl, DUMP_TCP_FIN | DUMP_TCP_ACK, NULL, 0, 0, &frame);
    } else if (opt & 0x08) {
        feed(s, &sv, &cl, DUMP_TCP_RST, NULL, 0, 0, &frame);
    }
    dump_session_finish(s);
    const dump_stats *st = dump_session_stats(s);
    CHECK(c.opened == c.closed && c.opened == st->flows && c.opened <= 1);
    CHECK(st->packets == c.packets && st->cframes == c.cframes && st->gaps == c.gaps);
    CHECK(st->tcp_segments == frame);
    uint64_t sum = 0;
    for (int k = 0; k < DUMP_K_COUNT_; k++) {
        CHECK(st->kinds[k] == c.kinds[k]);
        sum += st->kinds[k];
    }
    CHECK(sum == st->packets);
    dump_session_free(s);
    return 0;
}
