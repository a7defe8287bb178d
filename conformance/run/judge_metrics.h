/* judge_metrics.h - what the metrics judges share (internal to run/): reading the metrics
 * API, the window and paths of a query, expected counts and the verdict after polling.
 * judge_metrics.c judges a resource or one of its edges, judge_metrics_split.c a
 * TrafficSplit per backend, judge_metrics_list.c the list of a kind (label selectors). */
#ifndef SC_RUN_JUDGE_METRICS_H
#define SC_RUN_JUDGE_METRICS_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>

#include "run/case.h"

#define SC_METRICS_POLL_MS 200

/* The value of metric `name` in tm, *found saying whether it was there and readable. */
double sc_runner_metric_value(const cJSON *tm, const char *name, bool *found);

/* Are tm's p50, p90 and p99 at least me's minimum and at most the client's maximum with a
 * margin? Puts the latencies on a; on failure writes why into last, after `subject`. */
bool sc_runner_latency_holds(const struct sc_casectx *x, const struct sc_metrics_expect *me,
                             const cJSON *tm, struct sc_assertion *a, const char *subject,
                             char *last, size_t len);

/* GET a metrics path. NULL with *rc SC_ENOTFOUND when the API says there is no such thing
 * (404, or the profile's no-data answer); NULL with another *rc when the answer could not be
 * had or read (an error, never a verdict); otherwise the JSON (caller frees). `last` says
 * why when NULL. */
cJSON *sc_runner_metrics_get(struct sc_casectx *x, const char *path, int *rc, char *last,
                             size_t len);

/* How long metrics may take: the consistency timeout, or a scraped API's deadline. */
unsigned sc_runner_metrics_timeout_ms(const struct sc_casectx *x);

/* The window of a query for me, seconds: the one it asks for (at least three scrape intervals
 * from a scraped API, so that increase() has samples in it), else one covering every request
 * of the case so far with a margin. me may be NULL (a covering window). */
unsigned sc_runner_metrics_window_s(const struct sc_casectx *x, const struct sc_metrics_expect *me);

/* The path of resource `name` (or of its edges) at the case's metrics version, with ?t=. */
void sc_runner_metrics_path(const struct sc_casectx *x, const struct sc_metrics_expect *me,
                            const char *name, char *path, size_t len);

/* Answers that must agree in a row: one when counted exactly, two from a scraper. */
unsigned sc_runner_metrics_agreeing(const struct sc_casectx *x);

/* Counts cannot be judged when a batch mixed 2xx and 5xx answers: fails the case, -1. */
int sc_runner_metrics_refuse_mixed(struct sc_casectx *x, struct sc_assertion *a);

/* The verdict after polling (rc from sc_runner_poll): 0 passed, -1 failed or errored. */
int sc_runner_metrics_conclude(struct sc_casectx *x, const struct sc_step *s,
                               struct sc_assertion *a, int rc, const struct sc_poll *p);

/* "N", or "N to M", appended to buf. */
void sc_runner_want_text(struct sc_want w, char *buf, size_t len);

/* Add what a resource's metrics should count of observation ob to the success and failure
 * counts wanted: everything, or from a scraped API what came after its series' first sample
 * (at least what came after the warm-up was sampled, at most what came after the probes). */
void sc_runner_add_counted(const struct sc_observed *ob, struct sc_want *s, struct sc_want *f);

/* The list of a kind (pods, deployments) in the test namespace, with the expectation's label
 * selector: every selected resource that served traffic is an item with its counts, no item
 * is a resource the selector does not match (judge_metrics_list.c). */
SC_MUST_CHECK int sc_judge_metrics_list(struct sc_casectx *x, const struct sc_step *s);

#endif
