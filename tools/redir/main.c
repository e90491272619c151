/* redir: command-line front end of libredir. */
#include <stdio.h>
#include <string.h>

#include <redir/redir.h>

#include "commands.h"

typedef struct command {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
} command;

/* One line per subcommand. A line that is commented out names a handler whose
 * source file has not landed yet: enable it together with that file. */
static const command commands[] = {
    {"decode", cmd_decode, "decode one packet given as hex and print it as JSON"},
    {"url", cmd_url, "parse a redirect URL and report how clients treat it"},
    {"dump", cmd_dump, "decode the MySQL/MariaDB packets of a capture as JSON"},
    {"replay", cmd_replay, "replay the packets of a capture"},
    {"build", cmd_build, "build a packet carrying a redirect (hex)"},
    {"serve", cmd_serve, "answer connections with a redirect; conformance kit scenarios"},
    {"probe", cmd_probe, "connect, authenticate and follow redirects"},
};

#define NUM_COMMANDS (sizeof commands / sizeof commands[0])

static void usage(FILE *out) {
    fprintf(out, "usage: redir <command> [arguments]\n"
                 "       redir help <command>\n"
                 "       redir --help | --version\n"
                 "\n"
                 "commands:\n");
    for (size_t i = 0; i < NUM_COMMANDS; i++) {
        fprintf(out, "  %-8s %s\n", commands[i].name, commands[i].summary);
    }
}

static const command *find_command(const char *name) {
    for (size_t i = 0; i < NUM_COMMANDS; i++) {
        if (strcmp(commands[i].name, name) == 0) {
            return &commands[i];
        }
    }
    return NULL;
}

static int unknown_command(const char *name) {
    fprintf(stderr, "redir: unknown command '%s'\n\n", name);
    usage(stderr);
    return REDIR_EXIT_USAGE;
}

int main(int argc, char **argv) {
    if (argc < 2) {
        usage(stderr);
        return REDIR_EXIT_USAGE;
    }
    const char *name = argv[1];
    if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0) {
        usage(stdout);
        return REDIR_EXIT_OK;
    }
    if (strcmp(name, "--version") == 0) {
        printf("redir %s\n", redir_version());
        return REDIR_EXIT_OK;
    }
    if (strcmp(name, "help") == 0) {
        if (argc == 2) {
            usage(stdout);
            return REDIR_EXIT_OK;
        }
        if (argc > 3) {
            fprintf(stderr, "redir help: expected one command name\n");
            return REDIR_EXIT_USAGE;
        }
        const command *c = find_command(argv[2]);
        if (c == NULL) {
            return unknown_command(argv[2]);
        }
        char help[] = "--help";
        char *help_argv[] = {argv[2], help, NULL};
        return c->run(2, help_argv);
    }
    const command *c = find_command(name);
    if (c == NULL) {
        return unknown_command(name);
    }
    return c->run(argc - 1, argv + 1);
}
