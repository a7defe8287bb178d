/* poll.c - the one way the runner waits: try, and try again until the expectation holds
 * often enough in a row, within the consistency timeout (never a fixed sleep). */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "base/util.h"
#include "run/case.h"

#define PROBE_INTERVAL_MS 50

unsigned sc_runner_timeout_ms(const struct sc_casectx *x)
{
    if (x->r->o->timeout_ms != 0)
        return x->r->o->timeout_ms;
    return x->r->p != NULL && x->r->p->consistency_ms != 0 ? x->r->p->consistency_ms : 10000;
}

int sc_runner_poll(struct sc_casectx *x, struct sc_poll *p)
{
    uint64_t deadline = sc_now_ns() + (uint64_t)p->timeout_ms * 1000000ull;
    unsigned streak = 0;

    p->attempts = 0;
    for (;;) {
        p->end = p->fn(x, p->ud, p->last, p->len);
        p->attempts++;
        streak = p->end == SC_ATTEMPT_HOLDS ? streak + 1 : 0;
        if (streak >= p->consecutive)
            return 0;
        if (sc_now_ns() >= deadline)
            return SC_ETIMEOUT;
        if (sc_runner_cancelled(x))
            return SC_ECANCELED;
        sc_sleep_ms(p->interval_ms);
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
    struct sc_poll p = {.timeout_ms = sc_runner_timeout_ms(x),
                        .consecutive = s->consecutive ? s->consecutive : 1,
                        .interval_ms = PROBE_INTERVAL_MS,
                        .fn = probe_once,
                        .ud = &pr,
                        .last = last,
                        .len = sizeof(last)};
    int rc = sc_runner_poll(x, &p);
    if (rc == 0) {
        sc_case_log(x->c, "  in force after %u probes", p.attempts);
        return 0;
    }
    if (rc == SC_ECANCELED)
        return sc_err_set(err, SC_ECANCELED, "interrupted");
    if (p.end == SC_ATTEMPT_FAILED)
        return sc_err_set(err, SC_EIO, "could not probe within %ums (%u probes): %s", p.timeout_ms,
                          p.attempts, last);
    return sc_err_set(err, SC_ETIMEOUT, "not in force within %ums (%u probes); last seen: %s",
                      p.timeout_ms, p.attempts, last);
}

void sc_runner_traffic_key(const struct sc_traffic *tr, char *buf, size_t len)
{
    size_t l = (size_t)snprintf(buf, len, "%s>%s:%d/%s %s %s", tr->from, tr->to, tr->port,
                                sc_proto_name(tr->proto), tr->method ? tr->method : "",
                                tr->path ? tr->path : "");
    for (size_t i = 0; i < tr->nheaders && l < len; i++)
        l += (size_t)snprintf(buf + l, len - l, " %s=%s", tr->headers[i].key, tr->headers[i].value);
}

bool sc_runner_known(const struct sc_casectx *x, const char *key, const char *sig)
{
    for (size_t i = 0; i < x->nseen; i++)
        if (strcmp(x->seen[i].key, key) == 0)
            return x->seen[i].gen == x->gen && strcmp(x->seen[i].sig, sig) == 0;
    return false;
}

void sc_runner_remember(struct sc_casectx *x, const char *key, const char *sig)
{
    struct sc_seen *e = NULL;
    for (size_t i = 0; i < x->nseen && e == NULL; i++)
        if (strcmp(x->seen[i].key, key) == 0)
            e = &x->seen[i];
    if (e == NULL) {
        x->seen = realloc(x->seen, (x->nseen + 1) * sizeof(*x->seen));
        if (x->seen == NULL)
            abort();
        e = &x->seen[x->nseen++];
        e->key = sc_xstrdup(key);
        e->sig = NULL;
    }
    free(e->sig);
    e->sig = sc_xstrdup(sig);
    e->gen = x->gen;
}

int sc_runner_settle(struct sc_casectx *x, const struct sc_step *s, unsigned batch,
                     sc_holds_fn holds, const char *sig, const char *what)
{
    char key[768];
    struct sc_assertion *a;
    struct sc_err err;
    int rc;

    sc_runner_traffic_key(&s->traffic, key, sizeof(key));
    if (sc_runner_known(x, key, sig))
        return 0;
    sc_err_init(&err);
    rc = sc_runner_probe(x, s, batch, holds, &err);
    if (rc == 0)
        return 0;
    a = sc_case_add_assertion(x->c, "probe", what);
    a->message = sc_xstrdup(err.msg);
    sc_runner_spec(a, s);
    if (rc == SC_ETIMEOUT) {
        sc_runner_fail(x, "%s: %s%s%s%s", what, err.msg, s->spec ? " (spec: \"" : "",
                       s->spec ? s->spec : "", s->spec ? "\")" : "");
    } else {
        a->error = true;
        sc_runner_error(x, "%s: %s", what, err.msg);
    }
    return -1;
}

int sc_runner_unmeasured(struct sc_casectx *x, const struct sc_step *s, const char *kind,
                         const char *what, const char *why)
{
    struct sc_assertion *a = sc_case_add_assertion(x->c, kind, what);
    a->error = true;
    a->message = sc_xstrdup(why);
    sc_runner_spec(a, s);
    sc_runner_error(x, "%s: %s", what, why);
    return -1;
}
