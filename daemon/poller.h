/* The poller: the schedule of every feed (interval with jitter, feed and HTTP hints, Retry-After,
 * exponential backoff) persisted in the state store, conditional GETs through the fetcher, and
 * parsing. It hands each successfully parsed document to the pipeline. */
#ifndef CW_POLLER_H
#define CW_POLLER_H

#include <stdint.h>

#include "config/cfg.h"
#include "daemon/fetch.h"
#include "daemon/loop.h"
#include "daemon/store.h"
#include "parsers/feed.h"

struct poller_feed {
    int64_t id;          /* feeds.id in the state store */
    const char *url;     /* configured URL */
    const char *title;
    int fetch_articles;
};

enum poller_health {
    POLLER_FEED_OK = 0,
    POLLER_FEED_FAILING, /* last fetch failed; backing off */
};

struct poller_callbacks {
    /* A feed fetched (not 304) and parsed; doc and feed are borrowed for the call. */
    void (*on_doc)(void *ctx, const struct poller_feed *feed, const struct feed_doc *doc);
    /* A feed's health changed (for the feed-status topic); error is NULL when it recovered. */
    void (*on_status)(void *ctx, const struct poller_feed *feed, enum poller_health health, long http_status,
                      const char *error);
    void *ctx;
};

struct poller;

/* Registers cfg's feeds in the store (new ones due now) and builds the fetcher.
 * Returns NULL with errstr set on failure. cfg, st and l are borrowed. */
struct poller *poller_create(struct loop *l, struct store *st, const struct cfg *cfg,
                             const struct poller_callbacks *cb, char *errstr, size_t errlen);
/* Daemon mode: fetch feeds as they fall due, for ever. */
int poller_start(struct poller *p);
/* once mode: fetch every feed now, regardless of schedule (still honouring validators). */
int poller_start_once(struct poller *p);
/* Nothing in flight and, in once mode, every feed done. */
int poller_idle(const struct poller *p);
/* While paused (outbox at its bound) nothing new is fetched; due feeds wait. */
void poller_pause(struct poller *p, int paused);
/* Fetches one more URL (an article page) through the same fetcher, limits and safety rules. */
int poller_fetch_url(struct poller *p, const struct fetch_request *req, fetch_done_fn done, void *ctx);
/* Applies a reloaded config: new feeds added, removed ones forgotten, settings updated. cfg is
 * borrowed and must outlive the poller or the next reconfigure. */
int poller_reconfigure(struct poller *p, const struct cfg *cfg);
/* Shares the feeds with other daemons: from now on a feed is polled only while owns(ctx, its
 * configured URL) says so (re-asked by poller_apply_owner), and the owner column of the feeds
 * table names cfg->instance for the feeds owned. Clears the column first (an earlier run's
 * ownership is stale; a store error there is only logged), so until the first assignment this
 * daemon polls nothing. NULL owns: every feed is ours (the default). 0, or -1 out of memory (and
 * nothing changed). */
int poller_set_owner(struct poller *p, int (*owns)(void *ctx, const char *url), void *ctx);
/* Asks owns again for every feed after the owned set changed: feeds no longer ours are not
 * started again (a fetch in flight finishes and its items are accepted); feeds now ours are
 * polled when their stored next fetch time comes, at once if it is past. Writes the owner column
 * of the feeds that changed. *owned and *live (either may be NULL) get the counts. */
void poller_apply_owner(struct poller *p, size_t *owned, size_t *live);
/* Stops fetching; cancels transfers in flight (their feeds stay due). */
void poller_stop(struct poller *p);
void poller_destroy(struct poller *p);

#endif
