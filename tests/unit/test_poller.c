/* Unit tests for daemon/poller.c on file:// feeds through the real loop, fetcher and store:
 * once mode, failure and recovery with on_status, restart resuming the persisted schedule, pause,
 * reconfigure, OPML files named by the config and feeds imported into the store, and polling only
 * the feeds owned when several daemons share them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cw_util.h"
#include "daemon/feedstore.h"
#include "daemon/poller.h"
#include "parsers/opml.h"

struct seen {
    int docs, items, failing, recovered;
    char last_error[256];
};

static void on_doc(void *ctx, const struct poller_feed *feed, const struct feed_doc *doc)
{
    struct seen *s = ctx;
    (void)feed;
    s->docs++;
    s->items += (int)doc->nitems;
}

static void on_status(void *ctx, const struct poller_feed *feed, enum poller_health h, long st, const char *err)
{
    struct seen *s = ctx;
    (void)feed, (void)st;
    if (h == POLLER_FEED_FAILING) {
        s->failing++;
        snprintf(s->last_error, sizeof s->last_error, "%s", err);
    } else {
        s->recovered++;
    }
}

static char dir[128], db[160], good[200], missing[200], good_url[220], missing_url[220];

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

/* Removes a test database with its WAL files. */
static void unlink_db(const char *dbp)
{
    char path[200];
    snprintf(path, sizeof path, "%s-wal", dbp);
    unlink(path);
    snprintf(path, sizeof path, "%s-shm", dbp);
    unlink(path);
    unlink(dbp);
}

static void setup_cfg(struct cfg *c, struct cfg_feed *feeds)
{
    memset(c, 0, sizeof *c);
    c->fetch = (struct cfg_fetch){
        .interval_s = 900, .min_interval_s = 60, .max_interval_s = 86400, .backoff_max_s = 21600,
        .connect_timeout_ms = 2000, .timeout_ms = 5000, .max_body_bytes = 1 << 20, .max_article_bytes = 1 << 20,
        .max_items = 500, .max_redirects = 5, .permanent_redirect_after = 3, .concurrency = 8, .per_host = 2,
        .allow_file = 1,
    };
    feeds[0] = (struct cfg_feed){.url = good_url, .title = "good"};
    feeds[1] = (struct cfg_feed){.url = missing_url, .title = "missing"};
    c->feeds = feeds;
    c->nfeeds = 2;
}

static void run_until(struct loop *l, struct poller *p, int (*cond)(struct poller *, void *), void *arg)
{
    for (int i = 0; i < 400; i++) {
        loop_run_once(l, 10);
        if (cond(p, arg))
            return;
    }
    fail_msg("condition not reached");
}

static int cond_idle(struct poller *p, void *arg)
{
    (void)arg;
    return poller_idle(p);
}

static int cond_recovered(struct poller *p, void *arg)
{
    (void)p;
    return ((struct seen *)arg)->recovered > 0;
}

static void test_once_fail_recover_restart(void **state)
{
    (void)state;
    snprintf(dir, sizeof dir, "/tmp/cw_test_poller_%d", (int)getpid());
    mkdir(dir, 0700);
    snprintf(db, sizeof db, "%s/state.db", dir);
    snprintf(good, sizeof good, "%s/good.xml", dir);
    snprintf(missing, sizeof missing, "%s/missing.xml", dir);
    snprintf(good_url, sizeof good_url, "file://%s", good);
    snprintf(missing_url, sizeof missing_url, "file://%s", missing);
    unlink(missing);
    write_file(good, "<rss version=\"2.0\"><channel><ttl>120</ttl><item><guid>1</guid></item></channel></rss>");

    struct cfg cfg;
    struct cfg_feed feeds[2];
    setup_cfg(&cfg, feeds);
    char err[512];
    struct store *st = NULL;
    unlink(db);
    assert_int_equal(store_open(db, &st, err, sizeof err), 0);
    struct loop *l = loop_create();
    struct seen s = {0};
    struct poller_callbacks cb = {on_doc, on_status, &s};

    /* 1. once: both fetched, the missing one fails with a visible status */
    struct poller *p = poller_create(l, st, &cfg, &cb, err, sizeof err);
    assert_non_null(p);
    assert_int_equal(poller_start_once(p), 0);
    assert_false(poller_idle(p));
    run_until(l, p, cond_idle, NULL);
    assert_int_equal(s.docs, 1);
    assert_int_equal(s.items, 1);
    assert_int_equal(s.failing, 1);
    assert_int_equal(s.recovered, 0);
    poller_destroy(p);

    struct feedstore_feed g, m;
    assert_int_equal(feedstore_get(st, 1, &g), 0);
    assert_int_equal(feedstore_get(st, 2, &m), 0);
    int64_t now = cw_wall_ms();
    assert_int_equal(g.failures, 0);
    assert_int_equal(g.last_status, 200);
    assert_null(g.last_error);
    /* ttl 120 min lengthens the 900 s interval: ~2 h away, jitter 10% */
    assert_true(g.next_fetch_ms > now + 6000000LL && g.next_fetch_ms < now + 8000000LL);
    assert_int_equal(m.failures, 1);
    assert_non_null(m.last_error);
    assert_true(m.next_fetch_ms > now + 30000 && m.next_fetch_ms < now + 61000);
    int64_t good_next = g.next_fetch_ms;
    feedstore_feed_clear(&g);
    feedstore_feed_clear(&m);

    /* 2. restart in daemon mode: the schedule is resumed (nothing is due, nothing is fetched) */
    s = (struct seen){0};
    p = poller_create(l, st, &cfg, &cb, err, sizeof err);
    assert_non_null(p);
    assert_int_equal(poller_start(p), 0);
    for (int i = 0; i < 20; i++)
        loop_run_once(l, 5);
    assert_int_equal(s.docs, 0);
    assert_int_equal(s.failing, 0);
    poller_destroy(p);

    /* 3. the file appears and the feed falls due: it recovers on the first success */
    write_file(missing, "<rss version=\"2.0\"><channel><item><guid>2</guid></item></channel></rss>");
    assert_int_equal(sqlite3_exec(store_db(st), "UPDATE feeds SET next_fetch_ms = 0 WHERE id = 2", NULL, NULL, NULL),
                     SQLITE_OK);
    p = poller_create(l, st, &cfg, &cb, err, sizeof err);
    assert_non_null(p);
    assert_int_equal(poller_start(p), 0);
    run_until(l, p, cond_recovered, &s);
    run_until(l, p, cond_idle, NULL);
    assert_int_equal(s.docs, 1); /* only the recovered one; the good one was not due */
    poller_destroy(p);
    assert_int_equal(feedstore_get(st, 2, &m), 0);
    assert_int_equal(m.failures, 0);
    assert_null(m.last_error);
    feedstore_feed_clear(&m);
    assert_int_equal(feedstore_get(st, 1, &g), 0);
    assert_int_equal(g.next_fetch_ms, good_next);
    feedstore_feed_clear(&g);

    /* 4. pause holds due feeds back; a reconfigure that drops a feed forgets it */
    assert_int_equal(sqlite3_exec(store_db(st), "UPDATE feeds SET next_fetch_ms = 0", NULL, NULL, NULL), SQLITE_OK);
    s = (struct seen){0};
    p = poller_create(l, st, &cfg, &cb, err, sizeof err);
    assert_non_null(p);
    poller_pause(p, 1);
    assert_int_equal(poller_start(p), 0);
    for (int i = 0; i < 20; i++)
        loop_run_once(l, 5);
    assert_int_equal(s.docs, 0);
    cfg.nfeeds = 1;
    assert_int_equal(poller_reconfigure(p, &cfg), 0);
    poller_pause(p, 0);
    for (int i = 0; i < 100 && s.docs < 1; i++)
        loop_run_once(l, 10);
    run_until(l, p, cond_idle, NULL);
    assert_int_equal(s.docs, 1);
    poller_destroy(p);

    poller_destroy(NULL);
    loop_destroy(l);
    store_close(st);
    unlink(good);
    unlink(missing);
    unlink_db(db);
    rmdir(dir);
}

/* A scratch directory with a state database path and two feed files, and their file:// URLs. */
struct two_feeds {
    char d[128], dbp[160], f1[200], f2[200], u1[220], u2[220];
};

static void two_feeds_create(struct two_feeds *t, const char *tag, const char *rss1, const char *rss2)
{
    snprintf(t->d, sizeof t->d, "/tmp/cw_test_poller_%s_%d", tag, (int)getpid());
    mkdir(t->d, 0700);
    snprintf(t->dbp, sizeof t->dbp, "%s/state.db", t->d);
    snprintf(t->f1, sizeof t->f1, "%s/one.xml", t->d);
    snprintf(t->f2, sizeof t->f2, "%s/two.xml", t->d);
    snprintf(t->u1, sizeof t->u1, "file://%s", t->f1);
    snprintf(t->u2, sizeof t->u2, "file://%s", t->f2);
    write_file(t->f1, rss1);
    write_file(t->f2, rss2);
}

static void two_feeds_remove(const struct two_feeds *t)
{
    unlink_db(t->dbp);
    unlink(t->f1);
    unlink(t->f2);
    rmdir(t->d);
}

static void test_opml_and_imported(void **state)
{
    (void)state;
    struct two_feeds tf;
    char opml[200], text[600];
    two_feeds_create(&tf, "opml", "<rss version=\"2.0\"><channel><item><guid>a</guid></item><item><guid>b</guid></item></channel></rss>",
                     "<rss version=\"2.0\"><channel><item><guid>c</guid></item></channel></rss>");
    snprintf(opml, sizeof opml, "%s/list.opml", tf.d);
    snprintf(text, sizeof text, "<opml version=\"2.0\"><body><outline text=\"one\" xmlUrl=\"%s\"/></body></opml>", tf.u1);
    write_file(opml, text);

    struct cfg cfg;
    struct cfg_feed feeds[2];
    setup_cfg(&cfg, feeds);
    cfg.nfeeds = 0;
    cw_strv_push(&cfg.opml, opml);
    char err[512];
    struct store *st = NULL;
    unlink(tf.dbp);
    assert_int_equal(store_open(tf.dbp, &st, err, sizeof err), 0);
    int64_t id;
    assert_int_equal(feedstore_register(st, tf.u2, "two", "import", &id), 0);
    struct loop *l = loop_create();
    struct seen s = {0};
    struct poller_callbacks cb = {on_doc, on_status, &s};
    struct poller *p = poller_create(l, st, &cfg, &cb, err, sizeof err);
    assert_non_null(p);
    assert_int_equal(poller_start_once(p), 0);
    run_until(l, p, cond_idle, NULL);
    assert_int_equal(s.docs, 2);  /* the OPML's feed and the imported one */
    assert_int_equal(s.items, 3);
    assert_int_equal(s.failing, 0);
    poller_destroy(p);
    /* an unreadable OPML file is an error at create, naming the file */
    cfg.opml.v[0][strlen(cfg.opml.v[0]) - 1] = 'x';
    assert_null(poller_create(l, st, &cfg, &cb, err, sizeof err));
    assert_non_null(strstr(err, "list.opmx"));
    cw_strv_free(&cfg.opml);
    loop_destroy(l);
    store_close(st);
    unlink(opml);
    two_feeds_remove(&tf);
}

static int allowed[2];
static const char *allowed_url[2];

static int owns_fn(void *ctx, const char *url)
{
    (void)ctx;
    for (int i = 0; i < 2; i++)
        if (strcmp(url, allowed_url[i]) == 0)
            return allowed[i];
    return 0;
}

static int cond_docs(struct poller *p, void *arg)
{
    (void)p;
    return ((struct seen *)arg)->docs >= 1;
}

static int cond_docs2(struct poller *p, void *arg)
{
    (void)p;
    return ((struct seen *)arg)->docs >= 2;
}

static char *owner_of(struct store *st, int64_t id)
{
    struct feedstore_feed f;
    assert_int_equal(feedstore_get(st, id, &f), 0);
    char *o = f.owner ? strdup(f.owner) : NULL;
    feedstore_feed_clear(&f);
    return o;
}

/* Shared feeds: nothing is polled before ownership is granted; an owned feed is polled and its
 * owner column names this instance; a feed handed away is cleared and the newly owned one polled. */
static void test_shared_ownership(void **state)
{
    (void)state;
    struct two_feeds tf;
    two_feeds_create(&tf, "share", "<rss version=\"2.0\"><channel><item><guid>a</guid></item></channel></rss>",
                     "<rss version=\"2.0\"><channel><item><guid>b</guid></item></channel></rss>");
    struct cfg cfg;
    struct cfg_feed feeds[2];
    setup_cfg(&cfg, feeds);
    feeds[0].url = tf.u1;
    feeds[1].url = tf.u2;
    cfg.instance = "cw-me";
    allowed_url[0] = tf.u1;
    allowed_url[1] = tf.u2;
    allowed[0] = allowed[1] = 0;
    char err[512];
    struct store *st = NULL;
    unlink(tf.dbp);
    assert_int_equal(store_open(tf.dbp, &st, err, sizeof err), 0);
    struct loop *l = loop_create();
    struct seen s = {0};
    struct poller_callbacks cb = {on_doc, on_status, &s};
    struct poller *p = poller_create(l, st, &cfg, &cb, err, sizeof err);
    assert_non_null(p);
    /* A stale owner from an earlier run is cleared when sharing starts. */
    assert_int_equal(feedstore_set_owner(st, 1, "someone-else"), 0);
    assert_int_equal(poller_set_owner(p, owns_fn, NULL), 0);
    assert_null(owner_of(st, 1));
    assert_int_equal(poller_start(p), 0);
    for (int i = 0; i < 30; i++)
        loop_run_once(l, 10);
    assert_int_equal(s.docs, 0); /* both due, neither owned */

    size_t owned = 9, live = 9;
    allowed[0] = 1;
    poller_apply_owner(p, &owned, &live);
    assert_int_equal(owned, 1);
    assert_int_equal(live, 2);
    char *o = owner_of(st, 1);
    assert_string_equal(o, "cw-me");
    free(o);
    assert_null(owner_of(st, 2));
    run_until(l, p, cond_docs, &s);
    assert_int_equal(s.docs, 1);

    allowed[0] = 0;
    allowed[1] = 1;
    poller_apply_owner(p, &owned, &live);
    assert_int_equal(owned, 1);
    assert_null(owner_of(st, 1));
    o = owner_of(st, 2);
    assert_string_equal(o, "cw-me");
    free(o);
    run_until(l, p, cond_docs2, &s);
    for (int i = 0; i < 20; i++)
        loop_run_once(l, 10);
    assert_int_equal(s.docs, 2); /* the second feed once; the first not again */
    assert_int_equal(s.items, 2);
    poller_destroy(p);
    loop_destroy(l);
    store_close(st);
    two_feeds_remove(&tf);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_once_fail_recover_restart),
        cmocka_unit_test(test_opml_and_imported),
        cmocka_unit_test(test_shared_ownership),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
