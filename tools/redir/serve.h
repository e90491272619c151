/*
 * redir serve: shared declarations of its files.
 *
 *   cmd_serve.c       options, --help, validation, then one of the two modes
 *   serve_targets.c   --target URLs: validation and picking
 *   serve_loop.c      the epoll loop: listeners, the connection pool, deadlines,
 *                     SIGTERM, socket and TLS I/O
 *   serve_conn.c      one connection: bytes to and from the server engine, the
 *                     redirect by the chosen carrier, the log line
 *   serve_tls.c       OpenSSL server contexts and non-blocking TLS
 *   serve_scenario.c  the conformance kit: scripted servers and their judge
 */
#ifndef REDIR_TOOL_SERVE_H
#define REDIR_TOOL_SERVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <openssl/ssl.h>
#include <redir/redir.h>


#define SERVE_MAX_TARGETS 64
#define SERVE_MAX_LISTENERS 16
#define SERVE_HOST_MAX 256
#define SERVE_ADDR_MAX 300
#define SERVE_USER_MAX 64

/* Per-connection buffers lent to the server engine, fixed and taken from the
 * pool: received bytes, packets joined (a client packet larger than
 * SERVE_JOIN_CAP is refused with a named status as soon as its header
 * arrives), output. */
#define SERVE_IN_CAP 4096
#define SERVE_JOIN_CAP 16384
#define SERVE_OUT_CAP 2048
#define SERVE_SLOT_MEM (SERVE_IN_CAP + SERVE_JOIN_CAP + SERVE_OUT_CAP)

typedef enum serve_pick { SERVE_PICK_RANDOM = 0, SERVE_PICK_ROUND_ROBIN = 1 } serve_pick;

typedef struct serve_target {
    const char *url;               /* as given: the session-track value */
    char host[SERVE_HOST_MAX];     /* for the ERR and Location carriers */
    uint16_t port;
} serve_target;

typedef struct serve_options {
    const char *listen;
    serve_target targets[SERVE_MAX_TARGETS];
    size_t num_targets;
    serve_pick pick;
    redir_carrier carrier;
    const char *tls_cert;
    const char *tls_key;
    uint16_t err_code;
    const char *message;
    const char *scenario;
    unsigned timeout_ms;
    unsigned max_conns;
    const char *log_path;
} serve_options;

/* serve_targets.c ------------------------------------------------------- */

/* serve_target_parse checks url with the MariaDB server's redirect_url
 * validator (what `SET GLOBAL redirect_url` accepts) and fills t. Returns
 * false with a message in err when the server would refuse it; writes a
 * warning to warn (empty when none) when it passes but connectors would
 * not follow it. */
bool serve_target_parse(serve_target *t, const char *url, char *err, size_t err_len,
                        char *warn, size_t warn_len);

/* serve_target_pick returns the index of the target for the next client. */
size_t serve_target_pick(serve_pick pick, size_t num_targets, size_t *rr_next);

/* serve_loop.c ---------------------------------------------------------- */

typedef struct serve_loop serve_loop;
typedef struct serve_conn serve_conn;

/* What a connection is doing; drives the log line and the judge. */
typedef enum serve_conn_state {
    SERVE_CONN_HANDSHAKE = 0, /* greeting sent, waiting for the login */
    SERVE_CONN_TLS,           /* TLS accept in progress */
    SERVE_CONN_LOGGED_IN,     /* login answered, command phase */
    SERVE_CONN_CLOSING        /* flush what is queued, then close */
} serve_conn_state;

struct serve_conn {
    int tag;                      /* SERVE_TAG_CONN: epoll data points here */
    int fd;
    unsigned listener;            /* index of the listener that accepted it */
    serve_conn_state state;
    serve_conn *prev, *next;      /* active list, in accept order */
    uint64_t accepted_ms, deadline_ms;
    uint32_t id;                  /* connection id sent in the greeting */
    SSL *ssl;
    bool tls;                     /* the TLS handshake completed */
    bool tls_want_write;          /* OpenSSL waits for the socket to take bytes */
    bool exact_reads;             /* read one packet at a time (before TLS starts) */
    uint8_t hdr[REDIR_FRAME_HEADER_SIZE]; /* exact reads: the header being read */
    size_t hdr_len;
    size_t need;                  /* exact reads: payload bytes still to read */
    bool logged_in;
    bool redirected;              /* the redirect went out */
    bool read_eof;
    bool write_failed;
    uint32_t events;              /* epoll interest currently registered */
    size_t target;                /* index into the options' targets */
    unsigned commands;            /* commands received */
    char peer[SERVE_ADDR_MAX];
    char user[SERVE_USER_MAX];
    const char *outcome;          /* static text for the log line */
    char detail[96];              /* e.g. the status name of a malformed login */
    void *scenario;               /* the scenario's per-connection state */
    redir_server srv;             /* the library's server engine */
    uint8_t *mem;                 /* SERVE_SLOT_MEM bytes from the pool */
};

/* The mode-specific half of the loop: serve_conn.c for plain serving,
 * serve_scenario.c for the kit. Callbacks run inside the loop. */
typedef struct serve_handler {
    /* configure the engine of a new connection (TLS offered or not, ...) */
    void (*on_accept)(serve_loop *l, serve_conn *c);
    /* one engine event (START_TLS is handled by the loop first) */
    void (*on_event)(serve_loop *l, serve_conn *c, const redir_server_event *ev);
    /* the connection is about to be closed (log line, judge) */
    void (*on_close)(serve_loop *l, serve_conn *c);
    /* called once per loop turn; return false to end the loop */
    bool (*on_tick)(serve_loop *l, uint64_t now_ms);
    void *data;
} serve_handler;

typedef struct serve_loop_config {
    unsigned max_conns;
    unsigned timeout_ms;          /* per connection, from accept to close */
    SSL_CTX *tls;                 /* NULL: no TLS */
    serve_handler handler;
} serve_loop_config;

/* serve_loop_new allocates the loop and its pool (max_conns connections with
 * their buffers), raising RLIMIT_NOFILE when it is too low; NULL with err. */
serve_loop *serve_loop_new(const serve_loop_config *cfg, char *err, size_t err_len);
void serve_loop_free(serve_loop *l);

/* serve_loop_listen adds a listening socket on "HOST:PORT" (port 0: a free
 * one); returns its index, or -1 with err. *bound receives "HOST:PORT" as
 * bound. */
int serve_loop_listen(serve_loop *l, const char *addr, char *bound, size_t bound_len, char *err,
                      size_t err_len);

/* serve_loop_run runs until SIGTERM/SIGINT has drained the connections or the
 * handler's on_tick returns false. Returns 0, or -1 when the loop failed. */
int serve_loop_run(serve_loop *l);

/* serve_loop_tls returns the TLS context given at creation (may be NULL);
 * serve_loop_set_tls swaps it for later STARTs (scenarios). */
SSL_CTX *serve_loop_tls(serve_loop *l);
/* serve_loop_handler_data returns the handler's data pointer. */
void *serve_loop_handler_data(serve_loop *l);

/* serve_loop_kick sends what a handler queued outside of an I/O event (from
 * on_tick) and closes the connection when it is finished: c may be gone
 * afterwards. */
void serve_loop_kick(serve_loop *l, serve_conn *c);

/* serve_conn_finish: send what is queued, then close; outcome goes to the
 * log line. */
void serve_conn_finish(serve_conn *c, const char *outcome);

/* Counters for the summary line. */
typedef struct serve_stats {
    uint64_t accepted, refused, closed, timeouts, malformed, redirected, tls;
    unsigned active, peak;
} serve_stats;
const serve_stats *serve_loop_stats(const serve_loop *l);

uint64_t serve_now_ms(void);

/* serve_tls.c ----------------------------------------------------------- */

/* serve_tls_selfsigned makes a server context presenting a fresh
 * self-signed certificate for 127.0.0.1, ::1 and localhost, which no CA
 * vouches for. NULL with err on failure. */
SSL_CTX *serve_tls_selfsigned(char *err, size_t err_len);

/* serve_conn.c ---------------------------------------------------------- */

/* serve_conn_start configures and starts the engine of a new connection;
 * false when it cannot (the connection is then closed). */
bool serve_conn_start(serve_conn *c, uint32_t id, bool offer_tls);

/* serve_refusal writes the ERR sent instead of a greeting when the pool is
 * full (MariaDB's 1040 "Too many connections"). */
redir_status serve_refusal(uint8_t *buf, size_t cap, size_t *len);

/* serve_check_carrier builds the redirect for target t once, as the server
 * will, to refuse at start-up a target the carrier cannot carry. */
redir_status serve_check_carrier(redir_carrier carrier, uint16_t code, const char *message,
                                 const serve_target *t);

/* serve_send_redirect answers the login with the redirect to t by the
 * carrier; serve_send_err_target answers a command with the ERR naming t. */
redir_status serve_send_redirect(serve_conn *c, redir_carrier carrier, uint16_t code,
                                 const char *message, const serve_target *t,
                                 const redir_server_event *login);
redir_status serve_send_err_target(serve_conn *c, uint16_t code, const char *message,
                                   const serve_target *t);

/* serve_answer_identity answers a query with one row: @@hostname
 * ("redir-serve"), @@port (port) and CONNECTION_ID(), ending with status:
 * what `redir probe` asks where it lands. */
redir_status serve_answer_identity(serve_conn *c, uint16_t port, uint16_t status);

/* serve_run plays the redirecting server with the given options. */
int serve_run(const serve_options *o, SSL_CTX *tls, FILE *log);

/* serve_conn_set_user keeps the login's user name, printable, for the log. */
void serve_conn_set_user(serve_conn *c, redir_span user);

/* serve_log_line writes the per-connection line. */
void serve_log_line(FILE *log, const serve_conn *c, const char *carrier, const char *target);

/* serve_scenario.c ------------------------------------------------------ */

/* serve_scenario_list prints "NAME  description" lines. */
void serve_scenario_list(FILE *out);
bool serve_scenario_exists(const char *name);
/* serve_scenario_run plays scenario o->scenario and prints the verdict;
 * returns the exit status. */
int serve_scenario_run(const serve_options *o, SSL_CTX *tls);

#endif
