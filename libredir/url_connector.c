/*
 * The connector grammar (RFC 3986 syntax restricted to what the MariaDB
 * connectors follow): {mysql,mariadb}://[user[:password]@]host[:port]
 * [/[database][?key=value[&key=value...]]].
 */
#include <string.h>

#include "reader.h"
#include "url_internal.h"

static bool is_user_char(uint8_t c) { return redir__is_unreserved(c) || redir__is_sub_delim(c); }

static bool is_password_char(uint8_t c) { return is_user_char(c) || c == ':'; }

static redir_status parse_userinfo(redir_url *out, const uint8_t *s, size_t from, size_t at,
                                   redir_diag *diag) {
    size_t colon = redir__find_byte(s, from, at, ':');
    if (colon == from) {
        return rd_fail(diag, REDIR_E_URL_USERINFO, from, 0);
    }
    redir_status st =
        redir__scan_component(s, from, colon, is_user_char, REDIR_E_URL_USERINFO, diag);
    if (st != REDIR_OK) {
        return st;
    }
    out->has_user = true;
    out->user = redir_span_of(s + from, colon - from);
    if (colon < at) {
        st = redir__scan_component(s, colon + 1, at, is_password_char, REDIR_E_URL_USERINFO,
                                   diag);
        if (st != REDIR_OK) {
            return st;
        }
        out->has_password = true;
        out->password = redir_span_of(s + colon + 1, at - colon - 1);
    }
    return REDIR_OK;
}

static redir_status parse_host_port(redir_url_host *h, const uint8_t *s, size_t from, size_t to,
                                    redir_diag *diag) {
    if (from == to) {
        return rd_fail(diag, REDIR_E_URL_HOST, from, 0);
    }
    size_t port_colon;
    if (s[from] == '[') {
        size_t close = redir__find_byte(s, from + 1, to, ']');
        if (close == to) {
            /* Check the inside as if ']' ended the authority, to name the
             * first byte that cannot belong to the literal. */
            redir_status st = redir__parse_ip_literal(s, from, to + 1, diag);
            return st != REDIR_OK ? st : rd_fail(diag, REDIR_E_URL_IPV6, to, 0);
        }
        redir_status st = redir__parse_ip_literal(s, from, close + 1, diag);
        if (st != REDIR_OK) {
            return st;
        }
        h->host = redir_span_of(s + from + 1, close - from - 1);
        h->bracketed = true;
        if (close + 1 < to && s[close + 1] != ':') {
            return rd_fail(diag, REDIR_E_URL_CHAR, close + 1, 0);
        }
        port_colon = close + 1;
    } else {
        port_colon = redir__find_byte(s, from, to, ':');
        redir_status st = redir__parse_reg_name_host(s, from, port_colon, false, diag);
        if (st != REDIR_OK) {
            return st;
        }
        h->host = redir_span_of(s + from, port_colon - from);
    }
    h->port = REDIR_DEFAULT_PORT;
    if (port_colon < to) {
        uint16_t port;
        redir_status st = redir__parse_port(s, port_colon + 1, to, &port, diag);
        if (st != REDIR_OK) {
            return st;
        }
        h->has_port = true;
        h->port = port;
    }
    return REDIR_OK;
}

redir_status redir__url_parse_connector(redir_url *out, redir_diag *diag, const uint8_t *s,
                                        size_t len) {
    size_t pos;
    if (redir__has_prefix(s, len, 0, "mysql://")) {
        out->scheme = redir_span_of(s, 5);
        pos = 8;
    } else if (redir__has_prefix(s, len, 0, "mariadb://")) {
        out->scheme = redir_span_of(s, 7);
        pos = 10;
    } else {
        size_t a = redir__common_prefix(s, len, 0, "mysql://");
        size_t b = redir__common_prefix(s, len, 0, "mariadb://");
        return rd_fail(diag, REDIR_E_URL_SCHEME, a > b ? a : b, 0);
    }
    if (pos == len) {
        return rd_fail(diag, REDIR_E_URL_EMPTY, pos, 0);
    }
    size_t auth_end = redir__find_byte(s, pos, len, '/');
    size_t at = redir__find_byte(s, pos, auth_end, '@');
    size_t host_from = pos;
    if (at < auth_end) {
        redir_status st = parse_userinfo(out, s, pos, at, diag);
        if (st != REDIR_OK) {
            return st;
        }
        host_from = at + 1;
    }
    out->num_hosts = 1;
    redir_status st = parse_host_port(&out->hosts[0], s, host_from, auth_end, diag);
    if (st != REDIR_OK) {
        return st;
    }
    return redir__parse_tail(out, s, len, auth_end, false, diag);
}
