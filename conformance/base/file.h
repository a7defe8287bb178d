/* file.h - reading a whole file into memory, bounded, with one error idiom. */
#ifndef SC_BASE_FILE_H
#define SC_BASE_FILE_H

#include <stddef.h>

#include "base/err.h"

/*
 * Read all of `path` ("-" is standard input) into a NUL-terminated heap buffer; *out is the
 * caller's (free()), *len (may be NULL) its length without the NUL. At most `max` bytes: a
 * larger file fails with SC_EINVAL and is not read further. A missing file is SC_ENOTFOUND,
 * any other failure SC_EIO; the message names the file ("cannot read 'x': ..."). On failure
 * *out is NULL.
 */
SC_MUST_CHECK int sc_file_read(const char *path, size_t max, char **out, size_t *len,
                               struct sc_err *err);

#endif
