/* kube_api_double.h - the Kubernetes API test double: an in-memory HTTPS API server. */
#ifndef SC_KUBE_API_DOUBLE_H
#define SC_KUBE_API_DOUBLE_H

#include <stdbool.h>
#include <stddef.h>

#include "base/err.h"

/*
 * What it does like a real API server: TLS (server certificate, optional client
 * certificates checked against a CA), bearer-token and basic authentication (401 Status
 * otherwise), discovery (/apis, /apis/GROUP/VERSION), server-side apply (PATCH with
 * application/apply-patch+yaml and fieldManager, 415/400 otherwise), create (POST, 409
 * AlreadyExists), dry runs of either (?dryRun=All: validated and authorised, answered as if
 * written, nothing stored or watched; any other value 422 as kube-apiserver answers),
 * get/list with labelSelector, delete (namespaces go Terminating first and
 * take their content with them), resourceVersion on every write, watches (GET of a
 * collection with ?watch=1&resourceVersion=RV[&timeoutSeconds=S]: a chunked stream of
 * {"type":"ADDED|MODIFIED|DELETED","object":...} lines for the objects applied, updated or
 * deleted after RV, until S seconds (at most 30) pass; labelSelector and
 * fieldSelector=metadata.name=X filter lists and watches), Status bodies for 400, 401,
 * 403, 404, 409, 415, 422, 429 (with Retry-After), 500 and 503; Deployments get pods that
 * become ready after a few polls; the pod proxy forwards to a real HTTP server (a test's
 * smi-fixture); pod logs and events; the aggregated metrics.smi-spec.io API;
 * CustomResourceDefinitions (cluster-scoped: create, apply, get, list, delete), stored only.
 * It is a test tool only: it never stands in for a platform.
 */
struct sc_kube_double;

struct sc_kube_double_opts {
    const char *server_cert_pem, *server_key_pem; /* required */
    const char *client_ca_pem; /* client certificates verified against it; NULL: not asked */
    const char *token;         /* the accepted bearer token; NULL: none */
    const char *basic_user, *basic_pass;
    bool anonymous; /* accept requests without credentials */
    /* Served versions ("v1alpha3"), NULL = group absent: access, specs, split, metrics. */
    const char *served[4];
    bool metrics_unavailable; /* list the metrics group but answer 503 for it */
    unsigned ready_after;     /* deployment list polls before pods are ready (0 = 1) */
    unsigned terminate_polls; /* GETs a deleted namespace stays Terminating (0 = 2) */
    int proxy_port;           /* pod proxy target on 127.0.0.1 (0: 503 as if unreachable) */
    /* When set, every pod of a Deployment is this program (smi-fixture) run as a process:
     * the container's args with --listen on the pod's own address 127.B.x.y, the container's
     * env with its fieldRefs resolved (downward API), ready once it prints its ready line,
     * SIGTERM when its namespace is deleted, killed when the namespace is gone. The pod proxy
     * then goes to the pod's address and port, and a traffic plan's "SVC.NS:PORT" target is
     * resolved to a ready endpoint (cluster DNS and kube-proxy; one endpoint per plan). */
    const char *fixture_bin;
    const char *pod_log; /* what every container's log says (NULL: a fixed line) */
    /* GET .../customresourcedefinitions/httproutegroups.specs.smi-spec.io: a CRD whose served
     * specs version declares spec.matches[].headers of this type ("object" or "array");
     * NULL: 404, as if the CRD could not be read. An HTTPRouteGroup whose matches[].headers
     * are of the other type is refused (422 Invalid), as a structural schema refuses it. */
    const char *crd_headers;
    /* Pods whose first container has this image never start: their container status waits
     * with reason ErrImagePull (first look), then ImagePullBackOff, as the kubelet reports an
     * image it cannot pull; no process is run for them. NULL: every image can be pulled. */
    const char *unpullable_image;
    /* Cluster timing (double_clock.c; 0 = off, the poll-based behaviour above). pod_start_ms:
     * a Deployment's pod is Ready (and the Deployment's readyReplicas and Available follow)
     * only this long after it was created, and with fixture_bin only once its process also
     * printed its ready line; the change is written by the double's clock thread (a new
     * resourceVersion and a MODIFIED event for watches), without anyone polling. */
    unsigned pod_start_ms;
    /* A deleted namespace stays Terminating for a time drawn uniformly in [min, max] ms
     * (max 0: terminate_polls GETs instead), then it and its content are gone (DELETED
     * events). Creating in it meanwhile is refused as NamespaceLifecycle refuses it. */
    unsigned ns_terminate_ms_min, ns_terminate_ms_max;
    unsigned long seed; /* of the termination times (0: 1) */
    /* GET /api/v1/nodes: one Ready, schedulable Node "kind-worker" (the pods' nodeName) with
     * this many allocatable CPUs; 0: no Node API (404), as before. */
    unsigned node_cpus;
};

/* Start on 127.0.0.1:0 (a thread accepts; one thread per connection). NULL on failure (the
 * certificates cannot be used, no socket or thread), with the reason in err. */
SC_MUST_CHECK struct sc_kube_double *sc_kube_double_start(const struct sc_kube_double_opts *o,
                                                          struct sc_err *err);
int sc_kube_double_port(const struct sc_kube_double *d);
/* Stop: close every connection and free everything. */
void sc_kube_double_stop(struct sc_kube_double *d);

/*
 * Fault injection: the next `count` requests whose method matches (NULL = any) and whose
 * path starts with `prefix` get `status` with a Status body (and Retry-After when
 * retry_after > 0). status -1 closes the connection without an answer; -2 sends the head
 * and half the body, then closes (a connection dropped midway); -3 answers normally, but
 * only after retry_after milliseconds (a slow server).
 */
void sc_kube_double_fail(struct sc_kube_double *d, const char *method, const char *prefix,
                         int status, unsigned count, int retry_after);

/*
 * A hook: fn(arg) runs once, on the connection's thread, for the nth request (1 = the first)
 * whose method matches (NULL = any) and whose path (without the query) matches the
 * fnmatch(3) pattern, with FNM_PATHNAME: a star stays within one segment, so the pattern
 * "/api/v1/namespaces/" followed by a star takes namespaces and not what is in them. It runs
 * after the request was handled (stored, deleted, proxied) and before its answer is sent,
 * without the double's lock: fn may call the functions here, and the client waits for the
 * answer as long as fn takes (keep it bounded). arg is borrowed until the double stops.
 * Every hook counts the requests it matches; when two are due on one request, the newest runs.
 */
void sc_kube_double_hook(struct sc_kube_double *d, const char *method, const char *pattern,
                         unsigned nth, void (*fn)(void *arg), void *arg);

/* Requests seen so far whose method (NULL = any) matches and path starts with prefix. */
unsigned sc_kube_double_count(struct sc_kube_double *d, const char *method, const char *prefix);
/* TCP connections accepted so far. */
unsigned sc_kube_double_connections(struct sc_kube_double *d);
/* The last request's authentication ("token", "cert:CN", "basic:USER", "anonymous"),
 * User-Agent and Content-Type, copied into buf. */
void sc_kube_double_last(struct sc_kube_double *d, const char *what, char *buf, size_t len);
/* The stored object at its path (JSON text, caller frees) or NULL. */
char *sc_kube_double_object(struct sc_kube_double *d, const char *path);
/* Number of stored objects whose path starts with prefix. */
unsigned sc_kube_double_objects(struct sc_kube_double *d, const char *prefix);
/* Pod processes (fixture_bin) started so far, and those not yet reaped. */
void sc_kube_double_processes(struct sc_kube_double *d, unsigned *started, unsigned *running);
/* Put an object at a path (JSON text), e.g. an Event. */
void sc_kube_double_put(struct sc_kube_double *d, const char *path, const char *json);

/*
 * RBAC (double_rbac.c): from now on every authenticated request is `user` (e.g.
 * "system:serviceaccount:smi-conformance:smi-conformance") and is authorised as
 * kube-apiserver's RBAC authoriser would, against the rules of the ClusterRoles that the
 * ClusterRoleBindings of the manifest stream `yaml` (fixtures/kube/harness/job.yaml) bind to
 * that user; rule number `drop` of those (0-based, in manifest order) is left out (-1: none).
 * A refusal is a 403 Status as kube-apiserver writes it; a server-side apply that creates its
 * object needs create as well as patch. POST /apis/authorization.k8s.io/v1/
 * selfsubjectaccessreviews answers from the same rules (everything is allowed without RBAC).
 */
struct cJSON;
SC_MUST_CHECK int sc_kube_double_rbac(struct sc_kube_double *d, const char *yaml, const char *user,
                                      int drop, struct sc_err *err);
/* The rules the manifest binds to user, as a JSON array (caller frees), without a double. */
SC_MUST_CHECK int sc_kube_double_rbac_rules_in(const char *yaml, const char *user,
                                               struct cJSON **out, struct sc_err *err);
/* Requests refused so far (403), and the last refusal's message copied into last (may be NULL). */
unsigned sc_kube_double_forbidden(struct sc_kube_double *d, char *last, size_t len);

#endif
