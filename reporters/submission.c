/* submission.c - the submission folder. */
#include "base/file.h"
#include "reporters/submission.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "reporters/buf.h"
#include "reporters/html.h"
#include "reporters/json.h"
#include "reporters/junit.h"
#include "reporters/markdown.h"
#include "reporters/model.h"

static int mkdirs(const char *dir, struct sc_err *err)
{
    char *p = strdup(dir);
    int rc = 0;
    if (p == NULL)
        abort();
    for (char *s = p + 1; rc == 0; s++) {
        char c = *s;
        if (c != '/' && c != '\0')
            continue;
        *s = '\0';
        if (mkdir(p, 0777) != 0 && errno != EEXIST)
            rc = sc_err_set(err, SC_EIO, "cannot create directory '%s': %s", p, strerror(errno));
        *s = c;
        if (c == '\0')
            break;
    }
    free(p);
    if (rc == 0) {
        struct stat st;
        if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
            rc = sc_err_set(err, SC_EIO, "'%s' is not a directory", dir);
    }
    return rc;
}

static int put(const char *dir, const char *name, char *text, struct sc_err *err)
{
    char *path;
    int rc;
    if (asprintf(&path, "%s/%s", dir, name) < 0)
        abort();
    rc = sc_report_write_file(path, text, strlen(text), err);
    free(path);
    free(text);
    return rc;
}

static int copy(const char *dir, const char *name, const char *src, struct sc_err *err)
{
    char *text, *path;
    size_t len;
    int rc;
    if ((rc = sc_file_read(src, SC_REPORT_MAX_INPUT, &text, &len, err)))
        return rc;
    if (asprintf(&path, "%s/%s", dir, name) < 0)
        abort();
    rc = sc_report_write_file(path, text, len, err);
    free(path);
    free(text);
    return rc;
}

char *sc_report_case_log(const struct sc_run *r)
{
    struct sc_buf b = SC_BUF_INIT;
    char t[40];
    for (size_t i = 0; i < r->ncases; i++) {
        const struct sc_case *c = &r->cases[i];
        sc_buf_printf(&b, "=== %s/%s [%s]: %s in %.3f s", c->area, c->test, c->version,
                      sc_verdict_name(c->verdict), (double)c->duration_ns / 1e9);
        if (c->start_ms)
            sc_buf_printf(&b, ", started %s", sc_report_time(c->start_ms, t, sizeof(t)));
        sc_buf_puts(&b, "\n");
        if (c->message)
            sc_buf_printf(&b, "%s: %s\n",
                          c->verdict == SC_SKIPPED ? "reason"
                          : c->verdict == SC_ERROR ? "error"
                                                   : "message",
                          c->message);
        if (sc_report_runs(c) > 1)
            sc_buf_printf(&b, "re-run: run %u times; the first run's error: %s\n",
                          sc_report_runs(c), c->rerun_reason ? c->rerun_reason : "not recorded");
        if (c->log)
            sc_buf_puts(&b, c->log);
        if (c->diagnostics)
            sc_buf_printf(&b, "--- diagnostics\n%s", c->diagnostics);
        if (b.len && b.p[b.len - 1] != '\n')
            sc_buf_puts(&b, "\n");
    }
    return sc_buf_detach(&b);
}

static char *readme(const struct sc_run *r, const struct sc_implementation *im)
{
    struct sc_buf b = SC_BUF_INIT;
    char *md = sc_report_markdown(r, true);

    sc_buf_puts(&b, "# SMI conformance submission\n\n");
    if (im != NULL && (im->organization || im->project)) {
        sc_buf_puts(&b, "Implementation: ");
        sc_buf_esc(&b, im->project ? im->project : "", SC_ESC_MD_CELL);
        if (im->version) {
            sc_buf_puts(&b, " ");
            sc_buf_esc(&b, im->version, SC_ESC_MD_CELL);
        }
        if (im->organization) {
            sc_buf_puts(&b, " by ");
            sc_buf_esc(&b, im->organization, SC_ESC_MD_CELL);
        }
        if (im->url) {
            sc_buf_puts(&b, " (");
            sc_buf_esc(&b, im->url, SC_ESC_NONE);
            sc_buf_puts(&b, ")");
        }
        sc_buf_puts(&b, "\n\n");
    }
    sc_buf_puts(&b, md);
    free(md);
    sc_buf_puts(&b, "\n## Files\n\n"
                    "- `conformance-report.yaml`: the conformance report\n"
                    "- `results.json`: the full result (schema smi-conformance/results/v1)\n"
                    "- `junit.xml`: JUnit XML\n"
                    "- `report.html`: the report with charts (self-contained, opens offline)\n"
                    "- `run.log`: the run log\n");
    return sc_buf_detach(&b);
}

int sc_report_submission(const struct sc_run *r, const struct sc_implementation *im,
                         const char *dir, const char *json_src, const char *log_src,
                         struct sc_err *err)
{
    int rc;
    if ((rc = mkdirs(dir, err)))
        return rc;
    if ((rc = put(dir, "README.md", readme(r, im), err)) ||
        (rc = put(dir, "conformance-report.yaml", sc_report_conformance_yaml(r, im), err)) ||
        (rc = put(dir, "junit.xml", sc_junit_xml(r), err)) ||
        (rc = put(dir, "report.html", sc_report_html(r), err)))
        return rc;
    if (json_src != NULL && strcmp(json_src, "-") != 0)
        rc = copy(dir, "results.json", json_src, err);
    else
        rc = put(dir, "results.json", sc_report_json(r), err);
    if (rc)
        return rc;
    if (log_src != NULL)
        return copy(dir, "run.log", log_src, err);
    return put(dir, "run.log", sc_report_case_log(r), err);
}
