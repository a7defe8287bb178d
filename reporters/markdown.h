/* markdown.h - a Markdown summary for a pull-request comment or a CI step summary. */
#ifndef SC_MARKDOWN_H
#define SC_MARKDOWN_H

#include <stdbool.h>

#include "run/results.h"

/*
 * A heading with the verdict, one line of run facts, the area x version matrix, the failed
 * cases with their messages, and the skipped cases (folded in <details>, as GitHub renders
 * it). Text from the run is escaped for table cells. When `reproduce` is true a Reproduce
 * section with the command line follows (the submission README). Caller owns the result.
 */
char *sc_report_markdown(const struct sc_run *r, bool reproduce);

#endif
