/* case.c - a case's state as the judges and steps see it: its verdict, and whether the run
 * was interrupted. */
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>

#include "base/util.h"
#include "run/case.h"

void sc_runner_fail(struct sc_casectx *x, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (x->c->verdict != SC_FAILED) {
        x->c->verdict = SC_FAILED;
        free(x->c->message);
        x->c->message = sc_xstrdup(msg);
    }
    sc_case_log(x->c, "  FAILED: %s", msg);
}

bool sc_runner_cancelled(const struct sc_casectx *x)
{
    return x->r->o->cancel != NULL && atomic_load(x->r->o->cancel);
}
