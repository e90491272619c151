/* Option handling shared by the subcommands (all parse with getopt_long). */
#ifndef REDIR_TOOL_CLI_OPTS_H
#define REDIR_TOOL_CLI_OPTS_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

/* cli_wants_help: --help or -h appears before any "--"; it wins over every
 * other argument, even a bad one. */
static inline bool cli_wants_help(int argc, char **argv) {
    for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            return true;
        }
    }
    return false;
}

/* cli_usage_error prints "redir CMD: MESSAGE" and the hint to --help on
 * stderr, and returns the usage exit status (2). */
#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
static inline int cli_usage_error(const char *cmd, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "redir %s: ", cmd);
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n(see redir %s --help)\n", cmd);
    va_end(ap);
    return 2;
}

#endif
