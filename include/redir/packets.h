/*
 * libredir — packet codecs for the connection and command phases.
 *
 * Every decoder here takes one packet PAYLOAD (without the 4-byte header; see
 * <redir/wire.h> for framing) and fills a plain struct whose redir_span
 * members view the input. A decoder either succeeds completely or returns an
 * error; on error *out is zeroed. Every encoder reproduces, byte for byte, the
 * payload its decoder read (decode then encode is the identity on valid
 * input), provided length-encoded integers in the input were minimal.
 *
 * See <redir/common.h> for the conventions on status, diagnostics and sizes.
 */
#ifndef REDIR_PACKETS_H
#define REDIR_PACKETS_H

#include "common.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------------- */
/* Initial handshake v10 (server greeting)                                     */
/* ------------------------------------------------------------------------- */

typedef struct redir_greeting {
    uint8_t protocol_version;  /* always 10 after a successful decode */
    redir_span server_version; /* as sent, any "5.5.5-" prefix included, no NUL */
    uint32_t connection_id;
    redir_span auth_data1;     /* auth-plugin-data part 1: 8 bytes */
    uint8_t filler;            /* the byte after part 1; 0 in practice */
    /* Capabilities: low 16 bits, then (when has_ext) the high 16 bits, and the
     * MariaDB extended capabilities in bits 32..63 when CLIENT_MYSQL is clear. */
    uint64_t capabilities;
    bool has_ext;              /* false: the packet ended after the low capability bits */
    uint8_t charset;
    uint16_t status;
    uint8_t auth_data_len;     /* the auth-plugin-data length byte as sent */
    uint8_t reserved[10];      /* the 10 reserved bytes as sent (6..9 carry MariaDB caps) */
    redir_span auth_data2;     /* part 2 as on the wire, its trailing 0x00 included */
    redir_span auth_plugin;    /* without its NUL; empty when absent */
    bool auth_plugin_nul;      /* the plugin name was NUL-terminated */
} redir_greeting;

/* redir_greeting_decode decodes an Initial Handshake v10 payload. A payload
 * that ends right after the low capability bits is the pre-4.1 form
 * (has_ext false). Part 2 of the auth data is max(13, auth_data_len - 8)
 * bytes, computed on the unsigned byte, when CLIENT_SECURE_CONNECTION is set
 * (auth_data_len 0 included); with CLIENT_PLUGIN_AUTH the plugin name follows,
 * NUL-terminated or running to the end of the payload (at least one byte of
 * it must be there). The MariaDB capabilities are read from reserved[6..9]
 * only when CLIENT_MYSQL is clear.
 * Fails with:
 *  REDIR_E_BAD_PROTOCOL_VERSION (offset 0) when the first byte is not 10; a
 *    0xFF first byte is an ERR packet: decode it with redir_err_decode;
 *  REDIR_E_NO_TERMINATOR for a version string without NUL;
 *  REDIR_E_BAD_AUTH_DATA_LEN when auth_data_len is above 21, so that it asks
 *    for more than the minimum 13-byte part 2, and that part 2 runs past the
 *    payload (diag->offset is the auth_data_len byte);
 *  REDIR_E_TRUNCATED when the payload ends inside a fixed field, inside a
 *    13-byte part 2 (auth_data_len 0..21: plain truncation), or where the
 *    plugin name should start;
 *  REDIR_E_TRAILING for bytes after the plugin name's NUL, or after part 2
 *    without CLIENT_PLUGIN_AUTH. */
REDIR_API REDIR_NODISCARD redir_status redir_greeting_decode(redir_greeting *out,
                                                             redir_diag *diag,
                                                             const uint8_t *in, size_t in_len);

/* redir_greeting_encode writes the payload described by *g; protocol_version
 * is not read (10 is written). The reserved bytes are written from
 * g->reserved, except that bytes 6..9 carry g->capabilities >> 32 when
 * CLIENT_MYSQL is clear. Fails with REDIR_E_INVALID_ARGUMENT when the output
 * would not decode back to *g: auth_data1 not 8 bytes; a NUL inside
 * server_version or auth_plugin; without has_ext, capability bits above 15,
 * a non-zero charset, status, auth_data_len or reserved byte,
 * part 2 or a plugin name; bits above 31 with CLIENT_MYSQL set; auth_data2
 * not max(13, auth_data_len - 8) bytes under CLIENT_SECURE_CONNECTION (empty
 * otherwise); under CLIENT_PLUGIN_AUTH an empty name without NUL; a plugin
 * name or auth_plugin_nul without it; a span with a NULL pointer and a
 * non-zero length. */
REDIR_API REDIR_NODISCARD redir_status redir_greeting_encode(uint8_t *buf, size_t cap,
                                                             size_t *out_len,
                                                             const redir_greeting *g);

/* redir_greeting_scramble copies the auth-plugin-data (part 1 then part 2
 * without its last byte when that byte is 0x00) into out[0..cap); *out_len
 * gets its length: 20 for the usual plugins, 8 for the pre-4.1 form, at most
 * 255 (an auth_data_len of 0xFF and a part 2 not ending in 0x00). 64 bytes
 * hold anything with auth_data_len up to 64. When cap is too small:
 * REDIR_E_NOSPACE with *out_len the size needed. */
REDIR_API REDIR_NODISCARD redir_status redir_greeting_scramble(uint8_t *out, size_t cap,
                                                               size_t *out_len,
                                                               const redir_greeting *g);

/* ------------------------------------------------------------------------- */
/* HandshakeResponse41 and SSLRequest (client -> server)                       */
/* ------------------------------------------------------------------------- */

#define REDIR_SSL_REQUEST_SIZE 32

typedef struct redir_handshake_response {
    /* Client flags: the 32-bit field, plus MariaDB extended capabilities in the
     * high half when the client cleared CLIENT_MYSQL. Fields below are present
     * according to these flags. */
    uint64_t capabilities;
    uint32_t max_packet;
    uint8_t charset;
    uint8_t filler[23];        /* as sent; 19..22 are the MariaDB caps when CLIENT_MYSQL is clear */
    redir_span user;           /* without NUL */
    redir_span auth_response;
    bool has_database;         /* CLIENT_CONNECT_WITH_DB */
    redir_span database;
    bool has_auth_plugin;      /* CLIENT_PLUGIN_AUTH and the field present */
    redir_span auth_plugin;
    bool has_attributes;       /* CLIENT_CONNECT_ATTRS and the field present */
    redir_span attributes;     /* the key/value block, without its length prefix */
    bool has_zstd_level;       /* CLIENT_ZSTD_COMPRESSION */
    uint8_t zstd_level;
} redir_handshake_response;

/* redir_handshake_response_decode decodes a HandshakeResponse41 payload.
 * Fields are present according to the client flags in the packet itself. The
 * auth response is length-encoded with CLIENT_PLUGIN_AUTH_LENENC_DATA, else
 * one length byte with CLIENT_SECURE_CONNECTION, else NUL-terminated. Optional
 * trailing fields whose flag is set but which are absent because the payload
 * ended are reported as absent (has_* false), as servers accept. The
 * attribute block is walked with redir_attr_next before success is reported.
 * Fails with REDIR_E_UNSUPPORTED (offset 0) without CLIENT_PROTOCOL_41 (seen
 * as soon as two bytes are there), REDIR_E_TRUNCATED, REDIR_E_NO_TERMINATOR,
 * REDIR_E_LENENC_NULL / REDIR_E_LENENC_INVALID for the length of the auth
 * response or of the attribute block, REDIR_E_BAD_ATTRIBUTES for a malformed
 * pair inside the block (diag->offset is the failing byte, relative to the
 * payload) or REDIR_E_TRAILING. */
REDIR_API REDIR_NODISCARD redir_status redir_handshake_response_decode(
    redir_handshake_response *out, redir_diag *diag, const uint8_t *in, size_t in_len);

/* redir_handshake_response_encode writes *r. Optional fields are written
 * when their has_* is set. Fails with REDIR_E_UNSUPPORTED without
 * CLIENT_PROTOCOL_41, REDIR_E_FIELD_TOO_LONG for an auth response over 255
 * bytes under the one-byte length, and REDIR_E_INVALID_ARGUMENT when the
 * output would not decode back to *r: a field present without its flag (a
 * non-zero zstd_level without has_zstd_level included), or
 * after a flagged field left out; a NUL inside user, database, plugin or a
 * NUL-terminated auth response; bits above 31 with CLIENT_MYSQL set; a
 * malformed attribute block; a span with a NULL pointer and a non-zero
 * length. */
REDIR_API REDIR_NODISCARD redir_status redir_handshake_response_encode(
    uint8_t *buf, size_t cap, size_t *out_len, const redir_handshake_response *r);

/* redir_attr_iter walks the key/value pairs of a connect-attributes block. */
typedef struct redir_attr_iter {
    redir_span rest; /* private */
    size_t base_off; /* private */
} redir_attr_iter;

REDIR_API void redir_attr_iter_init(redir_attr_iter *it, redir_span attributes);

/* redir_attr_next returns REDIR_OK with the next pair, REDIR_DONE at the end,
 * or an error (REDIR_E_TRUNCATED, REDIR_E_LENENC_NULL, REDIR_E_LENENC_INVALID)
 * for a malformed block; diag->offset is relative to the start of the block.
 * A failed call does not advance the iterator. */
REDIR_API REDIR_NODISCARD redir_status redir_attr_next(redir_attr_iter *it, redir_span *key,
                                                       redir_span *value, redir_diag *diag);

/* redir_attr_append_pair appends one key/value pair (two length-encoded
 * strings) to a block being built in buf[0..cap) at offset *len, adding its
 * size to *len even when it does not fit (then REDIR_E_NOSPACE). A span with
 * a NULL pointer and a non-zero length is REDIR_E_INVALID_ARGUMENT (*len is
 * left alone). */
REDIR_API REDIR_NODISCARD redir_status redir_attr_append_pair(uint8_t *buf, size_t cap,
                                                              size_t *len, redir_span key,
                                                              redir_span value);

/* The SSLRequest is the first 32 bytes of a HandshakeResponse41 with
 * CLIENT_SSL set; only capabilities, max_packet, charset and filler are used
 * (the filler is kept as sent). redir_ssl_request_decode requires exactly 32
 * bytes (REDIR_E_TRUNCATED at the field that is cut, with diag->needed, or
 * REDIR_E_TRAILING at offset 32) and
 * CLIENT_SSL (REDIR_E_MISSING_CAPABILITY, offset 0). The encoder fails with
 * REDIR_E_MISSING_CAPABILITY without CLIENT_SSL and REDIR_E_INVALID_ARGUMENT
 * for bits above 31 with CLIENT_MYSQL set. */
REDIR_API REDIR_NODISCARD redir_status redir_ssl_request_decode(redir_handshake_response *out,
                                                                redir_diag *diag,
                                                                const uint8_t *in,
                                                                size_t in_len);

REDIR_API REDIR_NODISCARD redir_status redir_ssl_request_encode(
    uint8_t *buf, size_t cap, size_t *out_len, const redir_handshake_response *r);

/* ------------------------------------------------------------------------- */
/* Authentication exchange                                                     */
/* ------------------------------------------------------------------------- */

typedef struct redir_auth_switch {
    bool old_form;         /* the 1-byte 0xFE request (switch to mysql_old_password) */
    redir_span auth_plugin;
    redir_span auth_data;  /* rest of the packet, a trailing 0x00 included */
} redir_auth_switch;

/* redir_auth_switch_decode decodes an AuthSwitchRequest: 0xFE, plugin name
 * (NUL-terminated), plugin data to the end. A payload of just 0xFE is the old
 * form. Fails with REDIR_E_TRUNCATED for an empty payload, REDIR_E_BAD_HEADER
 * (offset 0) when the first byte is not 0xFE, REDIR_E_NO_TERMINATOR. */
REDIR_API REDIR_NODISCARD redir_status redir_auth_switch_decode(redir_auth_switch *out,
                                                                redir_diag *diag,
                                                                const uint8_t *in,
                                                                size_t in_len);

/* redir_auth_switch_encode writes *s: just 0xFE for the old form. Fails with
 * REDIR_E_INVALID_ARGUMENT for an old form with a name or data, a NUL inside
 * the name, or a span with a NULL pointer and a non-zero length. */
REDIR_API REDIR_NODISCARD redir_status redir_auth_switch_encode(uint8_t *buf, size_t cap,
                                                                size_t *out_len,
                                                                const redir_auth_switch *s);

/* redir_auth_more_data_decode decodes AuthMoreData: 0x01 then data to the end.
 * Fails with REDIR_E_TRUNCATED for an empty payload and REDIR_E_BAD_HEADER
 * (offset 0) when the first byte is not 0x01. */
REDIR_API REDIR_NODISCARD redir_status redir_auth_more_data_decode(redir_span *out_data,
                                                                   redir_diag *diag,
                                                                   const uint8_t *in,
                                                                   size_t in_len);

REDIR_API REDIR_NODISCARD redir_status redir_auth_more_data_encode(uint8_t *buf, size_t cap,
                                                                   size_t *out_len,
                                                                   redir_span data);

/* The client's answer to an auth switch (or further auth data) is the raw
 * plugin data filling the whole payload; it needs no decoder. */

/* ------------------------------------------------------------------------- */
/* OK packet and session state tracking                                        */
/* ------------------------------------------------------------------------- */

typedef enum redir_info_form {
    REDIR_INFO_ABSENT = 0, /* no bytes for info */
    REDIR_INFO_LENENC = 1, /* string<lenenc>: what servers write */
    REDIR_INFO_EOF = 2     /* string<EOF>: the documented pre-SESSION_TRACK form */
} redir_info_form;

typedef struct redir_ok {
    uint8_t header;            /* 0x00, or 0xFE for OK-as-EOF */
    uint64_t affected_rows;
    uint64_t last_insert_id;
    bool has_status;           /* CLIENT_PROTOCOL_41 or CLIENT_TRANSACTIONS */
    uint16_t status;
    bool has_warnings;         /* CLIENT_PROTOCOL_41 */
    uint16_t warnings;
    redir_info_form info_form;
    redir_span info;
    bool has_session_state;    /* a state block length was present */
    redir_span session_state;  /* the block's entries, without its length prefix */
} redir_ok;

/* redir_ok_decode decodes an OK packet (header 0x00 or 0xFE) under the
 * negotiated capabilities caps. Status is read with CLIENT_PROTOCOL_41 or
 * CLIENT_TRANSACTIONS, warnings only with CLIENT_PROTOCOL_41.
 * With CLIENT_SESSION_TRACK: info is length-encoded when any byte remains,
 * and the state block follows when SERVER_SESSION_STATE_CHANGED is set and any
 * byte remains; the flag with the block (or even the info) missing, and a
 * zero-length block, both decode.
 * Without it: remaining bytes are info, length-encoded when they form exactly
 * one length-encoded string, otherwise the rest of the packet.
 * Fails with REDIR_E_BAD_HEADER, REDIR_E_TRUNCATED (empty input, a field cut
 * short, or an info length running past the packet), REDIR_E_LENENC_NULL,
 * REDIR_E_LENENC_INVALID, REDIR_E_STATE_BLOCK (the block's length runs past
 * the packet; diag->offset is the first byte of the block) or REDIR_E_TRAILING
 * (bytes after the block, or after the info when no block may follow). The
 * block's entries are not checked here: walk them with redir_session_iter. */
REDIR_API REDIR_NODISCARD redir_status redir_ok_decode(redir_ok *out, redir_diag *diag,
                                                       const uint8_t *in, size_t in_len,
                                                       uint64_t caps);

/* redir_ok_encode writes *ok under caps. Fields are written when their has_* /
 * form says so; the block is written as a length-encoded string. To keep the
 * output decodable under the same caps it fails with REDIR_E_INVALID_ARGUMENT
 * when: the header is not 0x00 or 0xFE; has_status or has_warnings disagrees
 * with caps (see redir_ok_decode); info_form is REDIR_INFO_ABSENT with a
 * non-empty info, REDIR_INFO_EOF under CLIENT_SESSION_TRACK, or out of range;
 * has_session_state is set without CLIENT_SESSION_TRACK, REDIR_INFO_LENENC
 * (the info always precedes the block) and SERVER_SESSION_STATE_CHANGED in
 * status; or a span has a NULL pointer and a non-zero length. */
REDIR_API REDIR_NODISCARD redir_status redir_ok_encode(uint8_t *buf, size_t cap,
                                                       size_t *out_len, const redir_ok *ok,
                                                       uint64_t caps);

/* Session state entry types. */
#define REDIR_TRACK_SYSTEM_VARIABLES 0
#define REDIR_TRACK_SCHEMA 1
#define REDIR_TRACK_STATE_CHANGE 2
#define REDIR_TRACK_GTIDS 3
#define REDIR_TRACK_TRANSACTION_CHARACTERISTICS 4
#define REDIR_TRACK_TRANSACTION_STATE 5

typedef struct redir_session_entry {
    uint8_t type;
    redir_span data;     /* the entry body (its outer length), for every type */
    /* Typed views, set for known types:
     *  SYSTEM_VARIABLES: name and value of the first pair; more_pairs views
     *                    any further name/value pairs in the same entry
     *  SCHEMA, TRANSACTION_CHARACTERISTICS, TRANSACTION_STATE: value
     *  STATE_CHANGE:     value = the body itself (servers send one raw byte,
     *                    '1'); the documented nested form is also understood
     *  GTIDS:            gtid_spec (encoding byte) and value
     * Unknown types: only data. */
    redir_span name;
    redir_span value;
    redir_span more_pairs;
    uint8_t gtid_spec;
    bool state_change_nested; /* STATE_CHANGE used the nested lenenc form */
} redir_session_entry;

/* redir_session_iter walks the entries of a session state block. */
typedef struct redir_session_iter {
    redir_span block; /* private */
    size_t pos;       /* private */
} redir_session_iter;

REDIR_API void redir_session_iter_init(redir_session_iter *it, redir_span block);

/* redir_session_next yields the next entry: REDIR_OK, REDIR_DONE after the
 * last, or an error: REDIR_E_STATE_ENTRY when an entry's length (or its
 * length prefix) runs past the block, REDIR_E_STATE_VALUE when a known type's
 * body is malformed (a value running past the body, bytes left after the
 * value, an empty body; for SYSTEM_VARIABLES every pair is checked), and
 * REDIR_E_LENENC_NULL / REDIR_E_LENENC_INVALID for 0xFB / 0xFF in a length.
 * diag->offset is relative to the start of the block. After an error the
 * iterator stays failed and returns the same status and offset again.
 * Unknown types are returned with only data set. A STATE_CHANGE body that is
 * exactly one non-empty lenenc string is the nested form; any other body (the
 * servers' single '1' included) is the raw form. */
REDIR_API REDIR_NODISCARD redir_status redir_session_next(redir_session_iter *it,
                                                          redir_session_entry *out,
                                                          redir_diag *diag);

/* redir_sysvar_next walks name/value pairs inside a SYSTEM_VARIABLES body (or
 * more_pairs): *rest is advanced past each pair. REDIR_DONE when empty.
 * Fails with REDIR_E_STATE_VALUE when a length runs past *rest, or a lenenc
 * error; *rest is then unchanged and diag->offset is relative to it. */
REDIR_API REDIR_NODISCARD redir_status redir_sysvar_next(redir_span *rest, redir_span *name,
                                                         redir_span *value, redir_diag *diag);

/* Session state entry encoders append one entry to a block being built in
 * buf[0..cap) at offset *len; *len grows by the entry size even when it does
 * not fit (then REDIR_E_NOSPACE), so a NULL buffer measures the block. A span
 * with a NULL pointer and a non-zero length is REDIR_E_INVALID_ARGUMENT (and
 * *len is left alone). */
REDIR_API REDIR_NODISCARD redir_status redir_session_append_sysvar(uint8_t *buf, size_t cap,
                                                                size_t *len, redir_span name,
                                                                redir_span value);
/* Schema, transaction characteristics and transaction state: one lenenc value.
 * Also writes the nested STATE_CHANGE form and unknown types; types 0 and 3,
 * whose bodies have another shape, are REDIR_E_INVALID_ARGUMENT. */
REDIR_API REDIR_NODISCARD redir_status redir_session_append_string(uint8_t *buf, size_t cap,
                                                                size_t *len, uint8_t type,
                                                                redir_span value);
/* STATE_CHANGE in the form servers send: entry length 1, raw '1'. */
REDIR_API REDIR_NODISCARD redir_status redir_session_append_state_change(uint8_t *buf, size_t cap,
                                                                      size_t *len);
REDIR_API REDIR_NODISCARD redir_status redir_session_append_gtids(uint8_t *buf, size_t cap,
                                                               size_t *len, uint8_t spec,
                                                               redir_span gtids);
/* Any type with an opaque body. */
REDIR_API REDIR_NODISCARD redir_status redir_session_append_raw(uint8_t *buf, size_t cap,
                                                             size_t *len, uint8_t type,
                                                             redir_span body);
/* redir_session_append_entry re-encodes a decoded entry (typed encoders for known
 * types in the form it arrived, raw otherwise); the identity on valid input.
 * Known types are written from the typed views (data is ignored), so a
 * changed value is re-encoded with the right lengths. REDIR_E_INVALID_ARGUMENT
 * when SYSTEM_VARIABLES more_pairs are not whole name/value pairs, or a nested
 * STATE_CHANGE has an empty value (it would read back as the raw form). */
REDIR_API REDIR_NODISCARD redir_status redir_session_append_entry(uint8_t *buf, size_t cap,
                                                               size_t *len,
                                                               const redir_session_entry *e);

/* ------------------------------------------------------------------------- */
/* EOF packet                                                                  */
/* ------------------------------------------------------------------------- */

typedef struct redir_eof {
    bool has_fields;  /* CLIENT_PROTOCOL_41: warnings and status follow 0xFE */
    uint16_t warnings;
    uint16_t status;
} redir_eof;

/* redir_eof_decode decodes a legacy EOF packet: 0xFE, then (CLIENT_PROTOCOL_41)
 * warnings and status — warnings first, unlike OK; without it the single byte
 * 0xFE. Payloads of 9 bytes or more are not EOF packets (REDIR_E_BAD_HEADER,
 * as is any other first byte). Also fails with REDIR_E_TRUNCATED or
 * REDIR_E_TRAILING. */
REDIR_API REDIR_NODISCARD redir_status redir_eof_decode(redir_eof *out, redir_diag *diag,
                                                        const uint8_t *in, size_t in_len,
                                                        uint64_t caps);

REDIR_API REDIR_NODISCARD redir_status redir_eof_encode(uint8_t *buf, size_t cap,
                                                        size_t *out_len, const redir_eof *e);

/* ------------------------------------------------------------------------- */
/* ERR packet and MariaDB progress reports                                     */
/* ------------------------------------------------------------------------- */

#define REDIR_ERR_PROGRESS_CODE 0xFFFFu

typedef struct redir_err {
    uint16_t code;
    bool has_sql_state;     /* the '#' marker was present */
    redir_span sql_state;   /* 5 bytes */
    redir_span message;     /* rest of the packet */
    /* MariaDB progress report (code 0xFFFF when progress was negotiated) */
    bool is_progress;
    uint8_t progress_strings; /* the "number of strings" byte, 1 in practice */
    uint8_t stage;
    uint8_t max_stage;
    uint32_t progress;      /* 24 bits: per-mille of a percent (0..100000) */
    redir_span progress_info;
} redir_err;

/* redir_err_decode decodes an ERR packet. The '#'+SQLSTATE marker is optional
 * (servers omit it before the handshake): a '#' right after the code starts
 * it; the message is the rest, possibly empty. Code 0xFFFF is a progress
 * report when caps has MARIADB_CLIENT_PROGRESS or CLIENT_PROGRESS_OBSOLETE.
 * The codec does not judge codes (MariaDB's client ranges 2000-2999 and
 * 5000-5999 decode like any other). Fails with REDIR_E_BAD_HEADER,
 * REDIR_E_TRUNCATED (no code), REDIR_E_BAD_SQLSTATE ('#' followed by fewer
 * than five bytes; diag->offset just after the '#'), REDIR_E_BAD_PROGRESS (a
 * progress body cut short or whose info length runs past the packet),
 * REDIR_E_TRAILING (bytes after the progress info) or a lenenc error. */
REDIR_API REDIR_NODISCARD redir_status redir_err_decode(redir_err *out, redir_diag *diag,
                                                        const uint8_t *in, size_t in_len,
                                                        uint64_t caps);

/* redir_err_encode writes *e: the progress body when is_progress (code must be
 * 0xFFFF and progress fit 24 bits), else the optional marker and state (then
 * sql_state must be 5 bytes) and the message. A message starting with '#'
 * without a state would read back as a marker. All these are
 * REDIR_E_INVALID_ARGUMENT. */
REDIR_API REDIR_NODISCARD redir_status redir_err_encode(uint8_t *buf, size_t cap,
                                                        size_t *out_len, const redir_err *e);

/* ------------------------------------------------------------------------- */
/* Classifying server packets                                                  */
/* ------------------------------------------------------------------------- */

typedef enum redir_phase {
    REDIR_PHASE_CONNECT = 0,  /* waiting for the greeting */
    REDIR_PHASE_AUTH = 1,     /* after the handshake response, until OK or ERR */
    REDIR_PHASE_COMMAND = 2,  /* first packet of a command's response */
    REDIR_PHASE_COLUMNS = 3,  /* inside column definitions of a result set */
    REDIR_PHASE_ROWS = 4      /* inside rows of a result set */
} redir_phase;

typedef enum redir_kind {
    REDIR_KIND_UNKNOWN = 0,
    REDIR_KIND_GREETING,
    REDIR_KIND_OK,
    REDIR_KIND_ERR,
    REDIR_KIND_EOF,            /* legacy EOF */
    REDIR_KIND_OK_AS_EOF,      /* 0xFE OK terminating a result set (DEPRECATE_EOF) */
    REDIR_KIND_AUTH_SWITCH,
    REDIR_KIND_AUTH_SWITCH_OLD,
    REDIR_KIND_AUTH_MORE_DATA,
    REDIR_KIND_AUTH_NEXT_FACTOR,
    REDIR_KIND_LOCAL_INFILE,   /* 0xFB: the server asks for a file */
    REDIR_KIND_COLUMN_COUNT,   /* first packet of a result set */
    REDIR_KIND_COLUMN_DEF,
    REDIR_KIND_ROW
} redir_kind;

/* redir_kind_name returns a stable lower-case name ("ok", "auth-switch", ...);
 * "unknown" for a value outside the enum. */
REDIR_API const char *redir_kind_name(redir_kind kind);

/* redir_classify tells what a server payload is from the phase, the
 * negotiated capabilities and its first byte and length. 0xFF is ERR in every
 * phase. 0xFE alone means an auth switch (old form when the payload is one
 * byte) during AUTH, a legacy EOF (length < 9) or OK-as-EOF (with
 * DEPRECATE_EOF, length < 0xFFFFFF) after a command, among column definitions
 * (COM_FIELD_LIST ends its list this way) or in rows, and otherwise a column
 * count, column definition or row starting with a 9-byte lenenc.
 *   CONNECT: 0x0A greeting.
 *   AUTH:    0x00 OK, 0x01 auth-more-data, 0x02 auth-next-factor (with
 *            CLIENT_MULTI_FACTOR_AUTH only).
 *   COMMAND: 0x00 OK, 0xFB local-infile, any other byte a column count
 *            (replies that are not result sets, like COM_STATISTICS text,
 *            are the caller's to recognise).
 *   COLUMNS: column definition.
 *   ROWS:    row, 0x00 included: a text row whose first value is empty, or
 *            a binary row (which always starts with 0x00).
 * Anything else, and an empty payload, is REDIR_KIND_UNKNOWN. */
REDIR_API redir_kind redir_classify(redir_phase phase, uint64_t caps, const uint8_t *payload,
                                    size_t payload_len);

#ifdef __cplusplus
}
#endif

#endif
