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
    char desc[400];

    sc_runner_describe_traffic(x, &s->traffic, desc, sizeof(desc));
    snprintf(what, sizeof(what), "%s is %s", desc, s->allowed ? "allowed" : "denied");
    sc_case_log(x->c, "expect %s", what);
    sc_err_init(&err);
    if (x->changed &&
        sc_runner_probe(x, s, s->traffic.proto == SC_PROTO_HTTP ? PROBE_HTTP_REQUESTS : 2,
                        access_holds, &err) != 0) {
        a = sc_case_add_assertion(x->c, "probe", what);
        a->message = sc_xstrdup(err.msg);
        sc_runner_fail(x, "%s: %s", what, err.msg);
        return -1;
    }
    if (sc_runner_send(x, &s->traffic, s->requests, s, &o, &err) != 0) {
        a = sc_case_add_assertion(x->c, "access", what);
        a->message = sc_xstrdup(err.msg);
        sc_runner_fail(x, "%s: %s", what, err.msg);
        return -1;
    }
    a = sc_case_add_assertion(x->c, "access", what);
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
        sc_runner_fail(x, "%s: expected every request %s; observed %s", what,
                       s->allowed ? "allowed" : "denied", text);
        return -1;
    }
    x->changed = false;
    return 0;
}
