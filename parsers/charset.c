#include "parsers/charset.h"

#include <ctype.h>
#include <errno.h>
#include <iconv.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "parsers/entities.h"


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
        return cw_buf_putc_fast(out, (char)c);
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
            rc = cw_buf_append_fast(out, data + start, i - start);
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
        rc = cw_buf_append_fast(out, tmp, sizeof tmp - oleft);
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

/* The position just after the first term at or after s (or end). */
static const char *find_after(const char *s, const char *end, const char *term)
{
    size_t tl = strlen(term);
    const char *p = s;
    while (p + tl <= end && memcmp(p, term, tl) != 0) {
        const char *q = memchr(p + 1, term[0], (size_t)(end - p - 1));
        p = q ? q : end;
    }
    return p + tl <= end ? p + tl : end;
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

/* The repair pass works lazily: bytes that stay as they are are not copied, only remembered as a
 * pending span (lz.keep .. current position). The first change flushes that span into out and
 * from then on out holds the repaired text. A clean document (the usual case) therefore costs one
 * scan and no copy. */
#define ONES 0x0101010101010101ULL
#define HIGHS 0x8080808080808080ULL

struct lazy_out {
    struct cw_buf *out;
    const char *keep; /* start of the span still to be copied verbatim */
    int used;         /* out holds the repaired text so far */
    int rc;
};

/* Replaces data[from..to) with rep[0..rl) (rl 0 = drop). */
static void lz_replace(struct lazy_out *lz, const char *from, const char *to, const char *rep, size_t rl)
{
    if (lz->rc != 0)
        return;
    lz->used = 1;
    lz->rc = cw_buf_append_fast(lz->out, lz->keep, (size_t)(from - lz->keep));
    if (lz->rc == 0 && rl > 0)
        lz->rc = cw_buf_append_fast(lz->out, rep, rl);
    lz->keep = to;
}

/* The literal value of a strict XML character reference at p ("&#123;" or "&#x7B;"), or -1 when
 * the reference is not in that form (HTML-only forms such as "&#X7B;" are repaired instead). */
static long xml_numref(const char *p, const char *end, size_t *used)
{
    const char *q = p + 2;
    int hex = 0;
    if (q < end && *q == 'x') {
        hex = 1;
        q++;
    }
    const char *ds = q;
    long v = 0;
    while (q < end && q - ds < 8) {
        int d;
        if (*q >= '0' && *q <= '9')
            d = *q - '0';
        else if (hex && *q >= 'a' && *q <= 'f')
            d = *q - 'a' + 10;
        else if (hex && *q >= 'A' && *q <= 'F')
            d = *q - 'A' + 10;
        else
            break;
        v = v * (hex ? 16 : 10) + d;
        q++;
    }
    if (q == ds || q >= end || *q != ';')
        return -1;
    *used = (size_t)(q + 1 - p);
    return v;
}

static int clean_xml(const char *data, size_t len, struct cw_buf *out, struct cw_strv *errors, const char **res,
                     size_t *reslen, int keep_decl)
{
    const char *p = data, *end = data + len;
    struct lazy_out lz = {out, data, 0, 0};
    *res = "";
    *reslen = 0;
    /* Junk before the first tag (blank lines, a stray byte-order mark, PHP notices). */
    const char *first = memchr(p, '<', len);
    if (first == NULL)
        return 0;
    for (const char *q = p; q < first; q++)
        if (!isspace((unsigned char)*q)) {
            charset_error(errors, "junk before the first tag skipped");
            break;
        }
    p = first;
    lz.keep = first;
    size_t undeclared = 0;
    while (p < end && lz.rc == 0) {
        /* Skip the plain run up to the next character that needs a decision, eight bytes at a
         * time where none of them is '<', '&', 0xEF or below 0x20 (tabs and newlines then take
         * the byte loop, which lets them through). */
        while (p < end) {
            while (end - p >= 8) {
                uint64_t v, x1, x2, x3;
                memcpy(&v, p, 8);
                x1 = v ^ (ONES * '<');
                x2 = v ^ (ONES * '&');
                x3 = v ^ (ONES * 0xEF);
                if ((((v - ONES * 0x20) & ~v) | ((x1 - ONES) & ~x1) | ((x2 - ONES) & ~x2) | ((x3 - ONES) & ~x3)) &
                    HIGHS)
                    break;
                p += 8;
            }
            if (p >= end)
                break;
            unsigned char c = (unsigned char)*p;
            if (c == '<' || c == '&' || (c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0xEF)
                break;
            p++;
        }
        if (p >= end)
            break;
        unsigned char c = (unsigned char)*p;
        if (c == 0xEF) {
            /* U+FFFE and U+FFFF are not XML characters; U+FEFF inside text is harmless. */
            if (p + 2 < end && (unsigned char)p[1] == 0xBF && ((unsigned char)p[2] == 0xBE || (unsigned char)p[2] == 0xBF)) {
                lz_replace(&lz, p, p + 3, NULL, 0);
                p += 3;
                charset_error(errors, "non-characters U+FFFE/U+FFFF stripped");
            } else {
                p++;
            }
            continue;
        }
        if (c < 0x20) {
            charset_error(errors, "control characters stripped");
            lz_replace(&lz, p, p + 1, NULL, 0);
            p++;
            continue;
        }
        if (c == '<') {
            size_t left = (size_t)(end - p);
            if (left >= 4 && memcmp(p, "<!--", 4) == 0) {
                p = find_after(p, end, "-->");
            } else if (left >= 9 && memcmp(p, "<![CDATA[", 9) == 0) {
                /* CDATA content stays as is, apart from characters XML forbids. */
                const char *ce = p + 9;
                while (ce + 3 <= end && memcmp(ce, "]]>", 3) != 0) {
                    const char *nx = memchr(ce + 1, ']', (size_t)(end - ce - 1));
                    ce = nx ? nx : end;
                }
                const char *stop = ce + 3 <= end ? ce + 3 : end;
                for (const char *r = p; r < stop && lz.rc == 0; r++) {
                    unsigned char rc2 = (unsigned char)*r;
                    if (rc2 < 0x20 && rc2 != '\t' && rc2 != '\n' && rc2 != '\r') {
                        charset_error(errors, "control characters stripped");
                        lz_replace(&lz, r, r + 1, NULL, 0);
                    }
                }
                p = stop;
            } else if (left >= 5 && memcmp(p, "<?xml", 5) == 0 && (left == 5 || isspace((unsigned char)p[5]))) {
                /* The declaration: kept when it is the document's first bytes and well formed (the
                 * parser ignores its encoding, the text is UTF-8 now), else dropped. */
                const char *e = p;
                while (e + 2 <= end && memcmp(e, "?>", 2) != 0)
                    e++;
                const char *after = e + 2 <= end ? e + 2 : end;
                int keep = keep_decl && p == first && e + 2 <= end && left >= 19 &&
                           (memcmp(p + 5, " version=\"1.", 12) == 0 || memcmp(p + 5, " version='1.", 12) == 0);
                if (!keep || p != lz.keep || lz.used)
                    lz_replace(&lz, p, after, NULL, 0);
                p = after;
            } else if (left >= 9 && strncasecmp(p, "<!DOCTYPE", 9) == 0) {
                int subset = 0;
                const char *after = skip_doctype(p, end, &subset);
                lz_replace(&lz, p, after, NULL, 0);
                p = after;
                if (subset)
                    charset_error(errors, "DTD internal subset ignored (entities are never expanded)");
            } else if (left >= 2 && p[1] == '?') {
                p = find_after(p, end, "?>");
            } else {
                p++;
            }
            continue;
        }
        /* '&' */
        size_t left = (size_t)(end - p);
        /* The predefined references are most of them in escaped HTML: decided first. */
        if (left >= 4 && p[3] == ';' && (p[1] == 'l' || p[1] == 'g') && p[2] == 't') {
            p += 4;
            continue;
        }
        if (left >= 5 && memcmp(p + 1, "amp;", 4) == 0) {
            p += 5;
            continue;
        }
        size_t i = 1;
        if (left > 1 && p[1] == '#') {
            size_t lit_used = 0;
            long lit = xml_numref(p, end, &lit_used);
            if (lit >= 0x20 && lit != 0xFFFE && lit != 0xFFFF && !(lit >= 0x80 && lit < 0xA0) &&
                !(lit >= 0xD800 && lit <= 0xDFFF) && lit <= 0x10FFFF) {
                p += lit_used; /* a reference XML reads the same way */
                continue;
            }
            uint32_t cp[2];
            int ncp = 0;
            size_t used = entities_decode_ref(p, left, cp, &ncp);
            if (used == 0) {
                lz_replace(&lz, p, p + 1, "&amp;", 5);
                p++;
                continue;
            }
            if ((cp[0] < 0x20 && cp[0] != 9 && cp[0] != 10 && cp[0] != 13) || cp[0] == 0xFFFE || cp[0] == 0xFFFF ||
                (cp[0] >= 0xD800 && cp[0] <= 0xDFFF) || cp[0] > 0x10FFFF) {
                charset_error(errors, "reference to a character XML forbids dropped");
                lz_replace(&lz, p, p + used, NULL, 0);
            } else {
                char ref[16];
                int rl = snprintf(ref, sizeof ref, "&#x%X;", (unsigned)cp[0]);
                lz_replace(&lz, p, p + used, ref, (size_t)rl);
            }
            p += used;
            continue;
        }
        while (i < left && i < 42 && isalnum((unsigned char)p[i]))
            i++;
        if (i == 1 || i >= left || p[i] != ';') {
            lz_replace(&lz, p, p + 1, "&amp;", 5);
            p++;
            continue;
        }
        size_t nl = i - 1;
        const char *nm = p + 1;
        if ((nl == 3 && memcmp(nm, "amp", 3) == 0) || (nl == 2 && memcmp(nm, "lt", 2) == 0) ||
            (nl == 2 && memcmp(nm, "gt", 2) == 0) || (nl == 4 && memcmp(nm, "quot", 4) == 0) ||
            (nl == 4 && memcmp(nm, "apos", 4) == 0)) {
            /* predefined: stays */
        } else {
            uint32_t cp[2];
            int k = entities_lookup(nm, nl, cp);
            if (k == 0) {
                if (undeclared++ == 0) {
                    char msg[96];
                    snprintf(msg, sizeof msg, "undeclared entity &%.*s; kept as text", (int)(nl > 40 ? 40 : nl), nm);
                    charset_error(errors, msg);
                }
                lz_replace(&lz, p, p + 1, "&amp;", 5);
            } else {
                char ref[32];
                int rl = 0;
                for (int j = 0; j < k; j++)
                    rl += snprintf(ref + rl, sizeof ref - (size_t)rl, "&#x%X;", (unsigned)cp[j]);
                lz_replace(&lz, p, p + i + 1, ref, (size_t)rl);
            }
        }
        p += i + 1;
    }
    if (lz.rc != 0)
        return -1;
    if (!lz.used) {
        *res = lz.keep;
        *reslen = (size_t)(end - lz.keep);
        return 0;
    }
    lz_replace(&lz, end, end, NULL, 0);
    if (lz.rc != 0)
        return -1;
    *res = out->data ? out->data : "";
    *reslen = out->len;
    return 0;
}

int charset_xml_maybe_clean(const char *data, size_t len, const char **res, size_t *reslen)
{
    const char *p = data, *end = data + len;
    while (p < end && isspace((unsigned char)*p))
        p++;
    if (p >= end || *p != '<')
        return 0;
    size_t left = (size_t)(end - p);
    if (left >= 6 && memcmp(p, "<?xml", 5) == 0 && isspace((unsigned char)p[5]) &&
        (left < 19 || (memcmp(p + 5, " version=\"1.", 12) != 0 && memcmp(p + 5, " version='1.", 12) != 0)))
        return 0; /* a declaration the repair pass would drop */
    /* A DTD, found from its '!' (rare in text, so memchr runs long). libxml2 itself rejects the
     * rest: forbidden characters, U+FFFE/U+FFFF, undeclared entities. */
    for (const char *q = p; (q = memchr(q, '!', (size_t)(end - q))) != NULL; q++)
        if (q > p && q[-1] == '<' && q + 1 < end && (q[1] == 'D' || q[1] == 'd'))
            return 0;
    /* Character references the repair pass rewrites to another character (C1: windows-1252) or
     * reads differently from XML (HTML-only forms), found from their '#'. */
    for (const char *q = p; (q = memchr(q, '#', (size_t)(end - q))) != NULL; q++) {
        if (q == p || q[-1] != '&')
            continue;
        size_t used = 0;
        long lit = xml_numref(q - 1, end, &used);
        if (lit < 0 || (lit >= 0x80 && lit < 0xA0))
            return 0;
    }
    *res = p;
    *reslen = left;
    return 1;
}

int charset_clean_xml_view(const char *data, size_t len, struct cw_buf *out, struct cw_strv *errors,
                           const char **res, size_t *reslen)
{
    return clean_xml(data, len, out, errors, res, reslen, 1);
}

/* The copying form drops the XML declaration, as its callers parse without XML_PARSE_IGNORE_ENC. */
int charset_clean_xml(const char *data, size_t len, struct cw_buf *out, struct cw_strv *errors)
{
    const char *res;
    size_t rl;
    if (clean_xml(data, len, out, errors, &res, &rl, 0) != 0)
        return -1;
    if (res != out->data)
        return cw_buf_append(out, res, rl) ? -1 : 0;
    return 0;
}
