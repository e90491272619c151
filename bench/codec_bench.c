/*
 * Codec micro-benchmarks: the URL grammars against liburiparser and libcurl's
 * URL API, and OK decoding, session-track walking and redirect extraction
 * against memcpy of the same bytes (the physical floor).
 *
 * Every case is run after a warm-up as R repetitions of N calls (N chosen so
 * that one repetition takes about the target time); the minimum and the
 * median time per call over the repetitions are reported, with the
 * allocations per call counted by the allocator interposer (alloc_count.c).
 *
 * usage: codec_bench [--quick] [--csv FILE]
 * Output: a table on stdout; with --csv, one line per case:
 * case,impl,ns_min,ns_median,bytes,gb_per_s,allocs_per_call
 */
#include <curl/curl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <uriparser/Uri.h>

#include <redir/redir.h>

#include "alloc_count.h"

#define MAX_REPS 101

static inline void keep(const void *p) { __asm__ volatile("" : : "r"(p) : "memory"); }

static double now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

typedef void (*bench_fn)(void *ctx, size_t i);

typedef struct result {
    double ns_min;
    double ns_median;
    double allocs_per_call;
} result;

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static struct {
    int reps;
    double rep_ns;
    double warmup_ns;
} cfg = {31, 5e6, 5e7};

static result run(bench_fn fn, void *ctx) {
    /* warm-up, and the calibration of N */
    size_t n = 1;
    double t0 = now_ns();
    double spent = 0;
    while (spent < cfg.warmup_ns) {
        double s = now_ns();
        for (size_t i = 0; i < n; i++) {
            fn(ctx, i);
        }
        double d = now_ns() - s;
        if (d < cfg.rep_ns) {
            n *= 2;
        }
        spent = now_ns() - t0;
    }
    double per[MAX_REPS];
    for (int r = 0; r < cfg.reps; r++) {
        double s = now_ns();
        for (size_t i = 0; i < n; i++) {
            fn(ctx, i);
        }
        per[r] = (now_ns() - s) / (double)n;
    }
    qsort(per, (size_t)cfg.reps, sizeof per[0], cmp_double);
    uint64_t a0 = alloc_count();
    for (size_t i = 0; i < 1000; i++) {
        fn(ctx, i);
    }
    uint64_t a1 = alloc_count();
    result res = {per[0], per[cfg.reps / 2], (double)(a1 - a0) / 1000.0};
    return res;
}

static FILE *csv;
static const char *only_impl; /* --impl SUBSTRING: run only matching cases */

static bool wanted(const char *impl) { return only_impl == NULL || strstr(impl, only_impl) != NULL; }

static void report(const char *bench, const char *impl, result r, size_t bytes) {
    double gbps = bytes > 0 ? (double)bytes / r.ns_min : 0.0; /* bytes per ns = GB/s */
    printf("%-28s %-26s %9.2f %9.2f %8.2f %8.2f\n", bench, impl, r.ns_min, r.ns_median, gbps,
           r.allocs_per_call);
    if (csv != NULL) {
        fprintf(csv, "%s,%s,%.3f,%.3f,%zu,%.3f,%.3f\n", bench, impl, r.ns_min, r.ns_median, bytes,
                gbps, r.allocs_per_call);
    }
}

/* ------------------------------------------------------------------ URLs */

/* Redirect URLs of SPEC.md's examples (sections 2.1, 3.1 and 3.5) that every
 * grammar measured here accepts, so each implementation does its full work. */
static const char *const urls[] = {
    "mariadb://db2.example.com:3306",
    "mysql://10.0.0.7:3307",
    "mariadb://mariadb.org:12345",
    "mysql://db2",
};
#define NUM_URLS (sizeof urls / sizeof urls[0])
static size_t url_lens[NUM_URLS];

typedef struct url_ctx {
    redir_grammar g;
    CURLU *curl;
    size_t sink;
} url_ctx;

static void bench_redir_url(void *vctx, size_t i) {
    url_ctx *c = vctx;
    size_t k = i % NUM_URLS;
    redir_url u;
    redir_diag d;
    redir_status st = redir_url_parse(&u, &d, c->g, (const uint8_t *)urls[k], url_lens[k]);
    if (st != REDIR_OK) {
        abort(); /* every URL of the set is valid */
    }
    c->sink += u.num_hosts;
    keep(&u);
}

static void bench_uriparser(void *vctx, size_t i) {
    url_ctx *c = vctx;
    size_t k = i % NUM_URLS;
    UriUriA uri;
    const char *err = NULL;
    if (uriParseSingleUriExA(&uri, urls[k], urls[k] + url_lens[k], &err) == URI_SUCCESS) {
        c->sink += (size_t)(uri.hostText.afterLast - uri.hostText.first);
        uriFreeUriMembersA(&uri);
    }
}

static void bench_curl(void *vctx, size_t i) {
    url_ctx *c = vctx;
    size_t k = i % NUM_URLS;
    CURLUcode rc = curl_url_set(c->curl, CURLUPART_URL, urls[k], CURLU_NON_SUPPORT_SCHEME);
    c->sink += (size_t)rc;
}

/* ------------------------------------------------------------------ OK */

typedef struct ok_ctx {
    const uint8_t *payload;
    size_t len;
    uint64_t caps;
    uint8_t copy[512];
    size_t sink;
} ok_ctx;

static void bench_memcpy(void *vctx, size_t i) {
    ok_ctx *c = vctx;
    (void)i;
    keep(c->payload);
    memcpy(c->copy, c->payload, c->len);
    keep(c->copy);
}

static void bench_ok_decode(void *vctx, size_t i) {
    ok_ctx *c = vctx;
    (void)i;
    redir_ok ok;
    redir_status st = redir_ok_decode(&ok, NULL, c->payload, c->len, c->caps);
    c->sink += (size_t)st + ok.session_state.len;
}

static void bench_ok_walk(void *vctx, size_t i) {
    ok_ctx *c = vctx;
    (void)i;
    redir_ok ok;
    if (redir_ok_decode(&ok, NULL, c->payload, c->len, c->caps) != REDIR_OK) {
        abort();
    }
    redir_session_iter it;
    redir_session_entry e;
    redir_session_iter_init(&it, ok.session_state);
    while (redir_session_next(&it, &e, NULL) == REDIR_OK) {
        c->sink += e.type + e.name.len + e.value.len;
    }
}

static void bench_ok_extract(void *vctx, size_t i) {
    ok_ctx *c = vctx;
    (void)i;
    redir_ok ok;
    redir_instruction ins;
    if (redir_ok_decode(&ok, NULL, c->payload, c->len, c->caps) != REDIR_OK ||
        redir_redirect_from_ok(&ins, NULL, &ok, true) != REDIR_OK) {
        abort();
    }
    c->sink += ins.port + ins.host.len;
}

int main(int argc, char **argv) {
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--quick") == 0) {
            cfg.reps = 11;
            cfg.rep_ns = 1e6;
            cfg.warmup_ns = 1e7;
        } else if (strcmp(argv[i], "--impl") == 0 && i + 1 < argc) {
            only_impl = argv[++i];
        } else if (strcmp(argv[i], "--csv") == 0 && i + 1 < argc) {
            csv = fopen(argv[++i], "w");
            if (csv == NULL) {
                perror(argv[i]);
                return 1;
            }
            fprintf(csv, "case,impl,ns_min,ns_median,bytes,gb_per_s,allocs_per_call\n");
        } else {
            fprintf(stderr, "usage: codec_bench [--quick] [--csv FILE] [--impl SUBSTRING]\n");
            return 2;
        }
    }
    for (size_t k = 0; k < NUM_URLS; k++) {
        url_lens[k] = strlen(urls[k]);
    }
    printf("%-28s %-26s %9s %9s %8s %8s\n", "case", "implementation", "ns min", "ns median",
           "GB/s", "allocs");

    url_ctx uc = {REDIR_GRAMMAR_MARIADB_SERVER, curl_url(), 0};
    if (wanted("redir mariadb-server")) {
        report("url (per URL)", "redir mariadb-server", run(bench_redir_url, &uc), 0);
    }
    uc.g = REDIR_GRAMMAR_CONNECTOR;
    if (wanted("redir connector")) {
        report("url (per URL)", "redir connector", run(bench_redir_url, &uc), 0);
    }
    if (wanted("liburiparser")) {
        report("url (per URL)", "liburiparser", run(bench_uriparser, &uc), 0);
    }
    if (wanted("libcurl curl_url_set")) {
        report("url (per URL)", "libcurl curl_url_set", run(bench_curl, &uc), 0);
    }
    curl_url_cleanup(uc.curl);

    /* A MariaDB login OK with three tracked variables, the last redirect_url
     * (MariaDB 11.5 lists every tracked variable in the login OK). */
    static uint8_t pkt[512];
    size_t pkt_len = 0;
    redir_sysvar extra[] = {
        {redir_span_of("autocommit", 10), redir_span_of("ON", 2)},
        {redir_span_of("character_set_client", 20), redir_span_of("utf8mb4", 7)},
        {redir_span_of("redirect_url", 12), redir_span_of("", 0)},
    };
    const char *url = "mariadb://db2.example.com:3306"; /* SPEC.md 2.1, example A */
    if (redir_build_ok_redirect(pkt, sizeof pkt, &pkt_len, 2, REDIR_CAPS_MARIADB_DEFAULT,
                                REDIR_STATUS_AUTOCOMMIT, redir_span_of(url, strlen(url)), extra,
                                3) != REDIR_OK) {
        fprintf(stderr, "codec_bench: cannot build the OK packet\n");
        return 1;
    }
    ok_ctx oc;
    memset(&oc, 0, sizeof oc);
    oc.payload = pkt + REDIR_FRAME_HEADER_SIZE;
    oc.len = pkt_len - REDIR_FRAME_HEADER_SIZE;
    oc.caps = REDIR_CAPS_MARIADB_DEFAULT;
    if (wanted("memcpy (floor)")) {
        report("ok+3 session-track", "memcpy (floor)", run(bench_memcpy, &oc), oc.len);
    }
    if (wanted("redir decode")) {
        report("ok+3 session-track", "redir decode", run(bench_ok_decode, &oc), oc.len);
    }
    if (wanted("redir decode+walk")) {
        report("ok+3 session-track", "redir decode+walk", run(bench_ok_walk, &oc), oc.len);
    }
    if (wanted("redir decode+extract")) {
        report("ok+3 session-track", "redir decode+extract", run(bench_ok_extract, &oc), oc.len);
    }
    if (csv != NULL) {
        fclose(csv);
    }
    return (int)((uc.sink + oc.sink) & 0) ;
}
