#include "daemon/sched.h"

#include <stddef.h>

static int64_t sched_clamp(int64_t v, int64_t lo, int64_t hi)
{
    if (hi > 0 && v > hi)
        v = hi;
    if (v < lo)
        v = lo;
    return v;
}

int64_t sched_skip_hours(int64_t t_ms, unsigned int skip_hours)
{
    skip_hours &= 0xffffffu;
    if (skip_hours == 0 || skip_hours == 0xffffffu)
        return t_ms; /* nothing skipped, or everything: a feed that says "never" is still polled */
    for (int i = 0; i < 24; i++) {
        int64_t hour = (t_ms / 3600000) % 24;
        if (!(skip_hours & (1u << hour)))
            return t_ms;
        t_ms = (t_ms / 3600000 + 1) * 3600000;
    }
    return t_ms;
}

int64_t sched_next_success(int64_t now_ms, int64_t interval_s, const struct sched_hints *h,
                           const struct sched_bounds *b, double r)
{
    int64_t s = interval_s > 0 ? interval_s : 900;
    if (h != NULL) {
        int64_t hint = 0;
        if (h->ttl_s > hint)
            hint = h->ttl_s;
        if (h->update_period_s > hint)
            hint = h->update_period_s;
        if (h->max_age_s > hint)
            hint = h->max_age_s;
        /* A hint is the publisher asking us to come back later, never sooner than we planned. */
        if (hint > 0) {
            hint = sched_clamp(hint, b->min_interval_s, b->max_interval_s);
            if (hint > s)
                s = hint;
        }
    }
    double jitter = 0.9 + 0.2 * r;
    int64_t t = now_ms + (int64_t)((double)s * 1000.0 * jitter);
    return h != NULL ? sched_skip_hours(t, h->skip_hours) : t;
}

int64_t sched_next_failure(int64_t now_ms, int64_t failures, int64_t retry_after_s, const struct sched_bounds *b,
                           double r)
{
    int64_t base = b->min_interval_s > 0 ? b->min_interval_s : 60;
    int64_t cap = b->backoff_max_s > 0 ? b->backoff_max_s : 21600;
    int64_t step = base;
    for (int64_t i = 1; i < failures && step < cap; i++)
        step *= 2;
    if (step > cap)
        step = cap;
    int64_t ms = (int64_t)((double)step * 1000.0 * (0.75 + 0.25 * r));
    if (retry_after_s >= 0) {
        int64_t ra_cap = cap > b->max_interval_s ? cap : b->max_interval_s;
        int64_t ra = retry_after_s > ra_cap ? ra_cap : retry_after_s;
        if (ra * 1000 > ms)
            ms = ra * 1000;
    }
    return now_ms + ms;
}

double sched_rand(uint64_t *state)
{
    uint64_t x = *state ? *state : 0x9e3779b97f4a7c15ull;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    *state = x;
    return (double)(x >> 11) / 9007199254740992.0;
}
