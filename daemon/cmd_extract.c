/* claimwatch extract: placeholder until the extract module lands (see the issue that builds it). */
#include <stdio.h>

#include "daemon/cli.h"

int cmd_extract(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "claimwatch extract: not built yet\n");
    return CW_EXIT_FAIL;
}
