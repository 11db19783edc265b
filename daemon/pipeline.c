#include "daemon/pipeline.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/cw_buf.h"
#include "common/cw_log.h"
#include "common/cw_metrics.h"
#include "common/cw_util.h"
#include "daemon/event.h"
#include "daemon/outbox.h"
#include "parsers/extract.h"
#include "tagger/simhash.h"

/* Recent fingerprints kept in memory for near-duplicate checks: syndicated copies arrive within
 * hours of each other, so the last few thousand items cover them at a trivial scan cost. */
#define PIPE_RECENT 8192

struct pipe_recent {
    char id[CW_ID_HEX_LEN + 1];
    uint64_t fp;
};

/* An item waiting for its article page: a copy of what the event needs, because the feed
 * document it came from is gone once on_doc returns. */
struct pipe_item {
    struct pipeline *p;
    int64_t feed_id;
    char *feed_url, *feed_title;
    char *id, *link, *title, *author, *published, *lang, *summary, *text;
    int64_t fetched_at;
    struct pipe_item *next;
};

struct pipeline {
    struct store *st;
    const struct cfg *cfg;
    struct tagger *tagger;
    struct poller *poller;
    struct pipe_recent *recent;
    size_t nrecent, recent_pos;
    struct pipe_item *inflight; /* awaiting article pages */
    size_t ninflight;
    const char **sink_names;
    size_t nsinks;
    uint64_t accepted, seen, failed;
    struct metric *m_new, *m_seen, *m_dup, *m_failed, *m_extract_ok, *m_extract_fail;
};

static void recent_load(struct pipeline *p)
{
    sqlite3_stmt *s = store_stmt(p->st, "SELECT id, fingerprint FROM items WHERE fingerprint IS NOT NULL "
                                        "ORDER BY first_seen_ms DESC LIMIT 8192");
    if (s == NULL)
        return;
    while (sqlite3_step(s) == SQLITE_ROW && p->nrecent < PIPE_RECENT) {
        const char *id = (const char *)sqlite3_column_text(s, 0);
        if (id == NULL)
            continue;
        struct pipe_recent *r = &p->recent[p->nrecent++];
        snprintf(r->id, sizeof r->id, "%s", id);
        r->fp = (uint64_t)sqlite3_column_int64(s, 1);
    }
    sqlite3_reset(s);
    p->recent_pos = p->nrecent % PIPE_RECENT;
}

struct pipeline *pipeline_create(struct store *st, const struct cfg *cfg, struct tagger *tagger,
                                 const char *const *sinks, size_t nsinks)
{
    struct pipeline *p = calloc(1, sizeof *p);
    if (p == NULL)
        return NULL;
    p->st = st;
    p->cfg = cfg;
    p->tagger = tagger;
    p->recent = calloc(PIPE_RECENT, sizeof *p->recent);
    if (p->recent == NULL) {
        free(p);
        return NULL;
    }
    p->sink_names = calloc(nsinks ? nsinks : 1, sizeof *p->sink_names);
    if (p->sink_names == NULL) {
        free(p->recent);
        free(p);
        return NULL;
    }
    memcpy(p->sink_names, sinks, nsinks * sizeof *sinks);
    p->nsinks = nsinks;
    recent_load(p);
    p->m_new = metric_counter("claimwatch_items_total", "state=\"new\"", "Feed items by what became of them");
    p->m_seen = metric_counter("claimwatch_items_total", "state=\"seen\"", NULL);
    p->m_dup = metric_counter("claimwatch_items_total", "state=\"duplicate\"", NULL);
    p->m_failed = metric_counter("claimwatch_items_total", "state=\"failed\"", NULL);
    p->m_extract_ok = metric_counter("claimwatch_article_extractions_total", "result=\"ok\"",
                                     "Article pages fetched and extracted");
    p->m_extract_fail = metric_counter("claimwatch_article_extractions_total", "result=\"fallback\"", NULL);
    return p;
}

void pipeline_set_poller(struct pipeline *p, struct poller *poller) { p->poller = poller; }
void pipeline_set_tagger(struct pipeline *p, struct tagger *tagger) { p->tagger = tagger; }

void pipeline_set_cfg(struct pipeline *p, const struct cfg *cfg) { p->cfg = cfg; }

size_t pipeline_pending(const struct pipeline *p) { return p->ninflight; }

void pipeline_stats(const struct pipeline *p, uint64_t *accepted, uint64_t *seen, uint64_t *failed)
{
    *accepted = p->accepted;
    *seen = p->seen;
    *failed = p->failed;
}

static void pipe_item_free(struct pipe_item *it)
{
    if (it == NULL)
        return;
    free(it->feed_url);
    free(it->feed_title);
    free(it->id);
    free(it->link);
    free(it->title);
    free(it->author);
    free(it->published);
    free(it->lang);
    free(it->summary);
    free(it->text);
    free(it);
}

static int pipe_inflight_has(const struct pipeline *p, const char *id)
{
    for (const struct pipe_item *it = p->inflight; it; it = it->next)
        if (strcmp(it->id, id) == 0)
            return 1;
    return 0;
}

static void pipe_inflight_remove(struct pipeline *p, struct pipe_item *it)
{
    for (struct pipe_item **pp = &p->inflight; *pp; pp = &(*pp)->next) {
        if (*pp == it) {
            *pp = it->next;
            p->ninflight--;
            return;
        }
    }
}

static const char *duplicate_of(struct pipeline *p, uint64_t fp)
{
    if (fp == 0)
        return NULL;
    for (size_t i = 0; i < p->nrecent; i++)
        if (simhash_distance(fp, p->recent[i].fp) <= SIMHASH_DUP_DISTANCE)
            return p->recent[i].id;
    return NULL;
}

static void recent_add(struct pipeline *p, const char *id, uint64_t fp)
{
    if (fp == 0)
        return;
    struct pipe_recent *r = &p->recent[p->recent_pos];
    snprintf(r->id, sizeof r->id, "%s", id);
    r->fp = fp;
    p->recent_pos = (p->recent_pos + 1) % PIPE_RECENT;
    if (p->nrecent < PIPE_RECENT)
        p->nrecent++;
}

/* The events of one item, built before the accepting transaction. Grows as needed: an item may
 * match many claims, each with a claim event and maybe an alert. A failure to build any event sets
 * failed, and the item is then not accepted at all (it stays unseen and is offered again), so an
 * item never goes out with some of its events missing. */
struct pipe_event {
    struct outbox_event ev;
    char *payload, *key, *id;
};

struct pipe_events {
    struct outbox_event *ev; /* the view outbox_accept takes */
    struct pipe_event *own;
    size_t n, cap;
    int failed;
};

/* Adds one event built from obj (borrowed); NULL obj (allocation failed upstream) marks failure. */
static void events_add(struct pipe_events *e, enum sink_kind kind, const char *key, const char *item_id,
                       const char *claim_id, json_t *obj)
{
    if (obj == NULL) {
        e->failed = 1;
        return;
    }
    if (e->n == e->cap) {
        size_t cap = e->cap ? e->cap * 2 : 16;
        struct outbox_event *ev = realloc(e->ev, cap * sizeof *ev);
        if (ev != NULL)
            e->ev = ev;
        struct pipe_event *own = ev ? realloc(e->own, cap * sizeof *own) : NULL;
        if (ev == NULL || own == NULL) {
            e->failed = 1;
            return;
        }
        e->own = own;
        e->cap = cap;
    }
    char eid[33];
    event_id(item_id, sink_kind_name(kind), claim_id, eid);
    if (kind != SINK_KIND_ITEMS)
        json_object_set_new(obj, "event_id", json_string(eid));
    struct pipe_event pe = {.payload = json_dumps(obj, JSON_COMPACT | JSON_REAL_PRECISION(6)),
                            .key = strdup(key),
                            .id = strdup(eid)};
    if (pe.payload == NULL || pe.key == NULL || pe.id == NULL) {
        free(pe.payload);
        free(pe.key);
        free(pe.id);
        e->failed = 1;
        return;
    }
    pe.ev = (struct outbox_event){kind, pe.key, pe.id, pe.payload, strlen(pe.payload)};
    e->own[e->n] = pe;
    e->ev[e->n] = pe.ev;
    e->n++;
}

static void events_free(struct pipe_events *e)
{
    for (size_t i = 0; i < e->n; i++) {
        free(e->own[i].payload);
        free(e->own[i].key);
        free(e->own[i].id);
    }
    free(e->own);
    free(e->ev);
    memset(e, 0, sizeof *e);
}

/* claimwatch_tags_total{claim, stance}: label values escaped as the text format requires. */
static void pipe_count_tag(const char *claim, const char *stance)
{
    struct cw_buf lab;
    cw_buf_init(&lab, 4096);
    cw_buf_puts(&lab, "claim=\"");
    for (const char *c = claim; *c; c++) {
        if (*c == '"' || *c == '\\')
            cw_buf_putc(&lab, '\\');
        if (*c == '\n')
            cw_buf_puts(&lab, "\\n");
        else
            cw_buf_putc(&lab, *c);
    }
    cw_buf_printf(&lab, "\",stance=\"%s\"", stance ? stance : "discusses");
    if (lab.data)
        metric_inc(metric_counter("claimwatch_tags_total", lab.data, "Claim tags emitted, by claim and stance"));
    cw_buf_free(&lab);
}

/* Tags a ready item, builds its events and accepts them with its seen mark. */
static void pipe_finish(struct pipeline *p, struct pipe_item *it, const struct article *art, const char *exerr)
{
    const char *text = art && art->text && art->text[0] ? art->text : it->text;
    uint64_t fp = text ? simhash_text(text, strlen(text)) : 0;
    const char *dup = duplicate_of(p, fp);
    if (dup != NULL && strcmp(dup, it->id) == 0)
        dup = NULL; /* itself: offered again after its fetch's transaction failed to commit */
    char dupid[CW_ID_HEX_LEN + 1] = "";
    if (dup)
        snprintf(dupid, sizeof dupid, "%s", dup);
    struct tag_doc td = {
        .id = it->id,
        .title = it->title,
        .text = text ? text : "",
        .url = it->link,
        .published = it->published,
        .lang = it->lang,
    };
    json_t *tags = p->tagger ? tagger_tag(p->tagger, &td) : NULL;
    if (tags == NULL)
        tags = json_pack("{s:[], s:[]}", "claims", "entities");
    struct event_input in = {
        .feed_url = it->feed_url,
        .feed_title = it->feed_title,
        .id = it->id,
        .url = art && art->canonical_url ? art->canonical_url : it->link,
        .title = it->title ? it->title : (art ? art->title : NULL),
        .author = it->author ? it->author : (art && art->authors.n ? art->authors.v[0] : NULL),
        .published = it->published ? it->published : (art ? art->published : NULL),
        .lang = it->lang ? it->lang : (art ? art->lang : NULL),
        .summary = it->summary,
        .text = text,
        .text_source = art && art->text && art->text[0] ? "article" : "feed",
        .extract_error = exerr,
        .tags = tags,
        .claimset_version = p->tagger ? claimset_version(tagger_claimset(p->tagger)) : NULL,
        .duplicate_of = dupid[0] ? dupid : NULL,
        .fetched_at = it->fetched_at,
        .max_text_bytes = (size_t)p->cfg->max_text_bytes,
    };
    struct pipe_events evs = {0};
    json_t *item_ev = event_item(&in);
    events_add(&evs, SINK_KIND_ITEMS, it->id, it->id, NULL, item_ev);
    /* One event per matched claim, keyed by claim id, so a consumer can follow one claim. */
    json_t *claims = json_object_get(tags, "claims"), *c;
    size_t i;
    json_array_foreach(claims, i, c) {
        const char *cid = json_string_value(json_object_get(c, "id"));
        if (cid == NULL)
            continue;
        json_t *ce = json_pack("{s:s, s:s, s:O, s:{s:s?, s:s?}, s:s?, s:s?, s:s?, s:o, s:s?}", "schema",
                               EVENT_SCHEMA_CLAIM, "item_id", it->id, "claim", c, "feed", "url", it->feed_url,
                               "title", it->feed_title, "url", in.url, "title", in.title, "published",
                               in.published, "duplicate_of", dupid[0] ? json_string(dupid) : json_null(),
                               "claimset", in.claimset_version);
        events_add(&evs, SINK_KIND_CLAIMS, cid, it->id, cid, ce);
        double score = json_number_value(json_object_get(c, "score"));
        const char *stance = json_string_value(json_object_get(c, "stance"));
        pipe_count_tag(cid, stance);
        if (stance && strcmp(stance, "discusses") != 0 && score >= EVENT_ALERT_MIN_SCORE && !dupid[0]) {
            json_t *ae = json_deep_copy(ce);
            if (ae != NULL)
                json_object_set_new(ae, "schema", json_string(EVENT_SCHEMA_ALERT));
            events_add(&evs, SINK_KIND_ALERTS, cid, it->id, cid, ae);
            json_decref(ae);
        }
        json_decref(ce);
    }
    json_decref(item_ev);
    json_decref(tags);

    struct outbox_item oi = {.id = it->id, .feed_id = it->feed_id, .fingerprint = fp, .url = it->link};
    int rc = evs.failed ? -1 : outbox_accept(p->st, &oi, evs.ev, evs.n, p->sink_names, p->nsinks);
    if (rc == 0) {
        p->accepted++;
        metric_inc(p->m_new);
        if (dupid[0])
            metric_inc(p->m_dup);
        recent_add(p, it->id, fp);
        CW_DEBUG("pipeline", "accepted item id=%s events=%zu url=%s", it->id, evs.n, it->link ? it->link : "");
    } else if (rc == 1) {
        p->seen++;
        metric_inc(p->m_seen);
    } else {
        /* Not marked seen, so the next poll of the feed offers it again: nothing is lost. */
        p->failed++;
        metric_inc(p->m_failed);
        CW_ERR("pipeline", "could not store item; it will be retried on the next poll id=%s feed=%s", it->id,
               it->feed_url);
    }
    events_free(&evs);
}

static void pipe_article_done(const struct fetch_result *res, void *ctx)
{
    struct pipe_item *it = ctx;
    struct pipeline *p = it->p;
    struct article *art = NULL;
    char why[300] = "";
    if (res->error != FETCH_OK) {
        snprintf(why, sizeof why, "fetch failed: %s", res->errmsg);
    } else if (res->body == NULL || res->len == 0) {
        snprintf(why, sizeof why, "empty page (HTTP %ld)", res->status);
    } else {
        struct extract_opts eo = {.url = res->effective_url ? res->effective_url : it->link,
                                  .content_type = res->content_type};
        char err[256];
        if (extract_article(res->body, res->len, &eo, &art, err, sizeof err) != 0)
            snprintf(why, sizeof why, "extraction failed: %s", err);
    }
    if (why[0]) {
        metric_inc(p->m_extract_fail);
        CW_WARN("pipeline", "article not used, falling back to the feed's text reason=\"%s\" url=%s", why,
                it->link);
    } else {
        metric_inc(p->m_extract_ok);
    }
    pipe_inflight_remove(p, it);
    pipe_finish(p, it, art, why[0] ? why : NULL);
    article_destroy(art);
    pipe_item_free(it);
}

static const char *first_author(const struct feed_item *fi)
{
    for (size_t i = 0; i < fi->nauthors; i++)
        if (fi->authors[i].name && fi->authors[i].name[0])
            return fi->authors[i].name;
    return NULL;
}

void pipeline_on_doc(void *ctx, const struct poller_feed *feed, const struct feed_doc *doc)
{
    struct pipeline *p = ctx;
    int64_t now = cw_wall_ms() / 1000;
    /* The items of one fetch share a transaction, so one fsync (synchronous=FULL) makes them all
     * durable instead of one fsync per item; each stays all-or-nothing inside it (outbox_accept).
     * If the commit fails, none is marked seen and the next poll offers them again. */
    int batch = doc->nitems > 1 && sqlite3_get_autocommit(store_db(p->st)) && store_begin(p->st) == 0;
    for (size_t i = 0; i < doc->nitems; i++) {
        const struct feed_item *fi = &doc->items[i];
        if (fi->id == NULL)
            continue;
        int seen = store_item_seen(p->st, fi->id);
        if (seen != 0 || pipe_inflight_has(p, fi->id)) {
            if (seen == 1) {
                p->seen++;
                metric_inc(p->m_seen);
            }
            continue;
        }
        struct pipe_item *it = calloc(1, sizeof *it);
        if (it == NULL)
            continue;
        it->p = p;
        it->feed_id = feed->id;
        it->feed_url = cw_strdup0(feed->url);
        it->feed_title = cw_strdup0(feed->title ? feed->title : doc->feed.title);
        it->id = strdup(fi->id);
        it->link = cw_strdup0(fi->link);
        it->title = cw_strdup0(fi->title);
        it->author = cw_strdup0(first_author(fi));
        it->published = cw_strdup0(fi->published ? fi->published : fi->updated);
        it->lang = cw_strdup0(fi->language ? fi->language : doc->feed.language);
        it->summary = cw_strdup0(fi->summary);
        it->text = cw_strdup0(fi->text);
        it->fetched_at = now;
        if (feed->fetch_articles && fi->link && p->poller != NULL) {
            struct fetch_request req = {.url = fi->link, .max_bytes = (size_t)p->cfg->fetch.max_article_bytes};
            it->next = p->inflight;
            p->inflight = it;
            p->ninflight++;
            if (poller_fetch_url(p->poller, &req, pipe_article_done, it) == 0)
                continue;
            pipe_inflight_remove(p, it);
            CW_WARN("pipeline", "cannot fetch article, using the feed's text url=%s", fi->link);
        }
        pipe_finish(p, it, NULL, NULL);
        pipe_item_free(it);
    }
    if (batch && !sqlite3_get_autocommit(store_db(p->st)) && store_commit(p->st) != 0) {
        store_rollback(p->st);
        CW_ERR("pipeline", "could not commit the items of a fetch; they will be offered again on the next poll feed=%s",
               feed->url);
    }
}

void pipeline_on_status(void *ctx, const struct poller_feed *feed, enum poller_health health, long http_status,
                        const char *error)
{
    struct pipeline *p = ctx;
    char when[CW_RFC3339_LEN], key[CW_ID_HEX_LEN + 64], eid[33];
    cw_time_rfc3339(time(NULL), when, sizeof when);
    snprintf(key, sizeof key, "%s@%lld", feed->url, (long long)cw_wall_ms());
    event_id(key, "feed-status", NULL, eid);
    json_t *ev = json_pack("{s:s, s:s, s:{s:s, s:s?}, s:s, s:I, s:s?, s:s}", "schema", EVENT_SCHEMA_FEED_STATUS,
                           "event_id", eid, "feed", "url", feed->url, "title", feed->title, "health",
                           health == POLLER_FEED_OK ? "ok" : "failing", "http_status", (json_int_t)http_status,
                           "error", error, "at", when);
    char *payload = ev ? json_dumps(ev, JSON_COMPACT) : NULL;
    if (payload != NULL) {
        struct outbox_event oe = {SINK_KIND_FEED_STATUS, feed->url, eid, payload, strlen(payload)};
        if (outbox_accept(p->st, NULL, &oe, 1, p->sink_names, p->nsinks) < 0)
            CW_ERR("pipeline", "could not store a feed-status event feed=%s", feed->url);
    }
    free(payload);
    json_decref(ev);
}

void pipeline_destroy(struct pipeline *p)
{
    if (p == NULL)
        return;
    /* Items still waiting for pages were never marked seen: the next poll offers them again. */
    struct pipe_item *it = p->inflight;
    while (it) {
        struct pipe_item *next = it->next;
        pipe_item_free(it);
        it = next;
    }
    free(p->sink_names);
    free(p->recent);
    free(p);
}
