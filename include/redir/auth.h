/*
 * libredir-auth — the answers of the client authentication plugins.
 *
 * A companion library to libredir (CMake target libredir::auth, pkg-config
 * libredir-auth, link -lredir-auth). It is the only part of the project that
 * does cryptography, and it does none by hand: SHA-1, SHA-256 and RSA-OAEP
 * come from OpenSSL's libcrypto, Ed25519 arithmetic from libsodium. The core
 * library stays free of crypto; a caller that never authenticates never
 * links this.
 *
 * Every function writes its answer into buf[0..cap) in the usual encoder
 * form (see <redir/common.h>): on success *out_len is the answer's length;
 * when cap is too small nothing is written, the call returns REDIR_E_NOSPACE
 * and *out_len is the exact size needed (buf may be NULL with cap 0). The
 * password is a byte string of any content (a NUL in it is kept). Nothing
 * here keeps state; every function is safe to call from several threads.
 * Intermediate secrets on the stack are wiped before returning; libcrypto
 * and libsodium may allocate internally.
 */
#ifndef REDIR_AUTH_H
#define REDIR_AUTH_H

#include "auth_request.h"
#include "common.h"

#ifdef __cplusplus
extern "C" {
#endif

#define REDIR_AUTH_SCRAMBLE_LEN 20      /* native and caching_sha2 nonce */
#define REDIR_AUTH_ED25519_NONCE_LEN 32 /* client_ed25519 nonce */
#define REDIR_AUTH_NATIVE_LEN 20
#define REDIR_AUTH_SHA2_LEN 32
#define REDIR_AUTH_ED25519_LEN 64
#define REDIR_AUTH_ED25519_PUBLIC_LEN 32

/* redir_auth_native_password: mysql_native_password's answer,
 * SHA1(password) XOR SHA1(scramble[0..20) || SHA1(SHA1(password))). An empty
 * password gives an empty answer (*out_len 0), as clients send. Fails with
 * REDIR_E_AUTH_NONCE when scramble_len < 20 (only the first 20 bytes are
 * used). */
REDIR_API REDIR_NODISCARD redir_status redir_auth_native_password(
    uint8_t *buf, size_t cap, size_t *out_len, const uint8_t *scramble, size_t scramble_len,
    const uint8_t *password, size_t password_len);

/* redir_auth_caching_sha2: caching_sha2_password's fast-path answer,
 * SHA256(password) XOR SHA256(SHA256(SHA256(password)) || scramble[0..20)).
 * Empty password: empty answer. REDIR_E_AUTH_NONCE when scramble_len < 20. */
REDIR_API REDIR_NODISCARD redir_status redir_auth_caching_sha2(
    uint8_t *buf, size_t cap, size_t *out_len, const uint8_t *scramble, size_t scramble_len,
    const uint8_t *password, size_t password_len);

/* redir_auth_rsa: caching_sha2_password's full path without TLS. The
 * password followed by one NUL, XORed with the scramble (repeated), is
 * encrypted with RSA-OAEP (SHA-1, as the server expects) under the server's
 * public key pem[0..pem_len) (PEM, "PUBLIC KEY" or "RSA PUBLIC KEY"). The
 * answer is as long as the key's modulus. Fails with REDIR_E_AUTH_NONCE for
 * an empty scramble, REDIR_E_AUTH_RSA_KEY when the PEM holds no RSA public
 * key, REDIR_E_AUTH_RSA_TOO_LONG when the password does not fit one OAEP
 * block of that key, REDIR_E_AUTH_CRYPTO when libcrypto fails otherwise.
 * OAEP is randomised: two calls give different answers. */
REDIR_API REDIR_NODISCARD redir_status redir_auth_rsa(uint8_t *buf, size_t cap, size_t *out_len,
                                                      const uint8_t *pem, size_t pem_len,
                                                      const uint8_t *scramble,
                                                      size_t scramble_len,
                                                      const uint8_t *password,
                                                      size_t password_len);

/* redir_auth_ed25519: client_ed25519's answer, MariaDB's variant of an
 * Ed25519 signature of the 32-byte nonce: the 64-byte expanded secret is
 * SHA-512(password) rather than SHA-512 of a 32-byte seed (so a 32-byte
 * password gives the RFC 8032 signature with that seed). 64 bytes; an empty
 * password is signed like any other. REDIR_E_AUTH_NONCE unless nonce_len is
 * 32. */
REDIR_API REDIR_NODISCARD redir_status redir_auth_ed25519(uint8_t *buf, size_t cap,
                                                          size_t *out_len, const uint8_t *nonce,
                                                          size_t nonce_len,
                                                          const uint8_t *password,
                                                          size_t password_len);

/* redir_auth_ed25519_public: the 32-byte public key of a client_ed25519
 * password, what the server stores (base64) for the account. */
REDIR_API REDIR_NODISCARD redir_status redir_auth_ed25519_public(uint8_t *buf, size_t cap,
                                                                 size_t *out_len,
                                                                 const uint8_t *password,
                                                                 size_t password_len);

/* redir_auth_cleartext: the password followed by one NUL byte
 * (mysql_clear_password, caching_sha2_password's full path over TLS). Only
 * send it over TLS. */
REDIR_API REDIR_NODISCARD redir_status redir_auth_cleartext(uint8_t *buf, size_t cap,
                                                            size_t *out_len,
                                                            const uint8_t *password,
                                                            size_t password_len);

/* redir_auth_answer computes the answer the client engine asks for in an
 * AUTH_NEEDED event:
 *   INITIAL   mysql_native_password  redir_auth_native_password
 *             caching_sha2_password  redir_auth_caching_sha2
 *             client_ed25519         redir_auth_ed25519
 *   CLEARTEXT caching_sha2_password, mysql_clear_password
 *                                    redir_auth_cleartext
 *   RSA       caching_sha2_password  redir_auth_rsa with data as the key
 * with the request's scramble. Any other plugin and stage:
 * REDIR_E_AUTH_NO_ANSWER, *out_len 0. Otherwise the statuses of the
 * function used. */
REDIR_API REDIR_NODISCARD redir_status redir_auth_answer(uint8_t *buf, size_t cap,
                                                         size_t *out_len,
                                                         const redir_auth_request *req,
                                                         const uint8_t *password,
                                                         size_t password_len);

#ifdef __cplusplus
}
#endif

#endif
