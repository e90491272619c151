#include <string.h>

#include "reader.h"
#include "redir/packets.h"
#include "writer.h"

#define AUTH_SWITCH_HEADER 0xFE
#define AUTH_MORE_DATA_HEADER 0x01

/* expect_header consumes the first payload byte and checks it. */
static redir_status expect_header(rd *r, uint8_t want, redir_diag *diag) {
    uint8_t h;
    redir_status st = rd_u8(r, &h, diag);
    if (st != REDIR_OK) {
        return st;
    }
    if (h != want) {
        return rd_fail(diag, REDIR_E_BAD_HEADER, 0, 0);
    }
    return REDIR_OK;
}

static redir_status decode_auth_switch(redir_auth_switch *out, redir_diag *diag, rd *r) {
    redir_status st = expect_header(r, AUTH_SWITCH_HEADER, diag);
    if (st != REDIR_OK) {
        return st;
    }
    if (rd_left(r) == 0) {
        out->old_form = true;
        return REDIR_OK;
    }
    if ((st = rd_nul_str(r, &out->auth_plugin, diag)) != REDIR_OK) {
        return st;
    }
    /* The data keeps its trailing 0x00: only the plugin knows whether that
     * byte is padding (mysql_native_password) or payload. */
    out->auth_data = rd_rest(r);
    return REDIR_OK;
}

redir_status redir_auth_switch_decode(redir_auth_switch *out, redir_diag *diag,
                                      const uint8_t *in, size_t in_len) {
    memset(out, 0, sizeof *out);
    rd r = rd_init(in, in_len);
    redir_status st = decode_auth_switch(out, diag, &r);
    if (st != REDIR_OK) {
        memset(out, 0, sizeof *out);
    }
    return st;
}

/* span_bad: a NULL pointer with a length would reach memcpy. */
static bool span_bad(redir_span s) { return s.ptr == NULL && s.len > 0; }

static redir_status invalid(size_t *out_len) {
    if (out_len != NULL) {
        *out_len = 0;
    }
    return REDIR_E_INVALID_ARGUMENT;
}

redir_status redir_auth_switch_encode(uint8_t *buf, size_t cap, size_t *out_len,
                                      const redir_auth_switch *s) {
    if (span_bad(s->auth_plugin) || span_bad(s->auth_data)) {
        return invalid(out_len);
    }
    bool bad_name = s->auth_plugin.len > 0 && memchr(s->auth_plugin.ptr, 0, s->auth_plugin.len);
    bool old_with_body = s->old_form && (s->auth_plugin.len > 0 || s->auth_data.len > 0);
    if (bad_name || old_with_body) {
        return invalid(out_len);
    }
    wr w = wr_init(buf, cap);
    wr_u8(&w, AUTH_SWITCH_HEADER);
    if (!s->old_form) {
        wr_span(&w, s->auth_plugin);
        wr_u8(&w, 0);
        wr_span(&w, s->auth_data);
    }
    return wr_finish(&w, out_len);
}

redir_status redir_auth_more_data_decode(redir_span *out_data, redir_diag *diag,
                                         const uint8_t *in, size_t in_len) {
    rd r = rd_init(in, in_len);
    redir_status st = expect_header(&r, AUTH_MORE_DATA_HEADER, diag);
    *out_data = st == REDIR_OK ? rd_rest(&r) : redir_span_of(NULL, 0);
    return st;
}

redir_status redir_auth_more_data_encode(uint8_t *buf, size_t cap, size_t *out_len,
                                         redir_span data) {
    if (span_bad(data)) {
        return invalid(out_len);
    }
    wr w = wr_init(buf, cap);
    wr_u8(&w, AUTH_MORE_DATA_HEADER);
    wr_span(&w, data);
    return wr_finish(&w, out_len);
}
