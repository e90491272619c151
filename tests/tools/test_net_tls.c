/* The tools' socket and OpenSSL glue (tools/redir/net.c, tls.c) over real
 * loopback sockets and real OpenSSL, with certificates made by
 * scripts/make-certs.sh (directory in REDIR_TEST_CERTS). */
#include <ctype.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <criterion/new/assert.h>

#include "net.h"
#include "tls.h"

static char certs[512];

static void setup(void) {
    const char *d = getenv("REDIR_TEST_CERTS");
    cr_assert(d != NULL, "REDIR_TEST_CERTS names the directory of make-certs.sh");
    snprintf(certs, sizeof certs, "%s", d);
    signal(SIGPIPE, SIG_IGN);
}

static const char *cert_path(const char *name) {
    static char paths[4][600];
    static int next;
    char *p = paths[next++ % 4];
    snprintf(p, 600, "%s/%s", certs, name);
    return p;
}

typedef struct pair {
    int listen_fd, client_fd, server_fd;
    SSL *client, *server;
    char err[256];
} pair;

/* open_pair connects a client socket to a listening one on 127.0.0.1 and
 * accepts it; both ends are non-blocking. */
static void open_pair(pair *p) {
    memset(p, 0, sizeof *p);
    p->listen_fd = net_listen("127.0.0.1:0", 8, p->err, sizeof p->err);
    cr_assert(p->listen_fd >= 0, "%s", p->err);
    char port[8];
    snprintf(port, sizeof port, "%u", net_local_port(p->listen_fd));
    p->client_fd = net_connect("127.0.0.1", port, 2000, p->err, sizeof p->err);
    cr_assert(p->client_fd >= 0, "%s", p->err);
    cr_assert(eq(int, net_wait(p->listen_fd, POLLIN, 2000), 1));
    char peer[64];
    p->server_fd = net_accept(p->listen_fd, peer, sizeof peer);
    cr_assert(p->server_fd >= 0);
    cr_assert(eq(int, strncmp(peer, "127.0.0.1:", 10), 0), "peer %s", peer);
    cr_assert(eq(int, net_set_nonblocking(p->client_fd, true), 0));
}

static void close_pair(pair *p) {
    tls_close(p->client);
    tls_close(p->server);
    close(p->client_fd);
    close(p->server_fd);
    close(p->listen_fd);
}

/* handshake steps both ends in turn, as two event loops would, and returns
 * the client's final step (the server's is in *server_step). */
static tls_step handshake(pair *p, tls_step *server_step) {
    tls_step c = TLS_STEP_WANT_WRITE, s = TLS_STEP_WANT_READ;
    char serr[256];
    for (int i = 0; i < 1000; i++) {
        if (c != TLS_STEP_DONE && c != TLS_STEP_ERROR) {
            c = tls_handshake_step(p->client, p->err, sizeof p->err);
        }
        if (s != TLS_STEP_DONE && s != TLS_STEP_ERROR) {
            s = tls_handshake_step(p->server, serr, sizeof serr);
        }
        bool c_over = c == TLS_STEP_DONE || c == TLS_STEP_ERROR;
        bool s_over = s == TLS_STEP_DONE || s == TLS_STEP_ERROR;
        if (c_over && s_over) {
            break;
        }
        if (c_over || s_over) {
            /* One side failed or finished: let the other read what was sent. */
            struct pollfd fds[2] = {{.fd = p->client_fd, .events = POLLIN},
                                    {.fd = p->server_fd, .events = POLLIN}};
            if (poll(fds, 2, 50) == 0 && (c == TLS_STEP_ERROR || s == TLS_STEP_ERROR)) {
                break;
            }
        }
    }
    *server_step = s;
    return c;
}

static void start(pair *p, SSL_CTX *cctx, SSL_CTX *sctx, const char *host) {
    open_pair(p);
    p->client = tls_client_new(cctx, p->client_fd, host, p->err, sizeof p->err);
    cr_assert(p->client != NULL, "%s", p->err);
    p->server = tls_server_new(sctx, p->server_fd, p->err, sizeof p->err);
    cr_assert(p->server != NULL, "%s", p->err);
}

static SSL_CTX *server_ctx(const char *keylog) {
    char err[256];
    SSL_CTX *ctx = tls_server_ctx(cert_path("server-cert.pem"), cert_path("server-key.pem"),
                                  keylog, err, sizeof err);
    cr_assert(ctx != NULL, "%s", err);
    return ctx;
}

static SSL_CTX *client_ctx(bool with_ca, bool verify, const char *keylog) {
    char err[256];
    SSL_CTX *ctx = tls_client_ctx(with_ca ? cert_path("ca.pem") : NULL, verify, keylog, err,
                                  sizeof err);
    cr_assert(ctx != NULL, "%s", err);
    return ctx;
}

/* exchange sends bytes one way and reads them back on the other end. */
static void exchange(SSL *from, SSL *to, const char *text) {
    char err[256];
    cr_assert(eq(int, tls_write_all(from, text, strlen(text), 2000, err, sizeof err), 0), "%s",
              err);
    char buf[128];
    ssize_t n;
    for (int i = 0; i < 100; i++) {
        n = tls_read(to, buf, sizeof buf, err, sizeof err);
        if (n != TLS_IO_WANT_READ) {
            break;
        }
        cr_assert(eq(int, net_wait(SSL_get_fd(to), POLLIN, 2000), 1));
    }
    cr_assert(eq(sz, (size_t)n, strlen(text)), "read %zd: %s", n, err);
    cr_assert(eq(int, memcmp(buf, text, strlen(text)), 0));
}

Test(net_tls, verified_by_address, .init = setup) {
    SSL_CTX *cctx = client_ctx(true, true, NULL), *sctx = server_ctx(NULL);
    pair p;
    start(&p, cctx, sctx, "127.0.0.1");
    tls_step s;
    cr_assert(eq(int, handshake(&p, &s), TLS_STEP_DONE), "%s", p.err);
    cr_assert(eq(int, s, TLS_STEP_DONE));
    cr_assert(tls_peer_verified(p.client));
    cr_assert(strcmp(tls_verify_message(p.client), "ok") == 0);
    char d[64];
    tls_describe(p.client, d, sizeof d);
    cr_assert(eq(int, strncmp(d, "TLSv1.", 6), 0), "%s", d);
    exchange(p.client, p.server, "hello server");
    exchange(p.server, p.client, "hello client");
    /* The server closes: the client reads an end of stream, not an error. */
    tls_close(p.server);
    p.server = NULL;
    char buf[8];
    ssize_t n = TLS_IO_WANT_READ;
    for (int i = 0; i < 100 && n == TLS_IO_WANT_READ; i++) {
        net_wait(p.client_fd, POLLIN, 2000);
        n = tls_read(p.client, buf, sizeof buf, p.err, sizeof p.err);
    }
    cr_assert(eq(sz, (size_t)n, (size_t)TLS_IO_EOF), "%zd %s", n, p.err);
    close_pair(&p);
    SSL_CTX_free(cctx);
    SSL_CTX_free(sctx);
}

Test(net_tls, verified_by_name_with_blocking_handshake, .init = setup) {
    SSL_CTX *cctx = client_ctx(true, true, NULL), *sctx = server_ctx(NULL);
    pair p;
    open_pair(&p);
    /* The server runs in a child process; the client uses tls_handshake. */
    pid_t pid = fork();
    cr_assert(pid >= 0);
    if (pid == 0) {
        char err[256];
        net_set_nonblocking(p.server_fd, false);
        SSL *s = tls_server_new(sctx, p.server_fd, err, sizeof err);
        int rc = s != NULL && tls_handshake(s, 5000, err, sizeof err) == 0 &&
                         tls_write_all(s, "x", 1, 5000, err, sizeof err) == 0
                     ? 0
                     : 1;
        tls_close(s);
        _exit(rc);
    }
    net_set_nonblocking(p.client_fd, false);
    p.client = tls_client_new(cctx, p.client_fd, "localhost", p.err, sizeof p.err);
    cr_assert(p.client != NULL);
    cr_assert(eq(int, tls_handshake(p.client, 5000, p.err, sizeof p.err), 0), "%s", p.err);
    cr_assert(tls_peer_verified(p.client));
    char c = 0;
    cr_assert(eq(sz, (size_t)tls_read(p.client, &c, 1, p.err, sizeof p.err), (size_t)1));
    cr_assert(eq(chr, c, 'x'));
    int status = 1;
    waitpid(pid, &status, 0);
    cr_assert(eq(int, status, 0));
    close_pair(&p);
    SSL_CTX_free(cctx);
    SSL_CTX_free(sctx);
}

Test(net_tls, wrong_host_fails_when_verifying, .init = setup) {
    SSL_CTX *cctx = client_ctx(true, true, NULL), *sctx = server_ctx(NULL);
    pair p;
    start(&p, cctx, sctx, "db.example.com");
    tls_step s;
    cr_assert(eq(int, handshake(&p, &s), TLS_STEP_ERROR));
    cr_assert(strstr(p.err, "certificate not accepted") != NULL, "%s", p.err);
    cr_assert(strstr(p.err, "mismatch") != NULL, "%s", p.err);
    close_pair(&p);
    SSL_CTX_free(cctx);
    SSL_CTX_free(sctx);
}

Test(net_tls, unverified_peer_is_reported_without_verify, .init = setup) {
    /* Right CA, wrong address; then no CA at all (system store). */
    SSL_CTX *sctx = server_ctx(NULL);
    for (int round = 0; round < 2; round++) {
        SSL_CTX *cctx = client_ctx(round == 0, false, NULL);
        pair p;
        start(&p, cctx, sctx, round == 0 ? "10.1.2.3" : "127.0.0.1");
        tls_step s;
        cr_assert(eq(int, handshake(&p, &s), TLS_STEP_DONE), "%s", p.err);
        cr_assert(not(tls_peer_verified(p.client)));
        cr_assert(strcmp(tls_verify_message(p.client), "ok") != 0);
        exchange(p.client, p.server, "still encrypted");
        close_pair(&p);
        SSL_CTX_free(cctx);
    }
    SSL_CTX_free(sctx);
}

/* check_keylog checks every line is "LABEL <64 hex client random> <hex
 * secret>" with a known label and the client random of this connection. */
static int check_keylog(const char *path, SSL *client) {
    unsigned char cr[32];
    cr_assert(eq(sz, SSL_get_client_random(client, cr, sizeof cr), sizeof cr));
    char want[65];
    for (int i = 0; i < 32; i++) {
        snprintf(want + 2 * i, 3, "%02x", cr[i]);
    }
    FILE *f = fopen(path, "r");
    cr_assert(f != NULL);
    static const char *const labels[] = {
        "CLIENT_RANDOM",          "CLIENT_HANDSHAKE_TRAFFIC_SECRET", "SERVER_HANDSHAKE_TRAFFIC_SECRET",
        "CLIENT_TRAFFIC_SECRET_0", "SERVER_TRAFFIC_SECRET_0",         "EXPORTER_SECRET"};
    char line[512];
    int lines = 0;
    while (fgets(line, sizeof line, f) != NULL) {
        char label[64], rnd[80], secret[200];
        cr_assert(eq(int, sscanf(line, "%63s %79s %199s", label, rnd, secret), 3), "%s", line);
        bool known = false;
        for (size_t i = 0; i < sizeof labels / sizeof labels[0]; i++) {
            known = known || strcmp(label, labels[i]) == 0;
        }
        cr_assert(known, "label %s", label);
        for (char *c = rnd; *c; c++) {
            *c = (char)tolower((unsigned char)*c);
        }
        cr_assert(eq(str, rnd, want));
        cr_assert(ge(sz, strlen(secret), (size_t)64));
        cr_assert(eq(sz, strspn(secret, "0123456789abcdefABCDEF"), strlen(secret)));
        lines++;
    }
    fclose(f);
    return lines;
}

Test(net_tls, keylog_lines_match_the_session, .init = setup) {
    char dir[] = "/tmp/redir-keylog-XXXXXX";
    cr_assert(mkdtemp(dir) != NULL);
    char cpath[600], spath[600];
    snprintf(cpath, sizeof cpath, "%s/client.keys", dir);
    snprintf(spath, sizeof spath, "%s/server.keys", dir);
    SSL_CTX *cctx = client_ctx(true, true, cpath), *sctx = server_ctx(spath);
    pair p;
    start(&p, cctx, sctx, "127.0.0.1");
    tls_step s;
    cr_assert(eq(int, handshake(&p, &s), TLS_STEP_DONE), "%s", p.err);
    exchange(p.client, p.server, "logged");
    int n = check_keylog(cpath, p.client);
    /* TLS 1.3: five secrets; TLS 1.2: one line. */
    cr_assert(SSL_version(p.client) == TLS1_3_VERSION ? n == 5 : n == 1, "%d lines", n);
    cr_assert(eq(int, check_keylog(spath, p.client), n));
    struct stat st;
    cr_assert(eq(int, stat(cpath, &st), 0));
    cr_assert(eq(int, (int)(st.st_mode & 0777), 0600));
    close_pair(&p);
    SSL_CTX_free(cctx);
    SSL_CTX_free(sctx);
    /* A second context appends to the same file. */
    cctx = client_ctx(true, true, cpath);
    sctx = server_ctx(NULL);
    start(&p, cctx, sctx, "127.0.0.1");
    cr_assert(eq(int, handshake(&p, &s), TLS_STEP_DONE), "%s", p.err);
    FILE *f = fopen(cpath, "r");
    int lines = 0;
    for (int ch; (ch = fgetc(f)) != EOF;) {
        lines += ch == '\n';
    }
    fclose(f);
    cr_assert(eq(int, lines, 2 * n));
    close_pair(&p);
    SSL_CTX_free(cctx);
    SSL_CTX_free(sctx);
    unlink(cpath);
    unlink(spath);
    rmdir(dir);
}

Test(net_tls, bad_key_and_keylog_paths_are_named, .init = setup) {
    char err[256];
    cr_assert(tls_server_ctx(cert_path("server-cert.pem"), cert_path("ca-key.pem"), NULL, err,
                             sizeof err) == NULL);
    cr_assert(strstr(err, "private key") != NULL && strstr(err, "mismatch") != NULL, "%s", err);
    cr_assert(tls_client_ctx(cert_path("missing.pem"), true, NULL, err, sizeof err) == NULL);
    cr_assert(strstr(err, "CA file") != NULL, "%s", err);
    cr_assert(tls_client_ctx(NULL, true, "/nonexistent/dir/keys", err, sizeof err) == NULL);
    cr_assert(strstr(err, "/nonexistent/dir/keys") != NULL, "%s", err);
}

Test(net, split_host_port) {
    char host[64], port[8], err[128];
    cr_assert(eq(int, net_split_host_port("db:3307", "3306", host, 64, port, 8, err, 128), 0));
    cr_assert(strcmp(host, "db") == 0, "%s", host);
    cr_assert(strcmp(port, "3307") == 0, "%s", port);
    cr_assert(eq(int, net_split_host_port("db", "3306", host, 64, port, 8, err, 128), 0));
    cr_assert(strcmp(port, "3306") == 0, "%s", port);
    cr_assert(eq(int, net_split_host_port("[::1]:5", NULL, host, 64, port, 8, err, 128), 0));
    cr_assert(strcmp(host, "::1") == 0, "%s", host);
    cr_assert(strcmp(port, "5") == 0, "%s", port);
    cr_assert(eq(int, net_split_host_port("fe80::1", "1", host, 64, port, 8, err, 128), 0));
    cr_assert(strcmp(host, "fe80::1") == 0, "%s", host);
    cr_assert(eq(int, net_split_host_port("db", NULL, host, 64, port, 8, err, 128), -1));
    cr_assert(eq(int, net_split_host_port(":3306", NULL, host, 64, port, 8, err, 128), -1));
    cr_assert(eq(int, net_split_host_port("db:70000", NULL, host, 64, port, 8, err, 128), -1));
    cr_assert(eq(int, net_split_host_port("db:x", NULL, host, 64, port, 8, err, 128), -1));
    cr_assert(eq(int, net_split_host_port("[::1", NULL, host, 64, port, 8, err, 128), -1));
    cr_assert(eq(int, net_split_host_port("[::1]x", NULL, host, 64, port, 8, err, 128), -1));
    cr_assert(eq(int, net_split_host_port("db:1", NULL, host, 2, port, 8, err, 128), -1));
}

Test(net, connect_refused_is_named) {
    char err[256];
    int l = net_listen("127.0.0.1:0", 1, err, sizeof err);
    cr_assert(l >= 0);
    char port[8];
    snprintf(port, sizeof port, "%u", net_local_port(l));
    close(l); /* nobody listens there now */
    cr_assert(eq(int, net_connect("127.0.0.1", port, 2000, err, sizeof err), -1));
    cr_assert(strstr(err, "refused") != NULL, "%s", err);
    cr_assert(eq(int, net_accept(-1, NULL, 0), NET_ERROR));
}

Test(net_tls, plaintext_answer_is_kept_for_the_caller, .init = setup) {
    SSL_CTX *cctx = client_ctx(true, true, NULL), *sctx = server_ctx(NULL);
    pair p;
    start(&p, cctx, sctx, "127.0.0.1");
    tls_first_bytes fb;
    tls_keep_first_bytes(p.client, &fb);
    /* An ERR packet where the server's TLS answer is due. */
    static const unsigned char err_packet[] = {0x0b, 0x00, 0x00, 0x02, 0xff, 0x64, 0x10,
                                               '#',  'H',  'Y',  '0',  '0',  '0',  'x'};
    cr_assert(eq(int, net_write_all(p.server_fd, err_packet, sizeof err_packet, 1000, NULL, 0), 0));
    tls_step s = TLS_STEP_WANT_READ;
    for (int i = 0; i < 100 && (s == TLS_STEP_WANT_READ || s == TLS_STEP_WANT_WRITE); i++) {
        s = tls_handshake_step(p.client, p.err, sizeof p.err);
        if (s == TLS_STEP_WANT_READ) {
            net_wait(p.client_fd, POLLIN, 1000);
        }
    }
    cr_assert(eq(int, s, TLS_STEP_ERROR));
    cr_assert(tls_first_bytes_plaintext(&fb));
    /* What OpenSSL read plus what it left in the socket is the packet. */
    unsigned char all[64];
    memcpy(all, fb.data, fb.len);
    ssize_t rest = net_read(p.client_fd, all + fb.len, sizeof all - fb.len);
    cr_assert(gt(sz, fb.len, (size_t)0));
    cr_assert(eq(sz, fb.len + (size_t)(rest > 0 ? rest : 0), sizeof err_packet));
    cr_assert(eq(int, memcmp(all, err_packet, sizeof err_packet), 0));
    close_pair(&p);

    /* A real handshake is not plaintext. */
    start(&p, cctx, sctx, "127.0.0.1");
    tls_keep_first_bytes(p.client, &fb);
    tls_step ss;
    cr_assert(eq(int, handshake(&p, &ss), TLS_STEP_DONE), "%s", p.err);
    tls_keep_first_bytes(p.client, NULL);
    cr_assert(gt(sz, fb.len, (size_t)0));
    cr_assert(not(tls_first_bytes_plaintext(&fb)));
    exchange(p.server, p.client, "after the handshake");
    close_pair(&p);
    SSL_CTX_free(cctx);
    SSL_CTX_free(sctx);
}
