/* kube_ops.h - what the kube platform's operations share (internal to platform/kube/). */
#ifndef SC_KUBE_OPS_H
#define SC_KUBE_OPS_H

#include <cjson/cJSON.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

#include "base/err.h"
#include "platform/kube/client.h"
#include "platform/kube/discovery.h"
#include "platform/profile.h"
#include "platform/platform.h"

#define SC_KUBE_PART_OF  "app.kubernetes.io/part-of"
#define SC_KUBE_INSTANCE "app.kubernetes.io/instance"

/* The platform: base first, so a struct sc_platform * is a struct sc_kube *. */
struct sc_kube {
    struct sc_platform base;
    struct sc_kube_client *c;
    struct sc_profile *prof;
    struct sc_kube_discovery disc;
    char *image;
    unsigned delete_timeout_ms;
    char *version; /* the server's gitVersion, read on first use */
    /* Access is claimed and served: the profile's enforcing.namespace settings (deny by
     * default) go on every test namespace; otherwise the mesh stays permissive. */
    bool enforce_access;
    /* Namespaces whose deletion began, to confirm gone at the end (await_deleted). */
    pthread_mutex_t deleting_mu;
    char **deleting;
    size_t ndeleting;
    char parallel_why[200]; /* what base.parallel_hint was chosen from */
};

/* A string member of o, or NULL (o may be NULL). Borrowed from o. */
static inline const char *sc_kube_jstr(const cJSON *o, const char *key)
{
    return cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, key));
}

/* A number member of o, 0 when absent. */
static inline int sc_kube_jint(const cJSON *o, const char *key)
{
    const cJSON *n = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsNumber(n) ? n->valueint : 0;
}

/* Polls start fast and slow down: pods take seconds, the first check often succeeds. */
static inline unsigned sc_kube_next_poll(unsigned cur)
{
    return cur >= 1000 ? 2000 : cur * 2;
}

/* Server-side apply of obj (borrowed) at path, as the harness's field manager. */
/* A new object {apiVersion, kind, metadata: {name, namespace (when ns is not NULL), labels:
 * {part-of: smi-conformance}}} that the harness owns; *labels (may be NULL) is its labels, for
 * more. Caller frees (cJSON_Delete). */
cJSON *sc_kube_object(const char *api_version, const char *kind, const char *name, const char *ns,
                      cJSON **labels);
SC_MUST_CHECK int sc_kube_apply_json(struct sc_kube *k, const char *path, const cJSON *obj,
                                     struct sc_err *err);

/* Set every pair of p on obj (replacing same keys), ${AGENT_PORT} substituted. */
void sc_kube_add_pairs(cJSON *obj, const struct sc_profile_pairs *p, int agent_port);

/* GET path as JSON (the caller's, cJSON_Delete), or NULL with the reason in err. */
SC_MUST_CHECK cJSON *sc_kube_get_json(struct sc_kube *k, const char *path, struct sc_err *err);

/* The name of ready pod `idx` of workload w (sorted by name, so the choice is stable). */
SC_MUST_CHECK int sc_kube_ready_pod(struct sc_kube *k, const char *ns, const char *w, unsigned idx,
                                    char *out, size_t len, struct sc_err *err);

/* Choose base.parallel_hint from the cluster's schedulable nodes (capacity.c). */
void sc_kube_capacity(struct sc_kube *k);

/* The operations, by file: objects.c (namespaces and SMI objects) */
SC_MUST_CHECK int sc_kube_op_create_namespace(struct sc_platform *p, const char *ns,
                                              struct sc_err *err);
SC_MUST_CHECK int sc_kube_op_delete_namespace(struct sc_platform *p, const char *ns,
                                              struct sc_err *err);
SC_MUST_CHECK int sc_kube_op_await_deleted(struct sc_platform *p, struct sc_err *err);
/* DELETE a namespace (foreground propagation); gone already is fine. With wait_ms > 0, also
 * wait until it is gone. */
SC_MUST_CHECK int sc_kube_delete_namespace(struct sc_kube *k, const char *ns, unsigned wait_ms,
                                           struct sc_err *err);
SC_MUST_CHECK int sc_kube_op_apply(struct sc_platform *p, const char *ns, const char *json,
                                   struct sc_err *err);
SC_MUST_CHECK int sc_kube_op_remove(struct sc_platform *p, const char *ns, const char *api_version,
                                    const char *kind, const char *name, struct sc_err *err);
/* workloads.c (fixtures as Deployments, Services, readiness) */
SC_MUST_CHECK int sc_kube_op_deploy(struct sc_platform *p, const char *ns,
                                    const struct sc_workload *w, struct sc_err *err);
SC_MUST_CHECK int sc_kube_op_create_service(struct sc_platform *p, const char *ns,
                                            const struct sc_service *s, struct sc_err *err);
SC_MUST_CHECK int sc_kube_op_wait_ready(struct sc_platform *p, const char *ns, unsigned timeout_ms,
                                        struct sc_err *err);
/* traffic.c (the agents through the pod proxy, TrafficMetrics through the aggregated API) */
SC_MUST_CHECK int sc_kube_op_traffic(struct sc_platform *p, const char *ns, const char *workload,
                                     unsigned idx, const struct sc_agent_plan *plan,
                                     struct sc_agent_result *result, struct sc_err *err);
/* DELETE /v1/traffic/ID on the pod's agent, through the pod proxy as the POST went. */
SC_MUST_CHECK int sc_kube_op_cancel_traffic(struct sc_platform *p, const char *ns,
                                            const char *workload, unsigned idx, const char *id,
                                            struct sc_err *err);
SC_MUST_CHECK int sc_kube_op_metrics(struct sc_platform *p, const char *path, char **json,
                                     struct sc_err *err);
/* preflight_cluster.c: checks that look into the cluster, one table row each (result "ok" or
 * "FAIL", what was seen, a fix for a failure). The mesh's control plane (the profile's
 * controlPlane: every Deployment named has a ready replica; "not checked" without the key). */
struct sc_kube_check {
    const char *result;
    char detail[1400];
    char fix[600];
};
void sc_kube_check_control_plane(struct sc_kube_client *c, const struct sc_profile *p,
                                 struct sc_kube_check *out);
/* A one-pod Deployment of the fixture image in a namespace of its own (with the profile's
 * joining settings), waited for until ready, refused by the kubelet's image pull (FAIL at
 * once) or 120 s, with a line to progress (may be NULL) as it starts and every 10 s it
 * waits, or until interrupted() (may be NULL) says true; the namespace is deleted afterwards
 * (and, with wait_deleted, waited for until gone). */
void sc_kube_check_image(struct sc_kube_client *c, struct sc_profile *p, const char *image,
                         void (*progress)(const char *line), bool (*interrupted)(void),
                         bool wait_deleted, struct sc_kube_check *out);
/* diagnostics.c */
void sc_kube_op_diagnostics(struct sc_platform *p, const char *ns, char **out);

#endif
