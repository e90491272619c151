/* Capture input through libpcap: files (pcap and pcapng) and live interfaces. */
#include <pcap/pcap.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "dump_internal.h"

#define PROGRESS_STEP (64u * 1024u)

typedef struct reader_ctx {
    dump_session *s;
    int dlt;
    uint64_t frame_no;
    bool nano;
} reader_ctx;

static void on_packet(u_char *user, const struct pcap_pkthdr *h, const u_char *bytes) {
    reader_ctx *rc = (reader_ctx *)(void *)user;
    dump_time ts;
    ts.sec = (int64_t)h->ts.tv_sec;
    ts.nsec = rc->nano ? (uint32_t)h->ts.tv_usec : (uint32_t)h->ts.tv_usec * 1000u;
    rc->frame_no++;
    (void)dump_feed_frame(rc->s, rc->dlt, ts, rc->frame_no, bytes, h->caplen);
}

static void set_err(char *err, size_t errlen, const char *a, const char *b) {
    if (err != NULL && errlen > 0) {
        snprintf(err, errlen, "%s: %s", a, b);
    }
}

int dump_read_file(dump_session *s, const char *path, dump_progress_fn progress,
                   void *progress_ctx, char *err, size_t errlen) {
    char perr[PCAP_ERRBUF_SIZE];
    perr[0] = '\0';
    pcap_t *p = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_NANO, perr);
    if (p == NULL) {
        if (err != NULL && errlen > 0) {
            snprintf(err, errlen, "%s", perr); /* libpcap names the file */
        }
        return -1;
    }
    reader_ctx rc;
    memset(&rc, 0, sizeof rc);
    rc.s = s;
    rc.dlt = pcap_datalink(p);
    rc.nano = pcap_get_tstamp_precision(p) == PCAP_TSTAMP_PRECISION_NANO;
    if (!dump_linktype_supported(rc.dlt)) {
        const char *name = pcap_datalink_val_to_name(rc.dlt);
        if (err != NULL && errlen > 0) {
            snprintf(err, errlen, "%s: unsupported link type %s", path, name ? name : "?");
        }
        pcap_close(p);
        return -1;
    }
    uint64_t total = 0;
    struct stat st;
    if (stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
        total = (uint64_t)st.st_size;
    }
    FILE *fp = pcap_file(p);
    uint64_t last = 0;
    int rc_loop;
    for (;;) {
        rc_loop = pcap_dispatch(p, 256, on_packet, (u_char *)(void *)&rc);
        if (rc_loop <= 0) {
            break;
        }
        if (progress != NULL && fp != NULL) {
            long pos = ftell(fp);
            if (pos >= 0 && (uint64_t)pos - last >= PROGRESS_STEP) {
                last = (uint64_t)pos;
                progress(progress_ctx, last, total);
            }
        }
    }
    int ret = 0;
    if (rc_loop == PCAP_ERROR) {
        /* A file cut short ends the capture like a normal end: report it but
         * keep what was read. */
        set_err(err, errlen, path, pcap_geterr(p));
        ret = -1;
    }
    if (progress != NULL) {
        progress(progress_ctx, total, total);
    }
    pcap_close(p);
    return ret;
}

int dump_read_live(dump_session *s, const char *iface, const char *filter,
                   volatile sig_atomic_t *stop, char *err, size_t errlen) {
    char perr[PCAP_ERRBUF_SIZE];
    perr[0] = '\0';
    pcap_t *p = pcap_create(iface, perr);
    if (p == NULL) {
        set_err(err, errlen, iface, perr);
        return -1;
    }
    (void)pcap_set_snaplen(p, 262144);
    (void)pcap_set_promisc(p, 0);
    (void)pcap_set_timeout(p, 200);
    (void)pcap_set_tstamp_precision(p, PCAP_TSTAMP_PRECISION_NANO);
    int act = pcap_activate(p);
    if (act < 0) {
        set_err(err, errlen, iface, pcap_geterr(p));
        pcap_close(p);
        return -1;
    }
    reader_ctx rc;
    memset(&rc, 0, sizeof rc);
    rc.s = s;
    rc.dlt = pcap_datalink(p);
    rc.nano = pcap_get_tstamp_precision(p) == PCAP_TSTAMP_PRECISION_NANO;
    if (!dump_linktype_supported(rc.dlt)) {
        const char *name = pcap_datalink_val_to_name(rc.dlt);
        if (err != NULL && errlen > 0) {
            snprintf(err, errlen, "%s: unsupported link type %s", iface, name ? name : "?");
        }
        pcap_close(p);
        return -1;
    }
    if (filter != NULL && filter[0] != '\0') {
        struct bpf_program prog;
        if (pcap_compile(p, &prog, filter, 1, PCAP_NETMASK_UNKNOWN) != 0) {
            set_err(err, errlen, "filter", pcap_geterr(p));
            pcap_close(p);
            return -1;
        }
        int fr = pcap_setfilter(p, &prog);
        pcap_freecode(&prog);
        if (fr != 0) {
            set_err(err, errlen, "filter", pcap_geterr(p));
            pcap_close(p);
            return -1;
        }
    }
    /* Non-blocking reads behind poll() with a short timeout, so that *stop is
     * looked at even when no packet arrives. */
    int fd = pcap_get_selectable_fd(p);
    if (fd >= 0) {
        (void)pcap_setnonblock(p, 1, perr);
    }
    int ret = 0;
    while (stop == NULL || !*stop) {
        if (fd >= 0) {
            struct pollfd pfd = {fd, POLLIN, 0};
            if (poll(&pfd, 1, 200) <= 0) {
                continue;
            }
        }
        int n = pcap_dispatch(p, 256, on_packet, (u_char *)(void *)&rc);
        if (n == PCAP_ERROR) {
            set_err(err, errlen, iface, pcap_geterr(p));
            ret = -1;
            break;
        }
        if (n == PCAP_ERROR_BREAK) {
            break;
        }
    }
    pcap_close(p);
    return ret;
}
