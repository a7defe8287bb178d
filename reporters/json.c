/* json.c - the run as versioned JSON, and the strict reader that rebuilds it. */
#include "reporters/json.h"

#include <cjson/cJSON.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/file.h"
#include "base/jsonschema.h"
#include "base/util.h"
#include "reporters/buf.h"
#include "reporters/model.h"

/* ---- writing ---- */

static cJSON *checked(cJSON *j)
{
    if (j == NULL)
        abort();
    return j;
}

static void add_str(cJSON *o, const char *key, const char *s)
{
    checked(s ? cJSON_AddStringToObject(o, key, s) : cJSON_AddNullToObject(o, key));
}

static void add_num(cJSON *o, const char *key, double v)
{
    checked(isfinite(v) ? cJSON_AddNumberToObject(o, key, v) : cJSON_AddNullToObject(o, key));
}

static void add_strs(cJSON *o, const char *key, char *const *v, size_t n)
{
    cJSON *a = checked(cJSON_AddArrayToObject(o, key));
    for (size_t i = 0; i < n; i++)
        cJSON_AddItemToArray(a, checked(cJSON_CreateString(v[i])));
}

static void add_time(cJSON *o, const char *key, uint64_t ms)
{
    char t[40];
    add_str(o, key, ms ? sc_report_time(ms, t, sizeof(t)) : NULL);
}

static void add_summary(cJSON *o, struct sc_summary s)
{
    cJSON *j = checked(cJSON_AddObjectToObject(o, "summary"));
    add_num(j, "total", (double)s.total);
    add_num(j, "passed", (double)s.passed);
    add_num(j, "failed", (double)s.failed);
    add_num(j, "skipped", (double)s.skipped);
    add_num(j, "errors", (double)s.errors);
}

static bool any_finite(const double *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (isfinite(v[i]))
            return true;
    return false;
}

static const char *const pct_names[4] = {"p50", "p90", "p99", "max"};

static void add_percentiles(cJSON *o, const char *key, const double *p)
{
    cJSON *j = checked(cJSON_AddObjectToObject(o, key));
    for (int i = 0; i < 4; i++)
        add_num(j, pct_names[i], p[i]);
}

/* [[lo_us, count], ...], or null when there are no buckets. Bucket bounds stay below 2^53,
 * so a double carries them exactly. */
static void add_histogram(cJSON *o, const char *key, const struct sc_hist_bucket *h, size_t n)
{
    if (n == 0) {
        checked(cJSON_AddNullToObject(o, key));
        return;
    }
    cJSON *arr = checked(cJSON_AddArrayToObject(o, key));
    for (size_t i = 0; i < n; i++) {
        cJSON *pair = checked(cJSON_CreateArray());
        cJSON_AddItemToArray(pair, checked(cJSON_CreateNumber((double)h[i].lo)));
        cJSON_AddItemToArray(pair, checked(cJSON_CreateNumber((double)h[i].count)));
        cJSON_AddItemToArray(arr, pair);
    }
}

static cJSON *assertion_json(const struct sc_assertion *a)
{
    cJSON *j = checked(cJSON_CreateObject()), *figs;
    add_str(j, "kind", a->kind);
    add_str(j, "what", a->what);
    checked(cJSON_AddBoolToObject(j, "passed", a->passed));
    checked(cJSON_AddBoolToObject(j, "error", a->error));
    add_str(j, "message", a->message);
    add_str(j, "spec", a->spec);
    figs = checked(cJSON_AddArrayToObject(j, "figures"));
    for (size_t i = 0; i < a->nfigures; i++) {
        const struct sc_figure *f = &a->figures[i];
        cJSON *fj = checked(cJSON_CreateObject());
        add_str(fj, "name", f->name);
        add_str(fj, "unit", f->unit);
        add_num(fj, "expected", f->expected);
        add_num(fj, "tolerance", f->tolerance);
        add_num(fj, "observed", f->observed);
        add_num(fj, "lo", f->lo);
        add_num(fj, "hi", f->hi);
        add_num(fj, "count", (double)f->count);
        add_num(fj, "total", (double)f->total);
        cJSON_AddItemToArray(figs, fj);
    }
    if (any_finite(a->client_p, 4) || any_finite(a->mesh_p, 4) || a->nclient_hist) {
        cJSON *l = checked(cJSON_AddObjectToObject(j, "latency"));
        add_str(l, "unit", "us");
        add_percentiles(l, "client", a->client_p);
        add_percentiles(l, "mesh", a->mesh_p);
        add_histogram(l, "clientHistogram", a->client_hist, a->nclient_hist);
    } else {
        checked(cJSON_AddNullToObject(j, "latency"));
    }
    return j;
}

static cJSON *case_json(const struct sc_case *c)
{
    cJSON *j = checked(cJSON_CreateObject()), *as;
    add_str(j, "name", c->test);
    add_str(j, "area", c->area);
    add_str(j, "version", c->version);
    add_str(j, "file", c->file);
    add_strs(j, "features", c->features, c->nfeatures);
    if (c->nprotocols > 0)
        add_strs(j, "protocols", c->protocols, c->nprotocols);
    add_str(j, "result", sc_verdict_name(c->verdict));
    add_time(j, "startTime", c->start_ms);
    add_num(j, "durationSeconds", (double)c->duration_ns / 1e9);
    add_str(j, "message", c->message);
    add_num(j, "runs", (double)sc_report_runs(c));
    add_str(j, "rerunReason", c->rerun_reason);
    add_str(j, "log", c->log);
    add_str(j, "diagnostics", c->diagnostics);
    as = checked(cJSON_AddArrayToObject(j, "assertions"));
    for (size_t i = 0; i < c->nassertions; i++)
        cJSON_AddItemToArray(as, assertion_json(&c->assertions[i]));
    return j;
}

char *sc_report_json(const struct sc_run *r)
{
    cJSON *root = checked(cJSON_CreateObject()), *h, *served, *tests;
    char *text, *out;

    add_str(root, "schemaVersion", SC_REPORT_JSON_SCHEMA);
    h = checked(cJSON_AddObjectToObject(root, "harness"));
    add_str(h, "version", r->harness_version);
    add_str(h, "commit", r->harness_commit);
    add_str(root, "platform", r->platform);
    add_str(root, "mesh", r->mesh);
    add_str(root, "kubeVersion", r->kube_version);
    char *cmd = sc_report_command_line(r);
    add_str(root, "commandLine", cmd);
    free(cmd);
    add_strs(root, "violations", r->violations, r->nviolations);
    served = checked(cJSON_AddArrayToObject(root, "served"));
    for (size_t i = 0; i < r->nserved; i++) {
        cJSON *s = checked(cJSON_CreateObject());
        add_str(s, "group", r->served[i].group);
        add_strs(s, "versions", r->served[i].versions, r->served[i].nversions);
        cJSON_AddItemToArray(served, s);
    }
    add_time(root, "startTime", r->start_ms);
    add_num(root, "durationSeconds", (double)r->duration_ns / 1e9);
    add_summary(root, sc_run_summary(r));
    tests = checked(cJSON_AddArrayToObject(root, "tests"));
    for (size_t i = 0; i < r->ncases; i++)
        cJSON_AddItemToArray(tests, case_json(&r->cases[i]));

    text = cJSON_Print(root);
    cJSON_Delete(root);
    if (text == NULL)
        abort();
    /* cJSON's buffer belongs to its allocator; hand the caller plain malloc'd text with a
     * final newline, as text files have. */
    if (asprintf(&out, "%s\n", text) < 0)
        abort();
    cJSON_free(text);
    return out;
}

/* ---- reading ---- */

struct rctx {
    const char *file;
    struct sc_err *err;
    char path[256];
};

static size_t path_push(struct rctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static size_t path_push(struct rctx *c, const char *fmt, ...)
{
    size_t mark = strlen(c->path);
    va_list ap;
    va_start(ap, fmt);
    if (mark < sizeof(c->path))
        vsnprintf(c->path + mark, sizeof(c->path) - mark, fmt, ap);
    va_end(ap);
    return mark;
}

static void path_pop(struct rctx *c, size_t mark)
{
    c->path[mark] = '\0';
}

static int fail(struct rctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(struct rctx *c, const char *fmt, ...)
{
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    const char *p = c->path[0] == '.' ? c->path + 1 : c->path;
    return sc_err_set(c->err, SC_EINVAL, "%s: %s%s%s", c->file, p, p[0] ? ": " : "", msg);
}

/* Member `key` of o. Absent and null are both "not given"; required ones fail. */
static int member(struct rctx *c, const cJSON *o, const char *key, bool required, const cJSON **out)
{
    const cJSON *m = cJSON_GetObjectItemCaseSensitive(o, key);
    *out = NULL;
    if (m == NULL || cJSON_IsNull(m)) {
        if (!required)
            return 0;
        size_t mark = path_push(c, ".%s", key);
        int rc = fail(c, m ? "must not be null" : "required field is missing");
        path_pop(c, mark);
        return rc;
    }
    *out = m;
    return 0;
}

static int get_str(struct rctx *c, const cJSON *o, const char *key, bool required, char **out)
{
    const cJSON *m;
    int rc = member(c, o, key, required, &m);
    *out = NULL;
    if (rc || m == NULL)
        return rc;
    if (!cJSON_IsString(m)) {
        size_t mark = path_push(c, ".%s", key);
        rc = fail(c, "expected a string");
        path_pop(c, mark);
        return rc;
    }
    *out = sc_xstrdup(m->valuestring);
    return 0;
}

static int get_num(struct rctx *c, const cJSON *o, const char *key, bool required, double *out)
{
    const cJSON *m;
    int rc = member(c, o, key, required, &m);
    *out = NAN;
    if (rc || m == NULL)
        return rc;
    if (!cJSON_IsNumber(m)) {
        size_t mark = path_push(c, ".%s", key);
        rc = fail(c, "expected a number");
        path_pop(c, mark);
        return rc;
    }
    *out = m->valuedouble;
    return 0;
}

/* Counts are whole, non-negative and exact in a double (below 2^53). */
static int get_count(struct rctx *c, const cJSON *o, const char *key, bool required, uint64_t *out)
{
    double v;
    int rc = get_num(c, o, key, required, &v);
    *out = 0;
    if (rc || isnan(v))
        return rc;
    if (v < 0 || v > 9007199254740992.0 || v != floor(v)) {
        size_t mark = path_push(c, ".%s", key);
        rc = fail(c, "expected a whole number >= 0, got %g", v);
        path_pop(c, mark);
        return rc;
    }
    *out = (uint64_t)v;
    return 0;
}

static int get_seconds(struct rctx *c, const cJSON *o, const char *key, uint64_t *out_ns)
{
    double v;
    int rc = get_num(c, o, key, false, &v);
    *out_ns = 0;
    if (rc || isnan(v))
        return rc;
    if (v < 0 || v > 1e9) {
        size_t mark = path_push(c, ".%s", key);
        rc = fail(c, "expected seconds >= 0, got %g", v);
        path_pop(c, mark);
        return rc;
    }
    *out_ns = (uint64_t)llround(v * 1e9);
    return 0;
}

static int get_time(struct rctx *c, const cJSON *o, const char *key, uint64_t *out_ms)
{
    char *s;
    int rc = get_str(c, o, key, false, &s);
    *out_ms = 0;
    if (rc || s == NULL)
        return rc;
    if (sc_report_time_parse(s, out_ms) != 0) {
        size_t mark = path_push(c, ".%s", key);
        rc = fail(c, "expected an RFC 3339 time, got '%s'", s);
        path_pop(c, mark);
    }
    free(s);
    return rc;
}

static int get_array(struct rctx *c, const cJSON *o, const char *key, bool required,
                     const cJSON **out)
{
    int rc = member(c, o, key, required, out);
    if (rc || *out == NULL)
        return rc;
    if (!cJSON_IsArray(*out)) {
        size_t mark = path_push(c, ".%s", key);
        rc = fail(c, "expected an array");
        path_pop(c, mark);
    }
    return rc;
}

static int expect_object(struct rctx *c, const cJSON *o)
{
    return cJSON_IsObject(o) ? 0 : fail(c, "expected an object");
}

static int get_strs(struct rctx *c, const cJSON *o, const char *key, char ***out, size_t *n)
{
    const cJSON *a, *it;
    size_t i = 0;
    int rc = get_array(c, o, key, false, &a);
    *out = NULL;
    *n = 0;
    if (rc || a == NULL)
        return rc;
    *out = sc_xcalloc((size_t)cJSON_GetArraySize(a) + 1, sizeof(char *));
    cJSON_ArrayForEach(it, a)
    {
        if (!cJSON_IsString(it)) {
            size_t mark = path_push(c, ".%s[%zu]", key, i);
            rc = fail(c, "expected a string");
            path_pop(c, mark);
            return rc;
        }
        (*out)[i++] = sc_xstrdup(it->valuestring);
        *n = i;
    }
    return 0;
}

static int read_percentiles(struct rctx *c, const cJSON *l, const char *key, double *p)
{
    const cJSON *m;
    int rc = member(c, l, key, false, &m);
    if (rc || m == NULL)
        return rc;
    size_t mark = path_push(c, ".%s", key);
    if ((rc = expect_object(c, m)) == 0)
        for (int i = 0; i < 4 && rc == 0; i++)
            rc = get_num(c, m, pct_names[i], false, &p[i]);
    path_pop(c, mark);
    return rc;
}

/* A whole number >= 0 exact in a double, as get_count() but for an array element. */
static int whole(struct rctx *c, const cJSON *m, uint64_t *out)
{
    if (!cJSON_IsNumber(m))
        return fail(c, "expected a number");
    double v = m->valuedouble;
    if (v < 0 || v > 9007199254740992.0 || v != floor(v))
        return fail(c, "expected a whole number >= 0, got %g", v);
    *out = (uint64_t)v;
    return 0;
}

/* latency.clientHistogram: [[lo_us, count], ...] with lo strictly ascending. */
static int read_histogram(struct rctx *c, const cJSON *l, struct sc_assertion *a)
{
    const cJSON *arr, *it;
    size_t i = 0;
    int rc = get_array(c, l, "clientHistogram", false, &arr);
    if (rc || arr == NULL)
        return rc;
    size_t n = (size_t)cJSON_GetArraySize(arr);
    if (n == 0)
        return 0;
    a->client_hist = sc_xcalloc(n, sizeof(*a->client_hist));
    cJSON_ArrayForEach(it, arr)
    {
        struct sc_hist_bucket *b = &a->client_hist[i];
        size_t mark = path_push(c, ".clientHistogram[%zu]", i);
        if (!cJSON_IsArray(it) || cJSON_GetArraySize(it) != 2) {
            rc = fail(c, "expected [lo_us, count]");
        } else {
            size_t m2 = path_push(c, "[0]");
            rc = whole(c, cJSON_GetArrayItem(it, 0), &b->lo);
            path_pop(c, m2);
            if (rc == 0) {
                m2 = path_push(c, "[1]");
                rc = whole(c, cJSON_GetArrayItem(it, 1), &b->count);
                path_pop(c, m2);
            }
            if (rc == 0 && i > 0 && b->lo <= b[-1].lo)
                rc = fail(c, "buckets must ascend: lo %llu after %llu", (unsigned long long)b->lo,
                          (unsigned long long)b[-1].lo);
        }
        path_pop(c, mark);
        if (rc)
            return rc;
        a->nclient_hist = ++i;
    }
    return 0;
}

static int read_figure(struct rctx *c, const cJSON *j, struct sc_assertion *a)
{
    char *name, *unit;
    struct sc_figure *f;
    int rc;

    if ((rc = expect_object(c, j)) || (rc = get_str(c, j, "name", true, &name)))
        return rc;
    if ((rc = get_str(c, j, "unit", false, &unit))) {
        free(name);
        return rc;
    }
    f = sc_assertion_add_figure(a, name, unit);
    free(name);
    free(unit);
    if ((rc = get_num(c, j, "expected", false, &f->expected)) ||
        (rc = get_num(c, j, "tolerance", false, &f->tolerance)) ||
        (rc = get_num(c, j, "observed", false, &f->observed)) ||
        (rc = get_num(c, j, "lo", false, &f->lo)) || (rc = get_num(c, j, "hi", false, &f->hi)) ||
        (rc = get_count(c, j, "count", false, &f->count)) ||
        (rc = get_count(c, j, "total", false, &f->total)))
        return rc;
    return 0;
}

static int get_bool(struct rctx *c, const cJSON *o, const char *key, bool required, bool *out)
{
    const cJSON *m;
    int rc = member(c, o, key, required, &m);
    *out = false;
    if (rc || m == NULL)
        return rc;
    if (!cJSON_IsBool(m)) {
        size_t mark = path_push(c, ".%s", key);
        rc = fail(c, "expected true or false");
        path_pop(c, mark);
        return rc;
    }
    *out = cJSON_IsTrue(m);
    return 0;
}

static int read_assertion(struct rctx *c, const cJSON *j, struct sc_case *k)
{
    char *kind, *what;
    const cJSON *figs, *lat, *it;
    struct sc_assertion *a;
    size_t i = 0;
    int rc;

    if ((rc = expect_object(c, j)) || (rc = get_str(c, j, "kind", true, &kind)))
        return rc;
    if ((rc = get_str(c, j, "what", true, &what))) {
        free(kind);
        return rc;
    }
    a = sc_case_add_assertion(k, kind, what);
    free(kind);
    free(what);
    /* error (added within v1) is optional: old results never had one */
    if ((rc = get_bool(c, j, "passed", true, &a->passed)) ||
        (rc = get_bool(c, j, "error", false, &a->error)))
        return rc;
    if (a->passed && a->error) {
        size_t mark = path_push(c, ".error");
        rc = fail(c, "an assertion that passed cannot have an error");
        path_pop(c, mark);
        return rc;
    }
    if ((rc = get_str(c, j, "message", false, &a->message)) ||
        (rc = get_str(c, j, "spec", false, &a->spec)) ||
        (rc = get_array(c, j, "figures", false, &figs)))
        return rc;
    if (figs != NULL)
        cJSON_ArrayForEach(it, figs)
        {
            size_t mark = path_push(c, ".figures[%zu]", i++);
            rc = read_figure(c, it, a);
            path_pop(c, mark);
            if (rc)
                return rc;
        }
    if ((rc = member(c, j, "latency", false, &lat)) || lat == NULL)
        return rc;
    size_t mark = path_push(c, ".latency");
    if ((rc = expect_object(c, lat)) == 0 &&
        (rc = read_percentiles(c, lat, "client", a->client_p)) == 0 &&
        (rc = read_percentiles(c, lat, "mesh", a->mesh_p)) == 0)
        rc = read_histogram(c, lat, a);
    path_pop(c, mark);
    return rc;
}

/* runs (added within v1): absent in old results, which means once (0 in the model). */
static int get_runs(struct rctx *c, const cJSON *o, unsigned *out)
{
    const cJSON *m;
    uint64_t v;
    int rc = member(c, o, "runs", false, &m);
    *out = 0;
    if (rc || m == NULL || (rc = get_count(c, o, "runs", true, &v)))
        return rc;
    if (v < 1 || v > UINT_MAX) {
        size_t mark = path_push(c, ".runs");
        rc = fail(c, "expected a whole number >= 1, got %llu", (unsigned long long)v);
        path_pop(c, mark);
        return rc;
    }
    *out = (unsigned)v;
    return 0;
}

static int read_case(struct rctx *c, const cJSON *j, struct sc_run *r)
{
    struct sc_case *k;
    const cJSON *res, *as, *it;
    size_t i = 0;
    int rc, v;

    if ((rc = expect_object(c, j)))
        return rc;
    k = sc_run_add_case(r);
    if ((rc = get_str(c, j, "name", true, &k->test)) ||
        (rc = get_str(c, j, "area", true, &k->area)) ||
        (rc = get_str(c, j, "version", true, &k->version)) ||
        (rc = get_str(c, j, "file", false, &k->file)) ||
        (rc = get_strs(c, j, "features", &k->features, &k->nfeatures)) ||
        (rc = get_strs(c, j, "protocols", &k->protocols, &k->nprotocols)) ||
        (rc = member(c, j, "result", true, &res)))
        return rc;
    v = cJSON_IsString(res) ? sc_verdict_parse(res->valuestring) : -1;
    if (v < 0) {
        size_t mark = path_push(c, ".result");
        rc = fail(c, "expected one of passed, failed, skipped, error");
        path_pop(c, mark);
        return rc;
    }
    k->verdict = (enum sc_verdict)v;
    if ((rc = get_time(c, j, "startTime", &k->start_ms)) ||
        (rc = get_seconds(c, j, "durationSeconds", &k->duration_ns)) ||
        (rc = get_str(c, j, "message", false, &k->message)) || (rc = get_runs(c, j, &k->runs)) ||
        (rc = get_str(c, j, "rerunReason", false, &k->rerun_reason)) ||
        (rc = get_str(c, j, "log", false, &k->log)) ||
        (rc = get_str(c, j, "diagnostics", false, &k->diagnostics)) ||
        (rc = get_array(c, j, "assertions", false, &as)))
        return rc;
    if (as != NULL)
        cJSON_ArrayForEach(it, as)
        {
            size_t mark = path_push(c, ".assertions[%zu]", i++);
            rc = read_assertion(c, it, k);
            path_pop(c, mark);
            if (rc)
                return rc;
        }
    return 0;
}

/* The summary's counts must agree with the tests. `errors` was added within v1: a summary
 * without it is an old result's, and is only right when no test errored. */
static int read_summary(struct rctx *c, const cJSON *root, const struct sc_run *r)
{
    static const char *const keys[] = {"total", "passed", "failed", "skipped", "errors"};
    struct sc_summary s = sc_run_summary(r);
    const size_t want[] = {s.total, s.passed, s.failed, s.skipped, s.errors};
    const cJSON *j;
    int rc = member(c, root, "summary", false, &j);

    if (rc || j == NULL)
        return rc;
    size_t mark = path_push(c, "summary");
    if ((rc = expect_object(c, j)) == 0)
        for (int i = 0; i < 5 && rc == 0; i++) {
            uint64_t got;
            const cJSON *m = cJSON_GetObjectItemCaseSensitive(j, keys[i]);
            if (i == 4 && (m == NULL || cJSON_IsNull(m))) {
                if (want[i] == 0)
                    break;
                size_t m2 = path_push(c, ".errors");
                rc = fail(c, "is missing but %zu tests have the result error", want[i]);
                path_pop(c, m2);
            } else if ((rc = get_count(c, j, keys[i], true, &got)) == 0 && got != want[i]) {
                size_t m2 = path_push(c, ".%s", keys[i]);
                rc = fail(c, "is %llu but the tests say %zu (truncated or edited file?)",
                          (unsigned long long)got, want[i]);
                path_pop(c, m2);
            }
        }
    path_pop(c, mark);
    return rc;
}

static int read_run(struct rctx *c, const cJSON *root, struct sc_run *r)
{
    const cJSON *h, *served, *tests, *it;
    char *schema;
    size_t i = 0;
    int rc;

    if ((rc = expect_object(c, root)) || (rc = get_str(c, root, "schemaVersion", true, &schema)))
        return rc;
    if (strcmp(schema, SC_REPORT_JSON_SCHEMA) != 0) {
        size_t mark = path_push(c, "schemaVersion");
        rc = fail(c, "unsupported schema '%s' (this harness reads %s)", schema,
                  SC_REPORT_JSON_SCHEMA);
        path_pop(c, mark);
        free(schema);
        return rc;
    }
    free(schema);
    if ((rc = member(c, root, "harness", false, &h)))
        return rc;
    if (h != NULL) {
        size_t mark = path_push(c, "harness");
        if ((rc = expect_object(c, h)) == 0 &&
            (rc = get_str(c, h, "version", false, &r->harness_version)) == 0)
            rc = get_str(c, h, "commit", false, &r->harness_commit);
        path_pop(c, mark);
        if (rc)
            return rc;
    }
    if ((rc = get_str(c, root, "platform", false, &r->platform)) ||
        (rc = get_str(c, root, "mesh", false, &r->mesh)) ||
        (rc = get_str(c, root, "kubeVersion", false, &r->kube_version)) ||
        (rc = get_str(c, root, "commandLine", false, &r->command_line)) ||
        (rc = get_strs(c, root, "violations", &r->violations, &r->nviolations)) ||
        (rc = get_array(c, root, "served", false, &served)))
        return rc;
    if (served != NULL)
        cJSON_ArrayForEach(it, served)
        {
            size_t mark = path_push(c, "served[%zu]", i);
            struct sc_served *s;
            r->served = realloc(r->served, (i + 1) * sizeof(*r->served));
            if (r->served == NULL)
                abort();
            s = &r->served[i];
            memset(s, 0, sizeof(*s));
            r->nserved = ++i;
            if ((rc = expect_object(c, it)) == 0 &&
                (rc = get_str(c, it, "group", true, &s->group)) == 0)
                rc = get_strs(c, it, "versions", &s->versions, &s->nversions);
            path_pop(c, mark);
            if (rc)
                return rc;
        }
    if ((rc = get_time(c, root, "startTime", &r->start_ms)) ||
        (rc = get_seconds(c, root, "durationSeconds", &r->duration_ns)) ||
        (rc = get_array(c, root, "tests", true, &tests)))
        return rc;
    i = 0;
    cJSON_ArrayForEach(it, tests)
    {
        size_t mark = path_push(c, "tests[%zu]", i++);
        rc = read_case(c, it, r);
        path_pop(c, mark);
        if (rc)
            return rc;
    }
    return read_summary(c, root, r);
}

int sc_report_json_parse(const char *text, size_t len, const char *file, struct sc_run **out,
                         struct sc_err *err)
{
    struct rctx c = {.file = file ? file : "<input>", .err = err};
    struct sc_run *r;
    cJSON *root;
    int rc;

    *out = NULL;
    if ((rc = sc_json_parse_located(text, len, c.file, &root, err)) != 0)
        return rc;
    r = sc_run_new();
    rc = read_run(&c, root, r);
    cJSON_Delete(root);
    if (rc) {
        sc_run_free(r);
        return rc;
    }
    *out = r;
    return 0;
}

int sc_report_json_load(const char *path, struct sc_run **out, struct sc_err *err)
{
    char *text;
    size_t len;
    int rc;

    *out = NULL;
    if ((rc = sc_file_read(path, SC_REPORT_MAX_INPUT, &text, &len, err)))
        return rc;
    rc = sc_report_json_parse(text, len, path, out, err);
    free(text);
    return rc;
}
