#include "daemon/cli.h"

#include <stdarg.h>

int cli_usage_error(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "claimwatch %s: ", cmd);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\nTry 'claimwatch %s --help'.\n", cmd);
    return CW_EXIT_USAGE;
}
