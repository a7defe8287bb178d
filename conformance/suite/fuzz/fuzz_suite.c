/* fuzz_suite.c - libFuzzer harness: one suite test file (YAML) through the suite loader. */
#include <stdint.h>
#include <stdlib.h>

#include "base/err.h"
#include "base/fuzz/fuzz_input.h"
#include "suite/suite.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct sc_test *t = NULL;
    struct sc_err err;

    sc_err_init(&err);
    if (sc_test_load(sc_fuzz_as_file(data, size), &t, &err) == 0) {
        if (t == NULL)
            abort(); /* success must give a test */
        sc_test_free(t);
    } else if (t != NULL || err.msg[0] == '\0') {
        abort(); /* a failure gives nothing and says why */
    }
    return 0;
}
