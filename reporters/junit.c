/* junit.c - JUnit XML: what Jenkins, GitLab, GitHub test reporters and junitparser accept. */
#include "reporters/junit.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "reporters/buf.h"
#include "reporters/model.h"

static void attr(struct sc_buf *b, const char *name, const char *value)
{
    sc_buf_printf(b, " %s=\"", name);
    sc_buf_esc(b, value, SC_ESC_XML_ATTR);
    sc_buf_puts(b, "\"");
}

static void seconds_attr(struct sc_buf *b, uint64_t ns)
{
    sc_buf_printf(b, " time=\"%.3f\"", (double)ns / 1e9);
}

/* JUnit's XSD wants a timestamp without a zone; ours are UTC. */
static void timestamp_attr(struct sc_buf *b, uint64_t ms)
{
    char t[40];
    if (ms == 0)
        return;
    sc_report_time(ms, t, sizeof(t));
    t[19] = '\0';
    attr(b, "timestamp", t);
}

static void property(struct sc_buf *b, const char *name, const char *value)
{
    if (value == NULL)
        return;
    sc_buf_puts(b, "      <property");
    attr(b, "name", name);
    attr(b, "value", value);
    sc_buf_puts(b, "/>\n");
}

static void properties(struct sc_buf *b, const struct sc_run *r)
{
    struct sc_buf v = SC_BUF_INIT;
    sc_buf_puts(b, "    <properties>\n");
    property(b, "harness.version", r->harness_version);
    property(b, "harness.commit", r->harness_commit);
    property(b, "platform", r->platform);
    property(b, "mesh", r->mesh);
    property(b, "kubernetes.version", r->kube_version);
    for (size_t i = 0; i < r->nviolations; i++)
        sc_buf_printf(&v, "%s%s", i ? "," : "", r->violations[i]);
    if (r->nviolations)
        property(b, "violations", v.p);
    sc_buf_release(&v);
    sc_buf_puts(b, "    </properties>\n");
}

/* "run 2 times; the first run's error: ..." for a case an error made the runner re-run. */
static void rerun_note(struct sc_buf *t, const struct sc_case *c)
{
    if (sc_report_runs(c) < 2)
        return;
    sc_buf_printf(t, "run %u times; the first run's error: %s\n", sc_report_runs(c),
                  c->rerun_reason ? c->rerun_reason : "not recorded");
}

/* The failure's (or error's) text: each failed or unmeasured assertion with the spec
 * statement it enforces and its figures, the first run's error when the case was re-run,
 * then the diagnostics. */
static void failure_details(struct sc_buf *t, const struct sc_case *c)
{
    char e[64], o[64], lo[64], hi[64], tol[64];
    for (size_t i = 0; i < c->nassertions; i++) {
        const struct sc_assertion *a = &c->assertions[i];
        if (a->passed)
            continue;
        sc_buf_printf(t, "%s: %s\n",
                      a->error ? "assertion could not be measured" : "assertion failed", a->what);
        if (a->message)
            sc_buf_printf(t, "  %s\n", a->message);
        if (a->spec)
            sc_buf_printf(t, "  spec: \"%s\"\n", a->spec);
        for (size_t k = 0; k < a->nfigures; k++) {
            const struct sc_figure *f = &a->figures[k];
            sc_buf_printf(t, "  %s: expected %s", f->name,
                          sc_report_fmt_value(f->expected, f->unit, e, sizeof(e)));
            if (!isnan(f->tolerance))
                sc_buf_printf(t, " +/- %s",
                              sc_report_fmt_value(f->tolerance, f->unit, tol, sizeof(tol)));
            sc_buf_printf(t, ", observed %s",
                          sc_report_fmt_value(f->observed, f->unit, o, sizeof(o)));
            if (!isnan(f->lo) && !isnan(f->hi))
                sc_buf_printf(t, " (95%% interval %s .. %s)",
                              sc_report_fmt_value(f->lo, f->unit, lo, sizeof(lo)),
                              sc_report_fmt_value(f->hi, f->unit, hi, sizeof(hi)));
            if (f->total)
                sc_buf_printf(t, ", %llu of %llu", (unsigned long long)f->count,
                              (unsigned long long)f->total);
            sc_buf_puts(t, "\n");
        }
    }
    rerun_note(t, c);
    if (c->diagnostics) {
        sc_buf_puts(t, "diagnostics:\n");
        sc_buf_puts(t, c->diagnostics);
    }
}

static void testcase(struct sc_buf *b, const struct sc_case *c)
{
    struct sc_buf name = SC_BUF_INIT, cls = SC_BUF_INIT;
    char line[512];

    sc_buf_printf(&name, "%s [%s]", c->test, c->version);
    sc_buf_printf(&cls, "smi.%s", c->area);
    sc_buf_puts(b, "    <testcase");
    attr(b, "name", name.p);
    attr(b, "classname", cls.p);
    seconds_attr(b, c->duration_ns);
    if (c->file)
        attr(b, "file", c->file);
    sc_buf_puts(b, ">\n");
    if (c->verdict == SC_FAILED || c->verdict == SC_ERROR) {
        /* an error is not a verdict on the mesh: CI tools count <error> apart from <failure> */
        bool failed = c->verdict == SC_FAILED;
        struct sc_buf t = SC_BUF_INIT;
        sc_report_first_line(c->message ? c->message
                             : failed   ? "failed"
                                        : "error",
                             line, sizeof(line));
        sc_buf_puts(b, failed ? "      <failure" : "      <error");
        attr(b, "message", line);
        attr(b, "type", failed ? "AssertionError" : "PlatformError");
        sc_buf_puts(b, ">");
        if (c->message && strchr(c->message, '\n'))
            sc_buf_printf(&t, "%s\n", c->message);
        failure_details(&t, c);
        sc_buf_esc(b, t.p ? t.p : "", SC_ESC_XML_TEXT);
        sc_buf_puts(b, failed ? "</failure>\n" : "</error>\n");
        sc_buf_release(&t);
    } else if (c->verdict == SC_SKIPPED) {
        sc_buf_puts(b, "      <skipped");
        attr(b, "message", c->message ? c->message : "skipped");
        sc_buf_puts(b, "/>\n");
    }
    if (c->log || (c->verdict == SC_PASSED && sc_report_runs(c) > 1)) {
        /* a passed case has no element to say it was re-run: its output does */
        struct sc_buf t = SC_BUF_INIT;
        if (c->verdict == SC_PASSED)
            rerun_note(&t, c);
        sc_buf_puts(&t, c->log ? c->log : "");
        sc_buf_puts(b, "      <system-out>");
        sc_buf_esc(b, t.p, SC_ESC_XML_TEXT);
        sc_buf_puts(b, "</system-out>\n");
        sc_buf_release(&t);
    }
    sc_buf_puts(b, "    </testcase>\n");
    sc_buf_release(&name);
    sc_buf_release(&cls);
}

static uint64_t area_time(const struct sc_run *r, const char *area)
{
    uint64_t ns = 0;
    for (size_t i = 0; i < r->ncases; i++)
        if (strcmp(r->cases[i].area, area) == 0)
            ns += r->cases[i].duration_ns;
    return ns;
}

char *sc_junit_xml(const struct sc_run *r)
{
    struct sc_buf b = SC_BUF_INIT;
    struct sc_summary s = sc_run_summary(r);
    const char **areas;
    size_t nareas = sc_report_areas(r, &areas);

    sc_buf_puts(&b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    sc_buf_printf(&b,
                  "<testsuites name=\"smi-conformance\" tests=\"%zu\" failures=\"%zu\" "
                  "errors=\"%zu\" skipped=\"%zu\"",
                  s.total, s.failed, s.errors, s.skipped);
    seconds_attr(&b, r->duration_ns);
    timestamp_attr(&b, r->start_ms);
    sc_buf_puts(&b, ">\n");
    for (size_t i = 0; i < nareas; i++) {
        struct sc_summary as = sc_run_summary_of(r, areas[i], NULL);
        struct sc_buf pkg = SC_BUF_INIT;
        sc_buf_printf(&pkg, "smi.%s", areas[i]);
        sc_buf_puts(&b, "  <testsuite");
        attr(&b, "name", areas[i]);
        sc_buf_printf(&b, " tests=\"%zu\" failures=\"%zu\" errors=\"%zu\" skipped=\"%zu\"",
                      as.total, as.failed, as.errors, as.skipped);
        seconds_attr(&b, area_time(r, areas[i]));
        timestamp_attr(&b, r->start_ms);
        /* the Ant XSD requires these three; a re-render does not know the host */
        sc_buf_printf(&b, " hostname=\"localhost\" id=\"%zu\"", i);
        attr(&b, "package", pkg.p);
        sc_buf_puts(&b, ">\n");
        properties(&b, r);
        for (size_t k = 0; k < r->ncases; k++)
            if (strcmp(r->cases[k].area, areas[i]) == 0)
                testcase(&b, &r->cases[k]);
        sc_buf_puts(&b, "    <system-out/>\n    <system-err/>\n  </testsuite>\n");
        sc_buf_release(&pkg);
    }
    sc_buf_puts(&b, "</testsuites>\n");
    free(areas);
    return sc_buf_detach(&b);
}
