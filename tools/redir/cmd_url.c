/* redir url: parse redirect URLs under one grammar, optionally with the
 * compatibility report, one JSON line per URL. */
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <redir/redir.h>

#include "cli_opts.h"
#include "commands.h"
#include "json.h"

static void url_usage(FILE *out) {
    fprintf(out,
            "usage: redir url [--grammar NAME] [--compat] [--] URL...\n"
            "\n"
            "Parses each URL and prints one JSON object per URL on its own line, in\n"
            "argument order. An empty argument is a URL too.\n"
            "\n"
            "  --grammar NAME  mariadb-server: what MariaDB accepts as redirect_url (default)\n"
            "                  connector: {mysql,mariadb}://[user[:password]@]host[:port]\n"
            "                             [/[database][?key=value[&...]]]\n"
            "                  multi: {mysql,mariadb}:[replication:|loadbalance:|sequential:]\n"
            "                         //host[:port][,...][/[database]][?options]\n"
            "                  location: the \"Location: mysql://...\" info line\n"
            "  --compat        add \"compat\": for each implementation whether it accepts\n"
            "                  the value as a redirect (mysqlnd-azure: as a Location line),\n"
            "                  and the host (after its own decoding) and port it connects to\n"
            "  --              the remaining arguments are URLs\n"
            "\n"
            "Output members: url, grammar, valid; when valid scheme, hosts [{host, port,\n"
            "type}] (port 3306 when none is written), user, password, database, options,\n"
            "ttl (values as written, null when absent; multi adds mode, location adds\n"
            "form); when invalid error, message and the offset of the offending byte.\n"
            "\n"
            "Exit status: 0 every URL valid; 1 at least one invalid; 2 usage error.\n");
}

__attribute__((format(printf, 1, 2))) static int usage_error(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "redir url: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\nTry 'redir help url'.\n");
    va_end(ap);
    return REDIR_EXIT_USAGE;
}

static void member_span(json_writer *j, const char *key, bool present, redir_span s) {
    if (present) {
        json_member_string(j, key, s.ptr, s.len);
    } else {
        json_member_null(j, key);
    }
}

static bool span_eq(redir_span a, redir_span b) {
    return a.len == b.len && (a.len == 0 || memcmp(a.ptr, b.ptr, a.len) == 0);
}

/* options: every key once, with the value of its last occurrence */
static void write_options(json_writer *j, const redir_url *u) {
    json_key(j, "options");
    json_object_begin(j);
    redir_span rest = u->has_query ? u->query : redir_span_of(NULL, 0);
    redir_span key;
    redir_span value;
    while (redir_url_option_next(&rest, &key, &value) == REDIR_OK) {
        redir_span later = rest;
        redir_span k2;
        redir_span v2;
        bool repeated = false;
        while (!repeated && redir_url_option_next(&later, &k2, &v2) == REDIR_OK) {
            repeated = span_eq(key, k2);
        }
        if (!repeated) {
            json_key_bytes(j, key.ptr, key.len);
            json_string(j, value.ptr, value.len);
        }
    }
    json_object_end(j);
}

static void write_valid(json_writer *j, redir_grammar g, const redir_url *u) {
    member_span(j, "scheme", u->scheme.len > 0, u->scheme);
    if (g == REDIR_GRAMMAR_MULTI) {
        member_span(j, "mode", u->mode.len > 0, u->mode);
    }
    if (g == REDIR_GRAMMAR_LOCATION) {
        json_member_cstring(j, "form", u->location_azure ? "azure" : "community");
    }
    json_key(j, "hosts");
    json_array_begin(j);
    for (size_t i = 0; i < u->num_hosts; i++) {
        const redir_url_host *h = &u->hosts[i];
        json_object_begin(j);
        json_member_string(j, "host", h->host.ptr, h->host.len);
        json_member_u64(j, "port", h->port);
        member_span(j, "type", h->type.len > 0, h->type);
        json_object_end(j);
    }
    json_array_end(j);
    member_span(j, "user", u->has_user, u->user);
    member_span(j, "password", u->has_password, u->password);
    member_span(j, "database", u->has_path, u->database);
    write_options(j, u);
    if (u->has_ttl) {
        json_member_u64(j, "ttl", u->ttl);
    } else {
        json_member_null(j, "ttl");
    }
}

static void write_compat(json_writer *j, const char *url, size_t len) {
    redir_compat report[REDIR_IMPL_COUNT];
    redir_compat_report(report, (const uint8_t *)url, len);
    json_key(j, "compat");
    json_object_begin(j);
    for (int i = 0; i < REDIR_IMPL_COUNT; i++) {
        const redir_compat *c = &report[i];
        json_key(j, redir_impl_name((redir_impl)i));
        json_object_begin(j);
        json_member_bool(j, "accepts", c->accepts);
        if (c->accepts && c->connects) {
            json_member_string(j, "host", c->host, c->host_len);
            json_member_u64(j, "port", c->port);
            if (c->host_truncated) {
                json_member_bool(j, "host_truncated", true);
            }
        } else {
            json_member_null(j, "host");
            json_member_null(j, "port");
        }
        json_object_end(j);
    }
    json_object_end(j);
}

/* one URL: its JSON line; returns whether it is valid */
static bool url_one(json_writer *j, redir_grammar g, bool compat, const char *url) {
    size_t len = strlen(url);
    redir_url u;
    redir_diag d = {0, 0};
    redir_status st = redir_url_parse(&u, &d, g, (const uint8_t *)url, len);
    json_object_begin(j);
    json_member_string(j, "url", url, len);
    json_member_cstring(j, "grammar", redir_grammar_name(g));
    json_member_bool(j, "valid", st == REDIR_OK);
    if (st == REDIR_OK) {
        write_valid(j, g, &u);
    } else {
        const char *name = redir_status_name(st);
        const char *msg = redir_status_message(st);
        json_member_cstring(j, "error", name != NULL ? name : "?");
        json_member_cstring(j, "message", msg != NULL ? msg : "");
        json_member_u64(j, "offset", d.offset);
    }
    if (compat) {
        write_compat(j, url, len);
    }
    json_object_end(j);
    return st == REDIR_OK;
}

int cmd_url(int argc, char **argv) {
    /* --help anywhere before "--" wins over everything else */
    if (cli_wants_help(argc, argv)) {
        url_usage(stdout);
        return REDIR_EXIT_OK;
    }
    static const struct option longopts[] = {
        {"grammar", required_argument, NULL, 'g'},
        {"compat", no_argument, NULL, 'c'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    redir_grammar g = REDIR_GRAMMAR_MARIADB_SERVER;
    bool compat = false;
    optind = 0;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
        switch (c) {
        case 'c':
            compat = true;
            break;
        case 'g':
            if (!redir_grammar_from_name(&g, optarg)) {
                return usage_error("unknown grammar '%s' (mariadb-server, connector, multi, "
                                   "location)",
                                   optarg);
            }
            break;
        case ':':
            return usage_error("--grammar needs a value");
        default:
            return usage_error("unknown option '%s'", argv[optind - 1]);
        }
    }
    char **urls = argv + optind;
    int num_urls = argc - optind;
    if (num_urls == 0) {
        return usage_error("no URL given");
    }
    outbuf o;
    out_init_fd(&o, STDOUT_FILENO, isatty(STDOUT_FILENO));
    json_writer j;
    json_init(&j, &o, JSON_STYLE_JSON);
    bool all_valid = true;
    for (int i = 0; i < num_urls; i++) {
        all_valid = url_one(&j, g, compat, urls[i]) && all_valid;
    }
    bool written = out_flush(&o);
    out_free(&o);
    if (!written) {
        fprintf(stderr, "redir url: cannot write the output\n");
        return REDIR_EXIT_FAILURE;
    }
    return all_valid ? REDIR_EXIT_OK : REDIR_EXIT_FAILURE;
}
