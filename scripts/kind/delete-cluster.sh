#!/usr/bin/env bash
# delete-cluster.sh - remove the kind cluster.
# Usage: scripts/kind/delete-cluster.sh [CLUSTER_NAME]
set -euo pipefail
kind delete cluster --name "${1:-smi}"
