#include "redir/command.h"

/* Indexed by redir_resp_kind; names shared with redir_kind_name match it. */
static const char *const resp_kind_names[] = {
    "none",
    "command",
    "infile-data",
    "infile-end",
    "auth-data",
    "ok",
    "err",
    "progress",
    "eof",
    "ok-as-eof",
    "column-count",
    "column-def",
    "row",
    "prepare-ok",
    "param-def",
    "local-infile",
    "statistics",
    "auth-switch",
    "auth-more-data",
    "auth-next-factor",
    "binlog-event",
};

const char *redir_resp_kind_name(redir_resp_kind kind) {
    size_t i = (size_t)kind;
    if (i >= sizeof resp_kind_names / sizeof resp_kind_names[0]) {
        return "unknown";
    }
    return resp_kind_names[i];
}
