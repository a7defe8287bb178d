/* kube.c - the kube platform: construction, the table of operations, what reports read. */
#include "platform/kube/kube.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "base/util.h"
#include "platform/kube/discovery.h"
#include "platform/kube/kube_ops.h"

static int k_served(struct sc_platform *p, const char *group, int *versions, size_t *n)
{
    struct sc_kube *k = (struct sc_kube *)p;
    int g = sc_profile_group(group);
    *n = g < 0
             ? 0
             : sc_profile_claimed(k->prof, g, k->disc.versions[g], k->disc.nversions[g], versions);
    return 0;
}

static void k_destroy(struct sc_platform *p)
{
    struct sc_kube *k = (struct sc_kube *)p;
    if (k == NULL)
        return;
    sc_kube_client_free(k->c);
    sc_profile_free(k->prof);
    sc_kube_discovery_release(&k->disc);
    free(k->image);
    free(k->version);
    for (size_t i = 0; i < k->ndeleting; i++)
        free(k->deleting[i]);
    free(k->deleting);
    SC_ASSERT_OK(pthread_mutex_destroy(&k->deleting_mu));
    free(k);
}

static void k_describe(struct sc_platform *p, struct sc_platform_info *out)
{
    out->mesh = ((struct sc_kube *)p)->prof->name;
    out->kube_version = sc_kube_version(p);
    out->keep_note = NULL; /* the namespaces outlive the harness */
}

static const struct sc_platform_ops kube_ops = {
    .name = "kube",
    .served = k_served,
    .create_namespace = sc_kube_op_create_namespace,
    .delete_namespace = sc_kube_op_delete_namespace,
    .await_deleted = sc_kube_op_await_deleted,
    .deploy = sc_kube_op_deploy,
    .create_service = sc_kube_op_create_service,
    .wait_ready = sc_kube_op_wait_ready,
    .apply = sc_kube_op_apply,
    .remove = sc_kube_op_remove,
    .traffic = sc_kube_op_traffic,
    .cancel_traffic = sc_kube_op_cancel_traffic,
    .metrics = sc_kube_op_metrics,
    .describe = k_describe,
    .diagnostics = sc_kube_op_diagnostics,
    .destroy = k_destroy,
};

const struct sc_profile *sc_kube_profile_of(const struct sc_platform *p)
{
    return ((const struct sc_kube *)p)->prof;
}

const char *sc_kube_origin(const struct sc_platform *p)
{
    return sc_kube_client_config(((const struct sc_kube *)p)->c)->origin;
}

const char *sc_kube_version(struct sc_platform *p)
{
    struct sc_kube *k = (struct sc_kube *)p;
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
    return sc_kube_client_config(((const struct sc_kube *)p)->c)->server;
}

/* HTTPRouteGroup header filters in the shape the served CRD declares for the newest specs
 * version tested; the profile's routeHeaders when the CRD cannot be read (said in the log). */
static void header_shape(struct sc_kube *k)
{
    int v[8], shape;
    size_t n = sc_profile_claimed(k->prof, SC_PROFILE_SPECS, k->disc.versions[SC_PROFILE_SPECS],
                                  k->disc.nversions[SC_PROFILE_SPECS], v);
    char why[700];

    k->base.headers_list = k->prof->headers_list;
    if (n == 0)
        return;
    shape = sc_kube_crd_headers(k->c, v[0], why, sizeof(why));
    if (shape < 0) {
        /* The CRD unread: what the API server's validation accepts decides (discovery.h). */
        char how[800];
        shape = sc_kube_dry_run_headers(k->c, v[0], how, sizeof(how));
        if (shape < 0) {
            sc_log_warn("kube",
                        "HTTPRouteGroup header shape: %s; %s; writing headers as the profile "
                        "says (%s)",
                        why, how, k->prof->headers_list ? "list" : "map");
            return;
        }
        k->base.headers_list = shape == 1;
        sc_log_info("kube", "HTTPRouteGroup header shape: %s; %s: writing them as a %s%s", why, how,
                    shape ? "list" : "map",
                    (shape == 1) != k->prof->headers_list ? " (not the profile's routeHeaders)"
                                                          : "");
        return;
    }
    k->base.headers_list = shape == 1;
    sc_log_info("kube",
                "HTTPRouteGroup header shape: the served CRD (specs v1alpha%d) declares headers "
                "as %s; writing them as a %s%s",
                v[0], shape ? "array" : "object", shape ? "list" : "map",
                (shape == 1) != k->prof->headers_list ? " (not the profile's routeHeaders)" : "");
}

/* Deny-by-default namespace settings only where access is tested (claimed and served): a mesh
 * that does not claim access is tested in its permissive mode. */
static void access_mode(struct sc_kube *k)
{
    int v[8];
    const struct sc_profile *p = k->prof;
    k->enforce_access =
        sc_profile_claimed(p, SC_PROFILE_ACCESS, k->disc.versions[0], k->disc.nversions[0], v) > 0;
    if (!k->enforce_access && p->enforce_ns_labels.n + p->enforce_ns_annotations.n > 0)
        sc_log_info("kube",
                    "access is not claimed and served: the profile's enforcing.namespace settings "
                    "are not applied (the mesh stays permissive)");
}

int sc_kube_new(const struct sc_kube_opts *o, struct sc_platform **out, struct sc_err *err)
{
    struct sc_kube *k;
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
    SC_ASSERT_OK(pthread_mutex_init(&k->deleting_mu, NULL));
    rc = sc_profile_find(o->mesh, o->profiles_dir, &k->prof, err);
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
    k->base.deny = k->prof->deny;
    k->base.consistency_ms = k->prof->consistency_ms;
    k->base.metrics_exact = k->prof->metrics_exact;
    k->base.metrics_tolerance = k->prof->metrics_tolerance;
    k->base.metrics_deadline_ms = k->prof->metrics_deadline_ms;
    k->base.metrics_scrape_ms = k->prof->metrics_scrape_ms;
    header_shape(k);
    access_mode(k);
    sc_kube_capacity(k);
    /* as long as preflight gives the fixture image's pod (IMAGE_CHECK_MS) */
    k->base.ready_timeout_ms = 120000;
    k->base.parallel_why = k->parallel_why;
    k->base.unmeshed_ok = k->prof->unmeshed_known;
    k->base.features = k->prof->features;
    k->base.nfeatures = k->prof->nfeatures;
    k->base.features_claimed = k->prof->features_claimed;
    k->base.metrics_no_data = k->prof->metrics_no_data;
    sc_log_info("kube", "cluster %s (%s), mesh %s, fixture image %s",
                sc_kube_client_config(k->c)->server, sc_kube_client_config(k->c)->origin,
                k->prof->name, k->image);
    *out = &k->base;
    return 0;
fail:
    k_destroy(&k->base);
    return rc;
}
