/* html_case.h - pieces of the HTML pages about one case: outcome marks, assertions with
 * expected vs observed, the steps (probe history) and the diagnostics. */
#ifndef SC_REPORT_HTML_CASE_H
#define SC_REPORT_HTML_CASE_H

#include <stdbool.h>

#include "reporters/buf.h"
#include "run/results.h"

/* The page's style sheet (both the run's page and the comparison page). */
extern const char sc_html_css[];

/* An outcome mark: <span class="o RESULT" title="...">symbol</span>, symbol check, ballot x,
 * warning sign or en dash for passed, failed, error, skipped. title may be NULL. */
void sc_html_mark(struct sc_buf *b, enum sc_verdict v, const char *title);
/* The symbol alone (static storage). */
const char *sc_html_symbol(enum sc_verdict v);

/* The short text of an assertion's figures for a table cell: "denied 20/20", "web-v1 49.8%",
 * "success_count 310 (expected 155)". Nothing when it has no figures. */
void sc_html_figures_short(struct sc_buf *b, const struct sc_assertion *a);

/* The full account of a case: why it was not judged (error), its message, re-runs, each
 * assertion with its figures table, spec statement and charts, the steps as run and the
 * diagnostics. full: every assertion and the steps as recorded; else only the assertions
 * that say more than a table row, and the steps condensed (sc_html_log) when steps is true
 * (the full text stays in results.json). open: the steps and diagnostics unfolded. */
void sc_html_case_body(struct sc_buf *b, const struct sc_case *c, bool full, bool steps, bool open);

/* The case's assertions (what, verdict, message, spec, figures, charts); all false: only those
 * that say more than a table row (shares, metrics, latency, a figure off its expectation, a
 * failure), not the all-or-nothing counts. */
void sc_html_assertions(struct sc_buf *b, const struct sc_case *c, bool all);

/* The steps as run, escaped. Unless full, condensed for a passed case: "apply {...}" lines as
 * "apply Kind/name (apiVersion)", "in force after N probes" joined to its "expect" line, the
 * namespace and measurement lines (the figures are in the test's table) left out. */
void sc_html_log(struct sc_buf *b, const char *log, bool full);

struct sc_grid;
struct sc_run;
/* Test `row` of the grid once: its assertions as rows and its versions as columns, the skip
 * reasons, and folded per version the figures, charts and steps (html_test.c). */
void sc_html_test_section(struct sc_buf *b, const struct sc_run *r, const struct sc_grid *g,
                          size_t row);

#endif
