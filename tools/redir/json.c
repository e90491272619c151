#include "json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void json_misuse(const char *what) {
    fprintf(stderr, "json writer misuse: %s\n", what);
    abort();
}

void json_init(json_writer *j, outbuf *out, json_style style) {
    memset(j, 0, sizeof *j);
    j->out = out;
    j->style = style;
}

bool json_complete(const json_writer *j) {
    return j->depth == 0 && !j->after_key && !j->in_string;
}

/* text_separator: the space before an item, except the first item of a
 * nested container (a top-level record's members all follow a prefix). */
static void text_separator(json_writer *j) {
    if (j->depth == 1 || j->has_items[j->depth - 1]) {
        out_byte(j->out, ' ');
    }
}

/* value_prefix runs before every value: the comma between array elements
 * (JSON) or the pending key (text), and the checks that a value is allowed
 * here. */
static void value_prefix(json_writer *j) {
    if (j->in_string) {
        json_misuse("value inside an open string");
    }
    if (j->after_key) {
        j->after_key = false;
        if (j->style == JSON_STYLE_TEXT) {
            text_separator(j);
            j->has_items[j->depth - 1] = true;
            out_text_escaped(j->out, j->pending_key, j->pending_len);
            out_byte(j->out, '=');
        }
        return;
    }
    if (j->depth == 0) {
        return;
    }
    if (j->open[j->depth - 1] == '{') {
        json_misuse("value without a key inside an object");
    }
    if (j->has_items[j->depth - 1]) {
        out_byte(j->out, j->style == JSON_STYLE_TEXT ? ' ' : ',');
    }
    j->has_items[j->depth - 1] = true;
}

/* value_done runs after every complete value: a top-level value ends its line. */
static void value_done(json_writer *j) {
    if (j->depth == 0) {
        out_record_end(j->out);
    }
}

static void open_container(json_writer *j, char c) {
    value_prefix(j);
    if (j->depth == JSON_MAX_DEPTH) {
        json_misuse("nesting too deep");
    }
    if (j->style == JSON_STYLE_JSON || j->depth > 0) {
        out_byte(j->out, c);
    }
    j->open[j->depth] = c;
    j->has_items[j->depth] = false;
    j->depth++;
}

static void close_container(json_writer *j, char open, char close) {
    if (j->depth == 0 || j->open[j->depth - 1] != open || j->after_key || j->in_string) {
        json_misuse("unbalanced end");
    }
    j->depth--;
    if (j->style == JSON_STYLE_JSON || j->depth > 0) {
        out_byte(j->out, close);
    }
    value_done(j);
}

void json_object_begin(json_writer *j) { open_container(j, '{'); }
void json_object_end(json_writer *j) { close_container(j, '{', '}'); }
void json_array_begin(json_writer *j) { open_container(j, '['); }
void json_array_end(json_writer *j) { close_container(j, '[', ']'); }

/* json_key's names come from this program: plain ASCII that needs no escape,
 * so they are copied as they are. */
void json_key_n(json_writer *j, const char *key, size_t len) {
    if (j->style == JSON_STYLE_TEXT) {
        json_key_bytes(j, key, len);
        return;
    }
    if (j->depth == 0 || j->open[j->depth - 1] != '{' || j->after_key || j->in_string) {
        json_misuse("key outside an object");
    }
    (void)out_reserve(j->out, len + 4);
    json__key_put(j, key, len);
}

void json_key_bytes(json_writer *j, const void *ptr, size_t len) {
    if (j->depth == 0 || j->open[j->depth - 1] != '{' || j->after_key || j->in_string) {
        json_misuse("key outside an object");
    }
    j->after_key = true;
    if (j->style == JSON_STYLE_TEXT) {
        j->pending_key = ptr;
        j->pending_len = len;
        return;
    }
    outbuf *o = j->out;
    if (j->has_items[j->depth - 1]) {
        out_byte(o, ',');
    }
    j->has_items[j->depth - 1] = true;
    out_byte(o, '"');
    out_json_escaped(o, ptr, len);
    out_bytes(o, "\":", 2);
}

void json_str_begin(json_writer *j) {
    value_prefix(j);
    j->in_string = true;
    j->text_piece_used = 0;
    out_byte(j->out, '"');
}

/* text_budget: how many of len more bytes a text string may still show. */
static size_t text_budget(json_writer *j, size_t len, size_t max) {
    size_t left = j->text_piece_used < max ? max - j->text_piece_used : 0;
    size_t n = len < left ? len : left;
    j->text_piece_used += len;
    return n;
}

void json_str_text(json_writer *j, const void *ptr, size_t len) {
    if (!j->in_string) {
        json_misuse("string piece outside a string");
    }
    if (j->style == JSON_STYLE_TEXT) {
        out_text_escaped(j->out, ptr, text_budget(j, len, JSON_TEXT_MAX_STRING));
    } else {
        out_json_escaped(j->out, ptr, len);
    }
}

void json_str_hex(json_writer *j, const void *ptr, size_t len) {
    if (!j->in_string) {
        json_misuse("string piece outside a string");
    }
    if (j->style == JSON_STYLE_TEXT) {
        len = text_budget(j, len, JSON_TEXT_MAX_HEX);
    }
    out_hex(j->out, ptr, len);
}

void json_str_end(json_writer *j) {
    if (!j->in_string) {
        json_misuse("string end without a string");
    }
    j->in_string = false;
    out_byte(j->out, '"');
    if (j->style == JSON_STYLE_TEXT && j->text_piece_used > JSON_TEXT_MAX_STRING) {
        out_bytes(j->out, "...", 3);
    }
    value_done(j);
}

void json_string(json_writer *j, const void *ptr, size_t len) {
    json_str_begin(j);
    json_str_text(j, ptr, len);
    json_str_end(j);
}

void json_cstring(json_writer *j, const char *s) { json_string(j, s, strlen(s)); }

void json_hex(json_writer *j, const void *ptr, size_t len) {
    if (j->style == JSON_STYLE_TEXT) {
        value_prefix(j);
        size_t n = len < JSON_TEXT_MAX_HEX ? len : JSON_TEXT_MAX_HEX;
        out_hex(j->out, ptr, n);
        if (n < len) {
            out_bytes(j->out, "...", 3);
        }
        value_done(j);
        return;
    }
    value_prefix(j);
    out_byte(j->out, '"');
    out_hex(j->out, ptr, len);
    out_byte(j->out, '"');
    value_done(j);
}

void json_u64(json_writer *j, uint64_t v) {
    value_prefix(j);
    out_u64(j->out, v);
    value_done(j);
}

void json_decimal(json_writer *j, int64_t sec, uint64_t frac, unsigned frac_digits) {
    value_prefix(j);
    out_i64(j->out, sec);
    out_byte(j->out, '.');
    out_dec_fixed(j->out, frac, frac_digits);
    value_done(j);
}

static void write_literal(json_writer *j, const char *lit) {
    value_prefix(j);
    out_cstr(j->out, lit);
    value_done(j);
}

void json_bool(json_writer *j, bool v) { write_literal(j, v ? "true" : "false"); }

void json_null(json_writer *j) {
    if (j->style == JSON_STYLE_TEXT && j->after_key) {
        j->after_key = false; /* text leaves null members out */
        return;
    }
    write_literal(j, "null");
}

void json_member_ascii(json_writer *j, const char *key, const char *s, size_t len) {
    json_key(j, key);
    if (j->style == JSON_STYLE_TEXT) {
        json_string(j, s, len);
        return;
    }
    value_prefix(j);
    char *d = out_reserve(j->out, len + 2);
    d[0] = '"';
    memcpy(d + 1, s, len);
    d[len + 1] = '"';
    j->out->len += len + 2;
    value_done(j);
}

void json_member_word(json_writer *j, const char *key, const char *word) {
    if (j->style == JSON_STYLE_JSON) {
        json_member_cstring(j, key, word);
        return;
    }
    if (j->depth == 0 || j->open[j->depth - 1] != '{' || j->after_key || j->in_string) {
        json_misuse("key outside an object");
    }
    text_separator(j);
    j->has_items[j->depth - 1] = true;
    out_text_escaped(j->out, word, strlen(word));
}

void json_member_flags(json_writer *j, const char *key, const char *flags_key, uint64_t v,
                       const char *const *names, size_t count, unsigned hex_digits) {
    json_key(j, key);
    if (j->style == JSON_STYLE_TEXT) {
        value_prefix(j);
        out_bytes(j->out, "0x", 2);
        out_hex_u64(j->out, v, hex_digits);
        value_done(j);
        return;
    }
    json_u64(j, v);
    json_key(j, flags_key);
    json_array_begin(j);
    for (unsigned bit = 0; bit < 64; bit++) {
        uint64_t m = UINT64_C(1) << bit;
        if ((v & m) == 0) {
            continue;
        }
        if (bit < count && names[bit] != NULL) {
            json_cstring(j, names[bit]);
        } else {
            value_prefix(j);
            out_bytes(j->out, "\"0x", 3);
            out_hex_u64(j->out, m, 1);
            out_byte(j->out, '"');
        }
    }
    json_array_end(j);
}

void json_text_marker(json_writer *j, const char *word) {
    if (j->style != JSON_STYLE_TEXT) {
        return;
    }
    out_cstr(j->out, j->color ? " \033[1;31m" : " ");
    out_cstr(j->out, word);
    if (j->color) {
        out_cstr(j->out, "\033[0m");
    }
}

void json_text_raw(json_writer *j, const void *ptr, size_t len) {
    if (j->style == JSON_STYLE_TEXT) {
        out_bytes(j->out, ptr, len);
    }
}
