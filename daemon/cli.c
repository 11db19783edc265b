#include "daemon/cli.h"

#include <curl/curl.h>
#include <jansson.h>
#include <librdkafka/rdkafka.h>
#include <libxml/xmlversion.h>
#include <microhttpd.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <utf8proc.h>

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

void cli_print_version(FILE *out)
{
    fprintf(out, "claimwatch %s\n", CW_VERSION);
    fprintf(out, "  librdkafka %s\n", rd_kafka_version_str());
    fprintf(out, "  libcurl %s\n", curl_version_info(CURLVERSION_NOW)->version);
    fprintf(out, "  libxml2 %s\n", LIBXML_DOTTED_VERSION);
    fprintf(out, "  jansson %s\n", jansson_version_str());
    fprintf(out, "  sqlite %s\n", sqlite3_libversion());
    fprintf(out, "  libmicrohttpd %s\n", MHD_get_version());
    fprintf(out, "  utf8proc %s\n", utf8proc_version());
}
