/* fuzz_results_schema.c - libFuzzer harness: a results file through `validate --results` (the
 * JSON Schema validator and the reader). A file it accepts must read back, and what the writer
 * makes of it must be accepted in turn: the schema and json.c cannot drift apart. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "base/fuzz/fuzz_input.h"
#include "reporters/json.h"
#include "reporters/results_schema.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *text = (const char *)data;
    struct sc_run *run = NULL;
    struct sc_err err;
    size_t n;
    char *again;

    sc_err_init(&err);
    if (sc_results_check(text, size, "fuzz", NULL, NULL, &n, &err) != 0) {
        if (err.msg[0] == '\0')
            abort(); /* a refusal says why */
        return 0;
    }
    if (n > 0)
        return 0;
    if (sc_report_json_parse(text, size, "fuzz", &run, &err) != 0)
        abort(); /* accepted, so the reader must read it */
    again = sc_report_json(run);
    sc_run_free(run);
    if (sc_results_check(again, strlen(again), "rewritten", NULL, NULL, &n, &err) != 0 || n > 0)
        abort(); /* the writer wrote what the schema refuses */
    free(again);
    return 0;
}
