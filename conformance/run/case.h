/* case.h - what the parts of the runner share about one case (internal to run/: planning,
 * the worker pool, traffic, probes, judges and steps). */
#ifndef SC_RUN_CASE_H
#define SC_RUN_CASE_H

#include <cjson/cJSON.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "agent/result.h"
#include "base/doc.h"
#include "base/err.h"
#include "platform/platform.h"
#include "run/results.h"
#include "run/runner.h"
#include "smi/smi.h"
#include "suite/suite.h"

#define SC_RUNNER_CLIENT_HIST_MAX 2048 /* buckets kept from a send; finer ones merged in pairs */
#define SC_RUNNER_SHARES_MAX      SC_SUITE_SHARES_MAX /* split shares judged per expectation */

/* The SMI groups in the order of struct sc_versions. */
enum { SC_GROUP_ACCESS = 0, SC_GROUP_SPECS, SC_GROUP_SPLIT, SC_GROUP_METRICS, SC_GROUPS };
extern const char *const sc_runner_groups[SC_GROUPS]; /* "access", "specs", "split", "metrics" */

/* Versions of each group a case uses: its area's group at the case's version, the others
 * at the newest the platform serves (0 = not served). */
struct sc_versions {
    int v[SC_GROUPS];
};

/* A planned case: its test and versions, parallel to run->cases. */
struct sc_planned {
    const struct sc_test *test;
    struct sc_versions vs;
};

/* The worker pool's shared state. */
struct sc_runner {
    struct sc_platform *p;
    const struct sc_runner_opts *o;
    struct sc_run *run;
    struct sc_planned *plan; /* parallel to run->cases (owned) */
    pthread_mutex_t mu;
    size_t next, done, torun; /* under mu */
};

/* What the agent saw in `send` steps (and probes), for the metrics assertions. */
struct sc_observed {
    char *src_workload;
    char *to_service; /* the service addressed (a split's root, for trafficsplits) */
    char *dst_pod;
    uint64_t success, failure;
    /* A scraped metrics API counts a series from its first sample, which falls somewhere
     * before, in or after the warm-up of its class (success, failure): what was answered
     * before the warm-up (pre) may be counted, what was answered until the warm-up had been
     * sampled (base) is the least that is. */
    uint64_t pre_success, pre_failure, base_success, base_failure;
    bool based_success, based_failure;
};

/* What was last seen to hold for one traffic (client, target, route), under which
 * configuration generation: a later expectation of the same outcome, with nothing applied or
 * deleted since, is measured without probing again. */
struct sc_seen {
    char *key; /* sc_runner_traffic_key */
    char *sig; /* the outcome that held: "allowed", "denied", "answered", "split:..." */
    unsigned gen;
};

/* Traffic held on one kept-alive connection across steps (a hold step), until judged. */
struct sc_held {
    const struct sc_step *step;   /* the hold step */
    struct sc_platform_hold *h;   /* running; NULL once stopped */
    uint64_t start_ns, change_ns; /* sc_now_ns before it was posted; of the first change after */
};

/* One case being run, owned by one worker thread. */
struct sc_casectx {
    struct sc_runner *r;
    const struct sc_test *t;
    struct sc_case *c;
    struct sc_versions vs;
    char ns[64], ns2[64];
    unsigned gen;   /* configuration generation: every apply and delete starts a new one */
    unsigned plans; /* plans sent so far: each gets its own id, so a retry never runs twice */
    uint64_t first_traffic_ns; /* when the case first sent traffic (sc_now_ns), 0 before */
    struct sc_seen *seen;
    size_t nseen;
    struct sc_observed *obs;
    size_t nobs;
    bool obs_mixed;     /* some traffic could not be attributed (mixed 2xx and 5xx) */
    double client_p[4]; /* latency of the last send, us: p50, p90, p99, max */
    /* The last send's latency histogram (owned), ascending, at most CLIENT_HIST_MAX. */
    struct sc_hist_bucket *client_hist;
    size_t nclient_hist;
    struct sc_held *held; /* hold steps so far (judge_held.c) */
    size_t nheld;
};

/* One batch of traffic, summarised. */
struct sc_outcome {
    uint64_t total;
    uint64_t ok_intended; /* 2xx (or connected/answered) from an intended backend */
    uint64_t ok_other;    /* answered, but by a pod outside the intended services */
    uint64_t wrong_port;  /* of ok_other: an intended pod, not on its Service's targetPort */
    uint64_t denied;      /* the platform's denial signal */
    uint64_t other;       /* anything else: errors, other statuses */
    uint64_t per_service[SC_RUNNER_SHARES_MAX]; /* split: answers per share index */
    uint64_t status2xx, status5xx;
    struct sc_agent_result res; /* what the agent reported (owned) */
};

/* ---- planning (plan.c) ---- */

/* Index of a group name in sc_runner_groups, -1 when unknown. */
int sc_runner_group_index(const char *group);
/* Index of an SMI API group in struct sc_versions. */
int sc_runner_smi_group_index(enum sc_smi_group g);
/* Is an object of this kind left out of a case at versions vs? A split or metrics test on a
 * platform that does not serve SMI access (Linkerd with linkerd-smi): the mesh admits all
 * traffic, so TrafficTargets (and route groups, when specs are not served) are not applied;
 * tests that expect a denial are skipped instead. */
bool sc_runner_left_out(const struct sc_test *t, const struct sc_versions *vs, const char *kind);
/* Convert one object of a test to the case's versions, with $NS/$NS2 substituted (when ns
 * is not NULL), and check it against its version's schema. SC_ENOTFOUND means "skip: why".
 * *out is the caller's (sc_doc_node_free). */
SC_MUST_CHECK int sc_runner_convert(const struct sc_doc_node *in, const struct sc_versions *vs,
                                    const char *ns, const char *ns2, struct sc_doc_node **out,
                                    struct sc_err *err);
/* Each planned case's test and versions (caller frees). */
struct sc_planned *sc_runner_plan_of(struct sc_run *run, struct sc_test *const *tests,
                                     size_t ntests, struct sc_platform *p);

/* ---- a case's verdict (case.c) and traffic (traffic.c) ---- */

/* Mark the case failed (the first message wins) and log the line. */
void sc_runner_fail(struct sc_casectx *x, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Mark the case errored: it could not be judged because the platform, the API server or an
 * agent failed, or the run was interrupted (the first outcome wins). */
void sc_runner_error(struct sc_casectx *x, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Give the assertion the spec statement its step enforces, if the step names one. */
void sc_runner_spec(struct sc_assertion *a, const struct sc_step *s);
bool sc_runner_cancelled(const struct sc_casectx *x);

/* The workload a pod belongs to by its name; the longest matching name wins. */
const struct sc_workload *sc_runner_workload_of_pod(const struct sc_test *t, const char *pod,
                                                    size_t len);
/* "client -> web:8080 GET /" for messages. */
void sc_runner_describe_traffic(const struct sc_casectx *x, const struct sc_traffic *tr, char *buf,
                                size_t len);
/* Send `requests` of tr through the agent of tr->from and classify the answers against step
 * s (NULL for a plain send: every answer by the addressed service is intended). Records what
 * was answered for the metrics assertions. *out is released with sc_runner_outcome_release. */
SC_MUST_CHECK int sc_runner_send(struct sc_casectx *x, const struct sc_traffic *tr,
                                 unsigned requests, const struct sc_step *s, struct sc_outcome *out,
                                 struct sc_err *err);
void sc_runner_outcome_release(struct sc_outcome *o);
/* Attribute the answers in out->res to services by the pod (and, for HTTP, the pod port:
 * x-smi-endpoint "POD:PORT") that gave them: intended (a pod of s's backends, else of the
 * service addressed, on that service's targetPort of the port addressed) or other, and per
 * split share. Then names out->res's backends by pod only, as the other readers expect. */
void sc_runner_attribute(const struct sc_test *t, const struct sc_traffic *tr,
                         const struct sc_step *s, struct sc_outcome *out);
/* The agent's plan for `requests` of tr, with the case's next plan id (release it with
 * sc_agent_plan_release). */
void sc_runner_make_plan(struct sc_casectx *x, const struct sc_traffic *tr, unsigned requests,
                         struct sc_agent_plan *plan);
/* The denial signal (enum sc_deny_kind) an agent's error kind is for proto; 0: none. */
unsigned sc_runner_signal_of(enum sc_proto proto, const char *kind);
/* Classify what the agent reported (out->res) against the platform's denial set: 2xx, 5xx,
 * denied (a status or a signal in the set) and other. ok_intended/ok_other must be set. */
void sc_runner_classify(const struct sc_denial *d, enum sc_proto proto, struct sc_outcome *out);
/* "N of M allowed by an intended backend, ..." */
void sc_runner_outcome_text(const struct sc_outcome *o, char *buf, size_t len);
/* Keep the latency of a send on the case, for the metrics assertions. */
void sc_runner_keep_latency(struct sc_casectx *x, const struct sc_agent_result *r);

/* ---- waiting (poll.c) ---- */

/* SC_ATTEMPT_FAILED: the attempt could not be made or read (platform, API server, agent). */
enum sc_attempt { SC_ATTEMPT_HOLDS, SC_ATTEMPT_NOT_YET, SC_ATTEMPT_FAILED };
/* One attempt of a poll: says what it saw in `last` (len bytes). */
typedef enum sc_attempt (*sc_attempt_fn)(struct sc_casectx *x, void *ud, char *last, size_t len);

struct sc_poll {
    unsigned timeout_ms;  /* give up after this long */
    unsigned consecutive; /* holds this many times in a row */
    unsigned interval_ms; /* between attempts */
    sc_attempt_fn fn;
    void *ud;
    char *last; /* what the last attempt saw (len bytes, caller's) */
    size_t len;
    unsigned attempts;   /* out: how many were made */
    enum sc_attempt end; /* out: the last attempt's outcome */
};

/*
 * Try p->fn every interval until it holds `consecutive` times in a row (an attempt that does
 * not hold, or fails, starts the count again), within p->timeout_ms. Returns 0 when it held,
 * SC_ETIMEOUT when the time ran out, SC_ECANCELED when the run was interrupted; p->last then
 * says what the last attempt saw.
 */
SC_MUST_CHECK int sc_runner_poll(struct sc_casectx *x, struct sc_poll *p);

/* The consistency timeout: the run's --timeout, else the platform's, else 10 s. */
unsigned sc_runner_timeout_ms(const struct sc_casectx *x);

/* Probe traffic of step s until its expectation holds `s->consecutive` probes in a row.
 * SC_ETIMEOUT: the mesh did not get there (a failure); SC_EIO: the probes themselves failed
 * (an error); SC_ECANCELED: interrupted. */
typedef bool (*sc_holds_fn)(const struct sc_step *s, const struct sc_outcome *o);
SC_MUST_CHECK int sc_runner_probe(struct sc_casectx *x, const struct sc_step *s, unsigned batch,
                                  sc_holds_fn holds, struct sc_err *err);

/* "from>to:port/proto METHOD path headers": what a mesh may treat differently. */
void sc_runner_traffic_key(const struct sc_traffic *tr, char *buf, size_t len);
/* Has `sig` held for `key` in this configuration generation? */
bool sc_runner_known(const struct sc_casectx *x, const char *key, const char *sig);
void sc_runner_remember(struct sc_casectx *x, const char *key, const char *sig);

/* Before measuring step s: unless outcome `sig` already held for its traffic since the last
 * change, probe until it holds (consistency). 0 to measure; -1 when the case concluded (a
 * failure when the mesh never got there, an error when the probes could not be made). */
int sc_runner_settle(struct sc_casectx *x, const struct sc_step *s, unsigned batch,
                     sc_holds_fn holds, const char *sig, const char *what);
/* A measurement that could not be made: an errored assertion and case. Returns -1. */
int sc_runner_unmeasured(struct sc_casectx *x, const struct sc_step *s, const char *kind,
                         const char *what, const char *why);

/* ---- steps (steps.c) and judges (judge_*.c): 0 when the step held, -1 when the case
 * failed (the verdict and message are set). ---- */

SC_MUST_CHECK int sc_runner_step_apply(struct sc_casectx *x, const struct sc_step *s);
SC_MUST_CHECK int sc_runner_step_delete(struct sc_casectx *x, const struct sc_step *s);
SC_MUST_CHECK int sc_runner_step_send(struct sc_casectx *x, const struct sc_step *s);
SC_MUST_CHECK int sc_judge_access(struct sc_casectx *x, const struct sc_step *s);
SC_MUST_CHECK int sc_judge_split(struct sc_casectx *x, const struct sc_step *s);
SC_MUST_CHECK int sc_judge_metrics(struct sc_casectx *x, const struct sc_step *s);
SC_MUST_CHECK int sc_judge_split_metrics(struct sc_casectx *x, const struct sc_step *s);
/* Before a send measured by a scraped metrics API (not an exact one): send a few requests
 * (observed like any) and wait until each pod they reached lists an edge from the sender, so
 * the series exist before the measured requests: increase() does not see what a series
 * counted before its first sample. Never a verdict: a mesh that never shows the edge is
 * judged by the metrics expectations. */
void sc_runner_metrics_warm(struct sc_casectx *x, const struct sc_step *s);
/* Held traffic (judge_held.c): start it (one connection, a modest rate, bounded); judge the
 * held connection after a change (expect with `held`); note a change (apply, delete) for the
 * running holds; stop what is still held (tear-down). */
SC_MUST_CHECK int sc_runner_step_hold(struct sc_casectx *x, const struct sc_step *s);
SC_MUST_CHECK int sc_judge_held(struct sc_casectx *x, const struct sc_step *s);
void sc_runner_holds_mark_change(struct sc_casectx *x);
void sc_runner_holds_release(struct sc_casectx *x);
/* Rewrite an HTTPRouteGroup's header filter maps as lists of one-key maps (steps.c). */
void sc_runner_headers_as_list(struct sc_doc_node *obj);

/* Metric `name` of a TrafficMetrics item: counts as numbers, latencies in milliseconds, from a
 * number or a quantity ("299500m") and the unit (ms, s, seconds, us, ...; a unitless quantity
 * of latency is seconds, as the spec's example). 1 found, 0 absent, -1 malformed. */
int sc_runner_metric(const cJSON *tm, const char *name, double *out);
/* Does a count the mesh reported agree with what the agents saw, exactly or within the
 * platform's tolerance? */
bool sc_runner_count_agrees(const struct sc_platform *p, double mesh, uint64_t want);
/* What a count should be: from lo to hi (the same when counted exactly). */
struct sc_want {
    uint64_t lo, hi;
};
/* Does the mesh's count agree: exactly hi, or from lo to hi within the tolerance? */
bool sc_runner_count_within(const struct sc_platform *p, double mesh, struct sc_want w);

#endif
