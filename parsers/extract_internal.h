/* Internals shared by the extract*.c files (tree, metadata, scoring, text). Not a public contract. */
#ifndef CW_EXTRACT_INTERNAL_H
#define CW_EXTRACT_INTERNAL_H

#include <libxml/HTMLparser.h>
#include <stddef.h>
#include <stdint.h>

#include "common/cw_strv.h"
#include "parsers/extract.h"

/* Bounds against hostile pages: everything the extractor does is linear in the capped input. */
#define EXTRACT_MAX_HTML (8u << 20)     /* bytes parsed; the rest of a larger page is ignored */
#define EXTRACT_MAX_DEPTH 256           /* elements nested deeper stop the parse (libxml2's own tree cap) */
#define EXTRACT_MAX_NODES 200000        /* elements given stats; later ones count as absent */
#define EXTRACT_MAX_TREE 1000000        /* elements + text runs in our tree; the parse stops there */
#define EXTRACT_MAX_TAGS 400000         /* '<' passed to the parser: bounds the tree's memory */
#define EXTRACT_MAX_TEXT (1u << 20)     /* bytes of extracted text */
#define EXTRACT_MAX_BLOCK (64u << 10)   /* bytes per paragraph before it is split */
#define EXTRACT_MAX_PARAS 5000
#define EXTRACT_MIN_CHARS 80            /* less main text than this is "no main content" */
#define EXTRACT_MAX_LD 8                /* JSON-LD scripts looked at */
#define EXTRACT_MAX_CLASSES 400000      /* class values passed around libxml2 (< 10^6: see filter_tag) */
/* The pre-pass hands a class value to the tree through etree.classes and gives libxml2
 * c=MARK<index in base 64, digits of extract__b64_digit> instead (extract.c filter_tag,
 * extract_tree.c sax_start). */
#define EXTRACT_CLASS_MARK '\x7f'
extern const char extract__b64_digit[65];

/* ---- the page tree (extract_tree.c) ----
 * libxml2's HTML parser drives SAX callbacks; we keep only what extraction needs: one small node
 * per element or text run, allocated from an arena, text in one buffer. No attribute nodes, no
 * per-node mallocs, nothing to free but the arena. */

/* Tag flags, resolved once per element from its name. */
#define TF_BLOCK 0x0001     /* block-level: ends a paragraph in the text */
#define TF_REMOVED 0x0002   /* never article text (script, style, svg, form controls...) */
#define TF_FURNITURE 0x0004 /* nav, aside, footer, menu: skipped in strict mode */
#define TF_P 0x0008
#define TF_A 0x0010
#define TF_PRE 0x0020
#define TF_BREAK 0x0040     /* br, hr */
#define TF_PARALIKE 0x0080  /* p, pre, td: scored as paragraphs */
#define TF_CONTAINER 0x0100 /* div, section, article: paragraphs when they hold no blocks */
#define TF_NEVERSKIP 0x0200 /* html, body, main */
#define TF_FIGCAPTION 0x0400
#define TF_LISTLIKE 0x0800  /* div, section, aside, ul, ol: may open with a furniture heading */
#define TF_KIND 0xF000      /* what the metadata step looks at: */
#define TK_META 0x1000
#define TK_LINK 0x2000
#define TK_BASE 0x3000
#define TK_SCRIPT 0x4000
#define TK_TITLE 0x5000
#define TK_STYLE 0x6000
#define TK_TIME 0x7000

/* Attribute flags. */
#define AF_HIDDEN 0x01      /* hidden, aria-hidden=true, inline display:none / visibility:hidden */
#define AF_ARTICLEBODY 0x02 /* itemprop=articleBody */
#define AF_HINTS 0x04       /* hints computed */

struct enode {
    struct enode *parent, *children, *last, *next;
    const char *name;  /* element: lowercase tag name (parser dictionary, lives with the tree); NULL: text */
    const char *cls;   /* class attribute (arena copy) or NULL */
    const char *hsrc;  /* class, id and role joined by spaces (hint source) or NULL */
    size_t toff;       /* text: offset of its NUL-terminated bytes in etree.text */
    uint32_t tlen;     /* text: byte length */
    uint32_t priv;     /* scoring index + 1; 0 = not scored */
    uint16_t tf;       /* TF_* */
    uint8_t af;        /* AF_* */
    uint8_t hints;     /* XH_*, valid when AF_HINTS */
    uint8_t heading;   /* 1-6 for h1-h6 */
};

/* <meta> keys read by extract_meta.c (name, property or itemprop, case-insensitive). */
enum mkey {
    MK_OG_TITLE, MK_TW_TITLE, MK_OG_URL, MK_OG_IMAGE, MK_OG_IMAGE_URL, MK_TW_IMAGE, MK_OG_LOCALE,
    MK_AUTHOR, MK_ART_AUTHOR, MK_PARSELY_AUTHOR, MK_SAILTHRU_AUTHOR, MK_DC_CREATOR,
    MK_ART_PUBLISHED, MK_OG_PUBLISHED, MK_IP_PUBLISHED, MK_DATE, MK_PUBDATE, MK_PUBLISHDATE,
    MK_PUBLISH_DATE, MK_PUBLICATION_DATE, MK_DC_ISSUED, MK_DC_DATE, MK_DCTERMS_CREATED,
    MK_SAILTHRU_DATE, MK_PARSELY_DATE, MK_CONTENT_LANGUAGE, MK_COUNT
};

/* What the metadata step needs, collected during the parse in document order (first wins). */
struct emeta {
    const char *m[MK_COUNT]; /* arena copies */
    const char *lang, *canonical, *base, *time_dt;
    struct enode *title, *h1, *ip_author, *rel_author;
    struct enode *ld[EXTRACT_MAX_LD];
    int nld, h1_count;
};

struct earena; /* chunk list, private to extract_tree.c */

struct etree {
    struct enode doc;        /* document node: its children are the top-level elements */
    struct enode *cur;       /* innermost open element */
    char *text;              /* all text runs, each NUL-terminated */
    size_t text_len, text_cap;
    size_t count;            /* nodes made */
    int depth;
    int stopped;             /* the parse was cut (depth, node or text cap, ENOMEM) */
    int oom;
    int nomerge;             /* a comment split the text run */
    struct earena *arena;
    struct {
        const xmlChar *name;
        unsigned flags;
    } tagcache[64];
    struct {
        const char *src;
        uint8_t hints;
    } hintcache[256];
    struct {
        char tok[22];
        uint8_t len; /* 0: empty slot */
        uint8_t hints;
    } tokcache[512];
    htmlParserCtxtPtr ctxt;  /* owns the dictionary the tag names live in */
    struct {
        const char *p;       /* borrowed from the page being extracted */
        uint32_t len;
    } *classes;
    size_t nclasses, capclasses;
    struct emeta meta;
};

/* An empty tree (the pre-pass fills its class table); NULL on ENOMEM. */
struct etree *extract__tree_create(void);
/* Parses html (len bytes, may be 0; enc = charset name or NULL) into t. 0, or -1 on ENOMEM. */
int extract__tree_parse(struct etree *t, const char *html, size_t len, const char *enc);
void extract__tree_destroy(struct etree *t);
/* Text of a text node (NUL-terminated, borrowed). */
static inline const char *extract__text(const struct etree *t, const struct enode *n)
{
    return t->text + n->toff;
}
/* Concatenated text of n's subtree, at most max bytes (a cut may split a UTF-8 sequence). Owned,
 * NULL on ENOMEM. */
char *extract__node_text(const struct etree *t, const struct enode *n, size_t max);
struct enode *extract__first_element(const struct enode *n);
size_t extract__element_count(const struct enode *n);
/* Arena copy of s (NUL-terminated), NULL on ENOMEM. */
const char *extract__strdup(struct etree *t, const char *s);

/* Per-element statistics, reached through enode.priv (index + 1). */
struct xnode {
    int tlen;      /* characters of visible text, whitespace runs counted once */
    int llen;      /* of which inside links */
    int commas;
    int ptext;     /* characters inside <p> descendants, before class-based skipping */
    double score;  /* content score (readability-style) */
    unsigned char flags;
};
#define XN_SKIP 0x01      /* unlikely candidate (class/id hints): not text, not scored */
#define XN_CAND 0x02      /* score initialised */
#define XN_HASBLOCK 0x04  /* has block-level element descendants */

struct xstate {
    struct etree *tree;
    struct enode *body;
    struct xnode *nodes;
    size_t n, cap;
    size_t *paras;         /* indices of paragraph-like elements, for scoring */
    struct enode **elems;  /* index -> element */
    size_t nparas;
    int strict;            /* skip elements with negative class/id hints */
    int body_ptext;
};

/* extract.c: helpers shared by the other files. */
struct xnode *extract__stat(const struct xstate *st, const struct enode *n);
/* Class/id hints: bit 1 positive, bit 2 weak negative, bit 4 strong negative. */
#define XH_POS 1
#define XH_NEG 2
#define XH_STRONG 4
/* Hints of an element (computed once, cached in the node and, by value, in the tree). */
int extract__hints(struct etree *t, struct enode *n);
/* Hints of one attribute value (class, id or role; several joined by spaces). */
int extract__value_hints(const char *v);
/* TF_* flags of a lowercase tag name. */
unsigned extract__tag_flags(const char *tag);
/* 1-6 for h1-h6, else 0. */
int extract__is_heading(const char *tag);
/* Appends text with whitespace collapsed; *space carries a pending separator between calls. */
size_t extract__count_chars(const char *s, int *space, int *commas);

/* extract_meta.c: called by the parser for each <meta> (atts as libxml2 gives them). */
void extract__meta_tag(struct etree *t, const xmlChar **atts);
/* Fills url, canonical_url, title, authors, published, lang, image from what the parse collected.
 * *ld_body gets the JSON-LD articleBody (owned) when present. Returns 0 or -1 on ENOMEM. */
int extract__meta(struct etree *t, const char *base, struct article *a, char **ld_body);

/* extract_score.c: computes stats and picks the content roots (top candidate plus merged
 * siblings), in document order. Returns the count (0 when the page has no body), -1 on ENOMEM. */
int extract__stats(struct xstate *st);
int extract__select(struct xstate *st, struct enode **roots, int maxroots);

/* extract_text.c: walks the roots and appends the kept paragraphs to *out. title (may be NULL)
 * drops a heading that repeats it. 0 or -1 on ENOMEM. */
int extract__emit(struct xstate *st, struct enode **roots, int nroots, const char *title,
                  const struct cw_strv *authors, struct cw_strv *out);
/* Splits plain text (JSON-LD articleBody) into paragraphs. 0 or -1. */
int extract__split_text(const char *text, struct cw_strv *out);
/* 1 when a paragraph is boilerplate ("Sign In", view counters, paywall notices...). */
int extract__boilerplate(const char *text, size_t chars, size_t linkchars, const struct cw_strv *authors);

#endif
