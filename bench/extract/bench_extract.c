/* Extraction speed, in process: loads every page named on the command line into memory, then
 * runs extract_article over the whole set ROUNDS times (env BENCH_ROUNDS, default 5), and more
 * rounds until at least 2 seconds have passed (a 0.1 s window on a shared machine measures the
 * neighbours), and prints "pages N seconds S pages_per_sec P failed F wall_pages_per_sec W".
 * S and P are CPU time (this process's user + system): on a shared machine wall-clock time
 * measures the neighbours too. Built by run.sh against the project's static library. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "common/cw_util.h"
#include "parsers/extract.h"

static double elapsed(const struct timespec *t0)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)(t.tv_sec - t0->tv_sec) + (double)(t.tv_nsec - t0->tv_nsec) / 1e9;
}

int main(int argc, char **argv)
{
    int rounds = getenv("BENCH_ROUNDS") ? atoi(getenv("BENCH_ROUNDS")) : 5;
    int n = argc - 1;
    char **pages = calloc((size_t)n + 1, sizeof *pages);
    size_t *lens = calloc((size_t)n + 1, sizeof *lens);
    char err[512];
    if (pages == NULL || lens == NULL)
        return 1;
    for (int i = 0; i < n; i++)
        if (cw_read_file(argv[i + 1], 64u << 20, &pages[i], &lens[i], err, sizeof err) != 0) {
            fprintf(stderr, "bench_extract: %s\n", err);
            return 1;
        }
    struct timespec t0, t1, c0, c1;
    long done = 0, failed = 0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c0);
    for (int r = 0; r < rounds || (r < 10000 && elapsed(&t0) < 2.0); r++)
        for (int i = 0; i < n; i++) {
            struct article *a = NULL;
            if (extract_article(pages[i], lens[i], NULL, &a, err, sizeof err) != 0)
                failed++;
            article_destroy(a);
            done++;
        }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c1);
    double s = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    double cpu = (double)(c1.tv_sec - c0.tv_sec) + (double)(c1.tv_nsec - c0.tv_nsec) / 1e9;
    printf("pages %ld seconds %.4f pages_per_sec %.1f failed %ld wall_pages_per_sec %.1f\n", done, cpu,
           (double)done / cpu, failed, (double)done / s);
    for (int i = 0; i < n; i++)
        free(pages[i]);
    free(pages);
    free(lens);
    return 0;
}
