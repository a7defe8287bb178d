/* engine.c - the load engine's run: validate, prepare the target, split the work over threads
 * with one libuv loop each (no shared state on the hot path), merge their results at the end. */
#include "load/engine.h"

#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "base/clock.h"
#include "base/util.h"
#include "load/engine_int.h"

/* The epoll backend writes with write(2): a peer that resets must not kill the process. */
static void ignore_sigpipe(void)
{
    struct sigaction sa;
    if (sigaction(SIGPIPE, NULL, &sa) == 0 && sa.sa_handler == SIG_DFL)
        signal(SIGPIPE, SIG_IGN);
}

/* A result that names the run; the counts come from the threads. */
static struct sc_load_result *result_for(const struct engine *e)
{
    const struct sc_load_opts *o = e->o;
    struct sc_load_result *res = sc_load_result_new();

    res->url = sc_xstrdup(o->url);
    res->method = sc_xstrdup(o->method);
    res->identity_header = sc_xstrdup(o->identity_header ? o->identity_header : "");
    res->pipeline = o->pipeline;
    res->target_rate = o->rate;
    res->duration_ns = o->duration_ns;
    res->request_limit = o->requests;
    res->connections = o->connections;
    res->protocol = sc_xstrdup(!e->h2 ? "http/1.1" : e->url.tls ? "h2" : "h2c");
    res->max_streams = e->h2 ? o->max_streams : 0;
    if (o->grpc != NULL)
        res->grpc = sc_xstrdup(o->grpc);
    return res;
}

/* How many threads to start: fewer than asked when there is not enough work for each to have
 * some. Every reduction is noted in the result. */
static unsigned plan_threads(const struct sc_load_opts *o, struct sc_load_result *res)
{
    unsigned n = o->threads;

    if (n > o->connections) {
        sc_load_result_note(res, "%u threads for %u connections: using %u threads", n,
                            o->connections, o->connections);
        n = o->connections;
    }
    if (o->rate > 0 && o->rate < n) {
        unsigned k = o->rate < 1 ? 1 : (unsigned)o->rate;
        sc_load_result_note(res, "rate %g req/s is lower than %u threads: using %u threads",
                            o->rate, n, k);
        n = k;
    }
    if (o->requests > 0 && o->requests < n) {
        sc_load_result_note(res, "%llu requests for %u threads: using %llu threads",
                            (unsigned long long)o->requests, n, (unsigned long long)o->requests);
        n = (unsigned)o->requests;
    }
    res->threads = n;
    return n;
}

/* Share connections, requests and rate out over the threads and prepare each; *ninit says
 * how many need sc_load_thr_release(), also on failure. */
static int threads_init(struct engine *e, struct thr *thrs, unsigned n, unsigned *ninit,
                        const struct sc_load_io_ops *io, struct sc_err *err)
{
    const struct sc_load_opts *o = e->o;

    for (unsigned i = 0; i < n; i++) {
        unsigned nc = o->connections / n + (i < o->connections % n ? 1 : 0);
        uint64_t limit = UINT64_MAX;
        double rate = 0;
        int rc;

        if (o->requests > 0)
            limit = o->requests / n + (i < o->requests % n ? 1 : 0);
        if (o->rate > 0)
            rate = o->rate * (double)nc / (double)o->connections;
        *ninit = i + 1;
        rc = sc_load_thr_init(&thrs[i], e, i, nc, limit, rate, io, err);
        if (rc != 0)
            return rc;
    }
    return 0;
}

/* Start every thread, wait for all of them and merge what they counted into `res`. A thread
 * that cannot start fails the run, once those already running have reached their bound. */
static int threads_run(struct engine *e, struct thr *thrs, unsigned n, struct sc_load_result *res,
                       struct sc_err *err)
{
    uint64_t end;
    int rc = 0;

    e->start_ns = sc_now_ns();
    end = e->start_ns;
    for (unsigned i = 0; i < n; i++) {
        struct thr *t = &thrs[i];
        int r;

        t->deadline_ns = e->o->duration_ns ? e->start_ns + e->o->duration_ns : UINT64_MAX;
        r = pthread_create(&t->tid, NULL, sc_load_thr_main, t);
        if (r != 0) {
            rc = sc_err_set(err, SC_ESYS, "cannot start load thread %u: %s", i, strerror(r));
            break;
        }
        t->started = true;
    }
    for (unsigned i = 0; i < n; i++) {
        struct thr *t = &thrs[i];

        if (!t->started)
            continue;
        SC_ASSERT_OK(pthread_join(t->tid, NULL));
        sc_load_thr_collect(t, res);
        if (t->end_ns > end)
            end = t->end_ns;
    }
    res->elapsed_ns = end - e->start_ns;
    return rc;
}

static void note_unsustained_rate(struct sc_load_result *res)
{
    double achieved;

    if (res->target_rate <= 0 || res->elapsed_ns == 0)
        return;
    achieved = sc_load_result_achieved_rate(res);
    if (achieved < 0.99 * res->target_rate)
        sc_load_result_note(res,
                            "target rate %.0f req/s not sustained: sent %.0f req/s, "
                            "%llu due requests unsent, max send lag %.2fms",
                            res->target_rate, achieved, (unsigned long long)res->unsent,
                            (double)res->max_lag_ns / 1e6);
}

/* One descriptor per connection, a few per thread (its loop), and slack for the process: raise
 * the soft limit to the hard one when that is enough, else refuse before connecting (issue 15
 * #7: 100,000 connections past the limit were 94,311 connect errors and exit 0). */
static int fd_budget(const struct sc_load_opts *o, struct sc_err *err)
{
    struct rlimit rl;
    rlim_t need = (rlim_t)o->connections + 8 * (rlim_t)o->threads + 64;

    if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur >= need)
        return 0;
    if (rl.rlim_max == RLIM_INFINITY || rl.rlim_max >= need) {
        rl.rlim_cur = need;
        if (setrlimit(RLIMIT_NOFILE, &rl) == 0)
            return 0;
    }
    return sc_err_set(
        err, SC_EINVAL,
        "%u connections need about %llu file descriptors; the limit is %llu "
        "(ulimit -n): use fewer connections or raise it",
        o->connections, (unsigned long long)need,
        (unsigned long long)(rl.rlim_max == RLIM_INFINITY ? rl.rlim_cur : rl.rlim_max));
}

static void threads_release(struct thr *thrs, unsigned ninit)
{
    for (unsigned i = 0; i < ninit; i++)
        sc_load_thr_release(&thrs[i]);
}

int sc_load_run(const struct sc_load_opts *o, struct sc_load_result **out, struct sc_err *err)
{
    struct engine e;
    struct thr *thrs;
    struct sc_load_result *res;
    unsigned nthreads, ninit = 0;
    int rc;

    *out = NULL;
    rc = sc_load_validate(o, err);
    if (rc == 0)
        rc = fd_budget(o, err);
    if (rc != 0)
        return rc;
    rc = sc_load_engine_prepare(&e, o, err);
    if (rc != 0)
        goto out_release_engine;
    ignore_sigpipe();
    res = result_for(&e);
    nthreads = plan_threads(o, res);
    thrs = sc_xcalloc(nthreads, sizeof(*thrs));
    rc = threads_init(&e, thrs, nthreads, &ninit, &sc_load_io_epoll, err);
    if (rc == 0)
        rc = threads_run(&e, thrs, nthreads, res, err);
    if (rc == 0)
        note_unsustained_rate(res);
    threads_release(thrs, ninit);
    free(thrs);
    if (rc == 0)
        *out = res;
    else
        sc_load_result_free(res);
out_release_engine:
    sc_load_engine_release(&e);
    return rc;
}
