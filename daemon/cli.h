/* The subcommands of the claimwatch binary. Each takes argc/argv with argv[0] = the command name
 * and returns the process exit status: 0 ok, 1 failure, 2 usage error. */
#ifndef CW_CLI_H
#define CW_CLI_H

#include <stdio.h>

#define CW_EXIT_OK 0
#define CW_EXIT_FAIL 1
#define CW_EXIT_USAGE 2

int cmd_run(int argc, char **argv);
int cmd_once(int argc, char **argv);
int cmd_parse(int argc, char **argv);
int cmd_extract(int argc, char **argv);
int cmd_tag(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_feeds(int argc, char **argv);

/* Prints "claimwatch CMD: MSG" and a hint to try --help; returns CW_EXIT_USAGE. */
int cli_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Prints the version line and the versions of the libraries linked in. */
void cli_print_version(FILE *out);

#endif
