/* result.h - what an agent's traffic plan observed, on the wire (agent -> runner): the one
 * writer and the one reader of its JSON, with checked conversions. */
#ifndef SC_AGENT_RESULT_H
#define SC_AGENT_RESULT_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "agent/plan.h"
#include "base/err.h"
#include "load/result.h"

/* A named count: a status code ("200"), a backend's identity, an error kind. */
struct sc_agent_count {
    char *name; /* owned */
    uint64_t count;
};

struct sc_agent_bucket {
    uint64_t lo_us; /* lowest latency of the bucket, microseconds */
    uint64_t count;
};

/* One plan's outcome as the runner reads it. Every array is owned (sc_agent_result_release). */
struct sc_agent_result {
    enum sc_agent_proto proto;
    /* http: requests sent, responses of any status, requests without a response;
     * tcp/udp: attempts, answered attempts, failed attempts. */
    uint64_t attempts, ok, failed;
    struct sc_agent_count *status; /* http: responses by status code */
    size_t nstatus;
    struct sc_agent_count *backends; /* answers by the identity of the pod that gave them */
    size_t nbackends;
    /* failures by kind: http connect, read, write, timeout, protocol, reset; tcp/udp resolve,
     * connect, refused, reset, closed, timeout, proxy, protocol, mismatch, cancelled */
    struct sc_agent_count *errors;
    size_t nerrors;
    double latency_us[4];            /* p50, p90, p99, max; NaN when not measured (tcp/udp) */
    struct sc_agent_bucket *buckets; /* http latency histogram, ascending by lo_us */
    size_t nbuckets;
    bool cancelled; /* the plan was cancelled (DELETE, the agent's deadline): a partial result */
    uint64_t connections_opened; /* http: connections that became ready */
    /* http plans with "timeline": each request by send time (load/result.h; the outcome is a
     * status or -(1 + enum sc_load_errkind)), at most SC_LOAD_TIMELINE_MAX; dropped: left out */
    struct sc_load_event *timeline;
    size_t ntimeline;
    uint64_t timeline_dropped;
    /* http: "http/1.1", "h2c" or "h2" (the engine's "protocol"; "" from an agent without it) */
    char protocol[16];
    /* gRPC plans: HTTP 200 answers by their grpc-status ("0".."16"), and those with a status
     * beyond 16 or malformed (other) or none (missing). grpc: the plan made gRPC calls. */
    bool grpc;
    struct sc_agent_count *grpc_status;
    size_t ngrpc_status;
    uint64_t grpc_other, grpc_missing;
};

/*
 * Read an agent's answer (len bytes of JSON, http or tcp/udp shape). Every count must be a
 * whole number from 0 to 2^53, every name a string; anything else is SC_EPROTO with the
 * offending field in the message ("agent result: field 'status.200': expected a count").
 * On success the caller owns *out (sc_agent_result_release); on failure it holds nothing.
 */
SC_MUST_CHECK int sc_agent_result_parse(const char *json, size_t len, struct sc_agent_result *out,
                                        struct sc_err *err);
void sc_agent_result_release(struct sc_agent_result *r);

/* The count of `name` in v (0 when absent). */
uint64_t sc_agent_count_of(const struct sc_agent_count *v, size_t n, const char *name);

/* Writers, the agent's side. An http plan's result is the load engine's JSON
 * (sc_load_result_to_json, also what `smi-conformance load --json` writes). */
cJSON *sc_agent_http_result_json(const struct sc_load_result *r);

/* One tcp/udp attempt, as the agent reports it. */
struct sc_agent_attempt {
    const char *error;   /* NULL when answered; else the kind ("refused", "timeout", ...) */
    const char *detail;  /* why, when it failed */
    const char *backend; /* who answered, when it did */
    const char *from;    /* the address the answer came from, may be NULL */
    uint64_t latency_us;
};

/* A tcp/udp result being built: start, add each attempt, finish (caller owns the JSON). */
struct sc_agent_probe_json;
struct sc_agent_probe_json *sc_agent_probe_json_start(enum sc_agent_proto proto, const char *target,
                                                      const char *proxy, const char *relay);
void sc_agent_probe_json_add(struct sc_agent_probe_json *b, const struct sc_agent_attempt *a);
cJSON *sc_agent_probe_json_finish(struct sc_agent_probe_json *b, uint64_t elapsed_ns,
                                  bool cancelled);

#endif
