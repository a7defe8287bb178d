#!/bin/sh
# schema_ajv.sh BIN REPORTERS_DIR SUITES BUILD_DIR - results.schema.json read by another
# validator: Ajv (ajv-cli 5, npm) compiles it as draft 2020-12 in strict mode (so it is valid
# JSON Schema, not only valid for our validator), accepts what the harness writes (the samples
# and a real local run) and refuses the mutated copies our validator refuses. ajv-cli is
# installed into BUILD_DIR/ajv (never the source tree); exit 77 (ctest: skipped) when npm or
# the registry cannot be reached.
set -u
bin=$1 rdir=$2 suites=$3 build=$4
schema=$rdir/results.schema.json
ajv_dir=$build/ajv
ajv=$ajv_dir/node_modules/.bin/ajv

if ! command -v jq >/dev/null 2>&1; then
  echo "SKIP: jq is not installed (Debian package 'jq')"
  exit 77
fi
if [ ! -x "$ajv" ]; then
  if ! command -v npm >/dev/null 2>&1; then
    echo "SKIP: npm is not installed (Debian package 'npm')"
    exit 77
  fi
  mkdir -p "$ajv_dir" || exit 1
  if ! timeout 180 npm install --prefix "$ajv_dir" --no-save --no-audit --no-fund \
    ajv-cli@5 >"$ajv_dir/npm.log" 2>&1; then
    echo "SKIP: cannot install ajv-cli from the npm registry:"
    tail -3 "$ajv_dir/npm.log"
    exit 77
  fi
fi

tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

# Strict mode refuses unknown keywords, ambiguous types and the like: a schema that passes is
# one every draft 2020-12 validator reads the same way.
"$ajv" compile --spec=draft2020 --strict=true -s "$schema" >"$tmp/out" 2>&1 ||
  fail "ajv does not compile the schema: $(cat "$tmp/out")"

# What the harness writes: the samples and a real short local run (passes and a skip).
"$bin" run --suites "$suites" -q --parallel 2 --report-dir "$tmp/run" \
  --focus 'access-destination-port|split-uneven-20-80|metrics-latency-percentiles' \
  >"$tmp/out" 2>&1 || fail "the local run failed: $(tail -3 "$tmp/out")"
for f in "$rdir"/tests/data/*.json "$rdir"/tests/golden/*.json "$tmp/run/results.json"; do
  if ! "$ajv" validate --spec=draft2020 --strict=true --all-errors -s "$schema" -d "$f" \
    >"$tmp/out" 2>&1; then
    fail "ajv refuses $f: $(cat "$tmp/out")"
  fi
done

# Mutated copies: Ajv and `validate --results` both refuse each one.
src=$rdir/tests/data/with-errors.json
jq '.tests[3].result = "pased"' "$src" >"$tmp/enum.json"
jq 'del(.tests[1].name)' "$src" >"$tmp/required.json"
jq '.summary.total = "5"' "$src" >"$tmp/type.json"
jq '.tests[0].assertions[0].colour = "green"' "$src" >"$tmp/extra.json"
jq '.startTime = "2025-12-02 09:15:00"' "$src" >"$tmp/pattern.json"
jq '.tests[0].assertions[0].latency = {"unit": "ms", "client": {}, "mesh": {}}' "$src" \
  >"$tmp/latency.json"
for m in enum required type extra pattern latency; do
  f=$tmp/$m.json
  if "$ajv" validate --spec=draft2020 --strict=true -s "$schema" -d "$f" >/dev/null 2>&1; then
    fail "ajv accepts the mutated copy $m.json"
  fi
  "$bin" validate --results -q "$f" 2>/dev/null
  rc=$?
  [ "$rc" -eq 1 ] || fail "validate --results exits $rc (not 1) for the mutated copy $m.json"
done

[ "$fails" -eq 0 ] && echo "schema_ajv: ajv agrees with the schema and with validate --results"
[ "$fails" -eq 0 ]
