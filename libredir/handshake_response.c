#include <string.h>

#include "reader.h"
#include "redir/packets.h"
#include "redir/wire.h"
#include "writer.h"
#include "util.h"

#define FILLER_EXT_CAPS 19
#define FILLER_SIZE 23

/* span_bad: a NULL pointer with a length would reach memcpy. */
static bool span_bad(redir_span s) { return s.ptr == NULL && s.len > 0; }

static bool has_nul(redir_span s) { return s.len > 0 && memchr(s.ptr, 0, s.len) != NULL; }

/* decode_prefix reads the 32 bytes an SSLRequest and a HandshakeResponse41
 * share. The MariaDB capabilities are taken from the filler only when the
 * client itself cleared CLIENT_MYSQL. */
static redir_status decode_prefix(redir_handshake_response *out, redir_diag *diag, rd *r) {
    uint32_t caps;
    const uint8_t *filler;
    redir_status st;
    if ((st = rd_u32(r, &caps, diag)) != REDIR_OK ||
        (st = rd_u32(r, &out->max_packet, diag)) != REDIR_OK ||
        (st = rd_u8(r, &out->charset, diag)) != REDIR_OK ||
        (st = rd_take(r, FILLER_SIZE, &filler, diag)) != REDIR_OK) {
        return st;
    }
    memcpy(out->filler, filler, FILLER_SIZE);
    out->capabilities = caps;
    if ((caps & REDIR_CLIENT_MYSQL) == 0) {
        out->capabilities |= (uint64_t)redir__le32(out->filler + FILLER_EXT_CAPS) << 32;
    }
    return REDIR_OK;
}

/* check_attributes walks a whole attribute block; offsets in diag become
 * relative to the payload (block_off is where the block starts in it). */
static redir_status check_attributes(redir_span block, size_t block_off, redir_diag *diag) {
    redir_attr_iter it;
    redir_span key;
    redir_span value;
    redir_diag inner = {0, 0};
    redir_status st;
    redir_attr_iter_init(&it, block);
    while ((st = redir_attr_next(&it, &key, &value, &inner)) == REDIR_OK) {
    }
    if (st == REDIR_DONE) {
        return REDIR_OK;
    }
    return rd_fail(diag, REDIR_E_BAD_ATTRIBUTES, block_off + inner.offset, 0);
}

/* A flagged trailing field that is missing because the payload ended is
 * absent, not truncated: clients stop early and servers accept it. */
static bool field_present(const rd *r) { return rd_left(r) > 0; }

static redir_status decode_response(redir_handshake_response *out, redir_diag *diag, rd *r) {
    /* PROTOCOL_41 sits in the first two bytes; a pre-4.1 response is usually
     * shorter than the 4.1 prefix, so look before demanding 32 bytes. */
    rd probe = *r;
    uint16_t caps_lo;
    if (rd_u16(&probe, &caps_lo, NULL) == REDIR_OK &&
        (caps_lo & REDIR_CLIENT_PROTOCOL_41) == 0) {
        return rd_fail(diag, REDIR_E_UNSUPPORTED, 0, 0);
    }
    redir_status st = decode_prefix(out, diag, r);
    if (st != REDIR_OK) {
        return st;
    }
    uint64_t caps = out->capabilities;
    if ((st = rd_nul_str(r, &out->user, diag)) != REDIR_OK) {
        return st;
    }
    if ((caps & REDIR_CLIENT_PLUGIN_AUTH_LENENC_DATA) != 0) {
        st = rd_lenenc_str(r, &out->auth_response, diag);
    } else if ((caps & REDIR_CLIENT_SECURE_CONNECTION) != 0) {
        uint8_t n;
        st = rd_u8(r, &n, diag);
        if (st == REDIR_OK) {
            st = rd_bytes(r, n, &out->auth_response, diag);
        }
    } else {
        st = rd_nul_str(r, &out->auth_response, diag);
    }
    if (st != REDIR_OK) {
        return st;
    }
    if ((caps & REDIR_CLIENT_CONNECT_WITH_DB) != 0 && field_present(r)) {
        if ((st = rd_nul_str(r, &out->database, diag)) != REDIR_OK) {
            return st;
        }
        out->has_database = true;
    }
    if ((caps & REDIR_CLIENT_PLUGIN_AUTH) != 0 && field_present(r)) {
        if ((st = rd_nul_str(r, &out->auth_plugin, diag)) != REDIR_OK) {
            return st;
        }
        out->has_auth_plugin = true;
    }
    if ((caps & REDIR_CLIENT_CONNECT_ATTRS) != 0 && field_present(r)) {
        if ((st = rd_lenenc_str(r, &out->attributes, diag)) != REDIR_OK) {
            return st;
        }
        size_t block_off = r->pos - out->attributes.len;
        if ((st = check_attributes(out->attributes, block_off, diag)) != REDIR_OK) {
            return st;
        }
        out->has_attributes = true;
    }
    if ((caps & REDIR_CLIENT_ZSTD_COMPRESSION) != 0 && field_present(r)) {
        if ((st = rd_u8(r, &out->zstd_level, diag)) != REDIR_OK) {
            return st;
        }
        out->has_zstd_level = true;
    }
    if (rd_left(r) != 0) {
        return rd_fail(diag, REDIR_E_TRAILING, r->pos, 0);
    }
    return REDIR_OK;
}

redir_status redir_handshake_response_decode(redir_handshake_response *out, redir_diag *diag,
                                             const uint8_t *in, size_t in_len) {
    memset(out, 0, sizeof *out);
    rd r = rd_init(in, in_len);
    redir_status st = decode_response(out, diag, &r);
    if (st != REDIR_OK) {
        memset(out, 0, sizeof *out);
    }
    return st;
}

static redir_status decode_ssl_request(redir_handshake_response *out, redir_diag *diag, rd *r) {
    redir_status st = decode_prefix(out, diag, r);
    if (st != REDIR_OK) {
        return st;
    }
    if ((out->capabilities & REDIR_CLIENT_SSL) == 0) {
        return rd_fail(diag, REDIR_E_MISSING_CAPABILITY, 0, 0);
    }
    if (rd_left(r) != 0) {
        return rd_fail(diag, REDIR_E_TRAILING, r->pos, 0);
    }
    return REDIR_OK;
}

redir_status redir_ssl_request_decode(redir_handshake_response *out, redir_diag *diag,
                                      const uint8_t *in, size_t in_len) {
    memset(out, 0, sizeof *out);
    rd r = rd_init(in, in_len);
    redir_status st = decode_ssl_request(out, diag, &r);
    if (st != REDIR_OK) {
        memset(out, 0, sizeof *out);
    }
    return st;
}

/* prefix_is_encodable: MariaDB capabilities can only travel in the filler
 * when CLIENT_MYSQL is clear. */
static bool prefix_is_encodable(const redir_handshake_response *r) {
    return (r->capabilities & REDIR_CLIENT_MYSQL) == 0 || (r->capabilities >> 32) == 0;
}

static void encode_prefix(wr *w, const redir_handshake_response *r) {
    wr_uint(w, r->capabilities, 4);
    wr_uint(w, r->max_packet, 4);
    wr_u8(w, r->charset);
    wr_bytes(w, r->filler, FILLER_EXT_CAPS);
    if ((r->capabilities & REDIR_CLIENT_MYSQL) == 0) {
        wr_uint(w, r->capabilities >> 32, 4);
    } else {
        wr_bytes(w, r->filler + FILLER_EXT_CAPS, FILLER_SIZE - FILLER_EXT_CAPS);
    }
}

static redir_status fail_encode(size_t *out_len, redir_status st) {
    if (out_len != NULL) {
        *out_len = 0;
    }
    return st;
}

static bool attributes_valid(redir_span block) {
    return check_attributes(block, 0, NULL) == REDIR_OK;
}

/* optional_ok checks one trailing field: present only with its flag, and
 * never after a flagged field that was left out (the decoder would read the
 * later field in the earlier one's place). */
static bool optional_ok(uint64_t caps, uint64_t flag, bool present, bool *gap) {
    if (present) {
        return (caps & flag) != 0 && !*gap;
    }
    if ((caps & flag) != 0) {
        *gap = true;
    }
    return true;
}

static bool response_is_encodable(const redir_handshake_response *r) {
    uint64_t caps = r->capabilities;
    bool gap = false;
    if (span_bad(r->user) || span_bad(r->auth_response) || span_bad(r->database) ||
        span_bad(r->auth_plugin) || span_bad(r->attributes)) {
        return false;
    }
    if (!prefix_is_encodable(r) || has_nul(r->user) || has_nul(r->database) ||
        has_nul(r->auth_plugin)) {
        return false;
    }
    if ((caps & (REDIR_CLIENT_PLUGIN_AUTH_LENENC_DATA | REDIR_CLIENT_SECURE_CONNECTION)) == 0 &&
        has_nul(r->auth_response)) {
        return false;
    }
    if ((!r->has_database && r->database.len > 0) ||
        (!r->has_auth_plugin && r->auth_plugin.len > 0) ||
        (!r->has_attributes && r->attributes.len > 0) ||
        (!r->has_zstd_level && r->zstd_level != 0)) {
        return false;
    }
    if (r->has_attributes && !attributes_valid(r->attributes)) {
        return false;
    }
    return optional_ok(caps, REDIR_CLIENT_CONNECT_WITH_DB, r->has_database, &gap) &&
           optional_ok(caps, REDIR_CLIENT_PLUGIN_AUTH, r->has_auth_plugin, &gap) &&
           optional_ok(caps, REDIR_CLIENT_CONNECT_ATTRS, r->has_attributes, &gap) &&
           optional_ok(caps, REDIR_CLIENT_ZSTD_COMPRESSION, r->has_zstd_level, &gap);
}

redir_status redir_handshake_response_encode(uint8_t *buf, size_t cap, size_t *out_len,
                                             const redir_handshake_response *r) {
    uint64_t caps = r->capabilities;
    if ((caps & REDIR_CLIENT_PROTOCOL_41) == 0) {
        return fail_encode(out_len, REDIR_E_UNSUPPORTED);
    }
    bool lenenc = (caps & REDIR_CLIENT_PLUGIN_AUTH_LENENC_DATA) != 0;
    bool secure = (caps & REDIR_CLIENT_SECURE_CONNECTION) != 0;
    if (!lenenc && secure && r->auth_response.len > UINT8_MAX) {
        return fail_encode(out_len, REDIR_E_FIELD_TOO_LONG);
    }
    if (!response_is_encodable(r)) {
        return fail_encode(out_len, REDIR_E_INVALID_ARGUMENT);
    }
    wr w = wr_init(buf, cap);
    encode_prefix(&w, r);
    wr_span(&w, r->user);
    wr_u8(&w, 0);
    if (lenenc) {
        wr_lenenc_str(&w, r->auth_response);
    } else if (secure) {
        wr_u8(&w, (uint8_t)r->auth_response.len);
        wr_span(&w, r->auth_response);
    } else {
        wr_span(&w, r->auth_response);
        wr_u8(&w, 0);
    }
    if (r->has_database) {
        wr_span(&w, r->database);
        wr_u8(&w, 0);
    }
    if (r->has_auth_plugin) {
        wr_span(&w, r->auth_plugin);
        wr_u8(&w, 0);
    }
    if (r->has_attributes) {
        wr_lenenc_str(&w, r->attributes);
    }
    if (r->has_zstd_level) {
        wr_u8(&w, r->zstd_level);
    }
    return wr_finish(&w, out_len);
}

redir_status redir_ssl_request_encode(uint8_t *buf, size_t cap, size_t *out_len,
                                      const redir_handshake_response *r) {
    if ((r->capabilities & REDIR_CLIENT_SSL) == 0) {
        return fail_encode(out_len, REDIR_E_MISSING_CAPABILITY);
    }
    if (!prefix_is_encodable(r)) {
        return fail_encode(out_len, REDIR_E_INVALID_ARGUMENT);
    }
    wr w = wr_init(buf, cap);
    encode_prefix(&w, r);
    return wr_finish(&w, out_len);
}

void redir_attr_iter_init(redir_attr_iter *it, redir_span attributes) {
    it->rest = attributes;
    it->base_off = 0;
}

redir_status redir_attr_next(redir_attr_iter *it, redir_span *key, redir_span *value,
                             redir_diag *diag) {
    if (it->rest.len == 0) {
        return REDIR_DONE;
    }
    rd r = rd_init(it->rest.ptr, it->rest.len);
    redir_diag local = {0, 0};
    redir_span k;
    redir_span v;
    redir_status st = rd_lenenc_str(&r, &k, &local);
    if (st == REDIR_OK) {
        st = rd_lenenc_str(&r, &v, &local);
    }
    if (st != REDIR_OK) {
        return rd_fail(diag, st, it->base_off + local.offset, local.needed);
    }
    *key = k;
    *value = v;
    it->rest = redir_span_of(it->rest.ptr + r.pos, it->rest.len - r.pos);
    it->base_off += r.pos;
    return REDIR_OK;
}

redir_status redir_attr_append_pair(uint8_t *buf, size_t cap, size_t *len, redir_span key,
                                    redir_span value) {
    /* Keep *len from wrapping: no real span comes near these sizes. */
    if (span_bad(key) || span_bad(value) || key.len > SIZE_MAX / 4 || value.len > SIZE_MAX / 4) {
        return REDIR_E_INVALID_ARGUMENT;
    }
    size_t add = redir_lenenc_size(key.len) + key.len + redir_lenenc_size(value.len) + value.len;
    if (add > SIZE_MAX - *len) {
        return REDIR_E_INVALID_ARGUMENT;
    }
    wr w = wr_init(buf, cap);
    w.len = *len;
    wr_lenenc_str(&w, key);
    wr_lenenc_str(&w, value);
    *len = w.len;
    return wr_finish(&w, NULL);
}
