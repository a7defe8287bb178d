/* plan_write.c - the agent's traffic plan written as JSON (the runner's side), and copied. */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/plan.h"
#include "base/util.h"

/* ---- writing ------------------------------------------------------------------------- */

static void *must(void *v)
{
    if (v == NULL)
        abort();
    return v;
}

/* A duration in the coarsest unit that keeps it exact ("10s", "250ms", "1.500us"). */
static void put_duration(cJSON *j, const char *name, uint64_t ns)
{
    char s[48];

    if (ns % 1000000000ull == 0)
        snprintf(s, sizeof(s), "%llus", (unsigned long long)(ns / 1000000000ull));
    else if (ns % 1000000ull == 0)
        snprintf(s, sizeof(s), "%llums", (unsigned long long)(ns / 1000000ull));
    else
        snprintf(s, sizeof(s), "%llu.%03lluus", (unsigned long long)(ns / 1000ull),
                 (unsigned long long)(ns % 1000ull));
    must(cJSON_AddStringToObject(j, name, s));
}

static void put_string(cJSON *j, const char *name, const char *s)
{
    if (s != NULL)
        must(cJSON_AddStringToObject(j, name, s));
}

static void put_uint(cJSON *j, const char *name, uint64_t v)
{
    if (v != 0)
        must(cJSON_AddNumberToObject(j, name, (double)v));
}

/* An http plan's target: the URL, or host:port with the path the URL adds to it. */
static void put_http_target(cJSON *j, const struct sc_agent_plan *p)
{
    const char *t = p->target != NULL ? p->target : p->url;
    size_t tl;

    put_string(j, "target", t);
    if (t == NULL || p->url == NULL || t == p->url || strncmp(t, "http://", 7) == 0 ||
        strncmp(t, "https://", 8) == 0)
        return;
    tl = strlen(t);
    if (strncmp(p->url, "http://", 7) == 0 && strncmp(p->url + 7, t, tl) == 0 &&
        p->url[7 + tl] == '/' && strcmp(p->url + 7 + tl, "/") != 0)
        put_string(j, "path", p->url + 7 + tl);
}

static void put_request(cJSON *j, const struct sc_agent_plan *p)
{
    put_string(j, "method", p->method);
    if (p->nheaders > 0) {
        cJSON *h = must(cJSON_AddArrayToObject(j, "headers"));
        for (size_t i = 0; i < p->nheaders; i++)
            if (!cJSON_AddItemToArray(h, must(cJSON_CreateString(p->headers[i]))))
                abort();
    }
    put_string(j, "body", p->body);
}

char *sc_agent_plan_to_json(const struct sc_agent_plan *p)
{
    cJSON *j = must(cJSON_CreateObject());
    char *s;

    put_string(j, "id", p->id);
    put_string(j, "protocol", sc_agent_proto_name(p->proto));
    if (p->proto == SC_AGENT_HTTP) {
        put_http_target(j, p);
        put_request(j, p);
    } else {
        put_string(j, "target", p->target);
    }
    put_uint(j, "requests", p->requests);
    if (p->duration_ns != 0)
        put_duration(j, "duration", p->duration_ns);
    if (p->rate > 0)
        must(cJSON_AddNumberToObject(j, "rate", p->rate));
    put_uint(j, "connections", p->connections);
    put_uint(j, "threads", p->threads);
    if (p->proto == SC_AGENT_HTTP) /* tcp/udp plans refuse it, even the default 1 */
        put_uint(j, "pipeline", p->pipeline);
    if (p->timeout_ns != 0)
        put_duration(j, "timeout", p->timeout_ns);
    put_string(j, "proxy", p->proxy);
    put_string(j, "identityHeader", p->identity_header);
    if (p->insecure)
        must(cJSON_AddTrueToObject(j, "insecure"));
    if (p->timeline)
        must(cJSON_AddTrueToObject(j, "timeline"));
    if (p->http2 && p->grpc == NULL)
        must(cJSON_AddTrueToObject(j, "http2"));
    put_string(j, "grpc", p->grpc);
    if (p->http2 && p->max_streams > 1)
        put_uint(j, "maxStreams", p->max_streams);
    if (p->relay_host != NULL && p->relay_port != NULL) {
        bool v6 = strchr(p->relay_host, ':') != NULL;
        size_t n = strlen(p->relay_host) + strlen(p->relay_port) + 4;
        char *relay = sc_xcalloc(1, n);
        snprintf(relay, n, v6 ? "[%s]:%s" : "%s:%s", p->relay_host, p->relay_port);
        put_string(j, "relay", relay);
        free(relay);
    }
    if (p->proto != SC_AGENT_HTTP)
        put_string(j, "payload", p->payload);
    s = must(cJSON_PrintUnformatted(j));
    cJSON_Delete(j);
    return s;
}

static char *dup_or_null(const char *s)
{
    return s != NULL ? sc_xstrdup(s) : NULL;
}

void sc_agent_plan_copy(struct sc_agent_plan *dst, const struct sc_agent_plan *src)
{
    *dst = *src;
    dst->id = dup_or_null(src->id);
    dst->target = dup_or_null(src->target);
    dst->url = dup_or_null(src->url);
    dst->host = dup_or_null(src->host);
    dst->port = dup_or_null(src->port);
    dst->method = dup_or_null(src->method);
    dst->headers = NULL;
    if (src->nheaders > 0) {
        dst->headers = sc_xcalloc(src->nheaders + 1, sizeof(char *));
        for (size_t i = 0; i < src->nheaders; i++)
            dst->headers[i] = sc_xstrdup(src->headers[i]);
    }
    dst->body = NULL;
    if (src->body != NULL) {
        dst->body = sc_xcalloc(1, src->body_len + 1);
        memcpy(dst->body, src->body, src->body_len);
    }
    dst->proxy = dup_or_null(src->proxy);
    dst->identity_header = dup_or_null(src->identity_header);
    dst->grpc = dup_or_null(src->grpc);
    dst->relay_host = dup_or_null(src->relay_host);
    dst->relay_port = dup_or_null(src->relay_port);
    dst->payload = NULL;
    if (src->payload != NULL) {
        dst->payload = sc_xcalloc(1, src->payload_len + 1);
        memcpy(dst->payload, src->payload, src->payload_len);
    }
}
