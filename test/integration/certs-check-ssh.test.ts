// certs check --inventory's SSH half against a real sshd on loopback: the
// shared sshTransportFor (known_hosts checked) and readNodeFiles reading
// certificate files and kubeconfigs from the node, a missing file reported,
// an unknown host refused. The "node" is this machine, so the files live in
// the test's temp folder (the plan's /etc paths are not touched).
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildPlan, defaultInventory, renderCluster } from "@k8s/deploy";
import { buildPki } from "../../packages/deploy/src/pki-build.js";
import { checkNodeCertFiles, nodeCertReport, readNodeFiles, type NodeCertFile } from "../../packages/deploy/src/node-certs.js";
import { sshTransportFor } from "../../packages/deploy/src/transport/ssh-connect.js";
import { withTempDir } from "../harness/fixtures.js";
import { startSshd, type Sshd } from "../harness/sshd.js";

const tmp = withTempDir("k8s-pki-certs-ssh-");
let sshd: Sshd;

beforeAll(async () => {
  sshd = await startSshd({ dir: tmp.path });
});
afterAll(async () => {
  await sshd?.stop();
});

describe("readNodeFiles over SSH", () => {
  it("reads a node's certificates and kubeconfigs through the known_hosts-checked transport, and reports a missing file", async () => {
    const plan = buildPlan(defaultInventory());
    const pki = await buildPki(plan);
    const rendered = renderCluster(plan, { pki }).find((n) => n.name === "node1")!;
    const content = (path: string): Buffer => rendered.files.find((f) => f.path === path)!.content as Buffer;
    const at = (name: string): string => join(tmp.path, name);
    writeFileSync(at("apiserver.pem"), content("/etc/kubernetes/pki/apiserver.pem"));
    writeFileSync(at("admin.kubeconfig"), content("/etc/kubernetes/admin.kubeconfig"), { mode: 0o600 });
    const files: NodeCertFile[] = [
      { node: "node1", path: at("apiserver.pem"), format: "pem", optional: false },
      { node: "node1", path: at("admin.kubeconfig"), format: "kubeconfig", optional: false },
      { node: "node1", path: at("gone.pem"), format: "pem", optional: false },
    ];
    const hostPub = readFileSync(join(sshd.dir, "ssh_host_ed25519_key.pub"), "utf8").trim().split(/\s+/).slice(0, 2).join(" ");
    writeFileSync(at("known_hosts"), `[${sshd.host}]:${sshd.port} ${hostPub}\n`);
    const transportFor = sshTransportFor({ username: sshd.username, port: sshd.port, privateKey: sshd.privateKey, knownHosts: readFileSync(at("known_hosts"), "utf8"), knownHostsPath: at("known_hosts") });

    const { read, failures } = await readNodeFiles(files, [{ name: "node1", address: sshd.host }], transportFor);
    expect(failures).toEqual([]);
    expect(read.get(`node1:${at("apiserver.pem")}`)?.equals(content("/etc/kubernetes/pki/apiserver.pem"))).toBe(true);
    const expected = new Map([
      [`node1:${at("apiserver.pem")}`, Buffer.from("an older certificate")],
      [`node1:${at("admin.kubeconfig")}`, content("/etc/kubernetes/admin.kubeconfig")],
    ]);
    const checks = checkNodeCertFiles(files, read, expected);
    expect(checks.map((c) => [c.name.replace(tmp.path, "T"), c.state])).toEqual([
      ["node1:T/apiserver.pem", "stale"],
      ["node1:T/admin.kubeconfig", "current"],
      ["node1:T/gone.pem", "missing"],
    ]);
    const { rows } = nodeCertReport(checks, new Date(), 0);
    expect(rows.map((r) => r.name.replace(tmp.path, "T")).sort()).toEqual(["node1:T/admin.kubeconfig[cluster kubernetes]", "node1:T/admin.kubeconfig[user admin]", "node1:T/apiserver.pem"]);
  });

  it("refuses a node whose host key is not in known_hosts, without connecting, and keeps going with the others", async () => {
    const transportFor = sshTransportFor({ username: sshd.username, port: sshd.port, privateKey: sshd.privateKey, knownHosts: "", knownHostsPath: "/nowhere/known_hosts" });
    const files: NodeCertFile[] = [{ node: "node1", path: "/etc/hostname", format: "pem", optional: false }];
    const { read, failures } = await readNodeFiles(files, [{ name: "node1", address: sshd.host }], transportFor);
    expect(read.size).toBe(0);
    expect(failures).toEqual([{ node: "node1", error: expect.stringMatching(/^node node1 \(127\.0\.0\.1\): no host key in \/nowhere\/known_hosts/) as unknown }]);
  });
});
