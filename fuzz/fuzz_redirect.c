/* Redirect extraction from a server packet, then the client policy over a
 * fuzzed connection state: the decision is always defined and the safety
 * rules hold whatever the packet says. */
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    uint64_t caps = fuzz_take_caps(&data, &size);
    if (size < 3) {
        return 0;
    }
    uint8_t flags = data[0];
    uint8_t hops = data[1];
    data += 2;
    size -= 2;
    redir_instruction ins;
    redir_diag d;
    redir_status st;
    bool login = flags & 0x40;
    if (data[0] == 0xFF) {
        redir_err e;
        if (redir_err_decode(&e, &d, data, size, caps) != REDIR_OK) {
            return 0;
        }
        fuzz_lib_enter();
        st = redir_redirect_from_err(&ins, &d, &e, (flags & 0x80) ? REDIR_ERR_REDIRECT_DEFAULT_CODE : 0);
        fuzz_lib_leave();
    } else {
        redir_ok ok;
        if (redir_ok_decode(&ok, &d, data, size, caps) != REDIR_OK) {
            return 0;
        }
        fuzz_lib_enter();
        st = redir_redirect_from_ok(&ins, &d, &ok, login);
        fuzz_lib_leave();
    }
    FUZZ_CHECK(redir_status_name(st) != NULL);
    if (st != REDIR_OK) {
        return 0;
    }
    FUZZ_CHECK(fuzz_span_inside(ins.raw, data, size) && fuzz_span_inside(ins.host, data, size));
    redir_policy p;
    redir_policy_init(&p);
    p.permit = (redir_permit)(flags % 3);
    redir_conn_state s;
    memset(&s, 0, sizeof s);
    s.tls_requested = flags & 0x01;
    s.tls_established = flags & 0x02;
    s.cert_verified = flags & 0x04;
    s.before_tls = flags & 0x08;
    s.login_phase = login;
    s.server_status = (uint16_t)(flags & 0x10 ? REDIR_STATUS_IN_TRANS : 0);
    s.commands_in_flight = (flags & 0x20) ? 1 : 0;
    s.hops = hops & 3;
    s.current_host = redir_span_of("db1.example", 11);
    s.current_port = 3306;
    redir_reason why;
    fuzz_lib_enter();
    redir_decision dec = redir_policy_decide(&p, &s, &ins, &why);
    fuzz_lib_leave();
    FUZZ_CHECK(redir_decision_name(dec) != NULL && redir_reason_name(why) != NULL);
    if (dec == REDIR_DECISION_FOLLOW) {
        FUZZ_CHECK(p.permit != REDIR_PERMIT_NEVER);
        FUZZ_CHECK(!(s.tls_requested && !s.tls_established));
        FUZZ_CHECK(!(s.tls_requested && s.before_tls));
        FUZZ_CHECK(!(s.server_status & REDIR_STATUS_IN_TRANS));
        FUZZ_CHECK(s.commands_in_flight == 0);
        FUZZ_CHECK(s.hops < p.max_hops);
        if (p.permit == REDIR_PERMIT_DEFAULT) {
            FUZZ_CHECK(s.tls_established && s.cert_verified);
        }
    }
    return 0;
}
