/* Internal interface between the framer's input/packet layer (framer.c) and
 * its compressed-protocol layer (framer_compressed.c). */
#ifndef REDIR_FRAMER_INTERNAL_H
#define REDIR_FRAMER_INTERNAL_H

#include "redir/stream.h"

/* fr_src is where plain packet bytes are read from: the input buffer (the
 * plain protocol; bytes keep arriving, so an incomplete packet that fits may
 * wait there) or one compressed frame's uncompressed bytes (nothing more will
 * arrive in them, so whatever is incomplete is carried over in the framer). */
typedef struct fr_src {
    const uint8_t *p;
    size_t n;
    size_t used;         /* bytes consumed by fr_packets */
    bool growable;       /* the input buffer */
    size_t room;         /* growable: the most bytes it can hold */
    uint64_t offset;     /* stream position of p[0] */
    bool compressed;
    uint64_t err_offset; /* compressed: position of the frame, reported on errors */
} fr_src;

/* fr_packets frames the next logical packet from s: REDIR_OK with *out,
 * REDIR_DONE when s holds no complete packet (what it held is consumed or
 * waits in place), or a sticky failure. */
redir_status fr_packets(redir_framer *f, fr_src *s, redir_framed *out, redir_diag *diag);

/* fr_fail records a sticky failure and reports it. */
redir_status fr_fail(redir_framer *f, redir_diag *diag, redir_status st, uint64_t offset,
                     size_t needed);

/* fr_compressed_next is redir_framer_next for the compressed protocol. */
redir_status fr_compressed_next(redir_framer *f, redir_framed *out, redir_diag *diag);

/* fr_u24 reads a 3-byte little-endian length. */
size_t fr_u24(const uint8_t *p);

#endif
