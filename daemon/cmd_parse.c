/* claimwatch parse: placeholder until the parse module lands (see the issue that builds it). */
#include <stdio.h>

#include "daemon/cli.h"

int cmd_parse(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "claimwatch parse: not built yet\n");
    return CW_EXIT_FAIL;
}
