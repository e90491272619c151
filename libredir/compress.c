/* ZLIB_CONST makes next_in a pointer to const, so caller input needs no cast. */
#define ZLIB_CONST
#include <limits.h>
#include <zlib.h>

#include "reader.h"
#include "redir/wire.h"
#include "writer.h"

/* Both zlib length fields are uInt; every size handed to them is first bounded
 * by the 3-byte wire limit, which this makes a safe narrowing. */
_Static_assert(UINT_MAX >= REDIR_MAX_PACKET_PAYLOAD, "uInt must hold a frame length");

redir_status redir_cframe_decode(redir_cframe *out, size_t *out_size, redir_diag *diag,
                                 const uint8_t *in, size_t in_len) {
    rd r = rd_init(in, in_len);
    redir_cframe f = {0, 0, 0, {NULL, 0}};
    const uint8_t *h;
    redir_status st = rd_take(&r, REDIR_CFRAME_HEADER_SIZE, &h, diag);
    if (st == REDIR_OK) {
        size_t comp_len = (size_t)h[0] | ((size_t)h[1] << 8) | ((size_t)h[2] << 16);
        st = rd_bytes(&r, comp_len, &f.payload, diag);
        if (st == REDIR_OK) {
            f.comp_len = (uint32_t)comp_len;
            f.seq = h[3];
            f.uncomp_len = (uint32_t)h[4] | ((uint32_t)h[5] << 8) | ((uint32_t)h[6] << 16);
        }
    }
    *out = f;
    *out_size = st == REDIR_OK ? r.pos : 0;
    return st;
}

static void cframe_header(wr *w, size_t comp_len, uint8_t seq, size_t uncomp_len) {
    wr_uint(w, comp_len, 3);
    wr_u8(w, seq);
    wr_uint(w, uncomp_len, 3);
}

redir_status redir_cframe_encode(uint8_t *buf, size_t cap, size_t *out_len,
                                 const redir_cframe *frame) {
    if (frame->payload.len > REDIR_MAX_PACKET_PAYLOAD) {
        *out_len = 0;
        return REDIR_E_FIELD_TOO_LONG;
    }
    if (frame->uncomp_len > REDIR_MAX_PACKET_PAYLOAD) {
        *out_len = 0;
        return REDIR_E_INVALID_ARGUMENT;
    }
    wr w = wr_init(buf, cap);
    cframe_header(&w, frame->payload.len, frame->seq, frame->uncomp_len);
    wr_span(&w, frame->payload);
    return wr_finish(&w, out_len);
}

/* zlib gets its memory from the caller's scratch buffer through a bump
 * allocator: allocations are carved in order and never returned one by one,
 * the whole arena simply goes away with the call that set it up. */
typedef struct arena {
    uint8_t *base;
    size_t cap;
    size_t used;
} arena;

#define ARENA_ALIGN _Alignof(max_align_t)

static voidpf arena_alloc(voidpf opaque, uInt items, uInt size) {
    arena *a = opaque;
    if (size != 0 && items > SIZE_MAX / size) {
        return Z_NULL;
    }
    size_t n = (size_t)items * size;
    uintptr_t at = (uintptr_t)(a->base + a->used);
    size_t pad = (size_t)((ARENA_ALIGN - at % ARENA_ALIGN) % ARENA_ALIGN);
    size_t left = a->cap - a->used;
    if (pad > left || n > left - pad) {
        return Z_NULL;
    }
    void *p = a->base + a->used + pad;
    a->used += pad + n;
    return p;
}

static void arena_free(voidpf opaque, voidpf address) {
    (void)opaque;
    (void)address;
}

static void arena_stream(z_stream *zs, arena *a, void *scratch, size_t scratch_len) {
    a->base = scratch;
    a->cap = scratch_len;
    a->used = 0;
    memset(zs, 0, sizeof *zs);
    zs->zalloc = arena_alloc;
    zs->zfree = arena_free;
    zs->opaque = a;
}

/* inflate_exact inflates into out[0..want) and then offers one spare byte:
 * zlib can never write more than want + 1 bytes, so a stream that claims to
 * be short but expands to gigabytes costs no more than a short one. */
static redir_status inflate_exact(z_stream *zs, uint8_t *out, size_t want) {
    zs->next_out = out;
    zs->avail_out = (uInt)want;
    int zr = inflate(zs, Z_NO_FLUSH);
    if ((zr == Z_OK || zr == Z_BUF_ERROR) && zs->avail_out == 0) {
        uint8_t spare;
        zs->next_out = &spare;
        zs->avail_out = 1;
        zr = inflate(zs, Z_NO_FLUSH);
        if (zs->avail_out == 0) {
            return REDIR_E_DECOMPRESS_LENGTH;
        }
    }
    switch (zr) {
    case Z_STREAM_END:
        if (zs->total_out != want) {
            return REDIR_E_DECOMPRESS_LENGTH;
        }
        /* One frame carries one stream; bytes after its end are not ours to skip. */
        return zs->avail_in == 0 ? REDIR_OK : REDIR_E_ZLIB;
    case Z_MEM_ERROR:
        return REDIR_E_SCRATCH;
    default:
        /* Z_DATA_ERROR, Z_NEED_DICT, or input that ran out before the stream end. */
        return REDIR_E_ZLIB;
    }
}

redir_status redir_cframe_inflate(uint8_t *out, size_t cap, size_t *out_len,
                                  const redir_cframe *frame, size_t limit, void *scratch,
                                  size_t scratch_len) {
    *out_len = 0;
    bool stored = frame->uncomp_len == 0;
    size_t want = stored ? frame->payload.len : frame->uncomp_len;
    if (want > limit) {
        return REDIR_E_DECOMPRESS_LIMIT;
    }
    if (frame->payload.len > REDIR_MAX_PACKET_PAYLOAD || want > REDIR_MAX_PACKET_PAYLOAD) {
        return REDIR_E_FIELD_TOO_LONG;
    }
    if (cap < want) {
        *out_len = want;
        return REDIR_E_NOSPACE;
    }
    if (scratch == NULL || scratch_len < REDIR_INFLATE_SCRATCH_SIZE) {
        return REDIR_E_SCRATCH;
    }
    if (stored) {
        if (want > 0) {
            memcpy(out, frame->payload.ptr, want);
        }
        *out_len = want;
        return REDIR_OK;
    }
    if (frame->payload.len == 0) {
        return REDIR_E_ZLIB;
    }
    z_stream zs;
    arena a;
    arena_stream(&zs, &a, scratch, scratch_len);
    zs.next_in = frame->payload.ptr;
    zs.avail_in = (uInt)frame->payload.len;
    int zr = inflateInit(&zs);
    if (zr != Z_OK) {
        return zr == Z_MEM_ERROR ? REDIR_E_SCRATCH : REDIR_E_ZLIB;
    }
    redir_status st = inflate_exact(&zs, out, want);
    (void)inflateEnd(&zs);
    if (st == REDIR_OK) {
        *out_len = want;
    }
    return st;
}

static redir_status deflate_stored(uint8_t *buf, size_t cap, size_t *out_len, uint8_t seq,
                                   const uint8_t *data, size_t data_len) {
    wr w = wr_init(buf, cap);
    cframe_header(&w, data_len, seq, 0);
    if (data_len > 0) {
        wr_bytes(&w, data, data_len);
    }
    return wr_finish(&w, out_len);
}

/* Output goes through a fixed staging buffer rather than straight into buf:
 * zlib's stored blocks (level 0) are cut to the output space it is offered,
 * so offering the same space on every call makes a sizing pass report exactly
 * the bytes the real call writes. */
#define DEFLATE_STAGE 4096u

redir_status redir_cframe_deflate(uint8_t *buf, size_t cap, size_t *out_len, uint8_t seq,
                                  const uint8_t *data, size_t data_len, int level,
                                  size_t min_len, void *scratch, size_t scratch_len) {
    *out_len = 0;
    if (level < -1 || level > 9) {
        return REDIR_E_INVALID_ARGUMENT;
    }
    if (data_len > REDIR_MAX_PACKET_PAYLOAD) {
        return REDIR_E_FIELD_TOO_LONG;
    }
    if (scratch == NULL || scratch_len < REDIR_DEFLATE_SCRATCH_SIZE) {
        return REDIR_E_SCRATCH;
    }
    /* Uncompressed length 0 means "stored", so an empty payload can only be stored. */
    if (data_len == 0 || data_len < min_len) {
        return deflate_stored(buf, cap, out_len, seq, data, data_len);
    }
    z_stream zs;
    arena a;
    arena_stream(&zs, &a, scratch, scratch_len);
    int zr = deflateInit(&zs, level);
    if (zr != Z_OK) {
        return zr == Z_MEM_ERROR ? REDIR_E_SCRATCH : REDIR_E_ZLIB;
    }
    zs.next_in = data;
    zs.avail_in = (uInt)data_len;
    wr w = wr_init(buf, cap);
    wr_fill(&w, 0, REDIR_CFRAME_HEADER_SIZE);
    uint8_t stage[DEFLATE_STAGE];
    size_t comp_len = 0;
    do {
        zs.next_out = stage;
        zs.avail_out = DEFLATE_STAGE;
        zr = deflate(&zs, Z_FINISH);
        size_t n = DEFLATE_STAGE - zs.avail_out;
        comp_len += n;
        wr_bytes(&w, stage, n);
    } while (zr == Z_OK && comp_len <= REDIR_MAX_PACKET_PAYLOAD);
    (void)deflateEnd(&zs);
    if (comp_len > REDIR_MAX_PACKET_PAYLOAD) {
        /* Incompressible input grew past what the length field can carry. */
        return deflate_stored(buf, cap, out_len, seq, data, data_len);
    }
    if (zr != Z_STREAM_END) {
        return REDIR_E_ZLIB;
    }
    if (w.len <= cap) {
        wr h = wr_init(buf, REDIR_CFRAME_HEADER_SIZE);
        cframe_header(&h, comp_len, seq, data_len);
    }
    return wr_finish(&w, out_len);
}
