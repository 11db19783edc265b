#include "common/cw_log.h"

#include <ctype.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static int log_level = CW_LOG_INFO;
static enum cw_log_format log_format = CW_LOG_FORMAT_TEXT;
static int log_prefix = -1; /* -1: decide from $JOURNAL_STREAM on first use */
static FILE *log_stream;    /* NULL: stderr */

static const char *const level_names[] = {
    [CW_LOG_ERR] = "error", [CW_LOG_WARNING] = "warning", [CW_LOG_NOTICE] = "notice",
    [CW_LOG_INFO] = "info", [CW_LOG_DEBUG] = "debug",
};

void cw_log_set_level(int level) { log_level = level; }
int cw_log_get_level(void) { return log_level; }
void cw_log_set_format(enum cw_log_format fmt) { log_format = fmt; }
void cw_log_set_prefix(int on) { log_prefix = on; }
void cw_log_set_stream(FILE *f) { log_stream = f; }

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

/* ---- redaction ---- */

static int is_key_char(char c) { return isalnum((unsigned char)c) || c == '_' || c == '.' || c == '-'; }

/* Does the key [k, k+n) name a secret? Substring match, so "sasl.password", "ssl.key.pem",
 * "api_token" and "client_secret" all count. Over-redacting a harmless "keys=3" is the price. */
static int key_is_secret(const char *k, size_t n)
{
    static const char *const pats[] = {"password", "secret", "token", "sasl", "key"};
    for (size_t p = 0; p < sizeof pats / sizeof pats[0]; p++) {
        size_t pl = strlen(pats[p]);
        for (size_t i = 0; i + pl <= n; i++)
            if (strncasecmp(k + i, pats[p], pl) == 0)
                return 1;
    }
    return 0;
}

/* Replaces s[start, end) with at most three '*' (never growing the string). Returns the index
 * just past the stars. */
static size_t mask_range(char *s, size_t start, size_t end)
{
    size_t n = end - start, stars = n < 3 ? n : 3;
    memset(s + start, '*', stars);
    memmove(s + start + stars, s + end, strlen(s + end) + 1);
    return start + stars;
}

static int redact_userinfo(char *s)
{
    int count = 0;
    char *p = s;
    while ((p = strstr(p, "://")) != NULL) {
        p += 3;
        size_t auth = strcspn(p, "/?# \t\r\n\v\f\"'<>");
        /* The last '@': a sloppy URL may carry a raw '@' inside the password. */
        char *at = memrchr(p, '@', auth);
        char *colon = at ? memchr(p, ':', (size_t)(at - p)) : NULL;
        if (colon != NULL && at - colon > 1 && !(at - colon == 4 && memcmp(colon + 1, "***", 3) == 0)) {
            size_t start = (size_t)(colon + 1 - s), end = (size_t)(at - s);
            mask_range(s, start, end);
            count++;
        }
    }
    return count;
}

static int redact_pass(char *s)
{
    if (s == NULL)
        return 0;
    int count = 0;
    for (size_t i = 0; s[i]; i++) {
        if (s[i] != '=' && s[i] != ':')
            continue;
        /* Find the key just before the separator: k=v, "k": "v", k: v. */
        size_t kend = i;
        if (kend > 0 && (s[kend - 1] == '"' || s[kend - 1] == '\''))
            kend--;
        size_t kstart = kend;
        while (kstart > 0 && is_key_char(s[kstart - 1]))
            kstart--;
        if (kstart == kend || !key_is_secret(s + kstart, kend - kstart))
            continue;
        size_t v = i + 1;
        if (s[i] == ':') {
            if (s[v] == '/') /* a URL scheme such as "sasl://", not a field */
                continue;
            while (s[v] == ' ')
                v++;
        }
        size_t vend;
        if (s[v] == '"' || s[v] == '\'') {
            char q = s[v++];
            vend = v;
            while (s[vend] && s[vend] != q) {
                if (s[vend] == '\\' && s[vend + 1])
                    vend++;
                vend++;
            }
        } else {
            vend = v + strcspn(s + v, " \t,;&})]\"'");
        }
        if (vend == v)
            continue;
        /* Already redacted, possibly with the URL pass's mask run together with what follows it
         * ("secret:***@host" after a userinfo mask): masking again would not be idempotent. */
        if (vend - v >= 3 && memcmp(s + v, "***", 3) == 0)
            continue;
        i = mask_range(s, v, vend) - 1;
        count++;
    }
    /* URLs last: masking a key's value first can only shorten what the URL scan looks at. */
    return count + redact_userinfo(s);
}

/* The key and URL rules can uncover work for each other (a URL mask joins a key's value to what
 * follows it), so passes repeat until nothing changes. A pass that changes the line masks a
 * character or shortens it, so this ends; a line is short, so it ends fast. */
int cw_log_redact(char *s)
{
    if (s == NULL)
        return 0;
    int total = 0;
    for (int pass = 0; pass < 64; pass++) {
        size_t len = strlen(s);
        size_t stars = 0;
        for (size_t i = 0; i < len; i++)
            stars += s[i] == '*';
        int n = redact_pass(s);
        if (pass == 0)
            total = n; /* secrets found in the line as given; later passes only tidy masks */
        size_t len2 = strlen(s), stars2 = 0;
        for (size_t i = 0; i < len2; i++)
            stars2 += s[i] == '*';
        if (n == 0 || (len2 == len && stars2 == stars))
            break;
    }
    return total;
}

const char *cw_log_quote(const char *value, char *out, size_t outlen)
{
    if (outlen == 0)
        return out;
    if (value == NULL)
        value = "";
    int needs = value[0] == '\0' || strpbrk(value, " \t\"=\\") != NULL;
    size_t o = 0;
    if (!needs) {
        snprintf(out, outlen, "%s", value);
        return out;
    }
    /* Leave room for the closing quote and NUL whatever happens. */
    if (outlen < 3) {
        out[0] = '\0';
        return out;
    }
    out[o++] = '"';
    for (const char *p = value; *p && o + 3 < outlen; p++) {
        if (*p == '"' || *p == '\\')
            out[o++] = '\\';
        out[o++] = *p;
    }
    out[o++] = '"';
    out[o] = '\0';
    return out;
}

/* ---- output ---- */

/* Splits "text k=v k2=\"a b\"" into the plain text and the fields, for the JSON format. */
static void json_fields(json_t *o, const char *msg)
{
    char text[4096];
    size_t tl = 0;
    const char *p = msg;
    while (*p) {
        while (*p == ' ')
            p++;
        if (!*p)
            break;
        const char *k = p;
        while (is_key_char(*p))
            p++;
        if (p > k && *p == '=') {
            char key[128], val[2048];
            snprintf(key, sizeof key, "%.*s", (int)(p - k), k);
            size_t vl = 0;
            p++;
            if (*p == '"') {
                p++;
                while (*p && *p != '"') {
                    if (*p == '\\' && p[1])
                        p++;
                    if (vl + 1 < sizeof val)
                        val[vl++] = *p;
                    p++;
                }
                if (*p == '"')
                    p++;
            } else {
                while (*p && *p != ' ') {
                    if (vl + 1 < sizeof val)
                        val[vl++] = *p;
                    p++;
                }
            }
            val[vl] = '\0';
            if (json_object_get(o, key) != NULL) { /* never overwrite ts, level, module */
                memmove(key + 1, key, sizeof key - 2);
                key[0] = '_';
                key[sizeof key - 1] = '\0';
            }
            char *end = NULL;
            long long ll = vl ? strtoll(val, &end, 10) : 0;
            if (vl && end && *end == '\0' && (isdigit((unsigned char)val[0]) || val[0] == '-'))
                json_object_set_new(o, key, json_integer(ll));
            else
                json_object_set_new(o, key, json_string(val));
            continue;
        }
        /* A plain word: back to the text. */
        p = k;
        while (*p && *p != ' ')
            p++;
        if (tl && tl + 1 < sizeof text)
            text[tl++] = ' ';
        size_t wl = (size_t)(p - k);
        if (tl + wl < sizeof text) {
            memcpy(text + tl, k, wl);
            tl += wl;
        }
    }
    text[tl] = '\0';
    json_object_set_new(o, "msg", json_string(text));
}

/* systemd sets $JOURNAL_STREAM to "device:inode" of the stream it connected; it only counts if
 * stderr is still that stream (not redirected to a file by a wrapper script). */
static int stderr_is_journal(void)
{
    const char *e = getenv("JOURNAL_STREAM");
    unsigned long long dev, ino;
    struct stat st;
    if (e == NULL || sscanf(e, "%llu:%llu", &dev, &ino) != 2 || fstat(STDERR_FILENO, &st) != 0)
        return 0;
    return (unsigned long long)st.st_dev == dev && (unsigned long long)st.st_ino == ino;
}

static void log_write(int level, const char *module, char *msg)
{
    FILE *out = log_stream ? log_stream : stderr;
    /* Keep one event on one line whatever the message carried in. */
    for (char *p = msg; *p; p++)
        if (*p == '\n' || *p == '\r')
            *p = ' ';
    cw_log_redact(msg);

    if (log_format == CW_LOG_FORMAT_JSON) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        struct tm tm;
        gmtime_r(&ts.tv_sec, &tm);
        char when[64];
        snprintf(when, sizeof when, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ", tm.tm_year + 1900,
                 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000000);
        json_t *o = json_pack("{s:s, s:s, s:s}", "ts", when, "level", level_names[level], "module", module);
        if (o != NULL)
            json_fields(o, msg);
        /* The message may carry invalid UTF-8 from the web: jansson then refuses it, so fall back. */
        if (o != NULL && json_object_get(o, "msg") == NULL)
            json_object_set_new(o, "msg", json_string("(message not valid UTF-8)"));
        char *line = o ? json_dumps(o, JSON_COMPACT) : NULL;
        if (line != NULL)
            fprintf(out, "%s\n", line);
        free(line);
        json_decref(o);
        return;
    }
    if (log_prefix < 0)
        log_prefix = stderr_is_journal();
    if (log_prefix)
        fprintf(out, "<%d>%s: %s\n", level, module, msg);
    else
        fprintf(out, "claimwatch %s %s: %s\n", level_names[level], module, msg);
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
    log_write(level, module, msg);
}
