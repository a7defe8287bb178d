/* test_poll.c - the runner's one way of waiting: consecutive holds, the timeout, interruption. */
#include <check.h>
#include <stdatomic.h>
#include <string.h>

#include "run/case.h"

#include "base/tests/check_main.h"

/* A scripted sequence of attempts; past its end, the last one repeats. */
struct script {
    const char *steps; /* 'H' holds, 'N' not yet, 'F' failed */
    unsigned calls;
    atomic_int *cancel_at_call; /* set *cancel after this many calls, when not NULL */
    unsigned cancel_after;
};

static enum sc_attempt scripted(struct sc_casectx *x, void *ud, char *last, size_t len)
{
    struct script *s = ud;
    size_t n = strlen(s->steps);
    char c = s->steps[s->calls < n ? s->calls : n - 1];
    (void)x;
    s->calls++;
    snprintf(last, len, "attempt %u saw %c", s->calls, c);
    if (s->cancel_at_call != NULL && s->calls == s->cancel_after)
        atomic_store(s->cancel_at_call, 1);
    return c == 'H' ? SC_ATTEMPT_HOLDS : c == 'N' ? SC_ATTEMPT_NOT_YET : SC_ATTEMPT_FAILED;
}

/* A case context with nothing but the runner's options, as poll needs. */
struct fixture {
    struct sc_runner_opts o;
    struct sc_runner r;
    struct sc_casectx x;
    atomic_int cancel;
};

static void fixture_init(struct fixture *f, unsigned timeout_ms)
{
    memset(f, 0, sizeof(*f));
    sc_runner_opts_init(&f->o);
    f->o.timeout_ms = timeout_ms;
    atomic_store(&f->cancel, 0);
    f->o.cancel = &f->cancel;
    f->r.o = &f->o;
    f->x.r = &f->r;
}

/* Poll the script with the fixture's timeout; *attempts says how many were made. */
static int poll(struct fixture *f, unsigned consecutive, unsigned interval_ms, struct script *s,
                char *last, size_t len, unsigned *attempts)
{
    struct sc_poll p = {.timeout_ms = f->o.timeout_ms,
                        .consecutive = consecutive,
                        .interval_ms = interval_ms,
                        .fn = scripted,
                        .ud = s,
                        .last = last,
                        .len = len};
    int rc = sc_runner_poll(&f->x, &p);
    *attempts = p.attempts;
    return rc;
}

START_TEST(poll_needs_the_expectation_to_hold_several_times_in_a_row)
{
    struct fixture f;
    struct script s = {.steps = "HNHFHHH"};
    char last[64] = "";
    unsigned attempts = 0;
    fixture_init(&f, 60000);
    ck_assert_int_eq(poll(&f, 3, 1, &s, last, sizeof(last), &attempts), 0);
    /* H N H F H H H: the streak restarts after N and after F, and reaches 3 at the 7th. */
    ck_assert_uint_eq(attempts, 7);
    ck_assert_uint_eq(s.calls, 7);
    ck_assert_str_eq(last, "attempt 7 saw H");
}
END_TEST

START_TEST(poll_with_one_hold_needed_stops_at_the_first)
{
    struct fixture f;
    struct script s = {.steps = "NNH"};
    char last[64] = "";
    unsigned attempts = 0;
    fixture_init(&f, 60000);
    ck_assert_int_eq(poll(&f, 1, 1, &s, last, sizeof(last), &attempts), 0);
    ck_assert_uint_eq(attempts, 3);
}
END_TEST

START_TEST(poll_that_never_holds_times_out_saying_what_it_last_saw)
{
    struct fixture f;
    struct script s = {.steps = "N"};
    char last[64] = "";
    unsigned attempts = 0;
    fixture_init(&f, 100);
    ck_assert_int_eq(poll(&f, 1, 10, &s, last, sizeof(last), &attempts), SC_ETIMEOUT);
    ck_assert_uint_ge(attempts, 1);
    ck_assert_uint_eq(attempts, s.calls);
    ck_assert_str_eq(strchr(last, 's'), "saw N");
}
END_TEST

START_TEST(poll_stops_when_the_run_is_interrupted)
{
    struct fixture f;
    struct script s = {.steps = "N"};
    char last[64] = "";
    unsigned attempts = 0;
    fixture_init(&f, 600000); /* the timeout alone would take ten minutes */
    s.cancel_at_call = &f.cancel;
    s.cancel_after = 3;
    ck_assert_int_eq(poll(&f, 1, 1, &s, last, sizeof(last), &attempts), SC_ECANCELED);
    ck_assert_uint_eq(attempts, 3);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("poll");
    TCase *tc = tcase_create("poll");

    tcase_add_test(tc, poll_needs_the_expectation_to_hold_several_times_in_a_row);
    tcase_add_test(tc, poll_with_one_hold_needed_stops_at_the_first);
    tcase_add_test(tc, poll_that_never_holds_times_out_saying_what_it_last_saw);
    tcase_add_test(tc, poll_stops_when_the_run_is_interrupted);
    suite_add_tcase(s, tc);
    return sc_check_run(s);
}
