/* Test and bench driver for the delivery path without the rest of the daemon: accepts N synthetic
 * items into a state DB through outbox_accept and drains the outbox with the sender into real
 * sinks, as the daemon's loop does (accept a batch, pump, repeat; then drain).
 *
 *   outbox_tool --db PATH --n N [--start S] [--size BYTES] [--batch B] [--big-every K --big-size BYTES]
 *               [--sink JSON]... [--accept-only | --drain-only] [--deadline-ms MS] [--max-rows R]
 *               [--max-in-flight M] [--dl-file PATH] [--stop-ms MS] [--rate ITEMS_PER_S]
 *
 * Item i has id "item-<i>", one items event (event id "ev-<i>", key the item id) of about BYTES
 * bytes of JSON; every K-th item's event is BYTES_BIG instead (to exceed message.max.bytes).
 * Re-running with the same arguments accepts only the items not yet seen, so a test can kill it
 * at any moment and run it again. With --max-rows, accepting pauses while the outbox holds R rows
 * (printed as "paused"/"resumed" on stderr), as the daemon pauses fetching. SIGTERM/SIGINT stops:
 * flush up to --stop-ms, purge the rest (it stays pending), exit 0.
 * Exit: 0 all delivered (or accepted with --accept-only), 1 rows still pending at the deadline,
 * 2 usage or setup error, 3 store error (e.g. full disk). Last stdout line:
 * "accepted=A delivered=D retried=R dead=X pending=P". */
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/cw_log.h"
#include "common/cw_util.h"
#include "daemon/outbox.h"
#include "daemon/sender.h"
#include "daemon/store.h"
#include "sinks/sink.h"

#define TOOL_MAX_SINKS 4

static volatile sig_atomic_t tool_stop;

static void tool_on_signal(int sig)
{
    (void)sig;
    tool_stop = 1;
}

static int64_t tool_now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static char *tool_payload(long long i, size_t size)
{
    char head[128];
    int n = snprintf(head, sizeof head, "{\"schema\":\"claimwatch.item.v1\",\"id\":\"item-%lld\",\"seq\":%lld,\"text\":\"", i, i);
    size_t total = size > (size_t)n + 2 ? size : (size_t)n + 2;
    char *p = malloc(total + 1);
    if (p == NULL)
        return NULL;
    memcpy(p, head, (size_t)n);
    /* 'a' + (7k + i) % 26 repeats every 26 bytes: write one period, then copy it forward
     * (the generator is the feed, not claimwatch: keep it out of the measurement). */
    size_t k = (size_t)n;
    for (; k < total - 2 && k < (size_t)n + 26; k++)
        p[k] = (char)('a' + (k * 7 + (size_t)i) % 26);
    for (; k < total - 2; k++)
        p[k] = p[k - 26];
    memcpy(p + total - 2, "\"}", 3);
    return p;
}

int main(int argc, char **argv)
{
    const char *db = NULL, *dl_file = NULL, *sink_json[TOOL_MAX_SINKS];
    size_t nsinks = 0, size = 1024, big_size = 2 * 1024 * 1024;
    long long n = 0, start = 0, batch = 100, big_every = 0, max_rows = 0, deadline_ms = 30000, stop_ms = 2000;
    long long max_in_flight = 0, rate = 0; /* 0: the sender's default, as in the daemon */
    int accept_only = 0, drain_only = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--accept-only") == 0) { accept_only = 1; continue; }
        if (strcmp(a, "--drain-only") == 0) { drain_only = 1; continue; }
        if (v == NULL) goto usage;
        i++;
        if (strcmp(a, "--db") == 0) db = v;
        else if (strcmp(a, "--n") == 0) n = atoll(v);
        else if (strcmp(a, "--start") == 0) start = atoll(v);
        else if (strcmp(a, "--size") == 0) size = (size_t)atoll(v);
        else if (strcmp(a, "--batch") == 0) batch = atoll(v);
        else if (strcmp(a, "--big-every") == 0) big_every = atoll(v);
        else if (strcmp(a, "--big-size") == 0) big_size = (size_t)atoll(v);
        else if (strcmp(a, "--max-rows") == 0) max_rows = atoll(v);
        else if (strcmp(a, "--deadline-ms") == 0) deadline_ms = atoll(v);
        else if (strcmp(a, "--stop-ms") == 0) stop_ms = atoll(v);
        else if (strcmp(a, "--max-in-flight") == 0) max_in_flight = atoll(v);
        else if (strcmp(a, "--dl-file") == 0) dl_file = v;
        else if (strcmp(a, "--rate") == 0) rate = atoll(v);
        else if (strcmp(a, "--sink") == 0 && nsinks < TOOL_MAX_SINKS) sink_json[nsinks++] = v;
        else goto usage;
    }
    if (db == NULL || batch <= 0 || (nsinks == 0 && !accept_only))
        goto usage;
    if (getenv("CW_LOG_LEVEL") != NULL && cw_log_level_from_name(getenv("CW_LOG_LEVEL")) > 0)
        cw_log_set_level(cw_log_level_from_name(getenv("CW_LOG_LEVEL")));

    struct sigaction sa = {0};
    sa.sa_handler = tool_on_signal;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);

    int rc = 2;
    char err[512];
    struct store *st = NULL;
    struct sender *snd = NULL;
    struct sink *sinks[TOOL_MAX_SINKS] = {0};
    json_t *confs[TOOL_MAX_SINKS] = {0};
    const char *names[TOOL_MAX_SINKS] = {"stdout"}; /* --accept-only without --sink queues for "stdout" */
    long long accepted = 0;
    if (store_open(db, &st, err, sizeof err) != 0) {
        fprintf(stderr, "outbox_tool: %s\n", err);
        return 3;
    }
    struct sender_opts so = {.max_in_flight = (size_t)max_in_flight, .retry_min_ms = 200, .retry_max_ms = 2000,
                             .dead_letter_path = dl_file};
    snd = sender_create(st, &so);
    if (snd == NULL)
        goto out;
    for (size_t k = 0; k < nsinks; k++) {
        json_error_t je;
        confs[k] = json_loads(sink_json[k], 0, &je);
        const char *type = json_string_value(json_object_get(confs[k], "type"));
        if (confs[k] == NULL || type == NULL) {
            fprintf(stderr, "outbox_tool: --sink needs a JSON object with \"type\": %s\n", je.text);
            goto out;
        }
        const char *name = json_string_value(json_object_get(confs[k], "name"));
        names[k] = name ? name : type;
        if (sink_create(type, names[k], confs[k], sender_report, snd, &sinks[k], err, sizeof err) != 0) {
            fprintf(stderr, "outbox_tool: %s\n", err);
            goto out;
        }
        sender_attach(snd, sinks[k]);
    }
    if (drain_only)
        n = 0;
    rc = 0;
    int paused = 0;
    int64_t t0 = cw_now_ms();
    int64_t us_accept = 0, us_commit = 0, us_pump = 0; /* CW_TOOL_TIMING: where the accept phase goes */
    for (long long i = start; i < start + n && !tool_stop;) {
        /* --rate: items per second, like feeds trickling in; pump while waiting. */
        if (rate > 0 && (i - start) * 1000 / rate > cw_now_ms() - t0) {
            if (!accept_only && sender_pump(snd, 10) < 0) {
                rc = 3;
                break;
            }
            continue;
        }
        if (max_rows > 0 && outbox_full(st, max_rows, 0)) {
            if (!paused)
                fprintf(stderr, "paused at item %lld\n", i);
            paused = 1;
            if (sender_pump(snd, 50) < 0) {
                rc = 3;
                break;
            }
            continue;
        }
        if (paused)
            fprintf(stderr, "resumed at item %lld\n", i);
        paused = 0;
        if (store_begin(st) != 0) {
            rc = 3;
            break;
        }
        long long end = i + batch < start + n ? i + batch : start + n;
        int failed = 0;
        int64_t u0 = tool_now_us();
        for (; i < end; i++) {
            char id[64], ev[64];
            snprintf(id, sizeof id, "item-%lld", i);
            snprintf(ev, sizeof ev, "ev-%lld", i);
            char *p = tool_payload(i, big_every > 0 && i % big_every == 0 ? big_size : size);
            struct outbox_item it = {.id = id, .feed_id = 0, .fingerprint = (uint64_t)i, .url = NULL};
            struct outbox_event e = {.kind = SINK_KIND_ITEMS, .key = id, .event_id = ev, .payload = p,
                                     .len = p ? strlen(p) : 0};
            int r = p ? outbox_accept(st, &it, &e, 1, names, nsinks ? nsinks : 1) : -1;
            free(p);
            if (r < 0) {
                failed = 1;
                break;
            }
            accepted += r == 0;
        }
        int64_t u1 = tool_now_us();
        us_accept += u1 - u0;
        if (failed || store_commit(st) != 0) {
            store_rollback(st);
            fprintf(stderr, "outbox_tool: cannot accept items (see the log above); stopping\n");
            rc = 3;
            break;
        }
        int64_t u2 = tool_now_us();
        us_commit += u2 - u1;
        if (!accept_only && sender_pump(snd, 0) < 0) {
            rc = 3;
            break;
        }
        us_pump += tool_now_us() - u2;
    }
    int64_t t_accepted = cw_now_ms();
    int64_t pending = 0;
    if (!accept_only && rc == 0) {
        int64_t end = cw_now_ms() + deadline_ms;
        while (!tool_stop && cw_now_ms() < end) {
            pending = sender_drain(snd, cw_now_ms() + 100);
            if (pending == 0 && sender_in_flight(snd) == 0)
                break;
        }
        if (pending != 0)
            rc = tool_stop ? 0 : 1;
    }
    if (tool_stop)
        fprintf(stderr, "outbox_tool: stopping on signal\n");
    int64_t t_drained = cw_now_ms();
    sender_stop(snd, cw_now_ms() + stop_ms);
    pending = outbox_backlog(st, NULL);
    if (getenv("CW_TOOL_TIMING") != NULL)
        fprintf(stderr, "timing: setup+accept %lld ms, drain %lld ms, stop %lld ms\n", (long long)(t_accepted - t0),
                (long long)(t_drained - t_accepted), (long long)(cw_now_ms() - t_drained));
    if (getenv("CW_TOOL_TIMING") != NULL)
        fprintf(stderr, "timing: in the accept phase: inserts %lld ms, commits %lld ms, pumps %lld ms\n",
                (long long)(us_accept / 1000), (long long)(us_commit / 1000), (long long)(us_pump / 1000));
    uint64_t d = 0, r = 0, x = 0;
    sender_stats(snd, &d, &r, &x);
    printf("accepted=%lld delivered=%llu retried=%llu dead=%llu pending=%lld\n", accepted, (unsigned long long)d,
           (unsigned long long)r, (unsigned long long)x, (long long)pending);
out:
    for (size_t k = 0; k < nsinks; k++) {
        sink_destroy(sinks[k]);
        json_decref(confs[k]);
    }
    sender_destroy(snd);
    store_close(st);
    return rc;
usage:
    fprintf(stderr, "usage: outbox_tool --db PATH --n N [--sink JSON]... (see the source)\n");
    return 2;
}
