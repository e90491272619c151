/*
 * A live client connection for `redir replay`: TCP, optional TLS (OpenSSL),
 * packet framing with continuation packets, and the compressed protocol.
 *
 * Writes are queued (rp_conn_queue) and sent together by rp_conn_flush, so a
 * run of pipelined commands leaves in one write as the captured client sent
 * them. Reads return whole logical packets, continuation frames joined.
 */
#ifndef REDIR_TOOL_REPLAY_CONN_H
#define REDIR_TOOL_REPLAY_CONN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/ssl.h>

#include "replay_buf.h"

typedef struct rp_conn {
    int fd;
    SSL_CTX *ssl_ctx;
    SSL *ssl;
    bool compressed;  /* compressed protocol in both directions */
    uint8_t cseq;     /* next compressed sequence id to send */
    rp_buf raw;       /* bytes read from the socket/TLS, not consumed yet */
    rp_buf plain;     /* inflated bytes of compressed frames, not consumed yet */
    rp_buf out;       /* queued bytes, sent by rp_conn_flush */
    void *inflate_scratch;
    void *deflate_scratch;
    bool eof;         /* the peer closed the connection */
    char err[256];    /* last error */
} rp_conn;

/* rp_conn_open connects to host:port (name or address) with timeout_s
 * seconds for the connection and for every later read and write. */
int rp_conn_open(rp_conn *c, const char *host, const char *port, int timeout_s);

/* rp_conn_start_tls runs a TLS handshake on the open connection. With
 * ca_file the server certificate must chain to it and match host; without,
 * it is not checked (the replay compares protocol shapes, not identities). */
int rp_conn_start_tls(rp_conn *c, const char *ca_file, const char *host);

/* rp_conn_tls_version names the negotiated TLS version ("" without TLS). */
const char *rp_conn_tls_version(const rp_conn *c);

/* rp_conn_queue frames payload (splitting it into continuation packets
 * when longer than 0xFFFFFF) with sequence ids from seq, wrapping it in a
 * compressed frame when compression is on, and queues it. seq 0 starts a
 * new command, which also restarts the compressed sequence. Returns the
 * sequence id that follows the last frame. */
uint8_t rp_conn_queue(rp_conn *c, const uint8_t *payload, size_t len, uint8_t seq);

/* rp_conn_flush writes everything queued. */
int rp_conn_flush(rp_conn *c);

/* rp_conn_read reads one logical packet into *payload (replacing its
 * contents) and its first sequence id into *seq. Returns 0, 1 when the peer
 * closed the connection cleanly before a packet started, -1 on error
 * (message in c->err). */
int rp_conn_read(rp_conn *c, rp_buf *payload, uint8_t *seq);

void rp_conn_close(rp_conn *c);

#endif
