/*
 * Command-phase codecs: capability negotiation, command names, the client
 * commands, binary parameters, column counts, column definitions and
 * prepare-OK. Capture bytes come from resp_vectors.h; every decodable payload
 * there is re-encoded byte for byte, and every prefix of it is decoded from
 * the end of a guard page.
 */
#include <criterion/criterion.h>
#include <criterion/new/assert.h>
#include <string.h>

#include "redir/command.h"
#include "resp_vectors.h"
#include "testutil.h"

static bool span_is(redir_span s, const char *text) {
    return s.len == strlen(text) && (s.len == 0 || memcmp(s.ptr, text, s.len) == 0);
}

static uint64_t caps_of(const capture *c) {
    return redir_caps_negotiate(c->server_caps, c->client_caps);
}

/* ------------------------------------------------------------ negotiation */

Test(caps, negotiate) {
    /* MariaDB both ways: the extended half is kept. */
    cr_assert(eq(u64, redir_caps_negotiate(UINT64_C(0x1d81fffffe), UINT64_C(0x1c01bea30a)),
                 UINT64_C(0x1c01bea30a)));
    /* A MySQL server (CLIENT_MYSQL set): only the low half counts. */
    cr_assert(eq(u64, redir_caps_negotiate(UINT64_C(0xdfffffff), UINT64_C(0x1c19ffa68d)),
                 UINT64_C(0x19ffa68d)));
    /* A client that kept CLIENT_MYSQL: the server never read its high half. */
    cr_assert(eq(u64, redir_caps_negotiate(UINT64_C(0x1d81fffffe), UINT64_C(0x1c00bfa28d)),
                 UINT64_C(0x00bfa28c)));
    cr_assert(eq(u64, redir_caps_negotiate(0, 0), 0));
    cr_assert(eq(u64, redir_caps_negotiate(UINT64_MAX & ~REDIR_CLIENT_MYSQL, UINT64_MAX & ~REDIR_CLIENT_MYSQL),
                 UINT64_MAX & ~REDIR_CLIENT_MYSQL));
}

Test(command, names) {
    cr_assert(strcmp(redir_com_name(REDIR_COM_QUERY), "query") == 0);
    cr_assert(strcmp(redir_com_name(REDIR_COM_STMT_SEND_LONG_DATA), "stmt-send-long-data") == 0);
    cr_assert(strcmp(redir_com_name(REDIR_COM_RESET_CONNECTION), "reset-connection") == 0);
    cr_assert(strcmp(redir_com_name(REDIR_COM_STMT_BULK_EXECUTE), "stmt-bulk-execute") == 0);
    cr_assert(strcmp(redir_com_name(REDIR_COM_MULTI), "com-multi") == 0);
    cr_assert(strcmp(redir_com_name(REDIR_COM_SLEEP), "sleep") == 0);
    cr_assert(redir_com_name(0x22) == NULL);
    cr_assert(redir_com_name(0xfb) == NULL);
    cr_assert(redir_com_name(0xff) == NULL);
    size_t named = 0;
    for (unsigned c = 0; c < 256; c++) {
        named += redir_com_name((uint8_t)c) != NULL;
    }
    cr_assert(eq(sz, named, 36));
}

/* ------------------------------------------------------- capture sweeps */

typedef redir_status (*roundtrip_fn)(const uint8_t *in, size_t n, uint64_t caps, uint8_t *out,
                                     size_t cap, size_t *out_len, redir_diag *d);

static redir_status rt_command(const uint8_t *in, size_t n, uint64_t caps, uint8_t *out,
                               size_t cap, size_t *out_len, redir_diag *d) {
    redir_command c;
    redir_status st = redir_command_decode(&c, d, in, n, caps);
    if (st != REDIR_OK) {
        return st;
    }
    size_t need = 0;
    cr_assert(eq(int, redir_command_encode(NULL, 0, &need, &c, caps), n ? REDIR_E_NOSPACE : REDIR_OK));
    cr_assert(eq(sz, need, n));
    return redir_command_encode(out, cap, out_len, &c, caps);
}

static redir_status rt_coldef(const uint8_t *in, size_t n, uint64_t caps, uint8_t *out,
                              size_t cap, size_t *out_len, redir_diag *d) {
    redir_column_def c;
    redir_status st = redir_column_def_decode(&c, d, in, n, caps);
    return st != REDIR_OK ? st : redir_column_def_encode(out, cap, out_len, &c, caps);
}

static redir_status rt_count(const uint8_t *in, size_t n, uint64_t caps, uint8_t *out,
                             size_t cap, size_t *out_len, redir_diag *d) {
    redir_column_count c;
    redir_status st = redir_column_count_decode(&c, d, in, n, caps);
    return st != REDIR_OK ? st : redir_column_count_encode(out, cap, out_len, &c, caps);
}

static redir_status rt_prepare(const uint8_t *in, size_t n, uint64_t caps, uint8_t *out,
                               size_t cap, size_t *out_len, redir_diag *d) {
    redir_prepare_ok p;
    redir_status st = redir_prepare_ok_decode(&p, d, in, n, caps);
    return st != REDIR_OK ? st : redir_prepare_ok_encode(out, cap, out_len, &p, caps);
}

/* sweep decodes the payload and every prefix of it from the end of a guard
 * page; whatever decodes must encode back to exactly its input. Returns the
 * number of prefixes that decoded. */
static size_t sweep(roundtrip_fn fn, const uint8_t *p, size_t n, uint64_t caps, const char *what) {
    static uint8_t out[4096];
    size_t ok = 0;
    for (size_t k = 0; k <= n; k++) {
        const uint8_t *g = guard_copy(1, p, k);
        size_t len = 0;
        redir_diag d = {0, 0};
        redir_status st = fn(g, k, caps, out, sizeof out, &len, &d);
        if (k == n) {
            cr_assert(eq(int, st, REDIR_OK), "%s: %s at %zu", what, redir_status_name(st), d.offset);
        }
        if (st == REDIR_OK) {
            ok++;
            cr_assert(eq(sz, len, k), "%s prefix %zu", what, k);
            cr_assert(eq(int, memcmp(out, p, k), 0), "%s prefix %zu", what, k);
        } else {
            cr_assert(le(sz, d.offset, k), "%s prefix %zu offset", what, k);
        }
    }
    return ok;
}

Test(codecs, capture_payloads_roundtrip) {
    size_t commands = 0, defs = 0, counts = 0, prepares = 0;
    for (size_t k = 0; k < NUM_CAPTURES; k++) {
        const capture *c = &vec_captures[k];
        uint64_t caps = caps_of(c);
        for (size_t i = 0; i < c->num_steps; i++) {
            const step *s = &c->steps[i];
            size_t n;
            const uint8_t *p = hexbuf(0, s->hex, &n);
            if (s->dir == C && strcmp(s->kind, "command") == 0) {
                (void)sweep(rt_command, p, n, caps, c->name);
                commands++;
            } else if (strcmp(s->kind, "column-def") == 0 || strcmp(s->kind, "param-def") == 0) {
                /* Only the whole definition decodes, and, for a COM_FIELD_LIST
                 * column, the same without its default value. */
                size_t ok = sweep(rt_coldef, p, n, caps, c->name);
                cr_assert(ok == 1 || (ok == 2 && strcmp(c->name, "field_list") == 0), "%s step %zu",
                          c->name, i);
                defs++;
            } else if (strcmp(s->kind, "column-count") == 0) {
                cr_assert(eq(sz, sweep(rt_count, p, n, caps, c->name), n), "%s step %zu", c->name, i);
                counts++;
            } else if (strcmp(s->kind, "prepare-ok") == 0) {
                cr_assert(eq(sz, sweep(rt_prepare, p, n, caps, c->name), 1), "%s step %zu", c->name, i);
                prepares++;
            }
        }
    }
    cr_assert(eq(sz, commands, 62));
    cr_assert(gt(sz, defs, 40));
    cr_assert(gt(sz, counts, 15));
    cr_assert(eq(sz, prepares, 4));
}

/* ------------------------------------------------------------- commands */

static redir_command decode_ok(const char *hex, uint64_t caps) {
    size_t n;
    const uint8_t *p = hexbuf(2, hex, &n);
    const uint8_t *g = guard_copy(2, p, n);
    redir_command c;
    redir_diag d = {0, 0};
    redir_status st = redir_command_decode(&c, &d, g, n, caps);
    cr_assert(eq(int, st, REDIR_OK), "%s at %zu", redir_status_name(st), d.offset);
    return c;
}

static void decode_fails(const char *hex, uint64_t caps, redir_status want, size_t off) {
    size_t n;
    const uint8_t *p = hexbuf(2, hex, &n);
    const uint8_t *g = guard_copy(2, p, n);
    redir_command c;
    memset(&c, 0x5A, sizeof c);
    redir_diag d = {99, 99};
    redir_status st = redir_command_decode(&c, &d, g, n, caps);
    cr_assert(st == want, "%s: %s, want %s", hex, redir_status_name(st), redir_status_name(want));
    cr_assert(eq(sz, d.offset, off), "%s offset", hex);
    cr_assert(eq(u8, c.command, 0));
    cr_assert(eq(sz, c.body.len, 0));
}

#define QA_CAPS (REDIR_CLIENT_PROTOCOL_41 | REDIR_CLIENT_QUERY_ATTRIBUTES)
#define CU_CAPS                                                                                    \
    (REDIR_CLIENT_PROTOCOL_41 | REDIR_CLIENT_SECURE_CONNECTION | REDIR_CLIENT_PLUGIN_AUTH |         \
     REDIR_CLIENT_CONNECT_ATTRS)

Test(command, query_with_attributes) {
    /* zeek__query-attr.pcap: two named string attributes, then the SQL. */
    redir_command c = decode_ok("0302010001fe00026e31fe00026e3202763102763273656c656374206e6f772829",
                                QA_CAPS);
    const redir_com_query *q = &c.as.query;
    cr_assert(q->has_attributes);
    cr_assert(eq(u64, q->attributes.count, 2));
    cr_assert(eq(u64, q->param_set_count, 1));
    cr_assert(q->attributes.named);
    cr_assert(span_is(q->sql, "select now()"));
    redir_param_iter it;
    redir_param prm;
    redir_param_iter_init(&it, &q->attributes);
    cr_assert(eq(int, redir_param_next(&it, &prm, NULL), REDIR_OK));
    cr_assert(eq(u8, prm.type, REDIR_TYPE_STRING));
    cr_assert(span_is(prm.name, "n1"));
    cr_assert(eq(sz, prm.value.len, 3)); /* 02 "v1" */
    cr_assert(eq(int, redir_param_next(&it, &prm, NULL), REDIR_OK));
    cr_assert(span_is(prm.name, "n2"));
    cr_assert(eq(int, redir_param_next(&it, &prm, NULL), REDIR_DONE));
    /* Without the capability the same bytes are plain SQL text. */
    c = decode_ok("03000173656c656374", REDIR_CLIENT_PROTOCOL_41);
    cr_assert(not(c.as.query.has_attributes));
    cr_assert(eq(sz, c.as.query.sql.len, 8));
    /* With it and no attribute: 00 01 then the text. */
    c = decode_ok("03000173656c656374", QA_CAPS);
    cr_assert(eq(u64, c.as.query.attributes.count, 0));
    cr_assert(span_is(c.as.query.sql, "select"));
}

Test(command, query_attribute_errors) {
    decode_fails("03", QA_CAPS, REDIR_E_TRUNCATED, 1);
    decode_fails("03fb01", QA_CAPS, REDIR_E_LENENC_NULL, 1);
    decode_fails("0301ff", QA_CAPS, REDIR_E_LENENC_INVALID, 2);
    /* A count with no bound flag, then a flag of 0 (types required). */
    decode_fails("030101", QA_CAPS, REDIR_E_TRUNCATED, 3);
    decode_fails("03010100", QA_CAPS, REDIR_E_TRUNCATED, 4);
    decode_fails("0301010000", QA_CAPS, REDIR_E_QUERY_ATTRIBUTES, 4);
    decode_fails("0301010002", QA_CAPS, REDIR_E_QUERY_ATTRIBUTES, 4);
    /* A name running past the payload, then a value doing so. */
    decode_fails("0301010001fe0005", QA_CAPS, REDIR_E_TRUNCATED, 8);
    decode_fails("0301010001fe00016e05", QA_CAPS, REDIR_E_TRUNCATED, 10);
    /* A count far beyond the payload fails before any bitmap arithmetic. */
    decode_fails("03feffffffffffffff7f01", QA_CAPS, REDIR_E_TRUNCATED, 11);
}

Test(command, stmt_execute_and_params) {
    /* mariadb-10.11-prepared.pcap: execute statement 2 with five parameters. */
    const char *hex = "1702000000000100000000010300fd00fd000c00fc0001000000036f6e6504312e35300be807"
                      "01020304057017000004000102ff";
    redir_command c = decode_ok(hex, UINT64_C(0x1c0181a20a));
    const redir_com_stmt_execute *e = &c.as.stmt_execute;
    cr_assert(eq(u32, e->statement_id, 2));
    cr_assert(eq(u8, e->flags, 0));
    cr_assert(eq(u32, e->iteration_count, 1));
    redir_params ps;
    redir_diag d = {0, 0};
    cr_assert(eq(int, redir_stmt_execute_params_decode(&ps, &d, e->params.ptr, e->params.len, 5, e->flags, 0),
                 REDIR_OK));
    cr_assert(eq(u8, ps.new_params_bound, 1));
    cr_assert(not(ps.named));
    const uint8_t types[] = {REDIR_TYPE_LONG, REDIR_TYPE_VAR_STRING, REDIR_TYPE_VAR_STRING,
                             REDIR_TYPE_DATETIME, REDIR_TYPE_BLOB};
    const size_t sizes[] = {4, 4, 5, 12, 5};
    redir_param_iter it;
    redir_param prm;
    redir_param_iter_init(&it, &ps);
    for (size_t i = 0; i < 5; i++) {
        cr_assert(eq(int, redir_param_next(&it, &prm, &d), REDIR_OK), "param %zu", i);
        cr_assert(eq(u8, prm.type, types[i]));
        cr_assert(not(prm.is_null));
        cr_assert(eq(sz, prm.value.len, sizes[i]), "param %zu", i);
    }
    cr_assert(eq(int, redir_param_next(&it, &prm, &d), REDIR_DONE));
    /* Statement -1 (MariaDB: the one prepared last). */
    c = decode_ok("17ffffffff0001000000000103000300fd0028000000020000000474657874", 0);
    cr_assert(eq(u32, c.as.stmt_execute.statement_id, 0xFFFFFFFFu));
}

Test(command, stmt_params_errors) {
    redir_params ps;
    redir_diag d = {0, 0};
    const uint8_t bad_flag[] = {0x00, 0x02};
    cr_assert(eq(int, redir_stmt_execute_params_decode(&ps, &d, bad_flag, 2, 3, 0, 0), REDIR_E_STMT_PARAMS));
    cr_assert(eq(sz, d.offset, 1));
    cr_assert(eq(int, redir_stmt_execute_params_decode(&ps, &d, bad_flag, 1, 3, 0, 0), REDIR_E_TRUNCATED));
    cr_assert(eq(int, redir_stmt_execute_params_decode(&ps, &d, bad_flag, 2, 0, 0, 0), REDIR_E_TRAILING));
    cr_assert(eq(sz, d.offset, 0));
    cr_assert(eq(int, redir_stmt_execute_params_decode(&ps, &d, NULL, 0, 0, 0, 0), REDIR_OK));
    /* Types not re-sent (flag 0): values cannot be walked. */
    const uint8_t unbound[] = {0x00, 0x00, 0x01, 0x00, 0x00, 0x00};
    cr_assert(eq(int, redir_stmt_execute_params_decode(&ps, &d, unbound, sizeof unbound, 1, 0, 0), REDIR_OK));
    cr_assert(eq(sz, ps.values.len, 4));
    redir_param_iter it;
    redir_param prm;
    redir_param_iter_init(&it, &ps);
    cr_assert(eq(int, redir_param_next(&it, &prm, &d), REDIR_E_STMT_PARAMS));
    /* MySQL with query attributes: a count that replaces the prepared one. */
    const uint8_t attrs[] = {0x01, 0x00, 0x01, 0xfe, 0x00, 0x01, 'a', 0x01, 'v'};
    cr_assert(eq(int, redir_stmt_execute_params_decode(&ps, &d, attrs, sizeof attrs, 0,
                                                       REDIR_PARAMETER_COUNT_AVAILABLE,
                                                       REDIR_CLIENT_QUERY_ATTRIBUTES),
                 REDIR_OK));
    cr_assert(eq(u64, ps.count, 1));
    cr_assert(ps.named);
    redir_param_iter_init(&it, &ps);
    cr_assert(eq(int, redir_param_next(&it, &prm, &d), REDIR_OK));
    cr_assert(span_is(prm.name, "a"));
    cr_assert(eq(sz, prm.value.len, 2));
    /* A value cut short: the iterator stays where it was. */
    const uint8_t cut[] = {0x00, 0x01, 0x03, 0x00, 0x01, 0x00};
    cr_assert(eq(int, redir_stmt_execute_params_decode(&ps, &d, cut, sizeof cut, 1, 0, 0), REDIR_OK));
    redir_param_iter_init(&it, &ps);
    cr_assert(eq(int, redir_param_next(&it, &prm, &d), REDIR_E_TRUNCATED));
    cr_assert(eq(sz, d.offset, 0));
    cr_assert(eq(int, redir_param_next(&it, &prm, &d), REDIR_E_TRUNCATED));
    /* A NULL parameter has no value bytes. */
    const uint8_t null1[] = {0x01, 0x01, 0x03, 0x00};
    cr_assert(eq(int, redir_stmt_execute_params_decode(&ps, &d, null1, sizeof null1, 1, 0, 0), REDIR_OK));
    redir_param_iter_init(&it, &ps);
    cr_assert(eq(int, redir_param_next(&it, &prm, &d), REDIR_OK));
    cr_assert(prm.is_null);
    cr_assert(eq(sz, prm.value.len, 0));
}

Test(command, binary_value_sizes) {
    const uint8_t buf[16] = {3, 1, 2, 3, 4, 5, 6, 7, 8, 9};
    const struct {
        uint8_t type;
        size_t size;
    } t[] = {
        {REDIR_TYPE_NULL, 0},       {REDIR_TYPE_TINY, 1},     {REDIR_TYPE_SHORT, 2},
        {REDIR_TYPE_YEAR, 2},       {REDIR_TYPE_LONG, 4},     {REDIR_TYPE_INT24, 4},
        {REDIR_TYPE_FLOAT, 4},      {REDIR_TYPE_LONGLONG, 8}, {REDIR_TYPE_DOUBLE, 8},
        {REDIR_TYPE_DATE, 4},       {REDIR_TYPE_TIME, 4},     {REDIR_TYPE_DATETIME, 4},
        {REDIR_TYPE_TIMESTAMP, 4},  {REDIR_TYPE_VAR_STRING, 4}, {REDIR_TYPE_NEWDECIMAL, 4},
        {REDIR_TYPE_JSON, 4},       {REDIR_TYPE_GEOMETRY, 4}, {200, 4},
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        size_t n = 99;
        cr_assert(eq(int, redir_binary_value_size(&n, NULL, buf, sizeof buf, t[i].type), REDIR_OK));
        cr_assert(eq(sz, n, t[i].size), "type %u", t[i].type);
    }
    size_t n;
    redir_diag d = {0, 0};
    cr_assert(eq(int, redir_binary_value_size(&n, &d, buf, 3, REDIR_TYPE_LONG), REDIR_E_TRUNCATED));
    cr_assert(eq(sz, d.needed, 1));
    cr_assert(eq(int, redir_binary_value_size(&n, &d, buf, 2, REDIR_TYPE_DATE), REDIR_E_TRUNCATED));
    cr_assert(eq(sz, d.offset, 1));
    const uint8_t null_len[] = {0xfb};
    cr_assert(eq(int, redir_binary_value_size(&n, &d, null_len, 1, REDIR_TYPE_STRING), REDIR_E_LENENC_NULL));
}

Test(command, change_user_from_capture) {
    /* mariadb-10.11-change-user.pcap: to redir_ed with client attributes. */
    const capture *cap = &vec_captures[4];
    size_t n;
    const uint8_t *p = hexbuf(0, cap->steps[5].hex, &n);
    redir_command c;
    cr_assert(eq(int, redir_command_decode(&c, NULL, p, n, caps_of(cap)), REDIR_OK));
    const redir_com_change_user *u = &c.as.change_user;
    cr_assert(span_is(u->user, "redir_ed"));
    cr_assert(eq(sz, u->auth_response.len, 20));
    cr_assert(span_is(u->database, "redir_test"));
    cr_assert(u->has_charset);
    cr_assert(eq(u16, u->charset, 0x2d));
    cr_assert(u->has_auth_plugin);
    cr_assert(span_is(u->auth_plugin, "mysql_native_password"));
    cr_assert(u->has_attributes);
    redir_attr_iter it;
    redir_span k, v;
    redir_attr_iter_init(&it, u->attributes);
    cr_assert(eq(int, redir_attr_next(&it, &k, &v, NULL), REDIR_OK));
    cr_assert(span_is(k, "_client_name"));
}

Test(command, change_user_forms) {
    /* Old client: NUL-terminated auth, nothing after the database. */
    redir_command c = decode_ok("11 7500 707700 6400", REDIR_CLIENT_PROTOCOL_41);
    cr_assert(span_is(c.as.change_user.auth_response, "pw"));
    cr_assert(not(c.as.change_user.has_charset));
    /* Attributes right after the charset when plugins are not negotiated. */
    c = decode_ok("11 7500 00 00 2100 03 01 61 00", REDIR_CLIENT_SECURE_CONNECTION | REDIR_CLIENT_CONNECT_ATTRS);
    cr_assert(c.as.change_user.has_attributes);
    cr_assert(not(c.as.change_user.has_auth_plugin));
    decode_fails("11 7500 00 00 21", CU_CAPS, REDIR_E_TRAILING, 5);
    decode_fails("11 75", CU_CAPS, REDIR_E_NO_TERMINATOR, 2);
    decode_fails("11 7500 05 6162", CU_CAPS, REDIR_E_TRUNCATED, 4);
    decode_fails("11 7500 00 6400 2100 6d79", CU_CAPS, REDIR_E_NO_TERMINATOR, 10);
    decode_fails("11 7500 00 00 2100 7000 fb", CU_CAPS, REDIR_E_LENENC_NULL, 9);
    decode_fails("11 7500 00 00 2100 7000 03 05 61 00", CU_CAPS, REDIR_E_BAD_ATTRIBUTES, 11);
}

Test(command, fixed_layouts) {
    redir_command c = decode_ok("19 07000000", 0);
    cr_assert(eq(u32, c.as.statement_id, 7));
    c = decode_ok("1a 07000000", 0);
    cr_assert(eq(u32, c.as.statement_id, 7));
    c = decode_ok("1c 07000000 64000000", 0);
    cr_assert(eq(u32, c.as.stmt_fetch.num_rows, 100));
    c = decode_ok("18 07000000 0200 616263", 0);
    cr_assert(eq(u16, c.as.long_data.param_id, 2));
    cr_assert(span_is(c.as.long_data.data, "abc"));
    c = decode_ok("0c 2a000000", 0);
    cr_assert(eq(u32, c.as.connection_id, 42));
    c = decode_ok("1b 0100", 0);
    cr_assert(eq(u16, c.as.option, REDIR_OPTION_MULTI_STATEMENTS_OFF));
    c = decode_ok("04 7400 2561", 0);
    cr_assert(span_is(c.as.field_list.table, "t"));
    cr_assert(span_is(c.as.field_list.wildcard, "%a"));
    c = decode_ok("02 6462", 0);
    cr_assert(span_is(c.as.text, "db"));
    c = decode_ok("fa 05000000 8000 0300", 0);
    cr_assert(eq(u16, c.as.bulk.flags, 0x80));
    c = decode_ok("20 0102", 0); /* generic: only the body */
    cr_assert(eq(sz, c.body.len, 2));
    decode_fails("", 0, REDIR_E_EMPTY_PACKET, 0);
    decode_fails("19 070000", 0, REDIR_E_TRUNCATED, 1);
    decode_fails("19 07000000 00", 0, REDIR_E_TRAILING, 5);
    decode_fails("0e 00", 0, REDIR_E_TRAILING, 1);
    decode_fails("01 00", 0, REDIR_E_TRAILING, 1);
    decode_fails("1c 07000000 6400", 0, REDIR_E_TRUNCATED, 5);
    decode_fails("18 07000000 02", 0, REDIR_E_TRUNCATED, 5);
    decode_fails("17 07000000 00 0100", 0, REDIR_E_TRUNCATED, 6);
    decode_fails("fa 05000000 80", 0, REDIR_E_TRUNCATED, 5);
    decode_fails("04 74", 0, REDIR_E_NO_TERMINATOR, 2);
    decode_fails("1b 01", 0, REDIR_E_TRUNCATED, 1);
    decode_fails("0c 2a00", 0, REDIR_E_TRUNCATED, 1);
}

static redir_status encode(const redir_command *c, uint64_t caps, size_t *len) {
    static uint8_t out[512];
    return redir_command_encode(out, sizeof out, len, c, caps);
}

Test(command, encoder_refusals) {
    redir_command c;
    size_t len = 7;
    memset(&c, 0, sizeof c);
    c.command = REDIR_COM_FIELD_LIST;
    c.as.field_list.table = redir_span_of("a\0b", 3);
    cr_assert(eq(int, encode(&c, 0, &len), REDIR_E_INVALID_ARGUMENT));
    cr_assert(eq(sz, len, 0));
    memset(&c, 0, sizeof c);
    c.command = REDIR_COM_CHANGE_USER;
    static const uint8_t big[256] = {0};
    c.as.change_user.auth_response = redir_span_of(big, sizeof big);
    cr_assert(eq(int, encode(&c, CU_CAPS, &len), REDIR_E_FIELD_TOO_LONG));
    c.as.change_user.auth_response = redir_span_of(big, 2);
    cr_assert(eq(int, encode(&c, 0, &len), REDIR_E_INVALID_ARGUMENT)); /* NUL without SECURE_CONNECTION */
    c.as.change_user.auth_response = redir_span_of("pw", 2);
    c.as.change_user.has_auth_plugin = true;
    cr_assert(eq(int, encode(&c, CU_CAPS, &len), REDIR_E_INVALID_ARGUMENT)); /* no charset before it */
    c.as.change_user.has_charset = true;
    cr_assert(eq(int, encode(&c, CU_CAPS, &len), REDIR_OK));
    cr_assert(eq(int, encode(&c, REDIR_CLIENT_SECURE_CONNECTION, &len), REDIR_E_INVALID_ARGUMENT));
    c.as.change_user.has_auth_plugin = false;
    c.as.change_user.has_attributes = true;
    cr_assert(eq(int, encode(&c, CU_CAPS, &len), REDIR_E_INVALID_ARGUMENT)); /* would read as a plugin */
    c.as.change_user.attributes = redir_span_of("\x05", 1);
    cr_assert(eq(int, encode(&c, REDIR_CLIENT_SECURE_CONNECTION | REDIR_CLIENT_CONNECT_ATTRS, &len),
                 REDIR_E_INVALID_ARGUMENT)); /* malformed block */
    memset(&c, 0, sizeof c);
    c.command = REDIR_COM_QUERY;
    c.as.query.sql = redir_span_of("x", 1);
    cr_assert(eq(int, encode(&c, QA_CAPS, &len), REDIR_E_INVALID_ARGUMENT)); /* header missing */
    c.as.query.has_attributes = true;
    c.as.query.param_set_count = 1;
    cr_assert(eq(int, encode(&c, QA_CAPS, &len), REDIR_OK));
    cr_assert(eq(sz, len, 4));
    cr_assert(eq(int, encode(&c, 0, &len), REDIR_E_INVALID_ARGUMENT));
    c.as.query.attributes.count = 1; /* a count with no block behind it */
    cr_assert(eq(int, encode(&c, QA_CAPS, &len), REDIR_E_INVALID_ARGUMENT));
    memset(&c, 0, sizeof c);
    c.command = REDIR_COM_INIT_DB;
    c.as.text.len = 3; /* NULL pointer */
    cr_assert(eq(int, encode(&c, 0, &len), REDIR_E_INVALID_ARGUMENT));
    memset(&c, 0, sizeof c);
    c.command = 0x20;
    c.body.len = 1;
    cr_assert(eq(int, encode(&c, 0, &len), REDIR_E_INVALID_ARGUMENT));
    /* Sizing: exact size reported, nothing written past cap. */
    memset(&c, 0, sizeof c);
    c.command = REDIR_COM_STMT_FETCH;
    uint8_t small[8];
    memset(small, 0xA5, sizeof small);
    cr_assert(eq(int, redir_command_encode(small, 5, &len, &c, 0), REDIR_E_NOSPACE));
    cr_assert(eq(sz, len, 9));
    cr_assert(eq(u8, small[5], 0xA5));
}

/* ------------------------------------------------- result-set metadata */

#define EXT_CAPS (REDIR_CLIENT_PROTOCOL_41 | REDIR_MARIADB_CLIENT_EXTENDED_METADATA)

Test(column, definition_fields) {
    /* mariadb-10.11-prepared.pcap: blob_col of prep_demo. */
    redir_column_def d;
    size_t n;
    const uint8_t *p = hexbuf(0, "036465660a72656469725f7465737409707265705f64656d6f09707265705f64656d6f"
                                 "08626c6f625f636f6c08626c6f625f636f6c000c3f00ffff0000fc9000000000", &n);
    cr_assert(eq(int, redir_column_def_decode(&d, NULL, p, n, EXT_CAPS), REDIR_OK));
    cr_assert(span_is(d.catalog, "def"));
    cr_assert(span_is(d.schema, "redir_test"));
    cr_assert(span_is(d.table, "prep_demo"));
    cr_assert(span_is(d.org_name, "blob_col"));
    cr_assert(d.has_ext_metadata);
    cr_assert(eq(sz, d.ext_metadata.len, 0));
    cr_assert(eq(u16, d.charset, 63));
    cr_assert(eq(u32, d.column_length, 65535));
    cr_assert(eq(u8, d.type, REDIR_TYPE_BLOB));
    cr_assert(eq(u16, d.flags, 0x0090));
    cr_assert(not(d.has_default));
    /* Without the capability the empty block is read as the fixed length. */
    redir_diag dg = {0, 0};
    cr_assert(eq(int, redir_column_def_decode(&d, &dg, p, n, REDIR_CLIENT_PROTOCOL_41), REDIR_E_COLUMN_DEF));
    cr_assert(eq(sz, dg.offset, 53));
}

Test(column, extended_metadata_pairs) {
    /* A JSON column: data type name "json" and format name "json". */
    size_t n;
    const uint8_t *p = hexbuf(0, "03646566 00 00 00 01 6a 00 0c 00 046a736f6e 01 046a736f6e"
                                 " 0c 2100 ffffffff fc 9000 00 0000", &n);
    redir_column_def d;
    cr_assert(eq(int, redir_column_def_decode(&d, NULL, p, n, EXT_CAPS), REDIR_OK));
    redir_span rest = d.ext_metadata;
    uint8_t type;
    redir_span v;
    cr_assert(eq(int, redir_column_ext_next(&rest, &type, &v, NULL), REDIR_OK));
    cr_assert(eq(u8, type, REDIR_FIELD_ATTR_DATA_TYPE_NAME));
    cr_assert(span_is(v, "json"));
    cr_assert(eq(int, redir_column_ext_next(&rest, &type, &v, NULL), REDIR_OK));
    cr_assert(eq(u8, type, REDIR_FIELD_ATTR_FORMAT_NAME));
    cr_assert(eq(int, redir_column_ext_next(&rest, &type, &v, NULL), REDIR_DONE));
    (void)sweep(rt_coldef, p, n, EXT_CAPS, "json column");
    /* A pair running past the block. */
    p = hexbuf(0, "03646566 00 00 00 01 6a 00 03 00 056a 0c 2100 ffffffff fc 9000 00 0000", &n);
    redir_diag dg = {0, 0};
    cr_assert(eq(int, redir_column_def_decode(&d, &dg, p, n, EXT_CAPS), REDIR_E_TRUNCATED));
    cr_assert(eq(sz, dg.offset, 13));
    rest = redir_span_of(p + 11, 3);
    cr_assert(eq(int, redir_column_ext_next(&rest, &type, &v, &dg), REDIR_E_TRUNCATED));
    cr_assert(eq(sz, rest.len, 3));
}

Test(column, field_list_defaults) {
    /* zeek__caching_sha2_password.pcap: COM_FIELD_LIST column, NULL default. */
    redir_column_def d;
    size_t n;
    const uint8_t *p = hexbuf(0, "03646566047465737401740174016101610c3f000c0000000400001f0000fb", &n);
    cr_assert(eq(int, redir_column_def_decode(&d, NULL, p, n, REDIR_CLIENT_PROTOCOL_41), REDIR_OK));
    cr_assert(d.has_default);
    cr_assert(d.default_is_null);
    cr_assert(eq(u8, d.type, REDIR_TYPE_FLOAT));
    (void)sweep(rt_coldef, p, n, REDIR_CLIENT_PROTOCOL_41, "field list column");
    p = hexbuf(0, "03646566047465737401740174016101610c3f000c0000000400001f0000 023432", &n);
    cr_assert(eq(int, redir_column_def_decode(&d, NULL, p, n, REDIR_CLIENT_PROTOCOL_41), REDIR_OK));
    cr_assert(span_is(d.default_value, "42"));
    p = hexbuf(0, "03646566047465737401740174016101610c3f000c0000000400001f0000 fb00", &n);
    redir_diag dg = {0, 0};
    cr_assert(eq(int, redir_column_def_decode(&d, &dg, p, n, REDIR_CLIENT_PROTOCOL_41), REDIR_E_TRAILING));
    cr_assert(eq(sz, dg.offset, 31));
    /* Encoder refusals. */
    memset(&d, 0, sizeof d);
    size_t len = 5;
    d.default_is_null = true;
    cr_assert(eq(int, redir_column_def_encode(NULL, 0, &len, &d, 0), REDIR_E_INVALID_ARGUMENT));
    cr_assert(eq(sz, len, 0));
    d.has_default = true;
    d.default_value = redir_span_of("x", 1);
    cr_assert(eq(int, redir_column_def_encode(NULL, 0, &len, &d, 0), REDIR_E_INVALID_ARGUMENT));
    memset(&d, 0, sizeof d);
    cr_assert(eq(int, redir_column_def_encode(NULL, 0, &len, &d, EXT_CAPS), REDIR_E_INVALID_ARGUMENT));
    d.has_ext_metadata = true;
    d.ext_metadata = redir_span_of("\x00\x05", 2);
    cr_assert(eq(int, redir_column_def_encode(NULL, 0, &len, &d, EXT_CAPS), REDIR_E_INVALID_ARGUMENT));
    d.ext_metadata = redir_span_of("\x00\x00", 2);
    cr_assert(eq(int, redir_column_def_encode(NULL, 0, &len, &d, EXT_CAPS), REDIR_E_NOSPACE));
    cr_assert(eq(sz, len, 22));
    d.name.len = 1;
    cr_assert(eq(int, redir_column_def_encode(NULL, 0, &len, &d, EXT_CAPS), REDIR_E_INVALID_ARGUMENT));
}

Test(column, count) {
    redir_column_count c;
    redir_diag d = {0, 0};
    const uint8_t two_meta[] = {0x02, 0x01};
    const uint64_t meta = REDIR_MARIADB_CLIENT_CACHE_METADATA;
    cr_assert(eq(int, redir_column_count_decode(&c, &d, two_meta, 2, meta), REDIR_OK));
    cr_assert(eq(u64, c.count, 2));
    cr_assert(c.has_metadata_follows);
    cr_assert(eq(int, redir_column_count_decode(&c, &d, two_meta, 2, 0), REDIR_E_TRAILING));
    cr_assert(eq(sz, d.offset, 1));
    cr_assert(eq(int, redir_column_count_decode(&c, &d, two_meta, 1, REDIR_CLIENT_OPTIONAL_RESULTSET_METADATA),
                 REDIR_OK));
    cr_assert(not(c.has_metadata_follows));
    const uint8_t zero[] = {0xfc, 0x00, 0x00};
    cr_assert(eq(int, redir_column_count_decode(&c, &d, zero, 3, 0), REDIR_E_COLUMN_COUNT));
    const uint8_t huge[] = {0xfd, 0x00, 0x00, 0x01};
    cr_assert(eq(int, redir_column_count_decode(&c, &d, huge, 4, 0), REDIR_E_COLUMN_COUNT));
    const uint8_t null_[] = {0xfb};
    cr_assert(eq(int, redir_column_count_decode(&c, &d, null_, 1, 0), REDIR_E_LENENC_NULL));
    cr_assert(eq(int, redir_column_count_decode(&c, &d, NULL, 0, 0), REDIR_E_TRUNCATED));
    cr_assert(eq(int, redir_column_count_decode(&c, &d, (const uint8_t *)"\xfc\x01", 2, 0), REDIR_E_TRUNCATED));
    cr_assert(eq(u64, c.count, 0));
    size_t len;
    c.count = 3;
    c.has_metadata_follows = true;
    cr_assert(eq(int, redir_column_count_encode(NULL, 0, &len, &c, 0), REDIR_E_INVALID_ARGUMENT));
    cr_assert(eq(int, redir_column_count_encode(NULL, 0, &len, &c, meta), REDIR_E_NOSPACE));
    cr_assert(eq(sz, len, 2));
    c.count = 0;
    cr_assert(eq(int, redir_column_count_encode(NULL, 0, &len, &c, meta), REDIR_E_INVALID_ARGUMENT));
}

Test(column, prepare_ok) {
    redir_prepare_ok p;
    redir_diag d = {0, 0};
    size_t n;
    const uint8_t *in = hexbuf(0, "000300000005000100000000", &n);
    cr_assert(eq(int, redir_prepare_ok_decode(&p, &d, in, n, 0), REDIR_OK));
    cr_assert(eq(u32, p.statement_id, 3));
    cr_assert(eq(u16, p.num_columns, 5));
    cr_assert(eq(u16, p.num_params, 1));
    in = hexbuf(0, "00030000000500010000000001", &n);
    cr_assert(eq(int, redir_prepare_ok_decode(&p, &d, in, n, 0), REDIR_E_TRAILING));
    cr_assert(eq(sz, d.offset, 12));
    cr_assert(eq(int, redir_prepare_ok_decode(&p, &d, in, n, REDIR_CLIENT_OPTIONAL_RESULTSET_METADATA),
                 REDIR_OK));
    cr_assert(eq(u8, p.metadata_follows, 1));
    (void)sweep(rt_prepare, in, n, REDIR_CLIENT_OPTIONAL_RESULTSET_METADATA, "prepare-ok with metadata byte");
    in = hexbuf(0, "ff0300000005000100000000", &n);
    cr_assert(eq(int, redir_prepare_ok_decode(&p, &d, in, n, 0), REDIR_E_BAD_HEADER));
    cr_assert(eq(sz, d.offset, 0));
    cr_assert(eq(u32, p.statement_id, 0));
    size_t len;
    p.has_metadata_follows = true;
    cr_assert(eq(int, redir_prepare_ok_encode(NULL, 0, &len, &p, 0), REDIR_E_INVALID_ARGUMENT));
    p.has_metadata_follows = false;
    p.metadata_follows = 1;
    cr_assert(eq(int, redir_prepare_ok_encode(NULL, 0, &len, &p, 0), REDIR_E_INVALID_ARGUMENT));
}
