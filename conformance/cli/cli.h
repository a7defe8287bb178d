/* cli.h - the smi-conformance subcommands and their shared exit codes. */
#ifndef SC_CLI_H
#define SC_CLI_H

#include <stdbool.h>

#include "base/err.h"

/* Exit codes of every subcommand. */
enum { SC_EXIT_OK = 0, SC_EXIT_FAIL = 1, SC_EXIT_USAGE = 2 };

/* `smi-conformance load ...`: argv[0] is "load". Returns the exit code. */
int sc_cmd_load(int argc, char **argv);
/* `smi-conformance report RESULTS.json ...`: re-render reports from a JSON result. */
int sc_cmd_report(int argc, char **argv);
/* `smi-conformance validate FILE...`: check SMI manifests against their version's schema. */
int sc_cmd_validate(int argc, char **argv);

/* `smi-conformance run ...` and `smi-conformance list ...` (argv[0] is the command). */
int sc_cmd_run(int argc, char **argv);

/* `smi-conformance crds --release R`: the SMI CRDs of one release. Returns the exit code. */
int sc_cmd_crds(int argc, char **argv);
/* `smi-conformance preflight ...`: can the cluster run the suite? Returns the exit code. */
int sc_cmd_preflight(int argc, char **argv);
struct sc_platform_config;
/* Run the preflight checks of pc's cluster; print the table (all of it when `all`, else only
 * when a check did not pass) to stderr; SC_EINVAL with the reason when a check blocks. */
SC_MUST_CHECK int sc_cli_preflight(const struct sc_platform_config *pc, bool all,
                                   struct sc_err *err);
/* Write `text` (taken and freed; NULL means rendering failed) to `path` ("-" is standard
 * output), renamed into place so that a reader never sees half a report. */
SC_MUST_CHECK int sc_cli_write(const char *path, char *text, struct sc_err *err);
/* Before a run: can `path` be written later? A folder (dir true) must exist and be writable; a
 * file must not be a folder and must be writable, or its folder must be (issue 15 #8). */
SC_MUST_CHECK int sc_cli_check_output(const char *path, bool dir, struct sc_err *err);

/* Print "smi-conformance: error: <msg>" to stderr. */
void sc_cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
