#!/usr/bin/env bash
# violations-matrix.sh - show that every test can fail and every refmesh violation is caught.
#
# Usage: scripts/violations-matrix.sh [--mesh NAME] [--areas auto] [SMI_CONFORMANCE [SUITES_DIR]]
#   --mesh NAME      run on the refmesh personality NAME (--platform local --mesh NAME; default
#                    the reference mesh): the baseline must then fail exactly the tests
#                    suites/profiles/departures.txt lists for NAME (its departures from the
#                    spec), and those are left out of "fails under no violation"
#   --areas auto     run each violation only on the areas it can break (metrics-*: metrics,
#                    split-* and h2-split-*: split, the others: access and specs); the
#                    baseline runs them all
#   --reference DIR  with --mesh: the OUT folder of a matrix run on the reference mesh. A
#                    violation no test catches under NAME is then not an error when every case
#                    (a test at a version) that caught it there is skipped under NAME (a
#                    version or API the mesh does not serve): it is listed as not observable
#   SMI_CONFORMANCE  the smi-conformance binary   (or env SMI_CONFORMANCE;
#                    default build/default/conformance/smi-conformance)
#   SUITES_DIR       the suites folder             (or env SUITES; default suites/)
# Other environment:
#   SC_REFMESH       smi-refmesh binary (default: found next to smi-conformance, as the
#                    runner finds it: DIR/smi-refmesh or DIR/../fixtures/refmesh/smi-refmesh)
#   TIMEOUT          consistency timeout per wait (default 3s, so stale-config and no-revoke
#                    cases fail fast)
#   PARALLEL         cases at once (default 4: the cases mostly wait, as in `run`)
#   OUT              where the per-violation reports go (default: a temporary folder, removed)
#   VIOLATIONS       space-separated subset of violations to run (default: every one listed
#                    by `smi-refmesh --list-violations`)
#   EXTRA            extra options for `smi-conformance run` (e.g. "--area split")
#
# What it does: one baseline run without violation (every test must pass), then one run per
# violation with `--violate NAME`. It prints a matrix (rows: tests; columns: violations; X =
# the test failed in at least one version under that violation) and the list of uncaught
# violations and never-failing tests.
#
# Exit status: 0 every violation fails at least one test and every test fails under at least
# one violation (and the baseline passed); 1 otherwise (the offenders are listed); 2 a run could
# not be carried out (smi-conformance exit 2, missing binaries).
set -uo pipefail

here="$(cd "$(dirname "$0")/.." && pwd)"
mesh=""
areas=""
reference=""
while [ $# -gt 0 ]; do
    case "$1" in
    --mesh) mesh="${2:-}"; shift 2 ;;
    --areas) areas="${2:-}"; shift 2 ;;
    --reference) reference="${2:-}"; shift 2 ;;
    --) shift; break ;;
    -*) echo "violations-matrix: unknown option '$1'" >&2; exit 2 ;;
    *) break ;;
    esac
done
[ -z "$areas" ] || [ "$areas" = auto ] || { echo "violations-matrix: --areas takes auto" >&2; exit 2; }
bin="${1:-${SMI_CONFORMANCE:-$here/build/default/conformance/smi-conformance}}"
suites="${2:-${SUITES:-$here/suites}}"
timeout="${TIMEOUT:-3s}"
parallel="${PARALLEL:-4}"

die() { echo "violations-matrix: $*" >&2; exit 2; }

[ -x "$bin" ] || die "cannot run smi-conformance '$bin' (give it as the first argument)"
[ -d "$suites" ] || die "no suites folder '$suites'"
command -v jq >/dev/null || die "jq is needed to read results.json"

refmesh="${SC_REFMESH:-}"
if [ -z "$refmesh" ]; then
    bdir="$(dirname "$(readlink -f "$bin")")"
    for c in "$bdir/smi-refmesh" "$bdir/../fixtures/refmesh/smi-refmesh"; do
        [ -x "$c" ] && refmesh="$c" && break
    done
fi
if [ -z "$refmesh" ] || [ ! -x "$refmesh" ]; then
    die "cannot find smi-refmesh (set SC_REFMESH)"
fi
export SC_REFMESH="$refmesh"

if [ -n "${VIOLATIONS:-}" ]; then
    read -r -a viols <<<"$VIOLATIONS"
else
    mapfile -t viols < <("$refmesh" --list-violations | awk 'NF {print $1}')
fi
[ "${#viols[@]}" -gt 0 ] || die "smi-refmesh lists no violation"

if [ -n "${OUT:-}" ]; then
    out="$OUT"
    mkdir -p "$out"
else
    out="$(mktemp -d /tmp/violations-matrix.XXXXXX)"
    trap 'rm -rf "$out"' EXIT
fi

# All test names, from the suites themselves (smi-conformance list).
mapfile -t tests < <("$bin" list --suites "$suites" | awk 'NR > 1 && NF {print $1}' | sort -u)
[ "${#tests[@]}" -gt 0 ] || die "no tests listed under '$suites'"

# run LABEL [--violate NAME]: runs the suite, leaves $out/LABEL/failed (one test name a line).
run() {
    local label="$1"
    shift
    local dir="$out/$label" rc t0 t1
    mkdir -p "$dir"
    t0=$(date +%s.%N)
    # shellcheck disable=SC2086
    "$bin" run --suites "$suites" --report-dir "$dir" --timeout "$timeout" \
        --parallel "$parallel" -q ${mesh:+--mesh "$mesh"} "$@" ${EXTRA:-} >"$dir/console.txt" 2>&1
    rc=$?
    t1=$(date +%s.%N)
    # exit 2 because every case was skipped (what it breaks is not served here): nothing ran
    if [ "$rc" -eq 2 ] && [ -f "$dir/results.json" ] &&
        [ "$(jq '[.tests[] | select(.result != "skipped")] | length' "$dir/results.json")" = 0 ]; then
        rc=0
    fi
    if [ "$rc" -ne 0 ] && [ "$rc" -ne 1 ]; then
        echo "violations-matrix: run '$label' could not be carried out (exit $rc):" >&2
        tail -5 "$dir/console.txt" >&2
        exit 2
    fi
    jq -r '.tests[] | select(.result == "failed") | .name' "$dir/results.json" | sort -u \
        >"$dir/failed"
    jq -r '.tests[] | select(.result != "skipped") | .name' "$dir/results.json" | sort -u \
        >"$dir/ran"
    # the same per case (a test at a version), for what a mesh can observe (--reference)
    jq -r '.tests[] | select(.result == "failed") | "\(.name) \(.version)"' "$dir/results.json" |
        sort -u >"$dir/failed_cases"
    jq -r '.tests[] | select(.result != "skipped") | "\(.name) \(.version)"' "$dir/results.json" |
        sort -u >"$dir/ran_cases"
    jq -r '.tests[] | select(.result == "failed") | "    \(.name) [\(.version)]: \(.message)"' \
        "$dir/results.json" >"$dir/messages"
    printf '%-24s exit %d, %3d failed tests, %5.1fs\n' "$label" "$rc" \
        "$(wc -l <"$dir/failed")" "$(echo "$t1 - $t0" | bc)"
}

echo "smi-conformance: $bin"
echo "suites:          $suites (${#tests[@]} tests)"
echo "smi-refmesh:     $refmesh (${#viols[@]} violations), timeout $timeout, parallel $parallel"
echo "mesh:            ${mesh:-reference}${areas:+, areas $areas}"
echo

# The departures of the personality: tests that fail without any violation, as they must.
departed=""
if [ -n "$mesh" ]; then
    [ -f "$suites/profiles/departures.txt" ] || die "no $suites/profiles/departures.txt"
    departed=$(awk -v m="$mesh" '$1 == m {print $2}' "$suites/profiles/departures.txt" | sort -u)
fi
status=0
run baseline
if [ "$(cat "$out/baseline/failed")" != "$departed" ]; then
    echo "baseline: tests failing WITHOUT any violation other than the mesh's departures" \
        "(${departed:-none}) (broken, flaky, or a departure not listed):"
    cat "$out/baseline/messages"
    status=1
fi
# Only what ran in the baseline, and is not a departure, can show it fails under a violation.
mapfile -t tests < <(comm -23 "$out/baseline/ran" <(printf '%s\n' "$departed" | sed '/^$/d'))
for v in "${viols[@]}"; do
    varea=()
    if [ "$areas" = auto ]; then
        case "$v" in
        metrics-*) varea=(--area metrics) ;;
        split-* | h2-split-*) varea=(--area split) ;;
        *) varea=(--area access --area specs) ;;
        esac
    fi
    run "$v" --violate "$v" "${varea[@]}"
done

# The matrix: columns numbered, legend below.
echo
printf '%-44s' "test \\ violation"
for i in "${!viols[@]}"; do printf '%3d' $((i + 1)); done
printf '  caught by\n'
declare -A caught_test
for t in "${tests[@]}"; do
    printf '%-44.44s' "$t"
    n=0
    for v in "${viols[@]}"; do
        if grep -qxF "$t" "$out/$v/failed"; then
            printf '%3s' X
            n=$((n + 1))
        else
            printf '%3s' .
        fi
    done
    caught_test[$t]=$n
    printf '  %d\n' "$n"
done
printf '%-44s' "tests failed"
for v in "${viols[@]}"; do printf '%3d' "$(wc -l <"$out/$v/failed")"; done
echo
echo
for i in "${!viols[@]}"; do printf '%3d  %s\n' $((i + 1)) "${viols[$i]}"; done

uncaught_v=()
unobservable=()
for v in "${viols[@]}"; do
    [ -s "$out/$v/failed" ] && continue
    if [ -n "$mesh" ] && [ -n "$reference" ] && [ -f "$reference/$v/failed_cases" ] &&
        [ -z "$(comm -12 "$reference/$v/failed_cases" "$out/baseline/ran_cases")" ]; then
        unobservable+=("$v")
    else
        uncaught_v+=("$v")
    fi
done
if [ "${#unobservable[@]}" -gt 0 ]; then
    echo "not observable under ${mesh} (every case, a test at a version, that catches them on" \
        "the reference mesh is skipped here): ${unobservable[*]}"
fi
never=()
for t in "${tests[@]}"; do
    [ "${caught_test[$t]}" -gt 0 ] || never+=("$t")
done
echo
if [ "${#uncaught_v[@]}" -gt 0 ]; then
    echo "violations that fail no test: ${uncaught_v[*]}"
    status=1
fi
if [ "${#never[@]}" -gt 0 ]; then
    echo "tests that fail under no violation: ${never[*]}"
    status=1
fi
if [ "$status" -eq 0 ]; then
    echo "every violation fails at least one test; every test fails under at least one violation"
fi
if [ -n "${OUT:-}" ]; then
    echo "reports and failure messages: $out/<violation>/{results.json,messages}"
fi
exit "$status"
