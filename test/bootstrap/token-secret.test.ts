import { describe, expect, it } from "vitest";
import { buildTokenSecret, parseToken, parseTtl, tokenFromSecretData, formatTokenTable, shortHumanDuration, tokenOutputObject } from "@k8s/bootstrap";

const token = parseToken("abcdef.0123456789abcdef");
const now = new Date("2026-01-02T03:04:05.678Z");

describe("buildTokenSecret", () => {
  it("builds kubeadm's Secret with expiration from the TTL", () => {
    const s = buildTokenSecret(token, { ttl: "2h", description: "node n1", now });
    expect(s.metadata).toEqual({ name: "bootstrap-token-abcdef", namespace: "kube-system" });
    expect(s.type).toBe("bootstrap.kubernetes.io/token");
    expect(s.stringData).toEqual({
      "token-id": "abcdef",
      "token-secret": "0123456789abcdef",
      description: "node n1",
      expiration: "2026-01-02T05:04:05Z",
      "usage-bootstrap-signing": "true",
      "usage-bootstrap-authentication": "true",
      "auth-extra-groups": "system:bootstrappers:kubeadm:default-node-token",
    });
  });

  it("has no expiration for a TTL of 0", () => {
    expect(buildTokenSecret(token, { ttl: "0", now }).stringData.expiration).toBeUndefined();
  });

  it.each([
    [{ ttl: "1d" }, /unknown unit "d"/],
    [{ ttl: "-1h" }, /must not be negative/],
    [{ ttl: "soon" }, /invalid --ttl/],
    [{ usages: ["signing", "other"] }, /invalid bootstrap token usage "other"/],
    [{ groups: ["system:nodes"] }, /group "system:nodes" must match/],
  ])("rejects %j", (opts, re) => {
    expect(() => buildTokenSecret(token, opts)).toThrow(re);
  });
});

describe("parseTtl", () => {
  it.each([
    ["24h", 86_400_000],
    ["1h30m", 5_400_000],
    ["0", 0],
  ])("%s = %d ms", (s, ms) => expect(parseTtl(s)).toBe(ms));
});

describe("tokenFromSecretData", () => {
  it("reads back what buildTokenSecret wrote", () => {
    const s = buildTokenSecret(token, { ttl: "1h", now, groups: ["system:bootstrappers:worker"] });
    const t = tokenFromSecretData(s.metadata.name, s.stringData);
    expect(t.token.value).toBe(token.value);
    expect(t.expires?.toISOString()).toBe("2026-01-02T04:04:05.000Z");
    expect(t.usages).toEqual(["authentication", "signing"]);
    expect(t.groups).toEqual(["system:bootstrappers:worker"]);
  });

  it.each([
    ["bootstrap-token-ABCDEF", { "token-id": "abcdef", "token-secret": "0123456789abcdef" }, /not of the form/],
    ["bootstrap-token-abcdef", { "token-secret": "0123456789abcdef" }, /has no token-id/],
    ["bootstrap-token-abcdef", { "token-id": "zzzzzz", "token-secret": "0123456789abcdef" }, /does not match the secret name/],
    ["bootstrap-token-abcdef", { "token-id": "abcdef", "token-secret": "0123456789abcdef", expiration: "tomorrow" }, /can't parse expiration/],
  ])("rejects %s %j", (name, data, re) => expect(() => tokenFromSecretData(name, data)).toThrow(re));
});

describe("formatTokenTable", () => {
  // Widths follow kubeadm: TTL padded to 9, usages to 22, description to 56, then tabwriter padding 3.
  it("prints kubeadm's columns with its padding", () => {
    const t = tokenFromSecretData("bootstrap-token-abcdef", buildTokenSecret(token, { ttl: "23h59m59s", now }).stringData);
    const out = formatTokenTable([t], now).split("\n");
    expect(out[0]).toMatch(/^TOKEN {21}TTL {9}EXPIRES {16}USAGES {19}DESCRIPTION {48}EXTRA GROUPS$/);
    expect(out[1]).toContain("abcdef.0123456789abcdef   23h");
    expect(out[1]).toContain("2026-01-03T03:04:04Z");
    expect(out[1]).toContain("authentication,signing");
    expect(out[1]).toContain("<none>");
    expect(out[1]!.endsWith("system:bootstrappers:kubeadm:default-node-token")).toBe(true);
  });

  it("shows <forever> and <never> for tokens without expiration", () => {
    const t = tokenFromSecretData("bootstrap-token-abcdef", buildTokenSecret(token, { ttl: "0" }).stringData);
    expect(formatTokenTable([t])).toMatch(/<forever> +<never>/);
    expect(tokenOutputObject(t)).toMatchObject({ kind: "BootstrapToken", apiVersion: "output.kubeadm.k8s.io/v1alpha3", token: token.value });
  });
});

describe("shortHumanDuration", () => {
  it.each([
    [-5000, "<invalid>"],
    [-500, "0s"],
    [59_000, "59s"],
    [60_000, "1m"],
    [3_599_000, "59m"],
    [86_399_000, "23h"],
    [86_400_000 * 3, "3d"],
    [86_400_000 * 800, "2y"],
  ])("%d ms -> %s", (ms, s) => expect(shortHumanDuration(ms)).toBe(s));
});
