/* Stream layer: framing of one direction's in-order bytes, the compressed
 * protocol, continuation joining and resynchronisation. */
#include <stdlib.h>
#include <string.h>

#include "dump_internal.h"

#define FRAME_MAX ((size_t)REDIR_MAX_PACKET_PAYLOAD)
#define CFRAME_HDR REDIR_CFRAME_HEADER_SIZE

static void skip_bytes(dump_session *s, dump_flow_internal *f, dump_dir dir, size_t n) {
    if (n == 0) {
        return;
    }
    f->pub.skipped_bytes[dir] += n;
    s->stats.skipped_bytes += n;
    dump__emit_simple(s, f, DUMP_EV_SKIPPED, dir, n, NULL);
}

static void tls_bytes(dump_session *s, dump_flow_internal *f, dump_dir dir, size_t n) {
    if (n == 0) {
        return;
    }
    f->pub.tls_bytes[dir] += n;
    s->stats.tls_bytes += n;
    dump__emit_simple(s, f, DUMP_EV_TLS, dir, n, NULL);
}

static void lose_sync(dump_flow_internal *f, dump_dir dir) {
    dump_dirstate *d = &f->d[dir];
    d->sync = DUMP_SYNC_LOST;
    d->raw.len = 0;
    d->inner.len = 0;
    d->join.len = 0;
    d->joining = false;
    f->have_cseq = false;
}

void dump__stream_gap(dump_session *s, dump_flow_internal *f, dump_dir dir) {
    dump_dirstate *d = &f->d[dir];
    size_t pending = d->raw.len + d->inner.len + d->join.len;
    if (f->pub.phase == DUMP_PHASE_TLS) {
        return; /* TLS bytes are only counted: nothing to resynchronise */
    }
    lose_sync(f, dir);
    skip_bytes(s, f, dir, pending);
    dump__proto_gap(f, dir);
}

bool dump__looks_like_greeting(const uint8_t *p, size_t n) {
    if (n < 4 + 1 + 2 + 4 + 8 + 1 + 2) {
        return false;
    }
    uint32_t len = dump__le24(p);
    if (p[3] != 0 || p[4] != 10 || len < 20 || (size_t)len + 4 > n) {
        return false;
    }
    /* The server version: printable text ending in a NUL. */
    size_t i = 5;
    while (i < 4 + (size_t)len && p[i] != 0) {
        if (p[i] < 0x20 || p[i] > 0x7e) {
            return false;
        }
        i++;
    }
    if (i == 5 || i >= 4 + (size_t)len) {
        return false;
    }
    redir_greeting g;
    return redir_greeting_decode(&g, NULL, p + 4, len) == REDIR_OK;
}

/* ------------------------------------------------------------ framing */

static bool frame(dump_session *s, dump_flow_internal *f, dump_dir dir, uint8_t seq,
                  const uint8_t *payload, size_t len, const uint8_t *wire, size_t wire_len,
                  bool in_compressed) {
    dump_dirstate *d = &f->d[dir];
    if (!d->joining) {
        if (len < FRAME_MAX) {
            return dump__proto_packet(s, f, dir, seq, payload, len, len, 1, wire, wire_len,
                                      in_compressed);
        }
        d->joining = true;
        d->join_seq = seq;
        d->join_next = (uint8_t)(seq + 1);
        d->join_frames = 1;
        d->join_total = len;
        d->join.len = 0;
        (void)dump__buf_append(&d->join, payload, len, s->cfg.max_message);
        return true;
    }
    if (seq != d->join_next) {
        dump__emit_simple(s, f, DUMP_EV_NOTE, dir, 0, "continuation frame out of sequence");
    }
    d->join_next = (uint8_t)(seq + 1);
    d->join_frames++;
    d->join_total += len;
    size_t room = s->cfg.max_message > d->join.len ? s->cfg.max_message - d->join.len : 0;
    (void)dump__buf_append(&d->join, payload, len < room ? len : room, s->cfg.max_message);
    if (len == FRAME_MAX) {
        return true;
    }
    d->joining = false;
    bool ok = dump__proto_packet(s, f, dir, d->join_seq, d->join.ptr, d->join.len, d->join_total,
                                 d->join_frames, NULL, 0, in_compressed);
    dump__buf_consume(&d->join, d->join.len);
    return ok;
}

/* parse_frames frames plain packets from p[0..n); returns the bytes used.
 * *lost is set when the protocol layer rejected a packet. */
static size_t parse_frames(dump_session *s, dump_flow_internal *f, dump_dir dir, const uint8_t *p,
                           size_t n, bool in_compressed, bool *lost) {
    size_t off = 0;
    while (n - off >= REDIR_FRAME_HEADER_SIZE) {
        if (!in_compressed && (f->pub.compressed || f->pub.phase == DUMP_PHASE_TLS)) {
            break; /* the mode changed under us: the caller re-dispatches */
        }
        size_t len = dump__le24(p + off);
        if (n - off < 4 + len) {
            break;
        }
        if (!frame(s, f, dir, p[off + 3], p + off + 4, len, p + off, 4 + len, in_compressed)) {
            *lost = true;
            return off;
        }
        off += 4 + len;
    }
    return off;
}

static void *scratch(dump_session *s) {
    if (s->inflate_scratch == NULL) {
        s->inflate_scratch = malloc(REDIR_INFLATE_SCRATCH_SIZE);
    }
    return s->inflate_scratch;
}

/* handle_cframe processes one complete compressed frame; false when the
 * direction must resynchronise. */
static bool handle_cframe(dump_session *s, dump_flow_internal *f, dump_dir dir, const uint8_t *p,
                          size_t n) {
    dump_dirstate *d = &f->d[dir];
    dump_event ev;
    memset(&ev, 0, sizeof ev);
    size_t used = 0;
    if (redir_cframe_decode(&ev.cframe.frame, &used, NULL, p, n) != REDIR_OK || used != n) {
        return false;
    }
    const redir_cframe *cf = &ev.cframe.frame;
    /* One counter runs through request and response; a client starting a new
     * command starts again at 0. */
    if (f->have_cseq && cf->seq != f->cseq_next && !(dir == DUMP_C2S && cf->seq == 0)) {
        dump__emit_simple(s, f, DUMP_EV_NOTE, dir, 0, "compressed sequence id out of order");
    }
    f->have_cseq = true;
    f->cseq_next = (uint8_t)(cf->seq + 1);
    size_t out_len = cf->uncomp_len == 0 ? cf->comp_len : cf->uncomp_len;
    size_t limit = s->cfg.max_stream_buffer + FRAME_MAX;
    bool ok = false;
    redir_status st = REDIR_E_NOSPACE;
    size_t old = d->inner.len;
    /* Make room in the inner buffer, then inflate straight into it. */
    if (old + out_len <= limit) {
        if (d->inner.cap < old + out_len) {
            size_t cap = d->inner.cap ? d->inner.cap : 4096;
            while (cap < old + out_len) {
                cap *= 2;
            }
            uint8_t *np = realloc(d->inner.ptr, cap);
            if (np != NULL) {
                d->inner.ptr = np;
                d->inner.cap = cap;
            }
        }
        if (d->inner.cap >= old + out_len && scratch(s) != NULL) {
            size_t got = 0;
            /* An empty frame may arrive before the buffer exists: no
             * arithmetic on a NULL pointer, even with offset 0. */
            uint8_t *dst = d->inner.ptr != NULL ? d->inner.ptr + old : NULL;
            st = redir_cframe_inflate(dst, out_len, &got, cf, FRAME_MAX, s->inflate_scratch, REDIR_INFLATE_SCRATCH_SIZE);
            if (st == REDIR_OK && got == out_len) {
                ok = true;
                d->inner.len = old + got;
            }
        }
    }
    s->stats.cframes++;
    ev.type = DUMP_EV_CFRAME;
    ev.flow = &f->pub;
    ev.dir = dir;
    ev.cframe.wire = p;
    ev.cframe.wire_len = n;
    ev.cframe.inflated = ok;
    dump__emit(s, &ev);
    if (!ok) {
        dump__emit_simple(s, f, DUMP_EV_NOTE, dir, 0,
                          st == REDIR_OK ? "inflate: length differs" : redir_status_name(st));
        return false;
    }
    bool lost = false;
    size_t used_inner = parse_frames(s, f, dir, d->inner.ptr, d->inner.len, true, &lost);
    if (lost) {
        return false;
    }
    dump__buf_consume(&d->inner, used_inner);
    return true;
}

/* consume frames what it can of p[0..n) in the flow's current mode and
 * returns the bytes used; the rest is an incomplete frame. */
static size_t consume(dump_session *s, dump_flow_internal *f, dump_dir dir, const uint8_t *p,
                      size_t n) {
    size_t off = 0;
    while (off < n) {
        if (f->d[dir].sync == DUMP_SYNC_LOST) {
            skip_bytes(s, f, dir, n - off);
            return n;
        }
        if (f->pub.phase == DUMP_PHASE_TLS) {
            tls_bytes(s, f, dir, n - off);
            return n;
        }
        if (f->pub.compressed) {
            if (n - off < CFRAME_HDR) {
                break;
            }
            size_t total = CFRAME_HDR + dump__le24(p + off);
            if (n - off < total) {
                break;
            }
            if (!handle_cframe(s, f, dir, p + off, total)) {
                lose_sync(f, dir);
                dump__proto_gap(f, dir);
                skip_bytes(s, f, dir, n - off - total);
                return n;
            }
            off += total;
            continue;
        }
        bool lost = false;
        size_t used = parse_frames(s, f, dir, p + off, n - off, false, &lost);
        off += used;
        if (lost) {
            lose_sync(f, dir);
            dump__proto_gap(f, dir);
            skip_bytes(s, f, dir, n - off);
            return n;
        }
        if (used == 0 && !f->pub.compressed && f->pub.phase != DUMP_PHASE_TLS) {
            break;
        }
    }
    return off;
}

/* ------------------------------------------------------ resynchronisation */

static bool is_tls_record(const uint8_t *p, size_t n) {
    return n >= 5 && p[0] >= 0x14 && p[0] <= 0x17 && p[1] == 3 && p[2] <= 4;
}

/* plain_chain: do p[0..n) start with a plausible chain of frames? */
static bool plain_chain(const dump_flow_internal *f, dump_dir dir, const uint8_t *p, size_t n) {
    if (n < 4) {
        return false;
    }
    size_t off = 0;
    size_t complete = 0;
    int prev_seq = -1;
    while (n - off >= 4) {
        size_t len = dump__le24(p + off);
        uint8_t seq = p[off + 3];
        if (prev_seq >= 0) {
            bool next = seq == (uint8_t)(prev_seq + 1);
            bool new_cmd = dir == DUMP_C2S && seq == 0;
            if (!next && !new_cmd) {
                return false;
            }
        }
        if (n - off < 4 + len) {
            /* A partial frame: only a client command may start that way. */
            if (complete == 0) {
                return dir == DUMP_C2S && seq == 0 && len > 0 &&
                       dump__proto_plausible_start(f, dir, seq, p + 4, n - 4);
            }
            return true;
        }
        if (complete == 0 && !dump__proto_plausible_start(f, dir, seq, p + 4, len)) {
            return false;
        }
        complete++;
        prev_seq = seq;
        off += 4 + len;
    }
    return complete > 0 && (off == n || n - off < 4);
}

static bool zlib_header(const uint8_t *p, size_t n) {
    return n >= 2 && (p[0] & 0x0F) == 8 && ((p[0] << 8) | p[1]) % 31 == 0;
}

/* compressed_start: does p[0..n) start with a compressed frame whose body
 * carries plausible inner frames? When the flow is already known to be
 * compressed a frame running past the segment is accepted on its header. */
static bool compressed_start(dump_session *s, const dump_flow_internal *f, dump_dir dir,
                             const uint8_t *p, size_t n) {
    if (n < CFRAME_HDR + 4) {
        return false;
    }
    size_t comp = dump__le24(p);
    size_t uncomp = dump__le24(p + 4);
    size_t total = CFRAME_HDR + comp;
    if (comp == 0) {
        return false;
    }
    if (total > n) {
        return f->pub.compressed && uncomp > 0 && zlib_header(p + CFRAME_HDR, n - CFRAME_HDR);
    }
    if (total < n && n - total >= CFRAME_HDR) {
        /* another frame must follow and be consistent */
        size_t c2 = dump__le24(p + total);
        if (c2 == 0 || p[total + 3] != (uint8_t)(p[3] + 1)) {
            return false;
        }
    }
    if (uncomp == 0) {
        return plain_chain(f, dir, p + CFRAME_HDR, comp);
    }
    if (!zlib_header(p + CFRAME_HDR, comp) || uncomp > FRAME_MAX) {
        return false;
    }
    redir_cframe cf;
    size_t used;
    if (redir_cframe_decode(&cf, &used, NULL, p, total) != REDIR_OK) {
        return false;
    }
    uint8_t *tmp = malloc(uncomp);
    if (tmp == NULL || scratch(s) == NULL) {
        free(tmp);
        return false;
    }
    size_t got = 0;
    redir_status st = redir_cframe_inflate(tmp, uncomp, &got, &cf, FRAME_MAX, s->inflate_scratch, REDIR_INFLATE_SCRATCH_SIZE);
    bool ok = st == REDIR_OK && got == uncomp && uncomp >= 4;
    if (ok) {
        /* the inner bytes must start with a plausible frame */
        size_t len = dump__le24(tmp);
        ok = dump__proto_plausible_start(f, dir, tmp[3], tmp + 4,
                                         len + 4 <= uncomp ? len : uncomp - 4);
    }
    free(tmp);
    return ok;
}

/* try_resync decides whether a segment start is a trustworthy boundary. */
static bool try_resync(dump_session *s, dump_flow_internal *f, dump_dir dir, const uint8_t *p,
                       size_t n) {
    if (f->pub.midstream && !f->d[dir].started && is_tls_record(p, n) &&
        !plain_chain(f, dir, p, n)) {
        f->pub.phase = DUMP_PHASE_TLS;
        f->pub.tls = true;
        return true;
    }
    if (compressed_start(s, f, dir, p, n)) {
        if (!f->pub.compressed) {
            f->pub.compressed = true;
            f->pub.compression_detected = true;
            dump__emit_simple(s, f, DUMP_EV_NOTE, dir, 0, "compressed protocol detected");
        }
        f->have_cseq = false;
        return true;
    }
    if (plain_chain(f, dir, p, n)) {
        if (f->pub.compressed && f->pub.compression_detected && !f->d[dir].started &&
            !f->d[1 - dir].started) {
            f->pub.compressed = false;
            f->pub.compression_detected = false;
        }
        return !f->pub.compressed;
    }
    return false;
}

void dump__stream_data(dump_session *s, dump_flow_internal *f, dump_dir dir, const uint8_t *data,
                       size_t len, bool seg_start) {
    dump_dirstate *d = &f->d[dir];
    if (f->pub.phase == DUMP_PHASE_TLS) {
        tls_bytes(s, f, dir, len);
        return;
    }
    if (d->sync == DUMP_SYNC_LOST) {
        if (!seg_start || !try_resync(s, f, dir, data, len)) {
            skip_bytes(s, f, dir, len);
            return;
        }
        d->sync = DUMP_SYNC_OK;
        d->raw.len = 0;
        if (f->pub.phase == DUMP_PHASE_TLS) {
            tls_bytes(s, f, dir, len);
            return;
        }
    }
    size_t limit = s->cfg.max_stream_buffer + CFRAME_HDR;
    while (len > 0) {
        if (d->raw.len > 0) {
            /* Complete the pending frame first, and no more: the buffer then
             * never holds more than one frame. */
            size_t hdr = f->pub.compressed ? CFRAME_HDR : REDIR_FRAME_HEADER_SIZE;
            size_t need = hdr - (d->raw.len < hdr ? d->raw.len : hdr);
            if (d->raw.len >= hdr) {
                need = hdr + dump__le24(d->raw.ptr) - d->raw.len;
            }
            size_t take = len < need ? len : need;
            if (!dump__buf_append(&d->raw, data, take, limit)) {
                size_t pending = d->raw.len;
                lose_sync(f, dir);
                dump__proto_gap(f, dir);
                skip_bytes(s, f, dir, pending + len);
                return;
            }
            data += take;
            len -= take;
            size_t used = consume(s, f, dir, d->raw.ptr, d->raw.len);
            if (d->sync == DUMP_SYNC_LOST) {
                d->raw.len = 0;
                skip_bytes(s, f, dir, len);
                return;
            }
            dump__buf_consume(&d->raw, used);
            if (f->pub.phase == DUMP_PHASE_TLS && len > 0) {
                tls_bytes(s, f, dir, len);
                return;
            }
            continue;
        }
        size_t used = consume(s, f, dir, data, len);
        if (d->sync == DUMP_SYNC_LOST || used == len) {
            return;
        }
        if (!dump__buf_append(&d->raw, data + used, len - used, limit)) {
            lose_sync(f, dir);
            dump__proto_gap(f, dir);
            skip_bytes(s, f, dir, len - used);
        }
        return;
    }
}
