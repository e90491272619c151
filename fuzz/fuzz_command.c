/* Command-phase codecs: client commands, COM_STMT_EXECUTE parameters,
 * column counts, column definitions and prepare-OK. Whatever decodes must
 * stay inside the input, re-encode with exact sizing, decode again from its
 * own encoding, and re-encode to the same bytes; it reproduces the input
 * exactly when no length-encoded integer was longer than needed.
 *
 * Input: 8 bytes of capabilities (little-endian), a selector byte (low three
 * bits: 0 command, 1 column definition, 2 column count, 3 prepare-OK,
 * 4 COM_STMT_EXECUTE parameters, which take two more bytes: the parameter
 * count and the flags), then the payload. */
#include "fuzz_common.h"

typedef struct ctx {
    int which;
    uint64_t caps;
    redir_command cmd;
    redir_column_def def;
    redir_column_count count;
    redir_prepare_ok prep;
} ctx;

static redir_status enc(uint8_t *buf, size_t cap, size_t *out_len, const void *p) {
    const ctx *c = p;
    switch (c->which) {
    case 0:
        return redir_command_encode(buf, cap, out_len, &c->cmd, c->caps);
    case 1:
        return redir_column_def_encode(buf, cap, out_len, &c->def, c->caps);
    case 2:
        return redir_column_count_encode(buf, cap, out_len, &c->count, c->caps);
    default:
        return redir_prepare_ok_encode(buf, cap, out_len, &c->prep, c->caps);
    }
}

static redir_status dec(ctx *c, redir_diag *d, const uint8_t *in, size_t n) {
    switch (c->which) {
    case 0:
        return redir_command_decode(&c->cmd, d, in, n, c->caps);
    case 1:
        return redir_column_def_decode(&c->def, d, in, n, c->caps);
    case 2:
        return redir_column_count_decode(&c->count, d, in, n, c->caps);
    default:
        return redir_prepare_ok_decode(&c->prep, d, in, n, c->caps);
    }
}

static void walk_params(const redir_params *ps, const uint8_t *data, size_t size) {
    redir_param_iter it;
    redir_param p;
    redir_status st;
    redir_diag d;
    FUZZ_CHECK(fuzz_span_inside(ps->null_bitmap, data, size));
    FUZZ_CHECK(fuzz_span_inside(ps->types, data, size));
    FUZZ_CHECK(fuzz_span_inside(ps->values, data, size));
    redir_param_iter_init(&it, ps);
    uint64_t n = 0;
    fuzz_lib_enter();
    while ((st = redir_param_next(&it, &p, &d)) == REDIR_OK) {
        FUZZ_CHECK(fuzz_span_inside(p.name, data, size) && fuzz_span_inside(p.value, data, size));
        FUZZ_CHECK(!p.is_null || p.value.len == 0);
        n++;
    }
    fuzz_lib_leave();
    FUZZ_CHECK(n <= ps->count);
    FUZZ_CHECK(st == REDIR_DONE ? n == ps->count : redir_status_is_error(st));
    /* Failing again gives the same answer: the iterator did not move. */
    if (st != REDIR_DONE) {
        FUZZ_CHECK(redir_param_next(&it, &p, NULL) == st);
    }
}

static void check_views(const ctx *c, const uint8_t *data, size_t size) {
    if (c->which == 0) {
        const redir_command *m = &c->cmd;
        FUZZ_CHECK(size > 0 && m->command == data[0]);
        FUZZ_CHECK(m->body.len == size - 1 && m->body.ptr == data + 1);
        switch (m->command) {
        case REDIR_COM_QUERY:
            FUZZ_CHECK(fuzz_span_inside(m->as.query.sql, data, size));
            FUZZ_CHECK(m->as.query.has_attributes ==
                       ((c->caps & REDIR_CLIENT_QUERY_ATTRIBUTES) != 0));
            walk_params(&m->as.query.attributes, data, size);
            break;
        case REDIR_COM_CHANGE_USER: {
            const redir_com_change_user *u = &m->as.change_user;
            FUZZ_CHECK(fuzz_span_inside(u->user, data, size) &&
                       fuzz_span_inside(u->auth_response, data, size) &&
                       fuzz_span_inside(u->database, data, size) &&
                       fuzz_span_inside(u->auth_plugin, data, size) &&
                       fuzz_span_inside(u->attributes, data, size));
            FUZZ_CHECK(!u->has_auth_plugin || (c->caps & REDIR_CLIENT_PLUGIN_AUTH));
            FUZZ_CHECK(!u->has_attributes || (c->caps & REDIR_CLIENT_CONNECT_ATTRS));
            break;
        }
        case REDIR_COM_FIELD_LIST:
            FUZZ_CHECK(memchr(m->as.field_list.table.ptr, 0, m->as.field_list.table.len) == NULL ||
                       m->as.field_list.table.len == 0);
            break;
        default:
            break;
        }
    } else if (c->which == 1) {
        const redir_column_def *d = &c->def;
        const redir_span s[] = {d->catalog, d->schema, d->table, d->org_table, d->name,
                                d->org_name, d->ext_metadata, d->default_value};
        for (size_t i = 0; i < sizeof s / sizeof s[0]; i++) {
            FUZZ_CHECK(fuzz_span_inside(s[i], data, size));
        }
        FUZZ_CHECK(d->has_ext_metadata == ((c->caps & REDIR_MARIADB_CLIENT_EXTENDED_METADATA) != 0));
        redir_span rest = d->ext_metadata;
        uint8_t type;
        redir_span v;
        redir_status st;
        while ((st = redir_column_ext_next(&rest, &type, &v, NULL)) == REDIR_OK) {
            FUZZ_CHECK(fuzz_span_inside(v, data, size));
        }
        FUZZ_CHECK(st == REDIR_DONE); /* the decoder walked the pairs */
    } else if (c->which == 2) {
        FUZZ_CHECK(c->count.count > 0 && c->count.count <= 0xFFFF);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 9) {
        return 0;
    }
    ctx c;
    memset(&c, 0, sizeof c);
    for (int i = 0; i < 8; i++) {
        c.caps |= (uint64_t)data[i] << (8 * i);
    }
    c.which = data[8] & 7;
    data += 9;
    size -= 9;
    redir_diag d = {0, 0};
    if (c.which >= 4) {
        if (size < 2) {
            return 0;
        }
        uint64_t count = data[0];
        uint8_t flags = data[1];
        data += 2;
        size -= 2;
        redir_params ps;
        fuzz_lib_enter();
        redir_status st = redir_stmt_execute_params_decode(&ps, &d, data, size, count, flags, c.caps);
        fuzz_lib_leave();
        if (st != REDIR_OK) {
            FUZZ_CHECK(redir_status_is_error(st) && d.offset <= size && ps.count == 0);
            FUZZ_CHECK(st != REDIR_E_TRUNCATED || d.needed > 0);
            return 0;
        }
        walk_params(&ps, data, size);
        return 0;
    }
    fuzz_lib_enter();
    redir_status st = dec(&c, &d, data, size);
    fuzz_lib_leave();
    FUZZ_CHECK(redir_status_name(st) != NULL);
    ctx c2 = c;
    FUZZ_CHECK(dec(&c2, NULL, data, size) == st);
    if (st != REDIR_OK) {
        FUZZ_CHECK(redir_status_is_error(st) && d.offset <= size);
        FUZZ_CHECK(st != REDIR_E_TRUNCATED || d.needed > 0);
        FUZZ_CHECK(st != REDIR_E_TRAILING || d.offset < size);
        ctx zero;
        memset(&zero, 0, sizeof zero);
        FUZZ_CHECK(memcmp(&c.cmd, &zero.cmd, sizeof c.cmd) == 0 &&
                   memcmp(&c.def, &zero.def, sizeof c.def) == 0 &&
                   memcmp(&c.count, &zero.count, sizeof c.count) == 0 &&
                   memcmp(&c.prep, &zero.prep, sizeof c.prep) == 0);
        return 0;
    }
    check_views(&c, data, size);
    const uint8_t *out;
    size_t out_len;
    if (!fuzz_encode_checked(enc, &c, &out, &out_len)) {
        return 0;
    }
    FUZZ_CHECK(out_len <= size);
    if (out_len == size) {
        FUZZ_CHECK(memcmp(out, data, size) == 0);
    }
    /* The encoding decodes again and is a fixed point. */
    static uint8_t first[FUZZ_ENC_MAX];
    memcpy(first, out, out_len);
    ctx again = c;
    fuzz_lib_enter();
    st = dec(&again, &d, first, out_len);
    fuzz_lib_leave();
    FUZZ_CHECK(st == REDIR_OK);
    const uint8_t *out2;
    size_t out2_len;
    FUZZ_CHECK(fuzz_encode_checked(enc, &again, &out2, &out2_len));
    FUZZ_CHECK(out2_len == out_len && memcmp(out2, first, out_len) == 0);
    return 0;
}
