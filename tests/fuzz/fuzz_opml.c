/* libFuzzer target: OPML feed lists. */
#include <stdint.h>

#include "parsers/opml.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct opml_feed *f = NULL;
    size_t n = 0;
    char err[256];
    if (opml_parse((const char *)data, size, "https://example.org/list.opml", &f, &n, err, sizeof err) == 0)
        opml_feeds_free(f, n);
    return 0;
}
