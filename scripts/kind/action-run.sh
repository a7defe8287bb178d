#!/usr/bin/env bash
# action-run.sh - the run step of the composite GitHub Action (action.yml at the repository
# root): for each SMI release, a fresh kind cluster (or the cluster of a given kubeconfig), the
# release's CRDs, the mesh, the suite; then the summary as step outputs and a Markdown table.
# Usage: scripts/kind/action-run.sh [--dry-run]
# Reads its inputs from the environment (action.yml passes them so, never spliced into shell
# text): SC_MESH (required), SC_SMI_RELEASES (space-separated; empty: the CRDs the cluster
# already serves), SC_KUBECONFIG (empty: kind), SC_CONTEXT, SC_CLUSTER_NAME (default smi),
# SC_REPORT_DIR (default smi-conformance-reports), SC_EXTRA_ARGS (more `smi-conformance run`
# options, split on blanks), SC_SETUP_COMMAND (run instead of install-mesh.sh, e.g. a vendor's
# own build of its mesh), SC_INSTALL_MESH (auto|true|false; auto: with kind only),
# SC_KEEP_CLUSTER (true: leave the kind clusters).
# Writes passed, failed, skipped, errors, total, exit-code, outcome and summary to
# $GITHUB_OUTPUT and a table to $GITHUB_STEP_SUMMARY (stdout when unset). Exit status 0: the
# runs finished, whatever they found (the action fails afterwards, once the reports are
# uploaded); 2: the inputs are wrong.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=scripts/kind/lib.sh
. "$here/lib.sh"
parse_dry_run "$@"
shift "$shifted"
dry=()
[ "$dry_run" = 1 ] && dry=(--dry-run)

die() {
    echo "action-run.sh: $*" >&2
    exit 2
}
mesh="${SC_MESH:?action-run.sh: SC_MESH (the mesh input of the action) is required}"
releases="${SC_SMI_RELEASES-}"
kubeconfig="${SC_KUBECONFIG:-}"
name="${SC_CLUSTER_NAME:-smi}"
reports="${SC_REPORT_DIR:-smi-conformance-reports}"
install_mesh="${SC_INSTALL_MESH:-auto}"
extra=()
read -r -a extra <<<"${SC_EXTRA_ARGS:-}"
for r in $releases; do
    case " $smi_releases " in *" $r "*) ;; *) die "unknown SMI release '$r' ($smi_releases)" ;; esac
done
case "$install_mesh" in
auto) if [ -z "$kubeconfig" ]; then install_mesh=true; else install_mesh=false; fi ;;
true | false) ;;
*) die "install-mesh is auto, true or false, not '$install_mesh'" ;;
esac
if [ -n "$kubeconfig" ]; then
    [ -f "$kubeconfig" ] || [ "$dry_run" = 1 ] || die "no kubeconfig file '$kubeconfig'"
    # One cluster: its CRDs can be set up for one release only.
    [ "$(wc -w <<<"$releases")" -le 1 ] || die "a kubeconfig cluster takes one SMI release"
    export KUBECONFIG="$kubeconfig"
fi

total=0 passed=0 failed=0 skipped=0 errors=0 worst=0
table="| SMI release | mesh | passed | failed | skipped | errors | exit |
|---|---|---|---|---|---|---|"

# count RESULTS_JSON FIELD: a summary count of one run (0 when there is none)
count() {
    if [ -f "$1" ]; then jq -r ".summary.$2 // 0" "$1" 2>/dev/null || echo 0; else echo 0; fi
}

# one RELEASE: set up the cluster, run the suite, add its counts
one() {
    local r="$1" label="${1:-served}" dir status=0 cluster="$name"
    dir="$reports/$label-$mesh"
    # several releases on kind: a cluster each (kind names: lowercase letters, digits, '-')
    if [ -z "$kubeconfig" ] && [ "$(wc -w <<<"$releases")" -gt 1 ]; then
        cluster="$name-${r//./-}"
    fi
    if [ -z "$kubeconfig" ]; then
        bash "$here/create-cluster.sh" "${dry[@]}" "$cluster"
    fi
    if [ -n "$r" ]; then
        bash "$here/install-crds.sh" "${dry[@]}" "$r"
    fi
    if [ -n "${SC_SETUP_COMMAND:-}" ]; then
        run bash -o pipefail -ec "$SC_SETUP_COMMAND"
    elif [ "$install_mesh" = true ]; then
        bash "$here/install-mesh.sh" "${dry[@]}" "$mesh"
    fi
    if [ -z "$kubeconfig" ]; then
        REPORT_DIR="$dir" bash "$here/run-suite.sh" "${dry[@]}" "$mesh" "$cluster" "${extra[@]}" ||
            status=$?
        if [ "${SC_KEEP_CLUSTER:-false}" != true ]; then
            bash "$here/delete-cluster.sh" "${dry[@]}" "$cluster"
        fi
    else
        local ctx=()
        [ -n "${SC_CONTEXT:-}" ] && ctx=(--context "$SC_CONTEXT")
        run mkdir -p "$dir"
        run "$smi_conformance" run --platform kube --kubeconfig "$kubeconfig" "${ctx[@]}" \
            --mesh "$mesh" --suites "$root/suites" --report-dir "$dir" "${extra[@]}" || status=$?
    fi
    local j="$dir/results.json" p f s e t
    p=$(count "$j" passed) f=$(count "$j" failed) s=$(count "$j" skipped)
    e=$(count "$j" errors) t=$(count "$j" total)
    passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + s))
    errors=$((errors + e)) total=$((total + t))
    table+=$'\n'"| $label | $mesh | $p | $f | $s | $e | $status |"
    # the worst status wins: 2 (could not run) over 1 (a test failed) over 0
    if [ "$status" -eq 2 ] || { [ "$status" -ne 0 ] && [ "$worst" -ne 2 ]; }; then
        worst=$status
    fi
}

if [ -z "$releases" ]; then
    one ""
else
    for r in $releases; do one "$r"; done
fi

case "$worst" in 0) outcome=passed ;; 1) outcome=failed ;; *) outcome=error ;; esac
[ "$dry_run" = 1 ] && outcome="dry-run"
summary="$outcome: $passed passed, $failed failed, $skipped skipped, $errors errors of $total"
out="${GITHUB_OUTPUT:-/dev/stdout}"
{
    echo "passed=$passed"
    echo "failed=$failed"
    echo "skipped=$skipped"
    echo "errors=$errors"
    echo "total=$total"
    echo "exit-code=$worst"
    echo "outcome=$outcome"
    echo "summary=$summary"
} >>"$out"
printf "### SMI conformance: %s\n\n%s\n\nReports: \`%s\`\n" "$summary" "$table" "$reports" \
    >>"${GITHUB_STEP_SUMMARY:-/dev/stdout}"
