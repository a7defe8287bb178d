#!/usr/bin/env bash
# fixture-vs-nginx.sh - wrk against smi-fixture's HTTP echo and against nginx (return 200) in
# the same run, pinned and interleaved, medians; then the agent check: a plan of AGENT_N
# requests at a fixed rate whose counts must equal what the server side counted.
#
# Usage:  scripts/bench/fixture-vs-nginx.sh            (builds nothing: set FIXTURE or BUILD_DIR)
# Knobs (environment):
#   FIXTURE=path/to/smi-fixture  (default: $BUILD_DIR/fixtures/server/smi-fixture,
#                                 BUILD_DIR default build/default: use a release build)
#   CONNS=50 DUR=5 REPS=5 (odd; median is reported) THREADS=1 (wrk -t)
#   PIN=auto|yes|no SERVER_CPU=0 CLIENT_CPU=1
#   AGENT_N=100000 AGENT_RATE=20000 AGENT_CONNS=16   AGENT=0 skips the agent check
# Output: one line per run, a summary, then as the last lines:
#   AGENT requests=N responses=R backend=B server_counted=S match=yes|no
#   RATIO rps=<fixture/nginx medians> rps_paired=<median of per-rep ratios>
#         server_cpu_per_req=<fixture/nginx>     (targets: rps >= 0.9; cpu <= 1.1)
# On a shared or virtual machine the throughput of both servers drifts with CPU steal; the
# paired ratio (each rep's two adjacent runs) and the server CPU per request (from
# /proc/PID/stat) are the figures that drift least.
# Every client run is bounded by timeout(1); servers are stopped on exit.
set -euo pipefail

HERE=$(cd "$(dirname "$0")/../.." && pwd)
BUILD_DIR=${BUILD_DIR:-$HERE/build/default}
FIXTURE=${FIXTURE:-$BUILD_DIR/fixtures/server/smi-fixture}
CONNS=${CONNS:-50}; DUR=${DUR:-5}; REPS=${REPS:-5}; THREADS=${THREADS:-1}; PIN=${PIN:-auto}
SERVER_CPU=${SERVER_CPU:-0}; CLIENT_CPU=${CLIENT_CPU:-1}
AGENT=${AGENT:-1}; AGENT_N=${AGENT_N:-100000}; AGENT_RATE=${AGENT_RATE:-20000}
AGENT_CONNS=${AGENT_CONNS:-16}

for b in nginx wrk curl jq timeout awk sort; do
  command -v $b >/dev/null || { echo "missing: $b" >&2; exit 2; }
done
[ -x "$FIXTURE" ] || { echo "no smi-fixture at $FIXTURE (cmake --preset default && cmake --build build/default)" >&2; exit 2; }

NCPU=$(nproc); SRVPIN=(); CLIPIN=()
if [ "$PIN" = yes ] || { [ "$PIN" = auto ] && [ "$NCPU" -ge 2 ] && command -v taskset >/dev/null; }; then
  SRVPIN=(taskset -c "$SERVER_CPU"); CLIPIN=(taskset -c "$CLIENT_CPU"); PIN=yes
else PIN=no; fi

WORK=$(mktemp -d); NGX_PID=""; FX_PID=""
cleanup() {
  for p in $FX_PID $NGX_PID; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# ---- nginx: one worker, return 200, no access log (the usual fast path) -------------
start_nginx() {
  local port=$1; mkdir -p "$WORK/tmp"
  cat > "$WORK/nginx.conf" <<NGX
worker_processes 1;
daemon off;
pid $WORK/nginx.pid;
error_log $WORK/error.log warn;
events { worker_connections 8192; use epoll; multi_accept on; }
http {
  access_log off;
  keepalive_timeout 65;
  keepalive_requests 1000000000;
  client_body_temp_path $WORK/tmp; proxy_temp_path $WORK/tmp; fastcgi_temp_path $WORK/tmp;
  uwsgi_temp_path $WORK/tmp; scgi_temp_path $WORK/tmp;
  server {
    listen 127.0.0.1:$port backlog=4096;
    location / { default_type text/plain; return 200 "ok"; }
  }
}
NGX
  "${SRVPIN[@]}" nginx -c "$WORK/nginx.conf" -p "$WORK" >"$WORK/nginx.out" 2>&1 &
  NGX_PID=$!
  for _ in $(seq 50); do
    port_busy "$port" && return 0
    kill -0 "$NGX_PID" 2>/dev/null || { NGX_PID=""; return 1; }
    sleep 0.1
  done
  return 1
}
NGX_PORT=""
for _ in $(seq 20); do
  p=$(( 20000 + RANDOM % 40000 )); port_busy "$p" && continue
  if start_nginx "$p"; then NGX_PORT=$p; break; fi
done
[ -n "$NGX_PORT" ] || { echo "could not start nginx" >&2; exit 2; }
NGX_WORKER=$(pgrep -P "$NGX_PID" | head -1)

# ---- smi-fixture: one loop thread, ports picked by the kernel ----------------------
"${SRVPIN[@]}" "$FIXTURE" --listen 127.0.0.1 --http-port 0 --tcp-port off --udp-port off \
  --agent-port 0 --pod bench-pod >"$WORK/fixture.out" 2>"$WORK/fixture.err" &
FX_PID=$!
for _ in $(seq 50); do grep -q ready "$WORK/fixture.out" 2>/dev/null && break; sleep 0.1; done
READY=$(head -1 "$WORK/fixture.out")
[[ "$READY" == "smi-fixture: ready"* ]] || { echo "smi-fixture did not start: $(cat "$WORK/fixture.err")" >&2; exit 2; }
FX_HTTP=$(sed -E 's/.*http=([0-9]+).*/\1/' <<<"$READY")
FX_AGENT=$(sed -E 's/.*agent=([0-9]+).*/\1/' <<<"$READY")

TCK=$(getconf CLK_TCK)
ticks() { awk '{print $14+$15}' "/proc/$1/stat"; }
fx_count() { curl -sf "http://127.0.0.1:$FX_AGENT/v1/stats" | jq '.http.requests'; }

RUNS="$WORK/runs.csv"; : > "$RUNS"
run_one() { # name url server-pid rep
  local name=$1 url=$2 pid=$3 rep=$4 log="$WORK/$1.$4.log" t0 t1 rps n err
  t0=$(ticks "$pid")
  timeout $((DUR + 15)) "${CLIPIN[@]}" wrk -t"$THREADS" -c"$CONNS" -d"${DUR}s" "$url" >"$log" 2>&1 || true
  t1=$(ticks "$pid")
  read -r rps n err < <(awk '/Requests\/sec:/{r=$2} / requests in /{n=$1}
      /Socket errors:/{e+=$4+$6+$8+$10} /Non-2xx/{e+=$NF} END{printf "%s %s %d\n", r+0, n+0, e}' "$log")
  awk -v nm="$name" -v rep="$rep" -v rps="$rps" -v n="$n" -v err="$err" -v st=$((t1 - t0)) -v tck="$TCK" '
    BEGIN { spr = (n > 0 ? st / tck * 1e6 / n : 0)
            printf "%s,%d,%.0f,%d,%d,%.3f\n", nm, rep, rps, n, err, spr }' >>"$RUNS"
  tail -1 "$RUNS" | awk -F, '{printf "  %-8s rep %d: %9.0f req/s  server %.2f us/req  errors %d\n",$1,$2,$3,$6,$5}'
}

echo "bench: nginx :$NGX_PORT  smi-fixture :$FX_HTTP  pin=$PIN (server cpu $SERVER_CPU, client cpu $CLIENT_CPU)  wrk -t$THREADS -c$CONNS -d${DUR}s  reps=$REPS"
# warm-up, not recorded
for u in "http://127.0.0.1:$NGX_PORT/" "http://127.0.0.1:$FX_HTTP/"; do
  timeout 20 "${CLIPIN[@]}" wrk -t1 -c"$CONNS" -d1s "$u" >/dev/null 2>&1 || true
done
C0=$(fx_count)
for rep in $(seq 1 "$REPS"); do # alternate the order to cancel slow drift
  if [ $((rep % 2)) -eq 1 ]; then
    run_one nginx "http://127.0.0.1:$NGX_PORT/" "$NGX_WORKER" "$rep"
    run_one fixture "http://127.0.0.1:$FX_HTTP/" "$FX_PID" "$rep"
  else
    run_one fixture "http://127.0.0.1:$FX_HTTP/" "$FX_PID" "$rep"
    run_one nginx "http://127.0.0.1:$NGX_PORT/" "$NGX_WORKER" "$rep"
  fi
  sleep 1
done
C1=$(fx_count)

median() { sort -g | awk '{a[NR]=$1} END{ if (NR==0) print 0; else if (NR%2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2 }'; }
col() { awk -F, -v nm="$1" -v c="$2" '$1==nm{print $c}' "$RUNS"; }
printf "\n%-8s %12s %14s %8s\n" server "rps(median)" "server_us/req" errors
for t in nginx fixture; do
  printf "%-8s %12.0f %14.3f %8d\n" $t "$(col $t 3 | median)" "$(col $t 6 | median)" "$(col $t 5 | awk '{s+=$1} END{print s+0}')"
done
WRK_FX=$(col fixture 4 | awk '{s+=$1} END{print s+0}')
echo "fixture counted $((C1 - C0)) requests during the measured runs; wrk reported $WRK_FX completed"

# ---- the agent check: the agent's counts equal the server's ----------------------------
if [ "$AGENT" = 1 ]; then
  B0=$(fx_count)
  PLAN=$(printf '{"target":"http://127.0.0.1:%s/agent","requests":%s,"rate":%s,"connections":%s}' \
         "$FX_HTTP" "$AGENT_N" "$AGENT_RATE" "$AGENT_CONNS")
  curl -sf -m $(( AGENT_N / AGENT_RATE + 60 )) -H 'Content-Type: application/json' \
       -d "$PLAN" "http://127.0.0.1:$FX_AGENT/v1/traffic" >"$WORK/agent.json" || { echo "agent plan failed" >&2; exit 1; }
  B1=$(fx_count)
  read -r RESP BACK ST200 ERRS RATE < <(jq -r '[.responses, (.backends["bench-pod"] // 0),
      (.status["200"] // 0), ([.errors[]] | add // 0), (.pacing.achieved_rate // 0)] | @tsv' "$WORK/agent.json")
  SRV=$((B1 - B0))
  MATCH=no; [ "$RESP" = "$AGENT_N" ] && [ "$BACK" = "$SRV" ] && [ "$RESP" = "$SRV" ] && [ "$ERRS" = 0 ] && MATCH=yes
  printf 'AGENT requests=%s responses=%s backend=%s status200=%s errors=%s achieved_rate=%.0f server_counted=%s match=%s\n' \
    "$AGENT_N" "$RESP" "$BACK" "$ST200" "$ERRS" "$RATE" "$SRV" "$MATCH"
fi

N_RPS=$(col nginx 3 | median); F_RPS=$(col fixture 3 | median)
N_CPU=$(col nginx 6 | median); F_CPU=$(col fixture 6 | median)
PAIRED=$(awk -F, '{r[$1","$2]=$3} END{for (k in r) {split(k, a, ","); if (a[1]=="fixture" && r["nginx,"a[2]]>0) print r[k]/r["nginx,"a[2]]}}' "$RUNS" | median)
ERR=$(awk -F, '{s+=$5} END{print s+0}' "$RUNS")
[ "$ERR" -eq 0 ] || echo "WARNING: $ERR errors reported; the ratio is suspect"
awk -v f="$F_RPS" -v n="$N_RPS" -v p="$PAIRED" -v fc="$F_CPU" -v nc="$N_CPU" 'BEGIN{
  printf "RATIO rps=%.3f rps_paired=%.3f server_cpu_per_req=%.3f\n", (n>0?f/n:0), p, (nc>0?fc/nc:0) }'
