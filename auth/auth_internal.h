/* Shared by the libredir-auth sources. */
#ifndef REDIR_AUTH_INTERNAL_H
#define REDIR_AUTH_INTERNAL_H

#include "redir/auth.h"

/* auth_room checks cap against the answer's size need, setting *out_len to
 * it: REDIR_OK when it fits, else REDIR_E_NOSPACE. */
static inline redir_status auth_room(size_t cap, size_t *out_len, size_t need) {
    *out_len = need;
    return cap >= need ? REDIR_OK : REDIR_E_NOSPACE;
}

/* auth_xor writes a[i] ^ b[i] for i < n into out. */
static inline void auth_xor(uint8_t *out, const uint8_t *a, const uint8_t *b, size_t n) {
    for (size_t i = 0; i < n; i++) {
        out[i] = (uint8_t)(a[i] ^ b[i]);
    }
}

/* auth_wipe clears a secret in a way the compiler keeps. */
void auth_wipe(void *p, size_t n);

#endif
