/* Field-by-field equality of decoded packets, comparing spans by content. */
#ifndef REDIR_FUZZ_EQ_H
#define REDIR_FUZZ_EQ_H

#include <string.h>

#include "redir/redir.h"

static inline int span_eq(redir_span a, redir_span b) {
    return a.len == b.len && (a.len == 0 || memcmp(a.ptr, b.ptr, a.len) == 0);
}

static inline int greeting_eq(const redir_greeting *a, const redir_greeting *b) {
    return a->protocol_version == b->protocol_version &&
           span_eq(a->server_version, b->server_version) && a->connection_id == b->connection_id &&
           span_eq(a->auth_data1, b->auth_data1) && a->filler == b->filler &&
           a->capabilities == b->capabilities && a->has_ext == b->has_ext &&
           a->charset == b->charset && a->status == b->status &&
           a->auth_data_len == b->auth_data_len &&
           memcmp(a->reserved, b->reserved, sizeof a->reserved) == 0 &&
           span_eq(a->auth_data2, b->auth_data2) && span_eq(a->auth_plugin, b->auth_plugin) &&
           a->auth_plugin_nul == b->auth_plugin_nul;
}

static inline int response_eq(const redir_handshake_response *a,
                              const redir_handshake_response *b) {
    return a->capabilities == b->capabilities && a->max_packet == b->max_packet &&
           a->charset == b->charset && memcmp(a->filler, b->filler, sizeof a->filler) == 0 &&
           span_eq(a->user, b->user) && span_eq(a->auth_response, b->auth_response) &&
           a->has_database == b->has_database && span_eq(a->database, b->database) &&
           a->has_auth_plugin == b->has_auth_plugin && span_eq(a->auth_plugin, b->auth_plugin) &&
           a->has_attributes == b->has_attributes && span_eq(a->attributes, b->attributes) &&
           a->has_zstd_level == b->has_zstd_level && a->zstd_level == b->zstd_level;
}

static inline int ok_eq(const redir_ok *a, const redir_ok *b) {
    return a->header == b->header && a->affected_rows == b->affected_rows &&
           a->last_insert_id == b->last_insert_id && a->has_status == b->has_status &&
           a->status == b->status && a->has_warnings == b->has_warnings &&
           a->warnings == b->warnings && a->info_form == b->info_form &&
           span_eq(a->info, b->info) && a->has_session_state == b->has_session_state &&
           span_eq(a->session_state, b->session_state);
}

static inline int err_eq(const redir_err *a, const redir_err *b) {
    return a->code == b->code && a->has_sql_state == b->has_sql_state &&
           span_eq(a->sql_state, b->sql_state) && span_eq(a->message, b->message) &&
           a->is_progress == b->is_progress && a->progress_strings == b->progress_strings &&
           a->stage == b->stage && a->max_stage == b->max_stage && a->progress == b->progress &&
           span_eq(a->progress_info, b->progress_info);
}

static inline int entry_eq(const redir_session_entry *a, const redir_session_entry *b) {
    return a->type == b->type && span_eq(a->data, b->data) && span_eq(a->name, b->name) &&
           span_eq(a->value, b->value) && span_eq(a->more_pairs, b->more_pairs) &&
           a->gtid_spec == b->gtid_spec && a->state_change_nested == b->state_change_nested;
}

#endif
