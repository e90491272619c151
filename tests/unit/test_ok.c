/*
 * OK packets: real captures (MySQL 5.5/5.7/8.0, MariaDB 10.11), the byte
 * examples of the research notes, exact fields, every session entry, byte-exact
 * re-encoding, exact sizing and a sweep over every proper prefix.
 */
#include <criterion/criterion.h>
#include <criterion/new/assert.h>
#include <string.h>

#include "redir/packets.h"
#include "redir/wire.h"
#include "testutil.h"

/* Client capabilities of the captures (negotiated flags are a subset). */
#define CAPS_DEEPFLOW_8021 UINT64_C(0x01bfa28f) /* deepflow__mysql.pcap */
#define CAPS_ZEEK_8032 UINT64_C(0x19ffa685)     /* zeek__caching_sha2_password-after-auth-switch */
#define CAPS_PCAP2_5725 UINT64_C(0x00bea2af)    /* pcap2mysql-log__compressed.pcap */
#define CAPS_DEEPFLOW_8026 UINT64_C(0x09ffa685) /* deepflow__mysql-table-create.pcap */
#define CAPS_ZEEK_SELECTS UINT64_C(0x01ffa685)  /* zeek__selects_with_new_proto.pcap */
#define CAPS_ARKIME_5535 UINT64_C(0x000fa605)   /* arkime__mysql-allow.pcap */
#define CAPS_MARIADB_1011 UINT64_C(0x0000001d00bfa284) /* MariaDB 10.11.19 client over TCP */

#define ASSERT_SPAN(s, text)                                                                       \
    do {                                                                                           \
        redir_span s_ = (s);                                                                       \
        const char *t_ = (text);                                                                   \
        cr_assert(eq(sz, s_.len, strlen(t_)), "%s length", #s);                                    \
        if (s_.len > 0) {                                                                          \
            cr_assert(eq(int, memcmp(s_.ptr, t_, s_.len), 0), "%s = '%.*s'", #s, (int)s_.len,      \
                      (const char *)s_.ptr);                                                       \
        }                                                                                          \
    } while (0)

typedef struct want_entry {
    uint8_t type;
    size_t data_len;
    const char *name;  /* first SYSTEM_VARIABLES pair; NULL when none */
    const char *value; /* typed value; NULL for unknown types */
    bool nested;
    uint8_t spec;
} want_entry;

/* One decoded capture: the reference bytes, the guarded copy decoded, the result. */
typedef struct ok_case {
    const uint8_t *ref;
    const uint8_t *in;
    size_t n;
    uint64_t caps;
    redir_ok ok;
} ok_case;

static ok_case decode_case(const char *hex, uint64_t caps) {
    ok_case c;
    c.ref = hexbuf(0, hex, &c.n);
    c.in = guard_copy(0, c.ref, c.n);
    c.caps = caps;
    redir_diag d = {99, 99};
    cr_assert(eq(int, redir_ok_decode(&c.ok, &d, c.in, c.n, caps), REDIR_OK), "decode %s", hex);
    cr_assert(eq(sz, d.offset, 99), "diag untouched on success");
    return c;
}

static void expect_fields(const ok_case *c, uint8_t header, uint64_t affected, uint64_t insert_id,
                          uint16_t status, uint16_t warnings) {
    cr_assert(eq(u8, c->ok.header, header));
    cr_assert(eq(u64, c->ok.affected_rows, affected));
    cr_assert(eq(u64, c->ok.last_insert_id, insert_id));
    cr_assert(c->ok.has_status);
    cr_assert(eq(u16, c->ok.status, status));
    cr_assert(c->ok.has_warnings);
    cr_assert(eq(u16, c->ok.warnings, warnings));
}

static size_t off_of(const ok_case *c, redir_span s) { return (size_t)(s.ptr - c->in); }

static void expect_zeroed(const redir_ok *ok) {
    cr_assert(eq(u8, ok->header, 0));
    cr_assert(eq(u64, ok->affected_rows, 0));
    cr_assert(eq(u64, ok->last_insert_id, 0));
    cr_assert(ok->has_status == false);
    cr_assert(eq(u16, ok->status, 0));
    cr_assert(eq(int, ok->info_form, REDIR_INFO_ABSENT));
    cr_assert(ok->info.ptr == NULL);
    cr_assert(ok->has_session_state == false);
    cr_assert(ok->session_state.ptr == NULL);
}

/* encode reproduces the input, reports the exact size when short, and never
 * writes at or past cap. */
static void expect_roundtrip(const ok_case *c) {
    uint8_t out[600];
    size_t len = 0;
    cr_assert(c->n + 16 <= sizeof out);
    cr_assert(eq(int, redir_ok_encode(out, sizeof out, &len, &c->ok, c->caps), REDIR_OK));
    cr_assert(eq(sz, len, c->n));
    cr_assert(eq(int, memcmp(out, c->ref, c->n), 0));
    cr_assert(eq(int, redir_ok_encode(out, c->n, &len, &c->ok, c->caps), REDIR_OK));
    cr_assert(eq(sz, len, c->n));
    cr_assert(eq(int, redir_ok_encode(NULL, 0, &len, &c->ok, c->caps), REDIR_E_NOSPACE));
    cr_assert(eq(sz, len, c->n));
    memset(out, 0xA5, sizeof out);
    cr_assert(eq(int, redir_ok_encode(out, c->n - 1, &len, &c->ok, c->caps), REDIR_E_NOSPACE));
    cr_assert(eq(sz, len, c->n));
    for (size_t i = c->n - 1; i < sizeof out; i++) {
        cr_assert(eq(u8, out[i], 0xA5), "byte %zu written past cap", i);
    }
}

/* expect_trunc_field: k bytes of a field of `size` bytes starting at `start`
 * (lenenc: the first byte announces the size) were available. */
static void expect_trunc_field(const redir_diag *d, size_t k, size_t start, size_t size,
                               bool lenenc) {
    if (k == start) {
        /* nothing of the field seen: only "one more byte" is known */
        cr_assert(eq(sz, d->offset, start), "prefix %zu", k);
        cr_assert(eq(sz, d->needed, lenenc ? 1 : size), "prefix %zu", k);
    } else if (!lenenc) {
        cr_assert(eq(sz, d->offset, start), "prefix %zu", k);
        cr_assert(eq(sz, d->needed, start + size - k), "prefix %zu", k);
    } else {
        cr_assert(eq(sz, d->offset, start + 1), "prefix %zu", k);
        cr_assert(eq(sz, d->needed, start + size - k), "prefix %zu", k);
    }
}

/* Every proper prefix either decodes to a shorter valid OK or fails with the
 * exact status, offset and shortfall the layout dictates. */
static void expect_prefixes(const ok_case *c) {
    const redir_ok *full = &c->ok;
    bool tracked = (c->caps & REDIR_CLIENT_SESSION_TRACK) != 0;
    size_t a = 1 + redir_lenenc_size(full->affected_rows);
    size_t b = a + redir_lenenc_size(full->last_insert_id);
    size_t s = b + (full->has_status ? 2 : 0);
    size_t w = s + (full->has_warnings ? 2 : 0);
    size_t info_end =
        full->info_form == REDIR_INFO_LENENC ? off_of(c, full->info) + full->info.len : w;
    size_t info_body = full->info_form == REDIR_INFO_LENENC ? off_of(c, full->info) : w;
    size_t block = full->has_session_state ? off_of(c, full->session_state) : c->n;
    for (size_t k = 0; k < c->n; k++) {
        const uint8_t *p = guard_copy(1, c->ref, k);
        redir_ok ok;
        redir_diag d = {0, 0};
        redir_status st = redir_ok_decode(&ok, &d, p, k, c->caps);
        if (k < w) {
            cr_assert(eq(int, st, REDIR_E_TRUNCATED), "prefix %zu", k);
            if (k < 1) {
                expect_trunc_field(&d, k, 0, 1, false);
            } else if (k < a) {
                expect_trunc_field(&d, k, 1, a - 1, true);
            } else if (k < b) {
                expect_trunc_field(&d, k, a, b - a, true);
            } else if (k < s) {
                expect_trunc_field(&d, k, b, 2, false);
            } else {
                expect_trunc_field(&d, k, s, 2, false);
            }
            expect_zeroed(&ok);
            continue;
        }
        if (!tracked) {
            cr_assert(eq(int, st, REDIR_OK), "prefix %zu", k);
            if (k == w) {
                cr_assert(eq(int, ok.info_form, REDIR_INFO_ABSENT));
            } else {
                cr_assert(ok.info_form != REDIR_INFO_ABSENT);
                cr_assert(ok.info.ptr + ok.info.len == p + k, "info runs to the end");
            }
            cr_assert(ok.has_session_state == false);
            continue;
        }
        if (k == w || k == info_end) {
            cr_assert(eq(int, st, REDIR_OK), "prefix %zu", k);
            cr_assert(eq(int, ok.info_form, k == w ? REDIR_INFO_ABSENT : REDIR_INFO_LENENC));
            cr_assert(eq(sz, ok.info.len, k == w ? 0 : full->info.len));
            cr_assert(ok.has_session_state == false);
        } else if (k < info_end) {
            cr_assert(eq(int, st, REDIR_E_TRUNCATED), "prefix %zu", k);
            if (k >= info_body) {
                cr_assert(eq(sz, d.offset, info_body));
                cr_assert(eq(sz, d.needed, info_end - k));
            }
            expect_zeroed(&ok);
        } else if (k < block) {
            cr_assert(eq(int, st, REDIR_E_TRUNCATED), "prefix %zu", k);
            expect_zeroed(&ok);
        } else {
            cr_assert(eq(int, st, REDIR_E_STATE_BLOCK), "prefix %zu", k);
            cr_assert(eq(sz, d.offset, block), "prefix %zu", k);
            expect_zeroed(&ok);
        }
    }
}

/* One more byte after a complete tracked packet is never silently accepted. */
static void expect_trailing_rejected(const ok_case *c) {
    uint8_t longer[600];
    memcpy(longer, c->ref, c->n);
    longer[c->n] = 0x00;
    const uint8_t *p = guard_copy(1, longer, c->n + 1);
    redir_ok ok;
    redir_diag d = {0, 0};
    redir_status st = redir_ok_decode(&ok, &d, p, c->n + 1, c->caps);
    bool tracked = (c->caps & REDIR_CLIENT_SESSION_TRACK) != 0;
    if (tracked &&
        (c->ok.has_session_state || (c->ok.info_form == REDIR_INFO_LENENC &&
                                     (c->ok.status & REDIR_STATUS_SESSION_STATE_CHANGED) == 0))) {
        cr_assert(eq(int, st, REDIR_E_TRAILING));
        cr_assert(eq(sz, d.offset, c->n));
    } else {
        /* the extra byte is an empty info, a zero-length block, or more info */
        cr_assert(eq(int, st, REDIR_OK));
    }
}

static size_t entry_start(redir_span block, const redir_session_entry *e) {
    return (size_t)(e->data.ptr - block.ptr) - redir_lenenc_size(e->data.len) - 1;
}

/* walk checks every entry, re-encodes each with put_entry byte for byte, and
 * checks that the iterator ends exactly at the end of the block. */
static void walk(const ok_case *c, const want_entry *want, size_t count) {
    redir_span block = c->ok.session_state;
    cr_assert(c->ok.has_session_state);
    redir_session_iter it;
    redir_session_iter_init(&it, block);
    uint8_t rebuilt[600];
    size_t len = 0;
    for (size_t i = 0; i < count; i++) {
        redir_session_entry e;
        redir_diag d = {0, 0};
        cr_assert(eq(int, redir_session_next(&it, &e, &d), REDIR_OK), "entry %zu", i);
        cr_assert(eq(u8, e.type, want[i].type), "entry %zu", i);
        cr_assert(eq(sz, e.data.len, want[i].data_len), "entry %zu", i);
        if (want[i].name != NULL) {
            ASSERT_SPAN(e.name, want[i].name);
        } else {
            cr_assert(eq(sz, e.name.len, 0));
        }
        if (want[i].value != NULL) {
            ASSERT_SPAN(e.value, want[i].value);
        } else {
            cr_assert(e.value.ptr == NULL);
        }
        cr_assert(eq(sz, e.more_pairs.len, 0));
        cr_assert(eq(int, e.state_change_nested, want[i].nested));
        cr_assert(eq(u8, e.gtid_spec, want[i].spec));
        size_t start = len;
        cr_assert(eq(int, redir_session_append_entry(rebuilt, sizeof rebuilt, &len, &e), REDIR_OK));
        size_t from = entry_start(block, &e);
        cr_assert(eq(sz, len - start, (size_t)(e.data.ptr + e.data.len - block.ptr) - from));
        cr_assert(eq(int, memcmp(rebuilt + start, block.ptr + from, len - start), 0),
                  "entry %zu re-encoded", i);
    }
    redir_session_entry e;
    cr_assert(eq(int, redir_session_next(&it, &e, NULL), REDIR_DONE));
    cr_assert(eq(int, redir_session_next(&it, &e, NULL), REDIR_DONE));
    cr_assert(eq(sz, len, block.len));
    if (len > 0) {
        cr_assert(eq(int, memcmp(rebuilt, block.ptr, len), 0));
    }
}

static void full_checks(const ok_case *c) {
    expect_roundtrip(c);
    expect_prefixes(c);
    expect_trailing_rejected(c);
}

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* ------------------------------------------------------------------------- */
/* MySQL 8.0.21, deepflow__mysql.pcap                                          */
/* ------------------------------------------------------------------------- */

Test(ok, deepflow_8021_auth_ok_schema) {
    /* frame 10: auth OK after the switch to mysql_native_password */
    ok_case c = decode_case("00 00 00 02 40 00 00 00 0b 01 09 08 64 65 65 70 66 6c 6f 77",
                            CAPS_DEEPFLOW_8021);
    expect_fields(&c, 0x00, 0, 0, 0x4002, 0);
    cr_assert(eq(int, c.ok.info_form, REDIR_INFO_LENENC));
    cr_assert(eq(sz, c.ok.info.len, 0));
    cr_assert(eq(sz, off_of(&c, c.ok.info), 8));
    cr_assert(eq(sz, c.ok.session_state.len, 11));
    cr_assert(eq(sz, off_of(&c, c.ok.session_state), 9));
    const want_entry want[] = {{REDIR_TRACK_SCHEMA, 9, NULL, "deepflow", false, 0}};
    walk(&c, want, COUNT(want));
    full_checks(&c);
}

Test(ok, deepflow_8021_set_names_three_sysvars) {
    /* frame 12: SET NAMES utf8 (one warning) */
    ok_case c = decode_case(
        "000000024001000059001a146368617261637465725f7365745f636c69656e740475746638001e18636861"
        "7261637465725f7365745f636f6e6e656374696f6e0475746638001b156368617261637465725f7365745f"
        "726573756c74730475746638",
        CAPS_DEEPFLOW_8021);
    expect_fields(&c, 0x00, 0, 0, 0x4002, 1);
    cr_assert(eq(int, c.ok.info_form, REDIR_INFO_LENENC));
    cr_assert(eq(sz, c.ok.info.len, 0));
    cr_assert(eq(sz, c.ok.session_state.len, 89));
    const want_entry want[] = {
        {REDIR_TRACK_SYSTEM_VARIABLES, 26, "character_set_client", "utf8", false, 0},
        {REDIR_TRACK_SYSTEM_VARIABLES, 30, "character_set_connection", "utf8", false, 0},
        {REDIR_TRACK_SYSTEM_VARIABLES, 27, "character_set_results", "utf8", false, 0},
    };
    walk(&c, want, COUNT(want));
    full_checks(&c);
}

Test(ok, deepflow_8021_autocommit_off) {
    /* frame 14: set autocommit=0 */
    ok_case c =
        decode_case("000000004000000011000f0a6175746f636f6d6d6974034f4646", CAPS_DEEPFLOW_8021);
    expect_fields(&c, 0x00, 0, 0, 0x4000, 0);
    cr_assert(eq(sz, c.ok.session_state.len, 17));
    const want_entry want[] = {
        {REDIR_TRACK_SYSTEM_VARIABLES, 15, "autocommit", "OFF", false, 0},
    };
    walk(&c, want, COUNT(want));
    full_checks(&c);
}

Test(ok, deepflow_8021_ok_as_eof_and_plain_ok) {
    /* frame 18 (last packet of SHOW WARNINGS) and frame 20 (rollback) */
    ok_case c = decode_case("fe 00 00 00 00 00 00", CAPS_DEEPFLOW_8021);
    expect_fields(&c, 0xFE, 0, 0, 0x0000, 0);
    cr_assert(eq(int, c.ok.info_form, REDIR_INFO_ABSENT));
    cr_assert(c.ok.has_session_state == false);
    full_checks(&c);

    ok_case p = decode_case("00 00 00 00 00 00 00", CAPS_DEEPFLOW_8021);
    expect_fields(&p, 0x00, 0, 0, 0x0000, 0);
    cr_assert(eq(int, p.ok.info_form, REDIR_INFO_ABSENT));
    full_checks(&p);
}

/* ------------------------------------------------------------------------- */
/* MySQL 8.0.32, zeek__caching_sha2_password-after-auth-switch.pcapng           */
/* ------------------------------------------------------------------------- */

Test(ok, zeek_8032_auth_ok_transaction_state_and_characteristics) {
    /* frame 11 */
    ok_case c = decode_case("00000002400000000e0509085f5f5f5f5f5f5f5f040100", CAPS_ZEEK_8032);
    expect_fields(&c, 0x00, 0, 0, 0x4002, 0);
    cr_assert(eq(sz, c.ok.session_state.len, 14));
    const want_entry want[] = {
        {REDIR_TRACK_TRANSACTION_STATE, 9, NULL, "________", false, 0},
        {REDIR_TRACK_TRANSACTION_CHARACTERISTICS, 1, NULL, "", false, 0},
    };
    walk(&c, want, COUNT(want));
    full_checks(&c);
}

Test(ok, zeek_8032_ok_as_eof_with_gtids) {
    /* frame 14, last packet of "select @@version_comment" */
    ok_case c = decode_case(
        "fe000002400000002c032a002865323436323934322d636134322d313165642d393861342d353430356462"
        "3761616435363a312d34",
        CAPS_ZEEK_8032);
    expect_fields(&c, 0xFE, 0, 0, 0x4002, 0);
    cr_assert(eq(sz, c.ok.session_state.len, 44));
    const want_entry want[] = {
        {REDIR_TRACK_GTIDS, 42, NULL, "e2462942-ca42-11ed-98a4-5405db7aad56:1-4", false, 0},
    };
    walk(&c, want, COUNT(want));
    full_checks(&c);
}

/* ------------------------------------------------------------------------- */
/* SCHEMA from MySQL 5.7.25 and 8.0.26                                          */
/* ------------------------------------------------------------------------- */

Test(ok, pcap2mysql_5725_auth_ok_schema) {
    /* pcap2mysql-log__compressed.pcap frame 8 (sent before compression starts) */
    ok_case c = decode_case("00000002400000000701050464656d6f", CAPS_PCAP2_5725);
    expect_fields(&c, 0x00, 0, 0, 0x4002, 0);
    const want_entry want[] = {{REDIR_TRACK_SCHEMA, 5, NULL, "demo", false, 0}};
    walk(&c, want, COUNT(want));
    full_checks(&c);
}

Test(ok, deepflow_8026_init_db_schema) {
    /* deepflow__mysql-table-create.pcap frame 16: COM_INIT_DB yuanchao */
    ok_case c = decode_case("00000002400000000b0109087975616e6368616f", CAPS_DEEPFLOW_8026);
    expect_fields(&c, 0x00, 0, 0, 0x4002, 0);
    const want_entry want[] = {{REDIR_TRACK_SCHEMA, 9, NULL, "yuanchao", false, 0}};
    walk(&c, want, COUNT(want));
    full_checks(&c);
}

Test(ok, zeek_selects_ok_as_eof) {
    /* zeek__selects_with_new_proto.pcap frame 15, after "show databases" */
    ok_case c = decode_case("fe 00 00 22 00 00 00", CAPS_ZEEK_SELECTS);
    expect_fields(&c, 0xFE, 0, 0, 0x0022, 0);
    cr_assert(eq(int, c.ok.info_form, REDIR_INFO_ABSENT));
    full_checks(&c);
}

Test(ok, arkime_5535_auth_ok_without_session_track) {
    ok_case c = decode_case("00 00 00 02 00 00 00", CAPS_ARKIME_5535);
    expect_fields(&c, 0x00, 0, 0, 0x0002, 0);
    cr_assert(eq(int, c.ok.info_form, REDIR_INFO_ABSENT));
    full_checks(&c);
}

/* ------------------------------------------------------------------------- */
/* MariaDB 10.11.19, loopback capture of the mariadb client                    */
/* ------------------------------------------------------------------------- */

Test(ok, mariadb_1011_auth_ok) {
    ok_case c = decode_case("00 00 00 02 00 00 00", CAPS_MARIADB_1011);
    expect_fields(&c, 0x00, 0, 0, 0x0002, 0);
    cr_assert(eq(int, c.ok.info_form, REDIR_INFO_ABSENT));
    full_checks(&c);
}

Test(ok, mariadb_1011_track_all_sysvars) {
    /* SET SESSION session_track_system_variables='*' */
    ok_case c = decode_case("00000002400000002300211e73657373696f6e5f747261636b5f73797374656d5f76"
                            "61726961626c6573012a",
                            CAPS_MARIADB_1011);
    expect_fields(&c, 0x00, 0, 0, 0x4002, 0);
    const want_entry want[] = {
        {REDIR_TRACK_SYSTEM_VARIABLES, 33, "session_track_system_variables", "*", false, 0},
    };
    walk(&c, want, COUNT(want));
    full_checks(&c);
}

Test(ok, mariadb_1011_state_change_raw_byte) {
    /* SET SESSION session_track_state_change=ON: the entry is 02 01 31 */
    ok_case c = decode_case("000000024000000023001e1a73657373696f6e5f747261636b5f73746174655f636861"
                            "6e6765024f4e020131",
                            CAPS_MARIADB_1011);
    expect_fields(&c, 0x00, 0, 0, 0x4002, 0);
    const want_entry want[] = {
        {REDIR_TRACK_SYSTEM_VARIABLES, 30, "session_track_state_change", "ON", false, 0},
        {REDIR_TRACK_STATE_CHANGE, 1, NULL, "1", false, 0},
    };
    walk(&c, want, COUNT(want));
    full_checks(&c);
}

Test(ok, mariadb_1011_track_schema_on) {
    ok_case c =
        decode_case("00000002400000001d00181473657373696f6e5f747261636b5f736368656d61024f4e020131",
                    CAPS_MARIADB_1011);
    expect_fields(&c, 0x00, 0, 0, 0x4002, 0);
    const want_entry want[] = {
        {REDIR_TRACK_SYSTEM_VARIABLES, 24, "session_track_schema", "ON", false, 0},
        {REDIR_TRACK_STATE_CHANGE, 1, NULL, "1", false, 0},
    };
    walk(&c, want, COUNT(want));
    full_checks(&c);
}

Test(ok, mariadb_1011_transaction_info_four_entries) {
    /* SET SESSION session_track_transaction_info=CHARACTERISTICS */
    ok_case c = decode_case(
        "000000024000000042002f1e73657373696f6e5f747261636b5f7472616e73616374696f6e5f696e666f0f"
        "4348415241435445524953544943530201310509085f5f5f5f5f5f5f5f040100",
        CAPS_MARIADB_1011);
    expect_fields(&c, 0x00, 0, 0, 0x4002, 0);
    cr_assert(eq(sz, c.ok.session_state.len, 66));
    const want_entry want[] = {
        {REDIR_TRACK_SYSTEM_VARIABLES, 47, "session_track_transaction_info", "CHARACTERISTICS",
         false, 0},
        {REDIR_TRACK_STATE_CHANGE, 1, NULL, "1", false, 0},
        {REDIR_TRACK_TRANSACTION_STATE, 9, NULL, "________", false, 0},
        {REDIR_TRACK_TRANSACTION_CHARACTERISTICS, 1, NULL, "", false, 0},
    };
    walk(&c, want, COUNT(want));
    full_checks(&c);
}

Test(ok, mariadb_1011_use_schema) {
    /* USE mysql */
    ok_case c = decode_case("00000002400000000b0106056d7973716c020131", CAPS_MARIADB_1011);
    expect_fields(&c, 0x00, 0, 0, 0x4002, 0);
    const want_entry want[] = {
        {REDIR_TRACK_SCHEMA, 6, NULL, "mysql", false, 0},
        {REDIR_TRACK_STATE_CHANGE, 1, NULL, "1", false, 0},
    };
    walk(&c, want, COUNT(want));
    full_checks(&c);
}

Test(ok, mariadb_1011_user_variable_state_change_only) {
    /* SET @a=1 */
    ok_case c = decode_case("000000024000000003020131", CAPS_MARIADB_1011);
    expect_fields(&c, 0x00, 0, 0, 0x4002, 0);
    const want_entry want[] = {{REDIR_TRACK_STATE_CHANGE, 1, NULL, "1", false, 0}};
    walk(&c, want, COUNT(want));
    full_checks(&c);
}

Test(ok, mariadb_1011_start_transaction_read_only) {
    ok_case c = decode_case("00000003600000002a050908545f5f5f5f5f5f5f041d1c5354415254205452414e53"
                            "414354494f4e2052454144204f4e4c593b",
                            CAPS_MARIADB_1011);
    expect_fields(&c, 0x00, 0, 0, 0x6003, 0);
    cr_assert(
        eq(u16, c.ok.status & REDIR_STATUS_IN_TRANS_READONLY, REDIR_STATUS_IN_TRANS_READONLY));
    const want_entry want[] = {
        {REDIR_TRACK_TRANSACTION_STATE, 9, NULL, "T_______", false, 0},
        {REDIR_TRACK_TRANSACTION_CHARACTERISTICS, 29, NULL, "START TRANSACTION READ ONLY;", false,
         0},
    };
    walk(&c, want, COUNT(want));
    full_checks(&c);
}

Test(ok, mariadb_1011_commit) {
    ok_case c = decode_case("00000002400000000e0509085f5f5f5f5f5f5f5f040100", CAPS_MARIADB_1011);
    expect_fields(&c, 0x00, 0, 0, 0x4002, 0);
    const want_entry want[] = {
        {REDIR_TRACK_TRANSACTION_STATE, 9, NULL, "________", false, 0},
        {REDIR_TRACK_TRANSACTION_CHARACTERISTICS, 1, NULL, "", false, 0},
    };
    walk(&c, want, COUNT(want));
    full_checks(&c);
}

/* ------------------------------------------------------------------------- */
/* redirect_spec.md §1.5 examples A, B, C                                      */
/* ------------------------------------------------------------------------- */

Test(ok, redirect_spec_a_auth_ok_with_redirect_url) {
    ok_case c = decode_case("00000002400000002e002c0c72656469726563745f75726c1e6d6172696164623a2f"
                            "2f6462322e6578616d706c652e636f6d3a33333036",
                            REDIR_CAPS_MARIADB_DEFAULT);
    expect_fields(&c, 0x00, 0, 0, 0x4002, 0);
    cr_assert(eq(int, c.ok.info_form, REDIR_INFO_LENENC));
    cr_assert(eq(sz, c.ok.info.len, 0));
    cr_assert(eq(sz, c.ok.session_state.len, 46));
    const want_entry want[] = {
        {REDIR_TRACK_SYSTEM_VARIABLES, 44, "redirect_url", "mariadb://db2.example.com:3306", false,
         0},
    };
    walk(&c, want, COUNT(want));
    full_checks(&c);
}

Test(ok, redirect_spec_b_redirect_inside_transaction) {
    ok_case c = decode_case(
        "00000003400000002500230c72656469726563745f75726c156d7973716c3a2f2f31302e302e302e373a3333"
        "3037",
        REDIR_CAPS_MARIADB_DEFAULT);
    expect_fields(&c, 0x00, 0, 0, 0x4003, 0);
    cr_assert(eq(u16, c.ok.status & REDIR_STATUS_IN_TRANS, REDIR_STATUS_IN_TRANS));
    const want_entry want[] = {
        {REDIR_TRACK_SYSTEM_VARIABLES, 35, "redirect_url", "mysql://10.0.0.7:3307", false, 0},
    };
    walk(&c, want, COUNT(want));
    full_checks(&c);
}

Test(ok, redirect_spec_c_first_ok_default_list_empty_redirect) {
    ok_case c = decode_case(
        "000000024000000095000e0a6175746f636f6d6d6974024f4e001d146368617261637465725f7365745f63"
        "6c69656e7407757466386d62340021186368617261637465725f7365745f636f6e6e656374696f6e077574"
        "66386d6234001e156368617261637465725f7365745f726573756c747307757466386d6234000e0c726564"
        "69726563745f75726c0000110974696d655f7a6f6e650653595354454d",
        REDIR_CAPS_MARIADB_DEFAULT);
    cr_assert(eq(sz, c.n, 0x9e));
    expect_fields(&c, 0x00, 0, 0, 0x4002, 0);
    cr_assert(eq(sz, c.ok.session_state.len, 149));
    const want_entry want[] = {
        {REDIR_TRACK_SYSTEM_VARIABLES, 14, "autocommit", "ON", false, 0},
        {REDIR_TRACK_SYSTEM_VARIABLES, 29, "character_set_client", "utf8mb4", false, 0},
        {REDIR_TRACK_SYSTEM_VARIABLES, 33, "character_set_connection", "utf8mb4", false, 0},
        {REDIR_TRACK_SYSTEM_VARIABLES, 30, "character_set_results", "utf8mb4", false, 0},
        {REDIR_TRACK_SYSTEM_VARIABLES, 14, "redirect_url", "", false, 0},
        {REDIR_TRACK_SYSTEM_VARIABLES, 17, "time_zone", "SYSTEM", false, 0},
    };
    walk(&c, want, COUNT(want));
    full_checks(&c);
}

/* ------------------------------------------------------------------------- */
/* codec_anchors.md §4.9 / §4.10 examples                                      */
/* ------------------------------------------------------------------------- */

Test(ok, anchors_plain_ok_doc_example) {
    /* 07 00 00 02 | 00 00 00 02 00 00 00 */
    ok_case c = decode_case("00 00 00 02 00 00 00", REDIR_CLIENT_PROTOCOL_41);
    expect_fields(&c, 0x00, 0, 0, 0x0002, 0);
    cr_assert(eq(int, c.ok.info_form, REDIR_INFO_ABSENT));
    full_checks(&c);
}

Test(ok, anchors_mariadb_ok_as_eof) {
    ok_case c = decode_case("fe 00 00 22 00 00 00", REDIR_CAPS_MARIADB_DEFAULT);
    expect_fields(&c, 0xFE, 0, 0, 0x0022, 0);
    full_checks(&c);
}

Test(ok, anchors_bulk_info_lenenc_with_and_without_session_track) {
    static const char hex[] = "00020002000000265265636f7264733a203220204475706c6963617465733a2030"
                              "20205761726e696e67733a2030";
    ok_case t = decode_case(hex, REDIR_CAPS_MARIADB_DEFAULT);
    expect_fields(&t, 0x00, 2, 0, 0x0002, 0);
    cr_assert(eq(int, t.ok.info_form, REDIR_INFO_LENENC));
    ASSERT_SPAN(t.ok.info, "Records: 2  Duplicates: 0  Warnings: 0");
    cr_assert(t.ok.has_session_state == false);
    full_checks(&t);

    uint64_t untracked = REDIR_CAPS_MARIADB_DEFAULT & ~REDIR_CLIENT_SESSION_TRACK;
    ok_case u = decode_case(hex, untracked);
    expect_fields(&u, 0x00, 2, 0, 0x0002, 0);
    cr_assert(eq(int, u.ok.info_form, REDIR_INFO_LENENC));
    ASSERT_SPAN(u.ok.info, "Records: 2  Duplicates: 0  Warnings: 0");
    full_checks(&u);
}

Test(ok, untracked_info_in_eof_form) {
    /* the documented string<EOF> form: 'R' (82) is no fitting length, so the rest */
    ok_case c = decode_case("00010002000000526f7773206d6174636865643a203120204368616e6765643a2031"
                            "20205761726e696e67733a2030",
                            REDIR_CLIENT_PROTOCOL_41);
    expect_fields(&c, 0x00, 1, 0, 0x0002, 0);
    cr_assert(eq(int, c.ok.info_form, REDIR_INFO_EOF));
    ASSERT_SPAN(c.ok.info, "Rows matched: 1  Changed: 1  Warnings: 0");
    full_checks(&c);
}

Test(ok, untracked_info_lenenc_only_when_it_fills_the_rest) {
    /* 01 41 is a whole lenenc string but 42 follows: the rest is string<EOF> */
    ok_case c = decode_case("00 00 00 02 00 00 00 01 41 42", CAPS_ARKIME_5535);
    cr_assert(eq(int, c.ok.info_form, REDIR_INFO_EOF));
    cr_assert(eq(sz, c.ok.info.len, 3));
    cr_assert(eq(sz, off_of(&c, c.ok.info), 7));
    full_checks(&c);
    ok_case l = decode_case("00 00 00 02 00 00 00 02 41 42", CAPS_ARKIME_5535);
    cr_assert(eq(int, l.ok.info_form, REDIR_INFO_LENENC));
    ASSERT_SPAN(l.ok.info, "AB");
    full_checks(&l);
    ok_case e = decode_case("00 00 00 02 00 00 00 00", CAPS_ARKIME_5535);
    cr_assert(eq(int, e.ok.info_form, REDIR_INFO_LENENC));
    cr_assert(eq(sz, e.ok.info.len, 0));
    full_checks(&e);
}

Test(ok, anchors_synthetic_schema_state_change_transaction_state) {
    ok_case c = decode_case("00000003400000001501050474657374020131050908545f5f5f5f5f5f5f",
                            REDIR_CAPS_MARIADB_DEFAULT);
    expect_fields(&c, 0x00, 0, 0, 0x4003, 0);
    const want_entry want[] = {
        {REDIR_TRACK_SCHEMA, 5, NULL, "test", false, 0},
        {REDIR_TRACK_STATE_CHANGE, 1, NULL, "1", false, 0},
        {REDIR_TRACK_TRANSACTION_STATE, 9, NULL, "T_______", false, 0},
    };
    walk(&c, want, COUNT(want));
    full_checks(&c);
}

Test(ok, anchors_mariadb_redirect_after_auth) {
    ok_case c = decode_case("00000002400000002700250c72656469726563745f75726c176d6172696164623a2f"
                            "2f31302e302e302e373a33333036",
                            REDIR_CAPS_MARIADB_DEFAULT);
    expect_fields(&c, 0x00, 0, 0, 0x4002, 0);
    const want_entry want[] = {
        {REDIR_TRACK_SYSTEM_VARIABLES, 37, "redirect_url", "mariadb://10.0.0.7:3306", false, 0},
    };
    walk(&c, want, COUNT(want));
    full_checks(&c);
}

Test(ok, large_counters_and_info_with_block) {
    /* affected rows 65536 (fd), insert id 2^32 (fe), a message and a block */
    ok_case c = decode_case("00 fd 00 00 01 fe 00 00 00 00 01 00 00 00 02 40 03 00"
                            " 02 68 69 03 02 01 31",
                            REDIR_CAPS_MARIADB_DEFAULT);
    expect_fields(&c, 0x00, 65536, UINT64_C(0x100000000), 0x4002, 3);
    ASSERT_SPAN(c.ok.info, "hi");
    cr_assert(eq(sz, off_of(&c, c.ok.session_state), 22));
    const want_entry want[] = {{REDIR_TRACK_STATE_CHANGE, 1, NULL, "1", false, 0}};
    walk(&c, want, COUNT(want));
    full_checks(&c);
}

Test(ok, transactions_without_protocol_41_has_status_only) {
    ok_case c = decode_case("00 05 07 03 00", REDIR_CLIENT_TRANSACTIONS);
    cr_assert(eq(u64, c.ok.affected_rows, 5));
    cr_assert(eq(u64, c.ok.last_insert_id, 7));
    cr_assert(c.ok.has_status);
    cr_assert(eq(u16, c.ok.status, 3));
    cr_assert(c.ok.has_warnings == false);
    cr_assert(eq(int, c.ok.info_form, REDIR_INFO_ABSENT));
    full_checks(&c);

    ok_case old = decode_case("00 05 07", 0);
    cr_assert(old.ok.has_status == false);
    cr_assert(eq(u64, old.ok.last_insert_id, 7));
    expect_roundtrip(&old);
}

Test(ok, bad_header) {
    static const uint8_t in[] = {0x01, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00};
    const uint8_t *g = guard_copy(0, in, sizeof in);
    redir_ok ok;
    redir_diag d = {9, 9};
    cr_assert(eq(int, redir_ok_decode(&ok, &d, g, sizeof in, REDIR_CAPS_MARIADB_DEFAULT),
                 REDIR_E_BAD_HEADER));
    cr_assert(eq(sz, d.offset, 0));
    expect_zeroed(&ok);
    const uint8_t ff[] = {0xFF, 0x15, 0x04};
    cr_assert(eq(int, redir_ok_decode(&ok, &d, guard_copy(0, ff, 3), 3, 0), REDIR_E_BAD_HEADER));
}

Test(ok, encoder_builds_tracked_ok_from_fields) {
    uint8_t block[64];
    size_t blen = 0;
    cr_assert(
        eq(int,
           redir_session_append_sysvar(block, sizeof block, &blen, redir_span_of("redirect_url", 12),
                                    redir_span_of("mariadb://10.0.0.7:3306", 23)),
           REDIR_OK));
    redir_ok ok;
    memset(&ok, 0, sizeof ok);
    ok.has_status = true;
    ok.status = REDIR_STATUS_AUTOCOMMIT | REDIR_STATUS_SESSION_STATE_CHANGED;
    ok.has_warnings = true;
    ok.info_form = REDIR_INFO_LENENC;
    ok.has_session_state = true;
    ok.session_state = redir_span_of(block, blen);
    uint8_t out[128];
    size_t len = 0;
    cr_assert(
        eq(int, redir_ok_encode(out, sizeof out, &len, &ok, REDIR_CAPS_MARIADB_DEFAULT), REDIR_OK));
    size_t n;
    const uint8_t *want = hexbuf(1,
                                 "00000002400000002700250c72656469726563745f75726c176d61726961"
                                 "64623a2f2f31302e302e302e373a33333036",
                                 &n);
    cr_assert(eq(sz, len, n));
    cr_assert(eq(int, memcmp(out, want, n), 0));
}

Test(ok, encoder_rejects_fields_the_decoder_cannot_produce) {
    const uint64_t caps = REDIR_CAPS_MARIADB_DEFAULT;
    redir_ok base;
    memset(&base, 0, sizeof base);
    base.has_status = true;
    base.has_warnings = true;
    base.status = REDIR_STATUS_SESSION_STATE_CHANGED;
    base.info_form = REDIR_INFO_LENENC;
    base.has_session_state = true;
    base.session_state = redir_span_of("\x02\x01\x31", 3);
    uint8_t out[64];
    size_t len = 7;
    cr_assert(eq(int, redir_ok_encode(out, sizeof out, &len, &base, caps), REDIR_OK));
    cr_assert(eq(sz, len, 12));

    redir_ok ok = base;
    ok.header = 0x01;
    cr_assert(eq(int, redir_ok_encode(out, sizeof out, &len, &ok, caps), REDIR_E_INVALID_ARGUMENT));
    cr_assert(eq(sz, len, 0));
    ok = base;
    ok.has_warnings = false;
    cr_assert(eq(int, redir_ok_encode(out, sizeof out, &len, &ok, caps), REDIR_E_INVALID_ARGUMENT));
    ok = base;
    ok.has_status = false;
    cr_assert(eq(int, redir_ok_encode(out, sizeof out, &len, &ok, caps), REDIR_E_INVALID_ARGUMENT));
    ok = base;
    ok.info_form = REDIR_INFO_ABSENT;
    cr_assert(eq(int, redir_ok_encode(out, sizeof out, &len, &ok, caps), REDIR_E_INVALID_ARGUMENT));
    ok = base;
    ok.has_session_state = false;
    ok.info_form = REDIR_INFO_ABSENT;
    ok.info = redir_span_of("x", 1);
    cr_assert(eq(int, redir_ok_encode(out, sizeof out, &len, &ok, caps), REDIR_E_INVALID_ARGUMENT));
    ok = base;
    ok.has_session_state = false;
    ok.info_form = REDIR_INFO_EOF;
    cr_assert(eq(int, redir_ok_encode(out, sizeof out, &len, &ok, caps), REDIR_E_INVALID_ARGUMENT));
    ok = base;
    ok.info_form = (redir_info_form)7;
    cr_assert(eq(int, redir_ok_encode(out, sizeof out, &len, &ok, caps), REDIR_E_INVALID_ARGUMENT));
    ok = base;
    ok.status = 0x0002;
    cr_assert(eq(int, redir_ok_encode(out, sizeof out, &len, &ok, caps), REDIR_E_INVALID_ARGUMENT));
    ok = base;
    cr_assert(eq(int,
                 redir_ok_encode(out, sizeof out, &len, &ok, caps & ~REDIR_CLIENT_SESSION_TRACK),
                 REDIR_E_INVALID_ARGUMENT));
    ok = base;
    ok.session_state = redir_span_of(NULL, 3);
    cr_assert(eq(int, redir_ok_encode(out, sizeof out, &len, &ok, caps), REDIR_E_INVALID_ARGUMENT));
    ok = base;
    ok.has_session_state = false;
    ok.info = redir_span_of(NULL, 1);
    cr_assert(eq(int, redir_ok_encode(out, sizeof out, &len, &ok, caps), REDIR_E_INVALID_ARGUMENT));
}
