/* console.c - the final summary table. */
#include "reporters/console.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "reporters/buf.h"
#include "reporters/model.h"

static void row(struct sc_buf *b, const char *area, const char *version, struct sc_summary s,
                const char *result)
{
    sc_buf_printf(b, "  %-10s %-10s %7zu %7zu %7zu %8zu %6zu  %s\n", area, version, s.passed,
                  s.failed, s.errors, s.skipped, s.total, result);
}

/* One line per case with verdict v: where it is and the first line of its message. */
static void case_lines(struct sc_buf *b, const struct sc_run *r, enum sc_verdict v)
{
    char line[256];
    for (size_t i = 0; i < r->ncases; i++) {
        const struct sc_case *c = &r->cases[i];
        if (c->verdict != v)
            continue;
        sc_buf_printf(b, "  %s/%s [%s]: ", c->area, c->test, c->version);
        sc_buf_esc(
            b,
            sc_report_first_line(c->message ? c->message : sc_verdict_name(v), line, sizeof(line)),
            SC_ESC_NONE);
        sc_buf_puts(b, "\n");
    }
}

/* The cases an error made the runner re-run: their final verdict and the first run's error. */
static void reruns(struct sc_buf *b, const struct sc_run *r)
{
    char line[256];
    size_t n = 0;
    for (size_t i = 0; i < r->ncases; i++)
        n += sc_report_runs(&r->cases[i]) > 1;
    if (n == 0)
        return;
    sc_buf_printf(b, "\nre-run after an error (%zu):\n", n);
    for (size_t i = 0; i < r->ncases; i++) {
        const struct sc_case *c = &r->cases[i];
        if (sc_report_runs(c) < 2)
            continue;
        sc_buf_printf(b, "  %s/%s [%s]: %s after %u runs; first run: ", c->area, c->test,
                      c->version, sc_verdict_name(c->verdict), sc_report_runs(c));
        sc_buf_esc(b,
                   sc_report_first_line(c->rerun_reason ? c->rerun_reason : "not recorded", line,
                                        sizeof(line)),
                   SC_ESC_NONE);
        sc_buf_puts(b, "\n");
    }
}

struct reason {
    const char *text;
    size_t n;
};

/* "protocols: HTTP/1.1 certified, HTTP/2 not tested, ...": what the verdict covers. */
static void protocols_line(struct sc_buf *b, const struct sc_run *r)
{
    struct sc_report_protocol ps[SC_REPORT_PROTOCOLS];
    sc_report_protocols(r, ps);
    sc_buf_puts(b, "\n  protocols:");
    for (size_t i = 0; i < SC_REPORT_PROTOCOLS; i++)
        sc_buf_printf(b, "%s %s %s", i ? "," : "", ps[i].label, sc_report_protocol_result(&ps[i]));
    sc_buf_puts(b, "\n");
}

char *sc_console_summary(const struct sc_run *r)
{
    struct sc_buf b = SC_BUF_INIT;
    struct sc_summary all = sc_run_summary(r);
    struct reason *reasons = NULL;
    size_t nreasons = 0;
    const char **areas;
    size_t nareas = sc_report_areas(r, &areas);
    char line[256];

    sc_buf_printf(&b, "SMI conformance: platform %s, mesh %s, harness %s (%s)\n",
                  r->platform ? r->platform : "?", r->mesh ? r->mesh : "?",
                  r->harness_version ? r->harness_version : "?",
                  r->harness_commit ? r->harness_commit : "?");
    if (r->nviolations) {
        sc_buf_puts(&b, "violations in force (expect failures):");
        for (size_t i = 0; i < r->nviolations; i++)
            sc_buf_printf(&b, " %s", r->violations[i]);
        sc_buf_puts(&b, "\n");
    }
    sc_buf_puts(&b, "\n");
    sc_buf_printf(&b, "  %-10s %-10s %7s %7s %7s %8s %6s  %s\n", "area", "version", "passed",
                  "failed", "errors", "skipped", "total", "result");
    for (size_t i = 0; i < nareas; i++) {
        const char **versions;
        size_t nv = sc_report_versions(r, areas[i], &versions);
        for (size_t k = 0; k < nv; k++) {
            struct sc_summary s = sc_run_summary_of(r, areas[i], versions[k]);
            row(&b, areas[i], versions[k], s, sc_report_result(s));
        }
        free(versions);
    }
    row(&b, "all", "", all, sc_report_result(all));
    protocols_line(&b, r);

    if (all.failed) {
        sc_buf_printf(&b, "\nfailed (%zu):\n", all.failed);
        case_lines(&b, r, SC_FAILED);
    }
    if (all.errors) {
        sc_buf_printf(&b,
                      "\nerrors (%zu): the platform, the API server or an agent failed; these "
                      "cases were not judged\n",
                      all.errors);
        case_lines(&b, r, SC_ERROR);
    }
    reruns(&b, r);
    for (size_t i = 0; i < r->ncases; i++) {
        const struct sc_case *c = &r->cases[i];
        const char *why = c->message ? c->message : "no reason given";
        size_t k;
        if (c->verdict != SC_SKIPPED)
            continue;
        for (k = 0; k < nreasons && strcmp(reasons[k].text, why) != 0; k++)
            ;
        if (k == nreasons) {
            reasons = realloc(reasons, (nreasons + 1) * sizeof(*reasons));
            if (reasons == NULL)
                abort();
            reasons[nreasons++] = (struct reason){why, 0};
        }
        reasons[k].n++;
    }
    if (nreasons) {
        sc_buf_printf(&b, "\nskipped (%zu):\n", all.skipped);
        for (size_t k = 0; k < nreasons; k++) {
            sc_buf_printf(&b, "  %4zu  ", reasons[k].n);
            sc_buf_esc(&b, sc_report_first_line(reasons[k].text, line, sizeof(line)), SC_ESC_NONE);
            sc_buf_puts(&b, "\n");
        }
    }
    /* the verdict word in capitals: FAILED, ERRORED, PASSED, NOTHING RAN */
    const char *word = sc_report_verdict_word(all);
    sc_buf_puts(&b, "\n");
    for (const char *p = word; *p; p++)
        sc_buf_printf(&b, "%c", toupper((unsigned char)*p));
    sc_buf_printf(&b, ": %zu passed, %zu failed, ", all.passed, all.failed);
    if (all.errors)
        sc_buf_printf(&b, "%zu errored, ", all.errors);
    sc_buf_printf(&b, "%zu skipped of %zu\n", all.skipped, all.total);
    free(reasons);
    free(areas);
    return sc_buf_detach(&b);
}
