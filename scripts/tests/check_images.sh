#!/bin/sh
# check_images.sh SOURCE_DIR BUILD_DIR - the images' Dockerfiles pass scripts/check-images (the
# lint, and their build stages run on this host against BUILD_DIR, an existing build), and
# check-images can fail: broken copies are refused, each by the rule it breaks (a root USER,
# no --no-install-recommends, apt lists kept, a pipe without pipefail, a compiler in the final
# stage, an untagged base, a runtime library left out of the final stage).
set -u
src=$1
build=$2
fails=0
fail() { echo "check_images: $*" >&2; fails=$((fails + 1)); }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
ci="$src/scripts/check-images"
fixture="$src/fixtures/kube/Dockerfile"

"$ci" --build-dir "$build" >"$tmp/ok.out" 2>&1 || fail "the Dockerfiles fail: $(cat "$tmp/ok.out")"
grep -q "libhttp-parser2.9" "$tmp/ok.out" ||
    fail "no program was found to need libhttp-parser2.9: $(cat "$tmp/ok.out")"

# broken NAME RULE MODE SED...: a copy of the fixture's Dockerfile edited by sed, which
# check-images (MODE: --lint-only or --build-dir) must refuse, naming RULE
broken() {
    name=$1 rule=$2 mode=$3
    shift 3
    sed "$@" "$fixture" >"$tmp/$name.Dockerfile"
    cmp -s "$fixture" "$tmp/$name.Dockerfile" && fail "$name: the edit changed nothing"
    if [ "$mode" = --lint-only ]; then
        "$ci" --lint-only "$tmp/$name.Dockerfile" >"$tmp/$name.out" 2>&1
    else
        "$ci" --build-dir "$build" "$tmp/$name.Dockerfile" >"$tmp/$name.out" 2>&1
    fi
    rc=$?
    [ "$rc" -eq 1 ] || fail "$name: check-images exited $rc, not 1: $(cat "$tmp/$name.out")"
    grep -q " $rule error" "$tmp/$name.out" || fail "$name: no $rule: $(cat "$tmp/$name.out")"
}
broken root-user DL3002 --lint-only 's/^USER 10001:10001$/USER root/'
broken recommends DL3015 --lint-only 's/ --no-install-recommends//'
broken apt-lists DL3009 --lint-only 's|rm -rf /var/lib/apt/lists/\*|true|'
broken pipe DL4006 --lint-only \
    's|^ && rm -rf /var/lib/apt/lists/\*$| \&\& dpkg -l \| wc -l \&\& rm -rf /var/lib/apt/lists/*|'
broken compiler SCI005 --lint-only 's/libuv1 libhttp-parser2.9 /libuv1 gcc libhttp-parser2.9 /'
broken untagged DL3006 --lint-only 's/^FROM debian:12-slim$/FROM debian/'
broken no-http-parser SCI016 --build-dir 's/libuv1 libhttp-parser2.9 /libuv1 /'

[ "$fails" -eq 0 ] && echo "check_images: ok"
exit "$((fails > 0))"
