/* kube_api_double.c - the Kubernetes API test double: real API semantics, in memory, over TLS. */
#include "kube_api_double.h"

#include <arpa/inet.h>
#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* Names and paths are cut to fixed buffers on purpose: the double serves short test names. */
#pragma GCC diagnostic ignored "-Wformat-truncation"

#define MAX_CONNS 64
#define MAX_HEAD  (64 * 1024)
#define MAX_REQ   (8 * 1024 * 1024)

static const char *const smi_groups[4] = {"access.smi-spec.io", "specs.smi-spec.io",
                                          "split.smi-spec.io", "metrics.smi-spec.io"};

struct obj {
    char *path; /* canonical: /api/v1/namespaces/NS[/RES/NAME] or /apis/G/V/namespaces/... */
    char *ns;   /* owning namespace (NULL for namespaces) */
    cJSON *j;
    unsigned polls;
    /* A pod run as a process (fixture_bin): its address, pid, stdout until the ready line. */
    char ip[32];
    pid_t pid;
    int outfd;
    bool up;
    unsigned tries;
    char line[256];
    size_t nline;
    struct obj *next;
};

struct fault {
    char *method, *prefix;
    int status, retry_after; /* status -1: drop, -2: drop midway, -3: stall retry_after ms */
    unsigned count;
    struct fault *next;
};

struct seen {
    char *method, *path;
    struct seen *next;
};

struct hook {
    char *method, *pattern;
    unsigned nth, matched;
    void (*fn)(void *arg);
    void *arg;
    struct hook *next;
};

struct sc_kube_double {
    struct sc_kube_double_opts o;
    int lfd, port;
    SSL_CTX *ctx;
    pthread_t acceptor;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int conns[MAX_CONNS];
    unsigned active, accepted;
    bool stopping;
    struct obj *objs;
    struct fault *faults;
    struct seen *seen;
    struct hook *hooks;
    unsigned long rv; /* resourceVersion counter */
    unsigned pod_seq;
    unsigned ip_base, ip_seq, rr; /* pod addresses 127.ip_base.x.y; endpoint round robin */
    unsigned spawned;             /* pod processes started */
    struct event *events;         /* newest first, for watches */
    char last_auth[128], last_ua[128], last_ctype[128];
    char *token, *basic_user, *basic_pass, *pod_log, *fixture_bin;
};

struct req {
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

struct resp {
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
};

/* One change of a stored object, for watches. */
struct event {
    unsigned long rv;
    char type[10]; /* ADDED, MODIFIED, DELETED */
    char *path;
    char *json;
    struct event *next;
};

/* ---- small helpers ------------------------------------------------------------------------ */

static char *xstrdup(const char *s)
{
    char *p = strdup(s ? s : "");
    if (p == NULL)
        abort();
    return p;
}

static const char *reason_phrase(int s)
{
    switch (s) {
    case 200:
        return "OK";
    case 201:
        return "Created";
    case 400:
        return "Bad Request";
    case 401:
        return "Unauthorized";
    case 403:
        return "Forbidden";
    case 404:
        return "Not Found";
    case 409:
        return "Conflict";
    case 415:
        return "Unsupported Media Type";
    case 422:
        return "Unprocessable Entity";
    case 429:
        return "Too Many Requests";
    case 500:
        return "Internal Server Error";
    case 503:
        return "Service Unavailable";
    default:
        return "Status";
    }
}

static const char *status_reason(int s)
{
    switch (s) {
    case 400:
        return "BadRequest";
    case 401:
        return "Unauthorized";
    case 403:
        return "Forbidden";
    case 404:
        return "NotFound";
    case 409:
        return "AlreadyExists";
    case 415:
        return "UnsupportedMediaType";
    case 422:
        return "Invalid";
    case 429:
        return "TooManyRequests";
    case 503:
        return "ServiceUnavailable";
    default:
        return "InternalError";
    }
}

/* A metav1.Status body. */
static void set_status(struct resp *r, int code, const char *reason, const char *msg)
{
    cJSON *j = cJSON_CreateObject();
    cJSON_AddStringToObject(j, "kind", "Status");
    cJSON_AddStringToObject(j, "apiVersion", "v1");
    cJSON_AddObjectToObject(j, "metadata");
    cJSON_AddStringToObject(j, "status", "Failure");
    cJSON_AddStringToObject(j, "message", msg);
    cJSON_AddStringToObject(j, "reason", reason ? reason : status_reason(code));
    cJSON_AddNumberToObject(j, "code", code);
    free(r->body);
    r->body = cJSON_PrintUnformatted(j);
    r->status = code;
    r->ctype = "application/json";
    cJSON_Delete(j);
}

static void set_json(struct resp *r, int code, const cJSON *j)
{
    free(r->body);
    r->body = cJSON_PrintUnformatted(j);
    r->status = code;
    r->ctype = "application/json";
}

static void now_rfc3339(char *buf, size_t len)
{
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static const char *qparam(const struct req *q, const char *name, char *buf, size_t len)
{
    size_t nl = strlen(name);
    for (const char *p = q->query; *p;) {
        if (strncmp(p, name, nl) == 0 && p[nl] == '=') {
            size_t n = 0;
            p += nl + 1;
            while (*p && *p != '&' && n + 1 < len) {
                if (*p == '%' && p[1] && p[2]) {
                    char hex[3] = {p[1], p[2], 0};
                    buf[n++] = (char)strtol(hex, NULL, 16);
                    p += 3;
                } else {
                    buf[n++] = *p == '+' ? ' ' : *p;
                    p++;
                }
            }
            buf[n] = '\0';
            return buf;
        }
        p = strchr(p, '&');
        if (p == NULL)
            break;
        p++;
    }
    return NULL;
}

/* ---- the store ------------------------------------------------------------------------------ */

static struct obj *find(struct sc_kube_double *d, const char *path)
{
    for (struct obj *o = d->objs; o; o = o->next)
        if (strcmp(o->path, path) == 0)
            return o;
    return NULL;
}

/* A pod's process is gone when its object is: SIGTERM went out when the namespace began
 * terminating (the fixture drains), whatever is still running now is killed. */
static void reap(struct obj *x)
{
    int st;
    if (x->outfd >= 0)
        close(x->outfd);
    x->outfd = -1;
    if (x->pid <= 0)
        return;
    if (waitpid(x->pid, &st, WNOHANG) == 0) {
        kill(x->pid, SIGKILL);
        waitpid(x->pid, &st, 0);
    }
    x->pid = 0;
}

static void drop_obj(struct sc_kube_double *d, struct obj *x)
{
    for (struct obj **pp = &d->objs; *pp; pp = &(*pp)->next)
        if (*pp == x) {
            *pp = x->next;
            reap(x);
            free(x->path);
            free(x->ns);
            cJSON_Delete(x->j);
            free(x);
            return;
        }
}

static struct obj *put(struct sc_kube_double *d, const char *path, const char *ns, cJSON *j)
{
    struct obj *o = calloc(1, sizeof(*o));
    if (o == NULL)
        abort();
    o->path = xstrdup(path);
    o->ns = ns ? xstrdup(ns) : NULL;
    o->j = j;
    o->outfd = -1;
    o->next = d->objs;
    d->objs = o;
    return o;
}

static void bump_rv(struct sc_kube_double *d, cJSON *j)
{
    char rv[32];
    cJSON *md = cJSON_GetObjectItemCaseSensitive(j, "metadata");
    snprintf(rv, sizeof(rv), "%lu", ++d->rv);
    cJSON_DeleteItemFromObjectCaseSensitive(md, "resourceVersion");
    cJSON_AddStringToObject(md, "resourceVersion", rv);
}

/* Remember a change for watches (under the lock). */
static void record(struct sc_kube_double *d, const char *type, const char *path, const cJSON *j)
{
    struct event *e = calloc(1, sizeof(*e));
    if (e == NULL)
        abort();
    e->rv = d->rv;
    snprintf(e->type, sizeof(e->type), "%s", type);
    e->path = xstrdup(path);
    e->json = cJSON_PrintUnformatted(j);
    e->next = d->events;
    d->events = e;
    pthread_cond_broadcast(&d->cv);
}

static bool labels_match(const cJSON *obj, const char *selector)
{
    const cJSON *labels = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(obj, "metadata"), "labels");
    char buf[1024], *save = NULL;
    snprintf(buf, sizeof(buf), "%s", selector);
    for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        char *eq = strchr(t, '=');
        const char *v;
        if (eq == NULL)
            return false;
        *eq = '\0';
        v = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(labels, t));
        if (v == NULL || strcmp(v, eq + 1 + (eq[1] == '=')) != 0)
            return false;
    }
    return true;
}

/* ---- routing ------------------------------------------------------------------------------ */

struct route {
    char prefix[160]; /* "/api/v1" or "/apis/G/V" */
    char group[64], version[32];
    char ns[128], res[64], name[256], sub[32];
    const char *rest; /* proxy: the path after .../proxy */
    int nseg;
};

/* Kind of a resource in the double's API, or NULL when it does not exist there. */
static const char *kind_of(struct sc_kube_double *d, const struct route *rt)
{
    static const struct {
        const char *group, *res, *kind;
    } kinds[] = {{"", "namespaces", "Namespace"},
                 {"", "pods", "Pod"},
                 {"", "services", "Service"},
                 {"", "serviceaccounts", "ServiceAccount"},
                 {"", "events", "Event"},
                 {"apps", "deployments", "Deployment"},
                 {"access.smi-spec.io", "traffictargets", "TrafficTarget"},
                 {"specs.smi-spec.io", "httproutegroups", "HTTPRouteGroup"},
                 {"specs.smi-spec.io", "tcproutes", "TCPRoute"},
                 {"specs.smi-spec.io", "udproutes", "UDPRoute"},
                 {"split.smi-spec.io", "trafficsplits", "TrafficSplit"}};
    for (int g = 0; g < 3; g++)
        if (strcmp(rt->group, smi_groups[g]) == 0 &&
            (d->o.served[g] == NULL || strcmp(d->o.served[g], rt->version) != 0))
            return NULL;
    if (rt->group[0] == '\0' && strcmp(rt->version, "v1") != 0)
        return NULL;
    for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
        if (strcmp(kinds[i].group, rt->group) == 0 && strcmp(kinds[i].res, rt->res) == 0)
            return kinds[i].kind;
    return NULL;
}

static void resource_text(const struct route *rt, char *buf, size_t len)
{
    if (rt->group[0])
        snprintf(buf, len, "%s.%s", rt->res, rt->group);
    else
        snprintf(buf, len, "%s", rt->res);
}

static int parse_route(const char *path, struct route *rt)
{
    char segs[12][256];
    int n = 0, i;
    const char *p = path;
    memset(rt, 0, sizeof(*rt));
    while (*p == '/' && n < 12) {
        size_t l = strcspn(p + 1, "/");
        if (l >= sizeof(segs[0]))
            return -1;
        memcpy(segs[n], p + 1, l);
        segs[n][l] = '\0';
        n++;
        p += 1 + l;
        if (n >= 2 && strcmp(segs[n - 1], "proxy") == 0 && n >= 3) {
            rt->rest = p;
            break;
        }
    }
    rt->nseg = n;
    if (n >= 2 && strcmp(segs[0], "api") == 0 && strcmp(segs[1], "v1") == 0) {
        strcpy(rt->version, "v1");
        strcpy(rt->prefix, "/api/v1");
        i = 2;
    } else if (n >= 3 && strcmp(segs[0], "apis") == 0) {
        snprintf(rt->group, sizeof(rt->group), "%s", segs[1]);
        snprintf(rt->version, sizeof(rt->version), "%s", segs[2]);
        snprintf(rt->prefix, sizeof(rt->prefix), "/apis/%s/%s", segs[1], segs[2]);
        i = 3;
    } else {
        return -1;
    }
    if (n == i)
        return 0; /* the group version itself */
    if (strcmp(segs[i], "namespaces") != 0)
        return -1;
    if (n == i + 1) {
        strcpy(rt->res, "namespaces");
        return 0;
    }
    if (n == i + 2) {
        strcpy(rt->res, "namespaces");
        snprintf(rt->name, sizeof(rt->name), "%s", segs[i + 1]);
        return 0;
    }
    snprintf(rt->ns, sizeof(rt->ns), "%s", segs[i + 1]);
    snprintf(rt->res, sizeof(rt->res), "%s", segs[i + 2]);
    if (n > i + 3)
        snprintf(rt->name, sizeof(rt->name), "%s", segs[i + 3]);
    if (n > i + 4)
        snprintf(rt->sub, sizeof(rt->sub), "%s", segs[i + 4]);
    return 0;
}

static void obj_path(const struct route *rt, const char *name, char *buf, size_t len)
{
    if (strcmp(rt->res, "namespaces") == 0)
        snprintf(buf, len, "/api/v1/namespaces/%s", name);
    else
        snprintf(buf, len, "%s/namespaces/%s/%s/%s", rt->prefix, rt->ns, rt->res, name);
}

/* A namespace GET counts down its termination; returns it or NULL once gone. */
static struct obj *ns_lookup(struct sc_kube_double *d, const char *ns, bool poll)
{
    char path[300];
    struct obj *o;
    snprintf(path, sizeof(path), "/api/v1/namespaces/%s", ns);
    o = find(d, path);
    if (o == NULL)
        return NULL;
    if (cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(o->j, "metadata"),
                                         "deletionTimestamp") != NULL &&
        poll && ++o->polls > d->o.terminate_polls) {
        /* Termination done: the namespace's content goes with it. */
        for (struct obj *x = d->objs, *nx; x; x = nx) {
            nx = x->next;
            if (x->ns && strcmp(x->ns, ns) == 0)
                drop_obj(d, x);
        }
        drop_obj(d, o);
        return NULL;
    }
    return o;
}

static bool ns_terminating(const struct obj *o)
{
    return cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(o->j, "metadata"),
                                            "deletionTimestamp") != NULL;
}

/* ---- discovery and metrics ---------------------------------------------------------------------
 */

static void h_apis(struct sc_kube_double *d, struct resp *r)
{
    cJSON *j = cJSON_CreateObject(), *groups;
    cJSON_AddStringToObject(j, "kind", "APIGroupList");
    cJSON_AddStringToObject(j, "apiVersion", "v1");
    groups = cJSON_AddArrayToObject(j, "groups");
    for (int g = -1; g < 4; g++) {
        const char *name = g < 0 ? "apps" : smi_groups[g];
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
    set_json(r, 200, j);
    cJSON_Delete(j);
}

static void h_group_version(struct sc_kube_double *d, const struct route *rt, struct resp *r)
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
        if (strcmp(rt->group, smi_groups[g]) == 0)
            gi = g;
    if (gi < 0 || d->o.served[gi] == NULL || strcmp(d->o.served[gi], rt->version) != 0) {
        set_status(r, 404, "NotFound", "the server could not find the requested resource");
        return;
    }
    if (gi == 3 && d->o.metrics_unavailable) {
        set_status(r, 503, "ServiceUnavailable",
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
    set_json(r, 200, j);
    cJSON_Delete(j);
}

static void h_metrics(struct sc_kube_double *d, const struct route *rt, struct resp *r)
{
    cJSON *j, *m, *res;
    static const char *const names[][2] = {{"p99_response_latency", "12ms"},
                                           {"p90_response_latency", "10ms"},
                                           {"p50_response_latency", "5ms"},
                                           {"success_count", "42"},
                                           {"failure_count", "3"}};
    if (d->o.served[3] == NULL || strcmp(d->o.served[3], rt->version) != 0) {
        set_status(r, 404, "NotFound", "the server could not find the requested resource");
        return;
    }
    if (d->o.metrics_unavailable) {
        set_status(r, 503, "ServiceUnavailable",
                   "the server is currently unable to handle the request");
        return;
    }
    j = cJSON_CreateObject();
    cJSON_AddStringToObject(j, "kind", "TrafficMetrics");
    {
        char av[64];
        snprintf(av, sizeof(av), "metrics.smi-spec.io/%s", rt->version);
        cJSON_AddStringToObject(j, "apiVersion", av);
    }
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
    set_json(r, 200, j);
    cJSON_Delete(j);
}

/* ---- objects ----------------------------------------------------------------------------------
 */

/* The value of a downward-API fieldRef for pod o. */
static const char *field_ref(const struct obj *o, const char *path)
{
    const cJSON *md = cJSON_GetObjectItemCaseSensitive(o->j, "metadata");
    const cJSON *spec = cJSON_GetObjectItemCaseSensitive(o->j, "spec");
    const char *v = NULL;
    if (strcmp(path, "metadata.name") == 0)
        v = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(md, "name"));
    else if (strcmp(path, "metadata.namespace") == 0)
        v = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(md, "namespace"));
    else if (strcmp(path, "spec.serviceAccountName") == 0)
        v = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(spec, "serviceAccountName"));
    else if (strcmp(path, "spec.nodeName") == 0)
        v = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(spec, "nodeName"));
    else if (strcmp(path, "status.podIP") == 0)
        v = o->ip;
    return v ? v : "";
}

/*
 * Run pod o the way a kubelet runs its first container, with the image replaced by
 * fixture_bin: the container's args with --listen set to the pod's own loopback address,
 * its env with fieldRefs resolved (the downward API), stdout read for the ready line. A
 * try that exits before it is ready (its address was taken) is retried by pod_up().
 */
static void spawn_pod(struct sc_kube_double *d, struct obj *o)
{
    extern char **environ;
    const cJSON *spec = cJSON_GetObjectItemCaseSensitive(o->j, "spec");
    const cJSON *c = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(spec, "containers"), 0);
    const cJSON *a, *e;
    char *argv[64], *envp[64];
    int nargv = 0, nenv = 0, fds[2];
    posix_spawn_file_actions_t fa;
    posix_spawnattr_t attr;
    sigset_t def;
    unsigned n = d->ip_seq++;
    bool listen_next = false;

    snprintf(o->ip, sizeof(o->ip), "127.%u.%u.%u", d->ip_base, (n / 250) % 250, n % 250 + 2);
    o->up = false;
    o->nline = 0;
    o->tries++;
    argv[nargv++] = xstrdup(d->o.fixture_bin);
    cJSON_ArrayForEach(a, cJSON_GetObjectItemCaseSensitive(c, "args"))
    {
        if (!cJSON_IsString(a) || nargv >= 63)
            continue;
        argv[nargv++] = xstrdup(listen_next ? o->ip : a->valuestring);
        listen_next = strcmp(a->valuestring, "--listen") == 0;
    }
    argv[nargv] = NULL;
    cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(c, "env"))
    {
        const char *name = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(e, "name"));
        const char *v = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(e, "value"));
        const char *fp = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(
            cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(e, "valueFrom"),
                                             "fieldRef"),
            "fieldPath"));
        char buf[600];
        if (name == NULL || nenv >= 48)
            continue;
        snprintf(buf, sizeof(buf), "%s=%s", name, fp ? field_ref(o, fp) : v ? v : "");
        envp[nenv++] = xstrdup(buf);
    }
    /* A container sees none of the host's environment; the sanitizers' settings are the
     * test run's, not the workload's. */
    for (char **ev = environ; *ev && nenv < 63; ev++)
        if (strncmp(*ev, "ASAN_OPTIONS=", 13) == 0 || strncmp(*ev, "UBSAN_OPTIONS=", 14) == 0 ||
            strncmp(*ev, "LSAN_OPTIONS=", 13) == 0)
            envp[nenv++] = xstrdup(*ev);
    envp[nenv] = NULL;
    if (pipe2(fds, O_CLOEXEC) != 0)
        abort();
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, fds[1], STDOUT_FILENO);
    posix_spawnattr_init(&attr);
    sigemptyset(&def);
    sigaddset(&def, SIGPIPE);
    posix_spawnattr_setsigdefault(&attr, &def);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGDEF);
    if (posix_spawn(&o->pid, argv[0], &fa, &attr, argv, envp) != 0)
        o->pid = 0;
    else
        d->spawned++;
    posix_spawnattr_destroy(&attr);
    posix_spawn_file_actions_destroy(&fa);
    close(fds[1]);
    o->outfd = fds[0];
    fcntl(o->outfd, F_SETFL, O_NONBLOCK);
    for (int i = 0; i < nargv; i++)
        free(argv[i]);
    for (int i = 0; i < nenv; i++)
        free(envp[i]);
}

/* Has pod o's process printed its ready line? (Always true without fixture_bin.) A process
 * that died first is started again on the next address, five times at most. */
static bool pod_up(struct sc_kube_double *d, struct obj *o)
{
    int st;
    if (d->o.fixture_bin == NULL || o->up)
        return true;
    if (o->pid <= 0)
        return false;
    for (int i = 0; i < 8; i++) {
        ssize_t n = read(o->outfd, o->line + o->nline, sizeof(o->line) - 1 - o->nline);
        if (n <= 0)
            break;
        o->nline += (size_t)n;
        o->line[o->nline] = '\0';
        if (strstr(o->line, "smi-fixture: ready") != NULL) {
            o->up = true;
            return true;
        }
        if (o->nline + 1 >= sizeof(o->line))
            o->nline = 0;
    }
    if (waitpid(o->pid, &st, WNOHANG) == o->pid) {
        o->pid = 0;
        close(o->outfd);
        o->outfd = -1;
        if (o->tries < 5)
            spawn_pod(d, o);
    }
    return false;
}

static void make_pods(struct sc_kube_double *d, const char *ns, cJSON *dep)
{
    const cJSON *spec = cJSON_GetObjectItemCaseSensitive(dep, "spec");
    const cJSON *tmpl = cJSON_GetObjectItemCaseSensitive(spec, "template");
    const char *name = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(dep, "metadata"), "name"));
    int replicas = cJSON_GetObjectItemCaseSensitive(spec, "replicas")
                       ? cJSON_GetObjectItemCaseSensitive(spec, "replicas")->valueint
                       : 1;
    for (int i = 0; i < replicas; i++) {
        cJSON *pod = cJSON_CreateObject(), *md, *st, *ps;
        char pname[300], path[600];
        snprintf(pname, sizeof(pname), "%s-7d9c8b6f5-%05x", name, 0x1a2b3 + d->pod_seq++);
        cJSON_AddStringToObject(pod, "apiVersion", "v1");
        cJSON_AddStringToObject(pod, "kind", "Pod");
        md = cJSON_AddObjectToObject(pod, "metadata");
        cJSON_AddStringToObject(md, "name", pname);
        cJSON_AddStringToObject(md, "namespace", ns);
        cJSON_AddItemToObject(
            md, "labels",
            cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(
                                cJSON_GetObjectItemCaseSensitive(tmpl, "metadata"), "labels"),
                            1));
        ps = cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(tmpl, "spec"), 1);
        if (ps == NULL)
            ps = cJSON_CreateObject();
        cJSON_AddStringToObject(ps, "nodeName", "kind-worker");
        cJSON_AddItemToObject(pod, "spec", ps);
        st = cJSON_AddObjectToObject(pod, "status");
        cJSON_AddStringToObject(st, "phase", "Pending");
        bump_rv(d, pod);
        snprintf(path, sizeof(path), "/api/v1/namespaces/%s/pods/%s", ns, pname);
        if (d->o.fixture_bin != NULL)
            spawn_pod(d, put(d, path, ns, pod));
        else
            put(d, path, ns, pod);
    }
}

/* Deployments (and their pods) become ready after ready_after polls of their list. */
static void progress(struct sc_kube_double *d, struct obj *dep)
{
    cJSON *st, *md = cJSON_GetObjectItemCaseSensitive(dep->j, "metadata"), *c, *conds;
    const cJSON *spec = cJSON_GetObjectItemCaseSensitive(dep->j, "spec");
    int replicas = cJSON_GetObjectItemCaseSensitive(spec, "replicas")
                       ? cJSON_GetObjectItemCaseSensitive(spec, "replicas")->valueint
                       : 1;
    bool ready = ++dep->polls >= d->o.ready_after;
    int nready = 0;
    const char *name = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(md, "name"));

    for (struct obj *o = d->objs; o; o = o->next) {
        char prefix[400];
        cJSON *ps, *cs, *one, *pc, *rc;
        const char *tail;
        bool pready;
        snprintf(prefix, sizeof(prefix), "/api/v1/namespaces/%s/pods/%s-", dep->ns, name);
        tail = o->path + strlen(prefix);
        /* NAME-HASH-XXXXX: "web-" must not take the pods of "web-v2". */
        if (strncmp(o->path, prefix, strlen(prefix)) != 0 || strlen(tail) != 15 ||
            strchr(tail, '-') != tail + 9)
            continue;
        pready = ready && pod_up(d, o);
        nready += pready;
        cJSON_DeleteItemFromObjectCaseSensitive(o->j, "status");
        ps = cJSON_AddObjectToObject(o->j, "status");
        cJSON_AddStringToObject(ps, "phase", pready ? "Running" : "Pending");
        if (o->ip[0]) {
            cJSON_AddStringToObject(ps, "podIP", o->ip);
            cJSON_AddStringToObject(ps, "hostIP", "127.0.0.1");
        }
        pc = cJSON_AddArrayToObject(ps, "conditions");
        rc = cJSON_CreateObject();
        cJSON_AddStringToObject(rc, "type", "Ready");
        cJSON_AddStringToObject(rc, "status", pready ? "True" : "False");
        cJSON_AddItemToArray(pc, rc);
        cs = cJSON_AddArrayToObject(ps, "containerStatuses");
        one = cJSON_CreateObject();
        cJSON_AddStringToObject(one, "name", "fixture");
        cJSON_AddBoolToObject(one, "ready", pready);
        cJSON_AddNumberToObject(one, "restartCount", o->tries > 1 ? (int)o->tries - 1 : 0);
        if (pready) {
            cJSON_AddObjectToObject(cJSON_AddObjectToObject(one, "state"), "running");
        } else {
            cJSON *w = cJSON_AddObjectToObject(cJSON_AddObjectToObject(one, "state"), "waiting");
            cJSON_AddStringToObject(w, "reason",
                                    d->o.fixture_bin && o->pid <= 0 ? "CrashLoopBackOff"
                                                                    : "ContainerCreating");
        }
        cJSON_AddItemToArray(cs, one);
    }
    ready = nready >= replicas;
    cJSON_DeleteItemFromObjectCaseSensitive(dep->j, "status");
    st = cJSON_AddObjectToObject(dep->j, "status");
    cJSON_AddNumberToObject(st, "observedGeneration",
                            cJSON_GetObjectItemCaseSensitive(md, "generation")->valueint);
    cJSON_AddNumberToObject(st, "replicas", replicas);
    cJSON_AddNumberToObject(st, "updatedReplicas", replicas);
    cJSON_AddNumberToObject(st, "readyReplicas", nready);
    conds = cJSON_AddArrayToObject(st, "conditions");
    c = cJSON_CreateObject();
    cJSON_AddStringToObject(c, "type", "Available");
    cJSON_AddStringToObject(c, "status", ready ? "True" : "False");
    cJSON_AddStringToObject(c, "reason",
                            ready ? "MinimumReplicasAvailable" : "MinimumReplicasUnavailable");
    cJSON_AddStringToObject(c, "message",
                            ready ? "Deployment has minimum availability."
                                  : "Deployment does not have minimum availability.");
    cJSON_AddItemToArray(conds, c);
}

/* 422 for objects a real server's validation (schema or CRD) would refuse. */
static const char *invalid(const char *kind, const cJSON *j)
{
    const cJSON *spec = cJSON_GetObjectItemCaseSensitive(j, "spec");
    if (strcmp(kind, "TrafficSplit") == 0 &&
        !cJSON_IsString(cJSON_GetObjectItemCaseSensitive(spec, "service")))
        return "spec.service: Required value";
    if (strcmp(kind, "Deployment") == 0) {
        const cJSON *c =
            cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(
                                   cJSON_GetObjectItemCaseSensitive(
                                       cJSON_GetObjectItemCaseSensitive(spec, "template"), "spec"),
                                   "containers"),
                               0);
        if (!cJSON_IsString(cJSON_GetObjectItemCaseSensitive(c, "image")))
            return "spec.template.spec.containers[0].image: Required value";
    }
    return NULL;
}

static void merge_into(cJSON *dst, const cJSON *src)
{
    const cJSON *it;
    cJSON_ArrayForEach(it, src)
    {
        if (strcmp(it->string, "metadata") == 0) {
            cJSON *md = cJSON_GetObjectItemCaseSensitive(dst, "metadata");
            const cJSON *m;
            cJSON_ArrayForEach(m, it)
            {
                cJSON_DeleteItemFromObjectCaseSensitive(md, m->string);
                cJSON_AddItemToObject(md, m->string, cJSON_Duplicate(m, 1));
            }
            continue;
        }
        cJSON_DeleteItemFromObjectCaseSensitive(dst, it->string);
        cJSON_AddItemToObject(dst, it->string, cJSON_Duplicate(it, 1));
    }
}

/* Create (POST, apply on a new name) or update (apply on an existing name). */
static void h_write(struct sc_kube_double *d, const struct req *q, const struct route *rt,
                    const char *kind, bool apply, struct resp *r)
{
    cJSON *j = cJSON_ParseWithLength(q->body ? q->body : "", q->blen);
    const cJSON *md = cJSON_GetObjectItemCaseSensitive(j, "metadata");
    const char *name = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(md, "name"));
    const char *bkind = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(j, "kind"));
    const char *why;
    char path[700], msg[900], rs[200], fm[128];
    struct obj *o;

    resource_text(rt, rs, sizeof(rs));
    if (apply && strcmp(q->ctype, "application/apply-patch+yaml") != 0) {
        set_status(r, 415, "UnsupportedMediaType",
                   "the body of the request was in an unknown format - accepted media types "
                   "include: application/json-patch+json, application/merge-patch+json, "
                   "application/apply-patch+yaml");
        goto out;
    }
    if (apply && qparam(q, "fieldManager", fm, sizeof(fm)) == NULL) {
        set_status(r, 400, "BadRequest", "PATCH, fieldManager is required for apply requests");
        goto out;
    }
    if (j == NULL || !cJSON_IsObject(j) || name == NULL) {
        set_status(r, 400, "BadRequest", "error decoding the object: metadata.name is required");
        goto out;
    }
    if (bkind == NULL || strcmp(bkind, kind) != 0) {
        snprintf(msg, sizeof(msg), "the kind of the object (%s) does not match %s",
                 bkind ? bkind : "", kind);
        set_status(r, 400, "BadRequest", msg);
        goto out;
    }
    if (apply && strcmp(name, rt->name) != 0) {
        snprintf(msg, sizeof(msg),
                 "the name of the object (%s) does not match the name on the URL (%s)", name,
                 rt->name);
        set_status(r, 400, "BadRequest", msg);
        goto out;
    }
    if (rt->ns[0]) {
        struct obj *nso = ns_lookup(d, rt->ns, false);
        if (nso == NULL) {
            snprintf(msg, sizeof(msg), "namespaces \"%s\" not found", rt->ns);
            set_status(r, 404, "NotFound", msg);
            goto out;
        }
        if (ns_terminating(nso) &&
            find(d, (obj_path(rt, name, path, sizeof(path)), path)) == NULL) {
            snprintf(msg, sizeof(msg),
                     "%s \"%s\" is forbidden: unable to create new content in namespace %s "
                     "because it is being terminated",
                     rs, name, rt->ns);
            set_status(r, 403, "Forbidden", msg);
            goto out;
        }
    }
    if ((why = invalid(kind, j)) != NULL) {
        snprintf(msg, sizeof(msg), "%s.%s \"%s\" is invalid: %s", kind,
                 rt->group[0] ? rt->group : "", name, why);
        set_status(r, 422, "Invalid", msg);
        goto out;
    }
    obj_path(rt, name, path, sizeof(path));
    o = find(d, path);
    if (o != NULL && !apply) {
        snprintf(msg, sizeof(msg), "%s \"%s\" already exists", rs, name);
        set_status(r, 409, "AlreadyExists", msg);
        goto out;
    }
    if (o == NULL) {
        cJSON *m = cJSON_GetObjectItemCaseSensitive(j, "metadata");
        char ts[32], uid[64];
        now_rfc3339(ts, sizeof(ts));
        snprintf(uid, sizeof(uid), "0000-%08lx", d->rv + 1);
        cJSON_AddStringToObject(m, "uid", uid);
        cJSON_AddStringToObject(m, "creationTimestamp", ts);
        cJSON_AddNumberToObject(m, "generation", 1);
        if (strcmp(kind, "Namespace") == 0)
            cJSON_AddStringToObject(cJSON_AddObjectToObject(j, "status"), "phase", "Active");
        bump_rv(d, j);
        o = put(d, path, rt->ns[0] ? rt->ns : NULL, j);
        record(d, "ADDED", path, o->j);
        j = NULL;
        if (strcmp(kind, "Deployment") == 0)
            make_pods(d, rt->ns, o->j);
        set_json(r, 201, o->j);
    } else {
        cJSON *gen = cJSON_GetObjectItemCaseSensitive(
            cJSON_GetObjectItemCaseSensitive(o->j, "metadata"), "generation");
        merge_into(o->j, j);
        if (cJSON_IsNumber(gen))
            cJSON_SetNumberValue(gen, gen->valuedouble + 1);
        bump_rv(d, o->j);
        record(d, "MODIFIED", path, o->j);
        set_json(r, 200, o->j);
    }
out:
    cJSON_Delete(j);
}

static void h_get(struct sc_kube_double *d, const struct route *rt, const struct req *q,
                  const char *kind, struct resp *r)
{
    char path[700], msg[600], rs[200], sel[512];
    struct obj *o;

    resource_text(rt, rs, sizeof(rs));
    if (rt->name[0]) {
        if (strcmp(rt->res, "namespaces") == 0)
            o = ns_lookup(d, rt->name, true);
        else
            o = find(d, (obj_path(rt, rt->name, path, sizeof(path)), path));
        if (o == NULL) {
            snprintf(msg, sizeof(msg), "%s \"%s\" not found", rs, rt->name);
            set_status(r, 404, "NotFound", msg);
            return;
        }
        set_json(r, 200, o->j);
        return;
    }
    {
        cJSON *list, *items;
        char lk[80], rv[32], prefix[400], w[32];
        const char *selector = qparam(q, "labelSelector", sel, sizeof(sel));
        if (qparam(q, "watch", w, sizeof(w)) && (strcmp(w, "1") == 0 || strcmp(w, "true") == 0)) {
            /* The stream itself is written by the connection's thread (watch_stream). */
            if (strcmp(rt->res, "namespaces") == 0)
                snprintf(r->watch, sizeof(r->watch), "/api/v1/namespaces/");
            else
                snprintf(r->watch, sizeof(r->watch), "%s/namespaces/%s/%s/", rt->prefix, rt->ns,
                         rt->res);
            r->watch_rv = qparam(q, "resourceVersion", w, sizeof(w)) ? strtoul(w, NULL, 10) : d->rv;
            r->watch_s = qparam(q, "timeoutSeconds", w, sizeof(w)) ? (unsigned)atoi(w) : 30;
            if (r->watch_s == 0 || r->watch_s > 30)
                r->watch_s = 30;
            r->status = 200;
            return;
        }
        list = cJSON_CreateObject();
        snprintf(lk, sizeof(lk), "%sList", kind);
        cJSON_AddStringToObject(list, "kind", lk);
        cJSON_AddStringToObject(
            list, "apiVersion",
            rt->group[0] ? (snprintf(msg, sizeof(msg), "%s/%s", rt->group, rt->version), msg)
                         : "v1");
        snprintf(rv, sizeof(rv), "%lu", d->rv);
        cJSON_AddStringToObject(cJSON_AddObjectToObject(list, "metadata"), "resourceVersion", rv);
        items = cJSON_AddArrayToObject(list, "items");
        if (strcmp(rt->res, "namespaces") == 0)
            snprintf(prefix, sizeof(prefix), "/api/v1/namespaces/");
        else
            snprintf(prefix, sizeof(prefix), "%s/namespaces/%s/%s/", rt->prefix, rt->ns, rt->res);
        for (struct obj *o2 = d->objs; o2; o2 = o2->next) {
            if (strncmp(o2->path, prefix, strlen(prefix)) != 0 ||
                strchr(o2->path + strlen(prefix), '/') != NULL)
                continue;
            if (strcmp(rt->res, "deployments") == 0)
                progress(d, o2);
            if (selector && !labels_match(o2->j, selector))
                continue;
            cJSON_AddItemToArray(items, cJSON_Duplicate(o2->j, 1));
        }
        set_json(r, 200, list);
        cJSON_Delete(list);
    }
}

static void h_delete(struct sc_kube_double *d, const struct route *rt, struct resp *r)
{
    char path[700], msg[600], rs[200];
    struct obj *o;

    resource_text(rt, rs, sizeof(rs));
    obj_path(rt, rt->name, path, sizeof(path));
    o = strcmp(rt->res, "namespaces") == 0 ? ns_lookup(d, rt->name, false) : find(d, path);
    if (o == NULL || !rt->name[0]) {
        snprintf(msg, sizeof(msg), "%s \"%s\" not found", rs, rt->name);
        set_status(r, 404, "NotFound", msg);
        return;
    }
    if (strcmp(rt->res, "namespaces") == 0) {
        cJSON *md = cJSON_GetObjectItemCaseSensitive(o->j, "metadata"), *st, *conds, *c;
        if (!ns_terminating(o)) {
            char ts[32];
            now_rfc3339(ts, sizeof(ts));
            cJSON_AddStringToObject(md, "deletionTimestamp", ts);
            cJSON_DeleteItemFromObjectCaseSensitive(o->j, "status");
            st = cJSON_AddObjectToObject(o->j, "status");
            cJSON_AddStringToObject(st, "phase", "Terminating");
            conds = cJSON_AddArrayToObject(st, "conditions");
            c = cJSON_CreateObject();
            cJSON_AddStringToObject(c, "type", "NamespaceContentRemaining");
            cJSON_AddStringToObject(c, "status", "True");
            cJSON_AddStringToObject(c, "message",
                                    "Some resources are remaining: pods. has 1 "
                                    "resource instances");
            cJSON_AddItemToArray(conds, c);
            bump_rv(d, o->j);
            /* The kubelet stops the pods: the fixtures drain while the namespace terminates. */
            for (struct obj *x = d->objs; x; x = x->next)
                if (x->pid > 0 && x->ns && strcmp(x->ns, rt->name) == 0)
                    kill(x->pid, SIGTERM);
        }
        set_json(r, 200, o->j);
        return;
    }
    {
        cJSON *s = cJSON_CreateObject(), *det;
        cJSON_AddStringToObject(s, "kind", "Status");
        cJSON_AddStringToObject(s, "apiVersion", "v1");
        cJSON_AddStringToObject(s, "status", "Success");
        det = cJSON_AddObjectToObject(s, "details");
        cJSON_AddStringToObject(det, "name", rt->name);
        cJSON_AddStringToObject(det, "kind", rt->res);
        set_json(r, 200, s);
        cJSON_Delete(s);
    }
    d->rv++;
    record(d, "DELETED", o->path, o->j);
    drop_obj(d, o);
}

/* ---- pod proxy and logs -------------------------------------------------------------------------
 */

struct sink {
    char *p;
    size_t n;
};

static size_t sink_write(char *ptr, size_t size, size_t nmemb, void *ud)
{
    struct sink *s = ud;
    size_t len = size * nmemb;
    s->p = realloc(s->p, s->n + len + 1);
    if (s->p == NULL)
        abort();
    memcpy(s->p + s->n, ptr, len);
    s->n += len;
    s->p[s->n] = '\0';
    return len;
}

/* Called without the lock: the backend may take seconds. body (may be NULL) replaces the
 * request's. */
static void forward(const char *host, int port, const struct req *q, const char *rest,
                    const char *body, struct resp *r)
{
    CURL *h = curl_easy_init();
    struct sink s = {NULL, 0};
    struct curl_slist *hdr = NULL;
    char url[2300], ct[160];
    long status = 0;
    CURLcode cc;

    snprintf(url, sizeof(url), "http://%s:%d%s%s%s", host, port, rest[0] ? rest : "/",
             q->query[0] ? "?" : "", q->query);
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_NOPROXY, "*");
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, 120000L);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, sink_write);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &s);
    curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, q->method);
    if (q->body) {
        snprintf(ct, sizeof(ct), "Content-Type: %s", q->ctype[0] ? q->ctype : "application/json");
        hdr = curl_slist_append(hdr, ct);
        hdr = curl_slist_append(hdr, "Expect:");
        curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdr);
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, body ? body : q->body);
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, (long)(body ? strlen(body) : q->blen));
    }
    cc = curl_easy_perform(h);
    if (cc != CURLE_OK) {
        char msg[400];
        snprintf(msg, sizeof(msg), "error trying to reach service: dial tcp %s:%d: %s", host, port,
                 curl_easy_strerror(cc));
        set_status(r, 503, "ServiceUnavailable", msg);
        free(s.p);
    } else {
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
        r->status = (int)status;
        r->body = s.p ? s.p : xstrdup("");
        r->ctype = "application/json";
    }
    curl_slist_free_all(hdr);
    curl_easy_cleanup(h);
}

/* Does pod carry every label of selector (a Service's spec.selector)? */
static bool selector_match(const cJSON *pod, const cJSON *selector)
{
    const cJSON *labels = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(pod, "metadata"), "labels");
    const cJSON *kv;
    if (!cJSON_IsObject(selector) || selector->child == NULL)
        return false;
    cJSON_ArrayForEach(kv, selector)
    {
        const char *v = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(labels, kv->string));
        if (v == NULL || !cJSON_IsString(kv) || strcmp(v, kv->valuestring) != 0)
            return false;
    }
    return true;
}

/*
 * The double's stand-in for cluster DNS and kube-proxy, for pods run as processes: a plan's
 * target "SVC.NS[.svc.cluster.local]:PORT" (with or without http://) becomes one ready
 * endpoint's address and target port. Endpoints are taken in turn per plan, not per request:
 * the double is no load balancer, so splits across pods are not what it is for. Returns the
 * new body (caller frees) or NULL when the target names no service. Under the lock.
 */
static char *resolve_plan(struct sc_kube_double *d, const char *body, size_t blen)
{
    cJSON *plan = cJSON_ParseWithLength(body ? body : "", blen), *svc;
    const char *t = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(plan, "target"));
    const char *scheme = "", *hp, *p;
    char host[256], sname[128] = "", sns[128] = "", path[600], target[1200], *out = NULL;
    struct obj *so, *eps[64];
    const cJSON *port;
    size_t hl, neps = 0;
    int want, tport;

    if (t == NULL)
        goto out;
    if (strncmp(t, "http://", 7) == 0)
        scheme = "http://";
    hp = t + strlen(scheme);
    hl = strcspn(hp, "/");
    if (hl >= sizeof(host))
        goto out;
    memcpy(host, hp, hl);
    host[hl] = '\0';
    p = strrchr(host, ':');
    if (p == NULL || sscanf(host, "%127[^.:].%127[^.:]", sname, sns) != 2)
        goto out;
    want = atoi(p + 1);
    snprintf(path, sizeof(path), "/api/v1/namespaces/%s/services/%s", sns, sname);
    so = find(d, path);
    if (so == NULL)
        goto out;
    svc = cJSON_GetObjectItemCaseSensitive(so->j, "spec");
    tport = want;
    cJSON_ArrayForEach(port, cJSON_GetObjectItemCaseSensitive(svc, "ports"))
    {
        const cJSON *pn = cJSON_GetObjectItemCaseSensitive(port, "port");
        const cJSON *tp = cJSON_GetObjectItemCaseSensitive(port, "targetPort");
        if (cJSON_IsNumber(pn) && pn->valueint == want && cJSON_IsNumber(tp))
            tport = tp->valueint;
    }
    snprintf(path, sizeof(path), "/api/v1/namespaces/%s/pods/", sns);
    for (struct obj *o = d->objs; o && neps < 64; o = o->next)
        if (o->up && o->pid > 0 && strncmp(o->path, path, strlen(path)) == 0 &&
            selector_match(o->j, cJSON_GetObjectItemCaseSensitive(svc, "selector")))
            eps[neps++] = o;
    if (neps == 0)
        goto out;
    snprintf(target, sizeof(target), "%s%s:%d%s", scheme, eps[d->rr++ % neps]->ip, tport, hp + hl);
    cJSON_DeleteItemFromObjectCaseSensitive(plan, "target");
    cJSON_AddStringToObject(plan, "target", target);
    out = cJSON_PrintUnformatted(plan);
out:
    cJSON_Delete(plan);
    return out;
}

/* ---- dispatch
 * ------------------------------------------------------------------------------------ */

static bool authenticated(struct sc_kube_double *d, SSL *ssl, const struct req *q)
{
    X509 *peer = SSL_get1_peer_certificate(ssl);
    if (peer != NULL && SSL_get_verify_result(ssl) == X509_V_OK) {
        char cn[64] = "";
        X509_NAME_get_text_by_NID(X509_get_subject_name(peer), NID_commonName, cn, sizeof(cn));
        snprintf(d->last_auth, sizeof(d->last_auth), "cert:%s", cn);
        X509_free(peer);
        return true;
    }
    X509_free(peer);
    if (d->token && strncmp(q->auth, "Bearer ", 7) == 0 && strcmp(q->auth + 7, d->token) == 0) {
        snprintf(d->last_auth, sizeof(d->last_auth), "token");
        return true;
    }
    if (d->basic_user && strncmp(q->auth, "Basic ", 6) == 0) {
        unsigned char dec[512];
        char want[512];
        int n = EVP_DecodeBlock(dec, (const unsigned char *)q->auth + 6, (int)strlen(q->auth + 6));
        snprintf(want, sizeof(want), "%s:%s", d->basic_user, d->basic_pass ? d->basic_pass : "");
        if (n > 0) {
            while (n > 0 && dec[n - 1] == '\0')
                n--;
            dec[n] = '\0';
            if (strcmp((char *)dec, want) == 0) {
                snprintf(d->last_auth, sizeof(d->last_auth), "basic:%s", d->basic_user);
                return true;
            }
        }
    }
    if (d->o.anonymous && q->auth[0] == '\0') {
        snprintf(d->last_auth, sizeof(d->last_auth), "anonymous");
        return true;
    }
    snprintf(d->last_auth, sizeof(d->last_auth), "rejected");
    return false;
}

static void dispatch(struct sc_kube_double *d, SSL *ssl, const struct req *q, struct resp *r)
{
    struct route rt;
    const char *kind;
    int proxy_port = -1;
    char rest[2100] = "", host[32] = "127.0.0.1", *plan = NULL;

    pthread_mutex_lock(&d->mu);
    {
        struct seen *s = calloc(1, sizeof(*s));
        if (s == NULL)
            abort();
        s->method = xstrdup(q->method);
        s->path = xstrdup(q->path);
        s->next = d->seen;
        d->seen = s;
    }
    for (struct hook *h = d->hooks; h; h = h->next) {
        if ((h->method && strcmp(h->method, q->method) != 0) ||
            fnmatch(h->pattern, q->path, FNM_PATHNAME) != 0 || ++h->matched != h->nth ||
            r->hook_fn != NULL) /* every hook counts; one runs per request */
            continue;
        r->hook_fn = h->fn;
        r->hook_arg = h->arg;
    }
    snprintf(d->last_ua, sizeof(d->last_ua), "%s", q->ua);
    snprintf(d->last_ctype, sizeof(d->last_ctype), "%s", q->ctype);
    for (struct fault *f = d->faults; f; f = f->next) {
        if (f->count == 0 || (f->method && strcmp(f->method, q->method) != 0) ||
            strncmp(q->path, f->prefix, strlen(f->prefix)) != 0)
            continue;
        f->count--;
        if (f->status == -3) {
            /* Slow: answer normally, late. */
            r->stall_ms = (unsigned)f->retry_after;
            break;
        } else if (f->status == -2) {
            r->drop_midway = true;
            break;
        } else if (f->status < 0) {
            r->drop = true;
        } else {
            set_status(r, f->status, status_reason(f->status),
                       f->status == 429 ? "the server has received too many requests and has "
                                          "asked us to try again later"
                                        : "injected failure");
            r->retry_after = f->retry_after;
        }
        pthread_mutex_unlock(&d->mu);
        return;
    }
    if (!authenticated(d, ssl, q)) {
        set_status(r, 401, "Unauthorized", "Unauthorized");
        goto out;
    }
    if (strcmp(q->path, "/apis") == 0 && strcmp(q->method, "GET") == 0) {
        h_apis(d, r);
        goto out;
    }
    if (strcmp(q->path, "/version") == 0) {
        r->status = 200;
        r->body = xstrdup("{\"major\":\"1\",\"minor\":\"29\",\"gitVersion\":\"v1.29.0-double\"}");
        r->ctype = "application/json";
        goto out;
    }
    if (parse_route(q->path, &rt) != 0) {
        set_status(r, 404, "NotFound", "the server could not find the requested resource");
        goto out;
    }
    if (strcmp(rt.group, "metrics.smi-spec.io") == 0) {
        if (rt.nseg == 3)
            h_group_version(d, &rt, r);
        else
            h_metrics(d, &rt, r);
        goto out;
    }
    if (rt.res[0] == '\0' && rt.group[0] != '\0') {
        h_group_version(d, &rt, r);
        goto out;
    }
    kind = kind_of(d, &rt);
    if (kind == NULL) {
        set_status(r, 404, "NotFound", "the server could not find the requested resource");
        goto out;
    }
    if (strcmp(rt.res, "pods") == 0 && rt.sub[0]) {
        char pname[256], path[700], msg[400];
        struct obj *pod;
        char *colon;
        snprintf(pname, sizeof(pname), "%s", rt.name);
        colon = strchr(pname, ':');
        if (colon)
            *colon = '\0';
        snprintf(path, sizeof(path), "/api/v1/namespaces/%s/pods/%s", rt.ns, pname);
        pod = find(d, path);
        if (pod == NULL) {
            snprintf(msg, sizeof(msg), "pods \"%s\" not found", pname);
            set_status(r, 404, "NotFound", msg);
            goto out;
        }
        if (strcmp(rt.sub, "log") == 0 && strcmp(q->method, "GET") == 0) {
            r->status = 200;
            r->ctype = "text/plain";
            if (d->pod_log)
                r->body = xstrdup(d->pod_log);
            else {
                char line[400];
                snprintf(line, sizeof(line), "smi-fixture: ready (pod %s)\n", pname);
                r->body = xstrdup(line);
            }
            goto out;
        }
        if (strcmp(rt.sub, "proxy") == 0 && rt.rest != NULL) {
            const char *phase = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(
                cJSON_GetObjectItemCaseSensitive(pod->j, "status"), "phase"));
            if (phase == NULL || strcmp(phase, "Running") != 0 ||
                (d->o.proxy_port == 0 && pod->ip[0] == '\0')) {
                snprintf(msg, sizeof(msg),
                         "error trying to reach service: dial tcp 10.244.0.9:%s: connect: "
                         "connection refused",
                         colon ? colon + 1 : "80");
                set_status(r, 503, "ServiceUnavailable", msg);
                goto out;
            }
            proxy_port = d->o.proxy_port;
            snprintf(rest, sizeof(rest), "%s", rt.rest);
            if (pod->ip[0]) {
                /* A pod run as a process: its own address, the port of the proxy path. */
                snprintf(host, sizeof(host), "%s", pod->ip);
                proxy_port = colon ? atoi(colon + 1) : 80;
                if (strcmp(q->method, "POST") == 0 && strcmp(rest, "/v1/traffic") == 0)
                    plan = resolve_plan(d, q->body, q->blen);
            }
            goto out;
        }
        set_status(r, 404, "NotFound", "the server could not find the requested resource");
        goto out;
    }
    if (strcmp(q->method, "GET") == 0)
        h_get(d, &rt, q, kind, r);
    else if (strcmp(q->method, "PATCH") == 0 && rt.name[0])
        h_write(d, q, &rt, kind, true, r);
    else if (strcmp(q->method, "POST") == 0 && !rt.name[0])
        h_write(d, q, &rt, kind, false, r);
    else if (strcmp(q->method, "DELETE") == 0)
        h_delete(d, &rt, r);
    else
        set_status(r, 405, "MethodNotAllowed", "the server does not allow this method");
out:
    pthread_mutex_unlock(&d->mu);
    if (proxy_port > 0)
        forward(host, proxy_port, q, rest, plan, r);
    free(plan);
}

/* ---- HTTP over TLS
 * -------------------------------------------------------------------------------- */

static bool read_request(SSL *ssl, char *buf, size_t *have, struct req *q)
{
    char *end = NULL, *line, *save = NULL;
    size_t head, need = 0;

    memset(q, 0, sizeof(*q));
    while ((end = memmem(buf, *have, "\r\n\r\n", 4)) == NULL) {
        int n;
        if (*have >= MAX_HEAD)
            return false;
        n = SSL_read(ssl, buf + *have, (int)(MAX_HEAD - *have));
        if (n <= 0)
            return false;
        *have += (size_t)n;
    }
    head = (size_t)(end - buf) + 4;
    *end = '\0';
    line = strtok_r(buf, "\r\n", &save);
    if (line == NULL)
        return false;
    {
        char target[4096];
        char *qm;
        if (sscanf(line, "%15s %4095s", q->method, target) != 2)
            return false;
        qm = strchr(target, '?');
        if (qm) {
            *qm = '\0';
            snprintf(q->query, sizeof(q->query), "%s", qm + 1);
        }
        snprintf(q->path, sizeof(q->path), "%s", target);
    }
    while ((line = strtok_r(NULL, "\r\n", &save)) != NULL) {
        char *colon = strchr(line, ':'), *v;
        if (colon == NULL)
            continue;
        *colon = '\0';
        v = colon + 1;
        while (*v == ' ')
            v++;
        if (strcasecmp(line, "content-length") == 0)
            need = strtoul(v, NULL, 10);
        else if (strcasecmp(line, "authorization") == 0)
            snprintf(q->auth, sizeof(q->auth), "%s", v);
        else if (strcasecmp(line, "content-type") == 0)
            snprintf(q->ctype, sizeof(q->ctype), "%s", v);
        else if (strcasecmp(line, "user-agent") == 0)
            snprintf(q->ua, sizeof(q->ua), "%s", v);
        else if (strcasecmp(line, "connection") == 0 && strcasecmp(v, "close") == 0)
            q->close = true;
    }
    if (need > MAX_REQ)
        return false;
    q->body = NULL;
    if (need > 0 || strcmp(q->method, "POST") == 0 || strcmp(q->method, "PATCH") == 0) {
        size_t got = *have - head;
        q->body = malloc(need + 1);
        if (q->body == NULL)
            abort();
        memcpy(q->body, buf + head, got < need ? got : need);
        while (got < need) {
            int n = SSL_read(ssl, q->body + got, (int)(need - got));
            if (n <= 0) {
                free(q->body);
                q->body = NULL;
                return false;
            }
            got += (size_t)n;
        }
        q->body[need] = '\0';
        q->blen = need;
        /* Keep what follows (a pipelined request) for the next round. */
        if (*have - head > need) {
            memmove(buf, buf + head + need, *have - head - need);
            *have = *have - head - need;
        } else {
            *have = 0;
        }
    } else {
        memmove(buf, buf + head, *have - head);
        *have -= head;
    }
    return true;
}

struct conn_arg {
    struct sc_kube_double *d;
    int fd, slot;
};

/* Write one chunk of a chunked answer. */
static bool chunk(SSL *ssl, const char *data, size_t n)
{
    char head[32];
    int hl = snprintf(head, sizeof(head), "%zx\r\n", n);
    return SSL_write(ssl, head, hl) > 0 && (n == 0 || SSL_write(ssl, data, (int)n) > 0) &&
           SSL_write(ssl, "\r\n", 2) > 0;
}

/*
 * A watch: every event of the collection r->watch after r->watch_rv, oldest first, one JSON
 * line per chunk ({"type":"ADDED","object":{...}}), as they happen, until timeoutSeconds
 * pass or the double stops. Returns false when the connection broke.
 */
static bool watch_stream(struct sc_kube_double *d, SSL *ssl, const struct resp *r)
{
    static const char head[] = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                               "Transfer-Encoding: chunked\r\nAudit-Id: double\r\n\r\n";
    unsigned long seen = r->watch_rv;
    struct timespec end;
    bool ok = SSL_write(ssl, head, (int)sizeof(head) - 1) > 0;

    clock_gettime(CLOCK_REALTIME, &end);
    end.tv_sec += r->watch_s;
    pthread_mutex_lock(&d->mu);
    while (ok && !d->stopping) {
        struct event *batch[64];
        size_t n = 0;
        struct timespec now;
        /* Oldest first: the list is newest first, so collect then walk back. */
        for (struct event *e = d->events; e && e->rv > seen && n < 64; e = e->next)
            if (strncmp(e->path, r->watch, strlen(r->watch)) == 0 &&
                strchr(e->path + strlen(r->watch), '/') == NULL)
                batch[n++] = e;
        while (ok && n > 0) {
            struct event *e = batch[--n];
            char *line = NULL;
            int len = asprintf(&line, "{\"type\":\"%s\",\"object\":%s}\n", e->type, e->json);
            if (e->rv > seen)
                seen = e->rv;
            ok = len > 0 && chunk(ssl, line, (size_t)len);
            free(line);
        }
        for (struct event *e = d->events; e && e->rv > seen; e = e->next)
            seen = seen < e->rv ? e->rv : seen; /* events of other collections */
        clock_gettime(CLOCK_REALTIME, &now);
        if (now.tv_sec > end.tv_sec || (now.tv_sec == end.tv_sec && now.tv_nsec >= end.tv_nsec))
            break;
        pthread_cond_timedwait(&d->cv, &d->mu, &end);
    }
    pthread_mutex_unlock(&d->mu);
    return ok && chunk(ssl, "", 0);
}

static void *conn_main(void *arg)
{
    struct conn_arg *a = arg;
    struct sc_kube_double *d = a->d;
    SSL *ssl = SSL_new(d->ctx);
    char *buf = malloc(MAX_HEAD + 1);
    size_t have = 0;

    if (buf == NULL)
        abort();
    SSL_set_fd(ssl, a->fd);
    if (SSL_accept(ssl) == 1) {
        for (;;) {
            struct req q;
            struct resp r;
            char head[512];
            int hl;
            memset(&r, 0, sizeof(r));
            r.ctype = "application/json";
            if (!read_request(ssl, buf, &have, &q))
                break;
            dispatch(d, ssl, &q, &r);
            free(q.body);
            if (r.hook_fn != NULL)
                r.hook_fn(r.hook_arg);
            if (r.drop) {
                free(r.body);
                break;
            }
            if (r.stall_ms > 0) {
                struct timespec ts = {r.stall_ms / 1000, (long)(r.stall_ms % 1000) * 1000000L};
                nanosleep(&ts, NULL);
            }
            if (r.watch[0]) {
                free(r.body);
                if (!watch_stream(d, ssl, &r) || q.close)
                    break;
                continue;
            }
            hl = snprintf(head, sizeof(head),
                          "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
                          "Audit-Id: double\r\n",
                          r.status, reason_phrase(r.status), r.ctype, r.body ? strlen(r.body) : 0);
            if (r.retry_after > 0)
                hl += snprintf(head + hl, sizeof(head) - (size_t)hl, "Retry-After: %d\r\n",
                               r.retry_after);
            hl += snprintf(head + hl, sizeof(head) - (size_t)hl, "\r\n");
            if (r.drop_midway) {
                /* The head and half the body, then the connection is gone. */
                if (SSL_write(ssl, head, hl) > 0 && r.body && strlen(r.body) > 1)
                    SSL_write(ssl, r.body, (int)strlen(r.body) / 2);
                free(r.body);
                break;
            }
            if (SSL_write(ssl, head, hl) <= 0 ||
                (r.body && r.body[0] && SSL_write(ssl, r.body, (int)strlen(r.body)) <= 0)) {
                free(r.body);
                break;
            }
            free(r.body);
            if (q.close)
                break;
        }
    }
    ERR_clear_error();
    SSL_shutdown(ssl);
    SSL_free(ssl);
    free(buf);
    pthread_mutex_lock(&d->mu);
    close(a->fd);
    d->conns[a->slot] = -1;
    d->active--;
    pthread_cond_broadcast(&d->cv);
    pthread_mutex_unlock(&d->mu);
    free(a);
    return NULL;
}

static void *accept_main(void *arg)
{
    struct sc_kube_double *d = arg;
    for (;;) {
        /* CLOEXEC: the pods' processes must not hold clients' connections open. */
        int fd = accept4(d->lfd, NULL, NULL, SOCK_CLOEXEC), slot = -1;
        struct conn_arg *a;
        pthread_t t;
        if (fd < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        pthread_mutex_lock(&d->mu);
        if (d->stopping) {
            pthread_mutex_unlock(&d->mu);
            close(fd);
            break;
        }
        for (int i = 0; i < MAX_CONNS && slot < 0; i++)
            if (d->conns[i] < 0)
                slot = i;
        if (slot < 0) {
            pthread_mutex_unlock(&d->mu);
            close(fd);
            continue;
        }
        d->conns[slot] = fd;
        d->active++;
        d->accepted++;
        pthread_mutex_unlock(&d->mu);
        a = malloc(sizeof(*a));
        if (a == NULL)
            abort();
        a->d = d;
        a->fd = fd;
        a->slot = slot;
        if (pthread_create(&t, NULL, conn_main, a) != 0)
            abort();
        pthread_detach(t);
    }
    return NULL;
}

static bool load_pem_into(SSL_CTX *ctx, const char *cert, const char *key)
{
    BIO *b = BIO_new_mem_buf(cert, -1), *k = BIO_new_mem_buf(key, -1);
    X509 *x = PEM_read_bio_X509(b, NULL, NULL, NULL);
    EVP_PKEY *pk = PEM_read_bio_PrivateKey(k, NULL, NULL, NULL);
    bool ok =
        x && pk && SSL_CTX_use_certificate(ctx, x) == 1 && SSL_CTX_use_PrivateKey(ctx, pk) == 1;
    X509_free(x);
    EVP_PKEY_free(pk);
    BIO_free(b);
    BIO_free(k);
    return ok;
}

struct sc_kube_double *sc_kube_double_start(const struct sc_kube_double_opts *o)
{
    struct sc_kube_double *d = calloc(1, sizeof(*d));
    struct sockaddr_in sa;
    socklen_t sl = sizeof(sa);

    if (d == NULL)
        abort();
    signal(SIGPIPE, SIG_IGN); /* a client that hangs up must not kill the test */
    d->o = *o;
    if (d->o.ready_after == 0)
        d->o.ready_after = 1;
    if (d->o.terminate_polls == 0)
        d->o.terminate_polls = 2;
    d->token = o->token ? xstrdup(o->token) : NULL;
    d->basic_user = o->basic_user ? xstrdup(o->basic_user) : NULL;
    d->basic_pass = o->basic_pass ? xstrdup(o->basic_pass) : NULL;
    d->pod_log = o->pod_log ? xstrdup(o->pod_log) : NULL;
    d->fixture_bin = o->fixture_bin ? xstrdup(o->fixture_bin) : NULL;
    d->o.fixture_bin = d->fixture_bin;
    for (int i = 0; i < MAX_CONNS; i++)
        d->conns[i] = -1;
    /* Pod addresses: 127.230-249.x.y, away from the local platform's 127.20-219. */
    d->ip_base = 230 + (unsigned)(getpid() % 20);
    curl_global_init(CURL_GLOBAL_DEFAULT);
    d->ctx = SSL_CTX_new(TLS_server_method());
    if (!load_pem_into(d->ctx, o->server_cert_pem, o->server_key_pem))
        abort();
    if (o->client_ca_pem) {
        BIO *b = BIO_new_mem_buf(o->client_ca_pem, -1);
        X509 *ca = PEM_read_bio_X509(b, NULL, NULL, NULL);
        X509_STORE_add_cert(SSL_CTX_get_cert_store(d->ctx), ca);
        X509_free(ca);
        BIO_free(b);
        /* Like kube-apiserver: a client certificate is asked for, not required. */
        SSL_CTX_set_verify(d->ctx, SSL_VERIFY_PEER, NULL);
        /* Without it, a client resuming a session fails its handshake. */
        SSL_CTX_set_session_id_context(d->ctx, (const unsigned char *)"kube-double", 11);
    }
    pthread_mutex_init(&d->mu, NULL);
    pthread_cond_init(&d->cv, NULL);
    d->lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (d->lfd < 0 || bind(d->lfd, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
        listen(d->lfd, 64) != 0 || getsockname(d->lfd, (struct sockaddr *)&sa, &sl) != 0)
        abort();
    d->port = ntohs(sa.sin_port);
    if (pthread_create(&d->acceptor, NULL, accept_main, d) != 0)
        abort();
    return d;
}

int sc_kube_double_port(const struct sc_kube_double *d)
{
    return d->port;
}

void sc_kube_double_stop(struct sc_kube_double *d)
{
    pthread_mutex_lock(&d->mu);
    d->stopping = true;
    for (int i = 0; i < MAX_CONNS; i++)
        if (d->conns[i] >= 0)
            shutdown(d->conns[i], SHUT_RDWR);
    pthread_mutex_unlock(&d->mu);
    shutdown(d->lfd, SHUT_RDWR);
    close(d->lfd);
    pthread_join(d->acceptor, NULL);
    pthread_mutex_lock(&d->mu);
    while (d->active > 0)
        pthread_cond_wait(&d->cv, &d->mu);
    pthread_mutex_unlock(&d->mu);
    while (d->objs)
        drop_obj(d, d->objs);
    while (d->faults) {
        struct fault *f = d->faults;
        d->faults = f->next;
        free(f->method);
        free(f->prefix);
        free(f);
    }
    while (d->events) {
        struct event *e = d->events;
        d->events = e->next;
        free(e->path);
        free(e->json);
        free(e);
    }
    while (d->hooks) {
        struct hook *h = d->hooks;
        d->hooks = h->next;
        free(h->method);
        free(h->pattern);
        free(h);
    }
    while (d->seen) {
        struct seen *s = d->seen;
        d->seen = s->next;
        free(s->method);
        free(s->path);
        free(s);
    }
    SSL_CTX_free(d->ctx);
    free(d->token);
    free(d->basic_user);
    free(d->basic_pass);
    free(d->pod_log);
    free(d->fixture_bin);
    pthread_mutex_destroy(&d->mu);
    pthread_cond_destroy(&d->cv);
    free(d);
}

void sc_kube_double_fail(struct sc_kube_double *d, const char *method, const char *prefix,
                         int status, unsigned count, int retry_after)
{
    struct fault *f = calloc(1, sizeof(*f));
    if (f == NULL)
        abort();
    f->method = method ? xstrdup(method) : NULL;
    f->prefix = xstrdup(prefix);
    f->status = status;
    f->count = count;
    f->retry_after = retry_after;
    pthread_mutex_lock(&d->mu);
    f->next = d->faults;
    d->faults = f;
    pthread_mutex_unlock(&d->mu);
}

void sc_kube_double_hook(struct sc_kube_double *d, const char *method, const char *pattern,
                         unsigned nth, void (*fn)(void *arg), void *arg)
{
    struct hook *h = calloc(1, sizeof(*h));
    if (h == NULL)
        abort();
    h->method = method ? xstrdup(method) : NULL;
    h->pattern = xstrdup(pattern);
    h->nth = nth ? nth : 1;
    h->fn = fn;
    h->arg = arg;
    pthread_mutex_lock(&d->mu);
    h->next = d->hooks;
    d->hooks = h;
    pthread_mutex_unlock(&d->mu);
}

unsigned sc_kube_double_count(struct sc_kube_double *d, const char *method, const char *prefix)
{
    unsigned n = 0;
    pthread_mutex_lock(&d->mu);
    for (struct seen *s = d->seen; s; s = s->next)
        if ((method == NULL || strcmp(method, s->method) == 0) &&
            strncmp(s->path, prefix, strlen(prefix)) == 0)
            n++;
    pthread_mutex_unlock(&d->mu);
    return n;
}

unsigned sc_kube_double_connections(struct sc_kube_double *d)
{
    unsigned n;
    pthread_mutex_lock(&d->mu);
    n = d->accepted;
    pthread_mutex_unlock(&d->mu);
    return n;
}

void sc_kube_double_last(struct sc_kube_double *d, const char *what, char *buf, size_t len)
{
    pthread_mutex_lock(&d->mu);
    if (strcmp(what, "auth") == 0)
        snprintf(buf, len, "%s", d->last_auth);
    else if (strcmp(what, "user-agent") == 0)
        snprintf(buf, len, "%s", d->last_ua);
    else
        snprintf(buf, len, "%s", d->last_ctype);
    pthread_mutex_unlock(&d->mu);
}

char *sc_kube_double_object(struct sc_kube_double *d, const char *path)
{
    struct obj *o;
    char *s = NULL;
    pthread_mutex_lock(&d->mu);
    o = find(d, path);
    if (o)
        s = cJSON_PrintUnformatted(o->j);
    pthread_mutex_unlock(&d->mu);
    return s;
}

unsigned sc_kube_double_objects(struct sc_kube_double *d, const char *prefix)
{
    unsigned n = 0;
    pthread_mutex_lock(&d->mu);
    for (struct obj *o = d->objs; o; o = o->next)
        n += strncmp(o->path, prefix, strlen(prefix)) == 0;
    pthread_mutex_unlock(&d->mu);
    return n;
}

void sc_kube_double_put(struct sc_kube_double *d, const char *path, const char *json)
{
    cJSON *j = cJSON_Parse(json);
    const char *ns;
    if (j == NULL)
        abort();
    ns = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(j, "metadata"), "namespace"));
    pthread_mutex_lock(&d->mu);
    put(d, path, ns, j);
    pthread_mutex_unlock(&d->mu);
}

void sc_kube_double_processes(struct sc_kube_double *d, unsigned *started, unsigned *running)
{
    pthread_mutex_lock(&d->mu);
    *started = d->spawned;
    *running = 0;
    for (struct obj *o = d->objs; o; o = o->next)
        *running += o->pid > 0;
    pthread_mutex_unlock(&d->mu);
}
