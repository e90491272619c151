/*
 * The multi grammar: the host-list URL of MariaDB Connector/J 2.x
 * (UrlParser, HostAddress.parse), without its "jdbc:" prefix (accepted when
 * present) and stricter than that parser: every part is validated.
 *
 *   {mysql,mariadb}:[replication:|loadbalance:|sequential:]//desc[,desc...][/[db]][?options]
 *   desc = host[:port] | address=(host=H)[(port=P)][(type=master|slave)]
 */
#include <string.h>

#include "reader.h"
#include "url_grammars.h"

static bool equals_nocase(const uint8_t *s, size_t from, size_t to, const char *lit) {
    size_t n = strlen(lit);
    if (to - from != n) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        uint8_t c = s[from + i];
        if (c >= 'A' && c <= 'Z') {
            c = (uint8_t)(c - 'A' + 'a');
        }
        if (c != (uint8_t)lit[i]) {
            return false;
        }
    }
    return true;
}

/* The host of address=(host=...): [IPv6], a bare IPv6 literal (the
 * parentheses already delimit it) or a registered name. */
static redir_status parse_address_host(redir_url_host *h, const uint8_t *s, size_t from,
                                       size_t to, redir_diag *diag) {
    if (from == to) {
        return rd_fail(diag, REDIR_E_URL_HOST, from, 0);
    }
    if (s[from] == '[') {
        if (to - from < 2 || s[to - 1] != ']') {
            size_t close = redir__find_byte(s, from + 1, to, ']');
            if (close < to) {
                return rd_fail(diag, REDIR_E_URL_IPV6, close + 1, 0);
            }
            redir_status st = redir__parse_ip_literal(s, from, to + 1, diag);
            return st != REDIR_OK ? st : rd_fail(diag, REDIR_E_URL_IPV6, to, 0);
        }
        redir_status st = redir__parse_ip_literal(s, from, to, diag);
        if (st != REDIR_OK) {
            return st;
        }
        h->host = redir_span_of(s + from + 1, to - from - 2);
        h->bracketed = true;
        return REDIR_OK;
    }
    if (redir__find_byte(s, from, to, ':') < to) {
        uint16_t pieces[8];
        size_t err;
        if (!redir__ipv6_parse(s, from, to, pieces, &err)) {
            return rd_fail(diag, REDIR_E_URL_IPV6, err, 0);
        }
        h->host = redir_span_of(s + from, to - from);
        h->bracketed = true;
        return REDIR_OK;
    }
    redir_status st = redir__parse_reg_name_host(s, from, to, true, diag);
    if (st == REDIR_OK) {
        h->host = redir_span_of(s + from, to - from);
    }
    return st;
}

static redir_status parse_address(redir_url_host *h, const uint8_t *s, size_t from, size_t to,
                                  redir_diag *diag) {
    bool seen_host = false;
    bool seen_port = false;
    bool seen_type = false;
    size_t p = from;
    if (p == to) {
        return rd_fail(diag, REDIR_E_URL_ADDRESS, p, 0);
    }
    h->port = REDIR_DEFAULT_PORT;
    while (p < to) {
        if (s[p] != '(') {
            return rd_fail(diag, REDIR_E_URL_ADDRESS, p, 0);
        }
        size_t close = redir__find_byte(s, p + 1, to, ')');
        if (close == to) {
            return rd_fail(diag, REDIR_E_URL_ADDRESS, to, 0);
        }
        size_t key = p + 1;
        size_t eq = redir__find_byte(s, key, close, '=');
        if (eq == close) {
            return rd_fail(diag, REDIR_E_URL_ADDRESS, eq, 0);
        }
        size_t val = eq + 1;
        redir_status st;
        if (equals_nocase(s, key, eq, "host") && !seen_host) {
            seen_host = true;
            st = parse_address_host(h, s, val, close, diag);
        } else if (equals_nocase(s, key, eq, "port") && !seen_port) {
            seen_port = true;
            uint16_t port = 0;
            st = redir__parse_port(s, val, close, &port, diag);
            h->has_port = true;
            h->port = port;
        } else if (equals_nocase(s, key, eq, "type") && !seen_type) {
            seen_type = true;
            if (!equals_nocase(s, val, close, "master") && !equals_nocase(s, val, close, "slave")) {
                return rd_fail(diag, REDIR_E_URL_ADDRESS, val, 0);
            }
            h->type = redir_span_of(s + val, close - val);
            st = REDIR_OK;
        } else {
            /* unknown or repeated key */
            return rd_fail(diag, REDIR_E_URL_ADDRESS, key, 0);
        }
        if (st != REDIR_OK) {
            return st;
        }
        p = close + 1;
    }
    if (!seen_host) {
        return rd_fail(diag, REDIR_E_URL_ADDRESS, to, 0);
    }
    return REDIR_OK;
}

static const char *const modes[] = {"replication", "loadbalance", "sequential"};

redir_status redir__url_parse_multi(redir_url *out, redir_diag *diag, const uint8_t *s,
                                    size_t len) {
    size_t pos = redir__has_prefix(s, len, 0, "jdbc:") ? 5 : 0;
    if (redir__has_prefix(s, len, pos, "mysql:")) {
        out->scheme = redir_span_of(s + pos, 5);
        pos += 6;
    } else if (redir__has_prefix(s, len, pos, "mariadb:")) {
        out->scheme = redir_span_of(s + pos, 7);
        pos += 8;
    } else {
        size_t a = redir__common_prefix(s, len, pos, "mysql:");
        size_t b = redir__common_prefix(s, len, pos, "mariadb:");
        return rd_fail(diag, REDIR_E_URL_SCHEME, pos + (a > b ? a : b), 0);
    }
    if (pos < len && s[pos] != '/') {
        size_t colon = redir__find_byte(s, pos, len, ':');
        bool known = false;
        for (size_t i = 0; i < sizeof modes / sizeof modes[0] && colon < len; i++) {
            known = known || equals_nocase(s, pos, colon, modes[i]);
        }
        if (!known) {
            return rd_fail(diag, REDIR_E_URL_SCHEME, pos, 0);
        }
        out->mode = redir_span_of(s + pos, colon - pos);
        pos = colon + 1;
    }
    if (!redir__has_prefix(s, len, pos, "//")) {
        return rd_fail(diag, REDIR_E_URL_SCHEME, pos + redir__common_prefix(s, len, pos, "//"),
                       0);
    }
    pos += 2;
    if (pos == len) {
        return rd_fail(diag, REDIR_E_URL_EMPTY, pos, 0);
    }
    size_t hosts_end = pos;
    while (hosts_end < len && s[hosts_end] != '/' && s[hosts_end] != '?') {
        hosts_end++;
    }
    size_t a = pos;
    for (;;) {
        size_t b = redir__find_byte(s, a, hosts_end, ',');
        if (out->num_hosts == REDIR_URL_MAX_HOSTS) {
            return rd_fail(diag, REDIR_E_URL_TOO_MANY_HOSTS, a, 0);
        }
        if (a == b) {
            return rd_fail(diag, REDIR_E_URL_HOST, a, 0);
        }
        redir_url_host *h = &out->hosts[out->num_hosts];
        memset(h, 0, sizeof *h);
        redir_status st = redir__has_prefix(s, b, a, "address=")
                              ? parse_address(h, s, a + 8, b, diag)
                              : redir__parse_host_port(h, s, a, b, true, diag);
        if (st != REDIR_OK) {
            return st;
        }
        out->num_hosts++;
        if (b == hosts_end) {
            break;
        }
        a = b + 1;
    }
    return redir__parse_tail(out, s, len, hosts_end, true, diag);
}
