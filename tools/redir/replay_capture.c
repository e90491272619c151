#include "replay_capture.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "replay_buf.h"

/* Logical packets up to 64 MiB are joined in memory: enough for a
 * max_allowed_packet of that size, the largest the project's captures use. */
#define MAX_MESSAGE (64u * 1024u * 1024u)

static rp_flow *flow_of(rp_capture *cap, const dump_flow *f) {
    if (f == NULL || f->id == 0) {
        return NULL;
    }
    if (f->id > cap->num_flows) {
        size_t n = (size_t)f->id;
        cap->flows = rp_xrealloc(cap->flows, n * sizeof *cap->flows);
        memset(cap->flows + cap->num_flows, 0, (n - cap->num_flows) * sizeof *cap->flows);
        for (size_t i = cap->num_flows; i < n; i++) {
            cap->flows[i].id = i + 1;
        }
        cap->num_flows = n;
    }
    rp_flow *rf = &cap->flows[f->id - 1];
    dump_endpoint_format(&f->client, rf->client, sizeof rf->client);
    dump_endpoint_format(&f->server, rf->server, sizeof rf->server);
    rf->midstream = f->midstream;
    rf->tls = rf->tls || f->tls;
    rf->compressed = rf->compressed || f->compressed;
    rf->gaps = f->gaps[0] + f->gaps[1];
    rf->tls_bytes[0] = f->tls_bytes[0];
    rf->tls_bytes[1] = f->tls_bytes[1];
    return rf;
}

static void on_event(void *ctx, const dump_event *ev) {
    rp_capture *cap = ctx;
    rp_flow *rf = flow_of(cap, ev->flow);
    if (rf == NULL || ev->type != DUMP_EV_PACKET) {
        return;
    }
    const dump_packet *p = &ev->packet;
    if (rf->num_packets == rf->cap_packets) {
        rf->cap_packets = rf->cap_packets == 0 ? 32 : rf->cap_packets * 2;
        rf->packets = rp_xrealloc(rf->packets, rf->cap_packets * sizeof *rf->packets);
    }
    rp_packet *rp = &rf->packets[rf->num_packets++];
    memset(rp, 0, sizeof *rp);
    rp->dir = p->dir;
    rp->kind = p->kind;
    rp->command = p->command;
    rp->seq = p->seq;
    rp->truncated = p->truncated;
    rp->frame = p->frame;
    rp->len = p->len;
    rp->payload = rp_xmalloc(p->len);
    if (p->len > 0) {
        memcpy(rp->payload, p->payload, p->len);
    }
}

int rp_capture_load(rp_capture *cap, const char *path, char *err, size_t err_len) {
    memset(cap, 0, sizeof *cap);
    dump_config cfg;
    dump_config_init(&cfg);
    cfg.max_message = MAX_MESSAGE;
    /* Room for a full 0xFFFFFF frame plus what follows it in the segment. */
    cfg.max_stream_buffer = MAX_MESSAGE;
    dump_session *s = dump_session_new(&cfg, on_event, cap);
    if (s == NULL) {
        snprintf(err, err_len, "out of memory");
        return -1;
    }
    int rc = dump_read_file(s, path, NULL, NULL, err, err_len);
    if (rc == 0) {
        dump_session_finish(s);
    }
    dump_session_free(s);
    if (rc != 0) {
        rp_capture_free(cap);
    }
    return rc;
}

void rp_capture_free(rp_capture *cap) {
    for (size_t i = 0; i < cap->num_flows; i++) {
        rp_flow *f = &cap->flows[i];
        for (size_t j = 0; j < f->num_packets; j++) {
            free(f->packets[j].payload);
        }
        free(f->packets);
    }
    free(cap->flows);
    memset(cap, 0, sizeof *cap);
}
