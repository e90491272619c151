#include <string.h>

#include "reader.h"
#include "redir/packets.h"
#include "writer.h"
#include "util.h"

#define GREETING_PROTOCOL_VERSION 10
#define AUTH_DATA1_SIZE 8
/* A length byte up to this value yields the protocol's minimum part 2. */
#define AUTH_DATA_LEN_STANDARD 21
#define AUTH_DATA2_MIN 13
#define RESERVED_EXT_CAPS 6

/* auth_data2_size is max(13, len - 8), computed on the unsigned byte so that
 * values 0x80..0xFF give 120..247 and never a negative or tiny length. */
static size_t auth_data2_size(uint8_t auth_data_len) {
    size_t len = auth_data_len;
    return len > AUTH_DATA_LEN_STANDARD ? len - AUTH_DATA1_SIZE : AUTH_DATA2_MIN;
}

static redir_status decode_greeting(redir_greeting *g, redir_diag *diag, rd *r) {
    redir_status st;
    if ((st = rd_u8(r, &g->protocol_version, diag)) != REDIR_OK) {
        return st;
    }
    if (g->protocol_version != GREETING_PROTOCOL_VERSION) {
        return rd_fail(diag, REDIR_E_BAD_PROTOCOL_VERSION, 0, 0);
    }
    uint16_t caps_lo;
    if ((st = rd_nul_str(r, &g->server_version, diag)) != REDIR_OK ||
        (st = rd_u32(r, &g->connection_id, diag)) != REDIR_OK ||
        (st = rd_bytes(r, AUTH_DATA1_SIZE, &g->auth_data1, diag)) != REDIR_OK ||
        (st = rd_u8(r, &g->filler, diag)) != REDIR_OK ||
        (st = rd_u16(r, &caps_lo, diag)) != REDIR_OK) {
        return st;
    }
    g->capabilities = caps_lo;
    if (rd_left(r) == 0) {
        return REDIR_OK; /* pre-4.1 servers stop here */
    }
    g->has_ext = true;

    uint16_t caps_hi;
    const uint8_t *reserved;
    size_t len_off;
    if ((st = rd_u8(r, &g->charset, diag)) != REDIR_OK ||
        (st = rd_u16(r, &g->status, diag)) != REDIR_OK ||
        (st = rd_u16(r, &caps_hi, diag)) != REDIR_OK) {
        return st;
    }
    len_off = r->pos;
    if ((st = rd_u8(r, &g->auth_data_len, diag)) != REDIR_OK ||
        (st = rd_take(r, sizeof g->reserved, &reserved, diag)) != REDIR_OK) {
        return st;
    }
    memcpy(g->reserved, reserved, sizeof g->reserved);
    g->capabilities |= (uint64_t)caps_hi << 16;
    if ((g->capabilities & REDIR_CLIENT_MYSQL) == 0) {
        g->capabilities |= (uint64_t)redir__le32(g->reserved + RESERVED_EXT_CAPS) << 32;
    }

    if ((g->capabilities & REDIR_CLIENT_SECURE_CONNECTION) != 0) {
        size_t n = auth_data2_size(g->auth_data_len);
        /* Only a length byte asking for more than the minimum part 2 can be
         * blamed for running past the end; anything shorter is truncation. */
        if (n > rd_left(r) && g->auth_data_len > AUTH_DATA_LEN_STANDARD) {
            return rd_fail(diag, REDIR_E_BAD_AUTH_DATA_LEN, len_off, 0);
        }
        if ((st = rd_bytes(r, n, &g->auth_data2, diag)) != REDIR_OK) {
            return st;
        }
    }

    if ((g->capabilities & REDIR_CLIENT_PLUGIN_AUTH) != 0) {
        if (rd_left(r) == 0) {
            return rd_fail(diag, REDIR_E_TRUNCATED, r->pos, 1);
        }
        if (rd_nul_str(r, &g->auth_plugin, NULL) == REDIR_OK) {
            g->auth_plugin_nul = true;
        } else {
            g->auth_plugin = rd_rest(r); /* MySQL 5.5.7-5.5.9 sent no NUL */
        }
    }
    if (rd_left(r) != 0) {
        return rd_fail(diag, REDIR_E_TRAILING, r->pos, 0);
    }
    return REDIR_OK;
}

redir_status redir_greeting_decode(redir_greeting *out, redir_diag *diag, const uint8_t *in,
                                   size_t in_len) {
    memset(out, 0, sizeof *out);
    rd r = rd_init(in, in_len);
    redir_status st = decode_greeting(out, diag, &r);
    if (st != REDIR_OK) {
        memset(out, 0, sizeof *out);
    }
    return st;
}

/* span_bad: a NULL pointer with a length would reach memcpy. */
static bool span_bad(redir_span s) { return s.ptr == NULL && s.len > 0; }

static bool has_nul(redir_span s) { return s.len > 0 && memchr(s.ptr, 0, s.len) != NULL; }

/* greeting_is_encodable rejects structs whose bytes would not decode back to them. */
static bool greeting_is_encodable(const redir_greeting *g) {
    uint64_t caps = g->capabilities;
    if (span_bad(g->server_version) || span_bad(g->auth_data1) || span_bad(g->auth_data2) ||
        span_bad(g->auth_plugin)) {
        return false;
    }
    if (g->auth_data1.len != AUTH_DATA1_SIZE || has_nul(g->server_version) ||
        has_nul(g->auth_plugin)) {
        return false;
    }
    if (!g->has_ext) {
        /* The short form ends after the low capability bits: any field that
         * would follow must be at its zero value, or it would be lost. */
        static const uint8_t zero_reserved[sizeof g->reserved];
        return caps <= 0xFFFF && g->auth_data2.len == 0 && g->auth_plugin.len == 0 &&
               !g->auth_plugin_nul && g->charset == 0 && g->status == 0 &&
               g->auth_data_len == 0 &&
               memcmp(g->reserved, zero_reserved, sizeof zero_reserved) == 0;
    }
    if ((caps & REDIR_CLIENT_MYSQL) != 0 && (caps >> 32) != 0) {
        return false;
    }
    size_t want2 = (caps & REDIR_CLIENT_SECURE_CONNECTION) != 0
                       ? auth_data2_size(g->auth_data_len) : 0;
    if (g->auth_data2.len != want2) {
        return false;
    }
    if ((caps & REDIR_CLIENT_PLUGIN_AUTH) != 0) {
        return g->auth_plugin_nul || g->auth_plugin.len > 0;
    }
    return g->auth_plugin.len == 0 && !g->auth_plugin_nul;
}

redir_status redir_greeting_encode(uint8_t *buf, size_t cap, size_t *out_len,
                                   const redir_greeting *g) {
    if (!greeting_is_encodable(g)) {
        if (out_len != NULL) {
            *out_len = 0;
        }
        return REDIR_E_INVALID_ARGUMENT;
    }
    wr w = wr_init(buf, cap);
    wr_u8(&w, GREETING_PROTOCOL_VERSION);
    wr_span(&w, g->server_version);
    wr_u8(&w, 0);
    wr_uint(&w, g->connection_id, 4);
    wr_span(&w, g->auth_data1);
    wr_u8(&w, g->filler);
    wr_uint(&w, g->capabilities, 2);
    if (g->has_ext) {
        wr_u8(&w, g->charset);
        wr_uint(&w, g->status, 2);
        wr_uint(&w, g->capabilities >> 16, 2);
        wr_u8(&w, g->auth_data_len);
        wr_bytes(&w, g->reserved, RESERVED_EXT_CAPS);
        if ((g->capabilities & REDIR_CLIENT_MYSQL) == 0) {
            wr_uint(&w, g->capabilities >> 32, 4);
        } else {
            wr_bytes(&w, g->reserved + RESERVED_EXT_CAPS,
                     sizeof g->reserved - RESERVED_EXT_CAPS);
        }
        wr_span(&w, g->auth_data2);
        wr_span(&w, g->auth_plugin);
        if (g->auth_plugin_nul) {
            wr_u8(&w, 0);
        }
    }
    return wr_finish(&w, out_len);
}

redir_status redir_greeting_scramble(uint8_t *out, size_t cap, size_t *out_len,
                                     const redir_greeting *g) {
    if (span_bad(g->auth_data1) || span_bad(g->auth_data2)) {
        if (out_len != NULL) {
            *out_len = 0;
        }
        return REDIR_E_INVALID_ARGUMENT;
    }
    redir_span part2 = g->auth_data2;
    if (part2.len > 0 && part2.ptr[part2.len - 1] == 0) {
        part2.len--;
    }
    wr w = wr_init(out, cap);
    wr_span(&w, g->auth_data1);
    wr_span(&w, part2);
    return wr_finish(&w, out_len);
}
