// Local mode's binary lookup: the first folder holding an executable of that
// name wins; k8s-pki itself stands in for the approver's program.
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { findBinary, localBinaryFinder } from "../../../packages/deploy/src/workflows/binaries.js";

const base = mkdtempSync(join(tmpdir(), "k8s-pki-binaries-"));
afterAll(() => rmSync(base, { recursive: true, force: true }));
const a = join(base, "a");
const b = join(base, "b");
mkdirSync(a);
mkdirSync(b);
const exe = (p: string, mode = 0o755): string => {
  writeFileSync(p, "#!/bin/sh\n");
  chmodSync(p, mode);
  return p;
};
exe(join(a, "etcd"), 0o644); // not executable: skipped
exe(join(b, "etcd"));
exe(join(a, "kubelet"));
exe(join(b, "kubelet"));
const self = exe(join(base, "k8s-pki.js"));

describe("findBinary", () => {
  it("takes the first folder holding an executable of that name", () => {
    expect(findBinary([a, b], "kubelet")).toBe(join(a, "kubelet"));
    expect(findBinary([a, b], "etcd")).toBe(join(b, "etcd"));
  });

  it("names the binary and the folders when none holds it (binary-missing)", () => {
    expect(() => findBinary([a, b], "flanneld")).toThrow(expect.objectContaining({ code: "binary-missing", field: "flanneld", message: `flanneld is not in ${a}, ${b}` }));
  });
});

describe("localBinaryFinder", () => {
  it("runs k8s-pki from the folders when one holds it, else the running tool's launcher", () => {
    expect(localBinaryFinder([a], self)("k8s-pki")).toBe(self);
    exe(join(b, "k8s-pki"));
    expect(localBinaryFinder([a, b], self)("k8s-pki")).toBe(join(b, "k8s-pki"));
    expect(localBinaryFinder([a], self)("kubelet")).toBe(join(a, "kubelet"));
  });

  it("has no stand-in for any other program, nor for k8s-pki without a launcher", () => {
    expect(() => localBinaryFinder([a], self)("kube-proxy")).toThrow(/kube-proxy is not in/);
    expect(() => localBinaryFinder([a])("k8s-pki")).toThrow(/k8s-pki is not in/);
  });
});
