/* test_agent_h2.c - HTTP/2 and gRPC on the agent's wire: plan fields written, read back and
 * refused; a gRPC result's statuses read back. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/plan.h"
#include "agent/result.h"

#include "base/tests/check_main.h"

static int parse(const char *json, struct sc_agent_plan *p, char *field, struct sc_err *err)
{
    struct sc_agent_plan_limits lim;
    sc_agent_plan_limits_init(&lim);
    sc_err_init(err);
    return sc_agent_plan_parse(json, strlen(json), &lim, p, field, err);
}

START_TEST(http2_plan_reads_back_as_written_and_sets_the_engine)
{
    struct sc_agent_plan p = {0}, back;
    struct sc_load_opts o;
    struct sc_err err;
    char field[SC_AGENT_PLAN_FIELD_MAX];
    char *json;

    p.proto = SC_AGENT_HTTP;
    p.target = strdup("http://web.shop:8080/x");
    p.requests = 100;
    p.connections = 1;
    p.http2 = true;
    p.max_streams = 8;
    json = sc_agent_plan_to_json(&p);
    ck_assert_ptr_nonnull(strstr(json, "\"http2\":true"));
    ck_assert_ptr_nonnull(strstr(json, "\"maxStreams\":8"));
    ck_assert_msg(parse(json, &back, field, &err) == 0, "%s: %s", json, err.msg);
    ck_assert(back.http2);
    ck_assert_uint_eq(back.max_streams, 8);
    ck_assert_ptr_null(back.grpc);
    ck_assert_str_eq(back.method, "GET");
    sc_agent_plan_load_opts(&back, &o);
    ck_assert(o.h2);
    ck_assert_uint_eq(o.max_streams, 8);
    ck_assert_ptr_null(o.grpc);
    free(json);
    sc_agent_plan_release(&back);
    sc_agent_plan_release(&p);
}
END_TEST

START_TEST(grpc_plan_is_an_http2_post_of_its_method)
{
    struct sc_agent_plan p = {0}, back;
    struct sc_load_opts o;
    struct sc_err err;
    char field[SC_AGENT_PLAN_FIELD_MAX];
    char *json;

    ck_assert_msg(parse("{\"target\":\"http://api.shop:8080/\",\"requests\":5,"
                        "\"grpc\":\"smi.conformance.v1.Echo/Echo\",\"maxStreams\":4}",
                        &p, field, &err) == 0,
                  "%s", err.msg);
    ck_assert(p.http2); /* implied */
    ck_assert_str_eq(p.method, "POST");
    ck_assert_str_eq(p.grpc, "smi.conformance.v1.Echo/Echo");
    json = sc_agent_plan_to_json(&p);
    ck_assert_msg(parse(json, &back, field, &err) == 0, "%s: %s", json, err.msg);
    ck_assert_str_eq(back.grpc, "smi.conformance.v1.Echo/Echo");
    ck_assert_uint_eq(back.max_streams, 4);
    sc_agent_plan_load_opts(&back, &o);
    ck_assert_str_eq(o.grpc, "smi.conformance.v1.Echo/Echo");
    ck_assert(o.h2);
    free(json);
    sc_agent_plan_release(&back);
    sc_agent_plan_release(&p);
}
END_TEST

static const struct {
    const char *json, *field;
} bad[] = {
    {"{\"target\":\"a:1\",\"requests\":1,\"http2\":1}", "http2"},
    {"{\"protocol\":\"tcp\",\"target\":\"a:1\",\"requests\":1,\"http2\":true}", "http2"},
    {"{\"target\":\"a:1\",\"requests\":1,\"maxStreams\":4}", "maxStreams"}, /* not http2 */
    {"{\"target\":\"a:1\",\"requests\":1,\"http2\":true,\"maxStreams\":0}", "maxStreams"},
    {"{\"target\":\"a:1\",\"requests\":1,\"http2\":true,\"maxStreams\":1001}", "maxStreams"},
    {"{\"target\":\"a:1\",\"requests\":1,\"grpc\":\"NoMethod\"}", "grpc"},
    {"{\"target\":\"a:1\",\"requests\":1,\"grpc\":\"/s/m\"}", "grpc"},
    {"{\"target\":\"a:1\",\"requests\":1,\"grpc\":\"s/m/x\"}", "grpc"},
    {"{\"target\":\"a:1\",\"requests\":1,\"grpc\":\"s/m\",\"method\":\"GET\"}", "method"},
    {"{\"target\":\"a:1\",\"requests\":1,\"http2\":true,\"pipeline\":2}", "pipeline"},
};

START_TEST(bad_http2_plan_is_refused_naming_the_field)
{
    struct sc_agent_plan p;
    struct sc_err err;
    char field[SC_AGENT_PLAN_FIELD_MAX];

    ck_assert_int_eq(parse(bad[_i].json, &p, field, &err), SC_EINVAL);
    ck_assert_msg(strcmp(field, bad[_i].field) == 0, "%s: field '%s', expected '%s' (%s)",
                  bad[_i].json, field, bad[_i].field, err.msg);
}
END_TEST

START_TEST(grpc_result_reads_back_its_statuses)
{
    const char *json = "{\"sent\":10,\"responses\":10,\"status\":{\"200\":9,\"403\":1},"
                       "\"protocol\":\"h2c\",\"grpc\":{\"method\":\"s/m\",\"status\":"
                       "{\"0\":6,\"7\":2},\"other\":0,\"missing\":1}}";
    struct sc_agent_result r;
    struct sc_err err;

    sc_err_init(&err);
    ck_assert_msg(sc_agent_result_parse(json, strlen(json), &r, &err) == 0, "%s", err.msg);
    ck_assert(r.grpc);
    ck_assert_str_eq(r.protocol, "h2c");
    ck_assert_uint_eq(sc_agent_count_of(r.grpc_status, r.ngrpc_status, "0"), 6);
    ck_assert_uint_eq(sc_agent_count_of(r.grpc_status, r.ngrpc_status, "7"), 2);
    ck_assert_uint_eq(r.grpc_missing, 1);
    sc_agent_result_release(&r);
}
END_TEST

START_TEST(grpc_status_beyond_16_is_a_protocol_error)
{
    const char *json = "{\"sent\":1,\"responses\":1,\"grpc\":{\"status\":{\"17\":1}}}";
    struct sc_agent_result r;
    struct sc_err err;

    sc_err_init(&err);
    ck_assert_int_eq(sc_agent_result_parse(json, strlen(json), &r, &err), SC_EPROTO);
    ck_assert_ptr_nonnull(strstr(err.msg, "grpc.status"));
}
END_TEST

int main(void)
{
    Suite *s = suite_create("agent_h2");
    TCase *tc = tcase_create("wire");

    tcase_add_test(tc, http2_plan_reads_back_as_written_and_sets_the_engine);
    tcase_add_test(tc, grpc_plan_is_an_http2_post_of_its_method);
    tcase_add_loop_test(tc, bad_http2_plan_is_refused_naming_the_field, 0,
                        (int)(sizeof(bad) / sizeof(bad[0])));
    tcase_add_test(tc, grpc_result_reads_back_its_statuses);
    tcase_add_test(tc, grpc_status_beyond_16_is_a_protocol_error);
    suite_add_tcase(s, tc);
    return sc_check_run(s);
}
