/* html_charts.h - inline SVG charts of an assertion, for the HTML report. */
#ifndef SC_REPORT_HTML_CHARTS_H
#define SC_REPORT_HTML_CHARTS_H

#include <stdbool.h>

#include "reporters/buf.h"
#include "run/results.h"

/* Append the charts that carry information, in this order: observed share per backend
 * against the expected share with its 95% interval; other expected-vs-observed figures (for
 * metrics, the agent against the mesh) only when sc_html_figures_carry_information(); when
 * latency is true, the client-side latency histogram with both sides' percentiles, or, without
 * a histogram, the latency percentiles. Nothing when the assertion has no such data. Styles
 * are the page's (classes chart, obs, tol, exp, ci, client, mesh, hbar, cmark, mmark). */
void sc_html_charts(struct sc_buf *b, const struct sc_assertion *a, bool latency);

/* Whether the expected-vs-observed figures (other than shares) are worth a chart: one has a
 * tolerance (a measurement with spread) or differs from its expectation. An exact count that
 * matched ("20 of 20 denied", "agent 155 = mesh 155") is all-or-nothing: text says it. */
bool sc_html_figures_carry_information(const struct sc_assertion *a);

/* Escaped text of an HTML/SVG element, and an attribute ` name="value"`, escaped. */
void sc_html_text(struct sc_buf *b, const char *s);
void sc_html_attr(struct sc_buf *b, const char *name, const char *value);

#endif
