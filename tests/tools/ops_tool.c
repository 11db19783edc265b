/* ops_tool: the daemon's operating skeleton without the pipeline, for the integration tests of
 * notify, signals and the metrics listener. It wires them exactly as `claimwatch run` does:
 * loop, signals (before any thread), notify, metrics listener, READY=1; SIGHUP -> RELOADING=1,
 * rebuild, READY=1; SIGTERM/SIGINT -> STOPPING=1, drain, exit 0.
 *
 * usage: ops_tool [--listen HOST:PORT] [--stale-ms N] [--drain-ms N]
 * Prints "port=N" on stdout once listening. Commands on stdin, one per line:
 *   stall MS   block the main loop for MS milliseconds (a hung loop: pings and heartbeat stop)
 *   fail-reload   make the next reload fail (the old state is kept)
 *   tick N     count N fake fetches (moves the counters)  */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/cw_log.h"
#include "common/cw_metrics.h"
#include "daemon/loop.h"
#include "daemon/metrics_http.h"
#include "daemon/notify.h"
#include "daemon/signals.h"

struct app {
    struct loop *loop;
    struct notify *notify;
    struct metrics_http *http;
    struct signals *sig;
    int64_t drain_ms;
    int fail_next_reload;
    int generation;
    struct metric *reloads_ok, *reloads_failed, *fetches_ok, *items_new, *generation_g, *latency;
    char line[256];
    size_t linelen;
};

static void on_reload(int signo, unsigned count, void *ctx)
{
    (void)signo;
    (void)count;
    struct app *a = ctx;
    notify_reloading(a->notify);
    /* Build the new state completely; swap only if it is valid. */
    if (a->fail_next_reload) {
        a->fail_next_reload = 0;
        metric_inc(a->reloads_failed);
        CW_ERR("ops_tool", "reload failed, keeping generation=%d reason=\"injected failure\"", a->generation);
    } else {
        a->generation++;
        metric_inc(a->reloads_ok);
        metric_set(a->generation_g, a->generation);
        CW_NOTICE("ops_tool", "reloaded generation=%d", a->generation);
    }
    char st[128];
    snprintf(st, sizeof st, "generation %d, reloads %u", a->generation, count);
    notify_ready(a->notify, st);
}

static int64_t drain_done(struct loop *l, void *ctx)
{
    (void)ctx;
    loop_stop(l);
    return LOOP_TIMER_STOP;
}

static void on_drain(int signo, unsigned count, void *ctx)
{
    (void)signo;
    struct app *a = ctx;
    if (count > 1) { /* a second signal: stop now */
        loop_stop(a->loop);
        return;
    }
    notify_stopping(a->notify);
    metrics_http_set_draining(a->http, 1);
    loop_add_timer(a->loop, a->drain_ms, drain_done, a);
}

static void run_command(struct app *a, const char *cmd)
{
    if (strncmp(cmd, "stall ", 6) == 0) {
        long ms = strtol(cmd + 6, NULL, 10);
        struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
        while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
            ;
        printf("stalled %ld\n", ms);
    } else if (strcmp(cmd, "fail-reload") == 0) {
        a->fail_next_reload = 1;
        printf("ok\n");
    } else if (strncmp(cmd, "tick ", 5) == 0) {
        long n = strtol(cmd + 5, NULL, 10);
        for (long i = 0; i < n; i++) {
            metric_inc(a->fetches_ok);
            metric_add(a->items_new, 3);
            metric_observe(a->latency, 0.05 * (double)(i % 7));
        }
        printf("ticked %ld\n", n);
    } else {
        printf("unknown command\n");
    }
    fflush(stdout);
}

static void on_stdin(struct loop *l, int fd, int events, void *ctx)
{
    (void)events;
    struct app *a = ctx;
    char buf[256];
    ssize_t r = read(fd, buf, sizeof buf);
    if (r <= 0) {
        loop_unwatch_fd(l, fd); /* EOF: keep running until a signal */
        return;
    }
    for (ssize_t i = 0; i < r; i++) {
        if (buf[i] == '\n') {
            a->line[a->linelen] = '\0';
            run_command(a, a->line);
            a->linelen = 0;
        } else if (a->linelen + 1 < sizeof a->line) {
            a->line[a->linelen++] = buf[i];
        }
    }
}

int main(int argc, char **argv)
{
    const char *listen = "127.0.0.1:0";
    int64_t stale_ms = 10000;
    struct app a = {.drain_ms = 200};
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--listen") == 0 && i + 1 < argc)
            listen = argv[++i];
        else if (strcmp(argv[i], "--stale-ms") == 0 && i + 1 < argc)
            stale_ms = strtoll(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "--drain-ms") == 0 && i + 1 < argc)
            a.drain_ms = strtoll(argv[++i], NULL, 10);
        else {
            fprintf(stderr, "usage: ops_tool [--listen HOST:PORT] [--stale-ms N] [--drain-ms N]\n");
            return 2;
        }
    }
    int rc = 1;
    char err[256];
    a.reloads_ok = metric_counter("claimwatch_reloads_total", "result=\"ok\"", "Reloads by result.");
    a.reloads_failed = metric_counter("claimwatch_reloads_total", "result=\"failed\"", "Reloads by result.");
    a.fetches_ok = metric_counter("claimwatch_fetches_total", "result=\"ok\"", "Feed fetches by result.");
    a.items_new = metric_counter("claimwatch_items_total", "state=\"new\"", "Items seen, by state.");
    a.generation_g = metric_gauge("claimwatch_ops_tool_generation", NULL, "Config generation.");
    static const double bounds[] = {0.05, 0.1, 0.25, 0.5, 1};
    a.latency = metric_histogram("claimwatch_fetch_duration_seconds", NULL, "Fetch latency.", bounds, 5);
    metric_counter("claimwatch_label_escape_test_total", "path=\"C:\\\\tmp\\\"x\\\"\\n\"",
                   "Help with a backslash \\ and\nnewline.");

    /* The order `claimwatch run` uses. */
    a.loop = loop_create();
    if (a.loop == NULL)
        goto out;
    a.sig = signals_create(a.loop, on_reload, on_drain, &a); /* before any thread */
    if (a.sig == NULL)
        goto out;
    a.notify = notify_create(a.loop);
    if (a.notify == NULL)
        goto out;
    if (metrics_http_start(listen, a.loop, &a.http, err, sizeof err) != 0) {
        fprintf(stderr, "ops_tool: %s\n", err);
        goto out;
    }
    metrics_http_set_stale_ms(a.http, stale_ms);
    loop_watch_fd(a.loop, 0, LOOP_READ, on_stdin, &a);
    printf("port=%d\n", metrics_http_port(a.http));
    fflush(stdout);
    notify_ready(a.notify, "ops_tool ready, generation 0");
    metrics_http_set_ready(a.http, 1);
    if (loop_run(a.loop) == 0)
        rc = 0;
out:
    metrics_http_stop(a.http);
    notify_destroy(a.notify);
    signals_destroy(a.sig);
    loop_destroy(a.loop);
    cw_metrics_reset();
    return rc;
}
