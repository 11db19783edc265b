/* Leveled logging: one function, per-module macros add the tag.
 * Levels use syslog numbering so stderr lines can carry journald's "<N>" priority prefix. */
#ifndef CW_LOG_H
#define CW_LOG_H

#include <stddef.h>
#include <stdio.h>

enum cw_log_level {
    CW_LOG_ERR = 3,
    CW_LOG_WARNING = 4,
    CW_LOG_NOTICE = 5,
    CW_LOG_INFO = 6,
    CW_LOG_DEBUG = 7,
};

enum cw_log_format {
    CW_LOG_FORMAT_TEXT = 0,    /* "<4>module: message key=value" */
    CW_LOG_FORMAT_JSON = 1,    /* one JSON object per line */
};

/* Messages above this level are dropped. Default CW_LOG_INFO. */
void cw_log_set_level(int level);
int cw_log_get_level(void);
void cw_log_set_format(enum cw_log_format fmt);
/* Prefix text lines with "<N>" (journald/syslog priority): 1 on, 0 off, -1 decide from
 * $JOURNAL_STREAM at the next line (the default: on when stderr is the journal). */
void cw_log_set_prefix(int on);
/* Parse "error|warning|notice|info|debug"; returns the level or -1. */
int cw_log_level_from_name(const char *name);

/* Write one log line. module is a short tag ("fetch", "kafka"); the message should read as
 * "what happened" followed by key=value fields an operator can grep for. */
void cw_log(int level, const char *module, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Redacts secrets in place: the value after any key that contains password, secret, token, sasl
 * or key (case-insensitive) in "k=v", "k: v" and JSON "\"k\":\"v\"" forms, and the password
 * in URL userinfo ("https://user:pw@host"), becomes "***". Returns the number of values redacted.
 * cw_log() runs every message through it, so a secret slipped into a format string still never
 * reaches the journal. */
int cw_log_redact(char *s);

/* Quotes a value for a key=value field when it holds spaces, quotes or '=' (logfmt style), into
 * out (always NUL-terminated, truncated to outlen). Returns out, for use inside a cw_log call. */
const char *cw_log_quote(const char *value, char *out, size_t outlen);

/* Routes libcurl's verbose output through cw_log (module "curl", debug level) for one easy
 * handle (CURL *): informational text and header lines only, never bodies, and the
 * Authorization / Proxy-Authorization / Cookie headers are redacted. Does nothing unless the log
 * level is debug, so it costs nothing in production. */
void cw_log_attach_curl(void *curl_easy);

/* Where lines go: stderr unless a test redirects them (NULL restores stderr). */
void cw_log_set_stream(FILE *f);

#define CW_ERR(mod, ...) cw_log(CW_LOG_ERR, mod, __VA_ARGS__)
#define CW_WARN(mod, ...) cw_log(CW_LOG_WARNING, mod, __VA_ARGS__)
#define CW_NOTICE(mod, ...) cw_log(CW_LOG_NOTICE, mod, __VA_ARGS__)
#define CW_INFO(mod, ...) cw_log(CW_LOG_INFO, mod, __VA_ARGS__)
#define CW_DEBUG(mod, ...) \
    do { \
        if (cw_log_get_level() >= CW_LOG_DEBUG) \
            cw_log(CW_LOG_DEBUG, mod, __VA_ARGS__); \
    } while (0)

#endif
