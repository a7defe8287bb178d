/* double_state.h - what the parts of the Kubernetes API test double share (internal to it). */
#ifndef SC_KUBE_DOUBLE_STATE_H
#define SC_KUBE_DOUBLE_STATE_H

#include <cjson/cJSON.h>
#include <openssl/ssl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "base/err.h"
#include "kube_api_double.h"

#define SC_DBL_MAX_CONNS 64

/* The SMI groups in the order of sc_kube_double_opts.served. */
extern const char *const sc_dbl_smi_groups[4];

/* One stored object. */
struct dbl_obj {
    char *path; /* canonical: /api/v1/namespaces/NS[/RES/NAME] or /apis/G/V/namespaces/... */
    char *ns;   /* owning namespace (NULL for namespaces) */
    cJSON *j;
    unsigned polls;
    uint64_t born_ms; /* monotonic ms at creation (pod_start_ms) */
    uint64_t gone_ms; /* a Terminating namespace: when it is gone (0: by polls) */
    /* A pod run as a process (fixture_bin): its address, pid, stdout until the ready line. */
    char ip[32];
    pid_t pid;
    int outfd;
    bool up;
    unsigned tries;
    char line[256];
    size_t nline;
    struct dbl_obj *next;
};

struct dbl_fault {
    char *method, *prefix;
    int status, retry_after; /* status -1: drop, -2: drop midway, -3: stall retry_after ms */
    unsigned count;
    struct dbl_fault *next;
};

struct dbl_seen {
    char *method, *path;
    struct dbl_seen *next;
};

struct dbl_hook {
    char *method, *pattern;
    unsigned nth, matched;
    void (*fn)(void *arg);
    void *arg;
    struct dbl_hook *next;
};

/* One change of a stored object, for watches. */
struct dbl_event {
    unsigned long rv;
    char type[10]; /* ADDED, MODIFIED, DELETED */
    char *path;
    char *json;
    struct dbl_event *next;
};

/* Everything below `mu` is under it; the rest is set before the acceptor starts. */
struct sc_kube_double {
    struct sc_kube_double_opts o;
    int lfd, port;
    SSL_CTX *ctx;
    pthread_t acceptor;
    pthread_t clock; /* double_clock.c: time-driven changes */
    uint64_t prng;   /* splitmix64 state, from opts.seed */
    pthread_mutex_t mu;
    pthread_cond_t cv; /* connections ending, events recorded */
    int conns[SC_DBL_MAX_CONNS];
    unsigned active, accepted;
    bool stopping;
    struct dbl_obj *objs;
    struct dbl_fault *faults;
    struct dbl_seen *seen;
    struct dbl_hook *hooks;
    unsigned long rv; /* resourceVersion counter */
    unsigned pod_seq;
    unsigned ip_base, ip_seq, rr; /* pod addresses 127.ip_base.x.y; endpoint round robin */
    unsigned spawned;             /* pod processes started */
    struct dbl_event *events;     /* newest first, for watches */
    char last_auth[128], last_ua[128], last_ctype[128];
    char *token, *basic_user, *basic_pass, *pod_log, *fixture_bin;
    cJSON *rbac_rules; /* NULL: no authorisation (everything authenticated is allowed) */
    char *rbac_user;
    unsigned forbidden; /* requests refused */
    char last_forbidden[1400];
};

/* One request, as read from the connection. */
struct dbl_req {
    char method[16];
    char path[2048]; /* without the query */
    char query[2048];
    char *body;
    size_t blen;
    char auth[4096];
    char ctype[128];
    char ua[128];
    bool close;
};

/* One answer, and how to deliver it. */
struct dbl_resp {
    int status;
    char *body;
    const char *ctype;
    int retry_after;
    bool drop;         /* close without an answer */
    bool drop_midway;  /* send the head and half the body, then close */
    unsigned stall_ms; /* wait this long (without the lock) before answering */
    /* A hook due on this request: run (without the lock) before answering. */
    void (*hook_fn)(void *arg);
    void *hook_arg;
    /* A watch: stream the events of the collection `watch` after resourceVersion watch_rv. */
    char watch[700];
    unsigned long watch_rv;
    unsigned watch_s;
    char watch_fields[300], watch_labels[300]; /* fieldSelector, labelSelector ("" none) */
};

/* A request's path, taken apart. */
struct dbl_route {
    char prefix[160]; /* "/api/v1" or "/apis/G/V" */
    char group[64], version[32];
    char ns[128], res[64], name[256], sub[32];
    bool cluster;     /* a cluster-scoped path: /apis/G/V/RES[/NAME] (not namespaces) */
    const char *rest; /* proxy: the path after .../proxy */
    int nseg;
};

/* Where the pod proxy sends a request, decided under the lock, done without it. */
struct dbl_forward {
    char host[32];
    int port; /* 0: nothing to forward */
    char rest[2100];
    char *plan; /* a traffic plan with its target resolved (ours, free), or NULL */
};

/* ---- helpers (kube_api_double.c) */
char *sc_dbl_strdup(const char *s); /* aborts when out of memory; NULL gives "" */
/* A metav1.Status body (reason NULL: the usual one for code). */
void sc_dbl_status(struct dbl_resp *r, int code, const char *reason, const char *msg);
/* apimachinery errors.NewForbidden: a 403 Status with msg and details {name, group, kind},
 * each left out when empty; the caller sends it (sc_dbl_json) and frees it. */
cJSON *sc_dbl_forbidden(const char *msg, const char *name, const char *group, const char *kind);
const char *sc_dbl_status_reason(int code);
void sc_dbl_json(struct dbl_resp *r, int code, const cJSON *j);

/* ---- the store (double_store.c), under the lock */
struct dbl_obj *sc_dbl_find(struct sc_kube_double *d, const char *path);
struct dbl_obj *sc_dbl_put(struct sc_kube_double *d, const char *path, const char *ns, cJSON *j);
void sc_dbl_drop(struct sc_kube_double *d, struct dbl_obj *x);
void sc_dbl_bump_rv(struct sc_kube_double *d, cJSON *j);
const char *sc_dbl_qparam(const struct dbl_req *q, const char *name, char *buf, size_t len);
void sc_dbl_write(struct sc_kube_double *d, const struct dbl_req *q, const struct dbl_route *rt,
                  const char *kind, bool apply, struct dbl_resp *r);
void sc_dbl_get(struct sc_kube_double *d, const struct dbl_route *rt, const struct dbl_req *q,
                const char *kind, struct dbl_resp *r);
void sc_dbl_delete(struct sc_kube_double *d, const struct dbl_route *rt, struct dbl_resp *r);

/* Does obj match a labelSelector (k=v,...)? */
bool sc_dbl_labels_match(const cJSON *obj, const char *selector);
/* Does obj match a fieldSelector (metadata.name and metadata.namespace, with =, == or !=)?
 * 1 yes, 0 no, -1 a field the double does not know (its name copied into bad). */
int sc_dbl_fields_match(const cJSON *obj, const char *selector, char *bad, size_t len);
/* A Terminating namespace's end: its content and then itself go, each with a DELETED event. */
void sc_dbl_ns_gone(struct sc_kube_double *d, struct dbl_obj *nso);

/* ---- the clock (double_clock.c) */
uint64_t sc_dbl_now_ms(void);
/* A termination time in [ns_terminate_ms_min, ns_terminate_ms_max] (under the lock). */
unsigned sc_dbl_draw_ms(struct sc_kube_double *d);
/* Start the thread that makes time-driven changes; stopped by sc_dbl_clock_stop once
 * d->stopping is set. */
SC_MUST_CHECK int sc_dbl_clock_start(struct sc_kube_double *d, struct sc_err *err);
void sc_dbl_clock_stop(struct sc_kube_double *d);

/* ---- watches (double_watch.c) */
/* Remember a change for watches (under the lock). */
void sc_dbl_record(struct sc_kube_double *d, const char *type, const char *path, const cJSON *j);
/* A GET of a collection with ?watch: fill r's watch fields and return true (under the lock). */
bool sc_dbl_watch_request(struct sc_kube_double *d, const struct dbl_route *rt,
                          const struct dbl_req *q, struct dbl_resp *r);
/* Stream the watch r asks for (without the lock); false when the connection broke. */
bool sc_dbl_watch_stream(struct sc_kube_double *d, SSL *ssl, const struct dbl_resp *r);
void sc_dbl_events_free(struct sc_kube_double *d);

/* ---- pods (double_pods.c), under the lock */
void sc_dbl_make_pods(struct sc_kube_double *d, const char *ns, cJSON *dep);
/* Deployments (and their pods) become ready after ready_after polls of their list (poll:
 * this call is one), or pod_start_ms after their pods were created; a status that changed
 * gets a new resourceVersion and a MODIFIED event. Returns true when dep is all ready. */
bool sc_dbl_progress(struct sc_kube_double *d, struct dbl_obj *dep, bool poll);
/* SIGTERM to the processes of ns's pods (the kubelet stopping them). */
void sc_dbl_pods_terminate(struct sc_kube_double *d, const char *ns);
/* Kill what is left of x's process and reap it. */
void sc_dbl_reap(struct dbl_obj *x);

/* ---- discovery and metrics (double_discovery.c), under the lock */
void sc_dbl_apis(struct sc_kube_double *d, struct dbl_resp *r);
void sc_dbl_group_version(struct sc_kube_double *d, const struct dbl_route *rt, struct dbl_resp *r);
void sc_dbl_metrics(struct sc_kube_double *d, const struct dbl_route *rt, struct dbl_resp *r);

/* ---- pod subresources: logs and the proxy (double_proxy.c) */
/* Under the lock: answer a log request, or say in *fw where a proxy request goes. */
void sc_dbl_pod_sub(struct sc_kube_double *d, const struct dbl_req *q, const struct dbl_route *rt,
                    struct dbl_resp *r, struct dbl_forward *fw);
/* Without the lock (the backend may take seconds): send the request on, fill r. */
void sc_dbl_forward(const struct dbl_forward *fw, const struct dbl_req *q, struct dbl_resp *r);

/* ---- RBAC (double_rbac.c), under the lock */
/* Authorise q as the RBAC user; false with a 403 in r when refused. */
bool sc_dbl_authorize(struct sc_kube_double *d, const struct dbl_req *q, struct dbl_resp *r);
/* POST .../selfsubjectaccessreviews. */
void sc_dbl_ssar(struct sc_kube_double *d, const struct dbl_req *q, struct dbl_resp *r);

/* ---- dispatch (double_dispatch.c): the whole request, lock taken inside */
void sc_dbl_dispatch(struct sc_kube_double *d, SSL *ssl, const struct dbl_req *q,
                     struct dbl_resp *r);

/* ---- the HTTPS server (double_server.c) */
/* Listen on 127.0.0.1:0 with TLS from o and start the acceptor thread. */
SC_MUST_CHECK int sc_dbl_serve(struct sc_kube_double *d, const struct sc_kube_double_opts *o,
                               struct sc_err *err);
/* Stop accepting, close every connection and wait for their threads. */
void sc_dbl_unserve(struct sc_kube_double *d);

#endif
