#!/usr/bin/env bash
# wire.sh - what differs on the wire between `smi-conformance load` and wrk against one private
# nginx: the bytes of one request (caught by a tiny listener), TCP segments and delayed ACKs per
# completed request (deltas of /proc/net/snmp Tcp OutSegs and /proc/net/netstat TcpExt
# DelayedACKs), and system calls per request of the client (strace -c -f on a short run) and of
# the nginx worker serving it (strace -c -p). load.sh runs it as its step (f).
#
# Usage: BIN=build/release/conformance/smi-conformance scripts/bench/wire.sh
# Knobs: BIN (default build/default/conformance/smi-conformance), LOAD_CMD / WRK_CMD templates
#   (defaults '$BIN load -q -c {C} -d {D}s {URL}', 'wrk -t1 -c {C} -d {D}s {URL}'), CONNS=50,
#   WIRE_DUR=2 (seconds per run), NETNS=auto|no, PIN, SERVER_CPU, CLIENT_CPU.
# The counters in /proc/net are those of the reader's network namespace (network_namespaces(7):
# each namespace has its own /proc/net), and on loopback both ends' segments are counted. With
# NETNS=auto the script re-runs itself in a new namespace (unshare -n, loopback up) so that no
# other traffic on the machine is counted (netns=private); where that is refused it measures in
# the shared one (netns=shared: other loopback traffic inflates the figures).
# OutSegs counts every TCP segment sent (SNMP MIB TCP_MIB_OUTSEGS).
# Sources: https://man.archlinux.org/man/network_namespaces.7.ar.txt,
#   https://sourceware.org/systemtap/man/probe::tcpmib.OutSegs.3stap.html,
#   https://manpages.ubuntu.com/manpages/xenial/man1/strace.1.html (-c: calls per syscall)
# strace stops the traced process at every system call, so the clients run slower under it; a
# client that batches work per system call (epoll_wait) batches more when slowed, so its count
# under strace is a lower bound of what it makes at full speed.
# Output, per tool (tool=load, tool=wrk):
#   WIRE tool=T request_bytes=N request='GET / HTTP/1.1\r\n...'
#   WIRE tool=T segments_per_req=.. delayed_acks_per_req=.. requests=N netns=private|shared
#   WIRE tool=T side=client syscalls_per_req=.. requests=N top=name:per_req,...
#   WIRE tool=T side=server syscalls_per_req=.. requests=N top=name:per_req,...
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
NETNS=${NETNS:-auto}
if [ "$NETNS" = auto ] && [ -z "${BENCH_IN_NETNS:-}" ] && command -v ip >/dev/null &&
   unshare -n true 2>/dev/null; then
    # shellcheck disable=SC2016 # expanded by the inner bash
    exec unshare -n env BENCH_IN_NETNS=1 bash -c 'ip link set lo up && exec "$0" "$@"' "$0" "$@"
fi
# shellcheck source=scripts/bench/lib.sh
. "$(dirname "$0")/lib.sh"

BIN=${BIN:-$ROOT/build/default/conformance/smi-conformance}
LOAD_CMD=${LOAD_CMD:-"$BIN load -q -c {C} -d {D}s {URL}"}
WRK_CMD=${WRK_CMD:-"wrk -t1 -c {C} -d {D}s {URL}"}
WIRE_DUR=${WIRE_DUR:-2}
REPS=7 # no pairs here: one run of each kind per tool
bench_init wire
DUR=$WIRE_DUR
bench_need nginx wrk strace python3 timeout awk
[ -x "$BIN" ] || { echo "wire: error: no smi-conformance at '$BIN' (set BIN)" >&2; exit 2; }
NS=shared
[ -z "${BENCH_IN_NETNS:-}" ] || NS=private

# ---- the bytes of one request: a listener that answers every request with 200 "ok" ----------
cat >"$WORK/catch.py" <<'EOF'
import select, socket, sys, time
out, until = sys.argv[1], time.time() + float(sys.argv[2])
srv = socket.socket()
srv.bind(("127.0.0.1", 0))
srv.listen(64)
print(srv.getsockname()[1], flush=True)
bufs, first = {}, None
while time.time() < until:
    ready, _, _ = select.select([srv] + list(bufs), [], [], 0.1)
    for s in ready:
        if s is srv:
            c, _ = srv.accept()
            bufs[c] = b""
            continue
        try:
            data = s.recv(65536)
        except OSError:
            data = b""
        if not data:
            del bufs[s]
            s.close()
            continue
        bufs[s] += data
        while b"\r\n\r\n" in bufs[s]:
            req, bufs[s] = bufs[s].split(b"\r\n\r\n", 1)
            if first is None:
                first = req + b"\r\n\r\n"
                with open(out, "w") as f:
                    f.write("%d %s\n" % (len(first), repr(first)[1:]))
            s.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
EOF
catch_request() { # TOOL TEMPLATE
    local f=$WORK/req.$1 port pid
    : >"$f"
    python3 "$WORK/catch.py" "$f.out" 6 >"$f" &
    pid=$!
    bench_track "$pid"
    for _ in $(seq 50); do [ -s "$f" ] && break; sleep 0.1; done
    port=$(head -1 "$f")
    local -a argv
    eval "argv=($(CONNS=1 DUR=1 BENCH_URL="http://127.0.0.1:$port/" bench_fill "$2"))"
    timeout -k 2 10 "${argv[@]}" >/dev/null 2>&1 || true
    wait "$pid" 2>/dev/null || true
    if [ -s "$f.out" ]; then
        read -r n req <"$f.out"
        echo "WIRE tool=$1 request_bytes=$n request=$req"
    else
        echo "WIRE tool=$1 request_bytes=- (no request caught)"
    fi
}

bench_nginx_start ""
BENCH_URL="http://127.0.0.1:$NGX_PORT/"
snmp() { awk -v k="$2" '$1 == "'"$1"':" { if (!h) { for (i = 2; i <= NF; i++) if ($i == k) c = i
    h = 1 } else { print $c + 0; exit } }' "/proc/net/$3"; }

argv_of() { eval "ARGV=($(bench_fill "$1"))"; }

# strace_top FILE REQUESTS -> "syscalls_per_req=.. top=name:per_req,..." (the 5 most frequent)
strace_top() {
    awk -v n="$2" '$NF == "total" { t = $4 }
        $1 ~ /^[0-9.]+$/ && $NF != "total" && NF >= 5 { print $4, $NF }
        END { print "TOTAL", t + 0 }' "$1" | sort -k1,1nr | awk -v n="$2" '
        $1 == "TOTAL" { t = $2; next } k < 5 { top = top (k ? "," : "") sprintf("%s:%.2f", $2,
        (n > 0 ? $1 / n : 0)); k++ }
        END { printf "syscalls_per_req=%.2f requests=%d top=%s\n", (n > 0 ? t / n : 0), n, top }'
}

measure() { # TOOL TEMPLATE
    local tool=$1 s0 s1 d0 d1 n q0 q1 spid
    local -a ARGV
    catch_request "$tool" "$2"
    argv_of "$2"
    # segments: one plain run
    s0=$(snmp Tcp OutSegs snmp); d0=$(snmp TcpExt DelayedACKs netstat)
    timeout -k 5 $((DUR + 15)) "${CLIPIN[@]}" "${ARGV[@]}" >"$WORK/$tool.plain" 2>&1 || true
    s1=$(snmp Tcp OutSegs snmp); d1=$(snmp TcpExt DelayedACKs netstat)
    read -r _ n _ _ < <(bench_parse "$WORK/$tool.plain")
    awk -v t="$tool" -v s=$((s1 - s0)) -v d=$((d1 - d0)) -v n="$n" -v ns="$NS" 'BEGIN {
        printf "WIRE tool=%s segments_per_req=%.3f delayed_acks_per_req=%.4f requests=%d" \
               " netns=%s\n", t, (n > 0 ? s / n : 0), (n > 0 ? d / n : 0), n, ns }'
    # the client's system calls
    timeout -k 5 $((DUR + 20)) "${CLIPIN[@]}" strace -f -c -o "$WORK/$tool.strace" \
        "${ARGV[@]}" >"$WORK/$tool.traced" 2>&1 || true
    read -r _ n _ _ < <(bench_parse "$WORK/$tool.traced")
    echo "WIRE tool=$tool side=client $(strace_top "$WORK/$tool.strace" "$n")"
    # the server's system calls while it serves an untraced client (its own request count)
    strace -c -o "$WORK/$tool.server.strace" -p "$NGX_WORKER" 2>/dev/null &
    spid=$!
    sleep 0.5
    q0=$(bench_nginx_requests)
    timeout -k 5 $((DUR + 15)) "${CLIPIN[@]}" "${ARGV[@]}" >"$WORK/$tool.served" 2>&1 || true
    q1=$(bench_nginx_requests)
    kill -INT "$spid" 2>/dev/null || true
    wait "$spid" 2>/dev/null || true
    echo "WIRE tool=$tool side=server $(strace_top "$WORK/$tool.server.strace" $((q1 - q0 - 1)))"
}

echo "wire: nginx 127.0.0.1:$NGX_PORT (worker $NGX_WORKER) c=$CONNS d=${DUR}s netns=$NS"
measure load "$LOAD_CMD"
measure wrk "$WRK_CMD"
