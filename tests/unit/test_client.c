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
    char last[256];             /* the last event added, and how often in a row */
    size_t last_at;
    unsigned repeat;
    uint8_t sent[16384];        /* everything the engine gave to send */
    size_t sent_len;
    size_t tls_at;              /* sent_len when START_TLS was reported */
    size_t tls_from;            /* server bytes from here on arrive through TLS (0: none) */
} script;

static uint8_t in_buf[4096];
static uint8_t join_buf[1u << 16];
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
    s->cfg.join_buf = join_buf;
    s->cfg.join_cap = sizeof join_buf;
    s->cfg.out_buf = out_buf;
    s->cfg.out_cap = sizeof out_buf;
    static uint8_t server[8192];
    s->server_len = hex_decode(server_hex, server, sizeof server);
    s->server = server;
}

/* add appends one event to the trace; a run of equal events is written
 * once with its count ("row*300"). */
static void add(script *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void add(script *s, const char *fmt, ...) {
    char tok[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(tok, sizeof tok, fmt, ap);
    va_end(ap);
    size_t n = strlen(s->trace);
    if (n > 0 && strcmp(tok, s->last) == 0) {
        s->repeat++;
        snprintf(s->trace + s->last_at, sizeof s->trace - s->last_at, "%s*%u", tok, s->repeat);
        return;
    }
    if (n > 0 && n < sizeof s->trace - 1) {
        s->trace[n++] = ' ';
        s->trace[n] = '\0';
    }
    s->last_at = n;
    s->repeat = 1;
    snprintf(s->last, sizeof s->last, "%s", tok);
    snprintf(s->trace + n, sizeof s->trace - n, "%s", tok);
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
        add(s, "%s%s%s", redir_resp_kind_name(ev->response.kind),
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
    s->last[0] = '\0';
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
            if (strcmp(s->cmds[next_cmd], "change-user") == 0) {
                redir_com_change_user cu;
                memset(&cu, 0, sizeof cu);
                cu.user = redir_span_of("redir_ed", 8);
                cu.database = redir_span_of("redir_test", 10);
                cu.has_charset = true;
                cu.charset = 45;
                cu.has_auth_plugin = true;
                cu.auth_plugin = redir_span_of("mysql_native_password", 21);
                cr_assert(eq(int, redir_client_change_user(&c, &d, &cu), REDIR_OK));
                next_cmd++;
                continue;
            }
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

/* mariadb-10.11-change-user.pcap, flow 1: a Connector/Node.js session that
 * changes user to an ed25519 account (the server switches plugins) */
static const char CHANGE_USER[] =
    "640000000a352e352e352d31302e31312e31392d4d6172696144422d302b6465623132753100090000006e2d"
    "33574076552500feff2d0200ff81150000000000001d0000005560614823744330652c4a71006d7973716c5f"
    "6e61746976655f70617373776f726400"
    "1600000200000002400000000d010b0a72656469725f74657374"
    "020000010101"
    "1800000203646566000000017500000ce00000060000fd0000270000"
    "080000030772656469724025"
    "07000004fe000002000000"
    "30000001fe636c69656e745f6564323535313900bd03534704281a580ba701c2f4d1332d96302bbce44044a1"
    "d5df65d59bfc9004"
    "1600000300000002400000000d010b0a72656469725f74657374"
    "020000010101"
    "1800000203646566000000017500000c2d0000060000fd0000270000"
    "0b0000030a72656469725f65644025"
    "07000004fe000002000000";

/* mariadb-10.11-compress.pcap, flow 1: everything the server sent; after the
 * login OK the compressed protocol (zlib frames and stored ones) */
static const char COMPRESSED_1[] =
    "640000000a352e352e352d31302e31312e31392d4d6172696144422d302b646562313275310015000000395f"
    "577566216b7b00feff2d0200ff81150000000000001d0000004733652833662b424b33594a006d7973716c5f"
    "6e61746976655f70617373776f7264001600000200000002400000000d010b0a72656469725f746573743600"
    "00013a0000789c63626060646494606060624e494d6300f20c191878ec1918814ce64620c1c00a64fc03ca03"
    "21030ba32190cb0ae602007b4d049e75000001004000789cedca310e01510045d1f7e7d329d42a2afb1a3e99"
    "8410b31161b72232b307ed29cfcded9252ca26e9eab19d92d47e3827ab5dd6af9a4fb24f9673fdcd47de2d8b"
    "efb31d6ed7fba38de3d05fda1600000000000000000000000000000000000000000000000000000000000000"
    "fec604bdfe57d742000002cd2500789cedc7410a80200004c025f01fbd2df1101489fe5ffa85a799db8c36e7"
    "7d3dedacdfdb87888888888888888888888888888888888888ec4c49ca4a8efc5742fc6e54080001e60f0078"
    "9c559755a01db71140ef9dd5268ee3b0c3cc9cac582ab9cc9032d785386d4a6962979999999b323333333333"
    "3373d39e19f9a71f7ed659ed8e8e3423ed5e59add6b2deb25ac974f6b673365eb0edec732fd8ba63dbf61d9b"
    "b66f3b7fabdfbae3bcad7159fe0f2640ffad366d596d5ead561b8e3d8bbf07af569386a029dbcf5f69e749da"
    "79217f56f36ae52e5aad8e5939da6bbff6fcbfcb3aac13ffefba8eebce0d1bd6497ca1b1db3a4bc83436ae8b"
    "44bdb2fbba4ad27b36ad9b9444638f7597e6775dadf614bf4c7e5968ee25de4f3ee8d5bdc587c9a744731ff1"
    "71f2a5d3dc577c9a7c2f34f7139fa71032cdcd8c3a85ac57f7175fa7d0f4de03c4b729068d70a0f83ec5a271"
    "0f92b04cc9463b58829f52d2ab874808536a7aefa112e2948346384c429a72d5b887339fa9d86847482853b1"
    "ab474aa853b57b8f92d0a66a118e96d0a766718f91b84cdd463b56a29f7af11b56abe32406e79790681f2f31"
    "d26e9df6091293f33e17da274accce333fda27b186b4bb5e3f5962753e16bdff1489cdb1461ae75489ddf91c"
    "34fe699216e7cbb2d03e5d92a7ddf4fa199218b716bdff4c498cdb92c65924316e8f1adf4bca2e2c366e9054"
    "5cf05eaf4749d585b0e8fd495273212e1a27935617d2a2f18be4c5856ce356c9de8562d79be4e042b5fbbbe4"
    "e842b33817939c5ce816ffe292b38b63dc4b482e2e7af3b9a4e4eac8a2de7f29c9cdc568fe5b24771793cdeb"
    "d2521617c77c2f23c5bb586d1d2e2b25b8d86c7d2e2725bad86ddd2e4f05bab4d87a5e414a7669acf315a514"
    "97a2adff95a4549792e5e5ca529a4bc5f2751529dda56a79bcaad4c5a56ee35e4daa7779497afdea5283cb2c"
    "2eed6b488d2ec7a071ae2935b9ccc3b4af2535bb5c6cdcb3a41697ab5dbfb6d4ea72b7fbaf23b5b9b2589ceb"
    "4aed0e058d7f3d698b2bc9c6bd3e9bc8956c3e3790165ca9e6794369d19566fe3792965c5d6c5e3796965d1d"
    "f3bd89b4e26ab475b8a9b4ea6ab6f5b999b4e66ab575bbb9b4ee6ab7f5bc85f4c5356fe36e95ee5d0bb6feb7"
    "941e5c4b96975b498fae15cbd7ada527d79ae5f136d2b3eb23bf674b2f8e907a7d9bf4ea7ab27a38477a73bd"
    "589ddc567a77bd2d7ee36a753b3d1e66fe2d0b742ee4a1607db78702949604dd018a50593a74472841cd17e8"
    "4e509e3db767e8ce508142d4bef3a00aa5a4cfdd056a50291af37ca843ade978174c449839a3cc653b844b88"
    "41fb7640b8849cf4b9bb42b8845a34e6dd205c42ef3adedd215c6230977b40b8c494b5ef9e102eb1347dee5e";
static const char COMPRESSED_2[] =
    "102eb1078d796f0897e48b8e771fce4a5c523297fbeac90995a47df7837049ade973f78770c98c0f3d00c225"
    "c7aae33d10c2456b117a10844b6ed6f7600897329e7b08844b8916f3a1102e658cf7b0c9475c4a37978743b8"
    "d4e1f90808979a6c0e8f8470a9637e8f8270a9dde6fe68089736d6e531102e1c52daf758089736d6f371102e"
    "7db1b57e3c844b1f7978022f0e5ca824757922844b1ff97b1214666ac772fb64284223ef4fd1170e54ad269e"
    "0ae539ecac97a741058a564b4f872a34eaec195083bad5e033a13e8730eaf35993cf0b94cde5d99087465d3f"
    "07c2257a7beeb9102e3159cce741b8c46ae33d1fc2250d971740b8a4689e1742b890777dee85102e2c99c67c"
    "11844b0e36f717f316c5258f757909840b678df6bd14c28513469f7b19840be78ac67c39840b09d3f15e01e1"
    "52478e5e09e152b3e5ef55102eb5596e5f0de1423635e66bf41d0e65ab89d74ebee2d246bdbc0ec28522d7be"
    "d743b8f46c75f6060897dead06df08a5991785d5e79ba00c8dda7d3354a06e7d6f81eacc6bc49e7b2bd4a062"
    "31df06f53992781defed936f0b34f6d13b200f55f37c2714e618bdcde15d508492cdefdd102eb1d9dcdf03e1"
    "92c6babc17c225655bb3f741b890157deefd102e39da5a7f00c22557cbc307f9bcc1a58cf3e543102e2559fe"
    "3e0ce1529ae5f623102e1cf71af3a3102eb5584d7c0cc2a58d7af9b87e3241c96ae913102ead599d7d12c2a5"
    "07abc14f41b8b07374bc4f4f817337ed3c773f03792859df67a100357bee73509c13c791c6fc3c94663da474"
    "bc2f40794e61b87c112a5032cf2f41156a36872f436d4e31d8fcbe0275a8d8dcbf3ab11367bed6cce56b102e"
    "29db9a7d1dc225755bcf6f40b8e4686bfd4d08975c2d0fdf8270292347df867029c5f2f71d0897ba586ebf0b"
    "e152b3e5fd7b102e04d1f1becf77272e6dd4cb0f205c3868b5ef87102e3d589dfd08c2a557abc11f4369ce8b"
    "b7fafc897ebd42a3767f0a9539f31ad2be9f4115caf6dccfa106758bf90ba8cf78d978bf9cf81083c63efa15"
    "e4e7ccc1a07dbf8602d46c0ebf81e29c596c8df95b081726a8e3fd0ec2258f75f93d840b9b5ffbfe00e14232"
    "f5b93f42b870ea6bcc3f41b8546f79f8f3c41682c6f9f2170897b658fefe0ae1c256d1e7fe06e1c281a931ff"
    "0ee1d2b3d5c43fa03c13c35cfe0915285b2dfd0baab36e0e7deedf5083b2d5e07fa03e174a56c7bb881f040b"
    "34ceddff427e2e71f4ada0008de7d6509cf5734a630a94a031de04e192878bd31f19d0f09c215cca98c32e10"
    "2e65cc6f5708973ae6be61e243181aebb21b844b1b6bb611c2a58df5dc1dc2a58fb5de04e1d2471ef680f25c"
    "9791a33da1028dfced05d59934586ef7861a34f2be0fd4e71a464dec3bf1210e8d7ad90ff2738da396364301"
    "1a75b63f14e79a460d1e00a5b9e6519f0742b8ecfc663808c2a58cba3e18c2a58c9a3f04c2a58efd7028844b"
    "1d7be5307ea9e1b2731f1d0ee1d2c61e3b02c2a58ffd772414e7b68cbd791494a0b16f8f86f2dcfc589763a0"
    "028dfd7e2c54e716c659701cd4a0714e1cafbf13e716c71972c2c492cc6de7f97222e4a171f69c0485b9e571"
    "2e9d0ce192c799750a844b19e7d9a9102e75d4cb69102e759c83a743b8b471469e01e1d2c6f97926844b1f67"
    "eb3251a873d773971fcade7e76ff0f271c63433b00000100000037000001ff7a042334325330325461626c65"
    "202772656469725f746573742e6e6f5f737563685f7461626c652720646f65736e2774206578697374380000"
    "01400000789c1d8a311200100cc0526af30393c9c7cac8ff074ed9925c0288488110ad0f406dcd0eb992ddb6"
    "d020413cbe3cd03f38a45f2eef040822";

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
           "column-count column-def eof row eof. column-count column-def*2 eof "
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
    expect(&s, "greeting auth(caching_sha2_password,initial,20) auth-data "
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
    expect(&s, "greeting auth(caching_sha2_password,initial,20) auth-data logged-in state(1) closed");
}

Test(client, sha2_after_auth_switch) {
    script s;
    script_init(&s, SHA2_SWITCH);
    s.cfg.user = redir_span_of("root", 4);
    s.cfg.auth_plugin = redir_span_of("mysql_native_password", 21);
    then_quit(&s);
    expect(&s, "greeting auth(mysql_native_password,initial,20) "
           "auth(caching_sha2_password,initial,20) auth-data logged-in state(5) state(4) closed");
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
    expect(&s, "greeting start-tls auth(mysql_native_password,initial,20) logged-in ok.*2 "
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

Test(client, change_user_with_auth_switch) {
    script s;
    script_init(&s, CHANGE_USER);
    s.cfg.capabilities = (UINT64_C(0x1c) << 32) | UINT64_C(0x01bea30a);
    s.cfg.has_database = true;
    s.cfg.database = redir_span_of("redir_test", 10);
    static const char SELECT_USER[] = "0353454c4543542043555252454e545f5553455228292041532075";
    const char *cmds[] = {SELECT_USER, "change-user", SELECT_USER, QUIT};
    s.cmds = cmds;
    s.num_cmds = 4;
    expect(&s, "greeting auth(mysql_native_password,initial,20) logged-in state(1) "
           "column-count column-def row ok-as-eof. auth(mysql_native_password,initial,20) "
           "auth-switch auth(client_ed25519,initial,32) ok. state(1) column-count "
           "column-def row ok-as-eof. closed");
    /* COM_CHANGE_USER with the answer for the session scramble, then the
     * 64-byte signature for the nonce of the switch (seq 2). */
    const uint8_t *p = s.sent + s.sent_len - 5 - 31 - (4 + 64);
    cr_assert(memcmp(p, "\x40\x00\x00\x02", 4) == 0);
}

Test(client, compressed_protocol) {
    static uint8_t inflate[1u << 16];
    static uint8_t scratch[REDIR_INFLATE_SCRATCH_SIZE];
    stream[0] = '\0';
    raw(COMPRESSED_1);
    raw(COMPRESSED_2);
    script s;
    script_init(&s, stream);
    s.cfg.capabilities = MARIADB_CLI_CAPS | REDIR_CLIENT_COMPRESS;
    s.cfg.has_database = true;
    s.cfg.database = redir_span_of("redir_test", 10);
    s.cfg.inflate_buf = inflate;
    s.cfg.inflate_cap = sizeof inflate;
    s.cfg.scratch = scratch;
    s.cfg.scratch_len = sizeof scratch;
    const char *cmds[] = {
        SELECT_1,
        "0353454c454354205245504541542827636f6d707265737369626c6520272c20323030302920415320626967",
        "0353454c454354207365712c20736571202a207365712041532073712046524f4d207365715f315f746f5f33"
        "3030",
        "0353454c454354202a2046524f4d206e6f5f737563685f7461626c65",
        "0353454c4543542027646f6e6527",
        QUIT};
    s.cmds = cmds;
    s.num_cmds = 6;
    expect(&s, "greeting auth(mysql_native_password,initial,20) logged-in state(1) "
           "column-count column-def eof row eof. column-count column-def eof row eof. "
           "column-count column-def*2 eof row*300 eof. err. column-count column-def eof "
           "row eof. closed");
    /* The commands leave in stored compressed frames: SELECT 1 is frame 0
     * (7-byte header, uncompressed length 0) around its packet. */
    redir_frame f;
    size_t used = 0;
    cr_assert(eq(int, redir_frame_decode(&f, &used, NULL, s.sent, s.sent_len), REDIR_OK));
    const uint8_t *q = s.sent + used;
    cr_assert(memcmp(q, "\x0d\x00\x00\x00\x00\x00\x00\x09\x00\x00\x00\x03", 12) == 0,
              "%02x %02x %02x %02x %02x %02x %02x %02x", q[0], q[1], q[2], q[3], q[4], q[5], q[6],
              q[7]);
}

/* LOCAL INFILE: the server names a file (0xFB, seq 1); the client sends its
 * contents and an empty packet, continuing the sequence (2, 3); the OK that
 * follows (seq 4) completes the command. */
Test(client, local_infile_data_continues_the_sequence) {
    stream[0] = '\0';
    greeting(false);
    ok_plain(2, REDIR_STATUS_AUTOCOMMIT);
    script s;
    script_init(&s, stream);
    redir_client c;
    redir_diag d;
    cr_assert(eq(int, redir_client_init(&c, &d, &s.cfg), REDIR_OK));
    cr_assert(eq(int, redir_client_feed(&c, NULL, s.server, s.server_len), REDIR_OK));
    redir_client_event ev;
    while (redir_client_next(&c, &ev) == REDIR_OK) {
        if (ev.type == REDIR_CLIENT_EV_AUTH_NEEDED) {
            cr_assert(eq(int, redir_client_auth_reply(&c, &d, (const uint8_t *)"x", 1), REDIR_OK));
        }
    }
    drain(&s, &c);
    static const char load[] = "\x03LOAD DATA LOCAL INFILE 'f' INTO TABLE t";
    cr_assert(eq(int, redir_client_command(&c, &d, (const uint8_t *)load, sizeof load - 1),
                 REDIR_OK));
    cr_assert(eq(int, redir_client_feed(&c, NULL, (const uint8_t *)"\x02\x00\x00\x01\xfb" "f", 6),
                 REDIR_OK));
    cr_assert(eq(int, redir_client_next(&c, &ev), REDIR_OK));
    cr_assert(eq(int, ev.type, REDIR_CLIENT_EV_RESPONSE));
    cr_assert(eq(int, ev.response.kind, REDIR_RESP_LOCAL_INFILE));
    cr_assert(eq(int, redir_client_next(&c, &ev), REDIR_DONE));
    cr_assert(eq(int, redir_client_command(&c, &d, (const uint8_t *)"1\n", 2), REDIR_OK));
    cr_assert(eq(int, redir_client_command(&c, &d, NULL, 0), REDIR_OK));
    redir_span out = redir_client_output(&c);
    size_t at = out.len - (4 + 2) - 4;
    cr_assert(memcmp(out.ptr + at, "\x02\x00\x00\x02" "1\n" "\x00\x00\x00\x03", 10) == 0);
    redir_client_output_consume(&c, out.len);
    static const uint8_t ok[] = {7, 0, 0, 4, 0, 1, 0, 2, 0, 0, 0};
    cr_assert(eq(int, redir_client_feed(&c, NULL, ok, sizeof ok), REDIR_OK));
    cr_assert(eq(int, redir_client_next(&c, &ev), REDIR_OK));
    cr_assert(eq(int, ev.response.kind, REDIR_RESP_OK));
    cr_assert(ev.response.complete);
    cr_assert(redir_client_idle(&c));
}

/* A server that ends an idle session says why (ERR 1927, seq 0): read at the
 * end of the stream, reported with the server's ERR. */
Test(client, err_on_idle_session_is_read_at_end_of_stream) {
    stream[0] = '\0';
    greeting(false);
    ok_plain(2, REDIR_STATUS_AUTOCOMMIT);
    raw("1a000000ff8707233038533031436f6e6e656374696f6e20776173206b696c6c6564");
    script s;
    script_init(&s, stream);
    expect(&s, "greeting auth(mysql_native_password,initial,20) logged-in "
               "error(E_CLIENT_UNEXPECTED,1927) closed");
}
