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
    struct enode **ne = realloc(st->elems, cap * sizeof *ne);
    if (ne == NULL)
        return -1;
    st->elems = ne;
    st->cap = cap;
    return 0;
}

/* Pass 1: number the elements worth looking at and count <p> text under each (the guard that
 * keeps a page-wide wrapper with a boilerplate-sounding class from being thrown away). Returns
 * the <p> text of n's subtree, or -1 on ENOMEM. */
static int number_pass(struct xstate *st, struct enode *n, int depth, int in_p)
{
    int total = 0;
    for (struct enode *c = n->children; c; c = c->next) {
        if (c->name == NULL) {
            if (in_p) {
                int sp = 0, cm = 0;
                total = add_int(total, extract__count_chars(extract__text(st->tree, c), &sp, &cm));
            }
            continue;
        }
        c->priv = 0;
        if ((c->tf & TF_REMOVED) || (c->af & AF_HIDDEN) || depth >= EXTRACT_MAX_DEPTH)
            continue;
        if (st->n >= EXTRACT_MAX_NODES)
            continue;
        if (grow(st) != 0)
            return -1;
        size_t idx = st->n++;
        memset(&st->nodes[idx], 0, sizeof st->nodes[idx]);
        st->elems[idx] = c;
        c->priv = (uint32_t)(idx + 1);
        int sub = number_pass(st, c, depth + 1, in_p || (c->tf & TF_P));
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
static int furniture_heading(const struct xstate *st, struct enode *n)
{
    struct enode *h = n;
    for (int d = 0; d < 4 && h; d++) {
        h = extract__first_element(h);
        if (h && h->heading)
            break;
    }
    if (h == NULL || !h->heading)
        return 0;
    char *c = extract__node_text(st->tree, h, 512);
    if (c == NULL)
        return 0;
    char buf[64];
    size_t k = 0;
    const char *p = c;
    while (*p == ' ' || *p == '\n' || *p == '\t' || *p == '\r')
        p++;
    while (isdigit((unsigned char)*p) || *p == ' ') /* "12 Comments" */
        p++;
    for (; *p && k + 1 < sizeof buf; p++)
        buf[k++] = (char)tolower((unsigned char)*p);
    buf[k] = '\0';
    free(c);
    for (int i = 0; furniture_headings[i]; i++)
        if (strncmp(buf, furniture_headings[i], strlen(furniture_headings[i])) == 0)
            return 1;
    return 0;
}

static int skip_element(const struct xstate *st, struct enode *n, const struct xnode *x)
{
    if (!st->strict)
        return 0;
    if (n->tf & TF_NEVERSKIP)
        return 0;
    /* never drop the bulk of the page's paragraphs on a class name alone */
    if (x->ptext * 2 > st->body_ptext && x->ptext > 200)
        return 0;
    if (n->tf & TF_FURNITURE)
        return 1;
    int h = extract__hints(st->tree, n);
    if (h & XH_STRONG)
        return 1;
    if ((h & XH_NEG) && !(h & XH_POS))
        return 1;
    return (n->tf & TF_LISTLIKE) && furniture_heading(st, n);
}

/* Pass 2: text statistics, skipping unlikely candidates; collects paragraph-like elements. */
static int text_pass(struct xstate *st, struct enode *n, struct xnode *acc, int in_link)
{
    for (struct enode *c = n->children; c; c = c->next) {
        if (c->name == NULL) {
            int sp = 1, cm = 0;
            size_t ch = extract__count_chars(extract__text(st->tree, c), &sp, &cm);
            acc->tlen = add_int(acc->tlen, ch);
            acc->commas = add_int(acc->commas, (size_t)cm);
            if (in_link)
                acc->llen = add_int(acc->llen, ch);
            continue;
        }
        struct xnode *x = extract__stat(st, c);
        if (x == NULL)
            continue;
        if (skip_element(st, c, x)) {
            x->flags |= XN_SKIP;
            continue;
        }
        if (text_pass(st, c, x, in_link || (c->tf & TF_A)) != 0)
            return -1;
        acc->tlen = add_int(acc->tlen, (size_t)x->tlen);
        acc->llen = add_int(acc->llen, (size_t)x->llen);
        acc->commas = add_int(acc->commas, (size_t)x->commas);
        if ((x->flags & XN_HASBLOCK) || (c->tf & TF_BLOCK))
            acc->flags |= XN_HASBLOCK;
        int para = (c->tf & TF_PARALIKE) || ((c->tf & TF_CONTAINER) && !(x->flags & XN_HASBLOCK));
        if (para && x->tlen >= 25)
            st->paras[st->nparas++] = (size_t)c->priv - 1;
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

static double class_weight(struct etree *t, struct enode *n)
{
    int h = extract__hints(t, n);
    double w = 0;
    if (h & XH_POS)
        w += 25;
    if (h & (XH_NEG | XH_STRONG))
        w -= 25;
    return w;
}

static struct xnode *candidate(struct xstate *st, struct enode *n)
{
    if (n == NULL || n->name == NULL)
        return NULL;
    struct xnode *x = extract__stat(st, n);
    if (x == NULL || (x->flags & XN_SKIP))
        return NULL;
    if (!(x->flags & XN_CAND)) {
        x->flags |= XN_CAND;
        x->score = tag_base(n->name) + class_weight(st->tree, n);
    }
    return x;
}

static double link_density(const struct xnode *x)
{
    return x->tlen > 0 ? (double)x->llen / x->tlen : 0;
}

static int is_ancestor(const struct enode *anc, const struct enode *n)
{
    for (int d = 0; n && d <= EXTRACT_MAX_DEPTH + 2; d++, n = n->parent)
        if (n == anc)
            return 1;
    return 0;
}

/* The subtree's text ends with a period or holds ". " somewhere (across text runs too). */
static int has_sentence_end(const struct xstate *st, const struct enode *n)
{
    unsigned char last = 0, prev = 0;
    const struct enode *c = n->children;
    while (c) {
        if (c->name == NULL) {
            for (const unsigned char *p = (const unsigned char *)extract__text(st->tree, c); *p; p++) {
                if (prev == '.' && *p == ' ')
                    return 1;
                prev = *p;
                if (*p != ' ' && *p != '\n' && *p != '\t')
                    last = *p;
            }
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
    return last == '.';
}

#define TOPN 5

int extract__select(struct xstate *st, struct enode **roots, int maxroots)
{
    if (st->body == NULL || maxroots < 1)
        return 0;
    /* score paragraphs into their ancestors */
    for (size_t i = 0; i < st->nparas; i++) {
        struct enode *p = st->elems[st->paras[i]];
        struct xnode *px = &st->nodes[st->paras[i]];
        double s = 1 + px->commas + (px->tlen / 100 > 3 ? 3 : px->tlen / 100);
        struct enode *anc = p->parent;
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
    struct enode *best = st->elems[top[0]];
    double best_score = st->nodes[top[0]].score;

    /* several strong candidates under one ancestor: the article is that ancestor */
    int close = 0;
    for (int i = 1; i < ntop; i++)
        if (st->nodes[top[i]].score >= 0.75 * best_score)
            close++;
    if (close >= 2) {
        for (struct enode *anc = best->parent; anc && anc != st->body && anc->name != NULL;
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
    for (struct enode *anc = best->parent; anc && anc != st->body && anc->name != NULL;
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
    while (best->parent && best->parent != st->body && best->parent->name != NULL &&
           extract__element_count(best->parent) == 1)
        best = best->parent;
    bx = extract__stat(st, best);
    best_score = bx && (bx->flags & XN_CAND) ? bx->score : best_score;
    if (best == st->body || best->parent == NULL || best->parent->name == NULL) {
        roots[0] = best;
        return 1;
    }

    /* merge siblings that look like more of the same article */
    int n = 0;
    double thr = best_score * 0.2 > 10 ? best_score * 0.2 : 10;
    const char *bclass = best->cls;
    for (struct enode *s = best->parent->children; s && n < maxroots; s = s->next) {
        if (s->name == NULL)
            continue;
        if (s == best) {
            roots[n++] = s;
            continue;
        }
        struct xnode *sx = extract__stat(st, s);
        if (sx == NULL || (sx->flags & XN_SKIP))
            continue;
        double bonus = 0;
        const char *sclass = s->cls;
        if (bclass && sclass && *bclass && strcmp(bclass, sclass) == 0)
            bonus = best_score * 0.2;
        int take = (sx->flags & XN_CAND) && sx->score + bonus >= thr;
        if (!take && (strcmp(s->name, "p") == 0 || extract__is_heading(s->name) == 0)) {
            double ld = link_density(sx);
            int isp = strcmp(s->name, "p") == 0 || !(sx->flags & XN_HASBLOCK);
            if (isp && sx->tlen > 80 && ld < 0.25)
                take = 1;
            else if (!isp && sx->tlen > 200 && ld < 0.15)
                take = 1; /* a container of prose: the story split into sibling blocks */
            else if (isp && sx->tlen > 0 && sx->tlen <= 80 && sx->llen == 0 && has_sentence_end(st, s))
                take = 1;
        }
        if (take)
            roots[n++] = s;
    }
    return n;
}
