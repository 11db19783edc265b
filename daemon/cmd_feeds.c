/* claimwatch feeds: placeholder until the feeds module lands (see the issue that builds it). */
#include <stdio.h>

#include "daemon/cli.h"

int cmd_feeds(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "claimwatch feeds: not built yet\n");
    return CW_EXIT_FAIL;
}
