/* The classifier: total over every phase, equal to a reference written from
 * the contract in packets.h, and consistent with the decoders. */
#include "fuzz_common.h"

static redir_kind fe_kind(uint64_t caps, size_t len, redir_kind fallback) {
    if (caps & REDIR_CLIENT_DEPRECATE_EOF) {
        return len < REDIR_MAX_PACKET_PAYLOAD ? REDIR_KIND_OK_AS_EOF : fallback;
    }
    return len < 9 ? REDIR_KIND_EOF : fallback;
}

static redir_kind reference(redir_phase ph, uint64_t caps, const uint8_t *p, size_t n) {
    if (n == 0) {
        return REDIR_KIND_UNKNOWN;
    }
    if (p[0] == 0xFF) {
        return REDIR_KIND_ERR;
    }
    switch (ph) {
    case REDIR_PHASE_CONNECT:
        return p[0] == 0x0A ? REDIR_KIND_GREETING : REDIR_KIND_UNKNOWN;
    case REDIR_PHASE_AUTH:
        if (p[0] == 0x00) {
            return REDIR_KIND_OK;
        }
        if (p[0] == 0x01) {
            return REDIR_KIND_AUTH_MORE_DATA;
        }
        if (p[0] == 0x02 && (caps & REDIR_CLIENT_MULTI_FACTOR_AUTH)) {
            return REDIR_KIND_AUTH_NEXT_FACTOR;
        }
        if (p[0] == 0xFE) {
            return n == 1 ? REDIR_KIND_AUTH_SWITCH_OLD : REDIR_KIND_AUTH_SWITCH;
        }
        return REDIR_KIND_UNKNOWN;
    case REDIR_PHASE_COMMAND:
        if (p[0] == 0x00) {
            return REDIR_KIND_OK;
        }
        if (p[0] == 0xFB) {
            return REDIR_KIND_LOCAL_INFILE;
        }
        return p[0] == 0xFE ? fe_kind(caps, n, REDIR_KIND_COLUMN_COUNT) : REDIR_KIND_COLUMN_COUNT;
    case REDIR_PHASE_COLUMNS:
        return p[0] == 0xFE ? fe_kind(caps, n, REDIR_KIND_COLUMN_DEF) : REDIR_KIND_COLUMN_DEF;
    case REDIR_PHASE_ROWS:
        return p[0] == 0xFE ? fe_kind(caps, n, REDIR_KIND_ROW) : REDIR_KIND_ROW;
    }
    return REDIR_KIND_UNKNOWN;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    uint64_t caps = fuzz_take_caps(&data, &size);
    for (int ph = REDIR_PHASE_CONNECT; ph <= REDIR_PHASE_ROWS; ph++) {
        fuzz_lib_enter();
        redir_kind k = redir_classify((redir_phase)ph, caps, data, size);
        fuzz_lib_leave();
        FUZZ_CHECK(redir_kind_name(k) != NULL);
        FUZZ_CHECK((strcmp(redir_kind_name(k), "unknown") == 0) == (k == REDIR_KIND_UNKNOWN));
        FUZZ_CHECK(k == reference((redir_phase)ph, caps, data, size));
        redir_diag d;
        fuzz_lib_enter();
        switch (k) {
        case REDIR_KIND_EOF: {
            /* a legacy EOF is short: its decoder never calls it a header error */
            redir_eof e;
            FUZZ_CHECK(redir_eof_decode(&e, &d, data, size, caps) != REDIR_E_BAD_HEADER);
            break;
        }
        case REDIR_KIND_OK:
        case REDIR_KIND_OK_AS_EOF: {
            redir_ok o;
            FUZZ_CHECK(redir_ok_decode(&o, &d, data, size, caps) != REDIR_E_BAD_HEADER);
            break;
        }
        case REDIR_KIND_ERR: {
            redir_err e;
            FUZZ_CHECK(redir_err_decode(&e, &d, data, size, caps) != REDIR_E_BAD_HEADER);
            break;
        }
        case REDIR_KIND_GREETING: {
            redir_greeting g;
            FUZZ_CHECK(redir_greeting_decode(&g, &d, data, size) != REDIR_E_BAD_PROTOCOL_VERSION);
            break;
        }
        case REDIR_KIND_AUTH_SWITCH:
        case REDIR_KIND_AUTH_SWITCH_OLD: {
            redir_auth_switch s;
            redir_status st = redir_auth_switch_decode(&s, &d, data, size);
            FUZZ_CHECK(st != REDIR_E_BAD_HEADER);
            FUZZ_CHECK(st != REDIR_OK || s.old_form == (k == REDIR_KIND_AUTH_SWITCH_OLD));
            break;
        }
        case REDIR_KIND_AUTH_MORE_DATA: {
            redir_span s;
            FUZZ_CHECK(redir_auth_more_data_decode(&s, &d, data, size) == REDIR_OK);
            break;
        }
        default:
            break;
        }
        fuzz_lib_leave();
    }
    /* every status has a name and a message, values outside the list none */
    size_t n = redir_status_count();
    redir_status any;
    FUZZ_CHECK(n > 0 && !redir_status_at(n, &any));
    FUZZ_CHECK(redir_status_at((size_t)(size > 0 ? data[0] : 0) % n, &any));
    FUZZ_CHECK(redir_status_name(any) != NULL && redir_status_message(any) != NULL);
    FUZZ_CHECK(redir_status_is_error(any) ==
               (any != REDIR_OK && any != REDIR_DONE && any != REDIR_NOT_FOUND));
    FUZZ_CHECK(redir_status_name((redir_status)(1000 + (size > 0 ? data[0] : 0))) == NULL);
    FUZZ_CHECK(redir_status_message((redir_status)(1000 + (size > 0 ? data[0] : 0))) == NULL);
    FUZZ_CHECK(redir_version() != NULL);
    /* a kind outside the enum is named "unknown" */
    const char *name = redir_kind_name((redir_kind)(size > 0 ? 100 + data[0] : 200));
    FUZZ_CHECK(name != NULL && strcmp(name, "unknown") == 0);
    return 0;
}
