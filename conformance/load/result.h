/* result.h - what a load run measured: counts, errors by kind, histograms; JSON, text, merge. */
#ifndef SC_LOAD_RESULT_H
#define SC_LOAD_RESULT_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "base/err.h"
#include "load/hist.h"

enum sc_load_errkind {
    SC_LERR_CONNECT = 0,    /* connect refused, unreachable, TLS handshake failed */
    SC_LERR_READ,           /* read failed or peer closed before the response was complete */
    SC_LERR_WRITE,          /* write failed */
    SC_LERR_TIMEOUT,        /* no complete response within the per-request timeout */
    SC_LERR_PROTOCOL,       /* unparsable response: garbage, bad chunking, oversized headers... */
    SC_LERR_RESET,          /* connection reset by peer */
    SC_LERR_RST_STREAM,     /* HTTP/2: the server reset the stream (any code but REFUSED_STREAM) */
    SC_LERR_REFUSED_STREAM, /* HTTP/2: RST_STREAM REFUSED_STREAM: not processed */
    SC_LERR_GOAWAY, /* HTTP/2: unanswered after the server's GOAWAY (above its last stream id,
                       or the connection ended after it) */
    SC_LERR_COUNT
};

/* Name used in JSON and text ("connect", "read", ...). */
const char *sc_load_errkind_name(enum sc_load_errkind k);

#define SC_LOAD_STATUS_MAX      600
#define SC_LOAD_GRPC_STATUS_MAX 17 /* grpc-status 0 (OK) .. 16 (UNAUTHENTICATED) */

/* One request of a timeline (sc_load_opts.timeline): when it was sent and how it ended. */
struct sc_load_event {
    uint64_t sent_ns; /* since the start of the load; a failed connect: when it started */
    int outcome;      /* the status (0..999), or -(1 + enum sc_load_errkind) */
    uint32_t conn;    /* the connection it went on: 1 for the run's first, counted across threads */
};

#define SC_LOAD_TIMELINE_MAX 10000 /* events kept per run: the earliest sent */

struct sc_load_backend {
    char *name; /* owned */
    uint64_t count;
};

/* The merged outcome of a run. Every field is owned by the struct. */
struct sc_load_result {
    /* what ran */
    char *url;
    char *method;
    unsigned threads;
    unsigned connections;
    unsigned pipeline;
    double target_rate;   /* 0 for closed loop */
    uint64_t duration_ns; /* as requested, 0 when bounded by count only */
    uint64_t request_limit;
    char *identity_header;
    char *protocol;       /* "http/1.1", "h2c" or "h2"; NULL reads as "http/1.1" */
    unsigned max_streams; /* HTTP/2 streams per connection; 0 for HTTP/1.1 */
    char *grpc;           /* the gRPC method ("SERVICE/METHOD"), NULL when not gRPC */
    /* what happened */
    uint64_t elapsed_ns; /* from the start of the load to the last completion */
    uint64_t sent;       /* requests written */
    uint64_t responses;  /* complete responses of any status */
    uint64_t bytes_read;
    uint64_t bytes_written;
    uint64_t reconnects;
    uint64_t connections_opened; /* connections that became ready (connected, tunnelled, TLS) */
    uint64_t status[SC_LOAD_STATUS_MAX]; /* by status code; others in status_other */
    uint64_t status_other;
    uint64_t errors[SC_LERR_COUNT];
    struct sc_load_backend *backends; /* sorted by name */
    size_t nbackends;
    uint64_t no_identity; /* responses without the identity header */
    /* gRPC: HTTP 200 responses by grpc-status (from trailers or a trailers-only response) */
    uint64_t grpc_status[SC_LOAD_GRPC_STATUS_MAX];
    uint64_t grpc_status_other;   /* a value above 16 or not a number */
    uint64_t grpc_status_missing; /* a 200 response without grpc-status */
    /* open loop only */
    uint64_t unsent;         /* due by the end but never sent: the rate was not sustained */
    uint64_t max_lag_ns;     /* largest gap between intended and actual send */
    uint64_t pace_window_ns; /* from the first intended send to the end of issuing */
    /* latency in microseconds: from the intended send time (corrected; equal to the
     * actual send in closed loop) and from the actual send (uncorrected) */
    struct sc_hist *latency;
    struct sc_hist *latency_uncorrected;
    char *notes;       /* adjustments and warnings, one per line; may be NULL */
    char *first_error; /* detail of the first failed request; may be NULL */
    /* with sc_load_opts.timeline: every request with an outcome, by send time, at most
     * SC_LOAD_TIMELINE_MAX (the earliest); those left out are counted. Requests abandoned by a
     * cancel have no outcome and no event. */
    bool timeline_on;
    struct sc_load_event *timeline;
    size_t ntimeline, timeline_cap;
    uint64_t timeline_dropped;
};

/* A zeroed result with empty histograms; aborts on out-of-memory. */
struct sc_load_result *sc_load_result_new(void);
void sc_load_result_free(struct sc_load_result *r);

/* Count `n` responses from backend `name` (len bytes); keeps backends sorted. */
void sc_load_result_add_backend(struct sc_load_result *r, const char *name, size_t len, uint64_t n);
/* Append a line to notes. */
void sc_load_result_note(struct sc_load_result *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

uint64_t sc_load_result_errors(const struct sc_load_result *r); /* sum over kinds */
uint64_t sc_load_result_non2xx3xx(const struct sc_load_result *r);
/* Open loop: requests sent per second of the pacing window (0 in closed loop). */
double sc_load_result_achieved_rate(const struct sc_load_result *r);
double sc_load_result_rps(const struct sc_load_result *r); /* responses per second */

/* Add `from` into `into`: counts, backends and histograms add; elapsed is the max;
 * identity of the run (url, method...) is kept from `into` unless it is unset. */
void sc_load_result_merge(struct sc_load_result *into, const struct sc_load_result *from);

/* Record one event (timeline.c); beyond SC_LOAD_TIMELINE_MAX it is only counted as dropped. */
void sc_load_timeline_add(struct sc_load_result *r, uint64_t sent_ns, int outcome, uint32_t conn);
/* Add `from`'s events to `into`'s, by send time, keeping the earliest SC_LOAD_TIMELINE_MAX. */
void sc_load_timeline_merge(struct sc_load_result *into, const struct sc_load_result *from);
/* "timeline": [[SENT_MS, STATUS or "KIND", CONN], ...] and "timeline_dropped" added to j
 * (nothing without timeline_on); the reverse, SC_EINVAL naming the field on bad input. */
void sc_load_timeline_to_json(const struct sc_load_result *r, cJSON *j);
SC_MUST_CHECK int sc_load_timeline_from_json(const cJSON *j, struct sc_load_result *r,
                                             struct sc_err *err);

/* JSON with every count and the non-empty histogram buckets, so results of several
 * agents merge exactly. Caller owns the returned cJSON. */
cJSON *sc_load_result_to_json(const struct sc_load_result *r);
/* Inverse of sc_load_result_to_json(); SC_EINVAL with the offending field on bad input. */
SC_MUST_CHECK int sc_load_result_from_json(const cJSON *j, struct sc_load_result **out,
                                           struct sc_err *err);

/* The wrk-compatible summary, then percentiles, status and backend counts. */
void sc_load_result_print(const struct sc_load_result *r, FILE *f);

#endif
