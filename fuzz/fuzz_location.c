/* The Location: info line, alone and inside an OK packet's info. */
#include "fuzz_common.h"

static uint8_t pkt[1u << 16];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    redir_url u;
    redir_diag d;
    fuzz_lib_enter();
    redir_status st = redir_url_parse(&u, &d, REDIR_GRAMMAR_LOCATION, (const uint8_t *)data, size);
    fuzz_lib_leave();
    if (st == REDIR_OK) {
        FUZZ_CHECK(u.num_hosts == 1 && fuzz_span_inside(u.hosts[0].host, data, size));
        FUZZ_CHECK(fuzz_span_inside(u.user, data, size));
    } else {
        FUZZ_CHECK(redir_status_is_error(st) && d.offset <= size);
    }
    size_t loc_off = d.offset;
    /* The same text as the info of a login OK: extraction agrees with the parser. */
    redir_ok ok;
    memset(&ok, 0, sizeof ok);
    ok.has_status = ok.has_warnings = true;
    ok.status = REDIR_STATUS_AUTOCOMMIT;
    ok.info_form = REDIR_INFO_LENENC;
    ok.info = redir_span_of(data, size);
    size_t n;
    if (redir_ok_encode(pkt, sizeof pkt, &n, &ok, REDIR_CAPS_MARIADB_DEFAULT) != REDIR_OK) {
        return 0;
    }
    redir_ok back;
    FUZZ_CHECK(redir_ok_decode(&back, &d, pkt, n, REDIR_CAPS_MARIADB_DEFAULT) == REDIR_OK);
    redir_instruction ins;
    fuzz_lib_enter();
    redir_status ex = redir_redirect_from_ok(&ins, &d, &back, true);
    fuzz_lib_leave();
    bool prefix = size >= 9 && memcmp(data, "Location:", 9) == 0;
    if (st == REDIR_OK) {
        FUZZ_CHECK(ex == REDIR_OK && ins.carrier == REDIR_CARRIER_LOCATION);
        FUZZ_CHECK(ins.host.len == u.hosts[0].host.len &&
                   memcmp(ins.host.ptr, u.hosts[0].host.ptr, ins.host.len) == 0);
        FUZZ_CHECK(ins.user.len == u.user.len && memcmp(ins.user.ptr, u.user.ptr, u.user.len) == 0);
        FUZZ_CHECK(ins.port == u.hosts[0].port && ins.has_ttl == u.has_ttl && ins.ttl == u.ttl);
    } else if (prefix) {
        /* a line that starts like one but is malformed is an error, at the
         * same place */
        FUZZ_CHECK(ex == st && d.offset == loc_off && ins.carrier == REDIR_CARRIER_LOCATION);
    } else {
        FUZZ_CHECK(ex == REDIR_NOT_FOUND);
    }
    /* only the login OK carries it */
    fuzz_lib_enter();
    ex = redir_redirect_from_ok(&ins, &d, &back, false);
    fuzz_lib_leave();
    FUZZ_CHECK(ex == REDIR_NOT_FOUND);
    return 0;
}
