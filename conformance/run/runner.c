/* runner.c - the worker pool and one case's life: namespaces, workloads, services, readiness,
 * the steps in order, diagnostics of a failure, cleanup. */
#include <math.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "base/log.h"
#include "base/util.h"
#include "run/case.h"

void sc_runner_opts_init(struct sc_runner_opts *o)
{
    memset(o, 0, sizeof(*o));
    o->parallel = 2;
    o->timeout_ms = 0; /* the platform's consistency timeout, else 10 s */
    o->retries = 1;
    o->run_id = "r";
}

/* Set-up, first half: the case's namespaces, workloads and services, created (the API calls,
 * quick); they become ready meanwhile. *ns_made says which namespaces exist (bit 0: the
 * first, bit 1: the second), for cleanup. */
static int set_up_begin(struct sc_casectx *x, unsigned *ns_made)
{
    struct sc_platform *p = x->r->p;
    const struct sc_test *t = x->t;
    struct sc_err err;

    sc_err_init(&err);
    sc_case_log(x->c, "namespace %s", x->ns);
    if (p->ops->create_namespace(p, x->ns, &err) != 0)
        goto out_fail_ns;
    *ns_made |= 1;
    if (t->second_ns) {
        if (p->ops->create_namespace(p, x->ns2, &err) != 0)
            goto out_fail_ns;
        *ns_made |= 2;
    }
    for (size_t i = 0; i < t->nworkloads; i++) {
        if (sc_runner_cancelled(x))
            goto out_cancelled;
        if (p->ops->deploy(p, t->workloads[i].second_ns ? x->ns2 : x->ns, &t->workloads[i], &err) !=
            0) {
            sc_runner_error(x, "cannot deploy workload '%s': %s", t->workloads[i].name, err.msg);
            return -1;
        }
    }
    for (size_t i = 0; i < t->nservices; i++) {
        if (sc_runner_cancelled(x))
            goto out_cancelled;
        if (p->ops->create_service(p, x->ns, &t->services[i], &err) != 0) {
            sc_runner_error(x, "cannot create service '%s': %s", t->services[i].name, err.msg);
            return -1;
        }
    }
    return 0;
out_fail_ns:
    sc_runner_error(x, "cannot create namespace: %s", err.msg);
    return -1;
out_cancelled:
    sc_runner_error(x, "interrupted");
    return -1;
}

/* Set-up, second half: every workload answers. */
static int set_up_ready(struct sc_casectx *x, unsigned ns_made)
{
    struct sc_platform *p = x->r->p;
    unsigned wait_ms = sc_runner_timeout_ms(x) * 3;
    struct sc_err err;

    if (wait_ms < p->ready_timeout_ms)
        wait_ms = p->ready_timeout_ms;
    sc_err_init(&err);
    if (sc_runner_cancelled(x)) {
        sc_runner_error(x, "interrupted");
        return -1;
    }
    if (p->ops->wait_ready(p, x->ns, wait_ms, &err) != 0 ||
        ((ns_made & 2) && p->ops->wait_ready(p, x->ns2, wait_ms, &err) != 0)) {
        sc_runner_error(x, "workloads not ready: %s", err.msg);
        return -1;
    }
    return 0;
}

static int run_step(struct sc_casectx *x, const struct sc_step *s)
{
    switch (s->kind) {
    case SC_STEP_APPLY:
        return sc_runner_step_apply(x, s);
    case SC_STEP_DELETE:
        return sc_runner_step_delete(x, s);
    case SC_STEP_SEND:
        return sc_runner_step_send(x, s);
    case SC_STEP_HOLD:
        return sc_runner_step_hold(x, s);
    case SC_STEP_EXPECT:
        if (s->hold != NULL)
            return sc_judge_held(x, s);
        if (s->expect == SC_EXPECT_ACCESS)
            return sc_judge_access(x, s);
        if (s->expect == SC_EXPECT_SPLIT)
            return sc_judge_split(x, s);
        if (strcmp(s->metrics.resource, "trafficsplits") == 0)
            return sc_judge_split_metrics(x, s);
        return sc_judge_metrics(x, s);
    }
    return 0;
}

/* Diagnostics of a failure or an error, namespaces deleted (unless --keep), the case's memory
 * freed. */
static void tear_down(struct sc_casectx *x, unsigned ns_made)
{
    struct sc_platform *p = x->r->p;
    struct sc_err err;

    sc_err_init(&err);
    sc_runner_holds_release(x);
    /* a platform error (an agent that died, a failed pod-proxy call) gets them too, unless the
     * run is being interrupted */
    if ((x->c->verdict == SC_FAILED || (x->c->verdict == SC_ERROR && !sc_runner_cancelled(x))) &&
        (ns_made & 1))
        p->ops->diagnostics(p, x->ns, &x->c->diagnostics);
    if (!x->r->o->keep) {
        if ((ns_made & 1) && p->ops->delete_namespace(p, x->ns, &err) != 0)
            sc_log_warn("runner", "cannot delete namespace '%s': %s", x->ns, err.msg);
        if ((ns_made & 2) && p->ops->delete_namespace(p, x->ns2, &err) != 0)
            sc_log_warn("runner", "cannot delete namespace '%s': %s", x->ns2, err.msg);
    }
    for (size_t i = 0; i < x->nobs; i++) {
        free(x->obs[i].src_workload);
        free(x->obs[i].to_service);
        free(x->obs[i].dst_pod);
    }
    free(x->obs);
    free(x->client_hist);
    for (size_t i = 0; i < x->nseen; i++) {
        free(x->seen[i].key);
        free(x->seen[i].sig);
    }
    free(x->seen);
}

/* One run of a case in the making: its context, which namespaces exist, how its set-up
 * began. A worker holds two: the case it runs and the next one, whose workloads start while
 * the first runs its steps (on a cluster, pods take seconds to be scheduled, pull, get their
 * sidecar and turn ready: that wait overlaps the previous case instead of adding to it). */
struct slot {
    struct sc_casectx x;
    unsigned ns_made;
    int begun; /* set_up_begin's result */
    uint64_t t0;
};

/* Fresh namespaces for attempt 0, 1... of case idx (their names differ), set-up begun. */
static void slot_begin(struct sc_runner *r, size_t idx, unsigned attempt, struct slot *s)
{
    struct sc_casectx *x = &s->x;

    memset(s, 0, sizeof(*s));
    s->t0 = sc_now_ns();
    x->r = r;
    x->t = r->plan[idx].test;
    x->c = &r->run->cases[idx];
    x->vs = r->plan[idx].vs;
    for (int i = 0; i < 4; i++)
        x->client_p[i] = NAN;
    if (attempt == 0) {
        snprintf(x->ns, sizeof(x->ns), "sc-%s-%zu-%.40s", r->o->run_id, idx, x->t->name);
        snprintf(x->ns2, sizeof(x->ns2), "sc-%s-%zu-b", r->o->run_id, idx);
    } else {
        snprintf(x->ns, sizeof(x->ns), "sc-%s-%zu-r%u-%.36s", r->o->run_id, idx, attempt,
                 x->t->name);
        snprintf(x->ns2, sizeof(x->ns2), "sc-%s-%zu-r%u-b", r->o->run_id, idx, attempt);
    }
    x->c->verdict = SC_PASSED;
    s->begun = set_up_begin(x, &s->ns_made);
}

/* The rest of the run: readiness, the steps in order, tear-down. */
static void slot_finish(struct slot *s)
{
    struct sc_casectx *x = &s->x;
    if (s->begun == 0 && set_up_ready(x, s->ns_made) == 0) {
        for (size_t i = 0; i < x->t->nsteps; i++) {
            if (sc_runner_cancelled(x)) {
                sc_runner_error(x, "interrupted");
                break;
            }
            if (run_step(x, &x->t->steps[i]) != 0)
                break;
        }
    }
    tear_down(x, s->ns_made);
}

/* A staged case the run will not reach (interrupted): its namespaces go, and it is reported
 * as not run, like the cases never started. */
static void slot_abandon(struct slot *s)
{
    struct sc_case *c = s->x.c;
    struct sc_platform *p = s->x.r->p;
    struct sc_err err;

    sc_err_init(&err);
    if ((s->ns_made & 1) && p->ops->delete_namespace(p, s->x.ns, &err) != 0)
        sc_log_warn("runner", "cannot delete namespace '%s': %s", s->x.ns, err.msg);
    if ((s->ns_made & 2) && p->ops->delete_namespace(p, s->x.ns2, &err) != 0)
        sc_log_warn("runner", "cannot delete namespace '%s': %s", s->x.ns2, err.msg);
    s->ns_made = 0;
    c->verdict = SC_PASSED;
    tear_down(&s->x, 0);
    c->verdict = SC_SKIPPED;
    free(c->message);
    c->message = NULL;
}

/* Forget what a run of the case found, for a re-run from scratch; its log stays. */
static void reset_case(struct sc_case *c)
{
    for (size_t i = 0; i < c->nassertions; i++)
        sc_assertion_release(&c->assertions[i]);
    free(c->assertions);
    c->assertions = NULL;
    c->nassertions = 0;
    free(c->message);
    c->message = NULL;
    free(c->diagnostics);
    c->diagnostics = NULL;
}

/* A case that errored (the platform or an agent failed, not the mesh) is run again from
 * scratch, up to --retries times; the report says so. The first run is s, begun. */
static void run_case(struct sc_runner *r, struct slot *s)
{
    struct sc_case *c = s->x.c;
    size_t idx = (size_t)(c - r->run->cases);
    uint64_t t0 = s->t0;

    c->start_ms = sc_wall_ms() - (sc_now_ns() - t0) / 1000000u;
    c->runs = 0;
    for (;;) {
        if (c->runs > 0)
            slot_begin(r, idx, c->runs, s);
        slot_finish(s);
        c->runs++;
        if (c->verdict != SC_ERROR || c->runs > r->o->retries ||
            (r->o->cancel != NULL && atomic_load(r->o->cancel)))
            break;
        if (c->rerun_reason == NULL)
            c->rerun_reason = sc_xstrdup(c->message ? c->message : "error");
        sc_case_log(c, "re-run %u after an error: %s", c->runs + 1,
                    c->message ? c->message : "error");
        reset_case(c);
    }
    c->duration_ns = sc_now_ns() - t0;
}

/* The next case to run into *idx, unless none is left or the run is interrupted. */
static bool claim(struct sc_runner *r, size_t *idx)
{
    bool ok;
    SC_ASSERT_OK(pthread_mutex_lock(&r->mu));
    while (r->next < r->run->ncases && r->run->cases[r->next].verdict == SC_SKIPPED &&
           r->run->cases[r->next].message != NULL)
        r->next++;
    ok = r->next < r->run->ncases && !(r->o->cancel && atomic_load(r->o->cancel));
    if (ok)
        *idx = r->next++;
    SC_ASSERT_OK(pthread_mutex_unlock(&r->mu));
    return ok;
}

static void *worker(void *arg)
{
    struct sc_runner *r = arg;
    struct slot slots[2], *cur = NULL, *next;
    size_t idx;

    for (;;) {
        if (cur == NULL) {
            if (!claim(r, &idx))
                return NULL;
            cur = &slots[0];
            slot_begin(r, idx, 0, cur);
        }
        next = cur == &slots[0] ? &slots[1] : &slots[0];
        if (claim(r, &idx))
            slot_begin(r, idx, 0, next);
        else
            next = NULL;
        if (r->o->cancel != NULL && atomic_load(r->o->cancel)) {
            slot_abandon(cur);
            if (next != NULL)
                slot_abandon(next);
            return NULL;
        }
        run_case(r, cur);
        SC_ASSERT_OK(pthread_mutex_lock(&r->mu));
        r->done++;
        if (r->o->progress)
            r->o->progress(r->o->progress_ud, r->done, r->torun, cur->x.c);
        SC_ASSERT_OK(pthread_mutex_unlock(&r->mu));
        cur = next;
    }
}

/* Deleted namespaces are confirmed gone once, when every case has ended. */
static void await_deleted(struct sc_platform *p, const struct sc_runner_opts *o)
{
    struct sc_err err;
    uint64_t t0 = sc_now_ns();

    if (o->keep || p->ops->await_deleted == NULL)
        return;
    sc_err_init(&err);
    sc_log_info("runner", "confirming that the test namespaces are gone");
    if (p->ops->await_deleted(p, &err) != 0)
        sc_log_warn("runner", "%s", err.msg);
    else
        sc_log_info("runner", "test namespaces gone (%.1f s)", (double)(sc_now_ns() - t0) / 1e9);
}

int sc_runner_execute(struct sc_platform *p, struct sc_test *const *tests, size_t ntests,
                      const struct sc_runner_opts *o, struct sc_run *run, struct sc_err *err)
{
    struct sc_runner r;
    pthread_t tids[64];
    unsigned n = o->parallel ? o->parallel : 1, started = 0;
    int rc = 0;

    if (n > 64)
        n = 64;
    memset(&r, 0, sizeof(r));
    r.p = p;
    r.o = o;
    r.run = run;
    r.plan = sc_runner_plan_of(run, tests, ntests, p);
    SC_ASSERT_OK(pthread_mutex_init(&r.mu, NULL));
    for (size_t i = 0; i < run->ncases; i++)
        if (!(run->cases[i].verdict == SC_SKIPPED && run->cases[i].message != NULL))
            r.torun++;
    /* Fewer workers than asked when the system refuses threads; none is an error. */
    for (unsigned i = 0; i < n; i++) {
        int e = pthread_create(&tids[started], NULL, worker, &r);
        if (e != 0) {
            sc_log_warn("runner", "cannot start worker %u of %u: %s", i + 1, n, strerror(e));
            break;
        }
        started++;
    }
    if (started == 0)
        rc = sc_err_set(err, SC_ESYS, "cannot start a worker thread");
    for (unsigned i = 0; i < started; i++)
        SC_ASSERT_OK(pthread_join(tids[i], NULL));
    await_deleted(p, o);
    /* Cases never started (cancelled) are reported as skipped with the reason. */
    for (size_t i = 0; i < run->ncases; i++) {
        struct sc_case *c = &run->cases[i];
        if (c->verdict == SC_SKIPPED && c->message == NULL) {
            c->message = sc_xstrdup(rc != 0 ? "not run: no worker thread could start"
                                            : "not run: the run was interrupted");
        }
    }
    SC_ASSERT_OK(pthread_mutex_destroy(&r.mu));
    free(r.plan);
    return rc;
}
