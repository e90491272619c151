/*
 * What one captured flow asks `redir replay` to do: the login it made, the
 * commands it sent (grouped as the client pipelined them), and the shape of
 * every captured response, computed with the same classifier the live side
 * uses (replay_shape.h).
 */
#ifndef REDIR_TOOL_REPLAY_PLAN_H
#define REDIR_TOOL_REPLAY_PLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "replay_capture.h"
#include "replay_shape.h"

typedef struct rp_cmd {
    const rp_packet *pkt;  /* the captured command */
    size_t group;          /* commands of one group were sent without waiting */
    rp_resp captured;      /* shape of the captured response */
} rp_cmd;

typedef struct rp_plan {
    const rp_flow *flow;
    const rp_packet *greeting;    /* first server packet (a greeting or an ERR) */
    const rp_packet *ssl_request; /* set when the client switched to TLS */
    const rp_packet *response;    /* handshake response (NULL under TLS) */
    uint64_t caps;                /* capabilities negotiated in the capture */
    rp_resp login;                /* captured login exchange after the response */
    rp_cmd *cmds;
    size_t num_cmds;
    rp_str extra;                 /* server packets that answered no command */
    const char *skip;             /* set when the flow cannot be replayed: why */
} rp_plan;

/* rp_plan_build analyses a captured flow. The plan views the flow's packets.
 * When the flow cannot be replayed, plan->skip says why. */
void rp_plan_build(rp_plan *plan, const rp_flow *flow);

void rp_plan_free(rp_plan *plan);

#endif
