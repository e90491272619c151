#include "redir/packets.h"

/* Indexed by redir_kind; these strings appear in JSON output and must not change. */
static const char *const kind_names[] = {
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

const char *redir_kind_name(redir_kind kind) {
    size_t i = (size_t)kind;
    if (i >= sizeof kind_names / sizeof kind_names[0]) {
        return kind_names[REDIR_KIND_UNKNOWN];
    }
    return kind_names[i];
}

/* 0xFE after the connection phase: with DEPRECATE_EOF an OK-as-EOF unless it is
 * too long to be one, otherwise an EOF when short enough; else fallback. */
static redir_kind classify_fe(uint64_t caps, size_t len, redir_kind fallback) {
    if ((caps & REDIR_CLIENT_DEPRECATE_EOF) != 0) {
        return len < REDIR_MAX_PACKET_PAYLOAD ? REDIR_KIND_OK_AS_EOF : fallback;
    }
    return len < 9 ? REDIR_KIND_EOF : fallback;
}

redir_kind redir_classify(redir_phase phase, uint64_t caps, const uint8_t *payload,
                          size_t payload_len) {
    if (payload == NULL || payload_len == 0) {
        return REDIR_KIND_UNKNOWN;
    }
    uint8_t first = payload[0];
    if (first == 0xFF) {
        return REDIR_KIND_ERR;
    }
    switch (phase) {
    case REDIR_PHASE_CONNECT:
        return first == 0x0A ? REDIR_KIND_GREETING : REDIR_KIND_UNKNOWN;
    case REDIR_PHASE_AUTH:
        switch (first) {
        case 0x00:
            return REDIR_KIND_OK;
        case 0x01:
            return REDIR_KIND_AUTH_MORE_DATA;
        case 0x02:
            return (caps & REDIR_CLIENT_MULTI_FACTOR_AUTH) != 0 ? REDIR_KIND_AUTH_NEXT_FACTOR
                                                                : REDIR_KIND_UNKNOWN;
        case 0xFE:
            return payload_len == 1 ? REDIR_KIND_AUTH_SWITCH_OLD : REDIR_KIND_AUTH_SWITCH;
        default:
            return REDIR_KIND_UNKNOWN;
        }
    case REDIR_PHASE_COMMAND:
        switch (first) {
        case 0x00:
            return REDIR_KIND_OK;
        case 0xFB:
            return REDIR_KIND_LOCAL_INFILE;
        case 0xFE:
            return classify_fe(caps, payload_len, REDIR_KIND_COLUMN_COUNT);
        default:
            return REDIR_KIND_COLUMN_COUNT;
        }
    case REDIR_PHASE_COLUMNS:
        return first == 0xFE ? classify_fe(caps, payload_len, REDIR_KIND_COLUMN_DEF)
                             : REDIR_KIND_COLUMN_DEF;
    case REDIR_PHASE_ROWS:
        return first == 0xFE ? classify_fe(caps, payload_len, REDIR_KIND_ROW) : REDIR_KIND_ROW;
    default:
        return REDIR_KIND_UNKNOWN;
    }
}
