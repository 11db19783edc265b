/* claimwatch feeds list|import: the feeds table of the state store, for operators.
 *   claimwatch feeds list   (-c CONFIG | --state-dir DIR) [--json]
 *   claimwatch feeds import (-c CONFIG | --state-dir DIR) FILE.opml
 * list reads the database while the daemon runs (WAL readers never block it). */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/cw_util.h"
#include "config/cfg.h"
#include "daemon/cli.h"
#include "daemon/feedstore.h"
#include "daemon/store.h"
#include "parsers/opml.h"

#define FEEDS_OPML_MAX (8 << 20)

static void feeds_usage(FILE *out)
{
    fprintf(out, "usage: claimwatch feeds list (-c CONFIG | --state-dir DIR) [--json]\n"
                 "       claimwatch feeds import (-c CONFIG | --state-dir DIR) FILE.opml\n");
}

static void feeds_time(int64_t ms, char *out, size_t len)
{
    if (ms <= 0)
        snprintf(out, len, "-");
    else
        cw_time_rfc3339((time_t)(ms / 1000), out, len);
}

struct feeds_list_ctx {
    int json;
    json_t *arr;
    int64_t now;
};

static int feeds_list_row(const struct feedstore_feed *f, void *ctx)
{
    struct feeds_list_ctx *c = ctx;
    char next[32], last[32];
    feeds_time(f->next_fetch_ms, next, sizeof next);
    feeds_time(f->last_fetch_ms, last, sizeof last);
    if (f->next_fetch_ms <= c->now)
        snprintf(next, sizeof next, "due");
    if (c->json) {
        json_t *o = json_pack("{s:I, s:s, s:I, s:s, s:I, s:s}", "id", (json_int_t)f->id, "url", f->url, "failures",
                              (json_int_t)f->failures, "next_fetch", next, "last_status", (json_int_t)f->last_status,
                              "source", f->source ? f->source : "config");
        if (o == NULL)
            return 1;
        if (f->fetch_url)
            json_object_set_new(o, "fetch_url", json_string(f->fetch_url));
        if (f->title)
            json_object_set_new(o, "title", json_string(f->title));
        if (f->etag)
            json_object_set_new(o, "etag", json_string(f->etag));
        if (f->last_modified)
            json_object_set_new(o, "last_modified", json_string(f->last_modified));
        if (f->last_error)
            json_object_set_new(o, "last_error", json_string(f->last_error));
        if (f->owner)
            json_object_set_new(o, "owner", json_string(f->owner));
        if (f->last_fetch_ms > 0)
            json_object_set_new(o, "last_fetch", json_string(last));
        json_array_append_new(c->arr, o);
        return 0;
    }
    char status[24];
    if (f->last_status > 0)
        snprintf(status, sizeof status, "%lld", (long long)f->last_status);
    else
        snprintf(status, sizeof status, f->last_fetch_ms > 0 ? "err" : "-");
    printf("%-5lld %-6s %-8lld %-20s %-20s %s\n", (long long)f->id, status, (long long)f->failures, next, last,
           f->url);
    if (f->fetch_url)
        printf("      moved to: %s\n", f->fetch_url);
    if (f->etag || f->last_modified)
        printf("      validators: etag=%s last-modified=%s\n", f->etag ? f->etag : "-",
               f->last_modified ? f->last_modified : "-");
    if (f->last_error)
        printf("      last error: %s\n", f->last_error);
    if (f->owner)
        printf("      polled by: %s\n", f->owner);
    return 0;
}

struct feeds_opts {
    const char *config;
    const char *state_dir;
    int json;
    const char *file;
};

/* Resolves state.db from -c CONFIG or --state-dir; fills path. 0, or an exit status. */
static int feeds_db_path(const struct feeds_opts *o, char *path, size_t len)
{
    if (o->state_dir != NULL) {
        snprintf(path, len, "%s/state.db", o->state_dir);
        return 0;
    }
    struct cfg *c = NULL;
    struct cw_strv errors = {0};
    if (cfg_load(o->config, &c, &errors) != 0) {
        for (size_t i = 0; i < errors.n; i++)
            fprintf(stderr, "%s\n", errors.v[i]);
        cw_strv_free(&errors);
        return CW_EXIT_FAIL;
    }
    cw_strv_free(&errors);
    snprintf(path, len, "%s/state.db", c->state_dir);
    cfg_destroy(c);
    return 0;
}

static int feeds_list(const struct feeds_opts *o, const char *path)
{
    if (access(path, F_OK) != 0) {
        fprintf(stderr, "claimwatch feeds list: %s: no state database yet (the daemon creates it on start)\n",
                path);
        return CW_EXIT_FAIL;
    }
    struct store *st = NULL;
    char err[512];
    if (store_open(path, &st, err, sizeof err) != 0) {
        fprintf(stderr, "claimwatch feeds list: %s\n", err);
        return CW_EXIT_FAIL;
    }
    struct feeds_list_ctx c = {.json = o->json, .arr = json_array(), .now = cw_wall_ms()};
    if (!o->json)
        printf("%-5s %-6s %-8s %-20s %-20s %s\n", "ID", "STATUS", "FAILURES", "NEXT FETCH", "LAST FETCH", "URL");
    int rc = feedstore_list(st, feeds_list_row, &c);
    if (rc == 0 && o->json) {
        char *s = json_dumps(c.arr, JSON_INDENT(2));
        if (s)
            printf("%s\n", s);
        free(s);
    }
    json_decref(c.arr);
    store_close(st);
    return rc == 0 ? CW_EXIT_OK : CW_EXIT_FAIL;
}

static int feeds_import(const struct feeds_opts *o, const char *path)
{
    char *data = NULL, err[512];
    size_t len = 0, n = 0;
    struct opml_feed *feeds = NULL;
    struct store *st = NULL;
    int rc = CW_EXIT_FAIL;
    if (cw_read_file(o->file, FEEDS_OPML_MAX, &data, &len, err, sizeof err) != 0) {
        fprintf(stderr, "claimwatch feeds import: %s\n", err);
        return CW_EXIT_FAIL;
    }
    if (opml_parse(data, len, NULL, &feeds, &n, err, sizeof err) != 0) {
        fprintf(stderr, "claimwatch feeds import: %s: %s\n", o->file, err);
        goto done;
    }
    if (store_open(path, &st, err, sizeof err) != 0) {
        fprintf(stderr, "claimwatch feeds import: %s\n", err);
        goto done;
    }
    sqlite3 *db = store_db(st);
    int before = sqlite3_total_changes(db);
    if (store_begin(st) != 0)
        goto done;
    for (size_t i = 0; i < n; i++) {
        int64_t id;
        if (feedstore_register(st, feeds[i].url, feeds[i].title, "import", &id) != 0) {
            fprintf(stderr, "claimwatch feeds import: %s: cannot register %s\n", path, feeds[i].url);
            store_rollback(st);
            goto done;
        }
    }
    int added = sqlite3_total_changes(db) - before;
    if (store_commit(st) != 0)
        goto done;
    printf("%zu feeds in %s, %d new, into %s\n", n, o->file, added, path);
    rc = CW_EXIT_OK;
done:
    store_close(st);
    if (feeds != NULL)
        opml_feeds_free(feeds, n);
    free(data);
    return rc;
}

int cmd_feeds(int argc, char **argv)
{
    struct feeds_opts o = {0};
    const char *sub = NULL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            feeds_usage(stdout);
            return CW_EXIT_OK;
        } else if ((strcmp(a, "-c") == 0 || strcmp(a, "--config") == 0) && i + 1 < argc) {
            o.config = argv[++i];
        } else if (strcmp(a, "--state-dir") == 0 && i + 1 < argc) {
            o.state_dir = argv[++i];
        } else if (strcmp(a, "--json") == 0) {
            o.json = 1;
        } else if (a[0] == '-' && a[1] != '\0') {
            return cli_usage_error("feeds", "unknown option %s", a);
        } else if (sub == NULL) {
            sub = a;
        } else if (o.file == NULL) {
            o.file = a;
        } else {
            return cli_usage_error("feeds", "unexpected argument %s", a);
        }
    }
    if (sub == NULL)
        return cli_usage_error("feeds", "missing subcommand (list or import)");
    if (o.config == NULL && o.state_dir == NULL)
        return cli_usage_error("feeds", "give -c CONFIG or --state-dir DIR");
    int is_list = strcmp(sub, "list") == 0, is_import = strcmp(sub, "import") == 0;
    if (!is_list && !is_import)
        return cli_usage_error("feeds", "unknown subcommand %s (list or import)", sub);
    if (is_import && o.file == NULL)
        return cli_usage_error("feeds", "import needs an OPML file");
    if (is_list && o.file != NULL)
        return cli_usage_error("feeds", "unexpected argument %s", o.file);
    char path[4096];
    int rc = feeds_db_path(&o, path, sizeof path);
    if (rc != 0)
        return rc;
    return is_list ? feeds_list(&o, path) : feeds_import(&o, path);
}
