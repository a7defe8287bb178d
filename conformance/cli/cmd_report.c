/* cmd_report.c - `smi-conformance report`: re-render every report from a saved JSON result. */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "base/util.h"
#include "reporters/buf.h"
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
            "\n"
            "Re-render reports from the JSON result of a run ('-' reads standard input) and\n"
            "print the summary table.\n"
            "\n"
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
            "exit status: 0 the reports were written (whatever the run's verdict); 2 the result\n"
            "could not be read or an output could not be written.\n");
}

static void set(char **slot, const char *v)
{
    free(*slot);
    *slot = sc_xstrdup(v);
}

int sc_cmd_report(int argc, char **argv)
{
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
        O_CONTACT
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
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *junit = NULL, *yaml = NULL, *html = NULL, *md = NULL, *json = NULL;
    const char *sub = NULL, *log = NULL, *impl_file = NULL;
    struct sc_implementation cli_im = {0}, im = {0};
    struct sc_run *run = NULL;
    struct sc_err err;
    bool quiet = false, to_stdout;
    int opt, rc = SC_EXIT_USAGE;

    sc_err_init(&err);
    optind = 1;
    opterr = 0;
    while ((opt = getopt_long(argc, argv, ":qh", longopts, NULL)) != -1) {
        switch (opt) {
        case O_JUNIT:
            junit = optarg;
            break;
        case O_YAML:
            yaml = optarg;
            break;
        case O_HTML:
            html = optarg;
            break;
        case O_MD:
            md = optarg;
            break;
        case O_JSON:
            json = optarg;
            break;
        case O_SUB:
            sub = optarg;
            break;
        case O_LOG:
            log = optarg;
            break;
        case O_IMPL:
            impl_file = optarg;
            break;
        case O_ORG:
            set(&cli_im.organization, optarg);
            break;
        case O_PROJ:
            set(&cli_im.project, optarg);
            break;
        case O_URL:
            set(&cli_im.url, optarg);
            break;
        case O_VER:
            set(&cli_im.version, optarg);
            break;
        case O_CONTACT:
            cli_im.contact = realloc(cli_im.contact, (cli_im.ncontact + 1) * sizeof(char *));
            if (cli_im.contact == NULL)
                abort();
            cli_im.contact[cli_im.ncontact++] = sc_xstrdup(optarg);
            break;
        case 'q':
            quiet = true;
            break;
        case 'h':
            usage(stdout);
            rc = SC_EXIT_OK;
            goto out;
        case ':':
            sc_cli_error("option '%s' needs a value", argv[optind - 1]);
            goto out;
        default:
            sc_cli_error("unknown option '%s' (see 'smi-conformance report --help')",
                         argv[optind - 1]);
            goto out;
        }
    }
    if (optind != argc - 1) {
        sc_cli_error(optind == argc ? "report needs the JSON result of a run"
                                    : "report reads one JSON result, got more");
        goto out;
    }
    if (impl_file != NULL && sc_implementation_load(impl_file, &im, &err) != 0) {
        sc_err_prefix(&err, "cannot read implementation file");
        sc_cli_error("%s", err.msg);
        goto out;
    }
    /* options override the file, field by field */
    if (cli_im.organization)
        set(&im.organization, cli_im.organization);
    if (cli_im.project)
        set(&im.project, cli_im.project);
    if (cli_im.url)
        set(&im.url, cli_im.url);
    if (cli_im.version)
        set(&im.version, cli_im.version);
    if (cli_im.ncontact) {
        for (size_t i = 0; i < im.ncontact; i++)
            free(im.contact[i]);
        free(im.contact);
        im.contact = cli_im.contact;
        im.ncontact = cli_im.ncontact;
        cli_im.contact = NULL;
        cli_im.ncontact = 0;
    }

    if (sc_report_json_load(argv[optind], &run, &err) != 0) {
        sc_err_prefix(&err, "cannot read results");
        sc_cli_error("%s", err.msg);
        goto out;
    }
    if ((junit && sc_cli_write(junit, sc_junit_xml(run), &err)) ||
        (yaml && sc_cli_write(yaml, sc_report_conformance_yaml(run, &im), &err)) ||
        (html && sc_cli_write(html, sc_report_html(run), &err)) ||
        (md && sc_cli_write(md, sc_report_markdown(run, false), &err)) ||
        (json && sc_cli_write(json, sc_report_json(run), &err)) ||
        (sub && sc_report_submission(run, &im, sub, argv[optind], log, &err))) {
        sc_cli_error("%s", err.msg);
        goto out;
    }
    to_stdout = (junit && strcmp(junit, "-") == 0) || (yaml && strcmp(yaml, "-") == 0) ||
                (html && strcmp(html, "-") == 0) || (md && strcmp(md, "-") == 0) ||
                (json && strcmp(json, "-") == 0);
    if (!quiet) {
        char *table = sc_console_summary(run);
        /* the table goes where it cannot corrupt a report written to standard output */
        fputs(table, to_stdout ? stderr : stdout);
        free(table);
    }
    rc = SC_EXIT_OK;
out:
    sc_run_free(run);
    sc_implementation_release(&im);
    sc_implementation_release(&cli_im);
    return rc;
}
