/* libFuzzer target: article extraction on arbitrary bytes. The first byte picks an HTTP charset
 * (none / UTF-8 / Latin-1 / Shift_JIS) so the encoding paths are fuzzed too. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "parsers/extract.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const cts[] = {NULL, "text/html; charset=utf-8", "text/html; charset=iso-8859-1",
                                      "text/html; charset=\"shift_jis\""};
    struct extract_opts o = {.url = "https://fuzz.example/a/b.html"};
    if (size > 0) {
        o.content_type = cts[data[0] & 3];
        data++;
        size--;
    }
    struct article *a = NULL;
    char err[256];
    if (extract_article((const char *)data, size, &o, &a, err, sizeof err) == 0) {
        json_t *j = article_to_json(a);
        /* every value the extractor produced must survive into JSON (valid UTF-8) */
        if (json_object_get(j, "text") == NULL || (a->title && *a->title && json_object_get(j, "title") == NULL) ||
            json_array_size(json_object_get(j, "paragraphs")) != a->paragraphs.n)
            abort();
        char *s = json_dumps(j, 0);
        free(s);
        json_decref(j);
        article_destroy(a);
    }
    return 0;
}
