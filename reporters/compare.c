/* compare.c - two runs side by side: per test and SMI version, what changed from A to B, and
 * the text summary of it. */
#include "reporters/compare.h"

#include <stdlib.h>
#include <string.h>

#include "reporters/buf.h"
#include "reporters/grid.h"
#include "reporters/model.h"

const char *sc_change_name(enum sc_change c)
{
    static const char *const names[SC_CHANGE_COUNT] = {
        "pass->fail", "changed", "fail->pass", "new", "removed", "unchanged",
    };
    return (unsigned)c < SC_CHANGE_COUNT ? names[c] : "?";
}

static enum sc_change classify(const struct sc_case *a, const struct sc_case *b)
{
    if (a == NULL)
        return SC_CHANGE_NEW;
    if (b == NULL)
        return SC_CHANGE_REMOVED;
    if (a->verdict == b->verdict)
        return SC_CHANGE_UNCHANGED;
    if (b->verdict == SC_FAILED)
        return SC_CHANGE_BROKEN;
    if (a->verdict == SC_FAILED && b->verdict == SC_PASSED)
        return SC_CHANGE_FIXED;
    return SC_CHANGE_OTHER;
}

static void add(struct sc_comparison *cmp, size_t *cap, const struct sc_case *a,
                const struct sc_case *b)
{
    if (cmp->npairs == *cap) {
        *cap = *cap ? *cap * 2 : 64;
        cmp->pairs = realloc(cmp->pairs, *cap * sizeof(*cmp->pairs));
        if (cmp->pairs == NULL)
            abort();
    }
    const struct sc_case *c = a ? a : b;
    struct sc_pair *p = &cmp->pairs[cmp->npairs++];
    p->test = c->test;
    p->area = c->area;
    p->version = c->version;
    p->a = a;
    p->b = b;
    p->change = classify(a, b);
    cmp->count[p->change]++;
}

static const struct sc_case *find(const struct sc_grid *g, const char *test, const char *version)
{
    size_t row = sc_grid_find(g, test), col = sc_grid_column(g, version);
    return row < g->nrows && col < g->nversions ? g->rows[row].cases[col] : NULL;
}

/* Stable order by change: the pairs were added in reading order (area, test, version). */
static void sort_by_change(struct sc_comparison *cmp)
{
    struct sc_pair *sorted = malloc((cmp->npairs ? cmp->npairs : 1) * sizeof(*sorted));
    size_t n = 0;
    if (sorted == NULL)
        abort();
    for (int ch = 0; ch < SC_CHANGE_COUNT; ch++)
        for (size_t i = 0; i < cmp->npairs; i++)
            if (cmp->pairs[i].change == (enum sc_change)ch)
                sorted[n++] = cmp->pairs[i];
    free(cmp->pairs);
    cmp->pairs = sorted;
}

int sc_compare(struct sc_comparison *cmp, const struct sc_run *a, const char *a_name,
               const struct sc_run *b, const char *b_name, struct sc_err *err)
{
    struct sc_grid ga, gb;
    size_t cap = 0;

    memset(cmp, 0, sizeof(*cmp));
    cmp->a = a;
    cmp->b = b;
    cmp->a_name = a_name;
    cmp->b_name = b_name;
    sc_grid_init(&ga, a);
    sc_grid_init(&gb, b);
    for (size_t i = 0; i < ga.nrows; i++)
        for (size_t k = 0; k < ga.nversions; k++)
            if (ga.rows[i].cases[k] != NULL)
                add(cmp, &cap, ga.rows[i].cases[k], find(&gb, ga.rows[i].test, ga.versions[k]));
    for (size_t i = 0; i < gb.nrows; i++)
        for (size_t k = 0; k < gb.nversions; k++)
            if (gb.rows[i].cases[k] != NULL && find(&ga, gb.rows[i].test, gb.versions[k]) == NULL)
                add(cmp, &cap, NULL, gb.rows[i].cases[k]);
    sc_grid_release(&ga);
    sc_grid_release(&gb);
    sort_by_change(cmp);
    if (cmp->npairs > 0 && cmp->count[SC_CHANGE_NEW] + cmp->count[SC_CHANGE_REMOVED] == cmp->npairs)
        return sc_err_set(err, SC_EINVAL,
                          "'%s' and '%s' have no test case in common: they are not runs of the "
                          "same suites",
                          a_name, b_name);
    if (cmp->npairs == 0)
        return sc_err_set(err, SC_EINVAL, "'%s' and '%s' hold no test cases to compare", a_name,
                          b_name);
    return 0;
}

void sc_comparison_release(struct sc_comparison *cmp)
{
    free(cmp->pairs);
    memset(cmp, 0, sizeof(*cmp));
}

static void run_line(struct sc_buf *b, const char *tag, const char *name, const struct sc_run *r)
{
    struct sc_summary s = sc_run_summary(r);
    char t[40];
    sc_buf_printf(b, "  %s %s: mesh %s, platform %s, harness %s, ", tag, name,
                  r->mesh ? r->mesh : "?", r->platform ? r->platform : "?",
                  r->harness_version ? r->harness_version : "?");
    if (r->start_ms)
        sc_buf_printf(b, "started %s, ", sc_report_time(r->start_ms, t, sizeof(t)));
    sc_buf_printf(b, "%zu cases: %zu passed, %zu failed, %zu errors, %zu skipped\n", s.total,
                  s.passed, s.failed, s.errors, s.skipped);
}

char *sc_compare_text(const struct sc_comparison *cmp)
{
    struct sc_buf b = SC_BUF_INIT;
    char line[256];

    sc_buf_puts(&b, "SMI conformance: comparing two runs\n");
    run_line(&b, "A", cmp->a_name, cmp->a);
    run_line(&b, "B", cmp->b_name, cmp->b);
    sc_buf_puts(&b, "\n ");
    for (int ch = 0; ch < SC_CHANGE_COUNT; ch++)
        sc_buf_printf(&b, " %zu %s%s", cmp->count[ch], sc_change_name((enum sc_change)ch),
                      ch + 1 < SC_CHANGE_COUNT ? "," : "\n");
    for (int ch = 0; ch < SC_CHANGE_UNCHANGED; ch++) {
        if (cmp->count[ch] == 0)
            continue;
        sc_buf_printf(&b, "\n%s (%zu):\n", sc_change_name((enum sc_change)ch), cmp->count[ch]);
        for (size_t i = 0; i < cmp->npairs; i++) {
            const struct sc_pair *p = &cmp->pairs[i];
            const struct sc_case *now = p->b ? p->b : p->a;
            if (p->change != (enum sc_change)ch)
                continue;
            sc_buf_printf(&b, "  %s/%s [%s]: %s -> %s", p->area, p->test, p->version,
                          p->a ? sc_verdict_name(p->a->verdict) : "(none)",
                          p->b ? sc_verdict_name(p->b->verdict) : "(none)");
            if (now->message && now->verdict != SC_PASSED) {
                sc_buf_puts(&b, ": ");
                sc_buf_esc(&b, sc_report_first_line(now->message, line, sizeof(line)), SC_ESC_NONE);
            }
            sc_buf_puts(&b, "\n");
        }
    }
    if (cmp->count[SC_CHANGE_UNCHANGED] == cmp->npairs)
        sc_buf_puts(&b, "\nNo outcome changed.\n");
    return sc_buf_detach(&b);
}
