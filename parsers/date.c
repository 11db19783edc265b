/* Feed dates. Two readers: a strict one for ISO 8601 / RFC 3339 / W3CDTF (anything that starts
 * with a four-digit year and '-'), and a token reader for the RFC 822 family and its real-world
 * variants, where each word must be recognised (weekday, month, zone, am/pm, a few fillers) or the
 * date is refused: an unknown word means we cannot read the date for sure. */
#include "parsers/date.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


struct dt {
    int year, mon, day, hour, min, sec;
    int have_year, have_mon, have_day, have_time;
    int ampm;        /* 0 none, 1 am, 2 pm */
    int have_off;
    long off;        /* seconds east of UTC */
    const char *tz;  /* an IANA zone name, resolved at the end */
    char tzbuf[64];
};

static const char *const month_names[12][16] = {
    {"jan", "january", "janv", "janvier", "januar", "jänner", "ene", "enero", "gen", "gennaio", "janeiro", "januari", "január", "Ιαν", "ιαν", NULL},
    {"feb", "february", "févr", "fevr", "février", "februar", "febrero", "febbraio", "fev", "fevereiro", "februari", "február", "Φεβ", "φεβ", NULL},
    {"mar", "march", "mars", "märz", "mär", "marzo", "março", "mrt", "maart", "március", "Μάρ", "Μαρ", "μαρ", NULL},
    {"apr", "april", "avr", "avril", "abr", "abril", "aprile", "április", "Απρ", "απρ", NULL},
    {"may", "mai", "mayo", "mag", "maggio", "maio", "mei", "május", "Μάι", "Μαΐ", "Μαι", "μαι", NULL},
    {"jun", "june", "juin", "juni", "junio", "giu", "giugno", "junho", "június", "Ιούν", "Ιουν", "ιουν", NULL},
    {"jul", "july", "juil", "juillet", "juli", "julio", "lug", "luglio", "julho", "július", "Ιούλ", "Ιουλ", "ιουλ", NULL},
    {"aug", "august", "août", "aout", "ago", "agosto", "augustus", "augusztus", "Αύγ", "Αυγ", "αυγ", NULL},
    {"sep", "sept", "september", "septembre", "septiembre", "set", "settembre", "setembro", "szeptember", "Σεπ", "σεπ", NULL},
    {"oct", "october", "octobre", "okt", "oktober", "octubre", "ott", "ottobre", "out", "outubro", "október", "Οκτ", "οκτ", NULL},
    {"nov", "november", "novembre", "noviembre", "novembro", "Νοέ", "Νοε", "νοε", NULL},
    {"dec", "december", "déc", "dec", "décembre", "decembre", "dez", "dezember", "dic", "diciembre", "dicembre", "dezembro", "Δεκ", "δεκ", NULL},
};

static const char *const weekday_names[] = {
    "mon", "monday", "tue", "tues", "tuesday", "wed", "wednesday", "thu", "thur", "thurs", "thursday", "fri",
    "friday", "sat", "saturday", "sun", "sunday", "mo", "di", "mi", "do", "fr", "sa", "so", "montag", "dienstag",
    "mittwoch", "donnerstag", "freitag", "samstag", "sonntag", "lun", "mar", "mer", "jeu", "ven", "sam", "dim",
    "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche", "lunes", "martes", "miércoles",
    "jueves", "viernes", "sábado", "domingo", "mié", "jue", "vie", "sáb", "dom", "lunedì", "martedì",
    "mercoledì", "giovedì", "venerdì", "sabato", "domenica", "gio", "seg", "ter", "qua", "qui", "sex", "sáb",
    "ma", "wo", "vr", "za", "zo", "Κυρ", "Δευ", "Τρί", "Τρι", "Τετ", "Πέμ", "Πεμ", "Παρ", "Σάβ", "Σαβ", NULL,
};

struct zone {
    const char *name;
    int minutes;
};

static const struct zone zones[] = {
    {"ut", 0}, {"utc", 0}, {"gmt", 0}, {"z", 0}, {"etc/gmt", 0}, {"etc/utc", 0},
    {"est", -300}, {"edt", -240}, {"cst", -360}, {"cdt", -300}, {"mst", -420}, {"mdt", -360},
    {"pst", -480}, {"pdt", -420}, {"at", -240}, {"et", -300}, {"ct", -360}, {"mt", -420}, {"pt", -480},
    {"ast", -240}, {"adt", -180}, {"akst", -540}, {"akdt", -480}, {"hst", -600}, {"nst", -210}, {"ndt", -150},
    {"cet", 60}, {"cest", 120}, {"met", 60}, {"mest", 120}, {"mez", 60}, {"mesz", 120}, {"bst", 60},
    {"wet", 0}, {"west", 60}, {"eet", 120}, {"eest", 180}, {"msk", 180}, {"ist", 330}, {"pkt", 300},
    {"ict", 420}, {"wib", 420}, {"hkt", 480}, {"sgt", 480}, {"awst", 480}, {"jst", 540}, {"kst", 540},
    {"acst", 570}, {"aest", 600}, {"aedt", 660}, {"nzst", 720}, {"nzdt", 780}, {"brt", -180}, {"art", -180},
    {NULL, 0},
};

/* The first letter decides most comparisons: the name tables are long and this runs per word. */
static int word_eq(const char *a, size_t n, const char *b)
{
    if (n == 0)
        return b[0] == '\0';
    return b[0] == a[0] && strlen(b) == n && memcmp(a, b, n) == 0;
}

static int find_month(const char *w, size_t n)
{
    for (int m = 0; m < 12; m++)
        for (int k = 0; month_names[m][k]; k++)
            if (word_eq(w, n, month_names[m][k]))
                return m + 1;
    return 0;
}

static int is_weekday(const char *w, size_t n)
{
    for (int k = 0; weekday_names[k]; k++)
        if (word_eq(w, n, weekday_names[k]))
            return 1;
    return 0;
}

static int find_zone(const char *w, size_t n, long *off)
{
    for (int k = 0; zones[k].name; k++)
        if (word_eq(w, n, zones[k].name)) {
            *off = zones[k].minutes * 60L;
            return 1;
        }
    /* RFC 822 military zones: A-I, K-M west... as the RFC wrote them; Z is UTC. */
    if (n == 1 && w[0] >= 'a' && w[0] <= 'y' && w[0] != 'j') {
        char c = w[0];
        int h = c <= 'i' ? c - 'a' + 1 : c <= 'm' ? c - 'a' : -(c - 'n' + 1);
        *off = -h * 3600L;
        return 1;
    }
    return 0;
}

static int days_in_month(int y, int m)
{
    static const int d[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
        return 29;
    return d[m - 1];
}

/* Offset of an IANA zone at a local time, through the system's tz database (the only file a
 * parser reads). The process TZ is switched briefly; feeds that name zones this way are rare. */
static int tz_offset(const char *name, struct dt *d, long *off)
{
    for (const char *p = name; *p; p++)
        if (!(isalnum((unsigned char)*p) || *p == '/' || *p == '_' || *p == '-' || *p == '+'))
            return -1;
    if (strstr(name, "..") || name[0] == '/')
        return -1;
    char path[160];
    snprintf(path, sizeof path, "/usr/share/zoneinfo/%s", name);
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return -1;
    fclose(f);
    /* TZ is only ever replaced, never added or removed after the first call, so the environ
     * array is not reallocated under another thread's getenv (glibc keeps replaced strings). An
     * absent TZ is written as ":/etc/localtime", which means the same to the C library. */
    if (getenv("TZ") == NULL)
        setenv("TZ", ":/etc/localtime", 0);
    char *old = strdup(getenv("TZ"));
    if (old == NULL)
        return -1;
    setenv("TZ", name, 1);
    tzset();
    struct tm tm = {0};
    tm.tm_year = d->year - 1900;
    tm.tm_mon = d->mon - 1;
    tm.tm_mday = d->day;
    tm.tm_hour = d->hour;
    tm.tm_min = d->min;
    tm.tm_sec = d->sec;
    tm.tm_isdst = -1;
    time_t t = mktime(&tm);
    struct tm lt;
    localtime_r(&t, &lt);
    *off = lt.tm_gmtoff;
    setenv("TZ", old, 1);
    free(old);
    tzset();
    return t == (time_t)-1 ? -1 : 0;
}

static int dt_finish(struct dt *d, time_t *out)
{
    if (!d->have_year || !d->have_mon)
        return -1;
    if (!d->have_day)
        d->day = 1;
    if (d->ampm) {
        if (d->hour < 1 || d->hour > 12)
            return -1;
        if (d->ampm == 2 && d->hour < 12)
            d->hour += 12;
        else if (d->ampm == 1 && d->hour == 12)
            d->hour = 0;
    }
    if (d->year < 1 || d->year > 9999 || d->mon < 1 || d->mon > 12 || d->day < 1 ||
        d->day > days_in_month(d->year, d->mon) || d->hour > 24 || d->min > 59 || d->sec > 60)
        return -1;
    if (d->hour == 24 && (d->min || d->sec))
        return -1;
    if (d->sec == 60)
        d->sec = 59; /* a leap second is read as the second before it */
    if (d->tz && tz_offset(d->tz, d, &d->off) != 0)
        return -1;
    struct tm tm = {0};
    tm.tm_year = d->year - 1900;
    tm.tm_mon = d->mon - 1;
    tm.tm_mday = d->day;
    tm.tm_hour = d->hour;
    tm.tm_min = d->min;
    tm.tm_sec = d->sec;
    time_t t = timegm(&tm);
    *out = t - d->off;
    return 0;
}

static size_t digits(const char *s, size_t max, int *val)
{
    size_t i = 0;
    int v = 0;
    /* Runs longer than nine digits (fractions, junk) are consumed whole, but their value stops
     * growing so it cannot overflow; no caller uses the value of such a run. */
    while (i < max && isdigit((unsigned char)s[i])) {
        if (i < 9)
            v = v * 10 + (s[i] - '0');
        i++;
    }
    *val = v;
    return i;
}

/* "+hh:mm", "+hhmm", "+hh", "-hh:mm" ... at s; returns bytes used or 0. */
static size_t parse_offset(const char *s, long *off)
{
    if (*s != '+' && *s != '-')
        return 0;
    int sign = *s == '-' ? -1 : 1;
    int h, m = 0;
    size_t n = digits(s + 1, 4, &h);
    size_t used = 1 + n;
    if (n == 4) {
        m = h % 100;
        h /= 100;
    } else if (n == 1 || n == 2) {
        if (s[used] == ':') {
            size_t k = digits(s + used + 1, 2, &m);
            if (k != 2)
                return 0;
            used += 1 + k;
        }
    } else {
        return 0;
    }
    if (h > 14 || m > 59)
        return 0;
    *off = sign * (h * 3600L + m * 60L);
    return used;
}

static int parse_iso(const char *s, struct dt *d)
{
    const char *p = s;
    size_t n = digits(p, 4, &d->year);
    if (n != 4)
        return -1;
    d->have_year = 1;
    p += 4;
    if (*p == '\0') {
        d->mon = 1;
        d->have_mon = 1;
        return 0;
    }
    if (*p != '-')
        return -1;
    p++;
    n = digits(p, 3, &d->mon);
    if (n == 0) {
        const char *w = p;
        while (*p && (isalpha((unsigned char)*p) || (unsigned char)*p >= 0x80))
            p++;
        char low[32];
        size_t wl = (size_t)(p - w);
        if (wl == 0 || wl >= sizeof low)
            return -1;
        for (size_t i = 0; i < wl; i++)
            low[i] = (char)tolower((unsigned char)w[i]);
        d->mon = find_month(low, wl);
        if (d->mon == 0)
            return -1;
    } else {
        p += n;
    }
    d->have_mon = 1;
    if (*p == '\0')
        return 0;
    if (*p != '-')
        return -1;
    p++;
    n = digits(p, 2, &d->day);
    if (n == 0)
        return -1;
    d->have_day = 1;
    p += n;
    if (*p == '\0')
        return 0;
    if (*p != 'T' && *p != 't' && *p != ' ')
        return -1;
    while (*p == 'T' || *p == 't' || *p == ' ')
        p++;
    n = digits(p, 2, &d->hour);
    if (n == 0)
        return -1;
    p += n;
    if (*p != ':')
        return -1;
    n = digits(p + 1, 2, &d->min);
    if (n != 2)
        return -1;
    p += 1 + n;
    if (*p == ':') {
        n = digits(p + 1, 2, &d->sec);
        if (n != 2)
            return -1;
        p += 1 + n;
        if (*p == '.' || *p == ',') {
            p++;
            int frac;
            n = digits(p, 30, &frac);
            if (n == 0)
                return -1;
            p += n;
        }
    }
    d->have_time = 1;
    while (*p == ' ')
        p++;
    if (*p == 'Z' || *p == 'z') {
        p++;
    } else if (*p == '+' || *p == '-') {
        n = parse_offset(p, &d->off);
        if (n == 0)
            return -1;
        p += n;
        if (*p == 'Z')
            p++; /* "-05:00Z" seen in the wild: the offset wins */
    }
    while (*p == ' ')
        p++;
    return *p == '\0' ? 0 : -1;
}

/* Token reader for everything else. */
static int parse_words(const char *s, struct dt *d)
{
    const char *p = s;
    int nwords_month = 0;
    /* Pass 1: count month words, so a word that is both (French "mar" = Tuesday, also March) is a
     * weekday when another month word is present. */
    for (const char *q = s; *q;) {
        if (isalpha((unsigned char)*q) || (unsigned char)*q >= 0x80) {
            const char *w = q;
            while (*q && (isalpha((unsigned char)*q) || (unsigned char)*q >= 0x80))
                q++;
            if (find_month(w, (size_t)(q - w)))
                nwords_month++;
        } else {
            q++;
        }
    }
    while (*p) {
        unsigned char c = (unsigned char)*p;
        if (c == ' ' || c == ',' || c == '\t' || c == '\n' || c == '\r' || c == '.' || c == ';') {
            p++;
            continue;
        }
        if (c == '(') {
            const char *e = strchr(p, ')');
            if (e == NULL)
                return -1;
            p = e + 1;
            continue;
        }
        if (isalpha(c) || c >= 0x80) {
            const char *w = p;
            while (*p && (isalpha((unsigned char)*p) || (unsigned char)*p >= 0x80 || *p == '_' || *p == '/'))
                p++;
            size_t wl = (size_t)(p - w);
            if (memchr(w, '/', wl) != NULL || memchr(w, '_', wl) != NULL) {
                /* "Area/Location": an IANA zone name, exactly as written. */
                char lower[16];
                size_t ll = wl < sizeof lower - 1 ? wl : sizeof lower - 1;
                for (size_t i = 0; i < ll; i++)
                    lower[i] = (char)tolower((unsigned char)w[i]);
                lower[ll] = '\0';
                if (wl == ll && find_zone(lower, ll, &d->off)) {
                    d->have_off = 1;
                    continue;
                }
                if (wl >= sizeof d->tzbuf || d->have_off || d->tz)
                    return -1;
                memcpy(d->tzbuf, w, wl);
                d->tzbuf[wl] = '\0';
                d->tz = d->tzbuf;
                continue;
            }
            char low[48];
            if (wl >= sizeof low)
                return -1;
            for (size_t i = 0; i < wl; i++)
                low[i] = (char)tolower((unsigned char)w[i]);
            int m = find_month(low, wl);
            if (m == 0)
                m = find_month(w, wl); /* Greek capitals are listed as written */
            if (m && !(nwords_month > 1 && is_weekday(low, wl) && !d->have_mon && !d->have_day)) {
                if (d->have_mon)
                    return -1;
                d->mon = m;
                d->have_mon = 1;
                continue;
            }
            if (is_weekday(low, wl) || is_weekday(w, wl))
                continue;
            if (word_eq(low, wl, "am") || word_eq(low, wl, "pm")) {
                if (!d->have_time)
                    return -1;
                d->ampm = low[0] == 'a' ? 1 : 2;
                continue;
            }
            if (word_eq(low, wl, "a") && strncasecmp(p, ".m.", 3) == 0 && d->have_time) {
                d->ampm = 1;
                p += 3;
                continue;
            }
            if (word_eq(low, wl, "p") && strncasecmp(p, ".m.", 3) == 0 && d->have_time) {
                d->ampm = 2;
                p += 3;
                continue;
            }
            if (word_eq(low, wl, "at") || word_eq(low, wl, "um") || word_eq(low, wl, "de") ||
                word_eq(low, wl, "à") || word_eq(low, wl, "of"))
                if (!d->have_time)
                    continue;
            if ((word_eq(low, wl, "st") || word_eq(low, wl, "nd") || word_eq(low, wl, "rd") ||
                 word_eq(low, wl, "th")) &&
                w > s && isdigit((unsigned char)w[-1]))
                continue;
            long off;
            if ((d->have_time || wl >= 2) && !d->have_off && find_zone(low, wl, &off)) {
                d->off = off;
                d->have_off = 1;
                /* "GMT+0100", "UTC-05:00" */
                if ((*p == '+' || *p == '-') && isdigit((unsigned char)p[1])) {
                    size_t k = parse_offset(p, &off);
                    if (k == 0)
                        return -1;
                    d->off += off;
                    p += k;
                }
                continue;
            }
            return -1;
        }
        if (c == '+' || c == '-') {
            if (isdigit((unsigned char)p[1]) && d->have_time && !d->have_off) {
                size_t k = parse_offset(p, &d->off);
                if (k == 0)
                    return -1;
                d->have_off = 1;
                p += k;
                continue;
            }
            if (c == '-' && !isdigit((unsigned char)p[1])) {
                p++; /* "December 22, 2017 - 3:09pm" */
                continue;
            }
            return -1;
        }
        if (isdigit(c)) {
            int v;
            size_t n = digits(p, 12, &v);
            const char *after = p + n;
            if (*after == ':') {
                if (d->have_time || n > 2)
                    return -1;
                d->hour = v;
                const char *q = after + 1;
                size_t k = digits(q, 3, &d->min);
                if (k == 0 || k > 2)
                    return -1;
                q += k;
                if (*q == ':') {
                    k = digits(q + 1, 3, &d->sec);
                    if (k == 0 || k > 2)
                        return -1;
                    q += 1 + k;
                    if (*q == ':')
                        return -1;
                    if (*q == '.' && isdigit((unsigned char)q[1])) {
                        int frac;
                        q += 1 + digits(q + 1, 9, &frac);
                    }
                }
                d->have_time = 1;
                p = q;
                continue;
            }
            if ((*after == '/' || (*after == '.' && isdigit((unsigned char)after[1]))) && !d->have_mon) {
                /* Numeric dates: y/m/d, d.m.y, m/d/y (US when ambiguous), d/m/y when the first
                 * number cannot be a month. */
                char sep = *after;
                int a = v, b, y;
                const char *q = after + 1;
                size_t nb = digits(q, 4, &b);
                if (nb == 0 || q[nb] != sep)
                    return -1;
                q += nb + 1;
                size_t ny = digits(q, 4, &y);
                if (ny == 0)
                    return -1;
                p = q + ny;
                if (n == 4) {
                    d->year = a;
                    d->mon = b;
                    d->day = y;
                } else {
                    d->year = ny == 2 ? (y < 70 ? 2000 + y : 1900 + y) : y;
                    if (sep == '.' || a > 12) {
                        d->day = a;
                        d->mon = b;
                    } else {
                        d->mon = a;
                        d->day = b;
                    }
                }
                d->have_year = d->have_mon = d->have_day = 1;
                continue;
            }
            p = after;
            if (n == 4) {
                if (d->have_year)
                    return -1;
                d->year = v;
                d->have_year = 1;
            } else if (n <= 2) {
                if (!d->have_day) {
                    d->day = v;
                    d->have_day = 1;
                } else if (!d->have_mon) {
                    d->mon = v;
                    d->have_mon = 1;
                } else if (!d->have_year) {
                    d->year = v < 70 ? 2000 + v : 1900 + v;
                    d->have_year = 1;
                } else {
                    return -1;
                }
            } else {
                return -1;
            }
            continue;
        }
        return -1;
    }
    return 0;
}

int date_parse(const char *s, time_t *out)
{
    if (s == NULL)
        return -1;
    while (*s && isspace((unsigned char)*s))
        s++;
    char buf[128];
    size_t n = strlen(s);
    while (n > 0 && isspace((unsigned char)s[n - 1]))
        n--;
    if (n == 0 || n >= sizeof buf)
        return -1;
    memcpy(buf, s, n);
    buf[n] = '\0';
    struct dt d;
    memset(&d, 0, sizeof d);
    /* A Unix timestamp: ten digits or so and nothing else. */
    size_t nd = strspn(buf, "0123456789");
    if (nd == n && n >= 9 && n <= 11) {
        *out = (time_t)strtoll(buf, NULL, 10);
        return 0;
    }
    if (nd == n && n != 4)
        return -1;
    int rc;
    if (nd == 4 && (buf[4] == '-' || buf[4] == '\0'))
        rc = parse_iso(buf, &d);
    else
        rc = parse_words(buf, &d);
    if (rc != 0)
        return -1;
    return dt_finish(&d, out);
}

int date_normalize(const char *s, char *out, size_t outlen)
{
    time_t t;
    if (date_parse(s, &t) != 0)
        return -1;
    /* Our own formatting: years below 1000 keep four digits, as RFC 3339 requires. */
    struct tm tm;
    if (gmtime_r(&t, &tm) == NULL)
        return -1;
    int n = snprintf(out, outlen, "%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                     tm.tm_hour, tm.tm_min, tm.tm_sec);
    return n > 0 && (size_t)n < outlen ? 0 : -1;
}
