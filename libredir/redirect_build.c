/* The three redirect carriers, each a framed packet written with the packet
 * encoders: the OK encoder and the session-state encoders for redirect_url,
 * the ERR encoder for |text|host:port, the OK encoder's info for Location:. */
#include <string.h>

#include "redir/packets.h"
#include "redir/redirect.h"
#include "redir/wire.h"
#include "util.h"

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

/* Adds add to *total unless the result would exceed the one-packet limit. */
static bool grow(size_t *total, size_t add) {
    if (add > REDIR_MAX_PACKET_PAYLOAD || *total > REDIR_MAX_PACKET_PAYLOAD - add) {
        return false;
    }
    *total += add;
    return true;
}

/* tail is where an encoder writes after `used` bytes of buf: NULL (a sizing
 * pass) once buf is full, so no pointer is formed past the buffer. */
static uint8_t *tail(uint8_t *buf, size_t cap, size_t used, size_t *room) {
    if (buf == NULL || used >= cap) {
        *room = 0;
        return NULL;
    }
    *room = cap - used;
    return buf + used;
}

/* encoded: the size an encoder reported, unless it failed otherwise. */
static bool encoded(redir_status st) { return st == REDIR_OK || st == REDIR_E_NOSPACE; }

/* frame writes the packet header for payload_len bytes (already written, or
 * sized, after it) and reports the whole packet. */
static redir_status frame(uint8_t *buf, size_t cap, size_t *out_len, size_t payload_len,
                          uint8_t seq) {
    size_t total = REDIR_FRAME_HEADER_SIZE + payload_len;
    *out_len = total;
    if (buf == NULL || cap < total) {
        return REDIR_E_NOSPACE;
    }
    size_t hdr = 0;
    return redir_frame_encode_header(buf, cap, &hdr, (uint32_t)payload_len, seq);
}

/* plain_ok: an OK with no rows, no warnings and a length-encoded info, as a
 * server answers a login (protocol 4.1: status and warnings present). */
static redir_ok plain_ok(uint16_t status, redir_span info) {
    redir_ok ok;
    memset(&ok, 0, sizeof ok);
    ok.has_status = true;
    ok.status = status;
    ok.has_warnings = true;
    ok.info_form = REDIR_INFO_LENENC;
    ok.info = info;
    return ok;
}

/* Sizes of one redirect_url-style SYSTEM_VARIABLES entry, bounded. */
static bool sysvar_entry_size(redir_span name, redir_span value, size_t *out) {
    size_t entry = 0;
    if (name.len > REDIR_MAX_PACKET_PAYLOAD || value.len > REDIR_MAX_PACKET_PAYLOAD) {
        return false;
    }
    if (redir_session_append_sysvar(NULL, 0, &entry, name, value) != REDIR_E_NOSPACE) {
        return false;
    }
    return entry <= REDIR_MAX_PACKET_PAYLOAD && (*out = entry, true);
}

redir_status redir_build_ok_redirect(uint8_t *buf, size_t cap, size_t *out_len, uint8_t seq,
                                     uint64_t caps, uint16_t status, redir_span url,
                                     const redir_sysvar *extra, size_t num_extra) {
    if ((caps & REDIR_CLIENT_SESSION_TRACK) == 0 || (caps & REDIR_CLIENT_PROTOCOL_41) == 0) {
        return fail_arg(out_len, REDIR_E_MISSING_CAPABILITY);
    }
    if ((num_extra > 0 && extra == NULL) || !redir__span_ok(url)) {
        return fail_arg(out_len, REDIR_E_INVALID_ARGUMENT);
    }
    const redir_span name = redir_span_of(REDIRECT_URL_NAME, sizeof REDIRECT_URL_NAME - 1);
    bool placed = false;
    size_t block = 0;
    for (size_t i = 0; i < num_extra; i++) {
        bool is_url = span_is_redirect_url(extra[i].name);
        size_t entry;
        if (!redir__span_ok(extra[i].name) || !redir__span_ok(extra[i].value)) {
            return fail_arg(out_len, REDIR_E_INVALID_ARGUMENT);
        }
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
    /* The OK up to its info (empty, as servers send it before a state block);
     * the block follows as its last field: its length, then the entries. */
    redir_ok ok = plain_ok((uint16_t)(status | REDIR_STATUS_SESSION_STATE_CHANGED),
                           redir_span_of(NULL, 0));
    size_t room, len = 0;
    uint8_t *p = tail(buf, cap, REDIR_FRAME_HEADER_SIZE, &room);
    redir_status st = redir_ok_encode(p, room, &len, &ok, caps);
    if (!encoded(st)) {
        return fail_arg(out_len, st);
    }
    size_t payload = len;
    if (!grow(&payload, redir_lenenc_size(block)) || !grow(&payload, block)) {
        return fail_arg(out_len, REDIR_E_FIELD_TOO_LONG);
    }
    p = tail(buf, cap, REDIR_FRAME_HEADER_SIZE + len, &room);
    st = redir_lenenc_encode(p, room, &len, block);
    p = tail(buf, cap, REDIR_FRAME_HEADER_SIZE + payload - block, &room);
    size_t at = 0;
    for (size_t i = 0; i < num_extra && encoded(st); i++) {
        bool is_url = span_is_redirect_url(extra[i].name);
        st = redir_session_append_sysvar(p, room, &at, extra[i].name,
                                      is_url ? url : extra[i].value);
    }
    if (!placed && encoded(st)) {
        st = redir_session_append_sysvar(p, room, &at, name, url);
    }
    if (!encoded(st)) {
        return fail_arg(out_len, st);
    }
    return frame(buf, cap, out_len, payload, seq);
}

redir_status redir_build_err_redirect(uint8_t *buf, size_t cap, size_t *out_len, uint8_t seq,
                                      uint16_t code, redir_span sql_state, redir_span text,
                                      redir_span host, uint16_t port) {
    if (code == REDIR_ERR_PROGRESS_CODE || !redir__span_ok(text) || !redir__span_ok(host) ||
        span_has_byte(text, '|') || host.len == 0 || span_has_byte(host, '|') ||
        span_has_byte(host, ':') || span_has_byte(host, ' ') || span_has_control(host)) {
        return fail_arg(out_len, REDIR_E_INVALID_ARGUMENT);
    }
    if (text.len > ERR_MESSAGE_MAX || host.len > ERR_MESSAGE_MAX) {
        return fail_arg(out_len, REDIR_E_FIELD_TOO_LONG);
    }
    char digits[REDIR__U64_DIGITS];
    size_t ndigits = port != 0 ? redir__format_u64(digits, port) : 0;
    uint8_t message[ERR_MESSAGE_MAX];
    size_t n = 2 + text.len + host.len + (port != 0 ? 1 + ndigits : 0);
    if (n > ERR_MESSAGE_MAX) {
        return fail_arg(out_len, REDIR_E_FIELD_TOO_LONG);
    }
    n = 0;
    message[n++] = '|';
    if (text.len > 0) { /* an empty text may be a NULL view */
        memcpy(message + n, text.ptr, text.len);
        n += text.len;
    }
    message[n++] = '|';
    memcpy(message + n, host.ptr, host.len);
    n += host.len;
    if (port != 0) {
        message[n++] = ':';
        memcpy(message + n, digits, ndigits);
        n += ndigits;
    }
    redir_err e;
    memset(&e, 0, sizeof e);
    e.code = code;
    e.has_sql_state = sql_state.len == 5;
    e.sql_state = e.has_sql_state ? sql_state : redir_span_of(NULL, 0);
    e.message = redir_span_of(message, n);
    size_t room, len = 0;
    uint8_t *p = tail(buf, cap, REDIR_FRAME_HEADER_SIZE, &room);
    redir_status st = redir_err_encode(p, room, &len, &e);
    if (!encoded(st)) {
        return fail_arg(out_len, st);
    }
    return frame(buf, cap, out_len, len, seq);
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

/* put appends n bytes to line (sized by the callers' field bounds). */
static void put(uint8_t *line, size_t *len, const void *src, size_t n) {
    memcpy(line + *len, src, n);
    *len += n;
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
        !redir__span_ok(host) || !redir__span_ok(user) || !location_host_ok(host, community) ||
        !location_user_ok(user) || (community && ttl < 0)) {
        return fail_arg(out_len, REDIR_E_INVALID_ARGUMENT);
    }
    char digits[REDIR__U64_DIGITS];
    /* prefix, host and user bounded by LOC_FIELD_MAX, and the fixed parts */
    uint8_t line[sizeof LOC_PREFIX + 2 * LOC_FIELD_MAX + 64];
    size_t n = 0;
    put(line, &n, LOC_PREFIX, sizeof LOC_PREFIX - 1);
    if (community) {
        put(line, &n, "[", 1);
        put(line, &n, host.ptr, host.len);
        put(line, &n, "]:", 2);
        put(line, &n, digits, redir__format_u64(digits, port));
        put(line, &n, "/?user=", 7);
    } else {
        put(line, &n, host.ptr, host.len);
        put(line, &n, ":", 1);
        put(line, &n, digits, redir__format_u64(digits, port));
        put(line, &n, "/user=", 6);
    }
    put(line, &n, user.ptr, user.len);
    if (ttl >= 0) {
        put(line, &n, "&ttl=", 5);
        put(line, &n, digits, redir__format_u64(digits, (uint64_t)ttl));
    }
    if (community) {
        put(line, &n, "\n", 1);
    }
    redir_ok ok = plain_ok(status, redir_span_of(line, n));
    size_t room, len = 0;
    uint8_t *p = tail(buf, cap, REDIR_FRAME_HEADER_SIZE, &room);
    redir_status st = redir_ok_encode(p, room, &len, &ok, caps);
    if (!encoded(st)) {
        return fail_arg(out_len, st);
    }
    return frame(buf, cap, out_len, len, seq);
}
