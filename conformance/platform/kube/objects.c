/* objects.c - namespaces and SMI objects on the API server: server-side apply, delete, wait. */
#include <cjson/cJSON.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "base/util.h"
#include "platform/kube/kube_ops.h"

#define APPLY_TYPE     "application/apply-patch+yaml"
#define APPLY_QUERY    "?fieldManager=smi-conformance&force=true"
#define REMOVE_WAIT_MS 30000u
#define DELETE_OPTIONS                                                                             \
    "{\"apiVersion\":\"v1\",\"kind\":\"DeleteOptions\",\"propagationPolicy\":\"Foreground\"}"

int sc_kube_apply_json(struct sc_kube *k, const char *path, const cJSON *obj, struct sc_err *err)
{
    char *body = cJSON_PrintUnformatted(obj), full[1024];
    int rc;
    if (body == NULL)
        return sc_err_set(err, SC_ENOMEM, "cannot write the object for %s", path);
    snprintf(full, sizeof(full), "%s%s", path, APPLY_QUERY);
    rc = sc_kube_call(k->c, "PATCH", full, APPLY_TYPE, body, NULL, NULL, err);
    free(body);
    return rc;
}

void sc_kube_add_pairs(cJSON *obj, const struct sc_profile_pairs *p, int agent_port)
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

cJSON *sc_kube_get_json(struct sc_kube *k, const char *path, struct sc_err *err)
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

cJSON *sc_kube_object(const char *api_version, const char *kind, const char *name, const char *ns,
                      cJSON **labels)
{
    cJSON *j = cJSON_CreateObject(), *md, *lab;
    cJSON_AddStringToObject(j, "apiVersion", api_version);
    cJSON_AddStringToObject(j, "kind", kind);
    md = cJSON_AddObjectToObject(j, "metadata");
    cJSON_AddStringToObject(md, "name", name);
    if (ns != NULL)
        cJSON_AddStringToObject(md, "namespace", ns);
    lab = cJSON_AddObjectToObject(md, "labels");
    cJSON_AddStringToObject(lab, SC_KUBE_PART_OF, "smi-conformance");
    if (labels != NULL)
        *labels = lab;
    return j;
}

int sc_kube_op_create_namespace(struct sc_platform *p, const char *ns, struct sc_err *err)
{
    struct sc_kube *k = (struct sc_kube *)p;
    cJSON *labels, *j = sc_kube_object("v1", "Namespace", ns, NULL, &labels);
    cJSON *md = cJSON_GetObjectItemCaseSensitive(j, "metadata"), *ann;
    char path[256];
    int rc;

    sc_kube_add_pairs(labels, &k->prof->ns_labels, k->prof->agent_port);
    ann = cJSON_AddObjectToObject(md, "annotations");
    sc_kube_add_pairs(ann, &k->prof->ns_annotations, k->prof->agent_port);
    if (k->enforce_access) {
        sc_kube_add_pairs(labels, &k->prof->enforce_ns_labels, k->prof->agent_port);
        sc_kube_add_pairs(ann, &k->prof->enforce_ns_annotations, k->prof->agent_port);
    }
    snprintf(path, sizeof(path), "/api/v1/namespaces/%s", ns);
    rc = sc_kube_apply_json(k, path, j, err);
    cJSON_Delete(j);
    if (rc != 0)
        return sc_err_prefix(err, "namespace '%s'", ns);
    return 0;
}

/* What a GET of an object still being deleted says: its phase and true conditions. */
static void still_there(const cJSON *j, char *last, size_t len)
{
    const cJSON *st = cJSON_GetObjectItemCaseSensitive(j, "status"), *cond;
    const char *phase = sc_kube_jstr(st, "phase");
    snprintf(last, len, "%s%s", phase ? "phase " : "still present", phase ? phase : "");
    cJSON_ArrayForEach(cond, cJSON_GetObjectItemCaseSensitive(st, "conditions"))
    {
        const char *s = sc_kube_jstr(cond, "status"), *t = sc_kube_jstr(cond, "type");
        const char *m = sc_kube_jstr(cond, "message");
        if (s && strcmp(s, "True") == 0 && t)
            snprintf(last + strlen(last), len - strlen(last), "; %s: %s", t, m ? m : "");
    }
}

/* Poll GET path until 404; `what` names it in the timeout message. */
static int wait_gone(struct sc_kube *k, const char *path, const char *what, unsigned timeout_ms,
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
                still_there(j, last, sizeof(last));
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
        delay = sc_kube_next_poll(delay);
    }
}

int sc_kube_delete_namespace(struct sc_kube *k, const char *ns, unsigned wait_ms,
                             struct sc_err *err)
{
    char path[256], what[300];
    long status = 0;
    int rc;

    snprintf(path, sizeof(path), "/api/v1/namespaces/%s", ns);
    rc = sc_kube_call(k->c, "DELETE", path, NULL, DELETE_OPTIONS, NULL, &status, err);
    if (rc != 0 && status == 404) {
        sc_err_init(err);
        return 0;
    }
    if (rc != 0)
        return sc_err_prefix(err, "cannot delete namespace '%s'", ns);
    if (wait_ms == 0)
        return 0;
    snprintf(what, sizeof(what), "namespace '%s'", ns);
    return wait_gone(k, path, what, wait_ms, err);
}

/* A namespace takes seconds to terminate on a cluster (its pods' grace period, the
 * finalizers): the case goes on at once and the run confirms the end of every deletion
 * once, at its end. */
int sc_kube_op_delete_namespace(struct sc_platform *p, const char *ns, struct sc_err *err)
{
    struct sc_kube *k = (struct sc_kube *)p;
    int rc = sc_kube_delete_namespace(k, ns, 0, err);
    if (rc != 0)
        return rc;
    SC_ASSERT_OK(pthread_mutex_lock(&k->deleting_mu));
    k->deleting = sc_xreallocarray(k->deleting, k->ndeleting + 1, sizeof(*k->deleting));
    k->deleting[k->ndeleting++] = sc_xstrdup(ns);
    SC_ASSERT_OK(pthread_mutex_unlock(&k->deleting_mu));
    return 0;
}

int sc_kube_op_await_deleted(struct sc_platform *p, struct sc_err *err)
{
    struct sc_kube *k = (struct sc_kube *)p;
    uint64_t deadline = sc_now_ns() + (uint64_t)k->delete_timeout_ms * 1000000ull;
    char left[600] = "";
    size_t n, nleft = 0;
    char **names;

    SC_ASSERT_OK(pthread_mutex_lock(&k->deleting_mu));
    names = k->deleting;
    n = k->ndeleting;
    k->deleting = NULL;
    k->ndeleting = 0;
    SC_ASSERT_OK(pthread_mutex_unlock(&k->deleting_mu));
    for (size_t i = 0; i < n; i++) {
        char path[256], what[300];
        uint64_t now = sc_now_ns();
        unsigned ms = now >= deadline ? 1 : (unsigned)((deadline - now) / 1000000ull) + 1;
        struct sc_err e;
        sc_err_init(&e);
        snprintf(path, sizeof(path), "/api/v1/namespaces/%s", names[i]);
        snprintf(what, sizeof(what), "namespace '%s'", names[i]);
        if (wait_gone(k, path, what, ms, &e) != 0) {
            size_t l = strlen(left);
            if (nleft++ == 0)
                snprintf(left, sizeof(left), "%s", e.msg);
            else
                snprintf(left + l, sizeof(left) - l, "; and %s", names[i]);
        }
        free(names[i]);
    }
    free(names);
    if (nleft > 0)
        return sc_err_set(err, SC_ETIMEOUT, "%zu of %zu deleted namespaces not gone within %us: %s",
                          nleft, n, k->delete_timeout_ms / 1000, left);
    return 0;
}

/* "/apis/GROUP/VERSION/namespaces/NS/PLURAL/NAME" for an SMI object. */
static int object_path(struct sc_kube *k, const char *ns, const char *api_version, const char *kind,
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

int sc_kube_op_apply(struct sc_platform *p, const char *ns, const char *json, struct sc_err *err)
{
    struct sc_kube *k = (struct sc_kube *)p;
    cJSON *j = cJSON_Parse(json), *md;
    const char *av, *kind, *name;
    char path[768];
    int rc;

    if (j == NULL)
        return sc_err_set(err, SC_EINVAL, "the object to apply is not JSON");
    av = sc_kube_jstr(j, "apiVersion");
    kind = sc_kube_jstr(j, "kind");
    md = cJSON_GetObjectItemCaseSensitive(j, "metadata");
    name = sc_kube_jstr(md, "name");
    if (av == NULL || kind == NULL || name == NULL) {
        cJSON_Delete(j);
        return sc_err_set(err, SC_EINVAL, "the object needs apiVersion, kind and metadata.name");
    }
    rc = object_path(k, ns, av, kind, name, path, sizeof(path), err);
    if (rc == 0) {
        cJSON_DeleteItemFromObjectCaseSensitive(md, "namespace");
        cJSON_AddStringToObject(md, "namespace", ns);
        rc = sc_kube_apply_json(k, path, j, err);
    }
    if (rc != 0)
        sc_err_prefix(err, "%s '%s'", kind, name);
    cJSON_Delete(j);
    return rc;
}

int sc_kube_op_remove(struct sc_platform *p, const char *ns, const char *api_version,
                      const char *kind, const char *name, struct sc_err *err)
{
    struct sc_kube *k = (struct sc_kube *)p;
    char path[768], what[300];
    int rc = object_path(k, ns, api_version, kind, name, path, sizeof(path), err);
    if (rc == 0)
        rc = sc_kube_call(k->c, "DELETE", path, NULL, DELETE_OPTIONS, NULL, NULL, err);
    if (rc == 0) {
        snprintf(what, sizeof(what), "%s '%s'", kind, name);
        rc = wait_gone(k, path, what, REMOVE_WAIT_MS, err);
    } else {
        sc_err_prefix(err, "cannot delete %s '%s'", kind, name);
    }
    return rc;
}
