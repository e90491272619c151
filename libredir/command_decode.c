#include "command_internal.h"

static redir_status decode_query(redir_com_query *q, redir_diag *diag, rd *r, uint64_t caps) {
    redir_status st;
    if ((caps & REDIR_CLIENT_QUERY_ATTRIBUTES) != 0) {
        q->has_attributes = true;
        if ((st = rd_lenenc(r, &q->attributes.count, diag)) != REDIR_OK ||
            (st = rd_lenenc(r, &q->param_set_count, diag)) != REDIR_OK ||
            (st = cmd_params_read(&q->attributes, diag, r, true, true,
                                  REDIR_E_QUERY_ATTRIBUTES)) != REDIR_OK) {
            return st;
        }
    }
    q->sql = rd_rest(r);
    return REDIR_OK;
}

static redir_status check_attrs(redir_span block, size_t block_off, redir_diag *diag) {
    redir_attr_iter it;
    redir_span key, value;
    redir_diag inner = {0, 0};
    redir_status st;
    redir_attr_iter_init(&it, block);
    while ((st = redir_attr_next(&it, &key, &value, &inner)) == REDIR_OK) {
    }
    return st == REDIR_DONE ? REDIR_OK
                            : rd_fail(diag, REDIR_E_BAD_ATTRIBUTES, block_off + inner.offset, 0);
}

static redir_status decode_change_user(redir_com_change_user *c, redir_diag *diag, rd *r,
                                       uint64_t caps) {
    redir_status st;
    if ((st = rd_nul_str(r, &c->user, diag)) != REDIR_OK) {
        return st;
    }
    if ((caps & REDIR_CLIENT_SECURE_CONNECTION) != 0) {
        uint8_t n;
        if ((st = rd_u8(r, &n, diag)) != REDIR_OK ||
            (st = rd_bytes(r, n, &c->auth_response, diag)) != REDIR_OK) {
            return st;
        }
    } else if ((st = rd_nul_str(r, &c->auth_response, diag)) != REDIR_OK) {
        return st;
    }
    if ((st = rd_nul_str(r, &c->database, diag)) != REDIR_OK) {
        return st;
    }
    /* Each optional field is there only when bytes remain. */
    if (rd_left(r) == 0) {
        return REDIR_OK;
    }
    if (rd_left(r) == 1) {
        return rd_fail(diag, REDIR_E_TRAILING, r->pos, 0);
    }
    if ((st = rd_u16(r, &c->charset, diag)) != REDIR_OK) {
        return st;
    }
    c->has_charset = true;
    if ((caps & REDIR_CLIENT_PLUGIN_AUTH) != 0 && rd_left(r) > 0) {
        if ((st = rd_nul_str(r, &c->auth_plugin, diag)) != REDIR_OK) {
            return st;
        }
        c->has_auth_plugin = true;
    }
    if ((caps & REDIR_CLIENT_CONNECT_ATTRS) != 0 && rd_left(r) > 0) {
        size_t start = r->pos;
        if ((st = rd_lenenc_str(r, &c->attributes, diag)) != REDIR_OK) {
            return st;
        }
        size_t block_off = r->pos - c->attributes.len;
        c->attributes_len_size = (uint8_t)(block_off - start);
        if ((st = check_attrs(c->attributes, block_off, diag)) != REDIR_OK) {
            return st;
        }
        c->has_attributes = true;
    }
    return REDIR_OK;
}

static redir_status decode_body(redir_command *c, redir_diag *diag, rd *r, uint64_t caps) {
    redir_status st = REDIR_OK;
    switch (c->command) {
    case REDIR_COM_QUERY:
        return decode_query(&c->as.query, diag, r, caps);
    case REDIR_COM_INIT_DB:
    case REDIR_COM_STMT_PREPARE:
    case REDIR_COM_CREATE_DB:
    case REDIR_COM_DROP_DB:
        c->as.text = rd_rest(r);
        return REDIR_OK;
    case REDIR_COM_CHANGE_USER:
        st = decode_change_user(&c->as.change_user, diag, r, caps);
        break;
    case REDIR_COM_STMT_EXECUTE: {
        redir_com_stmt_execute *e = &c->as.stmt_execute;
        if ((st = rd_u32(r, &e->statement_id, diag)) != REDIR_OK ||
            (st = rd_u8(r, &e->flags, diag)) != REDIR_OK ||
            (st = rd_u32(r, &e->iteration_count, diag)) != REDIR_OK) {
            return st;
        }
        e->params = rd_rest(r);
        return REDIR_OK;
    }
    case REDIR_COM_STMT_CLOSE:
    case REDIR_COM_STMT_RESET:
        st = rd_u32(r, &c->as.statement_id, diag);
        break;
    case REDIR_COM_STMT_FETCH:
        if ((st = rd_u32(r, &c->as.stmt_fetch.statement_id, diag)) == REDIR_OK) {
            st = rd_u32(r, &c->as.stmt_fetch.num_rows, diag);
        }
        break;
    case REDIR_COM_STMT_SEND_LONG_DATA:
        if ((st = rd_u32(r, &c->as.long_data.statement_id, diag)) != REDIR_OK ||
            (st = rd_u16(r, &c->as.long_data.param_id, diag)) != REDIR_OK) {
            return st;
        }
        c->as.long_data.data = rd_rest(r);
        return REDIR_OK;
    case REDIR_COM_STMT_BULK_EXECUTE:
        if ((st = rd_u32(r, &c->as.bulk.statement_id, diag)) != REDIR_OK ||
            (st = rd_u16(r, &c->as.bulk.flags, diag)) != REDIR_OK) {
            return st;
        }
        c->as.bulk.data = rd_rest(r);
        return REDIR_OK;
    case REDIR_COM_FIELD_LIST:
        if ((st = rd_nul_str(r, &c->as.field_list.table, diag)) != REDIR_OK) {
            return st;
        }
        c->as.field_list.wildcard = rd_rest(r);
        return REDIR_OK;
    case REDIR_COM_PROCESS_KILL:
        st = rd_u32(r, &c->as.connection_id, diag);
        break;
    case REDIR_COM_SET_OPTION:
        st = rd_u16(r, &c->as.option, diag);
        break;
    default:
        if (!cmd_no_body(c->command)) {
            (void)rd_rest(r);
            return REDIR_OK;
        }
        break;
    }
    if (st == REDIR_OK && rd_left(r) > 0) {
        return rd_fail(diag, REDIR_E_TRAILING, r->pos, 0);
    }
    return st;
}

redir_status redir_command_decode(redir_command *out, redir_diag *diag, const uint8_t *in,
                                  size_t in_len, uint64_t caps) {
    redir_command c;
    memset(&c, 0, sizeof c);
    rd r = rd_init(in, in_len);
    redir_status st;
    if (in_len == 0) {
        st = rd_fail(diag, REDIR_E_EMPTY_PACKET, 0, 0);
    } else {
        (void)rd_u8(&r, &c.command, NULL);
        c.body = redir_span_of(in + 1, in_len - 1);
        st = decode_body(&c, diag, &r, caps);
    }
    if (st != REDIR_OK) {
        memset(&c, 0, sizeof c);
    }
    *out = c;
    return st;
}

redir_status redir_stmt_execute_params_decode(redir_params *out, redir_diag *diag,
                                              const uint8_t *in, size_t in_len,
                                              uint64_t param_count, uint8_t flags,
                                              uint64_t caps) {
    redir_params p;
    memset(&p, 0, sizeof p);
    rd r = rd_init(in, in_len);
    bool attrs = (caps & REDIR_CLIENT_QUERY_ATTRIBUTES) != 0;
    redir_status st = REDIR_OK;
    p.count = param_count;
    if (param_count > 0 || (attrs && (flags & REDIR_PARAMETER_COUNT_AVAILABLE) != 0)) {
        if (attrs) {
            st = rd_lenenc(&r, &p.count, diag);
        }
        if (st == REDIR_OK) {
            st = cmd_params_read(&p, diag, &r, attrs, false, REDIR_E_STMT_PARAMS);
        }
    }
    if (st == REDIR_OK && p.count == 0 && rd_left(&r) > 0) {
        st = rd_fail(diag, REDIR_E_TRAILING, r.pos, 0);
    }
    if (st != REDIR_OK) {
        memset(&p, 0, sizeof p);
    }
    *out = p;
    return st;
}
