#include "common/cw_util.h"

#include <errno.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int cw_read_file(const char *path, size_t max, char **out, size_t *outlen, char *errstr, size_t errlen)
{
    int is_stdin = strcmp(path, "-") == 0;
    FILE *f = is_stdin ? stdin : fopen(path, "rb");
    char *buf = NULL;
    size_t len = 0, cap = 0;
    if (f == NULL) {
        snprintf(errstr, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    for (;;) {
        if (cap - len < 4096) {
            size_t ncap = cap ? cap * 2 : 65536;
            char *nb = realloc(buf, ncap + 1);
            if (nb == NULL) {
                snprintf(errstr, errlen, "%s: out of memory", path);
                goto fail;
            }
            buf = nb;
            cap = ncap;
        }
        size_t n = fread(buf + len, 1, cap - len, f);
        len += n;
        if (len > max) {
            snprintf(errstr, errlen, "%s: larger than the limit of %zu bytes", path, max);
            goto fail;
        }
        if (n == 0) {
            if (ferror(f)) {
                snprintf(errstr, errlen, "%s: read error: %s", path, strerror(errno));
                goto fail;
            }
            break;
        }
    }
    buf[len] = '\0';
    if (!is_stdin)
        fclose(f);
    *out = buf;
    *outlen = len;
    return 0;
fail:
    free(buf);
    if (!is_stdin)
        fclose(f);
    return -1;
}

void cw_id_hex(const void *data, size_t len, char out[CW_ID_HEX_LEN + 1])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    static const char hex[] = "0123456789abcdef";
    EVP_Digest(data, len, md, &mdlen, EVP_sha256(), NULL);
    for (int i = 0; i < CW_ID_HEX_LEN / 2; i++) {
        out[2 * i] = hex[md[i] >> 4];
        out[2 * i + 1] = hex[md[i] & 15];
    }
    out[CW_ID_HEX_LEN] = '\0';
}

void cw_time_rfc3339(time_t t, char *out, size_t outlen)
{
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, outlen, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

int64_t cw_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t cw_wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

char *cw_strdup0(const char *s) { return s ? strdup(s) : NULL; }
