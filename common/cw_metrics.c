#include "common/cw_metrics.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

enum metric_type { METRIC_COUNTER, METRIC_GAUGE, METRIC_HISTOGRAM };

/* Doubles are stored as their bit pattern so the listener thread reads them without a lock. */
struct metric {
    enum metric_type type;
    char *name;
    char *labels;
    char *help;
    _Atomic uint64_t bits;      /* counter/gauge value; histogram sum */
    _Atomic uint64_t count;     /* histogram count */
    double *bounds;
    _Atomic uint64_t *buckets;  /* cumulative counts are computed at render time */
    size_t nbounds;
    struct metric *next;
};

static pthread_mutex_t reg_lock = PTHREAD_MUTEX_INITIALIZER;
static struct metric *reg_head, *reg_tail;
static struct metric fallback; /* used when registration runs out of memory */

static double bits_to_d(uint64_t b)
{
    double d;
    memcpy(&d, &b, sizeof d);
    return d;
}

static uint64_t d_to_bits(double d)
{
    uint64_t b;
    memcpy(&b, &d, sizeof b);
    return b;
}

static struct metric *metric_register(enum metric_type type, const char *name, const char *labels, const char *help,
                                      const double *bounds, size_t nbounds)
{
    pthread_mutex_lock(&reg_lock);
    const char *lab = labels ? labels : "";
    /* The list keeps each family's series together (new series go after the last one of their
     * family), so rendering is one pass and HELP/TYPE come once per family. */
    struct metric *family_last = NULL;
    for (struct metric *m = reg_head; m; m = m->next) {
        if (strcmp(m->name, name) != 0)
            continue;
        if (family_last == NULL && m->help[0] == '\0' && help != NULL && help[0] != '\0') {
            /* The family's HELP is the first series'; a later registration may supply it. */
            char *h = strdup(help);
            if (h != NULL) {
                free(m->help);
                m->help = h;
            }
        }
        if (m->type != type) {
            /* One family, one type: a clash would make the exposition invalid. */
            pthread_mutex_unlock(&reg_lock);
            return &fallback;
        }
        if (strcmp(m->labels, lab) == 0) {
            pthread_mutex_unlock(&reg_lock);
            return m;
        }
        family_last = m;
    }
    struct metric *m = calloc(1, sizeof *m);
    if (m == NULL)
        goto oom;
    m->type = type;
    m->name = strdup(name);
    m->labels = strdup(lab);
    m->help = strdup(help ? help : "");
    if (m->name == NULL || m->labels == NULL || m->help == NULL)
        goto oom_free;
    if (type == METRIC_HISTOGRAM && nbounds > 0) {
        m->bounds = malloc(nbounds * sizeof *m->bounds);
        m->buckets = calloc(nbounds, sizeof *m->buckets);
        if (m->bounds == NULL || m->buckets == NULL)
            goto oom_free;
        memcpy(m->bounds, bounds, nbounds * sizeof *bounds);
        m->nbounds = nbounds;
    }
    if (family_last != NULL) {
        m->next = family_last->next;
        family_last->next = m;
        if (reg_tail == family_last)
            reg_tail = m;
    } else {
        if (reg_tail)
            reg_tail->next = m;
        else
            reg_head = m;
        reg_tail = m;
    }
    pthread_mutex_unlock(&reg_lock);
    return m;
oom_free:
    free(m->name);
    free(m->labels);
    free(m->help);
    free(m->bounds);
    free((void *)m->buckets);
    free(m);
oom:
    pthread_mutex_unlock(&reg_lock);
    return &fallback;
}

struct metric *metric_counter(const char *name, const char *labels, const char *help)
{
    return metric_register(METRIC_COUNTER, name, labels, help, NULL, 0);
}

struct metric *metric_gauge(const char *name, const char *labels, const char *help)
{
    return metric_register(METRIC_GAUGE, name, labels, help, NULL, 0);
}

struct metric *metric_histogram(const char *name, const char *labels, const char *help, const double *bounds,
                                size_t nbounds)
{
    return metric_register(METRIC_HISTOGRAM, name, labels, help, bounds, nbounds);
}

void metric_add(struct metric *m, double v)
{
    uint64_t old = atomic_load(&m->bits), nw;
    do {
        nw = d_to_bits(bits_to_d(old) + v);
    } while (!atomic_compare_exchange_weak(&m->bits, &old, nw));
}

void metric_inc(struct metric *m) { metric_add(m, 1.0); }
void metric_set(struct metric *m, double v) { atomic_store(&m->bits, d_to_bits(v)); }
double metric_value(const struct metric *m) { return bits_to_d(atomic_load(&((struct metric *)m)->bits)); }

void metric_observe(struct metric *m, double v)
{
    for (size_t i = 0; i < m->nbounds; i++) {
        if (v <= m->bounds[i]) {
            atomic_fetch_add(&m->buckets[i], 1);
            break;
        }
    }
    atomic_fetch_add(&m->count, 1);
    metric_add(m, v);
}

const char *metric_labels(char *out, size_t outlen, ...)
{
    if (outlen == 0)
        return out;
    out[0] = '\0';
    size_t len = 0;
    va_list ap;
    va_start(ap, outlen);
    for (;;) {
        const char *k = va_arg(ap, const char *);
        if (k == NULL)
            break;
        const char *v = va_arg(ap, const char *);
        if (v == NULL)
            v = "";
        /* Worst case every value byte doubles. */
        size_t need = (len ? 1 : 0) + strlen(k) + 2 + 2 * strlen(v) + 1;
        if (len + need + 1 > outlen)
            continue;
        if (len)
            out[len++] = ',';
        len += (size_t)sprintf(out + len, "%s=\"", k);
        for (const char *p = v; *p; p++) {
            if (*p == '\\' || *p == '"') {
                out[len++] = '\\';
                out[len++] = *p;
            } else if (*p == '\n') {
                out[len++] = '\\';
                out[len++] = 'n';
            } else {
                out[len++] = *p;
            }
        }
        out[len++] = '"';
        out[len] = '\0';
    }
    va_end(ap);
    return out;
}

/* HELP text escapes only backslash and newline (format 0.0.4). */
static void render_help(struct cw_buf *out, const char *help)
{
    for (const char *p = help; *p; p++) {
        if (*p == '\\')
            cw_buf_puts(out, "\\\\");
        else if (*p == '\n')
            cw_buf_puts(out, "\\n");
        else
            cw_buf_putc(out, *p);
    }
}

static void render_value(struct cw_buf *out, double v)
{
    if (isinf(v))
        cw_buf_puts(out, v > 0 ? "+Inf" : "-Inf");
    else if (isnan(v))
        cw_buf_puts(out, "NaN");
    else if (v == (double)(int64_t)v && fabs(v) < 1e15)
        cw_buf_printf(out, "%lld", (long long)v);
    else
        cw_buf_printf(out, "%.17g", v);
}

static void render_series(struct cw_buf *out, const char *name, const char *suffix, const char *labels,
                          const char *extra, double v)
{
    cw_buf_printf(out, "%s%s", name, suffix);
    if (labels[0] || extra) {
        cw_buf_putc(out, '{');
        cw_buf_puts(out, labels);
        if (labels[0] && extra)
            cw_buf_putc(out, ',');
        if (extra)
            cw_buf_puts(out, extra);
        cw_buf_putc(out, '}');
    }
    cw_buf_putc(out, ' ');
    render_value(out, v);
    cw_buf_putc(out, '\n');
}

int cw_metrics_render(struct cw_buf *out)
{
    static const char *const type_names[] = {"counter", "gauge", "histogram"};
    pthread_mutex_lock(&reg_lock);
    /* Group series by name: HELP/TYPE once per family, as the format requires. */
    const struct metric *prev = NULL;
    for (struct metric *s = reg_head; s; prev = s, s = s->next) {
        if (prev == NULL || strcmp(prev->name, s->name) != 0) {
            cw_buf_printf(out, "# HELP %s ", s->name);
            render_help(out, s->help);
            cw_buf_printf(out, "\n# TYPE %s %s\n", s->name, type_names[s->type]);
        }
        if (s->type != METRIC_HISTOGRAM) {
            render_series(out, s->name, "", s->labels, NULL, metric_value(s));
            continue;
        }
        uint64_t cum = 0;
        char le[64];
        for (size_t i = 0; i < s->nbounds; i++) {
            cum += atomic_load(&s->buckets[i]);
            snprintf(le, sizeof le, "le=\"%g\"", s->bounds[i]);
            render_series(out, s->name, "_bucket", s->labels, le, (double)cum);
        }
        /* Observers bump a bucket before the count, so a scrape racing them could see more in
         * the buckets than in the count; +Inf must equal _count and be >= every bucket. */
        uint64_t count = atomic_load(&s->count);
        if (count < cum)
            count = cum;
        render_series(out, s->name, "_bucket", s->labels, "le=\"+Inf\"", (double)count);
        render_series(out, s->name, "_sum", s->labels, NULL, metric_value(s));
        render_series(out, s->name, "_count", s->labels, NULL, (double)count);
    }
    pthread_mutex_unlock(&reg_lock);
    return 0;
}

void cw_metrics_reset(void)
{
    pthread_mutex_lock(&reg_lock);
    struct metric *m = reg_head;
    while (m) {
        struct metric *next = m->next;
        free(m->name);
        free(m->labels);
        free(m->help);
        free(m->bounds);
        free((void *)m->buckets);
        free(m);
        m = next;
    }
    reg_head = reg_tail = NULL;
    pthread_mutex_unlock(&reg_lock);
}
