#!/usr/bin/env bash
# load.sh - the load engine's benchmark: `smi-conformance load` against wrk, same machine, same run.
#   1. closed loop, 50 connections, 1 thread, pinned, against a private nginx: the agreed
#      protocol (scripts/bench/loadgen-vs-wrk.sh, a copy of ../shared/bench); prints
#      RATIO rps=<ours/wrk> cpu_per_req=<ours/wrk>
#   2. constant rate (default 50,000 req/s) against nginx: RATE target=.. achieved=.. ratio=..
#   3. a server that stalls for 1 s at 20,000 req/s: STALL corrected_p99=.. uncorrected_p99=..
# Usage: scripts/bench/load.sh            (knobs: DUR=5 REPS=3 RATE=50000 CONNS=50)
# Needs nginx and wrk: scripts/setup --with-bench installs them.
set -euo pipefail
cd "$(dirname "$0")/../.."
DUR=${DUR:-5}; REPS=${REPS:-3}; RATE=${RATE:-50000}; CONNS=${CONNS:-50}
scripts/setup --with-bench
cmake --preset default >/dev/null
cmake --build --preset default -j "$(nproc)" --target smi-conformance sc-testserver >/dev/null
BIN=$PWD/build/default/conformance/smi-conformance
TS=$PWD/build/default/conformance/sc-testserver

echo "== 1. closed loop vs wrk (c=$CONNS, t=1, ${DUR}s x $REPS, pinned)"
LOADGEN_CMD="$BIN load -q -c {C} -d {D}s {URL}" CONNS=$CONNS DUR=$DUR REPS=$REPS \
  scripts/bench/loadgen-vs-wrk.sh | tee /tmp/sc-bench-closed.txt | grep -E "rep|RATIO|tool|base|loadgen"

WORK=$(mktemp -d); NGX_PID=""; TS_PID=""
cleanup() {
  [ -n "$NGX_PID" ] && kill "$NGX_PID" 2>/dev/null || true
  [ -n "$TS_PID" ] && kill "$TS_PID" 2>/dev/null || true
  wait 2>/dev/null || true; rm -rf "$WORK"
}
trap cleanup EXIT
PORT=$(( 20000 + RANDOM % 40000 ))
mkdir -p "$WORK/tmp"
cat > "$WORK/nginx.conf" <<NGX
worker_processes 1; daemon off; pid $WORK/nginx.pid; error_log $WORK/error.log warn;
events { worker_connections 8192; use epoll; multi_accept on; }
http { access_log off; keepalive_timeout 65; keepalive_requests 1000000000;
  client_body_temp_path $WORK/tmp; proxy_temp_path $WORK/tmp; fastcgi_temp_path $WORK/tmp;
  uwsgi_temp_path $WORK/tmp; scgi_temp_path $WORK/tmp;
  server { listen 127.0.0.1:$PORT backlog=4096; location / { return 200 "ok"; } } }
NGX
taskset -c 0 nginx -c "$WORK/nginx.conf" -p "$WORK" >"$WORK/nginx.out" 2>&1 & NGX_PID=$!
for _ in $(seq 50); do (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && break; sleep 0.1; done

echo "== 2. constant rate $RATE req/s for 10s (c=$CONNS, t=1, pinned)"
taskset -c 1 "$BIN" load -q -R "$RATE" -c "$CONNS" -d 10s "http://127.0.0.1:$PORT/" > "$WORK/rate.txt"
grep -E "requests in|Rate:|note" "$WORK/rate.txt" || true
awk -v t="$RATE" '/^Rate: target/{gsub(",","");
  printf "RATE target=%d achieved=%.1f ratio=%.4f\n", t, $5, $5/t}' "$WORK/rate.txt"

echo "== 3. 1 s server stall at 20000 req/s for 10s (c=$CONNS)"
mkfifo "$WORK/ts.in"
taskset -c 0 "$TS" stall-once < "$WORK/ts.in" > "$WORK/ts.out" & TS_PID=$!
exec 4>"$WORK/ts.in"
for _ in $(seq 50); do grep -q '^port' "$WORK/ts.out" 2>/dev/null && break; sleep 0.1; done
TPORT=$(awk '/^port/{print $2}' "$WORK/ts.out")
taskset -c 1 "$BIN" load -q -R 20000 -c "$CONNS" -d 10s "http://127.0.0.1:$TPORT/" > "$WORK/stall.txt"
exec 4>&-
awk '/corrected: from the intended/{m="c"} /uncorrected: from the actual/{m="u"}
     $1=="99%" && m=="c" {c=$2} $1=="99%" && m=="u" {u=$2}
     END {printf "STALL corrected_p99=%s uncorrected_p99=%s\n", c, u}' "$WORK/stall.txt"
grep -E "RATIO" /tmp/sc-bench-closed.txt
