/*
 * A capture loaded for `redir replay`: the logical packets of every MySQL
 * flow, copied out of the redir_dump session (tools/dump/dump.h does the
 * reading, reassembly, decompression and classification).
 */
#ifndef REDIR_TOOL_REPLAY_CAPTURE_H
#define REDIR_TOOL_REPLAY_CAPTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dump.h"

typedef struct rp_packet {
    dump_dir dir;
    dump_kind kind;
    uint8_t command;   /* DUMP_K_COMMAND: the COM_* byte */
    uint8_t seq;
    bool truncated;    /* longer than the capture reader keeps */
    uint64_t frame;
    uint8_t *payload;
    size_t len;
} rp_packet;

typedef struct rp_flow {
    uint64_t id;
    char client[DUMP_ENDPOINT_STRLEN];
    char server[DUMP_ENDPOINT_STRLEN];
    bool midstream;
    bool tls;
    bool compressed;
    uint64_t gaps;       /* both directions */
    uint64_t tls_bytes[2];
    rp_packet *packets;
    size_t num_packets;
    size_t cap_packets;
} rp_flow;

typedef struct rp_capture {
    rp_flow *flows;      /* flows[i].id == i + 1 */
    size_t num_flows;
} rp_capture;

/* rp_capture_load reads every flow of a pcap/pcapng file. Returns 0, or -1
 * with a message in err. */
int rp_capture_load(rp_capture *cap, const char *path, char *err, size_t err_len);

void rp_capture_free(rp_capture *cap);

#endif
