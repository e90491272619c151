/* The streaming framer over real captured byte streams in every chunking,
 * the compressed protocol, truncation, limits and sequence errors. The
 * reference packets come from redir_message_decode and redir_cframe_inflate
 * over the whole stream at once. */
#include <criterion/criterion.h>
#include <criterion/new/assert.h>
#include <stdlib.h>
#include <string.h>

#include "pcap_stream.h"
#include "redir/stream.h"
#include "testutil.h"

#define PCAPS REDIR_SOURCE_DIR "/pcaps/"
#define BIG ((size_t)REDIR_MAX_PACKET_PAYLOAD + 64u)

typedef struct rec {
    size_t len;
    uint64_t hash;
    uint8_t first_seq, next_seq;
    size_t frames;
} rec;

typedef struct recs {
    rec *v;
    size_t n, cap;
} recs;

static uint64_t fnv(const uint8_t *p, size_t n) {
    uint64_t h = 1469598103934665603u;
    for (size_t i = 0; i < n; i++) {
        h = (h ^ p[i]) * 1099511628211u;
    }
    return h;
}

static void push(recs *r, const redir_message *m) {
    if (r->n == r->cap) {
        r->cap = r->cap ? r->cap * 2 : 64;
        r->v = realloc(r->v, r->cap * sizeof *r->v);
    }
    rec x = {m->payload.len, fnv(m->payload.ptr, m->payload.len), m->first_seq, m->next_seq,
             m->num_frames};
    r->v[r->n++] = x;
}

static uint8_t *big_join;
static uint8_t *big_inflate;
static uint8_t scratch[REDIR_INFLATE_SCRATCH_SIZE];

static void setup_big(void) {
    if (big_join == NULL) {
        big_join = malloc(BIG);
        big_inflate = malloc(BIG);
    }
}

/* ref_plain frames s with redir_message_decode; returns bytes used. */
static size_t ref_plain(recs *r, const uint8_t *s, size_t n, size_t max_packets) {
    size_t pos = 0;
    for (size_t k = 0; k < max_packets; k++) {
        redir_message m;
        size_t used = 0;
        if (redir_message_decode(&m, &used, NULL, s + pos, n - pos, -1, big_join, BIG, 0) !=
            REDIR_OK) {
            break;
        }
        push(r, &m);
        pos += used;
    }
    return pos;
}

/* ref_stream: plain_count plain packets, then (compressed) the inner
 * stream of the compressed frames that follow. */
static void ref_stream(recs *r, const uint8_t *s, size_t n, size_t plain_count, bool compressed) {
    setup_big();
    if (!compressed) {
        ref_plain(r, s, n, SIZE_MAX);
        return;
    }
    size_t pos = ref_plain(r, s, n, plain_count);
    cr_assert(eq(sz, r->n, plain_count));
    uint8_t *inner = malloc(n * 1100 + 1024);
    size_t inner_len = 0;
    while (pos < n) {
        redir_cframe cf;
        size_t used = 0, got = 0;
        if (redir_cframe_decode(&cf, &used, NULL, s + pos, n - pos) != REDIR_OK) {
            break;
        }
        cr_assert(eq(int, redir_cframe_inflate(inner + inner_len, BIG, &got, &cf, BIG, scratch, sizeof scratch),
                     REDIR_OK));
        inner_len += got;
        pos += used;
    }
    ref_plain(r, inner, inner_len, SIZE_MAX);
    free(inner);
}

typedef struct chunker {
    int kind; /* 0 whole, 1 fixed size, 2 random up to size */
    size_t size;
    uint64_t state;
} chunker;

static size_t chunk_next(chunker *c, size_t left) {
    size_t n = left;
    if (c->kind == 1) {
        n = c->size;
    } else if (c->kind == 2) {
        c->state ^= c->state << 13;
        c->state ^= c->state >> 7;
        c->state ^= c->state << 17;
        n = 1 + (size_t)(c->state % c->size);
    }
    return n < left ? n : left;
}

typedef struct run_opts {
    size_t in_cap;
    bool use_space; /* space/commit instead of feed */
    size_t max_payload;
    size_t max_inflated;
} run_opts;

static bool inside(redir_span s, const uint8_t *base, size_t cap) {
    return s.len == 0 || (s.ptr >= base && s.ptr + s.len <= base + cap);
}

/* run_framer feeds s in the chunking c and collects the packets; returns
 * the status that ended the run: REDIR_OK when the stream ended cleanly
 * (finish), else the failure. */
static redir_status run_framer(recs *r, const uint8_t *s, size_t n, size_t plain_count,
                               bool compressed, chunker c, run_opts o, redir_diag *diag) {
    setup_big();
    uint8_t *in = malloc(o.in_cap);
    redir_framer f;
    redir_framer_config cfg = {in, o.in_cap, big_join, BIG, big_inflate, BIG, scratch,
                               sizeof scratch, o.max_payload, o.max_inflated, NULL, NULL};
    cr_assert(eq(int, redir_framer_init(&f, &cfg), REDIR_OK));
    size_t pos = 0;
    redir_status st = REDIR_OK;
    size_t count = 0;
    if (compressed && plain_count == 0) {
        cr_assert(eq(int, redir_framer_set_compressed(&f, true), REDIR_OK));
    }
    while (st == REDIR_OK || st == REDIR_DONE) {
        /* Drain what is complete. */
        for (;;) {
            redir_framed p;
            st = redir_framer_next(&f, &p, diag);
            if (st != REDIR_OK) {
                break;
            }
            cr_assert(inside(p.msg.payload, in, o.in_cap) ||
                      inside(p.msg.payload, big_join, BIG) ||
                      inside(p.msg.payload, big_inflate, BIG));
            cr_assert(eq(int, p.compressed, compressed && count >= plain_count));
            if (p.wire.len > 0) {
                cr_assert(eq(sz, p.wire.len, p.msg.payload.len + 4));
                cr_assert(p.wire.ptr + 4 == p.msg.payload.ptr);
            }
            push(r, &p.msg);
            count++;
            if (compressed && count == plain_count) {
                cr_assert(eq(int, redir_framer_set_compressed(&f, true), REDIR_OK));
            }
        }
        if (st != REDIR_DONE) {
            break;
        }
        if (pos == n) {
            st = redir_framer_finish(&f, diag);
            break;
        }
        size_t want = chunk_next(&c, n - pos);
        if (o.use_space) {
            size_t room = 0;
            uint8_t *p = redir_framer_space(&f, &room);
            cr_assert(room > 0, "a framer that wants bytes has room");
            size_t take = want < room ? want : room;
            memcpy(p, s + pos, take);
            cr_assert(eq(int, redir_framer_commit(&f, take), REDIR_OK));
            pos += take;
        } else {
            size_t taken = 0;
            cr_assert(eq(int, redir_framer_feed(&f, &taken, s + pos, want), REDIR_OK));
            cr_assert(taken > 0 || want == 0);
            pos += taken;
        }
        st = REDIR_DONE;
    }
    free(in);
    return st;
}

static void same(const recs *a, const recs *b) {
    cr_assert(eq(sz, a->n, b->n));
    for (size_t i = 0; i < a->n; i++) {
        cr_assert(eq(sz, a->v[i].len, b->v[i].len), "packet %zu", i);
        cr_assert(eq(u64, a->v[i].hash, b->v[i].hash), "packet %zu", i);
        cr_assert(eq(u8, a->v[i].first_seq, b->v[i].first_seq), "packet %zu", i);
        cr_assert(eq(u8, a->v[i].next_seq, b->v[i].next_seq), "packet %zu", i);
        cr_assert(eq(sz, a->v[i].frames, b->v[i].frames), "packet %zu", i);
    }
}

/* every_chunking checks the framer against the reference for one stream. */
static void every_chunking(const uint8_t *s, size_t n, size_t plain_count, bool compressed,
                           size_t min_in, bool one_byte) {
    recs ref = {0};
    ref_stream(&ref, s, n, plain_count, compressed);
    cr_assert(ref.n > plain_count);
    chunker chunkers[] = {{0, 0, 0}, {1, 1, 0},        {1, 3, 0},        {1, 7, 0},
                          {2, 10, 0x9e3779b9u}, {2, 200, 12345}, {2, 5000, 777},
                          {2, 70000, 4242}};
    size_t in_caps[] = {min_in, 4096, 1u << 20};
    for (size_t ci = 0; ci < sizeof chunkers / sizeof chunkers[0]; ci++) {
        if (!one_byte && chunkers[ci].kind == 1 && chunkers[ci].size < 7) {
            continue;
        }
        for (size_t ii = 0; ii < 3; ii++) {
            if (in_caps[ii] < min_in) {
                continue;
            }
            for (int method = 0; method < 2; method++) {
                recs got = {0};
                run_opts o = {in_caps[ii], method == 1, 0, 0};
                redir_diag d = {0, 0};
                redir_status st =
                    run_framer(&got, s, n, plain_count, compressed, chunkers[ci], o, &d);
                cr_assert(eq(int, st, REDIR_OK), "chunker %zu in_cap %zu: %s at %zu", ci,
                          in_caps[ii], redir_status_name(st), d.offset);
                same(&ref, &got);
                free(got.v);
            }
        }
    }
    free(ref.v);
}

static void plain_capture(const char *name, bool one_byte) {
    size_t n[2];
    for (int dir = 0; dir < 2; dir++) {
        uint8_t *s = pcap_stream(name, 0, dir, &n[dir]);
        cr_assert(n[dir] > 0);
        every_chunking(s, n[dir], 0, false, REDIR_FRAMER_MIN_INPUT, one_byte);
        free(s);
    }
}

Test(framer, plain_captures_every_chunking) {
    plain_capture(PCAPS "mariadb-10.11-plain.pcap", true);
    plain_capture(PCAPS "mariadb-10.11-multi-result.pcap", true);
    plain_capture(PCAPS "mariadb-10.11-pipelined.pcap", true);
    plain_capture(PCAPS "mariadb-10.11-prepared.pcap", true);
}

/* The server's 16 MiB result row crosses the 0xFFFFFF boundary: a
 * continuation chunk and its terminator, joined across chunk boundaries. */
Test(framer, large_packet_every_chunking, .timeout = 300) {
    size_t n = 0;
    uint8_t *s = pcap_stream(PCAPS "mariadb-10.11-large-packet.pcap", 0, 1, &n);
    every_chunking(s, n, 0, false, REDIR_FRAMER_MIN_INPUT, true);
    free(s);
    s = pcap_stream(PCAPS "mariadb-10.11-large-packet.pcap", 0, 0, &n);
    recs ref = {0};
    ref_stream(&ref, s, n, 0, false);
    size_t joined = 0;
    for (size_t i = 0; i < ref.n; i++) {
        joined += ref.v[i].frames > 1;
    }
    cr_assert(joined > 0, "the capture holds a continued packet");
    free(ref.v);
    every_chunking(s, n, 0, false, REDIR_FRAMER_MIN_INPUT, false);
    free(s);
}

/* mariadb-10.11-compress.pcap: login in the plain protocol (the server sends
 * the greeting and the OK, the client its handshake response), then
 * compressed frames, one of whose result rows spans two frames. */
Test(framer, compressed_capture_every_chunking) {
    size_t n = 0;
    uint8_t *s = pcap_stream(PCAPS "mariadb-10.11-compress.pcap", 0, 1, &n);
    every_chunking(s, n, 1, true, 1u << 16, true);
    free(s);
    s = pcap_stream(PCAPS "mariadb-10.11-compress.pcap", 0, 0, &n);
    every_chunking(s, n, 2, true, 1u << 16, true);
    free(s);
}

/* Captures that start in the command phase with compression already on. */
Test(framer, compressed_midstream_captures) {
    const char *names[] = {PCAPS "deepflow__mysql-compressed-response.pcap",
                           PCAPS "deepflow__partial-packet-compressed.pcap"};
    for (size_t i = 0; i < 2; i++) {
        for (int dir = 0; dir < 2; dir++) {
            size_t n = 0;
            uint8_t *s = pcap_stream(names[i], 30130, dir, &n);
            every_chunking(s, n, 0, true, 1u << 16, false);
            free(s);
        }
    }
}

/* The large-packet capture recompressed into frames of random sizes, some
 * stored: frames hold several packets, parts of one, and parts of a
 * continued 16 MiB packet. */
Test(framer, large_packet_recompressed, .timeout = 300) {
    size_t n = 0;
    uint8_t *s = pcap_stream(PCAPS "mariadb-10.11-large-packet.pcap", 0, 0, &n);
    /* The login ends with the server's first OK after the greeting. */
    size_t pos = 0, plain = 0;
    setup_big();
    for (;;) {
        redir_message m;
        size_t used = 0;
        cr_assert(eq(int,
                     redir_message_decode(&m, &used, NULL, s + pos, n - pos, -1, big_join, BIG, 0),
                     REDIR_OK));
        pos += used;
        plain++;
        if (plain > 1 && m.payload.len > 0 && m.payload.ptr[0] == 0x00) {
            break;
        }
    }
    static uint8_t dscratch[REDIR_DEFLATE_SCRATCH_SIZE];
    uint8_t *c = malloc(n * 2 + 4096);
    memcpy(c, s, pos);
    size_t clen = pos;
    uint64_t rnd = 99;
    uint8_t cseq = 0;
    while (pos < n) {
        rnd ^= rnd << 13;
        rnd ^= rnd >> 7;
        rnd ^= rnd << 17;
        size_t take = 1 + (size_t)(rnd % 300000);
        take = take < n - pos ? take : n - pos;
        size_t out = 0;
        size_t min_len = (rnd & 8) ? take + 1 : 50; /* some frames stored */
        cr_assert(eq(int,
                     redir_cframe_deflate(c + clen, n * 2 + 4096 - clen, &out, cseq++, s + pos,
                                          take, 1, min_len, dscratch, sizeof dscratch),
                     REDIR_OK));
        clen += out;
        pos += take;
    }
    chunker ch = {2, 100000, 5};
    recs ref = {0}, got = {0};
    ref_stream(&ref, c, clen, plain, true);
    run_opts o = {1u << 20, false, 0, 0};
    redir_diag d;
    cr_assert(eq(int, run_framer(&got, c, clen, plain, true, ch, o, &d), REDIR_OK));
    same(&ref, &got);
    free(got.v);
    /* And the same packets as the plain stream. */
    recs plainref = {0};
    ref_stream(&plainref, s, n, 0, false);
    same(&plainref, &ref);
    free(ref.v);
    free(plainref.v);
    free(c);
    free(s);
}

/* ------------------------------------------------------------ small vectors */

typedef struct small {
    uint8_t in[64];
    uint8_t join[64];
    uint8_t inflate[64];
    redir_framer f;
} small;

static void small_init(small *t, size_t max_payload) {
    redir_framer_config cfg = {t->in,      sizeof t->in, t->join, sizeof t->join,
                               t->inflate, sizeof t->inflate, scratch, sizeof scratch,
                               max_payload, 0, NULL, NULL};
    cr_assert(eq(int, redir_framer_init(&t->f, &cfg), REDIR_OK));
}

static void feed_hex(small *t, const char *hex) {
    size_t n = 0;
    const uint8_t *b = hexbuf(0, hex, &n);
    size_t taken = 0;
    cr_assert(eq(int, redir_framer_feed(&t->f, &taken, b, n), REDIR_OK));
    cr_assert(eq(sz, taken, n));
}

Test(framer, truncation_is_reported_at_the_end) {
    small t;
    small_init(&t, 0);
    feed_hex(&t, "01 00 00 00 0e  04 00 00 01 03 61");
    redir_framed p;
    redir_diag d;
    cr_assert(eq(int, redir_framer_next(&t.f, &p, &d), REDIR_OK));
    cr_assert(eq(sz, p.msg.payload.len, 1));
    cr_assert(eq(int, redir_framer_next(&t.f, &p, &d), REDIR_DONE));
    cr_assert(eq(int, redir_framer_finish(&t.f, &d), REDIR_E_TRUNCATED));
    cr_assert(eq(sz, d.offset, 5));
    cr_assert(eq(sz, d.needed, 2));
    feed_hex(&t, "62 63");
    cr_assert(eq(int, redir_framer_next(&t.f, &p, &d), REDIR_OK));
    cr_assert(eq(sz, p.offset, 5));
    cr_assert(eq(int, memcmp(p.msg.payload.ptr, "\x03" "abc", 4), 0));
    cr_assert(eq(int, redir_framer_finish(&t.f, &d), REDIR_OK));
}

Test(framer, truncated_captures_end_in_truncated) {
    size_t n = 0;
    uint8_t *s = pcap_stream(PCAPS "mariadb-10.11-plain.pcap", 0, 0, &n);
    recs ref = {0};
    ref_stream(&ref, s, n, 0, false);
    for (size_t cut = 1; cut < 40 && cut < n; cut += 3) {
        recs got = {0};
        chunker ch = {2, 13, cut};
        run_opts o = {32, false, 0, 0};
        redir_diag d = {0, 0};
        cr_assert(eq(int, run_framer(&got, s, n - cut, 0, false, ch, o, &d), REDIR_E_TRUNCATED));
        cr_assert(d.needed >= 1);
        cr_assert(got.n < ref.n);
        for (size_t i = 0; i < got.n; i++) {
            cr_assert(eq(u64, got.v[i].hash, ref.v[i].hash));
        }
        free(got.v);
    }
    free(ref.v);
    free(s);
}

Test(framer, payload_limit_is_named_and_early) {
    small t;
    small_init(&t, 8);
    /* A 9-byte payload: refused on its header, before its body arrives. */
    feed_hex(&t, "02 00 00 00 0e 61  09 00 00 01");
    redir_framed p;
    redir_diag d;
    cr_assert(eq(int, redir_framer_next(&t.f, &p, &d), REDIR_OK));
    cr_assert(eq(int, redir_framer_next(&t.f, &p, &d), REDIR_E_FRAMER_PAYLOAD_LIMIT));
    cr_assert(eq(sz, d.offset, 6));
    /* sticky */
    cr_assert(eq(int, redir_framer_next(&t.f, &p, &d), REDIR_E_FRAMER_PAYLOAD_LIMIT));
    cr_assert(eq(int, redir_framer_finish(&t.f, &d), REDIR_E_FRAMER_PAYLOAD_LIMIT));
    redir_framer_reset(&t.f);
    feed_hex(&t, "08 00 00 00 61 61 61 61 61 61 61 61");
    cr_assert(eq(int, redir_framer_next(&t.f, &p, &d), REDIR_OK));
    cr_assert(eq(sz, p.msg.payload.len, 8));
}

static uint8_t big_in[64];
static uint8_t big_join2[0x1000000 + 16];
static uint8_t zero_chunk[REDIR_MAX_PACKET_PAYLOAD];

static void big_framer(redir_framer *f, size_t max_payload) {
    redir_framer_config cfg = {big_in, sizeof big_in, big_join2, sizeof big_join2, NULL, 0,
                               NULL, 0, max_payload, 0, NULL, NULL};
    cr_assert(eq(int, redir_framer_init(f, &cfg), REDIR_OK));
}

/* feed_all hands n bytes in as the framer takes them; every call of
 * redir_framer_next in between must want more. */
static void feed_all(redir_framer *f, const uint8_t *b, size_t n) {
    redir_framed p;
    for (size_t pos = 0, taken = 0; pos < n; pos += taken) {
        cr_assert(eq(int, redir_framer_next(f, &p, NULL), REDIR_DONE));
        cr_assert(eq(int, redir_framer_feed(f, &taken, b + pos, n - pos), REDIR_OK));
    }
    cr_assert(eq(int, redir_framer_next(f, &p, NULL), REDIR_DONE));
}

/* full_chunk feeds a 0xFFFFFF chunk with id seq. */
static void full_chunk(redir_framer *f, uint8_t seq) {
    uint8_t h[4] = {0xff, 0xff, 0xff, seq};
    feed_all(f, h, 4);
    feed_all(f, zero_chunk, sizeof zero_chunk);
}

Test(framer, payload_limit_counts_joined_chunks) {
    redir_framer f;
    big_framer(&f, REDIR_MAX_PACKET_PAYLOAD + 2);
    full_chunk(&f, 7);
    uint8_t h2[4] = {3, 0, 0, 8};
    size_t taken;
    cr_assert(eq(int, redir_framer_feed(&f, &taken, h2, 4), REDIR_OK));
    redir_framed p;
    redir_diag d;
    cr_assert(eq(int, redir_framer_next(&f, &p, &d), REDIR_E_FRAMER_PAYLOAD_LIMIT));
    cr_assert(eq(sz, d.offset, 4 + REDIR_MAX_PACKET_PAYLOAD));
}

Test(framer, sequence_expectation) {
    small t;
    small_init(&t, 0);
    cr_assert(eq(int, redir_framer_expect_seq(&t.f, 1), REDIR_OK));
    feed_hex(&t, "01 00 00 01 00  01 00 00 02 00  01 00 00 04 00");
    redir_framed p;
    redir_diag d;
    cr_assert(eq(int, redir_framer_next(&t.f, &p, &d), REDIR_OK));
    cr_assert(eq(int, redir_framer_next(&t.f, &p, &d), REDIR_OK));
    cr_assert(eq(u8, p.msg.next_seq, 3));
    cr_assert(eq(int, redir_framer_next(&t.f, &p, &d), REDIR_E_SEQUENCE));
    cr_assert(eq(sz, d.offset, 10));
    cr_assert(eq(int, redir_framer_expect_seq(&t.f, 256), REDIR_E_INVALID_ARGUMENT));
    cr_assert(eq(int, redir_framer_expect_seq(&t.f, -2), REDIR_E_INVALID_ARGUMENT));
}

Test(framer, continuation_chunks_must_follow) {
    redir_framer f;
    big_framer(&f, 0);
    full_chunk(&f, 0xff);
    /* The id wraps: 0xff is followed by 0x00, not 0x01. */
    uint8_t bad[4] = {0, 0, 0, 1};
    size_t taken;
    redir_framed p;
    redir_diag d;
    cr_assert(eq(int, redir_framer_feed(&f, &taken, bad, 4), REDIR_OK));
    cr_assert(eq(int, redir_framer_next(&f, &p, &d), REDIR_E_SEQUENCE));
    cr_assert(eq(sz, d.offset, 4 + REDIR_MAX_PACKET_PAYLOAD));
    redir_framer_reset(&f);
    full_chunk(&f, 0xff);
    uint8_t good[4] = {0, 0, 0, 0};
    cr_assert(eq(int, redir_framer_feed(&f, &taken, good, 4), REDIR_OK));
    cr_assert(eq(int, redir_framer_next(&f, &p, &d), REDIR_OK));
    cr_assert(eq(sz, p.msg.payload.len, REDIR_MAX_PACKET_PAYLOAD));
    cr_assert(eq(sz, p.msg.num_frames, 2));
    cr_assert(eq(u8, p.msg.first_seq, 0xff));
    cr_assert(eq(u8, p.msg.next_seq, 1));
    cr_assert(p.msg.payload.ptr == big_join2);
    cr_assert(eq(sz, p.wire.len, 0));
}

/* P2M_* frames from pcap2mysql-log__compressed.pcap (also in test_compress.c). */
Test(framer, compressed_sequence_and_limits) {
    small t;
    small_init(&t, 0);
    cr_assert(eq(int, redir_framer_set_compressed(&t.f, true), REDIR_OK));
    cr_assert(eq(int, redir_framer_expect_cseq(&t.f, 0), REDIR_OK));
    /* Two stored frames, ids 0 and 2. */
    feed_hex(&t, "05 00 00 00 00 00 00 01 00 00 00 01  05 00 00 02 00 00 00 01 00 00 00 01");
    redir_framed p;
    redir_diag d;
    cr_assert(eq(int, redir_framer_next(&t.f, &p, &d), REDIR_OK));
    cr_assert(p.compressed);
    cr_assert(eq(u8, p.msg.payload.ptr[0], 1));
    cr_assert(eq(int, redir_framer_next(&t.f, &p, &d), REDIR_E_FRAMER_CSEQUENCE));
    cr_assert(eq(sz, d.offset, 12));

    /* A frame that would inflate past the inflate buffer (64 bytes). */
    small_init(&t, 0);
    cr_assert(eq(int, redir_framer_set_compressed(&t.f, true), REDIR_OK));
    feed_hex(&t, "10 00 00 00 41 00 00");
    cr_assert(eq(int, redir_framer_next(&t.f, &p, &d), REDIR_E_FRAMER_INFLATE_LIMIT));
    cr_assert(eq(sz, d.offset, 0));

    /* A frame larger than the input buffer. */
    small_init(&t, 0);
    cr_assert(eq(int, redir_framer_set_compressed(&t.f, true), REDIR_OK));
    feed_hex(&t, "3a 00 00 00 20 00 00");
    cr_assert(eq(int, redir_framer_next(&t.f, &p, &d), REDIR_E_FRAMER_INPUT_FULL));

    /* Corrupt zlib. */
    small_init(&t, 0);
    cr_assert(eq(int, redir_framer_set_compressed(&t.f, true), REDIR_OK));
    feed_hex(&t, "04 00 00 00 08 00 00 78 9c 00 01");
    cr_assert(eq(int, redir_framer_next(&t.f, &p, &d), REDIR_E_ZLIB));
}

Test(framer, zlib_frame_without_inflate_buffer) {
    uint8_t in[64], join[64];
    redir_framer f;
    redir_framer_config cfg = {in, sizeof in, join, sizeof join, NULL, 0, NULL, 0, 0, 0,
                               NULL, NULL};
    cr_assert(eq(int, redir_framer_init(&f, &cfg), REDIR_OK));
    cr_assert(eq(int, redir_framer_set_compressed(&f, true), REDIR_OK));
    size_t n = 0, taken = 0;
    const uint8_t *b = hexbuf(0, "04 00 00 00 08 00 00 78 9c 00 01", &n);
    cr_assert(eq(int, redir_framer_feed(&f, &taken, b, n), REDIR_OK));
    redir_framed p;
    cr_assert(eq(int, redir_framer_next(&f, &p, NULL), REDIR_E_FRAMER_NO_INFLATE));
}

static size_t cframe_calls;
static void count_cframe(void *ctx, const redir_cframe *cf, uint64_t offset) {
    static const uint64_t at[] = {0, 14, 26};
    (void)ctx;
    cr_assert(cframe_calls < 3);
    cr_assert(eq(u8, cf->seq, (uint8_t)cframe_calls));
    cr_assert(eq(u64, offset, at[cframe_calls]));
    cframe_calls++;
}

Test(framer, cframe_callback_and_packet_split_across_frames) {
    uint8_t in[64], join[64], infl[64];
    redir_framer f;
    redir_framer_config cfg = {in, sizeof in, join, sizeof join, infl, sizeof infl, scratch,
                               sizeof scratch, 0, 0, count_cframe, NULL};
    cr_assert(eq(int, redir_framer_init(&f, &cfg), REDIR_OK));
    cr_assert(eq(int, redir_framer_set_compressed(&f, true), REDIR_OK));
    /* Stored frames: a one-byte packet and half the header of the next,
     * the rest of that header and "abc", then "de" and one byte of a third
     * packet's header. */
    size_t n = 0, taken = 0;
    const uint8_t *b = hexbuf(0,
                              "07 00 00 00 00 00 00 01 00 00 00 01 05 00"
                              "05 00 00 01 00 00 00 00 03 61 62 63"
                              "03 00 00 02 00 00 00 64 65 00",
                              &n);
    cr_assert(eq(int, redir_framer_feed(&f, &taken, b, n), REDIR_OK));
    redir_framed p;
    redir_diag d;
    cframe_calls = 0;
    cr_assert(eq(int, redir_framer_next(&f, &p, &d), REDIR_OK));
    cr_assert(eq(sz, p.msg.payload.len, 1));
    cr_assert(eq(sz, cframe_calls, 1));
    cr_assert(eq(int, redir_framer_next(&f, &p, &d), REDIR_OK));
    cr_assert(eq(sz, cframe_calls, 3));
    cr_assert(eq(sz, p.msg.payload.len, 5));
    cr_assert(eq(int, memcmp(p.msg.payload.ptr, "abcde", 5), 0));
    cr_assert(p.msg.payload.ptr == join);
    cr_assert(eq(u8, p.msg.first_seq, 3));
    cr_assert(eq(u64, p.offset, 5));
    cr_assert(eq(sz, p.wire.len, 0));
    cr_assert(eq(int, redir_framer_next(&f, &p, &d), REDIR_DONE));
    cr_assert(eq(int, redir_framer_finish(&f, &d), REDIR_E_TRUNCATED));
    cr_assert(eq(int, redir_framer_set_compressed(&f, false), REDIR_E_INVALID_ARGUMENT));
}

Test(framer, init_checks_its_buffers) {
    uint8_t in[64], join[64], infl[64];
    redir_framer f;
    redir_framer_config ok = {in, sizeof in, join, sizeof join, infl, sizeof infl, scratch,
                              sizeof scratch, 0, 0, NULL, NULL};
    redir_framer_config c = ok;
    c.in_cap = REDIR_FRAMER_MIN_INPUT - 1;
    cr_assert(eq(int, redir_framer_init(&f, &c), REDIR_E_INVALID_ARGUMENT));
    redir_framed p;
    cr_assert(eq(int, redir_framer_next(&f, &p, NULL), REDIR_E_INVALID_ARGUMENT));
    c = ok;
    c.max_payload = sizeof join + 1;
    cr_assert(eq(int, redir_framer_init(&f, &c), REDIR_E_INVALID_ARGUMENT));
    c = ok;
    c.max_inflated = sizeof infl + 1;
    cr_assert(eq(int, redir_framer_init(&f, &c), REDIR_E_INVALID_ARGUMENT));
    c = ok;
    c.scratch_len = 100;
    cr_assert(eq(int, redir_framer_init(&f, &c), REDIR_E_INVALID_ARGUMENT));
    c = ok;
    c.join = NULL;
    cr_assert(eq(int, redir_framer_init(&f, &c), REDIR_E_INVALID_ARGUMENT));
    cr_assert(eq(int, redir_framer_init(&f, &ok), REDIR_OK));
}

Test(framer, commit_and_buffered) {
    small t;
    small_init(&t, 0);
    size_t room = 0;
    uint8_t *w = redir_framer_space(&t.f, &room);
    cr_assert(eq(sz, room, sizeof t.in));
    cr_assert(eq(int, redir_framer_commit(&t.f, room + 1), REDIR_E_INVALID_ARGUMENT));
    /* An SSLRequest-sized packet followed by the start of a TLS record. */
    memcpy(w, "\x01\x00\x00\x01\x0f\x16\x03\x01", 8);
    cr_assert(eq(int, redir_framer_commit(&t.f, 8), REDIR_OK));
    redir_framed p;
    cr_assert(eq(int, redir_framer_next(&t.f, &p, NULL), REDIR_OK));
    redir_span rest = redir_framer_buffered(&t.f);
    cr_assert(eq(sz, rest.len, 3));
    cr_assert(eq(u8, rest.ptr[0], 0x16));
    /* Switching mid-packet is refused. */
    small_init(&t, 0);
    feed_hex(&t, "30 00 00 00 01 02");
    cr_assert(eq(int, redir_framer_next(&t.f, &p, NULL), REDIR_DONE));
    cr_assert(eq(int, redir_framer_set_compressed(&t.f, true), REDIR_OK));
    redir_framer_reset(&t.f);
    /* ...but a packet larger than the input buffer is joined as it comes,
     * and then the switch is refused. */
    uint8_t in[16], join[64];
    redir_framer f;
    redir_framer_config cfg = {in, sizeof in, join, sizeof join, NULL, 0, NULL, 0, 0, 0,
                               NULL, NULL};
    cr_assert(eq(int, redir_framer_init(&f, &cfg), REDIR_OK));
    size_t n = 0, taken = 0;
    const uint8_t *b = hexbuf(0, "20 00 00 00 01 02", &n);
    cr_assert(eq(int, redir_framer_feed(&f, &taken, b, n), REDIR_OK));
    cr_assert(eq(int, redir_framer_next(&f, &p, NULL), REDIR_DONE));
    cr_assert(eq(int, redir_framer_set_compressed(&f, true), REDIR_E_INVALID_ARGUMENT));
    cr_assert(eq(sz, redir_framer_buffered(&f).len, 0));
}
