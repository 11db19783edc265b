/* Signals on the event loop: SIGHUP, SIGTERM and SIGINT are blocked and read from a signalfd,
 * so no code runs in signal context at all (the strictest form of "handlers only set flags");
 * the callbacks run from the loop like any other event. SIGPIPE is ignored (a closed socket is
 * an error return, not a death).
 *
 * Create this before any thread starts (libmicrohttpd, librdkafka, libcurl's resolver): threads
 * inherit the blocked mask, and a thread that did not block SIGTERM would take it with the
 * default action and kill the process without a drain. */
#ifndef CW_SIGNALS_H
#define CW_SIGNALS_H

struct loop;
struct signals;

/* Called from the loop. signo is the signal; count is how many signals of its group have arrived
 * so far (reload: SIGHUP; drain: SIGTERM and SIGINT together), so a second SIGTERM or a Ctrl-C
 * during a drain arrives with count 2 and may mean "hurry". */
typedef void (*signals_fn)(int signo, unsigned count, void *ctx);

/* Blocks the signals, opens the signalfd and watches it on l. on_reload runs for SIGHUP,
 * on_drain for SIGTERM and SIGINT; either may be NULL (the flag is still set). Borrows l and ctx.
 * Returns an owned signals, or NULL with errno set. */
struct signals *signals_create(struct loop *l, signals_fn on_reload, signals_fn on_drain, void *ctx);
/* Flags for code that polls instead of using callbacks: returns and clears "a SIGHUP came". */
int signals_take_reload(struct signals *s);
/* Non-zero once SIGTERM or SIGINT arrived (never cleared). */
int signals_draining(const struct signals *s);
/* Unwatches, closes the signalfd and restores the signal mask that was in place before create.
 * Accepts NULL. */
void signals_destroy(struct signals *s);

#endif
