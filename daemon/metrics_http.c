#include "daemon/metrics_http.h"

#include <microhttpd.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "common/cw_buf.h"
#include "common/cw_log.h"
#include "common/cw_metrics.h"
#include "common/cw_util.h"
#include "daemon/loop.h"

/* Large enough for tens of thousands of series; a cap so a runaway label set cannot eat memory. */
#define METRICS_MAX_BYTES (64u << 20)

struct metrics_http {
    struct MHD_Daemon *mhd;
    struct loop *loop;
    int64_t timer;
    int port;
    _Atomic int64_t heartbeat_ms; /* written by the loop thread, read by the listener thread */
    _Atomic int64_t stale_ms;
    _Atomic int ready;
    _Atomic int draining;
    struct metric *scrapes;
};

static int64_t heartbeat_timer(struct loop *l, void *ctx)
{
    (void)l;
    struct metrics_http *m = ctx;
    atomic_store(&m->heartbeat_ms, cw_now_ms());
    int64_t every = atomic_load(&m->stale_ms) / 4;
    return every > 1000 ? 1000 : (every > 0 ? every : 1);
}

static enum MHD_Result reply(struct MHD_Connection *c, unsigned status, const char *ctype, char *body,
                             size_t len, enum MHD_ResponseMemoryMode mode)
{
    struct MHD_Response *r = MHD_create_response_from_buffer(len, body, mode);
    if (r == NULL) {
        if (mode == MHD_RESPMEM_MUST_FREE)
            free(body);
        return MHD_NO;
    }
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, ctype);
    MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
    if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
        MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
    enum MHD_Result ret = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return ret;
}

static enum MHD_Result reply_text(struct MHD_Connection *c, unsigned status, const char *text)
{
    return reply(c, status, "text/plain; charset=utf-8", (char *)text, strlen(text), MHD_RESPMEM_PERSISTENT);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url, const char *method,
                                  const char *version, const char *upload_data, size_t *upload_size,
                                  void **req_cls)
{
    (void)version;
    (void)upload_data;
    struct metrics_http *m = cls;
    /* MHD calls twice per request; answering on the first call refuses any request body. */
    (void)req_cls;
    if (*upload_size != 0) {
        *upload_size = 0;
        return MHD_NO;
    }
    if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
        return reply_text(c, MHD_HTTP_METHOD_NOT_ALLOWED, "method not allowed\n");
    if (strcmp(url, "/metrics") == 0) {
        metric_inc(m->scrapes);
        struct cw_buf b;
        cw_buf_init(&b, METRICS_MAX_BYTES);
        if (cw_metrics_render(&b) != 0 || b.data == NULL) {
            cw_buf_free(&b);
            return reply_text(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "metrics unavailable\n");
        }
        size_t len = b.len;
        char *body = cw_buf_steal(&b);
        return reply(c, MHD_HTTP_OK, "text/plain; version=0.0.4; charset=utf-8", body, len,
                     MHD_RESPMEM_MUST_FREE);
    }
    if (strcmp(url, "/healthz") == 0) {
        int64_t age = cw_now_ms() - atomic_load(&m->heartbeat_ms);
        if (age > atomic_load(&m->stale_ms))
            return reply_text(c, MHD_HTTP_SERVICE_UNAVAILABLE, "stale: the main loop has not turned\n");
        return reply_text(c, MHD_HTTP_OK, "ok\n");
    }
    if (strcmp(url, "/readyz") == 0) {
        if (atomic_load(&m->draining))
            return reply_text(c, MHD_HTTP_SERVICE_UNAVAILABLE, "draining\n");
        if (!atomic_load(&m->ready))
            return reply_text(c, MHD_HTTP_SERVICE_UNAVAILABLE, "starting\n");
        return reply_text(c, MHD_HTTP_OK, "ready\n");
    }
    return reply_text(c, MHD_HTTP_NOT_FOUND, "not found: try /metrics, /healthz or /readyz\n");
}

/* libmicrohttpd hands us its own format string: the one place a non-literal format is right. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
static void mhd_log(void *cls, const char *fmt, va_list ap)
{
    (void)cls;
    char msg[512];
    vsnprintf(msg, sizeof msg, fmt, ap);
    cw_log(CW_LOG_WARNING, "metrics", "%s", msg);
}
#pragma GCC diagnostic pop

/* Splits "host:port" / "[v6]:port" into host and port strings. 0 or -1. */
static int split_listen(const char *listen, char *host, size_t hl, char *port, size_t pl)
{
    const char *colon;
    if (listen[0] == '[') {
        const char *end = strchr(listen, ']');
        if (end == NULL || end[1] != ':')
            return -1;
        snprintf(host, hl, "%.*s", (int)(end - listen - 1), listen + 1);
        colon = end + 1;
    } else {
        colon = strrchr(listen, ':');
        if (colon == NULL)
            return -1;
        snprintf(host, hl, "%.*s", (int)(colon - listen), listen);
    }
    snprintf(port, pl, "%s", colon + 1);
    if (port[0] == '\0' || strspn(port, "0123456789") != strlen(port) || atoi(port) > 65535)
        return -1;
    if (host[0] == '\0')
        snprintf(host, hl, "127.0.0.1"); /* ":9464" keeps the loopback default */
    return 0;
}

int metrics_http_start(const char *listen, struct loop *l, struct metrics_http **out, char *errstr,
                       size_t errlen)
{
    *out = NULL;
    if (listen == NULL || listen[0] == '\0')
        return 0;
    char host[256], port[16];
    if (split_listen(listen, host, sizeof host, port, sizeof port) != 0) {
        snprintf(errstr, errlen, "metrics listen address '%s': expected host:port or [v6]:port", listen);
        return -1;
    }
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE};
    struct addrinfo *ai = NULL;
    int gai = getaddrinfo(host, port, &hints, &ai);
    if (gai != 0) {
        snprintf(errstr, errlen, "metrics listen address '%s': %s", listen, gai_strerror(gai));
        return -1;
    }
    struct metrics_http *m = calloc(1, sizeof *m);
    if (m == NULL) {
        freeaddrinfo(ai);
        snprintf(errstr, errlen, "metrics listener: out of memory");
        return -1;
    }
    m->loop = l;
    atomic_store(&m->stale_ms, 10000);
    atomic_store(&m->heartbeat_ms, cw_now_ms());
    m->scrapes = metric_counter("claimwatch_metrics_scrapes_total", NULL, "Scrapes of /metrics served.");
    char lab[128];
    metric_set(metric_gauge("claimwatch_build_info", metric_labels(lab, sizeof lab, "version", CW_VERSION, NULL),
                            "Always 1; the labels carry the build's version."),
               1);
    metric_set(metric_gauge("claimwatch_start_time_seconds", NULL, "Unix time the daemon started."),
               (double)(cw_wall_ms() / 1000));
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO | MHD_USE_ERROR_LOG;
    if (ai->ai_family == AF_INET6)
        flags |= MHD_USE_IPv6;
    m->mhd = MHD_start_daemon(flags, 0, NULL, NULL, on_request, m, MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL,
                              MHD_OPTION_SOCK_ADDR, ai->ai_addr,
                              MHD_OPTION_CONNECTION_LIMIT, (unsigned)32, MHD_OPTION_CONNECTION_TIMEOUT,
                              (unsigned)10, MHD_OPTION_END);
    freeaddrinfo(ai);
    if (m->mhd == NULL) {
        snprintf(errstr, errlen, "metrics listen address '%s': cannot listen (address in use or not local?)",
                 listen);
        free(m);
        return -1;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(m->mhd, MHD_DAEMON_INFO_BIND_PORT);
    m->port = info ? info->port : 0;
    m->timer = loop_add_timer(l, 0, heartbeat_timer, m);
    if (m->timer < 0) {
        MHD_stop_daemon(m->mhd);
        free(m);
        snprintf(errstr, errlen, "metrics listener: out of memory");
        return -1;
    }
    CW_INFO("metrics", "listening address=%s port=%d", host, m->port);
    *out = m;
    return 0;
}

int metrics_http_port(const struct metrics_http *m) { return m ? m->port : 0; }

void metrics_http_set_ready(struct metrics_http *m, int ready)
{
    if (m != NULL)
        atomic_store(&m->ready, ready != 0);
}

void metrics_http_set_draining(struct metrics_http *m, int draining)
{
    if (m != NULL)
        atomic_store(&m->draining, draining != 0);
}

void metrics_http_set_stale_ms(struct metrics_http *m, int64_t stale_ms)
{
    if (m == NULL || stale_ms <= 0)
        return;
    atomic_store(&m->stale_ms, stale_ms);
    loop_rearm_timer(m->loop, m->timer, 0);
}

void metrics_http_stop(struct metrics_http *m)
{
    if (m == NULL)
        return;
    MHD_stop_daemon(m->mhd);
    loop_cancel_timer(m->loop, m->timer);
    free(m);
}
