#!/bin/sh
# check_kind_dry_run.sh SOURCE_DIR BUILD_DIR - the kind scripts, checkable here without Docker or
# a cluster: each one's --dry-run runs nothing, exits 0 and prints its commands with the pinned
# versions and URLs; the paths they use exist after a build (the smi-conformance they run, the
# suites, the fixture's Dockerfile); their default build directory is the "default" CMake
# preset's; the CI example builds with that preset, parses as YAML and is a matrix over exactly
# the SMI releases `crds --release` prints and the meshes install-mesh.sh installs; and, when it
# is installed, shellcheck finds nothing.
set -u
src=$1
build=$2
fails=0
fail() { echo "check_kind_dry_run: $*" >&2; fails=$((fails + 1)); }
kind="$src/scripts/kind"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# No real tool may run: a PATH with kind, kubectl, docker, curl that record being called.
mkdir -p "$tmp/bin"
for t in kind kubectl docker curl linkerd osm istioctl tar; do
    printf '#!/bin/sh\necho "%s $*" >>"%s/called"\nexit 1\n' "$t" "$tmp" >"$tmp/bin/$t"
    chmod +x "$tmp/bin/$t"
done

dry() { # NAME ARGS...: the dry run's output in $tmp/NAME.out
    name=$1
    shift
    PATH="$tmp/bin:$PATH" HOME="$tmp/home" SC_BUILD_DIR="$build" bash "$kind/$name" --dry-run "$@" \
        >"$tmp/$name.out" 2>&1 || fail "$name --dry-run $* exited $?: $(cat "$tmp/$name.out")"
}
has() { # FILE TEXT
    grep -qF -- "$2" "$1" || fail "$(basename "$1" .out) does not print: $2"
}

dry create-cluster.sh smi
has "$tmp/create-cluster.sh.out" "kind create cluster --name smi --image kindest/node:v1.25.3@sha256:"
has "$tmp/create-cluster.sh.out" "docker build -f $src/fixtures/kube/Dockerfile"
dry install-mesh.sh linkerd
has "$tmp/install-mesh.sh.out" "https://run.linkerd.io/install | LINKERD2_VERSION=stable-2.14.10 sh"
has "$tmp/install-mesh.sh.out" "https://linkerd.github.io/linkerd-smi/install | LINKERD_SMI_VERSION=v0.2.6 sh"
has "$tmp/install-mesh.sh.out" "--set adaptor.image.tag=v0.2.6"
LINKERD2_VERSION=edge-24.8.2 dry install-mesh.sh linkerd
has "$tmp/install-mesh.sh.out" "gateway-api/releases/download/v1.1.1/standard-install.yaml"
has "$tmp/install-mesh.sh.out" "install --crds --set installGatewayAPI=false"
LINKERD_SMI_VERSION=0.2.6 dry install-mesh.sh linkerd
has "$tmp/install-mesh.sh.out" "LINKERD_SMI_VERSION=v0.2.6 sh"
dry install-mesh.sh osm
has "$tmp/install-mesh.sh.out" "osm/releases/download/v1.2.4/osm-v1.2.4-linux-amd64.tar.gz"
has "$tmp/install-mesh.sh.out" "--set=osm.enablePermissiveTrafficPolicy=false --set=osm.enableEgress=false"
dry install-mesh.sh istio
has "$tmp/install-mesh.sh.out" "ISTIO_VERSION=1.17.8"
has "$tmp/install-mesh.sh.out" "mode: STRICT"
dry run-suite.sh linkerd smi
has "$tmp/run-suite.sh.out" "$build/conformance/smi-conformance run --platform kube"
has "$tmp/run-suite.sh.out" "--suites $src/suites"
dry delete-cluster.sh smi
# Each SMI release: its CRDs from the built harness, applied before the mesh.
for r in v0.3.0 v0.4.1 v0.5.0; do
    dry install-crds.sh "$r"
    has "$tmp/install-crds.sh.out" "$build/conformance/smi-conformance crds --release $r | kubectl apply -f -"
    has "$tmp/install-crds.sh.out" "kubectl wait --for=condition=Established"
done
has "$tmp/delete-cluster.sh.out" "kind delete cluster --name smi"
[ -e "$tmp/called" ] && fail "a dry run ran a tool: $(cat "$tmp/called")"

# The paths they use exist after a build.
for p in "$build/conformance/smi-conformance" "$src/suites" "$src/fixtures/kube/Dockerfile" \
         "$src/fixtures/kube/harness/job.yaml"; do
    [ -e "$p" ] || fail "missing after the build: $p"
done
# Without SC_BUILD_DIR they run the "default" preset's build.
preset=$(sed -n 's/.*"binaryDir": "${sourceDir}\/\([^"]*\)".*/\1/p' "$src/CMakePresets.json" | head -n1)
PATH="$tmp/bin:$PATH" HOME="$tmp/home" bash "$kind/run-suite.sh" --dry-run linkerd >"$tmp/default.out" 2>&1
has "$tmp/default.out" "$src/$preset/conformance/smi-conformance run"
grep -q 'cmake --preset default' "$kind/ci-example.yaml" &&
    grep -q 'cmake --build --preset default' "$kind/ci-example.yaml" ||
    fail "ci-example.yaml does not build with the default preset"
# An unknown mesh, or SMI release, is refused.
PATH="$tmp/bin:$PATH" bash "$kind/install-mesh.sh" --dry-run nomesh >/dev/null 2>&1
[ $? -eq 2 ] || fail "install-mesh.sh accepted an unknown mesh"
PATH="$tmp/bin:$PATH" bash "$kind/install-crds.sh" --dry-run v0.9.9 >/dev/null 2>&1
[ $? -eq 2 ] || fail "install-crds.sh accepted an unknown SMI release"

# The CI matrix: lib.sh's releases (each one `crds --release` prints) x lib.sh's meshes (each
# one install-mesh.sh installs), and the example parses as YAML with exactly that matrix.
# shellcheck disable=SC2016  # expanded by bash, which lib.sh is written for
releases=$(bash -c '. "$1/lib.sh" && echo "$smi_releases"' lib "$kind")
# shellcheck disable=SC2016
meshes=$(bash -c '. "$1/lib.sh" && echo "$kind_meshes"' lib "$kind")
if [ -z "$releases" ] || [ -z "$meshes" ]; then
    fail "lib.sh lists no SMI releases or meshes"
fi
for r in $releases; do
    "$build/conformance/smi-conformance" crds --release "$r" 2>&1 | grep -q "kind: CustomResourceDefinition" ||
        fail "smi-conformance crds --release $r prints no CRD"
done
for m in $meshes; do
    grep -q "^$m) ${m}_install ;;" "$kind/install-mesh.sh" || fail "install-mesh.sh does not install $m"
done
if python3 -c 'import yaml' 2>/dev/null; then
    python3 - "$kind/ci-example.yaml" "$releases" "$meshes" <<'PY' >"$tmp/yaml.out" 2>&1 ||
import sys, yaml
doc = yaml.safe_load(open(sys.argv[1]))
m = doc["jobs"]["conformance"]["strategy"]["matrix"]
want = {"release": sys.argv[2].split(), "mesh": sys.argv[3].split()}
got = {k: [str(v) for v in m.get(k, [])] for k in want}
if got != want or set(m) != set(want):
    sys.exit("matrix %s, not %s" % (m, want))
steps = " ".join(str(s.get("run", "")) for s in doc["jobs"]["conformance"]["steps"])
for need in ("install-crds.sh ${{ matrix.release }}", "install-mesh.sh ${{ matrix.mesh }}",
             "run-suite.sh ${{ matrix.mesh }}"):
    if need not in steps:
        sys.exit("no step runs " + need)
PY
        fail "ci-example.yaml: $(cat "$tmp/yaml.out")"
else
    echo "check_kind_dry_run: python3 with PyYAML not found: ci-example.yaml not parsed"
fi

if command -v shellcheck >/dev/null 2>&1; then
    (cd "$src" && shellcheck -x scripts/kind/*.sh) >"$tmp/sc.out" 2>&1 ||
        fail "shellcheck: $(cat "$tmp/sc.out")"
fi
[ "$fails" -eq 0 ] && echo "check_kind_dry_run: ok"
exit "$((fails > 0))"
