/* judge_access.c - expect access: every request allowed (answered 2xx by an intended
 * backend) or every request denied (the mesh's denial signal), after probing a change. */
#include <stdio.h>
#include <stdlib.h>

#include "base/util.h"
#include "run/case.h"

#define PROBE_HTTP_REQUESTS 5

static bool access_holds(const struct sc_step *s, const struct sc_outcome *o)
{
    return s->allowed ? o->ok_intended == o->total : o->denied == o->total;
}

int sc_judge_access(struct sc_casectx *x, const struct sc_step *s)
{
    char what[512], text[300];
    struct sc_outcome o;
    struct sc_assertion *a;
    struct sc_err err;
    struct sc_figure *f;
    char desc[400], key[768];
    const char *sig = s->allowed ? "allowed" : "denied";

    sc_runner_describe_traffic(x, &s->traffic, desc, sizeof(desc));
    snprintf(what, sizeof(what), "%s is %s", desc, s->allowed ? "allowed" : "denied");
    sc_case_log(x->c, "expect %s", what);
    sc_err_init(&err);
    if (sc_runner_settle(x, s, s->traffic.proto == SC_PROTO_HTTP ? PROBE_HTTP_REQUESTS : 2,
                         access_holds, sig, what) != 0)
        return -1;
    if (sc_runner_send(x, &s->traffic, s->requests, s, &o, &err) != 0)
        return sc_runner_unmeasured(x, s, "access", what, err.msg);
    a = sc_case_add_assertion(x->c, "access", what);
    sc_runner_spec(a, s);
    a->passed = access_holds(s, &o);
    f = sc_assertion_add_figure(a, s->allowed ? "allowed" : "denied", "count");
    f->expected = (double)o.total;
    f->observed = (double)(s->allowed ? o.ok_intended : o.denied);
    f->count = s->allowed ? o.ok_intended : o.denied;
    f->total = o.total;
    sc_runner_outcome_text(&o, text, sizeof(text));
    sc_case_log(x->c, "  %s", text);
    sc_runner_outcome_release(&o);
    if (!a->passed) {
        a->message = sc_xstrdup(text);
        sc_runner_fail(x, "%s: expected every request %s; observed %s%s%s%s", what, sig, text,
                       s->spec ? " (spec: \"" : "", s->spec ? s->spec : "", s->spec ? "\")" : "");
        return -1;
    }
    sc_runner_traffic_key(&s->traffic, key, sizeof(key));
    sc_runner_remember(x, key, sig);
    return 0;
}
