/* claimwatch: watch news feeds, tag new reports against tracked claims, publish enriched events.
 * git-style subcommands; see docs/cli.md. */
#include <stdio.h>
#include <string.h>

#include "daemon/cli.h"

struct command {
    const char *name;
    int (*fn)(int argc, char **argv);
    const char *summary;
};

static const struct command commands[] = {
    {"run", cmd_run, "run the daemon in the foreground (systemd runs it this way)"},
    {"once", cmd_once, "poll every feed once, deliver every event, exit"},
    {"parse", cmd_parse, "parse one feed document and print its normalised JSON"},
    {"extract", cmd_extract, "extract the article from one HTML page and print it as JSON"},
    {"tag", cmd_tag, "tag JSONL documents against a claim set (no config, state or network)"},
    {"check", cmd_check, "validate a config and its claim set"},
    {"feeds", cmd_feeds, "import feeds from OPML, list feeds and their state"},
};

static void usage(FILE *out)
{
    fprintf(out, "usage: claimwatch [--version] [--help] COMMAND [ARGS]\n\ncommands:\n");
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(out, "  %-8s %s\n", commands[i].name, commands[i].summary);
    fprintf(out, "\n'claimwatch COMMAND --help' describes one command.\n");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return CW_EXIT_USAGE;
    }
    if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "version") == 0) {
        cli_print_version(stdout);
        return CW_EXIT_OK;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "help") == 0) {
        usage(stdout);
        return CW_EXIT_OK;
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (strcmp(argv[1], commands[i].name) == 0)
            return commands[i].fn(argc - 1, argv + 1);
    fprintf(stderr, "claimwatch: '%s' is not a command.\nTry 'claimwatch --help'.\n", argv[1]);
    return CW_EXIT_USAGE;
}
