/* The fetcher: one libcurl multi handle, driven by the event loop through curl's socket and timer
 * callbacks. Limits (global and per host) are enforced by our own queue, with
 * CURLMOPT_MAX_HOST_CONNECTIONS as a backstop for redirects to other hosts. */
#include "daemon/fetch.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "common/cw_buf.h"
#include "common/cw_log.h"
#include "common/cw_metrics.h"
#include "common/cw_util.h"

#define FETCH_HOST_BUCKETS 1024
#define FETCH_MAX_CHAIN 16 /* statuses remembered per transfer (redirects + 1xx + final) */

struct fetch_cidr {
    unsigned char addr[16]; /* IPv4 as IPv4-mapped IPv6 */
    int prefix;             /* over the 128 bits */
};

struct fetch_host {
    char *name;
    size_t active;
    struct fetch_xfer *qhead, *qtail; /* waiting transfers, FIFO */
    struct fetch_host *hnext;         /* hash chain */
    struct fetch_host *eprev, *enext; /* eligible list: waiting and below the per-host limit */
    int eligible;
};

struct fetch_xfer {
    struct fetcher *f;
    struct fetch_host *host;
    struct fetch_xfer *qnext;        /* host queue */
    struct fetch_xfer *aprev, *anext; /* active list */
    CURL *easy;
    struct curl_slist *hdrs;
    char *url, *etag, *last_modified;
    size_t max_bytes;
    fetch_done_fn done;
    void *ctx;
    struct cw_buf body;
    int too_big, blocked;
    char blocked_addr[INET6_ADDRSTRLEN];
    /* Per response in the chain; reset at each status line. */
    long chain[FETCH_MAX_CHAIN];
    size_t nchain;
    char *h_etag, *h_lm, *h_retry_after, *h_cache_control, *h_expires;
    char errbuf[CURL_ERROR_SIZE];
};

struct fetcher {
    struct loop *l;
    CURLM *multi;
    struct cfg_fetch o; /* copy; strings below are our own */
    char *user_agent, *proxy;
    struct fetch_cidr *allow;
    size_t nallow;
    int64_t timer_id;
    int in_timer;
    int64_t timer_want; /* set by curl's timer callback while we run inside our timer */
    struct fetch_host *buckets[FETCH_HOST_BUCKETS];
    struct fetch_host *ehead, *etail;
    struct fetch_xfer *active;
    size_t nactive, nqueued;
    struct metric *m_ok, *m_304, *m_err, *m_blocked, *m_bytes, *m_latency;
};

/* ---------- address policy ---------- */

static int fetch_parse_cidr(const char *s, struct fetch_cidr *out)
{
    char buf[64];
    snprintf(buf, sizeof buf, "%s", s);
    char *slash = strchr(buf, '/');
    long prefix = -1;
    if (slash != NULL) {
        char *end = NULL;
        *slash = '\0';
        prefix = strtol(slash + 1, &end, 10);
        if (end == slash + 1 || *end != '\0')
            return -1;
    }
    struct in_addr a4;
    struct in6_addr a6;
    memset(out, 0, sizeof *out);
    if (inet_pton(AF_INET, buf, &a4) == 1) {
        if (prefix < 0)
            prefix = 32;
        if (prefix > 32)
            return -1;
        out->addr[10] = 0xff;
        out->addr[11] = 0xff;
        memcpy(out->addr + 12, &a4, 4);
        out->prefix = (int)prefix + 96;
        return 0;
    }
    if (inet_pton(AF_INET6, buf, &a6) == 1) {
        if (prefix < 0)
            prefix = 128;
        if (prefix > 128)
            return -1;
        memcpy(out->addr, &a6, 16);
        out->prefix = (int)prefix;
        return 0;
    }
    return -1;
}

static int fetch_prefix_match(const unsigned char *a, const unsigned char *net, int prefix)
{
    int full = prefix / 8, rest = prefix % 8;
    if (memcmp(a, net, (size_t)full) != 0)
        return 0;
    if (rest == 0)
        return 1;
    unsigned char mask = (unsigned char)(0xff << (8 - rest));
    return (a[full] & mask) == (net[full] & mask);
}

/* 1 when an IPv4 address (network order bytes) is not on the public internet. */
static int fetch_v4_special(const unsigned char *b)
{
    unsigned a0 = b[0], a1 = b[1];
    return a0 == 0 ||                               /* 0/8 "this network" */
           a0 == 10 ||                              /* RFC 1918 */
           a0 == 127 ||                             /* loopback */
           (a0 == 100 && (a1 & 0xc0) == 64) ||      /* CGNAT 100.64/10 */
           (a0 == 169 && a1 == 254) ||              /* link-local (cloud metadata) */
           (a0 == 172 && (a1 & 0xf0) == 16) ||      /* RFC 1918 */
           (a0 == 192 && a1 == 168) ||              /* RFC 1918 */
           (a0 == 192 && a1 == 0 && b[2] == 0) ||   /* IETF protocol assignments */
           (a0 == 198 && (a1 & 0xfe) == 18) ||      /* benchmarking 198.18/15 */
           a0 >= 224;                               /* multicast, reserved, broadcast */
}

/* 1 when the address (16 bytes, IPv4 mapped) must not be connected to. */
static int fetch_addr_special(const unsigned char *a)
{
    static const unsigned char mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    static const unsigned char zero[12] = {0};
    if (memcmp(a, mapped, 12) == 0)
        return fetch_v4_special(a + 12);
    if (memcmp(a, zero, 12) == 0)
        return 1;                                   /* ::, ::1 and IPv4-compatible ::a.b.c.d */
    if ((a[0] & 0xfe) == 0xfc)
        return 1;                                   /* unique local fc00::/7 */
    if (a[0] == 0xfe && (a[1] & 0xc0) == 0x80)
        return 1;                                   /* link-local fe80::/10 */
    if (a[0] == 0xfe && (a[1] & 0xc0) == 0xc0)
        return 1;                                   /* deprecated site-local fec0::/10 */
    if (a[0] == 0xff)
        return 1;                                   /* multicast */
    if (a[0] == 0x00 && a[1] == 0x64 && a[2] == 0xff && a[3] == 0x9b)
        return fetch_v4_special(a + 12);            /* NAT64 64:ff9b::/96 embeds an IPv4 address */
    if (a[0] == 0x20 && a[1] == 0x02)
        return fetch_v4_special(a + 2);             /* 6to4 2002::/16 embeds one too */
    return 0;
}

/* 1 if the socket address may be connected to under the policy; fills text. */
static int fetch_addr_allowed(const struct fetcher *f, const struct sockaddr *sa, char *text, size_t textlen)
{
    unsigned char a[16] = {0};
    if (sa->sa_family == AF_INET) {
        const struct sockaddr_in *in = (const struct sockaddr_in *)(const void *)sa;
        a[10] = a[11] = 0xff;
        memcpy(a + 12, &in->sin_addr, 4);
        inet_ntop(AF_INET, &in->sin_addr, text, (socklen_t)textlen);
    } else if (sa->sa_family == AF_INET6) {
        const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)(const void *)sa;
        memcpy(a, &in6->sin6_addr, 16);
        inet_ntop(AF_INET6, &in6->sin6_addr, text, (socklen_t)textlen);
    } else {
        snprintf(text, textlen, "family %d", sa->sa_family);
        return 0; /* unix sockets and the like: never */
    }
    for (size_t i = 0; i < f->nallow; i++)
        if (fetch_prefix_match(a, f->allow[i].addr, f->allow[i].prefix))
            return 1;
    return !fetch_addr_special(a);
}

static curl_socket_t fetch_opensocket(void *clientp, curlsocktype purpose, struct curl_sockaddr *address)
{
    struct fetch_xfer *x = clientp;
    (void)purpose;
    if (!fetch_addr_allowed(x->f, &address->addr, x->blocked_addr, sizeof x->blocked_addr)) {
        x->blocked = 1;
        return CURL_SOCKET_BAD;
    }
    return socket(address->family, address->socktype | SOCK_CLOEXEC, address->protocol);
}

/* ---------- per-host queue ---------- */

static size_t fetch_hash(const char *s)
{
    uint32_t h = 2166136261u;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 16777619u;
    return h % FETCH_HOST_BUCKETS;
}

static struct fetch_host *fetch_host_get(struct fetcher *f, const char *name)
{
    size_t b = fetch_hash(name);
    for (struct fetch_host *h = f->buckets[b]; h; h = h->hnext)
        if (strcmp(h->name, name) == 0)
            return h;
    struct fetch_host *h = calloc(1, sizeof *h);
    if (h == NULL || (h->name = strdup(name)) == NULL) {
        free(h);
        return NULL;
    }
    h->hnext = f->buckets[b];
    f->buckets[b] = h;
    return h;
}

static void fetch_elig_unlink(struct fetcher *f, struct fetch_host *h)
{
    if (h->eprev)
        h->eprev->enext = h->enext;
    else
        f->ehead = h->enext;
    if (h->enext)
        h->enext->eprev = h->eprev;
    else
        f->etail = h->eprev;
    h->eprev = h->enext = NULL;
    h->eligible = 0;
}

static void fetch_elig_append(struct fetcher *f, struct fetch_host *h)
{
    h->eprev = f->etail;
    h->enext = NULL;
    if (f->etail)
        f->etail->enext = h;
    else
        f->ehead = h;
    f->etail = h;
    h->eligible = 1;
}

/* Keeps h in the eligible list exactly when it has waiting transfers and a free slot. */
static void fetch_eligible_update(struct fetcher *f, struct fetch_host *h)
{
    int want = h->qhead != NULL && h->active < (size_t)f->o.per_host;
    if (want && !h->eligible)
        fetch_elig_append(f, h);
    else if (!want && h->eligible)
        fetch_elig_unlink(f, h);
}

/* The host part of a URL, lowercased by curl; "" when there is none (file://). */
static char *fetch_url_host(const char *url)
{
    CURLU *u = curl_url();
    char *host = NULL, *out = NULL;
    if (u != NULL && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK)
        out = strdup(host);
    else
        out = strdup("");
    curl_free(host);
    curl_url_cleanup(u);
    return out;
}

/* ---------- transfers ---------- */

static void fetch_xfer_free(struct fetch_xfer *x)
{
    if (x == NULL)
        return;
    if (x->easy)
        curl_easy_cleanup(x->easy);
    curl_slist_free_all(x->hdrs);
    free(x->url);
    free(x->etag);
    free(x->last_modified);
    cw_buf_free(&x->body);
    free(x->h_etag);
    free(x->h_lm);
    free(x->h_retry_after);
    free(x->h_cache_control);
    free(x->h_expires);
    free(x);
}

static size_t fetch_write_cb(char *p, size_t size, size_t n, void *ud)
{
    struct fetch_xfer *x = ud;
    size_t len = size * n;
    int rc = cw_buf_append(&x->body, p, len);
    if (rc == CW_BUF_ETOOBIG)
        x->too_big = 1;
    /* Returning a short count aborts the transfer (CURLE_WRITE_ERROR): the cap is on decoded bytes. */
    return rc == 0 ? len : 0;
}

static void fetch_set_header(char **slot, const char *v, size_t n)
{
    free(*slot);
    *slot = strndup(v, n);
}

static size_t fetch_header_cb(char *p, size_t size, size_t n, void *ud)
{
    struct fetch_xfer *x = ud;
    size_t len = size * n;
    if (len >= 5 && strncmp(p, "HTTP/", 5) == 0) {
        /* A new response in the chain: headers we keep describe the last one only. */
        /* The line is not NUL-terminated: read the three status digits within len. */
        const char *sp = memchr(p, ' ', len);
        long status = 0;
        for (const char *d = sp ? sp + 1 : p + len; d < p + len && *d >= '0' && *d <= '9' && status < 1000; d++)
            status = status * 10 + (*d - '0');
        if (x->nchain < FETCH_MAX_CHAIN)
            x->chain[x->nchain++] = status;
        free(x->h_etag);
        free(x->h_lm);
        free(x->h_retry_after);
        free(x->h_cache_control);
        free(x->h_expires);
        x->h_etag = x->h_lm = x->h_retry_after = x->h_cache_control = x->h_expires = NULL;
        return len;
    }
    const char *colon = memchr(p, ':', len);
    if (colon == NULL)
        return len;
    size_t nlen = (size_t)(colon - p);
    const char *v = colon + 1, *end = p + len;
    while (v < end && (*v == ' ' || *v == '\t'))
        v++;
    while (end > v && (end[-1] == '\r' || end[-1] == '\n' || end[-1] == ' ' || end[-1] == '\t'))
        end--;
    size_t vlen = (size_t)(end - v);
    if (vlen > 1024)
        return len; /* no validator or date is that long; do not keep it */
#define FETCH_IS(name) (nlen == sizeof(name) - 1 && strncasecmp(p, name, nlen) == 0)
    if (FETCH_IS("etag"))
        fetch_set_header(&x->h_etag, v, vlen);
    else if (FETCH_IS("last-modified"))
        fetch_set_header(&x->h_lm, v, vlen);
    else if (FETCH_IS("retry-after"))
        fetch_set_header(&x->h_retry_after, v, vlen);
    else if (FETCH_IS("cache-control"))
        fetch_set_header(&x->h_cache_control, v, vlen);
    else if (FETCH_IS("expires"))
        fetch_set_header(&x->h_expires, v, vlen);
#undef FETCH_IS
    return len;
}

/* Retry-After: delta-seconds or an HTTP date. -1 when absent or unreadable. */

static int64_t fetch_parse_retry_after(const char *v, time_t now)
{
    if (v == NULL || *v == '\0')
        return -1;
    if (*v >= '0' && *v <= '9') {
        char *end = NULL;
        long long s = strtoll(v, &end, 10);
        while (*end == ' ')
            end++;
        return *end == '\0' ? (int64_t)s : -1;
    }
    time_t t = curl_getdate(v, NULL);
    if (t == (time_t)-1)
        return -1;
    return t > now ? (int64_t)(t - now) : 0;
}

/* Freshness from Cache-Control max-age (preferred) or Expires. -1 when absent. */

static int64_t fetch_parse_max_age(const char *cache_control, const char *expires, time_t now)
{
    if (cache_control != NULL) {
        const char *p = cache_control;
        while ((p = strcasestr(p, "max-age")) != NULL) {
            /* not s-maxage's tail: the directive must start the value or follow a separator */
            int start = p == cache_control || p[-1] == ',' || p[-1] == ' ' || p[-1] == '\t';
            p += 7;
            while (*p == ' ')
                p++;
            if (start && *p == '=') {
                p++;
                while (*p == ' ' || *p == '"')
                    p++;
                if (*p >= '0' && *p <= '9')
                    return (int64_t)strtoll(p, NULL, 10);
            }
        }
    }
    if (expires != NULL) {
        time_t t = curl_getdate(expires, NULL);
        if (t == (time_t)-1)
            return 0; /* an invalid Expires means "already expired" */
        return t > now ? (int64_t)(t - now) : 0;
    }
    return -1;
}

static int fetch_xfer_setup(struct fetcher *f, struct fetch_xfer *x)
{
    CURL *e = curl_easy_init();
    if (e == NULL)
        return -1;
    x->easy = e;
    cw_log_attach_curl(e); /* libcurl's verbose trace, at debug level only, credentials masked */
    const char *protos = f->o.allow_file ? "http,https,file" : "http,https";
    curl_easy_setopt(e, CURLOPT_URL, x->url);
    curl_easy_setopt(e, CURLOPT_PRIVATE, x);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, x->errbuf);
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, protos);
    /* Redirects never lead to file://, even when feeds may be files. */
    curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(e, CURLOPT_MAXREDIRS, (long)f->o.max_redirects);
    curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, ""); /* every encoding this libcurl decodes */
    curl_easy_setopt(e, CURLOPT_USERAGENT, f->user_agent);
    /* "" disables the proxy, including http_proxy & co. from the environment. */
    curl_easy_setopt(e, CURLOPT_PROXY, f->proxy ? f->proxy : "");
    curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L);
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, (long)f->o.connect_timeout_ms);
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)f->o.timeout_ms);
    if (f->o.low_speed_bytes > 0 && f->o.low_speed_time_s > 0) {
        curl_easy_setopt(e, CURLOPT_LOW_SPEED_LIMIT, (long)f->o.low_speed_bytes);
        curl_easy_setopt(e, CURLOPT_LOW_SPEED_TIME, (long)f->o.low_speed_time_s);
    }
    /* Only refuses early on a declared Content-Length; the write callback caps decoded bytes. */
    curl_easy_setopt(e, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)x->max_bytes);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, fetch_write_cb);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, x);
    curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, fetch_header_cb);
    curl_easy_setopt(e, CURLOPT_HEADERDATA, x);
    curl_easy_setopt(e, CURLOPT_OPENSOCKETFUNCTION, fetch_opensocket);
    curl_easy_setopt(e, CURLOPT_OPENSOCKETDATA, x);
    if (x->etag != NULL && *x->etag) {
        char h[1100];
        snprintf(h, sizeof h, "If-None-Match: %s", x->etag);
        struct curl_slist *n = curl_slist_append(x->hdrs, h);
        if (n == NULL)
            return -1;
        x->hdrs = n;
    }
    if (x->last_modified != NULL && *x->last_modified) {
        char h[1100];
        snprintf(h, sizeof h, "If-Modified-Since: %s", x->last_modified);
        struct curl_slist *n = curl_slist_append(x->hdrs, h);
        if (n == NULL)
            return -1;
        x->hdrs = n;
    }
    if (x->hdrs)
        curl_easy_setopt(e, CURLOPT_HTTPHEADER, x->hdrs);
    return 0;
}

static void fetch_finish(struct fetcher *f, struct fetch_xfer *x, CURLcode cc, int start_failed);

static void fetch_start_pending(struct fetcher *f)
{
    while (f->ehead != NULL && f->nactive < (size_t)f->o.concurrency) {
        struct fetch_host *h = f->ehead;
        struct fetch_xfer *x = h->qhead;
        h->qhead = x->qnext;
        if (h->qhead == NULL)
            h->qtail = NULL;
        x->qnext = NULL;
        f->nqueued--;
        h->active++;
        /* Round robin between hosts: this one goes to the back of the line. */
        fetch_elig_unlink(f, h);
        fetch_eligible_update(f, h);
        x->anext = f->active;
        x->aprev = NULL;
        if (f->active)
            f->active->aprev = x;
        f->active = x;
        f->nactive++;
        if (fetch_xfer_setup(f, x) != 0 || curl_multi_add_handle(f->multi, x->easy) != CURLM_OK)
            fetch_finish(f, x, CURLE_OUT_OF_MEMORY, 1);
    }
}

static const char *fetch_error_name(enum fetch_error e)
{
    static const char *const names[] = {"ok", "dns", "connect", "timeout", "too_slow", "too_big",
                                        "too_many_redirects", "blocked", "tls", "http", "other"};
    return (unsigned)e < sizeof names / sizeof names[0] ? names[e] : "other";
}

/* Builds the result, unlinks and frees the transfer, calls back, and refills the slots. */
static void fetch_finish(struct fetcher *f, struct fetch_xfer *x, CURLcode cc, int start_failed)
{
    struct fetch_result r;
    memset(&r, 0, sizeof r);
    r.retry_after_s = -1;
    r.max_age_s = -1;
    char *eff = NULL, *ct = NULL;
    long redirects = 0;
    double total = 0;
    if (!start_failed) {
        curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &r.status);
        curl_easy_getinfo(x->easy, CURLINFO_EFFECTIVE_URL, &eff);
        curl_easy_getinfo(x->easy, CURLINFO_CONTENT_TYPE, &ct);
        curl_easy_getinfo(x->easy, CURLINFO_REDIRECT_COUNT, &redirects);
        curl_easy_getinfo(x->easy, CURLINFO_TOTAL_TIME, &total);
        curl_multi_remove_handle(f->multi, x->easy);
    }
    r.elapsed_ms = (int64_t)(total * 1000.0);
    if (r.status == 0 && cc == CURLE_OK && strncasecmp(x->url, "file:", 5) == 0)
        r.status = 200;
    switch (cc) {
    case CURLE_OK:
        r.error = FETCH_OK;
        break;
    case CURLE_COULDNT_RESOLVE_HOST:
        r.error = FETCH_ERR_DNS;
        break;
    case CURLE_COULDNT_CONNECT:
        r.error = x->blocked ? FETCH_ERR_BLOCKED : FETCH_ERR_CONNECT;
        break;
    case CURLE_OPERATION_TIMEDOUT:
        r.error = strcasestr(x->errbuf, "too slow") ? FETCH_ERR_TOO_SLOW : FETCH_ERR_TIMEOUT;
        break;
    case CURLE_FILESIZE_EXCEEDED:
        r.error = FETCH_ERR_TOO_BIG;
        break;
    case CURLE_WRITE_ERROR:
        r.error = x->too_big ? FETCH_ERR_TOO_BIG : FETCH_ERR_OTHER;
        break;
    case CURLE_TOO_MANY_REDIRECTS:
        r.error = FETCH_ERR_TOO_MANY_REDIRECTS;
        break;
    case CURLE_UNSUPPORTED_PROTOCOL:
        r.error = FETCH_ERR_BLOCKED;
        break;
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_CACERT_BADFILE:
        r.error = FETCH_ERR_TLS;
        break;
    default:
        r.error = x->blocked ? FETCH_ERR_BLOCKED : FETCH_ERR_OTHER;
        break;
    }
    if (r.error == FETCH_OK && r.status != 304 && (r.status < 200 || r.status > 299))
        r.error = FETCH_ERR_HTTP;
    time_t now = time(NULL);
    if (!start_failed) {
        if (r.status == 429 || r.status == 503)
            r.retry_after_s = fetch_parse_retry_after(x->h_retry_after, now);
        r.max_age_s = fetch_parse_max_age(x->h_cache_control, x->h_expires, now);
    }
    switch (r.error) {
    case FETCH_OK:
        break;
    case FETCH_ERR_BLOCKED:
        if (x->blocked)
            snprintf(r.errmsg, sizeof r.errmsg, "blocked: address %s is not public (allow it by CIDR)",
                     x->blocked_addr);
        else
            snprintf(r.errmsg, sizeof r.errmsg, "blocked: %.200s", x->errbuf[0] ? x->errbuf : curl_easy_strerror(cc));
        break;
    case FETCH_ERR_TOO_BIG:
        snprintf(r.errmsg, sizeof r.errmsg, "too big: body over %zu bytes", x->max_bytes);
        break;
    case FETCH_ERR_HTTP:
        snprintf(r.errmsg, sizeof r.errmsg, "HTTP %ld", r.status);
        break;
    default:
        snprintf(r.errmsg, sizeof r.errmsg, "%s: %.200s", fetch_error_name(r.error),
                 x->errbuf[0] ? x->errbuf : curl_easy_strerror(cc));
        break;
    }
    /* Permanent only when every followed redirect was a 301 or 308 (1xx interim lines skipped). */
    if (r.error == FETCH_OK && redirects > 0 && eff != NULL) {
        long seen = 0;
        int permanent = 1;
        for (size_t i = 0; i < x->nchain && seen < redirects; i++) {
            if (x->chain[i] < 200)
                continue;
            seen++;
            if (x->chain[i] != 301 && x->chain[i] != 308)
                permanent = 0;
        }
        if (permanent && seen == redirects)
            r.permanent_redirect = eff;
    }
    if (r.error == FETCH_OK && r.status != 304) {
        if (x->body.data == NULL)
            cw_buf_append(&x->body, "", 0);
        r.len = x->body.len;
        r.body = x->body.data;
    }
    r.content_type = ct;
    r.etag = x->h_etag;
    r.last_modified = x->h_lm;
    r.effective_url = eff ? eff : x->url;

    if (r.error == FETCH_OK)
        metric_inc(r.status == 304 ? f->m_304 : f->m_ok);
    else
        metric_inc(r.error == FETCH_ERR_BLOCKED ? f->m_blocked : f->m_err);
    metric_add(f->m_bytes, (double)x->body.len);
    metric_observe(f->m_latency, (double)r.elapsed_ms / 1000.0);
    if (r.error != FETCH_OK)
        CW_DEBUG("fetch", "fetch failed url=%s error=%s", x->url, r.errmsg);

    /* Unlink before calling back so the callback can submit more. */
    if (x->aprev)
        x->aprev->anext = x->anext;
    else
        f->active = x->anext;
    if (x->anext)
        x->anext->aprev = x->aprev;
    f->nactive--;
    x->host->active--;
    fetch_eligible_update(f, x->host);
    x->done(&r, x->ctx);
    fetch_xfer_free(x);
    fetch_start_pending(f);
}

static void fetch_check_done(struct fetcher *f)
{
    CURLMsg *m;
    int left;
    while ((m = curl_multi_info_read(f->multi, &left)) != NULL) {
        if (m->msg != CURLMSG_DONE)
            continue;
        struct fetch_xfer *x = NULL;
        CURLcode cc = m->data.result;
        curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&x);
        if (x != NULL)
            fetch_finish(f, x, cc, 0);
    }
}

static void fetch_on_fd(struct loop *l, int fd, int events, void *ctx)
{
    struct fetcher *f = ctx;
    int running = 0, ev = 0;
    (void)l;
    if (events & LOOP_READ)
        ev |= CURL_CSELECT_IN;
    if (events & LOOP_WRITE)
        ev |= CURL_CSELECT_OUT;
    curl_multi_socket_action(f->multi, fd, ev, &running);
    fetch_check_done(f);
}

static int fetch_socket_cb(CURL *e, curl_socket_t s, int what, void *userp, void *socketp)
{
    struct fetcher *f = userp;
    (void)e;
    (void)socketp;
    if (what == CURL_POLL_REMOVE) {
        loop_unwatch_fd(f->l, s);
        return 0;
    }
    int ev = 0;
    if (what & CURL_POLL_IN)
        ev |= LOOP_READ;
    if (what & CURL_POLL_OUT)
        ev |= LOOP_WRITE;
    if (loop_watch_fd(f->l, s, ev, fetch_on_fd, f) != 0)
        CW_ERR("fetch", "cannot watch socket fd=%d: %s", (int)s, strerror(errno));
    return 0;
}

static int64_t fetch_on_timer(struct loop *l, void *ctx)
{
    struct fetcher *f = ctx;
    int running = 0;
    (void)l;
    f->in_timer = 1;
    f->timer_want = LOOP_TIMER_STOP;
    curl_multi_socket_action(f->multi, CURL_SOCKET_TIMEOUT, 0, &running);
    fetch_check_done(f);
    f->in_timer = 0;
    /* Belt and braces: while transfers run, never be left without a timer even if curl (which
     * only calls back when its deadline changes) stays silent; a spare poke costs nothing. */
    if (f->timer_want == LOOP_TIMER_STOP && f->nactive > 0)
        f->timer_want = 1000;
    if (f->timer_want == LOOP_TIMER_STOP)
        f->timer_id = 0;
    return f->timer_want;
}

static int fetch_timer_cb(CURLM *multi, long timeout_ms, void *userp)
{
    struct fetcher *f = userp;
    (void)multi;
    if (f->in_timer) {
        f->timer_want = timeout_ms < 0 ? LOOP_TIMER_STOP : timeout_ms;
        return 0;
    }
    if (timeout_ms < 0) {
        if (f->timer_id > 0)
            loop_cancel_timer(f->l, f->timer_id);
        f->timer_id = 0;
        return 0;
    }
    if (f->timer_id > 0 && loop_rearm_timer(f->l, f->timer_id, timeout_ms) == 0)
        return 0;
    f->timer_id = loop_add_timer(f->l, timeout_ms, fetch_on_timer, f);
    return f->timer_id > 0 ? 0 : -1;
}

/* ---------- public ---------- */

struct fetcher *fetcher_create(struct loop *l, const struct cfg_fetch *opts, char *errstr, size_t errlen)
{
    static int curl_ready;
    if (!curl_ready) {
        /* Not thread-safe by design of libcurl; the daemon creates its fetcher on the main thread. */
        if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
            snprintf(errstr, errlen, "fetch: curl_global_init failed");
            return NULL;
        }
        curl_ready = 1;
    }
    struct fetcher *f = calloc(1, sizeof *f);
    if (f == NULL) {
        snprintf(errstr, errlen, "fetch: out of memory");
        return NULL;
    }
    f->l = l;
    f->o = *opts;
    f->o.user_agent = NULL;
    f->o.proxy = NULL;
    memset(&f->o.allow_cidrs, 0, sizeof f->o.allow_cidrs);
    if (f->o.concurrency <= 0)
        f->o.concurrency = 32;
    if (f->o.per_host <= 0)
        f->o.per_host = 2;
    if (f->o.max_redirects < 0)
        f->o.max_redirects = 5;
    if (f->o.max_body_bytes <= 0)
        f->o.max_body_bytes = 16 << 20;
    if (f->o.connect_timeout_ms <= 0)
        f->o.connect_timeout_ms = 10000;
    if (f->o.timeout_ms <= 0)
        f->o.timeout_ms = 60000;
    if (opts->user_agent != NULL && *opts->user_agent)
        f->user_agent = strdup(opts->user_agent);
    else
        f->user_agent = strdup("claimwatch/" CW_VERSION " (+https://github.com/claimwatch)");
    if (opts->proxy != NULL && *opts->proxy)
        f->proxy = strdup(opts->proxy);
    if (f->user_agent == NULL)
        goto oom;
    if (opts->allow_cidrs.n > 0) {
        f->allow = calloc(opts->allow_cidrs.n, sizeof *f->allow);
        if (f->allow == NULL)
            goto oom;
        for (size_t i = 0; i < opts->allow_cidrs.n; i++) {
            if (fetch_parse_cidr(opts->allow_cidrs.v[i], &f->allow[i]) != 0) {
                snprintf(errstr, errlen, "fetch.allow_cidrs[%zu]: \"%s\" is not an IPv4 or IPv6 CIDR", i,
                         opts->allow_cidrs.v[i]);
                goto fail;
            }
        }
        f->nallow = opts->allow_cidrs.n;
    }
    f->multi = curl_multi_init();
    if (f->multi == NULL)
        goto oom;
    curl_multi_setopt(f->multi, CURLMOPT_SOCKETFUNCTION, fetch_socket_cb);
    curl_multi_setopt(f->multi, CURLMOPT_SOCKETDATA, f);
    curl_multi_setopt(f->multi, CURLMOPT_TIMERFUNCTION, fetch_timer_cb);
    curl_multi_setopt(f->multi, CURLMOPT_TIMERDATA, f);
    curl_multi_setopt(f->multi, CURLMOPT_MAX_HOST_CONNECTIONS, (long)f->o.per_host);
    curl_multi_setopt(f->multi, CURLMOPT_MAX_TOTAL_CONNECTIONS, (long)f->o.concurrency);
    curl_multi_setopt(f->multi, CURLMOPT_MAXCONNECTS, (long)f->o.concurrency * 2);
    f->m_ok = metric_counter("claimwatch_fetch_total", "result=\"ok\"", "HTTP fetches by result");
    f->m_304 = metric_counter("claimwatch_fetch_total", "result=\"not_modified\"", NULL);
    f->m_err = metric_counter("claimwatch_fetch_total", "result=\"error\"", NULL);
    f->m_blocked = metric_counter("claimwatch_fetch_total", "result=\"blocked\"", NULL);
    f->m_bytes = metric_counter("claimwatch_fetch_bytes_total", NULL, "Decoded body bytes received");
    static const double latency_bounds[] = {0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60};
    f->m_latency = metric_histogram("claimwatch_fetch_duration_seconds", NULL, "Fetch duration, request to last byte",
                                    latency_bounds, sizeof latency_bounds / sizeof latency_bounds[0]);
    return f;
oom:
    snprintf(errstr, errlen, "fetch: out of memory");
fail:
    fetcher_destroy(f);
    return NULL;
}

int fetcher_submit(struct fetcher *f, const struct fetch_request *req, fetch_done_fn done, void *ctx)
{
    if (req == NULL || req->url == NULL || done == NULL)
        return -1;
    struct fetch_xfer *x = calloc(1, sizeof *x);
    char *hostname = NULL;
    if (x == NULL)
        return -1;
    x->f = f;
    x->done = done;
    x->ctx = ctx;
    x->max_bytes = req->max_bytes ? req->max_bytes : (size_t)f->o.max_body_bytes;
    cw_buf_init(&x->body, x->max_bytes);
    x->url = strdup(req->url);
    x->etag = cw_strdup0(req->etag);
    x->last_modified = cw_strdup0(req->last_modified);
    hostname = fetch_url_host(req->url);
    if (x->url == NULL || hostname == NULL || (req->etag && !x->etag) || (req->last_modified && !x->last_modified))
        goto fail;
    x->host = fetch_host_get(f, hostname);
    if (x->host == NULL)
        goto fail;
    free(hostname);
    if (x->host->qtail)
        x->host->qtail->qnext = x;
    else
        x->host->qhead = x;
    x->host->qtail = x;
    f->nqueued++;
    fetch_eligible_update(f, x->host);
    fetch_start_pending(f);
    return 0;
fail:
    free(hostname);
    fetch_xfer_free(x);
    return -1;
}

size_t fetcher_pending(const struct fetcher *f) { return f ? f->nactive + f->nqueued : 0; }

void fetcher_cancel_all(struct fetcher *f)
{
    if (f == NULL)
        return;
    while (f->active) {
        struct fetch_xfer *x = f->active;
        f->active = x->anext;
        curl_multi_remove_handle(f->multi, x->easy);
        x->host->active--;
        fetch_xfer_free(x);
    }
    f->nactive = 0;
    for (size_t b = 0; b < FETCH_HOST_BUCKETS; b++) {
        for (struct fetch_host *h = f->buckets[b]; h; h = h->hnext) {
            while (h->qhead) {
                struct fetch_xfer *x = h->qhead;
                h->qhead = x->qnext;
                fetch_xfer_free(x);
            }
            h->qtail = NULL;
            h->eligible = 0;
            h->eprev = h->enext = NULL;
        }
    }
    f->ehead = f->etail = NULL;
    f->nqueued = 0;
}

void fetcher_destroy(struct fetcher *f)
{
    if (f == NULL)
        return;
    fetcher_cancel_all(f);
    if (f->timer_id > 0)
        loop_cancel_timer(f->l, f->timer_id);
    f->timer_id = 0;
    if (f->multi)
        curl_multi_cleanup(f->multi);
    if (f->timer_id > 0) /* cleanup may have asked for a timer again */
        loop_cancel_timer(f->l, f->timer_id);
    for (size_t b = 0; b < FETCH_HOST_BUCKETS; b++) {
        struct fetch_host *h = f->buckets[b];
        while (h) {
            struct fetch_host *n = h->hnext;
            free(h->name);
            free(h);
            h = n;
        }
    }
    free(f->allow);
    free(f->user_agent);
    free(f->proxy);
    free(f);
}
