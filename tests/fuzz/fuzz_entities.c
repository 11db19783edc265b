/* libFuzzer target: entity decoding, the XML repair pass and the HTML sanitiser. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/cw_buf.h"
#include "common/cw_strv.h"
#include "parsers/charset.h"
#include "parsers/entities.h"
#include "parsers/html.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct cw_buf b;
    cw_buf_init(&b, 1 << 24);
    entities_decode_append(&b, (const char *)data, size);
    cw_buf_free(&b);
    struct cw_strv errs = {0};
    cw_buf_init(&b, 1 << 24);
    charset_clean_xml((const char *)data, size, &b, &errs);
    cw_buf_free(&b);
    cw_strv_free(&errs);
    char *h = NULL, *t = NULL;
    if (html_sanitize((const char *)data, size, "https://example.org/a/", &h, &t) == 0) {
        free(h);
        free(t);
    }
    return 0;
}
