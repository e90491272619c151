// Compiles every public header as C++ and calls through the C linkage.
#include <redir/redir.h>

#include <cstdio>
#include <cstring>

int main() {
    const char *v = redir_version();
    if (v == nullptr || std::strlen(v) == 0) {
        return 1;
    }
    if (std::strcmp(redir_status_name(REDIR_E_TRUNCATED), "E_TRUNCATED") != 0) {
        return 1;
    }
    const uint8_t ok[] = {0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00};
    redir_ok out;
    redir_diag diag;
    if (redir_ok_decode(&out, &diag, ok, sizeof ok, REDIR_CAPS_MARIADB_DEFAULT) != REDIR_OK) {
        return 1;
    }
    std::printf("libredir %s ok from C++\n", v);
    return out.status == REDIR_STATUS_AUTOCOMMIT ? 0 : 1;
}
