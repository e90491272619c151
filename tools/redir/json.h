/*
 * A small streaming JSON writer for the redir tool.
 *
 * Output is compact: no spaces, and a newline after each top-level value, so a
 * sequence of top-level objects is JSON Lines. The writer places commas and
 * tracks nesting itself; callers only say what comes next.
 *
 * Strings are written from (pointer, length) and may hold any bytes:
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
 * Misuse (a key outside an object, a value without its key inside an object,
 * unbalanced ends, nesting deeper than JSON_MAX_DEPTH) is a programming
 * error: the writer aborts.
 */
#ifndef REDIR_TOOL_JSON_H
#define REDIR_TOOL_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define JSON_MAX_DEPTH 32

typedef struct json_writer {
    FILE *out;
    unsigned depth;                   /* open containers */
    char open[JSON_MAX_DEPTH];        /* '{' or '[' per level */
    bool has_items[JSON_MAX_DEPTH];   /* the level already holds a member or element */
    bool after_key;                   /* a key was written; its value comes next */
    bool in_string;                   /* between json_str_begin and json_str_end */
} json_writer;

/* json_init prepares j to write to out. */
void json_init(json_writer *j, FILE *out);

void json_object_begin(json_writer *j);
void json_object_end(json_writer *j);
void json_array_begin(json_writer *j);
void json_array_end(json_writer *j);

/* json_key writes a member name (NUL-terminated); the next call writes its value. */
void json_key(json_writer *j, const char *key);
/* json_key_bytes writes a member name given as bytes, escaped like a string. */
void json_key_bytes(json_writer *j, const void *ptr, size_t len);

/* Values. */
void json_string(json_writer *j, const void *ptr, size_t len);
void json_cstring(json_writer *j, const char *s);
void json_hex(json_writer *j, const void *ptr, size_t len); /* lower-case hex digits */
void json_u64(json_writer *j, uint64_t v);
void json_bool(json_writer *j, bool v);
void json_null(json_writer *j);

/* A string value written in pieces: json_str_begin, any number of
 * json_str_text (escaped as above) and json_str_hex pieces, json_str_end. */
void json_str_begin(json_writer *j);
void json_str_text(json_writer *j, const void *ptr, size_t len);
void json_str_hex(json_writer *j, const void *ptr, size_t len);
void json_str_end(json_writer *j);

/* Shorthands for a member: key then value. */
void json_member_string(json_writer *j, const char *key, const void *ptr, size_t len);
void json_member_cstring(json_writer *j, const char *key, const char *s);
void json_member_hex(json_writer *j, const char *key, const void *ptr, size_t len);
void json_member_u64(json_writer *j, const char *key, uint64_t v);
void json_member_bool(json_writer *j, const char *key, bool v);
void json_member_null(json_writer *j, const char *key);

/* json_complete is true when no container or string is open. */
bool json_complete(const json_writer *j);

#endif
