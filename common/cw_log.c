#include "common/cw_log.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int log_level = CW_LOG_INFO;
static enum cw_log_format log_format = CW_LOG_FORMAT_TEXT;
static int log_prefix = -1; /* -1: decide from $JOURNAL_STREAM on first use */

static const char *const level_names[] = {
    [CW_LOG_ERR] = "error", [CW_LOG_WARNING] = "warning", [CW_LOG_NOTICE] = "notice",
    [CW_LOG_INFO] = "info", [CW_LOG_DEBUG] = "debug",
};

void cw_log_set_level(int level) { log_level = level; }
int cw_log_get_level(void) { return log_level; }
void cw_log_set_format(enum cw_log_format fmt) { log_format = fmt; }
void cw_log_set_prefix(int on) { log_prefix = on; }

int cw_log_level_from_name(const char *name)
{
    for (int i = CW_LOG_ERR; i <= CW_LOG_DEBUG; i++)
        if (strcmp(name, level_names[i]) == 0)
            return i;
    if (strcmp(name, "warn") == 0)
        return CW_LOG_WARNING;
    if (strcmp(name, "err") == 0)
        return CW_LOG_ERR;
    return -1;
}

void cw_log(int level, const char *module, const char *fmt, ...)
{
    if (level > log_level)
        return;
    if (level < CW_LOG_ERR)
        level = CW_LOG_ERR;
    if (level > CW_LOG_DEBUG)
        level = CW_LOG_DEBUG;
    char msg[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    /* Keep one event on one line whatever the message carried in. */
    for (char *p = msg; *p; p++)
        if (*p == '\n' || *p == '\r')
            *p = ' ';

    if (log_format == CW_LOG_FORMAT_JSON) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        struct tm tm;
        gmtime_r(&ts.tv_sec, &tm);
        char when[64];
        snprintf(when, sizeof when, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ", tm.tm_year + 1900,
                 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000000);
        json_t *o = json_pack("{s:s, s:s, s:s, s:s}", "ts", when, "level", level_names[level],
                              "module", module, "msg", msg);
        char *line = o ? json_dumps(o, JSON_COMPACT) : NULL;
        if (line != NULL)
            fprintf(stderr, "%s\n", line);
        free(line);
        json_decref(o);
        return;
    }
    if (log_prefix < 0)
        log_prefix = getenv("JOURNAL_STREAM") != NULL;
    if (log_prefix)
        fprintf(stderr, "<%d>%s: %s\n", level, module, msg);
    else
        fprintf(stderr, "claimwatch %s %s: %s\n", level_names[level], module, msg);
}
