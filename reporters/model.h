/* model.h - views over a run that several reporters share: areas, versions, cell verdicts. */
#ifndef SC_REPORT_MODEL_H
#define SC_REPORT_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "run/results.h"

/* The distinct areas of a run's cases: access, specs, split, metrics first (in that order),
 * then any other in order of first appearance. *out is the caller's to free(); the strings
 * are borrowed from the run. Returns the count. */
size_t sc_report_areas(const struct sc_run *r, const char ***out);

/* The distinct versions of an area's cases (of every case when area is NULL), oldest first
 * (v1alpha1 < v1alpha2 < v1beta1 < v1). Same ownership as sc_report_areas(). */
size_t sc_report_versions(const struct sc_run *r, const char *area, const char ***out);

/* A cell's (or the run's) result as the conformance report names it, the first that holds:
 * "none" for no cases, "failure" when a case failed, "error" when a case could not be judged
 * (the platform, the API server or an agent failed), "success" when every case passed,
 * "partial" when some passed and the others were skipped, "skipped" when none ran (e.g. the
 * version is not served). Failure beats error beats partial and skipped. */
const char *sc_report_result(struct sc_summary s);

/* The run's verdict in a word for headlines: "failed", "errored", "passed" or "nothing ran",
 * in the precedence of sc_report_result(). */
const char *sc_report_verdict_word(struct sc_summary s);

/* How many times a case was run (old results say 0: once). */
unsigned sc_report_runs(const struct sc_case *c);

/* RFC 3339 UTC with milliseconds ("2025-11-25T17:41:00.123Z") into buf (>= 32 bytes). */
char *sc_report_time(uint64_t ms, char *buf, size_t len);
/* Parse RFC 3339 (Z or +hh:mm offset, optional fraction) into ms since the epoch. */
int sc_report_time_parse(const char *s, uint64_t *ms);

/* The first line of s (up to max bytes, cut at a UTF-8 boundary) into buf; "" for NULL. */
char *sc_report_first_line(const char *s, char *buf, size_t len);

/* A figure's value for people: "21.3%" for shares, "%.6g UNIT" otherwise, "-" for NaN. */
char *sc_report_fmt_value(double v, const char *unit, char *buf, size_t len);

/* Extended features named by the cases of an area/version (every feature but "core"),
 * split into those whose cases all passed (supported) and the rest. Arrays are the caller's
 * to free(); strings borrowed. */
void sc_report_features(const struct sc_run *r, const char *area, const char *version,
                        const char ***supported, size_t *nsupported, const char ***unsupported,
                        size_t *nunsupported);

/* Per protocol its cases used (http, http2, grpc, tcp, udp: SC_REPORT_PROTOCOLS of them, in
 * that order), the verdicts of those cases; `label` is how people name it ("HTTP/1.1"). */
#define SC_REPORT_PROTOCOLS 5
struct sc_report_protocol {
    const char *name, *label;
    struct sc_summary s;
};
void sc_report_protocols(const struct sc_run *r,
                         struct sc_report_protocol out[SC_REPORT_PROTOCOLS]);
/* "certified" (cases passed and none failed or errored), "failed", "error", "not tested" (all
 * skipped or none). */
const char *sc_report_protocol_result(const struct sc_report_protocol *p);

/* The run's command line with the values of options that carry secrets (names containing
 * token, password or secret: `--token X`, `--token=X`) replaced by REDACTED: the runner should
 * not record them, and a report never repeats them. NULL when the run has none; else the
 * caller's. */
char *sc_report_command_line(const struct sc_run *r);

#endif
