/* test_cli_report.c - `smi-conformance report` and `validate` as a user runs them: exit codes,
 * files written, messages with file:line:column and field path. */
#include <check.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/file.h"
#include "reporters/buf.h"

#include "base/file.h"
#include "base/tests/check_main.h"

static char tmpdir[256];
static char out_text[1 << 16], err_text[1 << 16];

static void setup(void)
{
    snprintf(tmpdir, sizeof(tmpdir), "/tmp/sc-cli-report-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

static void teardown(void)
{
    char cmd[300];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
    if (system(cmd) != 0)
        fprintf(stderr, "cannot remove %s\n", tmpdir);
}

static const char *dir(void)
{
    const char *d = getenv("SC_REPORTERS_DIR");
    ck_assert_msg(d != NULL, "SC_REPORTERS_DIR is not set (run through ctest)");
    return d;
}

/* What a file holds, cut to cap - 1 bytes; "" when it cannot be read. */
static void read_into(const char *path, char *buf, size_t cap)
{
    char *text = NULL;
    buf[0] = '\0';
    if (sc_file_read(path, SC_REPORT_MAX_INPUT, &text, NULL, NULL) == 0)
        snprintf(buf, cap, "%s", text);
    free(text);
}

/* Run smi-conformance with the given arguments (NULL-terminated); out_text and err_text hold
 * what it printed. Returns its exit code. */
static int run(const char *arg, ...)
{
    const char *bin = getenv("SC_BIN");
    const char *argv[64];
    char out[300], err[300];
    int n = 0, status;
    va_list ap;
    pid_t pid;

    ck_assert_msg(bin != NULL, "SC_BIN is not set (run through ctest)");
    argv[n++] = bin;
    va_start(ap, arg);
    for (const char *a = arg; a != NULL && n < 63; a = va_arg(ap, const char *))
        argv[n++] = a;
    va_end(ap);
    argv[n] = NULL;
    snprintf(out, sizeof(out), "%s/stdout", tmpdir);
    snprintf(err, sizeof(err), "%s/stderr", tmpdir);
    pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        int o = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        int e = open(err, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        int in = open("/dev/null", O_RDONLY);
        if (o < 0 || e < 0 || in < 0)
            _exit(127);
        dup2(o, 1);
        dup2(e, 2);
        dup2(in, 0);
        execv(bin, (char *const *)argv);
        _exit(127);
    }
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    read_into(out, out_text, sizeof(out_text));
    read_into(err, err_text, sizeof(err_text));
    ck_assert_msg(WIFEXITED(status), "smi-conformance died (signal %d)", WTERMSIG(status));
    return WEXITSTATUS(status);
}

static char *path_in(const char *base, const char *rel)
{
    static char p[8][600];
    static int i;
    i = (i + 1) % 8;
    snprintf(p[i], sizeof(p[i]), "%s/%s", base, rel);
    return p[i];
}

static char *file_text(const char *path)
{
    char *text;
    size_t len;
    struct sc_err err;
    sc_err_init(&err);
    ck_assert_msg(sc_file_read(path, SC_REPORT_MAX_INPUT, &text, &len, &err) == 0, "%s", err.msg);
    return text;
}

START_TEST(report_writes_every_output_and_prints_the_table)
{
    char in[600];
    snprintf(in, sizeof(in), "%s/tests/data/mixed.json", dir());
    ck_assert_int_eq(run("report", "--junit", path_in(tmpdir, "j.xml"), "--yaml",
                         path_in(tmpdir, "r.yaml"), "--html", path_in(tmpdir, "r.html"),
                         "--markdown", path_in(tmpdir, "r.md"), "--json", path_in(tmpdir, "r.json"),
                         in, NULL),
                     0);
    ck_assert_ptr_nonnull(strstr(out_text, "FAILED: 4 passed, 3 failed, 2 skipped of 9\n"));
    ck_assert_str_eq(err_text, "");
    char *golden = file_text(path_in(dir(), "tests/golden/mixed.junit.xml"));
    char *got = file_text(path_in(tmpdir, "j.xml"));
    ck_assert_str_eq(got, golden);
    free(golden);
    free(got);
    /* mixed.json predates errors and re-runs: written again it gains their fields */
    golden = file_text(path_in(dir(), "tests/golden/mixed.json"));
    got = file_text(path_in(tmpdir, "r.json"));
    ck_assert_str_eq(got, golden);
    free(golden);
    free(got);
    got = file_text(path_in(tmpdir, "r.html"));
    ck_assert(strncmp(got, "<!DOCTYPE html>", 15) == 0);
    free(got);
    got = file_text(path_in(tmpdir, "r.yaml"));
    ck_assert_ptr_nonnull(strstr(got, "kind: ConformanceReport\n"));
    free(got);
}
END_TEST

START_TEST(report_summary_counts_errors_apart_from_failures)
{
    char in[600];
    snprintf(in, sizeof(in), "%s/tests/data/with-errors.json", dir());
    ck_assert_int_eq(run("report", "--junit", path_in(tmpdir, "j.xml"), in, NULL), 0);
    ck_assert_ptr_nonnull(strstr(out_text,
                                 "  area       version     passed  failed  errors  skipped"
                                 "  total  result\n"));
    ck_assert_ptr_nonnull(strstr(out_text,
                                 "  access     v1alpha3         1       0       1        0"
                                 "      2  error\n"));
    ck_assert_ptr_nonnull(strstr(out_text, "\nerrors (2): "));
    ck_assert_ptr_nonnull(strstr(out_text, "\nre-run after an error (2):\n"));
    ck_assert_ptr_nonnull(
        strstr(out_text, "FAILED: 2 passed, 1 failed, 2 errored, 0 skipped of 5\n"));
    ck_assert_str_eq(err_text, "");
    char *golden = file_text(path_in(dir(), "tests/golden/with-errors.junit.xml"));
    char *got = file_text(path_in(tmpdir, "j.xml"));
    ck_assert_str_eq(got, golden);
    free(golden);
    free(got);
}
END_TEST

START_TEST(report_to_standard_output_moves_the_table_to_stderr)
{
    ck_assert_int_eq(run("report", "--junit", "-", path_in(dir(), "tests/data/passing.json"), NULL),
                     0);
    ck_assert(strncmp(out_text, "<?xml", 5) == 0);
    ck_assert_ptr_nonnull(strstr(err_text, "PASSED: 2 passed"));
}
END_TEST

START_TEST(report_reads_standard_input)
{
    char *bin = getenv("SC_BIN"), cmd[2000];
    ck_assert_ptr_nonnull(bin);
    snprintf(cmd, sizeof(cmd), "'%s' report -q --markdown '%s' - < '%s'", bin,
             path_in(tmpdir, "m.md"), path_in(dir(), "tests/data/passing.json"));
    ck_assert_int_eq(system(cmd), 0);
    char *md = file_text(path_in(tmpdir, "m.md"));
    ck_assert(strncmp(md, "## SMI conformance: ", 20) == 0);
    free(md);
}
END_TEST

START_TEST(report_of_a_missing_or_bad_result_exits_2_with_the_reason)
{
    ck_assert_int_eq(run("report", path_in(tmpdir, "nope.json"), NULL), 2);
    ck_assert_ptr_nonnull(strstr(err_text, "smi-conformance: error: cannot read results: cannot "
                                           "read '"));
    ck_assert_ptr_nonnull(strstr(err_text, "nope.json': No such file or directory\n"));

    FILE *f = fopen(path_in(tmpdir, "bad.json"), "w");
    fputs("{\"schemaVersion\": \"smi-conformance/results/v1\", \"tests\": [{\"name\": 1}]}", f);
    fclose(f);
    ck_assert_int_eq(
        run("report", "--html", path_in(tmpdir, "x.html"), path_in(tmpdir, "bad.json"), NULL), 2);
    ck_assert_ptr_nonnull(strstr(err_text, "bad.json: tests[0].name: expected a string\n"));
    ck_assert_int_eq(access(path_in(tmpdir, "x.html"), F_OK), -1);

    ck_assert_int_eq(run("report", "--yaml", path_in(tmpdir, "no/such/dir/r.yaml"),
                         path_in(dir(), "tests/data/passing.json"), NULL),
                     2);
    ck_assert_ptr_nonnull(strstr(err_text, "r.yaml': No such file or directory"));
    ck_assert_int_eq(run("report", NULL), 2);
    ck_assert_ptr_nonnull(strstr(err_text, "report needs the JSON result of a run"));
    ck_assert_int_eq(run("report", "--frobnicate", "x", NULL), 2);
    ck_assert_ptr_nonnull(strstr(err_text, "unknown option '--frobnicate'"));
}
END_TEST

/* A results file of two split cases at v1alpha4, with the verdicts given. */
static void results_file(const char *name, const char *t1, const char *t2)
{
    FILE *f = fopen(path_in(tmpdir, name), "w");
    ck_assert_ptr_nonnull(f);
    fprintf(f,
            "{\"schemaVersion\":\"smi-conformance/results/v1\",\"mesh\":\"acme\",\"tests\":["
            "{\"name\":\"t1\",\"area\":\"split\",\"version\":\"v1alpha4\",\"result\":\"%s\","
            "\"message\":\"web-v1 got 0.9\",\"assertions\":[]},"
            "{\"name\":\"t2\",\"area\":\"split\",\"version\":\"v1alpha4\",\"result\":\"%s\","
            "\"message\":\"web-v2 got 0.1\",\"assertions\":[]}]}\n",
            t1, t2);
    fclose(f);
}

START_TEST(report_compare_prints_the_changes_first_and_writes_the_page)
{
    results_file("a.json", "passed", "failed");
    results_file("b.json", "failed", "passed");
    ck_assert_int_eq(run("report", path_in(tmpdir, "a.json"), "--compare",
                         path_in(tmpdir, "b.json"), "--html", path_in(tmpdir, "c.html"), NULL),
                     1); /* a case that passed in A fails in B: a CI gate stops here */
    ck_assert_str_eq(err_text, "");
    ck_assert_ptr_nonnull(strstr(out_text, "  1 pass->fail, 0 changed, 1 fail->pass, 0 new, 0 "
                                           "removed, 0 unchanged\n"));
    const char *broken = strstr(out_text, "pass->fail (1):\n  split/t1 [v1alpha4]: passed -> "
                                          "failed: web-v1 got 0.9\n");
    const char *fixed = strstr(out_text, "fail->pass (1):\n  split/t2 [v1alpha4]: failed -> "
                                         "passed\n");
    ck_assert(broken != NULL && fixed != NULL && broken < fixed);
    char *page = file_text(path_in(tmpdir, "c.html"));
    ck_assert_ptr_nonnull(strstr(page, "<h2 id=\"changes\">Changes (2)</h2>"));
    ck_assert_ptr_nonnull(strstr(page, "<title>SMI conformance: comparison, 1 pass-&gt;fail"));
    free(page);

    /* fixed only (B passes what A failed): no regression, exit 0 */
    results_file("d.json", "passed", "passed");
    ck_assert_int_eq(run("report", path_in(tmpdir, "a.json"), "--compare",
                         path_in(tmpdir, "d.json"), "-q", NULL),
                     0);
    /* the same run twice: nothing changed; the page to standard output moves the text */
    ck_assert_int_eq(run("report", path_in(tmpdir, "a.json"), "--compare",
                         path_in(tmpdir, "a.json"), "--html", "-", NULL),
                     0);
    ck_assert(strncmp(out_text, "<!DOCTYPE html>", 15) == 0);
    ck_assert_ptr_nonnull(strstr(err_text, "0 pass->fail, 0 changed, 0 fail->pass, 0 new, 0 "
                                           "removed, 2 unchanged\n\nNo outcome changed.\n"));
}
END_TEST

START_TEST(report_compare_names_the_file_it_cannot_use_and_exits_2)
{
    results_file("a.json", "passed", "failed");
    ck_assert_int_eq(run("report", path_in(tmpdir, "a.json"), "--compare",
                         path_in(tmpdir, "missing.json"), NULL),
                     2);
    ck_assert_ptr_nonnull(strstr(err_text, "smi-conformance: error: cannot read results B: "
                                           "cannot read '"));
    ck_assert_ptr_nonnull(strstr(err_text, "missing.json': No such file or directory\n"));
    ck_assert_int_eq(run("report", path_in(tmpdir, "missing.json"), "--compare",
                         path_in(tmpdir, "a.json"), NULL),
                     2);
    ck_assert_ptr_nonnull(strstr(err_text, "cannot read results A: cannot read '"));
    /* another suite's result: nothing in common */
    ck_assert_int_eq(run("report", path_in(tmpdir, "a.json"), "--compare",
                         path_in(dir(), "tests/data/mixed.json"), "--html",
                         path_in(tmpdir, "c.html"), NULL),
                     2);
    ck_assert_ptr_nonnull(strstr(err_text, "a.json' and '"));
    ck_assert_ptr_nonnull(strstr(err_text, "mixed.json' have no test case in common"));
    ck_assert_int_eq(access(path_in(tmpdir, "c.html"), F_OK), -1);
    /* a broken file */
    FILE *f = fopen(path_in(tmpdir, "bad.json"), "w");
    fputs("{\"schemaVersion\": \"smi-conformance/results/v1\", \"tests\": 3}", f);
    fclose(f);
    ck_assert_int_eq(
        run("report", path_in(tmpdir, "a.json"), "--compare", path_in(tmpdir, "bad.json"), NULL),
        2);
    ck_assert_ptr_nonnull(strstr(err_text, "bad.json: tests: "));
    /* the other outputs are one run's: refused with --compare */
    ck_assert_int_eq(run("report", path_in(tmpdir, "a.json"), "--compare",
                         path_in(tmpdir, "a.json"), "--junit", path_in(tmpdir, "j.xml"), NULL),
                     2);
    ck_assert_ptr_nonnull(strstr(err_text, "--compare writes the comparison"));
}
END_TEST

START_TEST(submission_folder_holds_everything_a_listing_asks_for)
{
    static const char *const files[] = {"README.md",   "conformance-report.yaml",
                                        "junit.xml",   "results.json",
                                        "report.html", "run.log"};
    char in[600];
    snprintf(in, sizeof(in), "%s/tests/data/mixed.json", dir());
    char sub[400];
    FILE *f = fopen(path_in(tmpdir, "impl.yaml"), "w");
    fputs("organization: ACME\nproject: acme-mesh\ncontact: [a@example.org]\n", f);
    fclose(f);
    snprintf(sub, sizeof(sub), "%s/out/sub", tmpdir);
    ck_assert_int_eq(run("report", "-q", "--implementation", path_in(tmpdir, "impl.yaml"),
                         "--version", "2.0", "--submission", sub, in, NULL),
                     0);
    for (size_t i = 0; i < 6; i++) {
        struct stat st;
        ck_assert_msg(stat(path_in(sub, files[i]), &st) == 0 && st.st_size > 0, "%s missing",
                      files[i]);
    }
    char *a = file_text(in), *b = file_text(path_in(sub, "results.json"));
    ck_assert_str_eq(a, b);
    free(a);
    free(b);
    a = file_text(path_in(sub, "README.md"));
    ck_assert_ptr_nonnull(strstr(a, "Implementation: acme-mesh 2.0 by ACME\n"));
    ck_assert_ptr_nonnull(strstr(a, "## Reproduce\n"));
    ck_assert_ptr_nonnull(strstr(a, "smi-conformance run --platform local --violate "
                                    "split-ignore-weights --json reports/results.json\n"));
    free(a);
    a = file_text(path_in(sub, "conformance-report.yaml"));
    ck_assert_ptr_nonnull(strstr(a, "  organization: ACME\n  project: acme-mesh\n  url: \"\"\n"
                                    "  version: \"2.0\"\n  contact:\n  - a@example.org\n"));
    free(a);
    a = file_text(path_in(sub, "run.log"));
    ck_assert_ptr_nonnull(strstr(a, "=== split/split-three-backends [v1alpha4]: failed in "
                                    "4.125 s, started 2025-11-25T17:41:09.000Z\n"));
    ck_assert_ptr_nonnull(strstr(a, "--- diagnostics\nrefmesh: violation split-ignore-weights"));
    free(a);

    /* a real run log is copied instead */
    f = fopen(path_in(tmpdir, "run.log"), "w");
    fputs("the real log\n", f);
    fclose(f);
    ck_assert_int_eq(
        run("report", "-q", "--log", path_in(tmpdir, "run.log"), "--submission", sub, in, NULL), 0);
    a = file_text(path_in(sub, "run.log"));
    ck_assert_str_eq(a, "the real log\n");
    free(a);
}
END_TEST

START_TEST(validate_accepts_valid_manifests_of_every_version)
{
    const char *v = "tests/manifests/valid/";
    char p[7][600];
    static const char *const names[] = {"access-v1alpha1.yaml", "access-v1alpha2.yaml",
                                        "access-v1alpha3.yaml", "specs-v1alpha4.yaml",
                                        "split-v1alpha1.yaml",  "split-v1alpha4.json"};
    for (int i = 0; i < 6; i++)
        snprintf(p[i], sizeof(p[i]), "%s/%s%s", dir(), v, names[i]);
    ck_assert_int_eq(run("validate", "-v", p[0], p[1], p[2], p[3], p[4], p[5], NULL), 0);
    ck_assert_str_eq(err_text, "");
    ck_assert_ptr_nonnull(strstr(out_text, "6 files: 17 valid objects, 0 invalid\n"));
    ck_assert_ptr_nonnull(strstr(out_text, "access-v1alpha1.yaml:2:1: TrafficTarget "
                                           "shop/web-target (v1alpha1) is valid\n"));
    ck_assert_ptr_nonnull(strstr(out_text, "specs-v1alpha4.yaml:21:1: UDPRoute default/dns "
                                           "(v1alpha4) is valid\n"));
}
END_TEST

START_TEST(validate_reports_each_broken_document_with_position_and_path)
{
    static const struct {
        const char *file, *want;
    } cases[] = {
        {"access-v1alpha1.yaml", "access-v1alpha1.yaml:5:1: spec: unknown field\n"},
        {"access-v1alpha2.yaml", "access-v1alpha2.yaml:13:11: spec.rules[0].kind: must be one "
                                 "of HTTPRouteGroup, TCPRoute, got 'UDPRoute'\n"},
        {"access-v1alpha3.yaml", "access-v1alpha3.yaml:9:5: spec.destination.port: unknown "
                                 "field\n"},
        {"specs-v1alpha1.yaml", "specs-v1alpha1.yaml:7:3: matches[0].headers: unknown field\n"},
        {"specs-v1alpha2.yaml", "specs-v1alpha2.yaml:7:18: matches[0].methods[1]: unknown "
                                "method 'FETCH'"},
        {"specs-v1alpha3.yaml", "specs-v1alpha3.yaml:6:3: spec.matches: unknown field\n"},
        {"specs-v1alpha4.yaml", "specs-v1alpha4.yaml:8:13: spec.matches.ports[0]: port must be "
                                "in 1..65535, got 70000\n"},
        {"specs-v1alpha4.yaml", "specs-v1alpha4.yaml:10:13: apiVersion: UDPRoute has no version "
                                "'v1alpha3'\n"},
        {"split-v1alpha1.yaml", "split-v1alpha1.yaml:9:13: spec.backends[0].weight: '-1' is not "
                                "a non-negative quantity\n"},
        {"split-v1alpha2.yaml", "split-v1alpha2.yaml:9:13: spec.backends[0].weight: expected "
                                "integer, got string\n"},
        {"split-v1alpha3.yaml", "split-v1alpha3.yaml:8:11: spec.matches[0].kind: must be one of "
                                "HTTPRouteGroup, got 'TCPRoute'\n"},
        {"split-v1alpha4.yaml", "split-v1alpha4.yaml:4:9: metadata.name: 'Web' is not a valid "
                                "name (lowercase RFC 1123)\n"},
        {"syntax.yaml", "syntax.yaml:5:"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char p[600];
        snprintf(p, sizeof(p), "%s/tests/manifests/broken/%s", dir(), cases[i].file);
        ck_assert_msg(run("validate", p, NULL) == 1, "%s: exit code", cases[i].file);
        ck_assert_msg(strstr(err_text, cases[i].want) != NULL, "%s: want '%s' in '%s'",
                      cases[i].file, cases[i].want, err_text);
        ck_assert_msg(strncmp(err_text, dir(), strlen(dir())) == 0, "%s: message '%s'",
                      cases[i].file, err_text);
    }
    /* every broken document of a file is reported, the valid one counted */
    char p[600];
    snprintf(p, sizeof(p), "%s/tests/manifests/broken/specs-v1alpha4.yaml", dir());
    ck_assert_int_eq(run("validate", p, NULL), 1);
    ck_assert_ptr_nonnull(strstr(out_text, "1 file: 1 valid object, 2 invalid\n"));
}
END_TEST

START_TEST(validate_exits_2_for_an_unreadable_file_even_beside_invalid_ones)
{
    char bad[600];
    snprintf(bad, sizeof(bad), "%s/tests/manifests/broken/syntax.yaml", dir());
    ck_assert_int_eq(run("validate", path_in(tmpdir, "missing.yaml"), bad, NULL), 2);
    ck_assert_ptr_nonnull(strstr(err_text, "smi-conformance: error: cannot read '"));
    ck_assert_ptr_nonnull(strstr(err_text, "missing.yaml': No such file or directory\n"));
    ck_assert_int_eq(run("validate", tmpdir, NULL), 2);
    ck_assert_int_eq(run("validate", NULL), 2);
}
END_TEST

START_TEST(validate_skips_other_kinds_only_when_asked)
{
    FILE *f = fopen(path_in(tmpdir, "mixed.yaml"), "w");
    fputs("apiVersion: v1\nkind: Service\nmetadata: {name: web}\n---\n"
          "apiVersion: specs.smi-spec.io/v1alpha4\nkind: TCPRoute\nmetadata: {name: tcp}\n",
          f);
    fclose(f);
    ck_assert_int_eq(run("validate", path_in(tmpdir, "mixed.yaml"), NULL), 1);
    ck_assert_ptr_nonnull(strstr(err_text, "mixed.yaml:1:13: apiVersion: unknown API group"));
    ck_assert_int_eq(run("validate", "--ignore-other", path_in(tmpdir, "mixed.yaml"), NULL), 0);
    ck_assert_ptr_nonnull(strstr(out_text, "1 file: 1 valid object, 0 invalid\n"));
    f = fopen(path_in(tmpdir, "empty.yaml"), "w");
    fputs("# nothing here\n", f);
    fclose(f);
    ck_assert_int_eq(run("validate", path_in(tmpdir, "empty.yaml"), NULL), 1);
    ck_assert_ptr_nonnull(strstr(err_text, "empty.yaml: no SMI objects\n"));
}
END_TEST

int main(void)
{
    Suite *s = suite_create("cli_report");
    TCase *tc = tcase_create("cli_report");

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, report_writes_every_output_and_prints_the_table);
    tcase_add_test(tc, report_summary_counts_errors_apart_from_failures);
    tcase_add_test(tc, report_to_standard_output_moves_the_table_to_stderr);
    tcase_add_test(tc, report_reads_standard_input);
    tcase_add_test(tc, report_of_a_missing_or_bad_result_exits_2_with_the_reason);
    tcase_add_test(tc, report_compare_prints_the_changes_first_and_writes_the_page);
    tcase_add_test(tc, report_compare_names_the_file_it_cannot_use_and_exits_2);
    tcase_add_test(tc, submission_folder_holds_everything_a_listing_asks_for);
    tcase_add_test(tc, validate_accepts_valid_manifests_of_every_version);
    tcase_add_test(tc, validate_reports_each_broken_document_with_position_and_path);
    tcase_add_test(tc, validate_exits_2_for_an_unreadable_file_even_beside_invalid_ones);
    tcase_add_test(tc, validate_skips_other_kinds_only_when_asked);
    suite_add_tcase(s, tc);
    return sc_check_run(s);
}
