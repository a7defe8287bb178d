#!/bin/sh
# run_interrupt.sh BIN SUITES [TRIALS] - the interrupt campaign (issue 15): SIGINT or SIGTERM,
# once or twice, at pseudo-random moments of local runs. Every trial must end within a bound,
# leave no process behind (the run's processes carry a token in their environment, so a
# leftover is found wherever it was reparented), and either write a valid results.json (one
# `validate --results` accepts) that says what was interrupted (one signal: exit 2) or, after a
# second signal, stop at once with 130 and no report (by design: the handler writes nothing).
bin=$1 suites=$2 trials=${3:-8}
tmp=$(mktemp -d) || exit 1
pid=
# shellcheck disable=SC2317 # called by the trap
cleanup() { [ -n "$pid" ] && kill -9 "$pid" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT

# Processes (other than this shell's) whose environment holds token $1.
leftovers() {
  n=0
  for e in /proc/[0-9]*/environ; do
    p=${e#/proc/}
    p=${p%/environ}
    [ "$p" = $$ ] && continue
    if { tr '\0' '\n' <"$e"; } 2>/dev/null | grep -qx "SC_CAMPAIGN=$1"; then
      n=$((n + 1))
      echo "  left: $p $(cat /proc/"$p"/comm 2>/dev/null)" >&2
    fi
  done
  echo "$n"
}

fail=0
t=1
while [ "$t" -le "$trials" ]; do
  # delay 0.3..5.0 s and the signal, from the trial number (reproducible)
  delay=$(awk -v s="$t" 'BEGIN { srand(s * 7919); printf "%.1f", 0.3 + rand() * 4.7 }')
  sig=INT
  [ $((t % 2)) -eq 0 ] && sig=TERM
  twice=no
  [ $((t % 3)) -eq 0 ] && twice=yes
  dir=$tmp/t$t
  mkdir "$dir"
  SC_CAMPAIGN=trial-$$-$t "$bin" run --suites "$suites" -q --area access --area split \
    --report-dir "$dir/r" >"$dir/out" 2>"$dir/err" &
  pid=$!
  sleep "$delay"
  kill -"$sig" "$pid" 2>/dev/null
  if [ "$twice" = yes ]; then
    sleep 0.05 # apart, or the kernel merges the two into one pending signal
    kill -"$sig" "$pid" 2>/dev/null
  fi
  # bounded: the run must end within 60 s of the signal
  i=0
  while kill -0 "$pid" 2>/dev/null && [ $i -lt 600 ]; do sleep 0.1; i=$((i + 1)); done
  if kill -0 "$pid" 2>/dev/null; then
    echo "FAIL trial $t (SIG$sig at ${delay}s, twice=$twice): still running 60 s after the signal"
    fail=1
  fi
  wait "$pid"
  rc=$?
  pid=
  sleep 0.5 # children stopped by SIGKILL are reaped by now
  left=$(leftovers "trial-$$-$t")
  what="trial $t: SIG$sig at ${delay}s, twice=$twice: exit $rc"
  if [ "$left" -ne 0 ]; then
    echo "FAIL $what: $left processes left"
    fail=1
  elif [ "$twice" = yes ] && [ "$rc" -eq 130 ]; then
    if [ -e "$dir/r/results.json" ]; then
      echo "FAIL $what: a report was written after a second signal"
      fail=1
    else
      echo "ok   $what: stopped at once, nothing left"
    fi
  elif [ "$rc" -eq 2 ] || { [ "$twice" = yes ] && [ "$rc" -ne 130 ]; }; then
    # one signal (or the second came after the run had ended its cases): a valid report that
    # names the interruption
    # valid: against reporters/results.schema.json too (validate --results)
    if jq -e '[.tests[].message // "" | select(test("interrupted"))] | length > 0' \
      "$dir/r/results.json" >/dev/null 2>&1 &&
      "$bin" validate --results -q "$dir/r/results.json" 2>"$dir/valid"; then
      echo "ok   $what: results.json valid, the interruption reported"
    else
      echo "FAIL $what: results.json missing, invalid or silent about the interruption"
      tail -3 "$dir/err" "$dir/valid"
      fail=1
    fi
  elif [ "$rc" -eq 0 ] || [ "$rc" -eq 1 ]; then
    echo "FAIL $what: the run ended as if not interrupted"
    fail=1
  else
    echo "FAIL $what: unexpected exit status"
    tail -3 "$dir/err"
    fail=1
  fi
  t=$((t + 1))
done
exit "$fail"
