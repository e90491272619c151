#include "command_internal.h"

#define UNSIGNED_FLAG 0x80

/* fixed_size: bytes of a fixed-width binary value, or -1 for the types that
 * carry their own length. */
static int fixed_size(uint8_t type) {
    switch (type) {
    case REDIR_TYPE_NULL:
        return 0;
    case REDIR_TYPE_TINY:
        return 1;
    case REDIR_TYPE_SHORT:
    case REDIR_TYPE_YEAR:
        return 2;
    case REDIR_TYPE_LONG:
    case REDIR_TYPE_INT24:
    case REDIR_TYPE_FLOAT:
        return 4;
    case REDIR_TYPE_LONGLONG:
    case REDIR_TYPE_DOUBLE:
        return 8;
    default:
        return -1;
    }
}

static bool temporal(uint8_t type) {
    return type == REDIR_TYPE_DATE || type == REDIR_TYPE_TIME || type == REDIR_TYPE_DATETIME ||
           type == REDIR_TYPE_TIMESTAMP;
}

static redir_status value_size(rd *r, uint8_t type, size_t *out, redir_diag *diag) {
    size_t start = r->pos;
    int fixed = fixed_size(type);
    const uint8_t *p;
    redir_status st;
    if (fixed >= 0) {
        st = rd_take(r, (size_t)fixed, &p, diag);
    } else if (temporal(type)) {
        uint8_t n;
        st = rd_u8(r, &n, diag);
        if (st == REDIR_OK && (st = rd_take(r, n, &p, diag)) != REDIR_OK) {
            r->pos = start;
        }
    } else {
        redir_span s;
        st = rd_lenenc_str(r, &s, diag);
    }
    if (st == REDIR_OK) {
        *out = r->pos - start;
    }
    return st;
}

redir_status redir_binary_value_size(size_t *out_size, redir_diag *diag, const uint8_t *in,
                                     size_t in_len, uint8_t type) {
    rd r = rd_init(in, in_len);
    *out_size = 0;
    return value_size(&r, type, out_size, diag);
}

static bool is_null(const redir_params *p, uint64_t i) {
    return ((p->null_bitmap.ptr[i / 8] >> (i % 8)) & 1) != 0;
}

/* read_type reads one type entry (and its name) from the types cursor. */
static redir_status read_type(rd *t, bool named, uint8_t *type, uint8_t *flags, redir_span *name,
                              redir_diag *diag) {
    redir_status st;
    if ((st = rd_u8(t, type, diag)) != REDIR_OK || (st = rd_u8(t, flags, diag)) != REDIR_OK) {
        return st;
    }
    name->ptr = NULL;
    name->len = 0;
    if (named) {
        return rd_lenenc_str(t, name, diag);
    }
    return REDIR_OK;
}

void redir_param_iter_init(redir_param_iter *it, const redir_params *params) {
    memset(it, 0, sizeof *it);
    it->params = *params;
}

redir_status redir_param_next(redir_param_iter *it, redir_param *out, redir_diag *diag) {
    const redir_params *p = &it->params;
    memset(out, 0, sizeof *out);
    if (it->index >= p->count) {
        return REDIR_DONE;
    }
    if (p->new_params_bound != 1 || p->null_bitmap.len * 8 < p->count) {
        return rd_fail(diag, REDIR_E_STMT_PARAMS, 0, 0);
    }
    rd t = rd_init(p->types.ptr, p->types.len);
    t.pos = it->types_pos;
    rd v = rd_init(p->values.ptr, p->values.len);
    v.pos = it->values_pos;
    redir_param q;
    memset(&q, 0, sizeof q);
    redir_status st = read_type(&t, p->named, &q.type, &q.type_flags, &q.name, diag);
    if (st != REDIR_OK) {
        return st;
    }
    q.is_null = is_null(p, it->index);
    if (!q.is_null) {
        size_t start = v.pos;
        size_t n;
        if ((st = value_size(&v, q.type, &n, diag)) != REDIR_OK) {
            return st;
        }
        q.value = redir_span_of(p->values.ptr + start, n);
    }
    it->types_pos = t.pos;
    it->values_pos = v.pos;
    it->index++;
    *out = q;
    return REDIR_OK;
}

redir_status cmd_params_read(redir_params *p, redir_diag *diag, rd *r, bool named,
                             bool walk_values, redir_status bad_flag) {
    redir_status st;
    if (p->count == 0) {
        return REDIR_OK;
    }
    p->named = named;
    /* The bitmap size is bounded by the input, so a huge count fails here. */
    if (p->count > (uint64_t)rd_left(r) * 8) {
        return rd_fail(diag, REDIR_E_TRUNCATED, r->pos, 1);
    }
    size_t bitmap = (size_t)((p->count + 7) / 8);
    if ((st = rd_bytes(r, bitmap, &p->null_bitmap, diag)) != REDIR_OK) {
        return st;
    }
    size_t flag_at = r->pos;
    if ((st = rd_u8(r, &p->new_params_bound, diag)) != REDIR_OK) {
        return st;
    }
    p->has_bound_flag = true;
    if (p->new_params_bound > 1 || (walk_values && p->new_params_bound != 1)) {
        return rd_fail(diag, bad_flag, flag_at, 0);
    }
    if (p->new_params_bound == 1) {
        size_t types_at = r->pos;
        for (uint64_t i = 0; i < p->count; i++) {
            uint8_t type, flags;
            redir_span name;
            if ((st = read_type(r, named, &type, &flags, &name, diag)) != REDIR_OK) {
                return st;
            }
        }
        p->types = redir_span_of(r->base + types_at, r->pos - types_at);
    }
    if (!walk_values) {
        p->values = rd_rest(r);
        return REDIR_OK;
    }
    size_t values_at = r->pos;
    rd t = rd_init(p->types.ptr, p->types.len);
    for (uint64_t i = 0; i < p->count; i++) {
        uint8_t type = 0, flags = 0; /* set by read_type (-O3 cannot tell) */
        redir_span name;
        size_t n;
        /* The types were read above: this cannot fail. */
        (void)read_type(&t, named, &type, &flags, &name, NULL);
        if (!is_null(p, i) && (st = value_size(r, type, &n, diag)) != REDIR_OK) {
            return st;
        }
    }
    p->values = redir_span_of(r->base + values_at, r->pos - values_at);
    return REDIR_OK;
}

void cmd_params_write(wr *w, const redir_params *p) {
    if (p->count == 0) {
        return;
    }
    wr_span(w, p->null_bitmap);
    wr_u8(w, p->new_params_bound);
    wr_span(w, p->types);
    wr_span(w, p->values);
}

bool cmd_params_valid(const redir_params *p, bool named) {
    if (!redir__span_ok(p->null_bitmap) || !redir__span_ok(p->types) || !redir__span_ok(p->values) ||
        p->named != named) {
        return false;
    }
    if (p->count == 0) {
        return !p->has_bound_flag && p->new_params_bound == 0 && p->null_bitmap.len == 0 &&
               p->types.len == 0 && p->values.len == 0;
    }
    if (!p->has_bound_flag || p->new_params_bound != 1 || p->count > (uint64_t)SIZE_MAX / 2 ||
        p->null_bitmap.len != (size_t)((p->count + 7) / 8)) {
        return false;
    }
    /* The types must hold exactly count entries and the values exactly the
     * non-NULL values they describe. */
    redir_param_iter it;
    redir_param q;
    redir_status st;
    redir_param_iter_init(&it, p);
    while ((st = redir_param_next(&it, &q, NULL)) == REDIR_OK) {
    }
    return st == REDIR_DONE && it.types_pos == p->types.len && it.values_pos == p->values.len;
}
