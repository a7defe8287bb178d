/* testutil.h - small helpers shared by the kube tests (header-only, static). */
#ifndef SC_KUBE_TESTUTIL_H
#define SC_KUBE_TESTUTIL_H

#include <openssl/evp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/file.h"

static inline char *tu_tmpdir(void)
{
    char tmpl[] = "/tmp/sc-kube-test-XXXXXX";
    char *d = mkdtemp(tmpl);
    if (d == NULL)
        abort();
    return strdup(d);
}

/* Write dir/name; returns the path (caller frees). */
static inline char *tu_write(const char *dir, const char *name, const char *text, int mode)
{
    char *path = malloc(strlen(dir) + strlen(name) + 2);
    FILE *f;
    if (path == NULL)
        abort();
    sprintf(path, "%s/%s", dir, name);
    f = fopen(path, "w");
    if (f == NULL)
        abort();
    fputs(text, f);
    fclose(f);
    if (mode)
        chmod(path, (mode_t)mode);
    return path;
}

/* Base64 of text, single line (caller frees). */
static inline char *tu_b64(const char *text)
{
    size_t n = strlen(text);
    unsigned char *out = malloc(4 * ((n + 2) / 3) + 1);
    if (out == NULL)
        abort();
    if (EVP_EncodeBlock(out, (const unsigned char *)text, (int)n) < 0)
        abort();
    return (char *)out;
}

static inline char *tu_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static inline char *tu_printf(const char *fmt, ...)
{
    va_list ap;
    char *s = NULL;
    va_start(ap, fmt);
    if (vasprintf(&s, fmt, ap) < 0)
        abort();
    va_end(ap);
    return s;
}

/* The build and source trees, from the environment ctest sets (else the test's own dir). */
static inline const char *tu_build_dir(void)
{
    const char *b = getenv("SC_BUILD_DIR");
    return b ? b : ".";
}

static inline const char *tu_source_dir(void)
{
    const char *s = getenv("SC_SOURCE_DIR");
    return s ? s : "../..";
}

/* A file's text (at most 64 MiB), or NULL; the caller frees. */
static inline char *tu_slurp(const char *path)
{
    char *text = NULL;
    return sc_file_read(path, 64u * 1024 * 1024, &text, NULL, NULL) == 0 ? text : NULL;
}

#endif
