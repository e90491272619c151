/*
 * The location grammar: the "Location: mysql://..." line of Azure Database
 * for MySQL Single Server and of the unmerged community patches.
 *
 *   community: Location: mysql://[HOST]:PORT/?user=USER[&ttl=TTL][\n]
 *   azure:     Location: mysql://HOST:PORT/user=USER[&ttl=TTL][\n]
 *
 * The rule is the union of what mysqlnd_azure and MySqlConnector accepted,
 * minus what any of them would read differently: the port is decimal without
 * leading zeros (mysqlnd_azure parses with strtol base 0, so "03306" would be
 * octal there) in 1..65535, host and user are at most 128 bytes (mysqlnd_azure's
 * buffers). Whatever follows the newline is not part of the line.
 */
#include "reader.h"
#include "url_grammars.h"

#define LOCATION_PREFIX "Location: mysql://"
#define LOCATION_MAX_FIELD 128

static bool is_host_byte(uint8_t c, bool bracketed) {
    if (c <= 0x20 || c >= 0x7F) {
        return false;
    }
    switch (c) {
    case '/':
    case '?':
    case '&':
    case '@':
    case '[':
    case ']':
        return false;
    case ':':
        return bracketed;
    default:
        return true;
    }
}

static redir_status check_host(const uint8_t *s, size_t from, size_t to, bool bracketed,
                               redir_diag *diag) {
    if (from == to) {
        return rd_fail(diag, REDIR_E_URL_HOST, from, 0);
    }
    for (size_t i = from; i < to; i++) {
        if (!is_host_byte(s[i], bracketed)) {
            return rd_fail(diag, REDIR_E_URL_CHAR, i, 0);
        }
    }
    if (to - from > LOCATION_MAX_FIELD) {
        return rd_fail(diag, REDIR_E_URL_HOST, from + LOCATION_MAX_FIELD, 0);
    }
    return REDIR_OK;
}

/* The port runs up to the '/' that must follow it. */
static redir_status parse_port(const uint8_t *s, size_t len, size_t from, uint16_t *out,
                               size_t *end, redir_diag *diag) {
    if (from >= len || !redir__is_digit(s[from]) || s[from] == '0') {
        return rd_fail(diag, REDIR_E_URL_PORT, from, 0);
    }
    size_t i = from;
    redir_status st = redir__scan_port(s, from, len, out, &i);
    if (st != REDIR_OK) {
        return rd_fail(diag, st, i, 0);
    }
    if (i == len) {
        return rd_fail(diag, REDIR_E_LOCATION_FIELD, i, 0);
    }
    if (s[i] != '/') {
        return rd_fail(diag, REDIR_E_URL_PORT, i, 0);
    }
    *end = i;
    return REDIR_OK;
}

static redir_status expect(const uint8_t *s, size_t len, size_t pos, const char *lit,
                           redir_diag *diag) {
    if (!redir__has_prefix(s, len, pos, lit)) {
        return rd_fail(diag, REDIR_E_LOCATION_FIELD, pos + redir__common_prefix(s, len, pos, lit),
                       0);
    }
    return REDIR_OK;
}

redir_status redir__url_parse_location(redir_url *out, redir_diag *diag, const uint8_t *s,
                                       size_t len) {
    const size_t plen = sizeof LOCATION_PREFIX - 1;
    if (!redir__has_prefix(s, len, 0, LOCATION_PREFIX)) {
        return rd_fail(diag, REDIR_E_LOCATION_PREFIX,
                       redir__common_prefix(s, len, 0, LOCATION_PREFIX), 0);
    }
    out->scheme = redir_span_of(s + 10, 5);
    size_t pos = plen;
    if (pos == len) {
        return rd_fail(diag, REDIR_E_LOCATION_FIELD, pos, 0);
    }
    redir_url_host *h = &out->hosts[0];
    bool community = s[pos] == '[';
    size_t port_from;
    redir_status st;
    if (community) {
        size_t close = redir__find_byte(s, pos + 1, len, ']');
        if (close == len) {
            return rd_fail(diag, REDIR_E_LOCATION_FIELD, len, 0);
        }
        st = check_host(s, pos + 1, close, true, diag);
        if (st != REDIR_OK) {
            return st;
        }
        st = expect(s, len, close + 1, ":", diag);
        if (st != REDIR_OK) {
            return st;
        }
        h->host = redir_span_of(s + pos + 1, close - pos - 1);
        h->bracketed = true;
        port_from = close + 2;
    } else {
        size_t colon = redir__find_byte(s, pos, len, ':');
        if (colon == len) {
            return rd_fail(diag, REDIR_E_LOCATION_FIELD, len, 0);
        }
        st = check_host(s, pos, colon, false, diag);
        if (st != REDIR_OK) {
            return st;
        }
        h->host = redir_span_of(s + pos, colon - pos);
        port_from = colon + 1;
    }
    size_t port_end;
    st = parse_port(s, len, port_from, &h->port, &port_end, diag);
    if (st != REDIR_OK) {
        return st;
    }
    h->has_port = true;
    out->num_hosts = 1;
    const char *user_lit = community ? "/?user=" : "/user=";
    st = expect(s, len, port_end, user_lit, diag);
    if (st != REDIR_OK) {
        return st;
    }
    size_t user_from = port_end + strlen(user_lit);
    size_t user_end = user_from;
    while (user_end < len && s[user_end] != '&' && s[user_end] != '\n') {
        if (s[user_end] < 0x20 || s[user_end] == 0x7F) {
            return rd_fail(diag, REDIR_E_URL_CHAR, user_end, 0);
        }
        user_end++;
    }
    if (user_end == user_from) {
        return rd_fail(diag, REDIR_E_LOCATION_FIELD, user_from, 0);
    }
    if (user_end - user_from > LOCATION_MAX_FIELD) {
        return rd_fail(diag, REDIR_E_URL_USERINFO, user_from + LOCATION_MAX_FIELD, 0);
    }
    out->has_user = true;
    out->user = redir_span_of(s + user_from, user_end - user_from);
    size_t p = user_end;
    if (p < len && s[p] == '&') {
        st = expect(s, len, p + 1, "ttl=", diag);
        if (st != REDIR_OK) {
            return st;
        }
        size_t ttl_from = p + 5;
        size_t ttl_end = redir__find_byte(s, ttl_from, len, '\n');
        if (!redir__parse_decimal_u64(s, ttl_from, ttl_end, &out->ttl)) {
            return rd_fail(diag, REDIR_E_URL_TTL, ttl_from, 0);
        }
        out->has_ttl = true;
        p = ttl_end;
    }
    /* p is at the end or at '\n'; the rest of the info is another line */
    out->location_newline = p < len;
    out->location_azure = !community;
    return REDIR_OK;
}
