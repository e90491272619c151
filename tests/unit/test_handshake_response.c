#include <criterion/criterion.h>
#include <criterion/new/assert.h>
#include <string.h>

#include "redir/packets.h"
#include "testutil.h"

/* HandshakeResponse41 and SSLRequest payloads captured from real clients (see
 * /work/shared/pcaps/INDEX.md; the MariaDB ones are the mariadb 10.11 command
 * line client against a local mariadbd 10.11.19). */
static const char mysql50_response[] = /* zeek mysql.pcap: 5.0 client, no plugin */
    "85a603000000000121000000000000000000000000000000000000000000000074666f657273746500"
    "14eefd6d5562851bc5966a0b41236ae3f2315efcc4";
static const char mysql55_response[] = /* arkime mysql-allow.pcap */
    "05a60f0000000001210000000000000000000000000000000000000000000000757365723130001455"
    "ee72f0c6694cbb3a104eb97f8ee32a6a91f8b16d7973716c5f6e61746976655f70617373776f726400";
static const char mysql8021_response[] = /* deepflow mysql.pcap: empty auth, db, attrs */
    "8fa2bf0100000040ff0000000000000000000000000000000000000000000000726f6f740000646565"
    "70666c6f770063616368696e675f736861325f70617373776f72640053045f70696405313337373209"
    "5f706c6174666f726d067838365f36340f5f636c69656e745f76657273696f6e06382e302e3231035f"
    "6f73054c696e75780c5f636c69656e745f6e616d65086c69626d7973716c";
static const char sha2_response[] = /* zeek caching_sha2_password.pcap */
    "8da6ff1900000001ff0000000000000000000000000000000000000000000000726f6f740020792e91"
    "3a11876917df495fd2ec9a22c22573421090bd1543f477c009707d8e45746573740063616368696e67"
    "5f736861325f70617373776f72640079045f70696406393137353436095f706c6174666f726d067838"
    "365f3634035f6f73054c696e75780c5f636c69656e745f6e616d65086c69626d7973716c076f735f75"
    "736572096476616e656564656e0f5f636c69656e745f76657273696f6e06382e302e33320c70726f67"
    "72616d5f6e616d65056d7973716c";
static const char cu_response[] = /* zeek change-user-success.pcap: empty database */
    "0da21b1800000040ff0000000000000000000000000000000000000000000000726f6f7400204e239d"
    "8a600c2e4b81f726bb457bd22a80b662ae3e058d415d9a79ee551a8c250063616368696e675f736861"
    "325f70617373776f72640096045f7069640731353831343433095f706c6174666f726d067838365f36"
    "340c5f736f757263655f686f73740774696e6b7978310c5f636c69656e745f6e616d65166d7973716c"
    "2d636f6e6e6563746f722d707974686f6e0f5f636c69656e745f6c6963656e73650747504c2d322e30"
    "0f5f636c69656e745f76657273696f6e05392e302e30035f6f730c5562756e74752d32342e3034";
static const char dk4_response[] = /* datakit mysql_4.pcapng: no attrs, no db */
    "85a20a00000000002d0000000000000000000000000000000000000000000000726f6f7400203295e6"
    "dabc631dc6b29580cf278e4a59a206ca11e1ce366de780469c5420b22063616368696e675f73686132"
    "5f70617373776f726400";
static const char mariadb1011_response[] = /* mariadb client, root, no password */
    "84a2bf000000100021000000000000000000000000000000000000001d000000726f6f7400006d7973"
    "716c5f6e61746976655f70617373776f7264007e035f6f73054c696e75780c5f636c69656e745f6e61"
    "6d650a6c69626d617269616462045f70696404363532390f5f636c69656e745f76657273696f6e0633"
    "2e332e3230095f706c6174666f726d067838365f36340c70726f6772616d5f6e616d65056d7973716c"
    "0c5f7365727665725f686f7374093132372e302e302e31";
static const char mariadb1011_hs_response[] = /* mariadb client, password and database */
    "8ca2bf000000100021000000000000000000000000000000000000001d00000068730014568f5dfa22"
    "c18b98d2b7189085eb43fabf50e40b68736462006d7973716c5f6e61746976655f70617373776f7264"
    "007e035f6f73054c696e75780c5f636c69656e745f6e616d650a6c69626d617269616462045f706964"
    "04383030370f5f636c69656e745f76657273696f6e06332e332e3230095f706c6174666f726d067838"
    "365f36340c70726f6772616d5f6e616d65056d7973716c0c5f7365727665725f686f7374093132372e"
    "302e302e31";

static const char mariadb100_sslrequest[] = /* zeek encrypted.pcap */
    "85ae3f20000000012d0000000000000000000000000000000000000000000000";
static const char mysql57_sslrequest[] = /* arkime mysql-tls.pcap */
    "8faa3a00ffffff00210000000000000000000000000000000000000000000000";
static const char rds80_sslrequest[] = /* zeek tls-12-amazon-rds.pcap */
    "85aeff2000000001210000000000000000000000000000000000000000000000";

struct response_vec {
    const char *name;
    const char *hex;
    uint64_t capabilities;
    uint32_t max_packet;
    uint8_t charset;
    const char *user;
    const char *auth_hex;
    size_t auth_prefix; /* bytes of the auth response's length prefix (0: NUL-terminated) */
    const char *database; /* NULL: not sent */
    const char *plugin;   /* NULL: not sent */
    size_t attrs_len;     /* 0: not sent (no vector has an empty block) */
    size_t npairs;
    const char *first_key;
    const char *first_value;
};

static const struct response_vec real_responses[] = {
    {"mysql-5.0", mysql50_response, 0x0003a685, 0x01000000, 0x21, "tfoerste",
     "eefd6d5562851bc5966a0b41236ae3f2315efcc4", 1, NULL, NULL, 0, 0, NULL, NULL},
    {"mysql-5.5", mysql55_response, 0x000fa605, 0x01000000, 0x21, "user10",
     "55ee72f0c6694cbb3a104eb97f8ee32a6a91f8b1", 1, NULL, "mysql_native_password", 0, 0, NULL,
     NULL},
    {"mysql-8.0.21", mysql8021_response, 0x01bfa28f, 0x40000000, 0xff, "root", "", 1,
     "deepflow", "caching_sha2_password", 83, 5, "_pid", "13772"},
    {"mysql-8.0.32", sha2_response, 0x19ffa68d, 0x01000000, 0xff, "root",
     "792e913a11876917df495fd2ec9a22c22573421090bd1543f477c009707d8e45", 1, "test",
     "caching_sha2_password", 121, 7, "_pid", "917546"},
    {"mysql-8.4.2-python", cu_response, 0x181ba20d, 0x40000000, 0xff, "root",
     "4e239d8a600c2e4b81f726bb457bd22a80b662ae3e058d415d9a79ee551a8c25", 1, "",
     "caching_sha2_password", 150, 7, "_pid", "1581443"},
    {"mysql-8.4.0", dk4_response, 0x000aa285, 0, 0x2d, "root",
     "3295e6dabc631dc6b29580cf278e4a59a206ca11e1ce366de780469c5420b220", 1, NULL,
     "caching_sha2_password", 0, 0, NULL, NULL},
    {"mariadb-10.11-root", mariadb1011_response, 0x0000001d00bfa284ULL, 0x00100000, 0x21,
     "root", "", 1, NULL, "mysql_native_password", 126, 7, "_os", "Linux"},
    {"mariadb-10.11-hs", mariadb1011_hs_response, 0x0000001d00bfa28cULL, 0x00100000, 0x21, "hs",
     "568f5dfa22c18b98d2b7189085eb43fabf50e40b", 1, "hsdb", "mysql_native_password", 126, 7,
     "_os", "Linux"},
};

static bool span_is(redir_span s, const char *str) {
    return s.len == strlen(str) && (s.len == 0 || memcmp(s.ptr, str, s.len) == 0);
}

static bool span_is_hex(redir_span s, const char *hex) {
    size_t n;
    const uint8_t *b = hexbuf(7, hex, &n);
    return s.len == n && (n == 0 || memcmp(s.ptr, b, n) == 0);
}

static void assert_reencodes(const redir_handshake_response *r, const uint8_t *want, size_t n,
                             const char *name) {
    uint8_t out[1024];
    size_t out_len = 0;
    cr_assert(eq(int, redir_handshake_response_encode(out, sizeof out, &out_len, r), REDIR_OK),
              "%s", name);
    cr_assert(eq(sz, out_len, n), "%s", name);
    cr_assert(eq(int, memcmp(out, want, n), 0), "%s", name);
}

/* The exact outcome for every proper prefix of a response: fixed fields are
 * truncated at their start, NUL strings lack their terminator, length-prefixed
 * fields are truncated after their prefix, and the boundaries after the auth
 * response and after each optional field are valid shorter responses. */
enum seg_kind { SEG_FIXED, SEG_NUL_STRING, SEG_LEN1 };

struct seg {
    size_t start;
    size_t end;
    enum seg_kind kind;
};

struct layout {
    struct seg segs[16];
    size_t nsegs;
    size_t accept[8];
    size_t naccept;
};

static void add_seg(struct layout *l, size_t start, size_t len, enum seg_kind kind) {
    l->segs[l->nsegs].start = start;
    l->segs[l->nsegs].end = start + len;
    l->segs[l->nsegs].kind = kind;
    l->nsegs++;
}

static struct layout response_layout(const struct response_vec *v, size_t *db_end,
                                     size_t *plugin_end) {
    struct layout l;
    memset(&l, 0, sizeof l);
    add_seg(&l, 0, 4, SEG_FIXED);
    add_seg(&l, 4, 4, SEG_FIXED);
    add_seg(&l, 8, 1, SEG_FIXED);
    add_seg(&l, 9, 23, SEG_FIXED);
    size_t pos = 32;
    add_seg(&l, pos, strlen(v->user) + 1, SEG_NUL_STRING);
    pos += strlen(v->user) + 1;
    size_t auth_len = strlen(v->auth_hex) / 2;
    add_seg(&l, pos, v->auth_prefix + auth_len, SEG_LEN1);
    pos += v->auth_prefix + auth_len;
    l.accept[l.naccept++] = pos;
    *db_end = 0;
    *plugin_end = 0;
    if (v->database != NULL) {
        add_seg(&l, pos, strlen(v->database) + 1, SEG_NUL_STRING);
        pos += strlen(v->database) + 1;
        *db_end = pos;
        l.accept[l.naccept++] = pos;
    }
    if (v->plugin != NULL) {
        add_seg(&l, pos, strlen(v->plugin) + 1, SEG_NUL_STRING);
        pos += strlen(v->plugin) + 1;
        *plugin_end = pos;
        l.accept[l.naccept++] = pos;
    }
    if (v->attrs_len > 0) {
        add_seg(&l, pos, 1 + v->attrs_len, SEG_LEN1);
        pos += 1 + v->attrs_len;
        l.accept[l.naccept++] = pos;
    }
    return l;
}

static void sweep(const struct response_vec *v, const uint8_t *full, size_t n) {
    size_t db_end;
    size_t plugin_end;
    struct layout l = response_layout(v, &db_end, &plugin_end);
    cr_assert(eq(sz, l.accept[l.naccept - 1], n), "%s: layout does not cover the payload",
              v->name);
    for (size_t k = 0; k < n; k++) {
        const uint8_t *p = guard_copy(1, full, k);
        redir_handshake_response r;
        redir_diag d = {999, 999};
        redir_status st = redir_handshake_response_decode(&r, &d, p, k);
        bool accepted = false;
        for (size_t i = 0; i < l.naccept; i++) {
            accepted = accepted || l.accept[i] == k;
        }
        if (accepted) {
            cr_assert(eq(int, st, REDIR_OK), "%s prefix %zu", v->name, k);
            cr_assert(eq(int, r.has_database, db_end != 0 && k >= db_end), "%s %zu", v->name, k);
            cr_assert(eq(int, r.has_auth_plugin, plugin_end != 0 && k >= plugin_end));
            cr_assert(eq(int, r.has_attributes, false));
            /* what was absent stays absent when encoded again */
            assert_reencodes(&r, full, k, v->name);
            continue;
        }
        const struct seg *s = NULL;
        for (size_t i = 0; i < l.nsegs; i++) {
            if (l.segs[i].start <= k && k < l.segs[i].end) {
                s = &l.segs[i];
            }
        }
        cr_assert(s != NULL, "%s prefix %zu", v->name, k);
        switch (s->kind) {
        case SEG_FIXED:
            cr_assert(eq(int, st, REDIR_E_TRUNCATED), "%s prefix %zu", v->name, k);
            cr_assert(eq(sz, d.offset, s->start), "%s prefix %zu", v->name, k);
            cr_assert(eq(sz, d.needed, s->end - k), "%s prefix %zu", v->name, k);
            break;
        case SEG_NUL_STRING:
            cr_assert(eq(int, st, REDIR_E_NO_TERMINATOR), "%s prefix %zu", v->name, k);
            cr_assert(eq(sz, d.offset, k), "%s prefix %zu", v->name, k);
            break;
        case SEG_LEN1:
            cr_assert(eq(int, st, REDIR_E_TRUNCATED), "%s prefix %zu", v->name, k);
            if (k == s->start) {
                cr_assert(eq(sz, d.offset, k), "%s prefix %zu", v->name, k);
                cr_assert(eq(sz, d.needed, 1));
            } else {
                cr_assert(eq(sz, d.offset, s->start + 1), "%s prefix %zu", v->name, k);
                cr_assert(eq(sz, d.needed, s->end - k), "%s prefix %zu", v->name, k);
            }
            break;
        }
        cr_assert(eq(u64, r.capabilities, 0));
        cr_assert(r.user.ptr == NULL);
    }
}

Test(handshake_response, real_captures_decode_exactly_and_reencode) {
    for (size_t i = 0; i < sizeof real_responses / sizeof real_responses[0]; i++) {
        const struct response_vec *v = &real_responses[i];
        size_t n;
        const uint8_t *raw = hexbuf(0, v->hex, &n);
        const uint8_t *in = guard_copy(0, raw, n);
        redir_handshake_response r;
        redir_diag d = {0, 0};
        redir_status st = redir_handshake_response_decode(&r, &d, in, n);
        cr_assert(eq(int, st, REDIR_OK), "%s: %s at %zu", v->name, redir_status_name(st),
                  d.offset);
        cr_assert(eq(u64, r.capabilities, v->capabilities), "%s", v->name);
        cr_assert(eq(u32, r.max_packet, v->max_packet), "%s", v->name);
        cr_assert(eq(u8, r.charset, v->charset), "%s", v->name);
        cr_assert(span_is(r.user, v->user), "%s", v->name);
        cr_assert(span_is_hex(r.auth_response, v->auth_hex), "%s", v->name);
        cr_assert(eq(int, r.has_database, v->database != NULL), "%s", v->name);
        if (v->database != NULL) {
            cr_assert(span_is(r.database, v->database), "%s", v->name);
        }
        cr_assert(eq(int, r.has_auth_plugin, v->plugin != NULL), "%s", v->name);
        if (v->plugin != NULL) {
            cr_assert(span_is(r.auth_plugin, v->plugin), "%s", v->name);
        }
        cr_assert(eq(int, r.has_attributes, v->attrs_len > 0), "%s", v->name);
        cr_assert(eq(sz, r.attributes.len, v->attrs_len), "%s", v->name);
        cr_assert(eq(int, r.has_zstd_level, false));
        if (v->attrs_len > 0) {
            cr_assert(r.attributes.ptr == in + n - v->attrs_len);
            redir_attr_iter it;
            redir_attr_iter_init(&it, r.attributes);
            redir_span key;
            redir_span value;
            size_t count = 0;
            while ((st = redir_attr_next(&it, &key, &value, NULL)) == REDIR_OK) {
                if (count == 0) {
                    cr_assert(span_is(key, v->first_key), "%s", v->name);
                    cr_assert(span_is(value, v->first_value), "%s", v->name);
                }
                count++;
            }
            cr_assert(eq(int, st, REDIR_DONE));
            cr_assert(eq(sz, count, v->npairs), "%s", v->name);
        }
        assert_reencodes(&r, raw, n, v->name);
        sweep(v, raw, n);
    }
}

Test(handshake_response, mariadb_ext_caps_come_from_filler_only_without_client_mysql) {
    size_t n;
    const uint8_t *raw = hexbuf(0, mariadb1011_response, &n);
    redir_handshake_response r;
    cr_assert(eq(int, redir_handshake_response_decode(&r, NULL, raw, n), REDIR_OK));
    cr_assert(eq(u8, r.filler[19], 0x1d));
    cr_assert(eq(u64, r.capabilities >> 32, 0x1d));
    /* the same bytes from a client that set CLIENT_MYSQL are just filler */
    uint8_t buf[256];
    memcpy(buf, raw, n);
    buf[0] |= 0x01;
    cr_assert(eq(int, redir_handshake_response_decode(&r, NULL, buf, n), REDIR_OK));
    cr_assert(eq(u64, r.capabilities, 0x00bfa285));
    cr_assert(eq(u8, r.filler[19], 0x1d));
    assert_reencodes(&r, buf, n, "filler kept");
}

Test(handshake_response, docs_pam_example) {
    size_t n;
    const uint8_t *raw = hexbuf(0,
        "8da60f00 00000001 08 0000000000000000000000000000000000000000000000"
        "70616d00 14 ab09eef6bcb1323e61143865c0991d957d75d447 7465737400"
        "6d7973716c5f6e61746976655f70617373776f726400", &n);
    cr_assert(eq(sz, n, 0x54));
    redir_handshake_response r;
    cr_assert(eq(int, redir_handshake_response_decode(&r, NULL, guard_copy(0, raw, n), n),
                 REDIR_OK));
    cr_assert(eq(u64, r.capabilities, 0x000fa68d));
    cr_assert(eq(u32, r.max_packet, 16777216));
    cr_assert(eq(u8, r.charset, 8));
    cr_assert(span_is(r.user, "pam"));
    cr_assert(span_is_hex(r.auth_response, "ab09eef6bcb1323e61143865c0991d957d75d447"));
    cr_assert(span_is(r.database, "test"));
    cr_assert(span_is(r.auth_plugin, "mysql_native_password"));
    assert_reencodes(&r, raw, n, "pam");
}

Test(handshake_response, pre_41_response_is_unsupported) {
    /* HandshakeResponse320: 2-byte flags without PROTOCOL_41, 3-byte max packet */
    const uint8_t in[] = {0x85, 0x24, 0x00, 0x00, 0x00, 'r', 'o', 'o', 't', 0x00, 0x00};
    redir_handshake_response r;
    redir_diag d = {9, 9};
    cr_assert(eq(int, redir_handshake_response_decode(&r, &d, guard_copy(0, in, sizeof in),
                                                      sizeof in), REDIR_E_UNSUPPORTED));
    cr_assert(eq(sz, d.offset, 0));
    cr_assert(eq(u64, r.capabilities, 0));
    redir_handshake_response e;
    memset(&e, 0, sizeof e);
    e.capabilities = REDIR_CLIENT_SECURE_CONNECTION;
    size_t len = 5;
    cr_assert(eq(int, redir_handshake_response_encode(NULL, 0, &len, &e), REDIR_E_UNSUPPORTED));
}

/* build_response writes the 32-byte prefix for caps and returns 32. */
static size_t put_prefix(uint8_t *buf, uint32_t caps) {
    memset(buf, 0, 32);
    buf[0] = (uint8_t)caps;
    buf[1] = (uint8_t)(caps >> 8);
    buf[2] = (uint8_t)(caps >> 16);
    buf[3] = (uint8_t)(caps >> 24);
    buf[7] = 0x01;
    buf[8] = 0x21;
    return 32;
}

static size_t put(uint8_t *buf, size_t pos, const void *src, size_t n) {
    memcpy(buf + pos, src, n);
    return pos + n;
}

#define BASE_CAPS 0x0000a205u /* MYSQL, LONG_FLAG, PROTOCOL_41, TRANSACTIONS, SECURE */

Test(handshake_response, empty_user_and_empty_auth) {
    uint8_t buf[64];
    size_t n = put_prefix(buf, BASE_CAPS);
    n = put(buf, n, "\0\0", 2);
    redir_handshake_response r;
    cr_assert(eq(int, redir_handshake_response_decode(&r, NULL, guard_copy(0, buf, n), n),
                 REDIR_OK));
    cr_assert(eq(sz, r.user.len, 0));
    cr_assert(r.user.ptr != NULL);
    cr_assert(eq(sz, r.auth_response.len, 0));
    assert_reencodes(&r, buf, n, "empty user");
}

Test(handshake_response, nul_terminated_auth_without_secure_connection) {
    uint8_t buf[64];
    size_t n = put_prefix(buf, 0x00000205u);
    n = put(buf, n, "bob\0" "4a5b6c\0" "db1\0", 15);
    buf[0] |= REDIR_CLIENT_CONNECT_WITH_DB;
    redir_handshake_response r;
    cr_assert(eq(int, redir_handshake_response_decode(&r, NULL, guard_copy(0, buf, n), n),
                 REDIR_OK));
    cr_assert(span_is(r.auth_response, "4a5b6c"));
    cr_assert(span_is(r.database, "db1"));
    assert_reencodes(&r, buf, n, "old auth");
}

Test(handshake_response, auth_response_lenenc_boundary_250_251) {
    static const size_t sizes[] = {250, 251, 300};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        uint8_t buf[512];
        size_t n = put_prefix(buf, BASE_CAPS | (uint32_t)REDIR_CLIENT_PLUGIN_AUTH_LENENC_DATA);
        n = put(buf, n, "u\0", 2);
        size_t auth_at = n;
        if (sizes[i] < 251) {
            buf[n++] = (uint8_t)sizes[i];
        } else {
            buf[n++] = 0xfc;
            buf[n++] = (uint8_t)sizes[i];
            buf[n++] = (uint8_t)(sizes[i] >> 8);
        }
        memset(buf + n, 0x5a, sizes[i]);
        n += sizes[i];
        redir_handshake_response r;
        cr_assert(eq(int, redir_handshake_response_decode(&r, NULL, guard_copy(0, buf, n), n),
                     REDIR_OK));
        cr_assert(eq(sz, r.auth_response.len, sizes[i]));
        assert_reencodes(&r, buf, n, "lenenc auth");
        /* one byte short: truncated right after the prefix */
        redir_diag d;
        cr_assert(eq(int, redir_handshake_response_decode(&r, &d, guard_copy(0, buf, n - 1),
                                                          n - 1), REDIR_E_TRUNCATED));
        cr_assert(eq(sz, d.offset, auth_at + (sizes[i] < 251 ? 1 : 3)));
        cr_assert(eq(sz, d.needed, 1));
    }
}

Test(handshake_response, auth_response_lenenc_null_or_ff_is_rejected) {
    uint8_t buf[64];
    size_t n = put_prefix(buf, BASE_CAPS | (uint32_t)REDIR_CLIENT_PLUGIN_AUTH_LENENC_DATA);
    n = put(buf, n, "u\0\xfb", 3);
    redir_handshake_response r;
    redir_diag d;
    cr_assert(eq(int, redir_handshake_response_decode(&r, &d, guard_copy(0, buf, n), n),
                 REDIR_E_LENENC_NULL));
    cr_assert(eq(sz, d.offset, 34));
    buf[34] = 0xff;
    cr_assert(eq(int, redir_handshake_response_decode(&r, &d, guard_copy(0, buf, n), n),
                 REDIR_E_LENENC_INVALID));
    cr_assert(eq(sz, d.offset, 34));
}

Test(handshake_response, secure_auth_255_fits_256_is_too_long) {
    uint8_t buf[512];
    size_t n = put_prefix(buf, BASE_CAPS);
    n = put(buf, n, "u\0", 2);
    buf[n++] = 0xff;
    memset(buf + n, 0x11, 255);
    n += 255;
    redir_handshake_response r;
    cr_assert(eq(int, redir_handshake_response_decode(&r, NULL, guard_copy(0, buf, n), n),
                 REDIR_OK));
    cr_assert(eq(sz, r.auth_response.len, 255));
    assert_reencodes(&r, buf, n, "255");
    uint8_t big[256];
    memset(big, 1, sizeof big);
    r.auth_response = redir_span_of(big, sizeof big);
    size_t out_len = 3;
    cr_assert(eq(int, redir_handshake_response_encode(buf, sizeof buf, &out_len, &r),
                 REDIR_E_FIELD_TOO_LONG));
    cr_assert(eq(sz, out_len, 0));
}

Test(handshake_response, go_mysql_819_missing_nul) {
    /* user, database and plugin name each without their NUL */
    uint8_t buf[128];
    size_t n = put_prefix(buf, BASE_CAPS);
    n = put(buf, n, "root", 4);
    redir_handshake_response r;
    redir_diag d;
    cr_assert(eq(int, redir_handshake_response_decode(&r, &d, guard_copy(0, buf, n), n),
                 REDIR_E_NO_TERMINATOR));
    cr_assert(eq(sz, d.offset, n));

    uint32_t caps = BASE_CAPS | (uint32_t)REDIR_CLIENT_CONNECT_WITH_DB;
    n = put_prefix(buf, caps);
    n = put(buf, n, "root\0\0test", 10);
    cr_assert(eq(int, redir_handshake_response_decode(&r, &d, guard_copy(0, buf, n), n),
                 REDIR_E_NO_TERMINATOR));
    cr_assert(eq(sz, d.offset, n));

    caps = BASE_CAPS | (uint32_t)REDIR_CLIENT_PLUGIN_AUTH;
    n = put_prefix(buf, caps);
    n = put(buf, n, "root\0\0mysql_native_password", 27);
    cr_assert(eq(int, redir_handshake_response_decode(&r, &d, guard_copy(0, buf, n), n),
                 REDIR_E_NO_TERMINATOR));
    cr_assert(eq(sz, d.offset, n));
}

Test(handshake_response, flagged_fields_absent_at_end_of_payload) {
    /* An 8.0 client flags db, plugin, attrs and zstd but stops after the
     * auth response: every optional field is reported absent. */
    uint32_t caps = BASE_CAPS | (uint32_t)(REDIR_CLIENT_CONNECT_WITH_DB | REDIR_CLIENT_PLUGIN_AUTH |
                                           REDIR_CLIENT_CONNECT_ATTRS |
                                           REDIR_CLIENT_ZSTD_COMPRESSION);
    uint8_t buf[64];
    size_t n = put_prefix(buf, caps);
    n = put(buf, n, "u\0\x02\xaa\xbb", 5);
    redir_handshake_response r;
    cr_assert(eq(int, redir_handshake_response_decode(&r, NULL, guard_copy(0, buf, n), n),
                 REDIR_OK));
    cr_assert(eq(int, r.has_database, false));
    cr_assert(eq(int, r.has_auth_plugin, false));
    cr_assert(eq(int, r.has_attributes, false));
    cr_assert(eq(int, r.has_zstd_level, false));
    assert_reencodes(&r, buf, n, "absent");
}

Test(handshake_response, zstd_level_after_attributes) {
    uint32_t caps = BASE_CAPS | (uint32_t)(REDIR_CLIENT_PLUGIN_AUTH | REDIR_CLIENT_CONNECT_ATTRS |
                                           REDIR_CLIENT_ZSTD_COMPRESSION);
    uint8_t buf[128];
    size_t n = put_prefix(buf, caps);
    n = put(buf, n, "u\0\x00" "caching_sha2_password\0" "\x06\x01k\x03val" "\x03", 33);
    redir_handshake_response r;
    cr_assert(eq(int, redir_handshake_response_decode(&r, NULL, guard_copy(0, buf, n), n),
                 REDIR_OK));
    cr_assert(eq(int, r.has_attributes, true));
    cr_assert(eq(sz, r.attributes.len, 6));
    cr_assert(eq(int, r.has_zstd_level, true));
    cr_assert(eq(u8, r.zstd_level, 3));
    assert_reencodes(&r, buf, n, "zstd");
    /* an empty attribute block is present, not absent */
    n = put_prefix(buf, caps);
    n = put(buf, n, "u\0\x00" "x\0" "\x00", 6);
    cr_assert(eq(int, redir_handshake_response_decode(&r, NULL, guard_copy(0, buf, n), n),
                 REDIR_OK));
    cr_assert(eq(int, r.has_attributes, true));
    cr_assert(eq(sz, r.attributes.len, 0));
    cr_assert(eq(int, r.has_zstd_level, false));
    assert_reencodes(&r, buf, n, "empty attrs");
}

Test(handshake_response, trailing_bytes_are_rejected) {
    size_t n;
    const uint8_t *raw = hexbuf(0, mysql50_response, &n);
    uint8_t buf[128];
    memcpy(buf, raw, n);
    buf[n] = 0x00;
    redir_handshake_response r;
    redir_diag d;
    cr_assert(eq(int, redir_handshake_response_decode(&r, &d, guard_copy(0, buf, n + 1), n + 1),
                 REDIR_E_TRAILING));
    cr_assert(eq(sz, d.offset, n));
}

/* attrs_response wraps an attribute block (given with its length prefix) in
 * a response; the block's prefix lands at offset 36. */
static size_t attrs_response(uint8_t *buf, const char *block_hex) {
    uint32_t caps = BASE_CAPS | (uint32_t)REDIR_CLIENT_CONNECT_ATTRS;
    size_t n = put_prefix(buf, caps);
    n = put(buf, n, "u\0\x01\x7a", 4);
    size_t bn;
    const uint8_t *block = hexbuf(6, block_hex, &bn);
    return put(buf, n, block, bn);
}

Test(handshake_response, attrs_malformed_lenenc_inside_block) {
    static const struct {
        const char *block;
        size_t offset; /* in the payload; the block body starts at 37 */
    } bad[] = {
        {"04 fb 01 61 00", 37},       /* key length NULL */
        {"04 ff 01 61 00", 37},       /* key length 0xFF */
        {"05 01 61 fb 00 00", 39},    /* value length NULL */
        {"04 20 61 62 63", 38},       /* key longer than the block */
        {"05 01 61 05 62 63", 40},    /* value longer than the block */
        {"02 01 61", 39},             /* key without value */
        {"02 fc 01", 38},             /* 0xFC prefix cut short by the block end */
        {"09 01 61 01 62 fe ff ff ff ff", 42}, /* huge 8-byte length */
        {"08 01 61 01 62 01 63 fd 00", 44},    /* second pair broken */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        uint8_t buf[128];
        size_t n = attrs_response(buf, bad[i].block);
        redir_handshake_response r;
        redir_diag d = {0, 0};
        cr_assert(eq(int, redir_handshake_response_decode(&r, &d, guard_copy(0, buf, n), n),
                     REDIR_E_BAD_ATTRIBUTES), "%s", bad[i].block);
        cr_assert(eq(sz, d.offset, bad[i].offset), "%s", bad[i].block);
        cr_assert(eq(int, r.has_attributes, false));
    }
}

Test(handshake_response, attrs_block_length_itself_malformed) {
    uint8_t buf[128];
    size_t n = attrs_response(buf, "fb");
    redir_handshake_response r;
    redir_diag d;
    cr_assert(eq(int, redir_handshake_response_decode(&r, &d, guard_copy(0, buf, n), n),
                 REDIR_E_LENENC_NULL));
    cr_assert(eq(sz, d.offset, 36));
    n = attrs_response(buf, "ff 00");
    cr_assert(eq(int, redir_handshake_response_decode(&r, &d, guard_copy(0, buf, n), n),
                 REDIR_E_LENENC_INVALID));
    cr_assert(eq(sz, d.offset, 36));
    /* CVE-2020-13249 shape: a block length far past the payload */
    n = attrs_response(buf, "fe ffffffffffffffff 01 61 01 62");
    cr_assert(eq(int, redir_handshake_response_decode(&r, &d, guard_copy(0, buf, n), n),
                 REDIR_E_TRUNCATED));
    cr_assert(eq(sz, d.offset, 45));
    cr_assert(d.needed > 0);
}

Test(attr_iter, reports_errors_relative_to_block) {
    size_t n;
    const uint8_t *b = hexbuf(0, "01 61 01 62 02 63 64 05 65", &n);
    const uint8_t *g = guard_copy(0, b, n);
    redir_attr_iter it;
    redir_attr_iter_init(&it, redir_span_of(g, n));
    redir_span k;
    redir_span v;
    redir_diag d = {0, 0};
    cr_assert(eq(int, redir_attr_next(&it, &k, &v, &d), REDIR_OK));
    cr_assert(span_is(k, "a"));
    cr_assert(span_is(v, "b"));
    cr_assert(eq(int, redir_attr_next(&it, &k, &v, &d), REDIR_E_TRUNCATED));
    cr_assert(eq(sz, d.offset, 8));
    cr_assert(eq(sz, d.needed, 4));
    /* the iterator does not move past a failure */
    cr_assert(eq(int, redir_attr_next(&it, &k, &v, &d), REDIR_E_TRUNCATED));
    cr_assert(eq(sz, d.offset, 8));

    b = hexbuf(0, "00 00 fb", &n);
    g = guard_copy(0, b, n);
    redir_attr_iter_init(&it, redir_span_of(g, n));
    cr_assert(eq(int, redir_attr_next(&it, &k, &v, &d), REDIR_OK));
    cr_assert(eq(sz, k.len, 0));
    cr_assert(eq(sz, v.len, 0));
    cr_assert(eq(int, redir_attr_next(&it, &k, &v, &d), REDIR_E_LENENC_NULL));
    cr_assert(eq(sz, d.offset, 2));

    redir_attr_iter_init(&it, redir_span_of(NULL, 0));
    cr_assert(eq(int, redir_attr_next(&it, &k, &v, &d), REDIR_DONE));
}

Test(attr_iter, encode_pairs_rebuilds_real_block) {
    size_t n;
    const uint8_t *raw = hexbuf(0, mysql8021_response, &n);
    redir_handshake_response r;
    cr_assert(eq(int, redir_handshake_response_decode(&r, NULL, raw, n), REDIR_OK));
    static const char *const pairs[][2] = {{"_pid", "13772"},
                                           {"_platform", "x86_64"},
                                           {"_client_version", "8.0.21"},
                                           {"_os", "Linux"},
                                           {"_client_name", "libmysql"}};
    uint8_t block[128];
    size_t len = 0;
    for (size_t i = 0; i < 5; i++) {
        cr_assert(eq(int, redir_attr_append_pair(block, sizeof block, &len,
                                                 redir_span_of(pairs[i][0], strlen(pairs[i][0])),
                                                 redir_span_of(pairs[i][1], strlen(pairs[i][1]))),
                     REDIR_OK));
    }
    cr_assert(eq(sz, len, r.attributes.len));
    cr_assert(eq(int, memcmp(block, r.attributes.ptr, len), 0));

    /* sizing pass and overflow: the size keeps growing, nothing is written */
    size_t need = 0;
    for (size_t i = 0; i < 5; i++) {
        cr_assert(eq(int, redir_attr_append_pair(NULL, 0, &need,
                                                 redir_span_of(pairs[i][0], strlen(pairs[i][0])),
                                                 redir_span_of(pairs[i][1], strlen(pairs[i][1]))),
                     REDIR_E_NOSPACE));
    }
    cr_assert(eq(sz, need, 83));
    uint8_t small[10];
    memset(small, 0xAA, sizeof small);
    len = 0;
    cr_assert(eq(int, redir_attr_append_pair(small, 8, &len, redir_span_of("_platform", 9),
                                             redir_span_of("x86_64", 6)), REDIR_E_NOSPACE));
    cr_assert(eq(sz, len, 17));
    cr_assert(eq(u8, small[8], 0xAA));
    len = 5;
    cr_assert(eq(int, redir_attr_append_pair(small, sizeof small, &len, redir_span_of(NULL, 1),
                                             redir_span_of("v", 1)), REDIR_E_INVALID_ARGUMENT));
    cr_assert(eq(sz, len, 5));
    /* a 251-byte value takes a 3-byte length */
    uint8_t val[251];
    memset(val, 'v', sizeof val);
    uint8_t wide[300];
    len = 0;
    cr_assert(eq(int, redir_attr_append_pair(wide, sizeof wide, &len, redir_span_of("k", 1),
                                             redir_span_of(val, sizeof val)), REDIR_OK));
    cr_assert(eq(sz, len, 2 + 3 + 251));
    cr_assert(eq(u8, wide[2], 0xfc));
    cr_assert(eq(u8, wide[3], 0xfb));
    cr_assert(eq(u8, wide[4], 0x00));
}

Test(handshake_response, encode_reports_exact_size_on_nospace) {
    size_t n;
    const uint8_t *raw = hexbuf(0, sha2_response, &n);
    redir_handshake_response r;
    cr_assert(eq(int, redir_handshake_response_decode(&r, NULL, raw, n), REDIR_OK));
    size_t need = 0;
    cr_assert(eq(int, redir_handshake_response_encode(NULL, 0, &need, &r), REDIR_E_NOSPACE));
    cr_assert(eq(sz, need, n));
    uint8_t small[256];
    memset(small, 0xAA, sizeof small);
    cr_assert(eq(int, redir_handshake_response_encode(small, n - 1, &need, &r), REDIR_E_NOSPACE));
    cr_assert(eq(sz, need, n));
    cr_assert(eq(u8, small[n - 1], 0xAA));
}

Test(handshake_response, encode_rejects_structs_that_would_not_decode_back) {
    size_t n;
    const uint8_t *raw = hexbuf(0, mysql8021_response, &n);
    redir_handshake_response good;
    cr_assert(eq(int, redir_handshake_response_decode(&good, NULL, raw, n), REDIR_OK));
    uint8_t out[512];
    size_t out_len;
    redir_handshake_response r = good;
    r.has_database = false; /* the plugin name would be read as the database */
    r.database = redir_span_of(NULL, 0);
    cr_assert(eq(int, redir_handshake_response_encode(out, sizeof out, &out_len, &r),
                 REDIR_E_INVALID_ARGUMENT));
    r = good;
    r.capabilities &= ~REDIR_CLIENT_CONNECT_WITH_DB; /* a database without its flag */
    cr_assert(eq(int, redir_handshake_response_encode(out, sizeof out, &out_len, &r),
                 REDIR_E_INVALID_ARGUMENT));
    r = good;
    r.user = redir_span_of("ro\0ot", 5);
    cr_assert(eq(int, redir_handshake_response_encode(out, sizeof out, &out_len, &r),
                 REDIR_E_INVALID_ARGUMENT));
    r = good;
    r.capabilities |= REDIR_MARIADB_CLIENT_PROGRESS; /* CLIENT_MYSQL is set */
    cr_assert(eq(int, redir_handshake_response_encode(out, sizeof out, &out_len, &r),
                 REDIR_E_INVALID_ARGUMENT));
    r = good;
    r.user = redir_span_of(NULL, 2);
    cr_assert(eq(int, redir_handshake_response_encode(out, sizeof out, &out_len, &r),
                 REDIR_E_INVALID_ARGUMENT));
    r = good;
    r.attributes = redir_span_of("\x05" "ab", 3); /* malformed block */
    cr_assert(eq(int, redir_handshake_response_encode(out, sizeof out, &out_len, &r),
                 REDIR_E_INVALID_ARGUMENT));
    /* the tail may be cut as long as nothing follows a gap */
    r = good;
    r.has_attributes = false;
    r.attributes = redir_span_of(NULL, 0);
    cr_assert(eq(int, redir_handshake_response_encode(out, sizeof out, &out_len, &r), REDIR_OK));
    cr_assert(eq(sz, out_len, n - 84));
    cr_assert(eq(int, memcmp(out, raw, out_len), 0));
}

struct ssl_vec {
    const char *name;
    const char *hex;
    uint64_t capabilities;
    uint32_t max_packet;
    uint8_t charset;
};

static const struct ssl_vec ssl_requests[] = {
    {"mariadb-10.0", mariadb100_sslrequest, 0x203fae85, 0x01000000, 0x2d},
    {"mysql-5.7.16", mysql57_sslrequest, 0x003aaa8f, 0x00ffffff, 0x21},
    {"rds-8.0.28", rds80_sslrequest, 0x20ffae85, 0x01000000, 0x21},
    /* codec_anchors 4.7 synthetic MariaDB example: CLIENT_MYSQL clear */
    {"docs-mariadb", "0caaaa01 00000001 2d 00000000000000000000000000000000000000 1d000000",
     0x0000001d01aaaa0cULL, 0x01000000, 0x2d},
};

Test(ssl_request, real_captures_decode_exactly_and_reencode) {
    for (size_t i = 0; i < sizeof ssl_requests / sizeof ssl_requests[0]; i++) {
        const struct ssl_vec *v = &ssl_requests[i];
        size_t n;
        const uint8_t *raw = hexbuf(0, v->hex, &n);
        cr_assert(eq(sz, n, REDIR_SSL_REQUEST_SIZE));
        redir_handshake_response r;
        redir_diag d;
        cr_assert(eq(int, redir_ssl_request_decode(&r, &d, guard_copy(0, raw, n), n), REDIR_OK),
                  "%s", v->name);
        cr_assert(eq(u64, r.capabilities, v->capabilities), "%s", v->name);
        cr_assert(eq(u32, r.max_packet, v->max_packet), "%s", v->name);
        cr_assert(eq(u8, r.charset, v->charset), "%s", v->name);
        cr_assert(eq(sz, r.user.len, 0));
        uint8_t out[32];
        size_t out_len;
        cr_assert(eq(int, redir_ssl_request_encode(out, sizeof out, &out_len, &r), REDIR_OK));
        cr_assert(eq(sz, out_len, 32));
        cr_assert(eq(int, memcmp(out, raw, 32), 0), "%s", v->name);
        /* every proper prefix is truncated inside the field it cuts */
        static const size_t ends[] = {4, 8, 9, 32};
        for (size_t k = 0; k < n; k++) {
            size_t start = 0;
            size_t end = 0;
            for (size_t f = 0; f < 4; f++) {
                if (k < ends[f]) {
                    end = ends[f];
                    break;
                }
                start = ends[f];
            }
            cr_assert(eq(int, redir_ssl_request_decode(&r, &d, guard_copy(1, raw, k), k),
                         REDIR_E_TRUNCATED), "%s prefix %zu", v->name, k);
            cr_assert(eq(sz, d.offset, start), "%s prefix %zu", v->name, k);
            cr_assert(eq(sz, d.needed, end - k), "%s prefix %zu", v->name, k);
        }
    }
}

Test(ssl_request, gsd_1066_nonzero_filler_is_preserved) {
    size_t n;
    const uint8_t *raw = hexbuf(0, mysql57_sslrequest, &n);
    uint8_t buf[32];
    memcpy(buf, raw, n);
    buf[20] = 0x77;
    redir_handshake_response r;
    cr_assert(eq(int, redir_ssl_request_decode(&r, NULL, guard_copy(0, buf, n), n), REDIR_OK));
    cr_assert(eq(u8, r.filler[11], 0x77));
    uint8_t out[32];
    size_t out_len;
    cr_assert(eq(int, redir_ssl_request_encode(out, sizeof out, &out_len, &r), REDIR_OK));
    cr_assert(eq(int, memcmp(out, buf, 32), 0));
}

Test(ssl_request, requires_client_ssl_and_exactly_32_bytes) {
    size_t n;
    const uint8_t *raw = hexbuf(0, mysql8021_response, &n);
    redir_handshake_response r;
    redir_diag d = {5, 5};
    /* a full response (no CLIENT_SSL) handed to the SSLRequest decoder */
    cr_assert(eq(int, redir_ssl_request_decode(&r, &d, guard_copy(0, raw, n), n),
                 REDIR_E_MISSING_CAPABILITY));
    cr_assert(eq(sz, d.offset, 0));
    cr_assert(eq(u64, r.capabilities, 0));
    raw = hexbuf(0, rds80_sslrequest, &n);
    uint8_t buf[33];
    memcpy(buf, raw, n);
    buf[32] = 0;
    cr_assert(eq(int, redir_ssl_request_decode(&r, &d, guard_copy(0, buf, 33), 33),
                 REDIR_E_TRAILING));
    cr_assert(eq(sz, d.offset, 32));
    /* the encoder refuses a request without CLIENT_SSL, and sizes exactly */
    redir_handshake_response e;
    memset(&e, 0, sizeof e);
    e.capabilities = REDIR_CLIENT_PROTOCOL_41;
    size_t out_len;
    uint8_t out[32];
    cr_assert(eq(int, redir_ssl_request_encode(out, sizeof out, &out_len, &e),
                 REDIR_E_MISSING_CAPABILITY));
    e.capabilities |= REDIR_CLIENT_SSL;
    cr_assert(eq(int, redir_ssl_request_encode(NULL, 0, &out_len, &e), REDIR_E_NOSPACE));
    cr_assert(eq(sz, out_len, 32));
}
