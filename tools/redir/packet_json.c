#include "packet_json.h"

#include <string.h>

/* Offsets reported by iterators are relative to the block they walk; the
 * caller wants them relative to the payload. */
static redir_status fail_in(redir_diag *diag, redir_status st, const redir_diag *inner,
                            const uint8_t *payload, const uint8_t *block) {
    if (diag != NULL) {
        diag->offset = (size_t)(block - payload) + inner->offset;
        diag->needed = inner->needed;
    }
    return st;
}

static void member_span(json_writer *j, const char *key, redir_span s) {
    json_member_string(j, key, s.ptr, s.len);
}

static void member_hex_span(json_writer *j, const char *key, redir_span s) {
    json_member_hex(j, key, s.ptr, s.len);
}

static void member_opt_span(json_writer *j, const char *key, bool present, redir_span s) {
    if (present) {
        member_span(j, key, s);
    } else {
        json_member_null(j, key);
    }
}

static void member_opt_u64(json_writer *j, const char *key, bool present, uint64_t v) {
    if (present) {
        json_member_u64(j, key, v);
    } else {
        json_member_null(j, key);
    }
}

/* ------------------------------------------------------------------ flags */

static const char *const capability_names[] = {
    "long_password", "found_rows", "long_flag", "connect_with_db", "no_schema", "compress",
    "odbc", "local_files", "ignore_space", "protocol_41", "interactive", "ssl",
    "ignore_sigpipe", "transactions", "reserved", "secure_connection", "multi_statements",
    "multi_results", "ps_multi_results", "plugin_auth", "connect_attrs",
    "plugin_auth_lenenc_client_data", "can_handle_expired_passwords", "session_track",
    "deprecate_eof", "optional_resultset_metadata", "zstd_compression", "query_attributes",
    "multi_factor_authentication", "progress_obsolete", "ssl_verify_server_cert",
    "remember_options", "mariadb_progress", "mariadb_com_multi",
    "mariadb_stmt_bulk_operations", "mariadb_extended_metadata", "mariadb_cache_metadata",
    "mariadb_bulk_unit_results"};

static const char *const status_names[] = {
    "in_trans", "autocommit", NULL, "more_results_exists", "no_good_index_used",
    "no_index_used", "cursor_exists", "last_row_sent", "db_dropped", "no_backslash_escapes",
    "metadata_changed", "query_was_slow", "ps_out_params", "in_trans_readonly",
    "session_state_changed"};

void packet_json_capabilities(json_writer *j, uint64_t caps) {
    json_member_flags(j, "capabilities", "capability_flags", caps, capability_names,
                      sizeof capability_names / sizeof capability_names[0], 8);
}

void packet_json_status(json_writer *j, bool present, uint64_t status) {
    if (!present) {
        json_member_null(j, "status");
        json_member_null(j, "status_flags");
        return;
    }
    json_member_flags(j, "status", "status_flags", status, status_names,
                      sizeof status_names / sizeof status_names[0], 4);
}

/* ------------------------------------------------------------------ redirect */

typedef struct redirect_result {
    redir_status st; /* REDIR_OK: ins is valid; NOT_FOUND: nothing to report */
    redir_instruction ins;
    redir_diag diag;
} redirect_result;

static bool starts_with(redir_span s, const char *prefix) {
    size_t n = strlen(prefix);
    return s.len >= n && memcmp(s.ptr, prefix, n) == 0;
}

static void write_redirect(json_writer *j, const redirect_result *r) {
    if (r->st == REDIR_NOT_FOUND) {
        json_member_null(j, "redirect");
        return;
    }
    if (r->st != REDIR_OK) {
        json_member_null(j, "redirect");
        json_key(j, "redirect_error");
        json_object_begin(j);
        const char *carrier = redir_carrier_name(r->ins.carrier);
        const char *status = redir_status_name(r->st);
        json_member_cstring(j, "carrier", carrier != NULL ? carrier : "unknown");
        json_member_cstring(j, "status", status != NULL ? status : "unknown");
        json_member_u64(j, "offset", r->diag.offset);
        json_object_end(j);
        return;
    }
    const redir_instruction *ins = &r->ins;
    json_text_marker(j, "REDIRECT");
    json_key(j, "redirect");
    json_object_begin(j);
    const char *carrier = redir_carrier_name(ins->carrier);
    json_member_cstring(j, "carrier", carrier != NULL ? carrier : "unknown");
    member_span(j, "host", ins->host);
    json_member_u64(j, "port", ins->port);
    member_opt_span(j, "user", ins->has_user, ins->user);
    member_opt_u64(j, "ttl", ins->has_ttl, ins->ttl);
    if (ins->carrier == REDIR_CARRIER_ERR) {
        json_member_null(j, "url");
    } else {
        redir_span url = ins->raw;
        if (ins->carrier == REDIR_CARRIER_LOCATION) {
            static const char prefix[] = "Location:";
            if (starts_with(url, prefix)) {
                url.ptr += sizeof prefix - 1;
                url.len -= sizeof prefix - 1;
            }
            while (url.len > 0 && url.ptr[0] == ' ') {
                url.ptr++;
                url.len--;
            }
            while (url.len > 0 && (url.ptr[url.len - 1] == '\n' || url.ptr[url.len - 1] == '\r')) {
                url.len--;
            }
        }
        member_span(j, "url", url);
    }
    json_object_end(j);
}

/* ------------------------------------------------------------------ greeting */

static redir_status write_greeting(json_writer *j, const uint8_t *payload, size_t len,
                                   redir_diag *diag) {
    redir_greeting g;
    redir_status st = redir_greeting_decode(&g, diag, payload, len);
    if (st != REDIR_OK) {
        return st;
    }
    /* The scramble is part 1 then part 2 without the NUL that ends part 2. */
    redir_span part2 = g.auth_data2;
    if (part2.len > 0 && part2.ptr[part2.len - 1] == 0) {
        part2.len--;
    }
    bool has_plugin = g.has_ext && (g.capabilities & REDIR_CLIENT_PLUGIN_AUTH) != 0 &&
                      (g.auth_plugin.len > 0 || g.auth_plugin_nul);

    json_member_word(j, "kind", redir_kind_name(REDIR_KIND_GREETING));
    json_member_u64(j, "protocol_version", g.protocol_version);
    member_span(j, "server_version", g.server_version);
    json_member_u64(j, "connection_id", g.connection_id);
    packet_json_capabilities(j, g.capabilities);
    member_opt_u64(j, "charset", g.has_ext, g.charset);
    packet_json_status(j, g.has_ext, g.status);
    member_opt_span(j, "auth_plugin", has_plugin, g.auth_plugin);
    json_key(j, "auth_data");
    json_str_begin(j);
    json_str_hex(j, g.auth_data1.ptr, g.auth_data1.len);
    json_str_hex(j, part2.ptr, part2.len);
    json_str_end(j);
    return REDIR_OK;
}

/* ------------------------------------------------------------------ OK */

const char *packet_json_track_name(uint8_t type) {
    switch (type) {
    case REDIR_TRACK_SYSTEM_VARIABLES:
        return "system_variable";
    case REDIR_TRACK_SCHEMA:
        return "schema";
    case REDIR_TRACK_STATE_CHANGE:
        return "state_change";
    case REDIR_TRACK_GTIDS:
        return "gtids";
    case REDIR_TRACK_TRANSACTION_CHARACTERISTICS:
        return "transaction_characteristics";
    case REDIR_TRACK_TRANSACTION_STATE:
        return "transaction_state";
    default:
        return NULL;
    }
}

/* walk_session_state visits every entry of the block. With j == NULL it only
 * checks the block, so that errors surface before anything is written. */
static redir_status walk_session_state(json_writer *j, redir_span block, const uint8_t *payload,
                                       redir_diag *diag) {
    redir_session_iter it;
    redir_session_entry e;
    redir_diag inner = {0, 0};
    redir_status st;
    redir_session_iter_init(&it, block);
    while ((st = redir_session_next(&it, &e, &inner)) == REDIR_OK) {
        const char *name = packet_json_track_name(e.type);
        if (e.type == REDIR_TRACK_SYSTEM_VARIABLES) {
            /* One object per name/value pair, the first pair included. */
            redir_span rest = e.more_pairs;
            redir_span var = e.name;
            redir_span value = e.value;
            for (;;) {
                if (j != NULL) {
                    json_object_begin(j);
                    json_member_word(j, "type", name);
                    member_span(j, "name", var);
                    member_span(j, "value", value);
                    json_object_end(j);
                }
                const uint8_t *at = rest.ptr;
                redir_status vst = redir_sysvar_next(&rest, &var, &value, &inner);
                if (vst == REDIR_DONE) {
                    break;
                }
                if (vst != REDIR_OK) {
                    return fail_in(diag, vst, &inner, payload, at);
                }
            }
        } else if (j != NULL) {
            json_object_begin(j);
            if (name != NULL) {
                json_member_word(j, "type", name);
                member_span(j, "value", e.value);
            } else {
                json_member_u64(j, "type", e.type);
                member_hex_span(j, "data", e.data);
            }
            json_object_end(j);
        }
    }
    if (st != REDIR_DONE) {
        return fail_in(diag, st, &inner, payload, block.ptr);
    }
    return REDIR_OK;
}

static redir_status write_ok(json_writer *j, const uint8_t *payload, size_t len, uint64_t caps,
                             bool login_ok, redir_diag *diag) {
    redir_ok ok;
    redir_status st = redir_ok_decode(&ok, diag, payload, len, caps);
    if (st != REDIR_OK) {
        return st;
    }
    if (ok.has_session_state) {
        st = walk_session_state(NULL, ok.session_state, payload, diag);
        if (st != REDIR_OK) {
            return st;
        }
    }
    redirect_result rd = {REDIR_NOT_FOUND, {0}, {0, 0}};
    /* An OK-as-EOF ends a result set, never a login. */
    rd.st = redir_redirect_from_ok(&rd.ins, &rd.diag, &ok, login_ok && ok.header == 0x00);

    redir_kind kind = ok.header == 0xFE ? REDIR_KIND_OK_AS_EOF : REDIR_KIND_OK;
    json_member_word(j, "kind", redir_kind_name(kind));
    json_member_u64(j, "affected_rows", ok.affected_rows);
    json_member_u64(j, "last_insert_id", ok.last_insert_id);
    packet_json_status(j, ok.has_status, ok.status);
    member_opt_u64(j, "warnings", ok.has_warnings, ok.warnings);
    member_opt_span(j, "info", ok.info_form != REDIR_INFO_ABSENT, ok.info);
    json_key(j, "session_track");
    if (ok.has_session_state) {
        json_array_begin(j);
        st = walk_session_state(j, ok.session_state, payload, diag);
        json_array_end(j);
    } else {
        json_null(j);
    }
    write_redirect(j, &rd);
    return st;
}

/* ------------------------------------------------------------------ EOF, ERR */

static redir_status write_eof(json_writer *j, const uint8_t *payload, size_t len, uint64_t caps,
                              redir_diag *diag) {
    redir_eof e;
    redir_status st = redir_eof_decode(&e, diag, payload, len, caps);
    if (st != REDIR_OK) {
        return st;
    }
    json_member_word(j, "kind", redir_kind_name(REDIR_KIND_EOF));
    member_opt_u64(j, "warnings", e.has_fields, e.warnings);
    packet_json_status(j, e.has_fields, e.status);
    return REDIR_OK;
}

static redir_status write_err(json_writer *j, const uint8_t *payload, size_t len, uint64_t caps,
                              redir_diag *diag) {
    redir_err e;
    redir_status st = redir_err_decode(&e, diag, payload, len, caps);
    if (st != REDIR_OK) {
        return st;
    }
    redirect_result rd = {REDIR_NOT_FOUND, {0}, {0, 0}};
    if (!e.is_progress) {
        rd.st = redir_redirect_from_err(&rd.ins, &rd.diag, &e, 0);
    }

    json_member_word(j, "kind", redir_kind_name(REDIR_KIND_ERR));
    json_member_u64(j, "code", e.code);
    member_opt_span(j, "sql_state", e.has_sql_state, e.sql_state);
    member_span(j, "message", e.message);
    json_key(j, "progress");
    if (e.is_progress) {
        json_object_begin(j);
        json_member_u64(j, "stage", e.stage);
        json_member_u64(j, "max_stage", e.max_stage);
        json_member_u64(j, "progress", e.progress);
        member_span(j, "info", e.progress_info);
        json_object_end(j);
    } else {
        json_null(j);
    }
    write_redirect(j, &rd);
    return REDIR_OK;
}

/* ------------------------------------------------------------------ auth */

static redir_status write_auth_switch(json_writer *j, const uint8_t *payload, size_t len,
                                      redir_diag *diag) {
    redir_auth_switch s;
    redir_status st = redir_auth_switch_decode(&s, diag, payload, len);
    if (st != REDIR_OK) {
        return st;
    }
    if (s.old_form) {
        json_member_word(j, "kind", redir_kind_name(REDIR_KIND_AUTH_SWITCH_OLD));
        json_member_null(j, "auth_plugin");
        json_member_null(j, "auth_data");
    } else {
        json_member_word(j, "kind", redir_kind_name(REDIR_KIND_AUTH_SWITCH));
        member_span(j, "auth_plugin", s.auth_plugin);
        member_hex_span(j, "auth_data", s.auth_data);
    }
    return REDIR_OK;
}

static redir_status write_auth_more_data(json_writer *j, const uint8_t *payload, size_t len,
                                         redir_diag *diag) {
    redir_span data;
    redir_status st = redir_auth_more_data_decode(&data, diag, payload, len);
    if (st != REDIR_OK) {
        return st;
    }
    json_member_word(j, "kind", redir_kind_name(REDIR_KIND_AUTH_MORE_DATA));
    member_hex_span(j, "data", data);
    return REDIR_OK;
}

/* ------------------------------------------------------------------ dispatch */

redir_status packet_json_write(json_writer *j, redir_kind kind, const uint8_t *payload,
                               size_t len, uint64_t caps, const packet_json_opts *opts,
                               redir_diag *diag) {
    static const packet_json_opts no_opts = {false, false};
    if (opts == NULL) {
        opts = &no_opts;
    }
    switch (kind) {
    case REDIR_KIND_GREETING:
        return write_greeting(j, payload, len, diag);
    case REDIR_KIND_OK:
    case REDIR_KIND_OK_AS_EOF:
        return write_ok(j, payload, len, caps, opts->login_ok, diag);
    case REDIR_KIND_EOF:
        return write_eof(j, payload, len, caps, diag);
    case REDIR_KIND_ERR:
        return write_err(j, payload, len, caps, diag);
    case REDIR_KIND_AUTH_SWITCH:
    case REDIR_KIND_AUTH_SWITCH_OLD:
        return write_auth_switch(j, payload, len, diag);
    case REDIR_KIND_AUTH_MORE_DATA:
        return write_auth_more_data(j, payload, len, diag);
    case REDIR_KIND_UNKNOWN:
    case REDIR_KIND_AUTH_NEXT_FACTOR:
    case REDIR_KIND_LOCAL_INFILE:
    case REDIR_KIND_COLUMN_COUNT:
    case REDIR_KIND_COLUMN_DEF:
    case REDIR_KIND_ROW:
        break;
    }
    const char *name = redir_kind_name(kind);
    json_member_word(j, "kind", name != NULL ? name : "unknown");
    if (!opts->length_written) {
        json_member_u64(j, "length", len);
    }
    json_member_hex(j, "data", payload, len);
    return REDIR_OK;
}

/* ------------------------------------------------------------------ client packets */

static redir_status check_attributes(redir_span block, const uint8_t *payload, redir_diag *diag) {
    redir_attr_iter it;
    redir_span key;
    redir_span value;
    redir_diag inner = {0, 0};
    redir_status st;
    redir_attr_iter_init(&it, block);
    while ((st = redir_attr_next(&it, &key, &value, &inner)) == REDIR_OK) {
    }
    if (st != REDIR_DONE) {
        return fail_in(diag, st, &inner, payload, block.ptr);
    }
    return REDIR_OK;
}

static void write_attributes(json_writer *j, redir_span block) {
    redir_attr_iter it;
    redir_span key;
    redir_span value;
    redir_attr_iter_init(&it, block);
    json_object_begin(j);
    while (redir_attr_next(&it, &key, &value, NULL) == REDIR_OK) {
        json_key_bytes(j, key.ptr, key.len);
        json_string(j, value.ptr, value.len);
    }
    json_object_end(j);
}

redir_status packet_json_write_client(json_writer *j, packet_json_client kind,
                                      const uint8_t *payload, size_t len, redir_diag *diag) {
    redir_handshake_response r;
    redir_status st;
    if (kind == PACKET_JSON_SSL_REQUEST) {
        st = redir_ssl_request_decode(&r, diag, payload, len);
    } else {
        st = redir_handshake_response_decode(&r, diag, payload, len);
    }
    if (st != REDIR_OK) {
        return st;
    }
    if (kind == PACKET_JSON_RESPONSE && r.has_attributes) {
        st = check_attributes(r.attributes, payload, diag);
        if (st != REDIR_OK) {
            return st;
        }
    }
    json_member_word(j, "kind", packet_json_client_name(kind));
    packet_json_capabilities(j, r.capabilities);
    json_member_u64(j, "max_packet", r.max_packet);
    json_member_u64(j, "charset", r.charset);
    if (kind == PACKET_JSON_SSL_REQUEST) {
        return REDIR_OK;
    }
    member_span(j, "user", r.user);
    member_hex_span(j, "auth_response", r.auth_response);
    member_opt_span(j, "database", r.has_database, r.database);
    member_opt_span(j, "auth_plugin", r.has_auth_plugin, r.auth_plugin);
    json_key(j, "attributes");
    if (r.has_attributes) {
        write_attributes(j, r.attributes);
    } else {
        json_null(j);
    }
    return REDIR_OK;
}

/* ------------------------------------------------------------------ names */

bool packet_json_kind_from_name(const char *name, redir_kind *out) {
    static const struct {
        const char *name;
        redir_kind kind;
    } names[] = {
        {"greeting", REDIR_KIND_GREETING},
        {"auth-switch", REDIR_KIND_AUTH_SWITCH},
        {"auth-more-data", REDIR_KIND_AUTH_MORE_DATA},
        {"ok", REDIR_KIND_OK},
        {"eof", REDIR_KIND_EOF},
        {"err", REDIR_KIND_ERR},
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        if (strcmp(name, names[i].name) == 0) {
            *out = names[i].kind;
            return true;
        }
    }
    return false;
}

bool packet_json_client_from_name(const char *name, packet_json_client *out) {
    if (strcmp(name, "response") == 0) {
        *out = PACKET_JSON_RESPONSE;
        return true;
    }
    if (strcmp(name, "ssl-request") == 0) {
        *out = PACKET_JSON_SSL_REQUEST;
        return true;
    }
    return false;
}

const char *packet_json_client_name(packet_json_client kind) {
    return kind == PACKET_JSON_SSL_REQUEST ? "ssl-request" : "response";
}

bool packet_json_has_redirect(redir_kind kind, const uint8_t *payload, size_t len, uint64_t caps,
                              bool login_ok) {
    redir_instruction ins;
    if (kind == REDIR_KIND_OK || kind == REDIR_KIND_OK_AS_EOF) {
        redir_ok ok;
        if (redir_ok_decode(&ok, NULL, payload, len, caps) != REDIR_OK) {
            return false;
        }
        return redir_redirect_from_ok(&ins, NULL, &ok, login_ok && ok.header == 0x00) !=
               REDIR_NOT_FOUND;
    }
    if (kind == REDIR_KIND_ERR) {
        redir_err e;
        if (redir_err_decode(&e, NULL, payload, len, caps) != REDIR_OK || e.is_progress) {
            return false;
        }
        return redir_redirect_from_err(&ins, NULL, &e, 0) != REDIR_NOT_FOUND;
    }
    return false;
}
