#include <openssl/evp.h>

#include "replay_auth.h"

static int sha1(const uint8_t *a, size_t a_len, const uint8_t *b, size_t b_len,
                uint8_t out[RP_NATIVE_LEN]) {
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    int ok = ctx != NULL && EVP_DigestInit_ex(ctx, EVP_sha1(), NULL) == 1 &&
             EVP_DigestUpdate(ctx, a, a_len) == 1 &&
             (b_len == 0 || EVP_DigestUpdate(ctx, b, b_len) == 1) &&
             EVP_DigestFinal_ex(ctx, out, NULL) == 1;
    EVP_MD_CTX_free(ctx);
    return ok ? 0 : -1;
}

int rp_auth_native(const uint8_t *pw, size_t pw_len, const uint8_t scramble[RP_SCRAMBLE_LEN],
                   uint8_t out[RP_NATIVE_LEN], size_t *out_len) {
    *out_len = 0;
    if (pw_len == 0) {
        return 0;
    }
    uint8_t stage1[RP_NATIVE_LEN];
    uint8_t stage2[RP_NATIVE_LEN];
    uint8_t mix[RP_NATIVE_LEN];
    if (sha1(pw, pw_len, NULL, 0, stage1) != 0 ||
        sha1(stage1, sizeof stage1, NULL, 0, stage2) != 0 ||
        sha1(scramble, RP_SCRAMBLE_LEN, stage2, sizeof stage2, mix) != 0) {
        return -1;
    }
    for (size_t i = 0; i < RP_NATIVE_LEN; i++) {
        out[i] = stage1[i] ^ mix[i];
    }
    *out_len = RP_NATIVE_LEN;
    return 0;
}
