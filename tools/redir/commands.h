/*
 * The subcommands of the redir tool.
 *
 * Every handler is called as handler(argc, argv) with argv[0] the subcommand
 * name ("decode") and argv[1..argc) its arguments; argv[argc] is NULL. It
 * returns the process exit status: 0 success, 1 the input was processed and
 * found bad (or an operation failed), 2 a usage error. Every handler accepts
 * --help (anywhere among its arguments) and then prints its usage on stdout
 * and returns 0; `redir help NAME` relies on that.
 */
#ifndef REDIR_TOOL_COMMANDS_H
#define REDIR_TOOL_COMMANDS_H

#define REDIR_EXIT_OK 0
#define REDIR_EXIT_FAILURE 1
#define REDIR_EXIT_USAGE 2

int cmd_decode(int argc, char **argv); /* cmd_decode.c: one packet from hex to JSON */
int cmd_url(int argc, char **argv);    /* cmd_url.c: redirect URL parsing */
int cmd_dump(int argc, char **argv);   /* cmd_dump.c: captures to JSON */
int cmd_replay(int argc, char **argv); /* cmd_replay.c: replaying captures */
int cmd_build(int argc, char **argv);  /* cmd_build.c: redirect carriers as packets */
int cmd_serve(int argc, char **argv);  /* cmd_serve.c: the redirecting server, conformance kit */
int cmd_probe(int argc, char **argv);  /* cmd_probe.c: connect and follow redirects */

#endif
