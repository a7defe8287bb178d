#!/usr/bin/env bash
# create-cluster.sh - a kind cluster for the SMI conformance suite, with the fixture image loaded.
# Usage: scripts/kind/create-cluster.sh [CLUSTER_NAME]   (default: smi)
# Needs: docker, kind. Run from anywhere; builds from the repository root.
set -euo pipefail

name="${1:-smi}"
root="$(cd "$(dirname "$0")/../.." && pwd)"
version="$(sed -n 's/^project(smi-conformance VERSION \([0-9.]*\).*/\1/p' "$root/CMakeLists.txt")"
image="smi-fixture:${version}"   # the harness's default --fixture-image

if ! kind get clusters | grep -qx "$name"; then
    kind create cluster --name "$name" --wait 120s
fi
docker build -f "$root/fixtures/kube/Dockerfile" -t "$image" "$root"
kind load docker-image "$image" --name "$name"
echo "cluster kind-$name ready; fixture image $image loaded"
