#!/bin/sh
# run_errors.sh BIN SUITES - `smi-conformance run` refuses bad input with exit 2 and one line
# naming the problem, before anything is started (no refmesh, no fixture process).
bin=$1 suites=$2
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
fails=0

# expect WANT ARGS...: exit 2, exactly one stderr line starting "smi-conformance: error: "
# and containing WANT.
expect() {
  want=$1; shift
  "$bin" "$@" >"$tmp/out" 2>"$tmp/err"
  rc=$?
  lines=$(wc -l <"$tmp/err")
  if [ "$rc" -ne 2 ] || [ "$lines" -ne 1 ] || ! grep -q "^smi-conformance: error: " "$tmp/err" ||
     ! grep -qF -- "$want" "$tmp/err"; then
    echo "FAIL: $* -> exit $rc, stderr: $(cat "$tmp/err")  (wanted: $want)"
    fails=$((fails + 1))
  fi
}

expect "unknown option '--frobnicate'" run --frobnicate
expect "unknown area 'nosuch'" run --suites "$suites" --area nosuch
expect "unknown platform 'mars'" run --suites "$suites" --platform mars
expect "need --platform kube" run --suites "$suites" --platform local --context x
expect "needs --mesh" run --suites "$suites" --platform kube
expect "--violate is for the local reference mesh only" run --suites "$suites" --platform kube --mesh linkerd --violate allow-all
expect "invalid --focus regex" run --suites "$suites" --focus "("
expect "no test matches the selection" run --suites "$suites" --focus "^no-such-test"
expect "shorter than 100ms" run --suites "$suites" --timeout 10ms
expect "retries" run --suites "$suites" --retries 9
# Every selected case skipped: nothing was tested, and a CI gate must not go green.
expect "nothing was tested" run --suites "$suites" -q --report-dir "$tmp/skipped" \
  --focus '^access-udp-route \[v1alpha1\]$'
# Output paths are checked before the first case starts, not after the run (issue 15 #8).
: >"$tmp/afile"
expect "report folder '$tmp/afile' exists and is not a folder" run --suites "$suites" \
  --report-dir "$tmp/afile" --focus '^access-udp-route \[v1alpha1\]$'
expect "cannot write '$tmp/nodir/r.json': folder '$tmp/nodir' does not exist" run \
  --suites "$suites" --report-dir "$tmp/rep" --json "$tmp/nodir/r.json" \
  --focus '^access-udp-route \[v1alpha1\]$'
# A report that cannot be written (a full disk) is one error line, exit 2 (issue 15 #3, #4:
# the device is written through, never replaced).
expect "cannot write '/dev/full'" run --suites "$suites" -q --report-dir "$tmp/full" \
  --json /dev/full --focus '^access-udp-route \[v1alpha1\]$'
[ -c /dev/full ] || { echo "FAIL: /dev/full is no longer a device"; fails=$((fails + 1)); }
expect "suites folder '$tmp/none' does not exist" run --suites "$tmp/none"
expect "no tests found" run --suites "$tmp"

# A broken test file is reported at its position, before anything runs.
mkdir -p "$tmp/bad/access"
printf 'name: broken\narea: access\nworkloads:\n  - {name: a, serviceAccount: a}\nsteps:\n  - sleep: 5\n' \
  >"$tmp/bad/access/broken.yaml"
expect "broken.yaml:6:5: unknown step 'sleep'" run --suites "$tmp/bad"
expect "broken.yaml:6:5: unknown step 'sleep'" list --suites "$tmp/bad"

# list succeeds on the real suites and names every area.
"$bin" list --suites "$suites" >"$tmp/list" 2>&1 || { echo "FAIL: list exit $?"; fails=$((fails + 1)); }
for area in access specs split metrics; do
  grep -q " $area " "$tmp/list" || { echo "FAIL: list shows no $area test"; fails=$((fails + 1)); }
done

[ "$fails" -eq 0 ] && echo "run_errors: all checks passed"
[ "$fails" -eq 0 ]
