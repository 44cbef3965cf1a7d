// Node certificates: every certificate a deployed cluster keeps on its nodes
// (the plan's certificate files and kubeconfigs, plus what a bootstrapped
// kubelet writes itself), read back through the transports and compared with
// what the deploy state renders. Everything but readNodeFiles is pure.
import { decodePemBlocks, expiryReport, parseCertificateDer, type ExpiryRow, type FoundCertificate } from "@k8s/pki";
import jsYaml from "js-yaml";
import { KUBELET_CERT_DIR, KUBELET_OWN_CERTS } from "./components/kubelet.js";
import type { Plan } from "./plan.js";
import type { RenderedNode } from "./rendered.js";
import type { Transport } from "./transport/transport.js";

export { KUBELET_CERT_DIR, KUBELET_OWN_CERTS };

/** One file on one node that holds certificates. */
export interface NodeCertFile {
  node: string;
  path: string;
  /** pem: every CERTIFICATE block; kubeconfig: the embedded client and CA certificates. */
  format: "pem" | "kubeconfig";
  /** Not in the plan (the kubelet's own certificates): absent is fine, and render cannot say what it should hold. */
  optional: boolean;
}

/** `<node>:<path>`, the name of a node file in reports. */
export const nodeFileName = (f: { node: string; path: string }): string => `${f.node}:${f.path}`;

/**
 * The certificate files of every node of the plan: files from a certificate,
 * `*.kubeconfig` templates, and for kubelets that bootstrap their
 * certificates, {@link KUBELET_OWN_CERTS}.
 */
export function nodeCertFiles(plan: Plan): NodeCertFile[] {
  const out: NodeCertFile[] = [];
  for (const n of plan.nodes) {
    for (const f of n.files) {
      if (f.source.kind === "cert" || f.source.kind === "signing-cert") out.push({ node: n.name, path: f.path, format: "pem", optional: false });
      else if (f.source.kind === "config" && f.source.template.endsWith(".kubeconfig")) out.push({ node: n.name, path: f.path, format: "kubeconfig", optional: false });
    }
    if (plan.inventory.kubeletCerts === "bootstrap" && n.roles.includes("worker")) {
      for (const name of KUBELET_OWN_CERTS) out.push({ node: n.name, path: `${KUBELET_CERT_DIR}/${name}`, format: "pem", optional: true });
    }
  }
  return out;
}

interface KubeconfigEntry {
  name: string;
  [key: string]: unknown;
}

const entries = (v: unknown): KubeconfigEntry[] => (Array.isArray(v) ? v.filter((e): e is KubeconfigEntry => typeof e === "object" && e !== null) : []);

function firstCertificate(pem: Buffer | string): FoundCertificate["certificate"] | undefined {
  const block = decodePemBlocks(pem).find((b) => b.type === "CERTIFICATE");
  return block ? parseCertificateDer(block.bytes) : undefined;
}

/**
 * The certificates in one file's bytes, named as `certs check DIR` names them
 * with `<node>:<path>` for the relative path: `#n` for the n-th of several,
 * `[cluster X]`/`[user X]` inside a kubeconfig. Only embedded kubeconfig
 * certificates are read (a path reference names a file checked on its own).
 * Throws when the file does not parse.
 */
export function certificatesInNodeFile(f: NodeCertFile, bytes: Buffer): FoundCertificate[] {
  const name = nodeFileName(f);
  if (f.format === "pem") {
    const certs = decodePemBlocks(bytes)
      .filter((b) => b.type === "CERTIFICATE")
      .map((b) => parseCertificateDer(b.bytes));
    return certs.map((certificate, i) => ({ name: certs.length > 1 ? `${name}#${i + 1}` : name, path: name, kind: "file", certificate }));
  }
  const doc = jsYaml.load(bytes.toString("utf8")) as Record<string, unknown> | null;
  if (typeof doc !== "object" || doc === null) throw new Error("not a kubeconfig");
  const found: FoundCertificate[] = [];
  const add = (list: unknown, field: "cluster" | "user", key: string, label: string, kind: FoundCertificate["kind"]): void => {
    for (const e of entries(list)) {
      const body = e[field] as Record<string, unknown> | undefined;
      const data = body?.[key];
      if (typeof data !== "string") continue;
      const certificate = firstCertificate(Buffer.from(data, "base64"));
      if (certificate) found.push({ name: `${name}[${label} ${e.name}]`, path: name, kind, certificate });
    }
  };
  add(doc.clusters, "cluster", "certificate-authority-data", "cluster", "kubeconfig-ca");
  add(doc.users, "user", "client-certificate-data", "user", "kubeconfig-client");
  return found;
}

/**
 * How a node file compares with the state: `current` (same bytes as the
 * state renders), `stale` (other bytes), `missing` (planned, not on the
 * node), `absent` (optional and not there), `unchecked` (there, but nothing
 * to compare with: no state, or a file the kubelet writes itself).
 */
export type NodeFileState = "current" | "stale" | "missing" | "absent" | "unchecked";

/** The state of one file from its bytes on the node and the bytes the state renders (undefined: not known). */
export function nodeFileState(f: Pick<NodeCertFile, "optional">, actual: Buffer | undefined, expected: Buffer | undefined): NodeFileState {
  if (actual === undefined) return f.optional ? "absent" : "missing";
  if (expected === undefined) return "unchecked";
  return actual.equals(expected) ? "current" : "stale";
}

/** Every rendered file's bytes by {@link nodeFileName} (binaries, which have no bytes, left out). */
export function renderedContents(nodes: readonly RenderedNode[]): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  for (const n of nodes) for (const f of n.files) if (Buffer.isBuffer(f.content)) out.set(nodeFileName({ node: n.name, path: f.path }), f.content);
  return out;
}

/** One node file, checked. */
export interface NodeCertCheck {
  file: NodeCertFile;
  name: string;
  state: NodeFileState;
  found: FoundCertificate[];
  /** Set when the file is there but does not parse. */
  error?: string;
}

/**
 * Checks each file against what was read from the nodes (`read`: by
 * {@link nodeFileName}, undefined for a file that is not there; files of
 * nodes that could not be read are left out) and, when given, what the state
 * renders.
 */
export function checkNodeCertFiles(
  files: readonly NodeCertFile[],
  read: ReadonlyMap<string, Buffer | undefined>,
  expected?: ReadonlyMap<string, Buffer>,
): NodeCertCheck[] {
  const out: NodeCertCheck[] = [];
  for (const file of files) {
    const name = nodeFileName(file);
    if (!read.has(name)) continue;
    const actual = read.get(name);
    const state = nodeFileState(file, actual, file.optional ? undefined : expected?.get(name));
    let found: FoundCertificate[] = [];
    let error: string | undefined;
    if (actual !== undefined) {
      try {
        found = certificatesInNodeFile(file, actual);
      } catch (e) {
        error = e instanceof Error ? e.message : String(e);
      }
    }
    out.push({ file, name, state, found, ...(error === undefined ? {} : { error }) });
  }
  return out;
}

/** An expiry row of a node certificate, with the state of the file it came from. */
export interface NodeCertRow extends ExpiryRow {
  node: string;
  path: string;
  state: NodeFileState;
}

/**
 * The `certs check --inventory` report: one row per certificate found (soonest
 * expiry first, signing CAs looked up among every node's certificates), and
 * the planned files that are missing.
 */
export function nodeCertReport(checks: readonly NodeCertCheck[], now: Date, warnMs: number): { rows: NodeCertRow[]; missing: NodeCertCheck[] } {
  const byName = new Map<string, NodeCertCheck>();
  for (const c of checks) for (const f of c.found) byName.set(f.name, c);
  const rows = expiryReport(
    checks.flatMap((c) => c.found),
    now,
    warnMs,
  ).map((r): NodeCertRow => {
    const c = byName.get(r.name)!;
    return { ...r, node: c.file.node, path: c.file.path, state: c.state };
  });
  return { rows, missing: checks.filter((c) => c.state === "missing") };
}

const esc = (v: string): string => v.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/"/g, '\\"');

/** node_exporter lines: 1 per node file that is stale or missing, 0 for the others compared. */
export function nodeFileStateTextfile(checks: readonly NodeCertCheck[]): string {
  const compared = checks.filter((c) => c.state === "current" || c.state === "stale" || c.state === "missing");
  const metric = (m: string, help: string, on: NodeFileState): string[] => [
    `# HELP ${m} ${help}`,
    `# TYPE ${m} gauge`,
    ...compared.map((c) => `${m}{node="${esc(c.file.node)}",path="${esc(c.file.path)}"} ${c.state === on ? 1 : 0}`),
  ];
  return [
    ...metric("k8s_pki_node_file_stale", "1 when a node's certificate file differs from what the deploy state renders.", "stale"),
    ...metric("k8s_pki_node_file_missing", "1 when a certificate file the plan puts on a node is not there.", "missing"),
  ].join("\n") + "\n";
}

/**
 * Reads the files from their nodes, one transport per node (nodes in
 * parallel, each closed after). A node that cannot be reached or read is
 * reported in `failures` (the message names the node) and its files are
 * left out of `read`.
 */
export async function readNodeFiles(
  files: readonly NodeCertFile[],
  nodes: readonly { name: string; address: string }[],
  transportFor: (n: { name: string; address: string }) => Promise<Transport>,
): Promise<{ read: Map<string, Buffer | undefined>; failures: { node: string; error: string }[] }> {
  const read = new Map<string, Buffer | undefined>();
  const failures: { node: string; error: string }[] = [];
  await Promise.all(
    nodes.map(async (n) => {
      const mine = files.filter((f) => f.node === n.name);
      if (mine.length === 0) return;
      let t: Transport | undefined;
      try {
        t = await transportFor(n);
        const got: [string, Buffer | undefined][] = [];
        for (const f of mine) got.push([nodeFileName(f), await t.readFile(f.path)]);
        for (const [k, v] of got) read.set(k, v);
      } catch (e) {
        const msg = e instanceof Error ? e.message : String(e);
        failures.push({ node: n.name, error: msg.includes(n.name) ? msg : `${n.name}: ${msg}` });
      } finally {
        await t?.close().catch(() => undefined);
      }
    }),
  );
  failures.sort((a, b) => a.node.localeCompare(b.node));
  return { read, failures };
}
