/* engine.h - the load engine: HTTP/1.1, HTTP/2 and gRPC load, closed loop or constant rate, on
 * libuv threads. */
#ifndef SC_ENGINE_H
#define SC_ENGINE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "load/result.h"

#define SC_LOAD_MAX_PIPELINE    256
#define SC_LOAD_MAX_STREAMS     1024 /* HTTP/2 streams in flight per connection */
#define SC_LOAD_MAX_CONNECTIONS 100000
#define SC_LOAD_MAX_THREADS     256
#define SC_LOAD_MAX_METHOD      64 /* bytes; the longest registered HTTP method has 17 */

/* What to run. All pointers are borrowed for the duration of sc_load_run(). */
struct sc_load_opts {
    const char *url;            /* http:// or https:// target */
    const char *method;         /* default "GET" */
    const char *const *headers; /* "Name: value" lines, nheaders of them */
    size_t nheaders;
    const char *body; /* may be NULL; sent with Content-Length */
    size_t body_len;
    unsigned connections; /* total, spread over threads; >= 1 */
    unsigned threads;     /* >= 1; more threads than connections are not started */
    unsigned pipeline;    /* requests in flight per connection; 1 = no pipelining */
    uint64_t duration_ns; /* stop issuing after this long; 0 = no limit (then requests > 0) */
    uint64_t requests;    /* total requests to issue; 0 = no limit (then duration_ns > 0) */
    double rate;          /* total requests/s for open-loop mode; 0 = closed loop */
    uint64_t timeout_ns;  /* per request; default 10 s */
    const char *proxy;    /* "http://host:port": explicit proxy, absolute-form targets */
    const char *cafile;   /* PEM bundle for https; NULL = system default */
    bool insecure;        /* skip certificate verification */
    const char *identity_header; /* response header naming the backend; default "x-smi-pod";
                                    "" disables per-backend counts */
    bool no_preflight;           /* skip the blocking reachability check before the run */
    atomic_int *cancel;          /* optional: set non-zero to stop early (e.g. from SIGINT) */
    bool timeline; /* record each request's send time, outcome and connection (result.h) */
    /* optional: called about once a second from the first load thread with the number
     * of responses so far; must not block */
    void (*progress)(void *ud, uint64_t responses, uint64_t elapsed_ns);
    void *progress_ud;
    /* HTTP/2 (h2.c): http:// is h2c with prior knowledge (RFC 9113 section 3.3), also through
     * `proxy` (the proxy gets the h2c connection, :authority names the target); https:// is
     * TLS with ALPN "h2" (section 3.2), through `proxy` after a CONNECT tunnel. */
    bool h2;
    unsigned max_streams; /* streams in flight per connection (h2load -m); default 1; at most
                             SC_LOAD_MAX_STREAMS and the server's SETTINGS_MAX_CONCURRENT_STREAMS */
    const char *grpc;     /* "SERVICE/METHOD": unary gRPC calls with `body` as the raw message;
                             implies h2 */
};

/* Fill `o` with defaults (GET, 10 connections, 1 thread, pipeline 1, 1 stream, timeout 10 s). */
void sc_load_opts_init(struct sc_load_opts *o);

/*
 * Check the options without running anything: URL, proxy, counts, bounds. Returns 0 or
 * SC_EINVAL with a one-line message in err.
 */
SC_MUST_CHECK int sc_load_validate(const struct sc_load_opts *o, struct sc_err *err);

/*
 * Run the load and block until it is done: after duration_ns (plus at most timeout_ns for
 * requests still in flight), after `requests` requests, or on cancel. Before the run a
 * blocking check connects to the target (or proxy), and performs the TLS handshake for
 * https, so an unreachable host fails here with SC_ECONNECT and a clear message instead
 * of a run full of connect errors. Failures of individual requests during the run are
 * counted in the result, not returned: failures are SC_EINVAL (options, CA file), SC_ECONNECT
 * (target unreachable) or SC_ESYS (no thread, timer or event loop could be created).
 * On success *out is a new result owned by the caller (sc_load_result_free()).
 */
SC_MUST_CHECK int sc_load_run(const struct sc_load_opts *o, struct sc_load_result **out,
                              struct sc_err *err);

#endif
