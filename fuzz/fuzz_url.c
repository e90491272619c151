/* Every URL grammar (the first byte selects it), the option walker and
 * percent-decoding of every part. */
#include "fuzz_common.h"

static uint8_t decoded[4096];

static void check_pct(redir_span s) {
    size_t n;
    redir_diag d;
    fuzz_lib_enter();
    redir_status st = redir_pct_decode(decoded, sizeof decoded, &n, &d, s);
    fuzz_lib_leave();
    if (st == REDIR_OK) {
        FUZZ_CHECK(n <= s.len);
    } else if (st == REDIR_E_NOSPACE) {
        FUZZ_CHECK(s.len > sizeof decoded && n <= s.len);
    } else {
        FUZZ_CHECK(st == REDIR_E_URL_PERCENT && d.offset < s.len);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 1) {
        return 0;
    }
    redir_grammar g = (redir_grammar)(data[0] % 4);
    const char *in = (const char *)data + 1;
    size_t len = size - 1;
    redir_url u;
    redir_diag d;
    fuzz_lib_enter();
    redir_status st = redir_url_parse(&u, &d, g, in, len);
    fuzz_lib_leave();
    FUZZ_CHECK(redir_status_name(st) != NULL);
    if (st != REDIR_OK) {
        FUZZ_CHECK(redir_status_is_error(st) && d.offset <= len);
        return 0;
    }
    FUZZ_CHECK(u.num_hosts <= REDIR_URL_MAX_HOSTS);
    FUZZ_CHECK(fuzz_span_inside(u.scheme, in, len) && fuzz_span_inside(u.user, in, len) &&
               fuzz_span_inside(u.password, in, len) && fuzz_span_inside(u.database, in, len) &&
               fuzz_span_inside(u.query, in, len) && fuzz_span_inside(u.mode, in, len));
    for (size_t i = 0; i < u.num_hosts; i++) {
        FUZZ_CHECK(fuzz_span_inside(u.hosts[i].host, in, len));
        FUZZ_CHECK(fuzz_span_inside(u.hosts[i].type, in, len));
        check_pct(u.hosts[i].host);
    }
    check_pct(u.user);
    check_pct(u.password);
    check_pct(u.database);
    redir_span rest = u.query, k, v;
    size_t guard = 0;
    while (redir_url_option_next(&rest, &k, &v) == REDIR_OK) {
        FUZZ_CHECK(fuzz_span_inside(k, in, len) && fuzz_span_inside(v, in, len));
        FUZZ_CHECK(++guard <= len + 1);
    }
    return 0;
}
