#include <string.h>

#include "redir/redirect.h"
#include "redir/wire.h"
#include "writer.h"

#define ERR_MESSAGE_MAX 511u

static const char REDIRECT_URL_NAME[] = "redirect_url";

static redir_status fail_arg(size_t *out_len, redir_status st) {
    if (out_len != NULL) {
        *out_len = 0;
    }
    return st;
}

static bool span_is_redirect_url(redir_span s) {
    return s.len == sizeof REDIRECT_URL_NAME - 1 &&
           memcmp(s.ptr, REDIRECT_URL_NAME, sizeof REDIRECT_URL_NAME - 1) == 0;
}

static bool span_has_byte(redir_span s, uint8_t b) {
    return s.len > 0 && memchr(s.ptr, b, s.len) != NULL;
}

static bool span_has_control(redir_span s) {
    for (size_t i = 0; i < s.len; i++) {
        if (s.ptr[i] < 0x20 || s.ptr[i] == 0x7F) {
            return true;
        }
    }
    return false;
}

/* Decimal digits of v into out (no terminator); returns the count. */
static size_t format_u64(char out[20], uint64_t v) {
    char tmp[20];
    size_t n = 0;
    do {
        tmp[n++] = (char)('0' + (int)(v % 10u));
        v /= 10u;
    } while (v > 0);
    for (size_t i = 0; i < n; i++) {
        out[i] = tmp[n - 1 - i];
    }
    return n;
}

/* Adds add to *total unless the result would exceed the one-packet limit. */
static bool grow(size_t *total, size_t add) {
    if (add > REDIR_MAX_PACKET_PAYLOAD || *total > REDIR_MAX_PACKET_PAYLOAD - add) {
        return false;
    }
    *total += add;
    return true;
}

static size_t lenenc_str_size(size_t n) { return redir_lenenc_size(n) + n; }

static void put_header(wr *w, size_t payload_len, uint8_t seq) {
    wr_uint(w, payload_len, 3);
    wr_u8(w, seq);
}

/* The fixed OK prefix up to and including the warning count. */
static size_t ok_prefix_size(void) { return 1 + 1 + 1 + 2 + 2; }

static void put_ok_prefix(wr *w, uint16_t status) {
    wr_u8(w, 0x00);
    wr_lenenc(w, 0); /* affected rows */
    wr_lenenc(w, 0); /* last insert id */
    wr_uint(w, status, 2);
    wr_uint(w, 0, 2); /* warnings */
}

static void put_sysvar(wr *w, redir_span name, redir_span value) {
    size_t body = lenenc_str_size(name.len) + lenenc_str_size(value.len);
    wr_u8(w, REDIR_TRACK_SYSTEM_VARIABLES);
    wr_lenenc(w, body);
    wr_lenenc_str(w, name);
    wr_lenenc_str(w, value);
}

static bool sysvar_entry_size(redir_span name, redir_span value, size_t *out) {
    size_t body = 0;
    if (name.len > REDIR_MAX_PACKET_PAYLOAD || value.len > REDIR_MAX_PACKET_PAYLOAD ||
        !grow(&body, lenenc_str_size(name.len)) || !grow(&body, lenenc_str_size(value.len))) {
        return false;
    }
    size_t entry = 1;
    if (!grow(&entry, lenenc_str_size(body))) {
        return false;
    }
    *out = entry;
    return true;
}

redir_status redir_build_ok_redirect(uint8_t *buf, size_t cap, size_t *out_len, uint8_t seq,
                                     uint64_t caps, uint16_t status, redir_span url,
                                     const redir_sysvar *extra, size_t num_extra) {
    if ((caps & REDIR_CLIENT_SESSION_TRACK) == 0 || (caps & REDIR_CLIENT_PROTOCOL_41) == 0) {
        return fail_arg(out_len, REDIR_E_MISSING_CAPABILITY);
    }
    if (num_extra > 0 && extra == NULL) {
        return fail_arg(out_len, REDIR_E_INVALID_ARGUMENT);
    }
    const redir_span name = redir_span_of(REDIRECT_URL_NAME, sizeof REDIRECT_URL_NAME - 1);
    bool placed = false;
    size_t block = 0;
    for (size_t i = 0; i < num_extra; i++) {
        bool is_url = span_is_redirect_url(extra[i].name);
        size_t entry;
        if (!sysvar_entry_size(extra[i].name, is_url ? url : extra[i].value, &entry) ||
            !grow(&block, entry)) {
            return fail_arg(out_len, REDIR_E_FIELD_TOO_LONG);
        }
        placed = placed || is_url;
    }
    if (!placed) {
        size_t entry;
        if (!sysvar_entry_size(name, url, &entry) || !grow(&block, entry)) {
            return fail_arg(out_len, REDIR_E_FIELD_TOO_LONG);
        }
    }
    size_t payload = ok_prefix_size() + 1; /* the empty info */
    if (!grow(&payload, lenenc_str_size(block)) || block > REDIR_MAX_PACKET_PAYLOAD) {
        return fail_arg(out_len, REDIR_E_FIELD_TOO_LONG);
    }

    wr w = wr_init(buf, cap);
    put_header(&w, payload, seq);
    put_ok_prefix(&w, (uint16_t)(status | REDIR_STATUS_SESSION_STATE_CHANGED));
    wr_lenenc(&w, 0); /* info: empty, as servers send it before a state block */
    wr_lenenc(&w, block);
    for (size_t i = 0; i < num_extra; i++) {
        bool is_url = span_is_redirect_url(extra[i].name);
        put_sysvar(&w, extra[i].name, is_url ? url : extra[i].value);
    }
    if (!placed) {
        put_sysvar(&w, name, url);
    }
    return wr_finish(&w, out_len);
}

redir_status redir_build_err_redirect(uint8_t *buf, size_t cap, size_t *out_len, uint8_t seq,
                                      uint16_t code, redir_span sql_state, redir_span text,
                                      redir_span host, uint16_t port) {
    if (code == REDIR_ERR_PROGRESS_CODE || span_has_byte(text, '|') || host.len == 0 ||
        span_has_byte(host, '|') || span_has_byte(host, ':') || span_has_byte(host, ' ') ||
        span_has_control(host)) {
        return fail_arg(out_len, REDIR_E_INVALID_ARGUMENT);
    }
    char digits[20];
    size_t ndigits = port != 0 ? format_u64(digits, port) : 0;
    if (text.len > ERR_MESSAGE_MAX || host.len > ERR_MESSAGE_MAX) {
        return fail_arg(out_len, REDIR_E_FIELD_TOO_LONG);
    }
    size_t message = 2 + text.len + host.len + (port != 0 ? 1 + ndigits : 0);
    if (message > ERR_MESSAGE_MAX) {
        return fail_arg(out_len, REDIR_E_FIELD_TOO_LONG);
    }
    bool with_state = sql_state.len == 5;
    size_t payload = 1 + 2 + (with_state ? 6 : 0) + message;

    wr w = wr_init(buf, cap);
    put_header(&w, payload, seq);
    wr_u8(&w, 0xFF);
    wr_uint(&w, code, 2);
    if (with_state) {
        wr_u8(&w, '#');
        wr_span(&w, sql_state);
    }
    wr_u8(&w, '|');
    wr_span(&w, text);
    wr_u8(&w, '|');
    wr_span(&w, host);
    if (port != 0) {
        wr_u8(&w, ':');
        wr_bytes(&w, digits, ndigits);
    }
    return wr_finish(&w, out_len);
}

static const char LOC_PREFIX[] = "Location: mysql://";

/* Longest host and user the Location readers accept (mysqlnd_azure's buffers). */
#define LOC_FIELD_MAX 128u

/* A host the location grammar reads back unchanged: printable ASCII without
 * the bytes that delimit the line's parts; ':' only inside the community
 * form's brackets. */
static bool location_host_ok(redir_span host, bool community) {
    if (host.len == 0 || host.len > LOC_FIELD_MAX) {
        return false;
    }
    for (size_t i = 0; i < host.len; i++) {
        uint8_t c = host.ptr[i];
        if (c <= 0x20 || c >= 0x7F || c == '/' || c == '?' || c == '&' || c == '@' || c == '[' ||
            c == ']' || (c == ':' && !community)) {
            return false;
        }
    }
    return true;
}

static bool location_user_ok(redir_span user) {
    return user.len > 0 && user.len <= LOC_FIELD_MAX && !span_has_control(user) &&
           !span_has_byte(user, '&');
}

redir_status redir_build_location_ok(uint8_t *buf, size_t cap, size_t *out_len, uint8_t seq,
                                     uint64_t caps, uint16_t status, redir_location_form form,
                                     redir_span host, uint16_t port, redir_span user,
                                     int64_t ttl) {
    if ((caps & REDIR_CLIENT_PROTOCOL_41) == 0) {
        return fail_arg(out_len, REDIR_E_MISSING_CAPABILITY);
    }
    bool community = form == REDIR_LOCATION_COMMUNITY;
    if ((form != REDIR_LOCATION_COMMUNITY && form != REDIR_LOCATION_AZURE) || port == 0 ||
        !location_host_ok(host, community) || !location_user_ok(user) ||
        (community && ttl < 0)) {
        return fail_arg(out_len, REDIR_E_INVALID_ARGUMENT);
    }
    char port_digits[20];
    size_t nport = format_u64(port_digits, port);
    char ttl_digits[20];
    size_t nttl = ttl >= 0 ? format_u64(ttl_digits, (uint64_t)ttl) : 0;

    static const char C_HOST_END[] = "]:";
    static const char C_USER[] = "/?user=";
    static const char A_USER[] = "/user=";
    static const char TTL[] = "&ttl=";
    size_t info = sizeof LOC_PREFIX - 1;
    bool ok = grow(&info, host.len) && grow(&info, nport) && grow(&info, user.len);
    if (community) {
        ok = ok && grow(&info, 1 + (sizeof C_HOST_END - 1) + (sizeof C_USER - 1) + 1);
    } else {
        ok = ok && grow(&info, 1 + (sizeof A_USER - 1));
    }
    if (ttl >= 0) {
        ok = ok && grow(&info, (sizeof TTL - 1) + nttl);
    }
    size_t payload = ok_prefix_size();
    if (!ok || !grow(&payload, lenenc_str_size(info))) {
        return fail_arg(out_len, REDIR_E_FIELD_TOO_LONG);
    }

    wr w = wr_init(buf, cap);
    put_header(&w, payload, seq);
    put_ok_prefix(&w, status);
    wr_lenenc(&w, info);
    wr_bytes(&w, LOC_PREFIX, sizeof LOC_PREFIX - 1);
    if (community) {
        wr_u8(&w, '[');
        wr_span(&w, host);
        wr_bytes(&w, C_HOST_END, sizeof C_HOST_END - 1);
        wr_bytes(&w, port_digits, nport);
        wr_bytes(&w, C_USER, sizeof C_USER - 1);
    } else {
        wr_span(&w, host);
        wr_u8(&w, ':');
        wr_bytes(&w, port_digits, nport);
        wr_bytes(&w, A_USER, sizeof A_USER - 1);
    }
    wr_span(&w, user);
    if (ttl >= 0) {
        wr_bytes(&w, TTL, sizeof TTL - 1);
        wr_bytes(&w, ttl_digits, nttl);
    }
    if (community) {
        wr_u8(&w, '\n');
    }
    return wr_finish(&w, out_len);
}
