#include "parsers/html.h"

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cw_buf.h"
#include "parsers/entities.h"
#include "parsers/url.h"


#define HTML_MAX_DEPTH 64

enum tag_kind {
    TAG_DROP = 0,   /* not allowed: the tag goes, its content stays */
    TAG_ALLOW,      /* allowed inline */
    TAG_BLOCK,      /* allowed, ends a paragraph in the text rendering */
    TAG_VOID,       /* allowed, no content (img, br, hr) */
    TAG_SKIP,       /* dropped with everything inside (script, style, ...) */
    TAG_BREAK,      /* not allowed but a paragraph boundary in the text (section, article...) */
};

enum tag_special { TAG_PLAIN = 0, TAG_PRE, TAG_BR, TAG_HR };

struct tag_def {
    const char *name;
    enum tag_kind kind;
    const char *attrs; /* space-separated allowed attributes, with a leading and trailing space */
    enum tag_special special;
};

/* Sorted by name for bsearch. */
static const struct tag_def tag_defs[] = {
    {"a", TAG_ALLOW, " href title ", TAG_PLAIN},
    {"abbr", TAG_ALLOW, " title ", TAG_PLAIN},
    {"address", TAG_BREAK, "", TAG_PLAIN},
    {"applet", TAG_SKIP, "", TAG_PLAIN},
    {"article", TAG_BREAK, "", TAG_PLAIN},
    {"aside", TAG_BREAK, "", TAG_PLAIN},
    {"audio", TAG_SKIP, "", TAG_PLAIN},
    {"b", TAG_ALLOW, "", TAG_PLAIN},
    {"blockquote", TAG_BLOCK, " cite ", TAG_PLAIN},
    {"br", TAG_VOID, "", TAG_BR},
    {"button", TAG_SKIP, "", TAG_PLAIN},
    {"caption", TAG_BLOCK, "", TAG_PLAIN},
    {"center", TAG_BREAK, "", TAG_PLAIN},
    {"cite", TAG_ALLOW, "", TAG_PLAIN},
    {"code", TAG_ALLOW, "", TAG_PLAIN},
    {"dd", TAG_BLOCK, "", TAG_PLAIN},
    {"del", TAG_ALLOW, "", TAG_PLAIN},
    {"details", TAG_BREAK, "", TAG_PLAIN},
    {"dfn", TAG_ALLOW, "", TAG_PLAIN},
    {"div", TAG_BLOCK, "", TAG_PLAIN},
    {"dl", TAG_BLOCK, "", TAG_PLAIN},
    {"dt", TAG_BLOCK, "", TAG_PLAIN},
    {"em", TAG_ALLOW, "", TAG_PLAIN},
    {"embed", TAG_SKIP, "", TAG_PLAIN},
    {"figcaption", TAG_BLOCK, "", TAG_PLAIN},
    {"figure", TAG_BLOCK, "", TAG_PLAIN},
    {"footer", TAG_BREAK, "", TAG_PLAIN},
    {"form", TAG_SKIP, "", TAG_PLAIN},
    {"frame", TAG_SKIP, "", TAG_PLAIN},
    {"frameset", TAG_SKIP, "", TAG_PLAIN},
    {"h1", TAG_BLOCK, "", TAG_PLAIN},
    {"h2", TAG_BLOCK, "", TAG_PLAIN},
    {"h3", TAG_BLOCK, "", TAG_PLAIN},
    {"h4", TAG_BLOCK, "", TAG_PLAIN},
    {"h5", TAG_BLOCK, "", TAG_PLAIN},
    {"h6", TAG_BLOCK, "", TAG_PLAIN},
    {"head", TAG_SKIP, "", TAG_PLAIN},
    {"header", TAG_BREAK, "", TAG_PLAIN},
    {"hr", TAG_VOID, "", TAG_HR},
    {"i", TAG_ALLOW, "", TAG_PLAIN},
    {"iframe", TAG_SKIP, "", TAG_PLAIN},
    {"img", TAG_VOID, " src alt title width height ", TAG_PLAIN},
    {"ins", TAG_ALLOW, "", TAG_PLAIN},
    {"kbd", TAG_ALLOW, "", TAG_PLAIN},
    {"li", TAG_BLOCK, "", TAG_PLAIN},
    {"main", TAG_BREAK, "", TAG_PLAIN},
    {"mark", TAG_ALLOW, "", TAG_PLAIN},
    {"math", TAG_SKIP, "", TAG_PLAIN},
    {"nav", TAG_BREAK, "", TAG_PLAIN},
    {"noembed", TAG_SKIP, "", TAG_PLAIN},
    {"noframes", TAG_SKIP, "", TAG_PLAIN},
    {"noscript", TAG_SKIP, "", TAG_PLAIN},
    {"object", TAG_SKIP, "", TAG_PLAIN},
    {"ol", TAG_BLOCK, " start ", TAG_PLAIN},
    {"p", TAG_BLOCK, "", TAG_PLAIN},
    {"pre", TAG_BLOCK, "", TAG_PRE},
    {"q", TAG_ALLOW, " cite ", TAG_PLAIN},
    {"s", TAG_ALLOW, "", TAG_PLAIN},
    {"samp", TAG_ALLOW, "", TAG_PLAIN},
    {"script", TAG_SKIP, "", TAG_PLAIN},
    {"section", TAG_BREAK, "", TAG_PLAIN},
    {"select", TAG_SKIP, "", TAG_PLAIN},
    {"small", TAG_ALLOW, "", TAG_PLAIN},
    {"span", TAG_ALLOW, "", TAG_PLAIN},
    {"strike", TAG_ALLOW, "", TAG_PLAIN},
    {"strong", TAG_ALLOW, "", TAG_PLAIN},
    {"style", TAG_SKIP, "", TAG_PLAIN},
    {"sub", TAG_ALLOW, "", TAG_PLAIN},
    {"summary", TAG_BREAK, "", TAG_PLAIN},
    {"sup", TAG_ALLOW, "", TAG_PLAIN},
    {"svg", TAG_SKIP, "", TAG_PLAIN},
    {"table", TAG_BLOCK, "", TAG_PLAIN},
    {"tbody", TAG_ALLOW, "", TAG_PLAIN},
    {"td", TAG_ALLOW, " colspan rowspan ", TAG_PLAIN},
    {"template", TAG_SKIP, "", TAG_PLAIN},
    {"textarea", TAG_SKIP, "", TAG_PLAIN},
    {"tfoot", TAG_ALLOW, "", TAG_PLAIN},
    {"th", TAG_ALLOW, " colspan rowspan ", TAG_PLAIN},
    {"thead", TAG_ALLOW, "", TAG_PLAIN},
    {"time", TAG_ALLOW, " datetime ", TAG_PLAIN},
    {"title", TAG_SKIP, "", TAG_PLAIN},
    {"tr", TAG_BLOCK, "", TAG_PLAIN},
    {"tt", TAG_ALLOW, "", TAG_PLAIN},
    {"u", TAG_ALLOW, "", TAG_PLAIN},
    {"ul", TAG_BLOCK, "", TAG_PLAIN},
    {"var", TAG_ALLOW, "", TAG_PLAIN},
    {"video", TAG_SKIP, "", TAG_PLAIN},
};

/* Binary search over the sorted table; the first letter settles most steps without a strcmp. */
static const struct tag_def *tag_find(const char *name)
{
    size_t lo = 0, hi = sizeof tag_defs / sizeof tag_defs[0];
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const char *t = tag_defs[mid].name;
        int c = (unsigned char)name[0] - (unsigned char)t[0];
        if (c == 0)
            c = strcmp(name, t);
        if (c == 0)
            return &tag_defs[mid];
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return NULL;
}

struct html_out {
    struct cw_buf html;
    struct cw_buf text;
    int want_html, want_text;
    int pending_space;
    int pending_break; /* 0, 1 = newline, 2 = blank line */
    int pre;           /* inside <pre>: keep whitespace */
    const char *base;
};

static void text_break(struct html_out *o, int level)
{
    if (level > o->pending_break)
        o->pending_break = level;
}


/* Byte classes for the text rendering: 0 visible, 1 whitespace, 2 the lead byte of U+00A0. */
static const unsigned char text_class[256] = {
    ['\t'] = 1, ['\n'] = 1, ['\r'] = 1, ['\f'] = 1, [' '] = 1, [0xC2] = 2,
};

#define ONES 0x0101010101010101ULL
#define HIGHS 0x8080808080808080ULL
#define LOWS 0x7F7F7F7F7F7F7F7FULL

/* High bit of each byte of v that equals c (exact: no borrow between bytes). */
static inline uint64_t bytes_eq(uint64_t v, unsigned char c)
{
    uint64_t x = v ^ (ONES * c);
    return ~(((x & LOWS) + LOWS) | x) & HIGHS;
}

/* 1 when the eight bytes at p can go into the text rendering as they are: no whitespace but
 * single spaces each followed by a visible byte, no U+00A0 lead byte. Most of a paragraph. */
static inline int word_is_plain_text(const unsigned char *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
    uint64_t ge21 = (((v & LOWS) + ONES * (0x80 - 0x21)) | v) & HIGHS; /* bytes >= 0x21 */
    uint64_t special = (~ge21 & HIGHS) | bytes_eq(v, 0xC2);
    uint64_t sp = bytes_eq(v, ' ');
    return (special & ~sp) == 0 && ((sp << 8) & special) == 0 && (sp >> 63) == 0;
}

/* Appends decoded text to the plain rendering with whitespace collapsed. */
static void text_put(struct html_out *o, const char *s, size_t n)
{
    const unsigned char *u = (const unsigned char *)s;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = u[i];
        if (text_class[c] == 0 && o->pending_break == 0 && (o->pending_space == 0 || o->text.len == 0)) {
            /* Fast path: a run of visible bytes, single spaces between words included (they are
             * already collapsed), with nothing pending goes in one append. */
            size_t j = i + 1;
            while (j < n) {
                if (j + 8 <= n && word_is_plain_text(u + j)) {
                    j += 8;
                    continue;
                }
                unsigned char k = text_class[u[j]];
                if (k == 0)
                    j++;
                else if (u[j] == ' ' && j + 1 < n && text_class[u[j + 1]] == 0)
                    j += 2;
                else
                    break;
            }
            cw_buf_append_fast(&o->text, s + i, j - i);
            o->pending_space = 0;
            i = j - 1;
            continue;
        }
        if (text_class[c] == 1) {
            if (o->pre && c == '\n')
                text_break(o, 1);
            else
                o->pending_space = 1;
            continue;
        }
        /* U+00A0 (no-break space) counts as a space in the text rendering. */
        if (c == 0xC2 && i + 1 < n && u[i + 1] == 0xA0) {
            o->pending_space = 1;
            i++;
            continue;
        }
        if (o->text.len > 0) {
            if (o->pending_break == 2)
                cw_buf_puts(&o->text, "\n\n");
            else if (o->pending_break == 1)
                cw_buf_putc_fast(&o->text, '\n');
            else if (o->pending_space)
                cw_buf_putc_fast(&o->text, ' ');
        }
        o->pending_break = 0;
        o->pending_space = 0;
        cw_buf_putc_fast(&o->text, (char)c);
    }
}

/* Nonzero when one of the eight bytes of v equals c. */
static inline uint64_t has_byte(uint64_t v, unsigned char c)
{
    uint64_t x = v ^ (ONES * c);
    return (x - ONES) & ~x & HIGHS;
}

static void html_escape_append(struct cw_buf *b, const char *s, size_t n, int attr)
{
    size_t start = 0;
    for (size_t i = 0; i < n; i++) {
        /* Eight bytes at a time while none of them is special. */
        while (i + 8 <= n) {
            uint64_t v;
            memcpy(&v, s + i, 8);
            if (has_byte(v, '&') | has_byte(v, '<') | has_byte(v, '>') | (attr ? has_byte(v, '"') : 0))
                break;
            i += 8;
        }
        if (i >= n)
            break;
        unsigned char c = (unsigned char)s[i];
        /* One test rejects most bytes: every special character is below '?'. */
        if (c > '>' || (c != '&' && c != '<' && c != '>' && c != '"'))
            continue;
        const char *rep;
        size_t rl;
        switch (c) {
        case '&': rep = "&amp;"; rl = 5; break;
        case '<': rep = "&lt;"; rl = 4; break;
        case '>': rep = "&gt;"; rl = 4; break;
        default:
            if (!attr)
                continue;
            rep = "&quot;";
            rl = 6;
        }
        cw_buf_append_fast(b, s + start, i - start);
        cw_buf_append_fast(b, rep, rl);
        start = i + 1;
    }
    cw_buf_append_fast(b, s + start, n - start);
}

/* Decoded text run: escaped into the HTML, collapsed into the text. Entities are decoded one at
 * a time into a small stack buffer, so a text run costs no allocation. */
static void emit_text(struct html_out *o, const char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        const char *amp = memchr(s + i, '&', n - i);
        size_t run = amp ? (size_t)(amp - (s + i)) : n - i;
        if (run > 0) {
            if (o->want_html)
                html_escape_append(&o->html, s + i, run, 0);
            if (o->want_text)
                text_put(o, s + i, run);
            i += run;
        }
        if (i >= n)
            break;
        uint32_t cp[2];
        int ncp = 0;
        size_t used = entities_decode_ref(s + i, n - i, cp, &ncp);
        char small[8];
        size_t ul = 0;
        if (used == 0) {
            small[0] = '&';
            ul = 1;
            used = 1;
        } else {
            for (int k = 0; k < ncp; k++)
                ul += entities_utf8(cp[k], small + ul);
        }
        if (o->want_html)
            html_escape_append(&o->html, small, ul, 0);
        if (o->want_text)
            text_put(o, small, ul);
        i += used;
    }
}

static void html_close_tag(struct cw_buf *b, const char *name)
{
    cw_buf_append_fast(b, "</", 2);
    cw_buf_puts(b, name);
    cw_buf_putc_fast(b, '>');
}

/* ASCII classes (the C locale's, whatever the process locale): markup is ASCII, and a table-free
 * test is cheaper than the ctype calls in the per-tag loop. */
static inline int html_space(unsigned char c) { return c == ' ' || (c >= '\t' && c <= '\r'); }
static inline int html_alpha(unsigned char c) { return (unsigned char)((c | 0x20) - 'a') < 26; }
static inline int html_alnum(unsigned char c) { return html_alpha(c) || (unsigned char)(c - '0') < 10; }
static inline char html_lower(unsigned char c) { return (char)(c >= 'A' && c <= 'Z' ? c + 32 : c); }

static int is_name_char(char c)
{
    return html_alnum((unsigned char)c) || c == '-' || c == '_' || c == ':';
}

/* Parses attributes from p (just past the tag name) up to the closing '>', writing the allowed
 * ones. Returns the position after '>' (or end). */
static const char *emit_attrs(struct html_out *o, const struct tag_def *def, const char *p, const char *end,
                              int write)
{
    while (p < end) {
        while (p < end && (html_space((unsigned char)*p) || *p == '/'))
            p++;
        if (p >= end)
            break;
        if (*p == '>')
            return p + 1;
        const char *an = p;
        while (p < end && !html_space((unsigned char)*p) && *p != '=' && *p != '>' && *p != '/')
            p++;
        size_t anl = (size_t)(p - an);
        if (anl == 0) {
            p++;
            continue;
        }
        while (p < end && html_space((unsigned char)*p))
            p++;
        const char *val = NULL;
        size_t vl = 0;
        if (p < end && *p == '=') {
            p++;
            while (p < end && html_space((unsigned char)*p))
                p++;
            if (p < end && (*p == '"' || *p == '\'')) {
                char q = *p++;
                val = p;
                while (p < end && *p != q)
                    p++;
                vl = (size_t)(p - val);
                if (p < end)
                    p++;
            } else {
                val = p;
                while (p < end && !html_space((unsigned char)*p) && *p != '>')
                    p++;
                vl = (size_t)(p - val);
            }
        }
        if (!write || anl > 16 || def->attrs[0] == '\0')
            continue;
        /* key = " name " (lowercase), looked up in the tag's allow-list */
        char key[24];
        key[0] = ' ';
        for (size_t i = 0; i < anl; i++)
            key[i + 1] = html_lower((unsigned char)an[i]);
        key[anl + 1] = ' ';
        key[anl + 2] = '\0';
        if (strstr(def->attrs, key) == NULL)
            continue;
        key[anl + 1] = '\0';
        const char *aname = key + 1;
        struct cw_buf v;
        cw_buf_init(&v, 16384);
        if (val && vl > 0)
            entities_decode_append(&v, val, vl);
        const char *vs = v.data ? v.data : "";
        char *resolved = NULL;
        if (strcmp(aname, "href") == 0 || strcmp(aname, "src") == 0 || strcmp(aname, "cite") == 0) {
            if (!url_is_safe(vs)) {
                cw_buf_free(&v);
                continue;
            }
            resolved = url_resolve(vs, o->base);
            /* The reference itself was checked; its resolution only adds the caller's base. */
            if (resolved == NULL) {
                free(resolved);
                cw_buf_free(&v);
                continue;
            }
            vs = resolved;
        }
        cw_buf_putc_fast(&o->html, ' ');
        cw_buf_append_fast(&o->html, aname, anl);
        cw_buf_append_fast(&o->html, "=\"", 2);
        html_escape_append(&o->html, vs, strlen(vs), 1);
        cw_buf_putc_fast(&o->html, '"');
        free(resolved);
        cw_buf_free(&v);
    }
    return end;
}

/* Finds the end of a raw-text element's content: the matching "</name" (case-insensitive). */
static const char *skip_raw(const char *p, const char *end, const char *name)
{
    size_t nl = strlen(name);
    while (p < end) {
        const char *lt = memchr(p, '<', (size_t)(end - p));
        if (lt == NULL)
            return end;
        if (lt + 2 + nl <= end && lt[1] == '/' && strncasecmp(lt + 2, name, nl) == 0 &&
            (lt + 2 + nl == end || !is_name_char(lt[2 + nl]))) {
            const char *gt = memchr(lt, '>', (size_t)(end - lt));
            return gt ? gt + 1 : end;
        }
        p = lt + 1;
    }
    return end;
}

void html_scratch_init(struct html_scratch *s)
{
    cw_buf_init(&s->html, HTML_MAX_OUT);
    cw_buf_init(&s->text, HTML_MAX_OUT);
}

void html_scratch_free(struct html_scratch *s)
{
    if (s == NULL)
        return;
    cw_buf_free(&s->html);
    cw_buf_free(&s->text);
}

/* The buffer's contents as an owned string of exact size; NULL on allocation failure. */
static char *buf_copy(const struct cw_buf *b)
{
    char *out = malloc(b->len + 1);
    if (out == NULL)
        return NULL;
    if (b->len > 0)
        memcpy(out, b->data, b->len);
    out[b->len] = '\0';
    return out;
}

int html_sanitize(const char *s, size_t n, const char *base, char **html_out, char **text_out)
{
    return html_sanitize_with(NULL, s, n, base, html_out, text_out);
}

int html_sanitize_with(struct html_scratch *scratch, const char *s, size_t n, const char *base, char **html_out,
                       char **text_out)
{
    struct html_out o;
    memset(&o, 0, sizeof o);
    if (scratch != NULL) {
        o.html = scratch->html;
        o.text = scratch->text;
        cw_buf_reset(&o.html);
        cw_buf_reset(&o.text);
    } else {
        cw_buf_init(&o.html, HTML_MAX_OUT);
        cw_buf_init(&o.text, HTML_MAX_OUT);
    }
    o.want_html = html_out != NULL;
    o.want_text = text_out != NULL;
    o.base = base;
    const struct tag_def *stack[HTML_MAX_DEPTH];
    int depth = 0;
    int skip_depth = 0; /* nested TAG_SKIP elements whose end tag we could not find */
    const char *p = s, *end = s + n;
    (void)skip_depth;
    while (p < end) {
        const char *lt = memchr(p, '<', (size_t)(end - p));
        if (lt == NULL) {
            emit_text(&o, p, (size_t)(end - p));
            break;
        }
        char c1 = lt + 1 < end ? lt[1] : '\0';
        int closing = c1 == '/';
        const char *nm = lt + 1 + closing;
        if (!(c1 == '!' || c1 == '?' || (nm < end && html_alpha((unsigned char)*nm)))) {
            /* A '<' that starts no tag is text ("a < b"). */
            emit_text(&o, p, (size_t)(lt - p) + 1);
            p = lt + 1;
            continue;
        }
        emit_text(&o, p, (size_t)(lt - p));
        if (c1 == '!' || c1 == '?') {
            if (lt + 4 <= end && strncmp(lt, "<!--", 4) == 0) {
                const char *ce = NULL;
                for (const char *q = lt + 4; q + 3 <= end; q++)
                    if (q[0] == '-' && q[1] == '-' && q[2] == '>') {
                        ce = q + 3;
                        break;
                    }
                p = ce ? ce : end;
            } else if (lt + 9 <= end && strncmp(lt, "<![CDATA[", 9) == 0) {
                const char *ce = NULL;
                for (const char *q = lt + 9; q + 3 <= end; q++)
                    if (q[0] == ']' && q[1] == ']' && q[2] == '>') {
                        ce = q;
                        break;
                    }
                const char *te = ce ? ce : end;
                if (o.want_html)
                    html_escape_append(&o.html, lt + 9, (size_t)(te - (lt + 9)), 0);
                if (o.want_text)
                    text_put(&o, lt + 9, (size_t)(te - (lt + 9)));
                p = ce ? ce + 3 : end;
            } else {
                const char *gt = memchr(lt, '>', (size_t)(end - lt));
                p = gt ? gt + 1 : end;
            }
            continue;
        }
        const char *ne = nm;
        while (ne < end && is_name_char(*ne))
            ne++;
        char name[16];
        size_t nlen = (size_t)(ne - nm);
        const struct tag_def *def = NULL;
        if (nlen < sizeof name) {
            for (size_t i = 0; i < nlen; i++)
                name[i] = html_lower((unsigned char)nm[i]);
            name[nlen] = '\0';
            def = tag_find(name);
        }
        enum tag_kind kind = def ? def->kind : TAG_DROP;
        if (closing) {
            const char *gt = memchr(ne, '>', (size_t)(end - ne));
            p = gt ? gt + 1 : end;
            if (kind == TAG_BLOCK || kind == TAG_BREAK)
                text_break(&o, 2);
            if (def == NULL || kind == TAG_VOID || kind == TAG_DROP || kind == TAG_SKIP || kind == TAG_BREAK)
                continue;
            int k = depth - 1;
            while (k >= 0 && stack[k] != def)
                k--;
            if (k < 0)
                continue; /* stray end tag */
            while (depth > k) {
                depth--;
                if (o.want_html)
                    html_close_tag(&o.html, stack[depth]->name);
                if (stack[depth]->kind == TAG_BLOCK)
                    text_break(&o, 2);
                if (stack[depth]->special == TAG_PRE)
                    o.pre = 0;
            }
            continue;
        }
        if (kind == TAG_SKIP) {
            const char *gt = memchr(ne, '>', (size_t)(end - ne));
            if (gt && gt > ne && gt[-1] == '/') {
                p = gt + 1;
                continue;
            }
            p = skip_raw(gt ? gt + 1 : end, end, def->name);
            continue;
        }
        int write = o.want_html && (kind == TAG_ALLOW || kind == TAG_BLOCK || kind == TAG_VOID) &&
                    (kind == TAG_VOID || depth < HTML_MAX_DEPTH);
        if (kind == TAG_BLOCK || kind == TAG_BREAK)
            text_break(&o, 2);
        if (def != NULL && def->special == TAG_BR)
            text_break(&o, 1);
        if (write) {
            cw_buf_putc_fast(&o.html, '<');
            cw_buf_puts(&o.html, def->name);
        }
        p = emit_attrs(&o, def, ne, end, write);
        if (write)
            cw_buf_puts(&o.html, kind == TAG_VOID ? " />" : ">");
        if (def != NULL && def->special == TAG_HR)
            text_break(&o, 2);
        if ((kind == TAG_ALLOW || kind == TAG_BLOCK) && depth < HTML_MAX_DEPTH) {
            if (write && p > ne && p[-1] == '>' && p - 2 >= ne && p[-2] == '/') {
                /* "<p/>": self-closed non-void element */
                html_close_tag(&o.html, def->name);
                continue;
            }
            stack[depth++] = def;
            if (def->special == TAG_PRE)
                o.pre = 1;
        }
    }
    while (depth > 0) {
        depth--;
        if (o.want_html)
            html_close_tag(&o.html, stack[depth]->name);
    }
    if (html_out) {
        *html_out = scratch ? buf_copy(&o.html) : cw_buf_steal(&o.html);
        if (*html_out == NULL)
            goto fail;
    }
    if (text_out) {
        *text_out = scratch ? buf_copy(&o.text) : cw_buf_steal(&o.text);
        if (*text_out == NULL) {
            if (html_out) {
                free(*html_out);
                *html_out = NULL;
            }
            goto fail;
        }
    }
    if (scratch != NULL) {
        scratch->html = o.html;
        scratch->text = o.text;
        return 0;
    }
    cw_buf_free(&o.html);
    cw_buf_free(&o.text);
    return 0;
fail:
    if (scratch != NULL) {
        scratch->html = o.html;
        scratch->text = o.text;
        return -1;
    }
    cw_buf_free(&o.html);
    cw_buf_free(&o.text);
    return -1;
}

char *html_plain(const char *s)
{
    if (s == NULL)
        return NULL;
    char *text = NULL;
    if (strchr(s, '<') == NULL && strchr(s, '&') == NULL) {
        struct html_out o;
        memset(&o, 0, sizeof o);
        cw_buf_init(&o.text, HTML_MAX_OUT);
        o.want_text = 1;
        text_put(&o, s, strlen(s));
        text = cw_buf_steal(&o.text);
    } else if (html_sanitize(s, strlen(s), NULL, NULL, &text) != 0) {
        return NULL;
    }
    if (text != NULL && text[0] == '\0') {
        free(text);
        return NULL;
    }
    /* Titles are one line. */
    for (char *q = text; q && *q; q++)
        if (*q == '\n')
            *q = ' ';
    return text;
}

char *html_escape(const char *s)
{
    if (s == NULL)
        return NULL;
    struct cw_buf b;
    cw_buf_init(&b, HTML_MAX_OUT);
    html_escape_append(&b, s, strlen(s), 1);
    return cw_buf_steal(&b);
}
