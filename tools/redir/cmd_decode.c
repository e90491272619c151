/* redir decode: one packet from hex on the command line to one JSON line. */
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <redir/redir.h>

#include "cli_opts.h"
#include "commands.h"
#include "hex.h"
#include "json.h"
#include "packet_json.h"

static void decode_usage(FILE *out) {
    fprintf(out,
            "usage: redir decode [--as KIND] [--caps HEX] [--header] HEX...\n"
            "\n"
            "Decodes one packet given as hex digits (the arguments are joined and\n"
            "whitespace anywhere is ignored) and prints it as one JSON object on one line.\n"
            "\n"
            "  --as KIND   decode the payload as KIND: greeting, response, ssl-request,\n"
            "              auth-switch, auth-more-data, ok, eof, err; or frame: the input\n"
            "              is one whole packet, printed as length, seq and payload (hex).\n"
            "              Without --as the payload is classified as the first server\n"
            "              packet of a command's response.\n"
            "  --caps HEX  the negotiated capabilities, up to 64 bits in hex\n"
            "              (default %016" PRIx64 ", MariaDB 11 with its own client)\n"
            "  --header    the input starts with the 4-byte packet header, whose length\n"
            "              must match the rest of the input exactly; adds \"length\" and\n"
            "              \"seq\" to the output\n"
            "\n"
            "An OK packet is taken as the one ending a login, so a \"Location:\" line in its\n"
            "info is reported as a redirect, like a redirect_url session variable or an\n"
            "ERR message of the form |text|host:port.\n"
            "\n"
            "Exit status: 0 decoded; 1 malformed packet (stderr names the error and the\n"
            "byte offset in the input, header included; stdout stays empty); 2 usage error.\n",
            (uint64_t)REDIR_CAPS_MARIADB_DEFAULT);
}

__attribute__((format(printf, 1, 2))) static int usage_error(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "redir decode: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\nTry 'redir help decode'.\n");
    va_end(ap);
    return REDIR_EXIT_USAGE;
}

static int decode_error(redir_status st, size_t offset) {
    const char *name = redir_status_name(st);
    const char *msg = redir_status_message(st);
    fprintf(stderr, "redir decode: %s at offset %zu: %s\n", name != NULL ? name : "?", offset,
            msg != NULL ? msg : "unknown status");
    return REDIR_EXIT_FAILURE;
}

typedef enum decode_mode {
    MODE_CLASSIFY, /* no --as */
    MODE_SERVER,   /* --as a server packet */
    MODE_CLIENT,   /* --as response / ssl-request */
    MODE_FRAME     /* --as frame */
} decode_mode;

typedef struct decode_args {
    decode_mode mode;
    redir_kind kind;
    packet_json_client client;
    uint64_t caps;
    bool header;
    const char **hex;
    size_t num_hex;
} decode_args;

static int set_kind(decode_args *a, const char *name) {
    if (strcmp(name, "frame") == 0) {
        a->mode = MODE_FRAME;
    } else if (packet_json_kind_from_name(name, &a->kind)) {
        a->mode = MODE_SERVER;
    } else if (packet_json_client_from_name(name, &a->client)) {
        a->mode = MODE_CLIENT;
    } else {
        return usage_error("unknown packet kind '%s' for --as", name);
    }
    return REDIR_EXIT_OK;
}

/* parse_args returns -1 to continue, else the exit status. */
static int parse_args(decode_args *a, int argc, char **argv) {
    static const struct option longopts[] = {
        {"as", required_argument, NULL, 'a'},
        {"caps", required_argument, NULL, 'c'},
        {"header", no_argument, NULL, 'H'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    if (cli_wants_help(argc, argv)) {
        decode_usage(stdout);
        return REDIR_EXIT_OK;
    }
    optind = 0;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
        switch (c) {
        case 'H':
            a->header = true;
            break;
        case 'a': {
            int rc = set_kind(a, optarg);
            if (rc != REDIR_EXIT_OK) {
                return rc;
            }
            break;
        }
        case 'c':
            if (!hex_parse_u64(optarg, &a->caps)) {
                return usage_error("--caps wants 1 to 16 hex digits, not '%s'", optarg);
            }
            break;
        case ':':
            return usage_error("option '%s' needs %s", argv[optind - 1],
                               optopt == 'a' ? "a packet kind" : "a hex value");
        default:
            return usage_error("unknown option '%s'", argv[optind - 1]);
        }
    }
    for (int i = optind; i < argc; i++) {
        a->hex[a->num_hex++] = argv[i];
    }
    if (a->num_hex == 0) {
        return usage_error("no packet given: pass its bytes as hex");
    }
    return -1;
}

/* frame_exact reads one packet that must span the whole input. */
static redir_status frame_exact(redir_frame *f, redir_diag *diag, const uint8_t *in, size_t len) {
    size_t used = 0;
    redir_status st = redir_frame_decode(f, &used, diag, in, len);
    if (st != REDIR_OK) {
        return st;
    }
    if (used != len) {
        diag->offset = used;
        diag->needed = 0;
        return REDIR_E_TRAILING;
    }
    return REDIR_OK;
}

static redir_status describe(json_writer *j, const decode_args *a, const uint8_t *in, size_t len,
                             size_t *err_offset) {
    redir_diag diag = {0, 0};
    const uint8_t *payload = in;
    size_t payload_len = len;
    size_t base = 0;
    redir_status st;
    json_object_begin(j);
    if (a->mode == MODE_FRAME || a->header) {
        redir_frame f;
        st = frame_exact(&f, &diag, in, len);
        if (st != REDIR_OK) {
            *err_offset = diag.offset;
            return st;
        }
        json_member_u64(j, "length", f.payload_len);
        json_member_u64(j, "seq", f.seq);
        payload = f.payload.ptr;
        payload_len = f.payload.len;
        base = REDIR_FRAME_HEADER_SIZE;
    }
    if (a->mode == MODE_FRAME) {
        json_member_hex(j, "payload", payload, payload_len);
        st = REDIR_OK;
    } else if (a->mode == MODE_CLIENT) {
        st = packet_json_write_client(j, a->client, payload, payload_len, &diag);
    } else {
        redir_kind kind = a->kind;
        if (a->mode == MODE_CLASSIFY) {
            kind = redir_classify(REDIR_PHASE_COMMAND, a->caps, payload, payload_len);
        }
        /* A lone OK may be the one that ends a login: report Location lines. */
        packet_json_opts opts = {true, a->header};
        st = packet_json_write(j, kind, payload, payload_len, a->caps, &opts, &diag);
    }
    if (st != REDIR_OK) {
        *err_offset = base + diag.offset;
        return st;
    }
    json_object_end(j);
    return REDIR_OK;
}

int cmd_decode(int argc, char **argv) {
    const char **hex = calloc((size_t)argc + 1, sizeof *hex);
    if (hex == NULL) {
        abort();
    }
    decode_args a = {MODE_CLASSIFY, REDIR_KIND_UNKNOWN, PACKET_JSON_RESPONSE,
                     REDIR_CAPS_MARIADB_DEFAULT, false, hex, 0};
    int rc = parse_args(&a, argc, argv);
    if (rc >= 0) {
        free(hex);
        return rc;
    }

    uint8_t *in = NULL;
    size_t len = 0;
    hex_error herr;
    if (!hex_parse_parts(a.hex, a.num_hex, &in, &len, &herr)) {
        free(hex);
        if (herr.bad == 0) {
            return usage_error("odd number of hex digits");
        }
        unsigned char bad = (unsigned char)herr.bad;
        if (bad > 0x20 && bad < 0x7F) {
            return usage_error("not a hex digit: '%c' (argument %zu, character %zu)", bad,
                               herr.part + 1, herr.offset + 1);
        }
        return usage_error("not a hex digit: byte 0x%02x (argument %zu, character %zu)", bad,
                           herr.part + 1, herr.offset + 1);
    }
    free(hex);

    /* Output is built in memory so that nothing reaches stdout on failure. */
    outbuf o;
    out_init_mem(&o);
    json_writer j;
    json_init(&j, &o, JSON_STYLE_JSON);
    size_t err_offset = 0;
    redir_status st = describe(&j, &a, in, len, &err_offset);
    free(in);
    if (st != REDIR_OK) {
        out_free(&o);
        return decode_error(st, err_offset);
    }
    o.fd = STDOUT_FILENO;
    bool ok = out_flush(&o);
    out_free(&o);
    if (!ok) {
        perror("redir decode: writing the output");
        return REDIR_EXIT_FAILURE;
    }
    return REDIR_EXIT_OK;
}
