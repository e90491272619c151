/* redir_dump: link layers, VLAN tags, IPv4/IPv6 and TCP header parsing. */
#ifdef REDIR_HAVE_DUMP

#include <criterion/criterion.h>
#include <criterion/new/assert.h>
#include <string.h>

#include "dump.h"
#include "testutil.h"

/* IPv4 10.0.0.1 -> 10.0.0.2, TCP 40000 -> 3306, seq 0x01020304, ack 0x0a0b0c0d,
 * flags PSH|ACK, payload "01 00 00 00 0e" (COM_PING). */
#define IPV4_TCP                                                                                  \
    "45 00 00 2d 00 01 00 00 40 06 00 00 0a 00 00 01 0a 00 00 02 "                               \
    "9c 40 0c ea 01 02 03 04 0a 0b 0c 0d 50 18 ff ff 00 00 00 00 "                               \
    "01 00 00 00 0e"
/* IPv6 ::1 -> ::2 with a hop-by-hop extension header before TCP. */
#define IPV6_TCP                                                                                  \
    "60 00 00 00 00 25 00 40 "                                                                    \
    "00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 01 "                                            \
    "00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 02 "                                            \
    "06 00 00 00 00 00 00 00 "                                                                    \
    "9c 40 0c ea 01 02 03 04 0a 0b 0c 0d 50 18 ff ff 00 00 00 00 "                               \
    "01 00 00 00 0e"

#define ETH_HDR(type) "00 11 22 33 44 55 66 77 88 99 aa bb " type " "

static void check_ping(const dump_segment *s, uint8_t family) {
    cr_assert(eq(u8, s->src.family, family));
    cr_assert(eq(u16, s->src.port, 40000));
    cr_assert(eq(u16, s->dst.port, 3306));
    cr_assert(eq(u32, s->seq, 0x01020304));
    cr_assert(eq(u32, s->ack, 0x0a0b0c0d));
    cr_assert(eq(u8, s->flags, DUMP_TCP_PSH | DUMP_TCP_ACK));
    cr_assert(eq(sz, s->len, 5));
    cr_assert(eq(u8, s->payload[4], 0x0e));
    if (family == 4) {
        cr_assert(eq(u8, s->src.ip[3], 1));
        cr_assert(eq(u8, s->dst.ip[3], 2));
    } else {
        cr_assert(eq(u8, s->src.ip[15], 1));
        cr_assert(eq(u8, s->dst.ip[15], 2));
    }
}

static bool parse(int dlt, const char *hex, dump_segment *s) {
    size_t n;
    const uint8_t *p = hexbuf(0, hex, &n);
    const uint8_t *g = guard_copy(0, p, n);
    memset(s, 0, sizeof *s);
    return dump_parse_frame(dlt, g, n, s);
}

Test(dump_link, ethernet_ipv4) {
    dump_segment s;
    cr_assert(parse(DUMP_DLT_EN10MB, ETH_HDR("08 00") IPV4_TCP, &s));
    check_ping(&s, 4);
}

Test(dump_link, ethernet_padding_is_trimmed_by_ip_length) {
    dump_segment s;
    cr_assert(parse(DUMP_DLT_EN10MB, ETH_HDR("08 00") IPV4_TCP " 00 00 00 00 00", &s));
    check_ping(&s, 4);
}

Test(dump_link, single_and_double_vlan_tags) {
    dump_segment s;
    cr_assert(parse(DUMP_DLT_EN10MB, ETH_HDR("81 00") "00 64 08 00 " IPV4_TCP, &s));
    check_ping(&s, 4);
    cr_assert(parse(DUMP_DLT_EN10MB, ETH_HDR("88 a8") "00 64 81 00 00 65 86 dd " IPV6_TCP, &s));
    check_ping(&s, 6);
}

Test(dump_link, ethernet_ipv6_with_extension_header) {
    dump_segment s;
    cr_assert(parse(DUMP_DLT_EN10MB, ETH_HDR("86 dd") IPV6_TCP, &s));
    check_ping(&s, 6);
}

Test(dump_link, linux_cooked_v1_and_v2) {
    dump_segment s;
    cr_assert(parse(DUMP_DLT_LINUX_SLL,
                    "00 00 00 01 00 06 00 11 22 33 44 55 00 00 08 00 " IPV4_TCP, &s));
    check_ping(&s, 4);
    cr_assert(parse(DUMP_DLT_LINUX_SLL2,
                    "86 dd 00 00 00 00 00 01 00 01 00 06 00 11 22 33 44 55 00 00 " IPV6_TCP,
                    &s));
    check_ping(&s, 6);
    cr_assert(parse(DUMP_DLT_LINUX_SLL2,
                    "81 00 00 00 00 00 00 01 00 01 00 06 00 11 22 33 44 55 00 00 "
                    "00 64 08 00 " IPV4_TCP,
                    &s));
    check_ping(&s, 4);
}

Test(dump_link, loopback_null_both_byte_orders_and_raw) {
    dump_segment s;
    cr_assert(parse(DUMP_DLT_NULL, "02 00 00 00 " IPV4_TCP, &s));
    check_ping(&s, 4);
    cr_assert(parse(DUMP_DLT_NULL, "00 00 00 1e " IPV6_TCP, &s));
    check_ping(&s, 6);
    cr_assert(parse(DUMP_DLT_LOOP, "00 00 00 02 " IPV4_TCP, &s));
    check_ping(&s, 4);
    cr_assert(parse(DUMP_DLT_RAW, IPV4_TCP, &s));
    check_ping(&s, 4);
    cr_assert(parse(DUMP_DLT_IPV6, IPV6_TCP, &s));
    check_ping(&s, 6);
}

Test(dump_link, rejects_non_tcp_fragments_and_truncation) {
    dump_segment s;
    /* UDP */
    cr_assert(parse(DUMP_DLT_RAW,
                    "45 00 00 1c 00 01 00 00 40 11 00 00 0a 00 00 01 0a 00 00 02 "
                    "00 35 00 35 00 08 00 00",
                    &s) == false);
    /* A first fragment (MF set) */
    cr_assert(parse(DUMP_DLT_RAW,
                    "45 00 00 2d 00 01 20 00 40 06 00 00 0a 00 00 01 0a 00 00 02 "
                    "9c 40 0c ea 01 02 03 04 0a 0b 0c 0d 50 18 ff ff 00 00 00 00 "
                    "01 00 00 00 0e",
                    &s) == false);
    /* TCP header cut short */
    cr_assert(parse(DUMP_DLT_RAW,
                    "45 00 00 2d 00 01 00 00 40 06 00 00 0a 00 00 01 0a 00 00 02 9c 40 0c ea",
                    &s) == false);
    /* Every prefix of a valid frame shorter than its headers fails cleanly. */
    size_t n;
    const uint8_t *p = hexbuf(1, ETH_HDR("81 00") "00 64 08 00 " IPV4_TCP, &n);
    for (size_t k = 0; k < 14 + 4 + 40; k++) {
        const uint8_t *g = guard_copy(1, p, k);
        cr_assert(dump_parse_frame(DUMP_DLT_EN10MB, g, k, &s) == false, "prefix %zu", k);
    }
    cr_assert(dump_linktype_supported(DUMP_DLT_LINUX_SLL2));
    cr_assert(dump_linktype_supported(105) == false); /* 802.11 */
}

Test(dump_link, endpoint_format) {
    dump_endpoint v4 = {4, {192, 168, 0, 1}, 3306};
    dump_endpoint v6 = {6, {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}, 33060};
    char buf[DUMP_ENDPOINT_STRLEN];
    dump_endpoint_format(&v4, buf, sizeof buf);
    cr_assert(eq(int, strcmp(buf, "192.168.0.1:3306"), 0), "%s", buf);
    dump_endpoint_format(&v6, buf, sizeof buf);
    cr_assert(eq(int, strcmp(buf, "[2001:db8::1]:33060"), 0), "%s", buf);
}

#endif
