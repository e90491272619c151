/* The redirect builders (OK with redirect_url, ERR "|text|host:port", OK with
 * a Location: line) over fuzzed arguments: they refuse exactly what their
 * contracts list, size their output exactly, and whatever they build decodes
 * and extracts back to the arguments.
 *
 * Input: caps prefix (fuzz_take_caps), one byte picking the builder, then
 * fields, each a length byte followed by that many bytes (a short input
 * leaves the remaining fields empty). */
#include "fuzz_common.h"

#define MAX_EXTRA 4

typedef struct fields {
    const uint8_t *p;
    size_t n;
} fields;

static redir_span next_field(fields *f) {
    if (f->n == 0) {
        return redir_span_of(NULL, 0);
    }
    size_t len = f->p[0];
    f->p++;
    f->n--;
    if (len > f->n) {
        len = f->n;
    }
    redir_span s = redir_span_of(len > 0 ? f->p : NULL, len);
    f->p += len;
    f->n -= len;
    return s;
}

static uint64_t field_uint(redir_span s) {
    uint64_t v = 0;
    for (size_t i = 0; i < s.len && i < 8; i++) {
        v |= (uint64_t)s.ptr[i] << (8 * i);
    }
    return v;
}

static bool has_byte(redir_span s, uint8_t b) {
    return s.len > 0 && memchr(s.ptr, b, s.len) != NULL;
}

static bool has_control(redir_span s) {
    for (size_t i = 0; i < s.len; i++) {
        if (s.ptr[i] < 0x20 || s.ptr[i] == 0x7F) {
            return true;
        }
    }
    return false;
}

static bool span_is(redir_span s, const char *lit) {
    size_t n = strlen(lit);
    return s.len == n && (n == 0 || memcmp(s.ptr, lit, n) == 0);
}

/* Decodes a built packet: one frame with sequence id seq, nothing after it. */
static redir_span payload_of(const uint8_t *pkt, size_t n, uint8_t seq) {
    redir_frame f;
    size_t used;
    redir_diag d;
    FUZZ_CHECK(redir_frame_decode(&f, &used, &d, pkt, n) == REDIR_OK && used == n);
    FUZZ_CHECK(f.seq == seq);
    return f.payload;
}

/* ---------------------------------------------------------------- OK redirect */

struct okr_ctx {
    uint8_t seq;
    uint64_t caps;
    uint16_t status;
    redir_span url;
    redir_sysvar extra[MAX_EXTRA];
    size_t num_extra;
};

static redir_status enc_okr(uint8_t *buf, size_t cap, size_t *out_len, const void *ctx) {
    const struct okr_ctx *c = ctx;
    return redir_build_ok_redirect(buf, cap, out_len, c->seq, c->caps, c->status, c->url,
                                   c->num_extra > 0 ? c->extra : NULL, c->num_extra);
}

static void ok_redirect(uint64_t caps, fields *f) {
    struct okr_ctx c;
    memset(&c, 0, sizeof c);
    c.caps = caps;
    redir_span misc = next_field(f);
    c.seq = (uint8_t)field_uint(misc);
    c.status = (uint16_t)(field_uint(misc) >> 8);
    c.num_extra = (size_t)((field_uint(misc) >> 24) % (MAX_EXTRA + 1));
    c.url = next_field(f);
    for (size_t i = 0; i < c.num_extra; i++) {
        c.extra[i].name = next_field(f);
        c.extra[i].value = next_field(f);
    }
    /* Oversized arguments (views of one byte claiming megabytes): refused by
     * their sizes alone, before any byte of them is read. */
    static const uint8_t one[1] = {'x'};
    unsigned big = (unsigned)(field_uint(misc) >> 32) & 3;
    if (big == 1) {
        c.url = redir_span_of(one, REDIR_MAX_PACKET_PAYLOAD + 1);
    } else if (big == 2 && c.num_extra >= 2) {
        c.extra[0].value = redir_span_of(one, REDIR_MAX_PACKET_PAYLOAD / 2);
        c.extra[1].value = redir_span_of(one, REDIR_MAX_PACKET_PAYLOAD / 2);
        c.extra[0].name = c.extra[1].name = redir_span_of("v", 1);
    } else if (big == 3) {
        c.url = redir_span_of(one, REDIR_MAX_PACKET_PAYLOAD - 30);
    } else {
        big = 0;
    }
    size_t n = 0;
    fuzz_lib_enter();
    redir_status st = enc_okr(NULL, 0, &n, &c);
    fuzz_lib_leave();
    if ((caps & REDIR_CLIENT_SESSION_TRACK) == 0 || (caps & REDIR_CLIENT_PROTOCOL_41) == 0) {
        FUZZ_CHECK(st == REDIR_E_MISSING_CAPABILITY && n == 0);
        return;
    }
    if (big != 0) {
        FUZZ_CHECK(st == REDIR_E_FIELD_TOO_LONG && n == 0);
        return;
    }
    const uint8_t *pkt;
    FUZZ_CHECK(fuzz_encode_checked(enc_okr, &c, &pkt, &n));
    redir_span payload = payload_of(pkt, n, c.seq);
    redir_ok ok;
    redir_diag d;
    FUZZ_CHECK(redir_ok_decode(&ok, &d, payload.ptr, payload.len, caps) == REDIR_OK);
    FUZZ_CHECK(ok.header == 0 && ok.affected_rows == 0 && ok.last_insert_id == 0 &&
               ok.warnings == 0 && ok.info.len == 0 && ok.has_session_state);
    FUZZ_CHECK(ok.status == (c.status | REDIR_STATUS_SESSION_STATE_CHANGED));

    /* The block lists the extra variables in order (redirect_url ones with the
     * url as value), then redirect_url unless one of them was it. */
    redir_session_iter it;
    redir_session_entry e;
    redir_session_iter_init(&it, ok.session_state);
    bool placed = false;
    for (size_t i = 0; i < c.num_extra; i++) {
        FUZZ_CHECK(redir_session_next(&it, &e, &d) == REDIR_OK);
        bool is_url = span_is(c.extra[i].name, "redirect_url");
        placed = placed || is_url;
        FUZZ_CHECK(e.type == REDIR_TRACK_SYSTEM_VARIABLES && e.more_pairs.len == 0);
        FUZZ_CHECK(e.name.len == c.extra[i].name.len &&
                   (e.name.len == 0 || memcmp(e.name.ptr, c.extra[i].name.ptr, e.name.len) == 0));
        redir_span want = is_url ? c.url : c.extra[i].value;
        FUZZ_CHECK(e.value.len == want.len &&
                   (want.len == 0 || memcmp(e.value.ptr, want.ptr, want.len) == 0));
    }
    if (!placed) {
        FUZZ_CHECK(redir_session_next(&it, &e, &d) == REDIR_OK);
        FUZZ_CHECK(span_is(e.name, "redirect_url") && e.value.len == c.url.len);
    }
    FUZZ_CHECK(redir_session_next(&it, &e, &d) == REDIR_DONE);

    /* Extraction finds the url exactly when it is not empty, and then agrees
     * with the connector grammar. */
    redir_instruction ins;
    fuzz_lib_enter();
    st = redir_redirect_from_ok(&ins, &d, &ok, (c.seq & 1) != 0);
    fuzz_lib_leave();
    if (c.url.len == 0) {
        FUZZ_CHECK(st == REDIR_NOT_FOUND);
        return;
    }
    redir_url u;
    redir_diag ud;
    redir_status ust =
        redir_url_parse(&u, &ud, REDIR_GRAMMAR_CONNECTOR, (const uint8_t *)c.url.ptr, c.url.len);
    if (ust == REDIR_OK && (u.num_hosts == 0 || u.hosts[0].host.len == 0)) {
        ust = REDIR_E_URL_HOST;
        ud.offset = 0;
    }
    FUZZ_CHECK(st == ust && ins.carrier == REDIR_CARRIER_SESSION_TRACK);
    FUZZ_CHECK(ins.raw.len == c.url.len && memcmp(ins.raw.ptr, c.url.ptr, c.url.len) == 0);
    if (st == REDIR_OK) {
        FUZZ_CHECK(ins.host.len == u.hosts[0].host.len && ins.port == u.hosts[0].port);
    } else {
        FUZZ_CHECK(d.offset == ud.offset);
    }
}

/* ---------------------------------------------------------------- ERR redirect */

struct errr_ctx {
    uint8_t seq;
    uint16_t code;
    uint16_t port;
    redir_span state, text, host;
};

static redir_status enc_errr(uint8_t *buf, size_t cap, size_t *out_len, const void *ctx) {
    const struct errr_ctx *c = ctx;
    return redir_build_err_redirect(buf, cap, out_len, c->seq, c->code, c->state, c->text,
                                    c->host, c->port);
}

static void err_redirect(uint64_t caps, fields *f) {
    struct errr_ctx c;
    redir_span misc = next_field(f);
    c.seq = (uint8_t)field_uint(misc);
    c.code = (uint16_t)(field_uint(misc) >> 8);
    c.port = (uint16_t)(field_uint(misc) >> 24);
    c.state = next_field(f);
    c.text = next_field(f);
    c.host = next_field(f);
    size_t n = 7;
    fuzz_lib_enter();
    redir_status st = enc_errr(NULL, 0, &n, &c);
    fuzz_lib_leave();
    char digits[8];
    int nd = c.port ? snprintf(digits, sizeof digits, "%u", (unsigned)c.port) : 0;
    size_t message = 2 + c.text.len + c.host.len + (c.port ? 1 + (size_t)nd : 0);
    if (c.code == REDIR_ERR_PROGRESS_CODE || has_byte(c.text, '|') || c.host.len == 0 ||
        has_byte(c.host, '|') || has_byte(c.host, ':') || has_byte(c.host, ' ') ||
        has_control(c.host)) {
        FUZZ_CHECK(st == REDIR_E_INVALID_ARGUMENT && n == 0);
        return;
    }
    if (message > 511) {
        FUZZ_CHECK(st == REDIR_E_FIELD_TOO_LONG && n == 0);
        return;
    }
    const uint8_t *pkt;
    FUZZ_CHECK(fuzz_encode_checked(enc_errr, &c, &pkt, &n));
    redir_span payload = payload_of(pkt, n, c.seq);
    redir_err e;
    redir_diag d;
    FUZZ_CHECK(redir_err_decode(&e, &d, payload.ptr, payload.len, caps) == REDIR_OK);
    FUZZ_CHECK(e.code == c.code && !e.is_progress && e.has_sql_state == (c.state.len == 5));
    FUZZ_CHECK(!e.has_sql_state || memcmp(e.sql_state.ptr, c.state.ptr, 5) == 0);
    FUZZ_CHECK(e.message.len == message && e.message.ptr[0] == '|');
    redir_instruction ins;
    fuzz_lib_enter();
    st = redir_redirect_from_err(&ins, &d, &e, c.code);
    fuzz_lib_leave();
    FUZZ_CHECK(st == REDIR_OK && ins.carrier == REDIR_CARRIER_ERR);
    FUZZ_CHECK(ins.text.len == c.text.len &&
               (c.text.len == 0 || memcmp(ins.text.ptr, c.text.ptr, c.text.len) == 0));
    FUZZ_CHECK(ins.host.len == c.host.len && memcmp(ins.host.ptr, c.host.ptr, c.host.len) == 0);
    FUZZ_CHECK(ins.has_port == (c.port != 0) && ins.port == (c.port ? c.port : REDIR_DEFAULT_PORT));
    /* another expected code: an ordinary error */
    fuzz_lib_enter();
    st = redir_redirect_from_err(&ins, &d, &e, (uint16_t)(c.code + 1) ? (uint16_t)(c.code + 1) : 1);
    fuzz_lib_leave();
    FUZZ_CHECK(st == REDIR_NOT_FOUND);
}

/* ---------------------------------------------------------------- Location OK */

struct loc_ctx {
    uint8_t seq;
    uint64_t caps;
    uint16_t status;
    redir_location_form form;
    redir_span host;
    uint16_t port;
    redir_span user;
    int64_t ttl;
};

static redir_status enc_loc(uint8_t *buf, size_t cap, size_t *out_len, const void *ctx) {
    const struct loc_ctx *c = ctx;
    return redir_build_location_ok(buf, cap, out_len, c->seq, c->caps, c->status, c->form,
                                   c->host, c->port, c->user, c->ttl);
}

/* What the Location grammar (url_location.c) can carry: host bytes 0x21..0x7E
 * except "/?&@[]" (':' only inside the community form's brackets), user bytes
 * other than control bytes, '&' and '\n', each at most 128 bytes. */
static bool location_carriable(redir_span host, redir_span user, bool community) {
    if (host.len > 128 || user.len > 128) {
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

static void location_ok(uint64_t caps, fields *f) {
    struct loc_ctx c;
    c.caps = caps;
    redir_span misc = next_field(f);
    uint64_t m = field_uint(misc);
    c.seq = (uint8_t)m;
    c.status = (uint16_t)(m >> 8);
    c.port = (uint16_t)(m >> 24);
    c.form = (redir_location_form)((m >> 40) % 3);
    c.ttl = (int64_t)field_uint(next_field(f));
    c.host = next_field(f);
    c.user = next_field(f);
    size_t n = 7;
    fuzz_lib_enter();
    redir_status st = enc_loc(NULL, 0, &n, &c);
    fuzz_lib_leave();
    bool community = c.form == REDIR_LOCATION_COMMUNITY;
    if ((caps & REDIR_CLIENT_PROTOCOL_41) == 0) {
        FUZZ_CHECK(st == REDIR_E_MISSING_CAPABILITY && n == 0);
        return;
    }
    bool listed = (c.form != REDIR_LOCATION_COMMUNITY && c.form != REDIR_LOCATION_AZURE) ||
                  c.port == 0 || c.host.len == 0 || c.user.len == 0 || has_control(c.host) ||
                  has_control(c.user) || has_byte(c.user, '&') ||
                  (community && has_byte(c.host, ']')) ||
                  (!community && (has_byte(c.host, ':') || has_byte(c.host, '/'))) ||
                  (community && c.ttl < 0);
    /* A host or user the Location grammar cannot carry is refused too, or the
     * builder would make packets its own extractor rejects (the input
     * regress-location-host-8bit). */
    bool carriable = location_carriable(c.host, c.user, community);
    if (listed || !carriable) {
        FUZZ_CHECK(st == REDIR_E_INVALID_ARGUMENT && n == 0);
        return;
    }
    const uint8_t *pkt;
    FUZZ_CHECK(fuzz_encode_checked(enc_loc, &c, &pkt, &n));
    redir_span payload = payload_of(pkt, n, c.seq);
    redir_ok ok;
    redir_diag d;
    FUZZ_CHECK(redir_ok_decode(&ok, &d, payload.ptr, payload.len, caps) == REDIR_OK);
    FUZZ_CHECK(ok.status == c.status && ok.info_form == REDIR_INFO_LENENC);
    redir_instruction ins;
    fuzz_lib_enter();
    st = redir_redirect_from_ok(&ins, &d, &ok, true);
    fuzz_lib_leave();
    FUZZ_CHECK(ins.carrier == REDIR_CARRIER_LOCATION);
    redir_url u;
    redir_diag ud;
    redir_status ust = redir_url_parse(&u, &ud, REDIR_GRAMMAR_LOCATION, (const uint8_t *)ok.info.ptr, ok.info.len);
    FUZZ_CHECK(st == ust);
    FUZZ_CHECK(st == REDIR_OK);
    FUZZ_CHECK(ins.host.len == c.host.len && memcmp(ins.host.ptr, c.host.ptr, c.host.len) == 0);
    FUZZ_CHECK(ins.user.len == c.user.len && memcmp(ins.user.ptr, c.user.ptr, c.user.len) == 0);
    FUZZ_CHECK(ins.port == c.port && ins.has_ttl == (c.ttl >= 0));
    FUZZ_CHECK(!ins.has_ttl || ins.ttl == (uint64_t)c.ttl);
    FUZZ_CHECK(u.location_azure == !community && u.location_newline == community);
    /* not a login reply: no Location carrier */
    fuzz_lib_enter();
    st = redir_redirect_from_ok(&ins, &d, &ok, false);
    fuzz_lib_leave();
    FUZZ_CHECK(st == REDIR_NOT_FOUND);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    uint64_t caps = fuzz_take_caps(&data, &size);
    if (size < 1) {
        return 0;
    }
    uint8_t which = data[0];
    fields f = {data + 1, size - 1};
    switch (which % 3) {
    case 0:
        ok_redirect(caps, &f);
        break;
    case 1:
        err_redirect(caps, &f);
        break;
    default:
        location_ok(caps, &f);
        break;
    }
    return 0;
}
