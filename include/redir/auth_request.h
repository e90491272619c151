/*
 * libredir — what an authentication plugin is asked to answer.
 *
 * The client engine (<redir/client.h>) never computes a hash: when the server's
 * plugin needs an answer it hands the caller a redir_auth_request, and the
 * caller replies with the bytes. The companion library libredir-auth
 * (<redir/auth.h>) computes every answer described here.
 */
#ifndef REDIR_AUTH_REQUEST_H
#define REDIR_AUTH_REQUEST_H

#include "common.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum redir_auth_stage {
    /* The plugin's first answer to the server's nonce: the handshake
     * response's auth data, or the reply to an auth switch. scramble is the
     * nonce (20 bytes for mysql_native_password and caching_sha2_password,
     * 32 for client_ed25519); data is empty. */
    REDIR_AUTH_STAGE_INITIAL = 0,
    /* The password itself followed by one NUL byte: caching_sha2_password's
     * full path over TLS, and mysql_clear_password. The engine asks for it
     * only over an established TLS connection (and for mysql_clear_password
     * only when the caller opted in). */
    REDIR_AUTH_STAGE_CLEARTEXT = 1,
    /* caching_sha2_password's full path without TLS: data is the server's
     * RSA public key (PEM), and the answer is the RSA-OAEP encryption of the
     * password (with its NUL) XORed with the scramble, repeated. */
    REDIR_AUTH_STAGE_RSA = 2
} redir_auth_stage;

typedef struct redir_auth_request {
    redir_span plugin;      /* e.g. "mysql_native_password", no NUL */
    redir_auth_stage stage;
    redir_span scramble;    /* the server's nonce, trailing NUL removed */
    redir_span data;        /* stage data (the PEM key for REDIR_AUTH_STAGE_RSA) */
} redir_auth_request;

#ifdef __cplusplus
}
#endif

#endif
