# shellcheck shell=bash
# lib.sh - what the kind scripts share: the pinned versions, the build's paths, and --dry-run.
# Sourced by the scripts beside it; not a command of its own.
# shellcheck disable=SC2034  # the variables below are for the scripts that source this file

# The kind node image, pinned by digest (kind's release notes list one per Kubernetes version;
# this digest is the kind v0.17 image of v1.25.3). Kubernetes 1.25 is in Linkerd stable-2.14's
# range (linkerd.io/2.14/getting-started: 1.21 and later) and Istio 1.17's (1.23 to 1.26,
# istio.io/latest/docs/releases/supported-releases); OSM v1.2 is to be confirmed on a first run.
KIND_NODE_IMAGE="${KIND_NODE_IMAGE:-kindest/node:v1.25.3@sha256:f52781bc0d7a19fb6c405c2af83abfeb311f130707a0e219175677e366cc45d1}"
# run.linkerd.io/install reads LINKERD2_VERSION (its first line:
# LINKERD2_VERSION=${LINKERD2_VERSION:-...}), and its default is no longer a stable release:
# pin it, and pass it to the installer's environment.
LINKERD2_VERSION="${LINKERD2_VERSION:-stable-2.14.10}"
# linkerd.github.io/linkerd-smi/install reads LINKERD_SMI_VERSION with its leading v
# (LINKERD_SMI_VERSION=${LINKERD_SMI_VERSION:-"v0.1.0"}; the download URL is
# releases/download/${LINKERD_SMI_VERSION}/linkerd-smi-${LINKERD_SMI_VERSION#v}-...).
LINKERD_SMI_VERSION="${LINKERD_SMI_VERSION:-v0.2.6}"
case "$LINKERD_SMI_VERSION" in v*) ;; *) LINKERD_SMI_VERSION="v$LINKERD_SMI_VERSION" ;; esac
# Gateway API CRDs, which current Linkerd edge releases require before `linkerd install --crds`
# (linkerd2's justfile applies them first and sets installGatewayAPI=false).
GATEWAY_API_VERSION="${GATEWAY_API_VERSION:-v1.1.1}"
OSM_VERSION="${OSM_VERSION:-v1.2.4}"
# istio.io/downloadIstio reads ISTIO_VERSION.
ISTIO_VERSION="${ISTIO_VERSION:-1.17.8}"
# The SMI releases whose CRDs `smi-conformance crds --release R` prints (conformance/cli/
# cmd_crds.c; each kind serving exactly that release's version), and the meshes install-mesh.sh
# installs: ci-example.yaml's matrix is these two lists (scripts/tests/check_kind_dry_run.sh).
smi_releases="v0.3.0 v0.4.1 v0.5.0"
kind_meshes="linkerd osm istio"
export LINKERD2_VERSION LINKERD_SMI_VERSION GATEWAY_API_VERSION OSM_VERSION ISTIO_VERSION

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# The CMake preset "default" builds into build/default (CMakePresets.json binaryDir).
build_dir="${SC_BUILD_DIR:-$root/build/default}"
smi_conformance="${SMI_CONFORMANCE:-$build_dir/conformance/smi-conformance}"
harness_version="$(sed -n 's/^project(smi-conformance VERSION \([0-9.]*\).*/\1/p' "$root/CMakeLists.txt")"
fixture_image="smi-fixture:${harness_version}" # the harness's default --fixture-image

dry_run=0
# Take --dry-run off the front of the arguments: set dry_run and say so. Call as
#   parse_dry_run "$@"; shift "$shifted"
shifted=0
parse_dry_run() {
    if [ "${1:-}" = "--dry-run" ]; then
        dry_run=1
        shifted=1
        echo "# dry run: nothing is run; every command is printed with its versions and URLs"
    fi
}

# Run a command, or print it (shell-quoted) in a dry run.
run() {
    if [ "$dry_run" = 1 ]; then
        printf '+'
        printf ' %q' "$@"
        printf '\n'
    else
        "$@"
    fi
}

# Run "A | B" given as one string of shell (the pipe is the point: an installer piped to sh,
# a manifest piped to kubectl apply), or print it in a dry run.
run_pipe() {
    if [ "$dry_run" = 1 ]; then
        printf '+ %s\n' "$1"
    else
        bash -o pipefail -c "$1"
    fi
}
