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

static const struct {
    dump_kind kind;
    redir_kind rkind;
    const char *name;
} kinds[] = {
    {DUMP_K_UNKNOWN, REDIR_KIND_UNKNOWN, "unknown"},
    {DUMP_K_GREETING, REDIR_KIND_GREETING, "greeting"},
    {DUMP_K_OK, REDIR_KIND_OK, "ok"},
    {DUMP_K_ERR, REDIR_KIND_ERR, "err"},
    {DUMP_K_EOF, REDIR_KIND_EOF, "eof"},
    {DUMP_K_OK_AS_EOF, REDIR_KIND_OK_AS_EOF, "ok-as-eof"},
    {DUMP_K_AUTH_SWITCH, REDIR_KIND_AUTH_SWITCH, "auth-switch"},
    {DUMP_K_AUTH_SWITCH_OLD, REDIR_KIND_AUTH_SWITCH_OLD, "auth-switch-old"},
    {DUMP_K_AUTH_MORE_DATA, REDIR_KIND_AUTH_MORE_DATA, "auth-more-data"},
    {DUMP_K_AUTH_NEXT_FACTOR, REDIR_KIND_AUTH_NEXT_FACTOR, "auth-next-factor"},
    {DUMP_K_LOCAL_INFILE, REDIR_KIND_LOCAL_INFILE, "local-infile"},
    {DUMP_K_COLUMN_COUNT, REDIR_KIND_COLUMN_COUNT, "column-count"},
    {DUMP_K_COLUMN_DEF, REDIR_KIND_COLUMN_DEF, "column-def"},
    {DUMP_K_ROW, REDIR_KIND_ROW, "row"},
    {DUMP_K_PREPARE_OK, REDIR_KIND_UNKNOWN, "prepare-ok"},
    {DUMP_K_STATISTICS, REDIR_KIND_UNKNOWN, "statistics"},
    {DUMP_K_SSL_REQUEST, REDIR_KIND_UNKNOWN, "ssl-request"},
    {DUMP_K_HANDSHAKE_RESPONSE, REDIR_KIND_UNKNOWN, "response"},
    {DUMP_K_AUTH_DATA, REDIR_KIND_UNKNOWN, "auth-data"},
    {DUMP_K_COMMAND, REDIR_KIND_UNKNOWN, "command"},
    {DUMP_K_INFILE_DATA, REDIR_KIND_UNKNOWN, "infile-data"},
};

const char *dump_kind_name(dump_kind k) {
    if ((size_t)k < sizeof kinds / sizeof kinds[0]) {
        return kinds[k].name;
    }
    return "unknown";
}

redir_kind dump_kind_to_redir(dump_kind k) {
    if ((size_t)k < sizeof kinds / sizeof kinds[0]) {
        return kinds[k].rkind;
    }
    return REDIR_KIND_UNKNOWN;
}

const char *dump_command_name(uint8_t command) { return redir_com_name(command); }
