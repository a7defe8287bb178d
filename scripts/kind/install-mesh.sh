#!/usr/bin/env bash
# install-mesh.sh - install a mesh in enforcing mode, through its own CLI, on the current context.
# Usage: scripts/kind/install-mesh.sh linkerd|osm
# Needs: kubectl and the mesh's CLI (linkerd, osm) on PATH. Versions are pinned below.
set -euo pipefail

mesh="${1:?usage: install-mesh.sh linkerd|osm}"
LINKERD_VERSION="${LINKERD_VERSION:-stable-2.14.10}"
LINKERD_SMI_VERSION="${LINKERD_SMI_VERSION:-0.2.6}"
OSM_VERSION="${OSM_VERSION:-v1.2.4}"

case "$mesh" in
linkerd)
    # https://linkerd.io/2.14/getting-started/ and https://linkerd.io/2.14/tasks/linkerd-smi/
    linkerd version --client | grep -q "${LINKERD_VERSION}" ||
        echo "warning: linkerd CLI is not ${LINKERD_VERSION}" >&2
    linkerd check --pre
    linkerd install --crds | kubectl apply -f -
    linkerd install | kubectl apply -f -
    linkerd check
    curl --proto '=https' --tlsv1.2 -sSfL "https://linkerd.github.io/linkerd-smi/install" | sh
    "$HOME/.linkerd2/bin/linkerd-smi" install --set "image.tag=v${LINKERD_SMI_VERSION}" |
        kubectl apply -f -
    "$HOME/.linkerd2/bin/linkerd-smi" check
    ;;
osm)
    # https://release-v1-2.docs.openservicemesh.io/docs/getting_started/setup_osm/
    # Permissive mode off: TrafficTargets are what opens traffic (profile suites/profiles/osm.yaml).
    osm version | grep -q "${OSM_VERSION}" || echo "warning: osm CLI is not ${OSM_VERSION}" >&2
    osm install --mesh-name osm --osm-namespace osm-system \
        --set=osm.enablePermissiveTrafficPolicy=false
    kubectl -n osm-system rollout status deploy/osm-controller --timeout=180s
    ;;
*)
    echo "install-mesh.sh: unknown mesh '$mesh' (linkerd, osm)" >&2
    exit 2
    ;;
esac
echo "$mesh installed"
