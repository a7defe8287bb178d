/* discovery.c - read /apis and the SMI group versions' resource lists. */
#include "platform/kube/discovery.h"

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "base/util.h"

static const char *const groups[SC_PROFILE_NGROUPS] = {"access.smi-spec.io", "specs.smi-spec.io",
                                                       "split.smi-spec.io", "metrics.smi-spec.io"};

static int cmp_desc(const void *a, const void *b)
{
    return *(const int *)b - *(const int *)a;
}

static void add_resources(struct sc_kube_discovery *d, const char *group, int v, const cJSON *list)
{
    const cJSON *r;
    cJSON_ArrayForEach(r, cJSON_GetObjectItemCaseSensitive(list, "resources"))
    {
        const char *name = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(r, "name"));
        const char *kind = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(r, "kind"));
        if (name == NULL || kind == NULL || strchr(name, '/') != NULL)
            continue; /* subresources */
        d->res = realloc(d->res, (d->nres + 1) * sizeof(*d->res));
        if (d->res == NULL)
            abort();
        d->res[d->nres].group = sc_xstrdup(group);
        d->res[d->nres].version = v;
        d->res[d->nres].kind = sc_xstrdup(kind);
        d->res[d->nres].name = sc_xstrdup(name);
        d->nres++;
    }
}

int sc_kube_discover(struct sc_kube_client *c, struct sc_kube_discovery *d, struct sc_err *err)
{
    char *body = NULL;
    const cJSON *g;
    cJSON *j;
    int rc;

    memset(d, 0, sizeof(*d));
    rc = sc_kube_call(c, "GET", "/apis", NULL, NULL, &body, NULL, err);
    if (rc != 0)
        return sc_err_prefix(err, "cannot read the API groups");
    j = cJSON_Parse(body);
    free(body);
    if (j == NULL || !cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(j, "groups"))) {
        cJSON_Delete(j);
        return sc_err_set(err, SC_EPROTO, "GET /apis: not an APIGroupList");
    }
    cJSON_ArrayForEach(g, cJSON_GetObjectItemCaseSensitive(j, "groups"))
    {
        const char *name = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(g, "name"));
        const cJSON *v;
        int gi = -1;
        for (int i = 0; i < SC_PROFILE_NGROUPS && name; i++)
            if (strcmp(name, groups[i]) == 0)
                gi = i;
        if (gi < 0)
            continue;
        cJSON_ArrayForEach(v, cJSON_GetObjectItemCaseSensitive(g, "versions"))
        {
            const char *ver = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(v, "version"));
            char path[256], tail;
            struct sc_err e2;
            cJSON *list;
            int n = 0;
            if (ver == NULL || sscanf(ver, "v1alpha%d%c", &n, &tail) != 1 || n < 1 || n > 9 ||
                d->nversions[gi] >= 8)
                continue;
            snprintf(path, sizeof(path), "/apis/%s/%s", groups[gi], ver);
            sc_err_init(&e2);
            if (sc_kube_call(c, "GET", path, NULL, NULL, &body, NULL, &e2) != 0) {
                sc_log_warn("kube", "%s/%s is listed but not available: %s", groups[gi], ver,
                            e2.msg);
                continue;
            }
            list = cJSON_Parse(body);
            free(body);
            add_resources(d, groups[gi], n, list);
            cJSON_Delete(list);
            d->versions[gi][d->nversions[gi]++] = n;
        }
        qsort(d->versions[gi], d->nversions[gi], sizeof(int), cmp_desc);
    }
    cJSON_Delete(j);
    return 0;
}

void sc_kube_discovery_release(struct sc_kube_discovery *d)
{
    for (size_t i = 0; i < d->nres; i++) {
        free(d->res[i].group);
        free(d->res[i].kind);
        free(d->res[i].name);
    }
    free(d->res);
    memset(d, 0, sizeof(*d));
}

const char *sc_kube_resource_name(const struct sc_kube_discovery *d, const char *api_version,
                                  const char *kind)
{
    const char *slash = strrchr(api_version, '/');
    int v = 0;
    char tail;
    if (slash == NULL || sscanf(slash + 1, "v1alpha%d%c", &v, &tail) != 1)
        return NULL;
    for (size_t i = 0; i < d->nres; i++)
        if (d->res[i].version == v && strcmp(d->res[i].kind, kind) == 0 &&
            strlen(d->res[i].group) == (size_t)(slash - api_version) &&
            strncmp(d->res[i].group, api_version, (size_t)(slash - api_version)) == 0)
            return d->res[i].name;
    return NULL;
}

#define HRG_CRD                                                                                    \
    "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/httproutegroups.specs.smi-spec.io"

int sc_kube_crd_headers(struct sc_kube_client *c, int version, char *why, size_t len)
{
    const char *const keys[] = {"openAPIV3Schema", "properties", "spec",    "properties", "matches",
                                "items",           "properties", "headers", "type"};
    char *body = NULL, want[16];
    const cJSON *v, *type = NULL;
    struct sc_err e;
    cJSON *j;
    int shape = -1;

    snprintf(want, sizeof(want), "v1alpha%d", version);
    sc_err_init(&e);
    if (sc_kube_call(c, "GET", HRG_CRD, NULL, NULL, &body, NULL, &e) != 0) {
        snprintf(why, len, "cannot read the CRD: %s", e.msg);
        free(body);
        return -1;
    }
    j = cJSON_Parse(body);
    cJSON_ArrayForEach(v, cJSON_GetObjectItem(cJSON_GetObjectItem(j, "spec"), "versions"))
    {
        const cJSON *s = cJSON_GetObjectItem(v, "schema");
        const char *name = cJSON_GetStringValue(cJSON_GetObjectItem(v, "name"));
        if (name == NULL || strcmp(name, want) != 0)
            continue;
        for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]) && s != NULL; i++)
            s = cJSON_GetObjectItem(s, keys[i]);
        type = s;
    }
    if (cJSON_IsString(type) && strcmp(type->valuestring, "array") == 0)
        shape = 1;
    else if (cJSON_IsString(type) && strcmp(type->valuestring, "object") == 0)
        shape = 0;
    else
        snprintf(why, len, "the CRD's %s schema does not declare headers as an array or object",
                 want);
    cJSON_Delete(j);
    free(body);
    return shape;
}

/* A namespace every cluster has: kube-apiserver's system namespaces controller keeps "default"
 * (pkg/controlplane/controller/systemnamespaces). The run's own namespaces do not exist yet
 * when the shape is needed, and a dry run into a missing namespace is refused (404 NotFound for
 * the namespace), which would say nothing about the shape. */
#define PROBE_NS   "default"
#define PROBE_NAME "smi-conformance-header-shape"

/* One dry-run apply of an HTTPRouteGroup whose one match has headers as a list (or a map):
 * 1 accepted, 0 refused for its content, -1 anything else; what it answered in what. */
static int dry_apply(struct sc_kube_client *c, int version, bool list, char *what, size_t len)
{
    char path[300], body[600];
    struct sc_err e;
    long status = 0;

    snprintf(path, sizeof(path),
             "/apis/specs.smi-spec.io/v1alpha%d/namespaces/" PROBE_NS "/httproutegroups/" PROBE_NAME
             "?fieldManager=smi-conformance&force=true&dryRun=All",
             version);
    snprintf(body, sizeof(body),
             "{\"apiVersion\":\"specs.smi-spec.io/v1alpha%d\",\"kind\":\"HTTPRouteGroup\","
             "\"metadata\":{\"name\":\"" PROBE_NAME "\",\"namespace\":\"" PROBE_NS "\","
             "\"labels\":{\"app.kubernetes.io/part-of\":\"smi-conformance\"}},"
             "\"spec\":{\"matches\":[{\"name\":\"probe\",\"headers\":%s}]}}",
             version, list ? "[{\"x-smi-probe\":\"a\"}]" : "{\"x-smi-probe\":\"a\"}");
    sc_err_init(&e);
    if (sc_kube_call(c, "PATCH", path, "application/apply-patch+yaml", body, NULL, &status, &e) ==
        0) {
        snprintf(what, len, "accepted");
        return 1;
    }
    snprintf(what, len, "%.260s", e.msg);
    /* Refused for its content: schema validation answers 422 Invalid; the apply's conversion
     * to the CRD's structural schema fails first and answers 500 with "failed to create typed
     * patch object" (managedfields/internal/structuredmerge.go, kubernetes#139253; 400 once
     * kubernetes#139255 is in). */
    if (status == 422 || status == 400 ||
        (status == 500 && strstr(e.msg, "failed to create typed patch object") != NULL))
        return 0;
    return -1;
}

static const char *verdict(int r)
{
    static const char *const words[] = {"not judged: ", "refused: ", "accepted"};
    return words[r + 1];
}

int sc_kube_dry_run_headers(struct sc_kube_client *c, int version, char *why, size_t len)
{
    char as_list[300], as_map[300];
    int l = dry_apply(c, version, true, as_list, sizeof(as_list));
    int m = dry_apply(c, version, false, as_map, sizeof(as_map));

    snprintf(why, len,
             "a server-side dry-run apply of an HTTPRouteGroup (specs v1alpha%d) in namespace "
             "%s: headers as a list %s%s, as a map %s%s",
             version, PROBE_NS, verdict(l), l == 1 ? "" : as_list, verdict(m),
             m == 1 ? "" : as_map);
    if (l == 1 && m != 1)
        return 1;
    if (m == 1 && l != 1)
        return 0;
    return -1;
}
