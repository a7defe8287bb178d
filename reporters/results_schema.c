/* results_schema.c - results.json against its JSON Schema (built in) and its reader's checks. */
#include "reporters/results_schema.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reporters/json.h"
#include "run/results.h"

/* results_schema_text.c, generated from results.schema.json by embed.cmake */
extern const char sc_results_schema_json[];
extern const size_t sc_results_schema_json_len;

const char *sc_results_schema_text(size_t *len)
{
    if (len != NULL)
        *len = sc_results_schema_json_len;
    return sc_results_schema_json;
}

int sc_results_check(const char *text, size_t len, const char *file, sc_jsonschema_report_fn report,
                     void *arg, size_t *nviolations, struct sc_err *err)
{
    struct sc_jsonschema *schema;
    struct sc_run *run = NULL;
    struct sc_err rerr;
    cJSON *doc;
    int rc;

    *nviolations = 0;
    if ((rc = sc_json_parse_located(text, len, file, &doc, err)))
        return rc;
    /* the built-in schema is checked by the tests: failing to load it is a build defect */
    if (sc_jsonschema_new(sc_results_schema_json, sc_results_schema_json_len, "results.schema.json",
                          &schema, &rerr) != 0) {
        fprintf(stderr, "smi-conformance: built-in schema: %s\n", rerr.msg);
        abort();
    }
    *nviolations = sc_jsonschema_validate(schema, doc, report, arg);
    sc_jsonschema_free(schema);
    cJSON_Delete(doc);
    if (*nviolations > 0)
        return 0;
    sc_err_init(&rerr);
    if (sc_report_json_parse(text, len, file, &run, &rerr) != 0) {
        /* the reader's message is "FILE: field.path: what"; the caller names the file */
        const char *msg = rerr.msg;
        size_t n = file ? strlen(file) : 0;
        if (file != NULL && strncmp(msg, file, n) == 0 && strncmp(msg + n, ": ", 2) == 0)
            msg += n + 2;
        if (report != NULL)
            report(arg, NULL, msg);
        *nviolations = 1;
        return 0;
    }
    sc_run_free(run);
    return 0;
}
