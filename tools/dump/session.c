/* Session, flow table and TCP reassembly. */
#include <stdlib.h>
#include <string.h>

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

static uint64_t ep_hash(const dump_endpoint *e) {
    uint64_t h = 1469598103934665603u;
    for (size_t i = 0; i < 16; i++) {
        h = (h ^ e->ip[i]) * 1099511628211u;
    }
    h = (h ^ e->port) * 1099511628211u;
    return h ^ (h >> 29);
}

/* Symmetric: both directions of a connection land in the same bucket. */
static size_t flow_bucket(const dump_session *s, const dump_endpoint *a, const dump_endpoint *b) {
    return (size_t)((ep_hash(a) ^ ep_hash(b)) & (s->table_size - 1));
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
    dump_ooo *o = d->ooo;
    while (o != NULL) {
        dump_ooo *n = o->next;
        free(o);
        o = n;
    }
    d->ooo = NULL;
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

/* drain delivers out-of-order segments that have become contiguous. */
static void drain(dump_session *s, dump_flow_internal *f, dump_dir dir) {
    dump_dirstate *d = &f->d[dir];
    while (d->ooo != NULL && seq_diff(d->ooo->seq, d->next_seq) <= 0) {
        dump_ooo *o = d->ooo;
        d->ooo = o->next;
        d->ooo_bytes -= o->len;
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
 * peer has acknowledged bytes past its start, or when too much is waiting. */
static void check_hole(dump_session *s, dump_flow_internal *f, dump_dir dir) {
    dump_dirstate *d = &f->d[dir];
    while (d->ooo != NULL) {
        bool acked = d->has_peer_ack && seq_diff(d->peer_ack, d->next_seq) > 0;
        bool full = d->ooo_bytes > s->cfg.max_ooo_bytes;
        if (!acked && !full) {
            return;
        }
        declare_gap(s, f, dir, d->ooo->seq);
        drain(s, f, dir);
    }
}

static void ooo_insert(dump_session *s, dump_flow_internal *f, dump_dir dir, uint32_t seq,
                       const uint8_t *p, size_t n) {
    dump_dirstate *d = &f->d[dir];
    if (n > UINT32_MAX / 2) {
        return;
    }
    dump_ooo **pp = &d->ooo;
    while (*pp != NULL && seq_diff((*pp)->seq, seq) < 0) {
        pp = &(*pp)->next;
    }
    if (*pp != NULL && (*pp)->seq == seq && (*pp)->len >= n) {
        f->pub.retrans_bytes[dir] += n; /* same segment seen twice */
        return;
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
    o->next = *pp;
    *pp = o;
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
        return; /* nonsense sequence number */
    }
    ooo_insert(s, f, dir, seq, p, n);
    check_hole(s, f, dir);
}

static void flush_dir(dump_session *s, dump_flow_internal *f, dump_dir dir) {
    dump_dirstate *d = &f->d[dir];
    while (d->ooo != NULL) {
        declare_gap(s, f, dir, d->ooo->seq);
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
    if (o->ooo != NULL) {
        check_hole(s, f, (dump_dir)(1 - dir));
    }
    if ((seg->flags & DUMP_TCP_RST) != 0) {
        flow_end(s, f);
        return;
    }
    if ((seg->flags & DUMP_TCP_FIN) != 0) {
        f->closed_dir[dir] = true;
        if (f->closed_dir[0] && f->closed_dir[1] && f->d[0].ooo == NULL &&
            f->d[1].ooo == NULL) {
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
