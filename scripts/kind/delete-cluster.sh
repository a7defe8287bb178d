#!/usr/bin/env bash
# delete-cluster.sh - remove the kind cluster.
# Usage: scripts/kind/delete-cluster.sh [--dry-run] [CLUSTER_NAME]
set -euo pipefail
# shellcheck source=scripts/kind/lib.sh
. "$(dirname "$0")/lib.sh"
parse_dry_run "$@"
shift "$shifted"
run kind delete cluster --name "${1:-smi}"
