#!/usr/bin/env bash
# install-crds.sh - install the SMI CRDs of one SMI release on the current context, before the
# mesh: `smi-conformance crds --release R`, each kind serving exactly that release's version.
# Usage: scripts/kind/install-crds.sh [--dry-run] v0.3.0|v0.4.1|v0.5.0
# Needs: kubectl and the built harness (build/default, or SC_BUILD_DIR / SMI_CONFORMANCE).
# A mesh that brings its own CRDs (linkerd-smi: TrafficSplit; OSM: access, specs and split)
# replaces these for the kinds it brings when it is installed afterwards: the release decides the
# versions served of the groups the mesh does not bring, and the run tests what its profile
# claims of what is served.
set -euo pipefail
# shellcheck source=scripts/kind/lib.sh
. "$(dirname "$0")/lib.sh"
parse_dry_run "$@"
shift "$shifted"

release="${1:?usage: install-crds.sh [--dry-run] v0.3.0|v0.4.1|v0.5.0}"
case " $smi_releases " in
*" $release "*) ;;
*)
    echo "install-crds.sh: unknown SMI release '$release' ($smi_releases)" >&2
    exit 2
    ;;
esac
if [ "$dry_run" = 0 ] && [ ! -x "$smi_conformance" ]; then
    echo "install-crds.sh: no $smi_conformance: build first (cmake --preset default &&" \
        "cmake --build --preset default)" >&2
    exit 2
fi
run_pipe "$(printf '%q' "$smi_conformance") crds --release $release | kubectl apply -f -"
# Served once established: a CRD's Established condition, waited for as kubeflow/pipelines'
# install steps do (`kubectl wait --for condition=established --timeout=60s crd/...`).
run kubectl wait --for=condition=Established --timeout=60s crd/trafficsplits.split.smi-spec.io \
    crd/traffictargets.access.smi-spec.io crd/httproutegroups.specs.smi-spec.io \
    crd/tcproutes.specs.smi-spec.io
[ "$dry_run" = 1 ] && echo "# (dry run: SMI $release CRDs not installed)" ||
    echo "SMI $release CRDs installed"
