#!/bin/sh
# run_progress.sh BIN SUITES - progress on a terminal (under script(1)'s pseudo-terminal): one
# status line, rewritten in place, with the counts so far, elapsed time and an estimate of what
# remains, and only failures printed as lines; without a terminal (CI logs), one line per case
# and no status line. One of the two cases fails on purpose (a violation switch).
bin=$1 suites=$2
tmp=$(mktemp -d) || exit 1
# shellcheck disable=SC2317 # called by the trap
cleanup() { rm -rf "$tmp"; }
trap cleanup EXIT
fail() { echo "FAIL: $*"; exit 1; }
focus='^(access-deny-by-default \[v1alpha3\]|split-fifty-fifty \[v1alpha4\])$'

command -v script >/dev/null || { echo "no script(1): skipped"; exit 0; }
script -qec "'$bin' run --suites '$suites' --report-dir '$tmp/tty' --focus '$focus' \
  --violate allow-all" /dev/null >"$tmp/tty.out" 2>&1
esc=$(printf '\033')
tr '\r' '\n' <"$tmp/tty.out" | sed "s/${esc}\[K//g" >"$tmp/tty.txt"
grep -q '^\[2/2\] 1 passed, 1 failed, 0 skipped, 0 errors | [0-9]*:[0-9][0-9] elapsed$' \
  "$tmp/tty.txt" || fail "no final status line: $(grep '^\[' "$tmp/tty.txt")"
grep -q '^\[1/2\] .* elapsed, about [0-9]*:[0-9][0-9] left$' "$tmp/tty.txt" ||
  fail "no estimate of what remains: $(grep '^\[' "$tmp/tty.txt")"
grep -q '^FAIL access-deny-by-default \[v1alpha3\]' "$tmp/tty.txt" || fail "the failure is not shown"
grep -q '^PASS ' "$tmp/tty.txt" && fail "a terminal shows passes as lines"

"$bin" run --suites "$suites" --report-dir "$tmp/log" --focus "$focus" \
  --violate allow-all >"$tmp/log.out" 2>&1
grep -q '^PASS split-fifty-fifty \[v1alpha4\]' "$tmp/log.out" ||
  fail "without a terminal, no line per case: $(cat "$tmp/log.out")"
grep -q '^FAIL access-deny-by-default \[v1alpha3\]' "$tmp/log.out" || fail "no FAIL line in the log"
grep -q '^\[[0-9]*/2\]' "$tmp/log.out" && fail "a status line in a log"
echo "run_progress: status line on a terminal, one line per case in a log"
