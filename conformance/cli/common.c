/* common.c - what the subcommands share: the error line and writing a rendered report. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "reporters/buf.h"

void sc_cli_error(const char *fmt, ...)
{
    va_list ap;
    fputs("smi-conformance: error: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

int sc_cli_write(const char *path, char *text, struct sc_err *err)
{
    int rc;
    if (text == NULL)
        return sc_err_set(err, SC_ENOMEM, "cannot render '%s'", path);
    rc = sc_report_write_file(path, text, strlen(text), err);
    free(text);
    return rc;
}
