#include "parsers/url.h"

#include <ctype.h>
#include <libxml/uri.h>
#include <stdlib.h>
#include <string.h>

#include "common/cw_buf.h"

#define URL_MAX 8192

/* Copies s without leading/trailing whitespace and without embedded tabs/newlines (feeds wrap
 * long links across lines). */
static char *url_trim(const char *s)
{
    while (*s && isspace((unsigned char)*s))
        s++;
    size_t n = strlen(s);
    while (n > 0 && isspace((unsigned char)s[n - 1]))
        n--;
    if (n == 0 || n > URL_MAX)
        return NULL;
    char *out = malloc(n + 1);
    if (out == NULL)
        return NULL;
    size_t j = 0;
    for (size_t i = 0; i < n; i++)
        if (s[i] != '\n' && s[i] != '\r' && s[i] != '\t')
            out[j++] = s[i];
    out[j] = '\0';
    return out;
}

/* Percent-encodes the bytes RFC 3986 never allows literally (controls, space, quotes, <>\\^`{|},
 * non-ASCII). Owned or NULL. */
static char *url_escape_loose(const char *s)
{
    struct cw_buf b;
    cw_buf_init(&b, URL_MAX * 3 + 1);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p <= 0x20 || *p >= 0x7F || strchr("\"<>\\^`{|}", *p) != NULL)
            cw_buf_printf(&b, "%%%02X", *p);
        else
            cw_buf_putc(&b, (char)*p);
    }
    return cw_buf_steal(&b);
}

char *url_resolve(const char *ref, const char *base)
{
    if (ref == NULL)
        return NULL;
    char *r = url_trim(ref);
    if (r == NULL)
        return NULL;
    if (base == NULL || *base == '\0')
        return r;
    /* Already absolute http(s) without characters RFC 3986 forbids: nothing to resolve. */
    if ((strncmp(r, "https://", 8) == 0 || strncmp(r, "http://", 7) == 0) && strpbrk(r, " \"<>\\^`{|}") == NULL &&
        strstr(r, "/.") == NULL) {
        int plain = 1;
        for (const unsigned char *p = (const unsigned char *)r; *p && plain; p++)
            plain = *p > 0x20 && *p < 0x7F;
        if (plain)
            return r;
    }
    xmlChar *built = xmlBuildURI((const xmlChar *)r, (const xmlChar *)base);
    if (built == NULL) {
        /* Not RFC 3986 as written (spaces, quotes, raw UTF-8): percent-encode those and retry,
         * else keep it as written. */
        char *esc = url_escape_loose(r);
        if (esc != NULL)
            built = xmlBuildURI((const xmlChar *)esc, (const xmlChar *)base);
        free(esc);
        if (built == NULL)
            return r;
    }
    char *out = strdup((const char *)built);
    xmlFree(built);
    if (out == NULL)
        return r;
    free(r);
    return out;
}

static int url_scheme_len(const char *u)
{
    if (!isalpha((unsigned char)u[0]))
        return -1;
    int i = 1;
    while (isalnum((unsigned char)u[i]) || u[i] == '+' || u[i] == '-' || u[i] == '.')
        i++;
    return u[i] == ':' ? i : -1;
}

int url_is_safe(const char *url)
{
    while (*url && isspace((unsigned char)*url))
        url++;
    int sl = url_scheme_len(url);
    if (sl < 0)
        return 1; /* relative */
    return (sl == 4 && strncasecmp(url, "http", 4) == 0) || (sl == 5 && strncasecmp(url, "https", 5) == 0) ||
           (sl == 6 && strncasecmp(url, "mailto", 6) == 0);
}

static int url_tracking_param(const char *p, size_t n)
{
    static const char *const names[] = {"fbclid", "gclid", "dclid", "gclsrc", "msclkid", "mc_cid", "mc_eid",
                                        "yclid", "igshid", "_ga", "_gl", "wt.mc_id", "ocid", "cmpid",
                                        "ns_campaign", "ns_mchannel", "ns_source", "ns_medium", "ns_linkname",
                                        "ns_fee", "oly_anon_id", "oly_enc_id", "rb_clickid", "s_cid", "vero_id",
                                        "__twitter_impression", "spm", "ref_src", "ref_url"};
    size_t k = 0;
    while (k < n && p[k] != '=')
        k++;
    if (k >= 4 && strncasecmp(p, "utm_", 4) == 0)
        return 1;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strlen(names[i]) == k && strncasecmp(p, names[i], k) == 0)
            return 1;
    return 0;
}

char *url_canonical(const char *url)
{
    if (url == NULL)
        return NULL;
    char *u = url_trim(url);
    if (u == NULL)
        return NULL;
    struct cw_buf b;
    cw_buf_init(&b, URL_MAX * 2);
    int sl = url_scheme_len(u);
    int port_default = 0;
    if (sl == 4 && strncasecmp(u, "http", 4) == 0)
        port_default = 80;
    else if (sl == 5 && strncasecmp(u, "https", 5) == 0)
        port_default = 443;
    else if (!(sl == 4 && strncasecmp(u, "file", 4) == 0))
        goto fail;
    for (int i = 0; i < sl; i++)
        cw_buf_putc(&b, (char)tolower((unsigned char)u[i]));
    const char *p = u + sl + 1;
    if (strncmp(p, "//", 2) != 0)
        goto fail;
    cw_buf_puts(&b, "://");
    p += 2;
    /* authority: [userinfo@]host[:port] */
    size_t alen = strcspn(p, "/?#");
    const char *at = memchr(p, '@', alen);
    const char *host = at ? at + 1 : p;
    if (at)
        cw_buf_append(&b, p, (size_t)(host - p));
    size_t hlen = alen - (size_t)(host - p);
    const char *colon = NULL;
    if (host[0] == '[') {
        const char *rb = memchr(host, ']', hlen);
        if (rb && (size_t)(rb - host) + 1 < hlen && rb[1] == ':')
            colon = rb + 1;
    } else {
        colon = memchr(host, ':', hlen);
    }
    size_t name_len = colon ? (size_t)(colon - host) : hlen;
    for (size_t i = 0; i < name_len; i++)
        cw_buf_putc(&b, (char)tolower((unsigned char)host[i]));
    if (b.len > 0 && b.data[b.len - 1] == '.')
        b.data[--b.len] = '\0'; /* "example.com." is example.com */
    if (colon) {
        size_t plen = hlen - name_len - 1;
        char port[8] = {0};
        if (plen > 0 && plen < sizeof port) {
            memcpy(port, colon + 1, plen);
            if (atoi(port) != port_default)
                cw_buf_printf(&b, ":%s", port);
        }
    }
    p += alen;
    size_t plen = strcspn(p, "?#");
    if (plen == 0)
        cw_buf_putc(&b, '/');
    else
        cw_buf_append(&b, p, plen);
    p += plen;
    if (*p == '?') {
        p++;
        size_t qlen = strcspn(p, "#");
        int first = 1;
        const char *q = p;
        while (q < p + qlen) {
            size_t n = strcspn(q, "&#");
            if (n > (size_t)(p + qlen - q))
                n = (size_t)(p + qlen - q);
            if (n > 0 && !url_tracking_param(q, n)) {
                cw_buf_putc(&b, first ? '?' : '&');
                cw_buf_append(&b, q, n);
                first = 0;
            }
            q += n;
            if (q < p + qlen && *q == '&')
                q++;
        }
    }
    free(u);
    if (b.data == NULL)
        return NULL;
    return cw_buf_steal(&b);
fail:
    free(u);
    cw_buf_free(&b);
    return NULL;
}
