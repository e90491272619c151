/* A program built against an installed libredir-auth: the native password
 * answer of a captured login (pcaps/mariadb-10.11-plain.pcap). */
#include <redir/auth.h>
#include <stdio.h>
#include <string.h>

int main(void) {
    static const uint8_t scramble[20] = {0x4f, 0x4c, 0x6f, 0x69, 0x44, 0x53, 0x58, 0x40, 0x73, 0x47,
                                         0x48, 0x70, 0x7b, 0x3b, 0x52, 0x6c, 0x47, 0x5d, 0x7c, 0x7b};
    static const uint8_t want[20] = {0x76, 0xe2, 0x2f, 0x54, 0x58, 0x62, 0x39, 0x8f, 0xa5, 0x56,
                                     0x06, 0x4a, 0x2b, 0x18, 0xf6, 0x63, 0x2e, 0xff, 0xaf, 0xf5};
    uint8_t out[REDIR_AUTH_NATIVE_LEN];
    size_t len = 0;
    if (redir_auth_native_password(out, sizeof out, &len, scramble, sizeof scramble,
                                   (const uint8_t *)"redir-pass", 10) != REDIR_OK ||
        len != 20 || memcmp(out, want, 20) != 0) {
        return 1;
    }
    uint8_t sig[REDIR_AUTH_ED25519_LEN];
    if (redir_auth_ed25519(sig, sizeof sig, &len, out, 0, NULL, 0) != REDIR_E_AUTH_NONCE) {
        return 1;
    }
    printf("libredir-auth: native answer ok\n");
    return 0;
}
