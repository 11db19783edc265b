#include "daemon/daemon.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/cw_log.h"
#include "common/cw_metrics.h"
#include "common/cw_util.h"
#include "config/cfg.h"
#include "daemon/loop.h"
#include "daemon/metrics_http.h"
#include "daemon/notify.h"
#include "daemon/outbox.h"
#include "daemon/pipeline.h"
#include "daemon/poller.h"
#include "daemon/sender.h"
#include "daemon/share.h"
#include "daemon/signals.h"
#include "daemon/store.h"
#include "tagger/tagger.h"

struct daemon {
    const struct daemon_opts *opts;
    struct cfg *cfg;
    struct loop *loop;
    struct store *st;
    struct tagger *tagger;
    struct sender *sender;
    struct sink **sinks;
    size_t nsinks;
    struct pipeline *pipe;
    struct poller *poller;
    struct share *share; /* NULL unless share_group is set (run mode only) */
    struct signals *sig;
    struct notify *notify;
    struct metrics_http *http;
    const char **sink_names;
    char *dead_letter_path;
    int paused;
    int hurry;       /* a second SIGTERM/SIGINT: drain without waiting */
    int64_t backlog; /* last count, for STATUS= */
    size_t owned;    /* feeds polled now when shared, for STATUS= */
    char last_error[256];
    struct metric *m_paused, *m_reload_ok, *m_reload_failed, *m_claims, *m_claimset_info;
};

static void daemon_apply_log(const struct cfg *cfg)
{
    /* CLAIMWATCH_LOG_LEVEL overrides the config: turn on debug without editing the file. */
    const char *env = getenv("CLAIMWATCH_LOG_LEVEL");
    int level = env ? cw_log_level_from_name(env) : -1;
    if (level < 0)
        level = cw_log_level_from_name(cfg->log_level);
    if (level >= 0)
        cw_log_set_level(level);
    cw_log_set_format(strcmp(cfg->log_format, "json") == 0 ? CW_LOG_FORMAT_JSON : CW_LOG_FORMAT_TEXT);
}

/* Claim sets are loaded the same way at start and on reload; errors go to the log one per line. */
static struct tagger *daemon_load_tagger(const struct cfg *cfg)
{
    struct cw_strv errors = {0};
    struct claimset *cs = NULL;
    struct tagger *t = NULL;
    if (claimset_load((const char *const *)cfg->claims.v, cfg->claims.n, &cs, &errors) != 0) {
        for (size_t i = 0; i < errors.n; i++)
            CW_ERR("claims", "%s", errors.v[i]);
        goto done;
    }
    t = tagger_create(cs);
    if (t == NULL) {
        CW_ERR("claims", "cannot build the tagger's indexes (out of memory?)");
        goto done;
    }
    tagger_set_min_score(t, cfg->claims_min_score);
    CW_INFO("claims", "claim set loaded claims=%zu version=%s", claimset_count(tagger_claimset(t)),
            claimset_version(tagger_claimset(t)));
done:
    cw_strv_free(&errors);
    return t;
}

static int daemon_open_store(struct daemon *d)
{
    const char *dir = d->opts->state_dir ? d->opts->state_dir : d->cfg->state_dir;
    char err[512], *path = NULL;
    if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
        CW_ERR("store", "cannot create state directory path=%s error=\"%s\"", dir, strerror(errno));
        return -1;
    }
    if (asprintf(&path, "%s/state.db", dir) < 0)
        return -1;
    int rc = store_open(path, &d->st, err, sizeof err);
    if (rc != 0)
        CW_ERR("store", "cannot open the state store: %s", err);
    free(path);
    return rc;
}

static int daemon_open_sinks(struct daemon *d)
{
    d->sinks = calloc(d->cfg->nsinks ? d->cfg->nsinks : 1, sizeof *d->sinks);
    if (d->sinks == NULL)
        return -1;
    for (size_t i = 0; i < d->cfg->nsinks; i++) {
        const struct cfg_sink *cs = &d->cfg->sinks[i];
        char err[512];
        json_t *conf = json_deep_copy(cs->conf);
        /* Sinks read topics from their own object; fill in the config-wide ones they lack. */
        json_t *topics = json_object_get(conf, "topics");
        if (topics == NULL) {
            topics = json_object();
            json_object_set_new(conf, "topics", topics);
        }
        for (int k = 0; k < SINK_KIND_COUNT; k++)
            if (json_object_get(topics, sink_kind_name(k)) == NULL)
                json_object_set_new(topics, sink_kind_name(k), json_string(d->cfg->topics[k]));
        int rc = sink_create(cs->type, cs->name, conf, sender_report, d->sender, &d->sinks[i], err, sizeof err);
        json_decref(conf);
        if (rc != 0) {
            CW_ERR("sink", "cannot start sink name=%s type=%s error=\"%s\" config=%s", cs->name, cs->type, err,
                   d->cfg->path);
            return -1;
        }
        d->nsinks++;
        sender_attach(d->sender, d->sinks[i]);
    }
    return 0;
}

/* Before every wait: deliver what is pending and pause fetching while the outbox is at its bound,
 * so a broker outage backs up on disk, bounded, instead of in memory. */
static void daemon_before_sleep(struct loop *l, void *ctx)
{
    (void)l;
    struct daemon *d = ctx;
    sender_pump(d->sender, 0);
}

/* Delivery reports also while the loop sleeps (no fd wakes it for them): a short timer pumps. */
static int64_t daemon_pump_timer(struct loop *l, void *ctx)
{
    (void)l;
    struct daemon *d = ctx;
    sender_pump(d->sender, 0);
    return 50;
}

/* The share group is served from the loop: rebalances arrive through share_serve. */
static int64_t daemon_share_timer(struct loop *l, void *ctx)
{
    (void)l;
    struct daemon *d = ctx;
    share_serve(d->share);
    return 100;
}

static int daemon_owns(void *ctx, const char *url)
{
    struct daemon *d = ctx;
    return share_owns(d->share, url);
}

/* One line per change of the owned set, saying what this daemon polls now. */
static void daemon_share_changed(void *ctx, enum share_change what)
{
    struct daemon *d = ctx;
    size_t owned = 0, live = 0;
    char parts[256];
    if (d->poller == NULL)
        return;
    poller_apply_owner(d->poller, &owned, &live);
    d->owned = owned;
    share_describe(d->share, parts, sizeof parts);
    if (what == SHARE_LOST)
        CW_WARN("share", "group %s took our partitions away without a handover (session timed out?); holding %s: "
                "polling %zu of %zu feeds", share_group(d->share), parts, owned, live);
    else if (what == SHARE_ASSIGNED)
        CW_NOTICE("share", "group %s assigned partitions %s: polling %zu of %zu feeds", share_group(d->share), parts,
                  owned, live);
    else
        CW_NOTICE("share", "group %s revoked partitions (rebalance or leaving); holding %s: polling %zu of %zu feeds",
                  share_group(d->share), parts, owned, live);
}

static int64_t daemon_backlog_timer(struct loop *l, void *ctx)
{
    (void)l;
    struct daemon *d = ctx;
    int64_t age = 0;
    int64_t rows = outbox_backlog(d->st, &age);
    int64_t bytes = outbox_backlog_bytes(d->st);
    if (rows >= 0) {
        d->backlog = rows;
        int full = rows >= d->cfg->outbox_max_rows || (bytes >= 0 && bytes >= d->cfg->outbox_max_bytes);
        if (full != d->paused) {
            d->paused = full;
            poller_pause(d->poller, full);
            metric_set(d->m_paused, full);
            if (full)
                CW_WARN("outbox", "backlog at its bound, fetching paused rows=%lld bytes=%lld", (long long)rows,
                        (long long)bytes);
            else
                CW_NOTICE("outbox", "backlog below its bound, fetching resumed rows=%lld", (long long)rows);
        }
    }
    return 1000;
}

static int64_t daemon_status_timer(struct loop *l, void *ctx)
{
    (void)l;
    struct daemon *d = ctx;
    char owned[40] = "";
    if (d->share != NULL)
        snprintf(owned, sizeof owned, " polling=%zu", d->owned);
    notify_status(d->notify, "feeds=%zu%s backlog=%lld%s%s%s", d->cfg->nfeeds, owned, (long long)d->backlog,
                  d->paused ? " fetching=paused" : "", d->last_error[0] ? " last_error=" : "", d->last_error);
    return 10000;
}

static void daemon_claimset_metrics(struct daemon *d, const struct claimset *old)
{
    char lab[160];
    if (old != NULL) {
        snprintf(lab, sizeof lab, "version=\"%s\"", claimset_version(old));
        metric_set(metric_gauge("claimwatch_claimset_info", lab, NULL), 0);
    }
    const struct claimset *cs = tagger_claimset(d->tagger);
    snprintf(lab, sizeof lab, "version=\"%s\"", claimset_version(cs));
    metric_set(metric_gauge("claimwatch_claimset_info", lab, "1 for the active claim set (label: its version)"), 1);
    metric_set(d->m_claims, (double)claimset_count(cs));
}

/* SIGHUP: build a whole new config and claim set; swap only if both are valid, so a bad edit
 * leaves the running set in place. Sinks and the state directory need a restart to change. */
static void daemon_reload(int signo, unsigned count, void *ctx)
{
    (void)signo;
    (void)count;
    struct daemon *d = ctx;
    struct cw_strv errors = {0};
    struct cfg *cfg = NULL;
    struct tagger *t = NULL;
    notify_reloading(d->notify);
    CW_NOTICE("daemon", "reloading config=%s", d->opts->config_path);
    if (cfg_load(d->opts->config_path, &cfg, &errors) != 0) {
        for (size_t i = 0; i < errors.n; i++)
            CW_ERR("config", "%s", errors.v[i]);
        snprintf(d->last_error, sizeof d->last_error, "reload refused: config invalid");
        goto refused;
    }
    if ((t = daemon_load_tagger(cfg)) == NULL) {
        snprintf(d->last_error, sizeof d->last_error, "reload refused: claim set invalid");
        goto refused;
    }
    if (cfg->nsinks != d->cfg->nsinks)
        CW_WARN("daemon", "sink changes take effect on restart; keeping the running sinks");
    if (strcmp(cfg->share_group, d->cfg->share_group) != 0 || strcmp(cfg->share_topic, d->cfg->share_topic) != 0 ||
        (d->share != NULL && (strcmp(cfg->instance, d->cfg->instance) != 0 ||
                              !json_equal(cfg->share_rdkafka, d->cfg->share_rdkafka))))
        CW_WARN("daemon", "share_group, share_topic, share_rdkafka and instance take effect on restart; keeping the "
                "running group");
    const struct claimset *old_cs = tagger_claimset(d->tagger);
    struct tagger *old_t = d->tagger;
    struct cfg *old_cfg = d->cfg;
    d->tagger = t;
    d->cfg = cfg;
    pipeline_set_tagger(d->pipe, t);
    pipeline_set_cfg(d->pipe, cfg);
    poller_reconfigure(d->poller, cfg);
    daemon_apply_log(cfg);
    daemon_claimset_metrics(d, old_cs);
    tagger_destroy(old_t);
    cfg_destroy(old_cfg);
    metric_inc(d->m_reload_ok);
    d->last_error[0] = '\0';
    CW_NOTICE("daemon", "reloaded feeds=%zu claims=%zu claimset=%s", cfg->nfeeds, claimset_count(tagger_claimset(t)),
              claimset_version(tagger_claimset(t)));
    notify_ready(d->notify, "reloaded");
    cw_strv_free(&errors);
    return;
refused:
    CW_ERR("daemon", "reload refused; the previous config and claim set stay in use");
    metric_inc(d->m_reload_failed);
    cfg_destroy(cfg);
    cw_strv_free(&errors);
    notify_ready(d->notify, d->last_error);
}

static void daemon_drain(int signo, unsigned count, void *ctx)
{
    struct daemon *d = ctx;
    if (count > 1) {
        d->hurry = 1;
        CW_NOTICE("daemon", "second signal: stopping without waiting for delivery");
        return;
    }
    CW_NOTICE("daemon", "draining signal=%d", signo);
    notify_stopping(d->notify);
    if (d->http)
        metrics_http_set_draining(d->http, 1);
    loop_stop(d->loop);
}

static void daemon_teardown(struct daemon *d)
{
    metrics_http_stop(d->http);
    share_destroy(d->share); /* before the poller: leaving the group calls back into it */
    d->share = NULL;
    if (d->poller)
        poller_stop(d->poller);
    poller_destroy(d->poller);
    pipeline_destroy(d->pipe);
    sender_destroy(d->sender);
    for (size_t i = 0; i < d->nsinks; i++)
        sink_destroy(d->sinks[i]);
    free(d->sinks);
    tagger_destroy(d->tagger);
    store_close(d->st);
    free(d->sink_names);
    free(d->dead_letter_path);
    notify_destroy(d->notify);
    signals_destroy(d->sig);
    loop_destroy(d->loop);
    cfg_destroy(d->cfg);
}

/* once: every feed now, then deliver everything within the drain deadline. */
static int daemon_once(struct daemon *d)
{
    if (poller_start_once(d->poller) != 0)
        return 1;
    while (!poller_idle(d->poller) || pipeline_pending(d->pipe) > 0)
        if (loop_run_once(d->loop, 200) < 0)
            return 1;
    int64_t left = sender_drain(d->sender, cw_now_ms() + (d->cfg->drain_timeout_ms > 0 ? d->cfg->drain_timeout_ms : 10000));
    uint64_t accepted, seen, failed;
    pipeline_stats(d->pipe, &accepted, &seen, &failed);
    CW_INFO("daemon", "pass done new_items=%llu already_seen=%llu failed=%llu undelivered=%lld",
            (unsigned long long)accepted, (unsigned long long)seen, (unsigned long long)failed, (long long)left);
    sender_stop(d->sender, cw_now_ms() + 1000);
    if (left != 0) {
        CW_ERR("daemon", "events left undelivered; they stay in the outbox for the next run pending=%lld",
               (long long)left);
        return 1;
    }
    return failed > 0 ? 1 : 0;
}

static int daemon_forever(struct daemon *d)
{
    char err[512];
    if (d->cfg->metrics_listen && d->cfg->metrics_listen[0]) {
        if (metrics_http_start(d->cfg->metrics_listen, d->loop, &d->http, err, sizeof err) != 0) {
            CW_ERR("metrics", "cannot listen: %s", err);
            return 1;
        }
    }
    if (poller_start(d->poller) != 0)
        return 1;
    loop_add_timer(d->loop, 0, daemon_status_timer, d);
    CW_NOTICE("daemon", "running feeds=%zu sinks=%zu claimset=%s", d->cfg->nfeeds, d->nsinks,
              claimset_version(tagger_claimset(d->tagger)));
    notify_ready(d->notify, "running");
    if (d->http)
        metrics_http_set_ready(d->http, 1);
    if (loop_run(d->loop) != 0)
        return 1;
    /* Drain: stop fetching, give the sinks until the deadline, then purge what is still in flight
     * (it stays pending in the outbox and goes out on the next start). */
    poller_stop(d->poller);
    /* Leave the share group before draining, so the others take our feeds over now. */
    share_stop(d->share, d->hurry ? 0 : 3000);
    int64_t left = sender_drain(d->sender, cw_now_ms() + (d->hurry ? 0 : d->cfg->drain_timeout_ms));
    sender_stop(d->sender, cw_now_ms() + (d->hurry ? 0 : 1000));
    CW_NOTICE("daemon", "stopped pending=%lld", (long long)left);
    return 0;
}

int daemon_main(const struct daemon_opts *opts)
{
    struct daemon d = {.opts = opts};
    struct cw_strv errors = {0};
    int rc = 1;
    char err[512];

    if (cfg_load(opts->config_path, &d.cfg, &errors) != 0) {
        for (size_t i = 0; i < errors.n; i++)
            fprintf(stderr, "%s\n", errors.v[i]);
        cw_strv_free(&errors);
        return 1;
    }
    daemon_apply_log(d.cfg);
    d.m_reload_ok = metric_counter("claimwatch_reloads_total", "result=\"ok\"", "SIGHUP reloads by result");
    d.m_reload_failed = metric_counter("claimwatch_reloads_total", "result=\"failed\"", NULL);
    d.m_claims = metric_gauge("claimwatch_claimset_claims", NULL, "Claims in the active claim set");
    d.m_paused = metric_gauge("claimwatch_fetch_paused", NULL, "1 while fetching waits for the outbox to drain");
    /* The loop and the signal mask first: every thread started later (librdkafka, libmicrohttpd)
     * inherits the blocked mask, so SIGTERM always reaches the signalfd and the drain. */
    if ((d.loop = loop_create()) == NULL)
        goto out;
    if (!opts->once && (d.sig = signals_create(d.loop, daemon_reload, daemon_drain, &d)) == NULL) {
        CW_ERR("daemon", "cannot set up signal handling: %s", strerror(errno));
        goto out;
    }
    d.notify = notify_create(d.loop);
    if ((d.tagger = daemon_load_tagger(d.cfg)) == NULL)
        goto out;
    daemon_claimset_metrics(&d, NULL);
    if (daemon_open_store(&d) != 0)
        goto out;
    /* Dead letters the sink refuses too still land on disk, beside the state, with their reason. */
    if (asprintf(&d.dead_letter_path, "%s/dead-letter.jsonl", opts->state_dir ? opts->state_dir : d.cfg->state_dir) < 0) {
        d.dead_letter_path = NULL;
        goto out;
    }
    struct sender_opts so = {.dead_letter_path = d.dead_letter_path}; /* borrowed by the sender */
    d.sender = sender_create(d.st, &so);
    if (d.sender == NULL)
        goto out;
    if (daemon_open_sinks(&d) != 0)
        goto out;
    if ((d.sink_names = calloc(d.nsinks + 1, sizeof *d.sink_names)) == NULL)
        goto out;
    for (size_t i = 0; i < d.nsinks; i++)
        d.sink_names[i] = d.sinks[i]->name;
    if ((d.pipe = pipeline_create(d.st, d.cfg, d.tagger, d.sink_names, d.nsinks)) == NULL)
        goto out;
    struct poller_callbacks cb = {pipeline_on_doc, pipeline_on_status, d.pipe};
    if ((d.poller = poller_create(d.loop, d.st, d.cfg, &cb, err, sizeof err)) == NULL) {
        CW_ERR("daemon", "cannot start the poller: %s", err);
        goto out;
    }
    pipeline_set_poller(d.pipe, d.poller);
    if (d.cfg->share_group[0] != '\0' && opts->once) {
        CW_NOTICE("share", "once polls every feed; share_group is only used by run group=%s", d.cfg->share_group);
    } else if (d.cfg->share_group[0] != '\0') {
        if (share_create(d.cfg, 5000, daemon_share_changed, &d, &d.share, err, sizeof err) != 0) {
            CW_ERR("share", "cannot join the share group: %s config=%s", err, d.cfg->path);
            goto out;
        }
        if (poller_set_owner(d.poller, daemon_owns, &d) != 0) {
            CW_ERR("share", "out of memory sharing the feeds");
            goto out;
        }
        size_t live = 0;
        poller_apply_owner(d.poller, NULL, &live);
        CW_NOTICE("share", "sharing %zu feeds in group %s; polling none until the group assigns partitions", live,
                  d.cfg->share_group);
        loop_add_timer(d.loop, 0, daemon_share_timer, &d);
    }
    loop_add_hook(d.loop, daemon_before_sleep, &d);
    loop_add_timer(d.loop, 0, daemon_backlog_timer, &d);
    loop_add_timer(d.loop, 50, daemon_pump_timer, &d);
    rc = opts->once ? daemon_once(&d) : daemon_forever(&d);
out:
    daemon_teardown(&d);
    return rc;
}
