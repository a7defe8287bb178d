#!/usr/bin/env bash
# run-suite.sh - run the conformance suite against the kind cluster and collect reports.
# Usage: scripts/kind/run-suite.sh MESH [CLUSTER_NAME] [extra smi-conformance run options...]
# Exit status: smi-conformance's (0 passed, 1 a test failed, 2 could not run).
set -euo pipefail

mesh="${1:?usage: run-suite.sh MESH [CLUSTER_NAME] [options...]}"
name="${2:-smi}"
shift $(($# >= 2 ? 2 : 1))
root="$(cd "$(dirname "$0")/../.." && pwd)"
bin="${SMI_CONFORMANCE:-$root/build/conformance/smi-conformance}"
reports="${REPORT_DIR:-$root/reports/kind-$mesh}"
kubeconfig="$(mktemp)"
trap 'rm -f "$kubeconfig"' EXIT

# A kubeconfig of its own: the run must never land on whatever context is current.
kind get kubeconfig --name "$name" >"$kubeconfig"
mkdir -p "$reports"
status=0
"$bin" run --platform kube --kubeconfig "$kubeconfig" --context "kind-$name" \
    --mesh "$mesh" --suites "$root/suites" --report-dir "$reports" "$@" || status=$?
echo "reports in $reports (exit $status)"
exit "$status"
