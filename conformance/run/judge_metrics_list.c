/* judge_metrics_list.c - expect metrics of a list: GET .../namespaces/NS/{pods|deployments},
 * with the expectation's labelSelector, lists every selected resource that served traffic
 * with its own counts, and nothing the selector does not match. The spec (smi-spec
 * apis/traffic-metrics/v1alpha1/traffic-metrics.md): "For supported resources, it is
 * possible to use a label selector as a filter", and "the label selector does *not* filter
 * the metrics themselves, only the items that show up in the list". */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "run/case.h"
#include "run/judge_metrics.h"

#define LIST_WANTS_MAX 64

/* What one selected resource (a pod, a deployment) should report, and what it last did. */
struct list_want {
    char name[128];
    struct sc_want s, f;
    double mesh_s, mesh_f; /* NaN until listed */
    bool listed;           /* in the last answer */
};

struct list_poll {
    const struct sc_metrics_expect *me;
    bool pods; /* pods, else deployments */
    char path[600];
    struct list_want w[LIST_WANTS_MAX];
    size_t n;
};

/* Label key of workload w: its labels, and "version" from its version. */
static const char *workload_label(const struct sc_workload *w, const char *key)
{
    for (size_t i = 0; i < w->nlabels; i++)
        if (strcmp(w->labels[i].key, key) == 0)
            return w->labels[i].value;
    return strcmp(key, "version") == 0 ? w->version : NULL;
}

/* Does the selector (k: v, all must hold) match workload w's pods and its Deployment? */
static bool workload_selected(const struct sc_workload *w, const struct sc_metrics_expect *me)
{
    for (size_t i = 0; i < me->nselector; i++) {
        const char *v = workload_label(w, me->selector[i].key);
        if (v == NULL || strcmp(v, me->selector[i].value) != 0)
            return false;
    }
    return true;
}

/* The workload of a listed resource, or NULL when it is not one of the test's. */
static const struct sc_workload *workload_of_item(const struct sc_casectx *x,
                                                  const struct list_poll *lp, const char *name)
{
    const struct sc_workload *w = lp->pods ? sc_runner_workload_of_pod(x->t, name, strlen(name))
                                           : sc_test_workload(x->t, name);
    return w != NULL && !w->second_ns ? w : NULL;
}

static struct list_want *want_of(struct list_poll *lp, const char *name, bool add)
{
    for (size_t i = 0; i < lp->n; i++)
        if (strcmp(lp->w[i].name, name) == 0)
            return &lp->w[i];
    if (!add || lp->n == LIST_WANTS_MAX)
        return NULL;
    memset(&lp->w[lp->n], 0, sizeof(lp->w[0]));
    snprintf(lp->w[lp->n].name, sizeof(lp->w[0].name), "%s", name);
    lp->w[lp->n].mesh_s = lp->w[lp->n].mesh_f = NAN;
    return &lp->w[lp->n++];
}

/* Each selected resource with the requests the agents saw answered by its pods. A list may
 * include resources no `send` went to, which a scraped API may not have counted at all:
 * their series were born by probes and never warmed up (a series counts from its first
 * sample), so from such an API they are expected from 0. */
static void list_wants(const struct sc_casectx *x, struct list_poll *lp)
{
    bool scraped = !x->r->p->metrics_exact;
    for (size_t i = 0; i < x->nobs; i++) {
        const struct sc_observed *ob = &x->obs[i];
        const struct sc_workload *w =
            sc_runner_workload_of_pod(x->t, ob->dst_pod, strlen(ob->dst_pod));
        struct sc_want s = {0, 0}, f = {0, 0};
        struct list_want *lw;
        if (w == NULL || w->second_ns || !workload_selected(w, lp->me))
            continue;
        lw = want_of(lp, lp->pods ? ob->dst_pod : w->name, true);
        if (lw == NULL)
            continue;
        sc_runner_add_counted(ob, &s, &f);
        lw->s.lo += scraped && !ob->based_success ? 0 : s.lo;
        lw->s.hi += s.hi;
        lw->f.lo += scraped && !ob->based_failure ? 0 : f.lo;
        lw->f.hi += f.hi;
    }
}

/* Append a formatted note to last, after "; " when it says something already. */
static void note(char *last, size_t len, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void note(char *last, size_t len, const char *fmt, ...)
{
    size_t l = strlen(last);
    va_list ap;
    if (l != 0 && l + 2 < len)
        snprintf(last + l, len - l, "; ");
    l = strlen(last);
    va_start(ap, fmt);
    vsnprintf(last + l, len - l, fmt, ap);
    va_end(ap);
}

/* Judge one item of the list; false with a note in last when it does not hold. */
static bool item_holds(struct sc_casectx *x, struct list_poll *lp, const cJSON *it, char *last,
                       size_t len)
{
    const cJSON *rn =
        cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(it, "resource"), "name");
    const struct sc_want none = {0, 0};
    const struct sc_workload *w;
    struct list_want *lw;
    bool fs, ff;
    double sc, fc;

    if (!cJSON_IsString(rn))
        return true;
    sc = sc_runner_metric_value(it, "success_count", &fs);
    fc = sc_runner_metric_value(it, "failure_count", &ff);
    lw = want_of(lp, rn->valuestring, false);
    if (lw != NULL) {
        lw->listed = true;
        lw->mesh_s = fs ? sc : NAN;
        lw->mesh_f = ff ? fc : NAN;
        if (fs && ff && sc_runner_count_within(x->r->p, sc, lw->s) &&
            sc_runner_count_within(x->r->p, fc, lw->f))
            return true;
        note(last, len, "%s: success_count %.0f, failure_count %.0f (the agent saw ",
             rn->valuestring, fs ? sc : NAN, ff ? fc : NAN);
        sc_runner_want_text(lw->s, last, len);
        snprintf(last + strlen(last), len - strlen(last), " and ");
        sc_runner_want_text(lw->f, last, len);
        snprintf(last + strlen(last), len - strlen(last), ")");
        return false;
    }
    w = workload_of_item(x, lp, rn->valuestring);
    if (w == NULL)
        return true; /* not one of the test's: nothing to say about it */
    if (!workload_selected(w, lp->me)) {
        note(last, len, "lists %s, which the selector does not match", rn->valuestring);
        return false;
    }
    /* selected, but served nothing the agents saw: listed with no traffic, or not at all */
    if ((fs && !sc_runner_count_within(x->r->p, sc, none)) ||
        (ff && !sc_runner_count_within(x->r->p, fc, none))) {
        note(last, len, "%s: success_count %.0f, failure_count %.0f, the agent saw none",
             rn->valuestring, sc, fc);
        return false;
    }
    return true;
}

static enum sc_attempt list_attempt(struct sc_casectx *x, void *ud, char *last, size_t len)
{
    struct list_poll *lp = ud;
    const cJSON *items, *it;
    size_t nitems = 0;
    bool ok = true;
    int rc;
    cJSON *j;

    sc_runner_metrics_path(x, lp->me, NULL, lp->path, sizeof(lp->path));
    j = sc_runner_metrics_get(x, lp->path, &rc, last, len);
    if (j == NULL && rc != SC_ENOTFOUND)
        return SC_ATTEMPT_FAILED;
    items = cJSON_GetObjectItemCaseSensitive(j, "items");
    if (j != NULL && !cJSON_IsArray(items)) {
        snprintf(last, len, "not a TrafficMetricsList (no items)");
        cJSON_Delete(j);
        return SC_ATTEMPT_NOT_YET;
    }
    last[0] = '\0';
    for (size_t i = 0; i < lp->n; i++)
        lp->w[i].listed = false;
    cJSON_ArrayForEach(it, items)
    {
        bool held = item_holds(x, lp, it, last, len);
        ok = ok && held;
        nitems++;
    }
    /* A resource whose series may have missed what it served can be left out of a scraped
     * API's list (lo = 0); any other must be listed. */
    for (size_t i = 0; i < lp->n; i++)
        if (!lp->w[i].listed && lp->w[i].s.lo + lp->w[i].f.lo > 0) {
            note(last, len, "no item for %s", lp->w[i].name);
            ok = false;
        }
    if (ok)
        snprintf(last, len,
                 "%zu items; every selected resource with traffic listed with its counts", nitems);
    cJSON_Delete(j);
    return ok ? SC_ATTEMPT_HOLDS : SC_ATTEMPT_NOT_YET;
}

int sc_judge_metrics_list(struct sc_casectx *x, const struct sc_step *s)
{
    const struct sc_metrics_expect *me = &s->metrics;
    struct list_poll *lp = sc_xcalloc(1, sizeof(*lp));
    char what[512], sel[256] = "", last[1024] = "no answer yet";
    struct sc_poll p = {
        .interval_ms = SC_METRICS_POLL_MS, .fn = list_attempt, .last = last, .len = sizeof(last)};
    struct sc_assertion *a;
    int rc;

    lp->me = me;
    lp->pods = strcmp(me->resource, "pods") == 0;
    p.ud = lp;
    for (size_t i = 0; i < me->nselector; i++)
        snprintf(sel + strlen(sel), sizeof(sel) - strlen(sel), "%s%s=%s", i ? "," : "",
                 me->selector[i].key, me->selector[i].value);
    snprintf(what, sizeof(what), "metrics list of %s%s%s%s agrees with the agent", me->resource,
             sel[0] ? " selected by " : "", sel, sel[0] ? "" : " (no selector)");
    a = sc_case_add_assertion(x->c, "metrics", what);
    if (x->obs_mixed) {
        free(lp);
        return sc_runner_metrics_refuse_mixed(x, a);
    }
    list_wants(x, lp);
    sc_runner_metrics_path(x, me, NULL, lp->path, sizeof(lp->path));
    sc_case_log(x->c, "expect %s (GET %s)", what, lp->path);
    p.timeout_ms = sc_runner_metrics_timeout_ms(x);
    p.consecutive = sc_runner_metrics_agreeing(x);
    rc = sc_runner_poll(x, &p);
    for (size_t i = 0; i < lp->n; i++) {
        char fname[200];
        struct sc_figure *f;
        snprintf(fname, sizeof(fname), "%s success_count", lp->w[i].name);
        f = sc_assertion_add_figure(a, fname, "count");
        f->expected = (double)lp->w[i].s.hi;
        f->observed = lp->w[i].mesh_s;
        snprintf(fname, sizeof(fname), "%s failure_count", lp->w[i].name);
        f = sc_assertion_add_figure(a, fname, "count");
        f->expected = (double)lp->w[i].f.hi;
        f->observed = lp->w[i].mesh_f;
    }
    free(lp);
    return sc_runner_metrics_conclude(x, s, a, rc, &p);
}
