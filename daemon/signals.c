#include "daemon/signals.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "common/cw_log.h"
#include "daemon/loop.h"

struct signals {
    struct loop *loop;
    int fd;
    sigset_t old_mask;
    signals_fn on_reload, on_drain;
    void *ctx;
    unsigned hups, terms;
    int reload_pending;
};

static void on_signalfd(struct loop *l, int fd, int events, void *ctx)
{
    (void)l;
    (void)events;
    struct signals *s = ctx;
    struct signalfd_siginfo si[8];
    /* Non-blocking: read until empty, the kernel coalesces repeats of one signal anyway. */
    for (;;) {
        ssize_t r = read(fd, si, sizeof si);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return;
        for (size_t i = 0; i < (size_t)r / sizeof si[0]; i++) {
            int signo = (int)si[i].ssi_signo;
            if (signo == SIGHUP) {
                s->hups++;
                s->reload_pending = 1;
                CW_NOTICE("signal", "SIGHUP received, reloading sender_pid=%u", si[i].ssi_pid);
                if (s->on_reload)
                    s->on_reload(signo, s->hups, s->ctx);
            } else if (signo == SIGTERM || signo == SIGINT) {
                s->terms++;
                CW_NOTICE("signal", "%s received, draining count=%u sender_pid=%u",
                          signo == SIGTERM ? "SIGTERM" : "SIGINT", s->terms, si[i].ssi_pid);
                if (s->on_drain)
                    s->on_drain(signo, s->terms, s->ctx);
            }
        }
    }
}

struct signals *signals_create(struct loop *l, signals_fn on_reload, signals_fn on_drain, void *ctx)
{
    struct signals *s = calloc(1, sizeof *s);
    if (s == NULL)
        return NULL;
    s->loop = l;
    s->fd = -1;
    s->on_reload = on_reload;
    s->on_drain = on_drain;
    s->ctx = ctx;
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGHUP);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    if (pthread_sigmask(SIG_BLOCK, &set, &s->old_mask) != 0)
        goto fail;
    s->fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
    if (s->fd < 0)
        goto fail_mask;
    if (loop_watch_fd(l, s->fd, LOOP_READ, on_signalfd, s) != 0)
        goto fail_fd;
    signal(SIGPIPE, SIG_IGN);
    return s;
fail_fd:
    close(s->fd);
fail_mask:
    pthread_sigmask(SIG_SETMASK, &s->old_mask, NULL);
fail:;
    int e = errno;
    free(s);
    errno = e;
    return NULL;
}

int signals_take_reload(struct signals *s)
{
    int r = s->reload_pending;
    s->reload_pending = 0;
    return r;
}

int signals_draining(const struct signals *s) { return s->terms > 0; }

void signals_destroy(struct signals *s)
{
    if (s == NULL)
        return;
    loop_unwatch_fd(s->loop, s->fd);
    close(s->fd);
    /* Signals that arrived after the last read are still pending: restoring the mask would
     * deliver them with their default action (death by SIGTERM at exit), so drop them first. */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGHUP);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    struct timespec zero = {0, 0};
    while (sigtimedwait(&set, NULL, &zero) > 0)
        ;
    pthread_sigmask(SIG_SETMASK, &s->old_mask, NULL);
    free(s);
}
