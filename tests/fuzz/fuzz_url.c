/* libFuzzer target: URL resolution and canonicalisation. The input is "ref\nbase". */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "parsers/url.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    if (s == NULL)
        return 0;
    memcpy(s, data, size);
    s[size] = '\0';
    char *nl = strchr(s, '\n');
    const char *base = NULL;
    if (nl) {
        *nl = '\0';
        base = nl + 1;
    }
    char *r = url_resolve(s, base);
    char *c = url_canonical(r ? r : s);
    url_is_safe(s);
    free(c);
    free(r);
    free(s);
    return 0;
}
