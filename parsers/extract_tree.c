/* The page tree: libxml2's HTML parser (the same tokenizer, entity decoding, charset detection and
 * tag-soup repair as htmlReadMemory) drives SAX callbacks, and we build only what extraction reads.
 * libxml2's own tree costs a malloc per element, per attribute, per attribute value and per text
 * node, plus the frees; on news pages that was the largest cost after tokenizing. Here an element
 * or text run is one arena slot, the text of the whole page one growing buffer, and of the
 * attributes only class/id/role (hints), the hidden markers and what the metadata step reads are
 * kept. The document is the same one libxml2 would build: implied html/body, auto-closed tags,
 * adjacent text merged; whitespace-only runs between blocks are kept (libxml2's NOBLANKS heuristic
 * needs its tree), which the text rules treat as the separators they are. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libxml/parserInternals.h>

#include "parsers/extract_internal.h"

#define ARENA_CHUNK (64u << 10)

struct earena {
    struct earena *next;
    size_t used, cap;
    max_align_t data[]; /* aligned for any node */
};

static void *arena_alloc(struct etree *t, size_t n)
{
    n = (n + 15) & ~(size_t)15;
    struct earena *a = t->arena;
    if (a == NULL || a->cap - a->used < n) {
        size_t cap = n > ARENA_CHUNK ? n : ARENA_CHUNK;
        struct earena *c = malloc(sizeof *c + cap);
        if (c == NULL) {
            t->oom = 1;
            return NULL;
        }
        c->next = a;
        c->used = 0;
        c->cap = cap;
        t->arena = c;
        a = c;
    }
    void *p = (char *)a->data + a->used;
    a->used += n;
    return p;
}

const char *extract__strdup(struct etree *t, const char *s)
{
    size_t n = strlen(s) + 1;
    char *c = arena_alloc(t, n);
    if (c)
        memcpy(c, s, n);
    return c;
}

static void stop(struct etree *t)
{
    if (!t->stopped) {
        t->stopped = 1;
        xmlStopParser(t->ctxt);
    }
}

static struct enode *new_node(struct etree *t)
{
    if (t->count >= EXTRACT_MAX_TREE) {
        stop(t); /* a page of a million tiny tags: what came before is the page we read */
        return NULL;
    }
    struct enode *n = arena_alloc(t, sizeof *n);
    if (n == NULL) {
        stop(t);
        return NULL;
    }
    memset(n, 0, sizeof *n);
    t->count++;
    struct enode *p = t->cur;
    n->parent = p;
    if (p->last)
        p->last->next = n;
    else
        p->children = n;
    p->last = n;
    return n;
}

/* The attributes any rule reads, found in one pass over libxml2's name/value array. */
struct eatts {
    const char *cls, *id, *role, *ariahidden, *style, *itemprop, *lang, *xmllang, *rel, *href, *type,
        *datetime, *content;
    int hidden, pubdate;
};

static void read_atts(const xmlChar **atts, struct eatts *e)
{
    memset(e, 0, sizeof *e);
    for (size_t i = 0; atts && atts[i]; i += 2) {
        const char *k = (const char *)atts[i], *v = (const char *)atts[i + 1];
        const char **slot = NULL;
        /* names come lowercased from the parser; the first of a repeated attribute wins, as in
         * libxml2's tree */
        switch (k[0]) {
        case 'a': slot = strcmp(k, "aria-hidden") == 0 ? &e->ariahidden : NULL; break;
        case 'c':
            /* "c" is the pre-pass's stand-in for a class (only ever written by it: other
             * attributes of that name are dropped with the rest it filters) */
            slot = strcmp(k, "class") == 0 || (k[1] == '\0' && v && v[0] == EXTRACT_CLASS_MARK) ? &e->cls
                   : strcmp(k, "content") == 0                                            ? &e->content
                                                                                           : NULL;
            break;
        case 'd': slot = strcmp(k, "datetime") == 0 ? &e->datetime : NULL; break;
        case 'h':
            if (strcmp(k, "hidden") == 0)
                e->hidden = 1;
            else if (strcmp(k, "href") == 0)
                slot = &e->href;
            break;
        case 'i': slot = strcmp(k, "id") == 0 ? &e->id : strcmp(k, "itemprop") == 0 ? &e->itemprop : NULL; break;
        case 'l': slot = strcmp(k, "lang") == 0 ? &e->lang : NULL; break;
        case 'p':
            if (strcmp(k, "pubdate") == 0)
                e->pubdate = 1;
            break;
        case 'r': slot = strcmp(k, "role") == 0 ? &e->role : strcmp(k, "rel") == 0 ? &e->rel : NULL; break;
        case 's': slot = strcmp(k, "style") == 0 ? &e->style : NULL; break;
        case 't': slot = strcmp(k, "type") == 0 ? &e->type : NULL; break;
        case 'x': slot = strcmp(k, "xml:lang") == 0 ? &e->xmllang : NULL; break;
        default: break;
        }
        if (slot && *slot == NULL)
            *slot = v;
    }
}

static int style_hidden(const char *style)
{
    /* "display: none" / "visibility:hidden", spaces optional, first 255 bytes */
    char buf[256];
    size_t k = 0;
    for (const char *p = style; *p && k + 1 < sizeof buf; p++)
        if (*p != ' ' && *p != '\t')
            buf[k++] = (char)((*p >= 'A' && *p <= 'Z') ? *p + 32 : *p);
    buf[k] = '\0';
    return strstr(buf, "display:none") || strstr(buf, "visibility:hidden");
}

static int rel_has(const char *rel, const char *word)
{
    size_t wl = strlen(word);
    for (const char *p = rel; p && *p;) {
        while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r' || *p == '\f')
            p++;
        size_t n = 0;
        while (p[n] && !(p[n] == ' ' || p[n] == '\t' || p[n] == '\n' || p[n] == '\r' || p[n] == '\f'))
            n++;
        if (n == wl && strncasecmp(p, word, n) == 0)
            return 1;
        p += n;
    }
    return 0;
}

static void copy_first(struct etree *t, const char **dst, const char *v)
{
    if (*dst == NULL && v)
        *dst = extract__strdup(t, v);
}

/* The metadata step's view of an element, in document order (first value wins). */
static void meta_element(struct etree *t, struct enode *n, const xmlChar **atts, const struct eatts *e)
{
    struct emeta *m = &t->meta;
    if (n->parent == &t->doc && m->lang == NULL)
        copy_first(t, &m->lang, e->lang ? e->lang : e->xmllang);
    switch (n->tf & TF_KIND) {
    case TK_META:
        extract__meta_tag(t, atts);
        return;
    case TK_LINK:
        if (m->canonical == NULL && e->rel && rel_has(e->rel, "canonical"))
            copy_first(t, &m->canonical, e->href);
        return;
    case TK_BASE:
        copy_first(t, &m->base, e->href);
        return;
    case TK_SCRIPT:
        if (e->type && strcasecmp(e->type, "application/ld+json") == 0 && m->nld < EXTRACT_MAX_LD)
            m->ld[m->nld++] = n;
        return;
    case TK_TITLE:
        if (m->title == NULL)
            m->title = n;
        return;
    case TK_STYLE:
        return;
    default:
        break;
    }
    if (n->heading == 1 && m->h1_count++ == 0)
        m->h1 = n;
    if (e->itemprop && strcasecmp(e->itemprop, "author") == 0 && m->ip_author == NULL)
        m->ip_author = n; /* <span itemprop=author><span itemprop=name>X</span></span> or plain text */
    else if (e->itemprop && strcasecmp(e->itemprop, "datePublished") == 0 && m->time_dt == NULL)
        copy_first(t, &m->time_dt, e->datetime ? e->datetime : e->content);
    if ((n->tf & TF_KIND) == TK_TIME && m->time_dt == NULL && e->pubdate)
        copy_first(t, &m->time_dt, e->datetime);
    if ((n->tf & TF_A) && e->rel && m->rel_author == NULL && rel_has(e->rel, "author"))
        m->rel_author = n;
}

/* TF_* flags of a tag name. Names come interned from the parser's dictionary, so a small cache
 * keyed by the pointer skips the table search for all but the first element of each name. */
static unsigned tag_flags(struct etree *t, const xmlChar *name)
{
    size_t h = (size_t)(((uintptr_t)name * 0x9E3779B97F4A7C15u) >> 58); /* 64 slots */
    if (t->tagcache[h].name != name) {
        t->tagcache[h].name = name;
        t->tagcache[h].flags = extract__tag_flags((const char *)name);
    }
    return t->tagcache[h].flags;
}

const char extract__b64_digit[65] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_.";

static void sax_start(void *ctx, const xmlChar *name, const xmlChar **atts)
{
    struct etree *t = ctx;
    if (t->stopped)
        return;
    if (t->depth >= EXTRACT_MAX_DEPTH) {
        stop(t); /* as libxml2's tree builder does: the page is cut at this depth */
        return;
    }
    struct enode *n = new_node(t);
    if (n == NULL)
        return;
    n->name = (const char *)name;
    n->tf = (uint16_t)tag_flags(t, name);
    n->heading = (uint8_t)extract__is_heading(n->name);
    t->cur = n;
    t->depth++;
    t->nomerge = 0;
    struct eatts e;
    read_atts(atts, &e);
    if (atts) {
        if (e.hidden || (e.ariahidden && strcmp(e.ariahidden, "true") == 0) || (e.style && style_hidden(e.style)))
            n->af |= AF_HIDDEN;
        if (e.itemprop && strcasecmp(e.itemprop, "articleBody") == 0)
            n->af |= AF_ARTICLEBODY;
        if (e.cls && e.cls[0] == EXTRACT_CLASS_MARK) {
            /* the pre-pass's stand-in: the value itself is in the side table */
            size_t i = 0;
            const char *d = e.cls + 1, *x;
            while (*d && (x = strchr(extract__b64_digit, *d)) != NULL && i < t->nclasses) {
                i = i * 64 + (size_t)(x - extract__b64_digit);
                d++;
            }
            if (d > e.cls + 1 && *d == '\0' && i < t->nclasses) {
                char *c = arena_alloc(t, t->classes[i].len + 1);
                if (c) {
                    memcpy(c, t->classes[i].p, t->classes[i].len);
                    c[t->classes[i].len] = '\0';
                }
                n->cls = c;
                e.cls = c;
            }
        }
        if (e.cls && *e.cls && n->cls == NULL)
            n->cls = extract__strdup(t, e.cls);
        if ((e.id && *e.id) || (e.role && *e.role)) {
            size_t l = (e.cls ? strlen(e.cls) : 0) + (e.id ? strlen(e.id) : 0) + (e.role ? strlen(e.role) : 0) + 3;
            char *h = arena_alloc(t, l);
            if (h)
                snprintf(h, l, "%s %s %s", e.cls ? e.cls : "", e.id ? e.id : "", e.role ? e.role : "");
            n->hsrc = h;
        } else {
            n->hsrc = n->cls;
        }
    }
    meta_element(t, n, atts, &e);
    if (t->oom)
        stop(t);
}

static void sax_end(void *ctx, const xmlChar *name)
{
    struct etree *t = ctx;
    (void)name;
    /* libxml2 pairs every start with an end (auto-closes included); after a stop only the
     * closing calls may still come, and they change nothing that is read later */
    if (t->stopped || t->cur == &t->doc)
        return;
    t->cur = t->cur->parent;
    t->depth--;
    t->nomerge = 0;
}

static int text_reserve(struct etree *t, size_t n)
{
    if (t->text_cap - t->text_len > n)
        return 0;
    /* text never outgrows the parsed input by much (entities decode shorter, except a few named
     * ones): twice the input cap is a bound no page reaches */
    if (t->text_len + n + 1 > 2 * (size_t)EXTRACT_MAX_HTML + 4096)
        return -1;
    size_t cap = t->text_cap ? t->text_cap : 64u << 10;
    while (cap - t->text_len <= n)
        cap *= 2;
    char *nt = realloc(t->text, cap);
    if (nt == NULL) {
        t->oom = 1;
        return -1;
    }
    t->text = nt;
    t->text_cap = cap;
    return 0;
}

static void sax_text(void *ctx, const xmlChar *s, int len)
{
    struct etree *t = ctx;
    if (t->stopped || len <= 0)
        return;
    if (text_reserve(t, (size_t)len + 1) != 0) {
        stop(t);
        return;
    }
    struct enode *l = t->cur->last;
    if (l && l->name == NULL && !t->nomerge && l->toff + l->tlen + 1 == t->text_len && l->tlen + (size_t)len < UINT32_MAX) {
        /* libxml2 hands a text run over in pieces (entities, buffer ends): one run, one node */
        memcpy(t->text + t->text_len - 1, s, (size_t)len);
        t->text_len += (size_t)len;
        t->text[t->text_len - 1] = '\0';
        l->tlen += (uint32_t)len;
        return;
    }
    struct enode *n = new_node(t);
    if (n == NULL)
        return;
    n->toff = t->text_len;
    n->tlen = (uint32_t)len;
    memcpy(t->text + t->text_len, s, (size_t)len);
    t->text_len += (size_t)len + 1;
    t->text[t->text_len - 1] = '\0';
    t->nomerge = 0;
}

static void sax_comment(void *ctx, const xmlChar *s)
{
    struct etree *t = ctx;
    (void)s;
    t->nomerge = 1; /* libxml2's tree keeps text on both sides of a comment apart */
}

void extract__tree_destroy(struct etree *t)
{
    if (t == NULL)
        return;
    for (struct earena *a = t->arena, *next; a; a = next) {
        next = a->next;
        free(a);
    }
    free(t->text);
    free(t->classes);
    if (t->ctxt)
        htmlFreeParserCtxt(t->ctxt); /* after the tree: the tag names live in its dictionary */
    free(t);
}

struct etree *extract__tree_create(void)
{
    struct etree *t = calloc(1, sizeof *t);
    if (t)
        t->cur = &t->doc;
    return t;
}

int extract__tree_parse(struct etree *t, const char *html, size_t len, const char *enc)
{
    if (len == 0)
        return 0; /* libxml2 makes no context for an empty buffer; an empty tree says the same */
    if (len > INT32_MAX)
        len = INT32_MAX;
    t->ctxt = htmlCreateMemoryParserCtxt(html, (int)len);
    if (t->ctxt == NULL || t->ctxt->sax == NULL)
        return -1;
    /* NONET: never fetch; no HUGE: libxml2 keeps its text-node and name limits. The options are
     * set first because they rewrite some SAX slots; then the handler is ours alone. */
    htmlCtxtUseOptions(t->ctxt, HTML_PARSE_NONET | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING | HTML_PARSE_RECOVER);
    memset(t->ctxt->sax, 0, sizeof *t->ctxt->sax);
    t->ctxt->sax->startElement = sax_start;
    t->ctxt->sax->endElement = sax_end;
    t->ctxt->sax->characters = sax_text;
    t->ctxt->sax->cdataBlock = sax_text;
    t->ctxt->sax->ignorableWhitespace = sax_text;
    t->ctxt->sax->comment = sax_comment;
    t->ctxt->userData = t;
    if (enc) {
        xmlCharEncodingHandlerPtr h = xmlFindCharEncodingHandler(enc);
        if (h && xmlSwitchToEncoding(t->ctxt, h) == 0 && t->ctxt->input && t->ctxt->input->encoding == NULL)
            /* as htmlReadMemory does: a charset named by the caller (HTTP header) is not
             * overridden by the page's own <meta charset> */
            t->ctxt->input->encoding = xmlStrdup((const xmlChar *)enc);
    }
    htmlParseDocument(t->ctxt);
    return t->oom ? -1 : 0;
}

char *extract__node_text(const struct etree *t, const struct enode *n, size_t max)
{
    size_t cap = 256, len = 0;
    char *out = malloc(cap);
    if (out == NULL)
        return NULL;
    out[0] = '\0';
    /* iterative walk of n's subtree in document order */
    const struct enode *c = n->children;
    while (c && len < max) {
        if (c->name == NULL) {
            size_t k = c->tlen < max - len ? c->tlen : max - len;
            if (len + k + 1 > cap) {
                while (len + k + 1 > cap)
                    cap *= 2;
                char *no = realloc(out, cap);
                if (no == NULL) {
                    free(out);
                    return NULL;
                }
                out = no;
            }
            memcpy(out + len, extract__text(t, c), k);
            len += k;
            out[len] = '\0';
        } else if (c->children) {
            c = c->children;
            continue;
        }
        while (c && c->next == NULL) {
            c = c->parent;
            if (c == n)
                c = NULL;
        }
        if (c)
            c = c->next;
    }
    return out;
}

struct enode *extract__first_element(const struct enode *n)
{
    for (struct enode *c = n->children; c; c = c->next)
        if (c->name)
            return c;
    return NULL;
}

size_t extract__element_count(const struct enode *n)
{
    size_t k = 0;
    for (struct enode *c = n->children; c; c = c->next)
        k += c->name != NULL;
    return k;
}
