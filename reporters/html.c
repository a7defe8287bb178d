/* html.c - the HTML report: plain HTML, CSS and SVG written by hand, nothing to fetch. In
 * reading order: the matrix, the failures, the errors, the skips, then each test once. */
#include "reporters/html.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "reporters/buf.h"
#include "reporters/grid.h"
#include "reporters/html_case.h"
#include "reporters/html_charts.h"
#include "reporters/model.h"

/* The filters: with none ticked every test shows; else only the tests whose result is
 * ticked. */
static const char script[] =
    "(function(){var f=document.querySelectorAll('input.filter');"
    "function apply(){var on=[];for(var i=0;i<f.length;i++)if(f[i].checked)"
    "on.push(f[i].getAttribute('data-result'));var a=document.querySelectorAll('section.test');"
    "for(var k=0;k<a.length;k++)a[k].hidden=on.length>0&&"
    "on.indexOf(a[k].getAttribute('data-result'))<0;}"
    "for(var i=0;i<f.length;i++)f[i].addEventListener('change',apply);"
    "document.documentElement.setAttribute('data-ready','1');})();\n";

static void fact(struct sc_buf *b, const char *name, const char *value)
{
    if (value == NULL)
        return;
    sc_buf_printf(b, "<dt>%s</dt><dd>", name);
    sc_html_text(b, value);
    sc_buf_puts(b, "</dd>\n");
}

static void facts(struct sc_buf *b, const struct sc_run *r)
{
    struct sc_buf tmp = SC_BUF_INIT;
    char t[40];
    sc_buf_puts(b, "<dl class=\"facts\">\n");
    fact(b, "mesh", r->mesh);
    fact(b, "platform", r->platform);
    fact(b, "Kubernetes", r->kube_version);
    sc_buf_printf(&tmp, "%s (commit %s)", r->harness_version ? r->harness_version : "?",
                  r->harness_commit ? r->harness_commit : "?");
    fact(b, "harness", tmp.p);
    sc_buf_release(&tmp);
    if (r->start_ms)
        fact(b, "started", sc_report_time(r->start_ms, t, sizeof(t)));
    sc_buf_printf(&tmp, "%.1f s", (double)r->duration_ns / 1e9);
    fact(b, "duration", tmp.p);
    sc_buf_release(&tmp);
    for (size_t i = 0; i < r->nserved; i++) {
        sc_buf_printf(&tmp, "%s%s ", i ? ", " : "", r->served[i].group);
        for (size_t k = 0; k < r->served[i].nversions; k++)
            sc_buf_printf(&tmp, "%s%s", k ? "/" : "", r->served[i].versions[k]);
    }
    if (r->nserved)
        fact(b, "served", tmp.p);
    sc_buf_release(&tmp);
    for (size_t i = 0; i < r->nviolations; i++)
        sc_buf_printf(&tmp, "%s%s", i ? ", " : "", r->violations[i]);
    if (r->nviolations)
        fact(b, "violations", tmp.p);
    sc_buf_release(&tmp);
    struct sc_report_protocol ps[SC_REPORT_PROTOCOLS];
    sc_report_protocols(r, ps);
    for (size_t i = 0; i < SC_REPORT_PROTOCOLS; i++)
        sc_buf_printf(&tmp, "%s%s %s", i ? ", " : "", ps[i].label,
                      sc_report_protocol_result(&ps[i]));
    fact(b, "protocols", tmp.p);
    sc_buf_release(&tmp);
    char *cmd = sc_report_command_line(r);
    fact(b, "command", cmd);
    free(cmd);
    sc_buf_puts(b, "</dl>\n");
}

static size_t case_index(const struct sc_run *r, const struct sc_case *c)
{
    return (size_t)(c - r->cases);
}

/* The area's row of the matrix: per version its cell result and counts. */
static void matrix_area_row(struct sc_buf *b, const struct sc_run *r, const struct sc_grid *g,
                            const char *area)
{
    sc_buf_puts(b, "<tr class=\"area\"");
    sc_html_attr(b, "data-area", area);
    sc_buf_puts(b, "><th>");
    sc_html_text(b, area);
    sc_buf_puts(b, "</th>");
    for (size_t k = 0; k < g->nversions; k++) {
        struct sc_summary s = sc_run_summary_of(r, area, g->versions[k]);
        const char *res = sc_report_result(s);
        if (s.total == 0) {
            sc_buf_puts(b, "<td class=\"none\"></td>");
            continue;
        }
        sc_buf_printf(b, "<td class=\"cell %s\" data-result=\"%s\"", res, res);
        sc_html_attr(b, "data-version", g->versions[k]);
        sc_buf_printf(b, ">%s<br>%zu passed", res, s.passed);
        if (s.failed)
            sc_buf_printf(b, ", %zu failed", s.failed);
        if (s.errors)
            sc_buf_printf(b, ", %zu errored", s.errors);
        if (s.skipped)
            sc_buf_printf(b, ", %zu skipped", s.skipped);
        sc_buf_puts(b, "</td>");
    }
    sc_buf_puts(b, "</tr>\n");
}

/* Tests x versions, each cell one outcome linking to its account (the failure or error
 * article, else the test); an area's row above its tests carries the area's counts. */
static void matrix(struct sc_buf *b, const struct sc_run *r, const struct sc_grid *g)
{
    char line[200];
    sc_buf_puts(b, "<table class=\"matrix\" id=\"matrix\"><thead><tr><th>test</th>");
    for (size_t k = 0; k < g->nversions; k++) {
        sc_buf_puts(b, "<th>");
        sc_html_text(b, g->versions[k]);
        sc_buf_puts(b, "</th>");
    }
    sc_buf_puts(b, "</tr></thead><tbody>\n");
    for (size_t i = 0; i < g->nrows; i++) {
        const struct sc_grid_row *row = &g->rows[i];
        if (i == 0 || strcmp(row->area, g->rows[i - 1].area) != 0)
            matrix_area_row(b, r, g, row->area);
        sc_buf_printf(b, "<tr class=\"t\"><th class=\"test\"><a href=\"#t-%zu\">", i);
        sc_html_text(b, row->test);
        sc_buf_puts(b, "</a></th>");
        for (size_t k = 0; k < g->nversions; k++) {
            const struct sc_case *c = row->cases[k];
            if (c == NULL) {
                sc_buf_puts(b, "<td></td>");
                continue;
            }
            const char *res = sc_verdict_name(c->verdict);
            bool article = c->verdict == SC_FAILED || c->verdict == SC_ERROR;
            sc_buf_printf(b, "<td class=\"%s\" data-result=\"%s\"><a href=\"#%s-%zu\">", res, res,
                          article ? "case" : "t", article ? case_index(r, c) : i);
            sc_html_mark(b, c->verdict,
                         c->message ? sc_report_first_line(c->message, line, sizeof(line)) : NULL);
            sc_buf_puts(b, "</a></td>");
        }
        sc_buf_puts(b, "</tr>\n");
    }
    sc_buf_puts(b, "</tbody></table>\n<p class=\"legend\">\xe2\x9c\x93 passed, \xe2\x9c\x97 "
                   "failed (the mesh misbehaved), \xe2\x9a\xa0 error (not judged: the platform "
                   "misbehaved), \xe2\x80\x93 skipped (hover for the reason); a blank cell: the "
                   "area's group has no such version.</p>\n");
}

/* A failed or errored case in full: expected vs observed, spec statement, probes and
 * diagnostics unfolded. */
static void case_article(struct sc_buf *b, const struct sc_run *r, const struct sc_case *c,
                         size_t test_row)
{
    const char *res = sc_verdict_name(c->verdict);
    sc_buf_printf(b, "<article class=\"case %s\" id=\"case-%zu\" data-result=\"%s\"", res,
                  case_index(r, c), res);
    sc_html_attr(b, "data-area", c->area);
    sc_html_attr(b, "data-version", c->version);
    sc_buf_printf(b, ">\n<h3><span class=\"badge %s\">%s</span> ", res, res);
    sc_html_text(b, c->test);
    sc_buf_puts(b, " <code>[");
    sc_html_text(b, c->version);
    sc_buf_puts(b, "]</code></h3>\n<p class=\"meta\">");
    sc_html_text(b, c->area);
    for (size_t i = 0; i < c->nfeatures; i++) {
        sc_buf_puts(b, i ? ", " : " \xc2\xb7 features: ");
        sc_html_text(b, c->features[i]);
    }
    sc_buf_printf(b, " \xc2\xb7 %.3f s", (double)c->duration_ns / 1e9);
    if (c->file) {
        sc_buf_puts(b, " \xc2\xb7 <code>");
        sc_html_text(b, c->file);
        sc_buf_puts(b, "</code>");
    }
    sc_buf_printf(b, " \xc2\xb7 <a href=\"#t-%zu\">the test at every version</a></p>\n", test_row);
    sc_html_case_body(b, c, true, true, true);
    sc_buf_puts(b, "</article>\n");
}

static void cases_of(struct sc_buf *b, const struct sc_run *r, const struct sc_grid *g,
                     enum sc_verdict v)
{
    for (size_t i = 0; i < g->nrows; i++)
        for (size_t k = 0; k < g->nversions; k++)
            if (g->rows[i].cases[k] && g->rows[i].cases[k]->verdict == v)
                case_article(b, r, g->rows[i].cases[k], i);
}

/* Skips grouped by reason: the reason once, then the tests and versions it applies to. */
static void skips(struct sc_buf *b, const struct sc_run *r, size_t n)
{
    sc_buf_printf(b,
                  "<h2 id=\"skipped\">Skipped (%zu)</h2>\n<table class=\"skips\"><thead><tr>"
                  "<th>reason</th><th>test [version]</th></tr></thead><tbody>\n",
                  n);
    for (size_t i = 0; i < r->ncases; i++) {
        const struct sc_case *c = &r->cases[i], *p;
        const char *why = c->message ? c->message : "(no reason recorded)";
        bool seen = false;
        if (c->verdict != SC_SKIPPED)
            continue;
        for (p = r->cases; p < c && !seen; p++)
            seen = p->verdict == SC_SKIPPED &&
                   strcmp(p->message ? p->message : "(no reason recorded)", why) == 0;
        if (seen)
            continue;
        sc_buf_puts(b, "<tr><td>");
        sc_html_text(b, why);
        sc_buf_puts(b, "</td><td>");
        for (size_t k = i, m = 0; k < r->ncases; k++) {
            const struct sc_case *o = &r->cases[k];
            if (o->verdict != SC_SKIPPED ||
                strcmp(o->message ? o->message : "(no reason recorded)", why) != 0)
                continue;
            sc_buf_puts(b, m++ ? ", " : "");
            sc_html_text(b, o->test);
            sc_buf_puts(b, " [");
            sc_html_text(b, o->version);
            sc_buf_puts(b, "]");
        }
        sc_buf_puts(b, "</td></tr>\n");
    }
    sc_buf_puts(b, "</tbody></table>\n");
}

char *sc_report_html(const struct sc_run *r)
{
    struct sc_buf b = SC_BUF_INIT;
    struct sc_summary all = sc_run_summary(r);
    const char *verdict = sc_report_verdict_word(all);
    struct sc_grid g;

    sc_grid_init(&g, r);
    sc_buf_puts(&b, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
                    "<title>SMI conformance: ");
    sc_html_text(&b, r->mesh ? r->mesh : "?");
    sc_buf_printf(&b, " %s</title>\n<style>\n%s</style>\n</head>\n<body>\n<header>\n", verdict,
                  sc_html_css);
    sc_buf_printf(&b,
                  "<h1>SMI conformance <span class=\"badge %s\" id=\"verdict\">%s</span></h1>\n",
                  all.failed   ? "failure"
                  : all.errors ? "error"
                  : all.passed ? "success"
                               : "skipped",
                  verdict);
    sc_buf_printf(&b, "<p id=\"summary\"><b>%zu</b> passed, <b>%zu</b> failed, ", all.passed,
                  all.failed);
    if (all.errors)
        sc_buf_printf(&b, "<b>%zu</b> errored, ", all.errors);
    sc_buf_printf(&b, "<b>%zu</b> skipped of %zu test cases (%zu tests)</p>\n", all.skipped,
                  all.total, g.nrows);
    facts(&b, r);
    sc_buf_puts(&b, "</header>\n<main>\n<h2>Results by test and SMI version</h2>\n");
    matrix(&b, r, &g);
    sc_buf_printf(&b, "<h2 id=\"failures\">Failures (%zu)</h2>\n", all.failed);
    if (all.failed == 0)
        sc_buf_puts(&b, "<p>No test failed.</p>\n");
    cases_of(&b, r, &g, SC_FAILED);
    if (all.errors) {
        sc_buf_printf(&b,
                      "<h2 id=\"errors\">Errors (%zu): not judged</h2>\n<p>The platform, the "
                      "API server or an agent failed during these cases: they are neither "
                      "passes nor failures of the mesh.</p>\n",
                      all.errors);
        cases_of(&b, r, &g, SC_ERROR);
    }
    if (all.skipped)
        skips(&b, r, all.skipped);
    sc_buf_printf(&b,
                  "<h2 id=\"tests\">Tests (%zu)</h2>\n<p>Show only: <label><input "
                  "type=\"checkbox\" class=\"filter\" id=\"only-failed\" data-result=\"failed\"> "
                  "failed</label> <label><input type=\"checkbox\" class=\"filter\" "
                  "id=\"only-errors\" data-result=\"error\"> errored</label></p>\n",
                  g.nrows);
    for (size_t i = 0; i < g.nrows; i++)
        sc_html_test_section(&b, r, &g, i);
    sc_buf_printf(&b,
                  "</main>\n<footer><p class=\"legend\">smi-conformance report, results "
                  "schema smi-conformance/results/v1</p></footer>\n<script>\n%s</script>\n"
                  "</body>\n</html>\n",
                  script);
    sc_grid_release(&g);
    return sc_buf_detach(&b);
}
