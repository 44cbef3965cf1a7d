#!/usr/bin/env bash
# Release artefacts in dist/release (or --out DIR): the four npm tarballs
# (npm pack of each workspace package), the standalone single-file k8s-pki
# (k8s-pki-standalone-<version>.mjs: .mjs so that Node reads it as ESM under
# this name too; needs only Node >= 20.19) and SHA256SUMS over all of them, in the format
# `sha256sum -c SHA256SUMS` checks. Builds first unless --no-build.
# Usage: scripts/release.sh [--no-build] [--out DIR]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

out=dist/release
build=1
while [ $# -gt 0 ]; do
  case "$1" in
    --no-build) build=0; shift ;;
    --out) out=${2:?--out needs a folder}; shift 2 ;;
    *) echo "release.sh: unknown argument $1 (usage: scripts/release.sh [--no-build] [--out DIR])" >&2; exit 2 ;;
  esac
done

# From empty dist folders: tsc -b never deletes the output of a source file
# that was removed, and a tarball would ship it.
if [ "$build" = 1 ]; then
  rm -rf packages/*/dist
  npm run -s build
fi
[ -f packages/cli/dist/k8s-pki ] || { echo "release.sh: packages/cli/dist/k8s-pki is missing: run npm run build" >&2; exit 1; }
version=$(node -p 'require("./packages/cli/package.json").version')

# Made in a sibling folder and swapped in whole, so a failed run never leaves
# a mix of old and new artefacts under one SHA256SUMS.
mkdir -p "$(dirname "$out")"
out="$(cd "$(dirname "$out")" && pwd)/$(basename "$out")"
next="$out.next.$$"
rm -rf "$next"
trap 'rm -rf "$next"' EXIT
mkdir -p "$next"
for p in pki bootstrap deploy cli; do
  (cd "packages/$p" && npm pack --silent --pack-destination "$next" >/dev/null)
done
install -m 0755 packages/cli/dist/k8s-pki "$next/k8s-pki-standalone-$version.mjs"
(cd "$next" && sha256sum -- *.tgz "k8s-pki-standalone-$version.mjs" > SHA256SUMS.tmp && mv SHA256SUMS.tmp SHA256SUMS)
rm -rf "$out"
mv "$next" "$out"
trap - EXIT
echo "release $version in $out:" >&2
(cd "$out" && ls -l) >&2
