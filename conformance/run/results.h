/* results.h - what a conformance run found: per test and version, verdicts and the figures
 * behind them. The runner fills it; reporters (JUnit, JSON, console...) read it. */
#ifndef SC_RESULTS_H
#define SC_RESULTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"

/* passed: the mesh did what the spec asks; failed: the mesh misbehaved; skipped: not run, with
 * the reason; error: the case could not be judged because the platform, the API server or an
 * agent failed (never a verdict on the mesh). */
enum sc_verdict { SC_PASSED = 0, SC_FAILED, SC_SKIPPED, SC_ERROR };

/* "passed", "failed", "skipped", "error" (static storage); -1 from parse when unknown. */
const char *sc_verdict_name(enum sc_verdict v);
int sc_verdict_parse(const char *s);

/* One expected-vs-observed figure of an assertion, e.g. a backend's share of requests:
 * name "web-v1", expected 0.2, observed 0.213, [lo, hi] its 95% interval, count 640 of
 * total 3000. Fields that do not apply are NaN (numbers) or 0 (counts). */
struct sc_figure {
    char *name; /* owned */
    char *unit; /* "share", "count", "ms", ... (owned, may be NULL) */
    double expected;
    double tolerance; /* allowed |observed - expected|; NaN when exact or n/a */
    double observed;
    double lo, hi; /* confidence interval of observed, NaN when n/a */
    uint64_t count, total;
};

struct sc_hist_bucket {
    uint64_t lo;
    uint64_t count;
};

/* One checked expectation of a step. */
struct sc_assertion {
    char *kind; /* "access", "split", "metrics", "probe" (owned) */
    char *what; /* human description: "client -> web:8080 GET / is allowed" (owned) */
    bool passed;
    bool error;                /* could not be measured: the platform or an agent failed */
    char *message;             /* why it failed (or could not be measured), or NULL (owned) */
    char *spec;                /* the spec statement it enforces, quoted (owned, may be NULL) */
    struct sc_figure *figures; /* owned array */
    size_t nfigures;
    /* Optional latency distributions (microseconds) for charts: percentiles
     * p50/p90/p99/max as seen by the client, and as reported by the mesh (NaN when absent). */
    double client_p[4];
    double mesh_p[4];
    /* Optional: the client-side latency distribution behind client_p, as the load engine's
     * histogram buckets (lowest value of the bucket in microseconds, count), ascending. */
    struct sc_hist_bucket *client_hist; /* owned array */
    size_t nclient_hist;
};

/* One test at one SMI version. */
struct sc_case {
    char *test;      /* test name (owned) */
    char *area;      /* access, specs, split, metrics (owned) */
    char *version;   /* e.g. "v1alpha3": the version of the area's group (owned) */
    char *file;      /* suite file it came from (owned, may be NULL) */
    char **features; /* owned; "core" or extended feature names */
    size_t nfeatures;
    /* owned; the protocols its traffic uses, as the suites name them: http (HTTP/1.1),
     * http2, grpc, tcp, udp (none: a case that sends nothing, e.g. metrics absence) */
    char **protocols;
    size_t nprotocols;
    enum sc_verdict verdict;
    char *message;      /* failure or error message, or skip reason (owned, may be NULL) */
    unsigned runs;      /* times it was run: more than 1 when an error made the runner re-run it */
    char *rerun_reason; /* the error of the first run when it was re-run (owned, may be NULL) */
    char *log;          /* the steps as run, one per line (owned, may be NULL) */
    char *diagnostics;  /* logs/events for a failed case (owned, may be NULL) */
    uint64_t start_ms;  /* wall clock, ms since the epoch */
    uint64_t duration_ns;
    struct sc_assertion *assertions; /* owned array */
    size_t nassertions;
};

/* A served SMI group version, e.g. {"split.smi-spec.io", "v1alpha4"}. */
struct sc_served {
    char *group;
    char **versions;
    size_t nversions;
};

struct sc_run {
    char *harness_version;
    char *harness_commit;
    char *platform;     /* "local" or "kube" */
    char *mesh;         /* profile name, e.g. "local", "linkerd" */
    char *kube_version; /* NULL for local */
    char *command_line; /* how to reproduce */
    char **violations;  /* local: --violate switches in force (owned) */
    size_t nviolations;
    struct sc_served *served;
    size_t nserved;
    uint64_t start_ms; /* wall clock, ms since the epoch */
    uint64_t duration_ns;
    struct sc_case *cases; /* owned array */
    size_t ncases;
};

struct sc_summary {
    size_t total, passed, failed, skipped, errors;
};

/* Zeroed run; free with sc_run_free(). Aborts on out-of-memory. */
struct sc_run *sc_run_new(void);
void sc_run_free(struct sc_run *r);

/* Append a zeroed case / assertion / figure and return it (owned by the parent). Figures
 * start with NaN in every double. */
struct sc_case *sc_run_add_case(struct sc_run *r);
struct sc_assertion *sc_case_add_assertion(struct sc_case *c, const char *kind, const char *what);
struct sc_figure *sc_assertion_add_figure(struct sc_assertion *a, const char *name,
                                          const char *unit);

/* Free what an assertion owns (not the assertion itself). */
void sc_assertion_release(struct sc_assertion *a);

/* Append a formatted line to a case's log. */
void sc_case_log(struct sc_case *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

struct sc_summary sc_run_summary(const struct sc_run *r);
/* Summary of the cases of one area (and one version, when version is not NULL). */
struct sc_summary sc_run_summary_of(const struct sc_run *r, const char *area, const char *version);

/* The exit status a run's summary deserves: 1 when a test failed (the mesh misbehaved);
 * otherwise 2 when a case errored or nothing passed (nothing was judged: a CI gate must not
 * go green on a cluster where nothing was tested); otherwise 0. */
int sc_run_exit_status(const struct sc_summary *s);

#endif
