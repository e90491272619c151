/*
 * client_ed25519: Ed25519 signing where the expanded secret is SHA-512 of the
 * password (any length) instead of SHA-512 of a 32-byte seed. OpenSSL's
 * Ed25519 keys only take the seed, so the curve arithmetic is done here with
 * BIGNUMs on edwards25519 (-x^2 + y^2 = 1 + d x^2 y^2 over p = 2^255 - 19),
 * in extended coordinates (X:Y:Z:T), x = X/Z, y = Y/Z, x*y = T/Z.
 * Speed is irrelevant here (one signature per login); clarity is not.
 */
#include <string.h>

#include <openssl/bn.h>
#include <openssl/evp.h>

#include "replay_auth.h"

static const char HEX_P[] = "7fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffed";
/* group order L = 2^252 + 27742317777372353535851937790883648493 */
static const char HEX_L[] = "1000000000000000000000000000000014def9dea2f79cd65812631a5cf5d3ed";
/* d = -121665 / 121666 mod p */
static const char HEX_D[] = "52036cee2b6ffe738cc740797779e89800700a4d4141d8ab75eb4dca135978a3";
static const char HEX_BX[] = "216936d3cd6e53fec0a4e231fdd6dc5c692cc7609525a7b2c9562d608f25d51a";
static const char HEX_BY[] = "6666666666666666666666666666666666666666666666666666666666666658";

typedef struct point {
    BIGNUM *x, *y, *z, *t;
} point;

typedef struct curve {
    BN_CTX *bn;
    BIGNUM *p, *l, *d2; /* d2 = 2d mod p */
    point base;
} curve;

static int point_init(point *q) {
    q->x = BN_new();
    q->y = BN_new();
    q->z = BN_new();
    q->t = BN_new();
    return q->x != NULL && q->y != NULL && q->z != NULL && q->t != NULL ? 0 : -1;
}

static void point_free(point *q) {
    BN_free(q->x);
    BN_free(q->y);
    BN_free(q->z);
    BN_free(q->t);
}

static void curve_free(curve *c) {
    point_free(&c->base);
    BN_free(c->p);
    BN_free(c->l);
    BN_free(c->d2);
    BN_CTX_free(c->bn);
}

static int curve_init(curve *c) {
    memset(c, 0, sizeof *c);
    c->bn = BN_CTX_new();
    if (c->bn == NULL || point_init(&c->base) != 0 || BN_hex2bn(&c->p, HEX_P) == 0 ||
        BN_hex2bn(&c->l, HEX_L) == 0 || BN_hex2bn(&c->d2, HEX_D) == 0 ||
        !BN_mod_add(c->d2, c->d2, c->d2, c->p, c->bn) || BN_hex2bn(&c->base.x, HEX_BX) == 0 ||
        BN_hex2bn(&c->base.y, HEX_BY) == 0 || !BN_one(c->base.z) ||
        !BN_mod_mul(c->base.t, c->base.x, c->base.y, c->p, c->bn)) {
        curve_free(c);
        return -1;
    }
    return 0;
}

/* r = a + b with the complete addition law for a = -1 (valid for a == b):
 *   A = (Y1-X1)(Y2-X2)  B = (Y1+X1)(Y2+X2)  C = 2d T1 T2  D = 2 Z1 Z2
 *   E = B-A  F = D-C  G = D+C  H = B+A
 *   X3 = E F  Y3 = G H  T3 = E H  Z3 = F G */
static int point_add(const curve *c, point *r, const point *a, const point *b) {
    BN_CTX *bn = c->bn;
    const BIGNUM *p = c->p;
    BN_CTX_start(bn);
    BIGNUM *A = BN_CTX_get(bn), *B = BN_CTX_get(bn), *C = BN_CTX_get(bn);
    BIGNUM *D = BN_CTX_get(bn), *E = BN_CTX_get(bn), *F = BN_CTX_get(bn);
    BIGNUM *G = BN_CTX_get(bn), *H = BN_CTX_get(bn), *u = BN_CTX_get(bn);
    int ok = u != NULL && BN_mod_sub(A, a->y, a->x, p, bn) && BN_mod_sub(u, b->y, b->x, p, bn) &&
             BN_mod_mul(A, A, u, p, bn) && BN_mod_add(B, a->y, a->x, p, bn) &&
             BN_mod_add(u, b->y, b->x, p, bn) && BN_mod_mul(B, B, u, p, bn) &&
             BN_mod_mul(C, a->t, b->t, p, bn) && BN_mod_mul(C, C, c->d2, p, bn) &&
             BN_mod_mul(D, a->z, b->z, p, bn) && BN_mod_add(D, D, D, p, bn) &&
             BN_mod_sub(E, B, A, p, bn) && BN_mod_sub(F, D, C, p, bn) &&
             BN_mod_add(G, D, C, p, bn) && BN_mod_add(H, B, A, p, bn) &&
             BN_mod_mul(r->x, E, F, p, bn) && BN_mod_mul(r->y, G, H, p, bn) &&
             BN_mod_mul(r->t, E, H, p, bn) && BN_mod_mul(r->z, F, G, p, bn);
    BN_CTX_end(bn);
    return ok ? 0 : -1;
}

/* r = k * base, double-and-add from the most significant bit. */
static int scalar_mult_base(const curve *c, point *r, const BIGNUM *k) {
    BN_zero(r->x);
    BN_zero(r->t);
    if (!BN_one(r->y) || !BN_one(r->z)) {
        return -1;
    }
    for (int i = BN_num_bits(k) - 1; i >= 0; i--) {
        if (point_add(c, r, r, r) != 0) {
            return -1;
        }
        if (BN_is_bit_set(k, i) && point_add(c, r, r, &c->base) != 0) {
            return -1;
        }
    }
    return 0;
}

/* Encoding: y little-endian in 32 bytes, the top bit holding x's parity. */
static int point_encode(const curve *c, const point *q, uint8_t out[32]) {
    BN_CTX_start(c->bn);
    BIGNUM *zi = BN_CTX_get(c->bn), *x = BN_CTX_get(c->bn), *y = BN_CTX_get(c->bn);
    int ok = y != NULL && BN_mod_inverse(zi, q->z, c->p, c->bn) != NULL &&
             BN_mod_mul(x, q->x, zi, c->p, c->bn) && BN_mod_mul(y, q->y, zi, c->p, c->bn) &&
             BN_bn2lebinpad(y, out, 32) == 32;
    if (ok && BN_is_odd(x)) {
        out[31] |= 0x80;
    }
    BN_CTX_end(c->bn);
    return ok ? 0 : -1;
}

static int sha512(const uint8_t *parts[], const size_t lens[], size_t n, uint8_t out[64]) {
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    int ok = ctx != NULL && EVP_DigestInit_ex(ctx, EVP_sha512(), NULL) == 1;
    for (size_t i = 0; ok && i < n; i++) {
        ok = lens[i] == 0 || EVP_DigestUpdate(ctx, parts[i], lens[i]) == 1;
    }
    ok = ok && EVP_DigestFinal_ex(ctx, out, NULL) == 1;
    EVP_MD_CTX_free(ctx);
    return ok ? 0 : -1;
}

/* Expanded secret: h = SHA-512(pw); the scalar is h[0..32) clamped, h[32..64)
 * seeds the deterministic nonce. */
static int expand(const uint8_t *pw, size_t pw_len, uint8_t h[64], BIGNUM *a) {
    const uint8_t *parts[] = {pw};
    const size_t lens[] = {pw_len};
    if (sha512(parts, lens, 1, h) != 0) {
        return -1;
    }
    h[0] &= 248;
    h[31] &= 63;
    h[31] |= 64;
    return BN_lebin2bn(h, 32, a) != NULL ? 0 : -1;
}

/* out = SHA-512(parts) as a little-endian integer, reduced mod L. */
static int hash_mod_l(const curve *c, const uint8_t *parts[], const size_t lens[], size_t n,
                      BIGNUM *out) {
    uint8_t digest[64];
    int ok = sha512(parts, lens, n, digest) == 0 && BN_lebin2bn(digest, 64, out) != NULL &&
             BN_nnmod(out, out, c->l, c->bn);
    memset(digest, 0, sizeof digest);
    return ok ? 0 : -1;
}

int rp_auth_ed25519_public(const uint8_t *pw, size_t pw_len, uint8_t pub[32]) {
    curve c;
    if (curve_init(&c) != 0) {
        return -1;
    }
    uint8_t h[64];
    point A;
    BIGNUM *a = BN_secure_new();
    int ok = a != NULL && point_init(&A) == 0 && expand(pw, pw_len, h, a) == 0 &&
             scalar_mult_base(&c, &A, a) == 0 && point_encode(&c, &A, pub) == 0;
    memset(h, 0, sizeof h);
    point_free(&A);
    BN_clear_free(a);
    curve_free(&c);
    return ok ? 0 : -1;
}

int rp_auth_ed25519_sign(const uint8_t *pw, size_t pw_len, const uint8_t *msg, size_t msg_len,
                         uint8_t sig[RP_ED25519_SIG_LEN]) {
    curve c;
    if (curve_init(&c) != 0) {
        return -1;
    }
    uint8_t h[64];
    uint8_t pub[32];
    point A, R;
    int ok = point_init(&A) == 0 && point_init(&R) == 0;
    BIGNUM *a = BN_secure_new(), *r = BN_secure_new(), *k = BN_new(), *s = BN_new();
    ok = ok && a != NULL && r != NULL && k != NULL && s != NULL;

    /* A = a B */
    ok = ok && expand(pw, pw_len, h, a) == 0 && scalar_mult_base(&c, &A, a) == 0 &&
         point_encode(&c, &A, pub) == 0;
    /* r = H(h[32..64) || M) mod L, R = r B */
    const uint8_t *nonce_parts[] = {h + 32, msg};
    const size_t nonce_lens[] = {32, msg_len};
    ok = ok && hash_mod_l(&c, nonce_parts, nonce_lens, 2, r) == 0 &&
         scalar_mult_base(&c, &R, r) == 0 && point_encode(&c, &R, sig) == 0;
    /* k = H(R || A || M) mod L, S = (r + k a) mod L */
    const uint8_t *k_parts[] = {sig, pub, msg};
    const size_t k_lens[] = {32, 32, msg_len};
    ok = ok && hash_mod_l(&c, k_parts, k_lens, 3, k) == 0 &&
         BN_mod_mul(s, k, a, c.l, c.bn) && BN_mod_add(s, s, r, c.l, c.bn) &&
         BN_bn2lebinpad(s, sig + 32, 32) == 32;

    memset(h, 0, sizeof h);
    point_free(&A);
    point_free(&R);
    BN_clear_free(a);
    BN_clear_free(r);
    BN_free(k);
    BN_free(s);
    curve_free(&c);
    return ok ? 0 : -1;
}
