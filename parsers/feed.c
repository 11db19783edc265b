/* Feed parsing: bytes -> clean UTF-8 (charset.c) -> libxml2 tree (no DTD, no entity expansion, no
 * network) or Jansson -> the neutral model. Text fields go through html.c; dates through date.c;
 * links through url.c. */
#include "parsers/feed.h"

#include <ctype.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>
#include <openssl/evp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cw_buf.h"
#include "common/cw_log.h"
#include "common/cw_util.h"
#include "parsers/charset.h"
#include "parsers/date.h"
#include "parsers/html.h"
#include "parsers/jsonout.h"
#include "parsers/url.h"

#define FEED_MAX_DOC (64u * 1024 * 1024)
#define FEED_MAX_FIELD (64 * 1024)

#define NS_ATOM "http://www.w3.org/2005/Atom"
#define NS_ATOM03 "http://purl.org/atom/ns#"
#define NS_RDF "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
#define NS_RSS10 "http://purl.org/rss/1.0/"
#define NS_RSS090 "http://my.netscape.com/rdf/simple/0.9/"
#define NS_DC "http://purl.org/dc/elements/1.1/"
#define NS_DCTERMS "http://purl.org/dc/terms/"
#define NS_CONTENT "http://purl.org/rss/1.0/modules/content/"
#define NS_MEDIA "http://search.yahoo.com/mrss/"
#define NS_ITUNES "http://www.itunes.com/dtds/podcast-1.0.dtd"
#define NS_FEEDBURNER "http://rssnamespace.org/feedburner/ext/1.0"
#define NS_SY "http://purl.org/rss/1.0/modules/syndication/"
#define NS_SITEMAP "http://www.sitemaps.org/schemas/sitemap/0.9"
#define NS_NEWS "http://www.google.com/schemas/sitemap-news/0.9"
#define NS_IMAGE "http://www.google.com/schemas/sitemap-image/1.1"

const char *feed_format_name(enum feed_format f)
{
    switch (f) {
    case FEED_FORMAT_RSS: return "rss";
    case FEED_FORMAT_RDF: return "rdf";
    case FEED_FORMAT_ATOM: return "atom";
    case FEED_FORMAT_JSON: return "json";
    case FEED_FORMAT_SITEMAP: return "sitemap";
    default: return "unknown";
    }
}

/* ---- detection ---- */

static const char *skip_prolog(const char *p, const char *end)
{
    for (;;) {
        while (p < end && *p != '<')
            p++;
        if (p + 1 >= end)
            return end;
        if (p[1] == '?' || (p[1] == '!' && !(end - p >= 9 && strncmp(p, "<![CDATA[", 9) == 0))) {
            if (end - p >= 4 && strncmp(p, "<!--", 4) == 0) {
                const char *e = p + 4;
                while (e + 3 <= end && strncmp(e, "-->", 3) != 0)
                    e++;
                p = e + 3 <= end ? e + 3 : end;
            } else {
                const char *e = memchr(p, '>', (size_t)(end - p));
                p = e ? e + 1 : end;
            }
            continue;
        }
        return p;
    }
}

enum feed_format feed_detect(const char *data, size_t len)
{
    const char *p = data, *end = data + len;
    if (len >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0)
        p += 3;
    while (p < end && isspace((unsigned char)*p))
        p++;
    if (p < end && *p == '{')
        return FEED_FORMAT_JSON;
    /* UTF-16 text: look at every other byte. */
    char tmp[512];
    if (len >= 4 && (data[0] == '\0' || data[1] == '\0' || (unsigned char)data[0] == 0xFF || (unsigned char)data[0] == 0xFE)) {
        size_t j = 0;
        for (size_t i = 0; i < len && j < sizeof tmp; i++)
            if (data[i] != '\0' && (unsigned char)data[i] < 0x80)
                tmp[j++] = data[i];
        p = tmp;
        end = tmp + j;
    }
    const char *root = skip_prolog(p, end);
    if (root >= end)
        return FEED_FORMAT_UNKNOWN;
    root++;
    const char *ne = root;
    while (ne < end && !isspace((unsigned char)*ne) && *ne != '>' && *ne != '/')
        ne++;
    const char *colon = memchr(root, ':', (size_t)(ne - root));
    const char *local = colon ? colon + 1 : root;
    size_t ll = (size_t)(ne - local);
#define IS(s) (ll == strlen(s) && strncasecmp(local, s, ll) == 0)
    if (IS("rss"))
        return FEED_FORMAT_RSS;
    if (IS("RDF"))
        return FEED_FORMAT_RDF;
    if (IS("feed"))
        return FEED_FORMAT_ATOM;
    if (IS("urlset") || IS("sitemapindex"))
        return FEED_FORMAT_SITEMAP;
    if (IS("channel"))
        return FEED_FORMAT_RSS;
#undef IS
    return FEED_FORMAT_UNKNOWN;
}

/* ---- model helpers ---- */

struct pctx {
    struct feed_doc *doc;
    const struct feed_parse_opts *opts;
    const char *base;
    size_t items_cap; /* allocated length of doc->items: it grows by doubling */
    struct html_scratch hs; /* the sanitiser's buffers, reused from item to item */
};

static const char stream_done_mark;
/* An item already read while parsing (stream_end_element). */
#define STREAM_DONE(n) ((n)->_private == (const void *)&stream_done_mark)

static void links_free(struct feed_link *l, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(l[i].href);
        free(l[i].rel);
        free(l[i].type);
        free(l[i].title);
    }
    free(l);
}

static void persons_free(struct feed_person *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(p[i].name);
        free(p[i].email);
        free(p[i].uri);
    }
    free(p);
}

static void item_free(struct feed_item *it)
{
    free(it->id);
    free(it->guid);
    free(it->title);
    free(it->link);
    links_free(it->links, it->nlinks);
    free(it->summary);
    free(it->content);
    free(it->text);
    free(it->published);
    free(it->updated);
    persons_free(it->authors, it->nauthors);
    cw_strv_free(&it->categories);
    for (size_t i = 0; i < it->nenclosures; i++) {
        free(it->enclosures[i].url);
        free(it->enclosures[i].type);
    }
    free(it->enclosures);
    free(it->comments);
    free(it->source_title);
    free(it->source_url);
    free(it->language);
    free(it->image);
}

void feed_doc_destroy(struct feed_doc *doc)
{
    if (doc == NULL)
        return;
    free(doc->version);
    free(doc->encoding);
    cw_strv_free(&doc->errors);
    struct feed_meta *m = &doc->feed;
    free(m->title);
    free(m->subtitle);
    free(m->link);
    links_free(m->links, m->nlinks);
    free(m->language);
    free(m->rights);
    free(m->generator);
    free(m->updated);
    free(m->published);
    persons_free(m->authors, m->nauthors);
    free(m->image_url);
    free(m->image_title);
    cw_strv_free(&m->categories);
    for (size_t i = 0; i < doc->nitems; i++)
        item_free(&doc->items[i]);
    free(doc->items);
    cw_strv_free(&doc->sitemaps);
    free(doc);
}

static void set_str(char **dst, char *val)
{
    if (val == NULL)
        return;
    if (*dst != NULL || val[0] == '\0') {
        free(val);
        return;
    }
    *dst = val;
}

/* Replaces the first-wins rule when a later source is better (content:encoded over description). */
static void replace_str(char **dst, char *val)
{
    if (val == NULL)
        return;
    if (val[0] == '\0') {
        free(val);
        return;
    }
    free(*dst);
    *dst = val;
}

static int add_link(struct feed_link **links, size_t *n, const char *href, const char *rel, const char *type,
                    const char *title)
{
    if (href == NULL || *n >= 64)
        return 0;
    for (size_t i = 0; i < *n; i++)
        if (strcmp((*links)[i].href, href) == 0 && ((*links)[i].rel == NULL) == (rel == NULL) &&
            (rel == NULL || strcmp((*links)[i].rel, rel) == 0))
            return 0;
    struct feed_link *nl = realloc(*links, (*n + 1) * sizeof **links);
    if (nl == NULL)
        return -1;
    *links = nl;
    struct feed_link *l = &nl[(*n)++];
    l->href = strdup(href);
    l->rel = cw_strdup0(rel && *rel ? rel : NULL);
    l->type = cw_strdup0(type && *type ? type : NULL);
    l->title = cw_strdup0(title && *title ? title : NULL);
    return 0;
}

static int add_person(struct feed_person **ps, size_t *n, char *name, char *email, char *uri)
{
    if ((name == NULL && email == NULL && uri == NULL) || *n >= 32) {
        free(name);
        free(email);
        free(uri);
        return 0;
    }
    for (size_t i = 0; i < *n; i++) {
        struct feed_person *o = &(*ps)[i];
        if ((o->name == NULL ? name == NULL : name && strcmp(o->name, name) == 0) &&
            (o->email == NULL ? email == NULL : email && strcmp(o->email, email) == 0)) {
            free(name);
            free(email);
            free(uri);
            return 0;
        }
    }
    struct feed_person *np = realloc(*ps, (*n + 1) * sizeof **ps);
    if (np == NULL) {
        free(name);
        free(email);
        free(uri);
        return -1;
    }
    *ps = np;
    np[*n].name = name;
    np[*n].email = email;
    np[*n].uri = uri;
    (*n)++;
    return 0;
}

/* "jo@example.com (Jo Doe)", "Jo Doe <jo@example.com>", "jo@example.com", "Jo Doe". */
static void add_person_text(struct feed_person **ps, size_t *n, const char *s)
{
    if (s == NULL)
        return;
    char *t = html_plain(s);
    if (t == NULL)
        return;
    char *name = NULL, *email = NULL;
    char *lt = strchr(t, '<'), *lp = strchr(t, '(');
    if (lt && strchr(lt, '>') && strchr(lt, '@')) {
        *strchr(lt, '>') = '\0';
        email = strdup(lt + 1);
        *lt = '\0';
        name = html_plain(t);
    } else if (lp && strchr(lp, ')') && strchr(t, '@') && strchr(t, '@') < lp) {
        *strrchr(lp, ')') = '\0';
        name = html_plain(lp + 1);
        *lp = '\0';
        email = html_plain(t);
    } else if (lp && strchr(lp, ')') && strchr(lp, '@')) {
        /* "Name (email)" */
        *strrchr(lp, ')') = '\0';
        email = html_plain(lp + 1);
        *lp = '\0';
        name = html_plain(t);
    } else if (strchr(t, '@') && !strchr(t, ' ')) {
        email = strdup(t);
    } else {
        name = strdup(t);
    }
    if (email && strncasecmp(email, "mailto:", 7) == 0)
        memmove(email, email + 7, strlen(email + 7) + 1);
    add_person(ps, n, name, email, NULL);
    free(t);
}

static void add_category(struct cw_strv *sv, const char *s)
{
    if (s == NULL || sv->n >= 128)
        return;
    char *t = html_plain(s);
    if (t == NULL)
        return;
    if (cw_strv_contains(sv, t))
        free(t);
    else
        cw_strv_push_take(sv, t);
}

static char *norm_date(struct pctx *c, const char *s, const char *field)
{
    if (s == NULL)
        return NULL;
    char out[CW_RFC3339_LEN + 8];
    if (date_normalize(s, out, sizeof out) != 0) {
        char msg[160];
        snprintf(msg, sizeof msg, "%s: unreadable date \"%.60s\" dropped", field, s);
        charset_error(&c->doc->errors, msg);
        return NULL;
    }
    return strdup(out);
}

/* ---- libxml2 helpers ---- */

/* The prefixes feeds use for the namespaces we read, for documents that forget to declare them
 * (libxml2 then keeps "media:content" as the element name, in no namespace). */
static const char *const ns_prefixes[][2] = {
    {NS_DC, "dc"}, {NS_DCTERMS, "dcterms"}, {NS_CONTENT, "content"}, {NS_MEDIA, "media"},
    {NS_ITUNES, "itunes"}, {NS_FEEDBURNER, "feedburner"}, {NS_SY, "sy"}, {NS_ATOM, "atom"},
    {NS_NEWS, "news"}, {NS_IMAGE, "image"},
};

static int node_is(const xmlNode *n, const char *ns, const char *name)
{
    if (n->type != XML_ELEMENT_NODE)
        return 0;
    const char *nn = (const char *)n->name;
    if (ns != NULL && (n->ns == NULL || n->ns->href == NULL) && strchr(nn, ':') != NULL) {
        for (size_t i = 0; i < sizeof ns_prefixes / sizeof ns_prefixes[0]; i++) {
            size_t pl = strlen(ns_prefixes[i][1]);
            if (strcmp(ns_prefixes[i][0], ns) == 0 && strncmp(nn, ns_prefixes[i][1], pl) == 0 && nn[pl] == ':' &&
                strcmp(nn + pl + 1, name) == 0)
                return 1;
        }
        return 0;
    }
    if (strcmp(nn, name) != 0)
        return 0;
    if (ns == NULL)
        return n->ns == NULL || n->ns->href == NULL;
    /* Namespace names are compared without case: the iTunes one is written in several casings. */
    return n->ns != NULL && n->ns->href != NULL && strcasecmp((const char *)n->ns->href, ns) == 0;
}

/* Matches the element in no namespace or in any of the RSS namespaces (RSS 1.0/0.90 declare one). */
static int rss_is(const xmlNode *n, const char *name)
{
    /* node_is for the three namespaces, the name tested once and first: it decides most calls of
     * the long if-chains that dispatch an item's children. */
    if (n->type != XML_ELEMENT_NODE || strcmp((const char *)n->name, name) != 0)
        return 0;
    if (n->ns == NULL || n->ns->href == NULL)
        return 1;
    const char *h = (const char *)n->ns->href;
    return strcasecmp(h, NS_RSS10) == 0 || strcasecmp(h, NS_RSS090) == 0;
}

static int atom_is(const xmlNode *n, const char *name)
{
    return node_is(n, NS_ATOM, name) || node_is(n, NS_ATOM03, name);
}

static int node_text_view(const xmlNode *n, const char **s, size_t *len);

/* Owned text content, trimmed, capped; NULL when empty. */
static char *node_text(const xmlNode *n)
{
    const char *view;
    size_t vlen;
    if (node_text_view(n, &view, &vlen))
        return vlen > 0 ? strndup(view, vlen) : NULL; /* one text child: one copy, not two */
    xmlChar *c = xmlNodeGetContent(n);
    if (c == NULL)
        return NULL;
    const char *s = (const char *)c;
    while (*s && isspace((unsigned char)*s))
        s++;
    size_t len = strlen(s);
    while (len > 0 && isspace((unsigned char)s[len - 1]))
        len--;
    char *out = NULL;
    if (len > 0) {
        if (len > HTML_MAX_OUT)
            len = HTML_MAX_OUT;
        out = strndup(s, len);
    }
    xmlFree(c);
    return out;
}

static char *attr(const xmlNode *n, const char *name)
{
    xmlChar *v = xmlGetProp(n, (const xmlChar *)name);
    if (v == NULL)
        return NULL;
    char *out = NULL;
    if (v[0] != '\0')
        out = strdup((const char *)v);
    xmlFree(v);
    return out;
}

static char *attr_ns(const xmlNode *n, const char *name, const char *ns)
{
    xmlChar *v = xmlGetNsProp(n, (const xmlChar *)name, (const xmlChar *)ns);
    if (v == NULL)
        return NULL;
    char *out = v[0] ? strdup((const char *)v) : NULL;
    xmlFree(v);
    return out;
}

/* The base for a node: xml:base chain over the document URL. Owned or NULL. */
static char *node_base(struct pctx *c, const xmlNode *n)
{
    xmlChar *b = xmlNodeGetBase(n->doc, n);
    if (b == NULL)
        return cw_strdup0(c->base);
    char *out = strdup((const char *)b);
    xmlFree(b);
    return out;
}

static char *resolve(struct pctx *c, const xmlNode *n, const char *ref)
{
    if (ref == NULL)
        return NULL;
    char *base = node_base(c, n);
    char *out = url_resolve(ref, base);
    free(base);
    return out;
}

static char *text_title(const xmlNode *n)
{
    char *t = node_text(n);
    char *p = html_plain(t);
    free(t);
    return p;
}

/* Serialises an element's children (Atom type="xhtml"). */
static char *node_inner_xml(const xmlNode *n)
{
    xmlBufferPtr buf = xmlBufferCreate();
    if (buf == NULL)
        return NULL;
    for (xmlNode *k = n->children; k; k = k->next) {
        xmlNodeDump(buf, n->doc, k, 0, 0);
        if (xmlBufferLength(buf) > HTML_MAX_OUT)
            break;
    }
    char *out = strdup((const char *)xmlBufferContent(buf));
    xmlBufferFree(buf);
    return out;
}

/* An HTML-bearing field (RSS description, Atom content/summary): sanitised HTML, and the plain
 * text if want_text. type is the Atom type attribute (NULL = html). */
/* The trimmed, capped text of an element whose only child is one text node, as a view into the
 * tree (no copy); 0 when the element has other children (then node_text's copy is needed). */
static int node_text_view(const xmlNode *n, const char **s, size_t *len)
{
    const xmlNode *k = n->children;
    if (k == NULL || k->next != NULL || (k->type != XML_TEXT_NODE && k->type != XML_CDATA_SECTION_NODE) ||
        k->content == NULL)
        return 0;
    const char *p = (const char *)k->content;
    while (*p && isspace((unsigned char)*p))
        p++;
    size_t l = strlen(p);
    while (l > 0 && isspace((unsigned char)p[l - 1]))
        l--;
    *s = p;
    *len = l > HTML_MAX_OUT ? HTML_MAX_OUT : l;
    return 1;
}

static void html_field(struct pctx *c, const xmlNode *n, const char *type, char **html, char **text)
{
    char *raw;
    int is_text = type && (strcmp(type, "text") == 0 || strcmp(type, "text/plain") == 0);
    int is_xhtml = type && (strcmp(type, "xhtml") == 0 || strcmp(type, "application/xhtml+xml") == 0);
    const char *view;
    size_t vlen;
    if (!is_text && !is_xhtml && node_text_view(n, &view, &vlen)) {
        /* The common case (escaped or CDATA HTML in one text node): sanitised in place. */
        if (vlen == 0)
            return;
        char *base = node_base(c, n);
        if (html_sanitize_with(&c->hs, view, vlen, base, html, text) != 0) {
            *html = NULL;
            if (text)
                *text = NULL;
        }
        free(base);
        return;
    }
    if (is_xhtml)
        raw = node_inner_xml(n);
    else
        raw = node_text(n);
    if (raw == NULL)
        return;
    if (is_text) {
        char *esc = html_escape(raw);
        char *plain = html_plain(raw);
        /* Plain text keeps its line breaks in the text rendering. */
        *html = esc;
        if (text)
            *text = plain;
        else
            free(plain);
        free(raw);
        return;
    }
    char *base = node_base(c, n);
    if (html_sanitize_with(&c->hs, raw, strlen(raw), base, html, text) != 0) {
        *html = NULL;
        if (text)
            *text = NULL;
    }
    free(base);
    free(raw);
}

static void item_enclosure(struct feed_item *it, char *url, const char *type, const char *length)
{
    if (url == NULL || it->nenclosures >= 32) {
        free(url);
        return;
    }
    for (size_t i = 0; i < it->nenclosures; i++)
        if (strcmp(it->enclosures[i].url, url) == 0) {
            free(url);
            return;
        }
    struct feed_enclosure *ne = realloc(it->enclosures, (it->nenclosures + 1) * sizeof *ne);
    if (ne == NULL) {
        free(url);
        return;
    }
    it->enclosures = ne;
    struct feed_enclosure *e = &ne[it->nenclosures++];
    e->url = url;
    e->type = cw_strdup0(type && *type ? type : NULL);
    e->length = -1;
    if (length && *length) {
        char *endp;
        long long v = strtoll(length, &endp, 10);
        if (endp != length && v >= 0)
            e->length = v;
    }
}

static struct feed_item *new_item(struct pctx *c)
{
    struct feed_doc *d = c->doc;
    if (c->opts && c->opts->max_items && d->nitems >= c->opts->max_items)
        return NULL;
    if (d->nitems >= 100000)
        return NULL;
    if (d->nitems == c->items_cap) {
        size_t ncap = c->items_cap ? c->items_cap * 2 : 16;
        struct feed_item *ni = realloc(d->items, ncap * sizeof *ni);
        if (ni == NULL)
            return NULL;
        d->items = ni;
        c->items_cap = ncap;
    }
    struct feed_item *it = &d->items[d->nitems++];
    memset(it, 0, sizeof *it);
    return it;
}

static char *lang_of(const xmlNode *n)
{
    xmlChar *l = xmlNodeGetLang(n);
    if (l == NULL)
        return NULL;
    char *out = l[0] ? strdup((const char *)l) : NULL;
    xmlFree(l);
    return out;
}

static void atom_person(const xmlNode *n, struct feed_person **ps, size_t *np);

/* The first <img src> of sanitised HTML (already absolute), as an owned string. */
static char *first_img(const char *html)
{
    const char *p = html ? strstr(html, "<img ") : NULL;
    if (p == NULL)
        return NULL;
    const char *e = strchr(p, '>');
    const char *src = strstr(p, " src=\"");
    if (src == NULL || (e && src > e))
        return NULL;
    src += 6;
    const char *q = strchr(src, '"');
    return q ? strndup(src, (size_t)(q - src)) : NULL;
}

/* Elements every format shares through namespaces (dc, media, itunes, atom:link, ...). Returns 1
 * when handled. */
static int item_ext(struct pctx *c, struct feed_item *it, const xmlNode *k, char **summary_alt)
{
    if (node_is(k, NS_DC, "creator") || node_is(k, NS_DC, "author") || node_is(k, NS_ITUNES, "author")) {
        if (node_is(k, NS_ITUNES, "author") && it->nauthors > 0)
            return 1;
        char *t = node_text(k);
        add_person_text(&it->authors, &it->nauthors, t);
        free(t);
    } else if (node_is(k, NS_ATOM, "author")) {
        atom_person(k, &it->authors, &it->nauthors);
    } else if (node_is(k, NS_DC, "date")) {
        /* dc:date is "a date of the item": the publication date unless pubDate says otherwise,
         * and the last-change date unless something more specific does. */
        char *t = node_text(k);
        char *v = norm_date(c, t, "dc:date");
        set_str(&it->updated, cw_strdup0(v));
        set_str(&it->published, v);
        free(t);
    } else if (node_is(k, NS_DCTERMS, "issued") || node_is(k, NS_DCTERMS, "created") || node_is(k, NS_ATOM, "published")) {
        char *t = node_text(k);
        set_str(&it->published, norm_date(c, t, (const char *)k->name));
        free(t);
    } else if (node_is(k, NS_ATOM, "content")) {
        if (it->content == NULL) {
            char *type = attr(k, "type");
            char *h = NULL, *t = NULL;
            html_field(c, k, type && strcmp(type, "html") != 0 && strcmp(type, "xhtml") != 0 ? "text" : type, &h, &t);
            set_str(&it->content, h);
            replace_str(&it->text, t);
            free(type);
        }
    } else if (node_is(k, NS_ATOM, "category")) {
        char *t = attr(k, "label");
        if (t == NULL)
            t = attr(k, "term");
        add_category(&it->categories, t);
        free(t);
    } else if (node_is(k, NS_ITUNES, "keywords")) {
        char *t = node_text(k);
        for (char *sp = NULL, *tok = t ? strtok_r(t, ",", &sp) : NULL; tok; tok = strtok_r(NULL, ",", &sp))
            add_category(&it->categories, tok);
        free(t);
    } else if (node_is(k, NS_DCTERMS, "modified") || node_is(k, NS_ATOM, "updated")) {
        char *t = node_text(k);
        set_str(&it->updated, norm_date(c, t, "updated"));
        free(t);
    } else if (node_is(k, NS_DC, "subject")) {
        char *t = node_text(k);
        add_category(&it->categories, t);
        free(t);
    } else if (node_is(k, NS_DC, "language")) {
        set_str(&it->language, node_text(k));
    } else if (node_is(k, NS_DC, "title")) {
        set_str(&it->title, text_title(k));
    } else if (node_is(k, NS_DC, "description") || node_is(k, NS_ITUNES, "summary") ||
               node_is(k, NS_MEDIA, "description")) {
        if (*summary_alt == NULL) {
            char *h = NULL;
            html_field(c, k, NULL, &h, NULL);
            *summary_alt = h;
        }
    } else if (node_is(k, NS_CONTENT, "encoded")) {
        char *h = NULL, *t = NULL;
        html_field(c, k, NULL, &h, &t);
        replace_str(&it->content, h);
        replace_str(&it->text, t);
    } else if (node_is(k, NS_FEEDBURNER, "origLink")) {
        char *t = node_text(k);
        replace_str(&it->link, resolve(c, k, t));
        free(t);
    } else if (node_is(k, NS_ATOM, "link")) {
        char *href = attr(k, "href"), *rel = attr(k, "rel"), *type = attr(k, "type"), *title = attr(k, "title");
        char *abs = resolve(c, k, href);
        add_link(&it->links, &it->nlinks, abs, rel, type, title);
        if (abs && rel && strcmp(rel, "enclosure") == 0) {
            char *len = attr(k, "length");
            item_enclosure(it, strdup(abs), type, len);
            free(len);
        }
        if (abs && (rel == NULL || strcmp(rel, "alternate") == 0) && it->link == NULL)
            it->link = strdup(abs);
        free(abs);
        free(href);
        free(rel);
        free(type);
        free(title);
    } else if (node_is(k, NS_MEDIA, "content") || node_is(k, NS_MEDIA, "group")) {
        if (node_is(k, NS_MEDIA, "group")) {
            for (xmlNode *g = k->children; g; g = g->next)
                if (g->type == XML_ELEMENT_NODE)
                    item_ext(c, it, g, summary_alt);
            return 1;
        }
        char *url = attr(k, "url"), *type = attr(k, "type"), *len = attr(k, "fileSize"), *medium = attr(k, "medium");
        if (url) {
            /* An image in media:content is the item's picture; other media are enclosures. */
            if ((medium && strcmp(medium, "image") == 0) || (type && strncmp(type, "image/", 6) == 0))
                set_str(&it->image, resolve(c, k, url));
            else
                item_enclosure(it, resolve(c, k, url), type, len);
        }
        for (xmlNode *g = k->children; g; g = g->next)
            if (g->type == XML_ELEMENT_NODE)
                item_ext(c, it, g, summary_alt);
        free(url);
        free(type);
        free(len);
        free(medium);
    } else if (node_is(k, NS_MEDIA, "thumbnail")) {
        char *url = attr(k, "url");
        set_str(&it->image, resolve(c, k, url));
        free(url);
    } else if (node_is(k, NS_ITUNES, "image")) {
        char *url = attr(k, "href");
        set_str(&it->image, resolve(c, k, url));
        free(url);
    } else {
        return 0;
    }
    return 1;
}

/* ---- RSS 0.9x / 2.0 / 1.0 ---- */

/* The item picture when no element names one: an image enclosure, else the first image of the
 * content or summary. */
static void item_image_fallback(struct feed_item *it)
{
    for (size_t i = 0; i < it->nenclosures && it->image == NULL; i++)
        if (it->enclosures[i].type && strncmp(it->enclosures[i].type, "image/", 6) == 0)
            it->image = strdup(it->enclosures[i].url);
    if (it->image == NULL)
        it->image = first_img(it->content);
    if (it->image == NULL)
        it->image = first_img(it->summary);
}

static void rss_item(struct pctx *c, const xmlNode *n)
{
    struct feed_item *it = new_item(c);
    if (it == NULL)
        return;
    char *summary_alt = NULL;
    int guid_permalink = 0;
    char *guid_raw = NULL;
    it->language = lang_of(n);
    char *about = attr_ns(n, "about", NS_RDF);
    for (xmlNode *k = n->children; k; k = k->next) {
        if (k->type != XML_ELEMENT_NODE)
            continue;
        if (rss_is(k, "title")) {
            set_str(&it->title, text_title(k));
        } else if (rss_is(k, "link")) {
            char *t = node_text(k);
            if (t == NULL)
                t = attr(k, "href"); /* <link href=""/> written Atom-style */
            char *u = resolve(c, k, t);
            add_link(&it->links, &it->nlinks, u, "alternate", NULL, NULL);
            set_str(&it->link, u);
            free(t);
        } else if (rss_is(k, "description")) {
            char *h = NULL, *t = NULL;
            html_field(c, k, NULL, &h, &t);
            set_str(&it->summary, h);
            if (it->text == NULL)
                it->text = t;
            else
                free(t);
        } else if (rss_is(k, "guid")) {
            char *pl = attr(k, "isPermaLink");
            guid_permalink = pl == NULL || strcasecmp(pl, "false") != 0;
            free(pl);
            set_str(&guid_raw, node_text(k));
        } else if (rss_is(k, "pubDate")) {
            char *t = node_text(k);
            replace_str(&it->published, norm_date(c, t, "pubDate"));
            free(t);
        } else if (rss_is(k, "author")) {
            char *t = node_text(k);
            add_person_text(&it->authors, &it->nauthors, t);
            free(t);
        } else if (rss_is(k, "category")) {
            char *t = node_text(k);
            add_category(&it->categories, t);
            free(t);
        } else if (rss_is(k, "enclosure")) {
            char *url = attr(k, "url"), *type = attr(k, "type"), *len = attr(k, "length");
            if (url)
                item_enclosure(it, resolve(c, k, url), type, len);
            free(url);
            free(type);
            free(len);
        } else if (rss_is(k, "comments")) {
            char *t = node_text(k);
            set_str(&it->comments, resolve(c, k, t));
            free(t);
        } else if (rss_is(k, "source")) {
            set_str(&it->source_title, text_title(k));
            char *u = attr(k, "url");
            set_str(&it->source_url, resolve(c, k, u));
            free(u);
        } else {
            item_ext(c, it, k, &summary_alt);
        }
    }
    if (guid_raw) {
        it->guid = guid_raw;
        if (it->link == NULL && guid_permalink && (strncmp(guid_raw, "http://", 7) == 0 || strncmp(guid_raw, "https://", 8) == 0))
            it->link = strdup(guid_raw);
    }
    if (it->link == NULL && about)
        it->link = resolve(c, n, about);
    if (it->guid == NULL && about)
        it->guid = strdup(about); /* RSS 1.0: rdf:about identifies the item */
    free(about);
    if (it->summary == NULL)
        it->summary = summary_alt;
    else
        free(summary_alt);
    if (it->text == NULL && it->summary)
        html_sanitize_with(&c->hs, it->summary, strlen(it->summary), NULL, NULL, &it->text);
    if (it->link && it->nlinks == 0)
        add_link(&it->links, &it->nlinks, it->link, "alternate", NULL, NULL);
    item_image_fallback(it);
}

static long sy_period_seconds(const char *p)
{
    if (p == NULL)
        return 0;
    if (strcasecmp(p, "hourly") == 0) return 3600;
    if (strcasecmp(p, "daily") == 0) return 86400;
    if (strcasecmp(p, "weekly") == 0) return 7 * 86400;
    if (strcasecmp(p, "monthly") == 0) return 30 * 86400;
    if (strcasecmp(p, "yearly") == 0) return 365 * 86400;
    return 0;
}

static int channel_ext(struct pctx *c, const xmlNode *k)
{
    struct feed_meta *m = &c->doc->feed;
    if (node_is(k, NS_DC, "creator") || node_is(k, NS_DC, "author") || node_is(k, NS_ITUNES, "author")) {
        char *t = node_text(k);
        add_person_text(&m->authors, &m->nauthors, t);
        free(t);
    } else if (node_is(k, NS_DC, "date")) {
        char *t = node_text(k);
        set_str(&m->updated, norm_date(c, t, "dc:date"));
        free(t);
    } else if (node_is(k, NS_DC, "language")) {
        set_str(&m->language, node_text(k));
    } else if (node_is(k, NS_DC, "rights")) {
        set_str(&m->rights, text_title(k));
    } else if (node_is(k, NS_DC, "title")) {
        set_str(&m->title, text_title(k));
    } else if (node_is(k, NS_DC, "description") || node_is(k, NS_ITUNES, "summary")) {
        set_str(&m->subtitle, text_title(k));
    } else if (node_is(k, NS_DC, "subject")) {
        char *t = node_text(k);
        add_category(&m->categories, t);
        free(t);
    } else if (node_is(k, NS_ITUNES, "category")) {
        char *t = attr(k, "text");
        add_category(&m->categories, t);
        free(t);
        for (xmlNode *g = k->children; g; g = g->next)
            if (node_is(g, NS_ITUNES, "category"))
                channel_ext(c, g);
    } else if (node_is(k, NS_ITUNES, "keywords")) {
        char *t = node_text(k);
        for (char *sp = NULL, *tok = t ? strtok_r(t, ",", &sp) : NULL; tok; tok = strtok_r(NULL, ",", &sp))
            add_category(&m->categories, tok);
        free(t);
    } else if (node_is(k, NS_MEDIA, "content")) {
        char *u = attr(k, "url"), *medium = attr(k, "medium"), *type = attr(k, "type");
        if ((medium && strcmp(medium, "image") == 0) || (type && strncmp(type, "image/", 6) == 0))
            set_str(&m->image_url, resolve(c, k, u));
        free(u);
        free(medium);
        free(type);
    } else if (node_is(k, NS_ATOM, "link")) {
        char *href = attr(k, "href"), *rel = attr(k, "rel"), *type = attr(k, "type"), *title = attr(k, "title");
        char *abs = resolve(c, k, href);
        add_link(&m->links, &m->nlinks, abs, rel, type, title);
        if (abs && rel && strcmp(rel, "alternate") == 0 && m->link == NULL)
            m->link = strdup(abs);
        free(abs);
        free(href);
        free(rel);
        free(type);
        free(title);
    } else if (node_is(k, NS_ITUNES, "image")) {
        char *u = attr(k, "href");
        set_str(&m->image_url, resolve(c, k, u));
        free(u);
    } else if (node_is(k, NS_MEDIA, "thumbnail")) {
        char *u = attr(k, "url");
        set_str(&m->image_url, resolve(c, k, u));
        free(u);
    } else if (node_is(k, NS_SY, "updatePeriod")) {
        char *t = node_text(k);
        long per = sy_period_seconds(t);
        if (per) {
            long freq = m->update_period_seconds && m->update_period_seconds < 0 ? -m->update_period_seconds : 1;
            m->update_period_seconds = per / freq;
        }
        free(t);
    } else if (node_is(k, NS_SY, "updateFrequency")) {
        char *t = node_text(k);
        long f = t ? atol(t) : 0;
        if (f > 0 && f < 100000) {
            if (m->update_period_seconds > 0)
                m->update_period_seconds /= f;
            else
                m->update_period_seconds = -f; /* period not seen yet: remember the frequency */
        }
        free(t);
    } else {
        return 0;
    }
    return 1;
}

static void rss_channel(struct pctx *c, const xmlNode *ch, const xmlNode *items_parent)
{
    struct feed_meta *m = &c->doc->feed;
    if (m->language == NULL)
        m->language = lang_of(ch);
    for (xmlNode *k = ch->children; k; k = k->next) {
        if (k->type != XML_ELEMENT_NODE || STREAM_DONE(k))
            continue;
        if (rss_is(k, "title")) {
            set_str(&m->title, text_title(k));
        } else if (rss_is(k, "link")) {
            char *t = node_text(k);
            if (t == NULL)
                t = attr(k, "href");
            char *u = resolve(c, k, t);
            add_link(&m->links, &m->nlinks, u, "alternate", NULL, NULL);
            set_str(&m->link, u);
            free(t);
        } else if (rss_is(k, "description")) {
            set_str(&m->subtitle, text_title(k));
            if (m->image_url == NULL) {
                char *h = NULL;
                html_field(c, k, NULL, &h, NULL);
                m->image_url = first_img(h);
                free(h);
            }
        } else if (rss_is(k, "language")) {
            replace_str(&m->language, node_text(k));
        } else if (rss_is(k, "copyright")) {
            set_str(&m->rights, text_title(k));
        } else if (rss_is(k, "generator")) {
            set_str(&m->generator, text_title(k));
        } else if (rss_is(k, "lastBuildDate")) {
            char *t = node_text(k);
            replace_str(&m->updated, norm_date(c, t, "lastBuildDate"));
            free(t);
        } else if (rss_is(k, "pubDate")) {
            char *t = node_text(k);
            set_str(&m->published, norm_date(c, t, "pubDate"));
            free(t);
        } else if (rss_is(k, "managingEditor") || rss_is(k, "webMaster")) {
            char *t = node_text(k);
            add_person_text(&m->authors, &m->nauthors, t);
            free(t);
        } else if (rss_is(k, "category")) {
            char *t = node_text(k);
            add_category(&m->categories, t);
            free(t);
        } else if (rss_is(k, "image") && k->children) {
            for (xmlNode *g = k->children; g; g = g->next) {
                if (rss_is(g, "url")) {
                    char *t = node_text(g);
                    replace_str(&m->image_url, resolve(c, g, t));
                    free(t);
                } else if (rss_is(g, "title")) {
                    set_str(&m->image_title, text_title(g));
                }
            }
        } else if (rss_is(k, "ttl")) {
            char *t = node_text(k);
            long v = t ? atol(t) : 0;
            if (v > 0 && v < 525600)
                m->ttl_seconds = v * 60;
            free(t);
        } else if (rss_is(k, "skipHours")) {
            for (xmlNode *g = k->children; g; g = g->next)
                if (rss_is(g, "hour")) {
                    char *t = node_text(g);
                    if (t && isdigit((unsigned char)t[0])) {
                        int h = atoi(t);
                        if (h >= 0 && h <= 24)
                            m->skip_hours |= 1u << (h % 24);
                    }
                    free(t);
                }
        } else if (rss_is(k, "item") && items_parent == ch) {
            rss_item(c, k);
        } else {
            channel_ext(c, k);
        }
    }
    if (items_parent != ch) {
        for (xmlNode *k = items_parent->children; k; k = k->next) {
            if (STREAM_DONE(k))
                continue;
            if (rss_is(k, "item")) {
                rss_item(c, k);
            } else if (rss_is(k, "image") && k != ch) {
                for (xmlNode *g = k->children; g; g = g->next)
                    if (rss_is(g, "url")) {
                        char *t = node_text(g);
                        set_str(&m->image_url, resolve(c, g, t));
                        free(t);
                    }
            }
        }
    }
    if (m->update_period_seconds < 0)
        m->update_period_seconds = 86400 / -m->update_period_seconds;
    if (m->link)
        add_link(&m->links, &m->nlinks, m->link, "alternate", NULL, NULL);
}

/* ---- Atom 1.0 / 0.3 ---- */

static void atom_person(const xmlNode *n, struct feed_person **ps, size_t *np)
{
    char *name = NULL, *email = NULL, *uri = NULL;
    for (xmlNode *k = n->children; k; k = k->next) {
        if (atom_is(k, "name"))
            set_str(&name, text_title(k));
        else if (atom_is(k, "email"))
            set_str(&email, node_text(k));
        else if (atom_is(k, "uri") || atom_is(k, "url"))
            set_str(&uri, node_text(k));
    }
    if (name == NULL && email == NULL && uri == NULL) {
        char *t = node_text(n);
        add_person_text(ps, np, t);
        free(t);
        return;
    }
    add_person(ps, np, name, email, uri);
}

static char *atom_type(const xmlNode *n)
{
    char *t = attr(n, "type");
    char *mode = attr(n, "mode");
    if (mode && strcmp(mode, "xml") == 0 && (t == NULL || strcmp(t, "text/html") == 0 || strstr(t, "xhtml"))) {
        free(t);
        t = strdup("xhtml");
    } else if (t && strcmp(t, "text/html") == 0) {
        free(t);
        t = strdup("html");
    }
    free(mode);
    return t;
}

static char *atom_text_plain(struct pctx *c, const xmlNode *n)
{
    char *type = atom_type(n);
    char *out = NULL;
    if (type && strcmp(type, "xhtml") == 0) {
        char *h = NULL, *t = NULL;
        html_field(c, n, "xhtml", &h, &t);
        free(h);
        out = t;
        if (out)
            for (char *q = out; *q; q++)
                if (*q == '\n')
                    *q = ' ';
    } else if (type && strcmp(type, "text") == 0) {
        char *raw = node_text(n);
        /* Text constructs of type text are literal: only whitespace is collapsed. */
        if (raw) {
            char *esc = html_escape(raw);
            out = html_plain(esc);
            free(esc);
        }
        free(raw);
    } else {
        out = text_title(n);
    }
    free(type);
    return out;
}

/* Decodes base64 text (whitespace allowed, '=' padding optional) into an owned NUL-terminated
 * buffer; NULL when it holds anything else or decodes to nothing. */
static char *base64_decode(const char *s, size_t *outlen)
{
    size_t n = strlen(s);
    char *out = malloc(n / 4 * 3 + 4);
    if (out == NULL)
        return NULL;
    size_t o = 0;
    uint32_t acc = 0;
    int bits = 0, pad = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)s[i];
        int v;
        if (ch >= 'A' && ch <= 'Z')
            v = ch - 'A';
        else if (ch >= 'a' && ch <= 'z')
            v = ch - 'a' + 26;
        else if (ch >= '0' && ch <= '9')
            v = ch - '0' + 52;
        else if (ch == '+' || ch == '-')
            v = 62;
        else if (ch == '/' || ch == '_')
            v = 63;
        else if (isspace(ch))
            continue;
        else if (ch == '=') {
            pad++;
            continue;
        } else
            goto bad;
        if (pad > 0)
            goto bad; /* data after padding */
        acc = (acc << 6) | (uint32_t)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[o++] = (char)((acc >> bits) & 0xFF);
        }
    }
    if (o == 0 || pad > 2)
        goto bad;
    out[o] = '\0';
    *outlen = o;
    return out;
bad:
    free(out);
    return NULL;
}

/* 1 for the media types RFC 4287 4.1.3.3 reads as XML (inline child elements). */
static int is_xml_media_type(const char *t)
{
    size_t n = strlen(t);
    return (n >= 4 && strcasecmp(t + n - 4, "+xml") == 0) || (n >= 4 && strcasecmp(t + n - 4, "/xml") == 0) ||
           strcasecmp(t, "xml-external-parsed-entity") == 0;
}

/* atom:content (RFC 4287 4.1.3): inline text, HTML or XHTML as before; out-of-line content (src=)
 * recorded as a link with rel "content", never fetched here; other media types are base64
 * (4.1.3.3 rule 6, and Atom 0.3's mode="base64"): decoded when the type is text, otherwise left
 * out with the reason in the document's errors. */
static void atom_content(struct pctx *c, struct feed_item *it, const xmlNode *k)
{
    char *type = atom_type(k);
    char *src = attr(k, "src");
    char *mode = attr(k, "mode");
    int base64 = mode && strcmp(mode, "base64") == 0;
    if (src != NULL) {
        char *abs = resolve(c, k, src);
        char *rawtype = attr(k, "type");
        add_link(&it->links, &it->nlinks, abs, "content", rawtype, NULL);
        free(rawtype);
        free(abs);
    } else if (!base64 && (type == NULL || strcmp(type, "text") == 0 || strcmp(type, "html") == 0 ||
                           strcmp(type, "xhtml") == 0 || strncasecmp(type, "text/", 5) == 0)) {
        char *h = NULL, *t = NULL;
        html_field(c, k, type ? type : "text", &h, &t);
        replace_str(&it->content, h);
        replace_str(&it->text, t);
    } else if (!base64 && is_xml_media_type(type)) {
        char msg[160];
        snprintf(msg, sizeof msg, "entry content of XML type %.60s omitted", type);
        charset_error(&c->doc->errors, msg);
    } else {
        /* Base64: Atom 1.0 says so for every other media type, Atom 0.3 with mode="base64". */
        const char *mt = type ? type : "text/plain";
        int textual = strncasecmp(mt, "text/", 5) == 0 || strcmp(mt, "html") == 0 || strcmp(mt, "text") == 0;
        char *raw = textual ? node_text(k) : NULL;
        size_t dl = 0;
        char *dec = raw ? base64_decode(raw, &dl) : NULL;
        char msg[160];
        if (!textual) {
            snprintf(msg, sizeof msg, "entry content of type %.60s (base64) omitted: not text", mt);
            charset_error(&c->doc->errors, msg);
        } else if (dec == NULL || strlen(dec) != dl || !charset_utf8_valid(dec, dl)) {
            snprintf(msg, sizeof msg, "entry content of type %.60s omitted: not valid base64 UTF-8 text", mt);
            charset_error(&c->doc->errors, msg);
        } else {
            int is_html = strcasecmp(mt, "text/html") == 0 || strcmp(mt, "html") == 0;
            char *h = NULL, *t = NULL;
            if (is_html) {
                char *base = node_base(c, k);
                if (html_sanitize_with(&c->hs, dec, dl, base, &h, &t) != 0)
                    h = t = NULL;
                free(base);
            } else {
                h = html_escape(dec);
                t = html_plain(h);
            }
            replace_str(&it->content, h);
            replace_str(&it->text, t);
        }
        free(dec);
        free(raw);
    }
    free(mode);
    free(src);
    free(type);
}

static void atom_entry(struct pctx *c, const xmlNode *n)
{
    struct feed_item *it = new_item(c);
    if (it == NULL)
        return;
    it->language = lang_of(n);
    char *summary_alt = NULL;
    for (xmlNode *k = n->children; k; k = k->next) {
        if (k->type != XML_ELEMENT_NODE)
            continue;
        if (atom_is(k, "title")) {
            set_str(&it->title, atom_text_plain(c, k));
        } else if (atom_is(k, "id")) {
            set_str(&it->guid, node_text(k));
        } else if (atom_is(k, "link")) {
            char *href = attr(k, "href"), *rel = attr(k, "rel"), *type = attr(k, "type"), *title = attr(k, "title");
            char *abs = resolve(c, k, href);
            add_link(&it->links, &it->nlinks, abs, rel ? rel : "alternate", type, title);
            if (abs && (rel == NULL || strcmp(rel, "alternate") == 0) && it->link == NULL)
                it->link = strdup(abs);
            if (abs && rel && strcmp(rel, "enclosure") == 0) {
                char *len = attr(k, "length");
                item_enclosure(it, strdup(abs), type, len);
                free(len);
            }
            if (abs && rel && strcmp(rel, "replies") == 0 && it->comments == NULL)
                it->comments = strdup(abs);
            free(abs);
            free(href);
            free(rel);
            free(type);
            free(title);
        } else if (atom_is(k, "summary")) {
            char *type = atom_type(k);
            char *h = NULL, *t = NULL;
            html_field(c, k, type ? type : "text", &h, &t);
            set_str(&it->summary, h);
            if (it->text == NULL)
                it->text = t;
            else
                free(t);
            free(type);
        } else if (atom_is(k, "content")) {
            atom_content(c, it, k);
        } else if (atom_is(k, "published") || atom_is(k, "issued") || atom_is(k, "created")) {
            char *t = node_text(k);
            set_str(&it->published, norm_date(c, t, (const char *)k->name));
            free(t);
        } else if (atom_is(k, "updated") || atom_is(k, "modified")) {
            char *t = node_text(k);
            set_str(&it->updated, norm_date(c, t, (const char *)k->name));
            free(t);
        } else if (atom_is(k, "author") || atom_is(k, "contributor")) {
            if (atom_is(k, "contributor"))
                continue;
            atom_person(k, &it->authors, &it->nauthors);
        } else if (atom_is(k, "category")) {
            /* The label is the human-readable name; the term is a machine key. */
            char *t = attr(k, "label");
            if (t == NULL)
                t = attr(k, "term");
            add_category(&it->categories, t);
            free(t);
        } else if (atom_is(k, "rights")) {
            /* item rights are not part of the model */
        } else if (atom_is(k, "source")) {
            for (xmlNode *g = k->children; g; g = g->next) {
                if (atom_is(g, "title"))
                    set_str(&it->source_title, text_title(g));
                else if (atom_is(g, "link")) {
                    char *rel = attr(g, "rel"), *href = attr(g, "href");
                    if (rel == NULL || strcmp(rel, "self") == 0 || strcmp(rel, "alternate") == 0)
                        set_str(&it->source_url, resolve(c, g, href));
                    free(rel);
                    free(href);
                }
            }
        } else {
            item_ext(c, it, k, &summary_alt);
        }
    }
    if (it->summary == NULL)
        it->summary = summary_alt;
    else
        free(summary_alt);
    item_image_fallback(it);
}

static void atom_feed(struct pctx *c, const xmlNode *root)
{
    struct feed_meta *m = &c->doc->feed;
    m->language = lang_of(root);
    for (xmlNode *k = root->children; k; k = k->next) {
        if (k->type != XML_ELEMENT_NODE || STREAM_DONE(k))
            continue;
        if (atom_is(k, "title")) {
            set_str(&m->title, atom_text_plain(c, k));
        } else if (atom_is(k, "subtitle") || atom_is(k, "tagline")) {
            set_str(&m->subtitle, atom_text_plain(c, k));
        } else if (atom_is(k, "link")) {
            char *href = attr(k, "href"), *rel = attr(k, "rel"), *type = attr(k, "type"), *title = attr(k, "title");
            char *abs = resolve(c, k, href);
            add_link(&m->links, &m->nlinks, abs, rel ? rel : "alternate", type, title);
            if (abs && (rel == NULL || strcmp(rel, "alternate") == 0) && m->link == NULL)
                m->link = strdup(abs);
            free(abs);
            free(href);
            free(rel);
            free(type);
            free(title);
        } else if (atom_is(k, "updated") || atom_is(k, "modified")) {
            char *t = node_text(k);
            set_str(&m->updated, norm_date(c, t, (const char *)k->name));
            free(t);
        } else if (atom_is(k, "published")) {
            char *t = node_text(k);
            set_str(&m->published, norm_date(c, t, "published"));
            free(t);
        } else if (atom_is(k, "rights") || atom_is(k, "copyright")) {
            set_str(&m->rights, atom_text_plain(c, k));
        } else if (atom_is(k, "generator")) {
            set_str(&m->generator, text_title(k));
        } else if (atom_is(k, "author")) {
            atom_person(k, &m->authors, &m->nauthors);
        } else if (atom_is(k, "logo") || atom_is(k, "icon")) {
            char *t = node_text(k);
            if (atom_is(k, "logo"))
                replace_str(&m->image_url, resolve(c, k, t));
            else
                set_str(&m->image_url, resolve(c, k, t));
            free(t);
        } else if (atom_is(k, "category")) {
            char *t = attr(k, "label");
            if (t == NULL)
                t = attr(k, "term");
            add_category(&m->categories, t);
            free(t);
        } else if (atom_is(k, "entry")) {
            atom_entry(c, k);
        } else {
            channel_ext(c, k);
        }
    }
}

/* ---- news sitemaps ---- */

static void sitemap_parse(struct pctx *c, const xmlNode *root)
{
    if (strcmp((const char *)root->name, "sitemapindex") == 0) {
        for (xmlNode *k = root->children; k; k = k->next)
            if (k->type == XML_ELEMENT_NODE && strcmp((const char *)k->name, "sitemap") == 0)
                for (xmlNode *g = k->children; g; g = g->next)
                    if (g->type == XML_ELEMENT_NODE && strcmp((const char *)g->name, "loc") == 0 && c->doc->sitemaps.n < 50000) {
                        char *t = node_text(g);
                        char *u = resolve(c, g, t);
                        if (u)
                            cw_strv_push_take(&c->doc->sitemaps, u);
                        free(t);
                    }
        return;
    }
    for (xmlNode *k = root->children; k; k = k->next) {
        if (k->type != XML_ELEMENT_NODE || strcmp((const char *)k->name, "url") != 0)
            continue;
        struct feed_item *it = new_item(c);
        if (it == NULL)
            return;
        for (xmlNode *g = k->children; g; g = g->next) {
            if (g->type != XML_ELEMENT_NODE)
                continue;
            if (strcmp((const char *)g->name, "loc") == 0) {
                char *t = node_text(g);
                set_str(&it->link, resolve(c, g, t));
                free(t);
            } else if (strcmp((const char *)g->name, "lastmod") == 0) {
                char *t = node_text(g);
                set_str(&it->updated, norm_date(c, t, "lastmod"));
                free(t);
            } else if (node_is(g, NS_NEWS, "news")) {
                for (xmlNode *h = g->children; h; h = h->next) {
                    if (node_is(h, NS_NEWS, "title")) {
                        set_str(&it->title, text_title(h));
                    } else if (node_is(h, NS_NEWS, "publication_date")) {
                        char *t = node_text(h);
                        set_str(&it->published, norm_date(c, t, "news:publication_date"));
                        free(t);
                    } else if (node_is(h, NS_NEWS, "keywords")) {
                        char *t = node_text(h);
                        for (char *sp = NULL, *tok = t ? strtok_r(t, ",", &sp) : NULL; tok; tok = strtok_r(NULL, ",", &sp))
                            add_category(&it->categories, tok);
                        free(t);
                    } else if (node_is(h, NS_NEWS, "publication")) {
                        for (xmlNode *q = h->children; q; q = q->next) {
                            if (node_is(q, NS_NEWS, "name"))
                                set_str(&it->source_title, text_title(q));
                            else if (node_is(q, NS_NEWS, "language"))
                                set_str(&it->language, node_text(q));
                        }
                    }
                }
            } else if (node_is(g, NS_IMAGE, "image")) {
                for (xmlNode *h = g->children; h; h = h->next)
                    if (node_is(h, NS_IMAGE, "loc")) {
                        char *t = node_text(h);
                        set_str(&it->image, resolve(c, h, t));
                        free(t);
                    }
            }
        }
        if (it->link)
            add_link(&it->links, &it->nlinks, it->link, "alternate", NULL, NULL);
    }
}

/* ---- JSON Feed 1.0 / 1.1 ---- */

static const char *jstr(const json_t *o, const char *k)
{
    const json_t *v = json_object_get(o, k);
    return json_is_string(v) ? json_string_value(v) : NULL;
}

static void json_authors(const json_t *o, struct feed_person **ps, size_t *n)
{
    const json_t *a = json_object_get(o, "authors");
    const json_t *one = json_object_get(o, "author");
    size_t i;
    const json_t *v;
    if (json_is_array(a)) {
        json_array_foreach(a, i, v) if (json_is_object(v)) add_person(ps, n, html_plain(jstr(v, "name")), NULL,
                                                                        cw_strdup0(jstr(v, "url")));
    } else if (json_is_object(one)) {
        add_person(ps, n, html_plain(jstr(one, "name")), NULL, cw_strdup0(jstr(one, "url")));
    }
}

static char *json_date(struct pctx *c, const char *s, const char *field) { return norm_date(c, s, field); }

static int json_feed(struct pctx *c, const char *data, size_t len, char *errstr, size_t errlen)
{
    json_error_t jerr;
    json_t *root = json_loadb(data, len, JSON_DECODE_ANY, &jerr);
    if (root == NULL || !json_is_object(root)) {
        snprintf(errstr, errlen, "line %d, column %d: %s", jerr.line, jerr.column,
                 root ? "not a JSON object" : jerr.text);
        json_decref(root);
        return -1;
    }
    const char *ver = jstr(root, "version");
    if (!json_is_array(json_object_get(root, "items")) && (ver == NULL || strstr(ver, "jsonfeed.org") == NULL)) {
        snprintf(errstr, errlen, "JSON but not a JSON Feed (no \"items\" array, no jsonfeed.org version)");
        json_decref(root);
        return -1;
    }
    struct feed_meta *m = &c->doc->feed;
    if (ver && strstr(ver, "jsonfeed.org/version/")) {
        c->doc->version = strdup(strstr(ver, "version/") + 8);
    }
    m->title = html_plain(jstr(root, "title"));
    m->subtitle = html_plain(jstr(root, "description"));
    m->link = url_resolve(jstr(root, "home_page_url"), c->base);
    if (m->link)
        add_link(&m->links, &m->nlinks, m->link, "alternate", NULL, NULL);
    char *fu = url_resolve(jstr(root, "feed_url"), c->base);
    if (fu)
        add_link(&m->links, &m->nlinks, fu, "self", NULL, NULL);
    free(fu);
    m->language = cw_strdup0(jstr(root, "language"));
    m->image_url = url_resolve(jstr(root, "icon") ? jstr(root, "icon") : jstr(root, "favicon"), c->base);
    json_authors(root, &m->authors, &m->nauthors);
    const json_t *items = json_object_get(root, "items");
    size_t i;
    const json_t *v;
    json_array_foreach(items, i, v)
    {
        if (!json_is_object(v))
            continue;
        struct feed_item *it = new_item(c);
        if (it == NULL)
            break;
        const json_t *idv = json_object_get(v, "id");
        if (json_is_string(idv))
            it->guid = strdup(json_string_value(idv));
        else if (json_is_integer(idv)) {
            char b[32];
            snprintf(b, sizeof b, "%lld", (long long)json_integer_value(idv));
            it->guid = strdup(b);
        }
        it->title = html_plain(jstr(v, "title"));
        it->link = url_resolve(jstr(v, "url"), c->base);
        if (it->link)
            add_link(&it->links, &it->nlinks, it->link, "alternate", NULL, NULL);
        char *ext = url_resolve(jstr(v, "external_url"), c->base);
        if (ext)
            add_link(&it->links, &it->nlinks, ext, "related", NULL, NULL);
        free(ext);
        const char *ch = jstr(v, "content_html");
        const char *ct = jstr(v, "content_text");
        if (ch) {
            html_sanitize_with(&c->hs, ch, strlen(ch), c->base, &it->content, &it->text);
        } else if (ct) {
            it->content = html_escape(ct);
            it->text = strdup(ct);
        }
        const char *sm = jstr(v, "summary");
        if (sm)
            it->summary = html_escape(sm);
        if (it->text == NULL && sm)
            it->text = strdup(sm);
        it->published = json_date(c, jstr(v, "date_published"), "date_published");
        it->updated = json_date(c, jstr(v, "date_modified"), "date_modified");
        it->image = url_resolve(jstr(v, "image") ? jstr(v, "image") : jstr(v, "banner_image"), c->base);
        it->language = cw_strdup0(jstr(v, "language"));
        json_authors(v, &it->authors, &it->nauthors);
        const json_t *tags = json_object_get(v, "tags");
        size_t j;
        const json_t *t;
        json_array_foreach(tags, j, t) if (json_is_string(t)) add_category(&it->categories, json_string_value(t));
        const json_t *att = json_object_get(v, "attachments");
        json_array_foreach(att, j, t)
        {
            if (!json_is_object(t) || jstr(t, "url") == NULL)
                continue;
            char size[32] = "";
            const json_t *sz = json_object_get(t, "size_in_bytes");
            if (json_is_integer(sz))
                snprintf(size, sizeof size, "%lld", (long long)json_integer_value(sz));
            item_enclosure(it, url_resolve(jstr(t, "url"), c->base), jstr(t, "mime_type"), size);
        }
    }
    json_decref(root);
    return 0;
}

/* ---- identity ---- */

static char *item_key(const struct feed_item *it)
{
    char *canon = url_canonical(it->link);
    if (canon)
        return canon;
    if (it->guid) {
        size_t n = strlen(it->guid) + 6;
        char *k = malloc(n);
        if (k)
            snprintf(k, n, "guid:%s", it->guid);
        return k;
    }
    struct cw_buf b;
    cw_buf_init(&b, 0);
    cw_buf_printf(&b, "title:%s\n%s", it->title ? it->title : "",
                  it->published ? it->published : it->updated ? it->updated : "");
    if (it->title == NULL && it->text)
        cw_buf_printf(&b, "\n%.200s", it->text);
    return cw_buf_steal(&b);
}

static int same_item(const struct feed_item *a, const struct feed_item *b)
{
#define EQ(f) ((a->f == NULL && b->f == NULL) || (a->f && b->f && strcmp(a->f, b->f) == 0))
    if (!(EQ(title) && EQ(link) && EQ(guid) && EQ(published) && EQ(summary) && EQ(content) && EQ(text) &&
          EQ(image)))
        return 0;
    if (a->nauthors != b->nauthors || a->categories.n != b->categories.n || a->nenclosures != b->nenclosures)
        return 0;
    for (size_t i = 0; i < a->nauthors; i++)
        if (!EQ(authors[i].name) || !EQ(authors[i].email))
            return 0;
    return 1;
#undef EQ
}

/* The ids given so far, for assign_ids: an open-addressing set of indexes into doc->items, so a
 * feed of n items costs n lookups rather than n^2 / 2 comparisons. */
struct id_set {
    size_t *slot; /* item index + 1; 0 = empty */
    size_t mask;
};

static size_t id_hash(const char *id)
{
    /* The ids are hex digests already: their first 16 digits are as good as any hash. */
    size_t h = 0;
    for (int i = 0; i < 16 && id[i]; i++)
        h = h * 16 + (size_t)(id[i] <= '9' ? id[i] - '0' : id[i] - 'a' + 10);
    return h;
}

/* The index of the item holding id, or (size_t)-1. */
static size_t id_find(const struct id_set *s, const struct feed_item *items, const char *id)
{
    for (size_t h = id_hash(id) & s->mask;; h = (h + 1) & s->mask) {
        if (s->slot[h] == 0)
            return (size_t)-1;
        if (strcmp(items[s->slot[h] - 1].id, id) == 0)
            return s->slot[h] - 1;
    }
}

static void id_add(struct id_set *s, const char *id, size_t index)
{
    size_t h = id_hash(id) & s->mask;
    while (s->slot[h] != 0)
        h = (h + 1) & s->mask;
    s->slot[h] = index + 1;
}

/* cw_id_hex with the digest fetched and its context made once per document: OpenSSL's one-shot
 * EVP_Digest looks the algorithm up and allocates a context on every call, which costs more than
 * hashing a URL. Falls back to cw_id_hex when either is missing. Same bytes as cw_id_hex. */
struct id_hasher {
    EVP_MD *md;
    EVP_MD_CTX *ctx;
};

static void id_hex(struct id_hasher *h, const char *data, size_t len, char out[CW_ID_HEX_LEN + 1])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    static const char hex[] = "0123456789abcdef";
    if (h->md == NULL || h->ctx == NULL || EVP_DigestInit_ex(h->ctx, h->md, NULL) != 1 ||
        EVP_DigestUpdate(h->ctx, data, len) != 1 || EVP_DigestFinal_ex(h->ctx, md, &mdlen) != 1 ||
        mdlen < CW_ID_HEX_LEN / 2) {
        cw_id_hex(data, len, out);
        return;
    }
    for (int i = 0; i < CW_ID_HEX_LEN / 2; i++) {
        out[2 * i] = hex[md[i] >> 4];
        out[2 * i + 1] = hex[md[i] & 15];
    }
    out[CW_ID_HEX_LEN] = '\0';
}

/* Gives every item an id; a feed that repeats a link or GUID for different items gets ids from
 * more fields (GUID + link, then title + date); an exact repeat of an item is dropped. */
static void assign_ids(struct pctx *c)
{
    struct feed_doc *d = c->doc;
    struct id_set set = {NULL, 0};
    struct id_hasher hasher = {EVP_MD_fetch(NULL, "SHA256", NULL), EVP_MD_CTX_new()};
    size_t cap = 16;
    while (cap < d->nitems * 2)
        cap *= 2;
    set.slot = calloc(cap, sizeof *set.slot);
    set.mask = cap - 1;
    size_t out = 0;
    for (size_t i = 0; i < d->nitems; i++) {
        struct feed_item *it = &d->items[i];
        char *key = item_key(it);
        char id[CW_ID_HEX_LEN + 1];
        id_hex(&hasher, key ? key : "", key ? strlen(key) : 0, id);
        int dup = 0;
        for (int round = 0; round < 3; round++) {
            size_t j;
            if (set.slot != NULL) {
                j = id_find(&set, d->items, id);
                if (j == (size_t)-1)
                    break;
            } else {
                /* No memory for the set: the slow scan. */
                for (j = 0; j < out; j++)
                    if (strcmp(d->items[j].id, id) == 0)
                        break;
                if (j == out)
                    break;
            }
            if (same_item(&d->items[j], it)) {
                dup = 1;
                break;
            }
            struct cw_buf b;
            cw_buf_init(&b, 0);
            if (round == 0)
                cw_buf_printf(&b, "%s\nguid:%s\nlink:%s", key ? key : "", it->guid ? it->guid : "", it->link ? it->link : "");
            else
                cw_buf_printf(&b, "%s\ntitle:%s\ndate:%s\nn:%d", key ? key : "", it->title ? it->title : "",
                              it->published ? it->published : "", round == 2 ? (int)i : 0);
            id_hex(&hasher, b.data ? b.data : "", b.len, id);
            cw_buf_free(&b);
            if (round == 0)
                charset_error(&d->errors, "items share a link or GUID: ids fall back to more fields");
        }
        free(key);
        if (dup) {
            charset_error(&d->errors, "exact duplicate item dropped");
            item_free(it);
            continue;
        }
        it->id = strdup(id);
        if (out != i)
            d->items[out] = *it;
        if (set.slot != NULL && d->items[out].id != NULL)
            id_add(&set, d->items[out].id, out);
        out++;
    }
    free(set.slot);
    EVP_MD_CTX_free(hasher.ctx);
    EVP_MD_free(hasher.md);
    d->nitems = out;
}

/* ---- driver ---- */

struct xml_errs {
    struct cw_strv *errors;
    int count;
};

static void xml_error_cb(void *ctx, xmlErrorPtr e)
{
    struct xml_errs *xe = ctx;
    if (e == NULL || xe->count++ >= 5)
        return;
    char msg[200];
    char text[120];
    snprintf(text, sizeof text, "%s", e->message ? e->message : "error");
    size_t tl = strlen(text);
    while (tl > 0 && (text[tl - 1] == '\n' || text[tl - 1] == ' '))
        text[--tl] = '\0';
    snprintf(msg, sizeof msg, "line %d, column %d: %s", e->line, e->int2, text);
    charset_error(xe->errors, msg);
}

/* Items are turned into the model as soon as their end tag is parsed, then their subtree is
 * freed: the tree never holds more than the channel and one item, so a 2,000-item feed costs
 * the memory of one item instead of all of them (half the page faults of parsing a big feed).
 * Whatever is still in the tree afterwards (channel metadata, an item a truncated document never
 * closed) goes through the same tree walk as before. */
struct stream_ctx {
    struct pctx *c;
    endElementNsSAX2Func end_element; /* libxml2's tree builder */
};

/* 1 when n is an item (entry) the walk in parse_xml would read, now that its end tag is parsed. */
static int is_stream_item(const xmlNode *n)
{
    const xmlNode *p = n->parent;
    if (n->type != XML_ELEMENT_NODE || p == NULL || p->type != XML_ELEMENT_NODE)
        return 0;
    const xmlNode *root = p->parent && p->parent->type == XML_DOCUMENT_NODE ? p : p->parent;
    if (root == NULL || root->parent == NULL || root->parent->type != XML_DOCUMENT_NODE)
        return 0;
    const char *rn = (const char *)root->name;
    if (strcmp(rn, "feed") == 0)
        return p == root && atom_is(n, "entry");
    if (!rss_is(n, "item"))
        return 0;
    if (strcmp(rn, "channel") == 0 || strcmp(rn, "RDF") == 0)
        return p == root;
    if (strcmp(rn, "rss") != 0 || p == root || !rss_is(p, "channel"))
        return 0;
    /* Only the first channel of an <rss> is read. */
    for (const xmlNode *k = root->children; k && k != p; k = k->next)
        if (rss_is(k, "channel"))
            return 0;
    return 1;
}

static void stream_end_element(void *ctx, const xmlChar *localname, const xmlChar *prefix, const xmlChar *uri)
{
    xmlParserCtxtPtr ctxt = ctx;
    struct stream_ctx *sc = ctxt->_private;
    xmlNode *n = ctxt->node;
    sc->end_element(ctx, localname, prefix, uri);
    if (n == NULL || ctxt->node == n || !is_stream_item(n))
        return;
    if (strcmp((const char *)n->name, "entry") == 0)
        atom_entry(sc->c, n);
    else
        rss_item(sc->c, n);
    /* The element itself stays (marked, empty): libxml2's text coalescing keeps state about the
     * last child of the open element, which unlinking it would leave stale. */
    xmlFreeNodeList(n->children);
    n->children = n->last = NULL;
    n->_private = (void *)&stream_done_mark;
}

struct mem_reader {
    const char *p;
    size_t left;
};

static int mem_read(void *ctx, char *buf, int len)
{
    struct mem_reader *m = ctx;
    size_t n = len > 0 ? (size_t)len : 0;
    if (n > m->left)
        n = m->left;
    memcpy(buf, m->p, n);
    m->p += n;
    m->left -= n;
    return (int)n;
}

/* Parses text with the item hook (stream_end_element) and errors collected into xe. */
static xmlDoc *read_xml(struct pctx *c, const char *text, size_t len, struct xml_errs *xe)
{
    xmlParserCtxtPtr ctxt = xmlNewParserCtxt();
    if (ctxt == NULL)
        return NULL;
    struct stream_ctx sc = {c, ctxt->sax ? ctxt->sax->endElementNs : NULL};
    if (sc.end_element != NULL) {
        ctxt->_private = &sc;
        ctxt->sax->endElementNs = stream_end_element;
    }
    xmlSetStructuredErrorFunc(xe, xml_error_cb);
    /* No entity substitution, no DTD loading, no network, no huge-text mode: the DTD was already
     * removed, so nothing external can be named. RECOVER keeps what precedes a syntax error.
     * Read through the I/O interface rather than xmlCtxtReadMemory: libxml2 then takes the text
     * in pieces and drops what it has parsed, where the memory form copies the whole document
     * first (5.6 MB for the bench feed). */
    struct mem_reader mr = {text, len};
    xmlDoc *x = xmlCtxtReadIO(ctxt, mem_read, NULL, &mr, c->base, "UTF-8",
                              XML_PARSE_NONET | XML_PARSE_RECOVER | XML_PARSE_NOERROR | XML_PARSE_NOWARNING |
                                  XML_PARSE_NOCDATA | XML_PARSE_COMPACT | XML_PARSE_IGNORE_ENC);
    xmlSetStructuredErrorFunc(NULL, NULL);
    xmlFreeParserCtxt(ctxt);
    return x;
}

static int parse_xml(struct pctx *c, const char *data, size_t len, char *errstr, size_t errlen)
{
    struct feed_doc *d = c->doc;
    struct cw_buf u8, clean;
    cw_buf_init(&u8, FEED_MAX_DOC * 2);
    cw_buf_init(&clean, FEED_MAX_DOC * 2);
    xmlDoc *x = NULL;
    int rc = -1;
    const char *text = data;
    size_t tlen = len;
    int is_utf8 = strcmp(d->encoding, "utf-8") == 0 || strcmp(d->encoding, "utf8") == 0;
    if (!is_utf8 || !charset_utf8_valid(data, len)) {
        if (charset_to_utf8(data, len, d->encoding, &u8, &d->errors) != 0) {
            snprintf(errstr, errlen, "document too large or out of memory");
            goto out;
        }
        text = u8.data ? u8.data : "";
        tlen = u8.len;
    } else if (len >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0) {
        text += 3;
        tlen -= 3;
    }
    /* Optimistic pass: a document the repair pass would leave alone (no DTD, no C1 or non-strict
     * character references: charset_xml_maybe_clean) goes to libxml2 as it is. Anything the
     * repairs exist for (undeclared entities, bare '&', forbidden characters, junk) makes libxml2
     * report an error; then the items read so far are dropped and the document is repaired and
     * parsed again, exactly as without this pass. Saves the repair scan for clean feeds. */
    size_t errors_before = d->errors.n;
    const char *xml = NULL;
    size_t xlen = 0;
    int optimistic = charset_xml_maybe_clean(text, tlen, &xml, &xlen);
    struct xml_errs xe = {&d->errors, 0};
    if (optimistic) {
        x = read_xml(c, xml, xlen, &xe);
        if (x != NULL && xe.count == 0)
            goto parsed;
        xmlFreeDoc(x);
        x = NULL;
        for (size_t i = 0; i < d->nitems; i++)
            item_free(&d->items[i]);
        d->nitems = 0;
        while (d->errors.n > errors_before)
            free(d->errors.v[--d->errors.n]);
        xe.count = 0;
    }
    if (charset_clean_xml_view(text, tlen, &clean, &d->errors, &xml, &xlen) != 0) {
        snprintf(errstr, errlen, "document too large or out of memory");
        goto out;
    }
    x = read_xml(c, xml, xlen, &xe);
parsed:;
    xmlNode *root = x ? xmlDocGetRootElement(x) : NULL;
    if (root == NULL) {
        snprintf(errstr, errlen, "not well-formed XML%s%s", d->errors.n ? ": " : "",
                 d->errors.n ? d->errors.v[d->errors.n - 1] : "");
        goto out;
    }
    const char *rn = (const char *)root->name;
    if (strcmp(rn, "rss") == 0 || strcmp(rn, "channel") == 0) {
        d->format = FEED_FORMAT_RSS;
        char *v = attr(root, "version");
        d->version = v ? v : strdup(strcmp(rn, "rss") == 0 ? "2.0" : "0.9");
        const xmlNode *ch = root;
        if (strcmp(rn, "rss") == 0) {
            ch = NULL;
            for (xmlNode *k = root->children; k; k = k->next)
                if (rss_is(k, "channel")) {
                    ch = k;
                    break;
                }
        }
        if (ch)
            rss_channel(c, ch, ch);
    } else if (strcmp(rn, "RDF") == 0) {
        d->format = FEED_FORMAT_RDF;
        int is090 = 0;
        for (xmlNode *k = root->children; k; k = k->next)
            if (node_is(k, NS_RSS090, "channel"))
                is090 = 1;
        d->version = strdup(is090 ? "0.90" : "1.0");
        const xmlNode *ch = NULL;
        for (xmlNode *k = root->children; k; k = k->next)
            if (rss_is(k, "channel")) {
                ch = k;
                break;
            }
        if (ch)
            rss_channel(c, ch, root);
        else
            rss_channel(c, root, root);
    } else if (strcmp(rn, "feed") == 0) {
        d->format = FEED_FORMAT_ATOM;
        int is03 = root->ns && root->ns->href && strcmp((const char *)root->ns->href, NS_ATOM03) == 0;
        char *v = attr(root, "version");
        if (is03 || (v && strcmp(v, "0.3") == 0)) {
            d->version = strdup("0.3");
            free(v);
        } else {
            free(v);
            d->version = strdup("1.0");
        }
        atom_feed(c, root);
    } else if (strcmp(rn, "urlset") == 0 || strcmp(rn, "sitemapindex") == 0) {
        d->format = FEED_FORMAT_SITEMAP;
        d->version = strdup("0.9");
        sitemap_parse(c, root);
    } else {
        snprintf(errstr, errlen, "unknown root element <%.60s>: not RSS, RDF, Atom or a sitemap", rn);
        goto out;
    }
    rc = 0;
out:
    xmlFreeDoc(x);
    cw_buf_free(&u8);
    cw_buf_free(&clean);
    return rc;
}

int feed_parse(const char *data, size_t len, const struct feed_parse_opts *opts, struct feed_doc **out,
               char *errstr, size_t errlen)
{
    *out = NULL;
    if (errlen > 0)
        errstr[0] = '\0';
    if (len > FEED_MAX_DOC) {
        snprintf(errstr, errlen, "document of %zu bytes is over the %u byte limit", len, FEED_MAX_DOC);
        return -1;
    }
    struct feed_doc *d = calloc(1, sizeof *d);
    if (d == NULL) {
        snprintf(errstr, errlen, "out of memory");
        return -1;
    }
    struct pctx c = {d, opts, opts ? opts->url : NULL, 0, {{0}, {0}}};
    html_scratch_init(&c.hs);
    enum feed_format f = feed_detect(data, len);
    char enc[48];
    charset_detect(data, len, f != FEED_FORMAT_JSON, opts ? opts->content_type : NULL, enc, sizeof enc);
    d->encoding = strdup(enc);
    int rc;
    if (f == FEED_FORMAT_JSON) {
        struct cw_buf u8;
        cw_buf_init(&u8, FEED_MAX_DOC * 2);
        rc = charset_to_utf8(data, len, enc, &u8, &d->errors);
        if (rc == 0) {
            d->format = FEED_FORMAT_JSON;
            rc = json_feed(&c, u8.data ? u8.data : "", u8.len, errstr, errlen);
        } else {
            snprintf(errstr, errlen, "document too large or out of memory");
        }
        cw_buf_free(&u8);
    } else if (f == FEED_FORMAT_UNKNOWN && feed_detect(data, len > 4096 ? 4096 : len) == FEED_FORMAT_UNKNOWN &&
               memchr(data, '<', len) == NULL) {
        snprintf(errstr, errlen, "not a feed: no XML or JSON found");
        rc = -1;
    } else {
        rc = parse_xml(&c, data, len, errstr, errlen);
    }
    html_scratch_free(&c.hs);
    if (rc != 0) {
        feed_doc_destroy(d);
        return -1;
    }
    assign_ids(&c);
    *out = d;
    return 0;
}

/* ---- JSON rendering ---- */

static void jset(json_t *o, const char *k, const char *v)
{
    if (v && *v)
        json_object_set_new(o, k, json_string(v));
}

static json_t *links_json(const struct feed_link *l, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++) {
        json_t *o = json_object();
        jset(o, "href", l[i].href);
        jset(o, "rel", l[i].rel);
        jset(o, "type", l[i].type);
        jset(o, "title", l[i].title);
        json_array_append_new(a, o);
    }
    return a;
}

static json_t *persons_json(const struct feed_person *p, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++) {
        json_t *o = json_object();
        jset(o, "name", p[i].name);
        jset(o, "email", p[i].email);
        jset(o, "uri", p[i].uri);
        json_array_append_new(a, o);
    }
    return a;
}

static json_t *strv_json(const struct cw_strv *sv)
{
    json_t *a = json_array();
    for (size_t i = 0; i < sv->n; i++)
        json_array_append_new(a, json_string(sv->v[i]));
    return a;
}

static void jset_arr(json_t *o, const char *k, json_t *a)
{
    if (json_array_size(a) > 0)
        json_object_set_new(o, k, a);
    else
        json_decref(a);
}

json_t *feed_item_to_json(const struct feed_item *it)
{
    json_t *o = json_object();
    jset(o, "id", it->id);
    jset(o, "guid", it->guid);
    jset(o, "title", it->title);
    jset(o, "link", it->link);
    jset_arr(o, "links", links_json(it->links, it->nlinks));
    jset(o, "summary", it->summary);
    jset(o, "content", it->content);
    jset(o, "text", it->text);
    jset(o, "published", it->published);
    jset(o, "updated", it->updated);
    jset_arr(o, "authors", persons_json(it->authors, it->nauthors));
    jset_arr(o, "categories", strv_json(&it->categories));
    json_t *enc = json_array();
    for (size_t i = 0; i < it->nenclosures; i++) {
        json_t *e = json_object();
        jset(e, "url", it->enclosures[i].url);
        jset(e, "type", it->enclosures[i].type);
        if (it->enclosures[i].length >= 0)
            json_object_set_new(e, "length", json_integer(it->enclosures[i].length));
        json_array_append_new(enc, e);
    }
    jset_arr(o, "enclosures", enc);
    jset(o, "comments", it->comments);
    if (it->source_title || it->source_url) {
        json_t *s = json_object();
        jset(s, "title", it->source_title);
        jset(s, "url", it->source_url);
        json_object_set_new(o, "source", s);
    }
    jset(o, "language", it->language);
    jset(o, "image", it->image);
    return o;
}

json_t *feed_doc_to_json(const struct feed_doc *doc)
{
    json_t *o = json_object();
    json_object_set_new(o, "format", json_string(feed_format_name(doc->format)));
    jset(o, "version", doc->version);
    jset(o, "encoding", doc->encoding);
    json_object_set_new(o, "errors", strv_json(&doc->errors));
    const struct feed_meta *m = &doc->feed;
    json_t *f = json_object();
    jset(f, "title", m->title);
    jset(f, "subtitle", m->subtitle);
    jset(f, "link", m->link);
    jset_arr(f, "links", links_json(m->links, m->nlinks));
    jset(f, "language", m->language);
    jset(f, "rights", m->rights);
    jset(f, "generator", m->generator);
    jset(f, "updated", m->updated);
    jset(f, "published", m->published);
    jset_arr(f, "authors", persons_json(m->authors, m->nauthors));
    if (m->image_url || m->image_title) {
        json_t *im = json_object();
        jset(im, "url", m->image_url);
        jset(im, "title", m->image_title);
        json_object_set_new(f, "image", im);
    }
    jset_arr(f, "categories", strv_json(&m->categories));
    if (m->ttl_seconds)
        json_object_set_new(f, "ttl_seconds", json_integer(m->ttl_seconds));
    if (m->update_period_seconds > 0)
        json_object_set_new(f, "update_period_seconds", json_integer(m->update_period_seconds));
    if (m->skip_hours) {
        json_t *h = json_array();
        for (int i = 0; i < 24; i++)
            if (m->skip_hours & (1u << i))
                json_array_append_new(h, json_integer(i));
        json_object_set_new(f, "skip_hours", h);
    }
    json_object_set_new(o, "feed", f);
    json_t *items = json_array();
    for (size_t i = 0; i < doc->nitems; i++)
        json_array_append_new(items, feed_item_to_json(&doc->items[i]));
    json_object_set_new(o, "items", items);
    if (doc->sitemaps.n > 0)
        json_object_set_new(o, "sitemaps", strv_json(&doc->sitemaps));
    return o;
}

/* ---- direct JSON writing (the same bytes as feed_doc_to_json + jsonout_write) ---- */

static void wstr(struct jsonout_w *w, const char *k, const char *v)
{
    if (v && *v) {
        jsonout_w_next(w, k);
        jsonout_w_str(w, v);
    }
}

static void wlinks(struct jsonout_w *w, const char *k, const struct feed_link *l, size_t n)
{
    if (n == 0)
        return;
    jsonout_w_next(w, k);
    jsonout_w_open(w, '[');
    for (size_t i = 0; i < n; i++) {
        jsonout_w_next(w, NULL);
        jsonout_w_open(w, '{');
        wstr(w, "href", l[i].href);
        wstr(w, "rel", l[i].rel);
        wstr(w, "type", l[i].type);
        wstr(w, "title", l[i].title);
        jsonout_w_close(w, '}');
    }
    jsonout_w_close(w, ']');
}

static void wpersons(struct jsonout_w *w, const char *k, const struct feed_person *p, size_t n)
{
    if (n == 0)
        return;
    jsonout_w_next(w, k);
    jsonout_w_open(w, '[');
    for (size_t i = 0; i < n; i++) {
        jsonout_w_next(w, NULL);
        jsonout_w_open(w, '{');
        wstr(w, "name", p[i].name);
        wstr(w, "email", p[i].email);
        wstr(w, "uri", p[i].uri);
        jsonout_w_close(w, '}');
    }
    jsonout_w_close(w, ']');
}

/* always: write "[]" for an empty list (the document's "errors"); else the key is left out. */
static void wstrv(struct jsonout_w *w, const char *k, const struct cw_strv *sv, int always)
{
    size_t valid = 0;
    for (size_t i = 0; i < sv->n; i++)
        valid += charset_utf8_valid(sv->v[i], strlen(sv->v[i]));
    if (valid == 0 && !always)
        return;
    jsonout_w_next(w, k);
    jsonout_w_open(w, '[');
    for (size_t i = 0; i < sv->n; i++) {
        jsonout_w_next(w, NULL);
        jsonout_w_str(w, sv->v[i]);
    }
    jsonout_w_close(w, ']');
}

static void write_item(struct jsonout_w *w, const struct feed_item *it)
{
    jsonout_w_open(w, '{');
    wstr(w, "id", it->id);
    wstr(w, "guid", it->guid);
    wstr(w, "title", it->title);
    wstr(w, "link", it->link);
    wlinks(w, "links", it->links, it->nlinks);
    wstr(w, "summary", it->summary);
    wstr(w, "content", it->content);
    wstr(w, "text", it->text);
    wstr(w, "published", it->published);
    wstr(w, "updated", it->updated);
    wpersons(w, "authors", it->authors, it->nauthors);
    wstrv(w, "categories", &it->categories, 0);
    if (it->nenclosures > 0) {
        jsonout_w_next(w, "enclosures");
        jsonout_w_open(w, '[');
        for (size_t i = 0; i < it->nenclosures; i++) {
            jsonout_w_next(w, NULL);
            jsonout_w_open(w, '{');
            wstr(w, "url", it->enclosures[i].url);
            wstr(w, "type", it->enclosures[i].type);
            if (it->enclosures[i].length >= 0) {
                jsonout_w_next(w, "length");
                jsonout_w_int(w, it->enclosures[i].length);
            }
            jsonout_w_close(w, '}');
        }
        jsonout_w_close(w, ']');
    }
    wstr(w, "comments", it->comments);
    if (it->source_title || it->source_url) {
        jsonout_w_next(w, "source");
        jsonout_w_open(w, '{');
        wstr(w, "title", it->source_title);
        wstr(w, "url", it->source_url);
        jsonout_w_close(w, '}');
    }
    wstr(w, "language", it->language);
    wstr(w, "image", it->image);
    jsonout_w_close(w, '}');
}

int feed_doc_write_json(FILE *f, const struct feed_doc *doc, int indent)
{
    struct jsonout_w w;
    jsonout_w_init(&w, f, indent);
    jsonout_w_open(&w, '{');
    jsonout_w_next(&w, "format");
    jsonout_w_str(&w, feed_format_name(doc->format));
    wstr(&w, "version", doc->version);
    wstr(&w, "encoding", doc->encoding);
    wstrv(&w, "errors", &doc->errors, 1);
    const struct feed_meta *m = &doc->feed;
    jsonout_w_next(&w, "feed");
    jsonout_w_open(&w, '{');
    wstr(&w, "title", m->title);
    wstr(&w, "subtitle", m->subtitle);
    wstr(&w, "link", m->link);
    wlinks(&w, "links", m->links, m->nlinks);
    wstr(&w, "language", m->language);
    wstr(&w, "rights", m->rights);
    wstr(&w, "generator", m->generator);
    wstr(&w, "updated", m->updated);
    wstr(&w, "published", m->published);
    wpersons(&w, "authors", m->authors, m->nauthors);
    if (m->image_url || m->image_title) {
        jsonout_w_next(&w, "image");
        jsonout_w_open(&w, '{');
        wstr(&w, "url", m->image_url);
        wstr(&w, "title", m->image_title);
        jsonout_w_close(&w, '}');
    }
    wstrv(&w, "categories", &m->categories, 0);
    if (m->ttl_seconds) {
        jsonout_w_next(&w, "ttl_seconds");
        jsonout_w_int(&w, m->ttl_seconds);
    }
    if (m->update_period_seconds > 0) {
        jsonout_w_next(&w, "update_period_seconds");
        jsonout_w_int(&w, m->update_period_seconds);
    }
    if (m->skip_hours) {
        jsonout_w_next(&w, "skip_hours");
        jsonout_w_open(&w, '[');
        for (int i = 0; i < 24; i++)
            if (m->skip_hours & (1u << i)) {
                jsonout_w_next(&w, NULL);
                jsonout_w_int(&w, i);
            }
        jsonout_w_close(&w, ']');
    }
    jsonout_w_close(&w, '}');
    jsonout_w_next(&w, "items");
    jsonout_w_open(&w, '[');
    for (size_t i = 0; i < doc->nitems; i++) {
        jsonout_w_next(&w, NULL);
        write_item(&w, &doc->items[i]);
    }
    jsonout_w_close(&w, ']');
    if (doc->sitemaps.n > 0)
        wstrv(&w, "sitemaps", &doc->sitemaps, 1);
    jsonout_w_close(&w, '}');
    return jsonout_w_finish(&w);
}
