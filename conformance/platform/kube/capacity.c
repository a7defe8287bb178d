/* capacity.c - how many cases a cluster takes at once: its schedulable nodes' CPUs. */
#include <cjson/cJSON.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "base/util.h"
#include "platform/kube/kube_ops.h"

#define PARALLEL_MIN     2u
#define PARALLEL_MAX     16u
#define PARALLEL_UNKNOWN 4u

/* Does the scheduler place ordinary pods on this node? Ready, not cordoned, and no taint
 * that repels pods without a toleration (NoSchedule, NoExecute), as the fixtures have none. */
static bool schedulable(const cJSON *node)
{
    const cJSON *spec = cJSON_GetObjectItemCaseSensitive(node, "spec"), *t, *c;
    const cJSON *st = cJSON_GetObjectItemCaseSensitive(node, "status");
    bool ready = false;
    if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(spec, "unschedulable")))
        return false;
    cJSON_ArrayForEach(t, cJSON_GetObjectItemCaseSensitive(spec, "taints"))
    {
        const char *e = sc_kube_jstr(t, "effect");
        if (e != NULL && (strcmp(e, "NoSchedule") == 0 || strcmp(e, "NoExecute") == 0))
            return false;
    }
    cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(st, "conditions"))
    {
        const char *type = sc_kube_jstr(c, "type"), *s = sc_kube_jstr(c, "status");
        if (type != NULL && strcmp(type, "Ready") == 0)
            ready = s != NULL && strcmp(s, "True") == 0;
    }
    return ready;
}

/*
 * A case mostly waits on the cluster (pods scheduled and turning ready, the mesh's control
 * plane pushing configuration), so the harness's own CPUs say nothing about how many run
 * well at once; the cluster's do. Each case runs up to PODS_PER_CASE pods, and the runner
 * sets up a worker's next case while the current one runs: with P workers, 2P cases' pods
 * exist at once. P is the least of: two per allocatable CPU (fixtures and sidecars mostly
 * idle), what the nodes' pod slots hold (allocatable pods, 110 per node by default), and,
 * when the mesh's sidecars request CPU by default (the profile's sidecarCPU: Istio's 100m;
 * Linkerd's proxy requests none), what the CPUs can grant them; between 2 and 16. Without the
 * permission to list nodes (or without a schedulable one), 4.
 */
#define PODS_PER_CASE 6u

void sc_kube_capacity(struct sc_kube *k)
{
    unsigned long milli = 0, pods = 0, p, by_pods, by_requests = ULONG_MAX;
    unsigned nodes = 0, total = 0;
    struct sc_err err;
    const cJSON *n;
    cJSON *list;

    sc_err_init(&err);
    list = sc_kube_get_json(k, "/api/v1/nodes", &err);
    if (list == NULL) {
        k->base.parallel_hint = PARALLEL_UNKNOWN;
        snprintf(k->parallel_why, sizeof(k->parallel_why),
                 "the cluster's nodes cannot be read: %.150s", err.msg);
        sc_log_warn("kube", "%s; %u cases at once unless --parallel says otherwise",
                    k->parallel_why, PARALLEL_UNKNOWN);
        return;
    }
    cJSON_ArrayForEach(n, cJSON_GetObjectItemCaseSensitive(list, "items"))
    {
        const cJSON *alloc = cJSON_GetObjectItemCaseSensitive(
            cJSON_GetObjectItemCaseSensitive(n, "status"), "allocatable");
        unsigned long m = 0, np = 0;
        total++;
        if (!schedulable(n))
            continue;
        nodes++;
        if (sc_parse_millicores(sc_kube_jstr(alloc, "cpu"), &m) == 0)
            milli += m;
        if (sc_parse_millicores(sc_kube_jstr(alloc, "pods"), &np) == 0)
            pods += np / 1000; /* a plain count, read as a quantity */
    }
    cJSON_Delete(list);
    p = 2 * (milli / 1000);
    by_pods = pods / (2 * PODS_PER_CASE);
    if (pods > 0 && by_pods < p)
        p = by_pods;
    if (k->prof->sidecar_millicpu > 0) {
        by_requests = milli / (2 * PODS_PER_CASE * k->prof->sidecar_millicpu);
        if (by_requests < p)
            p = by_requests;
    }
    p = p < PARALLEL_MIN ? PARALLEL_MIN : p > PARALLEL_MAX ? PARALLEL_MAX : p;
    if (nodes == 0 || milli == 0)
        p = PARALLEL_UNKNOWN;
    k->base.parallel_hint = (unsigned)p;
    snprintf(k->parallel_why, sizeof(k->parallel_why),
             "%.1f allocatable CPUs and %lu pod slots on %u schedulable of %u nodes%s",
             (double)milli / 1000.0, pods, nodes, total,
             k->prof->sidecar_millicpu > 0 ? ", sidecars requesting CPU" : "");
    sc_log_info("kube", "cluster capacity: %s", k->parallel_why);
}
