#include "command_internal.h"

#define FIXED_BLOCK_LEN 12
#define COLUMN_COUNT_MAX 0xFFFFu
#define NULL_MARKER 0xFB

static const uint64_t metadata_caps =
    REDIR_CLIENT_OPTIONAL_RESULTSET_METADATA | REDIR_MARIADB_CLIENT_CACHE_METADATA;

static redir_status count_decode(redir_column_count *c, redir_diag *diag, rd *r,
                                 uint64_t caps) {
    redir_status st = rd_lenenc(r, &c->count, diag);
    if (st != REDIR_OK) {
        return st;
    }
    if (c->count == 0 || c->count > COLUMN_COUNT_MAX) {
        return rd_fail(diag, REDIR_E_COLUMN_COUNT, 0, 0);
    }
    if ((caps & metadata_caps) != 0 && rd_left(r) > 0) {
        (void)rd_u8(r, &c->metadata_follows, NULL);
        c->has_metadata_follows = true;
    }
    if (rd_left(r) > 0) {
        return rd_fail(diag, REDIR_E_TRAILING, r->pos, 0);
    }
    return REDIR_OK;
}

redir_status redir_column_count_decode(redir_column_count *out, redir_diag *diag,
                                       const uint8_t *in, size_t in_len, uint64_t caps) {
    redir_column_count c;
    memset(&c, 0, sizeof c);
    rd r = rd_init(in, in_len);
    redir_status st = count_decode(&c, diag, &r, caps);
    if (st != REDIR_OK) {
        memset(&c, 0, sizeof c);
    }
    *out = c;
    return st;
}

redir_status redir_column_count_encode(uint8_t *buf, size_t cap, size_t *out_len,
                                       const redir_column_count *c, uint64_t caps) {
    if (c->count == 0 || c->count > COLUMN_COUNT_MAX ||
        (c->has_metadata_follows && (caps & metadata_caps) == 0) ||
        (!c->has_metadata_follows && c->metadata_follows != 0)) {
        if (out_len != NULL) {
            *out_len = 0;
        }
        return REDIR_E_INVALID_ARGUMENT;
    }
    wr w = wr_init(buf, cap);
    wr_lenenc(&w, c->count);
    if (c->has_metadata_follows) {
        wr_u8(&w, c->metadata_follows);
    }
    return wr_finish(&w, out_len);
}

redir_status redir_column_ext_next(redir_span *rest, uint8_t *type, redir_span *value,
                                   redir_diag *diag) {
    if (rest->len == 0) {
        return REDIR_DONE;
    }
    rd r = rd_init(rest->ptr, rest->len);
    redir_status st;
    if ((st = rd_u8(&r, type, diag)) != REDIR_OK ||
        (st = rd_lenenc_str(&r, value, diag)) != REDIR_OK) {
        return st;
    }
    rest->ptr += r.pos;
    rest->len -= r.pos;
    return REDIR_OK;
}

static redir_status ext_walk(redir_span block, size_t block_off, redir_diag *diag) {
    redir_span rest = block;
    uint8_t type;
    redir_span value;
    redir_diag inner = {0, 0};
    redir_status st;
    while ((st = redir_column_ext_next(&rest, &type, &value, &inner)) == REDIR_OK) {
    }
    if (st == REDIR_DONE) {
        return REDIR_OK;
    }
    return rd_fail(diag, st, block_off + (size_t)(rest.ptr - block.ptr) + inner.offset,
                   inner.needed);
}

static redir_status def_decode(redir_column_def *d, redir_diag *diag, rd *r, uint64_t caps) {
    redir_status st;
    redir_span *names[] = {&d->catalog, &d->schema, &d->table,
                           &d->org_table, &d->name, &d->org_name};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        if ((st = rd_lenenc_str(r, names[i], diag)) != REDIR_OK) {
            return st;
        }
    }
    if ((caps & REDIR_MARIADB_CLIENT_EXTENDED_METADATA) != 0) {
        if ((st = rd_lenenc_str(r, &d->ext_metadata, diag)) != REDIR_OK) {
            return st;
        }
        d->has_ext_metadata = true;
        size_t off = r->pos - d->ext_metadata.len;
        if ((st = ext_walk(d->ext_metadata, off, diag)) != REDIR_OK) {
            return st;
        }
    }
    size_t fixed_at = r->pos;
    uint64_t fixed;
    if ((st = rd_lenenc(r, &fixed, diag)) != REDIR_OK) {
        return st;
    }
    if (fixed != FIXED_BLOCK_LEN) {
        return rd_fail(diag, REDIR_E_COLUMN_DEF, fixed_at, 0);
    }
    if ((st = rd_u16(r, &d->charset, diag)) != REDIR_OK ||
        (st = rd_u32(r, &d->column_length, diag)) != REDIR_OK ||
        (st = rd_u8(r, &d->type, diag)) != REDIR_OK ||
        (st = rd_u16(r, &d->flags, diag)) != REDIR_OK ||
        (st = rd_u8(r, &d->decimals, diag)) != REDIR_OK ||
        (st = rd_u16(r, &d->reserved, diag)) != REDIR_OK) {
        return st;
    }
    if (rd_left(r) == 0) {
        return REDIR_OK;
    }
    d->has_default = true;
    if (r->base[r->pos] == NULL_MARKER) {
        r->pos++;
        d->default_is_null = true;
    } else if ((st = rd_lenenc_str(r, &d->default_value, diag)) != REDIR_OK) {
        return st;
    }
    if (rd_left(r) > 0) {
        return rd_fail(diag, REDIR_E_TRAILING, r->pos, 0);
    }
    return REDIR_OK;
}

redir_status redir_column_def_decode(redir_column_def *out, redir_diag *diag, const uint8_t *in,
                                     size_t in_len, uint64_t caps) {
    redir_column_def d;
    memset(&d, 0, sizeof d);
    rd r = rd_init(in, in_len);
    redir_status st = def_decode(&d, diag, &r, caps);
    if (st != REDIR_OK) {
        memset(&d, 0, sizeof d);
    }
    *out = d;
    return st;
}

static bool def_encodable(const redir_column_def *d, uint64_t caps) {
    const redir_span spans[] = {d->catalog, d->schema,       d->table,        d->org_table,
                                d->name,    d->org_name,     d->ext_metadata, d->default_value};
    for (size_t i = 0; i < sizeof spans / sizeof spans[0]; i++) {
        if (!redir__span_ok(spans[i])) {
            return false;
        }
    }
    bool ext = (caps & REDIR_MARIADB_CLIENT_EXTENDED_METADATA) != 0;
    if (d->has_ext_metadata != ext || (!ext && d->ext_metadata.len > 0)) {
        return false;
    }
    if (ext && ext_walk(d->ext_metadata, 0, NULL) != REDIR_OK) {
        return false;
    }
    if ((!d->has_default && (d->default_is_null || d->default_value.len > 0)) ||
        (d->default_is_null && d->default_value.len > 0)) {
        return false;
    }
    return true;
}

redir_status redir_column_def_encode(uint8_t *buf, size_t cap, size_t *out_len,
                                     const redir_column_def *d, uint64_t caps) {
    if (!def_encodable(d, caps)) {
        if (out_len != NULL) {
            *out_len = 0;
        }
        return REDIR_E_INVALID_ARGUMENT;
    }
    wr w = wr_init(buf, cap);
    wr_lenenc_str(&w, d->catalog);
    wr_lenenc_str(&w, d->schema);
    wr_lenenc_str(&w, d->table);
    wr_lenenc_str(&w, d->org_table);
    wr_lenenc_str(&w, d->name);
    wr_lenenc_str(&w, d->org_name);
    if (d->has_ext_metadata) {
        wr_lenenc_str(&w, d->ext_metadata);
    }
    wr_lenenc(&w, FIXED_BLOCK_LEN);
    wr_uint(&w, d->charset, 2);
    wr_uint(&w, d->column_length, 4);
    wr_u8(&w, d->type);
    wr_uint(&w, d->flags, 2);
    wr_u8(&w, d->decimals);
    wr_uint(&w, d->reserved, 2);
    if (d->default_is_null) {
        wr_u8(&w, NULL_MARKER);
    } else if (d->has_default) {
        wr_lenenc_str(&w, d->default_value);
    }
    return wr_finish(&w, out_len);
}
