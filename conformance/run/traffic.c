/* traffic.c - traffic from inside the mesh: the plan sent to a workload's agent, its answer
 * classified against an expectation (intended backend, denied, other), and what was
 * answered recorded for the metrics assertions. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "run/case.h"

/* Is `rest` (len bytes) a pod-name suffix: "N" (local pods) or "HASH-XXXXX" (Deployment
 * pods on Kubernetes: ReplicaSet hash, then 5 random characters)? */
static bool pod_suffix(const char *rest, size_t len)
{
    const char *dash = memchr(rest, '-', len);
    bool digits = len > 0;
    for (size_t k = 0; k < len; k++)
        digits = digits && rest[k] >= '0' && rest[k] <= '9';
    if (digits)
        return true;
    if (dash == NULL || dash == rest || (size_t)(rest + len - dash - 1) != 5)
        return false;
    for (const char *c = rest; c < rest + len; c++)
        if (c != dash && !((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9')))
            return false;
    return true;
}

/* The workload a pod belongs to; the longest matching name wins ("web-v1" over "web"). */
const struct sc_workload *sc_runner_workload_of_pod(const struct sc_test *t, const char *pod,
                                                    size_t len)
{
    const struct sc_workload *best = NULL;
    for (size_t i = 0; i < t->nworkloads; i++) {
        size_t wl = strlen(t->workloads[i].name);
        if (len > wl + 1 && strncmp(pod, t->workloads[i].name, wl) == 0 && pod[wl] == '-' &&
            pod_suffix(pod + wl + 1, len - wl - 1) && (best == NULL || wl > strlen(best->name)))
            best = &t->workloads[i];
    }
    return best;
}

static int target_port(const struct sc_test *t, const struct sc_traffic *tr, enum sc_proto *proto)
{
    const struct sc_service *s = sc_test_service(t, tr->to);
    *proto = tr->proto;
    if (tr->port != 0)
        return tr->port;
    for (size_t i = 0; i < s->nports; i++)
        if ((tr->proto == SC_PROTO_UDP) == (s->ports[i].proto == SC_PROTO_UDP))
            return s->ports[i].port;
    return s->ports[0].port;
}

static char *plan_json(struct sc_casectx *x, const struct sc_traffic *tr, unsigned requests)
{
    cJSON *j = cJSON_CreateObject();
    enum sc_proto proto;
    int port = target_port(x->t, tr, &proto);
    char target[512];
    char *s;

    cJSON_AddStringToObject(j, "protocol", sc_proto_name(proto));
    if (proto == SC_PROTO_HTTP) {
        snprintf(target, sizeof(target), "http://%s.%s:%d%s", tr->to, x->ns, port, tr->path);
        cJSON_AddStringToObject(j, "method", tr->method);
        if (tr->nheaders > 0) {
            cJSON *h = cJSON_AddObjectToObject(j, "headers");
            for (size_t i = 0; i < tr->nheaders; i++)
                cJSON_AddStringToObject(h, tr->headers[i].key, tr->headers[i].value);
        }
        cJSON_AddNumberToObject(j, "connections", requests < 4 ? requests : 4);
    } else {
        snprintf(target, sizeof(target), "%s.%s:%d", tr->to, x->ns, port);
    }
    cJSON_AddStringToObject(j, "target", target);
    cJSON_AddNumberToObject(j, "requests", requests);
    /* UDP denials are silence: keep the wait for an answer short. */
    cJSON_AddStringToObject(j, "timeout", proto == SC_PROTO_UDP ? "1s" : "2s");
    s = cJSON_PrintUnformatted(j);
    cJSON_Delete(j);
    return s;
}

static bool pod_in_services(const struct sc_test *t, const char *pod, size_t len, char *const *svcs,
                            size_t nsvcs, const char *fallback)
{
    const struct sc_workload *w = sc_runner_workload_of_pod(t, pod, len);
    if (w == NULL)
        return false;
    if (nsvcs == 0)
        return sc_service_selects(sc_test_service(t, fallback), w);
    for (size_t i = 0; i < nsvcs; i++)
        if (sc_service_selects(sc_test_service(t, svcs[i]), w))
            return true;
    return false;
}

static void observe(struct sc_casectx *x, const char *src, const char *to, const char *pod,
                    uint64_t success, uint64_t failure)
{
    for (size_t i = 0; i < x->nobs; i++)
        if (strcmp(x->obs[i].src_workload, src) == 0 && strcmp(x->obs[i].to_service, to) == 0 &&
            strcmp(x->obs[i].dst_pod, pod) == 0) {
            x->obs[i].success += success;
            x->obs[i].failure += failure;
            return;
        }
    x->obs = realloc(x->obs, (x->nobs + 1) * sizeof(*x->obs));
    if (x->obs == NULL)
        abort();
    x->obs[x->nobs].src_workload = sc_xstrdup(src);
    x->obs[x->nobs].to_service = sc_xstrdup(to);
    x->obs[x->nobs].dst_pod = sc_xstrdup(pod);
    x->obs[x->nobs].success = success;
    x->obs[x->nobs].failure = failure;
    x->nobs++;
}

/* The mesh counts every request a pod answered, probes included: so does the runner. Answers
 * by the mesh itself (denials) carry no pod identity and are not counted, as the metrics
 * leave them out. A batch mixing 2xx and 5xx cannot be attributed per pod. */
static void observe_outcome(struct sc_casectx *x, const struct sc_traffic *tr,
                            const struct sc_outcome *o)
{
    const cJSON *b;
    if (tr->proto != SC_PROTO_HTTP)
        return; /* metrics describe HTTP traffic */
    if (o->status2xx != 0 && o->status5xx != 0) {
        x->obs_mixed = true;
        return;
    }
    cJSON_ArrayForEach(b, cJSON_GetObjectItemCaseSensitive(o->json, "backends"))
        observe(x, tr->from, tr->to, b->string, o->status5xx ? 0 : (uint64_t)b->valuedouble,
                o->status5xx ? (uint64_t)b->valuedouble : 0);
}

int sc_runner_send(struct sc_casectx *x, const struct sc_traffic *tr, unsigned requests,
                   const struct sc_step *s, struct sc_outcome *out, struct sc_err *err)
{
    char *plan = plan_json(x, tr, requests), *res = NULL;
    struct sc_platform *p = x->r->p;
    const cJSON *backends, *b;
    int rc;

    memset(out, 0, sizeof(*out));
    rc = p->ops->traffic(p, sc_test_workload(x->t, tr->from)->second_ns ? x->ns2 : x->ns, tr->from,
                         0, plan, &res, err);
    free(plan);
    if (rc != 0)
        return rc;
    out->json = cJSON_Parse(res);
    free(res);
    if (out->json == NULL)
        return sc_err_set(err, SC_EPROTO, "the agent answered with something that is not JSON");
    out->total = requests;
    backends = cJSON_GetObjectItemCaseSensitive(out->json, "backends");
    if (tr->proto == SC_PROTO_HTTP) {
        const cJSON *status = cJSON_GetObjectItemCaseSensitive(out->json, "status"), *st;
        uint64_t resp_2xx = 0;
        cJSON_ArrayForEach(st, status)
        {
            int code = atoi(st->string);
            uint64_t n = (uint64_t)st->valuedouble;
            if (code >= 200 && code < 300)
                resp_2xx += n;
            else if (p->deny_http_status != 0 && code == p->deny_http_status)
                out->denied += n;
            else
                out->other += n;
            if (code >= 500)
                out->status5xx += n;
        }
        out->status2xx = resp_2xx;
        /* 2xx answers are attributed to services by the identity of the pod. */
        cJSON_ArrayForEach(b, backends)
        {
            uint64_t n = (uint64_t)b->valuedouble;
            if (pod_in_services(x->t, b->string, strlen(b->string), s ? s->backends : NULL,
                                s ? s->nbackends : 0, tr->to))
                out->ok_intended += n;
            else
                out->ok_other += n;
            if (s != NULL)
                for (size_t k = 0; k < s->nshares && k < SC_RUNNER_SHARES_MAX; k++) {
                    const struct sc_workload *w =
                        sc_runner_workload_of_pod(x->t, b->string, strlen(b->string));
                    if (w && sc_service_selects(sc_test_service(x->t, s->shares[k].service), w)) {
                        out->per_service[k] += n;
                        break;
                    }
                }
        }
        /* Identities also count non-2xx answers; keep the classes consistent. */
        if (out->ok_intended > resp_2xx)
            out->ok_intended = resp_2xx;
        {
            const cJSON *errs = cJSON_GetObjectItemCaseSensitive(out->json, "errors"), *e;
            cJSON_ArrayForEach(e, errs) out->other += (uint64_t)e->valuedouble;
        }
    } else {
        uint64_t ok = (uint64_t)cJSON_GetNumberValue(cJSON_GetObjectItem(out->json, "ok"));
        uint64_t failed = (uint64_t)cJSON_GetNumberValue(cJSON_GetObjectItem(out->json, "failed"));
        cJSON_ArrayForEach(b, backends)
        {
            uint64_t n = (uint64_t)b->valuedouble;
            if (pod_in_services(x->t, b->string, strlen(b->string), s ? s->backends : NULL,
                                s ? s->nbackends : 0, tr->to))
                out->ok_intended += n;
            else
                out->ok_other += n;
        }
        const cJSON *errs = cJSON_GetObjectItemCaseSensitive(out->json, "errors");
        uint64_t denied = 0;
        (void)ok;
        if (tr->proto == SC_PROTO_UDP) {
            /* A denied datagram is dropped: no answer is the denial signal. */
            denied = (uint64_t)cJSON_GetNumberValue(cJSON_GetObjectItem(errs, "timeout"));
        } else {
            /* A denied stream is refused: by the proxy (CONNECT answered non-2xx), or the
             * connection is refused, reset or closed at once. A timeout is not a denial. */
            static const char *const kinds[] = {"proxy", "refused", "reset", "closed"};
            for (size_t k = 0; k < 4; k++) {
                const cJSON *e = cJSON_GetObjectItem(errs, kinds[k]);
                if (cJSON_IsNumber(e))
                    denied += (uint64_t)e->valuedouble;
            }
        }
        out->denied = denied;
        out->other = failed > denied ? failed - denied : 0;
    }
    observe_outcome(x, tr, out);
    return 0;
}

void sc_runner_outcome_release(struct sc_outcome *o)
{
    cJSON_Delete(o->json);
    o->json = NULL;
}

void sc_runner_describe_traffic(const struct sc_casectx *x, const struct sc_traffic *tr, char *buf,
                                size_t len)
{
    enum sc_proto proto;
    int port = target_port(x->t, tr, &proto);
    if (proto == SC_PROTO_HTTP)
        snprintf(buf, len, "%s -> %s:%d %s %s%s", tr->from, tr->to, port, tr->method, tr->path,
                 tr->nheaders ? " (with headers)" : "");
    else
        snprintf(buf, len, "%s -> %s:%d %s", tr->from, tr->to, port, sc_proto_name(proto));
}

void sc_runner_outcome_text(const struct sc_outcome *o, char *buf, size_t len)
{
    snprintf(buf, len,
             "%llu of %llu allowed by an intended backend, %llu answered by another backend, "
             "%llu denied, %llu other",
             (unsigned long long)o->ok_intended, (unsigned long long)o->total,
             (unsigned long long)o->ok_other, (unsigned long long)o->denied,
             (unsigned long long)o->other);
}

/* Keep the send's latency histogram (latency.buckets: [lowest value us, count], ascending).
 * Beyond SC_RUNNER_CLIENT_HIST_MAX buckets, neighbours are merged in pairs: coarser, never lost. */
static void keep_client_hist(struct sc_casectx *x, const cJSON *latency)
{
    const cJSON *buckets = cJSON_GetObjectItemCaseSensitive(latency, "buckets"), *pair;
    size_t n = 0, cap = (size_t)cJSON_GetArraySize(buckets);

    free(x->client_hist);
    x->client_hist = NULL;
    x->nclient_hist = 0;
    if (!cJSON_IsArray(buckets) || cap == 0)
        return;
    x->client_hist = sc_xcalloc(cap, sizeof(*x->client_hist));
    cJSON_ArrayForEach(pair, buckets)
    {
        const cJSON *lo = cJSON_GetArrayItem(pair, 0), *cnt = cJSON_GetArrayItem(pair, 1);
        if (!cJSON_IsNumber(lo) || !cJSON_IsNumber(cnt) || lo->valuedouble < 0 ||
            cnt->valuedouble < 0)
            continue;
        x->client_hist[n].lo = (uint64_t)lo->valuedouble;
        x->client_hist[n].count = (uint64_t)cnt->valuedouble;
        n++;
    }
    while (n > SC_RUNNER_CLIENT_HIST_MAX) {
        size_t o = 0;
        for (size_t i = 0; i < n; i += 2, o++) {
            x->client_hist[o] = x->client_hist[i];
            if (i + 1 < n)
                x->client_hist[o].count += x->client_hist[i + 1].count;
        }
        n = o;
    }
    x->nclient_hist = n;
}

void sc_runner_keep_latency(struct sc_casectx *x, const cJSON *latency)
{
    const cJSON *pct = cJSON_GetObjectItemCaseSensitive(latency, "percentiles");
    x->client_p[0] = cJSON_GetNumberValue(cJSON_GetObjectItem(pct, "p50"));
    x->client_p[1] = cJSON_GetNumberValue(cJSON_GetObjectItem(pct, "p90"));
    x->client_p[2] = cJSON_GetNumberValue(cJSON_GetObjectItem(pct, "p99"));
    x->client_p[3] = cJSON_GetNumberValue(cJSON_GetObjectItem(latency, "max"));
    keep_client_hist(x, latency);
}
