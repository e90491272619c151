/*
 * libredir — common types: status codes, byte views, diagnostics, and the
 * protocol constants shared by every packet codec.
 *
 * Conventions that hold for the whole library:
 *  - Nothing allocates. Decoders return views (redir_span) into the caller's
 *    input; those views are valid exactly as long as that input is. Encoders
 *    write into a caller buffer.
 *  - Every fallible function returns a redir_status. REDIR_OK (0) is success.
 *  - Decoders take an optional redir_diag*; on failure it receives the byte
 *    offset (relative to the start of the input given to that function) at
 *    which decoding stopped, and for REDIR_E_TRUNCATED the minimum number of
 *    further bytes that would be needed to continue.
 *  - Encoders take (buf, cap, out_len). On success *out_len is the number of
 *    bytes written. When cap is too small they return REDIR_E_NOSPACE, write
 *    nothing past cap, and set *out_len to the exact size required, so a call
 *    with buf == NULL and cap == 0 is a sizing pass.
 *  - Argument order, the same in every public header: a call on a caller-owned
 *    object (framer, engine, tracker, target cache, iterator) takes that
 *    object first; then the outputs (an encoder's buf, cap, out_len first of
 *    all), then the redir_diag *, then the inputs. Byte inputs are
 *    (const uint8_t *, size_t) pairs or redir_span; C strings only for
 *    names looked up in a table.
 *  - Names: *_encode(buf, cap, out_len, ...) writes at offset 0;
 *    *_append(buf, cap, len, ...) writes at offset *len and adds its size to
 *    *len even when it does not fit (REDIR_E_NOSPACE), so a first pass with
 *    buf == NULL measures the whole output; *_decode reads from offset 0.
 *  - Capabilities are 64-bit: the classic 32 flags in the low half and
 *    MariaDB's extended capabilities in the high half.
 */
#ifndef REDIR_COMMON_H
#define REDIR_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "status_list.h"

#ifdef __cplusplus
extern "C" {
#endif

#if defined(REDIR_BUILDING_LIBRARY) && defined(__GNUC__)
#define REDIR_API __attribute__((visibility("default")))
#else
#define REDIR_API
#endif

#if defined(__GNUC__)
#define REDIR_NODISCARD __attribute__((warn_unused_result))
#else
#define REDIR_NODISCARD
#endif

/* redir_status is the result of every fallible call; see status_list.h. */
typedef enum redir_status {
#define REDIR_STATUS_ENUM_(name, value, msg) REDIR_##name = value,
    REDIR_STATUS_LIST(REDIR_STATUS_ENUM_)
#undef REDIR_STATUS_ENUM_
} redir_status;

/* redir_status_name returns the constant's name without the REDIR_ prefix,
 * e.g. "E_TRUNCATED", or NULL for a value that is not in the list. */
REDIR_API const char *redir_status_name(redir_status status);

/* redir_status_message returns a one-line English description, or NULL for a
 * value that is not in the list. The string is static. */
REDIR_API const char *redir_status_message(redir_status status);

/* redir_status_is_error is true for every status that is a failure
 * (everything but OK, DONE and NOT_FOUND). */
REDIR_API bool redir_status_is_error(redir_status status);

/* redir_status_count and redir_status_at enumerate every defined status, in
 * list order; redir_status_at returns false when index is out of range. */
REDIR_API size_t redir_status_count(void);
REDIR_API bool redir_status_at(size_t index, redir_status *out);

/* redir_span is a read-only view of bytes owned by someone else. ptr may be
 * NULL only when len is 0. */
typedef struct redir_span {
    const uint8_t *ptr;
    size_t len;
} redir_span;

/* redir_span_of makes a span from a pointer and a length. */
static inline redir_span redir_span_of(const void *ptr, size_t len) {
    redir_span s;
    s.ptr = (const uint8_t *)ptr;
    s.len = len;
    return s;
}

/* redir_utf8_next reads the code point at the start of in[0..in_len): true
 * with *out_len its length (1..4) when it is well-formed UTF-8 (no overlong
 * forms, surrogates or values above U+10FFFF); false with *out_len the length
 * of the maximal invalid subpart (at least 1, the unit a decoder replaces
 * with one U+FFFD), or 0 when in_len is 0. */
REDIR_API bool redir_utf8_next(size_t *out_len, const uint8_t *in, size_t in_len);

/* redir_diag receives where a decoder stopped. offset is relative to the start
 * of the input handed to the failing call. needed is meaningful only with
 * REDIR_E_TRUNCATED: at least that many more bytes are required. */
typedef struct redir_diag {
    size_t offset;
    size_t needed;
} redir_diag;

/* --- capability flags (64-bit: MariaDB extended capabilities above bit 31) --- */
#define REDIR_CLIENT_MYSQL UINT64_C(0x00000001) /* CLIENT_LONG_PASSWORD */
#define REDIR_CLIENT_FOUND_ROWS UINT64_C(0x00000002)
#define REDIR_CLIENT_LONG_FLAG UINT64_C(0x00000004)
#define REDIR_CLIENT_CONNECT_WITH_DB UINT64_C(0x00000008)
#define REDIR_CLIENT_NO_SCHEMA UINT64_C(0x00000010)
#define REDIR_CLIENT_COMPRESS UINT64_C(0x00000020)
#define REDIR_CLIENT_ODBC UINT64_C(0x00000040)
#define REDIR_CLIENT_LOCAL_FILES UINT64_C(0x00000080)
#define REDIR_CLIENT_IGNORE_SPACE UINT64_C(0x00000100)
#define REDIR_CLIENT_PROTOCOL_41 UINT64_C(0x00000200)
#define REDIR_CLIENT_INTERACTIVE UINT64_C(0x00000400)
#define REDIR_CLIENT_SSL UINT64_C(0x00000800)
#define REDIR_CLIENT_IGNORE_SIGPIPE UINT64_C(0x00001000)
#define REDIR_CLIENT_TRANSACTIONS UINT64_C(0x00002000)
#define REDIR_CLIENT_RESERVED UINT64_C(0x00004000)
#define REDIR_CLIENT_SECURE_CONNECTION UINT64_C(0x00008000)
#define REDIR_CLIENT_MULTI_STATEMENTS UINT64_C(0x00010000)
#define REDIR_CLIENT_MULTI_RESULTS UINT64_C(0x00020000)
#define REDIR_CLIENT_PS_MULTI_RESULTS UINT64_C(0x00040000)
#define REDIR_CLIENT_PLUGIN_AUTH UINT64_C(0x00080000)
#define REDIR_CLIENT_CONNECT_ATTRS UINT64_C(0x00100000)
#define REDIR_CLIENT_PLUGIN_AUTH_LENENC_DATA UINT64_C(0x00200000)
#define REDIR_CLIENT_CAN_HANDLE_EXPIRED_PASSWORDS UINT64_C(0x00400000)
#define REDIR_CLIENT_SESSION_TRACK UINT64_C(0x00800000)
#define REDIR_CLIENT_DEPRECATE_EOF UINT64_C(0x01000000)
#define REDIR_CLIENT_OPTIONAL_RESULTSET_METADATA UINT64_C(0x02000000)
#define REDIR_CLIENT_ZSTD_COMPRESSION UINT64_C(0x04000000)
#define REDIR_CLIENT_QUERY_ATTRIBUTES UINT64_C(0x08000000)
#define REDIR_CLIENT_MULTI_FACTOR_AUTH UINT64_C(0x10000000)
#define REDIR_CLIENT_PROGRESS_OBSOLETE UINT64_C(0x20000000) /* MySQL: CAPABILITY_EXTENSION */
#define REDIR_CLIENT_SSL_VERIFY_SERVER_CERT UINT64_C(0x40000000)
#define REDIR_CLIENT_REMEMBER_OPTIONS UINT64_C(0x80000000)
#define REDIR_MARIADB_CLIENT_PROGRESS (UINT64_C(1) << 32)
#define REDIR_MARIADB_CLIENT_COM_MULTI (UINT64_C(1) << 33)
#define REDIR_MARIADB_CLIENT_STMT_BULK_OPERATIONS (UINT64_C(1) << 34)
#define REDIR_MARIADB_CLIENT_EXTENDED_METADATA (UINT64_C(1) << 35)
#define REDIR_MARIADB_CLIENT_CACHE_METADATA (UINT64_C(1) << 36)
#define REDIR_MARIADB_CLIENT_BULK_UNIT_RESULTS (UINT64_C(1) << 37)

/* REDIR_CAPS_MARIADB_DEFAULT is what a MariaDB 11.x server negotiates with its
 * own command-line client over TCP without TLS or compression: the default
 * capabilities `redir decode` assumes. */
#define REDIR_CAPS_MARIADB_DEFAULT                                                              \
    (REDIR_CLIENT_FOUND_ROWS | REDIR_CLIENT_LONG_FLAG | REDIR_CLIENT_CONNECT_WITH_DB |          \
     REDIR_CLIENT_LOCAL_FILES | REDIR_CLIENT_PROTOCOL_41 | REDIR_CLIENT_INTERACTIVE |          \
     REDIR_CLIENT_TRANSACTIONS | REDIR_CLIENT_SECURE_CONNECTION |                              \
     REDIR_CLIENT_MULTI_STATEMENTS | REDIR_CLIENT_MULTI_RESULTS |                              \
     REDIR_CLIENT_PS_MULTI_RESULTS | REDIR_CLIENT_PLUGIN_AUTH | REDIR_CLIENT_CONNECT_ATTRS |    \
     REDIR_CLIENT_PLUGIN_AUTH_LENENC_DATA | REDIR_CLIENT_CAN_HANDLE_EXPIRED_PASSWORDS |        \
     REDIR_CLIENT_SESSION_TRACK | REDIR_CLIENT_DEPRECATE_EOF | REDIR_CLIENT_PROGRESS_OBSOLETE | \
     REDIR_MARIADB_CLIENT_PROGRESS | REDIR_MARIADB_CLIENT_STMT_BULK_OPERATIONS |               \
     REDIR_MARIADB_CLIENT_EXTENDED_METADATA | REDIR_MARIADB_CLIENT_CACHE_METADATA)

/* --- server status flags --- */
#define REDIR_STATUS_IN_TRANS 0x0001u
#define REDIR_STATUS_AUTOCOMMIT 0x0002u
#define REDIR_STATUS_MORE_RESULTS_EXISTS 0x0008u
#define REDIR_STATUS_NO_GOOD_INDEX_USED 0x0010u
#define REDIR_STATUS_NO_INDEX_USED 0x0020u
#define REDIR_STATUS_CURSOR_EXISTS 0x0040u
#define REDIR_STATUS_LAST_ROW_SENT 0x0080u
#define REDIR_STATUS_DB_DROPPED 0x0100u
#define REDIR_STATUS_NO_BACKSLASH_ESCAPES 0x0200u
#define REDIR_STATUS_METADATA_CHANGED 0x0400u
#define REDIR_STATUS_QUERY_WAS_SLOW 0x0800u
#define REDIR_STATUS_PS_OUT_PARAMS 0x1000u
#define REDIR_STATUS_IN_TRANS_READONLY 0x2000u
#define REDIR_STATUS_SESSION_STATE_CHANGED 0x4000u

/* Largest payload of one wire packet; longer payloads continue in the next. */
#define REDIR_MAX_PACKET_PAYLOAD 0xFFFFFFu

#ifdef __cplusplus
}
#endif

#endif
