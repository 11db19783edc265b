/* poll_tool: the poller on a state directory, with a minimal stand-in for the pipeline: each new
 * item id is recorded in the items table (one transaction per document) and printed once.
 *   poll_tool --state-dir DIR [--allow CIDR]... [--concurrency N] [--per-host N]
 *             [--once | --run-ms N] [--urls FILE] URL...
 * Prints {"event":"item",...} per new item, {"event":"status",...} per health change and a final
 * {"event":"summary",...}. Used by the restart and feeds-CLI integration tests and bench/fetch. */
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include "common/cw_util.h"
#include "config/cfg.h"
#include "daemon/poller.h"
#include "parsers/opml.h"

struct tool {
    struct store *st;
    int count_only; /* bench: count items, no item rows (measures fetch + parse, not fsyncs) */
    long bytes;
    long docs, items, dups, failing;
};

static void tool_doc(void *ctx, const struct poller_feed *feed, const struct feed_doc *doc)
{
    struct tool *t = ctx;
    t->docs++;
    if (t->count_only) {
        t->items += (long)doc->nitems;
        return;
    }
    sqlite3_stmt *ins = store_stmt(t->st, "INSERT INTO items(id, feed_id, first_seen_ms) VALUES (?1, ?2, ?3)");
    if (ins == NULL || store_begin(t->st) != 0)
        return;
    struct cw_strv fresh = {0};
    for (size_t i = 0; i < doc->nitems; i++) {
        const char *id = doc->items[i].id;
        if (id == NULL || store_item_seen(t->st, id) != 0) {
            t->dups++;
            continue;
        }
        sqlite3_reset(ins);
        sqlite3_bind_text(ins, 1, id, -1, SQLITE_STATIC);
        sqlite3_bind_int64(ins, 2, feed->id);
        sqlite3_bind_int64(ins, 3, cw_wall_ms());
        if (sqlite3_step(ins) == SQLITE_DONE)
            cw_strv_push(&fresh, id);
        sqlite3_reset(ins);
    }
    /* Printed only once committed: what is printed is what a sink would have been given. */
    if (store_commit(t->st) == 0) {
        for (size_t i = 0; i < fresh.n; i++)
            printf("{\"event\":\"item\",\"id\":\"%s\",\"feed\":\"%s\"}\n", fresh.v[i], feed->url);
        t->items += (long)fresh.n;
    }
    fflush(stdout);
    cw_strv_free(&fresh);
}

static void tool_status(void *ctx, const struct poller_feed *feed, enum poller_health h, long status,
                        const char *err)
{
    struct tool *t = ctx;
    t->failing += h == POLLER_FEED_FAILING ? 1 : -1;
    json_t *o = json_pack("{s:s, s:s, s:s, s:I}", "event", "status", "feed", feed->url, "health",
                          h == POLLER_FEED_OK ? "ok" : "failing", "http_status", (json_int_t)status);
    if (err)
        json_object_set_new(o, "error", json_string(err));
    char *s = json_dumps(o, JSON_COMPACT);
    printf("%s\n", s);
    fflush(stdout);
    free(s);
    json_decref(o);
}

static double tool_cpu(const struct rusage *ru)
{
    return (double)ru->ru_utime.tv_sec + (double)ru->ru_stime.tv_sec +
           ((double)ru->ru_utime.tv_usec + (double)ru->ru_stime.tv_usec) / 1e6;
}

/* Parse-only baseline for the bench: feed_parse on each file listed, no fetching. */
static int tool_parse_files(const char *list)
{
    char *data = NULL, err[256];
    size_t len;
    if (cw_read_file(list, 64 << 20, &data, &len, err, sizeof err) != 0) {
        fprintf(stderr, "poll_tool: %s\n", err);
        return 1;
    }
    struct rusage ru0, ru;
    getrusage(RUSAGE_SELF, &ru0);
    int64_t t0 = cw_now_ms();
    long docs = 0, items = 0, bytes = 0;
    for (char *save = NULL, *line = strtok_r(data, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char *body = NULL;
        size_t blen = 0;
        if (cw_read_file(line, 16 << 20, &body, &blen, err, sizeof err) != 0)
            continue;
        struct feed_doc *doc = NULL;
        struct feed_parse_opts po = {.url = line, .max_items = 500};
        if (feed_parse(body, blen, &po, &doc, err, sizeof err) == 0) {
            docs++;
            items += (long)doc->nitems;
            feed_doc_destroy(doc);
        }
        bytes += (long)blen;
        free(body);
    }
    int64_t elapsed = cw_now_ms() - t0;
    getrusage(RUSAGE_SELF, &ru);
    printf("{\"event\":\"parse_summary\",\"docs\":%ld,\"items\":%ld,\"bytes\":%ld,\"elapsed_ms\":%lld,"
           "\"cpu_s\":%.3f}\n",
           docs, items, bytes, (long long)elapsed, tool_cpu(&ru) - tool_cpu(&ru0));
    free(data);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "--parse-files") == 0)
        return tool_parse_files(argv[2]);
    struct cfg *cfg = cfg_default();
    if (cfg == NULL)
        return 1;
    const char *state_dir = NULL, *urls_file = NULL;
    int once = 0, until_idle = 0, count_only = 0;
    long run_ms = 0;
    struct cw_strv urls = {0};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--once") == 0)
            once = 1;
        else if (strcmp(a, "--count-only") == 0)
            count_only = 1;
        else if (strcmp(a, "--until-idle") == 0)
            until_idle = 1;
        else if (strcmp(a, "--state-dir") == 0 && i + 1 < argc)
            state_dir = argv[++i];
        else if (strcmp(a, "--allow") == 0 && i + 1 < argc)
            cw_strv_push(&cfg->fetch.allow_cidrs, argv[++i]);
        else if (strcmp(a, "--concurrency") == 0 && i + 1 < argc)
            cfg->fetch.concurrency = atoll(argv[++i]);
        else if (strcmp(a, "--per-host") == 0 && i + 1 < argc)
            cfg->fetch.per_host = atoll(argv[++i]);
        else if (strcmp(a, "--run-ms") == 0 && i + 1 < argc)
            run_ms = atol(argv[++i]);
        else if (strcmp(a, "--urls") == 0 && i + 1 < argc)
            urls_file = argv[++i];
        else
            cw_strv_push(&urls, a);
    }
    if (urls_file != NULL) {
        char *data = NULL, err[256];
        size_t len;
        if (cw_read_file(urls_file, 64 << 20, &data, &len, err, sizeof err) != 0) {
            fprintf(stderr, "poll_tool: %s\n", err);
            return 1;
        }
        for (char *save = NULL, *line = strtok_r(data, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
            cw_strv_push(&urls, line);
        free(data);
    }
    if (state_dir == NULL) {
        fprintf(stderr, "usage: poll_tool --state-dir DIR [options] URL...\n");
        return 2;
    }
    cfg->feeds = calloc(urls.n ? urls.n : 1, sizeof *cfg->feeds);
    for (size_t i = 0; i < urls.n; i++)
        cfg->feeds[i].url = strdup(urls.v[i]);
    cfg->nfeeds = urls.n;
    mkdir(state_dir, 0700);
    char path[4096], err[512];
    snprintf(path, sizeof path, "%s/state.db", state_dir);
    struct tool t = {.count_only = count_only};
    struct loop *l = loop_create();
    if (store_open(path, &t.st, err, sizeof err) != 0) {
        fprintf(stderr, "poll_tool: %s\n", err);
        return 1;
    }
    struct poller_callbacks cb = {tool_doc, tool_status, &t};
    struct poller *p = poller_create(l, t.st, cfg, &cb, err, sizeof err);
    if (p == NULL) {
        fprintf(stderr, "poll_tool: %s\n", err);
        return 1;
    }
    struct rusage ru0;
    getrusage(RUSAGE_SELF, &ru0);
    int64_t t0 = cw_now_ms();
    if (once) {
        poller_start_once(p);
        while (!poller_idle(p) && cw_now_ms() - t0 < 600000)
            loop_run_once(l, 1000);
    } else {
        poller_start(p);
        /* The first iteration runs the tick that submits every due feed. */
        for (int it = 0; cw_now_ms() - t0 < run_ms; it++) {
            loop_run_once(l, 100);
            if (until_idle && it > 0 && poller_idle(p))
                break;
        }
    }
    int64_t elapsed = cw_now_ms() - t0;
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    poller_destroy(p);
    /* CPU of the round itself: from start to idle (not startup, registration or the final flush) */
    double cpu = tool_cpu(&ru) - tool_cpu(&ru0);
    printf("{\"event\":\"summary\",\"feeds\":%zu,\"docs\":%ld,\"items\":%ld,\"dups\":%ld,\"failing\":%ld,"
           "\"elapsed_ms\":%lld,\"cpu_s\":%.3f,\"maxrss_kb\":%ld}\n",
           urls.n, t.docs, t.items, t.dups, t.failing, (long long)elapsed, cpu, ru.ru_maxrss);
    store_close(t.st);
    loop_destroy(l);
    for (size_t i = 0; i < cfg->nfeeds; i++)
        free(cfg->feeds[i].url);
    /* cfg_destroy frees feeds[i].url as well if it owns them; keep ownership simple: */
    free(cfg->feeds);
    cfg->feeds = NULL;
    cfg->nfeeds = 0;
    cfg_destroy(cfg);
    cw_strv_free(&urls);
    return 0;
}
