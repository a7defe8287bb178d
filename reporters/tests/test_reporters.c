/* test_reporters.c - JSON round trips and field errors, escapes, views, and golden files for
 * JUnit, the conformance report, Markdown, the console table and JSON.
 * SC_UPDATE_GOLDEN=1 rewrites the golden files from the current output (review the diff). */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "reporters/buf.h"
#include "reporters/confreport.h"
#include "reporters/console.h"
#include "reporters/html.h"
#include "reporters/json.h"
#include "reporters/junit.h"
#include "reporters/markdown.h"
#include "reporters/model.h"

#include "base/file.h"
#include "base/tests/check_main.h"

static const char *tests_dir(void)
{
    const char *d = getenv("SC_REPORTERS_DIR");
    ck_assert_msg(d != NULL, "SC_REPORTERS_DIR is not set (run through ctest)");
    return d;
}

static char *slurp(const char *rel)
{
    char path[1024], *text;
    size_t len;
    struct sc_err err;
    sc_err_init(&err);
    snprintf(path, sizeof(path), "%s/tests/%s", tests_dir(), rel);
    ck_assert_msg(sc_file_read(path, SC_REPORT_MAX_INPUT, &text, &len, &err) == 0, "%s", err.msg);
    return text;
}

static struct sc_run *load(const char *name)
{
    char path[1024];
    struct sc_run *r;
    struct sc_err err;
    sc_err_init(&err);
    snprintf(path, sizeof(path), "%s/tests/data/%s", tests_dir(), name);
    ck_assert_msg(sc_report_json_load(path, &r, &err) == 0, "%s", err.msg);
    return r;
}

/* Compare with tests/golden/NAME; on a difference write the output beside the build so
 * `diff` shows it. */
static void golden(const char *name, char *actual)
{
    char path[1024], rel[256];
    struct sc_err err;
    sc_err_init(&err);
    snprintf(path, sizeof(path), "%s/tests/golden/%s", tests_dir(), name);
    if (getenv("SC_UPDATE_GOLDEN") != NULL) {
        ck_assert_msg(sc_report_write_file(path, actual, strlen(actual), &err) == 0, "%s", err.msg);
        free(actual);
        return;
    }
    snprintf(rel, sizeof(rel), "golden/%s", name);
    char *want = slurp(rel);
    if (strcmp(want, actual) != 0) {
        char out[1024];
        snprintf(out, sizeof(out), "%s.actual", name);
        if (sc_report_write_file(out, actual, strlen(actual), &err) != 0)
            ck_abort_msg("%s differs from the golden file %s (and %s)", name, path, err.msg);
        ck_abort_msg("%s differs from the golden file: diff %s %s (SC_UPDATE_GOLDEN=1 to accept)",
                     name, path, out);
    }
    free(want);
    free(actual);
}

static struct sc_implementation acme_implementation(void)
{
    struct sc_implementation im = {
        .organization = strdup("ACME Mesh, Inc."),
        .project = strdup("acme-mesh"),
        .url = strdup("https://example.org/acme-mesh"),
        .version = strdup("1.2.3"),
        .contact = calloc(2, sizeof(char *)),
        .ncontact = 2,
    };
    im.contact[0] = strdup("@acme/mesh-maintainers");
    im.contact[1] = strdup("mesh@example.org");
    return im;
}

START_TEST(mixed_run_renders_as_the_golden_files)
{
    struct sc_run *r = load("mixed.json");
    struct sc_implementation acme = acme_implementation();
    golden("mixed.junit.xml", sc_junit_xml(r));
    golden("mixed.report.yaml", sc_report_conformance_yaml(r, &acme));
    sc_implementation_release(&acme);
    golden("mixed.md", sc_report_markdown(r, false));
    golden("mixed.console.txt", sc_console_summary(r));
    golden("mixed.json", sc_report_json(r));
    sc_run_free(r);
}
END_TEST

static char *read_error_in(const char *data, const char *from, const char *to);

START_TEST(run_with_errors_renders_as_the_golden_files)
{
    struct sc_run *r = load("with-errors.json");
    golden("with-errors.junit.xml", sc_junit_xml(r));
    golden("with-errors.report.yaml", sc_report_conformance_yaml(r, NULL));
    golden("with-errors.md", sc_report_markdown(r, false));
    golden("with-errors.console.txt", sc_console_summary(r));
    golden("with-errors.json", sc_report_json(r));
    sc_run_free(r);
}
END_TEST

START_TEST(errors_reruns_and_spec_statements_read_back_from_json)
{
    struct sc_run *r = load("with-errors.json"), *back;
    struct sc_err err;
    char *one = sc_report_json(r), *two;

    sc_err_init(&err);
    ck_assert_int_eq(sc_report_json_parse(one, strlen(one), "x.json", &back, &err), 0);
    two = sc_report_json(back);
    ck_assert_str_eq(one, two);
    struct sc_summary s = sc_run_summary(back);
    ck_assert_uint_eq(s.errors, 2);
    ck_assert_uint_eq(s.failed, 1);
    ck_assert_uint_eq(s.passed, 2);
    const struct sc_case *c = &back->cases[1];
    ck_assert_int_eq(c->verdict, SC_ERROR);
    ck_assert_uint_eq(c->runs, 2);
    ck_assert_str_eq(c->rerun_reason, "POST /api/v1/namespaces/t2-a1b2/pods/client-0:9091/proxy/"
                                      "plans: 500 from the API server: <html>proxy error</html>");
    ck_assert(!c->assertions[0].error && c->assertions[0].passed);
    ck_assert(c->assertions[1].error && !c->assertions[1].passed);
    ck_assert_str_eq(c->assertions[1].spec,
                     "A TrafficTarget allows the sources it names to reach the destination's "
                     "routes");
    ck_assert_ptr_null(c->assertions[0].spec);
    ck_assert_uint_eq(back->cases[3].runs, 1);
    ck_assert_ptr_null(back->cases[3].rerun_reason);
    ck_assert_str_eq(back->cases[2].assertions[1].spec,
                     "pathRegex ... anchored (^) to the beginning of the URI");
    ck_assert_ptr_nonnull(strstr(one, "\"result\":\t\"error\""));
    ck_assert_ptr_nonnull(strstr(one, "\"errors\":\t2\n"));
    free(one);
    free(two);
    sc_run_free(r);
    sc_run_free(back);
}
END_TEST

START_TEST(old_results_without_the_new_fields_load_as_run_once_and_never_errored)
{
    struct sc_run *r = load("mixed.json");
    ck_assert_uint_eq(sc_run_summary(r).errors, 0);
    for (size_t i = 0; i < r->ncases; i++) {
        const struct sc_case *c = &r->cases[i];
        ck_assert_uint_eq(c->runs, 0);
        ck_assert_uint_eq(sc_report_runs(c), 1);
        ck_assert_ptr_null(c->rerun_reason);
        for (size_t k = 0; k < c->nassertions; k++) {
            ck_assert(!c->assertions[k].error);
            ck_assert_ptr_null(c->assertions[k].spec);
        }
    }
    /* written again, they carry the new fields with their defaults */
    char *j = sc_report_json(r);
    ck_assert_ptr_nonnull(strstr(j, "\"runs\":\t1,\n"));
    ck_assert_ptr_nonnull(strstr(j, "\"rerunReason\":\tnull,\n"));
    ck_assert_ptr_nonnull(strstr(j, "\"error\":\tfalse,\n"));
    ck_assert_ptr_nonnull(strstr(j, "\"spec\":\tnull,\n"));
    ck_assert_ptr_nonnull(strstr(j, "\"errors\":\t0\n"));
    free(j);
    sc_run_free(r);
}
END_TEST

START_TEST(json_reader_names_a_bad_error_runs_or_spec_field)
{
    const char *f = "data/with-errors.json";
    ck_assert_str_eq(read_error_in(f, "\"runs\": 2", "\"runs\": 0"),
                     "in.json: tests[1].runs: expected a whole number >= 1, got 0");
    ck_assert_str_eq(read_error_in(f, "\"runs\": 1", "\"runs\": \"once\""),
                     "in.json: tests[0].runs: expected a number");
    ck_assert_str_eq(read_error_in(f, "\"rerunReason\": null", "\"rerunReason\": 5"),
                     "in.json: tests[0].rerunReason: expected a string");
    ck_assert_str_eq(read_error_in(f, "\"error\": false", "\"error\": \"no\""),
                     "in.json: tests[0].assertions[0].error: expected true or false");
    ck_assert_str_eq(read_error_in(f, "\"error\": false", "\"error\": true"),
                     "in.json: tests[0].assertions[0].error: an assertion that passed cannot "
                     "have an error");
    ck_assert_str_eq(read_error_in(f, "\"spec\": \"Access", "\"spec\": 7, \"x\": \"Access"),
                     "in.json: tests[0].assertions[0].spec: expected a string");
    ck_assert_str_eq(read_error_in(f, "\"errors\": 2", "\"errors\": 1"),
                     "in.json: summary.errors: is 1 but the tests say 2 (truncated or edited "
                     "file?)");
    ck_assert_str_eq(read_error_in(f, ",\n    \"errors\": 2", ""),
                     "in.json: summary.errors: is missing but 2 tests have the result error");
}
END_TEST

START_TEST(passing_kube_run_renders_as_the_golden_files)
{
    struct sc_run *r = load("passing.json");
    golden("passing.junit.xml", sc_junit_xml(r));
    golden("passing.report.yaml", sc_report_conformance_yaml(r, NULL));
    golden("passing.md", sc_report_markdown(r, true));
    golden("passing.console.txt", sc_console_summary(r));
    sc_run_free(r);
}
END_TEST

START_TEST(written_json_reads_back_to_the_same_run)
{
    struct sc_run *r = sc_run_new(), *back;
    struct sc_case *c;
    struct sc_assertion *a;
    struct sc_figure *f;
    struct sc_err err;
    char *one, *two;

    sc_err_init(&err);
    r->harness_version = strdup("9.9.9");
    r->platform = strdup("local");
    r->start_ms = 1764092460123ull;
    r->duration_ns = 1234567891ull;
    c = sc_run_add_case(r);
    c->test = strdup("t");
    c->area = strdup("split");
    c->version = strdup("v1alpha4");
    c->verdict = SC_FAILED;
    c->duration_ns = 5000000;
    c->message = strdup("off by \"a lot\"\n\tsecond line");
    a = sc_case_add_assertion(c, "split", "web splits");
    a->client_p[0] = 1500;
    a->mesh_p[2] = 99000;
    f = sc_assertion_add_figure(a, "web-v1", "share");
    f->expected = 0.2;
    f->observed = 0.213;
    f->lo = 0.198;
    f->count = 640;
    f->total = 3000;
    a->nclient_hist = 3;
    a->client_hist = calloc(3, sizeof(*a->client_hist));
    a->client_hist[0] = (struct sc_hist_bucket){.lo = 0, .count = 2};
    a->client_hist[1] = (struct sc_hist_bucket){.lo = 1500, .count = 7};
    a->client_hist[2] = (struct sc_hist_bucket){.lo = 274877906944ull, .count = 4000000000ull};
    /* a histogram alone still makes a latency object */
    a = sc_case_add_assertion(c, "metrics", "latency histogram only");
    a->nclient_hist = 1;
    a->client_hist = calloc(1, sizeof(*a->client_hist));
    a->client_hist[0] = (struct sc_hist_bucket){.lo = 42, .count = 1};
    a = sc_case_add_assertion(c, "metrics", "percentiles, no histogram");
    a->mesh_p[0] = 800;
    sc_case_add_assertion(c, "metrics", "no latency");

    one = sc_report_json(r);
    ck_assert_int_eq(sc_report_json_parse(one, strlen(one), "x.json", &back, &err), 0);
    two = sc_report_json(back);
    ck_assert_str_eq(one, two);
    ck_assert_str_eq(back->harness_version, "9.9.9");
    ck_assert_ptr_null(back->harness_commit);
    ck_assert_uint_eq(back->start_ms, 1764092460123ull);
    ck_assert_uint_eq(back->duration_ns, 1234567891ull);
    ck_assert_int_eq(back->cases[0].verdict, SC_FAILED);
    ck_assert_str_eq(back->cases[0].message, "off by \"a lot\"\n\tsecond line");
    ck_assert_uint_eq(back->cases[0].start_ms, 0);
    const struct sc_assertion *ba = &back->cases[0].assertions[0];
    ck_assert(!ba->passed);
    ck_assert_double_eq(ba->client_p[0], 1500);
    ck_assert(isnan(ba->client_p[1]));
    ck_assert_double_eq(ba->mesh_p[2], 99000);
    ck_assert_double_eq(ba->figures[0].observed, 0.213);
    ck_assert(isnan(ba->figures[0].hi));
    ck_assert(isnan(ba->figures[0].tolerance));
    ck_assert_uint_eq(ba->figures[0].count, 640);
    ck_assert_str_eq(ba->figures[0].unit, "share");
    ck_assert(strstr(one, "\"latency\":\t{") != NULL);
    ck_assert_uint_eq(ba->nclient_hist, 3);
    ck_assert_uint_eq(ba->client_hist[0].lo, 0);
    ck_assert_uint_eq(ba->client_hist[0].count, 2);
    ck_assert_uint_eq(ba->client_hist[1].lo, 1500);
    ck_assert_uint_eq(ba->client_hist[1].count, 7);
    ck_assert_uint_eq(ba->client_hist[2].lo, 274877906944ull);
    ck_assert_uint_eq(ba->client_hist[2].count, 4000000000ull);
    ck_assert(strstr(one, "\"clientHistogram\":\t[[0, 2], [1500, 7], [274877906944, 4000000000]]"));
    ck_assert_uint_eq(back->cases[0].nassertions, 4);
    ba = &back->cases[0].assertions[1];
    ck_assert_uint_eq(ba->nclient_hist, 1);
    ck_assert_uint_eq(ba->client_hist[0].lo, 42);
    ck_assert(isnan(ba->client_p[0]) && isnan(ba->mesh_p[0]));
    ck_assert_uint_eq(back->cases[0].assertions[2].nclient_hist, 0);
    ck_assert_double_eq(back->cases[0].assertions[2].mesh_p[0], 800);
    ck_assert_uint_eq(back->cases[0].assertions[3].nclient_hist, 0);
    ck_assert_ptr_null(back->cases[0].assertions[3].client_hist);
    ck_assert(strstr(one, "\"clientHistogram\":\tnull") != NULL);
    free(one);
    free(two);
    sc_run_free(r);
    sc_run_free(back);
}
END_TEST

/* Replace the first `from` in tests/DATA with `to` and return the reader's message. */
static char *read_error_in(const char *data, const char *from, const char *to)
{
    static char msg[600];
    char *text = slurp(data), *at = strstr(text, from), *edited;
    struct sc_run *r = NULL;
    struct sc_err err;

    ck_assert_msg(at != NULL, "'%s' is not in %s", from, data);
    sc_err_init(&err);
    if (asprintf(&edited, "%.*s%s%s", (int)(at - text), text, to, at + strlen(from)) < 0)
        abort();
    ck_assert_int_eq(sc_report_json_parse(edited, strlen(edited), "in.json", &r, &err), SC_EINVAL);
    ck_assert_ptr_null(r);
    snprintf(msg, sizeof(msg), "%s", err.msg);
    free(edited);
    free(text);
    return msg;
}

static char *read_error_after(const char *from, const char *to)
{
    return read_error_in("data/mixed.json", from, to);
}

START_TEST(json_reader_names_the_bad_field)
{
    ck_assert_str_eq(read_error_after("results/v1", "results/v2"),
                     "in.json: schemaVersion: unsupported schema 'smi-conformance/results/v2' "
                     "(this harness reads smi-conformance/results/v1)");
    ck_assert_str_eq(read_error_after("\"passed\":\ttrue", "\"passed\":\t\"yes\""),
                     "in.json: tests[0].assertions[0].passed: expected true or false");
    ck_assert_str_eq(read_error_after("\"result\":\t\"passed\"", "\"result\":\t\"ok\""),
                     "in.json: tests[0].result: expected one of passed, failed, skipped, error");
    ck_assert_str_eq(read_error_after("\"count\":\t1509", "\"count\":\t-3"),
                     "in.json: tests[4].assertions[0].figures[0].count: expected a whole number "
                     ">= 0, got -3");
    ck_assert_str_eq(read_error_after("\"observed\":\t0.4962", "\"observed\":\t\"high\""),
                     "in.json: tests[4].assertions[0].figures[0].observed: expected a number");
    ck_assert_str_eq(read_error_after("\"name\":\t\"split-matches\"", "\"nom\":\t\"x\""),
                     "in.json: tests[6].name: required field is missing");
    ck_assert_str_eq(read_error_after("\"startTime\":\t\"2025-11-25T17:41:05.000Z\"",
                                      "\"startTime\":\t\"yesterday\""),
                     "in.json: tests[3].startTime: expected an RFC 3339 time, got 'yesterday'");
    ck_assert_str_eq(read_error_after("\"total\":\t9", "\"total\":\t8"),
                     "in.json: summary.total: is 8 but the tests say 9 (truncated or edited "
                     "file?)");
    ck_assert_str_eq(read_error_after("\"tests\":\t[{", "\"tsets\":\t[{"),
                     "in.json: tests: required field is missing");
    ck_assert_str_eq(read_error_after("\"platform\":\t\"local\",", "\"platform\":\t\"local\""),
                     "in.json:8:2: not valid JSON");
}
END_TEST

START_TEST(json_reader_names_the_bad_client_histogram_bucket)
{
    ck_assert_str_eq(
        read_error_after("\"clientHistogram\":\t[", "\"clientHistogram\":\t7, \"x\": ["),
        "in.json: tests[7].assertions[0].latency.clientHistogram: expected an array");
    ck_assert_str_eq(read_error_after("[600, 51]", "[600, 51, 0]"),
                     "in.json: tests[7].assertions[0].latency.clientHistogram[0]: expected "
                     "[lo_us, count]");
    ck_assert_str_eq(read_error_after("[600, 51]", "{\"lo\": 600}"),
                     "in.json: tests[7].assertions[0].latency.clientHistogram[0]: expected "
                     "[lo_us, count]");
    ck_assert_str_eq(read_error_after("[600, 51]", "[\"600\", 51]"),
                     "in.json: tests[7].assertions[0].latency.clientHistogram[0][0]: expected "
                     "a number");
    ck_assert_str_eq(read_error_after("[640, 48]", "[640, -48]"),
                     "in.json: tests[7].assertions[0].latency.clientHistogram[1][1]: expected a "
                     "whole number >= 0, got -48");
    ck_assert_str_eq(read_error_after("[680, 46]", "[680.5, 46]"),
                     "in.json: tests[7].assertions[0].latency.clientHistogram[2][0]: expected a "
                     "whole number >= 0, got 680.5");
    ck_assert_str_eq(read_error_after("[680, 46]", "[620, 46]"),
                     "in.json: tests[7].assertions[0].latency.clientHistogram[2]: buckets must "
                     "ascend: lo 620 after 640");
}
END_TEST

START_TEST(json_reader_refuses_trailing_text_and_non_objects)
{
    struct sc_run *r;
    struct sc_err err;
    sc_err_init(&err);
    ck_assert_int_eq(sc_report_json_parse("{} x", 4, NULL, &r, &err), SC_EINVAL);
    ck_assert_str_eq(err.msg, "<input>:1:4: not valid JSON");
    ck_assert_int_eq(sc_report_json_parse("[1]", 3, "a", &r, &err), SC_EINVAL);
    ck_assert_str_eq(err.msg, "a: expected an object");
    ck_assert_int_eq(sc_report_json_load("/nonexistent/r.json", &r, &err), SC_ENOTFOUND);
    ck_assert_str_eq(err.msg, "cannot read '/nonexistent/r.json': No such file or directory");
}
END_TEST

START_TEST(xml_escapes_markup_controls_and_broken_utf8)
{
    struct sc_buf b = SC_BUF_INIT;
    sc_buf_esc(&b, "a<b>&\"c'\n\x1b\x7f\xff\xc3(\xe2\x82\xac", SC_ESC_XML_ATTR);
    ck_assert_str_eq(b.p, "a&lt;b&gt;&amp;&quot;c&apos;&#10;\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"
                          "\xef\xbf\xbd(\xe2\x82\xac");
    sc_buf_release(&b);
    sc_buf_esc(&b, "x\ty\nz\"'", SC_ESC_XML_TEXT);
    ck_assert_str_eq(b.p, "x\ty\nz\"'");
    sc_buf_release(&b);
    /* surrogates and overlong forms are not characters */
    sc_buf_esc(&b, "\xed\xa0\x80|\xc0\xaf", SC_ESC_NONE);
    ck_assert_str_eq(b.p, "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd|\xef\xbf\xbd\xef\xbf\xbd");
    sc_buf_release(&b);
    sc_buf_esc(&b, "a|b\nc`d`", SC_ESC_MD_CELL);
    ck_assert_str_eq(b.p, "a\\|b c\\`d\\`");
    sc_buf_release(&b);
}
END_TEST

START_TEST(yaml_quotes_strings_that_would_read_as_other_types)
{
    struct sc_run *r = sc_run_new();
    r->mesh = strdup("yes");
    r->platform = strdup("1.5");
    r->harness_commit = strdup("");
    r->command_line = strdup("run --focus 'a: b'");
    char *y = sc_report_conformance_yaml(r, NULL);
    ck_assert_ptr_nonnull(strstr(y, "\nmeshProfile: \"yes\"\n"));
    ck_assert_ptr_nonnull(strstr(y, "\nplatform: \"1.5\"\n"));
    ck_assert_ptr_nonnull(strstr(y, "\n  commit: \"\"\n"));
    ck_assert_ptr_nonnull(strstr(y, "\n  version: null\n"));
    ck_assert_ptr_nonnull(strstr(y, "\nresults: []\n"));
    ck_assert_ptr_nonnull(strstr(y, "command: 'run --focus ''a: b'''\n"));
    free(y);
    sc_run_free(r);
}
END_TEST

START_TEST(cell_results_follow_the_report_vocabulary)
{
    ck_assert_str_eq(sc_report_result((struct sc_summary){3, 3, 0, 0, 0}), "success");
    ck_assert_str_eq(sc_report_result((struct sc_summary){3, 2, 0, 1, 0}), "partial");
    ck_assert_str_eq(sc_report_result((struct sc_summary){3, 2, 1, 0, 0}), "failure");
    ck_assert_str_eq(sc_report_result((struct sc_summary){3, 0, 1, 2, 0}), "failure");
    ck_assert_str_eq(sc_report_result((struct sc_summary){2, 0, 0, 2, 0}), "skipped");
    ck_assert_str_eq(sc_report_result((struct sc_summary){0, 0, 0, 0, 0}), "none");
    /* failure beats error beats partial and skipped */
    ck_assert_str_eq(sc_report_result((struct sc_summary){4, 1, 1, 1, 1}), "failure");
    ck_assert_str_eq(sc_report_result((struct sc_summary){3, 1, 0, 1, 1}), "error");
    ck_assert_str_eq(sc_report_result((struct sc_summary){2, 1, 0, 0, 1}), "error");
    ck_assert_str_eq(sc_report_result((struct sc_summary){2, 0, 0, 1, 1}), "error");
    ck_assert_str_eq(sc_report_result((struct sc_summary){1, 0, 0, 0, 1}), "error");
}
END_TEST

START_TEST(run_verdict_words_put_failure_before_error_before_nothing_ran)
{
    ck_assert_str_eq(sc_report_verdict_word((struct sc_summary){3, 1, 1, 0, 1}), "failed");
    ck_assert_str_eq(sc_report_verdict_word((struct sc_summary){3, 2, 0, 0, 1}), "errored");
    ck_assert_str_eq(sc_report_verdict_word((struct sc_summary){1, 0, 0, 0, 1}), "errored");
    ck_assert_str_eq(sc_report_verdict_word((struct sc_summary){3, 2, 0, 1, 0}), "passed");
    ck_assert_str_eq(sc_report_verdict_word((struct sc_summary){2, 0, 0, 2, 0}), "nothing ran");
    ck_assert_str_eq(sc_report_verdict_word((struct sc_summary){0, 0, 0, 0, 0}), "nothing ran");
}
END_TEST

START_TEST(versions_sort_by_kubernetes_priority)
{
    static const char *const in[] = {"v1", "v1alpha10", "v1beta1", "v1alpha2", "v2alpha1"};
    struct sc_run *r = sc_run_new();
    const char **v;
    for (size_t i = 0; i < 5; i++) {
        struct sc_case *c = sc_run_add_case(r);
        c->test = strdup("t");
        c->area = strdup(i == 2 ? "zeta" : i == 3 ? "metrics" : "access");
        c->version = strdup(in[i]);
    }
    ck_assert_uint_eq(sc_report_versions(r, NULL, &v), 5);
    ck_assert_str_eq(v[0], "v1alpha2");
    ck_assert_str_eq(v[1], "v1alpha10");
    ck_assert_str_eq(v[2], "v1beta1");
    ck_assert_str_eq(v[3], "v1");
    ck_assert_str_eq(v[4], "v2alpha1");
    free(v);
    ck_assert_uint_eq(sc_report_areas(r, &v), 3);
    ck_assert_str_eq(v[0], "access");
    ck_assert_str_eq(v[1], "metrics");
    ck_assert_str_eq(v[2], "zeta");
    free(v);
    sc_run_free(r);
}
END_TEST

START_TEST(rfc3339_times_parse_with_offsets_and_fractions)
{
    uint64_t ms;
    char buf[40];
    ck_assert_int_eq(sc_report_time_parse("2025-11-25T17:41:00.123Z", &ms), 0);
    ck_assert_uint_eq(ms, 1764092460123ull);
    ck_assert_str_eq(sc_report_time(ms, buf, sizeof(buf)), "2025-11-25T17:41:00.123Z");
    ck_assert_int_eq(sc_report_time_parse("2025-11-25T18:41:00.1234+01:00", &ms), 0);
    ck_assert_uint_eq(ms, 1764092460123ull);
    ck_assert_int_eq(sc_report_time_parse("2025-11-25T17:41:00Z", &ms), 0);
    ck_assert_uint_eq(ms, 1764092460000ull);
    ck_assert_int_eq(sc_report_time_parse("2025-11-25T17:41:00", &ms), -1);
    ck_assert_int_eq(sc_report_time_parse("2025-13-25T17:41:00Z", &ms), -1);
    ck_assert_int_eq(sc_report_time_parse("2025-11-25T17:41:00.Z", &ms), -1);
    ck_assert_int_eq(sc_report_time_parse("2025-11-25T17:41:00Zjunk", &ms), -1);
}
END_TEST

START_TEST(first_line_does_not_cut_a_character)
{
    char buf[6];
    ck_assert_str_eq(sc_report_first_line("ab\xe2\x82\xac\xe2\x82\xac", buf, sizeof(buf)),
                     "ab\xe2\x82\xac");
    ck_assert_str_eq(sc_report_first_line("one\ntwo", buf, sizeof(buf)), "one");
    ck_assert_str_eq(sc_report_first_line(NULL, buf, sizeof(buf)), "");
}
END_TEST

START_TEST(extended_features_are_supported_only_when_every_case_passed)
{
    struct sc_run *r = sc_run_new();
    static const struct {
        const char *feature;
        enum sc_verdict v;
    } cases[] = {{"udp", SC_PASSED},
                 {"udp", SC_PASSED},
                 {"matches", SC_PASSED},
                 {"matches", SC_FAILED},
                 {"core", SC_FAILED}};
    const char **sup, **uns;
    size_t nsup, nuns;
    for (size_t i = 0; i < 5; i++) {
        struct sc_case *c = sc_run_add_case(r);
        c->test = strdup("t");
        c->area = strdup("split");
        c->version = strdup("v1alpha4");
        c->features = calloc(1, sizeof(char *));
        c->features[0] = strdup(cases[i].feature);
        c->nfeatures = 1;
        c->verdict = cases[i].v;
    }
    sc_report_features(r, "split", "v1alpha4", &sup, &nsup, &uns, &nuns);
    ck_assert_uint_eq(nsup, 1);
    ck_assert_str_eq(sup[0], "udp");
    ck_assert_uint_eq(nuns, 1);
    ck_assert_str_eq(uns[0], "matches");
    free(sup);
    free(uns);
    sc_run_free(r);
}
END_TEST

START_TEST(secrets_on_the_command_line_never_reach_a_report)
{
    struct sc_run *r = sc_run_new();
    r->command_line = strdup("smi-conformance run --token abc123 --keep --kube-password=hunter2 "
                             "--client-secret  s3 --focus x");
    char *cmd = sc_report_command_line(r);
    ck_assert_str_eq(cmd, "smi-conformance run --token REDACTED --keep --kube-password=REDACTED "
                          "--client-secret  REDACTED --focus x");
    free(cmd);
    char *outs[] = {sc_report_json(r), sc_report_conformance_yaml(r, NULL),
                    sc_report_markdown(r, true), sc_report_html(r)};
    for (int i = 0; i < 4; i++) {
        ck_assert_msg(strstr(outs[i], "abc123") == NULL && strstr(outs[i], "hunter2") == NULL &&
                          strstr(outs[i], "s3 ") == NULL,
                      "output %d leaks a secret", i);
        ck_assert_ptr_nonnull(strstr(outs[i], "--token REDACTED"));
        free(outs[i]);
    }
    sc_run_free(r);
}
END_TEST

START_TEST(implementation_file_errors_name_the_position)
{
    struct sc_implementation im = {0};
    struct sc_err err;
    char path[] = "/tmp/sc-impl-XXXXXX";
    int fd = mkstemp(path);
    FILE *f = fdopen(fd, "w");
    fputs("organization: ACME\ncontact: me@example.org\nproject: [x]\n", f);
    fclose(f);
    sc_err_init(&err);
    ck_assert_int_eq(sc_implementation_load(path, &im, &err), SC_EINVAL);
    ck_assert_ptr_nonnull(strstr(err.msg, ":3:10: project: expected a string"));
    ck_assert_str_eq(im.organization, "ACME");
    ck_assert_uint_eq(im.ncontact, 1);
    sc_implementation_release(&im);
    f = fopen(path, "w");
    fputs("implementation:\n  orgnization: ACME\n", f);
    fclose(f);
    ck_assert_int_eq(sc_implementation_load(path, &im, &err), SC_EINVAL);
    ck_assert_ptr_nonnull(strstr(err.msg, ":2:3: orgnization: unknown field"));
    sc_implementation_release(&im);
    unlink(path);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("reporters");
    TCase *tc = tcase_create("reporters");

    tcase_add_test(tc, mixed_run_renders_as_the_golden_files);
    tcase_add_test(tc, run_with_errors_renders_as_the_golden_files);
    tcase_add_test(tc, errors_reruns_and_spec_statements_read_back_from_json);
    tcase_add_test(tc, old_results_without_the_new_fields_load_as_run_once_and_never_errored);
    tcase_add_test(tc, json_reader_names_a_bad_error_runs_or_spec_field);
    tcase_add_test(tc, passing_kube_run_renders_as_the_golden_files);
    tcase_add_test(tc, written_json_reads_back_to_the_same_run);
    tcase_add_test(tc, json_reader_names_the_bad_field);
    tcase_add_test(tc, json_reader_names_the_bad_client_histogram_bucket);
    tcase_add_test(tc, json_reader_refuses_trailing_text_and_non_objects);
    tcase_add_test(tc, xml_escapes_markup_controls_and_broken_utf8);
    tcase_add_test(tc, yaml_quotes_strings_that_would_read_as_other_types);
    tcase_add_test(tc, cell_results_follow_the_report_vocabulary);
    tcase_add_test(tc, run_verdict_words_put_failure_before_error_before_nothing_ran);
    tcase_add_test(tc, versions_sort_by_kubernetes_priority);
    tcase_add_test(tc, rfc3339_times_parse_with_offsets_and_fractions);
    tcase_add_test(tc, first_line_does_not_cut_a_character);
    tcase_add_test(tc, extended_features_are_supported_only_when_every_case_passed);
    tcase_add_test(tc, secrets_on_the_command_line_never_reach_a_report);
    tcase_add_test(tc, implementation_file_errors_name_the_position);
    suite_add_tcase(s, tc);
    return sc_check_run(s);
}
