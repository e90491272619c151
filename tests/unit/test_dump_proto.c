/* redir_dump: the per-flow protocol state machine (result sets, prepared
 * statements, multi-results, LOCAL INFILE, COM_CHANGE_USER, compression
 * negotiated at login). Payload bytes follow the formats servers send. */
#ifdef REDIR_HAVE_DUMP

#include <criterion/criterion.h>
#include <criterion/new/assert.h>
#include <stdio.h>
#include <string.h>

#include "dump.h"
#include "testutil.h"

#define MAX_EV 64

typedef struct rec {
    dump_kind kind;
    dump_dir dir;
    uint8_t seq;
    bool binary;
    bool param;
    bool login_ok;
    bool compressed;
    uint8_t answers;
} rec;

static rec recs[MAX_EV];
static size_t num_recs;
static dump_flow flow;
static dump_session *sess;
static uint32_t next_seq[2];
static uint64_t frame_no;

static void on_ev(void *ctx, const dump_event *ev) {
    (void)ctx;
    if (ev->flow != NULL) {
        flow = *ev->flow;
    }
    if (ev->type != DUMP_EV_PACKET || num_recs == MAX_EV) {
        return;
    }
    rec *r = &recs[num_recs++];
    r->kind = ev->packet.kind;
    r->dir = ev->packet.dir;
    r->seq = ev->packet.seq;
    r->binary = ev->packet.binary;
    r->param = ev->packet.param_def;
    r->login_ok = ev->packet.login_ok;
    r->compressed = ev->packet.in_compressed;
    r->answers = ev->packet.answers;
}

static void setup(void) {
    num_recs = 0;
    frame_no = 0;
    next_seq[0] = 100;
    next_seq[1] = 900;
    sess = dump_session_new(NULL, on_ev, NULL);
    cr_assert(sess != NULL);
}

static void teardown(void) { dump_session_free(sess); }

static void send_hex(dump_dir dir, const char *hex) {
    size_t n;
    const uint8_t *p = hexbuf(0, hex, &n);
    dump_segment s;
    memset(&s, 0, sizeof s);
    dump_endpoint c = {6, {0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}, 50000};
    dump_endpoint sv = {6, {0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2}, 3306};
    s.src = dir == DUMP_C2S ? c : sv;
    s.dst = dir == DUMP_C2S ? sv : c;
    s.flags = (frame_no == 0 && dir == DUMP_C2S) ? DUMP_TCP_SYN : DUMP_TCP_ACK;
    s.seq = next_seq[dir];
    s.ack = next_seq[1 - dir];
    s.payload = p;
    s.len = n;
    if (s.flags & DUMP_TCP_SYN) {
        s.len = 0;
        s.payload = NULL;
        dump_time t0 = {1, 0};
        dump_feed_segment(sess, t0, ++frame_no, &s);
        next_seq[dir]++;
        s.flags = DUMP_TCP_ACK;
        s.seq = next_seq[dir];
        s.payload = p;
        s.len = n;
    }
    dump_time t = {2, 0};
    dump_feed_segment(sess, t, ++frame_no, &s);
    next_seq[dir] += (uint32_t)n;
}

/* MySQL 8.0.21 greeting (from deepflow mysql.pcap), mysql_native_password. */
#define GREETING_8                                                                                \
    "4a 00 00 00 0a 38 2e 30 2e 32 31 00 4c ef b7 00 3d 50 46 70 12 6d 6b 11 00 ff f7 ff 02 00 " \
    "ff 87 15 00 00 00 00 00 00 00 00 00 00 7e 79 3c 71 6e 33 3d 70 65 39 79 71 00 6d 79 73 71 " \
    "6c 5f 6e 61 74 69 76 65 5f 70 61 73 73 77 6f 72 64 00"

/* Login: a handshake response for user "u" with the given client
 * capabilities, then the server's OK. */
static void login(uint32_t client_caps) {
    char body[1024];
    snprintf(body, sizeof body,
             "%02x %02x %02x %02x 00 00 00 01 21 "
             "00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 "
             "75 00 14 01 02 03 04 05 06 07 08 09 0a 0b 0c 0d 0e 0f 10 11 12 13 14 "
             "6d 79 73 71 6c 5f 6e 61 74 69 76 65 5f 70 61 73 73 77 6f 72 64 00",
             client_caps & 0xff, (client_caps >> 8) & 0xff, (client_caps >> 16) & 0xff,
             (client_caps >> 24) & 0xff);
    size_t n;
    (void)hexbuf(1, body, &n);
    char hex[1100];
    snprintf(hex, sizeof hex, "%02zx 00 00 01 %s", n, body);
    send_hex(DUMP_C2S, "");
    send_hex(DUMP_S2C, GREETING_8);
    send_hex(DUMP_C2S, hex);
    send_hex(DUMP_S2C, "07 00 00 02 00 00 00 02 00 00 00");
}

#define CAPS_41 0x000aa285u /* LONG_PASSWORD FOUND_ROWS PROTOCOL_41 TRANSACTIONS SECURE PLUGIN MULTI_RESULTS */
#define COLDEF(seq) "17 00 00 " seq " 03 64 65 66 00 00 00 01 61 00 0c 3f 00 0b 00 00 00 03 00 00 00 00 00"

static void expect(size_t i, dump_dir dir, dump_kind kind, uint8_t seq) {
    cr_assert(i < num_recs, "packet %zu missing (have %zu)", i, num_recs);
    cr_assert(eq(int, recs[i].dir, dir), "packet %zu", i);
    cr_assert(eq(int, recs[i].kind, kind), "packet %zu is %s", i, dump_kind_name(recs[i].kind));
    cr_assert(eq(u8, recs[i].seq, seq), "packet %zu", i);
}

TestSuite(dump_proto, .init = setup, .fini = teardown);

Test(dump_proto, text_result_set_with_eof) {
    login(CAPS_41);
    expect(0, DUMP_S2C, DUMP_K_GREETING, 0);
    expect(1, DUMP_C2S, DUMP_K_HANDSHAKE_RESPONSE, 1);
    expect(2, DUMP_S2C, DUMP_K_OK, 2);
    cr_assert(recs[2].login_ok);
    send_hex(DUMP_C2S, "09 00 00 00 03 73 65 6c 65 63 74 20 31");
    /* 1 column, its definition, EOF, one row starting with 0xFE-less data,
     * a row whose first byte is 0xFE with 9+ bytes (a long lenenc), EOF. */
    send_hex(DUMP_S2C, "01 00 00 01 01 " COLDEF("02") " 05 00 00 03 fe 00 00 02 00 "
                       "02 00 00 04 01 31 "
                       "0a 00 00 05 fe 01 00 00 00 00 00 00 00 78 "
                       "05 00 00 06 fe 00 00 02 00");
    expect(4, DUMP_S2C, DUMP_K_COLUMN_COUNT, 1);
    expect(5, DUMP_S2C, DUMP_K_COLUMN_DEF, 2);
    expect(6, DUMP_S2C, DUMP_K_EOF, 3);
    expect(7, DUMP_S2C, DUMP_K_ROW, 4);
    expect(8, DUMP_S2C, DUMP_K_ROW, 5);
    expect(9, DUMP_S2C, DUMP_K_EOF, 6);
    cr_assert(eq(u8, recs[9].answers, 0x03));
    cr_assert(eq(sz, num_recs, 10));
}

Test(dump_proto, multi_result_and_error_inside_rows) {
    login(CAPS_41);
    send_hex(DUMP_C2S, "05 00 00 00 03 63 61 6c 6c");
    /* First result ends with MORE_RESULTS_EXISTS (0x000a), then an OK. */
    send_hex(DUMP_S2C, "01 00 00 01 01 " COLDEF("02") " 05 00 00 03 fe 00 00 0a 00 "
                       "05 00 00 04 fe 00 00 0a 00 "
                       "07 00 00 05 00 00 00 02 00 00 00");
    expect(7, DUMP_S2C, DUMP_K_EOF, 4);
    expect(8, DUMP_S2C, DUMP_K_OK, 5);
    send_hex(DUMP_C2S, "05 00 00 00 03 63 61 6c 6c");
    send_hex(DUMP_S2C, "01 00 00 01 01 " COLDEF("02") " 05 00 00 03 fe 00 00 02 00 "
                       "02 00 00 04 01 31 "
                       "0d 00 00 05 ff 15 04 23 34 32 30 30 30 6f 6f 70 73");
    expect(13, DUMP_S2C, DUMP_K_ROW, 4);
    expect(14, DUMP_S2C, DUMP_K_ERR, 5);
    /* The flow is idle again: a ping is answered by an OK. */
    send_hex(DUMP_C2S, "01 00 00 00 0e");
    send_hex(DUMP_S2C, "07 00 00 01 00 00 00 02 00 00 00");
    expect(16, DUMP_S2C, DUMP_K_OK, 1);
}

Test(dump_proto, prepare_and_binary_rows) {
    login(CAPS_41);
    send_hex(DUMP_C2S, "0b 00 00 00 16 73 65 6c 65 63 74 20 3f 2c 61");
    /* prepare OK: id 1, 1 column, 1 param; param def + EOF, column def + EOF */
    send_hex(DUMP_S2C, "0c 00 00 01 00 01 00 00 00 01 00 01 00 00 00 00 " COLDEF("02")
                       " 05 00 00 03 fe 00 00 02 00 " COLDEF("04") " 05 00 00 05 fe 00 00 02 00");
    expect(4, DUMP_S2C, DUMP_K_PREPARE_OK, 1);
    expect(5, DUMP_S2C, DUMP_K_COLUMN_DEF, 2);
    cr_assert(recs[5].param);
    expect(6, DUMP_S2C, DUMP_K_EOF, 3);
    expect(7, DUMP_S2C, DUMP_K_COLUMN_DEF, 4);
    cr_assert(recs[7].param == false);
    expect(8, DUMP_S2C, DUMP_K_EOF, 5);
    send_hex(DUMP_C2S, "0a 00 00 00 17 01 00 00 00 00 01 00 00 00");
    send_hex(DUMP_S2C, "01 00 00 01 01 " COLDEF("02") " 05 00 00 03 fe 00 00 02 00 "
                       "03 00 00 04 00 00 07 05 00 00 05 fe 00 00 02 00");
    expect(13, DUMP_S2C, DUMP_K_ROW, 4);
    cr_assert(recs[13].binary);
    expect(14, DUMP_S2C, DUMP_K_EOF, 5);
    send_hex(DUMP_C2S, "05 00 00 00 19 01 00 00 00"); /* close: no answer */
    send_hex(DUMP_C2S, "01 00 00 00 0e");
    send_hex(DUMP_S2C, "07 00 00 01 00 00 00 02 00 00 00");
    expect(17, DUMP_S2C, DUMP_K_OK, 1);
    cr_assert(eq(u8, recs[17].answers, 0x0e));
}

Test(dump_proto, pipelined_commands_answered_in_order) {
    login(CAPS_41);
    send_hex(DUMP_C2S, "01 00 00 00 0e 01 00 00 00 09");
    send_hex(DUMP_S2C, "07 00 00 01 00 00 00 02 00 00 00 "
                       "0a 00 00 01 55 70 74 69 6d 65 3a 20 31 30");
    expect(3, DUMP_C2S, DUMP_K_COMMAND, 0);
    expect(4, DUMP_C2S, DUMP_K_COMMAND, 0);
    expect(5, DUMP_S2C, DUMP_K_OK, 1);
    cr_assert(eq(u8, recs[5].answers, 0x0e));
    expect(6, DUMP_S2C, DUMP_K_STATISTICS, 1);
    cr_assert(eq(u8, recs[6].answers, 0x09));
}

Test(dump_proto, local_infile_exchange) {
    login(CAPS_41);
    send_hex(DUMP_C2S, "05 00 00 00 03 6c 6f 61 64");
    send_hex(DUMP_S2C, "06 00 00 01 fb 2f 74 6d 70 78");
    send_hex(DUMP_C2S, "03 00 00 02 61 62 63 00 00 00 03");
    send_hex(DUMP_S2C, "07 00 00 04 00 01 00 02 00 00 00");
    expect(4, DUMP_S2C, DUMP_K_LOCAL_INFILE, 1);
    expect(5, DUMP_C2S, DUMP_K_INFILE_DATA, 2);
    expect(6, DUMP_C2S, DUMP_K_INFILE_DATA, 3);
    expect(7, DUMP_S2C, DUMP_K_OK, 4);
}

Test(dump_proto, change_user_goes_through_auth_again) {
    login(CAPS_41);
    send_hex(DUMP_C2S, "0a 00 00 00 11 62 6f 62 00 00 64 62 00 21");
    send_hex(DUMP_S2C, "2c 00 00 01 fe 6d 79 73 71 6c 5f 6e 61 74 69 76 65 5f 70 61 73 73 77 6f "
                       "72 64 00 01 02 03 04 05 06 07 08 09 0a 0b 0c 0d 0e 0f 10 11 12 13 14 00");
    cr_assert(eq(int, flow.phase, DUMP_PHASE_AUTH));
    send_hex(DUMP_C2S, "14 00 00 02 01 02 03 04 05 06 07 08 09 0a 0b 0c 0d 0e 0f 10 11 12 13 14");
    send_hex(DUMP_S2C, "07 00 00 03 00 00 00 02 00 00 00");
    expect(3, DUMP_C2S, DUMP_K_COMMAND, 0);
    expect(4, DUMP_S2C, DUMP_K_AUTH_SWITCH, 1);
    expect(5, DUMP_C2S, DUMP_K_AUTH_DATA, 2);
    expect(6, DUMP_S2C, DUMP_K_OK, 3);
    cr_assert(recs[6].login_ok);
    cr_assert(eq(int, flow.phase, DUMP_PHASE_COMMAND));
}

Test(dump_proto, failed_login_closes) {
    send_hex(DUMP_C2S, "");
    send_hex(DUMP_S2C, GREETING_8);
    send_hex(DUMP_C2S, "23 00 00 01 85 a2 0a 00 00 00 00 01 21 00 00 00 00 00 00 00 00 00 00 00 "
                       "00 00 00 00 00 00 00 00 00 00 00 00 75 00 00");
    send_hex(DUMP_S2C, "0d 00 00 02 ff 15 04 23 32 38 30 30 30 6e 6f 70 65");
    expect(2, DUMP_S2C, DUMP_K_ERR, 2);
    cr_assert(eq(int, flow.phase, DUMP_PHASE_CLOSED));
}

Test(dump_proto, compression_starts_after_login_ok) {
    login(CAPS_41 | REDIR_CLIENT_COMPRESS);
    /* A ping in a stored compressed frame, the OK in a deflated one:
     * zlib of "07 00 00 01 00 00 00 02 00 00 00". */
    send_hex(DUMP_C2S, "05 00 00 00 00 00 00 01 00 00 00 0e");
    send_hex(DUMP_S2C, "11 00 00 01 0b 00 00 78 9c 63 67 60 60 64 60 60 60 02 62 00 00 68 00 0b");
    expect(3, DUMP_C2S, DUMP_K_COMMAND, 0);
    cr_assert(recs[3].compressed);
    expect(4, DUMP_S2C, DUMP_K_OK, 1);
    cr_assert(recs[4].compressed);
    cr_assert(flow.compressed);
    cr_assert(flow.compression_detected == false);
}

#endif
