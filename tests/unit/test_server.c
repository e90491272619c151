/* The server engine as vectors: client bytes from the MariaDB 10.11 captures
 * in pcaps/ go in, in every chunking; the engine's events are checked, and
 * its output is compared byte for byte with what the real server sent in the
 * same capture (or, for the redirect carriers, with the SPEC.md examples).
 *
 * Each conversation runs once per chunking: whole packets, then chunks of
 * 1, 2, 3, 5, 7 and 64 bytes; a separate test splits the handshake response
 * at every offset. */
#include <criterion/criterion.h>
#include <criterion/new/assert.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "redir/redir.h"
#include "testutil.h"

/* ---------------------------------------------------------------- captures */

/* mariadb-10.11-plain.pcap, frame 4: the greeting of MariaDB 10.11.19. The
 * engine never offers compression, so its greeting is this one with
 * CLIENT_COMPRESS (0x20 in the low capability byte: fe -> de) cleared. */
#define PLAIN_GREETING                                                                   \
    "640000000a352e352e352d31302e31312e31392d4d6172696144422d302b646562313275"          \
    "3100090000004f4c6f694453584000deff2d0200ff81150000000000001d000000734748"          \
    "707b3b526c475d7c7b006d7973716c5f6e61746976655f70617373776f726400"
/* frame 6: the mariadb CLI's handshake response (user redir, db redir_test) */
#define PLAIN_RESPONSE                                                                   \
    "dc0000018ca2bf000000100021000000000000000000000000000000000000001d000000"          \
    "7265646972001476e22f545862398fa556064a2b18f6632effaff572656469725f746573"          \
    "74006d7973716c5f6e61746976655f70617373776f7264007f035f6f73054c696e75780c"          \
    "5f636c69656e745f6e616d650a6c69626d617269616462045f7069640532383432300f5f"          \
    "636c69656e745f76657273696f6e06332e332e3230095f706c6174666f726d067838365f"          \
    "36340c70726f6772616d5f6e616d65056d7973716c0c5f7365727665725f686f73740931"          \
    "32372e302e302e31"
/* frame 8: the login OK, session state: schema redir_test */
#define PLAIN_LOGIN_OK "1600000200000002400000000d010b0a72656469725f74657374"
/* frame 9: COM_QUERY "SELECT 1"; frame 10: its result set (legacy EOFs) */
#define PLAIN_SELECT1 "090000000353454c4543542031"
#define PLAIN_SELECT1_RESULT                                                             \
    "0200000101011800000203646566000000013100000c3f00010000000381000000000500"          \
    "0003fe0000020002000004013105000005fe00000200"
/* frames 15-16: DROP TABLE IF EXISTS (an OK with a warning) */
#define PLAIN_DROP                                                                       \
    "200000000344524f50205441424c452049462045584953545320706c61696e5f64656d6f"
#define PLAIN_DROP_OK "0700000100000002000100"
#define COM_QUIT_PACKET "0100000001"

/* mariadb-10.11-change-user.pcap (Connector/Node.js 3.5.4, DEPRECATE_EOF) */
#define CU_RESPONSE                                                                      \
    "c90000010aa3be0100000040e0000000000000000000000000000000000000001c000000"          \
    "72656469720014e1dcb463c883f49eb67737d7f3eb1d514ecf71ef72656469725f746573"          \
    "74006d7973716c5f6e61746976655f70617373776f726400fc6a000c5f636c69656e745f"          \
    "6e616d65164d61726961444220636f6e6e6563746f722f4e6f64650f5f636c69656e745f"          \
    "76657273696f6e05332e352e34035f6f73056c696e75780c5f636c69656e745f686f7374"          \
    "02766d0d5f6e6f64655f76657273696f6e0732302e32302e32"
#define CU_LOGIN_OK "1600000200000002400000000d010b0a72656469725f74657374"
#define CU_QUERY "1b0000000353454c4543542043555252454e545f5553455228292041532075"
/* column count, definition, row, OK-as-EOF */
#define CU_QUERY_RESULT                                                                  \
    "0200000101011800000203646566000000017500000ce00000060000fd00002700000800"          \
    "0003077265646972402507000004fe000002000000"
/* frame 11: COM_CHANGE_USER to redir_ed; frame 12: the switch to ed25519;
 * frame 14: the client's signature; frame 15: the OK */
#define CU_CHANGE_USER                                                                   \
    "950000001172656469725f65640014253c6a097d8ac46367bfbda042240a6b902488ac72"          \
    "656469725f74657374002d006d7973716c5f6e61746976655f70617373776f726400fc50"          \
    "000c5f636c69656e745f6e616d65164d61726961444220636f6e6e6563746f722f4e6f64"          \
    "650f5f636c69656e745f76657273696f6e05332e352e340d5f6e6f64655f76657273696f"          \
    "6e0732302e32302e32"
#define CU_SWITCH_ED25519                                                                \
    "30000001fe636c69656e745f6564323535313900bd03534704281a580ba701c2f4d1332d"          \
    "96302bbce44044a1d5df65d59bfc9004"
#define CU_ED25519_NONCE "bd03534704281a580ba701c2f4d1332d96302bbce44044a1d5df65d59bfc9004"
#define CU_SIGNATURE                                                                     \
    "40000002d1b3c02c696e8e264950200f24ba46dc4c6aa1aebf91a50c45cca5bf90ac6d7f"          \
    "c5b05d341375952b4e6d3d8a72ca119b36cc718cb0c46b9e2c448e06c4c16d01"
#define CU_CHANGE_OK "1600000300000002400000000d010b0a72656469725f74657374"

/* mariadb-10.11-auth-switch-ed25519.pcap: the CLI logs in as redir_ed */
#define ED_RESPONSE                                                                      \
    "df0000018ca2bf000000100021000000000000000000000000000000000000001d000000"          \
    "72656469725f65640014370410192be63040bcd35530a75446afbda2e5de72656469725f"          \
    "74657374006d7973716c5f6e61746976655f70617373776f7264007f035f6f73054c696e"          \
    "75780c5f636c69656e745f6e616d650a6c69626d617269616462045f7069640532383737"          \
    "380f5f636c69656e745f76657273696f6e06332e332e3230095f706c6174666f726d0678"          \
    "38365f36340c70726f6772616d5f6e616d65056d7973716c0c5f7365727665725f686f73"          \
    "74093132372e302e302e31"
#define ED_SWITCH                                                                        \
    "30000002fe636c69656e745f656432353531390057def5cd31a1f969e6bb0e3ae4669534"          \
    "98aa4e924acffdcc0d4a9cc554d2cdd5"
#define ED_NONCE "57def5cd31a1f969e6bb0e3ae466953498aa4e924acffdcc0d4a9cc554d2cdd5"
#define ED_SIGNATURE                                                                     \
    "40000003e9d2980e8bf57605cbb29d059afc153e4bc8c83ff0bb8414e8b38b73d5789afc"          \
    "b0b736274244edf314dee864eaffd3e90724e44db0783d4a0222f41bfb691a01"
#define ED_LOGIN_OK "1600000400000002400000000d010b0a72656469725f74657374"

/* mariadb-10.11-login-error.pcap: wrong password for redir */
#define LE_RESPONSE                                                                      \
    "d100000184a2bf000000100021000000000000000000000000000000000000001d000000"          \
    "7265646972001491be1a6f67e03afeb6d34b2376d78b7dfcd409716d7973716c5f6e6174"          \
    "6976655f70617373776f7264007f035f6f73054c696e75780c5f636c69656e745f6e616d"          \
    "650a6c69626d617269616462045f7069640532383834390f5f636c69656e745f76657273"          \
    "696f6e06332e332e3230095f706c6174666f726d067838365f36340c70726f6772616d5f"          \
    "6e616d65056d7973716c0c5f7365727665725f686f7374093132372e302e302e31"
#define LE_ACCESS_DENIED                                                                 \
    "49000002ff15042332383030304163636573732064656e69656420666f72207573657220"          \
    "2772656469722740273132372e302e302e312720287573696e672070617373776f72643a"          \
    "2059455329"

/* mariadb-10.11-tls.pcap: the SSLRequest (frame 6) and the first bytes of
 * the client's TLS handshake (frame 8, the start of its ClientHello) */
#define TLS_SSL_REQUEST "200000018caabf000000100021000000000000000000000000000000000000001d000000"
#define TLS_CLIENT_HELLO_START "1603010200010001fc030314fa1f74f03682895679a127201c0a7c25"

/* mariadb-10.11-pipelined.pcap: Connector/Node.js sends these back to back */
#define PIPE_COMMANDS                                                                    \
    "170000000353454c45435420534c45455028302e33292041532061"                            \
    "160000000353454c454354203220415320622c20332041532063"                              \
    "0b00000003534554204070203d2037"                                                    \
    "1c0000000353454c454354202a2046524f4d206e6f5f737563685f7461626c65"                  \
    "0f0000000353454c4543542040702041532070"                                            \
    "0c00000003444f20534c454550283029"                                                  \
    "010000000e"                                                                        \
    "010000000e"
#define PIPE_SELECT_A_RESULT                                                             \
    "0200000101011800000203646566000000016100000c3f00010000000381000000000200"          \
    "0003013007000004fe000002000000"
#define PIPE_SET_OK "0700000100000002000000"
#define PIPE_NO_SUCH_TABLE                                                               \
    "37000001ff7a042334325330325461626c65202772656469725f746573742e6e6f5f7375"          \
    "63685f7461626c652720646f65736e2774206578697374"

/* ------------------------------------------------------- SPEC.md carriers */

/* example st-login-redirect */
#define SPEC_ST_LOGIN_REDIRECT                                                           \
    "370000020000000240000000" "2e002c0c72656469726563745f75726c1e6d61726961"           \
    "64623a2f2f6462322e6578616d706c652e636f6d3a33333036"
/* example err-redirect */
#define SPEC_ERR_REDIRECT                                                                \
    "37000002ff6410234859303030" "7c53657276657220697320626569" "6e672075706772616465"  \
    "647c6462322e6578616d706c652e636f6d3a33333036"
/* examples location-community and location-azure */
#define SPEC_LOCATION_COMMUNITY                                                          \
    "4400000200000002000000" "3c4c6f636174696f6e3a206d7973716c3a2f2f5b6462322e6578"      \
    "616d706c652e636f6d5d3a333330362f3f757365723d616c6963652674746c3d36300a"
#define SPEC_LOCATION_AZURE                                                              \
    "4900000200000002000000" "414c6f636174696f6e3a206d7973716c3a2f2f6462322e6578616d"    \
    "706c652e636f6d3a333330362f757365723d616c696365406d797365727665722674746c3d3630"

/* ------------------------------------------------------------- harness */

#define BUF_SIZE 8192

typedef struct conv {
    uint8_t in[BUF_SIZE];
    uint8_t out[BUF_SIZE];
    redir_server srv;
    size_t chunk; /* 0: whole messages; else chunks of at most this many bytes */
} conv;

static conv C;

static const size_t CHUNKINGS[] = {0, 1, 2, 3, 5, 7, 64};
#define NUM_CHUNKINGS (sizeof CHUNKINGS / sizeof CHUNKINGS[0])

static redir_span lit(const char *s) { return redir_span_of(s, strlen(s)); }

static bool span_is(redir_span s, const char *text) {
    return s.len == strlen(text) && (s.len == 0 || memcmp(s.ptr, text, s.len) == 0);
}

static bool span_is_hex(redir_span s, const char *hex) {
    size_t n;
    const uint8_t *b = hexbuf(6, hex, &n);
    return s.len == n && (n == 0 || memcmp(s.ptr, b, n) == 0);
}

/* The configuration that reproduces the captured server: MariaDB 10.11.19,
 * TLS offered, the capture's scramble and connection id. */
static redir_server_config capture_config(uint32_t id, const char *scramble) {
    redir_server_config cfg;
    redir_server_config_init(&cfg);
    cfg.server_version = lit("5.5.5-10.11.19-MariaDB-0+deb12u1");
    cfg.connection_id = id;
    cr_assert(eq(sz, strlen(scramble), 20));
    memcpy(cfg.scramble, scramble, 20);
    cfg.capabilities = UINT64_C(0x81FFFFFE) | (UINT64_C(0x1D) << 32);
    cfg.offer_tls = true;
    cfg.status = REDIR_STATUS_AUTOCOMMIT;
    cfg.charset = 45;
    return cfg;
}

static void start(conv *c, redir_server_config cfg, size_t chunk) {
    memset(c, 0, sizeof *c);
    c->chunk = chunk;
    cfg.in_buf = c->in;
    cfg.in_cap = sizeof c->in;
    cfg.out_buf = c->out;
    cfg.out_cap = sizeof c->out;
    redir_diag d;
    cr_assert(eq(int, redir_server_init(&c->srv, &d, &cfg), REDIR_OK));
}

/* Asserts the queued output is exactly hex, then consumes it. */
static void server_sends(conv *c, const char *hex) {
    size_t want_len;
    const uint8_t *want = hexbuf(5, hex, &want_len);
    size_t len;
    const uint8_t *got = redir_server_output(&c->srv, &len);
    cr_assert(eq(sz, len, want_len), "output %zu bytes, expected %zu", len, want_len);
    cr_assert(eq(int, memcmp(got, want, want_len), 0), "output bytes differ");
    redir_server_output_consume(&c->srv, len);
    cr_assert(redir_server_output(&c->srv, &len) == NULL);
}

static void no_output(conv *c) {
    size_t len;
    cr_assert(redir_server_output(&c->srv, &len) == NULL);
    cr_assert(eq(sz, len, 0));
}

/* Feeds the client bytes in the conversation's chunking, asking for an event
 * after every chunk; returns how many events arrived (at most one, and only
 * after the last chunk) and the event in *ev. */
static int client_bytes(conv *c, const uint8_t *b, size_t n, redir_server_event *ev) {
    size_t step = c->chunk == 0 ? n : c->chunk;
    int events = 0;
    for (size_t at = 0; at < n;) {
        size_t len = n - at < step ? n - at : step;
        size_t taken;
        cr_assert(eq(int, redir_server_feed(&c->srv, &taken, b + at, len), REDIR_OK));
        cr_assert(eq(sz, taken, len));
        at += len;
        redir_server_event e;
        redir_status st = redir_server_next(&c->srv, &e);
        if (st == REDIR_OK) {
            cr_assert(eq(sz, at, n), "an event arrived before the packet was complete");
            *ev = e;
            events++;
        } else {
            cr_assert(eq(int, st, REDIR_DONE));
        }
    }
    return events;
}

/* Feeds one client message and expects exactly one event of type want. */
static redir_server_event client(conv *c, const char *hex, redir_server_event_type want) {
    size_t n;
    const uint8_t *b = hexbuf(4, hex, &n);
    redir_server_event ev;
    memset(&ev, 0, sizeof ev);
    cr_assert(eq(int, client_bytes(c, b, n, &ev), 1), "expected one event");
    cr_assert(eq(int, ev.type, want), "event %d, expected %d (status %s)", (int)ev.type,
              (int)want, redir_status_name(ev.status));
    return ev;
}

static redir_server_event next_event(conv *c, redir_server_event_type want) {
    redir_server_event ev;
    cr_assert(eq(int, redir_server_next(&c->srv, &ev), REDIR_OK));
    cr_assert(eq(int, ev.type, want));
    return ev;
}

static void no_event(conv *c) {
    redir_server_event ev;
    cr_assert(eq(int, redir_server_next(&c->srv, &ev), REDIR_DONE));
}

/* Sends each payload of the framed packets in hex through redir_server_send,
 * from packet first to packet last (0-based, inclusive). */
static void send_payloads(conv *c, const char *hex, size_t first, size_t last) {
    size_t n;
    const uint8_t *b = hexbuf(3, hex, &n);
    size_t at = 0;
    for (size_t i = 0; at < n; i++) {
        redir_frame f;
        size_t used;
        cr_assert(eq(int, redir_frame_decode(&f, &used, NULL, b + at, n - at), REDIR_OK));
        if (i >= first && i <= last) {
            cr_assert(eq(int, redir_server_send(&c->srv, NULL, f.payload.ptr, f.payload.len),
                         REDIR_OK));
        }
        at += used;
    }
}

static void ok_with_schema(conv *c, const char *schema) {
    uint8_t block[64];
    size_t len = 0;
    cr_assert(eq(int, redir_session_append_string(block, sizeof block, &len, REDIR_TRACK_SCHEMA,
                                               lit(schema)),
                 REDIR_OK));
    redir_ok ok;
    memset(&ok, 0, sizeof ok);
    ok.status = REDIR_STATUS_AUTOCOMMIT;
    ok.has_session_state = true;
    ok.session_state = redir_span_of(block, len);
    cr_assert(eq(int, redir_server_ok(&c->srv, NULL, &ok), REDIR_OK));
}

/* Sends the session-track redirect; asserts its sequence id, consumes it. */
static void redirect_ok_goes_out_as(conv *c, uint8_t seq) {
    cr_assert(eq(int,
                 redir_server_ok_redirect(&c->srv, NULL, REDIR_STATUS_AUTOCOMMIT,
                                          lit("mariadb://db2.example.com:3306"), NULL, 0),
                 REDIR_OK));
    size_t len;
    const uint8_t *out = redir_server_output(&c->srv, &len);
    cr_assert(eq(u8, out[3], seq));
    redir_server_output_consume(&c->srv, len);
}

/* Switches to client_ed25519 with the capture's nonce, checks the request
 * against the capture, and returns the client's signature (AUTH_DATA). */
static redir_server_event ed25519_switch(conv *c, const char *nonce_hex,
                                         const char *switch_hex, const char *signature_hex) {
    size_t nonce_len;
    const uint8_t *nonce = hexbuf(2, nonce_hex, &nonce_len);
    cr_assert(eq(int,
                 redir_server_auth_switch(&c->srv, NULL, lit("client_ed25519"),
                                          redir_span_of(nonce, nonce_len)),
                 REDIR_OK));
    server_sends(c, switch_hex);
    cr_assert(eq(int, redir_server_state_of(&c->srv), REDIR_SERVER_AUTH_WAIT));
    redir_server_event ev = client(c, signature_hex, REDIR_SERVER_EV_AUTH_DATA);
    cr_assert(eq(sz, ev.auth_data.len, 64));
    return ev;
}

/* Sends the column definitions' end and the rows' end with AUTOCOMMIT. */
static void end_result_set(conv *c) {
    cr_assert(eq(int, redir_server_columns_end(&c->srv, NULL, 0, REDIR_STATUS_AUTOCOMMIT),
                 REDIR_OK));
    cr_assert(eq(int, redir_server_rows_end(&c->srv, NULL, 0, REDIR_STATUS_AUTOCOMMIT),
                 REDIR_OK));
}

static void plain_login(conv *c) {
    server_sends(c, PLAIN_GREETING);
    redir_server_event ev = client(c, PLAIN_RESPONSE, REDIR_SERVER_EV_HANDSHAKE_RESPONSE);
    cr_assert(span_is(ev.response.user, "redir"));
    cr_assert(ev.response.has_database);
    cr_assert(span_is(ev.response.database, "redir_test"));
    cr_assert(span_is(ev.response.auth_plugin, "mysql_native_password"));
    cr_assert(eq(sz, ev.response.auth_response.len, 20));
    cr_assert(not(ev.tls));
    cr_assert(ev.tls_skipped, "TLS was offered and the client went on in plaintext");
    cr_assert(eq(u64, ev.negotiated, UINT64_C(0x00bfa28c) | (UINT64_C(0x1d) << 32)));
    cr_assert(eq(u64, redir_server_negotiated(&c->srv), ev.negotiated));
    cr_assert(eq(int, redir_server_state_of(&c->srv), REDIR_SERVER_AUTH));
    no_event(c); /* the caller has to answer first */
    ok_with_schema(c, "redir_test");
    server_sends(c, PLAIN_LOGIN_OK);
    cr_assert(eq(int, redir_server_state_of(&c->srv), REDIR_SERVER_IDLE));
}

/* ------------------------------------------------------------- the login */

Test(server, greeting_matches_the_capture) {
    start(&C, capture_config(9, "OLoiDSX@sGHp{;RlG]|{"), 0);
    server_sends(&C, PLAIN_GREETING);
    cr_assert(span_is(redir_server_scramble(&C.srv), "OLoiDSX@sGHp{;RlG]|{"));
    cr_assert(eq(int, redir_server_state_of(&C.srv), REDIR_SERVER_GREETED));
    no_event(&C);
}

Test(server, greeting_defaults_offer_session_tracking_not_tls) {
    redir_server_config cfg;
    redir_server_config_init(&cfg);
    for (size_t i = 0; i < 20; i++) {
        cfg.scramble[i] = (uint8_t)(i * 13); /* includes 0x00 and other unprintables */
    }
    cfg.connection_id = 77;
    start(&C, cfg, 0);
    size_t len;
    const uint8_t *out = redir_server_output(&C.srv, &len);
    redir_frame f;
    size_t used;
    cr_assert(eq(int, redir_frame_decode(&f, &used, NULL, out, len), REDIR_OK));
    cr_assert(eq(sz, used, len));
    cr_assert(eq(u8, f.seq, 0));
    redir_greeting g;
    cr_assert(eq(int, redir_greeting_decode(&g, NULL, f.payload.ptr, f.payload.len), REDIR_OK));
    cr_assert(span_is(g.server_version, REDIR_SERVER_VERSION_DEFAULT));
    cr_assert(span_is(g.auth_plugin, REDIR_SERVER_PLUGIN_DEFAULT));
    cr_assert(eq(u32, g.connection_id, 77));
    cr_assert(eq(u8, g.charset, 45));
    cr_assert(eq(u64, g.capabilities & REDIR_CLIENT_MYSQL, 0));
    cr_assert(eq(u64, g.capabilities & REDIR_CLIENT_SSL, 0));
    cr_assert(eq(u64, g.capabilities & REDIR_CLIENT_COMPRESS, 0));
    cr_assert(ne(u64, g.capabilities & REDIR_CLIENT_SESSION_TRACK, 0));
    cr_assert(ne(u64, g.capabilities & REDIR_MARIADB_CLIENT_EXTENDED_METADATA, 0));
    uint8_t scr[64];
    size_t scr_len;
    cr_assert(eq(int, redir_greeting_scramble(scr, sizeof scr, &scr_len, &g), REDIR_OK));
    cr_assert(eq(sz, scr_len, 20));
    redir_span sent = redir_server_scramble(&C.srv);
    cr_assert(eq(int, memcmp(scr, sent.ptr, 20), 0));
    for (size_t i = 0; i < 20; i++) {
        cr_assert(scr[i] >= 0x21 && scr[i] <= 0x7E, "scramble byte %zu is printable", i);
    }
    cr_assert(eq(u8, scr[7], 7 * 13), "printable bytes are kept");
}

Test(server, plain_login_and_result_set_in_every_chunking) {
    for (size_t k = 0; k < NUM_CHUNKINGS; k++) {
        start(&C, capture_config(9, "OLoiDSX@sGHp{;RlG]|{"), CHUNKINGS[k]);
        plain_login(&C);

        redir_server_event ev = client(&C, PLAIN_SELECT1, REDIR_SERVER_EV_COMMAND);
        cr_assert(eq(u8, ev.command, 0x03));
        cr_assert(span_is(ev.body, "SELECT 1"));
        cr_assert(eq(sz, ev.payload.len, 9));
        no_event(&C);
        send_payloads(&C, PLAIN_SELECT1_RESULT, 0, 1); /* column count, definition */
        cr_assert(eq(int, redir_server_columns_end(&C.srv, NULL, 0, REDIR_STATUS_AUTOCOMMIT),
                     REDIR_OK));
        send_payloads(&C, PLAIN_SELECT1_RESULT, 3, 3); /* the row */
        cr_assert(eq(int, redir_server_rows_end(&C.srv, NULL, 0, REDIR_STATUS_AUTOCOMMIT),
                     REDIR_OK));
        server_sends(&C, PLAIN_SELECT1_RESULT);
        cr_assert(eq(int, redir_server_state_of(&C.srv), REDIR_SERVER_IDLE));

        client(&C, PLAIN_DROP, REDIR_SERVER_EV_COMMAND);
        redir_ok ok;
        memset(&ok, 0, sizeof ok);
        ok.status = REDIR_STATUS_AUTOCOMMIT;
        ok.warnings = 1;
        cr_assert(eq(int, redir_server_ok(&C.srv, NULL, &ok), REDIR_OK));
        server_sends(&C, PLAIN_DROP_OK);

        client(&C, COM_QUIT_PACKET, REDIR_SERVER_EV_CLOSED);
        cr_assert(redir_server_finished(&C.srv));
        no_output(&C);
        no_event(&C);
    }
}

Test(server, handshake_response_split_at_every_offset) {
    size_t n;
    const uint8_t *b = hexbuf(0, PLAIN_RESPONSE, &n);
    uint8_t copy[512];
    memcpy(copy, b, n);
    for (size_t split = 1; split < n; split++) {
        start(&C, capture_config(9, "OLoiDSX@sGHp{;RlG]|{"), 0);
        server_sends(&C, PLAIN_GREETING);
        size_t taken;
        redir_server_event ev;
        cr_assert(eq(int, redir_server_feed(&C.srv, &taken, copy, split), REDIR_OK));
        cr_assert(eq(int, redir_server_next(&C.srv, &ev), REDIR_DONE), "split %zu", split);
        cr_assert(eq(int, redir_server_feed(&C.srv, &taken, copy + split, n - split), REDIR_OK));
        cr_assert(eq(int, redir_server_next(&C.srv, &ev), REDIR_OK));
        cr_assert(eq(int, ev.type, REDIR_SERVER_EV_HANDSHAKE_RESPONSE));
        cr_assert(span_is(ev.response.user, "redir"));
    }
}

Test(server, login_error_ends_the_connection) {
    for (size_t k = 0; k < NUM_CHUNKINGS; k++) {
        start(&C, capture_config(0x0f, "\"uJR>zqFJ~]66JQ7abH#"), CHUNKINGS[k]);
        redir_server_output_consume(&C.srv, 4096);
        redir_server_event ev = client(&C, LE_RESPONSE, REDIR_SERVER_EV_HANDSHAKE_RESPONSE);
        cr_assert(not(ev.response.has_database));
        cr_assert(eq(int,
                     redir_server_err(
                         &C.srv, NULL, 1045, lit("28000"),
                         lit("Access denied for user 'redir'@'127.0.0.1' (using password: YES)")),
                     REDIR_OK));
        server_sends(&C, LE_ACCESS_DENIED);
        cr_assert(redir_server_finished(&C.srv));
        /* whatever the client sends now is dropped */
        size_t taken;
        cr_assert(eq(int, redir_server_feed(&C.srv, &taken, (const uint8_t *)"xyz", 3), REDIR_OK));
        cr_assert(eq(sz, taken, 3));
        no_event(&C);
        no_output(&C);
        redir_ok ok;
        memset(&ok, 0, sizeof ok);
        cr_assert(eq(int, redir_server_ok(&C.srv, NULL, &ok), REDIR_E_SERVER_STATE));
    }
}

Test(server, auth_switch_to_ed25519_at_login) {
    for (size_t k = 0; k < NUM_CHUNKINGS; k++) {
        start(&C, capture_config(0x0e, "\\?ghUPqj@?Z*_#-WQnYP"), CHUNKINGS[k]);
        redir_server_output_consume(&C.srv, 4096);
        redir_server_event ev = client(&C, ED_RESPONSE, REDIR_SERVER_EV_HANDSHAKE_RESPONSE);
        cr_assert(span_is(ev.response.user, "redir_ed"));
        ev = ed25519_switch(&C, ED_NONCE, ED_SWITCH, ED_SIGNATURE);
        cr_assert(eq(u8, ev.auth_data.ptr[0], 0xe9));
        ok_with_schema(&C, "redir_test");
        server_sends(&C, ED_LOGIN_OK);
        cr_assert(eq(int, redir_server_state_of(&C.srv), REDIR_SERVER_IDLE));
    }
}

Test(server, tls_upgrade_hands_over_early_tls_bytes) {
    for (size_t k = 0; k < NUM_CHUNKINGS; k++) {
        start(&C, capture_config(0x0b, "Fp%_1v!=Q^fc>K=1|@gh"), CHUNKINGS[k]);
        redir_server_output_consume(&C.srv, 4096);
        redir_server_event ev = client(&C, TLS_SSL_REQUEST, REDIR_SERVER_EV_START_TLS);
        cr_assert(eq(sz, ev.tls_early.len, 0));
        cr_assert(eq(int, redir_server_state_of(&C.srv), REDIR_SERVER_TLS_PENDING));
        /* bytes received now belong to TLS: the engine refuses them */
        size_t taken = 99;
        cr_assert(eq(int, redir_server_feed(&C.srv, &taken, (const uint8_t *)"\x16", 1),
                     REDIR_E_SERVER_STATE));
        cr_assert(eq(sz, taken, 0));
        cr_assert(eq(int, redir_server_tls_done(&C.srv), REDIR_OK));
        cr_assert(eq(int, redir_server_tls_done(&C.srv), REDIR_E_SERVER_STATE));
        /* the plain capture's response as it would come over TLS: sequence
         * id 2 and CLIENT_SSL (0x0800) set */
        char resp[sizeof PLAIN_RESPONSE];
        memcpy(resp, PLAIN_RESPONSE, sizeof resp);
        memcpy(resp + 6, "02", 2);
        memcpy(resp + 10, "aa", 2);
        ev = client(&C, resp, REDIR_SERVER_EV_HANDSHAKE_RESPONSE);
        cr_assert(ev.tls);
        cr_assert(not(ev.tls_skipped));
        cr_assert(ne(u64, ev.negotiated & REDIR_CLIENT_SSL, 0));
        redirect_ok_goes_out_as(&C, 3); /* after TLS the login OK has sequence id 3 */
    }
}

Test(server, ssl_request_with_client_hello_in_the_same_read) {
    char both[sizeof TLS_SSL_REQUEST + sizeof TLS_CLIENT_HELLO_START];
    strcpy(both, TLS_SSL_REQUEST);
    strcat(both, TLS_CLIENT_HELLO_START);
    start(&C, capture_config(0x0b, "Fp%_1v!=Q^fc>K=1|@gh"), 0);
    redir_server_output_consume(&C.srv, 4096);
    redir_server_event ev = client(&C, both, REDIR_SERVER_EV_START_TLS);
    cr_assert(span_is_hex(ev.tls_early, TLS_CLIENT_HELLO_START));
    cr_assert(eq(int, redir_server_tls_done(&C.srv), REDIR_OK));
    no_event(&C);
}

/* ------------------------------------------------------------- carriers */

static void login_then(conv *c) {
    start(c, capture_config(9, "OLoiDSX@sGHp{;RlG]|{"), 0);
    server_sends(c, PLAIN_GREETING);
    client(c, PLAIN_RESPONSE, REDIR_SERVER_EV_HANDSHAKE_RESPONSE);
}

Test(server, carrier_session_track_is_the_spec_example) {
    login_then(&C);
    cr_assert(eq(int,
                 redir_server_ok_redirect(&C.srv, NULL, REDIR_STATUS_AUTOCOMMIT,
                                          lit("mariadb://db2.example.com:3306"), NULL, 0),
                 REDIR_OK));
    server_sends(&C, SPEC_ST_LOGIN_REDIRECT);
    cr_assert(eq(int, redir_server_state_of(&C.srv), REDIR_SERVER_IDLE));
}

/* The SPEC.md ERR carrier, sequence id 2; it finishes the connection. */
static void err_redirect_is_the_spec_example(conv *c) {
    cr_assert(eq(int,
                 redir_server_err_redirect(&c->srv, NULL, 4196, lit("HY000"),
                                           lit("Server is being upgraded"),
                                           lit("db2.example.com"), 3306),
                 REDIR_OK));
    server_sends(c, SPEC_ERR_REDIRECT);
    cr_assert(redir_server_finished(&c->srv));
}

Test(server, carrier_err_is_the_spec_example) {
    login_then(&C);
    err_redirect_is_the_spec_example(&C);
}

Test(server, carrier_location_is_the_spec_example) {
    login_then(&C);
    cr_assert(eq(int,
                 redir_server_location_ok(&C.srv, NULL, REDIR_STATUS_AUTOCOMMIT,
                                          REDIR_LOCATION_COMMUNITY, lit("db2.example.com"), 3306,
                                          lit("alice"), 60),
                 REDIR_OK));
    server_sends(&C, SPEC_LOCATION_COMMUNITY);
    login_then(&C);
    cr_assert(eq(int,
                 redir_server_location_ok(&C.srv, NULL, REDIR_STATUS_AUTOCOMMIT,
                                          REDIR_LOCATION_AZURE, lit("db2.example.com"), 3306,
                                          lit("alice@myserver"), 60),
                 REDIR_OK));
    server_sends(&C, SPEC_LOCATION_AZURE);
}

Test(server, plaintext_err_redirect_instead_of_tls) {
    /* the CONC-648 shape: the client asked for TLS, the server answers with
     * a plaintext ERR redirect (sequence id 2) */
    start(&C, capture_config(0x0b, "Fp%_1v!=Q^fc>K=1|@gh"), 0);
    redir_server_output_consume(&C.srv, 4096);
    client(&C, TLS_SSL_REQUEST, REDIR_SERVER_EV_START_TLS);
    err_redirect_is_the_spec_example(&C);
}

/* ------------------------------------------------------------- pipelining */

/* The change-user capture's greeting configuration (Connector/Node.js). */
static redir_server_config node_config(void) {
    return capture_config(9, "n-3W@vU%U`aH#tC0e,Jq");
}

static void node_login(conv *c) {
    redir_server_output_consume(&c->srv, 4096);
    redir_server_event ev = client(c, CU_RESPONSE, REDIR_SERVER_EV_HANDSHAKE_RESPONSE);
    cr_assert(ne(u64, ev.negotiated & REDIR_CLIENT_DEPRECATE_EOF, 0));
    ok_with_schema(c, "redir_test");
    server_sends(c, CU_LOGIN_OK);
}

typedef enum answer_kind { ANSWER_ROWS, ANSWER_OK, ANSWER_ERR } answer_kind;

typedef struct pipe_step {
    const char *body;   /* the command's text, or NULL for COM_PING */
    answer_kind kind;
    const char *answer; /* the capture's bytes for the answer, NULL: not compared */
} pipe_step;

static const pipe_step PIPE_SCRIPT[] = {
    {"SELECT SLEEP(0.3) AS a", ANSWER_ROWS, PIPE_SELECT_A_RESULT},
    {"SELECT 2 AS b, 3 AS c", ANSWER_ROWS, NULL},
    {"SET @p = 7", ANSWER_OK, PIPE_SET_OK},
    {"SELECT * FROM no_such_table", ANSWER_ERR, PIPE_NO_SUCH_TABLE},
    {"SELECT @p AS p", ANSWER_ROWS, NULL},
    {"DO SLEEP(0)", ANSWER_OK, PIPE_SET_OK},
    {NULL, ANSWER_OK, PIPE_SET_OK},
    {NULL, ANSWER_OK, PIPE_SET_OK},
};
#define PIPE_STEPS (sizeof PIPE_SCRIPT / sizeof PIPE_SCRIPT[0])

static void answer_pipe_step(conv *c, const pipe_step *step, const redir_server_event *ev) {
    if (step->body == NULL) {
        cr_assert(eq(u8, ev->command, 0x0e));
    } else {
        cr_assert(eq(u8, ev->command, 0x03));
        cr_assert(span_is(ev->body, step->body), "command %.*s, expected %s", (int)ev->body.len,
                  (const char *)ev->body.ptr, step->body);
    }
    if (step->kind == ANSWER_ERR) {
        cr_assert(eq(int,
                     redir_server_err(&c->srv, NULL, 1146, lit("42S02"),
                                      lit("Table 'redir_test.no_such_table' doesn't exist")),
                     REDIR_OK));
    } else if (step->kind == ANSWER_OK) {
        redir_ok ok;
        memset(&ok, 0, sizeof ok);
        ok.status = REDIR_STATUS_AUTOCOMMIT;
        cr_assert(eq(int, redir_server_ok(&c->srv, NULL, &ok), REDIR_OK));
    } else {
        /* a one-column result set: count, definition, one row, OK-as-EOF */
        send_payloads(c, PIPE_SELECT_A_RESULT, 0, 2);
        end_result_set(c); /* no EOF after the columns under DEPRECATE_EOF */
    }
    if (step->answer != NULL) {
        server_sends(c, step->answer);
    } else {
        redir_server_output_consume(&c->srv, BUF_SIZE);
    }
}

Test(server, pipelined_commands_are_read_one_response_at_a_time) {
    size_t n;
    const uint8_t *cmds = hexbuf(0, PIPE_COMMANDS, &n);
    uint8_t copy[512];
    memcpy(copy, cmds, n);
    for (size_t k = 0; k < NUM_CHUNKINGS; k++) {
        start(&C, node_config(), CHUNKINGS[k]);
        node_login(&C);
        size_t step = CHUNKINGS[k] == 0 ? n : CHUNKINGS[k];
        size_t done = 0;
        for (size_t at = 0; at < n;) {
            size_t len = n - at < step ? n - at : step;
            size_t taken;
            cr_assert(eq(int, redir_server_feed(&C.srv, &taken, copy + at, len), REDIR_OK));
            cr_assert(eq(sz, taken, len));
            at += len;
            redir_server_event ev;
            while (redir_server_next(&C.srv, &ev) == REDIR_OK) {
                cr_assert(eq(int, ev.type, REDIR_SERVER_EV_COMMAND));
                cr_assert(lt(sz, done, PIPE_STEPS));
                /* while a command is being answered the next one waits */
                redir_server_event later;
                cr_assert(eq(int, redir_server_next(&C.srv, &later), REDIR_DONE));
                answer_pipe_step(&C, &PIPE_SCRIPT[done], &ev);
                done++;
            }
        }
        cr_assert(eq(sz, done, PIPE_STEPS));
        no_event(&C);
    }
}

Test(server, redirect_in_the_ok_of_a_pipelined_command) {
    /* the first of two pipelined queries gets the redirect; the second is
     * still read and answered, with sequence ids starting over */
    start(&C, node_config(), 0);
    node_login(&C);
    size_t taken;
    size_t n;
    const uint8_t *b = hexbuf(0,
                              "0b00000003534554204070203d2037"
                              "0f0000000353454c4543542040702041532070",
                              &n);
    cr_assert(eq(int, redir_server_feed(&C.srv, &taken, b, n), REDIR_OK));
    redir_server_event ev = next_event(&C, REDIR_SERVER_EV_COMMAND);
    cr_assert(span_is(ev.body, "SET @p = 7"));
    redirect_ok_goes_out_as(&C, 1);
    ev = next_event(&C, REDIR_SERVER_EV_COMMAND);
    cr_assert(span_is(ev.body, "SELECT @p AS p"));
}

/* ------------------------------------------------------------- change user */

Test(server, change_user_with_auth_switch_in_every_chunking) {
    for (size_t k = 0; k < NUM_CHUNKINGS; k++) {
        start(&C, node_config(), CHUNKINGS[k]);
        node_login(&C);
        client(&C, CU_QUERY, REDIR_SERVER_EV_COMMAND);
        send_payloads(&C, CU_QUERY_RESULT, 0, 2);
        end_result_set(&C);
        server_sends(&C, CU_QUERY_RESULT);

        redir_server_event ev = client(&C, CU_CHANGE_USER, REDIR_SERVER_EV_COMMAND);
        cr_assert(eq(u8, ev.command, 0x11));
        ed25519_switch(&C, CU_ED25519_NONCE, CU_SWITCH_ED25519, CU_SIGNATURE);
        ok_with_schema(&C, "redir_test");
        server_sends(&C, CU_CHANGE_OK);
        cr_assert(eq(int, redir_server_state_of(&C.srv), REDIR_SERVER_IDLE));
        client(&C, CU_QUERY, REDIR_SERVER_EV_COMMAND);
    }
}

Test(server, auth_switch_only_where_the_protocol_allows_it) {
    start(&C, node_config(), 0);
    node_login(&C);
    redir_span data = lit("12345678901234567890");
    cr_assert(eq(int, redir_server_auth_switch(&C.srv, NULL, lit("mysql_native_password"), data),
                 REDIR_E_SERVER_STATE), "idle");
    client(&C, CU_QUERY, REDIR_SERVER_EV_COMMAND);
    cr_assert(eq(int, redir_server_auth_switch(&C.srv, NULL, lit("mysql_native_password"), data),
                 REDIR_E_SERVER_STATE), "answering COM_QUERY");
    cr_assert(eq(int, redir_server_auth_more_data(&C.srv, NULL, data), REDIR_E_SERVER_STATE));
}

/* ------------------------------------------------------------- malformed input */

typedef enum setup_kind { AT_GREETING, AT_GREETING_NO_TLS, AFTER_TLS, LOGGED_IN, AFTER_SWITCH } setup_kind;

typedef struct bad_vector {
    const char *name;
    setup_kind at;
    const char *client;  /* hex; the error must come once all of it is in */
    redir_status status;
    size_t offset;
    uint16_t code;       /* of the ERR the engine queues */
    bool sql_state;      /* the ERR carries '#'+SQLSTATE */
} bad_vector;

static const bad_vector BAD[] = {
    {"pre-4.1 client (no CLIENT_PROTOCOL_41)", AT_GREETING,
     "0e000001" "8da0" "000000" "726f6f7400" "41424344",
     REDIR_E_UNSUPPORTED, 0, 1251, false},
    {"SSLRequest when TLS was not offered", AT_GREETING_NO_TLS, TLS_SSL_REQUEST,
     REDIR_E_SERVER_TLS_NOT_OFFERED, 1, 1043, true},
    {"SSLRequest with a byte too many", AT_GREETING,
     "210000018caabf000000100021000000000000000000000000000000000000001d00000000",
     REDIR_E_TRAILING, 32, 1043, true},
    {"SSLRequest cut short", AT_GREETING, "120000018caabf000000100021000000000000000000",
     REDIR_E_TRUNCATED, 9, 1043, true},
    {"response whose user has no NUL", AT_GREETING,
     "240000018ca2bf000000100021000000000000000000000000000000000000001d00000072656469",
     REDIR_E_NO_TERMINATOR, 36, 1043, true},
    {"response cut inside the fixed part", AT_GREETING, "060000018ca2bf000000",
     REDIR_E_TRUNCATED, 4, 1043, true},
    {"response whose auth length runs past the end", AT_GREETING,
     "270000018ca2bf000000100021000000000000000000000000000000000000001d000000"
     "7200" "1441424344",
     REDIR_E_TRUNCATED, 35, 1043, true},
    {"response with a malformed attribute block", AT_GREETING,
     "2c0000010aa3b80100000040e0000000000000000000000000000000000000001c000000"
     "7200" "00" "7800" "6d00" "04" "0c5f6162",
     REDIR_E_BAD_ATTRIBUTES, 41, 1043, true},
    {"response with sequence id 0", AT_GREETING, "dc000000",
     REDIR_E_SEQUENCE, 0, 1156, true},
    {"a 16 MiB packet announced", AT_GREETING, "ffffff01",
     REDIR_E_FRAMER_PAYLOAD_LIMIT, 0, 1153, true},
    {"empty packet", AT_GREETING, "00000001", REDIR_E_TRUNCATED, 0, 1043, true},
    {"response after TLS cut short", AFTER_TLS, "060000028caabf000000",
     REDIR_E_TRUNCATED, 4, 1043, true},
    {"response after TLS with sequence id 1", AFTER_TLS, "dc000001",
     REDIR_E_SEQUENCE, 0, 1156, true},
    {"auth answer with the wrong sequence id", AFTER_SWITCH, "04000002",
     REDIR_E_SEQUENCE, 224, 1156, true}, /* stream offset: after the 224-byte response */
    {"empty command", LOGGED_IN, "00000000", REDIR_E_EMPTY_PACKET, 0, 1047, true},
    {"command with sequence id 1", LOGGED_IN, "09000001",
     REDIR_E_SEQUENCE, 224, 1156, true},
    {"COM_STMT_CLOSE cut short", LOGGED_IN, "03000000190102", REDIR_E_TRUNCATED, 1, 1047, true},
    {"COM_PROCESS_KILL with trailing bytes", LOGGED_IN, "060000000c0100000000",
     REDIR_E_TRAILING, 5, 1047, true},
    {"a 16 MiB command announced", LOGGED_IN, "ffffff00", REDIR_E_FRAMER_PAYLOAD_LIMIT, 224,
     1153, true},
};
#define NUM_BAD (sizeof BAD / sizeof BAD[0])

static void setup_at(conv *c, setup_kind at, size_t chunk) {
    redir_server_config cfg = capture_config(9, "OLoiDSX@sGHp{;RlG]|{");
    cfg.offer_tls = at != AT_GREETING_NO_TLS;
    start(c, cfg, 0);
    redir_server_output_consume(&c->srv, BUF_SIZE);
    if (at == AFTER_TLS) {
        client(c, TLS_SSL_REQUEST, REDIR_SERVER_EV_START_TLS);
        cr_assert(eq(int, redir_server_tls_done(&c->srv), REDIR_OK));
    } else if (at == LOGGED_IN || at == AFTER_SWITCH) {
        client(c, PLAIN_RESPONSE, REDIR_SERVER_EV_HANDSHAKE_RESPONSE);
        if (at == LOGGED_IN) {
            ok_with_schema(c, "redir_test");
        } else {
            cr_assert(eq(int,
                         redir_server_auth_switch(&c->srv, NULL, lit("mysql_native_password"),
                                                  lit("01234567890123456789\0")),
                         REDIR_OK));
        }
        redir_server_output_consume(&c->srv, BUF_SIZE);
    }
    c->chunk = chunk;
}

/* The output must be exactly one ERR that decodes, naming the status and
 * the offset. */
static void one_err_naming(conv *c, const bad_vector *v) {
    size_t len;
    const uint8_t *out = redir_server_output(&c->srv, &len);
    cr_assert(not(eq(ptr, (void *)(uintptr_t)out, NULL)), "%s: an ERR is queued", v->name);
    redir_frame f;
    size_t used;
    cr_assert(eq(int, redir_frame_decode(&f, &used, NULL, out, len), REDIR_OK));
    cr_assert(eq(sz, used, len), "%s: exactly one packet", v->name);
    redir_err e;
    cr_assert(eq(int, redir_err_decode(&e, NULL, f.payload.ptr, f.payload.len, 0), REDIR_OK));
    cr_assert(eq(u16, e.code, v->code), "%s", v->name);
    cr_assert(eq(int, e.has_sql_state, v->sql_state), "%s", v->name);
    char want[96];
    snprintf(want, sizeof want, ": %s at offset %zu", redir_status_name(v->status), v->offset);
    size_t wl = strlen(want);
    cr_assert(e.message.len > wl &&
                  memcmp(e.message.ptr + e.message.len - wl, want, wl) == 0,
              "%s: message \"%.*s\" ends with \"%s\"", v->name, (int)e.message.len,
              (const char *)e.message.ptr, want);
    redir_server_output_consume(&c->srv, len);
    no_output(c);
}

Test(server, malformed_input_ends_in_one_err_in_every_chunking) {
    for (size_t i = 0; i < NUM_BAD; i++) {
        const bad_vector *v = &BAD[i];
        for (size_t k = 0; k < NUM_CHUNKINGS; k++) {
            setup_at(&C, v->at, CHUNKINGS[k]);
            redir_server_event ev = client(&C, v->client, REDIR_SERVER_EV_ERROR);
            cr_assert(eq(int, ev.status, v->status), "%s: %s", v->name,
                      redir_status_name(ev.status));
            cr_assert(eq(sz, ev.diag.offset, v->offset), "%s", v->name);
            cr_assert(redir_server_finished(&C.srv));
            one_err_naming(&C, v);
            no_event(&C);
            size_t taken;
            cr_assert(eq(int, redir_server_feed(&C.srv, &taken, (const uint8_t *)"more", 4),
                         REDIR_OK));
            no_event(&C);
            no_output(&C);
        }
    }
}

Test(server, a_huge_packet_is_refused_before_its_payload) {
    /* the engine holds at most its buffers: the header alone is enough */
    setup_at(&C, AT_GREETING, 0);
    size_t taken;
    uint8_t hdr[4] = {0xff, 0xff, 0xff, 0x01};
    cr_assert(eq(int, redir_server_feed(&C.srv, &taken, hdr, 4), REDIR_OK));
    redir_server_event ev;
    cr_assert(eq(int, redir_server_next(&C.srv, &ev), REDIR_OK));
    cr_assert(eq(int, ev.status, REDIR_E_FRAMER_PAYLOAD_LIMIT));
    uint8_t junk[1024];
    memset(junk, 'x', sizeof junk);
    for (int i = 0; i < 20000; i++) { /* 20 MB more are swallowed, not kept */
        cr_assert(eq(int, redir_server_feed(&C.srv, &taken, junk, sizeof junk), REDIR_OK));
        cr_assert(eq(sz, taken, sizeof junk));
    }
    no_event(&C);
}

/* ------------------------------------------------------------- the caller's side */

Test(server, answers_out_of_turn_are_refused_without_output) {
    start(&C, capture_config(9, "OLoiDSX@sGHp{;RlG]|{"), 0);
    redir_server_output_consume(&C.srv, BUF_SIZE);
    redir_ok ok;
    memset(&ok, 0, sizeof ok);
    cr_assert(eq(int, redir_server_ok(&C.srv, NULL, &ok), REDIR_E_SERVER_STATE), "before login");
    cr_assert(eq(int, redir_server_err(&C.srv, NULL, 1, lit(""), lit("x")), REDIR_E_SERVER_STATE));
    cr_assert(eq(int, redir_server_tls_done(&C.srv), REDIR_E_SERVER_STATE));
    client(&C, PLAIN_RESPONSE, REDIR_SERVER_EV_HANDSHAKE_RESPONSE);
    ok.header = 0xFE;
    cr_assert(eq(int, redir_server_ok(&C.srv, NULL, &ok), REDIR_E_SERVER_STATE),
              "OK-as-EOF cannot end a login");
    cr_assert(eq(int, redir_server_send(&C.srv, NULL, (const uint8_t *)"\x01", 1),
                 REDIR_E_SERVER_STATE));
    cr_assert(eq(int, redir_server_rows_end(&C.srv, NULL, 0, 2), REDIR_E_SERVER_STATE));
    no_output(&C);
    ok_with_schema(&C, "redir_test");
    redir_server_output_consume(&C.srv, BUF_SIZE);
    cr_assert(eq(int, redir_server_columns_end(&C.srv, NULL, 0, 2), REDIR_E_SERVER_STATE));
    client(&C, PLAIN_SELECT1, REDIR_SERVER_EV_COMMAND);
    /* this client did not negotiate DEPRECATE_EOF: no OK-as-EOF */
    cr_assert(eq(int, redir_server_rows_end_state(&C.srv, NULL, 0, 2, lit("\x01\x02\x01x")),
                 REDIR_E_SERVER_STATE));
    ok.header = 0x01;
    cr_assert(eq(int, redir_server_ok(&C.srv, NULL, &ok), REDIR_E_INVALID_ARGUMENT));
    no_output(&C);
}

Test(server, a_full_output_buffer_reports_the_room_needed) {
    static uint8_t in[1024], out[160];
    redir_server_config cfg = capture_config(9, "OLoiDSX@sGHp{;RlG]|{");
    cfg.in_buf = in;
    cfg.in_cap = sizeof in;
    cfg.out_buf = out;
    cfg.out_cap = 64;
    redir_server srv;
    redir_diag d = {0, 0};
    cr_assert(eq(int, redir_server_init(&srv, &d, &cfg), REDIR_E_NOSPACE));
    cr_assert(eq(sz, d.needed, 104), "the greeting's size");
    cfg.out_cap = sizeof out;
    cr_assert(eq(int, redir_server_init(&srv, &d, &cfg), REDIR_OK));
    size_t n;
    const uint8_t *b = hexbuf(0, PLAIN_RESPONSE, &n);
    size_t taken;
    cr_assert(eq(int, redir_server_feed(&srv, &taken, b, n), REDIR_OK));
    redir_server_event ev;
    cr_assert(eq(int, redir_server_next(&srv, &ev), REDIR_OK));
    /* the greeting (104 bytes) is still queued: the 59-byte redirect OK
     * does not fit the 56 bytes left */
    cr_assert(eq(int,
                 redir_server_ok_redirect(&srv, &d, REDIR_STATUS_AUTOCOMMIT,
                                          lit("mariadb://db2.example.com:3306"), NULL, 0),
                 REDIR_E_NOSPACE));
    cr_assert(eq(sz, d.needed, 59));
    size_t len;
    redir_server_output(&srv, &len);
    cr_assert(eq(sz, len, 104), "nothing was queued");
    redir_server_output_consume(&srv, len);
    cr_assert(eq(int,
                 redir_server_ok_redirect(&srv, &d, REDIR_STATUS_AUTOCOMMIT,
                                          lit("mariadb://db2.example.com:3306"), NULL, 0),
                 REDIR_OK));
    const uint8_t *o = redir_server_output(&srv, &len);
    size_t want_len;
    const uint8_t *want = hexbuf(1, SPEC_ST_LOGIN_REDIRECT, &want_len);
    cr_assert(eq(sz, len, want_len));
    cr_assert(eq(int, memcmp(o, want, len), 0));
}

Test(server, results_with_more_results_keep_the_command_open) {
    start(&C, node_config(), 0);
    node_login(&C);
    client(&C, CU_QUERY, REDIR_SERVER_EV_COMMAND);
    redir_ok ok;
    memset(&ok, 0, sizeof ok);
    ok.status = REDIR_STATUS_AUTOCOMMIT | REDIR_STATUS_MORE_RESULTS_EXISTS;
    cr_assert(eq(int, redir_server_ok(&C.srv, NULL, &ok), REDIR_OK));
    cr_assert(eq(int, redir_server_state_of(&C.srv), REDIR_SERVER_RESPONDING));
    send_payloads(&C, CU_QUERY_RESULT, 0, 2);
    uint8_t block[64];
    size_t blen = 0;
    cr_assert(eq(int, redir_session_append_sysvar(block, sizeof block, &blen, lit("redirect_url"),
                                               lit("mysql://10.0.0.7:3307")),
                 REDIR_OK));
    cr_assert(eq(int,
                 redir_server_rows_end_state(&C.srv, NULL, 0, REDIR_STATUS_AUTOCOMMIT,
                                             redir_span_of(block, blen)),
                 REDIR_OK));
    cr_assert(eq(int, redir_server_state_of(&C.srv), REDIR_SERVER_IDLE));
    /* the sequence ids ran on: OK 1, count 2, definition 3, row 4, OK-as-EOF 5 */
    size_t len;
    const uint8_t *out = redir_server_output(&C.srv, &len);
    size_t at = 0;
    uint8_t seq = 1;
    redir_frame f;
    size_t used;
    while (at < len) {
        cr_assert(eq(int, redir_frame_decode(&f, &used, NULL, out + at, len - at), REDIR_OK));
        cr_assert(eq(u8, f.seq, seq++));
        at += used;
    }
    cr_assert(eq(u8, seq, 6));
    redir_ok last;
    cr_assert(eq(int, redir_ok_decode(&last, NULL, f.payload.ptr, f.payload.len,
                                      redir_server_negotiated(&C.srv)),
                 REDIR_OK));
    cr_assert(eq(u8, last.header, 0xFE));
    redir_instruction ins;
    cr_assert(eq(int, redir_redirect_from_ok(&ins, NULL, &last, false), REDIR_OK));
    cr_assert(eq(u16, ins.port, 3307));
}
