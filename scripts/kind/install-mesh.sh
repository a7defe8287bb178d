#!/usr/bin/env bash
# install-mesh.sh - install a mesh in enforcing mode, with its own CLI at the pinned version, on
# the current context.
# Usage: scripts/kind/install-mesh.sh [--dry-run] linkerd|osm|istio
# Needs: curl, kubectl, tar. The mesh's CLI is downloaded at the version pinned in lib.sh
# (LINKERD2_VERSION, LINKERD_SMI_VERSION, GATEWAY_API_VERSION, OSM_VERSION, ISTIO_VERSION override
# it); a CLI that reports another version stops the install.
set -euo pipefail
# shellcheck source=scripts/kind/lib.sh
. "$(dirname "$0")/lib.sh"
parse_dry_run "$@"
shift "$shifted"

mesh="${1:?usage: install-mesh.sh [--dry-run] linkerd|osm|istio}"
tools="${TOOLS_DIR:-$HOME/.smi-conformance-tools}"

# Stop unless `CMD...` prints want (the CLI's own report of its version).
want_version() {
    local want="$1" got
    shift
    if [ "$dry_run" = 1 ]; then
        run "$@"
        echo "# (must report $want)"
        return 0
    fi
    got="$("$@" 2>&1)" || true
    if ! printf '%s\n' "$got" | grep -qF -- "$want"; then
        echo "install-mesh.sh: $* reports '$got', not $want" >&2
        exit 2
    fi
}

linkerd_install() {
    local linkerd="$HOME/.linkerd2/bin/linkerd" smi="$HOME/.linkerd2/bin/linkerd-smi"
    # https://linkerd.io/2.14/getting-started/: the installer, pinned through LINKERD2_VERSION.
    run_pipe "curl --proto '=https' --tlsv1.2 -sSfL https://run.linkerd.io/install | LINKERD2_VERSION=$LINKERD2_VERSION sh"
    want_version "$LINKERD2_VERSION" "$linkerd" version --client --short
    run "$linkerd" check --pre
    case "$LINKERD2_VERSION" in
    edge-*)
        # Current edge CLIs refuse `install --crds` without the Gateway API CRDs; linkerd2's
        # justfile (linkerd-crds-install) applies them first, then installGatewayAPI=false.
        run kubectl apply --server-side -f "https://github.com/kubernetes-sigs/gateway-api/releases/download/$GATEWAY_API_VERSION/standard-install.yaml"
        run_pipe "$linkerd install --crds --set installGatewayAPI=false | kubectl apply -f -"
        ;;
    *)
        # stable-2.14 ships the Gateway API CRDs it uses in its own CRD chart.
        run_pipe "$linkerd install --crds | kubectl apply -f -"
        ;;
    esac
    run_pipe "$linkerd install | kubectl apply -f -"
    run "$linkerd" check
    # https://linkerd.io/2.14/tasks/linkerd-smi/: the extension's installer reads
    # LINKERD_SMI_VERSION (leading v) from its environment (linkerd/linkerd-smi: install).
    run_pipe "curl --proto '=https' --tlsv1.2 -sSfL https://linkerd.github.io/linkerd-smi/install | LINKERD_SMI_VERSION=$LINKERD_SMI_VERSION sh"
    want_version "${LINKERD_SMI_VERSION#v}" "$smi" version --client
    # The chart's adaptor image tag (linkerd/linkerd-smi charts/linkerd-smi/values.yaml:
    # adaptor.image.tag).
    run_pipe "$smi install --set adaptor.image.tag=$LINKERD_SMI_VERSION | kubectl apply -f -"
    run "$smi" check
}

osm_install() {
    local url="https://github.com/openservicemesh/osm/releases/download/$OSM_VERSION/osm-$OSM_VERSION-linux-amd64.tar.gz"
    run mkdir -p "$tools/osm-$OSM_VERSION"
    run_pipe "curl -sSfL $url | tar -xz -C $tools/osm-$OSM_VERSION"
    want_version "$OSM_VERSION" "$tools/osm-$OSM_VERSION/linux-amd64/osm" version
    # https://release-v1-2.docs.openservicemesh.io/docs/getting_started/setup_osm/
    # Permissive mode off: TrafficTargets are what opens traffic (suites/profiles/osm.yaml).
    # Egress off, as OSM's own e2e runs install it: with egress on, traffic that no in-mesh
    # policy matches leaves the pod (docs/guides/traffic_management/egress: "outbound traffic
    # from pods are allowed to egress the pod as long as the traffic does not match in-mesh
    # traffic policies"), so unauthorised traffic would pass.
    run "$tools/osm-$OSM_VERSION/linux-amd64/osm" install --mesh-name osm \
        --osm-namespace osm-system --set=osm.enablePermissiveTrafficPolicy=false \
        --set=osm.enableEgress=false
    run kubectl -n osm-system rollout status deploy/osm-controller --timeout=180s
}

istio_install() {
    local istioctl="$tools/istio-$ISTIO_VERSION/bin/istioctl"
    run mkdir -p "$tools"
    # https://istio.io/latest/docs/setup/getting-started/: downloadIstio reads ISTIO_VERSION.
    run_pipe "cd $tools && curl -sSfL https://istio.io/downloadIstio | ISTIO_VERSION=$ISTIO_VERSION sh -"
    want_version "$ISTIO_VERSION" "$istioctl" version --remote=false
    run "$istioctl" install -y --set profile=minimal
    # The profile (suites/profiles/istio.yaml) needs verified identities: mesh-wide STRICT mTLS
    # (istio.io/latest/docs/tasks/security/authentication/mtls-migration: a PeerAuthentication
    # in the root namespace applies to the whole mesh).
    run_pipe "printf '%s\n' 'apiVersion: security.istio.io/v1beta1' 'kind: PeerAuthentication' 'metadata: {name: default, namespace: istio-system}' 'spec: {mtls: {mode: STRICT}}' | kubectl apply -f -"
}

case "$mesh" in
linkerd) linkerd_install ;;
osm) osm_install ;;
istio) istio_install ;;
*)
    echo "install-mesh.sh: unknown mesh '$mesh' (linkerd, osm, istio)" >&2
    exit 2
    ;;
esac
[ "$dry_run" = 1 ] && echo "# (dry run: $mesh not installed)" || echo "$mesh installed"
