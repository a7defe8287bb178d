/* poll.c - the one way the runner waits: try, and try again until the expectation holds
 * often enough in a row, within the consistency timeout (never a fixed sleep). */
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include "base/clock.h"
#include "run/case.h"

#define PROBE_INTERVAL_MS 50

int sc_runner_poll(struct sc_casectx *x, unsigned consecutive, unsigned interval_ms,
                   sc_attempt_fn fn, void *ud, char *last, size_t len, unsigned *attempts)
{
    uint64_t deadline = sc_now_ns() + (uint64_t)x->r->o->timeout_ms * 1000000ull;
    unsigned streak = 0, n = 0;

    for (;;) {
        enum sc_attempt a = fn(x, ud, last, len);
        n++;
        streak = a == SC_ATTEMPT_HOLDS ? streak + 1 : 0;
        if (attempts != NULL)
            *attempts = n;
        if (streak >= consecutive)
            return 0;
        if (sc_now_ns() >= deadline)
            return SC_ETIMEOUT;
        if (sc_runner_cancelled(x))
            return SC_ECANCELED;
        sc_sleep_ms(interval_ms);
    }
}

struct probe {
    const struct sc_step *s;
    unsigned batch;
    sc_holds_fn holds;
};

/* One probe batch: what it saw, for the message when the policy never comes into force. */
static enum sc_attempt probe_once(struct sc_casectx *x, void *ud, char *last, size_t len)
{
    const struct probe *pr = ud;
    const struct sc_step *s = pr->s;
    struct sc_outcome o;
    struct sc_err e;
    bool holds;

    sc_err_init(&e);
    if (sc_runner_send(x, &s->traffic, pr->batch, s, &o, &e) != 0) {
        snprintf(last, len, "probe failed: %s", e.msg);
        return SC_ATTEMPT_FAILED;
    }
    holds = pr->holds(s, &o);
    sc_runner_outcome_text(&o, last, len);
    if (s->expect == SC_EXPECT_SPLIT && o.total > 0) {
        size_t l = strlen(last);
        l += (size_t)snprintf(last + l, len - l, "; shares:");
        for (size_t k = 0; k < s->nshares && k < SC_RUNNER_SHARES_MAX && l < len; k++)
            l += (size_t)snprintf(last + l, len - l, " %s %.3f", s->shares[k].service,
                                  (double)o.per_service[k] / (double)o.total);
    }
    sc_runner_outcome_release(&o);
    return holds ? SC_ATTEMPT_HOLDS : SC_ATTEMPT_NOT_YET;
}

int sc_runner_probe(struct sc_casectx *x, const struct sc_step *s, unsigned batch,
                    sc_holds_fn holds, struct sc_err *err)
{
    struct probe pr = {.s = s, .batch = batch, .holds = holds};
    char last[700] = "no probe completed";
    unsigned probes = 0;
    int rc = sc_runner_poll(x, s->consecutive, PROBE_INTERVAL_MS, probe_once, &pr, last,
                            sizeof(last), &probes);
    if (rc == 0) {
        sc_case_log(x->c, "  in force after %u probes", probes);
        return 0;
    }
    if (rc == SC_ECANCELED)
        return sc_err_set(err, SC_ECANCELED, "interrupted");
    return sc_err_set(err, SC_ETIMEOUT, "not in force within %ums (%u probes); last seen: %s",
                      x->r->o->timeout_ms, probes, last);
}
