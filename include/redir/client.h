/*
 * libredir — the client engine: one connection attempt driven sans-I/O, from
 * the server's greeting through TLS and authentication to the command phase.
 *
 * The caller owns the socket, the TLS library, the clock and every buffer.
 * It feeds the bytes it received (redir_client_feed), sends what the engine
 * queued (redir_client_output / redir_client_output_consume), and pulls
 * events (redir_client_next) until REDIR_DONE, then waits for the socket.
 * The engine never computes a hash: AUTH_NEEDED hands over a
 * redir_auth_request (<redir/auth_request.h>), answered with
 * redir_client_auth_reply (libredir-auth's redir_auth_answer computes it).
 *
 * Security rules the engine enforces (SPEC.md §5, §6):
 *  - TLS required and the greeting does not offer it: ERROR
 *    REDIR_E_TLS_NOT_OFFERED, nothing is sent (no downgrade).
 *  - A packet that arrives after the SSLRequest and before
 *    redir_client_tls_done, or an ERR in place of the greeting when TLS is
 *    wanted, is never trusted: ERROR REDIR_E_BEFORE_TLS, and any redirect it
 *    carries is reported refused (before_tls in the policy state).
 *  - Every redirect is reported with redir_policy_decide's decision for the
 *    connection's real state (TLS, certificate, transaction, pipelined
 *    commands); the engine itself never reconnects.
 *  - Cleartext passwords (mysql_clear_password, caching_sha2_password's full
 *    path without RSA) are asked for only over established TLS, and
 *    mysql_clear_password only when the caller opted in.
 */
#ifndef REDIR_CLIENT_H
#define REDIR_CLIENT_H

#include "auth_request.h"
#include "command.h"
#include "common.h"
#include "packets.h"
#include "policy.h"
#include "redirect.h"
#include "stream.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum redir_tls_mode {
    REDIR_TLS_OFF = 0,       /* never ask for TLS */
    REDIR_TLS_PREFERRED = 1, /* TLS when offered; redirects are refused without it */
    REDIR_TLS_REQUIRED = 2   /* TLS or nothing */
} redir_tls_mode;

/* Longest redirect carrier text kept while a redirect is deferred. */
#define REDIR_CLIENT_REDIRECT_MAX 1024
/* Longest plugin name the engine keeps. */
#define REDIR_CLIENT_PLUGIN_MAX 64

typedef struct redir_client_config {
    redir_span user;
    bool has_database;        /* send CLIENT_CONNECT_WITH_DB and database */
    redir_span database;
    bool has_attributes;      /* send CLIENT_CONNECT_ATTRS and this block */
    redir_span attributes;    /* pairs built with redir_attr_append_pair */
    /* Capabilities the client asks for; 0 picks REDIR_CLIENT_DEFAULT_CAPS.
     * The engine sets or clears CLIENT_SSL, CLIENT_CONNECT_WITH_DB and
     * CLIENT_CONNECT_ATTRS itself, clears CLIENT_ZSTD_COMPRESSION, and
     * clears CLIENT_COMPRESS unless inflate_buf and scratch are lent. */
    uint64_t capabilities;
    uint32_t max_packet;      /* 0: 16 MiB */
    uint8_t charset;          /* 0: utf8mb4_general_ci (45) */
    /* Plugin named in the handshake response; empty: the greeting's when
     * the engine supports it, else mysql_native_password. */
    redir_span auth_plugin;
    redir_tls_mode tls;
    bool allow_clear_password; /* mysql_clear_password (over TLS only) */
    redir_policy policy;
    /* Where this connection is, for the policy. The spans must stay valid
     * for the life of the engine. */
    redir_span host;
    uint16_t port;
    unsigned hops;
    const redir_span *visited;
    size_t num_visited;
    /* Buffers lent for the life of the engine (see <redir/stream.h>, whose
     * framer reads the server's bytes with them). in_buf holds received
     * bytes until a packet is whole (at least 64 bytes); join_buf receives
     * payloads that are not read whole from in_buf, and its size is the
     * largest payload accepted (at least 64 bytes). inflate_buf (the largest
     * uncompressed frame accepted) and scratch (REDIR_INFLATE_SCRATCH_SIZE)
     * are needed only for the compressed protocol. out_buf holds bytes to
     * send (at least 128): the handshake response and queued commands. */
    uint8_t *in_buf;
    size_t in_cap;
    uint8_t *join_buf;
    size_t join_cap;
    uint8_t *inflate_buf;
    size_t inflate_cap;
    void *scratch;
    size_t scratch_len;
    uint8_t *out_buf;
    size_t out_cap;
} redir_client_config;

/* What the engine asks for when config.capabilities is 0. */
#define REDIR_CLIENT_DEFAULT_CAPS                                                               \
    (REDIR_CLIENT_LONG_FLAG | REDIR_CLIENT_PROTOCOL_41 | REDIR_CLIENT_TRANSACTIONS |            \
     REDIR_CLIENT_SECURE_CONNECTION | REDIR_CLIENT_MULTI_STATEMENTS |                          \
     REDIR_CLIENT_MULTI_RESULTS | REDIR_CLIENT_PS_MULTI_RESULTS | REDIR_CLIENT_PLUGIN_AUTH |    \
     REDIR_CLIENT_PLUGIN_AUTH_LENENC_DATA | REDIR_CLIENT_SESSION_TRACK |                       \
     REDIR_CLIENT_DEPRECATE_EOF)

/* redir_client_config_init zeroes *cfg and sets the safe defaults: TLS
 * required, redir_policy_init's policy, no cleartext password. */
REDIR_API void redir_client_config_init(redir_client_config *cfg);

typedef enum redir_client_event_type {
    REDIR_CLIENT_EV_GREETING = 0,   /* greeting: the server's greeting, decoded */
    REDIR_CLIENT_EV_START_TLS,      /* the SSLRequest is queued: send it, run the TLS
                                       handshake, then call redir_client_tls_done */
    REDIR_CLIENT_EV_AUTH_NEEDED,    /* auth: answer with redir_client_auth_reply */
    REDIR_CLIENT_EV_AUTH_DATA,      /* AuthMoreData the engine answered itself (payload):
                                       caching_sha2 fast path done, or the RSA key asked for */
    REDIR_CLIENT_EV_LOGGED_IN,      /* ok (the login OK) and caps (negotiated) */
    REDIR_CLIENT_EV_SESSION_STATE,  /* entry: one tracked value of the last OK */
    REDIR_CLIENT_EV_REDIRECT,       /* redirect, decision, reason (see below) */
    REDIR_CLIENT_EV_RESPONSE,       /* response: one payload of a command response */
    REDIR_CLIENT_EV_ERROR,          /* status, diag, err (has_err): the attempt is over */
    REDIR_CLIENT_EV_CLOSED          /* last event: nothing more will happen */
} redir_client_event_type;

/* redir_client_event_name: "greeting", "start-tls", "auth-needed", "auth-data",
 * "logged-in", "session-state", "redirect", "response", "error", "closed";
 * NULL for another value. */
REDIR_API const char *redir_client_event_name(redir_client_event_type t);

typedef struct redir_client_event {
    redir_client_event_type type;
    /* The server payload the event comes from and its sequence id: empty for
     * START_TLS, for the AUTH_NEEDED of the handshake response or of
     * COM_CHANGE_USER, and for the events of redir_client_eof. */
    redir_span payload;
    uint8_t seq;
    redir_greeting greeting;      /* GREETING */
    redir_auth_request auth;      /* AUTH_NEEDED */
    uint64_t caps;                /* negotiated capabilities (0 before the handshake response) */
    bool has_ok;                  /* LOGGED_IN, RESPONSE, SESSION_STATE, REDIRECT */
    redir_ok ok;                  /*   the decoded OK the event comes from */
    redir_session_entry entry;    /* SESSION_STATE */
    /* REDIRECT. status is REDIR_OK with redirect filled, or the carrier's
     * parse error (then decision is REFUSE, reason INVALID_TARGET, and only
     * redirect.carrier and redirect.raw are set). deferred is true when this
     * is a redirect deferred earlier and decided again now that the session is
     * idle (its spans then view the engine). A DEFER decision is reported
     * once when received and again, decided anew, once the session is idle. */
    redir_instruction redirect;
    redir_decision decision;
    redir_reason reason;
    bool deferred;
    /* RESPONSE: the tracker's classification of the payload (<redir/command.h>);
     * inside COM_CHANGE_USER also AUTH_SWITCH / AUTH_MORE_DATA before the
     * AUTH_NEEDED they lead to. */
    redir_resp_event response;
    /* ERROR (and a REDIRECT whose carrier does not parse). */
    redir_status status;
    redir_diag diag;
    bool has_err;                 /* ERROR, RESPONSE: the server's ERR, decoded */
    redir_err err;
} redir_client_event;

/* The engine. Every field is private. */
typedef struct redir_client {
    redir_client_config cfg;
    redir_framer framer;
    redir_resp_tracker tracker;
    int state;
    size_t out_len, out_pos;
    bool in_eof;
    bool tls_pending;         /* TLS wanted and not (yet) known to be impossible */
    bool tls_up, verified;
    bool clear_bytes;         /* bytes fed after the SSLRequest, before TLS */
    bool auth_for;            /* private */
    int auth_kind;            /* what the pending AUTH_NEEDED fills */
    bool compressed;
    bool compress_pending;    /* switch the framer once the login OK is reported */
    uint8_t cseq;             /* compressed sequence id of the next frame sent */
    uint64_t server_caps, client_caps, caps;
    uint8_t scramble[64];     /* the nonce of the exchange in progress */
    size_t scramble_len;
    uint8_t session_scramble[20]; /* the last 20-byte scramble (COM_CHANGE_USER) */
    uint8_t plugin[REDIR_CLIENT_PLUGIN_MAX];
    size_t plugin_len;
    uint8_t seq;              /* sequence id of the last packet sent or received */
    int auth_stage;
    int sha2_state;
    redir_com_change_user change_user; /* while its AUTH_NEEDED is pending */
    /* current packet and what it still has to report */
    redir_span pkt;
    uint8_t pkt_seq;
    unsigned post;
    redir_ok ok;
    bool ok_login;
    redir_err err;
    redir_status err_status;
    redir_diag err_diag;
    redir_session_iter iter;
    redir_resp_event resp;
    uint16_t last_status;
    unsigned others_in_flight; /* commands in flight besides the one answered */
    /* a deferred redirect */
    bool pending;
    bool pending_login;
    redir_instruction pending_ins;
    uint8_t pending_raw[REDIR_CLIENT_REDIRECT_MAX];
} redir_client;

/* redir_client_init prepares c for one connection attempt with a copy of
 * *cfg (the spans and buffers it names stay the caller's). Nothing is sent
 * before the greeting arrives. REDIR_E_INVALID_ARGUMENT for a NULL argument,
 * a NULL buffer with a non-zero capacity or a span with a NULL pointer and a
 * non-zero length, an out_buf under 128 bytes or an in_buf under 64 bytes,
 * a user, database or plugin containing NUL, or a TLS mode out of range. */
REDIR_API REDIR_NODISCARD redir_status redir_client_init(redir_client *c, redir_diag *diag,
                                                         const redir_client_config *cfg);

/* redir_client_feed copies received bytes into the input buffer; *taken
 * (optional) gets how many fit (the rest must be fed again after
 * redir_client_next has consumed packets). Nothing is taken while events of
 * the current packet are still to be pulled or an AUTH_NEEDED is
 * unanswered: drain redir_client_next first. It invalidates the views of
 * earlier events. Bytes fed after START_TLS and before
 * redir_client_tls_done arrived in clear where TLS was due: they are judged
 * (ERROR REDIR_E_BEFORE_TLS) and TLS is no longer accepted. Feeding after
 * redir_client_eof or after CLOSED is REDIR_E_CLIENT_STATE. */
REDIR_API REDIR_NODISCARD redir_status redir_client_feed(redir_client *c, size_t *taken,
                                                         const uint8_t *in, size_t in_len);

/* redir_client_eof tells the engine the peer closed the connection (or the
 * transport failed). Unless the engine had already finished, the next
 * events are ERROR REDIR_E_CLIENT_CLOSED, then CLOSED. */
REDIR_API void redir_client_eof(redir_client *c);

/* redir_client_output views the bytes waiting to be sent (empty when none);
 * redir_client_output_consume drops the first n of them once sent (n above
 * the pending size drops all). Before START_TLS was answered the bytes go
 * out in clear; after redir_client_tls_done, through TLS. */
REDIR_API redir_span redir_client_output(const redir_client *c);
REDIR_API void redir_client_output_consume(redir_client *c, size_t n);

/* redir_client_next fills *ev with the next event: REDIR_OK, or REDIR_DONE
 * when none is possible until more bytes are fed, redir_client_tls_done or
 * redir_client_auth_reply is called, or after CLOSED was returned. In the
 * command phase with no command in flight, received bytes wait until a
 * command is queued or redir_client_eof is called (then they are read as the
 * server's last words, e.g. an ERR announcing a shutdown).
 * REDIR_E_INVALID_ARGUMENT for a NULL argument. Views in *ev are valid until
 * the next redir_client_feed (or redir_client_eof). */
REDIR_API REDIR_NODISCARD redir_status redir_client_next(redir_client *c,
                                                         redir_client_event *ev);

/* redir_client_tls_done reports the TLS handshake asked for by START_TLS as
 * complete; verified: the certificate chain and host name were checked. The
 * engine then continues with the login. REDIR_E_CLIENT_STATE when no
 * START_TLS is pending. (A failed handshake: end the attempt; the engine
 * needs no call.) */
REDIR_API REDIR_NODISCARD redir_status redir_client_tls_done(redir_client *c, bool verified);

/* redir_client_auth_reply answers the pending AUTH_NEEDED with the plugin's
 * bytes (copied into the output). REDIR_E_CLIENT_STATE when none is pending;
 * REDIR_E_NOSPACE (diag->needed: the bytes missing) when the output buffer
 * cannot hold the packet: send the pending output and call again. */
REDIR_API REDIR_NODISCARD redir_status redir_client_auth_reply(redir_client *c,
                                                               redir_diag *diag,
                                                               const uint8_t *data,
                                                               size_t len);

/* redir_client_command queues one client payload after LOGGED_IN: a command
 * (COM_* byte first; commands may be pipelined, up to REDIR_RESP_QUEUE_CAP
 * awaiting responses), or, after a LOCAL INFILE request, file contents and
 * the empty payload that ends them. The response tracker learns each one.
 * COM_QUIT ends the session: CLOSED follows once it is sent. Fails, queuing
 * nothing, with REDIR_E_CLIENT_STATE before LOGGED_IN, after the session
 * ended or while a COM_CHANGE_USER exchange is under way; the tracker's
 * REDIR_E_EMPTY_PACKET, REDIR_E_RESP_QUEUE_FULL; REDIR_E_INVALID_ARGUMENT
 * for COM_CHANGE_USER (use redir_client_change_user); REDIR_E_NOSPACE
 * (diag->needed: the bytes missing) when the output buffer cannot hold it. */
REDIR_API REDIR_NODISCARD redir_status redir_client_command(redir_client *c, redir_diag *diag,
                                                            const uint8_t *payload,
                                                            size_t len);

/* redir_client_change_user starts COM_CHANGE_USER with nothing else in
 * flight: AUTH_NEEDED follows (the plugin named in *cu when the engine
 * supports it, else mysql_native_password, with the session's scramble), and
 * the answer goes into the command, which is then queued. cu->auth_response
 * is ignored; its other spans must stay valid until the AUTH_NEEDED is
 * answered. The server's answer arrives as RESPONSE events (auth switch and
 * more data lead to AUTH_NEEDED again; OK or ERR complete it).
 * REDIR_E_CLIENT_STATE when not logged in or commands are in flight. */
REDIR_API REDIR_NODISCARD redir_status redir_client_change_user(redir_client *c,
                                                                redir_diag *diag,
                                                                const redir_com_change_user *cu);

/* redir_client_idle: logged in, nothing in flight, no transaction open and
 * no more results announced by the last status. */
REDIR_API bool redir_client_idle(const redir_client *c);

/* redir_client_in_flight: commands sent whose responses are not complete
 * (redir_resp_pending of the engine's tracker). */
REDIR_API size_t redir_client_in_flight(const redir_client *c);

/* redir_client_negotiated: the negotiated capabilities (0 before the
 * handshake response was sent). */
REDIR_API uint64_t redir_client_negotiated(const redir_client *c);

#ifdef __cplusplus
}
#endif

#endif
