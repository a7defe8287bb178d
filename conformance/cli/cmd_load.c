/* cmd_load.c - `smi-conformance load`: the load engine as a wrk-like command. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "base/file.h"
#include "base/util.h"
#include "load/engine.h"

#define MAX_HEADERS 64
#define MAX_BODY    (64u * 1024 * 1024)

static atomic_int cancel_flag;

static void on_signal(int sig)
{
    (void)sig;
    atomic_store(&cancel_flag, 1);
}

static void usage(FILE *f)
{
    fprintf(f,
            "usage: smi-conformance load [options] URL\n"
            "\n"
            "Drive HTTP/1.1, HTTP/2 or gRPC load at URL and report throughput, latency\n"
            "percentiles, counts per status code and per backend, and errors by kind. The\n"
            "summary lines are wrk's.\n"
            "\n"
            "bounds (default: -d 10s):\n"
            "  -d, --duration D      stop issuing after D (e.g. 10s, 500ms, 2m)\n"
            "  -n, --requests N      stop after N requests in total\n"
            "      --timeout D       per-request timeout (default 10s)\n"
            "load:\n"
            "  -c, --connections N   connections in total (default 10)\n"
            "  -t, --threads N       threads, each with its own event loop (default 1)\n"
            "  -R, --rate R          constant total rate in requests/s (open loop, like wrk2);\n"
            "                        latency is then reported from the intended send time\n"
            "                        (corrected) and from the actual send (uncorrected)\n"
            "  -P, --pipeline N      requests in flight per connection (default 1; HTTP/1.1)\n"
            "HTTP/2:\n"
            "      --h2              HTTP/2: h2c with prior knowledge for http:// (also through\n"
            "                        --proxy, which then gets the HTTP/2 connection), TLS with\n"
            "                        ALPN h2 for https:// (the server must select h2)\n"
            "  -M, --max-streams N   streams in flight per connection, like h2load -m (default\n"
            "                        1, at most 1024 and the server's\n"
            "                        SETTINGS_MAX_CONCURRENT_STREAMS)\n"
            "      --grpc SVC/METHOD unary gRPC calls (implies --h2): POST /SVC/METHOD with\n"
            "                        --body as the raw message; grpc-status counted from the\n"
            "                        trailers\n"
            "request:\n"
            "  -m, --method M        HTTP method (default GET)\n"
            "  -H, --header 'N: V'   add a request header (repeatable)\n"
            "      --body TEXT       request body; --body @FILE reads it from FILE\n"
            "      --proxy URL       send through an explicit HTTP proxy (http://host:port)\n"
            "      --cacert FILE     CA bundle for https targets\n"
            "  -k, --insecure        do not verify the server certificate\n"
            "output:\n"
            "      --identity-header H  response header naming the backend (default x-smi-pod;\n"
            "                        '' turns per-backend counts off)\n"
            "      --json FILE       also write the full result, with histogram buckets, as JSON\n"
            "                        ('-' for standard output)\n"
            "  -q, --quiet           no progress line on standard error\n"
            "  -h, --help            this text\n"
            "\n"
            "exit status: 0 the run completed (errors are counted, not fatal); 1 not one\n"
            "request completed; 2 bad input, too few file descriptors for the connections\n"
            "(the soft limit is raised to the hard one when that is enough), or the target\n"
            "unreachable before the run started.\n");
}

static void progress(void *ud, uint64_t responses, uint64_t elapsed_ns)
{
    (void)ud;
    fprintf(stderr, "\r  %.0fs: %llu responses", (double)elapsed_ns / 1e9,
            (unsigned long long)responses);
    fflush(stderr);
}

/* What the command line asked for. `o` borrows from argv, from `headers` and from `body`. */
struct load_args {
    struct sc_load_opts o;
    const char *headers[MAX_HEADERS];
    const char *json_path;
    char *body; /* owned */
    bool quiet;
    bool have_duration;
    bool help;
};

/* Options that bound and shape the load (-d -n --timeout -c -t -R -P --h2 -M --grpc). Returns
 * 1 when `opt` is not one of them, else 0 or SC_EINVAL. */
static int set_load_option(struct load_args *a, int opt, const char *arg, struct sc_err *err)
{
    struct sc_load_opts *o = &a->o;
    uint64_t v;

    switch (opt) {
    case 'd':
        if (sc_parse_duration_ns(arg, &o->duration_ns, err) != 0)
            return SC_EINVAL;
        if (o->duration_ns == 0)
            return sc_err_set(err, SC_EINVAL, "duration must be greater than zero");
        a->have_duration = true;
        return 0;
    case 'n':
        return sc_parse_count(arg, "request count", 1, UINT64_C(1) << 50, &o->requests, err);
    case 'T':
        return sc_parse_duration_ns(arg, &o->timeout_ns, err);
    case 'c':
        if (sc_parse_count(arg, "connection count", 1, SC_LOAD_MAX_CONNECTIONS, &v, err))
            return SC_EINVAL;
        o->connections = (unsigned)v;
        return 0;
    case 't':
        if (sc_parse_count(arg, "thread count", 1, SC_LOAD_MAX_THREADS, &v, err))
            return SC_EINVAL;
        o->threads = (unsigned)v;
        return 0;
    case 'R':
        if (sc_parse_rate(arg, "rate", &o->rate, err) != 0)
            return SC_EINVAL;
        if (o->rate <= 0)
            return sc_err_set(err, SC_EINVAL, "invalid rate '%s': must be greater than zero", arg);
        return 0;
    case 'P':
        if (sc_parse_count(arg, "pipeline depth", 1, SC_LOAD_MAX_PIPELINE, &v, err))
            return SC_EINVAL;
        o->pipeline = (unsigned)v;
        return 0;
    case '2':
        o->h2 = true;
        return 0;
    case 'M':
        if (sc_parse_count(arg, "max streams", 1, SC_LOAD_MAX_STREAMS, &v, err))
            return SC_EINVAL;
        o->max_streams = (unsigned)v;
        return 0;
    case 'G':
        o->grpc = arg;
        o->h2 = true;
        return 0;
    default:
        return 1;
    }
}

/* The request body: the text itself, or with --body @FILE the file's content. */
static int set_body(struct load_args *a, const char *arg, struct sc_err *err)
{
    free(a->body);
    a->body = NULL;
    if (arg[0] == '@') {
        if (sc_file_read(arg + 1, MAX_BODY, &a->body, &a->o.body_len, err) != 0)
            return sc_err_prefix(err, "cannot read the body file");
    } else {
        a->body = sc_xstrdup(arg);
        a->o.body_len = strlen(a->body);
    }
    a->o.body = a->body;
    return 0;
}

/* Options of the request and of the output (-m -H --body --proxy --cacert -k
 * --identity-header --json -q). Returns 1 when `opt` is not one of them, else 0 or SC_EINVAL. */
static int set_request_option(struct load_args *a, int opt, const char *arg, struct sc_err *err)
{
    struct sc_load_opts *o = &a->o;

    switch (opt) {
    case 'm':
        o->method = arg;
        return 0;
    case 'H':
        if (o->nheaders == MAX_HEADERS)
            return sc_err_set(err, SC_EINVAL, "more than %d headers", MAX_HEADERS);
        a->headers[o->nheaders++] = arg;
        return 0;
    case 'b':
        return set_body(a, arg, err);
    case 'x':
        o->proxy = arg;
        return 0;
    case 'C':
        if (access(arg, R_OK) != 0)
            return sc_err_set(err, SC_EINVAL, "cannot read CA file '%s': %s", arg, strerror(errno));
        o->cafile = arg;
        return 0;
    case 'k':
        o->insecure = true;
        return 0;
    case 'I':
        o->identity_header = arg;
        return 0;
    case 'j':
        a->json_path = arg;
        return 0;
    case 'q':
        a->quiet = true;
        return 0;
    default:
        return 1;
    }
}

/* Parse argv into `a` and check the options; a->help set means --help was asked for. */
static int parse_args(int argc, char **argv, struct load_args *a, struct sc_err *err)
{
    static const struct option longopts[] = {
        {"duration", required_argument, NULL, 'd'},
        {"requests", required_argument, NULL, 'n'},
        {"timeout", required_argument, NULL, 'T'},
        {"connections", required_argument, NULL, 'c'},
        {"threads", required_argument, NULL, 't'},
        {"rate", required_argument, NULL, 'R'},
        {"pipeline", required_argument, NULL, 'P'},
        {"h2", no_argument, NULL, '2'},
        {"max-streams", required_argument, NULL, 'M'},
        {"grpc", required_argument, NULL, 'G'},
        {"method", required_argument, NULL, 'm'},
        {"header", required_argument, NULL, 'H'},
        {"body", required_argument, NULL, 'b'},
        {"proxy", required_argument, NULL, 'x'},
        {"cacert", required_argument, NULL, 'C'},
        {"insecure", no_argument, NULL, 'k'},
        {"identity-header", required_argument, NULL, 'I'},
        {"json", required_argument, NULL, 'j'},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int opt, rc;

    optind = 1;
    opterr = 0;
    while ((opt = getopt_long(argc, argv, ":d:n:c:t:R:P:M:m:H:kqh", longopts, NULL)) != -1) {
        if (opt == 'h') {
            a->help = true;
            return 0;
        }
        if (opt == ':')
            return sc_err_set(err, SC_EINVAL, "option '%s' needs a value", argv[optind - 1]);
        rc = set_load_option(a, opt, optarg, err);
        if (rc == 1)
            rc = set_request_option(a, opt, optarg, err);
        if (rc == 1)
            return sc_err_set(err, SC_EINVAL,
                              "unknown option '%s' (see 'smi-conformance load --help')",
                              argv[optind - 1]);
        if (rc != 0)
            return rc;
    }
    if (optind != argc - 1)
        return sc_err_set(err, SC_EINVAL,
                          optind >= argc ? "missing URL (see 'smi-conformance load --help')"
                                         : "expected one URL, got extra arguments");
    a->o.url = argv[optind];
    if (!a->have_duration && a->o.requests == 0)
        a->o.duration_ns = 10000000000ull;
    return sc_load_validate(&a->o, err);
}

/* Write the result as JSON to `path` ("-": standard output). */
/* Through sc_cli_write: "-" is stdout, every write checked, FIFOs and devices written
 * through, a regular file replaced atomically (issue 15 #3, #4). */
static int write_json(const struct sc_load_result *res, const char *path)
{
    cJSON *j = sc_load_result_to_json(res);
    char *text = cJSON_Print(j), *line = NULL;
    struct sc_err err;

    cJSON_Delete(j);
    sc_err_init(&err);
    if (text != NULL && asprintf(&line, "%s\n", text) < 0)
        line = NULL;
    free(text);
    if (sc_cli_write(path, line, &err) != 0) {
        sc_cli_error("%s", err.msg);
        return SC_EIO;
    }
    return 0;
}

int sc_cmd_load(int argc, char **argv)
{
    struct load_args a;
    struct sc_load_result *res = NULL;
    struct sc_err err;
    int rc = SC_EXIT_USAGE;

    sc_err_init(&err);
    memset(&a, 0, sizeof(a));
    sc_load_opts_init(&a.o);
    a.o.headers = a.headers;
    if (parse_args(argc, argv, &a, &err) != 0)
        goto out_usage;
    if (a.help) {
        usage(stdout);
        rc = SC_EXIT_OK;
        goto out;
    }
    atomic_store(&cancel_flag, 0);
    a.o.cancel = &cancel_flag;
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    if (!a.quiet && isatty(STDERR_FILENO))
        a.o.progress = progress;
    if (sc_load_run(&a.o, &res, &err) != 0)
        goto out_usage;
    if (a.o.progress != NULL)
        fputs("\r\033[K", stderr);
    sc_load_result_print(res, stdout);
    rc = SC_EXIT_OK;
    if (res->responses == 0 && !atomic_load(&cancel_flag)) {
        /* nothing measured is not a completed run (issue 15 #7) */
        sc_cli_error("not one request completed (see the socket errors above)");
        rc = SC_EXIT_FAIL;
    }
    if (a.json_path != NULL && write_json(res, a.json_path) != 0)
        rc = SC_EXIT_USAGE;
    goto out;
out_usage:
    sc_cli_error("%s", err.msg);
    rc = SC_EXIT_USAGE;
out:
    sc_load_result_free(res);
    free(a.body);
    return rc;
}
