#include "testutil.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static int hexval(int c) {
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    c = tolower(c);
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    return -1;
}

size_t hex_decode(const char *hex, uint8_t *out, size_t cap) {
    size_t n = 0;
    int hi = -1;
    for (const char *p = hex; *p; p++) {
        if (isspace((unsigned char)*p)) {
            continue;
        }
        int v = hexval((unsigned char)*p);
        if (v < 0) {
            fprintf(stderr, "bad hex digit '%c' in test vector\n", *p);
            abort();
        }
        if (hi < 0) {
            hi = v;
        } else {
            if (n >= cap) {
                fprintf(stderr, "test vector too long\n");
                abort();
            }
            out[n++] = (uint8_t)(hi << 4 | v);
            hi = -1;
        }
    }
    if (hi >= 0) {
        fprintf(stderr, "odd number of hex digits in test vector\n");
        abort();
    }
    return n;
}

#define GUARD_AREA (64u * 1024u)

static uint8_t *guard_areas[4];

const uint8_t *guard_copy(int slot, const void *data, size_t len) {
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    if (slot < 0 || slot >= 4 || len > GUARD_AREA - page) {
        abort();
    }
    if (guard_areas[slot] == NULL) {
        uint8_t *m = mmap(NULL, GUARD_AREA + page, PROT_READ | PROT_WRITE,
                          MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (m == MAP_FAILED || mprotect(m + GUARD_AREA, page, PROT_NONE) != 0) {
            abort();
        }
        guard_areas[slot] = m;
    }
    uint8_t *dst = guard_areas[slot] + GUARD_AREA - len;
    if (len > 0) {
        memcpy(dst, data, len);
    }
    return dst;
}

static uint8_t hex_slots[8][65536];

const uint8_t *hexbuf(int slot, const char *hex, size_t *out_len) {
    if (slot < 0 || slot >= 8) {
        abort();
    }
    *out_len = hex_decode(hex, hex_slots[slot], sizeof hex_slots[slot]);
    return hex_slots[slot];
}
