/* test_attribution.c - answers attributed to backend services by the pod that gave them and,
 * for HTTP, the pod port (a Service's targetPort); TCP answers by the pod of their identity
 * line; the pod names left for the other readers. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent/result.h"
#include "run/case.h"
#include "suite/suite.h"

#include "base/tests/check_main.h"

/* web:80 is 8080 on its pods, v1:80 8080, v2:80 8081; echo, echo-v1, echo-v2 TCP 9000. */
static const char *yaml =
    "name: t\narea: split\nworkloads:\n"
    "  - {name: client, serviceAccount: client}\n"
    "  - {name: web-v1, serviceAccount: web, labels: {app: web, v: one}}\n"
    "  - {name: web-v2, serviceAccount: web, labels: {app: web, v: two}}\n"
    "services:\n"
    "  - {name: web, selector: {app: web}, ports: [{port: 80, targetPort: 8080}]}\n"
    "  - {name: v1, selector: {v: one}, ports: [{port: 80, targetPort: 8080}]}\n"
    "  - {name: v2, selector: {v: two}, ports: [{port: 80, targetPort: 8081}]}\n"
    "  - {name: echo, selector: {app: web}, ports: [{port: 9000, protocol: tcp}]}\n"
    "  - {name: echo-v1, selector: {v: one}, ports: [{port: 9000, protocol: tcp}]}\n"
    "  - {name: echo-v2, selector: {v: two}, ports: [{port: 9000, protocol: tcp}]}\n"
    "steps:\n"
    "  - expect: {traffic: {from: client, to: web}, split: {v1: 1, v2: 1}}\n"
    "  - expect: {traffic: {from: client, to: web}, allowed: true, backends: [v2]}\n"
    "  - expect: {traffic: {from: client, to: echo, protocol: tcp}, split: {echo-v1: 1, "
    "echo-v2: 3}}\n";

static struct sc_test *load(void)
{
    char path[] = "/tmp/sc-attribution-XXXXXX";
    int fd = mkstemp(path);
    struct sc_test *t = NULL;
    struct sc_err err;
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(write(fd, yaml, strlen(yaml)), (ssize_t)strlen(yaml));
    close(fd);
    sc_err_init(&err);
    ck_assert_msg(sc_test_load(path, &t, &err) == 0, "%s", err.msg);
    unlink(path);
    return t;
}

/* What the agent reports: json parsed, then attributed for step `si`. */
static void attribute(const struct sc_test *t, size_t si, const char *json, struct sc_outcome *o)
{
    struct sc_err err;
    sc_err_init(&err);
    memset(o, 0, sizeof(*o));
    ck_assert_msg(sc_agent_result_parse(json, strlen(json), &o->res, &err) == 0, "%s", err.msg);
    sc_runner_attribute(t, &t->steps[si].traffic, &t->steps[si], o);
}

START_TEST(http_answers_count_for_a_share_only_on_its_target_port)
{
    struct sc_test *t = load();
    struct sc_outcome o;
    /* v2's pod answered 30 times on 8081 (its targetPort) and 10 on 8080 (the root's) */
    attribute(t, 0,
              "{\"sent\":100,\"responses\":100,\"status\":{\"200\":100},\"backends\":"
              "{\"web-v1-0:8080\":60,\"web-v2-0:8081\":30,\"web-v2-0:8080\":10}}",
              &o);
    ck_assert_uint_eq(o.per_service[0], 60);
    ck_assert_uint_eq(o.per_service[1], 30);
    /* the pod names stay what the metrics and the warm-up read: one entry per pod */
    ck_assert_uint_eq(o.res.nbackends, 2);
    ck_assert_str_eq(o.res.backends[0].name, "web-v1-0");
    ck_assert_uint_eq(o.res.backends[0].count, 60);
    ck_assert_str_eq(o.res.backends[1].name, "web-v2-0");
    ck_assert_uint_eq(o.res.backends[1].count, 40);
    sc_runner_outcome_release(&o);
    sc_test_free(t);
}
END_TEST

START_TEST(an_intended_pod_on_another_port_is_not_an_intended_answer)
{
    struct sc_test *t = load();
    struct sc_outcome o;
    attribute(t, 1,
              "{\"sent\":20,\"responses\":20,\"status\":{\"200\":20},\"backends\":"
              "{\"web-v2-0:8081\":15,\"web-v2-0:8080\":5}}",
              &o);
    ck_assert_uint_eq(o.ok_intended, 15);
    ck_assert_uint_eq(o.ok_other, 5);
    ck_assert_uint_eq(o.wrong_port, 5);
    sc_runner_outcome_release(&o);
    /* an answer without a port (an older fixture) is judged by its pod alone */
    attribute(t, 1,
              "{\"sent\":20,\"responses\":20,\"status\":{\"200\":20},\"backends\":"
              "{\"web-v2-0\":20}}",
              &o);
    ck_assert_uint_eq(o.ok_intended, 20);
    ck_assert_uint_eq(o.wrong_port, 0);
    sc_runner_outcome_release(&o);
    sc_test_free(t);
}
END_TEST

/* The TCP probe's result: backends named by the identity line's pod. */
START_TEST(tcp_answers_count_for_the_share_of_the_pod_that_answered)
{
    struct sc_test *t = load();
    struct sc_outcome o;
    attribute(t, 2,
              "{\"protocol\":\"tcp\",\"target\":\"echo.ns:9000\",\"attempts\":8,\"ok\":8,"
              "\"failed\":0,\"backends\":{\"web-v1-0\":2,\"web-v2-0\":6},\"errors\":{},"
              "\"elapsedNs\":1000,\"cancelled\":false,\"results\":[]}",
              &o);
    ck_assert_uint_eq(o.per_service[0], 2);
    ck_assert_uint_eq(o.per_service[1], 6);
    ck_assert_uint_eq(o.ok_intended + o.ok_other, 8);
    ck_assert_uint_eq(o.ok_intended, 8); /* the root selects both */
    sc_runner_outcome_release(&o);
    sc_test_free(t);
}
END_TEST

/* Classify one agent answer (JSON) under denial set d. */
static struct sc_outcome classified(const struct sc_denial *d, const char *json)
{
    struct sc_outcome o;
    struct sc_err err;
    memset(&o, 0, sizeof(o));
    sc_err_init(&err);
    ck_assert_msg(sc_agent_result_parse(json, strlen(json), &o.res, &err) == 0, "%s", err.msg);
    sc_runner_classify(d, SC_PROTO_HTTP, &o);
    return o;
}

START_TEST(grpc_calls_answered_200_are_judged_by_their_grpc_status)
{
    struct sc_denial d = {.nhttp_status = 1, .http_status = {403}, .grpc = 1u << 7};
    /* 10 calls: 4 OK, 2 PERMISSION_DENIED, 1 UNAVAILABLE, 1 without a status, 2 answered 403 */
    struct sc_outcome o = classified(
        &d, "{\"sent\":10,\"responses\":10,\"status\":{\"200\":8,\"403\":2},"
            "\"protocol\":\"h2c\",\"grpc\":{\"method\":\"s/m\",\"status\":{\"0\":4,\"7\":2,"
            "\"14\":1},\"other\":0,\"missing\":1}}");
    ck_assert_uint_eq(o.status2xx, 4);
    ck_assert_uint_eq(o.denied, 4);
    ck_assert_uint_eq(o.other, 2);
    sc_runner_outcome_release(&o);
    /* a profile whose gRPC denial is UNAUTHENTICATED (16) does not take 7 */
    d.grpc = 1u << 16;
    o = classified(&d, "{\"sent\":2,\"responses\":2,\"status\":{\"200\":2},"
                       "\"grpc\":{\"status\":{\"7\":1,\"16\":1}}}");
    ck_assert_uint_eq(o.denied, 1);
    ck_assert_uint_eq(o.other, 1);
    ck_assert_uint_eq(o.status2xx, 0);
    sc_runner_outcome_release(&o);
}
END_TEST

START_TEST(http2_stream_errors_are_the_profile_signals_they_stand_for)
{
    ck_assert_uint_eq(sc_runner_signal_of(SC_PROTO_HTTP, "refused_stream"), SC_DENY_REFUSED);
    ck_assert_uint_eq(sc_runner_signal_of(SC_PROTO_HTTP, "rst_stream"), SC_DENY_RESET);
    ck_assert_uint_eq(sc_runner_signal_of(SC_PROTO_HTTP, "goaway"), SC_DENY_CLOSED);
    ck_assert_uint_eq(sc_runner_signal_of(SC_PROTO_HTTP, "protocol"), 0);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("attribution");
    TCase *tc = tcase_create("attribution");
    tcase_add_test(tc, http_answers_count_for_a_share_only_on_its_target_port);
    tcase_add_test(tc, an_intended_pod_on_another_port_is_not_an_intended_answer);
    tcase_add_test(tc, tcp_answers_count_for_the_share_of_the_pod_that_answered);
    tcase_add_test(tc, grpc_calls_answered_200_are_judged_by_their_grpc_status);
    tcase_add_test(tc, http2_stream_errors_are_the_profile_signals_they_stand_for);
    suite_add_tcase(s, tc);
    return sc_check_run(s);
}
