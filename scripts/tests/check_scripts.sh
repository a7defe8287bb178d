#!/bin/sh
# check_scripts.sh SCRIPTS_DIR - the source checks can fail: in a scratch tree, check-layers
# names an upward include, an include of a platform's private header and a relative include,
# and check-size names a long file and a long function; the same tree made right passes both.
set -u
scripts=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0
fail() { echo "check_scripts: $*" >&2; fails=$((fails + 1)); }

mkdir -p "$tmp/scripts" "$tmp/conformance/base" "$tmp/conformance/run" "$tmp/conformance/cli" \
         "$tmp/conformance/platform/local" "$tmp/fixtures/server"
cp "$scripts/check-layers" "$scripts/check-size" "$tmp/scripts/"
cd "$tmp" || exit 1
git init -q .
printf '#include "run/runner.h"\n' >conformance/base/err.c          # base -> run: up
printf '#include "platform/local/local.h"\n' >conformance/cli/x.c   # private part of platform
printf '#include "../base/err.h"\n' >conformance/run/y.c            # relative
printf '#include "run/results.h"\n' >fixtures/server/z.c            # a fixture above agent
printf '#include "base/err.h"\n#include "platform/platform.h"\n' >conformance/run/ok.c
awk 'BEGIN { for (i = 0; i < 801; i++) print "int x" i ";" }' >conformance/run/long.c
{ echo "int f(void)"; echo "{"; awk 'BEGIN { for (i = 0; i < 121; i++) print "    ;" }'; echo "}"; } \
  >conformance/run/fn.c

out=$(scripts/check-layers 2>&1); rc=$?
[ $rc -eq 1 ] || fail "check-layers exited $rc on upward includes, expected 1"
for want in "conformance/base/err.c:1: layer base includes \"run/runner.h\"" \
            "conformance/cli/x.c:1: layer cli includes \"platform/local/local.h\"" \
            "conformance/run/y.c:1: includes \"../base/err.h\" by a relative path" \
            "fixtures/server/z.c:1: layer fixtures includes \"run/results.h\""; do
  echo "$out" | grep -qF "$want" || fail "check-layers did not say: $want"
done
echo "$out" | grep -q "conformance/run/ok.c" && fail "check-layers flagged a downward include"

out=$(scripts/check-size 2>&1); rc=$?
[ $rc -eq 1 ] || fail "check-size exited $rc on a long file and function, expected 1"
echo "$out" | grep -qF "conformance/run/long.c:1: 801 lines" || fail "check-size missed the long file"
echo "$out" | grep -qF "conformance/run/fn.c:1: function f has 121 lines" ||
  fail "check-size missed the long function"

# The same tree, made right, passes.
printf '#include "base/log.h"\n' >conformance/base/err.c
printf '#include "platform/platform.h"\n' >conformance/cli/x.c
printf '#include "base/err.h"\n' >conformance/run/y.c
printf '#include "load/result.h"\n' >fixtures/server/z.c
rm conformance/run/long.c conformance/run/fn.c
scripts/check-layers >/dev/null 2>&1 || fail "check-layers failed a tree whose includes point down"
scripts/check-size >/dev/null 2>&1 || fail "check-size failed a tree within the limits"

[ $fails -eq 0 ] && echo "check_scripts: all checks passed"
[ $fails -eq 0 ]
