#!/bin/sh
# html_weight.sh BIN - the page-weight budget on a real run: the full local suite (every test at
# every SMI version against the reference mesh), then its report.html, and the same page
# rendered again by `report --html`, must each stay under 300 KB. Prints the sizes.
set -u
bin=$1
budget=$((300 * 1024))
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() {
    echo "FAIL: $*"
    exit 1
}

"$bin" run -q --report-dir "$tmp/r" >"$tmp/run.out" 2>&1
rc=$?
# 0 passed, 1 a test failed (a page with failures must fit too); 2: the run could not be judged
[ "$rc" -le 1 ] || fail "the full local suite exited $rc: $(tail -5 "$tmp/run.out")"
cases=$(grep -o '"name":' "$tmp/r/results.json" | wc -l | tr -d ' ')
size=$(wc -c <"$tmp/r/report.html" | tr -d ' ')
"$bin" report -q "$tmp/r/results.json" --html "$tmp/again.html" || fail "report --html failed"
again=$(wc -c <"$tmp/again.html" | tr -d ' ')
echo "full local suite: results.json $(wc -c <"$tmp/r/results.json" | tr -d ' ') bytes," \
    "report.html $size bytes, re-rendered $again bytes (budget $budget)"
[ "$cases" -ge 150 ] || fail "the run has $cases cases: not the full suite"
[ "$size" -lt "$budget" ] || fail "report.html weighs $size bytes, over the $budget budget"
[ "$again" -lt "$budget" ] || fail "the re-rendered page weighs $again bytes"
echo "ok"
