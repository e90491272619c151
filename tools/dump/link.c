/* Link layer, IP and TCP header parsing. */
#include <string.h>

#include "dump_internal.h"

#define ETH_IPV4 0x0800
#define ETH_IPV6 0x86DD
#define ETH_VLAN 0x8100
#define ETH_QINQ 0x88A8
#define ETH_QINQ_OLD 0x9100
#define MAX_VLAN_TAGS 4

static uint16_t be16(const uint8_t *p) { return (uint16_t)((p[0] << 8) | p[1]); }

static uint32_t be32(const uint8_t *p) {
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

static bool parse_tcp(const uint8_t *p, size_t n, dump_segment *seg) {
    if (n < 20) {
        return false;
    }
    size_t hlen = (size_t)(p[12] >> 4) * 4;
    if (hlen < 20 || hlen > n) {
        return false;
    }
    seg->src.port = be16(p);
    seg->dst.port = be16(p + 2);
    seg->seq = be32(p + 4);
    seg->ack = be32(p + 8);
    seg->flags = (uint8_t)(p[13] & 0x1F);
    seg->payload = p + hlen;
    seg->len = n - hlen;
    return true;
}

static bool parse_ipv4(const uint8_t *p, size_t n, dump_segment *seg) {
    if (n < 20 || (p[0] >> 4) != 4) {
        return false;
    }
    size_t ihl = (size_t)(p[0] & 0x0F) * 4;
    size_t total = be16(p + 2);
    if (ihl < 20 || ihl > n) {
        return false;
    }
    /* A zero total length comes from segmentation offload; otherwise the
     * total length strips link-layer padding. */
    if (total != 0 && total < n) {
        n = total;
    }
    if (ihl > n) {
        return false;
    }
    uint16_t frag = be16(p + 6);
    if ((frag & 0x3FFF) != 0) {
        return false; /* fragments are not reassembled */
    }
    if (p[9] != 6) {
        return false;
    }
    memset(&seg->src, 0, sizeof seg->src);
    memset(&seg->dst, 0, sizeof seg->dst);
    seg->src.family = 4;
    seg->dst.family = 4;
    memcpy(seg->src.ip, p + 12, 4);
    memcpy(seg->dst.ip, p + 16, 4);
    return parse_tcp(p + ihl, n - ihl, seg);
}

static bool parse_ipv6(const uint8_t *p, size_t n, dump_segment *seg) {
    if (n < 40 || (p[0] >> 4) != 6) {
        return false;
    }
    size_t plen = be16(p + 4);
    if (plen != 0 && plen + 40 < n) {
        n = plen + 40;
    }
    uint8_t next = p[6];
    size_t off = 40;
    for (int i = 0; i < 8; i++) {
        if (next == 0 || next == 43 || next == 60) {
            if (off + 8 > n) {
                return false;
            }
            next = p[off];
            off += ((size_t)p[off + 1] + 1) * 8;
        } else if (next == 51) {
            if (off + 8 > n) {
                return false;
            }
            next = p[off];
            off += ((size_t)p[off + 1] + 2) * 4;
        } else {
            break;
        }
    }
    if (next != 6 || off > n) {
        return false; /* not TCP, or a fragment (44) */
    }
    memset(&seg->src, 0, sizeof seg->src);
    memset(&seg->dst, 0, sizeof seg->dst);
    seg->src.family = 6;
    seg->dst.family = 6;
    memcpy(seg->src.ip, p + 8, 16);
    memcpy(seg->dst.ip, p + 24, 16);
    return parse_tcp(p + off, n - off, seg);
}

static bool parse_ip(const uint8_t *p, size_t n, dump_segment *seg) {
    if (n < 1) {
        return false;
    }
    switch (p[0] >> 4) {
    case 4:
        return parse_ipv4(p, n, seg);
    case 6:
        return parse_ipv6(p, n, seg);
    default:
        return false;
    }
}

/* parse_ethertype follows VLAN tags from an ethertype at p[0..1]. */
static bool parse_ethertype(const uint8_t *p, size_t n, dump_segment *seg) {
    for (int tags = 0; tags <= MAX_VLAN_TAGS; tags++) {
        if (n < 2) {
            return false;
        }
        uint16_t type = be16(p);
        if (type == ETH_VLAN || type == ETH_QINQ || type == ETH_QINQ_OLD) {
            if (n < 6) {
                return false;
            }
            p += 4; /* TCI, then the inner ethertype */
            n -= 4;
            continue;
        }
        if (type == ETH_IPV4 || type == ETH_IPV6) {
            return parse_ip(p + 2, n - 2, seg);
        }
        return false;
    }
    return false;
}

bool dump_linktype_supported(int dlt) {
    switch (dlt) {
    case DUMP_DLT_NULL:
    case DUMP_DLT_EN10MB:
    case DUMP_DLT_RAW:
    case 14: /* DLT_RAW on OpenBSD */
    case 101: /* LINKTYPE_RAW */
    case DUMP_DLT_LOOP:
    case DUMP_DLT_LINUX_SLL:
    case DUMP_DLT_IPV4:
    case DUMP_DLT_IPV6:
    case DUMP_DLT_LINUX_SLL2:
        return true;
    default:
        return false;
    }
}

bool dump_parse_frame(int dlt, const uint8_t *data, size_t caplen, dump_segment *seg) {
    if (data == NULL) {
        return false;
    }
    switch (dlt) {
    case DUMP_DLT_NULL:
    case DUMP_DLT_LOOP:
        /* The 4-byte family is in the capturing host's byte order (NULL) or
         * network order (LOOP), and its values differ between systems; the IP
         * version nibble is what decides. */
        if (caplen < 4) {
            return false;
        }
        return parse_ip(data + 4, caplen - 4, seg);
    case DUMP_DLT_EN10MB:
        if (caplen < 14) {
            return false;
        }
        return parse_ethertype(data + 12, caplen - 12, seg);
    case DUMP_DLT_RAW:
    case 14:
    case 101:
        return parse_ip(data, caplen, seg);
    case DUMP_DLT_IPV4:
        return parse_ipv4(data, caplen, seg);
    case DUMP_DLT_IPV6:
        return parse_ipv6(data, caplen, seg);
    case DUMP_DLT_LINUX_SLL:
        if (caplen < 16) {
            return false;
        }
        return parse_ethertype(data + 14, caplen - 14, seg);
    case DUMP_DLT_LINUX_SLL2:
        if (caplen < 20) {
            return false;
        }
        {
            /* SLL2 puts the protocol first; VLAN tags may follow the header
             * when the kernel did not strip them. */
            uint16_t type = be16(data);
            if (type == ETH_VLAN || type == ETH_QINQ || type == ETH_QINQ_OLD) {
                /* the payload starts with the tag's TCI, then the next type */
                if (caplen < 24) {
                    return false;
                }
                return parse_ethertype(data + 22, caplen - 22, seg);
            }
            if (type == ETH_IPV4 || type == ETH_IPV6) {
                return parse_ip(data + 20, caplen - 20, seg);
            }
            return false;
        }
    default:
        return false;
    }
}
