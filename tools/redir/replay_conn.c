#include "replay_conn.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "net.h"
#include "replay_buf.h"

#define IN_CAP (256u * 1024u)
/* The largest payload read: the captures hold packets of 16 MiB and more. */
#define JOIN_CAP (64u * 1024u * 1024u)
#define INFLATE_CAP (16u * 1024u * 1024u)

int rp_conn_open(rp_conn *c, redir_client_config *cfg, const char *host, const char *port,
                 int timeout_s, size_t out_cap) {
    memset(c, 0, sizeof *c);
    c->fd = -1;
    c->timeout_ms = timeout_s * 1000;
    c->fd = net_connect(host, port, c->timeout_ms, c->err, sizeof c->err);
    if (c->fd < 0 || net_set_timeouts(c->fd, c->timeout_ms) != 0) {
        if (c->fd >= 0) {
            snprintf(c->err, sizeof c->err, "cannot set socket timeouts");
        }
        return -1;
    }
    c->in = rp_xmalloc(IN_CAP);
    c->join = rp_xmalloc(JOIN_CAP);
    c->inflate = rp_xmalloc(INFLATE_CAP);
    c->scratch = rp_xmalloc(REDIR_INFLATE_SCRATCH_SIZE);
    c->out = rp_xmalloc(out_cap);
    cfg->in_buf = c->in;
    cfg->in_cap = IN_CAP;
    cfg->join_buf = c->join;
    cfg->join_cap = JOIN_CAP;
    cfg->inflate_buf = c->inflate;
    cfg->inflate_cap = INFLATE_CAP;
    cfg->scratch = c->scratch;
    cfg->scratch_len = REDIR_INFLATE_SCRATCH_SIZE;
    cfg->out_buf = c->out;
    cfg->out_cap = out_cap;
    redir_status st = redir_client_init(&c->engine, NULL, cfg);
    if (st != REDIR_OK) {
        snprintf(c->err, sizeof c->err, "client engine: %s", redir_status_name(st));
        return -1;
    }
    return 0;
}

int rp_conn_flush(rp_conn *c) {
    redir_span out = redir_client_output(&c->engine);
    if (out.len == 0) {
        return 0;
    }
    int rc = c->ssl != NULL
                 ? tls_write_all(c->ssl, out.ptr, out.len, c->timeout_ms, c->err, sizeof c->err)
                 : net_write_all(c->fd, out.ptr, out.len, c->timeout_ms, c->err, sizeof c->err);
    if (rc != 0) {
        return -1;
    }
    redir_client_output_consume(&c->engine, out.len);
    return 0;
}

/* fill reads what the server sends next into rx: 0, or -1 with c->err. */
static int fill(rp_conn *c) {
    ssize_t n;
    if (c->ssl != NULL) {
        n = tls_read(c->ssl, c->rx, sizeof c->rx, c->err, sizeof c->err);
        if (n == TLS_IO_WANT_READ || n == TLS_IO_WANT_WRITE) {
            snprintf(c->err, sizeof c->err, "read timed out");
            return -1;
        }
        if (n < 0) {
            return -1;
        }
    } else {
        n = net_read(c->fd, c->rx, sizeof c->rx);
        if (n == NET_AGAIN) {
            snprintf(c->err, sizeof c->err, "read timed out");
            return -1;
        }
        if (n < 0) {
            snprintf(c->err, sizeof c->err, "read failed");
            return -1;
        }
    }
    if (n == 0) {
        c->eof = true;
        redir_client_eof(&c->engine);
    }
    c->rx_pos = 0;
    c->rx_len = (size_t)n;
    return 0;
}

int rp_conn_next(rp_conn *c, redir_client_event *ev) {
    for (;;) {
        redir_status st = redir_client_next(&c->engine, ev);
        if (st == REDIR_OK) {
            return 1;
        }
        if (st != REDIR_DONE || rp_conn_flush(c) != 0) {
            if (st != REDIR_DONE) {
                snprintf(c->err, sizeof c->err, "client engine: %s", redir_status_name(st));
            }
            return -1;
        }
        if (c->rx_pos < c->rx_len) {
            size_t taken = 0;
            st = redir_client_feed(&c->engine, &taken, c->rx + c->rx_pos, c->rx_len - c->rx_pos);
            if (st != REDIR_OK || taken == 0) {
                snprintf(c->err, sizeof c->err, "client engine takes no input: %s",
                         redir_status_name(st));
                return -1;
            }
            c->rx_pos += taken;
            continue;
        }
        if (c->eof) {
            snprintf(c->err, sizeof c->err, "nothing more from the server");
            return -1;
        }
        if (fill(c) != 0) {
            return -1;
        }
    }
}

int rp_conn_start_tls(rp_conn *c, const char *ca_file, const char *host) {
    if (rp_conn_flush(c) != 0) {
        return -1;
    }
    c->ssl_ctx = tls_client_ctx(ca_file, ca_file != NULL, NULL, c->err, sizeof c->err);
    if (c->ssl_ctx == NULL) {
        return -1;
    }
    c->ssl = tls_client_new(c->ssl_ctx, c->fd, host, c->err, sizeof c->err);
    if (c->ssl == NULL) {
        return -1;
    }
    tls_keep_first_bytes(c->ssl, &c->first);
    if (tls_handshake(c->ssl, c->timeout_ms, c->err, sizeof c->err) != 0) {
        if (!tls_first_bytes_plaintext(&c->first)) {
            return -1;
        }
        /* The server answered in clear: the engine judges those bytes. */
        tls_close(c->ssl);
        c->ssl = NULL;
        memcpy(c->rx, c->first.data, c->first.len);
        c->rx_pos = 0;
        c->rx_len = c->first.len;
        return 0;
    }
    tls_keep_first_bytes(c->ssl, NULL);
    redir_status st = redir_client_tls_done(&c->engine, tls_peer_verified(c->ssl));
    if (st != REDIR_OK) {
        snprintf(c->err, sizeof c->err, "client engine refused TLS: %s", redir_status_name(st));
        return -1;
    }
    return 0;
}

const char *rp_conn_tls_version(const rp_conn *c) {
    return c->ssl != NULL ? SSL_get_version(c->ssl) : "";
}

void rp_conn_close(rp_conn *c) {
    tls_close(c->ssl);
    SSL_CTX_free(c->ssl_ctx);
    if (c->fd >= 0) {
        close(c->fd);
    }
    free(c->in);
    free(c->join);
    free(c->inflate);
    free(c->scratch);
    free(c->out);
    memset(c, 0, sizeof *c);
    c->fd = -1;
}
