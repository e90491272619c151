/*
 * redir probe: connect as a client would, follow redirects as the library's
 * policy decides, and report every step.
 *
 *   cmd_probe.c   options, the follow loop over hops
 *   probe_url.c   the URL given and the redirect targets, as probe_target
 *   probe_conn.c  one connection attempt, driven by the client engine
 *   probe_out.c   the report: text lines or JSON Lines
 */
#ifndef REDIR_TOOL_PROBE_H
#define REDIR_TOOL_PROBE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/ssl.h>
#include <redir/redir.h>

#include "json.h"

#define PROBE_TEXT_MAX 256

/* Where to connect and as whom. Strings are NUL-terminated and decoded
 * (percent-escapes of a URL resolved). */
typedef struct probe_target {
    char host[PROBE_TEXT_MAX]; /* name or address literal, no brackets */
    uint16_t port;
    char user[PROBE_TEXT_MAX];
    char password[PROBE_TEXT_MAX];
    bool has_database;
    char database[PROBE_TEXT_MAX];
} probe_target;

typedef enum probe_tls {
    PROBE_TLS_OFF = 0,       /* --no-tls */
    PROBE_TLS_PREFERRED = 1, /* default: TLS when the server offers it */
    PROBE_TLS_REQUIRED = 2   /* --tls */
} probe_tls;

typedef struct probe_opts {
    probe_target first;      /* the URL with --user / --password applied */
    probe_tls tls;
    const char *tls_ca;      /* NULL: the system's trust store */
    bool tls_verify;         /* fail the handshake on an unverified certificate */
    unsigned follow;         /* the policy's hop limit */
    redir_permit permit;
    const char *const *queries; /* run in order where the probe lands */
    size_t num_queries;
    bool pipeline;           /* send them all at once instead of one by one */
    int timeout_ms;          /* connect, TLS handshake and every wait for the server */
} probe_opts;

/* probe_target_from_url parses url with the connector grammar (a bare
 * "host[:port]" is read as "mariadb://host[:port]") into *t; the user,
 * password and database come from the URL when it has them. Returns 0, or -1
 * with a message naming the offending offset. */
int probe_target_from_url(probe_target *t, const char *url, char *err, size_t err_len);

/* probe_target_from_redirect fills *t with the instruction's target: its
 * host (percent-decoded for the session-track carrier, as the policy reads
 * it) and port, its user, password and database when it names them, and
 * from's otherwise. Returns 0, or -1 when a field does not fit or does not
 * decode. */
int probe_target_from_redirect(probe_target *t, const probe_target *from,
                               const redir_instruction *ins, char *err, size_t err_len);

/* probe_format_hostport writes "host:port" ("[v6]:port") into out. */
void probe_format_hostport(char *out, size_t out_len, const char *host, uint16_t port);

/* ------------------------------------------------------------------ report */

/* The report is one record per step, written once against the tool's record
 * writer (json.h): JSON Lines with --json ("event" names the step), else one
 * text line per record, the step's name first. Records are flushed as they
 * are written. */
typedef struct probe_out {
    outbuf buf;
    json_writer j;
} probe_out;

void probe_out_init(probe_out *o, int fd, bool json);
/* probe_out_finish flushes and frees; false when writing failed. */
bool probe_out_finish(probe_out *o);

void probe_out_connect(probe_out *o, const probe_target *t, unsigned hop);
void probe_out_connected(probe_out *o, const char *local, const char *peer);
void probe_out_tls(probe_out *o, SSL *ssl, bool verified);
/* payload: the greeting as received, described by the shared packet
 * renderer (the same members as `redir decode` and `redir dump`). */
void probe_out_greeting(probe_out *o, redir_span payload);
void probe_out_logged_in(probe_out *o, const char *user, uint64_t caps, redir_span plugin);
/* One record per tracked value: each name/value pair of a SYSTEM_VARIABLES
 * entry. */
void probe_out_session_entry(probe_out *o, const redir_session_entry *e);
void probe_out_redirect(probe_out *o, const redir_instruction *ins, redir_status st,
                        redir_decision d, redir_reason r, bool deferred);
void probe_out_follow(probe_out *o, const probe_target *to, unsigned hop, unsigned max);
void probe_out_query(probe_out *o, const char *sql);
/* One text row: the column names of its result and its values
 * (is_null[i]: SQL NULL). */
void probe_out_row(probe_out *o, const redir_span *columns, size_t num_columns,
                   const redir_span *values, const bool *is_null, size_t n);
void probe_out_query_done(probe_out *o, uint64_t rows);
/* An error: what failed (a short word), the detail, the library status
 * (REDIR_OK when the failure is the tool's, e.g. a socket error) and the
 * server's ERR when there is one (else NULL). */
void probe_out_error(probe_out *o, const char *what, const char *detail, redir_status st,
                     const redir_err *err);
void probe_out_summary(probe_out *o, bool ok, const probe_target *at, unsigned hops);

#endif
