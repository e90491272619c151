/*
 * Client side of the authentication plugins `redir replay` speaks, with
 * OpenSSL for the cryptography. One file per plugin:
 *   replay_auth_native.c   mysql_native_password
 *   replay_auth_sha2.c     caching_sha2_password (fast path and RSA full path)
 *   replay_auth_ed25519.c  client_ed25519 (MariaDB auth_ed25519)
 * and replay_auth.c, which picks the plugin by name.
 *
 * Passwords are byte strings (pw, pw_len): they may hold any byte.
 * Every function returns 0 on success and -1 on failure.
 */
#ifndef REDIR_TOOL_REPLAY_AUTH_H
#define REDIR_TOOL_REPLAY_AUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "replay_buf.h"

/* Length of the scramble (nonce) the password plugins hash. */
#define RP_SCRAMBLE_LEN 20
#define RP_NATIVE_LEN 20
#define RP_SHA2_LEN 32
#define RP_ED25519_NONCE_LEN 32
#define RP_ED25519_SIG_LEN 64

/* rp_auth_native computes SHA1(pw) XOR SHA1(scramble + SHA1(SHA1(pw))) into
 * out. An empty password gives an empty response (*out_len 0), as clients
 * send; otherwise *out_len is 20. */
int rp_auth_native(const uint8_t *pw, size_t pw_len, const uint8_t scramble[RP_SCRAMBLE_LEN],
                   uint8_t out[RP_NATIVE_LEN], size_t *out_len);

/* rp_auth_sha2_fast computes the caching_sha2_password fast-path response
 * SHA256(pw) XOR SHA256(SHA256(SHA256(pw)) + scramble); empty password: empty
 * response, else *out_len is 32. */
int rp_auth_sha2_fast(const uint8_t *pw, size_t pw_len, const uint8_t scramble[RP_SCRAMBLE_LEN],
                      uint8_t out[RP_SHA2_LEN], size_t *out_len);

/* rp_auth_sha2_rsa encrypts (pw + NUL) XOR scramble (repeated over the
 * length) with the server's RSA public key (PEM, as sent in AuthMoreData)
 * using RSA-OAEP, for the full path over an unencrypted connection. The
 * ciphertext is appended to out. On failure err receives a message. */
int rp_auth_sha2_rsa(const uint8_t *pw, size_t pw_len, const uint8_t *scramble,
                     size_t scramble_len, const uint8_t *pem, size_t pem_len, rp_buf *out,
                     char *err, size_t err_len);

/* rp_auth_ed25519_sign signs msg with MariaDB's client_ed25519 scheme: an
 * Ed25519 signature whose 64-byte expanded secret is SHA-512(pw) (standard
 * Ed25519 hashes a 32-byte seed the same way, so a 32-byte pw gives the
 * RFC 8032 signature of that seed). */
int rp_auth_ed25519_sign(const uint8_t *pw, size_t pw_len, const uint8_t *msg, size_t msg_len,
                         uint8_t sig[RP_ED25519_SIG_LEN]);

/* rp_auth_ed25519_public writes the 32-byte public key for pw (what the
 * server stores, base64-encoded, for an ed25519 account). */
int rp_auth_ed25519_public(const uint8_t *pw, size_t pw_len, uint8_t pub[32]);

/* What a plugin needs to answer the server. */
typedef struct rp_auth_input {
    const char *plugin;     /* plugin name as announced/requested */
    const uint8_t *pw;
    size_t pw_len;
    const uint8_t *data;    /* the scramble/nonce the server sent */
    size_t data_len;
    bool tls;               /* the connection is encrypted */
} rp_auth_input;

/* rp_auth_supported tells whether plugin is one of the three above. */
bool rp_auth_supported(const char *plugin);

/* rp_auth_first_response computes the client's first response for a plugin
 * (in the handshake response, COM_CHANGE_USER, or after an auth switch) and
 * appends it to out. Fails for an unknown plugin or a too short nonce, with
 * a message in err. */
int rp_auth_first_response(const rp_auth_input *in, rp_buf *out, char *err, size_t err_len);

#endif
