/*
 * Internal one-line helpers used across the library, written once here.
 * Every helper reads only the bytes it is given.
 */
#ifndef REDIR_UTIL_H
#define REDIR_UTIL_H

#include "redir/common.h"

/* redir__span_ok: a span an encoder may read (NULL only when empty). */
static inline bool redir__span_ok(redir_span s) { return s.ptr != NULL || s.len == 0; }

/* redir__le32 reads 4 bytes little-endian. */
static inline uint32_t redir__le32(const uint8_t *p) {
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static inline uint8_t redir__ascii_lower(uint8_t c) {
    return (c >= 'A' && c <= 'Z') ? (uint8_t)(c + ('a' - 'A')) : c;
}

static inline bool redir__is_digit(uint8_t c) { return c >= '0' && c <= '9'; }

/* redir__hexval: 0..15 for an ASCII hex digit (either case), -1 otherwise. */
static inline int redir__hexval(uint8_t c) {
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    c = redir__ascii_lower(c);
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    return -1;
}

/* redir__format_u64 writes the decimal digits of v (no terminator) and
 * returns their count. */
#define REDIR__U64_DIGITS 20
static inline size_t redir__format_u64(char out[REDIR__U64_DIGITS], uint64_t v) {
    char tmp[REDIR__U64_DIGITS];
    size_t n = 0;
    do {
        tmp[n++] = (char)('0' + (int)(v % 10u));
        v /= 10u;
    } while (v > 0);
    for (size_t i = 0; i < n; i++) {
        out[i] = tmp[n - 1 - i];
    }
    return n;
}

/* redir__scan_port reads the decimal digits at s[from..to), stopping at the
 * first non-digit: *end is where it stopped. REDIR_OK with *out (at least one
 * digit read), REDIR_E_URL_PORT when there is no digit at from, and
 * REDIR_E_URL_PORT_RANGE with *end at the digit that took the value above
 * 65535. Leading zeros are allowed. */
static inline redir_status redir__scan_port(const uint8_t *s, size_t from, size_t to,
                                            uint16_t *out, size_t *end) {
    uint32_t v = 0;
    size_t i = from;
    for (; i < to && redir__is_digit(s[i]); i++) {
        v = v * 10u + (uint32_t)(s[i] - '0');
        /* Checked per digit, so v never exceeds 655359 and cannot wrap. */
        if (v > 65535u) {
            *end = i;
            return REDIR_E_URL_PORT_RANGE;
        }
    }
    *end = i;
    if (i == from) {
        return REDIR_E_URL_PORT;
    }
    *out = (uint16_t)v;
    return REDIR_OK;
}

/* redir__utf8_lead classifies the first byte of a UTF-8 sequence: the number
 * of continuation bytes and the allowed range of the first of them (no
 * overlong forms, no surrogates, nothing above U+10FFFF); false for a byte
 * that cannot start a multi-byte sequence. */
static inline bool redir__utf8_lead(uint8_t c, unsigned *need, uint8_t *lo, uint8_t *hi) {
    *lo = 0x80;
    *hi = 0xBF;
    if (c >= 0xC2 && c <= 0xDF) {
        *need = 1;
    } else if (c == 0xE0) {
        *need = 2;
        *lo = 0xA0;
    } else if (c == 0xED) {
        *need = 2;
        *hi = 0x9F;
    } else if (c >= 0xE1 && c <= 0xEF) {
        *need = 2;
    } else if (c == 0xF0) {
        *need = 3;
        *lo = 0x90;
    } else if (c == 0xF4) {
        *need = 3;
        *hi = 0x8F;
    } else if (c >= 0xF1 && c <= 0xF3) {
        *need = 3;
    } else {
        return false;
    }
    return true;
}

#endif
