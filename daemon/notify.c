#include "daemon/notify.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-daemon.h>
#include <time.h>

#include "common/cw_log.h"
#include "daemon/loop.h"

struct notify {
    struct loop *loop;
    int enabled;            /* $NOTIFY_SOCKET was set */
    uint64_t watchdog_usec; /* 0: no watchdog */
    int64_t timer;          /* loop timer id, 0 if none */
    uint64_t pings;
    int warned;             /* one log line when sd_notify fails, not one per ping */
};

static void send_msg(struct notify *n, const char *msg)
{
    if (!n->enabled)
        return;
    /* unset_environment = 0: a re-exec or child must still be able to talk to systemd. */
    int r = sd_notify(0, msg);
    if (r < 0 && !n->warned) {
        n->warned = 1;
        CW_WARN("notify", "sd_notify failed error=%s msg=%.40s", strerror(-r), msg);
    }
}

static int64_t watchdog_timer(struct loop *l, void *ctx)
{
    (void)l;
    struct notify *n = ctx;
    notify_watchdog(n);
    /* Half the interval, as sd_watchdog_enabled(3) recommends: one late ping is not a restart. */
    return (int64_t)(n->watchdog_usec / 2000);
}

struct notify *notify_create(struct loop *l)
{
    struct notify *n = calloc(1, sizeof *n);
    if (n == NULL)
        return NULL;
    n->loop = l;
    const char *sock = getenv("NOTIFY_SOCKET");
    n->enabled = sock != NULL && sock[0] != '\0';
    uint64_t usec = 0;
    /* > 0 only when $WATCHDOG_USEC is set and $WATCHDOG_PID (if any) is this process. */
    if (n->enabled && sd_watchdog_enabled(0, &usec) > 0 && usec > 0) {
        n->watchdog_usec = usec;
        int64_t ms = (int64_t)(usec / 2000);
        n->timer = loop_add_timer(l, ms > 0 ? ms : 1, watchdog_timer, n);
        if (n->timer < 0) {
            free(n);
            return NULL;
        }
        CW_INFO("notify", "watchdog on interval_ms=%lld ping_ms=%lld", (long long)(usec / 1000),
                (long long)ms);
    }
    return n;
}

uint64_t notify_watchdog_usec(const struct notify *n) { return n ? n->watchdog_usec : 0; }
uint64_t notify_pings(const struct notify *n) { return n ? n->pings : 0; }

void notify_watchdog(struct notify *n)
{
    if (n == NULL || n->watchdog_usec == 0)
        return;
    n->pings++;
    send_msg(n, "WATCHDOG=1");
}

static void status_clean(char *s)
{
    /* The protocol is newline-separated assignments: a newline in the status would start a
     * new (bogus) assignment. */
    for (; *s; s++)
        if (*s == '\n' || *s == '\r')
            *s = ' ';
}

void notify_ready(struct notify *n, const char *status)
{
    if (n == NULL)
        return;
    char msg[1024];
    if (status != NULL) {
        char st[900];
        snprintf(st, sizeof st, "%s", status);
        status_clean(st);
        snprintf(msg, sizeof msg, "READY=1\nSTATUS=%s", st);
    } else {
        snprintf(msg, sizeof msg, "READY=1");
    }
    send_msg(n, msg);
}

void notify_reloading(struct notify *n)
{
    if (n == NULL)
        return;
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    char msg[128];
    snprintf(msg, sizeof msg, "RELOADING=1\nMONOTONIC_USEC=%llu",
             (unsigned long long)ts.tv_sec * 1000000ULL + (unsigned long long)ts.tv_nsec / 1000ULL);
    send_msg(n, msg);
}

void notify_stopping(struct notify *n)
{
    if (n != NULL)
        send_msg(n, "STOPPING=1");
}

void notify_status(struct notify *n, const char *fmt, ...)
{
    if (n == NULL || !n->enabled)
        return;
    char st[900], msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(st, sizeof st, fmt, ap);
    va_end(ap);
    status_clean(st);
    snprintf(msg, sizeof msg, "STATUS=%s", st);
    send_msg(n, msg);
}

void notify_destroy(struct notify *n)
{
    if (n == NULL)
        return;
    if (n->timer > 0)
        loop_cancel_timer(n->loop, n->timer);
    free(n);
}
