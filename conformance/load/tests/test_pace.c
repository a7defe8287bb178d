/* test_pace.c - the constant-rate schedule, by counts on a simulated clock. */
#include <check.h>
#include <stdlib.h>

#include "load/pace.h"

#include "base/tests/check_main.h"

START_TEST(one_second_at_1000_per_second_makes_1001_due_including_time_zero)
{
    struct sc_pace p;
    sc_pace_init(&p, 5000, 1000, UINT64_MAX);
    ck_assert_uint_eq(sc_pace_due(&p, 4999), 0);
    ck_assert_uint_eq(sc_pace_due(&p, 5000), 1);
    ck_assert_uint_eq(sc_pace_due(&p, 5000 + 999999), 1);
    ck_assert_uint_eq(sc_pace_due(&p, 5000 + 1000000), 2);
    ck_assert_uint_eq(sc_pace_due(&p, 5000 + 1000000000ull), 1001);
}
END_TEST

START_TEST(taking_requests_drains_the_backlog_in_intended_order)
{
    struct sc_pace p;
    uint64_t when, prev = 0;
    int taken = 0;
    sc_pace_init(&p, 0, 50000, UINT64_MAX);
    /* At 1 ms, 51 requests are due (t = 0, 20us, ..., 1000us). */
    while (sc_pace_take(&p, 1000000, &when)) {
        ck_assert(taken == 0 || when > prev);
        ck_assert_uint_eq(when, (uint64_t)taken * 20000);
        prev = when;
        taken++;
    }
    ck_assert_int_eq(taken, 51);
    ck_assert_uint_eq(sc_pace_due(&p, 1000000), 0);
    ck_assert_uint_eq(sc_pace_next(&p), 1020000);
}
END_TEST

START_TEST(simulated_run_sends_exactly_the_rate)
{
    /* Step a fake clock unevenly for 10 s; the number handed out must be rate * 10 + 1
     * whatever the step pattern, and never ahead of schedule. */
    struct sc_pace p, fresh;
    uint64_t now = 0, last = 0, when, sent = 0, seed = 12345;
    sc_pace_init(&p, 0, 33333.3, UINT64_MAX);
    while (now <= 10000000000ull) {
        while (sc_pace_take(&p, now, &when)) {
            ck_assert(when <= now);
            sent++;
        }
        last = now;
        seed = seed * 6364136223846793005ull + 1442695040888963407ull;
        now += 1000 + (seed >> 33) % 3000000; /* 1 us .. 3 ms */
    }
    /* Everything due at the last step was handed out, nothing more. */
    sc_pace_init(&fresh, 0, 33333.3, UINT64_MAX);
    ck_assert_uint_eq(sent, sc_pace_due(&fresh, last));
    ck_assert_uint_eq(sent, (uint64_t)((double)last * 33333.3 / 1e9) + 1);
}
END_TEST

START_TEST(limit_caps_what_is_handed_out)
{
    struct sc_pace p;
    uint64_t when;
    int n = 0;
    sc_pace_init(&p, 0, 1000, 7);
    while (sc_pace_take(&p, 1000000000000ull, &when))
        n++;
    ck_assert_int_eq(n, 7);
    ck_assert_uint_eq(sc_pace_next(&p), UINT64_MAX);
    ck_assert_uint_eq(sc_pace_due(&p, 1000000000000ull), 0);
}
END_TEST

START_TEST(fractional_rates_do_not_drift)
{
    struct sc_pace p;
    sc_pace_init(&p, 0, 3, UINT64_MAX);
    /* Request 3000 is due at exactly 1000 s. */
    ck_assert_uint_eq(sc_pace_time(&p, 3000), 1000000000000ull);
    ck_assert_uint_eq(sc_pace_due(&p, 1000000000000ull), 3001);
    ck_assert_uint_eq(sc_pace_due(&p, 1000000000000ull - 1), 3000);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("pace");
    TCase *tc = tcase_create("pace");

    tcase_add_test(tc, one_second_at_1000_per_second_makes_1001_due_including_time_zero);
    tcase_add_test(tc, taking_requests_drains_the_backlog_in_intended_order);
    tcase_add_test(tc, simulated_run_sends_exactly_the_rate);
    tcase_add_test(tc, limit_caps_what_is_handed_out);
    tcase_add_test(tc, fractional_rates_do_not_drift);
    suite_add_tcase(s, tc);
    return sc_check_run(s);
}
