/* libFuzzer target: any bytes through feed detection, repair and the sitemap parser. */
#include <stdint.h>
#include <stdlib.h>

#include "parsers/feed.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct feed_parse_opts o = {.url = "https://example.org/feed/", .content_type = "text/xml; charset=utf-8"};
    struct feed_doc *d = NULL;
    char err[256];
    if (feed_parse((const char *)data, size, &o, &d, err, sizeof err) == 0) {
        json_t *j = feed_doc_to_json(d);
        char *s = json_dumps(j, JSON_COMPACT);
        free(s);
        json_decref(j);
        feed_doc_destroy(d);
    }
    return 0;
}
