#include <string.h>

#include "packet_json.h"
#include "probe.h"
#include "tls.h"

void probe_out_init(probe_out *o, int fd, bool json) {
    out_init_fd(&o->buf, fd, true);
    json_init(&o->j, &o->buf, json ? JSON_STYLE_JSON : JSON_STYLE_TEXT);
}

bool probe_out_finish(probe_out *o) {
    bool ok = out_flush(&o->buf);
    out_free(&o->buf);
    return ok;
}

/* begin_as opens the record of one step: "event" in JSON, column (the
 * step's name unless told otherwise) first on the line in text. */
static json_writer *begin_as(probe_out *o, const char *event, const char *column) {
    json_writer *j = &o->j;
    json_object_begin(j);
    if (json_is_text(j)) {
        char col[16];
        int n = snprintf(col, sizeof col, "%-9s", column);
        json_text_raw(j, col, n > 0 ? (size_t)n : 0);
    } else {
        json_member_cstring(j, "event", event);
    }
    return j;
}

static json_writer *begin(probe_out *o, const char *event) {
    return begin_as(o, event, event);
}

static void end(probe_out *o) {
    json_object_end(&o->j);
}

static void member_span(json_writer *j, const char *key, redir_span s) {
    json_member_string(j, key, s.ptr, s.len);
}

void probe_out_connect(probe_out *o, const probe_target *t, unsigned hop) {
    json_writer *j = begin(o, "connect");
    json_member_cstring(j, "host", t->host);
    json_member_u64(j, "port", t->port);
    json_member_cstring(j, "user", t->user);
    json_member_u64(j, "hop", hop);
    end(o);
}

void probe_out_connected(probe_out *o, const char *local, const char *peer) {
    json_writer *j = begin(o, "tcp");
    json_member_cstring(j, "local", local);
    json_member_cstring(j, "peer", peer);
    end(o);
}

void probe_out_tls(probe_out *o, SSL *ssl, bool verified) {
    json_writer *j = begin(o, "tls");
    json_member_cstring(j, "version", SSL_get_version(ssl));
    json_member_cstring(j, "cipher", SSL_get_cipher_name(ssl));
    json_member_bool(j, "verified", verified);
    json_member_cstring(j, "verify_result", tls_verify_message(ssl));
    end(o);
}

void probe_out_greeting(probe_out *o, redir_span payload) {
    json_writer *j = begin_as(o, "greeting", "server");
    redir_diag diag = {0, 0};
    redir_status st =
        packet_json_write(j, REDIR_KIND_GREETING, payload.ptr, payload.len, 0, NULL, &diag);
    if (st != REDIR_OK) {
        /* The engine decoded it; the renderer should too. */
        json_member_cstring(j, "decode_error", redir_status_name(st));
        json_member_u64(j, "offset", diag.offset);
    }
    end(o);
}

void probe_out_logged_in(probe_out *o, const char *user, uint64_t caps, redir_span plugin) {
    json_writer *j = begin(o, "login");
    json_member_cstring(j, "user", user);
    member_span(j, "auth_plugin", plugin);
    packet_json_capabilities(j, caps);
    end(o);
}

static void track_value(probe_out *o, const char *type, const redir_span *name,
                        redir_span value) {
    json_writer *j = begin(o, "track");
    json_member_cstring(j, "type", type);
    if (name != NULL) {
        member_span(j, "name", *name);
    }
    member_span(j, "value", value);
    end(o);
}

void probe_out_session_entry(probe_out *o, const redir_session_entry *e) {
    const char *type = packet_json_track_name(e->type);
    if (type == NULL) {
        char num[8];
        snprintf(num, sizeof num, "%u", e->type);
        track_value(o, num, NULL, e->data);
        return;
    }
    if (e->type != REDIR_TRACK_SYSTEM_VARIABLES) {
        track_value(o, type, NULL, e->value);
        return;
    }
    redir_span rest = e->more_pairs, name = e->name, value = e->value;
    redir_diag diag = {0, 0};
    redir_status st;
    do {
        track_value(o, type, &name, value);
    } while ((st = redir_sysvar_next(&rest, &name, &value, &diag)) == REDIR_OK);
    if (st != REDIR_DONE) {
        probe_out_error(o, "track", "a system variable pair does not decode", st, NULL);
    }
}

void probe_out_redirect(probe_out *o, const redir_instruction *ins, redir_status st,
                        redir_decision d, redir_reason r, bool deferred) {
    json_writer *j = begin(o, "redirect");
    json_member_cstring(j, "carrier", redir_carrier_name(ins->carrier));
    member_span(j, "raw", ins->raw);
    if (st == REDIR_OK) {
        member_span(j, "host", ins->host);
        json_member_u64(j, "port", ins->port);
        if (ins->has_user) {
            member_span(j, "user", ins->user);
        } else {
            json_member_null(j, "user");
        }
        json_member_null(j, "error");
    } else {
        json_member_cstring(j, "error", redir_status_name(st));
    }
    json_member_cstring(j, "decision", redir_decision_name(d));
    json_member_cstring(j, "reason", redir_reason_name(r));
    json_member_cstring(j, "reason_message", redir_reason_message(r));
    json_member_bool(j, "deferred", deferred);
    end(o);
}

void probe_out_follow(probe_out *o, const probe_target *to, unsigned hop, unsigned max) {
    json_writer *j = begin(o, "follow");
    json_member_cstring(j, "host", to->host);
    json_member_u64(j, "port", to->port);
    json_member_u64(j, "hop", hop);
    json_member_u64(j, "max_hops", max);
    end(o);
}

void probe_out_query(probe_out *o, const char *sql) {
    json_writer *j = begin(o, "query");
    json_member_cstring(j, "sql", sql);
    end(o);
}

void probe_out_row(probe_out *o, const redir_span *columns, size_t num_columns,
                   const redir_span *values, const bool *is_null, size_t n) {
    json_writer *j = begin(o, "row");
    json_key(j, "columns");
    json_array_begin(j);
    for (size_t i = 0; i < num_columns; i++) {
        json_string(j, columns[i].ptr, columns[i].len);
    }
    json_array_end(j);
    json_key(j, "values");
    json_array_begin(j);
    for (size_t i = 0; i < n; i++) {
        if (is_null[i]) {
            json_null(j);
        } else {
            json_string(j, values[i].ptr, values[i].len);
        }
    }
    json_array_end(j);
    end(o);
}

void probe_out_query_done(probe_out *o, uint64_t rows) {
    json_writer *j = begin(o, "result");
    json_member_u64(j, "rows", rows);
    end(o);
}

void probe_out_error(probe_out *o, const char *what, const char *detail, redir_status st,
                     const redir_err *err) {
    json_writer *j = begin(o, "error");
    json_member_cstring(j, "what", what);
    json_member_cstring(j, "detail", detail);
    if (st != REDIR_OK) {
        json_member_cstring(j, "status", redir_status_name(st));
    } else {
        json_member_null(j, "status");
    }
    if (err != NULL) {
        json_member_u64(j, "code", err->code);
        if (err->has_sql_state) {
            member_span(j, "sql_state", err->sql_state);
        } else {
            json_member_null(j, "sql_state");
        }
        member_span(j, "message", err->message);
    }
    end(o);
}

void probe_out_summary(probe_out *o, bool ok, const probe_target *at, unsigned hops) {
    json_writer *j = begin_as(o, "summary", ok ? "landed" : "FAILED");
    json_member_bool(j, "ok", ok);
    json_member_cstring(j, "host", at->host);
    json_member_u64(j, "port", at->port);
    json_member_u64(j, "hops", hops);
    end(o);
}
