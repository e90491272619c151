#include <criterion/criterion.h>
#include <criterion/new/assert.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "redir/wire.h"
#include "testutil.h"

#define MAXP ((size_t)REDIR_MAX_PACKET_PAYLOAD)

/* Single wire packets taken from captures (datakit__mysql_2.pcapng,
 * pcap2mysql-log__compressed.pcap, deepflow__mysql-use.pcap). */
struct packet_vec {
    const char *name;
    const char *hex;
    uint8_t seq;
    uint32_t payload_len;
};

static const struct packet_vec packets[] = {
    {"COM_PING", "01 00 00 00 0e", 0, 1},
    {"COM_QUIT", "01 00 00 00 01", 0, 1},
    {"AuthMoreData fast_auth_success", "02 00 00 02 01 03", 2, 2},
    {"OK", "07 00 00 03 00 00 00 02 00 00 00", 3, 7},
    {"COM_QUERY USE testdb", "0b 00 00 00 03 55 53 45 20 74 65 73 74 64 62", 0, 11},
    {"OK with session track",
     "10 00 00 02 00 00 00 02 40 00 00 00 07 01 05 04 64 65 6d 6f", 2, 16},
    {"greeting 8.4.0",
     "49 00 00 00 0a 38 2e 34 2e 30 00 1f 00 00 00 79 4a 1b 25 59 0a 4e 45 00 ff ff ff 02"
     "00 ff df 15 00 00 00 00 00 00 00 00 00 00 2d 76 5a 23 76 09 2a 46 6f 04 78 30 00 63"
     "61 63 68 69 6e 67 5f 73 68 61 32 5f 70 61 73 73 77 6f 72 64 00",
     0, 0x49},
    {"empty", "00 00 00 09", 9, 0},
    {"one byte", "01 00 00 ff 2a", 255, 1},
};

#define NPACKETS (sizeof packets / sizeof packets[0])

Test(frame, real_packets_decode_and_encode) {
    for (size_t i = 0; i < NPACKETS; i++) {
        const struct packet_vec *v = &packets[i];
        size_t n;
        const uint8_t *bytes = hexbuf(0, v->hex, &n);
        const uint8_t *g = guard_copy(0, bytes, n);
        cr_assert(eq(sz, n, 4 + (size_t)v->payload_len), "%s", v->name);

        redir_frame f;
        size_t used = 0;
        redir_diag d = {0, 0};
        cr_assert(eq(int, redir_frame_decode(&f, &used, &d, g, n), REDIR_OK), "%s", v->name);
        cr_assert(eq(sz, used, n));
        cr_assert(eq(u32, f.payload_len, v->payload_len));
        cr_assert(eq(u8, f.seq, v->seq));
        cr_assert(f.payload.ptr == g + 4);
        cr_assert(eq(sz, f.payload.len, v->payload_len));

        uint8_t hdr[4];
        size_t hlen = 0;
        cr_assert(eq(int, redir_frame_encode_header(hdr, sizeof hdr, &hlen, v->payload_len, v->seq),
                     REDIR_OK));
        cr_assert(eq(sz, hlen, 4));
        cr_assert(eq(int, memcmp(hdr, bytes, 4), 0), "%s", v->name);

        uint8_t enc[128];
        size_t elen = 0;
        uint8_t next = 0;
        cr_assert(eq(int,
                     redir_message_encode(enc, sizeof enc, &elen, &next, v->seq, g + 4,
                                          v->payload_len),
                     REDIR_OK));
        cr_assert(eq(sz, elen, n));
        cr_assert(eq(int, memcmp(enc, bytes, n), 0), "%s", v->name);
        cr_assert(eq(u8, next, (uint8_t)(v->seq + 1)));

        /* a single chunk is a view into the input; the join buffer stays untouched */
        uint8_t join[8];
        memset(join, 0xAA, sizeof join);
        redir_message m;
        cr_assert(eq(int,
                     redir_message_decode(&m, &used, &d, g, n, v->seq, join, sizeof join, 0),
                     REDIR_OK),
                  "%s", v->name);
        cr_assert(eq(sz, used, n));
        cr_assert(eq(sz, m.num_frames, 1));
        cr_assert(eq(u8, m.first_seq, v->seq));
        cr_assert(eq(u8, m.next_seq, (uint8_t)(v->seq + 1)));
        cr_assert(m.payload.ptr == g + 4);
        cr_assert(eq(sz, m.payload.len, v->payload_len));
        for (size_t k = 0; k < sizeof join; k++) {
            cr_assert(eq(u8, join[k], 0xAA));
        }
        cr_assert(eq(int, redir_message_decode(&m, &used, NULL, g, n, -1, NULL, 0, 0), REDIR_OK));
        cr_assert(eq(u8, m.first_seq, v->seq));
    }
}

Test(frame, four_packets_in_one_segment) {
    /* datakit__mysql_2.pcapng frame 10: COM_STMT_PREPARE response, one TCP segment */
    size_t n;
    const uint8_t *bytes = hexbuf(0,
        "0c 00 00 01 00 01 00 00 00 00 00 02 00 00 00 00"
        "17 00 00 02 03 64 65 66 00 00 00 01 3f 00 0c 2d 00 ff ff ff ff fb 00 00 1f 00 00"
        "17 00 00 03 03 64 65 66 00 00 00 01 3f 00 0c 3f 00 15 00 00 00 08 80 00 00 00 00"
        "05 00 00 04 fe 00 00 02 00",
        &n);
    const uint8_t *g = guard_copy(0, bytes, n);
    const size_t lens[] = {12, 23, 23, 5};
    size_t pos = 0;
    int seq = 1;
    for (size_t i = 0; i < 4; i++) {
        redir_message m;
        size_t used;
        redir_diag d;
        cr_assert(eq(int, redir_message_decode(&m, &used, &d, g + pos, n - pos, seq, NULL, 0, 0),
                     REDIR_OK));
        cr_assert(eq(sz, used, 4 + lens[i]));
        cr_assert(eq(sz, m.payload.len, lens[i]));
        cr_assert(m.payload.ptr == g + pos + 4);
        seq = m.next_seq;
        pos += used;
    }
    cr_assert(eq(sz, pos, n));
    cr_assert(eq(int, seq, 5));
    cr_assert(eq(u8, g[pos - 5], 0xfe));
}

/* ---------------------------------------------------------------- large payloads */

static uint8_t *pattern(size_t len, uint32_t seed) {
    uint8_t *p = malloc(len > 0 ? len : 1);
    cr_assert(p != NULL);
    uint32_t x = seed * 2654435761u + 1u;
    for (size_t i = 0; i < len; i++) {
        x = x * 1103515245u + 12345u;
        p[i] = (uint8_t)(x >> 16);
    }
    return p;
}

static void assert_header(const uint8_t *at, uint8_t b0, uint8_t b1, uint8_t b2, uint8_t b3) {
    cr_assert(eq(u8, at[0], b0));
    cr_assert(eq(u8, at[1], b1));
    cr_assert(eq(u8, at[2], b2));
    cr_assert(eq(u8, at[3], b3));
}

/* encode_big frames payload with the library and checks the sizing pass. */
static uint8_t *encode_big(const uint8_t *payload, size_t len, uint8_t seq, size_t expect_total,
                           uint8_t expect_next) {
    size_t need = 0;
    uint8_t next = 0;
    cr_assert(eq(int, redir_message_encode(NULL, 0, &need, &next, seq, payload, len),
                 REDIR_E_NOSPACE));
    cr_assert(eq(sz, need, expect_total));
    cr_assert(eq(u8, next, expect_next));
    uint8_t *out = malloc(expect_total);
    cr_assert(out != NULL);
    size_t got = 0;
    next = 0;
    cr_assert(eq(int, redir_message_encode(out, expect_total, &got, &next, seq, payload, len),
                 REDIR_OK));
    cr_assert(eq(sz, got, expect_total));
    cr_assert(eq(u8, next, expect_next));
    return out;
}

static void assert_joined(const uint8_t *wire, size_t wire_len, int expected_seq,
                          const uint8_t *payload, size_t len, size_t frames, uint8_t first,
                          uint8_t next) {
    uint8_t *join = malloc(len);
    cr_assert(join != NULL);
    redir_message m;
    size_t used = 0;
    redir_diag d = {0, 0};
    cr_assert(eq(int,
                 redir_message_decode(&m, &used, &d, wire, wire_len, expected_seq, join, len, 0),
                 REDIR_OK));
    cr_assert(eq(sz, used, wire_len));
    cr_assert(eq(sz, m.num_frames, frames));
    cr_assert(eq(u8, m.first_seq, first));
    cr_assert(eq(u8, m.next_seq, next));
    cr_assert(m.payload.ptr == join);
    cr_assert(eq(sz, m.payload.len, len));
    cr_assert(eq(int, memcmp(join, payload, len), 0));
    free(join);
}

Test(frame, forty_mib_header_chain) {
    /* 40 MiB = 2 * 0xFFFFFF + 0x800002 */
    const size_t len = 40u * 1024u * 1024u;
    uint8_t *payload = pattern(len, 1);
    uint8_t *wire = encode_big(payload, len, 0, len + 12, 3);
    assert_header(wire, 0xff, 0xff, 0xff, 0x00);
    assert_header(wire + 4 + MAXP, 0xff, 0xff, 0xff, 0x01);
    assert_header(wire + 8 + 2 * MAXP, 0x02, 0x00, 0x80, 0x02);
    cr_assert(eq(int, memcmp(wire + 4, payload, MAXP), 0));
    cr_assert(eq(int, memcmp(wire + 12 + 2 * MAXP, payload + 2 * MAXP, 0x800002), 0));
    assert_joined(wire, len + 12, 0, payload, len, 3, 0, 3);
    free(wire);
    free(payload);
}

/* go-sql-driver #514: a payload of exactly 0xFFFFFF bytes needs an empty
 * terminating packet, and a reader must accept it. */
Test(frame, exact_multiple_encodes_empty_terminator) {
    uint8_t *payload = pattern(MAXP, 2);
    uint8_t *wire = encode_big(payload, MAXP, 0, MAXP + 8, 2);
    assert_header(wire, 0xff, 0xff, 0xff, 0x00);
    assert_header(wire + 4 + MAXP, 0x00, 0x00, 0x00, 0x01);
    cr_assert(eq(int, memcmp(wire + 4, payload, MAXP), 0));
    free(wire);
    free(payload);
}

Test(frame, exact_multiple_decodes_with_terminator) {
    /* built by hand, independent of the encoder */
    const size_t total = MAXP + 8;
    uint8_t *wire = pattern(total, 3);
    const uint8_t h1[4] = {0xff, 0xff, 0xff, 0x00};
    const uint8_t h2[4] = {0x00, 0x00, 0x00, 0x01};
    memcpy(wire, h1, 4);
    memcpy(wire + 4 + MAXP, h2, 4);
    assert_joined(wire, total, 0, wire + 4, MAXP, 2, 0, 2);

    /* without the terminator the message is incomplete: exactly its header is missing */
    redir_message m;
    size_t used = 0;
    redir_diag d = {0, 0};
    cr_assert(eq(int, redir_message_decode(&m, &used, &d, wire, MAXP + 4, 0, NULL, 0, 0),
                 REDIR_E_TRUNCATED));
    cr_assert(eq(sz, d.offset, MAXP + 4));
    cr_assert(eq(sz, d.needed, 4));

    /* a single frame decode stops after the first chunk */
    redir_frame f;
    cr_assert(eq(int, redir_frame_decode(&f, &used, &d, wire, total), REDIR_OK));
    cr_assert(eq(sz, used, MAXP + 4));
    cr_assert(eq(u32, f.payload_len, (uint32_t)MAXP));
    free(wire);
}

Test(frame, two_full_chunks) {
    uint8_t *payload = pattern(2 * MAXP, 4);
    uint8_t *wire = encode_big(payload, 2 * MAXP, 0x10, 2 * MAXP + 12, 0x13);
    assert_header(wire, 0xff, 0xff, 0xff, 0x10);
    assert_header(wire + 4 + MAXP, 0xff, 0xff, 0xff, 0x11);
    assert_header(wire + 8 + 2 * MAXP, 0x00, 0x00, 0x00, 0x12);
    assert_joined(wire, 2 * MAXP + 12, 0x10, payload, 2 * MAXP, 3, 0x10, 0x13);
    free(wire);
    free(payload);
}

Test(frame, zero_and_one_byte_payloads) {
    uint8_t out[16];
    size_t len = 0;
    uint8_t next = 0;
    cr_assert(eq(int, redir_message_encode(out, sizeof out, &len, &next, 7, NULL, 0), REDIR_OK));
    cr_assert(eq(sz, len, 4));
    assert_header(out, 0x00, 0x00, 0x00, 0x07);
    cr_assert(eq(u8, next, 8));

    const uint8_t one = 0x2a;
    cr_assert(eq(int, redir_message_encode(out, sizeof out, &len, &next, 255, &one, 1), REDIR_OK));
    cr_assert(eq(sz, len, 5));
    assert_header(out, 0x01, 0x00, 0x00, 0xff);
    cr_assert(eq(u8, out[4], 0x2a));
    cr_assert(eq(u8, next, 0));

    const uint8_t *g = guard_copy(0, (const uint8_t[]){0x00, 0x00, 0x00, 0x07}, 4);
    redir_message m;
    size_t used;
    cr_assert(eq(int, redir_message_decode(&m, &used, NULL, g, 4, 7, NULL, 0, 0), REDIR_OK));
    cr_assert(eq(sz, used, 4));
    cr_assert(eq(sz, m.payload.len, 0));
    cr_assert(eq(sz, m.num_frames, 1));
    cr_assert(eq(u8, m.next_seq, 8));
}

Test(frame, sequence_wraps_from_255_to_0) {
    const size_t len = 2 * MAXP + 10;
    uint8_t *payload = pattern(len, 5);
    uint8_t *wire = encode_big(payload, len, 254, len + 12, 1);
    cr_assert(eq(u8, wire[3], 254));
    cr_assert(eq(u8, wire[4 + MAXP + 3], 255));
    cr_assert(eq(u8, wire[8 + 2 * MAXP + 3], 0));
    assert_joined(wire, len + 12, 254, payload, len, 3, 254, 1);
    free(wire);
    free(payload);
}

Test(frame, sequence_mismatch_reports_offending_header) {
    size_t n;
    const uint8_t *bytes = hexbuf(0, "01 00 00 00 0e", &n);
    const uint8_t *g = guard_copy(0, bytes, n);
    redir_message m;
    size_t used = 99;
    redir_diag d = {99, 99};
    cr_assert(eq(int, redir_message_decode(&m, &used, &d, g, n, 1, NULL, 0, 0),
                 REDIR_E_SEQUENCE));
    cr_assert(eq(sz, d.offset, 0));
    cr_assert(eq(sz, used, 0));

    /* second chunk of a long message skips an id: 255 then 1 instead of 0 */
    const size_t total = MAXP + 8;
    uint8_t *wire = pattern(total, 6);
    const uint8_t h1[4] = {0xff, 0xff, 0xff, 0xff};
    const uint8_t h2[4] = {0x00, 0x00, 0x00, 0x01};
    memcpy(wire, h1, 4);
    memcpy(wire + 4 + MAXP, h2, 4);
    cr_assert(eq(int, redir_message_decode(&m, &used, &d, wire, total, -1, NULL, 0, 0),
                 REDIR_E_SEQUENCE));
    cr_assert(eq(sz, d.offset, MAXP + 4));
    /* a repeated id is as wrong as a skipped one */
    wire[4 + MAXP + 3] = 0xff;
    cr_assert(eq(int, redir_message_decode(&m, &used, &d, wire, total, -1, NULL, 0, 0),
                 REDIR_E_SEQUENCE));
    cr_assert(eq(sz, d.offset, MAXP + 4));
    /* the mismatch is reported from the header alone, before the payload arrives */
    cr_assert(eq(int, redir_message_decode(&m, &used, &d, wire, MAXP + 8, -1, NULL, 0, 0),
                 REDIR_E_SEQUENCE));
    wire[4 + MAXP + 3] = 0x00;
    uint8_t *join = malloc(MAXP);
    cr_assert(eq(int, redir_message_decode(&m, &used, &d, wire, total, 255, join, MAXP, 0),
                 REDIR_OK));
    cr_assert(eq(u8, m.next_seq, 1));
    free(join);
    free(wire);
}

Test(frame, expected_seq_out_of_range) {
    const uint8_t in[] = {0x01, 0x00, 0x00, 0x00, 0x0e};
    redir_message m;
    size_t used;
    redir_diag d;
    cr_assert(eq(int, redir_message_decode(&m, &used, &d, in, sizeof in, 256, NULL, 0, 0),
                 REDIR_E_INVALID_ARGUMENT));
    cr_assert(eq(int, redir_message_decode(&m, &used, &d, in, sizeof in, -2, NULL, 0, 0),
                 REDIR_E_INVALID_ARGUMENT));
}

/* ---------------------------------------------------------------- truncation */

Test(frame, truncation_sweep_small_vectors) {
    for (size_t i = 0; i < NPACKETS; i++) {
        size_t n;
        const uint8_t *bytes = hexbuf(0, packets[i].hex, &n);
        for (size_t k = 0; k < n; k++) {
            const uint8_t *g = guard_copy(0, bytes, k);
            size_t want_needed = k < 4 ? 4 - k : n - k;
            size_t want_offset = k < 4 ? 0 : 4;
            redir_frame f;
            size_t used = 99;
            redir_diag d = {99, 99};
            cr_assert(eq(int, redir_frame_decode(&f, &used, &d, g, k), REDIR_E_TRUNCATED),
                      "%s prefix %zu", packets[i].name, k);
            cr_assert(eq(sz, d.needed, want_needed), "%s prefix %zu", packets[i].name, k);
            cr_assert(eq(sz, d.offset, want_offset));
            cr_assert(eq(sz, used, 0));
            redir_message m;
            d.offset = d.needed = 99;
            cr_assert(eq(int, redir_message_decode(&m, &used, &d, g, k, -1, NULL, 0, 0),
                         REDIR_E_TRUNCATED));
            cr_assert(eq(sz, d.needed, want_needed), "%s prefix %zu", packets[i].name, k);
            cr_assert(eq(sz, d.offset, want_offset));
        }
    }
}

/* sweep_big checks every proper prefix of a framed message whose chunk payload
 * lengths are lens[0..nchunks). Expected values come from the layout alone. */
static void sweep_big(const uint8_t *wire, const size_t *lens, size_t nchunks) {
    size_t start = 0;
    for (size_t c = 0; c < nchunks; c++) {
        size_t end = start + 4 + lens[c];
        size_t follow = lens[c] == MAXP ? 4 : 0;
        for (size_t k = start; k < end; k++) {
            size_t in_chunk = k - start;
            size_t want_off = in_chunk < 4 ? start : start + 4;
            size_t want_need = in_chunk < 4 ? 4 - in_chunk : end - k + follow;
            redir_message m;
            size_t used;
            redir_diag d = {0, 0};
            redir_status st = redir_message_decode(&m, &used, &d, wire, k, -1, NULL, 0, 0);
            if (st != REDIR_E_TRUNCATED || d.offset != want_off || d.needed != want_need) {
                cr_fatal("message prefix %zu: status %d offset %zu needed %zu, want %zu %zu", k,
                         (int)st, d.offset, d.needed, want_off, want_need);
            }
            if (c == 0) {
                redir_frame f;
                st = redir_frame_decode(&f, &used, &d, wire, k);
                want_need = in_chunk < 4 ? 4 - in_chunk : end - k;
                if (st != REDIR_E_TRUNCATED || d.offset != want_off || d.needed != want_need) {
                    cr_fatal("frame prefix %zu: status %d offset %zu needed %zu", k, (int)st,
                             d.offset, d.needed);
                }
            }
        }
        start = end;
    }
}

Test(frame, truncation_sweep_exact_multiple) {
    uint8_t *payload = pattern(MAXP, 7);
    uint8_t *wire = encode_big(payload, MAXP, 0, MAXP + 8, 2);
    const size_t lens[] = {MAXP, 0};
    sweep_big(wire, lens, 2);
    free(wire);
    free(payload);
}

Test(frame, truncation_sweep_two_full_chunks) {
    uint8_t *payload = pattern(2 * MAXP, 8);
    uint8_t *wire = encode_big(payload, 2 * MAXP, 0, 2 * MAXP + 12, 3);
    const size_t lens[] = {MAXP, MAXP, 0};
    sweep_big(wire, lens, 3);
    free(wire);
    free(payload);
}

Test(frame, truncation_sweep_forty_mib) {
    const size_t len = 40u * 1024u * 1024u;
    uint8_t *payload = pattern(len, 9);
    uint8_t *wire = encode_big(payload, len, 0, len + 12, 3);
    const size_t lens[] = {MAXP, MAXP, 0x800002};
    sweep_big(wire, lens, 3);
    free(wire);
    free(payload);
}

/* ---------------------------------------------------------------- guard pages */

/* big_guard maps len bytes that end right before an inaccessible page; *map
 * and *map_len describe the whole mapping for munmap. */
static uint8_t *big_guard(size_t len, uint8_t **map, size_t *map_len) {
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    size_t body = (len + page - 1) / page * page;
    uint8_t *m = mmap(NULL, body + page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                      -1, 0);
    cr_assert(m != MAP_FAILED);
    cr_assert(eq(int, mprotect(m + body, page, PROT_NONE), 0));
    *map = m;
    *map_len = body + page;
    return m + body - len;
}

Test(frame, guard_page_small) {
    /* header claims one byte more than sits before the guard */
    const uint8_t in[] = {0x06, 0x00, 0x00, 0x00, 1, 2, 3, 4, 5};
    const uint8_t *g = guard_copy(0, in, sizeof in);
    redir_frame f;
    redir_message m;
    size_t used;
    redir_diag d;
    cr_assert(eq(int, redir_frame_decode(&f, &used, &d, g, sizeof in), REDIR_E_TRUNCATED));
    cr_assert(eq(sz, d.offset, 4));
    cr_assert(eq(sz, d.needed, 1));
    cr_assert(eq(int, redir_message_decode(&m, &used, &d, g, sizeof in, 0, NULL, 0, 0),
                 REDIR_E_TRUNCATED));
    cr_assert(eq(sz, d.needed, 1));
    /* a full-size chunk header right at the guard */
    const uint8_t full[] = {0xff, 0xff, 0xff, 0x00};
    g = guard_copy(1, full, sizeof full);
    cr_assert(eq(int, redir_message_decode(&m, &used, &d, g, 4, 0, NULL, 0, 0),
                 REDIR_E_TRUNCATED));
    cr_assert(eq(sz, d.offset, 4));
    cr_assert(eq(sz, d.needed, MAXP + 4));
    cr_assert(eq(int, redir_frame_decode(&f, &used, &d, g, 4), REDIR_E_TRUNCATED));
    cr_assert(eq(sz, d.needed, MAXP));
    /* three header bytes at the guard */
    g = guard_copy(2, full, 3);
    cr_assert(eq(int, redir_frame_decode(&f, &used, &d, g, 3), REDIR_E_TRUNCATED));
    cr_assert(eq(sz, d.offset, 0));
    cr_assert(eq(sz, d.needed, 1));
}

Test(frame, guard_page_large_messages) {
    const size_t total = 2 * MAXP + 12;
    uint8_t *payload = pattern(2 * MAXP, 10);
    uint8_t *wire = encode_big(payload, 2 * MAXP, 0, total, 3);
    uint8_t *map;
    size_t map_len;
    uint8_t *g = big_guard(total, &map, &map_len);
    memcpy(g, wire, total);
    assert_joined(g, total, 0, payload, 2 * MAXP, 3, 0, 3);
    /* shortened copies that end at the guard */
    const size_t cut[] = {1, 2, 3, 4, 5, MAXP + 1};
    for (size_t i = 0; i < sizeof cut / sizeof cut[0]; i++) {
        size_t k = total - cut[i];
        uint8_t *p = g + cut[i];
        memmove(p, wire, k);
        redir_message m;
        size_t used;
        redir_diag d;
        cr_assert(eq(int, redir_message_decode(&m, &used, &d, p, k, 0, NULL, 0, 0),
                     REDIR_E_TRUNCATED));
        size_t in_last = k - (2 * MAXP + 8);
        if (cut[i] <= 4) {
            cr_assert(eq(sz, d.offset, 2 * MAXP + 8));
            cr_assert(eq(sz, d.needed, 4 - in_last));
        } else {
            cr_assert(eq(sz, d.offset, MAXP + 8));
            cr_assert(eq(sz, d.needed, cut[i]));
        }
    }
    cr_assert(eq(int, munmap(map, map_len), 0));
    free(wire);
    free(payload);
}

/* ---------------------------------------------------------------- limits and space */

Test(frame, nospace_reports_joined_size) {
    uint8_t *payload = pattern(MAXP + 100, 11);
    uint8_t *wire = encode_big(payload, MAXP + 100, 3, MAXP + 108, 5);
    redir_message m;
    size_t used = 0;
    redir_diag d;
    uint8_t small[64];
    memset(small, 0xAA, sizeof small);
    cr_assert(eq(int, redir_message_decode(&m, &used, &d, wire, MAXP + 108, 3, small,
                                           sizeof small, 0),
                 REDIR_E_NOSPACE));
    cr_assert(eq(sz, used, MAXP + 100));
    cr_assert(eq(sz, m.payload.len, 0));
    for (size_t k = 0; k < sizeof small; k++) {
        cr_assert(eq(u8, small[k], 0xAA));
    }
    cr_assert(eq(int, redir_message_decode(&m, &used, &d, wire, MAXP + 108, 3, NULL, 0, 0),
                 REDIR_E_NOSPACE));
    cr_assert(eq(sz, used, MAXP + 100));
    uint8_t *join = malloc(MAXP + 100);
    cr_assert(eq(int, redir_message_decode(&m, &used, &d, wire, MAXP + 108, 3, join,
                                           MAXP + 99, 0),
                 REDIR_E_NOSPACE));
    cr_assert(eq(sz, used, MAXP + 100));
    cr_assert(eq(int, redir_message_decode(&m, &used, &d, wire, MAXP + 108, 3, join,
                                           MAXP + 100, 0),
                 REDIR_OK));
    cr_assert(eq(sz, used, MAXP + 108));
    cr_assert(eq(int, memcmp(join, payload, MAXP + 100), 0));
    free(join);
    free(wire);
    free(payload);
}

Test(frame, max_payload_bound) {
    const uint8_t in[] = {0x05, 0x00, 0x00, 0x00, 1, 2, 3, 4, 5};
    redir_message m;
    size_t used;
    redir_diag d = {99, 99};
    cr_assert(eq(int, redir_message_decode(&m, &used, &d, in, sizeof in, 0, NULL, 0, 4),
                 REDIR_E_PACKET_TOO_LARGE));
    cr_assert(eq(sz, d.offset, 0));
    cr_assert(eq(int, redir_message_decode(&m, &used, &d, in, sizeof in, 0, NULL, 0, 5),
                 REDIR_OK));

    /* reported from the header alone: no need to buffer 16 MiB to learn it */
    const uint8_t big[] = {0xff, 0xff, 0xff, 0x00};
    cr_assert(eq(int, redir_message_decode(&m, &used, &d, big, sizeof big, 0, NULL, 0, 1000),
                 REDIR_E_PACKET_TOO_LARGE));
    cr_assert(eq(sz, d.offset, 0));

    /* the bound applies to the joined size: the second chunk crosses it */
    uint8_t *payload = pattern(MAXP + 20, 12);
    uint8_t *wire = encode_big(payload, MAXP + 20, 0, MAXP + 28, 2);
    uint8_t *join = malloc(MAXP + 20);
    cr_assert(eq(int, redir_message_decode(&m, &used, &d, wire, MAXP + 28, 0, join, MAXP + 20,
                                           MAXP + 19),
                 REDIR_E_PACKET_TOO_LARGE));
    cr_assert(eq(sz, d.offset, MAXP + 4));
    cr_assert(eq(int, redir_message_decode(&m, &used, &d, wire, MAXP + 28, 0, join, MAXP + 20,
                                           MAXP + 20),
                 REDIR_OK));
    free(join);
    free(wire);
    free(payload);
}

Test(frame, encoders_report_exact_size) {
    uint8_t buf[8];
    size_t len = 0;
    memset(buf, 0xAA, sizeof buf);
    cr_assert(eq(int, redir_frame_encode_header(buf, 3, &len, 5, 0), REDIR_E_NOSPACE));
    cr_assert(eq(sz, len, 4));
    cr_assert(eq(u8, buf[3], 0xAA));
    cr_assert(eq(int, redir_frame_encode_header(NULL, 0, &len, 5, 0), REDIR_E_NOSPACE));
    cr_assert(eq(sz, len, 4));
    cr_assert(eq(int, redir_frame_encode_header(buf, sizeof buf, &len, 0x1000000, 0),
                 REDIR_E_INVALID_ARGUMENT));
    cr_assert(eq(int, redir_frame_encode_header(buf, sizeof buf, &len, 0xFFFFFF, 0x42),
                 REDIR_OK));
    assert_header(buf, 0xff, 0xff, 0xff, 0x42);

    const uint8_t ping = 0x0e;
    memset(buf, 0xAA, sizeof buf);
    uint8_t next = 0;
    cr_assert(eq(int, redir_message_encode(buf, 4, &len, &next, 0, &ping, 1), REDIR_E_NOSPACE));
    cr_assert(eq(sz, len, 5));
    cr_assert(eq(u8, next, 1));
    cr_assert(eq(u8, buf[4], 0xAA));
}
