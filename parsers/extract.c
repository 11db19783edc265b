/* Article extraction: parse the page with libxml2's HTML parser into a compact tree (extract_tree.c),
 * take metadata first (extract_meta.c), score the tree for the main content (extract_score.c), then
 * walk the chosen subtrees into clean paragraphs (extract_text.c). */
#include "parsers/extract.h"

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/cw_buf.h"
#include "common/cw_log.h"
#include "parsers/extract_internal.h"

struct xnode *extract__stat(const struct xstate *st, const struct enode *n)
{
    uint32_t i = n->priv;
    if (i == 0 || i > st->n)
        return NULL;
    return &st->nodes[i - 1];
}

/* Tag names the rules look at, sorted for bsearch, with their TF_* flags. */
struct tagflag {
    const char *name;
    unsigned flags;
};
#define B TF_BLOCK
#define R TF_REMOVED
static const struct tagflag tag_table[] = {
    {"a", TF_A}, {"address", B}, {"article", B | TF_CONTAINER}, {"aside", B | TF_FURNITURE | TF_LISTLIKE},
    {"audio", R}, {"base", TK_BASE}, {"blockquote", B}, {"body", B | TF_NEVERSKIP}, {"br", TF_BREAK},
    {"button", R}, {"canvas", R}, {"center", B}, {"dd", B}, {"details", B}, {"dialog", B | R},
    {"div", B | TF_CONTAINER | TF_LISTLIKE}, {"dl", B}, {"dt", B}, {"embed", R}, {"fieldset", B},
    {"figcaption", B | TF_FIGCAPTION}, {"figure", B}, {"footer", B | TF_FURNITURE}, {"form", B}, {"h1", B},
    {"h2", B}, {"h3", B}, {"h4", B}, {"h5", B}, {"h6", B}, {"head", R}, {"header", B}, {"hr", B | TF_BREAK},
    {"html", B | TF_NEVERSKIP}, {"iframe", R}, {"input", R}, {"label", R}, {"li", B}, {"link", TK_LINK},
    {"main", B | TF_NEVERSKIP}, {"map", R}, {"math", R}, {"menu", B | TF_FURNITURE}, {"meta", TK_META},
    {"nav", B | TF_FURNITURE}, {"noscript", R}, {"object", R}, {"ol", B | TF_LISTLIKE}, {"option", R},
    {"p", B | TF_P | TF_PARALIKE}, {"pre", B | TF_PRE | TF_PARALIKE}, {"script", R | TK_SCRIPT},
    {"section", B | TF_CONTAINER | TF_LISTLIKE}, {"select", R}, {"style", R | TK_STYLE}, {"summary", B},
    {"svg", R}, {"table", B}, {"tbody", B}, {"td", B | TF_PARALIKE}, {"template", R}, {"textarea", R},
    {"tfoot", B}, {"th", B}, {"thead", B}, {"time", TK_TIME}, {"title", TK_TITLE}, {"tr", B},
    {"ul", B | TF_LISTLIKE}, {"video", R},
};
#undef B
#undef R

static int tagflag_cmp(const void *k, const void *e)
{
    return strcmp(k, ((const struct tagflag *)e)->name);
}

unsigned extract__tag_flags(const char *tag)
{
    const struct tagflag *f =
        bsearch(tag, tag_table, sizeof tag_table / sizeof tag_table[0], sizeof tag_table[0], tagflag_cmp);
    return f ? f->flags : 0;
}

int extract__is_heading(const char *tag)
{
    return tag[0] == 'h' && tag[1] >= '1' && tag[1] <= '6' && tag[2] == '\0' ? tag[1] - '0' : 0;
}

/* Hint words. Long words match anywhere in a class/id token ("related-posts" -> "related"); short
 * ones must start or end the token, so "nav" does not fire inside "unavailable". Lengths are
 * stored: hashed class names ("css-1x2y3z") miss every cache and meet every word. */
#define LETTER(c) (1u << (((unsigned)(c) - 'a') & 31))
struct hword {
    const char *w;
    size_t len;
    uint32_t mask3; /* LETTER of the first three letters */
};
#define W(s) {s, sizeof s - 1, LETTER(s[0]) | LETTER(s[1]) | LETTER(s[2])}
static const struct hword pos_words[] = {W("article"), W("content"), W("story"), W("body"), W("post"),
                                         W("entry"),   W("main"),    W("text"),  W("blog"), W("prose"),
                                         {NULL, 0, 0}};
static const struct hword strong_words[] = {
    W("comment"),  W("share"),     W("sharing"),    W("social"),         W("related"), W("promo"),
    W("cookie"),   W("subscri"),   W("paywall"),    W("newsletter"),     W("breadcrumb"), W("sponsor"),
    W("outbrain"), W("taboola"),   W("recommend"),  W("advert"),         W("signup"),  W("consent"),
    W("gdpr"),     W("popup"),     W("modal"),      W("disqus"),         W("trending"), W("popular"),
    W("skip"),     W("sronly"),    W("screenreader"), W("visuallyhidden"), W("login"), W("signin"),
    W("banner"),   W("ads"),       {NULL, 0, 0}};
static const struct hword weak_words[] = {
    W("nav"),     W("footer"),  W("sidebar"), W("menu"),   W("masthead"),   W("header"), W("widget"),
    W("toolbar"), W("tags"),    W("byline"),  W("caption"), W("credit"),    W("author"), W("meta"),
    W("aside"),   W("rail"),    W("pagination"), W("pager"), {NULL, 0, 0}};
#undef W

/* mask: the letters present in tok; a word whose first three letters are not all there cannot
 * match, which rejects most (word, token) pairs before any string compare */
static int word_match(const char *tok, size_t n, uint32_t mask, const struct hword *hw, int suffix_ok)
{
    const char *w = hw->w;
    size_t wl = hw->len;
    if (wl > n || (hw->mask3 & ~mask))
        return 0;
    if (wl >= 5)
        return memmem(tok, n, w, wl) != NULL;
    return memcmp(tok, w, wl) == 0 || (suffix_ok && memcmp(tok + n - wl, w, wl) == 0);
}

static int token_hints(const char *tok, size_t n)
{
    int h = 0;
    if (n == 2 && memcmp(tok, "ad", 2) == 0)
        return XH_STRONG;
    /* "commentary" is an article genre, not a comment thread */
    if (n >= 10 && memcmp(tok, "commentary", 10) == 0)
        return XH_POS;
    uint32_t mask = 0;
    for (size_t i = 0; i < n; i++)
        if (tok[i] >= 'a' && tok[i] <= 'z')
            mask |= LETTER(tok[i]);
    for (int i = 0; pos_words[i].w; i++)
        if (word_match(tok, n, mask, &pos_words[i], 1))
            h |= XH_POS;
    for (int i = 0; strong_words[i].w; i++)
        if (word_match(tok, n, mask, &strong_words[i], 0))
            h |= XH_STRONG;
    for (int i = 0; weak_words[i].w; i++)
        if (word_match(tok, n, mask, &weak_words[i], 1))
            h |= XH_NEG;
    return h;
}

/* token_hints through the tree's cache: class lists repeat the same few tokens ("flex", "card",
 * "css") with a different mix on each element, so the whole value rarely repeats but its tokens do */
static int cached_token_hints(struct etree *t, const char *tok, size_t n)
{
    if (t == NULL || n > sizeof t->tokcache[0].tok)
        return token_hints(tok, n);
    uint32_t k = 2166136261u;
    for (size_t i = 0; i < n; i++)
        k = (k ^ (unsigned char)tok[i]) * 16777619u;
    k ^= (uint32_t)n;
    size_t slot = k % (sizeof t->tokcache / sizeof t->tokcache[0]);
    if (t->tokcache[slot].len == n && memcmp(t->tokcache[slot].tok, tok, n) == 0)
        return t->tokcache[slot].hints;
    int h = token_hints(tok, n);
    memcpy(t->tokcache[slot].tok, tok, n);
    t->tokcache[slot].len = (uint8_t)n;
    t->tokcache[slot].hints = (uint8_t)h;
    return h;
}

static int value_hints(struct etree *t, const char *v)
{
    int h = 0;
    char tok[64];
    size_t n = 0;
    if (v == NULL)
        return 0;
    /* Tokens split at anything not alphanumeric, lowercased; "sr-only" joins as one token too so
     * the common accessibility classes are seen whole. */
    for (const char *p = v;; p++) {
        unsigned char c = (unsigned char)*p;
        if (isalnum(c)) {
            if (n < sizeof tok)
                tok[n++] = (char)tolower(c);
            continue;
        }
        if (n > 0 && n < sizeof tok)
            h |= cached_token_hints(t, tok, n);
        n = 0;
        if (c == '\0')
            break;
    }
    /* whole words with separators removed: "sr-only" -> "sronly", "visually-hidden" */
    n = 0;
    for (const char *p = v;; p++) {
        unsigned char c = (unsigned char)*p;
        if (c == '\0' || isspace(c)) {
            if (n > 0 && n < sizeof tok)
                h |= cached_token_hints(t, tok, n) & XH_STRONG;
            n = 0;
            if (c == '\0')
                break;
        } else if (isalnum(c) && n < sizeof tok) {
            tok[n++] = (char)tolower(c);
        }
    }
    return h;
}

int extract__value_hints(const char *v)
{
    return value_hints(NULL, v);
}

int extract__hints(struct etree *t, struct enode *n)
{
    if (n->af & AF_HINTS)
        return n->hints;
    int h = 0;
    if (n->af & AF_ARTICLEBODY) {
        h = XH_POS; /* schema.org microdata: the publisher marked the body itself */
    } else if (n->hsrc) {
        /* pages repeat a few class names on hundreds of elements (menu items, cards): remember
         * the hints of recent values, keyed by a hash of the string */
        uint32_t k = 2166136261u;
        for (const unsigned char *p = (const unsigned char *)n->hsrc; *p; p++)
            k = (k ^ *p) * 16777619u;
        size_t slot = k % (sizeof t->hintcache / sizeof t->hintcache[0]);
        if (t->hintcache[slot].src && strcmp(t->hintcache[slot].src, n->hsrc) == 0) {
            h = t->hintcache[slot].hints;
        } else {
            h = value_hints(t, n->hsrc);
            t->hintcache[slot].src = n->hsrc; /* arena string: lives as long as the tree */
            t->hintcache[slot].hints = (uint8_t)h;
        }
    }
    n->hints = (uint8_t)h;
    n->af |= AF_HINTS;
    return h;
}

size_t extract__count_chars(const char *s, int *space, int *commas)
{
    size_t c = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r' || *p == '\f' ||
            (p[0] == 0xC2 && p[1] == 0xA0)) {
            if (*p == 0xC2)
                p++;
            *space = 1;
            continue;
        }
        if ((*p & 0xC0) == 0x80)
            continue; /* continuation byte: count code points, not bytes */
        if (*space && c > 0)
            c++;
        *space = 0;
        c++;
        if (*p == ',' || (p[0] == 0xEF && p[1] == 0xBC && p[2] == 0x8C) ||
            (p[0] == 0xE3 && p[1] == 0x80 && p[2] == 0x81))
            (*commas)++;
    }
    return c;
}

/* The charset parameter of an HTTP Content-Type, copied into out; NULL when absent. */
static const char *content_type_charset(const char *ct, char *out, size_t outlen)
{
    if (ct == NULL)
        return NULL;
    const char *p = strcasestr(ct, "charset=");
    if (p == NULL)
        return NULL;
    p += 8;
    if (*p == '"' || *p == '\'')
        p++;
    size_t n = 0;
    while (p[n] && (isalnum((unsigned char)p[n]) || p[n] == '-' || p[n] == '_' || p[n] == '.' ||
                    p[n] == ':') && n + 1 < outlen) {
        out[n] = p[n];
        n++;
    }
    out[n] = '\0';
    if (n == 0)
        return NULL;
    /* libxml2 does not know every alias; fall back to its own detection when it cannot help */
    xmlCharEncodingHandlerPtr h = xmlFindCharEncodingHandler(out);
    if (h == NULL)
        return NULL;
    xmlCharEncCloseFunc(h);
    return out;
}

/* 1 when the n bytes at s equal the lowercase w in ASCII case-insensitive comparison. Inline:
 * the pre-pass asks this of nearly every tag and attribute name, most of which differ in the
 * first byte, and a library call per question was a few percent of the whole extraction. */
static int ascii_eq_lower(const char *s, const char *w, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c >= 'A' && c <= 'Z')
            c = (char)(c + 32);
        if (c != w[i])
            return 0;
    }
    return 1;
}

/* Case-insensitive "does s (n bytes left) start with the tag name w, followed by a delimiter". */
static int tag_at(const char *s, size_t n, const char *w)
{
    size_t i = 0;
    for (; w[i]; i++) {
        char c = i < n ? s[i] : '\0';
        if (c >= 'A' && c <= 'Z')
            c = (char)(c + 32);
        if (c != w[i])
            return 0;
    }
    if (n <= i)
        return 0;
    char c = s[i];
    return c == '>' || c == '/' || isspace((unsigned char)c);
}

static const char *find_ci(const char *s, const char *end, const char *w)
{
    size_t wl = strlen(w);
    for (const char *p = s; p && p + wl <= end; p++) {
        p = memchr(p, w[0], (size_t)(end - p));
        if (p == NULL || p + wl > end)
            return NULL;
        if (strncasecmp(p, w, wl) == 0)
            return p;
    }
    return NULL;
}

/* Attributes some rule reads (class/id/role hints, hidden markers, metadata, libxml2's own charset
 * detection); href only matters on <link> and <base>. */
#define KA(s) {s, sizeof s - 1}
static const struct {
    const char *name;
    size_t len;
} kept_atts[] = {KA("class"), KA("id"), KA("role"), KA("itemprop"), KA("hidden"), KA("aria-hidden"), KA("style"),
                 KA("lang"), KA("xml:lang"), KA("rel"), KA("type"), KA("datetime"), KA("content"), KA("pubdate"),
                 KA("property"), KA("name"), KA("http-equiv"), KA("charset")};
#undef KA

/* 1 when the attribute name [an, an+anl) is in kept_atts. Most attributes on real pages are not
 * (data-*, srcset, aria-label, href on links); comparing length and first letter before the
 * case-insensitive compare rejects them without a library call per list entry. */
static int kept_att(const char *an, size_t anl)
{
    unsigned c = (unsigned char)an[0] | 0x20;
    if (anl < 2 || anl > 11)
        return 0;
    for (size_t i = 0; i < sizeof kept_atts / sizeof kept_atts[0]; i++)
        if (kept_atts[i].len == anl && (unsigned char)kept_atts[i].name[0] == c &&
            ascii_eq_lower(an, kept_atts[i].name, anl))
            return 1;
    return 0;
}

static int is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

static int name_char(char c)
{
    return isalnum((unsigned char)c) || c == '_' || c == ':' || c == '.' || c == '-';
}

/* Copies the start tag at p (p[0] == '<', p[1] a letter) to out with only the attributes in
 * kept_atts: on pages of long class lists, srcset, data-* and link URLs, libxml2 reads attribute
 * values one character at a time and they were most of its parse time. The tag is read with
 * the rules libxml2 uses (quoted values may hold '>', unquoted ones end at a blank or '>'); at
 * anything else (a bogus attribute name, a stray quote, no '>') it returns 0 and the caller
 * copies the tag unchanged. Returns the bytes consumed, *olen the bytes written. */
/* Remembers a class value of the page for extract_tree.c; its index, or -1 (table full, ENOMEM). */
static long side_class(struct etree *t, const char *v, size_t n)
{
    if (t->nclasses == t->capclasses) {
        size_t cap = t->capclasses ? t->capclasses * 2 : 1024;
        if (cap > EXTRACT_MAX_CLASSES)
            cap = EXTRACT_MAX_CLASSES;
        if (cap <= t->nclasses)
            return -1;
        void *nc = realloc(t->classes, cap * sizeof *t->classes);
        if (nc == NULL)
            return -1;
        t->classes = nc;
        t->capclasses = cap;
    }
    t->classes[t->nclasses].p = v;
    t->classes[t->nclasses].len = (uint32_t)n;
    return (long)t->nclasses++;
}

/* 1 when [v, e) is printable ASCII without '&': libxml2 passes such a value on byte for byte in
 * any ASCII-compatible charset. */
static int plain_ascii(const char *v, const char *e)
{
    for (; v < e; v++)
        if ((unsigned char)*v < 0x20 || (unsigned char)*v >= 0x7f || *v == '&')
            return 0;
    return 1;
}

static size_t filter_tag(struct etree *t, const char *p, const char *end, char *out, size_t *olen)
{
    const char *q = p + 1;
    while (q < end && (isalnum((unsigned char)*q) || *q == '-'))
        q++;
    if (q >= end || !is_blank(*q))
        return 0; /* no attributes: nothing to filter */
    size_t tl = (size_t)(q - p - 1);
    int href_ok = tl == 4 && (ascii_eq_lower(p + 1, "link", 4) || ascii_eq_lower(p + 1, "base", 4));
    size_t o = (size_t)(q - p);
    int bare = 0; /* the last attribute written is an unquoted stand-in */
    memcpy(out, p, o);
    for (;;) {
        while (q < end && is_blank(*q))
            q++;
        if (q >= end)
            return 0;
        if (*q == '>' || (*q == '/' && q + 1 < end && q[1] == '>')) {
            size_t k = *q == '>' ? 1 : 2;
            if (bare && k == 2)
                out[o++] = ' '; /* an unquoted stand-in would take the '/' into its value */
            memcpy(out + o, q, k);
            *olen = o + k;
            return (size_t)(q + k - p);
        }
        const char *an = q, *vs = NULL, *ve = NULL;
        if (!(isalpha((unsigned char)*q) || *q == '_' || *q == ':' || *q == '.'))
            return 0;
        while (q < end && name_char(*q))
            q++;
        size_t anl = (size_t)(q - an);
        const char *after = q;
        while (q < end && is_blank(*q))
            q++;
        if (q >= end || *q != '=') {
            q = after; /* a name without a value: "hidden" */
        } else {
            q++;
            while (q < end && is_blank(*q))
                q++;
            if (q >= end)
                return 0;
            if (*q == '"' || *q == '\'') {
                const char *cq = memchr(q + 1, *q, (size_t)(end - q - 1));
                if (cq == NULL)
                    return 0;
                vs = q + 1;
                ve = cq;
                q = cq + 1;
            } else {
                vs = q;
                while (q < end && !is_blank(*q) && *q != '>')
                    q++;
                ve = q;
            }
        }
        if (q >= end || !(is_blank(*q) || *q == '>' || *q == '/'))
            return 0; /* "a=b"c or a name running into a quote: leave it to libxml2 */
        int keep = href_ok && anl == 4 && ascii_eq_lower(an, "href", 4);
        if (!keep)
            keep = kept_att(an, anl);
        long ci = -1;
        if (keep && t && vs && ve - vs > 8 && anl == 5 && ascii_eq_lower(an, "class", 5) && plain_ascii(vs, ve))
            ci = side_class(t, vs, (size_t)(ve - vs));
        if (ci >= 0) {
            /* libxml2 spends a function call per character of an attribute name and value; a
             * class list ("card__meta flex items-center gap-2") reaches the tree through the
             * side table instead, and libxml2 reads a stand-in as short as it can be: attribute
             * "c", unquoted, the mark and the index in base 64 (at most four digits: 9+
             * characters of value became at most 5, so the copy never outgrows the input) */
            char digits[8];
            size_t nd = 0;
            do {
                digits[nd++] = extract__b64_digit[ci % 64];
                ci /= 64;
            } while (ci > 0 && nd < sizeof digits);
            memcpy(out + o, " c=", 3);
            o += 3;
            out[o++] = EXTRACT_CLASS_MARK;
            while (nd > 0)
                out[o++] = digits[--nd];
            bare = 1;
        } else if (keep) {
            out[o++] = ' ';
            memcpy(out + o, an, (size_t)(q - an));
            o += (size_t)(q - an);
            bare = 0;
        }
    }
}

/* Copies the page without what no rule reads: the bodies of <script> and <style> elements
 * (JSON-LD scripts kept), inline <svg> elements, and attributes other than those in kept_atts
 * (filter_tag; with t, long class lists go to t's side table). libxml2 scans raw text byte by
 * byte, formats an error message for every SVG element (unknown HTML tags) even when errors are
 * off, and reads attribute values a character at a time; on real pages scripts, styles, icon
 * sprites and attributes are most of the bytes. Comments are copied as they are, so a "<script"
 * inside one cannot start a cut. Stops after EXTRACT_MAX_TAGS tags. One linear pass; the result
 * is never longer than the input. Returns an owned buffer and its length, or NULL. */
static char *strip_raw_text(struct etree *t, const char *html, size_t len, size_t *outlen)
{
    char *out = malloc(len + 1);
    if (out == NULL)
        return NULL;
    const char *p = html, *end = html + len;
    size_t o = 0, tags = 0;
    while (p < end) {
        const char *lt = memchr(p, '<', (size_t)(end - p));
        if (lt == NULL)
            lt = end;
        memcpy(out + o, p, (size_t)(lt - p));
        o += (size_t)(lt - p);
        p = lt;
        /* a page of millions of tiny tags would build a tree of hundreds of MB: cut it where the
         * tag budget ends (recover mode closes what is open) */
        if (p >= end || ++tags > EXTRACT_MAX_TAGS)
            break;
        size_t left = (size_t)(end - p);
        if (left >= 4 && memcmp(p, "<!--", 4) == 0) {
            const char *ce = find_ci(p + 4, end, "-->");
            const char *stop = ce ? ce + 3 : end;
            memcpy(out + o, p, (size_t)(stop - p));
            o += (size_t)(stop - p);
            p = stop;
            continue;
        }
        /* only <s...> tags matter below: one byte rejects the rest */
        int svg = 0;
        const char *name = NULL;
        if (left > 4 && (p[1] | 0x20) == 's')
            name = tag_at(p + 1, left - 1, "script")  ? "</script"
                   : tag_at(p + 1, left - 1, "style") ? "</style"
                   : (svg = tag_at(p + 1, left - 1, "svg")) ? "</svg"
                                                             : NULL;
        const char *gt = name ? memchr(p, '>', left) : NULL;
        if (gt == NULL) {
            size_t olen = 0, used = name == NULL && left > 2 && isalpha((unsigned char)p[1]) ? filter_tag(t, p, end, out + o, &olen) : 0;
            if (used > 0) {
                /* <source> (responsive image and media variants) is void, holds no text and no
                 * rule reads it; libxml2 would report each as an unknown tag: it goes whole */
                if (!tag_at(p + 1, left - 1, "source"))
                    o += olen;
                p += used;
            } else {
                out[o++] = *p++;
            }
            continue;
        }
        if (svg) {
            /* inline SVG (icons, logos) goes whole, tags included: libxml2 knows no svg elements
             * and formats an "invalid tag" message for each, errors off or not */
            const char *close = gt[-1] == '/' ? gt : find_ci(gt + 1, end, "</svg");
            const char *cgt = close ? memchr(close, '>', (size_t)(end - close)) : NULL;
            if (cgt == NULL) {
                out[o++] = *p++; /* unterminated: keep the rest */
                continue;
            }
            p = cgt + 1;
            continue;
        }
        const char *close = find_ci(gt + 1, end, name);
        size_t taglen = (size_t)(gt + 1 - p);
        memcpy(out + o, p, taglen);
        o += taglen;
        int keep = find_ci(p, gt, "ld+json") != NULL;
        if (close == NULL || keep) {
            p = gt + 1; /* keep the body: unterminated, or JSON-LD */
            continue;
        }
        p = close;
    }
    out[o] = '\0';
    *outlen = o;
    return out;
}

static struct enode *find_body(struct etree *t)
{
    struct enode *root = extract__first_element(&t->doc);
    if (root == NULL)
        return NULL;
    for (struct enode *c = root->children; c; c = c->next)
        if (c->name && strcmp(c->name, "body") == 0)
            return c;
    return root;
}

static int total_chars(const struct cw_strv *p)
{
    size_t n = 0;
    for (size_t i = 0; i < p->n; i++)
        n += strlen(p->v[i]);
    return n > INT32_MAX ? INT32_MAX : (int)n;
}

static void xstate_free(struct xstate *st)
{
    free(st->nodes);
    free(st->paras);
    free(st->elems);
    memset(st, 0, sizeof *st);
}

/* One scoring + emission pass; strict = skip elements whose class/id says boilerplate. */
static int run_pass(struct etree *t, struct enode *body, int strict, const struct article *a,
                    struct cw_strv *paras)
{
    struct xstate st = {.tree = t, .body = body, .strict = strict};
    struct enode *roots[64];
    int rc = -1;
    if (extract__stats(&st) != 0)
        goto done;
    int nroots = extract__select(&st, roots, (int)(sizeof roots / sizeof roots[0]));
    if (nroots < 0)
        goto done;
    if (extract__emit(&st, roots, nroots, a->title, &a->authors, paras) != 0)
        goto done;
    rc = 0;
done:
    xstate_free(&st);
    return rc;
}

static int join_text(struct article *a)
{
    struct cw_buf b;
    cw_buf_init(&b, EXTRACT_MAX_TEXT + 16);
    for (size_t i = 0; i < a->paragraphs.n; i++) {
        if ((i > 0 && cw_buf_puts(&b, "\n\n") != 0) || cw_buf_puts(&b, a->paragraphs.v[i]) != 0) {
            cw_buf_free(&b);
            return -1;
        }
    }
    a->text = cw_buf_steal(&b);
    cw_buf_free(&b);
    return a->text ? 0 : -1;
}

int extract_article(const char *html, size_t len, const struct extract_opts *opts, struct article **out,
                    char *errstr, size_t errlen)
{
    struct article *a = NULL;
    struct etree *doc = NULL;
    char *ld_body = NULL;
    char *stripped = NULL;
    char csbuf[64];
    struct cw_strv strict = {0}, loose = {0};
    *out = NULL;
    if (html == NULL) {
        snprintf(errstr, errlen, "no input");
        return -1;
    }
    if (len > EXTRACT_MAX_HTML)
        len = EXTRACT_MAX_HTML; /* recover mode closes whatever the cut leaves open */
    a = calloc(1, sizeof *a);
    if (a == NULL)
        goto nomem;
    const char *url = opts ? opts->url : NULL;
    const char *enc = content_type_charset(opts ? opts->content_type : NULL, csbuf, sizeof csbuf);
    size_t slen = 0;
    if ((doc = extract__tree_create()) == NULL)
        goto nomem;
    stripped = strip_raw_text(doc, html, len, &slen);
    if (stripped == NULL || extract__tree_parse(doc, stripped, slen, enc) != 0)
        goto nomem;
    if (extract__first_element(&doc->doc) == NULL) {
        snprintf(errstr, errlen, "not an HTML document");
        goto fail;
    }
    if (url && (a->url = strdup(url)) == NULL)
        goto nomem;
    if (extract__meta(doc, url, a, &ld_body) != 0)
        goto nomem;
    struct enode *body = find_body(doc);
    /* Readability's retry: class/id hints first; when that leaves little text (a site that calls
     * its article wrapper "has-comments"), score again without them and keep the longer. */
    if (run_pass(doc, body, 1, a, &strict) != 0)
        goto nomem;
    struct cw_strv *best = &strict;
    if (total_chars(&strict) < 500) {
        if (run_pass(doc, body, 0, a, &loose) != 0)
            goto nomem;
        if (total_chars(&loose) > 2 * total_chars(&strict) + 200)
            best = &loose;
    }
    /* JSON-LD articleBody is the publisher's own plain text; prefer it when the DOM gave much less
     * (script-rendered pages, teaser HTML with the full text in metadata). */
    if (ld_body && (int)strlen(ld_body) > 2 * total_chars(best) + 200) {
        cw_strv_free(&a->paragraphs);
        if (extract__split_text(ld_body, &a->paragraphs) != 0)
            goto nomem;
    } else {
        a->paragraphs = *best;
        memset(best, 0, sizeof *best);
    }
    if (total_chars(&a->paragraphs) < EXTRACT_MIN_CHARS) {
        snprintf(errstr, errlen, "no main content found (%d characters of text)",
                 total_chars(&a->paragraphs));
        goto fail;
    }
    if (join_text(a) != 0)
        goto nomem;
    cw_strv_free(&strict);
    cw_strv_free(&loose);
    free(ld_body);
    free(stripped);
    extract__tree_destroy(doc);
    *out = a;
    return 0;
nomem:
    snprintf(errstr, errlen, "out of memory");
fail:
    cw_strv_free(&strict);
    cw_strv_free(&loose);
    free(ld_body);
    free(stripped);
    extract__tree_destroy(doc);
    article_destroy(a);
    return -1;
}

/* A JSON string of s; bytes that are not valid UTF-8 (libxml2 should never leave any, but this
 * is the last line before the event) become U+FFFD instead of losing the whole field. */
static json_t *json_str(const char *s)
{
    json_t *j = json_string(s);
    if (j)
        return j;
    size_t n = strlen(s);
    char *c = malloc(n * 3 + 1);
    if (c == NULL)
        return NULL;
    size_t o = 0;
    const unsigned char *p = (const unsigned char *)s;
    for (size_t i = 0; i < n;) {
        size_t len = p[i] < 0x80 ? 1 : (p[i] >> 5) == 6 ? 2 : (p[i] >> 4) == 14 ? 3 : (p[i] >> 3) == 30 ? 4 : 0;
        int ok = len > 0 && i + len <= n;
        for (size_t k = 1; ok && k < len; k++)
            ok = (p[i + k] & 0xC0) == 0x80;
        if (ok && len > 1) {
            json_t *probe = json_stringn((const char *)p + i, len); /* overlongs, surrogates */
            ok = probe != NULL;
            json_decref(probe);
        }
        if (ok) {
            memcpy(c + o, p + i, len);
            o += len;
            i += len;
        } else {
            memcpy(c + o, "\xef\xbf\xbd", 3);
            o += 3;
            i++;
        }
    }
    c[o] = '\0';
    j = json_string(c);
    free(c);
    return j;
}

static int set_str(json_t *o, const char *k, const char *v)
{
    if (v == NULL || *v == '\0')
        return 0;
    return json_object_set_new(o, k, json_str(v));
}

static json_t *strv_json(const struct cw_strv *sv)
{
    json_t *arr = json_array();
    for (size_t i = 0; arr && i < sv->n; i++)
        json_array_append_new(arr, json_str(sv->v[i]));
    return arr;
}

json_t *article_to_json(const struct article *a)
{
    json_t *o = json_object();
    if (o == NULL || a == NULL)
        return o;
    set_str(o, "url", a->url);
    set_str(o, "canonical_url", a->canonical_url);
    set_str(o, "title", a->title);
    if (a->authors.n > 0)
        json_object_set_new(o, "authors", strv_json(&a->authors));
    set_str(o, "published", a->published);
    set_str(o, "lang", a->lang);
    set_str(o, "image", a->image);
    set_str(o, "text", a->text);
    if (a->paragraphs.n > 0)
        json_object_set_new(o, "paragraphs", strv_json(&a->paragraphs));
    return o;
}

void article_destroy(struct article *a)
{
    if (a == NULL)
        return;
    free(a->url);
    free(a->canonical_url);
    free(a->title);
    cw_strv_free(&a->authors);
    free(a->published);
    free(a->lang);
    free(a->image);
    free(a->text);
    cw_strv_free(&a->paragraphs);
    free(a);
}
