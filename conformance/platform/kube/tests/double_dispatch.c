/* double_dispatch.c - the double's routing: bookkeeping, injected faults, auth, handlers. */
#include <fnmatch.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "double_state.h"

/* Kind of a resource in the double's API, or NULL when it does not exist there. */
static const char *kind_of(struct sc_kube_double *d, const struct dbl_route *rt)
{
    static const struct {
        const char *group, *res, *kind;
    } kinds[] = {{"", "namespaces", "Namespace"},
                 {"", "nodes", "Node"},
                 {"apiextensions.k8s.io", "customresourcedefinitions", "CustomResourceDefinition"},
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
        if (strcmp(rt->group, sc_dbl_smi_groups[g]) == 0 &&
            (d->o.served[g] == NULL || strcmp(d->o.served[g], rt->version) != 0))
            return NULL;
    if ((rt->group[0] == '\0' || strcmp(rt->group, "apiextensions.k8s.io") == 0) &&
        strcmp(rt->version, "v1") != 0)
        return NULL;
    if (strcmp(rt->res, "nodes") == 0 && d->o.node_cpus == 0)
        return NULL; /* no Node API unless asked for */
    /* Only CRDs and nodes are served at the cluster scope (namespaces have their own path). */
    if (rt->cluster !=
        (strcmp(rt->res, "customresourcedefinitions") == 0 || strcmp(rt->res, "nodes") == 0))
        return NULL;
    for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
        if (strcmp(kinds[i].group, rt->group) == 0 && strcmp(kinds[i].res, rt->res) == 0)
            return kinds[i].kind;
    return NULL;
}

/* Copy a path segment into a route field; false when it does not fit (no such resource). */
static bool field(char *dst, size_t len, const char *src)
{
    int n = snprintf(dst, len, "%s", src);
    return n >= 0 && (size_t)n < len;
}

static int parse_route(const char *path, struct dbl_route *rt)
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
        int pl = snprintf(rt->prefix, sizeof(rt->prefix), "/apis/%s/%s", segs[1], segs[2]);
        if (!field(rt->group, sizeof(rt->group), segs[1]) ||
            !field(rt->version, sizeof(rt->version), segs[2]) || pl < 0 ||
            (size_t)pl >= sizeof(rt->prefix))
            return -1;
        i = 3;
    } else {
        return -1;
    }
    if (n == i)
        return 0; /* the group version itself */
    if (strcmp(segs[i], "namespaces") != 0) {
        /* A cluster-scoped resource: /api/v1/RES[/NAME], /apis/G/V/RES[/NAME]. */
        rt->cluster = true;
        return n <= i + 2 && field(rt->res, sizeof(rt->res), segs[i]) &&
                       (n == i + 1 || field(rt->name, sizeof(rt->name), segs[i + 1]))
                   ? 0
                   : -1;
    }
    if (n == i + 1) {
        strcpy(rt->res, "namespaces");
        return 0;
    }
    if (n == i + 2) {
        strcpy(rt->res, "namespaces");
        return field(rt->name, sizeof(rt->name), segs[i + 1]) ? 0 : -1;
    }
    if (!field(rt->ns, sizeof(rt->ns), segs[i + 1]) ||
        !field(rt->res, sizeof(rt->res), segs[i + 2]) ||
        (n > i + 3 && !field(rt->name, sizeof(rt->name), segs[i + 3])) ||
        (n > i + 4 && !field(rt->sub, sizeof(rt->sub), segs[i + 4])))
        return -1;
    return 0;
}

/* The subject's common name of a verified client certificate, into cn; false without one. */
static bool client_cert(SSL *ssl, char *cn, size_t len)
{
    X509 *peer = SSL_get1_peer_certificate(ssl);
    bool ok = peer != NULL && SSL_get_verify_result(ssl) == X509_V_OK;
    cn[0] = '\0';
    if (ok &&
        X509_NAME_get_text_by_NID(X509_get_subject_name(peer), NID_commonName, cn, (int)len) < 0)
        cn[0] = '\0'; /* verified, without a common name */
    X509_free(peer);
    return ok;
}

/* "Basic BASE64(user:pass)" against the accepted user. */
static bool basic_ok(const struct sc_kube_double *d, const char *b64)
{
    unsigned char dec[512];
    char want[512];
    int n;

    if (strlen(b64) > 4 * ((sizeof(dec) - 1) / 3))
        return false; /* longer than any credential the double accepts */
    n = EVP_DecodeBlock(dec, (const unsigned char *)b64, (int)strlen(b64));
    if (n <= 0)
        return false;
    snprintf(want, sizeof(want), "%s:%s", d->basic_user, d->basic_pass ? d->basic_pass : "");
    while (n > 0 && dec[n - 1] == '\0')
        n--;
    dec[n] = '\0';
    return strcmp((char *)dec, want) == 0;
}

static bool authenticated(struct sc_kube_double *d, SSL *ssl, const struct dbl_req *q)
{
    char cn[64];
    if (client_cert(ssl, cn, sizeof(cn))) {
        snprintf(d->last_auth, sizeof(d->last_auth), "cert:%s", cn);
        return true;
    }
    if (d->token && strncmp(q->auth, "Bearer ", 7) == 0 && strcmp(q->auth + 7, d->token) == 0) {
        snprintf(d->last_auth, sizeof(d->last_auth), "token");
        return true;
    }
    if (d->basic_user && strncmp(q->auth, "Basic ", 6) == 0 && basic_ok(d, q->auth + 6)) {
        snprintf(d->last_auth, sizeof(d->last_auth), "basic:%s", d->basic_user);
        return true;
    }
    if (d->o.anonymous && q->auth[0] == '\0') {
        snprintf(d->last_auth, sizeof(d->last_auth), "anonymous");
        return true;
    }
    snprintf(d->last_auth, sizeof(d->last_auth), "rejected");
    return false;
}

/* What every request leaves behind: counted, matched against hooks, its headers kept. */
static void observe(struct sc_kube_double *d, const struct dbl_req *q, struct dbl_resp *r)
{
    struct dbl_seen *s = calloc(1, sizeof(*s));
    if (s == NULL)
        abort();
    s->method = sc_dbl_strdup(q->method);
    s->path = sc_dbl_strdup(q->path);
    s->next = d->seen;
    d->seen = s;
    for (struct dbl_hook *h = d->hooks; h; h = h->next) {
        if ((h->method && strcmp(h->method, q->method) != 0) ||
            fnmatch(h->pattern, q->path, FNM_PATHNAME) != 0 || ++h->matched != h->nth ||
            r->hook_fn != NULL) /* every hook counts; one runs per request */
            continue;
        r->hook_fn = h->fn;
        r->hook_arg = h->arg;
    }
    snprintf(d->last_ua, sizeof(d->last_ua), "%s", q->ua);
    snprintf(d->last_ctype, sizeof(d->last_ctype), "%s", q->ctype);
}

/* An injected fault due on q: true when r is its whole answer (a slow or cut answer is still
 * handled, so false). */
static bool injected(struct sc_kube_double *d, const struct dbl_req *q, struct dbl_resp *r)
{
    for (struct dbl_fault *f = d->faults; f; f = f->next) {
        if (f->count == 0 || (f->method && strcmp(f->method, q->method) != 0) ||
            strncmp(q->path, f->prefix, strlen(f->prefix)) != 0)
            continue;
        f->count--;
        if (f->status == -3) {
            /* Slow: answer normally, late. */
            r->stall_ms = (unsigned)f->retry_after;
            return false;
        } else if (f->status == -2) {
            r->drop_midway = true;
            return false;
        } else if (f->status < 0) {
            r->drop = true;
        } else {
            sc_dbl_status(r, f->status, sc_dbl_status_reason(f->status),
                          f->status == 429 ? "the server has received too many requests and has "
                                             "asked us to try again later"
                                           : "injected failure");
            r->retry_after = f->retry_after;
        }
        return true;
    }
    return false;
}

/* An authenticated request, to its handler (under the lock). */
static void route(struct sc_kube_double *d, const struct dbl_req *q, struct dbl_resp *r,
                  struct dbl_forward *fw)
{
    struct dbl_route rt;
    const char *kind;

    if (strcmp(q->path, "/apis") == 0 && strcmp(q->method, "GET") == 0) {
        sc_dbl_apis(d, r);
        return;
    }
    if (strcmp(q->path, "/version") == 0) {
        r->status = 200;
        r->body =
            sc_dbl_strdup("{\"major\":\"1\",\"minor\":\"29\",\"gitVersion\":\"v1.29.0-double\"}");
        r->ctype = "application/json";
        return;
    }
    if (strcmp(q->path, "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/"
                        "httproutegroups.specs.smi-spec.io") == 0 &&
        strcmp(q->method, "GET") == 0 && d->o.crd_headers != NULL && d->o.served[1] != NULL) {
        char crd[700];
        snprintf(crd, sizeof(crd),
                 "{\"kind\":\"CustomResourceDefinition\",\"spec\":{\"group\":"
                 "\"specs.smi-spec.io\",\"versions\":[{\"name\":\"%s\",\"served\":true,"
                 "\"schema\":{\"openAPIV3Schema\":{\"properties\":{\"spec\":{\"properties\":"
                 "{\"matches\":{\"items\":{\"properties\":{\"headers\":{\"type\":\"%s\"}}}}"
                 "}}}}}}]}}",
                 d->o.served[1], d->o.crd_headers);
        r->status = 200;
        r->body = sc_dbl_strdup(crd);
        r->ctype = "application/json";
        return;
    }
    if (strcmp(q->path, "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews") == 0) {
        sc_dbl_ssar(d, q, r);
        return;
    }
    if (parse_route(q->path, &rt) != 0) {
        sc_dbl_status(r, 404, "NotFound", "the server could not find the requested resource");
        return;
    }
    if (strcmp(rt.group, "metrics.smi-spec.io") == 0) {
        if (rt.nseg == 3)
            sc_dbl_group_version(d, &rt, r);
        else
            sc_dbl_metrics(d, &rt, r);
        return;
    }
    if (rt.res[0] == '\0' && rt.group[0] != '\0') {
        sc_dbl_group_version(d, &rt, r);
        return;
    }
    kind = kind_of(d, &rt);
    if (kind == NULL)
        sc_dbl_status(r, 404, "NotFound", "the server could not find the requested resource");
    else if (strcmp(rt.res, "pods") == 0 && rt.sub[0])
        sc_dbl_pod_sub(d, q, &rt, r, fw);
    else if (strcmp(q->method, "GET") == 0)
        sc_dbl_get(d, &rt, q, kind, r);
    else if (strcmp(q->method, "PATCH") == 0 && rt.name[0])
        sc_dbl_write(d, q, &rt, kind, true, r);
    else if (strcmp(q->method, "POST") == 0 && !rt.name[0])
        sc_dbl_write(d, q, &rt, kind, false, r);
    else if (strcmp(q->method, "DELETE") == 0)
        sc_dbl_delete(d, &rt, r);
    else
        sc_dbl_status(r, 405, "MethodNotAllowed", "the server does not allow this method");
}

void sc_dbl_dispatch(struct sc_kube_double *d, SSL *ssl, const struct dbl_req *q,
                     struct dbl_resp *r)
{
    struct dbl_forward fw = {"127.0.0.1", 0, "", NULL};
    bool done;

    SC_ASSERT_OK(pthread_mutex_lock(&d->mu));
    observe(d, q, r);
    done = injected(d, q, r);
    if (!done && !authenticated(d, ssl, q))
        sc_dbl_status(r, 401, "Unauthorized", "Unauthorized");
    else if (!done && sc_dbl_authorize(d, q, r))
        route(d, q, r, &fw);
    SC_ASSERT_OK(pthread_mutex_unlock(&d->mu));
    if (fw.port > 0)
        sc_dbl_forward(&fw, q, r);
    free(fw.plan);
}
