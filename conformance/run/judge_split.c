/* judge_split.c - expect a split: each backend's share of enough requests that a correct mesh
 * fails by chance with probability at most SC_STATS_FALSE_FAIL, zero-weight backends none. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "run/case.h"
#include "run/stats.h"

#define PROBE_SPLIT_REQUESTS 200
#define PROBE_SOLE_REQUESTS  50 /* one backend with all the weight: any batch shows a leak */
#define SPLIT_PROBE_SLACK    0.15

static void split_expected(const struct sc_step *s, double *p)
{
    double sum = 0;
    size_t n = s->nshares < SC_RUNNER_SHARES_MAX ? s->nshares : SC_RUNNER_SHARES_MAX;
    for (size_t k = 0; k < n; k++)
        sum += s->shares[k].weight;
    for (size_t k = 0; k < n; k++)
        p[k] = sum > 0 ? s->shares[k].weight / sum : 0;
}

static bool split_holds(const struct sc_step *s, const struct sc_outcome *o)
{
    double p[SC_RUNNER_SHARES_MAX];
    if (o->ok_intended + o->ok_other != o->total || o->total == 0)
        return false;
    split_expected(s, p);
    for (size_t k = 0; k < s->nshares && k < SC_RUNNER_SHARES_MAX; k++) {
        double share = (double)o->per_service[k] / (double)o->total;
        if (p[k] == 0 ? o->per_service[k] != 0 : fabs(share - p[k]) > SPLIT_PROBE_SLACK)
            return false;
    }
    return true;
}

/* "split:web-v1=20,web-v2=80": the outcome a split expectation waits for. */
static void split_sig(const struct sc_step *s, char *buf, size_t len)
{
    size_t l = (size_t)snprintf(buf, len, "split:");
    for (size_t k = 0; k < s->nshares && l < len; k++)
        l += (size_t)snprintf(buf + l, len - l, "%s%s=%g", k ? "," : "", s->shares[k].service,
                              s->shares[k].weight);
}

int sc_judge_split(struct sc_casectx *x, const struct sc_step *s)
{
    char what[512], desc[400], msg[1024] = "", sig[512], key[768];
    double p[SC_RUNNER_SHARES_MAX];
    unsigned k_nonzero = 0;
    uint64_t n;
    struct sc_outcome o;
    struct sc_assertion *a;
    struct sc_err err;
    bool ok = true;

    sc_runner_describe_traffic(x, &s->traffic, desc, sizeof(desc));
    split_expected(s, p);
    for (size_t k = 0; k < s->nshares && k < SC_RUNNER_SHARES_MAX; k++)
        k_nonzero += p[k] > 0;
    /* one backend with all the weight: nothing to measure, only a leak to catch */
    n = k_nonzero == 1 ? sc_stats_sole_backend_requests(s->tolerance, SC_STATS_MISS)
                       : sc_stats_split_requests(k_nonzero, s->tolerance, SC_STATS_FALSE_FAIL);
    snprintf(what, sizeof(what), "%s splits by weight (tolerance %.3f, %llu requests)", desc,
             s->tolerance, (unsigned long long)n);
    sc_case_log(x->c, "expect %s", what);
    sc_err_init(&err);
    split_sig(s, sig, sizeof(sig));
    if (sc_runner_settle(x, s, k_nonzero == 1 ? PROBE_SOLE_REQUESTS : PROBE_SPLIT_REQUESTS,
                         split_holds, sig, what) != 0)
        return -1;
    if (sc_runner_send(x, &s->traffic, (unsigned)n, s, &o, &err) != 0)
        return sc_runner_unmeasured(x, s, "split", what, err.msg);
    a = sc_case_add_assertion(x->c, "split", what);
    sc_runner_spec(a, s);
    if (o.ok_intended + o.ok_other != o.total) {
        char text[300];
        sc_runner_outcome_text(&o, text, sizeof(text));
        snprintf(msg, sizeof(msg), "not every request was answered: %s", text);
        ok = false;
    }
    for (size_t k = 0; k < s->nshares && k < SC_RUNNER_SHARES_MAX; k++) {
        struct sc_figure *f = sc_assertion_add_figure(a, s->shares[k].service, "share");
        double share = o.total ? (double)o.per_service[k] / (double)o.total : 0;
        f->expected = p[k];
        f->observed = share;
        f->count = o.per_service[k];
        f->total = o.total;
        sc_stats_wilson(o.per_service[k], o.total, 1.96, &f->lo, &f->hi);
        if (p[k] == 0) {
            f->tolerance = 0;
            if (o.per_service[k] != 0) {
                ok = false;
                snprintf(msg + strlen(msg), sizeof(msg) - strlen(msg),
                         "%s%s has weight 0 but received %llu requests", msg[0] ? "; " : "",
                         s->shares[k].service, (unsigned long long)o.per_service[k]);
            }
        } else {
            f->tolerance = s->tolerance;
            if (fabs(share - p[k]) > s->tolerance) {
                ok = false;
                snprintf(msg + strlen(msg), sizeof(msg) - strlen(msg),
                         "%s%s got %.3f of requests, expected %.3f +/- %.3f", msg[0] ? "; " : "",
                         s->shares[k].service, share, p[k], s->tolerance);
            }
        }
        sc_case_log(x->c, "  %s: %llu of %llu (%.3f, expected %.3f)", s->shares[k].service,
                    (unsigned long long)o.per_service[k], (unsigned long long)o.total, share, p[k]);
    }
    sc_runner_outcome_release(&o);
    a->passed = ok;
    if (!ok) {
        a->message = sc_xstrdup(msg);
        sc_runner_fail(x, "%s: %s%s%s%s", what, msg, s->spec ? " (spec: \"" : "",
                       s->spec ? s->spec : "", s->spec ? "\")" : "");
        return -1;
    }
    sc_runner_traffic_key(&s->traffic, key, sizeof(key));
    sc_runner_remember(x, key, sig);
    return 0;
}
