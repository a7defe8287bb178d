#!/usr/bin/env bash
# create-cluster.sh - a kind cluster for the SMI conformance suite, with the fixture image loaded.
# Usage: scripts/kind/create-cluster.sh [--dry-run] [CLUSTER_NAME]   (default: smi)
# Needs: docker, kind. Run from anywhere; builds the image from the repository root.
set -euo pipefail
# shellcheck source=scripts/kind/lib.sh
. "$(dirname "$0")/lib.sh"
parse_dry_run "$@"
shift "$shifted"

name="${1:-smi}"
if [ "$dry_run" = 1 ] || ! kind get clusters | grep -qx "$name"; then
    run kind create cluster --name "$name" --image "$KIND_NODE_IMAGE" --wait 120s
fi
run docker build -f "$root/fixtures/kube/Dockerfile" -t "$fixture_image" "$root"
run kind load docker-image "$fixture_image" --name "$name"
echo "cluster kind-$name ready; fixture image $fixture_image loaded"
