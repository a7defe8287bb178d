#!/bin/sh
# run_keep.sh BIN SUITES - `run --keep` leaves the local fixtures and the reference mesh up
# after the run (issue 15 #9: they were forked from a runner worker, and PR_SET_PDEATHSIG
# killed them when that thread ended), and Ctrl-C then stops them all.
bin=$1 suites=$2
tmp=$(mktemp -d) || exit 1
pid=
cleanup() { [ -n "$pid" ] && kill -9 "$pid" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT

"$bin" run --suites "$suites" -q --keep --report-dir "$tmp/r" \
  --focus '^access-deny-by-default \[v1alpha3\]$' >"$tmp/out" 2>"$tmp/err" &
pid=$!
i=0
while ! grep -q -- "--keep:" "$tmp/err" && [ $i -lt 600 ]; do sleep 0.1; i=$((i + 1)); done
grep -q -- "--keep:" "$tmp/err" || { echo "FAIL: no --keep line: $(cat "$tmp/err")"; exit 1; }
sleep 1 # a parent-death signal, if any, has been delivered by now
kids=$(cat /proc/"$pid"/task/*/children 2>/dev/null)
alive=0
for k in $kids; do
  case $(cat /proc/"$k"/comm 2>/dev/null) in smi-fixture | smi-refmesh) alive=$((alive + 1)) ;; esac
done
if [ "$alive" -lt 2 ]; then
  echo "FAIL: after the run, $alive fixture/refmesh processes are alive (want the mesh and the fixtures)"
  exit 1
fi
kill -INT "$pid"
wait "$pid"
for k in $kids; do
  i=0
  while [ -d /proc/"$k" ] && [ "$(cut -d' ' -f3 /proc/"$k"/stat 2>/dev/null)" != Z ] && [ $i -lt 100 ]; do
    sleep 0.1; i=$((i + 1))
  done
  [ -d /proc/"$k" ] && [ "$(cut -d' ' -f3 /proc/"$k"/stat)" != Z ] && { echo "FAIL: $k left running"; exit 1; }
done
pid=
echo "run_keep: $alive processes kept, stopped by Ctrl-C"
