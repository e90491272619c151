/* Compressed frames: header round trip, bounded inflation, deflate round trip. */
#include "fuzz_common.h"

static uint8_t scratch[REDIR_DEFLATE_SCRATCH_SIZE] __attribute__((aligned(16)));
static uint8_t plain[1u << 16];
static uint8_t frame_out[(1u << 16) + 1024];
static uint8_t plain2[1u << 16];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    redir_cframe f;
    size_t used;
    redir_diag d;
    fuzz_lib_enter();
    redir_status st = redir_cframe_decode(&f, &used, &d, data, size);
    fuzz_lib_leave();
    if (st != REDIR_OK) {
        FUZZ_CHECK(st == REDIR_E_TRUNCATED);
        return 0;
    }
    FUZZ_CHECK(fuzz_span_inside(f.payload, data, size));
    size_t out_len;
    fuzz_lib_enter();
    st = redir_cframe_encode(frame_out, sizeof frame_out, &out_len, &f);
    fuzz_lib_leave();
    if (st == REDIR_OK) {
        FUZZ_CHECK(out_len == used && memcmp(frame_out, data, used) == 0);
    }
    size_t plain_len;
    fuzz_lib_enter();
    st = redir_cframe_inflate(&f, plain, sizeof plain, &plain_len, sizeof plain, scratch,
                              REDIR_INFLATE_SCRATCH_SIZE);
    fuzz_lib_leave();
    if (st != REDIR_OK) {
        FUZZ_CHECK(redir_status_is_error(st));
        return 0;
    }
    FUZZ_CHECK(plain_len == (f.uncomp_len ? f.uncomp_len : f.comp_len));
    fuzz_lib_enter();
    st = redir_cframe_deflate(frame_out, sizeof frame_out, &out_len, f.seq, plain, plain_len, 6,
                              50, scratch, sizeof scratch);
    fuzz_lib_leave();
    FUZZ_CHECK(st == REDIR_OK);
    redir_cframe g;
    FUZZ_CHECK(redir_cframe_decode(&g, &used, &d, frame_out, out_len) == REDIR_OK);
    size_t plain2_len;
    fuzz_lib_enter();
    st = redir_cframe_inflate(&g, plain2, sizeof plain2, &plain2_len, sizeof plain2, scratch,
                              REDIR_INFLATE_SCRATCH_SIZE);
    fuzz_lib_leave();
    FUZZ_CHECK(st == REDIR_OK && plain2_len == plain_len &&
               (plain_len == 0 || memcmp(plain, plain2, plain_len) == 0));
    return 0;
}
