/*
 * Internal reading cursor over a caller buffer.
 *
 * Invariant: base <= base + pos <= base + len. Every read goes through
 * rd_take(), the only place that checks bounds. On failure the cursor does not
 * move and the diag names the offset of the failed read (relative to base) and
 * how many more bytes were needed.
 */
#ifndef REDIR_READER_H
#define REDIR_READER_H

#include <string.h>

#include "redir/common.h"

typedef struct rd {
    const uint8_t *base;
    size_t len;
    size_t pos;
} rd;

static inline rd rd_init(const uint8_t *base, size_t len) {
    rd r = {base, len, 0};
    return r;
}

static inline size_t rd_left(const rd *r) { return r->len - r->pos; }

static inline redir_status rd_fail(redir_diag *diag, redir_status st, size_t off, size_t needed) {
    if (diag != NULL) {
        diag->offset = off;
        diag->needed = needed;
    }
    return st;
}

static inline redir_status rd_take(rd *r, size_t n, const uint8_t **out, redir_diag *diag) {
    if (rd_left(r) < n) {
        return rd_fail(diag, REDIR_E_TRUNCATED, r->pos, n - rd_left(r));
    }
    *out = r->base + r->pos;
    r->pos += n;
    return REDIR_OK;
}

static inline redir_status rd_u8(rd *r, uint8_t *out, redir_diag *diag) {
    const uint8_t *p;
    redir_status st = rd_take(r, 1, &p, diag);
    if (st == REDIR_OK) {
        *out = p[0];
    }
    return st;
}

/* rd_uint reads an n-byte (n <= 8) little-endian unsigned integer. */
static inline redir_status rd_uint(rd *r, size_t n, uint64_t *out, redir_diag *diag) {
    const uint8_t *p;
    redir_status st = rd_take(r, n, &p, diag);
    if (st == REDIR_OK) {
        uint64_t v = 0;
        for (size_t i = n; i > 0; i--) {
            v = (v << 8) | p[i - 1];
        }
        *out = v;
    }
    return st;
}

static inline redir_status rd_u16(rd *r, uint16_t *out, redir_diag *diag) {
    uint64_t v;
    redir_status st = rd_uint(r, 2, &v, diag);
    if (st == REDIR_OK) {
        *out = (uint16_t)v;
    }
    return st;
}

static inline redir_status rd_u24(rd *r, uint32_t *out, redir_diag *diag) {
    uint64_t v;
    redir_status st = rd_uint(r, 3, &v, diag);
    if (st == REDIR_OK) {
        *out = (uint32_t)v;
    }
    return st;
}

static inline redir_status rd_u32(rd *r, uint32_t *out, redir_diag *diag) {
    uint64_t v;
    redir_status st = rd_uint(r, 4, &v, diag);
    if (st == REDIR_OK) {
        *out = (uint32_t)v;
    }
    return st;
}

static inline redir_status rd_bytes(rd *r, size_t n, redir_span *out, redir_diag *diag) {
    const uint8_t *p;
    redir_status st = rd_take(r, n, &p, diag);
    if (st == REDIR_OK) {
        *out = redir_span_of(p, n);
    }
    return st;
}

/* rd_rest takes everything that is left (string<EOF>); it cannot fail. */
static inline redir_span rd_rest(rd *r) {
    redir_span s = redir_span_of(r->base + r->pos, rd_left(r));
    r->pos = r->len;
    return s;
}

/* rd_nul_str takes a NUL-terminated string, the NUL consumed but not returned. */
static inline redir_status rd_nul_str(rd *r, redir_span *out, redir_diag *diag) {
    size_t left = rd_left(r);
    const uint8_t *p = r->base + r->pos;
    const uint8_t *nul = left > 0 ? (const uint8_t *)memchr(p, 0, left) : NULL;
    if (nul == NULL) {
        return rd_fail(diag, REDIR_E_NO_TERMINATOR, r->len, 1);
    }
    *out = redir_span_of(p, (size_t)(nul - p));
    r->pos += (size_t)(nul - p) + 1;
    return REDIR_OK;
}

/* The general forms (lenenc.c); rd_lenenc and rd_lenenc_str below take the
 * one-byte form inline, which is nearly every length on the wire. */
redir_status rd_lenenc_any(rd *r, uint64_t *out, redir_diag *diag);
redir_status rd_lenenc_str_any(rd *r, redir_span *out, redir_diag *diag);

/* rd_lenenc reads a length-encoded integer (0xFB and 0xFF rejected). */
static inline redir_status rd_lenenc(rd *r, uint64_t *out, redir_diag *diag) {
    if (r->pos < r->len && r->base[r->pos] < 0xFB) {
        *out = r->base[r->pos++];
        return REDIR_OK;
    }
    return rd_lenenc_any(r, out, diag);
}

/* rd_lenenc_str reads a length-encoded string. */
static inline redir_status rd_lenenc_str(rd *r, redir_span *out, redir_diag *diag) {
    if (r->pos < r->len) {
        size_t n = r->base[r->pos];
        if (n < 0xFB && n < r->len - r->pos) {
            *out = redir_span_of(r->base + r->pos + 1, n);
            r->pos += 1 + n;
            return REDIR_OK;
        }
    }
    return rd_lenenc_str_any(r, out, diag);
}

#endif
