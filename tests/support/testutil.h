/* Helpers shared by the unit tests. */
#ifndef REDIR_TESTUTIL_H
#define REDIR_TESTUTIL_H

#include <stddef.h>
#include <stdint.h>

/* hex_decode parses hex digits (whitespace ignored) into out; returns the
 * number of bytes, aborting the test process on malformed input. */
size_t hex_decode(const char *hex, uint8_t *out, size_t cap);

/* guard_copy copies data to the end of a page that is followed by an
 * unmapped (PROT_NONE) page and returns the copy: any read past len faults.
 * The memory stays valid until the next guard_copy on the same slot
 * (slots 0..3). len may be up to 60 KiB. */
const uint8_t *guard_copy(int slot, const void *data, size_t len);

/* hexbuf: decode a literal hex string into a static buffer (slot 0..7). */
const uint8_t *hexbuf(int slot, const char *hex, size_t *out_len);

#endif
