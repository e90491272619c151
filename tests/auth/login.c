/* redir_auth_login: logs in to a MariaDB/MySQL server over TCP with the
 * answers of libredir-auth, reading with the framer and the packet codecs.
 *
 *   redir_auth_login HOST PORT USER PASSWORD   exit 0 logged in, 1 refused
 *                                              (the ERR on stderr), 2 other
 *   redir_auth_login --ed25519-public PASSWORD prints the public key, hex
 *
 * Plugins: whatever the greeting names, then whatever an auth switch asks
 * for; caching_sha2_password's full path asks for the server's RSA key. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <redir/auth.h>
#include <redir/redir.h>

static int fd = -1;
static redir_framer fr;
static uint8_t in_buf[1 << 16], join_buf[1 << 16];
static uint8_t seq;

static int die(const char *what, redir_status st) {
    fprintf(stderr, "login: %s: %s\n", what, st == REDIR_OK ? "failed" : redir_status_name(st));
    return 2;
}

/* read_packet returns the next payload from the server. */
static int read_packet(redir_span *payload) {
    for (;;) {
        redir_framed p;
        redir_status st = redir_framer_next(&fr, &p, NULL);
        if (st == REDIR_OK) {
            *payload = p.msg.payload;
            seq = p.msg.next_seq;
            return 0;
        }
        if (st != REDIR_DONE) {
            return die("framing", st);
        }
        size_t room = 0;
        uint8_t *w = redir_framer_space(&fr, &room);
        ssize_t n = recv(fd, w, room, 0);
        if (n <= 0) {
            return die("connection closed", REDIR_OK);
        }
        if (redir_framer_commit(&fr, (size_t)n) != REDIR_OK) {
            return die("commit", REDIR_OK);
        }
    }
}

static int send_packet(const uint8_t *payload, size_t len) {
    static uint8_t out[1 << 16];
    size_t n = 0;
    redir_status st = redir_message_encode(out, sizeof out, &n, &seq, seq, payload, len);
    if (st != REDIR_OK) {
        return die("framing the answer", st);
    }
    return send(fd, out, n, 0) == (ssize_t)n ? 0 : die("send", REDIR_OK);
}

static int answer(uint8_t *out, size_t cap, size_t *out_len, redir_span plugin,
                  redir_auth_stage stage, redir_span scramble, redir_span data,
                  const char *password) {
    redir_auth_request req = {plugin, stage, scramble, data};
    redir_status st = redir_auth_answer(out, cap, out_len, &req, (const uint8_t *)password,
                                        strlen(password));
    return st == REDIR_OK ? 0 : die("answer", st);
}

static int print_public(const char *password) {
    uint8_t pub[REDIR_AUTH_ED25519_PUBLIC_LEN];
    size_t n = 0;
    redir_status st =
        redir_auth_ed25519_public(pub, sizeof pub, &n, (const uint8_t *)password, strlen(password));
    if (st != REDIR_OK) {
        return die("public key", st);
    }
    for (size_t i = 0; i < n; i++) {
        printf("%02x", pub[i]);
    }
    printf("\n");
    return 0;
}

int main(int argc, char **argv) {
    if (argc == 3 && strcmp(argv[1], "--ed25519-public") == 0) {
        return print_public(argv[2]);
    }
    if (argc != 5) {
        fprintf(stderr, "usage: %s HOST PORT USER PASSWORD | --ed25519-public PASSWORD\n",
                argv[0]);
        return 2;
    }
    const char *user = argv[3], *password = argv[4];
    redir_framer_config cfg = {in_buf, sizeof in_buf, join_buf, sizeof join_buf, NULL, 0,
                               NULL,   0,             0,        0,                NULL, NULL};
    if (redir_framer_init(&fr, &cfg) != REDIR_OK) {
        return die("framer", REDIR_OK);
    }
    struct sockaddr_in sa = {0};
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)atoi(argv[2]));
    if (inet_pton(AF_INET, argv[1], &sa.sin_addr) != 1) {
        return die("address", REDIR_OK);
    }
    fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
        return die("connect", REDIR_OK);
    }

    redir_span p;
    if (read_packet(&p) != 0) {
        return 2;
    }
    redir_greeting g;
    redir_status st = redir_greeting_decode(&g, NULL, p.ptr, p.len);
    if (st != REDIR_OK) {
        return die("greeting", st);
    }
    uint8_t scramble[64];
    size_t scramble_len = 0;
    st = redir_greeting_scramble(scramble, sizeof scramble, &scramble_len, &g);
    if (st != REDIR_OK) {
        return die("scramble", st);
    }
    uint8_t ans[1024];
    size_t ans_len = 0;
    redir_span plugin = g.auth_plugin;
    uint8_t plugin_copy[64];
    if (plugin.len > sizeof plugin_copy) {
        return die("plugin name", REDIR_OK);
    }
    memcpy(plugin_copy, plugin.ptr, plugin.len);
    plugin.ptr = plugin_copy;
    redir_span none = {NULL, 0};
    /* A plugin without an initial answer (ed25519 waits for its nonce). */
    redir_auth_request probe = {plugin, REDIR_AUTH_STAGE_INITIAL,
                                redir_span_of(scramble, scramble_len), none};
    if (redir_auth_answer(ans, sizeof ans, &ans_len, &probe, (const uint8_t *)password,
                          strlen(password)) != REDIR_OK) {
        ans_len = 0;
    }

    uint64_t caps = REDIR_CLIENT_PROTOCOL_41 | REDIR_CLIENT_SECURE_CONNECTION |
                    REDIR_CLIENT_PLUGIN_AUTH | REDIR_CLIENT_PLUGIN_AUTH_LENENC_DATA |
                    REDIR_CLIENT_TRANSACTIONS | REDIR_CLIENT_MULTI_RESULTS |
                    REDIR_CLIENT_MYSQL | REDIR_CLIENT_LONG_FLAG;
    redir_handshake_response r;
    memset(&r, 0, sizeof r);
    r.capabilities = caps;
    r.max_packet = 1u << 24;
    r.charset = 45;
    r.user = redir_span_of(user, strlen(user));
    r.auth_response = redir_span_of(ans, ans_len);
    r.has_auth_plugin = true;
    r.auth_plugin = plugin;
    uint8_t hr[2048];
    size_t hr_len = 0;
    st = redir_handshake_response_encode(hr, sizeof hr, &hr_len, &r);
    if (st != REDIR_OK) {
        return die("handshake response", st);
    }
    if (send_packet(hr, hr_len) != 0) {
        return 2;
    }
    for (int round = 0; round < 6; round++) {
        if (read_packet(&p) != 0) {
            return 2;
        }
        if (p.len == 0) {
            return die("empty packet", REDIR_OK);
        }
        if (p.ptr[0] == 0x00) {
            printf("logged in as %s with %.*s\n", user, (int)plugin.len, (const char *)plugin.ptr);
            close(fd);
            return 0;
        }
        if (p.ptr[0] == 0xFF) {
            redir_err e;
            if (redir_err_decode(&e, NULL, p.ptr, p.len, caps) == REDIR_OK) {
                fprintf(stderr, "login refused: %u %.*s\n", e.code, (int)e.message.len,
                        (const char *)e.message.ptr);
            }
            close(fd);
            return 1;
        }
        if (p.ptr[0] == 0xFE) {
            redir_auth_switch sw;
            st = redir_auth_switch_decode(&sw, NULL, p.ptr, p.len);
            if (st != REDIR_OK || sw.auth_plugin.len > sizeof plugin_copy) {
                return die("auth switch", st);
            }
            memcpy(plugin_copy, sw.auth_plugin.ptr, sw.auth_plugin.len);
            plugin.len = sw.auth_plugin.len;
            redir_span data = sw.auth_data;
            if (data.len > 0 && data.ptr[data.len - 1] == 0) {
                data.len--;
            }
            if (data.len > sizeof scramble) {
                return die("nonce", REDIR_OK);
            }
            memcpy(scramble, data.ptr, data.len);
            scramble_len = data.len;
            if (answer(ans, sizeof ans, &ans_len, plugin, REDIR_AUTH_STAGE_INITIAL,
                       redir_span_of(scramble, scramble_len), none, password) != 0 ||
                send_packet(ans, ans_len) != 0) {
                return 2;
            }
            continue;
        }
        if (p.ptr[0] == 0x01) {
            /* caching_sha2_password: 0x03 fast path done, 0x04 full path
             * (ask for the key: 0x02), or the PEM key itself. */
            redir_span more;
            st = redir_auth_more_data_decode(&more, NULL, p.ptr, p.len);
            if (st != REDIR_OK) {
                return die("more data", st);
            }
            if (more.len == 1 && more.ptr[0] == 0x03) {
                continue;
            }
            if (more.len == 1 && more.ptr[0] == 0x04) {
                uint8_t ask = 0x02;
                if (send_packet(&ask, 1) != 0) {
                    return 2;
                }
                continue;
            }
            if (answer(ans, sizeof ans, &ans_len, plugin, REDIR_AUTH_STAGE_RSA,
                       redir_span_of(scramble, scramble_len), more, password) != 0 ||
                send_packet(ans, ans_len) != 0) {
                return 2;
            }
            continue;
        }
        return die("unexpected packet", REDIR_OK);
    }
    return die("too many rounds", REDIR_OK);
}
