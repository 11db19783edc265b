/* Internals shared by the extract*.c files (metadata, scoring, text). Not a public contract. */
#ifndef CW_EXTRACT_INTERNAL_H
#define CW_EXTRACT_INTERNAL_H

#include <libxml/HTMLparser.h>
#include <stddef.h>

#include "common/cw_strv.h"
#include "parsers/extract.h"

/* Bounds against hostile pages: everything the extractor does is linear in the capped input. */
#define EXTRACT_MAX_HTML (8u << 20)     /* bytes parsed; the rest of a larger page is ignored */
#define EXTRACT_MAX_DEPTH 256           /* our tree walks stop here (libxml2's own cap w/o HUGE) */
#define EXTRACT_MAX_NODES 200000        /* elements given stats; later ones count as absent */
#define EXTRACT_MAX_TAGS 400000         /* '<' passed to the parser: bounds the tree's memory */
#define EXTRACT_MAX_TEXT (1u << 20)     /* bytes of extracted text */
#define EXTRACT_MAX_BLOCK (64u << 10)   /* bytes per paragraph before it is split */
#define EXTRACT_MAX_PARAS 5000
#define EXTRACT_MIN_CHARS 80            /* less main text than this is "no main content" */

/* Per-element statistics, reached through xmlNode._private (index + 1). */
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
    xmlDocPtr doc;
    xmlNodePtr body;
    struct xnode *nodes;
    size_t n, cap;
    size_t *paras;       /* indices of paragraph-like elements, for scoring */
    xmlNodePtr *elems;   /* index -> element */
    size_t nparas;
    int strict;          /* skip elements with negative class/id hints */
    int body_ptext;
};

/* extract.c: helpers shared by the other files. */
/* Borrowed value of attribute name on n (first text child), or NULL. */
const char *extract__attr(xmlNodePtr n, const char *name);
struct xnode *extract__stat(const struct xstate *st, xmlNodePtr n);
/* Class/id hints: bit 1 positive, bit 2 weak negative, bit 4 strong negative. */
#define XH_POS 1
#define XH_NEG 2
#define XH_STRONG 4
int extract__hints(xmlNodePtr n);
int extract__is_block(const char *tag);
/* 1-6 for h1-h6, else 0. */
int extract__is_heading(const char *tag);
/* Appends text with whitespace collapsed; *space carries a pending separator between calls. */
size_t extract__count_chars(const char *s, int *space, int *commas);

/* extract_meta.c: fills url, canonical_url, title, authors, published, lang, image. *ld_body gets
 * the JSON-LD articleBody (owned) when present. Returns 0 or -1 on allocation failure. */
int extract__meta(xmlDocPtr doc, const char *base, struct article *a, char **ld_body);

/* extract_score.c: computes stats and picks the content roots (top candidate plus merged
 * siblings), in document order. Returns the count (0 when the page has no body), -1 on ENOMEM. */
int extract__stats(struct xstate *st);
int extract__select(struct xstate *st, xmlNodePtr *roots, int maxroots);

/* extract_text.c: walks the roots and appends the kept paragraphs to *out. title (may be NULL)
 * drops a heading that repeats it. 0 or -1 on ENOMEM. */
int extract__emit(struct xstate *st, xmlNodePtr *roots, int nroots, const char *title,
                  const struct cw_strv *authors, struct cw_strv *out);
/* Splits plain text (JSON-LD articleBody) into paragraphs. 0 or -1. */
int extract__split_text(const char *text, struct cw_strv *out);
/* 1 when a paragraph is boilerplate ("Sign In", view counters, paywall notices...). */
int extract__boilerplate(const char *text, size_t chars, size_t linkchars, const struct cw_strv *authors);

#endif
