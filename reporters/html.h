/* html.h - one self-contained HTML page of a run, with inline SVG charts. */
#ifndef SC_HTML_H
#define SC_HTML_H

#include "run/results.h"

/*
 * The page, in reading order: run facts; the matrix of tests x versions, each cell an outcome,
 * with each area's counts above its tests; the failures in full (expected vs observed, spec
 * statement, charts, steps with every probe, diagnostics), unfolded; the errors (not judged)
 * apart; the skips by reason; each test once, its assertions as rows and versions as columns,
 * details per version folded. Charts only where they carry information (html_charts.h): split
 * shares with their intervals, latency distributions, figures off their expectation (metrics
 * agreement); none for exact all-or-nothing counts. No external assets, no network: it works
 * offline and as a CI artifact. A few lines of script add "failed only"/"errored only"
 * filters; the page reads fine without them. The full local suite's page is about 270 KB
 * (budget 300 KB, reporters/README.md). Caller owns the result.
 */
char *sc_report_html(const struct sc_run *r);

#endif
