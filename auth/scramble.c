/* The two scramble-hash plugins: mysql_native_password (SHA-1) and
 * caching_sha2_password's fast path (SHA-256). */
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "auth_internal.h"

void auth_wipe(void *p, size_t n) { OPENSSL_cleanse(p, n); }

/* digest2 computes md(a || b) into out (b may be empty). */
static bool digest2(const EVP_MD *md, uint8_t *out, const uint8_t *a, size_t a_len,
                    const uint8_t *b, size_t b_len) {
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    bool ok = ctx != NULL && EVP_DigestInit_ex(ctx, md, NULL) == 1 &&
              (a_len == 0 || EVP_DigestUpdate(ctx, a, a_len) == 1) &&
              (b_len == 0 || EVP_DigestUpdate(ctx, b, b_len) == 1) &&
              EVP_DigestFinal_ex(ctx, out, NULL) == 1;
    EVP_MD_CTX_free(ctx);
    return ok;
}

/* scramble_answer: both plugins answer H(pw) XOR mix, where mix hashes
 * H(H(pw)) with the scramble, in the order each plugin defines. */
static redir_status scramble_answer(uint8_t *buf, size_t cap, size_t *out_len, const EVP_MD *md,
                                    bool scramble_first, const uint8_t *scramble,
                                    size_t scramble_len, const uint8_t *password,
                                    size_t password_len) {
    *out_len = 0;
    if (scramble_len < REDIR_AUTH_SCRAMBLE_LEN) {
        return REDIR_E_AUTH_NONCE;
    }
    if (password_len == 0) {
        return REDIR_OK; /* an empty password has an empty answer */
    }
    size_t n = (size_t)EVP_MD_get_size(md);
    redir_status st = auth_room(cap, out_len, n);
    if (st != REDIR_OK) {
        return st;
    }
    uint8_t h1[EVP_MAX_MD_SIZE], h2[EVP_MAX_MD_SIZE], mix[EVP_MAX_MD_SIZE];
    const uint8_t *s = scramble;
    size_t sl = REDIR_AUTH_SCRAMBLE_LEN;
    bool ok = digest2(md, h1, password, password_len, NULL, 0) &&
              digest2(md, h2, h1, n, NULL, 0) &&
              (scramble_first ? digest2(md, mix, s, sl, h2, n) : digest2(md, mix, h2, n, s, sl));
    if (ok) {
        auth_xor(buf, h1, mix, n);
    }
    auth_wipe(h1, sizeof h1);
    auth_wipe(h2, sizeof h2);
    if (!ok) {
        *out_len = 0;
        return REDIR_E_AUTH_CRYPTO;
    }
    return REDIR_OK;
}

redir_status redir_auth_native_password(uint8_t *buf, size_t cap, size_t *out_len,
                                        const uint8_t *scramble, size_t scramble_len,
                                        const uint8_t *password, size_t password_len) {
    return scramble_answer(buf, cap, out_len, EVP_sha1(), true, scramble, scramble_len, password,
                           password_len);
}

redir_status redir_auth_caching_sha2(uint8_t *buf, size_t cap, size_t *out_len,
                                     const uint8_t *scramble, size_t scramble_len,
                                     const uint8_t *password, size_t password_len) {
    return scramble_answer(buf, cap, out_len, EVP_sha256(), false, scramble, scramble_len,
                           password, password_len);
}
