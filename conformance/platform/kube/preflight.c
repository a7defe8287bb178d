/* preflight.c - can this cluster run the suite? Checked before anything is deployed: the API,
 * the harness's permissions, the SMI versions served, the metrics API, the HTTPRouteGroup CRD's
 * header shape; one row per check, with a fix for each failure. */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "platform/kube/discovery.h"
#include "platform/kube/kube.h"
#include "platform/kube/kube_ops.h"
#include "platform/kube/kubeconfig.h"

#define SSAR "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews"

/* The table being written, and its blockers. */
struct table {
    char *text;
    size_t len;
    unsigned blockers, warnings;
};

static void row(struct table *t, const char *check, const char *result, const char *detail,
                const char *fix)
{
    char line[2400];
    int n = snprintf(line, sizeof(line), "%-34s %-7s %s\n", check, result, detail);
    if (fix != NULL && fix[0])
        n += snprintf(line + n, sizeof(line) - (size_t)n, "%-34s %-7s fix: %s\n", "", "", fix);
    t->text = realloc(t->text, t->len + (size_t)n + 1);
    if (t->text == NULL)
        abort();
    memcpy(t->text + t->len, line, (size_t)n + 1);
    t->len += (size_t)n;
    t->blockers += strcmp(result, "FAIL") == 0;
    t->warnings += strcmp(result, "WARN") == 0;
}

/* What a run sends (fixtures/kube/harness/job.yaml has the same as RBAC rules). */
static const struct need {
    const char *verb, *group, *res, *sub;
} needs[] = {
    {"create", "", "namespaces", ""},
    {"patch", "", "namespaces", ""},
    {"delete", "", "namespaces", ""},
    {"get", "", "namespaces", ""},
    {"create", "", "serviceaccounts", ""},
    {"patch", "", "serviceaccounts", ""},
    {"create", "", "services", ""},
    {"patch", "", "services", ""},
    {"list", "", "pods", ""},
    {"create", "", "pods", "proxy"},
    {"delete", "", "pods", "proxy"},
    {"get", "", "pods", "log"},
    {"list", "", "events", ""},
    {"create", "apps", "deployments", ""},
    {"patch", "apps", "deployments", ""},
    {"list", "apps", "deployments", ""},
    {"watch", "apps", "deployments", ""},
};

/* An SMI group's resources, in sc_profile_group order (metrics apart). */
static const char *const smi_res[3][3] = {{"traffictargets", NULL, NULL},
                                          {"httproutegroups", "tcproutes", "udproutes"},
                                          {"trafficsplits", NULL, NULL}};
static const char *const smi_group[4] = {"access.smi-spec.io", "specs.smi-spec.io",
                                         "split.smi-spec.io", "metrics.smi-spec.io"};

/* Ask the API server whether we may (SelfSubjectAccessReview): 1 yes, 0 no, -1 cannot ask. */
static int may(struct sc_kube_client *c, const char *verb, const char *group, const char *res,
               const char *sub, char *why, size_t len)
{
    cJSON *j = cJSON_CreateObject(), *ra, *ans;
    char *body, *out = NULL;
    struct sc_err err;
    int yes = -1;

    cJSON_AddStringToObject(j, "apiVersion", "authorization.k8s.io/v1");
    cJSON_AddStringToObject(j, "kind", "SelfSubjectAccessReview");
    ra = cJSON_AddObjectToObject(cJSON_AddObjectToObject(j, "spec"), "resourceAttributes");
    cJSON_AddStringToObject(ra, "verb", verb);
    cJSON_AddStringToObject(ra, "group", group);
    cJSON_AddStringToObject(ra, "resource", res);
    if (sub[0])
        cJSON_AddStringToObject(ra, "subresource", sub);
    body = cJSON_PrintUnformatted(j);
    cJSON_Delete(j);
    sc_err_init(&err);
    if (sc_kube_call(c, "POST", SSAR, "application/json", body, &out, NULL, &err) != 0) {
        snprintf(why, len, "%s", err.msg);
    } else {
        ans = cJSON_Parse(out);
        if (cJSON_IsBool(cJSON_GetObjectItem(cJSON_GetObjectItem(ans, "status"), "allowed")))
            yes = cJSON_IsTrue(cJSON_GetObjectItem(cJSON_GetObjectItem(ans, "status"), "allowed"));
        else
            snprintf(why, len, "the answer has no status.allowed");
        cJSON_Delete(ans);
    }
    free(out);
    free(body);
    return yes;
}

static void permissions(struct sc_kube_client *c, const struct sc_kube_discovery *d,
                        struct table *t)
{
    static const char *const smi_verbs[] = {"create", "patch", "delete", "get"};
    struct need list[64];
    size_t n = 0, denied = 0;
    char why[1024], what[200], fix[400];

    for (size_t i = 0; i < sizeof(needs) / sizeof(needs[0]); i++)
        list[n++] = needs[i];
    for (int g = 0; g < 3; g++)
        for (int r = 0; r < 3 && smi_res[g][r] != NULL && d->nversions[g] > 0; r++)
            for (int v = 0; v < 4; v++)
                list[n++] = (struct need){smi_verbs[v], smi_group[g], smi_res[g][r], ""};
    if (d->nversions[3] > 0) {
        list[n++] = (struct need){"get", smi_group[3], "deployments", "edges"};
        list[n++] = (struct need){"list", smi_group[3], "edges", ""};
    }
    for (size_t i = 0; i < n; i++) {
        int yes = may(c, list[i].verb, list[i].group, list[i].res, list[i].sub, why, sizeof(why));
        snprintf(what, sizeof(what), "%s %s%s%s%s%s", list[i].verb, list[i].res,
                 list[i].sub[0] ? "/" : "", list[i].sub, list[i].group[0] ? "." : "",
                 list[i].group);
        if (yes < 0) {
            row(t, "permissions", "WARN", "cannot ask the API server (SelfSubjectAccessReview)",
                why);
            return;
        }
        if (yes == 0) {
            snprintf(fix, sizeof(fix),
                     "grant \"%s\" on \"%s%s%s\" in API group \"%s\" (fixtures/kube/harness/"
                     "job.yaml has every rule the harness needs)",
                     list[i].verb, list[i].res, list[i].sub[0] ? "/" : "", list[i].sub,
                     list[i].group);
            row(t, "permission", "FAIL", what, fix);
            denied++;
        }
    }
    if (denied == 0) {
        snprintf(what, sizeof(what), "all %zu the run needs are granted", n);
        row(t, "permissions", "ok", what, NULL);
    }
    /* Not needed, but without it the default parallelism cannot follow the cluster's size. */
    if (may(c, "list", "", "nodes", "", why, sizeof(why)) == 0)
        row(t, "permission", "WARN", "list nodes",
            "grant \"list\" on \"nodes\" (cluster-scoped) so that the number of cases run at "
            "once follows the nodes' CPUs; without it 4, or pass --parallel");
}

static void versions_text(const int *v, size_t n, char *buf, size_t len)
{
    size_t l = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < n && l < len; i++)
        l += (size_t)snprintf(buf + l, len - l, "%sv1alpha%d", i ? ", " : "", v[i]);
    if (n == 0)
        snprintf(buf, len, "none");
}

/* Each claimed SMI group: a claimed version served. The metrics API also answers. */
static void served(struct sc_kube_client *c, const struct sc_profile *p,
                   const struct sc_kube_discovery *d, struct table *t)
{
    for (int g = 0; g < SC_PROFILE_NGROUPS && g < 4; g++) {
        char check[64], cl[120], sv[120], detail[800], fix[400];
        bool hit = false;
        snprintf(check, sizeof(check), "SMI %s served", smi_group[g]);
        versions_text(p->versions[g], p->nversions[g], cl, sizeof(cl));
        versions_text(d->versions[g], d->nversions[g], sv, sizeof(sv));
        if (!p->claimed[g] || p->nversions[g] == 0) {
            snprintf(detail, sizeof(detail), "not claimed by the profile (served: %s)", sv);
            row(t, check, "ok", detail, NULL);
            continue;
        }
        for (size_t i = 0; i < p->nversions[g]; i++)
            for (size_t k = 0; k < d->nversions[g]; k++)
                hit = hit || p->versions[g][i] == d->versions[g][k];
        snprintf(detail, sizeof(detail), "claimed %s; served %s", cl, sv);
        if (hit) {
            row(t, check, "ok", detail, NULL);
            continue;
        }
        if (g == 3) {
            char path[80], *body = NULL;
            long st = 0;
            struct sc_err e;
            sc_err_init(&e);
            snprintf(path, sizeof(path), "/apis/%s/v1alpha%d", smi_group[3], p->versions[3][0]);
            if (sc_kube_call(c, "GET", path, NULL, NULL, &body, &st, &e) != 0 && st == 503)
                snprintf(detail, sizeof(detail),
                         "the metrics API is registered but not available (503): %s", e.msg);
            free(body);
            snprintf(fix, sizeof(fix),
                     "install the mesh's SMI metrics API (an APIService for %s) and check that "
                     "its pods are ready",
                     smi_group[3]);
        } else {
            snprintf(fix, sizeof(fix),
                     "install the SMI CRDs of a version the mesh implements (the mesh's SMI "
                     "extension, or `smi-conformance crds`), or correct the profile's claims");
        }
        row(t, check, "FAIL", detail, fix);
    }
}

/* The served HTTPRouteGroup CRD's header filter shape: what a run writes (the profile's
 * routeHeaders only when the CRD cannot be read). */
static void header_shape(struct sc_kube_client *c, const struct sc_profile *p,
                         const struct sc_kube_discovery *d, struct table *t)
{
    const char *check = "HTTPRouteGroup header shape", *prof = p->headers_list ? "list" : "map";
    char detail[900], why[700];
    int shape;

    if (d->nversions[1] == 0) {
        row(t, check, "ok", "specs.smi-spec.io is not served", NULL);
        return;
    }
    shape = sc_kube_crd_headers(c, d->versions[1][0], why, sizeof(why));
    if (shape < 0) {
        char how[800];
        int learned = sc_kube_dry_run_headers(c, d->versions[1][0], how, sizeof(how));
        if (learned >= 0) {
            snprintf(detail, sizeof(detail), "%.300s; %.500s: a run writes them as a %s", why, how,
                     learned ? "list" : "map");
            row(t, check, "ok", detail, NULL);
            return;
        }
        snprintf(detail, sizeof(detail),
                 "not checked: %.300s; %.500s; a run writes the profile's shape (%s)", why, how,
                 prof);
        row(t, check, "WARN", detail,
            "grant get on customresourcedefinitions \"httproutegroups.specs.smi-spec.io\" "
            "(fixtures/kube/harness/job.yaml), or set the profile's routeHeaders as the CRD "
            "declares");
        return;
    }
    snprintf(detail, sizeof(detail),
             "the served CRD (v1alpha%d) declares headers as %s; a run writes them so%s%s%s",
             d->versions[1][0], shape ? "array" : "object",
             (shape == 1) != p->headers_list ? " (the profile's routeHeaders: " : "",
             (shape == 1) != p->headers_list ? prof : "",
             (shape == 1) != p->headers_list ? ", used only when the CRD cannot be read)" : "");
    row(t, check, "ok", detail, NULL);
}

/* A pod of the fixture image starts: unless --skip-image-check (the preflight command and the
 * start of a run both check it), and only when nothing above blocks already. */
static void fixture_image(struct sc_kube_client *c, struct sc_profile *p,
                          const struct sc_kube_opts *o, struct table *t)
{
    const char *check = "fixture image starts";
    struct sc_kube_check k;
    if (!o->check_image) {
        row(t, check, "ok", "not checked (--skip-image-check)", NULL);
        return;
    }
    if (t->blockers > 0) {
        row(t, check, "WARN", "not checked: a check above failed", NULL);
        return;
    }
    sc_kube_check_image(c, p, o->fixture_image ? o->fixture_image : SC_KUBE_DEFAULT_IMAGE,
                        o->progress, o->interrupted, !o->preflight_in_run, &k);
    row(t, check, k.result, k.detail, k.fix);
}

/* The API answers, and knows us: GET /version. */
static bool reachable(struct sc_kube_client *c, struct table *t)
{
    struct sc_kube_resp r;
    struct sc_err e;
    char detail[700];
    const char *version;
    cJSON *j;

    sc_err_init(&e);
    if (sc_kube_do(c, "GET", "/version", NULL, NULL, 10000, &r, &e) != 0) {
        row(t, "API reachable and authenticated", "FAIL", e.msg,
            "check the kubeconfig's server address and that the cluster is running");
        return false;
    }
    if (r.status == 401) {
        sc_kube_status_error("GET", "/version", r.status, r.body, &e);
        row(t, "API reachable and authenticated", "FAIL", e.msg,
            "the credentials are not accepted: refresh the kubeconfig's token or certificate");
        sc_kube_resp_release(&r);
        return false;
    }
    j = cJSON_Parse(r.body ? r.body : "");
    version = cJSON_GetStringValue(cJSON_GetObjectItem(j, "gitVersion"));
    snprintf(detail, sizeof(detail), "Kubernetes %s", version ? version : "(version unreadable)");
    row(t, "API reachable and authenticated", "ok", detail, NULL);
    cJSON_Delete(j);
    sc_kube_resp_release(&r);
    return true;
}

int sc_kube_preflight(const struct sc_kube_opts *o, char **table, unsigned *blockers,
                      struct sc_err *err)
{
    struct table t = {sc_xstrdup(""), 0, 0, 0};
    struct sc_profile *p = NULL;
    struct sc_kube_config *cfg = NULL;
    struct sc_kube_client *c = NULL;
    struct sc_kube_discovery d;
    struct sc_err e;
    int rc;

    *table = NULL;
    *blockers = 0;
    memset(&d, 0, sizeof(d));
    rc = sc_profile_find(o->mesh, o->profiles_dir, &p, err);
    if (rc == 0)
        rc = o->in_cluster ? sc_kube_config_in_cluster(o->sa_dir, &cfg, err)
                           : sc_kube_config_load(o->kubeconfig, o->context, &cfg, err);
    if (rc == 0)
        rc = sc_kube_client_new(cfg, o->client, &c, err);
    if (rc != 0) {
        sc_profile_free(p);
        free(t.text);
        return rc;
    }
    row(&t, "CHECK", "RESULT", "DETAIL", NULL);
    if (reachable(c, &t)) {
        sc_err_init(&e);
        if (sc_kube_discover(c, &d, &e) != 0) {
            row(&t, "API discovery (GET /apis)", "FAIL", e.msg,
                "the harness needs get on the non-resource URLs /apis and /apis/*");
        } else {
            permissions(c, &d, &t);
            served(c, p, &d, &t);
            struct sc_kube_check k;
            sc_kube_check_control_plane(c, p, &k);
            row(&t, "mesh control plane", k.result, k.detail, k.fix);
            header_shape(c, p, &d, &t);
            fixture_image(c, p, o, &t);
        }
        sc_kube_discovery_release(&d);
    }
    sc_kube_client_free(c);
    sc_profile_free(p);
    *table = t.text;
    *blockers = t.blockers;
    return 0;
}
