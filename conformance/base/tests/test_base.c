/* test_core.c - the error idiom and the shared parsers. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/err.h"
#include "base/file.h"
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

/* Issue 15 #10: scientific notation is a number; hex, inf and nan stay refused. */
START_TEST(rate_accepts_an_exponent)
{
    double r = 0;
    uint64_t n = 0;
    struct sc_err err;
    sc_err_init(&err);
    ck_assert_int_eq(sc_parse_rate("1e7", "rate", &r, &err), 0);
    ck_assert_double_eq_tol(r, 1e7, 1e-3);
    ck_assert_int_eq(sc_parse_rate("2.5E3", "rate", &r, &err), 0);
    ck_assert_double_eq_tol(r, 2500.0, 1e-9);
    ck_assert_int_eq(sc_parse_count("1e3", "count", 1, 10000, &n, &err), 0);
    ck_assert_uint_eq(n, 1000);
    ck_assert_int_eq(sc_parse_rate("0x10", "rate", &r, &err), SC_EINVAL);
    ck_assert_int_eq(sc_parse_rate("inf", "rate", &r, &err), SC_EINVAL);
    ck_assert_int_eq(sc_parse_rate("1e", "rate", &r, &err), SC_EINVAL);
}
END_TEST

/* A scratch file with `len` bytes of 'x'; its path in buf. */
static void scratch_file(char *buf, size_t n, size_t len)
{
    FILE *f;
    snprintf(buf, n, "/tmp/sc-test-base-%ld", (long)getpid());
    f = fopen(buf, "wb");
    ck_assert_ptr_nonnull(f);
    for (size_t i = 0; i < len; i++)
        ck_assert_int_eq(fputc('x', f), 'x');
    ck_assert_int_eq(fclose(f), 0);
}

START_TEST(a_whole_file_is_read_and_terminated)
{
    char path[64], *text = NULL;
    size_t len = 0;
    struct sc_err err;
    sc_err_init(&err);
    scratch_file(path, sizeof(path), 20000); /* more than one read and one growth */
    ck_assert_int_eq(sc_file_read(path, 20000, &text, &len, &err), 0);
    ck_assert_uint_eq(len, 20000);
    ck_assert_uint_eq(strlen(text), 20000);
    ck_assert_int_eq(text[19999], 'x');
    free(text);
    unlink(path);
}
END_TEST

START_TEST(a_file_over_the_bound_is_refused_naming_it)
{
    char path[64], want[160], *text = (char *)1;
    struct sc_err err;
    sc_err_init(&err);
    scratch_file(path, sizeof(path), 101);
    ck_assert_int_eq(sc_file_read(path, 100, &text, NULL, &err), SC_EINVAL);
    ck_assert_ptr_null(text);
    snprintf(want, sizeof(want), "cannot read '%s': larger than 100 bytes", path);
    ck_assert_str_eq(err.msg, want);
    unlink(path);
}
END_TEST

START_TEST(a_missing_file_is_not_found_and_a_folder_is_an_io_error)
{
    char *text = (char *)1;
    struct sc_err err;
    sc_err_init(&err);
    ck_assert_int_eq(sc_file_read("/nonexistent/x", 100, &text, NULL, &err), SC_ENOTFOUND);
    ck_assert_ptr_null(text);
    ck_assert_str_eq(err.msg, "cannot read '/nonexistent/x': No such file or directory");
    ck_assert_int_eq(sc_file_read("/tmp", 100, &text, NULL, &err), SC_EIO);
    ck_assert_ptr_null(text);
}
END_TEST

START_TEST(http_tokens_are_methods_and_header_names)
{
    ck_assert(sc_is_token("GET"));
    ck_assert(sc_is_token("x-smi-pod"));
    ck_assert(sc_is_token("!#$%&'*+-.^_`|~09AZaz"));
    ck_assert(!sc_is_token(""));
    ck_assert(!sc_is_token("GET /"));
    ck_assert(!sc_is_token("a:b"));
    ck_assert(!sc_is_token("caf\xc3\xa9"));
    ck_assert(!sc_is_token("a\r\n"));
}
END_TEST

START_TEST(the_clocks_move_forward)
{
    uint64_t t0 = sc_now_ns(), w = sc_wall_ms();
    sc_sleep_ms(2);
    ck_assert_uint_ge(sc_now_ns() - t0, 2000000); /* slept at least as asked */
    ck_assert_uint_gt(w, 1700000000000ull);       /* milliseconds since the epoch */
}
END_TEST

int main(void)
{
    Suite *s = suite_create("core");
    TCase *tc = tcase_create("core");

    tcase_add_test(tc, err_set_keeps_code_and_message);
    tcase_add_test(tc, rate_accepts_an_exponent);
    tcase_add_test(tc, err_prefix_adds_context_in_front);
    tcase_add_test(tc, err_prefix_truncates_without_overflow);
    tcase_add_test(tc, duration_units_are_understood);
    tcase_add_test(tc, unparsable_durations_are_rejected_with_the_input_named);
    tcase_add_test(tc, counts_accept_suffixes_and_enforce_range);
    tcase_add_test(tc, negative_rate_is_rejected);
    tcase_add_test(tc, a_whole_file_is_read_and_terminated);
    tcase_add_test(tc, a_file_over_the_bound_is_refused_naming_it);
    tcase_add_test(tc, a_missing_file_is_not_found_and_a_folder_is_an_io_error);
    tcase_add_test(tc, http_tokens_are_methods_and_header_names);
    tcase_add_test(tc, the_clocks_move_forward);
    suite_add_tcase(s, tc);
    return sc_check_run(s);
}
