/* test_staging.c - the runner's order of work against a recording platform: a worker sets up
 * its next case before it runs the current one, every namespace is deleted once and confirmed
 * gone at the end, and an interrupted run abandons the staged case as "not run". */
#include <check.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "run/results.h"
#include "run/runner.h"
#include "suite/suite.h"

#include "base/tests/check_main.h"

#define EVENTS_MAX 64

/* A platform that only records what it is asked, in order. */
struct rec {
    struct sc_platform base;
    pthread_mutex_t mu;
    char events[EVENTS_MAX][96];
    size_t n;
    atomic_int *cancel_on_apply; /* set at the first apply (an interrupt mid-case) */
};

static void record(struct sc_platform *p, const char *what, const char *ns)
{
    struct rec *r = (struct rec *)p;
    pthread_mutex_lock(&r->mu);
    if (r->n < EVENTS_MAX)
        snprintf(r->events[r->n++], sizeof(r->events[0]), "%s %s", what, ns);
    pthread_mutex_unlock(&r->mu);
}

static int r_served(struct sc_platform *p, const char *group, int *v, size_t *n)
{
    (void)p;
    v[0] = strcmp(group, "metrics") == 0 ? 2 : strcmp(group, "access") == 0 ? 3 : 4;
    *n = 1;
    return 0;
}

static int r_create(struct sc_platform *p, const char *ns, struct sc_err *err)
{
    (void)err;
    record(p, "create", ns);
    return 0;
}

static int r_delete(struct sc_platform *p, const char *ns, struct sc_err *err)
{
    (void)err;
    record(p, "delete", ns);
    return 0;
}

static int r_await(struct sc_platform *p, struct sc_err *err)
{
    (void)err;
    record(p, "await", "-");
    return 0;
}

static int r_deploy(struct sc_platform *p, const char *ns, const struct sc_workload *w,
                    struct sc_err *err)
{
    (void)p, (void)ns, (void)w, (void)err;
    return 0;
}

static int r_service(struct sc_platform *p, const char *ns, const struct sc_service *s,
                     struct sc_err *err)
{
    (void)p, (void)ns, (void)s, (void)err;
    return 0;
}

static int r_ready(struct sc_platform *p, const char *ns, unsigned t, struct sc_err *err)
{
    (void)t, (void)err;
    record(p, "ready", ns);
    return 0;
}

static int r_apply(struct sc_platform *p, const char *ns, const char *json, struct sc_err *err)
{
    struct rec *r = (struct rec *)p;
    (void)json, (void)err;
    record(p, "apply", ns);
    if (r->cancel_on_apply != NULL)
        atomic_store(r->cancel_on_apply, 1);
    return 0;
}

static void r_diagnostics(struct sc_platform *p, const char *ns, char **out)
{
    (void)p, (void)ns;
    *out = NULL;
}

static const struct sc_platform_ops rec_ops = {
    .name = "recording",
    .served = r_served,
    .create_namespace = r_create,
    .delete_namespace = r_delete,
    .await_deleted = r_await,
    .deploy = r_deploy,
    .create_service = r_service,
    .wait_ready = r_ready,
    .apply = r_apply,
    .diagnostics = r_diagnostics,
};

/* Three tests of one apply step each ("a", "b", "c"), run one at a time. */
static struct sc_run *run_three(struct rec *r, atomic_int *cancel)
{
    static const char *const names[] = {"a", "b", "c"};
    struct sc_test *tests[3];
    struct sc_runner_opts o;
    struct sc_run *run = sc_run_new();
    struct sc_err err;

    for (int i = 0; i < 3; i++) {
        char path[] = "/tmp/sc-staging-XXXXXX", yaml[600];
        int fd = mkstemp(path);
        ck_assert_int_ge(fd, 0);
        snprintf(yaml, sizeof(yaml),
                 "name: %s\narea: specs\nworkloads:\n  - {name: server, serviceAccount: server, "
                 "labels: {app: server}}\nservices:\n  - {name: server, selector: {app: "
                 "server}, ports: [8080]}\nsteps:\n  - apply: |\n"
                 "      apiVersion: specs.smi-spec.io/v1alpha4\n      kind: HTTPRouteGroup\n"
                 "      metadata: {name: routes}\n      spec:\n"
                 "        matches: [{name: all, pathRegex: \".*\"}]\n",
                 names[i]);
        ck_assert_int_eq(write(fd, yaml, strlen(yaml)), (ssize_t)strlen(yaml));
        close(fd);
        sc_err_init(&err);
        ck_assert_msg(sc_test_load(path, &tests[i], &err) == 0, "%s", err.msg);
        unlink(path);
    }
    sc_runner_opts_init(&o);
    o.parallel = 1;
    o.timeout_ms = 1000;
    o.run_id = "t";
    o.cancel = cancel;
    ck_assert_msg(sc_runner_plan(&r->base, tests, 3, &o, run, &err) == 0, "%s", err.msg);
    ck_assert_uint_eq(run->ncases, 3);
    ck_assert_msg(sc_runner_execute(&r->base, tests, 3, &o, run, &err) == 0, "%s", err.msg);
    for (int i = 0; i < 3; i++)
        sc_test_free(tests[i]);
    return run;
}

static void rec_init(struct rec *r)
{
    memset(r, 0, sizeof(*r));
    pthread_mutex_init(&r->mu, NULL);
    r->base.ops = &rec_ops;
    r->base.deny.http_status[0] = 403;
    r->base.deny.nhttp_status = 1;
}

static void expect_events(const struct rec *r, const char *const *want)
{
    size_t n = 0;
    char all[EVENTS_MAX * 100] = "";
    for (size_t i = 0; i < r->n; i++)
        snprintf(all + strlen(all), sizeof(all) - strlen(all), "%s\n", r->events[i]);
    while (want[n] != NULL)
        n++;
    ck_assert_msg(r->n == n, "%zu events, want %zu:\n%s", r->n, n, all);
    for (size_t i = 0; i < n; i++)
        ck_assert_msg(strcmp(r->events[i], want[i]) == 0, "event %zu is '%s', want '%s':\n%s", i,
                      r->events[i], want[i], all);
}

START_TEST(the_next_case_is_set_up_before_the_current_one_runs_and_deletions_are_confirmed_last)
{
    static const char *const want[] = {"create sc-t-0-a", "create sc-t-1-b",
                                       "ready sc-t-0-a",  "apply sc-t-0-a",
                                       "delete sc-t-0-a", "create sc-t-2-c",
                                       "ready sc-t-1-b",  "apply sc-t-1-b",
                                       "delete sc-t-1-b", "ready sc-t-2-c",
                                       "apply sc-t-2-c",  "delete sc-t-2-c",
                                       "await -",         NULL};
    struct rec r;
    struct sc_run *run;
    rec_init(&r);
    run = run_three(&r, NULL);
    expect_events(&r, want);
    for (size_t i = 0; i < 3; i++)
        ck_assert_int_eq(run->cases[i].verdict, SC_PASSED);
    sc_run_free(run);
}
END_TEST

START_TEST(an_interrupt_abandons_the_staged_case_as_not_run_and_deletes_its_namespace)
{
    static const char *const want[] = {
        "create sc-t-0-a", "create sc-t-1-b", "ready sc-t-0-a", "apply sc-t-0-a",
        "delete sc-t-0-a", "delete sc-t-1-b", "await -",        NULL};
    atomic_int cancel = 0;
    struct rec r;
    struct sc_run *run;
    rec_init(&r);
    r.cancel_on_apply = &cancel;
    run = run_three(&r, &cancel);
    expect_events(&r, want);
    /* a: its last step was done when the interrupt came; b: staged, never run; c: never
     * started */
    ck_assert_int_eq(run->cases[0].verdict, SC_PASSED);
    for (size_t i = 1; i < 3; i++) {
        ck_assert_int_eq(run->cases[i].verdict, SC_SKIPPED);
        ck_assert_str_eq(run->cases[i].message, "not run: the run was interrupted");
    }
    sc_run_free(run);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("staging");
    TCase *tc = tcase_create("staging");
    tcase_add_test(
        tc, the_next_case_is_set_up_before_the_current_one_runs_and_deletions_are_confirmed_last);
    tcase_add_test(tc, an_interrupt_abandons_the_staged_case_as_not_run_and_deletes_its_namespace);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return sc_check_run(suite());
}
