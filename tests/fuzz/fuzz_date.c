/* libFuzzer target: date strings. */
#include <stdint.h>
#include <string.h>

#include "parsers/date.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char s[256];
    if (size >= sizeof s)
        size = sizeof s - 1;
    memcpy(s, data, size);
    s[size] = '\0';
    char out[32];
    date_normalize(s, out, sizeof out);
    return 0;
}
