/* judge_held.c - traffic held on one kept-alive connection across a policy change: started by a
 * hold step, judged per request once fresh probes of the same traffic see the new policy. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "base/util.h"
#include "run/case.h"

#define HOLD_RATE       40.0 /* requests per second on the held connection */
#define HOLD_WARM_MS    500  /* the held connection carries traffic before the next step */
#define HOLD_MARGIN_MS  200  /* judged: requests sent this long after the probes saw the change */
#define HOLD_AFTER_MS   700  /* kept running after the probes saw it: about 20 judged */
#define HOLD_MIN_AFTER  5    /* requests judged after the change, at least */
#define PROBE_REQUESTS  5
#define HOLD_TIMEOUT_NS 2000000000ull

static struct sc_held *find_hold(struct sc_casectx *x, const char *id)
{
    for (size_t i = 0; i < x->nheld; i++)
        if (strcmp(x->held[i].step->hold, id) == 0)
            return &x->held[i];
    return NULL;
}

int sc_runner_step_hold(struct sc_casectx *x, const struct sc_step *s)
{
    struct sc_platform *p = x->r->p;
    const struct sc_workload *w = sc_test_workload(x->t, s->traffic.from);
    /* Bounded: two consistency timeouts (the change, then the probes) and a margin. */
    double secs = 2.0 * sc_runner_timeout_ms(x) / 1000.0 + 10.0;
    struct sc_agent_plan plan;
    struct sc_held *h;
    struct sc_err err;
    char desc[400];
    int rc;

    sc_runner_describe_traffic(x, &s->traffic, desc, sizeof(desc));
    sc_case_log(x->c, "hold '%s': %s on one kept-alive connection", s->hold, desc);
    sc_runner_make_plan(x, &s->traffic, 1, &plan);
    plan.requests = 0;
    plan.connections = 1;
    plan.duration_ns = (uint64_t)(secs * 1e9);
    /* the timeline keeps SC_LOAD_TIMELINE_MAX requests: a long bound sends fewer per second */
    plan.rate = HOLD_RATE * secs <= SC_LOAD_TIMELINE_MAX ? HOLD_RATE : SC_LOAD_TIMELINE_MAX / secs;
    plan.timeout_ns = HOLD_TIMEOUT_NS;
    plan.timeline = true;
    x->held = realloc(x->held, (x->nheld + 1) * sizeof(*x->held));
    if (x->held == NULL)
        abort();
    h = &x->held[x->nheld++];
    memset(h, 0, sizeof(*h));
    h->step = s;
    h->start_ns = sc_now_ns();
    if (x->first_traffic_ns == 0)
        x->first_traffic_ns = h->start_ns;
    sc_err_init(&err);
    rc = sc_platform_hold_start(p, w->second_ns ? x->ns2 : x->ns, s->traffic.from, 0, &plan, &h->h,
                                &err);
    sc_agent_plan_release(&plan);
    if (rc != 0)
        return sc_runner_unmeasured(x, s, "held", desc, err.msg);
    sc_sleep_ms(HOLD_WARM_MS);
    return 0;
}

void sc_runner_holds_mark_change(struct sc_casectx *x)
{
    for (size_t i = 0; i < x->nheld; i++)
        if (x->held[i].h != NULL && x->held[i].change_ns == 0)
            x->held[i].change_ns = sc_now_ns();
}

void sc_runner_holds_release(struct sc_casectx *x)
{
    for (size_t i = 0; i < x->nheld; i++) {
        struct sc_agent_result r;
        struct sc_err err;
        sc_err_init(&err);
        if (x->held[i].h != NULL && sc_platform_hold_stop(x->held[i].h, &r, &err) == 0)
            sc_agent_result_release(&r);
    }
    free(x->held);
    x->held = NULL;
    x->nheld = 0;
}

static bool access_holds(const struct sc_step *s, const struct sc_outcome *o)
{
    return s->allowed ? o->ok_intended == o->total : o->denied == o->total;
}

/* Is one request's outcome (a status, or -(1 + error kind)) what step s expects? */
static bool event_as_expected(const struct sc_denial *d, const struct sc_step *s, int outcome)
{
    bool denied = false;

    if (outcome >= 0) {
        if (s->allowed)
            return outcome >= 200 && outcome < 300;
        for (size_t i = 0; i < d->nhttp_status; i++)
            denied = denied || d->http_status[i] == outcome;
        return denied;
    }
    if (s->allowed)
        return false;
    return (sc_runner_signal_of(SC_PROTO_HTTP,
                                sc_load_errkind_name((enum sc_load_errkind)(-1 - outcome))) &
            d->http) != 0;
}

static void describe_event(const struct sc_load_event *e, char *buf, size_t len)
{
    if (e->outcome >= 0)
        snprintf(buf, len, "%d", e->outcome);
    else
        snprintf(buf, len, "%s", sc_load_errkind_name((enum sc_load_errkind)(-1 - e->outcome)));
}

/* What the held connection saw: requests before the change (and on how many connections),
 * requests judged after the probes saw it, and the first of those that broke the rule. */
struct held_view {
    size_t before, after, good;
    uint32_t conn0;
    bool one_conn;
    const struct sc_load_event *bad;
};

static void view_of(const struct sc_denial *d, const struct sc_step *s,
                    const struct sc_agent_result *r, uint64_t change_off, uint64_t seen_off,
                    struct held_view *v)
{
    memset(v, 0, sizeof(*v));
    v->one_conn = true;
    for (size_t i = 0; i < r->ntimeline; i++) {
        const struct sc_load_event *e = &r->timeline[i];
        if (e->sent_ns < change_off) {
            if (v->before++ == 0)
                v->conn0 = e->conn;
            v->one_conn = v->one_conn && e->conn == v->conn0;
        } else if (e->sent_ns >= seen_off) {
            v->after++;
            if (event_as_expected(d, s, e->outcome))
                v->good++;
            else if (v->bad == NULL)
                v->bad = e;
        }
    }
}

/* The verdict on what the held connection saw (ms: the judged requests' start, in the plan). */
static int held_verdict(struct sc_casectx *x, const struct sc_step *s, const char *what,
                        const struct sc_agent_result *r, const struct held_view *v, double ms)
{
    const char *sig = s->allowed ? "allowed" : "denied";
    struct sc_assertion *a;
    struct sc_figure *f;
    char text[600], out[32];

    if (v->before == 0 || !v->one_conn)
        return sc_runner_unmeasured(x, s, "held", what,
                                    v->before == 0
                                        ? "the held traffic sent no request before the change"
                                        : "the held traffic used several connections before the "
                                          "change: nothing to judge");
    if (v->after < HOLD_MIN_AFTER) {
        snprintf(text, sizeof(text),
                 "the held traffic sent %zu requests after the change was "
                 "seen (at least %d needed)",
                 v->after, HOLD_MIN_AFTER);
        return sc_runner_unmeasured(x, s, "held", what, text);
    }
    a = sc_case_add_assertion(x->c, "held", what);
    sc_runner_spec(a, s);
    a->passed = v->good == v->after;
    f = sc_assertion_add_figure(a, sig, "count");
    f->expected = (double)v->after;
    f->observed = (double)v->good;
    f->count = v->good;
    f->total = v->after;
    snprintf(text, sizeof(text),
             "%zu of %zu requests on the held connection %s from %.0f ms on (%zu before the change "
             "on connection %u; connections opened in all: %llu)",
             v->good, v->after, sig, ms, v->before, (unsigned)v->conn0,
             (unsigned long long)r->connections_opened);
    if (v->bad != NULL) {
        describe_event(v->bad, out, sizeof(out));
        snprintf(text + strlen(text), sizeof(text) - strlen(text),
                 "; the first not %s: sent at %.0f ms on connection %u, answered %s", sig,
                 (double)v->bad->sent_ns / 1e6, (unsigned)v->bad->conn, out);
    }
    sc_case_log(x->c, "  %s", text);
    if (!a->passed) {
        a->message = sc_xstrdup(text);
        sc_runner_fail(x, "%s: expected every request %s once fresh traffic is; observed %s%s%s%s",
                       what, sig, text, s->spec ? " (spec: \"" : "", s->spec ? s->spec : "",
                       s->spec ? "\")" : "");
        return -1;
    }
    return 0;
}

int sc_judge_held(struct sc_casectx *x, const struct sc_step *s)
{
    struct sc_held *h = find_hold(x, s->hold);
    struct sc_step probe = *s;
    struct sc_agent_result r;
    struct held_view v;
    struct sc_err err;
    char what[512], desc[400];
    uint64_t seen_ns, change_off, seen_off;
    int rc;

    probe.traffic = x->t->steps[s->hold_step].traffic;
    probe.hold = NULL;
    sc_runner_describe_traffic(x, &probe.traffic, desc, sizeof(desc));
    snprintf(what, sizeof(what), "held %s is %s", desc, s->allowed ? "allowed" : "denied");
    sc_case_log(x->c, "expect %s", what);
    if (h == NULL || h->h == NULL)
        return sc_runner_unmeasured(x, s, "held", what, "the hold is not running");
    /* Fresh traffic of the same kind, from the same pod to the same destination, goes
     * through the same proxies: once it sees the change, so must the held connection. */
    if (sc_runner_settle(x, &probe, PROBE_REQUESTS, access_holds, s->allowed ? "allowed" : "denied",
                         what) != 0)
        return -1;
    seen_ns = sc_now_ns();
    sc_sleep_ms(HOLD_AFTER_MS);
    sc_err_init(&err);
    rc = sc_platform_hold_stop(h->h, &r, &err);
    h->h = NULL;
    if (rc != 0)
        return sc_runner_unmeasured(x, s, "held", what, err.msg);
    /* Offsets in the plan's time: it started after h->start_ns, so these are conservative. */
    change_off = h->change_ns != 0 ? h->change_ns - h->start_ns : seen_ns - h->start_ns;
    seen_off = seen_ns - h->start_ns + HOLD_MARGIN_MS * 1000000ull;
    view_of(&x->r->p->deny, s, &r, change_off, seen_off, &v);
    rc = held_verdict(x, s, what, &r, &v, (double)seen_off / 1e6);
    sc_agent_result_release(&r);
    return rc;
}
