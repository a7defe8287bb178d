/* cmd_report.c - `smi-conformance report`: re-render every report from a saved JSON result. */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "base/util.h"
#include "reporters/buf.h"
#include "reporters/compare.h"
#include "reporters/confreport.h"
#include "reporters/console.h"
#include "reporters/html.h"
#include "reporters/json.h"
#include "reporters/junit.h"
#include "reporters/markdown.h"
#include "reporters/submission.h"

static void usage(FILE *f)
{
    fprintf(f,
            "usage: smi-conformance report [options] RESULTS.json\n"
            "       smi-conformance report A.json --compare B.json [--html FILE] [-q]\n"
            "\n"
            "Re-render reports from the JSON result of a run ('-' reads standard input) and\n"
            "print the summary table (passed, failed, errors, skipped by area and version).\n"
            "\n"
            "With --compare, compare run A (e.g. before a mesh upgrade) with run B (after):\n"
            "per test and SMI version what changed (pass->fail, changed: to or from skipped\n"
            "or error, fail->pass, new, removed, unchanged), printed changes first; --html\n"
            "writes the comparison page (changes, then split shares and latency of both runs\n"
            "side by side). The other outputs are refused with --compare.\n"
            "\n"
            "      --compare B.json    the later run to compare RESULTS.json (A) with\n"
            "outputs ('-' for standard output):\n"
            "      --junit FILE        JUnit XML\n"
            "      --yaml FILE         the conformance report (YAML) for a listing\n"
            "      --html FILE         one self-contained HTML page with charts\n"
            "      --markdown FILE     a Markdown summary (pull-request comment, CI summary)\n"
            "      --json FILE         the JSON result again, as this harness writes it\n"
            "      --submission DIR    README.md, conformance-report.yaml, junit.xml,\n"
            "                          results.json, report.html and run.log in DIR\n"
            "      --log FILE          the run's log, copied into the submission (default: the\n"
            "                          cases' steps from the JSON result)\n"
            "implementation (for the conformance report):\n"
            "      --implementation FILE  YAML with organization, project, url, version, contact\n"
            "      --organization NAME  --project NAME  --url URL  --version V\n"
            "      --contact WHO       repeatable; options override the file\n"
            "  -q, --quiet             no summary table\n"
            "  -h, --help              this text\n"
            "\n"
            "exit status: 0 the reports were written (whatever the run's verdict); with\n"
            "--compare, 0 no case that passed in A fails in B, 1 one does (pass->fail: a\n"
            "regression, for a CI gate); 2 a result could not be read or an output could not\n"
            "be written.\n");
}

static void set(char **slot, const char *v)
{
    free(*slot);
    *slot = sc_xstrdup(v);
}

enum {
    O_JUNIT = 256,
    O_YAML,
    O_HTML,
    O_MD,
    O_JSON,
    O_SUB,
    O_LOG,
    O_IMPL,
    O_ORG,
    O_PROJ,
    O_URL,
    O_VER,
    O_CONTACT,
    O_COMPARE
};

static const struct option longopts[] = {
    {"junit", required_argument, NULL, O_JUNIT},
    {"yaml", required_argument, NULL, O_YAML},
    {"html", required_argument, NULL, O_HTML},
    {"markdown", required_argument, NULL, O_MD},
    {"json", required_argument, NULL, O_JSON},
    {"submission", required_argument, NULL, O_SUB},
    {"log", required_argument, NULL, O_LOG},
    {"implementation", required_argument, NULL, O_IMPL},
    {"organization", required_argument, NULL, O_ORG},
    {"project", required_argument, NULL, O_PROJ},
    {"url", required_argument, NULL, O_URL},
    {"version", required_argument, NULL, O_VER},
    {"contact", required_argument, NULL, O_CONTACT},
    {"compare", required_argument, NULL, O_COMPARE},
    {"quiet", no_argument, NULL, 'q'},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

/* What `report` was asked; im holds the implementation options given on the command line. */
struct report_args {
    const char *junit, *yaml, *html, *md, *json, *sub, *log, *impl_file, *results, *compare;
    struct sc_implementation im;
    bool quiet;
};

/* One option; 1 when it was --help (printed), 0 taken, negative on bad input (printed). */
static int take_option(struct report_args *a, int opt, char **argv)
{
    switch (opt) {
    case O_JUNIT:
        a->junit = optarg;
        break;
    case O_YAML:
        a->yaml = optarg;
        break;
    case O_HTML:
        a->html = optarg;
        break;
    case O_MD:
        a->md = optarg;
        break;
    case O_JSON:
        a->json = optarg;
        break;
    case O_SUB:
        a->sub = optarg;
        break;
    case O_LOG:
        a->log = optarg;
        break;
    case O_IMPL:
        a->impl_file = optarg;
        break;
    case O_ORG:
        set(&a->im.organization, optarg);
        break;
    case O_PROJ:
        set(&a->im.project, optarg);
        break;
    case O_URL:
        set(&a->im.url, optarg);
        break;
    case O_VER:
        set(&a->im.version, optarg);
        break;
    case O_CONTACT:
        a->im.contact = realloc(a->im.contact, (a->im.ncontact + 1) * sizeof(char *));
        if (a->im.contact == NULL)
            abort();
        a->im.contact[a->im.ncontact++] = sc_xstrdup(optarg);
        break;
    case O_COMPARE:
        a->compare = optarg;
        break;
    case 'q':
        a->quiet = true;
        break;
    case 'h':
        usage(stdout);
        return 1;
    case ':':
        sc_cli_error("option '%s' needs a value", argv[optind - 1]);
        return SC_EINVAL;
    default:
        sc_cli_error("unknown option '%s' (see 'smi-conformance report --help')", argv[optind - 1]);
        return SC_EINVAL;
    }
    return 0;
}

/* 0 parsed, 1 --help printed, negative on bad input (printed). */
static int parse_args(int argc, char **argv, struct report_args *a)
{
    int opt, rc;
    optind = 1;
    opterr = 0;
    while ((opt = getopt_long(argc, argv, ":qh", longopts, NULL)) != -1)
        if ((rc = take_option(a, opt, argv)) != 0)
            return rc;
    if (optind != argc - 1) {
        sc_cli_error(optind == argc ? "report needs the JSON result of a run"
                                    : "report reads one JSON result, got more");
        return SC_EINVAL;
    }
    a->results = argv[optind];
    if (a->compare &&
        (a->junit || a->yaml || a->md || a->json || a->sub || a->log || a->impl_file ||
         a->im.organization || a->im.project || a->im.url || a->im.version || a->im.ncontact)) {
        sc_cli_error("--compare writes the comparison (--html FILE and the text summary) only; "
                     "render each run's reports without --compare");
        return SC_EINVAL;
    }
    return 0;
}

/* The implementation: the file's fields, overridden field by field by the options. */
static int implementation(struct report_args *a, struct sc_implementation *im, struct sc_err *err)
{
    struct sc_implementation *cli = &a->im;
    if (a->impl_file != NULL && sc_implementation_load(a->impl_file, im, err) != 0)
        return sc_err_prefix(err, "cannot read implementation file");
    if (cli->organization)
        set(&im->organization, cli->organization);
    if (cli->project)
        set(&im->project, cli->project);
    if (cli->url)
        set(&im->url, cli->url);
    if (cli->version)
        set(&im->version, cli->version);
    if (cli->ncontact) {
        for (size_t i = 0; i < im->ncontact; i++)
            free(im->contact[i]);
        free(im->contact);
        im->contact = cli->contact;
        im->ncontact = cli->ncontact;
        cli->contact = NULL;
        cli->ncontact = 0;
    }
    return 0;
}

static int render(const struct report_args *a, const struct sc_run *run,
                  const struct sc_implementation *im, struct sc_err *err)
{
    if ((a->junit && sc_cli_write(a->junit, sc_junit_xml(run), err)) ||
        (a->yaml && sc_cli_write(a->yaml, sc_report_conformance_yaml(run, im), err)) ||
        (a->html && sc_cli_write(a->html, sc_report_html(run), err)) ||
        (a->md && sc_cli_write(a->md, sc_report_markdown(run, false), err)) ||
        (a->json && sc_cli_write(a->json, sc_report_json(run), err)) ||
        (a->sub && sc_report_submission(run, im, a->sub, a->results, a->log, err)))
        return SC_EIO;
    return 0;
}

static bool is_stdout(const char *path)
{
    return path != NULL && strcmp(path, "-") == 0;
}

/* `report A.json --compare B.json`: the text summary on standard output (unless --quiet or
 * the page goes there), the page to --html. */
static int compare(const struct report_args *a, int *broken, struct sc_err *err)
{
    struct sc_run *ra = NULL, *rb = NULL;
    struct sc_comparison cmp;
    int rc = SC_EINVAL;

    memset(&cmp, 0, sizeof(cmp));
    if (sc_report_json_load(a->results, &ra, err) != 0) {
        sc_err_prefix(err, "cannot read results A");
        goto out;
    }
    if (sc_report_json_load(a->compare, &rb, err) != 0) {
        sc_err_prefix(err, "cannot read results B");
        goto out;
    }
    if ((rc = sc_compare(&cmp, ra, a->results, rb, a->compare, err)) != 0) {
        sc_err_prefix(err, "cannot compare");
        goto out;
    }
    *broken = cmp.count[SC_CHANGE_BROKEN] > 0;
    if (a->html && (rc = sc_cli_write(a->html, sc_compare_html(&cmp), err)) != 0)
        goto out;
    if (!a->quiet) {
        char *text = sc_compare_text(&cmp);
        fputs(text, is_stdout(a->html) ? stderr : stdout);
        free(text);
    }
out:
    sc_comparison_release(&cmp);
    sc_run_free(ra);
    sc_run_free(rb);
    return rc;
}

int sc_cmd_report(int argc, char **argv)
{
    struct report_args a = {0};
    struct sc_implementation im = {0};
    struct sc_run *run = NULL;
    struct sc_err err;
    int rc;

    sc_err_init(&err);
    rc = parse_args(argc, argv, &a);
    if (rc != 0) {
        rc = rc == 1 ? SC_EXIT_OK : SC_EXIT_USAGE;
        goto out;
    }
    rc = SC_EXIT_USAGE;
    if (a.compare) {
        int broken = 0;
        if (compare(&a, &broken, &err) != 0)
            goto out_error;
        rc = broken ? SC_EXIT_FAIL : SC_EXIT_OK;
        goto out;
    }
    if (implementation(&a, &im, &err) != 0)
        goto out_error;
    if (sc_report_json_load(a.results, &run, &err) != 0) {
        sc_err_prefix(&err, "cannot read results");
        goto out_error;
    }
    if (render(&a, run, &im, &err) != 0)
        goto out_error;
    if (!a.quiet) {
        bool to_stdout = is_stdout(a.junit) || is_stdout(a.yaml) || is_stdout(a.html) ||
                         is_stdout(a.md) || is_stdout(a.json);
        char *table = sc_console_summary(run);
        /* the table goes where it cannot corrupt a report written to standard output */
        fputs(table, to_stdout ? stderr : stdout);
        free(table);
    }
    rc = SC_EXIT_OK;
    goto out;
out_error:
    sc_cli_error("%s", err.msg);
out:
    sc_run_free(run);
    sc_implementation_release(&im);
    sc_implementation_release(&a.im);
    return rc;
}
