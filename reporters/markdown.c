/* markdown.c - the Markdown summary. */
#include "reporters/markdown.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "reporters/buf.h"
#include "reporters/model.h"

static const char *icon(const char *result)
{
    if (strcmp(result, "success") == 0)
        return "\xe2\x9c\x85"; /* check mark */
    if (strcmp(result, "failure") == 0)
        return "\xe2\x9d\x8c"; /* cross */
    if (strcmp(result, "error") == 0)
        return "\xe2\x9a\xa0\xef\xb8\x8f"; /* warning sign */
    if (strcmp(result, "partial") == 0)
        return "\xf0\x9f\x9f\xa1"; /* yellow circle */
    return "\xe2\x9a\xaa";         /* white circle: nothing ran */
}

static void cell(struct sc_buf *b, const char *s)
{
    sc_buf_puts(b, " ");
    sc_buf_esc(b, s, SC_ESC_MD_CELL);
    sc_buf_puts(b, " |");
}

/* The cases an error made the runner re-run, with their final result and the first run's
 * error. */
static void reruns_table(struct sc_buf *b, const struct sc_run *r)
{
    char line[400];
    size_t n = 0;
    for (size_t i = 0; i < r->ncases; i++)
        n += sc_report_runs(&r->cases[i]) > 1;
    if (n == 0)
        return;
    sc_buf_printf(b, "\n<details><summary>Re-run after an error (%zu)</summary>\n\n", n);
    sc_buf_puts(b, "| test | area | version | result | runs | first run's error |\n"
                   "|---|---|---|---|---|---|\n");
    for (size_t i = 0; i < r->ncases; i++) {
        const struct sc_case *c = &r->cases[i];
        if (sc_report_runs(c) < 2)
            continue;
        sc_buf_puts(b, "|");
        cell(b, c->test);
        cell(b, c->area);
        cell(b, c->version);
        cell(b, sc_verdict_name(c->verdict));
        sc_buf_printf(b, " %u |", sc_report_runs(c));
        cell(b, sc_report_first_line(c->rerun_reason, line, sizeof(line)));
        sc_buf_puts(b, "\n");
    }
    sc_buf_puts(b, "\n</details>\n");
}

static void cases_table(struct sc_buf *b, const struct sc_run *r, enum sc_verdict v,
                        const char *col)
{
    char line[400];
    sc_buf_printf(b, "| test | area | version | %s |\n|---|---|---|---|\n", col);
    for (size_t i = 0; i < r->ncases; i++) {
        const struct sc_case *c = &r->cases[i];
        if (c->verdict != v)
            continue;
        sc_buf_puts(b, "| ");
        sc_buf_esc(b, c->test, SC_ESC_MD_CELL);
        sc_buf_puts(b, " | ");
        sc_buf_esc(b, c->area, SC_ESC_MD_CELL);
        sc_buf_puts(b, " | ");
        sc_buf_esc(b, c->version, SC_ESC_MD_CELL);
        sc_buf_puts(b, " | ");
        sc_buf_esc(b, sc_report_first_line(c->message ? c->message : "", line, sizeof(line)),
                   SC_ESC_MD_CELL);
        sc_buf_puts(b, " |\n");
    }
}

char *sc_report_markdown(const struct sc_run *r, bool reproduce)
{
    struct sc_buf b = SC_BUF_INIT;
    struct sc_summary all = sc_run_summary(r);
    const char **areas, **versions;
    size_t nareas = sc_report_areas(r, &areas);
    size_t nv = sc_report_versions(r, NULL, &versions);
    char t[40];

    sc_buf_printf(&b, "## SMI conformance: %s %s\n\n", icon(sc_report_result(all)),
                  sc_report_verdict_word(all));
    sc_buf_printf(&b, "**%zu** passed, **%zu** failed, ", all.passed, all.failed);
    if (all.errors)
        sc_buf_printf(&b, "**%zu** errored, ", all.errors);
    sc_buf_printf(&b, "**%zu** skipped of %zu test cases", all.skipped, all.total);
    sc_buf_puts(&b, " \xc2\xb7 mesh `");
    sc_buf_esc(&b, r->mesh ? r->mesh : "?", SC_ESC_MD_CELL);
    sc_buf_puts(&b, "` on `");
    sc_buf_esc(&b, r->platform ? r->platform : "?", SC_ESC_MD_CELL);
    sc_buf_puts(&b, "`");
    if (r->kube_version) {
        sc_buf_puts(&b, " (Kubernetes ");
        sc_buf_esc(&b, r->kube_version, SC_ESC_MD_CELL);
        sc_buf_puts(&b, ")");
    }
    sc_buf_printf(&b, " \xc2\xb7 harness %s (`%s`)", r->harness_version ? r->harness_version : "?",
                  r->harness_commit ? r->harness_commit : "?");
    if (r->start_ms)
        sc_buf_printf(&b, " \xc2\xb7 %s", sc_report_time(r->start_ms, t, sizeof(t)));
    sc_buf_printf(&b, " \xc2\xb7 %.1f s\n", (double)r->duration_ns / 1e9);
    if (r->nviolations) {
        sc_buf_puts(&b, "\n> **Violations in force** (a self-test run, not a submission):");
        for (size_t i = 0; i < r->nviolations; i++) {
            sc_buf_puts(&b, i ? ", `" : " `");
            sc_buf_esc(&b, r->violations[i], SC_ESC_MD_CELL);
            sc_buf_puts(&b, "`");
        }
        sc_buf_puts(&b, "\n");
    }

    /* the matrix: one row per area, one column per version seen anywhere */
    sc_buf_puts(&b, "\n| area |");
    for (size_t k = 0; k < nv; k++) {
        sc_buf_puts(&b, " ");
        sc_buf_esc(&b, versions[k], SC_ESC_MD_CELL);
        sc_buf_puts(&b, " |");
    }
    sc_buf_puts(&b, "\n|---|");
    for (size_t k = 0; k < nv; k++)
        sc_buf_puts(&b, "---|");
    sc_buf_puts(&b, "\n");
    for (size_t i = 0; i < nareas; i++) {
        sc_buf_puts(&b, "| ");
        sc_buf_esc(&b, areas[i], SC_ESC_MD_CELL);
        sc_buf_puts(&b, " |");
        for (size_t k = 0; k < nv; k++) {
            struct sc_summary s = sc_run_summary_of(r, areas[i], versions[k]);
            const char *res = sc_report_result(s);
            if (s.total == 0)
                sc_buf_puts(&b, " |");
            else if (strcmp(res, "skipped") == 0)
                sc_buf_printf(&b, " %s skipped |", icon(res));
            else
                sc_buf_printf(&b, " %s %zu/%zu |", icon(res), s.passed, s.total - s.skipped);
        }
        sc_buf_puts(&b, "\n");
    }
    sc_buf_puts(&b, "\nCells: passed/run; skipped cases are not counted as run");
    if (all.errors)
        sc_buf_puts(&b, ", errored ones are (run, not judged)");
    sc_buf_puts(&b, ".\n");

    if (all.failed) {
        sc_buf_printf(&b, "\n### Failed (%zu)\n\n", all.failed);
        cases_table(&b, r, SC_FAILED, "message");
    }
    if (all.errors) {
        sc_buf_printf(&b,
                      "\n### Errored (%zu)\n\nThe platform, the API server or an agent failed: "
                      "these cases say nothing about the mesh.\n\n",
                      all.errors);
        cases_table(&b, r, SC_ERROR, "error");
    }
    reruns_table(&b, r);
    if (all.skipped) {
        sc_buf_printf(&b, "\n<details><summary>Skipped (%zu)</summary>\n\n", all.skipped);
        cases_table(&b, r, SC_SKIPPED, "reason");
        sc_buf_puts(&b, "\n</details>\n");
    }
    if (reproduce) {
        sc_buf_puts(&b, "\n## Reproduce\n\n");
        sc_buf_printf(&b, "With smi-conformance %s (commit %s):\n\n```sh\n",
                      r->harness_version ? r->harness_version : "?",
                      r->harness_commit ? r->harness_commit : "?");
        char *cmd = sc_report_command_line(r);
        sc_buf_esc(&b, cmd ? cmd : "smi-conformance run", SC_ESC_NONE);
        free(cmd);
        sc_buf_puts(&b, "\n```\n");
    }
    free(areas);
    free(versions);
    return sc_buf_detach(&b);
}
