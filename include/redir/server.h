/*
 * libredir — the server engine: plays a MariaDB server over one client
 * connection, from the greeting through authentication into the command
 * phase, without I/O.
 *
 * The caller owns the socket, TLS, time, randomness and every buffer. It
 * feeds the bytes it received (redir_server_feed), sends what the engine
 * queued (redir_server_output / redir_server_output_consume), and pulls
 * events (redir_server_next). The engine reads client packets only when the
 * conversation expects one, checks their sequence ids, decodes them and says
 * what they are; the caller answers with the action functions below. Every
 * answer goes out with the sequence id the protocol requires, and every
 * redirect carrier is written by the builders of <redir/redirect.h>.
 *
 *   init ─ greeting queued
 *     │ SSLRequest         → START_TLS  (caller: TLS accept, redir_server_tls_done)
 *     │ handshake response → HANDSHAKE_RESPONSE
 *     │      caller: auth switch / more data → AUTH_DATA (client's answer) …
 *     │      caller: OK (login done) or ERR (connection finished)
 *     │ command            → COMMAND (one at a time; the next is read only
 *     │                      after the caller finished answering this one)
 *     │ COM_QUIT           → CLOSED
 *     └ malformed input    → ERROR: an ERR naming the status is already
 *                            queued and the connection is finished
 *
 * Nothing here allocates, reads a clock or draws random numbers: the caller
 * supplies the scramble and the connection id.
 *
 * Not supported: the compressed protocol (never offered) and LOCAL INFILE
 * (a 0xFB request sent with redir_server_send gets no file read back: the
 * engine reads the next packet as a command).
 */
#ifndef REDIR_SERVER_H
#define REDIR_SERVER_H

#include "command.h"
#include "common.h"
#include "packets.h"
#include "redirect.h"
#include "stream.h"

#ifdef __cplusplus
extern "C" {
#endif

/* What MariaDB 10.11 offers in its greeting (captures in pcaps/), without
 * CLIENT_SSL and the compression flags: the engine adds CLIENT_SSL only when
 * TLS is offered and never offers compression. */
#define REDIR_SERVER_CAPS_DEFAULT                                                                \
    ((UINT64_C(0x81FFFFFE) &                                                                     \
      ~(REDIR_CLIENT_SSL | REDIR_CLIENT_COMPRESS | REDIR_CLIENT_ZSTD_COMPRESSION)) |             \
     REDIR_MARIADB_CLIENT_PROGRESS | REDIR_MARIADB_CLIENT_STMT_BULK_OPERATIONS |                \
     REDIR_MARIADB_CLIENT_EXTENDED_METADATA | REDIR_MARIADB_CLIENT_CACHE_METADATA)

/* The server version written when the configuration leaves it empty. */
#define REDIR_SERVER_VERSION_DEFAULT "11.4.0-MariaDB-libredir"

/* The auth plugin named in the greeting when the configuration leaves it empty. */
#define REDIR_SERVER_PLUGIN_DEFAULT "mysql_native_password"

#define REDIR_SERVER_SCRAMBLE_SIZE 20

/* Room the engine needs in the output buffer for its greeting with the
 * default version and plugin; longer names need more. */
#define REDIR_SERVER_OUT_MIN 256

/* Size of the engine's own slot for the final ERR after malformed input. */
#define REDIR_SERVER_ERR_SLOT 160

typedef struct redir_server_config {
    redir_span server_version; /* as sent (no NUL); empty: REDIR_SERVER_VERSION_DEFAULT */
    uint32_t connection_id;
    /* The caller's 20 random bytes. A byte outside 0x21..0x7E is mapped into
     * that range (0x21 + byte % 94), as MariaDB's own scramble is printable:
     * clients reading the greeting's auth data as a string then see all of
     * it. redir_server_scramble() returns the bytes actually sent. */
    uint8_t scramble[REDIR_SERVER_SCRAMBLE_SIZE];
    /* Capabilities offered; 0: REDIR_SERVER_CAPS_DEFAULT. The engine always
     * clears CLIENT_MYSQL (so the MariaDB extended half in bits 32..63 is
     * offered in the greeting's reserved bytes), CLIENT_COMPRESS and
     * CLIENT_ZSTD_COMPRESSION, sets CLIENT_PROTOCOL_41,
     * CLIENT_SECURE_CONNECTION, CLIENT_PLUGIN_AUTH and CLIENT_SESSION_TRACK,
     * and sets CLIENT_SSL exactly when offer_tls is true. */
    uint64_t capabilities;
    bool offer_tls;
    redir_span auth_plugin; /* empty: REDIR_SERVER_PLUGIN_DEFAULT */
    uint16_t status;        /* server status in the greeting (e.g. REDIR_STATUS_AUTOCOMMIT) */
    uint8_t charset;        /* collation id in the greeting; 0: 45 (utf8mb4_general_ci) */

    /* Buffers lent for the engine's lifetime (they must not overlap).
     * Received bytes go through a redir_framer (<redir/stream.h>): in_buf is
     * its input buffer, join_buf the buffer it joins packets into (a packet
     * that is not read whole from in_buf, continuation packets included).
     * Without join_buf (NULL) the engine splits in_buf: its last max_packet
     * bytes become the join buffer, the rest the input (then in_cap must be
     * at least max_packet + REDIR_FRAMER_MIN_INPUT). Queued output waits in
     * out_buf. */
    uint8_t *in_buf;
    size_t in_cap;
    uint8_t *join_buf;
    size_t join_cap;
    uint8_t *out_buf;
    size_t out_cap;
    /* Largest client payload accepted; 0: join_cap, or half of in_cap
     * without join_buf. A packet announcing more is refused as soon as its
     * header arrives (REDIR_E_FRAMER_PAYLOAD_LIMIT), so a client announcing
     * 16 MiB never makes the engine hold more than the buffers lent. */
    size_t max_packet;
} redir_server_config;

/* redir_server_config_init fills *cfg with the defaults above (everything
 * zero or empty); the caller then sets the scramble, connection id and
 * buffers. */
REDIR_API void redir_server_config_init(redir_server_config *cfg);

typedef enum redir_server_event_type {
    REDIR_SERVER_EV_NONE = 0,
    /* The client sent an SSLRequest. Run the TLS accept on the socket, then
     * call redir_server_tls_done(). ev.tls_early holds bytes that arrived
     * after the SSLRequest (the start of the client's TLS handshake): hand
     * them to the TLS library first. The caller may instead refuse with
     * redir_server_err / redir_server_err_redirect (sent in plaintext). */
    REDIR_SERVER_EV_START_TLS,
    /* The handshake response, decoded: ev.response, ev.negotiated,
     * ev.tls (whether it came over TLS), ev.tls_skipped (TLS was offered but
     * the client did not ask for it: the caller decides whether to go on).
     * Answer with an auth switch, more auth data, an OK or an ERR. */
    REDIR_SERVER_EV_HANDSHAKE_RESPONSE,
    /* The client's answer to an auth switch or to more auth data:
     * ev.auth_data (the whole payload). Answer as for HANDSHAKE_RESPONSE. */
    REDIR_SERVER_EV_AUTH_DATA,
    /* A command: ev.command (first byte), ev.payload (whole payload),
     * ev.body (after the command byte) and ev.decoded (redir_command_decode
     * under the negotiated capabilities; a command it refuses is malformed
     * input, an ERROR). COM_QUIT is reported as CLOSED
     * instead; COM_STMT_CLOSE and COM_STMT_SEND_LONG_DATA expect no answer
     * and the engine reads the next command right away; every other command
     * must be answered (OK, ERR, or a result set ending in rows_end) before
     * the next one is read. */
    REDIR_SERVER_EV_COMMAND,
    /* The client sent COM_QUIT. The connection is finished. */
    REDIR_SERVER_EV_CLOSED,
    /* Malformed or unacceptable client input: ev.status names it. For a
     * packet the decoders refuse, ev.diag.offset is relative to its payload;
     * for a packet the framer refuses (REDIR_E_SEQUENCE,
     * REDIR_E_FRAMER_PAYLOAD_LIMIT), it is the position of its header in
     * the client's byte stream (counted from the start, or from the end of
     * the TLS handshake). A pre-4.1 client is REDIR_E_UNSUPPORTED, a client
     * asking for TLS that was not offered REDIR_E_SERVER_TLS_NOT_OFFERED.
     * An ERR whose message reads
     * "<what>: <STATUS_NAME> at offset <n>" is already queued (see
     * redir_server_output) and the connection is finished. */
    REDIR_SERVER_EV_ERROR
} redir_server_event_type;

typedef struct redir_server_event {
    redir_server_event_type type;
    /* START_TLS */
    redir_span tls_early;
    /* HANDSHAKE_RESPONSE */
    redir_handshake_response response;
    uint64_t negotiated;    /* capabilities both sides have (redir_caps_negotiate) */
    bool tls;               /* the response came over TLS */
    bool tls_skipped;       /* TLS was offered, the client went on in plaintext */
    /* AUTH_DATA */
    redir_span auth_data;
    /* COMMAND */
    uint8_t command;
    redir_span payload;
    redir_span body;
    redir_command decoded;
    /* ERROR */
    redir_status status;
    redir_diag diag;
} redir_server_event;

/* Engine states; read them with redir_server_state(). */
typedef enum redir_server_state {
    REDIR_SERVER_GREETED = 0,   /* greeting queued, waiting for SSLRequest or response */
    REDIR_SERVER_TLS_PENDING,   /* START_TLS reported, waiting for redir_server_tls_done */
    REDIR_SERVER_TLS_UP,        /* TLS done, waiting for the handshake response */
    REDIR_SERVER_AUTH,          /* the caller must answer the response or auth data */
    REDIR_SERVER_AUTH_WAIT,     /* auth switch / more data sent, waiting for the answer */
    REDIR_SERVER_IDLE,          /* logged in, waiting for a command */
    REDIR_SERVER_RESPONDING,    /* a command is being answered */
    REDIR_SERVER_FINISHED       /* login refused, COM_QUIT, or malformed input */
} redir_server_state;

typedef struct redir_server {
    /* private */
    redir_server_state state;
    redir_framer framer;
    uint8_t *out_buf;
    size_t out_cap;
    size_t out_len;
    uint8_t seq;         /* next sequence id on the wire */
    uint8_t scramble[REDIR_SERVER_SCRAMBLE_SIZE + 1];
    uint64_t server_caps;
    uint64_t client_caps;
    uint64_t negotiated;
    bool tls;
    bool offer_tls;
    bool client_41;      /* the client speaks the 4.1 protocol (SQLSTATE in ERR) */
    bool cmd_auth;       /* AUTH_WAIT belongs to COM_CHANGE_USER, not the login */
    uint8_t command;     /* command being answered */
    uint8_t err_slot[REDIR_SERVER_ERR_SLOT];
    size_t err_len;
    size_t err_sent;
} redir_server;

/* redir_server_init validates *cfg and queues the greeting. The buffers in
 * cfg are used until the engine is dropped; the other fields are copied.
 * Fails with REDIR_E_INVALID_ARGUMENT for a missing in_buf or out_buf,
 * max_packet above join_cap (or, without join_buf, an in_buf too small to
 * split), a NUL inside the version or plugin name;
 * REDIR_E_NOSPACE (diag->needed: the size the output buffer must have) when
 * the greeting does not fit out_buf. */
REDIR_API REDIR_NODISCARD redir_status redir_server_init(redir_server *srv, redir_diag *diag,
                                                         const redir_server_config *cfg);

/* redir_server_feed copies received bytes into the input buffer; *taken is
 * how many fit (possibly fewer than in_len: answer the pending event, call
 * redir_server_next, and feed the rest later). Once the connection is
 * finished all
 * input is taken and dropped. Fails with REDIR_E_SERVER_STATE (nothing
 * taken) while TLS is pending: bytes received then belong to the TLS
 * handshake. */
REDIR_API REDIR_NODISCARD redir_status redir_server_feed(redir_server *srv, size_t *taken,
                                                         const uint8_t *in, size_t in_len);

/* redir_server_space / redir_server_commit let the caller receive straight
 * into the input buffer: space returns where to write and how much room
 * there is (0 when full or finished, or while TLS is pending); commit
 * records n received bytes (n above the room: REDIR_E_INVALID_ARGUMENT;
 * while TLS is pending: REDIR_E_SERVER_STATE). */
REDIR_API uint8_t *redir_server_space(redir_server *srv, size_t *room);
REDIR_API REDIR_NODISCARD redir_status redir_server_commit(redir_server *srv, size_t n);

/* redir_server_next reports the next event: REDIR_OK with *ev filled, or
 * REDIR_DONE when none is ready (more input needed, or the caller has yet to
 * answer the last event, or the connection is finished). Spans in *ev view
 * the input or join buffer and stay valid until the next call to
 * redir_server_next, _feed, _space, _commit or _tls_done. Malformed input is
 * not a return value: it is an ERROR event. */
REDIR_API REDIR_NODISCARD redir_status redir_server_next(redir_server *srv,
                                                         redir_server_event *ev);

/* redir_server_output returns the queued bytes to send (*out_len of them;
 * NULL and 0 when there are none); redir_server_output_consume drops the
 * first n of them once sent (n above what is queued: all of it). */
REDIR_API const uint8_t *redir_server_output(const redir_server *srv, size_t *out_len);
REDIR_API void redir_server_output_consume(redir_server *srv, size_t n);

/* redir_server_state_of returns where the conversation is;
 * redir_server_finished is true once no more input will be read (close the
 * connection after sending the output). */
REDIR_API redir_server_state redir_server_state_of(const redir_server *srv);
REDIR_API bool redir_server_finished(const redir_server *srv);

/* redir_server_scramble returns the 20 bytes the greeting carried. */
REDIR_API redir_span redir_server_scramble(const redir_server *srv);

/* redir_server_negotiated returns the capabilities both sides have, known
 * once the handshake response (or SSLRequest) was read; 0 before. */
REDIR_API uint64_t redir_server_negotiated(const redir_server *srv);

/* redir_server_tls_done tells the engine the TLS accept succeeded; the
 * handshake response is read next (feed the decrypted bytes). Fails with
 * REDIR_E_SERVER_STATE outside TLS_PENDING. */
REDIR_API REDIR_NODISCARD redir_status redir_server_tls_done(redir_server *srv);

/* Actions. Each queues one or more framed packets with the right sequence
 * ids, or fails without queuing anything:
 *  REDIR_E_SERVER_STATE when the conversation does not allow it now;
 *  REDIR_E_NOSPACE when the output buffer lacks room (diag->needed: the
 *  free space needed; send and consume output, then call again);
 *  the encoder's or builder's own status for arguments it refuses. */

/* redir_server_auth_switch sends an AuthSwitchRequest (plugin name, then
 * data; mysql_native_password and caching_sha2_password expect the scramble
 * followed by one 0x00). Allowed after HANDSHAKE_RESPONSE or AUTH_DATA, and
 * while answering COM_CHANGE_USER. The client's answer comes as AUTH_DATA. */
REDIR_API REDIR_NODISCARD redir_status redir_server_auth_switch(redir_server *srv,
                                                                redir_diag *diag,
                                                                redir_span plugin,
                                                                redir_span data);

/* redir_server_auth_more_data sends AuthMoreData (0x01 then data), e.g.
 * caching_sha2_password's 0x03 (fast auth done: follow with an OK) or 0x04
 * (full auth: the client answers with AUTH_DATA). Allowed where
 * redir_server_auth_switch is. */
REDIR_API REDIR_NODISCARD redir_status redir_server_auth_more_data(redir_server *srv,
                                                                   redir_diag *diag,
                                                                   redir_span data);

/* redir_server_ok sends an OK under the negotiated capabilities. From *ok the
 * engine takes the header (0x00; 0xFE only to end rows under
 * CLIENT_DEPRECATE_EOF), affected rows, last insert id, status, warnings,
 * info, and the session state block when has_session_state (which needs
 * CLIENT_SESSION_TRACK: REDIR_E_MISSING_CAPABILITY, and gets
 * SERVER_SESSION_STATE_CHANGED added to the status); the has_status /
 * has_warnings / info_form fields are set from the capabilities. During the
 * login it completes authentication (state IDLE); in the command phase it
 * ends the response unless the status has SERVER_MORE_RESULTS_EXISTS. */
REDIR_API REDIR_NODISCARD redir_status redir_server_ok(redir_server *srv, redir_diag *diag,
                                                       const redir_ok *ok);

/* redir_server_ok_redirect sends an OK whose session state carries
 * redirect_url = url (redir_build_ok_redirect; extra: more tracked
 * variables). Same placement rules as redir_server_ok. */
REDIR_API REDIR_NODISCARD redir_status redir_server_ok_redirect(redir_server *srv,
                                                                redir_diag *diag,
                                                                uint16_t status, redir_span url,
                                                                const redir_sysvar *extra,
                                                                size_t num_extra);

/* redir_server_location_ok sends an OK whose info is a Location: line
 * (redir_build_location_ok). Clients honour it only as the login OK. */
REDIR_API REDIR_NODISCARD redir_status redir_server_location_ok(
    redir_server *srv, redir_diag *diag, uint16_t status, redir_location_form form,
    redir_span host, uint16_t port, redir_span user, int64_t ttl);

/* redir_server_err sends an ERR: the '#'+SQLSTATE marker when sql_state has
 * 5 bytes and the client speaks the 4.1 protocol. During the login (START_TLS
 * included: sent in plaintext) it finishes the connection; in the command
 * phase it ends the response. */
REDIR_API REDIR_NODISCARD redir_status redir_server_err(redir_server *srv, redir_diag *diag,
                                                        uint16_t code, redir_span sql_state,
                                                        redir_span message);

/* redir_server_err_redirect sends the ERR carrier "|text|host[:port]"
 * (redir_build_err_redirect); same placement rules as redir_server_err. */
REDIR_API REDIR_NODISCARD redir_status redir_server_err_redirect(
    redir_server *srv, redir_diag *diag, uint16_t code, redir_span sql_state, redir_span text,
    redir_span host, uint16_t port);

/* redir_server_send queues one raw payload of the current response (a column
 * count, a column definition, a row, a statistics string...), split into
 * 0xFFFFFF chunks if needed. Only while answering a command; it never ends
 * the response. */
REDIR_API REDIR_NODISCARD redir_status redir_server_send(redir_server *srv, redir_diag *diag,
                                                         const uint8_t *payload,
                                                         size_t payload_len);

/* redir_server_columns_end closes the column definitions of a result set:
 * an EOF (warnings, status) without CLIENT_DEPRECATE_EOF, nothing with it. */
REDIR_API REDIR_NODISCARD redir_status redir_server_columns_end(redir_server *srv,
                                                                redir_diag *diag,
                                                                uint16_t warnings,
                                                                uint16_t status);

/* redir_server_rows_end closes the rows: an EOF, or under
 * CLIENT_DEPRECATE_EOF an OK with header 0xFE. Ends the response unless
 * status has SERVER_MORE_RESULTS_EXISTS. */
REDIR_API REDIR_NODISCARD redir_status redir_server_rows_end(redir_server *srv, redir_diag *diag,
                                                             uint16_t warnings, uint16_t status);

/* redir_server_rows_end_state closes the rows with an OK (header 0xFE) whose
 * session state block is session_state (entries built with the
 * redir_session_append_* encoders, e.g. a redirect_url system variable): the
 * place a server announces state, a redirect included, at the end of a
 * result set. Needs CLIENT_DEPRECATE_EOF (else REDIR_E_SERVER_STATE: a
 * legacy EOF has no room for it) and CLIENT_SESSION_TRACK
 * (REDIR_E_MISSING_CAPABILITY). */
REDIR_API REDIR_NODISCARD redir_status redir_server_rows_end_state(redir_server *srv,
                                                                   redir_diag *diag,
                                                                   uint16_t warnings,
                                                                   uint16_t status,
                                                                   redir_span session_state);

#ifdef __cplusplus
}
#endif

#endif
