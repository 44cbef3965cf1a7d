// handle(): one CSR decided and its verdict written through an in-memory fake
// of the approver's API port, as kube-controller-manager's TestHandle does
// with a fake clientset. The real API server runs these paths in
// test/integration/approver*.test.ts; here each failure is placed exactly.
import { beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import type { CoreV1Event, V1CertificateSigningRequest, V1Node, V1NodeList, V1SubjectAccessReview } from "@kubernetes/client-node";
import { generateKeyAndCsr, parseCsrJson } from "@k8s/pki";
import { handle, type HandleContext } from "../../../packages/bootstrap/src/approver/handle.js";
import type { ApproverApi } from "../../../packages/bootstrap/src/approver/ports.js";
import { resolveApproverConfig } from "../../../packages/bootstrap/src/approver/config.js";
import { KUBELET_CLIENT_SIGNER } from "../../../packages/bootstrap/src/approver/csr-facts.js";
import { Registry } from "../../../packages/bootstrap/src/controller-runtime/metrics.js";

// Counts the parses of a request, to check that one handling parses once.
const parses = vi.hoisted(() => ({ count: 0 }));
vi.mock("../../../packages/bootstrap/src/approver/csr-facts.js", async (importOriginal) => {
  const real = await importOriginal<typeof import("../../../packages/bootstrap/src/approver/csr-facts.js")>();
  return {
    ...real,
    parseRequest: (r: string | Uint8Array) => {
      parses.count++;
      return real.parseRequest(r);
    },
  };
});

/** An error as client-node's ApiException carries it: the HTTP status in `code`. */
const httpError = (code: number): Error => Object.assign(new Error(`HTTP ${code}`), { code });

const clone = <T>(o: T): T => structuredClone(o);

/** An API server of CSRs, Nodes, SubjectAccessReviews and Events, in memory. */
class FakeApi implements ApproverApi {
  readonly csrs = new Map<string, V1CertificateSigningRequest>();
  readonly nodes: V1Node[] = [];
  readonly events: CoreV1Event[] = [];
  readonly writes: V1CertificateSigningRequest[] = [];
  readonly calls: string[] = [];
  sarAllowed = true;
  /** Errors the next calls of a method throw, in order. */
  readonly failures: Partial<Record<keyof ApproverApi, Error[]>> = {};
  /** Runs inside a call, before it answers (e.g. to lose the lease there). */
  readonly during: Partial<Record<keyof ApproverApi, () => void>> = {};

  private enter(m: keyof ApproverApi): void {
    this.calls.push(m);
    this.during[m]?.();
    const e = this.failures[m]?.shift();
    if (e) throw e;
  }

  async readCsr(name: string): Promise<V1CertificateSigningRequest> {
    this.enter("readCsr");
    const c = this.csrs.get(name);
    if (!c) throw httpError(404);
    return clone(c);
  }

  async replaceApproval(name: string, body: V1CertificateSigningRequest): Promise<V1CertificateSigningRequest> {
    this.enter("replaceApproval");
    const c = this.csrs.get(name);
    if (!c) throw httpError(404);
    if (body.metadata?.resourceVersion !== c.metadata?.resourceVersion) throw httpError(409);
    const stored = clone({ ...c, status: body.status, metadata: { ...c.metadata, resourceVersion: String(Number(c.metadata!.resourceVersion) + 1) } });
    this.csrs.set(name, stored);
    this.writes.push(clone(body));
    return clone(stored);
  }

  async createEvent(_namespace: string, body: CoreV1Event): Promise<void> {
    this.enter("createEvent");
    this.events.push(body);
  }

  async createSubjectAccessReview(body: V1SubjectAccessReview): Promise<V1SubjectAccessReview> {
    this.enter("createSubjectAccessReview");
    return { ...body, status: { allowed: this.sarAllowed } };
  }

  async readNode(name: string): Promise<V1Node> {
    this.enter("readNode");
    const n = this.nodes.find((x) => x.metadata?.name === name);
    if (!n) throw httpError(404);
    return n;
  }

  async listNodes(): Promise<V1NodeList> {
    this.enter("listNodes");
    return { items: this.nodes };
  }

  /** Stores a CSR as the server has it, and returns the copy a cache would hold. */
  add(csr: V1CertificateSigningRequest): V1CertificateSigningRequest {
    this.csrs.set(csr.metadata!.name!, clone(csr));
    return clone(csr);
  }

  /** Someone else's update: a new resourceVersion (and whatever `change` does). */
  touch(name: string, change: (c: V1CertificateSigningRequest) => void = () => {}): void {
    const c = this.csrs.get(name)!;
    change(c);
    c.metadata!.resourceVersion = String(Number(c.metadata!.resourceVersion) + 1);
  }
}

const CLIENT_USAGES = ["digital signature", "key encipherment", "client auth"];
let n1Request: string;
let mastersRequest: string;

beforeAll(async () => {
  const pem = async (json: object): Promise<string> => Buffer.from((await generateKeyAndCsr(parseCsrJson(json))).csrPem, "latin1").toString("base64");
  n1Request = await pem({ CN: "system:node:n1", names: [{ O: "system:nodes" }] });
  mastersRequest = await pem({ CN: "system:node:n1", names: [{ O: "system:masters" }] });
});

/** A kubelet's client CSR: a bootstrap token's (nodeclient) by default. */
function csr(o: { request?: string; username?: string; groups?: string[]; name?: string } = {}): V1CertificateSigningRequest {
  return {
    apiVersion: "certificates.k8s.io/v1",
    kind: "CertificateSigningRequest",
    metadata: { name: o.name ?? "csr-1", uid: "uid-1", resourceVersion: "10", creationTimestamp: new Date(Date.now() - 2_000) },
    spec: {
      request: o.request ?? n1Request,
      signerName: KUBELET_CLIENT_SIGNER,
      usages: CLIENT_USAGES,
      username: o.username ?? "system:bootstrap:abcdef",
      groups: o.groups ?? ["system:bootstrappers", "system:authenticated"],
    },
  };
}

let api: FakeApi;
let registry: Registry;
let metrics: HandleContext["metrics"];
let logs: { level: string; msg: string; fields?: Record<string, unknown> }[];

function context(raw: Parameters<typeof resolveApproverConfig>[0] = {}, signal?: AbortSignal): HandleContext {
  return {
    config: resolveApproverConfig({ identity: "test", ...raw }),
    logger: { log: (level, msg, fields) => void logs.push({ level, msg, fields }) },
    metrics,
    now: () => new Date(),
    signal,
  };
}

/** The value of k8s_pki_approver_decisions_total for this outcome and reason (0 when absent). */
const decisions = (outcome: string, reason: string): number =>
  Number(new RegExp(`k8s_pki_approver_decisions_total\\{signer="${KUBELET_CLIENT_SIGNER}",outcome="${outcome}",reason="${reason}"\\} (\\d+)`).exec(registry.render())?.[1] ?? 0);

const conditionsOf = (name = "csr-1") => api.csrs.get(name)?.status?.conditions ?? [];
// Events are written without waiting for them (best effort): let them land.
const settle = () => new Promise((r) => setTimeout(r, 0));

beforeEach(() => {
  api = new FakeApi();
  registry = new Registry();
  metrics = {
    decisions: registry.counter({ name: "k8s_pki_approver_decisions_total", help: "d", labelNames: ["signer", "outcome", "reason"] }),
    latency: registry.histogram({ name: "k8s_pki_approver_approval_seconds", help: "l", labelNames: ["signer"], buckets: [1, 10] }),
  };
  logs = [];
  parses.count = 0;
});

describe("handle", () => {
  it("approves a bootstrap token's client CSR after the Node lookup and the nodeclient SubjectAccessReview, with an Event", async () => {
    const cached = api.add(csr());
    expect(await handle(cached, api, context())).toBe(false);
    expect(api.calls).toEqual(["readNode", "createSubjectAccessReview", "replaceApproval", "createEvent"]);
    expect(conditionsOf()).toEqual([
      expect.objectContaining({ type: "Approved", status: "True", reason: "AutoApproved", message: "Auto approving kubelet client certificate after SubjectAccessReview. (rule nodeclient, k8s-pki approver)" }),
    ]);
    await settle();
    expect(api.events).toEqual([expect.objectContaining({ type: "Normal", reason: "AutoApproved", message: "Auto approving kubelet client certificate after SubjectAccessReview. (rule nodeclient)" })]);
    expect(api.events[0]!.involvedObject).toMatchObject({ kind: "CertificateSigningRequest", name: "csr-1", resourceVersion: "11" });
    expect(decisions("approved", "nodeclient")).toBe(1);
    expect(registry.render()).toMatch(/k8s_pki_approver_approval_seconds_count\{signer="kubernetes.io\/kube-apiserver-client-kubelet"\} 1/);
  });

  it("parses the request once while deciding three times (Node, SubjectAccessReview, verdict)", async () => {
    await handle(api.add(csr()), api, context());
    expect(api.calls.filter((c) => c === "readNode" || c === "createSubjectAccessReview")).toHaveLength(2);
    expect(parses.count).toBe(1);
  });

  it("denies a CSR that breaks a rule: Denied with the rule in the message, a Warning Event, no SubjectAccessReview", async () => {
    expect(await handle(api.add(csr({ request: mastersRequest })), api, context())).toBe(false);
    expect(api.calls).toEqual(["replaceApproval", "createEvent"]);
    expect(conditionsOf()).toEqual([expect.objectContaining({ type: "Denied", reason: "AutoDenied", message: expect.stringMatching(/^Denied by the k8s-pki approver: rule organization: /) })]);
    await settle();
    expect(api.events).toEqual([expect.objectContaining({ type: "Warning", reason: "AutoDenied", message: expect.stringMatching(/^rule organization: /) })]);
    expect(decisions("denied", "organization")).toBe(1);
  });

  it("with --dry-run decides and logs but writes nothing", async () => {
    expect(await handle(api.add(csr()), api, context({ dryRun: true }))).toBe(false);
    expect(await handle(api.add(csr({ name: "csr-2", request: mastersRequest })), api, context({ dryRun: true }))).toBe(false);
    expect(api.calls).not.toContain("replaceApproval");
    expect(api.calls).not.toContain("createEvent");
    expect(decisions("dry-run", "nodeclient")).toBe(1);
    expect(decisions("dry-run", "organization")).toBe(1);
    expect(logs.map((l) => l.msg)).toEqual(["dry run: would approve", "dry run: would deny"]);
  });

  it("with --deny-mode pending leaves a CSR that breaks a rule pending, and still approves the good ones", async () => {
    expect(await handle(api.add(csr({ request: mastersRequest })), api, context({ denyMode: "pending" }))).toBe(false);
    expect(conditionsOf()).toEqual([]);
    expect(api.calls).toEqual([]);
    expect(decisions("left-pending", "organization")).toBe(1);
    expect(logs).toEqual([expect.objectContaining({ level: "warn", msg: "breaks a rule; left pending (deny-mode=pending)" })]);
    expect(await handle(api.add(csr({ name: "csr-2" })), api, context({ denyMode: "pending" }))).toBe(false);
    expect(conditionsOf("csr-2")).toEqual([expect.objectContaining({ type: "Approved" })]);
  });

  it("on 409 reads the CSR again and decides again on what is there now", async () => {
    const cached = api.add(csr());
    api.touch("csr-1", (c) => (c.metadata!.labels = { changed: "yes" }));
    expect(await handle(cached, api, context())).toBe(false);
    expect(api.calls).toEqual(["readNode", "createSubjectAccessReview", "replaceApproval", "readCsr", "readNode", "createSubjectAccessReview", "replaceApproval", "createEvent"]);
    expect(api.writes.map((w) => w.metadata?.resourceVersion)).toEqual(["11"]);
    expect(conditionsOf()).toEqual([expect.objectContaining({ type: "Approved" })]);
    expect(decisions("approved", "nodeclient")).toBe(1);
    // The same request text after the re-read: still one parse.
    expect(parses.count).toBe(1);
  });

  it("on 409 writes nothing when the CSR read again was decided meanwhile", async () => {
    const cached = api.add(csr());
    api.touch("csr-1", (c) => (c.status = { conditions: [{ type: "Denied", status: "True", reason: "ByHand", message: "no" }] }));
    expect(await handle(cached, api, context())).toBe(false);
    expect(api.writes).toEqual([]);
    expect(conditionsOf()).toEqual([expect.objectContaining({ type: "Denied", reason: "ByHand" })]);
  });

  it("writes nothing when the lease is lost while the facts are looked up, and asks to be retried", async () => {
    const term = new AbortController();
    api.during.createSubjectAccessReview = () => term.abort();
    expect(await handle(api.add(csr()), api, context({}, term.signal))).toBe(true);
    expect(api.calls).toEqual(["readNode", "createSubjectAccessReview"]);
    expect(conditionsOf()).toEqual([]);
  });

  it("keeps the verdict when the Event cannot be written, and does not retry", async () => {
    api.failures.createEvent = [httpError(500)];
    const unhandled = vi.fn();
    process.on("unhandledRejection", unhandled);
    try {
      expect(await handle(api.add(csr()), api, context())).toBe(false);
      await settle();
    } finally {
      process.off("unhandledRejection", unhandled);
    }
    expect(api.calls).toEqual(["readNode", "createSubjectAccessReview", "replaceApproval", "createEvent"]);
    expect(api.events).toEqual([]);
    expect(conditionsOf()).toEqual([expect.objectContaining({ type: "Approved" })]);
    expect(decisions("approved", "nodeclient")).toBe(1);
    expect(unhandled).not.toHaveBeenCalled();
  });

  it.each([
    { name: "the Node lookup fails", method: "readNode", reason: "fact-lookup" },
    { name: "the SubjectAccessReview fails", method: "createSubjectAccessReview", reason: "fact-lookup" },
    { name: "the verdict write fails", method: "replaceApproval", reason: "write" },
  ] as const)("asks to be retried, without a verdict, when $name (HTTP 500)", async ({ method, reason }) => {
    api.failures[method] = [httpError(500)];
    expect(await handle(api.add(csr()), api, context())).toBe(true);
    expect(conditionsOf()).toEqual([]);
    expect(decisions("error", reason)).toBe(1);
    expect(logs).toEqual([expect.objectContaining({ level: "warn", fields: expect.objectContaining({ csr: "csr-1", error: "HTTP 500" }) })]);
    // The retry finds the API answering again and approves.
    expect(await handle(api.csrs.get("csr-1"), api, context())).toBe(false);
    expect(conditionsOf()).toEqual([expect.objectContaining({ type: "Approved" })]);
  });

  it.each([
    { name: "every call fails", setup: (a: FakeApi) => Object.assign(a.failures, { readNode: [httpError(503)], createSubjectAccessReview: [httpError(503)], replaceApproval: [httpError(503)] }) },
    { name: "the SubjectAccessReview says no", setup: (a: FakeApi) => (a.sarAllowed = false) },
    { name: "the Node is registered already", setup: (a: FakeApi) => a.nodes.push({ metadata: { name: "n1" } }) },
    { name: "the Node lookup is refused (403)", setup: (a: FakeApi) => (a.failures.readNode = [httpError(403), httpError(403)]) },
    { name: "the CSR vanished before the write and cannot be read again", setup: (a: FakeApi) => (a.during.createSubjectAccessReview = () => a.csrs.delete("csr-1")) },
    { name: "the CSR keeps changing under every write", setup: (a: FakeApi) => (a.during.replaceApproval = () => a.touch("csr-1")) },
  ])("never approves when $name", async ({ setup }) => {
    const cached = api.add(csr());
    setup(api);
    await handle(cached, api, context());
    await handle(cached, api, context());
    expect(api.writes.filter((w) => w.status?.conditions?.some((c) => c.type === "Approved"))).toEqual([]);
    expect(decisions("approved", "nodeclient")).toBe(0);
  });
});
