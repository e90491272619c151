/* The response classifier of `redir replay`, fed with server payloads from
 * the project's captures (pcaps/mariadb-10.11-*.pcap). */
#include <string.h>

#include <criterion/criterion.h>
#include <criterion/new/assert.h>

#include <redir/redir.h>

#include "replay_shape.h"
#include "testutil.h"

/* Capabilities of the `mariadb` command-line client's sessions (no
 * DEPRECATE_EOF; MariaDB's extended metadata and metadata caching, as the
 * captures negotiated) and of Connector/Node.js (with DEPRECATE_EOF). */
#define CLI_CAPS                                                                              \
    (REDIR_CLIENT_PROTOCOL_41 | REDIR_CLIENT_TRANSACTIONS | REDIR_CLIENT_SESSION_TRACK |      \
     REDIR_CLIENT_MULTI_RESULTS | REDIR_CLIENT_PLUGIN_AUTH | REDIR_MARIADB_CLIENT_PROGRESS |  \
     REDIR_MARIADB_CLIENT_EXTENDED_METADATA | REDIR_MARIADB_CLIENT_CACHE_METADATA)
#define NODE_CAPS (CLI_CAPS | REDIR_CLIENT_DEPRECATE_EOF)

/* feed pushes hex payloads and returns the step of the last one; every
 * earlier one must ask for more. */
static rp_step feed(rp_resp *r, const char *const *hex, size_t n) {
    rp_step st = RP_STEP_MORE;
    for (size_t i = 0; i < n; i++) {
        uint8_t buf[512];
        size_t len = hex_decode(hex[i], buf, sizeof buf);
        const uint8_t *p = guard_copy(0, buf, len);
        st = rp_resp_feed(r, p, len);
        if (i + 1 < n) {
            cr_assert(eq(int, st, RP_STEP_MORE), "packet %zu", i);
        }
    }
    return st;
}

#define SHAPE_IS(r, want)                                                                     \
    cr_assert(strcmp(rp_resp_shape(r), (want)) == 0, "shape\n  got:    %s\n  wanted: %s",      \
              rp_resp_shape(r), (want))

#define FEED(r, ...)                                                                          \
    feed((r), (const char *const[]){__VA_ARGS__},                                           \
         sizeof((const char *const[]){__VA_ARGS__}) / sizeof(const char *))

Test(replay_shape, ok_with_sorted_session_track_names) {
    rp_resp r;
    rp_resp_init(&r, RP_COM_QUERY, CLI_CAPS);
    /* SET NAMES latin1: the server lists the three variables in hash order. */
    cr_assert(eq(int,
                 FEED(&r, "000000024000000062001d156368617261637465725f7365745f726573756c74730"
                          "66c6174696e310020186368617261637465725f7365745f636f6e6e656374696f6e"
                          "066c6174696e31001c146368617261637465725f7365745f636c69656e74066c61"
                          "74696e31020131"),
                 RP_STEP_DONE));
    SHAPE_IS(&r, "ok{state-change,sysvar:character_set_client,sysvar:character_set_connection,"
                 "sysvar:character_set_results}");
    cr_assert(r.done);
    rp_resp_free(&r);
}

Test(replay_shape, ok_with_transaction_entries) {
    rp_resp r;
    rp_resp_init(&r, RP_COM_QUERY, CLI_CAPS);
    cr_assert(eq(int,
                 FEED(&r, "000000024000000042002f1e73657373696f6e5f747261636b5f7472616e7361637"
                          "4696f6e5f696e666f0f4348415241435445524953544943530201310509085f5f5f"
                          "5f5f5f5f5f040100"),
                 RP_STEP_DONE));
    SHAPE_IS(&r, "ok{state-change,sysvar:session_track_transaction_info,tx-characteristics,"
                 "tx-state}");
    rp_resp_free(&r);
}

Test(replay_shape, call_with_two_result_sets) {
    rp_resp r;
    rp_resp_init(&r, RP_COM_QUERY, CLI_CAPS);
    cr_assert(eq(int,
                 FEED(&r, "0101", "03646566000000016100000c3f0001000000038100000000",
                      "fe00000a00", "0131", "fe00000a00", "0201",
                      "03646566000000016200000c210003000000fd0100270000",
                      "03646566000000016300000c3f0002000000038100000000", "fe00000a00",
                      "01780132", "01790133", "fe00000a00", "00000002000000"),
                 RP_STEP_DONE));
    SHAPE_IS(&r, "rs(cols=1,rows=1) eof rs(cols=2,rows=2) eof ok");
    rp_resp_free(&r);
}

Test(replay_shape, result_set_cut_by_error) {
    rp_resp r;
    rp_resp_init(&r, RP_COM_QUERY, NODE_CAPS);
    cr_assert(eq(int,
                 FEED(&r, "0101", "03646566000000016100000c3f0001000000038100000000", "0131",
                      "ff26042332333030304475706c696361746520656e747279"),
                 RP_STEP_DONE));
    SHAPE_IS(&r, "rs(cols=1,rows=1) err(1062,23000)");
    rp_resp_free(&r);
}

Test(replay_shape, progress_reports_are_counted_not_shaped) {
    rp_resp r;
    rp_resp_init(&r, RP_COM_QUERY, CLI_CAPS);
    cr_assert(eq(int,
                 FEED(&r, "ffffff010102e7030011636f707920746f20746d70207461626c65",
                      "ffffff0102020000000d456e61626c696e67206b657973",
                      "00fd40420f00020000002c5265636f7264733a203130303030303020204475706c69"
                      "6361746573"
                      "3a203020205761726e696e67733a2030"),
                 RP_STEP_DONE));
    SHAPE_IS(&r, "ok");
    cr_assert(eq(u32, r.progress, 2));
    rp_resp_free(&r);
}

Test(replay_shape, progress_without_capability_is_an_error) {
    rp_resp r;
    rp_resp_init(&r, RP_COM_QUERY, CLI_CAPS & ~REDIR_MARIADB_CLIENT_PROGRESS);
    cr_assert(eq(int, FEED(&r, "ffffff010102e7030011636f707920746f20746d70207461626c65"),
                 RP_STEP_DONE));
    SHAPE_IS(&r, "err(65535)");
    cr_assert(eq(u32, r.progress, 0));
    rp_resp_free(&r);
}

Test(replay_shape, prepare_without_columns) {
    rp_resp r;
    rp_resp_init(&r, RP_COM_STMT_PREPARE, NODE_CAPS);
    const char *def = "03646566000000013f00000c3f0000000000068000000000";
    cr_assert(eq(int, FEED(&r, "000200000000000500000000", def, def, def, def, def),
                 RP_STEP_DONE));
    SHAPE_IS(&r, "prepare-ok(params=5,cols=0)");
    cr_assert(r.has_stmt_id);
    cr_assert(eq(u32, r.stmt_id, 2));
    rp_resp_free(&r);
}

Test(replay_shape, prepare_with_params_and_columns) {
    rp_resp r;
    rp_resp_init(&r, RP_COM_STMT_PREPARE, NODE_CAPS);
    const char *def = "03646566000000013f00000c3f0000000000068000000000";
    cr_assert(eq(int, FEED(&r, "000300000005000100000000", def, def, def, def, def, def),
                 RP_STEP_DONE));
    SHAPE_IS(&r, "prepare-ok(params=1,cols=5)");
    cr_assert(eq(u32, r.stmt_id, 3));
    rp_resp_free(&r);
}

Test(replay_shape, prepare_with_legacy_eofs) {
    rp_resp r;
    rp_resp_init(&r, RP_COM_STMT_PREPARE, CLI_CAPS);
    const char *def = "03646566000000013f00000c3f0000000000068000000000";
    cr_assert(eq(int, FEED(&r, "000700000001000100000000", def, "fe00000200", def, "fe00000200"),
                 RP_STEP_DONE));
    SHAPE_IS(&r, "prepare-ok(params=1,cols=1)");
    rp_resp_free(&r);
}

Test(replay_shape, statistics_and_commands_without_answer) {
    rp_resp r;
    rp_resp_init(&r, RP_COM_STATISTICS, CLI_CAPS);
    cr_assert(eq(int, FEED(&r, "557074696d653a2031"), RP_STEP_DONE));
    SHAPE_IS(&r, "statistics");
    rp_resp_free(&r);

    rp_resp_init(&r, RP_COM_STMT_CLOSE, CLI_CAPS);
    cr_assert(r.done);
    SHAPE_IS(&r, "(none)");
    cr_assert(eq(int, rp_command_has_response(RP_COM_QUIT), 0));
    cr_assert(eq(int, rp_command_has_response(RP_COM_STMT_SEND_LONG_DATA), 0));
    cr_assert(eq(int, rp_command_has_response(RP_COM_QUERY), 1));
    rp_resp_free(&r);
}

Test(replay_shape, login_with_auth_switch) {
    rp_resp r;
    rp_resp_init(&r, RP_CMD_LOGIN, CLI_CAPS);
    cr_assert(eq(int,
                 FEED(&r, "fe636c69656e745f656432353531390057def5cd31a1f969e6bb0e3ae46695349"
                          "8aa4e924acffdcc0d4a9cc554d2cdd5"),
                 RP_STEP_AUTH_SWITCH));
    cr_assert(eq(int, FEED(&r, "0000000240000000"), RP_STEP_DONE));
    SHAPE_IS(&r, "auth-switch(client_ed25519) ok");
    cr_assert(eq(int, r.closes, 0));
    rp_resp_free(&r);
}

Test(replay_shape, login_refused_closes) {
    rp_resp r;
    rp_resp_init(&r, RP_CMD_LOGIN, CLI_CAPS);
    cr_assert(eq(int,
                 FEED(&r, "ff150423323830303041636365737320646e69656421"),
                 RP_STEP_DONE));
    SHAPE_IS(&r, "err(1045,28000)");
    cr_assert(r.closes);
    rp_resp_free(&r);
}

Test(replay_shape, auth_more_data_collapses) {
    rp_resp r;
    rp_resp_init(&r, RP_CMD_LOGIN, CLI_CAPS);
    cr_assert(eq(int, FEED(&r, "0104"), RP_STEP_AUTH_MORE));
    cr_assert(eq(int, FEED(&r, "012d2d2d2d2d424547494e"), RP_STEP_AUTH_MORE));
    cr_assert(eq(int, FEED(&r, "0000000200000000"), RP_STEP_DONE));
    SHAPE_IS(&r, "auth-more-data ok");
    rp_resp_free(&r);
}

Test(replay_shape, local_infile_is_unsupported) {
    rp_resp r;
    rp_resp_init(&r, RP_COM_QUERY, CLI_CAPS);
    cr_assert(eq(int, FEED(&r, "fb2f746d702f78"), RP_STEP_UNSUPPORTED));
    SHAPE_IS(&r, "local-infile");
    rp_resp_free(&r);
}

Test(replay_shape, field_list_and_bad_first_packet) {
    rp_resp r;
    rp_resp_init(&r, RP_COM_FIELD_LIST, CLI_CAPS);
    const char *def = "03646566000000013f00000c3f0000000000068000000000";
    cr_assert(eq(int, FEED(&r, def, def, "fe00000200"), RP_STEP_DONE));
    SHAPE_IS(&r, "fields(2) eof");
    rp_resp_free(&r);

    rp_resp_init(&r, RP_COM_QUERY, CLI_CAPS);
    cr_assert(eq(int, FEED(&r, "ff"), RP_STEP_DONE));
    SHAPE_IS(&r, "err(bad:E_TRUNCATED)");
    /* Anything after completion is reported, not silently absorbed. */
    cr_assert(eq(int, rp_resp_feed(&r, (const uint8_t *)"\x00", 1), RP_STEP_DONE));
    SHAPE_IS(&r, "err(bad:E_TRUNCATED) unexpected(0x00)");
    rp_resp_free(&r);
}

Test(replay_shape, cursor_ends_at_the_definitions) {
    rp_resp r;
    /* COM_STMT_EXECUTE that opened a cursor: the rows stay on the server and
     * the response ends at the EOF with SERVER_STATUS_CURSOR_EXISTS. */
    rp_resp_init(&r, RP_COM_STMT_EXECUTE, CLI_CAPS);
    cr_assert(eq(int, FEED(&r, "0101", "03646566000000016100000c3f0001000000038100000000",
                           "fe00004200"),
                 RP_STEP_DONE));
    SHAPE_IS(&r, "rs(cols=1,rows=0) cursor");
    rp_resp_free(&r);
}

Test(replay_shape, change_user_exchange) {
    rp_resp r;
    rp_resp_init(&r, RP_COM_CHANGE_USER, NODE_CAPS);
    cr_assert(eq(int,
                 FEED(&r, "fe6d7973716c5f6e61746976655f70617373776f7264006e2d335740765525556061"
                          "4823744330652c4a7100"),
                 RP_STEP_AUTH_SWITCH));
    cr_assert(eq(int, FEED(&r, "00000002400000000d010b0a72656469725f74657374"), RP_STEP_DONE));
    SHAPE_IS(&r, "auth-switch(mysql_native_password) ok{schema}");
    cr_assert(not(r.closes));
    rp_resp_free(&r);
}
