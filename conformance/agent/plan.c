/* plan.c - the agent's traffic plan: written as JSON by the runner, read and checked by the agent.
 */
#include "agent/plan.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "http/url.h"

#define HTTP_TIMEOUT_NS  10000000000ull /* the defaults when a plan names no timeout */
#define PROBE_TIMEOUT_NS 2000000000ull
#define UDP_PAYLOAD_MAX  60000 /* one datagram, with room for the tag and the identity line */

const char *sc_agent_proto_name(enum sc_agent_proto p)
{
    switch (p) {
    case SC_AGENT_TCP:
        return "tcp";
    case SC_AGENT_UDP:
        return "udp";
    default:
        return "http";
    }
}

void sc_agent_plan_limits_init(struct sc_agent_plan_limits *l)
{
    l->max_requests = 10000000;
    l->max_attempts = 10000;
    l->max_duration_ns = 600ull * 1000000000ull;
    l->max_timeout_ns = 60ull * 1000000000ull;
    l->max_rate = 1e6;
    l->max_connections = 1000;
    l->max_threads = 16;
    l->max_streams = 1000;
    l->max_body = 1 << 20;
    l->max_headers = 64;
}

void sc_agent_plan_release(struct sc_agent_plan *p)
{
    free(p->id);
    free(p->target);
    free(p->url);
    free(p->host);
    free(p->port);
    free(p->method);
    for (size_t i = 0; i < p->nheaders; i++)
        free(p->headers[i]);
    free(p->headers);
    free(p->body);
    free(p->proxy);
    free(p->identity_header);
    free(p->relay_host);
    free(p->relay_port);
    free(p->payload);
    free(p->grpc);
    memset(p, 0, sizeof(*p));
}

/* ---- reading ------------------------------------------------------------------------- */

static const char *const known[] = {
    "id",       "protocol", "target",   "path",           "method",      "headers",
    "body",     "requests", "duration", "rate",           "connections", "threads",
    "pipeline", "timeout",  "proxy",    "identityHeader", "insecure",    "relay",
    "payload",  "timeline", "http2",    "maxStreams",     "grpc",
};

/* What every step of the reading shares. */
struct rd {
    const cJSON *root;
    const struct sc_agent_plan_limits *lim;
    struct sc_agent_plan *p;
    char *field; /* SC_AGENT_PLAN_FIELD_MAX bytes */
    struct sc_err *err;
};

/* Every failure names its field: the agent answers 400 with it. */
static int bad(struct rd *r, const char *fname, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int bad(struct rd *r, const char *fname, const char *fmt, ...)
{
    char msg[400];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    snprintf(r->field, SC_AGENT_PLAN_FIELD_MAX, "%s", fname);
    return sc_err_set(r->err, SC_EINVAL, "invalid plan: field '%s': %s", fname, msg);
}

static bool has_ctl(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 && *s != '\t')
            return true;
    return false;
}

/* "host:port" or "[v6]:port" with a port 1..65535; allocates both parts. */
static int split_hostport(const char *s, char **host, char **port)
{
    const char *colon, *h = s;
    size_t hl;
    char *end;
    long v;

    if (*s == '[') {
        const char *rb = strchr(s, ']');
        if (rb == NULL || rb[1] != ':')
            return -1;
        h = s + 1;
        hl = (size_t)(rb - h);
        colon = rb + 1;
    } else {
        colon = strrchr(s, ':');
        if (colon == NULL || memchr(s, ':', (size_t)(colon - s)) != NULL)
            return -1;
        hl = (size_t)(colon - s);
    }
    if (hl == 0 || hl > 253 || colon[1] == '\0')
        return -1;
    v = strtol(colon + 1, &end, 10);
    if (*end != '\0' || v < 1 || v > 65535 || colon[1] == '+' || colon[1] == '-')
        return -1;
    for (size_t i = 0; i < hl; i++)
        if ((unsigned char)h[i] <= 0x20 || h[i] == '/' || h[i] == '@')
            return -1;
    *host = strndup(h, hl);
    if (*host == NULL)
        abort();
    *port = sc_xstrdup(colon + 1);
    return 0;
}

/* A whole number in [min, max] (JSON has only doubles). */
static bool get_uint(const cJSON *v, uint64_t min, uint64_t max, uint64_t *out)
{
    double d;

    if (!cJSON_IsNumber(v))
        return false;
    d = v->valuedouble;
    if (!isfinite(d) || d != floor(d) || d < (double)min || d > (double)max)
        return false;
    *out = (uint64_t)d;
    return true;
}

/* A duration as a string ("250ms") or a number of seconds, in (0, max]. */
static bool get_duration(const cJSON *v, uint64_t max, uint64_t *out)
{
    struct sc_err e;

    sc_err_init(&e);
    if (cJSON_IsString(v)) {
        if (sc_parse_duration_ns(v->valuestring, out, &e) != 0)
            return false;
    } else if (cJSON_IsNumber(v) && isfinite(v->valuedouble) && v->valuedouble >= 0 &&
               v->valuedouble <= 86400) {
        *out = (uint64_t)(v->valuedouble * 1e9);
    } else {
        return false;
    }
    return *out > 0 && *out <= max;
}

static const cJSON *item(const struct rd *r, const char *name)
{
    return cJSON_GetObjectItemCaseSensitive(r->root, name);
}

/* The string `name`, NULL when absent or null; *bad when it is something else. */
static const char *opt_string(const struct rd *r, const char *name, bool *is_bad)
{
    const cJSON *v = item(r, name);

    *is_bad = false;
    if (v == NULL || cJSON_IsNull(v))
        return NULL;
    if (!cJSON_IsString(v)) {
        *is_bad = true;
        return NULL;
    }
    return v->valuestring;
}

static int read_root(struct rd *r, const char *json, size_t len, cJSON **root)
{
    const char *parse_end = NULL;
    const cJSON *v;

    *root = NULL;
    if (sc_json_has_nul(json, len))
        return sc_err_set(r->err, SC_EINVAL, "invalid plan: a string holds a NUL character");
    *root = cJSON_ParseWithLengthOpts(json, len, &parse_end, false);
    if (*root == NULL)
        return sc_err_set(r->err, SC_EINVAL, "invalid plan: not valid JSON near byte %zu",
                          parse_end != NULL && parse_end >= json ? (size_t)(parse_end - json)
                                                                 : (size_t)0);
    r->root = *root;
    if (!cJSON_IsObject(*root))
        return sc_err_set(r->err, SC_EINVAL, "invalid plan: expected a JSON object");
    cJSON_ArrayForEach(v, *root)
    {
        bool ok = false;
        for (size_t i = 0; i < sizeof(known) / sizeof(known[0]) && !ok; i++)
            ok = strcmp(v->string, known[i]) == 0;
        if (!ok) {
            snprintf(r->field, SC_AGENT_PLAN_FIELD_MAX, "%.63s", v->string);
            return sc_err_set(r->err, SC_EINVAL, "invalid plan: unknown field '%.64s'", v->string);
        }
    }
    return 0;
}

/* The runner's name for the plan: a short token, so the agent can keep it and log it. */
static bool id_ok(const char *s)
{
    size_t n = strlen(s);

    if (n == 0 || n > SC_AGENT_PLAN_ID_MAX)
        return false;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
              *s == '-' || *s == '.' || *s == '_'))
            return false;
    return true;
}

static int read_id(struct rd *r)
{
    bool is_bad;
    const char *s = opt_string(r, "id", &is_bad);

    if (is_bad || (s != NULL && !id_ok(s)))
        return bad(r, "id",
                   "expected 1 to %d letters, digits, '-', '.' or '_' (the runner's name for "
                   "the plan)",
                   SC_AGENT_PLAN_ID_MAX);
    r->p->id = s != NULL ? sc_xstrdup(s) : NULL;
    return 0;
}

static int read_protocol(struct rd *r)
{
    bool is_bad;
    const char *s = opt_string(r, "protocol", &is_bad);

    if (is_bad)
        return bad(r, "protocol", "expected a string: http, tcp or udp");
    if (s == NULL || strcmp(s, "http") == 0)
        r->p->proto = SC_AGENT_HTTP;
    else if (strcmp(s, "tcp") == 0)
        r->p->proto = SC_AGENT_TCP;
    else if (strcmp(s, "udp") == 0)
        r->p->proto = SC_AGENT_UDP;
    else
        return bad(r, "protocol", "unknown protocol: expected http, tcp or udp");
    return 0;
}

/* http: the URL the engine is given, from a URL target or host:port plus path. */
static int read_http_target(struct rd *r, const char *s, const char *path)
{
    struct sc_agent_plan *p = r->p;
    bool is_url = strncmp(s, "http://", 7) == 0 || strncmp(s, "https://", 8) == 0;
    struct sc_url url;
    struct sc_err uerr;

    if (is_url && path != NULL)
        return bad(r, "path", "not allowed when target is a URL: put the path in the URL");
    if (is_url) {
        p->url = sc_xstrdup(s);
    } else {
        size_t n;
        if (split_hostport(s, &p->host, &p->port) != 0)
            return bad(r, "target", "expected a URL (http://host:port/path) or host:port");
        n = strlen(s) + (path != NULL ? strlen(path) : 1) + 8;
        p->url = sc_xcalloc(1, n);
        snprintf(p->url, n, "http://%s%s", s, path != NULL ? path : "/");
    }
    sc_err_init(&uerr);
    if (sc_url_parse(p->url, &url, &uerr) != 0)
        return bad(r, "target", "%s", uerr.msg);
    sc_url_release(&url);
    return 0;
}

static int read_target(struct rd *r)
{
    bool is_bad;
    const char *s = opt_string(r, "target", &is_bad), *path;

    if (is_bad || s == NULL || *s == '\0')
        return bad(r, "target", "required: a URL (http) or host:port");
    if (strlen(s) > 2048 || has_ctl(s))
        return bad(r, "target", "too long or has control characters");
    r->p->target = sc_xstrdup(s);
    path = opt_string(r, "path", &is_bad);
    if (is_bad || (path != NULL && (path[0] != '/' || has_ctl(path) || strchr(path, ' ') != NULL ||
                                    strlen(path) > 2048)))
        return bad(r, "path", "expected a string starting with '/' without spaces");
    if (r->p->proto == SC_AGENT_HTTP)
        return read_http_target(r, s, path);
    if (path != NULL)
        return bad(r, "path", "only for http plans");
    if (split_hostport(s, &r->p->host, &r->p->port) != 0)
        return bad(r, "target", "expected host:port for a tcp or udp plan");
    return 0;
}

static void add_header(struct sc_agent_plan *p, const char *name, const char *value)
{
    size_t n = strlen(name) + strlen(value) + 3;
    char *line = sc_xcalloc(1, n);

    snprintf(line, n, "%s: %s", name, value);
    p->headers[p->nheaders++] = line;
}

/* One header as given: an object member (name: value) or an array item ("Name: value"). */
static int read_header(struct rd *r, bool object, const cJSON *h)
{
    const char *colon;
    char name[128];

    if (object) {
        /* names as long as the written form ("Name: value", read below) allows */
        if (!cJSON_IsString(h) || !sc_is_token(h->string) || strlen(h->string) >= sizeof(name) ||
            has_ctl(h->valuestring) || strlen(h->valuestring) > 4096)
            return bad(r, "headers",
                       "expected an object of name: value strings (token names, values "
                       "without control characters)");
        add_header(r->p, h->string, h->valuestring);
        return 0;
    }
    if (!cJSON_IsString(h) || (colon = strchr(h->valuestring, ':')) == NULL ||
        (size_t)(colon - h->valuestring) >= sizeof(name) || has_ctl(h->valuestring))
        return bad(r, "headers", "expected \"Name: value\" strings");
    memcpy(name, h->valuestring, (size_t)(colon - h->valuestring));
    name[colon - h->valuestring] = '\0';
    if (!sc_is_token(name))
        return bad(r, "headers", "expected \"Name: value\" strings");
    r->p->headers[r->p->nheaders++] = sc_xstrdup(h->valuestring);
    return 0;
}

/* method, headers, body: http only. */
static int read_request(struct rd *r)
{
    struct sc_agent_plan *p = r->p;
    bool is_bad, http = p->proto == SC_AGENT_HTTP;
    const char *s = opt_string(r, "method", &is_bad);
    const cJSON *v, *h;
    int rc;

    if (is_bad || (s != NULL && (!sc_is_token(s) || strlen(s) > 32)))
        return bad(r, "method", "expected an HTTP method token such as GET");
    if (s != NULL && !http)
        return bad(r, "method", "only for http plans");
    p->method = sc_xstrdup(s != NULL ? s : "GET");

    v = item(r, "headers");
    if (v != NULL && !cJSON_IsNull(v)) {
        if (!http)
            return bad(r, "headers", "only for http plans");
        if (!cJSON_IsObject(v) && !cJSON_IsArray(v))
            return bad(r, "headers", "expected an object of name: value strings");
        if ((size_t)cJSON_GetArraySize(v) > r->lim->max_headers)
            return bad(r, "headers", "too many headers");
        p->headers = sc_xcalloc((size_t)cJSON_GetArraySize(v) + 1, sizeof(char *));
        cJSON_ArrayForEach(h, v)
        {
            if ((rc = read_header(r, cJSON_IsObject(v), h)) != 0)
                return rc;
        }
    }

    s = opt_string(r, "body", &is_bad);
    if (is_bad)
        return bad(r, "body", "expected a string");
    if (s != NULL) {
        if (!http)
            return bad(r, "body", "only for http plans: tcp and udp plans send 'payload'");
        if (strlen(s) > r->lim->max_body)
            return bad(r, "body", "larger than the agent's limit");
        p->body = sc_xstrdup(s);
        p->body_len = strlen(s);
    }
    return 0;
}

/* payload: tcp and udp only, "ping" by default. */
static int read_payload(struct rd *r)
{
    struct sc_agent_plan *p = r->p;
    bool is_bad;
    const char *s = opt_string(r, "payload", &is_bad);

    if (is_bad)
        return bad(r, "payload", "expected a string");
    if (s != NULL && p->proto == SC_AGENT_HTTP)
        return bad(r, "payload", "only for tcp and udp plans: http plans send 'body'");
    if (p->proto == SC_AGENT_HTTP)
        return 0;
    if (s == NULL)
        s = "ping";
    if (*s == '\0' || strlen(s) > (p->proto == SC_AGENT_UDP ? UDP_PAYLOAD_MAX : r->lim->max_body))
        return bad(r, "payload", "must be non-empty and within the size limit");
    p->payload = sc_xstrdup(s);
    p->payload_len = strlen(s);
    return 0;
}

/* requests, duration, rate: how much and how fast. */
static int read_bounds(struct rd *r)
{
    struct sc_agent_plan *p = r->p;
    bool http = p->proto == SC_AGENT_HTTP;
    uint64_t max_requests = http ? r->lim->max_requests : r->lim->max_attempts;
    const cJSON *v = item(r, "requests");

    if (v != NULL && !get_uint(v, 1, max_requests, &p->requests))
        return bad(r, "requests", "expected a whole number from 1 to the agent's limit (%llu)",
                   (unsigned long long)max_requests);
    v = item(r, "duration");
    if (v != NULL && !get_duration(v, r->lim->max_duration_ns, &p->duration_ns))
        return bad(r, "duration", "expected a duration such as \"10s\" up to %llus",
                   (unsigned long long)(r->lim->max_duration_ns / 1000000000ull));
    if (p->requests == 0 && p->duration_ns == 0)
        return bad(r, "requests", "a plan needs 'requests' or 'duration' (or both)");
    if (!http && p->requests == 0)
        return bad(r, "requests", "required for tcp and udp plans: the number of attempts");

    v = item(r, "rate");
    if (v != NULL && !cJSON_IsNull(v)) {
        if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble) || v->valuedouble < 0 ||
            v->valuedouble > r->lim->max_rate)
            return bad(r, "rate", "expected requests per second from 0 (closed loop) to %.0f",
                       r->lim->max_rate);
        p->rate = v->valuedouble;
        if (p->rate > 0 && p->rate < 0.1)
            return bad(r, "rate", "below 0.1 requests per second");
    }
    return 0;
}

/* connections, threads, pipeline, timeout: how the engine spreads the work. */
static int read_concurrency(struct rd *r)
{
    struct sc_agent_plan *p = r->p;
    bool http = p->proto == SC_AGENT_HTTP;
    const cJSON *v;
    uint64_t u;

    p->connections = 1;
    if ((v = item(r, "connections")) != NULL) {
        if (!get_uint(v, 1, r->lim->max_connections, &u))
            return bad(r, "connections", "expected a whole number from 1 to %u",
                       r->lim->max_connections);
        if (!http && u != 1)
            return bad(r, "connections", "tcp and udp plans make one attempt at a time: use 1");
        p->connections = (unsigned)u;
    }
    p->threads = 1;
    if ((v = item(r, "threads")) != NULL) {
        if (!get_uint(v, 1, r->lim->max_threads, &u) || u > p->connections)
            return bad(r, "threads",
                       "expected a whole number from 1 to %u and at most 'connections'",
                       r->lim->max_threads);
        p->threads = (unsigned)u;
    }
    if (p->rate > 0 && p->rate < p->threads)
        return bad(r, "rate", "lower than the number of threads");
    p->pipeline = 1;
    if ((v = item(r, "pipeline")) != NULL) {
        if (!get_uint(v, 1, 64, &u) || !http)
            return bad(r, "pipeline", "expected a whole number from 1 to 64 (http plans)");
        p->pipeline = (unsigned)u;
    }
    p->timeout_ns = http ? HTTP_TIMEOUT_NS : PROBE_TIMEOUT_NS;
    if (p->timeout_ns > r->lim->max_timeout_ns)
        p->timeout_ns = r->lim->max_timeout_ns;
    v = item(r, "timeout");
    if (v != NULL && !get_duration(v, r->lim->max_timeout_ns, &p->timeout_ns))
        return bad(r, "timeout", "expected a duration such as \"2s\" up to %llus",
                   (unsigned long long)(r->lim->max_timeout_ns / 1000000000ull));
    return 0;
}

/* proxy, relay, identityHeader, insecure: the way there and what to count. */
static int read_routing(struct rd *r)
{
    struct sc_agent_plan *p = r->p;
    bool is_bad;
    const char *s = opt_string(r, "proxy", &is_bad);
    const cJSON *v;

    if (is_bad)
        return bad(r, "proxy", "expected a string http://host:port");
    if (s != NULL) {
        struct sc_url url;
        struct sc_err uerr;
        if (p->proto == SC_AGENT_UDP)
            return bad(r, "proxy", "not for udp plans: use 'relay'");
        sc_err_init(&uerr);
        if (strncmp(s, "http://", 7) != 0 || sc_url_parse(s, &url, &uerr) != 0)
            return bad(r, "proxy", "expected http://host:port");
        sc_url_release(&url);
        p->proxy = sc_xstrdup(s);
    }
    s = opt_string(r, "relay", &is_bad);
    if (is_bad)
        return bad(r, "relay", "expected a string host:port");
    if (s != NULL) {
        if (p->proto != SC_AGENT_UDP)
            return bad(r, "relay", "only for udp plans");
        if (split_hostport(s, &p->relay_host, &p->relay_port) != 0)
            return bad(r, "relay", "expected host:port");
    }
    s = opt_string(r, "identityHeader", &is_bad);
    if (is_bad || (s != NULL && *s != '\0' && !sc_is_token(s)))
        return bad(r, "identityHeader", "expected a header name");
    p->identity_header = sc_xstrdup(s != NULL ? s : "x-smi-pod");
    v = item(r, "insecure");
    if (v != NULL && !cJSON_IsBool(v))
        return bad(r, "insecure", "expected true or false");
    p->insecure = cJSON_IsTrue(v);
    v = item(r, "timeline");
    if (v != NULL && (!cJSON_IsBool(v) || (cJSON_IsTrue(v) && p->proto != SC_AGENT_HTTP)))
        return bad(r, "timeline", "expected true or false (http plans only)");
    p->timeline = cJSON_IsTrue(v);
    return 0;
}

/* http2, maxStreams, grpc: HTTP/2 and gRPC (http plans only). A gRPC call is POST
 * /SERVICE/METHOD (grpc/grpc doc/PROTOCOL-HTTP2.md), so grpc implies http2 and POST. */
static int read_http2(struct rd *r)
{
    struct sc_agent_plan *p = r->p;
    bool http = p->proto == SC_AGENT_HTTP, is_bad;
    const cJSON *v = item(r, "http2");
    const char *s;
    uint64_t u;

    if (v != NULL && (!cJSON_IsBool(v) || (cJSON_IsTrue(v) && !http)))
        return bad(r, "http2", "expected true or false (http plans only)");
    p->http2 = cJSON_IsTrue(v);
    s = opt_string(r, "grpc", &is_bad);
    if (is_bad || (s != NULL && (!http || s[0] == '/' || strchr(s, '/') == NULL ||
                                 strchr(s, '/')[1] == '\0' || strchr(strchr(s, '/') + 1, '/'))))
        return bad(r, "grpc", "expected \"SERVICE/METHOD\" (http plans only)");
    if (s != NULL) {
        if (item(r, "method") != NULL && strcmp(p->method, "POST") != 0)
            return bad(r, "method", "a gRPC call is a POST");
        free(p->method);
        p->method = sc_xstrdup("POST");
        p->grpc = sc_xstrdup(s);
        p->http2 = true;
    }
    p->max_streams = 1;
    if ((v = item(r, "maxStreams")) != NULL) {
        if (!get_uint(v, 1, r->lim->max_streams, &u) || !p->http2)
            return bad(r, "maxStreams", "expected a whole number from 1 to %u (http2 plans)",
                       r->lim->max_streams);
        p->max_streams = (unsigned)u;
    }
    if (p->http2 && p->pipeline > 1)
        return bad(r, "pipeline", "HTTP/2 multiplexes streams: use maxStreams, not pipeline");
    return 0;
}

/* The engine's own checks, so that a plan accepted here is one the engine can start. */
static int check_engine(struct rd *r)
{
    struct sc_load_opts o;
    struct sc_err lerr;

    if (r->p->proto != SC_AGENT_HTTP)
        return 0;
    sc_err_init(&lerr);
    sc_agent_plan_load_opts(r->p, &o);
    if (sc_load_validate(&o, &lerr) != 0)
        return bad(r, "target", "%s", lerr.msg);
    return 0;
}

int sc_agent_plan_parse(const char *json, size_t len, const struct sc_agent_plan_limits *lim,
                        struct sc_agent_plan *p, char *field, struct sc_err *err)
{
    struct rd r = {.lim = lim, .p = p, .field = field, .err = err};
    cJSON *root = NULL;
    int rc;

    memset(p, 0, sizeof(*p));
    field[0] = '\0';
    rc = read_root(&r, json, len, &root);
    if (rc == 0)
        rc = read_id(&r);
    if (rc == 0)
        rc = read_protocol(&r);
    if (rc == 0)
        rc = read_target(&r);
    if (rc == 0)
        rc = read_request(&r);
    if (rc == 0)
        rc = read_payload(&r);
    if (rc == 0)
        rc = read_bounds(&r);
    if (rc == 0)
        rc = read_concurrency(&r);
    if (rc == 0)
        rc = read_routing(&r);
    if (rc == 0)
        rc = read_http2(&r);
    if (rc == 0)
        rc = check_engine(&r);
    cJSON_Delete(root);
    if (rc != 0)
        sc_agent_plan_release(p);
    return rc;
}

void sc_agent_plan_load_opts(const struct sc_agent_plan *p, struct sc_load_opts *o)
{
    sc_load_opts_init(o);
    o->url = p->url;
    o->method = p->method;
    o->headers = (const char *const *)p->headers;
    o->nheaders = p->nheaders;
    o->body = p->body;
    o->body_len = p->body_len;
    o->connections = p->connections;
    o->threads = p->threads;
    o->pipeline = p->pipeline;
    o->duration_ns = p->duration_ns;
    o->requests = p->requests;
    o->rate = p->rate;
    o->timeout_ns = p->timeout_ns;
    o->proxy = p->proxy;
    o->insecure = p->insecure;
    o->timeline = p->timeline;
    o->h2 = p->http2;
    o->max_streams = p->max_streams ? p->max_streams : 1;
    o->grpc = p->grpc;
    o->identity_header = p->identity_header;
    /* an unreachable target is a result (a mesh may refuse it), not a failed plan */
    o->no_preflight = true;
}
