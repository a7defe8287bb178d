/* local.c - the local platform: processes on 127.0.0.0/8 and the refmesh admin API. */
#include "platform/local/local.h"

#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base/log.h"
#include "base/clock.h"
#include "base/util.h"
#include "platform/curl_opts.h"
#include "platform/local/mesh.h"
#include "platform/local/proc.h"

#define HTTP_PORTS         "8080"
#define FIXTURE_AGENT_PORT 9090

struct pod {
    char *ns, *name, *workload;
    char addr[32];
    char egress[64];
    pid_t pid;
    struct pod *next;
};

struct local {
    struct sc_platform base;
    pid_t refmesh_pid;
    char admin[64]; /* http://127.0.0.1:PORT */
    char keep_note[128];
    char fixture_bin[PATH_MAX];
    pthread_mutex_t mu;
    struct pod *pods;
    unsigned next_addr;
    unsigned addr_base;
    struct sc_profile *prof; /* the emulated mesh (--mesh), NULL for the reference mesh */
    char scrape[32];         /* --scrape-interval for a Prometheus-like personality */
    /* What the refmesh serves (GET /apis) and the profile claims, per group, newest first. */
    int versions[SC_PROFILE_NGROUPS][8];
    size_t nversions[SC_PROFILE_NGROUPS];
};

/* ---- HTTP ------------------------------------------------------------------------------- */

struct buf {
    char *p;
    size_t n;
};

static size_t on_data(char *ptr, size_t size, size_t nmemb, void *ud)
{
    struct buf *b = ud;
    size_t len = size * nmemb;
    if (b->n + len > 64u * 1024 * 1024)
        return 0;
    b->p = realloc(b->p, b->n + len + 1);
    if (b->p == NULL)
        abort();
    memcpy(b->p + b->n, ptr, len);
    b->n += len;
    b->p[b->n] = '\0';
    return len;
}

/* One HTTP call; *body (caller frees) gets the answer. Returns the status or -1. */
static long http_call(const char *method, const char *url, const char *body, long timeout_ms,
                      char **out, struct sc_err *err)
{
    CURL *h = curl_easy_init();
    struct curl_slist *hdr = NULL;
    struct buf b = {NULL, 0};
    struct sc_curl_opts o = {CURLE_OK, NULL};
    long status = -1;
    CURLcode rc;

    if (h == NULL) {
        sc_err_set(err, SC_ENOMEM, "cannot create an HTTP handle");
        return -1;
    }
    SC_CURL_SET(&o, h, CURLOPT_URL, url);
    SC_CURL_SET(&o, h, CURLOPT_CUSTOMREQUEST, method);
    SC_CURL_SET(&o, h, CURLOPT_NOSIGNAL, 1L);
    SC_CURL_SET(&o, h, CURLOPT_NOPROXY, "*");
    SC_CURL_SET(&o, h, CURLOPT_TIMEOUT_MS, timeout_ms);
    SC_CURL_SET(&o, h, CURLOPT_CONNECTTIMEOUT_MS, 5000L);
    SC_CURL_SET(&o, h, CURLOPT_WRITEFUNCTION, on_data);
    SC_CURL_SET(&o, h, CURLOPT_WRITEDATA, &b);
    if (body != NULL) {
        if (!sc_curl_header(&hdr, "Content-Type: application/json"))
            sc_curl_opt_note(&o, CURLE_OUT_OF_MEMORY, "CURLOPT_HTTPHEADER");
        SC_CURL_SET(&o, h, CURLOPT_HTTPHEADER, hdr);
        SC_CURL_SET(&o, h, CURLOPT_POSTFIELDS, body);
        SC_CURL_SET(&o, h, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
    }
    if (sc_curl_opts_result(&o, err) == 0) {
        rc = curl_easy_perform(h);
        if (rc != CURLE_OK)
            sc_err_set(err, SC_ECONNECT, "%s %s: %s", method, url, curl_easy_strerror(rc));
        else if ((rc = curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status)) != CURLE_OK)
            sc_err_set(err, SC_EPROTO, "%s %s: no status: %s", method, url, curl_easy_strerror(rc));
    }
    curl_slist_free_all(hdr);
    curl_easy_cleanup(h);
    if (out != NULL)
        *out = b.p ? b.p : sc_xstrdup("");
    else
        free(b.p);
    return status;
}

/* Admin API call expecting 2xx; the refmesh's {"error": ...} becomes the message. */
static int admin(struct local *l, const char *method, const char *path, const char *body,
                 char **out, struct sc_err *err)
{
    char url[1024], *resp = NULL;
    long st;
    snprintf(url, sizeof(url), "%s%s", l->admin, path);
    st = http_call(method, url, body, 30000, &resp, err);
    if (st < 0) {
        free(resp);
        return SC_ECONNECT;
    }
    if (st < 200 || st >= 300) {
        cJSON *j = cJSON_Parse(resp);
        const cJSON *e = cJSON_GetObjectItemCaseSensitive(j, "error");
        sc_err_set(err, st == 404 ? SC_ENOTFOUND : SC_EINVAL, "refmesh %s %s: %ld %s", method, path,
                   st, cJSON_IsString(e) ? e->valuestring : resp);
        cJSON_Delete(j);
        free(resp);
        return err ? err->code : SC_EINVAL;
    }
    if (out)
        *out = resp;
    else
        free(resp);
    return 0;
}

/* ---- operations --------------------------------------------------------------------------- */

static int l_served(struct sc_platform *p, const char *group, int *v, size_t *n)
{
    struct local *l = (struct local *)p;
    int g = sc_profile_group(group);
    *n = g < 0 ? 0 : l->nversions[g];
    if (*n != 0)
        memcpy(v, l->versions[g], *n * sizeof(int));
    return 0;
}

/* Learn what the refmesh serves (its personality's release set) and the profile claims. */
static int learn_served(struct local *l, struct sc_err *err)
{
    char *body = NULL;
    int rc = admin(l, "GET", "/apis", NULL, &body, err);
    if (rc == 0)
        rc = sc_local_served_parse(body, l->prof, l->versions, l->nversions, err);
    free(body);
    return rc;
}

static int l_create_namespace(struct sc_platform *p, const char *ns, struct sc_err *err)
{
    char body[256];
    snprintf(body, sizeof(body), "{\"name\":\"%s\"}", ns);
    return admin((struct local *)p, "POST", "/namespaces", body, NULL, err);
}

static int l_delete_namespace(struct sc_platform *p, const char *ns, struct sc_err *err)
{
    struct local *l = (struct local *)p;
    struct pod **pp, *dead = NULL;
    char path[256];

    SC_ASSERT_OK(pthread_mutex_lock(&l->mu));
    for (pp = &l->pods; *pp;) {
        if (strcmp((*pp)->ns, ns) == 0) {
            struct pod *x = *pp;
            *pp = x->next;
            x->next = dead;
            dead = x;
        } else {
            pp = &(*pp)->next;
        }
    }
    SC_ASSERT_OK(pthread_mutex_unlock(&l->mu));
    while (dead) {
        struct pod *x = dead;
        dead = x->next;
        sc_local_stop_child(x->pid);
        free(x->ns);
        free(x->name);
        free(x->workload);
        free(x);
    }
    snprintf(path, sizeof(path), "/namespaces/%s", ns);
    return admin(l, "DELETE", path, NULL, NULL, err);
}

static int start_pod(struct local *l, const char *ns, const struct sc_workload *w, unsigned i,
                     struct sc_err *err)
{
    struct pod *pod = sc_xcalloc(1, sizeof(*pod));
    char name[128], line[256], agent[16];
    int fd = -1, attempt;
    cJSON *j, *labels;
    char *body, *resp = NULL;

    snprintf(name, sizeof(name), "%s-%u", w->name, i);
    snprintf(agent, sizeof(agent), "%d", FIXTURE_AGENT_PORT);
    for (attempt = 0; attempt < 8; attempt++) {
        unsigned a;
        const char *argv[32];
        int n = 0;
        SC_ASSERT_OK(pthread_mutex_lock(&l->mu));
        a = l->next_addr++;
        SC_ASSERT_OK(pthread_mutex_unlock(&l->mu));
        snprintf(pod->addr, sizeof(pod->addr), "127.%u.%u.%u", l->addr_base, (a / 250) % 250,
                 a % 250 + 2);
        argv[n++] = l->fixture_bin;
        argv[n++] = "--listen";
        argv[n++] = pod->addr;
        argv[n++] = "--http-port";
        argv[n++] = HTTP_PORTS;
        argv[n++] = "--http-port";
        argv[n++] = "8081";
        argv[n++] = "--tcp-port";
        argv[n++] = "9000";
        argv[n++] = "--udp-port";
        argv[n++] = "9001";
        argv[n++] = "--agent-port";
        argv[n++] = agent;
        argv[n++] = "--pod";
        argv[n++] = name;
        argv[n++] = "--namespace";
        argv[n++] = ns;
        argv[n++] = "--service-account";
        argv[n++] = w->sa;
        if (w->version) {
            argv[n++] = "--version";
            argv[n++] = w->version;
        }
        argv[n] = NULL;
        pod->pid = sc_local_spawn(argv, &fd, err);
        if (pod->pid < 0) {
            free(pod);
            return SC_ESYS;
        }
        if (sc_local_read_ready(fd, pod->pid, line, sizeof(line), 10000, "smi-fixture", err) == 0 &&
            strstr(line, "ready") != NULL)
            break;
        close(fd);
        fd = -1;
        sc_local_stop_child(pod->pid);
        pod->pid = -1;
        sc_log_debug("local", "pod %s/%s on %s did not start, trying another address", ns, name,
                     pod->addr);
    }
    if (fd >= 0)
        close(fd);
    if (pod->pid < 0) {
        free(pod);
        return sc_err_prefix(err, "cannot start pod %s/%s", ns, name);
    }
    j = cJSON_CreateObject();
    cJSON_AddStringToObject(j, "name", name);
    cJSON_AddStringToObject(j, "namespace", ns);
    cJSON_AddStringToObject(j, "serviceAccount", w->sa);
    cJSON_AddStringToObject(j, "address", pod->addr);
    cJSON_AddStringToObject(j, "deployment", w->name);
    if (w->unmeshed) /* the refmesh gives it plain networking and no identity */
        cJSON_AddBoolToObject(j, "mesh", false);
    labels = cJSON_AddObjectToObject(j, "labels");
    for (size_t k = 0; k < w->nlabels; k++)
        cJSON_AddStringToObject(labels, w->labels[k].key, w->labels[k].value);
    if (w->version && !cJSON_GetObjectItem(labels, "version"))
        cJSON_AddStringToObject(labels, "version", w->version);
    body = cJSON_PrintUnformatted(j);
    cJSON_Delete(j);
    if (admin(l, "POST", "/pods", body, &resp, err) != 0) {
        free(body);
        sc_local_stop_child(pod->pid);
        free(pod);
        return err ? err->code : SC_EINVAL;
    }
    free(body);
    j = cJSON_Parse(resp);
    free(resp);
    {
        const cJSON *e = cJSON_GetObjectItemCaseSensitive(j, "egress");
        if (!cJSON_IsString(e)) {
            cJSON_Delete(j);
            sc_local_stop_child(pod->pid);
            free(pod);
            return sc_err_set(err, SC_EPROTO, "refmesh gave pod %s/%s no egress listener", ns,
                              name);
        }
        snprintf(pod->egress, sizeof(pod->egress), "%s", e->valuestring);
    }
    cJSON_Delete(j);
    pod->ns = sc_xstrdup(ns);
    pod->name = sc_xstrdup(name);
    pod->workload = sc_xstrdup(w->name);
    SC_ASSERT_OK(pthread_mutex_lock(&l->mu));
    pod->next = l->pods;
    l->pods = pod;
    SC_ASSERT_OK(pthread_mutex_unlock(&l->mu));
    return 0;
}

static int l_deploy(struct sc_platform *p, const char *ns, const struct sc_workload *w,
                    struct sc_err *err)
{
    for (unsigned i = 0; i < w->replicas; i++) {
        int rc = start_pod((struct local *)p, ns, w, i, err);
        if (rc != 0)
            return rc;
    }
    return 0;
}

static int l_create_service(struct sc_platform *p, const char *ns, const struct sc_service *s,
                            struct sc_err *err)
{
    cJSON *j = cJSON_CreateObject(), *sel, *ports;
    char *body;
    int rc;

    cJSON_AddStringToObject(j, "name", s->name);
    cJSON_AddStringToObject(j, "namespace", ns);
    sel = cJSON_AddObjectToObject(j, "selector");
    for (size_t i = 0; i < s->nselector; i++)
        cJSON_AddStringToObject(sel, s->selector[i].key, s->selector[i].value);
    ports = cJSON_AddArrayToObject(j, "ports");
    for (size_t i = 0; i < s->nports; i++) {
        cJSON *pt = cJSON_CreateObject();
        cJSON_AddNumberToObject(pt, "port", s->ports[i].port);
        cJSON_AddNumberToObject(pt, "targetPort", s->ports[i].target_port);
        cJSON_AddStringToObject(pt, "protocol", s->ports[i].proto == SC_PROTO_UDP ? "UDP" : "TCP");
        cJSON_AddItemToArray(ports, pt);
    }
    body = cJSON_PrintUnformatted(j);
    cJSON_Delete(j);
    rc = admin((struct local *)p, "POST", "/services", body, NULL, err);
    free(body);
    return rc;
}

static int l_wait_ready(struct sc_platform *p, const char *ns, unsigned timeout_ms,
                        struct sc_err *err)
{
    struct local *l = (struct local *)p;
    uint64_t deadline = sc_now_ns() + (uint64_t)timeout_ms * 1000000ull;
    for (;;) {
        bool all = true;
        char last[128] = "";
        SC_ASSERT_OK(pthread_mutex_lock(&l->mu));
        for (struct pod *x = l->pods; x && all; x = x->next) {
            char url[128];
            long st;
            if (strcmp(x->ns, ns) != 0)
                continue;
            snprintf(url, sizeof(url), "http://%s:%d/v1/health", x->addr, FIXTURE_AGENT_PORT);
            st = http_call("GET", url, NULL, 2000, NULL, NULL);
            if (st != 200) {
                all = false;
                snprintf(last, sizeof(last), "%s (health: %ld)", x->name, st);
            }
        }
        SC_ASSERT_OK(pthread_mutex_unlock(&l->mu));
        if (all)
            return 0;
        if (sc_now_ns() >= deadline)
            return sc_err_set(err, SC_ETIMEOUT, "pod %s not ready within %ums", last, timeout_ms);
        sc_sleep_ms(20);
    }
}

static int l_apply(struct sc_platform *p, const char *ns, const char *json, struct sc_err *err)
{
    char path[256];
    snprintf(path, sizeof(path), "/objects?namespace=%s", ns);
    return admin((struct local *)p, "POST", path, json, NULL, err);
}

static int l_remove(struct sc_platform *p, const char *ns, const char *api_version,
                    const char *kind, const char *name, struct sc_err *err)
{
    char path[512];
    (void)api_version;
    snprintf(path, sizeof(path), "/namespaces/%s/objects/%s/%s", ns, kind, name);
    return admin((struct local *)p, "DELETE", path, NULL, NULL, err);
}

/* The address and egress listener of pod `name` in ns; SC_ENOTFOUND when there is none. */
static int find_pod(struct local *l, const char *ns, const char *name, char *addr, size_t alen,
                    char *egress, size_t elen, struct sc_err *err)
{
    bool found = false;
    SC_ASSERT_OK(pthread_mutex_lock(&l->mu));
    for (struct pod *x = l->pods; x && !found; x = x->next)
        if (strcmp(x->ns, ns) == 0 && strcmp(x->name, name) == 0) {
            snprintf(addr, alen, "%s", x->addr);
            snprintf(egress, elen, "%s", x->egress);
            found = true;
        }
    SC_ASSERT_OK(pthread_mutex_unlock(&l->mu));
    return found ? 0 : sc_err_set(err, SC_ENOTFOUND, "no pod %s/%s to send from", ns, name);
}

/* UDP goes through a relay the refmesh hands out for (pod, service, port): set it on plan. */
static int udp_relay(struct local *l, const char *ns, const char *pod, struct sc_agent_plan *plan,
                     struct sc_err *err)
{
    char svc[128] = "", sns[96] = "", *body, *resp = NULL, *colon;
    const char *relay;
    int port = 0, rc;
    cJSON *rq, *rj;

    if (sscanf(plan->target, "%127[^.].%95[^:]:%d", svc, sns, &port) != 3)
        return sc_err_set(err, SC_EINVAL, "udp target '%s' is not service.ns:port", plan->target);
    rq = cJSON_CreateObject();
    cJSON_AddStringToObject(rq, "pod", pod);
    cJSON_AddStringToObject(rq, "namespace", ns);
    cJSON_AddStringToObject(rq, "service", svc);
    cJSON_AddStringToObject(rq, "serviceNamespace", sns);
    cJSON_AddNumberToObject(rq, "port", port);
    body = cJSON_PrintUnformatted(rq);
    cJSON_Delete(rq);
    if (body == NULL)
        return sc_err_set(err, SC_ENOMEM, "cannot write the relay request");
    rc = admin(l, "POST", "/udp-relays", body, &resp, err);
    free(body);
    if (rc != 0)
        return rc;
    rj = cJSON_Parse(resp);
    free(resp);
    relay = cJSON_GetStringValue(cJSON_GetObjectItem(rj, "relay"));
    colon = relay ? strrchr(relay, ':') : NULL;
    if (colon == NULL || colon == relay || colon[1] == '\0') {
        cJSON_Delete(rj);
        return sc_err_set(err, SC_EPROTO, "refmesh gave no UDP relay host:port");
    }
    plan->relay_host = strndup(relay, (size_t)(colon - relay));
    plan->relay_port = sc_xstrdup(colon + 1);
    cJSON_Delete(rj);
    if (plan->relay_host == NULL)
        abort();
    return 0;
}

/* A plan with an id is posted again after a failure in transit: the agent runs an id once. */
#define TRAFFIC_ATTEMPTS   4
#define TRAFFIC_BACKOFF_MS 500u /* before the second attempt, doubled for each next one */

/*
 * Did the POST fail on the way? The transfer failed (connection refused, reset, timed out:
 * http_call's SC_ECONNECT), or a 429, 500, 502, 503 or 504 that is not the agent's own
 * {"error": ...} (nothing stands between the harness and the agent here, but the rule is
 * the kube platform's). The agent's own answers are final.
 */
static bool traffic_in_transit(long st, const char *answer, const struct sc_err *err)
{
    cJSON *j;
    bool agent;

    if (st < 0)
        return err->code == SC_ECONNECT;
    if (st != 429 && st != 500 && st != 502 && st != 503 && st != 504)
        return false;
    j = cJSON_Parse(answer);
    agent = cJSON_IsString(cJSON_GetObjectItemCaseSensitive(j, "error"));
    cJSON_Delete(j);
    return !agent;
}

/* POST body to the agent at url; with an id, again after a failure in transit (*attempts).
 * Returns the status or -1, like http_call. */
static long post_plan(const char *url, const char *id, const char *body, char **answer,
                      unsigned *attempts, struct sc_err *err)
{
    unsigned backoff = TRAFFIC_BACKOFF_MS;
    long st;

    for (*attempts = 1;; (*attempts)++) {
        sc_err_init(err);
        st = http_call("POST", url, body, 120000, answer, err);
        /* without an id a second POST could run the traffic twice */
        if (id == NULL || *attempts == TRAFFIC_ATTEMPTS || !traffic_in_transit(st, *answer, err))
            return st;
        if (st < 0)
            sc_log_warn("local", "plan '%s' (attempt %u): %s; again in %ums", id, *attempts,
                        err->msg, backoff);
        else
            sc_log_warn("local", "plan '%s' (attempt %u): %s answered %ld; again in %ums", id,
                        *attempts, url, st, backoff);
        free(*answer);
        *answer = NULL;
        sc_sleep_ms(backoff);
        backoff *= 2;
    }
}

static int l_traffic(struct sc_platform *p, const char *ns, const char *workload, unsigned idx,
                     const struct sc_agent_plan *plan, struct sc_agent_result *result,
                     struct sc_err *err)
{
    struct local *l = (struct local *)p;
    char name[160], url[128], proxy[96], addr[32], egress[64], who[320], *body, *answer = NULL;
    struct sc_agent_plan mine;
    unsigned attempts;
    long st;
    int rc;

    snprintf(name, sizeof(name), "%s-%u", workload, idx);
    rc = find_pod(l, ns, name, addr, sizeof(addr), egress, sizeof(egress), err);
    if (rc != 0)
        return rc;
    /* Pods reach the mesh explicitly here: through their egress listener, or a UDP relay. */
    sc_agent_plan_copy(&mine, plan);
    if (mine.proto == SC_AGENT_UDP) {
        rc = udp_relay(l, ns, name, &mine, err);
    } else {
        snprintf(proxy, sizeof(proxy), "http://%s", egress);
        free(mine.proxy);
        mine.proxy = sc_xstrdup(proxy);
    }
    body = rc == 0 ? sc_agent_plan_to_json(&mine) : NULL;
    sc_agent_plan_release(&mine);
    if (rc != 0)
        return rc;
    snprintf(url, sizeof(url), "http://%s:%d/v1/traffic", addr, FIXTURE_AGENT_PORT);
    st = post_plan(url, plan->id, body, &answer, &attempts, err);
    free(body);
    if (attempts > 1)
        snprintf(who, sizeof(who), "agent %s/%s (plan '%s', %u attempts)", ns, name, plan->id,
                 attempts);
    else
        snprintf(who, sizeof(who), "agent %s/%s", ns, name);
    if (st < 0) {
        free(answer);
        return attempts > 1 ? sc_err_prefix(err, "%s", who) : SC_ECONNECT;
    }
    if (st != 200) {
        rc = sc_err_set(err, SC_EPROTO, "%s answered %ld: %.300s", who, st, answer);
        free(answer);
        return rc;
    }
    rc = sc_agent_result_parse(answer, strlen(answer), result, err);
    free(answer);
    return rc != 0 ? sc_err_prefix(err, "%s", who) : 0;
}

static int l_cancel_traffic(struct sc_platform *p, const char *ns, const char *workload,
                            unsigned idx, const char *id, struct sc_err *err)
{
    char name[160], url[512], addr[32], egress[64], *answer = NULL;
    long st;
    int rc;

    snprintf(name, sizeof(name), "%s-%u", workload, idx);
    rc = find_pod(((struct local *)p), ns, name, addr, sizeof(addr), egress, sizeof(egress), err);
    if (rc != 0)
        return rc;
    snprintf(url, sizeof(url), "http://%s:%d/v1/traffic/%s", addr, FIXTURE_AGENT_PORT, id);
    st = http_call("DELETE", url, NULL, 120000, &answer, err);
    if (st < 0)
        rc = SC_ECONNECT;
    else if (st == 404)
        rc = sc_err_set(err, SC_ENOTFOUND, "agent %s/%s knows no plan '%s'", ns, name, id);
    else if (st != 200)
        rc = sc_err_set(err, SC_EPROTO,
                        "agent %s/%s answered %ld to the cancel of plan '%s': %.300s", ns, name, st,
                        id, answer);
    free(answer);
    return rc;
}

static int l_metrics(struct sc_platform *p, const char *path, char **json, struct sc_err *err)
{
    struct local *l = (struct local *)p;
    char url[1024];
    long st;
    snprintf(url, sizeof(url), "%s%s", l->admin, path);
    st = http_call("GET", url, NULL, 10000, json, err);
    if (st < 0)
        return SC_ECONNECT;
    if (st != 200) {
        sc_err_set(err, st == 404 ? SC_ENOTFOUND : SC_EPROTO, "GET %s: %ld %.200s", path, st,
                   *json);
        free(*json);
        *json = NULL;
        return err ? err->code : SC_EPROTO;
    }
    return 0;
}

static void l_diagnostics(struct sc_platform *p, const char *ns, char **out)
{
    struct local *l = (struct local *)p;
    char *state = NULL;
    cJSON *j, *keep;
    const cJSON *it;
    *out = NULL;
    if (admin(l, "GET", "/state", NULL, &state, NULL) != 0)
        return;
    j = cJSON_Parse(state);
    free(state);
    /* Only what belongs to the namespace: the refmesh's view of the failed test. */
    keep = cJSON_CreateObject();
    /* how the refmesh behaves (personality knobs), and how far each proxy is behind */
    for (int k = 0; k < 6; k++) {
        static const char *const keys[] = {"personality", "serve",         "headers",
                                           "metrics",     "configVersion", "propagation"};
        const cJSON *v = cJSON_GetObjectItem(j, keys[k]);
        if (v != NULL)
            cJSON_AddItemToObject(keep, keys[k], cJSON_Duplicate(v, 1));
    }
    for (int k = 0; k < 3; k++) {
        static const char *const keys[] = {"pods", "services", "objects"};
        cJSON *arr = cJSON_AddArrayToObject(keep, keys[k]);
        cJSON_ArrayForEach(it, cJSON_GetObjectItem(j, keys[k]))
        {
            const char *n = cJSON_GetStringValue(cJSON_GetObjectItem(it, "namespace"));
            if (n == NULL) {
                const cJSON *md = cJSON_GetObjectItem(it, "metadata");
                n = cJSON_GetStringValue(cJSON_GetObjectItem(md, "namespace"));
            }
            if (n != NULL && strcmp(n, ns) == 0)
                cJSON_AddItemToArray(arr, cJSON_Duplicate(it, 1));
        }
    }
    *out = cJSON_Print(keep);
    cJSON_Delete(keep);
    cJSON_Delete(j);
}

static void l_destroy(struct sc_platform *p)
{
    struct local *l = (struct local *)p;
    while (l->pods) {
        struct pod *x = l->pods;
        l->pods = x->next;
        sc_local_stop_child(x->pid);
        free(x->ns);
        free(x->name);
        free(x->workload);
        free(x);
    }
    sc_local_stop_child(l->refmesh_pid);
    SC_ASSERT_OK(pthread_mutex_destroy(&l->mu));
    sc_profile_free(l->prof);
    free(l);
}

static void l_describe(struct sc_platform *p, struct sc_platform_info *out)
{
    struct local *l = (struct local *)p;
    snprintf(l->keep_note, sizeof(l->keep_note), "refmesh admin API at %s (GET /state)", l->admin);
    out->mesh = l->prof ? l->prof->name : "local";
    out->kube_version = NULL;
    out->keep_note = l->keep_note;
}

static const struct sc_platform_ops local_ops = {
    .name = "local",
    .served = l_served,
    .create_namespace = l_create_namespace,
    .delete_namespace = l_delete_namespace,
    .deploy = l_deploy,
    .create_service = l_create_service,
    .wait_ready = l_wait_ready,
    .apply = l_apply,
    .remove = l_remove,
    .traffic = l_traffic,
    .cancel_traffic = l_cancel_traffic,
    .metrics = l_metrics,
    .describe = l_describe,
    .diagnostics = l_diagnostics,
    .destroy = l_destroy,
};

const char *sc_local_admin_url(const struct sc_platform *p)
{
    return ((const struct local *)p)->admin;
}

/* The refmesh's command line: admin on a free port, the personality, seed, violations. */
static void refmesh_argv(struct local *l, const struct sc_local_opts *o, const char *bin,
                         char *seed, size_t seedlen, const char **argv)
{
    const char *personality = sc_local_personality(l->prof);
    int n = 0;
    argv[n++] = bin;
    argv[n++] = "--admin";
    argv[n++] = "127.0.0.1:0";
    if (personality != NULL) {
        argv[n++] = "--personality";
        argv[n++] = personality;
    }
    if (personality != NULL && !l->prof->metrics_exact) {
        snprintf(l->scrape, sizeof(l->scrape), "%ums", SC_LOCAL_SCRAPE_MS);
        argv[n++] = "--scrape-interval";
        argv[n++] = l->scrape;
    }
    if (o->seed != 0) {
        snprintf(seed, seedlen, "%lu", o->seed);
        argv[n++] = "--seed";
        argv[n++] = seed;
    }
    for (size_t i = 0; o->violations && o->violations[i] && n < 76; i++) {
        argv[n++] = "--violate";
        argv[n++] = o->violations[i];
    }
    argv[n] = NULL;
}

int sc_local_new(const struct sc_local_opts *o, struct sc_platform **out, struct sc_err *err)
{
    struct local *l = sc_xcalloc(1, sizeof(*l));
    char refmesh[PATH_MAX], line[256], seed[32];
    const char *argv[80];
    int fd, rc;
    const char *port;

    *out = NULL;
    if ((rc = sc_local_mesh_load(o->mesh, o->profiles_dir, &l->prof, err)) != 0) {
        free(l);
        return rc;
    }
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        sc_profile_free(l->prof);
        free(l);
        return sc_err_set(err, SC_ESYS, "cannot initialise libcurl");
    }
    if ((rc = sc_local_find_bin(o->refmesh_bin, "SC_REFMESH", "smi-refmesh", "fixtures/refmesh",
                                refmesh, err)) != 0 ||
        (rc = sc_local_find_bin(o->fixture_bin, "SC_FIXTURE", "smi-fixture", "fixtures/server",
                                l->fixture_bin, err)) != 0) {
        sc_profile_free(l->prof);
        free(l);
        return rc;
    }
    refmesh_argv(l, o, refmesh, seed, sizeof(seed), argv);
    l->refmesh_pid = sc_local_spawn(argv, &fd, err);
    if (l->refmesh_pid < 0) {
        sc_profile_free(l->prof);
        free(l);
        return SC_ESYS;
    }
    rc = sc_local_read_ready(fd, l->refmesh_pid, line, sizeof(line), 10000, "smi-refmesh", err);
    close(fd);
    port = strstr(line, "admin=");
    if (rc != 0 || port == NULL) {
        sc_local_stop_child(l->refmesh_pid);
        sc_profile_free(l->prof);
        free(l);
        return rc ? rc : sc_err_set(err, SC_EPROTO, "smi-refmesh said '%s', not ready", line);
    }
    snprintf(l->admin, sizeof(l->admin), "http://127.0.0.1:%d", atoi(port + 6));
    SC_ASSERT_OK(pthread_mutex_init(&l->mu, NULL)); /* default attributes: cannot fail on Linux */
    /* Pod addresses: 127.B.x.y with B from our pid, so concurrent runs rarely meet; a clash
     * makes the fixture fail to bind and the next address is tried. */
    l->addr_base = 20 + (unsigned)(getpid() % 200);
    l->base.ops = &local_ops;
    sc_local_mesh_apply(l->prof, &l->base);
    if ((rc = learn_served(l, err)) != 0) {
        l_destroy(&l->base);
        return rc;
    }
    *out = &l->base;
    return 0;
}
