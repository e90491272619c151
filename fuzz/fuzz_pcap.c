/* The capture reader: an input that starts with a pcap or pcapng magic is a
 * capture file, read through libpcap and the link/IP/TCP parsers into a
 * session; any other input is one captured frame, parsed under every link
 * type the reader supports (the first byte picks the one also fed to a
 * session). Events are checked as in fuzz_dump_flow, with lighter checks. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dump.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                                     \
    do {                                                                                \
        if (!(cond)) {                                                                  \
            fprintf(stderr, "%s:%d: property failed: %s\n", __FILE__, __LINE__, #cond); \
            abort();                                                                    \
        }                                                                               \
    } while (0)

static const int dlts[] = {DUMP_DLT_NULL, DUMP_DLT_EN10MB, DUMP_DLT_RAW, DUMP_DLT_LOOP,
                           DUMP_DLT_LINUX_SLL, DUMP_DLT_IPV4, DUMP_DLT_IPV6, DUMP_DLT_LINUX_SLL2};
#define NUM_DLTS (sizeof dlts / sizeof dlts[0])

typedef struct counts {
    uint64_t packets, opened, closed;
    volatile uint8_t sink;
} counts;

static void on_event(void *ctx, const dump_event *ev) {
    counts *c = ctx;
    CHECK(ev->flow != NULL && dump_phase_name(ev->flow->phase) != NULL);
    if (ev->type == DUMP_EV_FLOW_OPEN) {
        c->opened++;
    } else if (ev->type == DUMP_EV_FLOW_CLOSE) {
        c->closed++;
    } else if (ev->type == DUMP_EV_PACKET) {
        const dump_packet *p = &ev->packet;
        c->packets++;
        CHECK(p->len <= p->total_len && (p->len == 0 || p->payload != NULL));
        uint8_t x = 0;
        for (size_t i = 0; i < p->len; i++) {
            x ^= p->payload[i];
        }
        for (size_t i = 0; p->wire != NULL && i < p->wire_len; i++) {
            x ^= p->wire[i];
        }
        c->sink ^= x;
        dump_verify_info vi;
        dump_verify_packet(p, &vi);
        CHECK(vi.result <= DUMP_VERIFY_SKIPPED);
    } else if (ev->type == DUMP_EV_CFRAME) {
        dump_verify_info vi;
        dump_verify_cframe(&ev->cframe, &vi);
        CHECK(vi.result == DUMP_VERIFY_OK);
    }
}

static char path[256];

static void remove_file(void) {
    if (path[0] != '\0') {
        unlink(path);
    }
}

/* One scratch file per process, rewritten for every input. */
static bool write_file(const uint8_t *data, size_t size) {
    if (path[0] == '\0') {
        const char *dir = getenv("TMPDIR");
        snprintf(path, sizeof path, "%s/fuzz_pcap.XXXXXX", dir != NULL && dir[0] ? dir : "/tmp");
        int fd = mkstemp(path);
        if (fd < 0) {
            path[0] = '\0';
            return false;
        }
        close(fd);
        atexit(remove_file);
    }
    FILE *f = fopen(path, "wb");
    if (f == NULL) {
        return false;
    }
    bool ok = fwrite(data, 1, size, f) == size;
    return fclose(f) == 0 && ok;
}

static bool is_capture(const uint8_t *d, size_t n) {
    static const uint8_t magics[][4] = {
        {0xD4, 0xC3, 0xB2, 0xA1}, {0xA1, 0xB2, 0xC3, 0xD4}, /* pcap, microseconds */
        {0x4D, 0x3C, 0xB2, 0xA1}, {0xA1, 0xB2, 0x3C, 0x4D}, /* pcap, nanoseconds */
        {0x0A, 0x0D, 0x0D, 0x0A},                           /* pcapng */
    };
    for (size_t i = 0; n >= 4 && i < sizeof magics / sizeof magics[0]; i++) {
        if (memcmp(d, magics[i], 4) == 0) {
            return true;
        }
    }
    return false;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    counts c;
    memset(&c, 0, sizeof c);
    dump_session *s = dump_session_new(NULL, on_event, &c);
    CHECK(s != NULL);
    if (is_capture(data, size)) {
        char err[256];
        err[0] = '\0';
        if (write_file(data, size)) {
            int rc = dump_read_file(s, path, NULL, NULL, err, sizeof err);
            CHECK(rc == 0 || (rc == -1 && memchr(err, 0, sizeof err) != NULL && err[0] != '\0'));
        }
    } else if (size > 0) {
        const uint8_t *frame = data + 1;
        size_t n = size - 1;
        for (size_t i = 0; i < NUM_DLTS; i++) {
            CHECK(dump_linktype_supported(dlts[i]));
            dump_segment seg;
            if (dump_parse_frame(dlts[i], frame, n, &seg)) {
                CHECK(seg.len <= n && (seg.len == 0 || (seg.payload >= frame &&
                                                        seg.payload + seg.len <= frame + n)));
                CHECK(seg.src.family == 4 || seg.src.family == 6);
                CHECK(seg.dst.family == seg.src.family);
            }
        }
        dump_time ts = {0, 0};
        int dlt = dlts[data[0] % NUM_DLTS];
        bool parsed = dump_feed_frame(s, dlt, ts, 1, frame, n);
        dump_segment seg;
        CHECK(parsed == dump_parse_frame(dlt, frame, n, &seg));
        const dump_stats *st = dump_session_stats(s);
        CHECK(st->frames == 1 && st->undecodable_frames == (parsed ? 0u : 1u));
    }
    dump_session_finish(s);
    const dump_stats *st = dump_session_stats(s);
    CHECK(c.opened == c.closed && c.opened == st->flows && c.packets == st->packets);
    dump_session_free(s);
    return 0;
}
