/* Config loading: one table per JSON object validates types, fills defaults and documents the
 * keys (cfg_dump), so the reference in docs/config.md, the loader and --dump cannot disagree. */
#include "config/cfg.h"

#include <glob.h>
#include <libgen.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cw_jsonpos.h"
#include "common/cw_log.h"
#include "common/cw_util.h"
#include "daemon/share.h"
#include "sinks/sink_kafka.h"

enum cfg_type { CFG_INT, CFG_BOOL, CFG_STRING, CFG_STRV, CFG_SHARE /* a double in [0, 1] */ };

struct cfg_key {
    const char *name;
    enum cfg_type type;
    size_t offset;
    const char *def; /* default as text ("900", "true", a string, or NULL) */
    int64_t min, max;
    const char *help;
};

#define F(field) offsetof(struct cfg_fetch, field)
static const struct cfg_key fetch_keys[] = {
    {"interval_s", CFG_INT, F(interval_s), "900", 10, 604800, "default poll interval per feed"},
    {"min_interval_s", CFG_INT, F(min_interval_s), "60", 1, 604800, "lower bound for a feed's own hints"},
    {"max_interval_s", CFG_INT, F(max_interval_s), "86400", 10, 2592000, "upper bound for a feed's own hints"},
    {"backoff_max_s", CFG_INT, F(backoff_max_s), "21600", 10, 604800, "cap of the failure backoff"},
    {"connect_timeout_ms", CFG_INT, F(connect_timeout_ms), "10000", 100, 600000, "TCP+TLS connect timeout"},
    {"timeout_ms", CFG_INT, F(timeout_ms), "60000", 100, 3600000, "whole-transfer timeout"},
    {"low_speed_bytes", CFG_INT, F(low_speed_bytes), "100", 0, INT32_MAX, "abort below this many bytes/s..."},
    {"low_speed_time_s", CFG_INT, F(low_speed_time_s), "30", 0, 3600, "...for this many seconds"},
    {"max_body_bytes", CFG_INT, F(max_body_bytes), "16777216", 1024, INT64_C(1) << 32, "feed body cap (decoded)"},
    {"max_article_bytes", CFG_INT, F(max_article_bytes), "8388608", 1024, INT64_C(1) << 32,
     "article page cap (decoded)"},
    {"max_items", CFG_INT, F(max_items), "500", 1, 1000000, "items read per feed fetch"},
    {"max_redirects", CFG_INT, F(max_redirects), "5", 0, 20, "redirects followed per fetch"},
    {"permanent_redirect_after", CFG_INT, F(permanent_redirect_after), "3", 1, 100,
     "consecutive 301/308 before the stored URL moves"},
    {"concurrency", CFG_INT, F(concurrency), "32", 1, 10000, "transfers at once"},
    {"per_host", CFG_INT, F(per_host), "2", 1, 100, "transfers at once per host"},
    {"user_agent", CFG_STRING, F(user_agent), "claimwatch/" CW_VERSION " (+https://github.com/claimwatch/claimwatch)",
     0, 0, "User-Agent header"},
    {"proxy", CFG_STRING, F(proxy), NULL, 0, 0, "proxy URL; none unless set (environment ignored)"},
    {"allow_cidrs", CFG_STRV, F(allow_cidrs), NULL, 0, 0,
     "private/loopback ranges allowed despite the SSRF guard, e.g. [\"10.1.0.0/16\"]"},
    {"allow_file", CFG_BOOL, F(allow_file), "false", 0, 1, "allow file:// feed URLs"},
};
#undef F

#define C(field) offsetof(struct cfg, field)
static const struct cfg_key top_keys[] = {
    {"state_dir", CFG_STRING, C(state_dir), "/var/lib/claimwatch", 0, 0, "holds state.db"},
    {"claims", CFG_STRV, C(claims), NULL, 0, 0, "claim-set files (globs), relative to the config file"},
    {"opml", CFG_STRV, C(opml), NULL, 0, 0, "OPML files with further feeds"},
    {"instance", CFG_STRING, C(instance), "claimwatch", 0, 0, "this daemon's name"},
    {"share_group", CFG_STRING, C(share_group), "", 0, 0,
     "consumer group of the daemons sharing the feeds (\"\": not shared, poll every feed)"},
    {"share_topic", CFG_STRING, C(share_topic), "claimwatch.feeds", 0, 0,
     "topic whose partitions split the feeds (must exist)"},
    {"drain_timeout_ms", CFG_INT, C(drain_timeout_ms), "10000", 0, 600000, "flush deadline on SIGTERM"},
    {"max_text_bytes", CFG_INT, C(max_text_bytes), "65536", 256, 16777216, "item text cap in events"},
    {"claims_min_score", CFG_SHARE, C(claims_min_score), "0", 0, 1,
     "claims scored below are not reported (0: the model's own threshold)"},
};
static const struct cfg_key outbox_keys[] = {
    {"max_rows", CFG_INT, C(outbox_max_rows), "100000", 10, INT32_MAX, "fetching pauses at this backlog"},
    {"max_bytes", CFG_INT, C(outbox_max_bytes), "536870912", 4096, INT64_MAX, "... or at this many payload bytes"},
};
static const struct cfg_key log_keys[] = {
    {"level", CFG_STRING, C(log_level), "info", 0, 0, "error | warning | notice | info | debug"},
    {"format", CFG_STRING, C(log_format), "text", 0, 0, "text | json"},
};
static const struct cfg_key metrics_keys[] = {
    {"listen", CFG_STRING, C(metrics_listen), "127.0.0.1:9464", 0, 0, "host:port of /metrics; \"\" disables"},
};
#undef C

#define FD(field) offsetof(struct cfg_feed, field)
static const struct cfg_key feed_keys[] = {
    {"url", CFG_STRING, FD(url), NULL, 0, 0, "feed URL (or a path relative to the config: file://)"},
    {"title", CFG_STRING, FD(title), NULL, 0, 0, "display name"},
    {"interval_s", CFG_INT, FD(interval_s), "0", 0, 604800, "poll interval (0: fetch.interval_s)"},
    {"fetch_articles", CFG_BOOL, FD(fetch_articles), "false", 0, 1, "fetch and extract linked pages"},
    {"max_items", CFG_INT, FD(max_items), "0", 0, 1000000, "items per fetch (0: fetch.max_items)"},
};
#undef FD

#define NKEYS(t) (sizeof(t) / sizeof((t)[0]))

struct cfg_ctx {
    const char *path;
    struct cw_jsonpos *pos;
    struct cw_strv *errors;
};

static void cfg_error(struct cfg_ctx *cx, const char *pointer, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void cfg_error(struct cfg_ctx *cx, const char *pointer, const char *fmt, ...)
{
    int line = 1, col = 1;
    cw_jsonpos_find(cx->pos, pointer, &line, &col);
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    cw_strv_pushf(cx->errors, "%s:%d:%d: %s", cx->path, line, col, msg);
}

static const char *type_name(enum cfg_type t)
{
    switch (t) {
    case CFG_INT: return "an integer";
    case CFG_BOOL: return "true or false";
    case CFG_STRING: return "a string";
    case CFG_STRV: return "an array of strings";
    case CFG_SHARE: return "a number from 0 to 1";
    }
    return "?";
}

static int set_default(const struct cfg_key *k, void *base)
{
    char *p = (char *)base + k->offset;
    switch (k->type) {
    case CFG_INT:
        *(int64_t *)p = k->def ? strtoll(k->def, NULL, 10) : 0;
        return 0;
    case CFG_BOOL:
        *(int *)p = k->def && strcmp(k->def, "true") == 0;
        return 0;
    case CFG_STRING:
        if (k->def == NULL)
            return 0;
        *(char **)p = strdup(k->def);
        return *(char **)p ? 0 : -1;
    case CFG_STRV:
        return 0;
    case CFG_SHARE:
        *(double *)p = k->def ? strtod(k->def, NULL) : 0;
        return 0;
    }
    return 0;
}

/* Applies obj's members to base through the table; unknown keys and type errors are reported. */
static void apply_table(struct cfg_ctx *cx, const json_t *obj, const char *where, const struct cfg_key *keys,
                        size_t nkeys, void *base)
{
    const char *name;
    json_t *v;
    json_object_foreach((json_t *)obj, name, v) {
        char ptr[512];
        snprintf(ptr, sizeof ptr, "%s/%s", where, name);
        const struct cfg_key *k = NULL;
        for (size_t i = 0; i < nkeys; i++)
            if (strcmp(keys[i].name, name) == 0)
                k = &keys[i];
        if (k == NULL) {
            cfg_error(cx, ptr, "unknown key \"%s\"%s%s", name, where[0] ? " in " : "", where);
            continue;
        }
        char *p = (char *)base + k->offset;
        switch (k->type) {
        case CFG_INT:
            if (!json_is_integer(v)) {
                cfg_error(cx, ptr, "\"%s\" must be %s", name, type_name(k->type));
                break;
            }
            if (json_integer_value(v) < k->min || json_integer_value(v) > k->max) {
                cfg_error(cx, ptr, "\"%s\" must be between %lld and %lld", name, (long long)k->min,
                          (long long)k->max);
                break;
            }
            *(int64_t *)p = json_integer_value(v);
            break;
        case CFG_BOOL:
            if (!json_is_boolean(v)) {
                cfg_error(cx, ptr, "\"%s\" must be %s", name, type_name(k->type));
                break;
            }
            *(int *)p = json_is_true(v);
            break;
        case CFG_SHARE:
            if (!json_is_number(v) || json_number_value(v) < 0 || json_number_value(v) > 1) {
                cfg_error(cx, ptr, "\"%s\" must be %s", name, type_name(k->type));
                break;
            }
            *(double *)p = json_number_value(v);
            break;
        case CFG_STRING:
            if (!json_is_string(v)) {
                cfg_error(cx, ptr, "\"%s\" must be %s", name, type_name(k->type));
                break;
            }
            free(*(char **)p);
            *(char **)p = strdup(json_string_value(v));
            break;
        case CFG_STRV: {
            struct cw_strv *sv = (struct cw_strv *)p;
            if (json_is_string(v)) { /* a single string is a one-element list */
                cw_strv_push(sv, json_string_value(v));
                break;
            }
            if (!json_is_array(v)) {
                cfg_error(cx, ptr, "\"%s\" must be %s", name, type_name(k->type));
                break;
            }
            size_t i;
            json_t *e;
            json_array_foreach(v, i, e) {
                if (!json_is_string(e)) {
                    char eptr[600];
                    snprintf(eptr, sizeof eptr, "%s/%zu", ptr, i);
                    cfg_error(cx, eptr, "\"%s\"[%zu] must be a string", name, i);
                    continue;
                }
                cw_strv_push(sv, json_string_value(e));
            }
            break;
        }
        }
    }
}

static void defaults(const struct cfg_key *keys, size_t nkeys, void *base)
{
    for (size_t i = 0; i < nkeys; i++)
        set_default(&keys[i], base);
}

/* A path relative to the config file's directory, made absolute. Owned. */
static char *resolve_path(const struct cfg *c, const char *p)
{
    char *out = NULL;
    if (p[0] == '/')
        return strdup(p);
    if (asprintf(&out, "%s/%s", c->dir, p) < 0)
        return NULL;
    return out;
}

/* Feed URLs without a scheme are paths relative to the config: the demo ships its feeds beside it. */
static char *resolve_feed_url(const struct cfg *c, const char *u)
{
    if (strstr(u, "://") != NULL)
        return strdup(u);
    char *path = resolve_path(c, u), *out = NULL;
    if (path == NULL)
        return NULL;
    char real[PATH_MAX];
    const char *abs = realpath(path, real) ? real : path;
    if (asprintf(&out, "file://%s", abs) < 0)
        out = NULL;
    free(path);
    return out;
}

static void load_feeds(struct cfg_ctx *cx, struct cfg *c, const json_t *arr)
{
    if (!json_is_array(arr)) {
        cfg_error(cx, "/feeds", "\"feeds\" must be an array of objects");
        return;
    }
    c->feeds = calloc(json_array_size(arr) + 1, sizeof *c->feeds);
    if (c->feeds == NULL)
        return;
    size_t i;
    json_t *f;
    json_array_foreach(arr, i, f) {
        char ptr[64];
        snprintf(ptr, sizeof ptr, "/feeds/%zu", i);
        struct cfg_feed *cf = &c->feeds[c->nfeeds];
        if (json_is_string(f)) { /* shorthand: just the URL */
            cf->url = strdup(json_string_value(f));
        } else if (json_is_object(f)) {
            defaults(feed_keys, NKEYS(feed_keys), cf);
            apply_table(cx, f, ptr, feed_keys, NKEYS(feed_keys), cf);
        } else {
            cfg_error(cx, ptr, "a feed must be a URL string or an object");
            continue;
        }
        if (cf->url == NULL || cf->url[0] == '\0') {
            cfg_error(cx, ptr, "feed %zu has no \"url\"", i);
            free(cf->url);
            free(cf->title);
            memset(cf, 0, sizeof *cf);
            continue;
        }
        char *u = resolve_feed_url(c, cf->url);
        free(cf->url);
        cf->url = u;
        if (u != NULL && strncmp(u, "http://", 7) != 0 && strncmp(u, "https://", 8) != 0 &&
            strncmp(u, "file://", 7) != 0)
            cfg_error(cx, ptr, "feed URL \"%s\": only http, https and file URLs are supported", u);
        for (size_t j = 0; j < c->nfeeds && u; j++)
            if (strcmp(c->feeds[j].url, u) == 0)
                cfg_error(cx, ptr, "feed URL \"%s\" is listed twice", u);
        c->nfeeds++;
    }
}

static void load_sinks(struct cfg_ctx *cx, struct cfg *c, const json_t *arr)
{
    if (!json_is_array(arr)) {
        cfg_error(cx, "/sinks", "\"sinks\" must be an array of objects");
        return;
    }
    c->sinks = calloc(json_array_size(arr) + 1, sizeof *c->sinks);
    if (c->sinks == NULL)
        return;
    size_t i;
    json_t *s;
    json_array_foreach(arr, i, s) {
        char ptr[64];
        snprintf(ptr, sizeof ptr, "/sinks/%zu", i);
        const char *type = json_string_value(json_object_get(s, "type"));
        if (!json_is_object(s) || type == NULL) {
            cfg_error(cx, ptr, "a sink must be an object with a \"type\" (kafka, file or stdout)");
            continue;
        }
        int known = 0;
        for (size_t t = 0; sink_types[t] != NULL; t++)
            known |= strcmp(sink_types[t]->name, type) == 0;
        if (!known) {
            char tptr[80];
            snprintf(tptr, sizeof tptr, "%s/type", ptr);
            cfg_error(cx, tptr, "unknown sink type \"%s\"", type);
            continue;
        }
        const char *name = json_string_value(json_object_get(s, "name"));
        struct cfg_sink *cs = &c->sinks[c->nsinks];
        cs->type = strdup(type);
        cs->name = strdup(name ? name : type);
        cs->conf = json_deep_copy(s);
        /* Paths inside sinks (file sink "path") resolve like every other path. */
        const char *path = json_string_value(json_object_get(s, "path"));
        if (path != NULL && cs->conf != NULL) {
            char *abs = resolve_path(c, path);
            if (abs)
                json_object_set_new(cs->conf, "path", json_string(abs));
            free(abs);
        }
        for (size_t j = 0; j < c->nsinks; j++)
            if (strcmp(c->sinks[j].name, cs->name) == 0)
                cfg_error(cx, ptr, "two sinks are named \"%s\"; give each a distinct \"name\"", cs->name);
        c->nsinks++;
    }
}

static void load_topics(struct cfg_ctx *cx, struct cfg *c, const json_t *obj)
{
    if (!json_is_object(obj)) {
        cfg_error(cx, "/topics", "\"topics\" must be an object of event kind to topic name");
        return;
    }
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)obj, k, v) {
        char ptr[300];
        snprintf(ptr, sizeof ptr, "/topics/%s", k);
        int kind = sink_kind_from_name(k);
        if (kind < 0) {
            cfg_error(cx, ptr, "unknown event kind \"%s\" (items, claims, alerts, feed-status, dead-letter)", k);
            continue;
        }
        if (!json_is_string(v) || json_string_length(v) == 0) {
            cfg_error(cx, ptr, "topic for \"%s\" must be a non-empty string", k);
            continue;
        }
        free(c->topics[kind]);
        c->topics[kind] = strdup(json_string_value(v));
    }
}

/* The share consumer's own librdkafka properties. Each goes through librdkafka now, so a typo
 * fails `check` and a reload rather than the next start; the ones share.c sets itself are refused. */
static void load_share_rdkafka(struct cfg_ctx *cx, struct cfg *c, json_t *obj)
{
    if (!json_is_object(obj)) {
        cfg_error(cx, "/share_rdkafka", "\"share_rdkafka\" must be an object of librdkafka consumer properties");
        return;
    }
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    const char *prop;
    json_t *v;
    int bad = 0;
    json_object_foreach(obj, prop, v) {
        char ptr[300], err[768];
        snprintf(ptr, sizeof ptr, "/share_rdkafka/%s", prop);
        if (share_prop_fixed(prop)) {
            cfg_error(cx, ptr, "share_rdkafka: \"%s\" is set by the share group itself and cannot be changed", prop);
            bad = 1;
        } else if (sink_kafka_conf_set_json(conf, "share_rdkafka", prop, v, err, sizeof err) != 0) {
            cfg_error(cx, ptr, "%s", err);
            bad = 1;
        }
    }
    /* librdkafka accepts any pair, but a member that heartbeats less often than its session
     * lasts drops out of the group between two heartbeats. */
    char hb[32], st[32];
    size_t hn = sizeof hb, sn = sizeof st;
    if (!bad && rd_kafka_conf_get(conf, "heartbeat.interval.ms", hb, &hn) == RD_KAFKA_CONF_OK &&
        rd_kafka_conf_get(conf, "session.timeout.ms", st, &sn) == RD_KAFKA_CONF_OK &&
        strtoll(hb, NULL, 10) >= strtoll(st, NULL, 10))
        cfg_error(cx, json_object_get(obj, "heartbeat.interval.ms") ? "/share_rdkafka/heartbeat.interval.ms"
                                                                    : "/share_rdkafka/session.timeout.ms",
                  "share_rdkafka: heartbeat.interval.ms (%s) must be lower than session.timeout.ms (%s)", hb, st);
    rd_kafka_conf_destroy(conf);
    json_decref(c->share_rdkafka);
    c->share_rdkafka = json_incref(obj);
}

static void expand_claims(struct cfg_ctx *cx, struct cfg *c)
{
    struct cw_strv out = {0};
    for (size_t i = 0; i < c->claims.n; i++) {
        char *pattern = resolve_path(c, c->claims.v[i]);
        glob_t g;
        int rc = pattern ? glob(pattern, 0, NULL, &g) : GLOB_NOSPACE;
        if (rc == 0) {
            for (size_t j = 0; j < g.gl_pathc; j++)
                cw_strv_push(&out, g.gl_pathv[j]);
            globfree(&g);
        } else {
            char ptr[64];
            snprintf(ptr, sizeof ptr, "/claims/%zu", i);
            if (strpbrk(c->claims.v[i], "*?[") == NULL)
                cfg_error(cx, ptr, "claim-set file \"%s\" not found", pattern ? pattern : c->claims.v[i]);
            else
                cfg_error(cx, ptr, "claim-set pattern \"%s\" matches no file", c->claims.v[i]);
            if (rc == 0 || rc == GLOB_NOMATCH)
                globfree(&g);
        }
        free(pattern);
    }
    cw_strv_free(&c->claims);
    c->claims = out;
}

static struct cfg *cfg_alloc_defaults(void)
{
    struct cfg *c = calloc(1, sizeof *c);
    if (c == NULL)
        return NULL;
    defaults(fetch_keys, NKEYS(fetch_keys), &c->fetch);
    defaults(top_keys, NKEYS(top_keys), c);
    defaults(outbox_keys, NKEYS(outbox_keys), c);
    defaults(log_keys, NKEYS(log_keys), c);
    defaults(metrics_keys, NKEYS(metrics_keys), c);
    static const char *const default_topics[SINK_KIND_COUNT] = {
        "claimwatch.items", "claimwatch.claims", "claimwatch.alerts", "claimwatch.feed-status",
        "claimwatch.dead-letter"};
    for (int k = 0; k < SINK_KIND_COUNT; k++)
        c->topics[k] = strdup(default_topics[k]);
    c->share_rdkafka = json_object();
    return c;
}

struct cfg *cfg_default(void)
{
    struct cfg *c = cfg_alloc_defaults();
    if (c == NULL)
        return NULL;
    c->path = strdup("(defaults)");
    c->dir = strdup(".");
    c->sinks = calloc(1, sizeof *c->sinks);
    if (c->sinks) {
        c->sinks[0].type = strdup("stdout");
        c->sinks[0].name = strdup("stdout");
        c->sinks[0].conf = json_pack("{s:s}", "type", "stdout");
        c->nsinks = 1;
    }
    return c;
}

const json_t *cfg_kafka_brokers(const struct cfg *c, const char **sink)
{
    for (size_t i = 0; i < c->nsinks; i++) {
        if (strcmp(c->sinks[i].type, "kafka") != 0)
            continue;
        const json_t *rk = json_object_get(c->sinks[i].conf, "rdkafka");
        const char *b = json_string_value(json_object_get(rk, "bootstrap.servers"));
        const char *m = json_string_value(json_object_get(rk, "metadata.broker.list"));
        if ((b != NULL && b[0] != '\0') || (m != NULL && m[0] != '\0')) {
            if (sink != NULL)
                *sink = c->sinks[i].name;
            return rk;
        }
    }
    return NULL;
}

/* Sharing needs brokers, and those come from a kafka sink: a group without them could never
 * assign anything, and the daemon would poll nothing for ever. */
static void check_share(struct cfg_ctx *cx, const struct cfg *c)
{
    if (c->share_group == NULL || c->share_group[0] == '\0')
        return;
    if (c->share_topic == NULL || c->share_topic[0] == '\0')
        cfg_error(cx, "/share_topic", "\"share_topic\" must name a topic when \"share_group\" is set");
    if (c->instance == NULL || c->instance[0] == '\0')
        cfg_error(cx, "/instance", "\"instance\" must not be empty when \"share_group\" is set");
    if (cfg_kafka_brokers(c, NULL) == NULL)
        cfg_error(cx, "/share_group",
                  "\"share_group\" is set but no kafka sink names its brokers (rdkafka \"bootstrap.servers\"): "
                  "the daemons share the feeds through Kafka");
}

int cfg_load(const char *path, struct cfg **out, struct cw_strv *errors)
{
    char *text = NULL, err[512];
    size_t len = 0;
    size_t nerr0 = errors->n;
    struct cfg_ctx cx = {.path = path, .errors = errors};
    json_t *root = NULL;
    struct cfg *c = NULL;

    if (cw_read_file(path, 4 << 20, &text, &len, err, sizeof err) != 0) {
        cw_strv_pushf(errors, "%s:1:1: cannot read config: %s", path, err);
        return -1;
    }
    json_error_t jerr;
    root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
    if (root == NULL) {
        cw_strv_pushf(errors, "%s:%d:%d: %s", path, jerr.line, jerr.column, jerr.text);
        goto fail;
    }
    if (!json_is_object(root)) {
        cw_strv_pushf(errors, "%s:1:1: the config must be a JSON object", path);
        goto fail;
    }
    cx.pos = cw_jsonpos_create(text, len);
    c = cfg_alloc_defaults();
    if (c == NULL)
        goto fail;
    c->path = strdup(path);
    char *pcopy = strdup(path);
    char real[PATH_MAX];
    const char *d = pcopy ? dirname(pcopy) : ".";
    c->dir = strdup(realpath(d, real) ? real : d);
    free(pcopy);

    static const char *const sections[] = {"fetch", "outbox", "log", "metrics"};
    static const struct cfg_key *const section_keys[] = {fetch_keys, outbox_keys, log_keys, metrics_keys};
    static const size_t section_n[] = {NKEYS(fetch_keys), NKEYS(outbox_keys), NKEYS(log_keys), NKEYS(metrics_keys)};
    const char *k;
    json_t *v;
    json_t *rest = json_object();
    json_object_foreach(root, k, v) {
        int handled = 0;
        for (size_t i = 0; i < 4; i++) {
            if (strcmp(k, sections[i]) != 0)
                continue;
            handled = 1;
            char ptr[32];
            snprintf(ptr, sizeof ptr, "/%s", k);
            if (!json_is_object(v)) {
                cfg_error(&cx, ptr, "\"%s\" must be an object", k);
                break;
            }
            apply_table(&cx, v, ptr, section_keys[i], section_n[i], i == 0 ? (void *)&c->fetch : (void *)c);
        }
        if (handled)
            continue;
        if (strcmp(k, "feeds") == 0)
            load_feeds(&cx, c, v);
        else if (strcmp(k, "sinks") == 0)
            load_sinks(&cx, c, v);
        else if (strcmp(k, "topics") == 0)
            load_topics(&cx, c, v);
        else if (strcmp(k, "share_rdkafka") == 0)
            load_share_rdkafka(&cx, c, v);
        else
            json_object_set(rest, k, v);
    }
    apply_table(&cx, rest, "", top_keys, NKEYS(top_keys), c);
    json_decref(rest);

    if (c->nsinks == 0 && json_object_get(root, "sinks") == NULL) {
        /* No sink configured: events go to stdout, so a bare config still shows something. */
        c->sinks = calloc(1, sizeof *c->sinks);
        if (c->sinks) {
            c->sinks[0] = (struct cfg_sink){strdup("stdout"), strdup("stdout"), json_pack("{s:s}", "type", "stdout")};
            c->nsinks = 1;
        }
    } else if (json_array_size(json_object_get(root, "sinks")) == 0) {
        cfg_error(&cx, "/sinks", "at least one sink is needed");
    }
    if (c->state_dir && c->state_dir[0] != '/') {
        char *abs = resolve_path(c, c->state_dir);
        free(c->state_dir);
        c->state_dir = abs;
    }
    for (size_t i = 0; i < c->opml.n; i++) {
        char *abs = resolve_path(c, c->opml.v[i]);
        if (abs) {
            free(c->opml.v[i]);
            c->opml.v[i] = abs;
        }
    }
    expand_claims(&cx, c);
    if (cw_log_level_from_name(c->log_level) < 0)
        cfg_error(&cx, "/log/level", "log level \"%s\": use error, warning, notice, info or debug", c->log_level);
    if (strcmp(c->log_format, "text") != 0 && strcmp(c->log_format, "json") != 0)
        cfg_error(&cx, "/log/format", "log format \"%s\": use text or json", c->log_format);
    if (c->fetch.min_interval_s > c->fetch.max_interval_s)
        cfg_error(&cx, "/fetch/min_interval_s", "min_interval_s is larger than max_interval_s");
    for (size_t i = 0; i < c->nfeeds; i++) {
        if (c->feeds[i].url && strncmp(c->feeds[i].url, "file://", 7) == 0 && !c->fetch.allow_file) {
            char ptr[64];
            snprintf(ptr, sizeof ptr, "/feeds/%zu", i);
            cfg_error(&cx, ptr, "file:// feed \"%s\" needs \"fetch\": {\"allow_file\": true}", c->feeds[i].url);
        }
    }
    check_share(&cx, c);
    if (errors->n > nerr0)
        goto fail;
    cw_jsonpos_destroy(cx.pos);
    json_decref(root);
    free(text);
    *out = c;
    return 0;
fail:
    cfg_destroy(c);
    cw_jsonpos_destroy(cx.pos);
    json_decref(root);
    free(text);
    return -1;
}

static void dump_table(json_t *o, const struct cfg_key *keys, size_t n, const void *base)
{
    for (size_t i = 0; i < n; i++) {
        const char *p = (const char *)base + keys[i].offset;
        switch (keys[i].type) {
        case CFG_INT: json_object_set_new(o, keys[i].name, json_integer(*(const int64_t *)p)); break;
        case CFG_BOOL: json_object_set_new(o, keys[i].name, json_boolean(*(const int *)p)); break;
        case CFG_SHARE: json_object_set_new(o, keys[i].name, json_real(*(const double *)p)); break;
        case CFG_STRING: {
            const char *s = *(char *const *)p;
            json_object_set_new(o, keys[i].name, s ? json_string(s) : json_null());
            break;
        }
        case CFG_STRV: {
            const struct cw_strv *sv = (const struct cw_strv *)p;
            json_t *a = json_array();
            for (size_t j = 0; j < sv->n; j++)
                json_array_append_new(a, json_string(sv->v[j]));
            json_object_set_new(o, keys[i].name, a);
            break;
        }
        }
    }
}

json_t *cfg_dump(const struct cfg *c)
{
    json_t *o = json_object(), *sec;
    dump_table(o, top_keys, NKEYS(top_keys), c);
    sec = json_object();
    dump_table(sec, fetch_keys, NKEYS(fetch_keys), &c->fetch);
    json_object_set_new(o, "fetch", sec);
    sec = json_object();
    dump_table(sec, outbox_keys, NKEYS(outbox_keys), c);
    json_object_set_new(o, "outbox", sec);
    sec = json_object();
    dump_table(sec, log_keys, NKEYS(log_keys), c);
    json_object_set_new(o, "log", sec);
    sec = json_object();
    dump_table(sec, metrics_keys, NKEYS(metrics_keys), c);
    json_object_set_new(o, "metrics", sec);
    json_t *feeds = json_array();
    for (size_t i = 0; i < c->nfeeds; i++) {
        json_t *f = json_object();
        dump_table(f, feed_keys, NKEYS(feed_keys), &c->feeds[i]);
        json_array_append_new(feeds, f);
    }
    json_object_set_new(o, "feeds", feeds);
    json_t *sinks = json_array();
    for (size_t i = 0; i < c->nsinks; i++)
        json_array_append(sinks, c->sinks[i].conf);
    json_object_set_new(o, "sinks", sinks);
    json_t *topics = json_object();
    for (int k = 0; k < SINK_KIND_COUNT; k++)
        json_object_set_new(topics, sink_kind_name(k), json_string(c->topics[k]));
    json_object_set_new(o, "topics", topics);
    json_object_set(o, "share_rdkafka", c->share_rdkafka);
    return o;
}

static void free_table(const struct cfg_key *keys, size_t n, void *base)
{
    for (size_t i = 0; i < n; i++) {
        char *p = (char *)base + keys[i].offset;
        if (keys[i].type == CFG_STRING)
            free(*(char **)p);
        else if (keys[i].type == CFG_STRV)
            cw_strv_free((struct cw_strv *)p);
    }
}

void cfg_destroy(struct cfg *c)
{
    if (c == NULL)
        return;
    free(c->path);
    free(c->dir);
    for (size_t i = 0; i < c->nfeeds; i++)
        free_table(feed_keys, NKEYS(feed_keys), &c->feeds[i]);
    free(c->feeds);
    for (size_t i = 0; i < c->nsinks; i++) {
        free(c->sinks[i].name);
        free(c->sinks[i].type);
        json_decref(c->sinks[i].conf);
    }
    free(c->sinks);
    free_table(fetch_keys, NKEYS(fetch_keys), &c->fetch);
    free_table(top_keys, NKEYS(top_keys), c);
    free_table(outbox_keys, NKEYS(outbox_keys), c);
    free_table(log_keys, NKEYS(log_keys), c);
    free_table(metrics_keys, NKEYS(metrics_keys), c);
    for (int k = 0; k < SINK_KIND_COUNT; k++)
        free(c->topics[k]);
    json_decref(c->share_rdkafka);
    free(c);
}
