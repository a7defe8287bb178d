/* main.c - smi-conformance: dispatch to subcommands. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "cli/cli.h"

static void usage(FILE *f)
{
    fprintf(f,
            "usage: smi-conformance <command> [options]\n"
            "\n"
            "The SMI (Service Mesh Interface) conformance harness.\n"
            "\n"
            "commands:\n"
            "  run        run the conformance suites (default: against the local reference mesh)\n"
            "  list       list the tests and the SMI versions they run at\n"
            "  load       drive HTTP load at a URL (wrk-like; closed loop or constant rate)\n"
            "  preflight  check that a cluster can run the suites, before deploying anything\n"
            "  crds       print the SMI CRDs of one SMI release (v0.3.0, v0.4.1, v0.5.0)\n"
            "  report     re-render reports (JUnit, YAML, HTML, Markdown) from a JSON result\n"
            "  validate   check SMI manifests against their version's schema\n"
            "  version    print the version\n"
            "  help       this text\n"
            "\n"
            "Run 'smi-conformance <command> --help' for a command's options.\n"
            "Environment: SC_LOG=error|warn|info|debug sets the log level (default warn).\n");
}

int main(int argc, char **argv)
{
    sc_log_init();
    if (argc < 2) {
        usage(stderr);
        return SC_EXIT_USAGE;
    }
    if (strcmp(argv[1], "run") == 0 || strcmp(argv[1], "list") == 0)
        return sc_cmd_run(argc - 1, argv + 1);
    if (strcmp(argv[1], "crds") == 0)
        return sc_cmd_crds(argc - 1, argv + 1);
    if (strcmp(argv[1], "preflight") == 0)
        return sc_cmd_preflight(argc - 1, argv + 1);
    if (strcmp(argv[1], "load") == 0)
        return sc_cmd_load(argc - 1, argv + 1);
    if (strcmp(argv[1], "report") == 0)
        return sc_cmd_report(argc - 1, argv + 1);
    if (strcmp(argv[1], "validate") == 0)
        return sc_cmd_validate(argc - 1, argv + 1);
    if (strcmp(argv[1], "version") == 0 || strcmp(argv[1], "--version") == 0) {
        printf("smi-conformance %s (commit %s)\n", SC_VERSION, SC_COMMIT);
        return SC_EXIT_OK;
    }
    if (strcmp(argv[1], "help") == 0 || strcmp(argv[1], "--help") == 0 ||
        strcmp(argv[1], "-h") == 0) {
        usage(stdout);
        return SC_EXIT_OK;
    }
    sc_cli_error("unknown command '%s' (see 'smi-conformance help')", argv[1]);
    return SC_EXIT_USAGE;
}
