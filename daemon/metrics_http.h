/* The metrics and health listener (libmicrohttpd, its own thread): GET /metrics (Prometheus
 * text format 0.0.4 from cw_metrics_render), /healthz (200 while the main loop turns: a loop timer
 * stamps a heartbeat; 503 once it is older than the stale limit) and /readyz (200 once the daemon
 * said ready and is not draining, else 503). Anything else is 404; methods other than GET and
 * HEAD are 405. Loopback by default: metrics tell an attacker what we watch. */
#ifndef CW_METRICS_HTTP_H
#define CW_METRICS_HTTP_H

#include <stddef.h>
#include <stdint.h>

struct loop;
struct metrics_http;

#define METRICS_HTTP_DEFAULT_LISTEN "127.0.0.1:9464"

/* Starts listening on listen ("host:port", "[v6]:port"; port 0 picks a free one; host may be a
 * name such as "localhost"). An empty listen disables the listener: returns 0 with *out = NULL.
 * Adds a heartbeat timer to l (borrowed; must outlive the listener). Returns 0 and an owned *out,
 * or -1 with errstr naming the address and the reason. */
int metrics_http_start(const char *listen, struct loop *l, struct metrics_http **out, char *errstr,
                       size_t errlen);
/* The bound port (useful with port 0), or 0 for a NULL listener. */
int metrics_http_port(const struct metrics_http *m);
/* The daemon is ready (config, claims, store and sinks up) or not. Accepts NULL. */
void metrics_http_set_ready(struct metrics_http *m, int ready);
/* The daemon is draining: /readyz answers 503 from now on. Accepts NULL. */
void metrics_http_set_draining(struct metrics_http *m, int draining);
/* /healthz turns 503 when the heartbeat is older than this (default 10000 ms; the heartbeat
 * ticks every stale_ms / 4, at most every 1000 ms). Accepts NULL. */
void metrics_http_set_stale_ms(struct metrics_http *m, int64_t stale_ms);
/* Stops the thread, closes the socket, cancels the timer. Accepts NULL. */
void metrics_http_stop(struct metrics_http *m);

#endif
