#include "daemon/notify.h"

#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <systemd/sd-daemon.h>
#include <time.h>
#include <unistd.h>

#include "common/cw_log.h"
#include "daemon/loop.h"

struct notify {
    struct loop *loop;
    int enabled;            /* $NOTIFY_SOCKET was set */
    uint64_t watchdog_usec; /* 0: no watchdog */
    int64_t timer;          /* loop timer id, 0 if none */
    uint64_t pings;
    int warned;             /* one log line when sending fails, not one per ping */
    int fd;                 /* non-blocking datagram socket connected to $NOTIFY_SOCKET, -1 if none */
    uint64_t dropped;       /* pings not sent because the receiver's queue was full */
};

/* A state change (READY=1, RELOADING=1, STOPPING=1, STATUS=) waits this long for room in a full
 * receive queue; a ping never waits (a missed ping is harmless, the next one follows). */
#define NOTIFY_STATE_WAIT_MS 1000

/* Connects a non-blocking datagram socket to $NOTIFY_SOCKET (a path, or '@' for the abstract
 * namespace). sd_notify(3) sends on a blocking socket: when the receiver stops reading (a stalled
 * manager, a test that reads only now and then) its queue of a few datagrams fills and the send
 * would block the whole event loop, fetching included, until someone reads. Returns 0, or -1 when
 * the address is of another kind (sd_notify is used for those). */
static int notify_connect(struct notify *n)
{
    const char *path = getenv("NOTIFY_SOCKET");
    if (path == NULL || (path[0] != '/' && path[0] != '@'))
        return -1;
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    size_t len = strlen(path);
    if (len >= sizeof sa.sun_path)
        return -1;
    memcpy(sa.sun_path, path, len);
    if (path[0] == '@')
        sa.sun_path[0] = '\0';
    int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0)
        return -1;
    /* Connected, so poll() reports when the receiver's queue has room again. */
    if (connect(fd, (struct sockaddr *)&sa, (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len)) != 0) {
        close(fd);
        return -1;
    }
    n->fd = fd;
    return 0;
}

/* 0 sent, 1 dropped (queue full), -errno on error. */
static int notify_send_fd(struct notify *n, const char *msg, int wait_ms)
{
    size_t len = strlen(msg);
    for (int attempt = 0; attempt < 2; attempt++) {
        if (n->fd < 0 && notify_connect(n) != 0)
            return -ENOTCONN;
        ssize_t w = send(n->fd, msg, len, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (w >= 0)
            return 0;
        if (errno == EAGAIN || errno == EWOULDBLOCK) {
            if (wait_ms <= 0)
                return 1;
            struct pollfd pfd = {.fd = n->fd, .events = POLLOUT};
            int r = poll(&pfd, 1, wait_ms);
            wait_ms = 0;
            if (r > 0 && send(n->fd, msg, len, MSG_NOSIGNAL | MSG_DONTWAIT) >= 0)
                return 0;
            return 1;
        }
        if (errno == EINTR) {
            attempt--;
            continue;
        }
        /* The receiver went away (a re-executed manager binds its socket anew): reconnect once. */
        int err = errno;
        close(n->fd);
        n->fd = -1;
        if (attempt == 1 || (err != ECONNREFUSED && err != ENOTCONN && err != ECONNRESET))
            return -err;
    }
    return -ENOTCONN;
}

static void send_msg_wait(struct notify *n, const char *msg, int wait_ms)
{
    if (!n->enabled)
        return;
    int r = notify_send_fd(n, msg, wait_ms);
    if (r == -ENOTCONN && n->fd < 0)
        r = sd_notify(0, msg); /* an address kind we do not speak; unset_environment = 0 keeps it for a re-exec */
    if (r == 1) {
        n->dropped++;
        if (wait_ms <= 0) {
            CW_DEBUG("notify", "receiver's queue full, ping skipped dropped=%llu", (unsigned long long)n->dropped);
            return;
        }
        r = -EAGAIN;
    }
    if (r < 0 && !n->warned) {
        n->warned = 1;
        CW_WARN("notify", "notify socket send failed error=%s msg=%.40s", strerror(-r), msg);
    }
}

static void send_msg(struct notify *n, const char *msg) { send_msg_wait(n, msg, NOTIFY_STATE_WAIT_MS); }

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
    n->fd = -1;
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
    send_msg_wait(n, "WATCHDOG=1", 0);
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
    if (n->fd >= 0)
        close(n->fd);
    free(n);
}
