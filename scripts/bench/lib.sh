# lib.sh - the one measurement protocol every scripts/bench comparison uses; sourced, never run.
#
# A comparison is two *sides* (a subject and a baseline: two clients against one server, or one
# client against two servers), measured in REPS reps of one run each, A then B in odd reps and
# B then A in even reps, so that slow drift of a shared machine cancels within each pair. Each
# run records:
#   requests/s and completed requests   from the client's own output (wrk, load, hey, h2load, ab)
#   client CPU per request              user+sys of the client's whole process tree, from the
#                                       kernel's accounting: bash's `time` reports the
#                                       terminated and waited-for children's rusage (POSIX
#                                       getrusage RUSAGE_CHILDREN and time(1): tms_cutime +
#                                       tms_cstime; timeout(1) waits for the client, so the
#                                       client's threads are included)
#   server CPU per request              utime+stime ticks (fields 14 and 15 of /proc/PID/stat,
#                                       in sysconf(_SC_CLK_TCK) units, whole thread group;
#                                       proc_pid_stat(5)) of the server process, before/after
#   the server's own request count      where it has one (nginx stub_status "requests": "the
#                                       total number of client requests"), checked against the
#                                       client's: 0 <= server - client <= connections
# Then, per metric, the ratio subject/baseline of each rep's pair, as min/median/max.
# Sources: https://pubs.opengroup.org/onlinepubs/9699919799.2013edition/functions/getrusage.html,
#   https://pubs.opengroup.org/onlinepubs/9699919799.2013edition/utilities/time.html,
#   https://man.archlinux.org/man/proc_pid_stat.5.txt,
#   https://nginx.org/en/docs/http/ngx_http_stub_status_module.html
#
# Lines printed (one per fact, key=value, for grep and awk):
#   RUN name=N side=S rep=R rps=.. requests=.. errors=.. client_us=.. server_us=..
#       server_counted=..|- p99_us=..|-
#   MEDIAN name=N side=S rps=.. client_us=.. server_us=.. errors=.. runs=..
#   PAIRED name=N rps=min/med/max client_cpu=min/med/max server_cpu=min/med/max pairs=P
#   NOTE name=N metric=M spread=.. effect=..: not conclusive (...)   when max-min > |median-1|
#   WARNING ...                                                       errors, count mismatches,
#                                                                     fewer than 7 pairs
#   RATIO name=N rps=.. client_cpu=.. server_cpu=.. conclusive=yes|no [inconclusive=M,M]
# Ratios are subject/baseline: rps > 1 and cpu < 1 favour the subject. A metric that could not
# be measured (no server process) prints '-' and does not count towards conclusive.
#
# Use: source it, call bench_init NAME (work dir, cleanup traps, pinning, knobs), start servers
# (bench_nginx_start, or your own and bench_track PID), declare sides (bench_side), then
# bench_compare NAME SUBJECT BASELINE. bench_summary and bench_mmm work on files alone (tested
# by ctest bench_scripts_check on synthetic runs).
# Knobs: REPS=7 DUR=5 CONNS=50 PIN=auto|yes|no SERVER_CPU=0 CLIENT_CPU=1 GAP=1 (s between reps)
#        KEEP=1 keeps the work dir.

# shellcheck shell=bash

BENCH_CSV_HEADER="name,side,rep,rps,requests,errors,client_cpu_s,client_us,server_us,server_counted,p99_us"

bench_init() { # NAME
    BENCH_NAME=$1
    REPS=${REPS:-7}
    DUR=${DUR:-5}
    CONNS=${CONNS:-50}
    PIN=${PIN:-auto}
    SERVER_CPU=${SERVER_CPU:-0}
    CLIENT_CPU=${CLIENT_CPU:-1}
    GAP=${GAP:-1}
    BENCH_PIDS=()
    declare -gA SIDE_CMD=() SIDE_SRV=() SIDE_COUNT=() SIDE_SELF=()
    WORK=$(mktemp -d "${TMPDIR:-/tmp}/bench-$1.XXXXXX")
    RUNS=$WORK/runs.csv
    echo "$BENCH_CSV_HEADER" >"$RUNS"
    TCK=$(getconf CLK_TCK)
    trap bench_cleanup EXIT
    trap 'exit 130' INT TERM
    bench_pin
    if [ "$REPS" -lt 7 ]; then
        BENCH_REPS_WARNING="WARNING name=$BENCH_NAME reps=$REPS: fewer than 7 reps; the spread of so"
        BENCH_REPS_WARNING+=" few pairs bounds nothing: use REPS=7 or more for figures"
        echo "$BENCH_REPS_WARNING"
    fi
}

bench_need() { # TOOL...: exit 2 naming the first one missing
    local t
    for t in "$@"; do
        command -v "$t" >/dev/null || { echo "$BENCH_NAME: error: '$t' not found" >&2; exit 2; }
    done
}

bench_pin() { # SRVPIN/CLIPIN: taskset prefixes, empty when not pinning
    SRVPIN=()
    CLIPIN=()
    if [ "$PIN" = yes ] || { [ "$PIN" = auto ] && [ "$(nproc)" -ge 2 ] &&
                             command -v taskset >/dev/null; }; then
        SRVPIN=(taskset -c "$SERVER_CPU")
        CLIPIN=(taskset -c "$CLIENT_CPU")
        PIN=yes
    else
        PIN=no
    fi
}

bench_track() { BENCH_PIDS+=("$@"); }

bench_cleanup() {
    local p
    for p in "${BENCH_PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
    for p in "${BENCH_PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
    BENCH_PIDS=()
    if [ -n "${WORK:-}" ] && [ -d "$WORK" ]; then
        if [ "${KEEP:-0}" = 1 ]; then echo "kept $WORK" >&2; else rm -rf "$WORK"; fi
    fi
}

bench_port_busy() { (exec 3<>"/dev/tcp/${2:-127.0.0.1}/$1") 2>/dev/null; }

bench_wait_port() { # PORT PID [HOST]: up to 5 s for a listener; 1 if PID died or none came
    for _ in $(seq 50); do
        bench_port_busy "$1" "${3:-127.0.0.1}" && return 0
        kill -0 "$2" 2>/dev/null || return 1
        sleep 0.1
    done
    return 1
}

# bench_nginx_start [LOCATION_BODY]: a private nginx (one worker, epoll, no access log, keep-alive
# without a request limit) on a free 127.0.0.1 port, pinned to SERVER_CPU; BODY is the inside of
# `location / { }` (default: return 200 "ok"); NGX_HTTP_EXTRA adds lines to the http block,
# NGX_LISTEN_EXTRA parameters to the listen directive (h2load.sh: "http2").
# Sets NGX_PORT, NGX_PID (master) and NGX_WORKER (the one worker: its CPU is the server's).
bench_nginx_start() {
    local body=${1:-'default_type text/plain; return 200 "ok";'} dir=$WORK/nginx p
    mkdir -p "$dir/tmp"
    NGX_PORT=""
    for _ in $(seq 20); do
        p=$((20000 + RANDOM % 40000))
        bench_port_busy "$p" && continue
        cat >"$dir/nginx.conf" <<EOF
worker_processes 1;
daemon off;
pid $dir/nginx.pid;
error_log $dir/error.log warn;
events { worker_connections 8192; use epoll; multi_accept on; }
http {
  access_log off;
  keepalive_timeout 65;
  keepalive_requests 1000000000;
  client_body_temp_path $dir/tmp; proxy_temp_path $dir/tmp; fastcgi_temp_path $dir/tmp;
  uwsgi_temp_path $dir/tmp; scgi_temp_path $dir/tmp;
  ${NGX_HTTP_EXTRA:-}
  server {
    listen 127.0.0.1:$p backlog=4096 ${NGX_LISTEN_EXTRA:-};
    location = /__status { stub_status; }
    location / { $body }
  }
}
EOF
        "${SRVPIN[@]}" nginx -c "$dir/nginx.conf" -p "$dir" >"$dir/nginx.out" 2>&1 &
        NGX_PID=$!
        if bench_wait_port "$p" "$NGX_PID"; then
            NGX_PORT=$p
            bench_track "$NGX_PID"
            break
        fi
        kill "$NGX_PID" 2>/dev/null || true
        wait "$NGX_PID" 2>/dev/null || true
    done
    [ -n "$NGX_PORT" ] || { echo "$BENCH_NAME: error: could not start nginx" >&2; exit 2; }
    # shellcheck disable=SC2034 # for the caller
    NGX_WORKER=$(pgrep -P "$NGX_PID" | head -1)
}

bench_nginx_requests() { # nginx's own counter; the query itself counts one (see SIDE_SELF)
    {
        exec 3<>"/dev/tcp/127.0.0.1/$NGX_PORT"
        printf 'GET /__status HTTP/1.0\r\nHost: x\r\n\r\n' >&3
        awk 'f { print $3; exit } /server accepts handled requests/ { f = 1 }' <&3
        exec 3>&-
    } 2>/dev/null
}

bench_ticks() { # PID -> utime+stime of the whole thread group, in clock ticks
    local s
    s=$(<"/proc/$1/stat") || { echo 0; return; }
    s=${s##*) } # comm may hold spaces: the fields after it are fixed from state (field 3) on
    # shellcheck disable=SC2086
    set -- $s
    echo $((${12} + ${13}))
}

# bench_side NAME CMD [SERVER_PID [COUNTER_FN [SELF]]]: CMD is a template ({C} connections,
# {D} seconds, {URL} = $BENCH_URL) split as shell words; the server's CPU is read from
# SERVER_PID; COUNTER_FN prints the server's running request count, of which SELF (1 for
# nginx's stub_status) are the counter's own queries.
bench_side() {
    SIDE_CMD[$1]=$2
    SIDE_SRV[$1]=${3:-}
    SIDE_COUNT[$1]=${4:-}
    SIDE_SELF[$1]=${5:-0}
}

bench_fill() { # TEMPLATE -> the command with {C}, {D}, {URL} replaced
    local t=$1
    t=${t//\{C\}/$CONNS}
    t=${t//\{D\}/$DUR}
    echo "${t//\{URL\}/${BENCH_URL:-}}"
}

# bench_parse LOG -> "rps requests errors p99_us" from wrk-like, hey, h2load or ab output.
bench_parse() {
    awk '
    function us(v) { if (v ~ /us$/) return v + 0; if (v ~ /ms$/) return v * 1000
                     if (v ~ /s$/) return v * 1000000; return v + 0 }
    /Requests\/sec:/        { rps = $2 }
    /Requests per second:/  { rps = $4 }
    /req\/s,/               { for (i = 1; i <= NF; i++) if ($i == "req/s,") rps = $(i - 1) }
    / requests in /         { n = $1 }
    /^requests: /           { n = $8; e += $10 + $14 }
    /Complete requests:/    { n = $3 }
    /Failed requests:/      { e += $3 }
    /Socket errors:/        { gsub(",", ""); e += $4 + $6 + $8 + $10 }
    /Non-2xx/               { e += $NF }
    $1 == "99%" && p == ""  { p = us($2) }
    END { printf "%s %s %d %s\n", (rps == "" ? 0 : rps), (n == "" ? 0 : n), e, (p == "" ? "-" : p) }
    ' "$1"
}

bench_run() { # NAME SIDE REP: one measured run, appended to $RUNS and printed as a RUN line
    local name=$1 side=$2 rep=$3 srv=${SIDE_SRV[$2]} cnt=${SIDE_COUNT[$2]}
    local log=$WORK/$1.$2.$3.log tf=$WORK/$1.$2.$3.time
    local -a argv
    local t0=0 t1=0 q0="" q1="" rps n err p99 wall u s counted=-
    eval "argv=($(bench_fill "${SIDE_CMD[$side]}"))"
    [ -n "$cnt" ] && q0=$($cnt)
    [ -n "$srv" ] && t0=$(bench_ticks "$srv")
    {
        TIMEFORMAT='%R %U %S'
        time timeout -k 5 $((DUR + 15)) "${CLIPIN[@]}" "${argv[@]}" >"$log" 2>&1
    } 2>"$tf" || true
    [ -n "$srv" ] && t1=$(bench_ticks "$srv")
    [ -n "$cnt" ] && q1=$($cnt)
    read -r rps n err p99 < <(bench_parse "$log")
    read -r wall u s < <(tail -1 "$tf")
    if [ -n "$q0" ] && [ -n "$q1" ]; then counted=$((q1 - q0 - ${SIDE_SELF[$side]})); fi
    awk -v nm="$name" -v sd="$side" -v rep="$rep" -v rps="$rps" -v n="$n" -v err="$err" \
        -v u="$u" -v s="$s" -v st=$((t1 - t0)) -v tck="$TCK" -v srv="$srv" -v q="$counted" \
        -v p99="$p99" -v w="$wall" '
      BEGIN { c = u + s; cpr = (n > 0 ? c * 1e6 / n : 0)
              spr = (n > 0 && srv != "" ? st / tck * 1e6 / n : 0)
              printf "%s,%s,%d,%.0f,%d,%d,%.3f,%.3f,%.3f,%s,%s\n",
                     nm, sd, rep, rps, n, err, c, cpr, spr, q, p99 }' >>"$RUNS"
    tail -1 "$RUNS" | awk -F, '{ printf "RUN name=%s side=%s rep=%s rps=%s requests=%s errors=%s" \
        " client_us=%s server_us=%s server_counted=%s p99_us=%s\n", $1, $2, $3, $4, $5, $6, $8,
        $9, $10, $11 }'
    [ "$n" -gt 0 ] 2>/dev/null || { echo "RUN name=$name side=$side rep=$rep: no requests; log:"; \
                                    tail -5 "$log"; }
}

bench_warmup() { # SIDE...: one unrecorded 1 s run each (page cache, CPU frequency, server)
    local sd d=$DUR
    for sd in "$@"; do
        DUR=1
        local -a argv
        eval "argv=($(bench_fill "${SIDE_CMD[$sd]}"))"
        DUR=$d
        timeout -k 5 16 "${CLIPIN[@]}" "${argv[@]}" >/dev/null 2>&1 || true
    done
}

# bench_compare NAME SUBJECT BASELINE: REPS alternating pairs, then bench_summary. A function
# named by BENCH_REP_HOOK runs before each pair, with the rep number (e.g. a reference run).
bench_compare() {
    local name=$1 a=$2 b=$3 rep
    echo "bench: $name: $a vs $b, pin=$PIN (server cpu $SERVER_CPU, client cpu $CLIENT_CPU)" \
         "c=$CONNS d=${DUR}s reps=$REPS"
    echo "  $a: $(bench_fill "${SIDE_CMD[$a]}")"
    echo "  $b: $(bench_fill "${SIDE_CMD[$b]}")"
    bench_warmup "$b" "$a"
    for rep in $(seq 1 "$REPS"); do
        [ -z "${BENCH_REP_HOOK:-}" ] || "$BENCH_REP_HOOK" "$rep"
        if [ $((rep % 2)) -eq 1 ]; then
            bench_run "$name" "$b" "$rep"
            bench_run "$name" "$a" "$rep"
        else
            bench_run "$name" "$a" "$rep"
            bench_run "$name" "$b" "$rep"
        fi
        sleep "$GAP"
    done
    bench_check_counts "$RUNS" "$name" "$CONNS"
    bench_summary "$RUNS" "$name" "$a" "$b"
}

# bench_check_counts RUNS NAME CONNS: a WARNING for each run whose server count is not within
# [client's count, client's count + connections] (requests in flight when the client stops are
# served but not counted by the client).
bench_check_counts() {
    awk -F, -v nm="$2" -v c="$3" '$1 == nm && $10 != "-" && $10 != "" {
        d = $10 - $5
        if (d < 0 || d > c)
            printf "WARNING name=%s side=%s rep=%s: the client counted %d requests, the server" \
                   " %d\n", $1, $2, $3, $5, $10 }' "$1"
}

# bench_summary RUNS NAME SUBJECT BASELINE: MEDIAN, PAIRED, NOTE, WARNING and RATIO lines.
bench_summary() {
    awk -F, -v nm="$2" -v A="$3" -v B="$4" '
    function sortn(arr, k,   i, j, t) {
        for (i = 2; i <= k; i++) { t = arr[i]; for (j = i - 1; j >= 1 && arr[j] > t; j--)
            arr[j + 1] = arr[j]; arr[j + 1] = t } }
    function med(arr, k) { return (k % 2) ? arr[(k + 1) / 2] : (arr[k / 2] + arr[k / 2 + 1]) / 2 }
    function r3(x) { return sprintf("%.3f", x) + 0 }
    function side_median(sd, col,   k, i, v) {
        k = 0; for (i = 1; i <= nrow; i++) if (S[i] == sd) v[++k] = COL[i, col]
        if (k == 0) return 0; sortn(v, k); return med(v, k) }
    $1 == nm { nrow++; S[nrow] = $2; R[nrow] = $3
               for (c = 4; c <= 9; c++) COL[nrow, c] = $c
               if ($2 == A) { a[$3] = nrow; na++; ea += $6 }
               if ($2 == B) { b[$3] = nrow; nb++; eb += $6 } }
    END {
        split("rps client_cpu server_cpu", MN, " "); split("4 8 9", MC, " ")
        printf "MEDIAN name=%s side=%s rps=%.0f client_us=%.3f server_us=%.3f errors=%d runs=%d\n",
               nm, A, side_median(A, 4), side_median(A, 8), side_median(A, 9), ea, na
        printf "MEDIAN name=%s side=%s rps=%.0f client_us=%.3f server_us=%.3f errors=%d runs=%d\n",
               nm, B, side_median(B, 4), side_median(B, 8), side_median(B, 9), eb, nb
        line = "PAIRED name=" nm; ratio = "RATIO name=" nm; bad = ""; pairs = 0
        for (m = 1; m <= 3; m++) {
            k = 0; delete v
            for (rep in a) if ((rep in b) && COL[b[rep], MC[m]] > 0)
                v[++k] = COL[a[rep], MC[m]] / COL[b[rep], MC[m]]
            if (m == 1) pairs = k
            if (k == 0) { line = line " " MN[m] "=-"; ratio = ratio " " MN[m] "=-"; continue }
            sortn(v, k); lo = r3(v[1]); md = r3(med(v, k)); hi = r3(v[k])
            line = line sprintf(" %s=%.3f/%.3f/%.3f", MN[m], lo, md, hi)
            ratio = ratio sprintf(" %s=%.3f", MN[m], md)
            spread = r3(hi - lo); effect = r3(md >= 1 ? md - 1 : 1 - md)
            if (spread > effect) {
                notes = notes sprintf("NOTE name=%s metric=%s spread=%.3f effect=%.3f: not" \
                    " conclusive (the paired ratios spread wider than the effect they show)\n",
                    nm, MN[m], spread, effect)
                bad = bad (bad == "" ? "" : ",") MN[m]
            }
        }
        print line " pairs=" pairs
        printf "%s", notes
        if (ea + eb > 0)
            printf "WARNING name=%s errors=%d: the clients reported errors; the ratios are" \
                   " suspect\n", nm, ea + eb
        if (pairs < 7)
            printf "WARNING name=%s pairs=%d: fewer than 7 pairs\n", nm, pairs
        print ratio " conclusive=" (bad == "" && pairs > 0 ? "yes" : "no") \
              (bad == "" ? "" : " inconclusive=" bad)
    }' "$1"
}

bench_mmm() { # numbers on stdin -> min/median/max (%.FMT, default 3 decimals); "-" when none
    sort -g | awk -v f="${1:-3}" '{ v[NR] = $1 } END {
        if (NR == 0) { print "-"; exit }
        m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
        fmt = "%." f "f/%." f "f/%." f "f\n"; printf fmt, v[1], m, v[NR] }'
}
