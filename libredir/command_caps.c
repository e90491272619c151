#include "redir/command.h"

#define LOW_HALF UINT64_C(0xFFFFFFFF)

uint64_t redir_caps_negotiate(uint64_t server_caps, uint64_t client_caps) {
    uint64_t caps = server_caps & client_caps;
    if (((server_caps | client_caps) & REDIR_CLIENT_MYSQL) != 0) {
        caps &= LOW_HALF;
    }
    return caps;
}
