/* test_results_schema.c - results.schema.json against what the harness writes: the samples, real
 * local runs (passed, skipped, failed, interrupted with errors), mutated copies refused at the
 * right JSON path, and `validate --results` as a user runs it. */
#include <cjson/cJSON.h>
#include <check.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base/file.h"
#include "reporters/buf.h"
#include "reporters/json.h"
#include "reporters/results_schema.h"

#include "base/tests/check_main.h"

static char tmpdir[256];
static char out_text[1 << 16], err_text[1 << 16];
static char seen[1 << 14]; /* every violation of the last check, "PATH: MSG" per line */

static void setup(void)
{
    snprintf(tmpdir, sizeof(tmpdir), "/tmp/sc-results-schema-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

static void teardown(void)
{
    char cmd[300];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
    if (system(cmd) != 0)
        fprintf(stderr, "cannot remove %s\n", tmpdir);
}

static const char *env(const char *name)
{
    const char *v = getenv(name);
    ck_assert_msg(v != NULL, "%s is not set (run through ctest)", name);
    return v;
}

static char *path_in(const char *base, const char *rel)
{
    static char p[8][600];
    static int i;
    char joined[600]; /* base may be an earlier result: join apart, then copy */
    snprintf(joined, sizeof(joined), "%s/%s", base, rel);
    i = (i + 1) % 8;
    memcpy(p[i], joined, sizeof(joined));
    return p[i];
}

/* Not inlined: GCC 12 at -O2 then takes pointers into the returned text for pointers to this
 * local (-Wdangling-pointer false positive). */
__attribute__((noinline)) static char *file_text(const char *path)
{
    char *text = NULL;
    struct sc_err err;
    sc_err_init(&err);
    ck_assert_msg(sc_file_read(path, SC_REPORT_MAX_INPUT, &text, NULL, &err) == 0, "%s", err.msg);
    return text;
}

static void put_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    ck_assert_int_ge(fputs(text, f), 0);
    ck_assert_int_eq(fclose(f), 0);
}

static void collect(void *arg, const char *path, const char *msg)
{
    size_t at = strlen(seen);
    (void)arg;
    snprintf(seen + at, sizeof(seen) - at, "%s: %s\n", path ? path : "(reader)", msg);
}

/* Violations of results text; `seen` lists them. Fails the test when the text is not JSON. */
static size_t violations_of(const char *text, const char *name)
{
    struct sc_err err;
    size_t n;
    seen[0] = '\0';
    sc_err_init(&err);
    ck_assert_msg(sc_results_check(text, strlen(text), name, collect, NULL, &n, &err) == 0, "%s",
                  err.msg);
    return n;
}

static void assert_file_valid(const char *path)
{
    char *text = file_text(path);
    ck_assert_msg(violations_of(text, path) == 0, "%s:\n%s", path, seen);
    free(text);
}

/* Start smi-conformance with the arguments (NULL-terminated), its output in tmpdir. */
static pid_t start(const char *arg, ...)
{
    const char *argv[64];
    int n = 0;
    va_list ap;
    pid_t pid;

    argv[n++] = env("SC_BIN");
    va_start(ap, arg);
    for (const char *a = arg; a != NULL && n < 63; a = va_arg(ap, const char *))
        argv[n++] = a;
    va_end(ap);
    argv[n] = NULL;
    pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        int o = open(path_in(tmpdir, "stdout"), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        int e = open(path_in(tmpdir, "stderr"), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        int in = open("/dev/null", O_RDONLY);
        if (o < 0 || e < 0 || in < 0)
            _exit(127);
        dup2(o, 1);
        dup2(e, 2);
        dup2(in, 0);
        execv(argv[0], (char *const *)argv);
        _exit(127);
    }
    return pid;
}

/* Wait at most 90 s for pid; returns its exit code (what it printed in out_text/err_text). */
static int finish(pid_t pid)
{
    int status = 0;
    char *t;
    for (int i = 0; i < 900; i++) {
        pid_t w = waitpid(pid, &status, WNOHANG);
        ck_assert_int_ge(w, 0);
        if (w == pid)
            break;
        ck_assert_msg(i < 899, "smi-conformance still running after 90 s");
        nanosleep(&(struct timespec){.tv_nsec = 100000000}, NULL);
    }
    out_text[0] = err_text[0] = '\0';
    if (sc_file_read(path_in(tmpdir, "stdout"), SC_REPORT_MAX_INPUT, &t, NULL, NULL) == 0) {
        snprintf(out_text, sizeof(out_text), "%s", t);
        free(t);
    }
    if (sc_file_read(path_in(tmpdir, "stderr"), SC_REPORT_MAX_INPUT, &t, NULL, NULL) == 0) {
        snprintf(err_text, sizeof(err_text), "%s", t);
        free(t);
    }
    ck_assert_msg(WIFEXITED(status), "smi-conformance died (signal %d)", WTERMSIG(status));
    return WEXITSTATUS(status);
}

/* How many tests of a results file have `result`. */
static int count_results(const char *path, const char *result)
{
    char *text = file_text(path);
    cJSON *root = cJSON_Parse(text), *t;
    int n = 0;
    ck_assert_ptr_nonnull(root);
    cJSON_ArrayForEach(t, cJSON_GetObjectItem(root, "tests"))
    {
        n += strcmp(cJSON_GetObjectItem(t, "result")->valuestring, result) == 0;
    }
    cJSON_Delete(root);
    free(text);
    return n;
}

/* ---- the schema itself ---- */

START_TEST(the_built_in_schema_is_the_published_file)
{
    size_t len;
    const char *built = sc_results_schema_text(&len);
    char *file = file_text(path_in(env("SC_REPORTERS_DIR"), "results.schema.json"));
    ck_assert_uint_eq(len, strlen(file));
    ck_assert_str_eq(built, file);
    free(file);
}
END_TEST

START_TEST(the_schema_version_is_the_one_the_writer_stamps)
{
    cJSON *s = cJSON_Parse(sc_results_schema_text(NULL));
    const cJSON *sv = cJSON_GetObjectItem(cJSON_GetObjectItem(s, "properties"), "schemaVersion");
    ck_assert_str_eq(cJSON_GetObjectItem(sv, "const")->valuestring, SC_REPORT_JSON_SCHEMA);
    cJSON_Delete(s);
}
END_TEST

/* ---- what the harness writes validates ---- */

START_TEST(every_sample_and_golden_result_validates)
{
    static const char *const files[] = {"data/mixed.json", "data/passing.json",
                                        "data/with-errors.json", "golden/mixed.json",
                                        "golden/with-errors.json"};
    const char *tests = path_in(env("SC_REPORTERS_DIR"), "tests");
    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++)
        assert_file_valid(path_in(tests, files[i]));
}
END_TEST

START_TEST(the_writer_output_of_every_sample_validates)
{
    static const char *const files[] = {"mixed.json", "passing.json", "with-errors.json"};
    const char *data = path_in(env("SC_REPORTERS_DIR"), "tests/data");
    for (size_t i = 0; i < 3; i++) {
        struct sc_run *r;
        struct sc_err err;
        char *text;
        sc_err_init(&err);
        ck_assert_msg(sc_report_json_load(path_in(data, files[i]), &r, &err) == 0, "%s", err.msg);
        text = sc_report_json(r);
        ck_assert_msg(violations_of(text, files[i]) == 0, "%s:\n%s", files[i], seen);
        free(text);
        sc_run_free(r);
    }
}
END_TEST

START_TEST(a_short_local_run_with_passes_and_a_skip_validates)
{
    const char *rep = path_in(tmpdir, "r");
    pid_t pid =
        start("run", "--suites", path_in(env("SC_SOURCE_DIR"), "suites"), "-q", "--parallel", "2",
              "--focus", "access-destination-port|split-uneven-20-80|metrics-latency-percentiles",
              "--report-dir", rep, NULL);
    ck_assert_msg(finish(pid) == 0, "%s", err_text);
    const char *results = path_in(rep, "results.json");
    ck_assert_int_eq(count_results(results, "passed"), 8);
    ck_assert_int_eq(count_results(results, "skipped"), 1);
    assert_file_valid(results);
}
END_TEST

START_TEST(a_run_that_catches_a_violation_validates)
{
    const char *rep = path_in(tmpdir, "r");
    pid_t pid = start("run", "--suites", path_in(env("SC_SOURCE_DIR"), "suites"), "-q",
                      "--parallel", "2", "--violate", "split-uniform", "--timeout", "3s", "--focus",
                      "split-uneven-20-80", "--report-dir", rep, NULL);
    ck_assert_msg(finish(pid) == 1, "%s", err_text);
    const char *results = path_in(rep, "results.json");
    ck_assert_int_ge(count_results(results, "failed"), 1);
    assert_file_valid(results);
}
END_TEST

START_TEST(an_interrupted_run_with_errored_and_skipped_cases_validates)
{
    const char *rep = path_in(tmpdir, "r");
    pid_t pid =
        start("run", "--suites", path_in(env("SC_SOURCE_DIR"), "suites"), "-q", "--parallel", "2",
              "--area", "access", "--area", "split", "--report-dir", rep, NULL);
    /* cases run from about 0.2 s on and the two areas take over 20 s on 2 cores: the signal
     * lands while cases run (they end as errors) and before others started (skipped) */
    nanosleep(&(struct timespec){.tv_sec = 3}, NULL);
    ck_assert_int_eq(kill(pid, SIGINT), 0);
    ck_assert_msg(finish(pid) == 2, "%s", err_text);
    const char *results = path_in(rep, "results.json");
    ck_assert_int_ge(count_results(results, "skipped"), 1);
    ck_assert_int_ge(count_results(results, "error"), 1);
    assert_file_valid(results);
}
END_TEST

/* ---- mutated copies are refused at the right path ---- */

/* with-errors.json, changed by `mutate`, checked: the violations land in `seen`. */
static size_t mutated(void (*mutate)(cJSON *root))
{
    char *text = file_text(path_in(env("SC_REPORTERS_DIR"), "tests/data/with-errors.json"));
    cJSON *root = cJSON_Parse(text);
    char *out;
    size_t n;
    ck_assert_ptr_nonnull(root);
    free(text);
    mutate(root);
    out = cJSON_Print(root);
    cJSON_Delete(root);
    n = violations_of(out, "m.json");
    cJSON_free(out);
    return n;
}

static cJSON *test_at(cJSON *root, int i)
{
    return cJSON_GetArrayItem(cJSON_GetObjectItem(root, "tests"), i);
}

static void wrong_enum(cJSON *root)
{
    cJSON_ReplaceItemInObject(test_at(root, 3), "result", cJSON_CreateString("pased"));
}

static void missing_required(cJSON *root)
{
    cJSON_DeleteItemFromObject(test_at(root, 1), "name");
    cJSON_DeleteItemFromObject(root, "served");
}

static void wrong_type(cJSON *root)
{
    cJSON *s = cJSON_GetObjectItem(root, "summary");
    cJSON_ReplaceItemInObject(s, "total", cJSON_CreateString("5"));
    cJSON_ReplaceItemInObject(test_at(root, 0), "runs", cJSON_CreateNumber(1.5));
}

static void extra_property(cJSON *root)
{
    cJSON *a = cJSON_GetArrayItem(cJSON_GetObjectItem(test_at(root, 0), "assertions"), 0);
    cJSON_AddStringToObject(a, "colour", "green");
    cJSON_AddStringToObject(root, "x-vendor", "acme");
}

static void bad_formats(cJSON *root)
{
    cJSON_ReplaceItemInObject(root, "startTime", cJSON_CreateString("2025-12-02 09:15:00"));
    cJSON_ReplaceItemInObject(root, "schemaVersion",
                              cJSON_CreateString("smi-conformance/results/v2"));
    cJSON_ReplaceItemInObject(test_at(root, 0), "runs", cJSON_CreateNumber(0));
    cJSON_ReplaceItemInObject(test_at(root, 0), "area", cJSON_CreateString("traffic"));
}

static void inconsistent_summary(cJSON *root)
{
    cJSON_ReplaceItemInObject(cJSON_GetObjectItem(root, "summary"), "total", cJSON_CreateNumber(6));
}

START_TEST(a_wrong_enum_value_is_refused_at_its_path)
{
    ck_assert_uint_eq(mutated(wrong_enum), 1);
    ck_assert_str_eq(seen,
                     "/tests/3/result: \"pased\" is not one of passed, failed, skipped, error\n");
}
END_TEST

START_TEST(a_missing_required_field_is_refused_at_its_path)
{
    ck_assert_uint_eq(mutated(missing_required), 2);
    ck_assert_str_eq(seen, "/served: required property is missing\n"
                           "/tests/1/name: required property is missing\n");
}
END_TEST

START_TEST(a_wrong_type_is_refused_at_its_path)
{
    ck_assert_uint_eq(mutated(wrong_type), 2);
    ck_assert_str_eq(seen, "/summary/total: expected integer, got string \"5\"\n"
                           "/tests/0/runs: expected integer, got number 1.5\n");
}
END_TEST

START_TEST(an_extra_property_is_refused_at_its_path)
{
    ck_assert_uint_eq(mutated(extra_property), 2);
    ck_assert_str_eq(seen, "/tests/0/assertions/0/colour: unknown property (the schema allows no "
                           "others here)\n"
                           "/x-vendor: unknown property (the schema allows no others here)\n");
}
END_TEST

START_TEST(bad_times_versions_counts_and_areas_are_refused)
{
    ck_assert_uint_eq(mutated(bad_formats), 4);
    ck_assert_str_eq(seen, "/schemaVersion: expected \"smi-conformance/results/v1\", got "
                           "\"smi-conformance/results/v2\"\n"
                           "/startTime: \"2025-12-02 09:15:00\" does not match the pattern "
                           "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{3}Z$\n"
                           "/tests/0/area: \"traffic\" is not one of access, specs, split, "
                           "metrics\n"
                           "/tests/0/runs: 0 is less than the minimum 1\n");
}
END_TEST

START_TEST(a_summary_that_disagrees_with_the_tests_is_refused_by_the_reader_check)
{
    ck_assert_uint_eq(mutated(inconsistent_summary), 1);
    ck_assert_str_eq(seen, "(reader): summary.total: is 6 but the tests say 5 (truncated or "
                           "edited file?)\n");
}
END_TEST

/* ---- validate --results ---- */

START_TEST(validate_results_accepts_every_sample)
{
    const char *data = path_in(env("SC_REPORTERS_DIR"), "tests/data");
    pid_t pid = start("validate", "--results", path_in(data, "mixed.json"),
                      path_in(data, "passing.json"), path_in(data, "with-errors.json"), NULL);
    ck_assert_int_eq(finish(pid), 0);
    ck_assert_str_eq(out_text, "3 results files: 3 valid, 0 invalid (0 violations)\n");
    ck_assert_str_eq(err_text, "");
}
END_TEST

START_TEST(validate_results_lists_every_violation_with_file_and_path)
{
    const char *data = path_in(env("SC_REPORTERS_DIR"), "tests/data");
    const char *bad = path_in(tmpdir, "bad.json");
    char *text = file_text(path_in(data, "with-errors.json")), *p;
    char want[1024];
    /* two violations: the first test's result and the root's mesh */
    p = strstr(text, "\"result\": \"passed\"");
    ck_assert_ptr_nonnull(p);
    memcpy(p, "\"result\": \"PASSED\"", 18);
    p = strstr(text, "\"mesh\": \"osm\"");
    ck_assert_ptr_nonnull(p);
    memcpy(p, "\"mesh\": 12345", 13);
    put_file(bad, text);
    free(text);
    pid_t pid = start("validate", "--results", path_in(data, "mixed.json"), bad, NULL);
    ck_assert_int_eq(finish(pid), 1);
    snprintf(want, sizeof(want),
             "%s: /mesh: expected one of string, null, got integer 12345\n"
             "%s: /tests/0/result: \"PASSED\" is not one of passed, failed, skipped, error\n",
             bad, bad);
    ck_assert_str_eq(err_text, want);
    ck_assert_str_eq(out_text, "2 results files: 1 valid, 1 invalid (2 violations)\n");
}
END_TEST

START_TEST(validate_results_names_the_line_where_a_file_stops_being_json)
{
    const char *cut = path_in(tmpdir, "cut.json"), *bad = path_in(tmpdir, "bad.json");
    char want[1200];
    /* a file cut short: cJSON stops at its last byte, line 3's newline */
    put_file(cut, "{\n  \"schemaVersion\": \"smi-conformance/results/v1\",\n  \"tests\": [\n");
    /* a stray comma in the middle: the second comma */
    put_file(bad, "{\n  \"a\": 1,\n  \"b\": [1, 2,, 3]\n}\n");
    pid_t pid = start("validate", "--results", "-q", cut, bad, NULL);
    ck_assert_int_eq(finish(pid), 1);
    snprintf(want, sizeof(want), "%s:3:13: not valid JSON\n%s:3:14: not valid JSON\n", cut, bad);
    ck_assert_str_eq(err_text, want);
    ck_assert_str_eq(out_text, "");
}
END_TEST

START_TEST(validate_results_exits_2_for_an_unreadable_file)
{
    const char *data = path_in(env("SC_REPORTERS_DIR"), "tests/data");
    const char *none = path_in(tmpdir, "none.json");
    pid_t pid = start("validate", "--results", path_in(data, "mixed.json"), none, NULL);
    ck_assert_int_eq(finish(pid), 2);
    ck_assert_ptr_nonnull(strstr(err_text, "smi-conformance: error: "));
    ck_assert_ptr_nonnull(strstr(err_text, none));
}
END_TEST

START_TEST(validate_results_schema_prints_the_published_schema)
{
    char *file = file_text(path_in(env("SC_REPORTERS_DIR"), "results.schema.json"));
    pid_t pid = start("validate", "--results-schema", NULL);
    ck_assert_int_eq(finish(pid), 0);
    ck_assert_str_eq(out_text, file);
    free(file);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("results_schema");
    TCase *schema = tcase_create("schema"), *runs = tcase_create("runs");
    TCase *mut = tcase_create("mutations"), *cli = tcase_create("validate");

    tcase_add_test(schema, the_built_in_schema_is_the_published_file);
    tcase_add_test(schema, the_schema_version_is_the_one_the_writer_stamps);
    tcase_add_test(schema, every_sample_and_golden_result_validates);
    tcase_add_test(schema, the_writer_output_of_every_sample_validates);
    suite_add_tcase(s, schema);

    tcase_add_checked_fixture(runs, setup, teardown);
    tcase_set_timeout(runs, 120);
    tcase_add_test(runs, a_short_local_run_with_passes_and_a_skip_validates);
    tcase_add_test(runs, a_run_that_catches_a_violation_validates);
    tcase_add_test(runs, an_interrupted_run_with_errored_and_skipped_cases_validates);
    suite_add_tcase(s, runs);

    tcase_add_test(mut, a_wrong_enum_value_is_refused_at_its_path);
    tcase_add_test(mut, a_missing_required_field_is_refused_at_its_path);
    tcase_add_test(mut, a_wrong_type_is_refused_at_its_path);
    tcase_add_test(mut, an_extra_property_is_refused_at_its_path);
    tcase_add_test(mut, bad_times_versions_counts_and_areas_are_refused);
    tcase_add_test(mut, a_summary_that_disagrees_with_the_tests_is_refused_by_the_reader_check);
    suite_add_tcase(s, mut);

    tcase_add_checked_fixture(cli, setup, teardown);
    tcase_set_timeout(cli, 60);
    tcase_add_test(cli, validate_results_accepts_every_sample);
    tcase_add_test(cli, validate_results_lists_every_violation_with_file_and_path);
    tcase_add_test(cli, validate_results_names_the_line_where_a_file_stops_being_json);
    tcase_add_test(cli, validate_results_exits_2_for_an_unreadable_file);
    tcase_add_test(cli, validate_results_schema_prints_the_published_schema);
    suite_add_tcase(s, cli);
    return sc_check_run(s);
}
