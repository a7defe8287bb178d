/* fuzz_profile.c - libFuzzer harness: a mesh profile (the YAML files of suites/profiles/)
 * through its loader. */
#include <stdint.h>
#include <stdlib.h>

#include "base/err.h"
#include "base/fuzz/fuzz_input.h"
#include "platform/profile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct sc_profile *p = NULL;
    struct sc_err err;

    sc_err_init(&err);
    if (sc_profile_load(sc_fuzz_as_file(data, size), &p, &err) == 0) {
        if (p == NULL)
            abort();
        sc_profile_free(p);
    } else if (p != NULL || err.msg[0] == '\0') {
        abort();
    }
    return 0;
}
