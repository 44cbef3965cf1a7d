// Issue 12 end to end: CSRs created through the real kube-apiserver as an
// attacker's identities (a bootstrap token holder and node `a`), for every
// defect class of the issue, with our approver deciding and
// kube-controller-manager's real signer issuing. None may be approved; no
// certificate the requester is not entitled to may ever be issued; the
// legitimate client, renewal and serving requests still are.
import { X509Certificate } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as k8s from "@kubernetes/client-node";
import { Approver, applyRbac, approverManifests, createLogger, csrRbacObjects, resolveApproverConfig, KUBELET_CLIENT_SIGNER, KUBELET_SERVING_SIGNER } from "@k8s/bootstrap";
import { generateKeyAndCsr, parseCsrJson } from "@k8s/pki";
import { createBootstrapToken } from "../harness/bootstrap-token.js";
import { startControlPlane, type ControlPlane } from "../harness/control-plane.js";
import { withTempDir } from "../harness/fixtures.js";
import { waitFor } from "../harness/process.js";
import { tokenKubeConfig, waitForAcceptedToken } from "../harness/token-client.js";
import { craftedRequests, type CraftedRequest } from "../helpers/crafted-requests.js";

const tmp = withTempDir("k8s-pki-approver-attacks-");
let cp: ControlPlane;
let admin: k8s.KubeConfig;
let approver: Approver;
const logs: string[] = [];

// Node a is registered and is the attacker's own node; node b is registered
// and is the victim; node `fresh` is what the bootstrap token may become.
// Node d is an identity whose Node object does not exist yet.
const CIDR = "10.99.0.0/16";
const A_IP = "10.99.0.10";
const B_IP = "10.99.0.11";
// The harness's real `kubernetes` Service address (SERVICE_CLUSTER_IP_RANGE's first IP).
const SERVICE_VIP = "10.0.0.1";

type Who = "token" | "node-a" | "node-d";
const kcs = {} as Record<Who, k8s.KubeConfig>;
const USERNAME: Record<Who, string> = { token: "", "node-a": "system:node:a", "node-d": "system:node:d" };

const CLIENT = { signerName: KUBELET_CLIENT_SIGNER, usages: ["digital signature", "client auth"] };
const SERVING = { signerName: KUBELET_SERVING_SIGNER, usages: ["digital signature", "server auth"] };
type Spec = typeof CLIENT | typeof SERVING;
type Csr = k8s.V1CertificateSigningRequest;

function certKubeConfig(cert: string, key: string): k8s.KubeConfig {
  const kc = new k8s.KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: "c", server: cp.url, caData: Buffer.from(cp.caPem).toString("base64") }],
    users: [{ name: "u", certData: Buffer.from(cert).toString("base64"), keyData: Buffer.from(key).toString("base64") }],
    contexts: [{ name: "x", cluster: "c", user: "u" }],
    currentContext: "x",
  });
  return kc;
}

async function registerNode(name: string, ip: string): Promise<void> {
  const core = admin.makeApiClient(k8s.CoreV1Api);
  await core.createNode({ body: { metadata: { name } } });
  await core.patchNodeStatus(
    { name, body: { status: { addresses: [{ type: "InternalIP", address: ip }, { type: "Hostname", address: name }] } } },
    k8s.setHeaderOptions("Content-Type", k8s.PatchStrategy.MergePatch),
  );
}

function startApprover(kc: k8s.KubeConfig): Promise<Approver> {
  const config = resolveApproverConfig({ listen: "127.0.0.1:0", leaderElect: false, cidr: [CIDR] });
  const a = new Approver({ kubeConfig: kc, config, logger: createLogger("json", (l) => void logs.push(l)) });
  return a.start().then(() => a);
}

beforeAll(async () => {
  cp = await startControlPlane({ dir: tmp.path, controllerManager: true, csrApproving: false });
  admin = cp.kubeConfig();
  await applyRbac(admin, csrRbacObjects());
  const token = await createBootstrapToken(admin);
  USERNAME.token = token.username;
  kcs.token = tokenKubeConfig(cp, token.token);
  for (const n of ["a", "d"] as const) {
    const { cert, key } = await cp.pki.mintClientCert(`system:node:${n}`, ["system:nodes"]);
    kcs[`node-${n}`] = certKubeConfig(cert, key);
  }
  await Promise.all([registerNode("a", A_IP), registerNode("b", B_IP), waitForAcceptedToken(kcs.token)]);
  approver = await startApprover(admin);
});
afterAll(async () => {
  await approver?.stop();
  await cp?.stop();
});

const certs = (kc: k8s.KubeConfig) => kc.makeApiClient(k8s.CertificatesV1Api);
const verdictOf = (c: Csr) => c.status?.conditions?.find((x) => x.type === "Approved" || x.type === "Denied");

/** Creates a CSR as `who`; a refusal by kube-apiserver itself comes back as its HTTP status and message. */
async function submit(who: Who, pem: string, spec: Spec): Promise<{ name: string } | { refused: number; message: string }> {
  try {
    const c = await certs(kcs[who]).createCertificateSigningRequest({
      body: { metadata: { generateName: "attack-" }, spec: { request: Buffer.from(pem, "latin1").toString("base64"), ...spec } },
    });
    return { name: c.metadata!.name! };
  } catch (e) {
    if (e instanceof k8s.ApiException && e.code >= 400 && e.code < 500) {
      const body = typeof e.body === "string" ? e.body : JSON.stringify(e.body);
      return { refused: e.code, message: (/"message":"((?:[^"\\]|\\.)*)"/.exec(body)?.[1] ?? body).slice(0, 160) };
    }
    throw e;
  }
}

async function ordinaryCsr(json: object): Promise<string> {
  return (await generateKeyAndCsr(parseCsrJson(json))).csrPem;
}

const nodeSubject = (n: string, hosts: string[] = []) => ({ CN: `system:node:${n}`, names: [{ O: "system:nodes" }], hosts });

/** Polls all CSRs until each named one has a verdict (or the time is up); returns the last reading of each. */
async function readAll(names: string[], until: (c: Csr) => boolean, timeoutMs: number): Promise<Map<string, Csr>> {
  const want = new Set(names);
  let last = new Map<string, Csr>();
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const list = await certs(admin).listCertificateSigningRequest();
    last = new Map(list.items.filter((c) => want.has(c.metadata!.name!)).map((c) => [c.metadata!.name!, c]));
    if (names.every((n) => last.has(n) && until(last.get(n)!)) || Date.now() > deadline) return last;
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** What an issued certificate says, read by OpenSSL (node:crypto), not by the parsers under test. */
function issuedIdentity(c: Csr): { subject: string; sans: string[] } | undefined {
  const b64 = c.status?.certificate;
  if (!b64) return undefined;
  const x = new X509Certificate(Buffer.from(b64, "base64"));
  return { subject: x.subject.split("\n").sort().join(","), sans: (x.subjectAltName ?? "").split(", ").filter((s) => s !== "") };
}

/** Whether a certificate with this subject and these SANs is one `who` may hold for this signer. */
function entitled(who: Who, signer: string, id: { subject: string; sans: string[] }, freshNode: string): boolean {
  const node = who === "token" ? freshNode : who === "node-a" ? "a" : "d";
  if (id.subject !== `CN=system:node:${node},O=system:nodes`) return false;
  if (signer === KUBELET_CLIENT_SIGNER) return id.sans.length === 0;
  const own = node === "a" ? [`DNS:a`, `IP Address:${A_IP}`] : [`DNS:${node}`];
  return id.sans.every((s) => own.includes(s));
}

// Crafted requests that are canonical and ask for exactly what the requester is
// entitled to, so approving them is right: the issue's canonical form allows a
// missing final newline; the key rule allows P-521 and any 2048-bit RSA key
// whatever its exponent (Go verifies e=3 and e=17 outside FIPS mode).
const ENTITLED_AS_WRITTEN = new Set(["pem/no-final-newline", "signature/ecdsa-p521", "signature/rsa-2048-e3", "signature/rsa-2048-e17"]);

describe("the approver against issue 12's attacks, on the real API and signer", () => {
  it("approves the legitimate controls, and kube-controller-manager issues them", async () => {
    const controls: [string, Who, string, Spec, string][] = [
      ["bootstrap client", "token", await ordinaryCsr(nodeSubject("c")), CLIENT, "CN=system:node:c,O=system:nodes"],
      ["renewal of a's client certificate", "node-a", await ordinaryCsr(nodeSubject("a")), CLIENT, "CN=system:node:a,O=system:nodes"],
      ["a's serving certificate with its own name and IP", "node-a", await ordinaryCsr(nodeSubject("a", ["a", A_IP])), SERVING, "CN=system:node:a,O=system:nodes"],
    ];
    const created = await Promise.all(controls.map(([, who, pem, spec]) => submit(who, pem, spec)));
    const names = created.map((c, i) => {
      if (!("name" in c)) throw new Error(`${controls[i]![0]}: refused by kube-apiserver: ${c.message}`);
      return c.name;
    });
    const got = await readAll(names, (c) => !!c.status?.certificate, 60_000);
    controls.forEach(([what, , , , subject], i) => {
      const c = got.get(names[i]!)!;
      expect(verdictOf(c), what).toMatchObject({ type: "Approved", reason: "AutoApproved" });
      expect(issuedIdentity(c)?.subject, what).toBe(subject);
    });
    expect(issuedIdentity(got.get(names[2]!)!)?.sans.sort()).toEqual(["DNS:a", `IP Address:${A_IP}`]);
  });

  it("denies the policy holes: node takeover, another Node's IP under --cidr, too many SANs", async () => {
    const cases: [string, Who, string, Spec, string, RegExp][] = [
      ["a bootstrap token asks for registered node b", "token", await ordinaryCsr(nodeSubject("b")), CLIENT, "registered-node", /node b is already registered/],
      ["unregistered node d asks for b's IP inside --cidr", "node-d", await ordinaryCsr(nodeSubject("d", ["d", B_IP])), SERVING, "ip-address", new RegExp(`${B_IP.replace(/\./g, "\\.")} belongs to node b`)],
      ["node a asks for 33 names", "node-a", await ordinaryCsr(nodeSubject("a", ["a", ...Array.from({ length: 32 }, (_, i) => `a${i}.example`)])), SERVING, "san-count", /33 DNS names and IP addresses exceed the maximum 32/],
    ];
    const created = await Promise.all(cases.map(([, who, pem, spec]) => submit(who, pem, spec)));
    const names = created.map((c, i) => {
      if (!("name" in c)) throw new Error(`${cases[i]![0]}: refused by kube-apiserver: ${c.message}`);
      return c.name;
    });
    const got = await readAll(names, (c) => !!verdictOf(c), 60_000);
    cases.forEach(([what, , , , rule, message], i) => {
      const c = got.get(names[i]!)!;
      const v = verdictOf(c);
      expect(v, what).toMatchObject({ type: "Denied", reason: "AutoDenied" });
      expect(v?.message, what).toContain(`rule ${rule}`);
      expect(v?.message, what).toMatch(message);
      expect(c.status?.certificate, what).toBeUndefined();
    });
  });

  it("approves none of the crafted requests of every defect class, and the signer issues nothing unentitled", async () => {
    // Three attackers: the token (bootstrap client, entitled to a new node's name),
    // node a renewing (client) and node a asking for a serving certificate.
    const FRESH = "fresh";
    const batches: { who: Who; spec: Spec; requests: CraftedRequest[] }[] = [
      { who: "token", spec: CLIENT, requests: craftedRequests({ nodeName: FRESH, evilName: "b", evilIp: SERVICE_VIP }) },
      { who: "node-a", spec: CLIENT, requests: craftedRequests({ nodeName: "a", evilName: "b", nodeIp: A_IP, evilIp: SERVICE_VIP }) },
      { who: "node-a", spec: SERVING, requests: craftedRequests({ nodeName: "a", evilName: "b", nodeIp: A_IP, evilIp: SERVICE_VIP }) },
    ];
    type Row = { who: Who; signer: "client" | "serving"; request: string; cls: string; pem: string; name?: string; refused?: string };
    const rows: Row[] = batches.flatMap((b) => b.requests.map((r) => ({ who: b.who, signer: b.spec === CLIENT ? ("client" as const) : ("serving" as const), request: r.name, cls: r.cls, pem: r.pem })));
    // Creation in parallel, a few at a time: the control plane shares 2 cores with the approver and the signer.
    const t0 = Date.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (next < rows.length) {
          const r = rows[next++]!;
          const res = await submit(r.who, r.pem, r.signer === "client" ? CLIENT : SERVING);
          if ("name" in res) r.name = res.name;
          else r.refused = `${res.refused}: ${res.message}`;
        }
      }),
    );
    const createdMs = Date.now() - t0;
    const accepted = rows.filter((r) => r.name);
    // A verdict, or an issued certificate, for every accepted CSR; what is still pending then has not been approved.
    const got = await readAll(
      accepted.map((r) => r.name!),
      (c) => !!verdictOf(c),
      120_000,
    );
    // Give the signer time to act on anything approved, so an issued certificate cannot hide behind timing.
    const decidedMs = Date.now() - t0;
    const approvedNames = accepted.filter((r) => verdictOf(got.get(r.name!)!)?.type === "Approved").map((r) => r.name!);
    const signed = approvedNames.length ? await readAll(approvedNames, (c) => !!c.status?.certificate || !!c.status?.conditions?.some((x) => x.type === "Failed"), 30_000) : new Map<string, Csr>();

    const outcome = (r: Row): string => {
      if (r.refused) return `refused by kube-apiserver (${r.refused})`;
      const c = signed.get(r.name!) ?? got.get(r.name!);
      const v = c && verdictOf(c);
      if (!v) return "pending";
      const rule = /rule ([a-z-]+)/.exec(v.message ?? "")?.[1] ?? "?";
      return `${v.type} ${v.reason} ${rule}`;
    };
    const table = rows.map((r) => `${r.who.padEnd(6)} ${r.signer.padEnd(7)} ${r.request.padEnd(48)} ${outcome(r)}`);
    const tally = new Map<string, number>();
    for (const r of rows) {
      const k = `${r.signer} ${outcome(r).replace(/ \(.*/, "")}`;
      tally.set(k, (tally.get(k) ?? 0) + 1);
    }
    const summary = [...tally].sort((x, y) => y[1] - x[1]).map(([k, n]) => `${String(n).padStart(5)} ${k}`);
    console.log(`issue 12 attacks: ${rows.length} requests, ${accepted.length} accepted by kube-apiserver (created in ${createdMs} ms, all decided after ${decidedMs} ms)\n${summary.join("\n")}`);

    const problems: string[] = [];
    for (const r of accepted) {
      const c = signed.get(r.name!) ?? got.get(r.name!)!;
      const id = issuedIdentity(c);
      const signer = r.signer === "client" ? KUBELET_CLIENT_SIGNER : KUBELET_SERVING_SIGNER;
      // The security property, judged on the real signer's output: never a certificate the requester is not entitled to.
      if (id && !entitled(r.who, signer, id, FRESH)) problems.push(`${r.who} ${r.signer} ${r.request}: ISSUED ${id.subject} ${id.sans.join(" ")}`);
      const v = verdictOf(c);
      const control = r.cls === "control" && (r.signer === "client") === !r.request.startsWith("control/serving");
      if (control) {
        if (v?.type !== "Approved") problems.push(`${r.who} ${r.signer} ${r.request}: a control, not approved (${outcome(r)})`);
      } else if (v?.type === "Approved" && !(ENTITLED_AS_WRITTEN.has(r.request) && r.signer === "client")) {
        problems.push(`${r.who} ${r.signer} ${r.request}: approved${id ? ` and issued ${id.subject} ${id.sans.join(" ")}` : ""}`);
      }
      // The reason follows the rule.
      if (v?.type === "Denied") expect(v.reason, r.request).toBe(/rule non-canonical-request/.test(v.message ?? "") ? "NonCanonicalRequest" : "AutoDenied");
    }
    // Every request's fate, to read alongside the problems.
    if (problems.length) console.log(table.join("\n"));
    expect(problems).toEqual([]);
  });

  // Last, since it replaces the approver: Node lookups that fail (here: RBAC
  // refuses them) leave the CSR pending; nothing is approved on a missing fact.
  it("leaves CSRs pending while Node lookups fail, and decides them once they work", async () => {
    await approver.stop();
    const rbac = admin.makeApiClient(k8s.RbacAuthorizationV1Api);
    const role = approverManifests().find((o) => o.kind === "ClusterRole") as { rules: k8s.V1PolicyRule[] };
    const user = "k8s-pki-approver-restricted";
    const { cert, key } = await cp.pki.mintClientCert(user, []);
    const restricted = certKubeConfig(cert, key);
    const grant = async (nodeVerbs: string[]): Promise<void> => {
      const rules = role.rules.filter((r) => !r.resources?.includes("nodes"));
      if (nodeVerbs.length) rules.push({ apiGroups: [""], resources: ["nodes"], verbs: nodeVerbs });
      const body = { metadata: { name: user }, rules };
      await rbac.replaceClusterRole({ name: user, body }).catch(() => rbac.createClusterRole({ body }));
    };
    await grant([]);
    await rbac.createClusterRoleBinding({
      body: { metadata: { name: user }, roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: user }, subjects: [{ apiGroup: "rbac.authorization.k8s.io", kind: "User", name: user }] },
    });
    const pending = async (name: string): Promise<boolean> => !verdictOf(await certs(admin).readCertificateSigningRequest({ name }));
    const errors = (a: Approver): number => Number(/outcome="error",reason="fact-lookup"\} (\d+)/.exec(a.registry.render())?.[1] ?? 0);
    const create = async (who: Who, pem: string, spec: Spec): Promise<string> => {
      const r = await submit(who, pem, spec);
      if (!("name" in r)) throw new Error(`refused by kube-apiserver: ${r.message}`);
      return r.name;
    };

    // No access to Nodes at all: the registered-node check cannot be made for a bootstrap request.
    let a = await startApprover(restricted);
    const client = await create("token", await ordinaryCsr(nodeSubject("e")), CLIENT);
    await waitFor(() => errors(a) >= 2, { what: "failed Node lookups, retried", timeoutMs: 30_000 });
    expect(await pending(client)).toBe(true);
    await a.stop();

    // get but not list: the bootstrap request is decided, the serving one under --cidr cannot be (no list of Nodes).
    await grant(["get"]);
    a = await startApprover(restricted);
    const serving = await create("node-d", await ordinaryCsr(nodeSubject("d", ["d", "10.99.0.50"])), SERVING);
    await waitFor(async () => !(await pending(client)), { what: "the bootstrap CSR decided once Nodes can be read", timeoutMs: 30_000 });
    await waitFor(() => errors(a) >= 2, { what: "failed Node lists, retried", timeoutMs: 30_000 });
    expect(verdictOf(await certs(admin).readCertificateSigningRequest({ name: client }))?.type).toBe("Approved");
    expect(await pending(serving)).toBe(true);
    await a.stop();

    // With the approver's whole role the serving request is approved too: the wait was only the error.
    await grant(["get", "list"]);
    approver = await startApprover(restricted);
    await waitFor(async () => !(await pending(serving)), { what: "the serving CSR decided once Nodes can be listed", timeoutMs: 30_000 });
    expect(verdictOf(await certs(admin).readCertificateSigningRequest({ name: serving }))?.type).toBe("Approved");
  });
});
