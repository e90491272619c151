#include "replay_buf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void *rp_xmalloc(size_t n) {
    void *p = malloc(n == 0 ? 1 : n);
    if (p == NULL) {
        fputs("redir replay: out of memory\n", stderr);
        abort();
    }
    return p;
}

void *rp_xrealloc(void *p, size_t n) {
    void *q = realloc(p, n == 0 ? 1 : n);
    if (q == NULL) {
        fputs("redir replay: out of memory\n", stderr);
        abort();
    }
    return q;
}

char *rp_xstrdup(const char *s) {
    size_t n = strlen(s) + 1;
    char *d = rp_xmalloc(n);
    memcpy(d, s, n);
    return d;
}

static size_t grow(size_t cap, size_t need) {
    size_t n = cap < 64 ? 64 : cap;
    while (n < need) {
        if (n > SIZE_MAX / 2) {
            return need;
        }
        n *= 2;
    }
    return n;
}

void rp_buf_reserve(rp_buf *b, size_t extra) {
    if (extra > SIZE_MAX - b->len) {
        fputs("redir replay: buffer size overflow\n", stderr);
        abort();
    }
    if (b->len + extra > b->cap) {
        b->cap = grow(b->cap, b->len + extra);
        b->data = rp_xrealloc(b->data, b->cap);
    }
}

void rp_buf_append(rp_buf *b, const void *data, size_t len) {
    if (len == 0) {
        return;
    }
    rp_buf_reserve(b, len);
    memcpy(b->data + b->len, data, len);
    b->len += len;
}

void rp_buf_push(rp_buf *b, uint8_t byte) {
    rp_buf_append(b, &byte, 1);
}

void rp_buf_consume(rp_buf *b, size_t n) {
    if (n >= b->len) {
        b->len = 0;
        return;
    }
    memmove(b->data, b->data + n, b->len - n);
    b->len -= n;
}

void rp_buf_free(rp_buf *b) {
    free(b->data);
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
}

static void str_reserve(rp_str *s, size_t extra) {
    if (s->len + extra + 1 > s->cap) {
        s->cap = grow(s->cap, s->len + extra + 1);
        s->s = rp_xrealloc(s->s, s->cap);
    }
}

void rp_str_addn(rp_str *s, const char *text, size_t n) {
    str_reserve(s, n);
    if (n > 0) {
        memcpy(s->s + s->len, text, n);
    }
    s->len += n;
    s->s[s->len] = '\0';
}

void rp_str_add(rp_str *s, const char *text) {
    rp_str_addn(s, text, strlen(text));
}

void rp_str_addf(rp_str *s, const char *fmt, ...) {
    char small[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0) {
        return;
    }
    if ((size_t)n < sizeof small) {
        rp_str_addn(s, small, (size_t)n);
        return;
    }
    str_reserve(s, (size_t)n);
    va_start(ap, fmt);
    vsnprintf(s->s + s->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    s->len += (size_t)n;
}

void rp_str_printable(rp_str *s, const uint8_t *data, size_t len, size_t max) {
    size_t n = len > max ? max : len;
    str_reserve(s, n + 3);
    for (size_t i = 0; i < n; i++) {
        uint8_t c = data[i];
        s->s[s->len++] = (c >= 0x20 && c < 0x7f) ? (char)c : '.';
    }
    s->s[s->len] = '\0';
    if (len > max) {
        rp_str_add(s, "...");
    }
}

const char *rp_str_cstr(const rp_str *s) {
    return s->s != NULL ? s->s : "";
}

void rp_str_clear(rp_str *s) {
    s->len = 0;
    if (s->s != NULL) {
        s->s[0] = '\0';
    }
}

void rp_str_free(rp_str *s) {
    free(s->s);
    s->s = NULL;
    s->len = 0;
    s->cap = 0;
}
