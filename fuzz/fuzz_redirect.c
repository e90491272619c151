/* Redirect extraction from a server packet, then the client policy over a
 * fuzzed connection state, compared with a reference of the decision table
 * in policy.h (host matching written independently), then the ttl cache.
 *
 * Input: caps prefix, a flags byte (connection state), a byte for hops and
 * the visited list, then the OK or ERR payload. */
#include "fuzz_common.h"

static uint8_t lower(uint8_t c) { return (c >= 'A' && c <= 'Z') ? (uint8_t)(c + 32) : c; }

static int hexv(uint8_t c) {
    c = lower(c);
    return c >= '0' && c <= '9' ? c - '0' : (c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1);
}

/* Decodes %XX escapes (a malformed one stands for itself) into out. */
static size_t unescape(redir_span s, uint8_t *out) {
    size_t n = 0;
    for (size_t i = 0; i < s.len; i++) {
        if (s.ptr[i] == '%' && s.len - i >= 3 && hexv(s.ptr[i + 1]) >= 0 && hexv(s.ptr[i + 2]) >= 0) {
            out[n++] = (uint8_t)(hexv(s.ptr[i + 1]) * 16 + hexv(s.ptr[i + 2]));
            i += 2;
        } else {
            out[n++] = s.ptr[i];
        }
    }
    return n;
}

static uint8_t hbuf[1u << 16];

/* One trailing dot (a fully qualified name) does not make another host; an
 * encoded host may write it "%2E". */
static size_t without_dot(const uint8_t *p, size_t n, bool encoded) {
    if (n > 1 && p[n - 1] == '.') {
        return n - 1;
    }
    if (encoded && n > 3 && p[n - 3] == '%' && p[n - 2] == '2' && lower(p[n - 1]) == 'e') {
        return n - 3;
    }
    return n;
}

static bool same_host(redir_span target, bool encoded, const uint8_t *h, size_t hl) {
    redir_span t0 = redir_span_of(target.ptr, without_dot(target.ptr, target.len, encoded));
    hl = without_dot(h, hl, false);
    size_t n = t0.len;
    const uint8_t *t = t0.ptr;
    if (encoded && t0.len <= sizeof hbuf) {
        n = unescape(t0, hbuf);
        t = hbuf;
    }
    if (n != hl) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        if (lower(t[i]) != lower(h[i])) {
            return false;
        }
    }
    return true;
}

/* The current host may be written "[ipv6]". */
static bool is_current(redir_span target, bool encoded, redir_span cur) {
    return same_host(target, encoded, cur.ptr, cur.len) ||
           (cur.len >= 2 && cur.ptr[0] == '[' && cur.ptr[cur.len - 1] == ']' &&
            same_host(target, encoded, cur.ptr + 1, cur.len - 2));
}

/* Visited entries made from the target: its exact "host:port" (bracketed
 * when it has a ':'), the same upper-cased without a port, and a malformed
 * one. */
static uint8_t vis_buf[3][1024];

static size_t make_visited(const redir_instruction *ins, uint8_t pick, redir_span *out) {
    size_t n = 0;
    if (ins->host.len > 900) {
        return 0;
    }
    bool v6 = memchr(ins->host.ptr, ':', ins->host.len) != NULL;
    if (pick & 0x04) {
        size_t k = 0;
        if (v6) {
            vis_buf[0][k++] = '[';
        }
        memcpy(vis_buf[0] + k, ins->host.ptr, ins->host.len);
        k += ins->host.len;
        if (v6) {
            vis_buf[0][k++] = ']';
        }
        k += (size_t)snprintf((char *)vis_buf[0] + k, 16, ":%u", (unsigned)ins->port);
        out[n++] = redir_span_of(vis_buf[0], k);
    }
    if (pick & 0x08) {
        for (size_t i = 0; i < ins->host.len; i++) {
            uint8_t c = ins->host.ptr[i];
            vis_buf[1][i] = (c >= 'a' && c <= 'z') ? (uint8_t)(c - 32) : c;
        }
        out[n++] = redir_span_of(vis_buf[1], ins->host.len);
    }
    if (pick & 0x10) {
        memcpy(vis_buf[2], "[::1", 4);
        out[n++] = redir_span_of(vis_buf[2], 4);
    }
    return n;
}

static redir_reason reference(const redir_policy *p, const redir_conn_state *s,
                              const redir_instruction *ins, bool loop_entry, bool bare_entry) {
    if (p->permit != REDIR_PERMIT_DEFAULT && p->permit != REDIR_PERMIT_ALWAYS) {
        return REDIR_REASON_DISABLED;
    }
    if (ins->host.len == 0 || ins->port == 0) {
        return REDIR_REASON_INVALID_TARGET;
    }
    if ((ins->carrier == REDIR_CARRIER_ERR && (!p->allow_err_carrier || !s->login_phase)) ||
        (ins->carrier == REDIR_CARRIER_LOCATION &&
         (!p->allow_location_carrier || !s->login_phase))) {
        return REDIR_REASON_CARRIER_NOT_ALLOWED;
    }
    if (s->before_tls) {
        return REDIR_REASON_BEFORE_TLS;
    }
    if (s->tls_requested && !s->tls_established) {
        return REDIR_REASON_TLS_DOWNGRADE;
    }
    if (p->permit == REDIR_PERMIT_DEFAULT && !s->tls_established) {
        return REDIR_REASON_NOT_PERMITTED_WITHOUT_TLS;
    }
    if (p->permit == REDIR_PERMIT_DEFAULT && !s->cert_verified) {
        return REDIR_REASON_NOT_PERMITTED_UNVERIFIED;
    }
    bool encoded = ins->carrier == REDIR_CARRIER_SESSION_TRACK;
    if (ins->port == s->current_port && is_current(ins->host, encoded, s->current_host)) {
        return REDIR_REASON_SAME_SERVER;
    }
    if (loop_entry || bare_entry) {
        return REDIR_REASON_LOOP;
    }
    if (s->hops >= p->max_hops) {
        return REDIR_REASON_HOP_LIMIT;
    }
    if (s->server_status & REDIR_STATUS_IN_TRANS) {
        return REDIR_REASON_IN_TRANSACTION;
    }
    if (s->server_status & REDIR_STATUS_MORE_RESULTS_EXISTS) {
        return REDIR_REASON_MORE_RESULTS;
    }
    if (s->commands_in_flight > 0) {
        return REDIR_REASON_COMMANDS_IN_FLIGHT;
    }
    return REDIR_REASON_FOLLOW_OK;
}

static redir_decision decision_of(redir_reason r) {
    switch (r) {
    case REDIR_REASON_FOLLOW_OK:
        return REDIR_DECISION_FOLLOW;
    case REDIR_REASON_IN_TRANSACTION:
    case REDIR_REASON_MORE_RESULTS:
    case REDIR_REASON_COMMANDS_IN_FLIGHT:
        return REDIR_DECISION_DEFER;
    default:
        return REDIR_DECISION_REFUSE;
    }
}

static void check_cache(const redir_instruction *ins, uint64_t now) {
    redir_target_cache c;
    redir_target_cache_init(&c);
    redir_span origin = redir_span_of("DB1.example", 11);
    uint64_t ttl_ms = ins->has_ttl ? ins->ttl : 0;
    fuzz_lib_enter();
    redir_status st = redir_target_cache_store(&c, origin, 3306, ins->host, ins->port, ttl_ms, now);
    fuzz_lib_leave();
    if (ins->host.len > REDIR_CACHE_HOST_MAX) {
        FUZZ_CHECK(st == REDIR_E_FIELD_TOO_LONG);
        return;
    }
    FUZZ_CHECK(st == REDIR_OK);
    redir_span t;
    uint16_t tp;
    fuzz_lib_enter();
    st = redir_target_cache_lookup(&c, &t, &tp, redir_span_of("db1.EXAMPLE", 11), 3306, now);
    fuzz_lib_leave();
    if (ttl_ms == 0) {
        FUZZ_CHECK(st == REDIR_NOT_FOUND);
        return;
    }
    FUZZ_CHECK(st == REDIR_OK && tp == ins->port && t.len == ins->host.len &&
               (t.len == 0 || memcmp(t.ptr, ins->host.ptr, t.len) == 0));
    FUZZ_CHECK(redir_target_cache_lookup(&c, &t, &tp, origin, 3307, now) == REDIR_NOT_FOUND);
    FUZZ_CHECK(redir_target_cache_lookup(&c, &t, &tp, redir_span_of("db1.example.", 12), 3306, now) ==
               REDIR_NOT_FOUND);
    FUZZ_CHECK(redir_target_cache_lookup(&c, &t, &tp, redir_span_of("db2.example", 11), 3306, now) ==
               REDIR_NOT_FOUND);
    uint64_t expiry = ttl_ms > UINT64_MAX - now ? UINT64_MAX : now + ttl_ms;
    FUZZ_CHECK(redir_target_cache_lookup(&c, &t, &tp, origin, 3306, expiry - 1) == REDIR_OK);
    FUZZ_CHECK(redir_target_cache_lookup(&c, &t, &tp, origin, 3306, expiry) == REDIR_NOT_FOUND);
    FUZZ_CHECK(!c.valid && redir_target_cache_lookup(&c, &t, &tp, origin, 3306, now) == REDIR_NOT_FOUND);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    uint64_t caps = fuzz_take_caps(&data, &size);
    if (size < 3) {
        return 0;
    }
    uint8_t flags = data[0];
    uint8_t hops = data[1];
    data += 2;
    size -= 2;
    redir_instruction ins;
    redir_diag d = {0, 0};
    redir_status st;
    bool login = flags & 0x40;
    if (data[0] == 0xFF) {
        redir_err e;
        if (redir_err_decode(&e, &d, data, size, caps) != REDIR_OK) {
            return 0;
        }
        uint16_t want = (flags & 0x80) ? REDIR_ERR_REDIRECT_DEFAULT_CODE : 0;
        fuzz_lib_enter();
        st = redir_redirect_from_err(&ins, &d, &e, want);
        fuzz_lib_leave();
        bool candidate = !e.is_progress && (want == 0 || e.code == want) && e.message.len > 0 &&
                         e.message.ptr[0] == '|';
        FUZZ_CHECK(candidate || st == REDIR_NOT_FOUND);
        if (candidate) {
            redir_span text, host;
            bool has_port;
            uint16_t port;
            redir_diag pd = {0, 0};
            redir_status ps = redir_err_redirect_parse(&text, &host, &has_port, &port, &pd, e.message.ptr, e.message.len);
            FUZZ_CHECK(ps == st && ins.carrier == REDIR_CARRIER_ERR && ins.raw.ptr == e.message.ptr);
            FUZZ_CHECK(ps == REDIR_OK ? ins.host.ptr == host.ptr && ins.port == port
                                      : pd.offset == d.offset && ins.host.len == 0);
        }
    } else {
        redir_ok ok;
        if (redir_ok_decode(&ok, &d, data, size, caps) != REDIR_OK) {
            return 0;
        }
        fuzz_lib_enter();
        st = redir_redirect_from_ok(&ins, &d, &ok, login);
        fuzz_lib_leave();
        if (st == REDIR_OK || (redir_status_is_error(st) && ins.raw.len > 0)) {
            /* the carrier text parses the same way on its own */
            redir_grammar g = ins.carrier == REDIR_CARRIER_LOCATION ? REDIR_GRAMMAR_LOCATION
                                                                    : REDIR_GRAMMAR_CONNECTOR;
            redir_url u;
            redir_diag ud = {0, 0};
            redir_status us = redir_url_parse(&u, &ud, g, (const uint8_t *)ins.raw.ptr, ins.raw.len);
            FUZZ_CHECK(us == st || (us == REDIR_OK && st == REDIR_E_URL_HOST));
            FUZZ_CHECK(st == REDIR_OK || us != REDIR_OK || d.offset == 0);
            FUZZ_CHECK(st != REDIR_OK || (ins.host.ptr == u.hosts[0].host.ptr &&
                                          ins.port == u.hosts[0].port));
            FUZZ_CHECK(ins.carrier != REDIR_CARRIER_LOCATION || login);
        }
        if (!ok.has_session_state && !login) {
            FUZZ_CHECK(st == REDIR_NOT_FOUND);
        }
    }
    FUZZ_CHECK(redir_status_name(st) != NULL);
    if (st != REDIR_OK) {
        FUZZ_CHECK(st == REDIR_NOT_FOUND || redir_status_is_error(st));
        return 0;
    }
    FUZZ_CHECK(fuzz_span_inside(ins.raw, data, size) && fuzz_span_inside(ins.host, data, size));
    FUZZ_CHECK(ins.host.len > 0 && (ins.has_port || ins.port == REDIR_DEFAULT_PORT));
    redir_policy p;
    redir_policy_init(&p);
    FUZZ_CHECK(p.permit == REDIR_PERMIT_DEFAULT && p.max_hops == 1 && p.allow_err_carrier &&
               p.allow_location_carrier);
    p.permit = (redir_permit)(flags % 3);
    p.max_hops = 1u + (hops >> 6);
    p.allow_err_carrier = !(hops & 0x20);
    p.allow_location_carrier = !(hops & 0x20);
    redir_conn_state s;
    memset(&s, 0, sizeof s);
    s.tls_requested = flags & 0x01;
    s.tls_established = flags & 0x02;
    s.cert_verified = flags & 0x04;
    s.before_tls = flags & 0x08;
    s.login_phase = login;
    s.server_status = (uint16_t)((flags & 0x10 ? REDIR_STATUS_IN_TRANS : 0) |
                                 (hops & 0x80 ? REDIR_STATUS_MORE_RESULTS_EXISTS : 0));
    s.commands_in_flight = (flags & 0x20) ? 1 : 0;
    s.hops = hops & 3;
    if (hops & 0x40) {
        /* the target itself, as the server it came from */
        s.current_host = ins.host;
        s.current_port = ins.port;
    } else {
        s.current_host = redir_span_of("db1.example", 11);
        s.current_port = 3306;
    }
    redir_span visited[3];
    s.num_visited = make_visited(&ins, hops, visited);
    s.visited = s.num_visited > 0 ? visited : NULL;
    /* Which entries name the target, by the visited-entry rules of policy.h:
     * the written entries hold the host as it is in the packet, so a
     * session-track host with escapes (compared decoded) matches none. */
    bool enc = ins.carrier == REDIR_CARRIER_SESSION_TRACK &&
               memchr(ins.host.ptr, '%', ins.host.len) != NULL;
    size_t colons = 0;
    for (size_t i = 0; i < ins.host.len; i++) {
        colons += ins.host.ptr[i] == ':';
    }
    /* an entry that starts with '[' is split at its first ']' */
    bool bracket = ins.host.ptr[0] == '[' ||
                   (colons > 0 && memchr(ins.host.ptr, ']', ins.host.len) != NULL);
    bool loop_entry = s.num_visited > 0 && (hops & 0x04) && !enc && !bracket;
    bool bare_entry = s.num_visited > 0 && (hops & 0x08) && ins.port == REDIR_DEFAULT_PORT &&
                      !enc && colons != 1 && ins.host.ptr[0] != '[';
    redir_reason why = REDIR_REASON_COUNT_;
    fuzz_lib_enter();
    redir_decision dec = redir_policy_decide(&why, &p, &s, &ins);
    redir_decision dec2 = redir_policy_decide(NULL, &p, &s, &ins);
    fuzz_lib_leave();
    FUZZ_CHECK(dec == dec2);
    FUZZ_CHECK(redir_decision_name(dec) != NULL && redir_reason_name(why) != NULL &&
               redir_reason_message(why) != NULL);
    FUZZ_CHECK(dec == decision_of(why));
    FUZZ_CHECK(why == reference(&p, &s, &ins, loop_entry, bare_entry));
    FUZZ_CHECK(redir_policy_decide(&why, NULL, &s, &ins) == REDIR_DECISION_REFUSE &&
               why == REDIR_REASON_INVALID_TARGET);
    if (dec == REDIR_DECISION_FOLLOW) {
        check_cache(&ins, (uint64_t)flags << 40 | hops);
    }
    return 0;
}
