/* Option handling shared by the subcommands (all parse with getopt_long). */
#ifndef REDIR_TOOL_CLI_OPTS_H
#define REDIR_TOOL_CLI_OPTS_H

#include <stdbool.h>
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

#endif
