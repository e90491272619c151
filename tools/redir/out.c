#include "out.h"

#include <redir/common.h>

#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

static void out_oom(void) { abort(); }

void out_init_fd(outbuf *o, int fd, bool line_buffered) {
    o->buf = malloc(OUT_FD_BUFFER);
    if (o->buf == NULL) {
        out_oom();
    }
    o->len = 0;
    o->cap = OUT_FD_BUFFER;
    o->fd = fd;
    o->line = line_buffered;
    o->failed = false;
}

void out_init_mem(outbuf *o) {
    o->buf = malloc(4096);
    if (o->buf == NULL) {
        out_oom();
    }
    o->len = 0;
    o->cap = 4096;
    o->fd = -1;
    o->line = false;
    o->failed = false;
}

void out_free(outbuf *o) {
    free(o->buf);
    o->buf = NULL;
    o->len = o->cap = 0;
}

static void write_all(outbuf *o, const char *p, size_t n) {
    while (n > 0 && !o->failed) {
        ssize_t w = write(o->fd, p, n);
        if (w < 0) {
            if (errno == EINTR) {
                continue;
            }
            o->failed = true;
            return;
        }
        p += w;
        n -= (size_t)w;
    }
}

bool out_flush(outbuf *o) {
    if (o->fd >= 0 && o->len > 0) {
        write_all(o, o->buf, o->len);
        o->len = 0;
    }
    return !o->failed;
}

bool out_failed(const outbuf *o) { return o->failed; }

bool out_grow(outbuf *o, size_t n) {
    if (o->fd >= 0) {
        out_flush(o);
        return n <= o->cap;
    }
    size_t cap = o->cap;
    while (cap - o->len < n) {
        cap *= 2;
    }
    char *b = realloc(o->buf, cap);
    if (b == NULL) {
        out_oom();
    }
    o->buf = b;
    o->cap = cap;
    return true;
}

void out_bytes_slow(outbuf *o, const void *p, size_t n) {
    if (!out_grow(o, n)) {
        write_all(o, p, n); /* larger than the whole buffer: straight through */
        return;
    }
    memcpy(o->buf + o->len, p, n);
    o->len += n;
}

void out_record_end(outbuf *o) {
    out_byte(o, '\n');
    if (o->line) {
        out_flush(o);
    }
}

static const char digit_pairs[201] = "00010203040506070809"
                                     "10111213141516171819"
                                     "20212223242526272829"
                                     "30313233343536373839"
                                     "40414243444546474849"
                                     "50515253545556575859"
                                     "60616263646566676869"
                                     "70717273747576777879"
                                     "80818283848586878889"
                                     "90919293949596979899";

void out_u64(outbuf *o, uint64_t v) {
    char tmp[20];
    size_t pos = sizeof tmp;
    while (v >= 100) {
        unsigned r = (unsigned)(v % 100);
        v /= 100;
        pos -= 2;
        memcpy(tmp + pos, digit_pairs + 2 * r, 2);
    }
    if (v >= 10) {
        pos -= 2;
        memcpy(tmp + pos, digit_pairs + 2 * v, 2);
    } else {
        tmp[--pos] = (char)('0' + v);
    }
    out_bytes(o, tmp + pos, sizeof tmp - pos);
}

void out_i64(outbuf *o, int64_t v) {
    if (v < 0) {
        out_byte(o, '-');
        out_u64(o, (uint64_t)0 - (uint64_t)v);
    } else {
        out_u64(o, (uint64_t)v);
    }
}

void out_dec_fixed(outbuf *o, uint64_t v, unsigned digits) {
    char tmp[20];
    if (digits > sizeof tmp) {
        digits = sizeof tmp;
    }
    for (unsigned i = digits; i > 0; i--) {
        tmp[i - 1] = (char)('0' + v % 10);
        v /= 10;
    }
    out_bytes(o, tmp, digits);
}

static const char hex_digits[] = "0123456789abcdef";

void out_hex_u64(outbuf *o, uint64_t v, unsigned min_digits) {
    unsigned n = 1;
    for (uint64_t t = v >> 4; t != 0; t >>= 4) {
        n++;
    }
    if (n < min_digits) {
        n = min_digits < 16 ? min_digits : 16;
    }
    char *d = out_reserve(o, n);
    for (unsigned i = n; i > 0; i--) {
        d[i - 1] = hex_digits[v & 0x0F];
        v >>= 4;
    }
    o->len += n;
}

void out_hex(outbuf *o, const void *ptr, size_t n) {
    static const char pairs[513] =
        "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
        "202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f"
        "404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f"
        "606162636465666768696a6b6c6d6e6f707172737475767778797a7b7c7d7e7f"
        "808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f"
        "a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf"
        "c0c1c2c3c4c5c6c7c8c9cacbcccdcecfd0d1d2d3d4d5d6d7d8d9dadbdcdddedf"
        "e0e1e2e3e4e5e6e7e8e9eaebecedeeeff0f1f2f3f4f5f6f7f8f9fafbfcfdfeff";
    const uint8_t *p = ptr;
    while (n > 0) {
        size_t chunk = n < 4096 ? n : 4096;
        char *d = out_reserve(o, 2 * chunk);
        for (size_t i = 0; i < chunk; i++) {
            memcpy(d + 2 * i, pairs + 2 * p[i], 2);
        }
        o->len += 2 * chunk;
        p += chunk;
        n -= chunk;
    }
}

/* ------------------------------------------------------------------ escaping */

#define ONES UINT64_C(0x0101010101010101)
#define HIGHS UINT64_C(0x8080808080808080)

static inline uint64_t load64(const uint8_t *p) {
    uint64_t v;
    memcpy(&v, p, sizeof v);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    v = __builtin_bswap64(v);
#endif
    return v;
}

/* The lowest set bit of each term marks the first byte meeting its test
 * (borrows only run upwards), so the lowest bit of the union marks the first
 * byte meeting any of them. */
static inline uint64_t eq_mask(uint64_t x, uint8_t c) {
    uint64_t y = x ^ (ONES * c);
    return (y - ONES) & ~y & HIGHS;
}

static inline uint64_t json_special(uint64_t x) {
    return (x & HIGHS) | ((x - ONES * 0x20) & ~x & HIGHS) | eq_mask(x, '"') | eq_mask(x, '\\');
}

static inline uint64_t text_special(uint64_t x) {
    return json_special(x) | eq_mask(x, 0x7F);
}

/* safe_run returns how many leading bytes of p[0..n) pass special(): 16 bytes
 * at a time with SSE2 (a signed compare with 0x20 also catches 0x80..0xFF),
 * then 8 with SWAR, then one by one. */
#if defined(__SSE2__)
#include <emmintrin.h>
#define SSE_SPECIAL(v, extra)                                                                  \
    _mm_movemask_epi8(_mm_or_si128(                                                            \
        _mm_or_si128(_mm_cmplt_epi8(v, _mm_set1_epi8(0x20)),                                   \
                     _mm_cmpeq_epi8(v, _mm_set1_epi8('"'))),                                   \
        _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('\\')), extra)))
#define SSE_LOOP(extra_of)                                                                     \
    while (n - i >= 16) {                                                                      \
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(p + i));                   \
        int m = SSE_SPECIAL(v, extra_of(v));                                                   \
        if (m != 0) {                                                                          \
            return i + (size_t)__builtin_ctz((unsigned)m);                                     \
        }                                                                                      \
        i += 16;                                                                               \
    }
#define JSON_EXTRA(v) _mm_setzero_si128()
#define TEXT_EXTRA(v) _mm_cmpeq_epi8(v, _mm_set1_epi8(0x7F))
#else
#define SSE_LOOP(extra_of)
#endif

#define SAFE_RUN(name, special, scalar_ok, extra_of)                                           \
    static size_t name(const uint8_t *p, size_t n) {                                           \
        size_t i = 0;                                                                          \
        SSE_LOOP(extra_of)                                                                     \
        while (n - i >= 8) {                                                                   \
            uint64_t m = special(load64(p + i));                                               \
            if (m != 0) {                                                                      \
                return i + (size_t)(__builtin_ctzll(m) >> 3);                                  \
            }                                                                                  \
            i += 8;                                                                            \
        }                                                                                      \
        while (i < n && scalar_ok(p[i])) {                                                     \
            i++;                                                                               \
        }                                                                                      \
        return i;                                                                              \
    }

static inline bool json_ok(uint8_t b) { return b >= 0x20 && b < 0x80 && b != '"' && b != '\\'; }
static inline bool text_ok(uint8_t b) { return json_ok(b) && b != 0x7F; }

SAFE_RUN(json_safe_run, json_special, json_ok, JSON_EXTRA)
SAFE_RUN(text_safe_run, text_special, text_ok, TEXT_EXTRA)

void out_json_escaped(outbuf *o, const void *ptr, size_t n) {
    const uint8_t *p = ptr;
    size_t run = 0; /* start of the pending run of bytes copied verbatim */
    size_t i = json_safe_run(p, n);
    if (i == n) {
        out_bytes(o, p, n); /* nearly every string: nothing to escape */
        return;
    }
    while (i < n) {
        i += json_safe_run(p + i, n - i);
        if (i == n) {
            break;
        }
        uint8_t b = p[i];
        if (b >= 0x80) {
            size_t seq = 0;
            if (redir_utf8_next(&seq, p + i, n - i)) {
                i += seq;
                continue;
            }
        }
        out_bytes(o, p + run, i - run);
        char *d = out_reserve(o, 6);
        if (b == '"' || b == '\\') {
            d[0] = '\\';
            d[1] = (char)b;
            o->len += 2;
        } else {
            memcpy(d, "\\u00", 4);
            d[4] = hex_digits[b >> 4];
            d[5] = hex_digits[b & 0x0F];
            o->len += 6;
        }
        i++;
        run = i;
    }
    out_bytes(o, p + run, n - run);
}

void out_text_escaped(outbuf *o, const void *ptr, size_t n) {
    const uint8_t *p = ptr;
    size_t i = 0;
    while (i < n) {
        size_t k = text_safe_run(p + i, n - i);
        out_bytes(o, p + i, k);
        i += k;
        if (i == n) {
            break;
        }
        uint8_t b = p[i];
        char *d = out_reserve(o, 4);
        if (b == '"' || b == '\\') {
            d[0] = '\\';
            d[1] = (char)b;
            o->len += 2;
        } else {
            d[0] = '\\';
            d[1] = 'x';
            d[2] = hex_digits[b >> 4];
            d[3] = hex_digits[b & 0x0F];
            o->len += 4;
        }
        i++;
    }
}
