/* Names, defaults and formatting helpers of the dump component. */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "dump_internal.h"

void dump_config_init(dump_config *cfg) {
    memset(cfg, 0, sizeof *cfg);
    cfg->max_flows = 65536;
    cfg->max_stream_buffer = (size_t)REDIR_MAX_PACKET_PAYLOAD + 8;
    cfg->max_ooo_bytes = (size_t)4 << 20;
    cfg->max_ooo_segments = 4096;
    cfg->max_message = (size_t)64 << 20;
    cfg->detect_greeting = true;
}

const char *dump_dir_name(dump_dir d) { return d == DUMP_C2S ? "c2s" : "s2c"; }

const char *dump_phase_name(dump_phase p) {
    switch (p) {
    case DUMP_PHASE_GREETING:
        return "greeting";
    case DUMP_PHASE_LOGIN:
        return "login";
    case DUMP_PHASE_TLS:
        return "tls";
    case DUMP_PHASE_AUTH:
        return "auth";
    case DUMP_PHASE_COMMAND:
        return "command";
    case DUMP_PHASE_CLOSED:
        return "closed";
    }
    return "?";
}

void dump_endpoint_format(const dump_endpoint *e, char *out, size_t cap) {
    char ip[INET6_ADDRSTRLEN];
    if (cap == 0) {
        return;
    }
    if (e->family == 6) {
        if (inet_ntop(AF_INET6, e->ip, ip, sizeof ip) == NULL) {
            snprintf(ip, sizeof ip, "?");
        }
        snprintf(out, cap, "[%s]:%u", ip, (unsigned)e->port);
    } else {
        if (inet_ntop(AF_INET, e->ip, ip, sizeof ip) == NULL) {
            snprintf(ip, sizeof ip, "?");
        }
        snprintf(out, cap, "%s:%u", ip, (unsigned)e->port);
    }
}

const char *dump_kind_name(dump_kind k) {
    if ((unsigned)k <= (unsigned)DUMP_K_ROW) {
        return redir_kind_name((redir_kind)k);
    }
    switch (k) {
    case DUMP_K_PREPARE_OK:
        return redir_resp_kind_name(REDIR_RESP_PREPARE_OK);
    case DUMP_K_STATISTICS:
        return redir_resp_kind_name(REDIR_RESP_STATISTICS);
    case DUMP_K_SSL_REQUEST:
        return "ssl-request";
    case DUMP_K_HANDSHAKE_RESPONSE:
        return "response";
    case DUMP_K_AUTH_DATA:
        return redir_resp_kind_name(REDIR_RESP_AUTH_DATA);
    case DUMP_K_COMMAND:
        return redir_resp_kind_name(REDIR_RESP_COMMAND);
    case DUMP_K_INFILE_DATA:
        return redir_resp_kind_name(REDIR_RESP_INFILE_DATA);
    default:
        return "unknown";
    }
}

redir_kind dump_kind_to_redir(dump_kind k) {
    return (unsigned)k <= (unsigned)DUMP_K_ROW ? (redir_kind)k : REDIR_KIND_UNKNOWN;
}

const char *dump_command_name(uint8_t command) { return redir_com_name(command); }
