// Hostile values in the inventory fields issue 16 added: each ends up in a shell-read conf file, a systemd unit, a
// TOML file, a YAML manifest or an ExecStart, so a newline, quote or path trick must be refused at validation.
import { expect, it } from "vitest";
import { defaultInventory, validateInventory } from "@k8s/deploy";
const base = defaultInventory();
it.each([
  ["sysctl value with newline", { host: { sysctls: { "net.core.somaxconn": "1\nnet.ipv4.ip_forward=0" } } }],
  ["sysctl key with slash", { host: { sysctls: { "net/../../etc/passwd": "1" } } }],
  ["proxy with newline", { containerd: { httpProxy: "http://p:3128\nExecStartPre=/bin/sh -c id" } }],
  ["mirror with quote", { containerd: { mirrors: { "docker.io": ['https://m"]\n[host."evil'] } } }],
  ["mirror registry with newline", { containerd: { mirrors: { "docker.io\n[x]": ["https://m"] } } }],
  ["coredns upstream junk", { addons: { coredns: { upstream: ["1.1.1.1; rm -rf /"] } } }],
  ["coredns image with newline", { addons: { coredns: { image: "a:b\n  evil: 1" } } }],
  ["lb binary with space", { loadBalancer: { binary: "/usr/sbin/haproxy -d" } }],
  ["image archive name with newline", { images: ["a\nb.tar"] }],
])("%s is refused", (_n, extra) => {
  expect(() => validateInventory({ ...base, ...extra })).toThrow();
});
