/* test_suite.c - loading test files into the model; every error with FILE:LINE:COL. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "suite/suite.h"

#include "base/tests/check_main.h"

static char path_buf[1024];

static const char *suite_file(const char *name)
{
    const char *src = getenv("SC_SOURCE_DIR");
    snprintf(path_buf, sizeof(path_buf), "%s/conformance/suite/tests/suites/%s", src ? src : ".",
             name);
    return path_buf;
}

START_TEST(a_good_test_file_loads_into_the_model)
{
    struct sc_test *t = NULL;
    struct sc_err err;
    sc_err_init(&err);
    ck_assert_msg(sc_test_load(suite_file("good.yaml"), &t, &err) == 0, "%s", err.msg);
    ck_assert_str_eq(t->name, "good-test");
    ck_assert_str_eq(t->area, "split");
    ck_assert_uint_eq(t->nfeatures, 1);
    ck_assert_str_eq(t->features[0], "core");
    ck_assert_uint_eq(t->nworkloads, 2);
    ck_assert_uint_eq(t->workloads[1].replicas, 2);
    ck_assert(t->workloads[0].unmeshed); /* mesh: false */
    ck_assert(!t->workloads[1].unmeshed);
    ck_assert_uint_eq(t->services[0].nports, 2);
    ck_assert_int_eq(t->services[0].ports[1].port, 9001);
    ck_assert_int_eq(t->services[0].ports[1].proto, SC_PROTO_UDP);
    ck_assert_uint_eq(t->nsteps, 3);
    ck_assert_int_eq(t->steps[0].kind, SC_STEP_APPLY);
    ck_assert_int_eq(t->steps[1].expect, SC_EXPECT_SPLIT);
    ck_assert_double_eq_tol(t->steps[1].tolerance, 0.1, 1e-12);
    ck_assert_str_eq(t->steps[1].traffic.headers[0].key, "x-a");
    ck_assert_str_eq(t->steps[1].traffic.method, "GET");
    ck_assert_int_eq(t->steps[2].kind, SC_STEP_DELETE);
    ck_assert(sc_service_selects(&t->services[0], &t->workloads[1]));
    ck_assert(!sc_service_selects(&t->services[0], &t->workloads[0]));
    sc_test_free(t);
}
END_TEST

static void expect_bad(const char *file, int line, int col, const char *what)
{
    struct sc_test *t = NULL;
    struct sc_err err;
    char want[1100];
    sc_err_init(&err);
    ck_assert_int_eq(sc_test_load(suite_file(file), &t, &err), SC_EINVAL);
    ck_assert_ptr_null(t);
    snprintf(want, sizeof(want), "%s:%d:%d: ", suite_file(file), line, col);
    ck_assert_msg(strncmp(err.msg, want, strlen(want)) == 0, "'%s' does not start with '%s'",
                  err.msg, want);
    ck_assert_msg(strstr(err.msg, what) != NULL, "'%s' not in '%s'", what, err.msg);
}

START_TEST(yaml_syntax_errors_name_file_line_and_column)
{
    struct sc_test *t = NULL;
    struct sc_err err;
    sc_err_init(&err);
    ck_assert_int_eq(sc_test_load(suite_file("bad-yaml.yaml"), &t, &err), SC_EINVAL);
    ck_assert_msg(strstr(err.msg, "bad-yaml.yaml:4:") != NULL ||
                      strstr(err.msg, "bad-yaml.yaml:3:") != NULL,
                  "%s", err.msg);
}
END_TEST

START_TEST(an_unknown_step_is_named_at_its_position)
{
    expect_bad("bad-step.yaml", 6, 5, "unknown step 'frobnicate'");
}
END_TEST

START_TEST(an_unknown_field_is_named_with_what_was_expected)
{
    expect_bad("bad-field.yaml", 4, 34, "unknown field 'colour' in workload");
}
END_TEST

START_TEST(a_manifest_failing_its_schema_is_reported_at_its_line)
{
    expect_bad("bad-manifest.yaml", 14, 9, "extra");
}
END_TEST

START_TEST(a_reference_to_an_unknown_service_is_reported)
{
    expect_bad("bad-ref.yaml", 6, 5, "unknown service 'nowhere'");
}
END_TEST

START_TEST(a_trafficsplits_expectation_must_name_a_split_applied_before_it)
{
    expect_bad("bad-split-metrics.yaml", 6, 5, "no TrafficSplit 'ghost' is applied before");
}
END_TEST

START_TEST(a_held_expectation_names_its_hold_step_and_takes_no_traffic)
{
    struct sc_test *t = NULL;
    struct sc_err err;
    sc_err_init(&err);
    ck_assert_msg(sc_test_load(suite_file("held.yaml"), &t, &err) == 0, "%s", err.msg);
    ck_assert_int_eq(t->steps[0].kind, SC_STEP_HOLD);
    ck_assert_str_eq(t->steps[0].hold, "h1");
    ck_assert_str_eq(t->steps[0].traffic.path, "/x");
    ck_assert_int_eq(t->steps[1].kind, SC_STEP_EXPECT);
    ck_assert_str_eq(t->steps[1].hold, "h1");
    ck_assert_uint_eq(t->steps[1].hold_step, 0);
    ck_assert(!t->steps[1].allowed);
    ck_assert_ptr_null(t->steps[1].traffic.from);
    sc_test_free(t);
}
END_TEST

START_TEST(a_held_expectation_without_an_earlier_http_hold_is_refused)
{
    expect_bad("bad-held-ref.yaml", 8, 5, "no hold 'h1' in an earlier step");
    expect_bad("bad-held-twice.yaml", 9, 5, "hold 'h1' is already held");
    expect_bad("bad-held-udp.yaml", 8, 5, "held traffic 'h1' must be HTTP/1.1");
}
END_TEST

START_TEST(a_trafficsplits_expectation_loads_with_its_split)
{
    struct sc_test *t = NULL;
    struct sc_err err;
    char path[1024];
    const char *src = getenv("SC_SOURCE_DIR");
    snprintf(path, sizeof(path), "%s/suites/metrics/trafficsplit-backends.yaml", src ? src : ".");
    sc_err_init(&err);
    ck_assert_msg(sc_test_load(path, &t, &err) == 0, "%s", err.msg);
    const struct sc_step *last = &t->steps[t->nsteps - 1];
    ck_assert_int_eq(last->expect, SC_EXPECT_METRICS);
    ck_assert_str_eq(last->metrics.resource, "trafficsplits");
    ck_assert_str_eq(last->metrics.name, "web-split");
    ck_assert(last->metrics.counts);
    sc_test_free(t);
}
END_TEST

START_TEST(objects_in_an_old_version_are_refused)
{
    expect_bad("old-version.yaml", 7, 7, "newest version");
}
END_TEST

START_TEST(a_missing_file_is_an_io_error)
{
    struct sc_test *t = NULL;
    struct sc_err err;
    sc_err_init(&err);
    ck_assert_int_eq(sc_test_load(suite_file("no-such.yaml"), &t, &err), SC_EIO);
    ck_assert_ptr_nonnull(strstr(err.msg, "no-such.yaml"));
}
END_TEST

START_TEST(a_service_port_maps_to_its_target_port_or_to_itself)
{
    struct sc_test *t = NULL;
    struct sc_err err;
    sc_err_init(&err);
    ck_assert_msg(sc_test_load(suite_file("target-port.yaml"), &t, &err) == 0, "%s", err.msg);
    ck_assert_uint_eq(t->services[0].nports, 3);
    ck_assert_int_eq(t->services[0].ports[0].port, 8080);
    ck_assert_int_eq(t->services[0].ports[0].target_port, 8080);
    ck_assert_int_eq(t->services[0].ports[1].port, 80);
    ck_assert_int_eq(t->services[0].ports[1].target_port, 8081);
    ck_assert_int_eq(t->services[0].ports[2].target_port, 9000);
    ck_assert_int_eq(t->services[0].ports[2].proto, SC_PROTO_TCP);
    sc_test_free(t);
}
END_TEST

START_TEST(a_workloads_mesh_field_is_true_or_false)
{
    expect_bad("bad-mesh.yaml", 4, 50, "field 'mesh' must be true or false");
}
END_TEST

/* The runner judges at most SC_SUITE_SHARES_MAX shares: more is refused where it is written. */
START_TEST(a_split_expectation_with_more_backends_than_judged_is_refused)
{
    ck_assert_int_eq(SC_SUITE_SHARES_MAX, 16);
    expect_bad("too-many-shares.yaml", 10, 14, "lists 17 backends, at most 16");
}
END_TEST

START_TEST(http2_and_grpc_traffic_load_with_their_wire)
{
    struct sc_test *t = NULL;
    struct sc_err err;
    sc_err_init(&err);
    ck_assert_msg(sc_test_load(suite_file("http2.yaml"), &t, &err) == 0, "%s", err.msg);
    ck_assert_int_eq(t->steps[0].traffic.proto, SC_PROTO_HTTP);
    ck_assert_int_eq(t->steps[0].traffic.wire, SC_WIRE_HTTP2);
    ck_assert_str_eq(t->steps[0].traffic.method, "GET");
    ck_assert_int_eq(t->steps[1].traffic.wire, SC_WIRE_GRPC);
    ck_assert_str_eq(t->steps[1].traffic.method, "POST"); /* a gRPC call is a POST */
    ck_assert_str_eq(t->steps[1].traffic.path, "/pkg.Svc/Call");
    ck_assert_str_eq(sc_traffic_proto_name(SC_PROTO_HTTP, SC_WIRE_GRPC), "grpc");
    ck_assert_str_eq(sc_traffic_proto_name(SC_PROTO_HTTP, SC_WIRE_HTTP2), "http2");
    ck_assert_str_eq(sc_traffic_proto_name(SC_PROTO_TCP, SC_WIRE_HTTP1), "tcp");
    sc_test_free(t);
}
END_TEST

START_TEST(http2_traffic_is_refused_where_it_cannot_be_judged)
{
    expect_bad("bad-http2-feature.yaml", 8, 5, "needs the test to declare 'features: [http2]'");
    expect_bad("bad-grpc-path.yaml", 9, 62, "needs 'path: /SERVICE/METHOD'");
    expect_bad("bad-grpc-method.yaml", 9, 64, "a gRPC call's method is POST, not 'GET'");
    expect_bad("bad-held-http2.yaml", 9, 5, "held traffic 'h1' must be HTTP/1.1");
    expect_bad("bad-port-http2.yaml", 7, 66,
               "unknown protocol 'http2' (expected http, tcp or udp)");
}
END_TEST

int main(void)
{
    Suite *s = suite_create("suite");
    TCase *tc = tcase_create("load");

    tcase_add_test(tc, a_good_test_file_loads_into_the_model);
    tcase_add_test(tc, yaml_syntax_errors_name_file_line_and_column);
    tcase_add_test(tc, an_unknown_step_is_named_at_its_position);
    tcase_add_test(tc, an_unknown_field_is_named_with_what_was_expected);
    tcase_add_test(tc, a_manifest_failing_its_schema_is_reported_at_its_line);
    tcase_add_test(tc, a_reference_to_an_unknown_service_is_reported);
    tcase_add_test(tc, a_trafficsplits_expectation_must_name_a_split_applied_before_it);
    tcase_add_test(tc, a_trafficsplits_expectation_loads_with_its_split);
    tcase_add_test(tc, a_held_expectation_names_its_hold_step_and_takes_no_traffic);
    tcase_add_test(tc, a_held_expectation_without_an_earlier_http_hold_is_refused);
    tcase_add_test(tc, objects_in_an_old_version_are_refused);
    tcase_add_test(tc, a_missing_file_is_an_io_error);
    tcase_add_test(tc, a_service_port_maps_to_its_target_port_or_to_itself);
    tcase_add_test(tc, a_split_expectation_with_more_backends_than_judged_is_refused);
    tcase_add_test(tc, a_workloads_mesh_field_is_true_or_false);
    tcase_add_test(tc, http2_and_grpc_traffic_load_with_their_wire);
    tcase_add_test(tc, http2_traffic_is_refused_where_it_cannot_be_judged);
    suite_add_tcase(s, tc);
    return sc_check_run(s);
}
