/*
 * Internal writing cursor over a caller buffer.
 *
 * Writes that fit are stored; every write, fitting or not, advances len, so
 * after a sequence of puts len is the exact size the whole output needs and
 * wr_finish() can report it. Nothing is ever written at or past cap.
 */
#ifndef REDIR_WRITER_H
#define REDIR_WRITER_H

#include <string.h>

#include "redir/common.h"

typedef struct wr {
    uint8_t *buf;
    size_t cap;
    size_t len;
} wr;

static inline wr wr_init(uint8_t *buf, size_t cap) {
    wr w = {buf, cap, 0};
    return w;
}

static inline void wr_bytes(wr *w, const void *src, size_t n) {
    if (n > 0 && w->len <= w->cap && w->cap - w->len >= n) {
        memcpy(w->buf + w->len, src, n);
    }
    w->len += n;
}

static inline void wr_span(wr *w, redir_span s) { wr_bytes(w, s.ptr, s.len); }

static inline void wr_u8(wr *w, uint8_t v) { wr_bytes(w, &v, 1); }

/* wr_uint writes the low n bytes of v little-endian. */
static inline void wr_uint(wr *w, uint64_t v, size_t n) {
    uint8_t b[8];
    for (size_t i = 0; i < n; i++) {
        b[i] = (uint8_t)(v >> (8 * i));
    }
    wr_bytes(w, b, n);
}

static inline void wr_fill(wr *w, uint8_t byte, size_t n) {
    if (n > 0 && w->len <= w->cap && w->cap - w->len >= n) {
        memset(w->buf + w->len, byte, n);
    }
    w->len += n;
}

void wr_lenenc(wr *w, uint64_t v);

static inline void wr_lenenc_str(wr *w, redir_span s) {
    wr_lenenc(w, s.len);
    wr_span(w, s);
}

/* wr_finish reports the outcome of an encoder built on this writer. */
static inline redir_status wr_finish(const wr *w, size_t *out_len) {
    if (out_len != NULL) {
        *out_len = w->len;
    }
    return w->len <= w->cap ? REDIR_OK : REDIR_E_NOSPACE;
}

#endif
