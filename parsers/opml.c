/* OPML 1.0/2.0 feed lists: every outline with an xmlUrl, its category from the enclosing outlines. */
#include "parsers/opml.h"

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cw_buf.h"
#include "common/cw_strv.h"
#include "parsers/charset.h"
#include "parsers/html.h"
#include "parsers/url.h"

#define OPML_MAX_FEEDS 100000
#define OPML_MAX_DEPTH 32

struct opml_acc {
    struct opml_feed *v;
    size_t n, cap;
    const char *base;
};

static char *prop(const xmlNode *n, const char *name)
{
    xmlChar *v = xmlGetProp(n, (const xmlChar *)name);
    if (v == NULL)
        return NULL;
    char *out = v[0] ? strdup((const char *)v) : NULL;
    xmlFree(v);
    return out;
}

static int opml_walk(struct opml_acc *a, const xmlNode *parent, const char *category, int depth)
{
    if (depth > OPML_MAX_DEPTH)
        return 0;
    for (const xmlNode *k = parent->children; k; k = k->next) {
        if (k->type != XML_ELEMENT_NODE || strcasecmp((const char *)k->name, "outline") != 0)
            continue;
        char *xu = prop(k, "xmlUrl");
        if (xu == NULL)
            xu = prop(k, "xmlurl");
        char *text = prop(k, "text");
        if (text == NULL)
            text = prop(k, "title");
        char *plain = html_plain(text);
        free(text);
        if (xu) {
            if (a->n >= OPML_MAX_FEEDS) {
                free(xu);
                free(plain);
                return 0;
            }
            if (a->n == a->cap) {
                size_t nc = a->cap ? a->cap * 2 : 16;
                struct opml_feed *nv = realloc(a->v, nc * sizeof *nv);
                if (nv == NULL) {
                    free(xu);
                    free(plain);
                    return -1;
                }
                a->v = nv;
                a->cap = nc;
            }
            struct opml_feed *f = &a->v[a->n++];
            f->url = url_resolve(xu, a->base);
            char *hu = prop(k, "htmlUrl");
            f->html_url = url_resolve(hu, a->base);
            free(hu);
            f->title = plain;
            f->category = category ? strdup(category) : NULL;
            free(xu);
            if (f->url == NULL) {
                free(f->title);
                free(f->html_url);
                free(f->category);
                a->n--;
            }
            continue;
        }
        char *cat = NULL;
        if (plain) {
            size_t n = (category ? strlen(category) + 1 : 0) + strlen(plain) + 1;
            cat = malloc(n);
            if (cat)
                snprintf(cat, n, "%s%s%s", category ? category : "", category ? "/" : "", plain);
        }
        int rc = opml_walk(a, k, cat ? cat : category, depth + 1);
        free(cat);
        free(plain);
        if (rc != 0)
            return rc;
    }
    return 0;
}

int opml_parse(const char *data, size_t len, const char *base_url, struct opml_feed **out, size_t *n,
               char *errstr, size_t errlen)
{
    *out = NULL;
    *n = 0;
    struct cw_strv errs = {0};
    struct cw_buf u8, clean;
    cw_buf_init(&u8, 64u * 1024 * 1024);
    cw_buf_init(&clean, 64u * 1024 * 1024);
    xmlDoc *x = NULL;
    struct opml_acc a = {NULL, 0, 0, base_url};
    int rc = -1;
    char enc[48];
    charset_detect(data, len, 1, NULL, enc, sizeof enc);
    if (charset_to_utf8(data, len, enc, &u8, &errs) != 0 ||
        charset_clean_xml(u8.data ? u8.data : "", u8.len, &clean, &errs) != 0) {
        snprintf(errstr, errlen, "OPML document too large");
        goto out;
    }
    x = xmlReadMemory(clean.data ? clean.data : "", (int)clean.len, base_url, "UTF-8",
                      XML_PARSE_NONET | XML_PARSE_RECOVER | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    xmlNode *root = x ? xmlDocGetRootElement(x) : NULL;
    if (root == NULL || strcasecmp((const char *)root->name, "opml") != 0) {
        snprintf(errstr, errlen, "not an OPML document%s%s%s", root ? " (root element <" : "",
                 root ? (const char *)root->name : "", root ? ">)" : "");
        goto out;
    }
    for (xmlNode *k = root->children; k; k = k->next)
        if (k->type == XML_ELEMENT_NODE && strcasecmp((const char *)k->name, "body") == 0)
            if (opml_walk(&a, k, NULL, 0) != 0) {
                snprintf(errstr, errlen, "out of memory");
                opml_feeds_free(a.v, a.n);
                a.v = NULL;
                a.n = 0;
                goto out;
            }
    *out = a.v;
    *n = a.n;
    rc = 0;
out:
    xmlFreeDoc(x);
    cw_buf_free(&u8);
    cw_buf_free(&clean);
    cw_strv_free(&errs);
    return rc;
}

void opml_feeds_free(struct opml_feed *feeds, size_t n)
{
    if (feeds == NULL)
        return;
    for (size_t i = 0; i < n; i++) {
        free(feeds[i].url);
        free(feeds[i].title);
        free(feeds[i].html_url);
        free(feeds[i].category);
    }
    free(feeds);
}
