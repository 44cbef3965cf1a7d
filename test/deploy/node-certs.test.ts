// Node certificates: which files hold them, how they are named and parsed,
// and how the bytes on a node compare with what the state renders.
import { beforeAll, describe, expect, it } from "vitest";
import {
  buildPlan,
  defaultInventory,
  renderCluster,
  validateInventory,
  type Pki,
  type Plan,
  type RenderedNode,
} from "@k8s/deploy";
import { buildPki } from "../../packages/deploy/src/pki-build.js";
import { certificatesInNodeFile, checkNodeCertFiles, nodeCertFiles, nodeCertReport, nodeFileName, nodeFileState, nodeFileStateTextfile, renderedContents, type NodeCertFile } from "../../packages/deploy/src/node-certs.js";

const base = defaultInventory();
let plan: Plan;
let pki: Pki;
let nodes: RenderedNode[];
beforeAll(async () => {
  plan = buildPlan(base);
  pki = await buildPki(plan);
  nodes = renderCluster(plan, { pki });
});
const pem = (id: string): Buffer => Buffer.from(pki.items.get(id)!.cert);

describe("nodeCertFiles", () => {
  it("lists the plan's certificate files and kubeconfigs per node, and the kubelet's own certificates as optional", () => {
    const files = nodeCertFiles(plan);
    const of = (node: string): NodeCertFile[] => files.filter((f) => f.node === node);
    expect(of("node1")).toContainEqual({ node: "node1", path: "/etc/kubernetes/pki/apiserver.pem", format: "pem", optional: false });
    expect(of("node1")).toContainEqual({ node: "node1", path: "/etc/kubernetes/admin.kubeconfig", format: "kubeconfig", optional: false });
    expect(of("node1")).toContainEqual({ node: "node1", path: "/etc/kubernetes/kubelet-bootstrap.kubeconfig", format: "kubeconfig", optional: false });
    expect(of("node1").filter((f) => f.optional).map((f) => f.path)).toEqual([
      "/var/lib/kubelet/pki/kubelet-client-current.pem",
      "/var/lib/kubelet/pki/kubelet-server-current.pem",
      "/var/lib/kubelet/pki/kubelet.crt",
    ]);
    // Never a private key or a public key.
    for (const f of files) expect(f.path).not.toMatch(/-key\.pem$|sa\.(pub|key)$/);
  });

  it("lists pre-signed kubelet certificates from the plan, and nothing the kubelet would write", () => {
    const files = nodeCertFiles(buildPlan(validateInventory({ ...base, kubeletCerts: "presigned" })));
    expect(files.filter((f) => f.optional)).toEqual([]);
    expect(files).toContainEqual({ node: "node2", path: "/etc/kubernetes/pki/kubelet.pem", format: "pem", optional: false });
    expect(files).toContainEqual({ node: "node2", path: "/etc/kubernetes/kubelet.kubeconfig", format: "kubeconfig", optional: false });
  });
});

describe("nodeFileState", () => {
  const a = Buffer.from("a");
  const b = Buffer.from("b");
  it.each([
    { name: "same bytes", optional: false, actual: a, expected: a, state: "current" },
    { name: "other bytes", optional: false, actual: a, expected: b, state: "stale" },
    { name: "planned and not there", optional: false, actual: undefined, expected: a, state: "missing" },
    { name: "planned, not there, no state", optional: false, actual: undefined, expected: undefined, state: "missing" },
    { name: "optional and not there", optional: true, actual: undefined, expected: undefined, state: "absent" },
    { name: "there, nothing to compare with", optional: false, actual: a, expected: undefined, state: "unchecked" },
  ])("$name: $state", ({ optional, actual, expected, state }) => {
    expect(nodeFileState({ optional }, actual, expected)).toBe(state);
  });
});

describe("certificatesInNodeFile", () => {
  const f = (path: string, format: "pem" | "kubeconfig"): NodeCertFile => ({ node: "node1", path, format, optional: false });
  it.each([
    { name: "one certificate", file: f("/p/apiserver.pem", "pem"), bytes: () => pem("apiserver"), names: ["node1:/p/apiserver.pem"] },
    {
      name: "a bundle",
      file: f("/p/bundle.pem", "pem"),
      bytes: () => Buffer.concat([pem("apiserver"), pem("kubernetes-ca")]),
      names: ["node1:/p/bundle.pem#1", "node1:/p/bundle.pem#2"],
    },
    {
      name: "a certificate and its key (what the kubelet writes)",
      file: f("/var/lib/kubelet/pki/kubelet-client-current.pem", "pem"),
      bytes: () => Buffer.concat([pem("admin"), Buffer.from(pki.items.get("admin")!.key)]),
      names: ["node1:/var/lib/kubelet/pki/kubelet-client-current.pem"],
    },
    {
      name: "a kubeconfig with embedded certificates",
      file: f("/etc/kubernetes/admin.kubeconfig", "kubeconfig"),
      bytes: () => nodes[0]!.files.find((x) => x.path === "/etc/kubernetes/admin.kubeconfig")!.content as Buffer,
      names: ["node1:/etc/kubernetes/admin.kubeconfig[cluster kubernetes]", "node1:/etc/kubernetes/admin.kubeconfig[user admin]"],
    },
    {
      name: "a bootstrap kubeconfig (its CA referenced by path, checked as that file)",
      file: f("/etc/kubernetes/kubelet-bootstrap.kubeconfig", "kubeconfig"),
      bytes: () => nodes[0]!.files.find((x) => x.path === "/etc/kubernetes/kubelet-bootstrap.kubeconfig")!.content as Buffer,
      names: [],
    },
  ])("names $name as certs check DIR does", ({ file, bytes, names }) => {
    expect(certificatesInNodeFile(file, bytes()).map((c) => c.name)).toEqual(names);
  });

  it("throws on a file that does not parse", () => {
    expect(() => certificatesInNodeFile(f("/k", "kubeconfig"), Buffer.from("just text"))).toThrow(/not a kubeconfig/);
    expect(() => certificatesInNodeFile(f("/p.pem", "pem"), Buffer.from("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"))).toThrow();
  });
});

describe("checkNodeCertFiles and nodeCertReport", () => {
  /** What the nodes hold: exactly the render, with `edit` applied. */
  const readBack = (edit: (m: Map<string, Buffer | undefined>) => void = () => undefined): Map<string, Buffer | undefined> => {
    const expected = renderedContents(nodes);
    const m = new Map<string, Buffer | undefined>(nodeCertFiles(plan).map((f) => [nodeFileName(f), expected.get(nodeFileName(f))]));
    edit(m);
    return m;
  };

  it("finds every file current when the nodes hold what the state renders", () => {
    const checks = checkNodeCertFiles(nodeCertFiles(plan), readBack(), renderedContents(nodes));
    expect(new Set(checks.map((c) => c.state))).toEqual(new Set(["current", "absent"]));
    const { rows, missing } = nodeCertReport(checks, new Date(), 30 * 86_400_000);
    expect(missing).toEqual([]);
    const apiserver = rows.find((r) => r.name === "node2:/etc/kubernetes/pki/apiserver.pem")!;
    expect(apiserver).toMatchObject({ node: "node2", path: "/etc/kubernetes/pki/apiserver.pem", state: "current", status: "ok", subject: "CN=kube-apiserver" });
    // Signed by a CA file found on a node.
    expect(apiserver.signingCa).toMatch(/^node\d:\/etc\/kubernetes\/pki\/ca(-signing)?\.pem$/);
    expect(rows.find((r) => r.name === "node1:/etc/kubernetes/admin.kubeconfig[user admin]")?.state).toBe("current");
  });

  it("marks an old certificate stale, a missing one missing, and leaves out nodes that were not read", async () => {
    const old = (await buildPki(plan)).items.get("apiserver")!.cert;
    const read = readBack((m) => {
      m.set("node2:/etc/kubernetes/pki/apiserver.pem", Buffer.from(old));
      m.set("node3:/etc/kubernetes/admin.kubeconfig", undefined);
      m.set("node1:/var/lib/kubelet/pki/kubelet-client-current.pem", pem("admin"));
      for (const k of [...m.keys()]) if (k.startsWith("node1:/etc/etcd") || k.startsWith("node1:/etc/kubernetes/pki/etcd")) m.delete(k);
    });
    const checks = checkNodeCertFiles(nodeCertFiles(plan), read, renderedContents(nodes));
    const state = (name: string): string | undefined => checks.find((c) => c.name === name)?.state;
    expect(state("node2:/etc/kubernetes/pki/apiserver.pem")).toBe("stale");
    expect(state("node1:/etc/kubernetes/pki/apiserver.pem")).toBe("current");
    expect(state("node3:/etc/kubernetes/admin.kubeconfig")).toBe("missing");
    expect(state("node1:/var/lib/kubelet/pki/kubelet-client-current.pem")).toBe("unchecked");
    expect(state("node1:/etc/kubernetes/pki/etcd/server.pem")).toBeUndefined();
    const { rows, missing } = nodeCertReport(checks, new Date(), 0);
    expect(missing.map((m) => m.name)).toEqual(["node3:/etc/kubernetes/admin.kubeconfig"]);
    expect(rows.filter((r) => r.state === "stale").map((r) => r.name)).toEqual(["node2:/etc/kubernetes/pki/apiserver.pem"]);
    const text = nodeFileStateTextfile(checks);
    expect(text).toContain('k8s_pki_node_file_stale{node="node2",path="/etc/kubernetes/pki/apiserver.pem"} 1');
    expect(text).toContain('k8s_pki_node_file_stale{node="node1",path="/etc/kubernetes/pki/apiserver.pem"} 0');
    expect(text).toContain('k8s_pki_node_file_missing{node="node3",path="/etc/kubernetes/admin.kubeconfig"} 1');
    expect(text).not.toContain("kubelet-client-current");
  });

  it("without a state, only files that are there or missing: nothing is stale", () => {
    const checks = checkNodeCertFiles(nodeCertFiles(plan), readBack((m) => m.set("node1:/etc/kubernetes/pki/apiserver.pem", pem("admin"))));
    expect(new Set(checks.map((c) => c.state))).toEqual(new Set(["unchecked", "absent"]));
  });

  it("reports a file that does not parse, and still checks it against the state", () => {
    const checks = checkNodeCertFiles(nodeCertFiles(plan), readBack((m) => m.set("node1:/etc/kubernetes/admin.kubeconfig", Buffer.from("garbage"))), renderedContents(nodes));
    const c = checks.find((x) => x.name === "node1:/etc/kubernetes/admin.kubeconfig")!;
    expect(c).toMatchObject({ state: "stale", found: [], error: "not a kubeconfig" });
  });
});
