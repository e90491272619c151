/*
 * libredir — the command phase: command bytes, client command codecs, column
 * definitions, prepare-OK, capability negotiation and the response tracker.
 *
 * Conventions are those of <redir/common.h> and <redir/packets.h>: decoders
 * take one packet PAYLOAD and fill a struct whose spans view the input; on
 * error *out is zeroed and diag gets the offset. Encoders reproduce byte for
 * byte what their decoder read (when length-encoded integers in the input
 * were minimal) and refuse field combinations their decoder could not have
 * produced with REDIR_E_INVALID_ARGUMENT (*out_len then 0).
 */
#ifndef REDIR_COMMAND_H
#define REDIR_COMMAND_H

#include "common.h"
#include "packets.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------------- */
/* Command bytes                                                               */
/* ------------------------------------------------------------------------- */

#define REDIR_COM_SLEEP 0x00
#define REDIR_COM_QUIT 0x01
#define REDIR_COM_INIT_DB 0x02
#define REDIR_COM_QUERY 0x03
#define REDIR_COM_FIELD_LIST 0x04
#define REDIR_COM_CREATE_DB 0x05
#define REDIR_COM_DROP_DB 0x06
#define REDIR_COM_REFRESH 0x07
#define REDIR_COM_SHUTDOWN 0x08
#define REDIR_COM_STATISTICS 0x09
#define REDIR_COM_PROCESS_INFO 0x0a
#define REDIR_COM_CONNECT 0x0b
#define REDIR_COM_PROCESS_KILL 0x0c
#define REDIR_COM_DEBUG 0x0d
#define REDIR_COM_PING 0x0e
#define REDIR_COM_TIME 0x0f
#define REDIR_COM_DELAYED_INSERT 0x10
#define REDIR_COM_CHANGE_USER 0x11
#define REDIR_COM_BINLOG_DUMP 0x12
#define REDIR_COM_TABLE_DUMP 0x13
#define REDIR_COM_CONNECT_OUT 0x14
#define REDIR_COM_REGISTER_SLAVE 0x15
#define REDIR_COM_STMT_PREPARE 0x16
#define REDIR_COM_STMT_EXECUTE 0x17
#define REDIR_COM_STMT_SEND_LONG_DATA 0x18
#define REDIR_COM_STMT_CLOSE 0x19
#define REDIR_COM_STMT_RESET 0x1a
#define REDIR_COM_SET_OPTION 0x1b
#define REDIR_COM_STMT_FETCH 0x1c
#define REDIR_COM_DAEMON 0x1d
#define REDIR_COM_BINLOG_DUMP_GTID 0x1e /* MySQL */
#define REDIR_COM_RESET_CONNECTION 0x1f
#define REDIR_COM_CLONE 0x20 /* MySQL */
#define REDIR_COM_SUBSCRIBE_GROUP_REPLICATION_STREAM 0x21 /* MySQL */
#define REDIR_COM_STMT_BULK_EXECUTE 0xfa /* MariaDB */
#define REDIR_COM_MULTI 0xfe /* MariaDB, obsolete */

/* redir_com_name returns the command's stable lower-case name ("query",
 * "init-db", "stmt-prepare", "stmt-bulk-execute", ...), or NULL for a byte
 * that names no command. The strings are static and appear in tool output. */
REDIR_API const char *redir_com_name(uint8_t command);

/* COM_SET_OPTION values. */
#define REDIR_OPTION_MULTI_STATEMENTS_ON 0
#define REDIR_OPTION_MULTI_STATEMENTS_OFF 1

/* COM_STMT_EXECUTE flags (the cursor type byte). */
#define REDIR_CURSOR_TYPE_NO_CURSOR 0x00
#define REDIR_CURSOR_TYPE_READ_ONLY 0x01
#define REDIR_CURSOR_TYPE_FOR_UPDATE 0x02
#define REDIR_CURSOR_TYPE_SCROLLABLE 0x04
#define REDIR_PARAMETER_COUNT_AVAILABLE 0x08 /* MySQL: a parameter count follows */

/* Column types (the type byte of a column definition and of a parameter). */
#define REDIR_TYPE_DECIMAL 0
#define REDIR_TYPE_TINY 1
#define REDIR_TYPE_SHORT 2
#define REDIR_TYPE_LONG 3
#define REDIR_TYPE_FLOAT 4
#define REDIR_TYPE_DOUBLE 5
#define REDIR_TYPE_NULL 6
#define REDIR_TYPE_TIMESTAMP 7
#define REDIR_TYPE_LONGLONG 8
#define REDIR_TYPE_INT24 9
#define REDIR_TYPE_DATE 10
#define REDIR_TYPE_TIME 11
#define REDIR_TYPE_DATETIME 12
#define REDIR_TYPE_YEAR 13
#define REDIR_TYPE_VARCHAR 15
#define REDIR_TYPE_BIT 16
#define REDIR_TYPE_JSON 245
#define REDIR_TYPE_NEWDECIMAL 246
#define REDIR_TYPE_ENUM 247
#define REDIR_TYPE_SET 248
#define REDIR_TYPE_TINY_BLOB 249
#define REDIR_TYPE_MEDIUM_BLOB 250
#define REDIR_TYPE_LONG_BLOB 251
#define REDIR_TYPE_BLOB 252
#define REDIR_TYPE_VAR_STRING 253
#define REDIR_TYPE_STRING 254
#define REDIR_TYPE_GEOMETRY 255

/* ------------------------------------------------------------------------- */
/* Capability negotiation                                                      */
/* ------------------------------------------------------------------------- */

/* redir_caps_negotiate returns the capabilities a connection runs with, given
 * what the server offered (greeting) and what the client asked for
 * (handshake response), both as the 64-bit values the decoders produce.
 * The rule, as MariaDB's server and Connector/C apply it:
 *  - the low 32 bits are server_caps & client_caps;
 *  - MariaDB's extended capabilities (bits 32..63) count only when BOTH sides
 *    cleared CLIENT_MYSQL (bit 0): the server sends them in the greeting's
 *    reserved bytes and reads the client's only in that case. Otherwise the
 *    high half of the result is 0, whatever the inputs carry there.
 * This is the only place the rule lives: every engine and tool calls it. */
REDIR_API uint64_t redir_caps_negotiate(uint64_t server_caps, uint64_t client_caps);

/* ------------------------------------------------------------------------- */
/* Binary parameters (COM_STMT_EXECUTE, query attributes of COM_QUERY)         */
/* ------------------------------------------------------------------------- */

/* redir_params is a block of binary-protocol parameters as both COM_QUERY
 * (query attributes) and COM_STMT_EXECUTE carry it: a NULL bitmap, the
 * new-params-bound flag, the types (each a type byte and a flags byte, 0x80
 * meaning unsigned; with names: a length-encoded name after each), and the
 * values of the parameters that are not NULL, in order. */
typedef struct redir_params {
    uint64_t count;           /* number of parameters */
    redir_span null_bitmap;   /* (count + 7) / 8 bytes; empty when count is 0 */
    bool has_bound_flag;      /* count > 0: the flag byte is there */
    uint8_t new_params_bound; /* 1: types follow; 0: the types of the previous execute apply */
    bool named;               /* each type is followed by a length-encoded name */
    redir_span types;         /* the type (and name) list as sent; empty when not bound */
    redir_span values;        /* everything after the types */
} redir_params;

/* redir_param is one parameter as redir_param_next yields it. */
typedef struct redir_param {
    uint8_t type;       /* REDIR_TYPE_* */
    uint8_t type_flags; /* 0x80: unsigned */
    redir_span name;    /* empty unless the block is named */
    bool is_null;       /* set in the NULL bitmap: no value bytes */
    redir_span value;   /* the value's bytes in the binary protocol (a length
                         * prefix included for strings and temporal types) */
} redir_param;

/* redir_param_iter walks a redir_params whose types are bound. */
typedef struct redir_param_iter {
    redir_params params; /* private */
    uint64_t index;      /* private */
    size_t types_pos;    /* private */
    size_t values_pos;   /* private */
} redir_param_iter;

REDIR_API void redir_param_iter_init(redir_param_iter *it, const redir_params *params);

/* redir_param_next yields the next parameter: REDIR_OK, REDIR_DONE after the
 * last, REDIR_E_STMT_PARAMS when the block has no types (new_params_bound 0),
 * or the error of a type or name running past the types, or a value running
 * past the values (REDIR_E_TRUNCATED, REDIR_E_LENENC_NULL,
 * REDIR_E_LENENC_INVALID); diag->offset is relative to the types span for a
 * type or name, to the values span for a value. A failed call does not
 * advance the iterator. Value sizes follow the binary protocol: 1, 2, 4 or 8
 * bytes for the integer and floating types, a one-byte length and that many
 * bytes for DATE, TIME, DATETIME and TIMESTAMP, nothing for NULL, and a
 * length-encoded string for every other type. */
REDIR_API REDIR_NODISCARD redir_status redir_param_next(redir_param_iter *it, redir_param *out,
                                                        redir_diag *diag);

/* redir_binary_value_size tells how many bytes the binary-protocol value of
 * the given type occupies at the start of in[0..in_len) (see redir_param_next
 * for the layouts). Fails with REDIR_E_TRUNCATED, REDIR_E_LENENC_NULL or
 * REDIR_E_LENENC_INVALID. */
REDIR_API REDIR_NODISCARD redir_status redir_binary_value_size(size_t *out_size, redir_diag *diag,
                                                               const uint8_t *in, size_t in_len,
                                                               uint8_t type);

/* ------------------------------------------------------------------------- */
/* Client commands                                                             */
/* ------------------------------------------------------------------------- */

/* COM_QUERY. With CLIENT_QUERY_ATTRIBUTES (MySQL 8.0.23+) the SQL text is
 * preceded by: parameter count<lenenc>, parameter set count<lenenc> (1), and
 * when the count is non-zero a named redir_params block whose values are
 * walked to find where the SQL text starts. */
typedef struct redir_com_query {
    bool has_attributes;       /* the attribute header was present (caps) */
    uint64_t param_set_count;  /* as sent; 1 in practice */
    redir_params attributes;   /* count 0 when no attribute is sent */
    redir_span sql;
} redir_com_query;

/* COM_CHANGE_USER: user<NUL>, auth response (CLIENT_SECURE_CONNECTION: one
 * length byte and the bytes, else NUL-terminated), database<NUL>, then while
 * bytes remain: charset<2>, plugin<NUL> (CLIENT_PLUGIN_AUTH), connect
 * attributes<lenenc> (CLIENT_CONNECT_ATTRS). */
typedef struct redir_com_change_user {
    redir_span user;
    redir_span auth_response;
    redir_span database;
    bool has_charset;
    uint16_t charset;
    bool has_auth_plugin;
    redir_span auth_plugin;
    bool has_attributes;
    redir_span attributes;     /* the key/value block without its length prefix */
    /* Size of the block's length prefix as sent: 1, 3, 4 or 9 (Connector/C
     * always writes 3). 0 when encoding means the minimal size. */
    uint8_t attributes_len_size;
} redir_com_change_user;

/* COM_STMT_EXECUTE: statement id<4> (0xFFFFFFFF: the statement prepared
 * last, MariaDB), flags<1>, iteration count<4>, then the parameters; decoding
 * them needs the parameter count from the prepare-OK: see
 * redir_stmt_execute_params_decode. */
typedef struct redir_com_stmt_execute {
    uint32_t statement_id;
    uint8_t flags;             /* REDIR_CURSOR_TYPE_* | REDIR_PARAMETER_COUNT_AVAILABLE */
    uint32_t iteration_count;
    redir_span params;         /* everything after the iteration count */
} redir_com_stmt_execute;

/* COM_STMT_FETCH: statement id<4>, rows<4>. */
typedef struct redir_com_stmt_fetch {
    uint32_t statement_id;
    uint32_t num_rows;
} redir_com_stmt_fetch;

/* COM_STMT_SEND_LONG_DATA: statement id<4>, parameter id<2>, data<EOF>. */
typedef struct redir_com_stmt_long_data {
    uint32_t statement_id;
    uint16_t param_id;
    redir_span data;
} redir_com_stmt_long_data;

/* COM_STMT_BULK_EXECUTE (MariaDB): statement id<4>, flags<2>, then types and
 * rows of values, kept as a view. */
typedef struct redir_com_stmt_bulk {
    uint32_t statement_id;
    uint16_t flags;
    redir_span data;
} redir_com_stmt_bulk;

/* COM_FIELD_LIST: table<NUL>, wildcard<EOF>. */
typedef struct redir_com_field_list {
    redir_span table;
    redir_span wildcard;
} redir_com_field_list;

/* redir_command is one decoded client command. `command` and `body` (the
 * payload after the command byte) are set for every command; the member of
 * `as` named after the command is set for the commands listed with it:
 *   query           COM_QUERY
 *   text            COM_INIT_DB (schema), COM_STMT_PREPARE (SQL),
 *                   COM_CREATE_DB, COM_DROP_DB (schema)
 *   change_user     COM_CHANGE_USER
 *   stmt_execute    COM_STMT_EXECUTE
 *   statement_id    COM_STMT_CLOSE, COM_STMT_RESET
 *   stmt_fetch      COM_STMT_FETCH
 *   long_data       COM_STMT_SEND_LONG_DATA
 *   bulk            COM_STMT_BULK_EXECUTE
 *   field_list      COM_FIELD_LIST
 *   connection_id   COM_PROCESS_KILL
 *   option          COM_SET_OPTION
 * COM_QUIT, COM_PING, COM_STATISTICS, COM_RESET_CONNECTION, COM_DEBUG,
 * COM_PROCESS_INFO and COM_TIME have no body. Any other byte is a generic
 * command: only `body` describes it. */
typedef struct redir_command {
    uint8_t command;
    redir_span body;
    union {
        redir_com_query query;
        redir_span text;
        redir_com_change_user change_user;
        redir_com_stmt_execute stmt_execute;
        uint32_t statement_id;
        redir_com_stmt_fetch stmt_fetch;
        redir_com_stmt_long_data long_data;
        redir_com_stmt_bulk bulk;
        redir_com_field_list field_list;
        uint32_t connection_id;
        uint16_t option;
    } as;
} redir_command;

/* redir_command_decode decodes a client command payload under the
 * negotiated capabilities caps (CLIENT_QUERY_ATTRIBUTES shapes COM_QUERY;
 * CLIENT_SECURE_CONNECTION, CLIENT_PLUGIN_AUTH and CLIENT_CONNECT_ATTRS shape
 * COM_CHANGE_USER). Fails with REDIR_E_EMPTY_PACKET (offset 0) for an empty
 * payload, REDIR_E_TRUNCATED for a fixed field cut short, REDIR_E_TRAILING
 * for bytes after a fixed layout (or one stray byte where COM_CHANGE_USER's
 * charset would be), REDIR_E_NO_TERMINATOR, REDIR_E_LENENC_NULL and
 * REDIR_E_LENENC_INVALID for a length, REDIR_E_QUERY_ATTRIBUTES for query
 * attributes with a missing bound flag or types (diag->offset is where the
 * attribute block went wrong), and REDIR_E_BAD_ATTRIBUTES for a malformed
 * connect-attribute block. */
REDIR_API REDIR_NODISCARD redir_status redir_command_decode(redir_command *out, redir_diag *diag,
                                                            const uint8_t *in, size_t in_len,
                                                            uint64_t caps);

/* redir_command_encode writes *c under caps. Typed commands are written from
 * their `as` member (body is not read); generic ones as the command byte and
 * body. Fails with REDIR_E_INVALID_ARGUMENT when the output would not decode
 * back to *c: a NUL inside a NUL-terminated field; an auth response over 255
 * bytes under CLIENT_SECURE_CONNECTION (REDIR_E_FIELD_TOO_LONG) or holding a
 * NUL without it; an optional COM_CHANGE_USER field present without its flag
 * or after an absent one; query attributes present without
 * CLIENT_QUERY_ATTRIBUTES, absent with it, or whose parameter block does not
 * hold exactly its values; a span with a NULL pointer and a non-zero length. */
REDIR_API REDIR_NODISCARD redir_status redir_command_encode(uint8_t *buf, size_t cap,
                                                            size_t *out_len,
                                                            const redir_command *c,
                                                            uint64_t caps);

/* redir_stmt_execute_params_decode decodes the parameter part of a
 * COM_STMT_EXECUTE (redir_com_stmt_execute.params) for a statement with
 * param_count parameters (the prepare-OK's num_params). Layout: when
 * param_count > 0, or CLIENT_QUERY_ATTRIBUTES and the
 * REDIR_PARAMETER_COUNT_AVAILABLE flag: with CLIENT_QUERY_ATTRIBUTES a
 * parameter count<lenenc> (parameters plus attributes, which replaces
 * param_count); then, when the count is non-zero, the redir_params block,
 * named under CLIENT_QUERY_ATTRIBUTES. The values are not checked (a
 * parameter sent with COM_STMT_SEND_LONG_DATA has none): walk them with
 * redir_param_next. Fails with REDIR_E_TRUNCATED, REDIR_E_LENENC_NULL,
 * REDIR_E_LENENC_INVALID, REDIR_E_STMT_PARAMS for a bound flag other than 0
 * or 1, and REDIR_E_TRAILING for bytes where no parameter block is due. */
REDIR_API REDIR_NODISCARD redir_status redir_stmt_execute_params_decode(
    redir_params *out, redir_diag *diag, const uint8_t *in, size_t in_len, uint64_t param_count,
    uint8_t flags, uint64_t caps);

/* ------------------------------------------------------------------------- */
/* Result-set metadata and prepare-OK                                          */
/* ------------------------------------------------------------------------- */

/* The column count that starts a result set: count<lenenc>, and under
 * CLIENT_OPTIONAL_RESULTSET_METADATA (MySQL) or MARIADB_CLIENT_CACHE_METADATA
 * a metadata-follows byte (0: the column definitions are not sent). */
typedef struct redir_column_count {
    uint64_t count;
    bool has_metadata_follows;
    uint8_t metadata_follows;
} redir_column_count;

/* redir_column_count_decode fails with REDIR_E_TRUNCATED, REDIR_E_LENENC_NULL,
 * REDIR_E_LENENC_INVALID, REDIR_E_COLUMN_COUNT (offset 0) for a count of
 * zero or above 65535, and REDIR_E_TRAILING. */
REDIR_API REDIR_NODISCARD redir_status redir_column_count_decode(redir_column_count *out,
                                                                 redir_diag *diag,
                                                                 const uint8_t *in,
                                                                 size_t in_len, uint64_t caps);

/* redir_column_count_encode fails with REDIR_E_INVALID_ARGUMENT when
 * has_metadata_follows disagrees with caps or the count is out of range. */
REDIR_API REDIR_NODISCARD redir_status redir_column_count_encode(uint8_t *buf, size_t cap,
                                                                 size_t *out_len,
                                                                 const redir_column_count *c,
                                                                 uint64_t caps);

/* ColumnDefinition41, with MariaDB's extended metadata: catalog, schema,
 * table, org_table, name, org_name (length-encoded strings), under
 * MARIADB_CLIENT_EXTENDED_METADATA a length-encoded block of (type<1>,
 * value<lenenc>) pairs, then the fixed block: its length<lenenc> (always 12),
 * charset<2>, column length<4>, type<1>, flags<2>, decimals<1>, two
 * reserved bytes. A COM_FIELD_LIST column adds its default value: a
 * length-encoded string or 0xFB for NULL. */
typedef struct redir_column_def {
    redir_span catalog;        /* "def" */
    redir_span schema;
    redir_span table;
    redir_span org_table;
    redir_span name;
    redir_span org_name;
    bool has_ext_metadata;     /* MARIADB_CLIENT_EXTENDED_METADATA */
    redir_span ext_metadata;   /* the pairs, without the block's length prefix */
    uint16_t charset;
    uint32_t column_length;
    uint8_t type;              /* REDIR_TYPE_* */
    uint16_t flags;
    uint8_t decimals;
    uint16_t reserved;         /* the two bytes after decimals, as sent */
    bool has_default;          /* a default value follows (COM_FIELD_LIST) */
    bool default_is_null;
    redir_span default_value;
} redir_column_def;

/* Extended metadata pair types. */
#define REDIR_FIELD_ATTR_DATA_TYPE_NAME 0
#define REDIR_FIELD_ATTR_FORMAT_NAME 1

/* redir_column_def_decode fails with REDIR_E_TRUNCATED, REDIR_E_LENENC_NULL,
 * REDIR_E_LENENC_INVALID, REDIR_E_COLUMN_DEF for a fixed-block length other
 * than 12 (diag->offset is that length), and REDIR_E_TRAILING for bytes after
 * a default value. The extended metadata pairs are walked before success. */
REDIR_API REDIR_NODISCARD redir_status redir_column_def_decode(redir_column_def *out,
                                                               redir_diag *diag,
                                                               const uint8_t *in, size_t in_len,
                                                               uint64_t caps);

/* redir_column_def_encode fails with REDIR_E_INVALID_ARGUMENT when
 * has_ext_metadata disagrees with caps, the extended metadata pairs are
 * malformed, a NULL default carries a value, or a span has a NULL pointer and
 * a non-zero length. */
REDIR_API REDIR_NODISCARD redir_status redir_column_def_encode(uint8_t *buf, size_t cap,
                                                               size_t *out_len,
                                                               const redir_column_def *d,
                                                               uint64_t caps);

/* redir_column_ext_next takes the next (type, value) pair off *rest (an
 * ext_metadata span), advancing it: REDIR_OK, REDIR_DONE when *rest is empty,
 * or REDIR_E_TRUNCATED / REDIR_E_LENENC_NULL / REDIR_E_LENENC_INVALID
 * (then *rest is unchanged; diag->offset is relative to *rest). */
REDIR_API REDIR_NODISCARD redir_status redir_column_ext_next(redir_span *rest, uint8_t *type,
                                                             redir_span *value,
                                                             redir_diag *diag);

/* Prepare-OK, the first packet of a successful COM_STMT_PREPARE response:
 * 0x00, statement id<4>, columns<2>, params<2>, reserved<1>, warnings<2>, and
 * under CLIENT_OPTIONAL_RESULTSET_METADATA or MARIADB_CLIENT_CACHE_METADATA
 * an optional metadata-follows byte (MySQL sends it; MariaDB does not). The
 * parameter definitions, then the column definitions follow, each list
 * followed by an EOF unless CLIENT_DEPRECATE_EOF. */
typedef struct redir_prepare_ok {
    uint32_t statement_id;
    uint16_t num_columns;
    uint16_t num_params;
    uint8_t reserved;
    uint16_t warnings;
    bool has_metadata_follows;
    uint8_t metadata_follows;
} redir_prepare_ok;

/* redir_prepare_ok_decode fails with REDIR_E_TRUNCATED, REDIR_E_BAD_HEADER
 * (offset 0) when the first byte is not 0x00, and REDIR_E_TRAILING. */
REDIR_API REDIR_NODISCARD redir_status redir_prepare_ok_decode(redir_prepare_ok *out,
                                                               redir_diag *diag,
                                                               const uint8_t *in, size_t in_len,
                                                               uint64_t caps);

/* redir_prepare_ok_encode fails with REDIR_E_INVALID_ARGUMENT for a
 * metadata-follows byte without the capability that carries it. */
REDIR_API REDIR_NODISCARD redir_status redir_prepare_ok_encode(uint8_t *buf, size_t cap,
                                                               size_t *out_len,
                                                               const redir_prepare_ok *p,
                                                               uint64_t caps);

/* ------------------------------------------------------------------------- */
/* Response tracker                                                            */
/* ------------------------------------------------------------------------- */

/* What one payload is, as the tracker classified it. Client kinds come from
 * redir_resp_command, server kinds from redir_resp_feed. */
typedef enum redir_resp_kind {
    REDIR_RESP_NONE = 0,
    /* client -> server */
    REDIR_RESP_COMMAND,        /* a command (event.command) */
    REDIR_RESP_INFILE_DATA,    /* LOCAL INFILE file contents */
    REDIR_RESP_INFILE_END,     /* the empty packet ending them */
    REDIR_RESP_AUTH_DATA,      /* the client's answer inside COM_CHANGE_USER */
    /* server -> client */
    REDIR_RESP_OK,             /* OK: ends the response or, with more_results, one result */
    REDIR_RESP_ERR,            /* ERR: ends the response */
    REDIR_RESP_PROGRESS,       /* MariaDB progress report (ERR 0xFFFF): the response goes on */
    REDIR_RESP_EOF,            /* legacy EOF after definitions, or ending rows or a response */
    REDIR_RESP_OK_AS_EOF,      /* 0xFE OK ending rows (CLIENT_DEPRECATE_EOF) */
    REDIR_RESP_COLUMN_COUNT,
    REDIR_RESP_COLUMN_DEF,     /* also each column of a COM_FIELD_LIST answer */
    REDIR_RESP_ROW,            /* text row, or binary row (event.binary) */
    REDIR_RESP_PREPARE_OK,
    REDIR_RESP_PARAM_DEF,      /* a parameter definition after a prepare-OK */
    REDIR_RESP_LOCAL_INFILE,   /* 0xFB file name: the client sends the file next */
    REDIR_RESP_STATISTICS,     /* COM_STATISTICS text */
    REDIR_RESP_AUTH_SWITCH,    /* inside COM_CHANGE_USER */
    REDIR_RESP_AUTH_MORE_DATA, /* inside COM_CHANGE_USER */
    REDIR_RESP_AUTH_NEXT_FACTOR, /* inside COM_CHANGE_USER (CLIENT_MULTI_FACTOR_AUTH) */
    REDIR_RESP_BINLOG_EVENT    /* one event of a COM_BINLOG_DUMP(_GTID) stream */
} redir_resp_kind;

/* redir_resp_kind_name: stable lower-case names ("ok", "column-def",
 * "prepare-ok", "infile-data", ...); "unknown" outside the enum. Names shared
 * with redir_kind are spelled the same. */
REDIR_API const char *redir_resp_kind_name(redir_resp_kind kind);

/* redir_resp_event describes one payload. Spans view the payload just fed and
 * are valid as long as it is. The decoded packet is in the member matching
 * kind: ok (OK, OK_AS_EOF), err (ERR, PROGRESS), eof (EOF), column_count,
 * column (COLUMN_DEF, PARAM_DEF), prepare_ok; data holds the payload itself
 * for ROW, STATISTICS, LOCAL_INFILE (the file name, after 0xFB), the auth
 * packets, BINLOG_EVENT and the client kinds. */
typedef struct redir_resp_event {
    redir_resp_kind kind;
    uint8_t command;      /* the command the payload belongs to */
    bool command_known;   /* false for a response queued with redir_resp_expect_unknown */
    bool binary;          /* ROW: binary protocol (COM_STMT_EXECUTE, COM_STMT_FETCH) */
    bool more_results;    /* OK/EOF/OK_AS_EOF with SERVER_MORE_RESULTS_EXISTS: another result follows */
    bool cursor;          /* the result's rows stay on the server: fetch them with COM_STMT_FETCH */
    bool complete;        /* the response to `command` is complete with this payload */
    bool has_status;      /* status was carried by this payload (OK, EOF, OK_AS_EOF) */
    uint16_t status;
    uint64_t index;       /* COLUMN_DEF/PARAM_DEF: position from 0; ROW: rows before it in this result */
    size_t pending;       /* commands still awaiting (the rest of) their response */
    redir_span data;
    redir_ok ok;
    redir_err err;
    redir_eof eof;
    redir_column_count column_count;
    redir_column_def column;
    redir_prepare_ok prepare_ok;
} redir_resp_event;

/* Fixed capacity of the tracker's queue of commands awaiting a response. */
#define REDIR_RESP_QUEUE_CAP 64

typedef struct redir_resp_entry_ {
    uint8_t command;
    uint8_t flags;
} redir_resp_entry_;

/* redir_resp_tracker follows the command phase of one connection. Every
 * field is private; the struct holds no pointer, so a copy is an independent
 * tracker (a caller can keep one to retry a payload under other caps). */
typedef struct redir_resp_tracker {
    uint64_t caps;
    redir_resp_entry_ queue[REDIR_RESP_QUEUE_CAP];
    size_t head;
    size_t len;
    int state;
    uint64_t columns;        /* of the current result set */
    uint64_t left;           /* definitions still due in the current list */
    uint64_t rows;
    uint16_t prep_columns;   /* prepare-OK: column definitions after the params */
    bool prep_metadata;
    bool binary;
    bool closed;             /* COM_QUIT sent */
    uint64_t sent;           /* commands that expect a response */
    uint64_t completed;      /* responses completed */
} redir_resp_tracker;

/* redir_resp_init starts a tracker for a connection whose negotiated
 * capabilities are caps (see redir_caps_negotiate): nothing outstanding. */
REDIR_API void redir_resp_init(redir_resp_tracker *t, uint64_t caps);

/* redir_resp_set_caps changes the capabilities used from the next payload on
 * (a capture that starts mid-stream learns them from the traffic). When
 * CLIENT_DEPRECATE_EOF is set while the EOF after column definitions (or
 * after a prepare-OK's parameter definitions followed by columns) is due,
 * that EOF is no longer expected. */
REDIR_API void redir_resp_set_caps(redir_resp_tracker *t, uint64_t caps);

/* redir_resp_command takes a payload the client sent in the command phase
 * and fills *ev (kind COMMAND, INFILE_DATA, INFILE_END or AUTH_DATA):
 *  - after a LOCAL INFILE request, payloads are file contents until an empty
 *    one ends them (then the server's answer to the command is due);
 *  - while a COM_CHANGE_USER exchange is under way (the command at the head
 *    of the queue, its response not complete), payloads are auth data;
 *  - otherwise the payload is a command, queued for its response, except
 *    COM_QUIT, COM_STMT_CLOSE and COM_STMT_SEND_LONG_DATA, which get none
 *    (ev->complete is then true). COM_STMT_EXECUTE with a cursor flag is
 *    remembered: its result set may end at the definitions.
 * Fails, leaving the tracker as it was, with REDIR_E_EMPTY_PACKET for an
 * empty command payload, REDIR_E_RESP_QUEUE_FULL when REDIR_RESP_QUEUE_CAP
 * commands already await a response, and REDIR_E_RESP_UNEXPECTED after
 * COM_QUIT. */
REDIR_API REDIR_NODISCARD redir_status redir_resp_command(redir_resp_tracker *t,
                                                          redir_resp_event *ev, redir_diag *diag,
                                                          const uint8_t *payload, size_t len);

/* redir_resp_expect_unknown queues a response whose command was not seen (a
 * capture that starts mid-stream). Its first payload is classified by its
 * shape: OK, ERR, EOF, LOCAL INFILE, a 12- or 13-byte prepare-OK that does not
 * read as an OK, or else a column count starting a result set whose rows
 * are not checked (they may be text or binary; ev->binary stays false).
 * Fails with REDIR_E_RESP_QUEUE_FULL, and REDIR_E_RESP_UNEXPECTED after
 * COM_QUIT. */
REDIR_API REDIR_NODISCARD redir_status redir_resp_expect_unknown(redir_resp_tracker *t,
                                                                 redir_diag *diag);

/* redir_resp_feed classifies the next server payload and fills *ev.
 * Grammar, per command at the head of the queue:
 *  - any command: ERR ends the response; a MariaDB progress report (with
 *    MARIADB_CLIENT_PROGRESS or CLIENT_PROGRESS_OBSOLETE) before the first
 *    result does not; OK ends it, or one result of it with
 *    SERVER_MORE_RESULTS_EXISTS; a 0xFE packet short enough for an EOF (or
 *    OK-as-EOF under CLIENT_DEPRECATE_EOF) ends it likewise;
 *  - COM_QUERY, COM_STMT_EXECUTE, COM_STMT_BULK_EXECUTE, COM_PROCESS_INFO:
 *    a column count, its definitions (unless the metadata-follows byte is 0),
 *    an EOF unless CLIENT_DEPRECATE_EOF, rows (binary after COM_STMT_EXECUTE
 *    and COM_STMT_BULK_EXECUTE), and a terminator (EOF, OK-as-EOF, or ERR);
 *    COM_QUERY and COM_STMT_EXECUTE also a LOCAL INFILE request (0xFB); a
 *    COM_STMT_EXECUTE with a cursor flag may end at a terminator with
 *    SERVER_STATUS_CURSOR_EXISTS right after the definitions (ev->cursor);
 *  - COM_STMT_PREPARE: prepare-OK, parameter definitions, EOF unless
 *    CLIENT_DEPRECATE_EOF, column definitions, EOF likewise;
 *  - COM_STMT_FETCH: binary rows and a terminator;
 *  - COM_FIELD_LIST: column definitions with default values, then EOF;
 *  - COM_STATISTICS: one text payload;
 *  - COM_CHANGE_USER: auth switch and auth more data (the client answers with
 *    auth data), then OK or ERR;
 *  - COM_BINLOG_DUMP(_GTID): events (0x00 ...) until EOF or ERR.
 * Column definitions are decoded (redir_column_def_decode); text rows must hold
 * exactly the column count of values, binary rows the NULL bitmap for it.
 * Fails, leaving the tracker as it was, with:
 *  REDIR_E_EMPTY_PACKET for an empty payload;
 *  REDIR_E_RESP_UNEXPECTED (offset 0) when nothing is outstanding or the
 *    payload cannot come at this point of the response;
 *  REDIR_E_RESP_AWAITING_CLIENT while the client owes LOCAL INFILE data;
 *  REDIR_E_RESP_COLUMN_MISMATCH (offset 0) for a terminator where a column
 *    or parameter definition is still due, or a payload that does not decode
 *    as a definition where one is due (then the offset is where it failed);
 *  REDIR_E_RESP_ROW_MISMATCH for a row holding more or fewer values than
 *    the column count (offset: where the row stopped matching);
 *  the decoder's status (with its offset) for an OK, EOF, ERR, column count
 *    or prepare-OK that does not decode. */
REDIR_API REDIR_NODISCARD redir_status redir_resp_feed(redir_resp_tracker *t,
                                                       redir_resp_event *ev, redir_diag *diag,
                                                       const uint8_t *payload, size_t len);

/* redir_resp_pending is the number of commands awaiting (the rest of) their
 * response; 0 means the session is idle from the server's side. */
REDIR_API size_t redir_resp_pending(const redir_resp_tracker *t);

/* redir_resp_awaiting_client is true while the server waits for the client:
 * LOCAL INFILE contents, or an answer to an auth switch inside
 * COM_CHANGE_USER. */
REDIR_API bool redir_resp_awaiting_client(const redir_resp_tracker *t);

/* redir_resp_abandon drops the response in progress (the server's bytes for
 * it were lost): the next payload answers the next queued command.
 * redir_resp_reset forgets every queued command as well; caps stay. */
REDIR_API void redir_resp_abandon(redir_resp_tracker *t);
REDIR_API void redir_resp_reset(redir_resp_tracker *t);

#ifdef __cplusplus
}
#endif

#endif
