/* fuzz_input.h - what the libFuzzer harnesses share: the input as a file for the loaders that
 * read a path (suites, profiles, kubeconfigs), without touching the disk. Header-only, built
 * only with SC_FUZZ (see scripts/fuzz and the harnesses under each module's fuzz/). */
#ifndef SC_FUZZ_INPUT_H
#define SC_FUZZ_INPUT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

/* libFuzzer's entry point (https://llvm.org/docs/LibFuzzer.html "Fuzz Target"): called once
 * per input, must not keep state between calls, a crash or a sanitizer report is a finding. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Write `data` into one anonymous in-memory file (created on the first call, truncated on
 * every call) and return a path that opens it ("/proc/self/fd/N", static storage). Aborts
 * when the file cannot be made: a harness that cannot feed its loader must not pass. */
static inline const char *sc_fuzz_as_file(const uint8_t *data, size_t size)
{
    static int fd = -1;
    static char path[64];
    if (fd < 0) {
        fd = memfd_create("sc-fuzz-input", MFD_CLOEXEC);
        if (fd < 0)
            abort();
        snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
    }
    if (ftruncate(fd, 0) != 0)
        abort();
    size_t off = 0;
    while (off < size) {
        ssize_t n = pwrite(fd, data + off, size - off, (off_t)off);
        if (n <= 0)
            abort();
        off += (size_t)n;
    }
    return path;
}

#endif
