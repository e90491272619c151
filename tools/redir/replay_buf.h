/* Growable byte buffers and strings for `redir replay`. Allocation failure
 * aborts the process: the tool has no way to continue without memory. */
#ifndef REDIR_TOOL_REPLAY_BUF_H
#define REDIR_TOOL_REPLAY_BUF_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

typedef struct rp_buf {
    uint8_t *data; /* NULL until the first append */
    size_t len;
    size_t cap;
} rp_buf;

/* rp_buf_reserve makes room for extra more bytes after len. */
void rp_buf_reserve(rp_buf *b, size_t extra);
void rp_buf_append(rp_buf *b, const void *data, size_t len);
void rp_buf_push(rp_buf *b, uint8_t byte);
/* rp_buf_consume drops the first n bytes (n <= len). */
void rp_buf_consume(rp_buf *b, size_t n);
void rp_buf_free(rp_buf *b);

/* rp_str is a NUL-terminated string builder; s is "" (never NULL) once used
 * through rp_str_cstr. */
typedef struct rp_str {
    char *s;
    size_t len;
    size_t cap;
} rp_str;

void rp_str_add(rp_str *s, const char *text);
void rp_str_addn(rp_str *s, const char *text, size_t n);
#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
void rp_str_addf(rp_str *s, const char *fmt, ...);
/* rp_str_printable appends bytes, replacing non-printable ones by '.', cut
 * to max bytes with "..." when longer. */
void rp_str_printable(rp_str *s, const uint8_t *data, size_t len, size_t max);
const char *rp_str_cstr(const rp_str *s);
void rp_str_clear(rp_str *s);
void rp_str_free(rp_str *s);

/* rp_xmalloc / rp_xrealloc / rp_xstrdup abort on failure. */
void *rp_xmalloc(size_t n);
void *rp_xrealloc(void *p, size_t n);
char *rp_xstrdup(const char *s);

#endif
