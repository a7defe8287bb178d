#!/usr/bin/env bash
# check_bench.sh SCRIPTS_DIR - the benchmark scripts parse (bash -n; shellcheck where installed)
# and lib.sh's statistics give known answers on synthetic runs: paired ratios min/median/max
# (odd and even counts), side medians, a NOTE exactly when a metric's spread (max-min) exceeds
# its effect (|median-1|), '-' for a metric that was not measured, the warnings; and
# bench_compare alternates the order of each pair (fake clients that print wrk-like lines: no
# real benchmark runs here).
set -u
bench=$1/bench
fails=0
fail() { echo "check_bench: $*" >&2; fails=$((fails + 1)); }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

for f in "$bench"/*.sh; do bash -n "$f" || fail "bash -n failed on $f"; done
if command -v shellcheck >/dev/null && [ -z "${CHECK_BENCH_NO_SHELLCHECK:-}" ]; then
    # from the checkout's root: the scripts' `source=` directives name scripts/bench/lib.sh
    (cd "$1/.." && shellcheck scripts/bench/*.sh) >"$tmp/sc" 2>&1 ||
        { cat "$tmp/sc" >&2; fail "shellcheck"; }
fi

# shellcheck source=scripts/bench/lib.sh
. "$bench/lib.sh"
expect() { # LABEL FILE LINE: FILE has exactly LINE
    grep -qxF -- "$3" "$2" || { fail "$1: missing line: $3"; sed 's/^/    got: /' "$2" >&2; }
}
absent() { # LABEL FILE REGEX
    if grep -qE -- "$3" "$2"; then fail "$1: unexpected line matching $3"; fi
}

# t: 7 pairs. rps ratios 1.10 1.05 1.20 1.15 1.10 1.08 1.12 (spread 0.15 > effect 0.10: NOTE);
# client 0.70..0.80, median 0.74 (spread 0.10 < 0.26); server all 1.0 (spread 0 = effect 0).
{
    echo "$BENCH_CSV_HEADER"
    i=0
    for r in 1100:7 1050:7.5 1200:8 1150:7.2 1100:7.8 1080:7.1 1120:7.4; do
        i=$((i + 1))
        echo "t,base,$i,1000,5000,0,0.05,10,20,-,-"
        echo "t,subj,$i,${r%:*},5000,0,0.04,${r#*:},20,-,-"
    done
    # u: 3 pairs; client ratios 0.70 0.85 0.85 (spread 0.15 = effect 0.15: no NOTE), rps all
    # 1.0, no server CPU measured, 3 errors.
    for r in 1:7 2:8.5 3:8.5; do
        echo "u,base,${r%:*},500,2500,0,0.05,10,0,-,-"
        echo "u,subj,${r%:*},500,2500,1,0.05,${r#*:},0,-,-"
    done
    # v: 4 pairs, even count: rps ratios 1.0 1.2 1.4 2.0 -> median 1.3
    for r in 1:100 2:120 3:140 4:200; do
        echo "v,base,${r%:*},100,500,0,0.05,10,10,-,-"
        echo "v,subj,${r%:*},${r#*:},500,0,0.05,10,10,-,-"
    done
} >"$tmp/runs.csv"

bench_summary "$tmp/runs.csv" t subj base >"$tmp/t"
expect t "$tmp/t" "MEDIAN name=t side=subj rps=1100 client_us=7.400 server_us=20.000 errors=0 runs=7"
expect t "$tmp/t" "MEDIAN name=t side=base rps=1000 client_us=10.000 server_us=20.000 errors=0 runs=7"
expect t "$tmp/t" "PAIRED name=t rps=1.050/1.100/1.200 client_cpu=0.700/0.740/0.800 server_cpu=1.000/1.000/1.000 pairs=7"
expect t "$tmp/t" "NOTE name=t metric=rps spread=0.150 effect=0.100: not conclusive (the paired ratios spread wider than the effect they show)"
absent t "$tmp/t" "NOTE name=t metric=(client_cpu|server_cpu)"
absent t "$tmp/t" "^WARNING"
expect t "$tmp/t" "RATIO name=t rps=1.100 client_cpu=0.740 server_cpu=1.000 conclusive=no inconclusive=rps"
[ "$(tail -1 "$tmp/t" | cut -d' ' -f1)" = RATIO ] || fail "t: RATIO is not the last line"

bench_summary "$tmp/runs.csv" u subj base >"$tmp/u"
expect u "$tmp/u" "PAIRED name=u rps=1.000/1.000/1.000 client_cpu=0.700/0.850/0.850 server_cpu=- pairs=3"
absent u "$tmp/u" "^NOTE"
expect u "$tmp/u" "WARNING name=u errors=3: the clients reported errors; the ratios are suspect"
expect u "$tmp/u" "WARNING name=u pairs=3: fewer than 7 pairs"
expect u "$tmp/u" "RATIO name=u rps=1.000 client_cpu=0.850 server_cpu=- conclusive=yes"

bench_summary "$tmp/runs.csv" v subj base >"$tmp/v"
expect v "$tmp/v" "PAIRED name=v rps=1.000/1.300/2.000 client_cpu=1.000/1.000/1.000 server_cpu=1.000/1.000/1.000 pairs=4"
expect v "$tmp/v" "MEDIAN name=v side=subj rps=130 client_us=10.000 server_us=10.000 errors=0 runs=4"
expect v "$tmp/v" "NOTE name=v metric=rps spread=1.000 effect=0.300: not conclusive (the paired ratios spread wider than the effect they show)"
expect v "$tmp/v" "RATIO name=v rps=1.300 client_cpu=1.000 server_cpu=1.000 conclusive=no inconclusive=rps"

[ "$(printf '3\n1\n2\n' | bench_mmm)" = 1.000/2.000/3.000 ] || fail "bench_mmm odd"
[ "$(printf '4\n1\n3\n2\n' | bench_mmm 1)" = 1.0/2.5/4.0 ] || fail "bench_mmm even"
[ "$(bench_mmm </dev/null)" = - ] || fail "bench_mmm empty"

# bench_parse: wrk's and load's summaries (p99 in us, ms or s)
printf '  Latency Distribution\n     50%%  231.00us\n     99%%    4.81ms\n  28509 requests in 1.10s, 4.05MB read\n  Socket errors: connect 1, read 2, write 0, timeout 3\nRequests/sec:  25921.30\n' >"$tmp/wrk.out"
[ "$(bench_parse "$tmp/wrk.out")" = "25921.30 28509 6 4810" ] ||
    fail "bench_parse wrk: $(bench_parse "$tmp/wrk.out")"
printf '  Latency Distribution (corrected: from the intended send time)\n       99%%     1.50s\n  Latency Distribution (uncorrected: from the actual send)\n       99%%    20.00us\n  4998 requests in 1.00s, 727.25KB read\nRequests/sec:   4975.90\n' >"$tmp/load.out"
[ "$(bench_parse "$tmp/load.out")" = "4975.90 4998 0 1500000" ] ||
    fail "bench_parse load: $(bench_parse "$tmp/load.out")"

# bench_compare with fake clients: order base,subj / subj,base / base,subj; figures recorded.
(
    REPS=3 DUR=1 GAP=0 PIN=no TMPDIR=$tmp
    bench_init fake >/dev/null 2>&1
    bench_side subj "printf '%s\n' '500 requests in 1.00s' 'Requests/sec: 500.00'"
    bench_side base "printf '%s\n' '400 requests in 1.00s' 'Requests/sec: 400.00'"
    bench_compare fake subj base
) >"$tmp/fake" 2>&1
grep '^RUN' "$tmp/fake" | sed 's/.*side=\([a-z]*\) rep=\([0-9]\).*/\2\1/' | tr '\n' ' ' >"$tmp/order"
[ "$(cat "$tmp/order")" = "1base 1subj 2subj 2base 3base 3subj " ] ||
    fail "bench_compare order: $(cat "$tmp/order")"
expect fake "$tmp/fake" "RUN name=fake side=subj rep=2 rps=500 requests=500 errors=0 client_us=$(grep 'side=subj rep=2' "$tmp/fake" | sed 's/.*client_us=\([^ ]*\).*/\1/') server_us=0.000 server_counted=- p99_us=-"
grep -q '^PAIRED name=fake rps=1.250/1.250/1.250 ' "$tmp/fake" || fail "fake: paired rps"
ls "$tmp"/bench-fake.* >/dev/null 2>&1 && fail "bench_init's work dir was not removed on exit"

[ $fails -eq 0 ] && echo "check_bench: all checks passed"
[ $fails -eq 0 ]
