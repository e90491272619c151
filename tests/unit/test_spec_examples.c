/* Every byte example of SPEC.md, decoded with the library.
 *
 * SPEC.md marks each example with "<!-- example: NAME -->" before a code
 * block; on each line the bytes come before an optional ';'. The test reads
 * the file, checks that every example has a checker here (and every checker
 * an example), and runs the checker on the example's bytes. The checkers
 * assert the fields the annotations name. */
#include <criterion/criterion.h>
#include <criterion/new/assert.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "redir/redir.h"
#include "testutil.h"

static const uint64_t CAPS = REDIR_CAPS_MARIADB_DEFAULT;
/* what the captured MariaDB 10.11 client negotiated: no DEPRECATE_EOF */
static const uint64_t CAPS_1011 = UINT64_C(0x00bfa284) | (UINT64_C(0x1d) << 32);

static bool span_is(redir_span s, const char *lit) {
    return s.len == strlen(lit) && (s.len == 0 || memcmp(s.ptr, lit, s.len) == 0);
}

static bool span_is_bytes(redir_span s, const char *hex) {
    size_t n;
    const uint8_t *b = hexbuf(7, hex, &n);
    return s.len == n && (n == 0 || memcmp(s.ptr, b, n) == 0);
}

/* Decodes the one frame that must make up the whole example; returns a
 * guarded copy of its payload. */
static redir_span one_frame(const uint8_t *b, size_t n, uint8_t want_seq) {
    const uint8_t *g = guard_copy(0, b, n);
    redir_frame f;
    size_t used;
    redir_diag d;
    cr_assert(eq(int, redir_frame_decode(&f, &used, &d, g, n), REDIR_OK));
    cr_assert(eq(sz, used, n), "the example is exactly one packet");
    cr_assert(eq(u8, f.seq, want_seq));
    cr_assert(eq(u32, f.payload_len, (uint32_t)(n - 4)));
    const uint8_t *p = guard_copy(1, f.payload.ptr, f.payload.len);
    return redir_span_of(p, f.payload.len);
}

static redir_ok decode_ok(redir_span p, uint64_t caps) {
    redir_ok ok;
    redir_diag d = {0, 0};
    redir_status st = redir_ok_decode(&ok, &d, p.ptr, p.len, caps);
    cr_assert(eq(int, st, REDIR_OK), "%s at %zu", redir_status_name(st), d.offset);
    return ok;
}

static void same_bytes(const uint8_t *got, size_t got_len, const uint8_t *want, size_t want_len) {
    cr_assert(eq(sz, got_len, want_len));
    cr_assert(eq(int, memcmp(got, want, want_len), 0));
}

/* ------------------------------------------------------------- carriers */

static void check_st_login_redirect(const uint8_t *b, size_t n) {
    redir_span p = one_frame(b, n, 2);
    redir_ok ok = decode_ok(p, CAPS);
    cr_assert(eq(u16, ok.status, 0x4002));
    cr_assert(eq(int, ok.info_form, REDIR_INFO_LENENC));
    cr_assert(eq(sz, ok.info.len, 0));
    cr_assert(eq(sz, ok.session_state.len, 46));
    redir_instruction ins;
    cr_assert(eq(int, redir_redirect_from_ok(&ins, NULL, &ok, true), REDIR_OK));
    cr_assert(span_is(ins.scheme, "mariadb"));
    cr_assert(span_is(ins.host, "db2.example.com"));
    cr_assert(eq(u16, ins.port, 3306));
    uint8_t out[128];
    size_t len;
    cr_assert(eq(int,
                 redir_build_ok_redirect(out, sizeof out, &len, 2, CAPS, REDIR_STATUS_AUTOCOMMIT,
                                         ins.raw, NULL, 0),
                 REDIR_OK));
    same_bytes(out, len, b, n);
}

static void check_st_set_in_trans(const uint8_t *b, size_t n) {
    redir_span p = one_frame(b, n, 1);
    redir_ok ok = decode_ok(p, CAPS);
    cr_assert(eq(u16, ok.status, 0x4003));
    redir_instruction ins;
    cr_assert(eq(int, redir_redirect_from_ok(&ins, NULL, &ok, false), REDIR_OK));
    cr_assert(span_is(ins.raw, "mysql://10.0.0.7:3307"));
    cr_assert(span_is(ins.host, "10.0.0.7"));
    cr_assert(eq(u16, ins.port, 3307));
    redir_policy pol;
    redir_policy_init(&pol);
    redir_conn_state s;
    memset(&s, 0, sizeof s);
    s.tls_requested = s.tls_established = s.cert_verified = true;
    s.server_status = ok.status;
    s.current_host = redir_span_of("10.0.0.5", 8);
    s.current_port = 3306;
    redir_reason r;
    cr_assert(eq(int, redir_policy_decide(&r, &pol, &s, &ins), REDIR_DECISION_DEFER));
    cr_assert(eq(int, r, REDIR_REASON_IN_TRANSACTION));
}

static const char *const TRACKED_115[] = {"autocommit",
                                          "character_set_client",
                                          "character_set_connection",
                                          "character_set_results",
                                          "redirect_url",
                                          "time_zone"};

static void check_st_115_login_empty(const uint8_t *b, size_t n) {
    redir_span p = one_frame(b, n, 2);
    redir_ok ok = decode_ok(p, CAPS);
    redir_session_iter it;
    redir_session_iter_init(&it, ok.session_state);
    redir_sysvar vars[6];
    for (size_t i = 0; i < 6; i++) {
        redir_session_entry e;
        cr_assert(eq(int, redir_session_next(&it, &e, NULL), REDIR_OK));
        cr_assert(eq(u8, e.type, REDIR_TRACK_SYSTEM_VARIABLES));
        cr_assert(span_is(e.name, TRACKED_115[i]));
        cr_assert(eq(sz, e.more_pairs.len, 0));
        vars[i].name = e.name;
        vars[i].value = e.value;
    }
    redir_session_entry e;
    cr_assert(eq(int, redir_session_next(&it, &e, NULL), REDIR_DONE));
    cr_assert(eq(sz, vars[4].value.len, 0));
    cr_assert(span_is(vars[5].value, "SYSTEM"));
    redir_instruction ins;
    cr_assert(eq(int, redir_redirect_from_ok(&ins, NULL, &ok, true), REDIR_NOT_FOUND));
    uint8_t out[256];
    size_t len;
    cr_assert(eq(int,
                 redir_build_ok_redirect(out, sizeof out, &len, 2, CAPS, REDIR_STATUS_AUTOCOMMIT,
                                         redir_span_of("", 0), vars, 6),
                 REDIR_OK));
    same_bytes(out, len, b, n);
}

static void check_err_redirect(const uint8_t *b, size_t n) {
    redir_span p = one_frame(b, n, 2);
    redir_err err;
    cr_assert(eq(int, redir_err_decode(&err, NULL, p.ptr, p.len, CAPS), REDIR_OK));
    cr_assert(eq(u16, err.code, 4196));
    cr_assert(span_is(err.sql_state, "HY000"));
    redir_instruction ins;
    cr_assert(eq(int, redir_redirect_from_err(&ins, NULL, &err, REDIR_ERR_REDIRECT_DEFAULT_CODE),
                 REDIR_OK));
    cr_assert(span_is(ins.text, "Server is being upgraded"));
    cr_assert(span_is(ins.host, "db2.example.com"));
    cr_assert(eq(u16, ins.port, 3306));
    uint8_t out[128];
    size_t len;
    cr_assert(eq(int,
                 redir_build_err_redirect(out, sizeof out, &len, 2, 4196, err.sql_state, ins.text,
                                          ins.host, ins.port),
                 REDIR_OK));
    same_bytes(out, len, b, n);
}

static void check_location(const uint8_t *b, size_t n, redir_location_form form,
                           const char *user) {
    redir_span p = one_frame(b, n, 2);
    redir_ok ok = decode_ok(p, CAPS);
    cr_assert(eq(u16, ok.status, 0x0002));
    cr_assert(eq(int, redir_redirect_from_ok(&(redir_instruction){0}, NULL, &ok, false),
                 REDIR_NOT_FOUND));
    redir_instruction ins;
    cr_assert(eq(int, redir_redirect_from_ok(&ins, NULL, &ok, true), REDIR_OK));
    cr_assert(eq(int, ins.carrier, REDIR_CARRIER_LOCATION));
    cr_assert(span_is(ins.host, "db2.example.com"));
    cr_assert(eq(u16, ins.port, 3306));
    cr_assert(span_is(ins.user, user));
    cr_assert(eq(u64, ins.ttl, 60));
    /* also decodes without CLIENT_SESSION_TRACK, as one lenenc string */
    redir_ok plain = decode_ok(p, CAPS & ~REDIR_CLIENT_SESSION_TRACK);
    cr_assert(eq(int, plain.info_form, REDIR_INFO_LENENC));
    cr_assert(eq(sz, plain.info.len, ok.info.len));
    uint8_t out[128];
    size_t len;
    cr_assert(eq(int,
                 redir_build_location_ok(out, sizeof out, &len, 2, CAPS, REDIR_STATUS_AUTOCOMMIT,
                                         form, ins.host, ins.port, ins.user, 60),
                 REDIR_OK));
    same_bytes(out, len, b, n);
}

static void check_location_community(const uint8_t *b, size_t n) {
    check_location(b, n, REDIR_LOCATION_COMMUNITY, "alice");
}

static void check_location_azure(const uint8_t *b, size_t n) {
    check_location(b, n, REDIR_LOCATION_AZURE, "alice@myserver");
}

/* ------------------------------------------------------------- wire */

static void check_lenenc_boundaries(const uint8_t *b, size_t n) {
    static const uint64_t want[] = {250, 251, 65535, 65536, 16777215, 16777216};
    const uint8_t *g = guard_copy(0, b, n);
    size_t pos = 0;
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        uint64_t v;
        size_t used;
        cr_assert(eq(int, redir_lenenc_decode(&v, &used, NULL, g + pos, n - pos), REDIR_OK));
        cr_assert(eq(u64, v, want[i]));
        cr_assert(eq(sz, used, redir_lenenc_size(v)), "minimal encoding");
        pos += used;
    }
    cr_assert(eq(sz, pos, n));
}

static void check_continuation(const uint8_t *b, size_t n, size_t payload_len) {
    cr_assert(eq(sz, n, 8));
    uint8_t *payload = malloc(payload_len);
    size_t cap = payload_len + 16;
    uint8_t *wire = malloc(cap);
    cr_assert(payload != NULL && wire != NULL);
    memset(payload, 'x', payload_len);
    size_t len;
    uint8_t next;
    cr_assert(eq(int, redir_message_encode(wire, cap, &len, &next, 0, payload, payload_len),
                 REDIR_OK));
    cr_assert(eq(sz, len, payload_len + 8));
    cr_assert(eq(u8, next, 2));
    cr_assert(eq(int, memcmp(wire, b, 4), 0), "first header");
    cr_assert(eq(int, memcmp(wire + 4 + 0xFFFFFF, b + 4, 4), 0), "second header");
    redir_message m;
    size_t used;
    uint8_t *join = malloc(payload_len);
    cr_assert(join != NULL);
    cr_assert(eq(int,
                 redir_message_decode(&m, &used, NULL, wire, len, 0, join, payload_len, 0),
                 REDIR_OK));
    cr_assert(eq(sz, used, len));
    cr_assert(eq(sz, m.payload.len, payload_len));
    cr_assert(eq(sz, m.num_frames, 2));
    free(join);
    free(wire);
    free(payload);
}

static void check_frame_continuation_exact(const uint8_t *b, size_t n) {
    check_continuation(b, n, 0xFFFFFF);
}

static void check_frame_continuation_one_more(const uint8_t *b, size_t n) {
    check_continuation(b, n, 0x1000000);
}

static void check_frame_com_quit(const uint8_t *b, size_t n) {
    redir_span p = one_frame(b, n, 0);
    cr_assert(span_is_bytes(p, "01"));
}

static void check_cframe_stored(const uint8_t *b, size_t n) {
    const uint8_t *g = guard_copy(0, b, n);
    redir_cframe f;
    size_t used;
    cr_assert(eq(int, redir_cframe_decode(&f, &used, NULL, g, n), REDIR_OK));
    cr_assert(eq(sz, used, n));
    cr_assert(eq(u32, f.comp_len, 13));
    cr_assert(eq(u8, f.seq, 0));
    cr_assert(eq(u32, f.uncomp_len, 0));
    redir_span inner = one_frame(f.payload.ptr, f.payload.len, 0);
    cr_assert(span_is(inner, "\x03SELECT 3"));
}

static void check_cframe_zlib(const uint8_t *b, size_t n) {
    const uint8_t *g = guard_copy(0, b, n);
    redir_cframe f;
    size_t used;
    cr_assert(eq(int, redir_cframe_decode(&f, &used, NULL, g, n), REDIR_OK));
    cr_assert(eq(sz, used, n));
    cr_assert(eq(u32, f.comp_len, 54));
    cr_assert(eq(u8, f.seq, 1));
    cr_assert(eq(u32, f.uncomp_len, 58));
    static uint8_t scratch[REDIR_INFLATE_SCRATCH_SIZE];
    uint8_t out[64];
    size_t out_len;
    cr_assert(eq(int,
                 redir_cframe_inflate(out, sizeof out, &out_len, &f, 1024, scratch, sizeof scratch),
                 REDIR_OK));
    cr_assert(eq(sz, out_len, 58));
    /* five packets, sequence ids 1..5 */
    const uint8_t *s = out;
    size_t left = out_len;
    redir_frame fr[5];
    for (int i = 0; i < 5; i++) {
        cr_assert(eq(int, redir_frame_decode(&fr[i], &used, NULL, s, left), REDIR_OK));
        cr_assert(eq(u8, fr[i].seq, (uint8_t)(i + 1)));
        s += used;
        left -= used;
    }
    cr_assert(eq(sz, left, 0));
    cr_assert(span_is_bytes(fr[0].payload, "01 01"), "column count 1, metadata follows");
    cr_assert(span_is_bytes(fr[3].payload, "01 33"), "row: \"3\"");
    redir_eof e;
    cr_assert(eq(int, redir_eof_decode(&e, NULL, fr[4].payload.ptr, fr[4].payload.len, CAPS_1011),
                 REDIR_OK));
    cr_assert(eq(u16, e.status, 0x0002));
}

/* ------------------------------------------------------------- connection phase */

static void check_greeting_mariadb(const uint8_t *b, size_t n) {
    redir_span p = one_frame(b, n, 0);
    cr_assert(eq(int, redir_classify(REDIR_PHASE_CONNECT, 0, p.ptr, p.len), REDIR_KIND_GREETING));
    redir_greeting g;
    cr_assert(eq(int, redir_greeting_decode(&g, NULL, p.ptr, p.len), REDIR_OK));
    cr_assert(span_is(g.server_version, "5.5.5-10.11.19-MariaDB-0+deb12u1"));
    cr_assert(eq(u32, g.connection_id, 4));
    cr_assert(eq(u64, g.capabilities, UINT64_C(0x81fff7fe) | (UINT64_C(0x1d) << 32)));
    cr_assert(eq(u8, g.charset, 8));
    cr_assert(eq(u16, g.status, 2));
    cr_assert(eq(u8, g.auth_data_len, 21));
    cr_assert(eq(sz, g.auth_data2.len, 13));
    cr_assert(span_is(g.auth_plugin, "mysql_native_password"));
    uint8_t scramble[64];
    size_t slen;
    cr_assert(eq(int, redir_greeting_scramble(scramble, sizeof scramble, &slen, &g), REDIR_OK));
    cr_assert(eq(sz, slen, 20));
    cr_assert(span_is_bytes(redir_span_of(scramble, slen),
                            "25 3e 46 25 27 31 61 75 4b 56 4d 5f 76 54 23 4d 3b 7c 25 3c"));
}

static void check_greeting_mysql(const uint8_t *b, size_t n) {
    redir_span p = one_frame(b, n, 0);
    redir_greeting g;
    cr_assert(eq(int, redir_greeting_decode(&g, NULL, p.ptr, p.len), REDIR_OK));
    cr_assert(span_is(g.server_version, "8.4.0"));
    cr_assert(eq(u32, g.connection_id, 26));
    cr_assert(eq(u64, g.capabilities, UINT64_C(0xdfffffff)), "no MariaDB capabilities");
    cr_assert(eq(u8, g.charset, 255));
    cr_assert(eq(u8, g.auth_data_len, 21));
    cr_assert(eq(sz, g.auth_data2.len, 13));
    cr_assert(span_is(g.auth_plugin, "caching_sha2_password"));
}

static void check_greeting_mysql_doc(const uint8_t *b, size_t n) {
    redir_span p = one_frame(b, n, 0);
    redir_greeting g;
    cr_assert(eq(int, redir_greeting_decode(&g, NULL, p.ptr, p.len), REDIR_OK));
    cr_assert(span_is(g.server_version, "5.5.2-m2"));
    cr_assert(eq(u32, g.connection_id, 82));
    cr_assert(eq(u64, g.capabilities, 0xffff));
    cr_assert(eq(u8, g.auth_data_len, 0));
    cr_assert(eq(sz, g.auth_data2.len, 13), "max(13, 0 - 8)");
    cr_assert(eq(sz, g.auth_plugin.len, 0));
}

static void check_handshake_response_mariadb(const uint8_t *b, size_t n) {
    redir_span p = one_frame(b, n, 1);
    redir_handshake_response r;
    cr_assert(eq(int, redir_handshake_response_decode(&r, NULL, p.ptr, p.len), REDIR_OK));
    cr_assert(eq(u64, r.capabilities, CAPS_1011));
    cr_assert(eq(u32, r.max_packet, 0x10000000));
    cr_assert(eq(u8, r.charset, 33));
    cr_assert(span_is(r.user, "app"));
    cr_assert(eq(sz, r.auth_response.len, 20));
    cr_assert(r.has_database == false);
    cr_assert(r.has_auth_plugin == true);
    cr_assert(span_is(r.auth_plugin, "mysql_native_password"));
    cr_assert(r.has_attributes == true);
    cr_assert(eq(sz, r.attributes.len, 127));
    static const char *const kv[][2] = {
        {"_os", "Linux"},         {"_client_name", "libmariadb"}, {"_pid", "27787"},
        {"_client_version", "3.3.20"}, {"_platform", "x86_64"}, {"program_name", "mysql"},
        {"_server_host", "127.0.0.1"},
    };
    redir_attr_iter it;
    redir_attr_iter_init(&it, r.attributes);
    for (size_t i = 0; i < sizeof kv / sizeof kv[0]; i++) {
        redir_span k, v;
        cr_assert(eq(int, redir_attr_next(&it, &k, &v, NULL), REDIR_OK));
        cr_assert(span_is(k, kv[i][0]));
        cr_assert(span_is(v, kv[i][1]));
    }
    redir_span k, v;
    cr_assert(eq(int, redir_attr_next(&it, &k, &v, NULL), REDIR_DONE));
}

static void check_ssl_request_mariadb(const uint8_t *b, size_t n) {
    redir_span p = one_frame(b, n, 1);
    redir_handshake_response r;
    cr_assert(eq(int, redir_ssl_request_decode(&r, NULL, p.ptr, p.len), REDIR_OK));
    cr_assert(eq(u64, r.capabilities, UINT64_C(0x00bfaa84) | (UINT64_C(0x1d) << 32)));
    cr_assert(eq(u32, r.max_packet, 0x10000000));
    cr_assert(eq(u8, r.charset, 33));
}

static redir_auth_switch decode_switch(redir_span p) {
    redir_auth_switch s;
    cr_assert(eq(int, redir_auth_switch_decode(&s, NULL, p.ptr, p.len), REDIR_OK));
    return s;
}

static void check_auth_switch_native(const uint8_t *b, size_t n) {
    redir_span p = one_frame(b, n, 2);
    cr_assert(eq(int, redir_classify(REDIR_PHASE_AUTH, CAPS, p.ptr, p.len),
                 REDIR_KIND_AUTH_SWITCH));
    redir_auth_switch s = decode_switch(p);
    cr_assert(s.old_form == false);
    cr_assert(span_is(s.auth_plugin, "mysql_native_password"));
    cr_assert(eq(sz, s.auth_data.len, 21));
    cr_assert(eq(u8, s.auth_data.ptr[20], 0x00));
}

static void check_auth_switch_ed25519(const uint8_t *b, size_t n) {
    redir_span p = one_frame(b, n, 2);
    redir_auth_switch s = decode_switch(p);
    cr_assert(span_is(s.auth_plugin, "client_ed25519"));
    cr_assert(eq(sz, s.auth_data.len, 32), "no terminator to trim");
}

static void check_auth_switch_old(const uint8_t *b, size_t n) {
    redir_span p = one_frame(b, n, 2);
    cr_assert(eq(int, redir_classify(REDIR_PHASE_AUTH, CAPS, p.ptr, p.len),
                 REDIR_KIND_AUTH_SWITCH_OLD));
    redir_auth_switch s = decode_switch(p);
    cr_assert(s.old_form == true);
}

static void check_auth_more_data_fast(const uint8_t *b, size_t n) {
    redir_span p = one_frame(b, n, 2);
    cr_assert(eq(int, redir_classify(REDIR_PHASE_AUTH, CAPS, p.ptr, p.len),
                 REDIR_KIND_AUTH_MORE_DATA));
    redir_span data;
    cr_assert(eq(int, redir_auth_more_data_decode(&data, NULL, p.ptr, p.len), REDIR_OK));
    cr_assert(span_is_bytes(data, "03"));
}

/* ------------------------------------------------------------- OK, state, EOF, ERR */

static void check_ok_plain_login(const uint8_t *b, size_t n) {
    redir_span p = one_frame(b, n, 2);
    redir_ok ok = decode_ok(p, CAPS_1011);
    cr_assert(eq(u8, ok.header, 0));
    cr_assert(eq(u16, ok.status, 2));
    cr_assert(eq(u16, ok.warnings, 0));
    cr_assert(eq(int, ok.info_form, REDIR_INFO_ABSENT));
    cr_assert(ok.has_session_state == false);
}

static void check_ok_all_fields(const uint8_t *b, size_t n) {
    redir_span p = one_frame(b, n, 1);
    redir_ok ok = decode_ok(p, CAPS);
    cr_assert(eq(u64, ok.affected_rows, 1));
    cr_assert(eq(u64, ok.last_insert_id, 300));
    cr_assert(eq(u16, ok.status, 0x4003));
    cr_assert(eq(u16, ok.warnings, 1));
    cr_assert(span_is(ok.info, "Rows matched: 1  Changed: 1  Warnings: 1"));
    redir_session_iter it;
    redir_session_iter_init(&it, ok.session_state);
    redir_session_entry e;
    cr_assert(eq(int, redir_session_next(&it, &e, NULL), REDIR_OK));
    cr_assert(eq(u8, e.type, REDIR_TRACK_TRANSACTION_STATE));
    cr_assert(span_is(e.value, "T___W___"));
    cr_assert(eq(int, redir_session_next(&it, &e, NULL), REDIR_DONE));
    uint8_t out[128];
    size_t len;
    cr_assert(eq(int, redir_ok_encode(out, sizeof out, &len, &ok, CAPS), REDIR_OK));
    same_bytes(out, len, p.ptr, p.len);
}

static void check_ok_info(const uint8_t *b, size_t n) {
    redir_span p = one_frame(b, n, 1);
    redir_ok ok = decode_ok(p, CAPS);
    cr_assert(eq(u64, ok.affected_rows, 2));
    cr_assert(span_is(ok.info, "Records: 2  Duplicates: 0  Warnings: 0"));
    redir_ok plain = decode_ok(p, CAPS & ~REDIR_CLIENT_SESSION_TRACK);
    cr_assert(eq(int, plain.info_form, REDIR_INFO_LENENC));
    cr_assert(span_is(plain.info, "Records: 2  Duplicates: 0  Warnings: 0"));
}

static void check_ok_sysvar_autocommit(const uint8_t *b, size_t n) {
    redir_span p = one_frame(b, n, 1);
    redir_ok ok = decode_ok(p, CAPS_1011);
    cr_assert(eq(u16, ok.status, 0x4000));
    redir_session_iter it;
    redir_session_iter_init(&it, ok.session_state);
    redir_session_entry e;
    cr_assert(eq(int, redir_session_next(&it, &e, NULL), REDIR_OK));
    cr_assert(eq(u8, e.type, REDIR_TRACK_SYSTEM_VARIABLES));
    cr_assert(span_is(e.name, "autocommit"));
    cr_assert(span_is(e.value, "OFF"));
    cr_assert(eq(int, redir_session_next(&it, &e, NULL), REDIR_OK));
    cr_assert(eq(u8, e.type, REDIR_TRACK_STATE_CHANGE));
    cr_assert(span_is(e.value, "1"));
    cr_assert(e.state_change_nested == false);
    cr_assert(eq(int, redir_session_next(&it, &e, NULL), REDIR_DONE));
    redir_instruction ins;
    cr_assert(eq(int, redir_redirect_from_ok(&ins, NULL, &ok, false), REDIR_NOT_FOUND));
}

static void check_ok_schema(const uint8_t *b, size_t n) {
    redir_span p = one_frame(b, n, 1);
    redir_ok ok = decode_ok(p, CAPS_1011);
    redir_session_iter it;
    redir_session_iter_init(&it, ok.session_state);
    redir_session_entry e;
    cr_assert(eq(int, redir_session_next(&it, &e, NULL), REDIR_OK));
    cr_assert(eq(u8, e.type, REDIR_TRACK_SCHEMA));
    cr_assert(span_is(e.value, "sales"));
    cr_assert(eq(int, redir_session_next(&it, &e, NULL), REDIR_OK));
    cr_assert(eq(u8, e.type, REDIR_TRACK_STATE_CHANGE));
    cr_assert(eq(int, redir_session_next(&it, &e, NULL), REDIR_DONE));
}

static void check_ok_as_eof(const uint8_t *b, size_t n) {
    redir_span p = one_frame(b, n, 3);
    cr_assert(eq(int, redir_classify(REDIR_PHASE_ROWS, CAPS, p.ptr, p.len),
                 REDIR_KIND_OK_AS_EOF));
    redir_ok ok = decode_ok(p, CAPS);
    cr_assert(eq(u8, ok.header, 0xFE));
    cr_assert(eq(u16, ok.status, 0x0022));
}

static void check_ok_flag_without_block(const uint8_t *b, size_t n) {
    redir_span p = one_frame(b, n, 5);
    redir_ok ok = decode_ok(p, CAPS);
    cr_assert(eq(u8, ok.header, 0xFE));
    cr_assert(eq(u16, ok.status, 0x4022));
    cr_assert(eq(int, ok.info_form, REDIR_INFO_ABSENT));
    cr_assert(ok.has_session_state == false);
}

static void check_session_entries(const uint8_t *b, size_t n) {
    const uint8_t *g = guard_copy(0, b, n);
    redir_session_iter it;
    redir_session_iter_init(&it, redir_span_of(g, n));
    redir_session_entry e;
    cr_assert(eq(int, redir_session_next(&it, &e, NULL), REDIR_OK));
    cr_assert(eq(u8, e.type, 0));
    cr_assert(span_is(e.name, "autocommit"));
    cr_assert(span_is(e.value, "OFF"));
    cr_assert(eq(int, redir_session_next(&it, &e, NULL), REDIR_OK));
    cr_assert(eq(u8, e.type, 1));
    cr_assert(span_is(e.value, "sales"));
    cr_assert(eq(int, redir_session_next(&it, &e, NULL), REDIR_OK));
    cr_assert(eq(u8, e.type, 2));
    cr_assert(span_is(e.value, "1"));
    cr_assert(eq(int, redir_session_next(&it, &e, NULL), REDIR_OK));
    cr_assert(eq(u8, e.type, 3));
    cr_assert(eq(u8, e.gtid_spec, 0));
    cr_assert(span_is(e.value, "3E11FA47-71CA-11E1-9E33-C80AA9429562:1-5"));
    cr_assert(eq(int, redir_session_next(&it, &e, NULL), REDIR_OK));
    cr_assert(eq(u8, e.type, 4));
    cr_assert(span_is(e.value, "START TRANSACTION READ ONLY;"));
    cr_assert(eq(int, redir_session_next(&it, &e, NULL), REDIR_OK));
    cr_assert(eq(u8, e.type, 5));
    cr_assert(span_is(e.value, "T_______"));
    cr_assert(eq(int, redir_session_next(&it, &e, NULL), REDIR_DONE));
}

static void check_eof_legacy(const uint8_t *b, size_t n) {
    redir_span p = one_frame(b, n, 5);
    cr_assert(eq(int, redir_classify(REDIR_PHASE_ROWS, CAPS_1011, p.ptr, p.len), REDIR_KIND_EOF));
    redir_eof e;
    cr_assert(eq(int, redir_eof_decode(&e, NULL, p.ptr, p.len, CAPS_1011), REDIR_OK));
    cr_assert(e.has_fields == true);
    cr_assert(eq(u16, e.warnings, 0));
    cr_assert(eq(u16, e.status, 2));
}

static void check_err_with_state(const uint8_t *b, size_t n) {
    redir_span p = one_frame(b, n, 1);
    redir_err e;
    cr_assert(eq(int, redir_err_decode(&e, NULL, p.ptr, p.len, CAPS_1011), REDIR_OK));
    cr_assert(eq(u16, e.code, 1146));
    cr_assert(e.has_sql_state == true);
    cr_assert(span_is(e.sql_state, "42S02"));
    cr_assert(span_is(e.message, "Table 'sales.nosuch' doesn't exist"));
    redir_instruction ins;
    cr_assert(eq(int, redir_redirect_from_err(&ins, NULL, &e, 0), REDIR_NOT_FOUND));
}

static void check_err_pre_handshake(const uint8_t *b, size_t n) {
    redir_span p = one_frame(b, n, 0);
    cr_assert(eq(int, redir_classify(REDIR_PHASE_CONNECT, 0, p.ptr, p.len), REDIR_KIND_ERR));
    redir_err e;
    cr_assert(eq(int, redir_err_decode(&e, NULL, p.ptr, p.len, 0), REDIR_OK));
    cr_assert(eq(u16, e.code, 1130));
    cr_assert(e.has_sql_state == false);
    cr_assert(
        span_is(e.message, "Host '127.0.0.1' is not allowed to connect to this MySQL server"));
}

static void check_progress_report(const uint8_t *b, size_t n) {
    redir_span p = one_frame(b, n, 1);
    redir_err e;
    cr_assert(eq(int, redir_err_decode(&e, NULL, p.ptr, p.len, CAPS), REDIR_OK));
    cr_assert(e.is_progress == true);
    cr_assert(eq(u16, e.code, 0xFFFF));
    cr_assert(eq(u8, e.progress_strings, 1));
    cr_assert(eq(u8, e.stage, 1));
    cr_assert(eq(u8, e.max_stage, 2));
    cr_assert(eq(u32, e.progress, 50000));
    cr_assert(span_is(e.progress_info, "copy to tmp table"));
    redir_instruction ins;
    cr_assert(eq(int, redir_redirect_from_err(&ins, NULL, &e, 0), REDIR_NOT_FOUND));
}

/* ------------------------------------------------------------- registry */

struct checker {
    const char *name;
    void (*check)(const uint8_t *b, size_t n);
};

static const struct checker CHECKERS[] = {
    {"st-login-redirect", check_st_login_redirect},
    {"st-set-in-trans", check_st_set_in_trans},
    {"st-115-login-empty", check_st_115_login_empty},
    {"err-redirect", check_err_redirect},
    {"location-community", check_location_community},
    {"location-azure", check_location_azure},
    {"lenenc-boundaries", check_lenenc_boundaries},
    {"frame-continuation-exact", check_frame_continuation_exact},
    {"frame-continuation-one-more", check_frame_continuation_one_more},
    {"frame-com-quit", check_frame_com_quit},
    {"cframe-stored", check_cframe_stored},
    {"cframe-zlib", check_cframe_zlib},
    {"greeting-mariadb", check_greeting_mariadb},
    {"greeting-mysql", check_greeting_mysql},
    {"greeting-mysql-doc", check_greeting_mysql_doc},
    {"handshake-response-mariadb", check_handshake_response_mariadb},
    {"ssl-request-mariadb", check_ssl_request_mariadb},
    {"auth-switch-native", check_auth_switch_native},
    {"auth-switch-ed25519", check_auth_switch_ed25519},
    {"auth-switch-old", check_auth_switch_old},
    {"auth-more-data-fast", check_auth_more_data_fast},
    {"ok-plain-login", check_ok_plain_login},
    {"ok-all-fields", check_ok_all_fields},
    {"ok-info", check_ok_info},
    {"ok-sysvar-autocommit", check_ok_sysvar_autocommit},
    {"ok-schema", check_ok_schema},
    {"ok-as-eof", check_ok_as_eof},
    {"ok-flag-without-block", check_ok_flag_without_block},
    {"session-entries", check_session_entries},
    {"eof-legacy", check_eof_legacy},
    {"err-with-state", check_err_with_state},
    {"err-pre-handshake", check_err_pre_handshake},
    {"progress-report", check_progress_report},
};
#define NCHECKERS (sizeof CHECKERS / sizeof CHECKERS[0])

static char *read_spec(size_t *len) {
    char path[1024];
    snprintf(path, sizeof path, "%s/SPEC.md", REDIR_SOURCE_DIR);
    FILE *f = fopen(path, "rb");
    cr_assert(f != NULL, "cannot open %s", path);
    static char text[512 * 1024];
    size_t n = fread(text, 1, sizeof text - 1, f);
    cr_assert(feof(f), "SPEC.md is larger than the test's buffer");
    fclose(f);
    text[n] = '\0';
    *len = n;
    return text;
}

static int hexdigit(int c) {
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    c = tolower(c);
    return (c >= 'a' && c <= 'f') ? c - 'a' + 10 : -1;
}

/* Parses the code block that follows position p (just after a marker) into
 * out; returns the number of bytes. */
static size_t parse_block(const char *name, const char *p, uint8_t *out, size_t cap) {
    const char *open = strstr(p, "```");
    cr_assert(open != NULL, "%s: no code block", name);
    const char *line = strchr(open, '\n');
    cr_assert(line != NULL);
    line++;
    size_t n = 0;
    for (;;) {
        const char *end = strchr(line, '\n');
        cr_assert(end != NULL, "%s: unterminated block", name);
        if (strncmp(line, "```", 3) == 0) {
            break;
        }
        int hi = -1;
        for (const char *c = line; c < end && *c != ';'; c++) {
            if (isspace((unsigned char)*c)) {
                cr_assert(hi < 0, "%s: split byte in line '%.*s'", name, (int)(end - line), line);
                continue;
            }
            int v = hexdigit((unsigned char)*c);
            cr_assert(v >= 0, "%s: '%c' is not hex in line '%.*s'", name, *c, (int)(end - line),
                      line);
            if (hi < 0) {
                hi = v;
            } else {
                cr_assert(n < cap);
                out[n++] = (uint8_t)(hi << 4 | v);
                hi = -1;
            }
        }
        cr_assert(hi < 0, "%s: odd number of digits", name);
        line = end + 1;
    }
    return n;
}

Test(spec_examples, every_example_decodes) {
    size_t len;
    const char *text = read_spec(&len);
    bool seen[NCHECKERS] = {false};
    size_t examples = 0;
    static const char marker[] = "<!-- example: ";
    for (const char *p = strstr(text, marker); p != NULL; p = strstr(p + 1, marker)) {
        const char *name = p + sizeof marker - 1;
        const char *close = strstr(name, " -->");
        cr_assert(close != NULL);
        char nm[64];
        size_t nl = (size_t)(close - name);
        cr_assert(nl < sizeof nm);
        memcpy(nm, name, nl);
        nm[nl] = '\0';
        size_t k = 0;
        while (k < NCHECKERS && strcmp(CHECKERS[k].name, nm) != 0) {
            k++;
        }
        cr_assert(k < NCHECKERS, "SPEC.md example '%s' has no checker", nm);
        cr_assert(seen[k] == false, "example '%s' appears twice", nm);
        seen[k] = true;
        static uint8_t bytes[4096];
        size_t n = parse_block(nm, close, bytes, sizeof bytes);
        cr_assert(n > 0, "%s: empty", nm);
        CHECKERS[k].check(bytes, n);
        examples++;
    }
    for (size_t k = 0; k < NCHECKERS; k++) {
        cr_assert(seen[k], "checker '%s' has no example in SPEC.md", CHECKERS[k].name);
    }
    cr_assert(eq(sz, examples, NCHECKERS));
}

/* The vector table of §3.1: each value's verdict under the mariadb-server and
 * connector grammars. */
Test(spec_examples, server_grammar_vectors) {
    size_t len;
    const char *text = read_spec(&len);
    const char *begin = strstr(text, "<!-- server-vectors:begin -->");
    const char *end = strstr(text, "<!-- server-vectors:end -->");
    cr_assert(begin != NULL && end != NULL && begin < end);
    size_t rows = 0;
    for (const char *line = strchr(begin, '\n') + 1; line < end; line = strchr(line, '\n') + 1) {
        if (strncmp(line, "| `", 3) != 0) {
            continue;
        }
        const char *v = line + 3;
        const char *vend = strchr(v, '`');
        cr_assert(vend != NULL);
        char rest[64];
        const char *eol = strchr(vend, '\n');
        size_t rl = (size_t)(eol - vend);
        cr_assert(rl < sizeof rest);
        memcpy(rest, vend, rl);
        rest[rl] = '\0';
        char server[16], connector[16];
        /* skip the value's closing backtick and any note, up to the verdicts */
        const char *cells = strchr(rest, '|');
        cr_assert(cells != NULL);
        cr_assert(eq(int, sscanf(cells, "| %15s | %15s |", server, connector), 2), "%s", rest);
        size_t vl = (size_t)(vend - v);
        redir_url u;
        redir_diag d;
        redir_status s1 = redir_url_parse(&u, &d, REDIR_GRAMMAR_MARIADB_SERVER, (const uint8_t *)v, vl);
        redir_status s2 = redir_url_parse(&u, &d, REDIR_GRAMMAR_CONNECTOR, (const uint8_t *)v, vl);
        cr_assert(eq(int, s1 == REDIR_OK, strcmp(server, "valid") == 0), "server '%.*s': %s",
                  (int)vl, v, redir_status_name(s1));
        cr_assert(eq(int, s2 == REDIR_OK, strcmp(connector, "valid") == 0),
                  "connector '%.*s': %s", (int)vl, v, redir_status_name(s2));
        rows++;
    }
    cr_assert(rows >= 50, "only %zu vector rows", rows);
}

/* The side-by-side table of §3.5.8: every cell is what redir_compat_report
 * says ("valid" for a validator, "host:port" for a connector, "-" for no). */
Test(spec_examples, compat_table) {
    size_t len;
    const char *text = read_spec(&len);
    const char *begin = strstr(text, "<!-- compat-table:begin -->");
    const char *end = strstr(text, "<!-- compat-table:end -->");
    cr_assert(begin != NULL && end != NULL && begin < end);
    size_t rows = 0;
    for (const char *line = strchr(begin, '\n') + 1; line < end; line = strchr(line, '\n') + 1) {
        if (strncmp(line, "| `", 3) != 0) {
            continue;
        }
        const char *v = line + 3;
        const char *vend = strchr(v, '`');
        cr_assert(vend != NULL);
        size_t vl = (size_t)(vend - v);
        redir_compat out[REDIR_IMPL_COUNT];
        redir_compat_report(out, (const uint8_t *)v, vl);
        const char *cell = strchr(vend, '|');
        for (int k = 0; k < REDIR_IMPL_COUNT; k++) {
            cr_assert(cell != NULL && cell < end);
            const char *next = strchr(cell + 1, '|');
            cr_assert(next != NULL, "row '%.*s' has too few cells", (int)vl, v);
            const char *a = cell + 1;
            const char *b = next;
            while (a < b && *a == ' ') {
                a++;
            }
            while (b > a && b[-1] == ' ') {
                b--;
            }
            size_t cl = (size_t)(b - a);
            const char *impl = redir_impl_name((redir_impl)k);
            if (cl == 1 && a[0] == '-') {
                cr_assert(out[k].accepts == false, "'%.*s' %s accepts", (int)vl, v, impl);
            } else if (cl == 5 && memcmp(a, "valid", 5) == 0) {
                cr_assert(out[k].accepts == true, "'%.*s' %s", (int)vl, v, impl);
                cr_assert(out[k].connects == false, "'%.*s' %s", (int)vl, v, impl);
            } else {
                const char *colon = b;
                while (colon > a && colon[-1] != ':') {
                    colon--;
                }
                cr_assert(colon > a, "cell '%.*s'", (int)cl, a);
                size_t hl = (size_t)(colon - 1 - a);
                cr_assert(out[k].accepts == true && out[k].connects == true, "'%.*s' %s",
                          (int)vl, v, impl);
                cr_assert(eq(sz, out[k].host_len, hl), "'%.*s' %s host", (int)vl, v, impl);
                cr_assert(eq(int, memcmp(out[k].host, a, hl), 0), "'%.*s' %s host", (int)vl, v,
                          impl);
                cr_assert(eq(u16, out[k].port, (uint16_t)atoi(colon)), "'%.*s' %s port", (int)vl,
                          v, impl);
            }
            cell = next;
        }
        rows++;
    }
    cr_assert(rows >= 15, "only %zu rows", rows);
}
