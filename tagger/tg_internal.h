/* Internals shared by the tagger's files (tg_ prefix): claim-set model, string map, text
 * pipeline, features, speaker attribution. Not a public contract: tagger.h is. */
#ifndef CW_TG_INTERNAL_H
#define CW_TG_INTERNAL_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

struct sb_stemmer;

/* ---- string -> int map with keys copied into the map (tg_map.c) ---- */
struct tg_map {
    uint32_t *slots; /* 0 = empty, else entry index + 1 */
    size_t nslots;
    char **keys;
    uint32_t *klen;
    int32_t *vals;
    size_t n, cap;
};
void tg_map_init(struct tg_map *m);
void tg_map_free(struct tg_map *m);
/* Returns the value for key, or def when absent. */
int32_t tg_map_get(const struct tg_map *m, const char *key, size_t len, int32_t def);
/* The entry index of key (entries are numbered in insertion order), or -1. */
int32_t tg_map_index(const struct tg_map *m, const char *key, size_t len);
/* Inserts or replaces. 0, -1 on allocation failure. */
int tg_map_put(struct tg_map *m, const char *key, size_t len, int32_t val);
uint64_t tg_hash(const char *s, size_t len);

/* ---- claim set (claimset.c) ---- */
struct tg_entity {
    char *id;
    char *name;
    char **aliases; /* the name is matched too; aliases are extra surface forms */
    size_t naliases;
};

struct tg_claim {
    char *id;
    char *text;
    char *lang, *notes, *since, *until; /* NULL when absent */
    struct tg_entity *entities;
    size_t nentities;
    char **keyphrases;
    size_t nkeyphrases;
};

struct claimset {
    struct tg_claim *claims;
    size_t n;
    char version[33];
    struct tg_map ids; /* seen ids while loading (duplicate check); index values are stale after sorting */
};

/* ---- text pipeline (tg_text.c) ---- */
/* Cue classes of a term (bit flags kept per term id). */
enum {
    TG_CUE_REFUTE = 1 << 0,  /* deny, false, hoax, baseless, propaganda ... */
    TG_CUE_NEG = 1 << 1,     /* not, no, never ... */
    TG_CUE_HEDGE = 1 << 2,   /* alleged, reportedly, claims, may ... */
    TG_CUE_SUPPORT = 1 << 3, /* confirmed, announced, received ... */
    TG_CUE_SAY = 1 << 4,     /* said, told, claimed ... (attribution verbs) */
    TG_CUE_STOP = 1 << 5,    /* stop word: never indexed */
    TG_CUE_PRON = 1 << 6,    /* he, she, they: speaker carried over from earlier */
    TG_CUE_TITLE = 1 << 7,   /* minister, spokesman, secretary ...: not part of a name */
    TG_CUE_TIME = 1 << 8,    /* weekdays and months: "said Tuesday" names no one */
};

/* Token flags. */
enum {
    TG_TOK_CAP = 1 << 0,   /* starts with an upper-case letter */
    TG_TOK_NUM = 1 << 1,   /* starts with a digit */
    TG_TOK_UPPER = 1 << 2, /* all upper case, 2+ letters ("NOT") */
};

struct tg_tok {
    uint32_t start, end; /* byte offsets into the text */
    int32_t term;        /* term id; -1 when the word is not in the vocabulary */
    int32_t lex;         /* index in the background lexicon; -1 when not there */
    uint16_t cue;        /* TG_CUE_* of the term (for unknown words: 0) */
    uint8_t flags;       /* TG_TOK_* */
    uint8_t quote;       /* inside a quotation */
};

struct tg_sent {
    uint32_t start, end; /* byte offsets, trimmed */
    uint32_t tok0, ntok;
    int32_t speaker_start, speaker_len; /* byte span of the attributed speaker, -1 when none */
    uint8_t question;
};

struct tg_text {
    const char *s;
    size_t len;
    struct tg_tok *toks;
    size_t ntok, captok;
    struct tg_sent *sents;
    size_t nsent, capsent;
};

/* The background lexicon (tg_lexicon.c): document frequencies and latent-semantic vectors of
 * the common stems of a news corpus (the FNC-1 training bodies), built by tagger/train/lexicon.py.
 * The claim set's own IDF knows only the claims; this one knows how common a word is in news,
 * and its vectors let "Islamic State" meet "ISIS" and "castrated" meet "cut off". */
#define TG_LEX_DIM 32 /* vector size, fixed so the sums compile to vector instructions */
struct tg_lexicon {
    uint32_t n, dim;      /* dim is TG_LEX_DIM */
    const char *words;   /* n NUL-terminated stems, one after another */
    size_t words_size;   /* bytes of words (every NUL included) */
    const float *idf;    /* per word */
    const int8_t *vec;   /* n x dim, times scale */
    float scale;
    float idf_unknown;   /* for a word not in the table */
    uint64_t digest;     /* tg_lexicon_digest() as the generator computed it (0: not recorded) */
    void *owned;         /* loaded from a file: the block to free (tg_lexicon_free) */
};
extern const struct tg_lexicon tg_lexicon_default;
/* Loads a lexicon from the trainer's JSON file ({"dim", "scale", "idf_unknown", "words":
 * [[stem, idf, [int8 x dim]], ...]}); NULL with a message in err on failure. */
struct tg_lexicon *tg_lexicon_load(const char *path, char *err, size_t errsz);
/* The same from a parsed document; name is for the messages. */
struct tg_lexicon *tg_lexicon_from_json(const json_t *root, const char *name, char *err, size_t errsz);
void tg_lexicon_free(struct tg_lexicon *lx);
/* FNV-1a 64 over the words (with their NULs), the idf values (IEEE single, little-endian) and the
 * vectors: tagger/train/lexicon.py computes the same over what it writes, so a table the compiler
 * read differently from what was meant shows (test_tagger). */
uint64_t tg_lexicon_digest(const struct tg_lexicon *lx);

/* The vocabulary: stems of the claim set and lexicons get dense term ids; a cache maps folded
 * surface words to term ids so a word is folded and stemmed once, not once per occurrence. */
#define TG_SURF_CACHE_MAX 200000
struct tg_vocab {
    struct sb_stemmer *stemmer;
    struct tg_map stems;   /* stem -> term id */
    struct tg_map surface; /* folded surface word -> term id, or -1 (unknown), capped */
    uint16_t *cue;         /* per term id */
    size_t nterms, capterms;
    const struct tg_lexicon *lex; /* NULL: no background lexicon */
    struct tg_map lexmap;  /* stem -> index in lex */
    int32_t *surf_lex;     /* per surface cache entry: its lexicon index */
    int frozen;            /* no new term ids once the indexes are built */
};

int tg_vocab_init(struct tg_vocab *v);
void tg_vocab_free(struct tg_vocab *v);
/* Folds and stems one word (bytes), returns its term id: added when not frozen, else -1 if
 * unknown. Sets *cue, and *lex (when not NULL) to the word's lexicon index or -1. -2 on
 * allocation failure. */
int32_t tg_vocab_word(struct tg_vocab *v, const char *w, size_t len, uint16_t *cue, int32_t *lex);
/* Uses lx as the background lexicon (before any word is looked up). 0, -1 on allocation
 * failure, -2 when lx->words does not hold exactly lx->n words. */
int tg_vocab_set_lexicon(struct tg_vocab *v, const struct tg_lexicon *lx);
/* The key a word is looked up by (folded, stemmed) into out; its length, 0 when unusable. */
size_t tg_vocab_stem(struct tg_vocab *v, const char *w, size_t len, char *out, size_t outsz);
/* Adds the built-in lexicons (stop words, cue words). 0 or -1. */
int tg_vocab_add_lexicons(struct tg_vocab *v);

/* Tokenises and sentence-splits s. 0 or -1 on allocation failure. Texts longer than
 * TG_TEXT_MAX bytes are cut there (so cost per document is bounded). */
#define TG_TEXT_MAX (1u << 20)
int tg_text_analyse(struct tg_vocab *v, const char *s, size_t len, struct tg_text *out);
void tg_text_free(struct tg_text *t);
/* Attributes speakers to sentences (tg_speaker.c). */
void tg_speaker_attribute(struct tg_text *t);
/* Number of code points in s[0..n). */
size_t tg_utf8_chars(const char *s, size_t n);

/* ---- features and model (tg_features.c, tg_model.c) ---- */
#define TG_NREL 10
#define TG_NSTANCE 16
#define TG_NCROSS 4 /* the pair against the document's other candidate claims */
#define TG_NEXTRA 4 /* polarity near the claim's words */
#define TG_NMORE 22 /* missing rare words, lead, spread, cues of the sentences carrying the claim,
                     * words that set the claim apart from the best other candidate */
#define TG_NLEX 4  /* background TF-IDF and latent-semantic cosines, whole text and lead */
#define TG_NPROP 3 /* the pair against the claims next to its claim (second relatedness stage) */
#define TG_NFEAT (TG_NREL + TG_NSTANCE + TG_NCROSS + TG_NEXTRA + TG_NMORE + TG_NLEX + TG_NPROP)
#define TG_FMORE (TG_NREL + TG_NSTANCE + TG_NCROSS + TG_NEXTRA) /* first of the TG_NMORE */
#define TG_FLEX (TG_FMORE + TG_NMORE) /* first of the TG_NLEX */
#define TG_FPROP (TG_FLEX + TG_NLEX)  /* first of the TG_NPROP: read by the second stage only */
#define TG_FNAMES (TG_FMORE + 21) /* share of the claim's own names and numbers in the document */
enum { TG_DISCUSS = 0, TG_SUPPORT = 1, TG_REFUTE = 2 };

/* Gradient-boosted regression trees (tg_model.c). A node splits on f[feat] <= v (left child) or
 * is a leaf (left == right == its own index) whose value v adds to its class's raw score. Node
 * indices are relative to the tree's root; every walk takes exactly `depth` steps (a leaf steps
 * onto itself), so it has no data-dependent branch. Trees of a multi-class ensemble are
 * interleaved (tree i scores class i % nclass). */
struct tg_tree_node {
    double v;
    int16_t feat;
    uint16_t left, right;
};

struct tg_gbt {
    const struct tg_tree_node *nodes;
    const uint32_t *roots; /* offset of each tree's root in nodes */
    uint32_t ntrees;
    uint32_t nnodes;
    uint32_t depth; /* of the deepest tree */
    int nclass;     /* 1 = binary (raw score is log-odds) */
    double base[3]; /* raw score before any tree */
    /* early exit (binary only): after exit_at[k] trees, a raw score below exit_below[k] stops
     * the walk as unrelated. Set by the trainer so that no training pair within a wide margin
     * of the decision threshold exits; most candidates are clearly unrelated and leave early. */
    uint32_t exit_at[2];
    double exit_below[2];
};

struct tg_model {
    int nfeat;             /* TG_NFEAT the model was trained with; a mismatch disables it */
    struct tg_gbt rel;     /* related vs unrelated, first stage: the pair on its own */
    /* second stage (ntrees 0: none), over the TG_NPROP features too: how related the document
     * is, by the first stage, to the claims that read like this one */
    struct tg_gbt rel2;
    /* a pair the first stage let go early (probability 0) skips the second stage, unrelated,
     * unless a neighbour gives it at least this much of the first TG_NPROP feature */
    double rel2_min_prop;
    double rel_threshold;  /* on the last stage's probability, tuned by claim-grouped cross-validation */
    struct tg_gbt st;      /* discuss / support / refute among related pairs */
    double st_bias[3];     /* added to the stance log-probabilities before the argmax (tuned too) */
};
extern const struct tg_model tg_model_default;

/* Probability the pair is related, by stage 1 (m->rel) or 2 (m->rel2). */
double tg_model_related(const struct tg_model *m, int stage, const double *f);
/* The same for n feature vectors (rows[0..n) of feats[][TG_NFEAT], or its first n rows when rows
 * is NULL) into out[n], tree by tree over all of them (independent walks overlap in the CPU),
 * dropping those below an early-exit bound (probability 0). */
void tg_model_related_many(const struct tg_model *m, int stage, const double *feats, const uint32_t *rows,
                           size_t n, double *out);
/* Stance probabilities into p[3] (TG_DISCUSS, TG_SUPPORT, TG_REFUTE); returns the decision
 * (argmax after the tuned biases). */
int tg_model_stance(const struct tg_model *m, const double *f, double p[3]);
/* The decisions of tg_model_stance for rows[0..n) of feats[][TG_NFEAT] into st[n], tree by tree
 * over the rows (the same numbers, cheaper than one row at a time). */
void tg_model_stance_many(const struct tg_model *m, const double *feats, const uint32_t *rows, size_t n,
                          int *st);

struct tagger;
struct tag_doc;
/* Feature vectors for named claims (ids: JSON array of claim ids; NULL = every candidate), as
 * [{"claim", "cand", "f": [...]}]: what the trainer reads, from the code inference runs. */
json_t *tg_dump_features(struct tagger *t, const struct tag_doc *doc, json_t *ids);
/* The lookup keys of the document's content words, in order: what the lexicon is built from. */
json_t *tg_dump_terms(struct tagger *t, const struct tag_doc *doc);
struct claimset;
/* tagger_create with another background lexicon (borrowed; must outlive the tagger). */
struct tagger *tagger_create_lex(struct claimset *cs, const struct tg_lexicon *lx);

#endif
