/* test_cli_load.c - `smi-conformance load` as a process: exit codes, messages, output. */
#include <check.h>
#include <cjson/cJSON.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/file.h"
#include "load/tests/testserver.h"

#include "base/tests/check_main.h"

extern char **environ;

#define MAX_OUTPUT (1024 * 1024)

/* What a run of the CLI left: exit status and its two streams (owned; out_release()). */
struct out {
    int status;
    char *stdout_text;
    char *stderr_text;
};

static void out_release(struct out *o)
{
    free(o->stdout_text);
    free(o->stderr_text);
}

/* The whole file at `path`, which the test needs: failing to read it fails the test. */
static char *read_all(const char *path)
{
    struct sc_err err;
    char *text = NULL;

    sc_err_init(&err);
    ck_assert_msg(sc_file_read(path, MAX_OUTPUT, &text, NULL, &err) == 0, "%s", err.msg);
    return text;
}

/* Run the CLI with `args` (NULL-terminated, without the program name). */
static void run_cli(struct out *o, const char *const *args)
{
    char bin[512], outp[] = "/tmp/sc-cli-out-XXXXXX", errp[] = "/tmp/sc-cli-err-XXXXXX";
    const char *argv[32];
    posix_spawn_file_actions_t fa;
    pid_t pid;
    int n = 0, st, ofd = mkstemp(outp), efd = mkstemp(errp);
    const char *dir = getenv("SC_BUILD_DIR");

    snprintf(bin, sizeof(bin), "%s/conformance/smi-conformance", dir ? dir : ".");
    argv[n++] = bin;
    argv[n++] = "load";
    for (; *args && n < 31; args++)
        argv[n++] = *args;
    argv[n] = NULL;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, ofd, 1);
    posix_spawn_file_actions_adddup2(&fa, efd, 2);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    ck_assert_int_eq(posix_spawn(&pid, bin, &fa, NULL, (char *const *)argv, environ), 0);
    posix_spawn_file_actions_destroy(&fa);
    ck_assert_int_eq(waitpid(pid, &st, 0), pid);
    o->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    o->stdout_text = read_all(outp);
    o->stderr_text = read_all(errp);
    close(ofd);
    close(efd);
    unlink(outp);
    unlink(errp);
}

/* Exit 2 with exactly one line on stderr that contains `want`. */
static void expect_usage_error(const char *const *args, const char *want)
{
    struct out o;
    char *nl;
    run_cli(&o, args);
    ck_assert_msg(o.status == 2, "exit %d for '%s'", o.status, o.stderr_text);
    ck_assert_msg(strncmp(o.stderr_text, "smi-conformance: error: ", 24) == 0, "stderr: %s",
                  o.stderr_text);
    ck_assert_msg(strstr(o.stderr_text, want) != NULL, "'%s' not in '%s'", want, o.stderr_text);
    nl = strchr(o.stderr_text, '\n');
    ck_assert_msg(nl != NULL && nl[1] == '\0', "not one line: '%s'", o.stderr_text);
    ck_assert_str_eq(o.stdout_text, "");
    out_release(&o);
}

START_TEST(missing_url_is_a_usage_error)
{
    expect_usage_error((const char *[]){"-n", "1", NULL}, "missing URL");
}
END_TEST

START_TEST(malformed_url_is_a_usage_error)
{
    expect_usage_error((const char *[]){"-n", "1", "http//nohost", NULL}, "invalid URL");
}
END_TEST

START_TEST(unknown_scheme_is_a_usage_error)
{
    expect_usage_error((const char *[]){"-n", "1", "gopher://127.0.0.1/", NULL},
                       "unknown scheme 'gopher'");
}
END_TEST

START_TEST(zero_connections_is_a_usage_error)
{
    expect_usage_error((const char *[]){"-c", "0", "http://127.0.0.1:1/", NULL},
                       "connection count '0' is out of range");
}
END_TEST

START_TEST(negative_rate_is_a_usage_error)
{
    expect_usage_error((const char *[]){"-R", "-5", "http://127.0.0.1:1/", NULL},
                       "must not be negative");
}
END_TEST

START_TEST(unparsable_duration_is_a_usage_error)
{
    expect_usage_error((const char *[]){"-d", "10x", "http://127.0.0.1:1/", NULL},
                       "invalid duration '10x'");
}
END_TEST

START_TEST(unknown_option_is_a_usage_error)
{
    expect_usage_error((const char *[]){"--frobnicate", "http://127.0.0.1:1/", NULL},
                       "unknown option '--frobnicate'");
}
END_TEST

START_TEST(unreachable_host_is_a_usage_error)
{
    struct sc_err err;
    struct sc_testserver *s;
    char url[64];
    sc_err_init(&err);
    s = sc_testserver_start("ok", NULL, NULL, NULL, &err);
    ck_assert_msg(s != NULL, "%s", err.msg);
    snprintf(url, sizeof(url), "http://127.0.0.1:%d/", sc_testserver_port(s));
    sc_testserver_stop(s); /* now nothing listens there */
    expect_usage_error((const char *[]){"-n", "5", url, NULL}, "cannot connect to '127.0.0.1:");
    expect_usage_error((const char *[]){"-n", "5", "http://no-such-host.invalid/", NULL},
                       "cannot resolve host 'no-such-host.invalid'");
}
END_TEST

START_TEST(help_prints_usage_and_exits_zero)
{
    struct out o;
    run_cli(&o, (const char *[]){"--help", NULL});
    ck_assert_int_eq(o.status, 0);
    ck_assert_ptr_nonnull(strstr(o.stdout_text, "usage: smi-conformance load"));
    ck_assert_ptr_nonnull(strstr(o.stdout_text, "--rate"));
    out_release(&o);
}
END_TEST

static long number_after(const char *text, const char *label)
{
    const char *p = strstr(text, label);
    ck_assert_msg(p != NULL, "'%s' not in output:\n%s", label, text);
    return strtol(p + strlen(label), NULL, 10);
}

START_TEST(summary_has_the_wrk_lines_and_json_has_the_counts)
{
    struct sc_err err;
    struct sc_testserver *s;
    struct out o;
    char url[64], json_path[] = "/tmp/sc-cli-json-XXXXXX", *text;
    cJSON *j;
    int fd = mkstemp(json_path);

    close(fd);
    sc_err_init(&err);
    s = sc_testserver_start("alternate", NULL, NULL, NULL, &err);
    ck_assert_msg(s != NULL, "%s", err.msg);
    snprintf(url, sizeof(url), "http://127.0.0.1:%d/status/503", sc_testserver_port(s));
    run_cli(&o, (const char *[]){"-n", "300", "-c", "3", "--json", json_path, url, NULL});
    ck_assert_msg(o.status == 0, "exit %d: %s", o.status, o.stderr_text);
    /* The lines wrk users and ../shared/bench parse, exactly so. */
    {
        const char *p = strstr(o.stdout_text, " requests in ");
        ck_assert_ptr_nonnull(p);
        while (p > o.stdout_text && p[-1] != ' ')
            p--;
        ck_assert_int_eq(strtol(p, NULL, 10), 300);
    }
    ck_assert_int_eq(number_after(o.stdout_text, "Non-2xx or 3xx responses: "), 300);
    ck_assert_ptr_nonnull(strstr(o.stdout_text, "\nRequests/sec: "));
    ck_assert_ptr_null(strstr(o.stdout_text, "Socket errors:"));
    ck_assert_int_eq(number_after(o.stdout_text, "  503: "), 300);
    ck_assert_int_eq(
        number_after(o.stdout_text, "  pod-a: ") + number_after(o.stdout_text, "  pod-b: "), 300);
    text = read_all(json_path);
    unlink(json_path);
    j = cJSON_Parse(text);
    free(text);
    ck_assert_ptr_nonnull(j);
    ck_assert_int_eq(cJSON_GetObjectItem(j, "responses")->valueint, 300);
    ck_assert_int_eq(cJSON_GetObjectItem(cJSON_GetObjectItem(j, "status"), "503")->valueint, 300);
    ck_assert_int_eq(cJSON_GetObjectItem(cJSON_GetObjectItem(j, "latency"), "count")->valueint,
                     300);
    ck_assert(
        cJSON_GetArraySize(cJSON_GetObjectItem(cJSON_GetObjectItem(j, "latency"), "buckets")) > 0);
    cJSON_Delete(j);
    out_release(&o);
    sc_testserver_stop(s);
}
END_TEST

/* --h2 -M: the streams of a run share its connections; --grpc: calls counted by grpc-status. */
START_TEST(h2_streams_share_a_connection_and_grpc_counts_statuses)
{
    struct sc_err err;
    struct sc_testserver *s;
    struct out o;
    char url[64];

    sc_err_init(&err);
    s = sc_testserver_start("h2-alternate", NULL, NULL, NULL, &err);
    ck_assert_msg(s != NULL, "%s", err.msg);
    snprintf(url, sizeof(url), "http://127.0.0.1:%d/", sc_testserver_port(s));
    run_cli(&o, (const char *[]){"--h2", "-M", "8", "-n", "200", "-c", "1", url, NULL});
    ck_assert_msg(o.status == 0, "exit %d: %s", o.status, o.stderr_text);
    ck_assert_int_eq(number_after(o.stdout_text, "  200: "), 200);
    ck_assert_uint_eq(sc_testserver_requests(s), 200);
    /* the preflight's (it checks the target answers before the run) and the run's one */
    ck_assert_uint_eq(sc_testserver_connections(s), 2);
    out_release(&o);
    sc_testserver_stop(s);

    s = sc_testserver_start("h2-grpc", NULL, NULL, NULL, &err);
    ck_assert_msg(s != NULL, "%s", err.msg);
    snprintf(url, sizeof(url), "http://127.0.0.1:%d/", sc_testserver_port(s));
    run_cli(&o, (const char *[]){"--grpc", "test.Echo/NotFound", "-n", "20", "-c", "1", url, NULL});
    ck_assert_msg(o.status == 0, "exit %d: %s", o.status, o.stderr_text);
    ck_assert_msg(strstr(o.stdout_text, "gRPC status:") != NULL, "%s", o.stdout_text);
    ck_assert_msg(strstr(o.stdout_text, "5: 20") != NULL, "%s", o.stdout_text);
    out_release(&o);
    sc_testserver_stop(s);
    expect_usage_error((const char *[]){"--grpc", "NoMethod", "-n", "1", url, NULL},
                       "invalid gRPC method 'NoMethod': expected SERVICE/METHOD");
}
END_TEST

/* The request buffer once ignored the method's length (a 5000-byte method overflowed it):
 * an absurd method is refused up front (issue 15 #1), the longest allowed one is sent whole. */
START_TEST(a_method_of_five_thousand_bytes_is_refused)
{
    char *method = malloc(5001);

    ck_assert_ptr_nonnull(method);
    memset(method, 'M', 5000);
    method[5000] = '\0';
    expect_usage_error((const char *[]){"-n", "1", "-m", method, "http://127.0.0.1:1/", NULL},
                       "method of 5000 bytes: at most 64");
    free(method);
}
END_TEST

START_TEST(a_method_of_sixty_four_bytes_is_sent_whole)
{
    struct sc_err err;
    struct sc_testserver *s;
    struct out o;
    char url[64], method[65], *line;

    memset(method, 'M', 64);
    method[64] = '\0';
    sc_err_init(&err);
    s = sc_testserver_start("alternate", NULL, NULL, NULL, &err);
    ck_assert_msg(s != NULL, "%s", err.msg);
    snprintf(url, sizeof(url), "http://127.0.0.1:%d/", sc_testserver_port(s));
    run_cli(&o, (const char *[]){"-n", "3", "-c", "1", "-m", method, url, NULL});
    ck_assert_msg(o.status == 0, "exit %d: %s", o.status, o.stderr_text);
    line = sc_testserver_last_request_line(s);
    ck_assert_ptr_nonnull(line);
    ck_assert_int_eq(strncmp(line, method, 64), 0);
    ck_assert_int_eq(line[64], ' ');
    ck_assert_ptr_nonnull(strstr(o.stdout_text, "3 requests in "));
    free(line);
    out_release(&o);
    sc_testserver_stop(s);
}
END_TEST

START_TEST(stalled_server_shows_timeouts_in_the_socket_errors_line)
{
    struct sc_err err;
    struct sc_testserver *s;
    struct out o;
    char url[64];

    sc_err_init(&err);
    s = sc_testserver_start("stall", NULL, NULL, NULL, &err);
    ck_assert_msg(s != NULL, "%s", err.msg);
    snprintf(url, sizeof(url), "http://127.0.0.1:%d/", sc_testserver_port(s));
    run_cli(&o, (const char *[]){"-d", "200ms", "--timeout", "300ms", "-c", "2", url, NULL});
    /* not one request completed: not a success (issue 15 #7) */
    ck_assert_msg(o.status == 1, "exit %d: %s", o.status, o.stderr_text);
    ck_assert_ptr_nonnull(strstr(o.stderr_text, "not one request completed"));
    ck_assert_ptr_nonnull(
        strstr(o.stdout_text, "Socket errors: connect 0, read 0, write 0, timeout 2\n"));
    ck_assert_ptr_nonnull(strstr(o.stdout_text, "  0 requests in "));
    out_release(&o);
    sc_testserver_stop(s);
}
END_TEST

/* Issue 15 #7: more connections than the hard descriptor limit allows are refused up front
 * (they were thousands of connect errors and exit 0). */
START_TEST(connections_beyond_the_fd_limit_are_refused)
{
    struct rlimit rl = {.rlim_cur = 256, .rlim_max = 256};

    ck_assert_int_eq(setrlimit(RLIMIT_NOFILE, &rl), 0); /* this forked test only */
    expect_usage_error((const char *[]){"-c", "1000", "-n", "1", "http://127.0.0.1:1/", NULL},
                       "1000 connections need about");
}
END_TEST

int main(void)
{
    Suite *s = suite_create("cli_load");
    TCase *tc = tcase_create("cli");

    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, missing_url_is_a_usage_error);
    tcase_add_test(tc, malformed_url_is_a_usage_error);
    tcase_add_test(tc, unknown_scheme_is_a_usage_error);
    tcase_add_test(tc, zero_connections_is_a_usage_error);
    tcase_add_test(tc, negative_rate_is_a_usage_error);
    tcase_add_test(tc, unparsable_duration_is_a_usage_error);
    tcase_add_test(tc, unknown_option_is_a_usage_error);
    tcase_add_test(tc, unreachable_host_is_a_usage_error);
    tcase_add_test(tc, help_prints_usage_and_exits_zero);
    tcase_add_test(tc, summary_has_the_wrk_lines_and_json_has_the_counts);
    tcase_add_test(tc, h2_streams_share_a_connection_and_grpc_counts_statuses);
    tcase_add_test(tc, stalled_server_shows_timeouts_in_the_socket_errors_line);
    tcase_add_test(tc, a_method_of_five_thousand_bytes_is_refused);
    tcase_add_test(tc, connections_beyond_the_fd_limit_are_refused);
    tcase_add_test(tc, a_method_of_sixty_four_bytes_is_sent_whole);
    suite_add_tcase(s, tc);
    return sc_check_run(s);
}
