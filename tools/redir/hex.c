#include "hex.h"

#include <stdlib.h>

int hex_digit(char c) {
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

static bool is_space(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

bool hex_parse_parts(const char *const *parts, size_t num_parts, uint8_t **out, size_t *out_len,
                     hex_error *err) {
    size_t digits = 0;
    for (size_t p = 0; p < num_parts; p++) {
        for (size_t i = 0; parts[p][i] != '\0'; i++) {
            char c = parts[p][i];
            if (hex_digit(c) >= 0) {
                digits++;
            } else if (!is_space(c)) {
                err->part = p;
                err->offset = i;
                err->bad = c;
                return false;
            }
        }
    }
    if (digits % 2 != 0) {
        err->part = num_parts;
        err->offset = 0;
        err->bad = 0;
        return false;
    }
    *out_len = digits / 2;
    *out = NULL;
    if (digits == 0) {
        return true;
    }
    uint8_t *buf = malloc(digits / 2);
    if (buf == NULL) {
        abort();
    }
    size_t n = 0;
    int high = -1;
    for (size_t p = 0; p < num_parts; p++) {
        for (size_t i = 0; parts[p][i] != '\0'; i++) {
            int d = hex_digit(parts[p][i]);
            if (d < 0) {
                continue;
            }
            if (high < 0) {
                high = d;
            } else {
                buf[n++] = (uint8_t)(high << 4 | d);
                high = -1;
            }
        }
    }
    *out = buf;
    return true;
}

bool hex_parse_u64(const char *s, uint64_t *out) {
    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        s += 2;
    }
    uint64_t v = 0;
    size_t n = 0;
    for (; s[n] != '\0'; n++) {
        int d = hex_digit(s[n]);
        if (d < 0 || n == 16) {
            return false;
        }
        v = v << 4 | (uint64_t)d;
    }
    if (n == 0) {
        return false;
    }
    *out = v;
    return true;
}
