/* The poller: one entry per feed, mirrored from the feeds table, a tick timer that submits due
 * feeds to the fetcher, and a flush timer that writes every changed feed row in one transaction
 * (so a burst of completions costs one fsync, and a restart resumes the persisted schedule). */
#include "daemon/poller.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/cw_log.h"
#include "common/cw_metrics.h"
#include "common/cw_util.h"
#include "daemon/feedstore.h"
#include "daemon/sched.h"
#include "parsers/opml.h"

#define POLLER_TICK_MAX_MS 1000
#define POLLER_OPML_MAX (8 << 20)
/* Completions within this window share one transaction (one fsync). A crash inside it only means
 * those feeds are fetched again on restart; their items are deduplicated by id downstream. */
#define POLLER_FLUSH_MS 50
/* Child sitemaps fetched per fetch of a sitemap index. Publishers list their recent news sitemaps
 * first; a huge index (up to 50000 children) must not turn one poll into a crawl. */
#define POLLER_SITEMAP_CHILDREN_MAX 50

struct poller_entry {
    struct poller *p;
    struct poller_feed pf; /* points into fs */
    struct feedstore_feed fs;
    int64_t interval_s;
    int64_t max_items;
    struct sched_hints hints;
    int in_flight;
    int done_once;
    int removed;   /* dropped by a reconfigure; kept until destroy if a fetch may still call back */
    int dirty;
    int seen;      /* scratch for reconfigure */
    int owned;     /* this daemon polls it now (always, unless the feeds are shared) */
};

/* One child sitemap fetch of a sitemap index, linked in its poller so a stop (which cancels
 * transfers without calling back) can free the ones still in flight. */
struct poller_child {
    struct poller_entry *e;
    struct poller_child *prev, *next;
    char *url;
};

struct poller {
    struct loop *l;
    struct store *st;
    const struct cfg *cfg;
    struct poller_callbacks cb;
    struct fetcher *fetcher;
    struct poller_entry **e;
    size_t n, cap;
    int64_t tick_id, flush_id;
    int started, once, paused;
    int refetcher; /* a reload changed connection settings: swap the fetcher once it is idle */
    uint64_t rng;
    size_t nfailing;
    struct poller_child *children; /* child sitemap fetches in flight */
    int (*owns)(void *ctx, const char *url); /* NULL: every feed is ours */
    void *owns_ctx;
    char *owner;   /* the instance name written as owner (fixed at poller_set_owner: restart to change) */
    size_t nowned, nlive;
    struct metric *m_failing, *m_feeds, *m_parse_err, *m_children, *m_owned;
};

static struct sched_bounds poller_bounds(const struct poller *p)
{
    return (struct sched_bounds){p->cfg->fetch.min_interval_s, p->cfg->fetch.max_interval_s,
                                 p->cfg->fetch.backoff_max_s};
}

static int64_t poller_on_flush(struct loop *l, void *ctx);

static void poller_mark_dirty(struct poller *p, struct poller_entry *e)
{
    e->dirty = 1;
    if (p->flush_id <= 0)
        p->flush_id = loop_add_timer(p->l, POLLER_FLUSH_MS, poller_on_flush, p);
}

/* Opens a transaction for the poller's writes, unless another module holds one open on the
 * shared connection: then the writes go inside it (it commits them). *own says which. */
static int poller_txn_begin(struct poller *p, int *own)
{
    *own = sqlite3_get_autocommit(store_db(p->st));
    return *own ? store_begin(p->st) : 0;
}

/* Ends what poller_txn_begin opened: commit if rc == 0, else roll back. Returns the outcome. */
static int poller_txn_end(struct poller *p, int own, int rc)
{
    if (!own)
        return rc;
    if (rc == 0)
        return store_commit(p->st);
    store_rollback(p->st);
    return rc;
}

/* Writes every dirty row in one transaction (poller_txn_begin). */
static int poller_flush(struct poller *p)
{
    int own;
    if (poller_txn_begin(p, &own) != 0)
        return -1;
    int rc = 0;
    for (size_t i = 0; i < p->n; i++) {
        struct poller_entry *e = p->e[i];
        if (!e->dirty)
            continue;
        if (feedstore_save(p->st, &e->fs) != 0) {
            rc = -1;
            break;
        }
        e->dirty = 0;
    }
    return poller_txn_end(p, own, rc);
}

static int64_t poller_on_flush(struct loop *l, void *ctx)
{
    struct poller *p = ctx;
    (void)l;
    if (poller_flush(p) != 0) {
        CW_ERR("poller", "cannot save feed state; retrying in 1 s path=%s", store_path(p->st));
        return 1000;
    }
    p->flush_id = 0;
    return LOOP_TIMER_STOP;
}

static struct poller_entry *poller_entry_new(struct poller *p, struct feedstore_feed *fs)
{
    if (p->n == p->cap) {
        size_t cap = p->cap ? p->cap * 2 : 64;
        struct poller_entry **v = realloc(p->e, cap * sizeof *v);
        if (v == NULL)
            return NULL;
        p->e = v;
        p->cap = cap;
    }
    struct poller_entry *e = calloc(1, sizeof *e);
    if (e == NULL)
        return NULL;
    e->p = p;
    e->fs = *fs; /* takes the strings */
    memset(fs, 0, sizeof *fs);
    e->pf.id = e->fs.id;
    e->pf.url = e->fs.url;
    e->pf.title = e->fs.title;
    e->interval_s = p->cfg->fetch.interval_s;
    e->max_items = p->cfg->fetch.max_items;
    e->hints.max_age_s = -1;
    e->owned = p->owns == NULL; /* a shared feed waits for poller_apply_owner */
    p->e[p->n++] = e;
    return e;
}

static struct poller_entry *poller_find(struct poller *p, int64_t id)
{
    for (size_t i = 0; i < p->n; i++)
        if (p->e[i]->fs.id == id)
            return p->e[i];
    return NULL;
}

static int poller_cmp_id(const void *a, const void *b)
{
    int64_t x = (*(struct poller_entry *const *)a)->fs.id, y = (*(struct poller_entry *const *)b)->fs.id;
    return x < y ? -1 : x > y;
}

/* Registers and loads one configured feed; applies its per-feed settings. */
static int poller_add_config_feed(struct poller *p, const char *url, const char *title, int64_t interval_s,
                                  int64_t max_items, int fetch_articles, struct poller_entry **sorted, size_t nsorted)
{
    int64_t id = 0;
    if (feedstore_register(p->st, url, title, "config", &id) != 0)
        return -1;
    struct poller_entry key = {.fs.id = id}, *kp = &key, **found = NULL;
    if (sorted != NULL)
        found = bsearch(&kp, sorted, nsorted, sizeof *sorted, poller_cmp_id);
    struct poller_entry *e = found ? *found : NULL;
    for (size_t i = nsorted; e == NULL && i < p->n; i++) /* listed twice (config and an OPML file) */
        if (p->e[i]->fs.id == id)
            e = p->e[i];
    if (e == NULL) {
        struct feedstore_feed fs;
        if (feedstore_get(p->st, id, &fs) != 0)
            return -1;
        e = poller_entry_new(p, &fs);
        feedstore_feed_clear(&fs);
        if (e == NULL)
            return -1;
    }
    e->seen = 1;
    e->removed = 0;
    e->interval_s = interval_s > 0 ? interval_s : p->cfg->fetch.interval_s;
    e->max_items = max_items > 0 ? max_items : p->cfg->fetch.max_items;
    e->pf.fetch_articles = fetch_articles;
    return 0;
}

struct poller_import_ctx {
    struct poller *p;
    int rc;
};

static int poller_add_imported(const struct feedstore_feed *f, void *ctx)
{
    struct poller_import_ctx *c = ctx;
    if (f->source == NULL || strcmp(f->source, "import") != 0)
        return 0;
    struct poller_entry *e = poller_find(c->p, f->id);
    if (e == NULL) {
        struct feedstore_feed copy;
        if (feedstore_copy(&copy, f) != 0 || (e = poller_entry_new(c->p, &copy)) == NULL) {
            feedstore_feed_clear(&copy);
            c->rc = -1;
            return 1;
        }
    }
    e->seen = 1;
    e->removed = 0;
    return 0;
}

/* Registers every feed of cfg (its list and its OPML files) and the imported ones; entries not in
 * it are marked removed. Runs in one transaction. */
static int poller_load(struct poller *p, char *errstr, size_t errlen)
{
    for (size_t i = 0; i < p->n; i++)
        p->e[i]->seen = 0;
    /* Sorted view of the existing entries for lookups while registering (reconfigure). */
    struct poller_entry **sorted = NULL;
    size_t nsorted = p->n;
    if (nsorted > 0) {
        sorted = malloc(nsorted * sizeof *sorted);
        if (sorted == NULL) {
            snprintf(errstr, errlen, "poller: out of memory");
            return -1;
        }
        memcpy(sorted, p->e, nsorted * sizeof *sorted);
        qsort(sorted, nsorted, sizeof *sorted, poller_cmp_id);
    }
    if (store_begin(p->st) != 0) {
        snprintf(errstr, errlen, "%s: cannot start a transaction", store_path(p->st));
        free(sorted);
        return -1;
    }
    const struct cfg *c = p->cfg;
    for (size_t i = 0; i < c->nfeeds; i++) {
        const struct cfg_feed *cf = &c->feeds[i];
        if (poller_add_config_feed(p, cf->url, cf->title, cf->interval_s, cf->max_items, cf->fetch_articles, sorted,
                                   nsorted) != 0) {
            snprintf(errstr, errlen, "%s: cannot register feed %s", store_path(p->st), cf->url);
            goto fail;
        }
    }
    for (size_t i = 0; i < c->opml.n; i++) {
        char *data = NULL;
        size_t len = 0;
        struct opml_feed *of = NULL;
        size_t nof = 0;
        char err[256];
        if (cw_read_file(c->opml.v[i], POLLER_OPML_MAX, &data, &len, err, sizeof err) != 0 ||
            opml_parse(data, len, NULL, &of, &nof, err, sizeof err) != 0) {
            snprintf(errstr, errlen, "%s: %s", c->opml.v[i], err);
            free(data);
            goto fail;
        }
        free(data);
        int rc = 0;
        for (size_t j = 0; j < nof && rc == 0; j++)
            rc = poller_add_config_feed(p, of[j].url, of[j].title, 0, 0, 0, sorted, nsorted);
        opml_feeds_free(of, nof);
        if (rc != 0) {
            snprintf(errstr, errlen, "%s: cannot register its feeds in %s", c->opml.v[i], store_path(p->st));
            goto fail;
        }
    }
    struct poller_import_ctx ic = {p, 0};
    if (feedstore_list(p->st, poller_add_imported, &ic) != 0 || ic.rc != 0) {
        snprintf(errstr, errlen, "%s: cannot list feeds", store_path(p->st));
        goto fail;
    }
    if (store_commit(p->st) != 0) {
        snprintf(errstr, errlen, "%s: cannot commit feed registrations", store_path(p->st));
        goto fail;
    }
    free(sorted);
    size_t live = 0;
    for (size_t i = 0; i < p->n; i++) {
        if (!p->e[i]->seen && !p->e[i]->removed) {
            p->e[i]->removed = 1;
            CW_INFO("poller", "feed no longer configured url=%s", p->e[i]->fs.url);
        }
        live += !p->e[i]->removed;
    }
    metric_set(p->m_feeds, (double)live);
    return 0;
fail:
    free(sorted);
    store_rollback(p->st);
    return -1;
}

struct poller *poller_create(struct loop *l, struct store *st, const struct cfg *cfg,
                             const struct poller_callbacks *cb, char *errstr, size_t errlen)
{
    struct poller *p = calloc(1, sizeof *p);
    if (p == NULL) {
        snprintf(errstr, errlen, "poller: out of memory");
        return NULL;
    }
    p->l = l;
    p->st = st;
    p->cfg = cfg;
    if (cb != NULL)
        p->cb = *cb;
    p->rng = (uint64_t)cw_wall_ms() ^ ((uint64_t)getpid() << 32);
    p->m_failing = metric_gauge("claimwatch_feeds_failing", NULL, "Feeds whose last fetch failed");
    p->m_feeds = metric_gauge("claimwatch_feeds", NULL, "Feeds configured or imported");
    p->m_parse_err = metric_counter("claimwatch_feed_parse_errors_total", NULL, "Fetched feeds that did not parse");
    p->m_children = metric_counter("claimwatch_sitemap_children_fetched_total", NULL,
                                   "Child sitemaps of sitemap indexes fetched and parsed");
    p->m_owned = metric_gauge("claimwatch_feeds_owned", NULL,
                              "Feeds this daemon polls now (all of them unless several daemons share the feeds)");
    if (poller_load(p, errstr, errlen) != 0)
        goto fail;
    for (size_t i = 0; i < p->n; i++)
        if (p->e[i]->fs.failures > 0 && !p->e[i]->removed)
            p->nfailing++;
    metric_set(p->m_failing, (double)p->nfailing);
    poller_apply_owner(p, NULL, NULL);
    p->fetcher = fetcher_create(l, &cfg->fetch, errstr, errlen);
    if (p->fetcher == NULL)
        goto fail;
    return p;
fail:
    poller_destroy(p);
    return NULL;
}

static void poller_set_str(char **slot, const char *v)
{
    char *c = cw_strdup0(v);
    if (v != NULL && c == NULL)
        return; /* keep the old value rather than lose it on OOM */
    free(*slot);
    *slot = c;
}

static void poller_failed(struct poller *p, struct poller_entry *e, long status, const char *msg, int64_t retry_after)
{
    struct sched_bounds b = poller_bounds(p);
    int64_t now = cw_wall_ms();
    e->fs.failures++;
    poller_set_str(&e->fs.last_error, msg);
    e->fs.next_fetch_ms = sched_next_failure(now, e->fs.failures, retry_after, &b, sched_rand(&p->rng));
    if (e->fs.failures == 1) {
        p->nfailing++;
        metric_set(p->m_failing, (double)p->nfailing);
        CW_WARN("poller", "feed failing url=%s status=%ld error=\"%s\"", e->fs.url, status, msg);
        if (p->cb.on_status)
            p->cb.on_status(p->cb.ctx, &e->pf, POLLER_FEED_FAILING, status, msg);
    } else {
        CW_INFO("poller", "feed still failing url=%s failures=%lld next_in_s=%lld error=\"%s\"", e->fs.url,
                (long long)e->fs.failures, (long long)((e->fs.next_fetch_ms - now) / 1000), msg);
    }
}

static void poller_succeeded(struct poller *p, struct poller_entry *e, const struct fetch_result *r)
{
    struct sched_bounds b = poller_bounds(p);
    int64_t now = cw_wall_ms();
    if (r->status != 304) {
        /* The validators describe this body; a server that stopped sending them gets none back. */
        poller_set_str(&e->fs.etag, r->etag);
        poller_set_str(&e->fs.last_modified, r->last_modified);
    } else {
        if (r->etag)
            poller_set_str(&e->fs.etag, r->etag);
        if (r->last_modified)
            poller_set_str(&e->fs.last_modified, r->last_modified);
    }
    feedstore_note_redirect(&e->fs, r->permanent_redirect, p->cfg->fetch.permanent_redirect_after);
    e->hints.max_age_s = r->max_age_s;
    e->fs.last_success_ms = now;
    poller_set_str(&e->fs.last_error, NULL);
    e->fs.next_fetch_ms = sched_next_success(now, e->interval_s, &e->hints, &b, sched_rand(&p->rng));
    if (e->fs.failures > 0) {
        e->fs.failures = 0;
        if (p->nfailing > 0)
            p->nfailing--;
        metric_set(p->m_failing, (double)p->nfailing);
        CW_NOTICE("poller", "feed recovered url=%s status=%ld", e->fs.url, r->status);
        if (p->cb.on_status)
            p->cb.on_status(p->cb.ctx, &e->pf, POLLER_FEED_OK, r->status, NULL);
    }
}

static void poller_child_unlink(struct poller *p, struct poller_child *c)
{
    if (c->prev)
        c->prev->next = c->next;
    else
        p->children = c->next;
    if (c->next)
        c->next->prev = c->prev;
    free(c->url);
    free(c);
}

/* A child sitemap came back: its items go to on_doc under the parent feed. A failing child is
 * logged, not counted against the feed (the index itself was fetched; the next poll retries it).
 * An index inside an index is not followed: one level only. */
static void poller_on_child(const struct fetch_result *r, void *ctx)
{
    struct poller_child *c = ctx;
    struct poller_entry *e = c->e;
    struct poller *p = e->p;
    if (e->removed) {
        poller_child_unlink(p, c);
        return;
    }
    if (r->error != FETCH_OK || r->status == 304) {
        CW_WARN("poller", "child sitemap not fetched url=%s feed=%s status=%ld error=\"%s\"", c->url, e->fs.url,
                r->status, r->error != FETCH_OK ? r->errmsg : "not modified");
        poller_child_unlink(p, c);
        return;
    }
    struct feed_parse_opts po = {.url = r->effective_url, .content_type = r->content_type,
                                 .max_items = (size_t)e->max_items};
    struct feed_doc *doc = NULL;
    char err[256] = "";
    if (feed_parse(r->body, r->len, &po, &doc, err, sizeof err) != 0) {
        metric_inc(p->m_parse_err);
        CW_WARN("poller", "child sitemap did not parse url=%s feed=%s error=\"%s\"", c->url, e->fs.url, err);
    } else {
        if (doc->sitemaps.n > 0)
            CW_INFO("poller", "nested sitemap index not followed url=%s feed=%s children=%zu", c->url, e->fs.url,
                    doc->sitemaps.n);
        metric_inc(p->m_children);
        if (p->cb.on_doc)
            p->cb.on_doc(p->cb.ctx, &e->pf, doc);
        feed_doc_destroy(doc);
    }
    poller_child_unlink(p, c);
}

/* Queues the first POLLER_SITEMAP_CHILDREN_MAX children of a sitemap index through the fetcher
 * (same limits, SSRF guard and body cap as feeds). */
static void poller_fetch_children(struct poller *p, struct poller_entry *e, const struct feed_doc *doc)
{
    size_t n = doc->sitemaps.n;
    if (n > POLLER_SITEMAP_CHILDREN_MAX) {
        CW_INFO("poller", "sitemap index lists %zu children, fetching the first %d url=%s", n,
                POLLER_SITEMAP_CHILDREN_MAX, e->fs.url);
        n = POLLER_SITEMAP_CHILDREN_MAX;
    }
    for (size_t i = 0; i < n; i++) {
        struct poller_child *c = calloc(1, sizeof *c);
        if (c == NULL || (c->url = strdup(doc->sitemaps.v[i])) == NULL) {
            free(c);
            CW_ERR("poller", "out of memory queueing child sitemaps url=%s", e->fs.url);
            return;
        }
        c->e = e;
        struct fetch_request rq = {.url = c->url};
        if (fetcher_submit(p->fetcher, &rq, poller_on_child, c) != 0) {
            CW_ERR("poller", "cannot queue child sitemap url=%s feed=%s", c->url, e->fs.url);
            free(c->url);
            free(c);
            continue;
        }
        c->next = p->children;
        if (p->children)
            p->children->prev = c;
        p->children = c;
    }
}

static void poller_on_fetched(const struct fetch_result *r, void *ctx)
{
    struct poller_entry *e = ctx;
    struct poller *p = e->p;
    e->in_flight = 0;
    e->done_once = 1;
    if (e->removed)
        return;
    e->fs.last_fetch_ms = cw_wall_ms();
    e->fs.last_status = r->status;
    if (r->error != FETCH_OK) {
        poller_failed(p, e, r->status, r->errmsg, r->retry_after_s);
    } else if (r->status == 304) {
        poller_succeeded(p, e, r);
    } else {
        struct feed_parse_opts po = {.url = r->effective_url, .content_type = r->content_type,
                                     .max_items = (size_t)e->max_items};
        struct feed_doc *doc = NULL;
        char err[256] = "";
        if (feed_parse(r->body, r->len, &po, &doc, err, sizeof err) != 0) {
            char msg[300];
            snprintf(msg, sizeof msg, "parse: %s", err);
            metric_inc(p->m_parse_err);
            /* Validators are not kept: the next fetch must get the body again, not a 304. */
            poller_failed(p, e, r->status, msg, -1);
        } else {
            e->hints.ttl_s = doc->feed.ttl_seconds;
            e->hints.update_period_s = doc->feed.update_period_seconds;
            e->hints.skip_hours = doc->feed.skip_hours;
            poller_succeeded(p, e, r);
            if (p->cb.on_doc)
                p->cb.on_doc(p->cb.ctx, &e->pf, doc);
            if (doc->sitemaps.n > 0)
                poller_fetch_children(p, e, doc);
            feed_doc_destroy(doc);
        }
    }
    /* One line per fetch at debug level: when a feed seems stuck, this says whether it is fetched at
     * all, what came back and when the next fetch is planned. */
    CW_DEBUG("poller", "feed fetched url=%s status=%ld ok=%d failures=%lld next_in_ms=%lld", e->fs.url, r->status,
             r->error == FETCH_OK, (long long)e->fs.failures, (long long)(e->fs.next_fetch_ms - cw_wall_ms()));
    poller_mark_dirty(p, e);
}

static int poller_submit(struct poller *p, struct poller_entry *e)
{
    struct fetch_request rq = {.url = feedstore_fetch_url(&e->fs), .etag = e->fs.etag,
                               .last_modified = e->fs.last_modified, .max_bytes = 0};
    /* A file's modification time has one-second resolution: a file rewritten within the second of
     * the last read would look unmodified. Local reads are cheap, so files are always read whole. */
    if (strncmp(rq.url, "file:", 5) == 0)
        rq.etag = rq.last_modified = NULL;
    if (fetcher_submit(p->fetcher, &rq, poller_on_fetched, e) != 0) {
        CW_ERR("poller", "cannot queue fetch url=%s", rq.url);
        return -1;
    }
    e->in_flight = 1;
    /* overdue_ms: how long after its planned time the fetch went out (0 for a first fetch); a large
     * value means the loop was held up. */
    int64_t overdue = e->fs.next_fetch_ms > 0 ? cw_wall_ms() - e->fs.next_fetch_ms : 0;
    CW_DEBUG("poller", "feed fetch submitted url=%s overdue_ms=%lld", rq.url, (long long)(overdue > 0 ? overdue : 0));
    return 0;
}

static int64_t poller_on_tick(struct loop *l, void *ctx)
{
    struct poller *p = ctx;
    (void)l;
    if (p->refetcher && fetcher_pending(p->fetcher) == 0) {
        char err[256];
        struct fetcher *nf = fetcher_create(p->l, &p->cfg->fetch, err, sizeof err);
        if (nf != NULL) {
            fetcher_destroy(p->fetcher);
            p->fetcher = nf;
            CW_INFO("poller", "fetch settings reloaded");
        } else {
            CW_ERR("poller", "reloaded fetch settings rejected, keeping the old ones: %s", err);
        }
        p->refetcher = 0;
    }
    if (p->paused)
        return POLLER_TICK_MAX_MS;
    int64_t now = cw_wall_ms(), next = now + POLLER_TICK_MAX_MS;
    for (size_t i = 0; i < p->n; i++) {
        struct poller_entry *e = p->e[i];
        /* A feed that is not ours (any more) is not started; one already in flight finishes and
         * its items are accepted as usual. */
        if (e->removed || e->in_flight || !e->owned)
            continue;
        int due = p->once ? !e->done_once : e->fs.next_fetch_ms <= now;
        if (due) {
            if (poller_submit(p, e) != 0 && p->once)
                e->done_once = 1; /* counted as done (failed) so once mode ends */
        } else if (!p->once && e->fs.next_fetch_ms < next) {
            next = e->fs.next_fetch_ms;
        }
    }
    if (p->once)
        return POLLER_TICK_MAX_MS;
    int64_t d = next - now;
    return d < 1 ? 1 : d;
}

static int poller_begin(struct poller *p, int once)
{
    if (p->started)
        return -1;
    p->started = 1;
    p->once = once;
    p->tick_id = loop_add_timer(p->l, 0, poller_on_tick, p);
    return p->tick_id > 0 ? 0 : -1;
}

int poller_start(struct poller *p) { return poller_begin(p, 0); }
int poller_start_once(struct poller *p) { return poller_begin(p, 1); }

int poller_idle(const struct poller *p)
{
    if (fetcher_pending(p->fetcher) > 0)
        return 0;
    for (size_t i = 0; i < p->n; i++) {
        const struct poller_entry *e = p->e[i];
        if (e->in_flight || (p->once && !e->removed && !e->done_once))
            return 0;
    }
    return 1;
}

void poller_pause(struct poller *p, int paused)
{
    if (p->paused && !paused && p->tick_id > 0)
        loop_rearm_timer(p->l, p->tick_id, 0);
    p->paused = paused;
}

int poller_fetch_url(struct poller *p, const struct fetch_request *req, fetch_done_fn done, void *ctx)
{
    struct fetch_request rq = *req;
    if (rq.max_bytes == 0)
        rq.max_bytes = (size_t)p->cfg->fetch.max_article_bytes;
    return fetcher_submit(p->fetcher, &rq, done, ctx);
}

int poller_reconfigure(struct poller *p, const struct cfg *cfg)
{
    char err[512];
    const struct cfg *old = p->cfg;
    p->cfg = cfg;
    if (poller_load(p, err, sizeof err) != 0) {
        CW_ERR("poller", "reconfigure failed, keeping the feeds as they were: %s", err);
        p->cfg = old;
        return -1;
    }
    /* Schedule bounds and per-feed settings apply now. Connection settings (timeouts, limits, proxy,
     * allow_cidrs) live in the fetcher, which is rebuilt the next time nothing is in flight (a
     * transfer is never cut short by a reload). */
    p->refetcher = 1;
    size_t failing = 0;
    for (size_t i = 0; i < p->n; i++)
        failing += !p->e[i]->removed && p->e[i]->fs.failures > 0;
    p->nfailing = failing;
    metric_set(p->m_failing, (double)failing);
    poller_apply_owner(p, NULL, NULL); /* feeds added by the reload are ours only if their partition is */
    if (p->tick_id > 0)
        loop_rearm_timer(p->l, p->tick_id, 0);
    return 0;
}

/* Writes the owner column of the entries whose ownership changed, in one transaction
 * (poller_txn_begin). */
static int poller_save_owners(struct poller *p, struct poller_entry **changed, size_t n)
{
    int own;
    if (poller_txn_begin(p, &own) != 0)
        return -1;
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++)
        rc = feedstore_set_owner(p->st, changed[i]->fs.id, changed[i]->owned ? p->owner : NULL);
    return poller_txn_end(p, own, rc);
}

int poller_set_owner(struct poller *p, int (*owns)(void *ctx, const char *url), void *ctx)
{
    char *name = owns ? strdup(p->cfg->instance) : NULL;
    if (owns != NULL && name == NULL)
        return -1;
    free(p->owner);
    p->owner = name;
    p->owns = owns;
    p->owns_ctx = ctx;
    /* Ownership written by an earlier run is stale: this run owns nothing until it is told. The
     * column is only shown to operators, so failing to clear it does not stop the daemon. */
    if (owns != NULL) {
        if (feedstore_clear_owners(p->st) != 0)
            CW_ERR("poller", "cannot clear the owner column path=%s", store_path(p->st));
        for (size_t i = 0; i < p->n; i++)
            p->e[i]->owned = 0;
    }
    poller_apply_owner(p, NULL, NULL);
    return 0;
}

void poller_apply_owner(struct poller *p, size_t *owned, size_t *live)
{
    struct poller_entry **changed = p->n ? malloc(p->n * sizeof *changed) : NULL;
    size_t nchanged = 0, nowned = 0, nlive = 0;
    for (size_t i = 0; i < p->n; i++) {
        struct poller_entry *e = p->e[i];
        if (e->removed)
            continue;
        nlive++;
        int now = p->owns == NULL || p->owns(p->owns_ctx, e->fs.url);
        nowned += now != 0;
        if (now == e->owned)
            continue;
        e->owned = now;
        if (changed != NULL)
            changed[nchanged++] = e;
    }
    /* Only shared daemons write the column: alone, the store keeps today's rows untouched. */
    if (p->owns != NULL && nchanged > 0 && poller_save_owners(p, changed, nchanged) != 0)
        CW_ERR("poller", "cannot record feed owners (polling follows the group all the same) path=%s",
               store_path(p->st));
    free(changed);
    p->nowned = nowned;
    p->nlive = nlive;
    metric_set(p->m_owned, (double)nowned);
    /* Newly owned feeds that are due go out now, not at the next planned tick. */
    if (p->tick_id > 0)
        loop_rearm_timer(p->l, p->tick_id, 0);
    if (owned != NULL)
        *owned = nowned;
    if (live != NULL)
        *live = nlive;
}

void poller_stop(struct poller *p)
{
    if (p == NULL)
        return;
    if (p->tick_id > 0)
        loop_cancel_timer(p->l, p->tick_id);
    p->tick_id = 0;
    fetcher_cancel_all(p->fetcher);
    while (p->children != NULL) /* cancelled without a callback */
        poller_child_unlink(p, p->children);
    /* Their next_fetch_ms is untouched, so they are still due when polling resumes. */
    for (size_t i = 0; i < p->n; i++)
        p->e[i]->in_flight = 0;
    if (poller_flush(p) != 0)
        CW_ERR("poller", "cannot save feed state at stop path=%s", store_path(p->st));
    if (p->flush_id > 0)
        loop_cancel_timer(p->l, p->flush_id);
    p->flush_id = 0;
    p->started = 0;
}

void poller_destroy(struct poller *p)
{
    if (p == NULL)
        return;
    poller_stop(p);
    fetcher_destroy(p->fetcher);
    for (size_t i = 0; i < p->n; i++) {
        feedstore_feed_clear(&p->e[i]->fs);
        free(p->e[i]);
    }
    free(p->e);
    free(p->owner);
    free(p);
}
