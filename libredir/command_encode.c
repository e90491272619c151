#include "command_internal.h"
#include "redir/wire.h"

#define AUTH_LEN_MAX 255

static bool attrs_ok(redir_span block) {
    redir_attr_iter it;
    redir_span key, value;
    redir_status st;
    redir_attr_iter_init(&it, block);
    while ((st = redir_attr_next(&it, &key, &value, NULL)) == REDIR_OK) {
    }
    return st == REDIR_DONE;
}

static redir_status check_query(const redir_com_query *q, uint64_t caps) {
    bool attrs = (caps & REDIR_CLIENT_QUERY_ATTRIBUTES) != 0;
    if (!redir__span_ok(q->sql) || q->has_attributes != attrs) {
        return REDIR_E_INVALID_ARGUMENT;
    }
    if (!attrs) {
        return q->param_set_count == 0 && q->attributes.count == 0 ? REDIR_OK
                                                                  : REDIR_E_INVALID_ARGUMENT;
    }
    return cmd_params_valid(&q->attributes, q->attributes.count > 0) ? REDIR_OK
                                                                     : REDIR_E_INVALID_ARGUMENT;
}

static redir_status check_change_user(const redir_com_change_user *c, uint64_t caps) {
    if (!redir__span_ok(c->user) || !redir__span_ok(c->auth_response) || !redir__span_ok(c->database) ||
        !redir__span_ok(c->auth_plugin) || !redir__span_ok(c->attributes) || cmd_has_nul(c->user) ||
        cmd_has_nul(c->database) || cmd_has_nul(c->auth_plugin)) {
        return REDIR_E_INVALID_ARGUMENT;
    }
    if ((caps & REDIR_CLIENT_SECURE_CONNECTION) != 0) {
        if (c->auth_response.len > AUTH_LEN_MAX) {
            return REDIR_E_FIELD_TOO_LONG;
        }
    } else if (cmd_has_nul(c->auth_response)) {
        return REDIR_E_INVALID_ARGUMENT;
    }
    bool plugin_cap = (caps & REDIR_CLIENT_PLUGIN_AUTH) != 0;
    bool attrs_cap = (caps & REDIR_CLIENT_CONNECT_ATTRS) != 0;
    if ((!c->has_charset && c->charset != 0) || (!c->has_auth_plugin && c->auth_plugin.len > 0) ||
        (!c->has_attributes && c->attributes.len > 0) || (c->has_auth_plugin && !plugin_cap) ||
        (c->has_attributes && !attrs_cap) ||
        ((c->has_auth_plugin || c->has_attributes) && !c->has_charset)) {
        return REDIR_E_INVALID_ARGUMENT;
    }
    /* Attributes right after the charset would be read as a plugin name. */
    if (c->has_attributes && plugin_cap && !c->has_auth_plugin) {
        return REDIR_E_INVALID_ARGUMENT;
    }
    if (c->has_attributes && !attrs_ok(c->attributes)) {
        return REDIR_E_INVALID_ARGUMENT;
    }
    if (c->attributes_len_size != 0 &&
        (!c->has_attributes || c->attributes_len_size < redir_lenenc_size(c->attributes.len) ||
         (c->attributes_len_size != 1 && c->attributes_len_size != 3 &&
          c->attributes_len_size != 4 && c->attributes_len_size != 9))) {
        return REDIR_E_INVALID_ARGUMENT;
    }
    return REDIR_OK;
}

/* write_lenenc_sized writes v with a prefix of `size` bytes (0: minimal);
 * the caller checked that v fits. */
static void write_lenenc_sized(wr *w, uint64_t v, uint8_t size) {
    switch (size) {
    case 3:
        wr_u8(w, 0xFC);
        wr_uint(w, v, 2);
        break;
    case 4:
        wr_u8(w, 0xFD);
        wr_uint(w, v, 3);
        break;
    case 9:
        wr_u8(w, 0xFE);
        wr_uint(w, v, 8);
        break;
    default:
        wr_lenenc(w, v);
        break;
    }
}

static redir_status check(const redir_command *c, uint64_t caps) {
    switch (c->command) {
    case REDIR_COM_QUERY:
        return check_query(&c->as.query, caps);
    case REDIR_COM_INIT_DB:
    case REDIR_COM_STMT_PREPARE:
    case REDIR_COM_CREATE_DB:
    case REDIR_COM_DROP_DB:
        return redir__span_ok(c->as.text) ? REDIR_OK : REDIR_E_INVALID_ARGUMENT;
    case REDIR_COM_CHANGE_USER:
        return check_change_user(&c->as.change_user, caps);
    case REDIR_COM_STMT_EXECUTE:
        return redir__span_ok(c->as.stmt_execute.params) ? REDIR_OK : REDIR_E_INVALID_ARGUMENT;
    case REDIR_COM_STMT_SEND_LONG_DATA:
        return redir__span_ok(c->as.long_data.data) ? REDIR_OK : REDIR_E_INVALID_ARGUMENT;
    case REDIR_COM_STMT_BULK_EXECUTE:
        return redir__span_ok(c->as.bulk.data) ? REDIR_OK : REDIR_E_INVALID_ARGUMENT;
    case REDIR_COM_FIELD_LIST:
        return redir__span_ok(c->as.field_list.table) && redir__span_ok(c->as.field_list.wildcard) &&
                       !cmd_has_nul(c->as.field_list.table)
                   ? REDIR_OK
                   : REDIR_E_INVALID_ARGUMENT;
    case REDIR_COM_STMT_CLOSE:
    case REDIR_COM_STMT_RESET:
    case REDIR_COM_STMT_FETCH:
    case REDIR_COM_PROCESS_KILL:
    case REDIR_COM_SET_OPTION:
        return REDIR_OK;
    default:
        return cmd_no_body(c->command) || redir__span_ok(c->body) ? REDIR_OK
                                                               : REDIR_E_INVALID_ARGUMENT;
    }
}

static void write_change_user(wr *w, const redir_com_change_user *c, uint64_t caps) {
    wr_span(w, c->user);
    wr_u8(w, 0);
    if ((caps & REDIR_CLIENT_SECURE_CONNECTION) != 0) {
        wr_u8(w, (uint8_t)c->auth_response.len);
        wr_span(w, c->auth_response);
    } else {
        wr_span(w, c->auth_response);
        wr_u8(w, 0);
    }
    wr_span(w, c->database);
    wr_u8(w, 0);
    if (c->has_charset) {
        wr_uint(w, c->charset, 2);
    }
    if (c->has_auth_plugin) {
        wr_span(w, c->auth_plugin);
        wr_u8(w, 0);
    }
    if (c->has_attributes) {
        write_lenenc_sized(w, c->attributes.len, c->attributes_len_size);
        wr_span(w, c->attributes);
    }
}

static void write_body(wr *w, const redir_command *c, uint64_t caps) {
    switch (c->command) {
    case REDIR_COM_QUERY:
        if (c->as.query.has_attributes) {
            wr_lenenc(w, c->as.query.attributes.count);
            wr_lenenc(w, c->as.query.param_set_count);
            cmd_params_write(w, &c->as.query.attributes);
        }
        wr_span(w, c->as.query.sql);
        break;
    case REDIR_COM_INIT_DB:
    case REDIR_COM_STMT_PREPARE:
    case REDIR_COM_CREATE_DB:
    case REDIR_COM_DROP_DB:
        wr_span(w, c->as.text);
        break;
    case REDIR_COM_CHANGE_USER:
        write_change_user(w, &c->as.change_user, caps);
        break;
    case REDIR_COM_STMT_EXECUTE:
        wr_uint(w, c->as.stmt_execute.statement_id, 4);
        wr_u8(w, c->as.stmt_execute.flags);
        wr_uint(w, c->as.stmt_execute.iteration_count, 4);
        wr_span(w, c->as.stmt_execute.params);
        break;
    case REDIR_COM_STMT_CLOSE:
    case REDIR_COM_STMT_RESET:
        wr_uint(w, c->as.statement_id, 4);
        break;
    case REDIR_COM_STMT_FETCH:
        wr_uint(w, c->as.stmt_fetch.statement_id, 4);
        wr_uint(w, c->as.stmt_fetch.num_rows, 4);
        break;
    case REDIR_COM_STMT_SEND_LONG_DATA:
        wr_uint(w, c->as.long_data.statement_id, 4);
        wr_uint(w, c->as.long_data.param_id, 2);
        wr_span(w, c->as.long_data.data);
        break;
    case REDIR_COM_STMT_BULK_EXECUTE:
        wr_uint(w, c->as.bulk.statement_id, 4);
        wr_uint(w, c->as.bulk.flags, 2);
        wr_span(w, c->as.bulk.data);
        break;
    case REDIR_COM_FIELD_LIST:
        wr_span(w, c->as.field_list.table);
        wr_u8(w, 0);
        wr_span(w, c->as.field_list.wildcard);
        break;
    case REDIR_COM_PROCESS_KILL:
        wr_uint(w, c->as.connection_id, 4);
        break;
    case REDIR_COM_SET_OPTION:
        wr_uint(w, c->as.option, 2);
        break;
    default:
        if (!cmd_no_body(c->command)) {
            wr_span(w, c->body);
        }
        break;
    }
}

redir_status redir_command_encode(uint8_t *buf, size_t cap, size_t *out_len,
                                  const redir_command *c, uint64_t caps) {
    redir_status st = check(c, caps);
    if (st != REDIR_OK) {
        if (out_len != NULL) {
            *out_len = 0;
        }
        return st;
    }
    wr w = wr_init(buf, cap);
    wr_u8(&w, c->command);
    write_body(&w, c, caps);
    return wr_finish(&w, out_len);
}
