/* Article metadata: JSON-LD (schema.org Article types, @graph included), OpenGraph, <meta>
 * name/property/itemprop, <link rel=canonical>, <html lang>, microdata. Publishers put their
 * own values there, so they win over anything guessed from the page body. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libxml/uri.h>

#include "common/cw_buf.h"
#include "common/cw_util.h"
#include "parsers/date.h"
#include "parsers/extract_internal.h"

#define META_MAX_JSONLD (2u << 20) /* bytes of one ld+json script we are willing to parse */
#define META_MAX_AUTHORS 16
#define META_MAX_STR 2048

/* The <meta> keys we read (enum mkey in extract_internal.h), lowercase. */
static const char *const mkey_names[MK_COUNT] = {
    "og:title", "twitter:title", "og:url", "og:image", "og:image:url", "twitter:image", "og:locale",
    "author", "article:author", "parsely-author", "sailthru.author", "dc.creator",
    "article:published_time", "og:published_time", "datepublished", "date", "pubdate",
    "publishdate", "publish-date", "publication_date", "dc.date.issued", "dc.date",
    "dcterms.created", "sailthru.date", "parsely-pub-date", "content-language"};

struct meta {
    struct emeta *e;          /* what the parse collected */
    char *doc_title, *h1, *ip_author, *rel_author;
    json_t *ld;               /* the Article object found in JSON-LD (borrowed from ld_root) */
    json_t *ld_root;
};

/* Trimmed copy with whitespace runs collapsed, at most META_MAX_STR bytes; NULL if empty. */
static char *clean_str(const char *s)
{
    if (s == NULL)
        return NULL;
    struct cw_buf b;
    cw_buf_init(&b, META_MAX_STR);
    int space = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (isspace(*p) || (p[0] == 0xC2 && p[1] == 0xA0)) {
            if (*p == 0xC2)
                p++;
            space = 1;
            continue;
        }
        if (space && b.len > 0 && cw_buf_putc(&b, ' ') != 0)
            break;
        space = 0;
        if (cw_buf_putc(&b, (char)*p) != 0)
            break;
    }
    if (b.len == 0) {
        cw_buf_free(&b);
        return NULL;
    }
    /* a cut may have split a UTF-8 sequence: drop the partial tail */
    while (b.len > 0 && ((unsigned char)b.data[b.len - 1] & 0x80)) {
        size_t i = b.len - 1;
        while (i > 0 && ((unsigned char)b.data[i] & 0xC0) == 0x80)
            i--;
        unsigned char lead = (unsigned char)b.data[i];
        size_t need = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1;
        if (b.len - i >= need)
            break;
        b.len = i;
        b.data[i] = '\0';
    }
    char *r = cw_buf_steal(&b);
    cw_buf_free(&b);
    return r;
}

static char *node_text(const struct etree *t, const struct enode *n)
{
    if (n == NULL)
        return NULL;
    char *c = extract__node_text(t, n, 64u << 10); /* clean_str keeps 2 KB of it */
    char *r = clean_str(c);
    free(c);
    return r;
}

static int type_is_article(json_t *t)
{
    if (json_is_array(t)) {
        size_t i;
        json_t *v;
        json_array_foreach(t, i, v) if (type_is_article(v)) return 1;
        return 0;
    }
    const char *s = json_string_value(t);
    if (s == NULL)
        return 0;
    const char *slash = strrchr(s, '/'); /* "http://schema.org/NewsArticle" */
    if (slash)
        s = slash + 1;
    size_t n = strlen(s);
    return (n >= 7 && strcmp(s + n - 7, "Article") == 0) || (n >= 7 && strcmp(s + n - 7, "Posting") == 0) ||
           strcmp(s, "Report") == 0;
}

static json_t *find_article(json_t *v, int depth)
{
    if (depth > 6)
        return NULL;
    if (json_is_array(v)) {
        size_t i;
        json_t *e;
        json_array_foreach(v, i, e)
        {
            json_t *r = find_article(e, depth + 1);
            if (r)
                return r;
        }
        return NULL;
    }
    if (!json_is_object(v))
        return NULL;
    if (type_is_article(json_object_get(v, "@type")))
        return v;
    json_t *r = find_article(json_object_get(v, "@graph"), depth + 1);
    if (r == NULL)
        r = find_article(json_object_get(v, "mainEntity"), depth + 1);
    return r;
}

/* Publishers often write raw newlines and tabs inside JSON-LD strings (a template pasting the
 * body in), which JSON forbids: escape control characters found inside strings. Owned copy. */
static char *jsonld_repair(const char *s, size_t n)
{
    char *o = malloc(n * 2 + 1);
    if (o == NULL)
        return NULL;
    size_t k = 0;
    int in_str = 0, esc = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (in_str && c < 0x20) {
            o[k++] = '\\';
            o[k++] = c == '\n' ? 'n' : c == '\t' ? 't' : c == '\r' ? 'r' : 'f';
            continue;
        }
        o[k++] = (char)c;
        if (esc)
            esc = 0;
        else if (in_str && c == '\\')
            esc = 1;
        else if (c == '"')
            in_str = !in_str;
    }
    o[k] = '\0';
    return o;
}

static void take_jsonld(struct meta *m, const struct etree *t, const struct enode *script)
{
    if (m->ld)
        return;
    char *c = extract__node_text(t, script, META_MAX_JSONLD + 1);
    if (c == NULL)
        return;
    size_t n = strlen((const char *)c);
    if (n <= META_MAX_JSONLD) {
        json_t *root = json_loadb((const char *)c, n, 0, NULL);
        if (root == NULL) {
            char *fixed = jsonld_repair((const char *)c, n);
            if (fixed)
                root = json_loads(fixed, 0, NULL);
            free(fixed);
        }
        json_t *art = root ? find_article(root, 0) : NULL;
        if (art) {
            m->ld_root = root;
            m->ld = art;
        } else {
            json_decref(root);
        }
    }
    free(c);
}

void extract__meta_tag(struct etree *t, const xmlChar **atts)
{
    const char *content = NULL, *keys[3] = {NULL, NULL, NULL}, *he = NULL;
    for (size_t i = 0; atts && atts[i]; i += 2) {
        const char *k = (const char *)atts[i], *v = (const char *)atts[i + 1];
        if (v == NULL)
            continue;
        if (strcmp(k, "content") == 0 && content == NULL)
            content = v;
        else if (strcmp(k, "property") == 0 && keys[0] == NULL)
            keys[0] = v;
        else if (strcmp(k, "name") == 0 && keys[1] == NULL)
            keys[1] = v;
        else if (strcmp(k, "itemprop") == 0 && keys[2] == NULL)
            keys[2] = v;
        else if (strcmp(k, "http-equiv") == 0 && he == NULL)
            he = v;
    }
    if (content == NULL || *content == '\0')
        return;
    struct emeta *m = &t->meta;
    const char *copy = NULL;
    for (int k = 0; k < 3; k++) {
        if (keys[k] == NULL)
            continue;
        for (int i = 0; i < MK_COUNT; i++)
            if (m->m[i] == NULL && strcasecmp(keys[k], mkey_names[i]) == 0) {
                if (copy == NULL && (copy = extract__strdup(t, content)) == NULL)
                    return;
                m->m[i] = copy;
            }
    }
    if (he && strcasecmp(he, "content-language") == 0 && m->m[MK_CONTENT_LANGUAGE] == NULL)
        m->m[MK_CONTENT_LANGUAGE] = extract__strdup(t, content);
}

/* Absolute http(s) URL of ref against base, or NULL. Owned. */
static char *resolve_url(const char *ref, const char *base)
{
    char *r = NULL;
    char *clean = clean_str(ref);
    if (clean == NULL)
        return NULL;
    xmlChar *u = xmlBuildURI((const xmlChar *)clean, (const xmlChar *)base);
    const char *s = u ? (const char *)u : clean;
    if (strncasecmp(s, "http://", 7) == 0 || strncasecmp(s, "https://", 8) == 0)
        r = strdup(s);
    xmlFree(u);
    free(clean);
    return r;
}

static const char *ld_str(json_t *o, const char *k)
{
    const char *s = json_string_value(json_object_get(o, k));
    return s && *s ? s : NULL;
}

static int looks_like_url(const char *s)
{
    return strncasecmp(s, "http://", 7) == 0 || strncasecmp(s, "https://", 8) == 0 || s[0] == '/';
}

static int add_author(struct article *a, const char *s)
{
    char *c = clean_str(s);
    if (c == NULL)
        return 0;
    char *p = c;
    if (strncasecmp(p, "by ", 3) == 0)
        p += 3;
    if (*p == '\0' || looks_like_url(p) || strlen(p) > 120 || a->authors.n >= META_MAX_AUTHORS ||
        cw_strv_contains(&a->authors, p)) {
        free(c);
        return 0;
    }
    int rc = cw_strv_push(&a->authors, p);
    free(c);
    return rc;
}

static int ld_authors(struct article *a, json_t *v, int depth)
{
    if (depth > 3 || v == NULL)
        return 0;
    if (json_is_string(v))
        return add_author(a, json_string_value(v));
    if (json_is_object(v))
        return add_author(a, ld_str(v, "name"));
    if (json_is_array(v)) {
        size_t i;
        json_t *e;
        json_array_foreach(v, i, e) if (ld_authors(a, e, depth + 1) != 0) return -1;
    }
    return 0;
}

static const char *ld_image(json_t *v, int depth)
{
    if (depth > 3 || v == NULL)
        return NULL;
    if (json_is_string(v))
        return json_string_value(v);
    if (json_is_object(v))
        return ld_str(v, "url") ? ld_str(v, "url") : ld_str(v, "contentUrl");
    if (json_is_array(v))
        return ld_image(json_array_get(v, 0), depth + 1);
    return NULL;
}

/* "Headline | Site" -> "Headline" when the cut leaves a real headline. */
static void strip_site_suffix(char *t)
{
    static const char *const seps[] = {" | ", " - ", " \xe2\x80\x93 ", " \xe2\x80\x94 ", " :: ", " \xc2\xbb ", NULL};
    for (int i = 0; seps[i]; i++) {
        char *p = NULL, *q = t;
        while ((q = strstr(q, seps[i])) != NULL) {
            p = q;
            q += strlen(seps[i]);
        }
        if (p && p - t >= 20 && strlen(p) < (size_t)(p - t)) {
            *p = '\0';
            return;
        }
    }
}

static int set_date(struct article *a, const char *s)
{
    char buf[64];
    if (a->published || s == NULL || date_normalize(s, buf, sizeof buf) != 0)
        return 0;
    a->published = strdup(buf);
    return a->published ? 0 : -1;
}

static int set_owned(char **dst, char *v)
{
    if (*dst) {
        free(v);
        return 0;
    }
    *dst = v;
    return 0;
}

static char *lang_tag(const char *s)
{
    char *c = clean_str(s);
    if (c == NULL)
        return NULL;
    /* "en_US" (og:locale) -> "en-US"; the first of a comma list */
    for (char *p = c; *p; p++) {
        if (*p == '_')
            *p = '-';
        if (*p == ',' || *p == ' ' || *p == ';') {
            *p = '\0';
            break;
        }
    }
    if (*c == '\0' || strlen(c) > 35) {
        free(c);
        return NULL;
    }
    return c;
}

int extract__meta(struct etree *t, const char *base, struct article *a, char **ld_body)
{
    struct meta m = {.e = &t->meta};
    struct emeta *e = &t->meta;
    int rc = -1;
    *ld_body = NULL;
    for (int i = 0; i < e->nld && m.ld == NULL; i++)
        take_jsonld(&m, t, e->ld[i]);
    m.doc_title = node_text(t, e->title);
    m.h1 = node_text(t, e->h1);
    m.ip_author = node_text(t, e->ip_author);
    m.rel_author = node_text(t, e->rel_author);
    char *resolved_base = e->base ? resolve_url(e->base, base) : NULL;
    const char *b = resolved_base ? resolved_base : base;

    /* title */
    const char *tt = m.ld ? ld_str(m.ld, "headline") : NULL;
    if (tt == NULL)
        tt = e->m[MK_OG_TITLE] ? e->m[MK_OG_TITLE] : e->m[MK_TW_TITLE];
    if (tt)
        a->title = clean_str(tt);
    else if (m.h1 && e->h1_count == 1)
        a->title = clean_str(m.h1);
    else if (m.doc_title && (a->title = strdup(m.doc_title)) != NULL)
        strip_site_suffix(a->title);
    if (a->title == NULL && m.h1)
        a->title = clean_str(m.h1);

    /* authors */
    if (m.ld && ld_authors(a, json_object_get(m.ld, "author"), 0) != 0)
        goto done;
    static const enum mkey author_keys[] = {MK_AUTHOR, MK_ART_AUTHOR, MK_PARSELY_AUTHOR, MK_SAILTHRU_AUTHOR,
                                            MK_DC_CREATOR};
    for (size_t i = 0; a->authors.n == 0 && i < sizeof author_keys / sizeof author_keys[0]; i++)
        if (e->m[author_keys[i]] && add_author(a, e->m[author_keys[i]]) != 0)
            goto done;
    if (a->authors.n == 0 && m.ip_author && add_author(a, m.ip_author) != 0)
        goto done;
    if (a->authors.n == 0 && m.rel_author && add_author(a, m.rel_author) != 0)
        goto done;

    /* published */
    if (m.ld && (set_date(a, ld_str(m.ld, "datePublished")) != 0 || set_date(a, ld_str(m.ld, "dateCreated")) != 0))
        goto done;
    static const enum mkey date_keys[] = {MK_ART_PUBLISHED, MK_OG_PUBLISHED, MK_IP_PUBLISHED, MK_DATE,
                                          MK_PUBDATE, MK_PUBLISHDATE, MK_PUBLISH_DATE, MK_PUBLICATION_DATE,
                                          MK_DC_ISSUED, MK_DC_DATE, MK_DCTERMS_CREATED, MK_SAILTHRU_DATE,
                                          MK_PARSELY_DATE};
    for (size_t i = 0; i < sizeof date_keys / sizeof date_keys[0]; i++)
        if (set_date(a, e->m[date_keys[i]]) != 0)
            goto done;
    if (set_date(a, e->time_dt) != 0)
        goto done;

    /* canonical URL, lead image */
    if (e->canonical)
        a->canonical_url = resolve_url(e->canonical, b);
    if (a->canonical_url == NULL && e->m[MK_OG_URL])
        a->canonical_url = resolve_url(e->m[MK_OG_URL], b);
    const char *img = e->m[MK_OG_IMAGE] ? e->m[MK_OG_IMAGE] : e->m[MK_OG_IMAGE_URL];
    if (img == NULL)
        img = e->m[MK_TW_IMAGE];
    if (img == NULL && m.ld)
        img = ld_image(json_object_get(m.ld, "image"), 0);
    if (img)
        a->image = resolve_url(img, b);

    /* language */
    const char *lang = e->lang ? e->lang : e->m[MK_CONTENT_LANGUAGE];
    if (lang == NULL && m.ld)
        lang = ld_str(m.ld, "inLanguage");
    if (lang == NULL)
        lang = e->m[MK_OG_LOCALE];
    if (lang)
        set_owned(&a->lang, lang_tag(lang));

    if (m.ld && ld_str(m.ld, "articleBody")) {
        *ld_body = strdup(ld_str(m.ld, "articleBody"));
        if (*ld_body == NULL)
            goto done;
    }
    rc = 0;
done:
    free(resolved_base);
    free(m.doc_title);
    free(m.h1);
    free(m.ip_author);
    free(m.rel_author);
    json_decref(m.ld_root);
    return rc;
}
