/*
 * The mariadb-server grammar: MariaDB's own redirect_url check
 * (sql/sys_vars.cc, validate_redirect_url), byte for byte, quirks included.
 * The server reads one byte past the value (its terminating NUL) when the
 * port ends the string; here the end of the input plays that NUL's part.
 */
#include <string.h>

#include "reader.h"
#include "url_grammars.h"

/* find_colon: the first ':' in s[from..len), or len. Eight bytes at a time:
 * host names are short, and a libc call costs more than the search. */
static size_t find_colon(const uint8_t *s, size_t from, size_t len) {
    const uint64_t ones = 0x0101010101010101u;
    const uint64_t highs = 0x8080808080808080u;
    size_t i = from;
    while (len - i >= 8) {
        uint64_t w;
        memcpy(&w, s + i, sizeof w);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
        w = __builtin_bswap64(w);
#endif
        uint64_t x = w ^ (ones * ':');
        uint64_t m = (x - ones) & ~x & highs;
        if (m != 0) {
            return i + (size_t)(__builtin_ctzll(m) >> 3);
        }
        i += 8;
    }
    while (i < len && s[i] != ':') {
        i++;
    }
    return i;
}

redir_status redir__url_parse_server(redir_url *out, redir_diag *diag, const uint8_t *s,
                                     size_t len) {
    if (len == 0) {
        return REDIR_OK; /* "" clears the redirect */
    }
    size_t pos = 0;
    redir_status sst = redir__parse_scheme(out, s, len, &pos, diag);
    if (sst != REDIR_OK) {
        return sst;
    }
    /* The host is every byte up to the first ':' and may be empty when a
     * port follows. */
    size_t colon = find_colon(s, pos, len);
    redir_url_host *h = &out->hosts[0];
    out->num_hosts = 1;
    h->host = redir_span_of(s + pos, colon - pos);
    h->port = REDIR_DEFAULT_PORT;
    if (colon == len) {
        return REDIR_OK;
    }
    uint16_t port;
    redir_status st = redir__parse_port(s, colon + 1, len, &port, diag);
    if (st != REDIR_OK) {
        return st;
    }
    h->has_port = true;
    h->port = port;
    return REDIR_OK;
}
