/* caching_sha2_password's full path without TLS: RSA-OAEP under the
 * server's public key. */
#include <openssl/decoder.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <string.h>

#include "auth_internal.h"

/* The longest password + NUL encrypted; no common key size carries more in
 * one OAEP block (8192-bit: 982 bytes). */
#define PLAIN_MAX 1024u

static EVP_PKEY *read_key(const uint8_t *pem, size_t pem_len) {
    EVP_PKEY *key = NULL;
    /* No structure given: both SubjectPublicKeyInfo ("PUBLIC KEY") and
     * PKCS#1 ("RSA PUBLIC KEY") decode. */
    OSSL_DECODER_CTX *dctx = OSSL_DECODER_CTX_new_for_pkey(&key, "PEM", NULL, "RSA",
                                                           EVP_PKEY_PUBLIC_KEY, NULL, NULL);
    const unsigned char *p = pem;
    size_t left = pem_len;
    if (dctx == NULL || OSSL_DECODER_from_data(dctx, &p, &left) != 1) {
        EVP_PKEY_free(key);
        key = NULL;
    }
    OSSL_DECODER_CTX_free(dctx);
    if (key != NULL && EVP_PKEY_is_a(key, "RSA") != 1) {
        EVP_PKEY_free(key);
        key = NULL;
    }
    return key;
}

redir_status redir_auth_rsa(uint8_t *buf, size_t cap, size_t *out_len, const uint8_t *pem,
                            size_t pem_len, const uint8_t *scramble, size_t scramble_len,
                            const uint8_t *password, size_t password_len) {
    *out_len = 0;
    if (scramble_len == 0) {
        return REDIR_E_AUTH_NONCE;
    }
    EVP_PKEY *key = read_key(pem, pem_len);
    if (key == NULL) {
        return REDIR_E_AUTH_RSA_KEY;
    }
    int bits = EVP_PKEY_get_size(key);
    size_t k = bits > 0 ? (size_t)bits : 0;
    /* OAEP with SHA-1 carries at most k - 2 * 20 - 2 bytes. */
    if (k < 42 || password_len + 1 > k - 42 || password_len + 1 > PLAIN_MAX) {
        EVP_PKEY_free(key);
        return REDIR_E_AUTH_RSA_TOO_LONG;
    }
    redir_status st = auth_room(cap, out_len, k);
    if (st != REDIR_OK) {
        EVP_PKEY_free(key);
        return st;
    }
    uint8_t plain[PLAIN_MAX];
    if (password_len > 0) {
        memcpy(plain, password, password_len);
    }
    plain[password_len] = 0;
    for (size_t i = 0; i <= password_len; i++) {
        plain[i] ^= scramble[i % scramble_len];
    }
    size_t got = k;
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new(key, NULL);
    bool ok = ctx != NULL && EVP_PKEY_encrypt_init(ctx) == 1 &&
              EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_OAEP_PADDING) == 1 &&
              EVP_PKEY_encrypt(ctx, buf, &got, plain, password_len + 1) == 1 && got == k;
    auth_wipe(plain, password_len + 1);
    EVP_PKEY_CTX_free(ctx);
    EVP_PKEY_free(key);
    if (!ok) {
        *out_len = 0;
        return REDIR_E_AUTH_CRYPTO;
    }
    return REDIR_OK;
}
