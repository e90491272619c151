/*
 * One connection attempt of `redir probe`: a socket, TLS when the engine asks
 * for it, the login, and the query where the probe lands, all driven by the
 * library's client engine (<redir/client.h>); answers to authentication come
 * from libredir-auth (<redir/auth.h>). Nothing here reads or builds a packet.
 */
#ifndef REDIR_TOOL_PROBE_CONN_H
#define REDIR_TOOL_PROBE_CONN_H

#include "probe.h"

typedef enum probe_result {
    PROBE_LANDED = 0, /* logged in, the query ran, the session ended cleanly */
    PROBE_FOLLOW = 1, /* the policy said follow: *next is the target */
    PROBE_FAILED = 2  /* reported on out */
} probe_result;

/* probe_attempt connects to t as the hops-th hop of a chain that visited
 * visited[0..num_visited) ("host:port"), with ctx for TLS (NULL: TLS off),
 * and reports every step on out. */
probe_result probe_attempt(const probe_opts *o, SSL_CTX *ctx, const probe_target *t,
                           unsigned hops, const redir_span *visited, size_t num_visited,
                           probe_out *out, probe_target *next);

#endif
