/* metrics_expect.c - reading a metrics expectation: what it names and what it checks. */
#include "suite/metrics_expect.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "suite/fields.h"

/* window: a duration of whole seconds, 1 s to 600 s (the ?t= the metrics API takes). */
static int parse_window(const char *file, const struct sc_doc_node *m, struct sc_metrics_expect *me,
                        struct sc_err *err)
{
    const struct sc_doc_node *w = sc_doc_get(m, "window");
    uint64_t ns;
    struct sc_err perr;
    if (w == NULL)
        return 0;
    sc_err_init(&perr);
    if (w->type != SC_DOC_STR || sc_parse_duration_ns(w->text, &ns, &perr) != 0 ||
        ns % 1000000000u != 0 || ns < 1000000000u || ns > 600000000000u)
        return sc_sf_fail(err, file, w,
                          "window must be a duration of whole seconds from 1s to 600s (e.g. 2s)");
    me->window_s = (unsigned)(ns / 1000000000u);
    return 0;
}

/* What is named: a resource, one of its edges, or (pods and deployments without a name) the
 * list of the test namespace's resources of that kind, with an optional label selector. */
static int check_subject(const char *file, const struct sc_doc_node *m,
                         struct sc_metrics_expect *me, struct sc_err *err)
{
    bool split = strcmp(me->resource, "trafficsplits") == 0;
    bool edge = me->edges_from != NULL || me->edges_to != NULL;
    me->list = me->name == NULL &&
               (strcmp(me->resource, "pods") == 0 || strcmp(me->resource, "deployments") == 0);
    if (split && me->name == NULL)
        return sc_sf_fail(err, file, m,
                          "a trafficsplits expectation needs 'name' (the TrafficSplit)");
    if (split && edge)
        return sc_sf_fail(err, file, m,
                          "edgesFrom/edgesTo do not apply to trafficsplits (their items are per "
                          "backend)");
    if (me->edges_from != NULL && me->edges_to != NULL)
        return sc_sf_fail(err, file, sc_doc_get(m, "edgesTo"),
                          "give edgesFrom or edgesTo, not both: each names one edge");
    if (me->edges_from != NULL && strcmp(me->resource, "pods") == 0)
        return sc_sf_fail(err, file, sc_doc_get(m, "edgesFrom"),
                          "edgesFrom names a workload: use it with deployments or namespaces");
    if (me->edges_to != NULL && strcmp(me->resource, "deployments") != 0)
        return sc_sf_fail(err, file, sc_doc_get(m, "edgesTo"),
                          "edgesTo names a workload: use it with deployments");
    if (me->nselector > 0 && !me->list)
        return sc_sf_fail(err, file, sc_doc_get(m, "selector"),
                          "selector filters a list: use it with pods or deployments and no name");
    if (me->list && (edge || me->absent || !isnan(me->latency_at_least_ms) || !me->counts))
        return sc_sf_fail(err, file, m,
                          "a list of %s (no name) checks success and failure counts only",
                          me->resource);
    return 0;
}

int sc_suite_parse_metrics(const char *file, const struct sc_doc_node *m,
                           struct sc_metrics_expect *me, struct sc_err *err)
{
    static const char *const keys[] = {"resource", "name",   "edgesFrom", "edgesTo",
                                       "selector", "window", "success",   "failure",
                                       "latency",  "absent", NULL};
    static const char *const resources[] = {"pods", "deployments", "namespaces", "trafficsplits",
                                            NULL};
    const struct sc_doc_node *lat;
    bool ok = false;
    me->latency_at_least_ms = NAN;
    if (sc_sf_check_keys(file, m, "metrics", keys, err) ||
        sc_sf_get_string(file, m, "resource", true, &me->resource, err) ||
        sc_sf_get_string(file, m, "name", false, &me->name, err) ||
        sc_sf_get_string(file, m, "edgesFrom", false, &me->edges_from, err) ||
        sc_sf_get_string(file, m, "edgesTo", false, &me->edges_to, err) ||
        sc_sf_get_kvs(file, m, "selector", &me->selector, &me->nselector, err) ||
        sc_sf_get_bool(file, m, "absent", &me->absent, err) || parse_window(file, m, me, err))
        return SC_EINVAL;
    for (const char *const *r = resources; *r; r++)
        ok = ok || strcmp(*r, me->resource) == 0;
    if (!ok)
        return sc_sf_fail(
            err, file, sc_doc_get(m, "resource"),
            "unknown metrics resource '%s' (expected pods, deployments, namespaces or "
            "trafficsplits)",
            me->resource);
    for (int i = 0; i < 2; i++) {
        const char *k = i ? "failure" : "success";
        const char *v = sc_doc_get_str(m, k);
        if (v == NULL)
            continue;
        if (strcmp(v, "observed") != 0)
            return sc_sf_fail(err, file, sc_doc_get(m, k), "'%s' must be 'observed'", k);
        me->counts = true;
    }
    lat = sc_doc_get(m, "latency");
    if (lat != NULL) {
        static const char *const lk[] = {"atLeastMs", NULL};
        if (sc_sf_check_keys(file, lat, "latency", lk, err) ||
            sc_sf_get_number(file, sc_doc_get(lat, "atLeastMs"), "latency.atLeastMs",
                             &me->latency_at_least_ms, err))
            return SC_EINVAL;
    }
    if (!me->counts && !me->absent && isnan(me->latency_at_least_ms))
        return sc_sf_fail(err, file, m,
                          "metrics expectation checks nothing: give success/failure, "
                          "latency or absent");
    return check_subject(file, m, me, err);
}

void sc_metrics_expect_release(struct sc_metrics_expect *me)
{
    free(me->resource);
    free(me->name);
    free(me->edges_from);
    free(me->edges_to);
    sc_sf_free_kvs(me->selector, me->nselector);
}
