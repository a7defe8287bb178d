/* model.c - shared views over a run for the reporters. */
#include "reporters/model.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char *const canonical_areas[] = {"access", "specs", "split", "metrics"};

static bool contains(const char **v, size_t n, const char *s)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(v[i], s) == 0)
            return true;
    return false;
}

static const char **push(const char **v, size_t *n, const char *s)
{
    v = realloc(v, (*n + 1) * sizeof(*v));
    if (v == NULL)
        abort();
    v[(*n)++] = s;
    return v;
}

size_t sc_report_areas(const struct sc_run *r, const char ***out)
{
    const char **v = NULL;
    size_t n = 0;

    for (size_t k = 0; k < 4; k++)
        for (size_t i = 0; i < r->ncases; i++)
            if (strcmp(r->cases[i].area, canonical_areas[k]) == 0) {
                v = push(v, &n, r->cases[i].area);
                break;
            }
    for (size_t i = 0; i < r->ncases; i++)
        if (!contains(v, n, r->cases[i].area))
            v = push(v, &n, r->cases[i].area);
    *out = v;
    return n;
}

/* Kubernetes version priority: v1alphaN < v1betaN < v1, then by number. */
static void version_key(const char *s, long *major, int *stage, long *minor)
{
    char *end;
    *major = 0;
    *stage = 3;
    *minor = 0;
    if (s[0] != 'v')
        return;
    *major = strtol(s + 1, &end, 10);
    if (strncmp(end, "alpha", 5) == 0) {
        *stage = 0;
        *minor = strtol(end + 5, NULL, 10);
    } else if (strncmp(end, "beta", 4) == 0) {
        *stage = 1;
        *minor = strtol(end + 4, NULL, 10);
    } else if (*end == '\0') {
        *stage = 2;
    }
}

static int version_cmp(const void *a, const void *b)
{
    const char *x = *(const char *const *)a, *y = *(const char *const *)b;
    long xm, xn, ym, yn;
    int xs, ys;
    version_key(x, &xm, &xs, &xn);
    version_key(y, &ym, &ys, &yn);
    if (xm != ym)
        return xm < ym ? -1 : 1;
    if (xs != ys)
        return xs < ys ? -1 : 1;
    if (xn != yn)
        return xn < yn ? -1 : 1;
    return strcmp(x, y);
}

size_t sc_report_versions(const struct sc_run *r, const char *area, const char ***out)
{
    const char **v = NULL;
    size_t n = 0;

    for (size_t i = 0; i < r->ncases; i++) {
        const struct sc_case *c = &r->cases[i];
        if (area != NULL && strcmp(c->area, area) != 0)
            continue;
        if (!contains(v, n, c->version))
            v = push(v, &n, c->version);
    }
    if (n > 1)
        qsort(v, n, sizeof(*v), version_cmp);
    *out = v;
    return n;
}

const char *sc_report_result(struct sc_summary s)
{
    if (s.total == 0)
        return "none";
    if (s.failed > 0)
        return "failure";
    if (s.errors > 0)
        return "error";
    if (s.passed == s.total)
        return "success";
    if (s.passed > 0)
        return "partial";
    return "skipped";
}

const char *sc_report_verdict_word(struct sc_summary s)
{
    if (s.failed > 0)
        return "failed";
    if (s.errors > 0)
        return "errored";
    return s.passed > 0 ? "passed" : "nothing ran";
}

unsigned sc_report_runs(const struct sc_case *c)
{
    return c->runs > 0 ? c->runs : 1;
}

char *sc_report_time(uint64_t ms, char *buf, size_t len)
{
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    char day[32];
    gmtime_r(&t, &tm);
    strftime(day, sizeof(day), "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(buf, len, "%s.%03uZ", day, (unsigned)(ms % 1000));
    return buf;
}

int sc_report_time_parse(const char *s, uint64_t *ms)
{
    struct tm tm;
    int y, mo, d, h, mi, sec, n = 0;
    long frac_ms = 0, off = 0;
    const char *p;
    time_t t;

    if (s == NULL ||
        sscanf(s, "%4d-%2d-%2d%*1[Tt ]%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &sec, &n) != 6 ||
        n != 19)
        return -1;
    if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60 || y < 1970)
        return -1;
    p = s + n;
    if (*p == '.') {
        long scale = 100;
        p++;
        if (*p < '0' || *p > '9')
            return -1;
        for (; *p >= '0' && *p <= '9'; p++, scale /= 10)
            frac_ms += (*p - '0') * scale;
    }
    if (*p == 'Z' || *p == 'z') {
        p++;
    } else if (*p == '+' || *p == '-') {
        int oh, om, m = 0;
        if (sscanf(p + 1, "%2d:%2d%n", &oh, &om, &m) != 2 || m != 5 || oh > 23 || om > 59)
            return -1;
        off = (oh * 60L + om) * 60L * (*p == '+' ? 1 : -1);
        p += 6;
    } else {
        return -1;
    }
    if (*p != '\0')
        return -1;
    memset(&tm, 0, sizeof(tm));
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    tm.tm_sec = sec;
    t = timegm(&tm) - off;
    if (t < 0)
        return -1;
    *ms = (uint64_t)t * 1000 + (uint64_t)frac_ms;
    return 0;
}

char *sc_report_first_line(const char *s, char *buf, size_t len)
{
    size_t n = 0;
    if (len == 0)
        return buf;
    if (s != NULL) {
        while (s[n] != '\0' && s[n] != '\n' && n + 1 < len)
            n++;
        /* do not cut a UTF-8 sequence in half */
        if (s[n] != '\0' && s[n] != '\n')
            while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
                n--;
        memcpy(buf, s, n);
        while (n > 0 && (buf[n - 1] == ' ' || buf[n - 1] == '\r'))
            n--;
    }
    buf[n] = '\0';
    return buf;
}

char *sc_report_fmt_value(double v, const char *unit, char *buf, size_t len)
{
    if (isnan(v))
        snprintf(buf, len, "-");
    else if (unit != NULL && strcmp(unit, "share") == 0)
        snprintf(buf, len, "%.1f%%", v * 100.0);
    else if (unit != NULL && unit[0] != '\0' && strcmp(unit, "count") != 0)
        snprintf(buf, len, "%.6g %s", v, unit);
    else
        snprintf(buf, len, "%.6g", v);
    return buf;
}

void sc_report_features(const struct sc_run *r, const char *area, const char *version,
                        const char ***supported, size_t *nsupported, const char ***unsupported,
                        size_t *nunsupported)
{
    const char **all = NULL, **sup = NULL, **uns = NULL;
    size_t nall = 0, nsup = 0, nuns = 0;

    for (size_t i = 0; i < r->ncases; i++) {
        const struct sc_case *c = &r->cases[i];
        if (strcmp(c->area, area) != 0 || strcmp(c->version, version) != 0)
            continue;
        for (size_t k = 0; k < c->nfeatures; k++)
            if (strcmp(c->features[k], "core") != 0 && !contains(all, nall, c->features[k]))
                all = push(all, &nall, c->features[k]);
    }
    for (size_t f = 0; f < nall; f++) {
        bool ok = true;
        for (size_t i = 0; i < r->ncases && ok; i++) {
            const struct sc_case *c = &r->cases[i];
            if (strcmp(c->area, area) != 0 || strcmp(c->version, version) != 0)
                continue;
            for (size_t k = 0; k < c->nfeatures; k++)
                if (strcmp(c->features[k], all[f]) == 0 && c->verdict != SC_PASSED)
                    ok = false;
        }
        if (ok)
            sup = push(sup, &nsup, all[f]);
        else
            uns = push(uns, &nuns, all[f]);
    }
    free(all);
    *supported = sup;
    *nsupported = nsup;
    *unsupported = uns;
    *nunsupported = nuns;
}

void sc_report_protocols(const struct sc_run *r, struct sc_report_protocol out[SC_REPORT_PROTOCOLS])
{
    static const char *const names[] = {"http", "http2", "grpc", "tcp", "udp"};
    static const char *const labels[] = {"HTTP/1.1", "HTTP/2", "gRPC", "TCP", "UDP"};
    memset(out, 0, SC_REPORT_PROTOCOLS * sizeof(*out));
    for (size_t p = 0; p < SC_REPORT_PROTOCOLS; p++) {
        out[p].name = names[p];
        out[p].label = labels[p];
        for (size_t i = 0; i < r->ncases; i++) {
            const struct sc_case *c = &r->cases[i];
            bool uses = false;
            for (size_t k = 0; k < c->nprotocols && !uses; k++)
                uses = strcmp(c->protocols[k], names[p]) == 0;
            if (!uses)
                continue;
            out[p].s.total++;
            out[p].s.passed += c->verdict == SC_PASSED;
            out[p].s.failed += c->verdict == SC_FAILED;
            out[p].s.errors += c->verdict == SC_ERROR;
            out[p].s.skipped += c->verdict == SC_SKIPPED;
        }
    }
}

const char *sc_report_protocol_result(const struct sc_report_protocol *p)
{
    if (p->s.failed)
        return "failed";
    if (p->s.errors)
        return "error";
    return p->s.passed ? "certified" : "not tested";
}

static bool secret_option(const char *arg, size_t n)
{
    static const char *const words[] = {"token", "password", "secret"};
    if (n < 3 || arg[0] != '-')
        return false;
    for (size_t i = 0; i < 3; i++)
        if (memmem(arg, n, words[i], strlen(words[i])) != NULL)
            return true;
    return false;
}

char *sc_report_command_line(const struct sc_run *r)
{
    const char *p;
    char *out, *o;
    bool redact_next = false;

    if (r->command_line == NULL)
        return NULL;
    out = malloc(strlen(r->command_line) * 2 + 16);
    if (out == NULL)
        abort();
    o = out;
    for (p = r->command_line; *p;) {
        size_t n = strcspn(p, " ");
        const char *eq = memchr(p, '=', n);
        if (n == 0) {
            *o++ = *p++;
            continue;
        }
        if (redact_next) {
            o += sprintf(o, "REDACTED");
            redact_next = false;
        } else if (eq != NULL && secret_option(p, (size_t)(eq - p))) {
            memcpy(o, p, (size_t)(eq - p) + 1);
            o += eq - p + 1;
            o += sprintf(o, "REDACTED");
        } else {
            memcpy(o, p, n);
            o += n;
            redact_next = eq == NULL && secret_option(p, n);
        }
        p += n;
    }
    *o = '\0';
    return out;
}
