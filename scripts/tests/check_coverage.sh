#!/bin/sh
# check_coverage.sh SCRIPTS_DIR SUITES_DIR - check-coverage can fail: in a scratch tree, a
# matrix naming a test that does not exist, citing a decision not written down, listing an id
# twice, a row without any reference and a suite test traced by no row are each named with
# FILE:LINE; the same matrix made right passes. Then the real matrix passes.
set -u
scripts=$1
suites=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0
fail() { echo "check_coverage: $*" >&2; fails=$((fails + 1)); }

mkdir -p "$tmp/scripts" "$tmp/suites/access" "$tmp/suites/split"
cp "$scripts/check-coverage" "$tmp/scripts/"
printf 'name: access-a\narea: access\n' >"$tmp/suites/access/a.yaml"
printf 'name: access-b\narea: access\n' >"$tmp/suites/access/b.yaml"
printf 'name: split-c\narea: split\n' >"$tmp/suites/split/c.yaml"
printf 'add_test(NAME test_unit COMMAND true)\n' >"$tmp/CMakeLists.txt"
cat >"$tmp/suites/M.md" <<'M'
| id | versions | statement | must | tests |
|---|---|---|---|---|
| ACC-1 | 1-3 | "denied by default" | deny | `access-a`, `access-missing` |
| ACC-2 | 1-3 | "x" | admit | `decision:D-9` |
| ACC-1 | 1-3 | "again" | admit | `access-b` |
| SPL-1 | 1-4 | "no refs" | route | nothing |
### D-1 a decision
M
out=$(cd "$tmp" && scripts/check-coverage suites/M.md suites 2>&1); rc=$?
[ $rc -eq 1 ] || fail "exited $rc on a broken matrix, expected 1"
for want in "suites/M.md:3: ACC-1: no suite test named access-missing" \
            "suites/M.md:4: ACC-2: decision D-9 is not written down" \
            "suites/M.md:5: statement ACC-1 listed twice (first at line 3)" \
            "suites/M.md:6: SPL-1: no test, decision or deferral listed" \
            "suites/M.md:1: suite test split-c traces to no statement"; do
  case "$out" in *"$want"*) ;; *) fail "missing '$want' in: $out" ;; esac
done
cat >"$tmp/suites/M.md" <<'M'
| ACC-1 | 1-3 | "denied by default" | deny | `access-a`, `unit:test_unit` |
| ACC-2 | 1-3 | "x" | admit | `decision:D-1`, `access-b` |
| SPL-1 | 1-4 | "y" | route | `split-c`, `deferred:issue-9` |
### D-1 a decision
M
out=$(cd "$tmp" && scripts/check-coverage suites/M.md suites 2>&1); rc=$?
[ $rc -eq 0 ] || fail "exited $rc on a right matrix, expected 0: $out"
case "$out" in *"SPL-1: deferred to issue-9"*) ;; *) fail "deferral not printed: $out" ;; esac

out=$("$scripts/check-coverage" "$suites/SPEC-COVERAGE.md" "$suites" 2>&1); rc=$?
[ $rc -eq 0 ] || fail "the real matrix fails ($rc): $out"
[ $fails -eq 0 ] && echo "check_coverage: ok"
exit $fails
