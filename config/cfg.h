/* The daemon's configuration: one JSON file (docs/config.md). Loading is table-driven: the same
 * tables validate, document defaults and dump. Unknown keys and wrong types are errors that name
 * file:line:column. On SIGHUP a whole new cfg is built and swapped only if valid. */
#ifndef CW_CFG_H
#define CW_CFG_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "common/cw_strv.h"
#include "sinks/sink.h"

struct cfg_feed {
    char *url;           /* absolute; file:// only when fetch.allow_file */
    char *title;         /* optional display name */
    int64_t interval_s;  /* poll interval (default: fetch.interval_s) */
    int fetch_articles;  /* fetch and extract each new item's linked page */
    int64_t max_items;   /* items read per fetch (default: fetch.max_items) */
};

struct cfg_fetch {
    int64_t interval_s;            /* default poll interval: 900 */
    int64_t min_interval_s;        /* lower bound for feed hints (ttl, max-age): 60 */
    int64_t max_interval_s;        /* upper bound for feed hints: 86400 */
    int64_t backoff_max_s;         /* failure backoff cap: 21600 */
    int64_t connect_timeout_ms;    /* 10000 */
    int64_t timeout_ms;            /* whole transfer: 60000 */
    int64_t low_speed_bytes;       /* abort below this many bytes/s ... */
    int64_t low_speed_time_s;      /* ... for this long: 100 B/s for 30 s */
    int64_t max_body_bytes;        /* decoded body cap for feeds: 16 MiB */
    int64_t max_article_bytes;     /* decoded body cap for article pages: 8 MiB */
    int64_t max_items;             /* items read per feed fetch: 500 */
    int64_t max_redirects;         /* 5 */
    int64_t permanent_redirect_after; /* consecutive 301/308 before the stored URL moves: 3 */
    int64_t concurrency;           /* transfers at once: 32 */
    int64_t per_host;              /* transfers at once per host: 2 */
    char *user_agent;              /* default "claimwatch/VERSION (+https://github.com/claimwatch)" */
    char *proxy;                   /* none unless set */
    struct cw_strv allow_cidrs;    /* private/loopback ranges the operator allows (SSRF guard) */
    int allow_file;                /* allow file:// feed URLs (the demo does) */
};

struct cfg_sink {
    char *name;  /* unique; defaults to the type */
    char *type;  /* "kafka", "file", "stdout" */
    json_t *conf; /* the sink's own object (type-specific keys), owned reference */
};

struct cfg {
    char *path;                /* the file this was loaded from */
    char *dir;                 /* its directory: relative paths in the config resolve against it */
    struct cfg_feed *feeds;
    size_t nfeeds;
    struct cw_strv opml;       /* OPML files of further feeds (paths resolved) */
    struct cw_strv claims;     /* claim-set files (globs expanded, paths resolved) */
    char *state_dir;           /* holds state.db */
    struct cfg_fetch fetch;
    struct cfg_sink *sinks;
    size_t nsinks;
    char *topics[SINK_KIND_COUNT]; /* topic (or file suffix) per event kind */
    char *metrics_listen;      /* "127.0.0.1:9464"; "" disables */
    int64_t outbox_max_rows;   /* fetching pauses at this backlog: 100000 */
    int64_t outbox_max_bytes;  /* ... or at this many payload bytes: 512 MiB */
    int64_t drain_timeout_ms;  /* SIGTERM: flush deadline: 10000 */
    int64_t max_text_bytes;    /* item text cap in events: 65536 */
    double claims_min_score;   /* claims scored below are not reported: 0 (the model's threshold) */
    char *log_level;           /* "info" */
    char *log_format;          /* "text" | "json" */
    char *instance;            /* this daemon's name: client.id in the share group, owner in the feeds table */
    char *share_group;         /* Kafka consumer group of the daemons sharing the feeds; "" = not shared */
    char *share_topic;         /* the topic whose partitions are the shares: "claimwatch.feeds" */
    json_t *share_rdkafka;     /* librdkafka properties of the share consumer (group timing): an object, owned */
};

/* The "rdkafka" object of the first kafka sink that names brokers (bootstrap.servers or
 * metadata.broker.list), borrowed from c; NULL if none. *sink gets that sink's name. The share
 * consumer reaches the brokers through it. */
const json_t *cfg_kafka_brokers(const struct cfg *c, const char **sink);

/* Loads and validates path. On failure returns -1 and appends every problem to errors as
 * "file:line:column: message"; on success 0 and an owned *out. */
int cfg_load(const char *path, struct cfg **out, struct cw_strv *errors);
/* Default settings with no feeds and a stdout sink (used by tests and tools). */
struct cfg *cfg_default(void);
/* The config as JSON with every default filled in (claimwatch check --dump). */
json_t *cfg_dump(const struct cfg *c);
void cfg_destroy(struct cfg *c);

#endif
