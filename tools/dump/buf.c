/* Growable byte buffers with a hard cap, for the stream and reassembly
 * layers. */
#include <stdlib.h>
#include <string.h>

#include "dump_internal.h"

bool dump__buf_append(dump_buf *b, const uint8_t *p, size_t n, size_t limit) {
    if (n == 0) {
        return true;
    }
    if (b->len + n > limit || b->len + n < b->len) {
        return false;
    }
    if (b->len + n > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < b->len + n) {
            cap *= 2;
        }
        if (cap > limit) {
            cap = limit;
        }
        uint8_t *np = realloc(b->ptr, cap);
        if (np == NULL) {
            return false;
        }
        b->ptr = np;
        b->cap = cap;
    }
    memcpy(b->ptr + b->len, p, n);
    b->len += n;
    return true;
}

void dump__buf_consume(dump_buf *b, size_t n) {
    if (n >= b->len) {
        b->len = 0;
    } else {
        memmove(b->ptr, b->ptr + n, b->len - n);
        b->len -= n;
    }
    /* Give back large buffers once they are empty so that one big packet
     * does not pin memory for the rest of the flow. */
    if (b->len == 0 && b->cap > (size_t)1 << 20) {
        free(b->ptr);
        b->ptr = NULL;
        b->cap = 0;
    }
}

void dump__buf_free(dump_buf *b) {
    free(b->ptr);
    b->ptr = NULL;
    b->len = 0;
    b->cap = 0;
}
