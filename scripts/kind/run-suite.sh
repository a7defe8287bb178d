#!/usr/bin/env bash
# run-suite.sh - run the conformance suite against the kind cluster and collect reports.
# Usage: scripts/kind/run-suite.sh [--dry-run] MESH [CLUSTER_NAME] [smi-conformance run options]
# Runs build/default/conformance/smi-conformance (the "default" CMake preset; SMI_CONFORMANCE or
# SC_BUILD_DIR name another). Exit status: smi-conformance's (0 passed, 1 a test failed, 2 could
# not run).
set -euo pipefail
# shellcheck source=scripts/kind/lib.sh
. "$(dirname "$0")/lib.sh"
parse_dry_run "$@"
shift "$shifted"

mesh="${1:?usage: run-suite.sh [--dry-run] MESH [CLUSTER_NAME] [options...]}"
name="${2:-smi}"
shift $(($# >= 2 ? 2 : 1))
reports="${REPORT_DIR:-$root/reports/kind-$mesh}"
if [ "$dry_run" = 0 ] && [ ! -x "$smi_conformance" ]; then
    echo "run-suite.sh: no $smi_conformance: build first (cmake --preset default &&" \
        "cmake --build --preset default)" >&2
    exit 2
fi
kubeconfig="$(mktemp)"
trap 'rm -f "$kubeconfig"' EXIT

# A kubeconfig of its own: the run must never land on whatever context is current.
run_pipe "kind get kubeconfig --name $(printf '%q' "$name") >$(printf '%q' "$kubeconfig")"
run mkdir -p "$reports"
status=0
run "$smi_conformance" run --platform kube --kubeconfig "$kubeconfig" --context "kind-$name" \
    --mesh "$mesh" --suites "$root/suites" --report-dir "$reports" "$@" || status=$?
echo "reports in $reports (exit $status)"
exit "$status"
