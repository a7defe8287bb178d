/* test_h2.c - the load engine's HTTP/2 and gRPC against real local servers (h2server.c):
 * counts, multiplexing, TLS with ALPN, proxies, gRPC statuses and hostile servers. */
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

static void start_with(struct fixture *f, const char *mode, const char *path, const char *cert,
                       const char *key)
{
    memset(f, 0, sizeof(*f));
    sc_err_init(&f->err);
    f->srv = sc_testserver_start(mode, NULL, cert, key, &f->err);
    ck_assert_msg(f->srv != NULL, "%s", f->err.msg);
    snprintf(f->url, sizeof(f->url), "%s://127.0.0.1:%d%s", cert ? "https" : "http",
             sc_testserver_port(f->srv), path);
    sc_load_opts_init(&f->o);
    f->o.url = f->url;
    f->o.connections = 2;
    f->o.h2 = true;
    f->o.timeout_ns = 2000000000ull;
}

static void start(struct fixture *f, const char *mode, const char *path)
{
    start_with(f, mode, path, NULL, NULL);
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

static const char *first_error(const struct sc_load_result *r)
{
    return r->first_error ? r->first_error : "-";
}

START_TEST(h2c_counts_every_response_per_backend)
{
    struct fixture f;
    start(&f, "h2-alternate", "/");
    f.o.requests = 500;
    f.o.max_streams = 4;
    ck_assert_int_eq(run(&f), 0);
    ck_assert_msg(f.res->responses == 500, "%lu responses, first error %s",
                  (unsigned long)f.res->responses, first_error(f.res));
    ck_assert_uint_eq(f.res->sent, 500);
    ck_assert_uint_eq(f.res->status[200], 500);
    ck_assert_uint_eq(sc_load_result_errors(f.res), 0);
    ck_assert_uint_eq(backend(f.res, "pod-a"), sc_testserver_alternate(f.srv, 0));
    ck_assert_uint_eq(backend(f.res, "pod-b"), sc_testserver_alternate(f.srv, 1));
    ck_assert_uint_eq(backend(f.res, "pod-a") + backend(f.res, "pod-b"), 500);
    ck_assert_uint_eq(f.res->latency->count, 500);
    ck_assert_str_eq(f.res->protocol, "h2c");
    ck_assert_uint_eq(f.res->max_streams, 4);
    ck_assert_ptr_null(f.res->grpc);
    finish(&f);
}
END_TEST

START_TEST(h2c_counts_statuses)
{
    struct fixture f;
    start(&f, "h2-ok", "/status/503");
    f.o.requests = 120;
    ck_assert_int_eq(run(&f), 0);
    ck_assert_uint_eq(f.res->status[503], 120);
    ck_assert_uint_eq(sc_load_result_non2xx3xx(f.res), 120);
    ck_assert_uint_eq(backend(f.res, "pod-a"), 120);
    finish(&f);
}
END_TEST

START_TEST(ten_streams_share_one_connection)
{
    struct fixture f;
    start(&f, "h2-ok", "/");
    f.o.connections = 1;
    f.o.max_streams = 10;
    f.o.requests = 1000;
    f.o.no_preflight = true; /* its connection would count */
    ck_assert_int_eq(run(&f), 0);
    ck_assert_uint_eq(f.res->responses, 1000);
    ck_assert_uint_eq(sc_testserver_connections(f.srv), 1);
    ck_assert_uint_eq(sc_testserver_requests(f.srv), 1000);
    ck_assert_uint_eq(f.res->connections_opened, 1);
    ck_assert_uint_eq(f.res->reconnects, 0);
    finish(&f);
}
END_TEST

START_TEST(duration_bound_h2_loses_no_stream_in_flight)
{
    struct fixture f;
    start(&f, "h2-ok", "/");
    f.o.duration_ns = 300000000ull;
    f.o.max_streams = 8;
    ck_assert_int_eq(run(&f), 0);
    ck_assert_uint_gt(f.res->responses, 0);
    ck_assert_uint_eq(f.res->responses, f.res->sent);
    ck_assert_uint_eq(sc_testserver_requests(f.srv), f.res->sent);
    finish(&f);
}
END_TEST

START_TEST(constant_rate_over_h2_sends_the_count_with_both_latencies)
{
    struct fixture f;
    start(&f, "h2-ok", "/");
    f.o.rate = 400;
    f.o.requests = 100;
    f.o.max_streams = 4;
    ck_assert_int_eq(run(&f), 0);
    ck_assert_uint_eq(f.res->sent, 100);
    ck_assert_uint_eq(f.res->responses, 100);
    ck_assert_uint_eq(f.res->latency->count, 100);
    ck_assert_uint_eq(f.res->latency_uncorrected->count, 100);
    ck_assert_uint_gt(f.res->pace_window_ns, 0);
    finish(&f);
}
END_TEST

START_TEST(timeline_records_each_stream_with_its_connection)
{
    struct fixture f;
    start(&f, "h2-ok", "/");
    f.o.connections = 1;
    f.o.max_streams = 5;
    f.o.requests = 50;
    f.o.timeline = true;
    ck_assert_int_eq(run(&f), 0);
    ck_assert_uint_eq(f.res->ntimeline, 50);
    /* The first five streams went out together, in one write. */
    for (size_t i = 1; i < 5; i++)
        ck_assert_uint_eq(f.res->timeline[i].sent_ns, f.res->timeline[0].sent_ns);
    ck_assert_uint_gt(f.res->timeline[5].sent_ns, f.res->timeline[0].sent_ns);
    for (size_t i = 0; i < f.res->ntimeline; i++) {
        ck_assert_int_eq(f.res->timeline[i].outcome, 200);
        ck_assert_uint_eq(f.res->timeline[i].conn, 1);
    }
    finish(&f);
}
END_TEST

static void grpc_run(const char *method, struct fixture *f, uint64_t n)
{
    start(f, "h2-grpc", "/");
    f->o.h2 = false; /* implied by grpc */
    f->o.grpc = method;
    f->o.body = "hello";
    f->o.body_len = 5;
    f->o.requests = n;
    f->o.max_streams = 3;
    ck_assert_int_eq(run(f), 0);
    ck_assert_msg(f->res->responses == n, "%s: %lu responses, first error %s", method,
                  (unsigned long)f->res->responses, first_error(f->res));
    ck_assert_str_eq(f->res->grpc, method);
    ck_assert_uint_eq(f->res->status[200], n);
}

START_TEST(grpc_status_comes_from_trailers)
{
    struct fixture f;
    grpc_run("test.Echo/Ok", &f, 60);
    ck_assert_uint_eq(f.res->grpc_status[0], 60);
    ck_assert_uint_eq(f.res->grpc_status_missing, 0);
    ck_assert_uint_eq(backend(f.res, "pod-a"), 60);
    finish(&f);
}
END_TEST

START_TEST(grpc_trailers_only_response_counts_its_status)
{
    struct fixture f;
    grpc_run("test.Echo/NotFound", &f, 40);
    ck_assert_uint_eq(f.res->grpc_status[5], 40);
    ck_assert_uint_eq(f.res->grpc_status[0], 0);
    finish(&f);
}
END_TEST

START_TEST(grpc_missing_and_malformed_statuses_are_counted_apart)
{
    struct fixture f;
    grpc_run("test.Echo/NoStatus", &f, 30);
    ck_assert_uint_eq(f.res->grpc_status_missing, 30);
    ck_assert_uint_eq(f.res->grpc_status[0], 0);
    finish(&f);
    grpc_run("test.Echo/Bad", &f, 20);
    ck_assert_uint_eq(f.res->grpc_status_other, 20);
    ck_assert_uint_eq(f.res->grpc_status_missing, 0);
    finish(&f);
}
END_TEST

START_TEST(grpc_request_path_is_the_method)
{
    struct fixture f;
    char *line;
    grpc_run("test.Echo/Ok", &f, 1);
    line = sc_testserver_last_request_line(f.srv);
    ck_assert_ptr_nonnull(strstr(line, ":path /test.Echo/Ok"));
    free(line);
    finish(&f);
}
END_TEST

/* ---- TLS and proxies ---------------------------------------------------------------------- */

static char tmpdir[64];
static char cert[128], key[128];

static void make_cert(void)
{
    struct sc_err err;
    sc_err_init(&err);
    snprintf(tmpdir, sizeof(tmpdir), "/tmp/sc-h2-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(tmpdir));
    ck_assert_int_eq(sc_testserver_cert(tmpdir, &err), 0);
    snprintf(cert, sizeof(cert), "%s/cert.pem", tmpdir);
    snprintf(key, sizeof(key), "%s/key.pem", tmpdir);
}

static void drop_cert(void)
{
    unlink(cert);
    unlink(key);
    rmdir(tmpdir);
}

START_TEST(tls_with_alpn_h2_works)
{
    struct fixture f;
    make_cert();
    start_with(&f, "h2-tls", "/", cert, key);
    f.o.cafile = cert;
    f.o.requests = 200;
    f.o.max_streams = 5;
    ck_assert_int_eq(run(&f), 0);
    ck_assert_msg(f.res->responses == 200, "first error %s", first_error(f.res));
    ck_assert_str_eq(f.res->protocol, "h2");
    ck_assert_uint_eq(sc_testserver_requests(f.srv), 200);
    finish(&f);
    drop_cert();
}
END_TEST

START_TEST(tls_server_without_h2_fails_before_the_run)
{
    struct fixture f;
    make_cert();
    start_with(&f, "tls", "/", cert, key);
    f.o.cafile = cert;
    f.o.requests = 10;
    ck_assert_int_eq(run(&f), SC_ECONNECT);
    ck_assert_ptr_nonnull(strstr(f.err.msg, "ALPN h2"));
    ck_assert_uint_eq(sc_testserver_requests(f.srv), 0);
    f.res = NULL;
    /* Without the preflight, every connection fails to connect, clearly. */
    f.o.no_preflight = true;
    f.o.requests = 3;
    f.o.timeout_ns = 300000000ull;
    ck_assert_int_eq(run(&f), 0);
    ck_assert_uint_eq(f.res->responses, 0);
    ck_assert_uint_gt(f.res->errors[SC_LERR_CONNECT], 0);
    ck_assert_ptr_nonnull(strstr(first_error(f.res), "ALPN h2"));
    finish(&f);
    drop_cert();
}
END_TEST

START_TEST(h2c_through_a_proxy_names_the_target_as_authority)
{
    struct fixture f;
    char proxy[64], *line;
    start(&f, "h2-ok", "/");
    snprintf(proxy, sizeof(proxy), "http://127.0.0.1:%d", sc_testserver_port(f.srv));
    f.o.url = "http://backend.example:8080/x";
    f.o.proxy = proxy;
    f.o.requests = 20;
    ck_assert_int_eq(run(&f), 0);
    ck_assert_uint_eq(f.res->responses, 20);
    line = sc_testserver_last_request_line(f.srv);
    ck_assert_str_eq(line, ":authority backend.example:8080 :path /x");
    free(line);
    finish(&f);
}
END_TEST

START_TEST(https_h2_through_a_proxy_uses_connect_then_alpn)
{
    struct fixture f;
    struct sc_testserver *proxy;
    char purl[64];
    make_cert();
    start_with(&f, "h2-tls", "/", cert, key);
    proxy = sc_testserver_start("proxy", NULL, NULL, NULL, &f.err);
    ck_assert_ptr_nonnull(proxy);
    snprintf(purl, sizeof(purl), "http://127.0.0.1:%d", sc_testserver_port(proxy));
    f.o.proxy = purl;
    f.o.cafile = cert;
    f.o.requests = 50;
    f.o.max_streams = 5;
    ck_assert_int_eq(run(&f), 0);
    ck_assert_msg(f.res->responses == 50, "first error %s", first_error(f.res));
    ck_assert_uint_eq(sc_testserver_requests(f.srv), 50);
    sc_testserver_stop(proxy);
    finish(&f);
    drop_cert();
}
END_TEST

/* ---- hostile servers ------------------------------------------------------------------------ */

/* `n` requests on one connection at a time against `mode`: the run ends, none answered. */
static void hostile(struct fixture *f, const char *mode, uint64_t n, unsigned streams)
{
    start(f, mode, "/");
    f->o.connections = 1;
    f->o.requests = n;
    f->o.max_streams = streams;
    f->o.timeout_ns = 500000000ull;
    f->o.no_preflight = true; /* the server counts connections */
    ck_assert_int_eq(run(f), 0);
    ck_assert_uint_le(f->res->elapsed_ns, 5000000000ull);
}

START_TEST(garbage_instead_of_http2_counts_as_protocol_errors)
{
    struct fixture f;
    hostile(&f, "h2-garbage", 5, 1);
    ck_assert_uint_eq(f.res->responses, 0);
    ck_assert_msg(f.res->errors[SC_LERR_PROTOCOL] == 5, "first error %s", first_error(f.res));
    finish(&f);
}
END_TEST

START_TEST(frame_beyond_the_max_size_counts_as_protocol_errors)
{
    struct fixture f;
    hostile(&f, "h2-badlen", 5, 1);
    ck_assert_uint_eq(f.res->responses, 0);
    ck_assert_msg(f.res->errors[SC_LERR_PROTOCOL] == 5, "first error %s", first_error(f.res));
    finish(&f);
}
END_TEST

START_TEST(header_block_beyond_the_limit_counts_as_protocol_errors)
{
    struct fixture f;
    hostile(&f, "h2-huge", 6, 2);
    ck_assert_uint_eq(f.res->responses, 0);
    ck_assert_msg(f.res->errors[SC_LERR_PROTOCOL] == 6, "first error %s", first_error(f.res));
    ck_assert_msg(strstr(first_error(f.res), "header block") != NULL, "%s", first_error(f.res));
    finish(&f);
}
END_TEST

START_TEST(continuation_flood_counts_as_protocol_errors)
{
    struct fixture f;
    hostile(&f, "h2-flood", 4, 2);
    ck_assert_uint_eq(f.res->responses, 0);
    ck_assert_msg(f.res->errors[SC_LERR_PROTOCOL] == 4, "first error %s", first_error(f.res));
    finish(&f);
}
END_TEST

START_TEST(goaway_mid_stream_counts_unanswered_streams_as_goaway)
{
    struct fixture f;
    /* Per connection: stream 1 answered, 3 cut by the end after GOAWAY(3), 5 and 7 above it. */
    hostile(&f, "h2-goaway", 8, 4);
    ck_assert_msg(f.res->status[200] == 2, "%lu ok, first error %s",
                  (unsigned long)f.res->status[200], first_error(f.res));
    ck_assert_uint_eq(f.res->errors[SC_LERR_GOAWAY], 6);
    ck_assert_uint_eq(sc_load_result_errors(f.res), 6);
    ck_assert_uint_eq(sc_testserver_connections(f.srv), 2);
    finish(&f);
}
END_TEST

START_TEST(flow_control_stall_counts_timeouts_and_ends)
{
    struct fixture f;
    static char body[100000];
    start(&f, "h2-stall-window", "/");
    f.o.connections = 1;
    f.o.requests = 3;
    f.o.max_streams = 3;
    f.o.method = "POST";
    f.o.body = body; /* beyond the 65535-byte initial window: the rest can never be sent */
    f.o.body_len = sizeof(body);
    f.o.timeout_ns = 500000000ull;
    ck_assert_int_eq(run(&f), 0);
    ck_assert_uint_eq(f.res->responses, 0);
    ck_assert_uint_eq(f.res->errors[SC_LERR_TIMEOUT], 3);
    ck_assert_uint_le(f.res->elapsed_ns, 3000000000ull);
    finish(&f);
}
END_TEST

START_TEST(rst_stream_on_every_stream_counts_as_rst_stream)
{
    struct fixture f;
    hostile(&f, "h2-rst", 40, 4);
    ck_assert_uint_eq(f.res->responses, 0);
    ck_assert_msg(f.res->errors[SC_LERR_RST_STREAM] == 40, "first error %s", first_error(f.res));
    ck_assert_uint_eq(sc_load_result_errors(f.res), 40);
    ck_assert_uint_eq(f.res->connections_opened, 1); /* a stream error keeps the connection */
    finish(&f);
}
END_TEST

START_TEST(refused_stream_counts_as_refused_stream)
{
    struct fixture f;
    hostile(&f, "h2-refused", 40, 4);
    ck_assert_uint_eq(f.res->responses, 0);
    ck_assert_uint_eq(f.res->errors[SC_LERR_REFUSED_STREAM], 40);
    ck_assert_uint_eq(f.res->errors[SC_LERR_RST_STREAM], 0);
    finish(&f);
}
END_TEST

/* ---- options and results ------------------------------------------------------------------ */

START_TEST(h2_options_are_validated)
{
    struct sc_load_opts o;
    struct sc_err err;
    sc_err_init(&err);
    sc_load_opts_init(&o);
    ck_assert_uint_eq(o.max_streams, 1);
    o.url = "http://127.0.0.1:1/";
    o.requests = 1;
    o.h2 = true;
    o.pipeline = 2;
    ck_assert_int_eq(sc_load_validate(&o, &err), SC_EINVAL);
    ck_assert_ptr_nonnull(strstr(err.msg, "pipelining"));
    o.pipeline = 1;
    o.max_streams = SC_LOAD_MAX_STREAMS + 1;
    ck_assert_int_eq(sc_load_validate(&o, &err), SC_EINVAL);
    o.max_streams = 0;
    ck_assert_int_eq(sc_load_validate(&o, &err), SC_EINVAL);
    o.max_streams = SC_LOAD_MAX_STREAMS;
    ck_assert_int_eq(sc_load_validate(&o, &err), 0);
    o.grpc = "NoMethod";
    ck_assert_int_eq(sc_load_validate(&o, &err), SC_EINVAL);
    o.grpc = "/a/b";
    ck_assert_int_eq(sc_load_validate(&o, &err), SC_EINVAL);
    o.grpc = "pkg.Svc/Call";
    ck_assert_int_eq(sc_load_validate(&o, &err), 0);
    o.grpc = NULL;
    o.h2 = false;
    o.max_streams = 4;
    ck_assert_int_eq(sc_load_validate(&o, &err), SC_EINVAL);
}
END_TEST

START_TEST(h2_fields_survive_json_and_merge)
{
    struct sc_load_result *a = sc_load_result_new(), *b = NULL;
    struct sc_err err;
    cJSON *j;
    sc_err_init(&err);
    a->protocol = strdup("h2c");
    a->max_streams = 10;
    a->grpc = strdup("pkg.Svc/Call");
    a->grpc_status[0] = 7;
    a->grpc_status[14] = 2;
    a->grpc_status_other = 1;
    a->grpc_status_missing = 3;
    a->errors[SC_LERR_GOAWAY] = 4;
    a->errors[SC_LERR_REFUSED_STREAM] = 5;
    a->errors[SC_LERR_RST_STREAM] = 6;
    j = sc_load_result_to_json(a);
    ck_assert_int_eq(sc_load_result_from_json(j, &b, &err), 0);
    ck_assert_str_eq(b->protocol, "h2c");
    ck_assert_uint_eq(b->max_streams, 10);
    ck_assert_str_eq(b->grpc, "pkg.Svc/Call");
    ck_assert_uint_eq(b->grpc_status[0], 7);
    ck_assert_uint_eq(b->grpc_status[14], 2);
    ck_assert_uint_eq(b->grpc_status_other, 1);
    ck_assert_uint_eq(b->grpc_status_missing, 3);
    ck_assert_uint_eq(b->errors[SC_LERR_GOAWAY], 4);
    ck_assert_uint_eq(b->errors[SC_LERR_REFUSED_STREAM], 5);
    ck_assert_uint_eq(b->errors[SC_LERR_RST_STREAM], 6);
    sc_load_result_merge(b, a);
    ck_assert_uint_eq(b->grpc_status[0], 14);
    ck_assert_uint_eq(b->grpc_status_missing, 6);
    ck_assert_uint_eq(b->errors[SC_LERR_GOAWAY], 8);
    sc_load_result_free(b);
    /* A result of an older agent: no protocol, no gRPC. */
    cJSON_DeleteItemFromObject(j, "protocol");
    cJSON_DeleteItemFromObject(j, "max_streams");
    cJSON_DeleteItemFromObject(j, "grpc");
    ck_assert_int_eq(sc_load_result_from_json(j, &b, &err), 0);
    ck_assert_str_eq(b->protocol, "http/1.1");
    ck_assert_ptr_null(b->grpc);
    cJSON_Delete(j);
    sc_load_result_free(a);
    sc_load_result_free(b);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("h2");
    TCase *tc = tcase_create("h2"), *tg = tcase_create("grpc"), *tt = tcase_create("tls+proxy"),
          *th = tcase_create("hostile");

    tcase_set_timeout(tc, 60);
    tcase_set_timeout(tg, 60);
    tcase_set_timeout(tt, 60);
    tcase_set_timeout(th, 60);
    tcase_add_test(tc, h2c_counts_every_response_per_backend);
    tcase_add_test(tc, h2c_counts_statuses);
    tcase_add_test(tc, ten_streams_share_one_connection);
    tcase_add_test(tc, duration_bound_h2_loses_no_stream_in_flight);
    tcase_add_test(tc, constant_rate_over_h2_sends_the_count_with_both_latencies);
    tcase_add_test(tc, timeline_records_each_stream_with_its_connection);
    tcase_add_test(tc, h2_options_are_validated);
    tcase_add_test(tc, h2_fields_survive_json_and_merge);
    tcase_add_test(tg, grpc_status_comes_from_trailers);
    tcase_add_test(tg, grpc_trailers_only_response_counts_its_status);
    tcase_add_test(tg, grpc_missing_and_malformed_statuses_are_counted_apart);
    tcase_add_test(tg, grpc_request_path_is_the_method);
    tcase_add_test(tt, tls_with_alpn_h2_works);
    tcase_add_test(tt, tls_server_without_h2_fails_before_the_run);
    tcase_add_test(tt, h2c_through_a_proxy_names_the_target_as_authority);
    tcase_add_test(tt, https_h2_through_a_proxy_uses_connect_then_alpn);
    tcase_add_test(th, garbage_instead_of_http2_counts_as_protocol_errors);
    tcase_add_test(th, frame_beyond_the_max_size_counts_as_protocol_errors);
    tcase_add_test(th, header_block_beyond_the_limit_counts_as_protocol_errors);
    tcase_add_test(th, continuation_flood_counts_as_protocol_errors);
    tcase_add_test(th, goaway_mid_stream_counts_unanswered_streams_as_goaway);
    tcase_add_test(th, flow_control_stall_counts_timeouts_and_ends);
    tcase_add_test(th, rst_stream_on_every_stream_counts_as_rst_stream);
    tcase_add_test(th, refused_stream_counts_as_refused_stream);
    suite_add_tcase(s, tc);
    suite_add_tcase(s, tg);
    suite_add_tcase(s, tt);
    suite_add_tcase(s, th);
    return sc_check_run(s);
}
