"""junit_reader.py MIXED.xml PASSING.xml ERRORS.xml - read our JUnit output as CI tools do."""
import sys
import xml.etree.ElementTree as ET

import junitparser
from junitparser import Error, Failure, JUnitXml, Skipped

errors = []


def check(cond, what):
    if not cond:
        errors.append(what)


# Element order and required attributes, from the Ant JUnit XSD (what Jenkins and
# GitLab validate against), plus surefire's <skipped>.
SUITE_ATTRS = ["name", "tests", "failures", "errors", "time", "timestamp", "hostname", "id",
               "package"]
CASE_CHILDREN = ["skipped", "failure", "error", "system-out", "system-err"]


def xsd_rules(path):
    root = ET.parse(path).getroot()
    check(root.tag == "testsuites", f"{path}: root is {root.tag}")
    for suite in root:
        check(suite.tag == "testsuite", f"{path}: child {suite.tag} of testsuites")
        for a in SUITE_ATTRS:
            check(a in suite.attrib, f"{path}: testsuite {suite.get('name')} lacks {a}")
        tags = [c.tag for c in suite]
        check(tags[0] == "properties", f"{path}: testsuite does not open with properties")
        check(tags[-2:] == ["system-out", "system-err"],
              f"{path}: testsuite does not end with system-out, system-err")
        check(all(t == "testcase" for t in tags[1:-2]), f"{path}: stray elements {tags}")
        for case in suite.iter("testcase"):
            for a in ("name", "classname", "time"):
                check(a in case.attrib, f"{path}: testcase lacks {a}")
            float(case.get("time"))
            kids = [c.tag for c in case]
            check(all(k in CASE_CHILDREN for k in kids), f"{path}: testcase children {kids}")
            check(sum(k in ("skipped", "failure", "error") for k in kids) <= 1,
                  f"{path}: more than one verdict in {case.get('name')}")


def junitparser_view(path):
    xml = JUnitXml.fromfile(path)
    suites = {s.name: s for s in xml}
    cases = {}
    for s in xml:
        for c in s:
            cases[c.name] = (s, c)
    return xml, suites, cases


xsd_rules(sys.argv[1])
xsd_rules(sys.argv[2])
xsd_rules(sys.argv[3])

xml, suites, cases = junitparser_view(sys.argv[1])
check(xml.tests == 9 and xml.failures == 3 and xml.skipped == 2,
      f"totals {xml.tests}/{xml.failures}/{xml.skipped}")
check(list(suites) == ["access", "specs", "split", "metrics"], f"suites {list(suites)}")
check(suites["split"].tests == 3 and suites["split"].failures == 1
      and suites["split"].skipped == 1, "split suite counts")
props = {p.name: p.value for p in suites["access"].properties()}
check(props.get("harness.version") == "0.1.0", f"properties {props}")
check(props.get("platform") == "local" and props.get("mesh") == "local", f"properties {props}")
check(props.get("violations") == "split-ignore-weights", f"properties {props}")

s, c = cases['path <restriction> & "quotes" [v1alpha3]']
check(c.classname == "smi.access", f"classname {c.classname}")
res = c.result
check(len(res) == 1 and isinstance(res[0], Failure), f"result {res}")
check(res[0].message.startswith("client -> web:8080 GET /admin: expected denied"),
      f"failure message {res[0].message!r}")
check("\ufffd[31m" in res[0].message, "control character not replaced")
check("diagnostics:\nrefmesh: rule 'admin'" in res[0].text, "failure details")
check(c.system_out.startswith("apply TrafficTarget web-target"), f"system-out {c.system_out!r}")

s, c = cases["split-three-backends [v1alpha4]"]
text = c.result[0].text
check("web-v1: expected 60.0% +/- 5.0%, observed 33.3% (95% interval 31.9% .. 34.8%), "
      "1333 of 4000" in text, f"split details {text!r}")

s, c = cases["split-matches [v1alpha2]"]
check(isinstance(c.result[0], Skipped)
      and c.result[0].message == "split matches need split.smi-spec.io v1alpha3 or later",
      "skip reason")
s, c = cases["metrics-trafficsplits-resource [v1alpha1]"]
check("résumé ✓" in c.result[0].message, "UTF-8 kept")

xml, suites, cases = junitparser_view(sys.argv[2])
check(xml.tests == 2 and xml.failures == 0 and xml.skipped == 0, "passing totals")
check(set(cases) == {"deny-by-default [v1alpha2]", "deny-by-default [v1alpha3]"},
      f"passing cases {set(cases)}")
check(all(c.is_passed for _, c in cases.values()), "passing verdicts")
props = {p.name: p.value for p in suites["access"].properties()}
check(props.get("kubernetes.version") == "v1.29.2", f"kube property {props}")

# errors: the platform or an agent failed; CI tools must count them apart from failures
xml, suites, cases = junitparser_view(sys.argv[3])
check(xml.tests == 5 and xml.failures == 1 and xml.errors == 2 and xml.skipped == 0,
      f"error totals {xml.tests}/{xml.failures}/{xml.errors}/{xml.skipped}")
check(suites["access"].errors == 1 and suites["access"].failures == 0, "access suite counts")
check(suites["specs"].errors == 1 and suites["specs"].failures == 1, "specs suite counts")
s, c = cases["allow-by-traffic-target [v1alpha3]"]
res = c.result
check(len(res) == 1 and isinstance(res[0], Error) and not isinstance(res[0], Failure),
      f"errored case result {res}")
check(not c.is_passed and not c.is_skipped, "errored case counted as passed or skipped")
check(res[0].message.startswith("agent of pod client-0 answered the traffic plan"),
      f"error message {res[0].message!r}")
check("the first run's error: POST /api/v1/namespaces/t2-a1b2" in res[0].text
      and "<html>proxy error</html>" in res[0].text, f"re-run in error text {res[0].text!r}")
s, c = cases["http-route-path-regex [v1alpha4]"]
check(isinstance(c.result[0], Failure), f"failed case result {c.result}")
check('spec: "pathRegex ... anchored (^) to the beginning of the URI"' in c.result[0].text,
      f"spec statement in failure text {c.result[0].text!r}")
s, c = cases["split-two-backends [v1alpha4]"]
check(c.is_passed and c.system_out.startswith("run 2 times; the first run's error: "),
      f"re-run passed case {c.system_out!r}")

if errors:
    for e in errors:
        print("FAIL:", e)
    sys.exit(1)
print(f"ok: junitparser {getattr(junitparser, 'version', '?')} reads the three files as expected")
