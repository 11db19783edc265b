/* The JSONL file sink: one event per line, appended to "path".
 *
 * Delivery means "on disk" as far as the fsync policy promises: "always" fsyncs each event before
 * it is reported, "batch" (default) writes as events come and fsyncs once per poll before the
 * batch is reported, "never" reports after write(2) (the page cache; lost on power failure).
 * A failed or short write (full disk) truncates the half line away and reports the event as
 * retriable: it stays in the outbox. With rotate_bytes, a file that would pass that size is
 * renamed to path.1 (path.1 to path.2, ... up to rotate_keep) and a new one started. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cw_log.h"
#include "sinks/sink.h"

enum file_fsync { FILE_FSYNC_ALWAYS, FILE_FSYNC_BATCH, FILE_FSYNC_NEVER };

struct file_pending {
    int64_t opaque;
    int ok;
};

struct file_sink {
    char *path;
    int fd;
    off_t size;
    enum file_fsync fsync;
    int64_t rotate_bytes; /* 0 = never */
    int rotate_keep;
    int sync_failed;      /* the batch fsync failed: report the batch retriable */
    struct file_pending *v;
    size_t n, cap;
    char err[128];
};

static int file_open(struct file_sink *fs)
{
    fs->fd = open(fs->path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
    if (fs->fd < 0)
        return -1;
    struct stat sb;
    fs->size = fstat(fs->fd, &sb) == 0 ? sb.st_size : 0;
    return 0;
}

static int file_init(struct sink *s, const json_t *conf, char *errstr, size_t errlen)
{
    struct file_sink *fs = calloc(1, sizeof *fs);
    if (fs == NULL) {
        snprintf(errstr, errlen, "out of memory");
        return -1;
    }
    fs->fd = -1;
    fs->fsync = FILE_FSYNC_BATCH;
    fs->rotate_keep = 5;
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)conf, key, v) {
        if (strcmp(key, "type") == 0 || strcmp(key, "name") == 0 || strcmp(key, "topics") == 0)
            continue;
        if (strcmp(key, "path") == 0 && json_is_string(v)) {
            fs->path = strdup(json_string_value(v));
        } else if (strcmp(key, "fsync") == 0 && json_is_string(v)) {
            const char *f = json_string_value(v);
            if (strcmp(f, "always") == 0)
                fs->fsync = FILE_FSYNC_ALWAYS;
            else if (strcmp(f, "batch") == 0)
                fs->fsync = FILE_FSYNC_BATCH;
            else if (strcmp(f, "never") == 0)
                fs->fsync = FILE_FSYNC_NEVER;
            else {
                snprintf(errstr, errlen, "file sink \"%s\": fsync must be always, batch or never, not \"%s\"", s->name, f);
                goto fail;
            }
        } else if (strcmp(key, "rotate_bytes") == 0 && json_is_integer(v) && json_integer_value(v) >= 0) {
            fs->rotate_bytes = json_integer_value(v);
        } else if (strcmp(key, "rotate_keep") == 0 && json_is_integer(v) && json_integer_value(v) >= 1 &&
                   json_integer_value(v) <= 1000) {
            fs->rotate_keep = (int)json_integer_value(v);
        } else {
            snprintf(errstr, errlen, "file sink \"%s\": unknown key or wrong type: \"%s\" (keys: path, fsync, "
                     "rotate_bytes, rotate_keep)", s->name, key);
            goto fail;
        }
    }
    if (fs->path == NULL) {
        snprintf(errstr, errlen, "file sink \"%s\": \"path\" is required", s->name);
        goto fail;
    }
    if (file_open(fs) != 0) {
        snprintf(errstr, errlen, "file sink \"%s\": cannot open %s: %s", s->name, fs->path, strerror(errno));
        goto fail;
    }
    s->impl = fs;
    return 0;
fail:
    free(fs->path);
    free(fs);
    return -1;
}

/* Renames path -> path.1 -> ... -> path.keep and opens a fresh path. */
static int file_rotate(struct sink *s, struct file_sink *fs)
{
    if (fs->fsync != FILE_FSYNC_NEVER && fsync(fs->fd) != 0)
        return -1;
    size_t plen = strlen(fs->path) + 16;
    char *from = malloc(plen), *to = malloc(plen);
    int rc = -1;
    if (from == NULL || to == NULL)
        goto out;
    for (int i = fs->rotate_keep - 1; i >= 1; i--) {
        snprintf(from, plen, "%s.%d", fs->path, i);
        snprintf(to, plen, "%s.%d", fs->path, i + 1);
        if (rename(from, to) != 0 && errno != ENOENT)
            CW_WARN("file", "cannot rotate: %s from=%s sink=%s", strerror(errno), from, s->name);
    }
    snprintf(to, plen, "%s.1", fs->path);
    if (rename(fs->path, to) != 0) {
        CW_ERR("file", "cannot rotate: %s path=%s sink=%s", strerror(errno), fs->path, s->name);
        goto out;
    }
    close(fs->fd);
    fs->fd = -1;
    if (file_open(fs) != 0) {
        CW_ERR("file", "cannot open after rotation: %s path=%s sink=%s", strerror(errno), fs->path, s->name);
        goto out;
    }
    CW_INFO("file", "rotated path=%s sink=%s", fs->path, s->name);
    rc = 0;
out:
    free(from);
    free(to);
    return rc;
}

static int file_write_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

static enum sink_result file_publish(struct sink *s, const struct sink_msg *msg)
{
    struct file_sink *fs = s->impl;
    if (fs->fd < 0 && file_open(fs) != 0)
        return SINK_RETRY;
    if (fs->n == fs->cap) {
        size_t cap = fs->cap ? fs->cap * 2 : 64;
        struct file_pending *v = realloc(fs->v, cap * sizeof *v);
        if (v == NULL)
            return SINK_RETRY;
        fs->v = v;
        fs->cap = cap;
    }
    if (fs->rotate_bytes > 0 && fs->size > 0 && fs->size + (off_t)msg->len + 1 > fs->rotate_bytes) {
        /* The batch written so far must be durable before its file changes name. */
        if (file_rotate(s, fs) != 0)
            return SINK_RETRY;
    }
    /* One write per line (payload + newline) keeps lines whole for concurrent readers. */
    char *line = malloc(msg->len + 1);
    if (line == NULL)
        return SINK_RETRY;
    memcpy(line, msg->payload, msg->len);
    line[msg->len] = '\n';
    int ok = file_write_all(fs->fd, line, msg->len + 1) == 0;
    free(line);
    if (!ok) {
        snprintf(fs->err, sizeof fs->err, "write to %s failed: %s", fs->path, strerror(errno));
        /* Cut the half line so the file stays valid JSONL. */
        if (ftruncate(fs->fd, fs->size) != 0)
            CW_ERR("file", "cannot truncate after a failed write: %s path=%s", strerror(errno), fs->path);
    } else {
        fs->size += (off_t)msg->len + 1;
        if (fs->fsync == FILE_FSYNC_ALWAYS && fdatasync(fs->fd) != 0) {
            snprintf(fs->err, sizeof fs->err, "fsync of %s failed: %s", fs->path, strerror(errno));
            ok = 0;
        }
    }
    fs->v[fs->n++] = (struct file_pending){msg->opaque, ok};
    return SINK_OK;
}

static int file_poll(struct sink *s, int timeout_ms)
{
    (void)timeout_ms;
    struct file_sink *fs = s->impl;
    if (fs->n == 0)
        return 0;
    int synced = 1;
    if (fs->fsync == FILE_FSYNC_BATCH && fdatasync(fs->fd) != 0) {
        snprintf(fs->err, sizeof fs->err, "fsync of %s failed: %s", fs->path, strerror(errno));
        synced = 0;
    }
    size_t n = fs->n;
    struct file_pending *batch = fs->v;
    fs->v = NULL;
    fs->n = fs->cap = 0;
    for (size_t i = 0; i < n; i++) {
        int ok = batch[i].ok && synced;
        s->report(s->report_ctx, batch[i].opaque, ok ? SINK_DELIVERED : SINK_FAILED_RETRIABLE, ok ? NULL : fs->err);
    }
    free(batch);
    return (int)n;
}

static int file_flush(struct sink *s, int timeout_ms)
{
    file_poll(s, timeout_ms);
    return 0;
}

static void file_purge(struct sink *s)
{
    struct file_sink *fs = s->impl;
    fs->n = 0;
}

static void file_destroy(struct sink *s)
{
    struct file_sink *fs = s->impl;
    if (fs == NULL)
        return;
    if (fs->fd >= 0)
        close(fs->fd);
    free(fs->v);
    free(fs->path);
    free(fs);
}

const struct sink_ops sink_file_ops = {
    .name = "file",
    .init = file_init,
    .publish = file_publish,
    .poll = file_poll,
    .flush = file_flush,
    .purge = file_purge,
    .destroy = file_destroy,
};
