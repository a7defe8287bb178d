/* html.h - one self-contained HTML page of a run, with inline SVG charts. */
#ifndef SC_HTML_H
#define SC_HTML_H

#include "run/results.h"

/*
 * The page: run facts; a matrix of area x version coloured by result; per case its verdict,
 * message, assertions with expected vs observed figures, the steps as run and the
 * diagnostics; inline SVG charts: for split assertions each backend's observed share against
 * the expected share, its tolerance and 95% interval; latency percentiles as the client saw
 * them against what the mesh reported; expected vs observed for the other figures (metrics
 * agreement). No external assets, no network: it works offline and as a CI artifact. A few
 * lines of script add a "failed only" filter; the page reads fine without them. Caller owns
 * the result.
 */
char *sc_report_html(const struct sc_run *r);

#endif
