#!/bin/sh
# check_kind_dry_run.sh SOURCE_DIR BUILD_DIR - the kind scripts, checkable here without Docker or
# a cluster: each one's --dry-run runs nothing, exits 0 and prints its commands with the pinned
# versions and URLs; the paths they use exist after a build (the smi-conformance they run, the
# suites, the fixture's Dockerfile); their default build directory is the "default" CMake
# preset's, which the action (action.yml) builds; the action's run step (action-run.sh) sets
# up a kind cluster per release, or uses a given kubeconfig, and writes its outputs; the CI
# example parses as YAML, uses the action and is a matrix over exactly the SMI releases
# `crds --release` prints and the meshes install-mesh.sh installs; and, when it is installed,
# that shellcheck finds nothing.
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
# The action's run step: for each release a kind cluster, its CRDs, the mesh, the suite,
# the cluster deleted; or, with a kubeconfig, the run on that cluster; then the outputs.
SC_MESH=osm SC_SMI_RELEASES=v0.5.0 SC_EXTRA_ARGS="--focus access --parallel 2" \
    dry action-run.sh
out="$tmp/action-run.sh.out"
has "$out" "kind create cluster --name smi --image"
has "$out" "$build/conformance/smi-conformance crds --release v0.5.0 | kubectl apply -f -"
has "$out" "--set=osm.enablePermissiveTrafficPolicy=false"
has "$out" "$build/conformance/smi-conformance run --platform kube"
has "$out" "--mesh osm --suites $src/suites --report-dir smi-conformance-reports/v0.5.0-osm"
has "$out" "v0.5.0-osm --focus access --parallel 2"
has "$out" "kind delete cluster --name smi"
has "$out" "outcome=dry-run"
has "$out" "| v0.5.0 | osm | 0 | 0 | 0 | 0 | 0 |"
SC_MESH=linkerd SC_SMI_RELEASES="v0.4.1 v0.5.0" SC_KEEP_CLUSTER=true dry action-run.sh
has "$out" "kind create cluster --name smi-v0-4-1"
has "$out" "kind create cluster --name smi-v0-5-0"
grep -q "kind delete cluster" "$out" && fail "action-run.sh deleted a cluster it was to keep"
SC_MESH=istio SC_SMI_RELEASES='' SC_KUBECONFIG=/x/kc SC_CONTEXT=ctx SC_SETUP_COMMAND="make mesh" \
    dry action-run.sh
has "$out" "run --platform kube --kubeconfig /x/kc --context ctx --mesh istio"
has "$out" "+ bash -o pipefail -ec make\\ mesh"
grep -q "kind \|install-crds\|crds --release\|istioctl" "$out" &&
    fail "action-run.sh with a kubeconfig and a setup command made a cluster, CRDs or a mesh"
SC_MESH=linkerd SC_SMI_RELEASES=v9 PATH="$tmp/bin:$PATH" bash "$kind/action-run.sh" --dry-run \
    >/dev/null 2>&1
[ $? -eq 2 ] || fail "action-run.sh accepted an unknown SMI release"
[ -e "$tmp/called" ] && fail "a dry run ran a tool: $(cat "$tmp/called")"
# Its outputs are the run's counts: a stand-in harness on a kubeconfig cluster writes a
# results.json (1 passed, 1 failed, 1 skipped) and exits 1.
cat >"$tmp/bin/fake-harness" <<'EOF'
#!/bin/sh
while [ "$1" != --report-dir ]; do shift; done
mkdir -p "$2"
echo '{"summary":{"total":3,"passed":1,"failed":1,"skipped":1}}' >"$2/results.json"
exit 1
EOF
chmod +x "$tmp/bin/fake-harness"
: >"$tmp/kc"
(cd "$tmp" && SC_MESH=osm SC_SMI_RELEASES='' SC_KUBECONFIG="$tmp/kc" SC_EXTRA_ARGS='' \
    SMI_CONFORMANCE="$tmp/bin/fake-harness" GITHUB_OUTPUT="$tmp/gh-out" \
    GITHUB_STEP_SUMMARY="$tmp/gh-summary" bash "$kind/action-run.sh" >"$tmp/real.out" 2>&1) ||
    fail "action-run.sh exited $? after a failed run: $(cat "$tmp/real.out")"
for want in passed=1 failed=1 skipped=1 total=3 exit-code=1 outcome=failed \
    "summary=failed: 1 passed, 1 failed, 1 skipped, 0 errors of 3"; do
    grep -qxF "$want" "$tmp/gh-out" 2>/dev/null || fail "action-run.sh outputs no $want"
done
grep -qF "| served | osm | 1 | 1 | 1 | 0 | 1 |" "$tmp/gh-summary" 2>/dev/null ||
    fail "action-run.sh wrote no summary table row"

# The paths they use exist after a build.
for p in "$build/conformance/smi-conformance" "$src/suites" "$src/fixtures/kube/Dockerfile" \
         "$src/fixtures/kube/harness/job.yaml"; do
    [ -e "$p" ] || fail "missing after the build: $p"
done
# Without SC_BUILD_DIR they run the "default" preset's build.
# shellcheck disable=SC2016 # ${sourceDir} is CMakePresets.json's own text, not a variable
preset=$(sed -n 's/.*"binaryDir": "${sourceDir}\/\([^"]*\)".*/\1/p' "$src/CMakePresets.json" | head -n1)
PATH="$tmp/bin:$PATH" HOME="$tmp/home" bash "$kind/run-suite.sh" --dry-run linkerd >"$tmp/default.out" 2>&1
has "$tmp/default.out" "$src/$preset/conformance/smi-conformance run"
# The action (action.yml, which ci-example.yaml uses) builds the build the scripts run.
if ! grep -q 'cmake --preset default' "$src/action.yml" ||
    ! grep -q 'cmake --build build/default' "$src/action.yml"; then
    fail "action.yml does not build with the default preset"
fi
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
uses = [s for s in doc["jobs"]["conformance"]["steps"]
        if str(s.get("uses", "")).startswith("smi-conformance/smi-conformance@")]
if len(uses) != 1:
    sys.exit("no step uses the smi-conformance action")
w = uses[0].get("with", {})
if w.get("mesh") != "${{ matrix.mesh }}" or w.get("smi-releases") != "${{ matrix.release }}":
    sys.exit("the action is not given the matrix's mesh and release: %s" % w)
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
