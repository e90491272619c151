/* redir dump: decode the MySQL/MariaDB traffic of captures. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <redir/redir.h>

#include "cli_opts.h"
#include "commands.h"
#include "dump.h"
#include "json.h"
#include "out.h"
#include "packet_json.h"

#define MAX_FILES 256
#define PROGRESS_MIN_SIZE (8u << 20)

typedef struct verify_counts {
    uint64_t verified;
    uint64_t mismatched;
    uint64_t decode_errors;
    uint64_t skipped;
} verify_counts;

/* The version of the JSON this command writes, in every summary object.
 * 2: "length" (was "len"), "ts" a number, *_flags members, "redirect" on
 * every ok/err, TLS events, "schema". */
#define DUMP_JSON_SCHEMA 2

/* --only: a set of dump_kind bits plus these. */
#define ONLY_REDIRECT (UINT64_C(1) << 62)
#define ONLY_QUERY (UINT64_C(1) << 63)

typedef struct dump_opts {
    bool json;
    bool verify;
    bool color;
    bool raw;
    uint64_t only;    /* 0: every packet and event */
    uint64_t flow;    /* 0: every flow */
    const char *name; /* file or interface being read */
} dump_opts;

/* Formatted endpoints of recent flows: formatting an address is the costly
 * part of a line, and a flow's endpoints never change. */
#define ENDPOINT_CACHE 2048

typedef struct endpoint_entry {
    uint64_t flow_id; /* 0: empty */
    char client[DUMP_ENDPOINT_STRLEN];
    char server[DUMP_ENDPOINT_STRLEN];
    uint8_t client_len, server_len;
} endpoint_entry;

typedef struct dump_run {
    dump_opts o;
    outbuf out;
    json_writer j;
    endpoint_entry endpoints[ENDPOINT_CACHE];
    verify_counts vc;
    uint64_t notes;
    /* progress */
    bool progress;
    double last_progress;
} dump_run;

static volatile sig_atomic_t stop_flag = 0;

static void on_signal(int sig) {
    (void)sig;
    stop_flag = 1;
}

static void dump_usage(FILE *out) {
    fprintf(out,
            "usage: redir dump -r FILE [-r FILE...] [-p PORT...] [OPTIONS]\n"
            "       redir dump -i IFACE [-p PORT...] [OPTIONS] [BPF FILTER...]\n"
            "\n"
            "Reassembles the TCP streams of a pcap/pcapng capture (or a live interface)\n"
            "and decodes the MySQL/MariaDB packets of every flow on port 3306, on the\n"
            "ports given with -p, or on any port whose server opens with a greeting.\n"
            "\n"
            "  -r FILE      read a capture file (repeatable; a summary follows each)\n"
            "  -i IFACE     capture live until interrupted; remaining words are a BPF filter\n"
            "  -p PORT      also treat PORT as a server port (repeatable)\n"
            "  --json       JSON Lines: one object per packet, then {\"summary\":...} per file\n"
            "  --verify     re-encode every decoded packet and report bytes that differ\n"
            "  --raw        add \"raw\": the payload in hex (redir decode --as KIND reads it)\n"
            "  --only KIND[,KIND...]  print only these packets: redirect (an OK or ERR\n"
            "               carrying a redirect), query (COM_QUERY), or a packet kind:\n"
            "               greeting, ok, err, eof, response, command, row, ...\n"
            "               (events are then left out; the summary still counts all)\n"
            "  --flow N     print only flow N (the #N of text output, \"flow\" in JSON)\n"
            "\n"
            "Text output: one line per packet: time, flow, endpoints, direction, then the\n"
            "members of the JSON output (same names; nulls left out, long strings cut);\n"
            "redirects are marked REDIRECT. Line-buffered on a terminal and with -i.\n"
            "\n"
            "Limits (any capture costs time linear in its size and bounded memory):\n"
            "at most 65536 flows at once, the least recently active evicted first;\n"
            "the flow table is hashed with SipHash under a random key per run and no\n"
            "bucket holds more than 8 flows; per direction at most 4096 out-of-order\n"
            "segments and 4 MiB waiting for a hole (past either, the hole is reported\n"
            "as a gap); a sequence jump of more than 1 GiB is reported as a gap and\n"
            "the stream resynchronises after it. Evictions and gaps are counted in\n"
            "the summary.\n"
            "\n"
            "Exit status: 0 success; 1 a file could not be read or --verify found a\n"
            "difference; 2 usage error.\n");
}

__attribute__((format(printf, 1, 2))) static int usage_error(const char *fmt, ...) {
    va_list ap;
    fprintf(stderr, "redir dump: ");
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\nTry 'redir help dump'.\n");
    return REDIR_EXIT_USAGE;
}

/* ------------------------------------------------------------ JSON output */

static void json_span_or_null(json_writer *j, const char *key, bool present, redir_span s) {
    if (present) {
        json_member_string(j, key, s.ptr, s.len);
    } else {
        json_member_null(j, key);
    }
}

/* json_query writes a COM_QUERY: its query attributes (names and types)
 * when there are any, and the SQL text (null when the payload does not
 * decode). */
static void json_query(json_writer *j, const redir_command *c, bool decoded) {
    const redir_com_query *q = &c->as.query;
    if (decoded && q->attributes.count > 0) {
        redir_param_iter it;
        redir_param prm;
        redir_param_iter_init(&it, &q->attributes);
        json_key(j, "query_attributes");
        json_array_begin(j);
        while (redir_param_next(&it, &prm, NULL) == REDIR_OK) {
            json_object_begin(j);
            json_member_string(j, "name", prm.name.ptr, prm.name.len);
            json_member_u64(j, "type", prm.type);
            json_object_end(j);
        }
        json_array_end(j);
    }
    json_span_or_null(j, "sql", decoded, q->sql);
}

static void json_command(json_writer *j, const dump_packet *pk) {
    const char *name = redir_com_name(pk->command);
    json_member_word(j, "kind", "command");
    if (name != NULL) {
        json_member_word(j, "command", name);
    } else {
        json_member_u64(j, "command", pk->command);
    }
    uint64_t caps = pk->caps;
    if (pk->command == REDIR_COM_QUERY) {
        /* The flow knows whether this query carries attributes. */
        caps = pk->query_attrs ? caps | REDIR_CLIENT_QUERY_ATTRIBUTES
                               : caps & ~REDIR_CLIENT_QUERY_ATTRIBUTES;
    }
    redir_command c;
    bool ok = redir_command_decode(&c, NULL, pk->payload, pk->len, caps) == REDIR_OK;
    switch (pk->command) {
    case REDIR_COM_QUERY:
        json_query(j, &c, ok);
        return;
    case REDIR_COM_STMT_PREPARE:
        json_span_or_null(j, "sql", ok, c.as.text);
        return;
    case REDIR_COM_INIT_DB:
        json_span_or_null(j, "schema", ok, c.as.text);
        return;
    case REDIR_COM_FIELD_LIST:
        if (ok) {
            json_member_string(j, "table", c.as.field_list.table.ptr, c.as.field_list.table.len);
            json_member_string(j, "wildcard", c.as.field_list.wildcard.ptr,
                               c.as.field_list.wildcard.len);
        }
        return;
    case REDIR_COM_STMT_EXECUTE:
        if (ok) {
            json_member_u64(j, "statement_id", c.as.stmt_execute.statement_id);
        }
        return;
    case REDIR_COM_STMT_SEND_LONG_DATA:
        if (ok) {
            json_member_u64(j, "statement_id", c.as.long_data.statement_id);
        }
        return;
    case REDIR_COM_STMT_CLOSE:
    case REDIR_COM_STMT_RESET:
        if (ok) {
            json_member_u64(j, "statement_id", c.as.statement_id);
        }
        return;
    case REDIR_COM_STMT_FETCH:
        if (ok) {
            json_member_u64(j, "statement_id", c.as.stmt_fetch.statement_id);
        }
        return;
    case REDIR_COM_PROCESS_KILL:
        if (ok) {
            json_member_u64(j, "connection_id", c.as.connection_id);
        }
        return;
    case REDIR_COM_SET_OPTION:
        if (ok) {
            json_member_u64(j, "option", c.as.option);
        }
        return;
    case REDIR_COM_CHANGE_USER: {
        const redir_com_change_user *u = &c.as.change_user;
        json_span_or_null(j, "user", ok, u->user);
        json_span_or_null(j, "database", ok, u->database);
        json_span_or_null(j, "auth_plugin", ok && u->has_auth_plugin, u->auth_plugin);
        return;
    }
    default:
        if (pk->len > 1) {
            json_member_hex(j, "data", pk->payload + 1, pk->len - 1);
        }
        return;
    }
}

static void json_extra_server(json_writer *j, const dump_packet *pk) {
    if (pk->answers != 0xFF) {
        const char *an = redir_com_name(pk->answers);
        if (an != NULL) {
            json_member_cstring(j, "answers", an);
        }
    }
    if (pk->kind == DUMP_K_COLUMN_COUNT) {
        redir_column_count c;
        if (redir_column_count_decode(&c, NULL, pk->payload, pk->len, pk->caps) == REDIR_OK) {
            json_member_u64(j, "columns", c.count);
            if (c.has_metadata_follows) {
                json_member_u64(j, "metadata_follows", c.metadata_follows);
            }
        }
    } else if (pk->kind == DUMP_K_COLUMN_DEF) {
        redir_column_def d;
        if (redir_column_def_decode(&d, NULL, pk->payload, pk->len, pk->caps) == REDIR_OK) {
            json_member_string(j, "schema", d.schema.ptr, d.schema.len);
            json_member_string(j, "table", d.table.ptr, d.table.len);
            json_member_string(j, "name", d.name.ptr, d.name.len);
            json_member_u64(j, "type", d.type);
        }
        if (pk->param_def) {
            json_member_bool(j, "param", true);
        }
    } else if (pk->kind == DUMP_K_ROW) {
        json_member_bool(j, "binary", pk->binary);
    }
}

/* ------------------------------------------------------------ records */

static const endpoint_entry *flow_endpoints(dump_run *r, const dump_flow *f) {
    endpoint_entry *e = &r->endpoints[f->id % ENDPOINT_CACHE];
    if (e->flow_id != f->id) {
        dump_endpoint_format(&f->client, e->client, sizeof e->client);
        dump_endpoint_format(&f->server, e->server, sizeof e->server);
        e->client_len = (uint8_t)strlen(e->client);
        e->server_len = (uint8_t)strlen(e->server);
        e->flow_id = f->id;
    }
    return e;
}

/* record_begin opens a packet or event record: in text the line prefix
 * (time, flow, endpoints, direction), in JSON the same facts as members. */
static void record_begin(dump_run *r, const dump_flow *f, dump_dir dir, const dump_time *ts,
                         uint64_t frame) {
    json_writer *j = &r->j;
    const endpoint_entry *e = flow_endpoints(r, f);
    const char *src = dir == DUMP_C2S ? e->client : e->server;
    size_t src_len = dir == DUMP_C2S ? e->client_len : e->server_len;
    const char *dst = dir == DUMP_C2S ? e->server : e->client;
    size_t dst_len = dir == DUMP_C2S ? e->server_len : e->client_len;
    json_object_begin(j);
    if (json_is_text(j)) {
        outbuf *o = &r->out;
        /* UTC time of day; the date is in the capture. */
        int64_t day = ts->sec % 86400;
        if (day < 0) {
            day += 86400;
        }
        out_dec_fixed(o, (uint64_t)day / 3600, 2);
        out_byte(o, ':');
        out_dec_fixed(o, (uint64_t)day / 60 % 60, 2);
        out_byte(o, ':');
        out_dec_fixed(o, (uint64_t)day % 60, 2);
        out_byte(o, '.');
        out_dec_fixed(o, ts->nsec / 1000u, 6);
        out_bytes(o, " #", 2);
        out_u64(o, f->id);
        out_byte(o, ' ');
        out_text_escaped(o, src, src_len);
        out_bytes(o, " > ", 3);
        out_text_escaped(o, dst, dst_len);
        out_byte(o, ' ');
        out_cstr(o, dump_dir_name(dir));
        return;
    }
    json_member_u64(j, "flow", f->id);
    json_member_ascii(j, "src", src, src_len);
    json_member_ascii(j, "dst", dst, dst_len);
    json_member_ascii(j, "dir", dir == DUMP_C2S ? "c2s" : "s2c", 3);
    json_member_u64(j, "frame", frame);
    json_key(j, "ts");
    json_decimal(j, ts->sec, ts->nsec / 1000u, 6);
}

static void write_packet(dump_run *r, const dump_event *ev, const dump_verify_info *vi) {
    json_writer *j = &r->j;
    const dump_packet *pk = &ev->packet;
    record_begin(r, pk->flow, pk->dir, &pk->ts, pk->frame);
    json_member_u64(j, "seq", pk->seq);
    json_member_u64(j, "length", pk->total_len);
    redir_diag diag = {0, 0};
    redir_status st = REDIR_OK;
    redir_kind rk = dump_kind_to_redir(pk->kind);
    switch (pk->kind) {
    case DUMP_K_SSL_REQUEST:
    case DUMP_K_HANDSHAKE_RESPONSE:
        st = packet_json_write_client(j,
                                      pk->kind == DUMP_K_SSL_REQUEST ? PACKET_JSON_SSL_REQUEST
                                                                     : PACKET_JSON_RESPONSE,
                                      pk->payload, pk->len, &diag);
        break;
    case DUMP_K_COMMAND:
        json_command(j, pk);
        break;
    case DUMP_K_PREPARE_OK:
        json_member_word(j, "kind", "prepare-ok");
        {
            redir_prepare_ok po;
            if (redir_prepare_ok_decode(&po, NULL, pk->payload, pk->len,
                                        pk->caps | REDIR_CLIENT_OPTIONAL_RESULTSET_METADATA) ==
                REDIR_OK) {
                json_member_u64(j, "statement_id", po.statement_id);
                json_member_u64(j, "columns", po.num_columns);
                json_member_u64(j, "params", po.num_params);
                json_member_u64(j, "warnings", po.warnings);
            }
        }
        break;
    case DUMP_K_STATISTICS:
        json_member_word(j, "kind", "statistics");
        json_member_string(j, "text", pk->payload, pk->len);
        break;
    case DUMP_K_AUTH_DATA:
    case DUMP_K_INFILE_DATA:
        json_member_word(j, "kind", dump_kind_name(pk->kind));
        json_member_hex(j, "data", pk->payload, pk->len);
        break;
    default: {
        packet_json_opts po = {pk->login_ok, true};
        st = packet_json_write(j, rk, pk->payload, pk->len, pk->caps, &po, &diag);
        break;
    }
    }
    if (st != REDIR_OK) {
        json_member_word(j, "kind", dump_kind_name(pk->kind));
        json_member_cstring(j, "decode_error", redir_status_name(st));
        json_member_u64(j, "error_offset", diag.offset);
        json_member_hex(j, "data", pk->payload, pk->len);
    }
    if (pk->dir == DUMP_S2C) {
        json_extra_server(j, pk);
    }
    if (pk->num_frames > 1) {
        json_member_u64(j, "frames", pk->num_frames);
    }
    if (pk->in_compressed) {
        json_member_bool(j, "compressed", true);
    }
    if (pk->truncated) {
        json_member_bool(j, "truncated", true);
    }
    if (vi != NULL) {
        static const char *const names[] = {"ok", "mismatch", "decode-error", "skipped"};
        bool differs =
            vi->result == DUMP_VERIFY_MISMATCH || vi->result == DUMP_VERIFY_DECODE_ERROR;
        if (differs) {
            json_text_marker(j, "VERIFY");
        }
        if (differs || !json_is_text(j)) {
            json_member_cstring(j, "verify", names[vi->result]);
        }
        if (differs) {
            json_member_u64(j, "verify_offset", vi->offset);
            if (vi->status != REDIR_OK) {
                json_member_cstring(j, "verify_status", redir_status_name(vi->status));
            }
        }
    }
    if (r->o.raw) {
        json_member_hex(j, "raw", pk->payload, pk->len);
    }
    json_object_end(j);
}

static void write_event(dump_run *r, const dump_event *ev, const char *what) {
    json_writer *j = &r->j;
    record_begin(r, ev->flow, ev->dir, &ev->ts, ev->frame);
    json_member_word(j, "event", what);
    if (ev->type == DUMP_EV_NOTE) {
        json_member_cstring(j, "text", ev->text != NULL ? ev->text : "");
    } else {
        json_member_u64(j, "bytes", ev->bytes);
    }
    json_object_end(j);
}

static void write_cframe(dump_run *r, const dump_event *ev, const dump_verify_info *vi) {
    json_writer *j = &r->j;
    record_begin(r, ev->flow, ev->dir, &ev->ts, ev->frame);
    json_member_word(j, "event", "compressed-frame");
    json_member_u64(j, "cseq", ev->cframe.frame.seq);
    json_member_u64(j, "compressed_length", ev->cframe.frame.comp_len);
    json_member_u64(j, "uncompressed_length", ev->cframe.frame.uncomp_len);
    if (vi != NULL && vi->result != DUMP_VERIFY_OK) {
        json_text_marker(j, "VERIFY");
        json_member_cstring(j, "verify", "mismatch");
        json_member_u64(j, "verify_offset", vi->offset);
    }
    json_object_end(j);
}

/* ------------------------------------------------------------ filters */

static bool packet_wanted(const dump_run *r, const dump_packet *pk) {
    uint64_t only = r->o.only;
    if (only == 0) {
        return true;
    }
    if ((unsigned)pk->kind < 62 && (only & (UINT64_C(1) << pk->kind)) != 0) {
        return true;
    }
    if ((only & ONLY_QUERY) != 0 && pk->kind == DUMP_K_COMMAND && pk->command == REDIR_COM_QUERY) {
        return true;
    }
    if ((only & ONLY_REDIRECT) != 0 && pk->dir == DUMP_S2C) {
        return packet_json_has_redirect(dump_kind_to_redir(pk->kind), pk->payload, pk->len,
                                        pk->caps, pk->login_ok);
    }
    return false;
}

/* parse_only reads KIND[,KIND...] into a --only set. */
static bool parse_only(const char *list, uint64_t *out, const char **bad, size_t *bad_len) {
    const char *p = list;
    for (;;) {
        const char *comma = strchr(p, ',');
        size_t n = comma != NULL ? (size_t)(comma - p) : strlen(p);
        bool found = false;
        if (n == 8 && memcmp(p, "redirect", 8) == 0) {
            *out |= ONLY_REDIRECT;
            found = true;
        } else if (n == 5 && memcmp(p, "query", 5) == 0) {
            *out |= ONLY_QUERY;
            found = true;
        } else {
            for (int k = 0; k < DUMP_K_COUNT_ && k < 62; k++) {
                const char *name = dump_kind_name((dump_kind)k);
                if (name != NULL && strlen(name) == n && memcmp(name, p, n) == 0) {
                    *out |= UINT64_C(1) << k;
                    found = true;
                    break;
                }
            }
        }
        if (!found) {
            *bad = p;
            *bad_len = n;
            return false;
        }
        if (comma == NULL) {
            return true;
        }
        p = comma + 1;
    }
}

/* ------------------------------------------------------------ events */

static void count_verify(dump_run *r, const dump_verify_info *vi) {
    switch (vi->result) {
    case DUMP_VERIFY_OK:
        r->vc.verified++;
        break;
    case DUMP_VERIFY_MISMATCH:
        r->vc.mismatched++;
        break;
    case DUMP_VERIFY_DECODE_ERROR:
        r->vc.decode_errors++;
        break;
    case DUMP_VERIFY_SKIPPED:
        r->vc.skipped++;
        break;
    }
}

static void on_event(void *ctx, const dump_event *ev) {
    dump_run *r = ctx;
    dump_verify_info vi;
    if (ev->type == DUMP_EV_NOTE) {
        r->notes++;
    }
    if (ev->type == DUMP_EV_FLOW_OPEN || ev->type == DUMP_EV_FLOW_CLOSE ||
        (r->o.flow != 0 && ev->flow->id != r->o.flow)) {
        return;
    }
    switch (ev->type) {
    case DUMP_EV_PACKET:
        if (r->o.verify) {
            dump_verify_packet(&ev->packet, &vi);
            count_verify(r, &vi);
        }
        if (packet_wanted(r, &ev->packet)) {
            write_packet(r, ev, r->o.verify ? &vi : NULL);
        }
        break;
    case DUMP_EV_CFRAME:
        if (r->o.verify) {
            dump_verify_cframe(&ev->cframe, &vi);
            count_verify(r, &vi);
        }
        if (r->o.only == 0 && !r->o.json) {
            write_cframe(r, ev, r->o.verify ? &vi : NULL);
        }
        break;
    case DUMP_EV_GAP:
    case DUMP_EV_SKIPPED:
    case DUMP_EV_NOTE:
    case DUMP_EV_TLS:
        if (r->o.only == 0) {
            write_event(r, ev,
                        ev->type == DUMP_EV_GAP       ? "gap"
                        : ev->type == DUMP_EV_SKIPPED ? "skipped"
                        : ev->type == DUMP_EV_TLS     ? "tls"
                                                      : "note");
        }
        break;
    case DUMP_EV_FLOW_OPEN:
    case DUMP_EV_FLOW_CLOSE:
        break;
    }
}

static void summary(dump_run *r, const dump_stats *st) {
    json_writer *j = &r->j;
    if (json_is_text(j)) {
        outbuf *o = &r->out;
        out_bytes(o, "# ", 2);
        out_text_escaped(o, r->o.name, strlen(r->o.name));
        out_bytes(o, ": ", 2);
        out_u64(o, st->frames);
        out_cstr(o, " frames, ");
        out_u64(o, st->flows);
        out_cstr(o, " flows, ");
        out_u64(o, st->packets);
        out_cstr(o, " packets, ");
        out_u64(o, st->cframes);
        out_cstr(o, " compressed frames, ");
        out_u64(o, st->gaps);
        out_cstr(o, " gaps (");
        out_u64(o, st->gap_bytes);
        out_cstr(o, " bytes), ");
        out_u64(o, st->skipped_bytes);
        out_cstr(o, " bytes skipped, ");
        out_u64(o, st->tls_bytes);
        out_cstr(o, " TLS bytes, ");
        out_u64(o, st->evicted_flows);
        out_cstr(o, " flows evicted");
        out_record_end(o);
        if (r->o.verify) {
            out_cstr(o, "# verify: ");
            out_u64(o, r->vc.verified);
            out_cstr(o, " verified, ");
            out_u64(o, r->vc.mismatched);
            out_cstr(o, " mismatched, ");
            out_u64(o, r->vc.decode_errors);
            out_cstr(o, " decode errors, ");
            out_u64(o, r->vc.skipped);
            out_cstr(o, " skipped");
            out_record_end(o);
        }
        return;
    }
    json_object_begin(j);
    json_key(j, "summary");
    json_object_begin(j);
    json_member_u64(j, "schema", DUMP_JSON_SCHEMA);
    json_member_cstring(j, "file", r->o.name);
    json_member_u64(j, "frames", st->frames);
    json_member_u64(j, "tcp_segments", st->tcp_segments);
    json_member_u64(j, "flows", st->flows);
    json_member_u64(j, "packets", st->packets);
    json_key(j, "kinds");
    json_object_begin(j);
    for (int k = 0; k < DUMP_K_COUNT_; k++) {
        if (st->kinds[k] > 0) {
            json_member_u64(j, dump_kind_name((dump_kind)k), st->kinds[k]);
        }
    }
    json_object_end(j);
    json_member_u64(j, "compressed_frames", st->cframes);
    json_member_u64(j, "gaps", st->gaps);
    json_member_u64(j, "gap_bytes", st->gap_bytes);
    json_member_u64(j, "skipped_bytes", st->skipped_bytes);
    json_member_u64(j, "tls_bytes", st->tls_bytes);
    json_member_u64(j, "evicted_flows", st->evicted_flows);
    json_member_u64(j, "notes", r->notes);
    if (r->o.verify) {
        json_key(j, "verify");
        json_object_begin(j);
        json_member_u64(j, "verified", r->vc.verified);
        json_member_u64(j, "mismatched", r->vc.mismatched);
        json_member_u64(j, "decode_errors", r->vc.decode_errors);
        json_member_u64(j, "skipped", r->vc.skipped);
        json_object_end(j);
    }
    json_object_end(j);
    json_object_end(j);
}

static double now_seconds(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void on_progress(void *ctx, uint64_t done, uint64_t total) {
    dump_run *r = ctx;
    if (!r->progress) {
        return;
    }
    double t = now_seconds();
    bool last = total != 0 && done >= total;
    if (!last && t - r->last_progress < 0.25) {
        return;
    }
    r->last_progress = t;
    if (last) {
        fprintf(stderr, "\r\033[K");
    } else if (total > 0) {
        fprintf(stderr, "\rredir dump: %s %3u%% (%" PRIu64 " / %" PRIu64 " MiB)", r->o.name,
                (unsigned)(done * 100 / total), done >> 20, total >> 20);
    }
    fflush(stderr);
}

static bool parse_port(const char *s, uint16_t *out) {
    char *end;
    errno = 0;
    unsigned long v = strtoul(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0' || v == 0 || v > 65535) {
        return false;
    }
    *out = (uint16_t)v;
    return true;
}

int cmd_dump(int argc, char **argv) {
    const char *files[MAX_FILES];
    size_t num_files = 0;
    const char *iface = NULL;
    char filter[4096];
    filter[0] = '\0';
    dump_config cfg;
    dump_config_init(&cfg);
    dump_run r;
    memset(&r, 0, sizeof r);

    if (cli_wants_help(argc, argv)) {
        dump_usage(stdout);
        return REDIR_EXIT_OK;
    }
    static const struct option longopts[] = {
        {"read", required_argument, NULL, 'r'},   {"interface", required_argument, NULL, 'i'},
        {"port", required_argument, NULL, 'p'},   {"json", no_argument, NULL, 'J'},
        {"verify", no_argument, NULL, 'V'},       {"raw", no_argument, NULL, 'R'},
        {"only", required_argument, NULL, 'O'},   {"flow", required_argument, NULL, 'F'},
        {"help", no_argument, NULL, 'h'},         {NULL, 0, NULL, 0},
    };
    optind = 0;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, ":r:i:p:h", longopts, NULL)) != -1) {
        switch (c) {
        case 'r':
            if (num_files == MAX_FILES) {
                return usage_error("too many files (at most %d)", MAX_FILES);
            }
            files[num_files++] = optarg;
            break;
        case 'p': {
            uint16_t port;
            if (!parse_port(optarg, &port)) {
                return usage_error("'%s' is not a port number", optarg);
            }
            if (cfg.num_ports == DUMP_MAX_PORTS) {
                return usage_error("too many ports (at most %d)", DUMP_MAX_PORTS);
            }
            cfg.ports[cfg.num_ports++] = port;
            break;
        }
        case 'i':
            iface = optarg;
            break;
        case 'J':
            r.o.json = true;
            break;
        case 'V':
            r.o.verify = true;
            break;
        case 'R':
            r.o.raw = true;
            break;
        case 'O': {
            const char *bad = NULL;
            size_t bad_len = 0;
            if (!parse_only(optarg, &r.o.only, &bad, &bad_len)) {
                return usage_error("unknown kind '%.*s' for --only (redirect, query, or a "
                                   "packet kind such as ok, err, greeting, response)",
                                   (int)bad_len, bad);
            }
            break;
        }
        case 'F': {
            char *end;
            errno = 0;
            unsigned long long v = strtoull(optarg, &end, 10);
            if (errno != 0 || end == optarg || *end != '\0' || v == 0 || optarg[0] == '-') {
                return usage_error("'%s' is not a flow number", optarg);
            }
            r.o.flow = v;
            break;
        }
        case ':':
            return usage_error("option '%s' needs a value", argv[optind - 1]);
        default:
            return usage_error("unknown option '%s'", argv[optind - 1]);
        }
    }
    for (int i = optind; i < argc; i++) {
        const char *a = argv[i];
        if (iface == NULL) {
            return usage_error("unexpected argument '%s' (a filter needs -i)", a);
        }
        size_t used = strlen(filter);
        int w = snprintf(filter + used, sizeof filter - used, "%s%s", used ? " " : "", a);
        if (w < 0 || (size_t)w >= sizeof filter - used) {
            return usage_error("BPF filter too long");
        }
    }
    if (num_files == 0 && iface == NULL) {
        return usage_error("nothing to read: give -r FILE or -i IFACE");
    }
    if (num_files > 0 && iface != NULL) {
        return usage_error("-r and -i cannot be combined");
    }
    bool tty = isatty(STDOUT_FILENO);
    out_init_fd(&r.out, STDOUT_FILENO, tty || iface != NULL);
    json_init(&r.j, &r.out, r.o.json ? JSON_STYLE_JSON : JSON_STYLE_TEXT);
    r.o.color = !r.o.json && tty;
    r.j.color = r.o.color;
    int status = REDIR_EXIT_OK;

    for (size_t i = 0; i < num_files || (i == 0 && iface != NULL); i++) {
        dump_session *s = dump_session_new(&cfg, on_event, &r);
        if (s == NULL) {
            out_flush(&r.out);
            out_free(&r.out);
            fprintf(stderr, "redir dump: out of memory\n");
            return REDIR_EXIT_FAILURE;
        }
        memset(&r.vc, 0, sizeof r.vc);
        r.notes = 0;
        char err[512];
        err[0] = '\0';
        int rc;
        if (iface != NULL) {
            r.o.name = iface;
            signal(SIGINT, on_signal);
            signal(SIGTERM, on_signal);
            rc = dump_read_live(s, iface, filter[0] ? filter : NULL, &stop_flag, err, sizeof err);
        } else {
            r.o.name = files[i];
            struct stat sb;
            r.progress = isatty(STDERR_FILENO) && stat(files[i], &sb) == 0 &&
                         (uint64_t)sb.st_size >= PROGRESS_MIN_SIZE;
            r.last_progress = 0;
            rc = dump_read_file(s, files[i], on_progress, &r, err, sizeof err);
        }
        dump_session_finish(s);
        if (rc != 0) {
            out_flush(&r.out);
            fprintf(stderr, "redir dump: %s\n", err);
            status = REDIR_EXIT_FAILURE;
        }
        if (rc == 0 || dump_session_stats(s)->frames > 0) {
            summary(&r, dump_session_stats(s));
        }
        if (r.o.verify && (r.vc.mismatched > 0 || r.vc.decode_errors > 0)) {
            status = REDIR_EXIT_FAILURE;
        }
        dump_session_free(s);
        if (iface != NULL) {
            break;
        }
    }
    if (!out_flush(&r.out)) {
        fprintf(stderr, "redir dump: cannot write the output\n");
        status = REDIR_EXIT_FAILURE;
    }
    out_free(&r.out);
    return status;
}
