// diffState: what the next apply would issue from a kept state, and why.
import { writeFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { tempDirs } from "../harness/temp-dirs.js";
import { buildPlan, defaultInventory, diffState, formatStateDiff, loadKeptPki, loadOrCreateState, validateInventory, type Inventory, type PkiMaterial } from "@k8s/deploy";
import { buildPki } from "../../packages/deploy/src/pki-build.js";
import { diffTokens, type TokenDiffEntry } from "../../packages/deploy/src/state-diff.js";
import type { SecretsRecord } from "../../packages/deploy/src/state/store.js";

const base = defaultInventory();
const withVip = validateInventory({ ...base, apiserver: { ...base.apiserver, vip: "192.168.95.100" } });
const withMaster = validateInventory({ ...base, nodes: [...base.nodes, { name: "node4", address: "192.168.95.14", roles: ["master"] }] });
const withWorker = validateInventory({ ...base, nodes: [...base.nodes, { name: "node4", address: "192.168.95.14", roles: ["worker"] }] });
const presigned = validateInventory({ ...base, kubeletCerts: "presigned" });
const presignedWorker = validateInventory({ ...presigned, nodes: [...presigned.nodes, { name: "node4", address: "192.168.95.14", roles: ["worker"] }] });
const now = new Date();
const years = (n: number): Date => new Date(now.getTime() + n * 366 * 86_400_000);

let kept: Map<string, PkiMaterial>;
let keptPresigned: Map<string, PkiMaterial>;
beforeAll(async () => {
  kept = (await buildPki(buildPlan(base))).items;
  keptPresigned = (await buildPki(buildPlan(presigned))).items;
});
const without = (m: Map<string, PkiMaterial>, id: string): Map<string, PkiMaterial> => new Map([...m].filter(([k]) => k !== id));

describe("diffState", () => {
  it.each<{ name: string; inv: Inventory; state?: () => Map<string, PkiMaterial>; at?: Date; reissue: [string, string | RegExp][] }>([
    { name: "an unchanged inventory", inv: base, reissue: [] },
    { name: "a new VIP", inv: withVip, reissue: [["apiserver", "SANs +192.168.95.100"]] },
    { name: "a new master", inv: withMaster, reissue: [["apiserver", "SANs +192.168.95.14 +node4"]] },
    { name: "a new bootstrapping worker (no certificate of its own)", inv: withWorker, reissue: [] },
    { name: "a new pre-signed worker", inv: presignedWorker, state: () => keptPresigned, reissue: [["kubelet-node4", "new"]] },
    { name: "a leaf the state lost", inv: base, state: () => without(kept, "admin"), reissue: [["admin", "new"]] },
    { name: "a key pair the state lost", inv: base, state: () => without(kept, "sa"), reissue: [["sa", "new"]] },
    { name: "a leaf replaced by another certificate", inv: base, state: () => new Map([...kept, ["admin", kept.get("kube-proxy")!]]), reissue: [["admin", 'CN "system:kube-proxy" -> "admin"']] },
  ])("$name", ({ inv, state, at, reissue }) => {
    const d = diffState(buildPlan(inv), state ? state() : kept, at ?? now);
    expect(d.errors).toEqual([]);
    expect(d.empty).toBe(false);
    expect(d.reissue.map((e) => e.id)).toEqual(reissue.map(([id]) => id));
    reissue.forEach(([, why], i) => expect(d.reissue[i]!.reason).toMatch(why));
  });

  it("re-issues every leaf once they have expired, never the CAs or key pairs", () => {
    const plan = buildPlan(base);
    const d = diffState(plan, kept, years(2));
    expect(d.reissue.map((e) => e.id)).toEqual(plan.certs.filter((c) => c.kind === "cert").map((c) => c.id));
    for (const e of d.reissue) expect(e.reason).toMatch(/^expired /);
  });

  it("reports a lost CA as an error, and its leaves as no longer fitting", () => {
    const d = diffState(buildPlan(base), without(kept, "etcd-ca"), now);
    expect(d.errors.map((e) => e.id)).toEqual(["etcd-ca"]);
    expect(d.errors[0]!.reason).toMatch(/refuses to create a new CA/);
    expect(d.reissue.find((e) => e.id === "apiserver-etcd-client")?.reason).toBe("its CA etcd-ca is not kept");
  });

  it("treats an empty state as a new PKI", () => {
    const plan = buildPlan(base);
    const d = diffState(plan, new Map(), now);
    expect(d).toMatchObject({ empty: true, errors: [] });
    expect(d.reissue).toHaveLength(plan.certs.length);
  });
});

describe("formatStateDiff", () => {
  it.each([
    { name: "nothing", diff: { empty: false, reissue: [], errors: [] }, text: "## state /s\n  nothing to re-issue\n" },
    {
      name: "re-issues",
      diff: { empty: false, reissue: [{ id: "apiserver", reason: "SANs +10.0.0.5" }], errors: [] },
      text: "## state /s\n  re-issue on next apply:\n    apiserver: SANs +10.0.0.5\n",
    },
    {
      name: "an error",
      diff: { empty: false, reissue: [], errors: [{ id: "etcd-ca", reason: "gone" }] },
      text: "## state /s\n  error: etcd-ca: gone\n  nothing to re-issue\n",
    },
    { name: "empty", diff: { empty: true, reissue: [{ id: "a", reason: "new" }], errors: [] }, text: "## state /s\n  no PKI kept there yet: the next apply creates all 1 certificates and keys\n" },
  ])("prints $name", ({ diff, text }) => {
    expect(formatStateDiff(diff, "/s")).toBe(text);
  });
});

describe("loadKeptPki", () => {
  const dir = tempDirs("k8s-pki-state-diff-");

  it("reads what loadOrCreateState wrote, and a missing folder as an empty state", async () => {
    const d = dir();
    const plan = buildPlan(base);
    const { pki } = await loadOrCreateState(plan, d);
    expect(await loadKeptPki(plan, d)).toEqual(pki.items);
    expect((await loadKeptPki(plan, join(d, "nowhere"))).size).toBe(0);
  });

  it("refuses a folder holding another PKI, as apply does", async () => {
    const d = dir();
    mkdirSync(join(d, "pki"));
    writeFileSync(join(d, "pki", "ca.pem"), "x");
    await expect(loadKeptPki(buildPlan(base), d)).rejects.toThrow(/does not match this inventory/);
  });
});

describe("diffTokens", () => {
  const grown = validateInventory({ ...defaultInventory(), nodes: [...defaultInventory().nodes, { name: "node4", address: "192.168.95.14", roles: ["worker"] }] });
  const t0 = "2026-11-28T08:00:00.000Z";
  const record = (issued?: Record<string, string>): SecretsRecord => ({
    encryptionKey: "k",
    tokens: { node1: "abcdef.0123456789abcdef", node2: "bcdefa.0123456789abcdef", node3: "cdefab.0123456789abcdef" },
    now: t0,
    ...(issued === undefined ? {} : { issued }),
  });
  it.each<{ what: string; kept: SecretsRecord | undefined; now: string; want: TokenDiffEntry[] }>([
    {
      what: "a day after: every kept token expired, the new worker gets one",
      kept: record({ node1: t0, node2: t0, node3: "2026-11-29T07:00:00.000Z" }),
      now: "2026-11-29T08:00:00.000Z",
      want: [
        { node: "node1", expires: "2026-11-29T08:00:00.000Z", expired: true },
        { node: "node2", expires: "2026-11-29T08:00:00.000Z", expired: true },
        { node: "node3", expires: "2026-11-30T07:00:00.000Z", expired: false },
        { node: "node4", expired: false },
      ],
    },
    {
      what: "a file from before per-token times counts from the state's time",
      kept: record(),
      now: "2026-11-28T09:00:00.000Z",
      want: [
        { node: "node1", expires: "2026-11-29T08:00:00.000Z", expired: false },
        { node: "node2", expires: "2026-11-29T08:00:00.000Z", expired: false },
        { node: "node3", expires: "2026-11-29T08:00:00.000Z", expired: false },
        { node: "node4", expired: false },
      ],
    },
    { what: "no kept secrets: every worker's token is new", kept: undefined, now: t0, want: ["node1", "node2", "node3", "node4"].map((node) => ({ node, expired: false })) },
  ])("$what", ({ kept, now, want }) => {
    expect(diffTokens(buildPlan(grown), kept, new Date(now))).toEqual(want);
  });

  it("pre-signed kubelets have no tokens", () => {
    expect(diffTokens(buildPlan(validateInventory({ ...defaultInventory(), kubeletCerts: "presigned" })), record(), new Date(t0))).toEqual([]);
  });
});
