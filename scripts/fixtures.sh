#!/usr/bin/env bash
# Builds the real programs the integration tests run (kube-apiserver,
# kube-controller-manager, kubelet, kubectl, etcd, etcdctl, cfssl, cfssljson,
# flannel, prometheus, promtool, coredns, and the container runtime stack:
# containerd, containerd-shim-runc-v2, ctr, runc, crictl and CNI plugins) from
# the Go module proxy into a cache outside the repository, x509read
# (scripts/go/x509read, the differential test's Go oracle) offline, and the
# container images a cluster with no registry imports (component images: OCI
# archives of pause, busybox and CoreDNS, see build_images).
# Each component is built only when its folder is missing, so a warm run
# costs a few stat calls. Usage: scripts/fixtures.sh [component...]
#   components: cfssl etcd kubernetes kubernetes-extra flannel prometheus container-runtime coredns x509read images
#   (default: all)
# scripts/fixtures.sh --dir COMPONENT prints the component's folder without building it.
# Environment: K8S_PKI_BIN_CACHE overrides the cache folder.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=versions.env
. "$here/versions.env"

cache=${K8S_PKI_BIN_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/k8s-pki/bin}
work="$cache/.build"
mkdir -p "$cache" "$work"
export GOFLAGS=${GOFLAGS:--buildvcs=false}
export GOTOOLCHAIN=${GOTOOLCHAIN:-local}

log() { printf '[fixtures] %s\n' "$*" >&2; }
now() { date +%s; }

# build_once NAME FUNC: runs FUNC into a temp folder and renames it into place,
# so an interrupted build never leaves a half-filled component folder behind.
build_once() {
  local name=$1 fn=$2 dest="$cache/$1" t0
  if [ -d "$dest" ]; then
    log "$name: cached in $dest"
    return 0
  fi
  t0=$(now)
  log "$name: building"
  local tmp="$dest.partial.$$"
  rm -rf "$tmp"; mkdir -p "$tmp"
  if ! "$fn" "$tmp"; then
    rm -rf "$tmp"
    log "$name: FAILED after $(( $(now) - t0 ))s"
    return 1
  fi
  mv "$tmp" "$dest"
  log "$name: built in $(( $(now) - t0 ))s ($(du -sh "$dest" | cut -f1))"
}

build_cfssl() {
  GOBIN="$1" go install \
    "github.com/cloudflare/cfssl/cmd/cfssl@$CFSSL_VERSION" \
    "github.com/cloudflare/cfssl/cmd/cfssljson@$CFSSL_VERSION"
}

# wrapper_build DIR TEMPLATE_DIR MODULE VERSION OUT: copies our wrapper main
# and go.mod template, pins MODULE@VERSION and builds one static binary.
wrapper_build() {
  local dir=$1 tpl=$2 mod=$3 ver=$4 out=$5
  rm -rf "$dir"; mkdir -p "$dir"
  cp "$tpl/main.go" "$dir/main.go"
  cp "$tpl/go.mod.tmpl" "$dir/go.mod"
  (cd "$dir" && go get "$mod@$ver" && go mod tidy &&
    CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o "$out" .)
}

build_etcd() {
  wrapper_build "$work/etcd" "$here/go/etcd" go.etcd.io/etcd/server/v3 "$ETCD_VERSION" "$1/etcd"
  wrapper_build "$work/etcdctl" "$here/go/etcdctl" go.etcd.io/etcd/etcdctl/v3 "$ETCD_VERSION" "$1/etcdctl"
  "$1/etcd" --version >&2
}

# kubernetes_module DIR CMD...: a wrapper module in DIR that can build
# k8s.io/kubernetes/cmd/<CMD>. The upstream go.mod replaces every staging
# module with ./staging/...; a dependency's replaces are ignored, so we restate
# them with the published v0.Y.Z tags. The list comes from the go.mod the proxy
# serves, never a copy; godebug lines only bind in the main module, so we copy them.
kubernetes_module() {
  local dir=$1 stg="v0.${KUBERNETES_VERSION#v1.}" gomod n=0 m c tools=()
  shift
  rm -rf "$dir"; mkdir -p "$dir"
  cp "$here/go/kubernetes/go.mod.tmpl" "$dir/go.mod"
  cd "$dir"
  gomod=$(go list -m -json "k8s.io/kubernetes@$KUBERNETES_VERSION" | sed -n 's/.*"GoMod": "\(.*\)".*/\1/p')
  [ -f "$gomod" ] || { log "no go.mod for k8s.io/kubernetes@$KUBERNETES_VERSION"; return 1; }
  for m in $(sed -n 's#^[[:space:]]*\(k8s\.io/[^[:space:]]*\) => \./staging/.*#\1#p' "$gomod"); do
    go mod edit -replace="$m=$m@$stg"; n=$((n + 1))
  done
  log "kubernetes: $n staging replaces at $stg"
  sed -n 's/^godebug \(.*\)$/\1/p' "$gomod" | while read -r kv; do go mod edit -godebug="$kv"; done
  go get "k8s.io/kubernetes@$KUBERNETES_VERSION"
  for c in "$@"; do tools+=("k8s.io/kubernetes/cmd/$c@$KUBERNETES_VERSION"); done
  go get -tool "${tools[@]}"
}

# Version stamps, as upstream's hack/lib/version.sh sets them.
kubernetes_ldflags() {
  local minor=${KUBERNETES_VERSION#v1.} stamp ld="-s -w" p
  minor=${minor%%.*}
  stamp=$(date -u +%Y-%m-%dT%H:%M:%SZ)
  for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    ld="$ld -X $p.gitVersion=$KUBERNETES_VERSION -X $p.gitMajor=1 -X $p.gitMinor=$minor -X $p.gitTreeState=clean -X $p.buildDate=$stamp"
  done
  echo "$ld"
}

# kubernetes_build OUT CGO CMD: builds one command with upstream's tags.
kubernetes_build() {
  local out=$1 cgo=$2 c=$3 t0
  t0=$(now)
  CGO_ENABLED=$cgo go build -trimpath -tags selinux,notest -ldflags "$(kubernetes_ldflags)" -o "$out/$c" "k8s.io/kubernetes/cmd/$c"
  log "kubernetes: $c in $(( $(now) - t0 ))s"
}

build_kubernetes() {
  local out=$1 c
  kubernetes_module "$work/kubernetes" kube-apiserver kube-controller-manager kubelet kubectl
  for c in kube-apiserver kube-controller-manager kubectl; do kubernetes_build "$out" 0 "$c"; done
  # Upstream builds the kubelet with cgo.
  kubernetes_build "$out" 1 kubelet
  "$out/kube-apiserver" --version >&2
}

# kube-scheduler and kube-proxy: only the deploy tests need them (their flags
# are checked against the rendered units), so they are a component of their
# own and an existing kubernetes-<version> cache entry stays valid.
build_kubernetes_extra() {
  local out=$1 c
  kubernetes_module "$work/kubernetes-extra" kube-scheduler kube-proxy
  for c in kube-scheduler kube-proxy; do kubernetes_build "$out" 0 "$c"; done
  "$out/kube-scheduler" --version >&2
}

build_flannel() {
  # `go install flannel@v0.28.x` fails here: its tencentvpc backend needs a
  # tencentcloud-sdk-go zip the module proxy refuses (403). flannel's main
  # package sits at the module root and cannot be imported, so we copy its
  # main package out of the module cache at build time (never into the repo),
  # drop the tencentvpc backend import, and build it in a wrapper module.
  local out=$1 dir="$work/flannel" src
  rm -rf "$dir"; mkdir -p "$dir"
  src=$(go mod download -json "github.com/flannel-io/flannel@$FLANNEL_VERSION" | sed -n 's/.*"Dir": "\(.*\)".*/\1/p')
  [ -d "$src" ] || { log "flannel: module source not found"; return 1; }
  for f in "$src"/*.go; do case $f in *_test.go) ;; *) cp "$f" "$dir/" ;; esac; done
  chmod u+w "$dir"/*.go
  sed -i '/pkg\/backend\/tencentvpc"/d' "$dir/main.go"
  printf 'module k8s-pki.local/flannel-build\n\ngo 1.26.0\n' > "$dir/go.mod"
  # cgo is required on amd64 (the UDP backend's C proxy).
  (cd "$dir" && go mod edit -require="github.com/flannel-io/flannel@$FLANNEL_VERSION" && go mod tidy &&
    CGO_ENABLED=1 go build -trimpath -ldflags "-s -w -X github.com/flannel-io/flannel/pkg/version.Version=$FLANNEL_VERSION" -o "$out/flanneld" .)
  "$out/flanneld" --version >&2
}

# prometheus and promtool: the ops tests check our metrics exposition and alert
# rules with promtool and scrape the approver with a real server. The module has
# no replaces, so plain `go install` works. Without the builtinassets tag the web
# UI is left out (it needs an npm build); the HTTP API the tests query is all there.
# remove_all_sd (upstream's tag) leaves out the cloud service discoveries, whose
# SDKs (Azure, AWS, GCE, ...) are most of the compile time; static and file
# targets, all the tests use, stay.
build_prometheus() {
  local v=github.com/prometheus/common/version
  CGO_ENABLED=0 GOBIN="$1" go install -trimpath -tags netgo,remove_all_sd \
    -ldflags "-s -w -X $v.Version=${PROMETHEUS_VERSION#v} -X $v.Branch=HEAD -X $v.Revision=$PROMETHEUS_VERSION" \
    "github.com/prometheus/prometheus/cmd/prometheus@$PROMETHEUS_VERSION" \
    "github.com/prometheus/prometheus/cmd/promtool@$PROMETHEUS_VERSION"
  "$1/promtool" --version >&2
}

# Debian packages a build needs (runc's seccomp support: libseccomp-dev and
# pkg-config). Installed with apt-get when missing and we are root, as
# scripts/test.sh does for its packages; otherwise a clear error.
need_debian_packages() {
  local p missing=()
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  [ ${#missing[@]} -gt 0 ] || return 0
  if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
    log "missing Debian packages: ${missing[*]} (run as root: apt-get install ${missing[*]})"
    return 1
  fi
  log "installing Debian packages: ${missing[*]}"
  apt-get update -qq >&2 &&
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
}

# The container runtime stack, one folder: containerd, containerd-shim-runc-v2,
# ctr, runc and crictl at its top, the CNI plugins in cni/ (a CNI bin_dir of
# their own: names such as bridge and loopback stay out of the main folder).
# None of these modules has replace directives, so `go install MOD/cmd@VERSION`
# works; the flags follow each upstream Makefile.
container_runtime_dir() {
  echo "container-runtime-containerd-$CONTAINERD_VERSION-runc-$RUNC_VERSION-cni-$CNI_PLUGINS_VERSION-cniflannel-$CNI_FLANNEL_VERSION-crictl-$CRICTL_VERSION"
}

build_container_runtime() {
  local out=$1 t0 p cni=github.com/containernetworking/plugins
  local cv=github.com/containerd/containerd/v2/version
  local cld="-X $cv.Version=$CONTAINERD_VERSION -X $cv.Package=github.com/containerd/containerd/v2 -s -w"
  need_debian_packages libseccomp-dev pkg-config || return 1
  mkdir -p "$out/cni"
  # containerd and ctr: cgo and PIE as upstream (the btrfs snapshotter uses cgo).
  t0=$(now)
  CGO_ENABLED=1 GOBIN="$out" go install -trimpath -buildmode=pie -tags urfave_cli_no_docs -ldflags "$cld" \
    "github.com/containerd/containerd/v2/cmd/containerd@$CONTAINERD_VERSION" \
    "github.com/containerd/containerd/v2/cmd/ctr@$CONTAINERD_VERSION"
  # The shim: static, no cgo, tag no_grpc (upstream's SHIM_* settings).
  CGO_ENABLED=0 GOBIN="$out" go install -trimpath -tags "urfave_cli_no_docs no_grpc" -ldflags "$cld -extldflags -static" \
    "github.com/containerd/containerd/v2/cmd/containerd-shim-runc-v2@$CONTAINERD_VERSION"
  log "container-runtime: containerd, shim, ctr in $(( $(now) - t0 ))s"
  # runc as upstream's `make static`: cgo, seccomp, static PIE (libseccomp linked
  # in, so the binary runs on machines without libseccomp). Its version comes from
  # the VERSION file it embeds; upstream's -X main.gitCommit needs a git checkout.
  t0=$(now)
  CGO_ENABLED=1 GOBIN="$out" go install -trimpath -buildmode=pie -tags "seccomp urfave_cli_no_docs netgo osusergo" \
    -ldflags "-s -w -linkmode external -extldflags -static-pie" "github.com/opencontainers/runc@$RUNC_VERSION"
  log "container-runtime: runc in $(( $(now) - t0 ))s"
  # CNI plugins as upstream's release script: static, BuildVersion stamped.
  t0=$(now)
  CGO_ENABLED=0 GOBIN="$out/cni" go install -trimpath \
    -ldflags "-s -w -X $cni/pkg/utils/buildversion.BuildVersion=$CNI_PLUGINS_VERSION" \
    "$cni/plugins/main/bridge@$CNI_PLUGINS_VERSION" "$cni/plugins/main/loopback@$CNI_PLUGINS_VERSION" \
    "$cni/plugins/ipam/host-local@$CNI_PLUGINS_VERSION" "$cni/plugins/meta/portmap@$CNI_PLUGINS_VERSION"
  # The flannel meta plugin left the plugins repository after v0.9.1; another module version, so its own install.
  CGO_ENABLED=0 GOBIN="$out/cni" go install -trimpath \
    -ldflags "-s -w -X $cni/pkg/utils/buildversion.BuildVersion=$CNI_FLANNEL_VERSION" \
    "$cni/plugins/meta/flannel@$CNI_FLANNEL_VERSION"
  log "container-runtime: CNI plugins in $(( $(now) - t0 ))s"
  # crictl: static, version stamped as its Makefile does (without the leading v).
  t0=$(now)
  CGO_ENABLED=0 GOBIN="$out" go install -trimpath \
    -ldflags "-s -w -X sigs.k8s.io/cri-tools/pkg/version.Version=${CRICTL_VERSION#v}" \
    "sigs.k8s.io/cri-tools/cmd/crictl@$CRICTL_VERSION"
  log "container-runtime: crictl in $(( $(now) - t0 ))s"
  "$out/containerd" --version >&2
  "$out/containerd-shim-runc-v2" -v >&2
  "$out/ctr" --version >&2
  "$out/runc" --version >&2
  "$out/crictl" --version >&2
  for p in "$out"/cni/*; do CNI_COMMAND=VERSION "$p" </dev/null >/dev/null || { log "container-runtime: $p VERSION failed"; return 1; }; done
}

# x509read is ours, so its folder is named after its source (first 12 hex of the
# sha256 of main.go then go.mod): an edit rebuilds it, an unchanged one is cached.
# Standard library only, so it needs no network; the local toolchain builds it.
x509read_hash() {
  cat "$here/go/x509read/main.go" "$here/go/x509read/go.mod" | sha256sum | cut -c1-12
}

build_x509read() {
  (cd "$here/go/x509read" && GOTOOLCHAIN=local CGO_ENABLED=0 GOPROXY=off go build -trimpath -ldflags "-s -w" -o "$1/x509read" .)
}

# CoreDNS for the images component. Its module has no replace directives and its
# main package is the module root, so plain `go install` works; static and stamped
# as upstream's Makefile builds it (CGO_ENABLED=0, -X coremain.GitCommit).
build_coredns() {
  CGO_ENABLED=0 GOBIN="$1" go install -trimpath \
    -ldflags "-s -w -X github.com/coredns/coredns/coremain.GitCommit=$COREDNS_VERSION" \
    "github.com/coredns/coredns@$COREDNS_VERSION"
  "$1/coredns" -version >&2
}

# The images component: OCI image archives (pause.tar, busybox.tar, coredns.tar and
# images.txt naming them) for clusters with no registry, assembled by
# scripts/build-test-images.js. Its folder is named after every input: the pins, the
# busybox-static package version installed, and the sources of pause and of the
# assembly scripts, so an edit to any of them assembles a new folder (in seconds:
# CoreDNS, the slow part, is cached in its own component folder).
busybox_version() {
  dpkg-query -W -f='${Version}' busybox-static
}

images_hash() {
  cat "$here/go/pause/main.go" "$here/go/pause/go.mod" "$here/oci-image.js" "$here/build-test-images.js" | sha256sum | cut -c1-12
}

images_dir() {
  # Naming needs the busybox version, so the package must be there first.
  need_debian_packages busybox-static >&2 || return 1
  local bb
  bb=$(busybox_version)
  bb=${bb#*:}
  echo "images-pause-$PAUSE_VERSION-busybox-${bb//[^A-Za-z0-9.-]/_}-coredns-$COREDNS_VERSION-$(images_hash)"
}

build_images() {
  local out=$1 coredns
  # Each step ends the build on failure: errexit does not apply in a function
  # build_once calls as an `if` condition.
  build_once "$(folder_of coredns)" build_coredns || return 1
  coredns="$cache/$(folder_of coredns)/coredns"
  # Ours, standard library only: the local toolchain builds it offline.
  rm -rf "$work/pause"; mkdir -p "$work/pause"
  (cd "$here/go/pause" && CGO_ENABLED=0 GOPROXY=off go build -trimpath -ldflags "-s -w -X main.version=$PAUSE_VERSION" -o "$work/pause/pause" .) || return 1
  node "$here/build-test-images.js" --out "$out" --pause "$work/pause/pause" --pause-version "$PAUSE_VERSION" \
    --busybox "$(dpkg -L busybox-static | grep -m1 '/bin/busybox$')" --busybox-version "$(busybox_version)" \
    --coredns "$coredns" --coredns-version "$COREDNS_VERSION"
}

# folder_of COMPONENT: the cache folder a component is built into, named after
# everything that goes into it, so a new pin or source builds a new folder.
folder_of() {
  case $1 in
    cfssl) echo "cfssl-$CFSSL_VERSION" ;;
    etcd) echo "etcd-$ETCD_VERSION" ;;
    kubernetes) echo "kubernetes-$KUBERNETES_VERSION" ;;
    kubernetes-extra) echo "kubernetes-extra-$KUBERNETES_VERSION" ;;
    flannel) echo "flannel-$FLANNEL_VERSION" ;;
    prometheus) echo "prometheus-$PROMETHEUS_VERSION" ;;
    container-runtime) container_runtime_dir ;;
    coredns) echo "coredns-$COREDNS_VERSION" ;;
    x509read) echo "x509read-$(x509read_hash)" ;;
    images) images_dir ;;
    *) log "unknown component: $1"; return 2 ;;
  esac
}

if [ "${1:-}" = --dir ]; then
  [ $# -eq 2 ] || { log "usage: $0 --dir COMPONENT"; exit 2; }
  d=$(folder_of "$2") || exit $?
  echo "$cache/$d"
  exit 0
fi

components=("$@")
[ ${#components[@]} -gt 0 ] || components=(cfssl etcd kubernetes kubernetes-extra flannel prometheus container-runtime coredns x509read images)
total0=$(now)
for c in "${components[@]}"; do
  # Its own statement: a failure inside $(...) in an argument would not stop set -e.
  d=$(folder_of "$c") || exit 2
  build_once "$d" "build_${c//-/_}"
done
log "done in $(( $(now) - total0 ))s; cache: $cache"
echo "$cache"
