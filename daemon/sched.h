/* Scheduling arithmetic for the poller: pure functions of the clock, the config bounds, the hints a
 * feed and its server gave, and a random number (so tests are deterministic). Times are wall-clock
 * milliseconds since the epoch: the schedule is persisted and must survive a restart. */
#ifndef CW_SCHED_H
#define CW_SCHED_H

#include <stdint.h>

struct sched_bounds {
    int64_t min_interval_s;  /* hints below this are raised to it */
    int64_t max_interval_s;  /* hints above this are lowered to it */
    int64_t backoff_max_s;   /* failure backoff cap (a failing feed is still tried this often) */
};

struct sched_hints {
    int64_t ttl_s;           /* RSS <ttl>, 0 = none */
    int64_t update_period_s; /* sy:updatePeriod / sy:updateFrequency, 0 = none */
    int64_t max_age_s;       /* Cache-Control max-age / Expires, -1 = none */
    unsigned int skip_hours; /* RSS <skipHours>: bit h set = do not fetch during UTC hour h */
};

/* After a success (200 or 304): the feed's interval, lengthened (never shortened) by the hints
 * clamped to [min, max]; +-10% jitter (r in [0,1)); moved out of skipped hours. */
int64_t sched_next_success(int64_t now_ms, int64_t interval_s, const struct sched_hints *h,
                           const struct sched_bounds *b, double r);
/* After the n-th consecutive failure (n >= 1): exponential from min_interval_s, doubling, capped
 * at backoff_max_s, with jitter in [75%, 100%] of the step. retry_after_s >= 0 (429/503) is a
 * floor, itself capped at max(backoff_max_s, max_interval_s) so a hostile header cannot park the
 * feed for ever. */
int64_t sched_next_failure(int64_t now_ms, int64_t failures, int64_t retry_after_s, const struct sched_bounds *b,
                           double r);
/* Moves t out of skipped UTC hours (to the start of the next allowed hour). */
int64_t sched_skip_hours(int64_t t_ms, unsigned int skip_hours);
/* A uniform double in [0,1) from a xorshift state (seeded by the caller). */
double sched_rand(uint64_t *state);

#endif
