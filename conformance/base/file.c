/* file.c - reading a whole file into memory, bounded. */
#include "base/file.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int sc_file_read(const char *path, size_t max, char **out, size_t *len, struct sc_err *err)
{
    bool is_stdin = strcmp(path, "-") == 0;
    FILE *f = is_stdin ? stdin : fopen(path, "rb");
    char *buf = NULL;
    size_t n = 0, cap = 0;
    int rc = 0;

    *out = NULL;
    if (len != NULL)
        *len = 0;
    if (f == NULL)
        return sc_err_set(err, errno == ENOENT ? SC_ENOTFOUND : SC_EIO, "cannot read '%s': %s",
                          path, strerror(errno));
    for (;;) {
        size_t got;
        if (cap - n < 4096 + 1) {
            char *nb;
            cap = cap ? cap * 2 : 8192;
            nb = realloc(buf, cap);
            if (nb == NULL) {
                rc = sc_err_set(err, SC_ENOMEM, "cannot read '%s': out of memory", path);
                goto out_close;
            }
            buf = nb;
        }
        got = fread(buf + n, 1, cap - n - 1, f);
        n += got;
        if (n > max) {
            rc = sc_err_set(err, SC_EINVAL, "cannot read '%s': larger than %zu bytes", path, max);
            goto out_close;
        }
        if (got == 0)
            break;
    }
    if (ferror(f))
        rc = sc_err_set(err, SC_EIO, "cannot read '%s': %s", path, strerror(errno));
out_close:
    if (!is_stdin)
        fclose(f); /* opened for reading: nothing is lost if closing fails */
    if (rc != 0) {
        free(buf);
        return rc;
    }
    buf[n] = '\0';
    *out = buf;
    if (len != NULL)
        *len = n;
    return 0;
}
