/* traffic.c - traffic plans to the agents through the pod proxy, metrics through the API. */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "base/log.h"
#include "platform/kube/kube_ops.h"

#define TRAFFIC_TIMEOUT 600000u /* a plan may run minutes; the agent bounds it too */
/* A plan with an id is posted again after a failure in transit: the agent runs an id once. */
#define TRAFFIC_ATTEMPTS   4
#define TRAFFIC_BACKOFF_MS 500u /* before the second attempt, doubled for each next one */

/* Is this answer the agent's own ({"error": ...}), rather than the API server's or the pod
 * proxy's (a Kubernetes Status, an HTML page, nothing)? */
static bool from_agent(const struct sc_kube_resp *r)
{
    cJSON *j = cJSON_Parse(r->body);
    bool agent = sc_kube_jstr(j, "error") != NULL;

    cJSON_Delete(j);
    return agent;
}

/*
 * Did the POST fail on the way (so the agent may never have seen it, or its answer was lost)?
 * A connection refused, reset or timed out, or a 429, 500, 502, 503 or 504 that the API server
 * or the pod proxy gave. What the agent itself answered is final: its 4xx and its 5xx carry
 * {"error": ...}.
 */
static bool in_transit(int rc, const struct sc_kube_resp *r)
{
    if (rc != 0)
        return rc == SC_ECONNECT || rc == SC_ETIMEOUT;
    switch (r->status) {
    case 429:
    case 500:
    case 502:
    case 503:
    case 504:
        return !from_agent(r);
    default:
        return false;
    }
}

/* What the pod of an agent that did not answer says of itself, into out ("" when nothing): its
 * agent container's state and restarts, and the last line of its log, cut short (the report's
 * diagnostics hold the longer tail). */
static void pod_state(struct sc_kube *k, const char *ns, const char *pod, char *out, size_t len)
{
    char path[768], note[160] = "", last[68] = "";
    const cJSON *cs;
    struct sc_kube_resp r;
    struct sc_err e2;
    cJSON *j;

    out[0] = '\0';
    snprintf(path, sizeof(path), "/api/v1/namespaces/%s/pods/%s", ns, pod);
    sc_err_init(&e2);
    j = sc_kube_get_json(k, path, &e2);
    cJSON_ArrayForEach(cs, cJSON_GetObjectItemCaseSensitive(
                               cJSON_GetObjectItemCaseSensitive(j, "status"), "containerStatuses"))
    {
        const cJSON *st = cJSON_GetObjectItemCaseSensitive(cs, "state");
        const cJSON *s = st ? st->child : NULL;
        const char *reason = s ? sc_kube_jstr(s, "reason") : NULL;
        const char *name = sc_kube_jstr(cs, "name");
        if (name == NULL || strcmp(name, "fixture") != 0)
            continue;
        snprintf(note, sizeof(note), "container fixture %s%s%.40s, %d restarts",
                 s ? s->string : "unknown", reason ? ": " : "", reason ? reason : "",
                 sc_kube_jint(cs, "restartCount"));
    }
    cJSON_Delete(j);
    snprintf(path, sizeof(path),
             "/api/v1/namespaces/%s/pods/%s/log?container=fixture&tailLines=3&limitBytes=4096", ns,
             pod);
    if (sc_kube_do(k->c, "GET", path, NULL, NULL, 10000, &r, &e2) == 0) {
        if (r.status == 200 && r.body != NULL) {
            size_t n = strlen(r.body);
            char *line;
            while (n > 0 && (r.body[n - 1] == '\n' || r.body[n - 1] == '\r'))
                r.body[--n] = '\0';
            line = strrchr(r.body, '\n');
            snprintf(last, sizeof(last), "%s", line ? line + 1 : r.body);
            if (strlen(line ? line + 1 : r.body) >= sizeof(last))
                memcpy(last + sizeof(last) - 4, "...", 4);
        }
        sc_kube_resp_release(&r);
    }
    if (note[0] || last[0])
        snprintf(out, len, "%s%slast log line: %s", note, note[0] ? "; " : "",
                 last[0] ? last : "(none)");
    sc_kube_redact(k->c, out);
}

/* POST body to the agent at path; with an id, again after a failure in transit (*attempts). */
static int post_plan(struct sc_kube *k, const char *path, const char *id, const char *body,
                     struct sc_kube_resp *r, unsigned *attempts, struct sc_err *err)
{
    unsigned backoff = TRAFFIC_BACKOFF_MS;
    int rc;

    for (*attempts = 1;; (*attempts)++) {
        sc_err_init(err);
        rc = sc_kube_do(k->c, "POST", path, "application/json", body, TRAFFIC_TIMEOUT, r, err);
        /* without an id a second POST could run the traffic twice */
        if (id == NULL || *attempts == TRAFFIC_ATTEMPTS || !in_transit(rc, r))
            return rc;
        if (rc != 0)
            sc_log_warn("kube", "plan '%s' (attempt %u): %s; again in %ums", id, *attempts,
                        err->msg, backoff);
        else
            sc_log_warn("kube", "plan '%s' (attempt %u): %s answered %ld; again in %ums", id,
                        *attempts, path, r->status, backoff);
        sc_kube_resp_release(r);
        sc_sleep_ms(backoff);
        backoff *= 2;
    }
}

int sc_kube_op_traffic(struct sc_platform *p, const char *ns, const char *workload, unsigned idx,
                       const struct sc_agent_plan *plan, struct sc_agent_result *result,
                       struct sc_err *err)
{
    struct sc_kube *k = (struct sc_kube *)p;
    char pod[256], path[768], who[320], *body;
    struct sc_agent_plan mine;
    struct sc_kube_resp r;
    unsigned attempts;
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
    rc = post_plan(k, path, plan->id, body, &r, &attempts, err);
    free(body);
    if (attempts > 1)
        snprintf(who, sizeof(who), "agent %s/%s (plan '%s', %u attempts)", ns, pod, plan->id,
                 attempts);
    else
        snprintf(who, sizeof(who), "agent %s/%s", ns, pod);
    if (rc != 0) {
        char state[300];
        pod_state(k, ns, pod, state, sizeof(state));
        sc_err_prefix(err, "%s%s%s%s", who, state[0] ? " [" : "", state, state[0] ? "]" : "");
        return rc;
    }
    if (r.status != 200) {
        cJSON *j = cJSON_Parse(r.body);
        const char *e = sc_kube_jstr(j, "error");
        if (e != NULL) {
            rc = sc_err_set(err, SC_EPROTO, "%s answered %ld: %s", who, r.status, e);
        } else if (sc_kube_status_error("POST", path, r.status, r.body, err) != 0) {
            /* the API server's or the pod proxy's answer: the agent did not answer */
            char state[300];
            pod_state(k, ns, pod, state, sizeof(state));
            rc = sc_err_prefix(err, "%s%s%s%s", who, state[0] ? " [" : "", state,
                               state[0] ? "]" : "");
        }
        cJSON_Delete(j);
        sc_kube_resp_release(&r);
        return rc;
    }
    rc = sc_agent_result_parse(r.body, strlen(r.body), result, err);
    sc_kube_resp_release(&r);
    return rc != 0 ? sc_err_prefix(err, "%s", who) : 0;
}

int sc_kube_op_cancel_traffic(struct sc_platform *p, const char *ns, const char *workload,
                              unsigned idx, const char *id, struct sc_err *err)
{
    struct sc_kube *k = (struct sc_kube *)p;
    char pod[256], path[768];
    struct sc_kube_resp r;
    int rc;

    rc = sc_kube_ready_pod(k, ns, workload, idx, pod, sizeof(pod), err);
    if (rc != 0)
        return rc;
    snprintf(path, sizeof(path), "/api/v1/namespaces/%s/pods/%s:%d/proxy/v1/traffic/%s", ns, pod,
             k->prof->agent_port, id);
    rc = sc_kube_do(k->c, "DELETE", path, NULL, NULL, TRAFFIC_TIMEOUT, &r, err);
    if (rc != 0)
        return sc_err_prefix(err, "agent %s/%s: cancel of plan '%s'", ns, pod, id);
    if (r.status == 404 && from_agent(&r))
        rc = sc_err_set(err, SC_ENOTFOUND, "agent %s/%s knows no plan '%s'", ns, pod, id);
    else if (r.status != 200 && sc_kube_status_error("DELETE", path, r.status, r.body, err) != 0)
        rc = sc_err_prefix(err, "agent %s/%s", ns, pod);
    sc_kube_resp_release(&r);
    return rc;
}

int sc_kube_op_metrics(struct sc_platform *p, const char *path, char **json, struct sc_err *err)
{
    struct sc_kube *k = (struct sc_kube *)p;
    *json = NULL;
    if (strncmp(path, "/apis/metrics.smi-spec.io/", 26) != 0)
        return sc_err_set(err, SC_EINVAL, "'%s' is not a metrics.smi-spec.io path", path);
    return sc_kube_call(k->c, "GET", path, NULL, NULL, json, NULL, err);
}
