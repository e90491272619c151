/*
 * The compatibility report: one model per implementation of how it reads a
 * redirect value. Each model restates that implementation's own parsing
 * (sources and versions in SPEC.md, "Compatibility"), including the decoding
 * it applies to the host, and works on the raw bytes without copying them.
 *
 * All connectors receive the value as text decoded from UTF-8; malformed
 * sequences become U+FFFD (one per maximal invalid subpart). ASCII bytes are
 * never part of a multi-byte sequence, so the delimiters can be found on the
 * raw bytes; only the reported host needs the replacement.
 */
#include <string.h>

#include "url_grammars.h"
#include "util.h"

static const char *const impl_names[REDIR_IMPL_COUNT] = {
    "mariadb-server", "connector-nodejs", "connector-j",   "r2dbc",
    "mysqlconnector-net", "maxscale",     "mysqlnd-azure",
};

const char *redir_impl_name(redir_impl impl) {
    if ((unsigned)impl >= REDIR_IMPL_COUNT) {
        return NULL;
    }
    return impl_names[impl];
}

#define NPOS ((size_t)-1)

/* ------------------------------------------------------------------------- */
/* Output helpers                                                              */

static void host_byte(redir_compat *c, uint8_t b) {
    if (c->host_len < REDIR_COMPAT_HOST_MAX) {
        c->host[c->host_len++] = b;
    } else {
        c->host_truncated = true;
    }
}

static void host_bytes(redir_compat *c, const uint8_t *p, size_t n) {
    for (size_t i = 0; i < n; i++) {
        host_byte(c, p[i]);
    }
}

static void host_replacement(redir_compat *c) {
    host_byte(c, 0xEF);
    host_byte(c, 0xBF);
    host_byte(c, 0xBD);
}

static void target(redir_compat *c, uint16_t port) {
    c->accepts = true;
    c->connects = true;
    c->port = port;
}

/* ------------------------------------------------------------------------- */
/* UTF-8                                                                       */

/* compat_utf8: the length of the code point at s[i] (i < end); *ok false
 * for a maximal invalid subpart (one U+FFFD). */
static size_t compat_utf8(const uint8_t *s, size_t i, size_t end, bool *ok) {
    size_t n = 0;
    *ok = redir_utf8_next(&n, s + i, end - i);
    return n;
}

/* Copies raw text, replacing malformed UTF-8 as the receiving decoder does. */
static void host_text(redir_compat *c, const uint8_t *s, size_t from, size_t to) {
    size_t i = from;
    while (i < to) {
        bool ok;
        size_t n = compat_utf8(s, i, to, &ok);
        if (ok) {
            host_bytes(c, s + i, n);
        } else {
            host_replacement(c);
        }
        i += n;
    }
}

/* A streaming decoder for bytes produced by percent-decoding: it writes valid
 * sequences through, a U+FFFD per maximal invalid subpart, and records
 * whether any replacement was needed (strict decoders fail instead). */
typedef struct u8stream {
    uint8_t pending[4];
    unsigned npending;
    unsigned need;
    uint8_t lo;
    uint8_t hi;
    bool invalid;
} u8stream;

static void u8s_put(u8stream *u, redir_compat *c, uint8_t b) {
    for (;;) {
        if (u->npending == 0) {
            if (b < 0x80) {
                host_byte(c, b);
            } else if (redir__utf8_lead(b, &u->need, &u->lo, &u->hi)) {
                u->pending[u->npending++] = b;
            } else {
                u->invalid = true;
                host_replacement(c);
            }
            return;
        }
        if (b >= u->lo && b <= u->hi) {
            u->pending[u->npending++] = b;
            u->lo = 0x80;
            u->hi = 0xBF;
            if (--u->need == 0) {
                host_bytes(c, u->pending, u->npending);
                u->npending = 0;
            }
            return;
        }
        /* the pending prefix is a maximal subpart; b starts afresh */
        u->invalid = true;
        host_replacement(c);
        u->npending = 0;
    }
}

static void u8s_flush(u8stream *u, redir_compat *c) {
    if (u->npending > 0) {
        u->invalid = true;
        host_replacement(c);
        u->npending = 0;
    }
}

/* ------------------------------------------------------------------------- */
/* MariaDB server: sql/sys_vars.cc validate_redirect_url                       */

static void model_server(redir_compat *c, const uint8_t *s, size_t len) {
    redir_url u;
    memset(&u, 0, sizeof u);
    c->accepts = redir__url_parse_server(&u, NULL, s, len) == REDIR_OK;
}

/* ------------------------------------------------------------------------- */
/* MaxScale 25.02: server/core/config2.cc ParamMariaURL::from_string           */

static void model_maxscale(redir_compat *c, const uint8_t *s, size_t len) {
    if (len == 0) {
        c->accepts = true;
        return;
    }
    static const char *const prefixes[] = {"mariadb://", "mysql://"};
    for (size_t k = 0; k < 2; k++) {
        size_t n = strlen(prefixes[k]);
        if (len > n && memcmp(s, prefixes[k], n) == 0) {
            /* everything after the first ':' must be digits, no range check */
            size_t colon = redir__find_byte(s, n, len, ':');
            if (colon < len) {
                if (colon + 1 == len) {
                    return;
                }
                for (size_t i = colon + 1; i < len; i++) {
                    if (!redir__is_digit(s[i])) {
                        return;
                    }
                }
            }
            c->accepts = true;
            return;
        }
    }
}

/* ------------------------------------------------------------------------- */
/* Connector/Node.js 3.5.4+: new URL(value) (WHATWG URL standard), then        */
/* decodeURIComponent(hostname without brackets), port || 3306, and the       */
/* connection options' own defaults (host '' -> 'localhost', port 0 -> 3306).  */

static bool is_tab_or_newline(uint8_t c) { return c == '\t' || c == '\n' || c == '\r'; }

/* next position >= i that the URL parser sees (tabs and newlines are removed
 * from the whole input before parsing) */
static size_t w_skip(const uint8_t *s, size_t i, size_t e) {
    while (i < e && is_tab_or_newline(s[i])) {
        i++;
    }
    return i;
}

static bool w_forbidden_host(uint8_t c) {
    switch (c) {
    case 0x00:
    case ' ':
    case '#':
    case '/':
    case ':':
    case '<':
    case '>':
    case '?':
    case '@':
    case '[':
    case '\\':
    case ']':
    case '^':
    case '|':
        return true;
    default:
        return false;
    }
}

/* The opaque host of a non-special URL, as decodeURIComponent returns it.
 * False when decodeURIComponent throws (bad escape or invalid UTF-8). */
static bool w_opaque_host(redir_compat *c, const uint8_t *s, size_t from, size_t to) {
    for (size_t i = w_skip(s, from, to); i < to; i = w_skip(s, i + 1, to)) {
        if (w_forbidden_host(s[i])) {
            return false;
        }
    }
    /* The parser percent-encodes controls and non-ASCII, which the decoder
     * undoes; literal escapes are decoded. The result must be valid UTF-8. */
    u8stream u;
    memset(&u, 0, sizeof u);
    size_t i = w_skip(s, from, to);
    while (i < to) {
        uint8_t b = s[i];
        if (b == '%') {
            size_t h1 = w_skip(s, i + 1, to);
            size_t h2 = h1 < to ? w_skip(s, h1 + 1, to) : to;
            if (h2 >= to || redir__hexval(s[h1]) < 0 || redir__hexval(s[h2]) < 0) {
                return false;
            }
            u8s_put(&u, c, (uint8_t)(redir__hexval(s[h1]) << 4 | redir__hexval(s[h2])));
            i = w_skip(s, h2 + 1, to);
        } else if (b < 0x80) {
            u8s_put(&u, c, b);
            i = w_skip(s, i + 1, to);
        } else {
            bool ok;
            size_t n = compat_utf8(s, i, to, &ok);
            if (ok) {
                for (size_t k = 0; k < n; k++) {
                    u8s_put(&u, c, s[i + k]);
                }
            } else {
                /* U+FFFD, percent-encoded by the parser and decoded back */
                u8s_put(&u, c, 0xEF);
                u8s_put(&u, c, 0xBF);
                u8s_put(&u, c, 0xBD);
            }
            i = w_skip(s, i + n, to);
        }
    }
    u8s_flush(&u, c);
    return !u.invalid;
}

static bool w_ipv6_host(redir_compat *c, const uint8_t *s, size_t from, size_t to) {
    /* from..to spans "[...]"; the text between the brackets, tabs removed */
    uint8_t buf[64];
    size_t n = 0;
    for (size_t i = w_skip(s, from + 1, to - 1); i < to - 1; i = w_skip(s, i + 1, to - 1)) {
        if (n == sizeof buf) {
            return false;
        }
        buf[n++] = s[i];
    }
    uint16_t pieces[8];
    size_t err;
    if (!redir__ipv6_parse(buf, 0, n, pieces, &err)) {
        return false;
    }
    char text[40];
    size_t tl = redir__ipv6_format(pieces, text);
    host_bytes(c, (const uint8_t *)text, tl);
    return true;
}

static void model_nodejs(redir_compat *c, const uint8_t *s, size_t len) {
    size_t b = 0;
    size_t e = len;
    while (b < e && s[b] <= 0x20) {
        b++;
    }
    while (e > b && s[e - 1] <= 0x20) {
        e--;
    }
    /* scheme: ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) ":", case-folded */
    size_t i = w_skip(s, b, e);
    if (i == e || !redir__is_alpha(s[i])) {
        return;
    }
    char scheme[8];
    size_t sl = 0;
    bool long_scheme = false;
    while (i < e && s[i] != ':') {
        uint8_t ch = s[i];
        if (!(redir__is_alpha(ch) || redir__is_digit(ch) || ch == '+' || ch == '-' ||
              ch == '.')) {
            return;
        }
        if (sl < sizeof scheme - 1) {
            scheme[sl++] = (char)(ch >= 'A' && ch <= 'Z' ? ch - 'A' + 'a' : ch);
        } else {
            long_scheme = true;
        }
        i = w_skip(s, i + 1, e);
    }
    if (i == e) {
        return;
    }
    scheme[sl] = '\0';
    if (long_scheme || (strcmp(scheme, "mysql") != 0 && strcmp(scheme, "mariadb") != 0)) {
        return;
    }
    size_t s1 = w_skip(s, i + 1, e);
    size_t s2 = s1 < e ? w_skip(s, s1 + 1, e) : e;
    if (!(s1 < e && s[s1] == '/' && s2 < e && s[s2] == '/')) {
        /* no authority: a URL without host, so the default host and port */
        host_bytes(c, (const uint8_t *)"localhost", 9);
        target(c, REDIR_DEFAULT_PORT);
        return;
    }
    size_t a = w_skip(s, s2 + 1, e);
    size_t ae = a;
    size_t last_at = NPOS;
    while (ae < e && s[ae] != '/' && s[ae] != '?' && s[ae] != '#') {
        if (s[ae] == '@') {
            last_at = ae;
        }
        ae = w_skip(s, ae + 1, e);
    }
    size_t hs = last_at != NPOS ? w_skip(s, last_at + 1, ae) : a;
    if (last_at != NPOS && hs == ae) {
        return; /* credentials without a host */
    }
    /* the host ends at the first ':' outside brackets */
    bool inside = false;
    size_t he = hs;
    while (he < ae && !(s[he] == ':' && !inside)) {
        if (s[he] == '[') {
            inside = true;
        } else if (s[he] == ']') {
            inside = false;
        }
        he = w_skip(s, he + 1, ae);
    }
    if (he < ae && he == hs) {
        return; /* a port without a host */
    }
    uint32_t port = 0;
    if (he < ae) {
        for (size_t k = w_skip(s, he + 1, ae); k < ae; k = w_skip(s, k + 1, ae)) {
            if (!redir__is_digit(s[k])) {
                return;
            }
            port = port * 10 + (uint32_t)(s[k] - '0');
            if (port > 65535) {
                return;
            }
        }
    }
    bool ok;
    if (hs < he && s[hs] == '[') {
        /* the last character the parser sees must be ']' */
        size_t last = hs;
        for (size_t k = hs; k < he; k = w_skip(s, k + 1, he)) {
            last = k;
        }
        ok = s[last] == ']' && last > hs && w_ipv6_host(c, s, hs, last + 1);
    } else {
        ok = w_opaque_host(c, s, hs, he);
    }
    if (!ok) {
        c->host_len = 0;
        c->host_truncated = false;
        return;
    }
    if (c->host_len == 0 && !c->host_truncated) {
        host_bytes(c, (const uint8_t *)"localhost", 9);
    }
    target(c, port != 0 ? (uint16_t)port : REDIR_DEFAULT_PORT);
}

/* ------------------------------------------------------------------------- */
/* Connector/J 3.5 (StandardClient.redirect) and R2DBC 1.2 (SimpleClient.     */
/* redirect): a case-insensitive regex matched against the whole value, the   */
/* host through URLDecoder.decode(..., UTF-8), the port through               */
/* Integer.parseInt, then a socket address that must accept the port.         */
/*                                                                             */
/* After "scheme://" the regex is                                              */
/*   (([^/@:]+)?(:([^/]+))?@)?(([^/:]+)(:([0-9]+))?)(/([^?]+)(\?(.*))?)?      */
/* (R2DBC's tail reads (/([^?]+)(/?(.*))?)? which matches the same strings).  */

typedef struct j_tail {
    size_t host_end; /* end of [^/:]+ */
    size_t port_from;
    size_t port_to; /* port_from == port_to: no port */
} j_tail;

/* j_rest_ok: what follows a host that ends at h (a ':' or '/' or the end)
 * matches (:[0-9]+)?(/[^?].*)?$ */
static bool j_rest_ok(const uint8_t *s, size_t len, size_t h, j_tail *t) {
    size_t p = h;
    t->host_end = h;
    t->port_from = t->port_to = h;
    if (p < len && s[p] == ':') {
        size_t q = p + 1;
        while (q < len && redir__is_digit(s[q])) {
            q++;
        }
        if (q == p + 1) {
            return false;
        }
        t->port_from = p + 1;
        t->port_to = q;
        p = q;
    }
    if (p == len) {
        return true;
    }
    return s[p] == '/' && p + 1 < len && s[p + 1] != '?';
}

static size_t j_host_end(const uint8_t *s, size_t from, size_t len) {
    size_t h = from;
    while (h < len && s[h] != '/' && s[h] != ':') {
        h++;
    }
    return h;
}

/* j_match finds where the regex engine's first successful match puts the
 * host: the userinfo group is tried first (password greedy, so the last
 * usable '@' wins), then the URL without userinfo. */
static bool j_match(const uint8_t *s, size_t len, size_t pos, size_t *host_from, j_tail *t) {
    size_t u = pos;
    while (u < len && s[u] != '/' && s[u] != '@' && s[u] != ':') {
        u++;
    }
    if (u < len && s[u] == '@') {
        size_t h = j_host_end(s, u + 1, len);
        if (h > u + 1 && j_rest_ok(s, len, h, t)) {
            *host_from = u + 1;
            return true;
        }
    } else if (u < len && s[u] == ':') {
        size_t pe = u + 1;
        while (pe < len && s[pe] != '/') {
            pe++;
        }
        /* Walk the candidate '@' from the right, keeping the nearest ':' or
         * '/' after each so every candidate costs O(1) plus its port. */
        size_t next_stop = pe;
        size_t cached_h = NPOS;
        bool cached_ok = false;
        j_tail cached_t = {0, 0, 0};
        for (size_t j = pe; j-- > u + 1;) {
            if (j + 1 < pe && s[j + 1] == ':') {
                next_stop = j + 1;
            }
            if (s[j] != '@' || j < u + 2) {
                continue;
            }
            size_t h = next_stop;
            if (h == j + 1) {
                continue; /* empty host */
            }
            if (h != cached_h) {
                cached_h = h;
                cached_ok = j_rest_ok(s, len, h, &cached_t);
            }
            if (cached_ok) {
                *t = cached_t;
                *host_from = j + 1;
                return true;
            }
        }
    }
    size_t h = j_host_end(s, pos, len);
    if (h > pos && j_rest_ok(s, len, h, t)) {
        *host_from = pos;
        return true;
    }
    return false;
}

static bool ascii_prefix_nocase(const uint8_t *s, size_t len, const char *lit) {
    size_t n = strlen(lit);
    if (len < n) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        uint8_t ch = s[i];
        if (ch >= 'A' && ch <= 'Z') {
            ch = (uint8_t)(ch - 'A' + 'a');
        }
        if (ch != (uint8_t)lit[i]) {
            return false;
        }
    }
    return true;
}

/* java.net.URLDecoder.decode: '+' is a space, runs of %XX are collected and
 * decoded as UTF-8 with replacement. Each escape goes through
 * Integer.parseInt(two chars, 16), which also takes "+X" and "-0"; a negative
 * value or anything else that is not a number throws. */
static int j_escape(const uint8_t *s, size_t i, size_t to) {
    if (to - i < 3) {
        return -1;
    }
    uint8_t x = s[i + 1];
    uint8_t y = s[i + 2];
    int hy = redir__hexval(y);
    if (redir__hexval(x) >= 0 && hy >= 0) {
        return redir__hexval(x) << 4 | hy;
    }
    if (x == '+' && hy >= 0) {
        return hy;
    }
    if (x == '-' && y == '0') {
        return 0;
    }
    return -1;
}

static bool j_decode_host(redir_compat *c, const uint8_t *s, size_t from, size_t to) {
    size_t i = from;
    while (i < to) {
        if (s[i] == '+') {
            host_byte(c, ' ');
            i++;
        } else if (s[i] == '%') {
            u8stream u;
            memset(&u, 0, sizeof u);
            while (i < to && s[i] == '%') {
                int v = j_escape(s, i, to);
                if (v < 0) {
                    return false;
                }
                u8s_put(&u, c, (uint8_t)v);
                i += 3;
            }
            u8s_flush(&u, c);
        } else {
            size_t j = i;
            while (j < to && s[j] != '+' && s[j] != '%') {
                j++;
            }
            host_text(c, s, i, j);
            i = j;
        }
    }
    return true;
}

static void model_java(redir_compat *c, const uint8_t *s, size_t len) {
    size_t pos;
    if (ascii_prefix_nocase(s, len, "mariadb://")) {
        pos = 10;
    } else if (ascii_prefix_nocase(s, len, "mysql://")) {
        pos = 8;
    } else {
        return;
    }
    size_t hs;
    j_tail t;
    if (!j_match(s, len, pos, &hs, &t)) {
        return;
    }
    uint32_t port = REDIR_DEFAULT_PORT;
    if (t.port_from < t.port_to) {
        /* Integer.parseInt, then InetSocketAddress: both throw out of range */
        size_t k = t.port_from;
        while (k < t.port_to && s[k] == '0') {
            k++;
        }
        if (t.port_to - k > 5) {
            return;
        }
        port = 0;
        for (; k < t.port_to; k++) {
            port = port * 10 + (uint32_t)(s[k] - '0');
        }
        if (port > 65535) {
            return;
        }
    }
    if (!j_decode_host(c, s, hs, t.host_end)) {
        c->host_len = 0;
        c->host_truncated = false;
        return;
    }
    target(c, (uint16_t)port);
}

/* ------------------------------------------------------------------------- */
/* MySqlConnector (Utility.TryParseRedirectionHeader): an ordinal prefix      */
/* check, then System.Uri. Uri is modelled for the forms that matter here:    */
/* userinfo up to the first '@', a DNS name (folded to lower case) or an      */
/* [IPv6] literal (brackets removed), a decimal port up to 65535. Without a   */
/* port Uri reports -1 for these unregistered schemes and the new session     */
/* cannot connect, so no redirect happens.                                     */

static bool n_dns_char(uint8_t c) {
    return redir__is_alpha(c) || redir__is_digit(c) || c == '-' || c == '_';
}

static void model_mysqlconnector(redir_compat *c, const uint8_t *s, size_t len) {
    size_t a;
    if (redir__has_prefix(s, len, 0, "mysql://")) {
        a = 8;
    } else if (redir__has_prefix(s, len, 0, "mariadb://")) {
        a = 10;
    } else {
        return;
    }
    size_t e = len;
    while (e > a && (s[e - 1] == ' ' || is_tab_or_newline(s[e - 1]))) {
        e--;
    }
    size_t ae = a;
    while (ae < e && s[ae] != '/' && s[ae] != '?' && s[ae] != '#') {
        ae++;
    }
    size_t at = redir__find_byte(s, a, ae, '@');
    size_t hs = at < ae ? at + 1 : a;
    if (hs == ae) {
        return;
    }
    size_t pc;
    uint8_t tmp[REDIR_COMPAT_HOST_MAX];
    size_t tl = 0;
    if (s[hs] == '[') {
        size_t close = redir__find_byte(s, hs + 1, ae, ']');
        uint16_t pieces[8];
        size_t err;
        if (close == ae || !redir__ipv6_parse(s, hs + 1, close, pieces, &err)) {
            return;
        }
        char text[40];
        tl = redir__ipv6_format(pieces, text);
        memcpy(tmp, text, tl);
        pc = close + 1;
        if (pc < ae && s[pc] != ':') {
            return;
        }
    } else {
        pc = redir__find_byte(s, hs, ae, ':');
        size_t label = 0;
        if (pc - hs > 255) {
            return;
        }
        for (size_t i = hs; i < pc; i++) {
            uint8_t ch = s[i];
            if (ch == '.') {
                if (label == 0) {
                    return;
                }
                label = 0;
            } else if (n_dns_char(ch)) {
                if (++label > 63) {
                    return;
                }
            } else {
                return;
            }
            tmp[tl++] = (uint8_t)(ch >= 'A' && ch <= 'Z' ? ch - 'A' + 'a' : ch);
        }
        if (tl == 0) {
            return;
        }
    }
    if (pc >= ae || pc + 1 == ae) {
        return; /* Port == -1 */
    }
    uint16_t port = 0;
    size_t end = pc + 1;
    if (redir__scan_port(s, pc + 1, ae, &port, &end) != REDIR_OK || end != ae) {
        return;
    }
    host_bytes(c, tmp, tl);
    target(c, port);
}

/* ------------------------------------------------------------------------- */
/* mysqlnd_azure (mysqlnd_azure.c get_redirect_info): the value is the OK      */
/* info text. The C code searches with strchr, so an embedded NUL ends every  */
/* search; numbers go through strtol base 0.                                   */

static size_t c_strchr(const uint8_t *s, size_t from, size_t len, uint8_t ch) {
    for (size_t i = from; i < len && s[i] != 0; i++) {
        if (s[i] == ch) {
            return i;
        }
    }
    return NPOS;
}

static bool c_isspace(uint8_t c) { return c == ' ' || (c >= '\t' && c <= '\r'); }

/* mysqlnd_azure_strtoi: -1 for anything it rejects, else the int value (which
 * may be negative). */
static int64_t azure_strtoi(const uint8_t *s, size_t from, size_t n) {
    if (n > 32) {
        return -1;
    }
    /* the copy is a C string: it ends at the first NUL */
    size_t end = from;
    while (end < from + n && s[end] != 0) {
        end++;
    }
    if (end - from == 1 && s[from] == '0') {
        return 0;
    }
    size_t i = from;
    while (i < end && c_isspace(s[i])) {
        i++;
    }
    bool neg = false;
    if (i < end && (s[i] == '+' || s[i] == '-')) {
        neg = s[i] == '-';
        i++;
    }
    unsigned base = 10;
    if (i < end && s[i] == '0') {
        if (i + 2 < end && (s[i + 1] | 0x20) == 'x' && redir__hexval(s[i + 2]) >= 0) {
            base = 16;
            i += 2;
        } else {
            base = 8;
        }
    }
    size_t digits_from = i;
    uint64_t v = 0;
    bool overflow = false;
    for (; i < end; i++) {
        int d = redir__hexval(s[i]);
        if (d < 0 || (unsigned)d >= base) {
            break;
        }
        if (v > (UINT64_MAX - (uint64_t)d) / base) {
            overflow = true;
        } else {
            v = v * base + (uint64_t)d;
        }
    }
    if (i == digits_from || i != end) {
        return -1; /* no number, or *endptr != '\0' */
    }
    if (overflow || v > (uint64_t)INT64_MAX || v == 0 || v > (uint64_t)INT32_MAX + (neg ? 1 : 0)) {
        return -1; /* LONG_MAX/LONG_MIN, zero, or outside int */
    }
    return neg ? -(int64_t)v : (int64_t)v;
}

#define AZURE_MAX_FIELD 128

static void model_mysqlnd_azure(redir_compat *c, const uint8_t *s, size_t len) {
    static const char header[] = "Location: mysql://";
    const size_t hl = sizeof header - 1;
    if (len < 28 || memcmp(s, header, hl) != 0) {
        return;
    }
    size_t host_from;
    size_t host_end;
    size_t port_from;
    size_t port_end;
    size_t user_from;
    size_t user_end;
    size_t ttl_from = 0;
    size_t ttl_end = 0;
    bool have_ttl;
    if (s[hl] == '[') {
        host_from = hl + 1;
        host_end = c_strchr(s, host_from, len, ']');
        if (host_end == NPOS) {
            return;
        }
        size_t cur = host_end + 1;
        if (cur == len || s[cur] != ':' || ++cur == len) {
            return;
        }
        port_from = cur;
        port_end = c_strchr(s, cur, len, '/');
        if (port_end == NPOS) {
            return;
        }
        cur = port_end + 1;
        if (cur == len || s[cur] != '?' || ++cur == len) {
            return;
        }
        if (len - cur <= 5 || memcmp(s + cur, "user=", 5) != 0) {
            return;
        }
        user_from = cur + 5;
        user_end = c_strchr(s, cur, len, '&');
        if (user_end == NPOS) {
            return;
        }
        cur = user_end + 1;
        if (cur == len || len - cur <= 4 || memcmp(s + cur, "ttl=", 4) != 0) {
            return;
        }
        ttl_from = cur + 4;
        ttl_end = c_strchr(s, cur, len, '\n');
        if (ttl_end == NPOS || ttl_end == ttl_from) {
            return;
        }
        have_ttl = true;
    } else {
        host_from = hl;
        host_end = c_strchr(s, hl, len, ':');
        if (host_end == NPOS) {
            return;
        }
        size_t cur = host_end + 1;
        if (cur == len) {
            return;
        }
        port_from = cur;
        port_end = c_strchr(s, cur, len, '/');
        if (port_end == NPOS) {
            return;
        }
        cur = port_end + 1;
        if (cur == len || len - cur <= 5 || memcmp(s + cur, "user=", 5) != 0) {
            return;
        }
        user_from = cur + 5;
        size_t amp = c_strchr(s, cur, len, '&');
        have_ttl = amp != NPOS;
        if (!have_ttl) {
            user_end = len;
        } else {
            user_end = amp;
            cur = amp + 1;
            if (len - cur <= 4 || memcmp(s + cur, "ttl=", 4) != 0) {
                return;
            }
            ttl_from = cur + 4;
            ttl_end = len;
            if (ttl_end - ttl_from > 8) {
                return;
            }
        }
        if (port_end - port_from > 8) {
            return;
        }
    }
    size_t host_len = host_end - host_from;
    if (host_len == 0 || port_end == port_from || user_end <= user_from ||
        host_len > AZURE_MAX_FIELD || user_end - user_from > AZURE_MAX_FIELD) {
        return;
    }
    int64_t port = azure_strtoi(s, port_from, port_end - port_from);
    if (port <= 0) {
        return;
    }
    if (have_ttl && azure_strtoi(s, ttl_from, ttl_end - ttl_from) < 0) {
        return;
    }
    /* The host is then used as a C string. PHP's socket layer takes the port
     * as unsigned short (main/network.c), so larger values wrap. */
    size_t hn = 0;
    while (hn < host_len && s[host_from + hn] != 0) {
        hn++;
    }
    host_bytes(c, s + host_from, hn);
    target(c, (uint16_t)((uint64_t)port & 0xFFFF));
}

/* ------------------------------------------------------------------------- */

void redir_compat_report(redir_compat out[REDIR_IMPL_COUNT], const uint8_t *url, size_t url_len) {
    memset(out, 0, sizeof(redir_compat) * REDIR_IMPL_COUNT);
    if (url == NULL && url_len > 0) {
        return;
    }
    const uint8_t *s = (const uint8_t *)url;
    model_server(&out[REDIR_IMPL_MARIADB_SERVER], s, url_len);
    model_nodejs(&out[REDIR_IMPL_CONNECTOR_NODEJS], s, url_len);
    model_java(&out[REDIR_IMPL_CONNECTOR_J], s, url_len);
    model_java(&out[REDIR_IMPL_R2DBC], s, url_len);
    model_mysqlconnector(&out[REDIR_IMPL_MYSQLCONNECTOR_NET], s, url_len);
    model_maxscale(&out[REDIR_IMPL_MAXSCALE], s, url_len);
    model_mysqlnd_azure(&out[REDIR_IMPL_MYSQLND_AZURE], s, url_len);
}
