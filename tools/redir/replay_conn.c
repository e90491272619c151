#include "replay_conn.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/x509v3.h>

#include <redir/redir.h>

#include "net.h"

#define READ_CHUNK (256u * 1024u)

#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
static int fail(rp_conn *c, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->err, sizeof c->err, fmt, ap);
    va_end(ap);
    return -1;
}

static int fail_ssl(rp_conn *c, const char *what) {
    char detail[200];
    unsigned long e = ERR_get_error();
    if (e != 0) {
        ERR_error_string_n(e, detail, sizeof detail);
    } else {
        snprintf(detail, sizeof detail, "%s", errno != 0 ? strerror(errno) : "no detail");
    }
    ERR_clear_error();
    snprintf(c->err, sizeof c->err, "%s: %s", what, detail);
    return -1;
}

int rp_conn_open(rp_conn *c, const char *host, const char *port, int timeout_s) {
    memset(c, 0, sizeof *c);
    c->fd = net_connect(host, port, timeout_s * 1000, c->err, sizeof c->err);
    if (c->fd < 0) {
        return -1;
    }
    if (net_set_timeouts(c->fd, timeout_s * 1000) != 0) {
        fail(c, "socket options: %s", strerror(errno));
        close(c->fd);
        c->fd = -1;
        return -1;
    }
    c->inflate_scratch = rp_xmalloc(REDIR_INFLATE_SCRATCH_SIZE);
    c->deflate_scratch = rp_xmalloc(REDIR_DEFLATE_SCRATCH_SIZE);
    return 0;
}

int rp_conn_start_tls(rp_conn *c, const char *ca_file, const char *host) {
    c->ssl_ctx = SSL_CTX_new(TLS_client_method());
    if (c->ssl_ctx == NULL) {
        return fail_ssl(c, "TLS setup");
    }
#ifdef SSL_OP_IGNORE_UNEXPECTED_EOF
    /* Servers often close without close_notify after an ERR. */
    SSL_CTX_set_options(c->ssl_ctx, SSL_OP_IGNORE_UNEXPECTED_EOF);
#endif
    if (ca_file != NULL) {
        if (SSL_CTX_load_verify_locations(c->ssl_ctx, ca_file, NULL) != 1) {
            return fail_ssl(c, "cannot load the CA file");
        }
        SSL_CTX_set_verify(c->ssl_ctx, SSL_VERIFY_PEER, NULL);
    } else {
        SSL_CTX_set_verify(c->ssl_ctx, SSL_VERIFY_NONE, NULL);
    }
    c->ssl = SSL_new(c->ssl_ctx);
    if (c->ssl == NULL || SSL_set_fd(c->ssl, c->fd) != 1) {
        return fail_ssl(c, "TLS setup");
    }
    struct in6_addr scratch;
    bool is_ip =
        inet_pton(AF_INET, host, &scratch) == 1 || inet_pton(AF_INET6, host, &scratch) == 1;
    if (!is_ip) {
        /* The macro casts its argument to void *: hand it a mutable copy. */
        char sni[256];
        snprintf(sni, sizeof sni, "%s", host);
        SSL_set_tlsext_host_name(c->ssl, sni);
    }
    if (ca_file != NULL) {
        int ok = is_ip ? X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(c->ssl), host)
                       : SSL_set1_host(c->ssl, host);
        if (ok != 1) {
            return fail_ssl(c, "TLS host check setup");
        }
    }
    errno = 0;
    if (SSL_connect(c->ssl) != 1) {
        long v = SSL_get_verify_result(c->ssl);
        if (v != X509_V_OK) {
            return fail(c, "TLS handshake: certificate not accepted: %s",
                        X509_verify_cert_error_string(v));
        }
        return fail_ssl(c, "TLS handshake");
    }
    return 0;
}

const char *rp_conn_tls_version(const rp_conn *c) {
    return c->ssl != NULL ? SSL_get_version(c->ssl) : "";
}

/* fill_raw appends at least one byte from the peer to c->raw (up to want
 * bytes when available). 0 on success, 1 at end of stream, -1 on error. */
static int fill_raw(rp_conn *c, size_t want) {
    if (want < READ_CHUNK) {
        want = READ_CHUNK;
    }
    rp_buf_reserve(&c->raw, want);
    uint8_t *dst = c->raw.data + c->raw.len;
    if (c->ssl != NULL) {
        int n = SSL_read(c->ssl, dst, want > INT32_MAX ? INT32_MAX : (int)want);
        if (n > 0) {
            c->raw.len += (size_t)n;
            return 0;
        }
        int e = SSL_get_error(c->ssl, n);
        if (e == SSL_ERROR_ZERO_RETURN || (e == SSL_ERROR_SYSCALL && errno == 0)) {
            c->eof = true;
            return 1;
        }
        if (e == SSL_ERROR_WANT_READ ||
            (e == SSL_ERROR_SYSCALL && (errno == EAGAIN || errno == EWOULDBLOCK))) {
            return fail(c, "%s", "read timed out");
        }
        return fail_ssl(c, "TLS read");
    }
    for (;;) {
        ssize_t n = recv(c->fd, dst, want, 0);
        if (n > 0) {
            c->raw.len += (size_t)n;
            return 0;
        }
        if (n == 0) {
            c->eof = true;
            return 1;
        }
        if (errno == EINTR) {
            continue;
        }
        if (errno == EAGAIN || errno == EWOULDBLOCK) {
            return fail(c, "%s", "read timed out");
        }
        return fail(c, "read: %s", strerror(errno));
    }
}

static int need_raw(rp_conn *c, size_t n) {
    while (c->raw.len < n) {
        int rc = fill_raw(c, n - c->raw.len);
        if (rc != 0) {
            return rc;
        }
    }
    return 0;
}

/* read_cframe inflates the next compressed frame onto c->plain. */
static int read_cframe(rp_conn *c) {
    redir_cframe f;
    size_t size = 0;
    redir_diag diag;
    redir_status st;
    for (;;) {
        st = redir_cframe_decode(&f, &size, &diag, c->raw.data, c->raw.len);
        if (st != REDIR_E_TRUNCATED) {
            break;
        }
        int rc = need_raw(c, c->raw.len + diag.needed);
        if (rc != 0) {
            return rc;
        }
    }
    if (st != REDIR_OK) {
        return fail(c, "bad compressed frame: %s", redir_status_name(st));
    }
    size_t out_size = f.uncomp_len != 0 ? f.uncomp_len : f.payload.len;
    rp_buf_reserve(&c->plain, out_size);
    size_t got = 0;
    st = redir_cframe_inflate(&f, c->plain.data + c->plain.len, out_size, &got,
                              REDIR_MAX_PACKET_PAYLOAD, c->inflate_scratch,
                              REDIR_INFLATE_SCRATCH_SIZE);
    if (st != REDIR_OK) {
        return fail(c, "cannot inflate a compressed frame: %s", redir_status_name(st));
    }
    c->plain.len += got;
    c->cseq = (uint8_t)(f.seq + 1);
    rp_buf_consume(&c->raw, size);
    return 0;
}

/* need makes n bytes of the packet stream available (inflated when
 * compression is on) and returns that stream. */
static int need(rp_conn *c, size_t n, rp_buf **src) {
    if (!c->compressed) {
        *src = &c->raw;
        return need_raw(c, n);
    }
    *src = &c->plain;
    while (c->plain.len < n) {
        int rc = read_cframe(c);
        if (rc != 0) {
            return rc;
        }
    }
    return 0;
}

int rp_conn_read(rp_conn *c, rp_buf *payload, uint8_t *seq) {
    payload->len = 0;
    bool first = true;
    for (;;) {
        rp_buf *src;
        int rc = need(c, REDIR_FRAME_HEADER_SIZE, &src);
        if (rc != 0) {
            if (rc == 1 && !first) {
                return fail(c, "%s", "connection closed inside a packet");
            }
            if (rc == 1 && src->len != 0) {
                return fail(c, "%s", "connection closed inside a packet header");
            }
            return rc;
        }
        redir_frame f;
        size_t size = 0;
        redir_diag diag;
        redir_status st;
        while ((st = redir_frame_decode(&f, &size, &diag, src->data, src->len)) ==
               REDIR_E_TRUNCATED) {
            rc = need(c, src->len + diag.needed, &src);
            if (rc != 0) {
                return rc == 1 ? fail(c, "%s", "connection closed inside a packet") : rc;
            }
        }
        if (st != REDIR_OK) {
            return fail(c, "bad packet header: %s", redir_status_name(st));
        }
        if (first) {
            *seq = f.seq;
            first = false;
        }
        rp_buf_append(payload, f.payload.ptr, f.payload.len);
        rp_buf_consume(src, size);
        if (f.payload_len < REDIR_MAX_PACKET_PAYLOAD) {
            return 0;
        }
    }
}

static void queue_compressed(rp_conn *c, const uint8_t *data, size_t len) {
    /* One compressed frame carries at most 0xFFFFFF uncompressed bytes. */
    do {
        size_t n = len > REDIR_MAX_PACKET_PAYLOAD ? REDIR_MAX_PACKET_PAYLOAD : len;
        size_t need_len = 0;
        redir_status st = redir_cframe_deflate(NULL, 0, &need_len, c->cseq, data, n, -1, 50,
                                               c->deflate_scratch, REDIR_DEFLATE_SCRATCH_SIZE);
        if (st != REDIR_E_NOSPACE && st != REDIR_OK) {
            fprintf(stderr, "redir replay: compression failed: %s\n", redir_status_name(st));
            abort();
        }
        rp_buf_reserve(&c->out, need_len);
        size_t wrote = 0;
        st = redir_cframe_deflate(c->out.data + c->out.len, need_len, &wrote, c->cseq, data, n,
                                  -1, 50, c->deflate_scratch, REDIR_DEFLATE_SCRATCH_SIZE);
        if (st != REDIR_OK) {
            fprintf(stderr, "redir replay: compression failed: %s\n", redir_status_name(st));
            abort();
        }
        c->out.len += wrote;
        c->cseq++;
        data += n;
        len -= n;
    } while (len > 0);
}

uint8_t rp_conn_queue(rp_conn *c, const uint8_t *payload, size_t len, uint8_t seq) {
    size_t framed_len = 0;
    uint8_t next = seq;
    redir_status st = redir_message_encode(NULL, 0, &framed_len, &next, seq, payload, len);
    if (st != REDIR_E_NOSPACE && st != REDIR_OK) {
        fprintf(stderr, "redir replay: framing failed: %s\n", redir_status_name(st));
        abort();
    }
    uint8_t *framed = rp_xmalloc(framed_len);
    st = redir_message_encode(framed, framed_len, &framed_len, &next, seq, payload, len);
    if (st != REDIR_OK) {
        fprintf(stderr, "redir replay: framing failed: %s\n", redir_status_name(st));
        abort();
    }
    if (c->compressed) {
        if (seq == 0) {
            c->cseq = 0;
        }
        queue_compressed(c, framed, framed_len);
    } else {
        rp_buf_append(&c->out, framed, framed_len);
    }
    free(framed);
    return next;
}

int rp_conn_flush(rp_conn *c) {
    size_t off = 0;
    while (off < c->out.len) {
        size_t left = c->out.len - off;
        if (c->ssl != NULL) {
            int n = SSL_write(c->ssl, c->out.data + off, left > INT32_MAX ? INT32_MAX : (int)left);
            if (n <= 0) {
                return fail_ssl(c, "TLS write");
            }
            off += (size_t)n;
            continue;
        }
        ssize_t n = send(c->fd, c->out.data + off, left, MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            return fail(c, "write: %s", errno == EAGAIN ? "timed out" : strerror(errno));
        }
        off += (size_t)n;
    }
    c->out.len = 0;
    return 0;
}

void rp_conn_close(rp_conn *c) {
    if (c->ssl != NULL) {
        SSL_shutdown(c->ssl);
        SSL_free(c->ssl);
    }
    SSL_CTX_free(c->ssl_ctx);
    if (c->fd >= 0) {
        close(c->fd);
    }
    rp_buf_free(&c->raw);
    rp_buf_free(&c->plain);
    rp_buf_free(&c->out);
    free(c->inflate_scratch);
    free(c->deflate_scratch);
    memset(c, 0, sizeof *c);
    c->fd = -1;
}
