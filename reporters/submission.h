/* submission.h - a folder with everything a compatibility listing asks for, from one run. */
#ifndef SC_SUBMISSION_H
#define SC_SUBMISSION_H

#include "base/err.h"
#include "run/results.h"
#include "reporters/confreport.h"

/*
 * Create `dir` (and its parents) and write into it:
 *   README.md               the Markdown summary, the implementation and a Reproduce section
 *   conformance-report.yaml the conformance report
 *   junit.xml               JUnit XML
 *   results.json            the JSON result: a byte copy of `json_src` when given (what the run
 *                           wrote), else written from r
 *   report.html             the HTML page
 *   run.log                 a copy of `log_src` when given, else every case's steps,
 *                           messages and diagnostics in run order
 * `im`, `json_src` and `log_src` may be NULL. Files already there are replaced.
 */
SC_MUST_CHECK int sc_report_submission(const struct sc_run *r, const struct sc_implementation *im,
                                       const char *dir, const char *json_src, const char *log_src,
                                       struct sc_err *err);

/* The run's cases as a log (what run.log holds without a log file). Caller owns it. */
char *sc_report_case_log(const struct sc_run *r);

#endif
