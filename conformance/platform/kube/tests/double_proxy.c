/* double_proxy.c - the double's pod subresources: logs, and the proxy to a pod's server. */
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "double_state.h"
#include "platform/curl_opts.h"

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

/* Options and headers for forwarding q to url; fails when libcurl refuses one. */
static int forward_setup(CURL *h, const char *url, const struct dbl_req *q, const char *body,
                         struct sink *s, struct curl_slist **hdr, struct sc_err *err)
{
    struct sc_curl_opts o = {CURLE_OK, NULL};
    SC_CURL_SET(&o, h, CURLOPT_URL, url);
    SC_CURL_SET(&o, h, CURLOPT_NOSIGNAL, 1L);
    SC_CURL_SET(&o, h, CURLOPT_NOPROXY, "*");
    SC_CURL_SET(&o, h, CURLOPT_TIMEOUT_MS, 120000L);
    SC_CURL_SET(&o, h, CURLOPT_WRITEFUNCTION, sink_write);
    SC_CURL_SET(&o, h, CURLOPT_WRITEDATA, s);
    SC_CURL_SET(&o, h, CURLOPT_CUSTOMREQUEST, q->method);
    if (q->body) {
        char ct[160];
        snprintf(ct, sizeof(ct), "Content-Type: %s", q->ctype[0] ? q->ctype : "application/json");
        if (!sc_curl_header(hdr, ct) || !sc_curl_header(hdr, "Expect:"))
            return sc_err_set(err, SC_ENOMEM, "out of memory for the proxied request's headers");
        SC_CURL_SET(&o, h, CURLOPT_HTTPHEADER, *hdr);
        SC_CURL_SET(&o, h, CURLOPT_POSTFIELDS, body ? body : q->body);
        SC_CURL_SET(&o, h, CURLOPT_POSTFIELDSIZE, (long)(body ? strlen(body) : q->blen));
    }
    return sc_curl_opts_result(&o, err);
}

void sc_dbl_forward(const struct dbl_forward *fw, const struct dbl_req *q, struct dbl_resp *r)
{
    CURL *h = curl_easy_init();
    struct sink s = {NULL, 0};
    struct curl_slist *hdr = NULL;
    char url[4224], msg[700]; /* room for host, port, rest and query */
    struct sc_err err;
    long status = 0;
    CURLcode cc;

    sc_err_init(&err);
    if (h == NULL) {
        sc_dbl_status(r, 500, "InternalError", "the pod proxy cannot create a libcurl handle");
        return;
    }
    snprintf(url, sizeof(url), "http://%s:%d%s%s%s", fw->host, fw->port,
             fw->rest[0] ? fw->rest : "/", q->query[0] ? "?" : "", q->query);
    if (forward_setup(h, url, q, fw->plan, &s, &hdr, &err) != 0) {
        snprintf(msg, sizeof(msg), "the pod proxy cannot send the request: %s", err.msg);
        sc_dbl_status(r, 500, "InternalError", msg);
        goto out;
    }
    cc = curl_easy_perform(h);
    if (cc == CURLE_OK)
        cc = curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    if (cc != CURLE_OK) {
        snprintf(msg, sizeof(msg), "error trying to reach service: dial tcp %s:%d: %s", fw->host,
                 fw->port, curl_easy_strerror(cc));
        sc_dbl_status(r, 503, "ServiceUnavailable", msg);
        goto out;
    }
    r->status = (int)status;
    r->body = s.p ? s.p : sc_dbl_strdup("");
    s.p = NULL;
    r->ctype = "application/json";
out:
    free(s.p);
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
    struct dbl_obj *so, *eps[64];
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
    so = sc_dbl_find(d, path);
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
    for (struct dbl_obj *o = d->objs; o && neps < 64; o = o->next)
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

/* The proxy to pod's port (after the colon of its name in the path, else 80). */
static void pod_proxy(struct sc_kube_double *d, const struct dbl_req *q, const struct dbl_route *rt,
                      const struct dbl_obj *pod, const char *port, struct dbl_resp *r,
                      struct dbl_forward *fw)
{
    const char *phase = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(pod->j, "status"), "phase"));
    char msg[400];

    if (phase == NULL || strcmp(phase, "Running") != 0 ||
        (d->o.proxy_port == 0 && pod->ip[0] == '\0')) {
        snprintf(msg, sizeof(msg),
                 "error trying to reach service: dial tcp 10.244.0.9:%s: connect: "
                 "connection refused",
                 port ? port : "80");
        sc_dbl_status(r, 503, "ServiceUnavailable", msg);
        return;
    }
    fw->port = d->o.proxy_port;
    snprintf(fw->rest, sizeof(fw->rest), "%s", rt->rest);
    if (pod->ip[0]) {
        /* A pod run as a process: its own address, the port of the proxy path. */
        snprintf(fw->host, sizeof(fw->host), "%s", pod->ip);
        fw->port = port ? atoi(port) : 80;
        if (strcmp(q->method, "POST") == 0 && strcmp(fw->rest, "/v1/traffic") == 0)
            fw->plan = resolve_plan(d, q->body, q->blen);
    }
}

void sc_dbl_pod_sub(struct sc_kube_double *d, const struct dbl_req *q, const struct dbl_route *rt,
                    struct dbl_resp *r, struct dbl_forward *fw)
{
    char pname[256], path[700], msg[400];
    struct dbl_obj *pod;
    char *colon;

    snprintf(pname, sizeof(pname), "%s", rt->name);
    colon = strchr(pname, ':');
    if (colon)
        *colon = '\0';
    snprintf(path, sizeof(path), "/api/v1/namespaces/%s/pods/%s", rt->ns, pname);
    pod = sc_dbl_find(d, path);
    if (pod == NULL) {
        snprintf(msg, sizeof(msg), "pods \"%s\" not found", pname);
        sc_dbl_status(r, 404, "NotFound", msg);
        return;
    }
    if (strcmp(rt->sub, "log") == 0 && strcmp(q->method, "GET") == 0) {
        r->status = 200;
        r->ctype = "text/plain";
        if (d->pod_log) {
            r->body = sc_dbl_strdup(d->pod_log);
        } else {
            snprintf(msg, sizeof(msg), "smi-fixture: ready (pod %s)\n", pname);
            r->body = sc_dbl_strdup(msg);
        }
        return;
    }
    if (strcmp(rt->sub, "proxy") == 0 && rt->rest != NULL) {
        pod_proxy(d, q, rt, pod, colon ? colon + 1 : NULL, r, fw);
        return;
    }
    sc_dbl_status(r, 404, "NotFound", "the server could not find the requested resource");
}
