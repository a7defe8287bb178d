/* runner.h - run conformance tests on a platform: cases (test x version), in parallel,
 * waiting for policies by probing, asserting with stated statistics. */
#ifndef SC_RUNNER_H
#define SC_RUNNER_H

#include <regex.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

#include "base/err.h"
#include "run/results.h"
#include "suite/suite.h"
#include "platform/platform.h"

struct sc_runner_opts {
    unsigned parallel;           /* cases at once; >= 1 */
    unsigned timeout_ms;         /* consistency timeout of each probe loop and readiness; 0 = the
                                  * platform's (the mesh profile's), else 10 s */
    unsigned retries;            /* re-runs of a case that errored (default 1) */
    bool keep;                   /* leave namespaces for debugging */
    const char *focus;           /* regex on "TEST [VERSION]"; NULL = all */
    const char *skip;            /* regex; NULL = none */
    const char *const *areas;    /* NULL-terminated; NULL = all */
    const char *const *features; /* NULL-terminated; NULL = all */
    const char *run_id;          /* short id in namespace names */
    atomic_int *cancel;          /* set by SIGINT/SIGTERM: stop starting cases */
    /* Progress: called after each case (any thread; serialised by the runner). */
    void (*progress)(void *ud, size_t done, size_t total, const struct sc_case *c);
    void *progress_ud;
};

void sc_runner_opts_init(struct sc_runner_opts *o);

/*
 * Plan the cases (test x served version of its area, filtered) into run->cases, marking as
 * skipped (with the reason) those a version cannot express. Nothing is deployed.
 * Returns SC_EINVAL for a bad focus/skip regex.
 */
SC_MUST_CHECK int sc_runner_plan(struct sc_platform *p, struct sc_test *const *tests, size_t ntests,
                                 const struct sc_runner_opts *o, struct sc_run *run,
                                 struct sc_err *err);

/* Run the planned, not-skipped cases of run (as sc_runner_plan left them). Fills verdicts,
 * assertions and logs. Returns 0 when the run was carried out (tests may have failed). */
SC_MUST_CHECK int sc_runner_execute(struct sc_platform *p, struct sc_test *const *tests,
                                    size_t ntests, const struct sc_runner_opts *o,
                                    struct sc_run *run, struct sc_err *err);

#endif
