/* test_verdicts.c - the runner's verdict logic against a scripted platform: denial sets, waiting
 * per client, errors vs failures and re-runs, metrics units, tolerance and absence. */
#include <check.h>
#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent/result.h"
#include "load/result.h"
#include "run/case.h"
#include "run/results.h"
#include "run/runner.h"
#include "suite/suite.h"

#include "base/tests/check_main.h"

/* ---- a scripted platform ----------------------------------------------------------------- */

#define SCRIPT_MAX 8

/* What one workload's agent answers, call after call (the last entry repeats). */
struct client_script {
    const char *workload;
    const char *answers[SCRIPT_MAX]; /* "200:server-0", "403", "err:connect", "fail" */
    size_t n, calls;
};

struct fake {
    struct sc_platform base;
    struct client_script clients[4];
    size_t nclients;
    int metrics_rc; /* what the metrics API answers: 0 with body, or an SC_E code */
    const char *metrics_body;
    unsigned applies;
    char paths[32][320]; /* the metrics paths asked for, first ones */
    size_t npaths;
    bool no_access; /* SMI access is not served (Linkerd with linkerd-smi) */
};

static int f_served(struct sc_platform *p, const char *group, int *v, size_t *n)
{
    bool none = ((struct fake *)p)->no_access && strcmp(group, "access") == 0;
    v[0] = strcmp(group, "metrics") == 0 ? 2 : strcmp(group, "access") == 0 ? 3 : 4;
    *n = none ? 0 : 1;
    return 0;
}

static int f_ns(struct sc_platform *p, const char *ns, struct sc_err *err)
{
    (void)p, (void)ns, (void)err;
    return 0;
}

static int f_deploy(struct sc_platform *p, const char *ns, const struct sc_workload *w,
                    struct sc_err *err)
{
    (void)p, (void)ns, (void)w, (void)err;
    return 0;
}

static int f_service(struct sc_platform *p, const char *ns, const struct sc_service *s,
                     struct sc_err *err)
{
    (void)p, (void)ns, (void)s, (void)err;
    return 0;
}

static int f_ready(struct sc_platform *p, const char *ns, unsigned t, struct sc_err *err)
{
    (void)p, (void)ns, (void)t, (void)err;
    return 0;
}

static int f_apply(struct sc_platform *p, const char *ns, const char *json, struct sc_err *err)
{
    (void)ns, (void)json, (void)err;
    ((struct fake *)p)->applies++;
    return 0;
}

static int f_remove(struct sc_platform *p, const char *ns, const char *api, const char *kind,
                    const char *name, struct sc_err *err)
{
    (void)p, (void)ns, (void)api, (void)kind, (void)name, (void)err;
    return 0;
}

/* The agent's JSON for `n` requests answered as `what` says. */
static char *answer_json(const char *what, uint64_t n)
{
    struct sc_load_result *r = sc_load_result_new();
    cJSON *j;
    char *text;
    r->sent = n;
    if (strncmp(what, "err:", 4) == 0) {
        for (int k = 0; k < SC_LERR_COUNT; k++)
            if (strcmp(what + 4, sc_load_errkind_name((enum sc_load_errkind)k)) == 0)
                r->errors[k] = n;
    } else {
        const char *pod = strchr(what, ':');
        r->responses = n;
        r->status[atoi(what)] = n;
        if (pod != NULL)
            sc_load_result_add_backend(r, pod + 1, strlen(pod + 1), n);
    }
    j = sc_load_result_to_json(r);
    text = cJSON_PrintUnformatted(j);
    cJSON_Delete(j);
    sc_load_result_free(r);
    return text;
}

static int f_traffic(struct sc_platform *p, const char *ns, const char *workload, unsigned pod,
                     const struct sc_agent_plan *plan, struct sc_agent_result *result,
                     struct sc_err *err)
{
    struct fake *f = (struct fake *)p;
    (void)pod;
    for (size_t i = 0; i < f->nclients; i++) {
        struct client_script *c = &f->clients[i];
        const char *what;
        char *text;
        int rc;
        if (strcmp(c->workload, workload) != 0)
            continue;
        what = c->answers[c->calls < c->n ? c->calls : c->n - 1];
        c->calls++;
        if (strcmp(what, "fail") == 0 ||
            (strcmp(what, "fail-first-run") == 0 && strstr(ns, "-r1-") == NULL))
            return sc_err_set(err, SC_EIO, "the pod proxy answered 500");
        if (strcmp(what, "fail-first-run") == 0)
            what = "403"; /* the re-run (its namespaces are named -r1-) is answered */
        text = answer_json(what, plan->requests);
        rc = sc_agent_result_parse(text, strlen(text), result, err);
        free(text);
        return rc;
    }
    return sc_err_set(err, SC_ENOTFOUND, "no script for %s", workload);
}

static int f_metrics(struct sc_platform *p, const char *path, char **json, struct sc_err *err)
{
    struct fake *f = (struct fake *)p;
    *json = NULL;
    if (f->npaths < 32)
        snprintf(f->paths[f->npaths++], sizeof(f->paths[0]), "%s", path);
    if (f->metrics_rc != 0)
        return sc_err_set(err, f->metrics_rc, "GET %s: %s", path, sc_strerror(f->metrics_rc));
    *json = strdup(f->metrics_body);
    return 0;
}

static void f_describe(struct sc_platform *p, struct sc_platform_info *out)
{
    (void)p;
    out->mesh = "fake";
    out->kube_version = NULL;
    out->keep_note = NULL;
}

static void f_diagnostics(struct sc_platform *p, const char *ns, char **out)
{
    (void)p;
    *out = strdup(ns); /* which namespace they were read from */
}

static void f_destroy(struct sc_platform *p)
{
    (void)p;
}

static const struct sc_platform_ops fake_ops = {
    .name = "fake",
    .served = f_served,
    .create_namespace = f_ns,
    .delete_namespace = f_ns,
    .deploy = f_deploy,
    .create_service = f_service,
    .wait_ready = f_ready,
    .apply = f_apply,
    .remove = f_remove,
    .traffic = f_traffic,
    .metrics = f_metrics,
    .describe = f_describe,
    .diagnostics = f_diagnostics,
    .destroy = f_destroy,
};

static void fake_init(struct fake *f)
{
    memset(f, 0, sizeof(*f));
    f->base.ops = &fake_ops;
    f->base.deny.http_status[0] = 403;
    f->base.deny.nhttp_status = 1;
    f->base.deny.udp = SC_DENY_TIMEOUT;
    f->base.metrics_exact = true;
}

/* A platform whose metrics API is scraped every 100 ms, counts within 10%. */
static void fake_scraped(struct fake *f)
{
    fake_init(f);
    f->base.metrics_exact = false;
    f->base.metrics_tolerance = 0.1;
    f->base.metrics_scrape_ms = 100;
    f->base.metrics_deadline_ms = 1500;
}

static void script(struct fake *f, const char *workload, const char *const *answers)
{
    struct client_script *c = &f->clients[f->nclients++];
    c->workload = workload;
    for (c->n = 0; answers[c->n] != NULL && c->n < SCRIPT_MAX; c->n++)
        c->answers[c->n] = answers[c->n];
}

/* Run the one test in `yaml` (its area's newest version) on f; the case is returned in *run. */
static struct sc_case *run_test(struct fake *f, const char *yaml, struct sc_run **run)
{
    char path[] = "/tmp/sc-verdicts-XXXXXX";
    int fd = mkstemp(path);
    struct sc_test *t = NULL;
    struct sc_runner_opts o;
    struct sc_err err;

    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(write(fd, yaml, strlen(yaml)), (ssize_t)strlen(yaml));
    close(fd);
    sc_err_init(&err);
    ck_assert_msg(sc_test_load(path, &t, &err) == 0, "%s", err.msg);
    unlink(path);
    sc_runner_opts_init(&o);
    o.parallel = 1;
    o.timeout_ms = 1500;
    *run = sc_run_new();
    ck_assert_msg(sc_runner_plan(&f->base, &t, 1, &o, *run, &err) == 0, "%s", err.msg);
    ck_assert_uint_eq((*run)->ncases, 1);
    ck_assert_msg(sc_runner_execute(&f->base, &t, 1, &o, *run, &err) == 0, "%s", err.msg);
    sc_test_free(t);
    return &(*run)->cases[0];
}

#define ACCESS_HEAD                                                                                \
    "name: t\narea: access\nworkloads:\n"                                                          \
    "  - {name: alice, serviceAccount: alice}\n"                                                   \
    "  - {name: bob, serviceAccount: bob}\n"                                                       \
    "  - {name: server, serviceAccount: server, labels: {app: server}}\n"                          \
    "services:\n  - {name: server, selector: {app: server}, ports: [8080]}\n"                      \
    "steps:\n"

#define APPLY_TT                                                                                   \
    "  - apply: |\n"                                                                               \
    "      apiVersion: access.smi-spec.io/v1alpha3\n"                                              \
    "      kind: TrafficTarget\n"                                                                  \
    "      metadata: {name: tt}\n"                                                                 \
    "      spec:\n"                                                                                \
    "        destination: {kind: ServiceAccount, name: server, namespace: $NS}\n"                  \
    "        sources:\n"                                                                           \
    "          - {kind: ServiceAccount, name: alice, namespace: $NS}\n"                            \
    "        rules: [{kind: HTTPRouteGroup, name: r}]\n"

/* ---- denial sets ------------------------------------------------------------------------- */

/* Classify one agent answer (`what` for 10 requests) under denial set d. */
static struct sc_outcome classify(const struct sc_denial *d, enum sc_proto proto, const char *what)
{
    struct sc_outcome o;
    struct sc_err err;
    char *text = answer_json(what, 10);
    memset(&o, 0, sizeof(o));
    sc_err_init(&err);
    ck_assert_msg(sc_agent_result_parse(text, strlen(text), &o.res, &err) == 0, "%s", err.msg);
    free(text);
    o.total = 10;
    sc_runner_classify(d, proto, &o);
    return o;
}

START_TEST(a_request_is_denied_iff_its_outcome_is_in_the_set)
{
    static const struct {
        int status;
        unsigned kinds;
        const char *what;
        uint64_t denied, other;
    } rows[] = {
        {403, 0, "403", 10, 0},
        {403, 0, "503", 0, 10},         /* another status is not a denial */
        {403, 0, "err:connect", 0, 10}, /* refused, but the set does not say so */
        {403, SC_DENY_REFUSED, "err:connect", 10, 0},
        {403, SC_DENY_RESET, "err:reset", 10, 0},
        {403, SC_DENY_RESET, "err:write", 10, 0},
        {403, SC_DENY_CLOSED, "err:read", 10, 0},
        {403, SC_DENY_REFUSED, "err:read", 0, 10},
        {403, SC_DENY_TIMEOUT, "err:timeout", 10, 0},
        {403, SC_DENY_TIMEOUT, "err:protocol", 0, 10},
        {0, SC_DENY_RESET, "403", 0, 10}, /* a status no one listed */
    };
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        struct sc_denial d = {.http = rows[i].kinds};
        struct sc_outcome o;
        if (rows[i].status) {
            d.http_status[0] = rows[i].status;
            d.nhttp_status = 1;
        }
        o = classify(&d, SC_PROTO_HTTP, rows[i].what);
        ck_assert_msg(o.denied == rows[i].denied && o.other == rows[i].other,
                      "row %zu (%s): denied %llu other %llu", i, rows[i].what,
                      (unsigned long long)o.denied, (unsigned long long)o.other);
        sc_runner_outcome_release(&o);
    }
}
END_TEST

START_TEST(a_missing_counter_is_zero_not_a_huge_number)
{
    struct sc_denial d = {.udp = SC_DENY_TIMEOUT};
    struct sc_outcome o = classify(&d, SC_PROTO_HTTP, "200:server-0");
    ck_assert_uint_eq(o.denied, 0);
    ck_assert_uint_eq(o.other, 0);
    ck_assert_uint_eq(o.status2xx, 10);
    sc_runner_outcome_release(&o);
}
END_TEST

/* ---- consistency ------------------------------------------------------------------------- */

START_TEST(a_second_client_waits_for_its_own_proxy_after_a_change)
{
    struct fake f;
    struct sc_run *run;
    struct sc_case *c;
    fake_init(&f);
    /* Before the change each is denied (3 probes and a measurement); then alice is admitted
     * at once, and bob's proxy gets the change three calls later. */
    script(&f, "alice", (const char *[]){"403", "403", "403", "403", "200:server-0", NULL});
    script(&f, "bob",
           (const char *[]){"403", "403", "403", "403", "403", "403", "403", "200:server-0", NULL});
    c = run_test(&f,
                 ACCESS_HEAD
                 "  - expect: {traffic: {from: alice, to: server}, allowed: false}\n"
                 "  - expect: {traffic: {from: bob, to: server}, allowed: false}\n" APPLY_TT
                 "  - expect: {traffic: {from: alice, to: server}, allowed: true, "
                 "consecutive: 2}\n"
                 "  - expect: {traffic: {from: bob, to: server}, allowed: true, "
                 "consecutive: 2}\n",
                 &run);
    ck_assert_msg(c->verdict == SC_PASSED, "%s: %s", sc_verdict_name(c->verdict), c->message);
    /* bob was probed until admitted twice in a row, then measured: 4 + 3 + 2 + 1 calls */
    ck_assert_uint_eq(f.clients[1].calls, 10);
    sc_run_free(run);
}
END_TEST

START_TEST(an_unchanged_outcome_is_measured_without_probing_again)
{
    struct fake f;
    struct sc_run *run;
    struct sc_case *c;
    fake_init(&f);
    script(&f, "alice", (const char *[]){"403", NULL});
    c = run_test(&f,
                 ACCESS_HEAD "  - expect: {traffic: {from: alice, to: server}, allowed: false, "
                             "consecutive: 3}\n"
                             "  - expect: {traffic: {from: alice, to: server}, allowed: false, "
                             "consecutive: 3}\n",
                 &run);
    ck_assert_msg(c->verdict == SC_PASSED, "%s", c->message);
    /* 3 probes and a measurement, then only the second measurement */
    ck_assert_uint_eq(f.clients[0].calls, 5);
    sc_run_free(run);
}
END_TEST

START_TEST(a_denial_that_never_comes_fails_naming_the_spec_statement)
{
    struct fake f;
    struct sc_run *run;
    struct sc_case *c;
    fake_init(&f);
    script(&f, "alice", (const char *[]){"200:server-0", NULL});
    c = run_test(&f,
                 ACCESS_HEAD "  - expect:\n      traffic: {from: alice, to: server}\n"
                             "      allowed: false\n      spec: \"traffic is denied by default\"\n",
                 &run);
    ck_assert_int_eq(c->verdict, SC_FAILED);
    ck_assert_ptr_nonnull(strstr(c->message, "spec: \"traffic is denied by default\""));
    ck_assert_uint_eq(c->nassertions, 1);
    ck_assert_str_eq(c->assertions[0].spec, "traffic is denied by default");
    ck_assert(!c->assertions[0].error);
    sc_run_free(run);
}
END_TEST

/* ---- errors are not failures ------------------------------------------------------------- */

START_TEST(an_agent_that_cannot_be_reached_is_an_error_and_the_case_is_re_run)
{
    struct fake f;
    struct sc_run *run;
    struct sc_case *c;
    fake_init(&f);
    script(&f, "alice", (const char *[]){"fail", NULL});
    c = run_test(
        &f, ACCESS_HEAD "  - expect: {traffic: {from: alice, to: server}, allowed: false}\n", &run);
    ck_assert_int_eq(c->verdict, SC_ERROR);
    ck_assert_uint_eq(c->runs, 2);
    ck_assert_ptr_nonnull(c->rerun_reason);
    ck_assert_ptr_nonnull(strstr(c->message, "the pod proxy answered 500"));
    ck_assert(c->assertions[c->nassertions - 1].error);
    /* a platform error carries the diagnostics of its last run, as a failure does */
    ck_assert_ptr_nonnull(c->diagnostics);
    ck_assert_ptr_nonnull(strstr(c->diagnostics, "-r1-"));
    ck_assert_int_eq(sc_run_exit_status(&(struct sc_summary){1, 0, 0, 0, 1}), 2);
    sc_run_free(run);
}
END_TEST

START_TEST(an_error_then_a_pass_on_the_re_run_is_a_pass_that_says_so)
{
    struct fake f;
    struct sc_run *run;
    struct sc_case *c;
    fake_init(&f);
    /* every call of the first run fails; the re-run's calls are answered */
    script(&f, "alice", (const char *[]){"fail-first-run", NULL});
    c = run_test(
        &f, ACCESS_HEAD "  - expect: {traffic: {from: alice, to: server}, allowed: false}\n", &run);
    ck_assert_msg(c->verdict == SC_PASSED, "%s: %s", sc_verdict_name(c->verdict), c->message);
    ck_assert_uint_eq(c->runs, 2);
    ck_assert_ptr_nonnull(c->rerun_reason);
    sc_run_free(run);
}
END_TEST

/* ---- metrics ----------------------------------------------------------------------------- */

#define METRICS_TEST                                                                               \
    "name: m\narea: metrics\nworkloads:\n"                                                         \
    "  - {name: alice, serviceAccount: alice}\n"                                                   \
    "  - {name: server, serviceAccount: server, labels: {app: server}}\n"                          \
    "services:\n  - {name: server, selector: {app: server}, ports: [8080]}\n"                      \
    "steps:\n"                                                                                     \
    "  - expect:\n      metrics: {resource: deployments, name: server, absent: true}\n"

START_TEST(absent_metrics_hold_on_not_found_and_error_on_a_server_failure)
{
    struct fake f;
    struct sc_run *run;
    struct sc_case *c;
    fake_init(&f);
    f.metrics_rc = SC_ENOTFOUND;
    c = run_test(&f, METRICS_TEST, &run);
    ck_assert_msg(c->verdict == SC_PASSED, "%s", c->message);
    sc_run_free(run);
    fake_init(&f);
    f.metrics_rc = SC_EIO; /* a 500: nothing can be said about the mesh */
    c = run_test(&f, METRICS_TEST, &run);
    ck_assert_int_eq(c->verdict, SC_ERROR);
    sc_run_free(run);
    fake_init(&f);
    f.metrics_body = "{\"metrics\":[{\"name\":\"success_count\",\"value\":\"3\"}]}";
    c = run_test(&f, METRICS_TEST, &run);
    ck_assert_int_eq(c->verdict, SC_FAILED);
    sc_run_free(run);
}
END_TEST

/* The value of a one-metric item {name, value, unit} (unit NULL: none); *rc what it said. */
static double metric(const char *name, const char *value_json, const char *unit, int *rc)
{
    char text[256];
    cJSON *j;
    double v = NAN;
    snprintf(text, sizeof(text), "{\"metrics\":[{\"name\":\"%s\",\"value\":%s%s%s%s}]}", name,
             value_json, unit ? ",\"unit\":\"" : "", unit ? unit : "", unit ? "\"" : "");
    j = cJSON_Parse(text);
    ck_assert_ptr_nonnull(j);
    *rc = sc_runner_metric(j, name, &v);
    cJSON_Delete(j);
    return v;
}

START_TEST(metric_values_are_read_with_their_quantities_and_units)
{
    static const struct {
        const char *name, *value, *unit;
        int rc;
        double want;
    } rows[] = {
        {"p50_response_latency", "\"10m\"", "seconds", 1, 10.0}, /* the spec's own example */
        {"p50_response_latency", "\"10m\"", NULL, 1, 10.0},      /* a quantity of seconds */
        {"p50_response_latency", "10", "ms", 1, 10.0},
        {"p50_response_latency", "\"12.5\"", "milliseconds", 1, 12.5},
        {"p99_response_latency", "\"0.5\"", "s", 1, 500.0},
        {"p99_response_latency", "1500", "us", 1, 1.5},
        {"p99_response_latency", "7", NULL, 1, 7.0}, /* a bare number is milliseconds */
        {"success_count", "\"299500m\"", NULL, 1, 299.5},
        {"success_count", "\"1.5k\"", NULL, 1, 1500.0},
        {"success_count", "42", NULL, 1, 42.0},
        {"p50_response_latency", "10", "parsecs", -1, 0},
        {"success_count", "-1", NULL, -1, 0},
        {"success_count", "\"ten\"", NULL, -1, 0},
        {"success_count", "true", NULL, -1, 0},
    };
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        int rc;
        double v = metric(rows[i].name, rows[i].value, rows[i].unit, &rc);
        ck_assert_msg(rc == rows[i].rc, "row %zu: rc %d", i, rc);
        if (rc == 1)
            ck_assert_msg(fabs(v - rows[i].want) < 1e-9, "row %zu: %g, want %g", i, v,
                          rows[i].want);
    }
    {
        int rc;
        double v = metric("success_count", "1", NULL, &rc);
        cJSON *j = cJSON_Parse("{\"metrics\":[]}");
        (void)v;
        ck_assert_int_eq(sc_runner_metric(j, "failure_count", &v), 0);
        cJSON_Delete(j);
    }
}
END_TEST

START_TEST(counts_agree_exactly_or_within_the_tolerance_at_its_edges)
{
    struct sc_platform exact = {.metrics_exact = true};
    struct sc_platform prom = {.metrics_exact = false, .metrics_tolerance = 0.1};
    ck_assert(sc_runner_count_agrees(&exact, 100, 100));
    ck_assert(!sc_runner_count_agrees(&exact, 100.5, 100));
    ck_assert(!sc_runner_count_agrees(&exact, 99, 100));
    ck_assert(sc_runner_count_agrees(&prom, 110, 100));
    ck_assert(sc_runner_count_agrees(&prom, 90, 100));
    ck_assert(!sc_runner_count_agrees(&prom, 110.5, 100));
    ck_assert(!sc_runner_count_agrees(&prom, 89.5, 100));
    /* small counts: at least one request of slack, for milli-quantities */
    ck_assert(sc_runner_count_agrees(&prom, 6, 5));
    ck_assert(!sc_runner_count_agrees(&prom, 6.5, 5));
    ck_assert(sc_runner_count_agrees(&prom, 1, 0));
    ck_assert(!sc_runner_count_agrees(&prom, 2, 0));
}
END_TEST

/* How many metrics paths asked for contain `s`. */
static size_t asked(const struct fake *f, const char *s)
{
    size_t n = 0;
    for (size_t i = 0; i < f->npaths; i++)
        n += strstr(f->paths[i], s) != NULL;
    return n;
}

#define SEND_TEST                                                                                  \
    "name: m\narea: metrics\nworkloads:\n"                                                         \
    "  - {name: alice, serviceAccount: alice}\n"                                                   \
    "  - {name: server, serviceAccount: server, labels: {app: server}}\n"                          \
    "services:\n  - {name: server, selector: {app: server}, ports: [8080]}\n"                      \
    "steps:\n"                                                                                     \
    "  - send: {traffic: {from: alice, to: server, path: /}, requests: 20}\n"                      \
    "  - expect:\n      metrics: {resource: deployments, name: server, success: observed,"         \
    " failure: observed}\n"

/* One answer for every path: an edge from alice's pod, and the resource's own counts. */
#define SEND_METRICS(success)                                                                      \
    "{\"items\":[{\"edge\":{\"direction\":\"from\",\"resource\":{\"kind\":\"Pod\","                \
    "\"name\":\"alice-0\"}}}],\"metrics\":[{\"name\":\"success_count\",\"value\":\"" success       \
    "\"},{\"name\":\"failure_count\",\"value\":\"0\"}]}"

START_TEST(a_scraped_metrics_api_gets_a_window_a_warm_up_and_two_agreeing_answers)
{
    static const char *const ok[] = {"200:server-0", NULL};
    struct fake f;
    struct sc_run *run;
    struct sc_case *c;

    /* counted exactly: a probe batch (5) and the send (20), asked once, with a window */
    fake_init(&f);
    script(&f, "alice", ok);
    f.metrics_body = SEND_METRICS("25");
    c = run_test(&f, SEND_TEST, &run);
    ck_assert_msg(c->verdict == SC_PASSED, "%s", c->message);
    ck_assert_uint_eq(f.clients[0].calls, 2);
    ck_assert_uint_eq(asked(&f, "/edges"), 0);
    ck_assert_uint_eq(asked(&f, "/deployments/server?t="), 1);
    sc_run_free(run);

    /* scraped: a warm-up (5), each pod it reached polled for the edge; the series counts from
     * its first sample, before or after the probe batch (5) and the warm-up: 20 to 25; two
     * answers */
    fake_scraped(&f);
    script(&f, "alice", ok);
    f.metrics_body = SEND_METRICS("20");
    c = run_test(&f, SEND_TEST, &run);
    ck_assert_msg(c->verdict == SC_PASSED, "%s", c->message);
    ck_assert_uint_eq(f.clients[0].calls, 3);
    ck_assert_uint_eq(asked(&f, "/pods/server-0/edges?t="), 1);
    ck_assert_uint_eq(asked(&f, "/deployments/server?t="), 2);
    sc_run_free(run);

    /* 20 to 25 within 10% and at least 1: from 18 to 27.5; 17 and 28 are off */
    for (int k = 0; k < 4; k++) {
        static const char *const bodies[] = {SEND_METRICS("18"), SEND_METRICS("27.5"),
                                             SEND_METRICS("17"), SEND_METRICS("28")};
        fake_scraped(&f);
        script(&f, "alice", ok);
        f.metrics_body = bodies[k];
        c = run_test(&f, SEND_TEST, &run);
        ck_assert_msg(c->verdict == (k < 2 ? SC_PASSED : SC_FAILED), "%s: %s", bodies[k],
                      c->message);
        sc_run_free(run);
    }
}
END_TEST

START_TEST(header_filters_are_rewritten_as_a_list_of_one_key_maps)
{
    static const char *yaml = "apiVersion: specs.smi-spec.io/v1alpha4\nkind: HTTPRouteGroup\n"
                              "metadata: {name: r}\nspec:\n  matches:\n"
                              "    - {name: a, headers: {x-a: \"^1$\", x-b: two}}\n"
                              "    - {name: b, pathRegex: /x}\n"
                              "    - {name: c, headers: [{x-c: three}]}\n";
    struct sc_doc *d = NULL;
    struct sc_err err;
    cJSON *j;
    char *text;

    sc_err_init(&err);
    ck_assert_msg(sc_doc_parse(yaml, strlen(yaml), "t.yaml", &d, &err) == 0, "%s", err.msg);
    sc_runner_headers_as_list(d->root);
    j = sc_doc_to_json(d->root);
    text = cJSON_PrintUnformatted(cJSON_GetObjectItem(j, "spec"));
    ck_assert_str_eq(text, "{\"matches\":[{\"name\":\"a\",\"headers\":[{\"x-a\":\"^1$\"},"
                           "{\"x-b\":\"two\"}]},{\"name\":\"b\",\"pathRegex\":\"/x\"},"
                           "{\"name\":\"c\",\"headers\":[{\"x-c\":\"three\"}]}]}");
    free(text);
    cJSON_Delete(j);
    sc_doc_free(d);
}
END_TEST

#define SPLIT_WITH_TT(expect)                                                                      \
    "name: s\narea: split\nworkloads:\n"                                                           \
    "  - {name: alice, serviceAccount: alice}\n"                                                   \
    "  - {name: server, serviceAccount: server, labels: {app: server}}\n"                          \
    "services:\n  - {name: server, selector: {app: server}, ports: [8080]}\n"                      \
    "steps:\n" APPLY_TT "  - apply: |\n"                                                           \
    "      apiVersion: specs.smi-spec.io/v1alpha4\n      kind: HTTPRouteGroup\n"                   \
    "      metadata: {name: r}\n      spec: {matches: [{name: all, pathRegex: '.*'}]}\n" expect    \
    "  - delete: [{kind: TrafficTarget, name: tt}]\n"

START_TEST(without_smi_access_split_tests_run_without_targets_and_denying_ones_are_skipped)
{
    static const char *const ok[] = {"200:server-0", NULL};
    struct fake f;
    struct sc_run *run;
    struct sc_case *c;

    fake_init(&f);
    f.no_access = true;
    script(&f, "alice", ok);
    c = run_test(&f,
                 SPLIT_WITH_TT("  - expect: {traffic: {from: alice, to: server}, allowed: true}\n"),
                 &run);
    ck_assert_msg(c->verdict == SC_PASSED, "%s: %s", sc_verdict_name(c->verdict), c->message);
    ck_assert_uint_eq(f.applies, 1); /* the HTTPRouteGroup only: specs is served */
    sc_run_free(run);

    fake_init(&f);
    f.no_access = true;
    script(&f, "alice", ok);
    c = run_test(
        &f, SPLIT_WITH_TT("  - expect: {traffic: {from: alice, to: server}, allowed: false}\n"),
        &run);
    ck_assert_int_eq(c->verdict, SC_SKIPPED);
    ck_assert_str_eq(c->message, "the test denies traffic, which needs SMI access control: the "
                                 "platform does not serve it");
    ck_assert_uint_eq(f.applies, 0);
    sc_run_free(run);

    /* with access served, the same test applies both */
    fake_init(&f);
    script(&f, "alice", ok);
    c = run_test(&f,
                 SPLIT_WITH_TT("  - expect: {traffic: {from: alice, to: server}, allowed: true}\n"),
                 &run);
    ck_assert_msg(c->verdict == SC_PASSED, "%s: %s", sc_verdict_name(c->verdict), c->message);
    ck_assert_uint_eq(f.applies, 2);
    sc_run_free(run);
}
END_TEST

/* A workload kept out of the mesh needs a platform that knows how (a profile's `unmeshed`). */
START_TEST(a_test_with_an_unmeshed_workload_is_skipped_where_the_platform_cannot_keep_one_out)
{
    static const char *const ok[] = {"200:server-0", NULL};
    static const char *const yaml =
        "name: t\narea: access\nworkloads:\n"
        "  - {name: alice, serviceAccount: alice}\n"
        "  - {name: eve, serviceAccount: alice, mesh: false}\n"
        "  - {name: server, serviceAccount: server, labels: {app: server}}\n"
        "services:\n  - {name: server, selector: {app: server}, ports: [8080]}\n"
        "steps:\n  - expect: {traffic: {from: alice, to: server}, allowed: true}\n";
    struct fake f;
    struct sc_run *run;
    struct sc_case *c;

    fake_init(&f);
    script(&f, "alice", ok);
    c = run_test(&f, yaml, &run);
    ck_assert_int_eq(c->verdict, SC_SKIPPED);
    ck_assert_str_eq(c->message, "the test keeps a workload out of the mesh (mesh: false): the "
                                 "mesh profile does not say how (unmeshed)");
    sc_run_free(run);

    fake_init(&f);
    f.base.unmeshed_ok = true;
    script(&f, "alice", ok);
    c = run_test(&f, yaml, &run);
    ck_assert_msg(c->verdict == SC_PASSED, "%s: %s", sc_verdict_name(c->verdict), c->message);
    sc_run_free(run);
}
END_TEST

START_TEST(a_feature_the_profile_does_not_claim_is_skipped_and_protocols_are_recorded)
{
    static const char *const ok[] = {"200:server-0", NULL};
    static const char *const yaml =
        "name: t\narea: access\nfeatures: [http2]\nworkloads:\n"
        "  - {name: alice, serviceAccount: alice}\n"
        "  - {name: server, serviceAccount: server, labels: {app: server}}\n"
        "services:\n  - {name: server, selector: {app: server}, ports: [8080]}\n"
        "steps:\n  - expect: {traffic: {from: alice, to: server, protocol: http2}, allowed: "
        "true}\n";
    char h2name[] = "http2";
    char *none[] = {NULL}, *h2[] = {h2name, NULL};
    struct fake f;
    struct sc_run *run;
    struct sc_case *c;

    fake_init(&f);
    f.base.features_claimed = true;
    f.base.features = none;
    script(&f, "alice", ok);
    c = run_test(&f, yaml, &run);
    ck_assert_int_eq(c->verdict, SC_SKIPPED);
    ck_assert_ptr_nonnull(strstr(c->message, "does not claim the extended feature 'http2'"));
    sc_run_free(run);

    fake_init(&f);
    f.base.features_claimed = true;
    f.base.features = h2;
    f.base.nfeatures = 1;
    script(&f, "alice", ok);
    c = run_test(&f, yaml, &run);
    ck_assert_msg(c->verdict == SC_PASSED, "%s: %s", sc_verdict_name(c->verdict), c->message);
    ck_assert_uint_eq(c->nprotocols, 1);
    ck_assert_str_eq(c->protocols[0], "http2");
    sc_run_free(run);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("verdicts");
    TCase *tc = tcase_create("verdicts");

    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, a_request_is_denied_iff_its_outcome_is_in_the_set);
    tcase_add_test(tc, a_missing_counter_is_zero_not_a_huge_number);
    tcase_add_test(tc, a_second_client_waits_for_its_own_proxy_after_a_change);
    tcase_add_test(tc, an_unchanged_outcome_is_measured_without_probing_again);
    tcase_add_test(tc, a_denial_that_never_comes_fails_naming_the_spec_statement);
    tcase_add_test(tc, an_agent_that_cannot_be_reached_is_an_error_and_the_case_is_re_run);
    tcase_add_test(tc, an_error_then_a_pass_on_the_re_run_is_a_pass_that_says_so);
    tcase_add_test(tc, absent_metrics_hold_on_not_found_and_error_on_a_server_failure);
    tcase_add_test(tc, metric_values_are_read_with_their_quantities_and_units);
    tcase_add_test(tc, counts_agree_exactly_or_within_the_tolerance_at_its_edges);
    tcase_add_test(tc, a_scraped_metrics_api_gets_a_window_a_warm_up_and_two_agreeing_answers);
    tcase_add_test(tc, header_filters_are_rewritten_as_a_list_of_one_key_maps);
    tcase_add_test(tc,
                   without_smi_access_split_tests_run_without_targets_and_denying_ones_are_skipped);
    tcase_add_test(
        tc, a_test_with_an_unmeshed_workload_is_skipped_where_the_platform_cannot_keep_one_out);
    tcase_add_test(tc, a_feature_the_profile_does_not_claim_is_skipped_and_protocols_are_recorded);
    suite_add_tcase(s, tc);
    return sc_check_run(s);
}
