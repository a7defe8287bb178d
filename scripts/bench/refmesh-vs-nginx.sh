#!/usr/bin/env bash
# refmesh-vs-nginx.sh - wrk through smi-refmesh (the subject) vs wrk through nginx (reverse
# proxy, upstream keep-alive; the baseline) to the same backend, on the protocol of lib.sh:
# the proxy pinned to PROXY_CPU, wrk and the backend to LOAD_CPU, alternating pairs, the
# proxy's CPU per request from /proc/PID/stat. Each rep also runs wrk straight at the backend
# first, so that the p99 each proxy adds is that rep's proxy p99 minus its direct p99.
#
# Usage: scripts/bench/refmesh-vs-nginx.sh [BUILD_DIR]   (default $BUILD_DIR, else build/default)
# Knobs (environment): DUR=10 (DURATION=10s is read too) CONNS=32 THREADS=1 REPS=7 GAP=1
#   PROXY_CPU=1 LOAD_CPU=0 PIN=auto|yes|no  BACKEND=fixture to use smi-fixture (default: the
#   refmesh tests' echo backend)
# Output (lib.sh describes RUN, MEDIAN, PAIRED, NOTE, WARNING, RATIO; RUN lines with
# side=direct are the reference runs):
#   ADDED_P99 name=refmesh side=refmesh|nginx us=min/median/max   (per rep: proxy p99 - direct)
#   RATIO name=refmesh rps=<refmesh/nginx> client_cpu=.. server_cpu=.. conclusive=yes|no
set -euo pipefail
# shellcheck source=scripts/bench/lib.sh
. "$(dirname "$0")/lib.sh"

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${1:-${BUILD_DIR:-$ROOT/build/default}}
DURATION=${DURATION:-10s}
DUR=${DUR:-${DURATION%s}}
CONNS=${CONNS:-32}
THREADS=${THREADS:-1}
SERVER_CPU=${PROXY_CPU:-1}
CLIENT_CPU=${LOAD_CPU:-0}
REFMESH=$BUILD/fixtures/refmesh/smi-refmesh
ECHO=$BUILD/fixtures/refmesh/refmesh-test-echo
NET=127.0.$(($$ % 200 + 20))
CLIENT=$NET.11
SERVER=$NET.12
BPORT=18080

bench_init refmesh
bench_need wrk nginx taskset curl timeout awk sort pgrep
[ -x "$REFMESH" ] || { echo "refmesh-vs-nginx: error: '$REFMESH' not built" >&2; exit 2; }

wait_line() { # FILE PATTERN: up to 10 s for a ready line
    for _ in $(seq 100); do
        grep -q "$2" "$1" 2>/dev/null && return 0
        sleep 0.1
    done
    echo "refmesh-vs-nginx: error: no '$2' in $1" >&2
    cat "$1" >&2
    exit 2
}

# --- backend, beside the client ---
if [ "${BACKEND:-echo}" = fixture ]; then
    "${CLIPIN[@]}" "$BUILD/fixtures/server/smi-fixture" --listen "$SERVER" \
        --http-port "$BPORT" --pod srv-1 >"$WORK/backend" 2>&1 &
else
    "${CLIPIN[@]}" "$ECHO" "$SERVER" srv-1 server v1 "$BPORT" 0 0 >"$WORK/backend" 2>&1 &
fi
BACKEND_PID=$!
bench_track "$BACKEND_PID"
wait_line "$WORK/backend" "ready"

# --- nginx: one worker, keep-alive upstream, no logging (SRVPIN: the proxy's CPU) ---
NGX_HTTP_EXTRA="upstream backend { server $SERVER:$BPORT; keepalive 128; }"
# shellcheck disable=SC2016 # $host is nginx's
bench_nginx_start 'proxy_pass http://backend; proxy_http_version 1.1;
    proxy_set_header Connection ""; proxy_set_header Host $host;'

# --- refmesh: client pod -> service server.ns -> srv-1, allowed by a TrafficTarget ---
"${SRVPIN[@]}" "$REFMESH" >"$WORK/refmesh" 2>"$WORK/refmesh.err" &
RM_PID=$!
bench_track "$RM_PID"
wait_line "$WORK/refmesh" "ready admin="
ADMIN=$(sed -n 's/.*admin=\([0-9]*\).*/\1/p' "$WORK/refmesh")
A=http://127.0.0.1:$ADMIN
curl -sf -XPOST "$A/namespaces" -d '{"name":"ns"}' >/dev/null
curl -sf -XPOST "$A/pods" -d "{\"name\":\"client\",\"namespace\":\"ns\",\"serviceAccount\":\"client\",\"address\":\"$CLIENT\"}" >"$WORK/client.json"
curl -sf -XPOST "$A/pods" -d "{\"name\":\"srv-1\",\"namespace\":\"ns\",\"serviceAccount\":\"server\",\"address\":\"$SERVER\",\"labels\":{\"app\":\"server\"}}" >/dev/null
curl -sf -XPOST "$A/services" -d "{\"name\":\"server\",\"namespace\":\"ns\",\"selector\":{\"app\":\"server\"},\"ports\":[{\"port\":80,\"targetPort\":$BPORT}]}" >/dev/null
curl -sf -XPOST "$A/objects?namespace=ns" --data-binary @- >/dev/null <<'EOF'
apiVersion: specs.smi-spec.io/v1alpha4
kind: HTTPRouteGroup
metadata: {name: all}
spec:
  matches:
  - {name: any, pathRegex: /, methods: ['*']}
---
apiVersion: access.smi-spec.io/v1alpha3
kind: TrafficTarget
metadata: {name: bench}
spec:
  destination: {kind: ServiceAccount, name: server}
  sources: [{kind: ServiceAccount, name: client}]
  rules: [{kind: HTTPRouteGroup, name: all}]
EOF
EGRESS=$(sed -n 's/.*"egress":"\([^"]*\)".*/\1/p' "$WORK/client.json")
code=$(curl -s -o /dev/null -w '%{http_code}' -H 'Host: server.ns' "http://$EGRESS/")
[ "$code" = 200 ] || { echo "refmesh-vs-nginx: error: refmesh answered $code" >&2; exit 2; }

echo "refmesh-vs-nginx: proxy on CPU $SERVER_CPU, wrk and backend on CPU $CLIENT_CPU"
WRK="wrk -t$THREADS -c{C} -d{D}s --latency"
bench_side refmesh "$WRK -H 'Host: server.ns' http://$EGRESS/" "$RM_PID"
bench_side nginx "$WRK -H 'Host: server.ns' http://127.0.0.1:$NGX_PORT/" "$NGX_WORKER" \
    bench_nginx_requests 1
bench_side direct "$WRK http://$SERVER:$BPORT/" "$BACKEND_PID"
direct_run() { bench_run refmesh direct "$1"; }
BENCH_REP_HOOK=direct_run
bench_compare refmesh refmesh nginx | tee "$WORK/summary" | grep --line-buffered -v '^RATIO' 
RATIO_LINE=$(grep '^RATIO' "$WORK/summary")
for side in refmesh nginx; do
    us=$(awk -F, -v sd="$side" '$1 == "refmesh" && $11 != "-" { p[$2, $3] = $11 }
        END { for (k in p) { split(k, f, SUBSEP); if (f[1] == sd && (("direct", f[2]) in p))
              print p[k] - p["direct", f[2]] } }' "$RUNS" | bench_mmm 0)
    echo "ADDED_P99 name=refmesh side=$side us=$us"
done
echo "$RATIO_LINE"
