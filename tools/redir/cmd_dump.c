/* redir dump: decode the MySQL/MariaDB traffic of captures. */
#include <errno.h>
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

#include "commands.h"
#include "dump.h"
#include "json.h"
#include "packet_json.h"

#define MAX_FILES 256
#define PROGRESS_MIN_SIZE (8u << 20)

typedef struct verify_counts {
    uint64_t verified;
    uint64_t mismatched;
    uint64_t decode_errors;
    uint64_t skipped;
} verify_counts;

typedef struct dump_opts {
    bool json;
    bool verify;
    bool color;
    const char *name; /* file or interface being read */
} dump_opts;

typedef struct dump_run {
    dump_opts o;
    json_writer j;
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
            "usage: redir dump -r FILE [-r FILE...] [-p PORT...] [--json] [--verify]\n"
            "       redir dump -i IFACE [-p PORT...] [--json] [--verify] [BPF FILTER...]\n"
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
            "\n"
            "Text output: one line per packet: time, flow, endpoints, direction, sequence\n"
            "id, length, kind and key fields; redirects are marked REDIRECT.\n"
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

/* ------------------------------------------------------------ small decoders */

typedef struct cursor {
    const uint8_t *p;
    size_t n;
    bool bad;
} cursor;

static bool cur_lenenc(cursor *c, uint64_t *v) {
    size_t used;
    if (c->bad || redir_lenenc_decode(v, &used, NULL, c->p, c->n) != REDIR_OK) {
        c->bad = true;
        return false;
    }
    c->p += used;
    c->n -= used;
    return true;
}

static bool cur_lenstr(cursor *c, redir_span *s) {
    size_t used;
    if (c->bad || redir_lenenc_str_decode(s, &used, NULL, c->p, c->n) != REDIR_OK) {
        c->bad = true;
        return false;
    }
    c->p += used;
    c->n -= used;
    return true;
}

static bool cur_skip(cursor *c, size_t k) {
    if (c->bad || c->n < k) {
        c->bad = true;
        return false;
    }
    c->p += k;
    c->n -= k;
    return true;
}

static bool cur_nulstr(cursor *c, redir_span *s) {
    if (c->bad) {
        return false;
    }
    const uint8_t *z = c->n ? memchr(c->p, 0, c->n) : NULL;
    if (z == NULL) {
        c->bad = true;
        return false;
    }
    *s = redir_span_of(c->p, (size_t)(z - c->p));
    c->p = z + 1;
    c->n -= s->len + 1;
    return true;
}

typedef struct column_def {
    redir_span schema, table, name;
    uint8_t type;
    bool ok;
} column_def;

static column_def parse_column_def(const uint8_t *p, size_t n, uint64_t caps) {
    column_def d;
    memset(&d, 0, sizeof d);
    cursor c = {p, n, false};
    redir_span catalog, org_table, org_name;
    cur_lenstr(&c, &catalog);
    cur_lenstr(&c, &d.schema);
    cur_lenstr(&c, &d.table);
    cur_lenstr(&c, &org_table);
    cur_lenstr(&c, &d.name);
    cur_lenstr(&c, &org_name);
    if (caps & REDIR_MARIADB_CLIENT_EXTENDED_METADATA) {
        redir_span ext; /* MariaDB: type name / format of the column */
        cur_lenstr(&c, &ext);
    }
    uint64_t fixed;
    cur_lenenc(&c, &fixed);
    if (!c.bad && c.n >= 9) {
        d.type = c.p[6];
        d.ok = true;
    }
    return d;
}

/* Binary-protocol value sizes, for skipping query attribute values. */
static bool skip_binary_value(cursor *c, uint8_t type) {
    switch (type) {
    case 0x06: /* NULL */
        return true;
    case 0x01:
        return cur_skip(c, 1);
    case 0x02:
    case 0x0d:
        return cur_skip(c, 2);
    case 0x03:
    case 0x04:
    case 0x09:
        return cur_skip(c, 4);
    case 0x05:
    case 0x08:
        return cur_skip(c, 8);
    case 0x07:
    case 0x0a:
    case 0x0b:
    case 0x0c:
        if (c->n < 1) {
            c->bad = true;
            return false;
        }
        return cur_skip(c, 1 + (size_t)c->p[0]);
    default: {
        redir_span s;
        return cur_lenstr(c, &s);
    }
    }
}

typedef struct query_view {
    bool ok;
    redir_span sql;
    uint64_t num_params;
} query_view;

/* parse_query splits a COM_QUERY payload (after the command byte) into its
 * query attributes and SQL text. */
static query_view parse_query(const uint8_t *p, size_t n, bool attrs, json_writer *j) {
    query_view q;
    memset(&q, 0, sizeof q);
    cursor c = {p, n, false};
    if (attrs) {
        uint64_t sets;
        cur_lenenc(&c, &q.num_params);
        cur_lenenc(&c, &sets);
        if (!c.bad && q.num_params > 0) {
            if (q.num_params > 4096) {
                return q;
            }
            size_t np = (size_t)q.num_params;
            const uint8_t *nulls = c.p;
            cur_skip(&c, (np + 7) / 8);
            uint8_t bind = 0;
            if (!c.bad && c.n >= 1) {
                bind = c.p[0];
            }
            cur_skip(&c, 1);
            if (bind != 1 || c.bad) {
                return q;
            }
            uint8_t types[4096];
            if (j != NULL) {
                json_key(j, "query_attributes");
                json_array_begin(j);
            }
            for (size_t i = 0; i < np && !c.bad; i++) {
                redir_span name;
                types[i] = c.n >= 2 ? c.p[0] : 0;
                cur_skip(&c, 2);
                cur_lenstr(&c, &name);
                if (j != NULL && !c.bad) {
                    json_object_begin(j);
                    json_member_string(j, "name", name.ptr, name.len);
                    json_member_u64(j, "type", types[i]);
                    json_object_end(j);
                }
            }
            if (j != NULL) {
                json_array_end(j);
            }
            for (size_t i = 0; i < np && !c.bad; i++) {
                if ((nulls[i / 8] >> (i % 8)) & 1) {
                    continue;
                }
                skip_binary_value(&c, types[i]);
            }
        }
    }
    if (c.bad) {
        return q;
    }
    q.ok = true;
    q.sql = redir_span_of(c.p, c.n);
    return q;
}

/* ------------------------------------------------------------ JSON output */

static void json_command(json_writer *j, const dump_packet *pk) {
    const uint8_t *p = pk->payload;
    size_t n = pk->len;
    const char *name = dump_command_name(pk->command);
    json_member_cstring(j, "kind", "command");
    if (name != NULL) {
        json_member_cstring(j, "command", name);
    } else {
        json_member_u64(j, "command", pk->command);
    }
    cursor c = {p + 1, n - 1, false};
    switch (pk->command) {
    case 0x03: { /* query */
        query_view q = parse_query(p + 1, n - 1, pk->query_attrs, j);
        if (q.ok) {
            json_member_string(j, "sql", q.sql.ptr, q.sql.len);
        } else {
            json_member_null(j, "sql");
        }
        break;
    }
    case 0x16: /* stmt-prepare */
        json_member_string(j, "sql", p + 1, n - 1);
        break;
    case 0x02: /* init-db */
        json_member_string(j, "schema", p + 1, n - 1);
        break;
    case 0x04: { /* field-list */
        redir_span table;
        if (cur_nulstr(&c, &table)) {
            json_member_string(j, "table", table.ptr, table.len);
            json_member_string(j, "wildcard", c.p, c.n);
        }
        break;
    }
    case 0x17: /* stmt-execute */
    case 0x18:
    case 0x19:
    case 0x1a:
    case 0x1c:
        if (n >= 5) {
            json_member_u64(j, "statement_id",
                            (uint32_t)p[1] | ((uint32_t)p[2] << 8) | ((uint32_t)p[3] << 16) |
                                ((uint32_t)p[4] << 24));
        }
        break;
    case 0x0c: /* process-kill */
        if (n >= 5) {
            json_member_u64(j, "connection_id",
                            (uint32_t)p[1] | ((uint32_t)p[2] << 8) | ((uint32_t)p[3] << 16) |
                                ((uint32_t)p[4] << 24));
        }
        break;
    case 0x1b: /* set-option */
        if (n >= 3) {
            json_member_u64(j, "option", (unsigned)p[1] | ((unsigned)p[2] << 8));
        }
        break;
    case 0x11: { /* change-user */
        redir_span user = {NULL, 0}, auth = {NULL, 0}, db = {NULL, 0}, plugin = {NULL, 0};
        bool has_plugin = false;
        bool has_user = cur_nulstr(&c, &user);
        if (pk->caps & REDIR_CLIENT_SECURE_CONNECTION) {
            if (!c.bad && c.n >= 1) {
                size_t al = c.p[0];
                cur_skip(&c, 1);
                auth = redir_span_of(c.p, al <= c.n ? al : 0);
                cur_skip(&c, al);
            } else {
                c.bad = true;
            }
        } else {
            cur_nulstr(&c, &auth);
        }
        bool has_db = !c.bad && cur_nulstr(&c, &db);
        if (!c.bad && c.n >= 2) {
            cur_skip(&c, 2);
            if ((pk->caps & REDIR_CLIENT_PLUGIN_AUTH) && c.n > 0) {
                has_plugin = cur_nulstr(&c, &plugin);
            }
        }
        if (has_user) {
            json_member_string(j, "user", user.ptr, user.len);
        } else {
            json_member_null(j, "user");
        }
        if (has_db) {
            json_member_string(j, "database", db.ptr, db.len);
        } else {
            json_member_null(j, "database");
        }
        if (has_plugin) {
            json_member_string(j, "auth_plugin", plugin.ptr, plugin.len);
        } else {
            json_member_null(j, "auth_plugin");
        }
        break;
    }
    default:
        if (n > 1) {
            json_member_hex(j, "data", p + 1, n - 1);
        }
        break;
    }
}

static void json_extra_server(json_writer *j, const dump_packet *pk) {
    if (pk->answers != 0xFF) {
        const char *an = dump_command_name(pk->answers);
        if (an != NULL) {
            json_member_cstring(j, "answers", an);
        }
    }
    if (pk->kind == DUMP_K_COLUMN_COUNT) {
        uint64_t v;
        size_t used;
        if (redir_lenenc_decode(&v, &used, NULL, pk->payload, pk->len) == REDIR_OK) {
            json_member_u64(j, "columns", v);
            if (used < pk->len) {
                json_member_u64(j, "metadata_follows", pk->payload[used]);
            }
        }
    } else if (pk->kind == DUMP_K_COLUMN_DEF) {
        column_def d = parse_column_def(pk->payload, pk->len, pk->caps);
        if (d.ok) {
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

static void json_packet(dump_run *r, const dump_packet *pk, const dump_verify_info *vi) {
    json_writer *j = &r->j;
    char src[DUMP_ENDPOINT_STRLEN], dst[DUMP_ENDPOINT_STRLEN];
    const dump_flow *f = pk->flow;
    dump_endpoint_format(pk->dir == DUMP_C2S ? &f->client : &f->server, src, sizeof src);
    dump_endpoint_format(pk->dir == DUMP_C2S ? &f->server : &f->client, dst, sizeof dst);
    json_object_begin(j);
    json_member_u64(j, "flow", f->id);
    json_member_cstring(j, "src", src);
    json_member_cstring(j, "dst", dst);
    json_member_cstring(j, "dir", dump_dir_name(pk->dir));
    json_member_u64(j, "seq", pk->seq);
    json_member_u64(j, "len", pk->total_len);
    json_member_u64(j, "frame", pk->frame);
    char ts[40];
    snprintf(ts, sizeof ts, "%" PRId64 ".%06u", pk->ts.sec, pk->ts.nsec / 1000u);
    json_member_cstring(j, "ts", ts);
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
        json_member_cstring(j, "kind", "prepare-ok");
        if (pk->len >= 12) {
            const uint8_t *p = pk->payload;
            json_member_u64(j, "statement_id",
                            (uint32_t)p[1] | ((uint32_t)p[2] << 8) | ((uint32_t)p[3] << 16) |
                                ((uint32_t)p[4] << 24));
            json_member_u64(j, "columns", (unsigned)p[5] | ((unsigned)p[6] << 8));
            json_member_u64(j, "params", (unsigned)p[7] | ((unsigned)p[8] << 8));
            json_member_u64(j, "warnings", (unsigned)p[10] | ((unsigned)p[11] << 8));
        }
        break;
    case DUMP_K_STATISTICS:
        json_member_cstring(j, "kind", "statistics");
        json_member_string(j, "text", pk->payload, pk->len);
        break;
    case DUMP_K_AUTH_DATA:
    case DUMP_K_INFILE_DATA:
        json_member_cstring(j, "kind", dump_kind_name(pk->kind));
        json_member_hex(j, "data", pk->payload, pk->len);
        break;
    default: {
        packet_json_opts po = {pk->login_ok, false};
        st = packet_json_write(j, rk, pk->payload, pk->len, pk->caps, &po, &diag);
        break;
    }
    }
    if (st != REDIR_OK) {
        json_member_cstring(j, "kind", dump_kind_name(pk->kind));
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
        json_member_cstring(j, "verify", names[vi->result]);
        if (vi->result == DUMP_VERIFY_MISMATCH || vi->result == DUMP_VERIFY_DECODE_ERROR) {
            json_member_u64(j, "verify_offset", vi->offset);
            if (vi->status != REDIR_OK) {
                json_member_cstring(j, "verify_status", redir_status_name(vi->status));
            }
        }
    }
    json_object_end(j);
}

static void json_event(dump_run *r, const dump_event *ev, const char *what) {
    json_writer *j = &r->j;
    json_object_begin(j);
    json_member_u64(j, "flow", ev->flow->id);
    json_member_cstring(j, "event", what);
    json_member_cstring(j, "dir", dump_dir_name(ev->dir));
    json_member_u64(j, "frame", ev->frame);
    if (ev->type == DUMP_EV_NOTE) {
        json_member_cstring(j, "text", ev->text != NULL ? ev->text : "");
    } else {
        json_member_u64(j, "bytes", ev->bytes);
    }
    json_object_end(j);
}

/* ------------------------------------------------------------ text output */

static void print_span(FILE *out, redir_span s, size_t max) {
    fputc('"', out);
    for (size_t i = 0; i < s.len && i < max; i++) {
        uint8_t c = s.ptr[i];
        if (c == '"' || c == '\\') {
            fprintf(out, "\\%c", c);
        } else if (c >= 0x20 && c < 0x7f) {
            fputc(c, out);
        } else {
            fprintf(out, "\\x%02x", c);
        }
    }
    fputc('"', out);
    if (s.len > max) {
        fputs("...", out);
    }
}

static void print_redirect(dump_run *r, const redir_instruction *ins) {
    FILE *out = stdout;
    fputs(r->o.color ? " \033[1;31mREDIRECT\033[0m " : " REDIRECT ", out);
    fprintf(out, "%s -> ", redir_carrier_name(ins->carrier));
    print_span(out, ins->host, 256);
    fprintf(out, ":%u", (unsigned)ins->port);
}

static void text_server(dump_run *r, const dump_packet *pk) {
    FILE *out = stdout;
    const uint8_t *p = pk->payload;
    size_t n = pk->len;
    switch (pk->kind) {
    case DUMP_K_GREETING: {
        redir_greeting g;
        if (redir_greeting_decode(&g, NULL, p, n) == REDIR_OK) {
            fputs(" version=", out);
            print_span(out, g.server_version, 80);
            fprintf(out, " conn=%" PRIu32 " caps=0x%" PRIx64, g.connection_id, g.capabilities);
            if (g.auth_plugin.len > 0) {
                fputs(" plugin=", out);
                print_span(out, g.auth_plugin, 64);
            }
        }
        break;
    }
    case DUMP_K_OK:
    case DUMP_K_OK_AS_EOF: {
        redir_ok ok;
        if (redir_ok_decode(&ok, NULL, p, n, pk->caps) != REDIR_OK) {
            break;
        }
        fprintf(out, " affected=%" PRIu64 " insert_id=%" PRIu64 " status=0x%04x warnings=%u",
                ok.affected_rows, ok.last_insert_id, ok.status, ok.warnings);
        if (ok.info.len > 0) {
            fputs(" info=", out);
            print_span(out, ok.info, 120);
        }
        if (ok.has_session_state) {
            redir_session_iter it;
            redir_session_entry e;
            redir_session_iter_init(&it, ok.session_state);
            while (redir_session_next(&it, &e, NULL) == REDIR_OK) {
                if (e.type == REDIR_TRACK_SYSTEM_VARIABLES) {
                    fputc(' ', out);
                    print_span(out, e.name, 64);
                    fputc('=', out);
                    print_span(out, e.value, 120);
                } else {
                    fprintf(out, " track%u=", e.type);
                    print_span(out, e.value.len ? e.value : e.data, 120);
                }
            }
        }
        redir_instruction ins;
        if (redir_redirect_from_ok(&ins, NULL, &ok, pk->login_ok) == REDIR_OK) {
            print_redirect(r, &ins);
        }
        break;
    }
    case DUMP_K_ERR: {
        redir_err e;
        if (redir_err_decode(&e, NULL, p, n, pk->caps) != REDIR_OK) {
            break;
        }
        fprintf(out, " code=%u", e.code);
        if (e.has_sql_state) {
            fputs(" state=", out);
            print_span(out, e.sql_state, 5);
        }
        fputs(" message=", out);
        print_span(out, e.message, 200);
        redir_instruction ins;
        if (!e.is_progress && redir_redirect_from_err(&ins, NULL, &e, 0) == REDIR_OK) {
            print_redirect(r, &ins);
        }
        break;
    }
    case DUMP_K_EOF:
        if (n >= 5) {
            fprintf(out, " warnings=%u status=0x%04x", (unsigned)(p[1] | (p[2] << 8)),
                    (unsigned)(p[3] | (p[4] << 8)));
        }
        break;
    case DUMP_K_AUTH_SWITCH: {
        redir_auth_switch a;
        if (redir_auth_switch_decode(&a, NULL, p, n) == REDIR_OK) {
            fputs(" plugin=", out);
            print_span(out, a.auth_plugin, 64);
        }
        break;
    }
    case DUMP_K_COLUMN_COUNT: {
        uint64_t v;
        size_t used;
        if (redir_lenenc_decode(&v, &used, NULL, p, n) == REDIR_OK) {
            fprintf(out, " columns=%" PRIu64, v);
        }
        break;
    }
    case DUMP_K_COLUMN_DEF: {
        column_def d = parse_column_def(p, n, pk->caps);
        if (d.ok) {
            fputs(pk->param_def ? " param=" : " name=", out);
            print_span(out, d.name, 64);
            fprintf(out, " type=%u", d.type);
        }
        break;
    }
    case DUMP_K_ROW:
        if (pk->binary) {
            fputs(" binary", out);
        }
        break;
    case DUMP_K_PREPARE_OK:
        if (n >= 12) {
            fprintf(out, " statement_id=%u columns=%u params=%u",
                    (unsigned)(p[1] | (p[2] << 8) | (p[3] << 16)) | ((unsigned)p[4] << 24),
                    (unsigned)(p[5] | (p[6] << 8)), (unsigned)(p[7] | (p[8] << 8)));
        }
        break;
    case DUMP_K_STATISTICS:
        fputc(' ', out);
        print_span(out, redir_span_of(p, n), 200);
        break;
    default:
        break;
    }
}

static void text_client(const dump_packet *pk) {
    FILE *out = stdout;
    const uint8_t *p = pk->payload;
    size_t n = pk->len;
    if (pk->kind == DUMP_K_HANDSHAKE_RESPONSE || pk->kind == DUMP_K_SSL_REQUEST) {
        redir_handshake_response hr;
        redir_status st = pk->kind == DUMP_K_SSL_REQUEST
                              ? redir_ssl_request_decode(&hr, NULL, p, n)
                              : redir_handshake_response_decode(&hr, NULL, p, n);
        if (st == REDIR_OK) {
            fprintf(out, " caps=0x%" PRIx64, hr.capabilities);
            if (pk->kind == DUMP_K_HANDSHAKE_RESPONSE) {
                fputs(" user=", out);
                print_span(out, hr.user, 64);
                if (hr.has_database) {
                    fputs(" db=", out);
                    print_span(out, hr.database, 64);
                }
                if (hr.has_auth_plugin) {
                    fputs(" plugin=", out);
                    print_span(out, hr.auth_plugin, 64);
                }
            }
        }
        return;
    }
    if (pk->kind != DUMP_K_COMMAND) {
        return;
    }
    const char *name = dump_command_name(pk->command);
    if (name != NULL) {
        fprintf(out, " %s", name);
    } else {
        fprintf(out, " 0x%02x", pk->command);
    }
    if (pk->command == 0x03) {
        query_view q = parse_query(p + 1, n - 1, pk->query_attrs, NULL);
        if (q.ok) {
            fputc(' ', out);
            print_span(out, q.sql, 200);
        }
    } else if (pk->command == 0x16 || pk->command == 0x02) {
        fputc(' ', out);
        print_span(out, redir_span_of(p + 1, n - 1), 200);
    } else if (pk->command >= 0x17 && pk->command <= 0x1c && pk->command != 0x1b && n >= 5) {
        fprintf(out, " statement_id=%u",
                (unsigned)(p[1] | (p[2] << 8) | (p[3] << 16)) | ((unsigned)p[4] << 24));
    }
}

static void text_time(const dump_time *t) {
    time_t sec = (time_t)t->sec;
    struct tm tm;
    if (gmtime_r(&sec, &tm) != NULL) {
        fprintf(stdout, "%02d:%02d:%02d.%06u", tm.tm_hour, tm.tm_min, tm.tm_sec, t->nsec / 1000u);
    } else {
        fprintf(stdout, "%" PRId64 ".%06u", t->sec, t->nsec / 1000u);
    }
}

static void text_flow_prefix(const dump_event *ev, dump_dir dir) {
    char src[DUMP_ENDPOINT_STRLEN], dst[DUMP_ENDPOINT_STRLEN];
    const dump_flow *f = ev->flow;
    dump_endpoint_format(dir == DUMP_C2S ? &f->client : &f->server, src, sizeof src);
    dump_endpoint_format(dir == DUMP_C2S ? &f->server : &f->client, dst, sizeof dst);
    text_time(&ev->ts);
    fprintf(stdout, " #%" PRIu64 " %s > %s %s", f->id, src, dst, dump_dir_name(dir));
}

static void text_packet(dump_run *r, const dump_event *ev, const dump_verify_info *vi) {
    const dump_packet *pk = &ev->packet;
    text_flow_prefix(ev, pk->dir);
    fprintf(stdout, " seq=%u len=%zu %s", pk->seq, pk->total_len, dump_kind_name(pk->kind));
    if (pk->dir == DUMP_S2C) {
        text_server(r, pk);
    } else {
        text_client(pk);
    }
    if (pk->in_compressed) {
        fputs(" [compressed]", stdout);
    }
    if (vi != NULL &&
        (vi->result == DUMP_VERIFY_MISMATCH || vi->result == DUMP_VERIFY_DECODE_ERROR)) {
        fprintf(stdout, " VERIFY %s at offset %zu%s%s",
                vi->result == DUMP_VERIFY_MISMATCH ? "MISMATCH" : "DECODE-ERROR", vi->offset,
                vi->status != REDIR_OK ? " " : "",
                vi->status != REDIR_OK ? redir_status_name(vi->status) : "");
    }
    fputc('\n', stdout);
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
    switch (ev->type) {
    case DUMP_EV_PACKET:
        if (r->o.verify) {
            dump_verify_packet(&ev->packet, &vi);
            count_verify(r, &vi);
        }
        if (r->o.json) {
            json_packet(r, &ev->packet, r->o.verify ? &vi : NULL);
        } else {
            text_packet(r, ev, r->o.verify ? &vi : NULL);
        }
        break;
    case DUMP_EV_CFRAME:
        if (r->o.verify) {
            dump_verify_cframe(&ev->cframe, &vi);
            count_verify(r, &vi);
            if (vi.result != DUMP_VERIFY_OK && !r->o.json) {
                text_flow_prefix(ev, ev->dir);
                fprintf(stdout, " compressed frame VERIFY MISMATCH at offset %zu\n", vi.offset);
            }
        }
        if (!r->o.json) {
            text_flow_prefix(ev, ev->dir);
            fprintf(stdout, " cseq=%u compressed frame len=%" PRIu32 " uncompressed=%" PRIu32 "\n",
                    ev->cframe.frame.seq, ev->cframe.frame.comp_len,
                    ev->cframe.frame.uncomp_len);
        }
        break;
    case DUMP_EV_GAP:
    case DUMP_EV_SKIPPED:
    case DUMP_EV_NOTE: {
        const char *what = ev->type == DUMP_EV_GAP       ? "gap"
                           : ev->type == DUMP_EV_SKIPPED ? "skipped"
                                                         : "note";
        if (ev->type == DUMP_EV_NOTE) {
            r->notes++;
        }
        if (r->o.json) {
            json_event(r, ev, what);
        } else {
            text_flow_prefix(ev, ev->dir);
            if (ev->type == DUMP_EV_NOTE) {
                fprintf(stdout, " note: %s\n", ev->text != NULL ? ev->text : "");
            } else {
                fprintf(stdout, " %s %" PRIu64 " bytes\n", what, ev->bytes);
            }
        }
        break;
    }
    case DUMP_EV_TLS:
        if (!r->o.json) {
            text_flow_prefix(ev, ev->dir);
            fprintf(stdout, " tls %" PRIu64 " bytes (encrypted)\n", ev->bytes);
        }
        break;
    case DUMP_EV_FLOW_OPEN:
    case DUMP_EV_FLOW_CLOSE:
        break;
    }
}

static void summary(dump_run *r, const dump_stats *st) {
    if (r->o.json) {
        json_writer *j = &r->j;
        json_object_begin(j);
        json_key(j, "summary");
        json_object_begin(j);
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
    } else {
        printf("# %s: %" PRIu64 " frames, %" PRIu64 " flows, %" PRIu64 " packets, %" PRIu64
               " compressed frames, %" PRIu64 " gaps (%" PRIu64 " bytes), %" PRIu64
               " bytes skipped, %" PRIu64 " TLS bytes\n",
               r->o.name, st->frames, st->flows, st->packets, st->cframes, st->gaps,
               st->gap_bytes, st->skipped_bytes, st->tls_bytes);
        if (r->o.verify) {
            printf("# verify: %" PRIu64 " verified, %" PRIu64 " mismatched, %" PRIu64
                   " decode errors, %" PRIu64 " skipped\n",
                   r->vc.verified, r->vc.mismatched, r->vc.decode_errors, r->vc.skipped);
        }
    }
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

    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            dump_usage(stdout);
            return REDIR_EXIT_OK;
        }
    }
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "-r") == 0 || strcmp(a, "-p") == 0 || strcmp(a, "-i") == 0) {
            if (i + 1 >= argc) {
                return usage_error("option '%s' needs a value", a);
            }
            const char *v = argv[++i];
            if (a[1] == 'r') {
                if (num_files == MAX_FILES) {
                    return usage_error("too many files (at most %d)", MAX_FILES);
                }
                files[num_files++] = v;
            } else if (a[1] == 'p') {
                uint16_t port;
                if (!parse_port(v, &port)) {
                    return usage_error("'%s' is not a port number", v);
                }
                if (cfg.num_ports == DUMP_MAX_PORTS) {
                    return usage_error("too many ports (at most %d)", DUMP_MAX_PORTS);
                }
                cfg.ports[cfg.num_ports++] = port;
            } else {
                iface = v;
            }
        } else if (strcmp(a, "--json") == 0) {
            r.o.json = true;
        } else if (strcmp(a, "--verify") == 0) {
            r.o.verify = true;
        } else if (a[0] == '-' && a[1] != '\0') {
            return usage_error("unknown option '%s'", a);
        } else if (iface != NULL) {
            size_t used = strlen(filter);
            int w = snprintf(filter + used, sizeof filter - used, "%s%s", used ? " " : "", a);
            if (w < 0 || (size_t)w >= sizeof filter - used) {
                return usage_error("BPF filter too long");
            }
        } else {
            return usage_error("unexpected argument '%s' (a filter needs -i)", a);
        }
    }
    if (num_files == 0 && iface == NULL) {
        return usage_error("nothing to read: give -r FILE or -i IFACE");
    }
    if (num_files > 0 && iface != NULL) {
        return usage_error("-r and -i cannot be combined");
    }
    static char outbuf[1 << 16];
    setvbuf(stdout, outbuf, _IOFBF, sizeof outbuf);
    json_init(&r.j, stdout);
    r.o.color = !r.o.json && isatty(STDOUT_FILENO);
    int status = REDIR_EXIT_OK;

    for (size_t i = 0; i < num_files || (i == 0 && iface != NULL); i++) {
        dump_session *s = dump_session_new(&cfg, on_event, &r);
        if (s == NULL) {
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
            fflush(stdout);
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
    fflush(stdout);
    return status;
}
