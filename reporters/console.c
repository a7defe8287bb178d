/* console.c - the final summary table. */
#include "reporters/console.h"

#include <stdlib.h>
#include <string.h>

#include "reporters/buf.h"
#include "reporters/model.h"

static void row(struct sc_buf *b, const char *area, const char *version, struct sc_summary s,
                const char *result)
{
    sc_buf_printf(b, "  %-10s %-10s %7zu %7zu %8zu %6zu  %s\n", area, version, s.passed, s.failed,
                  s.skipped, s.total, result);
}

struct reason {
    const char *text;
    size_t n;
};

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
    sc_buf_printf(&b, "  %-10s %-10s %7s %7s %8s %6s  %s\n", "area", "version", "passed", "failed",
                  "skipped", "total", "result");
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

    if (all.failed) {
        sc_buf_printf(&b, "\nfailed (%zu):\n", all.failed);
        for (size_t i = 0; i < r->ncases; i++) {
            const struct sc_case *c = &r->cases[i];
            if (c->verdict != SC_FAILED)
                continue;
            sc_buf_printf(&b, "  %s/%s [%s]: ", c->area, c->test, c->version);
            sc_buf_esc(&b,
                       sc_report_first_line(c->message ? c->message : "failed", line, sizeof(line)),
                       SC_ESC_NONE);
            sc_buf_puts(&b, "\n");
        }
    }
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
    sc_buf_printf(&b, "\n%s: %zu passed, %zu failed, %zu skipped of %zu\n",
                  all.failed   ? "FAILED"
                  : all.passed ? "PASSED"
                               : "NOTHING RAN",
                  all.passed, all.failed, all.skipped, all.total);
    free(reasons);
    free(areas);
    return sc_buf_detach(&b);
}
