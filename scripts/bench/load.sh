#!/usr/bin/env bash
# load.sh - the load engine's benchmark: `smi-conformance load` beside wrk and beside itself, on
# the protocol of lib.sh (pinned, alternating pairs, CPU per request from the kernel, paired
# ratios), in order:
#   a. closed loop, c=CONNS, one thread, vs `wrk -t1`                      RATIO name=closed
#   (b., an io_uring backend vs the epoll one, went with that backend: issue 16's note)
#   c. two threads: `load -t 2` vs `wrk -t 2`, the server pinned to SERVER_CPU and each client
#      allowed on T2_CLIENT_CPUS (default 0,1: both CPUs, so on a 2-core machine the client's
#      second thread shares a CPU with nginx; both tools get the same placement, so the ratio is
#      fair, but it measures how each behaves beside its server, not scaling: that needs a
#      CPU per client thread plus one for the server)                     RATIO name=threads2
#   d. constant rate RATE/s (default 50,000), REPS runs of RATE_DUR s each:
#      RATE target=.. achieved=min/med/max completed_rps=min/med/max max_send_lag_ms=min/med/max
#   e. a server that stalls for 1 s at 20,000 req/s: STALL corrected_p99=.. uncorrected_p99=..
#   f. what differs on the wire (wire.sh): WIRE lines
# and repeats every RATIO, NOTE, RATE, STALL and WIRE line at the end.
#
# Usage: scripts/bench/load.sh
# Knobs: BUILD_DIR (default build/default, built with the default preset when it is that one
#   and BUILD is not 0; otherwise it must hold smi-conformance and sc-testserver: a Release or
#   RelWithDebInfo build), DUR=5 REPS=7 CONNS=50 RATE=50000 RATE_DUR=$DUR T2_CLIENT_CPUS=0,1
#   STEPS="a c d e f" (a subset runs only those), PIN SERVER_CPU CLIENT_CPU GAP KEEP.
# Needs nginx, wrk, strace, python3, jq: scripts/setup --with-bench installs nginx and wrk.
set -euo pipefail
cd "$(dirname "$0")/../.."
# shellcheck source=scripts/bench/lib.sh
. scripts/bench/lib.sh
HERE=scripts/bench
BUILD_DIR=${BUILD_DIR:-build/default}
RATE=${RATE:-50000}
STEPS=${STEPS:-a c d e f}
T2_CLIENT_CPUS=${T2_CLIENT_CPUS:-0,1}
if [ "$BUILD_DIR" = build/default ] && [ "${BUILD:-1}" != 0 ]; then
    cmake --preset default >/dev/null
    cmake --build --preset default -j "$(nproc)" --target smi-conformance sc-testserver >/dev/null
fi
BIN=$PWD/$BUILD_DIR/conformance/smi-conformance
TS=$PWD/$BUILD_DIR/conformance/sc-testserver
[ "${BUILD_DIR#/}" = "$BUILD_DIR" ] || { BIN=$BUILD_DIR/conformance/smi-conformance
                                         TS=$BUILD_DIR/conformance/sc-testserver; }
bench_init load
RATE_DUR=${RATE_DUR:-$DUR}
bench_need nginx wrk jq timeout awk sort
[ -x "$BIN" ] || { echo "load.sh: error: no smi-conformance at '$BIN'" >&2; exit 2; }
OUT=$WORK/load.out
step() { case " $STEPS " in *" $1 "*) return 0 ;; *) return 1 ;; esac; }
lgw() { "$HERE/loadgen-vs-wrk.sh" | tee -a "$OUT"; } # the knobs travel in the environment
export CONNS DUR REPS PIN SERVER_CPU CLIENT_CPU GAP

if step a; then
    echo "== a. closed loop, load vs wrk -t1 (c=$CONNS, ${DUR}s x $REPS)"
    NAME=closed SUBJECT=load BASE=wrk LOADGEN_CMD="$BIN load -q -c {C} -d {D}s {URL}" \
        BASE_CMD="wrk -t1 -c {C} -d {D}s {URL}" lgw
fi
if step c; then
    echo "== c. two threads, load -t 2 vs wrk -t 2 (client on CPUs $T2_CLIENT_CPUS)"
    NAME=threads2 SUBJECT=load BASE=wrk CLIENT_CPU=$T2_CLIENT_CPUS \
        LOADGEN_CMD="$BIN load -q -t 2 -c {C} -d {D}s {URL}" \
        BASE_CMD="wrk -t2 -c {C} -d {D}s {URL}" lgw
fi

if step d; then
    echo "== d. constant rate $RATE req/s, ${RATE_DUR}s x $REPS (c=$CONNS, t=1)"
    bench_nginx_start ""
    for rep in $(seq 1 "$REPS"); do
        j=$WORK/rate.$rep.json
        timeout -k 5 $((RATE_DUR + 15)) "${CLIPIN[@]}" "$BIN" load -q -R "$RATE" -c "$CONNS" \
            -d "${RATE_DUR}s" --json "$j" "http://127.0.0.1:$NGX_PORT/" >"$WORK/rate.$rep.txt" \
            2>&1 || true
        [ -s "$j" ] || { echo "RATE rep=$rep: no result"; tail -3 "$WORK/rate.$rep.txt"; continue; }
        jq -r --argjson r "$RATE" --arg rep "$rep" '"RATE rep=\($rep) target=\($r)" +
            " achieved=\(.pacing.achieved_rate * 10 | round / 10)" +
            " completed_rps=\(.requests_per_sec | round) max_send_lag_ms=" +
            "\(.pacing.max_lag_ns / 1e4 | round / 100) unsent=\(.pacing.unsent)" +
            " errors=\([.errors[]] | add)"' "$j"
    done | tee "$WORK/rate.lines"
    field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" "$WORK/rate.lines"; }
    echo "RATE target=$RATE achieved=$(field achieved | bench_mmm 1)" \
         "completed_rps=$(field completed_rps | bench_mmm 0)" \
         "max_send_lag_ms=$(field max_send_lag_ms | bench_mmm 2) reps=$REPS" | tee -a "$OUT"
fi

if step e; then
    echo "== e. 1 s server stall at 20000 req/s for 10s (c=$CONNS)"
    mkfifo "$WORK/ts.in"
    "${SRVPIN[@]}" "$TS" stall-once <"$WORK/ts.in" >"$WORK/ts.out" &
    bench_track $!
    exec 4>"$WORK/ts.in"
    for _ in $(seq 50); do grep -q '^port' "$WORK/ts.out" 2>/dev/null && break; sleep 0.1; done
    TPORT=$(awk '/^port/ { print $2 }' "$WORK/ts.out")
    timeout -k 5 30 "${CLIPIN[@]}" "$BIN" load -q -R 20000 -c "$CONNS" -d 10s \
        "http://127.0.0.1:$TPORT/" >"$WORK/stall.txt" 2>&1 || true
    exec 4>&-
    awk '/corrected: from the intended/ { m = "c" } /uncorrected: from the actual/ { m = "u" }
         $1 == "99%" && m == "c" { c = $2 } $1 == "99%" && m == "u" { u = $2 }
         END { printf "STALL corrected_p99=%s uncorrected_p99=%s\n", c, u }' "$WORK/stall.txt" |
        tee -a "$OUT"
fi

if step f; then
    echo "== f. on the wire: load vs wrk against nginx"
    BIN=$BIN WIRE_DUR=${WIRE_DUR:-2} "$HERE/wire.sh" | tee -a "$OUT"
fi

echo "== summary"
grep -E '^(RATIO|NOTE|RATE target|STALL|WIRE|WARNING name=[a-z0-9]+ (errors|pairs))' "$OUT" || true
