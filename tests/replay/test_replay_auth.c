/* Authentication plugins of `redir replay` against known answers: vectors
 * taken from the project's captures (a real MariaDB client logging in to a
 * real server), RFC 8032, and MariaDB Connector/Node.js. */
#include <string.h>

#include <criterion/criterion.h>
#include <criterion/new/assert.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include "replay_auth.h"
#include "testutil.h"

#define PW(s) (const uint8_t *)(s), (sizeof(s) - 1)

/* Scramble of the greeting in pcaps/mariadb-10.11-plain.pcap, flow 1. */
static const char PLAIN_SCRAMBLE[] = "4f4c6f6944535840734748707b3b526c475d7c7b";

Test(replay_auth, native_matches_captured_client) {
    /* The mariadb client's response in the same capture, password redir-pass. */
    uint8_t scramble[20], want[20], out[RP_NATIVE_LEN];
    size_t len = 99;
    hex_decode(PLAIN_SCRAMBLE, scramble, sizeof scramble);
    hex_decode("76e22f545862398fa556064a2b18f6632effaff5", want, sizeof want);
    cr_assert(eq(int, rp_auth_native(PW("redir-pass"), scramble, out, &len), 0));
    cr_assert(eq(sz, len, 20));
    cr_assert(eq(int, memcmp(out, want, 20), 0));
}

Test(replay_auth, native_empty_password_is_empty) {
    uint8_t scramble[20] = {0}, out[RP_NATIVE_LEN];
    size_t len = 99;
    cr_assert(eq(int, rp_auth_native(PW(""), scramble, out, &len), 0));
    cr_assert(eq(sz, len, 0));
}

Test(replay_auth, native_depends_on_every_scramble_byte) {
    uint8_t scramble[20], a[20], b[20];
    size_t len;
    hex_decode(PLAIN_SCRAMBLE, scramble, sizeof scramble);
    cr_assert(eq(int, rp_auth_native(PW("redir-pass"), scramble, a, &len), 0));
    scramble[19] ^= 1;
    cr_assert(eq(int, rp_auth_native(PW("redir-pass"), scramble, b, &len), 0));
    cr_assert(memcmp(a, b, 20) != 0);
}

Test(replay_auth, sha2_fast_matches_reference) {
    /* Computed by MariaDB Connector/Node.js 3.5.4 (encryptSha256Password). */
    uint8_t scramble[20], want[32], out[RP_SHA2_LEN];
    size_t len = 0;
    hex_decode(PLAIN_SCRAMBLE, scramble, sizeof scramble);
    hex_decode("272f6295ab5d8d134b93fce4831f20a0d5d8a1b127f13f1c5b0805b498f47c5b", want,
               sizeof want);
    cr_assert(eq(int, rp_auth_sha2_fast(PW("redir-pass"), scramble, out, &len), 0));
    cr_assert(eq(sz, len, 32));
    cr_assert(eq(int, memcmp(out, want, 32), 0));

    hex_decode("c354cb0fd79e902b39f49d75000cf2581c801d6254b02379442104d7252beb6f", want,
               sizeof want);
    cr_assert(eq(int,
                 rp_auth_sha2_fast(PW("p\xc3\xa4ssw\xc3\xb6rd with spaces and a longer tail "
                                      "0123456789"),
                                   scramble, out, &len),
                 0));
    cr_assert(eq(int, memcmp(out, want, 32), 0));
}

Test(replay_auth, sha2_empty_password_is_empty) {
    uint8_t scramble[20] = {0}, out[RP_SHA2_LEN];
    size_t len = 99;
    cr_assert(eq(int, rp_auth_sha2_fast(PW(""), scramble, out, &len), 0));
    cr_assert(eq(sz, len, 0));
}

Test(replay_auth, sha2_rsa_round_trip) {
    EVP_PKEY *key = EVP_RSA_gen(2048);
    cr_assert(key != NULL);
    BIO *bio = BIO_new(BIO_s_mem());
    cr_assert(eq(int, PEM_write_bio_PUBKEY(bio, key), 1));
    char *pem = NULL;
    long pem_len = BIO_get_mem_data(bio, &pem);

    uint8_t scramble[20];
    hex_decode(PLAIN_SCRAMBLE, scramble, sizeof scramble);
    rp_buf cipher = {0};
    char err[200] = "";
    cr_assert(eq(int,
                 rp_auth_sha2_rsa(PW("a password longer than the twenty byte scramble"),
                                  scramble, sizeof scramble, (const uint8_t *)pem,
                                  (size_t)pem_len, &cipher, err, sizeof err),
                 0),
              "%s", err);
    cr_assert(eq(sz, cipher.len, 256));

    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new(key, NULL);
    uint8_t plain[256];
    size_t plain_len = sizeof plain;
    cr_assert(eq(int, EVP_PKEY_decrypt_init(ctx), 1));
    cr_assert(eq(int, EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_OAEP_PADDING), 1));
    cr_assert(eq(int, EVP_PKEY_decrypt(ctx, plain, &plain_len, cipher.data, cipher.len), 1));
    static const char pw[] = "a password longer than the twenty byte scramble";
    cr_assert(eq(sz, plain_len, sizeof pw));
    for (size_t i = 0; i < sizeof pw; i++) {
        cr_assert(eq(u8, (uint8_t)(plain[i] ^ scramble[i % 20]), (uint8_t)pw[i]), "byte %zu", i);
    }
    EVP_PKEY_CTX_free(ctx);
    rp_buf_free(&cipher);
    BIO_free(bio);
    EVP_PKEY_free(key);
}

Test(replay_auth, sha2_rsa_rejects_bad_key) {
    uint8_t scramble[20] = {1};
    rp_buf out = {0};
    char err[200] = "";
    static const char pem[] = "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n";
    cr_assert(eq(int,
                 rp_auth_sha2_rsa(PW("pw"), scramble, sizeof scramble, PW(pem), &out, err,
                                  sizeof err),
                 -1));
    cr_assert(eq(sz, out.len, 0));
    cr_assert(strstr(err, "RSA public key") != NULL, "%s", err);
}

Test(replay_auth, ed25519_matches_captured_client) {
    /* pcaps/mariadb-10.11-auth-switch-ed25519.pcap: the server's nonce in
     * the AuthSwitchRequest and the mariadb client's signature, password
     * redir-ed-pass. */
    uint8_t nonce[32], want[64], sig[RP_ED25519_SIG_LEN];
    hex_decode("57def5cd31a1f969e6bb0e3ae466953498aa4e924acffdcc0d4a9cc554d2cdd5", nonce,
               sizeof nonce);
    hex_decode("e9d2980e8bf57605cbb29d059afc153e4bc8c83ff0bb8414e8b38b73d5789afc"
               "b0b736274244edf314dee864eaffd3e90724e44db0783d4a0222f41bfb691a01",
               want, sizeof want);
    cr_assert(eq(int, rp_auth_ed25519_sign(PW("redir-ed-pass"), nonce, sizeof nonce, sig), 0));
    cr_assert(eq(int, memcmp(sig, want, 64), 0));
}

Test(replay_auth, ed25519_public_key_matches_server) {
    /* The server stores the public key base64-encoded for the account:
     * tbKHSqLbbkKzJjup/AxdvcGBDqQQTVntDZ4OitQS7Q0 for redir-ed-pass. */
    uint8_t want[32], pub[32];
    hex_decode("b5b2874aa2db6e42b3263ba9fc0c5dbdc1810ea4104d59ed0d9e0e8ad412ed0d", want,
               sizeof want);
    cr_assert(eq(int, rp_auth_ed25519_public(PW("redir-ed-pass"), pub), 0));
    cr_assert(eq(int, memcmp(pub, want, 32), 0));
}

/* With a 32-byte "password" the scheme is plain Ed25519 with that seed. */
Test(replay_auth, ed25519_rfc8032_test1) {
    uint8_t seed[32], want_pub[32], want_sig[64], pub[32], sig[64];
    hex_decode("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60", seed,
               sizeof seed);
    hex_decode("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a", want_pub,
               sizeof want_pub);
    hex_decode("e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555"
               "fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b",
               want_sig, sizeof want_sig);
    cr_assert(eq(int, rp_auth_ed25519_public(seed, sizeof seed, pub), 0));
    cr_assert(eq(int, memcmp(pub, want_pub, 32), 0));
    cr_assert(eq(int, rp_auth_ed25519_sign(seed, sizeof seed, NULL, 0, sig), 0));
    cr_assert(eq(int, memcmp(sig, want_sig, 64), 0));
}

Test(replay_auth, ed25519_rfc8032_test2) {
    uint8_t seed[32], msg[1] = {0x72}, want[64], sig[64];
    hex_decode("4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb", seed,
               sizeof seed);
    hex_decode("92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da"
               "085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00",
               want, sizeof want);
    cr_assert(eq(int, rp_auth_ed25519_sign(seed, sizeof seed, msg, sizeof msg, sig), 0));
    cr_assert(eq(int, memcmp(sig, want, 64), 0));
}

/* OpenSSL's own Ed25519 agrees for seeds it accepts. */
Test(replay_auth, ed25519_agrees_with_openssl) {
    uint8_t seed[32], nonce[32], sig[64], ref[64];
    for (int round = 0; round < 8; round++) {
        for (int i = 0; i < 32; i++) {
            seed[i] = (uint8_t)(round * 37 + i * 11);
            nonce[i] = (uint8_t)(round * 5 + i * 3);
        }
        EVP_PKEY *k = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, seed, sizeof seed);
        EVP_MD_CTX *md = EVP_MD_CTX_new();
        size_t ref_len = sizeof ref;
        cr_assert(eq(int, EVP_DigestSignInit(md, NULL, NULL, NULL, k), 1));
        cr_assert(eq(int, EVP_DigestSign(md, ref, &ref_len, nonce, sizeof nonce), 1));
        cr_assert(eq(int, rp_auth_ed25519_sign(seed, sizeof seed, nonce, sizeof nonce, sig), 0));
        cr_assert(eq(int, memcmp(sig, ref, 64), 0), "round %d", round);
        EVP_MD_CTX_free(md);
        EVP_PKEY_free(k);
    }
}

Test(replay_auth, dispatch_by_plugin_name) {
    uint8_t scramble[32];
    hex_decode("57def5cd31a1f969e6bb0e3ae466953498aa4e924acffdcc0d4a9cc554d2cdd5", scramble,
               sizeof scramble);
    char err[200] = "";
    rp_buf out = {0};
    rp_auth_input in = {"client_ed25519", PW("redir-ed-pass"), scramble, 32, false};
    cr_assert(eq(int, rp_auth_first_response(&in, &out, err, sizeof err), 0));
    cr_assert(eq(sz, out.len, 64));
    cr_assert(eq(u8, out.data[0], 0xe9));

    out.len = 0;
    in.plugin = "mysql_native_password";
    cr_assert(eq(int, rp_auth_first_response(&in, &out, err, sizeof err), 0));
    cr_assert(eq(sz, out.len, 20));

    out.len = 0;
    in.plugin = "caching_sha2_password";
    cr_assert(eq(int, rp_auth_first_response(&in, &out, err, sizeof err), 0));
    cr_assert(eq(sz, out.len, 32));

    out.len = 0;
    in.plugin = "client_ed25519";
    in.data_len = 20; /* a 20-byte scramble is too short for ed25519 */
    cr_assert(eq(int, rp_auth_first_response(&in, &out, err, sizeof err), -1));
    cr_assert(strstr(err, "32 needed") != NULL, "%s", err);

    in.plugin = "dialog";
    cr_assert(eq(int, rp_auth_first_response(&in, &out, err, sizeof err), -1));
    cr_assert(eq(sz, out.len, 0));
    cr_assert(eq(int, rp_auth_supported("dialog"), 0));
    cr_assert(eq(int, rp_auth_supported("caching_sha2_password"), 1));
    rp_buf_free(&out);
}
