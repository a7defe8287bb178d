/* judge_metrics_split.c - expect metrics of a TrafficSplit: per backend, the requests the
 * split routed there, as the agents saw them answered by that backend's pods. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "run/case.h"
#include "run/judge_metrics.h"

#define SPLIT_BACKENDS_MAX 16

/* The expected traffic of one backend of a split, and what the mesh last reported. */
struct split_backend_want {
    const char *service;
    struct sc_want success, failure;
    double mesh_success, mesh_failure; /* NaN until reported */
};

struct split_poll {
    const struct sc_metrics_expect *me;
    char path[512]; /* of the last attempt */
    struct sc_assertion *a;
    struct split_backend_want bw[SPLIT_BACKENDS_MAX];
    size_t nb;
};

/* The spec of the TrafficSplit `name` as last applied before step s, or NULL. */
static const struct sc_doc_node *split_spec(const struct sc_test *t, const struct sc_step *s,
                                            const char *name)
{
    const struct sc_doc_node *spec = NULL;
    for (const struct sc_step *st = t->steps; st < s; st++)
        for (const struct sc_doc *d = st->objects; d; d = d->next) {
            const char *kind = sc_doc_get_str(d->root, "kind");
            const char *nm = sc_doc_get_str(sc_doc_get(d->root, "metadata"), "name");
            if (kind && nm && strcmp(kind, "TrafficSplit") == 0 && strcmp(nm, name) == 0)
                spec = sc_doc_get(d->root, "spec");
        }
    return spec;
}

/* Each backend of the split with the requests the agents saw answered by its pods in sends to
 * the split's root service. */
static void split_wants(const struct sc_casectx *x, const struct sc_doc_node *spec,
                        const char *root, struct split_poll *sp)
{
    const struct sc_doc_node *bs = sc_doc_get(spec, "backends");
    for (const struct sc_doc_node *b = bs ? bs->child : NULL; b && sp->nb < SPLIT_BACKENDS_MAX;
         b = b->next) {
        const char *svc = sc_doc_get_str(b, "service");
        if (svc == NULL || sc_test_service(x->t, svc) == NULL)
            continue;
        sp->bw[sp->nb].service = svc;
        memset(&sp->bw[sp->nb].success, 0, sizeof(sp->bw[sp->nb].success));
        memset(&sp->bw[sp->nb].failure, 0, sizeof(sp->bw[sp->nb].failure));
        sp->bw[sp->nb].mesh_success = sp->bw[sp->nb].mesh_failure = NAN;
        sp->nb++;
    }
    for (size_t i = 0; i < x->nobs; i++) {
        const struct sc_workload *w;
        if (strcmp(x->obs[i].to_service, root) != 0)
            continue;
        w = sc_runner_workload_of_pod(x->t, x->obs[i].dst_pod, strlen(x->obs[i].dst_pod));
        for (size_t k = 0; w && k < sp->nb; k++)
            if (sc_service_selects(sc_test_service(x->t, sp->bw[k].service), w)) {
                sc_runner_add_counted(&x->obs[i], &sp->bw[k].success, &sp->bw[k].failure);
                break;
            }
    }
}

/* The item of backend `service` in a trafficsplits answer, or NULL. */
static const cJSON *backend_item(const cJSON *j, const char *service)
{
    const cJSON *it, *tm = NULL;
    cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(j, "items"))
    {
        const cJSON *be = cJSON_GetObjectItemCaseSensitive(it, "backend");
        const cJSON *bn = cJSON_GetObjectItemCaseSensitive(be, "name");
        if (cJSON_IsString(bn) && strcmp(bn->valuestring, service) == 0)
            tm = it;
    }
    return tm;
}

/* Judge one backend's item; appends why it does not hold to last at *l. */
static bool backend_holds(struct sc_casectx *x, struct split_poll *sp, struct split_backend_want *w,
                          const cJSON *tm, char *last, size_t len, size_t *l)
{
    const struct sc_metrics_expect *me = sp->me;
    char subject[160];
    bool fs = false, ff = false, ok = true;
    double sc = 0, fc = 0;

    if (tm != NULL) {
        sc = sc_runner_metric_value(tm, "success_count", &fs);
        fc = sc_runner_metric_value(tm, "failure_count", &ff);
    }
    w->mesh_success = fs ? sc : NAN;
    w->mesh_failure = ff ? fc : NAN;
    snprintf(subject, sizeof(subject), "backend %s: ", w->service);
    if (me->absent) {
        if (fs && sc > 0)
            *l += (size_t)snprintf(last + *l, len - *l, "%s%ssuccess_count %.0f", *l ? "; " : "",
                                   subject, sc);
        return !(fs && sc > 0);
    }
    if (tm == NULL) {
        *l += (size_t)snprintf(last + *l, len - *l, "%s%sno item", *l ? "; " : "", subject);
        return false;
    }
    if (me->counts) {
        ok = fs && ff && sc_runner_count_within(x->r->p, sc, w->success) &&
             sc_runner_count_within(x->r->p, fc, w->failure);
        *l += (size_t)snprintf(last + *l, len - *l, "%s%sexpected success_count ", *l ? "; " : "",
                               subject);
        sc_runner_want_text(w->success, last, len);
        snprintf(last + strlen(last), len - strlen(last), " and failure_count ");
        sc_runner_want_text(w->failure, last, len);
        snprintf(last + strlen(last), len - strlen(last), ", observed %.0f and %.0f", fs ? sc : NAN,
                 ff ? fc : NAN);
        *l = strlen(last);
    }
    if (ok && !isnan(me->latency_at_least_ms) && w->success.hi + w->failure.hi > 0 &&
        !sc_runner_latency_holds(x, me, tm, sp->a, subject, last, len)) {
        ok = false;
        *l = strlen(last);
    }
    return ok;
}

static enum sc_attempt split_attempt(struct sc_casectx *x, void *ud, char *last, size_t len)
{
    struct split_poll *sp = ud;
    int rc;
    cJSON *j;
    bool ok = true;
    size_t l = 0;

    sc_runner_metrics_path(x, sp->me, sp->me->name, sp->path, sizeof(sp->path));
    j = sc_runner_metrics_get(x, sp->path, &rc, last, len);

    if (j == NULL && rc != SC_ENOTFOUND)
        return SC_ATTEMPT_FAILED;
    if (j == NULL) /* no such split in the metrics: nothing is reported, all `absent` asks */
        return sp->me->absent ? SC_ATTEMPT_HOLDS : SC_ATTEMPT_NOT_YET;
    last[0] = '\0';
    for (size_t k = 0; k < sp->nb && l < len; k++) {
        bool held =
            backend_holds(x, sp, &sp->bw[k], backend_item(j, sp->bw[k].service), last, len, &l);
        ok = ok && held;
    }
    if (l == 0)
        snprintf(last, len, "%s",
                 sp->me->absent ? "no backend has traffic" : "every backend agrees");
    cJSON_Delete(j);
    return ok ? SC_ATTEMPT_HOLDS : SC_ATTEMPT_NOT_YET;
}

int sc_judge_split_metrics(struct sc_casectx *x, const struct sc_step *s)
{
    const struct sc_metrics_expect *me = &s->metrics;
    const struct sc_doc_node *spec = split_spec(x->t, s, me->name);
    const char *root = sc_doc_get_str(spec, "service");
    char what[512], last[1024] = "no answer yet";
    struct split_poll sp = {.me = me};
    struct sc_poll p = {.interval_ms = SC_METRICS_POLL_MS,
                        .fn = split_attempt,
                        .ud = &sp,
                        .last = last,
                        .len = sizeof(last)};
    int rc;

    snprintf(what, sizeof(what), "metrics of trafficsplits/%s per backend %s", me->name,
             me->absent ? "are absent" : "agree with the agent");
    sp.a = sc_case_add_assertion(x->c, "metrics", what);
    if (root == NULL) {
        sp.a->message = sc_xstrdup("no TrafficSplit of that name was applied before this step");
        sc_runner_fail(x, "%s: %s", what, sp.a->message);
        return -1;
    }
    split_wants(x, spec, root, &sp);
    if (x->obs_mixed && me->counts)
        return sc_runner_metrics_refuse_mixed(x, sp.a);
    sc_runner_metrics_path(x, me, me->name, sp.path, sizeof(sp.path));
    sc_case_log(x->c, "expect %s (GET %s)", what, sp.path);
    p.timeout_ms = sc_runner_metrics_timeout_ms(x);
    p.consecutive = sc_runner_metrics_agreeing(x);
    rc = sc_runner_poll(x, &p);
    for (size_t k = 0; me->counts && k < sp.nb; k++) {
        char fname[200];
        struct sc_figure *f;
        snprintf(fname, sizeof(fname), "%s success_count", sp.bw[k].service);
        f = sc_assertion_add_figure(sp.a, fname, "count");
        f->expected = (double)sp.bw[k].success.hi;
        f->observed = sp.bw[k].mesh_success;
        snprintf(fname, sizeof(fname), "%s failure_count", sp.bw[k].service);
        f = sc_assertion_add_figure(sp.a, fname, "count");
        f->expected = (double)sp.bw[k].failure.hi;
        f->observed = sp.bw[k].mesh_failure;
    }
    return sc_runner_metrics_conclude(x, s, sp.a, rc, &p);
}
