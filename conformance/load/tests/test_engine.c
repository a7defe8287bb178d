/* test_engine.c - the load engine against real local servers: counts, framings, misbehaviour. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "load/engine.h"
#include "testserver.h"

#include "base/tests/check_main.h"

struct fixture {
    struct sc_testserver *srv;
    char url[256];
    struct sc_load_opts o;
    struct sc_load_result *res;
    struct sc_err err;
};

static void start(struct fixture *f, const char *mode, const char *path)
{
    memset(f, 0, sizeof(*f));
    sc_err_init(&f->err);
    f->srv = sc_testserver_start(mode, NULL, NULL, NULL, &f->err);
    ck_assert_msg(f->srv != NULL, "%s", f->err.msg);
    snprintf(f->url, sizeof(f->url), "http://127.0.0.1:%d%s", sc_testserver_port(f->srv), path);
    sc_load_opts_init(&f->o);
    f->o.url = f->url;
    f->o.connections = 2;
    f->o.timeout_ns = 2000000000ull;
}

static int run(struct fixture *f)
{
    return sc_load_run(&f->o, &f->res, &f->err);
}

static void finish(struct fixture *f)
{
    sc_load_result_free(f->res);
    sc_testserver_stop(f->srv);
}

static uint64_t backend(const struct sc_load_result *r, const char *name)
{
    for (size_t i = 0; i < r->nbackends; i++)
        if (strcmp(r->backends[i].name, name) == 0)
            return r->backends[i].count;
    return 0;
}

START_TEST(request_count_bound_sends_exactly_that_many)
{
    struct fixture f;
    start(&f, "ok", "/");
    f.o.requests = 1000;
    f.o.connections = 5;
    f.o.threads = 2;
    ck_assert_int_eq(run(&f), 0);
    ck_assert_uint_eq(f.res->sent, 1000);
    ck_assert_uint_eq(f.res->responses, 1000);
    ck_assert_uint_eq(f.res->status[200], 1000);
    ck_assert_uint_eq(sc_testserver_requests(f.srv), 1000);
    ck_assert_uint_eq(sc_load_result_errors(f.res), 0);
    ck_assert_uint_eq(f.res->latency->count, 1000);
    ck_assert_uint_eq(f.res->latency_uncorrected->count, 1000);
    ck_assert_uint_eq(f.res->threads, 2);
    finish(&f);
}
END_TEST

START_TEST(counts_per_backend_match_what_the_server_sent)
{
    struct fixture f;
    start(&f, "alternate", "/");
    f.o.requests = 777;
    f.o.connections = 3;
    ck_assert_int_eq(run(&f), 0);
    ck_assert_uint_eq(f.res->nbackends, 2);
    ck_assert_uint_eq(backend(f.res, "pod-a"), sc_testserver_alternate(f.srv, 0));
    ck_assert_uint_eq(backend(f.res, "pod-b"), sc_testserver_alternate(f.srv, 1));
    ck_assert_uint_eq(backend(f.res, "pod-a") + backend(f.res, "pod-b"), 777);
    ck_assert_uint_eq(f.res->no_identity, 0);
    finish(&f);
}
END_TEST

START_TEST(counts_per_status_are_kept_and_non_2xx_reported)
{
    struct fixture f;
    start(&f, "ok", "/status/503");
    f.o.requests = 120;
    ck_assert_int_eq(run(&f), 0);
    ck_assert_uint_eq(f.res->status[503], 120);
    ck_assert_uint_eq(f.res->status[200], 0);
    ck_assert_uint_eq(sc_load_result_non2xx3xx(f.res), 120);
    finish(&f);
}
END_TEST

START_TEST(duration_bound_stops_and_loses_no_request_in_flight)
{
    struct fixture f;
    start(&f, "ok", "/");
    f.o.duration_ns = 300000000ull;
    f.o.connections = 4;
    ck_assert_int_eq(run(&f), 0);
    ck_assert_uint_gt(f.res->responses, 0);
    ck_assert_uint_eq(f.res->responses, f.res->sent);
    ck_assert_uint_eq(sc_testserver_requests(f.srv), f.res->sent);
    finish(&f);
}
END_TEST

START_TEST(pipelined_requests_are_all_answered)
{
    struct fixture f;
    start(&f, "ok", "/");
    f.o.requests = 1000;
    f.o.pipeline = 8;
    ck_assert_int_eq(run(&f), 0);
    ck_assert_uint_eq(f.res->responses, 1000);
    ck_assert_uint_eq(sc_testserver_requests(f.srv), 1000);
    ck_assert_uint_eq(sc_load_result_errors(f.res), 0);
    finish(&f);
}
END_TEST

static void expect_clean_framing(const char *mode, uint64_t n, bool reconnects)
{
    struct fixture f;
    start(&f, mode, "/");
    f.o.requests = n;
    ck_assert_int_eq(run(&f), 0);
    ck_assert_msg(f.res->responses == n, "%s: %lu responses, first error %s", mode,
                  (unsigned long)f.res->responses, f.res->first_error ? f.res->first_error : "-");
    ck_assert_uint_eq(sc_load_result_errors(f.res), 0);
    ck_assert_uint_eq(backend(f.res, "pod-a"), n);
    if (reconnects)
        ck_assert_uint_ge(f.res->reconnects, n - 2);
    else
        ck_assert_uint_eq(f.res->reconnects, 0);
    finish(&f);
}

START_TEST(chunked_responses_are_counted)
{
    expect_clean_framing("chunked", 200, false);
}
END_TEST

START_TEST(close_delimited_responses_are_counted_and_reconnected)
{
    expect_clean_framing("close", 50, true);
}
END_TEST

START_TEST(connection_close_responses_reconnect_without_errors)
{
    expect_clean_framing("conn-close", 50, true);
}
END_TEST

START_TEST(responses_written_byte_by_byte_are_reassembled)
{
    expect_clean_framing("split", 40, false);
}
END_TEST

static struct sc_load_result *misbehave(const char *mode, uint64_t n)
{
    struct fixture f;
    struct sc_load_result *r;
    start(&f, mode, "/");
    f.o.requests = n;
    f.o.timeout_ns = 300000000ull;
    ck_assert_int_eq(run(&f), 0);
    r = f.res;
    f.res = NULL;
    finish(&f);
    ck_assert_uint_eq(r->responses, 0);
    ck_assert_ptr_nonnull(r->first_error);
    return r;
}

START_TEST(bodies_larger_than_a_receive_buffer_are_reassembled)
{
    struct fixture f;
    start(&f, "big-body", "/");
    f.o.requests = 200;
    /* 8 x 200 KB in flight, each body many reads of the thread's 64 KB buffer */
    f.o.connections = 8;
    ck_assert_int_eq(run(&f), 0);
    ck_assert_uint_eq(f.res->responses, 200);
    ck_assert_uint_eq(f.res->status[200], 200);
    ck_assert_uint_eq(sc_load_result_errors(f.res), 0);
    /* every body byte arrived: 200 KB each, plus the headers */
    ck_assert_uint_ge(f.res->bytes_read, 200u * 200u * 1024u);
    ck_assert_uint_lt(f.res->bytes_read, 200u * (200u * 1024u + 128u));
    finish(&f);
}
END_TEST

START_TEST(garbage_counts_as_protocol_errors)
{
    struct sc_load_result *r = misbehave("garbage", 10);
    ck_assert_uint_eq(r->errors[SC_LERR_PROTOCOL], 10);
    sc_load_result_free(r);
}
END_TEST

START_TEST(truncated_bodies_count_as_read_errors)
{
    struct sc_load_result *r = misbehave("truncated", 10);
    ck_assert_uint_eq(r->errors[SC_LERR_READ], 10);
    sc_load_result_free(r);
}
END_TEST

START_TEST(resets_count_as_reset_errors)
{
    struct sc_load_result *r = misbehave("reset", 10);
    ck_assert_uint_eq(r->errors[SC_LERR_RESET] + r->errors[SC_LERR_READ], 10);
    ck_assert_uint_gt(r->errors[SC_LERR_RESET], 0);
    sc_load_result_free(r);
}
END_TEST

START_TEST(stalls_count_as_timeouts_and_the_run_ends)
{
    struct sc_load_result *r = misbehave("stall", 4);
    ck_assert_uint_eq(r->errors[SC_LERR_TIMEOUT], 4);
    sc_load_result_free(r);
}
END_TEST

START_TEST(oversized_headers_count_as_protocol_errors)
{
    struct sc_load_result *r = misbehave("big-headers", 6);
    ck_assert_uint_eq(r->errors[SC_LERR_PROTOCOL], 6);
    sc_load_result_free(r);
}
END_TEST

START_TEST(bad_chunking_counts_as_protocol_errors)
{
    struct sc_load_result *r = misbehave("bad-chunk", 6);
    ck_assert_uint_eq(r->errors[SC_LERR_PROTOCOL], 6);
    sc_load_result_free(r);
}
END_TEST

START_TEST(two_content_lengths_count_as_protocol_errors)
{
    struct sc_load_result *r = misbehave("two-cl", 6);
    ck_assert_uint_eq(r->errors[SC_LERR_PROTOCOL], 6);
    sc_load_result_free(r);
}
END_TEST

START_TEST(stall_with_a_duration_ends_after_duration_plus_timeout)
{
    struct fixture f;
    start(&f, "stall", "/");
    f.o.duration_ns = 200000000ull;
    f.o.timeout_ns = 300000000ull;
    ck_assert_int_eq(run(&f), 0);
    /* Two connections, each with one request timing out; nothing answered. */
    ck_assert_uint_eq(f.res->responses, 0);
    ck_assert_uint_eq(f.res->errors[SC_LERR_TIMEOUT], 2);
    finish(&f);
}
END_TEST

START_TEST(constant_rate_sends_the_requested_count_with_both_latencies)
{
    struct fixture f;
    start(&f, "ok", "/");
    f.o.rate = 2000;
    f.o.requests = 400;
    f.o.connections = 4;
    ck_assert_int_eq(run(&f), 0);
    ck_assert_uint_eq(f.res->sent, 400);
    ck_assert_uint_eq(f.res->responses, 400);
    ck_assert_uint_eq(f.res->unsent, 0);
    ck_assert_uint_eq(f.res->latency->count, 400);
    ck_assert_uint_eq(f.res->latency_uncorrected->count, 400);
    /* Corrected latency starts at the intended time, never after the actual send. */
    ck_assert_uint_ge(f.res->latency->max, f.res->latency_uncorrected->min);
    ck_assert_double_eq(f.res->target_rate, 2000);
    finish(&f);
}
END_TEST

START_TEST(rate_below_thread_count_is_reported_and_threads_reduced)
{
    struct fixture f;
    start(&f, "ok", "/");
    f.o.rate = 2;
    f.o.threads = 4;
    f.o.connections = 4;
    f.o.requests = 2;
    ck_assert_int_eq(run(&f), 0);
    ck_assert_uint_eq(f.res->threads, 2);
    ck_assert_ptr_nonnull(f.res->notes);
    ck_assert_ptr_nonnull(strstr(f.res->notes, "lower than 4 threads"));
    ck_assert_uint_eq(f.res->responses, 2);
    finish(&f);
}
END_TEST

START_TEST(proxy_mode_sends_absolute_form_targets)
{
    struct fixture f;
    char proxy[64], *line;
    start(&f, "proxy", "/");
    snprintf(proxy, sizeof(proxy), "http://127.0.0.1:%d", sc_testserver_port(f.srv));
    f.o.url = "http://web.ns-1.svc.cluster.local:8080/path?q=1";
    f.o.proxy = proxy;
    f.o.requests = 10;
    ck_assert_int_eq(run(&f), 0);
    ck_assert_uint_eq(f.res->responses, 10);
    line = sc_testserver_last_request_line(f.srv);
    ck_assert_ptr_nonnull(line);
    ck_assert_str_eq(line, "GET http://web.ns-1.svc.cluster.local:8080/path?q=1 HTTP/1.1");
    free(line);
    finish(&f);
}
END_TEST

START_TEST(method_headers_and_body_are_sent)
{
    struct fixture f;
    static const char *const hdrs[] = {"X-Test: one", "Host: override.example"};
    char *line;
    start(&f, "ok", "/submit");
    f.o.method = "POST";
    f.o.headers = hdrs;
    f.o.nheaders = 2;
    f.o.body = "{\"a\":1}";
    f.o.body_len = 7;
    f.o.requests = 20;
    ck_assert_int_eq(run(&f), 0);
    ck_assert_uint_eq(f.res->responses, 20);
    ck_assert_uint_eq(sc_testserver_requests(f.srv), 20);
    line = sc_testserver_last_request_line(f.srv);
    ck_assert_ptr_nonnull(line);
    ck_assert_str_eq(line, "POST /submit HTTP/1.1");
    free(line);
    finish(&f);
}
END_TEST

static char certdir[64];

static void make_cert(void)
{
    struct sc_err err;
    sc_err_init(&err);
    snprintf(certdir, sizeof(certdir), "/tmp/sc-tls-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(certdir));
    ck_assert_msg(sc_testserver_cert(certdir, &err) == 0, "%s", err.msg);
}

static struct sc_testserver *start_tls(void)
{
    char cert[128], key[128];
    struct sc_err err;
    struct sc_testserver *s;
    sc_err_init(&err);
    snprintf(cert, sizeof(cert), "%s/cert.pem", certdir);
    snprintf(key, sizeof(key), "%s/key.pem", certdir);
    s = sc_testserver_start("tls", "tls-pod", cert, key, &err);
    ck_assert_msg(s != NULL, "%s", err.msg);
    return s;
}

START_TEST(https_with_the_right_ca_works_and_without_it_fails_before_the_run)
{
    struct sc_testserver *s;
    struct sc_load_opts o;
    struct sc_load_result *r = NULL;
    struct sc_err err;
    char url[64], ca[128];

    make_cert();
    s = start_tls();
    snprintf(url, sizeof(url), "https://127.0.0.1:%d/", sc_testserver_port(s));
    snprintf(ca, sizeof(ca), "%s/cert.pem", certdir);
    sc_load_opts_init(&o);
    o.url = url;
    o.connections = 2;
    o.requests = 50;
    o.cafile = ca;
    sc_err_init(&err);
    ck_assert_msg(sc_load_run(&o, &r, &err) == 0, "%s", err.msg);
    ck_assert_uint_eq(r->responses, 50);
    ck_assert_uint_eq(r->nbackends, 1);
    ck_assert_str_eq(r->backends[0].name, "tls-pod");
    sc_load_result_free(r);

    o.cafile = NULL; /* the system store does not know our test CA */
    ck_assert_int_eq(sc_load_run(&o, &r, &err), SC_ECONNECT);
    ck_assert_ptr_null(r);
    ck_assert_msg(strstr(err.msg, "certificate verify failed") != NULL, "%s", err.msg);

    o.insecure = true;
    ck_assert_msg(sc_load_run(&o, &r, &err) == 0, "%s", err.msg);
    ck_assert_uint_eq(r->responses, 50);
    sc_load_result_free(r);
    sc_testserver_stop(s);
}
END_TEST

START_TEST(https_through_a_proxy_uses_connect)
{
    struct sc_testserver *s, *p;
    struct sc_load_opts o;
    struct sc_load_result *r = NULL;
    struct sc_err err;
    char url[64], ca[128], proxy[64], *line;

    make_cert();
    s = start_tls();
    sc_err_init(&err);
    p = sc_testserver_start("proxy", NULL, NULL, NULL, &err);
    ck_assert_msg(p != NULL, "%s", err.msg);
    snprintf(url, sizeof(url), "https://127.0.0.1:%d/", sc_testserver_port(s));
    snprintf(proxy, sizeof(proxy), "http://127.0.0.1:%d", sc_testserver_port(p));
    snprintf(ca, sizeof(ca), "%s/cert.pem", certdir);
    sc_load_opts_init(&o);
    o.url = url;
    o.proxy = proxy;
    o.connections = 2;
    o.requests = 30;
    o.cafile = ca;
    ck_assert_msg(sc_load_run(&o, &r, &err) == 0, "%s", err.msg);
    ck_assert_uint_eq(r->responses, 30);
    ck_assert_uint_eq(sc_testserver_requests(s), 30);
    line = sc_testserver_last_request_line(p);
    ck_assert_ptr_nonnull(line);
    ck_assert_ptr_nonnull(strstr(line, "CONNECT 127.0.0.1:"));
    free(line);
    sc_load_result_free(r);
    sc_testserver_stop(p);
    sc_testserver_stop(s);
}
END_TEST

START_TEST(unreachable_target_fails_before_the_run)
{
    struct sc_load_opts o;
    struct sc_load_result *r = NULL;
    struct sc_err err;
    struct sc_testserver *s;
    char url[64];

    /* A port that was just free: start and stop a server to learn one. */
    sc_err_init(&err);
    s = sc_testserver_start("ok", NULL, NULL, NULL, &err);
    ck_assert_msg(s != NULL, "%s", err.msg);
    snprintf(url, sizeof(url), "http://127.0.0.1:%d/", sc_testserver_port(s));
    sc_testserver_stop(s);
    sc_load_opts_init(&o);
    o.url = url;
    o.requests = 5;
    ck_assert_int_eq(sc_load_run(&o, &r, &err), SC_ECONNECT);
    ck_assert_ptr_null(r);
    ck_assert_msg(strcasestr(err.msg, "connection refused") != NULL, "%s", err.msg);
    o.url = "http://no-such-host.invalid/";
    ck_assert_int_eq(sc_load_run(&o, &r, &err), SC_ECONNECT);
    ck_assert_msg(strstr(err.msg, "cannot resolve host 'no-such-host.invalid'") != NULL, "%s",
                  err.msg);
}
END_TEST

START_TEST(invalid_options_are_rejected_by_validation)
{
    struct sc_load_opts o;
    struct sc_err err;
    sc_load_opts_init(&o);
    sc_err_init(&err);
    o.url = "http://127.0.0.1:1/";
    ck_assert_int_eq(sc_load_validate(&o, &err), SC_EINVAL); /* unbounded */
    ck_assert_ptr_nonnull(strstr(err.msg, "unbounded"));
    o.requests = 1;
    o.connections = 0;
    ck_assert_int_eq(sc_load_validate(&o, &err), SC_EINVAL);
    ck_assert_ptr_nonnull(strstr(err.msg, "connections"));
    o.connections = 1;
    o.rate = -1;
    ck_assert_int_eq(sc_load_validate(&o, &err), SC_EINVAL);
    o.rate = 0;
    o.proxy = "https://127.0.0.1:3128";
    ck_assert_int_eq(sc_load_validate(&o, &err), SC_EINVAL);
    o.proxy = NULL;
    {
        static const char *const bad[] = {"NoColon"};
        o.headers = bad;
        o.nheaders = 1;
        ck_assert_int_eq(sc_load_validate(&o, &err), SC_EINVAL);
        ck_assert_ptr_nonnull(strstr(err.msg, "NoColon"));
    }
}
END_TEST

int main(void)
{
    Suite *s = suite_create("engine");
    TCase *tc = tcase_create("counts");
    TCase *tm = tcase_create("misbehaviour");
    TCase *tt = tcase_create("transport");

    tcase_set_timeout(tc, 60);
    tcase_set_timeout(tm, 60);
    tcase_set_timeout(tt, 60);
    tcase_add_test(tc, request_count_bound_sends_exactly_that_many);
    tcase_add_test(tc, counts_per_backend_match_what_the_server_sent);
    tcase_add_test(tc, counts_per_status_are_kept_and_non_2xx_reported);
    tcase_add_test(tc, duration_bound_stops_and_loses_no_request_in_flight);
    tcase_add_test(tc, pipelined_requests_are_all_answered);
    tcase_add_test(tc, chunked_responses_are_counted);
    tcase_add_test(tc, close_delimited_responses_are_counted_and_reconnected);
    tcase_add_test(tc, connection_close_responses_reconnect_without_errors);
    tcase_add_test(tc, responses_written_byte_by_byte_are_reassembled);
    tcase_add_test(tc, constant_rate_sends_the_requested_count_with_both_latencies);
    tcase_add_test(tc, rate_below_thread_count_is_reported_and_threads_reduced);
    tcase_add_test(tc, method_headers_and_body_are_sent);
    tcase_add_test(tc, bodies_larger_than_a_receive_buffer_are_reassembled);
    tcase_add_test(tm, garbage_counts_as_protocol_errors);
    tcase_add_test(tm, truncated_bodies_count_as_read_errors);
    tcase_add_test(tm, resets_count_as_reset_errors);
    tcase_add_test(tm, stalls_count_as_timeouts_and_the_run_ends);
    tcase_add_test(tm, oversized_headers_count_as_protocol_errors);
    tcase_add_test(tm, bad_chunking_counts_as_protocol_errors);
    tcase_add_test(tm, two_content_lengths_count_as_protocol_errors);
    tcase_add_test(tm, stall_with_a_duration_ends_after_duration_plus_timeout);
    tcase_add_test(tt, proxy_mode_sends_absolute_form_targets);
    tcase_add_test(tt, https_with_the_right_ca_works_and_without_it_fails_before_the_run);
    tcase_add_test(tt, https_through_a_proxy_uses_connect);
    tcase_add_test(tt, unreachable_target_fails_before_the_run);
    tcase_add_test(tt, invalid_options_are_rejected_by_validation);
    suite_add_tcase(s, tc);
    suite_add_tcase(s, tm);
    suite_add_tcase(s, tt);
    return sc_check_run(s);
}
