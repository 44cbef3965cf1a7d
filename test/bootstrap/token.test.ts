import { Console } from "node:console";
import { Writable } from "node:stream";
import { format, inspect } from "node:util";
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { BootstrapToken, generateToken, parseToken, parseTokenId, randomTokenString, validateExtraGroup, isBootstrapError } from "@k8s/bootstrap";

describe("generateToken", () => {
  it("produces [a-z0-9]{6}.[a-z0-9]{16} tokens", () => {
    for (let i = 0; i < 200; i++) expect(generateToken().value).toMatch(/^[a-z0-9]{6}\.[a-z0-9]{16}$/);
  });

  it("rejects random bytes >= 252 so every character is equally likely", () => {
    // 251 is the last byte kept (251 % 36 = 35 -> 'z'); 252..255 must be skipped.
    const bytes = [252, 253, 254, 255, 251, 0, 35, 10];
    let i = 0;
    const random = (n: number): Uint8Array => Uint8Array.from({ length: n }, () => bytes[i++ % bytes.length]!);
    expect(randomTokenString(4, random)).toBe("z0za");
  });

  it("draws characters uniformly", () => {
    const counts = new Map<string, number>();
    const s = randomTokenString(36 * 2000);
    for (const c of s) counts.set(c, (counts.get(c) ?? 0) + 1);
    expect(counts.size).toBe(36);
    for (const n of counts.values()) expect(Math.abs(n - 2000)).toBeLessThan(300);
  });
});

describe("parseToken", () => {
  it.each([
    ["abcdef.0123456789abcdef", true],
    ["ABCDEF.0123456789abcdef", false],
    ["abcde.0123456789abcdef", false],
    ["abcdef.0123456789abcde", false],
    ["abcdef0123456789abcdef", false],
    ["abcdef.0123456789abcdef\n", false],
    [" abcdef.0123456789abcdef", false],
  ])("%j valid=%s", (value, ok) => {
    if (ok) expect(parseToken(value).value).toBe(value);
    else expect(() => parseToken(value)).toThrow(/does not match/);
  });

  it("never puts the secret in messages, JSON or string form", () => {
    const t = parseToken("abcdef.0123456789abcdef");
    expect(String(t)).toBe("abcdef.****************");
    expect(JSON.stringify({ t })).not.toContain("0123456789abcdef");
    try {
      parseToken("abcdef.0123456789ABCDEF");
    } catch (e) {
      expect((e as Error).message).not.toContain("0123456789ABCDEF");
    }
  });

  it("never shows the secret through console.log, util.inspect, format or spreading, yet gives it when asked", () => {
    const t = parseToken("abcdef.0123456789abcdef");
    let logged = "";
    const out = new Writable({
      write(chunk: Buffer, _enc, done) {
        logged += chunk.toString();
        done();
      },
    });
    const console = new Console(out);
    console.log(t);
    console.log({ token: t, nested: [t] });
    console.dir(t, { showHidden: true, depth: 5 });
    logged += inspect(t, { showHidden: true, customInspect: true }) + format("%o %O %s %j", t, t, t, t) + JSON.stringify({ ...t });
    expect(logged).toContain("abcdef.****************");
    expect(logged).not.toContain("0123456789abcdef");
    expect(Object.keys(t)).toEqual(["id"]);
    // The explicit ways, for the commands that must print or store it.
    expect(t.value).toBe("abcdef.0123456789abcdef");
    expect(t.secret).toBe("0123456789abcdef");
  });

  it("has the username the API server authenticates", () => {
    expect(new BootstrapToken("abcdef", "0123456789abcdef").username).toBe("system:bootstrap:abcdef");
  });

  it("only ever throws BootstrapError on arbitrary input", () => {
    fc.assert(
      fc.property(fc.string(), (s) => {
        try {
          parseToken(s);
        } catch (e) {
          return isBootstrapError(e);
        }
        return true;
      }),
      { numRuns: 500 },
    );
  });
});

describe("parseTokenId", () => {
  it.each([
    ["abcdef", "abcdef"],
    ["abcdef.0123456789abcdef", "abcdef"],
  ])("%s -> %s", (v, id) => expect(parseTokenId(v)).toBe(id));
  it("rejects anything else with kubeadm's message", () => expect(() => parseTokenId("abc")).toThrow(/didn't match pattern/));
});

describe("validateExtraGroup", () => {
  it.each([
    ["system:bootstrappers:kubeadm:default-node-token", true],
    ["system:bootstrappers:worker", true],
    ["system:bootstrappers:a", true],
    ["system:bootstrappers:", false],
    ["system:bootstrappers:worker-", false],
    ["system:bootstrappers:Worker", false],
    ["system:nodes", false],
    ["system:bootstrappers:" + "a".repeat(256), true],
    ["system:bootstrappers:" + "a".repeat(257), false],
  ])("%s valid=%s", (g, ok) => {
    if (ok) expect(validateExtraGroup(g)).toBe(g);
    else expect(() => validateExtraGroup(g)).toThrow(/must match/);
  });
});
