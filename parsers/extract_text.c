/* From the chosen subtrees to clean paragraphs: block elements (p, h1-h6, li, blockquote, div,
 * td...) and <br> end a paragraph, inline text joins with whitespace collapsed; each paragraph
 * then passes the boilerplate rules (link-heavy, "Sign In", view counters, lone captions, paywall
 * and cookie notices, bylines, bare dates). */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "common/cw_buf.h"
#include "parsers/date.h"
#include "parsers/extract_internal.h"

struct block {
    char *text;
    size_t chars, linkchars;
    int heading;
};

struct emitter {
    struct xstate *st;
    struct cw_buf cur;
    size_t chars, linkchars;
    int heading;
    int space;
    int in_link;
    int in_pre;     /* inside <pre>: a blank line ends a paragraph */
    int newlines;   /* consecutive newlines seen (in <pre>) */
    struct block *blocks;
    size_t nblocks, cap;
    size_t total;
    int full;
    int oom;
};

static void flush(struct emitter *em)
{
    if (em->cur.len == 0 || em->oom) {
        cw_buf_reset(&em->cur);
        em->chars = em->linkchars = 0;
        em->space = 0;
        return;
    }
    if (em->nblocks >= EXTRACT_MAX_PARAS || em->total + em->cur.len > EXTRACT_MAX_TEXT) {
        em->full = 1;
    } else {
        if (em->nblocks == em->cap) {
            size_t cap = em->cap ? em->cap * 2 : 32;
            struct block *nb = realloc(em->blocks, cap * sizeof *nb);
            if (nb == NULL) {
                em->oom = 1;
                return;
            }
            em->blocks = nb;
            em->cap = cap;
        }
        size_t len = em->cur.len;
        char *t = cw_buf_steal(&em->cur);
        if (t == NULL) {
            em->oom = 1;
            return;
        }
        em->blocks[em->nblocks++] = (struct block){t, em->chars, em->linkchars, em->heading};
        em->total += len;
    }
    cw_buf_reset(&em->cur);
    em->chars = em->linkchars = 0;
    em->space = 0;
}

static void put_text(struct emitter *em, const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p && !em->full && !em->oom; p++) {
        if (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r' || *p == '\f' ||
            (p[0] == 0xC2 && p[1] == 0xA0)) {
            if (*p == 0xC2)
                p++;
            if (em->in_pre && *p == '\n' && ++em->newlines >= 2)
                flush(em);
            em->space = 1;
            continue;
        }
        em->newlines = 0;
        /* a giant text run becomes several paragraphs, split between characters (the 8 bytes
         * of headroom hold a space and any UTF-8 sequence, so the appends below cannot fail) */
        if (em->cur.len + 8 >= EXTRACT_MAX_BLOCK && (*p & 0xC0) != 0x80)
            flush(em);
        if (em->space && em->cur.len > 0) {
            if (cw_buf_putc(&em->cur, ' ') != 0)
                break;
            em->chars++;
            if (em->in_link)
                em->linkchars++;
        }
        em->space = 0;
        if (cw_buf_putc(&em->cur, (char)*p) != 0) {
            flush(em);
            if (cw_buf_putc(&em->cur, (char)*p) != 0)
                break;
        }
        if ((*p & 0xC0) != 0x80) {
            em->chars++;
            if (em->in_link)
                em->linkchars++;
        }
    }
}

static void emit(struct emitter *em, const struct enode *n, int depth)
{
    for (struct enode *c = n->children; c && !em->full && !em->oom; c = c->next) {
        if (c->name == NULL) {
            put_text(em, extract__text(em->st->tree, c));
            continue;
        }
        if (c->tf & TF_BREAK) {
            flush(em);
            continue;
        }
        struct xnode *x = extract__stat(em->st, c);
        if (x == NULL || (x->flags & XN_SKIP) || depth >= EXTRACT_MAX_DEPTH)
            continue;
        if (c->tf & TF_FIGCAPTION)
            continue; /* captions and photo credits are not the story's text */
        int block = c->tf & TF_BLOCK;
        if (block) {
            flush(em);
            em->heading = c->heading;
        }
        int link = !!(c->tf & TF_A), pre = !!(c->tf & TF_PRE);
        em->in_link += link;
        em->in_pre += pre;
        emit(em, c, depth + 1);
        em->in_link -= link;
        em->in_pre -= pre;
        if (block) {
            flush(em);
            em->heading = 0;
        }
    }
}

/* ---- boilerplate rules ---- */

static const char *const exact_phrases[] = {
    "skip to content", "skip to main content", "skip to navigation", "jump to content", "sign in",
    "sign up", "log in", "login", "log out", "register", "subscribe", "subscribe now", "image", "images",
    "photo", "photos", "photograph", "picture", "video", "gallery", "advertisement", "advertising", "ad",
    "sponsored", "sponsored content", "share", "share this", "share this article", "share this story",
    "share on facebook", "share on twitter", "share on x", "tweet", "email", "print", "comments",
    "comment", "leave a comment", "read more", "continue reading", "related", "related articles",
    "related stories", "more stories", "more from", "menu", "close", "search", "loading", "listen",
    "listen to this article", "follow us", "newsletter", "back to top", "top", "home", "next",
    "previous", "copy link", "copied", "save", "toggle navigation", "open menu", "expand", "show more",
    "most read", "most popular", "trending", "you may also like", "recommended", "watch", "play",
    NULL};
/* Notices that give themselves away in any paragraph shorter than ~300 characters. */
static const char *const notice_phrases[] = {
    "paying subscribers", "paid subscribers", "subscribers only", "for subscribers", "subscribe to read",
    "subscribe to continue", "already a subscriber", "already have an account", "create a free account",
    "to continue reading", "we use cookies", "uses cookies", "use of cookies", "accept cookies",
    "cookie policy", "cookie settings", "manage cookies", "enable javascript", "javascript is disabled",
    "your browser does not support", "all rights reserved", "sign up for our", "subscribe to our",
    "get our newsletter", "sign in to", "log in to", "register to", "unlock this article",
    "this content is for members", "become a member", "support our journalism", NULL};

static void lower_copy(const char *s, char *out, size_t outlen)
{
    size_t i = 0;
    for (; s[i] && i + 1 < outlen; i++)
        out[i] = (char)tolower((unsigned char)s[i]);
    out[i] = '\0';
}

static int is_counter(const char *l)
{
    /* "1,234 views", "12K reads", "5 comments", "3 min read", "Image 2 of 7" */
    const char *p = l;
    if (strncmp(p, "image ", 6) == 0 || strncmp(p, "photo ", 6) == 0)
        p += 6;
    if (!isdigit((unsigned char)*p))
        return 0;
    while (isdigit((unsigned char)*p) || *p == ',' || *p == '.')
        p++;
    if (*p == 'k' || *p == 'm')
        p++;
    while (*p == ' ')
        p++;
    static const char *const units[] = {"view", "views", "read", "reads", "comment", "comments", "share",
                                        "shares", "like", "likes", "min read", "mins read", "minute read",
                                        "minutes read", "min", "of ", NULL};
    for (int i = 0; units[i]; i++) {
        size_t ul = strlen(units[i]);
        if (strncmp(p, units[i], ul) == 0 && (p[ul] == '\0' || units[i][ul - 1] == ' '))
            return 1;
    }
    return 0;
}

/* "September 10 2024, 12:31 PM â¢ 838 views": a count of views/reads anywhere in a short line */
static int has_view_count(const char *l)
{
    for (const char *p = l; *p; p++) {
        if (!isdigit((unsigned char)*p) || (p > l && isalnum((unsigned char)p[-1])))
            continue;
        const char *q = p;
        while (isdigit((unsigned char)*q) || *q == ',' || *q == '.')
            q++;
        if (*q == 'k' || *q == 'm')
            q++;
        while (*q == ' ')
            q++;
        if (strncmp(q, "view", 4) == 0 || strncmp(q, "reads", 5) == 0 || strncmp(q, "listens", 7) == 0)
            return 1;
        p = q - 1;
    }
    return 0;
}

static int is_date_line(const char *text)
{
    time_t t;
    char buf[128];
    const char *p = text;
    lower_copy(text, buf, sizeof buf);
    static const char *const prefixes[] = {"published", "updated", "posted", "last updated", "first published", NULL};
    for (int i = 0; prefixes[i]; i++) {
        size_t n = strlen(prefixes[i]);
        if (strncmp(buf, prefixes[i], n) == 0) {
            /* "Published 10 September 2024", "Updated: 2024-09-10 14:00" */
            for (const char *q = buf + n; *q; q++)
                if (isdigit((unsigned char)*q))
                    return 1;
        }
    }
    /* relative stamps: "2 hours ago", "updated 35 mins ago" */
    size_t n = strlen(buf);
    if (n >= 4 && strcmp(buf + n - 4, " ago") == 0 && n < 40) {
        for (const char *q = buf; *q; q++)
            if (isdigit((unsigned char)*q))
                return 1;
    }
    return date_parse(p, &t) == 0;
}

int extract__boilerplate(const char *text, size_t chars, size_t linkchars, const struct cw_strv *authors)
{
    if (chars == 0)
        return 1;
    /* navigation and "related" lists: mostly link text */
    if (linkchars * 2 > chars)
        return 1;
    if (chars > 300)
        return 0;
    char l[320];
    lower_copy(text, l, sizeof l);
    /* trim decoration around short labels: "Share:", "» Read more", "Image |" */
    size_t n = strlen(l);
    while (n > 0 && strchr(" :|\xc2\xbb>\xe2\x80\xa6.-", l[n - 1]))
        l[--n] = '\0';
    const char *s = l;
    while (*s && strchr(" :|>", *s))
        s++;
    for (int i = 0; exact_phrases[i]; i++)
        if (strcmp(s, exact_phrases[i]) == 0)
            return 1;
    for (int i = 0; notice_phrases[i]; i++)
        if (strstr(s, notice_phrases[i]))
            return 1;
    if (is_counter(s))
        return 1;
    if (chars <= 100) {
        if (has_view_count(s))
            return 1;
        static const char *const credit[] = {"image:", "photo:", "photograph:", "picture:", "credit:", "author:",
                                             "image credit", "photo credit", "source:", "file photo", NULL};
        for (int i = 0; credit[i]; i++)
            if (strncmp(s, credit[i], strlen(credit[i])) == 0)
                return 1;
        if (strncmp(s, "\xc2\xa9", 2) == 0 || strncmp(s, "(c) ", 4) == 0) /* "© Agency" */
            return 1;
        /* a byline: "By Jane Doe", "By Jane Doe and John Roe, Reuters" */
        if ((strncmp(s, "by ", 3) == 0 || strncmp(s, "written by ", 11) == 0 || strncmp(s, "posted by ", 10) == 0) &&
            chars <= 80 && l[n > 0 ? n - 1 : 0] != '.' && strchr(text, '.') == NULL)
            return 1;
        for (size_t i = 0; authors && i < authors->n; i++)
            if (strcasecmp(text, authors->v[i]) == 0)
                return 1;
        if (is_date_line(text))
            return 1;
    }
    return 0;
}

/* The headline as a heading: equal to the title, or one a prefix of the other covering most of it
 * ("Headline" vs "Headline | Site", "Headline: the full version"). */
static int same_title(const char *h, int level, const char *title)
{
    size_t hl = strlen(h), tl = strlen(title);
    size_t n = hl < tl ? hl : tl, m = hl < tl ? tl : hl;
    if (n == 0 || strncasecmp(h, title, n) != 0)
        return 0;
    /* an <h1> sharing its start with a shorter social title is the same headline */
    return n == m || n * 10 >= m * 6 || (level == 1 && n >= 12);
}

static int ends_sentence(const char *s)
{
    size_t n = strlen(s);
    return n > 0 && strchr(".!?\"'\xe2\x80\x9d)", s[n - 1]) != NULL;
}

int extract__emit(struct xstate *st, struct enode **roots, int nroots, const char *title,
                  const struct cw_strv *authors, struct cw_strv *out)
{
    struct emitter em = {.st = st};
    int rc = -1;
    cw_buf_init(&em.cur, EXTRACT_MAX_BLOCK);
    for (int i = 0; i < nroots && !em.full && !em.oom; i++) {
        const struct enode *r = roots[i];
        /* a root is itself a block; emit() looks at children, so handle its own kind here */
        em.heading = r->heading;
        flush(&em);
        em.heading = r->heading;
        int link = !!(r->tf & TF_A), pre = !!(r->tf & TF_PRE);
        em.in_link += link;
        em.in_pre += pre;
        emit(&em, r, 0);
        em.in_link -= link;
        em.in_pre -= pre;
        flush(&em);
        em.heading = 0;
    }
    if (em.oom)
        goto done;
    /* keep[] decides per block; headings need to see what follows them */
    char *keep = calloc(em.nblocks + 1, 1);
    if (keep == NULL)
        goto done;
    for (size_t i = 0; i < em.nblocks; i++) {
        struct block *b = &em.blocks[i];
        keep[i] = !extract__boilerplate(b->text, b->chars, b->linkchars, authors);
        if (keep[i] && b->heading && title && same_title(b->text, b->heading, title))
            keep[i] = 0; /* the headline is the title field, not a paragraph */
        /* repeats of a recent paragraph: pull quotes, duplicated teaser lines */
        for (size_t k = i > 64 ? i - 64 : 0; keep[i] && k < i; k++)
            if (keep[k] && em.blocks[k].chars == b->chars && strcmp(b->text, em.blocks[k].text) == 0)
                keep[i] = 0;
    }
    /* A pull quote usually repeats a sentence of the body, before or after it: drop a short block
     * whose text stands inside a longer kept one nearby. One that repeats nothing (the only copy of
     * a quote) is article text and stays: quotes carry claims. */
    for (size_t i = 0; i < em.nblocks; i++) {
        struct block *b = &em.blocks[i];
        if (!keep[i] || b->heading || b->chars > 600 || b->chars < 20)
            continue;
        size_t lo = i > 100 ? i - 100 : 0, hi = i + 100 < em.nblocks ? i + 100 : em.nblocks;
        for (size_t k = lo; k < hi; k++)
            if (k != i && keep[k] && em.blocks[k].chars > b->chars && strstr(em.blocks[k].text, b->text)) {
                keep[i] = 0;
                break;
            }
    }
    /* a heading with no kept text after it ("Related coverage") introduces something we dropped;
     * so does a short non-sentence line at the very end ("Topics", a tag list) */
    for (size_t i = em.nblocks; i-- > 0;) {
        if (!keep[i] || !em.blocks[i].heading)
            continue;
        size_t j = i + 1;
        while (j < em.nblocks && !keep[j])
            j++;
        if (j == em.nblocks || em.blocks[j].heading)
            keep[i] = 0;
    }
    for (size_t i = em.nblocks; i-- > 0;) {
        if (!keep[i])
            continue;
        if (em.blocks[i].chars < 40 && !ends_sentence(em.blocks[i].text))
            keep[i] = 0;
        else
            break;
    }
    rc = 0;
    for (size_t i = 0; i < em.nblocks && rc == 0; i++) {
        if (keep[i]) {
            rc = cw_strv_push_take(out, em.blocks[i].text);
            em.blocks[i].text = NULL;
        }
    }
    free(keep);
done:
    for (size_t i = 0; i < em.nblocks; i++)
        free(em.blocks[i].text);
    free(em.blocks);
    cw_buf_free(&em.cur);
    return rc;
}

int extract__split_text(const char *text, struct cw_strv *out)
{
    struct emitter em = {0};
    cw_buf_init(&em.cur, EXTRACT_MAX_BLOCK);
    /* articleBody separates paragraphs with newlines (one or more) */
    const char *p = text;
    while (*p && !em.full && !em.oom) {
        const char *e = strchr(p, '\n');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        char *line = strndup(p, n);
        if (line == NULL) {
            em.oom = 1;
            break;
        }
        put_text(&em, line);
        free(line);
        flush(&em);
        p += n;
        if (*p)
            p++;
    }
    int rc = em.oom ? -1 : 0;
    for (size_t i = 0; i < em.nblocks; i++) {
        if (rc == 0 && !extract__boilerplate(em.blocks[i].text, em.blocks[i].chars, 0, NULL)) {
            rc = cw_strv_push_take(out, em.blocks[i].text);
        } else {
            free(em.blocks[i].text);
        }
        em.blocks[i].text = NULL;
    }
    free(em.blocks);
    cw_buf_free(&em.cur);
    return rc;
}
