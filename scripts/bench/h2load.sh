#!/usr/bin/env bash
# h2load.sh - `smi-conformance load --h2` (the subject) against h2load (nghttp2-client, the
# baseline), both driving the same private nginx over h2c (HTTP/2 with prior knowledge, RFC 9113
# section 3.3) on loopback, on the protocol of lib.sh: pinned, alternating pairs, CPU per
# request from the kernel's accounting, paired ratios. The issue's bar (17): rps >= 1.0x and
# client CPU per request <= 1.0x.
#
# nginx 1.22 (Debian 12) serves HTTP/2 without TLS on a `listen ... http2` socket, which then
# takes prior-knowledge connections only ("listen ... http2", ngx_http_core_module; from 1.25.1
# the `http2 on;` directive replaces the parameter, https://nginx.org/en/docs/http/
# ngx_http_v2_module.html). Its stub_status counter is on a second, HTTP/1.1 server.
#
# Usage:  LOAD=build/release/conformance/smi-conformance scripts/bench/h2load.sh
# Knobs (environment):
#   LOAD           path of smi-conformance (default: build/default/conformance/smi-conformance)
#   STREAMS=10     streams in flight per connection (load -M, h2load -m)
#   CONNS=10 DUR=5 REPS=7 PIN=auto|yes|no SERVER_CPU=0 CLIENT_CPU=1 GAP=1 KEEP=1 (lib.sh)
#   NGX_HTTP2_CONCURRENT=1024  nginx http2_max_concurrent_streams (must be >= STREAMS)
# Output: RUN, MEDIAN, PAIRED, NOTE/WARNING lines and, last,
#   RATIO name=h2 rps=<load/h2load> client_cpu=.. server_cpu=.. conclusive=yes|no
set -euo pipefail
# shellcheck source=scripts/bench/lib.sh
. "$(dirname "$0")/lib.sh"

LOAD=${LOAD:-build/default/conformance/smi-conformance}
STREAMS=${STREAMS:-10}
CONNS=${CONNS:-10}

bench_init h2
bench_need nginx h2load timeout awk sort pgrep
[ -x "$LOAD" ] || { echo "h2: error: '$LOAD' is not executable (set LOAD=)" >&2; exit 2; }

STATUS_PORT=""
for _ in $(seq 20); do
    p=$((20000 + RANDOM % 40000))
    bench_port_busy "$p" || { STATUS_PORT=$p; break; }
done
[ -n "$STATUS_PORT" ] || { echo "h2: error: no free port for stub_status" >&2; exit 2; }
export NGX_LISTEN_EXTRA="http2"
NGX_HTTP_EXTRA="http2_max_concurrent_streams ${NGX_HTTP2_CONCURRENT:-1024};"
NGX_HTTP_EXTRA+=" server { listen 127.0.0.1:$STATUS_PORT; location = /__status { stub_status; } }"
export NGX_HTTP_EXTRA
bench_nginx_start ""
BENCH_URL="http://127.0.0.1:$NGX_PORT/"

h2_requests() { # nginx's counter over the HTTP/1.1 status server; the query counts one
    {
        exec 3<>"/dev/tcp/127.0.0.1/$STATUS_PORT"
        printf 'GET /__status HTTP/1.0\r\nHost: x\r\n\r\n' >&3
        awk 'f { print $3; exit } /server accepts handled requests/ { f = 1 }' <&3
        exec 3>&-
    } 2>/dev/null
}

echo "bench: nginx h2c 127.0.0.1:$NGX_PORT (worker $NGX_WORKER), streams=$STREAMS, cpus=$(nproc)"
bench_side load "$LOAD load --h2 -M $STREAMS -c {C} -d {D}s -q {URL}" "$NGX_WORKER" h2_requests 1
bench_side h2load "h2load -t 1 -c {C} -m $STREAMS -D {D} {URL}" "$NGX_WORKER" h2_requests 1
bench_compare h2 load h2load
