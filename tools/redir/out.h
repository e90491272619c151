/*
 * One output buffer for the redir tool: everything a subcommand prints goes
 * through it, so output costs one write(2) per buffer, not one stdio call per
 * piece. Integers and hex are formatted here without printf, and strings are
 * escaped by copying runs of bytes that need no escape at once.
 *
 * A buffer writes to a file descriptor (flushed when full, at out_flush, and
 * at every record end when line-buffered) or collects in memory (grows; the
 * caller decides what to do with the bytes, e.g. print nothing on failure).
 * Out of memory aborts; a failed write is remembered (out_failed) and later
 * output is discarded.
 */
#ifndef REDIR_TOOL_OUT_H
#define REDIR_TOOL_OUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

typedef struct outbuf {
    char *buf;
    size_t len;
    size_t cap;
    int fd;      /* -1: memory */
    bool line;   /* flush at each record end */
    bool failed; /* a write failed: output is discarded from then on */
} outbuf;

#define OUT_FD_BUFFER (256u << 10)

/* out_init_fd buffers output for fd; line_buffered flushes every record. */
void out_init_fd(outbuf *o, int fd, bool line_buffered);
/* out_init_mem collects output in memory (o->buf, o->len). */
void out_init_mem(outbuf *o);
void out_free(outbuf *o);

/* out_flush writes what is buffered (fd mode; nothing in memory mode).
 * Returns false when this or an earlier write failed. */
bool out_flush(outbuf *o);
bool out_failed(const outbuf *o);

/* out_grow makes room for n more bytes (flushing in fd mode); internal to the
 * inline helpers below. Returns false when n cannot be buffered (fd mode,
 * n larger than the buffer): then write it with out_bytes. */
bool out_grow(outbuf *o, size_t n);

/* out_reserve returns room for n bytes (n at most OUT_FD_BUFFER); advance
 * o->len by what was used. */
static inline char *out_reserve(outbuf *o, size_t n) {
    if (o->cap - o->len < n) {
        (void)out_grow(o, n);
    }
    return o->buf + o->len;
}

void out_bytes_slow(outbuf *o, const void *p, size_t n);

static inline void out_bytes(outbuf *o, const void *p, size_t n) {
    if (n == 0) {
        return; /* an empty view may have a NULL pointer, which memcpy may not get */
    }
    if (o->cap - o->len >= n) {
        memcpy(o->buf + o->len, p, n);
        o->len += n;
    } else {
        out_bytes_slow(o, p, n);
    }
}

static inline void out_byte(outbuf *o, char c) {
    if (o->len == o->cap) {
        (void)out_grow(o, 1);
    }
    o->buf[o->len++] = c;
}

static inline void out_cstr(outbuf *o, const char *s) { out_bytes(o, s, strlen(s)); }

/* out_record_end writes '\n' and, when line-buffered, flushes. */
void out_record_end(outbuf *o);

/* Numbers: decimal, signed decimal, and lower-case hex of at least
 * min_digits digits (no prefix). */
void out_u64(outbuf *o, uint64_t v);
void out_i64(outbuf *o, int64_t v);
void out_hex_u64(outbuf *o, uint64_t v, unsigned min_digits);
/* out_dec_fixed writes v as exactly `digits` decimal digits (leading zeros). */
void out_dec_fixed(outbuf *o, uint64_t v, unsigned digits);

/* out_hex writes n bytes as 2n lower-case hex digits. */
void out_hex(outbuf *o, const void *p, size_t n);

/* out_json_escaped writes p[0..n) as the inside of a JSON string (see json.h
 * for the rules: well-formed UTF-8 passes, other bytes >= 0x80 become
 * \u00XX). */
void out_json_escaped(outbuf *o, const void *p, size_t n);

/* out_text_escaped writes p[0..n) for a terminal: printable ASCII passes,
 * '"' and '\\' get a backslash, every other byte is \xNN. */
void out_text_escaped(outbuf *o, const void *p, size_t n);

#endif
