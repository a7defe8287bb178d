/* result.c - what a plan observed: the agent writes it as JSON, the runner reads it back. */
#include "agent/result.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"

/* 2^53: every whole number up to it is exact in a double, so a count beyond was rounded. */
#define COUNT_MAX 9007199254740992.0

/* The error kinds of a tcp/udp plan, in the order the result lists them. */
static const char *const probe_kinds[] = {"resolve",  "connect",  "refused", "reset",
                                          "closed",   "timeout",  "proxy",   "protocol",
                                          "mismatch", "cancelled"};
#define NPROBE_KINDS (sizeof(probe_kinds) / sizeof(probe_kinds[0]))

void sc_agent_result_release(struct sc_agent_result *r)
{
    for (size_t i = 0; i < r->nstatus; i++)
        free(r->status[i].name);
    for (size_t i = 0; i < r->nbackends; i++)
        free(r->backends[i].name);
    for (size_t i = 0; i < r->nerrors; i++)
        free(r->errors[i].name);
    free(r->status);
    free(r->backends);
    for (size_t i = 0; i < r->ngrpc_status; i++)
        free(r->grpc_status[i].name);
    free(r->grpc_status);
    free(r->errors);
    free(r->buckets);
    free(r->timeline);
    memset(r, 0, sizeof(*r));
}

uint64_t sc_agent_count_of(const struct sc_agent_count *v, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(v[i].name, name) == 0)
            return v[i].count;
    return 0;
}

/* ---- reading ------------------------------------------------------------------------- */

/* "agent result: field 'PATH.NAME': expected WHAT" (names come from the peer: bounded). */
static int bad(struct sc_err *err, const char *path, const char *name, const char *what)
{
    return sc_err_set(err, SC_EPROTO, "agent result: field '%.64s%s%.64s': expected %s", path,
                      *path != '\0' && *name != '\0' ? "." : "", name, what);
}

/* A count: a whole number from 0 to 2^53; anything else (absent too) is refused. */
static int get_count(const cJSON *v, const char *path, const char *name, uint64_t *out,
                     struct sc_err *err)
{
    double d;

    if (!cJSON_IsNumber(v))
        return bad(err, path, name, "a count");
    d = v->valuedouble;
    if (!isfinite(d) || d < 0 || d != floor(d) || d > COUNT_MAX)
        return bad(err, path, name, "a count (a whole number from 0 to 2^53)");
    *out = (uint64_t)d;
    return 0;
}

static int member_count(const cJSON *o, const char *path, const char *name, uint64_t *out,
                        struct sc_err *err)
{
    return get_count(cJSON_GetObjectItemCaseSensitive(o, name), path, name, out, err);
}

/* A latency in microseconds: a number from 0 to 2^53 (percentiles may have a fraction). */
static int member_us(const cJSON *o, const char *path, const char *name, double *out,
                     struct sc_err *err)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);

    if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble) || v->valuedouble < 0 ||
        v->valuedouble > COUNT_MAX)
        return bad(err, path, name, "a latency in microseconds");
    *out = v->valuedouble;
    return 0;
}

/* The object `name` of root as named counts; absent is empty. */
static int read_counts(const cJSON *root, const char *name, struct sc_agent_count **out, size_t *n,
                       struct sc_err *err)
{
    const cJSON *o = cJSON_GetObjectItemCaseSensitive(root, name), *it;
    size_t cap;

    *out = NULL;
    *n = 0;
    if (o == NULL)
        return 0;
    if (!cJSON_IsObject(o))
        return bad(err, name, "", "an object of counts");
    cap = (size_t)cJSON_GetArraySize(o);
    if (cap == 0)
        return 0;
    *out = sc_xcalloc(cap, sizeof(**out));
    cJSON_ArrayForEach(it, o)
    {
        uint64_t c;
        int rc = get_count(it, name, it->string, &c, err);
        for (size_t i = 0; rc == 0 && i < *n; i++)
            if (strcmp((*out)[i].name, it->string) == 0)
                rc = bad(err, name, it->string, "one count per name, not two");
        if (rc != 0)
            return rc; /* the caller releases what was read */
        (*out)[*n].name = sc_xstrdup(it->string);
        (*out)[*n].count = c;
        (*n)++;
    }
    return 0;
}

/* latency.buckets: [lowest value in us, count] pairs, ascending. */
static int read_buckets(const cJSON *lat, struct sc_agent_result *r, struct sc_err *err)
{
    const cJSON *b = cJSON_GetObjectItemCaseSensitive(lat, "buckets"), *pair;
    size_t cap;

    if (!cJSON_IsArray(b))
        return bad(err, "latency", "buckets", "an array of [microseconds, count] pairs");
    cap = (size_t)cJSON_GetArraySize(b);
    if (cap == 0)
        return 0;
    r->buckets = sc_xcalloc(cap, sizeof(*r->buckets));
    cJSON_ArrayForEach(pair, b)
    {
        struct sc_agent_bucket *k = &r->buckets[r->nbuckets];
        char name[32];

        snprintf(name, sizeof(name), "buckets[%zu]", r->nbuckets);
        if (!cJSON_IsArray(pair) || cJSON_GetArraySize(pair) != 2)
            return bad(err, "latency", name, "a [microseconds, count] pair");
        if (get_count(cJSON_GetArrayItem(pair, 0), "latency", name, &k->lo_us, err) != 0 ||
            get_count(cJSON_GetArrayItem(pair, 1), "latency", name, &k->count, err) != 0)
            return SC_EPROTO;
        if (r->nbuckets > 0 && k->lo_us <= r->buckets[r->nbuckets - 1].lo_us)
            return bad(err, "latency", name, "buckets in ascending order");
        r->nbuckets++;
    }
    return 0;
}

/* latency: p50, p90, p99 (percentiles) and max, and the histogram. */
static int read_latency(const cJSON *root, struct sc_agent_result *r, struct sc_err *err)
{
    const cJSON *lat = cJSON_GetObjectItemCaseSensitive(root, "latency"), *ps;

    if (lat == NULL)
        return 0;
    if (!cJSON_IsObject(lat))
        return bad(err, "latency", "", "an object");
    ps = cJSON_GetObjectItemCaseSensitive(lat, "percentiles");
    if (!cJSON_IsObject(ps))
        return bad(err, "latency", "percentiles", "an object");
    if (member_us(ps, "latency.percentiles", "p50", &r->latency_us[0], err) != 0 ||
        member_us(ps, "latency.percentiles", "p90", &r->latency_us[1], err) != 0 ||
        member_us(ps, "latency.percentiles", "p99", &r->latency_us[2], err) != 0 ||
        member_us(lat, "latency", "max", &r->latency_us[3], err) != 0)
        return SC_EPROTO;
    return read_buckets(lat, r, err);
}

/* "timeline" and "timeline_dropped", read by the load engine's reader; absent: none. */
static int read_timeline(const cJSON *root, struct sc_agent_result *r, struct sc_err *err)
{
    struct sc_load_result *lr;
    struct sc_err inner;

    if (cJSON_GetObjectItemCaseSensitive(root, "timeline") == NULL)
        return 0;
    lr = sc_load_result_new();
    sc_err_init(&inner);
    if (sc_load_timeline_from_json(root, lr, &inner) != 0) {
        sc_load_result_free(lr);
        return sc_err_set(err, SC_EPROTO, "agent result: %s", inner.msg);
    }
    r->timeline = lr->timeline;
    r->ntimeline = lr->ntimeline;
    r->timeline_dropped = lr->timeline_dropped;
    lr->timeline = NULL;
    sc_load_result_free(lr);
    return 0;
}

/* "protocol" and, for gRPC plans, "grpc": {"method", "status": {"0": n, ...}, "other", "missing"}
 * (sc_load_result_to_json); absent: an HTTP/1.1 result. */
static int read_wire(const cJSON *root, struct sc_agent_result *r, struct sc_err *err)
{
    const cJSON *pr = cJSON_GetObjectItemCaseSensitive(root, "protocol");
    const cJSON *g = cJSON_GetObjectItemCaseSensitive(root, "grpc");
    int rc;

    if (pr != NULL) {
        if (!cJSON_IsString(pr) || strlen(pr->valuestring) >= sizeof(r->protocol))
            return bad(err, "protocol", "", "\"http/1.1\", \"h2c\" or \"h2\"");
        snprintf(r->protocol, sizeof(r->protocol), "%s", pr->valuestring);
    }
    if (g == NULL || cJSON_IsNull(g))
        return 0;
    if (!cJSON_IsObject(g))
        return bad(err, "grpc", "", "an object");
    r->grpc = true;
    if ((rc = read_counts(g, "status", &r->grpc_status, &r->ngrpc_status, err)) != 0)
        return rc;
    for (size_t i = 0; i < r->ngrpc_status; i++) {
        const char *n = r->grpc_status[i].name;
        if (strspn(n, "0123456789") != strlen(n) || n[0] == '\0' || atoi(n) > 16)
            return bad(err, "grpc.status", n, "a gRPC status code from 0 to 16");
    }
    if ((cJSON_GetObjectItemCaseSensitive(g, "other") != NULL &&
         (rc = member_count(g, "grpc", "other", &r->grpc_other, err)) != 0) ||
        (cJSON_GetObjectItemCaseSensitive(g, "missing") != NULL &&
         (rc = member_count(g, "grpc", "missing", &r->grpc_missing, err)) != 0))
        return rc;
    return 0;
}

/* The load engine's shape (sc_load_result_to_json). */
static int read_http(const cJSON *root, struct sc_agent_result *r, struct sc_err *err)
{
    int rc;

    r->proto = SC_AGENT_HTTP;
    if ((rc = member_count(root, "", "sent", &r->attempts, err)) != 0 ||
        (rc = member_count(root, "", "responses", &r->ok, err)) != 0)
        return rc;
    /* a response can come before its request is fully written: never below zero */
    r->failed = r->attempts > r->ok ? r->attempts - r->ok : 0;
    if ((rc = read_counts(root, "status", &r->status, &r->nstatus, err)) != 0 ||
        (rc = read_counts(root, "backends", &r->backends, &r->nbackends, err)) != 0 ||
        (rc = read_counts(root, "errors", &r->errors, &r->nerrors, err)) != 0)
        return rc;
    if (cJSON_GetObjectItemCaseSensitive(root, "connections_opened") != NULL &&
        (rc = member_count(root, "", "connections_opened", &r->connections_opened, err)) != 0)
        return rc;
    if ((rc = read_timeline(root, r, err)) != 0 || (rc = read_wire(root, r, err)) != 0)
        return rc;
    return read_latency(root, r, err);
}

/* The probe's shape (sc_agent_probe_json_*). */
static int read_probe(const cJSON *root, enum sc_agent_proto proto, struct sc_agent_result *r,
                      struct sc_err *err)
{
    int rc;

    r->proto = proto;
    if ((rc = member_count(root, "", "attempts", &r->attempts, err)) != 0 ||
        (rc = member_count(root, "", "ok", &r->ok, err)) != 0 ||
        (rc = member_count(root, "", "failed", &r->failed, err)) != 0)
        return rc;
    if (r->ok > r->attempts || r->failed != r->attempts - r->ok)
        return bad(err, "", "failed", "'ok' and 'failed' to add up to 'attempts'");
    if ((rc = read_counts(root, "backends", &r->backends, &r->nbackends, err)) != 0 ||
        (rc = read_counts(root, "errors", &r->errors, &r->nerrors, err)) != 0)
        return rc;
    return 0;
}

int sc_agent_result_parse(const char *json, size_t len, struct sc_agent_result *out,
                          struct sc_err *err)
{
    cJSON *root = cJSON_ParseWithLength(json, len);
    const cJSON *proto, *e;
    int rc;

    memset(out, 0, sizeof(*out));
    for (int i = 0; i < 4; i++)
        out->latency_us[i] = NAN;
    if (root == NULL)
        return sc_err_set(err, SC_EPROTO, "agent result: not valid JSON");
    proto = cJSON_GetObjectItemCaseSensitive(root, "protocol");
    e = cJSON_GetObjectItemCaseSensitive(root, "error");
    if (!cJSON_IsObject(root))
        rc = sc_err_set(err, SC_EPROTO, "agent result: expected a JSON object");
    else if (cJSON_IsString(e))
        rc = sc_err_set(err, SC_EPROTO, "agent result: the agent could not run the plan: %.300s",
                        e->valuestring);
    else if (proto == NULL ||
             (cJSON_IsString(proto) &&
              (strcmp(proto->valuestring, "http/1.1") == 0 ||
               strcmp(proto->valuestring, "h2c") == 0 || strcmp(proto->valuestring, "h2") == 0)))
        rc = read_http(root, out, err); /* the load engine's: no protocol, or its HTTP version */
    else if (cJSON_IsString(proto) && strcmp(proto->valuestring, "tcp") == 0)
        rc = read_probe(root, SC_AGENT_TCP, out, err);
    else if (cJSON_IsString(proto) && strcmp(proto->valuestring, "udp") == 0)
        rc = read_probe(root, SC_AGENT_UDP, out, err);
    else
        rc = bad(err, "", "protocol", "tcp, udp, or http/1.1, h2c or h2 (an http result)");
    if (rc == 0)
        out->cancelled = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(root, "cancelled"));
    cJSON_Delete(root);
    if (rc != 0) {
        sc_agent_result_release(out);
        for (int i = 0; i < 4; i++)
            out->latency_us[i] = NAN;
    }
    return rc;
}

/* ---- writing ------------------------------------------------------------------------- */

cJSON *sc_agent_http_result_json(const struct sc_load_result *r)
{
    return sc_load_result_to_json(r);
}

struct sc_agent_probe_json {
    cJSON *res, *backends, *results;
    uint64_t attempts, ok;
    struct sc_agent_count *errors; /* by kind, in the order first seen */
    size_t nerrors;
};

static void *must(void *v)
{
    if (v == NULL)
        abort();
    return v;
}

struct sc_agent_probe_json *sc_agent_probe_json_start(enum sc_agent_proto proto, const char *target,
                                                      const char *proxy, const char *relay)
{
    struct sc_agent_probe_json *b = sc_xcalloc(1, sizeof(*b));

    b->res = must(cJSON_CreateObject());
    must(cJSON_AddStringToObject(b->res, "protocol", sc_agent_proto_name(proto)));
    must(cJSON_AddStringToObject(b->res, "target", target != NULL ? target : ""));
    if (proxy != NULL)
        must(cJSON_AddStringToObject(b->res, "proxy", proxy));
    if (relay != NULL)
        must(cJSON_AddStringToObject(b->res, "relay", relay));
    b->backends = must(cJSON_CreateObject());
    b->results = must(cJSON_CreateArray());
    return b;
}

static void count_error(struct sc_agent_probe_json *b, const char *kind)
{
    for (size_t i = 0; i < b->nerrors; i++) {
        if (strcmp(b->errors[i].name, kind) == 0) {
            b->errors[i].count++;
            return;
        }
    }
    b->errors = realloc(b->errors, (b->nerrors + 1) * sizeof(*b->errors));
    if (b->errors == NULL)
        abort();
    b->errors[b->nerrors].name = sc_xstrdup(kind);
    b->errors[b->nerrors].count = 1;
    b->nerrors++;
}

void sc_agent_probe_json_add(struct sc_agent_probe_json *b, const struct sc_agent_attempt *a)
{
    cJSON *r = must(cJSON_CreateObject());

    b->attempts++;
    must(cJSON_AddBoolToObject(r, "ok", a->error == NULL));
    if (a->error == NULL) {
        const char *who = a->backend != NULL ? a->backend : "";
        cJSON *n = cJSON_GetObjectItemCaseSensitive(b->backends, who);
        b->ok++;
        must(cJSON_AddStringToObject(r, "backend", who));
        if (n != NULL)
            cJSON_SetNumberValue(n, n->valuedouble + 1);
        else
            must(cJSON_AddNumberToObject(b->backends, who, 1));
    } else {
        count_error(b, a->error);
        must(cJSON_AddStringToObject(r, "error", a->error));
        must(cJSON_AddStringToObject(r, "detail", a->detail != NULL ? a->detail : ""));
    }
    if (a->from != NULL && a->from[0] != '\0')
        must(cJSON_AddStringToObject(r, "from", a->from));
    must(cJSON_AddNumberToObject(r, "latencyUs", (double)a->latency_us));
    if (!cJSON_AddItemToArray(b->results, r))
        abort();
}

/* errors: the known kinds in their order, then any other, each only when it happened. */
static void put_errors(struct sc_agent_probe_json *b)
{
    cJSON *o = must(cJSON_AddObjectToObject(b->res, "errors"));

    for (size_t k = 0; k < NPROBE_KINDS; k++) {
        uint64_t n = sc_agent_count_of(b->errors, b->nerrors, probe_kinds[k]);
        if (n > 0)
            must(cJSON_AddNumberToObject(o, probe_kinds[k], (double)n));
    }
    for (size_t i = 0; i < b->nerrors; i++) {
        bool known = false;
        for (size_t k = 0; k < NPROBE_KINDS && !known; k++)
            known = strcmp(b->errors[i].name, probe_kinds[k]) == 0;
        if (!known)
            must(cJSON_AddNumberToObject(o, b->errors[i].name, (double)b->errors[i].count));
    }
}

cJSON *sc_agent_probe_json_finish(struct sc_agent_probe_json *b, uint64_t elapsed_ns,
                                  bool cancelled)
{
    cJSON *res = b->res;

    must(cJSON_AddNumberToObject(res, "attempts", (double)b->attempts));
    must(cJSON_AddNumberToObject(res, "ok", (double)b->ok));
    must(cJSON_AddNumberToObject(res, "failed", (double)(b->attempts - b->ok)));
    if (!cJSON_AddItemToObject(res, "backends", b->backends))
        abort();
    put_errors(b);
    must(cJSON_AddNumberToObject(res, "elapsedNs", (double)elapsed_ns));
    must(cJSON_AddBoolToObject(res, "cancelled", cancelled));
    if (!cJSON_AddItemToObject(res, "results", b->results))
        abort();
    for (size_t i = 0; i < b->nerrors; i++)
        free(b->errors[i].name);
    free(b->errors);
    free(b);
    return res;
}
