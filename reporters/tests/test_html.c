/* test_html.c - the HTML page of a run and the comparison of two runs: reading order (matrix,
 * failures, errors, skips, tests), each test once with folded details, charts only where they
 * carry information, the page-weight budget, and the classification of changes. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reporters/buf.h"
#include "reporters/compare.h"
#include "reporters/html.h"
#include "reporters/json.h"

#include "base/tests/check_main.h"

static struct sc_run *load(const char *name)
{
    const char *d = getenv("SC_REPORTERS_DIR");
    char path[1024];
    struct sc_run *r;
    struct sc_err err;
    ck_assert_msg(d != NULL, "SC_REPORTERS_DIR is not set (run through ctest)");
    sc_err_init(&err);
    snprintf(path, sizeof(path), "%s/tests/data/%s", d, name);
    ck_assert_msg(sc_report_json_load(path, &r, &err) == 0, "%s", err.msg);
    return r;
}

static size_t occurrences(const char *h, const char *needle)
{
    size_t n = 0;
    for (const char *p = h; (p = strstr(p, needle)) != NULL; p++)
        n++;
    return n;
}

START_TEST(html_is_self_contained_and_has_the_charts_that_carry_information)
{
    struct sc_run *r = load("mixed.json");
    char *h = sc_report_html(r);
    /* a full article per failure; each of the 9 tests once */
    ck_assert_uint_eq(occurrences(h, "<article class=\"case "), 3);
    ck_assert_uint_eq(occurrences(h, "<section class=\"test "), 9);
    ck_assert_ptr_nonnull(strstr(h, "<title>SMI conformance: local failed</title>"));
    /* two split assertions: shares with intervals; metrics off by 2 with a tolerance: the
     * agreement chart; a histogram: no separate percentile bars */
    ck_assert_uint_eq(occurrences(h, "aria-label=\"observed share"), 2);
    ck_assert_uint_eq(occurrences(h, "aria-label=\"metrics agreement"), 1);
    ck_assert_uint_eq(occurrences(h, "aria-label=\"latency histogram"), 1);
    ck_assert_uint_eq(occurrences(h, "aria-label=\"latency percentiles"), 0);
    /* the failed split's zero-weight backend got 1333 requests: expected against observed */
    ck_assert_uint_eq(occurrences(h, "aria-label=\"expected against observed"), 1);
    /* "denied 20/20" is text in its row, never a chart */
    ck_assert_uint_eq(occurrences(h, "<svg"), 5);
    ck_assert_ptr_nonnull(strstr(h, "<td class=\"c passed\">\xe2\x9c\x93 denied 20/20</td>"));
    ck_assert_ptr_nonnull(strstr(h, "path &lt;restriction&gt; &amp; \"quotes\""));
    ck_assert_ptr_null(strstr(h, "src="));
    ck_assert_ptr_null(strstr(h, "href=\"http"));
    ck_assert_ptr_null(strstr(h, "\x1b"));
    free(h);
    sc_run_free(r);
}
END_TEST

START_TEST(html_shows_errors_apart_from_failures_with_spec_statements_and_reruns)
{
    struct sc_run *r = load("with-errors.json");
    char *h = sc_report_html(r);
    ck_assert_ptr_nonnull(strstr(h, "<title>SMI conformance: osm failed</title>"));
    ck_assert_ptr_nonnull(strstr(h, "<b>1</b> failed, <b>2</b> errored, "));
    ck_assert_uint_eq(occurrences(h, "<article class=\"case error\""), 2);
    ck_assert_uint_eq(occurrences(h, "<article class=\"case failed\""), 1);
    ck_assert_uint_eq(occurrences(h, "<span class=\"badge error\">error</span>"), 4);
    ck_assert_ptr_nonnull(
        strstr(h, "article.case.error,section.test.error{border-left:5px solid #8250df}"));
    ck_assert_ptr_nonnull(strstr(h, "id=\"only-errors\" data-result=\"error\""));
    /* an area's cell with a pass and an error is not a success; failure beats error */
    ck_assert_ptr_nonnull(strstr(h, "<td class=\"cell error\" data-result=\"error\" "
                                    "data-version=\"v1alpha3\">error<br>1 passed, 1 errored</td>"));
    ck_assert_ptr_nonnull(strstr(h, "<td class=\"cell failure\" data-result=\"failure\" "
                                    "data-version=\"v1alpha4\">failure<br>0 passed, 1 failed, 1 "
                                    "errored</td>"));
    /* a test's cell: its outcome, linking to the error's full account */
    ck_assert_ptr_nonnull(strstr(h, "<td class=\"error\" data-result=\"error\"><a "
                                    "href=\"#case-1\"><span class=\"o error\""));
    ck_assert_ptr_nonnull(strstr(h, "<td class=\"passed\" data-result=\"passed\"><a "
                                    "href=\"#t-0\"><span class=\"o passed\">\xe2\x9c\x93</span>"));
    ck_assert_uint_eq(occurrences(h, "<li class=\"assertion\" data-passed=\"false\" "
                                     "data-error=\"true\""),
                      2);
    /* the spec statement of a failed or errored assertion, not of a passed one */
    ck_assert_uint_eq(occurrences(h, "<blockquote class=\"spec\">SMI spec: <q>pathRegex ... "
                                     "anchored (^) to the beginning of the URI</q></blockquote>"),
                      1);
    ck_assert_ptr_nonnull(strstr(h, "<q>A TrafficTarget allows the sources it names to reach the "
                                    "destination's routes</q>"));
    ck_assert_ptr_null(strstr(h, "Access control is additive"));
    ck_assert_ptr_null(strstr(h, "in proportion to weight"));
    /* re-runs, with the first run's error escaped */
    ck_assert_uint_eq(occurrences(h, "<p class=\"rerun\">"), 2);
    ck_assert_ptr_nonnull(strstr(h, "<p class=\"rerun\">Re-run: run 2 times; the first run could "
                                    "not be judged: POST /api/v1/namespaces/t2-a1b2/pods/"
                                    "client-0:9091/proxy/plans: 500 from the API server: "
                                    "&lt;html&gt;proxy error&lt;/html&gt;</p>"));
    ck_assert_ptr_null(strstr(h, "<html>proxy"));
    free(h);
    sc_run_free(r);
}
END_TEST

/* The x1 of each `<line class="CLS"` in h, in order; returns how many. */
static size_t marker_xs(const char *h, const char *cls, double *xs, size_t max)
{
    char pat[64];
    size_t n = 0;
    snprintf(pat, sizeof(pat), "<line class=\"%s\" x1=\"", cls);
    for (const char *p = h; (p = strstr(p, pat)) != NULL && n < max; p++)
        xs[n++] = strtod(p + strlen(pat), NULL);
    return n;
}

START_TEST(html_histogram_merges_buckets_into_few_bins_and_marks_both_sides_percentiles)
{
    struct sc_run *r = sc_run_new();
    struct sc_case *c = sc_run_add_case(r);
    struct sc_assertion *a;
    uint64_t total = 0, drawn = 0;
    size_t bars = 0;
    double cx[8], mx[8];

    c->test = strdup("latency");
    c->area = strdup("metrics");
    c->version = strdup("v1alpha1");
    a = sc_case_add_assertion(c, "metrics", "latency agrees");
    a->passed = true;
    /* 3000 fine buckets from 1 us to about 1.2 s, as the load engine writes them */
    a->nclient_hist = 3000;
    a->client_hist = calloc(a->nclient_hist, sizeof(*a->client_hist));
    for (size_t i = 0; i < a->nclient_hist; i++) {
        a->client_hist[i].lo = 1 + i + (uint64_t)((double)(i * i) / 7.5);
        a->client_hist[i].count = 1 + i % 5;
        total += a->client_hist[i].count;
    }
    const double client[4] = {2000, 30000, 500000, 1200000};
    const double mesh[4] = {2500, 40000, 900000, NAN};
    memcpy(a->client_p, client, sizeof(client));
    memcpy(a->mesh_p, mesh, sizeof(mesh));

    char *h = sc_report_html(r);
    const char *svg = strstr(h, "aria-label=\"latency histogram");
    ck_assert_ptr_nonnull(svg);
    char *end = strstr(svg, "</svg>");
    ck_assert_ptr_nonnull(end);
    *end = '\0'; /* look at this chart only */
    for (const char *p = svg; (p = strstr(p, "data-count=\"")) != NULL; p++) {
        drawn += strtoull(p + strlen("data-count=\""), NULL, 10);
        bars++;
    }
    ck_assert_uint_ge(bars, 25);
    ck_assert_uint_le(bars, 40);
    ck_assert_uint_eq(drawn, total); /* merged, nothing lost */
    /* three markers per side plus one in the legend; p50 < p90 < p99 left to right, and
     * the mesh's higher percentiles right of the client's */
    ck_assert_uint_eq(marker_xs(svg, "cmark", cx, 8), 4);
    ck_assert_uint_eq(marker_xs(svg, "mmark", mx, 8), 4);
    ck_assert(cx[0] < cx[1] && cx[1] < cx[2]);
    ck_assert(mx[0] < mx[1] && mx[1] < mx[2]);
    for (int i = 0; i < 3; i++)
        ck_assert(mx[i] > cx[i]);
    /* a log axis: 2 -> 30 ms (x15) is nearly as wide as 30 -> 500 ms (x16.7) */
    double ratio = (cx[1] - cx[0]) / (cx[2] - cx[1]);
    ck_assert_msg(ratio > 0.93 && ratio < 0.99, "ratio %g", ratio);
    ck_assert_ptr_nonnull(strstr(svg, "<title>client p50: 2.000 ms</title>"));
    ck_assert_ptr_nonnull(strstr(svg, "<title>mesh p99: 900.000 ms</title>"));
    free(h);
    sc_run_free(r);
}
END_TEST

/* Offset of needle in h; fails the test when absent. */
static size_t at(const char *h, const char *needle)
{
    const char *p = strstr(h, needle);
    ck_assert_msg(p != NULL, "'%s' is not on the page", needle);
    return (size_t)(p - h);
}

START_TEST(html_reads_matrix_first_then_failures_errors_skips_and_each_test_once)
{
    struct sc_run *r = load("with-errors.json");
    char *h = sc_report_html(r);
    size_t matrix = at(h, "<table class=\"matrix\""), failures = at(h, "<h2 id=\"failures\">");
    size_t errors = at(h, "<h2 id=\"errors\">Errors (2): not judged</h2>");
    size_t tests = at(h, "<h2 id=\"tests\">Tests (5)</h2>");
    ck_assert(matrix < failures && failures < errors && errors < tests);
    ck_assert_ptr_nonnull(strstr(h, "<h2 id=\"failures\">Failures (1)</h2>"));
    /* the failure's article comes before both error articles, and all before the tests */
    size_t failed = at(h, "<article class=\"case failed\"");
    size_t errored = at(h, "<article class=\"case error\"");
    ck_assert(failures < failed && failed < errors && errors < errored && errored < tests);
    ck_assert_uint_eq(occurrences(h + tests, "<article class=\"case "), 0);
    /* the matrix: one row per test, one cell per case, the area rows above */
    ck_assert_uint_eq(occurrences(h, "<tr class=\"t\">"), 5);
    ck_assert_uint_eq(occurrences(h, "<tr class=\"area\""), 3);
    ck_assert_uint_eq(occurrences(h, "<section class=\"test "), 5);
    free(h);
    sc_run_free(r);

    r = load("mixed.json"); /* skips: their own section, with the reason, after the failures */
    h = sc_report_html(r);
    size_t skipped = at(h, "<h2 id=\"skipped\">Skipped (2)</h2>");
    ck_assert(at(h, "<h2 id=\"failures\">Failures (3)</h2>") < skipped);
    ck_assert(skipped < at(h, "<h2 id=\"tests\">"));
    ck_assert_ptr_null(strstr(h, "<h2 id=\"errors\">"));
    ck_assert_ptr_nonnull(strstr(h, "<tr><td>access.smi-spec.io/v1alpha2 is not served</td><td>"
                                    "allow-by-traffic-target [v1alpha2]</td></tr>"));
    free(h);
    sc_run_free(r);
}
END_TEST

/* A run of one test at three versions, whose cases hold what `fill` puts in. */
static struct sc_run *one_test(void (*fill)(struct sc_case *c, int k))
{
    static const char *const versions[] = {"v1alpha1", "v1alpha2", "v1alpha3"};
    struct sc_run *r = sc_run_new();
    for (int k = 0; k < 3; k++) {
        struct sc_case *c = sc_run_add_case(r);
        c->test = strdup("t");
        c->area = strdup("access");
        c->version = strdup(versions[k]);
        c->verdict = SC_PASSED;
        c->log = strdup("namespace ns\napply {\"apiVersion\":\"access.smi-spec.io/v1alpha3\","
                        "\"kind\":\"TrafficTarget\",\"metadata\":{\"name\":\"tt\"}}\n"
                        "expect client -> server GET / is denied\n  in force after 3 probes\n"
                        "  0 of 20 allowed\n");
        fill(c, k);
    }
    return r;
}

static void denied_20_of_20(struct sc_case *c, int k)
{
    struct sc_assertion *a = sc_case_add_assertion(c, "access", "client -> server GET / is denied");
    struct sc_figure *f = sc_assertion_add_figure(a, "denied", "count");
    (void)k;
    a->passed = true;
    f->expected = f->observed = 20;
    f->count = f->total = 20;
    a = sc_case_add_assertion(c, "metrics", "metrics agree with the agent");
    a->passed = true;
    f = sc_assertion_add_figure(a, "success_count", "count");
    f->expected = f->observed = 155;
}

START_TEST(html_draws_no_chart_for_all_or_nothing_counts_and_folds_each_tests_details)
{
    struct sc_run *r = one_test(denied_20_of_20);
    char *h = sc_report_html(r);
    ck_assert_ptr_null(strstr(h, "<svg"));
    /* the test once, its three versions as columns, each cell the outcome and the count */
    ck_assert_uint_eq(occurrences(h, "<section class=\"test "), 1);
    ck_assert_ptr_nonnull(strstr(h, "<th>assertion</th><th>v1alpha1</th><th>v1alpha2</th>"
                                    "<th>v1alpha3</th></tr>"));
    ck_assert_uint_eq(occurrences(h, "<td class=\"c passed\">\xe2\x9c\x93 denied 20/20</td>"), 3);
    ck_assert_uint_eq(occurrences(h, "<td class=\"c passed\">\xe2\x9c\x93 success_count "
                                     "155</td>"),
                      3);
    /* details folded; the steps of the newest passed version only, condensed */
    ck_assert_uint_eq(occurrences(h, "<details class=\"versions\">"), 1);
    ck_assert_ptr_null(strstr(h, "<details class=\"versions\" open"));
    ck_assert_uint_eq(occurrences(h, "<pre class=\"log\">"), 1);
    ck_assert_ptr_nonnull(strstr(h, "<pre class=\"log\">apply TrafficTarget/tt "
                                    "(access.smi-spec.io/v1alpha3)\nexpect client -&gt; server "
                                    "GET / is denied: in force after 3 probes\n</pre>"));
    free(h);
    sc_run_free(r);
}
END_TEST

static void metrics_off(struct sc_case *c, int k)
{
    denied_20_of_20(c, k);
    if (k == 2) { /* the mesh counted twice: that is worth a chart */
        c->verdict = SC_FAILED;
        c->assertions[1].passed = false;
        c->assertions[1].figures[0].observed = 310;
    }
}

START_TEST(html_charts_a_disagreement_and_unfolds_its_failure)
{
    struct sc_run *r = one_test(metrics_off);
    char *h = sc_report_html(r);
    ck_assert_uint_eq(occurrences(h, "<svg"), 1);
    ck_assert_uint_eq(occurrences(h, "aria-label=\"metrics agreement"), 1);
    ck_assert_ptr_nonnull(strstr(h, "<td class=\"c failed\">\xe2\x9c\x97 success_count 310 "
                                    "(expected 155)</td>"));
    /* the failure in full, unfolded, with the steps as recorded */
    size_t art = at(h, "<article class=\"case failed\" id=\"case-2\"");
    ck_assert(art < at(h, "<h2 id=\"tests\">"));
    ck_assert_ptr_nonnull(strstr(h + art, "<details open><summary>Steps and probes</summary>"
                                          "<pre class=\"log\">namespace ns\napply {"));
    ck_assert_ptr_nonnull(strstr(h, "<a href=\"#case-2\">its failure, in full, above</a>"));
    free(h);
    sc_run_free(r);
}
END_TEST

/* A run shaped like the full local suite (58 tests, 189 cases at every version, 16 skipped),
 * with what a real run records: the steps with applied manifests, access counts, split shares
 * with intervals, metrics counts and latency histograms. The real page is measured by ctest
 * html_weight_full_suite; this one keeps the budget checked without a run. */
static struct sc_run *full_suite(void)
{
    static const struct {
        const char *area;
        int tests, versions;
    } areas[] = {{"access", 21, 3}, {"specs", 10, 4}, {"split", 16, 4}, {"metrics", 11, 2}};
    static const char *const versions[] = {"v1alpha1", "v1alpha2", "v1alpha3", "v1alpha4"};
    struct sc_run *r = sc_run_new();
    int skips = 0;
    r->mesh = strdup("local");
    r->platform = strdup("local");
    for (size_t a = 0; a < 4; a++)
        for (int t = 0; t < areas[a].tests; t++)
            for (int k = 0; k < areas[a].versions; k++) {
                struct sc_case *c = sc_run_add_case(r);
                char name[64];
                snprintf(name, sizeof(name), "%s-test-number-%d", areas[a].area, t);
                c->test = strdup(name);
                c->area = strdup(areas[a].area);
                c->version = strdup(versions[k]);
                c->file = strdup("suites/area/a-test-file-name.yaml");
                c->verdict = SC_PASSED;
                if (k == 0 && t % 3 == 1 && skips < 16) {
                    c->verdict = SC_SKIPPED;
                    c->message = strdup("TrafficTarget 'client-to-server' has a UDPRoute rule, "
                                        "which needs access.smi-spec.io/v1alpha3");
                    skips++;
                    continue;
                }
                sc_case_log(c, "namespace sc-d9f37-0-%s", name);
                for (int i = 0; i < 3; i++)
                    sc_case_log(c,
                                "apply {\"apiVersion\":\"access.smi-spec.io/%s\",\"kind\":"
                                "\"TrafficTarget\",\"metadata\":{\"name\":\"client-to-server\"},"
                                "\"spec\":{\"destination\":{\"kind\":\"ServiceAccount\",\"name\":"
                                "\"server\",\"namespace\":\"sc-d9f37-0\"},\"sources\":[{\"kind\":"
                                "\"ServiceAccount\",\"name\":\"client\",\"namespace\":"
                                "\"sc-d9f37-0\"}],\"rules\":[{\"kind\":\"HTTPRouteGroup\","
                                "\"name\":\"routes\"}]}}",
                                versions[k]);
                for (int i = 0; i < 4; i++) {
                    char what[96];
                    snprintf(what, sizeof(what), "client -> server:8080 GET /path/%d is %s", i,
                             i % 2 ? "allowed" : "denied");
                    sc_case_log(c,
                                "expect %s\n  in force after 3 probes\n  20 of 20 allowed "
                                "by an intended backend, 0 answered by another backend, 0 "
                                "denied, 0 other",
                                what);
                    struct sc_assertion *as = sc_case_add_assertion(c, "access", what);
                    struct sc_figure *f =
                        sc_assertion_add_figure(as, i % 2 ? "allowed" : "denied", "count");
                    as->passed = true;
                    f->expected = f->observed = 20;
                    f->count = f->total = 20;
                }
                if (a == 2) {
                    struct sc_assertion *as = sc_case_add_assertion(
                        c, "split",
                        "client -> web:8080 GET / splits by weight (tolerance 0.050, "
                        "3041 requests)");
                    as->passed = true;
                    for (int i = 0; i < 2; i++) {
                        struct sc_figure *f =
                            sc_assertion_add_figure(as, i ? "web-v2" : "web-v1", "share");
                        f->expected = i ? 0.7 : 0.3;
                        f->tolerance = 0.05;
                        f->observed = f->expected + 0.0123;
                        f->lo = f->observed - 0.0161;
                        f->hi = f->observed + 0.0163;
                        f->count = (uint64_t)(f->observed * 3041);
                        f->total = 3041;
                    }
                }
                for (int i = 0; a == 3 && i < 3; i++) {
                    struct sc_assertion *as = sc_case_add_assertion(
                        c, "metrics",
                        i ? "metrics of deployments/server agree with the agent"
                          : "metrics of deployments/server on the edge from "
                            "client agree with the agent");
                    as->passed = true;
                    struct sc_figure *f = sc_assertion_add_figure(as, "success_count", "count");
                    f->expected = f->observed = 155;
                    if (t == 5) { /* the latency test */
                        const double p[4] = {51071, 55775, 58363, 58363};
                        memcpy(as->client_p, p, sizeof(p));
                        memcpy(as->mesh_p, p, sizeof(p));
                        as->nclient_hist = 22;
                        as->client_hist = calloc(22, sizeof(*as->client_hist));
                        for (size_t b = 0; b < 22; b++)
                            as->client_hist[b] = (struct sc_hist_bucket){49568 + 400 * b, 2};
                    }
                }
            }
    return r;
}

START_TEST(html_full_suite_page_stays_under_300_kb)
{
    struct sc_run *r = full_suite();
    struct sc_summary s = sc_run_summary(r);
    ck_assert_uint_eq(s.total, 189);
    ck_assert_uint_eq(s.skipped, 16);
    char *h = sc_report_html(r);
    size_t len = strlen(h);
    fprintf(stderr, "full-suite page (generated run): %zu bytes\n", len);
    ck_assert_msg(len < 300 * 1024, "the full-suite page weighs %zu bytes (budget 300 KB)", len);
    ck_assert_uint_eq(occurrences(h, "<section class=\"test "), 58);
    ck_assert_uint_eq(occurrences(h, "aria-label=\"observed share"), 59);
    ck_assert_uint_eq(occurrences(h, "aria-label=\"latency histogram"), 2);
    ck_assert_uint_eq(occurrences(h, "<svg"), 61);
    free(h);
    sc_run_free(r);
}
END_TEST

/* A case of test `test` at v1 with verdict v (a split share figure when share >= 0). */
static void add_case(struct sc_run *r, const char *test, enum sc_verdict v, double share)
{
    struct sc_case *c = sc_run_add_case(r);
    c->test = strdup(test);
    c->area = strdup("split");
    c->version = strdup("v1");
    c->verdict = v;
    if (v != SC_PASSED)
        c->message = strdup(v == SC_SKIPPED ? "not served" : "web-v1 got 0.5");
    if (share >= 0) {
        struct sc_assertion *a = sc_case_add_assertion(c, "split", "splits by weight");
        struct sc_figure *f = sc_assertion_add_figure(a, "web-v1", "share");
        a->passed = v == SC_PASSED;
        f->expected = 0.2;
        f->tolerance = 0.05;
        f->observed = share;
        f->lo = share - 0.01;
        f->hi = share + 0.01;
    }
}

START_TEST(compare_classifies_each_case_and_puts_changes_first)
{
    struct sc_run *a = sc_run_new(), *b = sc_run_new();
    struct sc_comparison cmp;
    struct sc_err err;
    sc_err_init(&err);
    add_case(a, "same", SC_PASSED, 0.21);
    add_case(b, "same", SC_PASSED, 0.19);
    add_case(a, "broken", SC_PASSED, 0.2);
    add_case(b, "broken", SC_FAILED, 0.5);
    add_case(a, "fixed", SC_FAILED, -1);
    add_case(b, "fixed", SC_PASSED, -1);
    add_case(a, "gone", SC_PASSED, -1);
    add_case(a, "errored", SC_PASSED, -1);
    add_case(b, "errored", SC_ERROR, -1);
    add_case(b, "added", SC_SKIPPED, -1);
    ck_assert_int_eq(sc_compare(&cmp, a, "a.json", b, "b.json", &err), 0);
    ck_assert_uint_eq(cmp.npairs, 6);
    static const struct {
        const char *test;
        enum sc_change change;
    } want[] = {{"broken", SC_CHANGE_BROKEN}, {"errored", SC_CHANGE_OTHER},
                {"fixed", SC_CHANGE_FIXED},   {"added", SC_CHANGE_NEW},
                {"gone", SC_CHANGE_REMOVED},  {"same", SC_CHANGE_UNCHANGED}};
    for (size_t i = 0; i < 6; i++) {
        ck_assert_str_eq(cmp.pairs[i].test, want[i].test);
        ck_assert_int_eq(cmp.pairs[i].change, want[i].change);
        ck_assert_uint_eq(cmp.count[want[i].change], 1);
    }
    ck_assert_ptr_null(cmp.pairs[3].a); /* new: only in B */
    ck_assert_ptr_null(cmp.pairs[4].b); /* removed: only in A */
    ck_assert_str_eq(sc_change_name(SC_CHANGE_BROKEN), "pass->fail");

    char *text = sc_compare_text(&cmp);
    ck_assert_ptr_nonnull(strstr(text, "  1 pass->fail, 1 changed, 1 fail->pass, 1 new, 1 "
                                       "removed, 1 unchanged\n"));
    size_t p1 =
        at(text, "pass->fail (1):\n  split/broken [v1]: passed -> failed: web-v1 got 0.5\n");
    size_t p2 = at(text, "changed (1):\n  split/errored [v1]: passed -> error: web-v1 got 0.5\n");
    size_t p3 = at(text, "fail->pass (1):\n  split/fixed [v1]: failed -> passed\n");
    size_t p4 = at(text, "new (1):\n  split/added [v1]: (none) -> skipped: not served\n");
    size_t p5 = at(text, "removed (1):\n  split/gone [v1]: passed -> (none)\n");
    ck_assert(p1 < p2 && p2 < p3 && p3 < p4 && p4 < p5);
    ck_assert_ptr_null(strstr(text, "same"));
    free(text);

    char *h = sc_compare_html(&cmp);
    size_t changes = at(h, "<h2 id=\"changes\">Changes (5)</h2>");
    size_t unchanged = at(h, "<h2 id=\"unchanged\">Unchanged (1)</h2>");
    ck_assert(changes < at(h, "<tr class=\"pair\" data-change=\"pass->fail\"><td"));
    ck_assert(at(h, "data-change=\"pass->fail\"><td") < at(h, "data-change=\"changed\"><td"));
    ck_assert(at(h, "data-change=\"removed\"><td") < unchanged);
    ck_assert(unchanged < at(h, "data-change=\"unchanged\"><td"));
    /* shares side by side where both runs have them: the broken and the unchanged case */
    ck_assert_uint_eq(occurrences(h, "aria-label=\"split shares: run A against run B\""), 2);
    ck_assert_ptr_nonnull(strstr(h, "<td class=\"num\">20.0%</td><td class=\"num\">21.0% "
                                    "<small>(20.0% .. 22.0%)</small></td><td class=\"num\">19.0% "
                                    "<small>(18.0% .. 20.0%)</small></td><td class=\"num\">-2.0 "
                                    "pp</td>"));
    free(h);
    sc_comparison_release(&cmp);
    sc_run_free(a);
    sc_run_free(b);
}
END_TEST

START_TEST(compare_refuses_runs_with_no_case_in_common_naming_both_files)
{
    struct sc_run *a = sc_run_new(), *b = sc_run_new();
    struct sc_comparison cmp;
    struct sc_err err;
    sc_err_init(&err);
    add_case(a, "one", SC_PASSED, -1);
    add_case(b, "other", SC_PASSED, -1);
    ck_assert_int_eq(sc_compare(&cmp, a, "old.json", b, "new.json", &err), SC_EINVAL);
    ck_assert_str_eq(err.msg, "'old.json' and 'new.json' have no test case in common: they are "
                              "not runs of the same suites");
    sc_comparison_release(&cmp);
    sc_run_free(a);
    sc_run_free(b);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("html");
    TCase *tc = tcase_create("html");
    tcase_add_test(tc, html_is_self_contained_and_has_the_charts_that_carry_information);
    tcase_add_test(tc, html_shows_errors_apart_from_failures_with_spec_statements_and_reruns);
    tcase_add_test(tc,
                   html_histogram_merges_buckets_into_few_bins_and_marks_both_sides_percentiles);
    tcase_add_test(tc, html_reads_matrix_first_then_failures_errors_skips_and_each_test_once);
    tcase_add_test(tc, html_draws_no_chart_for_all_or_nothing_counts_and_folds_each_tests_details);
    tcase_add_test(tc, html_charts_a_disagreement_and_unfolds_its_failure);
    tcase_add_test(tc, html_full_suite_page_stays_under_300_kb);
    tcase_add_test(tc, compare_classifies_each_case_and_puts_changes_first);
    tcase_add_test(tc, compare_refuses_runs_with_no_case_in_common_naming_both_files);
    suite_add_tcase(s, tc);
    return sc_check_run(s);
}
