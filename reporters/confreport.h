/* confreport.h - the conformance report (YAML) a vendor submits to a compatibility listing. */
#ifndef SC_CONFREPORT_H
#define SC_CONFREPORT_H

#include <stddef.h>

#include "base/err.h"
#include "run/results.h"

/* Who made the implementation under test. Every field is owned and may be NULL. */
struct sc_implementation {
    char *organization;
    char *project;
    char *url;
    char *version;
    char **contact; /* people or addresses to reach */
    size_t ncontact;
};

void sc_implementation_release(struct sc_implementation *im);

/*
 * Read an implementation file: a YAML (or JSON) mapping with organization, project, url,
 * version and contact (a string or a list of strings); the `implementation:` section of an
 * earlier conformance report works too. Unknown fields and wrong types fail with
 * "FILE:LINE:COL: field: what". Fields already set in *im are replaced when the file names
 * them.
 */
SC_MUST_CHECK int sc_implementation_load(const char *path, struct sc_implementation *im,
                                         struct sc_err *err);

/*
 * The conformance report, modelled on the Gateway API ConformanceReport: implementation,
 * mesh profile, platform, date, harness version and commit, Kubernetes version (kube only),
 * the SMI versions served, for each area and version the result (success | partial | failure |
 * error | skipped, as sc_report_result() names them), statistics (errors counted apart from
 * failures), failed, errored and skipped tests, the failed assertions with the spec statement
 * each enforces, the supported/unsupported extended features, and a reproduce section with
 * the command line. `im` may be NULL. Caller owns the result. Aborts on out-of-memory.
 */
char *sc_report_conformance_yaml(const struct sc_run *r, const struct sc_implementation *im);

#endif
