#!/bin/sh
# check_lint_ci.sh SOURCE_DIR - the CI lint of the GitHub Action can fail: action.yml and the
# kind workflow example pass scripts/lint-actions, and broken copies are refused, each for what
# it breaks (a run step with no shell, an undeclared input, an output from no step, a step
# reference before the step, an expression inside a run script; in the workflow a matrix key
# that is not in the matrix, the action's required input left out, an input it does not have;
# and, when npm can install action-validator, what only the schema sees: a misspelt
# runs.using, an output with no value). shellcheck refuses a broken script the way
# scripts/lint-ci runs it.
# shellcheck disable=SC2016 # the edits below hold GitHub's literal ${{ }}, not the shell's $
set -u
src=$1
fails=0
fail() { echo "check_lint_ci: $*" >&2; fails=$((fails + 1)); }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
lint="$src/scripts/lint-actions"

"$lint" >"$tmp/ok.out" 2>&1 || fail "action.yml or ci-example.yaml fails: $(cat "$tmp/ok.out")"
schema=1
grep -q "no schema check" "$tmp/ok.out" && schema=0

# broken KIND NAME WANT PYTHON: a copy of action.yml (KIND action) or of the example workflow
# (KIND workflow) changed by the Python expression PYTHON (on s, the text), which lint-actions
# must refuse, printing WANT. The copy of the action sits beside a link to scripts/, as the
# real one does.
broken() {
    kind=$1 name=$2 want=$3 expr=$4
    d="$tmp/$name"
    mkdir -p "$d"
    ln -s "$src/scripts" "$d/scripts"
    if [ "$kind" = action ]; then from="$src/action.yml" to="$d/action.yml"; else
        from="$src/scripts/kind/ci-example.yaml" to="$d/workflow.yaml"
    fi
    python3 -c 'import sys
s = open(sys.argv[1]).read()
t = eval(sys.argv[3])
open(sys.argv[2], "w").write(t)
sys.exit(t == s)' "$from" "$to" "$expr" || fail "$name: the edit changed nothing"
    "$lint" "$to" >"$tmp/$name.out" 2>&1
    rc=$?
    [ "$rc" -eq 1 ] || fail "$name: lint-actions exited $rc, not 1: $(cat "$tmp/$name.out")"
    grep -qF -- "$want" "$tmp/$name.out" ||
        fail "$name: does not say '$want': $(cat "$tmp/$name.out")"
}
broken action no-shell "must name its shell" \
    's.replace("      shell: bash\n      env:\n        SC_SETUP_MINIMAL", "      env:\n        SC_SETUP_MINIMAL", 1)'
broken action bad-input "inputs.meshh is not declared" \
    's.replace("SC_MESH: ${{ inputs.mesh }}", "SC_MESH: ${{ inputs.meshh }}")'
broken action bad-output "steps.runn is no step of the action" \
    's.replace("steps.run.outputs.passed", "steps.runn.outputs.passed")'
broken action later-step "steps.upload is not an earlier step" \
    's.replace("CODE: ${{ steps.run.outputs.exit-code }}", "CODE: ${{ steps.upload.outputs.artifact-id }}").replace("      id: upload\n", "").replace("    - name: Fail on a failed run\n", "    - name: Fail on a failed run\n      id: upload\n")'
broken action expr-in-run "inside the run script" \
    's.replace("run: bash \"$GITHUB_ACTION_PATH/scripts/setup\"", "run: echo ${{ inputs.mesh }}")'
broken action no-script "runs scripts/kind/action-run.shx, which is not there" \
    's.replace("scripts/kind/action-run.sh\"", "scripts/kind/action-run.shx\"")'
broken workflow bad-matrix "matrix.meshes is not in its matrix" \
    's.replace("mesh: ${{ matrix.mesh }}", "mesh: ${{ matrix.meshes }}")'
broken workflow no-mesh "required input mesh is not given" \
    's.replace("          mesh: ${{ matrix.mesh }}\n", "")'
broken workflow unknown-input "the action has no input smi-release" \
    's.replace("smi-releases:", "smi-release:")'
if [ "$schema" = 1 ]; then
    broken action schema-using "action-validator (schema)" \
        's.replace("using: composite", "using: composit")'
    broken action schema-value "action-validator (schema)" \
        's.replace("    value: ${{ steps.run.outputs.summary }}\n", "", 1)'
else
    echo "check_lint_ci: no action-validator (npm): the schema cases are not checked"
fi

# As lint-ci runs it, shellcheck refuses a script with an unquoted expansion
if command -v shellcheck >/dev/null; then
    printf '#!/bin/sh\nrm -rf $1/tmp\n' >"$tmp/bad.sh"
    shellcheck -x "$tmp/bad.sh" >"$tmp/sc.out" 2>&1 && fail "shellcheck passed an unquoted \$1"
    grep -q SC2086 "$tmp/sc.out" || fail "shellcheck did not name SC2086: $(cat "$tmp/sc.out")"
fi

[ "$fails" -eq 0 ] && echo "check_lint_ci: ok"
exit "$((fails > 0))"
