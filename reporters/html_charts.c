/* html_charts.c - the HTML report's inline SVG charts of one assertion: split shares, other
 * figures, the client latency histogram and the latency percentiles. */
#include "reporters/html_charts.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "reporters/model.h"

void sc_html_text(struct sc_buf *b, const char *s)
{
    sc_buf_esc(b, s, SC_ESC_XML_TEXT);
}

void sc_html_attr(struct sc_buf *b, const char *name, const char *value)
{
    sc_buf_printf(b, " %s=\"", name);
    sc_buf_esc(b, value, SC_ESC_XML_ATTR);
    sc_buf_puts(b, "\"");
}

static double clamp01(double v)
{
    return v < 0 ? 0 : v > 1 ? 1 : v;
}

/* A round axis end at or above v, so the four quarter ticks read well (1, 2, 4, 6, 8 x 10^k). */
static double nice_ceil(double v)
{
    static const double steps[] = {1, 2, 4, 6, 8, 10};
    double p;
    if (!(v > 0) || !isfinite(v))
        return 1;
    p = pow(10, floor(log10(v)));
    for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++)
        if (v <= steps[i] * p * (1 + 1e-12))
            return steps[i] * p;
    return 10 * p;
}

#define LABEL_W 150.0
#define PLOT_W  400.0
#define VALUE_W 170.0
#define CHART_W (LABEL_W + PLOT_W + VALUE_W)

static void svg_open(struct sc_buf *b, double h, const char *label)
{
    sc_buf_printf(b,
                  "<svg class=\"chart\" width=\"%.0f\" height=\"%.0f\" viewBox=\"0 0 %.0f %.0f\" "
                  "role=\"img\"",
                  CHART_W, h, CHART_W, h);
    sc_html_attr(b, "aria-label", label);
    sc_buf_puts(b, ">\n");
}

static void svg_label(struct sc_buf *b, double y, const char *s)
{
    sc_buf_printf(b, "<text x=\"%.0f\" y=\"%.0f\" text-anchor=\"end\">", LABEL_W - 6, y);
    sc_html_text(b, s);
    sc_buf_puts(b, "</text>\n");
}

/* Grid lines at the quarters (one path) and their values; whole pixels keep the page small. */
static void axis(struct sc_buf *b, double top, double bottom, double max, const char *unit)
{
    sc_buf_puts(b, "<path class=\"grid\" d=\"");
    for (int i = 0; i <= 4; i++)
        sc_buf_printf(b, "M%.0f %.0fV%.0f", LABEL_W + PLOT_W * i / 4.0, top - 4, bottom);
    sc_buf_puts(b, "\"/>\n<g text-anchor=\"middle\">");
    for (int i = 0; i <= 4; i++) {
        char v[64];
        sc_report_fmt_value(max * i / 4.0, unit, v, sizeof(v));
        if (unit != NULL && strcmp(unit, "share") == 0)
            snprintf(v, sizeof(v), "%.0f%%", 100.0 * i / 4.0);
        sc_buf_printf(b, "<text x=\"%.0f\" y=\"%.0f\">%s</text>", LABEL_W + PLOT_W * i / 4.0,
                      top - 7, v);
    }
    sc_buf_puts(b, "</g>\n");
}

static bool is_share(const struct sc_figure *f)
{
    return f->unit != NULL && strcmp(f->unit, "share") == 0;
}

/* Each backend's observed share: bar; expected: green line in a tolerance band; the 95%
 * interval: a whisker. */
static void split_chart(struct sc_buf *b, const struct sc_assertion *a)
{
    size_t n = 0, row = 0;
    for (size_t i = 0; i < a->nfigures; i++)
        n += is_share(&a->figures[i]);
    if (n == 0)
        return;
    double top = 24, rh = 26, h = top + rh * (double)n + 6;
    svg_open(b, h, "observed share per backend against the expected share");
    axis(b, top, h - 6, 1.0, "share");
    for (size_t i = 0; i < a->nfigures; i++) {
        const struct sc_figure *f = &a->figures[i];
        char o[64], e[64], lo[64], hi[64];
        if (!is_share(f))
            continue;
        double y = top + rh * (double)row++;
        sc_buf_puts(b, "<g>");
        sc_buf_puts(b, "<title>");
        sc_html_text(b, f->name);
        sc_buf_printf(b, ": observed %s, expected %s",
                      sc_report_fmt_value(f->observed, f->unit, o, sizeof(o)),
                      sc_report_fmt_value(f->expected, f->unit, e, sizeof(e)));
        if (isfinite(f->lo) && isfinite(f->hi))
            sc_buf_printf(b, ", 95%% interval %s .. %s",
                          sc_report_fmt_value(f->lo, f->unit, lo, sizeof(lo)),
                          sc_report_fmt_value(f->hi, f->unit, hi, sizeof(hi)));
        sc_buf_puts(b, "</title>");
        svg_label(b, y + 17, f->name);
        if (isfinite(f->expected) && isfinite(f->tolerance) && f->tolerance > 0) {
            double l = clamp01(f->expected - f->tolerance), r = clamp01(f->expected + f->tolerance);
            sc_buf_printf(b,
                          "<rect class=\"tol\" x=\"%.1f\" y=\"%.0f\" width=\"%.1f\" "
                          "height=\"%.0f\"/>",
                          LABEL_W + l * PLOT_W, y + 2, (r - l) * PLOT_W, rh - 4);
        }
        if (isfinite(f->observed) && f->observed > 0)
            sc_buf_printf(b,
                          "<rect class=\"obs%s\" x=\"%.0f\" y=\"%.0f\" width=\"%.1f\" "
                          "height=\"%.0f\"/>",
                          a->passed ? "" : " bad", LABEL_W, y + 7, clamp01(f->observed) * PLOT_W,
                          rh - 14);
        if (isfinite(f->expected)) {
            double x = LABEL_W + clamp01(f->expected) * PLOT_W;
            sc_buf_printf(b, "<path class=\"exp\" d=\"M%.1f %.0fV%.0f\"/>", x, y + 1, y + rh - 1);
        }
        if (isfinite(f->lo) && isfinite(f->hi)) {
            double x1 = LABEL_W + clamp01(f->lo) * PLOT_W, x2 = LABEL_W + clamp01(f->hi) * PLOT_W;
            double ym = y + rh / 2;
            sc_buf_printf(b, "<path class=\"ci\" d=\"M%.1f %.0fH%.1fM%.1f %.0fv10M%.1f %.0fv10\"/>",
                          x1, ym, x2, x1, ym - 5, x2, ym - 5);
        }
        sc_buf_printf(b, "<text x=\"%.0f\" y=\"%.0f\">%s", LABEL_W + PLOT_W + 8, y + 17,
                      sc_report_fmt_value(f->observed, f->unit, o, sizeof(o)));
        if (f->total)
            sc_buf_printf(b, " (%llu/%llu)", (unsigned long long)f->count,
                          (unsigned long long)f->total);
        sc_buf_puts(b, "</text></g>\n");
    }
    sc_buf_puts(b, "</svg>\n<div class=\"legend\">bar: observed share; green line: expected, "
                   "band: tolerance; whisker: 95% interval</div>\n");
}

static bool any_finite(const double *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (isfinite(v[i]))
            return true;
    return false;
}

/* Latency percentiles, client side against what the mesh reported, in ms. */
static void latency_chart(struct sc_buf *b, const struct sc_assertion *a)
{
    static const char *const names[4] = {"p50", "p90", "p99", "max"};
    double max = 0;
    if (!any_finite(a->client_p, 4) && !any_finite(a->mesh_p, 4))
        return;
    for (int i = 0; i < 4; i++) {
        if (isfinite(a->client_p[i]) && a->client_p[i] > max)
            max = a->client_p[i];
        if (isfinite(a->mesh_p[i]) && a->mesh_p[i] > max)
            max = a->mesh_p[i];
    }
    max = nice_ceil(max / 1000.0); /* ms */
    double top = 24, rh = 30, h = top + rh * 4 + 6;
    svg_open(b, h, "latency percentiles: client side against the mesh's report");
    axis(b, top, h - 6, max, "ms");
    for (int i = 0; i < 4; i++) {
        double y = top + rh * i;
        svg_label(b, y + 18, names[i]);
        const double v[2] = {a->client_p[i] / 1000.0, a->mesh_p[i] / 1000.0};
        static const char *const cls[2] = {"client", "mesh"};
        for (int k = 0; k < 2; k++) {
            double yy = y + 4 + k * 11;
            if (!isfinite(v[k])) {
                sc_buf_printf(b, "<text x=\"%.1f\" y=\"%.1f\">%s: n/a</text>\n", LABEL_W + 4,
                              yy + 9, cls[k]);
                continue;
            }
            sc_buf_printf(b,
                          "<rect class=\"%s\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"10\">"
                          "<title>%s %s: %.3f ms</title></rect>",
                          cls[k], LABEL_W, yy, v[k] / max * PLOT_W, cls[k], names[i], v[k]);
            sc_buf_printf(b, "<text x=\"%.1f\" y=\"%.1f\">%s %.3f ms</text>\n",
                          LABEL_W + PLOT_W + 8, yy + 9, cls[k], v[k]);
        }
    }
    sc_buf_puts(b, "</svg>\n<div class=\"legend\">blue: client side (the agent); amber: as "
                   "reported by the mesh</div>\n");
}

#define HIST_BINS 36
#define HIST_H    110.0

struct hist_view {
    double lmin, lmax; /* log10 of the axis ends, in ms */
    double bins[HIST_BINS];
    double binmax, total;
};

static double hist_x(const struct hist_view *v, double ms)
{
    double t = (log10(ms) - v->lmin) / (v->lmax - v->lmin);
    return LABEL_W + clamp01(t) * PLOT_W;
}

/* Latency of a marker or bucket in ms; latencies below 1 us sit at 1 us (log axis). */
static double hist_ms(double us)
{
    return fmax(us, 1.0) / 1000.0;
}

/* Merge the load engine's fine buckets (about 1000 per power of two) into HIST_BINS equal
 * steps of log10(ms), over a range holding every bucket and every percentile marker. A bucket
 * counts in the bin of its lowest value: the bucket is far narrower than a bin. */
static void hist_bin(struct hist_view *v, const struct sc_assertion *a)
{
    double lo = hist_ms((double)a->client_hist[0].lo);
    double hi = hist_ms((double)a->client_hist[a->nclient_hist - 1].lo);
    for (int i = 0; i < 3; i++) {
        const double m[2] = {a->client_p[i], a->mesh_p[i]};
        for (int k = 0; k < 2; k++)
            if (isfinite(m[k]) && m[k] >= 0) {
                lo = fmin(lo, hist_ms(m[k]));
                hi = fmax(hi, hist_ms(m[k]));
            }
    }
    v->lmin = log10(lo);
    v->lmax = log10(hi);
    if (v->lmax - v->lmin < 0.5) { /* at least a factor of 3 wide, so the bins stay apart */
        double mid = (v->lmin + v->lmax) / 2;
        v->lmin = mid - 0.25;
        v->lmax = mid + 0.25;
    }
    double pad = (v->lmax - v->lmin) * 0.03;
    v->lmin -= pad;
    v->lmax += pad;
    memset(v->bins, 0, sizeof(v->bins));
    v->binmax = v->total = 0;
    for (size_t i = 0; i < a->nclient_hist; i++) {
        double t = (log10(hist_ms((double)a->client_hist[i].lo)) - v->lmin) / (v->lmax - v->lmin);
        int bin = (int)floor(t * HIST_BINS);
        bin = bin < 0 ? 0 : bin >= HIST_BINS ? HIST_BINS - 1 : bin;
        v->bins[bin] += (double)a->client_hist[i].count;
        v->total += (double)a->client_hist[i].count;
    }
    for (int i = 0; i < HIST_BINS; i++)
        v->binmax = fmax(v->binmax, v->bins[i]);
}

/* Ticks at 1, 2, 5 x 10^k ms inside the axis; only the powers of ten when that is too many. */
static void hist_ticks(struct sc_buf *b, const struct hist_view *v, double top, double bottom)
{
    static const double steps[3] = {1, 2, 5};
    int nsteps = v->lmax - v->lmin > 2.5 ? 1 : 3;
    for (int e = (int)floor(v->lmin); e <= (int)ceil(v->lmax); e++)
        for (int s = 0; s < nsteps; s++) {
            double ms = steps[s] * pow(10, e), l = log10(ms);
            if (l < v->lmin || l > v->lmax)
                continue;
            double x = hist_x(v, ms);
            sc_buf_printf(b,
                          "<line class=\"grid\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" "
                          "y2=\"%.1f\"/><text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%g"
                          "</text>\n",
                          x, top, x, bottom + 4, x, bottom + 15, ms);
        }
    sc_buf_printf(b, "<text x=\"%.1f\" y=\"%.1f\">ms</text>\n", LABEL_W + PLOT_W + 6, bottom + 15);
}

/* The p50/p90/p99 of one side as vertical lines across the plot, labelled on the row
 * `label_y`; a label that would overlap the previous one moves a row away (`step`). */
static void hist_markers(struct sc_buf *b, const struct hist_view *v, const double *p,
                         const char *cls, const char *who, double top, double bottom,
                         double label_y, double step)
{
    static const char *const names[3] = {"p50", "p90", "p99"};
    double last_x = -1e9;
    int row = 0;
    for (int i = 0; i < 3; i++) {
        if (!isfinite(p[i]) || p[i] < 0)
            continue;
        double x = hist_x(v, hist_ms(p[i]));
        row = x - last_x < 26 ? row + 1 : 0;
        last_x = x;
        sc_buf_printf(b,
                      "<g><title>%s %s: %.3f ms</title><line class=\"%s\" x1=\"%.1f\" "
                      "y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/><text class=\"%s\" x=\"%.1f\" "
                      "y=\"%.1f\" text-anchor=\"middle\">%s</text></g>\n",
                      who, names[i], p[i] / 1000.0, cls, x, top, x, bottom, cls, x,
                      label_y + step * (row % 2), names[i]);
    }
}

/* The client-side latency distribution on a log axis, with the client's and the mesh's
 * p50/p90/p99 as markers: a mesh that reports the right percentiles puts its (dashed) lines
 * on the client's. */
static void latency_histogram(struct sc_buf *b, const struct sc_assertion *a)
{
    struct hist_view v;
    if (a->nclient_hist == 0)
        return;
    hist_bin(&v, a);
    double top = 36, bottom = top + HIST_H, h = bottom + 48;
    svg_open(b, h,
             "latency histogram: client side, with the client's and the mesh's "
             "p50/p90/p99");
    sc_buf_printf(b,
                  "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%.0f</text><text "
                  "x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">0</text><text x=\"%.1f\" "
                  "y=\"%.1f\" text-anchor=\"end\">requests per bin</text>\n",
                  LABEL_W - 6, top + 9, v.binmax, LABEL_W - 6, bottom, LABEL_W - 6,
                  (top + bottom) / 2 + 4);
    hist_ticks(b, &v, top, bottom);
    double bw = PLOT_W / HIST_BINS;
    for (int i = 0; i < HIST_BINS; i++) {
        if (v.bins[i] == 0)
            continue;
        double bh = fmax(1, v.bins[i] / v.binmax * HIST_H);
        double l = v.lmin + (v.lmax - v.lmin) * i / HIST_BINS;
        double r = v.lmin + (v.lmax - v.lmin) * (i + 1) / HIST_BINS;
        sc_buf_printf(b,
                      "<rect class=\"hbar\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
                      "height=\"%.1f\" data-count=\"%.0f\"><title>%.3g .. %.3g ms: %.0f "
                      "requests</title></rect>\n",
                      LABEL_W + bw * i + 0.5, bottom - bh, bw - 1, bh, v.bins[i], pow(10, l),
                      pow(10, r), v.bins[i]);
    }
    sc_buf_printf(b, "<line class=\"grid\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>\n",
                  LABEL_W, bottom, LABEL_W + PLOT_W, bottom);
    hist_markers(b, &v, a->client_p, "cmark", "client", top, bottom, top - 16, -11);
    hist_markers(b, &v, a->mesh_p, "mmark", "mesh", top, bottom, bottom + 29, 11);
    /* legend, in the right-hand column */
    double lx = LABEL_W + PLOT_W + 30, ly = top + 8;
    sc_buf_printf(b,
                  "<g class=\"hist-legend\"><rect class=\"hbar\" x=\"%.1f\" y=\"%.1f\" "
                  "width=\"14\" height=\"10\"/><text x=\"%.1f\" y=\"%.1f\">client requests "
                  "(%.0f)</text>\n",
                  lx, ly, lx + 20, ly + 9, v.total);
    sc_buf_printf(b,
                  "<line class=\"cmark\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>"
                  "<text x=\"%.1f\" y=\"%.1f\">client p50/p90/p99</text>\n",
                  lx, ly + 25, lx + 14, ly + 25, lx + 20, ly + 29);
    sc_buf_printf(b,
                  "<line class=\"mmark\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>"
                  "<text x=\"%.1f\" y=\"%.1f\">mesh p50/p90/p99%s</text></g>\n",
                  lx, ly + 45, lx + 14, ly + 45, lx + 20, ly + 49,
                  any_finite(a->mesh_p, 3) ? "" : ": not reported");
    sc_buf_puts(b, "</svg>\n<div class=\"legend\">grey bars: client-side latency (log scale, "
                   "ms); blue lines and labels above: the client's percentiles; amber dashed "
                   "lines and labels below: the mesh's reported percentiles</div>\n");
}

/* Every other figure with both numbers: expected (grey) against observed (blue), with the
 * tolerance band. For metrics the expectation is what the agent saw and the observation
 * what the mesh reported, so this is the agreement chart. */
static void figures_chart(struct sc_buf *b, const struct sc_assertion *a)
{
    size_t n = 0, row = 0;
    double max = 0;
    for (size_t i = 0; i < a->nfigures; i++) {
        const struct sc_figure *f = &a->figures[i];
        if (is_share(f) || !isfinite(f->expected) || !isfinite(f->observed))
            continue;
        n++;
        double hi = f->expected + (isfinite(f->tolerance) ? f->tolerance : 0);
        if (hi > max)
            max = hi;
        if (f->observed > max)
            max = f->observed;
    }
    if (n == 0)
        return;
    max = nice_ceil(max);
    double top = 24, rh = 30, h = top + rh * (double)n + 6;
    bool metrics = strcmp(a->kind, "metrics") == 0;
    svg_open(b, h,
             metrics ? "metrics agreement: what the agent observed against what the mesh "
                       "reported"
                     : "expected against observed");
    axis(b, top, h - 6, max, NULL);
    for (size_t i = 0; i < a->nfigures; i++) {
        const struct sc_figure *f = &a->figures[i];
        char e[64], o[64], t[64];
        if (is_share(f) || !isfinite(f->expected) || !isfinite(f->observed))
            continue;
        double y = top + rh * (double)row++;
        sc_buf_puts(b, "<g><title>");
        sc_html_text(b, f->name);
        sc_buf_printf(b, ": expected %s", sc_report_fmt_value(f->expected, f->unit, e, sizeof(e)));
        if (isfinite(f->tolerance))
            sc_buf_printf(b, " +/- %s", sc_report_fmt_value(f->tolerance, f->unit, t, sizeof(t)));
        sc_buf_printf(b, ", observed %s</title>",
                      sc_report_fmt_value(f->observed, f->unit, o, sizeof(o)));
        svg_label(b, y + 18, f->name);
        if (isfinite(f->tolerance)) {
            double l = fmax(0, f->expected - f->tolerance), r = f->expected + f->tolerance;
            sc_buf_printf(b,
                          "<rect class=\"tol\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
                          "height=\"%.1f\"/>",
                          LABEL_W + l / max * PLOT_W, y + 1, (r - l) / max * PLOT_W, rh - 2);
        }
        sc_buf_printf(b,
                      "<rect class=\"expbar\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"10\"/>"
                      "<rect class=\"obs%s\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"10\"/>",
                      LABEL_W, y + 4, fmax(0, f->expected) / max * PLOT_W, a->passed ? "" : " bad",
                      LABEL_W, y + 15, fmax(0, f->observed) / max * PLOT_W);
        sc_buf_printf(b, "<text x=\"%.1f\" y=\"%.1f\">expected %s</text>", LABEL_W + PLOT_W + 8,
                      y + 13, e);
        sc_buf_printf(b, "<text x=\"%.1f\" y=\"%.1f\">observed %s</text></g>\n",
                      LABEL_W + PLOT_W + 8, y + 25, o);
    }
    sc_buf_printf(b,
                  "</svg>\n<div class=\"legend\">grey: expected%s; blue: observed%s; green "
                  "band: tolerance</div>\n",
                  metrics ? " (what the agent observed)" : "",
                  metrics ? " (what the mesh reported)" : "");
}

bool sc_html_figures_carry_information(const struct sc_assertion *a)
{
    for (size_t i = 0; i < a->nfigures; i++) {
        const struct sc_figure *f = &a->figures[i];
        if (is_share(f) || !isfinite(f->expected) || !isfinite(f->observed))
            continue;
        if ((isfinite(f->tolerance) && f->tolerance > 0) || f->expected != f->observed)
            return true;
    }
    return false;
}

void sc_html_charts(struct sc_buf *b, const struct sc_assertion *a, bool latency)
{
    split_chart(b, a);
    if (sc_html_figures_carry_information(a))
        figures_chart(b, a);
    if (!latency)
        return;
    if (a->nclient_hist > 0)
        latency_histogram(b, a);
    else
        latency_chart(b, a);
}
