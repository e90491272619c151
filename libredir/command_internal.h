/* Internal helpers shared by the command-phase codecs. */
#ifndef REDIR_COMMAND_INTERNAL_H
#define REDIR_COMMAND_INTERNAL_H

#include "reader.h"
#include "redir/command.h"
#include "writer.h"
#include "util.h"


/* cmd_has_nul: the span contains a NUL byte. */
static inline bool cmd_has_nul(redir_span s) {
    return s.len > 0 && memchr(s.ptr, 0, s.len) != NULL;
}

/* cmd_no_body: commands that are the command byte alone. */
static inline bool cmd_no_body(uint8_t command) {
    switch (command) {
    case REDIR_COM_QUIT:
    case REDIR_COM_PING:
    case REDIR_COM_STATISTICS:
    case REDIR_COM_RESET_CONNECTION:
    case REDIR_COM_DEBUG:
    case REDIR_COM_PROCESS_INFO:
    case REDIR_COM_TIME:
        return true;
    default:
        return false;
    }
}

/* cmd_params_read reads a redir_params block of p->count parameters from r
 * (the count is set by the caller): NULL bitmap, bound flag, types (named or
 * not). When walk_values is true the values are walked and the block ends
 * after them; otherwise the values are the rest of the input. Offsets in diag
 * are relative to r's base. */
redir_status cmd_params_read(redir_params *p, redir_diag *diag, rd *r, bool named,
                             bool walk_values, redir_status bad_flag);

/* cmd_params_write writes a block produced by cmd_params_read. */
void cmd_params_write(wr *w, const redir_params *p);

/* cmd_params_valid: the block's spans agree with its count and flags, as
 * cmd_params_read with walk_values would have produced them. */
bool cmd_params_valid(const redir_params *p, bool named);

#endif
