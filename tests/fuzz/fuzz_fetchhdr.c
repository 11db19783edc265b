/* Fuzz target: response header lines as a server sends them (the fetcher's header callback), then
 * the Retry-After and Cache-Control/Expires parsers on whatever was kept. Input: header lines
 * separated by '\n'. */
#include <stdint.h>

#include "../../daemon/fetch.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fetch_xfer x;
    memset(&x, 0, sizeof x);
    const char *p = (const char *)data, *end = p + size;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t n = nl ? (size_t)(nl - p) + 1 : (size_t)(end - p);
        /* curl hands over one line at a time, not NUL-terminated: copy so ASan sees overreads */
        char *line = malloc(n ? n : 1);
        if (line == NULL)
            break;
        memcpy(line, p, n);
        fetch_header_cb(line, 1, n, &x);
        free(line);
        p += n;
    }
    (void)fetch_parse_retry_after(x.h_retry_after, 1700000000);
    (void)fetch_parse_max_age(x.h_cache_control, x.h_expires, 1700000000);
    free(x.h_etag);
    free(x.h_lm);
    free(x.h_retry_after);
    free(x.h_cache_control);
    free(x.h_expires);
    return 0;
}
