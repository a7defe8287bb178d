/* util.c - small shared helpers. */
#include "base/util.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* A plain decimal; with exp, an exponent too (1e7: rates and counts, not durations). */
static int parse_number(const char *s, bool exp, double *out, const char **end)
{
    char *e;
    double v;

    if (s == NULL || *s == '\0' || isspace((unsigned char)*s) || *s == '-' || *s == '+')
        return -1;
    errno = 0;
    v = strtod(s, &e);
    if (e == s || errno != 0 || !isfinite(v) || v < 0)
        return -1;
    /* strtod accepts hex, inf and nan; we want plain decimal, with an exponent (1e7) */
    for (const char *p = s; p < e; p++)
        if (!isdigit((unsigned char)*p) && *p != '.' &&
            !(exp && (*p == 'e' || *p == 'E') && p > s) &&
            !(exp && (*p == '-' || *p == '+') && p > s && (p[-1] == 'e' || p[-1] == 'E')))
            return -1;
    *out = v;
    *end = e;
    return 0;
}

int sc_parse_duration_ns(const char *s, uint64_t *out_ns, struct sc_err *err)
{
    static const struct {
        const char *unit;
        double ns;
    } units[] = {{"", 1e9},   {"us", 1e3},   {"ms", 1e6},  {"s", 1e9},
                 {"m", 60e9}, {"min", 60e9}, {"h", 3600e9}};
    const char *end;
    double v;

    if (parse_number(s, false, &v, &end) != 0)
        return sc_err_set(err, SC_EINVAL, "invalid duration '%s': expected e.g. 10s, 250ms, 2m",
                          s ? s : "");
    for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
        if (strcmp(end, units[i].unit) == 0) {
            double ns = v * units[i].ns;
            if (ns > 86400e9)
                return sc_err_set(err, SC_EINVAL, "duration '%s' is longer than a day", s);
            *out_ns = (uint64_t)llround(ns);
            return 0;
        }
    }
    return sc_err_set(err, SC_EINVAL,
                      "invalid duration '%s': unknown unit '%s' (use us, ms, s, m, h)", s, end);
}

static int apply_suffix(const char *s, const char *what, const char *end, double *v,
                        struct sc_err *err)
{
    if (*end == '\0')
        return 0;
    if (strcmp(end, "k") == 0 || strcmp(end, "K") == 0)
        *v *= 1e3;
    else if (strcmp(end, "M") == 0)
        *v *= 1e6;
    else if (strcmp(end, "G") == 0)
        *v *= 1e9;
    else
        return sc_err_set(err, SC_EINVAL, "invalid %s '%s': expected a number", what, s);
    return 0;
}

int sc_parse_count(const char *s, const char *what, uint64_t min, uint64_t max, uint64_t *out,
                   struct sc_err *err)
{
    const char *end;
    double v;

    if (parse_number(s, true, &v, &end) != 0)
        return sc_err_set(err, SC_EINVAL, "invalid %s '%s': expected a non-negative integer", what,
                          s ? s : "");
    if (apply_suffix(s, what, end, &v, err) != 0)
        return SC_EINVAL;
    if (v != floor(v))
        return sc_err_set(err, SC_EINVAL, "invalid %s '%s': expected an integer", what, s);
    if (v < (double)min || v > (double)max)
        return sc_err_set(err, SC_EINVAL, "%s '%s' is out of range [%llu, %llu]", what, s,
                          (unsigned long long)min, (unsigned long long)max);
    *out = (uint64_t)v;
    return 0;
}

int sc_parse_rate(const char *s, const char *what, double *out, struct sc_err *err)
{
    const char *end;
    double v;

    if (s != NULL && *s == '-')
        return sc_err_set(err, SC_EINVAL, "invalid %s '%s': must not be negative", what, s);
    if (parse_number(s, true, &v, &end) != 0)
        return sc_err_set(err, SC_EINVAL, "invalid %s '%s': expected a number", what, s ? s : "");
    if (apply_suffix(s, what, end, &v, err) != 0)
        return SC_EINVAL;
    *out = v;
    return 0;
}

char *sc_fmt_duration_us(double us, char *buf, size_t len)
{
    if (us < 1000)
        snprintf(buf, len, "%.2fus", us);
    else if (us < 1e6)
        snprintf(buf, len, "%.2fms", us / 1e3);
    else if (us < 60e6)
        snprintf(buf, len, "%.2fs", us / 1e6);
    else
        snprintf(buf, len, "%.2fm", us / 60e6);
    return buf;
}

char *sc_fmt_bytes(double bytes, char *buf, size_t len)
{
    static const char *const units[] = {"B", "KB", "MB", "GB", "TB"};
    size_t u = 0;
    while (bytes >= 1024 && u < 4) {
        bytes /= 1024;
        u++;
    }
    snprintf(buf, len, "%.2f%s", bytes, units[u]);
    return buf;
}

bool sc_ascii_ieq(const char *a, const char *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (tolower((unsigned char)a[i]) != tolower((unsigned char)b[i]))
            return false;
    return true;
}

bool sc_is_token(const char *s)
{
    if (*s == '\0')
        return false;
    for (; *s; s++)
        if (!(('A' <= *s && *s <= 'Z') || ('a' <= *s && *s <= 'z') || ('0' <= *s && *s <= '9') ||
              strchr("!#$%&'*+-.^_`|~", *s) != NULL))
            return false;
    return true;
}

char *sc_xstrdup(const char *s)
{
    char *d = strdup(s);
    if (d == NULL)
        abort();
    return d;
}

void *sc_xcalloc(size_t n, size_t size)
{
    void *p = calloc(n, size);
    if (p == NULL && n != 0 && size != 0)
        abort();
    return p;
}

int sc_parse_millicores(const char *q, unsigned long *out)
{
    char *end;
    double v;
    if (q == NULL || *q == '\0' || *q == '-')
        return -1;
    errno = 0;
    v = strtod(q, &end);
    if (end == q || errno != 0 || v < 0 || v > 1e12)
        return -1;
    if (strcmp(end, "m") == 0)
        *out = (unsigned long)v;
    else if (*end == '\0')
        *out = (unsigned long)(v * 1000.0 + 0.5);
    else
        return -1;
    return 0;
}

void *sc_xreallocarray(void *p, size_t n, size_t size)
{
    void *q;
    if (size != 0 && n > SIZE_MAX / size)
        abort();
    q = realloc(p, n * size);
    if (q == NULL && n * size != 0)
        abort();
    return q;
}

void sc_append_linev(char **buf, const char *fmt, va_list ap)
{
    char line[1024];
    size_t old = *buf ? strlen(*buf) : 0, n;

    vsnprintf(line, sizeof(line), fmt, ap);
    n = strlen(line);
    *buf = realloc(*buf, old + n + 2);
    if (*buf == NULL)
        abort();
    memcpy(*buf + old, line, n);
    (*buf)[old + n] = '\n';
    (*buf)[old + n + 1] = '\0';
}

bool sc_json_has_nul(const char *text, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        size_t bs = 0;
        if (text[i] == '\0')
            return true;
        if (text[i] != 'u' || i + 4 >= len || memcmp(text + i + 1, "0000", 4) != 0)
            continue;
        while (bs < i && text[i - 1 - bs] == '\\')
            bs++;
        if (bs % 2 == 1) /* an escaping backslash, not an escaped one */
            return true;
    }
    return false;
}
