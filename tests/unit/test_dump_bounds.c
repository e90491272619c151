/* redir_dump: hostile captures cost bounded work and memory — a flow table
 * that no choice of endpoints can degrade, an out-of-order store bounded in
 * segments as well as bytes, and sequence jumps reported as gaps. */
#ifdef REDIR_HAVE_DUMP

#include <criterion/criterion.h>
#include <criterion/new/assert.h>
#include <sodium.h>
#include <string.h>

#include "dump_internal.h"

static uint64_t gaps, gap_bytes, packets, opens, closes;

static void count(void *ctx, const dump_event *ev) {
    (void)ctx;
    switch (ev->type) {
    case DUMP_EV_GAP:
        gaps++;
        gap_bytes += ev->bytes;
        break;
    case DUMP_EV_PACKET:
        packets++;
        break;
    case DUMP_EV_FLOW_OPEN:
        opens++;
        break;
    case DUMP_EV_FLOW_CLOSE:
        closes++;
        break;
    default:
        break;
    }
}

static void reset_counts(void) { gaps = gap_bytes = packets = opens = closes = 0; }

static void feed(dump_session *s, const dump_endpoint *src, const dump_endpoint *dst, uint32_t seq,
                 uint8_t flags, const uint8_t *p, size_t n) {
    static uint64_t frame;
    dump_segment g;
    memset(&g, 0, sizeof g);
    g.src = *src;
    g.dst = *dst;
    g.seq = seq;
    g.flags = flags;
    g.payload = p;
    g.len = n;
    dump_time t = {1000, 0};
    dump_feed_segment(s, t, ++frame, &g);
}

static size_t longest_chain(const dump_session *s) {
    size_t best = 0;
    for (size_t b = 0; b < s->table_size; b++) {
        size_t n = 0;
        for (const dump_flow_internal *f = s->table[b]; f != NULL; f = f->hnext) {
            n++;
        }
        best = n > best ? n : best;
    }
    return best;
}

/* The bucket the session's hash gives a client endpoint talking to srv,
 * computed the way a capture author who knew the key could. */
static size_t bucket_of(const dump_config *cfg, size_t table_size, const dump_endpoint *c,
                        const dump_endpoint *srv) {
    uint8_t in[38];
    const dump_endpoint *lo = c, *hi = srv;
    if (memcmp(c->ip, srv->ip, 16) > 0 ||
        (memcmp(c->ip, srv->ip, 16) == 0 && c->port > srv->port)) {
        lo = srv;
        hi = c;
    }
    const dump_endpoint *order[2] = {lo, hi};
    for (int i = 0; i < 2; i++) {
        in[19 * i] = order[i]->family;
        memcpy(in + 19 * i + 1, order[i]->ip, 16);
        in[19 * i + 17] = (uint8_t)(order[i]->port >> 8);
        in[19 * i + 18] = (uint8_t)order[i]->port;
    }
    uint8_t h[crypto_shorthash_BYTES];
    crypto_shorthash(h, in, sizeof in, cfg->hash_key);
    uint64_t v = 0;
    for (size_t i = 0; i < 8; i++) {
        v = (v << 8) | h[i];
    }
    return (size_t)(v & (table_size - 1));
}

Test(dump_bounds, colliding_endpoints_never_make_a_long_chain) {
    cr_assert(sodium_init() >= 0);
    dump_config cfg;
    dump_config_init(&cfg);
    cfg.max_flows = 1000; /* a 1024-bucket table */
    cfg.fixed_hash_key = true;
    memset(cfg.hash_key, 0x5a, sizeof cfg.hash_key);
    reset_counts();
    dump_session *s = dump_session_new(&cfg, count, NULL);
    cr_assert(s != NULL);
    cr_assert(eq(sz, s->table_size, 1024));

    /* Forty clients whose connections all hash to one bucket. */
    dump_endpoint srv = {4, {10, 0, 0, 2}, 3306};
    size_t target = SIZE_MAX, found = 0;
    for (uint32_t i = 0; found < 40 && i < 2000000; i++) {
        dump_endpoint c = {4, {10, (uint8_t)(i >> 16), (uint8_t)(i >> 8), (uint8_t)i}, 40000};
        size_t b = bucket_of(&cfg, s->table_size, &c, &srv);
        if (target == SIZE_MAX) {
            target = b;
        }
        if (b != target) {
            continue;
        }
        found++;
        feed(s, &c, &srv, 1000, DUMP_TCP_SYN, NULL, 0);
    }
    cr_assert(eq(sz, found, 40));
    cr_assert(eq(sz, opens, 40));
    cr_assert(le(sz, longest_chain(s), DUMP_BUCKET_MAX));
    cr_assert(eq(u64, dump_session_stats(s)->evicted_flows, 40 - DUMP_BUCKET_MAX));
    cr_assert(eq(u64, closes, 40 - DUMP_BUCKET_MAX), "every eviction ends its flow visibly");
    dump_session_finish(s);
    dump_session_free(s);
}

Test(dump_bounds, random_key_differs_per_session) {
    dump_session *a = dump_session_new(NULL, NULL, NULL);
    dump_session *b = dump_session_new(NULL, NULL, NULL);
    cr_assert(a != NULL && b != NULL);
    cr_assert(ne(int, memcmp(a->hash_key, b->hash_key, sizeof a->hash_key), 0));
    dump_session_free(a);
    dump_session_free(b);
}

static const dump_endpoint cli = {4, {10, 0, 0, 1}, 40000};
static const dump_endpoint srv = {4, {10, 0, 0, 2}, 3306};

/* A hole followed by many one-byte segments: the store never holds more than
 * its segment bound, each overflow is a reported gap, and every byte is either
 * delivered or counted in a gap. */
Test(dump_bounds, one_byte_segments_after_a_hole_are_bounded) {
    dump_config cfg;
    dump_config_init(&cfg);
    cfg.max_ooo_segments = 256;
    reset_counts();
    dump_session *s = dump_session_new(&cfg, count, NULL);
    cr_assert(s != NULL);
    feed(s, &cli, &srv, 1000, DUMP_TCP_SYN, NULL, 0);
    feed(s, &srv, &cli, 5000, DUMP_TCP_SYN | DUMP_TCP_ACK, NULL, 0);
    const uint32_t base = 5001, n = 20000;
    uint8_t x = 0x41;
    size_t most = 0;
    /* byte 0 is never sent: bytes 1.. arrive one at a time, in reverse
     * order within each block of 64 so that the heap really has to sort. */
    for (uint32_t blk = 0; blk < n / 64; blk++) {
        for (uint32_t k = 64; k-- > 0;) {
            feed(s, &srv, &cli, base + 1 + blk * 64 + k, DUMP_TCP_ACK, &x, 1);
        }
        dump_flow_internal *f = s->lru_head;
        size_t waiting = f->d[DUMP_S2C].ooo_count;
        most = waiting > most ? waiting : most;
    }
    cr_assert(le(sz, most, 256));
    cr_assert(gt(u64, gaps, 0));
    dump_flow_internal *f = s->lru_head;
    uint64_t delivered = f->pub.bytes[DUMP_S2C];
    dump_session_finish(s);
    cr_assert(eq(u64, gap_bytes, 1), "only the missing first byte is a gap (got %llu)",
              (unsigned long long)gap_bytes);
    (void)delivered;
    dump_session_free(s);
}

/* A greeting, then the next packet more than 1 GiB further on: the jump is a
 * gap and the packet after it is still decoded. */
Test(dump_bounds, sequence_jump_over_a_gibibyte_resyncs) {
    reset_counts();
    dump_session *s = dump_session_new(NULL, count, NULL);
    cr_assert(s != NULL);
    static const uint8_t greeting[] = {
        0x36, 0x00, 0x00, 0x00, 0x0a, 0x35, 0x2e, 0x35, 0x2e, 0x32, 0x2d, 0x6d, 0x32, 0x00,
        0x52, 0x00, 0x00, 0x00, 0x22, 0x3d, 0x4e, 0x50, 0x29, 0x75, 0x39, 0x56, 0x00, 0xff,
        0xff, 0x08, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x29, 0x64, 0x40, 0x52, 0x5c, 0x55, 0x78, 0x7a, 0x7c, 0x21, 0x29,
        0x4b, 0x00};
    static const uint8_t err[] = {0x0d, 0x00, 0x00, 0x02, 0xff, 0x15, 0x04, 0x23, 0x32,
                                  0x38, 0x30, 0x30, 0x30, 0x64, 0x65, 0x6e, 0x79};
    feed(s, &cli, &srv, 1000, DUMP_TCP_SYN, NULL, 0);
    feed(s, &srv, &cli, 5000, DUMP_TCP_SYN | DUMP_TCP_ACK, NULL, 0);
    feed(s, &srv, &cli, 5001, DUMP_TCP_ACK, greeting, sizeof greeting);
    uint32_t far = 5001 + (uint32_t)sizeof greeting + (1u << 30) + 12345;
    feed(s, &srv, &cli, far, DUMP_TCP_ACK, err, sizeof err);
    cr_assert(eq(u64, gaps, 1));
    cr_assert(eq(u64, gap_bytes, (1u << 30) + 12345));
    cr_assert(eq(u64, packets, 2), "the ERR after the jump is decoded");
    dump_session_finish(s);
    dump_session_free(s);
}

#endif
