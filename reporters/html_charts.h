/* html_charts.h - inline SVG charts of an assertion, for the HTML report. */
#ifndef SC_REPORT_HTML_CHARTS_H
#define SC_REPORT_HTML_CHARTS_H

#include "reporters/buf.h"
#include "run/results.h"

/* Append the charts that the assertion's data allows, in this order: observed share per
 * backend against the expected share; other expected-vs-observed figures (for metrics, the
 * agent against the mesh); the client-side latency histogram with both sides' percentiles;
 * the latency percentiles. Nothing when the assertion has no such data. Styles are the
 * page's (classes chart, obs, tol, exp, ci, client, mesh, hbar, cmark, mmark). */
void sc_html_charts(struct sc_buf *b, const struct sc_assertion *a);

/* Escaped text of an HTML/SVG element, and an attribute ` name="value"`, escaped. */
void sc_html_text(struct sc_buf *b, const char *s);
void sc_html_attr(struct sc_buf *b, const char *name, const char *value);

#endif
