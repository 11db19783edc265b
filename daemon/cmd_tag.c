/* claimwatch tag: placeholder until the tag module lands (see the issue that builds it). */
#include <stdio.h>

#include "daemon/cli.h"

int cmd_tag(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "claimwatch tag: not built yet\n");
    return CW_EXIT_FAIL;
}
