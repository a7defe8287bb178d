/* junit.h - the run as JUnit XML, the shape CI systems read. */
#ifndef SC_JUNIT_H
#define SC_JUNIT_H

#include "run/results.h"

/*
 * testsuites > one testsuite per area (classname "smi.AREA") > one testcase per test and
 * version, named "TEST [VERSION]". A failed case has <failure message type> whose text holds
 * the failed assertions with expected vs observed figures and the diagnostics; a skipped case
 * has <skipped message>; every case's step log is its <system-out>. Each testsuite carries
 * properties: harness version and commit, platform, mesh, Kubernetes version, violations.
 * Everything from the run is XML-escaped and cleaned to valid UTF-8. Caller owns the result.
 */
char *sc_junit_xml(const struct sc_run *r);

#endif
