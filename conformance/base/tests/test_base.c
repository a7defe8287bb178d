/* test_core.c - the error idiom and the shared parsers. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "base/util.h"

#include "base/tests/check_main.h"

START_TEST(err_set_keeps_code_and_message)
{
    struct sc_err err;
    sc_err_init(&err);
    ck_assert_int_eq(sc_err_set(&err, SC_EINVAL, "bad '%s'", "x"), SC_EINVAL);
    ck_assert_int_eq(err.code, SC_EINVAL);
    ck_assert_str_eq(err.msg, "bad 'x'");
}
END_TEST

START_TEST(err_prefix_adds_context_in_front)
{
    struct sc_err err;
    sc_err_init(&err);
    sc_err_set(&err, SC_EIO, "line 3: expected a mapping");
    ck_assert_int_eq(sc_err_prefix(&err, "cannot load suite '%s'", "a.yaml"), SC_EIO);
    ck_assert_str_eq(err.msg, "cannot load suite 'a.yaml': line 3: expected a mapping");
}
END_TEST

START_TEST(err_prefix_truncates_without_overflow)
{
    struct sc_err err;
    char big[2000];
    sc_err_init(&err);
    memset(big, 'x', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    sc_err_set(&err, SC_EIO, "%s", big);
    sc_err_prefix(&err, "%s", big);
    ck_assert_uint_eq(strlen(err.msg), sizeof(err.msg) - 1);
}
END_TEST

START_TEST(duration_units_are_understood)
{
    uint64_t ns;
    ck_assert_int_eq(sc_parse_duration_ns("10s", &ns, NULL), 0);
    ck_assert_uint_eq(ns, 10000000000ull);
    ck_assert_int_eq(sc_parse_duration_ns("250ms", &ns, NULL), 0);
    ck_assert_uint_eq(ns, 250000000ull);
    ck_assert_int_eq(sc_parse_duration_ns("1.5m", &ns, NULL), 0);
    ck_assert_uint_eq(ns, 90000000000ull);
    ck_assert_int_eq(sc_parse_duration_ns("7", &ns, NULL), 0);
    ck_assert_uint_eq(ns, 7000000000ull);
    ck_assert_int_eq(sc_parse_duration_ns("20us", &ns, NULL), 0);
    ck_assert_uint_eq(ns, 20000ull);
}
END_TEST

START_TEST(unparsable_durations_are_rejected_with_the_input_named)
{
    static const char *const bad[] = {"", "-1s", "10x", "s", "1e3s", "0x10", "nan", "10 s", "2d"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct sc_err err;
        uint64_t ns = 42;
        sc_err_init(&err);
        ck_assert_int_eq(sc_parse_duration_ns(bad[i], &ns, &err), SC_EINVAL);
        ck_assert_msg(strstr(err.msg, bad[i]) != NULL, "message '%s' names '%s'", err.msg, bad[i]);
        ck_assert_uint_eq(ns, 42);
    }
}
END_TEST

START_TEST(counts_accept_suffixes_and_enforce_range)
{
    uint64_t v;
    struct sc_err err;
    sc_err_init(&err);
    ck_assert_int_eq(sc_parse_count("100k", "count", 1, 1000000, &v, &err), 0);
    ck_assert_uint_eq(v, 100000);
    ck_assert_int_eq(sc_parse_count("0", "connection count", 1, 10, &v, &err), SC_EINVAL);
    ck_assert_ptr_nonnull(strstr(err.msg, "out of range"));
    ck_assert_int_eq(sc_parse_count("1.5", "count", 0, 10, &v, &err), SC_EINVAL);
    ck_assert_int_eq(sc_parse_count("-3", "count", 0, 10, &v, &err), SC_EINVAL);
}
END_TEST

START_TEST(negative_rate_is_rejected)
{
    double r = 0;
    struct sc_err err;
    sc_err_init(&err);
    ck_assert_int_eq(sc_parse_rate("-5", "rate", &r, &err), SC_EINVAL);
    ck_assert_ptr_nonnull(strstr(err.msg, "negative"));
    ck_assert_int_eq(sc_parse_rate("2.5k", "rate", &r, &err), 0);
    ck_assert_double_eq_tol(r, 2500.0, 1e-9);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("core");
    TCase *tc = tcase_create("core");

    tcase_add_test(tc, err_set_keeps_code_and_message);
    tcase_add_test(tc, err_prefix_adds_context_in_front);
    tcase_add_test(tc, err_prefix_truncates_without_overflow);
    tcase_add_test(tc, duration_units_are_understood);
    tcase_add_test(tc, unparsable_durations_are_rejected_with_the_input_named);
    tcase_add_test(tc, counts_accept_suffixes_and_enforce_range);
    tcase_add_test(tc, negative_rate_is_rejected);
    suite_add_tcase(s, tc);
    return sc_check_run(s);
}
