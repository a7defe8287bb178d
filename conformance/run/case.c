/* case.c - a case's state as the judges and steps see it: its verdict, and whether the run
 * was interrupted. */
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>

#include "base/util.h"
#include "run/case.h"

/* The first outcome other than passed wins: a case stops at its first failure or error. */
static void conclude(struct sc_casectx *x, enum sc_verdict v, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));

static void conclude(struct sc_casectx *x, enum sc_verdict v, const char *fmt, va_list ap)
{
    char msg[1024];
    vsnprintf(msg, sizeof(msg), fmt, ap);
    if (x->c->verdict == SC_PASSED) {
        x->c->verdict = v;
        free(x->c->message);
        x->c->message = sc_xstrdup(msg);
    }
    sc_case_log(x->c, "  %s: %s", v == SC_FAILED ? "FAILED" : "ERROR", msg);
}

void sc_runner_fail(struct sc_casectx *x, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    conclude(x, SC_FAILED, fmt, ap);
    va_end(ap);
}

void sc_runner_error(struct sc_casectx *x, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    conclude(x, SC_ERROR, fmt, ap);
    va_end(ap);
}

void sc_runner_spec(struct sc_assertion *a, const struct sc_step *s)
{
    if (s != NULL && s->spec != NULL && a->spec == NULL)
        a->spec = sc_xstrdup(s->spec);
}

bool sc_runner_cancelled(const struct sc_casectx *x)
{
    return x->r->o->cancel != NULL && atomic_load(x->r->o->cancel);
}
