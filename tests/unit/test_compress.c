#include <criterion/criterion.h>
#include <criterion/new/assert.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <zlib.h>

#include "redir/wire.h"
#include "testutil.h"

#define MAXP ((size_t)REDIR_MAX_PACKET_PAYLOAD)

/* Compressed frames from captures. pcap2mysql-log__compressed.pcap (MySQL
 * 5.7.25, port 3306): the COM_QUERY and COM_QUIT are stored (uncompressed
 * length 0), the result set is zlib. deepflow__mysql-use.pcap: both frames
 * stored. deepflow__mysql-compressed-response.pcap (port 30130): a zlib
 * result set of 12 inner packets. */
static const char P2M_QUERY[] =
    "18 00 00 00 00 00 00 14 00 00 00 03 53 45 4c 45 43 54 20 2a 20 46 52 4f 4d 20 70 65 65 70 73";
static const char P2M_RESULT[] =
    "62 00 00 01 a1 00 00 78 9c 63 64 60 60 64 d6 60 60 60 62 4e 49 4d 63 49 49 cd cd 67 2d 48"
    "4d 2d 28 86 90 4c 99 29 40 c4 63 cf c0 cd c0 c0 c0 cc ec 04 24 75 40 0c 6c 6a 59 f2 12 73"
    "53 c1 04 0f 07 83 1b 50 e5 5f 06 10 d0 62 60 60 c1 aa 9e 39 31 3d 15 84 61 a6 83 55 b3 02"
    "d1 3f 06 06 25 10 83 0d cc 00 00 36 99 21 d5";
static const char P2M_RESULT_INNER[] =
    "01 00 00 01 03"
    "28 00 00 02 03 64 65 66 04 64 65 6d 6f 05 70 65 65 70 73 05 70 65 65 70 73 02 69 64 02 69"
    "64 0c 3f 00 0b 00 00 00 03 03 42 00 00 00"
    "2c 00 00 03 03 64 65 66 04 64 65 6d 6f 05 70 65 65 70 73 05 70 65 65 70 73 04 6e 61 6d 65"
    "04 6e 61 6d 65 0c 08 00 46 00 00 00 fd 00 00 00 00 00"
    "2a 00 00 04 03 64 65 66 04 64 65 6d 6f 05 70 65 65 70 73 05 70 65 65 70 73 03 61 67 65 03"
    "61 67 65 0c 3f 00 0b 00 00 00 03 00 00 00 00 00"
    "05 00 00 05 fe 00 00 22 00"
    "05 00 00 06 fe 00 00 22 00";
static const char P2M_QUIT[] = "05 00 00 00 00 00 00 01 00 00 00 01";
static const char DF_USE_QUERY[] =
    "0f 00 00 00 00 00 00 0b 00 00 00 03 75 73 65 20 60 74 65 73 74 60";
static const char DF_USE_OK[] = "0b 00 00 01 00 00 00 07 00 00 01 00 00 00 02 00 00 00";
static const char DF_RESULT[] =
    "6f 01 00 01 e3 03 00 78 9c a5 92 cf 8b 54 31 0c c7 33 6f dc df e3 dd b3 bc 6b 86 26 6d f3"
    "5e 4e a2 e7 3d ed 51 04 e9 6b 53 1d 18 66 96 61 17 61 c1 7f 5d ed c8 2e ba 8b c2 ea 84 90"
    "a4 2d 7c 9a 6f c8 0c 60 76 74 05 d0 cd 8b d5 d3 62 76 5d d7 db 2f af d2 dd c7 bc dd dc ec"
    "b6 eb b5 ed f6 e5 c6 f2 cd 6a bb f9 eb 43 b7 2a cd 17 6f e0 02 00 e6 f3 77 2d 5e ed 8b 03"
    "a9 e9 ae f9 e2 7b 6b 12 e0 1b ec ed 3d c0 8b 03 a9 c7 3b fb f4 2b 3d a2 7f 06 38 3a 90 fe"
    "f2 b7 db d5 f5 e3 d3 53 25 c7 87 2a 59 e7 db db 55 b9 4f 4f e9 27 b3 38 7f 7b 79 d9 7b 95"
    "e8 69 1a 51 58 07 0c 91 22 2a 99 20 ab e8 24 8e 32 b9 70 46 6e 19 dd 92 96 63 2f 5e b2 18"
    "2b da 14 13 86 49 03 8e 52 13 72 f5 2e 27 1d 2c 5b fe 00 70 da d1 f3 f1 e7 0f 78 76 3d 93"
    "a7 1c b3 43 0b 2e 60 60 1a 71 e4 61 c2 6a 6c ea 75 50 53 d7 f8 67 1d d3 4f 7e bd 37 fc 43"
    "78 b0 3d bf c1 7d f3 de 12 15 af 36 62 54 6e 7c 29 09 93 49 c0 2c 03 7b 0a a2 4d 46 e3 9f"
    "77 cc ff c1 a7 de d1 94 72 fb 04 25 48 6d f3 a9 19 c7 58 2a 16 09 25 c5 6a 53 49 f6 15 e0"
    "a2 e3 f0 2c f6 3f 36 c0 bd f3 e3 64 4c 0e bd 18 35 81 6e 40 95 1a 71 0a ca a9 8d d0 05 ad"
    "27 00 8b b6 08 af db 26 fc 00 ab 08 28 77";
static const size_t DF_RESULT_LENS[] = {1, 82, 82, 90, 104, 90, 90, 92, 92, 92, 125, 7};

struct cframe_vec {
    const char *name;
    const char *hex;
    uint8_t seq;
    uint32_t comp_len;
    uint32_t uncomp_len;
};

static const struct cframe_vec cframes[] = {
    {"p2m query (stored)", P2M_QUERY, 0, 24, 0},
    {"p2m result (zlib)", P2M_RESULT, 1, 98, 161},
    {"p2m quit (stored)", P2M_QUIT, 0, 5, 0},
    {"deepflow use (stored)", DF_USE_QUERY, 0, 15, 0},
    {"deepflow ok (stored)", DF_USE_OK, 1, 11, 0},
    {"deepflow result (zlib)", DF_RESULT, 1, 367, 995},
};

#define NCFRAMES (sizeof cframes / sizeof cframes[0])

static uint8_t inflate_scratch[REDIR_INFLATE_SCRATCH_SIZE + 64];
static uint8_t deflate_scratch[REDIR_DEFLATE_SCRATCH_SIZE + 64];

/* decode_vec decodes a vector placed before a guard page. */
static redir_cframe decode_vec(const char *hex, int slot, size_t *n) {
    const uint8_t *bytes = hexbuf(slot, hex, n);
    const uint8_t *g = guard_copy(slot, bytes, *n);
    redir_cframe f;
    size_t used = 0;
    redir_diag d = {0, 0};
    cr_assert(eq(int, redir_cframe_decode(&f, &used, &d, g, *n), REDIR_OK));
    cr_assert(eq(sz, used, *n));
    return f;
}

static redir_status inflate_into(const redir_cframe *f, uint8_t *out, size_t cap, size_t *len) {
    return redir_cframe_inflate(out, cap, len, f, MAXP, inflate_scratch, REDIR_INFLATE_SCRATCH_SIZE);
}

Test(cframe, decode_and_reencode_real_frames) {
    for (size_t i = 0; i < NCFRAMES; i++) {
        const struct cframe_vec *v = &cframes[i];
        size_t n;
        const uint8_t *bytes = hexbuf(0, v->hex, &n);
        const uint8_t *g = guard_copy(0, bytes, n);
        redir_cframe f;
        size_t used = 0;
        redir_diag d = {0, 0};
        cr_assert(eq(int, redir_cframe_decode(&f, &used, &d, g, n), REDIR_OK), "%s", v->name);
        cr_assert(eq(sz, used, n));
        cr_assert(eq(sz, n, 7 + (size_t)v->comp_len));
        cr_assert(eq(u32, f.comp_len, v->comp_len));
        cr_assert(eq(u8, f.seq, v->seq));
        cr_assert(eq(u32, f.uncomp_len, v->uncomp_len), "%s", v->name);
        cr_assert(f.payload.ptr == g + 7);
        cr_assert(eq(sz, f.payload.len, v->comp_len));

        size_t need = 0;
        cr_assert(eq(int, redir_cframe_encode(NULL, 0, &need, &f), REDIR_E_NOSPACE));
        cr_assert(eq(sz, need, n));
        uint8_t out[512];
        size_t len = 0;
        cr_assert(eq(int, redir_cframe_encode(out, sizeof out, &len, &f), REDIR_OK));
        cr_assert(eq(sz, len, n));
        cr_assert(eq(int, memcmp(out, bytes, n), 0), "%s", v->name);
    }
}

Test(cframe, truncation_sweep) {
    for (size_t i = 0; i < NCFRAMES; i++) {
        size_t n;
        const uint8_t *bytes = hexbuf(0, cframes[i].hex, &n);
        for (size_t k = 0; k < n; k++) {
            const uint8_t *g = guard_copy(0, bytes, k);
            redir_cframe f;
            size_t used = 99;
            redir_diag d = {99, 99};
            cr_assert(eq(int, redir_cframe_decode(&f, &used, &d, g, k), REDIR_E_TRUNCATED),
                      "%s prefix %zu", cframes[i].name, k);
            cr_assert(eq(sz, d.needed, k < 7 ? 7 - k : n - k), "%s prefix %zu",
                      cframes[i].name, k);
            cr_assert(eq(sz, d.offset, k < 7 ? 0 : 7));
            cr_assert(eq(sz, used, 0));
        }
    }
}

/* expect_packet decodes the next inner packet of a decompressed stream. */
static size_t expect_packet(const uint8_t *in, size_t len, int seq, const char *payload_hex) {
    size_t plen;
    const uint8_t *payload = hexbuf(7, payload_hex, &plen);
    redir_message m;
    size_t used = 0;
    redir_diag d = {0, 0};
    cr_assert(eq(int, redir_message_decode(&m, &used, &d, in, len, seq, NULL, 0, 0), REDIR_OK));
    cr_assert(eq(sz, m.payload.len, plen));
    cr_assert(eq(int, memcmp(m.payload.ptr, payload, plen), 0));
    return used;
}

Test(cframe, inflate_stored_frames) {
    uint8_t out[64];
    size_t len = 0;
    size_t n;
    redir_cframe f = decode_vec(P2M_QUERY, 0, &n);
    cr_assert(eq(int, inflate_into(&f, out, sizeof out, &len), REDIR_OK));
    cr_assert(eq(sz, len, 24));
    size_t used =
        expect_packet(out, len, 0, "03 53 45 4c 45 43 54 20 2a 20 46 52 4f 4d 20 70 65 65 70 73");
    cr_assert(eq(sz, used, 24));

    f = decode_vec(P2M_QUIT, 0, &n);
    cr_assert(eq(int, inflate_into(&f, out, sizeof out, &len), REDIR_OK));
    cr_assert(eq(sz, expect_packet(out, len, 0, "01"), 5));

    f = decode_vec(DF_USE_QUERY, 0, &n);
    cr_assert(eq(int, inflate_into(&f, out, sizeof out, &len), REDIR_OK));
    cr_assert(eq(sz, len, 15));
    cr_assert(eq(sz, expect_packet(out, len, 0, "03 75 73 65 20 60 74 65 73 74 60"), 15));

    f = decode_vec(DF_USE_OK, 0, &n);
    cr_assert(eq(int, inflate_into(&f, out, sizeof out, &len), REDIR_OK));
    cr_assert(eq(sz, expect_packet(out, len, 1, "00 00 00 02 00 00 00"), 11));
}

Test(cframe, inflate_zlib_result_set) {
    size_t n;
    redir_cframe f = decode_vec(P2M_RESULT, 0, &n);
    size_t inner_len;
    const uint8_t *inner = hexbuf(1, P2M_RESULT_INNER, &inner_len);
    cr_assert(eq(sz, inner_len, 161));
    uint8_t out[161];
    size_t len = 0;
    cr_assert(eq(int, inflate_into(&f, out, sizeof out, &len), REDIR_OK));
    cr_assert(eq(sz, len, 161));
    cr_assert(eq(int, memcmp(out, inner, 161), 0));

    /* column count 3, three column definitions, two EOFs */
    size_t pos = expect_packet(out, len, 1, "03");
    const size_t defs[] = {40, 44, 42};
    for (int i = 0; i < 3; i++) {
        redir_message m;
        size_t used;
        cr_assert(eq(int, redir_message_decode(&m, &used, NULL, out + pos, len - pos, 2 + i,
                                               NULL, 0, 0),
                     REDIR_OK));
        cr_assert(eq(sz, m.payload.len, defs[i]));
        pos += used;
    }
    pos += expect_packet(out + pos, len - pos, 5, "fe 00 00 22 00");
    pos += expect_packet(out + pos, len - pos, 6, "fe 00 00 22 00");
    cr_assert(eq(sz, pos, 161));
}

Test(cframe, inflate_zlib_twelve_packets) {
    size_t n;
    redir_cframe f = decode_vec(DF_RESULT, 0, &n);
    uint8_t out[995];
    size_t len = 0;
    cr_assert(eq(int, inflate_into(&f, out, sizeof out, &len), REDIR_OK));
    cr_assert(eq(sz, len, 995));
    size_t pos = 0;
    for (int i = 0; i < 12; i++) {
        redir_message m;
        size_t used;
        cr_assert(eq(int, redir_message_decode(&m, &used, NULL, out + pos, len - pos, 1 + i, NULL,
                                               0, 0),
                     REDIR_OK));
        cr_assert(eq(sz, m.payload.len, DF_RESULT_LENS[i]));
        pos += used;
    }
    cr_assert(eq(sz, pos, 995));
    /* the first column definition names catalog and schema; an OK-as-EOF ends it */
    cr_assert(eq(int, memcmp(out + 9, "\x03" "def" "\x08" "deepflow", 13), 0));
    size_t tail_len;
    const uint8_t *tail = hexbuf(1, "07 00 00 0c fe 00 00 22 00 00 00", &tail_len);
    cr_assert(eq(int, memcmp(out + 995 - tail_len, tail, tail_len), 0));
}

/* ---------------------------------------------------------------- deflate */

static uint8_t *make_data(size_t len, uint32_t seed, bool text) {
    static const char words[] = "SELECT id, name, age FROM peeps WHERE name LIKE 'a%' ORDER BY 1; ";
    uint8_t *p = malloc(len > 0 ? len : 1);
    cr_assert(p != NULL);
    uint32_t x = seed * 2654435761u + 1u;
    for (size_t i = 0; i < len; i++) {
        x = x * 1103515245u + 12345u;
        p[i] = text ? (uint8_t)words[(i + (x >> 28)) % (sizeof words - 1)] : (uint8_t)(x >> 16);
    }
    return p;
}

/* round_trip deflates data into a frame, decodes it, inflates it back. */
static void round_trip(const uint8_t *data, size_t len, int level, size_t min_len,
                       void *dscratch, void *iscratch, bool expect_stored) {
    size_t cap = len + len / 100 + 64;
    uint8_t *frame = malloc(cap);
    size_t flen = 0;
    cr_assert(eq(int,
                 redir_cframe_deflate(frame, cap, &flen, 9, data, len, level, min_len, dscratch,
                                      REDIR_DEFLATE_SCRATCH_SIZE),
                 REDIR_OK),
              "len %zu level %d", len, level);
    redir_cframe f;
    size_t used = 0;
    cr_assert(eq(int, redir_cframe_decode(&f, &used, NULL, frame, flen), REDIR_OK));
    cr_assert(eq(sz, used, flen));
    cr_assert(eq(u8, f.seq, 9));
    if (expect_stored) {
        cr_assert(eq(u32, f.uncomp_len, 0), "len %zu", len);
        cr_assert(eq(sz, f.payload.len, len));
    } else {
        cr_assert(eq(u32, f.uncomp_len, (uint32_t)len), "len %zu", len);
        cr_assert(eq(u8, f.payload.ptr[0], 0x78), "zlib header");
    }
    uint8_t *back = malloc(len > 0 ? len : 1);
    size_t blen = 99;
    cr_assert(eq(int,
                 redir_cframe_inflate(back, len, &blen, &f, len, iscratch, REDIR_INFLATE_SCRATCH_SIZE),
                 REDIR_OK),
              "len %zu level %d", len, level);
    cr_assert(eq(sz, blen, len));
    cr_assert(eq(int, len > 0 ? memcmp(back, data, len) : 0, 0));
    free(back);
    free(frame);
}

Test(cframe, deflate_inflate_round_trips) {
    const size_t sizes[] = {0, 1, 49, 50, 1000, 100000};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        for (int text = 0; text < 2; text++) {
            uint8_t *data = make_data(sizes[i], (uint32_t)i, text != 0);
            round_trip(data, sizes[i], -1, 50, deflate_scratch, inflate_scratch, sizes[i] < 50);
            free(data);
        }
    }
    /* min_len 0: everything but the empty payload is compressed */
    uint8_t one = 'x';
    round_trip(&one, 1, 6, 0, deflate_scratch, inflate_scratch, false);
    round_trip(NULL, 0, 6, 0, deflate_scratch, inflate_scratch, true);
}

Test(cframe, scratch_sizes_suffice_at_every_level_unaligned) {
    /* exactly the documented sizes, deliberately misaligned */
    uint8_t *dbuf = malloc(REDIR_DEFLATE_SCRATCH_SIZE + 3);
    uint8_t *ibuf = malloc(REDIR_INFLATE_SCRATCH_SIZE + 5);
    uint8_t *random = make_data(100000, 77, false);
    uint8_t *text = make_data(100000, 78, true);
    for (int level = -1; level <= 9; level++) {
        round_trip(random, 100000, level, 50, dbuf + 3, ibuf + 5, false);
        round_trip(text, 100000, level, 50, dbuf + 1, ibuf + 1, false);
    }
    free(text);
    free(random);
    free(ibuf);
    free(dbuf);
}

Test(cframe, deflate_reports_exact_size) {
    uint8_t *data = make_data(100000, 5, true);
    for (int level = 0; level <= 9; level++) {
        size_t need = 0;
        cr_assert(eq(int,
                     redir_cframe_deflate(NULL, 0, &need, 0, data, 100000, level, 50,
                                          deflate_scratch, REDIR_DEFLATE_SCRATCH_SIZE),
                     REDIR_E_NOSPACE));
        cr_assert(need > 7);
        uint8_t *buf = malloc(need + 16);
        memset(buf, 0xAA, need + 16);
        size_t len = 0;
        cr_assert(eq(int,
                     redir_cframe_deflate(buf, need - 1, &len, 0, data, 100000, level, 50,
                                          deflate_scratch, REDIR_DEFLATE_SCRATCH_SIZE),
                     REDIR_E_NOSPACE));
        cr_assert(eq(sz, len, need), "level %d", level);
        for (size_t k = need - 1; k < need + 16; k++) {
            cr_assert(eq(u8, buf[k], 0xAA));
        }
        cr_assert(eq(int,
                     redir_cframe_deflate(buf, need, &len, 0, data, 100000, level, 50,
                                          deflate_scratch, REDIR_DEFLATE_SCRATCH_SIZE),
                     REDIR_OK));
        cr_assert(eq(sz, len, need), "level %d", level);
        cr_assert(eq(u8, buf[need], 0xAA));
        /* header: comp_len = need - 7, seq 0, uncomp_len 100000 = 0x0186a0 */
        cr_assert(eq(sz, (size_t)buf[0] | (size_t)buf[1] << 8 | (size_t)buf[2] << 16, need - 7));
        cr_assert(eq(u8, buf[3], 0));
        cr_assert(eq(u8, buf[4], 0xa0));
        cr_assert(eq(u8, buf[5], 0x86));
        cr_assert(eq(u8, buf[6], 0x01));
        free(buf);
    }
    free(data);
}

Test(cframe, deflate_output_ignores_scratch_contents) {
    uint8_t *data = make_data(50000, 6, true);
    size_t cap = 60000;
    uint8_t *a = malloc(cap);
    uint8_t *b = malloc(cap);
    for (int level = 1; level <= 9; level += 4) {
        size_t la = 0;
        size_t lb = 0;
        memset(deflate_scratch, 0x00, sizeof deflate_scratch);
        cr_assert(eq(int,
                     redir_cframe_deflate(a, cap, &la, 3, data, 50000, level, 50, deflate_scratch,
                                          REDIR_DEFLATE_SCRATCH_SIZE),
                     REDIR_OK));
        memset(deflate_scratch, 0xFF, sizeof deflate_scratch);
        cr_assert(eq(int,
                     redir_cframe_deflate(b, cap, &lb, 3, data, 50000, level, 50, deflate_scratch,
                                          REDIR_DEFLATE_SCRATCH_SIZE),
                     REDIR_OK));
        cr_assert(eq(sz, la, lb));
        cr_assert(eq(int, memcmp(a, b, la), 0));
    }
    free(b);
    free(a);
    free(data);
}

Test(cframe, deflate_stores_when_compressed_stream_cannot_fit) {
    uint8_t *data = make_data(MAXP, 7, false);
    size_t cap = MAXP + 7;
    uint8_t *buf = malloc(cap);
    size_t len = 0;
    cr_assert(eq(int,
                 redir_cframe_deflate(buf, cap, &len, 4, data, MAXP, 1, 0, deflate_scratch,
                                      REDIR_DEFLATE_SCRATCH_SIZE),
                 REDIR_OK));
    cr_assert(eq(sz, len, MAXP + 7));
    const uint8_t hdr[7] = {0xff, 0xff, 0xff, 0x04, 0x00, 0x00, 0x00};
    cr_assert(eq(int, memcmp(buf, hdr, 7), 0));
    cr_assert(eq(int, memcmp(buf + 7, data, MAXP), 0));
    free(buf);
    free(data);
}

Test(cframe, deflate_argument_errors) {
    uint8_t buf[64];
    size_t len = 99;
    const uint8_t data[4] = {1, 2, 3, 4};
    cr_assert(eq(int,
                 redir_cframe_deflate(buf, sizeof buf, &len, 0, data, 4, 10, 0, deflate_scratch,
                                      REDIR_DEFLATE_SCRATCH_SIZE),
                 REDIR_E_INVALID_ARGUMENT));
    cr_assert(eq(int,
                 redir_cframe_deflate(buf, sizeof buf, &len, 0, data, 4, -2, 0, deflate_scratch,
                                      REDIR_DEFLATE_SCRATCH_SIZE),
                 REDIR_E_INVALID_ARGUMENT));
    /* the length is rejected before the data is looked at */
    cr_assert(eq(int,
                 redir_cframe_deflate(buf, sizeof buf, &len, 0, data, MAXP + 1, 6, 0,
                                      deflate_scratch, REDIR_DEFLATE_SCRATCH_SIZE),
                 REDIR_E_FIELD_TOO_LONG));
    cr_assert(eq(int,
                 redir_cframe_deflate(buf, sizeof buf, &len, 0, data, 4, 6, 0, deflate_scratch,
                                      REDIR_DEFLATE_SCRATCH_SIZE - 1),
                 REDIR_E_SCRATCH));
    cr_assert(eq(int,
                 redir_cframe_deflate(buf, sizeof buf, &len, 0, data, 4, 6, 100, NULL,
                                      REDIR_DEFLATE_SCRATCH_SIZE),
                 REDIR_E_SCRATCH));
    cr_assert(eq(sz, len, 0));
    /* stored: the header carries comp_len 4 and uncompressed length 0 */
    cr_assert(eq(int,
                 redir_cframe_deflate(buf, sizeof buf, &len, 0x33, data, 4, 6, 5, deflate_scratch,
                                      REDIR_DEFLATE_SCRATCH_SIZE),
                 REDIR_OK));
    size_t want_len;
    const uint8_t *want = hexbuf(0, "04 00 00 33 00 00 00 01 02 03 04", &want_len);
    cr_assert(eq(sz, len, want_len));
    cr_assert(eq(int, memcmp(buf, want, want_len), 0));

    redir_cframe f = {0, 0, 0, {data, MAXP + 1}};
    cr_assert(eq(int, redir_cframe_encode(buf, sizeof buf, &len, &f), REDIR_E_FIELD_TOO_LONG));
    f.payload.len = 4;
    f.uncomp_len = 0x1000000;
    cr_assert(eq(int, redir_cframe_encode(buf, sizeof buf, &len, &f), REDIR_E_INVALID_ARGUMENT));
}

/* ---------------------------------------------------------------- hostile input */

/* writable_guard returns len writable bytes that end right before an
 * inaccessible page, so any write past len faults. */
static uint8_t *writable_guard(size_t len, uint8_t **map, size_t *map_len) {
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

/* zeros_stream compresses len zero bytes with zlib directly. */
static uint8_t *zeros_stream(size_t len, size_t *out_len) {
    uint8_t *zeros = calloc(len, 1);
    uLongf cap = compressBound((uLong)len);
    uint8_t *z = malloc(cap);
    cr_assert(eq(int, compress2(z, &cap, zeros, (uLong)len, 9), Z_OK));
    free(zeros);
    *out_len = cap;
    return z;
}

Test(cframe, zlib_bomb_is_cut_at_declared_length) {
    size_t zlen;
    uint8_t *z = zeros_stream(16u * 1024u * 1024u, &zlen);
    cr_assert(zlen < 20000);
    const uint8_t *g = guard_copy(0, z, zlen);
    redir_cframe f = {(uint32_t)zlen, 0, 100, {g, zlen}};
    uint8_t *map;
    size_t map_len;
    uint8_t *out = writable_guard(100, &map, &map_len);
    memset(out, 0xAA, 100);
    size_t len = 99;
    cr_assert(eq(int,
                 redir_cframe_inflate(out, 100, &len, &f, 16u * 1024u * 1024u, inflate_scratch, REDIR_INFLATE_SCRATCH_SIZE),
                 REDIR_E_DECOMPRESS_LENGTH));
    cr_assert(eq(sz, len, 0));
    /* the declared 100 bytes were inflated (the stream's zeros), nothing past them */
    for (size_t i = 0; i < 100; i++) {
        cr_assert(eq(u8, out[i], 0));
    }
    cr_assert(eq(int, munmap(map, map_len), 0));

    /* the largest length a header can claim, one byte short of the stream */
    uint8_t *big = malloc(MAXP);
    f.uncomp_len = (uint32_t)MAXP;
    cr_assert(eq(int, redir_cframe_inflate(big, MAXP, &len, &f, MAXP, inflate_scratch, REDIR_INFLATE_SCRATCH_SIZE),
                 REDIR_E_DECOMPRESS_LENGTH));
    free(big);
    free(z);
}

Test(cframe, declared_length_over_limit_fails_before_work) {
    const uint8_t junk[4] = {0x78, 0x9c, 0x00, 0x00};
    redir_cframe f = {4, 0, 1u << 30, {junk, 4}};
    size_t len = 99;
    cr_assert(eq(int, redir_cframe_inflate(NULL, 0, &len, &f, 16u * 1024u * 1024u, NULL, 0),
                 REDIR_E_DECOMPRESS_LIMIT));
    cr_assert(eq(sz, len, 0));
    /* a header can claim at most 0xFFFFFF; the limit applies to that too */
    f.uncomp_len = 0xFFFFFF;
    cr_assert(eq(int, redir_cframe_inflate(NULL, 0, &len, &f, 0xFFFFFE, NULL, 0),
                 REDIR_E_DECOMPRESS_LIMIT));
    /* and to stored frames, whose size is their payload length */
    f.uncomp_len = 0;
    cr_assert(eq(int, redir_cframe_inflate(NULL, 0, &len, &f, 3, NULL, 0),
                 REDIR_E_DECOMPRESS_LIMIT));
    /* a length no wire frame can carry */
    f.uncomp_len = 1u << 30;
    cr_assert(eq(int, redir_cframe_inflate(NULL, 0, &len, &f, SIZE_MAX, NULL, 0),
                 REDIR_E_FIELD_TOO_LONG));
}

Test(cframe, lying_declared_length) {
    size_t n;
    redir_cframe f = decode_vec(P2M_RESULT, 0, &n);
    uint8_t out[200];
    size_t len = 99;
    f.uncomp_len = 160;
    cr_assert(eq(int, inflate_into(&f, out, sizeof out, &len), REDIR_E_DECOMPRESS_LENGTH));
    cr_assert(eq(sz, len, 0));
    f.uncomp_len = 162;
    cr_assert(eq(int, inflate_into(&f, out, sizeof out, &len), REDIR_E_DECOMPRESS_LENGTH));
    f.uncomp_len = 1;
    cr_assert(eq(int, inflate_into(&f, out, 1, &len), REDIR_E_DECOMPRESS_LENGTH));
    f.uncomp_len = 161;
    cr_assert(eq(int, inflate_into(&f, out, 161, &len), REDIR_OK));
    cr_assert(eq(sz, len, 161));
}

Test(cframe, empty_payload_with_declared_length) {
    const uint8_t in[7] = {0x00, 0x00, 0x00, 0x00, 0x05, 0x00, 0x00};
    const uint8_t *g = guard_copy(0, in, sizeof in);
    redir_cframe f;
    size_t used = 0;
    cr_assert(eq(int, redir_cframe_decode(&f, &used, NULL, g, sizeof in), REDIR_OK));
    cr_assert(eq(u32, f.comp_len, 0));
    cr_assert(eq(u32, f.uncomp_len, 5));
    uint8_t out[8];
    size_t len = 99;
    cr_assert(eq(int, inflate_into(&f, out, sizeof out, &len), REDIR_E_ZLIB));
    cr_assert(eq(sz, len, 0));
    /* empty and stored: nothing to copy */
    const uint8_t empty[7] = {0};
    g = guard_copy(0, empty, sizeof empty);
    cr_assert(eq(int, redir_cframe_decode(&f, &used, NULL, g, sizeof empty), REDIR_OK));
    cr_assert(eq(int, inflate_into(&f, NULL, 0, &len), REDIR_OK));
    cr_assert(eq(sz, len, 0));
}

/* inflate_damaged inflates the real zlib payload after flipping bits of one
 * byte, cutting bytes off its end or appending a zero byte. */
static redir_status inflate_damaged(size_t flip_at, uint8_t xor_with, size_t cut, size_t extra) {
    size_t n;
    const uint8_t *bytes = hexbuf(0, P2M_RESULT, &n);
    uint8_t copy[128];
    memcpy(copy, bytes, n);
    copy[flip_at] ^= xor_with;
    size_t plen = n - 7 - cut + extra;
    copy[n] = 0x00;
    const uint8_t *g = guard_copy(1, copy + 7, plen);
    redir_cframe f = {(uint32_t)plen, 1, 161, {g, plen}};
    uint8_t out[161];
    size_t len = 99;
    redir_status st = inflate_into(&f, out, sizeof out, &len);
    cr_assert(eq(sz, len, st == REDIR_OK ? 161 : 0));
    return st;
}

Test(cframe, corrupt_streams) {
    size_t n;
    (void)hexbuf(0, P2M_RESULT, &n);
    cr_assert(eq(int, inflate_damaged(0, 0, 0, 0), REDIR_OK));
    /* zlib header check bits */
    cr_assert(eq(int, inflate_damaged(8, 0x01, 0, 0), REDIR_E_ZLIB));
    /* compression method 9 instead of 8 */
    cr_assert(eq(int, inflate_damaged(7, 0x01, 0, 0), REDIR_E_ZLIB));
    /* Adler-32 trailer: every byte inflates, the check fails */
    cr_assert(eq(int, inflate_damaged(n - 1, 0x01, 0, 0), REDIR_E_ZLIB));
    /* stream cut short inside the trailer and inside the data */
    cr_assert(eq(int, inflate_damaged(0, 0, 2, 0), REDIR_E_ZLIB));
    cr_assert(eq(int, inflate_damaged(0, 0, 40, 0), REDIR_E_ZLIB));
    /* a byte after the end of the stream */
    cr_assert(eq(int, inflate_damaged(0, 0, 0, 1), REDIR_E_ZLIB));
}

Test(cframe, scratch_too_small) {
    size_t n;
    redir_cframe f = decode_vec(P2M_RESULT, 0, &n);
    uint8_t out[161];
    size_t len = 99;
    cr_assert(eq(int,
                 redir_cframe_inflate(out, sizeof out, &len, &f, MAXP, inflate_scratch, REDIR_INFLATE_SCRATCH_SIZE - 1),
                 REDIR_E_SCRATCH));
    cr_assert(eq(sz, len, 0));
    cr_assert(eq(int,
                 redir_cframe_inflate(out, sizeof out, &len, &f, MAXP, NULL, REDIR_INFLATE_SCRATCH_SIZE),
                 REDIR_E_SCRATCH));
    f = decode_vec(P2M_QUERY, 0, &n);
    cr_assert(eq(int, redir_cframe_inflate(out, sizeof out, &len, &f, MAXP, NULL, 0),
                 REDIR_E_SCRATCH));
}

Test(cframe, nospace_reports_exact_size) {
    size_t n;
    redir_cframe f = decode_vec(P2M_RESULT, 0, &n);
    uint8_t out[161];
    memset(out, 0xAA, sizeof out);
    size_t len = 0;
    cr_assert(eq(int, inflate_into(&f, out, 160, &len), REDIR_E_NOSPACE));
    cr_assert(eq(sz, len, 161));
    cr_assert(eq(u8, out[0], 0xAA));
    cr_assert(eq(int, inflate_into(&f, NULL, 0, &len), REDIR_E_NOSPACE));
    cr_assert(eq(sz, len, 161));
    f = decode_vec(P2M_QUERY, 0, &n);
    cr_assert(eq(int, inflate_into(&f, out, 23, &len), REDIR_E_NOSPACE));
    cr_assert(eq(sz, len, 24));
    cr_assert(eq(u8, out[0], 0xAA));
}

/* Inner packets may straddle compressed frames: the receiver appends each
 * frame's output to one stream and decodes inner packets from that. */
Test(cframe, inner_packet_straddles_two_frames) {
    size_t n;
    redir_cframe real = decode_vec(DF_RESULT, 0, &n);
    uint8_t inner[995];
    size_t inner_len = 0;
    cr_assert(eq(int, inflate_into(&real, inner, sizeof inner, &inner_len), REDIR_OK));

    /* split inside the sixth inner packet (bytes 379..472) */
    const size_t split = 400;
    uint8_t wire[1200];
    size_t a_len = 0;
    size_t b_len = 0;
    cr_assert(eq(int,
                 redir_cframe_deflate(wire, sizeof wire, &a_len, 1, inner, split, -1, 50,
                                      deflate_scratch, REDIR_DEFLATE_SCRATCH_SIZE),
                 REDIR_OK));
    cr_assert(eq(int,
                 redir_cframe_deflate(wire + a_len, sizeof wire - a_len, &b_len, 2, inner + split,
                                      995 - split, -1, 50, deflate_scratch,
                                      REDIR_DEFLATE_SCRATCH_SIZE),
                 REDIR_OK));

    uint8_t stream[995];
    size_t have = 0;
    size_t wpos = 0;
    size_t ipos = 0;
    int seq = 1;
    for (int frame = 0; frame < 2; frame++) {
        redir_cframe f;
        size_t used = 0;
        cr_assert(eq(int, redir_cframe_decode(&f, &used, NULL, wire + wpos, a_len + b_len - wpos),
                     REDIR_OK));
        cr_assert(eq(u8, f.seq, (uint8_t)(1 + frame)));
        wpos += used;
        size_t got = 0;
        cr_assert(eq(int, inflate_into(&f, stream + have, sizeof stream - have, &got), REDIR_OK));
        have += got;
        for (;;) {
            redir_message m;
            size_t mused = 0;
            redir_diag d = {0, 0};
            redir_status st = redir_message_decode(&m, &mused, &d, stream + ipos, have - ipos,
                                                   seq, NULL, 0, 0);
            if (st == REDIR_E_TRUNCATED) {
                /* after the first frame: the sixth packet misses exactly 473 - 400 bytes */
                cr_assert(eq(int, frame, 0));
                cr_assert(eq(int, seq, 6));
                cr_assert(eq(sz, ipos, 379));
                cr_assert(eq(sz, d.offset, 4));
                cr_assert(eq(sz, d.needed, 73));
                break;
            }
            cr_assert(eq(int, st, REDIR_OK));
            cr_assert(eq(sz, m.payload.len, DF_RESULT_LENS[seq - 1]));
            ipos += mused;
            seq = m.next_seq;
            if (ipos == have) {
                break;
            }
        }
    }
    cr_assert(eq(sz, wpos, a_len + b_len));
    cr_assert(eq(int, seq, 13));
    cr_assert(eq(sz, ipos, 995));
    cr_assert(eq(int, memcmp(stream, inner, 995), 0));
}
