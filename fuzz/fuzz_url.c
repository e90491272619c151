/* Every URL grammar (the first byte selects it), the option walker and
 * percent-decoding of every part. A URL that parses is rebuilt from its
 * parts and parsed again: the parts must come back the same, so the views
 * are exactly the pieces the grammar names. */
#include "fuzz_common.h"
#include "fuzz_eq.h"

static uint8_t decoded[4096];
static char rebuilt[1u << 16];

static void check_pct(redir_span s) {
    size_t n = 7;
    redir_diag d = {0, 0};
    fuzz_lib_enter();
    redir_status st = redir_pct_decode(decoded, sizeof decoded, &n, &d, s);
    fuzz_lib_leave();
    size_t escapes = 0;
    bool valid = true;
    for (size_t i = 0; i < s.len; i++) {
        if (s.ptr[i] == '%') {
            bool hex = s.len - i >= 3 && strchr("0123456789abcdefABCDEF", s.ptr[i + 1]) &&
                       s.ptr[i + 1] && strchr("0123456789abcdefABCDEF", s.ptr[i + 2]) &&
                       s.ptr[i + 2];
            if (!hex) {
                valid = false;
                break;
            }
            escapes++;
            i += 2;
        }
    }
    if (!valid) {
        FUZZ_CHECK(st == REDIR_E_URL_PERCENT && d.offset < s.len && s.ptr[d.offset] == '%' &&
                   n == 0);
        return;
    }
    FUZZ_CHECK(n == s.len - 2 * escapes);
    if (n > sizeof decoded) {
        FUZZ_CHECK(st == REDIR_E_NOSPACE);
        return;
    }
    FUZZ_CHECK(st == REDIR_OK);
    if (escapes == 0) {
        FUZZ_CHECK(n == 0 || memcmp(decoded, s.ptr, n) == 0);
    }
    /* one byte short is refused with the same size, and nothing is written */
    if (n > 0) {
        size_t m = 0;
        uint8_t guard[2] = {0xA5, 0xA5};
        st = redir_pct_decode(guard, 1, &m, &d, s);
        FUZZ_CHECK(n == 1 ? st == REDIR_OK : st == REDIR_E_NOSPACE);
        FUZZ_CHECK(m == n && guard[1] == 0xA5);
    }
}

static size_t put(size_t at, const void *p, size_t n) {
    if (at + n <= sizeof rebuilt && n > 0) {
        memcpy(rebuilt + at, p, n);
    }
    return at + n;
}

static size_t put_span(size_t at, redir_span s) { return put(at, s.ptr, s.len); }

static size_t put_str(size_t at, const char *s) { return put(at, s, strlen(s)); }

static size_t put_port(size_t at, unsigned port) {
    char tmp[8];
    int n = snprintf(tmp, sizeof tmp, "%u", port);
    return put(at, tmp, (size_t)n);
}

/* Rebuilds the text of a parsed URL (server, connector and location
 * grammars); 0 when the grammar has no single rebuilt form here. */
static size_t rebuild(redir_grammar g, const redir_url *u) {
    size_t at = 0;
    const redir_url_host *h = &u->hosts[0];
    switch (g) {
    case REDIR_GRAMMAR_MARIADB_SERVER:
        if (u->num_hosts == 0) {
            return 0;
        }
        at = put_span(at, u->scheme);
        at = put_str(at, "://");
        at = put_span(at, h->host);
        if (h->has_port) {
            at = put_str(at, ":");
            at = put_port(at, h->port);
        }
        return at;
    case REDIR_GRAMMAR_CONNECTOR:
        at = put_span(at, u->scheme);
        at = put_str(at, "://");
        if (u->has_user) {
            at = put_span(at, u->user);
            if (u->has_password) {
                at = put_str(at, ":");
                at = put_span(at, u->password);
            }
            at = put_str(at, "@");
        }
        at = put_str(at, h->bracketed ? "[" : "");
        at = put_span(at, h->host);
        at = put_str(at, h->bracketed ? "]" : "");
        if (h->has_port) {
            at = put_str(at, ":");
            at = put_port(at, h->port);
        }
        if (u->has_path) {
            at = put_str(at, "/");
            at = put_span(at, u->database);
        }
        if (u->has_query) {
            at = put_str(at, "?");
            at = put_span(at, u->query);
        }
        return at;
    case REDIR_GRAMMAR_LOCATION:
        at = put_str(at, "Location: mysql://");
        at = put_str(at, u->location_azure ? "" : "[");
        at = put_span(at, h->host);
        at = put_str(at, u->location_azure ? ":" : "]:");
        at = put_port(at, h->port);
        at = put_str(at, u->location_azure ? "/user=" : "/?user=");
        at = put_span(at, u->user);
        if (u->has_ttl) {
            char tmp[24];
            int n = snprintf(tmp, sizeof tmp, "&ttl=%llu", (unsigned long long)u->ttl);
            at = put(at, tmp, (size_t)n);
        }
        if (u->location_newline) {
            at = put_str(at, "\n");
        }
        return at;
    default:
        return 0;
    }
}

static bool host_eq(const redir_url_host *a, const redir_url_host *b) {
    return span_eq(a->host, b->host) && a->bracketed == b->bracketed &&
           a->has_port == b->has_port && a->port == b->port && span_eq(a->type, b->type);
}

static bool url_eq(const redir_url *a, const redir_url *b) {
    if (!(span_eq(a->scheme, b->scheme) && span_eq(a->mode, b->mode) &&
          a->has_user == b->has_user && span_eq(a->user, b->user) &&
          a->has_password == b->has_password && span_eq(a->password, b->password) &&
          a->num_hosts == b->num_hosts && a->has_path == b->has_path &&
          span_eq(a->database, b->database) && a->has_query == b->has_query &&
          span_eq(a->query, b->query) && a->has_ttl == b->has_ttl && a->ttl == b->ttl &&
          a->location_azure == b->location_azure &&
          a->location_newline == b->location_newline)) {
        return false;
    }
    for (size_t i = 0; i < a->num_hosts; i++) {
        if (!host_eq(&a->hosts[i], &b->hosts[i])) {
            return false;
        }
    }
    return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 1) {
        return 0;
    }
    redir_grammar g = (redir_grammar)(data[0] % 4);
    const char *in = (const char *)data + 1;
    size_t len = size - 1;
    redir_url u;
    redir_diag d = {0, 0};
    fuzz_lib_enter();
    redir_status st = redir_url_parse(&u, &d, g, (const uint8_t *)in, len);
    fuzz_lib_leave();
    FUZZ_CHECK(redir_status_name(st) != NULL);
    redir_url u2;
    FUZZ_CHECK(redir_url_parse(&u2, NULL, g, (const uint8_t *)in, len) == st);
    if (st != REDIR_OK) {
        redir_url zero;
        memset(&zero, 0, sizeof zero);
        FUZZ_CHECK(redir_status_is_error(st) && d.offset <= len && url_eq(&u, &zero));
        return 0;
    }
    FUZZ_CHECK(url_eq(&u, &u2));
    FUZZ_CHECK(u.num_hosts <= REDIR_URL_MAX_HOSTS);
    FUZZ_CHECK(u.num_hosts > 0 || (g == REDIR_GRAMMAR_MARIADB_SERVER && len == 0));
    FUZZ_CHECK(fuzz_span_inside(u.scheme, in, len) && fuzz_span_inside(u.user, in, len) &&
               fuzz_span_inside(u.password, in, len) && fuzz_span_inside(u.database, in, len) &&
               fuzz_span_inside(u.query, in, len) && fuzz_span_inside(u.mode, in, len));
    FUZZ_CHECK(len == 0 || span_eq(u.scheme, redir_span_of("mysql", 5)) ||
               span_eq(u.scheme, redir_span_of("mariadb", 7)));
    FUZZ_CHECK(u.has_user || u.user.len == 0);
    FUZZ_CHECK(u.has_password || u.password.len == 0);
    FUZZ_CHECK(u.has_path || u.database.len == 0);
    FUZZ_CHECK(u.has_query || u.query.len == 0);
    for (size_t i = 0; i < u.num_hosts; i++) {
        FUZZ_CHECK(fuzz_span_inside(u.hosts[i].host, in, len));
        FUZZ_CHECK(fuzz_span_inside(u.hosts[i].type, in, len));
        FUZZ_CHECK(u.hosts[i].has_port || u.hosts[i].port == REDIR_DEFAULT_PORT);
        if (g != REDIR_GRAMMAR_MARIADB_SERVER) {
            check_pct(u.hosts[i].host);
        }
    }
    check_pct(u.user);
    check_pct(u.password);
    check_pct(u.database);
    redir_span rest = u.query, k, v;
    size_t guard = 0;
    size_t covered = 0;
    redir_status os;
    while ((os = redir_url_option_next(&rest, &k, &v)) == REDIR_OK) {
        FUZZ_CHECK(fuzz_span_inside(k, in, len) && fuzz_span_inside(v, in, len));
        FUZZ_CHECK(k.len == 0 || memchr(k.ptr, '&', k.len) == NULL);
        FUZZ_CHECK(k.len == 0 || memchr(k.ptr, '=', k.len) == NULL);
        FUZZ_CHECK(v.len == 0 || memchr(v.ptr, '&', v.len) == NULL);
        FUZZ_CHECK(k.len + v.len > 0);
        covered += k.len + v.len;
        FUZZ_CHECK(++guard <= len + 1);
        if (g == REDIR_GRAMMAR_CONNECTOR || g == REDIR_GRAMMAR_MULTI) {
            check_pct(k);
            check_pct(v);
        }
    }
    FUZZ_CHECK(os == REDIR_DONE && rest.len == 0 && covered <= u.query.len);

    size_t n = rebuild(g, &u);
    if (n == 0 || n > sizeof rebuilt) {
        return 0;
    }
    redir_url again;
    fuzz_lib_enter();
    st = redir_url_parse(&again, &d, g, (const uint8_t *)rebuilt, n);
    fuzz_lib_leave();
    FUZZ_CHECK(st == REDIR_OK && url_eq(&u, &again));
    /* the rebuilt text is the input, up to leading zeros of numbers and
     * (location) the lines after the first */
    FUZZ_CHECK(n <= len);
    return 0;
}
