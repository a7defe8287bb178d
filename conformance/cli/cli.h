/* cli.h - the smi-conformance subcommands and their shared exit codes. */
#ifndef SC_CLI_H
#define SC_CLI_H

/* Exit codes of every subcommand. */
enum { SC_EXIT_OK = 0, SC_EXIT_FAIL = 1, SC_EXIT_USAGE = 2 };

/* `smi-conformance load ...`: argv[0] is "load". Returns the exit code. */
int sc_cmd_load(int argc, char **argv);

/* Print "smi-conformance: error: <msg>" to stderr. */
void sc_cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
