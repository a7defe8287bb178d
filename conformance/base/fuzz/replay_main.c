/* replay_main.c - a harness without libFuzzer: runs LLVMFuzzerTestOneInput once on every file
 * of the directories (or files) given, as the ordinary builds' ctest does with each harness's
 * seed corpus, so that the harnesses build everywhere and a reproducer kept in a corpus stays a
 * regression test. Exit 0, or 2 when an input cannot be read; a finding aborts as under
 * libFuzzer (LLVMFuzzerTestOneInput: https://llvm.org/docs/LibFuzzer.html#fuzz-target). */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/err.h"
#include "base/file.h"
#include "base/fuzz/fuzz_input.h"

#define REPLAY_MAX (1u << 20)

static int replay_file(const char *path)
{
    char *buf = NULL;
    size_t len = 0;
    struct sc_err err;

    sc_err_init(&err);
    if (sc_file_read(path, REPLAY_MAX, &buf, &len, &err) != 0) {
        fprintf(stderr, "replay: %s\n", err.msg);
        return 2;
    }
    (void)LLVMFuzzerTestOneInput((const uint8_t *)buf, len);
    free(buf);
    return 0;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every regular file of dir, sorted by name; returns inputs run, or -1. */
static int replay_dir(const char *dir)
{
    DIR *d = opendir(dir);
    char **names = NULL;
    size_t n = 0;
    int count = 0;
    struct dirent *e;

    if (d == NULL) {
        perror(dir);
        return -1;
    }
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        names = realloc(names, (n + 1) * sizeof(*names));
        if (names == NULL)
            abort();
        size_t len = strlen(dir) + strlen(e->d_name) + 2;
        names[n] = malloc(len);
        if (names[n] == NULL)
            abort();
        snprintf(names[n++], len, "%s/%s", dir, e->d_name);
    }
    closedir(d);
    if (n > 0)
        qsort(names, n, sizeof(*names), cmp_str);
    for (size_t i = 0; i < n; i++) {
        struct stat st;
        if (count >= 0 && stat(names[i], &st) == 0 && S_ISREG(st.st_mode))
            count = replay_file(names[i]) == 0 ? count + 1 : -1;
        free(names[i]);
    }
    free(names);
    return count;
}

int main(int argc, char **argv)
{
    int total = 0;

    for (int i = 1; i < argc; i++) {
        struct stat st;
        int n = stat(argv[i], &st) == 0 && S_ISDIR(st.st_mode) ? replay_dir(argv[i])
                                                               : (replay_file(argv[i]) ? -1 : 1);
        if (n < 0)
            return 2;
        total += n;
    }
    printf("replay: %d inputs, no finding\n", total);
    return total > 0 ? 0 : 2;
}
