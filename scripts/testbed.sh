#!/usr/bin/env bash
# A multi-node test bed on one Linux box: N Debian bookworm machines booted
# with systemd-nspawn on a private bridge, each with systemd and sshd, so
# `k8s-pki deploy apply` can be rehearsed over real SSH (issue 16).
#
#   scripts/testbed.sh up N [--roles "m1=etcd,master m2=worker ..."]
#   scripts/testbed.sh status
#   scripts/testbed.sh down
#
# Recipe, flags and pitfalls: shared/reference/testbed.md. The host needs no
# systemd as PID 1 (hence --register=no --keep-unit) and may run cgroups v1.
#
# Environment:
#   K8S_PKI_TESTBED_CACHE   base tree cache (default ~/.cache/k8s-pki/testbed)
#   K8S_PKI_TESTBED_STATE   machine trees, pids, saved sysctls (default /var/lib/k8s-pki-testbed)
#   K8S_PKI_TESTBED_NET     the bed's /24 as three octets (default 10.213.0)
#   K8S_PKI_TESTBED_MIRROR  Debian mirror (default: the first one in the host's apt sources)
#   K8S_PKI_TESTBED_TIMEOUT seconds to wait for every sshd (default 120)
set -euo pipefail

# Bumped whenever the base tree's provisioning changes: it is part of the
# cache key, so an old tree is never reused for a new recipe.
readonly SCRIPT_VERSION=2
readonly SUITE=bookworm
# The reference's packages plus what a node needs later (nft, conntrack,
# modprobe for the deployer's checks, mount/nsenter from util-linux) and
# HAProxy, the distribution's proxy the deployer's node load balancer runs.
readonly PACKAGES=systemd,systemd-sysv,dbus,openssh-server,iproute2,iptables,ca-certificates,procps,nftables,conntrack,kmod,util-linux,haproxy

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
readonly REPO
readonly OUT="$REPO/testbed"
readonly CACHE="${K8S_PKI_TESTBED_CACHE:-$HOME/.cache/k8s-pki/testbed}"
readonly STATE="${K8S_PKI_TESTBED_STATE:-/var/lib/k8s-pki-testbed}"
readonly NET="${K8S_PKI_TESTBED_NET:-10.213.0}"
readonly TIMEOUT="${K8S_PKI_TESTBED_TIMEOUT:-120}"
# Interface names are limited to 15 characters.
readonly BRIDGE=k8spki-tb0
readonly CG_NAME=k8s-pki-testbed
# Kernel settings the kubelet wants and cannot set from inside a machine
# (/proc/sys is read-only there): set on the host, restored by `down`.
readonly SYSCTLS=("vm.overcommit_memory=1" "kernel.panic=10" "kernel.panic_on_oops=1")

die() { echo "testbed: $*" >&2; exit 1; }
log() { echo "testbed: $*" >&2; }
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }

need_root() { [[ $(id -u) == 0 ]] || die "must run as root (it creates a bridge, cgroups and machines); try: sudo $0 $*"; }

# systemd-nspawn and debootstrap, installed from the distribution when missing.
need_tools() {
  local missing=()
  command -v systemd-nspawn >/dev/null || missing+=(systemd-container)
  command -v debootstrap >/dev/null || missing+=(debootstrap)
  command -v ssh >/dev/null || missing+=(openssh-client)
  ((${#missing[@]} == 0)) && return 0
  command -v apt-get >/dev/null || die "needs ${missing[*]} (systemd-nspawn, debootstrap, ssh) and there is no apt-get to install them"
  log "installing ${missing[*]}"
  { apt-get install -y "${missing[@]}" || { apt-get update && apt-get install -y "${missing[@]}"; }; } >"$STATE/apt.log" 2>&1 ||
    die "cannot install ${missing[*]} (log: $STATE/apt.log)"
  if ! command -v systemd-nspawn >/dev/null || ! command -v debootstrap >/dev/null; then die "systemd-nspawn or debootstrap still missing after installing ${missing[*]}"; fi
}

# The first Debian mirror of the host's apt sources (deb822 or one-line form),
# so the bed uses whatever mirror this machine is allowed to reach.
mirror() {
  if [[ -n ${K8S_PKI_TESTBED_MIRROR:-} ]]; then echo "$K8S_PKI_TESTBED_MIRROR"; return; fi
  local m
  m=$(cat /etc/apt/sources.list.d/*.sources 2>/dev/null | awk '/^URIs:/ { for (i = 2; i <= NF; i++) if ($i !~ /security/) { print $i; exit } }')
  [[ -n $m ]] || m=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null | awk '$1 == "deb" && $0 !~ /security/ { for (i = 2; i <= NF; i++) if ($i ~ /^[a-z]+:\/\//) { print $i; exit } }')
  [[ -n $m ]] || die "no Debian mirror found in /etc/apt/sources*; set K8S_PKI_TESTBED_MIRROR"
  echo "$m"
}

base_dir() {
  local h
  h=$(printf '%s\n' "$SCRIPT_VERSION" "$SUITE" "$PACKAGES" | sha256sum | cut -c1-12)
  echo "$CACHE/base-$h"
}

# Builds the provisioned base tree once. It is made in a temporary folder
# beside its final place and renamed at the end, so an interrupted build never
# leaves a half tree that a later run would take for a finished one.
BASE=""
BASE_SECONDS=""
BASE_CACHED=""
ensure_base() {
  local base t0 tmp
  base=$(base_dir)
  BASE=$base
  t0=$(now)
  if [[ -d $base ]]; then
    BASE_CACHED=cached
    BASE_SECONDS=$(elapsed "$t0" "$(now)")
    return
  fi
  mkdir -p "$CACHE"
  # Leftovers of an interrupted build (their debootstrap is gone); it may
  # have left /proc or /sys mounted inside, never rm -rf through a mount.
  local old
  for old in "$CACHE"/.base-*.tmp; do
    [[ -d $old ]] || continue
    umount_under "$old"
    rm -rf "$old" "$old.log"
  done
  tmp=$(mktemp -d "$CACHE/.base-XXXXXX.tmp")
  # mktemp makes the folder 0700; as the machines' / it would lock every
  # service user out (networkd, dbus and journald fail with EACCES).
  chmod 0755 "$tmp"
  log "building the base tree (debootstrap $SUITE, ~2 min, log: $tmp.log)"
  if ! debootstrap --variant=minbase --include="$PACKAGES" "$SUITE" "$tmp" "$(mirror)" >"$tmp.log" 2>&1; then
    rm -rf "$tmp"
    die "debootstrap failed; last lines of $tmp.log: $(tail -n 5 "$tmp.log" | tr '\n' ' ')"
  fi
  provision_base "$tmp" >>"$tmp.log" 2>&1 || { rm -rf "$tmp"; die "provisioning the base tree failed (log: $tmp.log)"; }
  mv "$tmp" "$base"
  mv "$tmp.log" "$base.log"
  BASE_CACHED=cold
  BASE_SECONDS=$(elapsed "$t0" "$(now)")
}

# Unmounts everything mounted at or below a folder, deepest first.
umount_under() {
  local m
  awk -v d="$1" '$2 == d || index($2, d "/") == 1 { print $2 }' /proc/mounts | sort -r | while read -r m; do
    umount -l "$m" || true
  done
}

# What every machine shares; what differs per machine (id, name, address,
# host keys) is written into each copy by make_machine.
provision_base() {
  local d=$1
  # Static addresses from the bed's own files; no DHCP client, no default route.
  chroot "$d" systemctl enable systemd-networkd.service
  # Nothing in the machines may reach out: no periodic apt runs.
  chroot "$d" systemctl mask apt-daily.timer apt-daily-upgrade.timer e2scrub_all.timer fstrim.timer
  # The console is passive: no getty to respawn on it.
  chroot "$d" systemctl mask console-getty.service getty@tty1.service
  # Root logs in with the bed's key only; only the ed25519 host key exists.
  mkdir -p "$d/etc/ssh/sshd_config.d"
  cat >"$d/etc/ssh/sshd_config.d/10-testbed.conf" <<'EOF'
# k8s-pki test bed: root by key only, one host key (written per machine).
HostKey /etc/ssh/ssh_host_ed25519_key
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UseDNS no
EOF
  # The host keys openssh-server's install made would be shared by every
  # copy: each machine gets its own instead.
  rm -f "$d"/etc/ssh/ssh_host_*
  # nspawn mounts the cgroup v1 controllers read-only inside; the kubelet and
  # runc must create kubepods and pod cgroups there (reference pitfall 2). On
  # a real host they are writable: this unit makes the machine look like one.
  cat >"$d/etc/systemd/system/testbed-cgroups-rw.service" <<'EOF'
[Unit]
Description=k8s-pki test bed: cgroup controllers writable (systemd-nspawn mounts them read-only)
DefaultDependencies=no
After=local-fs.target
Before=sysinit.target containerd.service kubelet.service

[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=/bin/sh -c 'for d in /sys/fs/cgroup/*/; do [ -L "$${d%%/}" ] || mount -o remount,bind,rw "$$d"; done'

[Install]
WantedBy=sysinit.target
EOF
  chroot "$d" systemctl enable testbed-cgroups-rw.service
  # Debian's haproxy unit would start with its sample config: the deployer
  # runs its own kube-lb unit instead.
  chroot "$d" systemctl disable haproxy.service
  # An empty machine-id in the base; each copy gets a fresh one.
  : >"$d/etc/machine-id"
  rm -f "$d/var/lib/dbus/machine-id"
  chroot "$d" apt-get clean
  rm -rf "$d"/var/lib/apt/lists/*
}

# ---- per-machine state ----
# $STATE/bed.env: one line per machine: NAME ADDRESS ROLES PID
bed_file() { echo "$STATE/bed.env"; }
machines() { if [[ -f $(bed_file) ]]; then cat "$(bed_file)"; fi; }

# The v1 hierarchies (and the named/unified ones) mounted under /sys/fs/cgroup.
cgroup_roots() {
  local d
  for d in /sys/fs/cgroup/*/; do
    d=${d%/}
    [[ -L $d ]] && continue # cpu -> cpu,cpuacct: the real one is listed too
    [[ -f $d/cgroup.procs ]] && echo "$d"
  done
  [[ -f /sys/fs/cgroup/cgroup.procs ]] && echo /sys/fs/cgroup # a pure v2 host
  true
}

# Each machine gets its own cgroup in every hierarchy before it boots, so
# nothing its kubelet makes (kubepods) is shared with the host or another
# machine (reference pitfall 4).
make_cgroups() {
  local name=$1 r d
  for r in $(cgroup_roots); do
    d="$r/$CG_NAME/$name"
    mkdir -p "$d"
    # A new v1 cpuset is empty until given CPUs and memory nodes.
    if [[ -f $r/cpuset.cpus ]]; then
      cat "$r/cpuset.cpus" >"$r/$CG_NAME/cpuset.cpus"
      cat "$r/cpuset.mems" >"$r/$CG_NAME/cpuset.mems"
      cat "$r/cpuset.cpus" >"$d/cpuset.cpus"
      cat "$r/cpuset.mems" >"$d/cpuset.mems"
    fi
    echo "$d"
  done
}

# Every process still in a machine's cgroups (an nspawn that got SIGKILL
# leaves its container running).
cgroup_pids() {
  local r
  for r in $(cgroup_roots); do
    [[ -d $r/$CG_NAME/$1 ]] && find "$r/$CG_NAME/$1" -name cgroup.procs -exec cat {} + 2>/dev/null
  done | sort -un
}

sysctl_save_and_set() {
  local kv k
  if [[ ! -f $STATE/sysctl.saved ]]; then
    for kv in "${SYSCTLS[@]}"; do
      k=${kv%%=*}
      echo "$k=$(sysctl -n "$k")"
    done >"$STATE/sysctl.saved.tmp"
    mv "$STATE/sysctl.saved.tmp" "$STATE/sysctl.saved"
  fi
  for kv in "${SYSCTLS[@]}"; do sysctl -q -w "$kv" >/dev/null; done
}

sysctl_restore() {
  local kv
  [[ -f $STATE/sysctl.saved ]] || return 0
  while IFS= read -r kv; do [[ -n $kv ]] && sysctl -q -w "$kv" >/dev/null; done <"$STATE/sysctl.saved"
  rm -f "$STATE/sysctl.saved"
}

# A host route overlapping the bed's /24 would make the bed's addresses
# ambiguous: refuse instead of guessing.
check_net() {
  [[ $NET =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] || die "K8S_PKI_TESTBED_NET must be three octets (e.g. 10.213.0), not '$NET'"
  local clash
  clash=$(ip -4 route show to match "$NET.0/24" | grep -v '^default' || true)
  clash+=$(ip -4 route show root "$NET.0/24" || true)
  [[ -z $clash ]] || die "$NET.0/24 collides with host route(s): $(echo "$clash" | tr '\n' ';'); set K8S_PKI_TESTBED_NET"
}

make_bridge() {
  ip link add "$BRIDGE" type bridge
  ip addr add "$NET.1/24" dev "$BRIDGE"
  ip link set "$BRIDGE" up
}

# Copies the base tree and writes what makes the copy one machine.
make_machine() {
  local base=$1 name=$2 addr=$3 hosts=$4 dir="$STATE/machines/$2"
  cp -a "$base" "$dir"
  # A fresh machine-id (pitfall 6: copies sharing one confuse journald and DHCP/DUIDs).
  systemd-id128 new >"$dir/etc/machine-id"
  echo "$name" >"$dir/etc/hostname"
  printf '127.0.0.1 localhost\n127.0.1.1 %s\n%s' "$name" "$hosts" >"$dir/etc/hosts"
  cat >"$dir/etc/systemd/network/10-testbed.network" <<EOF
# k8s-pki test bed: the bed's bridge only, no default route (nothing outside the bed is reachable).
[Match]
Name=host0

[Network]
Address=$addr/24
LinkLocalAddressing=no
IPv6AcceptRA=no
EOF
  ssh-keygen -q -t ed25519 -N '' -C "root@$name" -f "$dir/etc/ssh/ssh_host_ed25519_key"
  # The approver unit on masters runs k8s-pki's standalone file, which needs
  # Node >= 20.19 there (Debian 12 has 18): this host's node, the one the
  # standalone file is tested with.
  install -m 0755 "$NODE_BIN" "$dir/usr/local/bin/node"
  install -d -m 0700 "$dir/root/.ssh"
  install -m 0600 "$OUT/id_ed25519.pub" "$dir/root/.ssh/authorized_keys"
}

# Boots one machine in the background: the subshell joins the machine's
# cgroups, then becomes systemd-nspawn (exec keeps the pid we record), in its
# own session so the caller's Ctrl-C or exit does not take the bed down.
boot_machine() {
  local name=$1 dir="$STATE/machines/$1" d
  # A veth left by an earlier machine of this name would make nspawn fail to create its own.
  remove_veth "$name"
  local -a cgs
  mapfile -t cgs < <(make_cgroups "$name")
  (
    for d in "${cgs[@]}"; do echo "$BASHPID" >"$d/cgroup.procs"; done
    # The reference's flags: no host systemd to register with (--register=no
    # --keep-unit), a veth on the bed's bridge, all capabilities and the
    # syscalls containerd and runc need, the kernel log for the kubelet.
    exec setsid systemd-nspawn -D "$dir" -M "$name" -b --register=no --keep-unit \
      --network-bridge="$BRIDGE" --console=passive --capability=all \
      --bind=/dev/kmsg --system-call-filter="@keyring bpf"
  ) </dev/null >"$STATE/logs/$name.console.log" 2>&1 &
  echo $!
}

# The host side of a machine's veth pair, as systemd-nspawn names it (--network-bridge).
remove_veth() {
  local link="vb-$1" i
  for ((i = 0; i < 40; i++)); do
    ip link show "$link" >/dev/null 2>&1 || return 0
    ip link delete "$link" 2>/dev/null || true
    sleep 0.25
  done
  log "could not remove $link"
}

ssh_opts() {
  echo -o BatchMode=yes -o ConnectTimeout=3 -o StrictHostKeyChecking=yes -o "UserKnownHostsFile=$OUT/known_hosts" \
    -o GlobalKnownHostsFile=/dev/null -o IdentitiesOnly=yes -o LogLevel=ERROR -i "$OUT/id_ed25519"
}

ssh_ok() {
  # shellcheck disable=SC2046 # the options are split on purpose
  ssh $(ssh_opts) "root@$1" true </dev/null >/dev/null 2>&1
}

# --roles "m1=etcd,master m2=worker": roles per machine name.
declare -A ROLE_OF=()
parse_roles() {
  local spec item
  for spec in "$@"; do
    for item in $spec; do
      [[ $item =~ ^(m[0-9]+)=((etcd|master|worker)(,(etcd|master|worker))*)$ ]] ||
        die "--roles: '$item' is not NAME=ROLE[,ROLE] (names m1..mN, roles etcd, master, worker)"
      ROLE_OF[${BASH_REMATCH[1]}]=${BASH_REMATCH[2]}
    done
  done
}

write_inventory() {
  local name addr roles pid
  {
    echo "# k8s-pki test bed: $(wc -l <"$(bed_file)") systemd-nspawn machines on $BRIDGE ($NET.0/24)."
    echo "# SSH: --ssh-key $OUT/id_ed25519 --known-hosts $OUT/known_hosts (user root)."
    echo "clusterName: testbed"
    echo "nodes:"
    while read -r name addr roles pid; do
      echo "  - { name: $name, address: $addr, roles: [${roles//,/, }] }"
    done <"$(bed_file)"
    echo "binDir: ${K8S_PKI_BIN_DIR:-./bin}"
    # What machines in containers need (reference: settings the environment needed): the kernel's swap is the
    # host's and cannot be turned off from inside; OOM scores cannot be lowered; nf_conntrack's limits are the
    # host's; and this host's cgroups are v1 unless it mounts cgroup2.
    echo "host:"
    echo "  swap: tolerate"
    if [[ $(stat -fc %T /sys/fs/cgroup) != cgroup2fs ]]; then echo "  cgroupV1: true"; fi
    echo "  restrictOomScoreAdj: true"
    echo "  conntrack: { maxPerCore: 0, min: 0 }"
  } >"$OUT/inventory.yaml"
}

bed_rss() {
  # RSS summed over every process of every machine, and the memory cgroups'
  # own figure (which also counts page cache).
  local name addr roles pid p rss=0 usage=0 f
  while read -r name addr roles pid; do
    for p in $(cgroup_pids "$name"); do
      f=$(awk '/^VmRSS:/ { print $2 }' "/proc/$p/status" 2>/dev/null || true)
      rss=$((rss + ${f:-0}))
    done
    f=/sys/fs/cgroup/memory/$CG_NAME/$name/memory.usage_in_bytes
    [[ -f $f ]] && usage=$((usage + $(cat "$f")))
  done < <(machines)
  echo "rss=$((rss / 1024))MiB memory-cgroup-usage=$((usage / 1048576))MiB"
}

cmd_up() {
  local n="" roles_args=()
  while (($#)); do
    case $1 in
      --roles) (($# >= 2)) || die "--roles needs a value"; roles_args+=("$2"); shift 2 ;;
      --roles=*) roles_args+=("${1#--roles=}"); shift ;;
      -*) die "unknown option $1" ;;
      *) [[ -z $n ]] || die "one machine count only"; n=$1; shift ;;
    esac
  done
  [[ $n =~ ^[1-9][0-9]?$ ]] || die "usage: $0 up N [--roles 'm1=etcd,master m2=worker']  (N from 1 to 99)"
  need_root up "$n"
  mkdir -p "$STATE"
  [[ ! -f $(bed_file) ]] || die "a bed is already up ($(awk '{ printf "%s ", $1 }' "$(bed_file)")); run '$0 down' first"
  [[ ! -d $STATE/machines ]] || [[ -z $(ls -A "$STATE/machines") ]] || die "leftovers of an earlier bed in $STATE/machines; run '$0 down' first"
  ip link show "$BRIDGE" >/dev/null 2>&1 && die "bridge $BRIDGE exists already; run '$0 down' first"
  need_tools
  NODE_BIN=$(command -v node) || die "node is not on PATH: the machines get this host's node (the approver's runtime on masters)"
  NODE_BIN=$(readlink -f "$NODE_BIN")
  check_net
  ((${#roles_args[@]})) && parse_roles "${roles_args[@]}"
  local name i
  for name in "${!ROLE_OF[@]}"; do
    i=${name#m}
    ((i >= 1 && i <= n)) || die "--roles names $name but the bed has m1..m$n"
  done

  local t_up base
  t_up=$(now)
  ensure_base
  base=$BASE
  log "base tree $base ($BASE_CACHED, ${BASE_SECONDS}s)"

  mkdir -p "$STATE/machines" "$STATE/logs" "$OUT"
  rm -f "$OUT/id_ed25519" "$OUT/id_ed25519.pub" "$OUT/known_hosts"
  ssh-keygen -q -t ed25519 -N '' -C "k8s-pki-testbed" -f "$OUT/id_ed25519"
  chmod 0600 "$OUT/id_ed25519"

  # Default roles: every machine etcd + master + worker, as the seed's classic
  # cluster; etcd needs an odd member count, so with an even N the last
  # machine runs master + worker only.
  local hosts="" roles addr
  for ((i = 1; i <= n; i++)); do hosts+="$NET.$((10 + i)) m$i"$'\n'; done
  : >"$STATE/bed.env.tmp"
  for ((i = 1; i <= n; i++)); do
    name=m$i
    addr=$NET.$((10 + i))
    roles=${ROLE_OF[$name]:-etcd,master,worker}
    if [[ -z ${ROLE_OF[$name]:-} ]] && ((n % 2 == 0 && i == n)); then roles=master,worker; fi
    echo "$name $addr $roles" >>"$STATE/bed.env.tmp"
  done

  # From here on the host is changed: record it first so `down` finds it all.
  sysctl_save_and_set
  make_bridge
  local t_copy
  t_copy=$(now)
  : >"$OUT/known_hosts"
  while read -r name addr roles; do
    make_machine "$base" "$name" "$addr" "$hosts"
    # The host key is read from the tree, never trusted on first use.
    echo "$addr $(cut -d' ' -f1,2 "$STATE/machines/$name/etc/ssh/ssh_host_ed25519_key.pub")" >>"$OUT/known_hosts"
  done <"$STATE/bed.env.tmp"
  log "copied $n machine trees in $(elapsed "$t_copy" "$(now)")s"

  local t_boot pid
  t_boot=$(now)
  : >"$(bed_file)"
  while read -r name addr roles; do
    pid=$(boot_machine "$name")
    echo "$name $addr $roles $pid" >>"$(bed_file)"
  done <"$STATE/bed.env.tmp"
  rm -f "$STATE/bed.env.tmp"

  # Wait for every sshd: a real login with the bed's key and known_hosts.
  local deadline pending=() next
  deadline=$(($(date +%s) + TIMEOUT))
  mapfile -t pending < <(awk '{ print $1 " " $2 " " $4 }' "$(bed_file)")
  while ((${#pending[@]})); do
    next=()
    for item in "${pending[@]}"; do
      read -r name addr pid <<<"$item"
      kill -0 "$pid" 2>/dev/null || die "machine $name exited while booting; last lines of $STATE/logs/$name.console.log: $(tail -n 5 "$STATE/logs/$name.console.log" 2>/dev/null | tr '\n' ' ')(clean up with '$0 down')"
      ssh_ok "$addr" || next+=("$item")
    done
    pending=("${next[@]}")
    ((${#pending[@]})) || break
    if (($(date +%s) >= deadline)); then
      read -r name addr pid <<<"${pending[0]}"
      # The console is passive (nearly empty): the journal inside tells more.
      die "sshd on $name ($addr) did not answer within ${TIMEOUT}s; console log: $STATE/logs/$name.console.log; journal: nsenter -t $(pgrep -P "$pid" | head -n 1) -a journalctl -b (clean up with '$0 down')"
    fi
    sleep 0.5
  done
  local t_ready
  t_ready=$(now)

  write_inventory
  echo "testbed: up: $n machines on $BRIDGE ($NET.0/24)"
  while read -r name addr roles pid; do
    printf '  %-4s %-14s %-20s pid %s  console %s\n' "$name" "$addr" "$roles" "$pid" "$STATE/logs/$name.console.log"
  done <"$(bed_file)"
  echo "  inventory   $OUT/inventory.yaml"
  echo "  ssh key     $OUT/id_ed25519"
  echo "  known_hosts $OUT/known_hosts"
  echo "  deploy:     node packages/cli/bin/k8s-pki.js deploy apply --inventory $OUT/inventory.yaml --ssh-key $OUT/id_ed25519 --known-hosts $OUT/known_hosts"
  echo "  login:      ssh -i $OUT/id_ed25519 -o UserKnownHostsFile=$OUT/known_hosts root@$NET.11"
  echo "testbed: timings: base tree ${BASE_SECONDS}s ($BASE_CACHED), boot to all sshd answering $(elapsed "$t_boot" "$t_ready")s, up to all sshd answering $(elapsed "$t_up" "$t_ready")s"
  echo "testbed: memory: $(bed_rss)"
}

cmd_status() {
  [[ -f $(bed_file) ]] || { echo "testbed: no bed is up"; return 0; }
  local name addr roles pid state sshd
  printf '%-4s %-14s %-20s %-8s %s\n' NAME ADDRESS ROLES MACHINE SSHD
  while read -r name addr roles pid; do
    if kill -0 "$pid" 2>/dev/null; then state=running; else state=stopped; fi
    if [[ -f $OUT/known_hosts ]] && ssh_ok "$addr"; then sshd=answers; else sshd="no answer"; fi
    printf '%-4s %-14s %-20s %-8s %s\n' "$name" "$addr" "$roles" "$state" "$sshd"
  done <"$(bed_file)"
  echo "memory: $(bed_rss)"
}

# Removes whatever a bed left, whether `up` finished or not; safe to repeat.
cmd_down() {
  need_root down
  local name addr roles pid pids=() names=() p r i
  while read -r name addr roles pid; do
    names+=("$name")
    [[ -n ${pid:-} ]] && pids+=("$pid")
  done < <(machines)
  # Machines whose trees exist but never made it into bed.env.
  if [[ -d $STATE/machines ]]; then
    for p in "$STATE"/machines/*/; do [[ -d $p ]] && names+=("$(basename "$p")"); done
  fi
  # Only a pid that is still our systemd-nspawn is signalled.
  local live=()
  for pid in "${pids[@]}"; do
    [[ $(cat "/proc/$pid/comm" 2>/dev/null) == systemd-nspawn ]] && live+=("$pid")
  done
  # SIGTERM makes nspawn power the machine off (~2 s); SIGKILL after 20 s.
  if ((${#live[@]})); then kill -TERM "${live[@]}" 2>/dev/null || true; fi
  for ((i = 0; i < 40; i++)); do
    local alive=()
    for pid in "${live[@]}"; do kill -0 "$pid" 2>/dev/null && alive+=("$pid"); done
    ((${#alive[@]})) || break
    sleep 0.5
  done
  for pid in "${live[@]}"; do kill -0 "$pid" 2>/dev/null && { log "machine pid $pid ignored SIGTERM; SIGKILL"; kill -KILL "$pid" || true; }; done
  # Anything left in the machines' cgroups (a killed nspawn leaves its payload).
  mapfile -t names < <(printf '%s\n' "${names[@]}" | sort -u | grep -v '^$')
  for name in "${names[@]}"; do
    for i in 1 2 3 4 5; do
      mapfile -t pids < <(cgroup_pids "$name")
      ((${#pids[@]})) || break
      kill -KILL "${pids[@]}" 2>/dev/null || true
      sleep 0.5
    done
  done
  # The cgroups, depth-first (a v1 cgroup is removed with rmdir, children first).
  for r in $(cgroup_roots); do
    [[ -d $r/$CG_NAME ]] && find "$r/$CG_NAME" -depth -type d -exec rmdir {} + 2>/dev/null
    [[ -d $r/$CG_NAME ]] && log "could not remove cgroup $r/$CG_NAME"
  done
  # Each machine's host-side veth (vb-NAME) goes with its network namespace, which the kernel frees asynchronously
  # after the machine stops: an `up` right after would then fail with "File exists" for vb-m1. Delete them and wait.
  for name in "${names[@]}"; do remove_veth "$name"; done
  if ip link show "$BRIDGE" >/dev/null 2>&1; then ip link delete "$BRIDGE"; fi
  sysctl_restore
  rm -rf "$STATE/machines" "$STATE/bed.env" "$STATE/bed.env.tmp" "$STATE/logs" "$OUT"
  rmdir "$STATE" 2>/dev/null || true
  echo "testbed: down (${#names[@]} machine(s) removed)"
}

case ${1:-} in
  up) shift; cmd_up "$@" ;;
  down) shift; cmd_down "$@" ;;
  status) shift; cmd_status "$@" ;;
  *) echo "usage: $0 up N [--roles 'm1=etcd,master m2=worker'] | status | down" >&2; exit 2 ;;
esac
