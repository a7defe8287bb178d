/* kube_api_double.c - the Kubernetes API test double: start, stop, and what tests ask of it. */
#include "kube_api_double.h"

#include <curl/curl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "double_state.h"

const char *const sc_dbl_smi_groups[4] = {"access.smi-spec.io", "specs.smi-spec.io",
                                          "split.smi-spec.io", "metrics.smi-spec.io"};

char *sc_dbl_strdup(const char *s)
{
    char *p = strdup(s ? s : "");
    if (p == NULL)
        abort();
    return p;
}

const char *sc_dbl_status_reason(int s)
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

void sc_dbl_status(struct dbl_resp *r, int code, const char *reason, const char *msg)
{
    cJSON *j = cJSON_CreateObject();
    cJSON_AddStringToObject(j, "kind", "Status");
    cJSON_AddStringToObject(j, "apiVersion", "v1");
    cJSON_AddObjectToObject(j, "metadata");
    cJSON_AddStringToObject(j, "status", "Failure");
    cJSON_AddStringToObject(j, "message", msg);
    cJSON_AddStringToObject(j, "reason", reason ? reason : sc_dbl_status_reason(code));
    cJSON_AddNumberToObject(j, "code", code);
    free(r->body);
    r->body = cJSON_PrintUnformatted(j);
    r->status = code;
    r->ctype = "application/json";
    cJSON_Delete(j);
}

cJSON *sc_dbl_forbidden(const char *msg, const char *name, const char *group, const char *kind)
{
    cJSON *j = cJSON_CreateObject(), *det;
    cJSON_AddStringToObject(j, "kind", "Status");
    cJSON_AddStringToObject(j, "apiVersion", "v1");
    cJSON_AddObjectToObject(j, "metadata");
    cJSON_AddStringToObject(j, "status", "Failure");
    cJSON_AddStringToObject(j, "message", msg);
    cJSON_AddStringToObject(j, "reason", "Forbidden");
    det = cJSON_AddObjectToObject(j, "details");
    if (name[0])
        cJSON_AddStringToObject(det, "name", name);
    if (group[0])
        cJSON_AddStringToObject(det, "group", group);
    if (kind[0])
        cJSON_AddStringToObject(det, "kind", kind);
    cJSON_AddNumberToObject(j, "code", 403);
    return j;
}

void sc_dbl_json(struct dbl_resp *r, int code, const cJSON *j)
{
    free(r->body);
    r->body = cJSON_PrintUnformatted(j);
    r->status = code;
    r->ctype = "application/json";
}

static void lock(struct sc_kube_double *d)
{
    SC_ASSERT_OK(pthread_mutex_lock(&d->mu));
}

static void unlock(struct sc_kube_double *d)
{
    SC_ASSERT_OK(pthread_mutex_unlock(&d->mu));
}

static void free_strings(struct sc_kube_double *d)
{
    free(d->token);
    free(d->basic_user);
    free(d->basic_pass);
    free(d->pod_log);
    free(d->fixture_bin);
    free(d->rbac_user);
    cJSON_Delete(d->rbac_rules);
}

/*
 * The one Node of node_cpus: Ready, schedulable, with capacity and allocatable
 * (https://kubernetes.io/docs/reference/node/node-status/: allocatable is what the scheduler
 * may place; the Ready condition says the kubelet is healthy and can take pods).
 */
static void add_node(struct sc_kube_double *d, unsigned cpus)
{
    cJSON *n = cJSON_CreateObject(), *md, *st, *c;
    char q[16];
    snprintf(q, sizeof(q), "%u", cpus);
    cJSON_AddStringToObject(n, "apiVersion", "v1");
    cJSON_AddStringToObject(n, "kind", "Node");
    md = cJSON_AddObjectToObject(n, "metadata");
    cJSON_AddStringToObject(md, "name", "kind-worker");
    cJSON_AddStringToObject(md, "resourceVersion", "1");
    cJSON_AddObjectToObject(n, "spec");
    st = cJSON_AddObjectToObject(n, "status");
    cJSON_AddStringToObject(cJSON_AddObjectToObject(st, "capacity"), "cpu", q);
    cJSON_AddStringToObject(cJSON_AddObjectToObject(st, "allocatable"), "cpu", q);
    c = cJSON_CreateObject();
    cJSON_AddStringToObject(c, "type", "Ready");
    cJSON_AddStringToObject(c, "status", "True");
    cJSON_AddStringToObject(c, "reason", "KubeletReady");
    cJSON_AddItemToArray(cJSON_AddArrayToObject(st, "conditions"), c);
    d->rv = 1;
    sc_dbl_put(d, "/api/v1/nodes/kind-worker", NULL, n);
}

struct sc_kube_double *sc_kube_double_start(const struct sc_kube_double_opts *o, struct sc_err *err)
{
    struct sc_kube_double *d = calloc(1, sizeof(*d));
    CURLcode cc;
    int rc;

    if (d == NULL)
        abort();
    signal(SIGPIPE, SIG_IGN); /* a client that hangs up must not kill the test */
    d->o = *o;
    if (d->o.ready_after == 0)
        d->o.ready_after = 1;
    if (d->o.terminate_polls == 0)
        d->o.terminate_polls = 2;
    d->token = o->token ? sc_dbl_strdup(o->token) : NULL;
    d->basic_user = o->basic_user ? sc_dbl_strdup(o->basic_user) : NULL;
    d->basic_pass = o->basic_pass ? sc_dbl_strdup(o->basic_pass) : NULL;
    d->pod_log = o->pod_log ? sc_dbl_strdup(o->pod_log) : NULL;
    d->fixture_bin = o->fixture_bin ? sc_dbl_strdup(o->fixture_bin) : NULL;
    d->o.fixture_bin = d->fixture_bin;
    for (int i = 0; i < SC_DBL_MAX_CONNS; i++)
        d->conns[i] = -1;
    /* Pod addresses: 127.230-249.x.y, away from the local platform's 127.20-219. */
    d->ip_base = 230 + (unsigned)(getpid() % 20);
    /* The pod proxy's client. */
    cc = curl_global_init(CURL_GLOBAL_DEFAULT);
    if (cc != CURLE_OK) {
        sc_err_set(err, SC_ESYS, "cannot initialise libcurl: %s", curl_easy_strerror(cc));
        goto out_free;
    }
    rc = pthread_mutex_init(&d->mu, NULL);
    if (rc != 0) {
        sc_err_set(err, SC_ESYS, "cannot create the double's lock: %s", strerror(rc));
        goto out_free;
    }
    rc = pthread_cond_init(&d->cv, NULL);
    if (rc != 0) {
        sc_err_set(err, SC_ESYS, "cannot create the double's condition: %s", strerror(rc));
        goto out_mutex;
    }
    if (o->node_cpus > 0)
        add_node(d, o->node_cpus);
    if (sc_dbl_clock_start(d, err) != 0)
        goto out_cond;
    if (sc_dbl_serve(d, o, err) != 0)
        goto out_clock;
    return d;
out_clock:
    sc_dbl_clock_stop(d);
out_cond:
    SC_ASSERT_OK(pthread_cond_destroy(&d->cv));
out_mutex:
    SC_ASSERT_OK(pthread_mutex_destroy(&d->mu));
out_free:
    free_strings(d);
    free(d);
    return NULL;
}

int sc_kube_double_port(const struct sc_kube_double *d)
{
    return d->port;
}

void sc_kube_double_stop(struct sc_kube_double *d)
{
    sc_dbl_unserve(d);
    sc_dbl_clock_stop(d);
    while (d->objs)
        sc_dbl_drop(d, d->objs);
    while (d->faults) {
        struct dbl_fault *f = d->faults;
        d->faults = f->next;
        free(f->method);
        free(f->prefix);
        free(f);
    }
    sc_dbl_events_free(d);
    while (d->hooks) {
        struct dbl_hook *h = d->hooks;
        d->hooks = h->next;
        free(h->method);
        free(h->pattern);
        free(h);
    }
    while (d->seen) {
        struct dbl_seen *s = d->seen;
        d->seen = s->next;
        free(s->method);
        free(s->path);
        free(s);
    }
    free_strings(d);
    SC_ASSERT_OK(pthread_mutex_destroy(&d->mu));
    SC_ASSERT_OK(pthread_cond_destroy(&d->cv));
    free(d);
}

void sc_kube_double_fail(struct sc_kube_double *d, const char *method, const char *prefix,
                         int status, unsigned count, int retry_after)
{
    struct dbl_fault *f = calloc(1, sizeof(*f));
    if (f == NULL)
        abort();
    f->method = method ? sc_dbl_strdup(method) : NULL;
    f->prefix = sc_dbl_strdup(prefix);
    f->status = status;
    f->count = count;
    f->retry_after = retry_after;
    lock(d);
    f->next = d->faults;
    d->faults = f;
    unlock(d);
}

void sc_kube_double_hook(struct sc_kube_double *d, const char *method, const char *pattern,
                         unsigned nth, void (*fn)(void *arg), void *arg)
{
    struct dbl_hook *h = calloc(1, sizeof(*h));
    if (h == NULL)
        abort();
    h->method = method ? sc_dbl_strdup(method) : NULL;
    h->pattern = sc_dbl_strdup(pattern);
    h->nth = nth ? nth : 1;
    h->fn = fn;
    h->arg = arg;
    lock(d);
    h->next = d->hooks;
    d->hooks = h;
    unlock(d);
}

unsigned sc_kube_double_count(struct sc_kube_double *d, const char *method, const char *prefix)
{
    unsigned n = 0;
    lock(d);
    for (struct dbl_seen *s = d->seen; s; s = s->next)
        if ((method == NULL || strcmp(method, s->method) == 0) &&
            strncmp(s->path, prefix, strlen(prefix)) == 0)
            n++;
    unlock(d);
    return n;
}

unsigned sc_kube_double_connections(struct sc_kube_double *d)
{
    unsigned n;
    lock(d);
    n = d->accepted;
    unlock(d);
    return n;
}

void sc_kube_double_last(struct sc_kube_double *d, const char *what, char *buf, size_t len)
{
    lock(d);
    if (strcmp(what, "auth") == 0)
        snprintf(buf, len, "%s", d->last_auth);
    else if (strcmp(what, "user-agent") == 0)
        snprintf(buf, len, "%s", d->last_ua);
    else
        snprintf(buf, len, "%s", d->last_ctype);
    unlock(d);
}

char *sc_kube_double_object(struct sc_kube_double *d, const char *path)
{
    struct dbl_obj *o;
    char *s = NULL;
    lock(d);
    o = sc_dbl_find(d, path);
    if (o)
        s = cJSON_PrintUnformatted(o->j);
    unlock(d);
    return s;
}

unsigned sc_kube_double_objects(struct sc_kube_double *d, const char *prefix)
{
    unsigned n = 0;
    lock(d);
    for (struct dbl_obj *o = d->objs; o; o = o->next)
        n += strncmp(o->path, prefix, strlen(prefix)) == 0;
    unlock(d);
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
    lock(d);
    sc_dbl_put(d, path, ns, j);
    unlock(d);
}

void sc_kube_double_processes(struct sc_kube_double *d, unsigned *started, unsigned *running)
{
    lock(d);
    *started = d->spawned;
    *running = 0;
    for (struct dbl_obj *o = d->objs; o; o = o->next)
        *running += o->pid > 0;
    unlock(d);
}
