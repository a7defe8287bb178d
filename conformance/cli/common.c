/* common.c - what the subcommands share: the error line and writing a rendered report. */
#include <errno.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/util.h"
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

int sc_cli_check_output(const char *path, bool dir, struct sc_err *err)
{
    struct stat st;
    char *copy, *parent;
    int rc = 0;

    if (strcmp(path, "-") == 0)
        return 0;
    if (stat(path, &st) == 0) {
        if (dir && !S_ISDIR(st.st_mode))
            return sc_err_set(err, SC_EINVAL, "report folder '%s' exists and is not a folder",
                              path);
        if (!dir && S_ISDIR(st.st_mode))
            return sc_err_set(err, SC_EINVAL, "output '%s' is a folder", path);
        if (access(path, dir ? W_OK | X_OK : W_OK) != 0)
            return sc_err_set(err, SC_EINVAL, "cannot write '%s': %s", path, strerror(errno));
        return 0;
    }
    if (errno != ENOENT)
        return sc_err_set(err, SC_EINVAL, "cannot write '%s': %s", path, strerror(errno));
    if (dir)
        return sc_err_set(err, SC_EINVAL, "report folder '%s' does not exist", path);
    copy = sc_xstrdup(path);
    parent = dirname(copy);
    if (stat(parent, &st) != 0 || !S_ISDIR(st.st_mode) || access(parent, W_OK | X_OK) != 0)
        rc = sc_err_set(err, SC_EINVAL, "cannot write '%s': folder '%s' %s", path, parent,
                        stat(parent, &st) != 0 ? "does not exist"
                        : !S_ISDIR(st.st_mode) ? "is not a folder"
                                               : "is not writable");
    free(copy);
    return rc;
}
