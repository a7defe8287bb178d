#!/bin/sh
# junit_reader.sh BIN TESTS_DIR - our JUnit XML as CI readers see it: parsed by junitparser
# (Debian's python3-junitparser) and checked against the JUnit XSD's rules. Exit 77 (skipped)
# without them.
set -u
bin=$1
dir=$2
py=/usr/bin/python3
[ -x "$py" ] || py=$(command -v python3 || true)
if [ -z "$py" ] || ! "$py" -c 'import junitparser' 2>/dev/null; then
    echo "SKIP: python3-junitparser is not installed (Debian package 'python3-junitparser')"
    exit 77
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$bin" report -q --junit "$tmp/mixed.xml" "$dir/data/mixed.json" || exit 1
"$bin" report -q --junit "$tmp/passing.xml" "$dir/data/passing.json" || exit 1
"$bin" report -q --junit "$tmp/errors.xml" "$dir/data/with-errors.json" || exit 1
exec "$py" "$dir/junit_reader.py" "$tmp/mixed.xml" "$tmp/passing.xml" "$tmp/errors.xml"
