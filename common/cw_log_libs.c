/* Routes libcurl's own logging into cw_log. Kept apart from cw_log.c so that programs that log
 * but never fetch (the claimwatch front: parse, extract, tag) do not link libcurl. librdkafka's
 * lines go through the Kafka sink's callback (sink_kafka_log_level), which the share consumer
 * uses too. */
#include "common/cw_log.h"

#include <curl/curl.h>
#include <string.h>
#include <strings.h>

/* Header names whose values are credentials. */
static int header_is_secret(const char *line, size_t n)
{
    static const char *const names[] = {"authorization:", "proxy-authorization:", "cookie:", "set-cookie:"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        size_t l = strlen(names[i]);
        if (n >= l && strncasecmp(line, names[i], l) == 0)
            return 1;
    }
    return 0;
}

static int curl_debug_cb(CURL *h, curl_infotype type, char *data, size_t size, void *user)
{
    (void)h;
    (void)user;
    const char *dir;
    switch (type) {
    case CURLINFO_TEXT:
        dir = "*";
        break;
    case CURLINFO_HEADER_IN:
        dir = "<";
        break;
    case CURLINFO_HEADER_OUT:
        dir = ">";
        break;
    default:
        return 0; /* bodies and TLS records never reach the log */
    }
    /* One call may carry several header lines (outgoing headers come as one block). */
    size_t i = 0;
    while (i < size) {
        size_t j = i;
        while (j < size && data[j] != '\n')
            j++;
        size_t n = j - i;
        while (n > 0 && (data[i + n - 1] == '\r'))
            n--;
        if (n > 0) {
            if (type != CURLINFO_TEXT && header_is_secret(data + i, n)) {
                const char *colon = memchr(data + i, ':', n);
                cw_log(CW_LOG_DEBUG, "curl", "%s %.*s ***", dir, (int)(colon - (data + i) + 1), data + i);
            } else {
                cw_log(CW_LOG_DEBUG, "curl", "%s %.*s", dir, (int)(n > 2000 ? 2000 : n), data + i);
            }
        }
        i = j + 1;
    }
    return 0;
}

void cw_log_attach_curl(void *curl_easy)
{
    if (curl_easy == NULL || cw_log_get_level() < CW_LOG_DEBUG)
        return;
    curl_easy_setopt(curl_easy, CURLOPT_DEBUGFUNCTION, curl_debug_cb);
    curl_easy_setopt(curl_easy, CURLOPT_VERBOSE, 1L);
}
