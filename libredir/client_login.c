#include <string.h>

#include "client_internal.h"
#include "redir/wire.h"

#define PLUGIN_NATIVE "mysql_native_password"
#define PLUGIN_SHA2 "caching_sha2_password"
#define PLUGIN_ED25519 "client_ed25519"
#define PLUGIN_CLEAR "mysql_clear_password"

static bool span_is(redir_span s, const char *name) {
    size_t n = strlen(name);
    return s.len == n && memcmp(s.ptr, name, n) == 0;
}

bool cl_plugin_is(const redir_client *c, const char *name) {
    return span_is(redir_span_of(c->plugin, c->plugin_len), name);
}

static void set_plugin(redir_client *c, const char *name) {
    c->plugin_len = strlen(name);
    memcpy(c->plugin, name, c->plugin_len);
}

/* The capabilities sent: what the caller asked for, with the flags whose
 * fields the engine writes set to match them. */
static uint64_t client_caps(const redir_client *c, bool tls) {
    uint64_t caps = c->cfg.capabilities != 0 ? c->cfg.capabilities : REDIR_CLIENT_DEFAULT_CAPS;
    caps &= ~(REDIR_CLIENT_SSL | REDIR_CLIENT_CONNECT_WITH_DB | REDIR_CLIENT_CONNECT_ATTRS |
              REDIR_CLIENT_ZSTD_COMPRESSION);
    if (c->cfg.inflate_buf == NULL || c->cfg.scratch == NULL) {
        caps &= ~REDIR_CLIENT_COMPRESS;
    }
    caps |= REDIR_CLIENT_PROTOCOL_41;
    if ((caps & REDIR_CLIENT_MYSQL) != 0) {
        caps &= UINT64_C(0xFFFFFFFF); /* MariaDB's extended half needs CLIENT_MYSQL clear */
    }
    if (tls) {
        caps |= REDIR_CLIENT_SSL;
    }
    if (c->cfg.has_database) {
        caps |= REDIR_CLIENT_CONNECT_WITH_DB;
    }
    if (c->cfg.has_attributes) {
        caps |= REDIR_CLIENT_CONNECT_ATTRS;
    }
    return caps;
}

static void fail_err(redir_client *c, redir_status st_ok) {
    redir_diag d = {0, 0};
    redir_status st = redir_err_decode(&c->err, &d, c->pkt.ptr, c->pkt.len, c->caps);
    if (st != REDIR_OK) {
        cl_fail(c, st, d.offset, false);
        return;
    }
    c->post |= P_REDIRECT_ERR;
    cl_fail(c, st_ok, 0, true);
}

void cl_on_greeting(redir_client *c) {
    if (c->pkt.len > 0 && c->pkt.ptr[0] == 0xFF) {
        /* Refused before the greeting (too many connections, host blocked,
         * or a forgery: with TLS wanted nothing here is authenticated). */
        fail_err(c, c->tls_pending ? REDIR_E_BEFORE_TLS : REDIR_E_LOGIN_REFUSED);
        return;
    }
    redir_greeting g;
    redir_diag d = {0, 0};
    redir_status st = redir_greeting_decode(&g, &d, c->pkt.ptr, c->pkt.len);
    if (st != REDIR_OK) {
        cl_fail(c, st, d.offset, false);
        return;
    }
    c->post |= P_GREETING;
    if (!g.has_ext || (g.capabilities & REDIR_CLIENT_PROTOCOL_41) == 0) {
        cl_fail(c, REDIR_E_UNSUPPORTED, 0, false);
        return;
    }
    if (redir_greeting_scramble(c->scramble, sizeof c->scramble, &c->scramble_len, &g) !=
        REDIR_OK) {
        cl_fail(c, REDIR_E_AUTH_DATA, 0, false);
        return;
    }
    if (c->scramble_len >= sizeof c->session_scramble) {
        memcpy(c->session_scramble, c->scramble, sizeof c->session_scramble);
    }
    c->server_caps = g.capabilities;
    c->plugin_len = 0;
    if (g.auth_plugin.len > 0 && g.auth_plugin.len < sizeof c->plugin) {
        memcpy(c->plugin, g.auth_plugin.ptr, g.auth_plugin.len);
        c->plugin_len = g.auth_plugin.len;
    }
    bool offered = (g.capabilities & REDIR_CLIENT_SSL) != 0;
    if (c->cfg.tls == REDIR_TLS_REQUIRED && !offered) {
        cl_fail(c, REDIR_E_TLS_NOT_OFFERED, 0, false);
        return;
    }
    if (c->cfg.tls != REDIR_TLS_OFF && offered) {
        redir_handshake_response req;
        memset(&req, 0, sizeof req);
        req.capabilities = client_caps(c, true);
        req.max_packet = c->cfg.max_packet;
        req.charset = c->cfg.charset;
        uint8_t buf[REDIR_SSL_REQUEST_SIZE];
        size_t len = 0;
        size_t needed = 0;
        st = redir_ssl_request_encode(buf, sizeof buf, &len, &req);
        if (st == REDIR_OK) {
            st = cl_queue(c, &needed, 1, buf, len);
        }
        if (st != REDIR_OK) {
            cl_fail(c, st, 0, false);
            return;
        }
        c->seq = 1;
        cl_expect_seq(c, 2);
        c->state = CL_TLS_WAIT;
        /* Bytes already here came in clear where TLS is due. */
        c->clear_bytes = redir_framer_buffered(&c->framer).len > 0;
        c->post |= P_START_TLS;
        return;
    }
    /* TLS off, or preferred and not offered: the connection stays in clear
     * (the policy then refuses its redirects as a downgrade). */
    c->tls_pending = false;
    cl_begin_login(c);
}

static redir_status enc_response(uint8_t *buf, size_t cap, size_t *out_len, const void *ctx) {
    return redir_handshake_response_encode(buf, cap, out_len, ctx);
}

redir_status cl_send_response(redir_client *c, size_t *needed, const uint8_t *auth,
                              size_t auth_len) {
    redir_handshake_response hr;
    memset(&hr, 0, sizeof hr);
    hr.capabilities = client_caps(c, c->tls_up);
    hr.max_packet = c->cfg.max_packet;
    hr.charset = c->cfg.charset;
    hr.user = c->cfg.user;
    hr.auth_response = redir_span_of(auth, auth_len);
    hr.has_database = c->cfg.has_database;
    hr.database = c->cfg.database;
    hr.has_auth_plugin = (hr.capabilities & REDIR_CLIENT_PLUGIN_AUTH) != 0;
    hr.auth_plugin = hr.has_auth_plugin ? redir_span_of(c->plugin, c->plugin_len)
                                        : redir_span_of(NULL, 0);
    hr.has_attributes = c->cfg.has_attributes;
    hr.attributes = c->cfg.attributes;
    uint8_t seq = c->tls_up ? 2 : 1;
    redir_status st = cl_queue_encoded(c, needed, seq, enc_response, &hr);
    if (st != REDIR_OK) {
        return st;
    }
    c->client_caps = hr.capabilities;
    c->caps = redir_caps_negotiate(c->server_caps, c->client_caps);
    c->seq = seq;
    cl_expect_seq(c, seq + 1);
    return REDIR_OK;
}

typedef struct cu_ctx {
    redir_command cmd;
    uint64_t caps;
} cu_ctx;

static redir_status enc_change_user(uint8_t *buf, size_t cap, size_t *out_len, const void *ctx) {
    const cu_ctx *k = ctx;
    return redir_command_encode(buf, cap, out_len, &k->cmd, k->caps);
}

redir_status cl_send_change_user(redir_client *c, size_t *needed, const uint8_t *auth,
                                 size_t auth_len) {
    cu_ctx k;
    memset(&k, 0, sizeof k);
    k.cmd.command = REDIR_COM_CHANGE_USER;
    k.cmd.as.change_user = c->change_user;
    k.cmd.as.change_user.auth_response = redir_span_of(auth, auth_len);
    k.cmd.as.change_user.auth_plugin = redir_span_of(c->plugin, c->plugin_len);
    k.caps = c->caps;
    /* The tracker must accept it before anything is queued. */
    redir_resp_tracker t = c->tracker;
    redir_resp_event ev;
    uint8_t byte = REDIR_COM_CHANGE_USER;
    redir_status st = redir_resp_command(&t, &ev, NULL, &byte, 1);
    if (st == REDIR_OK) {
        st = cl_queue_encoded(c, needed, 0, enc_change_user, &k);
    }
    if (st != REDIR_OK) {
        return st;
    }
    c->tracker = t;
    c->seq = 0;
    cl_expect_seq(c, 1);
    return REDIR_OK;
}

redir_status cl_send_auth_data(redir_client *c, size_t *needed, const uint8_t *data,
                               size_t len) {
    uint8_t seq = (uint8_t)(c->seq + 1u);
    bool in_command = c->auth_kind == AK_CU_DATA;
    redir_resp_tracker t = c->tracker;
    if (in_command) {
        redir_resp_event ev;
        redir_status st = redir_resp_command(&t, &ev, NULL, data, len);
        if (st != REDIR_OK) {
            return st;
        }
    }
    redir_status st = cl_queue(c, needed, seq, data, len);
    if (st != REDIR_OK) {
        return st;
    }
    c->tracker = t;
    c->seq = seq;
    cl_expect_seq(c, seq + 1);
    return REDIR_OK;
}

static void ask(redir_client *c, redir_auth_stage stage, int kind) {
    c->auth_stage = (int)stage;
    c->auth_kind = kind;
    c->post |= P_AUTH;
    c->state = CL_AUTH_REPLY;
}

void cl_choose_plugin(redir_client *c, redir_span want) {
    if (span_is(want, PLUGIN_SHA2)) {
        set_plugin(c, PLUGIN_SHA2);
    } else if (span_is(want, PLUGIN_ED25519)) {
        set_plugin(c, PLUGIN_ED25519);
    } else if (span_is(want, PLUGIN_CLEAR) && c->cfg.allow_clear_password && c->tls_up) {
        set_plugin(c, PLUGIN_CLEAR);
    } else {
        set_plugin(c, PLUGIN_NATIVE);
    }
}

void cl_begin_login(redir_client *c) {
    cl_choose_plugin(c, c->cfg.auth_plugin.len > 0 ? c->cfg.auth_plugin
                                                   : redir_span_of(c->plugin, c->plugin_len));
    if (cl_plugin_is(c, PLUGIN_ED25519)) {
        /* Its nonce is 32 bytes, not the greeting's 20: announce the plugin
         * with no data and the server switches to it with a nonce. */
        size_t needed = 0;
        redir_status st = cl_send_response(c, &needed, NULL, 0);
        if (st != REDIR_OK) {
            cl_fail(c, st, 0, false);
            return;
        }
        c->state = CL_AUTH;
        return;
    }
    ask(c, cl_plugin_is(c, PLUGIN_CLEAR) ? REDIR_AUTH_STAGE_CLEARTEXT : REDIR_AUTH_STAGE_INITIAL,
        AK_HANDSHAKE);
}

void cl_on_switch(redir_client *c, bool in_command) {
    int kind = in_command ? AK_CU_DATA : AK_LOGIN_DATA;
    redir_auth_switch sw;
    redir_diag d = {0, 0};
    redir_status st = redir_auth_switch_decode(&sw, &d, c->pkt.ptr, c->pkt.len);
    if (st != REDIR_OK) {
        cl_fail(c, st, d.offset, false);
        return;
    }
    if (sw.old_form) {
        cl_fail(c, REDIR_E_AUTH_OLD_PASSWORD, 0, false);
        return;
    }
    size_t data_off = (size_t)(sw.auth_data.ptr - c->pkt.ptr);
    c->sha2_state = SHA2_NONE;
    if (span_is(sw.auth_plugin, PLUGIN_NATIVE) || span_is(sw.auth_plugin, PLUGIN_SHA2)) {
        /* 20 bytes of scramble and a NUL that is not part of it. */
        redir_span s = sw.auth_data;
        if (s.len == 21 && s.ptr[20] == 0) {
            s.len = 20;
        }
        if (s.len != 20) {
            cl_fail(c, REDIR_E_AUTH_DATA, data_off, false);
            return;
        }
        memcpy(c->scramble, s.ptr, s.len);
        memcpy(c->session_scramble, s.ptr, s.len);
        c->scramble_len = s.len;
        set_plugin(c, span_is(sw.auth_plugin, PLUGIN_NATIVE) ? PLUGIN_NATIVE : PLUGIN_SHA2);
        ask(c, REDIR_AUTH_STAGE_INITIAL, kind);
        return;
    }
    if (span_is(sw.auth_plugin, PLUGIN_ED25519)) {
        if (sw.auth_data.len != 32) {
            cl_fail(c, REDIR_E_AUTH_DATA, data_off, false);
            return;
        }
        memcpy(c->scramble, sw.auth_data.ptr, 32);
        c->scramble_len = 32;
        set_plugin(c, PLUGIN_ED25519);
        ask(c, REDIR_AUTH_STAGE_INITIAL, kind);
        return;
    }
    if (span_is(sw.auth_plugin, PLUGIN_CLEAR)) {
        if (!c->cfg.allow_clear_password || !c->tls_up) {
            cl_fail(c, REDIR_E_AUTH_CLEARTEXT, 1, false);
            return;
        }
        set_plugin(c, PLUGIN_CLEAR);
        ask(c, REDIR_AUTH_STAGE_CLEARTEXT, kind);
        return;
    }
    cl_fail(c, REDIR_E_AUTH_PLUGIN, 1, false);
}

/* caching_sha2_password after its first answer: 01 03 the fast path
 * succeeded (an OK follows); 01 04 the password itself is needed: over TLS
 * in clear, otherwise encrypted with the server's RSA key, which the client
 * first asks for with 02. */
void cl_on_more_data(redir_client *c, bool in_command) {
    int kind = in_command ? AK_CU_DATA : AK_LOGIN_DATA;
    if (!cl_plugin_is(c, PLUGIN_SHA2)) {
        cl_fail(c, REDIR_E_CLIENT_UNEXPECTED, 0, false);
        return;
    }
    const uint8_t *d = c->pkt.ptr + 1;
    size_t n = c->pkt.len - 1;
    if (c->sha2_state == SHA2_KEY_REQUESTED) {
        if (n == 0) {
            cl_fail(c, REDIR_E_AUTH_DATA, 1, false);
            return;
        }
        c->sha2_state = SHA2_NONE;
        ask(c, REDIR_AUTH_STAGE_RSA, kind);
        return;
    }
    if (n == 1 && d[0] == 0x03) {
        if (!in_command) {
            c->post |= P_AUTH_DATA;
        }
        return;
    }
    if (n == 1 && d[0] == 0x04) {
        if (c->tls_up) {
            ask(c, REDIR_AUTH_STAGE_CLEARTEXT, kind);
            return;
        }
        static const uint8_t request_key = 0x02;
        size_t needed = 0;
        c->auth_kind = kind;
        redir_status st = cl_send_auth_data(c, &needed, &request_key, 1);
        if (st != REDIR_OK) {
            cl_fail(c, st, 0, false);
            return;
        }
        c->sha2_state = SHA2_KEY_REQUESTED;
        if (!in_command) {
            c->post |= P_AUTH_DATA;
        }
        return;
    }
    cl_fail(c, REDIR_E_AUTH_DATA, 1, false);
}

void cl_on_auth_packet(redir_client *c) {
    if (c->pkt.len == 0) {
        cl_fail(c, REDIR_E_EMPTY_PACKET, 0, false);
        return;
    }
    switch (c->pkt.ptr[0]) {
    case 0x00: {
        redir_diag d = {0, 0};
        redir_status st = redir_ok_decode(&c->ok, &d, c->pkt.ptr, c->pkt.len, c->caps);
        if (st != REDIR_OK) {
            cl_fail(c, st, d.offset, false);
            return;
        }
        c->ok_login = true;
        redir_session_iter_init(&c->iter, c->ok.session_state);
        c->last_status = c->ok.status;
        c->state = CL_READY;
        redir_resp_init(&c->tracker, c->caps);
        cl_expect_seq(c, -1); /* until a command is sent */
        /* Compression starts right after this OK: for what the client sends
         * now, for what it reads once this packet's events are out. */
        c->compress_pending = (c->caps & REDIR_CLIENT_COMPRESS) != 0;
        c->compressed = c->compress_pending;
        c->post |= P_LOGGED_IN | P_ENTRIES | P_REDIRECT_OK;
        return;
    }
    case 0xFF:
        fail_err(c, REDIR_E_LOGIN_REFUSED);
        return;
    case 0xFE:
        cl_on_switch(c, false);
        return;
    case 0x01:
        cl_on_more_data(c, false);
        return;
    default:
        cl_fail(c, REDIR_E_CLIENT_UNEXPECTED, 0, false);
        return;
    }
}
