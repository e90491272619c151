/* Which answer a plugin gives at which stage. */
#include <string.h>

#include "auth_internal.h"

redir_status redir_auth_cleartext(uint8_t *buf, size_t cap, size_t *out_len,
                                  const uint8_t *password, size_t password_len) {
    redir_status st = auth_room(cap, out_len, password_len + 1);
    if (st != REDIR_OK) {
        return st;
    }
    if (password_len > 0) {
        memcpy(buf, password, password_len);
    }
    buf[password_len] = 0;
    return REDIR_OK;
}

static bool is(redir_span name, const char *want) {
    size_t n = strlen(want);
    return name.len == n && memcmp(name.ptr, want, n) == 0;
}

redir_status redir_auth_answer(uint8_t *buf, size_t cap, size_t *out_len,
                               const redir_auth_request *req, const uint8_t *password,
                               size_t password_len) {
    *out_len = 0;
    redir_span s = req->scramble;
    bool native = is(req->plugin, "mysql_native_password");
    bool sha2 = is(req->plugin, "caching_sha2_password");
    bool ed = is(req->plugin, "client_ed25519");
    bool clear = is(req->plugin, "mysql_clear_password");
    switch (req->stage) {
    case REDIR_AUTH_STAGE_INITIAL:
        if (native) {
            return redir_auth_native_password(buf, cap, out_len, s.ptr, s.len, password,
                                              password_len);
        }
        if (sha2) {
            return redir_auth_caching_sha2(buf, cap, out_len, s.ptr, s.len, password,
                                           password_len);
        }
        if (ed) {
            return redir_auth_ed25519(buf, cap, out_len, s.ptr, s.len, password, password_len);
        }
        break;
    case REDIR_AUTH_STAGE_CLEARTEXT:
        if (sha2 || clear) {
            return redir_auth_cleartext(buf, cap, out_len, password, password_len);
        }
        break;
    case REDIR_AUTH_STAGE_RSA:
        if (sha2) {
            return redir_auth_rsa(buf, cap, out_len, req->data.ptr, req->data.len, s.ptr, s.len,
                                  password, password_len);
        }
        break;
    }
    return REDIR_E_AUTH_NO_ANSWER;
}
