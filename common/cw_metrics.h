/* A process-wide registry of Prometheus metrics. Any module registers a series once (at start)
 * and updates it from the loop thread; the metrics listener reads it from its own thread, so
 * values are atomics. Exposition in the Prometheus text format. */
#ifndef CW_METRICS_H
#define CW_METRICS_H

#include <stddef.h>

#include "common/cw_buf.h"

struct metric;

/* Registers or finds the series name{labels}. labels is the Prometheus label text without
 * braces (e.g. "result=\"ok\"") or NULL. help is used by the first registration of a name.
 * Returns a handle valid until cw_metrics_reset(); never NULL (falls back to a sink series). */
struct metric *metric_counter(const char *name, const char *labels, const char *help);
struct metric *metric_gauge(const char *name, const char *labels, const char *help);
/* Histogram with the given upper bounds (ascending; +Inf is implied). */
struct metric *metric_histogram(const char *name, const char *labels, const char *help, const double *bounds,
                                size_t nbounds);

/* Builds Prometheus label text from NULL-terminated name/value pairs:
 * metric_labels(buf, sizeof buf, "claim", id, "stance", "supports", NULL) gives
 * claim="...",stance="supports" with \\, \" and newlines in values escaped as the format
 * requires (use it for any value that comes from config or the web). A pair that does not fit is
 * dropped whole, so the text is always well-formed. Returns out. */
const char *metric_labels(char *out, size_t outlen, ...);

void metric_inc(struct metric *m);
void metric_add(struct metric *m, double v);
void metric_set(struct metric *m, double v);
void metric_observe(struct metric *m, double v);
double metric_value(const struct metric *m);

/* Appends every series in the Prometheus text exposition format (version 0.0.4). 0 or -1. */
int cw_metrics_render(struct cw_buf *out);
/* Drops every series (tests). */
void cw_metrics_reset(void);

#endif
