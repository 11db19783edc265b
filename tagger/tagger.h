/* The tagger: which claims a document speaks to, with what stance, which sentences carry it and
 * who says so. Plain C, no network. `claimwatch tag` and the daemon call the same functions. */
#ifndef CW_TAGGER_H
#define CW_TAGGER_H

#include <jansson.h>
#include <stddef.h>

#include "common/cw_strv.h"

struct claimset;
struct tagger;

/* Loads and validates claim-set files (each a JSON array of claims or an object with a "claims"
 * array; see docs/claims.md). On failure returns -1 and appends every problem to errors as
 * "file:line:column: message" (naming the claim and field); nothing is half-loaded.
 * On success returns 0 and an owned *out. */
int claimset_load(const char *const *paths, size_t npaths, struct claimset **out, struct cw_strv *errors);
/* The same from memory; name is used in error messages. */
int claimset_load_buffer(const char *name, const char *json, size_t len, struct claimset **out,
                         struct cw_strv *errors);
/* Content hash of the claim set, stable across key order and file splits: goes into every event. */
const char *claimset_version(const struct claimset *cs);
size_t claimset_count(const struct claimset *cs);
void claimset_destroy(struct claimset *cs);

/* Builds the indexes for a claim set. Takes ownership of cs (also on failure). NULL on failure. */
struct tagger *tagger_create(struct claimset *cs);
const struct claimset *tagger_claimset(const struct tagger *t);
/* Claims scored below min (0..1) are not reported; below the model's own threshold they never
 * are. For a claim set whose claims crowd one topic, where that threshold tags more claims of
 * neighbouring stories (docs/quality.md). Default 0. */
void tagger_set_min_score(struct tagger *t, double min);
/* The built-in model's relatedness threshold: the lowest score a reported claim can have. */
double tagger_model_threshold(void);
/* Appends to out one line per pair of claims whose words are this alike or more (cosine over
 * their claim-set IDF weights, 0..1), most alike first, among each claim's 16 nearest (its
 * neighbours, docs/claims.md: a claim with more alike claims lists only those 16):
 * a report on one of them is likely to be tagged with both. Returns the number of pairs, or -1
 * on allocation failure. For `claimwatch check`. */
int tagger_alike(const struct tagger *t, double min, struct cw_strv *out);

struct tag_doc {
    const char *id;
    const char *title;     /* may be NULL */
    const char *text;      /* plain text; evidence offsets are character offsets into it */
    const char *url;       /* may be NULL */
    const char *published; /* may be NULL */
    const char *lang;      /* may be NULL */
};

/* Tags one document. Returns a new reference to
 *   {"claims": [{"id","stance","score","evidence":[{"text","start","end","stance","speaker"}]}],
 *    "entities": [{"id","name","count"}]}
 * with claims the document is not about left out; NULL only on allocation failure.
 * A tagger is not thread-safe; use one per thread. */
json_t *tagger_tag(struct tagger *t, const struct tag_doc *doc);
void tagger_destroy(struct tagger *t);

#endif
