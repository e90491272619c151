/*
 * Replaying one captured flow against a live server and comparing the
 * responses by shape (replay_shape.h).
 */
#ifndef REDIR_TOOL_REPLAY_RUN_H
#define REDIR_TOOL_REPLAY_RUN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "replay_plan.h"

typedef struct rp_account {
    const char *user;
    const char *password;
} rp_account;

typedef struct rp_options {
    const char *host;
    const char *port;
    const char *user;          /* replaces the captured login user; NULL: keep it */
    const char *password;      /* password of users without an account entry */
    const rp_account *accounts;
    size_t num_accounts;
    const char *tls_ca;        /* verify the server certificate against it */
    int timeout_s;
    bool verbose;              /* print matching responses too */
} rp_options;

typedef enum rp_result {
    RP_MATCH = 0,    /* every compared response has the captured shape */
    RP_DIFFER,       /* at least one differs */
    RP_SKIPPED,      /* the flow cannot be replayed (plan->skip) */
    RP_FAILED        /* the replay itself failed (connection, authentication plugin) */
} rp_result;

/* rp_replay_flow opens a fresh connection, replays the plan and writes the
 * per-flow report to out. */
rp_result rp_replay_flow(const rp_plan *plan, const rp_options *o, FILE *out);

#endif
