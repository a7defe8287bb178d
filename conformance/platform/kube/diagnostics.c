/* diagnostics.c - what a failed test gets attached: pods, container states, logs, events. */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "platform/kube/kube_ops.h"

#define LOG_TAIL_LINES 60
#define MAX_EVENTS     100

/* "" for NULL: events and statuses leave fields out. */
static const char *or_empty(const char *s)
{
    return s ? s : "";
}

static void container_diag(struct sc_kube *k, const char *ns, const char *pod, const cJSON *status,
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
        cJSON_AddNumberToObject(c, "restarts", sc_kube_jint(status, "restartCount"));
        if (s != NULL) {
            const char *reason = sc_kube_jstr(s, "reason");
            char buf[300];
            snprintf(buf, sizeof(buf), "%s%s%s", s->string, reason ? ": " : "", or_empty(reason));
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

/* One pod: name, phase, node, and each container (init containers first). */
static void pod_diag(struct sc_kube *k, const char *ns, const cJSON *pod, cJSON *pods)
{
    const cJSON *md = cJSON_GetObjectItemCaseSensitive(pod, "metadata");
    const cJSON *spec = cJSON_GetObjectItemCaseSensitive(pod, "spec");
    const cJSON *st = cJSON_GetObjectItemCaseSensitive(pod, "status"), *c;
    const char *name = sc_kube_jstr(md, "name");
    cJSON *pj, *cs;

    if (name == NULL)
        return;
    pj = cJSON_CreateObject();
    cJSON_AddStringToObject(pj, "name", name);
    cJSON_AddStringToObject(pj, "phase", or_empty(sc_kube_jstr(st, "phase")));
    if (sc_kube_jstr(spec, "nodeName"))
        cJSON_AddStringToObject(pj, "node", sc_kube_jstr(spec, "nodeName"));
    cs = cJSON_AddArrayToObject(pj, "containers");
    /* Init containers too: sidecar injectors often put the mesh's there. */
    for (int pass = 0; pass < 2; pass++) {
        const char *sk = pass ? "containers" : "initContainers";
        const char *stk = pass ? "containerStatuses" : "initContainerStatuses";
        cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(spec, sk))
        {
            const char *cname = sc_kube_jstr(c, "name");
            const cJSON *s, *found = NULL;
            if (cname == NULL)
                continue;
            cJSON_ArrayForEach(s, cJSON_GetObjectItemCaseSensitive(st, stk))
            {
                if (sc_kube_jstr(s, "name") && strcmp(sc_kube_jstr(s, "name"), cname) == 0)
                    found = s;
            }
            container_diag(k, ns, name, found, cname, cs);
        }
    }
    cJSON_AddItemToArray(pods, pj);
}

/* The namespace's events, one line each, MAX_EVENTS at most. */
static void events_diag(struct sc_kube *k, const char *ns, cJSON *d)
{
    cJSON *events = cJSON_AddArrayToObject(d, "events"), *list;
    const cJSON *ev;
    char path[512];
    struct sc_err e2;
    size_t nev = 0;

    snprintf(path, sizeof(path), "/api/v1/namespaces/%s/events", ns);
    sc_err_init(&e2);
    list = sc_kube_get_json(k, path, &e2);
    if (list == NULL)
        cJSON_AddStringToObject(d, "eventsError", e2.msg);
    cJSON_ArrayForEach(ev, cJSON_GetObjectItemCaseSensitive(list, "items"))
    {
        const cJSON *obj = cJSON_GetObjectItemCaseSensitive(ev, "involvedObject");
        char line[1024];
        const char *ts = sc_kube_jstr(ev, "lastTimestamp") ? sc_kube_jstr(ev, "lastTimestamp")
                                                           : sc_kube_jstr(ev, "eventTime");
        if (nev++ >= MAX_EVENTS)
            break;
        snprintf(line, sizeof(line), "%s %s %s %s/%s: %s", ts ? ts : "-",
                 or_empty(sc_kube_jstr(ev, "type")), or_empty(sc_kube_jstr(ev, "reason")),
                 or_empty(sc_kube_jstr(obj, "kind")), or_empty(sc_kube_jstr(obj, "name")),
                 or_empty(sc_kube_jstr(ev, "message")));
        cJSON_AddItemToArray(events, cJSON_CreateString(line));
    }
    cJSON_Delete(list);
}

void sc_kube_op_diagnostics(struct sc_platform *p, const char *ns, char **out)
{
    struct sc_kube *k = (struct sc_kube *)p;
    cJSON *d = cJSON_CreateObject(), *pods, *list;
    const cJSON *pod;
    char path[512];
    struct sc_err e2;

    *out = NULL;
    cJSON_AddStringToObject(d, "namespace", ns);
    pods = cJSON_AddArrayToObject(d, "pods");
    sc_err_init(&e2);
    snprintf(path, sizeof(path), "/api/v1/namespaces/%s/pods", ns);
    list = sc_kube_get_json(k, path, &e2);
    if (list == NULL)
        cJSON_AddStringToObject(d, "podsError", e2.msg);
    cJSON_ArrayForEach(pod, cJSON_GetObjectItemCaseSensitive(list, "items"))
    {
        pod_diag(k, ns, pod, pods);
    }
    cJSON_Delete(list);
    events_diag(k, ns, d);
    *out = cJSON_Print(d);
    cJSON_Delete(d);
    /* Logs are the tests' own, but a misbehaving container could print anything. */
    sc_kube_redact(k->c, *out);
}
