#include <stddef.h>
#include <string.h>

#include "reader.h"
#include "url_internal.h"

redir_status redir_url_option_next(redir_span *rest, redir_span *key, redir_span *value) {
    if (rest == NULL || key == NULL || value == NULL || (rest->ptr == NULL && rest->len > 0)) {
        return REDIR_E_INVALID_ARGUMENT;
    }
    const uint8_t *p = rest->ptr;
    size_t n = rest->len;
    /* Empty segments ("a=1&&b=2", a trailing '&') carry no option. */
    while (n > 0 && p[0] == '&') {
        p++;
        n--;
    }
    if (n == 0) {
        *rest = redir_span_of(p, 0);
        return REDIR_DONE;
    }
    const uint8_t *amp = memchr(p, '&', n);
    size_t seg = amp != NULL ? (size_t)(amp - p) : n;
    const uint8_t *eq = memchr(p, '=', seg);
    if (eq != NULL) {
        size_t klen = (size_t)(eq - p);
        *key = redir_span_of(p, klen);
        *value = redir_span_of(eq + 1, seg - klen - 1);
    } else {
        *key = redir_span_of(p, seg);
        *value = redir_span_of(p + seg, 0);
    }
    size_t used = amp != NULL ? seg + 1 : seg;
    *rest = redir_span_of(p + used, n - used);
    return REDIR_OK;
}

redir_status redir_pct_decode(uint8_t *out, size_t cap, size_t *out_len, redir_diag *diag,
                              redir_span in) {
    if (out_len == NULL || (in.ptr == NULL && in.len > 0) || (out == NULL && cap > 0)) {
        return rd_fail(diag, REDIR_E_INVALID_ARGUMENT, 0, 0);
    }
    /* First pass validates and sizes, so nothing is written for bad input. */
    size_t need = 0;
    for (size_t i = 0; i < in.len; i++) {
        if (in.ptr[i] == '%') {
            if (in.len - i < 3 || redir__hexval(in.ptr[i + 1]) < 0 ||
                redir__hexval(in.ptr[i + 2]) < 0) {
                *out_len = 0;
                return rd_fail(diag, REDIR_E_URL_PERCENT, i, 0);
            }
            i += 2;
        }
        need++;
    }
    *out_len = need;
    if (need > cap) {
        return rd_fail(diag, REDIR_E_NOSPACE, 0, 0);
    }
    size_t o = 0;
    for (size_t i = 0; i < in.len; i++) {
        uint8_t c = in.ptr[i];
        if (c == '%') {
            c = (uint8_t)(redir__hexval(in.ptr[i + 1]) << 4 | redir__hexval(in.ptr[i + 2]));
            i += 2;
        }
        out[o++] = c;
    }
    return REDIR_OK;
}

/* ------------------------------------------------------------------------- */

size_t redir__common_prefix(const uint8_t *s, size_t len, size_t pos, const char *lit) {
    size_t n = 0;
    while (lit[n] != '\0' && pos + n < len && s[pos + n] == (uint8_t)lit[n]) {
        n++;
    }
    return n;
}

/* Generated from the predicates in url_internal.h (tests/unit/test_url_common.c
 * checks every byte against them). */
const uint8_t redir__url_class[256] = {
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x3f, 0x00, 0x00, 0x3f, 0x00, 0x27, 0x3f, 0x1f, 0x1f, 0x3f, 0x3f, 0x1f, 0x7f, 0x7f, 0x18,
    0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0x1e, 0x3f, 0x00, 0x37, 0x00, 0x18,
    0x1c, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f,
    0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0x00, 0x00, 0x00, 0x00, 0x7f,
    0x00, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f,
    0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0x00, 0x00, 0x00, 0x7f, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
};

/* scan_class is redir__scan_component that also reports where the first '%'
 * is (to when there is none). */
static redir_status scan_class(const uint8_t *s, size_t from, size_t to, unsigned cls,
                               redir_status bad_status, redir_diag *diag, size_t *first_pct) {
    *first_pct = to;
    for (size_t i = from; i < to; i++) {
        uint8_t c = s[i];
        if ((redir__url_class[c] & cls) != 0) {
            continue;
        }
        if (c == '%') {
            if (*first_pct == to) {
                *first_pct = i;
            }
            if (to - i < 3 || redir__hexval(s[i + 1]) < 0 || redir__hexval(s[i + 2]) < 0) {
                return rd_fail(diag, REDIR_E_URL_PERCENT, i, 0);
            }
            i += 2;
        } else {
            return rd_fail(diag, bad_status, i, 0);
        }
    }
    return REDIR_OK;
}

redir_status redir__scan_component(const uint8_t *s, size_t from, size_t to, unsigned cls,
                                   redir_status bad_status, redir_diag *diag) {
    size_t first_pct;
    return scan_class(s, from, to, cls, bad_status, diag, &first_pct);
}

bool redir__parse_decimal_u64(const uint8_t *s, size_t from, size_t to, uint64_t *out) {
    if (from >= to) {
        return false;
    }
    uint64_t v = 0;
    for (size_t i = from; i < to; i++) {
        if (!redir__is_digit(s[i])) {
            return false;
        }
        uint64_t d = (uint64_t)(s[i] - '0');
        if (v > (UINT64_MAX - d) / 10) {
            return false;
        }
        v = v * 10 + d;
    }
    *out = v;
    return true;
}

static redir_status parse_query(redir_url *out, const uint8_t *s, size_t from, size_t to,
                                redir_diag *diag) {
    size_t a = from;
    while (a < to) {
        size_t b = redir__find_byte(s, a, to, '&');
        size_t eq = redir__find_byte(s, a, b, '=');
        if (eq == a) {
            return rd_fail(diag, REDIR_E_URL_OPTION, a, 0);
        }
        redir_status st =
            redir__scan_component(s, a, eq, REDIR__C_QUERY_KEY, REDIR_E_URL_CHAR, diag);
        if (st != REDIR_OK) {
            return st;
        }
        size_t vfrom = eq < b ? eq + 1 : b;
        st = redir__scan_component(s, vfrom, b, REDIR__C_QUERY_VAL, REDIR_E_URL_CHAR, diag);
        if (st != REDIR_OK) {
            return st;
        }
        if (eq - a == 3 && memcmp(s + a, "ttl", 3) == 0) {
            uint64_t ttl;
            if (!redir__parse_decimal_u64(s, vfrom, b, &ttl)) {
                return rd_fail(diag, REDIR_E_URL_TTL, vfrom, 0);
            }
            out->has_ttl = true;
            out->ttl = ttl;
        }
        if (b == to) {
            break;
        }
        a = b + 1;
        if (a == to) {
            /* a trailing '&' leaves an empty pair */
            return rd_fail(diag, REDIR_E_URL_OPTION, a, 0);
        }
    }
    return REDIR_OK;
}

redir_status redir__parse_tail(redir_url *out, const uint8_t *s, size_t len, size_t pos,
                               bool allow_bare_query, redir_diag *diag) {
    if (pos >= len) {
        return REDIR_OK;
    }
    if (s[pos] == '/') {
        size_t db_end = redir__find_byte(s, pos + 1, len, '?');
        redir_status st =
            redir__scan_component(s, pos + 1, db_end, REDIR__C_PCHAR, REDIR_E_URL_CHAR, diag);
        if (st != REDIR_OK) {
            return st;
        }
        out->has_path = true;
        out->database = redir_span_of(s + pos + 1, db_end - pos - 1);
        pos = db_end;
    } else if (s[pos] != '?' || !allow_bare_query) {
        return rd_fail(diag, REDIR_E_URL_CHAR, pos, 0);
    }
    if (pos < len) {
        /* s[pos] == '?' */
        redir_status st = parse_query(out, s, pos + 1, len, diag);
        if (st != REDIR_OK) {
            return st;
        }
        out->has_query = true;
        out->query = redir_span_of(s + pos + 1, len - pos - 1);
    }
    return REDIR_OK;
}

redir_status redir__parse_reg_name_host(const uint8_t *s, size_t from, size_t to, bool multi,
                                        redir_diag *diag) {
    if (from >= to) {
        return rd_fail(diag, REDIR_E_URL_HOST, from, 0);
    }
    size_t first_pct;
    redir_status st = scan_class(s, from, to, multi ? REDIR__C_MULTI_HOST : REDIR__C_USER,
                                 REDIR_E_URL_CHAR, diag, &first_pct);
    if (st != REDIR_OK) {
        return st;
    }
    /* A decoded NUL would cut the name short for every C resolver API. */
    for (size_t i = first_pct; i + 2 < to; i++) {
        if (s[i] == '%' && s[i + 1] == '0' && s[i + 2] == '0') {
            return rd_fail(diag, REDIR_E_URL_HOST, i, 0);
        }
    }
    return REDIR_OK;
}

/* RFC 6874 ZoneID: 1*( unreserved / pct-encoded ). */
redir_status redir__parse_ip_literal(const uint8_t *s, size_t from, size_t to, redir_diag *diag) {
    size_t in_from = from + 1;
    size_t in_to = to - 1;
    size_t addr_end = in_to;
    size_t pct = redir__find_byte(s, in_from, in_to, '%');
    if (pct < in_to) {
        if (!redir__has_prefix(s, in_to, pct, "%25")) {
            return rd_fail(diag, REDIR_E_URL_IPV6, pct, 0);
        }
        if (pct + 3 == in_to) {
            return rd_fail(diag, REDIR_E_URL_IPV6, in_to, 0);
        }
        redir_status st =
            redir__scan_component(s, pct + 3, in_to, REDIR__C_ZONE, REDIR_E_URL_IPV6, diag);
        if (st != REDIR_OK) {
            return st;
        }
        addr_end = pct;
    }
    uint16_t pieces[8];
    size_t err;
    if (!redir__ipv6_parse(s, in_from, addr_end, pieces, &err)) {
        return rd_fail(diag, REDIR_E_URL_IPV6, err, 0);
    }
    return REDIR_OK;
}

/* The IPv6 parser follows the WHATWG URL standard's algorithm step by step;
 * it accepts exactly the RFC 4291 text forms (1 to 4 hex digits per piece, at
 * most one "::", an optional dotted IPv4 tail in the last 32 bits). */
bool redir__ipv6_parse(const uint8_t *s, size_t from, size_t to, uint16_t pieces[8],
                       size_t *err_off) {
    uint16_t addr[8] = {0};
    int piece = 0;
    int compress = -1;
    size_t p = from;
#define AT(i) ((i) < to ? (int)s[i] : -1)
#define FAIL(off)           \
    do {                    \
        *err_off = (off);   \
        return false;       \
    } while (0)
    if (p >= to) {
        FAIL(p);
    }
    if (AT(p) == ':') {
        if (AT(p + 1) != ':') {
            FAIL(p + 1);
        }
        p += 2;
        piece++;
        compress = piece;
    }
    while (p < to) {
        if (piece == 8) {
            FAIL(p);
        }
        if (s[p] == ':') {
            if (compress >= 0) {
                FAIL(p);
            }
            p++;
            piece++;
            compress = piece;
            continue;
        }
        unsigned value = 0;
        int length = 0;
        while (length < 4 && p < to && redir__hexval(s[p]) >= 0) {
            value = value * 16 + (unsigned)redir__hexval(s[p]);
            p++;
            length++;
        }
        if (AT(p) == '.') {
            if (length == 0) {
                FAIL(p);
            }
            p -= (size_t)length;
            if (piece > 6) {
                FAIL(p);
            }
            int seen = 0;
            while (p < to) {
                int part = -1;
                if (seen > 0) {
                    if (s[p] == '.' && seen < 4) {
                        p++;
                    } else {
                        FAIL(p);
                    }
                }
                if (!(p < to && redir__is_digit(s[p]))) {
                    FAIL(p);
                }
                while (p < to && redir__is_digit(s[p])) {
                    int d = s[p] - '0';
                    if (part == -1) {
                        part = d;
                    } else if (part == 0) {
                        FAIL(p);
                    } else {
                        part = part * 10 + d;
                    }
                    if (part > 255) {
                        FAIL(p);
                    }
                    p++;
                }
                addr[piece] = (uint16_t)(addr[piece] * 0x100 + part);
                seen++;
                if (seen == 2 || seen == 4) {
                    piece++;
                }
            }
            if (seen != 4) {
                FAIL(p);
            }
            break;
        } else if (AT(p) == ':') {
            p++;
            if (p >= to) {
                FAIL(p);
            }
        } else if (p < to) {
            FAIL(p);
        }
        addr[piece] = (uint16_t)value;
        piece++;
    }
    if (compress >= 0) {
        int swaps = piece - compress;
        piece = 7;
        while (piece != 0 && swaps > 0) {
            uint16_t t = addr[piece];
            addr[piece] = addr[compress + swaps - 1];
            addr[compress + swaps - 1] = t;
            piece--;
            swaps--;
        }
    } else if (piece != 8) {
        FAIL(to);
    }
#undef AT
#undef FAIL
    memcpy(pieces, addr, sizeof addr);
    return true;
}

size_t redir__ipv6_format(const uint16_t pieces[8], char out[40]) {
    /* the first longest run of at least two zero pieces */
    int best = -1;
    int best_len = 1;
    for (int i = 0; i < 8;) {
        if (pieces[i] != 0) {
            i++;
            continue;
        }
        int j = i;
        while (j < 8 && pieces[j] == 0) {
            j++;
        }
        if (j - i > best_len) {
            best = i;
            best_len = j - i;
        }
        i = j;
    }
    static const char hex[] = "0123456789abcdef";
    size_t n = 0;
    for (int i = 0; i < 8; i++) {
        if (i == best) {
            out[n++] = ':';
            if (i == 0) {
                out[n++] = ':';
            }
            i += best_len - 1;
            continue;
        }
        unsigned v = pieces[i];
        bool started = false;
        for (int shift = 12; shift >= 0; shift -= 4) {
            unsigned d = (v >> shift) & 0xF;
            if (d != 0 || started || shift == 0) {
                out[n++] = hex[d];
                started = true;
            }
        }
        if (i != 7) {
            out[n++] = ':';
        }
    }
    return n;
}

redir_status redir__scheme_fail(redir_diag *diag, const uint8_t *s, size_t len) {
    size_t a = redir__common_prefix(s, len, 0, "mysql://");
    size_t b = redir__common_prefix(s, len, 0, "mariadb://");
    return rd_fail(diag, REDIR_E_URL_SCHEME, a > b ? a : b, 0);
}

redir_status redir__parse_host_port(redir_url_host *h, const uint8_t *s, size_t from, size_t to,
                                    bool multi, redir_diag *diag) {
    if (from == to) {
        return rd_fail(diag, REDIR_E_URL_HOST, from, 0);
    }
    size_t port_colon;
    if (s[from] == '[') {
        size_t close = redir__find_byte(s, from + 1, to, ']');
        if (close == to) {
            /* Check the inside as if ']' ended the authority, to name the
             * first byte that cannot belong to the literal. */
            redir_status st = redir__parse_ip_literal(s, from, to + 1, diag);
            return st != REDIR_OK ? st : rd_fail(diag, REDIR_E_URL_IPV6, to, 0);
        }
        redir_status st = redir__parse_ip_literal(s, from, close + 1, diag);
        if (st != REDIR_OK) {
            return st;
        }
        h->host = redir_span_of(s + from + 1, close - from - 1);
        h->bracketed = true;
        if (close + 1 < to && s[close + 1] != ':') {
            return rd_fail(diag, REDIR_E_URL_CHAR, close + 1, 0);
        }
        port_colon = close + 1;
    } else {
        port_colon = redir__find_byte(s, from, to, ':');
        redir_status st = redir__parse_reg_name_host(s, from, port_colon, multi, diag);
        if (st != REDIR_OK) {
            return st;
        }
        h->host = redir_span_of(s + from, port_colon - from);
    }
    h->port = REDIR_DEFAULT_PORT;
    if (port_colon < to) {
        uint16_t port;
        redir_status st = redir__parse_port(s, port_colon + 1, to, &port, diag);
        if (st != REDIR_OK) {
            return st;
        }
        h->has_port = true;
        h->port = port;
    }
    return REDIR_OK;
}
