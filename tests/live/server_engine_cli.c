/* The server engine against the real `mariadb` command-line client
 * (Connector/C): a loopback listener answers each login with one redirect
 * carrier, or answers the first query with one, and checks what the client
 * printed and sent. The client does not follow redirects, so what is
 * checked is that it accepts the engine's packets (it logs in, reads the
 * result set, quits cleanly) and shows an ERR carrier's target.
 *
 * Usage: server_engine_cli [path-to-mariadb]; exit 77 when the client is
 * missing. Network traffic stays on 127.0.0.1. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "redir/redir.h"

#define TIMEOUT_MS 10000

typedef enum carrier {
    LOGIN_ERR,           /* ERR |text|host:port instead of the login OK */
    LOGIN_SESSION_TRACK, /* login OK with redirect_url, then a result set */
    LOGIN_LOCATION,      /* login OK with a Location: line */
    QUERY_SESSION_TRACK, /* plain login; the query's OK carries redirect_url */
    QUERY_ERR,           /* plain login; the query gets the ERR carrier */
} carrier;

static const char *const NAMES[] = {"login-err", "login-session-track", "login-location",
                                    "query-session-track", "query-err"};

typedef struct outcome {
    int exit_code;
    char output[4096];
    bool saw_query;
    bool saw_quit;
    uint64_t negotiated;
} outcome;

static redir_span lit(const char *s) { return redir_span_of(s, strlen(s)); }

static int fail(const char *what) {
    fprintf(stderr, "server_engine_cli: %s\n", what);
    return -1;
}

static int send_output(int fd, redir_server *srv) {
    size_t len;
    const uint8_t *out;
    while ((out = redir_server_output(srv, &len)) != NULL) {
        ssize_t n = write(fd, out, len);
        if (n <= 0) {
            return fail("write to the client failed");
        }
        redir_server_output_consume(srv, (size_t)n);
    }
    return 0;
}

/* Answers SELECT 1 with one column "1" holding 1, any other query with OK. */
static int answer_rows(redir_server *srv, redir_span sql) {
    if (!(sql.len == 8 && memcmp(sql.ptr, "SELECT 1", 8) == 0)) {
        redir_ok ok;
        memset(&ok, 0, sizeof ok);
        ok.status = REDIR_STATUS_AUTOCOMMIT;
        return redir_server_ok(srv, NULL, &ok) == REDIR_OK ? 0 : fail("OK refused");
    }
    uint64_t caps = redir_server_negotiated(srv);
    static const uint8_t count[] = {0x01};
    redir_column_def d;
    memset(&d, 0, sizeof d);
    d.catalog = lit("def");
    d.name = lit("1");
    d.has_ext_metadata = (caps & REDIR_MARIADB_CLIENT_EXTENDED_METADATA) != 0;
    d.charset = 63;
    d.column_length = 1;
    d.type = REDIR_TYPE_LONGLONG;
    d.flags = 0x0081;
    uint8_t def[128];
    size_t def_len;
    static const uint8_t row[] = {0x01, '1'};
    if (redir_server_send(srv, NULL, count, sizeof count) != REDIR_OK ||
        redir_column_def_encode(def, sizeof def, &def_len, &d, caps) != REDIR_OK ||
        redir_server_send(srv, NULL, def, def_len) != REDIR_OK ||
        redir_server_columns_end(srv, NULL, 0, REDIR_STATUS_AUTOCOMMIT) != REDIR_OK ||
        redir_server_send(srv, NULL, row, sizeof row) != REDIR_OK ||
        redir_server_rows_end(srv, NULL, 0, REDIR_STATUS_AUTOCOMMIT) != REDIR_OK) {
        return fail("result set refused");
    }
    return 0;
}

static int answer_login(redir_server *srv, carrier c) {
    redir_status st;
    switch (c) {
    case LOGIN_ERR:
        st = redir_server_err_redirect(srv, NULL, 4196, lit("HY000"),
                                       lit("Server is being upgraded"), lit("db2.example.com"),
                                       3306);
        break;
    case LOGIN_SESSION_TRACK:
        st = redir_server_ok_redirect(srv, NULL, REDIR_STATUS_AUTOCOMMIT,
                                      lit("mariadb://db2.example.com:3306"), NULL, 0);
        break;
    case LOGIN_LOCATION:
        st = redir_server_location_ok(srv, NULL, REDIR_STATUS_AUTOCOMMIT,
                                      REDIR_LOCATION_COMMUNITY, lit("db2.example.com"), 3306,
                                      lit("alice"), 60);
        break;
    default: {
        redir_ok ok;
        memset(&ok, 0, sizeof ok);
        ok.status = REDIR_STATUS_AUTOCOMMIT;
        st = redir_server_ok(srv, NULL, &ok);
        break;
    }
    }
    return st == REDIR_OK ? 0 : fail("login answer refused");
}

static int answer_query(redir_server *srv, carrier c, redir_span sql) {
    redir_status st = REDIR_OK;
    if (c == QUERY_SESSION_TRACK) {
        st = redir_server_ok_redirect(srv, NULL, REDIR_STATUS_AUTOCOMMIT,
                                      lit("mariadb://db2.example.com:3306"), NULL, 0);
    } else if (c == QUERY_ERR) {
        st = redir_server_err_redirect(srv, NULL, 4196, lit("HY000"),
                                       lit("Server is being upgraded"), lit("db2.example.com"),
                                       3306);
    } else {
        return answer_rows(srv, sql);
    }
    return st == REDIR_OK ? 0 : fail("query answer refused");
}

/* Plays one connection on fd to its end. */
static int serve(int fd, carrier c, outcome *o) {
    static uint8_t in[8192], join[4096], out[4096];
    redir_server_config cfg;
    redir_server_config_init(&cfg);
    memcpy(cfg.scramble, "abcdefghij0123456789", 20);
    cfg.connection_id = 42;
    cfg.status = REDIR_STATUS_AUTOCOMMIT;
    cfg.in_buf = in;
    cfg.in_cap = sizeof in;
    cfg.join_buf = join;
    cfg.join_cap = sizeof join;
    cfg.out_buf = out;
    cfg.out_cap = sizeof out;
    redir_server srv;
    if (redir_server_init(&srv, NULL, &cfg) != REDIR_OK) {
        return fail("init failed");
    }
    for (;;) {
        if (send_output(fd, &srv) != 0) {
            return -1;
        }
        if (redir_server_finished(&srv)) {
            return 0;
        }
        struct pollfd p = {fd, POLLIN, 0};
        if (poll(&p, 1, TIMEOUT_MS) != 1) {
            return fail("the client went silent");
        }
        uint8_t buf[4096];
        ssize_t n = read(fd, buf, sizeof buf);
        if (n <= 0) {
            return 0; /* the client closed */
        }
        size_t at = 0;
        while (at < (size_t)n) {
            size_t taken;
            if (redir_server_feed(&srv, &taken, buf + at, (size_t)n - at) != REDIR_OK) {
                return fail("feed refused");
            }
            at += taken;
            redir_server_event ev;
            while (redir_server_next(&srv, &ev) == REDIR_OK) {
                int rc = 0;
                switch (ev.type) {
                case REDIR_SERVER_EV_HANDSHAKE_RESPONSE:
                    o->negotiated = ev.negotiated;
                    rc = answer_login(&srv, c);
                    break;
                case REDIR_SERVER_EV_COMMAND:
                    if (ev.command == REDIR_COM_QUERY) {
                        o->saw_query = true;
                        rc = answer_query(&srv, c, ev.decoded.as.query.sql);
                    } else {
                        redir_ok ok;
                        memset(&ok, 0, sizeof ok);
                        rc = redir_server_ok(&srv, NULL, &ok) == REDIR_OK ? 0 : -1;
                    }
                    break;
                case REDIR_SERVER_EV_CLOSED:
                    o->saw_quit = true;
                    break;
                case REDIR_SERVER_EV_ERROR:
                    fprintf(stderr, "server_engine_cli: client input refused: %s\n",
                            redir_status_name(ev.status));
                    return -1;
                default:
                    return fail("unexpected event");
                }
                if (rc != 0) {
                    return -1;
                }
            }
        }
    }
}

static int run(const char *client, int lfd, int port, carrier c, outcome *o) {
    memset(o, 0, sizeof *o);
    int pipefd[2];
    if (pipe(pipefd) != 0) {
        return fail("pipe");
    }
    char port_arg[32];
    snprintf(port_arg, sizeof port_arg, "--port=%d", port);
    pid_t pid = fork();
    if (pid == 0) {
        dup2(pipefd[1], 1);
        dup2(pipefd[1], 2);
        close(pipefd[0]);
        execl(client, client, "--no-defaults", "--protocol=tcp", "--host=127.0.0.1", port_arg,
              "--user=alice", "--password=secret", "--skip-ssl", "--connect-timeout=5",
              "--batch", "--skip-column-names", "--execute=SELECT 1", (char *)NULL);
        _exit(127);
    }
    close(pipefd[1]);
    struct pollfd p = {lfd, POLLIN, 0};
    int rc = -1;
    if (poll(&p, 1, TIMEOUT_MS) == 1) {
        int fd = accept(lfd, NULL, NULL);
        if (fd >= 0) {
            rc = serve(fd, c, o);
            close(fd);
        }
    } else {
        fail("the client did not connect");
    }
    size_t len = 0;
    ssize_t n;
    while (len + 1 < sizeof o->output &&
           (n = read(pipefd[0], o->output + len, sizeof o->output - 1 - len)) > 0) {
        len += (size_t)n;
    }
    o->output[len] = '\0';
    close(pipefd[0]);
    int status = 0;
    waitpid(pid, &status, 0);
    o->exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128;
    return rc;
}

static int check(bool cond, carrier c, const char *what, const outcome *o) {
    if (!cond) {
        fprintf(stderr, "FAIL %s: %s (exit %d, output: %s)\n", NAMES[c], what, o->exit_code,
                o->output);
        return 1;
    }
    return 0;
}

int main(int argc, char **argv) {
    const char *client = argc > 1 ? argv[1] : "/usr/bin/mariadb";
    if (access(client, X_OK) != 0) {
        fprintf(stderr, "SKIP: no %s\n", client);
        return 77;
    }
    signal(SIGPIPE, SIG_IGN);
    int lfd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t alen = sizeof a;
    if (lfd < 0 || bind(lfd, (struct sockaddr *)&a, sizeof a) != 0 || listen(lfd, 4) != 0 ||
        getsockname(lfd, (struct sockaddr *)&a, &alen) != 0) {
        perror("listen");
        return 1;
    }
    int port = ntohs(a.sin_port);
    int failures = 0;
    for (int i = LOGIN_ERR; i <= QUERY_ERR; i++) {
        carrier c = (carrier)i;
        outcome o;
        int rc = run(client, lfd, port, c, &o);
        failures += check(rc == 0, c, "the conversation ended cleanly", &o);
        failures += check(o.negotiated != 0, c, "the handshake response was read", &o);
        switch (c) {
        case LOGIN_ERR:
        case QUERY_ERR:
            failures += check(o.exit_code == 1, c, "the client exits with an error", &o);
            failures += check(strstr(o.output, "4196") != NULL &&
                                  strstr(o.output, "|db2.example.com:3306") != NULL,
                              c, "the client shows the ERR naming the target", &o);
            failures += check(o.saw_query == (c == QUERY_ERR), c, "query sent iff logged in", &o);
            break;
        case LOGIN_SESSION_TRACK:
        case LOGIN_LOCATION:
            failures += check(o.exit_code == 0, c, "the client succeeds", &o);
            failures += check(strcmp(o.output, "1\n") == 0, c, "the client prints the row", &o);
            failures += check(o.saw_query && o.saw_quit, c, "query then COM_QUIT", &o);
            break;
        case QUERY_SESSION_TRACK:
            failures += check(o.exit_code == 0, c, "the client succeeds", &o);
            failures += check(o.saw_query && o.saw_quit, c, "query then COM_QUIT", &o);
            break;
        }
        if (failures == 0) {
            size_t ol = strlen(o.output);
            printf("ok %s (negotiated 0x%llx, exit %d): %s%s", NAMES[c],
                   (unsigned long long)o.negotiated, o.exit_code, o.output,
                   ol == 0 || o.output[ol - 1] != '\n' ? "\n" : "");
        }
    }
    close(lfd);
    return failures == 0 ? 0 : 1;
}
