/* Content scoring, the way readability does it: every paragraph-like element of 25+ characters
 * scores 1 + its commas + one per 100 characters (max 3) and hands that score to its parent (in
 * full), grandparent (half) and three more ancestors (less each); candidates start from their tag
 * and class/id hints, end scaled by (1 - link density); the best one, possibly promoted to a
 * shared ancestor, plus the siblings that look like part of it, is the article. Two linear walks
 * over the tree, capped in depth and node count. */
#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "parsers/extract_internal.h"

/* Elements whose content is never article text. */
static const char *const removed_tags[] = {
    "script", "style", "noscript", "template", "svg", "math", "iframe", "object", "embed", "canvas",
    "head", "button", "select", "textarea", "input", "option", "label", "video", "audio", "map",
    "dialog", NULL};
/* Page furniture by tag; only skipped in strict mode (some sites misuse them). */
static const char *const furniture_tags[] = {"nav", "aside", "footer", "menu", NULL};

static int in_list(const char *tag, const char *const *list)
{
    for (int i = 0; list[i]; i++)
        if (strcmp(tag, list[i]) == 0)
            return 1;
    return 0;
}

static int is_hidden(xmlNodePtr n)
{
    if (xmlHasProp(n, (const xmlChar *)"hidden"))
        return 1;
    const char *ah = extract__attr(n, "aria-hidden");
    if (ah && strcmp(ah, "true") == 0)
        return 1;
    const char *style = extract__attr(n, "style");
    if (style) {
        /* "display: none" / "visibility:hidden", spaces optional */
        char buf[256];
        size_t k = 0;
        for (const char *p = style; *p && k + 1 < sizeof buf; p++)
            if (*p != ' ' && *p != '\t')
                buf[k++] = (char)((*p >= 'A' && *p <= 'Z') ? *p + 32 : *p);
        buf[k] = '\0';
        if (strstr(buf, "display:none") || strstr(buf, "visibility:hidden"))
            return 1;
    }
    return 0;
}

static int add_int(int a, size_t b)
{
    size_t s = (size_t)a + b;
    return s > INT32_MAX / 2 ? INT32_MAX / 2 : (int)s;
}

static int grow(struct xstate *st)
{
    if (st->n < st->cap)
        return 0;
    size_t cap = st->cap ? st->cap * 2 : 1024;
    if (cap > EXTRACT_MAX_NODES)
        cap = EXTRACT_MAX_NODES;
    struct xnode *nn = realloc(st->nodes, cap * sizeof *nn);
    if (nn == NULL)
        return -1;
    st->nodes = nn;
    xmlNodePtr *ne = realloc(st->elems, cap * sizeof *ne);
    if (ne == NULL)
        return -1;
    st->elems = ne;
    st->cap = cap;
    return 0;
}

/* Pass 1: number the elements worth looking at and count <p> text under each (the guard that
 * keeps a page-wide wrapper with a boilerplate-sounding class from being thrown away). Returns
 * the <p> text of n's subtree, or -1 on ENOMEM. */
static int number_pass(struct xstate *st, xmlNodePtr n, int depth, int in_p)
{
    int total = 0;
    for (xmlNodePtr c = n->children; c; c = c->next) {
        if (c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE) {
            if (in_p && c->content) {
                int sp = 0, cm = 0;
                total = add_int(total, extract__count_chars((const char *)c->content, &sp, &cm));
            }
            continue;
        }
        if (c->type != XML_ELEMENT_NODE)
            continue;
        c->_private = NULL;
        const char *tag = (const char *)c->name;
        if (in_list(tag, removed_tags) || is_hidden(c) || depth >= EXTRACT_MAX_DEPTH)
            continue;
        if (st->n >= EXTRACT_MAX_NODES)
            continue;
        if (grow(st) != 0)
            return -1;
        size_t idx = st->n++;
        memset(&st->nodes[idx], 0, sizeof st->nodes[idx]);
        st->elems[idx] = c;
        c->_private = (void *)(uintptr_t)(idx + 1);
        int sub = number_pass(st, c, depth + 1, in_p || strcmp(tag, "p") == 0);
        if (sub < 0)
            return -1;
        st->nodes[idx].ptext = sub;
        total = add_int(total, (size_t)sub);
    }
    return total;
}

/* Headings that introduce page furniture rather than more of the story. */
static const char *const furniture_headings[] = {
    "related", "more from", "more stories", "more news", "more on this", "more in ", "read more", "read next",
    "up next", "what to read next", "recommended", "most read", "most popular", "most viewed", "popular",
    "trending", "you may also like", "you might also like", "also read", "see also", "latest news",
    "latest stories", "top stories", "editor's picks", "editors' picks", "around the web", "from our partners",
    "comments", "leave a reply", "leave a comment", "join the conversation", "about the author",
    "share this", "sign up", "subscribe", "newsletter", "advertisement", "sponsored", "in other news",
    "recent posts", "tags", "topics", NULL};

/* 1 when n opens with a heading (its first element, up to three wrappers down) that names a
 * furniture block: "Related stories", "More from the newsroom", "12 Comments". */
static int furniture_heading(xmlNodePtr n)
{
    xmlNodePtr h = n;
    for (int d = 0; d < 4 && h; d++) {
        h = xmlFirstElementChild(h);
        if (h && extract__is_heading((const char *)h->name))
            break;
    }
    if (h == NULL || !extract__is_heading((const char *)h->name))
        return 0;
    xmlChar *c = xmlNodeGetContent(h);
    if (c == NULL)
        return 0;
    char buf[64];
    size_t k = 0;
    const char *p = (const char *)c;
    while (*p == ' ' || *p == '\n' || *p == '\t' || *p == '\r')
        p++;
    while (isdigit((unsigned char)*p) || *p == ' ') /* "12 Comments" */
        p++;
    for (; *p && k + 1 < sizeof buf; p++)
        buf[k++] = (char)tolower((unsigned char)*p);
    buf[k] = '\0';
    xmlFree(c);
    for (int i = 0; furniture_headings[i]; i++)
        if (strncmp(buf, furniture_headings[i], strlen(furniture_headings[i])) == 0)
            return 1;
    return 0;
}

static int skip_element(const struct xstate *st, xmlNodePtr n, const struct xnode *x)
{
    if (!st->strict)
        return 0;
    const char *tag = (const char *)n->name;
    if (strcmp(tag, "body") == 0 || strcmp(tag, "html") == 0 || strcmp(tag, "main") == 0)
        return 0;
    /* never drop the bulk of the page's paragraphs on a class name alone */
    if (x->ptext * 2 > st->body_ptext && x->ptext > 200)
        return 0;
    if (in_list(tag, furniture_tags))
        return 1;
    int h = extract__hints(n);
    if (h & XH_STRONG)
        return 1;
    if ((h & XH_NEG) && !(h & XH_POS))
        return 1;
    return (strcmp(tag, "div") == 0 || strcmp(tag, "section") == 0 || strcmp(tag, "aside") == 0 ||
            strcmp(tag, "ul") == 0 || strcmp(tag, "ol") == 0) &&
           furniture_heading(n);
}

/* Pass 2: text statistics, skipping unlikely candidates; collects paragraph-like elements. */
static int text_pass(struct xstate *st, xmlNodePtr n, struct xnode *acc, int in_link)
{
    for (xmlNodePtr c = n->children; c; c = c->next) {
        if (c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE) {
            if (c->content == NULL)
                continue;
            int sp = 1, cm = 0;
            size_t ch = extract__count_chars((const char *)c->content, &sp, &cm);
            acc->tlen = add_int(acc->tlen, ch);
            acc->commas = add_int(acc->commas, (size_t)cm);
            if (in_link)
                acc->llen = add_int(acc->llen, ch);
            continue;
        }
        struct xnode *x = c->type == XML_ELEMENT_NODE ? extract__stat(st, c) : NULL;
        if (x == NULL)
            continue;
        if (skip_element(st, c, x)) {
            x->flags |= XN_SKIP;
            continue;
        }
        const char *tag = (const char *)c->name;
        if (text_pass(st, c, x, in_link || strcmp(tag, "a") == 0) != 0)
            return -1;
        acc->tlen = add_int(acc->tlen, (size_t)x->tlen);
        acc->llen = add_int(acc->llen, (size_t)x->llen);
        acc->commas = add_int(acc->commas, (size_t)x->commas);
        if ((x->flags & XN_HASBLOCK) || (extract__is_block(tag) && strcmp(tag, "br") != 0))
            acc->flags |= XN_HASBLOCK;
        int para = strcmp(tag, "p") == 0 || strcmp(tag, "pre") == 0 || strcmp(tag, "td") == 0 ||
                   ((strcmp(tag, "div") == 0 || strcmp(tag, "section") == 0 || strcmp(tag, "article") == 0) &&
                    !(x->flags & XN_HASBLOCK));
        if (para && x->tlen >= 25)
            st->paras[st->nparas++] = (size_t)((uintptr_t)c->_private - 1);
    }
    return 0;
}

int extract__stats(struct xstate *st)
{
    if (st->body == NULL)
        return 0;
    int p = number_pass(st, st->body, 0, 0);
    if (p < 0)
        return -1;
    st->body_ptext = p;
    st->paras = malloc((st->n + 1) * sizeof *st->paras);
    if (st->paras == NULL)
        return -1;
    struct xnode body = {0};
    return text_pass(st, st->body, &body, 0);
}

static double tag_base(const char *tag)
{
    if (strcmp(tag, "div") == 0 || strcmp(tag, "article") == 0)
        return 5;
    if (strcmp(tag, "pre") == 0 || strcmp(tag, "td") == 0 || strcmp(tag, "blockquote") == 0)
        return 3;
    if (strcmp(tag, "address") == 0 || strcmp(tag, "ol") == 0 || strcmp(tag, "ul") == 0 ||
        strcmp(tag, "dl") == 0 || strcmp(tag, "dd") == 0 || strcmp(tag, "dt") == 0 ||
        strcmp(tag, "li") == 0 || strcmp(tag, "form") == 0)
        return -3;
    if (extract__is_heading(tag) || strcmp(tag, "th") == 0)
        return -5;
    return 0;
}

static double class_weight(xmlNodePtr n)
{
    int h = extract__hints(n);
    double w = 0;
    if (h & XH_POS)
        w += 25;
    if (h & (XH_NEG | XH_STRONG))
        w -= 25;
    return w;
}

static struct xnode *candidate(struct xstate *st, xmlNodePtr n)
{
    if (n == NULL || n->type != XML_ELEMENT_NODE)
        return NULL;
    struct xnode *x = extract__stat(st, n);
    if (x == NULL || (x->flags & XN_SKIP))
        return NULL;
    if (!(x->flags & XN_CAND)) {
        x->flags |= XN_CAND;
        x->score = tag_base((const char *)n->name) + class_weight(n);
    }
    return x;
}

static double link_density(const struct xnode *x)
{
    return x->tlen > 0 ? (double)x->llen / x->tlen : 0;
}

static int is_ancestor(xmlNodePtr anc, xmlNodePtr n)
{
    for (int d = 0; n && d <= EXTRACT_MAX_DEPTH + 2; d++, n = n->parent)
        if (n == anc)
            return 1;
    return 0;
}

static int has_sentence_end(xmlNodePtr n)
{
    xmlChar *c = xmlNodeGetContent(n);
    int r = 0;
    if (c) {
        size_t l = strlen((const char *)c);
        while (l > 0 && (c[l - 1] == ' ' || c[l - 1] == '\n' || c[l - 1] == '\t'))
            l--;
        r = (l > 0 && c[l - 1] == '.') || strstr((const char *)c, ". ") != NULL;
        xmlFree(c);
    }
    return r;
}

#define TOPN 5

int extract__select(struct xstate *st, xmlNodePtr *roots, int maxroots)
{
    if (st->body == NULL || maxroots < 1)
        return 0;
    /* score paragraphs into their ancestors */
    for (size_t i = 0; i < st->nparas; i++) {
        xmlNodePtr p = st->elems[st->paras[i]];
        struct xnode *px = &st->nodes[st->paras[i]];
        double s = 1 + px->commas + (px->tlen / 100 > 3 ? 3 : px->tlen / 100);
        xmlNodePtr anc = p->parent;
        for (int level = 0; anc && level < 5; level++, anc = anc->parent) {
            struct xnode *ax = candidate(st, anc);
            if (ax == NULL)
                break;
            ax->score += level == 0 ? s : level == 1 ? s / 2 : s / (level * 3);
            if (anc == st->body)
                break;
        }
    }
    /* final scores and the best few */
    size_t top[TOPN];
    int ntop = 0;
    for (size_t i = 0; i < st->n; i++) {
        struct xnode *x = &st->nodes[i];
        if (!(x->flags & XN_CAND) || (x->flags & XN_SKIP))
            continue;
        x->score *= 1 - link_density(x);
        int pos = ntop;
        while (pos > 0 && st->nodes[top[pos - 1]].score < x->score)
            pos--;
        if (pos >= TOPN)
            continue;
        if (ntop < TOPN)
            ntop++;
        memmove(&top[pos + 1], &top[pos], (size_t)(ntop - 1 - pos) * sizeof top[0]);
        top[pos] = i;
    }
    if (ntop == 0) {
        roots[0] = st->body;
        return 1;
    }
    xmlNodePtr best = st->elems[top[0]];
    double best_score = st->nodes[top[0]].score;

    /* several strong candidates under one ancestor: the article is that ancestor */
    int close = 0;
    for (int i = 1; i < ntop; i++)
        if (st->nodes[top[i]].score >= 0.75 * best_score)
            close++;
    if (close >= 2) {
        for (xmlNodePtr anc = best->parent; anc && anc != st->body && anc->type == XML_ELEMENT_NODE;
             anc = anc->parent) {
            int contained = 0;
            for (int i = 1; i < ntop; i++)
                if (st->nodes[top[i]].score >= 0.75 * best_score && is_ancestor(anc, st->elems[top[i]]))
                    contained++;
            if (contained >= 2) {
                best = anc;
                break;
            }
        }
    }
    /* climb while an ancestor scores better (content split across nested wrappers) */
    struct xnode *bx = extract__stat(st, best);
    double last = bx && (bx->flags & XN_CAND) ? bx->score : best_score;
    double threshold = last / 3;
    for (xmlNodePtr anc = best->parent; anc && anc != st->body && anc->type == XML_ELEMENT_NODE;
         anc = anc->parent) {
        struct xnode *ax = extract__stat(st, anc);
        if (ax == NULL || !(ax->flags & XN_CAND))
            continue;
        if (ax->score < threshold)
            break;
        if (ax->score > last) {
            best = anc;
            break;
        }
        last = ax->score;
    }
    /* a lone child is as good as its parent */
    while (best->parent && best->parent != st->body && best->parent->type == XML_ELEMENT_NODE &&
           xmlChildElementCount(best->parent) == 1)
        best = best->parent;
    bx = extract__stat(st, best);
    best_score = bx && (bx->flags & XN_CAND) ? bx->score : best_score;
    if (best == st->body || best->parent == NULL || best->parent->type != XML_ELEMENT_NODE) {
        roots[0] = best;
        return 1;
    }

    /* merge siblings that look like more of the same article */
    int n = 0;
    double thr = best_score * 0.2 > 10 ? best_score * 0.2 : 10;
    const char *bclass = extract__attr(best, "class");
    for (xmlNodePtr s = best->parent->children; s && n < maxroots; s = s->next) {
        if (s->type != XML_ELEMENT_NODE)
            continue;
        if (s == best) {
            roots[n++] = s;
            continue;
        }
        struct xnode *sx = extract__stat(st, s);
        if (sx == NULL || (sx->flags & XN_SKIP))
            continue;
        double bonus = 0;
        const char *sclass = extract__attr(s, "class");
        if (bclass && sclass && *bclass && strcmp(bclass, sclass) == 0)
            bonus = best_score * 0.2;
        int take = (sx->flags & XN_CAND) && sx->score + bonus >= thr;
        if (!take && (strcmp((const char *)s->name, "p") == 0 || extract__is_heading((const char *)s->name) == 0)) {
            double ld = link_density(sx);
            int isp = strcmp((const char *)s->name, "p") == 0 || !(sx->flags & XN_HASBLOCK);
            if (isp && sx->tlen > 80 && ld < 0.25)
                take = 1;
            else if (!isp && sx->tlen > 200 && ld < 0.15)
                take = 1; /* a container of prose: the story split into sibling blocks */
            else if (isp && sx->tlen > 0 && sx->tlen <= 80 && sx->llen == 0 && has_sentence_end(s))
                take = 1;
        }
        if (take)
            roots[n++] = s;
    }
    return n;
}
