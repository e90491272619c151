/*
 * The connector grammar (RFC 3986 syntax restricted to what the MariaDB
 * connectors follow): {mysql,mariadb}://[user[:password]@]host[:port]
 * [/[database][?key=value[&key=value...]]].
 */
#include <string.h>

#include "reader.h"
#include "url_grammars.h"

static redir_status parse_userinfo(redir_url *out, const uint8_t *s, size_t from, size_t at,
                                   redir_diag *diag) {
    size_t colon = redir__find_byte(s, from, at, ':');
    if (colon == from) {
        return rd_fail(diag, REDIR_E_URL_USERINFO, from, 0);
    }
    redir_status st =
        redir__scan_component(s, from, colon, REDIR__C_USER, REDIR_E_URL_USERINFO, diag);
    if (st != REDIR_OK) {
        return st;
    }
    out->has_user = true;
    out->user = redir_span_of(s + from, colon - from);
    if (colon < at) {
        st = redir__scan_component(s, colon + 1, at, REDIR__C_PASSWORD, REDIR_E_URL_USERINFO,
                                   diag);
        if (st != REDIR_OK) {
            return st;
        }
        out->has_password = true;
        out->password = redir_span_of(s + colon + 1, at - colon - 1);
    }
    return REDIR_OK;
}

redir_status redir__url_parse_connector(redir_url *out, redir_diag *diag, const uint8_t *s,
                                        size_t len) {
    size_t pos = 0;
    redir_status sst = redir__parse_scheme(out, s, len, &pos, diag);
    if (sst != REDIR_OK) {
        return sst;
    }
    /* The common form, host[:port] with a plain reg-name host, in one pass;
     * anything else (userinfo, an IP literal, escapes, errors) takes the
     * general path below, which reaches the same result for this form. */
    size_t i = pos;
    while (i < len && (redir__url_class[s[i]] & REDIR__C_USER) != 0) {
        i++;
    }
    if (i > pos && (i == len || s[i] == ':' || s[i] == '/')) {
        size_t host_end = i;
        uint32_t port = REDIR_DEFAULT_PORT;
        bool has_port = false;
        bool plain = true;
        if (i < len && s[i] == ':') {
            size_t d = ++i;
            port = 0;
            while (i < len && redir__is_digit(s[i]) && i - d < 5) {
                port = port * 10 + (uint32_t)(s[i] - '0');
                i++;
            }
            has_port = true;
            plain = i > d && port <= 65535 && (i == len || s[i] == '/');
        }
        if (plain) {
            redir_url_host *h = &out->hosts[0];
            out->num_hosts = 1;
            h->host = redir_span_of(s + pos, host_end - pos);
            h->has_port = has_port;
            h->port = (uint16_t)port;
            return redir__parse_tail(out, s, len, i, false, diag);
        }
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
    redir_status st = redir__parse_host_port(&out->hosts[0], s, host_from, auth_end, false, diag);
    if (st != REDIR_OK) {
        return st;
    }
    return redir__parse_tail(out, s, len, auth_end, false, diag);
}
