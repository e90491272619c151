/*
 * Inputs the fuzz targets (fuzz/) found to break a property, each kept as
 * fuzz/corpus/<target>/regress-<name> and restated here with its exact
 * expected outcome, so the unit suite fails even where no corpus is replayed.
 */
#include <criterion/criterion.h>
#include <criterion/new/assert.h>
#include <string.h>

#include "redir/redir.h"
#include "testutil.h"

static redir_span S(const char *text) { return redir_span_of(text, strlen(text)); }

/* fuzz/corpus/build/regress-location-host-8bit: the Location builder took a
 * host with a byte above 0x7E, and its own extractor then refused the line
 * (E_URL_CHAR). Such hosts and users are now refused up front. */
Test(fuzz_regressions, location_builder_refuses_what_the_grammar_cannot_carry) {
    uint8_t buf[512];
    size_t n = 99;
    const uint64_t caps = REDIR_CAPS_MARIADB_DEFAULT;
    redir_status st = redir_build_location_ok(buf, sizeof buf, &n, 2, caps, 0x0002,
                                              REDIR_LOCATION_COMMUNITY, S("au\xfc" "ocommit"), 2,
                                              S("ON"), 60);
    cr_assert(eq(int, st, REDIR_E_INVALID_ARGUMENT));
    cr_assert(eq(sz, n, 0));

    /* each class the grammar refuses, in both forms */
    static const char *const bad_hosts[] = {"a b", "a/b", "a?b", "a&b", "a@b", "a[b", "a]b",
                                            "\x7f", "caf\xc3\xa9"};
    for (size_t i = 0; i < sizeof bad_hosts / sizeof bad_hosts[0]; i++) {
        for (int form = 0; form < 2; form++) {
            n = 99;
            st = redir_build_location_ok(buf, sizeof buf, &n, 2, caps, 0, (redir_location_form)form,
                                         S(bad_hosts[i]), 3306, S("alice"), 60);
            cr_assert(eq(int, st, REDIR_E_INVALID_ARGUMENT), "host '%s' form %d", bad_hosts[i],
                      form);
            cr_assert(eq(sz, n, 0));
        }
    }
    char longest[130];
    memset(longest, 'h', sizeof longest);
    cr_assert(eq(int,
                 redir_build_location_ok(buf, sizeof buf, &n, 2, caps, 0, REDIR_LOCATION_AZURE,
                                         redir_span_of(longest, 129), 3306, S("alice"), -1),
                 REDIR_E_INVALID_ARGUMENT));
    cr_assert(eq(int,
                 redir_build_location_ok(buf, sizeof buf, &n, 2, caps, 0, REDIR_LOCATION_AZURE,
                                         S("db2"), 3306, redir_span_of(longest, 129), -1),
                 REDIR_E_INVALID_ARGUMENT));

    /* at the limits the line is built and read back unchanged */
    st = redir_build_location_ok(buf, sizeof buf, &n, 2, caps, 0, REDIR_LOCATION_COMMUNITY,
                                 redir_span_of(longest, 128), 65535, redir_span_of(longest, 128),
                                 60);
    cr_assert(eq(int, st, REDIR_OK));
    redir_frame f;
    size_t used;
    redir_diag d;
    cr_assert(eq(int, redir_frame_decode(&f, &used, &d, buf, n), REDIR_OK));
    redir_ok ok;
    cr_assert(eq(int, redir_ok_decode(&ok, &d, f.payload.ptr, f.payload.len, caps), REDIR_OK));
    redir_instruction ins;
    cr_assert(eq(int, redir_redirect_from_ok(&ins, &d, &ok, true), REDIR_OK));
    cr_assert(eq(int, ins.carrier, REDIR_CARRIER_LOCATION));
    cr_assert(eq(sz, ins.host.len, 128));
    cr_assert(eq(sz, ins.user.len, 128));
    cr_assert(eq(u16, ins.port, 65535));
    cr_assert(eq(u64, ins.ttl, 60));
}

/* fuzz/corpus/greeting/regress-scramble-255: auth_data_len 0xFF asks for a
 * 247-byte part 2; when its last byte is not 0x00 nothing is dropped and the
 * scramble is 8 + 247 = 255 bytes (the contract said at most 254). */
Test(fuzz_regressions, greeting_scramble_of_255_bytes) {
    static const char head[] = "0a 35 2e 35 2e 35 00"     /* v10, "5.5.5" */
                               "01 00 00 00"              /* connection id */
                               "41 42 43 44 45 46 47 48"  /* part 1 */
                               "00 ff f7 21 02 00 ff 81"  /* filler, caps, charset, status, caps */
                               "ff"                       /* auth_data_len */
                               "00 00 00 00 00 00 00 00 00 00";
    uint8_t buf[400];
    size_t n = hex_decode(head, buf, sizeof buf);
    for (size_t i = 0; i < 247; i++) {
        buf[n++] = (uint8_t)('a' + i % 26);
    }
    memcpy(buf + n, "p\0", 2);
    n += 2;
    redir_greeting g;
    redir_diag d;
    cr_assert(eq(int, redir_greeting_decode(&g, &d, guard_copy(0, buf, n), n), REDIR_OK));
    cr_assert(eq(sz, g.auth_data2.len, 247));
    uint8_t scr[300];
    size_t scr_len = 0;
    cr_assert(eq(int, redir_greeting_scramble(NULL, 0, &scr_len, &g), REDIR_E_NOSPACE));
    cr_assert(eq(sz, scr_len, 255));
    cr_assert(eq(int, redir_greeting_scramble(scr, 254, &scr_len, &g), REDIR_E_NOSPACE));
    cr_assert(eq(sz, scr_len, 255));
    cr_assert(eq(int, redir_greeting_scramble(scr, sizeof scr, &scr_len, &g), REDIR_OK));
    cr_assert(eq(sz, scr_len, 255));
    cr_assert(eq(int, memcmp(scr, "ABCDEFGH", 8), 0));
    cr_assert(eq(u8, scr[254], (uint8_t)('a' + 246 % 26)));
}


#ifdef REDIR_HAVE_DUMP
#include "dump.h"

typedef struct cframe_seen {
    size_t cframes;
    size_t empty_inflated;
    size_t packets;
} cframe_seen;

static void count_cframes(void *ctx, const dump_event *ev) {
    cframe_seen *c = ctx;
    if (ev->type == DUMP_EV_CFRAME) {
        c->cframes++;
        if (ev->cframe.wire_len == 7 && ev->cframe.frame.comp_len == 0 && ev->cframe.inflated) {
            c->empty_inflated++;
        }
    } else if (ev->type == DUMP_EV_PACKET) {
        c->packets++;
    }
}

static void feed_bytes(dump_session *s, dump_endpoint from, dump_endpoint to, uint32_t *seq,
                       uint32_t ack, uint8_t flags, const uint8_t *p, size_t n, uint64_t *frame) {
    dump_segment seg;
    memset(&seg, 0, sizeof seg);
    seg.src = from;
    seg.dst = to;
    seg.seq = *seq;
    seg.ack = ack;
    seg.flags = flags;
    seg.payload = p;
    seg.len = n;
    dump_time ts = {1700000000, 0};
    dump_feed_segment(s, ts, ++*frame, &seg);
    *seq += (uint32_t)n + ((flags & DUMP_TCP_SYN) ? 1u : 0u);
}

/* fuzz/corpus/dump_flow/regress-empty-cframe-null-offset (and the pcap twin):
 * on a compressed flow, an empty compressed frame (7 zero bytes) arriving
 * before anything was inflated in that direction made the reader add 0 to a
 * NULL buffer (undefined behaviour, reported by UBSan). It is now an empty
 * frame that inflates to nothing. */
Test(fuzz_regressions, dump_empty_compressed_frame_first) {
    const uint64_t caps = REDIR_CLIENT_MYSQL | REDIR_CLIENT_PROTOCOL_41 |
                          REDIR_CLIENT_TRANSACTIONS | REDIR_CLIENT_SECURE_CONNECTION |
                          REDIR_CLIENT_PLUGIN_AUTH | REDIR_CLIENT_COMPRESS;
    uint8_t greeting[128], response[128], ok[16];
    size_t glen, rlen;
    redir_greeting g;
    memset(&g, 0, sizeof g);
    g.server_version = S("8.4.0");
    g.connection_id = 26;
    g.auth_data1 = S("xr6\")2\x08\x1d");
    g.capabilities = caps;
    g.has_ext = true;
    g.charset = 0xff;
    g.status = 2;
    g.auth_data_len = 21;
    g.auth_data2 = redir_span_of(".KQ\x1aJ\x0cHN\x0f(mf\0", 13);
    g.auth_plugin = S("caching_sha2_password");
    g.auth_plugin_nul = true;
    cr_assert(eq(int, redir_greeting_encode(greeting + 4, sizeof greeting - 4, &glen, &g),
                 REDIR_OK));
    redir_handshake_response r;
    memset(&r, 0, sizeof r);
    r.capabilities = caps;
    r.max_packet = 1u << 24;
    r.charset = 0x21;
    r.user = S("u");
    r.has_auth_plugin = true;
    r.auth_plugin = S("caching_sha2_password");
    cr_assert(eq(int, redir_handshake_response_encode(response + 4, sizeof response - 4, &rlen, &r),
                 REDIR_OK));
    size_t n;
    cr_assert(eq(int, redir_frame_encode_header(greeting, 4, &n, (uint32_t)glen, 0), REDIR_OK));
    cr_assert(eq(int, redir_frame_encode_header(response, 4, &n, (uint32_t)rlen, 1), REDIR_OK));
    static const uint8_t ok_pkt[] = {0x07, 0, 0, 2, 0, 0, 0, 2, 0, 0, 0};
    memcpy(ok, ok_pkt, sizeof ok_pkt);
    static const uint8_t empty_cframe[7] = {0};

    cframe_seen seen = {0, 0, 0};
    dump_session *s = dump_session_new(NULL, count_cframes, &seen);
    cr_assert(s != NULL);
    dump_endpoint cl = {4, {10, 0, 0, 1}, 50000};
    dump_endpoint sv = {4, {10, 0, 0, 2}, 3306};
    uint32_t cseq = 1000, sseq = 900000;
    uint64_t frame = 0;
    feed_bytes(s, cl, sv, &cseq, 0, DUMP_TCP_SYN, NULL, 0, &frame);
    feed_bytes(s, sv, cl, &sseq, cseq, DUMP_TCP_SYN | DUMP_TCP_ACK, NULL, 0, &frame);
    feed_bytes(s, sv, cl, &sseq, cseq, DUMP_TCP_ACK, greeting, glen + 4, &frame);
    feed_bytes(s, cl, sv, &cseq, sseq, DUMP_TCP_ACK, response, rlen + 4, &frame);
    feed_bytes(s, sv, cl, &sseq, cseq, DUMP_TCP_ACK, ok, sizeof ok_pkt, &frame);
    feed_bytes(s, sv, cl, &sseq, cseq, DUMP_TCP_ACK, empty_cframe, sizeof empty_cframe, &frame);
    dump_session_finish(s);
    cr_assert(eq(sz, seen.packets, 3));
    cr_assert(eq(sz, seen.cframes, 1));
    cr_assert(eq(sz, seen.empty_inflated, 1));
    dump_session_free(s);
}
#endif
