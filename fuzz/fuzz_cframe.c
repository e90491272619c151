/* Compressed frames: header round trip, bounded inflation (limit, capacity
 * and length checks), and deflate with exact sizing and a round trip. */
#include "fuzz_common.h"

static uint8_t scratch[REDIR_DEFLATE_SCRATCH_SIZE] __attribute__((aligned(16)));
static uint8_t plain[1u << 16];
static uint8_t plain2[1u << 16];

struct deflate_ctx {
    uint8_t seq;
    const uint8_t *data;
    size_t len;
    int level;
    size_t min_len;
};

static redir_status enc_frame(uint8_t *buf, size_t cap, size_t *out_len, const void *ctx) {
    return redir_cframe_encode(buf, cap, out_len, (const redir_cframe *)ctx);
}

static redir_status enc_deflate(uint8_t *buf, size_t cap, size_t *out_len, const void *ctx) {
    const struct deflate_ctx *c = ctx;
    return redir_cframe_deflate(buf, cap, out_len, c->seq, c->data, c->len, c->level, c->min_len,
                                scratch, sizeof scratch);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    redir_cframe f;
    size_t used;
    redir_diag d = {0, 0};
    fuzz_lib_enter();
    redir_status st = redir_cframe_decode(&f, &used, &d, data, size);
    fuzz_lib_leave();
    size_t declared = size >= 7 ? 7u + ((size_t)data[0] | (size_t)data[1] << 8 |
                                        (size_t)data[2] << 16)
                                : 0;
    if (st != REDIR_OK) {
        FUZZ_CHECK(st == REDIR_E_TRUNCATED && used == 0);
        FUZZ_CHECK(size < 7 ? d.needed == 7 - size && d.offset == 0
                            : d.needed == declared - size && d.offset == 7);
        return 0;
    }
    FUZZ_CHECK(used == declared && f.comp_len == used - 7 && f.payload.len == f.comp_len);
    FUZZ_CHECK(fuzz_span_inside(f.payload, data, size));
    const uint8_t *out;
    size_t out_len;
    FUZZ_CHECK(fuzz_encode_checked(enc_frame, &f, &out, &out_len));
    FUZZ_CHECK(out_len == used && memcmp(out, data, used) == 0);

    size_t want = f.uncomp_len ? f.uncomp_len : f.comp_len;
    size_t plain_len = 1;
    if (want > 0) {
        /* the limit and the capacity are checked before any work */
        fuzz_lib_enter();
        st = redir_cframe_inflate(NULL, 0, &plain_len, &f, want - 1, NULL, 0);
        fuzz_lib_leave();
        FUZZ_CHECK(st == REDIR_E_DECOMPRESS_LIMIT && plain_len == 0);
        if (want <= sizeof plain) {
            fuzz_lib_enter();
            st = redir_cframe_inflate(plain, want - 1, &plain_len, &f, want, scratch, REDIR_INFLATE_SCRATCH_SIZE);
            fuzz_lib_leave();
            FUZZ_CHECK(st == REDIR_E_NOSPACE && plain_len == want);
        }
    }
    fuzz_lib_enter();
    st = redir_cframe_inflate(plain, sizeof plain, &plain_len, &f, sizeof plain, scratch, REDIR_INFLATE_SCRATCH_SIZE);
    fuzz_lib_leave();
    if (st != REDIR_OK) {
        FUZZ_CHECK(redir_status_is_error(st) && st != REDIR_E_SCRATCH && st != REDIR_E_NOSPACE);
        FUZZ_CHECK(plain_len == 0);
        return 0;
    }
    FUZZ_CHECK(plain_len == want);
    if (f.uncomp_len == 0) {
        FUZZ_CHECK(plain_len == 0 || memcmp(plain, f.payload.ptr, plain_len) == 0);
    }

    /* Compress again with settings taken from the header bytes. */
    struct deflate_ctx c = {f.seq, plain, plain_len, (int)(f.seq % 11) - 1, (size_t)(data[4] & 0x3F)};
    FUZZ_CHECK(fuzz_encode_checked(enc_deflate, &c, &out, &out_len));
    redir_cframe g;
    FUZZ_CHECK(redir_cframe_decode(&g, &used, &d, out, out_len) == REDIR_OK && used == out_len);
    FUZZ_CHECK(g.seq == f.seq);
    if (plain_len == 0 || plain_len < c.min_len) {
        FUZZ_CHECK(g.uncomp_len == 0 && g.comp_len == plain_len);
    } else {
        FUZZ_CHECK(g.uncomp_len == plain_len);
    }
    size_t plain2_len;
    fuzz_lib_enter();
    st = redir_cframe_inflate(plain2, sizeof plain2, &plain2_len, &g, sizeof plain2, scratch, REDIR_INFLATE_SCRATCH_SIZE);
    fuzz_lib_leave();
    FUZZ_CHECK(st == REDIR_OK && plain2_len == plain_len &&
               (plain_len == 0 || memcmp(plain, plain2, plain_len) == 0));
    return 0;
}
