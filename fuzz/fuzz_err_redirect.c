/* The ERR-redirect message "|text|host[:port]" and its builder round trip. */
#include "fuzz_common.h"

static uint8_t pkt[2048];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    redir_span text, host;
    bool has_port;
    uint16_t port;
    redir_diag d;
    fuzz_lib_enter();
    redir_status st =
        redir_err_redirect_parse(redir_span_of(data, size), &text, &host, &has_port, &port, &d);
    fuzz_lib_leave();
    if (st != REDIR_OK) {
        FUZZ_CHECK(redir_status_is_error(st) || st == REDIR_NOT_FOUND);
        return 0;
    }
    FUZZ_CHECK(fuzz_span_inside(text, data, size) && fuzz_span_inside(host, data, size));
    FUZZ_CHECK(host.len > 0);
    size_t n;
    fuzz_lib_enter();
    redir_status b = redir_build_err_redirect(pkt, sizeof pkt, &n, 2, REDIR_ERR_REDIRECT_DEFAULT_CODE,
                                              redir_span_of("HY000", 5), text, host,
                                              has_port ? port : 0);
    fuzz_lib_leave();
    if (b != REDIR_OK || (has_port && port == 0)) {
        return 0;
    }
    redir_frame f;
    size_t used;
    FUZZ_CHECK(redir_frame_decode(&f, &used, &d, pkt, n) == REDIR_OK && used == n);
    redir_err e;
    FUZZ_CHECK(redir_err_decode(&e, &d, f.payload.ptr, f.payload.len, REDIR_CAPS_MARIADB_DEFAULT) ==
               REDIR_OK);
    redir_instruction ins;
    FUZZ_CHECK(redir_redirect_from_err(&ins, &d, &e, REDIR_ERR_REDIRECT_DEFAULT_CODE) == REDIR_OK);
    FUZZ_CHECK(ins.host.len == host.len && memcmp(ins.host.ptr, host.ptr, host.len) == 0);
    FUZZ_CHECK(ins.port == (has_port ? port : REDIR_DEFAULT_PORT));
    return 0;
}
