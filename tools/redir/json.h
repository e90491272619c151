/*
 * The record writer of the redir tool: one set of calls describes a record
 * (an object of named members), and the writer renders it either as JSON or
 * as one line of text. The packet descriptions (packet_json.h) are written
 * once against it, so `decode`, `dump --json` and dump's text lines cannot
 * drift apart: they are the same members under the same names.
 *
 * JSON style. Output is compact: no spaces, and a newline after each
 * top-level value, so a sequence of top-level objects is JSON Lines. The
 * writer places commas and tracks nesting itself; callers only say what
 * comes next. Strings are written from (pointer, length) and may hold any
 * bytes:
 *  - '"' and '\\' are escaped with a backslash;
 *  - bytes below 0x20 are written as \u00XX;
 *  - well-formed UTF-8 sequences (no overlong forms, no surrogates, nothing
 *    above U+10FFFF) pass through unchanged;
 *  - every other byte of 0x80 and above is written as \u00XX of the byte
 *    value. Since well-formed non-ASCII text is never escaped, a \u0080 ..
 *    \u00ff escape in this output always stands for a raw byte that was not
 *    part of valid UTF-8, never for the character of that code point.
 * Strings built in pieces (json_str_begin .. json_str_end) validate UTF-8
 * within each piece: a multi-byte sequence split across two pieces is
 * written as escaped bytes.
 *
 * Text style. A top-level object is one line: each member as " name=value"
 * (the caller may write a prefix first with json_text_raw); nested objects
 * as {name=value ...}, arrays as [value ...]. Null members are left out.
 * Strings are quoted, printable ASCII only ('"' and '\\' escaped, every other
 * byte as \xNN), and cut after JSON_TEXT_MAX_STRING bytes with "..." after
 * the closing quote; hex after JSON_TEXT_MAX_HEX bytes likewise. "Word"
 * members (json_member_word: the packet kind, a command name) are written
 * bare, without their name; flag members as 0x-prefixed hex; markers
 * (json_text_marker) appear in text only.
 *
 * Misuse (a key outside an object, a value without its key inside an object,
 * unbalanced ends, nesting deeper than JSON_MAX_DEPTH) is a programming
 * error: the writer aborts.
 */
#ifndef REDIR_TOOL_JSON_H
#define REDIR_TOOL_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "out.h"

#define JSON_MAX_DEPTH 32
#define JSON_TEXT_MAX_STRING 200
#define JSON_TEXT_MAX_HEX 32

typedef enum json_style { JSON_STYLE_JSON = 0, JSON_STYLE_TEXT = 1 } json_style;

typedef struct json_writer {
    outbuf *out;
    json_style style;
    bool color;                       /* text: markers in bold red */
    unsigned depth;                   /* open containers */
    char open[JSON_MAX_DEPTH];        /* '{' or '[' per level */
    bool has_items[JSON_MAX_DEPTH];   /* the level already holds a member or element */
    bool after_key;                   /* a key was written; its value comes next */
    bool in_string;                   /* between json_str_begin and json_str_end */
    /* text: the key waiting for its value (a null value drops it) */
    const char *pending_key;
    size_t pending_len;
    size_t text_piece_used;           /* text: bytes shown of the string being built */
} json_writer;

/* json_init prepares j to write records in the given style to out. */
void json_init(json_writer *j, outbuf *out, json_style style);

static inline bool json_is_text(const json_writer *j) { return j->style == JSON_STYLE_TEXT; }

void json_object_begin(json_writer *j);
void json_object_end(json_writer *j);
void json_array_begin(json_writer *j);
void json_array_end(json_writer *j);

/* json_key_n writes a member name of n bytes (printable ASCII without '"' or
 * '\\': the program's own names, written without escaping); the next call
 * writes its value. json_key takes it NUL-terminated (inline, so that the
 * length of a literal is known when compiling). */
void json_key_n(json_writer *j, const char *key, size_t n);
/* json__key_put writes ,"key": in JSON style into room the caller made. */
static inline void json__key_put(json_writer *j, const char *key, size_t len) {
    outbuf *o = j->out;
    char *d = o->buf + o->len;
    size_t n = 0;
    if (j->has_items[j->depth - 1]) {
        d[n++] = ',';
    }
    j->has_items[j->depth - 1] = true;
    d[n++] = '"';
    memcpy(d + n, key, len);
    n += len;
    d[n++] = '"';
    d[n++] = ':';
    o->len += n;
    j->after_key = true;
}

__attribute__((always_inline)) static inline void json_key(json_writer *j, const char *key) {
    size_t len = strlen(key);
    /* The common case, inline: a JSON member with room in the buffer. */
    if (j->style == JSON_STYLE_JSON && j->depth > 0 && !j->after_key && !j->in_string &&
        j->open[j->depth - 1] == '{' && j->out->cap - j->out->len >= len + 4) {
        json__key_put(j, key, len);
        return;
    }
    json_key_n(j, key, len);
}

/* json_key_bytes writes a member name given as bytes, escaped like a string. */
void json_key_bytes(json_writer *j, const void *ptr, size_t len);

/* Values. */
void json_string(json_writer *j, const void *ptr, size_t len);
void json_cstring(json_writer *j, const char *s);
void json_hex(json_writer *j, const void *ptr, size_t len); /* lower-case hex digits */
void json_u64(json_writer *j, uint64_t v);
void json_bool(json_writer *j, bool v);
void json_null(json_writer *j);
/* json_decimal writes the number sec.frac with exactly frac_digits digits
 * after the point (sec may be negative). */
void json_decimal(json_writer *j, int64_t sec, uint64_t frac, unsigned frac_digits);

/* A string value written in pieces: json_str_begin, any number of
 * json_str_text (escaped as above) and json_str_hex pieces, json_str_end. */
void json_str_begin(json_writer *j);
void json_str_text(json_writer *j, const void *ptr, size_t len);
void json_str_hex(json_writer *j, const void *ptr, size_t len);
void json_str_end(json_writer *j);

/* Shorthands for a member: key then value. */
__attribute__((always_inline)) static inline void json_member_string(json_writer *j, const char *key, const void *ptr,
                                      size_t len) {
    json_key(j, key);
    json_string(j, ptr, len);
}
__attribute__((always_inline)) static inline void json_member_cstring(json_writer *j, const char *key, const char *s) {
    json_key(j, key);
    json_string(j, s, strlen(s));
}
__attribute__((always_inline)) static inline void json_member_hex(json_writer *j, const char *key, const void *ptr, size_t len) {
    json_key(j, key);
    json_hex(j, ptr, len);
}
__attribute__((always_inline)) static inline void json_member_u64(json_writer *j, const char *key, uint64_t v) {
    json_key(j, key);
    json_u64(j, v);
}
__attribute__((always_inline)) static inline void json_member_bool(json_writer *j, const char *key, bool v) {
    json_key(j, key);
    json_bool(j, v);
}
__attribute__((always_inline)) static inline void json_member_null(json_writer *j, const char *key) {
    json_key(j, key);
    json_null(j);
}

/* json_member_ascii: a string member whose bytes the program knows need no
 * escape (printable ASCII without '"' or '\\', e.g. a formatted address). */
void json_member_ascii(json_writer *j, const char *key, const char *s, size_t len);

/* json_member_word: a string member that text shows bare (" ok", not " kind=ok"). */
void json_member_word(json_writer *j, const char *key, const char *word);

/* A bit set with names: JSON gets key: the number, and key_flags: the names
 * of the bits set, in bit order (bits without a name as "0x..."); text gets
 * key=0x... with at least hex_digits digits. names[i] names bit i; NULL or
 * past count: no name. */
void json_member_flags(json_writer *j, const char *key, const char *flags_key, uint64_t v,
                       const char *const *names, size_t count, unsigned hex_digits);

/* json_text_marker writes " WORD" in text style (bold red when j->color), and
 * nothing in JSON. */
void json_text_marker(json_writer *j, const char *word);

/* json_text_raw writes bytes as they are, in text style only (a line prefix). */
void json_text_raw(json_writer *j, const void *ptr, size_t len);

/* json_complete is true when no container or string is open. */
bool json_complete(const json_writer *j);

#endif
