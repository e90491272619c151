/* redir serve: answer MariaDB clients with a redirect, or play a scenario of
 * the conformance kit. Options and validation; the work is in serve_*.c. */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "commands.h"
#include "cli_opts.h"
#include "serve.h"
#include "tls.h"

#define DEFAULT_MESSAGE "This server has moved"

static void usage(FILE *out) {
    fprintf(out,
            "usage: redir serve --listen ADDR:PORT --target URL [--target URL]... [options]\n"
            "       redir serve --scenario NAME [--listen ADDR:PORT] [options]\n"
            "       redir serve --scenario list\n"
            "\n"
            "Answers every connection as a MariaDB server would up to authentication\n"
            "(greeting, TLS after an SSLRequest, handshake response) and then sends the\n"
            "client to a target: no proxy stays in the data path. Clients that cannot\n"
            "follow get an ERR naming the target (with the session-track and location\n"
            "carriers: in answer to their first command). One log line per connection.\n"
            "SIGTERM or SIGINT stops accepting, finishes the logins in progress and exits.\n"
            "\n"
            "  --listen ADDR:PORT  where to listen ([v6]:PORT for IPv6; port 0 picks one);\n"
            "                      for scenarios default 127.0.0.1:3307\n"
            "  --target URL        mariadb://host:port, as `SET GLOBAL redirect_url` takes\n"
            "                      it: refused when MariaDB's validator refuses it, with a\n"
            "                      warning when some connectors would not follow it\n"
            "  --pick P            random (default) or round-robin among the targets\n"
            "  --carrier C         session-track: redirect_url in the login OK (default,\n"
            "                                     what MariaDB 11.3+ sends)\n"
            "                      err: an ERR \"|message|host:port\" instead of the OK\n"
            "                      location: \"Location: mysql://[host]:port/?user=U&ttl=0\"\n"
            "                                in the login OK's info\n"
            "  --tls-cert FILE     certificate chain (PEM); with --tls-key, TLS is offered\n"
            "  --tls-key FILE      its private key (PEM)\n"
            "  --err-code N        code of the ERR naming the target (default 4196)\n"
            "  --message TEXT      text of that ERR (default \"" DEFAULT_MESSAGE "\")\n"
            "  --timeout SECONDS   a connection is closed this long after it was accepted\n"
            "                      (default 10); for scenarios, how long to wait for the\n"
            "                      client (default 30)\n"
            "  --max-conns N       connections served at once (default 4096); more are\n"
            "                      answered with ERR 1040 and closed\n"
            "  --log FILE          append the log lines to FILE (default: stderr)\n"
            "  --scenario NAME     play one scenario of the conformance kit and judge the\n"
            "                      client: prints PASS or FAIL with the reason;\n"
            "                      `--scenario list` names them\n"
            "\n"
            "Log line: time, peer, tls=yes|no, user, carrier, target, outcome (redirected,\n"
            "err-sent, quit, closed, reset, timeout, malformed:STATUS, tls-failed, ...), ms.\n"
            "\n"
            "Conformance kit: a scenario prints the address to connect the client to\n"
            "(\"server HOST:PORT\") and the targets it listens on itself, accepts any\n"
            "login, answers a SELECT with @@hostname, @@port and CONNECTION_ID(), and\n"
            "judges the first client. Run the client with TLS verified against the CA of\n"
            "--tls-cert and one statement; in-transaction wants a statement, COMMIT and\n"
            "another; pipelined wants two statements sent without waiting.\n"
            "\n"
            "Exit status: 0 stopped by a signal, or the scenario passed; 1 failure, or the\n"
            "scenario failed; 2 usage error.\n");
}

__attribute__((format(printf, 1, 2))) static int usage_error(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "redir serve: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\nTry 'redir help serve'.\n");
    va_end(ap);
    return REDIR_EXIT_USAGE;
}

static bool parse_uint(const char *s, unsigned long min, unsigned long max, unsigned long *out) {
    char *end;
    errno = 0;
    unsigned long v = strtoul(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0' || s[0] == '-' || v < min || v > max) {
        return false;
    }
    *out = v;
    return true;
}

static bool parse_seconds(const char *s, unsigned *out_ms) {
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno != 0 || end == s || *end != '\0' || !isfinite(v) || v <= 0 || v > 86400) {
        return false;
    }
    *out_ms = (unsigned)(v * 1000.0 + 0.5);
    return *out_ms > 0;
}

enum {
    OPT_LISTEN = 256,
    OPT_TARGET,
    OPT_PICK,
    OPT_CARRIER,
    OPT_TLS_CERT,
    OPT_TLS_KEY,
    OPT_ERR_CODE,
    OPT_MESSAGE,
    OPT_SCENARIO,
    OPT_TIMEOUT,
    OPT_MAX_CONNS,
    OPT_LOG
};

static const struct option long_opts[] = {
    {"help", no_argument, NULL, 'h'},
    {"listen", required_argument, NULL, OPT_LISTEN},
    {"target", required_argument, NULL, OPT_TARGET},
    {"pick", required_argument, NULL, OPT_PICK},
    {"carrier", required_argument, NULL, OPT_CARRIER},
    {"tls-cert", required_argument, NULL, OPT_TLS_CERT},
    {"tls-key", required_argument, NULL, OPT_TLS_KEY},
    {"err-code", required_argument, NULL, OPT_ERR_CODE},
    {"message", required_argument, NULL, OPT_MESSAGE},
    {"scenario", required_argument, NULL, OPT_SCENARIO},
    {"timeout", required_argument, NULL, OPT_TIMEOUT},
    {"max-conns", required_argument, NULL, OPT_MAX_CONNS},
    {"log", required_argument, NULL, OPT_LOG},
    {NULL, 0, NULL, 0},
};

static bool carrier_from_name(const char *s, redir_carrier *out) {
    static const redir_carrier all[] = {REDIR_CARRIER_SESSION_TRACK, REDIR_CARRIER_ERR,
                                        REDIR_CARRIER_LOCATION};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) {
        if (strcmp(s, redir_carrier_name(all[i])) == 0) {
            *out = all[i];
            return true;
        }
    }
    return false;
}

/* Checks that every target can travel by the chosen carrier, by building the
 * packet once the way the server will. */
static bool carrier_fits(const serve_options *o, char *err, size_t err_len) {
    for (size_t i = 0; i < o->num_targets; i++) {
        const serve_target *t = &o->targets[i];
        redir_status st = serve_check_carrier(o->carrier, o->err_code, o->message, t);
        if (st != REDIR_OK) {
            snprintf(err, err_len, "--target '%s' cannot travel by the %s carrier: %s (%s)",
                     t->url, redir_carrier_name(o->carrier), redir_status_name(st),
                     redir_status_message(st));
            return false;
        }
    }
    return true;
}

int cmd_serve(int argc, char **argv) {
    serve_options o;
    memset(&o, 0, sizeof o);
    o.carrier = REDIR_CARRIER_SESSION_TRACK;
    o.err_code = REDIR_ERR_REDIRECT_DEFAULT_CODE;
    o.message = DEFAULT_MESSAGE;
    o.max_conns = 4096;
    bool have_timeout = false;

    if (cli_wants_help(argc, argv)) {
        usage(stdout);
        return REDIR_EXIT_OK;
    }
    optind = 0; /* glibc: start afresh */
    opterr = 0;
    int opt;
    while ((opt = getopt_long(argc, argv, ":h", long_opts, NULL)) != -1) {
        unsigned long n;
        char err[512];
        char warn[512];
        switch (opt) {
        case 'h':
            usage(stdout);
            return REDIR_EXIT_OK;
        case OPT_LISTEN:
            o.listen = optarg;
            break;
        case OPT_TARGET:
            if (o.num_targets == SERVE_MAX_TARGETS) {
                return usage_error("at most %d targets", SERVE_MAX_TARGETS);
            }
            if (!serve_target_parse(&o.targets[o.num_targets], optarg, err, sizeof err, warn,
                                    sizeof warn)) {
                return usage_error("%s", err);
            }
            if (warn[0] != '\0') {
                fprintf(stderr, "redir serve: warning: %s\n", warn);
            }
            o.num_targets++;
            break;
        case OPT_PICK:
            if (strcmp(optarg, "random") == 0) {
                o.pick = SERVE_PICK_RANDOM;
            } else if (strcmp(optarg, "round-robin") == 0) {
                o.pick = SERVE_PICK_ROUND_ROBIN;
            } else {
                return usage_error("--pick: random or round-robin, not '%s'", optarg);
            }
            break;
        case OPT_CARRIER:
            if (!carrier_from_name(optarg, &o.carrier)) {
                return usage_error("--carrier: session-track, err or location, not '%s'", optarg);
            }
            break;
        case OPT_TLS_CERT:
            o.tls_cert = optarg;
            break;
        case OPT_TLS_KEY:
            o.tls_key = optarg;
            break;
        case OPT_ERR_CODE:
            if (!parse_uint(optarg, 1, 0xFFFE, &n)) {
                return usage_error("--err-code: 1 to 65534, not '%s'", optarg);
            }
            o.err_code = (uint16_t)n;
            break;
        case OPT_MESSAGE:
            o.message = optarg;
            break;
        case OPT_SCENARIO:
            o.scenario = optarg;
            break;
        case OPT_TIMEOUT:
            if (!parse_seconds(optarg, &o.timeout_ms)) {
                return usage_error("--timeout: a positive number of seconds, not '%s'", optarg);
            }
            have_timeout = true;
            break;
        case OPT_MAX_CONNS:
            if (!parse_uint(optarg, 1, 1000000, &n)) {
                return usage_error("--max-conns: 1 to 1000000, not '%s'", optarg);
            }
            o.max_conns = (unsigned)n;
            break;
        case OPT_LOG:
            o.log_path = optarg;
            break;
        case ':':
            return usage_error("%s needs a value", argv[optind - 1]);
        default:
            return usage_error("unknown option '%s'", argv[optind - 1]);
        }
    }
    if (optind < argc) {
        return usage_error("unexpected argument '%s'", argv[optind]);
    }
    if ((o.tls_cert == NULL) != (o.tls_key == NULL)) {
        return usage_error("--tls-cert and --tls-key go together");
    }
    if (strchr(o.message, '|') != NULL) {
        return usage_error("--message must not contain '|' (it separates the ERR's parts)");
    }

    if (o.scenario != NULL) {
        if (strcmp(o.scenario, "list") == 0) {
            serve_scenario_list(stdout);
            return REDIR_EXIT_OK;
        }
        if (!serve_scenario_exists(o.scenario)) {
            return usage_error("unknown scenario '%s' (see --scenario list)", o.scenario);
        }
        if (o.num_targets > 0) {
            return usage_error("a scenario makes its own targets: drop --target");
        }
        if (o.listen == NULL) {
            o.listen = "127.0.0.1:3307";
        }
        if (!have_timeout) {
            o.timeout_ms = 30000;
        }
    } else {
        if (o.listen == NULL) {
            return usage_error("--listen ADDR:PORT is required");
        }
        if (o.num_targets == 0) {
            return usage_error("at least one --target URL is required");
        }
        if (!have_timeout) {
            o.timeout_ms = 10000;
        }
        char err[512];
        if (!carrier_fits(&o, err, sizeof err)) {
            return usage_error("%s", err);
        }
    }

    SSL_CTX *tls = NULL;
    if (o.tls_cert != NULL) {
        char err[512];
        tls = tls_server_ctx(o.tls_cert, o.tls_key, NULL, err, sizeof err);
        if (tls == NULL) {
            fprintf(stderr, "redir serve: %s\n", err);
            return REDIR_EXIT_FAILURE;
        }
    }
    srandom((unsigned)time(NULL) ^ (unsigned)getpid());
    int rc;
    if (o.scenario != NULL) {
        rc = serve_scenario_run(&o, tls);
    } else {
        FILE *log = stderr;
        if (o.log_path != NULL) {
            log = fopen(o.log_path, "a");
            if (log == NULL) {
                fprintf(stderr, "redir serve: --log %s: %s\n", o.log_path, strerror(errno));
                SSL_CTX_free(tls);
                return REDIR_EXIT_FAILURE;
            }
        }
        rc = serve_run(&o, tls, log);
        if (log != stderr) {
            fclose(log);
        }
    }
    SSL_CTX_free(tls);
    return rc;
}
