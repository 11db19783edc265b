/* Text pipeline: folding (utf8proc), lexicons, tokeniser, sentence splitter, stemming
 * (libstemmer's English Snowball). Offsets always point into the caller's original text, so
 * evidence can be cut from it; only the vocabulary keys are folded. */
#include <libstemmer.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#include "tagger/tg_internal.h"

/* ---- lexicons: our own short lists; a word may carry several cue classes ---- */
static const char *const tg_stop_words[] = {
    "a", "about", "above", "after", "again", "against", "all", "am", "an", "and", "any", "are", "as",
    "at", "be", "because", "been", "before", "being", "below", "between", "both", "but", "by", "can",
    "could", "did", "do", "does", "doing", "down", "during", "each", "few", "for", "from", "further",
    "had", "has", "have", "having", "he", "her", "here", "hers", "herself", "him", "himself", "his",
    "how", "i", "if", "in", "into", "is", "it", "its", "itself", "just", "me", "more", "most", "my",
    "myself", "nor", "of", "off", "on", "once", "only", "or", "other", "our", "ours", "ourselves",
    "out", "over", "own", "same", "she", "should", "so", "some", "such", "than", "that", "the",
    "their", "theirs", "them", "themselves", "then", "there", "these", "they", "this", "those",
    "through", "to", "too", "under", "until", "up", "very", "was", "we", "were", "what", "when",
    "where", "which", "while", "who", "whom", "why", "will", "with", "would", "you", "your", "yours",
    "also", "said", "says", "say", "s", "t", "mr", "mrs", "ms", "may", "might", "must", "shall",
    "us", "via", "per", "upon", "yet", "however", "although", "though", "since", "within",
    "without", "according", "amid", "not", "no", "never", "none", "neither", "cannot", "its",
    "whether", "than", "just", "now", "even", "still", "much", "many", "well", "back", "get", "got",
    "told", "tell", "tells", "like", "around", "across", "among", "along", NULL};
static const char *const tg_neg_words[] = {
    "not", "no", "never", "nor", "neither", "none", "nobody", "nothing", "nowhere", "without",
    "cannot", NULL};
static const char *const tg_refute_words[] = {
    "deny", "denies", "denied", "denial", "denying", "reject", "rejected", "rejects", "false",
    "falsely", "fake", "hoax", "baseless", "propaganda", "debunk", "debunked", "untrue", "unfounded",
    "fabricated", "fabrication", "refute", "refuted", "refutes", "dismiss", "dismissed", "lie",
    "lied", "lies", "bogus", "incorrect", "misleading", "nonsense", "disinformation",
    "misinformation", "rebut", "rebuttal", "dispute", "disputed", "contradict", "satire",
    "satirical", "prank", "doctored", "photoshopped", "unsubstantiated", "groundless", "condemn",
    "myth", "fiction", "wrong", "retract", "retracted", "erroneous", NULL};
static const char *const tg_hedge_words[] = {
    "alleged", "allegedly", "allegation", "allegations", "reportedly", "reported", "report",
    "reports", "claim", "claims", "claimed", "rumor", "rumour", "rumors", "rumours", "unconfirmed",
    "unverified", "may", "might", "could", "possibly", "apparently", "purportedly", "supposedly",
    "purported", "suggest", "suggests", "believed", "appear", "appears", "whether", "if",
    "speculation", "speculate", "unclear", "likely", "perhaps", "suspected", "accuse", "accused",
    "accusation", "accusations", "seems", "viral", "circulating", NULL};
static const char *const tg_support_words[] = {
    "confirm", "confirmed", "confirms", "confirmation", "announce", "announced", "received",
    "revealed", "reveal", "showed", "shows", "proved", "proof", "verified", "officially", "indeed",
    "acknowledged", "admitted", "evidence", "documented", "completed", "official", "statement",
    "footage", "video", NULL};
static const char *const tg_say_words[] = {
    "said", "says", "say", "stated", "states", "told", "tells", "added", "claimed", "claims",
    "declared", "wrote", "posted", "noted", "insisted", "warned", "announced", "explained",
    "argued", "reported", "reports", "tweeted", "insists", "asserted", "alleged", "accused",
    "confirmed", "denied", "rejected", "stressed", "revealed", "according", NULL};
static const char *const tg_pron_words[] = {"he", "she", "they", NULL};
static const char *const tg_title_words[] = {
    "minister", "president", "secretary", "spokesman", "spokeswoman", "spokesperson", "senator",
    "sen", "ambassador", "chief", "general", "gen", "director", "mr", "mrs", "ms", "dr", "prime",
    "deputy", "governor", "rep", "king", "queen", "prince", "pope", "colonel", "commander", "envoy",
    "adviser", "advisor", "professor", "prof", "foreign", "chairman", "lawmaker", "representative",
    "sir", "lord", "judge", "justice", "officer", "member", "ranking", "leader", "ceo", NULL};

static const char *const tg_time_words[] = {
    "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "january",
    "february", "march", "april", "june", "july", "august", "september", "october", "november",
    "december", "today", "yesterday", "tomorrow", NULL};

static int lex_add(struct tg_vocab *v, const char *const *words, uint16_t cue)
{
    for (size_t i = 0; words[i] != NULL; i++) {
        uint16_t dummy;
        int32_t id = tg_vocab_word(v, words[i], strlen(words[i]), &dummy, NULL);
        if (id < 0)
            return -1;
        /* stop and title flags describe the surface word; stored per stem, which for these
         * short function words is the word itself */
        v->cue[id] |= cue;
    }
    return 0;
}

int tg_vocab_add_lexicons(struct tg_vocab *v)
{
    if (lex_add(v, tg_stop_words, TG_CUE_STOP) || lex_add(v, tg_neg_words, TG_CUE_NEG | TG_CUE_STOP) ||
        lex_add(v, tg_refute_words, TG_CUE_REFUTE) || lex_add(v, tg_hedge_words, TG_CUE_HEDGE) ||
        lex_add(v, tg_support_words, TG_CUE_SUPPORT) || lex_add(v, tg_say_words, TG_CUE_SAY) ||
        lex_add(v, tg_pron_words, TG_CUE_PRON) || lex_add(v, tg_time_words, TG_CUE_TIME) || lex_add(v, tg_title_words, TG_CUE_TITLE))
        return -1;
    return 0;
}

int tg_vocab_init(struct tg_vocab *v)
{
    memset(v, 0, sizeof *v);
    tg_map_init(&v->stems);
    tg_map_init(&v->surface);
    tg_map_init(&v->lexmap);
    v->stemmer = sb_stemmer_new("english", "UTF_8");
    return v->stemmer ? 0 : -1;
}

void tg_vocab_free(struct tg_vocab *v)
{
    if (v == NULL)
        return;
    if (v->stemmer)
        sb_stemmer_delete(v->stemmer);
    tg_map_free(&v->stems);
    tg_map_free(&v->surface);
    tg_map_free(&v->lexmap);
    free(v->surf_lex);
    free(v->cue);
    memset(v, 0, sizeof *v);
}

#define TG_WORD_MAX 96

/* Case-folds w into out (NUL-terminated); ASCII fast path, utf8proc (NFKC, case fold, marks
 * stripped) otherwise. Returns the folded length, 0 when the word is unusable. */
static size_t fold_word(const char *w, size_t len, char *out, size_t outsz)
{
    int ascii = 1;
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)w[i] >= 0x80) {
            ascii = 0;
            break;
        }
    if (ascii) {
        if (len >= outsz)
            return 0;
        for (size_t i = 0; i < len; i++) {
            char c = w[i];
            out[i] = (c >= 'A' && c <= 'Z') ? (char)(c + 32) : c;
        }
        out[len] = '\0';
        return len;
    }
    utf8proc_uint8_t *m = NULL;
    utf8proc_ssize_t n = utf8proc_map((const utf8proc_uint8_t *)w, (utf8proc_ssize_t)len, &m,
                                      UTF8PROC_STABLE | UTF8PROC_COMPOSE | UTF8PROC_COMPAT |
                                          UTF8PROC_CASEFOLD | UTF8PROC_STRIPMARK);
    size_t o = 0;
    if (n > 0) {
        for (utf8proc_ssize_t i = 0; i < n && o + 1 < outsz; i++) {
            /* the typographic apostrophe folds to the ASCII one so "Iran's" and "Iran’s" agree */
            if (i + 2 < n && m[i] == 0xE2 && m[i + 1] == 0x80 && m[i + 2] == 0x99) {
                out[o++] = '\'';
                i += 2;
                continue;
            }
            out[o++] = (char)m[i];
        }
        if (o + 1 >= outsz && n >= (utf8proc_ssize_t)outsz)
            o = 0; /* too long to be a word worth indexing */
    }
    free(m);
    out[o] = '\0';
    return o;
}

static int vocab_new_term(struct tg_vocab *v, const char *stem, size_t len)
{
    if (v->nterms == v->capterms) {
        size_t cap = v->capterms ? v->capterms * 2 : 1024;
        uint16_t *c = realloc(v->cue, cap * sizeof *c);
        if (c == NULL)
            return -2;
        v->cue = c;
        v->capterms = cap;
    }
    int32_t id = (int32_t)v->nterms;
    if (tg_map_put(&v->stems, stem, len, id) != 0)
        return -2;
    v->cue[id] = 0;
    v->nterms++;
    return id;
}

/* The surface key of a word into f[1..] (f holds TG_WORD_MAX + 2 bytes): folded, and marked
 * with a leading '^' when it is an upper-case stop word (an acronym: US, WHO, IT; "NOT" stays a
 * negation). Returns the key (in f) and its length in *klen; NULL when the word is unusable. */
static char *surface_key(const struct tg_vocab *v, const char *w, size_t len, char *f, size_t *klen)
{
    size_t flen = fold_word(w, len, f + 1, TG_WORD_MAX + 1);
    if (flen == 0)
        return NULL;
    char *key = f + 1;
    int upper = len >= 2;
    for (size_t i = 0; i < len && upper; i++)
        if (!(w[i] >= 'A' && w[i] <= 'Z'))
            upper = 0;
    if (upper) {
        int32_t sid = tg_map_get(&v->stems, key, flen, -1);
        if (sid >= 0 && (v->cue[sid] & TG_CUE_STOP) && !(v->cue[sid] & TG_CUE_NEG)) {
            f[0] = '^';
            key = f;
            flen++;
        }
    }
    *klen = flen;
    return key;
}

/* Stems key[0..flen) (a bare trailing apostrophe dropped; Snowball strips "'s" itself); the
 * stem stays valid until the next call. NULL on allocation failure. */
static const char *stem_key(struct tg_vocab *v, const char *key, size_t flen, size_t *stl)
{
    size_t slen = flen;
    while (slen > 1 && key[slen - 1] == '\'')
        slen--;
    const sb_symbol *st = sb_stemmer_stem(v->stemmer, (const sb_symbol *)key, (int)slen);
    if (st == NULL)
        return NULL;
    *stl = (size_t)sb_stemmer_length(v->stemmer);
    return (const char *)st;
}

int32_t tg_vocab_word(struct tg_vocab *v, const char *w, size_t len, uint16_t *cue, int32_t *lex)
{
    char f[TG_WORD_MAX + 2];
    size_t flen;
    *cue = 0;
    if (lex)
        *lex = -1;
    char *key = surface_key(v, w, len, f, &flen);
    if (key == NULL)
        return -1;
    int32_t e = tg_map_index(&v->surface, key, flen);
    if (e >= 0) {
        int32_t c = v->surface.vals[e];
        if (lex)
            *lex = v->surf_lex[e];
        if (c >= 0) {
            *cue = v->cue[c];
            return c;
        }
        *cue = (uint16_t)(-1 - c);
        return -1;
    }
    uint16_t extra = 0;
    if (flen > 3 && memcmp(key + flen - 3, "n't", 3) == 0)
        extra = TG_CUE_NEG | TG_CUE_STOP;
    size_t stl;
    const char *st = stem_key(v, key, flen, &stl);
    if (st == NULL)
        return -2;
    int32_t id = tg_map_get(&v->stems, st, stl, -1);
    int32_t lx = v->lex ? tg_map_get(&v->lexmap, st, stl, -1) : -1;
    if (id < 0 && !v->frozen) {
        id = vocab_new_term(v, st, stl);
        if (id == -2)
            return -2;
    }
    if (id >= 0)
        v->cue[id] |= extra;
    if (lex)
        *lex = lx;
    if (v->surface.n < TG_SURF_CACHE_MAX) {
        if (v->surface.n % 1024 == 0) {
            int32_t *sl = realloc(v->surf_lex, (v->surface.n + 1024) * sizeof *sl);
            if (sl == NULL)
                return -2;
            v->surf_lex = sl;
        }
        v->surf_lex[v->surface.n] = lx;
        if (tg_map_put(&v->surface, key, flen, id >= 0 ? id : -1 - (int32_t)extra) != 0)
            return -2;
    }
    *cue = id >= 0 ? v->cue[id] : extra;
    return id;
}

size_t tg_vocab_stem(struct tg_vocab *v, const char *w, size_t len, char *out, size_t outsz)
{
    char f[TG_WORD_MAX + 2];
    size_t flen, stl;
    char *key = surface_key(v, w, len, f, &flen);
    if (key == NULL)
        return 0;
    const char *st = stem_key(v, key, flen, &stl);
    if (st == NULL || stl + 1 > outsz)
        return 0;
    memcpy(out, st, stl);
    out[stl] = '\0';
    return stl;
}

int tg_vocab_set_lexicon(struct tg_vocab *v, const struct tg_lexicon *lx)
{
    v->lex = lx;
    const char *w = lx->words, *end = lx->words + lx->words_size;
    for (uint32_t i = 0; i < lx->n; i++) {
        const char *nul = memchr(w, '\0', (size_t)(end - w));
        if (nul == NULL)
            return -2; /* fewer words than the table says: its words and vectors would not match */
        if (tg_map_put(&v->lexmap, w, (size_t)(nul - w), (int32_t)i) != 0)
            return -1;
        w = nul + 1;
    }
    return w == end ? 0 : -2;
}

size_t tg_utf8_chars(const char *s, size_t n)
{
    size_t c = 0;
    for (size_t i = 0; i < n; i++)
        if (((unsigned char)s[i] & 0xC0) != 0x80)
            c++;
    return c;
}

/* ---- sentences ---- */
static const char *const tg_abbrevs[] = {
    "mr", "mrs", "ms", "dr", "prof", "gen", "col", "lt", "sgt", "capt", "sen", "rep", "gov", "st",
    "jr", "sr", "inc", "ltd", "co", "corp", "dept", "jan", "feb", "mar", "apr", "jun", "jul", "aug",
    "sep", "sept", "oct", "nov", "dec", "no", "vs", "etc", "approx", "est", "fig", "mt", "ft", "adm",
    "gov", "pres", "rev", "hon", "cf", "al", "ave", "blvd", "univ", NULL};

static int is_abbrev(const char *s, size_t dot)
{
    /* the word before the dot */
    size_t b = dot;
    while (b > 0 && ((s[b - 1] >= 'a' && s[b - 1] <= 'z') || (s[b - 1] >= 'A' && s[b - 1] <= 'Z')))
        b--;
    size_t n = dot - b;
    if (n == 0)
        return 0;
    if (n == 1)
        return 1; /* an initial ("J. Smith") or part of "U.S." */
    if (b > 0 && s[b - 1] == '.')
        return 1; /* "e.g." "U.K." */
    if (n > 5)
        return 0;
    char w[8];
    for (size_t i = 0; i < n; i++)
        w[i] = (char)(s[b + i] | 0x20);
    w[n] = '\0';
    for (size_t i = 0; tg_abbrevs[i]; i++)
        if (strcmp(w, tg_abbrevs[i]) == 0)
            return 1;
    return 0;
}

/* Length of a closing quote or bracket at s[i], 0 if none. */
static size_t closer_len(const char *s, size_t len, size_t i)
{
    unsigned char c = (unsigned char)s[i];
    if (c == '"' || c == '\'' || c == ')' || c == ']')
        return 1;
    if (c == 0xE2 && i + 2 < len && (unsigned char)s[i + 1] == 0x80 &&
        ((unsigned char)s[i + 2] == 0x9D || (unsigned char)s[i + 2] == 0x99))
        return 3; /* ” ’ */
    if (c == 0xC2 && i + 1 < len && (unsigned char)s[i + 1] == 0xBB)
        return 2; /* » */
    return 0;
}

static int push_sent(struct tg_text *t, size_t a, size_t b, int question)
{
    while (a < b && (t->s[a] == ' ' || t->s[a] == '\t' || t->s[a] == '\r' || t->s[a] == '\n'))
        a++;
    while (b > a && (t->s[b - 1] == ' ' || t->s[b - 1] == '\t' || t->s[b - 1] == '\r' ||
                     t->s[b - 1] == '\n'))
        b--;
    if (b <= a)
        return 0;
    if (t->nsent == t->capsent) {
        size_t cap = t->capsent ? t->capsent * 2 : 64;
        struct tg_sent *ns = realloc(t->sents, cap * sizeof *ns);
        if (ns == NULL)
            return -1;
        t->sents = ns;
        t->capsent = cap;
    }
    struct tg_sent *st = &t->sents[t->nsent++];
    memset(st, 0, sizeof *st);
    st->start = (uint32_t)a;
    st->end = (uint32_t)b;
    st->speaker_start = -1;
    st->question = (uint8_t)question;
    return 0;
}

static int split_sentences(struct tg_text *t)
{
    const char *s = t->s;
    size_t len = t->len, start = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '\n') {
            if (push_sent(t, start, i, 0))
                return -1;
            start = i + 1;
            continue;
        }
        int ellipsis = c == 0xE2 && i + 2 < len && (unsigned char)s[i + 1] == 0x80 &&
                       (unsigned char)s[i + 2] == 0xA6;
        if (c != '.' && c != '!' && c != '?' && !ellipsis)
            continue;
        size_t j = i;
        int question = 0;
        for (;;) {
            if (j < len && (s[j] == '.' || s[j] == '!' || s[j] == '?')) {
                question |= s[j] == '?';
                j++;
            } else if (j + 2 < len && (unsigned char)s[j] == 0xE2 && (unsigned char)s[j + 1] == 0x80 &&
                       (unsigned char)s[j + 2] == 0xA6) {
                j += 3;
            } else {
                break;
            }
        }
        size_t cl;
        while (j < len && (cl = closer_len(s, len, j)) > 0)
            j += cl;
        if (j < len && s[j] != ' ' && s[j] != '\t' && s[j] != '\n' && s[j] != '\r') {
            i = j - 1;
            continue; /* "3.5", "U.S.-led", "example.com" */
        }
        size_t k = j;
        while (k < len && (s[k] == ' ' || s[k] == '\t'))
            k++;
        if (k < len && s[k] >= 'a' && s[k] <= 'z') {
            i = j - 1;
            continue; /* lower case after the stop: not a sentence end */
        }
        if (c == '.' && j == i + 1 && is_abbrev(s, i) && k < len && s[k] != '\n') {
            i = j - 1;
            continue;
        }
        if (push_sent(t, start, j, question))
            return -1;
        start = j;
        i = j - 1;
    }
    return push_sent(t, start, len, 0);
}

static int is_word_cp(utf8proc_int32_t cp)
{
    if (cp < 0x80)
        return (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z') || (cp >= '0' && cp <= '9');
    utf8proc_category_t cat = utf8proc_category(cp);
    return (cat >= UTF8PROC_CATEGORY_LU && cat <= UTF8PROC_CATEGORY_NO);
}

static int push_tok(struct tg_text *t, struct tg_vocab *v, size_t a, size_t b, int quote)
{
    if (t->ntok == t->captok) {
        size_t cap = t->captok ? t->captok * 2 : 512;
        struct tg_tok *nt = realloc(t->toks, cap * sizeof *nt);
        if (nt == NULL)
            return -1;
        t->toks = nt;
        t->captok = cap;
    }
    struct tg_tok *tk = &t->toks[t->ntok];
    memset(tk, 0, sizeof *tk);
    tk->start = (uint32_t)a;
    tk->end = (uint32_t)b;
    tk->quote = (uint8_t)quote;
    utf8proc_int32_t cp;
    unsigned char c0 = (unsigned char)t->s[a];
    if (c0 < 0x80) { /* ASCII: upper-case letter or digit, the same answers as the categories */
        if (c0 >= 'A' && c0 <= 'Z')
            tk->flags |= TG_TOK_CAP;
        else if (c0 >= '0' && c0 <= '9')
            tk->flags |= TG_TOK_NUM;
        cp = -1;
    } else {
        utf8proc_iterate((const utf8proc_uint8_t *)t->s + a, (utf8proc_ssize_t)(b - a), &cp);
    }
    if (cp >= 0) {
        utf8proc_category_t cat = utf8proc_category(cp);
        if (cat == UTF8PROC_CATEGORY_LU || cat == UTF8PROC_CATEGORY_LT)
            tk->flags |= TG_TOK_CAP;
        if (cat == UTF8PROC_CATEGORY_ND)
            tk->flags |= TG_TOK_NUM;
    }
    if (b - a >= 2) {
        int up = 1;
        for (size_t i = a; i < b && up; i++)
            if (!(t->s[i] >= 'A' && t->s[i] <= 'Z'))
                up = 0;
        if (up)
            tk->flags |= TG_TOK_UPPER;
    }
    uint16_t cue;
    int32_t lex;
    int32_t id = tg_vocab_word(v, t->s + a, b - a, &cue, &lex);
    if (id == -2)
        return -1;
    tk->term = id;
    tk->lex = lex;
    tk->cue = cue;
    t->ntok++;
    return 0;
}

static int tokenise_sentence(struct tg_text *t, struct tg_vocab *v, struct tg_sent *st, int *quote)
{
    const utf8proc_uint8_t *s = (const utf8proc_uint8_t *)t->s;
    size_t i = st->start, end = st->end, wstart = 0;
    int inword = 0;
    st->tok0 = (uint32_t)t->ntok;
    while (i < end) {
        utf8proc_int32_t cp;
        utf8proc_ssize_t n;
        if (s[i] < 0x80) { /* ASCII, most of the text: no decoding call */
            cp = s[i];
            n = 1;
        } else {
            n = utf8proc_iterate(s + i, (utf8proc_ssize_t)(end - i), &cp);
        }
        if (n <= 0) {
            n = 1;
            cp = -1;
        }
        int w = cp >= 0 && is_word_cp(cp);
        /* apostrophes inside words ("Iran's", "don't") and hyphens stay in; hyphens split */
        if (!w && inword && (cp == '\'' || cp == 0x2019) && i + (size_t)n < end) {
            utf8proc_int32_t nx;
            if (utf8proc_iterate(s + i + n, (utf8proc_ssize_t)(end - i - (size_t)n), &nx) > 0 &&
                is_word_cp(nx)) {
                i += (size_t)n;
                continue;
            }
        }
        if (w && !inword) {
            inword = 1;
            wstart = i;
        } else if (!w && inword) {
            inword = 0;
            if (push_tok(t, v, wstart, i, *quote))
                return -1;
        }
        if (cp == 0x201C || cp == 0xAB)
            *quote = 1;
        else if (cp == 0x201D || cp == 0xBB)
            *quote = 0;
        else if (cp == '"')
            *quote = !*quote;
        i += (size_t)n;
    }
    if (inword && push_tok(t, v, wstart, end, *quote))
        return -1;
    st->ntok = (uint32_t)(t->ntok - st->tok0);
    return 0;
}

int tg_text_analyse(struct tg_vocab *v, const char *s, size_t len, struct tg_text *out)
{
    memset(out, 0, sizeof *out);
    if (len > TG_TEXT_MAX)
        len = TG_TEXT_MAX;
    out->s = s;
    out->len = len;
    if (split_sentences(out))
        return -1;
    int quote = 0;
    size_t keep = 0;
    uint32_t prev_line_end = 0;
    for (size_t i = 0; i < out->nsent; i++) {
        struct tg_sent st = out->sents[i];
        /* a quotation does not run across paragraphs */
        for (uint32_t p = prev_line_end; p < st.start; p++)
            if (s[p] == '\n')
                quote = 0;
        prev_line_end = st.end;
        if (tokenise_sentence(out, v, &st, &quote))
            return -1;
        if (st.ntok > 0)
            out->sents[keep++] = st;
    }
    out->nsent = keep;
    tg_speaker_attribute(out);
    return 0;
}

void tg_text_free(struct tg_text *t)
{
    if (t == NULL)
        return;
    free(t->toks);
    free(t->sents);
    memset(t, 0, sizeof *t);
}
