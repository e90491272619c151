/* Server engine: arbitrary client bytes in arbitrary chunkings, answered the
 * way a caller would (login OK, every redirect carrier, auth switches, result
 * sets, errors). Properties:
 *  - no crash, no allocation, nothing written outside the lent buffers;
 *  - every span of every event views the lent input buffer;
 *  - every answer the conversation allows is accepted;
 *  - the output is whole packets, and never more than out_cap;
 *  - the engine never wedges: it either takes input, reports an event, or
 *    waits for an answer it was given;
 *  - a refused input yields exactly one ERROR event, after which the output
 *    is exactly one ERR packet that decodes and names the status; nothing
 *    follows it;
 *  - the events and the output are the same whether the bytes come all at
 *    once or in chunks.
 *
 * Input: byte 0 flags (bit 0 offer TLS, bits 1-3 the login answer, bits 4-7
 * the command answers), byte 1 seeds the chunking; the rest is the client's
 * byte stream (after an SSLRequest, the bytes that follow are taken as what
 * TLS would have decrypted). */
#include "fuzz_common.h"

#define GUARD 64u
#define IN_CAP 2048u
#define OUT_CAP 4096u
#define MAX_OUT_TOTAL (1u << 20)

static uint8_t in_mem[IN_CAP + 2 * GUARD];
static uint8_t out_mem[OUT_CAP + 2 * GUARD];
static uint8_t early[IN_CAP];

typedef struct run_result {
    uint64_t hash; /* over event types, statuses and every output byte */
    size_t events;
    size_t out_total;
    bool error_seen;
} run_result;

static run_result runs[2];

static void mix(uint64_t *h, const uint8_t *p, size_t n) {
    for (size_t i = 0; i < n; i++) {
        *h = (*h ^ p[i]) * 1099511628211u;
    }
}

static int untouched(const uint8_t *p, size_t n) {
    for (size_t i = 0; i < n; i++) {
        if (p[i] != 0xA5) {
            return 0;
        }
    }
    return 1;
}

static redir_span lit(const char *s) { return redir_span_of(s, strlen(s)); }

typedef struct harness {
    redir_server srv;
    run_result *r;
    uint8_t flags;
    bool finished;
    size_t commands;
} harness;

/* Takes every queued byte: whole packets only, hashed. */
static void drain(harness *h) {
    size_t len;
    const uint8_t *out = redir_server_output(&h->srv, &len);
    FUZZ_CHECK(len <= OUT_CAP + REDIR_SERVER_ERR_SLOT);
    size_t at = 0;
    while (at < len) {
        redir_frame f;
        size_t used;
        FUZZ_CHECK(redir_frame_decode(&f, &used, NULL, out + at, len - at) == REDIR_OK);
        at += used;
    }
    mix(&h->r->hash, out, len);
    h->r->out_total += len;
    FUZZ_CHECK(h->r->out_total <= MAX_OUT_TOTAL);
    redir_server_output_consume(&h->srv, len);
    FUZZ_CHECK(redir_server_output(&h->srv, &len) == NULL && len == 0);
}

static void ok_plain(harness *h, uint16_t status) {
    redir_ok ok;
    memset(&ok, 0, sizeof ok);
    ok.status = status;
    FUZZ_CHECK(redir_server_ok(&h->srv, NULL, &ok) == REDIR_OK);
}

/* An OK with redirect_url, or a plain one when session tracking is off. */
static void ok_redirect(harness *h, uint16_t status) {
    redir_status st = redir_server_ok_redirect(&h->srv, NULL, status,
                                               lit("mariadb://db2.example.com:3306"), NULL, 0);
    if (st == REDIR_E_MISSING_CAPABILITY) {
        FUZZ_CHECK((redir_server_negotiated(&h->srv) & REDIR_CLIENT_SESSION_TRACK) == 0);
        ok_plain(h, status);
        return;
    }
    FUZZ_CHECK(st == REDIR_OK);
}

static void answer_login(harness *h) {
    switch ((h->flags >> 1) & 7) {
    case 0:
        ok_plain(h, REDIR_STATUS_AUTOCOMMIT);
        break;
    case 1:
        ok_redirect(h, REDIR_STATUS_AUTOCOMMIT);
        break;
    case 2:
        FUZZ_CHECK(redir_server_err_redirect(&h->srv, NULL, 4196, lit("HY000"), lit("moved"),
                                             lit("db2.example.com"), 3306) == REDIR_OK);
        break;
    case 3:
        FUZZ_CHECK(redir_server_location_ok(&h->srv, NULL, REDIR_STATUS_AUTOCOMMIT,
                                            REDIR_LOCATION_COMMUNITY, lit("db2.example.com"),
                                            3306, lit("alice"), 60) == REDIR_OK);
        break;
    case 4:
        FUZZ_CHECK(redir_server_err(&h->srv, NULL, 1045, lit("28000"), lit("Access denied")) ==
                   REDIR_OK);
        break;
    default:
        FUZZ_CHECK(redir_server_auth_switch(&h->srv, NULL, lit("mysql_native_password"),
                                            redir_span_of("abcdefghij0123456789", 21)) ==
                   REDIR_OK);
        break;
    }
}

static void answer_command(harness *h, const redir_server_event *ev) {
    uint64_t caps = redir_server_negotiated(&h->srv);
    unsigned pick = (unsigned)((h->flags >> 4) + h->commands++) % 6;
    if (ev->command == REDIR_COM_CHANGE_USER && pick < 3) {
        FUZZ_CHECK(redir_server_auth_switch(&h->srv, NULL, lit("client_ed25519"),
                                            lit("0123456789abcdef0123456789abcdef")) ==
                   REDIR_OK);
        return;
    }
    static const uint8_t count[] = {0x01};
    static const uint8_t column[] = {0x03, 'd', 'e', 'f', 0, 0, 0, 1, 'a', 0, 0x0c, 0x3f, 0,
                                     1,    0,   0,   0,   3, 0x81, 0, 0, 0, 0};
    static const uint8_t row[] = {0x01, '1'};
    switch (pick) {
    case 0:
        ok_plain(h, REDIR_STATUS_AUTOCOMMIT);
        break;
    case 1:
        ok_redirect(h, REDIR_STATUS_AUTOCOMMIT);
        break;
    case 2:
        FUZZ_CHECK(redir_server_err(&h->srv, NULL, 1064, lit("42000"), lit("syntax")) ==
                   REDIR_OK);
        break;
    case 3:
        /* two results: the first OK says more follow */
        ok_plain(h, REDIR_STATUS_AUTOCOMMIT | REDIR_STATUS_MORE_RESULTS_EXISTS);
        FUZZ_CHECK(redir_server_state_of(&h->srv) == REDIR_SERVER_RESPONDING);
        ok_redirect(h, REDIR_STATUS_AUTOCOMMIT);
        break;
    default:
        FUZZ_CHECK(redir_server_send(&h->srv, NULL, count, sizeof count) == REDIR_OK);
        FUZZ_CHECK(redir_server_send(&h->srv, NULL, column, sizeof column) == REDIR_OK);
        FUZZ_CHECK(redir_server_columns_end(&h->srv, NULL, 0, REDIR_STATUS_AUTOCOMMIT) ==
                   REDIR_OK);
        FUZZ_CHECK(redir_server_send(&h->srv, NULL, row, sizeof row) == REDIR_OK);
        if (pick == 5 && (caps & REDIR_CLIENT_DEPRECATE_EOF) != 0 &&
            (caps & REDIR_CLIENT_SESSION_TRACK) != 0) {
            /* the redirect in the OK that ends the rows */
            uint8_t block[64];
            size_t blen = 0;
            FUZZ_CHECK(redir_session_append_sysvar(block, sizeof block, &blen, lit("redirect_url"),
                                                lit("mysql://10.0.0.7:3307")) == REDIR_OK);
            FUZZ_CHECK(redir_server_rows_end_state(&h->srv, NULL, 0, REDIR_STATUS_AUTOCOMMIT,
                                                   redir_span_of(block, blen)) == REDIR_OK);
        } else {
            FUZZ_CHECK(redir_server_rows_end(&h->srv, NULL, 0, REDIR_STATUS_AUTOCOMMIT) ==
                       REDIR_OK);
        }
        break;
    }
    FUZZ_CHECK(redir_server_state_of(&h->srv) == REDIR_SERVER_IDLE);
}

static void check_error(harness *h, const redir_server_event *ev) {
    FUZZ_CHECK(!h->r->error_seen);
    h->r->error_seen = true;
    FUZZ_CHECK(redir_status_is_error(ev->status));
    FUZZ_CHECK(redir_server_finished(&h->srv));
    size_t len;
    const uint8_t *out = redir_server_output(&h->srv, &len);
    FUZZ_CHECK(out != NULL);
    redir_frame f;
    size_t used;
    FUZZ_CHECK(redir_frame_decode(&f, &used, NULL, out, len) == REDIR_OK && used == len);
    redir_err e;
    FUZZ_CHECK(redir_err_decode(&e, NULL, f.payload.ptr, f.payload.len, 0) == REDIR_OK);
    const char *name = redir_status_name(ev->status);
    FUZZ_CHECK(name != NULL);
    size_t nl = strlen(name);
    int found = 0;
    for (size_t i = 0; i + nl <= e.message.len && !found; i++) {
        found = memcmp(e.message.ptr + i, name, nl) == 0;
    }
    FUZZ_CHECK(found);
}

/* Reports and answers events until none is ready. Returns bytes to feed
 * again (the TLS-early bytes) through *refeed. */
static void pump(harness *h, size_t *refeed) {
    for (;;) {
        redir_server_event ev;
        fuzz_lib_enter();
        redir_status st = redir_server_next(&h->srv, &ev);
        fuzz_lib_leave();
        if (st == REDIR_DONE) {
            return;
        }
        FUZZ_CHECK(st == REDIR_OK);
        FUZZ_CHECK(!h->finished);
        h->r->events++;
        uint8_t tag[2] = {(uint8_t)ev.type, (uint8_t)ev.status};
        mix(&h->r->hash, tag, sizeof tag);
        const uint8_t *in = in_mem + GUARD;
        FUZZ_CHECK(fuzz_span_inside(ev.tls_early, in, IN_CAP));
        FUZZ_CHECK(fuzz_span_inside(ev.auth_data, in, IN_CAP));
        FUZZ_CHECK(fuzz_span_inside(ev.payload, in, IN_CAP));
        FUZZ_CHECK(fuzz_span_inside(ev.body, in, IN_CAP));
        FUZZ_CHECK(fuzz_span_inside(ev.response.user, in, IN_CAP));
        FUZZ_CHECK(fuzz_span_inside(ev.response.auth_response, in, IN_CAP));
        FUZZ_CHECK(fuzz_span_inside(ev.response.database, in, IN_CAP));
        FUZZ_CHECK(fuzz_span_inside(ev.response.auth_plugin, in, IN_CAP));
        FUZZ_CHECK(fuzz_span_inside(ev.response.attributes, in, IN_CAP));
        FUZZ_CHECK(fuzz_span_inside(ev.decoded.body, in, IN_CAP));
        fuzz_lib_enter();
        switch (ev.type) {
        case REDIR_SERVER_EV_START_TLS:
            FUZZ_CHECK(ev.tls_early.len <= sizeof early);
            if (ev.tls_early.len > 0) {
                memcpy(early, ev.tls_early.ptr, ev.tls_early.len);
            }
            *refeed = ev.tls_early.len;
            FUZZ_CHECK(redir_server_tls_done(&h->srv) == REDIR_OK);
            fuzz_lib_leave();
            return;
        case REDIR_SERVER_EV_HANDSHAKE_RESPONSE:
            FUZZ_CHECK(ev.tls_skipped == ((h->flags & 1) != 0 && !ev.tls));
            answer_login(h);
            break;
        case REDIR_SERVER_EV_AUTH_DATA:
            ok_redirect(h, REDIR_STATUS_AUTOCOMMIT);
            break;
        case REDIR_SERVER_EV_COMMAND:
            FUZZ_CHECK(ev.payload.len >= 1 && ev.command == ev.payload.ptr[0]);
            if (redir_server_state_of(&h->srv) == REDIR_SERVER_RESPONDING) {
                answer_command(h, &ev);
            }
            break;
        case REDIR_SERVER_EV_CLOSED:
            FUZZ_CHECK(redir_server_finished(&h->srv));
            h->finished = true;
            break;
        case REDIR_SERVER_EV_ERROR:
            check_error(h, &ev);
            h->finished = true;
            break;
        default:
            FUZZ_CHECK(0);
        }
        fuzz_lib_leave();
        drain(h);
        if (redir_server_finished(&h->srv)) {
            h->finished = true;
        }
    }
}

/* Feeds data[0..size) in chunks from the seed (0: all at once). */
static void feed_all(harness *h, const uint8_t *data, size_t size, uint32_t *rng, bool chunked) {
    size_t pos = 0;
    while (pos < size) {
        size_t want = size - pos;
        if (chunked) {
            *rng = *rng * 1103515245u + 12345u;
            size_t n = 1 + (*rng >> 16) % 61;
            want = n < want ? n : want;
        }
        size_t taken = 0;
        redir_status st = redir_server_feed(&h->srv, &taken, data + pos, want);
        FUZZ_CHECK(st == REDIR_OK && taken <= want);
        pos += taken;
        size_t refeed = 0;
        pump(h, &refeed);
        if (refeed > 0) {
            uint8_t copy[IN_CAP];
            memcpy(copy, early, refeed);
            feed_all(h, copy, refeed, rng, chunked);
        }
        if (taken == 0 && refeed == 0) {
            /* nothing taken and no event: only a finished engine may do that */
            FUZZ_CHECK(h->finished);
        }
    }
}

static void run(run_result *r, uint8_t flags, uint8_t seed, bool chunked, const uint8_t *data,
                size_t size) {
    memset(in_mem, 0xA5, sizeof in_mem);
    memset(out_mem, 0xA5, sizeof out_mem);
    memset(r, 0, sizeof *r);
    r->hash = 1469598103934665603u;
    harness h;
    memset(&h, 0, sizeof h);
    h.r = r;
    h.flags = flags;
    redir_server_config cfg;
    redir_server_config_init(&cfg);
    memcpy(cfg.scramble, "0123456789abcdefghij", 20);
    cfg.connection_id = 7;
    cfg.offer_tls = (flags & 1) != 0;
    cfg.in_buf = in_mem + GUARD;
    cfg.in_cap = IN_CAP;
    cfg.out_buf = out_mem + GUARD;
    cfg.out_cap = OUT_CAP;
    fuzz_lib_enter();
    FUZZ_CHECK(redir_server_init(&h.srv, NULL, &cfg) == REDIR_OK);
    fuzz_lib_leave();
    drain(&h);
    uint32_t rng = seed * 2654435761u + 1;
    feed_all(&h, data, size, &rng, chunked);
    FUZZ_CHECK(untouched(in_mem, GUARD) && untouched(in_mem + GUARD + IN_CAP, GUARD));
    FUZZ_CHECK(untouched(out_mem, GUARD) && untouched(out_mem + GUARD + OUT_CAP, GUARD));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 2) {
        return 0;
    }
    uint8_t flags = data[0];
    uint8_t seed = data[1];
    data += 2;
    size -= 2;
    run(&runs[0], flags, seed, false, data, size);
    run(&runs[1], flags, seed, true, data, size);
    FUZZ_CHECK(runs[0].hash == runs[1].hash);
    FUZZ_CHECK(runs[0].events == runs[1].events);
    FUZZ_CHECK(runs[0].out_total == runs[1].out_total);
    return 0;
}
