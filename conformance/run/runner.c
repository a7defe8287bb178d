/* runner.c - cases in parallel, each in its own namespace: deploy, apply, probe, assert. */
#include "run/runner.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdarg.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/log.h"
#include "run/stats.h"
#include "base/clock.h"
#include "base/util.h"
#include "smi/convert.h"
#include "smi/smi.h"

#define PROBE_HTTP_REQUESTS  5
#define PROBE_SPLIT_REQUESTS 200
#define PROBE_INTERVAL_MS    50
#define METRICS_POLL_MS      200
#define SPLIT_PROBE_SLACK    0.15
#define CLIENT_HIST_MAX      2048 /* buckets kept from a send; finer ones are merged in pairs */

static const char *const groups[] = {"access", "specs", "split", "metrics"};

void sc_runner_opts_init(struct sc_runner_opts *o)
{
    memset(o, 0, sizeof(*o));
    o->parallel = 2;
    o->timeout_ms = 10000;
    o->run_id = "r";
}

static int group_index(const char *g)
{
    for (int i = 0; i < 4; i++)
        if (strcmp(groups[i], g) == 0)
            return i;
    return -1;
}

static int smi_group_index(enum sc_smi_group g)
{
    return g == SC_SMI_ACCESS ? 0 : g == SC_SMI_SPECS ? 1 : 2;
}

static bool in_list(const char *const *list, const char *s)
{
    if (list == NULL)
        return true;
    for (; *list; list++)
        if (strcmp(*list, s) == 0)
            return true;
    return false;
}

/* Versions of each group this case uses: the area's group at the case version, the others
 * at the newest the platform serves. */
struct versions {
    int v[4];
};

static int newest_served(struct sc_platform *p, int gi)
{
    int vs[8];
    size_t n = 0;
    if (p->ops->served(p, groups[gi], vs, &n) != 0 || n == 0)
        return 0;
    return vs[0];
}

/* Replace $NS2 and $NS in every scalar. */
static void substitute(struct sc_doc_node *n, const char *ns, const char *ns2)
{
    for (; n; n = n->next) {
        if (n->text != NULL && strchr(n->text, '$') != NULL) {
            char out[1024];
            size_t o = 0;
            for (const char *s = n->text; *s && o < sizeof(out) - 64;) {
                if (strncmp(s, "$NS2", 4) == 0) {
                    o += (size_t)snprintf(out + o, sizeof(out) - o, "%s", ns2);
                    s += 4;
                } else if (strncmp(s, "$NS", 3) == 0) {
                    o += (size_t)snprintf(out + o, sizeof(out) - o, "%s", ns);
                    s += 3;
                } else {
                    out[o++] = *s++;
                }
            }
            out[o] = '\0';
            free(n->text);
            n->text = sc_xstrdup(out);
        }
        substitute(n->child, ns, ns2);
    }
}

/* Convert one object to the case's versions; SC_ENOTFOUND means "skip: <why>". */
static int convert_obj(const struct sc_doc_node *in, const struct versions *vs, const char *ns,
                       const char *ns2, struct sc_doc_node **out, struct sc_err *err)
{
    const char *kind = sc_doc_get_str(in, "kind");
    int k = kind ? sc_smi_kind_parse(kind) : -1, gi, rc;
    struct sc_doc_node *conv = NULL;
    struct sc_smi_obj *obj = NULL;

    if (k < 0)
        return sc_err_set(err, SC_EINVAL, "unknown kind");
    gi = smi_group_index(sc_smi_kind_group((enum sc_smi_kind)k));
    if (vs->v[gi] == 0)
        return sc_err_set(err, SC_ENOTFOUND, "%s is not served by the platform",
                          sc_smi_group_name(sc_smi_kind_group((enum sc_smi_kind)k)));
    if (!sc_smi_version_exists((enum sc_smi_kind)k, vs->v[gi]))
        return sc_err_set(err, SC_ENOTFOUND, "%s does not exist in %s v1alpha%d", kind,
                          sc_smi_group_name(sc_smi_kind_group((enum sc_smi_kind)k)), vs->v[gi]);
    rc = sc_smi_convert(in, vs->v[gi], &conv, err);
    if (rc != 0)
        return rc;
    if (ns != NULL)
        substitute(conv, ns, ns2);
    /* Every manifest applied must hold to its version's schema. */
    rc = sc_smi_obj_from_doc(conv, "converted", ns ? ns : "default", &obj, NULL, err);
    if (rc != 0) {
        sc_err_prefix(err, "converted %s does not validate against v1alpha%d", kind, vs->v[gi]);
        sc_doc_node_free(conv);
        return SC_EINVAL;
    }
    sc_smi_obj_free(obj);
    *out = conv;
    return 0;
}

/* ---- planning ------------------------------------------------------------------------ */

struct planned {
    const struct sc_test *test;
    struct versions vs;
};

struct runner {
    struct sc_platform *p;
    const struct sc_runner_opts *o;
    struct sc_run *run;
    struct planned *plan; /* parallel to run->cases */
    pthread_mutex_t mu;
    size_t next, done, torun;
};

static struct planned *plan_of(struct sc_run *run, struct sc_test *const *tests, size_t ntests,
                               struct sc_platform *p)
{
    struct planned *pl = sc_xcalloc(run->ncases ? run->ncases : 1, sizeof(*pl));
    for (size_t i = 0; i < run->ncases; i++) {
        struct sc_case *c = &run->cases[i];
        int gi = group_index(c->area), v = atoi(c->version + 7);
        for (size_t k = 0; k < ntests; k++)
            if (strcmp(tests[k]->name, c->test) == 0)
                pl[i].test = tests[k];
        for (int g = 0; g < 4; g++)
            pl[i].vs.v[g] = newest_served(p, g);
        pl[i].vs.v[gi] = v;
    }
    return pl;
}

static bool uses_trafficsplits(const struct sc_test *t)
{
    for (size_t i = 0; i < t->nsteps; i++)
        if (t->steps[i].kind == SC_STEP_EXPECT && t->steps[i].expect == SC_EXPECT_METRICS &&
            strcmp(t->steps[i].metrics.resource, "trafficsplits") == 0)
            return true;
    return false;
}

int sc_runner_plan(struct sc_platform *p, struct sc_test *const *tests, size_t ntests,
                   const struct sc_runner_opts *o, struct sc_run *run, struct sc_err *err)
{
    regex_t focus, skip;
    bool have_focus = false, have_skip = false;
    int rc = 0;

    if (o->focus != NULL) {
        if (regcomp(&focus, o->focus, REG_EXTENDED | REG_NOSUB) != 0)
            return sc_err_set(err, SC_EINVAL, "invalid --focus regex '%s'", o->focus);
        have_focus = true;
    }
    if (o->skip != NULL) {
        if (regcomp(&skip, o->skip, REG_EXTENDED | REG_NOSUB) != 0) {
            rc = sc_err_set(err, SC_EINVAL, "invalid --skip regex '%s'", o->skip);
            goto out;
        }
        have_skip = true;
    }
    for (size_t i = 0; i < ntests; i++) {
        const struct sc_test *t = tests[i];
        int gi = group_index(t->area), vs[8];
        size_t nv = 0;
        bool feature_ok = o->features == NULL;

        if (!in_list(o->areas, t->area))
            continue;
        for (size_t f = 0; f < t->nfeatures && !feature_ok; f++)
            feature_ok = in_list(o->features, t->features[f]);
        if (!feature_ok)
            continue;
        p->ops->served(p, groups[gi], vs, &nv);
        if (nv == 0) {
            vs[0] = 0; /* one skipped case saying the group is not served */
            nv = 1;
        }
        for (size_t k = nv; k-- > 0;) { /* oldest first */
            char label[300], version[16];
            struct sc_case *c;
            struct versions cv;

            snprintf(version, sizeof(version), "v1alpha%d", vs[k]);
            snprintf(label, sizeof(label), "%s [%s]", t->name, version);
            if (have_focus && regexec(&focus, label, 0, NULL, 0) != 0)
                continue;
            if (have_skip && regexec(&skip, label, 0, NULL, 0) == 0)
                continue;
            c = sc_run_add_case(run);
            c->test = sc_xstrdup(t->name);
            c->area = sc_xstrdup(t->area);
            c->version = sc_xstrdup(version);
            c->file = sc_xstrdup(t->file);
            c->features = sc_xcalloc(t->nfeatures, sizeof(char *));
            for (size_t f = 0; f < t->nfeatures; f++)
                c->features[c->nfeatures++] = sc_xstrdup(t->features[f]);
            if (vs[k] == 0) {
                c->verdict = SC_SKIPPED;
                c->message = sc_xstrdup("the platform does not serve this SMI group");
                continue;
            }
            for (int g = 0; g < 4; g++)
                cv.v[g] = newest_served(p, g);
            cv.v[gi] = vs[k];
            if (strcmp(t->area, "metrics") == 0 && uses_trafficsplits(t) && vs[k] < 2) {
                c->verdict = SC_SKIPPED;
                c->message = sc_xstrdup("the trafficsplits resource needs metrics v1alpha2");
                continue;
            }
            /* Every object must be expressible in this case's versions. Runnable cases
             * wait as "skipped, no reason yet" until a worker takes them. */
            c->verdict = SC_SKIPPED;
            for (size_t s = 0; s < t->nsteps && c->message == NULL; s++) {
                for (struct sc_doc *d = t->steps[s].objects; d; d = d->next) {
                    struct sc_doc_node *conv = NULL;
                    struct sc_err e;
                    int crc;
                    sc_err_init(&e);
                    crc = convert_obj(d->root, &cv, "plan-ns", "plan-ns2", &conv, &e);
                    sc_doc_node_free(conv);
                    if (crc == SC_ENOTFOUND) {
                        c->verdict = SC_SKIPPED;
                        c->message = sc_xstrdup(e.msg);
                        break;
                    }
                    if (crc != 0) {
                        rc = sc_err_set(err, SC_EINVAL, "%s:%d:%d: %s", t->file, t->steps[s].line,
                                        t->steps[s].col, e.msg);
                        goto out;
                    }
                }
            }
        }
    }
out:
    if (have_focus)
        regfree(&focus);
    if (have_skip)
        regfree(&skip);
    return rc;
}

/* ---- one case -------------------------------------------------------------------------- */

/* What the agent saw in `send` steps, for the metrics assertions. */
struct observed {
    char *src_workload;
    char *to_service; /* the service addressed (a split's root, for trafficsplits) */
    char *dst_pod;
    uint64_t success, failure;
};

struct casectx {
    struct runner *r;
    const struct sc_test *t;
    struct sc_case *c;
    struct versions vs;
    char ns[64], ns2[64];
    bool changed; /* an apply/delete since the last expect: probe first */
    struct observed *obs;
    size_t nobs;
    double client_p[4]; /* latency of the last send, us */
    /* The last send's latency histogram (owned), ascending, at most CLIENT_HIST_MAX. */
    struct sc_hist_bucket *client_hist;
    size_t nclient_hist;
    bool obs_mixed; /* some traffic could not be attributed (mixed 2xx and 5xx) */
};

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
static const struct sc_workload *workload_of_pod(const struct sc_test *t, const char *pod,
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

static char *plan_json(struct casectx *x, const struct sc_traffic *tr, unsigned requests)
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

/* One batch of traffic, summarised. */
struct outcome {
    uint64_t total;
    uint64_t ok_intended;     /* 2xx (or connected/answered) from an intended backend */
    uint64_t ok_other;        /* answered, but by a pod outside the intended services */
    uint64_t denied;          /* the platform's denial signal */
    uint64_t other;           /* anything else: errors, other statuses */
    uint64_t per_service[16]; /* split: answers per share index */
    uint64_t status2xx, status5xx;
    cJSON *json; /* the agent's result (owned) */
};

static bool pod_in_services(const struct sc_test *t, const char *pod, size_t len, char *const *svcs,
                            size_t nsvcs, const char *fallback)
{
    const struct sc_workload *w = workload_of_pod(t, pod, len);
    if (w == NULL)
        return false;
    if (nsvcs == 0)
        return sc_service_selects(sc_test_service(t, fallback), w);
    for (size_t i = 0; i < nsvcs; i++)
        if (sc_service_selects(sc_test_service(t, svcs[i]), w))
            return true;
    return false;
}

static void observe(struct casectx *x, const char *src, const char *to, const char *pod,
                    uint64_t success, uint64_t failure);

/* The mesh counts every request a pod answered, probes included: so does the runner. Answers
 * by the mesh itself (denials) carry no pod identity and are not counted, as the metrics
 * leave them out. A batch mixing 2xx and 5xx cannot be attributed per pod. */
static void observe_outcome(struct casectx *x, const struct sc_traffic *tr, const struct outcome *o)
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

static int send_traffic(struct casectx *x, const struct sc_traffic *tr, unsigned requests,
                        const struct sc_step *s, struct outcome *out, struct sc_err *err)
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
                for (size_t k = 0; k < s->nshares && k < 16; k++) {
                    const struct sc_workload *w =
                        workload_of_pod(x->t, b->string, strlen(b->string));
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

static void outcome_release(struct outcome *o)
{
    cJSON_Delete(o->json);
    o->json = NULL;
}

static void describe_traffic(const struct casectx *x, const struct sc_traffic *tr, char *buf,
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

static bool access_holds(const struct sc_step *s, const struct outcome *o)
{
    return s->allowed ? o->ok_intended == o->total : o->denied == o->total;
}

static void outcome_text(const struct outcome *o, char *buf, size_t len)
{
    snprintf(buf, len,
             "%llu of %llu allowed by an intended backend, %llu answered by another backend, "
             "%llu denied, %llu other",
             (unsigned long long)o->ok_intended, (unsigned long long)o->total,
             (unsigned long long)o->ok_other, (unsigned long long)o->denied,
             (unsigned long long)o->other);
}

/* Probe until `holds` is true for `consecutive` batches in a row, within the timeout. */
typedef bool (*holds_fn)(struct casectx *x, const struct sc_step *s, const struct outcome *o);

static bool access_holds_fn(struct casectx *x, const struct sc_step *s, const struct outcome *o)
{
    (void)x;
    return access_holds(s, o);
}

static void split_expected(const struct sc_step *s, double *p)
{
    double sum = 0;
    for (size_t k = 0; k < s->nshares; k++)
        sum += s->shares[k].weight;
    for (size_t k = 0; k < s->nshares; k++)
        p[k] = sum > 0 ? s->shares[k].weight / sum : 0;
}

static bool split_holds_fn(struct casectx *x, const struct sc_step *s, const struct outcome *o)
{
    double p[16];
    (void)x;
    if (o->ok_intended + o->ok_other != o->total || o->total == 0)
        return false;
    split_expected(s, p);
    for (size_t k = 0; k < s->nshares && k < 16; k++) {
        double share = (double)o->per_service[k] / (double)o->total;
        if (p[k] == 0 ? o->per_service[k] != 0 : fabs(share - p[k]) > SPLIT_PROBE_SLACK)
            return false;
    }
    return true;
}

static int probe(struct casectx *x, const struct sc_step *s, unsigned batch, holds_fn holds,
                 struct sc_err *err)
{
    uint64_t deadline = sc_now_ns() + (uint64_t)x->r->o->timeout_ms * 1000000ull;
    unsigned streak = 0, probes = 0;
    char last[700] = "no probe completed";

    for (;;) {
        struct outcome o;
        struct sc_err e;
        sc_err_init(&e);
        if (send_traffic(x, &s->traffic, batch, s, &o, &e) == 0) {
            probes++;
            if (holds(x, s, &o))
                streak++;
            else
                streak = 0;
            outcome_text(&o, last, sizeof(last));
            if (s->expect == SC_EXPECT_SPLIT && o.total > 0) {
                size_t l = strlen(last);
                l += (size_t)snprintf(last + l, sizeof(last) - l, "; shares:");
                for (size_t k = 0; k < s->nshares && k < 16 && l < sizeof(last); k++)
                    l += (size_t)snprintf(last + l, sizeof(last) - l, " %s %.3f",
                                          s->shares[k].service,
                                          (double)o.per_service[k] / (double)o.total);
            }
            outcome_release(&o);
            if (streak >= s->consecutive) {
                sc_case_log(x->c, "  in force after %u probes", probes);
                return 0;
            }
        } else {
            streak = 0;
            snprintf(last, sizeof(last), "probe failed: %s", e.msg);
        }
        if (sc_now_ns() >= deadline)
            return sc_err_set(err, SC_ETIMEOUT,
                              "not in force within %ums (%u probes); last seen: %s",
                              x->r->o->timeout_ms, probes, last);
        if (x->r->o->cancel && atomic_load(x->r->o->cancel))
            return sc_err_set(err, SC_ETIMEOUT, "interrupted");
        sc_sleep_ms(PROBE_INTERVAL_MS);
    }
}

static void fail_case(struct casectx *x, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void fail_case(struct casectx *x, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (x->c->verdict != SC_FAILED) {
        x->c->verdict = SC_FAILED;
        free(x->c->message);
        x->c->message = sc_xstrdup(msg);
    }
    sc_case_log(x->c, "  FAILED: %s", msg);
}

static int step_expect_access(struct casectx *x, const struct sc_step *s)
{
    char what[512], text[300];
    struct outcome o;
    struct sc_assertion *a;
    struct sc_err err;
    struct sc_figure *f;
    char desc[400];

    describe_traffic(x, &s->traffic, desc, sizeof(desc));
    snprintf(what, sizeof(what), "%s is %s", desc, s->allowed ? "allowed" : "denied");
    sc_case_log(x->c, "expect %s", what);
    sc_err_init(&err);
    if (x->changed && probe(x, s, s->traffic.proto == SC_PROTO_HTTP ? PROBE_HTTP_REQUESTS : 2,
                            access_holds_fn, &err) != 0) {
        a = sc_case_add_assertion(x->c, "probe", what);
        a->message = sc_xstrdup(err.msg);
        fail_case(x, "%s: %s", what, err.msg);
        return -1;
    }
    if (send_traffic(x, &s->traffic, s->requests, s, &o, &err) != 0) {
        a = sc_case_add_assertion(x->c, "access", what);
        a->message = sc_xstrdup(err.msg);
        fail_case(x, "%s: %s", what, err.msg);
        return -1;
    }
    a = sc_case_add_assertion(x->c, "access", what);
    a->passed = access_holds(s, &o);
    f = sc_assertion_add_figure(a, s->allowed ? "allowed" : "denied", "count");
    f->expected = (double)o.total;
    f->observed = (double)(s->allowed ? o.ok_intended : o.denied);
    f->count = s->allowed ? o.ok_intended : o.denied;
    f->total = o.total;
    outcome_text(&o, text, sizeof(text));
    sc_case_log(x->c, "  %s", text);
    outcome_release(&o);
    if (!a->passed) {
        a->message = sc_xstrdup(text);
        fail_case(x, "%s: expected every request %s; observed %s", what,
                  s->allowed ? "allowed" : "denied", text);
        return -1;
    }
    x->changed = false;
    return 0;
}

static int step_expect_split(struct casectx *x, const struct sc_step *s)
{
    char what[512], desc[400], msg[1024] = "";
    double p[16];
    unsigned k_nonzero = 0;
    uint64_t n;
    struct outcome o;
    struct sc_assertion *a;
    struct sc_err err;
    bool ok = true;

    describe_traffic(x, &s->traffic, desc, sizeof(desc));
    split_expected(s, p);
    for (size_t k = 0; k < s->nshares; k++)
        k_nonzero += p[k] > 0;
    n = sc_stats_split_requests(k_nonzero, s->tolerance, SC_STATS_FALSE_FAIL);
    snprintf(what, sizeof(what), "%s splits by weight (tolerance %.3f, %llu requests)", desc,
             s->tolerance, (unsigned long long)n);
    sc_case_log(x->c, "expect %s", what);
    sc_err_init(&err);
    if (x->changed && probe(x, s, PROBE_SPLIT_REQUESTS, split_holds_fn, &err) != 0) {
        a = sc_case_add_assertion(x->c, "probe", what);
        a->message = sc_xstrdup(err.msg);
        fail_case(x, "%s: %s", what, err.msg);
        return -1;
    }
    if (send_traffic(x, &s->traffic, (unsigned)n, s, &o, &err) != 0) {
        a = sc_case_add_assertion(x->c, "split", what);
        a->message = sc_xstrdup(err.msg);
        fail_case(x, "%s: %s", what, err.msg);
        return -1;
    }
    a = sc_case_add_assertion(x->c, "split", what);
    if (o.ok_intended + o.ok_other != o.total) {
        char text[300];
        outcome_text(&o, text, sizeof(text));
        snprintf(msg, sizeof(msg), "not every request was answered: %s", text);
        ok = false;
    }
    for (size_t k = 0; k < s->nshares && k < 16; k++) {
        struct sc_figure *f = sc_assertion_add_figure(a, s->shares[k].service, "share");
        double share = o.total ? (double)o.per_service[k] / (double)o.total : 0;
        f->expected = p[k];
        f->observed = share;
        f->count = o.per_service[k];
        f->total = o.total;
        sc_stats_wilson(o.per_service[k], o.total, 1.96, &f->lo, &f->hi);
        if (p[k] == 0) {
            f->tolerance = 0;
            if (o.per_service[k] != 0) {
                ok = false;
                snprintf(msg + strlen(msg), sizeof(msg) - strlen(msg),
                         "%s%s has weight 0 but received %llu requests", msg[0] ? "; " : "",
                         s->shares[k].service, (unsigned long long)o.per_service[k]);
            }
        } else {
            f->tolerance = s->tolerance;
            if (fabs(share - p[k]) > s->tolerance) {
                ok = false;
                snprintf(msg + strlen(msg), sizeof(msg) - strlen(msg),
                         "%s%s got %.3f of requests, expected %.3f +/- %.3f", msg[0] ? "; " : "",
                         s->shares[k].service, share, p[k], s->tolerance);
            }
        }
        sc_case_log(x->c, "  %s: %llu of %llu (%.3f, expected %.3f)", s->shares[k].service,
                    (unsigned long long)o.per_service[k], (unsigned long long)o.total, share, p[k]);
    }
    outcome_release(&o);
    a->passed = ok;
    if (!ok) {
        a->message = sc_xstrdup(msg);
        fail_case(x, "%s: %s", what, msg);
        return -1;
    }
    x->changed = false;
    return 0;
}

static void observe(struct casectx *x, const char *src, const char *to, const char *pod,
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

/* Keep the send's latency histogram (latency.buckets: [lowest value us, count], ascending).
 * Beyond CLIENT_HIST_MAX buckets, neighbours are merged in pairs: coarser, never lost. */
static void keep_client_hist(struct casectx *x, const cJSON *latency)
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
    while (n > CLIENT_HIST_MAX) {
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

static int step_send(struct casectx *x, const struct sc_step *s)
{
    struct outcome o;
    struct sc_err err;
    char desc[400];
    const cJSON *lat;

    describe_traffic(x, &s->traffic, desc, sizeof(desc));
    sc_case_log(x->c, "send %u requests %s", s->requests, desc);
    sc_err_init(&err);
    if (send_traffic(x, &s->traffic, s->requests, NULL, &o, &err) != 0) {
        fail_case(x, "send %s: %s", desc, err.msg);
        return -1;
    }
    if (o.status2xx != 0 && o.status5xx != 0) {
        fail_case(x, "send %s: mixed 2xx and 5xx answers; metrics tests need one class per send",
                  desc);
        outcome_release(&o);
        return -1;
    }
    if (o.status2xx + o.status5xx != o.total) {
        char text[300];
        outcome_text(&o, text, sizeof(text));
        fail_case(x, "send %s: not every request was answered with 2xx or 5xx: %s", desc, text);
        outcome_release(&o);
        return -1;
    }
    lat = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(o.json, "latency"),
                                           "percentiles");
    x->client_p[0] = cJSON_GetNumberValue(cJSON_GetObjectItem(lat, "p50"));
    x->client_p[1] = cJSON_GetNumberValue(cJSON_GetObjectItem(lat, "p90"));
    x->client_p[2] = cJSON_GetNumberValue(cJSON_GetObjectItem(lat, "p99"));
    x->client_p[3] = cJSON_GetNumberValue(
        cJSON_GetObjectItem(cJSON_GetObjectItemCaseSensitive(o.json, "latency"), "max"));
    keep_client_hist(x, cJSON_GetObjectItemCaseSensitive(o.json, "latency"));
    sc_case_log(x->c, "  %llu answered (%llu 2xx, %llu 5xx)", (unsigned long long)o.total,
                (unsigned long long)o.status2xx, (unsigned long long)o.status5xx);
    outcome_release(&o);
    x->changed = false;
    return 0;
}

/* ---- metrics -------------------------------------------------------------------------- */

static double metric_value(const cJSON *tm, const char *name, bool *found)
{
    const cJSON *m;
    *found = false;
    cJSON_ArrayForEach(m, cJSON_GetObjectItemCaseSensitive(tm, "metrics"))
    {
        const cJSON *n = cJSON_GetObjectItemCaseSensitive(m, "name");
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(m, "value");
        const cJSON *u = cJSON_GetObjectItemCaseSensitive(m, "unit");
        double x;
        char *end;
        if (!cJSON_IsString(n) || strcmp(n->valuestring, name) != 0)
            continue;
        if (cJSON_IsNumber(v))
            x = v->valuedouble;
        else if (cJSON_IsString(v)) {
            x = strtod(v->valuestring, &end);
            /* Quantities such as "10m" (seconds) for latency. */
            if (*end == 'm')
                x /= 1000.0;
            else if (*end == 'u')
                x /= 1e6;
            else if (*end == 'n')
                x /= 1e9;
            if (*end != '\0' && cJSON_IsString(u) == false && strstr(name, "latency"))
                x *= 1000.0; /* a quantity of seconds: to ms */
        } else
            continue;
        if (cJSON_IsString(u) && strstr(name, "latency")) {
            if (strcmp(u->valuestring, "s") == 0)
                x *= 1000.0;
            else if (strcmp(u->valuestring, "us") == 0)
                x /= 1000.0;
        }
        *found = true;
        return x;
    }
    return 0;
}

/* Does pod belong to the metrics resource (kind, name) of the case? */
static bool pod_in_resource(const struct casectx *x, const char *resource, const char *name,
                            const char *pod)
{
    const struct sc_workload *w;
    if (strcmp(resource, "namespaces") == 0)
        return true;
    if (strcmp(resource, "pods") == 0)
        return strcmp(pod, name) == 0;
    w = workload_of_pod(x->t, pod, strlen(pod));
    if (w == NULL)
        return false;
    if (strcmp(resource, "deployments") == 0)
        return strcmp(w->name, name) == 0;
    return false;
}

/* Give the assertion the client's latency histogram of the last send (a copy). */
static void attach_client_hist(const struct casectx *x, struct sc_assertion *a)
{
    if (a->client_hist != NULL || x->nclient_hist == 0)
        return;
    a->client_hist = sc_xcalloc(x->nclient_hist, sizeof(*a->client_hist));
    memcpy(a->client_hist, x->client_hist, x->nclient_hist * sizeof(*a->client_hist));
    a->nclient_hist = x->nclient_hist;
}

/* Are tm's p50, p90 and p99 at least the expected minimum and at most the client's maximum
 * (+50%, +10 ms)? Puts the mesh's and the client's latencies on the assertion; on failure
 * writes why into last, after `subject` ("" or "backend web-v1: "). */
static bool latency_holds(const struct casectx *x, const struct sc_metrics_expect *me,
                          const cJSON *tm, struct sc_assertion *a, const char *subject, char *last,
                          size_t len)
{
    static const char *const names[] = {"p50_response_latency", "p90_response_latency",
                                        "p99_response_latency"};
    bool ok = true;
    attach_client_hist(x, a);
    a->client_p[3] = x->client_p[3];
    for (int i = 0; i < 3; i++) {
        bool f;
        double v = metric_value(tm, names[i], &f);
        a->mesh_p[i] = f ? v * 1000.0 : NAN;
        a->client_p[i] = x->client_p[i];
        if (!f || v < me->latency_at_least_ms || v > x->client_p[3] / 1000.0 * 1.5 + 10.0) {
            snprintf(last, len,
                     "%s%s %.1fms, expected at least %.1fms and at most the client's max %.1fms "
                     "(+50%%)",
                     subject, names[i], f ? v : NAN, me->latency_at_least_ms,
                     x->client_p[3] / 1000.0);
            ok = false;
            break;
        }
    }
    return ok;
}

/* The expected traffic of one backend of a split, and what the mesh last reported. */
struct split_backend_want {
    const char *service;
    uint64_t success, failure;
    double mesh_success, mesh_failure; /* NaN until reported */
};

#define SPLIT_BACKENDS_MAX 16

/* trafficsplits: one item per backend, each with the requests the agent saw answered by pods
 * of that backend service in sends to the split's root service. */
static int step_expect_split_metrics(struct casectx *x, const struct sc_step *s)
{
    const struct sc_metrics_expect *me = &s->metrics;
    const struct sc_doc_node *spec = NULL;
    struct split_backend_want bw[SPLIT_BACKENDS_MAX];
    size_t nb = 0;
    const char *root;
    char path[512], what[512], last[1024] = "no answer yet";
    struct sc_assertion *a;
    struct sc_platform *p = x->r->p;
    int mv = x->vs.v[3] ? x->vs.v[3] : 1;
    uint64_t deadline;

    /* The split as last applied before this step (the loader checked that there is one). */
    for (const struct sc_step *st = x->t->steps; st < s; st++)
        for (const struct sc_doc *d = st->objects; d; d = d->next) {
            const char *kind = sc_doc_get_str(d->root, "kind");
            const char *nm = sc_doc_get_str(sc_doc_get(d->root, "metadata"), "name");
            if (kind && nm && strcmp(kind, "TrafficSplit") == 0 && strcmp(nm, me->name) == 0)
                spec = sc_doc_get(d->root, "spec");
        }
    root = sc_doc_get_str(spec, "service");
    snprintf(what, sizeof(what), "metrics of trafficsplits/%s per backend %s", me->name,
             me->absent ? "are absent" : "agree with the agent");
    a = sc_case_add_assertion(x->c, "metrics", what);
    if (root == NULL) {
        a->message = sc_xstrdup("no TrafficSplit of that name was applied before this step");
        fail_case(x, "%s: %s", what, a->message);
        return -1;
    }
    {
        const struct sc_doc_node *bs = sc_doc_get(spec, "backends");
        for (const struct sc_doc_node *b = bs ? bs->child : NULL; b && nb < SPLIT_BACKENDS_MAX;
             b = b->next) {
            const char *svc = sc_doc_get_str(b, "service");
            if (svc == NULL || sc_test_service(x->t, svc) == NULL)
                continue;
            bw[nb].service = svc;
            bw[nb].success = bw[nb].failure = 0;
            bw[nb].mesh_success = bw[nb].mesh_failure = NAN;
            nb++;
        }
    }
    for (size_t i = 0; i < x->nobs; i++) {
        const struct sc_workload *w;
        if (strcmp(x->obs[i].to_service, root) != 0)
            continue;
        w = workload_of_pod(x->t, x->obs[i].dst_pod, strlen(x->obs[i].dst_pod));
        for (size_t k = 0; w && k < nb; k++)
            if (sc_service_selects(sc_test_service(x->t, bw[k].service), w)) {
                bw[k].success += x->obs[i].success;
                bw[k].failure += x->obs[i].failure;
                break;
            }
    }
    if (x->obs_mixed && me->counts) {
        a->message = sc_xstrdup("a batch mixed 2xx and 5xx answers: counts cannot be attributed");
        fail_case(x, "metrics counts: %s (send one status class per step)", a->message);
        return -1;
    }
    snprintf(path, sizeof(path),
             "/apis/metrics.smi-spec.io/v1alpha%d/namespaces/%s/trafficsplits/%s", mv, x->ns,
             me->name);
    sc_case_log(x->c, "expect %s (GET %s)", what, path);
    deadline = sc_now_ns() + (uint64_t)x->r->o->timeout_ms * 1000000ull;
    for (;;) {
        char *body = NULL;
        struct sc_err err;
        cJSON *j = NULL;
        bool ok = true;
        size_t l = 0;

        sc_err_init(&err);
        if (p->ops->metrics(p, path, &body, &err) == 0)
            j = cJSON_Parse(body);
        free(body);
        if (j == NULL) {
            /* No such split in the metrics: nothing is reported, which is all `absent` asks. */
            ok = me->absent;
            snprintf(last, sizeof(last), "%s", err.msg[0] ? err.msg : "not JSON");
        }
        for (size_t k = 0; j != NULL && k < nb && l < sizeof(last); k++) {
            const cJSON *it, *tm = NULL;
            char subject[160];
            bool fs = false, ff = false;
            double sc = 0, fc = 0;
            cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(j, "items"))
            {
                const cJSON *be = cJSON_GetObjectItemCaseSensitive(it, "backend");
                const cJSON *bn = cJSON_GetObjectItemCaseSensitive(be, "name");
                if (cJSON_IsString(bn) && strcmp(bn->valuestring, bw[k].service) == 0)
                    tm = it;
            }
            if (k == 0)
                last[0] = '\0';
            if (tm != NULL) {
                sc = metric_value(tm, "success_count", &fs);
                fc = metric_value(tm, "failure_count", &ff);
            }
            bw[k].mesh_success = fs ? sc : NAN;
            bw[k].mesh_failure = ff ? fc : NAN;
            snprintf(subject, sizeof(subject), "backend %s: ", bw[k].service);
            if (me->absent) {
                if (fs && sc > 0) {
                    ok = false;
                    l += (size_t)snprintf(last + l, sizeof(last) - l, "%s%ssuccess_count %.0f",
                                          l ? "; " : "", subject, sc);
                }
                continue;
            }
            if (tm == NULL) {
                ok = false;
                l += (size_t)snprintf(last + l, sizeof(last) - l, "%s%sno item", l ? "; " : "",
                                      subject);
                continue;
            }
            if (me->counts) {
                bool match = fs && ff && sc == (double)bw[k].success && fc == (double)bw[k].failure;
                ok = ok && match;
                l += (size_t)snprintf(last + l, sizeof(last) - l,
                                      "%s%sexpected success_count %llu and failure_count %llu, "
                                      "observed %.0f and %.0f",
                                      l ? "; " : "", subject, (unsigned long long)bw[k].success,
                                      (unsigned long long)bw[k].failure, fs ? sc : NAN,
                                      ff ? fc : NAN);
            }
            if (ok && !isnan(me->latency_at_least_ms) && bw[k].success + bw[k].failure > 0 &&
                !latency_holds(x, me, tm, a, subject, last, sizeof(last))) {
                ok = false;
                l = strlen(last);
            }
        }
        if (j != NULL && l == 0)
            snprintf(last, sizeof(last), "%s",
                     me->absent ? "no backend has traffic" : "every backend agrees");
        cJSON_Delete(j);
        if (ok || sc_now_ns() >= deadline) {
            for (size_t k = 0; me->counts && k < nb; k++) {
                char fname[200];
                struct sc_figure *f;
                snprintf(fname, sizeof(fname), "%s success_count", bw[k].service);
                f = sc_assertion_add_figure(a, fname, "count");
                f->expected = (double)bw[k].success;
                f->observed = bw[k].mesh_success;
                snprintf(fname, sizeof(fname), "%s failure_count", bw[k].service);
                f = sc_assertion_add_figure(a, fname, "count");
                f->expected = (double)bw[k].failure;
                f->observed = bw[k].mesh_failure;
            }
            if (ok) {
                a->passed = true;
                sc_case_log(x->c, "  %s", last);
                return 0;
            }
            break;
        }
        sc_sleep_ms(METRICS_POLL_MS);
    }
    a->message = sc_xstrdup(last);
    fail_case(x, "%s: not within %ums; last seen: %s", what, x->r->o->timeout_ms, last);
    return -1;
}

static int step_expect_metrics(struct casectx *x, const struct sc_step *s)
{
    const struct sc_metrics_expect *me = &s->metrics;
    char path[512], what[512], last[512] = "no answer yet";
    uint64_t want_s = 0, want_f = 0, deadline;
    struct sc_assertion *a;
    struct sc_platform *p = x->r->p;
    const char *name = me->name ? me->name : x->ns;
    int mv = x->vs.v[3] ? x->vs.v[3] : 1;

    if (strcmp(me->resource, "trafficsplits") == 0)
        return step_expect_split_metrics(x, s);
    for (size_t i = 0; i < x->nobs; i++) {
        if (!pod_in_resource(x, me->resource, name, x->obs[i].dst_pod))
            continue;
        if (me->edges_from && strcmp(x->obs[i].src_workload, me->edges_from) != 0)
            continue;
        want_s += x->obs[i].success;
        want_f += x->obs[i].failure;
    }
    if (strcmp(me->resource, "namespaces") == 0)
        snprintf(path, sizeof(path), "/apis/metrics.smi-spec.io/v1alpha%d/namespaces/%s%s", mv,
                 name, me->edges_from ? "/edges" : "");
    else
        snprintf(path, sizeof(path), "/apis/metrics.smi-spec.io/v1alpha%d/namespaces/%s/%s/%s%s",
                 mv, x->ns, me->resource, name, me->edges_from ? "/edges" : "");
    if (x->obs_mixed && me->counts) {
        a = sc_case_add_assertion(x->c, "metrics", "metrics counts");
        a->message = sc_xstrdup("a batch mixed 2xx and 5xx answers: counts cannot be attributed");
        fail_case(x, "metrics counts: %s (send one status class per step)", a->message);
        return -1;
    }
    snprintf(what, sizeof(what), "metrics of %s/%s%s%s%s", me->resource, name,
             me->edges_from ? " on the edge from " : "", me->edges_from ? me->edges_from : "",
             me->absent ? " are absent" : " agree with the agent");
    sc_case_log(x->c, "expect %s (GET %s)", what, path);
    a = sc_case_add_assertion(x->c, "metrics", what);
    deadline = sc_now_ns() + (uint64_t)x->r->o->timeout_ms * 1000000ull;
    for (;;) {
        char *body = NULL;
        struct sc_err err;
        cJSON *j = NULL;
        const cJSON *tm = NULL;
        bool ok = false;

        sc_err_init(&err);
        if (p->ops->metrics(p, path, &body, &err) == 0)
            j = cJSON_Parse(body);
        free(body);
        if (j == NULL) {
            snprintf(last, sizeof(last), "%s", err.msg[0] ? err.msg : "not JSON");
        } else if (me->edges_from != NULL) {
            const cJSON *it;
            cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(j, "items"))
            {
                const cJSON *edge = cJSON_GetObjectItemCaseSensitive(it, "edge");
                const cJSON *res = cJSON_GetObjectItemCaseSensitive(edge, "resource");
                const cJSON *dir = cJSON_GetObjectItemCaseSensitive(edge, "direction");
                const cJSON *rn = cJSON_GetObjectItemCaseSensitive(res, "name");
                if (cJSON_IsString(dir) && strcmp(dir->valuestring, "from") == 0 &&
                    cJSON_IsString(rn) && strcmp(rn->valuestring, me->edges_from) == 0)
                    tm = it;
            }
            if (tm == NULL)
                snprintf(last, sizeof(last), "no edge from '%s'", me->edges_from);
        } else {
            tm = j;
        }
        if (me->absent) {
            bool found = false;
            double sc = tm ? metric_value(tm, "success_count", &found) : 0;
            ok = tm == NULL || !found || sc == 0;
            if (!ok)
                snprintf(last, sizeof(last), "metrics present: success_count %.0f", sc);
        } else if (tm != NULL) {
            bool fs, ff;
            double sc = metric_value(tm, "success_count", &fs);
            double fc = metric_value(tm, "failure_count", &ff);
            ok = true;
            if (me->counts)
                ok = fs && ff && sc == (double)want_s && fc == (double)want_f;
            snprintf(last, sizeof(last),
                     "success_count %.0f, failure_count %.0f (the agent saw %llu and %llu)", sc, fc,
                     (unsigned long long)want_s, (unsigned long long)want_f);
            if (ok && !isnan(me->latency_at_least_ms))
                ok = latency_holds(x, me, tm, a, "", last, sizeof(last));
            if (me->counts && ok) {
                struct sc_figure *f = sc_assertion_add_figure(a, "success_count", "count");
                f->expected = (double)want_s;
                f->observed = sc;
                f = sc_assertion_add_figure(a, "failure_count", "count");
                f->expected = (double)want_f;
                f->observed = fc;
            }
        }
        cJSON_Delete(j);
        if (ok) {
            a->passed = true;
            sc_case_log(x->c, "  %s", last);
            return 0;
        }
        if (sc_now_ns() >= deadline)
            break;
        sc_sleep_ms(METRICS_POLL_MS);
    }
    a->message = sc_xstrdup(last);
    fail_case(x, "%s: not within %ums; last seen: %s", what, x->r->o->timeout_ms, last);
    return -1;
}

/* ---- steps ---------------------------------------------------------------------------- */

static int step_apply(struct casectx *x, const struct sc_step *s)
{
    struct sc_platform *p = x->r->p;
    for (struct sc_doc *d = s->objects; d; d = d->next) {
        struct sc_doc_node *conv = NULL;
        struct sc_err err;
        cJSON *j;
        char *text;
        int rc;
        const char *kind = sc_doc_get_str(d->root, "kind");
        const char *name = sc_doc_get_str(sc_doc_get(d->root, "metadata"), "name");

        sc_err_init(&err);
        rc = convert_obj(d->root, &x->vs, x->ns, x->ns2, &conv, &err);
        if (rc != 0) {
            fail_case(x, "apply %s '%s': %s", kind, name, err.msg);
            return -1;
        }
        j = sc_doc_to_json(conv);
        text = cJSON_PrintUnformatted(j);
        cJSON_Delete(j);
        sc_case_log(x->c, "apply %s", text);
        {
            const char *ons = sc_doc_get_str(sc_doc_get(conv, "metadata"), "namespace");
            rc = p->ops->apply(p, ons ? ons : x->ns, text, &err);
        }
        free(text);
        sc_doc_node_free(conv);
        if (rc != 0) {
            fail_case(x, "apply %s '%s': %s", kind, name, err.msg);
            return -1;
        }
    }
    x->changed = true;
    return 0;
}

static int step_delete(struct casectx *x, const struct sc_step *s)
{
    struct sc_platform *p = x->r->p;
    for (size_t i = 0; i < s->ndel; i++) {
        int k = sc_smi_kind_parse(s->del_kinds[i]);
        enum sc_smi_group g = sc_smi_kind_group((enum sc_smi_kind)k);
        char api[96];
        struct sc_err err;
        snprintf(api, sizeof(api), "%s/v1alpha%d", sc_smi_group_name(g),
                 x->vs.v[smi_group_index(g)]);
        sc_err_init(&err);
        sc_case_log(x->c, "delete %s %s/%s", api, s->del_kinds[i], s->del_names[i]);
        if (p->ops->remove(p, x->ns, api, s->del_kinds[i], s->del_names[i], &err) != 0) {
            fail_case(x, "delete %s '%s': %s", s->del_kinds[i], s->del_names[i], err.msg);
            return -1;
        }
    }
    x->changed = true;
    return 0;
}

static void run_case(struct runner *r, size_t idx)
{
    struct sc_case *c = &r->run->cases[idx];
    const struct planned *pl = &r->plan[idx];
    struct sc_platform *p = r->p;
    struct casectx x;
    struct sc_err err;
    uint64_t t0 = sc_now_ns();
    bool ns_made = false, ns2_made = false;

    memset(&x, 0, sizeof(x));
    x.r = r;
    x.t = pl->test;
    x.c = c;
    x.vs = pl->vs;
    for (int i = 0; i < 4; i++)
        x.client_p[i] = NAN;
    snprintf(x.ns, sizeof(x.ns), "sc-%s-%zu-%.40s", r->o->run_id, idx, x.t->name);
    snprintf(x.ns2, sizeof(x.ns2), "sc-%s-%zu-b", r->o->run_id, idx);
    c->start_ms = sc_wall_ms();
    c->verdict = SC_PASSED;
    sc_err_init(&err);
    sc_case_log(c, "namespace %s", x.ns);
    if (p->ops->create_namespace(p, x.ns, &err) != 0) {
        fail_case(&x, "cannot create namespace: %s", err.msg);
        goto out;
    }
    ns_made = true;
    if (x.t->second_ns) {
        if (p->ops->create_namespace(p, x.ns2, &err) != 0) {
            fail_case(&x, "cannot create namespace: %s", err.msg);
            goto out;
        }
        ns2_made = true;
    }
#define CANCELLED() (r->o->cancel != NULL && atomic_load(r->o->cancel))
    for (size_t i = 0; i < x.t->nworkloads; i++)
        if (CANCELLED() || p->ops->deploy(p, x.t->workloads[i].second_ns ? x.ns2 : x.ns,
                                          &x.t->workloads[i], &err) != 0) {
            if (CANCELLED())
                fail_case(&x, "interrupted");
            else
                fail_case(&x, "cannot deploy workload '%s': %s", x.t->workloads[i].name, err.msg);
            goto out;
        }
    for (size_t i = 0; i < x.t->nservices; i++)
        if (CANCELLED() || p->ops->create_service(p, x.ns, &x.t->services[i], &err) != 0) {
            if (CANCELLED())
                fail_case(&x, "interrupted");
            else
                fail_case(&x, "cannot create service '%s': %s", x.t->services[i].name, err.msg);
            goto out;
        }
    if (CANCELLED()) {
        fail_case(&x, "interrupted");
        goto out;
    }
    if (p->ops->wait_ready(p, x.ns, r->o->timeout_ms * 3, &err) != 0 ||
        (ns2_made && p->ops->wait_ready(p, x.ns2, r->o->timeout_ms * 3, &err) != 0)) {
        fail_case(&x, "workloads not ready: %s", err.msg);
        goto out;
    }
    x.changed = true;
    for (size_t i = 0; i < x.t->nsteps; i++) {
        const struct sc_step *s = &x.t->steps[i];
        int rc = 0;
        if (r->o->cancel && atomic_load(r->o->cancel)) {
            fail_case(&x, "interrupted");
            break;
        }
        switch (s->kind) {
        case SC_STEP_APPLY:
            rc = step_apply(&x, s);
            break;
        case SC_STEP_DELETE:
            rc = step_delete(&x, s);
            break;
        case SC_STEP_SEND:
            rc = step_send(&x, s);
            break;
        case SC_STEP_EXPECT:
            if (s->expect == SC_EXPECT_ACCESS)
                rc = step_expect_access(&x, s);
            else if (s->expect == SC_EXPECT_SPLIT)
                rc = step_expect_split(&x, s);
            else
                rc = step_expect_metrics(&x, s);
            break;
        }
        if (rc != 0)
            break;
    }
out:
    if (c->verdict == SC_FAILED && ns_made)
        p->ops->diagnostics(p, x.ns, &c->diagnostics);
    if (!r->o->keep) {
        if (ns_made && p->ops->delete_namespace(p, x.ns, &err) != 0)
            sc_log_warn("runner", "cannot delete namespace '%s': %s", x.ns, err.msg);
        if (ns2_made && p->ops->delete_namespace(p, x.ns2, &err) != 0)
            sc_log_warn("runner", "cannot delete namespace '%s': %s", x.ns2, err.msg);
    }
    for (size_t i = 0; i < x.nobs; i++) {
        free(x.obs[i].src_workload);
        free(x.obs[i].to_service);
        free(x.obs[i].dst_pod);
    }
    free(x.obs);
    free(x.client_hist);
    c->duration_ns = sc_now_ns() - t0;
}

static void *worker(void *arg)
{
    struct runner *r = arg;
    for (;;) {
        size_t idx;
        pthread_mutex_lock(&r->mu);
        while (r->next < r->run->ncases && r->run->cases[r->next].verdict == SC_SKIPPED &&
               r->run->cases[r->next].message != NULL)
            r->next++;
        if (r->next >= r->run->ncases || (r->o->cancel && atomic_load(r->o->cancel))) {
            pthread_mutex_unlock(&r->mu);
            return NULL;
        }
        idx = r->next++;
        pthread_mutex_unlock(&r->mu);
        run_case(r, idx);
        pthread_mutex_lock(&r->mu);
        r->done++;
        if (r->o->progress)
            r->o->progress(r->o->progress_ud, r->done, r->torun, &r->run->cases[idx]);
        pthread_mutex_unlock(&r->mu);
    }
}

int sc_runner_execute(struct sc_platform *p, struct sc_test *const *tests, size_t ntests,
                      const struct sc_runner_opts *o, struct sc_run *run, struct sc_err *err)
{
    struct runner r;
    pthread_t tids[64];
    unsigned n = o->parallel ? o->parallel : 1;

    (void)err;
    if (n > 64)
        n = 64;
    memset(&r, 0, sizeof(r));
    r.p = p;
    r.o = o;
    r.run = run;
    r.plan = plan_of(run, tests, ntests, p);
    pthread_mutex_init(&r.mu, NULL);
    for (size_t i = 0; i < run->ncases; i++)
        if (!(run->cases[i].verdict == SC_SKIPPED && run->cases[i].message != NULL))
            r.torun++;
    for (unsigned i = 0; i < n; i++)
        pthread_create(&tids[i], NULL, worker, &r);
    for (unsigned i = 0; i < n; i++)
        pthread_join(tids[i], NULL);
    /* Cases never started (cancelled) are reported as skipped with the reason. */
    for (size_t i = 0; i < run->ncases; i++) {
        struct sc_case *c = &run->cases[i];
        if (c->verdict == SC_SKIPPED && c->message == NULL) {
            c->message = sc_xstrdup("not run: the run was interrupted");
        }
    }
    pthread_mutex_destroy(&r.mu);
    free(r.plan);
    return 0;
}
