/* double_store.c - the double's objects: create, apply, get, list, delete, resourceVersion. */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "double_state.h"

struct dbl_obj *sc_dbl_find(struct sc_kube_double *d, const char *path)
{
    for (struct dbl_obj *o = d->objs; o; o = o->next)
        if (strcmp(o->path, path) == 0)
            return o;
    return NULL;
}

void sc_dbl_drop(struct sc_kube_double *d, struct dbl_obj *x)
{
    for (struct dbl_obj **pp = &d->objs; *pp; pp = &(*pp)->next)
        if (*pp == x) {
            *pp = x->next;
            sc_dbl_reap(x);
            free(x->path);
            free(x->ns);
            cJSON_Delete(x->j);
            free(x);
            return;
        }
}

struct dbl_obj *sc_dbl_put(struct sc_kube_double *d, const char *path, const char *ns, cJSON *j)
{
    struct dbl_obj *o = calloc(1, sizeof(*o));
    if (o == NULL)
        abort();
    o->path = sc_dbl_strdup(path);
    o->ns = ns ? sc_dbl_strdup(ns) : NULL;
    o->j = j;
    o->outfd = -1;
    o->next = d->objs;
    d->objs = o;
    return o;
}

void sc_dbl_bump_rv(struct sc_kube_double *d, cJSON *j)
{
    char rv[32];
    cJSON *md = cJSON_GetObjectItemCaseSensitive(j, "metadata");
    snprintf(rv, sizeof(rv), "%lu", ++d->rv);
    cJSON_DeleteItemFromObjectCaseSensitive(md, "resourceVersion");
    cJSON_AddStringToObject(md, "resourceVersion", rv);
}

static void now_rfc3339(char *buf, size_t len)
{
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

const char *sc_dbl_qparam(const struct dbl_req *q, const char *name, char *buf, size_t len)
{
    size_t nl = strlen(name);
    for (const char *p = q->query; *p;) {
        if (strncmp(p, name, nl) == 0 && p[nl] == '=') {
            size_t n = 0;
            p += nl + 1;
            while (*p && *p != '&' && n + 1 < len) {
                if (*p == '%' && p[1] && p[2]) {
                    char hex[3] = {p[1], p[2], 0};
                    buf[n++] = (char)strtol(hex, NULL, 16);
                    p += 3;
                } else {
                    buf[n++] = *p == '+' ? ' ' : *p;
                    p++;
                }
            }
            buf[n] = '\0';
            return buf;
        }
        p = strchr(p, '&');
        if (p == NULL)
            break;
        p++;
    }
    return NULL;
}

bool sc_dbl_labels_match(const cJSON *obj, const char *selector)
{
    const cJSON *labels = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(obj, "metadata"), "labels");
    char buf[1024], *save = NULL;
    snprintf(buf, sizeof(buf), "%s", selector);
    for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        char *eq = strchr(t, '=');
        const char *v;
        if (eq == NULL)
            return false;
        *eq = '\0';
        v = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(labels, t));
        if (v == NULL || strcmp(v, eq + 1 + (eq[1] == '=')) != 0)
            return false;
    }
    return true;
}

/*
 * Field selectors: every resource type supports metadata.name and metadata.namespace, with
 * =, == and != (https://kubernetes.io/docs/concepts/overview/working-with-objects/
 * field-selectors/); the double knows no other field (kube-apiserver knows a few more per
 * kind, e.g. a pod's status.phase) and refuses it as the server refuses an unknown one.
 */
int sc_dbl_fields_match(const cJSON *obj, const char *selector, char *bad, size_t len)
{
    const cJSON *md = cJSON_GetObjectItemCaseSensitive(obj, "metadata");
    char buf[512], *save = NULL;
    int match = 1;
    snprintf(buf, sizeof(buf), "%s", selector);
    for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        char *op = strpbrk(t, "!=");
        bool neg = op != NULL && *op == '!';
        const char *want, *have;
        if (op == NULL) {
            snprintf(bad, len, "%s", t);
            return -1;
        }
        want = op + (neg ? 2 : (op[1] == '=' ? 2 : 1));
        *op = '\0';
        if (strcmp(t, "metadata.name") == 0)
            have = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(md, "name"));
        else if (strcmp(t, "metadata.namespace") == 0)
            have = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(md, "namespace"));
        else {
            snprintf(bad, len, "%s", t);
            return -1;
        }
        if ((strcmp(have ? have : "", want) == 0) == neg)
            match = 0;
    }
    return match;
}

/* 400 for a fieldSelector on a field the double does not know; true when r was written. */
static bool bad_field(const struct dbl_req *q, struct dbl_resp *r)
{
    char sel[300], bad[300], msg[800];
    cJSON *none = cJSON_CreateObject();
    bool refuse = sc_dbl_qparam(q, "fieldSelector", sel, sizeof(sel)) != NULL &&
                  sc_dbl_fields_match(none, sel, bad, sizeof(bad)) < 0;
    cJSON_Delete(none);
    if (refuse) {
        snprintf(msg, sizeof(msg),
                 "\"%s\" is not a known field selector: only \"metadata.name\", "
                 "\"metadata.namespace\"",
                 bad);
        sc_dbl_status(r, 400, "BadRequest", msg);
    }
    return refuse;
}

static void resource_text(const struct dbl_route *rt, char *buf, size_t len)
{
    if (rt->group[0])
        snprintf(buf, len, "%s.%s", rt->res, rt->group);
    else
        snprintf(buf, len, "%s", rt->res);
}

static void obj_path(const struct dbl_route *rt, const char *name, char *buf, size_t len)
{
    if (strcmp(rt->res, "namespaces") == 0)
        snprintf(buf, len, "/api/v1/namespaces/%s", name);
    else if (rt->cluster)
        snprintf(buf, len, "%s/%s/%s", rt->prefix, rt->res, name);
    else
        snprintf(buf, len, "%s/namespaces/%s/%s/%s", rt->prefix, rt->ns, rt->res, name);
}

static bool ns_terminating(const struct dbl_obj *o)
{
    return cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(o->j, "metadata"),
                                            "deletionTimestamp") != NULL;
}

/* A namespace GET counts down its termination; returns it or NULL once gone. */
static struct dbl_obj *ns_lookup(struct sc_kube_double *d, const char *ns, bool poll)
{
    char path[300];
    struct dbl_obj *o;
    snprintf(path, sizeof(path), "/api/v1/namespaces/%s", ns);
    o = sc_dbl_find(d, path);
    if (o == NULL)
        return NULL;
    if (ns_terminating(o) && poll && d->o.ns_terminate_ms_max == 0 &&
        ++o->polls > d->o.terminate_polls) {
        sc_dbl_ns_gone(d, o);
        return NULL;
    }
    return o;
}

void sc_dbl_ns_gone(struct sc_kube_double *d, struct dbl_obj *nso)
{
    const char *ns = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(nso->j, "metadata"), "name"));
    char name[256];

    snprintf(name, sizeof(name), "%s", ns ? ns : "");
    /* Termination done: the namespace's content goes with it, then the namespace. */
    for (struct dbl_obj *x = d->objs, *nx; x; x = nx) {
        nx = x->next;
        if (x->ns && strcmp(x->ns, name) == 0) {
            d->rv++;
            sc_dbl_record(d, "DELETED", x->path, x->j);
            sc_dbl_drop(d, x);
        }
    }
    sc_dbl_bump_rv(d, nso->j);
    sc_dbl_record(d, "DELETED", nso->path, nso->j);
    sc_dbl_drop(d, nso);
}

/*
 * A create in a Terminating namespace, refused as kube-apiserver's NamespaceLifecycle
 * admission plugin refuses it (staging/src/k8s.io/apiserver/pkg/admission/plugin/namespace/
 * lifecycle/admission.go, Admit: admission.NewForbidden with "unable to create new content in
 * namespace %s because it is being terminated", and a cause of type
 * v1.NamespaceTerminatingCause, "NamespaceTerminating", field metadata.namespace);
 * apimachinery's errors.NewForbidden writes `RES.GROUP "NAME" is forbidden: ...` with the
 * details {name, group, kind: the resource}. Only creates: an update is allowed.
 */
static void ns_terminating_refusal(const struct dbl_route *rt, const char *name, struct dbl_resp *r)
{
    cJSON *j, *cause;
    char msg[900], rs[200], cm[300];

    resource_text(rt, rs, sizeof(rs));
    snprintf(msg, sizeof(msg),
             "%s \"%s\" is forbidden: unable to create new content in namespace %s because it "
             "is being terminated",
             rs, name, rt->ns);
    j = sc_dbl_forbidden(msg, name, rt->group, rt->res);
    cause = cJSON_CreateObject();
    /* metav1.StatusCause: its Type is written as "reason". */
    cJSON_AddStringToObject(cause, "reason", "NamespaceTerminating");
    snprintf(cm, sizeof(cm), "namespace %s is being terminated", rt->ns);
    cJSON_AddStringToObject(cause, "message", cm);
    cJSON_AddStringToObject(cause, "field", "metadata.namespace");
    cJSON_AddItemToArray(
        cJSON_AddArrayToObject(cJSON_GetObjectItemCaseSensitive(j, "details"), "causes"), cause);
    sc_dbl_json(r, 403, j);
    cJSON_Delete(j);
}

/* An HTTPRouteGroup match whose headers are not of the type the served CRD declares
 * (crd_headers), as kube-apiserver's structural schema validation words it; NULL when fine. */
static const char *bad_headers(const struct sc_kube_double *d, const cJSON *spec, char *buf,
                               size_t len)
{
    const cJSON *m;
    int i = 0;
    if (d->o.crd_headers == NULL)
        return NULL;
    cJSON_ArrayForEach(m, cJSON_GetObjectItemCaseSensitive(spec, "matches"))
    {
        const cJSON *h = cJSON_GetObjectItemCaseSensitive(m, "headers");
        const char *got = cJSON_IsArray(h) ? "array" : cJSON_IsObject(h) ? "object" : NULL;
        if (got != NULL && strcmp(got, d->o.crd_headers) != 0) {
            snprintf(buf, len,
                     "spec.matches[%d].headers: Invalid value: \"%s\": spec.matches[%d].headers "
                     "in body must be of type %s: \"%s\"",
                     i, got, i, d->o.crd_headers, got);
            return buf;
        }
        i++;
    }
    return NULL;
}

/* 422 for objects a real server's validation (schema or CRD) would refuse. */
static const char *invalid(const struct sc_kube_double *d, const char *kind, const cJSON *j,
                           char *buf, size_t len)
{
    const cJSON *spec = cJSON_GetObjectItemCaseSensitive(j, "spec");
    if (strcmp(kind, "HTTPRouteGroup") == 0)
        return bad_headers(d, spec, buf, len);
    if (strcmp(kind, "TrafficSplit") == 0 &&
        !cJSON_IsString(cJSON_GetObjectItemCaseSensitive(spec, "service")))
        return "spec.service: Required value";
    if (strcmp(kind, "Deployment") == 0) {
        const cJSON *c =
            cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(
                                   cJSON_GetObjectItemCaseSensitive(
                                       cJSON_GetObjectItemCaseSensitive(spec, "template"), "spec"),
                                   "containers"),
                               0);
        if (!cJSON_IsString(cJSON_GetObjectItemCaseSensitive(c, "image")))
            return "spec.template.spec.containers[0].image: Required value";
    }
    return NULL;
}

static void merge_into(cJSON *dst, const cJSON *src)
{
    const cJSON *it;
    cJSON_ArrayForEach(it, src)
    {
        if (strcmp(it->string, "metadata") == 0) {
            cJSON *md = cJSON_GetObjectItemCaseSensitive(dst, "metadata");
            const cJSON *m;
            cJSON_ArrayForEach(m, it)
            {
                cJSON_DeleteItemFromObjectCaseSensitive(md, m->string);
                cJSON_AddItemToObject(md, m->string, cJSON_Duplicate(m, 1));
            }
            continue;
        }
        cJSON_DeleteItemFromObjectCaseSensitive(dst, it->string);
        cJSON_AddItemToObject(dst, it->string, cJSON_Duplicate(it, 1));
    }
}

/* Why a write of j (named name) must be refused, as r's Status; false when it may go on. */
static bool refused(struct sc_kube_double *d, const struct dbl_req *q, const struct dbl_route *rt,
                    const char *kind, bool apply, const cJSON *j, const char *name,
                    struct dbl_resp *r)
{
    const char *bkind = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(j, "kind"));
    const char *why;
    char path[700], msg[900], rs[200], fm[128], vbuf[300];

    resource_text(rt, rs, sizeof(rs));
    if (apply && strcmp(q->ctype, "application/apply-patch+yaml") != 0) {
        sc_dbl_status(r, 415, "UnsupportedMediaType",
                      "the body of the request was in an unknown format - accepted media types "
                      "include: application/json-patch+json, application/merge-patch+json, "
                      "application/apply-patch+yaml");
        return true;
    }
    if (apply && sc_dbl_qparam(q, "fieldManager", fm, sizeof(fm)) == NULL) {
        sc_dbl_status(r, 400, "BadRequest", "PATCH, fieldManager is required for apply requests");
        return true;
    }
    if (j == NULL || !cJSON_IsObject(j) || name == NULL) {
        sc_dbl_status(r, 400, "BadRequest", "error decoding the object: metadata.name is required");
        return true;
    }
    if (bkind == NULL || strcmp(bkind, kind) != 0) {
        snprintf(msg, sizeof(msg), "the kind of the object (%s) does not match %s",
                 bkind ? bkind : "", kind);
        sc_dbl_status(r, 400, "BadRequest", msg);
        return true;
    }
    if (apply && strcmp(name, rt->name) != 0) {
        snprintf(msg, sizeof(msg),
                 "the name of the object (%s) does not match the name on the URL (%s)", name,
                 rt->name);
        sc_dbl_status(r, 400, "BadRequest", msg);
        return true;
    }
    if (rt->ns[0]) {
        struct dbl_obj *nso = ns_lookup(d, rt->ns, false);
        if (nso == NULL) {
            snprintf(msg, sizeof(msg), "namespaces \"%s\" not found", rt->ns);
            sc_dbl_status(r, 404, "NotFound", msg);
            return true;
        }
        obj_path(rt, name, path, sizeof(path));
        if (ns_terminating(nso) && sc_dbl_find(d, path) == NULL) {
            ns_terminating_refusal(rt, name, r);
            return true;
        }
    }
    if ((why = invalid(d, kind, j, vbuf, sizeof(vbuf))) != NULL) {
        snprintf(msg, sizeof(msg), "%s.%s \"%s\" is invalid: %s", kind,
                 rt->group[0] ? rt->group : "", name, why);
        sc_dbl_status(r, 422, "Invalid", msg);
        return true;
    }
    return false;
}

/* ?dryRun= other than All: 422, as kube-apiserver's ValidatePatchOptions/ValidateCreateOptions
 * refuse it (apimachinery pkg/apis/meta/v1/validation: allowedDryRunValues is {"All"}; the
 * handlers answer errors.NewInvalid of PatchOptions or CreateOptions). A dry run itself is
 * validated and authorised as the write it stands for, and persisted nowhere (kubernetes
 * website, docs/reference/using-api/api-concepts.md, "Dry-run"). */
static bool dry_run_refused(const struct dbl_req *q, bool apply, struct dbl_resp *r)
{
    char v[64], msg[300];
    if (sc_dbl_qparam(q, "dryRun", v, sizeof(v)) == NULL || strcmp(v, "All") == 0)
        return false;
    snprintf(msg, sizeof(msg),
             "%s.meta.k8s.io \"\" is invalid: dryRun: Unsupported value: []string{\"%s\"}: "
             "supported values: \"All\"",
             apply ? "PatchOptions" : "CreateOptions", v);
    sc_dbl_status(r, 422, "Invalid", msg);
    return true;
}

/* Create (POST, apply on a new name) or update (apply on an existing name). */
void sc_dbl_write(struct sc_kube_double *d, const struct dbl_req *q, const struct dbl_route *rt,
                  const char *kind, bool apply, struct dbl_resp *r)
{
    cJSON *j = cJSON_ParseWithLength(q->body ? q->body : "", q->blen);
    const char *name = cJSON_GetStringValue(
        cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(j, "metadata"), "name"));
    char path[700], msg[900], rs[200];
    struct dbl_obj *o;

    if (dry_run_refused(q, apply, r) || refused(d, q, rt, kind, apply, j, name, r))
        goto out;
    obj_path(rt, name, path, sizeof(path));
    o = sc_dbl_find(d, path);
    if (o != NULL && !apply) {
        resource_text(rt, rs, sizeof(rs));
        snprintf(msg, sizeof(msg), "%s \"%s\" already exists", rs, name);
        sc_dbl_status(r, 409, "AlreadyExists", msg);
        goto out;
    }
    if (sc_dbl_qparam(q, "dryRun", msg, sizeof(msg)) != NULL) {
        /* Validated and answered as if written; nothing stored, watched or started. */
        if (o != NULL) {
            cJSON *would = cJSON_Duplicate(o->j, 1);
            merge_into(would, j);
            sc_dbl_json(r, 200, would);
            cJSON_Delete(would);
        } else {
            sc_dbl_json(r, 201, j);
        }
        goto out;
    }
    if (o == NULL) {
        cJSON *m = cJSON_GetObjectItemCaseSensitive(j, "metadata");
        char ts[32], uid[64];
        now_rfc3339(ts, sizeof(ts));
        snprintf(uid, sizeof(uid), "0000-%08lx", d->rv + 1);
        cJSON_AddStringToObject(m, "uid", uid);
        cJSON_AddStringToObject(m, "creationTimestamp", ts);
        cJSON_AddNumberToObject(m, "generation", 1);
        if (strcmp(kind, "Namespace") == 0)
            cJSON_AddStringToObject(cJSON_AddObjectToObject(j, "status"), "phase", "Active");
        sc_dbl_bump_rv(d, j);
        o = sc_dbl_put(d, path, rt->ns[0] ? rt->ns : NULL, j);
        sc_dbl_record(d, "ADDED", path, o->j);
        j = NULL;
        if (strcmp(kind, "Deployment") == 0)
            sc_dbl_make_pods(d, rt->ns, o->j);
        sc_dbl_json(r, 201, o->j);
    } else {
        cJSON *gen = cJSON_GetObjectItemCaseSensitive(
            cJSON_GetObjectItemCaseSensitive(o->j, "metadata"), "generation");
        merge_into(o->j, j);
        if (cJSON_IsNumber(gen))
            cJSON_SetNumberValue(gen, gen->valuedouble + 1);
        sc_dbl_bump_rv(d, o->j);
        sc_dbl_record(d, "MODIFIED", path, o->j);
        sc_dbl_json(r, 200, o->j);
    }
out:
    cJSON_Delete(j);
}

/* A list of the collection rt names (deployments progress as they are listed). */
static void list(struct sc_kube_double *d, const struct dbl_route *rt, const struct dbl_req *q,
                 const char *kind, struct dbl_resp *r)
{
    cJSON *list = cJSON_CreateObject(), *items;
    char lk[80], rv[32], prefix[400], av[200], sel[512], fsel[300], bad[8];
    const char *selector = sc_dbl_qparam(q, "labelSelector", sel, sizeof(sel));
    const char *fields = sc_dbl_qparam(q, "fieldSelector", fsel, sizeof(fsel));

    snprintf(lk, sizeof(lk), "%sList", kind);
    cJSON_AddStringToObject(list, "kind", lk);
    snprintf(av, sizeof(av), "%s/%s", rt->group, rt->version);
    cJSON_AddStringToObject(list, "apiVersion", rt->group[0] ? av : "v1");
    items = cJSON_AddArrayToObject(list, "items");
    if (strcmp(rt->res, "namespaces") == 0)
        snprintf(prefix, sizeof(prefix), "/api/v1/namespaces/");
    else if (rt->cluster)
        snprintf(prefix, sizeof(prefix), "%s/%s/", rt->prefix, rt->res);
    else
        snprintf(prefix, sizeof(prefix), "%s/namespaces/%s/%s/", rt->prefix, rt->ns, rt->res);
    for (struct dbl_obj *o = d->objs; o; o = o->next) {
        if (strncmp(o->path, prefix, strlen(prefix)) != 0 ||
            strchr(o->path + strlen(prefix), '/') != NULL)
            continue;
        if (strcmp(rt->res, "deployments") == 0)
            o->up = sc_dbl_progress(d, o, true);
        if ((selector && !sc_dbl_labels_match(o->j, selector)) ||
            (fields && sc_dbl_fields_match(o->j, fields, bad, sizeof(bad)) != 1))
            continue;
        cJSON_AddItemToArray(items, cJSON_Duplicate(o->j, 1));
    }
    /* After the progress above: its writes are in the list's version. */
    snprintf(rv, sizeof(rv), "%lu", d->rv);
    cJSON_AddStringToObject(cJSON_AddObjectToObject(list, "metadata"), "resourceVersion", rv);
    sc_dbl_json(r, 200, list);
    cJSON_Delete(list);
}

void sc_dbl_get(struct sc_kube_double *d, const struct dbl_route *rt, const struct dbl_req *q,
                const char *kind, struct dbl_resp *r)
{
    char path[700], msg[600], rs[200];
    struct dbl_obj *o;

    if (rt->name[0] == '\0') {
        /* A watch's stream itself is written by the connection's thread. */
        if (bad_field(q, r))
            return;
        if (!sc_dbl_watch_request(d, rt, q, r))
            list(d, rt, q, kind, r);
        return;
    }
    if (strcmp(rt->res, "namespaces") == 0) {
        o = ns_lookup(d, rt->name, true);
    } else {
        obj_path(rt, rt->name, path, sizeof(path));
        o = sc_dbl_find(d, path);
    }
    if (o == NULL) {
        resource_text(rt, rs, sizeof(rs));
        snprintf(msg, sizeof(msg), "%s \"%s\" not found", rs, rt->name);
        sc_dbl_status(r, 404, "NotFound", msg);
        return;
    }
    sc_dbl_json(r, 200, o->j);
}

/* A namespace goes Terminating first; its pods are told to stop. */
static void terminate_namespace(struct sc_kube_double *d, const char *ns, struct dbl_obj *o)
{
    cJSON *md = cJSON_GetObjectItemCaseSensitive(o->j, "metadata"), *st, *conds, *c;
    char ts[32];

    if (ns_terminating(o))
        return;
    now_rfc3339(ts, sizeof(ts));
    cJSON_AddStringToObject(md, "deletionTimestamp", ts);
    cJSON_DeleteItemFromObjectCaseSensitive(o->j, "status");
    st = cJSON_AddObjectToObject(o->j, "status");
    cJSON_AddStringToObject(st, "phase", "Terminating");
    conds = cJSON_AddArrayToObject(st, "conditions");
    c = cJSON_CreateObject();
    cJSON_AddStringToObject(c, "type", "NamespaceContentRemaining");
    cJSON_AddStringToObject(c, "status", "True");
    cJSON_AddStringToObject(c, "message",
                            "Some resources are remaining: pods. has 1 "
                            "resource instances");
    cJSON_AddItemToArray(conds, c);
    sc_dbl_bump_rv(d, o->j);
    sc_dbl_record(d, "MODIFIED", o->path, o->j);
    if (d->o.ns_terminate_ms_max > 0)
        o->gone_ms = sc_dbl_now_ms() + sc_dbl_draw_ms(d);
    /* The kubelet stops the pods: the fixtures drain while the namespace terminates. */
    sc_dbl_pods_terminate(d, ns);
}

void sc_dbl_delete(struct sc_kube_double *d, const struct dbl_route *rt, struct dbl_resp *r)
{
    char path[700], msg[600], rs[200];
    struct dbl_obj *o;
    cJSON *s, *det;

    obj_path(rt, rt->name, path, sizeof(path));
    o = strcmp(rt->res, "namespaces") == 0 ? ns_lookup(d, rt->name, false) : sc_dbl_find(d, path);
    if (o == NULL || !rt->name[0]) {
        resource_text(rt, rs, sizeof(rs));
        snprintf(msg, sizeof(msg), "%s \"%s\" not found", rs, rt->name);
        sc_dbl_status(r, 404, "NotFound", msg);
        return;
    }
    if (strcmp(rt->res, "namespaces") == 0) {
        terminate_namespace(d, rt->name, o);
        sc_dbl_json(r, 200, o->j);
        return;
    }
    s = cJSON_CreateObject();
    cJSON_AddStringToObject(s, "kind", "Status");
    cJSON_AddStringToObject(s, "apiVersion", "v1");
    cJSON_AddStringToObject(s, "status", "Success");
    det = cJSON_AddObjectToObject(s, "details");
    cJSON_AddStringToObject(det, "name", rt->name);
    cJSON_AddStringToObject(det, "kind", rt->res);
    sc_dbl_json(r, 200, s);
    cJSON_Delete(s);
    d->rv++;
    sc_dbl_record(d, "DELETED", o->path, o->j);
    sc_dbl_drop(d, o);
}
