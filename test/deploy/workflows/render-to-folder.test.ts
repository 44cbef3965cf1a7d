// renderToFolder (`deploy render` as a library call): a new PKI per render
// into an empty folder only, or the PKI and secrets kept in a state folder.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { buildPlan, defaultInventory, renderToFolder, type StateEvent } from "@k8s/deploy";

const base = mkdtempSync(join(tmpdir(), "k8s-pki-render-folder-"));
afterAll(() => rmSync(base, { recursive: true, force: true }));
const plan = buildPlan(defaultInventory());
const now = (): Date => new Date("2025-05-01T00:00:00Z");

describe("renderToFolder", () => {
  it("renders every node into a new folder with a new PKI", async () => {
    const out = join(base, "fresh");
    const r = await renderToFolder({ plan, out, now });
    expect(r).toMatchObject({ out, nodes: 3, certs: plan.certs.length });
    expect(r.files).toBeGreaterThan(50);
    expect(readdirSync(out).sort()).toEqual(["node1", "node1.manifest.txt", "node2", "node2.manifest.txt", "node3", "node3.manifest.txt"]);
  });

  it("refuses a folder that is not empty without a state (its CA keys would be replaced), writing nothing", async () => {
    const out = join(base, "used");
    mkdirSync(out);
    writeFileSync(join(out, "ca-key.pem"), "kept");
    await expect(renderToFolder({ plan, out, now })).rejects.toMatchObject({ name: "DeployError", code: "render-failed", field: "out", message: expect.stringMatching(/^.*used is not empty: a render without --state makes new CAs/) });
    expect(readdirSync(out)).toEqual(["ca-key.pem"]);
  });

  it("with a state: makes it once, then renders the same CA again into any folder", async () => {
    const stateDir = join(base, "state");
    const events: StateEvent[] = [];
    await renderToFolder({ plan, out: join(base, "a"), stateDir, now, onEvent: (e) => events.push(e) });
    await renderToFolder({ plan, out: join(base, "a"), stateDir, now, onEvent: (e) => events.push(e) });
    expect(events.map((e) => [e.created, e.issued.length > 0])).toEqual([
      [true, true],
      [false, false],
    ]);
    expect(existsSync(join(stateDir, "secrets.json"))).toBe(true);
    const ca = (dir: string): string => readFileSync(join(base, dir, "node1/etc/kubernetes/pki/ca.pem"), "utf8");
    expect(ca("a")).toBe(readFileSync(join(stateDir, "pki/kubernetes-ca.pem"), "utf8"));
  });

  it("draws serials and secrets from the randomness given", async () => {
    const { randomBytes } = await import("node:crypto");
    let drawn = 0;
    await renderToFolder({ plan, out: join(base, "random"), now, randomBytes: (n) => ((drawn += n), randomBytes(n)) });
    expect(drawn).toBeGreaterThan(20 * plan.certs.length);
  });
});
