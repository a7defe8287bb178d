/* workloads.c - fixtures as Deployments (with their service accounts), Services, readiness. */
#include <cjson/cJSON.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "base/log.h"
#include "platform/kube/kube_ops.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* The service account first: the Deployment's pods need it to exist. */
static int apply_service_account(struct sc_kube *k, const char *ns, const struct sc_workload *w,
                                 struct sc_err *err)
{
    cJSON *sa = sc_kube_object("v1", "ServiceAccount", w->sa, ns, NULL);
    char path[512];
    int rc;

    snprintf(path, sizeof(path), "/api/v1/namespaces/%s/serviceaccounts/%s", ns, w->sa);
    rc = sc_kube_apply_json(k, path, sa, err);
    cJSON_Delete(sa);
    if (rc != 0)
        return sc_err_prefix(err, "service account '%s'", w->sa);
    return 0;
}

/* The pod template's labels and annotations: the workload's, then the mesh profile's. */
static void template_metadata(cJSON *tmd, const struct sc_workload *w, const struct sc_profile *pf)
{
    cJSON *tl = cJSON_AddObjectToObject(tmd, "labels"), *ta;
    for (size_t i = 0; i < w->nlabels; i++)
        cJSON_AddStringToObject(tl, w->labels[i].key, w->labels[i].value);
    if (w->version && !cJSON_GetObjectItemCaseSensitive(tl, "version"))
        cJSON_AddStringToObject(tl, "version", w->version);
    /* mesh: false: the profile's opt-out instead of what joins the mesh */
    sc_kube_add_pairs(tl, w->unmeshed ? &pf->unmeshed_labels : &pf->pod_labels, pf->agent_port);
    cJSON_DeleteItemFromObjectCaseSensitive(tl, SC_KUBE_INSTANCE);
    cJSON_AddStringToObject(tl, SC_KUBE_INSTANCE, w->name);
    if (!cJSON_GetObjectItemCaseSensitive(tl, SC_KUBE_PART_OF))
        cJSON_AddStringToObject(tl, SC_KUBE_PART_OF, "smi-conformance");
    ta = cJSON_AddObjectToObject(tmd, "annotations");
    if (w->unmeshed) {
        sc_kube_add_pairs(ta, &pf->unmeshed_annotations, pf->agent_port);
        return;
    }
    sc_kube_add_pairs(ta, &pf->pod_annotations, pf->agent_port);
    sc_kube_add_pairs(ta, &pf->bypass_annotations, pf->agent_port);
}

/* The fixture's args and environment (the downward API tells it who it is). */
static void container_command(cJSON *ctr, const struct sc_workload *w, int agent_port)
{
    /* The same ports as the local platform's pods: the suites' services use them. */
    static const char *const a[] = {"--listen",    "0.0.0.0", "--http-port", "8080",
                                    "--http-port", "8081",    "--tcp-port",  "9000",
                                    "--udp-port",  "9001",    "--agent-port"};
    static const char *const fields[][2] = {{"POD_NAME", "metadata.name"},
                                            {"POD_NAMESPACE", "metadata.namespace"},
                                            {"SERVICE_ACCOUNT", "spec.serviceAccountName"},
                                            {"NODE_NAME", "spec.nodeName"}};
    cJSON *args = cJSON_AddArrayToObject(ctr, "args"), *env;
    char agent[16];

    snprintf(agent, sizeof(agent), "%d", agent_port);
    for (size_t i = 0; i < ARRAY_LEN(a); i++)
        cJSON_AddItemToArray(args, cJSON_CreateString(a[i]));
    cJSON_AddItemToArray(args, cJSON_CreateString(agent));
    env = cJSON_AddArrayToObject(ctr, "env");
    for (size_t i = 0; i < ARRAY_LEN(fields); i++) {
        cJSON *e = cJSON_CreateObject();
        cJSON_AddStringToObject(e, "name", fields[i][0]);
        cJSON_AddStringToObject(
            cJSON_AddObjectToObject(cJSON_AddObjectToObject(e, "valueFrom"), "fieldRef"),
            "fieldPath", fields[i][1]);
        cJSON_AddItemToArray(env, e);
    }
    if (w->version) {
        cJSON *e = cJSON_CreateObject();
        cJSON_AddStringToObject(e, "name", "VERSION");
        cJSON_AddStringToObject(e, "value", w->version);
        cJSON_AddItemToArray(env, e);
    }
}

/* Ports, readiness on the agent, and a locked-down security context. */
static void container_ports_and_probe(cJSON *ctr, int agent_port)
{
    static const struct {
        const char *name;
        int port;
        const char *proto;
    } pt[] = {{"http", 8080, "TCP"},
              {"http-alt", 8081, "TCP"},
              {"tcp-echo", 9000, "TCP"},
              {"udp-echo", 9001, "UDP"},
              {"agent", 0, "TCP"}};
    cJSON *ports = cJSON_AddArrayToObject(ctr, "ports"), *rp, *hg, *csc;

    for (size_t i = 0; i < ARRAY_LEN(pt); i++) {
        cJSON *x = cJSON_CreateObject();
        cJSON_AddStringToObject(x, "name", pt[i].name);
        cJSON_AddNumberToObject(x, "containerPort", pt[i].port ? pt[i].port : agent_port);
        cJSON_AddStringToObject(x, "protocol", pt[i].proto);
        cJSON_AddItemToArray(ports, x);
    }
    rp = cJSON_AddObjectToObject(ctr, "readinessProbe");
    hg = cJSON_AddObjectToObject(rp, "httpGet");
    cJSON_AddStringToObject(hg, "path", "/v1/health");
    cJSON_AddStringToObject(hg, "port", "agent");
    cJSON_AddNumberToObject(rp, "periodSeconds", 2);
    cJSON_AddNumberToObject(rp, "failureThreshold", 3);
    csc = cJSON_AddObjectToObject(ctr, "securityContext");
    cJSON_AddBoolToObject(csc, "allowPrivilegeEscalation", 0);
    cJSON_AddBoolToObject(csc, "readOnlyRootFilesystem", 1);
    cJSON_AddItemToArray(
        cJSON_AddArrayToObject(cJSON_AddObjectToObject(csc, "capabilities"), "drop"),
        cJSON_CreateString("ALL"));
}

/* The pod spec: the workload's service account, non-root, one fixture container. */
static void pod_spec(cJSON *ps, const struct sc_kube *k, const struct sc_workload *w)
{
    cJSON *sc = NULL, *ctr = cJSON_CreateObject();

    cJSON_AddStringToObject(ps, "serviceAccountName", w->sa);
    cJSON_AddBoolToObject(ps, "automountServiceAccountToken", 1);
    cJSON_AddNumberToObject(ps, "terminationGracePeriodSeconds", 30);
    sc = cJSON_AddObjectToObject(ps, "securityContext");
    cJSON_AddBoolToObject(sc, "runAsNonRoot", 1);
    cJSON_AddNumberToObject(sc, "runAsUser", 10001);
    cJSON_AddNumberToObject(sc, "runAsGroup", 10001);
    cJSON_AddStringToObject(cJSON_AddObjectToObject(sc, "seccompProfile"), "type",
                            "RuntimeDefault");
    cJSON_AddItemToArray(cJSON_AddArrayToObject(ps, "containers"), ctr);
    cJSON_AddStringToObject(ctr, "name", "fixture");
    cJSON_AddStringToObject(ctr, "image", k->image);
    cJSON_AddStringToObject(ctr, "imagePullPolicy", "IfNotPresent");
    container_command(ctr, w, k->prof->agent_port);
    container_ports_and_probe(ctr, k->prof->agent_port);
}

int sc_kube_op_deploy(struct sc_platform *p, const char *ns, const struct sc_workload *w,
                      struct sc_err *err)
{
    struct sc_kube *k = (struct sc_kube *)p;
    cJSON *d, *lab, *spec, *tmpl, *sel;
    char path[512];
    int rc;

    rc = apply_service_account(k, ns, w, err);
    if (rc != 0)
        return rc;
    d = sc_kube_object("apps/v1", "Deployment", w->name, ns, &lab);
    /* the workload's labels on the Deployment too: metrics lists select deployments by them */
    for (size_t i = 0; i < w->nlabels; i++)
        if (!cJSON_GetObjectItemCaseSensitive(lab, w->labels[i].key))
            cJSON_AddStringToObject(lab, w->labels[i].key, w->labels[i].value);
    cJSON_DeleteItemFromObjectCaseSensitive(lab, SC_KUBE_INSTANCE);
    cJSON_AddStringToObject(lab, SC_KUBE_INSTANCE, w->name);
    spec = cJSON_AddObjectToObject(d, "spec");
    cJSON_AddNumberToObject(spec, "replicas", w->replicas);
    sel = cJSON_AddObjectToObject(cJSON_AddObjectToObject(spec, "selector"), "matchLabels");
    cJSON_AddStringToObject(sel, SC_KUBE_INSTANCE, w->name);
    tmpl = cJSON_AddObjectToObject(spec, "template");
    template_metadata(cJSON_AddObjectToObject(tmpl, "metadata"), w, k->prof);
    pod_spec(cJSON_AddObjectToObject(tmpl, "spec"), k, w);
    snprintf(path, sizeof(path), "/apis/apps/v1/namespaces/%s/deployments/%s", ns, w->name);
    rc = sc_kube_apply_json(k, path, d, err);
    cJSON_Delete(d);
    if (rc != 0)
        return sc_err_prefix(err, "deployment '%s'", w->name);
    return 0;
}

int sc_kube_op_create_service(struct sc_platform *p, const char *ns, const struct sc_service *s,
                              struct sc_err *err)
{
    struct sc_kube *k = (struct sc_kube *)p;
    cJSON *j = sc_kube_object("v1", "Service", s->name, ns, NULL), *spec, *sel, *ports;
    char path[512];
    int rc;

    spec = cJSON_AddObjectToObject(j, "spec");
    sel = cJSON_AddObjectToObject(spec, "selector");
    for (size_t i = 0; i < s->nselector; i++)
        cJSON_AddStringToObject(sel, s->selector[i].key, s->selector[i].value);
    ports = cJSON_AddArrayToObject(spec, "ports");
    for (size_t i = 0; i < s->nports; i++) {
        cJSON *pt = cJSON_CreateObject();
        char name[32];
        /* Name prefixes and appProtocol: how Istio, OSM and Kuma learn the protocol. */
        snprintf(name, sizeof(name), "%s-%d", sc_proto_name(s->ports[i].proto), s->ports[i].port);
        cJSON_AddStringToObject(pt, "name", name);
        cJSON_AddNumberToObject(pt, "port", s->ports[i].port);
        cJSON_AddNumberToObject(pt, "targetPort", s->ports[i].target_port);
        cJSON_AddStringToObject(pt, "protocol", s->ports[i].proto == SC_PROTO_UDP ? "UDP" : "TCP");
        if (s->ports[i].proto == SC_PROTO_TCP && k->prof->tcp_app_protocol != NULL)
            cJSON_AddStringToObject(pt, "appProtocol", k->prof->tcp_app_protocol);
        else if (s->ports[i].proto != SC_PROTO_UDP)
            cJSON_AddStringToObject(pt, "appProtocol", sc_proto_name(s->ports[i].proto));
        cJSON_AddItemToArray(ports, pt);
    }
    snprintf(path, sizeof(path), "/api/v1/namespaces/%s/services/%s", ns, s->name);
    rc = sc_kube_apply_json(k, path, j, err);
    cJSON_Delete(j);
    if (rc != 0)
        return sc_err_prefix(err, "service '%s'", s->name);
    return 0;
}

static bool str_is(const char *s, const char *want)
{
    return s != NULL && strcmp(s, want) == 0;
}

static bool pod_ready(const cJSON *pod)
{
    const cJSON *st = cJSON_GetObjectItemCaseSensitive(pod, "status"), *c;
    const cJSON *md = cJSON_GetObjectItemCaseSensitive(pod, "metadata");
    if (cJSON_GetObjectItemCaseSensitive(md, "deletionTimestamp") != NULL)
        return false;
    if (!str_is(sc_kube_jstr(st, "phase"), "Running"))
        return false;
    cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(st, "conditions"))
    {
        if (str_is(sc_kube_jstr(c, "type"), "Ready"))
            return str_is(sc_kube_jstr(c, "status"), "True");
    }
    return false;
}

/* Why a pod is not ready, from its phase and containers' states ("" when it is). */
static void pod_why(const cJSON *pod, char *out, size_t len)
{
    const cJSON *st = cJSON_GetObjectItemCaseSensitive(pod, "status"), *cs, *c;
    const char *name = sc_kube_jstr(cJSON_GetObjectItemCaseSensitive(pod, "metadata"), "name");
    const char *phase = sc_kube_jstr(st, "phase");
    snprintf(out, len, "pod %s: phase %s", name ? name : "?", phase ? phase : "unknown");
    cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(st, "conditions"))
    {
        const char *m = sc_kube_jstr(c, "message");
        if (str_is(sc_kube_jstr(c, "type"), "PodScheduled") &&
            str_is(sc_kube_jstr(c, "status"), "False"))
            snprintf(out + strlen(out), len - strlen(out), ", unschedulable: %s", m ? m : "");
    }
    cs = cJSON_GetObjectItemCaseSensitive(st, "containerStatuses");
    cJSON_ArrayForEach(c, cs)
    {
        const cJSON *state = cJSON_GetObjectItemCaseSensitive(c, "state");
        const cJSON *w = cJSON_GetObjectItemCaseSensitive(state, "waiting");
        const cJSON *t = cJSON_GetObjectItemCaseSensitive(state, "terminated");
        const char *cname = sc_kube_jstr(c, "name");
        size_t n = strlen(out);
        if (w != NULL) {
            const char *r = sc_kube_jstr(w, "reason"), *m = sc_kube_jstr(w, "message");
            snprintf(out + n, len - n, ", container %s waiting: %s%s%s", cname, r ? r : "",
                     m ? " " : "", m ? m : "");
        } else if (t != NULL) {
            const char *r = sc_kube_jstr(t, "reason");
            snprintf(out + n, len - n, ", container %s terminated: %s (exit %d)", cname, r ? r : "",
                     sc_kube_jint(t, "exitCode"));
        } else if (!cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(c, "ready"))) {
            snprintf(out + n, len - n, ", container %s not ready", cname);
        }
    }
}

/* Add to why the reason of the first pod of deployment `name` that is not ready. */
static void first_unready_pod(struct sc_kube *k, const char *ns, const char *name, char *why,
                              size_t len)
{
    char path[512], sel[256], esc[300];
    struct sc_err e2;
    cJSON *pods;
    const cJSON *pod;

    snprintf(sel, sizeof(sel), SC_KUBE_INSTANCE "=%s", name ? name : "");
    snprintf(path, sizeof(path), "/api/v1/namespaces/%s/pods?labelSelector=%s", ns,
             sc_kube_query_escape(sel, esc, sizeof(esc)));
    sc_err_init(&e2);
    pods = sc_kube_get_json(k, path, &e2);
    cJSON_ArrayForEach(pod, cJSON_GetObjectItemCaseSensitive(pods, "items"))
    {
        if (!pod_ready(pod)) {
            char pw[400];
            pod_why(pod, pw, sizeof(pw));
            snprintf(why + strlen(why), len - strlen(why), "; %s", pw);
            break;
        }
    }
    cJSON_Delete(pods);
}

/* One look at every deployment of ns: true when all are ready, else *why says the first
 * that is not (with its last condition and, if any, a pod's reason) and rv (32 bytes) the
 * list's resourceVersion, where a watch starts. */
static bool all_ready(struct sc_kube *k, const char *ns, char *why, size_t len, char rv[32],
                      struct sc_err *err)
{
    char path[512], sel[128];
    cJSON *list;
    const cJSON *d;
    bool ok = true;

    snprintf(path, sizeof(path), "/apis/apps/v1/namespaces/%s/deployments?labelSelector=%s", ns,
             sc_kube_query_escape(SC_KUBE_PART_OF "=smi-conformance", sel, sizeof(sel)));
    rv[0] = '\0';
    list = sc_kube_get_json(k, path, err);
    if (list == NULL) {
        snprintf(why, len, "%s", err->msg);
        return false;
    }
    {
        const char *v =
            sc_kube_jstr(cJSON_GetObjectItemCaseSensitive(list, "metadata"), "resourceVersion");
        if (v != NULL && strlen(v) < 32)
            strcpy(rv, v);
    }
    cJSON_ArrayForEach(d, cJSON_GetObjectItemCaseSensitive(list, "items"))
    {
        const cJSON *md = cJSON_GetObjectItemCaseSensitive(d, "metadata");
        const cJSON *spec = cJSON_GetObjectItemCaseSensitive(d, "spec");
        const cJSON *st = cJSON_GetObjectItemCaseSensitive(d, "status"), *c;
        const char *name = sc_kube_jstr(md, "name");
        int want =
            cJSON_GetObjectItemCaseSensitive(spec, "replicas") ? sc_kube_jint(spec, "replicas") : 1;
        if (sc_kube_jint(st, "observedGeneration") >= sc_kube_jint(md, "generation") &&
            sc_kube_jint(st, "readyReplicas") >= want &&
            sc_kube_jint(st, "updatedReplicas") >= want && sc_kube_jint(st, "replicas") == want)
            continue;
        ok = false;
        snprintf(why, len, "deployment %s: %d/%d ready", name ? name : "?",
                 sc_kube_jint(st, "readyReplicas"), want);
        cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(st, "conditions"))
        {
            const char *s = sc_kube_jstr(c, "status"), *r = sc_kube_jstr(c, "reason");
            const char *m = sc_kube_jstr(c, "message");
            if (str_is(sc_kube_jstr(c, "type"), "Available"))
                snprintf(why + strlen(why), len - strlen(why), "; Available=%s %s: %s", s ? s : "?",
                         r ? r : "", m ? m : "");
        }
        first_unready_pod(k, ns, name, why, len);
        break;
    }
    cJSON_Delete(list);
    return ok;
}

/* Wait for the next change to the deployments of ns after resourceVersion rv, at most
 * wait_ms: true when the watch ended normally (an event came, or its time ran out: look
 * again), false when the cluster refused it or it failed (poll instead from now on). The
 * Deployment controller writes status.readyReplicas as pods turn ready, so a watch on the
 * Deployments sees every transition the readiness check reads, without polling. */
static bool watch_change(struct sc_kube *k, const char *ns, const char *rv, unsigned wait_ms)
{
    char path[768], sel[128], rvq[100];
    unsigned secs = wait_ms / 1000 + 1;
    struct sc_kube_resp r;
    struct sc_err e;
    bool ok;

    if (secs > 30)
        secs = 30;
    snprintf(path, sizeof(path),
             "/apis/apps/v1/namespaces/%s/deployments?labelSelector=%s&watch=1"
             "&resourceVersion=%s&timeoutSeconds=%u",
             ns, sc_kube_query_escape(SC_KUBE_PART_OF "=smi-conformance", sel, sizeof(sel)),
             sc_kube_query_escape(rv, rvq, sizeof(rvq)), secs);
    sc_err_init(&e);
    if (sc_kube_watch_first(k->c, path, (secs + 10) * 1000, &r, &e) != 0) {
        sc_log_debug("kube", "watch of %s's deployments failed, polling instead: %s", ns, e.msg);
        return false;
    }
    /* 410 Gone comes as an ERROR event: the list is read again either way, but a cluster
     * that keeps answering so is polled instead */
    ok = r.status == 200 && strstr(r.body, "\"type\":\"ERROR\"") == NULL;
    if (!ok)
        sc_log_debug("kube", "watch of %s's deployments refused (%ld), polling instead", ns,
                     r.status);
    sc_kube_resp_release(&r);
    return ok;
}

int sc_kube_op_wait_ready(struct sc_platform *p, const char *ns, unsigned timeout_ms,
                          struct sc_err *err)
{
    struct sc_kube *k = (struct sc_kube *)p;
    uint64_t deadline = sc_now_ns() + (uint64_t)timeout_ms * 1000000ull;
    unsigned delay = 100;
    bool watch = true;
    char why[800] = "", rv[32];

    for (;;) {
        struct sc_err e2;
        uint64_t now;
        sc_err_init(&e2);
        if (all_ready(k, ns, why, sizeof(why), rv, &e2))
            return 0;
        now = sc_now_ns();
        if (now >= deadline)
            return sc_err_set(err, SC_ETIMEOUT, "not ready within %ums: %s", timeout_ms, why);
        if (watch && rv[0] != '\0')
            watch = watch_change(k, ns, rv, (unsigned)((deadline - now) / 1000000ull));
        if (!watch || rv[0] == '\0') {
            sc_sleep_ms(delay);
            delay = sc_kube_next_poll(delay);
        }
    }
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

int sc_kube_ready_pod(struct sc_kube *k, const char *ns, const char *w, unsigned idx, char *out,
                      size_t len, struct sc_err *err)
{
    char path[512], sel[256], esc[300];
    const char *names[256];
    size_t n = 0, total = 0;
    const cJSON *pod;
    cJSON *list;

    snprintf(sel, sizeof(sel), SC_KUBE_INSTANCE "=%s", w);
    snprintf(path, sizeof(path), "/api/v1/namespaces/%s/pods?labelSelector=%s", ns,
             sc_kube_query_escape(sel, esc, sizeof(esc)));
    list = sc_kube_get_json(k, path, err);
    if (list == NULL)
        return err ? err->code : SC_EIO;
    cJSON_ArrayForEach(pod, cJSON_GetObjectItemCaseSensitive(list, "items"))
    {
        const char *name = sc_kube_jstr(cJSON_GetObjectItemCaseSensitive(pod, "metadata"), "name");
        total++;
        if (name != NULL && pod_ready(pod) && n < 256)
            names[n++] = name;
    }
    qsort(names, n, sizeof(names[0]), cmp_names);
    if (idx >= n) {
        cJSON_Delete(list);
        return sc_err_set(err, SC_ENOTFOUND,
                          "workload '%s' has no ready pod %u (%zu ready of %zu) to send from", w,
                          idx, n, total);
    }
    snprintf(out, len, "%s", names[idx]);
    cJSON_Delete(list);
    return 0;
}
