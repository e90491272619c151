/* redir probe: connect, authenticate and follow redirects as the library's
 * client engine and policy decide, reporting every step. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli_opts.h"
#include "commands.h"
#include "probe.h"
#include "probe_conn.h"
#include "tls.h"

#define DEFAULT_QUERY "SELECT @@hostname, @@port, CONNECTION_ID()"

static void usage(FILE *out) {
    fputs("usage: redir probe URL [--user USER] [--password PASSWORD] [--tls | --no-tls]\n"
          "                   [--tls-ca FILE] [--tls-verify] [--follow N]\n"
          "                   [--permit default|always|never] [--keylog FILE]\n"
          "                   [--query SQL]... [--pipeline] [--timeout SECONDS] [--json]\n"
          "\n"
          "Connects to a MySQL/MariaDB server as a client would, negotiates TLS,\n"
          "authenticates (mysql_native_password, caching_sha2_password, client_ed25519),\n"
          "and reports the greeting, the negotiated capabilities, every session-track\n"
          "value and any redirect received with the client policy's decision and its\n"
          "reason. It follows a redirect when the policy says so, up to N hops, and on\n"
          "the server where it lands runs " DEFAULT_QUERY ",\n"
          "so the report shows where a client ends up.\n"
          "\n"
          "  URL                     mariadb://[user[:password]@]host[:port][/database]\n"
          "                          (connector grammar; host[:port] alone also works)\n"
          "  --user USER             log in as USER (default: the URL's user, else root)\n"
          "  --password PASSWORD     password (default: the URL's, else empty)\n"
          "  --tls                   require TLS (a server that does not offer it, or a\n"
          "                          packet before the handshake, ends the connection)\n"
          "  --no-tls                never ask for TLS (default: TLS when offered)\n"
          "  --tls-ca FILE           trust anchors for the server certificate (default:\n"
          "                          the system's); the certificate and the host name or\n"
          "                          address are always checked and the result given to\n"
          "                          the policy\n"
          "  --tls-verify            fail the TLS handshake unless the certificate verifies\n"
          "  --follow N              follow at most N redirects (default 1, 0: report only)\n"
          "  --permit MODE           redirect policy: default (follow only over TLS with a\n"
          "                          verified certificate), always (any transport, never\n"
          "                          before TLS), never\n"
          "  --keylog FILE           append the TLS secrets to FILE in the NSS key log\n"
          "                          format (SSLKEYLOGFILE), for Wireshark and redir dump\n"
          "  --query SQL             the statement run where the probe lands (repeatable:\n"
          "                          run in order, each once the previous one is answered)\n"
          "  --pipeline              send all the statements at once, without waiting\n"
          "  --timeout SECONDS       connect, TLS handshake and reply timeout (default 10)\n"
          "  --json                  JSON Lines instead of text lines\n"
          "\n"
          "One record per step, its name first on a text line (\"event\" in JSON):\n"
          "connect, tcp, server greeting (the members of redir decode), tls, login,\n"
          "track (each session-track value), redirect (carrier, target, decision,\n"
          "reason), follow, query, row, result, error, and landed or FAILED (summary).\n"
          "\n"
          "Exit status: 0 the statements ran on the server where the probe landed, 1\n"
          "they did not (connection, TLS, login or a statement failed, or a redirect\n"
          "that was not followed ended the connection), 2 usage error.\n",
          out);
}

static bool parse_uint(const char *s, unsigned long max, unsigned long *out) {
    char *end = NULL;
    errno = 0;
    unsigned long v = strtoul(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0' || s[0] == '-' || v > max) {
        return false;
    }
    *out = v;
    return true;
}

static bool set_text(char *dst, const char *src) {
    size_t n = strlen(src);
    if (n >= PROBE_TEXT_MAX) {
        return false;
    }
    memcpy(dst, src, n + 1);
    return true;
}

enum {
    OPT_USER = 256,
    OPT_PASSWORD,
    OPT_TLS,
    OPT_NO_TLS,
    OPT_TLS_CA,
    OPT_TLS_VERIFY,
    OPT_FOLLOW,
    OPT_PERMIT,
    OPT_KEYLOG,
    OPT_QUERY,
    OPT_PIPELINE,
    OPT_TIMEOUT,
    OPT_JSON,
    OPT_HELP
};

static const struct option long_options[] = {
    {"user", required_argument, NULL, OPT_USER},
    {"password", required_argument, NULL, OPT_PASSWORD},
    {"tls", no_argument, NULL, OPT_TLS},
    {"no-tls", no_argument, NULL, OPT_NO_TLS},
    {"tls-ca", required_argument, NULL, OPT_TLS_CA},
    {"tls-verify", no_argument, NULL, OPT_TLS_VERIFY},
    {"follow", required_argument, NULL, OPT_FOLLOW},
    {"permit", required_argument, NULL, OPT_PERMIT},
    {"keylog", required_argument, NULL, OPT_KEYLOG},
    {"query", required_argument, NULL, OPT_QUERY},
    {"pipeline", no_argument, NULL, OPT_PIPELINE},
    {"timeout", required_argument, NULL, OPT_TIMEOUT},
    {"json", no_argument, NULL, OPT_JSON},
    {"help", no_argument, NULL, OPT_HELP},
    {NULL, 0, NULL, 0},
};

/* Statements pipelined at most (the engine's queue holds 64 commands). */
#define MAX_QUERIES 32

typedef struct args {
    probe_opts o;
    const char *queries[MAX_QUERIES];
    size_t num_queries;
    const char *user, *password, *keylog;
    bool json;
} args;

/* parse_args returns -1 to go on, otherwise an exit status. */
static int parse_args(args *a, int argc, char **argv) {
    if (cli_wants_help(argc, argv)) {
        usage(stdout);
        return REDIR_EXIT_OK;
    }
    memset(a, 0, sizeof *a);
    a->o.tls = PROBE_TLS_PREFERRED;
    a->o.follow = 1;
    a->o.permit = REDIR_PERMIT_DEFAULT;
    static const char *const default_query[] = {DEFAULT_QUERY};
    a->o.queries = default_query;
    a->o.num_queries = 1;
    a->o.timeout_ms = 10000;
    bool tls_set = false, no_tls_set = false;
    unsigned long v;
    optind = 1;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, "h", long_options, NULL)) != -1) {
        switch (c) {
        case OPT_USER:
            a->user = optarg;
            break;
        case OPT_PASSWORD:
            a->password = optarg;
            break;
        case OPT_TLS:
            tls_set = true;
            a->o.tls = PROBE_TLS_REQUIRED;
            break;
        case OPT_NO_TLS:
            no_tls_set = true;
            a->o.tls = PROBE_TLS_OFF;
            break;
        case OPT_TLS_CA:
            a->o.tls_ca = optarg;
            break;
        case OPT_TLS_VERIFY:
            a->o.tls_verify = true;
            break;
        case OPT_FOLLOW:
            if (!parse_uint(optarg, 64, &v)) {
                return cli_usage_error("probe", "--follow takes a number of hops from 0 to 64, not '%s'",
                                 optarg);
            }
            a->o.follow = (unsigned)v;
            break;
        case OPT_PERMIT:
            if (strcmp(optarg, "default") == 0) {
                a->o.permit = REDIR_PERMIT_DEFAULT;
            } else if (strcmp(optarg, "always") == 0) {
                a->o.permit = REDIR_PERMIT_ALWAYS;
            } else if (strcmp(optarg, "never") == 0) {
                a->o.permit = REDIR_PERMIT_NEVER;
            } else {
                return cli_usage_error("probe", "--permit takes default, always or never, not '%s'", optarg);
            }
            break;
        case OPT_KEYLOG:
            a->keylog = optarg;
            break;
        case OPT_QUERY:
            if (a->num_queries == MAX_QUERIES) {
                return cli_usage_error("probe", "at most %d --query", MAX_QUERIES);
            }
            a->queries[a->num_queries++] = optarg;
            a->o.queries = a->queries;
            a->o.num_queries = a->num_queries;
            break;
        case OPT_PIPELINE:
            a->o.pipeline = true;
            break;
        case OPT_TIMEOUT:
            if (!parse_uint(optarg, 3600, &v) || v == 0) {
                return cli_usage_error("probe", "--timeout takes seconds from 1 to 3600, not '%s'", optarg);
            }
            a->o.timeout_ms = (int)v * 1000;
            break;
        case OPT_JSON:
            a->json = true;
            break;
        case '?':
            if (optopt != 0) {
                return cli_usage_error("probe", "option '%s' needs a value", argv[optind - 1]);
            }
            return cli_usage_error("probe", "unknown option '%s'", argv[optind - 1]);
        default:
            return cli_usage_error("probe", "unexpected option");
        }
    }
    if (tls_set && no_tls_set) {
        return cli_usage_error("probe", "--tls and --no-tls exclude each other");
    }
    if (a->o.tls == PROBE_TLS_OFF && (a->o.tls_verify || a->o.tls_ca != NULL || a->keylog)) {
        return cli_usage_error("probe", "--no-tls excludes --tls-ca, --tls-verify and --keylog");
    }
    if (optind != argc - 1) {
        return cli_usage_error("probe", optind == argc ? "missing the URL" : "expected one URL, got '%s' too",
                         argv[argc - 1]);
    }
    char err[512];
    if (probe_target_from_url(&a->o.first, argv[optind], err, sizeof err) != 0) {
        return cli_usage_error("probe", "%s", err);
    }
    if (a->user != NULL && !set_text(a->o.first.user, a->user)) {
        return cli_usage_error("probe", "--user is too long");
    }
    if (a->password != NULL && !set_text(a->o.first.password, a->password)) {
        return cli_usage_error("probe", "--password is too long");
    }
    if (a->o.first.user[0] == '\0') {
        strcpy(a->o.first.user, "root");
    }
    return -1;
}

int cmd_probe(int argc, char **argv) {
    args a;
    int rc = parse_args(&a, argc, argv);
    if (rc >= 0) {
        return rc;
    }
    /* OpenSSL writes with write(2): a peer that closes must not kill us. */
    signal(SIGPIPE, SIG_IGN);

    SSL_CTX *ctx = NULL;
    char err[512];
    if (a.o.tls != PROBE_TLS_OFF) {
        ctx = tls_client_ctx(a.o.tls_ca, a.o.tls_verify, a.keylog, err, sizeof err);
        if (ctx == NULL) {
            fprintf(stderr, "redir probe: %s\n", err);
            return REDIR_EXIT_FAILURE;
        }
    }
    probe_out out;
    probe_out_init(&out, STDOUT_FILENO, a.json);

    /* The chain of servers visited, for the policy's loop detection. */
    char visited_text[65][PROBE_TEXT_MAX + 16];
    redir_span visited[65];
    probe_target at = a.o.first;
    unsigned hops = 0;
    bool ok = false;
    for (;;) {
        probe_target next;
        probe_result r = probe_attempt(&a.o, ctx, &at, hops, visited, hops, &out, &next);
        if (r != PROBE_FOLLOW || hops >= 64) {
            ok = r == PROBE_LANDED;
            break;
        }
        probe_format_hostport(visited_text[hops], sizeof visited_text[hops], at.host, at.port);
        visited[hops] = redir_span_of(visited_text[hops], strlen(visited_text[hops]));
        hops++;
        probe_out_follow(&out, &next, hops, a.o.follow);
        at = next;
    }
    probe_out_summary(&out, ok, &at, hops);
    if (!probe_out_finish(&out)) {
        fputs("redir probe: cannot write the report\n", stderr);
        ok = false;
    }
    SSL_CTX_free(ctx);
    return ok ? REDIR_EXIT_OK : REDIR_EXIT_FAILURE;
}
