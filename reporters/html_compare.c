/* html_compare.c - the comparison page of two runs: what changed first, then split shares and
 * latency of both runs side by side, the unchanged cases folded. */
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "reporters/buf.h"
#include "reporters/compare.h"
#include "reporters/html_case.h"
#include "reporters/html_charts.h"
#include "reporters/model.h"

static void run_fact(struct sc_buf *b, const char *tag, const char *name, const struct sc_run *r)
{
    struct sc_summary s = sc_run_summary(r);
    char t[40];
    sc_buf_printf(b, "<tr><th>%s</th><td><code>", tag);
    sc_html_text(b, name);
    sc_buf_puts(b, "</code></td><td>");
    sc_html_text(b, r->mesh ? r->mesh : "?");
    sc_buf_puts(b, "</td><td>");
    sc_html_text(b, r->platform ? r->platform : "?");
    sc_buf_puts(b, "</td><td>");
    sc_html_text(b, r->harness_version ? r->harness_version : "?");
    sc_buf_printf(b,
                  "</td><td>%s</td><td class=\"num\">%zu</td><td class=\"num\">%zu</td>"
                  "<td class=\"num\">%zu</td><td class=\"num\">%zu</td>"
                  "<td class=\"num\">%zu</td></tr>\n",
                  r->start_ms ? sc_report_time(r->start_ms, t, sizeof(t)) : "-", s.total, s.passed,
                  s.failed, s.errors, s.skipped);
}

static void outcome(struct sc_buf *b, const struct sc_case *c)
{
    if (c == NULL) {
        sc_buf_puts(b, "<td class=\"none\">(none)</td>");
        return;
    }
    sc_buf_printf(b, "<td class=\"%s\">", sc_verdict_name(c->verdict));
    sc_html_mark(b, c->verdict, NULL);
    sc_buf_printf(b, " %s</td>", sc_verdict_name(c->verdict));
}

/* The message of the run that says why: B's unless B passed, else A's. */
static void why(struct sc_buf *b, const struct sc_pair *p)
{
    const struct sc_case *c = p->b && p->b->verdict != SC_PASSED ? p->b : p->a;
    sc_buf_puts(b, "<td>");
    if (c && c->verdict != SC_PASSED && c->message) {
        sc_buf_puts(b, c == p->b ? "B: " : "A: ");
        sc_html_text(b, c->message);
    }
    for (size_t i = 0; c && i < c->nassertions; i++)
        if (!c->assertions[i].passed && c->assertions[i].spec &&
            !(c->message && strstr(c->message, c->assertions[i].spec))) {
            sc_buf_puts(b, "<blockquote class=\"spec\">SMI spec: <q>");
            sc_html_text(b, c->assertions[i].spec);
            sc_buf_puts(b, "</q></blockquote>");
            break;
        }
    sc_buf_puts(b, "</td>");
}

static void pair_row(struct sc_buf *b, const struct sc_pair *p)
{
    sc_buf_printf(b, "<tr class=\"pair\" data-change=\"%s\"><td class=\"change ch%d\">%s</td><td>",
                  sc_change_name(p->change), (int)p->change, sc_change_name(p->change));
    sc_html_text(b, p->test);
    sc_buf_puts(b, " <code>[");
    sc_html_text(b, p->version);
    sc_buf_puts(b, "]</code> <small>");
    sc_html_text(b, p->area);
    sc_buf_puts(b, "</small></td>");
    outcome(b, p->a);
    outcome(b, p->b);
}

static const struct sc_assertion *twin(const struct sc_case *c, const struct sc_assertion *a)
{
    for (size_t i = 0; c && i < c->nassertions; i++)
        if (strcmp(c->assertions[i].kind, a->kind) == 0 &&
            strcmp(c->assertions[i].what, a->what) == 0)
            return &c->assertions[i];
    return NULL;
}

static const struct sc_figure *twin_figure(const struct sc_assertion *a, const char *name)
{
    for (size_t i = 0; i < a->nfigures; i++)
        if (strcmp(a->figures[i].name, name) == 0)
            return &a->figures[i];
    return NULL;
}

static bool is_share(const struct sc_figure *f)
{
    return f->unit != NULL && strcmp(f->unit, "share") == 0;
}

static void share_cell(struct sc_buf *b, const struct sc_figure *f)
{
    char v[3][64];
    sc_buf_printf(b, "<td class=\"num\">%s", sc_report_fmt_value(f->observed, f->unit, v[0], 64));
    if (isfinite(f->lo) && isfinite(f->hi))
        sc_buf_printf(b, " <small>(%s .. %s)</small>",
                      sc_report_fmt_value(f->lo, f->unit, v[1], 64),
                      sc_report_fmt_value(f->hi, f->unit, v[2], 64));
    sc_buf_puts(b, "</td>");
}

/* Each backend's share in A and in B, with their 95% intervals, against the expected share:
 * a table, and a chart of two bars per backend (grey A, blue B) with whiskers. */
static void shares_side_by_side(struct sc_buf *b, const struct sc_assertion *x,
                                const struct sc_assertion *y)
{
    char e[64], d[64];
    size_t n = 0;
    for (size_t i = 0; i < x->nfigures; i++)
        n += is_share(&x->figures[i]) && twin_figure(y, x->figures[i].name) != NULL;
    if (n == 0)
        return;
    sc_buf_puts(b, "<table class=\"figures side\"><thead><tr><th>backend</th><th>expected</th>"
                   "<th>A observed (95% interval)</th><th>B observed (95% interval)</th>"
                   "<th>B - A</th></tr></thead><tbody>\n");
    double h = 22 + 26.0 * (double)n;
    struct sc_buf svg = SC_BUF_INIT;
    sc_buf_printf(&svg,
                  "<svg class=\"chart\" width=\"560\" height=\"%.0f\" viewBox=\"0 0 560 %.0f\" "
                  "role=\"img\" aria-label=\"split shares: run A against run B\">\n"
                  "<path class=\"grid\" d=\"M120 14V%.0fM220 14V%.0fM320 14V%.0fM420 14V%.0fM520 "
                  "14V%.0f\"/><g text-anchor=\"middle\"><text x=\"120\" y=\"11\">0%%</text>"
                  "<text x=\"220\" y=\"11\">25%%</text><text x=\"320\" y=\"11\">50%%</text>"
                  "<text x=\"420\" y=\"11\">75%%</text><text x=\"520\" y=\"11\">100%%</text>"
                  "</g>\n",
                  h, h, h, h, h, h, h);
    size_t row = 0;
    for (size_t i = 0; i < x->nfigures; i++) {
        const struct sc_figure *f = &x->figures[i], *g = twin_figure(y, f->name);
        if (!is_share(f) || g == NULL)
            continue;
        sc_buf_puts(b, "<tr><td>");
        sc_html_text(b, f->name);
        sc_buf_printf(b, "</td><td class=\"num\">%s</td>",
                      sc_report_fmt_value(f->expected, f->unit, e, sizeof(e)));
        share_cell(b, f);
        share_cell(b, g);
        snprintf(d, sizeof(d), "%+.1f pp", (g->observed - f->observed) * 100.0);
        sc_buf_printf(b, "<td class=\"num\">%s</td></tr>\n",
                      isfinite(g->observed - f->observed) ? d : "-");
        double y0 = 18 + 26.0 * (double)row++;
        sc_buf_printf(&svg, "<text x=\"114\" y=\"%.1f\" text-anchor=\"end\">", y0 + 16);
        sc_html_text(&svg, f->name);
        sc_buf_puts(&svg, "</text>");
        const struct sc_figure *both[2] = {f, g};
        for (int k = 0; k < 2; k++) {
            const struct sc_figure *s = both[k];
            double yy = y0 + 3 + 10 * k,
                   ob = isfinite(s->observed) ? fmin(fmax(s->observed, 0), 1) : 0;
            sc_buf_printf(&svg,
                          "<rect class=\"%s\" x=\"120\" y=\"%.1f\" width=\"%.1f\" height=\"8\"/>",
                          k ? "obs" : "base", yy, ob * 400);
            if (isfinite(s->lo) && isfinite(s->hi))
                sc_buf_printf(&svg, "<path class=\"ci\" d=\"M%.1f %.1fH%.1f\"/>",
                              120 + fmax(s->lo, 0) * 400, yy + 4, 120 + fmin(s->hi, 1) * 400);
        }
        if (isfinite(f->expected))
            sc_buf_printf(&svg,
                          "<line class=\"exp\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>",
                          120 + f->expected * 400, y0 + 1, 120 + f->expected * 400, y0 + 23);
        sc_buf_puts(&svg, "\n");
    }
    sc_buf_puts(b, "</tbody></table>\n");
    sc_buf_puts(b, svg.p);
    sc_buf_puts(b, "</svg>\n<div class=\"legend\">grey: A; blue: B; whiskers: 95% intervals; "
                   "green line: expected share</div>\n");
    sc_buf_release(&svg);
}

static void latency_side_by_side(struct sc_buf *b, const struct sc_assertion *x,
                                 const struct sc_assertion *y)
{
    static const char *const names[4] = {"p50", "p90", "p99", "max"};
    if (!isfinite(x->client_p[0]) && !isfinite(x->mesh_p[0]))
        return;
    sc_buf_puts(b, "<table class=\"latency side\"><thead><tr><th>ms</th><th>client A</th>"
                   "<th>client B</th><th>mesh A</th><th>mesh B</th></tr></thead><tbody>\n");
    for (int i = 0; i < 4; i++) {
        const double v[4] = {x->client_p[i], y->client_p[i], x->mesh_p[i], y->mesh_p[i]};
        sc_buf_printf(b, "<tr><th>%s</th>", names[i]);
        for (int k = 0; k < 4; k++)
            if (isfinite(v[k]))
                sc_buf_printf(b, "<td class=\"num\">%.3f</td>", v[k] / 1000.0);
            else
                sc_buf_puts(b, "<td class=\"num\">-</td>");
        sc_buf_puts(b, "</tr>\n");
    }
    sc_buf_puts(b, "</tbody></table>\n");
}

/* Whether an assertion has what is compared side by side. */
static bool measured(const struct sc_assertion *a)
{
    if (isfinite(a->client_p[0]) || isfinite(a->mesh_p[0]))
        return true;
    for (size_t i = 0; i < a->nfigures; i++)
        if (is_share(&a->figures[i]))
            return true;
    return false;
}

/* Returns whether anything was written. */
static bool side_by_side(struct sc_buf *b, const struct sc_pair *p)
{
    bool any = false;
    for (size_t i = 0; p->a && p->b && i < p->a->nassertions; i++) {
        const struct sc_assertion *x = &p->a->assertions[i], *y = twin(p->b, x);
        bool drawn = false;
        if (y == NULL || !measured(x) || !measured(y))
            continue;
        for (size_t k = 0; k < i && !drawn; k++) /* one measurement behind several edges */
            drawn = twin(p->b, &p->a->assertions[k]) != NULL &&
                    memcmp(p->a->assertions[k].client_p, x->client_p, sizeof(x->client_p)) == 0 &&
                    isfinite(x->client_p[0]);
        if (drawn)
            continue;
        if (!any) {
            sc_buf_printf(b, "<section class=\"side\" data-change=\"%s\"><h3>",
                          sc_change_name(p->change));
            sc_html_text(b, p->test);
            sc_buf_puts(b, " <code>[");
            sc_html_text(b, p->version);
            sc_buf_printf(b, "]</code> <small>%s</small></h3>\n", sc_change_name(p->change));
            any = true;
        }
        sc_buf_puts(b, "<p>");
        sc_html_mark(b, x->passed ? SC_PASSED : x->error ? SC_ERROR : SC_FAILED, NULL);
        sc_html_mark(b, y->passed ? SC_PASSED : y->error ? SC_ERROR : SC_FAILED, NULL);
        sc_buf_puts(b, " <code>");
        sc_html_text(b, x->kind);
        sc_buf_puts(b, "</code> ");
        sc_html_text(b, x->what);
        sc_buf_puts(b, "</p>\n");
        shares_side_by_side(b, x, y);
        latency_side_by_side(b, x, y);
    }
    if (any)
        sc_buf_puts(b, "</section>\n");
    return any;
}

static void changes(struct sc_buf *b, const struct sc_comparison *cmp)
{
    size_t n = cmp->npairs - cmp->count[SC_CHANGE_UNCHANGED];
    sc_buf_printf(b, "<h2 id=\"changes\">Changes (%zu)</h2>\n", n);
    if (n == 0) {
        sc_buf_puts(b, "<p>No outcome changed.</p>\n");
        return;
    }
    sc_buf_puts(b, "<table class=\"changes\"><thead><tr><th>change</th><th>test [version]</th>"
                   "<th>A</th><th>B</th><th>why</th></tr></thead><tbody>\n");
    for (size_t i = 0; i < cmp->npairs; i++)
        if (cmp->pairs[i].change != SC_CHANGE_UNCHANGED) {
            pair_row(b, &cmp->pairs[i]);
            why(b, &cmp->pairs[i]);
            sc_buf_puts(b, "</tr>\n");
        }
    sc_buf_puts(b, "</tbody></table>\n");
}

static const char compare_css[] =
    ".ch0{background:#ffebe9;font-weight:700}.ch1{background:#fbefff}.ch2{background:#dafbe1}"
    ".ch3,.ch4{background:#fff8c5}.ch5{color:#59636e}td.change{white-space:nowrap}\n"
    "section.side{border:1px solid #d0d7de;border-radius:6px;padding:8px 14px;margin:10px 0}\n";

char *sc_compare_html(const struct sc_comparison *cmp)
{
    struct sc_buf b = SC_BUF_INIT;
    size_t broken = cmp->count[SC_CHANGE_BROKEN];

    sc_buf_printf(&b,
                  "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                  "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
                  "<title>SMI conformance: comparison, %zu pass-&gt;fail</title>\n<style>\n%s%s"
                  "</style>\n</head>\n<body>\n<header>\n<h1>SMI conformance: A against B "
                  "<span class=\"badge %s\" id=\"verdict\">%zu pass-&gt;fail</span></h1>\n",
                  broken, sc_html_css, compare_css, broken ? "failure" : "success", broken);
    sc_buf_puts(&b, "<table class=\"runs\"><thead><tr><th></th><th>file</th><th>mesh</th>"
                    "<th>platform</th><th>harness</th><th>started</th><th>cases</th>"
                    "<th>passed</th><th>failed</th><th>errors</th><th>skipped</th></tr></thead>"
                    "<tbody>\n");
    run_fact(&b, "A", cmp->a_name, cmp->a);
    run_fact(&b, "B", cmp->b_name, cmp->b);
    sc_buf_puts(&b, "</tbody></table>\n<p id=\"summary\">");
    for (int ch = 0; ch < SC_CHANGE_COUNT; ch++)
        sc_buf_printf(&b, "%s<span class=\"badge ch%d\" data-change=\"%s\"><b>%zu</b> %s</span>",
                      ch ? " " : "", ch, sc_change_name((enum sc_change)ch), cmp->count[ch],
                      sc_change_name((enum sc_change)ch));
    sc_buf_puts(&b, "</p>\n</header>\n<main>\n");
    changes(&b, cmp);
    sc_buf_puts(&b, "<h2 id=\"measured\">Split shares and latency, A against B</h2>\n");
    size_t shown = 0;
    for (size_t i = 0; i < cmp->npairs; i++)
        shown += side_by_side(&b, &cmp->pairs[i]);
    if (shown == 0)
        sc_buf_puts(&b, "<p>No case has split shares or latency in both runs.</p>\n");
    sc_buf_printf(&b,
                  "<h2 id=\"unchanged\">Unchanged (%zu)</h2>\n<details><summary>The cases "
                  "with the same outcome in both runs</summary>\n<table class=\"changes\">"
                  "<thead><tr><th>change</th><th>test [version]</th><th>A</th><th>B</th></tr>"
                  "</thead><tbody>\n",
                  cmp->count[SC_CHANGE_UNCHANGED]);
    for (size_t i = 0; i < cmp->npairs; i++)
        if (cmp->pairs[i].change == SC_CHANGE_UNCHANGED) {
            pair_row(&b, &cmp->pairs[i]);
            sc_buf_puts(&b, "</tr>\n");
        }
    sc_buf_puts(&b, "</tbody></table>\n</details>\n</main>\n<footer><p class=\"legend\">"
                    "smi-conformance report --compare: A is the earlier run (e.g. before a mesh "
                    "upgrade), B the later one</p></footer>\n<script>\n"
                    "document.documentElement.setAttribute('data-ready','1');\n</script>\n"
                    "</body>\n</html>\n");
    return sc_buf_detach(&b);
}
