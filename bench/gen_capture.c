/*
 * Writes a synthetic pcap of MariaDB traffic for the benchmarks, every
 * protocol packet built with the library's encoders: many concurrent
 * connections (TCP handshake, greeting, handshake response, login OK with
 * session tracking, or a redirect by any of the three carriers, or an access
 * denied ERR), then queries answered by result sets (DEPRECATE_EOF),
 * OKs with session tracking, or ERRs, then COM_QUIT and FIN. The servers are
 * 10.0.0.1..4 port 3306; clients are 10.1.x.y.
 *
 * usage: gen_capture --out FILE --size BYTES [--flows N] [--seed N]
 * Deterministic for a given seed. Prints what it wrote on stderr.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <redir/redir.h>

#define CAPS REDIR_CAPS_MARIADB_DEFAULT
#define MAX_SEGMENT 65000

typedef struct flow {
    bool live;
    uint32_t client_ip, server_ip;
    uint16_t client_port;
    uint32_t cseq, sseq; /* next TCP sequence numbers */
    int queries_left;
    uint32_t conn_id;
} flow;

static FILE *pcap;
static uint64_t written;
static uint64_t now_us = UINT64_C(1767225600) * 1000000; /* 2026-01-01 */
static uint64_t rng = 0x9E3779B97F4A7C15u;
static uint64_t frames, connections, redirects, errors;

static uint32_t rnd(uint32_t n) {
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)(rng % n);
}

static void put16be(uint8_t *p, unsigned v) {
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static void put32be(uint8_t *p, uint32_t v) {
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static void put32le(uint8_t *p, uint32_t v) {
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

static void write_bytes(const void *p, size_t n) {
    if (fwrite(p, 1, n, pcap) != n) {
        perror("gen_capture: write");
        exit(1);
    }
    written += n;
}

static uint16_t ip_checksum(const uint8_t *h) {
    uint32_t sum = 0;
    for (int i = 0; i < 20; i += 2) {
        sum += (uint32_t)(h[i] << 8 | h[i + 1]);
    }
    while (sum >> 16) {
        sum = (sum & 0xFFFF) + (sum >> 16);
    }
    return (uint16_t)~sum;
}

/* segment writes one Ethernet/IPv4/TCP frame. */
static void segment(flow *f, bool c2s, uint8_t flags, const uint8_t *payload, size_t len) {
    uint8_t hdr[16 + 14 + 20 + 20];
    now_us += 20 + rnd(60);
    uint8_t *rec = hdr;
    size_t frame_len = 14 + 20 + 20 + len;
    put32le(rec, (uint32_t)(now_us / 1000000));
    put32le(rec + 4, (uint32_t)(now_us % 1000000));
    put32le(rec + 8, (uint32_t)frame_len);
    put32le(rec + 12, (uint32_t)frame_len);
    uint8_t *eth = hdr + 16;
    memset(eth, 0, 14);
    eth[5] = c2s ? 2 : 1;
    eth[11] = c2s ? 1 : 2;
    eth[12] = 0x08;
    uint8_t *ip = eth + 14;
    memset(ip, 0, 20);
    ip[0] = 0x45;
    put16be(ip + 2, (unsigned)(20 + 20 + len));
    ip[6] = 0x40; /* don't fragment */
    ip[8] = 64;
    ip[9] = 6;
    put32be(ip + 12, c2s ? f->client_ip : f->server_ip);
    put32be(ip + 16, c2s ? f->server_ip : f->client_ip);
    put16be(ip + 10, ip_checksum(ip));
    uint8_t *tcp = ip + 20;
    memset(tcp, 0, 20);
    put16be(tcp, c2s ? f->client_port : 3306);
    put16be(tcp + 2, c2s ? 3306 : f->client_port);
    put32be(tcp + 4, c2s ? f->cseq : f->sseq);
    put32be(tcp + 8, (flags & 0x02) && !(flags & 0x10) ? 0 : (c2s ? f->sseq : f->cseq));
    tcp[12] = 5 << 4;
    tcp[13] = flags;
    put16be(tcp + 14, 65535);
    write_bytes(hdr, sizeof hdr);
    write_bytes(payload, len);
    uint32_t adv = (uint32_t)len + ((flags & 0x03) ? 1u : 0u);
    if (c2s) {
        f->cseq += adv;
    } else {
        f->sseq += adv;
    }
    frames++;
}

/* A message under construction: framed packets appended one after another. */
typedef struct msg {
    uint8_t buf[MAX_SEGMENT];
    size_t len;
} msg;

static void check(redir_status st, const char *what) {
    if (st != REDIR_OK) {
        fprintf(stderr, "gen_capture: %s: %s\n", what, redir_status_name(st));
        exit(1);
    }
}

/* frame appends one packet with sequence id seq around payload[0..n). */
static void frame(msg *m, uint8_t seq, const uint8_t *payload, size_t n) {
    size_t used = 0;
    check(redir_message_encode(m->buf + m->len, sizeof m->buf - m->len, &used, NULL, seq, payload,
                               n),
          "frame");
    m->len += used;
}

static void put_lenenc_str(uint8_t *buf, size_t cap, size_t *len, const char *s) {
    size_t n = strlen(s);
    size_t used = 0;
    check(redir_lenenc_encode(buf + *len, cap - *len, &used, n), "lenenc");
    *len += used;
    memcpy(buf + *len, s, n);
    *len += n;
}

static redir_greeting greeting_template;
static uint8_t greeting_bytes[256];
static redir_handshake_response response_template;
static uint8_t response_bytes[512];

static int hexval(char c) {
    return c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;
}

static size_t from_hex(uint8_t *out, const char *hex) {
    size_t n = 0;
    for (; hex[0] && hex[1]; hex += 2) {
        out[n++] = (uint8_t)(hexval(hex[0]) << 4 | hexval(hex[1]));
    }
    return n;
}

/* A MariaDB 10.11 greeting and a Connector/C handshake response (from
 * pcaps/mariadb-10.11-session-track.pcap), decoded once and re-encoded per
 * connection with its own connection id and user. */
static void load_templates(void) {
    size_t n = from_hex(greeting_bytes,
                        "0a352e352e352d31302e31312e31392d4d6172696144422d302b64656231327531000d0000"
                        "007d284c287d62504d00feff2d0200ff81150000000000001d0000006e642c4c783a537676"
                        "6c3e30006d7973716c5f6e61746976655f70617373776f726400");
    check(redir_greeting_decode(&greeting_template, NULL, greeting_bytes, n), "greeting");
    n = from_hex(response_bytes,
                 "8ca2bf000000100021000000000000000000000000000000000000001d0000007265646972001440"
                 "06c10af9265cec66f7000c277623d93d918ca672656469725f74657374006d7973716c5f6e617469"
                 "76655f70617373776f7264007f035f6f73054c696e75780c5f636c69656e745f6e616d650a6c6962"
                 "6d617269616462045f7069640532383634360f5f636c69656e745f76657273696f6e06332e332e32"
                 "30095f706c6174666f726d067838365f36340c70726f6772616d5f6e616d65056d7973716c0c5f73"
                 "65727665725f686f7374093132372e302e302e31");
    check(redir_handshake_response_decode(&response_template, NULL, response_bytes, n),
          "response");
}

static void ok_packet(msg *m, uint8_t seq, uint8_t header, uint64_t affected, uint16_t status,
                      const uint8_t *state, size_t state_len) {
    redir_ok ok;
    memset(&ok, 0, sizeof ok);
    ok.header = header;
    ok.affected_rows = affected;
    ok.has_status = true;
    ok.status = status;
    ok.has_warnings = true;
    ok.info_form = REDIR_INFO_LENENC;
    ok.info = redir_span_of("", 0);
    if (state_len > 0) {
        ok.status |= REDIR_STATUS_SESSION_STATE_CHANGED;
        ok.has_session_state = true;
        ok.session_state = redir_span_of(state, state_len);
    }
    uint8_t p[1024];
    size_t n = 0;
    check(redir_ok_encode(p, sizeof p, &n, &ok, CAPS), "ok");
    frame(m, seq, p, n);
}

static void err_packet(msg *m, uint8_t seq, uint16_t code, const char *state, const char *text) {
    redir_err e;
    memset(&e, 0, sizeof e);
    e.code = code;
    e.has_sql_state = true;
    e.sql_state = redir_span_of(state, 5);
    e.message = redir_span_of(text, strlen(text));
    uint8_t p[512];
    size_t n = 0;
    check(redir_err_encode(p, sizeof p, &n, &e), "err");
    frame(m, seq, p, n);
}

static const char *const schemas[] = {"shop", "billing", "inventory", "analytics"};
static const char *const redirect_hosts[] = {"db2.example.com", "db3.example.com",
                                              "10.0.0.7", "replica-eu-1.example.net"};

static void open_flow(flow *f, uint32_t index) {
    memset(f, 0, sizeof f[0]);
    f->live = true;
    f->client_ip = 0x0A010000u | (index & 0xFFFF);
    f->server_ip = 0x0A000001u + (index & 3);
    f->client_port = (uint16_t)(1024 + (index * 7919u) % 60000u);
    f->cseq = rnd(0x7FFFFFFF);
    f->sseq = rnd(0x7FFFFFFF);
    f->conn_id = (uint32_t)connections + 1;
    f->queries_left = 5 + (int)rnd(40);
    connections++;
    segment(f, true, 0x02, NULL, 0);
    segment(f, false, 0x12, NULL, 0);
    segment(f, true, 0x10, NULL, 0);

    static msg m;
    m.len = 0;
    redir_greeting g = greeting_template;
    g.connection_id = f->conn_id;
    uint8_t p[512];
    size_t n = 0;
    check(redir_greeting_encode(p, sizeof p, &n, &g), "greeting encode");
    frame(&m, 0, p, n);
    segment(f, false, 0x18, m.buf, m.len);

    m.len = 0;
    redir_handshake_response r = response_template;
    char user[32];
    int ul = snprintf(user, sizeof user, "app%u", f->conn_id % 50);
    r.user = redir_span_of(user, (size_t)ul);
    r.database = redir_span_of(schemas[f->conn_id % 4], strlen(schemas[f->conn_id % 4]));
    check(redir_handshake_response_encode(p, sizeof p, &n, &r), "response encode");
    frame(&m, 1, p, n);
    segment(f, true, 0x18, m.buf, m.len);

    /* The login result. */
    m.len = 0;
    uint32_t pick = rnd(100);
    const char *host = redirect_hosts[rnd(4)];
    if (pick < 4) {
        char url[96];
        snprintf(url, sizeof url, "mariadb://%s:3306", host);
        redir_sysvar extra[] = {
            {redir_span_of("autocommit", 10), redir_span_of("ON", 2)},
            {redir_span_of("redirect_url", 12), redir_span_of("", 0)},
        };
        size_t len = 0;
        check(redir_build_ok_redirect(m.buf, sizeof m.buf, &len, 2, CAPS, REDIR_STATUS_AUTOCOMMIT,
                                      redir_span_of(url, strlen(url)), extra, 2),
              "ok redirect");
        m.len = len;
        redirects++;
        f->queries_left = 0;
    } else if (pick < 6) {
        size_t len = 0;
        check(redir_build_err_redirect(m.buf, sizeof m.buf, &len, 2,
                                       REDIR_ERR_REDIRECT_DEFAULT_CODE, redir_span_of("HY000", 5),
                                       redir_span_of("server is being upgraded", 24),
                                       redir_span_of(host, strlen(host)), 3306),
              "err redirect");
        m.len = len;
        redirects++;
        f->queries_left = -1; /* the server closes */
    } else if (pick < 7) {
        size_t len = 0;
        check(redir_build_location_ok(m.buf, sizeof m.buf, &len, 2, CAPS, REDIR_STATUS_AUTOCOMMIT,
                                      REDIR_LOCATION_COMMUNITY, redir_span_of(host, strlen(host)),
                                      3306, redir_span_of(user, (size_t)ul), 60),
              "location");
        m.len = len;
        redirects++;
        f->queries_left = 0;
    } else if (pick < 9) {
        err_packet(&m, 2, 1045, "28000", "Access denied for user 'app'@'10.1.0.9' (using password: YES)");
        errors++;
        f->queries_left = -1;
    } else {
        uint8_t st[128];
        size_t sl = 0;
        const char *schema = schemas[f->conn_id % 4];
        check(redir_session_append_string(st, sizeof st, &sl, REDIR_TRACK_SCHEMA,
                                       redir_span_of(schema, strlen(schema))),
              "schema");
        check(redir_session_append_sysvar(st, sizeof st, &sl, redir_span_of("autocommit", 10),
                                       redir_span_of("ON", 2)),
              "sysvar");
        ok_packet(&m, 2, 0x00, 0, REDIR_STATUS_AUTOCOMMIT, st, sl);
    }
    segment(f, false, 0x18, m.buf, m.len);
}

static void close_flow(flow *f, bool server_first) {
    segment(f, !server_first, 0x11, NULL, 0);
    segment(f, server_first, 0x11, NULL, 0);
    segment(f, !server_first, 0x10, NULL, 0);
    f->live = false;
}

static void result_set(msg *m, uint32_t rows) {
    static const char *const names[] = {"id", "name", "price", "updated_at"};
    uint8_t p[1024];
    size_t n = 0;
    uint8_t seq = 1;
    p[0] = 4; /* column count, then MariaDB's "metadata follows" (cache metadata) */
    p[1] = 1;
    frame(m, seq++, p, 2);
    for (int c = 0; c < 4; c++) {
        n = 0;
        put_lenenc_str(p, sizeof p, &n, "def");
        put_lenenc_str(p, sizeof p, &n, "shop");
        put_lenenc_str(p, sizeof p, &n, "products");
        put_lenenc_str(p, sizeof p, &n, "products");
        put_lenenc_str(p, sizeof p, &n, names[c]);
        put_lenenc_str(p, sizeof p, &n, names[c]);
        p[n++] = 0; /* MariaDB extended metadata: none */
        p[n++] = 0x0c;
        static const uint8_t fixed[12] = {0x2d, 0x00, 0xff, 0x00, 0x00, 0x00, 0xfd,
                                          0x00, 0x00, 0x00, 0x00, 0x00};
        memcpy(p + n, fixed, sizeof fixed);
        n += sizeof fixed;
        frame(m, seq++, p, n);
    }
    for (uint32_t r = 0; r < rows; r++) {
        char a[24], b[40], c[24];
        snprintf(a, sizeof a, "%u", 1000 + rnd(90000));
        snprintf(b, sizeof b, "product-%u \xc3\xa9t\xc3\xa9 \"special\"", rnd(1000));
        snprintf(c, sizeof c, "%u.%02u", rnd(500), rnd(100));
        n = 0;
        put_lenenc_str(p, sizeof p, &n, a);
        put_lenenc_str(p, sizeof p, &n, b);
        put_lenenc_str(p, sizeof p, &n, c);
        put_lenenc_str(p, sizeof p, &n, "2026-01-01 12:00:00");
        frame(m, seq++, p, n);
    }
    ok_packet(m, seq, 0xFE, 0, REDIR_STATUS_AUTOCOMMIT, NULL, 0);
}

static void query(flow *f) {
    static msg m;
    uint8_t p[512];
    uint32_t pick = rnd(100);
    char sql[256];
    int n;
    if (pick < 55) {
        n = snprintf(sql, sizeof sql,
                     "SELECT id, name, price, updated_at FROM products WHERE category = %u "
                     "ORDER BY id LIMIT %u",
                     rnd(100), 1 + rnd(8));
    } else if (pick < 85) {
        n = snprintf(sql, sizeof sql, "UPDATE products SET price = price * 1.0%u WHERE id = %u",
                     rnd(10), rnd(100000));
    } else if (pick < 93) {
        n = snprintf(sql, sizeof sql, "SET SESSION time_zone = '+0%u:00'", rnd(10));
    } else {
        n = snprintf(sql, sizeof sql, "SELEC * FROM products WHERE id = %u", rnd(100000));
    }
    p[0] = 0x03;
    /* MariaDB 10.11 does not negotiate query attributes: the SQL follows. */
    memcpy(p + 1, sql, (size_t)n);
    m.len = 0;
    frame(&m, 0, p, (size_t)n + 1);
    segment(f, true, 0x18, m.buf, m.len);

    m.len = 0;
    if (pick < 55) {
        result_set(&m, 1 + rnd(8));
    } else if (pick < 85) {
        ok_packet(&m, 1, 0x00, 1, REDIR_STATUS_AUTOCOMMIT, NULL, 0);
    } else if (pick < 93) {
        uint8_t st[128];
        size_t sl = 0;
        char tz[8];
        snprintf(tz, sizeof tz, "+0%u:00", rnd(10));
        check(redir_session_append_sysvar(st, sizeof st, &sl, redir_span_of("time_zone", 9),
                                       redir_span_of(tz, strlen(tz))),
              "sysvar");
        check(redir_session_append_state_change(st, sizeof st, &sl), "state change");
        check(redir_session_append_string(st, sizeof st, &sl, REDIR_TRACK_TRANSACTION_STATE,
                                       redir_span_of("________", 8)),
              "trx state");
        ok_packet(&m, 1, 0x00, 0, REDIR_STATUS_AUTOCOMMIT, st, sl);
    } else {
        err_packet(&m, 1, 1064, "42000",
                   "You have an error in your SQL syntax; check the manual that corresponds to "
                   "your MariaDB server version for the right syntax to use near 'SELEC *'");
        errors++;
    }
    segment(f, false, 0x18, m.buf, m.len);
}

int main(int argc, char **argv) {
    const char *path = NULL;
    uint64_t size = 0;
    uint32_t num_flows = 400;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--out") == 0) {
            path = argv[i + 1];
        } else if (strcmp(argv[i], "--size") == 0) {
            size = strtoull(argv[i + 1], NULL, 10);
        } else if (strcmp(argv[i], "--flows") == 0) {
            num_flows = (uint32_t)strtoul(argv[i + 1], NULL, 10);
        } else if (strcmp(argv[i], "--seed") == 0) {
            rng ^= strtoull(argv[i + 1], NULL, 10) * 0x2545F4914F6CDD1Du;
        }
    }
    if (path == NULL || size == 0 || num_flows == 0 || argc % 2 == 0) {
        fprintf(stderr, "usage: gen_capture --out FILE --size BYTES [--flows N] [--seed N]\n");
        return 2;
    }
    pcap = fopen(path, "wb");
    if (pcap == NULL) {
        perror(path);
        return 1;
    }
    static char obuf[1 << 20];
    setvbuf(pcap, obuf, _IOFBF, sizeof obuf);
    uint8_t gh[24] = {0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0};
    put32le(gh + 16, 262144);
    put32le(gh + 20, 1); /* Ethernet */
    write_bytes(gh, sizeof gh);
    load_templates();

    flow *flows = calloc(num_flows, sizeof *flows);
    if (flows == NULL) {
        return 1;
    }
    uint32_t next_index = 0;
    while (written < size) {
        flow *f = &flows[rnd(num_flows)];
        if (!f->live) {
            open_flow(f, next_index++);
        } else if (f->queries_left < 0) {
            close_flow(f, true);
        } else if (f->queries_left == 0) {
            static msg m;
            uint8_t quit = 0x01;
            m.len = 0;
            frame(&m, 0, &quit, 1);
            segment(f, true, 0x18, m.buf, m.len);
            close_flow(f, false);
        } else {
            query(f);
            f->queries_left--;
        }
    }
    free(flows);
    if (fclose(pcap) != 0) {
        perror(path);
        return 1;
    }
    fprintf(stderr,
            "gen_capture: %s: %llu bytes, %llu frames, %llu connections, %llu redirects, "
            "%llu errors\n",
            path, (unsigned long long)written, (unsigned long long)frames,
            (unsigned long long)connections, (unsigned long long)redirects,
            (unsigned long long)errors);
    return 0;
}
