/* Session, flow table and TCP reassembly. */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "dump_internal.h"

/* ------------------------------------------------------------------ session */

dump_session *dump_session_new(const dump_config *cfg, dump_event_fn fn, void *ctx) {
    dump_session *s = calloc(1, sizeof *s);
    if (s == NULL) {
        return NULL;
    }
    dump_config def;
    dump_config_init(&def);
    if (cfg != NULL) {
        s->cfg = *cfg;
        if (s->cfg.max_flows == 0) {
            s->cfg.max_flows = def.max_flows;
        }
        if (s->cfg.max_stream_buffer == 0) {
            s->cfg.max_stream_buffer = def.max_stream_buffer;
        }
        if (s->cfg.max_ooo_bytes == 0) {
            s->cfg.max_ooo_bytes = def.max_ooo_bytes;
        }
        if (s->cfg.max_ooo_segments == 0) {
            s->cfg.max_ooo_segments = def.max_ooo_segments;
        }
        if (s->cfg.max_message == 0) {
            s->cfg.max_message = def.max_message;
        }
        if (s->cfg.num_ports > DUMP_MAX_PORTS) {
            s->cfg.num_ports = DUMP_MAX_PORTS;
        }
    } else {
        s->cfg = def;
    }
    /* A frame header must always fit, whatever the caller configured. */
    if (s->cfg.max_stream_buffer < 64) {
        s->cfg.max_stream_buffer = 64;
    }
    s->fn = fn;
    s->ctx = ctx;
    s->next_flow_id = 1;
    size_t ts = 1024;
    while (ts < s->cfg.max_flows && ts < ((size_t)1 << 22)) {
        ts *= 2;
    }
    s->table_size = ts;
    if (s->cfg.fixed_hash_key) {
        memcpy(s->hash_key, s->cfg.hash_key, sizeof s->hash_key);
    } else {
        if (sodium_init() < 0) {
            free(s);
            return NULL;
        }
        randombytes_buf(s->hash_key, sizeof s->hash_key);
    }
    s->table = calloc(ts, sizeof *s->table);
    if (s->table == NULL) {
        free(s);
        return NULL;
    }
    return s;
}

const dump_stats *dump_session_stats(const dump_session *s) { return &s->stats; }

void dump_stats_reset(dump_session *s) { memset(&s->stats, 0, sizeof s->stats); }

static bool is_server_port(const dump_session *s, uint16_t port) {
    if (port == 3306) {
        return true;
    }
    for (size_t i = 0; i < s->cfg.num_ports; i++) {
        if (s->cfg.ports[i] == port) {
            return true;
        }
    }
    return false;
}

static bool ep_eq(const dump_endpoint *x, const dump_endpoint *y) {
    return x->family == y->family && x->port == y->port && memcmp(x->ip, y->ip, 16) == 0;
}

static int ep_cmp(const dump_endpoint *x, const dump_endpoint *y) {
    if (x->family != y->family) {
        return x->family < y->family ? -1 : 1;
    }
    int c = memcmp(x->ip, y->ip, 16);
    if (c != 0) {
        return c;
    }
    return x->port == y->port ? 0 : (x->port < y->port ? -1 : 1);
}

static size_t ep_put(uint8_t *out, const dump_endpoint *e) {
    out[0] = e->family;
    memcpy(out + 1, e->ip, 16);
    out[17] = (uint8_t)(e->port >> 8);
    out[18] = (uint8_t)e->port;
    return 19;
}

/* Keyed and symmetric: the endpoints are hashed in a canonical order, so both
 * directions of a connection land in the same bucket, and without the key no
 * one can choose endpoints that collide. */
static size_t flow_bucket(const dump_session *s, const dump_endpoint *a, const dump_endpoint *b) {
    uint8_t in[38];
    bool swap = ep_cmp(a, b) > 0;
    size_t n = ep_put(in, swap ? b : a);
    n += ep_put(in + n, swap ? a : b);
    uint8_t h[crypto_shorthash_BYTES];
    crypto_shorthash(h, in, n, s->hash_key);
    uint64_t v = 0;
    for (size_t i = 0; i < sizeof v; i++) {
        v = (v << 8) | h[i];
    }
    return (size_t)(v & (s->table_size - 1));
}

static void lru_unlink(dump_session *s, dump_flow_internal *f) {
    if (f->lprev != NULL) {
        f->lprev->lnext = f->lnext;
    } else {
        s->lru_head = f->lnext;
    }
    if (f->lnext != NULL) {
        f->lnext->lprev = f->lprev;
    } else {
        s->lru_tail = f->lprev;
    }
    f->lprev = f->lnext = NULL;
}

static void lru_push(dump_session *s, dump_flow_internal *f) {
    f->lprev = NULL;
    f->lnext = s->lru_head;
    if (s->lru_head != NULL) {
        s->lru_head->lprev = f;
    }
    s->lru_head = f;
    if (s->lru_tail == NULL) {
        s->lru_tail = f;
    }
}

static void dir_free(dump_dirstate *d) {
    for (size_t i = 0; i < d->ooo_count; i++) {
        free(d->ooo[i]);
    }
    free(d->ooo);
    d->ooo = NULL;
    d->ooo_count = 0;
    d->ooo_cap = 0;
    d->ooo_bytes = 0;
    dump__buf_free(&d->raw);
    dump__buf_free(&d->inner);
    dump__buf_free(&d->join);
}

static void flow_remove(dump_session *s, dump_flow_internal *f) {
    size_t b = flow_bucket(s, &f->a, &f->b);
    dump_flow_internal **pp = &s->table[b];
    while (*pp != NULL && *pp != f) {
        pp = &(*pp)->hnext;
    }
    if (*pp == f) {
        *pp = f->hnext;
    }
    lru_unlink(s, f);
    dir_free(&f->d[0]);
    dir_free(&f->d[1]);
    s->num_flows--;
    free(f);
}

/* ------------------------------------------------------------- reassembly */

static int32_t seq_diff(uint32_t a, uint32_t b) { return (int32_t)(a - b); }

static void deliver(dump_session *s, dump_flow_internal *f, dump_dir dir, const uint8_t *p, size_t n,
                    bool seg_start) {
    if (n == 0) {
        return;
    }
    f->pub.bytes[dir] += n;
    if (f->tracked) {
        dump__stream_data(s, f, dir, p, n, seg_start);
    }
}

static void declare_gap(dump_session *s, dump_flow_internal *f, dump_dir dir, uint32_t to) {
    dump_dirstate *d = &f->d[dir];
    uint64_t n = (uint32_t)(to - d->next_seq);
    d->next_seq = to;
    if (n == 0) {
        return;
    }
    if (f->tracked) {
        f->pub.gaps[dir]++;
        f->pub.gap_bytes[dir] += n;
        s->stats.gaps++;
        s->stats.gap_bytes += n;
        dump__emit_simple(s, f, DUMP_EV_GAP, dir, n, NULL);
        dump__stream_gap(s, f, dir);
    }
}

/* ------------------------------------------------- out-of-order heap */

/* ooo_before: a is delivered before b (lower sequence number; on a tie the
 * longer segment, so the shorter one is then seen as a retransmission). */
static bool ooo_before(const dump_ooo *a, const dump_ooo *b) {
    int32_t d = seq_diff(a->seq, b->seq);
    return d < 0 || (d == 0 && a->len > b->len);
}

static void ooo_sift_up(dump_dirstate *d, size_t i) {
    while (i > 0) {
        size_t parent = (i - 1) / 2;
        if (!ooo_before(d->ooo[i], d->ooo[parent])) {
            return;
        }
        dump_ooo *t = d->ooo[i];
        d->ooo[i] = d->ooo[parent];
        d->ooo[parent] = t;
        i = parent;
    }
}

static void ooo_sift_down(dump_dirstate *d, size_t i) {
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;
        if (l < d->ooo_count && ooo_before(d->ooo[l], d->ooo[m])) {
            m = l;
        }
        if (r < d->ooo_count && ooo_before(d->ooo[r], d->ooo[m])) {
            m = r;
        }
        if (m == i) {
            return;
        }
        dump_ooo *t = d->ooo[i];
        d->ooo[i] = d->ooo[m];
        d->ooo[m] = t;
        i = m;
    }
}

static dump_ooo *ooo_pop(dump_dirstate *d) {
    dump_ooo *top = d->ooo[0];
    d->ooo[0] = d->ooo[--d->ooo_count];
    ooo_sift_down(d, 0);
    d->ooo_bytes -= top->len;
    return top;
}

/* drain delivers out-of-order segments that have become contiguous. */
static void drain(dump_session *s, dump_flow_internal *f, dump_dir dir) {
    dump_dirstate *d = &f->d[dir];
    while (d->ooo_count > 0 && seq_diff(d->ooo[0]->seq, d->next_seq) <= 0) {
        dump_ooo *o = ooo_pop(d);
        uint32_t skip = (uint32_t)(d->next_seq - o->seq);
        if (skip < o->len) {
            uint32_t n = o->len - skip;
            d->next_seq += n;
            dump_time save_ts = s->cur_ts;
            uint64_t save_frame = s->cur_frame;
            s->cur_ts = o->ts;
            s->cur_frame = o->frame;
            deliver(s, f, dir, o->data + skip, n, skip == 0);
            s->cur_ts = save_ts;
            s->cur_frame = save_frame;
            f->pub.retrans_bytes[dir] += skip;
        } else {
            f->pub.retrans_bytes[dir] += o->len;
        }
        free(o);
    }
}

/* check_hole declares the hole before the first waiting segment lost when the
 * peer has acknowledged bytes past its start, or when too much is waiting
 * (bytes or segments). */
static void check_hole(dump_session *s, dump_flow_internal *f, dump_dir dir) {
    dump_dirstate *d = &f->d[dir];
    while (d->ooo_count > 0) {
        bool acked = d->has_peer_ack && seq_diff(d->peer_ack, d->next_seq) > 0;
        bool full = d->ooo_bytes > s->cfg.max_ooo_bytes ||
                    d->ooo_count > s->cfg.max_ooo_segments;
        if (!acked && !full) {
            return;
        }
        declare_gap(s, f, dir, d->ooo[0]->seq);
        drain(s, f, dir);
    }
}

static void ooo_insert(dump_session *s, dump_flow_internal *f, dump_dir dir, uint32_t seq,
                       const uint8_t *p, size_t n) {
    dump_dirstate *d = &f->d[dir];
    if (n == 0 || n > UINT32_MAX / 2) {
        return;
    }
    if (d->ooo_count == d->ooo_cap) {
        /* check_hole keeps the count at most max_ooo_segments, so the array
         * never grows past one more than that. */
        size_t cap = d->ooo_cap ? d->ooo_cap * 2 : 16;
        if (cap > s->cfg.max_ooo_segments + 1) {
            cap = s->cfg.max_ooo_segments + 1;
        }
        if (cap <= d->ooo_count) {
            return;
        }
        dump_ooo **na = realloc(d->ooo, cap * sizeof *na);
        if (na == NULL) {
            return;
        }
        d->ooo = na;
        d->ooo_cap = cap;
    }
    dump_ooo *o = malloc(sizeof *o + n);
    if (o == NULL) {
        return;
    }
    o->seq = seq;
    o->len = (uint32_t)n;
    o->ts = s->cur_ts;
    o->frame = s->cur_frame;
    memcpy(o->data, p, n);
    d->ooo[d->ooo_count++] = o;
    ooo_sift_up(d, d->ooo_count - 1);
    d->ooo_bytes += n;
}

static void tcp_data(dump_session *s, dump_flow_internal *f, dump_dir dir, uint32_t seq,
                     const uint8_t *p, size_t n) {
    dump_dirstate *d = &f->d[dir];
    if (!d->isn_known) {
        d->isn_known = true;
        d->next_seq = seq;
    }
    int32_t rel = seq_diff(seq, d->next_seq);
    if (rel <= 0) {
        size_t skip = (size_t)(-(int64_t)rel);
        if (skip >= n) {
            f->pub.retrans_bytes[dir] += n;
            return;
        }
        f->pub.retrans_bytes[dir] += skip;
        d->next_seq += (uint32_t)(n - skip);
        deliver(s, f, dir, p + skip, n - skip, skip == 0);
        drain(s, f, dir);
        return;
    }
    if (rel > (int32_t)(1 << 30)) {
        /* No hole this wide is ever filled from a capture: what waits is
         * delivered after its own gaps, the jump is reported as a gap, and
         * the stream resynchronises at this segment. */
        while (d->ooo_count > 0) {
            declare_gap(s, f, dir, d->ooo[0]->seq);
            drain(s, f, dir);
        }
        declare_gap(s, f, dir, seq);
        d->next_seq += (uint32_t)n;
        deliver(s, f, dir, p, n, true);
        return;
    }
    ooo_insert(s, f, dir, seq, p, n);
    check_hole(s, f, dir);
}

static void flush_dir(dump_session *s, dump_flow_internal *f, dump_dir dir) {
    dump_dirstate *d = &f->d[dir];
    while (d->ooo_count > 0) {
        declare_gap(s, f, dir, d->ooo[0]->seq);
        drain(s, f, dir);
    }
}

/* flow_end flushes a flow and reports its end; the entry stays (without
 * buffers) so that late segments of the connection are ignored. */
static void flow_end(dump_session *s, dump_flow_internal *f) {
    if (f->finished) {
        return;
    }
    flush_dir(s, f, DUMP_C2S);
    flush_dir(s, f, DUMP_S2C);
    if (f->tracked) {
        if (f->pub.phase != DUMP_PHASE_TLS) {
            f->pub.phase = DUMP_PHASE_CLOSED;
        }
        dump__emit_simple(s, f, DUMP_EV_FLOW_CLOSE, DUMP_C2S, 0, NULL);
    }
    f->finished = true;
    dir_free(&f->d[0]);
    dir_free(&f->d[1]);
}

static void flow_close(dump_session *s, dump_flow_internal *f) {
    flow_end(s, f);
    flow_remove(s, f);
}

void dump_session_finish(dump_session *s) {
    while (s->lru_tail != NULL) {
        flow_close(s, s->lru_tail);
    }
}

void dump_session_free(dump_session *s) {
    if (s == NULL) {
        return;
    }
    while (s->lru_tail != NULL) {
        flow_remove(s, s->lru_tail);
    }
    free(s->table);
    free(s->inflate_scratch);
    free(s);
}

/* ------------------------------------------------------------------- flows */

static dump_flow_internal *flow_find(dump_session *s, const dump_segment *seg, bool *a_is_src) {
    size_t b = flow_bucket(s, &seg->src, &seg->dst);
    for (dump_flow_internal *f = s->table[b]; f != NULL; f = f->hnext) {
        if (ep_eq(&f->a, &seg->src) && ep_eq(&f->b, &seg->dst)) {
            *a_is_src = true;
            return f;
        }
        if (ep_eq(&f->a, &seg->dst) && ep_eq(&f->b, &seg->src)) {
            *a_is_src = false;
            return f;
        }
    }
    return NULL;
}

static void flow_track(dump_session *s, dump_flow_internal *f) {
    f->tracked = true;
    f->pub.id = s->next_flow_id++;
    s->stats.flows++;
    f->pub.client = f->a_is_client ? f->a : f->b;
    f->pub.server = f->a_is_client ? f->b : f->a;
    dump__proto_init(f, !f->syn_seen);
    dump__emit_simple(s, f, DUMP_EV_FLOW_OPEN, DUMP_C2S, 0, NULL);
}

/* make_room_in_bucket keeps every chain at most DUMP_BUCKET_MAX long, so a
 * lookup is bounded even if the hash were ever predicted: a full bucket gives
 * up its least recently active flow, counted as an eviction. */
static void make_room_in_bucket(dump_session *s, size_t b) {
    size_t len = 0;
    dump_flow_internal *oldest = NULL;
    for (dump_flow_internal *g = s->table[b]; g != NULL; g = g->hnext) {
        len++;
        if (oldest == NULL || g->last_active < oldest->last_active) {
            oldest = g;
        }
    }
    if (len >= DUMP_BUCKET_MAX) {
        s->stats.evicted_flows++;
        flow_close(s, oldest);
    }
}

static dump_flow_internal *flow_create(dump_session *s, const dump_segment *seg) {
    if (s->num_flows >= s->cfg.max_flows && s->lru_tail != NULL) {
        s->stats.evicted_flows++;
        flow_close(s, s->lru_tail);
    }
    dump_flow_internal *f = calloc(1, sizeof *f);
    if (f == NULL) {
        return NULL;
    }
    f->a = seg->src;
    f->b = seg->dst;
    bool syn = (seg->flags & DUMP_TCP_SYN) != 0;
    bool ack = (seg->flags & DUMP_TCP_ACK) != 0;
    bool src_srv = is_server_port(s, seg->src.port);
    bool dst_srv = is_server_port(s, seg->dst.port);
    f->port_match = src_srv || dst_srv;
    if (syn) {
        f->syn_seen = true;
        f->a_is_client = !ack;
    } else if (seg->len > 0 && dump__looks_like_greeting(seg->payload, seg->len)) {
        f->a_is_client = false;
    } else if (src_srv != dst_srv) {
        f->a_is_client = dst_srv;
    } else {
        f->a_is_client = seg->src.port > seg->dst.port;
    }
    size_t b = flow_bucket(s, &f->a, &f->b);
    make_room_in_bucket(s, b);
    f->hnext = s->table[b];
    s->table[b] = f;
    lru_push(s, f);
    s->num_flows++;
    if (f->port_match) {
        flow_track(s, f);
    } else if (!s->cfg.detect_greeting) {
        f->rejected = true;
    }
    return f;
}

void dump_feed_segment(dump_session *s, dump_time ts, uint64_t frame_no, const dump_segment *seg) {
    s->cur_ts = ts;
    s->cur_frame = frame_no;
    s->stats.tcp_segments++;
    bool a_is_src = true;
    dump_flow_internal *f = flow_find(s, seg, &a_is_src);
    bool syn = (seg->flags & DUMP_TCP_SYN) != 0;
    bool ack = (seg->flags & DUMP_TCP_ACK) != 0;
    if (f != NULL && syn && !ack) {
        /* A new connection reusing the address pair: the old one is over
         * unless this is its own SYN retransmitted. */
        dump_dirstate *d = &f->d[DUMP_C2S];
        bool same = !f->finished && f->syn_seen && (a_is_src == f->a_is_client) &&
                    d->isn_known && d->next_seq == seg->seq + 1;
        if (!same) {
            flow_close(s, f);
            f = NULL;
        }
    }
    if (f == NULL) {
        f = flow_create(s, seg);
        if (f == NULL) {
            return;
        }
        a_is_src = true;
    } else if (f != s->lru_head) {
        lru_unlink(s, f);
        lru_push(s, f);
    }
    f->last_active = ++s->activity;
    if (f->rejected || f->finished) {
        return;
    }
    dump_dir dir = (a_is_src == f->a_is_client) ? DUMP_C2S : DUMP_S2C;
    if (!f->tracked && seg->len > 0) {
        /* Not a MySQL port: track it only if its responder opens with a
         * greeting. */
        if (dump__looks_like_greeting(seg->payload, seg->len)) {
            if (dir == DUMP_C2S) {
                f->a_is_client = !f->a_is_client;
                dir = DUMP_S2C;
                dump_dirstate tmp = f->d[0];
                f->d[0] = f->d[1];
                f->d[1] = tmp;
            }
            flow_track(s, f);
        } else {
            f->rejected = true;
            dir_free(&f->d[0]);
            dir_free(&f->d[1]);
            return;
        }
    }
    dump_dirstate *d = &f->d[dir];
    dump_dirstate *o = &f->d[1 - dir];
    d->seen = true;
    if (syn) {
        if (!d->isn_known || f->pub.bytes[dir] == 0) {
            d->isn_known = true;
            d->next_seq = seg->seq + 1;
        }
        if (!f->syn_seen) {
            f->syn_seen = true;
        }
    }
    if (ack) {
        if (!o->has_peer_ack || seq_diff(seg->ack, o->peer_ack) > 0) {
            o->peer_ack = seg->ack;
            o->has_peer_ack = true;
        }
    }
    if (seg->len > 0) {
        uint32_t seq = seg->seq + (syn ? 1u : 0u);
        tcp_data(s, f, dir, seq, seg->payload, seg->len);
    }
    if (o->ooo_count > 0) {
        check_hole(s, f, (dump_dir)(1 - dir));
    }
    if ((seg->flags & DUMP_TCP_RST) != 0) {
        flow_end(s, f);
        return;
    }
    if ((seg->flags & DUMP_TCP_FIN) != 0) {
        f->closed_dir[dir] = true;
        if (f->closed_dir[0] && f->closed_dir[1] && f->d[0].ooo_count == 0 &&
            f->d[1].ooo_count == 0) {
            flow_end(s, f);
        }
    }
}

bool dump_feed_frame(dump_session *s, int dlt, dump_time ts, uint64_t frame_no,
                     const uint8_t *data, size_t caplen) {
    dump_segment seg;
    s->stats.frames++;
    if (!dump_parse_frame(dlt, data, caplen, &seg)) {
        s->stats.undecodable_frames++;
        return false;
    }
    dump_feed_segment(s, ts, frame_no, &seg);
    return true;
}
