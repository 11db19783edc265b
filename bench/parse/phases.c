/* In-process breakdown of `claimwatch parse` on one file (docs/benchmarks.md "Feed parsing"):
 * CPU time of each stage, best of N rounds. Stages are timed on their own, so they overlap a
 * little with the whole (feed_parse includes the check, the scan, libxml2 and the sanitiser).
 * Build and run: bench/parse/phases.sh [BUILD_DIR] [FILE] */
#include <libxml/parser.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/cw_util.h"
#include "parsers/charset.h"
#include "parsers/feed.h"
#include "parsers/html.h"

static double cpu_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

struct mem {
    const char *p;
    size_t left;
};

static int mem_read(void *ctx, char *buf, int len)
{
    struct mem *m = ctx;
    size_t n = (size_t)len < m->left ? (size_t)len : m->left;
    memcpy(buf, m->p, n);
    m->p += n;
    m->left -= n;
    return (int)n;
}

/* The HTML of every description / content / summary element, as the sanitiser gets it. */
static void collect_html(xmlNode *n, char ***v, size_t *nv)
{
    for (; n; n = n->next) {
        if (n->type == XML_ELEMENT_NODE &&
            (strcmp((const char *)n->name, "description") == 0 || strcmp((const char *)n->name, "content") == 0 ||
             strcmp((const char *)n->name, "summary") == 0)) {
            *v = realloc(*v, (*nv + 1) * sizeof **v);
            (*v)[(*nv)++] = (char *)xmlNodeGetContent(n);
            continue;
        }
        collect_html(n->children, v, nv);
    }
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: phases FILE [ROUNDS]\n");
        return 2;
    }
    int rounds = argc > 2 ? atoi(argv[2]) : 7;
    char *data = NULL, err[256];
    size_t len = 0;
    if (cw_read_file(argv[1], 64u << 20, &data, &len, err, sizeof err) != 0) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    enum { CHECK, SCAN, LIBXML, SANITISE, PARSE, WRITE, DESTROY, NPH };
    static const char *const names[NPH] = {
        "UTF-8 check", "repair-needed scan", "libxml2 tree (build + free)", "sanitise + text rendering",
        "feed_parse (all of the above + model, dates, ids)", "JSON writing", "model destroy"};
    double best[NPH];
    for (int i = 0; i < NPH; i++)
        best[i] = 1e9;
    xmlDoc *x0 = xmlReadMemory(data, (int)len, NULL, "UTF-8", XML_PARSE_NONET | XML_PARSE_RECOVER | XML_PARSE_NOERROR);
    char **html = NULL;
    size_t nhtml = 0;
    collect_html(xmlDocGetRootElement(x0), &html, &nhtml);
    xmlFreeDoc(x0);
    FILE *devnull = fopen("/dev/null", "w");
    for (int r = 0; r < rounds; r++) {
        double t = cpu_ms();
        volatile int ok = charset_utf8_valid(data, len);
        (void)ok;
        double t1 = cpu_ms();
        best[CHECK] = t1 - t < best[CHECK] ? t1 - t : best[CHECK];
        const char *res;
        size_t rl;
        volatile int mc = charset_xml_maybe_clean(data, len, &res, &rl);
        (void)mc;
        double t2 = cpu_ms();
        best[SCAN] = t2 - t1 < best[SCAN] ? t2 - t1 : best[SCAN];
        struct mem m = {data, len};
        xmlDoc *x = xmlReadIO(mem_read, NULL, &m, NULL, "UTF-8",
                              XML_PARSE_NONET | XML_PARSE_RECOVER | XML_PARSE_NOERROR | XML_PARSE_NOWARNING |
                                  XML_PARSE_NOCDATA | XML_PARSE_COMPACT | XML_PARSE_IGNORE_ENC);
        xmlFreeDoc(x);
        double t3 = cpu_ms();
        best[LIBXML] = t3 - t2 < best[LIBXML] ? t3 - t2 : best[LIBXML];
        struct html_scratch hs;
        html_scratch_init(&hs);
        for (size_t i = 0; i < nhtml; i++) {
            char *h = NULL, *tx = NULL;
            html_sanitize_with(&hs, html[i], strlen(html[i]), NULL, &h, &tx); /* as claimwatch parse without --url */
            free(h);
            free(tx);
        }
        html_scratch_free(&hs);
        double t4 = cpu_ms();
        best[SANITISE] = t4 - t3 < best[SANITISE] ? t4 - t3 : best[SANITISE];
        struct feed_doc *d = NULL;
        if (feed_parse(data, len, NULL, &d, err, sizeof err) != 0) {
            fprintf(stderr, "%s\n", err);
            return 1;
        }
        double t5 = cpu_ms();
        best[PARSE] = t5 - t4 < best[PARSE] ? t5 - t4 : best[PARSE];
        feed_doc_write_json(devnull, d, 0);
        double t6 = cpu_ms();
        best[WRITE] = t6 - t5 < best[WRITE] ? t6 - t5 : best[WRITE];
        feed_doc_destroy(d);
        double t7 = cpu_ms();
        best[DESTROY] = t7 - t6 < best[DESTROY] ? t7 - t6 : best[DESTROY];
    }
    printf("%s: %zu bytes, %zu HTML fields, best of %d rounds (CPU ms)\n", argv[1], len, nhtml, rounds);
    for (int i = 0; i < NPH; i++)
        printf("  %-52s %7.2f\n", names[i], best[i]);
    for (size_t i = 0; i < nhtml; i++)
        xmlFree(html[i]);
    free(html);
    fclose(devnull);
    free(data);
    return 0;
}
