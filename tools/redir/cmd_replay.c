/* redir replay: replay the flows of a capture against a live server and
 * compare the responses by shape. */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "replay_buf.h"
#include "replay_capture.h"
#include "replay_plan.h"
#include "replay_run.h"

static void usage(FILE *out) {
    fputs("usage: redir replay -r FILE --server HOST:PORT [--user USER] [--password PASSWORD]\n"
          "                    [--account USER:PASSWORD]... [--flow N]... [--tls-ca FILE]\n"
          "                    [--timeout SECONDS] [-v]\n"
          "\n"
          "Replays every MySQL/MariaDB connection of a capture against a live server: a fresh\n"
          "connection per captured flow, TLS when the capture used it, a login with the\n"
          "captured options (mysql_native_password, caching_sha2_password, client_ed25519),\n"
          "then the captured commands in order, pipelined as captured. Each server response is\n"
          "compared with the captured one by shape: packet kinds, error codes and SQL states,\n"
          "column and row counts, session-track entry names. Values that differ between runs\n"
          "(ids, scrambles, timestamps, data) and progress reports are not compared.\n"
          "\n"
          "  -r, --read FILE         capture to replay (pcap or pcapng)\n"
          "  --server HOST:PORT      server to replay against ([v6addr]:port for IPv6)\n"
          "  --user USER             log in as USER instead of the captured user (required\n"
          "                          for flows whose login is encrypted)\n"
          "  --password PASSWORD     password of every user without an --account entry\n"
          "  --account USER:PASSWORD password of USER (repeatable, the last one for a user\n"
          "                          wins; for COM_CHANGE_USER and per-user passwords)\n"
          "  --flow N                replay only flow N (1-based, repeatable)\n"
          "  --tls-ca FILE           verify the server certificate against FILE\n"
          "  --timeout SECONDS       connect and read timeout (default 30)\n"
          "  -v, --verbose           also print the responses that match\n"
          "\n"
          "Prints, per flow, every response whose shape differs (captured, then live) and a\n"
          "summary. Exit status: 0 every replayed flow matches, 1 a difference or failure\n"
          "(or nothing to replay), 2 usage error.\n",
          out);
}

typedef struct args {
    const char *file;
    char *host;
    char *port;
    rp_options o;
    rp_account *accounts;
    char **owned;            /* the strings the accounts point into */
    unsigned long *flows;
    size_t num_flows;
} args;

#if defined(__GNUC__)
__attribute__((format(printf, 1, 2)))
#endif
static int bad_usage(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fputs("redir replay: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputs("\n(see redir replay --help)\n", stderr);
    va_end(ap);
    return REDIR_EXIT_USAGE;
}

static bool parse_server(args *a, const char *s) {
    const char *colon;
    if (s[0] == '[') {
        const char *close = strchr(s, ']');
        if (close == NULL || (close[1] != '\0' && close[1] != ':')) {
            return false;
        }
        a->host = rp_xmalloc((size_t)(close - s));
        memcpy(a->host, s + 1, (size_t)(close - s - 1));
        a->host[close - s - 1] = '\0';
        colon = close[1] == ':' ? close + 1 : NULL;
    } else {
        colon = strrchr(s, ':');
        size_t n = colon != NULL ? (size_t)(colon - s) : strlen(s);
        a->host = rp_xmalloc(n + 1);
        memcpy(a->host, s, n);
        a->host[n] = '\0';
    }
    a->port = rp_xstrdup(colon != NULL ? colon + 1 : "3306");
    return a->host[0] != '\0' && a->port[0] != '\0' &&
           strspn(a->port, "0123456789") == strlen(a->port);
}

static bool parse_number(const char *s, unsigned long max, unsigned long *out) {
    char *end = NULL;
    errno = 0;
    unsigned long v = strtoul(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0' || v == 0 || v > max || s[0] == '-') {
        return false;
    }
    *out = v;
    return true;
}

/* parse_args returns -1 to go on, otherwise an exit status. */
static int parse_args(args *a, int argc, char **argv) {
    a->o.timeout_s = 30;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            usage(stdout);
            return REDIR_EXIT_OK;
        }
    }
    for (int i = 1; i < argc; i++) {
        const char *opt = argv[i];
        if (strcmp(opt, "-v") == 0 || strcmp(opt, "--verbose") == 0) {
            a->o.verbose = true;
            continue;
        }
        static const char *const with_value[] = {"-r",     "--read",    "--server",
                                                 "--user", "--password", "--account",
                                                 "--flow", "--tls-ca",  "--timeout"};
        bool known = false;
        for (size_t k = 0; k < sizeof with_value / sizeof with_value[0]; k++) {
            known = known || strcmp(opt, with_value[k]) == 0;
        }
        if (!known) {
            return bad_usage("unknown argument '%s'", opt);
        }
        if (i + 1 >= argc) {
            return bad_usage("%s needs a value", opt);
        }
        const char *v = argv[++i];
        if (strcmp(opt, "-r") == 0 || strcmp(opt, "--read") == 0) {
            a->file = v;
        } else if (strcmp(opt, "--server") == 0) {
            free(a->host);
            free(a->port);
            if (!parse_server(a, v)) {
                return bad_usage("--server expects HOST:PORT, got '%s'", v);
            }
        } else if (strcmp(opt, "--user") == 0) {
            a->o.user = v;
        } else if (strcmp(opt, "--password") == 0) {
            a->o.password = v;
        } else if (strcmp(opt, "--account") == 0) {
            const char *colon = strchr(v, ':');
            if (colon == NULL || colon == v) {
                return bad_usage("--account expects USER:PASSWORD, got '%s'", v);
            }
            a->accounts = rp_xrealloc(a->accounts, (a->o.num_accounts + 1) * sizeof *a->accounts);
            char *user = rp_xstrdup(v);
            user[colon - v] = '\0';
            a->owned = rp_xrealloc(a->owned, (a->o.num_accounts + 1) * sizeof *a->owned);
            a->owned[a->o.num_accounts] = user;
            a->accounts[a->o.num_accounts].user = user;
            a->accounts[a->o.num_accounts].password = user + (colon - v) + 1;
            a->o.num_accounts++;
        } else if (strcmp(opt, "--flow") == 0) {
            unsigned long n;
            if (!parse_number(v, ULONG_MAX, &n)) {
                return bad_usage("--flow expects a flow number from 1, got '%s'", v);
            }
            a->flows = rp_xrealloc(a->flows, (a->num_flows + 1) * sizeof *a->flows);
            a->flows[a->num_flows++] = n;
        } else if (strcmp(opt, "--tls-ca") == 0) {
            a->o.tls_ca = v;
        } else {
            unsigned long n;
            if (!parse_number(v, 3600, &n)) {
                return bad_usage("--timeout expects 1 to 3600 seconds, got '%s'", v);
            }
            a->o.timeout_s = (int)n;
        }
    }
    if (a->file == NULL) {
        return bad_usage("%s", "missing -r FILE");
    }
    if (a->host == NULL) {
        return bad_usage("%s", "missing --server HOST:PORT");
    }
    a->o.host = a->host;
    a->o.port = a->port;
    a->o.accounts = a->accounts;
    return -1;
}

static bool selected(const args *a, uint64_t id) {
    if (a->num_flows == 0) {
        return true;
    }
    for (size_t i = 0; i < a->num_flows; i++) {
        if (a->flows[i] == id) {
            return true;
        }
    }
    return false;
}

static void free_args(args *a) {
    for (size_t i = 0; i < a->o.num_accounts; i++) {
        free(a->owned[i]);
    }
    free(a->owned);
    free(a->accounts);
    free(a->flows);
    free(a->host);
    free(a->port);
}

int cmd_replay(int argc, char **argv) {
    args a;
    memset(&a, 0, sizeof a);
    int rc = parse_args(&a, argc, argv);
    if (rc >= 0) {
        free_args(&a);
        return rc;
    }
    rp_capture cap;
    char err[512];
    if (rp_capture_load(&cap, a.file, err, sizeof err) != 0) {
        fprintf(stderr, "redir replay: %s: %s\n", a.file, err);
        free_args(&a);
        return REDIR_EXIT_FAILURE;
    }
    for (size_t i = 0; i < a.num_flows; i++) {
        if (a.flows[i] > cap.num_flows) {
            fprintf(stderr, "redir replay: %s has no flow %lu (%zu flows)\n", a.file, a.flows[i],
                    cap.num_flows);
            rp_capture_free(&cap);
            free_args(&a);
            return REDIR_EXIT_FAILURE;
        }
    }
    size_t counts[4] = {0, 0, 0, 0};
    for (size_t i = 0; i < cap.num_flows; i++) {
        if (!selected(&a, cap.flows[i].id)) {
            continue;
        }
        rp_plan plan;
        rp_plan_build(&plan, &cap.flows[i]);
        rp_result res = rp_replay_flow(&plan, &a.o, stdout);
        counts[res]++;
        rp_plan_free(&plan);
        fflush(stdout);
    }
    size_t replayed = counts[RP_MATCH] + counts[RP_DIFFER] + counts[RP_FAILED];
    printf("replay %s: %zu flows: %zu match, %zu differ, %zu failed, %zu skipped\n", a.file,
           replayed + counts[RP_SKIPPED], counts[RP_MATCH], counts[RP_DIFFER], counts[RP_FAILED],
           counts[RP_SKIPPED]);
    rp_capture_free(&cap);
    free_args(&a);
    if (replayed == 0) {
        fprintf(stderr, "redir replay: no flow could be replayed\n");
        return REDIR_EXIT_FAILURE;
    }
    return counts[RP_DIFFER] + counts[RP_FAILED] == 0 ? REDIR_EXIT_OK : REDIR_EXIT_FAILURE;
}
