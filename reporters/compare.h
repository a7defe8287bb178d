/* compare.h - two runs side by side: per test and SMI version, what changed from A to B. */
#ifndef SC_REPORT_COMPARE_H
#define SC_REPORT_COMPARE_H

#include <stddef.h>

#include "base/err.h"
#include "run/results.h"

/* What happened to a case (test x version) from run A (before, e.g. the mesh before an
 * upgrade) to run B (after), in the order a reviewer reads them: */
enum sc_change {
    SC_CHANGE_BROKEN,    /* "pass->fail": B failed where A passed (or A had no verdict on it) */
    SC_CHANGE_OTHER,     /* another outcome change: to or from skipped or error */
    SC_CHANGE_FIXED,     /* "fail->pass": A failed, B passed */
    SC_CHANGE_NEW,       /* only in B */
    SC_CHANGE_REMOVED,   /* only in A */
    SC_CHANGE_UNCHANGED, /* the same outcome in both */
    SC_CHANGE_COUNT
};

/* "pass->fail", "changed", "fail->pass", "new", "removed", "unchanged". */
const char *sc_change_name(enum sc_change c);

/* One case of the comparison: a or b is NULL when the case is only in the other run. */
struct sc_pair {
    const char *test, *area, *version; /* borrowed */
    const struct sc_case *a, *b;       /* borrowed */
    enum sc_change change;
};

struct sc_comparison {
    const struct sc_run *a, *b; /* borrowed */
    const char *a_name, *b_name;
    struct sc_pair *pairs; /* owned; in reading order: by change, then area, test, version */
    size_t npairs;
    size_t count[SC_CHANGE_COUNT];
};

/* Pair the cases of a and b (names: the files they came from, for messages and the page).
 * SC_EINVAL, naming both files, when the runs have no case in common: not runs of the same
 * suites. Release with sc_comparison_release() either way. */
int sc_compare(struct sc_comparison *cmp, const struct sc_run *a, const char *a_name,
               const struct sc_run *b, const char *b_name, struct sc_err *err);
void sc_comparison_release(struct sc_comparison *cmp);

/* The text summary: the counts, then one line per changed case (changes first), with B's
 * message. Caller frees. */
char *sc_compare_text(const struct sc_comparison *cmp);

/* The comparison page: the counts, a table of the changes first (A and B outcome, messages),
 * split shares and latency of both runs side by side where both have them, the unchanged
 * cases folded. Self-contained like sc_report_html(). Caller frees. */
char *sc_compare_html(const struct sc_comparison *cmp);

#endif
