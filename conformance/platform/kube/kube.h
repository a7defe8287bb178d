/* kube.h - the Kubernetes platform: fixtures as Deployments, agents through the pod proxy. */
#ifndef SC_PLATFORM_KUBE_H
#define SC_PLATFORM_KUBE_H

#include <stdbool.h>

#include "base/err.h"
#include "platform/kube/client.h"
#include "platform/profile.h"
#include "platform/platform.h"

/* The fixture image when --fixture-image is not given: the tag is the harness version, as
 * scripts/kind/ builds and loads it. */
#define SC_KUBE_DEFAULT_IMAGE "smi-fixture:" SC_VERSION

struct sc_kube_opts {
    /* Where the cluster is. With in_cluster, the pod's service account is used and
     * kubeconfig/context must be NULL. Otherwise kubeconfig NULL means $KUBECONFIG (merged)
     * or ~/.kube/config; context NULL means current-context. */
    const char *kubeconfig;
    const char *context;
    bool in_cluster;
    const char *sa_dir; /* in-cluster service account folder; NULL = the standard one */
    /* The mesh profile: a name looked up in profiles_dir (NULL: $SC_PROFILES, else
     * suites/profiles), or a file path (contains '/' or ends in .yaml). Required. */
    const char *mesh;
    const char *profiles_dir;
    const char *fixture_image;  /* NULL = SC_KUBE_DEFAULT_IMAGE */
    unsigned delete_timeout_ms; /* bounded wait for a namespace to be gone; 0 = 180000 */
    const struct sc_kube_client_opts *client; /* retries and timeouts; NULL = defaults */
    bool check_image;      /* preflight: start one pod of the fixture image (slow: a pod start) */
    bool preflight_in_run; /* the image check's namespace is not waited for */
    void (*progress)(const char *line); /* preflight's waits, one line each; NULL: quiet */
    bool (*interrupted)(void); /* preflight stops waiting (and cleans up) once true; may be NULL */
};

/*
 * Load the kubeconfig (or in-cluster config) and the mesh profile, connect, and discover
 * the served SMI versions. Fails with the reason (file:line:col for bad files, the server's
 * message when the cluster refuses us). *out is destroyed with (*out)->ops->destroy.
 * The platform's denial set and consistency timeout come from the profile.
 */
SC_MUST_CHECK int sc_kube_new(const struct sc_kube_opts *o, struct sc_platform **out,
                              struct sc_err *err);

/* The loaded profile (for reports: name, claims, sources); valid until destroy. p must be a
 * kube platform. */
const struct sc_profile *sc_kube_profile_of(const struct sc_platform *p);

/* Where the platform connects ("FILE (context NAME)" or "in-cluster") and the server URL;
 * no secrets. Valid until destroy. */
const char *sc_kube_origin(const struct sc_platform *p);
const char *sc_kube_server(const struct sc_platform *p);
/*
 * Preflight (preflight.c): whether the cluster can run the suite, checked without deploying
 * anything: the API answers and accepts our credentials; every permission a run needs
 * (SelfSubjectAccessReview); a version the profile claims of each SMI group is served; the
 * metrics API answers; the mesh's control plane (the profile's controlPlane) is ready; the
 * served HTTPRouteGroup CRD's header shape; with check_image, a pod of the fixture image starts
 * (preflight_cluster.c).
 * *table (caller frees) holds one row per check, a fix under each failure; *blockers counts
 * the failures that stop a run. Fails only when the profile or kubeconfig cannot be loaded.
 */
SC_MUST_CHECK int sc_kube_preflight(const struct sc_kube_opts *o, char **table, unsigned *blockers,
                                    struct sc_err *err);

/* The cluster's Kubernetes version (GET /version gitVersion), or NULL when it cannot be read;
 * valid until destroy. */
const char *sc_kube_version(struct sc_platform *p);

#endif
