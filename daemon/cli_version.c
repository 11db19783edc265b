/* Kept apart from cli.c: it names every library the daemon links, so only claimwatchd pulls it in
 * and the light claimwatch front stays free of libcurl, librdkafka and the rest (see main.c). */
#include "daemon/cli.h"

#include "tagger/tagger.h"

#include <curl/curl.h>
#include <jansson.h>
#include <librdkafka/rdkafka.h>
#include <libxml/xmlversion.h>
#include <microhttpd.h>
#include <sqlite3.h>
#include <utf8proc.h>

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
    /* what claims_min_score can raise: docs quote it, tests/integration/docs_threshold.sh checks */
    fprintf(out, "  tagger model: trained threshold (%.2f)\n", tagger_model_threshold());
}
