/* grid.h - a run seen by test: each test once, with its case at each SMI version. */
#ifndef SC_REPORT_GRID_H
#define SC_REPORT_GRID_H

#include <stddef.h>

#include "run/results.h"

/* One test: its cases by version column (NULL where the test has no case at that version,
 * e.g. split v1alpha4 for an access test). Strings and cases are borrowed from the run. */
struct sc_grid_row {
    const char *test;
    const char *area;
    const struct sc_case **cases; /* ncolumns long (owned array) */
};

/* The columns are every version of the run, oldest first (sc_report_versions); the rows the
 * tests, by area (sc_report_areas order), then in order of first appearance. */
struct sc_grid {
    const char **versions; /* owned array of borrowed strings */
    size_t nversions;
    struct sc_grid_row *rows; /* owned */
    size_t nrows;
};

/* Fill g from r (aborts on out-of-memory); release with sc_grid_release(). */
void sc_grid_init(struct sc_grid *g, const struct sc_run *r);
void sc_grid_release(struct sc_grid *g);

/* The column of a version, or nversions when the run has no such version. */
size_t sc_grid_column(const struct sc_grid *g, const char *version);

/* Index of row `test` (nrows when absent). */
size_t sc_grid_find(const struct sc_grid *g, const char *test);

#endif
