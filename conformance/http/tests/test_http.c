/* test_http.c - response framing (every case, any split of the stream) and URL parsing. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/resp_parser.h"
#include "http/url.h"

#include "base/tests/check_main.h"

#define MAX_SEEN 16

struct seen {
    int n;
    int status[MAX_SEEN];
    bool keep_alive[MAX_SEEN];
    char backend[MAX_SEEN][SC_RESP_BACKEND_MAX + 1];
    uint64_t body[MAX_SEEN];
};

static void on_resp(void *ud, const struct sc_resp *r)
{
    struct seen *s = ud;
    ck_assert_int_lt(s->n, MAX_SEEN);
    s->status[s->n] = r->status;
    s->keep_alive[s->n] = r->keep_alive;
    s->body[s->n] = r->body_bytes;
    if (r->backend) {
        memcpy(s->backend[s->n], r->backend, r->backend_len);
        s->backend[s->n][r->backend_len] = '\0';
    } else {
        strcpy(s->backend[s->n], "(none)");
    }
    s->n++;
}

static bool slow_only; /* run() without the fast path: http-parser alone */

/* Feed `text` in pieces of `step` bytes (0 = all at once); then EOF if `eof`.
 * Returns 0, or -1 on the first framing error. */
static int run(const char *text, size_t step, bool eof, bool head, struct seen *s)
{
    struct sc_resp_parser p;
    size_t len = strlen(text), off = 0;
    memset(s, 0, sizeof(*s));
    sc_resp_parser_init(&p, "x-smi-pod", head, on_resp, s);
    sc_resp_parser_set_fast(&p, !slow_only);
    if (step == 0)
        step = len;
    while (off < len) {
        size_t n = len - off < step ? len - off : step;
        /* A private copy per piece: the parser must not read past what it is given. */
        char *piece = malloc(n);
        memcpy(piece, text + off, n);
        int rc = sc_resp_parser_feed(&p, piece, n);
        free(piece);
        if (rc != 0)
            return -1;
        off += n;
    }
    if (eof)
        return sc_resp_parser_eof(&p);
    return 0;
}

/* The same input must give the same result whole, byte by byte and in 7-byte pieces. */
static void run_all_splits(const char *text, bool eof, int want_rc, const struct seen *want)
{
    static const size_t steps[] = {0, 1, 2, 7, 64};
    for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
        struct seen got;
        int rc = run(text, steps[i], eof, false, &got);
        ck_assert_msg(rc == want_rc, "step %zu: rc %d, want %d", steps[i], rc, want_rc);
        ck_assert_int_eq(got.n, want->n);
        for (int k = 0; k < got.n; k++) {
            ck_assert_int_eq(got.status[k], want->status[k]);
            ck_assert_int_eq(got.keep_alive[k], want->keep_alive[k]);
            ck_assert_str_eq(got.backend[k], want->backend[k]);
            ck_assert_uint_eq(got.body[k], want->body[k]);
        }
    }
}

START_TEST(content_length_responses_pipelined_are_all_reported_in_order)
{
    struct seen want = {.n = 2,
                        .status = {200, 503},
                        .keep_alive = {true, true},
                        .backend = {"pod-a", "pod-b"},
                        .body = {5, 0}};
    run_all_splits("HTTP/1.1 200 OK\r\nX-SMI-Pod: pod-a\r\nContent-Length: 5\r\n\r\nhello"
                   "HTTP/1.1 503 Unavailable\r\nx-smi-pod: pod-b\r\nContent-Length: 0\r\n\r\n",
                   false, 0, &want);
}
END_TEST

START_TEST(chunked_body_is_framed_with_trailers)
{
    struct seen want = {
        .n = 1, .status = {200}, .keep_alive = {true}, .backend = {"p"}, .body = {9}};
    run_all_splits("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nx-smi-pod: p\r\n\r\n"
                   "4\r\nabcd\r\n5;ext=1\r\nefghi\r\n0\r\nX-Trailer: t\r\n\r\n",
                   false, 0, &want);
}
END_TEST

START_TEST(close_delimited_body_completes_at_eof)
{
    struct seen want = {
        .n = 1, .status = {200}, .keep_alive = {false}, .backend = {"(none)"}, .body = {11}};
    run_all_splits("HTTP/1.1 200 OK\r\n\r\nhello world", true, 0, &want);
}
END_TEST

START_TEST(connection_close_is_reported_as_not_keep_alive)
{
    struct seen want = {
        .n = 1, .status = {200}, .keep_alive = {false}, .backend = {"a"}, .body = {2}};
    run_all_splits("HTTP/1.1 200 OK\r\nConnection: close\r\nx-smi-pod: a\r\nContent-Length: 2\r\n"
                   "\r\nok",
                   false, 0, &want);
}
END_TEST

START_TEST(http_1_0_without_keep_alive_closes)
{
    struct seen want = {
        .n = 1, .status = {200}, .keep_alive = {false}, .backend = {"(none)"}, .body = {2}};
    run_all_splits("HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok", false, 0, &want);
}
END_TEST

START_TEST(truncated_body_fails_at_eof)
{
    struct seen want = {.n = 0};
    run_all_splits("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nshort", true, -1, &want);
}
END_TEST

START_TEST(garbage_is_a_framing_error)
{
    struct seen want = {.n = 0};
    run_all_splits("SSH-2.0-OpenSSH_9.2\r\n\r\n", false, -1, &want);
}
END_TEST

START_TEST(bad_chunk_size_is_a_framing_error)
{
    struct seen want = {.n = 0};
    run_all_splits("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nZZ\r\nab\r\n", false, -1,
                   &want);
}
END_TEST

START_TEST(two_content_lengths_are_a_framing_error)
{
    struct seen want = {.n = 0};
    run_all_splits("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 4\r\n\r\nokok", false,
                   -1, &want);
}
END_TEST

START_TEST(oversized_headers_are_a_framing_error)
{
    size_t n = 100 * 1024;
    char *big = malloc(n + 128);
    struct seen s;
    int off = sprintf(big, "HTTP/1.1 200 OK\r\nX-Big: ");
    memset(big + off, 'a', n);
    strcpy(big + off + n, "\r\nContent-Length: 0\r\n\r\n");
    ck_assert_int_eq(run(big, 4096, false, false, &s), -1);
    ck_assert_int_eq(s.n, 0);
    free(big);
}
END_TEST

START_TEST(head_responses_have_no_body_despite_content_length)
{
    struct seen s;
    ck_assert_int_eq(run("HTTP/1.1 200 OK\r\nContent-Length: 50\r\n\r\n"
                         "HTTP/1.1 204 No Content\r\n\r\n",
                         1, false, true, &s),
                     0);
    ck_assert_int_eq(s.n, 2);
    ck_assert_int_eq(s.status[1], 204);
}
END_TEST

START_TEST(interim_100_continue_is_not_reported)
{
    struct seen want = {
        .n = 1, .status = {201}, .keep_alive = {true}, .backend = {"(none)"}, .body = {0}};
    run_all_splits("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n",
                   false, 0, &want);
}
END_TEST

START_TEST(identity_header_is_matched_whole_not_by_prefix)
{
    struct seen want = {
        .n = 1, .status = {200}, .keep_alive = {true}, .backend = {"real"}, .body = {0}};
    run_all_splits(
        "HTTP/1.1 200 OK\r\nx-smi-pod-extra: nope\r\nx-smi-po: nope\r\nx-smi-pod: real\r\n"
        "x-smi-pod: second\r\nContent-Length: 0\r\n\r\n",
        false, 0, &want);
}
END_TEST

/* The fast path takes whole simple responses; every shape at its edge must come out as
 * http-parser alone reports it (or go to http-parser). */
START_TEST(fast_path_reports_what_http_parser_reports)
{
    static const char *const cases[] = {
        "HTTP/1.1 200 OK\r\nServer: nginx\r\nContent-Length: 2\r\nConnection: keep-alive\r\n\r\nok"
        "HTTP/1.1 503 Service Unavailable\r\nx-smi-pod: web-1\r\nContent-Length: 0\r\n\r\n",
        "HTTP/1.1 200 \r\nCONTENT-LENGTH: 0003\r\nX-SMI-POD:\tweb-2\r\n\r\nabc",
        "HTTP/1.1 200 OK\r\nx-smi-pod: web-3 \r\nContent-Length: 0\r\n\r\n",
        "HTTP/1.1 200 OK\r\nx-smi-pod:\r\nContent-Length: 0\r\n\r\n",
        "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 1\r\n\r\nx",
        "HTTP/1.1 200 OK\r\nConnection: keep-alive, Upgrade\r\nContent-Length: 0\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\nok",
        "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nokk",
        "HTTP/1.1 200 OK\r\nContent-Length: +2\r\n\r\nok",
        "HTTP/1.1 200 OK\r\nContent-Length: 2 \r\n\r\nok",
        "HTTP/1.1 200 OK\r\nContent-Length : 2\r\n\r\nok",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 2\r\n\r\n0\r\n\r\n",
        "HTTP/1.1 200 OK\r\nx-a: 1\r\n folded\r\nContent-Length: 0\r\n\r\n",
        "HTTP/1.1 200 OK\r\nx-a: caf\xc3\xa9\r\nContent-Length: 0\r\n\r\n",
        "HTTP/1.1 200 OK\nContent-Length: 0\n\n",
        "HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\n",
        "HTTP/1.1 304 Not Modified\r\nContent-Length: 5\r\n\r\n",
        "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n",
        "HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\nHTTP/1.1 404 Nope\r\nContent-Length: 0\r\n"
        "Connection: close\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: "
        "5\r\n\r\nab",
        "HTTP/1.1 999 OK\r\nContent-Length: 0\r\n\r\n",
        "HTTP/1.1 2x0 OK\r\nContent-Length: 0\r\n\r\n",
        "HTTP/1.1 200 OK\r\n: empty\r\nContent-Length: 0\r\n\r\n",
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct seen fast, slow;
        int rc_fast, rc_slow;
        slow_only = false;
        rc_fast = run(cases[i], 0, true, false, &fast);
        slow_only = true;
        rc_slow = run(cases[i], 0, true, false, &slow);
        slow_only = false;
        ck_assert_msg(rc_fast == rc_slow, "case %zu: rc %d fast, %d http-parser", i, rc_fast,
                      rc_slow);
        ck_assert_msg(fast.n == slow.n, "case %zu: %d responses fast, %d http-parser", i, fast.n,
                      slow.n);
        for (int k = 0; k < fast.n; k++) {
            ck_assert_int_eq(fast.status[k], slow.status[k]);
            ck_assert_int_eq(fast.keep_alive[k], slow.keep_alive[k]);
            ck_assert_str_eq(fast.backend[k], slow.backend[k]);
            ck_assert_uint_eq(fast.body[k], slow.body[k]);
        }
    }
}
END_TEST

START_TEST(eof_between_responses_is_clean)
{
    struct seen s;
    ck_assert_int_eq(run("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", 3, true, false, &s), 0);
    ck_assert_int_eq(s.n, 1);
}
END_TEST

START_TEST(url_with_port_path_and_query_is_split)
{
    struct sc_url u;
    ck_assert_int_eq(sc_url_parse("http://127.0.0.1:8080/a/b?x=1", &u, NULL), 0);
    ck_assert(!u.tls);
    ck_assert_str_eq(u.host, "127.0.0.1");
    ck_assert_str_eq(u.port, "8080");
    ck_assert_str_eq(u.path, "/a/b?x=1");
    ck_assert_str_eq(u.authority, "127.0.0.1:8080");
    sc_url_release(&u);
}
END_TEST

START_TEST(url_defaults_port_and_path_by_scheme)
{
    struct sc_url u;
    ck_assert_int_eq(sc_url_parse("https://example.test", &u, NULL), 0);
    ck_assert(u.tls);
    ck_assert_str_eq(u.port, "443");
    ck_assert_str_eq(u.path, "/");
    ck_assert_str_eq(u.authority, "example.test");
    sc_url_release(&u);
    ck_assert_int_eq(sc_url_parse("http://h?q=2", &u, NULL), 0);
    ck_assert_str_eq(u.path, "/?q=2");
    ck_assert_str_eq(u.port, "80");
    sc_url_release(&u);
}
END_TEST

START_TEST(url_ipv6_literal_keeps_brackets_in_authority)
{
    struct sc_url u;
    ck_assert_int_eq(sc_url_parse("http://[::1]:9000/", &u, NULL), 0);
    ck_assert_str_eq(u.host, "::1");
    ck_assert_str_eq(u.authority, "[::1]:9000");
    sc_url_release(&u);
}
END_TEST

START_TEST(bad_urls_are_rejected_with_a_reason)
{
    static const struct {
        const char *url, *why;
    } bad[] = {
        {"ftp://h/", "unknown scheme 'ftp'"},
        {"127.0.0.1:80", "expected http://"},
        {"http://", "expected http://"},
        {"http://u:p@h/", "credentials"},
        {"", "empty"},
        {"http://h:0/", "port 0"},
        {"http://h:99999/", "expected"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct sc_url u;
        struct sc_err err;
        sc_err_init(&err);
        ck_assert_int_eq(sc_url_parse(bad[i].url, &u, &err), SC_EINVAL);
        ck_assert_msg(strstr(err.msg, bad[i].why) != NULL, "'%s': message '%s'", bad[i].url,
                      err.msg);
    }
}
END_TEST

int main(void)
{
    Suite *s = suite_create("http");
    TCase *tc = tcase_create("framing");
    TCase *tu = tcase_create("url");

    tcase_add_test(tc, content_length_responses_pipelined_are_all_reported_in_order);
    tcase_add_test(tc, chunked_body_is_framed_with_trailers);
    tcase_add_test(tc, close_delimited_body_completes_at_eof);
    tcase_add_test(tc, connection_close_is_reported_as_not_keep_alive);
    tcase_add_test(tc, http_1_0_without_keep_alive_closes);
    tcase_add_test(tc, truncated_body_fails_at_eof);
    tcase_add_test(tc, garbage_is_a_framing_error);
    tcase_add_test(tc, bad_chunk_size_is_a_framing_error);
    tcase_add_test(tc, two_content_lengths_are_a_framing_error);
    tcase_add_test(tc, oversized_headers_are_a_framing_error);
    tcase_add_test(tc, head_responses_have_no_body_despite_content_length);
    tcase_add_test(tc, interim_100_continue_is_not_reported);
    tcase_add_test(tc, identity_header_is_matched_whole_not_by_prefix);
    tcase_add_test(tc, eof_between_responses_is_clean);
    tcase_add_test(tc, fast_path_reports_what_http_parser_reports);
    tcase_add_test(tu, url_with_port_path_and_query_is_split);
    tcase_add_test(tu, url_defaults_port_and_path_by_scheme);
    tcase_add_test(tu, url_ipv6_literal_keeps_brackets_in_authority);
    tcase_add_test(tu, bad_urls_are_rejected_with_a_reason);
    suite_add_tcase(s, tc);
    suite_add_tcase(s, tu);
    return sc_check_run(s);
}
