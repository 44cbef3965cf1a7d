import { createHash, createHmac, generateKeyPairSync } from "node:crypto";
import { describe, expect, it } from "vitest";
import { knownHostFingerprints } from "../../packages/deploy/src/transport/known-hosts.js";

// An ed25519 public key blob in SSH wire format: string "ssh-ed25519", string key.
function blob(): Buffer {
  const raw = generateKeyPairSync("ed25519").publicKey.export({ format: "der", type: "spki" }).subarray(-32);
  const str = (b: Buffer): Buffer => Buffer.concat([Buffer.from([0, 0, 0, b.length]), b]);
  return Buffer.concat([str(Buffer.from("ssh-ed25519")), str(raw)]);
}
const fp = (b: Buffer): string => `SHA256:${createHash("sha256").update(b).digest("base64").replace(/=+$/, "")}`;

describe("knownHostFingerprints", () => {
  const a = blob();
  const b = blob();
  const c = blob();
  const salt = Buffer.from("0123456789abcdefghij");
  const hashed = `|1|${salt.toString("base64")}|${createHmac("sha1", salt).update("[10.0.0.3]:2222").digest("base64")}`;
  const file = [
    "# comment",
    `10.0.0.1,node1 ssh-ed25519 ${a.toString("base64")}`,
    `[10.0.0.2]:2222 ssh-ed25519 ${b.toString("base64")}`,
    `${hashed} ssh-ed25519 ${c.toString("base64")}`,
    `@revoked 10.0.0.1 ssh-ed25519 ${b.toString("base64")}`,
  ].join("\n");

  it.each([
    ["10.0.0.1", 22, [fp(a)]],
    ["node1", 22, [fp(a)]],
    ["10.0.0.2", 2222, [fp(b)]],
    ["10.0.0.2", 22, []],
    ["10.0.0.3", 2222, [fp(c)]],
    ["10.0.0.9", 22, []],
  ])("%s port %d", (host, port, want) => {
    expect(knownHostFingerprints(file, host, port)).toEqual(want);
  });
});
