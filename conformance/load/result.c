/* result.c - load results: merge, JSON round trip, and the wrk-compatible text summary. */
#include "load/result.h"

#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"

#define RESULT_SCHEMA "smi-conformance/load-result/v1"

static const char *const errkind_names[SC_LERR_COUNT] = {"connect",    "read",           "write",
                                                         "timeout",    "protocol",       "reset",
                                                         "rst_stream", "refused_stream", "goaway"};

const char *sc_load_errkind_name(enum sc_load_errkind k)
{
    return (unsigned)k < SC_LERR_COUNT ? errkind_names[k] : "unknown";
}

struct sc_load_result *sc_load_result_new(void)
{
    struct sc_load_result *r = sc_xcalloc(1, sizeof(*r));
    r->latency = sc_hist_new();
    r->latency_uncorrected = sc_hist_new();
    return r;
}

void sc_load_result_free(struct sc_load_result *r)
{
    if (r == NULL)
        return;
    free(r->url);
    free(r->method);
    free(r->identity_header);
    free(r->protocol);
    free(r->grpc);
    for (size_t i = 0; i < r->nbackends; i++)
        free(r->backends[i].name);
    free(r->backends);
    sc_hist_free(r->latency);
    sc_hist_free(r->latency_uncorrected);
    free(r->notes);
    free(r->first_error);
    free(r->timeline);
    free(r);
}

void sc_load_result_add_backend(struct sc_load_result *r, const char *name, size_t len, uint64_t n)
{
    size_t lo = 0, hi = r->nbackends;

    /* Binary search by (name, len); backends are few, insertion cost does not matter. */
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        const char *m = r->backends[mid].name;
        size_t mlen = strlen(m);
        int c = memcmp(m, name, mlen < len ? mlen : len);
        if (c == 0)
            c = (mlen > len) - (mlen < len);
        if (c == 0) {
            r->backends[mid].count += n;
            return;
        }
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    r->backends = realloc(r->backends, (r->nbackends + 1) * sizeof(*r->backends));
    if (r->backends == NULL)
        abort();
    memmove(&r->backends[lo + 1], &r->backends[lo], (r->nbackends - lo) * sizeof(*r->backends));
    r->backends[lo].name = sc_xcalloc(1, len + 1);
    memcpy(r->backends[lo].name, name, len);
    r->backends[lo].count = n;
    r->nbackends++;
}

void sc_load_result_note(struct sc_load_result *r, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    sc_append_linev(&r->notes, fmt, ap);
    va_end(ap);
}

uint64_t sc_load_result_errors(const struct sc_load_result *r)
{
    uint64_t s = 0;
    for (int k = 0; k < SC_LERR_COUNT; k++)
        s += r->errors[k];
    return s;
}

uint64_t sc_load_result_non2xx3xx(const struct sc_load_result *r)
{
    uint64_t s = r->status_other;
    for (int i = 0; i < SC_LOAD_STATUS_MAX; i++)
        if (i < 200 || i >= 400)
            s += r->status[i];
    return s;
}

double sc_load_result_achieved_rate(const struct sc_load_result *r)
{
    if (r->target_rate <= 0 || r->pace_window_ns == 0)
        return 0.0;
    return (double)r->sent * 1e9 / (double)r->pace_window_ns;
}

double sc_load_result_rps(const struct sc_load_result *r)
{
    return r->elapsed_ns ? (double)r->responses * 1e9 / (double)r->elapsed_ns : 0.0;
}

static void merge_string(char **into, const char *from)
{
    if (*into == NULL && from != NULL)
        *into = sc_xstrdup(from);
}

void sc_load_result_merge(struct sc_load_result *into, const struct sc_load_result *from)
{
    merge_string(&into->url, from->url);
    merge_string(&into->method, from->method);
    merge_string(&into->identity_header, from->identity_header);
    merge_string(&into->protocol, from->protocol);
    merge_string(&into->grpc, from->grpc);
    if (into->max_streams == 0)
        into->max_streams = from->max_streams;
    for (int i = 0; i < SC_LOAD_GRPC_STATUS_MAX; i++)
        into->grpc_status[i] += from->grpc_status[i];
    into->grpc_status_other += from->grpc_status_other;
    into->grpc_status_missing += from->grpc_status_missing;
    merge_string(&into->first_error, from->first_error);
    if (from->notes != NULL) {
        size_t a = into->notes ? strlen(into->notes) : 0, b = strlen(from->notes);
        into->notes = realloc(into->notes, a + b + 1);
        if (into->notes == NULL)
            abort();
        memcpy(into->notes + a, from->notes, b + 1);
    }
    if (from->elapsed_ns > into->elapsed_ns)
        into->elapsed_ns = from->elapsed_ns;
    into->sent += from->sent;
    into->responses += from->responses;
    into->bytes_read += from->bytes_read;
    into->bytes_written += from->bytes_written;
    into->reconnects += from->reconnects;
    into->connections_opened += from->connections_opened;
    sc_load_timeline_merge(into, from);
    for (int i = 0; i < SC_LOAD_STATUS_MAX; i++)
        into->status[i] += from->status[i];
    into->status_other += from->status_other;
    for (int k = 0; k < SC_LERR_COUNT; k++)
        into->errors[k] += from->errors[k];
    for (size_t i = 0; i < from->nbackends; i++)
        sc_load_result_add_backend(into, from->backends[i].name, strlen(from->backends[i].name),
                                   from->backends[i].count);
    into->no_identity += from->no_identity;
    into->unsent += from->unsent;
    if (from->max_lag_ns > into->max_lag_ns)
        into->max_lag_ns = from->max_lag_ns;
    if (from->pace_window_ns > into->pace_window_ns)
        into->pace_window_ns = from->pace_window_ns;
    sc_hist_merge(into->latency, from->latency);
    sc_hist_merge(into->latency_uncorrected, from->latency_uncorrected);
}

/* ---- JSON ------------------------------------------------------------------------------ */

static cJSON *hist_to_json(const struct sc_hist *h)
{
    cJSON *j = cJSON_CreateObject(), *b = cJSON_CreateArray();
    static const double ps[] = {50, 75, 90, 99, 99.9, 99.99};
    static const char *const names[] = {"p50", "p75", "p90", "p99", "p99_9", "p99_99"};
    cJSON *pj = cJSON_CreateObject();
    size_t pos = 0;
    uint64_t lo, n;

    cJSON_AddStringToObject(j, "unit", "us");
    cJSON_AddNumberToObject(j, "count", (double)h->count);
    cJSON_AddNumberToObject(j, "min", h->count ? (double)h->min : 0);
    cJSON_AddNumberToObject(j, "max", (double)h->max);
    cJSON_AddNumberToObject(j, "sum", h->sum);
    cJSON_AddNumberToObject(j, "sumsq", h->sumsq);
    cJSON_AddNumberToObject(j, "mean", sc_hist_mean(h));
    cJSON_AddNumberToObject(j, "stdev", sc_hist_stdev(h));
    for (size_t i = 0; i < sizeof(ps) / sizeof(ps[0]); i++)
        cJSON_AddNumberToObject(pj, names[i], (double)sc_hist_percentile(h, ps[i]));
    cJSON_AddItemToObject(j, "percentiles", pj);
    cJSON_AddNumberToObject(j, "sub_bucket_bits", SC_HIST_SUB_BITS);
    /* [lowest value of the bucket, count]: exact enough to rebuild and merge. */
    while (sc_hist_next(h, &pos, &lo, &n)) {
        cJSON *pair = cJSON_CreateArray();
        cJSON_AddItemToArray(pair, cJSON_CreateNumber((double)lo));
        cJSON_AddItemToArray(pair, cJSON_CreateNumber((double)n));
        cJSON_AddItemToArray(b, pair);
    }
    cJSON_AddItemToObject(j, "buckets", b);
    return j;
}

/* "grpc": {"method": M, "status": {"0": n, ...}, "other": n, "missing": n} */
static void grpc_to_json(const struct sc_load_result *r, cJSON *j)
{
    cJSON *g = cJSON_AddObjectToObject(j, "grpc"), *st;
    char key[8];

    cJSON_AddStringToObject(g, "method", r->grpc);
    st = cJSON_AddObjectToObject(g, "status");
    for (int i = 0; i < SC_LOAD_GRPC_STATUS_MAX; i++) {
        if (r->grpc_status[i] == 0)
            continue;
        snprintf(key, sizeof(key), "%d", i);
        cJSON_AddNumberToObject(st, key, (double)r->grpc_status[i]);
    }
    cJSON_AddNumberToObject(g, "other", (double)r->grpc_status_other);
    cJSON_AddNumberToObject(g, "missing", (double)r->grpc_status_missing);
}

static int get_u64(const cJSON *o, const char *path, const char *name, uint64_t *out,
                   struct sc_err *err);

/* The reverse of grpc_to_json; no "grpc" field: not a gRPC run. */
static int grpc_from_json(const cJSON *j, struct sc_load_result *r, struct sc_err *err)
{
    const cJSON *g = cJSON_GetObjectItemCaseSensitive(j, "grpc"), *m, *st, *it;

    if (g == NULL)
        return 0;
    m = cJSON_GetObjectItemCaseSensitive(g, "method");
    if (!cJSON_IsObject(g) || !cJSON_IsString(m))
        return sc_err_set(err, SC_EINVAL, "field 'grpc' must be an object with a 'method'");
    r->grpc = sc_xstrdup(m->valuestring);
    if (get_u64(g, "grpc.", "other", &r->grpc_status_other, err) ||
        get_u64(g, "grpc.", "missing", &r->grpc_status_missing, err))
        return SC_EINVAL;
    st = cJSON_GetObjectItemCaseSensitive(g, "status");
    if (st != NULL && !cJSON_IsObject(st))
        return sc_err_set(err, SC_EINVAL, "field 'grpc.status' must be an object");
    cJSON_ArrayForEach(it, st)
    {
        char *end;
        long code = strtol(it->string, &end, 10);
        uint64_t n;
        if (*end != '\0' || end == it->string || code < 0 || code >= SC_LOAD_GRPC_STATUS_MAX)
            return sc_err_set(err, SC_EINVAL, "field 'grpc.status.%s' is not a gRPC status",
                              it->string);
        if (get_u64(st, "grpc.status.", it->string, &n, err))
            return SC_EINVAL;
        r->grpc_status[code] += n;
    }
    return 0;
}

cJSON *sc_load_result_to_json(const struct sc_load_result *r)
{
    cJSON *j = cJSON_CreateObject(), *o;
    char key[16];

    cJSON_AddStringToObject(j, "schema", RESULT_SCHEMA);
    o = cJSON_AddObjectToObject(j, "run");
    cJSON_AddStringToObject(o, "url", r->url ? r->url : "");
    cJSON_AddStringToObject(o, "method", r->method ? r->method : "");
    cJSON_AddNumberToObject(o, "threads", r->threads);
    cJSON_AddNumberToObject(o, "connections", r->connections);
    cJSON_AddNumberToObject(o, "pipeline", r->pipeline);
    cJSON_AddNumberToObject(o, "target_rate", r->target_rate);
    cJSON_AddNumberToObject(o, "duration_ns", (double)r->duration_ns);
    cJSON_AddNumberToObject(o, "request_limit", (double)r->request_limit);
    cJSON_AddStringToObject(o, "identity_header", r->identity_header ? r->identity_header : "");

    /* At the top level, where the agent's result reader (agent/result.c) looks for them. */
    cJSON_AddStringToObject(j, "protocol", r->protocol ? r->protocol : "http/1.1");
    cJSON_AddNumberToObject(j, "max_streams", r->max_streams);
    cJSON_AddNumberToObject(j, "elapsed_ns", (double)r->elapsed_ns);
    cJSON_AddNumberToObject(j, "sent", (double)r->sent);
    cJSON_AddNumberToObject(j, "responses", (double)r->responses);
    cJSON_AddNumberToObject(j, "requests_per_sec", sc_load_result_rps(r));
    cJSON_AddNumberToObject(j, "bytes_read", (double)r->bytes_read);
    cJSON_AddNumberToObject(j, "bytes_written", (double)r->bytes_written);
    cJSON_AddNumberToObject(j, "reconnects", (double)r->reconnects);
    cJSON_AddNumberToObject(j, "connections_opened", (double)r->connections_opened);
    cJSON_AddNumberToObject(j, "non_2xx_3xx", (double)sc_load_result_non2xx3xx(r));
    o = cJSON_AddObjectToObject(j, "status");
    for (int i = 0; i < SC_LOAD_STATUS_MAX; i++) {
        if (r->status[i] == 0)
            continue;
        snprintf(key, sizeof(key), "%d", i);
        cJSON_AddNumberToObject(o, key, (double)r->status[i]);
    }
    if (r->status_other)
        cJSON_AddNumberToObject(o, "other", (double)r->status_other);
    o = cJSON_AddObjectToObject(j, "errors");
    for (int k = 0; k < SC_LERR_COUNT; k++)
        cJSON_AddNumberToObject(o, errkind_names[k], (double)r->errors[k]);
    if (r->first_error)
        cJSON_AddStringToObject(j, "first_error", r->first_error);
    o = cJSON_AddObjectToObject(j, "backends");
    for (size_t i = 0; i < r->nbackends; i++)
        cJSON_AddNumberToObject(o, r->backends[i].name, (double)r->backends[i].count);
    cJSON_AddNumberToObject(j, "no_identity", (double)r->no_identity);
    if (r->grpc != NULL)
        grpc_to_json(r, j);
    if (r->target_rate > 0) {
        o = cJSON_AddObjectToObject(j, "pacing");
        cJSON_AddNumberToObject(o, "achieved_rate", sc_load_result_achieved_rate(r));
        cJSON_AddNumberToObject(o, "window_ns", (double)r->pace_window_ns);
        cJSON_AddNumberToObject(o, "unsent", (double)r->unsent);
        cJSON_AddNumberToObject(o, "max_lag_ns", (double)r->max_lag_ns);
    }
    cJSON_AddItemToObject(j, "latency", hist_to_json(r->latency));
    cJSON_AddItemToObject(j, "latency_uncorrected", hist_to_json(r->latency_uncorrected));
    if (r->notes) {
        cJSON *arr = cJSON_AddArrayToObject(j, "notes");
        char *copy = sc_xstrdup(r->notes), *save = NULL;
        for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
            cJSON_AddItemToArray(arr, cJSON_CreateString(line));
        free(copy);
    }
    sc_load_timeline_to_json(r, j);
    return j;
}

static int get_u64(const cJSON *o, const char *path, const char *name, uint64_t *out,
                   struct sc_err *err)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);

    *out = 0; /* also on failure: callers read it only on success, compilers cannot tell */
    if (v == NULL)
        return 0;
    if (!cJSON_IsNumber(v) || v->valuedouble < 0 || v->valuedouble != floor(v->valuedouble))
        return sc_err_set(err, SC_EINVAL, "field '%s%s' must be a non-negative integer", path,
                          name);
    *out = (uint64_t)v->valuedouble;
    return 0;
}

static int hist_from_json(const cJSON *j, const char *path, struct sc_hist *h, struct sc_err *err)
{
    const cJSON *b, *pair;
    uint64_t count, min, max, sum_count = 0;
    const cJSON *sum, *sumsq;

    if (!cJSON_IsObject(j))
        return sc_err_set(err, SC_EINVAL, "field '%s' must be an object", path);
    b = cJSON_GetObjectItemCaseSensitive(j, "buckets");
    if (!cJSON_IsArray(b))
        return sc_err_set(err, SC_EINVAL, "field '%s.buckets' must be an array", path);
    {
        const cJSON *sb = cJSON_GetObjectItemCaseSensitive(j, "sub_bucket_bits");
        if (sb != NULL && (!cJSON_IsNumber(sb) || sb->valueint != SC_HIST_SUB_BITS))
            return sc_err_set(err, SC_EINVAL, "field '%s.sub_bucket_bits' must be %d", path,
                              SC_HIST_SUB_BITS);
    }
    cJSON_ArrayForEach(pair, b)
    {
        const cJSON *lo = cJSON_GetArrayItem(pair, 0), *n = cJSON_GetArrayItem(pair, 1);
        if (!cJSON_IsArray(pair) || cJSON_GetArraySize(pair) != 2 || !cJSON_IsNumber(lo) ||
            !cJSON_IsNumber(n) || lo->valuedouble < 0 || n->valuedouble < 0 ||
            sc_hist_add_bucket(h, (uint64_t)lo->valuedouble, (uint64_t)n->valuedouble) != 0)
            return sc_err_set(err, SC_EINVAL, "field '%s.buckets' holds an invalid bucket", path);
        sum_count += (uint64_t)n->valuedouble;
    }
    if (get_u64(j, "", "count", &count, err) || get_u64(j, "", "min", &min, err) ||
        get_u64(j, "", "max", &max, err))
        return sc_err_prefix(err, "in '%s'", path);
    if (count != sum_count)
        return sc_err_set(err, SC_EINVAL,
                          "field '%s.count' (%" PRIu64 ") differs from the sum "
                          "of its buckets (%" PRIu64 ")",
                          path, count, sum_count);
    h->min = count ? min : UINT64_MAX;
    h->max = max;
    sum = cJSON_GetObjectItemCaseSensitive(j, "sum");
    sumsq = cJSON_GetObjectItemCaseSensitive(j, "sumsq");
    h->sum = cJSON_IsNumber(sum) ? sum->valuedouble : 0;
    h->sumsq = cJSON_IsNumber(sumsq) ? sumsq->valuedouble : 0;
    return 0;
}

/* The "run" object: what ran. */
static int run_from_json(const cJSON *o, struct sc_load_result *r, struct sc_err *err)
{
    const cJSON *s;
    uint64_t threads, conns, pipeline;

    if (cJSON_IsString(s = cJSON_GetObjectItemCaseSensitive(o, "url")))
        r->url = sc_xstrdup(s->valuestring);
    if (cJSON_IsString(s = cJSON_GetObjectItemCaseSensitive(o, "method")))
        r->method = sc_xstrdup(s->valuestring);
    if (cJSON_IsString(s = cJSON_GetObjectItemCaseSensitive(o, "identity_header")))
        r->identity_header = sc_xstrdup(s->valuestring);
    if (get_u64(o, "run.", "threads", &threads, err) ||
        get_u64(o, "run.", "connections", &conns, err) ||
        get_u64(o, "run.", "pipeline", &pipeline, err) ||
        get_u64(o, "run.", "duration_ns", &r->duration_ns, err) ||
        get_u64(o, "run.", "request_limit", &r->request_limit, err))
        return SC_EINVAL;
    r->threads = (unsigned)threads;
    r->connections = (unsigned)conns;
    r->pipeline = (unsigned)pipeline;
    if (cJSON_IsNumber(s = cJSON_GetObjectItemCaseSensitive(o, "target_rate")))
        r->target_rate = s->valuedouble;
    return 0;
}

int sc_load_result_from_json(const cJSON *j, struct sc_load_result **out, struct sc_err *err)
{
    struct sc_load_result *r;
    const cJSON *o, *v;
    int rc = SC_EINVAL;
    uint64_t tmp;

    *out = NULL;
    if (!cJSON_IsObject(j))
        return sc_err_set(err, SC_EINVAL, "load result must be a JSON object");
    v = cJSON_GetObjectItemCaseSensitive(j, "schema");
    if (!cJSON_IsString(v) || strcmp(v->valuestring, RESULT_SCHEMA) != 0)
        return sc_err_set(err, SC_EINVAL, "field 'schema' must be '%s'", RESULT_SCHEMA);
    r = sc_load_result_new();
    o = cJSON_GetObjectItemCaseSensitive(j, "run");
    if (cJSON_IsObject(o) && run_from_json(o, r, err) != 0)
        goto out_free;
    /* Results of older agents have neither: HTTP/1.1. */
    v = cJSON_GetObjectItemCaseSensitive(j, "protocol");
    r->protocol = sc_xstrdup(cJSON_IsString(v) ? v->valuestring : "http/1.1");
    if (get_u64(j, "", "max_streams", &tmp, err))
        goto out_free;
    r->max_streams = (unsigned)tmp;
    if (get_u64(j, "", "elapsed_ns", &r->elapsed_ns, err) ||
        get_u64(j, "", "sent", &r->sent, err) || get_u64(j, "", "responses", &r->responses, err) ||
        get_u64(j, "", "bytes_read", &r->bytes_read, err) ||
        get_u64(j, "", "bytes_written", &r->bytes_written, err) ||
        get_u64(j, "", "reconnects", &r->reconnects, err) ||
        get_u64(j, "", "no_identity", &r->no_identity, err))
        goto out_free;
    if (cJSON_GetObjectItemCaseSensitive(j, "connections_opened") != NULL &&
        get_u64(j, "", "connections_opened", &r->connections_opened, err))
        goto out_free;
    if (sc_load_timeline_from_json(j, r, err) != 0)
        goto out_free;
    o = cJSON_GetObjectItemCaseSensitive(j, "status");
    if (o != NULL) {
        const cJSON *it;
        if (!cJSON_IsObject(o)) {
            sc_err_set(err, SC_EINVAL, "field 'status' must be an object");
            goto out_free;
        }
        cJSON_ArrayForEach(it, o)
        {
            char *end;
            long code = strtol(it->string, &end, 10);
            if (get_u64(o, "status.", it->string, &tmp, err))
                goto out_free;
            if (strcmp(it->string, "other") == 0)
                r->status_other += tmp;
            else if (*end == '\0' && code >= 0 && code < SC_LOAD_STATUS_MAX)
                r->status[code] += tmp;
            else {
                sc_err_set(err, SC_EINVAL, "field 'status.%s' is not a status code", it->string);
                goto out_free;
            }
        }
    }
    o = cJSON_GetObjectItemCaseSensitive(j, "errors");
    if (cJSON_IsObject(o))
        for (int k = 0; k < SC_LERR_COUNT; k++)
            if (get_u64(o, "errors.", errkind_names[k], &r->errors[k], err))
                goto out_free;
    if (grpc_from_json(j, r, err) != 0)
        goto out_free;
    v = cJSON_GetObjectItemCaseSensitive(j, "first_error");
    if (cJSON_IsString(v))
        r->first_error = sc_xstrdup(v->valuestring);
    o = cJSON_GetObjectItemCaseSensitive(j, "backends");
    if (o != NULL) {
        const cJSON *it;
        if (!cJSON_IsObject(o)) {
            sc_err_set(err, SC_EINVAL, "field 'backends' must be an object");
            goto out_free;
        }
        cJSON_ArrayForEach(it, o)
        {
            if (get_u64(o, "backends.", it->string, &tmp, err))
                goto out_free;
            sc_load_result_add_backend(r, it->string, strlen(it->string), tmp);
        }
    }
    o = cJSON_GetObjectItemCaseSensitive(j, "pacing");
    if (cJSON_IsObject(o) && (get_u64(o, "pacing.", "unsent", &r->unsent, err) ||
                              get_u64(o, "pacing.", "max_lag_ns", &r->max_lag_ns, err) ||
                              get_u64(o, "pacing.", "window_ns", &r->pace_window_ns, err)))
        goto out_free;
    if (hist_from_json(cJSON_GetObjectItemCaseSensitive(j, "latency"), "latency", r->latency,
                       err) ||
        hist_from_json(cJSON_GetObjectItemCaseSensitive(j, "latency_uncorrected"),
                       "latency_uncorrected", r->latency_uncorrected, err))
        goto out_free;
    o = cJSON_GetObjectItemCaseSensitive(j, "notes");
    if (cJSON_IsArray(o)) {
        const cJSON *it;
        cJSON_ArrayForEach(it, o) if (cJSON_IsString(it))
            sc_load_result_note(r, "%s", it->valuestring);
    }
    *out = r;
    return 0;
out_free:
    sc_load_result_free(r);
    return rc;
}

/* ---- text ------------------------------------------------------------------------------ */

static void print_hist_line(FILE *f, const char *label, const struct sc_hist *h)
{
    char a[32], s[32], m[32];
    fprintf(f, "    %-9s %9s %9s %9s %8.2f%%\n", label, sc_fmt_duration_us(sc_hist_mean(h), a, 32),
            sc_fmt_duration_us(sc_hist_stdev(h), s, 32), sc_fmt_duration_us((double)h->max, m, 32),
            sc_hist_within_stdev(h));
}

static void print_percentiles(FILE *f, const char *title, const struct sc_hist *h)
{
    static const double ps[] = {50, 75, 90, 99, 99.9, 100};
    static const char *const names[] = {"50%", "75%", "90%", "99%", "99.9%", "max"};
    char b[32];

    fprintf(f, "  %s\n", title);
    for (size_t i = 0; i < sizeof(ps) / sizeof(ps[0]); i++)
        fprintf(f, "    %6s %10s\n", names[i],
                sc_fmt_duration_us((double)sc_hist_percentile(h, ps[i]), b, sizeof(b)));
}

void sc_load_result_print(const struct sc_load_result *r, FILE *f)
{
    double secs = (double)r->elapsed_ns / 1e9;
    char b1[32], b2[32];
    uint64_t non = sc_load_result_non2xx3xx(r);
    bool rate = r->target_rate > 0;

    fprintf(f, "Running %s test @ %s\n",
            r->duration_ns ? sc_fmt_duration_us((double)r->duration_ns / 1e3, b1, 32) : "count",
            r->url ? r->url : "");
    fprintf(f, "  %u threads and %u connections%s\n", r->threads, r->connections,
            rate ? ", constant rate" : "");
    if (r->protocol != NULL && strcmp(r->protocol, "http/1.1") != 0)
        fprintf(f, "  %s, %u streams per connection%s%s\n", r->protocol, r->max_streams,
                r->grpc ? ", gRPC " : "", r->grpc ? r->grpc : "");
    fprintf(f, "  Thread Stats   Avg      Stdev     Max   +/- Stdev\n");
    print_hist_line(f, "Latency", r->latency);
    if (rate) {
        print_percentiles(f, "Latency Distribution (corrected: from the intended send time)",
                          r->latency);
        print_percentiles(f, "Latency Distribution (uncorrected: from the actual send)",
                          r->latency_uncorrected);
    } else {
        print_percentiles(f, "Latency Distribution", r->latency);
    }
    fprintf(f, "  %" PRIu64 " requests in %.2fs, %s read\n", r->responses, secs,
            sc_fmt_bytes((double)r->bytes_read, b2, 32));
    if (sc_load_result_errors(r) > 0)
        fprintf(f,
                "  Socket errors: connect %" PRIu64 ", read %" PRIu64 ", write %" PRIu64
                ", timeout %" PRIu64 "\n",
                r->errors[SC_LERR_CONNECT], r->errors[SC_LERR_READ] + r->errors[SC_LERR_RESET],
                r->errors[SC_LERR_WRITE], r->errors[SC_LERR_TIMEOUT]);
    if (non > 0)
        fprintf(f, "  Non-2xx or 3xx responses: %" PRIu64 "\n", non);
    fprintf(f, "Requests/sec: %9.2f\n", sc_load_result_rps(r));
    fprintf(f, "Transfer/sec: %10s\n",
            sc_fmt_bytes(secs > 0 ? (double)r->bytes_read / secs : 0, b1, 32));
    fprintf(f, "Status codes:\n");
    for (int i = 0; i < SC_LOAD_STATUS_MAX; i++)
        if (r->status[i])
            fprintf(f, "  %d: %" PRIu64 "\n", i, r->status[i]);
    if (r->status_other)
        fprintf(f, "  other: %" PRIu64 "\n", r->status_other);
    if (sc_load_result_errors(r) > 0) {
        fprintf(f, "Errors by kind:");
        for (int k = 0; k < SC_LERR_COUNT; k++)
            fprintf(f, " %s %" PRIu64 "%s", errkind_names[k], r->errors[k],
                    k + 1 < SC_LERR_COUNT ? "," : "\n");
        if (r->first_error)
            fprintf(f, "  first error: %s\n", r->first_error);
    }
    if (r->grpc != NULL) {
        fprintf(f, "gRPC status:");
        for (int i = 0; i < SC_LOAD_GRPC_STATUS_MAX; i++)
            if (r->grpc_status[i])
                fprintf(f, " %d: %" PRIu64 ",", i, r->grpc_status[i]);
        fprintf(f, " other: %" PRIu64 ", missing: %" PRIu64 "\n", r->grpc_status_other,
                r->grpc_status_missing);
    }
    if (r->nbackends > 0 || r->no_identity > 0) {
        fprintf(f, "Backends (%s):\n", r->identity_header ? r->identity_header : "");
        for (size_t i = 0; i < r->nbackends; i++)
            fprintf(f, "  %s: %" PRIu64 "\n", r->backends[i].name, r->backends[i].count);
        if (r->no_identity)
            fprintf(f, "  (no identity): %" PRIu64 "\n", r->no_identity);
    }
    if (rate)
        fprintf(
            f, "Rate: target %.2f, sent %.2f per second, %" PRIu64 " unsent, max send lag %.3fms\n",
            r->target_rate, sc_load_result_achieved_rate(r), r->unsent,
            (double)r->max_lag_ns / 1e6);
    if (r->notes)
        for (const char *p = r->notes; *p;) {
            const char *nl = strchr(p, '\n');
            fprintf(f, "note: %.*s\n", (int)(nl ? nl - p : (long)strlen(p)), p);
            p = nl ? nl + 1 : p + strlen(p);
        }
}
