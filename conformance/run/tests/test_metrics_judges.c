/* test_metrics_judges.c - the metrics judges of issue 13 against a scripted platform: an edge
 * to a workload, a window asked for (and widened for a scraper), absence of both counts, and
 * lists with a label selector. */
#include <check.h>
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent/result.h"
#include "load/result.h"
#include "run/results.h"
#include "run/runner.h"
#include "suite/suite.h"

#include "base/tests/check_main.h"

/* ---- a scripted platform: every agent answers 200 from pod server-0; the metrics API
 * answers `body` for every path and records the paths ---- */

struct fake {
    struct sc_platform base;
    const char *body;
    char paths[32][400];
    size_t npaths;
};

static int f_served(struct sc_platform *p, const char *group, int *v, size_t *n)
{
    (void)p;
    v[0] = strcmp(group, "metrics") == 0 ? 2 : strcmp(group, "access") == 0 ? 3 : 4;
    *n = 1;
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
    (void)p, (void)ns, (void)json, (void)err;
    return 0;
}

static int f_remove(struct sc_platform *p, const char *ns, const char *api, const char *kind,
                    const char *name, struct sc_err *err)
{
    (void)p, (void)ns, (void)api, (void)kind, (void)name, (void)err;
    return 0;
}

static int f_traffic(struct sc_platform *p, const char *ns, const char *workload, unsigned pod,
                     const struct sc_agent_plan *plan, struct sc_agent_result *result,
                     struct sc_err *err)
{
    struct sc_load_result *r = sc_load_result_new();
    cJSON *j;
    char *text;
    int rc;
    (void)p, (void)ns, (void)workload, (void)pod;
    r->sent = r->responses = plan->requests;
    r->status[200] = plan->requests;
    sc_load_result_add_backend(r, "server-0", 8, plan->requests);
    j = sc_load_result_to_json(r);
    text = cJSON_PrintUnformatted(j);
    rc = sc_agent_result_parse(text, strlen(text), result, err);
    cJSON_Delete(j);
    free(text);
    sc_load_result_free(r);
    return rc;
}

static int f_metrics(struct sc_platform *p, const char *path, char **json, struct sc_err *err)
{
    struct fake *f = (struct fake *)p;
    (void)err;
    if (f->npaths < 32)
        snprintf(f->paths[f->npaths++], sizeof(f->paths[0]), "%s", path);
    *json = strdup(f->body);
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
    (void)p, (void)ns;
    *out = NULL;
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

/* Counted exactly, or (scrape_ms > 0) scraped every scrape_ms with a 10% tolerance. */
static void fake_init(struct fake *f, const char *body, unsigned scrape_ms)
{
    memset(f, 0, sizeof(*f));
    f->base.ops = &fake_ops;
    f->base.deny.http_status[0] = 403;
    f->base.deny.nhttp_status = 1;
    f->base.deny.udp = SC_DENY_TIMEOUT;
    f->base.metrics_exact = scrape_ms == 0;
    f->base.metrics_tolerance = 0.1;
    f->base.metrics_scrape_ms = scrape_ms;
    f->base.metrics_deadline_ms = 1000;
    f->body = body;
}

/* Run the one test in `yaml` on f: its verdict, and its message into msg. */
static enum sc_verdict run_test(struct fake *f, const char *yaml, char *msg, size_t len)
{
    char path[] = "/tmp/sc-metrics-judges-XXXXXX";
    int fd = mkstemp(path);
    struct sc_test *t = NULL;
    struct sc_runner_opts o;
    struct sc_run *run;
    struct sc_err err;
    enum sc_verdict v;

    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(write(fd, yaml, strlen(yaml)), (ssize_t)strlen(yaml));
    close(fd);
    sc_err_init(&err);
    ck_assert_msg(sc_test_load(path, &t, &err) == 0, "%s", err.msg);
    unlink(path);
    sc_runner_opts_init(&o);
    o.parallel = 1;
    o.timeout_ms = 600;
    o.retries = 0;
    run = sc_run_new();
    ck_assert_msg(sc_runner_plan(&f->base, &t, 1, &o, run, &err) == 0, "%s", err.msg);
    ck_assert_msg(sc_runner_execute(&f->base, &t, 1, &o, run, &err) == 0, "%s", err.msg);
    v = run->cases[0].verdict;
    snprintf(msg, len, "%s", run->cases[0].message ? run->cases[0].message : "");
    sc_run_free(run);
    sc_test_free(t);
    return v;
}

/* Was a path containing s asked for? */
static bool asked(const struct fake *f, const char *s)
{
    for (size_t i = 0; i < f->npaths; i++)
        if (strstr(f->paths[i], s) != NULL)
            return true;
    return false;
}

#define HEAD                                                                                       \
    "name: m\narea: metrics\nworkloads:\n"                                                         \
    "  - {name: alice, serviceAccount: alice, labels: {tier: front}}\n"                            \
    "  - {name: server, serviceAccount: server, labels: {app: server, tier: back}}\n"              \
    "  - {name: other, serviceAccount: server, labels: {app: other, tier: back}}\n"                \
    "services:\n  - {name: server, selector: {app: server}, ports: [8080]}\n"                      \
    "steps:\n"                                                                                     \
    "  - send: {traffic: {from: alice, to: server, path: /}, requests: 20}\n"

/* An item: resource `name`, optional edge (direction, peer), its two counts. */
#define ITEM(name, edge, s, f)                                                                     \
    "{\"resource\":{\"kind\":\"Pod\",\"name\":\"" name "\"}" edge ",\"metrics\":["                 \
    "{\"name\":\"success_count\",\"value\":\"" s "\"},"                                            \
    "{\"name\":\"failure_count\",\"value\":\"" f "\"}]}"
#define EDGE(dir, peer) ",\"edge\":{\"direction\":\"" dir "\",\"resource\":{\"name\":\"" peer "\"}}"
#define LIST(items)     "{\"kind\":\"TrafficMetricsList\",\"items\":[" items "]}"

/* The probe batch (5) and the send (20): the sender's edge to the server carries 25. */
START_TEST(an_edge_to_a_workload_is_the_senders_edge_in_direction_to)
{
    static const char test[] =
        HEAD "  - expect:\n      metrics: {resource: deployments, name: alice, edgesTo: server,"
             " success: observed, failure: observed}\n";
    char msg[1024];
    struct fake f;

    fake_init(&f, LIST(ITEM("alice", EDGE("to", "server"), "25", "0")), 0);
    ck_assert_int_eq(run_test(&f, test, msg, sizeof(msg)), SC_PASSED);
    ck_assert(asked(&f, "/deployments/alice/edges?t="));

    fake_init(&f, LIST(ITEM("alice", EDGE("to", "server"), "24", "0")), 0);
    ck_assert_int_eq(run_test(&f, test, msg, sizeof(msg)), SC_FAILED);

    /* the server's edge from alice is not alice's edge to the server */
    fake_init(&f, LIST(ITEM("alice", EDGE("from", "server"), "25", "0")), 0);
    ck_assert_int_eq(run_test(&f, test, msg, sizeof(msg)), SC_FAILED);
    ck_assert_msg(strstr(msg, "no edge to 'server'") != NULL, "%s", msg);
}
END_TEST

START_TEST(a_window_is_asked_as_is_or_widened_to_three_scrape_intervals)
{
    static const char test[] =
        HEAD "  - expect:\n      metrics: {resource: deployments, name: server, window: 2s,"
             " absent: true}\n";
    char msg[1024];
    struct fake f;

    fake_init(&f, ITEM("server", "", "0", "0"), 0);
    ck_assert_int_eq(run_test(&f, test, msg, sizeof(msg)), SC_PASSED);
    ck_assert(asked(&f, "/deployments/server?t=2s"));

    /* absent means neither count: failures alone are counted traffic */
    fake_init(&f, ITEM("server", "", "0", "3"), 0);
    ck_assert_int_eq(run_test(&f, test, msg, sizeof(msg)), SC_FAILED);
    ck_assert_msg(strstr(msg, "failure_count 3") != NULL, "%s", msg);

    /* scraped every 1 s: 2 s would hold one sample, so the window is 3 s */
    fake_init(&f, ITEM("server", "", "0", "0"), 1000);
    ck_assert_int_eq(run_test(&f, test, msg, sizeof(msg)), SC_PASSED);
    ck_assert(asked(&f, "/deployments/server?t=3s"));
    ck_assert(!asked(&f, "/deployments/server?t=2s"));
}
END_TEST

START_TEST(a_list_holds_its_selected_resources_with_their_counts_and_nothing_else)
{
    static const char test[] =
        HEAD "  - expect:\n      metrics: {resource: pods, selector: {tier: back},"
             " success: observed, failure: observed}\n";
    static const struct {
        const char *body;
        enum sc_verdict v;
        const char *why;
    } rows[] = {
        {LIST(ITEM("server-0", "", "25", "0")), SC_PASSED, NULL},
        /* selected, no traffic: listed with zero counts or not at all */
        {LIST(ITEM("server-0", "", "25", "0") "," ITEM("other-0", "", "0", "0")), SC_PASSED, NULL},
        {LIST(ITEM("server-0", "", "25", "0") "," ITEM("other-0", "", "3", "0")), SC_FAILED,
         "other-0: success_count 3"},
        {LIST(ITEM("server-0", "", "25", "0") "," ITEM("alice-0", "", "0", "0")), SC_FAILED,
         "lists alice-0, which the selector does not match"},
        {LIST(ITEM("server-0", "", "24", "0")), SC_FAILED, "server-0: success_count 24"},
        {LIST(""), SC_FAILED, "no item for server-0"},
        {"{\"kind\":\"TrafficMetrics\"}", SC_FAILED, "not a TrafficMetricsList"},
    };
    char msg[1024];
    struct fake f;

    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        fake_init(&f, rows[i].body, 0);
        ck_assert_msg(run_test(&f, test, msg, sizeof(msg)) == rows[i].v, "row %zu: %s", i, msg);
        ck_assert_msg(rows[i].why == NULL || strstr(msg, rows[i].why) != NULL, "row %zu: %s", i,
                      msg);
        ck_assert(asked(&f, "/pods?t="));
        ck_assert(asked(&f, "&labelSelector=tier%3Dback"));
    }
}
END_TEST

int main(void)
{
    Suite *s = suite_create("metrics-judges");
    TCase *tc = tcase_create("judges");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, an_edge_to_a_workload_is_the_senders_edge_in_direction_to);
    tcase_add_test(tc, a_window_is_asked_as_is_or_widened_to_three_scrape_intervals);
    tcase_add_test(tc, a_list_holds_its_selected_resources_with_their_counts_and_nothing_else);
    suite_add_tcase(s, tc);
    return sc_check_run(s);
}
