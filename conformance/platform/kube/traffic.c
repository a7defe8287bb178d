/* traffic.c - traffic plans to the agents through the pod proxy, metrics through the API. */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "platform/kube/kube_ops.h"

#define TRAFFIC_TIMEOUT 600000u /* a plan may run minutes; the agent bounds it too */

int sc_kube_op_traffic(struct sc_platform *p, const char *ns, const char *workload, unsigned idx,
                       const char *plan_json, char **result, struct sc_err *err)
{
    struct sc_kube *k = (struct sc_kube *)p;
    char pod[256], path[768], *body;
    struct sc_kube_resp r;
    cJSON *plan;
    int rc;

    *result = NULL;
    rc = sc_kube_ready_pod(k, ns, workload, idx, pod, sizeof(pod), err);
    if (rc != 0)
        return rc;
    plan = cJSON_Parse(plan_json);
    if (plan == NULL)
        return sc_err_set(err, SC_EINVAL, "the traffic plan is not JSON");
    /* In a cluster the mesh intercepts transparently: no explicit proxy or relay. Targets
     * "SERVICE.NS:PORT" resolve through the pod's DNS search path. */
    cJSON_DeleteItemFromObjectCaseSensitive(plan, "proxy");
    cJSON_DeleteItemFromObjectCaseSensitive(plan, "relay");
    body = cJSON_PrintUnformatted(plan);
    cJSON_Delete(plan);
    if (body == NULL)
        return sc_err_set(err, SC_ENOMEM, "cannot write the traffic plan");
    snprintf(path, sizeof(path), "/api/v1/namespaces/%s/pods/%s:%d/proxy/v1/traffic", ns, pod,
             k->prof->agent_port);
    rc = sc_kube_do(k->c, "POST", path, "application/json", body, TRAFFIC_TIMEOUT, &r, err);
    free(body);
    if (rc != 0)
        return sc_err_prefix(err, "agent %s/%s", ns, pod);
    if (r.status != 200) {
        cJSON *j = cJSON_Parse(r.body);
        const char *e = sc_kube_jstr(j, "error");
        if (e != NULL)
            rc = sc_err_set(err, SC_EPROTO, "agent %s/%s answered %ld: %s", ns, pod, r.status, e);
        else
            rc = sc_kube_status_error("POST", path, r.status, r.body, err);
        cJSON_Delete(j);
        sc_kube_resp_release(&r);
        return rc;
    }
    *result = r.body;
    return 0;
}

int sc_kube_op_metrics(struct sc_platform *p, const char *path, char **json, struct sc_err *err)
{
    struct sc_kube *k = (struct sc_kube *)p;
    *json = NULL;
    if (strncmp(path, "/apis/metrics.smi-spec.io/", 26) != 0)
        return sc_err_set(err, SC_EINVAL, "'%s' is not a metrics.smi-spec.io path", path);
    return sc_kube_call(k->c, "GET", path, NULL, NULL, json, NULL, err);
}
