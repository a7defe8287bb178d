#!/bin/sh
# refmesh-vs-nginx.sh - wrk through smi-refmesh vs wrk through nginx (reverse proxy, upstream
# keep-alive) to the same backend, in the same run, pinned: proxy on one CPU, wrk and the
# backend on the other. Prints requests/s of each, the ratio, and the p99 each proxy adds
# over a direct run.
#
# Usage: scripts/bench/refmesh-vs-nginx.sh [BUILD_DIR] (default build/default)
# Env:   DURATION (10s), CONNS (32), THREADS (1), PROXY_CPU (1), LOAD_CPU (0),
#        BACKEND=fixture to use smi-fixture (default: the refmesh tests' echo backend)
set -eu

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${1:-$ROOT/build/default}
DURATION=${DURATION:-10s}
CONNS=${CONNS:-32}
THREADS=${THREADS:-1}
PROXY_CPU=${PROXY_CPU:-1}
LOAD_CPU=${LOAD_CPU:-0}
REFMESH=$BUILD/fixtures/refmesh/smi-refmesh
ECHO=$BUILD/fixtures/refmesh/refmesh-test-echo
NET=127.0.$(( $$ % 200 + 20 ))
CLIENT=$NET.11
SERVER=$NET.12
BPORT=18080

for tool in wrk nginx taskset curl; do
    command -v $tool >/dev/null || { echo "refmesh-vs-nginx: error: '$tool' not found" >&2; exit 2; }
done
[ -x "$REFMESH" ] || { echo "refmesh-vs-nginx: error: '$REFMESH' not built" >&2; exit 2; }

TMP=$(mktemp -d)
PIDS=""
cleanup() {
    for p in $PIDS; do kill "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$TMP"
}
trap cleanup EXIT INT TERM

# wait_line FILE PATTERN: up to 10 s for a ready line
wait_line() {
    i=0
    while [ $i -lt 100 ]; do
        grep -q "$2" "$1" 2>/dev/null && return 0
        sleep 0.1
        i=$((i + 1))
    done
    echo "refmesh-vs-nginx: error: no '$2' in $1" >&2
    cat "$1" >&2
    exit 2
}

# --- backend ---
if [ "${BACKEND:-echo}" = fixture ]; then
    taskset -c "$LOAD_CPU" "$BUILD/fixtures/server/smi-fixture" --listen "$SERVER" \
        --http-port "$BPORT" --pod srv-1 >"$TMP/backend" 2>&1 &
    PIDS="$PIDS $!"
    wait_line "$TMP/backend" "ready"
else
    taskset -c "$LOAD_CPU" "$ECHO" "$SERVER" srv-1 server v1 "$BPORT" 0 0 >"$TMP/backend" 2>&1 &
    PIDS="$PIDS $!"
    wait_line "$TMP/backend" "ready"
fi

# --- nginx: one worker, keep-alive upstream, no logging ---
NPORT=$(( 20000 + $$ % 10000 ))
mkdir -p "$TMP/nginx"
cat >"$TMP/nginx/nginx.conf" <<EOF
worker_processes 1;
daemon off;
pid $TMP/nginx/nginx.pid;
error_log $TMP/nginx/error.log warn;
events { worker_connections 4096; }
http {
    access_log off;
    upstream backend { server $SERVER:$BPORT; keepalive 128; }
    server {
        listen 127.0.0.1:$NPORT;
        location / {
            proxy_pass http://backend;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host \$host;
        }
    }
    client_body_temp_path $TMP/nginx; proxy_temp_path $TMP/nginx;
    fastcgi_temp_path $TMP/nginx; uwsgi_temp_path $TMP/nginx; scgi_temp_path $TMP/nginx;
}
EOF
taskset -c "$PROXY_CPU" nginx -p "$TMP/nginx" -c "$TMP/nginx/nginx.conf" 2>"$TMP/nginx.err" &
PIDS="$PIDS $!"
i=0
until curl -s -o /dev/null "http://127.0.0.1:$NPORT/" || [ $i -ge 100 ]; do sleep 0.1; i=$((i + 1)); done

# --- refmesh: client pod -> service server.ns -> srv-1, allowed by a TrafficTarget ---
taskset -c "$PROXY_CPU" "$REFMESH" >"$TMP/refmesh" 2>"$TMP/refmesh.err" &
PIDS="$PIDS $!"
wait_line "$TMP/refmesh" "ready admin="
ADMIN=$(sed -n 's/.*admin=\([0-9]*\).*/\1/p' "$TMP/refmesh")
A=http://127.0.0.1:$ADMIN
curl -sf -XPOST "$A/namespaces" -d '{"name":"ns"}' >/dev/null
curl -sf -XPOST "$A/pods" -d "{\"name\":\"client\",\"namespace\":\"ns\",\"serviceAccount\":\"client\",\"address\":\"$CLIENT\"}" >"$TMP/client.json"
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
EGRESS=$(sed -n 's/.*"egress":"\([^"]*\)".*/\1/p' "$TMP/client.json")
code=$(curl -s -o /dev/null -w '%{http_code}' -H 'Host: server.ns' "http://$EGRESS/")
[ "$code" = 200 ] || { echo "refmesh-vs-nginx: error: refmesh answered $code" >&2; exit 2; }

# run NAME URL [HOST]: prints "NAME RPS P99_US"
run() {
    taskset -c "$LOAD_CPU" wrk -t"$THREADS" -c"$CONNS" -d"$DURATION" --latency \
        ${3:+-H "Host: $3"} "$2" >"$TMP/wrk.$1"
    rps=$(awk '/^Requests\/sec:/ {print $2}' "$TMP/wrk.$1")
    p99=$(awk '$1 == "99%" {v=$2; if (v ~ /us$/) {sub(/us/,"",v); print v} else if (v ~ /ms$/) {sub(/ms/,"",v); print v*1000} else if (v ~ /s$/) {sub(/s/,"",v); print v*1000000}}' "$TMP/wrk.$1")
    errs=$(awk '/Non-2xx|Socket errors/ {print}' "$TMP/wrk.$1")
    [ -z "$errs" ] || echo "  ($1: $errs)" >&2
    echo "$1 $rps $p99"
}

echo "refmesh-vs-nginx: wrk -t$THREADS -c$CONNS -d$DURATION; proxy on CPU $PROXY_CPU, wrk and backend on CPU $LOAD_CPU"
run direct "http://$SERVER:$BPORT/" >"$TMP/r.direct"
run nginx "http://127.0.0.1:$NPORT/" server.ns >"$TMP/r.nginx"
run refmesh "http://$EGRESS/" server.ns >"$TMP/r.refmesh"
cat "$TMP/r.direct" "$TMP/r.nginx" "$TMP/r.refmesh" | awk '
    { rps[$1] = $2; p99[$1] = $3 }
    END {
        printf "%-8s %12s %12s %14s\n", "target", "req/s", "p99(us)", "added p99(us)"
        printf "%-8s %12.0f %12.0f %14s\n", "direct", rps["direct"], p99["direct"], "-"
        printf "%-8s %12.0f %12.0f %14.0f\n", "nginx", rps["nginx"], p99["nginx"], p99["nginx"] - p99["direct"]
        printf "%-8s %12.0f %12.0f %14.0f\n", "refmesh", rps["refmesh"], p99["refmesh"], p99["refmesh"] - p99["direct"]
        printf "refmesh/nginx req/s ratio: %.2f\n", rps["refmesh"] / rps["nginx"]
    }'
