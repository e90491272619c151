#include <criterion/criterion.h>
#include <criterion/new/assert.h>
#include <string.h>

#include "redir/packets.h"
#include "testutil.h"

/* Greetings captured from real servers (see /work/shared/pcaps/INDEX.md for
 * the sources and licenses; the MariaDB 10.11 ones from a local
 * mariadbd 10.11.19 over TCP). Hex is the payload, without the frame header. */
static const char mysql50_greeting[] = /* zeek mysql.pcap: 5.0.54, no PLUGIN_AUTH */
    "0a352e302e3534005e0000003e7e24347574682c002ca2210200000000000000000000000000003e36"
    "313249575a3e6668575800";
static const char mysql55_greeting[] = /* arkime mysql-allow.pcap: 5.5.35 */
    "0a352e352e33352d307562756e7475302e31322e30342e3200980000005d4521723c75583800fff708"
    "02000f8015000000000000000000004f6632632174494d29226e27006d7973716c5f6e61746976655f"
    "70617373776f726400";
static const char mariadb100_greeting[] = /* zeek encrypted.pcap: 5.5.5-10.0.36-MariaDB */
    "0a352e352e352d31302e302e33362d4d6172696144422d307562756e7475302e31362e30342e310021"
    "000000746e4e762c74276000ffff2d02003fe0150000000000000000000031726b4144702b23696a5a"
    "65006d7973716c5f6e61746976655f70617373776f726400";
static const char mysql8021_greeting[] = /* deepflow mysql.pcap: 8.0.21 */
    "0a382e302e3231004cefb7003d504670126d6b1100fff7ff0200ff8715000000000000000000007e79"
    "3c716e333d7065397971006d7973716c5f6e61746976655f70617373776f726400";
static const char sha2_greeting[] = /* zeek caching_sha2_password.pcap: 8.0.32 */
    "0a382e302e333200090000003478603f6504692700ffffff0200ffdf15000000000000000000006b26"
    "2d50254c4944172f0f7b0063616368696e675f736861325f70617373776f726400";
static const char cu_greeting[] = /* zeek change-user-success.pcap: 8.4.2 */
    "0a382e342e320011000000113c676d3d4e4a2d00ffffff0200ffdf1500000000000000000000120f68"
    "0d647151621d5a32340063616368696e675f736861325f70617373776f726400";
static const char dk4_greeting[] = /* datakit mysql_4.pcapng: 8.4.0 */
    "0a382e342e3000090000004e1a604d1d0b2b6500ffffff0200ffdf1500000000000000000000100312"
    "453a5a155f671f4e370063616368696e675f736861325f70617373776f726400";
static const char mariadb1011_greeting[] = /* local MariaDB 10.11.19 */
    "0a352e352e352d31302e31312e31392d4d6172696144422d302b6465623132753100030000006c6a51"
    "345179312400fef7080200ff81150000000000001d0000005f352868544c607e7a692269006d797371"
    "6c5f6e61746976655f70617373776f726400";
static const char mariadb1011_hs_greeting[] = /* local MariaDB 10.11.19, second connection */
    "0a352e352e352d31302e31312e31392d4d6172696144422d302b6465623132753100060000006d4c74"
    "2452507c4100fef7080200ff81150000000000001d0000006c7e536379582b6b5a625e31006d797371"
    "6c5f6e61746976655f70617373776f726400";

struct greeting_vec {
    const char *name;
    const char *hex;
    const char *version;
    uint32_t connection_id;
    uint64_t capabilities;
    uint8_t charset;
    uint16_t status;
    uint8_t auth_data_len;
    const char *scramble_hex; /* part 1 + part 2 without the trailing NUL */
    const char *plugin;       /* NULL without CLIENT_PLUGIN_AUTH */
};

static const struct greeting_vec real_greetings[] = {
    {"mysql-5.0.54", mysql50_greeting, "5.0.54", 94, 0xa22c, 0x21, 0x0002, 0,
     "3e7e24347574682c 3e36313249575a3e66685758", NULL},
    {"mysql-5.5.35", mysql55_greeting, "5.5.35-0ubuntu0.12.04.2", 152, 0x800ff7ff, 0x08, 0x0002,
     21, "5d4521723c755838 4f6632632174494d29226e27", "mysql_native_password"},
    {"mariadb-10.0.36", mariadb100_greeting, "5.5.5-10.0.36-MariaDB-0ubuntu0.16.04.1", 33,
     0xe03fffff, 0x2d, 0x0002, 21, "746e4e762c742760 31726b4144702b23696a5a65",
     "mysql_native_password"},
    {"mysql-8.0.21", mysql8021_greeting, "8.0.21", 0x00b7ef4c, 0x87fff7ff, 0xff, 0x0002, 21,
     "3d504670126d6b11 7e793c716e333d7065397971", "mysql_native_password"},
    {"mysql-8.0.32", sha2_greeting, "8.0.32", 9, 0xdfffffff, 0xff, 0x0002, 21,
     "3478603f65046927 6b262d50254c4944172f0f7b", "caching_sha2_password"},
    {"mysql-8.4.2", cu_greeting, "8.4.2", 17, 0xdfffffff, 0xff, 0x0002, 21,
     "113c676d3d4e4a2d 120f680d647151621d5a3234", "caching_sha2_password"},
    {"mysql-8.4.0", dk4_greeting, "8.4.0", 9, 0xdfffffff, 0xff, 0x0002, 21,
     "4e1a604d1d0b2b65 100312453a5a155f671f4e37", "caching_sha2_password"},
    {"mariadb-10.11.19", mariadb1011_greeting, "5.5.5-10.11.19-MariaDB-0+deb12u1", 3,
     0x0000001d81fff7feULL, 0x08, 0x0002, 21, "6c6a513451793124 5f352868544c607e7a692269",
     "mysql_native_password"},
    {"mariadb-10.11.19-b", mariadb1011_hs_greeting, "5.5.5-10.11.19-MariaDB-0+deb12u1", 6,
     0x0000001d81fff7feULL, 0x08, 0x0002, 21, "6d4c742452507c41 6c7e536379582b6b5a625e31",
     "mysql_native_password"},
};

static bool span_is(redir_span s, const char *str) {
    return s.len == strlen(str) && (s.len == 0 || memcmp(s.ptr, str, s.len) == 0);
}

static void assert_reencodes(const redir_greeting *g, const uint8_t *want, size_t n,
                             const char *name) {
    uint8_t out[1024];
    size_t out_len = 0;
    cr_assert(eq(int, redir_greeting_encode(out, sizeof out, &out_len, g), REDIR_OK), "%s", name);
    cr_assert(eq(sz, out_len, n), "%s", name);
    cr_assert(eq(int, memcmp(out, want, n), 0), "%s", name);
}

/* Where each field of a greeting ends, so a truncation sweep can demand the
 * exact status, offset and shortfall for every prefix. */
enum seg_kind { SEG_FIXED, SEG_NUL_STRING, SEG_PLUGIN };

struct seg {
    size_t start;
    size_t end;
    enum seg_kind kind;
};

struct layout {
    struct seg segs[16];
    size_t nsegs;
    size_t short_form_at; /* prefix length that is a valid pre-4.1 greeting */
};

static void add_seg(struct layout *l, size_t start, size_t len, enum seg_kind kind) {
    l->segs[l->nsegs].start = start;
    l->segs[l->nsegs].end = start + len;
    l->segs[l->nsegs].kind = kind;
    l->nsegs++;
}

static struct layout greeting_layout(size_t version_len, size_t part2_len, bool plugin,
                                     size_t total) {
    struct layout l;
    memset(&l, 0, sizeof l);
    size_t v = 1 + version_len + 1;
    add_seg(&l, 0, 1, SEG_FIXED);
    add_seg(&l, 1, version_len + 1, SEG_NUL_STRING);
    add_seg(&l, v, 4, SEG_FIXED);       /* connection id */
    add_seg(&l, v + 4, 8, SEG_FIXED);   /* auth data part 1 */
    add_seg(&l, v + 12, 1, SEG_FIXED);  /* filler */
    add_seg(&l, v + 13, 2, SEG_FIXED);  /* capabilities, low */
    l.short_form_at = v + 15;
    add_seg(&l, v + 15, 1, SEG_FIXED);  /* charset */
    add_seg(&l, v + 16, 2, SEG_FIXED);  /* status */
    add_seg(&l, v + 18, 2, SEG_FIXED);  /* capabilities, high */
    add_seg(&l, v + 20, 1, SEG_FIXED);  /* auth data length */
    add_seg(&l, v + 21, 10, SEG_FIXED); /* reserved */
    if (part2_len > 0) {
        add_seg(&l, v + 31, part2_len, SEG_FIXED);
    }
    if (plugin) {
        add_seg(&l, v + 31 + part2_len, total - (v + 31 + part2_len), SEG_PLUGIN);
    }
    return l;
}

/* sweep decodes every proper prefix from behind a guard page. Each must fail
 * with the status and offset its field dictates, except the two shapes that
 * are valid greetings in their own right: the pre-4.1 form ending after the
 * low capability bits, and a plugin name without its NUL (MySQL 5.5.7-5.5.9). */
static void sweep(const uint8_t *full, size_t n, const struct layout *l, const char *name) {
    for (size_t k = 0; k < n; k++) {
        const uint8_t *p = guard_copy(1, full, k);
        redir_greeting g;
        redir_diag d = {999, 999};
        redir_status st = redir_greeting_decode(&g, &d, p, k);
        if (k == l->short_form_at) {
            cr_assert(eq(int, st, REDIR_OK), "%s prefix %zu", name, k);
            cr_assert(eq(int, g.has_ext, false));
            cr_assert(eq(u64, g.capabilities, (uint64_t)(full[k - 2] | full[k - 1] << 8)));
            assert_reencodes(&g, full, k, name);
            continue;
        }
        const struct seg *s = NULL;
        for (size_t i = 0; i < l->nsegs; i++) {
            if (l->segs[i].start <= k && k < l->segs[i].end) {
                s = &l->segs[i];
            }
        }
        cr_assert(s != NULL, "%s prefix %zu has no field", name, k);
        switch (s->kind) {
        case SEG_FIXED:
            cr_assert(eq(int, st, REDIR_E_TRUNCATED), "%s prefix %zu", name, k);
            cr_assert(eq(sz, d.offset, s->start), "%s prefix %zu", name, k);
            cr_assert(eq(sz, d.needed, s->end - k), "%s prefix %zu", name, k);
            break;
        case SEG_NUL_STRING:
            cr_assert(eq(int, st, REDIR_E_NO_TERMINATOR), "%s prefix %zu", name, k);
            cr_assert(eq(sz, d.offset, k), "%s prefix %zu", name, k);
            break;
        case SEG_PLUGIN:
            if (k == s->start) {
                cr_assert(eq(int, st, REDIR_E_TRUNCATED), "%s prefix %zu", name, k);
                cr_assert(eq(sz, d.offset, k));
                cr_assert(eq(sz, d.needed, 1));
            } else {
                cr_assert(eq(int, st, REDIR_OK), "%s prefix %zu", name, k);
                cr_assert(eq(int, g.auth_plugin_nul, false));
                cr_assert(eq(sz, g.auth_plugin.len, k - s->start));
                assert_reencodes(&g, full, k, name);
            }
            break;
        }
        if (st != REDIR_OK) {
            /* a failed decode leaves nothing behind */
            cr_assert(eq(sz, g.server_version.len, 0));
            cr_assert(g.server_version.ptr == NULL);
            cr_assert(eq(u64, g.capabilities, 0));
        }
    }
}

Test(greeting, real_captures_decode_exactly_and_reencode) {
    for (size_t i = 0; i < sizeof real_greetings / sizeof real_greetings[0]; i++) {
        const struct greeting_vec *v = &real_greetings[i];
        size_t n;
        const uint8_t *raw = hexbuf(0, v->hex, &n);
        const uint8_t *in = guard_copy(0, raw, n);
        redir_greeting g;
        redir_diag d = {0, 0};
        cr_assert(eq(int, redir_greeting_decode(&g, &d, in, n), REDIR_OK), "%s: %s at %zu",
                  v->name, redir_status_name(redir_greeting_decode(&g, &d, in, n)), d.offset);
        cr_assert(eq(u8, g.protocol_version, 10));
        cr_assert(span_is(g.server_version, v->version), "%s", v->name);
        cr_assert(eq(u32, g.connection_id, v->connection_id), "%s", v->name);
        cr_assert(eq(u64, g.capabilities, v->capabilities), "%s", v->name);
        cr_assert(eq(int, g.has_ext, true));
        cr_assert(eq(u8, g.filler, 0));
        cr_assert(eq(u8, g.charset, v->charset), "%s", v->name);
        cr_assert(eq(u16, g.status, v->status), "%s", v->name);
        cr_assert(eq(u8, g.auth_data_len, v->auth_data_len), "%s", v->name);
        cr_assert(eq(sz, g.auth_data1.len, 8));
        cr_assert(eq(sz, g.auth_data2.len, 13), "%s", v->name);
        cr_assert(eq(u8, g.auth_data2.ptr[12], 0));
        /* the views point into the caller's buffer */
        cr_assert(g.server_version.ptr == in + 1);
        if (v->plugin != NULL) {
            cr_assert(span_is(g.auth_plugin, v->plugin), "%s", v->name);
            cr_assert(eq(int, g.auth_plugin_nul, true));
        } else {
            cr_assert(eq(sz, g.auth_plugin.len, 0));
            cr_assert(eq(int, g.auth_plugin_nul, false));
        }

        size_t sn;
        const uint8_t *want = hexbuf(1, v->scramble_hex, &sn);
        uint8_t scr[64];
        size_t scr_len = 0;
        cr_assert(eq(int, redir_greeting_scramble(scr, sizeof scr, &scr_len, &g), REDIR_OK));
        cr_assert(eq(sz, scr_len, 20), "%s", v->name);
        cr_assert(eq(int, memcmp(scr, want, sn), 0), "%s", v->name);

        assert_reencodes(&g, raw, n, v->name);
        struct layout l = greeting_layout(strlen(v->version), 13, v->plugin != NULL, n);
        sweep(raw, n, &l, v->name);
    }
}

Test(greeting, mariadb_10_11_extended_caps_at_offset_50_without_client_mysql) {
    size_t n;
    const uint8_t *raw = hexbuf(0, mariadb1011_greeting, &n);
    /* "5.5.5-10.11.19-MariaDB-0+deb12u1" is 32 bytes: 1+33+4+8+1+2+1+2+2+1+6 = 61 */
    cr_assert(eq(u8, raw[61], 0x1d));
    redir_greeting g;
    cr_assert(eq(int, redir_greeting_decode(&g, NULL, guard_copy(0, raw, n), n), REDIR_OK));
    cr_assert(eq(u64, g.capabilities & REDIR_CLIENT_MYSQL, 0));
    cr_assert(eq(u64, g.capabilities >> 32, 0x1d));
    cr_assert(eq(u64, g.capabilities & REDIR_MARIADB_CLIENT_PROGRESS,
                 REDIR_MARIADB_CLIENT_PROGRESS));
    cr_assert(eq(u8, g.reserved[6], 0x1d));
    /* the encoder takes bits 32..63 from capabilities, not from reserved */
    g.reserved[6] = 0;
    assert_reencodes(&g, raw, n, "mariadb ext caps");
}

Test(greeting, docs_mariadb_synthetic_example_ext_caps) {
    size_t n;
    const uint8_t *raw = hexbuf(0,
        "0a 352e352e352d31302e31312e362d4d617269614442 00 07000000 4142434445464748 00 fef7 2d"
        "0200 bf81 15 000000000000 1d000000 494a4b4c4d4e4f5051525354 00"
        "6d7973716c5f6e61746976655f70617373776f7264 00", &n);
    cr_assert(eq(sz, n, 0x59));
    cr_assert(eq(u8, raw[50], 0x1d));
    redir_greeting g;
    cr_assert(eq(int, redir_greeting_decode(&g, NULL, guard_copy(0, raw, n), n), REDIR_OK));
    cr_assert(span_is(g.server_version, "5.5.5-10.11.6-MariaDB"));
    cr_assert(eq(u32, g.connection_id, 7));
    cr_assert(eq(u64, g.capabilities, 0x0000001d81bff7feULL));
    cr_assert(eq(u8, g.charset, 0x2d));
    cr_assert(span_is(g.auth_plugin, "mysql_native_password"));
    uint8_t scr[64];
    size_t scr_len;
    cr_assert(eq(int, redir_greeting_scramble(scr, sizeof scr, &scr_len, &g), REDIR_OK));
    cr_assert(eq(sz, scr_len, 20));
    cr_assert(eq(int, memcmp(scr, "ABCDEFGHIJKLMNOPQRST", 20), 0));
    assert_reencodes(&g, raw, n, "mariadb docs");
}

Test(greeting, docs_mysql_5_5_2_m2_len_zero_still_takes_13_bytes) {
    /* Vitess computed min(13, len - 8) here and got a negative part 2. */
    size_t n;
    const uint8_t *raw = hexbuf(0,
        "0a 352e352e322d6d32 00 52000000 223d4e5029753956 00 ffff 08 0200 0000 00"
        "00000000000000000000 29644052 5c55787a 7c21294b 00", &n);
    cr_assert(eq(sz, n, 54));
    redir_greeting g;
    redir_diag d;
    cr_assert(eq(int, redir_greeting_decode(&g, &d, guard_copy(0, raw, n), n), REDIR_OK));
    cr_assert(span_is(g.server_version, "5.5.2-m2"));
    cr_assert(eq(u32, g.connection_id, 82));
    cr_assert(eq(u64, g.capabilities, 0x0000ffff));
    cr_assert(eq(u8, g.charset, 8));
    cr_assert(eq(u16, g.status, 0x0002));
    cr_assert(eq(u8, g.auth_data_len, 0));
    cr_assert(eq(sz, g.auth_data2.len, 13));
    cr_assert(eq(sz, g.auth_plugin.len, 0));
    assert_reencodes(&g, raw, n, "5.5.2-m2");
    struct layout l = greeting_layout(8, 13, false, n);
    sweep(raw, n, &l, "5.5.2-m2");
}

/* build_greeting makes a MySQL-style greeting with the given length byte and
 * a part 2 of max(13, len - 8) bytes (the last one 0), optionally followed by
 * a NUL-terminated plugin name. Returns its size. */
static size_t build_greeting(uint8_t *out, uint8_t auth_data_len, size_t part2_len,
                             bool plugin_auth) {
    size_t n = 0;
    static const uint8_t head[] = {0x0a, '8', '.', '0', 0x00, 0x2a, 0x00, 0x00, 0x00,
                                   'a',  'b', 'c', 'd', 'e',  'f',  'g',  'h',  0x00};
    memcpy(out, head, sizeof head);
    n = sizeof head;
    uint32_t caps = 0x0000f7ffu | (plugin_auth ? 0x00080000u : 0);
    out[n++] = (uint8_t)caps;
    out[n++] = (uint8_t)(caps >> 8);
    out[n++] = 0x21;
    out[n++] = 0x02;
    out[n++] = 0x00;
    out[n++] = (uint8_t)(caps >> 16);
    out[n++] = (uint8_t)(caps >> 24);
    out[n++] = auth_data_len;
    memset(out + n, 0, 10);
    n += 10;
    for (size_t i = 0; i < part2_len; i++) {
        out[n++] = i + 1 == part2_len ? 0 : (uint8_t)('A' + i % 26);
    }
    if (plugin_auth) {
        memcpy(out + n, "caching_sha2_password", 22);
        n += 22;
    }
    return n;
}

#define GREETING_LEN_OFFSET 25 /* of the length byte in build_greeting's output */

Test(greeting, auth_data_len_edge_values) {
    static const struct {
        uint8_t len;
        size_t part2;
    } cases[] = {{0, 13}, {7, 13}, {8, 13}, {9, 13}, {20, 13}, {21, 13}, {22, 14},
                 {0x80, 120}, {0x88, 128}, {0xFF, 247}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        for (int plugin = 0; plugin < 2; plugin++) {
            uint8_t buf[400];
            size_t n = build_greeting(buf, cases[i].len, cases[i].part2, plugin != 0);
            cr_assert(eq(u8, buf[GREETING_LEN_OFFSET], cases[i].len));
            redir_greeting g;
            redir_diag d;
            cr_assert(eq(int, redir_greeting_decode(&g, &d, guard_copy(0, buf, n), n), REDIR_OK),
                      "len %u", cases[i].len);
            cr_assert(eq(u8, g.auth_data_len, cases[i].len));
            cr_assert(eq(sz, g.auth_data2.len, cases[i].part2), "len %u", cases[i].len);
            if (plugin) {
                cr_assert(span_is(g.auth_plugin, "caching_sha2_password"));
            }
            uint8_t scr[256];
            size_t scr_len;
            cr_assert(eq(int, redir_greeting_scramble(scr, sizeof scr, &scr_len, &g), REDIR_OK));
            cr_assert(eq(sz, scr_len, 8 + cases[i].part2 - 1));
            assert_reencodes(&g, buf, n, "edge");
        }
    }
}

Test(greeting, mysql_common_i8_cast_len_0x88_is_128_byte_part2) {
    /* Treating the byte as signed gives -120 - 8 and a 13-byte part 2, which
     * would leave 115 bytes to be misread as the plugin name. */
    uint8_t buf[400];
    size_t n = build_greeting(buf, 0x88, 128, true);
    redir_greeting g;
    cr_assert(eq(int, redir_greeting_decode(&g, NULL, guard_copy(0, buf, n), n), REDIR_OK));
    cr_assert(eq(sz, g.auth_data2.len, 128));
    cr_assert(span_is(g.auth_plugin, "caching_sha2_password"));
}

Test(greeting, cve_2020_2574_auth_data_len_past_end) {
    /* The length byte asks for more part 2 than the packet holds: a named
     * error pointing at the length byte, never a clamp or an over-read. */
    static const uint8_t lens[] = {22, 0x30, 0x80, 0x88, 0xFF};
    for (size_t i = 0; i < sizeof lens; i++) {
        for (int plugin = 0; plugin < 2; plugin++) {
            uint8_t buf[400];
            size_t n = build_greeting(buf, lens[i], 13, plugin != 0);
            /* with the plugin name there may be enough bytes for part 2:
             * keep only what falls short */
            size_t want2 = (size_t)lens[i] - 8;
            size_t avail = n - 36;
            if (want2 <= avail) {
                n = 36 + want2 - 1;
            }
            redir_greeting g;
            redir_diag d = {0, 0};
            cr_assert(eq(int, redir_greeting_decode(&g, &d, guard_copy(0, buf, n), n),
                         REDIR_E_BAD_AUTH_DATA_LEN), "len %u plugin %d", lens[i], plugin);
            cr_assert(eq(sz, d.offset, GREETING_LEN_OFFSET));
            cr_assert(eq(sz, g.auth_data2.len, 0));
        }
    }
}

Test(greeting, standard_len_simple_truncation_is_truncated) {
    /* len 21 asks only for the minimum 13 bytes: running out is truncation */
    uint8_t buf[400];
    size_t n = build_greeting(buf, 21, 13, true);
    size_t cut = 36 + 10;
    redir_greeting g;
    redir_diag d = {0, 0};
    cr_assert(eq(int, redir_greeting_decode(&g, &d, guard_copy(0, buf, cut), cut),
                 REDIR_E_TRUNCATED));
    cr_assert(eq(sz, d.offset, 36));
    cr_assert(eq(sz, d.needed, 3));
    /* the same shortfall with len 0 (no PLUGIN_AUTH server) */
    n = build_greeting(buf, 0, 13, false);
    cr_assert(eq(int, redir_greeting_decode(&g, &d, guard_copy(0, buf, n - 1), n - 1),
                 REDIR_E_TRUNCATED));
    cr_assert(eq(sz, d.offset, 36));
    cr_assert(eq(sz, d.needed, 1));
}

Test(greeting, go_mysql_819_version_without_nul) {
    const uint8_t in[] = {0x0a, '8', '.', '0', '.', '3', '2'};
    redir_greeting g;
    redir_diag d = {0, 0};
    cr_assert(eq(int, redir_greeting_decode(&g, &d, guard_copy(0, in, sizeof in), sizeof in),
                 REDIR_E_NO_TERMINATOR));
    cr_assert(eq(sz, d.offset, sizeof in));
}

Test(greeting, mysql_5_5_8_plugin_name_without_nul) {
    size_t n;
    const uint8_t *raw = hexbuf(0, mysql55_greeting, &n);
    n--; /* drop the plugin name's NUL */
    redir_greeting g;
    cr_assert(eq(int, redir_greeting_decode(&g, NULL, guard_copy(0, raw, n), n), REDIR_OK));
    cr_assert(span_is(g.auth_plugin, "mysql_native_password"));
    cr_assert(eq(int, g.auth_plugin_nul, false));
    assert_reencodes(&g, raw, n, "no NUL");
}

Test(greeting, empty_plugin_name_with_nul) {
    uint8_t buf[400];
    size_t n = build_greeting(buf, 21, 13, true);
    n -= 21; /* keep only the NUL of the name */
    buf[n - 1] = 0;
    redir_greeting g;
    cr_assert(eq(int, redir_greeting_decode(&g, NULL, guard_copy(0, buf, n), n), REDIR_OK));
    cr_assert(eq(sz, g.auth_plugin.len, 0));
    cr_assert(eq(int, g.auth_plugin_nul, true));
    assert_reencodes(&g, buf, n, "empty plugin");
}

Test(greeting, err_packet_instead_of_greeting) {
    /* mysql_common #136: pre-handshake ERR without '#' */
    size_t n;
    const uint8_t *raw = hexbuf(0, "ff 6904 486f737420273137322e31372e302e3127", &n);
    redir_greeting g;
    redir_diag d = {7, 7};
    cr_assert(eq(int, redir_greeting_decode(&g, &d, guard_copy(0, raw, n), n),
                 REDIR_E_BAD_PROTOCOL_VERSION));
    cr_assert(eq(sz, d.offset, 0));
    const uint8_t v9[] = {0x09, '3', '.', '2', '0', 0x00};
    cr_assert(eq(int, redir_greeting_decode(&g, &d, guard_copy(0, v9, sizeof v9), sizeof v9),
                 REDIR_E_BAD_PROTOCOL_VERSION));
    cr_assert(eq(sz, d.offset, 0));
    cr_assert(eq(int, redir_greeting_decode(&g, &d, guard_copy(0, v9, 0), 0),
                 REDIR_E_TRUNCATED));
    cr_assert(eq(sz, d.offset, 0));
    cr_assert(eq(sz, d.needed, 1));
}

Test(greeting, pre_41_short_form_ends_after_low_caps) {
    size_t n;
    const uint8_t *raw = hexbuf(0, mysql50_greeting, &n);
    size_t short_len = 1 + 7 + 4 + 8 + 1 + 2;
    redir_greeting g;
    cr_assert(eq(int, redir_greeting_decode(&g, NULL, guard_copy(0, raw, short_len), short_len),
                 REDIR_OK));
    cr_assert(eq(int, g.has_ext, false));
    cr_assert(eq(u64, g.capabilities, 0xa22c));
    cr_assert(eq(u8, g.charset, 0));
    cr_assert(eq(sz, g.auth_data2.len, 0));
    uint8_t scr[64];
    size_t scr_len;
    cr_assert(eq(int, redir_greeting_scramble(scr, sizeof scr, &scr_len, &g), REDIR_OK));
    cr_assert(eq(sz, scr_len, 8));
    assert_reencodes(&g, raw, short_len, "3.21");
}

Test(greeting, trailing_bytes_after_plugin_nul_or_part2) {
    uint8_t buf[400];
    size_t n = build_greeting(buf, 21, 13, true);
    buf[n++] = 'x';
    redir_greeting g;
    redir_diag d;
    cr_assert(eq(int, redir_greeting_decode(&g, &d, guard_copy(0, buf, n), n), REDIR_E_TRAILING));
    cr_assert(eq(sz, d.offset, n - 1));
    n = build_greeting(buf, 0, 13, false);
    buf[n++] = 0;
    cr_assert(eq(int, redir_greeting_decode(&g, &d, guard_copy(0, buf, n), n), REDIR_E_TRAILING));
    cr_assert(eq(sz, d.offset, n - 1));
}

Test(greeting, mysql_common_ext_caps_only_without_client_mysql) {
    /* A MySQL greeting (CLIENT_MYSQL set) with junk in reserved[6..9]: the
     * bytes are kept as sent but are not capabilities. */
    size_t n;
    const uint8_t *raw = hexbuf(0, mysql8021_greeting, &n);
    uint8_t buf[128];
    memcpy(buf, raw, n);
    size_t res6 = 1 + 7 + 4 + 8 + 1 + 2 + 1 + 2 + 2 + 1 + 6;
    memcpy(buf + res6, "\x1d\x00\x00\x00", 4);
    redir_greeting g;
    cr_assert(eq(int, redir_greeting_decode(&g, NULL, guard_copy(0, buf, n), n), REDIR_OK));
    cr_assert(eq(u64, g.capabilities, 0x87fff7ff));
    cr_assert(eq(u8, g.reserved[6], 0x1d));
    assert_reencodes(&g, buf, n, "reserved kept");
}

Test(greeting, encode_reports_exact_size_on_nospace) {
    size_t n;
    const uint8_t *raw = hexbuf(0, mariadb1011_greeting, &n);
    redir_greeting g;
    cr_assert(eq(int, redir_greeting_decode(&g, NULL, raw, n), REDIR_OK));
    size_t need = 0;
    cr_assert(eq(int, redir_greeting_encode(NULL, 0, &need, &g), REDIR_E_NOSPACE));
    cr_assert(eq(sz, need, n));
    uint8_t small[128];
    memset(small, 0xAA, sizeof small);
    cr_assert(eq(int, redir_greeting_encode(small, n - 1, &need, &g), REDIR_E_NOSPACE));
    cr_assert(eq(sz, need, n));
    cr_assert(eq(u8, small[n - 1], 0xAA));
    cr_assert(eq(int, redir_greeting_encode(small, n, &need, &g), REDIR_OK));
    cr_assert(eq(int, memcmp(small, raw, n), 0));
}

Test(greeting, encode_builds_mariadb_greeting_from_fields) {
    size_t n;
    const uint8_t *raw = hexbuf(0, mariadb1011_greeting, &n);
    redir_greeting g;
    memset(&g, 0, sizeof g);
    g.protocol_version = 10;
    g.server_version = redir_span_of("5.5.5-10.11.19-MariaDB-0+deb12u1", 32);
    g.connection_id = 3;
    g.auth_data1 = redir_span_of(raw + 38, 8);
    g.capabilities = 0x0000001d81fff7feULL;
    g.has_ext = true;
    g.charset = 8;
    g.status = REDIR_STATUS_AUTOCOMMIT;
    g.auth_data_len = 21;
    g.auth_data2 = redir_span_of(raw + 38 + 8 + 1 + 2 + 1 + 2 + 2 + 1 + 10, 13);
    g.auth_plugin = redir_span_of("mysql_native_password", 21);
    g.auth_plugin_nul = true;
    assert_reencodes(&g, raw, n, "built");
}

Test(greeting, encode_rejects_structs_that_would_not_decode_back) {
    size_t n;
    const uint8_t *raw = hexbuf(0, mysql8021_greeting, &n);
    redir_greeting good;
    cr_assert(eq(int, redir_greeting_decode(&good, NULL, raw, n), REDIR_OK));
    uint8_t out[256];
    size_t out_len = 77;
    redir_greeting g = good;
    g.auth_data1.len = 7;
    cr_assert(eq(int, redir_greeting_encode(out, sizeof out, &out_len, &g),
                 REDIR_E_INVALID_ARGUMENT));
    cr_assert(eq(sz, out_len, 0));
    g = good;
    g.server_version = redir_span_of("8.0\0x", 5);
    cr_assert(eq(int, redir_greeting_encode(out, sizeof out, &out_len, &g),
                 REDIR_E_INVALID_ARGUMENT));
    g = good;
    g.auth_data2.len = 12; /* len byte 21 demands 13 */
    cr_assert(eq(int, redir_greeting_encode(out, sizeof out, &out_len, &g),
                 REDIR_E_INVALID_ARGUMENT));
    g = good;
    g.capabilities |= REDIR_MARIADB_CLIENT_PROGRESS; /* CLIENT_MYSQL set: nowhere to put it */
    cr_assert(eq(int, redir_greeting_encode(out, sizeof out, &out_len, &g),
                 REDIR_E_INVALID_ARGUMENT));
    g = good;
    g.has_ext = false; /* high capability bits and part 2 would be lost */
    cr_assert(eq(int, redir_greeting_encode(out, sizeof out, &out_len, &g),
                 REDIR_E_INVALID_ARGUMENT));
    g = good;
    g.auth_plugin_nul = false;
    g.auth_plugin.len = 0; /* PLUGIN_AUTH with no name at all */
    cr_assert(eq(int, redir_greeting_encode(out, sizeof out, &out_len, &g),
                 REDIR_E_INVALID_ARGUMENT));
    g = good;
    g.capabilities &= ~REDIR_CLIENT_PLUGIN_AUTH; /* a name without the flag */
    cr_assert(eq(int, redir_greeting_encode(out, sizeof out, &out_len, &g),
                 REDIR_E_INVALID_ARGUMENT));
    g = good;
    g.auth_plugin = redir_span_of(NULL, 3);
    cr_assert(eq(int, redir_greeting_encode(out, sizeof out, &out_len, &g),
                 REDIR_E_INVALID_ARGUMENT));
    g = good;
    g.auth_data2 = redir_span_of(NULL, 13);
    cr_assert(eq(int, redir_greeting_scramble(out, sizeof out, &out_len, &g),
                 REDIR_E_INVALID_ARGUMENT));
    cr_assert(eq(sz, out_len, 0));
}

Test(greeting, scramble_reports_size_when_it_does_not_fit) {
    uint8_t buf[400];
    size_t n = build_greeting(buf, 0xFF, 247, true);
    redir_greeting g;
    cr_assert(eq(int, redir_greeting_decode(&g, NULL, buf, n), REDIR_OK));
    uint8_t scr[64];
    size_t scr_len = 0;
    cr_assert(eq(int, redir_greeting_scramble(scr, sizeof scr, &scr_len, &g), REDIR_E_NOSPACE));
    cr_assert(eq(sz, scr_len, 254));
    cr_assert(eq(int, redir_greeting_scramble(NULL, 0, &scr_len, &g), REDIR_E_NOSPACE));
    cr_assert(eq(sz, scr_len, 254));
}
