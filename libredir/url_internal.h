/*
 * Internal helpers shared by the URL grammars (url_*.c) and the compatibility
 * report (compat.c), implemented in url_common.c, which calls no grammar: the
 * grammars are declared in url_grammars.h and dispatched from url.c. Positions are byte offsets into the caller's input; no
 * helper reads at or past the length it is given.
 */
#ifndef REDIR_URL_INTERNAL_H
#define REDIR_URL_INTERNAL_H

#include <string.h>

#include "reader.h"
#include "redir/url.h"
#include "util.h"

/* --- character classes (RFC 3986 section 2) --- */

static inline bool redir__is_alpha(uint8_t c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static inline bool redir__is_unreserved(uint8_t c) {
    return redir__is_alpha(c) || redir__is_digit(c) || c == '-' || c == '.' || c == '_' ||
           c == '~';
}

static inline bool redir__is_sub_delim(uint8_t c) {
    return c == '!' || c == '$' || c == '&' || c == '\'' || c == '(' || c == ')' || c == '*' ||
           c == '+' || c == ',' || c == ';' || c == '=';
}

/* redir__has_prefix: s[pos..len) starts with the NUL-terminated lit. */
static inline bool redir__has_prefix(const uint8_t *s, size_t len, size_t pos, const char *lit) {
    size_t n = strlen(lit);
    return pos <= len && len - pos >= n && (n == 0 || memcmp(s + pos, lit, n) == 0);
}

/* redir__find_byte: the offset of the first c in s[from..to), or to. */
static inline size_t redir__find_byte(const uint8_t *s, size_t from, size_t to, uint8_t c) {
    const uint8_t *p = from < to ? (const uint8_t *)memchr(s + from, c, to - from) : NULL;
    return p != NULL ? (size_t)(p - s) : to;
}

/* redir__common_prefix: how many leading bytes of s[pos..len) equal lit. */
size_t redir__common_prefix(const uint8_t *s, size_t len, size_t pos, const char *lit);

/* --- shared pieces of the grammars (url_common.c) --- */

/* Character classes of URL components, one bit each in redir__url_class[c]
 * (a table, so that a scan costs one load per byte):
 *  USER       unreserved / sub-delims (also a reg-name host)
 *  PASSWORD   USER / ':'
 *  PCHAR      RFC 3986 pchar without '/': USER / ':' / '@'
 *  QUERY_KEY  PCHAR / '/' / '?', except '&' and '='
 *  QUERY_VAL  PCHAR / '/' / '?', except '&'
 *  MULTI_HOST USER except ',', '(' and ')' (the multi grammar's separators)
 *  ZONE       unreserved (RFC 6874 ZoneID) */
#define REDIR__C_USER 0x01u
#define REDIR__C_PASSWORD 0x02u
#define REDIR__C_PCHAR 0x04u
#define REDIR__C_QUERY_KEY 0x08u
#define REDIR__C_QUERY_VAL 0x10u
#define REDIR__C_MULTI_HOST 0x20u
#define REDIR__C_ZONE 0x40u
extern const uint8_t redir__url_class[256];

/* redir__scan_component checks s[from..to): every byte is in the class
 * (a REDIR__C_* bit) or is the start of a "%XX" escape. A '%' without two hex
 * digits yields E_URL_PERCENT; any other byte bad_status. diag offsets are
 * absolute. */
redir_status redir__scan_component(const uint8_t *s, size_t from, size_t to, unsigned cls,
                                   redir_status bad_status, redir_diag *diag);

/* redir__parse_port reads the decimal port at s[from..to) (to > from is not
 * required): no digit at all -> E_URL_PORT at from; a value above 65535 ->
 * E_URL_PORT_RANGE at the digit that made it so; a non-digit after at least one
 * digit -> E_URL_TRAILING at that byte. Leading zeros are allowed. */
static inline redir_status redir__parse_port(const uint8_t *s, size_t from, size_t to,
                                             uint16_t *out, redir_diag *diag) {
    size_t end = from;
    redir_status st = redir__scan_port(s, from, to, out, &end);
    if (st == REDIR_OK && end < to) {
        st = REDIR_E_URL_TRAILING;
    }
    return st == REDIR_OK ? REDIR_OK : rd_fail(diag, st, end, 0);
}

/* redir__parse_decimal_u64: s[from..to) is one or more digits whose value fits
 * 64 bits; false otherwise. */
bool redir__parse_decimal_u64(const uint8_t *s, size_t from, size_t to, uint64_t *out);

/* redir__parse_tail parses what follows the host list of the connector and
 * multi grammars, from s[pos] ('/' or '?'; a '?' only when allow_bare_query)
 * to the end: [/database][?query]; database and query are validated,
 * query options walked and a "ttl" option stored. */
redir_status redir__parse_tail(redir_url *out, const uint8_t *s, size_t len, size_t pos,
                               bool allow_bare_query, redir_diag *diag);

/* redir__parse_reg_name_host checks a non-empty registered name host at
 * s[from..to) (RFC 3986 reg-name, no percent-encoded NUL; multi excludes ','). */
redir_status redir__parse_reg_name_host(const uint8_t *s, size_t from, size_t to, bool multi,
                                        redir_diag *diag);

/* redir__parse_ip_literal checks the literal "[" IPv6 ["%25" zone] "]" that
 * spans s[from..to): it reads only the inside, s[from + 1 .. to - 1), so the
 * brackets themselves are the caller's business. Errors are E_URL_IPV6 (or
 * E_URL_PERCENT inside the zone) at the offending byte. */
redir_status redir__parse_ip_literal(const uint8_t *s, size_t from, size_t to, redir_diag *diag);

/* redir__ipv6_parse parses an IPv6 address (RFC 4291 section 2.2 text form,
 * with the stricter IPv4 tail of the WHATWG URL standard: no leading zeros,
 * each part 0..255) at s[from..to) into eight 16-bit pieces. On failure
 * returns false with *err_off at the offending byte. */
bool redir__ipv6_parse(const uint8_t *s, size_t from, size_t to, uint16_t pieces[8],
                       size_t *err_off);

/* redir__ipv6_format writes the canonical text form (RFC 5952: lower-case,
 * no leading zeros, the first longest run of two or more zero pieces as "::")
 * into out (at least 40 bytes) and returns its length. */
size_t redir__ipv6_format(const uint16_t pieces[8], char out[40]);

/* redir__parse_scheme reads "mysql://" or "mariadb://" (case-sensitive) at
 * the start of s, sets out->scheme and *pos to the byte after "//"; fails
 * with E_URL_SCHEME (offset: the first byte that differs from both) or
 * E_URL_EMPTY when nothing follows. */
redir_status redir__scheme_fail(redir_diag *diag, const uint8_t *s, size_t len);

static inline redir_status redir__parse_scheme(redir_url *out, const uint8_t *s, size_t len,
                                               size_t *pos, redir_diag *diag) {
    if (len >= 8 && memcmp(s, "mysql://", 8) == 0) {
        out->scheme = redir_span_of(s, 5);
        *pos = 8;
    } else if (len >= 10 && memcmp(s, "mariadb://", 10) == 0) {
        out->scheme = redir_span_of(s, 7);
        *pos = 10;
    } else {
        return redir__scheme_fail(diag, s, len);
    }
    if (*pos == len) {
        return rd_fail(diag, REDIR_E_URL_EMPTY, *pos, 0);
    }
    return REDIR_OK;
}

/* redir__parse_host_port reads host[:port] or [ip-literal][:port] at
 * s[from..to) into *h (port REDIR_DEFAULT_PORT when absent). multi selects
 * the host-list grammar's host characters. */
redir_status redir__parse_host_port(redir_url_host *h, const uint8_t *s, size_t from, size_t to,
                                    bool multi, redir_diag *diag);

#endif
