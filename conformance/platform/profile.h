/* profile.h - mesh profiles: how a mesh is enabled, bypassed, enforcing, and what it claims. */
#ifndef SC_PROFILE_H
#define SC_PROFILE_H

#include <stdbool.h>
#include <stddef.h>

#include "base/err.h"
#include "platform/platform.h"

struct sc_profile_pair {
    char *key, *value;
};

struct sc_profile_pairs {
    struct sc_profile_pair *v;
    size_t n;
};

enum sc_profile_group { SC_PROFILE_ACCESS, SC_PROFILE_SPECS, SC_PROFILE_SPLIT, SC_PROFILE_METRICS };
#define SC_PROFILE_NGROUPS 4

/* One namespace of a mesh's control plane and the Deployments in it (controlPlane). */
struct sc_profile_control {
    char *ns;
    char **deployments;
    size_t ndeployments;
};

/* One mesh profile (suites/profiles/NAME.yaml; format in suites/profiles/README.md). */
struct sc_profile {
    char *file;
    char *name;
    char *description;
    char **sources; /* where the facts come from (the mesh's documentation) */
    size_t nsources;
    /* Joining the mesh: put on every test namespace / pod template. */
    struct sc_profile_pairs ns_labels, ns_annotations, pod_labels, pod_annotations;
    /* Keeping a pod out of the mesh (a workload with mesh: false): put on its pod template
     * instead of pod_labels/pod_annotations, e.g. the injector's opt-out annotation;
     * unmeshed_known false: the profile does not say how (such tests are skipped). */
    struct sc_profile_pairs unmeshed_labels, unmeshed_annotations;
    bool unmeshed_known;
    /* Keeping the agent port out of the mesh: pod annotations, ${AGENT_PORT} substituted. */
    struct sc_profile_pairs bypass_annotations;
    int agent_port;
    /* Every signal the mesh denies with, per protocol. */
    struct sc_denial deny;
    /* How long a change may take to reach every proxy (0: the runner's default). */
    unsigned consistency_ms;
    /* How the mesh's metrics API reports counts: exactly, or within a relative tolerance (a
     * Prometheus-backed API extrapolates); how long they may take to appear. */
    bool metrics_exact;
    double metrics_tolerance;
    unsigned metrics_deadline_ms;
    unsigned metrics_scrape_ms; /* the scraper's interval (default 10 s), 0 when exact */
    /* The error text of the metrics API's answer for "no data for this resource" (smi-metrics
     * answers 500 "unable to lookup metrics"), read as not found; NULL: only 404 is. */
    char *metrics_no_data;
    /* routeHeaders: list = HTTPRouteGroup header filters as the installed CRD declares them
     * (a list of one-key maps); map (the default) = as the spec and its SDK write them. */
    bool headers_list;
    /* tcpAppProtocol: the appProtocol of a Service's TCP ports (NULL: "tcp"). OSM skips its
     * protocol detection only for tcp-server-first, which a server that speaks first (the
     * fixture's TCP echo) needs. */
    char *tcp_app_protocol;
    /* sidecarCPU: the CPU each injected sidecar requests by default, in millicores (0: none,
     * as Linkerd's); what a cluster's capacity for cases at once is divided by. */
    unsigned long sidecar_millicpu;
    /* Enforcing (not permissive) mode: what the installer must set, and what the harness
     * adds to each namespace. */
    char *enforcing_note;
    struct sc_profile_pairs enforce_ns_labels, enforce_ns_annotations;
    /* Claimed versions N of v1alphaN per group, newest first; claimed[g] false = the
     * profile does not say (then whatever the cluster serves is tested). */
    int versions[SC_PROFILE_NGROUPS][8];
    size_t nversions[SC_PROFILE_NGROUPS];
    bool claimed[SC_PROFILE_NGROUPS];
    char **features; /* extended features claimed */
    size_t nfeatures;
    bool features_claimed; /* claims.features is given: an extended feature it lacks is not
                              supported (its tests are skipped); absent: every one is tried */
    /* controlPlane: the mesh's Deployments that must be ready, by namespace (preflight);
     * ncontrol 0: not said (not checked). */
    struct sc_profile_control *control;
    size_t ncontrol;
};

/* Load a profile file. Errors are "FILE:LINE:COL: field: what is wrong"; unknown fields
 * are refused. *out is the caller's (sc_profile_free). */
SC_MUST_CHECK int sc_profile_load(const char *path, struct sc_profile **out, struct sc_err *err);

/* `name_or_path` with a '/' or ending in .yaml is a file; otherwise DIR/NAME.yaml with DIR
 * `dir` (NULL: $SC_PROFILES, else suites/profiles). */
SC_MUST_CHECK int sc_profile_find(const char *name_or_path, const char *dir,
                                  struct sc_profile **out, struct sc_err *err);

void sc_profile_free(struct sc_profile *p);

/* The group's name as used by the platform interface ("access", ...), and back (-1 when
 * the name is no group). */
const char *sc_profile_group_name(enum sc_profile_group g);
int sc_profile_group(const char *name);

/* Of the versions a platform serves for group g (newest first), those the mesh claims (all of
 * them when the profile does not say), into out (as many as served); returns their count. */
size_t sc_profile_claimed(const struct sc_profile *p, enum sc_profile_group g, const int *served,
                          size_t nserved, int *out);

#endif
