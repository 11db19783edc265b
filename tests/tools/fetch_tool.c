/* fetch_tool: runs the event loop and the fetcher on the URLs given and prints one JSON line per
 * result, in completion order. The fetch_*.py integration tests drive real libcurl with it.
 * Usage: fetch_tool [--allow CIDR]... [--max-bytes N] [--timeout-ms N] [--connect-timeout-ms N]
 *                   [--low-speed BYTES SECONDS] [--per-host N] [--concurrency N]
 *                   [--etag E] [--last-modified D] [--max-redirects N] [--user-agent UA] URL... */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cw_util.h"
#include "daemon/fetch.h"
#include "daemon/loop.h"

static const char *tool_error_name(enum fetch_error e)
{
    static const char *const names[] = {"ok", "dns", "connect", "timeout", "too_slow", "too_big",
                                        "too_many_redirects", "blocked", "tls", "http", "other"};
    return (unsigned)e < sizeof names / sizeof names[0] ? names[e] : "other";
}

static size_t tool_left;

static void tool_done(const struct fetch_result *r, void *ctx)
{
    json_t *o = json_pack("{s:s, s:s, s:s, s:I, s:I, s:I, s:I, s:I}", "url", (const char *)ctx, "error",
                          tool_error_name(r->error), "errmsg", r->errmsg, "status", (json_int_t)r->status, "len",
                          (json_int_t)r->len, "retry_after_s", (json_int_t)r->retry_after_s, "max_age_s",
                          (json_int_t)r->max_age_s, "elapsed_ms", (json_int_t)r->elapsed_ms);
    if (r->etag)
        json_object_set_new(o, "etag", json_string(r->etag));
    if (r->last_modified)
        json_object_set_new(o, "last_modified", json_string(r->last_modified));
    if (r->content_type)
        json_object_set_new(o, "content_type", json_string(r->content_type));
    if (r->effective_url)
        json_object_set_new(o, "effective_url", json_string(r->effective_url));
    if (r->permanent_redirect)
        json_object_set_new(o, "permanent_redirect", json_string(r->permanent_redirect));
    json_object_set_new(o, "body_null", json_boolean(r->body == NULL));
    if (r->body && r->len < 4096)
        json_object_set_new(o, "body", json_stringn(r->body, r->len));
    char *s = json_dumps(o, JSON_COMPACT);
    printf("%s\n", s ? s : "{}");
    fflush(stdout);
    free(s);
    json_decref(o);
    tool_left--;
}

int main(int argc, char **argv)
{
    struct cfg_fetch o = {
        .interval_s = 900, .min_interval_s = 60, .max_interval_s = 86400, .backoff_max_s = 21600,
        .connect_timeout_ms = 10000, .timeout_ms = 60000, .low_speed_bytes = 100, .low_speed_time_s = 30,
        .max_body_bytes = 16 << 20, .max_article_bytes = 8 << 20, .max_items = 500, .max_redirects = 5,
        .permanent_redirect_after = 3, .concurrency = 32, .per_host = 2,
    };
    const char *etag = NULL, *lm = NULL;
    int i = 1;
    for (; i < argc && strncmp(argv[i], "--", 2) == 0; i++) {
        const char *a = argv[i];
        if (i + 1 >= argc)
            break;
        if (strcmp(a, "--allow") == 0)
            cw_strv_push(&o.allow_cidrs, argv[++i]);
        else if (strcmp(a, "--max-bytes") == 0)
            o.max_body_bytes = atoll(argv[++i]);
        else if (strcmp(a, "--timeout-ms") == 0)
            o.timeout_ms = atoll(argv[++i]);
        else if (strcmp(a, "--connect-timeout-ms") == 0)
            o.connect_timeout_ms = atoll(argv[++i]);
        else if (strcmp(a, "--low-speed") == 0 && i + 2 < argc) {
            o.low_speed_bytes = atoll(argv[++i]);
            o.low_speed_time_s = atoll(argv[++i]);
        } else if (strcmp(a, "--per-host") == 0)
            o.per_host = atoll(argv[++i]);
        else if (strcmp(a, "--concurrency") == 0)
            o.concurrency = atoll(argv[++i]);
        else if (strcmp(a, "--max-redirects") == 0)
            o.max_redirects = atoll(argv[++i]);
        else if (strcmp(a, "--etag") == 0)
            etag = argv[++i];
        else if (strcmp(a, "--last-modified") == 0)
            lm = argv[++i];
        else if (strcmp(a, "--user-agent") == 0)
            o.user_agent = argv[++i];
        else if (strcmp(a, "--allow-file") == 0) {
            o.allow_file = atoi(argv[++i]);
        } else {
            fprintf(stderr, "fetch_tool: unknown option %s\n", a);
            return 2;
        }
    }
    if (i >= argc) {
        fprintf(stderr, "usage: fetch_tool [options] URL...\n");
        return 2;
    }
    struct loop *l = loop_create();
    char err[256];
    struct fetcher *f = l ? fetcher_create(l, &o, err, sizeof err) : NULL;
    if (f == NULL) {
        fprintf(stderr, "fetch_tool: %s\n", l ? err : "loop_create failed");
        loop_destroy(l);
        cw_strv_free(&o.allow_cidrs);
        return 1;
    }
    for (; i < argc; i++) {
        struct fetch_request rq = {.url = argv[i], .etag = etag, .last_modified = lm};
        if (fetcher_submit(f, &rq, tool_done, argv[i]) == 0)
            tool_left++;
    }
    /* Bounded: the fetcher's own timeouts end every transfer; this is a backstop. */
    int64_t deadline = cw_now_ms() + o.timeout_ms + 30000;
    while (tool_left > 0 && cw_now_ms() < deadline)
        loop_run_once(l, 200);
    int rc = tool_left == 0 ? 0 : 3;
    fetcher_destroy(f);
    loop_destroy(l);
    cw_strv_free(&o.allow_cidrs);
    return rc;
}
