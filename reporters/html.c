/* html.c - the HTML report: plain HTML, CSS and SVG written by hand, nothing to fetch. */
#include "reporters/html.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "reporters/buf.h"
#include "reporters/html_charts.h"
#include "reporters/model.h"

static const char css[] =
    "body{font:14px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;margin:0;"
    "color:#1f2328;background:#fff}\n"
    "header,main,footer{max-width:1100px;margin:0 auto;padding:0 20px}\n"
    "h1{font-size:24px;margin:20px 0 8px}h2{font-size:19px;margin:28px 0 10px;"
    "border-bottom:1px solid #d0d7de}h3{font-size:16px;margin:0 0 6px}\n"
    "dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:2px 14px;margin:8px 0}\n"
    "dl.facts dt{color:#59636e}dl.facts dd{margin:0}\n"
    "code,pre{font:12px/1.4 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}\n"
    "pre{background:#f6f8fa;padding:8px;overflow:auto;white-space:pre-wrap;"
    "word-break:break-word;max-height:480px}\n"
    "table{border-collapse:collapse;margin:6px 0}th,td{border:1px solid #d0d7de;"
    "padding:4px 8px;text-align:left;vertical-align:top}\n"
    "table.matrix td{text-align:center;min-width:90px}table.matrix a{color:inherit}\n"
    "td.num{text-align:right;font-variant-numeric:tabular-nums}\n"
    ".success,.passed{background:#dafbe1}.failure,.failed{background:#ffebe9}"
    ".error{background:#fbefff}"
    ".partial{background:#fff8c5}.skipped{background:#eaeef2;color:#59636e}"
    ".none{background:#fff}\n"
    ".badge{display:inline-block;border-radius:10px;padding:0 8px;font-size:12px;"
    "font-weight:600;border:1px solid #d0d7de}\n"
    "article.case{border:1px solid #d0d7de;border-radius:6px;padding:10px 14px;"
    "margin:10px 0;background:#fff}\n"
    "article.case.failed{border-left:5px solid #cf222e}article.case.passed{border-left:5px "
    "solid #1a7f37}article.case.skipped{border-left:5px solid #8c959f}"
    "article.case.error{border-left:5px solid #8250df}\n"
    ".badge.error{color:#8250df;border-color:#8250df}\n"
    ".meta{color:#59636e;margin:2px 0 6px}.message{font-weight:600}\n"
    ".chart{margin:8px 0}.chart text{font:11px system-ui,sans-serif;fill:#1f2328}\n"
    ".chart .grid{stroke:#d0d7de}.chart .obs{fill:#0969da}.chart .obs.bad{fill:#cf222e}\n"
    ".chart .tol{fill:#1a7f37;opacity:.18}.chart .exp{stroke:#1a7f37;stroke-width:2}\n"
    ".chart .ci{stroke:#1f2328;stroke-width:1.5}.chart .client{fill:#0969da}"
    ".chart .mesh{fill:#bf8700}.chart .expbar{fill:#8c959f}\n"
    ".chart .hbar{fill:#afb8c1}.chart .cmark{stroke:#0969da;stroke-width:2}"
    ".chart .mmark{stroke:#bf8700;stroke-width:2;stroke-dasharray:5 3}"
    ".chart text.cmark{fill:#0969da;stroke:none}.chart text.mmark{fill:#bf8700;stroke:none}\n"
    ".legend{color:#59636e;font-size:12px}\n"
    "ul.assertions{list-style:none;padding:0}ul.assertions li{margin:6px 0}\n"
    ".ok{color:#1a7f37;font-weight:700}.bad{color:#cf222e;font-weight:700}"
    ".err{color:#8250df;font-weight:700}\n"
    "blockquote.spec{margin:4px 0;padding:2px 10px;border-left:3px solid #d0d7de;"
    "color:#59636e}p.rerun{color:#8250df}\n";

/* The filters: with none ticked every case shows; else only the cases whose result is ticked. */
static const char script[] =
    "(function(){var f=document.querySelectorAll('input.filter');"
    "function apply(){var on=[];for(var i=0;i<f.length;i++)if(f[i].checked)"
    "on.push(f[i].getAttribute('data-result'));var a=document.querySelectorAll('article.case');"
    "for(var k=0;k<a.length;k++)a[k].hidden=on.length>0&&"
    "on.indexOf(a[k].getAttribute('data-result'))<0;}"
    "for(var i=0;i<f.length;i++)f[i].addEventListener('change',apply);"
    "document.documentElement.setAttribute('data-ready','1');})();\n";

/* ---- the page ---- */

static void fact(struct sc_buf *b, const char *name, const char *value)
{
    if (value == NULL)
        return;
    sc_buf_printf(b, "<dt>%s</dt><dd>", name);
    sc_html_text(b, value);
    sc_buf_puts(b, "</dd>\n");
}

static void figures_table(struct sc_buf *b, const struct sc_assertion *a)
{
    char v[5][64];
    if (a->nfigures == 0)
        return;
    sc_buf_puts(b, "<table class=\"figures\"><thead><tr><th>figure</th><th>expected</th>"
                   "<th>tolerance</th><th>observed</th><th>95% interval</th><th>count</th>"
                   "</tr></thead><tbody>\n");
    for (size_t i = 0; i < a->nfigures; i++) {
        const struct sc_figure *f = &a->figures[i];
        sc_buf_puts(b, "<tr><td>");
        sc_html_text(b, f->name);
        sc_buf_printf(b,
                      "</td><td class=\"num\">%s</td><td class=\"num\">%s</td>"
                      "<td class=\"num\">%s</td>",
                      sc_report_fmt_value(f->expected, f->unit, v[0], sizeof(v[0])),
                      sc_report_fmt_value(f->tolerance, f->unit, v[1], sizeof(v[1])),
                      sc_report_fmt_value(f->observed, f->unit, v[2], sizeof(v[2])));
        if (isfinite(f->lo) && isfinite(f->hi))
            sc_buf_printf(b, "<td class=\"num\">%s .. %s</td>",
                          sc_report_fmt_value(f->lo, f->unit, v[3], sizeof(v[3])),
                          sc_report_fmt_value(f->hi, f->unit, v[4], sizeof(v[4])));
        else
            sc_buf_puts(b, "<td class=\"num\">-</td>");
        if (f->total)
            sc_buf_printf(b, "<td class=\"num\">%llu / %llu</td></tr>\n",
                          (unsigned long long)f->count, (unsigned long long)f->total);
        else if (f->count)
            sc_buf_printf(b, "<td class=\"num\">%llu</td></tr>\n", (unsigned long long)f->count);
        else
            sc_buf_puts(b, "<td class=\"num\">-</td></tr>\n");
    }
    sc_buf_puts(b, "</tbody></table>\n");
}

/* An assertion's verdict mark, kind, sentence and message; when it failed or could not be
 * measured, the SMI spec statement it enforces. */
static void assertion_head(struct sc_buf *b, const struct sc_assertion *a)
{
    const char *cls = a->passed ? "ok" : a->error ? "err" : "bad";
    const char *mark = a->passed  ? "\xe2\x9c\x93"  /* check mark */
                       : a->error ? "\xe2\x9a\xa0"  /* warning sign */
                                  : "\xe2\x9c\x97"; /* ballot x */
    sc_buf_printf(
        b, "<li class=\"assertion\" data-passed=\"%s\"%s><span class=\"%s\">%s</span> <code>",
        a->passed ? "true" : "false", a->error ? " data-error=\"true\"" : "", cls, mark);
    sc_html_text(b, a->kind);
    sc_buf_puts(b, "</code> ");
    sc_html_text(b, a->what);
    if (a->message) {
        sc_buf_printf(b, "<br><span class=\"%s\">", a->error ? "err" : "bad");
        if (a->error)
            sc_buf_puts(b, "could not be measured: ");
        sc_html_text(b, a->message);
        sc_buf_puts(b, "</span>");
    }
    sc_buf_puts(b, "\n");
    if (a->spec && !a->passed) {
        sc_buf_puts(b, "<blockquote class=\"spec\">SMI spec: <q>");
        sc_html_text(b, a->spec);
        sc_buf_puts(b, "</q></blockquote>\n");
    }
}

static void case_article(struct sc_buf *b, const struct sc_case *c, size_t idx)
{
    const char *res = sc_verdict_name(c->verdict);
    sc_buf_printf(b, "<article class=\"case %s\" id=\"case-%zu\" data-result=\"%s\"", res, idx,
                  res);
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
    sc_buf_puts(b, "</p>\n");
    if (c->verdict == SC_ERROR)
        sc_buf_puts(b, "<p class=\"meta\">Not judged: the platform, the API server or an agent "
                       "failed. This says nothing about the mesh.</p>\n");
    if (c->message) {
        sc_buf_puts(b, "<p class=\"message\">");
        sc_html_text(b, c->message);
        sc_buf_puts(b, "</p>\n");
    }
    if (sc_report_runs(c) > 1) {
        sc_buf_printf(b,
                      "<p class=\"rerun\">Re-run: run %u times; the first run could not be "
                      "judged: ",
                      sc_report_runs(c));
        sc_html_text(b, c->rerun_reason ? c->rerun_reason : "(not recorded)");
        sc_buf_puts(b, "</p>\n");
    }
    if (c->nassertions) {
        sc_buf_puts(b, "<ul class=\"assertions\">\n");
        for (size_t i = 0; i < c->nassertions; i++) {
            const struct sc_assertion *a = &c->assertions[i];
            assertion_head(b, a);
            figures_table(b, a);
            sc_html_charts(b, a);
            sc_buf_puts(b, "</li>\n");
        }
        sc_buf_puts(b, "</ul>\n");
    }
    if (c->log) {
        sc_buf_printf(b, "<details%s><summary>Steps</summary><pre class=\"log\">",
                      c->verdict == SC_FAILED || c->verdict == SC_ERROR ? " open" : "");
        sc_html_text(b, c->log);
        sc_buf_puts(b, "</pre></details>\n");
    }
    if (c->diagnostics) {
        sc_buf_puts(b, "<details><summary>Diagnostics</summary><pre class=\"diagnostics\">");
        sc_html_text(b, c->diagnostics);
        sc_buf_puts(b, "</pre></details>\n");
    }
    sc_buf_puts(b, "</article>\n");
}

static void matrix(struct sc_buf *b, const struct sc_run *r)
{
    const char **areas, **versions;
    size_t nareas = sc_report_areas(r, &areas), nv = sc_report_versions(r, NULL, &versions);

    sc_buf_puts(b, "<table class=\"matrix\" id=\"matrix\"><thead><tr><th>area</th>");
    for (size_t k = 0; k < nv; k++) {
        sc_buf_puts(b, "<th>");
        sc_html_text(b, versions[k]);
        sc_buf_puts(b, "</th>");
    }
    sc_buf_puts(b, "</tr></thead><tbody>\n");
    for (size_t i = 0; i < nareas; i++) {
        sc_buf_puts(b, "<tr");
        sc_html_attr(b, "data-area", areas[i]);
        sc_buf_puts(b, "><th>");
        sc_html_text(b, areas[i]);
        sc_buf_puts(b, "</th>");
        for (size_t k = 0; k < nv; k++) {
            struct sc_summary s = sc_run_summary_of(r, areas[i], versions[k]);
            const char *res = sc_report_result(s);
            size_t first = 0;
            if (s.total == 0) {
                sc_buf_puts(b, "<td class=\"none\"></td>");
                continue;
            }
            while (strcmp(r->cases[first].area, areas[i]) != 0 ||
                   strcmp(r->cases[first].version, versions[k]) != 0)
                first++;
            sc_buf_printf(b, "<td class=\"cell %s\" data-result=\"%s\"", res, res);
            sc_html_attr(b, "data-version", versions[k]);
            sc_buf_printf(b, "><a href=\"#case-%zu\">%s</a><br><small>%zu passed", first, res,
                          s.passed);
            if (s.failed)
                sc_buf_printf(b, ", %zu failed", s.failed);
            if (s.errors)
                sc_buf_printf(b, ", %zu errored", s.errors);
            if (s.skipped)
                sc_buf_printf(b, ", %zu skipped", s.skipped);
            sc_buf_puts(b, "</small></td>");
        }
        sc_buf_puts(b, "</tr>\n");
    }
    sc_buf_puts(b, "</tbody></table>\n");
    free(areas);
    free(versions);
}

char *sc_report_html(const struct sc_run *r)
{
    struct sc_buf b = SC_BUF_INIT, tmp = SC_BUF_INIT;
    struct sc_summary all = sc_run_summary(r);
    const char *verdict = sc_report_verdict_word(all);
    char t[40];

    sc_buf_puts(&b, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
                    "<title>SMI conformance: ");
    sc_html_text(&b, r->mesh ? r->mesh : "?");
    sc_buf_printf(&b, " %s</title>\n<style>\n%s</style>\n</head>\n<body>\n<header>\n", verdict,
                  css);
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
    sc_buf_printf(&b, "<b>%zu</b> skipped of %zu test cases</p>\n<dl class=\"facts\">\n",
                  all.skipped, all.total);
    fact(&b, "mesh", r->mesh);
    fact(&b, "platform", r->platform);
    fact(&b, "Kubernetes", r->kube_version);
    sc_buf_printf(&tmp, "%s (commit %s)", r->harness_version ? r->harness_version : "?",
                  r->harness_commit ? r->harness_commit : "?");
    fact(&b, "harness", tmp.p);
    sc_buf_release(&tmp);
    if (r->start_ms)
        fact(&b, "started", sc_report_time(r->start_ms, t, sizeof(t)));
    sc_buf_printf(&tmp, "%.1f s", (double)r->duration_ns / 1e9);
    fact(&b, "duration", tmp.p);
    sc_buf_release(&tmp);
    for (size_t i = 0; i < r->nserved; i++) {
        sc_buf_printf(&tmp, "%s%s ", i ? ", " : "", r->served[i].group);
        for (size_t k = 0; k < r->served[i].nversions; k++)
            sc_buf_printf(&tmp, "%s%s", k ? "/" : "", r->served[i].versions[k]);
    }
    if (r->nserved)
        fact(&b, "served", tmp.p);
    sc_buf_release(&tmp);
    for (size_t i = 0; i < r->nviolations; i++)
        sc_buf_printf(&tmp, "%s%s", i ? ", " : "", r->violations[i]);
    if (r->nviolations)
        fact(&b, "violations", tmp.p);
    sc_buf_release(&tmp);
    char *cmd = sc_report_command_line(r);
    fact(&b, "command", cmd);
    free(cmd);
    sc_buf_puts(&b, "</dl>\n</header>\n<main>\n<h2>Results by area and version</h2>\n");
    matrix(&b, r);
    sc_buf_puts(&b, "<h2>Test cases</h2>\n<p>Show only: <label><input type=\"checkbox\" "
                    "class=\"filter\" id=\"only-failed\" data-result=\"failed\"> failed</label> "
                    "<label><input type=\"checkbox\" class=\"filter\" id=\"only-errors\" "
                    "data-result=\"error\"> errored</label></p>\n");
    for (size_t i = 0; i < r->ncases; i++)
        case_article(&b, &r->cases[i], i);
    sc_buf_printf(&b,
                  "</main>\n<footer><p class=\"legend\">smi-conformance report, results "
                  "schema smi-conformance/results/v1</p></footer>\n<script>\n%s</script>\n"
                  "</body>\n</html>\n",
                  script);
    return sc_buf_detach(&b);
}
