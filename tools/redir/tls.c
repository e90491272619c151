#include "tls.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/x509v3.h>

#include "net.h"

#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
static void say(char *err, size_t err_len, const char *fmt, ...) {
    if (err == NULL || err_len == 0) {
        return;
    }
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, err_len, fmt, ap);
    va_end(ap);
}

/* fail_ssl reports what failed with OpenSSL's first queued error (or errno)
 * and empties the queue. */
static void fail_ssl(char *err, size_t err_len, const char *what) {
    char detail[200];
    unsigned long e = ERR_get_error();
    if (e != 0) {
        ERR_error_string_n(e, detail, sizeof detail);
    } else if (errno != 0) {
        snprintf(detail, sizeof detail, "%s", strerror(errno));
    } else {
        snprintf(detail, sizeof detail, "%s", "connection closed by the peer");
    }
    ERR_clear_error();
    say(err, err_len, "%s: %s", what, detail);
}

/* ------------------------------------------------------------------ key log */

static int keylog_index = -1;

static void keylog_free(void *parent, void *ptr, CRYPTO_EX_DATA *ad, int idx, long argl,
                        void *argp) {
    (void)parent;
    (void)ad;
    (void)idx;
    (void)argl;
    (void)argp;
    if (ptr != NULL) {
        fclose(ptr);
    }
}

static void keylog_line(const SSL *ssl, const char *line) {
    FILE *f = SSL_CTX_get_ex_data(SSL_get_SSL_CTX(ssl), keylog_index);
    if (f != NULL) {
        fprintf(f, "%s\n", line);
        fflush(f);
    }
}

int tls_ctx_set_keylog(SSL_CTX *ctx, const char *path, char *err, size_t err_len) {
    if (keylog_index < 0) {
        keylog_index = SSL_CTX_get_ex_new_index(0, NULL, NULL, NULL, keylog_free);
        if (keylog_index < 0) {
            fail_ssl(err, err_len, "key log setup");
            return -1;
        }
    }
    /* Secrets: readable by the owner only. */
    int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    FILE *f = fd >= 0 ? fdopen(fd, "a") : NULL;
    if (f == NULL) {
        say(err, err_len, "cannot open the key log file '%s': %s", path, strerror(errno));
        if (fd >= 0) {
            close(fd);
        }
        return -1;
    }
    FILE *old = SSL_CTX_get_ex_data(ctx, keylog_index);
    if (SSL_CTX_set_ex_data(ctx, keylog_index, f) != 1) {
        fclose(f);
        fail_ssl(err, err_len, "key log setup");
        return -1;
    }
    if (old != NULL) {
        fclose(old);
    }
    SSL_CTX_set_keylog_callback(ctx, keylog_line);
    return 0;
}

/* ----------------------------------------------------------------- contexts */

static SSL_CTX *new_ctx(const SSL_METHOD *method, char *err, size_t err_len) {
    SSL_CTX *ctx = SSL_CTX_new(method);
    if (ctx == NULL) {
        fail_ssl(err, err_len, "TLS setup");
        return NULL;
    }
    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
    /* Servers close without close_notify after an ERR, and so do clients
     * after a redirect: that is an end of stream, not an attack. */
    SSL_CTX_set_options(ctx, SSL_OP_IGNORE_UNEXPECTED_EOF);
    SSL_CTX_set_mode(ctx, SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER | SSL_MODE_RELEASE_BUFFERS);
    return ctx;
}

SSL_CTX *tls_client_ctx(const char *ca_file, bool verify, const char *keylog_file, char *err,
                        size_t err_len) {
    SSL_CTX *ctx = new_ctx(TLS_client_method(), err, err_len);
    if (ctx == NULL) {
        return NULL;
    }
    int ok = ca_file != NULL ? SSL_CTX_load_verify_locations(ctx, ca_file, NULL)
                             : SSL_CTX_set_default_verify_paths(ctx);
    if (ok != 1) {
        fail_ssl(err, err_len, ca_file != NULL ? "cannot load the CA file" : "cannot load the system CAs");
        SSL_CTX_free(ctx);
        return NULL;
    }
    /* Without verify the chain and host are still checked (the result is
     * kept for tls_peer_verified); only the handshake does not fail. */
    SSL_CTX_set_verify(ctx, verify ? SSL_VERIFY_PEER : SSL_VERIFY_NONE, NULL);
    if (keylog_file != NULL && tls_ctx_set_keylog(ctx, keylog_file, err, err_len) != 0) {
        SSL_CTX_free(ctx);
        return NULL;
    }
    return ctx;
}

SSL_CTX *tls_server_ctx(const char *cert_file, const char *key_file, const char *keylog_file,
                        char *err, size_t err_len) {
    SSL_CTX *ctx = new_ctx(TLS_server_method(), err, err_len);
    if (ctx == NULL) {
        return NULL;
    }
    if (SSL_CTX_use_certificate_chain_file(ctx, cert_file) != 1) {
        fail_ssl(err, err_len, "cannot load the certificate");
    } else if (SSL_CTX_use_PrivateKey_file(ctx, key_file, SSL_FILETYPE_PEM) != 1) {
        fail_ssl(err, err_len, "cannot load the private key");
    } else if (SSL_CTX_check_private_key(ctx) != 1) {
        fail_ssl(err, err_len, "the private key does not match the certificate");
    } else if (keylog_file == NULL || tls_ctx_set_keylog(ctx, keylog_file, err, err_len) == 0) {
        return ctx;
    }
    SSL_CTX_free(ctx);
    return NULL;
}

/* -------------------------------------------------------------- connections */

SSL *tls_client_new(SSL_CTX *ctx, int fd, const char *host, char *err, size_t err_len) {
    SSL *ssl = SSL_new(ctx);
    if (ssl == NULL || SSL_set_fd(ssl, fd) != 1) {
        fail_ssl(err, err_len, "TLS setup");
        SSL_free(ssl);
        return NULL;
    }
    bool ip = net_is_ip_literal(host);
    int ok = 1;
    if (ip) {
        ok = X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), host);
    } else {
        /* SNI goes out for names only (RFC 6066 forbids addresses). */
        /* OpenSSL's SSL_set_tlsext_host_name macro casts the const away. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wcast-qual"
        ok = SSL_set_tlsext_host_name(ssl, host) == 1 && SSL_set1_host(ssl, host) == 1;
#pragma GCC diagnostic pop
    }
    if (ok != 1) {
        fail_ssl(err, err_len, "TLS host check setup");
        SSL_free(ssl);
        return NULL;
    }
    SSL_set_connect_state(ssl);
    return ssl;
}

SSL *tls_server_new(SSL_CTX *ctx, int fd, char *err, size_t err_len) {
    SSL *ssl = SSL_new(ctx);
    if (ssl == NULL || SSL_set_fd(ssl, fd) != 1) {
        fail_ssl(err, err_len, "TLS setup");
        SSL_free(ssl);
        return NULL;
    }
    SSL_set_accept_state(ssl);
    return ssl;
}

tls_step tls_handshake_step(SSL *ssl, char *err, size_t err_len) {
    ERR_clear_error();
    errno = 0;
    int rc = SSL_do_handshake(ssl);
    if (rc == 1) {
        return TLS_STEP_DONE;
    }
    int e = SSL_get_error(ssl, rc);
    if (e == SSL_ERROR_WANT_READ) {
        return TLS_STEP_WANT_READ;
    }
    if (e == SSL_ERROR_WANT_WRITE) {
        return TLS_STEP_WANT_WRITE;
    }
    long v = SSL_get_verify_result(ssl);
    if (v != X509_V_OK && (SSL_get_verify_mode(ssl) & SSL_VERIFY_PEER) != 0) {
        ERR_clear_error();
        say(err, err_len, "TLS handshake: certificate not accepted: %s",
            X509_verify_cert_error_string(v));
    } else {
        fail_ssl(err, err_len, "TLS handshake");
    }
    return TLS_STEP_ERROR;
}

static long keep_reads(BIO *b, int oper, const char *argp, size_t len, int argi, long argl,
                       int ret, size_t *processed) {
    (void)len;
    (void)argi;
    (void)argl;
    tls_first_bytes *fb = (tls_first_bytes *)BIO_get_callback_arg(b);
    if (fb != NULL && oper == (BIO_CB_READ | BIO_CB_RETURN) && ret > 0 && processed != NULL) {
        size_t n = *processed;
        size_t room = sizeof fb->data - fb->len;
        memcpy(fb->data + fb->len, argp, n < room ? n : room);
        fb->len += n < room ? n : room;
    }
    return ret;
}

void tls_keep_first_bytes(SSL *ssl, tls_first_bytes *fb) {
    BIO *rbio = SSL_get_rbio(ssl);
    if (fb != NULL) {
        fb->len = 0;
    }
    BIO_set_callback_arg(rbio, (char *)fb);
    BIO_set_callback_ex(rbio, fb != NULL ? keep_reads : NULL);
}

bool tls_first_bytes_plaintext(const tls_first_bytes *fb) {
    if (fb->len == 0) {
        return false;
    }
    /* A TLS record starts with its content type (20..23: change_cipher_spec,
     * alert, handshake, application_data) and the version 3.x (x <= 4). A
     * MySQL packet header looks like that only for a few lengths of 788
     * bytes or more; such a packet fails the handshake all the same. */
    const unsigned char *h = fb->data;
    bool tls = h[0] >= 20 && h[0] <= 23;
    if (tls && fb->len >= 2) {
        tls = h[1] == 3;
    }
    if (tls && fb->len >= 3) {
        tls = h[2] <= 4;
    }
    return !tls;
}

static long long now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* wait_for waits for what a WANT result asks for, within the deadline. */
static int wait_for(SSL *ssl, short events, long long deadline, int timeout_ms, char *err,
                    size_t err_len, const char *what) {
    int left = -1;
    if (timeout_ms >= 0) {
        long long l = deadline - now_ms();
        left = l < 0 ? 0 : (int)l;
    }
    int w = net_wait(SSL_get_fd(ssl), events, left);
    if (w > 0) {
        return 0;
    }
    if (w == 0) {
        say(err, err_len, "%s: timed out after %d ms", what, timeout_ms);
    } else {
        say(err, err_len, "%s: %s", what, strerror(errno));
    }
    return -1;
}

int tls_handshake(SSL *ssl, int timeout_ms, char *err, size_t err_len) {
    int fd = SSL_get_fd(ssl);
    int flags = fcntl(fd, F_GETFL);
    /* Non-blocking for the duration, so the deadline holds for every read. */
    if (flags < 0 || net_set_nonblocking(fd, true) != 0) {
        say(err, err_len, "TLS handshake: %s", strerror(errno));
        return -1;
    }
    long long deadline = now_ms() + timeout_ms;
    int rc = 0;
    for (;;) {
        tls_step s = tls_handshake_step(ssl, err, err_len);
        if (s == TLS_STEP_DONE || s == TLS_STEP_ERROR) {
            rc = s == TLS_STEP_DONE ? 0 : -1;
            break;
        }
        if (wait_for(ssl, s == TLS_STEP_WANT_READ ? POLLIN : POLLOUT, deadline, timeout_ms, err,
                     err_len, "TLS handshake") != 0) {
            rc = -1;
            break;
        }
    }
    if (fcntl(fd, F_SETFL, flags) < 0 && rc == 0) {
        say(err, err_len, "TLS handshake: %s", strerror(errno));
        rc = -1;
    }
    return rc;
}

bool tls_peer_verified(const SSL *ssl) {
    X509 *cert = SSL_get0_peer_certificate(ssl);
    return cert != NULL && SSL_get_verify_result(ssl) == X509_V_OK;
}

const char *tls_verify_message(const SSL *ssl) {
    if (SSL_get0_peer_certificate(ssl) == NULL) {
        return "no certificate";
    }
    long v = SSL_get_verify_result(ssl);
    return v == X509_V_OK ? "ok" : X509_verify_cert_error_string(v);
}

void tls_describe(const SSL *ssl, char *out, size_t out_len) {
    snprintf(out, out_len, "%s %s", SSL_get_version(ssl), SSL_get_cipher_name(ssl));
}

/* io_result maps an SSL_read / SSL_write failure. */
static ssize_t io_result(SSL *ssl, int rc, char *err, size_t err_len, const char *what) {
    int e = SSL_get_error(ssl, rc);
    switch (e) {
    case SSL_ERROR_ZERO_RETURN:
        return TLS_IO_EOF;
    case SSL_ERROR_WANT_READ:
        return TLS_IO_WANT_READ;
    case SSL_ERROR_WANT_WRITE:
        return TLS_IO_WANT_WRITE;
    case SSL_ERROR_SYSCALL:
        /* A blocking socket's timeout surfaces here as EAGAIN. */
        if (ERR_peek_error() == 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            return TLS_IO_WANT_READ;
        }
        break;
    default:
        break;
    }
    fail_ssl(err, err_len, what);
    return TLS_IO_ERROR;
}

ssize_t tls_read(SSL *ssl, void *buf, size_t cap, char *err, size_t err_len) {
    ERR_clear_error();
    errno = 0;
    int n = SSL_read(ssl, buf, cap > 0x40000000u ? 0x40000000 : (int)cap);
    return n > 0 ? n : io_result(ssl, n, err, err_len, "TLS read");
}

ssize_t tls_write(SSL *ssl, const void *buf, size_t len, char *err, size_t err_len) {
    ERR_clear_error();
    errno = 0;
    int n = SSL_write(ssl, buf, len > 0x40000000u ? 0x40000000 : (int)len);
    return n > 0 ? n : io_result(ssl, n, err, err_len, "TLS write");
}

int tls_write_all(SSL *ssl, const void *buf, size_t len, int timeout_ms, char *err,
                  size_t err_len) {
    const unsigned char *p = buf;
    long long deadline = now_ms() + timeout_ms;
    while (len > 0) {
        ssize_t n = tls_write(ssl, p, len, err, err_len);
        if (n > 0) {
            p += n;
            len -= (size_t)n;
            deadline = now_ms() + timeout_ms;
            continue;
        }
        if (n == TLS_IO_ERROR || n == TLS_IO_EOF) {
            return -1;
        }
        if (wait_for(ssl, n == TLS_IO_WANT_READ ? POLLIN : POLLOUT, deadline, timeout_ms, err,
                     err_len, "TLS write") != 0) {
            return -1;
        }
    }
    return 0;
}

void tls_close(SSL *ssl) {
    if (ssl == NULL) {
        return;
    }
    /* One close_notify attempt; its failure (peer gone, socket busy) is not
     * worth reporting when the connection is over anyway. */
    if (SSL_is_init_finished(ssl)) {
        (void)SSL_shutdown(ssl);
    }
    ERR_clear_error();
    SSL_free(ssl);
}
