/* A program built against an installed libredir through find_package. */
#include <redir/redir.h>
#include <stdio.h>
#include <string.h>

int main(void) {
    const uint8_t ok[] = {0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00};
    redir_ok out;
    if (redir_ok_decode(&out, NULL, ok, sizeof ok, REDIR_CAPS_MARIADB_DEFAULT) != REDIR_OK) {
        return 1;
    }
    printf("libredir %s: status %u\n", redir_version(), out.status);
    return strcmp(redir_status_name(REDIR_E_NOSPACE), "E_NOSPACE") == 0 ? 0 : 1;
}
