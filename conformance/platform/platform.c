/* platform.c - opening a platform by name; the one place that knows every implementation. */
#include "platform/platform.h"

#include <string.h>

#include "platform/kube/kube.h"
#include "platform/local/local.h"

/* The kube platform's options from the platform configuration. */
static struct sc_kube_opts kube_opts_of(const struct sc_platform_config *c)
{
    struct sc_kube_opts ko = {
        .kubeconfig = c->kubeconfig,
        .context = c->context,
        .in_cluster = c->in_cluster,
        .mesh = c->mesh,
        .profiles_dir = c->profiles_dir,
        .fixture_image = c->fixture_image,
        .check_image = c->check_image,
        .preflight_in_run = c->preflight_in_run,
        .progress = c->progress,
        .interrupted = c->interrupted,
    };
    return ko;
}

int sc_platform_open(const struct sc_platform_config *c, struct sc_platform **out,
                     struct sc_err *err)
{
    *out = NULL;
    if (c->name != NULL && strcmp(c->name, "local") == 0) {
        struct sc_local_opts lo = {
            .refmesh_bin = c->refmesh_bin,
            .fixture_bin = c->fixture_bin,
            .violations = c->violations,
            .seed = c->seed,
            .mesh = c->mesh,
            .profiles_dir = c->profiles_dir,
        };
        return sc_local_new(&lo, out, err);
    }
    if (c->name != NULL && strcmp(c->name, "kube") == 0) {
        struct sc_kube_opts ko = kube_opts_of(c);
        ko.check_image = false; /* the pod is preflight's (sc_platform_preflight) */
        return sc_kube_new(&ko, out, err);
    }
    return sc_err_set(err, SC_EINVAL, "unknown platform '%s' (expected local or kube)",
                      c->name ? c->name : "");
}

int sc_platform_preflight(const struct sc_platform_config *c, char **table, unsigned *blockers,
                          struct sc_err *err)
{
    struct sc_kube_opts ko = kube_opts_of(c);
    *table = NULL;
    *blockers = 0;
    if (c->name == NULL || strcmp(c->name, "kube") != 0)
        return sc_err_set(err, SC_EINVAL, "preflight checks a cluster: it needs --platform kube");
    if (c->mesh == NULL || c->mesh[0] == '\0')
        return sc_err_set(err, SC_EINVAL, "preflight needs a mesh profile (--mesh NAME or a file)");
    return sc_kube_preflight(&ko, table, blockers, err);
}

void sc_platform_emergency_stop(void)
{
    sc_local_kill_all(); /* local pods are our children; a cluster's namespaces stay */
}
