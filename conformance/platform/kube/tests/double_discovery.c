/* double_discovery.c - the double's discovery (/apis, group versions) and TrafficMetrics. */
#include <stdio.h>
#include <string.h>

#include "double_state.h"

void sc_dbl_apis(struct sc_kube_double *d, struct dbl_resp *r)
{
    cJSON *j = cJSON_CreateObject(), *groups;
    cJSON_AddStringToObject(j, "kind", "APIGroupList");
    cJSON_AddStringToObject(j, "apiVersion", "v1");
    groups = cJSON_AddArrayToObject(j, "groups");
    for (int g = -1; g < 4; g++) {
        const char *name = g < 0 ? "apps" : sc_dbl_smi_groups[g];
        const char *ver = g < 0 ? "v1" : d->o.served[g];
        cJSON *gj, *vs, *v;
        char gv[128];
        if (ver == NULL)
            continue;
        gj = cJSON_CreateObject();
        cJSON_AddStringToObject(gj, "name", name);
        vs = cJSON_AddArrayToObject(gj, "versions");
        v = cJSON_CreateObject();
        snprintf(gv, sizeof(gv), "%s/%s", name, ver);
        cJSON_AddStringToObject(v, "groupVersion", gv);
        cJSON_AddStringToObject(v, "version", ver);
        cJSON_AddItemToArray(vs, v);
        cJSON_AddItemToObject(gj, "preferredVersion", cJSON_Duplicate(v, 1));
        cJSON_AddItemToArray(groups, gj);
    }
    sc_dbl_json(r, 200, j);
    cJSON_Delete(j);
}

void sc_dbl_group_version(struct sc_kube_double *d, const struct dbl_route *rt, struct dbl_resp *r)
{
    static const struct {
        int g;
        const char *name, *kind;
    } res[] = {{0, "traffictargets", "TrafficTarget"}, {1, "httproutegroups", "HTTPRouteGroup"},
               {1, "tcproutes", "TCPRoute"},           {1, "udproutes", "UDPRoute"},
               {2, "trafficsplits", "TrafficSplit"},   {3, "pods", "TrafficMetrics"},
               {3, "deployments", "TrafficMetrics"},   {3, "namespaces", "TrafficMetrics"}};
    cJSON *j, *list;
    char gv[128];
    int gi = -1;
    for (int g = 0; g < 4; g++)
        if (strcmp(rt->group, sc_dbl_smi_groups[g]) == 0)
            gi = g;
    if (gi < 0 || d->o.served[gi] == NULL || strcmp(d->o.served[gi], rt->version) != 0) {
        sc_dbl_status(r, 404, "NotFound", "the server could not find the requested resource");
        return;
    }
    if (gi == 3 && d->o.metrics_unavailable) {
        sc_dbl_status(r, 503, "ServiceUnavailable",
                      "the server is currently unable to handle the request");
        return;
    }
    j = cJSON_CreateObject();
    cJSON_AddStringToObject(j, "kind", "APIResourceList");
    cJSON_AddStringToObject(j, "apiVersion", "v1");
    snprintf(gv, sizeof(gv), "%s/%s", rt->group, rt->version);
    cJSON_AddStringToObject(j, "groupVersion", gv);
    list = cJSON_AddArrayToObject(j, "resources");
    for (size_t i = 0; i < sizeof(res) / sizeof(res[0]); i++) {
        cJSON *x;
        char sub[80];
        if (res[i].g != gi)
            continue;
        x = cJSON_CreateObject();
        cJSON_AddStringToObject(x, "name", res[i].name);
        cJSON_AddBoolToObject(x, "namespaced", gi != 3);
        cJSON_AddStringToObject(x, "kind", res[i].kind);
        cJSON_AddItemToArray(list, x);
        if (gi != 3) { /* a subresource, as CRDs with status have: must be skipped */
            x = cJSON_CreateObject();
            snprintf(sub, sizeof(sub), "%s/status", res[i].name);
            cJSON_AddStringToObject(x, "name", sub);
            cJSON_AddStringToObject(x, "kind", res[i].kind);
            cJSON_AddItemToArray(list, x);
        }
    }
    sc_dbl_json(r, 200, j);
    cJSON_Delete(j);
}

void sc_dbl_metrics(struct sc_kube_double *d, const struct dbl_route *rt, struct dbl_resp *r)
{
    cJSON *j, *m, *res;
    char av[64];
    static const char *const names[][2] = {{"p99_response_latency", "12ms"},
                                           {"p90_response_latency", "10ms"},
                                           {"p50_response_latency", "5ms"},
                                           {"success_count", "42"},
                                           {"failure_count", "3"}};
    if (d->o.served[3] == NULL || strcmp(d->o.served[3], rt->version) != 0) {
        sc_dbl_status(r, 404, "NotFound", "the server could not find the requested resource");
        return;
    }
    if (d->o.metrics_unavailable) {
        sc_dbl_status(r, 503, "ServiceUnavailable",
                      "the server is currently unable to handle the request");
        return;
    }
    j = cJSON_CreateObject();
    cJSON_AddStringToObject(j, "kind", "TrafficMetrics");
    snprintf(av, sizeof(av), "metrics.smi-spec.io/%s", rt->version);
    cJSON_AddStringToObject(j, "apiVersion", av);
    res = cJSON_AddObjectToObject(j, "resource");
    cJSON_AddStringToObject(res, "kind", rt->res);
    cJSON_AddStringToObject(res, "namespace", rt->ns);
    cJSON_AddStringToObject(res, "name", rt->name);
    cJSON_AddStringToObject(j, "window", "30s");
    m = cJSON_AddArrayToObject(j, "metrics");
    for (size_t i = 0; i < 5; i++) {
        cJSON *x = cJSON_CreateObject();
        cJSON_AddStringToObject(x, "name", names[i][0]);
        cJSON_AddStringToObject(x, "value", names[i][1]);
        cJSON_AddItemToArray(m, x);
    }
    sc_dbl_json(r, 200, j);
    cJSON_Delete(j);
}
