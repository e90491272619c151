#include <string.h>

#include "redir/policy.h"
#include "util.h"

/* JSON keys: the enum names in lower case with '-' for '_'. A unit test
 * derives each from the X-macro list to keep the two in step. */
static const char *const REASON_NAMES[REDIR_REASON_COUNT_] = {
    [REDIR_REASON_FOLLOW_OK] = "follow-ok",
    [REDIR_REASON_DISABLED] = "disabled",
    [REDIR_REASON_NOT_PERMITTED_WITHOUT_TLS] = "not-permitted-without-tls",
    [REDIR_REASON_NOT_PERMITTED_UNVERIFIED] = "not-permitted-unverified",
    [REDIR_REASON_BEFORE_TLS] = "before-tls",
    [REDIR_REASON_TLS_DOWNGRADE] = "tls-downgrade",
    [REDIR_REASON_IN_TRANSACTION] = "in-transaction",
    [REDIR_REASON_COMMANDS_IN_FLIGHT] = "commands-in-flight",
    [REDIR_REASON_MORE_RESULTS] = "more-results",
    [REDIR_REASON_SAME_SERVER] = "same-server",
    [REDIR_REASON_HOP_LIMIT] = "hop-limit",
    [REDIR_REASON_INVALID_TARGET] = "invalid-target",
    [REDIR_REASON_CARRIER_NOT_ALLOWED] = "carrier-not-allowed",
    [REDIR_REASON_LOOP] = "loop",
};

static const char *const REASON_MESSAGES[REDIR_REASON_COUNT_] = {
#define REDIR_REASON_MSG_(name, msg) [REDIR_REASON_##name] = msg,
    REDIR_REASON_LIST(REDIR_REASON_MSG_)
#undef REDIR_REASON_MSG_
};

const char *redir_reason_name(redir_reason r) {
    if ((unsigned)r >= (unsigned)REDIR_REASON_COUNT_) {
        return NULL;
    }
    return REASON_NAMES[r];
}

const char *redir_reason_message(redir_reason r) {
    if ((unsigned)r >= (unsigned)REDIR_REASON_COUNT_) {
        return NULL;
    }
    return REASON_MESSAGES[r];
}

const char *redir_decision_name(redir_decision d) {
    switch (d) {
    case REDIR_DECISION_FOLLOW:
        return "follow";
    case REDIR_DECISION_DEFER:
        return "defer";
    case REDIR_DECISION_REFUSE:
        return "refuse";
    }
    return NULL;
}

void redir_policy_init(redir_policy *p) {
    p->permit = REDIR_PERMIT_DEFAULT;
    p->max_hops = 1;
    p->allow_err_carrier = true;
    p->allow_location_carrier = true;
}

/* A DNS name names the same host with or without the trailing dot of its
 * fully qualified form; an encoded host may write that dot as "%2E". */
static redir_span without_root_dot(redir_span h, bool encoded) {
    if (h.len > 1 && h.ptr[h.len - 1] == '.') {
        h.len--;
    } else if (encoded && h.len > 3 && h.ptr[h.len - 3] == '%' && h.ptr[h.len - 2] == '2' &&
               redir__ascii_lower(h.ptr[h.len - 1]) == 'e') {
        h.len -= 3;
    }
    return h;
}

/* Compares host names without regard to ASCII case or a trailing dot. When
 * a_encoded, a is a URL host whose %XX escapes are decoded first (a
 * malformed escape stands for itself), so "db%2Dtwo" names the same server
 * as "DB-two". */
static bool host_equal(redir_span a, bool a_encoded, redir_span b) {
    a = without_root_dot(a, a_encoded);
    b = without_root_dot(b, false);
    size_t i = 0;
    size_t j = 0;
    while (i < a.len && j < b.len) {
        uint8_t c = a.ptr[i];
        size_t step = 1;
        if (a_encoded && c == '%' && a.len - i >= 3) {
            int hi = redir__hexval(a.ptr[i + 1]);
            int lo = redir__hexval(a.ptr[i + 2]);
            if (hi >= 0 && lo >= 0) {
                c = (uint8_t)(hi * 16 + lo);
                step = 3;
            }
        }
        if (redir__ascii_lower(c) != redir__ascii_lower(b.ptr[j])) {
            return false;
        }
        i += step;
        j++;
    }
    return i == a.len && j == b.len;
}

/* The caller may write the current host as an IPv6 literal in brackets, the
 * form of a visited entry, while instruction hosts come without them; a host
 * written exactly like the target is the target, brackets or not. */
static bool is_current_host(redir_span target, bool encoded, redir_span current) {
    if (host_equal(target, encoded, current)) {
        return true;
    }
    return current.len >= 2 && current.ptr[0] == '[' && current.ptr[current.len - 1] == ']' &&
           host_equal(target, encoded, redir_span_of(current.ptr + 1, current.len - 2));
}

/* Splits a visited entry into host and port: "[v6]:port", "[v6]",
 * "host:port", "host", and an unbracketed name with several ':' (an IPv6
 * literal) is all host. A missing port is the default one. */
static bool split_visited(redir_span e, redir_span *host, uint16_t *port) {
    if (e.len == 0) {
        return false;
    }
    const uint8_t *p = e.ptr;
    size_t n = e.len;
    size_t host_start = 0;
    size_t host_end = n;
    bool has_port = false;
    size_t port_start = n;
    if (n > 0 && p[0] == '[') {
        const uint8_t *close = memchr(p, ']', n);
        if (close == NULL) {
            return false;
        }
        host_start = 1;
        host_end = (size_t)(close - p);
        if (host_end + 1 < n) {
            if (p[host_end + 1] != ':') {
                return false;
            }
            has_port = true;
            port_start = host_end + 2;
        }
    } else {
        size_t colons = 0;
        size_t last = 0;
        for (size_t i = 0; i < n; i++) {
            if (p[i] == ':') {
                colons++;
                last = i;
            }
        }
        if (colons == 1) {
            host_end = last;
            has_port = true;
            port_start = last + 1;
        }
    }
    uint32_t value = REDIR_DEFAULT_PORT;
    if (has_port) {
        if (port_start == n) {
            return false;
        }
        uint16_t digits = 0;
        size_t end = port_start;
        if (redir__scan_port(p, port_start, n, &digits, &end) != REDIR_OK || end != n) {
            return false;
        }
        value = digits;
    }
    *host = redir_span_of(p + host_start, host_end - host_start);
    *port = (uint16_t)value;
    return true;
}

static bool target_visited(const redir_conn_state *s, const redir_instruction *ins,
                           bool encoded) {
    if (s->visited == NULL) {
        return false;
    }
    for (size_t i = 0; i < s->num_visited; i++) {
        redir_span host;
        uint16_t port;
        if (split_visited(s->visited[i], &host, &port) && port == ins->port &&
            host_equal(ins->host, encoded, host)) {
            return true;
        }
    }
    return false;
}

static redir_decision decide(redir_reason *out_reason, redir_decision d, redir_reason r) {
    if (out_reason != NULL) {
        *out_reason = r;
    }
    return d;
}

redir_decision redir_policy_decide(redir_reason *out_reason, const redir_policy *p,
                                   const redir_conn_state *s, const redir_instruction *ins) {
    const redir_decision refuse = REDIR_DECISION_REFUSE;
    if (p == NULL || s == NULL || ins == NULL) {
        return decide(out_reason, refuse, REDIR_REASON_INVALID_TARGET);
    }
    if (p->permit != REDIR_PERMIT_DEFAULT && p->permit != REDIR_PERMIT_ALWAYS) {
        return decide(out_reason, refuse, REDIR_REASON_DISABLED);
    }
    if (ins->host.len == 0 || ins->port == 0) {
        return decide(out_reason, refuse, REDIR_REASON_INVALID_TARGET);
    }
    bool carrier_ok;
    switch (ins->carrier) {
    case REDIR_CARRIER_SESSION_TRACK:
        carrier_ok = true;
        break;
    case REDIR_CARRIER_ERR:
        carrier_ok = p->allow_err_carrier && s->login_phase;
        break;
    case REDIR_CARRIER_LOCATION:
        carrier_ok = p->allow_location_carrier && s->login_phase;
        break;
    default:
        carrier_ok = false;
        break;
    }
    if (!carrier_ok) {
        return decide(out_reason, refuse, REDIR_REASON_CARRIER_NOT_ALLOWED);
    }
    if (s->before_tls) {
        return decide(out_reason, refuse, REDIR_REASON_BEFORE_TLS);
    }
    if (s->tls_requested && !s->tls_established) {
        return decide(out_reason, refuse, REDIR_REASON_TLS_DOWNGRADE);
    }
    if (p->permit == REDIR_PERMIT_DEFAULT && !s->tls_established) {
        return decide(out_reason, refuse, REDIR_REASON_NOT_PERMITTED_WITHOUT_TLS);
    }
    if (p->permit == REDIR_PERMIT_DEFAULT && !s->cert_verified) {
        return decide(out_reason, refuse, REDIR_REASON_NOT_PERMITTED_UNVERIFIED);
    }
    bool encoded = ins->carrier == REDIR_CARRIER_SESSION_TRACK;
    if (ins->port == s->current_port && is_current_host(ins->host, encoded, s->current_host)) {
        return decide(out_reason, refuse, REDIR_REASON_SAME_SERVER);
    }
    if (target_visited(s, ins, encoded)) {
        return decide(out_reason, refuse, REDIR_REASON_LOOP);
    }
    if (s->hops >= p->max_hops) {
        return decide(out_reason, refuse, REDIR_REASON_HOP_LIMIT);
    }
    if ((s->server_status & REDIR_STATUS_IN_TRANS) != 0) {
        return decide(out_reason, REDIR_DECISION_DEFER, REDIR_REASON_IN_TRANSACTION);
    }
    if ((s->server_status & REDIR_STATUS_MORE_RESULTS_EXISTS) != 0) {
        return decide(out_reason, REDIR_DECISION_DEFER, REDIR_REASON_MORE_RESULTS);
    }
    if (s->commands_in_flight > 0) {
        return decide(out_reason, REDIR_DECISION_DEFER, REDIR_REASON_COMMANDS_IN_FLIGHT);
    }
    return decide(out_reason, REDIR_DECISION_FOLLOW, REDIR_REASON_FOLLOW_OK);
}
