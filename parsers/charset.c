#include "parsers/charset.h"

#include <ctype.h>
#include <errno.h>
#include <iconv.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "parsers/entities.h"

/* Inline fast path for capped-buffer appends that fit the current allocation (the common case in
 * this hot loop); anything else goes through cw_buf_append and its cap and growth rules. */
static inline int fast_append(struct cw_buf *b, const void *p, size_t n)
{
    if (b->data != NULL && n < b->cap - b->len && n <= b->max - b->len) {
        memcpy(b->data + b->len, p, n);
        b->len += n;
        b->data[b->len] = '\0';
        return 0;
    }
    return cw_buf_append(b, p, n);
}

static inline int fast_putc(struct cw_buf *b, char c) { return fast_append(b, &c, 1); }

void charset_error(struct cw_strv *errors, const char *msg)
{
    if (errors->n >= CHARSET_MAX_ERRORS || cw_strv_contains(errors, msg))
        return;
    cw_strv_push(errors, msg);
}

static void enc_copy(char *enc, size_t enclen, const char *s, size_t n)
{
    size_t j = 0;
    for (size_t i = 0; i < n && j + 1 < enclen; i++) {
        char c = (char)tolower((unsigned char)s[i]);
        if (!(isalnum((unsigned char)c) || c == '-' || c == '_' || c == '.' || c == ':'))
            break;
        enc[j++] = c;
    }
    enc[j] = '\0';
}

void charset_detect(const char *data, size_t len, int xml, const char *content_type, char *enc, size_t enclen)
{
    const unsigned char *u = (const unsigned char *)data;
    snprintf(enc, enclen, "utf-8");
    if (len >= 3 && u[0] == 0xEF && u[1] == 0xBB && u[2] == 0xBF)
        return;
    if (len >= 2 && u[0] == 0xFF && u[1] == 0xFE) {
        snprintf(enc, enclen, "utf-16le");
        return;
    }
    if (len >= 2 && u[0] == 0xFE && u[1] == 0xFF) {
        snprintf(enc, enclen, "utf-16be");
        return;
    }
    if (len >= 4 && u[0] == '<' && u[1] == 0 && u[2] == '?' && u[3] == 0) {
        snprintf(enc, enclen, "utf-16le");
        return;
    }
    if (len >= 4 && u[0] == 0 && u[1] == '<' && u[2] == 0 && u[3] == '?') {
        snprintf(enc, enclen, "utf-16be");
        return;
    }
    if (xml) {
        size_t lim = len < 1024 ? len : 1024;
        const char *decl = NULL;
        for (size_t i = 0; i + 5 <= lim; i++)
            if (memcmp(data + i, "<?xml", 5) == 0) {
                decl = data + i;
                break;
            }
        if (decl) {
            const char *dend = memchr(decl, '>', lim - (size_t)(decl - data));
            size_t dl = dend ? (size_t)(dend - decl) : lim - (size_t)(decl - data);
            for (size_t i = 0; i + 8 < dl; i++) {
                if (memcmp(decl + i, "encoding", 8) != 0)
                    continue;
                size_t k = i + 8;
                while (k < dl && (decl[k] == ' ' || decl[k] == '='))
                    k++;
                if (k < dl && (decl[k] == '"' || decl[k] == '\'')) {
                    enc_copy(enc, enclen, decl + k + 1, dl - k - 1);
                    if (enc[0] == '\0')
                        snprintf(enc, enclen, "utf-8");
                    return;
                }
            }
        }
    }
    if (content_type) {
        const char *cs = strcasestr(content_type, "charset=");
        if (cs) {
            cs += 8;
            while (*cs == '"' || *cs == '\'' || *cs == ' ')
                cs++;
            enc_copy(enc, enclen, cs, strlen(cs));
            if (enc[0] == '\0')
                snprintf(enc, enclen, "utf-8");
        }
    }
}

/* windows-1252 bytes 0x80..0x9F; the five it leaves undefined stay C1 controls as browsers do. */
static const unsigned short cp1252_c1[32] = {
    0x20AC, 0x81, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
    0x2039, 0x0152, 0x8D, 0x017D, 0x8F, 0x90, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
    0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x9D, 0x017E, 0x0178,
};

static int put_cp1252(struct cw_buf *out, unsigned char c)
{
    if (c < 0x80)
        return fast_putc(out, (char)c);
    uint32_t cp = c < 0xA0 ? cp1252_c1[c - 0x80] : c;
    return entities_put_utf8(out, cp);
}

/* Length of the valid UTF-8 sequence at s (n bytes left), 0 if invalid. */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
    unsigned char c = s[0];
    if (c < 0x80)
        return 1;
    if (c >= 0xC2 && c <= 0xDF)
        return n >= 2 && (s[1] & 0xC0) == 0x80 ? 2 : 0;
    if (c >= 0xE0 && c <= 0xEF) {
        if (n < 3 || (s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80)
            return 0;
        if (c == 0xE0 && s[1] < 0xA0)
            return 0;
        if (c == 0xED && s[1] >= 0xA0)
            return 0; /* surrogates */
        return 3;
    }
    if (c >= 0xF0 && c <= 0xF4) {
        if (n < 4 || (s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80 || (s[3] & 0xC0) != 0x80)
            return 0;
        if (c == 0xF0 && s[1] < 0x90)
            return 0;
        if (c == 0xF4 && s[1] >= 0x90)
            return 0;
        return 4;
    }
    return 0;
}

int charset_utf8_valid(const char *data, size_t len)
{
    const unsigned char *u = (const unsigned char *)data;
    size_t i = 0;
    while (i < len) {
        /* ASCII eight bytes at a time: most of a feed is markup. */
        while (i + 8 <= len) {
            uint64_t w;
            memcpy(&w, u + i, 8);
            if (w & 0x8080808080808080ULL)
                break;
            i += 8;
        }
        if (i >= len)
            break;
        size_t k = utf8_seq(u + i, len - i);
        if (k == 0)
            return 0;
        i += k;
    }
    return 1;
}

static int is_latin1_alias(const char *enc)
{
    static const char *const names[] = {"iso-8859-1", "iso8859-1", "latin1", "latin-1", "l1", "us-ascii",
                                        "ascii", "windows-1252", "cp1252", "x-cp1252", "iso_8859-1",
                                        "ansi_x3.4-1968", "cp819", "ibm819"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcmp(enc, names[i]) == 0)
            return 1;
    return 0;
}

int charset_to_utf8(const char *data, size_t len, const char *enc, struct cw_buf *out, struct cw_strv *errors)
{
    const unsigned char *u = (const unsigned char *)data;
    int rc = 0;
    int is_utf8 = strcmp(enc, "utf-8") == 0 || strcmp(enc, "utf8") == 0;
    if (is_latin1_alias(enc)) {
        /* Browsers read latin-1 and ascii labels as windows-1252; so do we (curly quotes in
         * "iso-8859-1" feeds are almost always 1252). */
        for (size_t i = 0; i < len && rc == 0; i++)
            rc = put_cp1252(out, u[i]);
        return rc ? -1 : 0;
    }
    iconv_t cd = (iconv_t)-1;
    if (!is_utf8) {
        cd = iconv_open("UTF-8", enc);
        if (cd == (iconv_t)-1) {
            char msg[128];
            snprintf(msg, sizeof msg, "unknown encoding \"%.40s\", read as utf-8", enc);
            charset_error(errors, msg);
            is_utf8 = 1;
        }
    }
    if (is_utf8) {
        size_t i = 0;
        int bad = 0;
        if (len >= 3 && u[0] == 0xEF && u[1] == 0xBB && u[2] == 0xBF)
            i = 3;
        while (i < len && rc == 0) {
            size_t start = i;
            while (i < len && u[i] < 0x80)
                i++;
            size_t k;
            while (i < len && (k = utf8_seq(u + i, len - i)) > 0)
                i += k;
            rc = fast_append(out, data + start, i - start);
            if (i < len && rc == 0 && utf8_seq(u + i, len - i) == 0) {
                if (!bad) {
                    char msg[96];
                    snprintf(msg, sizeof msg, "invalid UTF-8 byte 0x%02X at offset %zu: invalid bytes read as windows-1252", u[i], i);
                    charset_error(errors, msg);
                }
                bad = 1;
                rc = put_cp1252(out, u[i]);
                i++;
            }
        }
        return rc ? -1 : 0;
    }
    char *in = (char *)data;
    size_t inleft = len;
    char tmp[8192];
    int bad = 0;
    while (inleft > 0 && rc == 0) {
        char *o = tmp;
        size_t oleft = sizeof tmp;
        size_t r = iconv(cd, &in, &inleft, &o, &oleft);
        rc = fast_append(out, tmp, sizeof tmp - oleft);
        if (r == (size_t)-1 && rc == 0) {
            if (errno == E2BIG)
                continue;
            /* EILSEQ or EINVAL (truncated at the end): replace one byte and go on. */
            if (!bad) {
                char msg[96];
                snprintf(msg, sizeof msg, "invalid %.30s byte at offset %zu replaced", enc, len - inleft);
                charset_error(errors, msg);
            }
            bad = 1;
            rc = entities_put_utf8(out, 0xFFFD);
            in++;
            inleft--;
        }
    }
    iconv_close(cd);
    /* iconv keeps a BOM of UTF-16 input as U+FEFF: drop it. */
    if (rc == 0 && out->len >= 3 && memcmp(out->data, "\xEF\xBB\xBF", 3) == 0) {
        memmove(out->data, out->data + 3, out->len - 3 + 1);
        out->len -= 3;
    }
    return rc ? -1 : 0;
}

/* Copies s..end up to and including terminator (or to end). Returns the new position. */
static const char *copy_until(struct cw_buf *out, const char *s, const char *end, const char *term, int *rc)
{
    size_t tl = strlen(term);
    const char *p = s;
    while (p + tl <= end && memcmp(p, term, tl) != 0) {
        const char *q = memchr(p + 1, term[0], (size_t)(end - p - 1));
        p = q ? q : end;
    }
    const char *stop = p + tl <= end ? p + tl : end;
    if (*rc == 0)
        *rc = fast_append(out, s, (size_t)(stop - s));
    return stop;
}

/* Skips a DOCTYPE declaration starting at p ("<!DOCTYPE"), internal subset included. */
static const char *skip_doctype(const char *p, const char *end, int *had_subset)
{
    char quote = 0;
    int bracket = 0;
    for (p += 9; p < end; p++) {
        char c = *p;
        if (quote) {
            if (c == quote)
                quote = 0;
        } else if (c == '"' || c == '\'') {
            quote = c;
        } else if (c == '[') {
            bracket++;
            *had_subset = 1;
        } else if (c == ']') {
            if (bracket > 0)
                bracket--;
        } else if (c == '>' && bracket == 0) {
            return p + 1;
        }
    }
    return end;
}

int charset_clean_xml(const char *data, size_t len, struct cw_buf *out, struct cw_strv *errors)
{
    const char *p = data, *end = data + len;
    int rc = 0;
    /* Junk before the first tag (blank lines, a stray byte-order mark, PHP notices). */
    const char *first = memchr(p, '<', len);
    if (first == NULL)
        return fast_append(out, "", 0) ? -1 : 0;
    for (const char *q = p; q < first; q++)
        if (!isspace((unsigned char)*q)) {
            charset_error(errors, "junk before the first tag skipped");
            break;
        }
    p = first;
    size_t undeclared = 0;
    while (p < end && rc == 0) {
        /* Copy the plain run up to the next character that needs a decision. */
        const char *q = p;
        while (q < end) {
            unsigned char c = (unsigned char)*q;
            if (c == '<' || c == '&' || (c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0xEF)
                break;
            q++;
        }
        rc = fast_append(out, p, (size_t)(q - p));
        p = q;
        if (p >= end || rc != 0)
            break;
        unsigned char c = (unsigned char)*p;
        if (c == 0xEF) {
            /* U+FFFE and U+FFFF are not XML characters; U+FEFF inside text is harmless. */
            if (p + 2 < end && (unsigned char)p[1] == 0xBF && ((unsigned char)p[2] == 0xBE || (unsigned char)p[2] == 0xBF)) {
                p += 3;
                charset_error(errors, "non-characters U+FFFE/U+FFFF stripped");
            } else {
                rc = fast_putc(out, *p++);
            }
            continue;
        }
        if (c < 0x20) {
            charset_error(errors, "control characters stripped");
            p++;
            continue;
        }
        if (c == '<') {
            size_t left = (size_t)(end - p);
            if (left >= 4 && memcmp(p, "<!--", 4) == 0) {
                p = copy_until(out, p, end, "-->", &rc);
            } else if (left >= 9 && memcmp(p, "<![CDATA[", 9) == 0) {
                /* CDATA content is copied as is, apart from characters XML forbids. */
                const char *ce = p + 9;
                while (ce + 3 <= end && memcmp(ce, "]]>", 3) != 0) {
                    const char *nx = memchr(ce + 1, ']', (size_t)(end - ce - 1));
                    ce = nx ? nx : end;
                }
                const char *stop = ce + 3 <= end ? ce + 3 : end;
                for (const char *r = p; r < stop && rc == 0; r++) {
                    unsigned char rc2 = (unsigned char)*r;
                    if (rc2 < 0x20 && rc2 != '\t' && rc2 != '\n' && rc2 != '\r') {
                        charset_error(errors, "control characters stripped");
                        continue;
                    }
                    rc = fast_putc(out, *r);
                }
                p = stop;
            } else if (left >= 5 && memcmp(p, "<?xml", 5) == 0 && (left == 5 || isspace((unsigned char)p[5]))) {
                /* The declaration: dropped, the parser is told the text is UTF-8 now. */
                const char *e = p;
                while (e + 2 <= end && memcmp(e, "?>", 2) != 0)
                    e++;
                p = e + 2 <= end ? e + 2 : end;
            } else if (left >= 9 && strncasecmp(p, "<!DOCTYPE", 9) == 0) {
                int subset = 0;
                p = skip_doctype(p, end, &subset);
                if (subset)
                    charset_error(errors, "DTD internal subset ignored (entities are never expanded)");
            } else if (left >= 2 && p[1] == '?') {
                p = copy_until(out, p, end, "?>", &rc);
            } else {
                rc = fast_putc(out, *p++);
            }
            continue;
        }
        /* '&' */
        size_t left = (size_t)(end - p);
        size_t i = 1;
        if (left > 1 && p[1] == '#') {
            uint32_t cp[2];
            int ncp = 0;
            size_t used = entities_decode_ref(p, left, cp, &ncp);
            if (used == 0) {
                rc = cw_buf_puts(out, "&amp;");
                p++;
                continue;
            }
            if ((cp[0] < 0x20 && cp[0] != 9 && cp[0] != 10 && cp[0] != 13) || cp[0] == 0xFFFE || cp[0] == 0xFFFF ||
                (cp[0] >= 0xD800 && cp[0] <= 0xDFFF) || cp[0] > 0x10FFFF) {
                charset_error(errors, "reference to a character XML forbids dropped");
            } else {
                rc = cw_buf_printf(out, "&#x%X;", (unsigned)cp[0]);
            }
            p += used;
            continue;
        }
        while (i < left && i < 42 && isalnum((unsigned char)p[i]))
            i++;
        if (i == 1 || i >= left || p[i] != ';') {
            rc = cw_buf_puts(out, "&amp;");
            p++;
            continue;
        }
        size_t nl = i - 1;
        const char *nm = p + 1;
        if ((nl == 3 && memcmp(nm, "amp", 3) == 0) || (nl == 2 && memcmp(nm, "lt", 2) == 0) ||
            (nl == 2 && memcmp(nm, "gt", 2) == 0) || (nl == 4 && memcmp(nm, "quot", 4) == 0) ||
            (nl == 4 && memcmp(nm, "apos", 4) == 0)) {
            rc = fast_append(out, p, i + 1);
        } else {
            uint32_t cp[2];
            int k = entities_lookup(nm, nl, cp);
            if (k == 0) {
                if (undeclared++ == 0) {
                    char msg[96];
                    snprintf(msg, sizeof msg, "undeclared entity &%.*s; kept as text", (int)(nl > 40 ? 40 : nl), nm);
                    charset_error(errors, msg);
                }
                rc = cw_buf_puts(out, "&amp;");
                if (rc == 0)
                    rc = fast_append(out, nm, nl + 1);
            } else {
                for (int j = 0; j < k && rc == 0; j++)
                    rc = cw_buf_printf(out, "&#x%X;", (unsigned)cp[j]);
            }
        }
        p += i + 1;
    }
    return rc ? -1 : 0;
}
