#!/bin/sh
# html_chromium.sh BIN TESTS_DIR - the HTML report and the comparison page in a real headless
# Chromium: they render with no console output (no script errors, nothing fetched), the DOM
# holds the expected rows and charts in reading order (matrix, failures, tests), the script ran,
# and screenshots are taken. Exit 77 (skipped) without chromium.
set -u
bin=$1
dir=$2
chrome=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$chrome" ]; then
    echo "SKIP: chromium is not installed (Debian package 'chromium')"
    exit 77
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() {
    echo "FAIL: $*"
    exit 1
}

# run_chrome PAGE ARGS...: a fresh profile, no network (every host name fails to resolve)
run_chrome() {
    page=$1
    shift
    rm -rf "$tmp/profile"
    timeout 60 "$chrome" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
        --disable-background-networking --disable-component-update --disable-sync \
        --host-resolver-rules="MAP * ~NOTFOUND" --user-data-dir="$tmp/profile" \
        --enable-logging=stderr --v=0 "$@" "file://$page"
}

# Chromium logs every console message of the page as ":CONSOLE" (errors included, at INFO).
console_lines() {
    grep ':CONSOLE' "$1" || true
}

# render NAME: the DOM chromium makes of $tmp/NAME.html, into $tmp/NAME-dom.html (then `dom`,
# which count and expect read); the page must log nothing to the console.
render() {
    run_chrome "$tmp/$1.html" --dump-dom >"$tmp/$1-dom.html" 2>"$tmp/$1-dom.err" ||
        fail "chromium --dump-dom failed: $(tail -3 "$tmp/$1-dom.err")"
    msgs=$(console_lines "$tmp/$1-dom.err")
    [ -z "$msgs" ] || fail "console output from $1.html: $msgs"
    dom=$tmp/$1-dom.html
}

# The detector must be able to fail: a page that throws is caught.
printf '<!DOCTYPE html><html><body><script>throw new Error("sc-probe")</script></body></html>' \
    >"$tmp/bad.html"
run_chrome "$tmp/bad.html" --dump-dom >/dev/null 2>"$tmp/bad.err"
console_lines "$tmp/bad.err" | grep -q 'sc-probe' ||
    fail "the console detector did not see a thrown error (chromium's log format changed?)"

"$bin" report -q --html "$tmp/report.html" "$dir/data/mixed.json" || fail "report --html failed"

render report
count() {
    grep -o "$1" "$dom" | wc -l | tr -d ' '
}
expect() {
    n=$(count "$1")
    [ "$n" = "$2" ] || fail "DOM has $n x '$1', expected $2"
}
# line of the first match of a pattern in the DOM (0 when absent)
line_of() {
    grep -n "$1" "$dom" | head -1 | cut -d: -f1 | grep . || echo 0
}
# the failures in full (no article for a pass or a skip), each test once, details folded
expect '<article class="case ' 3
expect '<article class="case failed"' 3
expect '<section class="test ' 9
expect '<details class="versions">' 7
expect '<details class="versions" open' 0
expect '<tr class="area" data-area=' 4
expect '<tr class="t">' 9
expect '<td class="cell ' 6
expect '<td class="cell failure"' 3
# reading order: the matrix, the failures, the skips, the tests
m=$(line_of 'id="matrix"')
f=$(line_of 'id="failures"')
a=$(line_of '<article class="case failed"')
k=$(line_of 'id="skipped"')
t=$(line_of 'id="tests"')
if ! { [ "$m" -gt 0 ] && [ "$m" -lt "$f" ] && [ "$f" -lt "$a" ] && [ "$a" -lt "$k" ] &&
    [ "$k" -lt "$t" ]; }; then
    fail "reading order: matrix $m, failures $f, first failure $a, skips $k, tests $t"
fi
# charts only where they carry information: shares, a disagreement, a histogram; none for
# "denied 20/20" (5 charts for the 9 cases)
expect '<svg' 5
expect 'aria-label="observed share per backend' 2
expect 'aria-label="latency percentiles' 0
expect 'aria-label="metrics agreement' 1
# the client latency histogram: bars, and p50/p90/p99 markers of both sides (plus a legend
# swatch each), inside the histogram's own <svg>
expect 'aria-label="latency histogram' 1
hist=$(sed -n '/aria-label="latency histogram/,/<\/svg>/p' "$tmp/report-dom.html")
bars=$(printf '%s\n' "$hist" | grep -o '<rect class="hbar"[^>]*data-count=' | wc -l | tr -d ' ')
if [ "$bars" -lt 5 ] || [ "$bars" -gt 40 ]; then
    fail "histogram has $bars bars, expected 5..40"
fi
for m in cmark mmark; do
    n=$(printf '%s\n' "$hist" | grep -o "<line class=\"$m\"" | wc -l | tr -d ' ')
    [ "$n" = 4 ] || fail "histogram has $n x '$m' lines, expected 4 (p50, p90, p99, legend)"
done
expect 'data-ready="1"' 1
expect '<li class="assertion" data-passed="false"' 2
expect 'denied 20/20</td>' 1
grep -q '<h1>SMI conformance <span class="badge failure" id="verdict">failed</span>' \
    "$tmp/report-dom.html" || fail "verdict heading missing"
# self-contained: nothing to fetch
if grep -Eq '(src|href)="(https?:)?//' "$tmp/report.html"; then
    fail "the page references an external resource"
fi

# errors: their own articles, badge, matrix cell and filter; spec statements; re-runs
"$bin" report -q --html "$tmp/errors.html" "$dir/data/with-errors.json" ||
    fail "report --html of with-errors.json failed"
render errors
expect '<article class="case error"' 2
expect '<article class="case failed"' 1
expect '<section class="test error"' 2
expect '<span class="badge error">error</span>' 4
f=$(line_of 'id="failures"')
e=$(line_of 'id="errors"')
t=$(line_of 'id="tests"')
if ! { [ "$f" -gt 0 ] && [ "$f" -lt "$e" ] && [ "$e" -lt "$t" ]; }; then
    fail "reading order: failures $f, errors $e, tests $t"
fi
expect '<td class="cell error"' 1
expect '<td class="cell failure"' 1
expect '<li class="assertion" data-passed="false" data-error="true"' 2
expect '<blockquote class="spec">' 2
expect '<p class="rerun">' 2
expect 'id="only-errors"' 1
expect 'data-ready="1"' 1

# the comparison page: mixed.json against itself with one split share moved
sed 's/"observed":\t0.4962,/"observed":\t0.4500,/' "$dir/data/mixed.json" >"$tmp/moved.json"
"$bin" report -q "$dir/data/mixed.json" --compare "$tmp/moved.json" --html "$tmp/compare.html" ||
    fail "report --compare failed"
render compare
expect '<h2 id="changes">Changes (0)</h2>' 1
expect 'data-change="unchanged"><td' 9
expect 'aria-label="split shares: run A against run B"' 2
expect '<td class="num">-4.6 pp</td>' 1
expect 'data-ready="1"' 1
dom=$tmp/report-dom.html

run_chrome "$tmp/report.html" --window-size=1280,2400 --screenshot="$tmp/shot.png" \
    >/dev/null 2>"$tmp/shot.err" || fail "chromium --screenshot failed"
[ "$(head -c 8 "$tmp/shot.png" | od -An -tx1 | tr -d ' \n')" = "89504e470d0a1a0a" ] ||
    fail "the screenshot is not a PNG"
size=$(wc -c <"$tmp/shot.png")
[ "$size" -gt 20000 ] || fail "the screenshot is suspiciously small ($size bytes)"
run_chrome "$tmp/compare.html" --window-size=1280,1600 --screenshot="$tmp/compare.png" \
    >/dev/null 2>"$tmp/compare-shot.err" || fail "chromium --screenshot of the comparison failed"
if [ -n "${SC_SCREENSHOT_DIR:-}" ]; then
    cp "$tmp/shot.png" "$SC_SCREENSHOT_DIR/report.png"
    cp "$tmp/compare.png" "$SC_SCREENSHOT_DIR/compare.png"
fi
echo "ok: rendered without console output, DOM as expected, screenshot $size bytes"
