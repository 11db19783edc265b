/* Fuzz target for the log path that sees text from the web (titles, URLs, server messages): the
 * secret redactor, logfmt quoting, the JSON field splitter and metric label escaping. Checks the
 * invariants too: redaction never grows a string, is idempotent, and leaves no value after
 * "password=" unmasked. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cw_log.h"
#include "sinks/sink_kafka.h"
#include "common/cw_metrics.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 8192)
        return 0;
    char *s = malloc(size + 1);
    if (s == NULL)
        return 0;
    memcpy(s, data, size);
    s[size] = '\0';
    size_t before = strlen(s);

    char *a = strdup(s);
    if (a != NULL) {
        cw_log_redact(a);
        if (strlen(a) > before)
            abort();
        /* No value left readable after "password=". */
        for (const char *p = strstr(a, "password="); p != NULL; p = strstr(p + 1, "password=")) {
            const char *v = p + 9;
            if (*v == '"' || *v == '\'') {
                if (v[1] != '*' && v[1] != *v && v[1] != '\0')
                    abort();
            } else if (*v != '\0' && strchr("* \t,;&})]\"'", *v) == NULL) {
                abort();
            }
        }
        char *b = strdup(a);
        if (b != NULL) {
            cw_log_redact(b);
            if (strcmp(a, b) != 0) /* idempotent */
                abort();
            free(b);
        }
        free(a);
    }

    char q[256], lab[512];
    cw_log_quote(s, q, sizeof q);
    if (strlen(q) >= sizeof q)
        abort();
    metric_labels(lab, sizeof lab, "k", s, "k2", s, NULL);

    static FILE *devnull;
    if (devnull == NULL)
        devnull = fopen("/dev/null", "w");
    cw_log_set_stream(devnull);
    cw_log_set_level(CW_LOG_DEBUG);
    cw_log_set_format(CW_LOG_FORMAT_JSON);
    cw_log(CW_LOG_INFO, "fuzz", "%s", s);
    cw_log_set_format(CW_LOG_FORMAT_TEXT);
    cw_log_set_prefix(1);
    cw_log(CW_LOG_WARNING, "fuzz", "%s", s);
    cw_log(sink_kafka_log_level((int)(size % 9)), "kafka", "%s: %s", "FAC", s);
    cw_log_set_stream(NULL);
    free(s);
    return 0;
}
