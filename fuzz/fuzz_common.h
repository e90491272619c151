/*
 * Shared helpers for the fuzz targets.
 *
 * Input convention: targets whose decoding depends on negotiated
 * capabilities take them from the first two input bytes (fuzz_take_caps):
 * byte 0 picks a preset, byte 1 flips the flags that change packet layouts.
 * Targets abort() when a property fails, so every engine reports it.
 */
#ifndef REDIR_FUZZ_COMMON_H
#define REDIR_FUZZ_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "redir/redir.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_CHECK(cond)                                                            \
    do {                                                                            \
        if (!(cond)) {                                                              \
            fprintf(stderr, "%s:%d: property failed: %s\n", __FILE__, __LINE__, #cond); \
            abort();                                                                \
        }                                                                           \
    } while (0)

/* Allocation guard: between fuzz_lib_enter() and fuzz_lib_leave() any call
 * of the allocator aborts. It relies on the sanitizer allocator hooks, so it
 * is active in ASan builds (libFuzzer and the standalone driver) and a no-op
 * elsewhere; the symbol check in the unit tests covers the other builds. */
void fuzz_lib_enter(void);
void fuzz_lib_leave(void);

/* fuzz_take_caps consumes up to two bytes and returns capabilities. */
uint64_t fuzz_take_caps(const uint8_t **data, size_t *size);

/* fuzz_span_inside checks that a span views [base, base+len) or is empty. */
static inline int fuzz_span_inside(redir_span s, const void *base, size_t len) {
    const uint8_t *b = (const uint8_t *)base;
    if (s.len == 0) {
        return 1;
    }
    return s.ptr != NULL && s.ptr >= b && s.len <= len && (size_t)(s.ptr - b) <= len - s.len;
}

/* Encoder properties shared by every round-trip target: run `enc` (a
 * function of (buf, cap, out_len)) with no buffer, with one byte too few,
 * and with exactly the size it asked for; the size answer must be exact,
 * nothing may be written past cap, and the final bytes are returned in
 * *out (a static buffer of FUZZ_ENC_MAX bytes). */
#define FUZZ_ENC_MAX (1u << 20)
typedef redir_status (*fuzz_encoder)(uint8_t *buf, size_t cap, size_t *out_len, const void *ctx);
int fuzz_encode_checked(fuzz_encoder enc, const void *ctx, const uint8_t **out, size_t *out_len);

#endif
