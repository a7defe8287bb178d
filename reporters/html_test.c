/* html_test.c - one test of the HTML report, once: its assertions as rows, its SMI versions
 * as columns, the details of each version folded. */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "reporters/grid.h"
#include "reporters/html_case.h"
#include "reporters/html_charts.h"
#include "reporters/model.h"

/* An assertion row: the first (kind, what) seen, in version order. */
struct arow {
    const char *kind, *what;
};

static bool same_row(const struct arow *r, const struct sc_assertion *a)
{
    return strcmp(r->kind, a->kind) == 0 && strcmp(r->what, a->what) == 0;
}

/* The distinct assertions of a test's cases; the array is the caller's to free(). */
static size_t assertion_rows(const struct sc_grid *g, const struct sc_grid_row *row,
                             struct arow **out)
{
    struct arow *v = NULL;
    size_t n = 0;
    for (size_t k = 0; k < g->nversions; k++) {
        const struct sc_case *c = row->cases[k];
        for (size_t i = 0; c && i < c->nassertions; i++) {
            size_t j = 0;
            while (j < n && !same_row(&v[j], &c->assertions[i]))
                j++;
            if (j < n)
                continue;
            v = realloc(v, (n + 1) * sizeof(*v));
            if (v == NULL)
                abort();
            v[n].kind = c->assertions[i].kind;
            v[n++].what = c->assertions[i].what;
        }
    }
    *out = v;
    return n;
}

static const struct sc_assertion *find_assertion(const struct sc_case *c, const struct arow *r)
{
    for (size_t i = 0; c && i < c->nassertions; i++)
        if (same_row(r, &c->assertions[i]))
            return &c->assertions[i];
    return NULL;
}

static enum sc_verdict assertion_verdict(const struct sc_assertion *a)
{
    return a->passed ? SC_PASSED : a->error ? SC_ERROR : SC_FAILED;
}

static void assertion_table(struct sc_buf *b, const struct sc_grid *g,
                            const struct sc_grid_row *row)
{
    struct arow *rows;
    size_t n = assertion_rows(g, row, &rows);
    if (n == 0)
        return;
    sc_buf_puts(b, "<table class=\"asserts\"><thead><tr><th>assertion</th>");
    for (size_t k = 0; k < g->nversions; k++)
        if (row->cases[k] != NULL && row->cases[k]->verdict != SC_SKIPPED) {
            sc_buf_puts(b, "<th>");
            sc_html_text(b, g->versions[k]);
            sc_buf_puts(b, "</th>");
        }
    sc_buf_puts(b, "</tr></thead><tbody>\n");
    for (size_t i = 0; i < n; i++) {
        sc_buf_puts(b, "<tr><td class=\"w\"><code>");
        sc_html_text(b, rows[i].kind);
        sc_buf_puts(b, "</code> ");
        sc_html_text(b, rows[i].what);
        sc_buf_puts(b, "</td>");
        for (size_t k = 0; k < g->nversions; k++) {
            const struct sc_case *c = row->cases[k];
            if (c == NULL || c->verdict == SC_SKIPPED)
                continue;
            const struct sc_assertion *a = find_assertion(c, &rows[i]);
            if (a == NULL) {
                sc_buf_puts(b, "<td class=\"c\"></td>");
                continue;
            }
            /* the cell's class colours it and its mark (no span: 480 cells in a full run) */
            enum sc_verdict v = assertion_verdict(a);
            sc_buf_printf(b, "<td class=\"c %s\"", sc_verdict_name(v));
            if (a->message)
                sc_html_attr(b, "title", a->message);
            sc_buf_printf(b, ">%s", sc_html_symbol(v));
            sc_html_figures_short(b, a);
            sc_buf_puts(b, "</td>");
        }
        sc_buf_puts(b, "</tr>\n");
    }
    sc_buf_puts(b, "</tbody></table>\n");
    free(rows);
}

/* "Skipped at v1alpha1, v1alpha2: reason", once per reason. */
static void skip_lines(struct sc_buf *b, const struct sc_grid *g, const struct sc_grid_row *row)
{
    for (size_t k = 0; k < g->nversions; k++) {
        const struct sc_case *c = row->cases[k];
        const char *why;
        bool seen = false;
        if (c == NULL || c->verdict != SC_SKIPPED)
            continue;
        why = c->message ? c->message : "";
        for (size_t j = 0; j < k && !seen; j++)
            seen = row->cases[j] && row->cases[j]->verdict == SC_SKIPPED &&
                   strcmp(row->cases[j]->message ? row->cases[j]->message : "", why) == 0;
        if (seen)
            continue;
        sc_buf_puts(b, "<p class=\"meta skip\">");
        sc_html_mark(b, SC_SKIPPED, NULL);
        sc_buf_puts(b, " skipped at ");
        for (size_t j = k, m = 0; j < g->nversions; j++) {
            const struct sc_case *o = row->cases[j];
            if (o == NULL || o->verdict != SC_SKIPPED ||
                strcmp(o->message ? o->message : "", why) != 0)
                continue;
            sc_buf_puts(b, m++ ? ", " : "");
            sc_html_text(b, g->versions[j]);
        }
        sc_buf_puts(b, ": ");
        sc_html_text(b, c->message ? c->message : "(no reason recorded)");
        sc_buf_puts(b, "</p>\n");
    }
}

static void meta(struct sc_buf *b, const struct sc_grid *g, const struct sc_grid_row *row)
{
    const struct sc_case *c = NULL;
    double secs = 0;
    for (size_t k = 0; k < g->nversions; k++)
        if (row->cases[k] != NULL) {
            c = c ? c : row->cases[k];
            secs += (double)row->cases[k]->duration_ns / 1e9;
        }
    sc_buf_puts(b, "<p class=\"meta\">");
    sc_html_text(b, row->area);
    for (size_t i = 0; i < c->nfeatures; i++) {
        sc_buf_puts(b, i ? ", " : " \xc2\xb7 features: ");
        sc_html_text(b, c->features[i]);
    }
    sc_buf_printf(b, " \xc2\xb7 %.3f s", secs);
    if (c->file) {
        sc_buf_puts(b, " \xc2\xb7 <code>");
        sc_html_text(b, c->file);
        sc_buf_puts(b, "</code>");
    }
    sc_buf_puts(b, "</p>\n");
}

/* Folded: per version that ran, the figures, charts and steps; a failed or errored case
 * points at its full account in the Failures or Errors section. */
static void version_details(struct sc_buf *b, const struct sc_run *r, const struct sc_grid *g,
                            const struct sc_grid_row *row)
{
    size_t ran = 0, steps = g->nversions;
    for (size_t k = 0; k < g->nversions; k++) {
        const struct sc_case *c = row->cases[k];
        ran += c != NULL && c->verdict != SC_SKIPPED;
        if (c != NULL && c->verdict == SC_PASSED && c->log != NULL)
            steps = k;
    }
    if (ran == 0)
        return;
    sc_buf_puts(b, "<details class=\"versions\"><summary>Figures, charts and steps at each "
                   "version</summary>\n");
    if (steps < g->nversions && ran > 1) {
        sc_buf_puts(b, "<p class=\"meta\">Steps of passed cases: shown for the newest version "
                       "that passed, ");
        sc_html_text(b, g->versions[steps]);
        sc_buf_puts(b, "; every case's steps are in results.json.</p>\n");
    }
    for (size_t k = 0; k < g->nversions; k++) {
        const struct sc_case *c = row->cases[k];
        if (c == NULL || c->verdict == SC_SKIPPED)
            continue;
        sc_buf_puts(b, "<h4>");
        sc_html_text(b, g->versions[k]);
        sc_buf_puts(b, " ");
        sc_html_mark(b, c->verdict, NULL);
        sc_buf_printf(b, " %s \xc2\xb7 %.3f s</h4>\n", sc_verdict_name(c->verdict),
                      (double)c->duration_ns / 1e9);
        if (c->verdict == SC_FAILED || c->verdict == SC_ERROR) {
            sc_buf_printf(b, "<p><a href=\"#case-%zu\">its %s, in full, above</a></p>\n",
                          (size_t)(c - r->cases), c->verdict == SC_FAILED ? "failure" : "error");
            continue;
        }
        sc_html_case_body(b, c, false, k == steps, false);
    }
    sc_buf_puts(b, "</details>\n");
}

void sc_html_test_section(struct sc_buf *b, const struct sc_run *r, const struct sc_grid *g,
                          size_t i)
{
    const struct sc_grid_row *row = &g->rows[i];
    bool failed = false, error = false, passed = false;
    for (size_t k = 0; k < g->nversions; k++) {
        const struct sc_case *c = row->cases[k];
        failed |= c && c->verdict == SC_FAILED;
        error |= c && c->verdict == SC_ERROR;
        passed |= c && c->verdict == SC_PASSED;
    }
    const char *res = failed ? "failed" : error ? "error" : passed ? "passed" : "skipped";
    sc_buf_printf(b, "<section class=\"test %s\" id=\"t-%zu\" data-result=\"%s\"", res, i, res);
    sc_html_attr(b, "data-area", row->area);
    sc_buf_printf(b, ">\n<h3><span class=\"badge %s\">%s</span> ", res, res);
    sc_html_text(b, row->test);
    sc_buf_puts(b, "</h3>\n");
    meta(b, g, row);
    assertion_table(b, g, row);
    skip_lines(b, g, row);
    version_details(b, r, g, row);
    sc_buf_puts(b, "</section>\n");
}
