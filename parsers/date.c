/* Temporary shim so the extractor links before the real date parser (branch `parse`) lands:
 * reads ISO 8601 / RFC 3339 dates only. Drop this file when parsers/date.c arrives on main. */
#include "parsers/date.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "common/cw_util.h"

static int read_num(const char **p, int digits, int *out)
{
    int v = 0;
    for (int i = 0; i < digits; i++) {
        if (!isdigit((unsigned char)(*p)[i]))
            return -1;
        v = v * 10 + ((*p)[i] - '0');
    }
    *p += digits;
    *out = v;
    return 0;
}

int date_parse(const char *s, time_t *out)
{
    int y, mo, d, h = 0, mi = 0, se = 0, off = 0;
    if (s == NULL)
        return -1;
    while (isspace((unsigned char)*s))
        s++;
    const char *p = s;
    if (read_num(&p, 4, &y) || *p++ != '-' || read_num(&p, 2, &mo) || *p++ != '-' || read_num(&p, 2, &d))
        return -1;
    if (*p == 'T' || *p == 't' || *p == ' ') {
        p++;
        if (read_num(&p, 2, &h) || *p++ != ':' || read_num(&p, 2, &mi))
            return -1;
        if (*p == ':') {
            p++;
            if (read_num(&p, 2, &se))
                return -1;
            if (*p == '.' || *p == ',')
                for (p++; isdigit((unsigned char)*p); p++)
                    ;
        }
        if (*p == 'Z' || *p == 'z') {
            p++;
        } else if (*p == '+' || *p == '-') {
            int sign = *p++ == '-' ? -1 : 1, oh, om = 0;
            if (read_num(&p, 2, &oh))
                return -1;
            if (*p == ':')
                p++;
            if (isdigit((unsigned char)*p) && read_num(&p, 2, &om))
                return -1;
            off = sign * (oh * 3600 + om * 60);
        }
    }
    while (isspace((unsigned char)*p))
        p++;
    if (*p != '\0' || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || se > 60)
        return -1;
    struct tm tm = {.tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d, .tm_hour = h, .tm_min = mi, .tm_sec = se};
    time_t t = timegm(&tm);
    if (t == (time_t)-1)
        return -1;
    *out = t - off;
    return 0;
}

int date_normalize(const char *s, char *out, size_t outlen)
{
    time_t t;
    if (outlen < CW_RFC3339_LEN || date_parse(s, &t) != 0)
        return -1;
    cw_time_rfc3339(t, out, outlen);
    return 0;
}
