/* Parsing hexadecimal text given on the command line. */
#ifndef REDIR_TOOL_HEX_H
#define REDIR_TOOL_HEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* hex_digit returns the value of one hex digit (either case), or -1. */
int hex_digit(char c);

/* hex_error describes why hex_parse_parts failed. */
typedef struct hex_error {
    size_t part;   /* index of the offending part */
    size_t offset; /* byte offset inside that part */
    char bad;      /* the offending character; 0 when the digit count was odd */
} hex_error;

/* hex_parse_parts decodes the concatenation of parts[0..num_parts) as hex
 * bytes. Whitespace may appear anywhere, even between the two digits of a
 * byte. On success *out is a malloc'd buffer (free it; NULL when *out_len is
 * 0). Returns false for a character that is neither a hex digit nor
 * whitespace, or for an odd number of digits, and then fills *err. */
bool hex_parse_parts(const char *const *parts, size_t num_parts, uint8_t **out, size_t *out_len,
                     hex_error *err);

/* hex_parse_u64 parses 1 to 16 hex digits, with an optional 0x/0X prefix and
 * nothing else, into *out. */
bool hex_parse_u64(const char *s, uint64_t *out);

#endif
