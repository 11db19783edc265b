/* The systemd notification protocol (sd_notify) for Type=notify units: READY=1, RELOADING=1,
 * STOPPING=1, STATUS=..., and WATCHDOG=1 pings sent from a loop timer, so a main loop that stops
 * turning also stops the pings and systemd restarts the service. Without $NOTIFY_SOCKET (not run
 * by systemd) every call is a cheap no-op. */
#ifndef CW_NOTIFY_H
#define CW_NOTIFY_H

#include <stdint.h>

struct loop;
struct notify;

/* Reads $NOTIFY_SOCKET and $WATCHDOG_USEC (sd_watchdog_enabled) and, when the watchdog is on,
 * adds a timer to l that pings at half the interval. Borrows l (it must outlive the notify).
 * Returns an owned notify, or NULL on allocation failure. */
struct notify *notify_create(struct loop *l);
/* Watchdog interval in microseconds, 0 when systemd did not ask for pings. */
uint64_t notify_watchdog_usec(const struct notify *n);
/* READY=1, with STATUS= when status is not NULL. Call once config, claim set, state store and
 * sinks are up, and again after a reload (RELOADING=1 ... READY=1). */
void notify_ready(struct notify *n, const char *status);
/* RELOADING=1 with MONOTONIC_USEC= (as Type=notify-reload expects). */
void notify_reloading(struct notify *n);
/* STOPPING=1: the service is draining and will exit. */
void notify_stopping(struct notify *n);
/* STATUS=... (one line shown by systemctl status: feeds, backlog, last error). */
void notify_status(struct notify *n, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Sends one WATCHDOG=1 now (the timer does this by itself). */
void notify_watchdog(struct notify *n);
/* Number of WATCHDOG=1 messages sent so far (tests). */
uint64_t notify_pings(const struct notify *n);
/* Cancels the timer and frees. Accepts NULL. */
void notify_destroy(struct notify *n);

#endif
