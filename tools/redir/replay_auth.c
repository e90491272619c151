#include <stdio.h>
#include <string.h>

#include "replay_auth.h"

#define PLUGIN_NATIVE "mysql_native_password"
#define PLUGIN_SHA2 "caching_sha2_password"
#define PLUGIN_ED25519 "client_ed25519"

bool rp_auth_supported(const char *plugin) {
    return strcmp(plugin, PLUGIN_NATIVE) == 0 || strcmp(plugin, PLUGIN_SHA2) == 0 ||
           strcmp(plugin, PLUGIN_ED25519) == 0;
}

static int need(const rp_auth_input *in, size_t n, char *err, size_t err_len) {
    if (in->data_len < n) {
        snprintf(err, err_len, "%s: the server sent %zu bytes of scramble, %zu needed", in->plugin,
                 in->data_len, n);
        return -1;
    }
    return 0;
}

int rp_auth_first_response(const rp_auth_input *in, rp_buf *out, char *err, size_t err_len) {
    uint8_t resp[RP_ED25519_SIG_LEN];
    size_t len = 0;
    int rc;
    if (strcmp(in->plugin, PLUGIN_NATIVE) == 0) {
        rc = need(in, RP_SCRAMBLE_LEN, err, err_len);
        if (rc == 0) {
            rc = rp_auth_native(in->pw, in->pw_len, in->data, resp, &len);
        }
    } else if (strcmp(in->plugin, PLUGIN_SHA2) == 0) {
        rc = need(in, RP_SCRAMBLE_LEN, err, err_len);
        if (rc == 0) {
            rc = rp_auth_sha2_fast(in->pw, in->pw_len, in->data, resp, &len);
        }
    } else if (strcmp(in->plugin, PLUGIN_ED25519) == 0) {
        /* The nonce is signed as sent: 32 bytes. */
        rc = need(in, RP_ED25519_NONCE_LEN, err, err_len);
        if (rc == 0) {
            rc = rp_auth_ed25519_sign(in->pw, in->pw_len, in->data, RP_ED25519_NONCE_LEN, resp);
            len = RP_ED25519_SIG_LEN;
        }
    } else {
        snprintf(err, err_len, "authentication plugin '%s' is not supported", in->plugin);
        return -1;
    }
    if (rc != 0) {
        if (err[0] == '\0') {
            snprintf(err, err_len, "%s: computing the response failed", in->plugin);
        }
        return -1;
    }
    rp_buf_append(out, resp, len);
    return 0;
}
