/* judge_metrics.c - expect metrics: the mesh's TrafficMetrics (read through the platform at
 * the metrics.smi-spec.io paths) agree with what the agents observed: counts per resource and
 * per edge (from or to a workload), over the window asked for; latency percentiles within
 * client-side bounds. The helpers the other metrics judges share (judge_metrics.h), and the
 * warm-up of a scraped API's series. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/clock.h"
#include "base/util.h"
#include "run/case.h"
#include "run/judge_metrics.h"
#include "smi/smi.h"

/* A warm-up: enough that every backend of a split with a share of 25% or more gets one (a
 * miss has a chance of 0.75^50 < 1e-6) when the traffic goes to a split's root; otherwise a
 * few, each pod of the service getting one in turn. */
#define WARM_UP_SPLIT            50
#define WARM_UP_PLAIN            5
#define LATENCY_REFRESH_REQUESTS 20

/* A latency unit's factor to milliseconds; 0 when unknown. */
static double unit_to_ms(const char *u)
{
    static const struct {
        const char *name;
        double ms;
    } units[] = {{"ms", 1},        {"milliseconds", 1},  {"millisecond", 1},
                 {"s", 1000},      {"sec", 1000},        {"seconds", 1000},
                 {"second", 1000}, {"us", 1e-3},         {"microseconds", 1e-3},
                 {"ns", 1e-6},     {"nanoseconds", 1e-6}};
    for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
        if (strcasecmp(u, units[i].name) == 0)
            return units[i].ms;
    return 0;
}

int sc_runner_metric(const cJSON *tm, const char *name, double *out)
{
    const cJSON *m;
    *out = 0;
    cJSON_ArrayForEach(m, cJSON_GetObjectItemCaseSensitive(tm, "metrics"))
    {
        const cJSON *n = cJSON_GetObjectItemCaseSensitive(m, "name");
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(m, "value");
        const cJSON *u = cJSON_GetObjectItemCaseSensitive(m, "unit");
        bool latency = strstr(name, "latency") != NULL, quantity = cJSON_IsString(v);
        double x, factor = 1;
        if (!cJSON_IsString(n) || strcmp(n->valuestring, name) != 0)
            continue;
        /* A number, or a Kubernetes quantity such as "299500m" (Prometheus-backed metrics
         * APIs serialise extrapolated counts so) or "10m" (the spec's latency example). */
        if (cJSON_IsNumber(v))
            x = v->valuedouble;
        else if (!quantity || sc_smi_quantity_parse(v->valuestring, &x) != 0)
            return -1;
        if (!isfinite(x) || x < 0)
            return -1;
        if (latency && cJSON_IsString(u) && u->valuestring[0] != '\0')
            factor = unit_to_ms(u->valuestring);
        else if (latency && quantity)
            factor = 1000; /* a unitless quantity is seconds, as the spec's example */
        if (factor == 0)
            return -1;
        *out = x * factor;
        return 1;
    }
    return 0;
}

bool sc_runner_count_within(const struct sc_platform *p, double mesh, struct sc_want w)
{
    double lo = (double)w.lo, hi = (double)w.hi, slack_lo, slack_hi;
    if (p->metrics_exact)
        return mesh == hi;
    /* increase() over a window extrapolates its samples to the window's edges: a count is
     * off by a fraction of itself, and milli-quantities by less than one. */
    slack_lo = p->metrics_tolerance * lo;
    slack_hi = p->metrics_tolerance * hi;
    return mesh >= lo - (slack_lo > 1.0 ? slack_lo : 1.0) &&
           mesh <= hi + (slack_hi > 1.0 ? slack_hi : 1.0);
}

bool sc_runner_count_agrees(const struct sc_platform *p, double mesh, uint64_t want)
{
    return sc_runner_count_within(p, mesh, (struct sc_want){want, want});
}

/* The value of metric `name` in tm, *found saying whether it was there and readable. */
double sc_runner_metric_value(const cJSON *tm, const char *name, bool *found)
{
    double v;
    *found = sc_runner_metric(tm, name, &v) == 1;
    return *found ? v : 0;
}

/* Does pod belong to the metrics resource (kind, name) of the case? */
static bool pod_in_resource(const struct sc_casectx *x, const char *resource, const char *name,
                            const char *pod)
{
    const struct sc_workload *w;
    if (strcmp(resource, "namespaces") == 0)
        return true;
    if (strcmp(resource, "pods") == 0)
        return strcmp(pod, name) == 0;
    w = sc_runner_workload_of_pod(x->t, pod, strlen(pod));
    if (w == NULL)
        return false;
    if (strcmp(resource, "deployments") == 0)
        return strcmp(w->name, name) == 0;
    return false;
}

/* Give the assertion the client's latency histogram of the last send (a copy). */
static void attach_client_hist(const struct sc_casectx *x, struct sc_assertion *a)
{
    if (a->client_hist != NULL || x->nclient_hist == 0)
        return;
    a->client_hist = sc_xcalloc(x->nclient_hist, sizeof(*a->client_hist));
    memcpy(a->client_hist, x->client_hist, x->nclient_hist * sizeof(*a->client_hist));
    a->nclient_hist = x->nclient_hist;
}

/* Are tm's p50, p90 and p99 at least the expected minimum and at most the client's maximum
 * with a margin: +50% and 10 ms when the mesh measures latencies itself; twice the maximum and
 * 10 ms from a scraped histogram, whose quantiles are interpolated inside buckets up to twice
 * as wide as their lower bound (Linkerd's proxy: 1, 2, 3, 4, 5, 10, 20, ... 50, 100 ms;
 * Prometheus histogram_quantile). Puts the mesh's and the client's latencies on the
 * assertion; on failure writes why into last, after `subject` ("" or "backend web-v1: "). */
bool sc_runner_latency_holds(const struct sc_casectx *x, const struct sc_metrics_expect *me,
                             const cJSON *tm, struct sc_assertion *a, const char *subject,
                             char *last, size_t len)
{
    static const char *const names[] = {"p50_response_latency", "p90_response_latency",
                                        "p99_response_latency"};
    bool ok = true, exact = x->r->p->metrics_exact;
    double factor = exact ? 1.5 : 2.0, max_ms = x->client_p[3] / 1000.0;
    attach_client_hist(x, a);
    a->client_p[3] = x->client_p[3];
    for (int i = 0; i < 3; i++) {
        bool f;
        double v = sc_runner_metric_value(tm, names[i], &f);
        a->mesh_p[i] = f ? v * 1000.0 : NAN;
        a->client_p[i] = x->client_p[i];
        if (!f || v < me->latency_at_least_ms || v > max_ms * factor + 10.0) {
            snprintf(last, len,
                     "%s%s %.1fms, expected at least %.1fms and at most the client's max %.1fms "
                     "(+%.0f%%, +10ms)%s",
                     subject, names[i], f ? v : NAN, me->latency_at_least_ms, max_ms,
                     (factor - 1) * 100,
                     !exact && f && v == 0 ? "; a scraped API reports latency over its last "
                                             "interval: no request fell in it"
                                           : "");
            ok = false;
            break;
        }
    }
    return ok;
}

/* GET a metrics path. NULL with *rc SC_ENOTFOUND when the API says there is no such thing
 * (404); NULL with another *rc when the answer could not be had or read (an error, never a
 * verdict); otherwise the JSON (caller frees). `last` says why when NULL. */
cJSON *sc_runner_metrics_get(struct sc_casectx *x, const char *path, int *rc, char *last,
                             size_t len)
{
    struct sc_platform *p = x->r->p;
    char *body = NULL;
    struct sc_err err;
    cJSON *j = NULL;

    sc_err_init(&err);
    *rc = p->ops->metrics(p, path, &body, &err);
    /* smi-metrics answers a resource without data with 500 "unable to lookup metrics": the
     * profile says so, and that answer is a definite "not found", not a failure to read. */
    if (*rc != 0 && *rc != SC_ENOTFOUND && p->metrics_no_data != NULL &&
        strstr(err.msg, p->metrics_no_data) != NULL)
        *rc = SC_ENOTFOUND;
    if (*rc == 0 && (j = cJSON_Parse(body)) == NULL) {
        *rc = SC_EPROTO;
        snprintf(last, len, "the metrics API answered something that is not JSON: %.120s",
                 body ? body : "");
    } else if (*rc != 0) {
        snprintf(last, len, "%s", err.msg[0] ? err.msg : sc_strerror(*rc));
    }
    free(body);
    return j;
}

/* How long metrics may take: the consistency timeout, and for an API fed by a scraper the
 * profile's deadline (scrape intervals) when it is longer. */
unsigned sc_runner_metrics_timeout_ms(const struct sc_casectx *x)
{
    unsigned t = sc_runner_timeout_ms(x);
    const struct sc_platform *p = x->r->p;
    return !p->metrics_exact && p->metrics_deadline_ms > t ? p->metrics_deadline_ms : t;
}

/* The window of a metrics query, seconds. Asked by the expectation: as is when counted
 * exactly; from a scraper at least three intervals, so that the window holds two samples or
 * more of a series and increase() has a value (a window without one would say "no data",
 * whatever the mesh counted). Otherwise every request of the case so far, with a margin for
 * the scraper (two intervals: the sample before the first request and the one after the last)
 * or, counted exactly, two seconds for the per-second buckets at its edges. */
unsigned sc_runner_metrics_window_s(const struct sc_casectx *x, const struct sc_metrics_expect *me)
{
    const struct sc_platform *p = x->r->p;
    uint64_t since = x->first_traffic_ns ? sc_now_ns() - x->first_traffic_ns : 0;
    uint64_t margin_ms =
        !p->metrics_exact && p->metrics_scrape_ms ? 2ull * p->metrics_scrape_ms : 2000;
    uint64_t t = (since / 1000000 + margin_ms + 999) / 1000;
    if (me != NULL && me->window_s != 0) {
        uint64_t least = p->metrics_exact ? 0 : (3ull * p->metrics_scrape_ms + 999) / 1000;
        t = me->window_s > least ? me->window_s : least;
    }
    return t < 1 ? 1 : t > 600 ? 600 : (unsigned)t;
}

/* A label selector as a query parameter: "&labelSelector=k%3Dv,k2%3Dv2" ("" without one). */
static void selector_param(const struct sc_metrics_expect *me, char *buf, size_t len)
{
    size_t l = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < me->nselector && l < len; i++)
        l += (size_t)snprintf(buf + l, len - l, "%s%s%%3D%s",
                              i ? "," : "&labelSelector=", me->selector[i].key,
                              me->selector[i].value);
}

void sc_runner_metrics_path(const struct sc_casectx *x, const struct sc_metrics_expect *me,
                            const char *name, char *path, size_t len)
{
    int mv = x->vs.v[SC_GROUP_METRICS] ? x->vs.v[SC_GROUP_METRICS] : 1;
    unsigned t = sc_runner_metrics_window_s(x, me);
    const char *edges = me->edges_from || me->edges_to ? "/edges" : "";
    char sel[300];
    if (me->list) {
        selector_param(me, sel, sizeof(sel));
        snprintf(path, len, "/apis/metrics.smi-spec.io/v1alpha%d/namespaces/%s/%s?t=%us%s", mv,
                 x->ns, me->resource, t, sel);
    } else if (strcmp(me->resource, "namespaces") == 0)
        snprintf(path, len, "/apis/metrics.smi-spec.io/v1alpha%d/namespaces/%s%s?t=%us", mv, name,
                 edges, t);
    else if (strcmp(me->resource, "trafficsplits") == 0)
        snprintf(path, len,
                 "/apis/metrics.smi-spec.io/v1alpha%d/namespaces/%s/trafficsplits/%s?t=%us", mv,
                 x->ns, name, t);
    else
        snprintf(path, len, "/apis/metrics.smi-spec.io/v1alpha%d/namespaces/%s/%s/%s%s?t=%us", mv,
                 x->ns, me->resource, name, edges, t);
}

/* Consecutive answers that must agree: one when counted exactly; two from a scraper, so a
 * value caught between two scrapes is not taken for the last word. */
unsigned sc_runner_metrics_agreeing(const struct sc_casectx *x)
{
    return x->r->p->metrics_exact ? 1 : 2;
}

/* Counts cannot be judged when a batch mixed 2xx and 5xx answers. */
int sc_runner_metrics_refuse_mixed(struct sc_casectx *x, struct sc_assertion *a)
{
    a->message = sc_xstrdup("a batch mixed 2xx and 5xx answers: counts cannot be attributed");
    sc_runner_fail(x, "metrics counts: %s (send one status class per step)", a->message);
    return -1;
}

/* The verdict after polling: passed; an error when the last answer could not be had or was
 * interrupted; failed with what the mesh last reported. */
int sc_runner_metrics_conclude(struct sc_casectx *x, const struct sc_step *s,
                               struct sc_assertion *a, int rc, const struct sc_poll *p)
{
    if (rc == 0) {
        a->passed = true;
        sc_case_log(x->c, "  %s", p->last);
        return 0;
    }
    a->message = sc_xstrdup(p->last);
    sc_runner_spec(a, s);
    if (rc == SC_ECANCELED || p->end == SC_ATTEMPT_FAILED) {
        a->error = true;
        sc_runner_error(x, "%s: %s: %s", a->what, rc == SC_ECANCELED ? "interrupted" : "no answer",
                        p->last);
    } else {
        sc_runner_fail(x, "%s: not within %ums; last seen: %s%s%s%s", a->what, p->timeout_ms,
                       p->last, s->spec ? " (spec: \"" : "", s->spec ? s->spec : "",
                       s->spec ? "\")" : "");
    }
    return -1;
}

/* ---- warming the series up ---- */

/* Is the traffic of step s sent to the root service of a TrafficSplit applied before it? */
static bool split_root(const struct sc_casectx *x, const struct sc_step *s)
{
    for (const struct sc_step *st = x->t->steps; st < s; st++)
        for (const struct sc_doc *d = st->objects; d; d = d->next) {
            const char *kind = sc_doc_get_str(d->root, "kind");
            const char *root = sc_doc_get_str(sc_doc_get(d->root, "spec"), "service");
            if (kind && root && strcmp(kind, "TrafficSplit") == 0 &&
                strcmp(root, s->traffic.to) == 0)
                return true;
        }
    return false;
}

struct warm_poll {
    const struct sc_step *s;
    const char *pod; /* the receiving pod */
    char path[512];
};

static enum sc_attempt warm_attempt(struct sc_casectx *x, void *ud, char *last, size_t len)
{
    struct warm_poll *wp = ud;
    const cJSON *it;
    int rc;
    cJSON *j;
    bool seen = false;

    snprintf(wp->path, sizeof(wp->path),
             "/apis/metrics.smi-spec.io/v1alpha%d/namespaces/%s/pods/%s/edges?t=%us",
             x->vs.v[SC_GROUP_METRICS], x->ns, wp->pod, sc_runner_metrics_window_s(x, NULL));
    j = sc_runner_metrics_get(x, wp->path, &rc, last, len);
    cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(j, "items"))
    {
        const cJSON *edge = cJSON_GetObjectItemCaseSensitive(it, "edge");
        const cJSON *dir = cJSON_GetObjectItemCaseSensitive(edge, "direction");
        const cJSON *rn = cJSON_GetObjectItemCaseSensitive(
            cJSON_GetObjectItemCaseSensitive(edge, "resource"), "name");
        const struct sc_workload *w =
            cJSON_IsString(rn)
                ? sc_runner_workload_of_pod(x->t, rn->valuestring, strlen(rn->valuestring))
                : NULL;
        seen = seen || (cJSON_IsString(dir) && strcmp(dir->valuestring, "from") == 0 && w != NULL &&
                        strcmp(w->name, wp->s->traffic.from) == 0);
    }
    if (j != NULL && !seen)
        snprintf(last, len, "no edge from %s yet", wp->s->traffic.from);
    cJSON_Delete(j);
    return seen ? SC_ATTEMPT_HOLDS : SC_ATTEMPT_NOT_YET;
}

void sc_runner_metrics_warm(struct sc_casectx *x, const struct sc_step *s)
{
    struct sc_outcome o;
    struct sc_err err;
    char last[512] = "no answer yet";
    uint64_t sent, done;
    bool failure;

    if (x->r->p->metrics_exact || x->vs.v[SC_GROUP_METRICS] == 0 ||
        s->traffic.proto != SC_PROTO_HTTP)
        return;
    /* what was answered before the warm-up: the most a series born by it may not count */
    for (size_t i = 0; i < x->nobs; i++) {
        if (!x->obs[i].based_success)
            x->obs[i].pre_success = x->obs[i].success;
        if (!x->obs[i].based_failure)
            x->obs[i].pre_failure = x->obs[i].failure;
    }
    sc_err_init(&err);
    sent = sc_now_ns();
    if (sc_runner_send(x, &s->traffic, split_root(x, s) ? WARM_UP_SPLIT : WARM_UP_PLAIN, NULL, &o,
                       &err) != 0) {
        sc_case_log(x->c, "  warm-up not sent: %s", err.msg);
        return;
    }
    for (size_t i = 0; i < o.res.nbackends; i++) {
        struct warm_poll wp = {.s = s, .pod = o.res.backends[i].name};
        struct sc_poll p = {.timeout_ms = sc_runner_metrics_timeout_ms(x),
                            .consecutive = 1,
                            .interval_ms = SC_METRICS_POLL_MS,
                            .fn = warm_attempt,
                            .ud = &wp,
                            .last = last,
                            .len = sizeof(last)};
        int rc = sc_runner_poll(x, &p);
        sc_case_log(x->c, "  %s: %s after %u reads (GET %s)", wp.pod,
                    rc == 0 ? "edge in the metrics" : "edge not in the metrics", p.attempts,
                    wp.path);
        if (rc == SC_ECANCELED)
            break;
    }
    failure = o.status5xx != 0;
    sc_runner_outcome_release(&o);
    /* A series of this class (success, failure) may be new on an edge already listed: one
     * scrape interval and a half after the warm-up, a sample of it was taken. */
    done = sent + (uint64_t)x->r->p->metrics_scrape_ms * 1500000ull;
    while (sc_now_ns() < done && !sc_runner_cancelled(x))
        sc_sleep_ms(50);
    /* What was answered until then is before the series' first sample, or in it. */
    for (size_t i = 0; i < x->nobs; i++) {
        struct sc_observed *ob = &x->obs[i];
        if (strcmp(ob->src_workload, s->traffic.from) != 0 ||
            strcmp(ob->to_service, s->traffic.to) != 0)
            continue;
        if (failure && !ob->based_failure) {
            ob->base_failure = ob->failure;
            ob->based_failure = true;
        } else if (!failure && !ob->based_success) {
            ob->base_success = ob->success;
            ob->based_success = true;
        }
    }
}

/* What a resource's metrics should count of one observation: everything, or for a scraped
 * API what came after its series' first sample: at least what came after the warm-up was
 * sampled, at most what came after the probes before it. */
/* "N", or "N to M (the series may count its warm-up or not)" appended to buf. */
void sc_runner_want_text(struct sc_want w, char *buf, size_t len)
{
    size_t l = strlen(buf);
    if (w.lo == w.hi)
        snprintf(buf + l, len - l, "%llu", (unsigned long long)w.hi);
    else
        snprintf(buf + l, len - l, "%llu to %llu", (unsigned long long)w.lo,
                 (unsigned long long)w.hi);
}

void sc_runner_add_counted(const struct sc_observed *ob, struct sc_want *s, struct sc_want *f)
{
    s->lo += ob->success - (ob->based_success ? ob->base_success : 0);
    s->hi += ob->success - (ob->based_success ? ob->pre_success : 0);
    f->lo += ob->failure - (ob->based_failure ? ob->base_failure : 0);
    f->hi += ob->failure - (ob->based_failure ? ob->pre_failure : 0);
}

/* A scraped API reports latency over its last scrape interval (smi-metrics: histogram_quantile
 * over irate of the buckets), so it has none once the traffic is a few intervals old: send the
 * last `send` step's traffic once more (observed, and counted like any) so that the answers
 * right after it carry latencies to judge. */
static void refresh_latency(struct sc_casectx *x, const struct sc_step *s)
{
    const struct sc_step *last = NULL;
    struct sc_outcome o;
    struct sc_err err;

    if (x->r->p->metrics_exact)
        return;
    for (const struct sc_step *st = x->t->steps; st < s; st++)
        if (st->kind == SC_STEP_SEND)
            last = st;
    if (last == NULL)
        return;
    sc_err_init(&err);
    if (sc_runner_send(x, &last->traffic, LATENCY_REFRESH_REQUESTS, NULL, &o, &err) != 0) {
        sc_case_log(x->c, "  latency refresh not sent: %s", err.msg);
        return;
    }
    sc_runner_keep_latency(x, &o.res);
    sc_case_log(x->c, "  sent %u more requests so the latencies are recent",
                LATENCY_REFRESH_REQUESTS);
    sc_runner_outcome_release(&o);
}

/* ---- a resource, or its edge from or to one workload ---- */

struct resource_poll {
    const struct sc_metrics_expect *me;
    const char *name;
    char path[512]; /* of the last attempt: the window grows with the time waited */
    struct sc_assertion *a;
    struct sc_want want_s, want_f; /* what the agents saw */
    bool seen;                     /* the mesh reported both counts at least once */
    double mesh_s, mesh_f;         /* what it last reported */
    /* The latencies held in some answer: a scraped API reports them over its last interval
     * only (irate), while counts converge over many; each is judged when it can be. */
    bool latency_held;
    char latency_why[300];
};

/* The item of an edges list for the edge in direction dir ("from", "to") whose resource is
 * `peer`, or NULL. */
static const cJSON *edge_of(const cJSON *j, const char *dir_want, const char *peer)
{
    const cJSON *it, *tm = NULL;
    cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(j, "items"))
    {
        const cJSON *edge = cJSON_GetObjectItemCaseSensitive(it, "edge");
        const cJSON *res = cJSON_GetObjectItemCaseSensitive(edge, "resource");
        const cJSON *dir = cJSON_GetObjectItemCaseSensitive(edge, "direction");
        const cJSON *rn = cJSON_GetObjectItemCaseSensitive(res, "name");
        if (cJSON_IsString(dir) && strcmp(dir->valuestring, dir_want) == 0 && cJSON_IsString(rn) &&
            strcmp(rn->valuestring, peer) == 0)
            tm = it;
    }
    return tm;
}

static enum sc_attempt resource_attempt(struct sc_casectx *x, void *ud, char *last, size_t len)
{
    struct resource_poll *rp = ud;
    const struct sc_metrics_expect *me = rp->me;
    int rc;
    cJSON *j;
    const cJSON *tm;
    bool ok = false;

    sc_runner_metrics_path(x, me, rp->name, rp->path, sizeof(rp->path));
    tm = j = sc_runner_metrics_get(x, rp->path, &rc, last, len);

    if (j == NULL && rc != SC_ENOTFOUND)
        return SC_ATTEMPT_FAILED; /* absent only on a definite "not found", never an error */
    if (j != NULL && (me->edges_from != NULL || me->edges_to != NULL)) {
        const char *peer = me->edges_from ? me->edges_from : me->edges_to;
        tm = edge_of(j, me->edges_from ? "from" : "to", peer);
        if (tm == NULL)
            snprintf(last, len, "no edge %s '%s'", me->edges_from ? "from" : "to", peer);
    }
    if (me->absent) {
        /* not counted: no item, or neither count above zero */
        bool fs = false, ff = false;
        double sc = tm ? sc_runner_metric_value(tm, "success_count", &fs) : 0;
        double fc = tm ? sc_runner_metric_value(tm, "failure_count", &ff) : 0;
        ok = tm == NULL || ((!fs || sc == 0) && (!ff || fc == 0));
        if (!ok)
            snprintf(last, len, "metrics present: success_count %.0f, failure_count %.0f", sc, fc);
    } else if (tm != NULL) {
        bool fs, ff;
        double sc = sc_runner_metric_value(tm, "success_count", &fs);
        double fc = sc_runner_metric_value(tm, "failure_count", &ff);
        rp->seen = fs && ff;
        rp->mesh_s = sc;
        rp->mesh_f = fc;
        ok = !me->counts || (fs && ff && sc_runner_count_within(x->r->p, sc, rp->want_s) &&
                             sc_runner_count_within(x->r->p, fc, rp->want_f));
        snprintf(last, len, "success_count %.0f, failure_count %.0f (the agent saw ", sc, fc);
        sc_runner_want_text(rp->want_s, last, len);
        snprintf(last + strlen(last), len - strlen(last), " and ");
        sc_runner_want_text(rp->want_f, last, len);
        snprintf(last + strlen(last), len - strlen(last), ")");
        if (!isnan(me->latency_at_least_ms) && !rp->latency_held)
            rp->latency_held = sc_runner_latency_holds(x, me, tm, rp->a, "", rp->latency_why,
                                                       sizeof(rp->latency_why));
        if (ok && !isnan(me->latency_at_least_ms) && !rp->latency_held) {
            snprintf(last, len, "%s", rp->latency_why);
            ok = false;
        }
    }
    cJSON_Delete(j);
    return ok ? SC_ATTEMPT_HOLDS : SC_ATTEMPT_NOT_YET;
}

/* Does observation ob count on the resource (or edge) of me named `name`? A resource and its
 * edges from a workload count what its pods answered; its edge to a workload (a deployment,
 * the sender) what that workload's pods answered to it. */
static bool observed_on(const struct sc_casectx *x, const struct sc_metrics_expect *me,
                        const char *name, const struct sc_observed *ob)
{
    if (me->edges_to != NULL) {
        const struct sc_workload *w =
            sc_runner_workload_of_pod(x->t, ob->dst_pod, strlen(ob->dst_pod));
        return strcmp(ob->src_workload, name) == 0 && w != NULL &&
               strcmp(w->name, me->edges_to) == 0;
    }
    if (!pod_in_resource(x, me->resource, name, ob->dst_pod))
        return false;
    return me->edges_from == NULL || strcmp(ob->src_workload, me->edges_from) == 0;
}

int sc_judge_metrics(struct sc_casectx *x, const struct sc_step *s)
{
    const struct sc_metrics_expect *me = &s->metrics;
    const char *name = me->name ? me->name : x->ns;
    char what[512], last[512] = "no answer yet";
    struct resource_poll rp = {.me = me, .name = name};
    struct sc_poll p = {.interval_ms = SC_METRICS_POLL_MS,
                        .fn = resource_attempt,
                        .ud = &rp,
                        .last = last,
                        .len = sizeof(last)};
    int rc;
    char window[48] = "";

    if (me->list)
        return sc_judge_metrics_list(x, s);
    if (!isnan(me->latency_at_least_ms) && !me->absent)
        refresh_latency(x, s);
    for (size_t i = 0; i < x->nobs; i++) {
        if (!observed_on(x, me, name, &x->obs[i]))
            continue;
        sc_runner_add_counted(&x->obs[i], &rp.want_s, &rp.want_f);
    }
    sc_runner_metrics_path(x, me, name, rp.path, sizeof(rp.path));
    if (x->obs_mixed && me->counts)
        return sc_runner_metrics_refuse_mixed(
            x, sc_case_add_assertion(x->c, "metrics", "metrics counts"));
    if (me->window_s)
        snprintf(window, sizeof(window), " over a window of %us",
                 sc_runner_metrics_window_s(x, me));
    snprintf(what, sizeof(what), "metrics of %s/%s%s%s%s%s", me->resource, name,
             me->edges_from ? " on the edge from "
             : me->edges_to ? " on the edge to "
                            : "",
             me->edges_from ? me->edges_from
             : me->edges_to ? me->edges_to
                            : "",
             window, me->absent ? " are absent" : " agree with the agent");
    sc_case_log(x->c, "expect %s (GET %s)", what, rp.path);
    rp.a = sc_case_add_assertion(x->c, "metrics", what);
    p.timeout_ms = sc_runner_metrics_timeout_ms(x);
    p.consecutive = sc_runner_metrics_agreeing(x);
    rc = sc_runner_poll(x, &p);
    /* The figures of the last answer, whether they agreed or not. */
    if (me->counts && rp.seen) {
        struct sc_figure *f = sc_assertion_add_figure(rp.a, "success_count", "count");
        f->expected = (double)rp.want_s.hi;
        f->observed = rp.mesh_s;
        f = sc_assertion_add_figure(rp.a, "failure_count", "count");
        f->expected = (double)rp.want_f.hi;
        f->observed = rp.mesh_f;
    }
    return sc_runner_metrics_conclude(x, s, rp.a, rc, &p);
}
