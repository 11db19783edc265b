/* Routes libcurl's and librdkafka's own logging into cw_log. Kept apart from cw_log.c so that
 * programs that log but never fetch or produce (the claimwatch front: parse, extract, tag) do not
 * link libcurl and librdkafka. */
#include "common/cw_log.h"

#include <curl/curl.h>
#include <librdkafka/rdkafka.h>
#include <string.h>
#include <strings.h>

void cw_log_rdkafka_cb(const void *rk, int level, const char *fac, const char *buf)
{
    (void)rk;
    /* librdkafka uses syslog levels; its emergencies and criticals are our errors. Called from
     * librdkafka's own threads: cw_log only reads settings fixed at start and writes one line. */
    if (level < CW_LOG_ERR)
        level = CW_LOG_ERR;
    if (level > CW_LOG_DEBUG)
        level = CW_LOG_DEBUG;
    cw_log(level, "kafka", "%s facility=%s", buf ? buf : "", fac ? fac : "-");
}

static void rdkafka_log_trampoline(const rd_kafka_t *rk, int level, const char *fac, const char *buf)
{
    cw_log_rdkafka_cb(rk, level, fac, buf);
}

void cw_log_attach_rdkafka(void *rd_kafka_conf)
{
    if (rd_kafka_conf != NULL)
        rd_kafka_conf_set_log_cb(rd_kafka_conf, rdkafka_log_trampoline);
}

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
