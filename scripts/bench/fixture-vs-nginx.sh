#!/usr/bin/env bash
# fixture-vs-nginx.sh - wrk against smi-fixture's HTTP echo (the subject) and against nginx
# (return 200, the baseline), on the protocol of lib.sh: both servers pinned to SERVER_CPU, wrk
# to CLIENT_CPU, alternating pairs, server CPU per request from /proc/PID/stat, each run's
# request count checked against the server's own (nginx stub_status, the fixture agent's
# /v1/stats). First the agent check: a plan of AGENT_N requests at a fixed rate whose counts
# must equal what the server side counted.
#
# Usage:  scripts/bench/fixture-vs-nginx.sh            (builds nothing: set FIXTURE or BUILD_DIR)
# Knobs (environment):
#   FIXTURE=path/to/smi-fixture  (default: $BUILD_DIR/fixtures/server/smi-fixture,
#                                 BUILD_DIR default build/default: use an optimised build)
#   CONNS=50 DUR=5 REPS=7 THREADS=1 (wrk -t) PIN=auto|yes|no SERVER_CPU=0 CLIENT_CPU=1 GAP=1
#   AGENT_N=100000 AGENT_RATE=20000 AGENT_CONNS=16   AGENT=0 skips the agent check
# Output (lib.sh describes RUN, MEDIAN, PAIRED, NOTE, WARNING, RATIO):
#   AGENT requests=N responses=R backend=B status200=.. errors=.. achieved_rate=..
#         server_counted=S match=yes|no
#   RATIO name=fixture rps=<fixture/nginx> client_cpu=.. server_cpu=.. conclusive=yes|no
#   (targets: rps >= 0.9, server_cpu <= 1.1)
set -euo pipefail
# shellcheck source=scripts/bench/lib.sh
. "$(dirname "$0")/lib.sh"

HERE=$(cd "$(dirname "$0")/../.." && pwd)
BUILD_DIR=${BUILD_DIR:-$HERE/build/default}
FIXTURE=${FIXTURE:-$BUILD_DIR/fixtures/server/smi-fixture}
THREADS=${THREADS:-1}
AGENT=${AGENT:-1}
AGENT_N=${AGENT_N:-100000}
AGENT_RATE=${AGENT_RATE:-20000}
AGENT_CONNS=${AGENT_CONNS:-16}

bench_init fixture
bench_need nginx wrk curl jq timeout awk sort pgrep
[ -x "$FIXTURE" ] || {
    echo "fixture-vs-nginx: error: no smi-fixture at '$FIXTURE' (set FIXTURE or BUILD_DIR)" >&2
    exit 2
}
bench_nginx_start ""

# smi-fixture: one loop thread, ports picked by the kernel
"${SRVPIN[@]}" "$FIXTURE" --listen 127.0.0.1 --http-port 0 --tcp-port off --udp-port off \
    --agent-port 0 --pod bench-pod >"$WORK/fixture.out" 2>"$WORK/fixture.err" &
FX_PID=$!
bench_track "$FX_PID"
for _ in $(seq 50); do grep -q ready "$WORK/fixture.out" 2>/dev/null && break; sleep 0.1; done
READY=$(head -1 "$WORK/fixture.out")
[[ "$READY" == "smi-fixture: ready"* ]] || {
    echo "fixture-vs-nginx: error: smi-fixture did not start: $(cat "$WORK/fixture.err")" >&2
    exit 2
}
FX_HTTP=$(sed -E 's/.*http=([0-9]+).*/\1/' <<<"$READY")
FX_AGENT=$(sed -E 's/.*agent=([0-9]+).*/\1/' <<<"$READY")
fx_count() { curl -sf -m 5 "http://127.0.0.1:$FX_AGENT/v1/stats" | jq '.http.requests'; }

echo "bench: nginx :$NGX_PORT  smi-fixture :$FX_HTTP (agent :$FX_AGENT)"

# ---- the agent check: the agent's counts equal the server's ---------------------------------
if [ "$AGENT" = 1 ]; then
    B0=$(fx_count)
    PLAN=$(printf '{"target":"http://127.0.0.1:%s/agent","requests":%s,"rate":%s,"connections":%s}' \
        "$FX_HTTP" "$AGENT_N" "$AGENT_RATE" "$AGENT_CONNS")
    curl -sf -m $((AGENT_N / AGENT_RATE + 60)) -H 'Content-Type: application/json' \
        -d "$PLAN" "http://127.0.0.1:$FX_AGENT/v1/traffic" >"$WORK/agent.json" ||
        { echo "fixture-vs-nginx: error: agent plan failed" >&2; exit 1; }
    B1=$(fx_count)
    read -r RESP BACK ST200 ERRS RATE < <(jq -r '[.responses, (.backends["bench-pod"] // 0),
        (.status["200"] // 0), ([.errors[]] | add // 0), (.pacing.achieved_rate // 0)] | @tsv' \
        "$WORK/agent.json")
    SRV=$((B1 - B0))
    MATCH=no
    if [ "$RESP" = "$AGENT_N" ] && [ "$BACK" = "$SRV" ] && [ "$RESP" = "$SRV" ] &&
       [ "$ERRS" = 0 ]; then MATCH=yes; fi
    printf 'AGENT requests=%s responses=%s backend=%s status200=%s errors=%s achieved_rate=%.0f' \
        "$AGENT_N" "$RESP" "$BACK" "$ST200" "$ERRS" "$RATE"
    printf ' server_counted=%s match=%s\n' "$SRV" "$MATCH"
fi

# ---- throughput: one client (wrk), two servers ----------------------------------------------
bench_side fixture "wrk -t$THREADS -c{C} -d{D}s http://127.0.0.1:$FX_HTTP/" "$FX_PID" fx_count 0
bench_side nginx "wrk -t$THREADS -c{C} -d{D}s http://127.0.0.1:$NGX_PORT/" "$NGX_WORKER" \
    bench_nginx_requests 1
bench_compare fixture fixture nginx
