/* claimwatch run / once / check: placeholder until the daemon pipeline lands. */
#include <stdio.h>

#include "daemon/cli.h"

int cmd_run(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "claimwatch run: not built yet\n");
    return CW_EXIT_FAIL;
}

int cmd_once(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "claimwatch once: not built yet\n");
    return CW_EXIT_FAIL;
}

int cmd_check(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "claimwatch check: not built yet\n");
    return CW_EXIT_FAIL;
}
