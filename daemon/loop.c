#include "daemon/loop.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "common/cw_util.h"

struct loop_watch {
    loop_fd_fn fn;
    void *ctx;
    int events;
};

struct loop_timer {
    int64_t id;
    int64_t due_ms; /* monotonic */
    loop_timer_fn fn;
    void *ctx;
};

struct loop_hook {
    loop_hook_fn fn;
    void *ctx;
};

struct loop {
    int epfd;
    struct loop_watch *watches; /* indexed by fd */
    int nwatches;
    struct loop_timer *timers; /* unsorted: a daemon has a handful of timers, not thousands */
    size_t ntimers, captimers;
    int64_t next_timer_id;
    struct loop_hook *hooks;
    size_t nhooks;
    int stop;
};

struct loop *loop_create(void)
{
    struct loop *l = calloc(1, sizeof *l);
    if (l == NULL)
        return NULL;
    l->epfd = epoll_create1(EPOLL_CLOEXEC);
    if (l->epfd < 0) {
        free(l);
        return NULL;
    }
    l->next_timer_id = 1;
    return l;
}

int loop_watch_fd(struct loop *l, int fd, int events, loop_fd_fn fn, void *ctx)
{
    if (fd < 0) {
        errno = EBADF;
        return -1;
    }
    if (fd >= l->nwatches) {
        int n = l->nwatches ? l->nwatches : 64;
        while (n <= fd)
            n *= 2;
        struct loop_watch *w = realloc(l->watches, (size_t)n * sizeof *w);
        if (w == NULL)
            return -1;
        memset(w + l->nwatches, 0, (size_t)(n - l->nwatches) * sizeof *w);
        l->watches = w;
        l->nwatches = n;
    }
    struct epoll_event ev = {.data.fd = fd};
    if (events & LOOP_READ)
        ev.events |= EPOLLIN;
    if (events & LOOP_WRITE)
        ev.events |= EPOLLOUT;
    int op = l->watches[fd].fn ? EPOLL_CTL_MOD : EPOLL_CTL_ADD;
    if (epoll_ctl(l->epfd, op, fd, &ev) != 0) {
        /* The fd may have been closed and reused behind our back (libcurl does this). */
        if (op == EPOLL_CTL_MOD && errno == ENOENT)
            op = EPOLL_CTL_ADD;
        else if (op == EPOLL_CTL_ADD && errno == EEXIST)
            op = EPOLL_CTL_MOD;
        else
            return -1;
        if (epoll_ctl(l->epfd, op, fd, &ev) != 0)
            return -1;
    }
    l->watches[fd] = (struct loop_watch){fn, ctx, events};
    return 0;
}

int loop_unwatch_fd(struct loop *l, int fd)
{
    if (fd < 0 || fd >= l->nwatches || l->watches[fd].fn == NULL)
        return -1;
    l->watches[fd].fn = NULL;
    /* The fd may already be closed, in which case epoll forgot it by itself. */
    epoll_ctl(l->epfd, EPOLL_CTL_DEL, fd, NULL);
    return 0;
}

int64_t loop_add_timer(struct loop *l, int64_t delay_ms, loop_timer_fn fn, void *ctx)
{
    if (l->ntimers == l->captimers) {
        size_t cap = l->captimers ? l->captimers * 2 : 16;
        struct loop_timer *t = realloc(l->timers, cap * sizeof *t);
        if (t == NULL)
            return -1;
        l->timers = t;
        l->captimers = cap;
    }
    int64_t id = l->next_timer_id++;
    l->timers[l->ntimers++] = (struct loop_timer){id, cw_now_ms() + (delay_ms > 0 ? delay_ms : 0), fn, ctx};
    return id;
}

static struct loop_timer *timer_find(struct loop *l, int64_t id)
{
    for (size_t i = 0; i < l->ntimers; i++)
        if (l->timers[i].id == id)
            return &l->timers[i];
    return NULL;
}

int loop_rearm_timer(struct loop *l, int64_t id, int64_t delay_ms)
{
    struct loop_timer *t = timer_find(l, id);
    if (t == NULL)
        return -1;
    t->due_ms = cw_now_ms() + (delay_ms > 0 ? delay_ms : 0);
    return 0;
}

int loop_cancel_timer(struct loop *l, int64_t id)
{
    struct loop_timer *t = timer_find(l, id);
    if (t == NULL)
        return -1;
    *t = l->timers[--l->ntimers];
    return 0;
}

int loop_add_hook(struct loop *l, loop_hook_fn fn, void *ctx)
{
    struct loop_hook *h = realloc(l->hooks, (l->nhooks + 1) * sizeof *h);
    if (h == NULL)
        return -1;
    l->hooks = h;
    l->hooks[l->nhooks++] = (struct loop_hook){fn, ctx};
    return 0;
}

static int run_timers(struct loop *l)
{
    int ran = 0;
    int64_t now = cw_now_ms();
    /* Index-based: a callback may add or cancel timers, which moves entries around. */
    for (size_t i = 0; i < l->ntimers;) {
        if (l->timers[i].due_ms > now) {
            i++;
            continue;
        }
        int64_t id = l->timers[i].id;
        int64_t next = l->timers[i].fn(l, l->timers[i].ctx);
        ran++;
        struct loop_timer *t = timer_find(l, id);
        if (t == NULL) { /* cancelled itself */
            i = 0;
            continue;
        }
        if (next == LOOP_TIMER_STOP) {
            loop_cancel_timer(l, id);
            i = 0;
            continue;
        }
        if (t->due_ms <= now) /* not re-armed from inside the callback */
            t->due_ms = now + (next > 0 ? next : 0);
        i = 0;
        now = cw_now_ms();
    }
    return ran;
}

int loop_run_once(struct loop *l, int max_wait_ms)
{
    for (size_t i = 0; i < l->nhooks; i++)
        l->hooks[i].fn(l, l->hooks[i].ctx);
    int64_t wait = max_wait_ms;
    int64_t now = cw_now_ms();
    for (size_t i = 0; i < l->ntimers; i++) {
        int64_t d = l->timers[i].due_ms - now;
        if (d < 0)
            d = 0;
        if (wait < 0 || d < wait)
            wait = d;
    }
    if (l->stop)
        wait = 0;
    struct epoll_event evs[64];
    int n = epoll_wait(l->epfd, evs, 64, (int)wait);
    if (n < 0) {
        if (errno != EINTR)
            return -1;
        n = 0;
    }
    int ran = 0;
    for (int i = 0; i < n; i++) {
        int fd = evs[i].data.fd;
        if (fd >= l->nwatches || l->watches[fd].fn == NULL)
            continue;
        int events = 0;
        if (evs[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR))
            events |= LOOP_READ;
        if (evs[i].events & (EPOLLOUT | EPOLLHUP | EPOLLERR))
            events |= LOOP_WRITE;
        l->watches[fd].fn(l, fd, events, l->watches[fd].ctx);
        ran++;
    }
    ran += run_timers(l);
    return ran;
}

int loop_run(struct loop *l)
{
    while (!l->stop)
        if (loop_run_once(l, 1000) < 0)
            return -1;
    return 0;
}

void loop_stop(struct loop *l) { l->stop = 1; }
int loop_stopped(const struct loop *l) { return l->stop; }

void loop_destroy(struct loop *l)
{
    if (l == NULL)
        return;
    close(l->epfd);
    free(l->watches);
    free(l->timers);
    free(l->hooks);
    free(l);
}
