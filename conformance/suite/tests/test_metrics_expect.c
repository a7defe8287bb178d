/* test_metrics_expect.c - reading metrics expectations: edges to a workload, a window, lists
 * with a label selector, and each misuse refused at its position. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "suite/suite.h"

#include "base/tests/check_main.h"

/* Load a test made of one metrics expectation `metrics` (a flow mapping's inside). Returns
 * the loader's code; *t is the test on success (caller frees), err the message. */
static int load_metrics(const char *metrics, struct sc_test **t, struct sc_err *err, char *path,
                        size_t len)
{
    FILE *f;
    int fd;
    snprintf(path, len, "/tmp/sc-test-metrics-expect-XXXXXX");
    fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    f = fdopen(fd, "w");
    ck_assert_ptr_nonnull(f);
    fprintf(f,
            "name: t\narea: metrics\nworkloads:\n"
            "  - {name: a, serviceAccount: a, labels: {tier: front}}\n"
            "  - {name: b, serviceAccount: b, labels: {tier: back}}\n"
            "steps:\n"
            "  - expect: {metrics: {%s}}\n",
            metrics);
    fclose(f);
    sc_err_init(err);
    *t = NULL;
    return sc_test_load(path, t, err);
}

static const struct sc_metrics_expect *loaded(const char *metrics, struct sc_test **t)
{
    struct sc_err err;
    char path[64];
    int rc = load_metrics(metrics, t, &err, path, sizeof(path));
    unlink(path);
    ck_assert_msg(rc == 0, "%s", err.msg);
    return &(*t)->steps[0].metrics;
}

/* The loader refuses `metrics`, at line 7 (the expectation) and with `what` in the message. */
static void refused(const char *metrics, const char *what)
{
    struct sc_test *t;
    struct sc_err err;
    char path[64], want[128];
    int rc = load_metrics(metrics, &t, &err, path, sizeof(path));
    unlink(path);
    ck_assert_int_eq(rc, SC_EINVAL);
    ck_assert_ptr_null(t);
    snprintf(want, sizeof(want), "%s:7:", path);
    ck_assert_msg(strncmp(err.msg, want, strlen(want)) == 0, "'%s' not at line 7", err.msg);
    ck_assert_msg(strstr(err.msg, what) != NULL, "'%s' not in '%s'", what, err.msg);
}

START_TEST(an_edge_to_a_workload_loads_on_a_deployment)
{
    struct sc_test *t;
    const struct sc_metrics_expect *me =
        loaded("resource: deployments, name: a, edgesTo: b, success: observed", &t);
    ck_assert_str_eq(me->edges_to, "b");
    ck_assert_ptr_null(me->edges_from);
    ck_assert(!me->list);
    ck_assert_uint_eq(me->window_s, 0);
    sc_test_free(t);
}
END_TEST

START_TEST(a_window_is_read_in_whole_seconds)
{
    struct sc_test *t;
    const struct sc_metrics_expect *me =
        loaded("resource: deployments, name: b, window: 2s, absent: true", &t);
    ck_assert_uint_eq(me->window_s, 2);
    sc_test_free(t);
    me = loaded("resource: deployments, name: b, window: 1m, absent: true", &t);
    ck_assert_uint_eq(me->window_s, 60);
    sc_test_free(t);
}
END_TEST

START_TEST(pods_without_a_name_are_the_list_with_its_selector)
{
    struct sc_test *t;
    const struct sc_metrics_expect *me =
        loaded("resource: pods, selector: {tier: back, app: b}, success: observed", &t);
    ck_assert(me->list);
    ck_assert_uint_eq(me->nselector, 2);
    ck_assert_str_eq(me->selector[0].key, "tier");
    ck_assert_str_eq(me->selector[0].value, "back");
    ck_assert_str_eq(me->selector[1].key, "app");
    sc_test_free(t);
    me = loaded("resource: deployments, failure: observed", &t);
    ck_assert(me->list);
    ck_assert_uint_eq(me->nselector, 0);
    sc_test_free(t);
    me = loaded("resource: namespaces, success: observed", &t);
    ck_assert(!me->list); /* the test namespace itself */
    sc_test_free(t);
}
END_TEST

START_TEST(misused_metrics_fields_are_refused_at_their_expectation)
{
    refused("resource: pods, name: a-0, edgesTo: b, success: observed", "use it with deployments");
    refused("resource: deployments, name: a, edgesTo: b, edgesFrom: b, success: observed",
            "not both");
    refused("resource: deployments, name: a, selector: {tier: back}, success: observed",
            "selector filters a list");
    refused("resource: pods, absent: true", "checks success and failure counts only");
    refused("resource: deployments, edgesFrom: a, success: observed",
            "checks success and failure counts only");
    refused("resource: deployments, name: a, window: 0s, absent: true", "whole seconds");
    refused("resource: deployments, name: a, window: 1500ms, absent: true", "whole seconds");
    refused("resource: deployments, name: a, window: 601s, absent: true", "from 1s to 600s");
    refused("resource: trafficsplits, name: s, edgesTo: b, success: observed",
            "do not apply to trafficsplits");
}
END_TEST

static Suite *metrics_expect_suite(void)
{
    Suite *s = suite_create("metrics-expect");
    TCase *tc = tcase_create("load");
    tcase_add_test(tc, an_edge_to_a_workload_loads_on_a_deployment);
    tcase_add_test(tc, a_window_is_read_in_whole_seconds);
    tcase_add_test(tc, pods_without_a_name_are_the_list_with_its_selector);
    tcase_add_test(tc, misused_metrics_fields_are_refused_at_their_expectation);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return sc_check_run(metrics_expect_suite());
}
