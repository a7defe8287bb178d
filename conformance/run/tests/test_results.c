/* test_results.c - the statistics behind split verdicts, and the results model. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "run/results.h"
#include "run/stats.h"

#include "base/tests/check_main.h"

START_TEST(split_sample_size_bounds_a_false_fail_by_one_in_a_million)
{
    uint64_t n2 = sc_stats_split_requests(2, 0.05, 1e-6);
    uint64_t n3 = sc_stats_split_requests(3, 0.05, 1e-6);
    ck_assert_uint_eq(n2, 3041);
    ck_assert_uint_eq(n3, 3122);
    /* The bound it guarantees: 2 k exp(-2 n t^2) <= 1e-6, and n is the smallest such. */
    ck_assert(4.0 * exp(-2.0 * (double)n2 * 0.0025) <= 1e-6);
    ck_assert(4.0 * exp(-2.0 * (double)(n2 - 1) * 0.0025) > 1e-6);
    ck_assert_uint_gt(sc_stats_split_requests(2, 0.02, 1e-6), n2);
}
END_TEST

START_TEST(a_sole_backend_sample_catches_a_leak_of_the_tolerance)
{
    uint64_t n = sc_stats_sole_backend_requests(0.05, 1e-6);
    ck_assert_uint_eq(n, 270);
    /* a mesh sending 5% elsewhere passes all n with probability at most 1e-6 */
    ck_assert(pow(0.95, (double)n) <= 1e-6);
    ck_assert(pow(0.95, (double)(n - 1)) > 1e-6);
    ck_assert_uint_lt(n, sc_stats_split_requests(1, 0.05, 1e-6));
    ck_assert_uint_eq(sc_stats_sole_backend_requests(0, 1e-6), 0);
}
END_TEST

START_TEST(wilson_interval_contains_the_share_and_narrows_with_n)
{
    double lo, hi, lo2, hi2;
    sc_stats_wilson(200, 1000, 1.96, &lo, &hi);
    ck_assert(lo < 0.2 && 0.2 < hi);
    ck_assert_double_eq_tol(lo, 0.1763, 1e-3);
    ck_assert_double_eq_tol(hi, 0.2260, 1e-3);
    sc_stats_wilson(2000, 10000, 1.96, &lo2, &hi2);
    ck_assert(hi2 - lo2 < hi - lo);
    sc_stats_wilson(0, 100, 1.96, &lo, &hi);
    ck_assert_double_eq(lo, 0);
}
END_TEST

START_TEST(summaries_count_by_area_and_version)
{
    struct sc_run *r = sc_run_new();
    struct sc_case *c;
    static const struct {
        const char *area, *version;
        enum sc_verdict v;
    } cases[] = {{"access", "v1alpha1", SC_PASSED},
                 {"access", "v1alpha2", SC_FAILED},
                 {"split", "v1alpha1", SC_SKIPPED},
                 {"split", "v1alpha4", SC_PASSED}};
    struct sc_summary s;
    for (size_t i = 0; i < 4; i++) {
        c = sc_run_add_case(r);
        c->area = strdup(cases[i].area);
        c->version = strdup(cases[i].version);
        c->test = strdup("t");
        c->verdict = cases[i].v;
    }
    s = sc_run_summary(r);
    ck_assert_uint_eq(s.total, 4);
    ck_assert_uint_eq(s.passed, 2);
    ck_assert_uint_eq(s.failed, 1);
    ck_assert_uint_eq(s.skipped, 1);
    s = sc_run_summary_of(r, "access", NULL);
    ck_assert_uint_eq(s.total, 2);
    s = sc_run_summary_of(r, "split", "v1alpha4");
    ck_assert_uint_eq(s.passed, 1);
    ck_assert_uint_eq(s.total, 1);
    sc_run_free(r);
}
END_TEST

START_TEST(exit_status_is_one_on_a_failure_else_two_on_an_error_or_nothing_tested)
{
    /* total, passed, failed, skipped, errors */
    ck_assert_int_eq(sc_run_exit_status(&(struct sc_summary){3, 3, 0, 0, 0}), 0);
    ck_assert_int_eq(sc_run_exit_status(&(struct sc_summary){3, 2, 0, 1, 0}), 0);
    ck_assert_int_eq(sc_run_exit_status(&(struct sc_summary){3, 1, 1, 0, 1}), 1);
    ck_assert_int_eq(sc_run_exit_status(&(struct sc_summary){3, 2, 0, 0, 1}), 2);
    ck_assert_int_eq(sc_run_exit_status(&(struct sc_summary){4, 0, 0, 4, 0}), 2);
    ck_assert_int_eq(sc_run_exit_status(&(struct sc_summary){0, 0, 0, 0, 0}), 2);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("results");
    TCase *tc = tcase_create("units");

    tcase_add_test(tc, split_sample_size_bounds_a_false_fail_by_one_in_a_million);
    tcase_add_test(tc, a_sole_backend_sample_catches_a_leak_of_the_tolerance);
    tcase_add_test(tc, wilson_interval_contains_the_share_and_narrows_with_n);
    tcase_add_test(tc, summaries_count_by_area_and_version);
    tcase_add_test(tc, exit_status_is_one_on_a_failure_else_two_on_an_error_or_nothing_tested);
    suite_add_tcase(s, tc);
    return sc_check_run(s);
}
