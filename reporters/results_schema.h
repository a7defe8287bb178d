/* results_schema.h - the JSON Schema of results.json (results.schema.json), and checking a file. */
#ifndef SC_REPORT_RESULTS_SCHEMA_H
#define SC_REPORT_RESULTS_SCHEMA_H

#include <stddef.h>

#include "base/err.h"
#include "base/jsonschema.h"

/* results.schema.json as built into the program (NUL-terminated, static; *len its length). */
const char *sc_results_schema_text(size_t *len);

/*
 * Check the text of a results file against the schema, then, when the schema holds, against
 * what JSON Schema cannot say and the harness's reader refuses (the summary agrees with the
 * tests, histogram buckets ascend, an assertion is not both passed and error). Every schema
 * violation is passed to `report` with its JSON pointer; the reader's one is passed with path
 * NULL and the reader's own field path in the message ("summary.total: is 3 but ...").
 * *nviolations is how many were reported. Returns 0 when the text was checked (valid or not),
 * SC_EINVAL when it is not JSON ("FILE:LINE:COL: not valid JSON"). `file` is borrowed.
 */
SC_MUST_CHECK int sc_results_check(const char *text, size_t len, const char *file,
                                   sc_jsonschema_report_fn report, void *arg, size_t *nviolations,
                                   struct sc_err *err);

#endif
