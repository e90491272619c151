#include <string.h>

#include "reader.h"
#include "redir/packets.h"
#include "redir/redirect.h"
#include "redir/url.h"
#include "util.h"

static const char REDIRECT_URL_NAME[] = "redirect_url";
static const char LOCATION_PREFIX[] = "Location:";

const char *redir_carrier_name(redir_carrier c) {
    switch (c) {
    case REDIR_CARRIER_SESSION_TRACK:
        return "session-track";
    case REDIR_CARRIER_ERR:
        return "err";
    case REDIR_CARRIER_LOCATION:
        return "location";
    }
    return NULL;
}

static bool span_equals(redir_span s, const char *lit, size_t lit_len) {
    return s.len == lit_len && (lit_len == 0 || memcmp(s.ptr, lit, lit_len) == 0);
}

static bool span_starts_with(redir_span s, const char *lit, size_t lit_len) {
    return s.len >= lit_len && memcmp(s.ptr, lit, lit_len) == 0;
}

/* Every field but carrier and raw is zero until a carrier parses: the port
 * included, so a failed extraction never names a usable target. */
static void instruction_reset(redir_instruction *out, redir_carrier carrier, redir_span raw) {
    /* Field by field: a memset of the whole struct compiles to "rep stos",
     * which costs more than the rest of an extraction. */
    static const redir_span none = {NULL, 0};
    out->carrier = carrier;
    out->raw = raw;
    out->text = none;
    out->scheme = none;
    out->host = none;
    out->port = 0;
    out->has_port = false;
    out->has_user = false;
    out->user = none;
    out->has_password = false;
    out->password = none;
    out->has_database = false;
    out->database = none;
    out->has_ttl = false;
    out->ttl = 0;
}

/* Remembers a non-empty redirect_url value; a later one replaces an earlier
 * one, and an empty one cancels nothing. */
static void consider_pair(redir_span name, redir_span value, redir_span *found, bool *have) {
    if (value.len > 0 && span_equals(name, REDIRECT_URL_NAME, sizeof REDIRECT_URL_NAME - 1)) {
        *found = value;
        *have = true;
    }
}

static redir_status scan_session_state(redir_span block, redir_span *found, bool *have,
                                       redir_diag *diag) {
    redir_session_iter it;
    redir_session_iter_init(&it, block);
    for (;;) {
        redir_session_entry e;
        redir_status st = redir_session_next(&it, &e, diag);
        if (st == REDIR_DONE) {
            return REDIR_OK;
        }
        if (st != REDIR_OK) {
            return st;
        }
        if (e.type != REDIR_TRACK_SYSTEM_VARIABLES) {
            continue;
        }
        consider_pair(e.name, e.value, found, have);
        redir_span rest = e.more_pairs;
        while (rest.len > 0) {
            /* The pair walker reports offsets within rest; translate them to
             * the block so every session-state error shares one origin. */
            size_t base = (size_t)(rest.ptr - block.ptr);
            redir_span name;
            redir_span value;
            redir_diag inner = {0, 0};
            st = redir_sysvar_next(&rest, &name, &value, &inner);
            if (st == REDIR_DONE) {
                break;
            }
            if (st != REDIR_OK) {
                return rd_fail(diag, st, base + inner.offset, inner.needed);
            }
            consider_pair(name, value, found, have);
        }
    }
}

static void fill_from_url(redir_instruction *out, const redir_url *u) {
    const redir_url_host *h = &u->hosts[0];
    out->scheme = u->scheme;
    out->host = h->host;
    out->has_port = h->has_port;
    out->port = h->has_port ? h->port : (uint16_t)REDIR_DEFAULT_PORT;
    out->has_user = u->has_user;
    out->user = u->user;
    out->has_password = u->has_password;
    out->password = u->password;
    out->has_database = u->has_path && u->database.len > 0;
    out->database = out->has_database ? u->database : redir_span_of(NULL, 0);
    out->has_ttl = u->has_ttl;
    out->ttl = u->ttl;
}

/* Parses text under grammar g into out; on failure out keeps only carrier and
 * raw so the caller can show the text the diag offset refers to. */
static redir_status parse_url_carrier(redir_instruction *out, redir_diag *diag,
                                      redir_carrier carrier, redir_grammar g, redir_span text) {
    redir_url u;
    instruction_reset(out, carrier, text);
    redir_status st = redir_url_parse(&u, diag, g, (const uint8_t *)text.ptr, text.len);
    if (st != REDIR_OK) {
        return st;
    }
    if (u.num_hosts == 0 || u.hosts[0].host.len == 0) {
        return rd_fail(diag, REDIR_E_URL_HOST, 0, 0);
    }
    fill_from_url(out, &u);
    return REDIR_OK;
}

redir_status redir_redirect_from_ok(redir_instruction *out, redir_diag *diag, const redir_ok *ok,
                                    bool login_ok) {
    instruction_reset(out, REDIR_CARRIER_SESSION_TRACK, redir_span_of(NULL, 0));
    redir_span url = {NULL, 0};
    bool have_url = false;
    if (ok->has_session_state) {
        redir_status st = scan_session_state(ok->session_state, &url, &have_url, diag);
        if (st != REDIR_OK) {
            return st;
        }
    }
    if (have_url) {
        return parse_url_carrier(out, diag, REDIR_CARRIER_SESSION_TRACK, REDIR_GRAMMAR_CONNECTOR,
                                 url);
    }
    if (login_ok && ok->info_form != REDIR_INFO_ABSENT &&
        span_starts_with(ok->info, LOCATION_PREFIX, sizeof LOCATION_PREFIX - 1)) {
        return parse_url_carrier(out, diag, REDIR_CARRIER_LOCATION, REDIR_GRAMMAR_LOCATION,
                                 ok->info);
    }
    return REDIR_NOT_FOUND;
}

redir_status redir_err_redirect_parse(redir_span *text, redir_span *host, bool *has_port,
                                      uint16_t *port, redir_diag *diag, const uint8_t *in,
                                      size_t in_len) {
    redir_span message = redir_span_of(in, in_len);
    *text = redir_span_of(NULL, 0);
    *host = redir_span_of(NULL, 0);
    *has_port = false;
    *port = REDIR_DEFAULT_PORT;
    const uint8_t *m = message.ptr;
    size_t n = message.len;
    if (n == 0 || m[0] != '|') {
        return rd_fail(diag, REDIR_E_ERR_REDIRECT_FORMAT, 0, 0);
    }
    size_t bar = 1;
    while (bar < n && m[bar] != '|') {
        bar++;
    }
    if (bar == n) {
        return rd_fail(diag, REDIR_E_ERR_REDIRECT_FORMAT, n, 0);
    }
    size_t host_start = bar + 1;
    size_t i = host_start;
    while (i < n && m[i] != ':') {
        /* A NUL or control byte would truncate or corrupt the name in C
         * resolvers; a third '|' means the text part was not what it seemed. */
        if (m[i] <= 0x20 || m[i] == 0x7F || m[i] == '|') {
            return rd_fail(diag, REDIR_E_URL_CHAR, i, 0);
        }
        i++;
    }
    if (i == host_start) {
        return rd_fail(diag, REDIR_E_URL_HOST, host_start, 0);
    }
    redir_span h = redir_span_of(m + host_start, i - host_start);
    bool with_port = false;
    uint32_t value = 0;
    if (i < n) {
        size_t digits = i + 1;
        if (digits == n) {
            return rd_fail(diag, REDIR_E_URL_PORT, digits, 0);
        }
        uint16_t v = 0;
        size_t end = digits;
        redir_status st = redir__scan_port(m, digits, n, &v, &end);
        if (st == REDIR_OK && end < n) {
            st = REDIR_E_URL_PORT;
        }
        if (st != REDIR_OK) {
            return rd_fail(diag, st, end, 0);
        }
        value = v;
        with_port = true;
    }
    *text = redir_span_of(m + 1, bar - 1);
    *host = h;
    *has_port = with_port;
    *port = with_port ? (uint16_t)value : (uint16_t)REDIR_DEFAULT_PORT;
    return REDIR_OK;
}

redir_status redir_redirect_from_err(redir_instruction *out, redir_diag *diag,
                                     const redir_err *err, uint16_t expected_code) {
    instruction_reset(out, REDIR_CARRIER_ERR, redir_span_of(NULL, 0));
    if (err->is_progress) {
        return REDIR_NOT_FOUND;
    }
    if (expected_code != 0 && err->code != expected_code) {
        return REDIR_NOT_FOUND;
    }
    if (err->message.len == 0 || err->message.ptr[0] != '|') {
        return REDIR_NOT_FOUND;
    }
    out->raw = err->message;
    redir_span text;
    redir_span host;
    bool has_port;
    uint16_t port;
    redir_status st = redir_err_redirect_parse(&text, &host, &has_port, &port, diag, err->message.ptr, err->message.len);
    if (st != REDIR_OK) {
        return st;
    }
    out->text = text;
    out->host = host;
    out->has_port = has_port;
    out->port = port;
    return REDIR_OK;
}
