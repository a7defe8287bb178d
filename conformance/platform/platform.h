/* platform.h - where tests run: one interface, two implementations (local refmesh, kube). */
#ifndef SC_PLATFORM_H
#define SC_PLATFORM_H

#include <stdbool.h>
#include <stddef.h>

#include "agent/plan.h"
#include "agent/result.h"
#include "base/err.h"
#include "suite/suite.h"

struct sc_platform;

/* What the reports say about the platform; strings are valid until destroy. */
struct sc_platform_info {
    const char *mesh;         /* the mesh profile's name ("local" for the reference mesh) */
    const char *kube_version; /* the cluster's Kubernetes version, or NULL (local, unreadable) */
    /* With --keep, the platform's processes live only as long as the harness: this line says
     * where to look, and the harness waits for Ctrl-C before it exits. NULL: what is kept
     * outlives the harness (a cluster's namespaces) and it exits at once. */
    const char *keep_note;
};

/*
 * Every call may come from several runner threads at once (one test per thread); an
 * implementation serialises what it must. Names are Kubernetes names; `ns` is the test's
 * namespace. Strings returned through char ** are the caller's (free()).
 */
struct sc_platform_ops {
    const char *name; /* "local", "kube" */
    /* Served SMI versions: for each group ("access", "specs", "split", "metrics"), the
     * versions N of v1alphaN, newest first; *n set to the count (0 = not served). */
    int (*served)(struct sc_platform *p, const char *group, int *versions, size_t *n);
    int (*create_namespace)(struct sc_platform *p, const char *ns, struct sc_err *err);
    /* Delete a namespace and everything in it (pods, services, SMI objects): returns once
     * the deletion has begun (a cluster takes seconds to finish it, off the cases' path);
     * await_deleted confirms the end. Deleting what is gone is not an error. */
    int (*delete_namespace)(struct sc_platform *p, const char *ns, struct sc_err *err);
    /* Wait until every namespace whose deletion began is gone, bounded by the platform's own
     * timeout; SC_ETIMEOUT naming those still there. NULL: a deletion is over when
     * delete_namespace returns. */
    int (*await_deleted)(struct sc_platform *p, struct sc_err *err);
    int (*deploy)(struct sc_platform *p, const char *ns, const struct sc_workload *w,
                  struct sc_err *err);
    int (*create_service)(struct sc_platform *p, const char *ns, const struct sc_service *s,
                          struct sc_err *err);
    /* Wait until every workload of ns answers (bounded by timeout_ms). */
    int (*wait_ready)(struct sc_platform *p, const char *ns, unsigned timeout_ms,
                      struct sc_err *err);
    /* Create or replace one SMI object given as JSON text (already in the served version). */
    int (*apply)(struct sc_platform *p, const char *ns, const char *json, struct sc_err *err);
    /* Delete an SMI object; `api_version` like "split.smi-spec.io/v1alpha4". */
    int (*remove)(struct sc_platform *p, const char *ns, const char *api_version, const char *kind,
                  const char *name, struct sc_err *err);
    /* Send a traffic plan from pod `pod` of workload `workload` through its agent and read
     * what the agent observed into *result (the caller releases it with
     * sc_agent_result_release). Target host names in the plan are service names; the
     * platform adds what it must (an explicit proxy, a UDP relay) to its own copy. A plan
     * with an id is posted again after a failure in transit (connection refused, reset or
     * timed out; 429, 500, 502, 503 or 504 not carrying the agent's own {"error": ...}), at
     * most 4 attempts 0.5 s, 1 s and 2 s apart, since the agent runs an id once and answers a
     * repeat with that run's result; the error after the last attempt says how many were
     * made, the agent's own answers are final, and a plan without an id is posted once. */
    int (*traffic)(struct sc_platform *p, const char *ns, const char *workload, unsigned pod,
                   const struct sc_agent_plan *plan, struct sc_agent_result *result,
                   struct sc_err *err);
    /* Cancel the running plan `id` that `traffic` posted to that pod's agent (DELETE
     * /v1/traffic/ID): returns once the agent says it has stopped; its `traffic` call then
     * returns the partial result (cancelled). SC_ENOTFOUND when the agent knows no such
     * id (not posted yet); an id whose run has ended is not an error. NULL: not supported. */
    int (*cancel_traffic)(struct sc_platform *p, const char *ns, const char *workload, unsigned pod,
                          const char *id, struct sc_err *err);
    /* GET a path of the metrics.smi-spec.io API ("/apis/metrics.smi-spec.io/v1alpha1/..."). */
    int (*metrics)(struct sc_platform *p, const char *path, char **json, struct sc_err *err);
    /* Describe the platform for the reports (and --keep). */
    void (*describe)(struct sc_platform *p, struct sc_platform_info *out);
    /* Logs and events worth attaching to a failed test; may set *out to NULL. */
    void (*diagnostics)(struct sc_platform *p, const char *ns, char **out);
    /* Stop everything the platform started. */
    void (*destroy)(struct sc_platform *p);
};

/* What a request or connection can end in, besides an answer: the signals a mesh may use to
 * deny. A denial set is a bit set of these per protocol. */
enum sc_deny_kind {
    SC_DENY_REFUSED = 1 << 0, /* the connection was refused (HTTP: the agent's connect errors) */
    SC_DENY_RESET = 1 << 1,   /* the connection was reset (HTTP: also a failed write) */
    SC_DENY_CLOSED = 1 << 2,  /* closed before an answer (HTTP: before the whole response) */
    SC_DENY_TIMEOUT = 1 << 3, /* no answer within the plan's timeout (UDP: silence) */
    SC_DENY_PROXY = 1 << 4,   /* an explicit proxy answered CONNECT with a non-2xx status */
};

#define SC_DENY_STATUS_MAX 8

/* How the mesh signals a denial (from the mesh profile): a request, connection or datagram
 * counts as denied iff its outcome is in the set of its protocol; anything else that is not
 * an answer by an intended backend is "other" and fails a denial expectation. */
struct sc_denial {
    int http_status[SC_DENY_STATUS_MAX]; /* HTTP statuses that mean denied, e.g. 403 */
    size_t nhttp_status;
    unsigned http, tcp, udp; /* sc_deny_kind bits per protocol */
    /* gRPC statuses (bit N: status N, 1..16) of an HTTP 200 answer to a gRPC call that mean
     * denied; default PERMISSION_DENIED (7), what a gRPC client reads a proxy's 403 as. */
    uint32_t grpc;
};

/* The kind of a name ("refused", "reset", "closed", "timeout", "proxy"), 0 when unknown. */
unsigned sc_deny_kind_parse(const char *name);
/* "403, reset" and the like, for reports and messages (buf, len bytes). */
void sc_denial_describe(const struct sc_denial *d, const char *proto, char *buf, size_t len);

struct sc_platform {
    const struct sc_platform_ops *ops;
    struct sc_denial deny;
    /* How long a configuration change may take to reach every proxy on this platform (from
     * the profile); 0 = the runner's default. */
    unsigned consistency_ms;
    /* How its metrics API reports: counts exactly, or within a relative tolerance (a
     * Prometheus-backed API extrapolates with increase()); how long after the traffic they
     * may take to appear (a scrape interval or two). */
    bool metrics_exact;
    double metrics_tolerance;
    unsigned metrics_deadline_ms;
    unsigned metrics_scrape_ms;  /* the scraper's interval, 0 when unknown or exact */
    const char *metrics_no_data; /* an error text that means "no data" (not found), or NULL */
    /* HTTPRouteGroup header filters written as a list of one-key maps, the shape the CRDs
     * that clusters install declare, instead of the spec's map (from the profile). */
    bool headers_list;
    /* Can a workload be kept out of the mesh (mesh: false)? The local platform always; a
     * cluster when the profile says how (its `unmeshed` key). Otherwise such tests are
     * skipped. */
    bool unmeshed_ok;
    /* The extended features the mesh claims (the profile's claims.features, borrowed); with
     * features_claimed, a test needing another one is skipped as not supported. */
    char *const *features;
    size_t nfeatures;
    bool features_claimed;
    /* Cases at once this platform takes well when --parallel is not given (a cluster's
     * capacity); 0: the runner's default. parallel_why says what it was chosen from. */
    unsigned parallel_hint;
    const char *parallel_why;
    /* How long a case's workloads may take to become ready, at least (a cluster pulls images
     * and injects sidecars); 0: three consistency timeouts, as for anything else. */
    unsigned ready_timeout_ms;
};

/* Which platform to open and how; fields of the other platform must be left zero. */
struct sc_platform_config {
    const char *name; /* "local" or "kube" */
    /* local: the reference mesh's and the fixture's programs (NULL: found next to the
     * harness, in the build tree or PATH), --violate switches (NULL-terminated, may be NULL),
     * the split seed (0 = from the clock) */
    const char *refmesh_bin, *fixture_bin;
    const char *const *violations;
    unsigned long seed;
    /* kube: see the kube platform (kubeconfig NULL = $KUBECONFIG or ~/.kube/config, context
     * NULL = current-context, mesh a profile name in profiles_dir or a file, fixture_image
     * NULL = the harness version's image); local: mesh names the profile whose refmesh
     * personality is started (NULL: the reference mesh) */
    const char *kubeconfig, *context;
    bool in_cluster;
    const char *mesh, *profiles_dir, *fixture_image;
    bool check_image; /* kube preflight: start a pod of the fixture image */
    /* kube preflight at a run's start: the image check's namespace is deleted without
     * waiting for it to go (off the run's path); the preflight command waits. */
    bool preflight_in_run;
    /* kube preflight: a line of progress while it waits (the pod's start); NULL: none. While
     * interrupted() (may be NULL) says true, it stops waiting and cleans up. */
    void (*progress)(const char *line);
    bool (*interrupted)(void);
};

/* Open the platform `c` names: start the reference mesh, or connect to the cluster and
 * discover what it serves. *out is destroyed with (*out)->ops->destroy. SC_EINVAL for an
 * unknown name; otherwise the platform's own failure, with its reason. */
SC_MUST_CHECK int sc_platform_open(const struct sc_platform_config *c, struct sc_platform **out,
                                   struct sc_err *err);

/* Check, before anything is deployed, that the cluster `c` names (kube only) can run the
 * suite: *table (caller frees) is one row per check with a fix under each failure, *blockers
 * the failures that stop a run. SC_EINVAL for another platform. */
SC_MUST_CHECK int sc_platform_preflight(const struct sc_platform_config *c, char **table,
                                        unsigned *blockers, struct sc_err *err);

/* A plan running in the background (held traffic): started by sc_platform_hold_start, which
 * returns at once, and ended by sc_platform_hold_stop. */
struct sc_platform_hold;

/* Post `plan` (copied; it must have an id) from pod `pod` of `workload` on a thread of its
 * own, as ops->traffic does. SC_EINVAL when the platform cannot cancel a plan
 * (ops->cancel_traffic is NULL). */
SC_MUST_CHECK int sc_platform_hold_start(struct sc_platform *p, const char *ns,
                                         const char *workload, unsigned pod,
                                         const struct sc_agent_plan *plan,
                                         struct sc_platform_hold **out, struct sc_err *err);
/* Cancel the plan (again while the agent does not know its id yet, for up to 5 s), wait for
 * its result into *result (the caller releases it) and free h, whatever the outcome. The
 * error is the POST's when it failed, else the cancel's. */
SC_MUST_CHECK int sc_platform_hold_stop(struct sc_platform_hold *h, struct sc_agent_result *result,
                                        struct sc_err *err);

/* From a signal handler, when the user insists: stop at once every process any platform
 * started (async-signal-safe: kill() only). What lives on a cluster stays. */
void sc_platform_emergency_stop(void);

#endif
