/* redir build: the redirect carriers as framed packets, printed as hex. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <redir/redir.h>

#include "cli_opts.h"
#include "commands.h"
#include "hex.h"
#include "out.h"

#define MAX_VARS 32

static void usage(FILE *out) {
    fprintf(out,
            "usage: redir build session-track --url URL [--var NAME=VALUE]... [options]\n"
            "       redir build err --host HOST [--port N] [--text TEXT] [--code N]\n"
            "                       [--sql-state XXXXX | --no-sql-state] [options]\n"
            "       redir build location --host HOST --port N --user USER [--ttl N]\n"
            "                       [--azure] [options]\n"
            "\n"
            "Writes one complete packet (4-byte header included) carrying a redirect,\n"
            "as hex on one line; `redir decode --header` reads it back.\n"
            "\n"
            "options: --seq N (default 2, the login reply without TLS)\n"
            "         --status HEX (default 0x0002, autocommit)\n"
            "         --caps HEX (default: what MariaDB negotiates with its client)\n"
            "session-track: --var adds a tracked variable before redirect_url (a\n"
            "  MariaDB 11.5 login OK lists every tracked variable); naming\n"
            "  redirect_url with --var places the redirect there.\n");
}

static int usage_error(const char *msg, const char *arg) {
    fprintf(stderr, "redir build: %s%s%s\n", msg, arg ? ": " : "", arg ? arg : "");
    return REDIR_EXIT_USAGE;
}

static int parse_num(const char *s, unsigned long max, unsigned long *out) {
    char *end;
    errno = 0;
    unsigned long v = strtoul(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0' || v > max || s[0] == '-') {
        return 0;
    }
    *out = v;
    return 1;
}

static redir_span span_str(const char *s) { return redir_span_of(s, s ? strlen(s) : 0); }

int cmd_build(int argc, char **argv) {
    if (cli_wants_help(argc, argv)) {
        usage(stdout);
        return REDIR_EXIT_OK;
    }
    static const struct option longopts[] = {
        {"azure", no_argument, NULL, 'A'},   {"no-sql-state", no_argument, NULL, 'N'},
        {"url", required_argument, NULL, 'u'}, {"host", required_argument, NULL, 'H'},
        {"text", required_argument, NULL, 't'}, {"user", required_argument, NULL, 'U'},
        {"sql-state", required_argument, NULL, 's'}, {"port", required_argument, NULL, 'p'},
        {"seq", required_argument, NULL, 'q'}, {"code", required_argument, NULL, 'c'},
        {"ttl", required_argument, NULL, 'T'}, {"status", required_argument, NULL, 'S'},
        {"caps", required_argument, NULL, 'C'}, {"var", required_argument, NULL, 'v'},
        {"help", no_argument, NULL, 'h'},    {NULL, 0, NULL, 0},
    };
    const char *url = NULL, *host = NULL, *text = "", *user = NULL, *sql_state = "HY000";
    unsigned long seq = 2, port = 0, code = REDIR_ERR_REDIRECT_DEFAULT_CODE;
    long long ttl = -1;
    int azure = 0, have_port = 0;
    uint64_t caps = REDIR_CAPS_MARIADB_DEFAULT;
    uint64_t status = REDIR_STATUS_AUTOCOMMIT;
    redir_sysvar vars[MAX_VARS];
    size_t num_vars = 0;

    optind = 0;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
        const char *val = optarg;
        unsigned long n;
        switch (c) {
        case 'A':
            azure = 1;
            break;
        case 'N':
            sql_state = "";
            break;
        case 'u':
            url = val;
            break;
        case 'H':
            host = val;
            break;
        case 't':
            text = val;
            break;
        case 'U':
            user = val;
            break;
        case 's':
            sql_state = val;
            break;
        case 'p':
            if (!parse_num(val, 65535, &port)) {
                return usage_error("bad port", val);
            }
            have_port = 1;
            break;
        case 'q':
            if (!parse_num(val, 255, &seq)) {
                return usage_error("bad sequence id", val);
            }
            break;
        case 'c':
            if (!parse_num(val, 65535, &code)) {
                return usage_error("bad error code", val);
            }
            break;
        case 'T':
            if (!parse_num(val, 0x7fffffffUL, &n)) {
                return usage_error("bad ttl", val);
            }
            ttl = (long long)n;
            break;
        case 'S':
            if (!hex_parse_u64(val, &status) || status > 0xFFFF) {
                return usage_error("bad status", val);
            }
            break;
        case 'C':
            if (!hex_parse_u64(val, &caps)) {
                return usage_error("bad capabilities", val);
            }
            break;
        case 'v': {
            const char *eq = strchr(val, '=');
            if (eq == NULL || eq == val || num_vars == MAX_VARS) {
                return usage_error("--var wants NAME=VALUE", val);
            }
            vars[num_vars].name = redir_span_of(val, (size_t)(eq - val));
            vars[num_vars].value = span_str(eq + 1);
            num_vars++;
            break;
        }
        case ':':
            return usage_error("missing value", argv[optind - 1]);
        default:
            return usage_error("unknown option", argv[optind - 1]);
        }
    }
    if (optind >= argc) {
        usage(stderr);
        return REDIR_EXIT_USAGE;
    }
    if (argc - optind > 1) {
        return usage_error("unexpected argument", argv[optind + 1]);
    }
    const char *carrier = argv[optind];

    uint8_t buf[1024];
    size_t len = 0;
    redir_status st;
    if (strcmp(carrier, "session-track") == 0) {
        if (url == NULL) {
            return usage_error("session-track needs --url", NULL);
        }
        st = redir_build_ok_redirect(buf, sizeof buf, &len, (uint8_t)seq, caps, (uint16_t)status,
                                     span_str(url), vars, num_vars);
    } else if (strcmp(carrier, "err") == 0) {
        if (host == NULL) {
            return usage_error("err needs --host", NULL);
        }
        st = redir_build_err_redirect(buf, sizeof buf, &len, (uint8_t)seq, (uint16_t)code,
                                      span_str(sql_state), span_str(text), span_str(host),
                                      (uint16_t)port);
    } else if (strcmp(carrier, "location") == 0) {
        if (host == NULL || user == NULL || !have_port) {
            return usage_error("location needs --host, --port and --user", NULL);
        }
        st = redir_build_location_ok(buf, sizeof buf, &len, (uint8_t)seq, caps, (uint16_t)status,
                                     azure ? REDIR_LOCATION_AZURE : REDIR_LOCATION_COMMUNITY,
                                     span_str(host), (uint16_t)port, span_str(user), ttl);
    } else {
        return usage_error("unknown carrier (session-track, err, location)", carrier);
    }
    if (st != REDIR_OK) {
        fprintf(stderr, "redir build: %s: %s\n", redir_status_name(st), redir_status_message(st));
        return REDIR_EXIT_FAILURE;
    }
    outbuf o;
    out_init_fd(&o, STDOUT_FILENO, false);
    out_hex(&o, buf, len);
    out_byte(&o, '\n');
    bool written = out_flush(&o);
    out_free(&o);
    if (!written) {
        fprintf(stderr, "redir build: cannot write the output\n");
        return REDIR_EXIT_FAILURE;
    }
    return REDIR_EXIT_OK;
}
