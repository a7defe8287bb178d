/* plan.h - the agent's traffic plan on the wire (runner -> agent): the one writer and the one
 * reader of its JSON, checked field by field and bounded. */
#ifndef SC_AGENT_PLAN_H
#define SC_AGENT_PLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "load/engine.h"

enum sc_agent_proto { SC_AGENT_HTTP = 0, SC_AGENT_TCP, SC_AGENT_UDP };

/* "http", "tcp", "udp" (static storage). */
const char *sc_agent_proto_name(enum sc_agent_proto p);

/* What any plan may ask for; requests beyond are refused with 400, never trimmed. */
struct sc_agent_plan_limits {
    uint64_t max_requests;    /* http requests per plan */
    uint64_t max_attempts;    /* tcp/udp attempts per plan (each is reported) */
    uint64_t max_duration_ns; /* also the deadline of any plan, whatever it asks */
    uint64_t max_timeout_ns;  /* per request or attempt */
    double max_rate;
    unsigned max_connections;
    unsigned max_threads;
    unsigned max_streams; /* http2 streams in flight per connection */
    size_t max_body;      /* request body / payload bytes */
    size_t max_headers;   /* header count */
};

/* 10M requests, 10k attempts, 10 min, 60 s timeout, 1M req/s, 1000 connections, 16
 * threads, 1000 streams per connection, 1 MiB body, 64 headers. */
void sc_agent_plan_limits_init(struct sc_agent_plan_limits *l);

#define SC_AGENT_PLAN_FIELD_MAX 64
#define SC_AGENT_PLAN_ID_MAX    128 /* bytes of a plan id */

/* A plan; every string is owned by the struct (sc_agent_plan_release). Zero/NULL fields are
 * the defaults when writing. */
struct sc_agent_plan {
    /* chosen by the runner, unique per plan: the agent runs an id once, so a plan with an id
     * may be posted again after a failure in transit (NULL: none). 1..SC_AGENT_PLAN_ID_MAX
     * letters, digits, '-', '.', '_'. */
    char *id;
    enum sc_agent_proto proto;
    char *target; /* http: a URL "http://svc.ns:port/path" or host:port; tcp/udp: host:port */
    char *url;    /* after parsing, http: the full URL the engine is given (not written) */
    char *host;   /* after parsing, tcp/udp: the target split (not written) */
    char *port;
    char *method;   /* http; NULL = GET */
    char **headers; /* http: "Name: value" lines */
    size_t nheaders;
    char *body;
    size_t body_len;
    uint64_t requests;    /* 0: bounded by duration */
    uint64_t duration_ns; /* 0: bounded by requests */
    double rate;          /* 0: closed loop */
    unsigned connections; /* 0 when writing = the agent's default (1) */
    unsigned threads;
    unsigned pipeline;
    uint64_t timeout_ns; /* per request or attempt; 0 when writing = the agent's default */
    char *proxy;         /* "http://host:port" or NULL */
    char *identity_header;
    bool insecure;
    bool timeline;        /* http: report each request's send time, outcome and connection */
    bool http2;           /* http: HTTP/2 (h2c with prior knowledge, or ALPN h2 over https) */
    unsigned max_streams; /* http2: streams in flight per connection; 0 when writing = 1 */
    char *grpc;           /* http: "SERVICE/METHOD": gRPC unary calls (implies http2); NULL: none */
    char *relay_host;     /* udp: send to this relay instead of the target; NULL when direct */
    char *relay_port;
    char *payload; /* tcp/udp */
    size_t payload_len;
};

/*
 * Parse and check `json` (len bytes). On SC_EINVAL, err says what is wrong and `field`
 * (SC_AGENT_PLAN_FIELD_MAX bytes, caller's) names the offending field ("" when the JSON
 * itself is broken), so the agent can answer 400 with both. On success the caller owns *p
 * (sc_agent_plan_release()); on failure *p holds nothing.
 */
SC_MUST_CHECK int sc_agent_plan_parse(const char *json, size_t len,
                                      const struct sc_agent_plan_limits *lim,
                                      struct sc_agent_plan *p, char *field, struct sc_err *err);

/* The plan as JSON text (caller frees); the fields the runner and the platforms set: id, protocol,
 * target, method, headers, body, requests, duration, rate, connections, threads, pipeline,
 * timeout, proxy, identityHeader, insecure, timeline, http2, maxStreams, grpc, relay
 * ("host:port"), payload. A plan
 * written here parses back to the same values. Aborts on out-of-memory. */
char *sc_agent_plan_to_json(const struct sc_agent_plan *p);

/* Deep copy (for a platform that adds a proxy or a relay); aborts on out-of-memory. */
void sc_agent_plan_copy(struct sc_agent_plan *dst, const struct sc_agent_plan *src);

void sc_agent_plan_release(struct sc_agent_plan *p);

/* Engine options for an http plan; pointers borrow from `p`. */
void sc_agent_plan_load_opts(const struct sc_agent_plan *p, struct sc_load_opts *o);

#endif
