/* libFuzzer target: any bytes through feed detection, repair and the XML feed parsers. The JSON
 * written straight from the model (feed_doc_write_json) must be byte-identical to the Jansson
 * tree dumped by jsonout_write: a difference aborts. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parsers/feed.h"
#include "parsers/jsonout.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct feed_parse_opts o = {.url = "https://example.org/feed/", .content_type = "text/xml; charset=utf-8"};
    struct feed_doc *d = NULL;
    char err[256];
    if (feed_parse((const char *)data, size, &o, &d, err, sizeof err) == 0) {
        json_t *j = feed_doc_to_json(d);
        char *a = NULL, *b = NULL;
        size_t al = 0, bl = 0;
        FILE *fa = open_memstream(&a, &al), *fb = open_memstream(&b, &bl);
        if (fa != NULL && fb != NULL) {
            int ra = jsonout_write(fa, j, 0), rb = feed_doc_write_json(fb, d, 0);
            fclose(fa);
            fclose(fb);
            fa = fb = NULL;
            if (ra == 0 && rb == 0 && (al != bl || memcmp(a, b, al) != 0))
                abort();
        }
        if (fa != NULL)
            fclose(fa);
        if (fb != NULL)
            fclose(fb);
        free(a);
        free(b);
        json_decref(j);
        feed_doc_destroy(d);
    }
    return 0;
}
