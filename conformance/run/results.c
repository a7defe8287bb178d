/* results.c - the run's result model: construction, logs, summaries. */
#include "run/results.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"

static const char *const verdict_names[] = {"passed", "failed", "skipped", "error"};

const char *sc_verdict_name(enum sc_verdict v)
{
    return (unsigned)v < 4 ? verdict_names[v] : "unknown";
}

int sc_verdict_parse(const char *s)
{
    for (int i = 0; i < 4; i++)
        if (s != NULL && strcmp(s, verdict_names[i]) == 0)
            return i;
    return -1;
}

struct sc_run *sc_run_new(void)
{
    return sc_xcalloc(1, sizeof(struct sc_run));
}

void sc_assertion_release(struct sc_assertion *a)
{
    free(a->kind);
    free(a->what);
    free(a->message);
    free(a->spec);
    for (size_t i = 0; i < a->nfigures; i++) {
        free(a->figures[i].name);
        free(a->figures[i].unit);
    }
    free(a->figures);
    free(a->client_hist);
}

static void free_case(struct sc_case *c)
{
    free(c->test);
    free(c->area);
    free(c->version);
    free(c->file);
    for (size_t i = 0; i < c->nfeatures; i++)
        free(c->features[i]);
    free(c->features);
    for (size_t i = 0; i < c->nprotocols; i++)
        free(c->protocols[i]);
    free(c->protocols);
    free(c->message);
    free(c->rerun_reason);
    free(c->log);
    free(c->diagnostics);
    for (size_t i = 0; i < c->nassertions; i++)
        sc_assertion_release(&c->assertions[i]);
    free(c->assertions);
}

void sc_run_free(struct sc_run *r)
{
    if (r == NULL)
        return;
    free(r->harness_version);
    free(r->harness_commit);
    free(r->platform);
    free(r->mesh);
    free(r->kube_version);
    free(r->command_line);
    for (size_t i = 0; i < r->nviolations; i++)
        free(r->violations[i]);
    free(r->violations);
    for (size_t i = 0; i < r->nserved; i++) {
        free(r->served[i].group);
        for (size_t k = 0; k < r->served[i].nversions; k++)
            free(r->served[i].versions[k]);
        free(r->served[i].versions);
    }
    free(r->served);
    for (size_t i = 0; i < r->ncases; i++)
        free_case(&r->cases[i]);
    free(r->cases);
    free(r);
}

static void *grow(void *arr, size_t *n, size_t size)
{
    char *p = realloc(arr, (*n + 1) * size);
    if (p == NULL)
        abort();
    memset(p + *n * size, 0, size);
    (*n)++;
    return p;
}

struct sc_case *sc_run_add_case(struct sc_run *r)
{
    r->cases = grow(r->cases, &r->ncases, sizeof(*r->cases));
    return &r->cases[r->ncases - 1];
}

struct sc_assertion *sc_case_add_assertion(struct sc_case *c, const char *kind, const char *what)
{
    struct sc_assertion *a;
    c->assertions = grow(c->assertions, &c->nassertions, sizeof(*c->assertions));
    a = &c->assertions[c->nassertions - 1];
    a->kind = sc_xstrdup(kind);
    a->what = sc_xstrdup(what);
    for (int i = 0; i < 4; i++)
        a->client_p[i] = a->mesh_p[i] = NAN;
    return a;
}

struct sc_figure *sc_assertion_add_figure(struct sc_assertion *a, const char *name,
                                          const char *unit)
{
    struct sc_figure *f;
    a->figures = grow(a->figures, &a->nfigures, sizeof(*a->figures));
    f = &a->figures[a->nfigures - 1];
    f->name = sc_xstrdup(name);
    f->unit = unit ? sc_xstrdup(unit) : NULL;
    f->expected = f->tolerance = f->observed = f->lo = f->hi = NAN;
    return f;
}

void sc_case_log(struct sc_case *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    sc_append_linev(&c->log, fmt, ap);
    va_end(ap);
}

static void count(struct sc_summary *s, const struct sc_case *c)
{
    s->total++;
    if (c->verdict == SC_PASSED)
        s->passed++;
    else if (c->verdict == SC_FAILED)
        s->failed++;
    else if (c->verdict == SC_ERROR)
        s->errors++;
    else
        s->skipped++;
}

struct sc_summary sc_run_summary(const struct sc_run *r)
{
    struct sc_summary s = {0};
    for (size_t i = 0; i < r->ncases; i++)
        count(&s, &r->cases[i]);
    return s;
}

struct sc_summary sc_run_summary_of(const struct sc_run *r, const char *area, const char *version)
{
    struct sc_summary s = {0};
    for (size_t i = 0; i < r->ncases; i++) {
        const struct sc_case *c = &r->cases[i];
        if (area != NULL && strcmp(c->area, area) != 0)
            continue;
        if (version != NULL && strcmp(c->version, version) != 0)
            continue;
        count(&s, c);
    }
    return s;
}

int sc_run_exit_status(const struct sc_summary *s)
{
    if (s->failed > 0)
        return 1;
    if (s->errors > 0 || s->passed == 0)
        return 2; /* something could not be judged, or nothing was judged at all */
    return 0;
}
