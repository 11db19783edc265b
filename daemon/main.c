/* claimwatch: watch news feeds, tag new reports against tracked claims, publish enriched events.
 * git-style subcommands; see docs/cli.md.
 *
 * This file builds two programs. claimwatchd has every command. claimwatch (CW_FRONT) runs the
 * one-shot tools (parse, extract, tag) in process and execs claimwatchd, from its own directory,
 * for the rest: the tools then load 14 shared libraries instead of about 50 (libcurl and
 * librdkafka bring in TLS, Kerberos, LDAP ...), which takes start-up from about 5 ms of CPU to
 * about 1.5 ms per call (a third of parsing a 2,000-item feed). exec keeps the pid, so
 * `claimwatch run` under systemd (Type=notify, NotifyAccess=main) behaves as claimwatchd run. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "daemon/cli.h"

struct command {
    const char *name;
    int (*fn)(int argc, char **argv); /* NULL in the front: exec claimwatchd */
    const char *summary;
};

#ifdef CW_FRONT
#define DAEMON_CMD(f) NULL
#else
#define DAEMON_CMD(f) f
#endif

static const struct command commands[] = {
    {"run", DAEMON_CMD(cmd_run), "run the daemon in the foreground (systemd runs it this way)"},
    {"once", DAEMON_CMD(cmd_once), "poll every feed once, deliver every event, exit"},
    {"parse", cmd_parse, "parse one feed document and print its normalised JSON"},
    {"extract", cmd_extract, "extract the article from one HTML page and print it as JSON"},
    {"tag", cmd_tag, "tag JSONL documents against a claim set (no config, state or network)"},
    {"check", DAEMON_CMD(cmd_check), "validate a config and its claim set"},
    {"feeds", DAEMON_CMD(cmd_feeds), "import feeds from OPML, list feeds and their state"},
};

static void usage(FILE *out)
{
    fprintf(out, "usage: claimwatch [--version] [--help] COMMAND [ARGS]\n\ncommands:\n");
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(out, "  %-8s %s\n", commands[i].name, commands[i].summary);
    fprintf(out, "\n'claimwatch COMMAND --help' describes one command.\n");
}

#ifdef CW_FRONT
/* Replaces this process with claimwatchd and the same arguments: the one beside this binary
 * (build tree, or an install that moved both), else the one in the configured bindir. */
static int exec_daemon(char **argv)
{
    char self[PATH_MAX];
    char path[PATH_MAX + 16];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    if (n > 0) {
        self[n] = '\0';
        char *slash = strrchr(self, '/');
        if (slash) {
            *slash = '\0';
            snprintf(path, sizeof path, "%s/claimwatchd", self);
            execv(path, argv);
        }
    }
    snprintf(path, sizeof path, "%s/claimwatchd", CW_BINDIR);
    execv(path, argv);
    fprintf(stderr, "claimwatch: cannot run claimwatchd (looked beside %s and in %s): %s\n",
            n > 0 ? self : "this program", CW_BINDIR, strerror(errno));
    return CW_EXIT_FAIL;
}
#endif

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return CW_EXIT_USAGE;
    }
    if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "version") == 0) {
#ifdef CW_FRONT
        return exec_daemon(argv); /* it lists the versions of every library the daemon links */
#else
        cli_print_version(stdout);
        return CW_EXIT_OK;
#endif
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "help") == 0) {
        usage(stdout);
        return CW_EXIT_OK;
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
        if (strcmp(argv[1], commands[i].name) != 0)
            continue;
#ifdef CW_FRONT
        if (!commands[i].fn)
            return exec_daemon(argv);
#endif
        return commands[i].fn(argc - 1, argv + 1);
    }
    fprintf(stderr, "claimwatch: '%s' is not a command.\nTry 'claimwatch --help'.\n", argv[1]);
    return CW_EXIT_USAGE;
}
