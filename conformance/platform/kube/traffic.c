/* traffic.c - traffic plans to the agents through the pod proxy, metrics through the API. */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "platform/kube/kube_ops.h"

#define TRAFFIC_TIMEOUT 600000u /* a plan may run minutes; the agent bounds it too */

int sc_kube_op_traffic(struct sc_platform *p, const char *ns, const char *workload, unsigned idx,
                       const struct sc_agent_plan *plan, struct sc_agent_result *result,
                       struct sc_err *err)
{
    struct sc_kube *k = (struct sc_kube *)p;
    char pod[256], path[768], *body;
    struct sc_agent_plan mine;
    struct sc_kube_resp r;
    int rc;

    rc = sc_kube_ready_pod(k, ns, workload, idx, pod, sizeof(pod), err);
    if (rc != 0)
        return rc;
    /* In a cluster the mesh intercepts transparently: no explicit proxy or relay. Targets
     * "SERVICE.NS:PORT" resolve through the pod's DNS search path. */
    sc_agent_plan_copy(&mine, plan);
    free(mine.proxy);
    free(mine.relay_host);
    free(mine.relay_port);
    mine.proxy = mine.relay_host = mine.relay_port = NULL;
    body = sc_agent_plan_to_json(&mine);
    sc_agent_plan_release(&mine);
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
    rc = sc_agent_result_parse(r.body, strlen(r.body), result, err);
    sc_kube_resp_release(&r);
    return rc != 0 ? sc_err_prefix(err, "agent %s/%s", ns, pod) : 0;
}

int sc_kube_op_metrics(struct sc_platform *p, const char *path, char **json, struct sc_err *err)
{
    struct sc_kube *k = (struct sc_kube *)p;
    *json = NULL;
    if (strncmp(path, "/apis/metrics.smi-spec.io/", 26) != 0)
        return sc_err_set(err, SC_EINVAL, "'%s' is not a metrics.smi-spec.io path", path);
    return sc_kube_call(k->c, "GET", path, NULL, NULL, json, NULL, err);
}
