#!/usr/bin/env bash
# kube-suite.sh - the wall time of `smi-conformance run --platform kube` on an emulated cluster:
# kube-api-double (the Kubernetes API test double as a process) with pods Ready 6 s after their
# creation and namespaces Terminating for 5-8 s, serving one SMI release's versions. It measures
# the platform's set-up and tear-down path (namespaces, Deployments, readiness, deletion), not
# a mesh: the double enforces nothing, so verdicts are not the point (printed anyway).
#
# Usage: scripts/bench/kube-suite.sh [options]      (--help for the options)
# Prints per configuration (the default parallelism, then each --parallel N):
#   RUN parallel=P rep=I wall=S cases=N passed=.. failed=.. errors=.. skipped=.. exit=..
#   WALL parallel=P runs=R min=S median=S max=S cases=N [per_case=S (at --parallel 1)]
set -euo pipefail
cd "$(dirname "$0")/../.."

usage() {
    cat <<'EOF'
usage: scripts/bench/kube-suite.sh [options]

  --harness PATH        smi-conformance to measure (default
                        build/release/conformance/smi-conformance, else build/dev/...)
  --double PATH         kube-api-double (default: beside the harness, else build/release,
                        build/dev; build it with: cmake --build BUILD --target kube-api-double)
  --fixture PATH        smi-fixture the pods run (default: beside the double's build)
  --release R           SMI release whose versions the double serves, as
                        `smi-conformance crds --release R` prints them (default v0.5.0)
  --parallel N          also measure at --parallel N (repeatable); the harness's default
                        parallelism is always measured first unless --no-default
  --no-default          do not measure the default parallelism
  --reps N              runs per configuration (default 3)
  --pod-start-ms N      a pod is Ready N ms after its creation (default 6000)
  --ns-terminate-ms A-B a deleted namespace terminates for A..B ms (default 5000-8000)
  --seed N              seed of the termination draws (default 1)
  --node-cpus N         the emulated cluster's one Node has N allocatable CPUs, which the
                        harness's default parallelism may read (default 4: a kind node on a
                        4-vCPU CI runner; 0: no Node API)
  --profile FILE        mesh profile (default scripts/bench/kube-double.yaml)
  --suites DIR          suites (default suites)
  --focus REGEX         only these cases (passed to run --focus)
  --run-arg ARG         one more argument for `smi-conformance run` (repeatable), e.g.
                        --run-arg --skip-preflight
  --quick               one run per configuration of a few cases: checks the script itself
  --keep DIR            keep every run's logs and reports under DIR
  -h, --help            this text
EOF
}

HARNESS=""
DOUBLE=""
FIXTURE=""
RELEASE=v0.5.0
PARALLELS=()
DEFAULT=1
REPS=3
POD_START_MS=6000
NS_TERM_MS=5000-8000
SEED=1
NODE_CPUS=4
PROFILE=scripts/bench/kube-double.yaml
SUITES=suites
FOCUS=""
KEEP=""
RUN_ARGS=()

need() { [ "$#" -ge 2 ] || { echo "kube-suite.sh: $1 needs a value" >&2; exit 2; }; }
while [ "$#" -gt 0 ]; do
    case "$1" in
    --harness) need "$@"; HARNESS=$2; shift 2 ;;
    --double) need "$@"; DOUBLE=$2; shift 2 ;;
    --fixture) need "$@"; FIXTURE=$2; shift 2 ;;
    --release) need "$@"; RELEASE=$2; shift 2 ;;
    --parallel) need "$@"; PARALLELS+=("$2"); shift 2 ;;
    --no-default) DEFAULT=0; shift ;;
    --reps) need "$@"; REPS=$2; shift 2 ;;
    --pod-start-ms) need "$@"; POD_START_MS=$2; shift 2 ;;
    --ns-terminate-ms) need "$@"; NS_TERM_MS=$2; shift 2 ;;
    --seed) need "$@"; SEED=$2; shift 2 ;;
    --node-cpus) need "$@"; NODE_CPUS=$2; shift 2 ;;
    --profile) need "$@"; PROFILE=$2; shift 2 ;;
    --suites) need "$@"; SUITES=$2; shift 2 ;;
    --focus) need "$@"; FOCUS=$2; shift 2 ;;
    --run-arg) need "$@"; RUN_ARGS+=("$2"); shift 2 ;;
    --quick) REPS=1; FOCUS=${FOCUS:-'^(access-deny-by-default|metrics-deployment-counts) '}; shift ;;
    --keep) need "$@"; KEEP=$2; shift 2 ;;
    -h | --help) usage; exit 0 ;;
    *) echo "kube-suite.sh: unknown option '$1'" >&2; usage >&2; exit 2 ;;
    esac
done

first_file() { for f in "$@"; do [ -x "$f" ] && { echo "$f"; return 0; }; done; return 1; }
if [ -z "$HARNESS" ]; then
    HARNESS=$(first_file build/release/conformance/smi-conformance \
        build/dev/conformance/smi-conformance) || {
        echo "kube-suite.sh: no smi-conformance in build/release or build/dev: --harness PATH" >&2
        exit 2
    }
fi
HARNESS=$(realpath "$HARNESS")
HBUILD=$(dirname "$(dirname "$HARNESS")")
if [ -z "$DOUBLE" ]; then
    DOUBLE=$(first_file "$HBUILD/conformance/platform/kube/kube-api-double" \
        build/release/conformance/platform/kube/kube-api-double \
        build/dev/conformance/platform/kube/kube-api-double) || {
        echo "kube-suite.sh: no kube-api-double: cmake --build $HBUILD --target kube-api-double" \
            "(or --double PATH)" >&2
        exit 2
    }
fi
DOUBLE=$(realpath "$DOUBLE")
if [ -z "$FIXTURE" ]; then
    DBUILD=$(dirname "$(dirname "$(dirname "$(dirname "$DOUBLE")")")")
    FIXTURE=$(first_file "$DBUILD/fixtures/server/smi-fixture" "$HBUILD/fixtures/server/smi-fixture") || {
        echo "kube-suite.sh: no smi-fixture beside the double or the harness: --fixture PATH" >&2
        exit 2
    }
fi
FIXTURE=$(realpath "$FIXTURE")
for f in "$PROFILE" "$SUITES"; do
    [ -e "$f" ] || { echo "kube-suite.sh: '$f' does not exist" >&2; exit 2; }
done

# The release's served version of each CRD group, from the harness's own `crds` output.
CRDS=$("$HARNESS" crds --release "$RELEASE") || {
    echo "kube-suite.sh: '$HARNESS crds --release $RELEASE' failed" >&2
    exit 2
}
version_of() {
    awk -v g="$1" '$1 == "group:" { in_g = ($2 == g) }
        in_g && $1 == "-" && $2 == "name:" { print $3; exit }' <<<"$CRDS"
}
ACCESS=$(version_of access.smi-spec.io)
SPECS=$(version_of specs.smi-spec.io)
SPLIT=$(version_of split.smi-spec.io)
# TrafficMetrics is an aggregated API, not a CRD: every release's mesh serves v1alpha1.
SERVED="${ACCESS:--},${SPECS:--},${SPLIT:--},v1alpha1"

WORK=$(mktemp -d /tmp/sc-kube-bench.XXXXXX)
DPID=""
stop_double() {
    if [ -n "$DPID" ]; then
        kill -TERM "$DPID" 2>/dev/null || true
        wait "$DPID" 2>/dev/null || true
        DPID=""
    fi
}
cleanup() {
    stop_double
    if [ -n "$KEEP" ]; then
        mkdir -p "$KEEP" && cp -r "$WORK"/. "$KEEP"/
    fi
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# A fresh double for each run: no namespace of an earlier run is still terminating.
start_double() {
    local dir=$1
    mkfifo "$dir/double.out"
    "$DOUBLE" --kubeconfig "$dir/kubeconfig" --served "$SERVED" --fixture-bin "$FIXTURE" \
        --pod-start-ms "$POD_START_MS" --ns-terminate-ms "$NS_TERM_MS" --seed "$SEED" \
        --node-cpus "$NODE_CPUS" \
        >"$dir/double.out" 2>"$dir/double.err" &
    DPID=$!
    local line=""
    if ! read -r -t 10 line <"$dir/double.out" || [[ $line != *ready* ]]; then
        echo "kube-suite.sh: kube-api-double did not start: $(cat "$dir/double.err")" >&2
        exit 2
    fi
}

# One run; prints its RUN line and appends "wall cases" to $dir/../P.times.
run_once() {
    local par=$1 rep=$2 dir="$WORK/p$1-r$2"
    local args=(run --platform kube --kubeconfig "$dir/kubeconfig" --mesh "$PROFILE"
        --suites "$SUITES" --fixture-image smi-fixture:bench --report-dir "$dir/reports")
    [ "$par" = default ] || args+=(--parallel "$par")
    [ -z "$FOCUS" ] || args+=(--focus "$FOCUS")
    args+=("${RUN_ARGS[@]}")
    mkdir -p "$dir"
    start_double "$dir"
    local t0 t1 rc=0
    t0=$(date +%s.%N)
    "$HARNESS" "${args[@]}" >"$dir/run.out" 2>"$dir/run.err" || rc=$?
    t1=$(date +%s.%N)
    stop_double
    local wall summary
    wall=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')
    if [ -f "$dir/reports/results.json" ]; then
        summary=$(jq -r '.summary | "\(.total) \(.passed) \(.failed) \(.errors) \(.skipped)"' \
            "$dir/reports/results.json")
    else
        summary="0 0 0 0 0"
        echo "kube-suite.sh: run $par/$rep wrote no results (exit $rc): $(tail -3 "$dir/run.err")" >&2
    fi
    local total passed failed errors skipped
    read -r total passed failed errors skipped <<<"$summary"
    local cases=$((total - skipped)) at_once
    # "smi-conformance: N cases from M tests on the kube platform, P at once"
    at_once=$(sed -n 's/.* \([0-9][0-9]*\) at once$/\1/p' "$dir/run.err" | head -1)
    echo "RUN parallel=$par at_once=${at_once:-?} rep=$rep wall=$wall cases=$cases" \
        "passed=$passed failed=$failed errors=$errors skipped=$skipped exit=$rc"
    echo "$wall $cases" >>"$WORK/$par.times"
}

# min/median/max of the walls of configuration par.
report() {
    local par=$1
    sort -n "$WORK/$par.times" | awk -v p="$par" '
        { w[NR] = $1; c = $2 }
        END {
            med = (NR % 2) ? w[(NR + 1) / 2] : (w[NR / 2] + w[NR / 2 + 1]) / 2
            printf "WALL parallel=%s runs=%d min=%.1f median=%.1f max=%.1f cases=%d", p, NR,
                w[1], med, w[NR], c
            if (p == "1" && c > 0) printf " per_case=%.2f", med / c
            printf "\n"
        }'
}

echo "kube-suite.sh: measures the kube platform's set-up/tear-down path on an emulated cluster"
echo "  without a mesh: kube-api-double, pods Ready after ${POD_START_MS} ms, namespaces terminating"
echo "  ${NS_TERM_MS} ms (seed $SEED), one node of $NODE_CPUS CPUs. Verdicts are not the point:"
echo "  expectations that need a mesh fail (passed/failed counts are printed anyway)."
echo "harness=$HARNESS"
echo "double=$DOUBLE release=$RELEASE served(access,specs,split,metrics)=$SERVED"
echo "reps=$REPS focus=${FOCUS:-all} run-args=${RUN_ARGS[*]:-none} nproc=$(nproc)"
CONFIGS=()
[ "$DEFAULT" = 0 ] || CONFIGS+=(default)
CONFIGS+=("${PARALLELS[@]}")
[ "${#CONFIGS[@]}" -gt 0 ] || { echo "kube-suite.sh: nothing to measure" >&2; exit 2; }
for par in "${CONFIGS[@]}"; do
    for rep in $(seq 1 "$REPS"); do
        run_once "$par" "$rep"
    done
done
for par in "${CONFIGS[@]}"; do
    report "$par"
done
