/* console.h - the plain-text summary printed at the end of a run and by `report`. */
#ifndef SC_CONSOLE_H
#define SC_CONSOLE_H

#include "run/results.h"

/*
 * A table of passed/failed/skipped per area and version with the cell's result, a total row,
 * then each failed case with the first line of its message, and the skip reasons grouped with
 * their counts. Plain ASCII layout (names and messages are passed through as UTF-8), no
 * colours, so it reads the same in a terminal, a CI log and a file. Caller owns the result.
 */
char *sc_console_summary(const struct sc_run *r);

#endif
