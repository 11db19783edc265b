/* Speaker attribution: who a sentence is attributed to. Handles "..., said X", "X said",
 * "X claimed ...", "according to X", quotations running over several sentences with the
 * attribution after them, "X stated:" next to a quotation, and "he said" (the last speaker). */
#include <string.h>

#include "tagger/tg_internal.h"

/* Only spaces (or a hyphen) between tokens a and b: they can belong to one name. */
static int tight(const struct tg_text *t, size_t a, size_t b)
{
    for (uint32_t i = t->toks[a].end; i < t->toks[b].start; i++) {
        char c = t->s[i];
        if (c != ' ' && c != '-' && c != '\t')
            return 0;
    }
    return 1;
}

static int is_cap(const struct tg_tok *tk) { return (tk->flags & TG_TOK_CAP) != 0; }

static int word_is(const struct tg_text *t, size_t k, const char *w)
{
    size_t n = strlen(w);
    const struct tg_tok *tk = &t->toks[k];
    if (tk->end - tk->start != n)
        return 0;
    for (size_t i = 0; i < n; i++)
        if ((t->s[tk->start + i] | 0x20) != w[i])
            return 0;
    return 1;
}

/* Sets the span to the name run toks[a..b] (inclusive) minus titles: the name is what follows
 * the last title word ("British Foreign Secretary David Lammy" gives "David Lammy"), and
 * "Secretary of State Antony Blinken" loses the "State" the run starts with. */
static int set_run(const struct tg_text *t, struct tg_sent *st, size_t a, size_t b)
{
    for (size_t k = b; k > a; k--)
        if (t->toks[k - 1].cue & TG_CUE_TITLE) {
            a = k;
            break;
        }
    if (a < b && a > 0 && word_is(t, a - 1, "of"))
        a++;
    while (a < b && (t->toks[a].cue & TG_CUE_STOP)) /* "The US" */
        a++;
    if (t->toks[a].cue & (TG_CUE_TITLE | TG_CUE_STOP | TG_CUE_PRON | TG_CUE_TIME))
        return 0;
    uint32_t end = t->toks[b].end;
    /* a possessive is not part of the name ("Reuters's report") */
    if (end - t->toks[b].start > 2 && t->s[end - 1] == 's' && t->s[end - 2] == '\'')
        end -= 2;
    else if (end - t->toks[b].start > 4 && t->s[end - 1] == 's' && (unsigned char)t->s[end - 2] == 0x99)
        end -= 4;
    st->speaker_start = (int32_t)t->toks[a].start;
    st->speaker_len = (int32_t)(end - t->toks[a].start);
    return 1;
}

/* Name after position k (exclusive) in the sentence: the last run of capitalised words among
 * the capitalised words and titles that follow ("said Iranian Foreign Ministry spokesman Nasser
 * Kanaani" gives "Nasser Kanaani"). */
static int name_after(const struct tg_text *t, struct tg_sent *st, size_t k, size_t end)
{
    size_t i = k + 1, run_a = 0, run_b = 0;
    int have = 0;
    if (i < end && word_is(t, i, "the"))
        i++;
    for (; i < end; i++) {
        const struct tg_tok *tk = &t->toks[i];
        if (tk->quote)
            break;
        if (!is_cap(tk) && !(tk->cue & TG_CUE_TITLE))
            break;
        if (i > k + 1 && !tight(t, i - 1, i) && have)
            break;
        if (tk->cue & TG_CUE_TIME)
            break;
        if (is_cap(tk) && !(tk->cue & TG_CUE_PRON)) {
            if (have && run_b == i - 1 && tight(t, i - 1, i))
                run_b = i;
            else {
                run_a = run_b = i;
                have = 1;
            }
        }
    }
    return have ? set_run(t, st, run_a, run_b) : 0;
}

/* Name before verb k: "Blinken said", "Minister Abbas Aragchi says", "Iran has denied". */
static int name_before(const struct tg_text *t, struct tg_sent *st, size_t k, size_t begin,
                       int *pronoun)
{
    size_t i = k;
    int skipped = 0;
    while (i > begin && skipped < 3) {
        const struct tg_tok *tk = &t->toks[i - 1];
        size_t n = tk->end - tk->start;
        int adverb = n > 3 && t->s[tk->end - 2] == 'l' && t->s[tk->end - 1] == 'y' && !is_cap(tk);
        /* "has", "formally", "on Tuesday" between the name and the verb */
        if ((tk->cue & TG_CUE_TIME) ||
            (!is_cap(tk) && ((tk->cue & TG_CUE_STOP) || adverb) && !(tk->cue & TG_CUE_PRON))) {
            i--;
            skipped++;
        } else {
            break;
        }
    }
    if (i == begin)
        return 0;
    const struct tg_tok *last = &t->toks[i - 1];
    if (!tight(t, i - 1, i)) {
        /* "Sergey Shoigu, the secretary of ..., said": the subject opens the sentence */
        size_t b = begin;
        while (b + 1 < k && is_cap(&t->toks[b + 1]) && tight(t, b, b + 1))
            b++;
        if (b + 1 < k && is_cap(&t->toks[begin]) && !t->toks[begin].quote &&
            t->s[t->toks[b].end] == ',')
            return set_run(t, st, begin, b);
        return 0;
    }
    if (last->cue & TG_CUE_PRON) {
        *pronoun = 1;
        return 0;
    }
    if (!is_cap(last) || last->quote)
        return 0;
    size_t b = i - 1, a = b;
    while (a > begin && is_cap(&t->toks[a - 1]) && !t->toks[a - 1].quote && tight(t, a - 1, a))
        a--;
    return set_run(t, st, a, b);
}

static void attribute_sentence(const struct tg_text *t, struct tg_sent *st, int *pronoun)
{
    size_t a = st->tok0, e = st->tok0 + st->ntok;
    *pronoun = 0;
    for (size_t k = a; k < e; k++) {
        const struct tg_tok *tk = &t->toks[k];
        if (tk->quote)
            continue;
        if (word_is(t, k, "according") && k + 1 < e && word_is(t, k + 1, "to")) {
            if (name_after(t, st, k + 1, e))
                return;
            continue;
        }
        if (is_cap(tk))
            continue;
        if (!(tk->cue & TG_CUE_SAY))
            continue;
        if (name_before(t, st, k, a, pronoun))
            return;
        if (*pronoun)
            return;
        if (name_after(t, st, k, e))
            return;
    }
}

static int all_quoted(const struct tg_text *t, const struct tg_sent *st)
{
    for (size_t k = st->tok0; k < st->tok0 + st->ntok; k++)
        if (!t->toks[k].quote)
            return 0;
    return 1;
}

static int same_paragraph(const struct tg_text *t, const struct tg_sent *x, const struct tg_sent *y)
{
    for (uint32_t i = x->end; i < y->start; i++)
        if (t->s[i] == '\n')
            return 0;
    return 1;
}

static int ends_with_colon(const struct tg_text *t, const struct tg_sent *st)
{
    return st->end > st->start && t->s[st->end - 1] == ':';
}

void tg_speaker_attribute(struct tg_text *t)
{
    int32_t last_a = -1, last_l = 0;
    for (size_t i = 0; i < t->nsent; i++) {
        struct tg_sent *st = &t->sents[i];
        int pronoun = 0;
        attribute_sentence(t, st, &pronoun);
        if (st->speaker_start < 0 && pronoun && last_a >= 0) {
            st->speaker_start = last_a;
            st->speaker_len = last_l;
        }
        if (st->speaker_start >= 0) {
            last_a = st->speaker_start;
            last_l = st->speaker_len;
        }
    }
    /* quotations: sentences wholly inside quotes take the attribution that closes the quote,
     * or a neighbouring "X stated:" line */
    for (size_t i = 0; i < t->nsent; i++) {
        struct tg_sent *st = &t->sents[i];
        if (st->speaker_start >= 0 || !all_quoted(t, st))
            continue;
        for (size_t j = i + 1; j < t->nsent && same_paragraph(t, &t->sents[j - 1], &t->sents[j]); j++) {
            if (t->sents[j].speaker_start >= 0) {
                st->speaker_start = t->sents[j].speaker_start;
                st->speaker_len = t->sents[j].speaker_len;
                break;
            }
            if (!all_quoted(t, &t->sents[j]))
                break;
        }
        if (st->speaker_start < 0 && i > 0 && ends_with_colon(t, &t->sents[i - 1]) &&
            t->sents[i - 1].speaker_start >= 0) {
            st->speaker_start = t->sents[i - 1].speaker_start;
            st->speaker_len = t->sents[i - 1].speaker_len;
        }
        if (st->speaker_start < 0 && i + 1 < t->nsent && ends_with_colon(t, &t->sents[i + 1]) &&
            t->sents[i + 1].speaker_start >= 0) {
            st->speaker_start = t->sents[i + 1].speaker_start;
            st->speaker_len = t->sents[i + 1].speaker_len;
        }
    }
}
