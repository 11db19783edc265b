/* The event loop: one thread, epoll for fds (libcurl's sockets, signalfd, ...), timers that return
 * their next delay, and before-sleep hooks (non-blocking Kafka polls, outbox draining). */
#ifndef CW_LOOP_H
#define CW_LOOP_H

#include <stdint.h>

#define LOOP_READ 1
#define LOOP_WRITE 2
#define LOOP_TIMER_STOP (-1)

struct loop;

/* events: LOOP_READ | LOOP_WRITE (an error or hang-up is reported as both). */
typedef void (*loop_fd_fn)(struct loop *l, int fd, int events, void *ctx);
/* Returns the delay in ms until it should run again, or LOOP_TIMER_STOP to remove itself. */
typedef int64_t (*loop_timer_fn)(struct loop *l, void *ctx);
typedef void (*loop_hook_fn)(struct loop *l, void *ctx);

struct loop *loop_create(void);
/* Watches fd for events, replacing an earlier watch of the same fd. 0 or -1 (errno set). */
int loop_watch_fd(struct loop *l, int fd, int events, loop_fd_fn fn, void *ctx);
int loop_unwatch_fd(struct loop *l, int fd);
/* Schedules fn after delay_ms. Returns a timer id (> 0) or -1. */
int64_t loop_add_timer(struct loop *l, int64_t delay_ms, loop_timer_fn fn, void *ctx);
/* Re-arms a timer to fire after delay_ms. 0 or -1 if the id is unknown. */
int loop_rearm_timer(struct loop *l, int64_t id, int64_t delay_ms);
int loop_cancel_timer(struct loop *l, int64_t id);
/* Runs fn before every wait. 0 or -1. */
int loop_add_hook(struct loop *l, loop_hook_fn fn, void *ctx);
/* One iteration: run hooks, wait up to max_wait_ms (or until the next timer), dispatch.
 * Returns the number of callbacks run, or -1 on a fatal epoll error. */
int loop_run_once(struct loop *l, int max_wait_ms);
/* Runs until loop_stop. 0, or -1 on a fatal error. */
int loop_run(struct loop *l);
void loop_stop(struct loop *l);
int loop_stopped(const struct loop *l);
void loop_destroy(struct loop *l);

#endif
