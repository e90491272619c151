#include <criterion/criterion.h>
#include <criterion/new/assert.h>

#include "redir/common.h"

/* Well-formed sequences, and the maximal invalid subparts a decoder replaces
 * with one U+FFFD each (Unicode's "best practice" examples). */
Test(utf8, next_code_point) {
    static const struct {
        const char *in;
        size_t in_len;
        bool ok;
        size_t len;
    } v[] = {
        {"a", 1, true, 1},
        {"\xc3\xa4x", 3, true, 2},
        {"\xe2\x82\xac", 3, true, 3},
        {"\xf0\x9f\x98\x80", 4, true, 4},
        {"\xc0\xaf", 2, false, 1},     /* overlong lead */
        {"\xe0\x80\x80", 3, false, 1}, /* overlong: second byte out of range */
        {"\xed\xa0\x80", 3, false, 1}, /* surrogate */
        {"\xf4\x90\x80\x80", 4, false, 1}, /* above U+10FFFF */
        {"\xe2\x82", 2, false, 2},     /* cut short */
        {"\xe2\x82x", 3, false, 2},
        {"\x80", 1, false, 1},
        {"", 0, false, 0},
    };
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        size_t len = 99;
        cr_assert(eq(int, redir_utf8_next(&len, (const uint8_t *)v[i].in, v[i].in_len), v[i].ok),
                  "vector %zu", i);
        cr_assert(eq(sz, len, v[i].len), "vector %zu", i);
    }
}
