/* Streaming framer: the same packets and the same ending whatever the
 * chunking and whichever way bytes are handed in; nothing written outside
 * the lent buffers; views inside them; in the plain protocol with no limit
 * hit, the packets redir_message_decode finds over the whole input.
 *
 * Input: byte 0 flags (bit 0 compressed from the start, bit 1 switch to
 * compression after the first packet, bit 2 check sequence ids from 0, bit 3
 * check compressed ids from 0, bits 4-7 the input buffer size), byte 1 the
 * payload limit, byte 2 seeds the chunking; the rest is the stream. */
#include "fuzz_common.h"

#define GUARD 64u
#define JOIN_MAX 4096u
#define INFLATE_MAX 4096u
#define IN_MAX (16u + 15u * 97u)

static uint8_t in_mem[IN_MAX + 2 * GUARD];
static uint8_t join_mem[JOIN_MAX + 2 * GUARD];
static uint8_t inflate_mem[INFLATE_MAX + 2 * GUARD];
static uint8_t scratch[REDIR_INFLATE_SCRATCH_SIZE];
static uint8_t ref_join[JOIN_MAX];

typedef struct out_rec {
    uint64_t hash;
    size_t len;
    uint8_t first_seq, next_seq;
    size_t frames;
    uint64_t offset;
} out_rec;

#define MAX_RECS 512
typedef struct run_result {
    out_rec recs[MAX_RECS];
    size_t n;
    redir_status end;
    redir_diag diag;
} run_result;

static run_result runs[2];

static uint64_t fnv(const uint8_t *p, size_t n) {
    uint64_t h = 1469598103934665603u;
    for (size_t i = 0; i < n; i++) {
        h = (h ^ p[i]) * 1099511628211u;
    }
    return h;
}

static void guards_set(void) {
    memset(in_mem, 0xA5, sizeof in_mem);
    memset(join_mem, 0xA5, sizeof join_mem);
    memset(inflate_mem, 0xA5, sizeof inflate_mem);
}

static int untouched(const uint8_t *p, size_t n) {
    for (size_t i = 0; i < n; i++) {
        if (p[i] != 0xA5) {
            return 0;
        }
    }
    return 1;
}

static void guards_check(size_t in_cap) {
    FUZZ_CHECK(untouched(in_mem, GUARD) && untouched(in_mem + GUARD + in_cap, GUARD));
    FUZZ_CHECK(untouched(join_mem, GUARD) && untouched(join_mem + GUARD + JOIN_MAX, GUARD));
    FUZZ_CHECK(untouched(inflate_mem, GUARD) &&
               untouched(inflate_mem + GUARD + INFLATE_MAX, GUARD));
}

/* run frames data[0..size) handed in chunks from the seed (0: all at once)
 * through feed (method 0) or space/commit (method 1). */
static void run(run_result *r, uint8_t flags, size_t in_cap, size_t max_payload, uint8_t seed,
                int method, const uint8_t *data, size_t size) {
    guards_set();
    uint8_t *in = in_mem + GUARD;
    redir_framer f;
    redir_framer_config cfg = {in,          in_cap,       join_mem + GUARD, JOIN_MAX,
                               inflate_mem + GUARD, INFLATE_MAX, scratch, sizeof scratch,
                               max_payload, 0,            NULL,             NULL};
    FUZZ_CHECK(redir_framer_init(&f, &cfg) == REDIR_OK);
    if (flags & 1) {
        FUZZ_CHECK(redir_framer_set_compressed(&f, true) == REDIR_OK);
    }
    if (flags & 4) {
        FUZZ_CHECK(redir_framer_expect_seq(&f, 0) == REDIR_OK);
    }
    if (flags & 8) {
        FUZZ_CHECK(redir_framer_expect_cseq(&f, 0) == REDIR_OK);
    }
    uint32_t rng = seed * 2654435761u + 1;
    size_t pos = 0;
    r->n = 0;
    for (;;) {
        redir_framed p;
        redir_diag d = {0, 0};
        fuzz_lib_enter();
        redir_status st = redir_framer_next(&f, &p, &d);
        fuzz_lib_leave();
        if (st == REDIR_OK) {
            redir_span pl = p.msg.payload;
            FUZZ_CHECK(fuzz_span_inside(pl, in, in_cap) ||
                       fuzz_span_inside(pl, join_mem + GUARD, JOIN_MAX) ||
                       fuzz_span_inside(pl, inflate_mem + GUARD, INFLATE_MAX));
            FUZZ_CHECK(max_payload == 0 || pl.len <= max_payload);
            FUZZ_CHECK(p.msg.num_frames >= 1);
            FUZZ_CHECK(p.wire.len == 0 || (p.wire.len == pl.len + 4 && p.wire.ptr + 4 == pl.ptr));
            if (r->n < MAX_RECS) {
                out_rec x = {fnv(pl.ptr, pl.len), pl.len, p.msg.first_seq, p.msg.next_seq,
                             p.msg.num_frames, p.offset};
                r->recs[r->n] = x;
            }
            r->n++;
            if ((flags & 2) && !(flags & 1) && r->n == 1) {
                FUZZ_CHECK(redir_framer_set_compressed(&f, true) == REDIR_OK);
            }
            continue;
        }
        if (st != REDIR_DONE) {
            FUZZ_CHECK(redir_status_is_error(st));
            /* sticky */
            redir_diag d2 = {0, 0};
            FUZZ_CHECK(redir_framer_next(&f, &p, &d2) == st && d2.offset == d.offset);
            r->end = st;
            r->diag = d;
            break;
        }
        if (pos == size) {
            fuzz_lib_enter();
            r->end = redir_framer_finish(&f, &r->diag);
            fuzz_lib_leave();
            FUZZ_CHECK(r->end == REDIR_OK || r->end == REDIR_E_TRUNCATED);
            if (r->end == REDIR_OK) {
                r->diag.offset = 0;
            }
            r->diag.needed = 0; /* depends on how far the chunking got */
            break;
        }
        size_t want = size - pos;
        if (seed != 0) {
            rng = rng * 1103515245u + 12345u;
            size_t c = 1 + (rng >> 16) % 64;
            want = c < want ? c : want;
        }
        size_t taken = 0;
        fuzz_lib_enter();
        if (method == 0) {
            FUZZ_CHECK(redir_framer_feed(&f, &taken, data + pos, want) == REDIR_OK);
        } else {
            size_t room = 0;
            uint8_t *w = redir_framer_space(&f, &room);
            FUZZ_CHECK(fuzz_span_inside(redir_span_of(w, room), in, in_cap));
            taken = want < room ? want : room;
            memcpy(w, data + pos, taken);
            FUZZ_CHECK(redir_framer_commit(&f, taken) == REDIR_OK);
            FUZZ_CHECK(redir_framer_commit(&f, room - taken + 1) == REDIR_E_INVALID_ARGUMENT);
        }
        fuzz_lib_leave();
        /* a framer that asked for bytes always has room for some */
        FUZZ_CHECK(taken > 0);
        pos += taken;
    }
    guards_check(in_cap);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 3) {
        return 0;
    }
    uint8_t flags = data[0];
    size_t in_cap = 16u + (size_t)(flags >> 4) * 97u;
    size_t max_payload = data[1] == 0 ? 0 : (size_t)data[1] * 16u;
    uint8_t seed = data[2];
    data += 3;
    size -= 3;

    run(&runs[0], flags, in_cap, max_payload, 0, 0, data, size);
    run(&runs[1], flags, in_cap, max_payload, seed, seed & 1, data, size);
    const run_result *a = &runs[0], *b = &runs[1];
    FUZZ_CHECK(a->n == b->n && a->end == b->end && a->diag.offset == b->diag.offset);
    for (size_t i = 0; i < a->n && i < MAX_RECS; i++) {
        FUZZ_CHECK(memcmp(&a->recs[i], &b->recs[i], sizeof a->recs[i]) == 0);
    }

    /* Plain protocol, no sequence checks: the packets of
     * redir_message_decode over the whole input, up to the first failure. */
    if ((flags & 3) == 0 && !(flags & 4)) {
        size_t pos = 0, k = 0;
        for (;;) {
            redir_message m;
            size_t used = 0;
            redir_status st =
                redir_message_decode(&m, &used, NULL, data + pos, size - pos, -1, ref_join,
                                     sizeof ref_join, max_payload != 0 ? max_payload : JOIN_MAX);
            if (st != REDIR_OK) {
                FUZZ_CHECK(k == a->n);
                if (st == REDIR_E_TRUNCATED) {
                    FUZZ_CHECK(a->end == (pos == size ? REDIR_OK : REDIR_E_TRUNCATED));
                } else if (st == REDIR_E_PACKET_TOO_LARGE) {
                    FUZZ_CHECK(a->end == REDIR_E_FRAMER_PAYLOAD_LIMIT);
                } else {
                    FUZZ_CHECK(a->end == st);
                }
                FUZZ_CHECK(a->end == REDIR_OK || a->diag.offset >= pos);
                break;
            }
            FUZZ_CHECK(k < a->n);
            if (k < MAX_RECS) {
                const out_rec *x = &a->recs[k];
                FUZZ_CHECK(x->len == m.payload.len && x->hash == fnv(m.payload.ptr, m.payload.len));
                FUZZ_CHECK(x->first_seq == m.first_seq && x->next_seq == m.next_seq);
                FUZZ_CHECK(x->frames == m.num_frames && x->offset == pos);
            }
            pos += used;
            k++;
        }
    }
    return 0;
}
