/* Leveled logging: one function, per-module macros add the tag.
 * Levels use syslog numbering so stderr lines can carry journald's "<N>" priority prefix. */
#ifndef CW_LOG_H
#define CW_LOG_H

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
/* Prefix text lines with "<N>" (journald/syslog priority). On by default when stderr is the journal. */
void cw_log_set_prefix(int on);
/* Parse "error|warning|notice|info|debug"; returns the level or -1. */
int cw_log_level_from_name(const char *name);

/* Write one log line. module is a short tag ("fetch", "kafka"); the message should read as
 * "what happened" followed by key=value fields an operator can grep for. */
void cw_log(int level, const char *module, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

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
