#include "json.h"

#include <stdlib.h>
#include <string.h>

static void json_misuse(const char *what) {
    fprintf(stderr, "json writer misuse: %s\n", what);
    abort();
}

void json_init(json_writer *j, FILE *out) {
    memset(j, 0, sizeof *j);
    j->out = out;
}

bool json_complete(const json_writer *j) {
    return j->depth == 0 && !j->after_key && !j->in_string;
}

/* value_prefix runs before every value: the comma between array elements,
 * and the checks that a value is allowed here. */
static void value_prefix(json_writer *j) {
    if (j->in_string) {
        json_misuse("value inside an open string");
    }
    if (j->after_key) {
        j->after_key = false;
        return;
    }
    if (j->depth == 0) {
        return;
    }
    if (j->open[j->depth - 1] == '{') {
        json_misuse("value without a key inside an object");
    }
    if (j->has_items[j->depth - 1]) {
        putc(',', j->out);
    }
    j->has_items[j->depth - 1] = true;
}

/* value_done runs after every complete value: a top-level value ends its line. */
static void value_done(json_writer *j) {
    if (j->depth == 0) {
        putc('\n', j->out);
    }
}

static void open_container(json_writer *j, char c) {
    value_prefix(j);
    if (j->depth == JSON_MAX_DEPTH) {
        json_misuse("nesting too deep");
    }
    j->open[j->depth] = c;
    j->has_items[j->depth] = false;
    j->depth++;
    putc(c, j->out);
}

static void close_container(json_writer *j, char open, char close) {
    if (j->depth == 0 || j->open[j->depth - 1] != open || j->after_key || j->in_string) {
        json_misuse("unbalanced end");
    }
    j->depth--;
    putc(close, j->out);
    value_done(j);
}

void json_object_begin(json_writer *j) { open_container(j, '{'); }
void json_object_end(json_writer *j) { close_container(j, '{', '}'); }
void json_array_begin(json_writer *j) { open_container(j, '['); }
void json_array_end(json_writer *j) { close_container(j, '[', ']'); }

/* utf8_valid_len returns the length (2..4) of the well-formed UTF-8 sequence
 * starting at p[0] (a byte >= 0x80), or 0 when there is none. */
static size_t utf8_valid_len(const uint8_t *p, size_t n) {
    uint8_t b = p[0];
    uint8_t lo = 0x80;
    uint8_t hi = 0xBF;
    size_t need;
    if (b >= 0xC2 && b <= 0xDF) {
        need = 2;
    } else if (b == 0xE0) {
        need = 3;
        lo = 0xA0; /* no overlong forms */
    } else if (b == 0xED) {
        need = 3;
        hi = 0x9F; /* no UTF-16 surrogates */
    } else if (b >= 0xE1 && b <= 0xEF) {
        need = 3;
    } else if (b == 0xF0) {
        need = 4;
        lo = 0x90;
    } else if (b >= 0xF1 && b <= 0xF3) {
        need = 4;
    } else if (b == 0xF4) {
        need = 4;
        hi = 0x8F; /* nothing above U+10FFFF */
    } else {
        return 0;
    }
    if (n < need || p[1] < lo || p[1] > hi) {
        return 0;
    }
    for (size_t i = 2; i < need; i++) {
        if (p[i] < 0x80 || p[i] > 0xBF) {
            return 0;
        }
    }
    return need;
}

static const char hex_digits[] = "0123456789abcdef";

static void escape_byte(FILE *out, uint8_t b) {
    char e[6] = {'\\', 'u', '0', '0', hex_digits[b >> 4], hex_digits[b & 0x0F]};
    fwrite(e, 1, sizeof e, out);
}

static void write_escaped(FILE *out, const uint8_t *p, size_t n) {
    size_t run = 0; /* start of the pending run of bytes copied verbatim */
    size_t i = 0;
    while (i < n) {
        uint8_t b = p[i];
        if (b >= 0x20 && b < 0x80 && b != '"' && b != '\\') {
            i++;
            continue;
        }
        if (b >= 0x80) {
            size_t seq = utf8_valid_len(p + i, n - i);
            if (seq > 0) {
                i += seq;
                continue;
            }
        }
        if (i > run) {
            fwrite(p + run, 1, i - run, out);
        }
        if (b == '"' || b == '\\') {
            putc('\\', out);
            putc(b, out);
        } else {
            escape_byte(out, b);
        }
        i++;
        run = i;
    }
    if (n > run) {
        fwrite(p + run, 1, n - run, out);
    }
}

static void write_hex(FILE *out, const uint8_t *p, size_t n) {
    char buf[256];
    size_t used = 0;
    for (size_t i = 0; i < n; i++) {
        if (used == sizeof buf) {
            fwrite(buf, 1, used, out);
            used = 0;
        }
        buf[used++] = hex_digits[p[i] >> 4];
        buf[used++] = hex_digits[p[i] & 0x0F];
    }
    fwrite(buf, 1, used, out);
}

void json_key(json_writer *j, const char *key) { json_key_bytes(j, key, strlen(key)); }

void json_key_bytes(json_writer *j, const void *ptr, size_t len) {
    if (j->depth == 0 || j->open[j->depth - 1] != '{' || j->after_key || j->in_string) {
        json_misuse("key outside an object");
    }
    if (j->has_items[j->depth - 1]) {
        putc(',', j->out);
    }
    j->has_items[j->depth - 1] = true;
    putc('"', j->out);
    if (len > 0) {
        write_escaped(j->out, ptr, len);
    }
    putc('"', j->out);
    putc(':', j->out);
    j->after_key = true;
}

void json_str_begin(json_writer *j) {
    value_prefix(j);
    j->in_string = true;
    putc('"', j->out);
}

void json_str_text(json_writer *j, const void *ptr, size_t len) {
    if (!j->in_string) {
        json_misuse("string piece outside a string");
    }
    if (len > 0) {
        write_escaped(j->out, ptr, len);
    }
}

void json_str_hex(json_writer *j, const void *ptr, size_t len) {
    if (!j->in_string) {
        json_misuse("string piece outside a string");
    }
    if (len > 0) {
        write_hex(j->out, ptr, len);
    }
}

void json_str_end(json_writer *j) {
    if (!j->in_string) {
        json_misuse("string end without a string");
    }
    j->in_string = false;
    putc('"', j->out);
    value_done(j);
}

void json_string(json_writer *j, const void *ptr, size_t len) {
    json_str_begin(j);
    json_str_text(j, ptr, len);
    json_str_end(j);
}

void json_cstring(json_writer *j, const char *s) { json_string(j, s, strlen(s)); }

void json_hex(json_writer *j, const void *ptr, size_t len) {
    json_str_begin(j);
    json_str_hex(j, ptr, len);
    json_str_end(j);
}

void json_u64(json_writer *j, uint64_t v) {
    char buf[20];
    size_t pos = sizeof buf;
    do {
        buf[--pos] = (char)('0' + v % 10);
        v /= 10;
    } while (v != 0);
    value_prefix(j);
    fwrite(buf + pos, 1, sizeof buf - pos, j->out);
    value_done(j);
}

static void write_literal(json_writer *j, const char *lit) {
    value_prefix(j);
    fputs(lit, j->out);
    value_done(j);
}

void json_bool(json_writer *j, bool v) { write_literal(j, v ? "true" : "false"); }
void json_null(json_writer *j) { write_literal(j, "null"); }

void json_member_string(json_writer *j, const char *key, const void *ptr, size_t len) {
    json_key(j, key);
    json_string(j, ptr, len);
}

void json_member_cstring(json_writer *j, const char *key, const char *s) {
    json_key(j, key);
    json_cstring(j, s);
}

void json_member_hex(json_writer *j, const char *key, const void *ptr, size_t len) {
    json_key(j, key);
    json_hex(j, ptr, len);
}

void json_member_u64(json_writer *j, const char *key, uint64_t v) {
    json_key(j, key);
    json_u64(j, v);
}

void json_member_bool(json_writer *j, const char *key, bool v) {
    json_key(j, key);
    json_bool(j, v);
}

void json_member_null(json_writer *j, const char *key) {
    json_key(j, key);
    json_null(j);
}
