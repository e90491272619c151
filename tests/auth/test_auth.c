/* libredir-auth against known answers: the project's captures (a real
 * MariaDB client logging in to a real server), values the server itself
 * stored for test accounts, RFC 8032, MariaDB Connector/Node.js, and
 * OpenSSL's own Ed25519 and RSA. */
#include <string.h>

#include <criterion/criterion.h>
#include <criterion/new/assert.h>
#include <openssl/ec.h>
#include <openssl/encoder.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>

#include "redir/auth.h"
#include "testutil.h"

#define PW(s) (const uint8_t *)(s), (sizeof(s) - 1)

/* Scramble of the greeting in pcaps/mariadb-10.11-plain.pcap, flow 1. */
static const char PLAIN_SCRAMBLE[] = "4f4c6f6944535840734748707b3b526c475d7c7b";
/* pcaps/mariadb-10.11-auth-switch-ed25519.pcap: the nonce of the auth switch. */
static const char ED_NONCE[] = "57def5cd31a1f969e6bb0e3ae466953498aa4e924acffdcc0d4a9cc554d2cdd5";

static size_t unhex(const char *hex, uint8_t *out, size_t cap) { return hex_decode(hex, out, cap); }

Test(auth, native_matches_captured_client) {
    /* The mariadb client's answer in the same capture, password redir-pass. */
    uint8_t scramble[20], want[20], out[REDIR_AUTH_NATIVE_LEN];
    size_t len = 99;
    unhex(PLAIN_SCRAMBLE, scramble, sizeof scramble);
    unhex("76e22f545862398fa556064a2b18f6632effaff5", want, sizeof want);
    cr_assert(eq(int, redir_auth_native_password(out, sizeof out, &len, scramble, 20,
                                                 PW("redir-pass")),
                 REDIR_OK));
    cr_assert(eq(sz, len, 20));
    cr_assert(eq(int, memcmp(out, want, 20), 0));
}

Test(auth, native_empty_password_and_short_scramble) {
    uint8_t scramble[20] = {0}, out[REDIR_AUTH_NATIVE_LEN];
    size_t len = 99;
    cr_assert(eq(int, redir_auth_native_password(out, sizeof out, &len, scramble, 20, PW("")),
                 REDIR_OK));
    cr_assert(eq(sz, len, 0));
    cr_assert(eq(int, redir_auth_native_password(out, sizeof out, &len, scramble, 19, PW("x")),
                 REDIR_E_AUTH_NONCE));
    cr_assert(eq(sz, len, 0));
}

/* Every byte of the scramble counts (moved from the replay tool's tests). */
Test(auth, native_depends_on_every_scramble_byte) {
    uint8_t scramble[20], a[20], b[20];
    size_t len = 0;
    unhex(PLAIN_SCRAMBLE, scramble, sizeof scramble);
    for (size_t i = 0; i < sizeof scramble; i++) {
        cr_assert(eq(int, redir_auth_native_password(a, 20, &len, scramble, 20, PW("redir-pass")),
                     REDIR_OK));
        scramble[i] ^= 1;
        cr_assert(eq(int, redir_auth_native_password(b, 20, &len, scramble, 20, PW("redir-pass")),
                     REDIR_OK));
        scramble[i] ^= 1;
        cr_assert(memcmp(a, b, 20) != 0, "byte %zu", i);
    }
}

Test(auth, sizes_are_reported_exactly) {
    uint8_t scramble[32] = {1}, out[64];
    size_t len = 0;
    cr_assert(eq(int, redir_auth_native_password(NULL, 0, &len, scramble, 20, PW("pw")),
                 REDIR_E_NOSPACE));
    cr_assert(eq(sz, len, 20));
    cr_assert(eq(int, redir_auth_caching_sha2(out, 31, &len, scramble, 20, PW("pw")),
                 REDIR_E_NOSPACE));
    cr_assert(eq(sz, len, 32));
    cr_assert(eq(int, redir_auth_ed25519(out, 63, &len, scramble, 32, PW("pw")),
                 REDIR_E_NOSPACE));
    cr_assert(eq(sz, len, 64));
    cr_assert(eq(int, redir_auth_ed25519_public(NULL, 0, &len, PW("pw")), REDIR_E_NOSPACE));
    cr_assert(eq(sz, len, 32));
    cr_assert(eq(int, redir_auth_cleartext(out, 2, &len, PW("pw")), REDIR_E_NOSPACE));
    cr_assert(eq(sz, len, 3));
    cr_assert(eq(int, redir_auth_cleartext(out, 3, &len, PW("pw")), REDIR_OK));
    cr_assert(eq(int, memcmp(out, "pw", 3), 0));
}

Test(auth, sha2_matches_reference) {
    /* Computed by MariaDB Connector/Node.js 3.5.4 (encryptSha256Password). */
    uint8_t scramble[20], want[32], out[REDIR_AUTH_SHA2_LEN];
    size_t len = 0;
    unhex(PLAIN_SCRAMBLE, scramble, sizeof scramble);
    unhex("272f6295ab5d8d134b93fce4831f20a0d5d8a1b127f13f1c5b0805b498f47c5b", want, 32);
    cr_assert(eq(int, redir_auth_caching_sha2(out, sizeof out, &len, scramble, 20,
                                              PW("redir-pass")),
                 REDIR_OK));
    cr_assert(eq(sz, len, 32));
    cr_assert(eq(int, memcmp(out, want, 32), 0));
    unhex("c354cb0fd79e902b39f49d75000cf2581c801d6254b02379442104d7252beb6f", want, 32);
    cr_assert(eq(int,
                 redir_auth_caching_sha2(out, sizeof out, &len, scramble, 20,
                                         PW("p\xc3\xa4ssw\xc3\xb6rd with spaces and a longer "
                                            "tail 0123456789")),
                 REDIR_OK));
    cr_assert(eq(int, memcmp(out, want, 32), 0));
    cr_assert(eq(int, redir_auth_caching_sha2(out, sizeof out, &len, scramble, 20, PW("")),
                 REDIR_OK));
    cr_assert(eq(sz, len, 0));
}

/* pem_of writes key's public half as PEM in the given structure. */
static size_t pem_of(EVP_PKEY *key, const char *structure, uint8_t *out, size_t cap) {
    OSSL_ENCODER_CTX *ctx =
        OSSL_ENCODER_CTX_new_for_pkey(key, EVP_PKEY_PUBLIC_KEY, "PEM", structure, NULL);
    unsigned char *data = NULL;
    size_t len = 0;
    cr_assert(ctx != NULL);
    cr_assert(eq(int, OSSL_ENCODER_to_data(ctx, &data, &len), 1));
    cr_assert(len <= cap);
    memcpy(out, data, len);
    OPENSSL_free(data);
    OSSL_ENCODER_CTX_free(ctx);
    return len;
}

static void rsa_round_trip(EVP_PKEY *key, const char *structure, const uint8_t *pw,
                           size_t pw_len) {
    uint8_t pem[4096], cipher[512], plain[512], scramble[20];
    size_t pem_len = pem_of(key, structure, pem, sizeof pem);
    unhex(PLAIN_SCRAMBLE, scramble, sizeof scramble);
    size_t len = 0;
    cr_assert(eq(int, redir_auth_rsa(NULL, 0, &len, pem, pem_len, scramble, 20, pw, pw_len),
                 REDIR_E_NOSPACE));
    cr_assert(eq(sz, len, (size_t)EVP_PKEY_get_size(key)));
    cr_assert(eq(int, redir_auth_rsa(cipher, sizeof cipher, &len, pem, pem_len, scramble, 20,
                                     pw, pw_len),
                 REDIR_OK));
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new(key, NULL);
    size_t plain_len = sizeof plain;
    cr_assert(eq(int, EVP_PKEY_decrypt_init(ctx), 1));
    cr_assert(eq(int, EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_OAEP_PADDING), 1));
    cr_assert(eq(int, EVP_PKEY_decrypt(ctx, plain, &plain_len, cipher, len), 1));
    cr_assert(eq(sz, plain_len, pw_len + 1));
    for (size_t i = 0; i <= pw_len; i++) {
        uint8_t want = i < pw_len ? pw[i] : 0;
        cr_assert(eq(u8, (uint8_t)(plain[i] ^ scramble[i % 20]), want), "byte %zu", i);
    }
    EVP_PKEY_CTX_free(ctx);
}

Test(auth, rsa_round_trip_both_pem_forms) {
    EVP_PKEY *key = EVP_RSA_gen(2048);
    cr_assert(key != NULL);
    rsa_round_trip(key, "SubjectPublicKeyInfo", PW("a password longer than the scramble"));
    rsa_round_trip(key, "type-specific", PW("a password longer than the scramble"));
    rsa_round_trip(key, "SubjectPublicKeyInfo", PW(""));
    /* 2048 bits carry at most 256 - 42 = 214 bytes: password + NUL. */
    static uint8_t pw[214];
    memset(pw, 'x', sizeof pw);
    rsa_round_trip(key, "SubjectPublicKeyInfo", pw, 213);
    uint8_t pem[4096], out[512], scramble[20] = {1};
    size_t pem_len = pem_of(key, "SubjectPublicKeyInfo", pem, sizeof pem), len = 7;
    cr_assert(eq(int, redir_auth_rsa(out, sizeof out, &len, pem, pem_len, scramble, 20, pw, 214),
                 REDIR_E_AUTH_RSA_TOO_LONG));
    cr_assert(eq(sz, len, 0));
    cr_assert(eq(int, redir_auth_rsa(out, sizeof out, &len, pem, pem_len, scramble, 0, pw, 1),
                 REDIR_E_AUTH_NONCE));
    EVP_PKEY_free(key);
}

Test(auth, rsa_rejects_what_is_not_an_rsa_key) {
    uint8_t scramble[20] = {1}, out[512];
    size_t len = 0;
    static const char bad[] = "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n";
    cr_assert(eq(int, redir_auth_rsa(out, sizeof out, &len, PW(bad), scramble, 20, PW("pw")),
                 REDIR_E_AUTH_RSA_KEY));
    EVP_PKEY *ec = EVP_EC_gen("P-256");
    uint8_t pem[4096];
    size_t pem_len = pem_of(ec, "SubjectPublicKeyInfo", pem, sizeof pem);
    cr_assert(eq(int, redir_auth_rsa(out, sizeof out, &len, pem, pem_len, scramble, 20,
                                     PW("pw")),
                 REDIR_E_AUTH_RSA_KEY));
    EVP_PKEY_free(ec);
}

Test(auth, ed25519_matches_captured_client) {
    /* The mariadb client's signature in the capture, password redir-ed-pass. */
    uint8_t nonce[32], want[64], sig[REDIR_AUTH_ED25519_LEN];
    size_t len = 0;
    unhex(ED_NONCE, nonce, sizeof nonce);
    unhex("e9d2980e8bf57605cbb29d059afc153e4bc8c83ff0bb8414e8b38b73d5789afc"
          "b0b736274244edf314dee864eaffd3e90724e44db0783d4a0222f41bfb691a01",
          want, sizeof want);
    cr_assert(eq(int, redir_auth_ed25519(sig, sizeof sig, &len, nonce, 32, PW("redir-ed-pass")),
                 REDIR_OK));
    cr_assert(eq(sz, len, 64));
    cr_assert(eq(int, memcmp(sig, want, 64), 0));
    cr_assert(eq(int, redir_auth_ed25519(sig, sizeof sig, &len, nonce, 31, PW("redir-ed-pass")),
                 REDIR_E_AUTH_NONCE));
}

/* Public keys mariadbd 10.11 stored (base64 in mysql.global_priv) for
 * accounts created IDENTIFIED VIA ed25519 USING PASSWORD(...). */
static const struct {
    const char *password;
    size_t len;
    const char *hex;
} SERVER_KEYS[] = {
    {"redir-ed-pass", 13, "b5b2874aa2db6e42b3263ba9fc0c5dbdc1810ea4104d59ed0d9e0e8ad412ed0d"},
    {"a", 1, "1af4668bdba78058c90fdb0a8daabf4f708bd4b98ed822e9cf9238da09c1ec48"},
    {"redir-pass", 10, "30e59e79e19e59e56bc1a657f269c6088303d0addd0b8fc9de470faf141b7eb6"},
    {"p\xc3\xa4ssw\xc3\xb6rd", 10, "dc070950deef476027033b3f31cc0db46b361836c7ccbe58a99a0838fc3ad95d"},
    {"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", 32, "ee31f83c88a71219a6fcf9bee0da9bc22620588f5a15a6145553504df9649e5c"},
    {"yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy"
     "yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy", 100,
     "ea388be2ed3f3e08216434e4417200c2aa1a01bae952f208cfa631f1e79a5381"},
    {"0123456789abcdef0123456789abcdef0", 33, "27e8003c86898548b0bfa638571b18f8de27de15b8a66a137645ca723636ded8"},
};

Test(auth, ed25519_public_keys_match_server) {
    for (size_t i = 0; i < sizeof SERVER_KEYS / sizeof SERVER_KEYS[0]; i++) {
        uint8_t want[32], pub[32];
        size_t len = 0;
        unhex(SERVER_KEYS[i].hex, want, sizeof want);
        cr_assert(eq(int, redir_auth_ed25519_public(pub, sizeof pub, &len,
                                                    (const uint8_t *)SERVER_KEYS[i].password,
                                                    SERVER_KEYS[i].len),
                     REDIR_OK));
        cr_assert(eq(int, memcmp(pub, want, 32), 0), "password #%zu", i);
    }
}

/* With a 32-byte password the public key is RFC 8032's for that seed
 * (7.1, tests 1 and 2). */
Test(auth, ed25519_rfc8032_public_keys) {
    static const char *pairs[][2] = {
        {"9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
         "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"},
        {"4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
         "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c"}};
    for (size_t i = 0; i < 2; i++) {
        uint8_t seed[32], want[32], pub[32];
        size_t len = 0;
        unhex(pairs[i][0], seed, 32);
        unhex(pairs[i][1], want, 32);
        cr_assert(eq(int, redir_auth_ed25519_public(pub, 32, &len, seed, 32), REDIR_OK));
        cr_assert(eq(int, memcmp(pub, want, 32), 0));
    }
}

/* OpenSSL's own Ed25519 agrees for seeds it accepts. */
Test(auth, ed25519_agrees_with_openssl) {
    uint8_t seed[32], nonce[32], sig[64], ref[64];
    for (int round = 0; round < 16; round++) {
        for (int i = 0; i < 32; i++) {
            seed[i] = (uint8_t)(round * 37 + i * 11);
            nonce[i] = (uint8_t)(round * 5 + i * 3);
        }
        EVP_PKEY *k = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, seed, sizeof seed);
        EVP_MD_CTX *md = EVP_MD_CTX_new();
        size_t ref_len = sizeof ref, len = 0;
        cr_assert(eq(int, EVP_DigestSignInit(md, NULL, NULL, NULL, k), 1));
        cr_assert(eq(int, EVP_DigestSign(md, ref, &ref_len, nonce, sizeof nonce), 1));
        cr_assert(eq(int, redir_auth_ed25519(sig, sizeof sig, &len, nonce, 32, seed, 32),
                     REDIR_OK));
        cr_assert(eq(int, memcmp(sig, ref, 64), 0), "round %d", round);
        /* and OpenSSL verifies what a non-seed password signs, under the
         * public key of that password */
        uint8_t pub[32];
        cr_assert(eq(int, redir_auth_ed25519_public(pub, 32, &len, seed, (size_t)round + 1),
                     REDIR_OK));
        cr_assert(eq(int, redir_auth_ed25519(sig, sizeof sig, &len, nonce, 32, seed,
                                             (size_t)round + 1),
                     REDIR_OK));
        EVP_PKEY *vk = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, pub, 32);
        EVP_MD_CTX *vmd = EVP_MD_CTX_new();
        cr_assert(eq(int, EVP_DigestVerifyInit(vmd, NULL, NULL, NULL, vk), 1));
        cr_assert(eq(int, EVP_DigestVerify(vmd, sig, 64, nonce, 32), 1), "round %d", round);
        EVP_MD_CTX_free(vmd);
        EVP_PKEY_free(vk);
        EVP_MD_CTX_free(md);
        EVP_PKEY_free(k);
    }
}

Test(auth, answer_dispatches_every_stage) {
    uint8_t nonce[32], out[512];
    size_t len = 0;
    unhex(ED_NONCE, nonce, sizeof nonce);
    redir_auth_request req = {redir_span_of("client_ed25519", 14), REDIR_AUTH_STAGE_INITIAL,
                              redir_span_of(nonce, 32), redir_span_of(NULL, 0)};
    cr_assert(eq(int, redir_auth_answer(out, sizeof out, &len, &req, PW("redir-ed-pass")),
                 REDIR_OK));
    cr_assert(eq(sz, len, 64));
    cr_assert(eq(u8, out[0], 0xe9));

    req.plugin = redir_span_of("mysql_native_password", 21);
    req.scramble.len = 20;
    cr_assert(eq(int, redir_auth_answer(out, sizeof out, &len, &req, PW("redir-ed-pass")),
                 REDIR_OK));
    cr_assert(eq(sz, len, 20));
    req.plugin = redir_span_of("caching_sha2_password", 21);
    cr_assert(eq(int, redir_auth_answer(out, sizeof out, &len, &req, PW("redir-ed-pass")),
                 REDIR_OK));
    cr_assert(eq(sz, len, 32));
    req.stage = REDIR_AUTH_STAGE_CLEARTEXT;
    cr_assert(eq(int, redir_auth_answer(out, sizeof out, &len, &req, PW("p\0q")), REDIR_OK));
    cr_assert(eq(sz, len, 4));
    cr_assert(eq(int, memcmp(out, "p\0q\0", 4), 0));
    req.plugin = redir_span_of("mysql_clear_password", 20);
    cr_assert(eq(int, redir_auth_answer(out, sizeof out, &len, &req, PW("pw")), REDIR_OK));
    cr_assert(eq(sz, len, 3));
    req.stage = REDIR_AUTH_STAGE_RSA;
    cr_assert(eq(int, redir_auth_answer(out, sizeof out, &len, &req, PW("pw")),
                 REDIR_E_AUTH_NO_ANSWER));
    req.plugin = redir_span_of("caching_sha2_password", 21);
    req.data = redir_span_of("not a key", 9);
    cr_assert(eq(int, redir_auth_answer(out, sizeof out, &len, &req, PW("pw")),
                 REDIR_E_AUTH_RSA_KEY));
    req.stage = REDIR_AUTH_STAGE_INITIAL;
    req.plugin = redir_span_of("client_ed25519", 14);
    cr_assert(eq(int, redir_auth_answer(out, sizeof out, &len, &req, PW("pw")),
                 REDIR_E_AUTH_NONCE));
    req.plugin = redir_span_of("dialog", 6);
    cr_assert(eq(int, redir_auth_answer(out, sizeof out, &len, &req, PW("pw")),
                 REDIR_E_AUTH_NO_ANSWER));
    cr_assert(eq(sz, len, 0));
    req.plugin = redir_span_of("mysql_native", 12);
    cr_assert(eq(int, redir_auth_answer(out, sizeof out, &len, &req, PW("pw")),
                 REDIR_E_AUTH_NO_ANSWER));
}
