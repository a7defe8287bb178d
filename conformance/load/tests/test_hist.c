/* test_hist.c - histogram accuracy against exact percentiles, merging, serialisation. */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "load/hist.h"
#include "load/result.h"

#include "base/tests/check_main.h"

static uint64_t rng_state = 88172645463325252ull;

static uint64_t xorshift(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

/* The exact p-th percentile: the smallest value with at least p% at or below it. */
static uint64_t exact_percentile(const uint64_t *sorted, size_t n, double p)
{
    size_t rank = (size_t)ceil(p / 100.0 * (double)n);
    if (rank == 0)
        rank = 1;
    return sorted[rank - 1];
}

static void check_against_exact(uint64_t *vals, size_t n)
{
    struct sc_hist *h = sc_hist_new();
    static const double ps[] = {1, 10, 50, 75, 90, 99, 99.9, 99.99};
    for (size_t i = 0; i < n; i++)
        sc_hist_record(h, vals[i]);
    qsort(vals, n, sizeof(*vals), cmp_u64);
    ck_assert_uint_eq(h->count, n);
    ck_assert_uint_eq(h->min, vals[0]);
    ck_assert_uint_eq(h->max, vals[n - 1]);
    ck_assert_uint_eq(sc_hist_percentile(h, 100), vals[n - 1]);
    for (size_t i = 0; i < sizeof(ps) / sizeof(ps[0]); i++) {
        uint64_t exact = exact_percentile(vals, n, ps[i]);
        uint64_t got = sc_hist_percentile(h, ps[i]);
        /* Three significant digits: within 1/1024 of the exact value, never below it. */
        ck_assert_msg(got >= exact, "p%g: %lu below exact %lu", ps[i], (unsigned long)got,
                      (unsigned long)exact);
        ck_assert_msg((double)(got - exact) <= (double)exact / 1024.0 + 1e-9,
                      "p%g: %lu vs exact %lu", ps[i], (unsigned long)got, (unsigned long)exact);
    }
    sc_hist_free(h);
}

START_TEST(percentiles_of_uniform_data_are_within_three_digits)
{
    size_t n = 200000;
    uint64_t *v = malloc(n * sizeof(*v));
    for (size_t i = 0; i < n; i++)
        v[i] = xorshift() % 5000000;
    check_against_exact(v, n);
    free(v);
}
END_TEST

START_TEST(percentiles_of_long_tailed_data_are_within_three_digits)
{
    size_t n = 200000;
    uint64_t *v = malloc(n * sizeof(*v));
    for (size_t i = 0; i < n; i++) {
        double u = ((double)(xorshift() >> 11) + 0.5) / 9007199254740992.0;
        v[i] = (uint64_t)(200.0 * exp(2.0 * sqrt(-2 * log(u)) * 0.7)); /* lognormal-ish */
    }
    check_against_exact(v, n);
    free(v);
}
END_TEST

START_TEST(small_values_are_exact)
{
    struct sc_hist *h = sc_hist_new();
    for (uint64_t v = 0; v < 2048; v++)
        sc_hist_record(h, v);
    for (uint64_t v = 0; v < 2048; v++)
        ck_assert_uint_eq(sc_hist_index_lo(sc_hist_index(v)), v);
    ck_assert_uint_eq(sc_hist_percentile(h, 50), 1023);
    sc_hist_free(h);
}
END_TEST

START_TEST(bucket_ranges_tile_the_value_space)
{
    /* Every bucket starts right after the previous one ends. */
    for (size_t i = 1; i < SC_HIST_LEN; i++)
        ck_assert_uint_eq(sc_hist_index_lo(i), sc_hist_index_hi(i - 1) + 1);
    for (int k = 0; k < 100000; k++) {
        uint64_t v = xorshift() % SC_HIST_MAX;
        size_t i = sc_hist_index(v);
        ck_assert(sc_hist_index_lo(i) <= v && v <= sc_hist_index_hi(i));
    }
}
END_TEST

START_TEST(values_above_the_range_keep_an_exact_max)
{
    struct sc_hist *h = sc_hist_new();
    sc_hist_record(h, 5);
    sc_hist_record(h, SC_HIST_MAX * 4);
    ck_assert_uint_eq(h->max, SC_HIST_MAX * 4);
    ck_assert_uint_eq(sc_hist_percentile(h, 100), SC_HIST_MAX * 4);
    ck_assert_uint_eq(sc_hist_percentile(h, 50), 5);
    sc_hist_free(h);
}
END_TEST

START_TEST(merge_equals_recording_everything)
{
    struct sc_hist *a = sc_hist_new(), *b = sc_hist_new(), *all = sc_hist_new();
    for (int i = 0; i < 100000; i++) {
        uint64_t v = xorshift() % 10000000;
        sc_hist_record(i % 3 ? a : b, v);
        sc_hist_record(all, v);
    }
    sc_hist_merge(a, b);
    ck_assert_uint_eq(a->count, all->count);
    ck_assert_uint_eq(a->min, all->min);
    ck_assert_uint_eq(a->max, all->max);
    ck_assert_int_eq(memcmp(a->counts, all->counts, sizeof(a->counts)), 0);
    for (double p = 0.5; p < 100; p += 7.3)
        ck_assert_uint_eq(sc_hist_percentile(a, p), sc_hist_percentile(all, p));
    sc_hist_free(a);
    sc_hist_free(b);
    sc_hist_free(all);
}
END_TEST

START_TEST(empty_histogram_reports_zeros)
{
    struct sc_hist *h = sc_hist_new();
    ck_assert_uint_eq(sc_hist_percentile(h, 99), 0);
    ck_assert_double_eq(sc_hist_mean(h), 0);
    ck_assert_double_eq(sc_hist_stdev(h), 0);
    sc_hist_free(h);
}
END_TEST

START_TEST(mean_and_stdev_are_exact)
{
    struct sc_hist *h = sc_hist_new();
    sc_hist_record(h, 2);
    sc_hist_record(h, 4);
    sc_hist_record(h, 4);
    sc_hist_record(h, 4);
    sc_hist_record(h, 5);
    sc_hist_record(h, 5);
    sc_hist_record(h, 7);
    sc_hist_record(h, 9);
    ck_assert_double_eq_tol(sc_hist_mean(h), 5.0, 1e-12);
    ck_assert_double_eq_tol(sc_hist_stdev(h), 2.0, 1e-12);
    sc_hist_free(h);
}
END_TEST

START_TEST(result_json_round_trip_preserves_counts_and_buckets)
{
    struct sc_load_result *r = sc_load_result_new(), *back = NULL, *merged;
    struct sc_err err;
    cJSON *j;

    r->url = strdup("http://127.0.0.1:1/");
    r->method = strdup("GET");
    r->responses = 1234;
    r->sent = 1240;
    r->status[200] = 1000;
    r->status[503] = 234;
    r->errors[SC_LERR_TIMEOUT] = 6;
    sc_load_result_add_backend(r, "pod-b", 5, 600);
    sc_load_result_add_backend(r, "pod-a", 5, 634);
    for (int i = 0; i < 5000; i++) {
        sc_hist_record(r->latency, xorshift() % 1000000);
        sc_hist_record(r->latency_uncorrected, xorshift() % 1000);
    }
    j = sc_load_result_to_json(r);
    sc_err_init(&err);
    ck_assert_int_eq(sc_load_result_from_json(j, &back, &err), 0);
    ck_assert_uint_eq(back->responses, 1234);
    ck_assert_uint_eq(back->status[503], 234);
    ck_assert_uint_eq(back->errors[SC_LERR_TIMEOUT], 6);
    ck_assert_uint_eq(back->nbackends, 2);
    ck_assert_str_eq(back->backends[0].name, "pod-a");
    ck_assert_uint_eq(back->backends[0].count, 634);
    ck_assert_int_eq(memcmp(back->latency->counts, r->latency->counts, sizeof(r->latency->counts)),
                     0);
    ck_assert_uint_eq(back->latency->max, r->latency->max);
    ck_assert_uint_eq(sc_hist_percentile(back->latency, 99), sc_hist_percentile(r->latency, 99));
    /* Merging two agents' results adds every count. */
    merged = sc_load_result_new();
    sc_load_result_merge(merged, r);
    sc_load_result_merge(merged, back);
    ck_assert_uint_eq(merged->responses, 2468);
    ck_assert_uint_eq(merged->backends[1].count, 1200);
    ck_assert_uint_eq(merged->latency->count, 10000);
    cJSON_Delete(j);
    sc_load_result_free(r);
    sc_load_result_free(back);
    sc_load_result_free(merged);
}
END_TEST

START_TEST(result_json_with_a_bad_field_names_it)
{
    struct sc_load_result *r = NULL;
    struct sc_err err;
    cJSON *j = cJSON_Parse("{\"schema\":\"smi-conformance/load-result/v1\",\"responses\":-3}");
    sc_err_init(&err);
    ck_assert_int_eq(sc_load_result_from_json(j, &r, &err), SC_EINVAL);
    ck_assert_ptr_null(r);
    ck_assert_ptr_nonnull(strstr(err.msg, "responses"));
    cJSON_Delete(j);
    j = cJSON_Parse("{\"schema\":\"smi-conformance/load-result/v1\",\"latency\":{\"count\":2,"
                    "\"buckets\":[[2049,2]]}}");
    ck_assert_int_eq(sc_load_result_from_json(j, &r, &err), SC_EINVAL);
    ck_assert_ptr_nonnull(strstr(err.msg, "latency.buckets"));
    cJSON_Delete(j);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("hist");
    TCase *tc = tcase_create("hist");

    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, percentiles_of_uniform_data_are_within_three_digits);
    tcase_add_test(tc, percentiles_of_long_tailed_data_are_within_three_digits);
    tcase_add_test(tc, small_values_are_exact);
    tcase_add_test(tc, bucket_ranges_tile_the_value_space);
    tcase_add_test(tc, values_above_the_range_keep_an_exact_max);
    tcase_add_test(tc, merge_equals_recording_everything);
    tcase_add_test(tc, empty_histogram_reports_zeros);
    tcase_add_test(tc, mean_and_stdev_are_exact);
    tcase_add_test(tc, result_json_round_trip_preserves_counts_and_buckets);
    tcase_add_test(tc, result_json_with_a_bad_field_names_it);
    suite_add_tcase(s, tc);
    return sc_check_run(s);
}
