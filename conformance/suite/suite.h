/* suite.h - conformance tests as data: the model of one test file and its loader. */
#ifndef SC_SUITE_H
#define SC_SUITE_H

#include <stdbool.h>
#include <stddef.h>

#include "base/err.h"
#include "base/doc.h"

struct sc_kv {
    char *key;
    char *value;
};

struct sc_workload {
    char *name;
    char *sa;
    char *version; /* label "version", may be NULL */
    struct sc_kv *labels;
    size_t nlabels;
    unsigned replicas;
    bool second_ns; /* deployed in the test's second namespace ($NS2) */
    bool unmeshed;  /* mesh: false: kept out of the mesh (no proxy, no mesh identity) */
};

enum sc_proto { SC_PROTO_HTTP, SC_PROTO_TCP, SC_PROTO_UDP };
const char *sc_proto_name(enum sc_proto p);

/* How HTTP traffic goes on the wire: HTTP/1.1, HTTP/2 with prior knowledge (h2c), or gRPC unary
 * calls over HTTP/2. The traffic's `protocol: http | http2 | grpc`; TCP and UDP are HTTP1. */
enum sc_wire { SC_WIRE_HTTP1 = 0, SC_WIRE_HTTP2, SC_WIRE_GRPC };
/* "http", "http2", "grpc" for HTTP traffic, else sc_proto_name (static storage). */
const char *sc_traffic_proto_name(enum sc_proto p, enum sc_wire w);
/* The extended feature a test with HTTP/2 or gRPC traffic declares. */
#define SC_FEATURE_HTTP2 "http2"

/* Backends one `expect: split` may list: the runner judges them in arrays of this size. */
#define SC_SUITE_SHARES_MAX 16

struct sc_svc_port {
    int port;
    int target_port; /* the pod port it maps to: `targetPort`, else port */
    enum sc_proto proto;
};

struct sc_service {
    char *name;
    struct sc_kv *selector;
    size_t nselector;
    struct sc_svc_port *ports;
    size_t nports;
};

/* Who sends what to whom. */
struct sc_traffic {
    char *from; /* workload */
    char *to;   /* service */
    int port;   /* 0 = the service's first port */
    enum sc_proto proto;
    enum sc_wire wire; /* HTTP: 1.1, 2 or gRPC */
    char *method;      /* default GET (gRPC: POST, the only method it takes) */
    char *path;        /* default / */
    struct sc_kv *headers;
    size_t nheaders;
};

enum sc_step_kind { SC_STEP_APPLY, SC_STEP_DELETE, SC_STEP_EXPECT, SC_STEP_SEND, SC_STEP_HOLD };
enum sc_expect_kind { SC_EXPECT_ACCESS, SC_EXPECT_SPLIT, SC_EXPECT_METRICS };

struct sc_share {
    char *service;
    double weight;
};

struct sc_metrics_expect {
    char *resource;             /* pods, deployments, namespaces, trafficsplits */
    char *name;                 /* may be NULL for namespaces (then: the test namespace) */
    char *edges_from;           /* workload: check the edge from it instead of the resource total */
    char *edges_to;             /* workload: check the edge to it (deployments: direction to) */
    bool list;                  /* pods/deployments without a name: the namespace's list */
    struct sc_kv *selector;     /* list: its labelSelector (may be empty) */
    size_t nselector;           /* the selector's pairs */
    unsigned window_s;          /* the window asked (?t=), 0: one covering the case's traffic */
    bool absent;                /* no metrics / no edge expected */
    bool counts;                /* success and failure must equal what the agent observed */
    double latency_at_least_ms; /* p50..p99 >= this; NaN when not checked */
};

struct sc_step {
    enum sc_step_kind kind;
    int line, col; /* where the step starts, for messages */
    /* apply: the objects as written (newest shapes) */
    struct sc_doc *objects;
    /* delete */
    char **del_kinds;
    char **del_names;
    size_t ndel;
    /* expect / send */
    enum sc_expect_kind expect;
    struct sc_traffic traffic;
    bool allowed;
    char **backends; /* access: allowed answers must come from these services */
    size_t nbackends;
    struct sc_share *shares;
    size_t nshares;
    double tolerance;
    unsigned consecutive;
    unsigned requests; /* send; access: measured requests after probing */
    char *spec;        /* expect: the SMI spec statement it checks, quoted (may be NULL) */
    /* hold: the held traffic's id (its traffic in `traffic`); expect: the held traffic it
     * judges (access only, `traffic` empty: the hold step's is used), else NULL */
    char *hold;
    size_t hold_step; /* expect with `hold`: the index of its hold step */
    struct sc_metrics_expect metrics;
};

struct sc_test {
    char *file;
    char *name;
    char *area;
    char *description;
    char **features;
    size_t nfeatures;
    bool second_ns; /* uses $NS2 */
    struct sc_workload *workloads;
    size_t nworkloads;
    struct sc_service *services;
    size_t nservices;
    struct sc_step *steps;
    size_t nsteps;
};

/* Load one test file; every error is "FILE:LINE:COL: what is wrong". Objects in `apply`
 * are checked against their newest-version schema. *out is the caller's (sc_test_free). */
SC_MUST_CHECK int sc_test_load(const char *path, struct sc_test **out, struct sc_err *err);
void sc_test_free(struct sc_test *t);

/* Load every *.yaml under dir/{access,specs,split,metrics} (sorted by path). Stops at the
 * first bad file. *out is an array of *n tests (sc_tests_free). Test names must be unique. */
SC_MUST_CHECK int sc_suites_load(const char *dir, struct sc_test ***out, size_t *n,
                                 struct sc_err *err);
void sc_tests_free(struct sc_test **tests, size_t n);

/* Helpers for the runner. */
const struct sc_workload *sc_test_workload(const struct sc_test *t, const char *name);
const struct sc_service *sc_test_service(const struct sc_test *t, const char *name);
/* Does service s select workload w (every selector label present in w's labels)? */
bool sc_service_selects(const struct sc_service *s, const struct sc_workload *w);

#endif
