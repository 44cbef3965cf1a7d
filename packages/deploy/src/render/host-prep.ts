// Host preparation on every node: the kernel modules and sysctls the
// components need, swap, and a time sync check, done by a small POSIX shell
// script run by a oneshot unit; and the inventory's `host` section, which
// also carries the real-host knobs of the kubelet, containerd and kube-proxy
// (cgroup v1, restricted OOM scores, conntrack limits).
import { invalidField, mappingAt, readBoolean, rejectUnknown, typeName } from "../inventory-fields.js";
import type { RenderContext } from "./context.js";
import { renderUnit } from "./systemd.js";

export type SwapPolicy = "off" | "tolerate";

/** Inventory `host`. */
export interface HostSettings {
  /** off: the script turns swap off and comments it out of fstab; tolerate: swap stays, the kubelet is told to accept it. */
  swap: SwapPolicy;
  /** The node runs cgroup v1: the kubelet gets failCgroupV1: false (1.35+ refuse v1 by default). */
  cgroupV1: boolean;
  /** containerd never lowers a container's oom_score_adj below its own (nodes that cannot lower OOM scores, e.g. containers). */
  restrictOomScoreAdj: boolean;
  /** kube-proxy's conntrack section; 0 leaves the kernel's value. */
  conntrack?: { maxPerCore: number; min: number };
  /** Extra sysctls, key -> value, after the ones the deployer needs. */
  sysctls: Record<string, string>;
}

export const HOST_DEFAULTS: Readonly<HostSettings> = { swap: "off", cgroupV1: false, restrictOomScoreAdj: false, sysctls: {} };

export const HOST_PREP_UNIT = "k8s-pki-host-prep.service";
export const SYSCTL_CONF_PATH = "/etc/sysctl.d/90-k8s-pki.conf";
export const MODULES_CONF_PATH = "/etc/modules-load.d/k8s-pki.conf";
/** The script's name in the binaries folder. */
export const HOST_PREP_SCRIPT = "k8s-pki-host-prep";

/** overlay for containerd's snapshotter; br_netfilter so bridged pod traffic passes iptables/nftables. */
export const HOST_MODULES: readonly string[] = ["overlay", "br_netfilter"];
/** What pods and Services need of every node: forwarding, and bridged traffic seen by kube-proxy's rules. */
export const HOST_SYSCTLS: Readonly<Record<string, string>> = {
  "net.ipv4.ip_forward": "1",
  "net.bridge.bridge-nf-call-iptables": "1",
  "net.bridge.bridge-nf-call-ip6tables": "1",
};

const SYSCTL_KEY = /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)+$/;
/** One line, no leading or trailing blanks; inner spaces separate numbers (net.ipv4.ip_local_port_range). */
const SYSCTL_VALUE = /^[^\s#;=]([^\n\r#;=]*[^\s#;=])?$/;

function parseSysctls(v: unknown): Record<string, string> {
  const o = mappingAt(v, "host.sysctls");
  const out: Record<string, string> = {};
  for (const [k, raw] of Object.entries(o)) {
    const field = `host.sysctls.${k}`;
    if (!SYSCTL_KEY.test(k)) throw invalidField(field, `${JSON.stringify(k)} is not a dotted sysctl name (e.g. net.core.somaxconn)`);
    if (k in HOST_SYSCTLS) throw invalidField(field, `is set by the deployer (${k} = ${HOST_SYSCTLS[k]}); leave it out`);
    let value: string;
    if (typeof raw === "number" && Number.isInteger(raw)) value = String(raw);
    else if (typeof raw === "string") value = raw;
    else throw invalidField(field, `must be a string or an integer, not ${typeName(raw)} ${JSON.stringify(raw)}`);
    if (!SYSCTL_VALUE.test(value)) throw invalidField(field, `${JSON.stringify(value)} is not a one-line value without #, ; or =`);
    out[k] = value;
  }
  return out;
}

function nonNegativeInt(o: Record<string, unknown>, key: string, field: string): number {
  const v = o[key];
  if (v === undefined || v === null) throw invalidField(field, "is required");
  if (typeof v !== "number" || !Number.isInteger(v) || v < 0) throw invalidField(field, `must be an integer >= 0, not ${JSON.stringify(v)}`);
  return v;
}

/** Validates inventory `host` and fills in the defaults. */
export function parseHostSettings(raw: unknown): HostSettings {
  const o = mappingAt(raw, "host");
  rejectUnknown(o, ["swap", "cgroupV1", "restrictOomScoreAdj", "conntrack", "sysctls"], "host");
  const swap = o.swap ?? HOST_DEFAULTS.swap;
  if (swap !== "off" && swap !== "tolerate") throw invalidField("host.swap", `${JSON.stringify(swap)} is not one of off, tolerate`);
  let conntrack: HostSettings["conntrack"];
  if (o.conntrack !== undefined && o.conntrack !== null) {
    const c = mappingAt(o.conntrack, "host.conntrack");
    rejectUnknown(c, ["maxPerCore", "min"], "host.conntrack");
    conntrack = { maxPerCore: nonNegativeInt(c, "maxPerCore", "host.conntrack.maxPerCore"), min: nonNegativeInt(c, "min", "host.conntrack.min") };
  }
  return {
    swap,
    cgroupV1: readBoolean(o, "cgroupV1", "host.cgroupV1", HOST_DEFAULTS.cgroupV1),
    restrictOomScoreAdj: readBoolean(o, "restrictOomScoreAdj", "host.restrictOomScoreAdj", HOST_DEFAULTS.restrictOomScoreAdj),
    ...(conntrack === undefined ? {} : { conntrack }),
    sysctls: parseSysctls(o.sysctls),
  };
}

/** What `deploy plan` says about each `host` option the inventory uses. */
export function hostNotes(h: HostSettings): string[] {
  const notes: string[] = [];
  if (h.swap === "tolerate") notes.push("host.swap tolerate: swap stays on; kubelets run with failSwapOn: false and memorySwap.swapBehavior NoSwap (pods get no swap)");
  if (h.cgroupV1) notes.push("host.cgroupV1: kubelets run on cgroup v1 (failCgroupV1: false); cgroup v1 support is deprecated in Kubernetes");
  if (h.restrictOomScoreAdj) notes.push("host.restrictOomScoreAdj: containerd restrict_oom_score_adj = true (no container gets an OOM score below containerd's; for nodes that cannot lower OOM scores, such as containers)");
  if (h.conntrack) notes.push(`host.conntrack: kube-proxy conntrack maxPerCore ${h.conntrack.maxPerCore}, min ${h.conntrack.min} (0 leaves the kernel's value)`);
  const extra = Object.entries(h.sysctls);
  if (extra.length > 0) notes.push(`host.sysctls: ${extra.length} extra sysctl(s) in ${SYSCTL_CONF_PATH}: ${extra.map(([k, v]) => `${k} = ${v}`).join(", ")}`);
  return notes;
}

export const modulesConf = (): string => `# Kernel modules for containerd (overlay) and bridged pod traffic (br_netfilter); written by k8s-pki.\n${HOST_MODULES.join("\n")}\n`;

export function sysctlConf(c: RenderContext): string {
  const lines = Object.entries({ ...HOST_SYSCTLS, ...c.inv.host.sysctls }).map(([k, v]) => `${k} = ${v}`);
  return `# Kernel settings for pods and Services; written by k8s-pki (inventory host.sysctls adds to them).\n${lines.join("\n")}\n`;
}

/**
 * The host preparation script. POSIX sh, idempotent, says what it does. The
 * paths it reads and writes sit under $K8S_PKI_HOST_ROOT (empty on a node), so
 * its logic can be run against a fake root.
 */
export function hostPrepScript(c: RenderContext): string {
  return `#!/bin/sh
# k8s-pki host preparation (written by k8s-pki deploy; run by ${HOST_PREP_UNIT}).
# Loads kernel modules, sets sysctls, handles swap (host.swap ${c.inv.host.swap}), checks time sync.
# Safe to run again: it changes only what differs.
set -u
root="\${K8S_PKI_HOST_ROOT:-}"
modules_conf="\${root}${MODULES_CONF_PATH}"
sysctl_conf="\${root}${SYSCTL_CONF_PATH}"
fstab="\${root}/etc/fstab"
swap_policy=${c.inv.host.swap}
failed=0

say() { printf '%s\\n' "$*"; }
warn() { printf 'warning: %s\\n' "$*" >&2; }
fail() { printf 'error: %s\\n' "$*" >&2; failed=1; }
blanks() { tr -s '[:blank:]' ' ' | sed -e 's/^ //' -e 's/ $//'; }

# What a module provides, visible whether it is loaded or built into the kernel: a built-in module shows in
# /sys/module only when it has parameters, and a kernel without /lib/modules (a VM, a container) cannot modprobe it.
provided() {
  case "$1" in
    overlay) grep -qw overlay "\${root}/proc/filesystems" 2>/dev/null ;;
    br_netfilter) [ -e "\${root}/proc/sys/net/bridge/bridge-nf-call-iptables" ] ;;
    *) return 1 ;;
  esac
}

# Modules: built-in ones need no loading, and a node may have no modprobe at all.
while IFS= read -r m || [ -n "$m" ]; do
  case "$m" in '' | '#'* | ';'*) continue ;; esac
  if [ -d "\${root}/sys/module/$m" ]; then
    say "module $m: present"
  elif provided "$m"; then
    say "module $m: present (what it provides is there)"
  elif ! command -v modprobe >/dev/null 2>&1; then
    warn "module $m: not loaded and no modprobe here; assuming it is built into the kernel"
  elif modprobe "$m"; then
    say "module $m: loaded"
  else
    fail "module $m: modprobe $m failed"
  fi
done < "$modules_conf"

# Sysctls: write only what differs; a read-only /proc/sys (a container) is fine when the value is already right.
while IFS= read -r line || [ -n "$line" ]; do
  case "$line" in '' | '#'* | ';'*) continue ;; esac
  key=$(printf '%s' "\${line%%=*}" | tr -d '[:blank:]')
  want=$(printf '%s' "\${line#*=}" | blanks)
  file="\${root}/proc/sys/$(printf '%s' "$key" | tr . /)"
  if [ ! -r "$file" ]; then
    fail "sysctl $key: not present in this kernel (is its module loaded?)"
    continue
  fi
  have=$(blanks < "$file")
  if [ "$have" = "$want" ]; then
    say "sysctl $key = $want: already set"
  elif { printf '%s\\n' "$want" > "$file"; } 2>/dev/null && [ "$(blanks < "$file")" = "$want" ]; then
    say "sysctl $key = $want: set (was $have)"
  else
    fail "sysctl $key is $have and cannot be set to $want here (read-only /proc/sys? set it on the host)"
  fi
done < "$sysctl_conf"

# Swap: the kubelet refuses to start with swap on unless told to tolerate it.
if [ "$swap_policy" = off ]; then
  if [ -r "\${root}/proc/swaps" ] && [ "$(wc -l < "\${root}/proc/swaps")" -gt 1 ]; then
    if ! command -v swapoff >/dev/null 2>&1; then
      fail "swap is on and there is no swapoff to turn it off"
    elif swapoff -a; then
      say "swap: turned off (swapoff -a)"
    else
      fail "swap: swapoff -a failed"
    fi
  else
    say "swap: none active"
  fi
  if [ -f "$fstab" ] && awk '$1 !~ /^#/ && $3 == "swap" { found = 1 } END { exit !found }' "$fstab"; then
    # A new file renamed over the old one: an interrupted run never leaves a half-written fstab.
    awk '$1 !~ /^#/ && $3 == "swap" { print "# " $0 "  # swap off: k8s-pki host.swap"; next } { print }' "$fstab" > "$fstab.k8s-pki" &&
      chmod 0644 "$fstab.k8s-pki" && mv -f "$fstab.k8s-pki" "$fstab" && say "swap: commented out the swap lines of $fstab" ||
      { rm -f "$fstab.k8s-pki"; fail "swap: could not rewrite $fstab"; }
  fi
else
  say "swap: left as it is (host.swap tolerate: the kubelet runs with failSwapOn: false)"
fi

# Time: certificates, tokens and etcd leases need agreeing clocks.
if command -v timedatectl >/dev/null 2>&1; then
  synced=$(timedatectl show -p NTPSynchronized --value 2>/dev/null)
  if [ "$synced" = yes ]; then say "time: synchronized"; else warn "time: the clock is not synchronized (NTPSynchronized=\${synced:-unknown}); enable an NTP client"; fi
else
  say "time: no timedatectl, sync not checked"
fi

exit "$failed"
`;
}

export const hostPrepUnit = (c: RenderContext): string =>
  renderUnit({
    description: "k8s-pki host preparation: kernel modules, sysctls, swap, time sync",
    // After the boot-time loaders of the same two conf files, so the script only fills in what they could not.
    after: ["local-fs.target", "systemd-modules-load.service", "systemd-sysctl.service"],
    service: [
      ["Type", "oneshot"],
      ["RemainAfterExit", "yes"],
    ],
    exec: { path: c.bin(HOST_PREP_SCRIPT), flags: [] },
  });
