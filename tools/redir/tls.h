/*
 * OpenSSL glue for the redir tool's live subcommands (probe, serve, replay).
 *
 * A context (SSL_CTX) is made once per process role: tls_client_ctx or
 * tls_server_ctx, optionally with a key log file. A connection (SSL) is made
 * per socket with tls_client_new / tls_server_new, driven through its
 * handshake either step by step from an event loop (tls_handshake_step) or
 * to the end with a timeout (tls_handshake), then read and written through
 * tls_read / tls_write, and released with tls_close.
 *
 * Certificate checks (client): the CA file given (or the system's default
 * trust store without one) and the host name or address the caller
 * connected to. With verify set, a certificate that fails either check
 * fails the handshake. Without it the handshake goes on and
 * tls_peer_verified reports the outcome of the same checks, so the caller
 * can tell the redirect policy whether the peer was verified.
 *
 * Key log (SSLKEYLOGFILE format, NSS key log): every secret OpenSSL reports
 * for connections of that context is appended to the file as one line
 * ("CLIENT_RANDOM ..." for TLS 1.2, "CLIENT_HANDSHAKE_TRAFFIC_SECRET ..."
 * and the other TLS 1.3 labels), flushed at once. The file is created with
 * mode 0600 and appended to, never truncated; it is closed with the context.
 * Wireshark and tshark read it (-o tls.keylog_file:FILE).
 *
 * Failures return NULL or -1 (or TLS_IO_ERROR / TLS_STEP_ERROR) and write a
 * one-line message into err[0..err_len) when err is not NULL; OpenSSL's error
 * queue is emptied.
 */
#ifndef REDIR_TOOL_TLS_H
#define REDIR_TOOL_TLS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include <openssl/ssl.h>

/* tls_client_ctx makes a client context (TLS 1.2 or later). ca_file: PEM
 * trust anchors, NULL for the system's defaults. verify: fail handshakes
 * whose certificate does not verify. keylog_file: NULL or a path. */
SSL_CTX *tls_client_ctx(const char *ca_file, bool verify, const char *keylog_file, char *err,
                        size_t err_len);

/* tls_server_ctx makes a server context (TLS 1.2 or later) presenting the
 * PEM certificate chain cert_file with the private key key_file (checked to
 * match). keylog_file: NULL or a path. */
SSL_CTX *tls_server_ctx(const char *cert_file, const char *key_file, const char *keylog_file,
                        char *err, size_t err_len);

/* tls_ctx_set_keylog makes ctx append its connections' secrets to path
 * (replacing an earlier file of that context). */
int tls_ctx_set_keylog(SSL_CTX *ctx, const char *path, char *err, size_t err_len);

/* tls_client_new starts a client connection on the connected socket fd.
 * host is what the caller connected to: a name is sent as SNI and checked
 * against the certificate's names, an address literal (no brackets) against
 * its IP addresses. The socket may be blocking or not. */
SSL *tls_client_new(SSL_CTX *ctx, int fd, const char *host, char *err, size_t err_len);

/* tls_server_new starts a server connection on the accepted socket fd. */
SSL *tls_server_new(SSL_CTX *ctx, int fd, char *err, size_t err_len);

typedef enum tls_step {
    TLS_STEP_DONE = 0,       /* the handshake is complete */
    TLS_STEP_WANT_READ = 1,  /* call again when fd is readable */
    TLS_STEP_WANT_WRITE = 2, /* call again when fd is writable */
    TLS_STEP_ERROR = 3       /* failed; err says why (the connection is unusable) */
} tls_step;

/* tls_handshake_step advances the handshake of a connection on a
 * non-blocking socket as far as it can without waiting. */
tls_step tls_handshake_step(SSL *ssl, char *err, size_t err_len);

/* The first bytes the peer sent during a handshake. A peer that answers a
 * TLS handshake in plaintext (a MySQL packet where the server's TLS answer
 * was due) fails the handshake; the bytes OpenSSL read before failing are
 * kept here so that the caller can hand them, with what is still in the
 * socket, to the protocol engine that judges them. */
typedef struct tls_first_bytes {
    unsigned char data[64];
    size_t len;
} tls_first_bytes;

/* tls_keep_first_bytes records into *fb the first bytes (up to its size)
 * that ssl reads from its socket; *fb must outlive the handshake. Call it
 * before the handshake; tls_keep_first_bytes(ssl, NULL) stops recording. */
void tls_keep_first_bytes(SSL *ssl, tls_first_bytes *fb);

/* tls_first_bytes_plaintext is true when the bytes kept cannot start a TLS
 * record (false when none were read). */
bool tls_first_bytes_plaintext(const tls_first_bytes *fb);

/* tls_handshake completes the handshake, waiting at most timeout_ms for the
 * socket each time it has to (negative: no limit). Returns 0 or -1. */
int tls_handshake(SSL *ssl, int timeout_ms, char *err, size_t err_len);

/* tls_peer_verified is true when the peer presented a certificate that
 * passed the checks described above (meaningful after the handshake). */
bool tls_peer_verified(const SSL *ssl);

/* tls_verify_message says why the peer is not verified ("ok" when it is,
 * "no certificate" when there was none). Static string. */
const char *tls_verify_message(const SSL *ssl);

/* tls_describe writes "TLSv1.3 TLS_AES_256_GCM_SHA384" into out. */
void tls_describe(const SSL *ssl, char *out, size_t out_len);

/* Results of tls_read / tls_write besides a positive byte count. After a
 * WANT result, wait as it says and call again; a tls_write must then be
 * retried with the same bytes (their buffer may have moved). */
#define TLS_IO_EOF 0         /* tls_read: the peer closed (close_notify or plain EOF) */
#define TLS_IO_ERROR (-1)    /* failed; err says why */
#define TLS_IO_WANT_READ (-2)
#define TLS_IO_WANT_WRITE (-3)

ssize_t tls_read(SSL *ssl, void *buf, size_t cap, char *err, size_t err_len);
ssize_t tls_write(SSL *ssl, const void *buf, size_t len, char *err, size_t err_len);

/* tls_write_all writes all len bytes, waiting up to timeout_ms each time the
 * socket is not ready. Returns 0 or -1. */
int tls_write_all(SSL *ssl, const void *buf, size_t len, int timeout_ms, char *err,
                  size_t err_len);

/* tls_close sends close_notify without waiting for the peer's, and frees
 * ssl (NULL is ignored). The socket stays open: the caller closes it. */
void tls_close(SSL *ssl);

#endif
