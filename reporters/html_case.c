/* html_case.c - pieces of the HTML pages about one case: outcome marks, assertions with
 * expected vs observed, the steps (probe history) and the diagnostics. */
#include "reporters/html_case.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "reporters/html_charts.h"
#include "reporters/model.h"

const char sc_html_css[] =
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
    "padding:3px 8px;text-align:left;vertical-align:top}\n"
    "table.matrix td{text-align:center;min-width:70px}table.matrix a{color:inherit}\n"
    "table.matrix tr.area th,table.matrix tr.area td{background:#f6f8fa;font-size:12px}\n"
    "table.matrix th.test{font-weight:400}td.num{text-align:right;"
    "font-variant-numeric:tabular-nums}\n"
    ".success,.passed{background:#dafbe1}.failure,.failed{background:#ffebe9}"
    ".error{background:#fbefff}"
    ".partial{background:#fff8c5}.skipped{background:#eaeef2;color:#59636e}"
    ".none{background:#fff}\n"
    ".o{font-weight:700}.o.passed{color:#1a7f37}.o.failed{color:#cf222e}"
    ".o.error{color:#8250df}.o.skipped{color:#8c959f}\n"
    "td.c.passed{color:#1a7f37}td.c.failed{color:#cf222e;font-weight:600}"
    "td.c.error{color:#8250df}\n"
    ".badge{display:inline-block;border-radius:10px;padding:0 8px;font-size:12px;"
    "font-weight:600;border:1px solid #d0d7de}\n"
    "article.case,section.test{border:1px solid #d0d7de;border-radius:6px;padding:10px 14px;"
    "margin:10px 0;background:#fff}\n"
    "article.case.failed,section.test.failed{border-left:5px solid #cf222e}"
    "section.test.passed{border-left:5px solid #1a7f37}"
    "article.case.skipped,section.test.skipped{border-left:5px solid #8c959f}"
    "article.case.error,section.test.error{border-left:5px solid #8250df}\n"
    ".badge.error{color:#8250df;border-color:#8250df}\n"
    "table.asserts{display:block;overflow-x:auto}table.asserts td.c{font-size:12px;"
    "min-width:110px}table.asserts td.w{min-width:240px;max-width:420px}\n"
    ".meta{color:#59636e;margin:2px 0 6px}.message{font-weight:600}\n"
    ".chart{margin:4px 0}.chart text{font:11px system-ui,sans-serif;fill:#1f2328}\n"
    ".chart .grid{stroke:#d0d7de}.chart .obs{fill:#0969da}.chart .obs.bad{fill:#cf222e}\n"
    ".chart .tol{fill:#1a7f37;opacity:.18}.chart .exp{stroke:#1a7f37;stroke-width:2}\n"
    ".chart .ci{stroke:#1f2328;stroke-width:1.5}.chart .client{fill:#0969da}"
    ".chart .mesh{fill:#bf8700}.chart .expbar{fill:#8c959f}.chart .base{fill:#8c959f}\n"
    ".chart .hbar{fill:#afb8c1}.chart .cmark{stroke:#0969da;stroke-width:2}"
    ".chart .mmark{stroke:#bf8700;stroke-width:2;stroke-dasharray:5 3}"
    ".chart text.cmark{fill:#0969da;stroke:none}.chart text.mmark{fill:#bf8700;stroke:none}\n"
    ".legend{color:#59636e;font-size:12px}\n"
    "ul.assertions{list-style:none;padding:0}ul.assertions li{margin:6px 0}\n"
    ".ok{color:#1a7f37;font-weight:700}.bad{color:#cf222e;font-weight:700}"
    ".err{color:#8250df;font-weight:700}\n"
    "blockquote.spec{margin:4px 0;padding:2px 10px;border-left:3px solid #d0d7de;"
    "color:#59636e}p.rerun{color:#8250df}details{margin:4px 0}summary{cursor:pointer;"
    "color:#0969da}\n";

const char *sc_html_symbol(enum sc_verdict v)
{
    static const char *const symbols[] = {
        [SC_PASSED] = "\xe2\x9c\x93",  /* check mark */
        [SC_FAILED] = "\xe2\x9c\x97",  /* ballot x */
        [SC_SKIPPED] = "\xe2\x80\x93", /* en dash */
        [SC_ERROR] = "\xe2\x9a\xa0",   /* warning sign */
    };
    return (unsigned)v <= SC_ERROR ? symbols[v] : "?";
}

void sc_html_mark(struct sc_buf *b, enum sc_verdict v, const char *title)
{
    sc_buf_printf(b, "<span class=\"o %s\"", sc_verdict_name(v));
    if (title != NULL)
        sc_html_attr(b, "title", title);
    sc_buf_printf(b, ">%s</span>", sc_html_symbol(v));
}

void sc_html_figures_short(struct sc_buf *b, const struct sc_assertion *a)
{
    char v[2][64];
    for (size_t i = 0; i < a->nfigures && i < 4; i++) {
        const struct sc_figure *f = &a->figures[i];
        sc_buf_puts(b, i ? ", " : " ");
        sc_html_text(b, f->name);
        sc_buf_printf(b, " %s", sc_report_fmt_value(f->observed, f->unit, v[0], sizeof(v[0])));
        if (f->unit == NULL || strcmp(f->unit, "share") != 0) {
            if (f->total && isfinite(f->observed) && f->observed >= 0 &&
                f->observed == (double)f->count)
                sc_buf_printf(b, "/%llu", (unsigned long long)f->total);
            else if (isfinite(f->expected) && f->expected != f->observed)
                sc_buf_printf(b, " (expected %s)",
                              sc_report_fmt_value(f->expected, f->unit, v[1], sizeof(v[1])));
        }
    }
    if (a->nfigures > 4)
        sc_buf_printf(b, ", +%zu more", a->nfigures - 4);
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

/* Two assertions with the same latency data (a case's edges often share one measurement):
 * its charts are drawn once. */
static bool same_latency(const struct sc_assertion *x, const struct sc_assertion *y)
{
    if (x->nclient_hist != y->nclient_hist ||
        memcmp(x->client_p, y->client_p, sizeof(x->client_p)) != 0 ||
        memcmp(x->mesh_p, y->mesh_p, sizeof(x->mesh_p)) != 0)
        return false;
    return x->nclient_hist == 0 ||
           memcmp(x->client_hist, y->client_hist, x->nclient_hist * sizeof(*x->client_hist)) == 0;
}

static bool has_share(const struct sc_assertion *a)
{
    for (size_t i = 0; i < a->nfigures; i++)
        if (a->figures[i].unit && strcmp(a->figures[i].unit, "share") == 0)
            return true;
    return false;
}

/* More than its row in a test's table says: shares, figures off their expectation or with a
 * tolerance, latency, a failure. Exact counts that matched ("denied 20/20", metrics agreeing
 * with the agent) are all in the row. */
static bool has_detail(const struct sc_assertion *a)
{
    if (!a->passed || isfinite(a->client_p[0]) || isfinite(a->mesh_p[0]) || a->nclient_hist ||
        sc_html_figures_carry_information(a))
        return true;
    return has_share(a);
}

void sc_html_assertions(struct sc_buf *b, const struct sc_case *c, bool all)
{
    size_t n = 0;
    for (size_t i = 0; i < c->nassertions; i++)
        n += all || has_detail(&c->assertions[i]);
    if (n == 0)
        return;
    sc_buf_puts(b, "<ul class=\"assertions\">\n");
    for (size_t i = 0; i < c->nassertions; i++) {
        const struct sc_assertion *a = &c->assertions[i];
        bool drawn = false;
        if (!all && !has_detail(a))
            continue;
        for (size_t k = 0; k < i && !drawn; k++)
            drawn = same_latency(&c->assertions[k], a);
        assertion_head(b, a);
        /* condensed: a chart of the shares says what the table would (its hover titles
         * carry the intervals) */
        if (all || !has_share(a))
            figures_table(b, a);
        sc_html_charts(b, a, !drawn);
        sc_buf_puts(b, "</li>\n");
    }
    sc_buf_puts(b, "</ul>\n");
}

/* "apply {json}" -> "apply Kind/name (apiVersion)": the value of "key":"..." in [p, end). */
static size_t json_field(const char *p, const char *end, const char *key, const char **val)
{
    char pat[32];
    snprintf(pat, sizeof(pat), "\"%s\":\"", key);
    const char *s = memmem(p, (size_t)(end - p), pat, strlen(pat));
    if (s == NULL)
        return 0;
    s += strlen(pat);
    const char *q = memchr(s, '"', (size_t)(end - s));
    if (q == NULL)
        return 0;
    *val = s;
    return (size_t)(q - s);
}

static void put_text(struct sc_buf *b, const char *p, size_t n)
{
    struct sc_buf t = SC_BUF_INIT;
    sc_buf_put(&t, p, n);
    sc_html_text(b, t.p);
    sc_buf_release(&t);
}

static bool starts(const char *p, const char *end, const char *prefix)
{
    size_t n = strlen(prefix);
    return (size_t)(end - p) >= n && memcmp(p, prefix, n) == 0;
}

/* One line of the condensed steps: "apply {json}" -> "apply Kind/name (apiVersion)"; the
 * namespace and the measurement lines (the figures are in the table) left out; "in force
 * after N probes" joined to its "expect" line. */
static void condensed_line(struct sc_buf *b, const char *p, const char *end)
{
    const char *kind, *name, *ver;
    size_t nk, nn, nv;
    if (starts(p, end, "namespace "))
        return;
    if (starts(p, end, "  in force after ")) {
        sc_buf_puts(b, ": ");
        put_text(b, p + 2, (size_t)(end - p - 2));
        return;
    }
    if (starts(p, end, "  "))
        return;
    if (b->len > 0 && b->p[b->len - 1] != '\n' && b->p[b->len - 1] != '>')
        sc_buf_puts(b, "\n");
    if (starts(p, end, "apply {") && (nk = json_field(p, end, "kind", &kind)) &&
        (nn = json_field(p, end, "name", &name)) && (nv = json_field(p, end, "apiVersion", &ver))) {
        struct sc_buf t = SC_BUF_INIT;
        sc_buf_printf(&t, "apply %.*s/%.*s (%.*s)", (int)nk, kind, (int)nn, name, (int)nv, ver);
        sc_html_text(b, t.p);
        sc_buf_release(&t);
        return;
    }
    put_text(b, p, (size_t)(end - p));
}

void sc_html_log(struct sc_buf *b, const char *log, bool full)
{
    if (full) {
        sc_html_text(b, log);
        return;
    }
    for (const char *p = log; *p;) {
        const char *nl = strchr(p, '\n');
        const char *end = nl ? nl : p + strlen(p);
        condensed_line(b, p, end);
        p = nl ? nl + 1 : end;
    }
    sc_buf_puts(b, "\n");
}

void sc_html_case_body(struct sc_buf *b, const struct sc_case *c, bool full, bool steps, bool open)
{
    if (c->verdict == SC_ERROR)
        sc_buf_puts(b, "<p class=\"meta\">Not judged: the platform, the API server or an agent "
                       "failed. This says nothing about the mesh.</p>\n");
    if (c->message) {
        sc_buf_printf(b, "<p class=\"message\">%s", c->verdict == SC_SKIPPED ? "Skipped: " : "");
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
    sc_html_assertions(b, c, full);
    if (c->log && (full || steps)) {
        sc_buf_printf(b, "<details%s><summary>Steps%s</summary><pre class=\"log\">",
                      open ? " open" : "", full ? " and probes" : " (condensed)");
        sc_html_log(b, c->log, full);
        sc_buf_puts(b, "</pre></details>\n");
    }
    if (c->diagnostics) {
        sc_buf_printf(b, "<details%s><summary>Diagnostics</summary><pre class=\"diagnostics\">",
                      open ? " open" : "");
        sc_html_text(b, c->diagnostics);
        sc_buf_puts(b, "</pre></details>\n");
    }
}
