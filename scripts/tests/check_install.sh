#!/bin/sh
# check_install.sh BUILD_DIR - the installed tree runs with no checkout: install into a
# temporary root (DESTDIR, prefix /usr), then from a folder with no suites in it, the installed
# smi-conformance prints its version, lists the installed suites and passes a short local run
# with the installed smi-refmesh and smi-fixture. Then the Debian package (cpack -G DEB): its
# declared dependencies and files, and the same run from its unpacked content.
build=$1
tmp=$(mktemp -d) || exit 1
# shellcheck disable=SC2317 # called by the trap
cleanup() { rm -rf "$tmp"; }
trap cleanup EXIT
fail() { echo "FAIL: $*"; exit 1; }

# try ROOT: the checks on the tree under ROOT/usr
try() {
  root=$1
  bin=$root/usr/bin/smi-conformance
  for p in smi-conformance smi-fixture smi-refmesh; do
    [ -x "$root/usr/bin/$p" ] || fail "$root/usr/bin/$p is not installed"
  done
  [ -f "$root/usr/share/smi-conformance/suites/profiles/osm.yaml" ] || fail "no profiles installed"
  mkdir -p "$tmp/elsewhere"
  cd "$tmp/elsewhere" || exit 1
  "$bin" --version | grep -q '^smi-conformance [0-9]' || fail "--version: $("$bin" --version)"
  "$bin" list >"$tmp/list" 2>&1 || fail "list: $(tail -3 "$tmp/list")"
  grep -q 'access-deny-by-default' "$tmp/list" || fail "list shows no installed test"
  rm -rf "$tmp/r"
  env -u SC_SUITES PATH=/usr/bin:/bin "$bin" run -q --report-dir "$tmp/r" \
    --focus '^access-deny-by-default \[v1alpha3\]$' >"$tmp/run" 2>&1 ||
    fail "run from $root: $(tail -5 "$tmp/run")"
  want=$(realpath "$root/usr/share/smi-conformance/suites")
  files=$(jq -r '.tests[].file' "$tmp/r/results.json") || fail "results.json unreadable"
  [ -n "$files" ] || fail "no test in results.json"
  for f in $files; do
    case $(realpath "$f") in "$want"/*) ;; *) fail "the run used $f, not the installed suites" ;; esac
  done
  # the results schema is installed for other readers, and is the one the program checks with
  schema=$root/usr/share/smi-conformance/results.schema.json
  "$bin" validate --results-schema | cmp -s - "$schema" ||
    fail "share/smi-conformance/results.schema.json is missing or not the built-in schema"
  "$bin" validate --results -q "$tmp/r/results.json" >"$tmp/val" 2>&1 ||
    fail "validate --results: $(tail -3 "$tmp/val")"
  cd - >/dev/null || exit 1
}

DESTDIR="$tmp/root" cmake --install "$build" --prefix /usr >"$tmp/install.log" 2>&1 ||
  fail "cmake --install: $(tail -5 "$tmp/install.log")"
try "$tmp/root"
echo "install tree: runs from $tmp/root/usr with no checkout"

if ! command -v dpkg-deb >/dev/null || ! command -v dpkg-shlibdeps >/dev/null; then
  echo "no dpkg-deb/dpkg-shlibdeps: the package is not checked"
  exit 0
fi
(cd "$build" && cpack -G DEB -B "$tmp/pkg" >"$tmp/cpack.log" 2>&1) ||
  fail "cpack -G DEB: $(tail -5 "$tmp/cpack.log")"
deb=$(find "$tmp/pkg" -maxdepth 1 -name "smi-conformance_*.deb" | head -1)
[ -n "$deb" ] || fail "cpack made no smi-conformance_*.deb: $(ls "$tmp/pkg")"
deps=$(dpkg-deb -f "$deb" Depends)
for lib in libcurl libssl libcjson libyaml libuv; do
  echo "$deps" | grep -q "$lib" || fail "the package does not depend on $lib: $deps"
done
dpkg-deb -x "$deb" "$tmp/deb" || fail "dpkg-deb -x"
try "$tmp/deb"
echo "package: $(basename "$deb"), Depends: $deps"
