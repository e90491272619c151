/*
 * A live client connection for `redir replay`: the library's client engine
 * (<redir/client.h>) driven over a socket (net.h) and OpenSSL (tls.h).
 *
 * The engine owns the protocol: framing, compression, TLS request, auth
 * exchange, response tracking. This file only moves bytes: what the engine
 * queued goes out before any read, and reads happen only when the engine
 * has no event to report. Timeouts apply to every read and write.
 */
#ifndef REDIR_TOOL_REPLAY_CONN_H
#define REDIR_TOOL_REPLAY_CONN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/ssl.h>
#include <redir/redir.h>

#include "tls.h"

typedef struct rp_conn {
    int fd;
    SSL_CTX *ssl_ctx;
    SSL *ssl;
    tls_first_bytes first; /* what the server sent during a failed TLS handshake */
    redir_client engine;
    uint8_t *in, *join, *inflate, *scratch, *out; /* the engine's buffers */
    uint8_t rx[64 * 1024]; /* bytes read, not yet taken by the engine */
    size_t rx_pos, rx_len;
    bool eof;
    int timeout_ms;
    char err[320];
} rp_conn;

/* rp_conn_open connects to host:port and starts the engine with cfg (its
 * buffers are allocated here; out_cap bytes for output, enough for the
 * largest command to send). 0, or -1 with c->err. */
int rp_conn_open(rp_conn *c, redir_client_config *cfg, const char *host, const char *port,
                 int timeout_s, size_t out_cap);

/* rp_conn_next returns 1 with the engine's next event, sending what it
 * queued and reading when it needs bytes; -1 on a transport failure (c->err).
 * Call it only while something is expected from the server. */
int rp_conn_next(rp_conn *c, redir_client_event *ev);

/* rp_conn_start_tls answers START_TLS: sends the SSLRequest, runs the TLS
 * handshake (verifying against ca_file and host when ca_file is given) and
 * tells the engine. A server that answered in clear gets its bytes judged by
 * the engine (which then reports the error). 0, or -1 with c->err. */
int rp_conn_start_tls(rp_conn *c, const char *ca_file, const char *host);

/* rp_conn_flush sends everything the engine queued. 0, or -1 with c->err. */
int rp_conn_flush(rp_conn *c);

/* rp_conn_tls_version names the negotiated TLS version ("" without TLS). */
const char *rp_conn_tls_version(const rp_conn *c);

void rp_conn_close(rp_conn *c);

#endif
