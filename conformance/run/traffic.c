/* traffic.c - traffic from inside the mesh: the plan sent to a workload's agent, its answer
 * classified against an expectation (intended backend, denied, other), and what was
 * answered recorded for the metrics assertions. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/plan.h"
#include "agent/result.h"
#include "base/clock.h"
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

void sc_runner_make_plan(struct sc_casectx *x, const struct sc_traffic *tr, unsigned requests,
                         struct sc_agent_plan *plan)
{
    enum sc_proto proto;
    int port = target_port(x->t, tr, &proto);
    char target[512], id[SC_AGENT_PLAN_ID_MAX + 1];

    memset(plan, 0, sizeof(*plan));
    /* Unique in the run: the namespace holds the run id, the case and its attempt. */
    snprintf(id, sizeof(id), "%.100s.p%u", x->ns, ++x->plans);
    plan->id = sc_xstrdup(id);
    plan->proto = proto == SC_PROTO_HTTP  ? SC_AGENT_HTTP
                  : proto == SC_PROTO_TCP ? SC_AGENT_TCP
                                          : SC_AGENT_UDP;
    if (proto == SC_PROTO_HTTP) {
        snprintf(target, sizeof(target), "http://%s.%s:%d%s", tr->to, x->ns, port, tr->path);
        plan->method = sc_xstrdup(tr->method);
        plan->headers = sc_xcalloc(tr->nheaders + 1, sizeof(char *));
        for (size_t i = 0; i < tr->nheaders; i++) {
            size_t n = strlen(tr->headers[i].key) + strlen(tr->headers[i].value) + 3;
            plan->headers[i] = sc_xcalloc(1, n);
            snprintf(plan->headers[i], n, "%s: %s", tr->headers[i].key, tr->headers[i].value);
        }
        plan->nheaders = tr->nheaders;
        plan->connections = requests < 4 ? requests : 4;
        if (tr->wire != SC_WIRE_HTTP1) {
            /* One connection, its requests multiplexed: a mesh must judge and split each
             * stream, not the connection (the split per connection of HTTP/2 load balancing). */
            plan->http2 = true;
            plan->connections = 1;
            plan->max_streams = requests < 8 ? (requests ? requests : 1) : 8;
            if (tr->wire == SC_WIRE_GRPC)
                plan->grpc = sc_xstrdup(tr->path + 1);
        }
    } else {
        snprintf(target, sizeof(target), "%s.%s:%d", tr->to, x->ns, port);
    }
    plan->target = sc_xstrdup(target);
    plan->requests = requests;
    /* UDP denials are silence: keep the wait for an answer short. */
    plan->timeout_ns = proto == SC_PROTO_UDP ? 1000000000ull : 2000000000ull;
}

/* HTTP answers are counted by the fixture's x-smi-endpoint, "POD:PORT" (the pod and its port
 * that answered). The port in name, *podlen the length of the pod's name; 0 when there is no
 * port (TCP and UDP answers name the pod only). */
static int endpoint_port(const char *name, size_t *podlen)
{
    const char *colon = strrchr(name, ':');
    *podlen = strlen(name);
    if (colon == NULL || colon[1] == '\0' || strspn(colon + 1, "0123456789") != strlen(colon + 1))
        return 0;
    *podlen = (size_t)(colon - name);
    return atoi(colon + 1);
}

/* Did pod port `got` answer as service s maps port `port` (its targetPort)? Yes when the port
 * is not known, or s has no such port (it should get nothing; what it got is counted). */
static bool answered_on_target(const struct sc_service *s, int port, enum sc_proto proto, int got)
{
    for (size_t i = 0; got != 0 && i < s->nports; i++)
        if (s->ports[i].port == port &&
            (s->ports[i].proto == SC_PROTO_UDP) == (proto == SC_PROTO_UDP))
            return s->ports[i].target_port == got;
    return true;
}

/* Is an answer of workload w's pod on pod port `got` one of service svc's, to its `port`? */
static bool answered_by(const struct sc_test *t, const char *svc, const struct sc_workload *w,
                        int port, enum sc_proto proto, int got)
{
    const struct sc_service *s = sc_test_service(t, svc);
    return w != NULL && sc_service_selects(s, w) && answered_on_target(s, port, proto, got);
}

static bool pod_in_services(const struct sc_test *t, const struct sc_workload *w, int port,
                            enum sc_proto proto, int got, char *const *svcs, size_t nsvcs,
                            const char *fallback)
{
    if (nsvcs == 0)
        return answered_by(t, fallback, w, port, proto, got);
    for (size_t i = 0; i < nsvcs; i++)
        if (answered_by(t, svcs[i], w, port, proto, got))
            return true;
    return false;
}

/* Name the backends of r by their pods only, as every other reader expects (metrics, warm-up):
 * "web-v1-0:8081" becomes "web-v1-0", counts of one pod on several ports added up. */
static void backends_by_pod(struct sc_agent_result *r)
{
    size_t n = 0;
    for (size_t i = 0; i < r->nbackends; i++) {
        size_t len, k;
        (void)endpoint_port(r->backends[i].name, &len);
        r->backends[i].name[len] = '\0';
        for (k = 0; k < n && strcmp(r->backends[k].name, r->backends[i].name) != 0; k++)
            ;
        if (k < n) {
            r->backends[k].count += r->backends[i].count;
            free(r->backends[i].name);
        } else {
            r->backends[n++] = r->backends[i];
        }
    }
    r->nbackends = n;
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
    memset(&x->obs[x->nobs], 0, sizeof(x->obs[x->nobs]));
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
    if (tr->proto != SC_PROTO_HTTP)
        return; /* metrics describe HTTP traffic */
    if (o->status2xx != 0 && o->status5xx != 0) {
        x->obs_mixed = true;
        return;
    }
    for (size_t i = 0; i < o->res.nbackends; i++) {
        const struct sc_agent_count *b = &o->res.backends[i];
        observe(x, tr->from, tr->to, b->name, o->status5xx ? 0 : b->count,
                o->status5xx ? b->count : 0);
    }
}

void sc_runner_attribute(const struct sc_test *t, const struct sc_traffic *tr,
                         const struct sc_step *s, struct sc_outcome *out)
{
    enum sc_proto proto;
    int port = target_port(t, tr, &proto);
    for (size_t i = 0; i < out->res.nbackends; i++) {
        const struct sc_agent_count *b = &out->res.backends[i];
        size_t len;
        int got = endpoint_port(b->name, &len);
        const struct sc_workload *w = sc_runner_workload_of_pod(t, b->name, len);
        if (pod_in_services(t, w, port, proto, got, s ? s->backends : NULL, s ? s->nbackends : 0,
                            tr->to)) {
            out->ok_intended += b->count;
        } else {
            out->ok_other += b->count;
            if (pod_in_services(t, w, port, proto, 0, s ? s->backends : NULL, s ? s->nbackends : 0,
                                tr->to))
                out->wrong_port += b->count;
        }
        for (size_t k = 0; s != NULL && k < s->nshares && k < SC_RUNNER_SHARES_MAX; k++)
            if (answered_by(t, s->shares[k].service, w, port, proto, got)) {
                out->per_service[k] += b->count;
                break;
            }
    }
    backends_by_pod(&out->res);
}

/* The signal an agent's error kind is, per protocol (0: not a denial signal at all). HTTP kinds
 * are the load engine's (connect, read, write, timeout, protocol, reset); TCP/UDP kinds the
 * probe's (resolve, connect, refused, reset, closed, timeout, proxy, protocol, mismatch...). */
unsigned sc_runner_signal_of(enum sc_proto proto, const char *kind)
{
    if (proto == SC_PROTO_HTTP) {
        /* HTTP/2: a stream refused (RST_STREAM REFUSED_STREAM, "not processed": RFC 9113
         * section 8.7) is the refusal of one request; any other RST_STREAM resets it; a stream
         * left unanswered by a GOAWAY was closed with its connection. */
        if (strcmp(kind, "connect") == 0 || strcmp(kind, "refused_stream") == 0)
            return SC_DENY_REFUSED;
        if (strcmp(kind, "reset") == 0 || strcmp(kind, "write") == 0 ||
            strcmp(kind, "rst_stream") == 0)
            return SC_DENY_RESET;
        if (strcmp(kind, "read") == 0 || strcmp(kind, "goaway") == 0)
            return SC_DENY_CLOSED;
        if (strcmp(kind, "timeout") == 0)
            return SC_DENY_TIMEOUT;
        return 0;
    }
    if (proto == SC_PROTO_UDP)
        return strcmp(kind, "timeout") == 0 ? SC_DENY_TIMEOUT : 0;
    return sc_deny_kind_parse(kind);
}

static bool status_denies(const struct sc_denial *d, int code)
{
    for (size_t i = 0; i < d->nhttp_status; i++)
        if (d->http_status[i] == code)
            return true;
    return false;
}

/* gRPC calls answered with HTTP 200 are judged by their grpc-status: OK is an answer, a
 * status of the profile's gRPC denial set a denial, anything else (or none) another outcome. */
static void classify_grpc(const struct sc_denial *d, struct sc_outcome *out)
{
    const struct sc_agent_result *r = &out->res;
    for (size_t i = 0; i < r->ngrpc_status; i++) {
        int code = atoi(r->grpc_status[i].name);
        uint64_t n = r->grpc_status[i].count;
        if (code == 0)
            out->status2xx += n;
        else if (d->grpc & (1u << code))
            out->denied += n;
        else
            out->other += n;
    }
    out->other += r->grpc_other + r->grpc_missing;
}

void sc_runner_classify(const struct sc_denial *d, enum sc_proto proto, struct sc_outcome *out)
{
    const struct sc_agent_result *r = &out->res;
    unsigned kinds = proto == SC_PROTO_HTTP ? d->http : proto == SC_PROTO_TCP ? d->tcp : d->udp;

    if (r->grpc)
        classify_grpc(d, out);
    for (size_t i = 0; proto == SC_PROTO_HTTP && i < r->nstatus; i++) {
        int code = atoi(r->status[i].name);
        uint64_t n = r->status[i].count;
        if (r->grpc && code == 200)
            continue; /* judged by grpc-status above */
        if (code >= 200 && code < 300)
            out->status2xx += n;
        else if (status_denies(d, code))
            out->denied += n;
        else
            out->other += n;
        if (code >= 500)
            out->status5xx += n;
    }
    /* Identities also count non-2xx answers; keep the classes consistent. */
    if (proto == SC_PROTO_HTTP && out->ok_intended > out->status2xx)
        out->ok_intended = out->status2xx;
    /* Requests and attempts without an answer: denied iff their signal is in the set. */
    for (size_t i = 0; i < r->nerrors; i++) {
        if (sc_runner_signal_of(proto, r->errors[i].name) & kinds)
            out->denied += r->errors[i].count;
        else
            out->other += r->errors[i].count;
    }
}

int sc_runner_send(struct sc_casectx *x, const struct sc_traffic *tr, unsigned requests,
                   const struct sc_step *s, struct sc_outcome *out, struct sc_err *err)
{
    struct sc_platform *p = x->r->p;
    struct sc_agent_plan plan;
    int rc;

    memset(out, 0, sizeof(*out));
    if (x->first_traffic_ns == 0)
        x->first_traffic_ns = sc_now_ns();
    sc_runner_make_plan(x, tr, requests, &plan);
    if (plan.proto == SC_AGENT_HTTP) {
        free(plan.identity_header); /* count answers by pod and port: see endpoint_port */
        plan.identity_header = sc_xstrdup("x-smi-endpoint");
    }
    rc = p->ops->traffic(p, sc_test_workload(x->t, tr->from)->second_ns ? x->ns2 : x->ns, tr->from,
                         0, &plan, &out->res, err);
    sc_agent_plan_release(&plan);
    if (rc != 0)
        return rc;
    out->total = requests;
    sc_runner_attribute(x->t, tr, s, out);
    sc_runner_classify(&p->deny, tr->proto, out);
    observe_outcome(x, tr, out);
    return 0;
}

void sc_runner_outcome_release(struct sc_outcome *o)
{
    sc_agent_result_release(&o->res);
}

void sc_runner_describe_traffic(const struct sc_casectx *x, const struct sc_traffic *tr, char *buf,
                                size_t len)
{
    enum sc_proto proto;
    int port = target_port(x->t, tr, &proto);
    if (proto == SC_PROTO_HTTP && tr->wire == SC_WIRE_GRPC)
        snprintf(buf, len, "%s -> %s:%d gRPC %s%s", tr->from, tr->to, port, tr->path + 1,
                 tr->nheaders ? " (with metadata)" : "");
    else if (proto == SC_PROTO_HTTP)
        snprintf(buf, len, "%s -> %s:%d %s%s %s%s", tr->from, tr->to, port,
                 tr->wire == SC_WIRE_HTTP2 ? "HTTP/2 " : "", tr->method, tr->path,
                 tr->nheaders ? " (with headers)" : "");
    else
        snprintf(buf, len, "%s -> %s:%d %s", tr->from, tr->to, port, sc_proto_name(proto));
}

void sc_runner_outcome_text(const struct sc_outcome *o, char *buf, size_t len)
{
    char port[96] = "";
    if (o->wrong_port)
        snprintf(port, sizeof(port),
                 " (%llu by an intended pod on a port other than its targetPort)",
                 (unsigned long long)o->wrong_port);
    snprintf(buf, len,
             "%llu of %llu allowed by an intended backend, %llu answered by another backend%s, "
             "%llu denied, %llu other",
             (unsigned long long)o->ok_intended, (unsigned long long)o->total,
             (unsigned long long)o->ok_other, port, (unsigned long long)o->denied,
             (unsigned long long)o->other);
}

/* Keep the send's latency: percentiles, and the histogram (ascending). Beyond
 * SC_RUNNER_CLIENT_HIST_MAX buckets, neighbours are merged in pairs: coarser, never lost. */
void sc_runner_keep_latency(struct sc_casectx *x, const struct sc_agent_result *r)
{
    size_t n = r->nbuckets;

    for (int i = 0; i < 4; i++)
        x->client_p[i] = r->latency_us[i];
    free(x->client_hist);
    x->client_hist = NULL;
    x->nclient_hist = 0;
    if (n == 0)
        return;
    x->client_hist = sc_xcalloc(n, sizeof(*x->client_hist));
    for (size_t i = 0; i < n; i++) {
        x->client_hist[i].lo = r->buckets[i].lo_us;
        x->client_hist[i].count = r->buckets[i].count;
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
