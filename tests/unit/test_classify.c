/*
 * Classifying server packets by phase, capabilities, first byte and length,
 * checked on whole server streams from real captures.
 */
#include <criterion/criterion.h>
#include <criterion/new/assert.h>
#include <string.h>

#include "redir/packets.h"
#include "testutil.h"

#define DEPRECATE REDIR_CLIENT_DEPRECATE_EOF
#define CAPS_41 (REDIR_CLIENT_PROTOCOL_41 | REDIR_CLIENT_TRANSACTIONS)

static redir_kind classify_hex(redir_phase phase, uint64_t caps, const char *hex) {
    size_t n;
    const uint8_t *p = hexbuf(0, hex, &n);
    return redir_classify(phase, caps, guard_copy(0, p, n), n);
}

static redir_kind classify_fe(redir_phase phase, uint64_t caps, size_t len) {
    static uint8_t buf[REDIR_MAX_PACKET_PAYLOAD + 1];
    buf[0] = 0xFE;
    return redir_classify(phase, caps, buf, len);
}

Test(classify, kind_names_are_stable) {
    static const char *const names[] = {
        "unknown",
        "greeting",
        "ok",
        "err",
        "eof",
        "ok-as-eof",
        "auth-switch",
        "auth-switch-old",
        "auth-more-data",
        "auth-next-factor",
        "local-infile",
        "column-count",
        "column-def",
        "row",
    };
    cr_assert(eq(int, REDIR_KIND_ROW, 13));
    for (int k = REDIR_KIND_UNKNOWN; k <= REDIR_KIND_ROW; k++) {
        const char *got = redir_kind_name((redir_kind)k);
        cr_assert(eq(int, strcmp(got, names[k]), 0), "kind %d is '%s'", k, got);
    }
    cr_assert(eq(int, strcmp(redir_kind_name((redir_kind)14), "unknown"), 0));
    cr_assert(eq(int, strcmp(redir_kind_name((redir_kind)-1), "unknown"), 0));
}

Test(classify, empty_payload_is_unknown) {
    static const uint8_t b[1] = {0x00};
    for (int ph = REDIR_PHASE_CONNECT; ph <= REDIR_PHASE_ROWS; ph++) {
        cr_assert(eq(int, redir_classify((redir_phase)ph, ~UINT64_C(0), b, 0), REDIR_KIND_UNKNOWN));
        cr_assert(eq(int, redir_classify((redir_phase)ph, 0, NULL, 0), REDIR_KIND_UNKNOWN));
    }
}

Test(classify, err_in_every_phase) {
    for (int ph = REDIR_PHASE_CONNECT; ph <= REDIR_PHASE_ROWS; ph++) {
        cr_assert(eq(int, classify_hex((redir_phase)ph, 0, "ff 6a 04"), REDIR_KIND_ERR));
        cr_assert(eq(int, classify_hex((redir_phase)ph, DEPRECATE, "ff"), REDIR_KIND_ERR));
    }
}

Test(classify, connect_phase) {
    cr_assert(eq(int, classify_hex(REDIR_PHASE_CONNECT, 0, "0a 35 2e 35 00"), REDIR_KIND_GREETING));
    cr_assert(eq(int, classify_hex(REDIR_PHASE_CONNECT, 0, "09 00"), REDIR_KIND_UNKNOWN));
    cr_assert(
        eq(int, classify_hex(REDIR_PHASE_CONNECT, 0, "00 00 00 02 00 00 00"), REDIR_KIND_UNKNOWN));
}

Test(classify, auth_phase) {
    const uint64_t caps = REDIR_CAPS_MARIADB_DEFAULT;
    cr_assert(eq(int, classify_hex(REDIR_PHASE_AUTH, caps, "00 00 00 02 00 00 00"), REDIR_KIND_OK));
    cr_assert(eq(int, classify_hex(REDIR_PHASE_AUTH, caps, "fe"), REDIR_KIND_AUTH_SWITCH_OLD));
    cr_assert(eq(int, classify_hex(REDIR_PHASE_AUTH, caps, "fe 6d 79 00"), REDIR_KIND_AUTH_SWITCH));
    /* 0xFE during auth is never an EOF, however short */
    cr_assert(eq(int, classify_hex(REDIR_PHASE_AUTH, 0, "fe 00 00 02 00"), REDIR_KIND_AUTH_SWITCH));
    cr_assert(eq(int, classify_hex(REDIR_PHASE_AUTH, caps, "01 03"), REDIR_KIND_AUTH_MORE_DATA));
    cr_assert(eq(int, classify_hex(REDIR_PHASE_AUTH, caps, "02 61 00"), REDIR_KIND_UNKNOWN));
    cr_assert(eq(int, classify_hex(REDIR_PHASE_AUTH, REDIR_CLIENT_MULTI_FACTOR_AUTH, "02 61 00"),
                 REDIR_KIND_AUTH_NEXT_FACTOR));
    cr_assert(eq(int, classify_hex(REDIR_PHASE_AUTH, caps, "0a"), REDIR_KIND_UNKNOWN));
}

Test(classify, command_phase) {
    cr_assert(
        eq(int, classify_hex(REDIR_PHASE_COMMAND, CAPS_41, "00 00 00 02 00 00 00"), REDIR_KIND_OK));
    cr_assert(eq(int, classify_hex(REDIR_PHASE_COMMAND, CAPS_41, "fb 2f 74 6d 70"),
                 REDIR_KIND_LOCAL_INFILE));
    cr_assert(eq(int, classify_hex(REDIR_PHASE_COMMAND, CAPS_41, "01"), REDIR_KIND_COLUMN_COUNT));
    cr_assert(
        eq(int, classify_hex(REDIR_PHASE_COMMAND, CAPS_41, "fc 00 01"), REDIR_KIND_COLUMN_COUNT));
    cr_assert(
        eq(int, classify_hex(REDIR_PHASE_COMMAND, CAPS_41, "fe 00 00 02 00"), REDIR_KIND_EOF));
    cr_assert(eq(int,
                 classify_hex(REDIR_PHASE_COMMAND, CAPS_41 | DEPRECATE, "fe 00 00 02 00 00 00"),
                 REDIR_KIND_OK_AS_EOF));
    cr_assert(eq(int, classify_fe(REDIR_PHASE_COMMAND, CAPS_41, 9), REDIR_KIND_COLUMN_COUNT));
}

Test(classify, fe_length_limits) {
    /* without DEPRECATE_EOF: EOF below 9 bytes */
    cr_assert(eq(int, classify_fe(REDIR_PHASE_ROWS, CAPS_41, 1), REDIR_KIND_EOF));
    cr_assert(eq(int, classify_fe(REDIR_PHASE_ROWS, CAPS_41, 8), REDIR_KIND_EOF));
    cr_assert(eq(int, classify_fe(REDIR_PHASE_ROWS, CAPS_41, 9), REDIR_KIND_ROW));
    cr_assert(eq(int, classify_fe(REDIR_PHASE_COLUMNS, CAPS_41, 5), REDIR_KIND_EOF));
    cr_assert(eq(int, classify_fe(REDIR_PHASE_COLUMNS, CAPS_41, 9), REDIR_KIND_COLUMN_DEF));
    /* with it: OK-as-EOF below 0xFFFFFF bytes, long OKs with info included */
    const uint64_t d = CAPS_41 | DEPRECATE;
    cr_assert(eq(int, classify_fe(REDIR_PHASE_ROWS, d, 7), REDIR_KIND_OK_AS_EOF));
    cr_assert(eq(int, classify_fe(REDIR_PHASE_ROWS, d, 200), REDIR_KIND_OK_AS_EOF));
    cr_assert(eq(int, classify_fe(REDIR_PHASE_ROWS, d, REDIR_MAX_PACKET_PAYLOAD - 1),
                 REDIR_KIND_OK_AS_EOF));
    cr_assert(eq(int, classify_fe(REDIR_PHASE_ROWS, d, REDIR_MAX_PACKET_PAYLOAD), REDIR_KIND_ROW));
    cr_assert(eq(int, classify_fe(REDIR_PHASE_COLUMNS, d, 7), REDIR_KIND_OK_AS_EOF));
    cr_assert(eq(int, classify_fe(REDIR_PHASE_COLUMNS, d, REDIR_MAX_PACKET_PAYLOAD),
                 REDIR_KIND_COLUMN_DEF));
    cr_assert(eq(int, classify_fe(REDIR_PHASE_COMMAND, d, REDIR_MAX_PACKET_PAYLOAD),
                 REDIR_KIND_COLUMN_COUNT));
}

Test(classify, rows_and_columns) {
    /* text rows: 0x00 (empty first value) and 0xFB (NULL first value) are rows */
    cr_assert(eq(int, classify_hex(REDIR_PHASE_ROWS, CAPS_41, "00 01 31"), REDIR_KIND_ROW));
    cr_assert(eq(int, classify_hex(REDIR_PHASE_ROWS, CAPS_41, "fb"), REDIR_KIND_ROW));
    cr_assert(eq(int, classify_hex(REDIR_PHASE_ROWS, CAPS_41, "01 31"), REDIR_KIND_ROW));
    cr_assert(
        eq(int, classify_hex(REDIR_PHASE_COLUMNS, CAPS_41, "03 64 65 66"), REDIR_KIND_COLUMN_DEF));
    cr_assert(eq(int, classify_hex((redir_phase)9, CAPS_41, "00"), REDIR_KIND_UNKNOWN));
}

/* A whole server stream from a capture: phase given per packet. */
typedef struct step {
    redir_phase phase;
    const char *hex;
    redir_kind want;
} step;

static void run(const step *s, size_t count, uint64_t caps) {
    for (size_t i = 0; i < count; i++) {
        cr_assert(eq(int, classify_hex(s[i].phase, caps, s[i].hex), s[i].want), "packet %zu", i);
    }
}

Test(classify, mariadb_1011_stream_legacy_eof) {
    /* MariaDB 10.11.19 loopback capture: auth switch to the same plugin, then
     * SELECT DATABASE() with EOF packets (the client did not set DEPRECATE_EOF) */
    const step s[] = {
        {REDIR_PHASE_CONNECT, "0a352e352e352d31302e31312e31392d4d617269614442",
         REDIR_KIND_GREETING},
        {REDIR_PHASE_AUTH,
         "fe6d7973716c5f6e61746976655f70617373776f726400572550433e4d475b7456333862"
         "634a2b366c413f00",
         REDIR_KIND_AUTH_SWITCH},
        {REDIR_PHASE_AUTH, "00000002000000", REDIR_KIND_OK},
        {REDIR_PHASE_COMMAND, "0101", REDIR_KIND_COLUMN_COUNT},
        {REDIR_PHASE_COLUMNS, "036465660000000a4441544142415345282900000c2100c0000000fd0000270000",
         REDIR_KIND_COLUMN_DEF},
        {REDIR_PHASE_COLUMNS, "fe00000200", REDIR_KIND_EOF},
        {REDIR_PHASE_ROWS, "fb", REDIR_KIND_ROW},
        {REDIR_PHASE_ROWS, "fe00000200", REDIR_KIND_EOF},
        {REDIR_PHASE_COMMAND, "00000002400000000b0106056d7973716c020131", REDIR_KIND_OK},
    };
    run(s, sizeof s / sizeof s[0], UINT64_C(0x0000001d00bfa284));
}

Test(classify, zeek_8032_stream_deprecate_eof) {
    /* zeek__caching_sha2_password-after-auth-switch.pcapng */
    const step s[] = {
        {REDIR_PHASE_AUTH,
         "fe63616368696e675f736861325f70617373776f726400567a08772b5e04700254760122"
         "7e11341452503600",
         REDIR_KIND_AUTH_SWITCH},
        {REDIR_PHASE_AUTH, "0103", REDIR_KIND_AUTH_MORE_DATA},
        {REDIR_PHASE_AUTH, "00000002400000000e0509085f5f5f5f5f5f5f5f040100", REDIR_KIND_OK},
        {REDIR_PHASE_COMMAND, "02", REDIR_KIND_COLUMN_COUNT},
        {REDIR_PHASE_COLUMNS, "036465660000000a44415441424153452829000cff0088000000fd00001f0000",
         REDIR_KIND_COLUMN_DEF},
        {REDIR_PHASE_ROWS, "fb0e726f6f74406c6f63616c686f7374", REDIR_KIND_ROW},
        {REDIR_PHASE_ROWS,
         "fe000002400000002c032a002865323436323934322d636134322d313165642d3938"
         "61342d3534303564623761616435363a312d34",
         REDIR_KIND_OK_AS_EOF},
    };
    run(s, sizeof s / sizeof s[0], UINT64_C(0x19ffa685));
}

Test(classify, zeek_field_list_ends_with_ok_as_eof_among_columns) {
    /* zeek__caching_sha2_password.pcap frame 29: COM_FIELD_LIST reply */
    const step s[] = {
        {REDIR_PHASE_COLUMNS, "03646566047465737401740174016101610c3f000c0000000400001f0000",
         REDIR_KIND_COLUMN_DEF},
        {REDIR_PHASE_COLUMNS, "fe000002000000", REDIR_KIND_OK_AS_EOF},
    };
    run(s, sizeof s / sizeof s[0], UINT64_C(0x01ffa685));
}

Test(classify, zeek_auth_errors_before_and_after_greeting) {
    /* zeek__auth.pcap: 1130 instead of a greeting, 1045 after the response */
    cr_assert(eq(int, classify_hex(REDIR_PHASE_CONNECT, 0, "ff6a04486f737420"), REDIR_KIND_ERR));
    cr_assert(
        eq(int, classify_hex(REDIR_PHASE_AUTH, CAPS_41, "ff150423323830303041"), REDIR_KIND_ERR));
}
