/* metrics_expect.h - the suite loader's reader of `expect: {metrics: ...}` (internal to
 * suite/): a resource, one of its edges, or a list of a kind with a label selector. */
#ifndef SC_SUITE_METRICS_EXPECT_H
#define SC_SUITE_METRICS_EXPECT_H

#include "base/doc.h"
#include "base/err.h"
#include "suite/suite.h"

/* Read the metrics expectation m into me (zeroed by the caller); a mistake is
 * "FILE:LINE:COL: ..." in err and SC_EINVAL. What me holds is freed by
 * sc_metrics_expect_release, also after a failure. */
int sc_suite_parse_metrics(const char *file, const struct sc_doc_node *m,
                           struct sc_metrics_expect *me, struct sc_err *err);
void sc_metrics_expect_release(struct sc_metrics_expect *me);

#endif
