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
            "Drive HTTP/1.1 load at URL and report throughput, latency percentiles, counts per\n"
            "status code and per backend, and errors by kind. The summary lines are wrk's.\n"
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
            "  -P, --pipeline N      requests in flight per connection (default 1)\n"
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
            "exit status: 0 the run completed (errors are counted, not fatal); 2 bad input or\n"
            "the target unreachable before the run started.\n");
}

static void progress(void *ud, uint64_t responses, uint64_t elapsed_ns)
{
    (void)ud;
    fprintf(stderr, "\r  %.0fs: %llu responses", (double)elapsed_ns / 1e9,
            (unsigned long long)responses);
    fflush(stderr);
}

int sc_cmd_load(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"duration", required_argument, NULL, 'd'},
        {"requests", required_argument, NULL, 'n'},
        {"timeout", required_argument, NULL, 'T'},
        {"connections", required_argument, NULL, 'c'},
        {"threads", required_argument, NULL, 't'},
        {"rate", required_argument, NULL, 'R'},
        {"pipeline", required_argument, NULL, 'P'},
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
    struct sc_load_opts o;
    struct sc_load_result *res = NULL;
    struct sc_err err;
    const char *headers[MAX_HEADERS];
    const char *json_path = NULL;
    char *body = NULL;
    bool quiet = false, have_duration = false;
    uint64_t v;
    int opt, rc = SC_EXIT_USAGE;

    sc_err_init(&err);
    sc_load_opts_init(&o);
    o.headers = headers;
    optind = 1;
    opterr = 0;
    while ((opt = getopt_long(argc, argv, ":d:n:c:t:R:P:m:H:kqh", longopts, NULL)) != -1) {
        switch (opt) {
        case 'd':
            if (sc_parse_duration_ns(optarg, &o.duration_ns, &err) != 0)
                goto out_usage;
            if (o.duration_ns == 0) {
                sc_err_set(&err, SC_EINVAL, "duration must be greater than zero");
                goto out_usage;
            }
            have_duration = true;
            break;
        case 'n':
            if (sc_parse_count(optarg, "request count", 1, UINT64_C(1) << 50, &o.requests, &err))
                goto out_usage;
            break;
        case 'T':
            if (sc_parse_duration_ns(optarg, &o.timeout_ns, &err) != 0)
                goto out_usage;
            break;
        case 'c':
            if (sc_parse_count(optarg, "connection count", 1, SC_LOAD_MAX_CONNECTIONS, &v, &err))
                goto out_usage;
            o.connections = (unsigned)v;
            break;
        case 't':
            if (sc_parse_count(optarg, "thread count", 1, SC_LOAD_MAX_THREADS, &v, &err))
                goto out_usage;
            o.threads = (unsigned)v;
            break;
        case 'R':
            if (sc_parse_rate(optarg, "rate", &o.rate, &err) != 0)
                goto out_usage;
            if (o.rate <= 0) {
                sc_err_set(&err, SC_EINVAL, "invalid rate '%s': must be greater than zero", optarg);
                goto out_usage;
            }
            break;
        case 'P':
            if (sc_parse_count(optarg, "pipeline depth", 1, SC_LOAD_MAX_PIPELINE, &v, &err))
                goto out_usage;
            o.pipeline = (unsigned)v;
            break;
        case 'm':
            o.method = optarg;
            break;
        case 'H':
            if (o.nheaders == MAX_HEADERS) {
                sc_err_set(&err, SC_EINVAL, "more than %d headers", MAX_HEADERS);
                goto out_usage;
            }
            headers[o.nheaders++] = optarg;
            break;
        case 'b':
            free(body);
            if (optarg[0] == '@') {
                if (sc_file_read(optarg + 1, MAX_BODY, &body, &o.body_len, &err) != 0) {
                    sc_err_prefix(&err, "cannot read the body file");
                    goto out_usage;
                }
            } else {
                body = sc_xstrdup(optarg);
                o.body_len = strlen(body);
            }
            o.body = body;
            break;
        case 'x':
            o.proxy = optarg;
            break;
        case 'C':
            if (access(optarg, R_OK) != 0) {
                sc_err_set(&err, SC_EINVAL, "cannot read CA file '%s': %s", optarg,
                           strerror(errno));
                goto out_usage;
            }
            o.cafile = optarg;
            break;
        case 'k':
            o.insecure = true;
            break;
        case 'I':
            o.identity_header = optarg;
            break;
        case 'j':
            json_path = optarg;
            break;
        case 'q':
            quiet = true;
            break;
        case 'h':
            usage(stdout);
            rc = SC_EXIT_OK;
            goto out;
        case ':':
            sc_err_set(&err, SC_EINVAL, "option '%s' needs a value", argv[optind - 1]);
            goto out_usage;
        default:
            sc_err_set(&err, SC_EINVAL, "unknown option '%s' (see 'smi-conformance load --help')",
                       argv[optind - 1]);
            goto out_usage;
        }
    }
    if (optind != argc - 1) {
        sc_err_set(&err, SC_EINVAL,
                   optind >= argc ? "missing URL (see 'smi-conformance load "
                                    "--help')"
                                  : "expected one URL, got extra arguments");
        goto out_usage;
    }
    o.url = argv[optind];
    if (!have_duration && o.requests == 0)
        o.duration_ns = 10000000000ull;
    if (sc_load_validate(&o, &err) != 0)
        goto out_usage;

    atomic_store(&cancel_flag, 0);
    o.cancel = &cancel_flag;
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    if (!quiet && isatty(STDERR_FILENO)) {
        o.progress = progress;
    }
    if (sc_load_run(&o, &res, &err) != 0)
        goto out_usage;
    if (o.progress != NULL)
        fputs("\r\033[K", stderr);
    sc_load_result_print(res, stdout);
    if (json_path != NULL) {
        cJSON *j = sc_load_result_to_json(res);
        char *text = cJSON_Print(j);
        FILE *f = strcmp(json_path, "-") == 0 ? stdout : fopen(json_path, "w");
        cJSON_Delete(j);
        if (f == NULL || text == NULL || fputs(text, f) < 0 || fputc('\n', f) < 0 ||
            (f != stdout && fclose(f) != 0)) {
            sc_cli_error("cannot write '%s': %s", json_path, strerror(errno));
            free(text);
            rc = SC_EXIT_USAGE;
            goto out;
        }
        free(text);
    }
    rc = SC_EXIT_OK;
    goto out;
out_usage:
    sc_cli_error("%s", err.msg);
    rc = SC_EXIT_USAGE;
out:
    sc_load_result_free(res);
    free(body);
    return rc;
}
