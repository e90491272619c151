#include "redir/common.h"
#include "util.h"

bool redir_utf8_next(size_t *out_len, const uint8_t *in, size_t in_len) {
    *out_len = 0;
    if (in_len == 0) {
        return false;
    }
    if (in[0] < 0x80) {
        *out_len = 1;
        return true;
    }
    unsigned need;
    uint8_t lo;
    uint8_t hi;
    if (!redir__utf8_lead(in[0], &need, &lo, &hi)) {
        *out_len = 1;
        return false;
    }
    size_t n = 1;
    while (n <= need) {
        if (n >= in_len || in[n] < lo || in[n] > hi) {
            *out_len = n;
            return false;
        }
        lo = 0x80;
        hi = 0xBF;
        n++;
    }
    *out_len = n;
    return true;
}
