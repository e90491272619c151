/* client_ed25519 (MariaDB's auth_ed25519): an Ed25519 signature whose
 * expanded secret is SHA-512 of the password. The steps follow MariaDB's
 * ref10 crypto_sign; the curve and scalar arithmetic is libsodium's. */
#include <sodium.h>
#include <string.h>

#include "auth_internal.h"

#define SCALAR crypto_core_ed25519_SCALARBYTES

/* expand: h = SHA-512(password), its first half clamped into the secret
 * scalar a (not reduced: a * B equals (a mod L) * B anyway). */
static void expand(uint8_t h[crypto_hash_sha512_BYTES], const uint8_t *password,
                   size_t password_len) {
    crypto_hash_sha512(h, password, password_len);
    h[0] &= 248;
    h[31] &= 63;
    h[31] |= 64;
}

/* hash_reduce: out = SHA-512(a || b || c) mod L. */
static void hash_reduce(uint8_t out[SCALAR], const uint8_t *a, size_t a_len, const uint8_t *b,
                        size_t b_len, const uint8_t *c, size_t c_len) {
    crypto_hash_sha512_state st;
    uint8_t digest[crypto_hash_sha512_BYTES];
    crypto_hash_sha512_init(&st);
    crypto_hash_sha512_update(&st, a, a_len);
    crypto_hash_sha512_update(&st, b, b_len);
    crypto_hash_sha512_update(&st, c, c_len);
    crypto_hash_sha512_final(&st, digest);
    crypto_core_ed25519_scalar_reduce(out, digest);
    sodium_memzero(digest, sizeof digest);
    sodium_memzero(&st, sizeof st);
}

redir_status redir_auth_ed25519_public(uint8_t *buf, size_t cap, size_t *out_len,
                                       const uint8_t *password, size_t password_len) {
    redir_status st = auth_room(cap, out_len, REDIR_AUTH_ED25519_PUBLIC_LEN);
    if (st != REDIR_OK) {
        return st;
    }
    if (sodium_init() < 0) {
        *out_len = 0;
        return REDIR_E_AUTH_CRYPTO;
    }
    uint8_t h[crypto_hash_sha512_BYTES];
    expand(h, password, password_len);
    int rc = crypto_scalarmult_ed25519_base_noclamp(buf, h);
    sodium_memzero(h, sizeof h);
    if (rc != 0) {
        *out_len = 0;
        return REDIR_E_AUTH_CRYPTO;
    }
    return REDIR_OK;
}

redir_status redir_auth_ed25519(uint8_t *buf, size_t cap, size_t *out_len, const uint8_t *nonce,
                                size_t nonce_len, const uint8_t *password,
                                size_t password_len) {
    *out_len = 0;
    if (nonce_len != REDIR_AUTH_ED25519_NONCE_LEN) {
        return REDIR_E_AUTH_NONCE;
    }
    redir_status st = auth_room(cap, out_len, REDIR_AUTH_ED25519_LEN);
    if (st != REDIR_OK) {
        return st;
    }
    if (sodium_init() < 0) {
        *out_len = 0;
        return REDIR_E_AUTH_CRYPTO;
    }
    uint8_t h[crypto_hash_sha512_BYTES];
    uint8_t wide[crypto_hash_sha512_BYTES] = {0};
    uint8_t a[SCALAR], r[SCALAR], k[SCALAR], ka[SCALAR];
    uint8_t pub[crypto_core_ed25519_BYTES];
    expand(h, password, password_len);
    /* a mod L, for the scalar arithmetic below */
    memcpy(wide, h, SCALAR);
    crypto_core_ed25519_scalar_reduce(a, wide);
    /* A = a B;  r = H(h[32..64) || M) mod L;  R = r B */
    int rc = crypto_scalarmult_ed25519_base_noclamp(pub, h);
    hash_reduce(r, h + 32, 32, nonce, nonce_len, NULL, 0);
    rc |= crypto_scalarmult_ed25519_base_noclamp(buf, r);
    /* k = H(R || A || M) mod L;  S = (r + k a) mod L */
    hash_reduce(k, buf, 32, pub, sizeof pub, nonce, nonce_len);
    crypto_core_ed25519_scalar_mul(ka, k, a);
    crypto_core_ed25519_scalar_add(buf + 32, ka, r);
    sodium_memzero(h, sizeof h);
    sodium_memzero(wide, sizeof wide);
    sodium_memzero(a, sizeof a);
    sodium_memzero(r, sizeof r);
    sodium_memzero(ka, sizeof ka);
    if (rc != 0) {
        /* only when r or a is 0 mod L: probability 2^-252 */
        sodium_memzero(buf, REDIR_AUTH_ED25519_LEN);
        *out_len = 0;
        return REDIR_E_AUTH_CRYPTO;
    }
    return REDIR_OK;
}
