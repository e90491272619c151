#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include "replay_auth.h"

static int sha256(const uint8_t *a, size_t a_len, const uint8_t *b, size_t b_len,
                  uint8_t out[RP_SHA2_LEN]) {
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    int ok = ctx != NULL && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) == 1 &&
             EVP_DigestUpdate(ctx, a, a_len) == 1 &&
             (b_len == 0 || EVP_DigestUpdate(ctx, b, b_len) == 1) &&
             EVP_DigestFinal_ex(ctx, out, NULL) == 1;
    EVP_MD_CTX_free(ctx);
    return ok ? 0 : -1;
}

int rp_auth_sha2_fast(const uint8_t *pw, size_t pw_len, const uint8_t scramble[RP_SCRAMBLE_LEN],
                      uint8_t out[RP_SHA2_LEN], size_t *out_len) {
    *out_len = 0;
    if (pw_len == 0) {
        return 0;
    }
    uint8_t m1[RP_SHA2_LEN];
    uint8_t m2[RP_SHA2_LEN];
    uint8_t m3[RP_SHA2_LEN];
    if (sha256(pw, pw_len, NULL, 0, m1) != 0 || sha256(m1, sizeof m1, NULL, 0, m2) != 0 ||
        sha256(m2, sizeof m2, scramble, RP_SCRAMBLE_LEN, m3) != 0) {
        return -1;
    }
    for (size_t i = 0; i < RP_SHA2_LEN; i++) {
        out[i] = m1[i] ^ m3[i];
    }
    *out_len = RP_SHA2_LEN;
    return 0;
}

static void openssl_error(char *err, size_t err_len, const char *what) {
    char detail[160];
    unsigned long e = ERR_get_error();
    if (e != 0) {
        ERR_error_string_n(e, detail, sizeof detail);
    } else {
        snprintf(detail, sizeof detail, "no detail");
    }
    snprintf(err, err_len, "%s: %s", what, detail);
    ERR_clear_error();
}

int rp_auth_sha2_rsa(const uint8_t *pw, size_t pw_len, const uint8_t *scramble,
                     size_t scramble_len, const uint8_t *pem, size_t pem_len, rp_buf *out,
                     char *err, size_t err_len) {
    if (scramble_len == 0 || pem_len > INT32_MAX) {
        snprintf(err, err_len, "RSA full authentication: no scramble or bad key length");
        return -1;
    }
    int rc = -1;
    uint8_t *plain = rp_xmalloc(pw_len + 1);
    uint8_t *cipher = NULL;
    EVP_PKEY_CTX *pctx = NULL;
    BIO *bio = BIO_new_mem_buf(pem, (int)pem_len);
    EVP_PKEY *key = bio != NULL ? PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL) : NULL;
    if (key == NULL) {
        openssl_error(err, err_len, "cannot read the server's RSA public key");
        goto done;
    }
    if (pw_len > 0) {
        memcpy(plain, pw, pw_len);
    }
    plain[pw_len] = 0;
    for (size_t i = 0; i <= pw_len; i++) {
        plain[i] ^= scramble[i % scramble_len];
    }
    size_t cipher_len = 0;
    pctx = EVP_PKEY_CTX_new(key, NULL);
    if (pctx == NULL || EVP_PKEY_encrypt_init(pctx) != 1 ||
        EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_OAEP_PADDING) != 1 ||
        EVP_PKEY_encrypt(pctx, NULL, &cipher_len, plain, pw_len + 1) != 1) {
        openssl_error(err, err_len, "RSA-OAEP setup failed");
        goto done;
    }
    cipher = rp_xmalloc(cipher_len);
    if (EVP_PKEY_encrypt(pctx, cipher, &cipher_len, plain, pw_len + 1) != 1) {
        openssl_error(err, err_len, "RSA-OAEP encryption failed (password too long for the key?)");
        goto done;
    }
    rp_buf_append(out, cipher, cipher_len);
    rc = 0;
done:
    if (pw_len > 0) {
        memset(plain, 0, pw_len + 1);
    }
    free(plain);
    free(cipher);
    EVP_PKEY_CTX_free(pctx);
    EVP_PKEY_free(key);
    BIO_free(bio);
    return rc;
}
