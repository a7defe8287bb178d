/* json.h - the JSON result of a run (schema smi-conformance/results/v1): write and read back. */
#ifndef SC_REPORT_JSON_H
#define SC_REPORT_JSON_H

#include <stddef.h>

#include "base/err.h"
#include "run/results.h"

#define SC_REPORT_JSON_SCHEMA "smi-conformance/results/v1"

/* The run as JSON text (README.md documents the schema). Numbers that do not apply (NaN) are
 * null. Caller owns the result. Aborts on out-of-memory. */
char *sc_report_json(const struct sc_run *r);

/*
 * Rebuild a run from JSON text. The schema version must be SC_REPORT_JSON_SCHEMA; fields this
 * version does not know are ignored (additions keep the version), missing required fields and
 * wrong types fail with SC_EINVAL and a message naming the field:
 * "FILE: tests[2].assertions[0].passed: expected true or false". `file` (borrowed, may be NULL)
 * names the input. On success *out is the caller's (sc_run_free).
 */
SC_MUST_CHECK int sc_report_json_parse(const char *text, size_t len, const char *file,
                                       struct sc_run **out, struct sc_err *err);

/* Read and parse a file ("-" is standard input). */
SC_MUST_CHECK int sc_report_json_load(const char *path, struct sc_run **out, struct sc_err *err);

#endif
