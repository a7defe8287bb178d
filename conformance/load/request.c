/* request.c - what the load engine sends and where: options checked, the request bytes built
 * once, the target (or proxy) resolved and checked reachable before the run. */
#include <math.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "load/engine_int.h"
#include "load/tls.h"

#define PREFLIGHT_MAX_NS 5000000000ull

void sc_load_opts_init(struct sc_load_opts *o)
{
    memset(o, 0, sizeof(*o));
    o->method = "GET";
    o->connections = 10;
    o->threads = 1;
    o->pipeline = 1;
    o->max_streams = 1;
    o->timeout_ns = 10000000000ull;
    o->identity_header = "x-smi-pod";
}

static int validate_urls(const struct sc_load_opts *o, struct sc_err *err)
{
    struct sc_url u;
    int rc;

    rc = sc_url_parse(o->url, &u, err);
    if (rc != 0)
        return rc;
    sc_url_release(&u);
    if (o->proxy == NULL)
        return 0;
    if (sc_url_parse(o->proxy, &u, err) != 0)
        return sc_err_prefix(err, "invalid proxy");
    rc = u.tls ? sc_err_set(err, SC_EINVAL,
                            "invalid proxy '%s': only http:// proxies are supported", o->proxy)
               : 0;
    sc_url_release(&u);
    return rc;
}

static int validate_headers(const struct sc_load_opts *o, struct sc_err *err)
{
    for (size_t i = 0; i < o->nheaders; i++) {
        const char *h = o->headers[i], *colon = strchr(h, ':');
        if (colon == NULL || colon == h || strpbrk(h, "\r\n") != NULL) {
            return sc_err_set(err, SC_EINVAL, "invalid header '%s': expected 'Name: value'", h);
        }
        for (const char *p = h; p < colon; p++)
            if (!sc_is_token((char[]){*p, '\0'}))
                return sc_err_set(err, SC_EINVAL, "invalid header name in '%s'", h);
    }
    if (o->identity_header != NULL && strlen(o->identity_header) > SC_RESP_FIELD_MAX)
        return sc_err_set(err, SC_EINVAL, "identity header name longer than %d characters",
                          SC_RESP_FIELD_MAX);
    return 0;
}

/* HTTP/2 and gRPC options: streams bounded, no pipelining, "SERVICE/METHOD". */
static int validate_h2(const struct sc_load_opts *o, struct sc_err *err)
{
    const char *slash;

    if (o->max_streams == 0 || o->max_streams > SC_LOAD_MAX_STREAMS)
        return sc_err_set(err, SC_EINVAL, "max streams must be between 1 and %d, not %u",
                          SC_LOAD_MAX_STREAMS, o->max_streams);
    if (!o->h2 && o->grpc == NULL) {
        if (o->max_streams > 1)
            return sc_err_set(err, SC_EINVAL, "max streams %u needs HTTP/2 (--h2)", o->max_streams);
        return 0;
    }
    if (o->pipeline > 1)
        return sc_err_set(err, SC_EINVAL,
                          "pipelining is HTTP/1.1 only: with HTTP/2 use max streams instead");
    if (o->grpc == NULL)
        return 0;
    slash = strchr(o->grpc, '/');
    if (slash == NULL || slash == o->grpc || slash[1] == '\0' || strchr(slash + 1, '/') != NULL ||
        strpbrk(o->grpc, " \t\r\n?#") != NULL)
        return sc_err_set(err, SC_EINVAL, "invalid gRPC method '%s': expected SERVICE/METHOD",
                          o->grpc);
    return 0;
}

int sc_load_validate(const struct sc_load_opts *o, struct sc_err *err)
{
    int rc = validate_urls(o, err);

    if (rc != 0)
        return rc;
    if (o->method != NULL && strlen(o->method) > SC_LOAD_MAX_METHOD)
        return sc_err_set(err, SC_EINVAL, "method of %zu bytes: at most %d (an HTTP token)",
                          strlen(o->method), SC_LOAD_MAX_METHOD);
    if (o->method == NULL || !sc_is_token(o->method))
        return sc_err_set(err, SC_EINVAL, "invalid method '%s'", o->method ? o->method : "");
    if (o->connections == 0 || o->connections > SC_LOAD_MAX_CONNECTIONS)
        return sc_err_set(err, SC_EINVAL, "connections must be between 1 and %d, not %u",
                          SC_LOAD_MAX_CONNECTIONS, o->connections);
    if (o->threads == 0 || o->threads > SC_LOAD_MAX_THREADS)
        return sc_err_set(err, SC_EINVAL, "threads must be between 1 and %d, not %u",
                          SC_LOAD_MAX_THREADS, o->threads);
    if (o->pipeline == 0 || o->pipeline > SC_LOAD_MAX_PIPELINE)
        return sc_err_set(err, SC_EINVAL, "pipeline depth must be between 1 and %d, not %u",
                          SC_LOAD_MAX_PIPELINE, o->pipeline);
    if (o->duration_ns == 0 && o->requests == 0)
        return sc_err_set(err, SC_EINVAL,
                          "the run is unbounded: give a duration or a request "
                          "count");
    if (!isfinite(o->rate) || o->rate < 0)
        return sc_err_set(err, SC_EINVAL, "invalid rate %g: must be a non-negative number",
                          o->rate);
    if (o->rate > 1e8)
        return sc_err_set(err, SC_EINVAL, "rate %g req/s is beyond any loopback: at most 1e8",
                          o->rate);
    if (o->timeout_ns == 0)
        return sc_err_set(err, SC_EINVAL, "timeout must be greater than zero");
    rc = validate_h2(o, err);
    if (rc != 0)
        return rc;
    return validate_headers(o, err);
}

static bool has_header(const struct sc_load_opts *o, const char *name)
{
    size_t n = strlen(name);
    for (size_t i = 0; i < o->nheaders; i++)
        if (strlen(o->headers[i]) > n && o->headers[i][n] == ':' &&
            sc_ascii_ieq(o->headers[i], name, n))
            return true;
    return false;
}

/* The CONNECT request that opens a tunnel to an https target through the proxy. */
static char *build_tunnel(const struct sc_url *u)
{
    size_t n = (strlen(u->host) + strlen(u->port)) * 2 + 64;
    bool v6 = strchr(u->host, ':') != NULL;
    char *tunnel = sc_xcalloc(1, n);

    snprintf(tunnel, n, "CONNECT %s%s%s:%s HTTP/1.1\r\nHost: %s%s%s:%s\r\n\r\n", v6 ? "[" : "",
             u->host, v6 ? "]" : "", u->port, v6 ? "[" : "", u->host, v6 ? "]" : "", u->port);
    return tunnel;
}

static void build_request(struct engine *e)
{
    const struct sc_load_opts *o = e->o;
    /* The fixed text (request line, Host, User-Agent, Content-Length, blank line) fits in
     * 512 bytes besides the method, path, authority (written twice at most) and body. */
    size_t cap =
        512 + strlen(o->method) + strlen(e->url.path) + strlen(e->url.authority) * 2 + o->body_len;
    char *r, *p;
    bool body = o->body != NULL || strcmp(o->method, "POST") == 0 ||
                strcmp(o->method, "PUT") == 0 || strcmp(o->method, "PATCH") == 0;

    for (size_t i = 0; i < o->nheaders; i++)
        cap += strlen(o->headers[i]) + 2;
    r = p = sc_xcalloc(1, cap);
    if (o->proxy != NULL && !e->url.tls)
        p += sprintf(p, "%s http://%s%s HTTP/1.1\r\n", o->method, e->url.authority, e->url.path);
    else
        p += sprintf(p, "%s %s HTTP/1.1\r\n", o->method, e->url.path);
    if (!has_header(o, "Host"))
        p += sprintf(p, "Host: %s\r\n", e->url.authority);
    if (!has_header(o, "User-Agent"))
        p += sprintf(p, "User-Agent: smi-conformance/%s\r\n", SC_VERSION);
    for (size_t i = 0; i < o->nheaders; i++)
        p += sprintf(p, "%s\r\n", o->headers[i]);
    if (body && !has_header(o, "Content-Length"))
        p += sprintf(p, "Content-Length: %zu\r\n", o->body_len);
    p += sprintf(p, "\r\n");
    if (o->body_len > 0) {
        memcpy(p, o->body, o->body_len);
        p += o->body_len;
    }
    e->req_len = (size_t)(p - r);
    e->reqs = sc_xcalloc(e->pipeline, e->req_len);
    for (unsigned i = 0; i < e->pipeline; i++)
        memcpy(e->reqs + i * e->req_len, r, e->req_len);
    free(r);
    if (o->proxy != NULL && e->url.tls)
        e->tunnel = build_tunnel(&e->url);
}

static int resolve(const char *host, const char *port, struct sockaddr_storage *ss, socklen_t *len,
                   struct sc_err *err)
{
    struct addrinfo hints, *ai = NULL;
    int rc;

    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    rc = getaddrinfo(host, port, &hints, &ai);
    if (rc != 0)
        return sc_err_set(err, SC_ECONNECT, "cannot resolve host '%s': %s", host, gai_strerror(rc));
    memcpy(ss, ai->ai_addr, ai->ai_addrlen);
    *len = ai->ai_addrlen;
    freeaddrinfo(ai);
    return 0;
}

/* Resolve where the connections go (the proxy when there is one); *what names it for
 * messages ("proxy host:port" or "host:port"), the caller's to free. */
static int resolve_peer(struct engine *e, char **what, struct sc_err *err)
{
    const struct sc_load_opts *o = e->o;
    struct sc_url proxy;
    const struct sc_url *peer = &e->url;
    size_t n;
    int rc;

    *what = NULL;
    if (o->proxy != NULL) {
        rc = sc_url_parse(o->proxy, &proxy, err);
        if (rc != 0)
            return rc;
        peer = &proxy;
    }
    rc = resolve(peer->host, peer->port, &e->addr, &e->addrlen, err);
    if (rc == 0) {
        n = strlen(peer->authority) + sizeof("proxy ");
        *what = sc_xcalloc(1, n);
        snprintf(*what, n, "%s%s", peer == &e->url ? "" : "proxy ", peer->authority);
    }
    if (peer != &e->url)
        sc_url_release(&proxy);
    return rc;
}

int sc_load_engine_prepare(struct engine *e, const struct sc_load_opts *o, struct sc_err *err)
{
    char *what = NULL;
    int rc;

    memset(e, 0, sizeof(*e));
    e->o = o;
    e->h2 = o->h2 || o->grpc != NULL;
    /* With HTTP/2 the per-connection tables hold max_streams entries instead. */
    e->pipeline = e->h2 ? o->max_streams : o->pipeline;
    e->timeout_ns = o->timeout_ns;
    rc = sc_url_parse(o->url, &e->url, err);
    if (rc != 0)
        return rc;
    e->head = strcmp(o->method, "HEAD") == 0;
    e->identity_on = o->identity_header != NULL && o->identity_header[0] != '\0';
    rc = resolve_peer(e, &what, err);
    if (rc != 0)
        return rc;
    if (e->url.tls) {
        e->ssl_ctx = sc_tls_client_ctx(o->cafile, o->insecure, err);
        if (e->ssl_ctx == NULL) {
            rc = err ? err->code : SC_EINVAL;
            goto out_free_what;
        }
        if (e->h2) {
            rc = sc_tls_offer_h2(e->ssl_ctx, err);
            if (rc != 0)
                goto out_free_what;
        }
    }
    if (e->h2) {
        sc_load_h2_prepare(e);
        if (o->proxy != NULL && e->url.tls)
            e->tunnel = build_tunnel(&e->url);
    } else {
        build_request(e);
    }
    if (!o->no_preflight) {
        uint64_t pt = o->timeout_ns < PREFLIGHT_MAX_NS ? o->timeout_ns : PREFLIGHT_MAX_NS;
        rc = sc_net_preflight((struct sockaddr *)&e->addr, e->addrlen, what, e->tunnel, e->ssl_ctx,
                              e->url.host, o->insecure, e->h2, pt, err);
    }
out_free_what:
    free(what);
    return rc;
}

void sc_load_engine_release(struct engine *e)
{
    if (e->ssl_ctx != NULL)
        SSL_CTX_free(e->ssl_ctx);
    free(e->reqs);
    free(e->tunnel);
    sc_load_h2_engine_release(e);
    sc_url_release(&e->url);
}
