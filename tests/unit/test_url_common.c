/* Shared helpers of the URL tests (url_canon, url_run_table) and the tests of
 * the grammar-independent API: names, option walking, percent-decoding. */
#include <criterion/criterion.h>
#include <criterion/new/assert.h>
#include <stdio.h>
#include <string.h>

#include "redir/url.h"
#include "testutil.h"
#include "url_vectors.h"

typedef struct sbuf {
    char *p;
    size_t cap;
    size_t len;
} sbuf;

static void sb_putc(sbuf *b, char c) {
    if (b->len + 1 < b->cap) {
        b->p[b->len++] = c;
        b->p[b->len] = '\0';
    }
}

static void sb_puts(sbuf *b, const char *s) {
    while (*s) {
        sb_putc(b, *s++);
    }
}

/* bytes as written, with anything but printable ASCII (and '\') as \xNN */
static void sb_span(sbuf *b, redir_span s) {
    for (size_t i = 0; i < s.len; i++) {
        uint8_t c = s.ptr[i];
        if (c >= 0x20 && c < 0x7F && c != '\\') {
            sb_putc(b, (char)c);
        } else {
            char tmp[8];
            snprintf(tmp, sizeof tmp, "\\x%02x", c);
            sb_puts(b, tmp);
        }
    }
}

static void sb_opt(sbuf *b, bool present, const char *prefix, redir_span s) {
    if (!present) {
        sb_putc(b, '-');
        return;
    }
    sb_puts(b, prefix);
    sb_span(b, s);
}

/* url_canon renders a parse result as one line:
 *   error: "ERR <status> @<offset>" (and "NOT-ZEROED" when *u kept data)
 *   valid: "scheme[:mode] | user | password | hosts | /db | ?query | ttl"
 *          hosts: "host" or "[host]", then ":port" when written, "/type";
 *          joined with ","; "(none)" for no host. Location adds
 *          " | community|azure [nl]". Absent parts are "-". */
void url_canon(char *out, size_t cap, redir_grammar g, redir_status st, const redir_diag *d,
               const redir_url *u) {
    sbuf b = {out, cap, 0};
    out[0] = '\0';
    if (st != REDIR_OK) {
        char tmp[96];
        const char *name = redir_status_name(st);
        snprintf(tmp, sizeof tmp, "ERR %s @%zu", name != NULL ? name : "?", d->offset);
        sb_puts(&b, tmp);
        redir_url zero;
        memset(&zero, 0, sizeof zero);
        if (memcmp(u, &zero, sizeof zero) != 0) {
            sb_puts(&b, " NOT-ZEROED");
        }
        return;
    }
    if (u->scheme.len == 0) {
        sb_putc(&b, '-');
    } else {
        sb_span(&b, u->scheme);
    }
    if (u->mode.len > 0) {
        sb_putc(&b, ':');
        sb_span(&b, u->mode);
    }
    sb_puts(&b, " | ");
    sb_opt(&b, u->has_user, "", u->user);
    sb_puts(&b, " | ");
    sb_opt(&b, u->has_password, "", u->password);
    sb_puts(&b, " | ");
    if (u->num_hosts == 0) {
        sb_puts(&b, "(none)");
    }
    for (size_t i = 0; i < u->num_hosts; i++) {
        const redir_url_host *h = &u->hosts[i];
        if (i > 0) {
            sb_putc(&b, ',');
        }
        if (h->bracketed) {
            sb_putc(&b, '[');
        }
        sb_span(&b, h->host);
        if (h->bracketed) {
            sb_putc(&b, ']');
        }
        char tmp[32];
        if (h->has_port) {
            snprintf(tmp, sizeof tmp, ":%u", (unsigned)h->port);
            sb_puts(&b, tmp);
        } else if (h->port != REDIR_DEFAULT_PORT) {
            sb_puts(&b, ":BAD-DEFAULT");
        }
        if (h->type.len > 0) {
            sb_putc(&b, '/');
            sb_span(&b, h->type);
        }
    }
    sb_puts(&b, " | ");
    sb_opt(&b, u->has_path, "/", u->database);
    sb_puts(&b, " | ");
    sb_opt(&b, u->has_query, "?", u->query);
    sb_puts(&b, " | ");
    if (u->has_ttl) {
        char tmp[32];
        snprintf(tmp, sizeof tmp, "%llu", (unsigned long long)u->ttl);
        sb_puts(&b, tmp);
    } else {
        sb_putc(&b, '-');
    }
    if (g == REDIR_GRAMMAR_LOCATION) {
        sb_puts(&b, u->location_azure ? " | azure" : " | community");
        if (u->location_newline) {
            sb_puts(&b, " nl");
        }
    } else if (u->location_azure || u->location_newline) {
        sb_puts(&b, " | LOCATION-FLAGS");
    }
}

/* url_run_table parses every vector from a guard page (an over-read faults)
 * and compares the canonical line; every proper prefix must parse without
 * reading past its end either. */
void url_run_table(redir_grammar g, const struct url_vec *v, size_t n) {
    for (size_t i = 0; i < n; i++) {
        const char *in = (const char *)guard_copy(0, v[i].in, v[i].len);
        redir_url u;
        memset(&u, 0xA5, sizeof u);
        redir_diag d = {12345, 0};
        redir_status st = redir_url_parse(&u, &d, g, (const uint8_t *)in, v[i].len);
        char got[1024];
        url_canon(got, sizeof got, g, st, &d, &u);
        char shown[512];
        sbuf sb = {shown, sizeof shown, 0};
        shown[0] = '\0';
        sb_span(&sb, redir_span_of(v[i].in, v[i].len));
        cr_expect(strcmp(got, v[i].want) == 0,
                  "grammar %s\n  in:     %s\n  wanted: %s\n  got:    %s", redir_grammar_name(g),
                  shown, v[i].want, got);
        for (size_t k = 0; k < v[i].len; k++) {
            const char *p = (const char *)guard_copy(1, v[i].in, k);
            redir_status pst = redir_url_parse(&u, &d, g, (const uint8_t *)p, k);
            cr_expect(pst == REDIR_OK || redir_status_name(pst) != NULL);
        }
    }
}

/* ------------------------------------------------------------------------- */

Test(url_common, grammar_names_round_trip) {
    const char *names[] = {"mariadb-server", "connector", "multi", "location"};
    for (int i = 0; i < 4; i++) {
        const char *name = redir_grammar_name((redir_grammar)i);
        cr_assert(name != NULL && strcmp(name, names[i]) == 0, "grammar %d: %s", i, name);
        redir_grammar g = (redir_grammar)99;
        cr_assert(redir_grammar_from_name(&g, names[i]));
        cr_assert(eq(int, g, i));
    }
    redir_grammar g = REDIR_GRAMMAR_MULTI;
    cr_assert(redir_grammar_from_name(&g, "Connector") == false);
    cr_assert(redir_grammar_from_name(&g, "") == false);
    cr_assert(redir_grammar_from_name(&g, NULL) == false);
    cr_assert(eq(int, g, REDIR_GRAMMAR_MULTI));
    cr_assert(redir_grammar_name((redir_grammar)4) == NULL);
    cr_assert(redir_grammar_name((redir_grammar)-1) == NULL);
}

Test(url_common, unknown_grammar_and_null_input) {
    redir_url u;
    redir_diag d = {7, 7};
    cr_assert(eq(int, redir_url_parse(&u, &d, (redir_grammar)9, (const uint8_t *)("mysql://h"), 9),
                 REDIR_E_INVALID_ARGUMENT));
    cr_assert(eq(int, redir_url_parse(&u, &d, REDIR_GRAMMAR_CONNECTOR, NULL, 3),
                 REDIR_E_INVALID_ARGUMENT));
    cr_assert(eq(int, redir_url_parse(NULL, &d, REDIR_GRAMMAR_CONNECTOR, (const uint8_t *)("mysql://h"), 9),
                 REDIR_E_INVALID_ARGUMENT));
    /* NULL with length 0 is the empty string */
    cr_assert(eq(int, redir_url_parse(&u, &d, REDIR_GRAMMAR_MARIADB_SERVER, NULL, 0), REDIR_OK));
    cr_assert(eq(sz, u.num_hosts, 0));
    cr_assert(eq(int, redir_url_parse(&u, NULL, REDIR_GRAMMAR_CONNECTOR, NULL, 0),
                 REDIR_E_URL_SCHEME));
}

struct opt_vec {
    const char *query;
    const char *want; /* "k=v;k=v;" as walked, "(none)" for no pair */
};

static const struct opt_vec opt_vectors[] = {
    {"", "(none)"},
    {"&", "(none)"},
    {"&&&", "(none)"},
    {"a=1", "a=1;"},
    {"a=1&b=2", "a=1;b=2;"},
    {"a=1&&b=2&", "a=1;b=2;"},
    {"a", "a=;"},
    {"a=", "a=;"},
    {"=v", "=v;"},
    {"a==b", "a==b;"},
    {"user=user@host&ttl=60", "user=user@host;ttl=60;"},
    {"k%3D=v%26", "k%3D=v%26;"},
};

Test(url_common, option_next_walks_pairs) {
    for (size_t i = 0; i < sizeof opt_vectors / sizeof opt_vectors[0]; i++) {
        size_t len = strlen(opt_vectors[i].query);
        const uint8_t *g = guard_copy(0, opt_vectors[i].query, len);
        redir_span rest = redir_span_of(g, len);
        redir_span k;
        redir_span v;
        char got[256] = "";
        sbuf b = {got, sizeof got, 0};
        redir_status st;
        int pairs = 0;
        while ((st = redir_url_option_next(&rest, &k, &v)) == REDIR_OK) {
            sb_span(&b, k);
            sb_putc(&b, '=');
            sb_span(&b, v);
            sb_putc(&b, ';');
            pairs++;
            cr_assert(pairs < 10);
        }
        cr_assert(eq(int, st, REDIR_DONE));
        cr_assert(eq(sz, rest.len, 0));
        if (pairs == 0) {
            sb_puts(&b, "(none)");
        }
        cr_expect(strcmp(got, opt_vectors[i].want) == 0, "query '%s'\n  wanted: %s\n  got:    %s",
                  opt_vectors[i].query, opt_vectors[i].want, got);
    }
    redir_span k;
    redir_span v;
    redir_span bad = {NULL, 2};
    cr_assert(eq(int, redir_url_option_next(&bad, &k, &v), REDIR_E_INVALID_ARGUMENT));
    redir_span empty = {NULL, 0};
    cr_assert(eq(int, redir_url_option_next(&empty, &k, &v), REDIR_DONE));
}

struct pct_vec {
    const char *in;
    size_t len;
    redir_status st;
    const char *out; /* decoded bytes (st OK) */
    size_t out_len;
    size_t offset; /* diag offset for E_URL_PERCENT */
};

#define PV(lit, st, out, off) {lit, sizeof(lit) - 1, st, out, sizeof(out) - 1, off}

static const struct pct_vec pct_vectors[] = {
    PV("", REDIR_OK, "", 0),
    PV("abc", REDIR_OK, "abc", 0),
    PV("%41", REDIR_OK, "A", 0),
    PV("a%2fb%2F", REDIR_OK, "a/b/", 0),
    PV("%00", REDIR_OK, "\0", 0),
    PV("x%00y", REDIR_OK, "x\0y", 0),
    PV("%ff%FE", REDIR_OK, "\xff\xfe", 0),
    PV("a+b", REDIR_OK, "a+b", 0), /* '+' is not a space in RFC 3986 */
    PV("%", REDIR_E_URL_PERCENT, "", 0),
    PV("%4", REDIR_E_URL_PERCENT, "", 0),
    PV("ab%zz", REDIR_E_URL_PERCENT, "", 2),
    PV("%4g", REDIR_E_URL_PERCENT, "", 0),
    PV("%41%", REDIR_E_URL_PERCENT, "", 3),
    PV("%%41", REDIR_E_URL_PERCENT, "", 0),
    PV("a\0%", REDIR_E_URL_PERCENT, "", 2),
};

Test(url_common, pct_decode_vectors) {
    for (size_t i = 0; i < sizeof pct_vectors / sizeof pct_vectors[0]; i++) {
        const struct pct_vec *t = &pct_vectors[i];
        const uint8_t *g = guard_copy(0, t->in, t->len);
        uint8_t out[16];
        memset(out, 0xAA, sizeof out);
        size_t n = 999;
        redir_diag d = {999, 0};
        redir_status st = redir_pct_decode(out, sizeof out, &n, &d, redir_span_of(g, t->len));
        cr_assert(eq(int, st, t->st), "vector %zu", i);
        if (st == REDIR_OK) {
            cr_assert(eq(sz, n, t->out_len), "vector %zu", i);
            cr_assert(eq(int, memcmp(out, t->out, n), 0), "vector %zu", i);
            cr_assert(eq(u8, out[n], 0xAA), "vector %zu wrote past its output", i);
        } else {
            cr_assert(eq(sz, d.offset, t->offset), "vector %zu", i);
            cr_assert(eq(u8, out[0], 0xAA), "vector %zu wrote output", i);
        }
    }
}

Test(url_common, pct_decode_sizing_and_nospace) {
    redir_span in = redir_span_of("a%41%42c", 8);
    size_t n = 0;
    redir_diag d;
    cr_assert(eq(int, redir_pct_decode(NULL, 0, &n, &d, in), REDIR_E_NOSPACE));
    cr_assert(eq(sz, n, 4));
    uint8_t out[4] = {1, 2, 3, 4};
    cr_assert(eq(int, redir_pct_decode(out, 3, &n, &d, in), REDIR_E_NOSPACE));
    cr_assert(eq(sz, n, 4));
    cr_assert(eq(u8, out[0], 1));
    cr_assert(eq(u8, out[3], 4));
    cr_assert(eq(int, redir_pct_decode(out, 4, &n, &d, in), REDIR_OK));
    cr_assert(eq(int, memcmp(out, "aABc", 4), 0));
    cr_assert(eq(int, redir_pct_decode(out, 4, NULL, &d, in), REDIR_E_INVALID_ARGUMENT));
    cr_assert(eq(int, redir_pct_decode(NULL, 4, &n, &d, in), REDIR_E_INVALID_ARGUMENT));
    /* the empty span needs no buffer */
    cr_assert(eq(int, redir_pct_decode(NULL, 0, &n, &d, redir_span_of(NULL, 0)), REDIR_OK));
    cr_assert(eq(sz, n, 0));
}

Test(url_common, pct_decode_long_input) {
    static char in[30000];
    static uint8_t out[10000];
    for (size_t i = 0; i < sizeof in; i += 3) {
        memcpy(in + i, "%7e", 3);
    }
    const uint8_t *g = guard_copy(0, in, sizeof in);
    size_t n;
    redir_diag d;
    cr_assert(eq(int, redir_pct_decode(out, sizeof out, &n, &d, redir_span_of(g, sizeof in)),
                 REDIR_OK));
    cr_assert(eq(sz, n, 10000));
    cr_assert(eq(u8, out[9999], '~'));
    /* a truncated escape at the very end of a long input */
    const uint8_t *g2 = guard_copy(0, in, sizeof in - 1);
    cr_assert(eq(int, redir_pct_decode(out, sizeof out, &n, &d, redir_span_of(g2, sizeof in - 1)),
                 REDIR_E_URL_PERCENT));
    cr_assert(eq(sz, d.offset, sizeof in - 3));
}

/* The character-class table agrees, byte by byte, with the RFC 3986 classes
 * it was generated from. */
#include "url_internal.h"

Test(url_common, class_table_matches_rfc3986) {
    for (unsigned b = 0; b < 256; b++) {
        uint8_t c = (uint8_t)b;
        bool user = redir__is_unreserved(c) || redir__is_sub_delim(c);
        bool pchar = user || c == ':' || c == '@';
        bool want[7] = {
            user,
            user || c == ':',
            pchar,
            (pchar || c == '/' || c == '?') && c != '&' && c != '=',
            (pchar || c == '/' || c == '?') && c != '&',
            user && c != ',' && c != '(' && c != ')',
            redir__is_unreserved(c),
        };
        for (unsigned bit = 0; bit < 7; bit++) {
            bool got = (redir__url_class[b] & (1u << bit)) != 0;
            cr_assert(eq(int, got, want[bit]), "byte 0x%02x class bit %u", b, bit);
        }
    }
}
