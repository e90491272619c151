#include "pcap_stream.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void die(const char *path, const char *why) {
    fprintf(stderr, "pcap_stream: %s: %s\n", path, why);
    abort();
}

static uint32_t rd32(const uint8_t *p, int swap) {
    return swap ? (uint32_t)p[3] | (uint32_t)p[2] << 8 | (uint32_t)p[1] << 16 | (uint32_t)p[0] << 24
                : (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint32_t be(const uint8_t *p, size_t n) {
    uint32_t v = 0;
    for (size_t i = 0; i < n; i++) {
        v = v << 8 | p[i];
    }
    return v;
}

typedef struct seg {
    uint16_t sport, dport;
    uint32_t seq;
    int syn, ack;
    const uint8_t *data;
    size_t len;
} seg;

/* parse_tcp finds the TCP segment inside one Ethernet frame. */
static int parse_tcp(const uint8_t *f, size_t n, seg *s) {
    if (n < 14) {
        return 0;
    }
    uint32_t type = be(f + 12, 2);
    const uint8_t *ip = f + 14;
    size_t left = n - 14;
    const uint8_t *tcp;
    size_t tcp_left;
    if (type == 0x0800) {
        if (left < 20 || ip[9] != 6) {
            return 0;
        }
        size_t ihl = (size_t)(ip[0] & 15) * 4;
        size_t total = be(ip + 2, 2);
        if (total > left || ihl > total) {
            return 0;
        }
        tcp = ip + ihl;
        tcp_left = total - ihl;
    } else if (type == 0x86DD) {
        if (left < 40 || ip[6] != 6) {
            return 0;
        }
        size_t plen = be(ip + 4, 2);
        if (plen > left - 40) {
            return 0;
        }
        tcp = ip + 40;
        tcp_left = plen;
    } else {
        return 0;
    }
    if (tcp_left < 20) {
        return 0;
    }
    size_t off = (size_t)(tcp[12] >> 4) * 4;
    if (off > tcp_left) {
        return 0;
    }
    s->sport = (uint16_t)be(tcp, 2);
    s->dport = (uint16_t)be(tcp + 2, 2);
    s->seq = be(tcp + 4, 4);
    s->syn = (tcp[13] & 0x02) != 0;
    s->ack = (tcp[13] & 0x10) != 0;
    s->data = tcp + off;
    s->len = tcp_left - off;
    return 1;
}

uint8_t *pcap_stream(const char *path, uint16_t server_port, int to_server, size_t *out_len) {
    FILE *fp = fopen(path, "rb");
    if (fp == NULL) {
        die(path, "cannot open");
    }
    fseek(fp, 0, SEEK_END);
    long size = ftell(fp);
    fseek(fp, 0, SEEK_SET);
    uint8_t *file = malloc((size_t)size);
    if (file == NULL || fread(file, 1, (size_t)size, fp) != (size_t)size || size < 24) {
        die(path, "cannot read");
    }
    fclose(fp);
    int swap = rd32(file, 0) == 0xd4c3b2a1u;
    if (!swap && rd32(file, 0) != 0xa1b2c3d4u) {
        die(path, "not a classic pcap file");
    }
    if (rd32(file + 20, swap) != 1) {
        die(path, "link type is not Ethernet");
    }
    /* First pass: find the server side and the first connection's client. */
    uint16_t client_port = 0;
    size_t pos = 24;
    while (pos + 16 <= (size_t)size) {
        size_t caplen = rd32(file + pos + 8, swap);
        seg s;
        if (pos + 16 + caplen > (size_t)size) {
            break;
        }
        if (parse_tcp(file + pos + 16, caplen, &s) && s.syn && s.ack) {
            server_port = s.sport;
            client_port = s.dport;
            break;
        }
        pos += 16 + caplen;
    }
    /* Collect the direction's segments, then order them by sequence number:
     * loopback captures hold segments out of order. */
    typedef struct piece {
        uint32_t rel;
        const uint8_t *data;
        size_t len;
    } piece;
    piece *pieces = malloc(sizeof(piece) * ((size_t)size / 40 + 1));
    size_t npieces = 0;
    int have_isn = 0;
    uint32_t isn = 0;
    pos = 24;
    while (pos + 16 <= (size_t)size) {
        size_t caplen = rd32(file + pos + 8, swap);
        size_t wirelen = rd32(file + pos + 12, swap);
        if (pos + 16 + caplen > (size_t)size) {
            die(path, "record runs past the end");
        }
        if (caplen != wirelen) {
            die(path, "truncated capture record");
        }
        seg s;
        const uint8_t *frame = file + pos + 16;
        pos += 16 + caplen;
        if (!parse_tcp(frame, caplen, &s)) {
            continue;
        }
        int from_client = s.dport == server_port;
        uint16_t peer = from_client ? s.sport : s.dport;
        if (client_port == 0 && (s.sport == server_port || s.dport == server_port)) {
            client_port = peer;
        }
        if (peer != client_port || from_client != (to_server != 0)) {
            continue;
        }
        if (s.syn) {
            isn = s.seq + 1;
            have_isn = 1;
            continue;
        }
        if (s.len == 0) {
            continue;
        }
        if (!have_isn) {
            isn = s.seq;
            have_isn = 1;
        }
        piece pc = {s.seq - isn, s.data, s.len};
        size_t i = npieces++;
        while (i > 0 && pieces[i - 1].rel > pc.rel) {
            pieces[i] = pieces[i - 1];
            i--;
        }
        pieces[i] = pc;
    }
    uint8_t *out = malloc((size_t)size);
    size_t len = 0;
    for (size_t i = 0; i < npieces; i++) {
        if (pieces[i].rel > len) {
            die(path, "gap in the TCP stream");
        }
        size_t skip = len - pieces[i].rel;
        if (skip >= pieces[i].len) {
            continue; /* retransmission */
        }
        memcpy(out + len, pieces[i].data + skip, pieces[i].len - skip);
        len += pieces[i].len - skip;
    }
    free(pieces);
    free(file);
    *out_len = len;
    return out;
}
