/* The client engine driven through real server bytes: each vector is what a
 * MariaDB or MySQL server sent (pcaps/), fed in every chunking, and the
 * events the engine reports, written as one line. Security rules are
 * checked on packets built with the library's redirect builders. */
#include <criterion/criterion.h>
#include <criterion/new/assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "redir/redir.h"
#include "testutil.h"

/* mariadb-10.11-plain.pcap, flow 1: the server's first 13 packets */
static const char PLAIN[] =
    "640000000a352e352e352d31302e31312e31392d4d6172696144422d302b6465623132753100090000004f4c"
    "6f694453584000feff2d0200ff81150000000000001d000000734748707b3b526c475d7c7b006d7973716c5f"
    "6e61746976655f70617373776f726400"
    "1600000200000002400000000d010b0a72656469725f74657374"
    "020000010101"
    "1800000203646566000000013100000c3f0001000000038100000000"
    "05000003fe00000200"
    "020000040131"
    "05000005fe00000200"
    "020000010201"
    "1c000002036465660000000569735f313000000c3f0001000000038100000000"
    "22000003036465660000000b6861735f636f6d6d656e7400000c3f0001000000038100000000"
    "05000004fe00000200"
    "0400000501310131"
    "05000006fe00000200"
;

/* mariadb-10.11-auth-switch-ed25519.pcap, flow 1: the server's first 3 packets */
static const char ED25519[] =
    "640000000a352e352e352d31302e31312e31392d4d6172696144422d302b64656231327531000e0000005c3f"
    "67685550716a00feff2d0200ff81150000000000001d000000403f5a2a5f232d57516e5950006d7973716c5f"
    "6e61746976655f70617373776f726400"
    "30000002fe636c69656e745f656432353531390057def5cd31a1f969e6bb0e3ae466953498aa4e924acffdcc"
    "0d4a9cc554d2cdd5"
    "1600000400000002400000000d010b0a72656469725f74657374"
;

/* mariadb-10.11-login-error.pcap, flow 1: the server's first 2 packets */
static const char REFUSED[] =
    "640000000a352e352e352d31302e31312e31392d4d6172696144422d302b64656231327531000f0000002275"
    "4a523e7a714600feff2d0200ff81150000000000001d0000004a7e5d36364a513761624823006d7973716c5f"
    "6e61746976655f70617373776f726400"
    "49000002ff15042332383030304163636573732064656e69656420666f722075736572202772656469722740"
    "273132372e302e302e312720287573696e672070617373776f72643a2059455329"
;

/* mariadb-10.11-login-error.pcap, flow 3: the server's first 3 packets */
static const char REFUSED_ED25519[] =
    "640000000a352e352e352d31302e31312e31392d4d6172696144422d302b646562313275310011000000552a"
    "6f716b434d3800feff2d0200ff81150000000000001d00000071507c40666443613f54682f006d7973716c5f"
    "6e61746976655f70617373776f726400"
    "30000002fe636c69656e745f65643235353139006f25337839b1ab6060bfd4a114fe3095b3b97c2a4a75910f"
    "bfcaba913f822f73"
    "4c000004ff15042332383030304163636573732064656e69656420666f722075736572202772656469725f65"
    "642740273132372e302e302e312720287573696e672070617373776f72643a2059455329"
;

/* mariadb-10.11-session-track.pcap, flow 1: the server's first 6 packets */
static const char SESSION_TRACK[] =
    "640000000a352e352e352d31302e31312e31392d4d6172696144422d302b64656231327531000d0000007d28"
    "4c287d62504d00feff2d0200ff81150000000000001d0000006e642c4c783a5376766c3e30006d7973716c5f"
    "6e61746976655f70617373776f726400"
    "1600000200000002400000000d010b0a72656469725f74657374"
    "2c00000100000002400000002300211e73657373696f6e5f747261636b5f73797374656d5f7661726961626c"
    "6573012a"
    "2300000100000002400000001a00181473657373696f6e5f747261636b5f736368656d61024f4e"
    "2c000001000000024000000023001e1a73657373696f6e5f747261636b5f73746174655f6368616e6765024f"
    "4e020131"
    "4b000001000000024000000042002f1e73657373696f6e5f747261636b5f7472616e73616374696f6e5f696e"
    "666f0f4348415241435445524953544943530201310509085f5f5f5f5f5f5f5f040100"
;

/* zeek__caching_sha2_password.pcap, flow 2: the server's first 4 packets */
static const char SHA2_RSA[] =
    "4a0000000a382e302e333200090000003478603f6504692700ffffff0200ffdf15000000000000000000006b"
    "262d50254c4944172f0f7b0063616368696e675f736861325f70617373776f726400"
    "020000020104"
    "c4010004012d2d2d2d2d424547494e205055424c4943204b45592d2d2d2d2d0a4d494942496a414e42676b71"
    "686b6947397730424151454641414f43415138414d49494243674b434151454130564143792f625936304d52"
    "755057366143785a0a62692b6f3045674367787a464f6262797a44666e546e564a65674f5862726463627531"
    "71496c456a50796e37554d42666a51722b567565694a76506a7a324d380a642f364758316834665975775734"
    "62455842566f344847784d384e3049794f3142596a61664f616f55654c2f4e492b624c69664837304b6f7249"
    "635355522b680a383739444151307a6c4b7a3576777044594e324c567869646a4676793562615350692f6373"
    "444d7169326a697442417a624e573939324f2f763943506e6835660a6b64524d61326c4d504b785261506571"
    "417739553743416d52714161485a41666449356b596e6a3376734f46764b4c32646b452b636b593873683548"
    "3275746f0a33372b6d67366f6c6c35507379644d6253757646484c63304a5a6d2b2b6f656d357a3257735a42"
    "64786d6f68714a38466f6334335738494f7478732b59414f770a76774944415141420a2d2d2d2d2d454e4420"
    "5055424c4943204b45592d2d2d2d2d0a"
    "1000000600000002400000000701050474657374"
;

/* zeek__caching_sha2_password.pcap, flow 3: the server's first 3 packets */
static const char SHA2_FAST[] =
    "4a0000000a382e302e3332000a0000005a0c77690259127b00ffffff0200ffdf150000000000000000000023"
    "4d131543374c15266d1a1e0063616368696e675f736861325f70617373776f726400"
    "020000020103"
    "1000000300000002400000000701050474657374"
;

/* zeek__caching_sha2_password-after-auth-switch.pcapng, flow 1: the server's first 4 packets */
static const char SHA2_SWITCH[] =
    "4a0000000a382e302e33320014000000567a08772b5e047000ffffff0200ffdf150000000000000000000002"
    "547601227e1134145250360063616368696e675f736861325f70617373776f726400"
    "2c000002fe63616368696e675f736861325f70617373776f726400567a08772b5e047002547601227e113414"
    "52503600"
    "020000040103"
    "1700000500000002400000000e0509085f5f5f5f5f5f5f5f040100"
;

/* ------------------------------------------------------------- the driver */

typedef struct script {
    redir_client_config cfg;
    const uint8_t *server;      /* bytes the server sends, in order */
    size_t server_len;
    const char *const *cmds;    /* command payloads (hex) sent after LOGGED_IN */
    size_t num_cmds;
    bool pipeline;              /* send all commands at once */
    bool verified;              /* what redir_client_tls_done reports */
    char trace[8192];
    uint8_t sent[16384];        /* everything the engine gave to send */
    size_t sent_len;
    size_t tls_at;              /* sent_len when START_TLS was reported */
    size_t tls_from;            /* server bytes from here on arrive through TLS (0: none) */
} script;

static uint8_t in_buf[4096];
static uint8_t out_buf[4096];

static void script_init(script *s, const char *server_hex) {
    memset(s, 0, sizeof *s);
    redir_client_config_init(&s->cfg);
    s->cfg.tls = REDIR_TLS_OFF;
    s->cfg.user = redir_span_of("redir", 5);
    s->cfg.host = redir_span_of("db1.example", 11);
    s->cfg.port = 3306;
    s->cfg.in_buf = in_buf;
    s->cfg.in_cap = sizeof in_buf;
    s->cfg.out_buf = out_buf;
    s->cfg.out_cap = sizeof out_buf;
    static uint8_t server[8192];
    s->server_len = hex_decode(server_hex, server, sizeof server);
    s->server = server;
}

static void add(script *s, const char *fmt, ...) {
    size_t n = strlen(s->trace);
    if (n > 0 && n < sizeof s->trace - 1) {
        s->trace[n++] = ' ';
        s->trace[n] = '\0';
    }
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(s->trace + n, sizeof s->trace - n, fmt, ap);
    va_end(ap);
}

static const char *stage_name(redir_auth_stage st) {
    return st == REDIR_AUTH_STAGE_INITIAL ? "initial"
           : st == REDIR_AUTH_STAGE_CLEARTEXT ? "cleartext" : "rsa";
}

static void describe(script *s, const redir_client_event *ev) {
    switch (ev->type) {
    case REDIR_CLIENT_EV_AUTH_NEEDED:
        add(s, "auth(%.*s,%s,%zu)", (int)ev->auth.plugin.len, (const char *)ev->auth.plugin.ptr,
            stage_name(ev->auth.stage),
            ev->auth.stage == REDIR_AUTH_STAGE_RSA ? ev->auth.data.len : ev->auth.scramble.len);
        break;
    case REDIR_CLIENT_EV_SESSION_STATE:
        if (ev->entry.type == REDIR_TRACK_SYSTEM_VARIABLES) {
            add(s, "state(%.*s=%.*s)", (int)ev->entry.name.len, (const char *)ev->entry.name.ptr,
                (int)ev->entry.value.len, (const char *)ev->entry.value.ptr);
        } else {
            add(s, "state(%u)", ev->entry.type);
        }
        break;
    case REDIR_CLIENT_EV_REDIRECT:
        add(s, "redirect(%.*s:%u,%s,%s%s)", (int)ev->redirect.host.len,
            (const char *)ev->redirect.host.ptr, ev->redirect.port,
            redir_decision_name(ev->decision), redir_reason_name(ev->reason),
            ev->deferred ? ",again" : "");
        break;
    case REDIR_CLIENT_EV_RESPONSE:
        add(s, "%s%s%s", redir_client_resp_kind_name(ev->response.kind),
            ev->response.more_results ? "+" : "", ev->response.complete ? "." : "");
        break;
    case REDIR_CLIENT_EV_ERROR:
        if (ev->has_err) {
            add(s, "error(%s,%u)", redir_status_name(ev->status), ev->err.code);
        } else {
            add(s, "error(%s)", redir_status_name(ev->status));
        }
        break;
    default:
        add(s, "%s", redir_client_event_name(ev->type));
        break;
    }
}

static void drain(script *s, redir_client *c) {
    redir_span out = redir_client_output(c);
    cr_assert(s->sent_len + out.len <= sizeof s->sent);
    if (out.len > 0) {
        memcpy(s->sent + s->sent_len, out.ptr, out.len);
    }
    s->sent_len += out.len;
    redir_client_output_consume(c, out.len);
}

static void answer(redir_client *c, const redir_client_event *ev) {
    uint8_t reply[256];
    size_t len = 0;
    switch (ev->auth.stage) {
    case REDIR_AUTH_STAGE_INITIAL:
        len = ev->auth.scramble.len == 32 ? 64 : 20; /* a signature or a hash */
        memset(reply, 0x5A, len);
        break;
    case REDIR_AUTH_STAGE_CLEARTEXT:
        memcpy(reply, "pw", 3);
        len = 3;
        break;
    case REDIR_AUTH_STAGE_RSA:
        len = 256;
        memset(reply, 0x11, len);
        break;
    }
    redir_diag d;
    cr_assert(eq(int, redir_client_auth_reply(c, &d, reply, len), REDIR_OK));
}

/* run plays the script with the server's bytes fed chunk bytes at a time,
 * only when the engine has nothing else to report; the trace is in s->trace. */
static void run(script *s, size_t chunk) {
    redir_client c;
    redir_diag d;
    s->trace[0] = '\0';
    s->sent_len = 0;
    cr_assert(eq(int, redir_client_init(&c, &d, &s->cfg), REDIR_OK));
    size_t pos = 0;
    size_t next_cmd = 0;
    bool logged_in = false;
    bool eof = false;
    bool tls = false;
    for (int guard = 0; guard < 100000; guard++) {
        redir_client_event ev;
        redir_status st = redir_client_next(&c, &ev);
        if (st == REDIR_OK) {
            describe(s, &ev);
            if (ev.type == REDIR_CLIENT_EV_START_TLS) {
                drain(s, &c);
                s->tls_at = s->sent_len;
                cr_assert(eq(int, redir_client_tls_done(&c, s->verified), REDIR_OK));
                tls = true;
            } else if (ev.type == REDIR_CLIENT_EV_AUTH_NEEDED) {
                answer(&c, &ev);
            } else if (ev.type == REDIR_CLIENT_EV_LOGGED_IN) {
                logged_in = true;
            } else if (ev.type == REDIR_CLIENT_EV_CLOSED) {
                drain(s, &c);
                cr_assert(eq(int, redir_client_next(&c, &ev), REDIR_DONE));
                return;
            }
            continue;
        }
        cr_assert(eq(int, st, REDIR_DONE));
        drain(s, &c);
        if (logged_in && next_cmd < s->num_cmds &&
            (s->pipeline || redir_client_in_flight(&c) == 0)) {
            do {
                uint8_t cmd[512];
                size_t n = hex_decode(s->cmds[next_cmd], cmd, sizeof cmd);
                cr_assert(eq(int, redir_client_command(&c, &d, cmd, n), REDIR_OK));
                next_cmd++;
            } while (s->pipeline && next_cmd < s->num_cmds);
            continue;
        }
        if (pos < s->server_len) {
            size_t end = s->tls_from > pos && !tls ? s->tls_from : s->server_len;
            size_t n = end - pos < chunk ? end - pos : chunk;
            if (n == 0) {
                cr_fail("waiting for TLS: %s", s->trace);
            }
            size_t taken = 0;
            cr_assert(eq(int, redir_client_feed(&c, &taken, s->server + pos, n), REDIR_OK));
            pos += taken;
            continue;
        }
        if (!eof) {
            redir_client_eof(&c);
            eof = true;
            continue;
        }
        cr_fail("the engine stopped without CLOSED: %s", s->trace);
    }
    cr_fail("no end");
}

/* expect runs the script whole and in every chunking; the traces must all
 * be want. */
static void expect(script *s, const char *want) {
    run(s, s->server_len > 0 ? s->server_len : 1);
    cr_assert(strcmp(s->trace, want) == 0, "got:  %s\nwant: %s", s->trace, want);
    char first[8192];
    memcpy(first, s->trace, sizeof first);
    size_t sent = s->sent_len;
    for (size_t chunk = 1; chunk < s->server_len; chunk++) {
        run(s, chunk);
        cr_assert(strcmp(s->trace, first) == 0, "chunk %zu: %s", chunk, s->trace);
        cr_assert(eq(sz, s->sent_len, sent), "chunk %zu", chunk);
    }
}

/* The capabilities of the mariadb command-line client in the captures. */
#define MARIADB_CLI_CAPS ((UINT64_C(0x1d) << 32) | UINT64_C(0x00bfa28c))

static const char SELECT_1[] = "0353454c4543542031";
static const char SELECT_VERSION[] =
    "0353454c4543542056455253494f4e2829204c494b45202731302e25272041532069735f31302c2040407665"
    "7273696f6e5f636f6d6d656e74204953204e4f54204e554c4c204153206861735f636f6d6d656e74";
static const char QUIT[] = "01";
static const char *const QUIT_ONLY[] = {QUIT};

/* then_quit: the client leaves with COM_QUIT once logged in. */
static void then_quit(script *s) {
    s->cmds = QUIT_ONLY;
    s->num_cmds = 1;
}

Test(client, plain_login_and_queries) {
    script s;
    script_init(&s, PLAIN);
    s.cfg.capabilities = MARIADB_CLI_CAPS;
    s.cfg.has_database = true;
    s.cfg.database = redir_span_of("redir_test", 10);
    const char *cmds[] = {SELECT_1, SELECT_VERSION, QUIT};
    s.cmds = cmds;
    s.num_cmds = 3;
    expect(&s, "greeting auth(mysql_native_password,initial,20) logged-in state(1) "
           "column-count column-def eof row eof. column-count column-def column-def eof "
           "row eof. closed");
    /* The handshake response the engine wrote, and the commands after it. */
    redir_frame f;
    size_t used = 0;
    cr_assert(eq(int, redir_frame_decode(&f, &used, NULL, s.sent, s.sent_len), REDIR_OK));
    cr_assert(eq(u8, f.seq, 1));
    redir_handshake_response r;
    cr_assert(eq(int, redir_handshake_response_decode(&r, NULL, f.payload.ptr, f.payload.len),
                 REDIR_OK));
    cr_assert(eq(u64, r.capabilities, MARIADB_CLI_CAPS & ~REDIR_CLIENT_CONNECT_ATTRS));
    cr_assert(eq(u64, redir_span_of(r.user.ptr, r.user.len).len, 5));
    cr_assert(memcmp(r.user.ptr, "redir", 5) == 0);
    cr_assert(r.has_database && r.database.len == 10);
    cr_assert(r.auth_response.len == 20 && r.auth_response.ptr[0] == 0x5A);
    cr_assert(r.has_auth_plugin && r.auth_plugin.len == 21);
    cr_assert(eq(sz, s.sent_len, used + 4 + 9 + 4 + 84 + 4 + 1));
}

/* ---------------------------------------------------- built server packets */

static char stream[16384];

static void hex_append(const uint8_t *p, size_t n) {
    size_t at = strlen(stream);
    cr_assert(at + 2 * n < sizeof stream);
    for (size_t i = 0; i < n; i++) {
        at += (size_t)snprintf(stream + at, sizeof stream - at, "%02x", p[i]);
    }
}

/* greeting appends the MariaDB 10.11 greeting of PLAIN, with CLIENT_SSL as
 * asked. */
static void greeting(bool offer_tls) {
    static uint8_t wire[4096];
    cr_assert(hex_decode(PLAIN, wire, sizeof wire) > 104);
    redir_greeting g;
    redir_diag d;
    cr_assert(eq(int, redir_greeting_decode(&g, &d, wire + 4, 100), REDIR_OK));
    if (offer_tls) {
        g.capabilities |= REDIR_CLIENT_SSL;
    } else {
        g.capabilities &= ~REDIR_CLIENT_SSL;
    }
    uint8_t out[128];
    size_t len = 0;
    cr_assert(eq(int, redir_greeting_encode(out + 4, sizeof out - 4, &len, &g), REDIR_OK));
    size_t hl;
    cr_assert(eq(int, redir_frame_encode_header(out, 4, &hl, (uint32_t)len, 0), REDIR_OK));
    hex_append(out, len + 4);
}

#define OK_CAPS (REDIR_CLIENT_PROTOCOL_41 | REDIR_CLIENT_SESSION_TRACK)

static void ok_redirect(uint8_t seq, uint16_t status, const char *url) {
    uint8_t out[512];
    size_t len = 0;
    cr_assert(eq(int,
                 redir_build_ok_redirect(out, sizeof out, &len, seq, OK_CAPS, status,
                                         redir_span_of(url, strlen(url)), NULL, 0),
                 REDIR_OK));
    hex_append(out, len);
}

static void ok_plain(uint8_t seq, uint16_t status) {
    uint8_t out[64];
    size_t len = 0;
    uint8_t p[7] = {0, 0, 0, (uint8_t)status, (uint8_t)(status >> 8), 0, 0};
    cr_assert(eq(int, redir_message_encode(out, sizeof out, &len, NULL, seq, p, 7), REDIR_OK));
    hex_append(out, len);
}

static void err_redirect(uint8_t seq, const char *host, uint16_t port) {
    uint8_t out[512];
    size_t len = 0;
    cr_assert(eq(int,
                 redir_build_err_redirect(out, sizeof out, &len, seq, 4196,
                                          redir_span_of("HY000", 5), redir_span_of("moved", 5),
                                          redir_span_of(host, strlen(host)), port),
                 REDIR_OK));
    hex_append(out, len);
}

static void raw(const char *framed_hex) {
    cr_assert(strlen(stream) + strlen(framed_hex) < sizeof stream);
    strcat(stream, framed_hex);
}

/* tls_script: TLS required, verified as given, the greeting offering TLS,
 * then (through TLS) the login OK built by the caller. */
static void tls_script(script *s, bool verified) {
    script_init(s, stream);
    s->cfg.tls = REDIR_TLS_REQUIRED;
    s->verified = verified;
    s->tls_from = 104;
}

#define PERMIT_ALWAYS(s) ((s)->cfg.policy.permit = REDIR_PERMIT_ALWAYS)

/* ------------------------------------------------------------- the tests */

Test(client, ed25519_auth_switch) {
    script s;
    script_init(&s, ED25519);
    s.cfg.capabilities = MARIADB_CLI_CAPS;
    s.cfg.user = redir_span_of("redir_ed", 8);
    then_quit(&s);
    expect(&s, "greeting auth(mysql_native_password,initial,20) "
           "auth(client_ed25519,initial,32) logged-in state(1) closed");
}

Test(client, login_refused) {
    script s;
    script_init(&s, REFUSED);
    expect(&s, "greeting auth(mysql_native_password,initial,20) error(E_LOGIN_REFUSED,1045) "
           "closed");
}

Test(client, login_refused_after_ed25519_switch) {
    script s;
    script_init(&s, REFUSED_ED25519);
    expect(&s, "greeting auth(mysql_native_password,initial,20) "
           "auth(client_ed25519,initial,32) error(E_LOGIN_REFUSED,1045) closed");
}

Test(client, session_track_values) {
    script s;
    script_init(&s, SESSION_TRACK);
    s.cfg.capabilities = MARIADB_CLI_CAPS;
    const char *cmds[] = {
        "035345542053455353494f4e2073657373696f6e5f747261636b5f73797374656d5f7661726961626c6573"
        "203d20272a27",
        "035345542053455353494f4e2073657373696f6e5f747261636b5f736368656d61203d204f4e",
        "035345542053455353494f4e2073657373696f6e5f747261636b5f73746174655f6368616e6765203d204f"
        "4e",
        "035345542053455353494f4e2073657373696f6e5f747261636b5f7472616e73616374696f6e5f696e666f"
        "203d202743484152414354455249535449435327",
        QUIT};
    s.cmds = cmds;
    s.num_cmds = 5;
    expect(&s, "greeting auth(mysql_native_password,initial,20) logged-in state(1) ok. "
           "state(session_track_system_variables=*) ok. state(session_track_schema=ON) ok. "
           "state(session_track_state_change=ON) state(2) ok. "
           "state(session_track_transaction_info=CHARACTERISTICS) state(2) state(5) "
           "state(4) closed");
}

/* MySQL 8.0.32's caching_sha2_password (zeek captures): the full path over
 * plaintext asks for the server's key and answers with RSA. */
Test(client, sha2_full_path_rsa) {
    script s;
    script_init(&s, SHA2_RSA);
    s.cfg.user = redir_span_of("root", 4);
    then_quit(&s);
    expect(&s, "greeting auth(caching_sha2_password,initial,20) "
           "auth(caching_sha2_password,rsa,451) logged-in state(1) closed");
    /* handshake response, 02 (seq 3) asking for the key, the 256 bytes of
     * the RSA answer (seq 5), COM_QUIT */
    const uint8_t *tail = s.sent + s.sent_len - 5 - (4 + 256) - 5;
    cr_assert(memcmp(tail, "\x01\x00\x00\x03\x02\x00\x01\x00\x05", 9) == 0);
}

Test(client, sha2_fast_path) {
    script s;
    script_init(&s, SHA2_FAST);
    s.cfg.user = redir_span_of("root", 4);
    then_quit(&s);
    expect(&s, "greeting auth(caching_sha2_password,initial,20) logged-in state(1) closed");
}

Test(client, sha2_after_auth_switch) {
    script s;
    script_init(&s, SHA2_SWITCH);
    s.cfg.user = redir_span_of("root", 4);
    s.cfg.auth_plugin = redir_span_of("mysql_native_password", 21);
    then_quit(&s);
    expect(&s, "greeting auth(mysql_native_password,initial,20) "
           "auth(caching_sha2_password,initial,20) logged-in state(5) state(4) closed");
}

Test(client, sha2_full_path_over_tls_asks_cleartext) {
    stream[0] = '\0';
    greeting(true);
    raw("020000030104");
    ok_plain(5, REDIR_STATUS_AUTOCOMMIT);
    script s;
    tls_script(&s, true);
    s.cfg.auth_plugin = redir_span_of("caching_sha2_password", 21);
    expect(&s, "greeting start-tls auth(caching_sha2_password,initial,20) "
           "auth(caching_sha2_password,cleartext,0) logged-in error(E_CLIENT_CLOSED) "
           "closed");
}

/* ------------------------------------------------------------ security */

Test(client, tls_required_not_offered_is_refused) {
    stream[0] = '\0';
    greeting(false);
    script s;
    script_init(&s, stream);
    s.cfg.tls = REDIR_TLS_REQUIRED;
    expect(&s, "greeting error(E_TLS_NOT_OFFERED) closed");
    cr_assert(eq(sz, s.sent_len, 0)); /* not even a handshake response */
}

Test(client, plaintext_err_redirect_before_tls_is_refused) {
    stream[0] = '\0';
    err_redirect(0, "evil.example", 3306);
    script s;
    script_init(&s, stream);
    s.cfg.tls = REDIR_TLS_REQUIRED;
    PERMIT_ALWAYS(&s);
    expect(&s, "redirect(evil.example:3306,refuse,before-tls) error(E_BEFORE_TLS,4196) closed");
}

Test(client, plaintext_err_after_ssl_request_is_refused) {
    stream[0] = '\0';
    greeting(true);
    err_redirect(2, "evil.example", 3306);
    script s;
    script_init(&s, stream); /* no tls_from: the ERR arrives in clear */
    s.cfg.tls = REDIR_TLS_PREFERRED;
    PERMIT_ALWAYS(&s);
    /* The driver feeds the ERR before the handshake: tls_done is refused. */
    redir_client c;
    redir_diag d;
    cr_assert(eq(int, redir_client_init(&c, &d, &s.cfg), REDIR_OK));
    cr_assert(eq(int, redir_client_feed(&c, NULL, s.server, s.server_len), REDIR_OK));
    redir_client_event ev;
    for (;;) {
        cr_assert(eq(int, redir_client_next(&c, &ev), REDIR_OK));
        describe(&s, &ev);
        if (ev.type == REDIR_CLIENT_EV_START_TLS) {
            cr_assert(eq(int, redir_client_tls_done(&c, true), REDIR_E_CLIENT_STATE));
        }
        if (ev.type == REDIR_CLIENT_EV_CLOSED) {
            break;
        }
    }
    cr_assert(strcmp(s.trace, "greeting start-tls redirect(evil.example:3306,refuse,before-tls) "
                              "error(E_BEFORE_TLS,4196) closed") == 0,
              "%s", s.trace);
}

Test(client, err_redirect_without_tls_under_permit_always) {
    stream[0] = '\0';
    err_redirect(0, "db2.example", 3307);
    script s;
    script_init(&s, stream);
    PERMIT_ALWAYS(&s);
    expect(&s, "redirect(db2.example:3307,follow,follow-ok) error(E_LOGIN_REFUSED,4196) closed");
}

Test(client, err_redirect_after_tls_login) {
    stream[0] = '\0';
    greeting(true);
    err_redirect(3, "db2.example", 3307);
    script s;
    tls_script(&s, true);
    expect(&s, "greeting start-tls auth(mysql_native_password,initial,20) "
           "redirect(db2.example:3307,follow,follow-ok) error(E_LOGIN_REFUSED,4196) closed");
}

/* A session-track redirect in the login OK over TLS: followed only when
 * the certificate was verified (the default policy). */
static void login_redirect(bool verified, const char *want) {
    stream[0] = '\0';
    greeting(true);
    ok_redirect(3, REDIR_STATUS_AUTOCOMMIT, "mariadb://db2.example:3307");
    script s;
    tls_script(&s, verified);
    expect(&s, want);
}

Test(client, login_redirect_verified_tls_followed) {
    login_redirect(true, "greeting start-tls auth(mysql_native_password,initial,20) logged-in "
                         "state(redirect_url=mariadb://db2.example:3307) "
                         "redirect(db2.example:3307,follow,follow-ok) error(E_CLIENT_CLOSED) closed");
}

Test(client, login_redirect_unverified_certificate_refused) {
    login_redirect(false, "greeting start-tls auth(mysql_native_password,initial,20) logged-in "
                          "state(redirect_url=mariadb://db2.example:3307) "
                          "redirect(db2.example:3307,refuse,not-permitted-unverified) "
                          "error(E_CLIENT_CLOSED) closed");
}

Test(client, tls_preferred_not_offered_redirect_is_a_downgrade) {
    stream[0] = '\0';
    greeting(false);
    ok_redirect(2, REDIR_STATUS_AUTOCOMMIT, "mariadb://db2.example:3307");
    script s;
    script_init(&s, stream);
    s.cfg.tls = REDIR_TLS_PREFERRED;
    PERMIT_ALWAYS(&s);
    expect(&s, "greeting auth(mysql_native_password,initial,20) logged-in "
           "state(redirect_url=mariadb://db2.example:3307) "
           "redirect(db2.example:3307,refuse,tls-downgrade) error(E_CLIENT_CLOSED) closed");
}

Test(client, redirect_in_transaction_deferred_then_followed) {
    stream[0] = '\0';
    greeting(true);
    ok_plain(3, REDIR_STATUS_AUTOCOMMIT);
    /* START TRANSACTION; UPDATE ... answered with the redirect; COMMIT */
    ok_plain(1, REDIR_STATUS_AUTOCOMMIT | REDIR_STATUS_IN_TRANS);
    ok_redirect(1, REDIR_STATUS_AUTOCOMMIT | REDIR_STATUS_IN_TRANS, "mariadb://db2.example");
    ok_plain(1, REDIR_STATUS_AUTOCOMMIT);
    script s;
    tls_script(&s, true);
    const char *cmds[] = {"035354415254205452414e53414354494f4e", SELECT_1, "03434f4d4d4954",
                          QUIT};
    s.cmds = cmds;
    s.num_cmds = 4;
    expect(&s, "greeting start-tls auth(mysql_native_password,initial,20) logged-in ok. ok. "
           "state(redirect_url=mariadb://db2.example) "
           "redirect(db2.example:3306,defer,in-transaction) ok. "
           "redirect(db2.example:3306,follow,follow-ok,again) closed");
}

Test(client, redirect_with_pipelined_commands_deferred) {
    stream[0] = '\0';
    greeting(true);
    ok_plain(3, REDIR_STATUS_AUTOCOMMIT);
    ok_redirect(1, REDIR_STATUS_AUTOCOMMIT, "mariadb://db2.example");
    ok_plain(1, REDIR_STATUS_AUTOCOMMIT);
    script s;
    tls_script(&s, true);
    const char *cmds[] = {SELECT_1, SELECT_1};
    s.cmds = cmds;
    s.num_cmds = 2;
    s.pipeline = true;
    expect(&s, "greeting start-tls auth(mysql_native_password,initial,20) logged-in ok. "
           "state(redirect_url=mariadb://db2.example) "
           "redirect(db2.example:3306,defer,commands-in-flight) ok. "
           "redirect(db2.example:3306,follow,follow-ok,again) error(E_CLIENT_CLOSED) "
           "closed");
}

Test(client, clear_password_needs_opt_in_and_tls) {
    static const char SWITCH_CLEAR[] = "16000003fe6d7973716c5f636c6561725f70617373776f726400";
    stream[0] = '\0';
    greeting(true);
    raw(SWITCH_CLEAR);
    ok_plain(5, REDIR_STATUS_AUTOCOMMIT);
    script s;
    tls_script(&s, true);
    expect(&s, "greeting start-tls auth(mysql_native_password,initial,20) "
               "error(E_AUTH_CLEARTEXT) closed");
    s.cfg.allow_clear_password = true;
    expect(&s, "greeting start-tls auth(mysql_native_password,initial,20) "
           "auth(mysql_clear_password,cleartext,0) logged-in error(E_CLIENT_CLOSED) closed");
    /* opted in, but in clear */
    stream[0] = '\0';
    greeting(false);
    raw("16000002fe6d7973716c5f636c6561725f70617373776f726400");
    script_init(&s, stream);
    s.cfg.allow_clear_password = true;
    expect(&s, "greeting auth(mysql_native_password,initial,20) error(E_AUTH_CLEARTEXT) closed");
}

Test(client, old_password_switch_refused) {
    stream[0] = '\0';
    greeting(false);
    raw("01000002fe");
    script s;
    script_init(&s, stream);
    expect(&s, "greeting auth(mysql_native_password,initial,20) error(E_AUTH_OLD_PASSWORD) closed");
}

Test(client, connection_closed_mid_login) {
    stream[0] = '\0';
    greeting(false);
    script s;
    script_init(&s, stream);
    expect(&s, "greeting auth(mysql_native_password,initial,20) error(E_CLIENT_CLOSED) closed");
}
