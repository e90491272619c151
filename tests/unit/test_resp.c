/*
 * The response tracker over real command-phase traffic (resp_vectors.h), and
 * synthetic exchanges for what the captures lack: cursors, LOCAL INFILE,
 * binlog streams, legacy EOF after prepare definitions, and every error.
 */
#include <criterion/criterion.h>
#include <criterion/new/assert.h>
#include <string.h>

#include "redir/command.h"
#include "resp_vectors.h"
#include "testutil.h"

#define MARIADB_CAPS UINT64_C(0x1c01bea30a) /* negotiated with DEPRECATE_EOF */
#define EOF_CAPS (REDIR_CLIENT_PROTOCOL_41 | REDIR_CLIENT_TRANSACTIONS | REDIR_CLIENT_SECURE_CONNECTION)
#define DEP_CAPS (EOF_CAPS | REDIR_CLIENT_DEPRECATE_EOF | REDIR_CLIENT_SESSION_TRACK)

/* feed_step sends one payload the way its direction says and checks kind and
 * completion; returns the event. */
static redir_resp_event feed_step(redir_resp_tracker *t, const step *s, size_t i,
                                  const char *name) {
    size_t n;
    const uint8_t *p = hexbuf(0, s->hex, &n);
    const uint8_t *g = guard_copy(0, p, n);
    redir_resp_event ev;
    redir_diag d = {0, 0};
    redir_status st = s->dir == C ? redir_resp_command(t, &ev, &d, g, n)
                                  : redir_resp_feed(t, &ev, &d, g, n);
    cr_assert(eq(int, st, REDIR_OK), "%s step %zu: %s at offset %zu", name, i,
              redir_status_name(st), d.offset);
    cr_assert(strcmp(redir_resp_kind_name(ev.kind), s->kind) == 0, "%s step %zu: %s, want %s",
              name, i, redir_resp_kind_name(ev.kind), s->kind);
    if (s->dir == S) {
        cr_assert(eq(int, ev.complete, s->complete), "%s step %zu complete", name, i);
    }
    return ev;
}

Test(resp, captures_classify_every_payload) {
    for (size_t k = 0; k < NUM_CAPTURES; k++) {
        const capture *c = &vec_captures[k];
        redir_resp_tracker t;
        redir_resp_init(&t, redir_caps_negotiate(c->server_caps, c->client_caps));
        size_t expected = 0, completed = 0;
        for (size_t i = 0; i < c->num_steps; i++) {
            redir_resp_event ev = feed_step(&t, &c->steps[i], i, c->name);
            if (ev.kind == REDIR_RESP_COMMAND && !ev.complete) {
                expected++;
            }
            if (c->steps[i].dir == S && ev.complete) {
                completed++;
            }
            cr_assert(eq(sz, ev.pending, expected - completed), "%s step %zu pending", c->name, i);
        }
        cr_assert(eq(sz, redir_resp_pending(&t), 0), "%s ends idle", c->name);
        cr_assert(eq(sz, completed, expected), "%s responses", c->name);
    }
}

Test(resp, prepared_details) {
    /* Prepare-OK, parameter and column indexes, binary rows, and the
     * pipelined execute of statement -1 answered after the prepare. */
    const capture *c = &vec_captures[0];
    redir_resp_tracker t;
    redir_resp_init(&t, redir_caps_negotiate(c->server_caps, c->client_caps));
    size_t rows = 0, binary_rows = 0;
    for (size_t i = 0; i < c->num_steps; i++) {
        redir_resp_event ev = feed_step(&t, &c->steps[i], i, c->name);
        if (ev.kind == REDIR_RESP_PREPARE_OK && ev.prepare_ok.statement_id == 3) {
            cr_assert(eq(u16, ev.prepare_ok.num_columns, 5));
            cr_assert(eq(u16, ev.prepare_ok.num_params, 1));
            cr_assert(eq(u8, ev.command, REDIR_COM_STMT_PREPARE));
        }
        if (ev.kind == REDIR_RESP_COLUMN_DEF && ev.index == 4 && ev.command == REDIR_COM_STMT_PREPARE) {
            cr_assert(eq(sz, ev.column.name.len, 8)); /* blob_col */
            cr_assert(eq(u8, ev.column.type, REDIR_TYPE_BLOB));
            cr_assert(ev.column.has_ext_metadata);
        }
        if (ev.kind == REDIR_RESP_COLUMN_COUNT && ev.command == REDIR_COM_STMT_EXECUTE) {
            cr_assert(ev.column_count.has_metadata_follows);
        }
        if (ev.kind == REDIR_RESP_ROW) {
            rows++;
            binary_rows += ev.binary;
            cr_assert(eq(int, ev.binary, ev.command == REDIR_COM_STMT_EXECUTE));
        }
    }
    cr_assert(eq(sz, rows, 4));
    cr_assert(eq(sz, binary_rows, 3));
}

Test(resp, multi_result_more_results) {
    const capture *c = &vec_captures[1];
    redir_resp_tracker t;
    redir_resp_init(&t, redir_caps_negotiate(c->server_caps, c->client_caps));
    size_t more = 0;
    for (size_t i = 0; i < c->num_steps; i++) {
        redir_resp_event ev = feed_step(&t, &c->steps[i], i, c->name);
        if (ev.more_results) {
            more++;
            cr_assert(not(ev.complete));
            cr_assert(ev.has_status);
            cr_assert(ne(int, ev.status & REDIR_STATUS_MORE_RESULTS_EXISTS, 0));
        }
    }
    /* The row terminators before another result: two in the CALL (its final
     * OK has none), one between two statements, one before the ERR. */
    cr_assert(eq(sz, more, 4));
}

Test(resp, progress_reports_do_not_end_the_response) {
    const capture *c = &vec_captures[3];
    redir_resp_tracker t;
    redir_resp_init(&t, redir_caps_negotiate(c->server_caps, c->client_caps));
    size_t progress = 0;
    for (size_t i = 0; i < c->num_steps; i++) {
        redir_resp_event ev = feed_step(&t, &c->steps[i], i, c->name);
        if (ev.kind == REDIR_RESP_PROGRESS) {
            progress++;
            cr_assert(ev.err.is_progress);
            cr_assert(eq(sz, ev.pending, 1));
        }
    }
    cr_assert(eq(sz, progress, 2));
}

Test(resp, progress_without_capability_is_an_err) {
    size_t n;
    const uint8_t *p = hexbuf(1, "ffffff010102e7030011636f707920746f20746d70207461626c65", &n);
    redir_resp_tracker t;
    redir_resp_event ev;
    redir_resp_init(&t, EOF_CAPS);
    cr_assert(eq(int, redir_resp_command(&t, &ev, NULL, (const uint8_t *)"\x03x", 2), REDIR_OK));
    cr_assert(eq(int, redir_resp_feed(&t, &ev, NULL, p, n), REDIR_OK));
    cr_assert(eq(int, ev.kind, REDIR_RESP_ERR));
    cr_assert(ev.complete);
}

Test(resp, change_user_awaits_the_client) {
    const capture *c = &vec_captures[4];
    redir_resp_tracker t;
    redir_resp_init(&t, redir_caps_negotiate(c->server_caps, c->client_caps));
    for (size_t i = 0; i < 7; i++) {
        (void)feed_step(&t, &c->steps[i], i, c->name);
        if (i == 6) { /* right after the auth switch */
            cr_assert(redir_resp_awaiting_client(&t));
            size_t n;
            const uint8_t *ok = hexbuf(1, "00000002000000", &n);
            redir_resp_event ev;
            redir_diag d = {9, 9};
            cr_assert(eq(int, redir_resp_feed(&t, &ev, &d, ok, n), REDIR_E_RESP_AWAITING_CLIENT));
            cr_assert(eq(sz, d.offset, 0));
            cr_assert(eq(int, ev.kind, REDIR_RESP_NONE));
        }
    }
}

/* ---------------------------------------------------------- synthetic runs */

typedef struct sstep {
    vec_dir dir;
    const char *hex;
    redir_resp_kind kind;
    bool complete;
} sstep;

static redir_resp_tracker run(uint64_t caps, const sstep *s, size_t n, redir_resp_event *last) {
    redir_resp_tracker t;
    redir_resp_init(&t, caps);
    for (size_t i = 0; i < n; i++) {
        size_t len;
        const uint8_t *p = hexbuf(0, s[i].hex, &len);
        const uint8_t *g = guard_copy(1, p, len);
        redir_diag d = {0, 0};
        redir_status st = s[i].dir == C ? redir_resp_command(&t, last, &d, g, len)
                                        : redir_resp_feed(&t, last, &d, g, len);
        cr_assert(eq(int, st, REDIR_OK), "step %zu: %s at %zu", i, redir_status_name(st),
                  d.offset);
        cr_assert(last->kind == s[i].kind, "step %zu: %s, want %s", i,
                  redir_resp_kind_name(last->kind), redir_resp_kind_name(s[i].kind));
        cr_assert(eq(int, last->complete, s[i].complete), "step %zu complete", i);
    }
    return t;
}

#define RUN(caps, arr, ev) run(caps, arr, sizeof arr / sizeof arr[0], ev)

/* One INT column named "a" (MySQL layout, no extended metadata). */
#define COLDEF_A "036465660000000161 00 0c 3f00 0b000000 03 0000 00 0000"

Test(resp, cursor_then_fetch_legacy_eof) {
    const sstep s[] = {
        {C, "17 01000000 01 01000000", REDIR_RESP_COMMAND, false}, /* execute, read-only cursor */
        {S, "01", REDIR_RESP_COLUMN_COUNT, false},
        {S, COLDEF_A, REDIR_RESP_COLUMN_DEF, false},
        {S, "fe 0000 4200", REDIR_RESP_EOF, true}, /* CURSOR_EXISTS | AUTOCOMMIT */
        {C, "1c 01000000 02000000", REDIR_RESP_COMMAND, false}, /* fetch 2 */
        {S, "00 00 01000000", REDIR_RESP_ROW, false},
        {S, "00 00 02000000", REDIR_RESP_ROW, false},
        {S, "fe 0000 4200", REDIR_RESP_EOF, true},
        {C, "1c 01000000 02000000", REDIR_RESP_COMMAND, false},
        {S, "fe 0000 c200", REDIR_RESP_EOF, true}, /* LAST_ROW_SENT */
    };
    redir_resp_event ev;
    redir_resp_tracker t = RUN(EOF_CAPS, s, &ev);
    cr_assert(eq(sz, redir_resp_pending(&t), 0));
}

Test(resp, cursor_flag_set_on_the_terminator) {
    const sstep s[] = {
        {C, "17 01000000 01 01000000", REDIR_RESP_COMMAND, false},
        {S, "01", REDIR_RESP_COLUMN_COUNT, false},
        {S, COLDEF_A, REDIR_RESP_COLUMN_DEF, false},
        {S, "fe 00 00 4200 0000", REDIR_RESP_OK_AS_EOF, true},
    };
    redir_resp_event ev;
    (void)RUN(DEP_CAPS, s, &ev);
    cr_assert(ev.cursor);
    /* Without the cursor flag the same bytes end an empty result set. */
    const sstep s2[] = {
        {C, "17 01000000 00 01000000", REDIR_RESP_COMMAND, false},
        {S, "01", REDIR_RESP_COLUMN_COUNT, false},
        {S, COLDEF_A, REDIR_RESP_COLUMN_DEF, false},
        {S, "fe 00 00 4200 0000", REDIR_RESP_OK_AS_EOF, true},
    };
    (void)RUN(DEP_CAPS, s2, &ev);
    cr_assert(not(ev.cursor));
}

Test(resp, local_infile_exchange) {
    const sstep s[] = {
        {C, "03 4c4f4144", REDIR_RESP_COMMAND, false},
        {S, "fb 2f746d702f78", REDIR_RESP_LOCAL_INFILE, false},
        {C, "310a320a", REDIR_RESP_INFILE_DATA, false},
        {C, "330a", REDIR_RESP_INFILE_DATA, false},
        {C, "", REDIR_RESP_INFILE_END, false},
        {S, "00 03 00 0200 0000", REDIR_RESP_OK, true},
        {C, "0e", REDIR_RESP_COMMAND, false},
        {S, "00 00 00 0200 0000", REDIR_RESP_OK, true},
    };
    redir_resp_event ev;
    redir_resp_tracker t = RUN(DEP_CAPS, s, &ev);
    cr_assert(not(redir_resp_awaiting_client(&t)));
}

Test(resp, local_infile_data_is_owed) {
    const sstep s[] = {
        {C, "03 4c4f4144", REDIR_RESP_COMMAND, false},
        {S, "fb 78", REDIR_RESP_LOCAL_INFILE, false},
    };
    redir_resp_event ev;
    redir_resp_tracker t = RUN(DEP_CAPS, s, &ev);
    cr_assert(eq(sz, ev.data.len, 1));
    cr_assert(redir_resp_awaiting_client(&t));
    redir_diag d = {5, 5};
    cr_assert(eq(int, redir_resp_feed(&t, &ev, &d, (const uint8_t *)"\x00\x00\x00\x02\x00\x00\x00", 7),
                 REDIR_E_RESP_AWAITING_CLIENT));
}

Test(resp, prepare_with_legacy_eofs) {
    const sstep s[] = {
        {C, "16 53454c454354203f", REDIR_RESP_COMMAND, false},
        {S, "00 07000000 0100 0100 00 0000", REDIR_RESP_PREPARE_OK, false},
        {S, "03646566000000013f000c3f0000000000068000000000", REDIR_RESP_PARAM_DEF, false},
        {S, "fe 0000 0200", REDIR_RESP_EOF, false},
        {S, COLDEF_A, REDIR_RESP_COLUMN_DEF, false},
        {S, "fe 0000 0200", REDIR_RESP_EOF, true},
        {C, "16 444f2031", REDIR_RESP_COMMAND, false},
        {S, "00 08000000 0000 0000 00 0000", REDIR_RESP_PREPARE_OK, true},
    };
    redir_resp_event ev;
    (void)RUN(EOF_CAPS, s, &ev);
}

Test(resp, prepare_metadata_skipped) {
    /* MySQL sends a metadata-follows byte; 0 means no definitions follow. */
    const sstep s[] = {
        {C, "16 53454c454354203f", REDIR_RESP_COMMAND, false},
        {S, "00 07000000 0100 0100 00 0000 00", REDIR_RESP_PREPARE_OK, true},
    };
    redir_resp_event ev;
    (void)RUN(DEP_CAPS | REDIR_CLIENT_OPTIONAL_RESULTSET_METADATA, s, &ev);
    cr_assert(ev.prepare_ok.has_metadata_follows);
}

Test(resp, commands_without_response) {
    const sstep s[] = {
        {C, "18 01000000 0000 6162", REDIR_RESP_COMMAND, true},
        {C, "19 01000000", REDIR_RESP_COMMAND, true},
        {C, "01", REDIR_RESP_COMMAND, true},
    };
    redir_resp_event ev;
    redir_resp_tracker t = RUN(DEP_CAPS, s, &ev);
    cr_assert(eq(sz, redir_resp_pending(&t), 0));
    cr_assert(eq(int, redir_resp_command(&t, &ev, NULL, (const uint8_t *)"\x0e", 1),
                 REDIR_E_RESP_UNEXPECTED));
}

Test(resp, set_option_and_debug_answer_with_eof) {
    const sstep s[] = {
        {C, "1b 0000", REDIR_RESP_COMMAND, false},
        {S, "fe 0000 0200", REDIR_RESP_EOF, true},
        {C, "0d", REDIR_RESP_COMMAND, false},
        {S, "fe 0000 0200", REDIR_RESP_EOF, true},
    };
    redir_resp_event ev;
    (void)RUN(EOF_CAPS, s, &ev);
}

Test(resp, binlog_stream) {
    const sstep s[] = {
        {C, "12 04000000 0000 01000000 6d7973716c2d62696e2e303030303031", REDIR_RESP_COMMAND, false},
        {S, "00 0000000004010000002c00000000000000200004", REDIR_RESP_BINLOG_EVENT, false},
        {S, "00 01020304", REDIR_RESP_BINLOG_EVENT, false},
        {S, "fe 0000 0200", REDIR_RESP_EOF, true},
    };
    redir_resp_event ev;
    (void)RUN(EOF_CAPS, s, &ev);
}

Test(resp, change_user_with_more_data_and_client_answer) {
    const sstep s[] = {
        {C, "11 7500 00 00 2d00", REDIR_RESP_COMMAND, false},
        {S, "01 04", REDIR_RESP_AUTH_MORE_DATA, false},
        {C, "7077 00", REDIR_RESP_AUTH_DATA, false},
        {S, "01 03", REDIR_RESP_AUTH_MORE_DATA, false},
        {S, "00 00 00 0200 0000", REDIR_RESP_OK, true},
    };
    redir_resp_event ev;
    (void)RUN(DEP_CAPS, s, &ev);
}

Test(resp, unknown_command_shapes) {
    redir_resp_tracker t;
    redir_resp_event ev;
    redir_resp_init(&t, DEP_CAPS);
    cr_assert(eq(int, redir_resp_expect_unknown(&t, NULL), REDIR_OK));
    size_t n;
    const uint8_t *p = hexbuf(0, "00 05000000 0000 0000 00 0000", &n);
    cr_assert(eq(int, redir_resp_feed(&t, &ev, NULL, p, n), REDIR_OK));
    cr_assert(eq(int, ev.kind, REDIR_RESP_PREPARE_OK));
    cr_assert(not(ev.command_known));
    cr_assert(ev.complete);
    cr_assert(eq(int, redir_resp_expect_unknown(&t, NULL), REDIR_OK));
    p = hexbuf(0, "01", &n);
    cr_assert(eq(int, redir_resp_feed(&t, &ev, NULL, p, n), REDIR_OK));
    cr_assert(eq(int, ev.kind, REDIR_RESP_COLUMN_COUNT));
    cr_assert(eq(int, ev.binary, false));
    cr_assert(eq(int, redir_resp_expect_unknown(&t, NULL), REDIR_OK));
    cr_assert(eq(sz, redir_resp_pending(&t), 2));
    redir_resp_abandon(&t);
    cr_assert(eq(sz, redir_resp_pending(&t), 1));
    p = hexbuf(0, "00 00 00 0200 0000", &n);
    cr_assert(eq(int, redir_resp_feed(&t, &ev, NULL, p, n), REDIR_OK));
    cr_assert(eq(int, ev.kind, REDIR_RESP_OK));
    cr_assert(eq(sz, redir_resp_pending(&t), 0));
}

/* ------------------------------------------------------------------- errors */

static void expect_fail(uint64_t caps, const sstep *pre, size_t npre, const char *hex,
                        vec_dir dir, redir_status want, size_t want_off) {
    redir_resp_event ev;
    redir_resp_tracker t = run(caps, pre, npre, &ev);
    redir_resp_tracker before = t;
    size_t n;
    const uint8_t *p = hexbuf(2, hex, &n);
    const uint8_t *g = guard_copy(2, p, n);
    redir_diag d = {99, 99};
    redir_status st = dir == C ? redir_resp_command(&t, &ev, &d, g, n)
                               : redir_resp_feed(&t, &ev, &d, g, n);
    cr_assert(st == want, "%s, want %s", redir_status_name(st), redir_status_name(want));
    cr_assert(eq(sz, d.offset, want_off));
    cr_assert(eq(int, ev.kind, REDIR_RESP_NONE));
    cr_assert(eq(int, memcmp(&t, &before, sizeof t), 0), "a failed call leaves the tracker as it was");
}

#define FAIL(caps, pre, hex, dir, st, off) \
    expect_fail(caps, pre, sizeof pre / sizeof pre[0], hex, dir, st, off)

static const sstep q1[] = {{C, "03 73656c656374", REDIR_RESP_COMMAND, false}};
static const sstep q1_count2[] = {
    {C, "03 73656c656374", REDIR_RESP_COMMAND, false},
    {S, "02", REDIR_RESP_COLUMN_COUNT, false},
};
static const sstep q1_defs_done[] = {
    {C, "03 73656c656374", REDIR_RESP_COMMAND, false},
    {S, "01", REDIR_RESP_COLUMN_COUNT, false},
    {S, COLDEF_A, REDIR_RESP_COLUMN_DEF, false},
};

Test(resp_errors, nothing_outstanding) {
    redir_resp_tracker t;
    redir_resp_event ev;
    redir_diag d = {9, 9};
    redir_resp_init(&t, DEP_CAPS);
    cr_assert(eq(int, redir_resp_feed(&t, &ev, &d, (const uint8_t *)"\x00\x00\x00\x02\x00\x00\x00", 7),
                 REDIR_E_RESP_UNEXPECTED));
    cr_assert(eq(sz, d.offset, 0));
}

Test(resp_errors, empty_payloads) {
    FAIL(DEP_CAPS, q1, "", S, REDIR_E_EMPTY_PACKET, 0);
    FAIL(DEP_CAPS, q1, "", C, REDIR_E_EMPTY_PACKET, 0);
}

Test(resp_errors, queue_full) {
    redir_resp_tracker t;
    redir_resp_event ev;
    redir_resp_init(&t, DEP_CAPS);
    for (size_t i = 0; i < REDIR_RESP_QUEUE_CAP; i++) {
        cr_assert(eq(int, redir_resp_command(&t, &ev, NULL, (const uint8_t *)"\x0e", 1), REDIR_OK));
    }
    redir_diag d = {9, 9};
    cr_assert(eq(int, redir_resp_command(&t, &ev, &d, (const uint8_t *)"\x0e", 1),
                 REDIR_E_RESP_QUEUE_FULL));
    cr_assert(eq(sz, d.offset, 0));
    cr_assert(eq(int, redir_resp_expect_unknown(&t, NULL), REDIR_E_RESP_QUEUE_FULL));
    cr_assert(eq(sz, redir_resp_pending(&t), REDIR_RESP_QUEUE_CAP));
    /* Commands that get no response still pass. */
    cr_assert(eq(int, redir_resp_command(&t, &ev, NULL, (const uint8_t *)"\x19\x01\x00\x00\x00", 5),
                 REDIR_OK));
    for (size_t i = 0; i < REDIR_RESP_QUEUE_CAP; i++) {
        cr_assert(eq(int, redir_resp_feed(&t, &ev, NULL, (const uint8_t *)"\x00\x00\x00\x02\x00\x00\x00", 7),
                     REDIR_OK));
        cr_assert(ev.complete);
    }
    cr_assert(eq(sz, redir_resp_pending(&t), 0));
}

Test(resp_errors, unexpected_payloads) {
    /* A column count answering COM_PING. */
    static const sstep ping[] = {{C, "0e", REDIR_RESP_COMMAND, false}};
    FAIL(DEP_CAPS, ping, "01", S, REDIR_E_RESP_UNEXPECTED, 0);
    /* LOCAL INFILE answering COM_PING. */
    FAIL(DEP_CAPS, ping, "fb 78", S, REDIR_E_RESP_UNEXPECTED, 0);
    /* A progress report where no progress was negotiated is an ERR; where
     * it was, it is not allowed inside a result set. */
    FAIL(DEP_CAPS | REDIR_MARIADB_CLIENT_PROGRESS, q1_defs_done,
         "ffffff010102e7030011636f707920746f20746d70207461626c65", S, REDIR_E_RESP_UNEXPECTED, 0);
    /* An auth packet to COM_CHANGE_USER that is none. */
    static const sstep cu[] = {{C, "11 7500 00 00", REDIR_RESP_COMMAND, false}};
    FAIL(DEP_CAPS, cu, "05", S, REDIR_E_RESP_UNEXPECTED, 0);
    FAIL(DEP_CAPS, cu, "02 6162", S, REDIR_E_RESP_UNEXPECTED, 0);
    /* A fetch answered by something that is neither row nor terminator. */
    static const sstep fetch[] = {{C, "1c 01000000 01000000", REDIR_RESP_COMMAND, false}};
    FAIL(DEP_CAPS, fetch, "01", S, REDIR_E_RESP_UNEXPECTED, 0);
    static const sstep binlog[] = {{C, "12 04000000 0000 01000000", REDIR_RESP_COMMAND, false}};
    FAIL(EOF_CAPS, binlog, "05", S, REDIR_E_RESP_UNEXPECTED, 0);
}

Test(resp_errors, column_count_mismatch) {
    /* Fewer definitions than announced: the EOF comes early. */
    static const sstep one_def[] = {
        {C, "03 73656c656374", REDIR_RESP_COMMAND, false},
        {S, "02", REDIR_RESP_COLUMN_COUNT, false},
        {S, COLDEF_A, REDIR_RESP_COLUMN_DEF, false},
    };
    FAIL(EOF_CAPS, one_def, "fe 0000 0200", S, REDIR_E_RESP_COLUMN_MISMATCH, 0);
    /* More definitions than announced: a definition where the EOF is due. */
    FAIL(EOF_CAPS, q1_defs_done, COLDEF_A, S, REDIR_E_RESP_COLUMN_MISMATCH, 0);
    /* DEPRECATE_EOF: a row where a definition is due (offset: where it stopped decoding). */
    FAIL(DEP_CAPS, q1_count2, "0131", S, REDIR_E_RESP_COLUMN_MISMATCH, 2);
}

Test(resp_errors, row_mismatch) {
    /* One column announced, two values in the row. */
    FAIL(DEP_CAPS, q1_defs_done, "01310132", S, REDIR_E_RESP_ROW_MISMATCH, 2);
    /* A value running past the row. */
    FAIL(DEP_CAPS, q1_defs_done, "0531", S, REDIR_E_RESP_ROW_MISMATCH, 0);
    /* A binary row too short for its NULL bitmap. */
    static const sstep exec[] = {
        {C, "17 01000000 00 01000000", REDIR_RESP_COMMAND, false},
        {S, "09", REDIR_RESP_COLUMN_COUNT, false},
        {S, COLDEF_A, REDIR_RESP_COLUMN_DEF, false},
        {S, COLDEF_A, REDIR_RESP_COLUMN_DEF, false},
        {S, COLDEF_A, REDIR_RESP_COLUMN_DEF, false},
        {S, COLDEF_A, REDIR_RESP_COLUMN_DEF, false},
        {S, COLDEF_A, REDIR_RESP_COLUMN_DEF, false},
        {S, COLDEF_A, REDIR_RESP_COLUMN_DEF, false},
        {S, COLDEF_A, REDIR_RESP_COLUMN_DEF, false},
        {S, COLDEF_A, REDIR_RESP_COLUMN_DEF, false},
        {S, COLDEF_A, REDIR_RESP_COLUMN_DEF, false},
    };
    FAIL(DEP_CAPS, exec, "00 00", S, REDIR_E_RESP_ROW_MISMATCH, 2);
    FAIL(DEP_CAPS, exec, "01 000000", S, REDIR_E_RESP_ROW_MISMATCH, 0);
}

Test(resp_errors, decoder_statuses_pass_through) {
    /* An OK cut short, a bad column count, a bad prepare-OK, a bad EOF. */
    FAIL(DEP_CAPS, q1, "00 00", S, REDIR_E_TRUNCATED, 2);
    FAIL(DEP_CAPS, q1, "fc 0000", S, REDIR_E_COLUMN_COUNT, 0);
    static const sstep prep[] = {{C, "16 3f", REDIR_RESP_COMMAND, false}};
    FAIL(DEP_CAPS, prep, "00 01000000 0000", S, REDIR_E_TRUNCATED, 7);
    FAIL(EOF_CAPS, q1, "fe 0000", S, REDIR_E_TRUNCATED, 3);
    FAIL(DEP_CAPS, q1, "ff 01", S, REDIR_E_TRUNCATED, 1);
}

Test(resp_errors, quit_closes) {
    static const sstep quit[] = {{C, "01", REDIR_RESP_COMMAND, true}};
    FAIL(DEP_CAPS, quit, "0e", C, REDIR_E_RESP_UNEXPECTED, 0);
    FAIL(DEP_CAPS, quit, "00 00 00 0200 0000", S, REDIR_E_RESP_UNEXPECTED, 0);
    redir_resp_event ev;
    redir_resp_tracker t = run(DEP_CAPS, quit, 1, &ev);
    cr_assert(eq(int, redir_resp_expect_unknown(&t, NULL), REDIR_E_RESP_UNEXPECTED));
}

Test(resp_errors, reset_forgets_everything) {
    redir_resp_event ev;
    redir_resp_tracker t = run(DEP_CAPS, q1_count2, 2, &ev);
    redir_resp_reset(&t);
    cr_assert(eq(sz, redir_resp_pending(&t), 0));
    cr_assert(eq(int, redir_resp_feed(&t, &ev, NULL, (const uint8_t *)"\x01", 1),
                 REDIR_E_RESP_UNEXPECTED));
}

Test(resp, kind_names) {
    cr_assert(strcmp(redir_resp_kind_name(REDIR_RESP_OK_AS_EOF), "ok-as-eof") == 0);
    cr_assert(strcmp(redir_resp_kind_name(REDIR_RESP_BINLOG_EVENT), "binlog-event") == 0);
    cr_assert(strcmp(redir_resp_kind_name((redir_resp_kind)999), "unknown") == 0);
    /* Names shared with the classifier are spelled the same. */
    cr_assert(strcmp(redir_resp_kind_name(REDIR_RESP_COLUMN_DEF),
                     redir_kind_name(REDIR_KIND_COLUMN_DEF)) == 0);
    cr_assert(strcmp(redir_resp_kind_name(REDIR_RESP_LOCAL_INFILE),
                     redir_kind_name(REDIR_KIND_LOCAL_INFILE)) == 0);
}

Test(resp, deprecate_eof_learned_mid_response) {
    /* A capture that starts mid-stream guesses legacy EOFs; when the rows
     * come right after the definitions the caller sets CLIENT_DEPRECATE_EOF
     * and the EOF that was due is no longer expected. */
    redir_resp_event ev;
    redir_resp_tracker t = run(EOF_CAPS, q1_defs_done, 3, &ev);
    redir_diag d = {0, 0};
    size_t n;
    const uint8_t *row = hexbuf(0, "0131", &n);
    cr_assert(eq(int, redir_resp_feed(&t, &ev, &d, row, n), REDIR_E_RESP_COLUMN_MISMATCH));
    redir_resp_set_caps(&t, DEP_CAPS);
    cr_assert(eq(int, redir_resp_feed(&t, &ev, &d, row, n), REDIR_OK));
    cr_assert(eq(int, ev.kind, REDIR_RESP_ROW));
    const uint8_t *end = hexbuf(0, "fe 00 00 0200 0000", &n);
    cr_assert(eq(int, redir_resp_feed(&t, &ev, &d, end, n), REDIR_OK));
    cr_assert(eq(int, ev.kind, REDIR_RESP_OK_AS_EOF));
    cr_assert(ev.complete);
    /* The same after a prepare-OK's parameters, with columns to come. */
    const sstep prep[] = {
        {C, "16 53454c454354203f", REDIR_RESP_COMMAND, false},
        {S, "00 07000000 0100 0100 00 0000", REDIR_RESP_PREPARE_OK, false},
        {S, "03646566000000013f000c3f0000000000068000000000", REDIR_RESP_PARAM_DEF, false},
    };
    t = RUN(EOF_CAPS, prep, &ev);
    redir_resp_set_caps(&t, DEP_CAPS);
    const uint8_t *def = hexbuf(0, COLDEF_A, &n);
    cr_assert(eq(int, redir_resp_feed(&t, &ev, &d, def, n), REDIR_OK));
    cr_assert(eq(int, ev.kind, REDIR_RESP_COLUMN_DEF));
    cr_assert(ev.complete);
}

Test(resp, unknown_command_rows_unchecked) {
    /* A binary row where the command was not seen: no text-row check. */
    redir_resp_tracker t;
    redir_resp_event ev;
    redir_resp_init(&t, DEP_CAPS);
    cr_assert(eq(int, redir_resp_expect_unknown(&t, NULL), REDIR_OK));
    const char *hex[] = {"01", COLDEF_A, "00 00 2a000000", "fe 00 00 0200 0000"};
    const redir_resp_kind kinds[] = {REDIR_RESP_COLUMN_COUNT, REDIR_RESP_COLUMN_DEF,
                                     REDIR_RESP_ROW, REDIR_RESP_OK_AS_EOF};
    for (size_t i = 0; i < 4; i++) {
        size_t n;
        const uint8_t *p = hexbuf(0, hex[i], &n);
        cr_assert(eq(int, redir_resp_feed(&t, &ev, NULL, p, n), REDIR_OK));
        cr_assert(eq(int, ev.kind, kinds[i]));
        cr_assert(not(ev.command_known));
        cr_assert(not(ev.binary));
    }
    cr_assert(ev.complete);
}
