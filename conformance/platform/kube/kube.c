/* kube.c - the platform operations on a Kubernetes API server. */
#include "platform/kube/kube.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/log.h"
#include "base/clock.h"
#include "base/util.h"
#include "platform/kube/discovery.h"

#define FIELD_MANAGER   "smi-conformance"
#define APPLY_TYPE      "application/apply-patch+yaml"
#define APPLY_QUERY     "?fieldManager=" FIELD_MANAGER "&force=true"
#define PART_OF         "app.kubernetes.io/part-of"
#define INSTANCE        "app.kubernetes.io/instance"
#define TRAFFIC_TIMEOUT 600000u /* a plan may run minutes; the agent bounds it too */
#define REMOVE_WAIT_MS  30000u
#define LOG_TAIL_LINES  60
#define MAX_EVENTS      100

struct kube {
    struct sc_platform base;
    struct sc_kube_client *c;
    struct sc_kube_profile *prof;
    struct sc_kube_discovery disc;
    char *image;
    unsigned delete_timeout_ms;
    char *version; /* the server's gitVersion, read on first use */
};

/* Polls start fast and slow down: pods take seconds, the first check often succeeds. */
static unsigned next_poll(unsigned cur)
{
    return cur >= 1000 ? 2000 : cur * 2;
}

static int apply_json(struct kube *k, const char *path, cJSON *obj, struct sc_err *err)
{
    char *body = cJSON_PrintUnformatted(obj), full[1024];
    int rc;
    snprintf(full, sizeof(full), "%s%s", path, APPLY_QUERY);
    rc = sc_kube_call(k->c, "PATCH", full, APPLY_TYPE, body, NULL, NULL, err);
    free(body);
    return rc;
}

static void add_pairs(cJSON *obj, const struct sc_kube_pairs *p, int agent_port)
{
    for (size_t i = 0; i < p->n; i++) {
        const char *v = p->v[i].value, *at = strstr(v, "${AGENT_PORT}");
        cJSON_DeleteItemFromObjectCaseSensitive(obj, p->v[i].key);
        if (at == NULL) {
            cJSON_AddStringToObject(obj, p->v[i].key, v);
        } else {
            char buf[512];
            snprintf(buf, sizeof(buf), "%.*s%d%s", (int)(at - v), v, agent_port,
                     at + strlen("${AGENT_PORT}"));
            cJSON_AddStringToObject(obj, p->v[i].key, buf);
        }
    }
}

/* ---- operations ------------------------------------------------------------------------ */

static int k_served(struct sc_platform *p, const char *group, int *versions, size_t *n)
{
    struct kube *k = (struct kube *)p;
    *n = 0;
    for (int g = 0; g < SC_KUBE_NGROUPS; g++) {
        if (strcmp(group, sc_kube_group_name(g)) != 0)
            continue;
        /* What the cluster serves and, when the profile says, the mesh claims. */
        for (size_t i = 0; i < k->disc.nversions[g]; i++) {
            bool claimed = !k->prof->claimed[g];
            for (size_t j = 0; j < k->prof->nversions[g] && !claimed; j++)
                claimed = k->prof->versions[g][j] == k->disc.versions[g][i];
            if (claimed)
                versions[(*n)++] = k->disc.versions[g][i];
        }
    }
    return 0;
}

static int k_create_namespace(struct sc_platform *p, const char *ns, struct sc_err *err)
{
    struct kube *k = (struct kube *)p;
    cJSON *j = cJSON_CreateObject(), *md, *labels, *ann;
    char path[256];
    int rc;

    cJSON_AddStringToObject(j, "apiVersion", "v1");
    cJSON_AddStringToObject(j, "kind", "Namespace");
    md = cJSON_AddObjectToObject(j, "metadata");
    cJSON_AddStringToObject(md, "name", ns);
    labels = cJSON_AddObjectToObject(md, "labels");
    cJSON_AddStringToObject(labels, PART_OF, "smi-conformance");
    add_pairs(labels, &k->prof->ns_labels, k->prof->agent_port);
    add_pairs(labels, &k->prof->enforce_ns_labels, k->prof->agent_port);
    ann = cJSON_AddObjectToObject(md, "annotations");
    add_pairs(ann, &k->prof->ns_annotations, k->prof->agent_port);
    add_pairs(ann, &k->prof->enforce_ns_annotations, k->prof->agent_port);
    snprintf(path, sizeof(path), "/api/v1/namespaces/%s", ns);
    rc = apply_json(k, path, j, err);
    cJSON_Delete(j);
    if (rc != 0)
        return sc_err_prefix(err, "namespace '%s'", ns);
    return 0;
}

/* Poll GET path until 404; `what` names it in the timeout message. */
static int wait_gone(struct kube *k, const char *path, const char *what, unsigned timeout_ms,
                     struct sc_err *err)
{
    uint64_t deadline = sc_now_ns() + (uint64_t)timeout_ms * 1000000ull;
    unsigned delay = 100;
    char last[600] = "no answer yet";

    for (;;) {
        struct sc_kube_resp r;
        struct sc_err e2;
        sc_err_init(&e2);
        if (sc_kube_do(k->c, "GET", path, NULL, NULL, 0, &r, &e2) == 0) {
            cJSON *j;
            if (r.status == 404) {
                sc_kube_resp_release(&r);
                return 0;
            }
            j = cJSON_Parse(r.body);
            if (r.status == 200 && j != NULL) {
                const cJSON *st = cJSON_GetObjectItemCaseSensitive(j, "status");
                const char *phase =
                    cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(st, "phase"));
                const cJSON *cond;
                snprintf(last, sizeof(last), "%s%s", phase ? "phase " : "still present",
                         phase ? phase : "");
                cJSON_ArrayForEach(cond, cJSON_GetObjectItemCaseSensitive(st, "conditions"))
                {
                    const char *s =
                        cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(cond, "status"));
                    const char *t =
                        cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(cond, "type"));
                    const char *m =
                        cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(cond, "message"));
                    if (s && strcmp(s, "True") == 0 && t)
                        snprintf(last + strlen(last), sizeof(last) - strlen(last), "; %s: %s", t,
                                 m ? m : "");
                }
            } else {
                sc_kube_status_error("GET", path, r.status, r.body, &e2);
                snprintf(last, sizeof(last), "%s", e2.msg);
            }
            cJSON_Delete(j);
            sc_kube_resp_release(&r);
        } else {
            snprintf(last, sizeof(last), "%s", e2.msg);
        }
        if (sc_now_ns() >= deadline)
            return sc_err_set(err, SC_ETIMEOUT, "%s still exists after %ums: %s", what, timeout_ms,
                              last);
        sc_sleep_ms(delay);
        delay = next_poll(delay);
    }
}

static int k_delete_namespace(struct sc_platform *p, const char *ns, struct sc_err *err)
{
    struct kube *k = (struct kube *)p;
    char path[256], what[300];
    long status = 0;
    int rc;

    snprintf(path, sizeof(path), "/api/v1/namespaces/%s", ns);
    rc = sc_kube_call(k->c, "DELETE", path, NULL,
                      "{\"apiVersion\":\"v1\",\"kind\":\"DeleteOptions\","
                      "\"propagationPolicy\":\"Foreground\"}",
                      NULL, &status, err);
    if (rc != 0 && status == 404) {
        sc_err_init(err);
        return 0;
    }
    if (rc != 0)
        return sc_err_prefix(err, "cannot delete namespace '%s'", ns);
    snprintf(what, sizeof(what), "namespace '%s'", ns);
    return wait_gone(k, path, what, k->delete_timeout_ms, err);
}

static int k_deploy(struct sc_platform *p, const char *ns, const struct sc_workload *w,
                    struct sc_err *err)
{
    struct kube *k = (struct kube *)p;
    const struct sc_kube_profile *pf = k->prof;
    cJSON *sa = cJSON_CreateObject(), *d = cJSON_CreateObject(), *md, *lab, *spec, *tmpl, *tmd, *tl,
          *ta, *ps, *ctr, *env, *ports, *args, *sel, *sc;
    char path[512], agent[16];
    int rc;
    static const char *const fields[][2] = {{"POD_NAME", "metadata.name"},
                                            {"POD_NAMESPACE", "metadata.namespace"},
                                            {"SERVICE_ACCOUNT", "spec.serviceAccountName"},
                                            {"NODE_NAME", "spec.nodeName"}};

    /* The service account first: the Deployment's pods need it to exist. */
    cJSON_AddStringToObject(sa, "apiVersion", "v1");
    cJSON_AddStringToObject(sa, "kind", "ServiceAccount");
    md = cJSON_AddObjectToObject(sa, "metadata");
    cJSON_AddStringToObject(md, "name", w->sa);
    cJSON_AddStringToObject(md, "namespace", ns);
    cJSON_AddStringToObject(cJSON_AddObjectToObject(md, "labels"), PART_OF, "smi-conformance");
    snprintf(path, sizeof(path), "/api/v1/namespaces/%s/serviceaccounts/%s", ns, w->sa);
    rc = apply_json(k, path, sa, err);
    cJSON_Delete(sa);
    if (rc != 0) {
        cJSON_Delete(d);
        return sc_err_prefix(err, "service account '%s'", w->sa);
    }

    cJSON_AddStringToObject(d, "apiVersion", "apps/v1");
    cJSON_AddStringToObject(d, "kind", "Deployment");
    md = cJSON_AddObjectToObject(d, "metadata");
    cJSON_AddStringToObject(md, "name", w->name);
    cJSON_AddStringToObject(md, "namespace", ns);
    lab = cJSON_AddObjectToObject(md, "labels");
    cJSON_AddStringToObject(lab, PART_OF, "smi-conformance");
    cJSON_AddStringToObject(lab, INSTANCE, w->name);
    spec = cJSON_AddObjectToObject(d, "spec");
    cJSON_AddNumberToObject(spec, "replicas", w->replicas);
    sel = cJSON_AddObjectToObject(cJSON_AddObjectToObject(spec, "selector"), "matchLabels");
    cJSON_AddStringToObject(sel, INSTANCE, w->name);
    tmpl = cJSON_AddObjectToObject(spec, "template");
    tmd = cJSON_AddObjectToObject(tmpl, "metadata");
    tl = cJSON_AddObjectToObject(tmd, "labels");
    for (size_t i = 0; i < w->nlabels; i++)
        cJSON_AddStringToObject(tl, w->labels[i].key, w->labels[i].value);
    if (w->version && !cJSON_GetObjectItemCaseSensitive(tl, "version"))
        cJSON_AddStringToObject(tl, "version", w->version);
    add_pairs(tl, &pf->pod_labels, pf->agent_port);
    cJSON_DeleteItemFromObjectCaseSensitive(tl, INSTANCE);
    cJSON_AddStringToObject(tl, INSTANCE, w->name);
    if (!cJSON_GetObjectItemCaseSensitive(tl, PART_OF))
        cJSON_AddStringToObject(tl, PART_OF, "smi-conformance");
    ta = cJSON_AddObjectToObject(tmd, "annotations");
    add_pairs(ta, &pf->pod_annotations, pf->agent_port);
    add_pairs(ta, &pf->bypass_annotations, pf->agent_port);
    ps = cJSON_AddObjectToObject(tmpl, "spec");
    cJSON_AddStringToObject(ps, "serviceAccountName", w->sa);
    cJSON_AddBoolToObject(ps, "automountServiceAccountToken", 1);
    cJSON_AddNumberToObject(ps, "terminationGracePeriodSeconds", 30);
    sc = cJSON_AddObjectToObject(ps, "securityContext");
    cJSON_AddBoolToObject(sc, "runAsNonRoot", 1);
    cJSON_AddNumberToObject(sc, "runAsUser", 10001);
    cJSON_AddNumberToObject(sc, "runAsGroup", 10001);
    cJSON_AddStringToObject(cJSON_AddObjectToObject(sc, "seccompProfile"), "type",
                            "RuntimeDefault");
    ctr = cJSON_CreateObject();
    cJSON_AddItemToArray(cJSON_AddArrayToObject(ps, "containers"), ctr);
    cJSON_AddStringToObject(ctr, "name", "fixture");
    cJSON_AddStringToObject(ctr, "image", k->image);
    cJSON_AddStringToObject(ctr, "imagePullPolicy", "IfNotPresent");
    snprintf(agent, sizeof(agent), "%d", pf->agent_port);
    args = cJSON_AddArrayToObject(ctr, "args");
    {
        /* The same ports as the local platform's pods: the suites' services use them. */
        const char *const a[] = {"--listen",    "0.0.0.0", "--http-port", "8080",
                                 "--http-port", "8081",    "--tcp-port",  "9000",
                                 "--udp-port",  "9001",    "--agent-port"};
        for (size_t i = 0; i < sizeof(a) / sizeof(a[0]); i++)
            cJSON_AddItemToArray(args, cJSON_CreateString(a[i]));
        cJSON_AddItemToArray(args, cJSON_CreateString(agent));
    }
    env = cJSON_AddArrayToObject(ctr, "env");
    for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
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
    ports = cJSON_AddArrayToObject(ctr, "ports");
    {
        static const struct {
            const char *name;
            int port;
            const char *proto;
        } pt[] = {{"http", 8080, "TCP"},
                  {"http-alt", 8081, "TCP"},
                  {"tcp-echo", 9000, "TCP"},
                  {"udp-echo", 9001, "UDP"}};
        for (size_t i = 0; i < sizeof(pt) / sizeof(pt[0]); i++) {
            cJSON *x = cJSON_CreateObject();
            cJSON_AddStringToObject(x, "name", pt[i].name);
            cJSON_AddNumberToObject(x, "containerPort", pt[i].port);
            cJSON_AddStringToObject(x, "protocol", pt[i].proto);
            cJSON_AddItemToArray(ports, x);
        }
        {
            cJSON *x = cJSON_CreateObject();
            cJSON_AddStringToObject(x, "name", "agent");
            cJSON_AddNumberToObject(x, "containerPort", pf->agent_port);
            cJSON_AddStringToObject(x, "protocol", "TCP");
            cJSON_AddItemToArray(ports, x);
        }
    }
    {
        cJSON *rp = cJSON_AddObjectToObject(ctr, "readinessProbe"), *hg;
        hg = cJSON_AddObjectToObject(rp, "httpGet");
        cJSON_AddStringToObject(hg, "path", "/v1/health");
        cJSON_AddStringToObject(hg, "port", "agent");
        cJSON_AddNumberToObject(rp, "periodSeconds", 2);
        cJSON_AddNumberToObject(rp, "failureThreshold", 3);
    }
    {
        cJSON *csc = cJSON_AddObjectToObject(ctr, "securityContext");
        cJSON_AddBoolToObject(csc, "allowPrivilegeEscalation", 0);
        cJSON_AddBoolToObject(csc, "readOnlyRootFilesystem", 1);
        cJSON_AddItemToArray(
            cJSON_AddArrayToObject(cJSON_AddObjectToObject(csc, "capabilities"), "drop"),
            cJSON_CreateString("ALL"));
    }
    snprintf(path, sizeof(path), "/apis/apps/v1/namespaces/%s/deployments/%s", ns, w->name);
    rc = apply_json(k, path, d, err);
    cJSON_Delete(d);
    if (rc != 0)
        return sc_err_prefix(err, "deployment '%s'", w->name);
    return 0;
}

static int k_create_service(struct sc_platform *p, const char *ns, const struct sc_service *s,
                            struct sc_err *err)
{
    struct kube *k = (struct kube *)p;
    cJSON *j = cJSON_CreateObject(), *md, *spec, *sel, *ports;
    char path[512];
    int rc;

    cJSON_AddStringToObject(j, "apiVersion", "v1");
    cJSON_AddStringToObject(j, "kind", "Service");
    md = cJSON_AddObjectToObject(j, "metadata");
    cJSON_AddStringToObject(md, "name", s->name);
    cJSON_AddStringToObject(md, "namespace", ns);
    cJSON_AddStringToObject(cJSON_AddObjectToObject(md, "labels"), PART_OF, "smi-conformance");
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
        cJSON_AddNumberToObject(pt, "targetPort", s->ports[i].port);
        cJSON_AddStringToObject(pt, "protocol", s->ports[i].proto == SC_PROTO_UDP ? "UDP" : "TCP");
        if (s->ports[i].proto != SC_PROTO_UDP)
            cJSON_AddStringToObject(pt, "appProtocol", sc_proto_name(s->ports[i].proto));
        cJSON_AddItemToArray(ports, pt);
    }
    snprintf(path, sizeof(path), "/api/v1/namespaces/%s/services/%s", ns, s->name);
    rc = apply_json(k, path, j, err);
    cJSON_Delete(j);
    if (rc != 0)
        return sc_err_prefix(err, "service '%s'", s->name);
    return 0;
}

static const char *jstr(const cJSON *o, const char *key)
{
    return cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, key));
}

static int jint(const cJSON *o, const char *key)
{
    const cJSON *n = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsNumber(n) ? n->valueint : 0;
}

static bool pod_ready(const cJSON *pod)
{
    const cJSON *st = cJSON_GetObjectItemCaseSensitive(pod, "status"), *c;
    const cJSON *md = cJSON_GetObjectItemCaseSensitive(pod, "metadata");
    if (cJSON_GetObjectItemCaseSensitive(md, "deletionTimestamp") != NULL)
        return false;
    if (jstr(st, "phase") == NULL || strcmp(jstr(st, "phase"), "Running") != 0)
        return false;
    cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(st, "conditions"))
    {
        if (jstr(c, "type") && strcmp(jstr(c, "type"), "Ready") == 0)
            return jstr(c, "status") && strcmp(jstr(c, "status"), "True") == 0;
    }
    return false;
}

/* Why a pod is not ready, from its phase and containers' states ("" when it is). */
static void pod_why(const cJSON *pod, char *out, size_t len)
{
    const cJSON *st = cJSON_GetObjectItemCaseSensitive(pod, "status"), *cs, *c;
    const char *name = jstr(cJSON_GetObjectItemCaseSensitive(pod, "metadata"), "name");
    snprintf(out, len, "pod %s: phase %s", name ? name : "?",
             jstr(st, "phase") ? jstr(st, "phase") : "unknown");
    cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(st, "conditions"))
    {
        if (jstr(c, "type") && strcmp(jstr(c, "type"), "PodScheduled") == 0 && jstr(c, "status") &&
            strcmp(jstr(c, "status"), "False") == 0)
            snprintf(out + strlen(out), len - strlen(out), ", unschedulable: %s",
                     jstr(c, "message") ? jstr(c, "message") : "");
    }
    cs = cJSON_GetObjectItemCaseSensitive(st, "containerStatuses");
    cJSON_ArrayForEach(c, cs)
    {
        const cJSON *state = cJSON_GetObjectItemCaseSensitive(c, "state");
        const cJSON *w = cJSON_GetObjectItemCaseSensitive(state, "waiting");
        const cJSON *t = cJSON_GetObjectItemCaseSensitive(state, "terminated");
        if (w != NULL)
            snprintf(out + strlen(out), len - strlen(out), ", container %s waiting: %s%s%s",
                     jstr(c, "name"), jstr(w, "reason") ? jstr(w, "reason") : "",
                     jstr(w, "message") ? " " : "", jstr(w, "message") ? jstr(w, "message") : "");
        else if (t != NULL)
            snprintf(out + strlen(out), len - strlen(out),
                     ", container %s terminated: %s (exit %d)", jstr(c, "name"),
                     jstr(t, "reason") ? jstr(t, "reason") : "", jint(t, "exitCode"));
        else if (!cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(c, "ready")))
            snprintf(out + strlen(out), len - strlen(out), ", container %s not ready",
                     jstr(c, "name"));
    }
}

static cJSON *get_json(struct kube *k, const char *path, struct sc_err *err)
{
    char *body = NULL;
    cJSON *j;
    if (sc_kube_call(k->c, "GET", path, NULL, NULL, &body, NULL, err) != 0)
        return NULL;
    j = cJSON_Parse(body);
    free(body);
    if (j == NULL)
        sc_err_set(err, SC_EPROTO, "GET %s: the answer is not JSON", path);
    return j;
}

/* One look at every deployment of ns: true when all are ready, else *why says the first
 * that is not (with its last condition and, if any, a pod's reason). */
static bool all_ready(struct kube *k, const char *ns, char *why, size_t len, struct sc_err *err)
{
    char path[512], sel[128];
    cJSON *list;
    const cJSON *d;
    bool ok = true;

    snprintf(path, sizeof(path), "/apis/apps/v1/namespaces/%s/deployments?labelSelector=%s", ns,
             sc_kube_query_escape(PART_OF "=smi-conformance", sel, sizeof(sel)));
    list = get_json(k, path, err);
    if (list == NULL) {
        snprintf(why, len, "%s", err->msg);
        return false;
    }
    cJSON_ArrayForEach(d, cJSON_GetObjectItemCaseSensitive(list, "items"))
    {
        const cJSON *md = cJSON_GetObjectItemCaseSensitive(d, "metadata");
        const cJSON *spec = cJSON_GetObjectItemCaseSensitive(d, "spec");
        const cJSON *st = cJSON_GetObjectItemCaseSensitive(d, "status"), *c;
        const char *name = jstr(md, "name");
        int want = cJSON_GetObjectItemCaseSensitive(spec, "replicas") ? jint(spec, "replicas") : 1;
        if (jint(st, "observedGeneration") >= jint(md, "generation") &&
            jint(st, "readyReplicas") >= want && jint(st, "updatedReplicas") >= want &&
            jint(st, "replicas") == want)
            continue;
        ok = false;
        snprintf(why, len, "deployment %s: %d/%d ready", name ? name : "?",
                 jint(st, "readyReplicas"), want);
        cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(st, "conditions"))
        {
            if (jstr(c, "type") && strcmp(jstr(c, "type"), "Available") == 0)
                snprintf(why + strlen(why), len - strlen(why), "; Available=%s %s: %s",
                         jstr(c, "status") ? jstr(c, "status") : "?",
                         jstr(c, "reason") ? jstr(c, "reason") : "",
                         jstr(c, "message") ? jstr(c, "message") : "");
        }
        {
            char ppath[512];
            struct sc_err e2;
            cJSON *pods;
            const cJSON *pod;
            char isel[256], esc[300];
            snprintf(isel, sizeof(isel), INSTANCE "=%s", name ? name : "");
            snprintf(ppath, sizeof(ppath), "/api/v1/namespaces/%s/pods?labelSelector=%s", ns,
                     sc_kube_query_escape(isel, esc, sizeof(esc)));
            sc_err_init(&e2);
            pods = get_json(k, ppath, &e2);
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
        break;
    }
    cJSON_Delete(list);
    return ok;
}

static int k_wait_ready(struct sc_platform *p, const char *ns, unsigned timeout_ms,
                        struct sc_err *err)
{
    struct kube *k = (struct kube *)p;
    uint64_t deadline = sc_now_ns() + (uint64_t)timeout_ms * 1000000ull;
    unsigned delay = 100;
    char why[800] = "";

    for (;;) {
        struct sc_err e2;
        sc_err_init(&e2);
        if (all_ready(k, ns, why, sizeof(why), &e2))
            return 0;
        if (sc_now_ns() >= deadline)
            return sc_err_set(err, SC_ETIMEOUT, "not ready within %ums: %s", timeout_ms, why);
        sc_sleep_ms(delay);
        delay = next_poll(delay);
    }
}

/* "/apis/GROUP/VERSION/namespaces/NS/PLURAL/NAME" for an SMI object. */
static int object_path(struct kube *k, const char *ns, const char *api_version, const char *kind,
                       const char *name, char *out, size_t len, struct sc_err *err)
{
    const char *plural = sc_kube_resource_name(&k->disc, api_version, kind);
    if (strchr(api_version, '/') == NULL)
        return sc_err_set(err, SC_EINVAL, "apiVersion '%s' has no group", api_version);
    if (plural == NULL)
        return sc_err_set(err, SC_ENOTFOUND, "%s %s is not served by the cluster", api_version,
                          kind);
    snprintf(out, len, "/apis/%s/namespaces/%s/%s/%s", api_version, ns, plural, name);
    return 0;
}

static int k_apply(struct sc_platform *p, const char *ns, const char *json, struct sc_err *err)
{
    struct kube *k = (struct kube *)p;
    cJSON *j = cJSON_Parse(json), *md;
    const char *av, *kind, *name;
    char path[768];
    int rc;

    if (j == NULL)
        return sc_err_set(err, SC_EINVAL, "the object to apply is not JSON");
    av = jstr(j, "apiVersion");
    kind = jstr(j, "kind");
    md = cJSON_GetObjectItemCaseSensitive(j, "metadata");
    name = jstr(md, "name");
    if (av == NULL || kind == NULL || name == NULL) {
        cJSON_Delete(j);
        return sc_err_set(err, SC_EINVAL, "the object needs apiVersion, kind and metadata.name");
    }
    rc = object_path(k, ns, av, kind, name, path, sizeof(path), err);
    if (rc == 0) {
        cJSON_DeleteItemFromObjectCaseSensitive(md, "namespace");
        cJSON_AddStringToObject(md, "namespace", ns);
        rc = apply_json(k, path, j, err);
    }
    if (rc != 0)
        sc_err_prefix(err, "%s '%s'", kind, name);
    cJSON_Delete(j);
    return rc;
}

static int k_remove(struct sc_platform *p, const char *ns, const char *api_version,
                    const char *kind, const char *name, struct sc_err *err)
{
    struct kube *k = (struct kube *)p;
    char path[768], what[300];
    int rc = object_path(k, ns, api_version, kind, name, path, sizeof(path), err);
    if (rc == 0)
        rc = sc_kube_call(k->c, "DELETE", path, NULL,
                          "{\"apiVersion\":\"v1\",\"kind\":\"DeleteOptions\","
                          "\"propagationPolicy\":\"Foreground\"}",
                          NULL, NULL, err);
    if (rc == 0) {
        snprintf(what, sizeof(what), "%s '%s'", kind, name);
        rc = wait_gone(k, path, what, REMOVE_WAIT_MS, err);
    } else {
        sc_err_prefix(err, "cannot delete %s '%s'", kind, name);
    }
    return rc;
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The name of ready pod `idx` of workload w (sorted by name, so the choice is stable). */
static int find_pod(struct kube *k, const char *ns, const char *w, unsigned idx, char *out,
                    size_t len, struct sc_err *err)
{
    char path[512], sel[256], esc[300], *names[256];
    size_t n = 0, total = 0;
    const cJSON *pod;
    cJSON *list;

    snprintf(sel, sizeof(sel), INSTANCE "=%s", w);
    snprintf(path, sizeof(path), "/api/v1/namespaces/%s/pods?labelSelector=%s", ns,
             sc_kube_query_escape(sel, esc, sizeof(esc)));
    list = get_json(k, path, err);
    if (list == NULL)
        return err ? err->code : SC_EIO;
    cJSON_ArrayForEach(pod, cJSON_GetObjectItemCaseSensitive(list, "items"))
    {
        const char *name = jstr(cJSON_GetObjectItemCaseSensitive(pod, "metadata"), "name");
        total++;
        if (name != NULL && pod_ready(pod) && n < 256)
            names[n++] = (char *)name;
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

static int k_traffic(struct sc_platform *p, const char *ns, const char *workload, unsigned idx,
                     const char *plan_json, char **result, struct sc_err *err)
{
    struct kube *k = (struct kube *)p;
    char pod[256], path[768], *body;
    struct sc_kube_resp r;
    cJSON *plan;
    int rc;

    *result = NULL;
    rc = find_pod(k, ns, workload, idx, pod, sizeof(pod), err);
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
    snprintf(path, sizeof(path), "/api/v1/namespaces/%s/pods/%s:%d/proxy/v1/traffic", ns, pod,
             k->prof->agent_port);
    rc = sc_kube_do(k->c, "POST", path, "application/json", body, TRAFFIC_TIMEOUT, &r, err);
    free(body);
    if (rc != 0)
        return sc_err_prefix(err, "agent %s/%s", ns, pod);
    if (r.status != 200) {
        cJSON *j = cJSON_Parse(r.body);
        const char *e = jstr(j, "error");
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

static int k_metrics(struct sc_platform *p, const char *path, char **json, struct sc_err *err)
{
    struct kube *k = (struct kube *)p;
    *json = NULL;
    if (strncmp(path, "/apis/metrics.smi-spec.io/", 26) != 0)
        return sc_err_set(err, SC_EINVAL, "'%s' is not a metrics.smi-spec.io path", path);
    return sc_kube_call(k->c, "GET", path, NULL, NULL, json, NULL, err);
}

/* ---- diagnostics ------------------------------------------------------------------------ */

static void container_diag(struct kube *k, const char *ns, const char *pod, const cJSON *status,
                           const char *cname, cJSON *arr)
{
    cJSON *c = cJSON_CreateObject();
    char path[768];
    struct sc_kube_resp r;
    struct sc_err e2;

    cJSON_AddStringToObject(c, "name", cname);
    if (status != NULL) {
        const cJSON *state = cJSON_GetObjectItemCaseSensitive(status, "state");
        const cJSON *s = state ? state->child : NULL;
        cJSON_AddBoolToObject(c, "ready", cJSON_IsTrue(cJSON_GetObjectItem(status, "ready")));
        cJSON_AddNumberToObject(c, "restarts", jint(status, "restartCount"));
        if (s != NULL) {
            char buf[300];
            snprintf(buf, sizeof(buf), "%s%s%s", s->string, jstr(s, "reason") ? ": " : "",
                     jstr(s, "reason") ? jstr(s, "reason") : "");
            cJSON_AddStringToObject(c, "state", buf);
        }
    }
    snprintf(path, sizeof(path),
             "/api/v1/namespaces/%s/pods/%s/log?container=%s&tailLines=%d&limitBytes=32768", ns,
             pod, cname, LOG_TAIL_LINES);
    sc_err_init(&e2);
    if (sc_kube_do(k->c, "GET", path, NULL, NULL, 10000, &r, &e2) == 0) {
        if (r.status == 200) {
            cJSON_AddStringToObject(c, "log", r.body);
        } else {
            sc_kube_status_error("GET", path, r.status, r.body, &e2);
            cJSON_AddStringToObject(c, "logError", e2.msg);
        }
        sc_kube_resp_release(&r);
    } else {
        cJSON_AddStringToObject(c, "logError", e2.msg);
    }
    cJSON_AddItemToArray(arr, c);
}

static void k_diagnostics(struct sc_platform *p, const char *ns, char **out)
{
    struct kube *k = (struct kube *)p;
    cJSON *d = cJSON_CreateObject(), *pods, *events, *list;
    const cJSON *pod, *ev;
    char path[512];
    struct sc_err e2;
    size_t nev = 0;

    *out = NULL;
    cJSON_AddStringToObject(d, "namespace", ns);
    pods = cJSON_AddArrayToObject(d, "pods");
    sc_err_init(&e2);
    snprintf(path, sizeof(path), "/api/v1/namespaces/%s/pods", ns);
    list = get_json(k, path, &e2);
    if (list == NULL)
        cJSON_AddStringToObject(d, "podsError", e2.msg);
    cJSON_ArrayForEach(pod, cJSON_GetObjectItemCaseSensitive(list, "items"))
    {
        const cJSON *md = cJSON_GetObjectItemCaseSensitive(pod, "metadata");
        const cJSON *spec = cJSON_GetObjectItemCaseSensitive(pod, "spec");
        const cJSON *st = cJSON_GetObjectItemCaseSensitive(pod, "status"), *c;
        const char *name = jstr(md, "name");
        cJSON *pj = cJSON_CreateObject(), *cs;
        if (name == NULL) {
            cJSON_Delete(pj);
            continue;
        }
        cJSON_AddStringToObject(pj, "name", name);
        cJSON_AddStringToObject(pj, "phase", jstr(st, "phase") ? jstr(st, "phase") : "");
        if (jstr(spec, "nodeName"))
            cJSON_AddStringToObject(pj, "node", jstr(spec, "nodeName"));
        cs = cJSON_AddArrayToObject(pj, "containers");
        /* Init containers too: sidecar injectors often put the mesh's there. */
        for (int pass = 0; pass < 2; pass++) {
            const char *sk = pass ? "containers" : "initContainers";
            const char *stk = pass ? "containerStatuses" : "initContainerStatuses";
            cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(spec, sk))
            {
                const char *cname = jstr(c, "name");
                const cJSON *s, *found = NULL;
                if (cname == NULL)
                    continue;
                cJSON_ArrayForEach(s, cJSON_GetObjectItemCaseSensitive(st, stk))
                {
                    if (jstr(s, "name") && strcmp(jstr(s, "name"), cname) == 0)
                        found = s;
                }
                container_diag(k, ns, name, found, cname, cs);
            }
        }
        cJSON_AddItemToArray(pods, pj);
    }
    cJSON_Delete(list);
    events = cJSON_AddArrayToObject(d, "events");
    snprintf(path, sizeof(path), "/api/v1/namespaces/%s/events", ns);
    sc_err_init(&e2);
    list = get_json(k, path, &e2);
    if (list == NULL)
        cJSON_AddStringToObject(d, "eventsError", e2.msg);
    cJSON_ArrayForEach(ev, cJSON_GetObjectItemCaseSensitive(list, "items"))
    {
        const cJSON *obj = cJSON_GetObjectItemCaseSensitive(ev, "involvedObject");
        char line[1024];
        const char *ts =
            jstr(ev, "lastTimestamp") ? jstr(ev, "lastTimestamp") : jstr(ev, "eventTime");
        if (nev++ >= MAX_EVENTS)
            break;
        snprintf(
            line, sizeof(line), "%s %s %s %s/%s: %s", ts ? ts : "-",
            jstr(ev, "type") ? jstr(ev, "type") : "", jstr(ev, "reason") ? jstr(ev, "reason") : "",
            jstr(obj, "kind") ? jstr(obj, "kind") : "", jstr(obj, "name") ? jstr(obj, "name") : "",
            jstr(ev, "message") ? jstr(ev, "message") : "");
        cJSON_AddItemToArray(events, cJSON_CreateString(line));
    }
    cJSON_Delete(list);
    *out = cJSON_Print(d);
    cJSON_Delete(d);
    /* Logs are the tests' own, but a misbehaving container could print anything. */
    sc_kube_redact(k->c, *out);
}

static void k_destroy(struct sc_platform *p)
{
    struct kube *k = (struct kube *)p;
    if (k == NULL)
        return;
    sc_kube_client_free(k->c);
    sc_kube_profile_free(k->prof);
    sc_kube_discovery_release(&k->disc);
    free(k->image);
    free(k->version);
    free(k);
}

static void k_describe(struct sc_platform *p, struct sc_platform_info *out)
{
    out->mesh = ((struct kube *)p)->prof->name;
    out->kube_version = sc_kube_version(p);
    out->keep_note = NULL; /* the namespaces outlive the harness */
}

static const struct sc_platform_ops kube_ops = {
    .name = "kube",
    .served = k_served,
    .create_namespace = k_create_namespace,
    .delete_namespace = k_delete_namespace,
    .deploy = k_deploy,
    .create_service = k_create_service,
    .wait_ready = k_wait_ready,
    .apply = k_apply,
    .remove = k_remove,
    .traffic = k_traffic,
    .metrics = k_metrics,
    .describe = k_describe,
    .diagnostics = k_diagnostics,
    .destroy = k_destroy,
};

const struct sc_kube_profile *sc_kube_profile(const struct sc_platform *p)
{
    return ((const struct kube *)p)->prof;
}

const char *sc_kube_origin(const struct sc_platform *p)
{
    return sc_kube_client_config(((const struct kube *)p)->c)->origin;
}

const char *sc_kube_version(struct sc_platform *p)
{
    struct kube *k = (struct kube *)p;
    char *body = NULL;
    cJSON *j;

    if (k->version != NULL)
        return k->version;
    if (sc_kube_call(k->c, "GET", "/version", NULL, NULL, &body, NULL, NULL) == 0) {
        j = cJSON_Parse(body);
        if (cJSON_IsString(cJSON_GetObjectItem(j, "gitVersion")))
            k->version = sc_xstrdup(cJSON_GetObjectItem(j, "gitVersion")->valuestring);
        cJSON_Delete(j);
    }
    free(body);
    return k->version;
}

const char *sc_kube_server(const struct sc_platform *p)
{
    return sc_kube_client_config(((const struct kube *)p)->c)->server;
}

int sc_kube_new(const struct sc_kube_opts *o, struct sc_platform **out, struct sc_err *err)
{
    struct kube *k;
    struct sc_kube_config *cfg = NULL;
    int rc;

    *out = NULL;
    if (o->mesh == NULL || o->mesh[0] == '\0')
        return sc_err_set(err, SC_EINVAL,
                          "the kube platform needs a mesh profile (--mesh NAME or a file)");
    if (o->in_cluster && (o->kubeconfig || o->context))
        return sc_err_set(err, SC_EINVAL,
                          "in-cluster configuration excludes a kubeconfig or "
                          "context");
    k = sc_xcalloc(1, sizeof(*k));
    rc = sc_kube_profile_find(o->mesh, o->profiles_dir, &k->prof, err);
    if (rc != 0)
        goto fail;
    if (o->in_cluster)
        rc = sc_kube_config_in_cluster(o->sa_dir, &cfg, err);
    else
        rc = sc_kube_config_load(o->kubeconfig, o->context, &cfg, err);
    if (rc != 0)
        goto fail;
    rc = sc_kube_client_new(cfg, o->client, &k->c, err);
    if (rc != 0)
        goto fail;
    rc = sc_kube_discover(k->c, &k->disc, err);
    if (rc != 0) {
        sc_err_prefix(err, "cannot use the cluster at %s from %s",
                      sc_kube_client_config(k->c)->server, sc_kube_client_config(k->c)->origin);
        if (err && err->code == SC_EPROTO)
            err->code = SC_ECONNECT;
        goto fail;
    }
    k->image = sc_xstrdup(o->fixture_image ? o->fixture_image : SC_KUBE_DEFAULT_IMAGE);
    k->delete_timeout_ms = o->delete_timeout_ms ? o->delete_timeout_ms : 180000;
    k->base.ops = &kube_ops;
    k->base.deny_http_status = k->prof->deny_http_status;
    k->base.deny_tcp_refused = k->prof->deny_tcp_refused;
    sc_log_info("kube", "cluster %s (%s), mesh %s, fixture image %s",
                sc_kube_client_config(k->c)->server, sc_kube_client_config(k->c)->origin,
                k->prof->name, k->image);
    *out = &k->base;
    return 0;
fail:
    k_destroy(&k->base);
    return rc;
}
