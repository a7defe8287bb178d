/* cmd_validate.c - `smi-conformance validate`: SMI manifests against their version's schema, and
 * results files (--results) against reporters/results.schema.json. */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "reporters/buf.h"
#include "reporters/results_schema.h"
#include "base/file.h"
#include "base/doc.h"
#include "smi/smi.h"

static void usage(FILE *f)
{
    fprintf(f,
            "usage: smi-conformance validate [options] FILE...\n"
            "       smi-conformance validate --results RESULTS.json...\n"
            "       smi-conformance validate --results-schema\n"
            "\n"
            "Check SMI manifests (YAML, several documents per file, or JSON; '-' reads standard\n"
            "input) against the schema of their kind and version: access.smi-spec.io\n"
            "TrafficTarget, specs.smi-spec.io HTTPRouteGroup/TCPRoute/UDPRoute and\n"
            "split.smi-spec.io TrafficSplit, v1alpha1 to v1alpha4. Every invalid document is\n"
            "reported as FILE:LINE:COL: field.path: what is wrong.\n"
            "\n"
            "With --results, the files are results of 'smi-conformance run' (results.json) and\n"
            "are checked against the JSON Schema smi-conformance/results/v1 (built in; printed\n"
            "by --results-schema, installed as share/smi-conformance/results.schema.json) and\n"
            "then as 'report' reads them (the summary agrees with the tests...). Every violation\n"
            "is reported as FILE: /json/pointer: what is wrong; a file that is not JSON as\n"
            "FILE:LINE:COL: not valid JSON.\n"
            "\n"
            "      --results         the files are results files (results.json), not manifests\n"
            "      --results-schema  print the results JSON Schema and exit\n"
            "      --ignore-other    skip documents of other API groups (Deployments,\n"
            "                        Services...) instead of reporting them\n"
            "  -v, --verbose         also list each valid object (or results file)\n"
            "  -q, --quiet           no closing count\n"
            "  -h, --help            this text\n"
            "\n"
            "exit status: 0 every document is valid; 1 a document is invalid (or a file holds\n"
            "none, or is not JSON with --results); 2 a file cannot be read or a bad option.\n");
}

static bool is_smi(const struct sc_doc_node *root)
{
    const char *av = sc_doc_get_str(root, "apiVersion");
    return av != NULL && strstr(av, ".smi-spec.io/") != NULL;
}

/* Check one file; returns the number of invalid documents, or -1 if it cannot be read. */
static int validate_file(const char *path, bool ignore_other, bool verbose, size_t *nobjects)
{
    struct sc_err err;
    struct sc_doc *docs = NULL;
    char *text;
    size_t len, seen = 0;
    int bad = 0;

    sc_err_init(&err);
    if (sc_file_read(path, SC_REPORT_MAX_INPUT, &text, &len, &err) != 0) {
        sc_cli_error("%s", err.msg);
        return -1;
    }
    if (sc_doc_parse(text, len, path, &docs, &err) != 0) {
        fprintf(stderr, "%s\n", err.msg);
        free(text);
        return 1;
    }
    free(text);
    for (struct sc_doc *d = docs; d; d = d->next) {
        struct sc_smi_obj *o = NULL;
        if (d->root == NULL)
            continue;
        if (ignore_other && d->root->type == SC_DOC_MAP && !is_smi(d->root))
            continue;
        seen++;
        sc_err_init(&err);
        if (sc_smi_obj_from_doc(d->root, path, NULL, &o, NULL, &err) != 0) {
            fprintf(stderr, "%s\n", err.msg);
            bad++;
            continue;
        }
        if (verbose)
            printf("%s:%d:%d: %s %s/%s (v1alpha%d) is valid\n", path, o->line, o->col,
                   sc_smi_kind_name(o->kind), o->ns, o->name, o->version);
        sc_smi_obj_free(o);
    }
    sc_doc_free(docs);
    if (seen == 0) {
        fprintf(stderr, "%s: no SMI objects\n", path);
        return 1;
    }
    *nobjects += seen - (size_t)bad;
    return bad;
}

static void print_violation(void *arg, const char *path, const char *msg)
{
    const char *file = arg;
    if (path == NULL)
        fprintf(stderr, "%s: %s\n", file, msg);
    else
        fprintf(stderr, "%s: %s: %s\n", file, path[0] ? path : "/", msg);
}

/* Check one results file: 0 valid, 1 invalid (or not JSON), -1 cannot be read. */
static int validate_results(const char *path, bool verbose, size_t *nviolations)
{
    struct sc_err err;
    char *text;
    size_t len, n = 0;
    int rc;

    sc_err_init(&err);
    if (sc_file_read(path, SC_REPORT_MAX_INPUT, &text, &len, &err) != 0) {
        sc_cli_error("%s", err.msg);
        return -1;
    }
    rc = sc_results_check(text, len, path, print_violation, (void *)path, &n, &err);
    free(text);
    if (rc != 0) {
        fprintf(stderr, "%s\n", err.msg);
        *nviolations += 1;
        return 1;
    }
    *nviolations += n;
    if (n == 0 && verbose)
        printf("%s: valid results (smi-conformance/results/v1)\n", path);
    return n > 0;
}

static int validate_results_files(int first, int argc, char **argv, bool verbose, bool quiet)
{
    size_t valid = 0, invalid = 0, violations = 0, files = 0;
    bool unreadable = false;

    for (int i = first; i < argc; i++, files++) {
        int rc = validate_results(argv[i], verbose, &violations);
        if (rc < 0)
            unreadable = true;
        else if (rc == 0)
            valid++;
        else
            invalid++;
    }
    if (!quiet)
        printf("%zu results file%s: %zu valid, %zu invalid (%zu violation%s)\n", files,
               files == 1 ? "" : "s", valid, invalid, violations, violations == 1 ? "" : "s");
    if (unreadable)
        return SC_EXIT_USAGE;
    return invalid ? SC_EXIT_FAIL : SC_EXIT_OK;
}

int sc_cmd_validate(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"ignore-other", no_argument, NULL, 'i'},
        {"results", no_argument, NULL, 'r'},
        {"results-schema", no_argument, NULL, 'S'},
        {"verbose", no_argument, NULL, 'v'},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    bool ignore_other = false, verbose = false, quiet = false, unreadable = false, results = false;
    size_t valid = 0, invalid = 0, files = 0;
    int opt;

    optind = 1;
    opterr = 0;
    while ((opt = getopt_long(argc, argv, ":vqh", longopts, NULL)) != -1) {
        switch (opt) {
        case 'i':
            ignore_other = true;
            break;
        case 'r':
            results = true;
            break;
        case 'S':
            fputs(sc_results_schema_text(NULL), stdout);
            return SC_EXIT_OK;
        case 'v':
            verbose = true;
            break;
        case 'q':
            quiet = true;
            break;
        case 'h':
            usage(stdout);
            return SC_EXIT_OK;
        default:
            sc_cli_error("unknown option '%s' (see 'smi-conformance validate --help')",
                         argv[optind - 1]);
            return SC_EXIT_USAGE;
        }
    }
    if (optind == argc) {
        sc_cli_error("validate needs at least one file (see 'smi-conformance validate --help')");
        return SC_EXIT_USAGE;
    }
    if (results)
        return validate_results_files(optind, argc, argv, verbose, quiet);
    for (int i = optind; i < argc; i++, files++) {
        int n = validate_file(argv[i], ignore_other, verbose, &valid);
        if (n < 0)
            unreadable = true;
        else
            invalid += (size_t)n;
    }
    if (!quiet)
        printf("%zu file%s: %zu valid object%s, %zu invalid\n", files, files == 1 ? "" : "s", valid,
               valid == 1 ? "" : "s", invalid);
    if (unreadable)
        return SC_EXIT_USAGE;
    return invalid ? SC_EXIT_FAIL : SC_EXIT_OK;
}
