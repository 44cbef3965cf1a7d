// Command-line forms Go's flag package accepts, which cfssl users rely on:
// -flag value, -flag=value, --flag value, bool flags, `--`, the file: and env:
// prefixes of -ca/-ca-key, and `-` for standard input. Each form is run
// through the real cfssl too, and both results must agree.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseCertificatePem } from "@k8s/pki";
import { cfssl, errorJson, k8sPki, outputJson } from "../helpers/exec.js";
import { expectSameIssuance, Workspace } from "../helpers/workspace.js";

let ws: Workspace;
beforeAll(async () => {
  ws = new Workspace("k8s-pki-flags-");
  await ws.cfsslCa("ca", { CN: "Flags Root", names: [{ O: "Example" }] });
  ws.write("csr.json", { CN: "flags.example.com", hosts: ["flags.example.com"] });
  ws.write("config.json", { signing: { default: { expiry: "24h", usages: ["server auth"] }, profiles: { client: { expiry: "12h", usages: ["client auth"] } } } });
});
afterAll(() => ws.cleanup());

describe("flag forms give the same result as cfssl", () => {
  const env = () => ({ ...process.env, CA_PEM: ws.read("ca.pem"), CA_KEY: ws.read("ca-key.pem") });

  it.each([
    ["-flag value", ["-ca", "ca.pem", "-ca-key", "ca-key.pem"]],
    ["-flag=value", ["-ca=ca.pem", "-ca-key=ca-key.pem"]],
    ["--flag value and --flag=value", ["--ca", "ca.pem", "--ca-key=ca-key.pem"]],
    ["file: prefix", ["-ca", "file:ca.pem", "-ca-key", "file:ca-key.pem"]],
    ["env: prefix", ["-ca", "env:CA_PEM", "-ca-key", "env:CA_KEY"]],
    ["-config and -profile in every form", ["-ca", "ca.pem", "-ca-key", "ca-key.pem", "--config=config.json", "-profile", "client"]],
    ["-hostname=list", ["-ca=ca.pem", "-ca-key", "ca-key.pem", "-hostname=a.example.com,10.0.0.1"]],
    ["--hostname value", ["-ca=ca.pem", "-ca-key", "ca-key.pem", "--hostname", "b.example.com"]],
    ["-cn and -loglevel", ["-ca", "ca.pem", "-ca-key", "ca-key.pem", "-cn=other.example.com", "-loglevel", "5"]],
    ["unused global flags are accepted", ["-ca", "ca.pem", "-ca-key", "ca-key.pem", "-port", "0x10", "-flavor", "optimal", "-list"]],
    ["`--` ends the flags", ["-ca", "ca.pem", "-ca-key", "ca-key.pem", "--"]],
  ])("gencert %s", async (_name, flags) => {
    const args = ["gencert", ...flags, "csr.json"];
    const [c, o] = await Promise.all([cfssl(args, { cwd: ws.dir, env: env() }), k8sPki(args, { cwd: ws.dir, env: env() })]);
    await expectSameIssuance(ws, { cfssl: c, ours: o }, { sameIssuer: true });
  });

  it.each([
    ["-initca", ["-initca"]],
    ["-initca=true", ["-initca=true"]],
    ["--initca", ["--initca"]],
    ["-initca=1", ["-initca=1"]],
    ["-initca=T", ["-initca=T"]],
  ])("bool flag %s", async (_name, flags) => {
    await expectSameIssuance(ws, await ws.both(["gencert", ...flags, "csr.json"]));
  });

  it("-initca=false is not -initca", async () => {
    const r = await ws.both(["gencert", "-initca=false", "-ca", "ca.pem", "-ca-key", "ca-key.pem", "csr.json"]);
    const { ours } = await expectSameIssuance(ws, r, { sameIssuer: true });
    expect(parseCertificatePem(ours.cert!).basicConstraints?.isCa).toBe(false);
  });
});

describe("standard input as `-`", () => {
  const stdinBoth = async (args: string[], input: string) => {
    const [c, o] = await Promise.all([cfssl(args, { cwd: ws.dir, input }), k8sPki(args, { cwd: ws.dir, input })]);
    return { cfssl: c, ours: o };
  };

  it("gencert -initca -", async () => {
    await expectSameIssuance(ws, await stdinBoth(["gencert", "-initca", "-"], ws.read("csr.json")));
  });

  it("gencert -ca ... -", async () => {
    await expectSameIssuance(ws, await stdinBoth(["gencert", "-ca", "ca.pem", "-ca-key", "ca-key.pem", "-"], ws.read("csr.json")), { sameIssuer: true });
  });

  it("genkey - and selfsign HOST -", async () => {
    await expectSameIssuance(ws, await stdinBoth(["genkey", "-"], ws.read("csr.json")));
    await expectSameIssuance(ws, await stdinBoth(["selfsign", "host", "-"], ws.read("csr.json")));
  });

  it("sign -ca ... - (the CSR), echoed back verbatim", async () => {
    const made = outputJson(await cfssl(["genkey", "csr.json"], { cwd: ws.dir }));
    const r = await stdinBoth(["sign", "-ca", "ca.pem", "-ca-key", "ca-key.pem", "-"], made.csr!);
    const { ours } = await expectSameIssuance(ws, r, { sameIssuer: true });
    expect(ours.csr).toBe(made.csr);
  });

  it("gencsr -key KEY -", async () => {
    const made = outputJson(await cfssl(["genkey", "csr.json"], { cwd: ws.dir }));
    ws.write("gencsr-key.pem", made.key!);
    const r = await stdinBoth(["gencsr", "-key", "gencsr-key.pem", "-"], ws.read("csr.json"));
    expect(r.ours.code).toBe(0);
    expect(outputJson(r.ours).key).toBe(made.key);
    expect(Object.keys(outputJson(r.ours)).sort()).toEqual(Object.keys(outputJson(r.cfssl)).sort());
  });

  it("certinfo -cert - and -csr -", async () => {
    for (const [flag, file] of [["-cert", "ca.pem"], ["-csr", "ca.csr"]]) {
      const r = await stdinBoth(["certinfo", flag!, "-"], ws.read(file!));
      expect(r.ours.code).toBe(0);
      expect(r.cfssl.code).toBe(0);
      if (flag === "-cert") expect(r.ours.stdout).toBe(r.cfssl.stdout);
    }
  });
});

describe("flag errors like cfssl's", () => {
  it.each([
    ["an undefined flag", ["gencert", "-nope", "csr.json"]],
    ["a missing value", ["gencert", "-ca"]],
    ["a bad bool", ["gencert", "-initca=yes", "csr.json"]],
    ["a bad int", ["gencert", "-loglevel", "x", "csr.json"]],
    ["---triple dash", ["gencert", "---ca", "ca.pem", "csr.json"]],
    ["-=value", ["gencert", "-=x", "csr.json"]],
    ["a flag after the argument is an argument", ["gencert", "-initca", "csr.json", "-ca", "ca.pem"]],
    ["env: of an unset variable", ["gencert", "-ca", "env:K8S_PKI_SURELY_UNSET", "-ca-key", "ca-key.pem", "csr.json"]],
    ["an unknown prefix", ["gencert", "-ca", "http:ca.pem", "-ca-key", "ca-key.pem", "csr.json"]],
    ["-config is a plain path (no file: prefix)", ["gencert", "-ca", "ca.pem", "-ca-key", "ca-key.pem", "-config", "file:config.json", "csr.json"]],
  ])("%s", async (_name, args) => {
    const r = await ws.both(args);
    expect(r.ours.code, r.cfssl.stderr + r.ours.stderr).toBe(r.cfssl.code);
    expect(r.ours.stdout).toBe("");
    expect(errorJson(r.ours.stderr)).toEqual(errorJson(r.cfssl.stderr));
    const last = (s: string): string => s.trimEnd().split("\n").filter((l) => !/^\s/.test(l) && l.trim() !== "").at(-1) ?? "";
    if (r.cfssl.code !== 2) expect(last(r.ours.stderr)).toBe(last(r.cfssl.stderr));
    else expect(r.ours.stderr.split("\n")[0]).toBe(r.cfssl.stderr.split("\n")[0]);
  });

  it("-h prints the command's usage and exits 0, like cfssl", async () => {
    const r = await ws.both(["gencert", "-h"]);
    expect(r.cfssl.code).toBe(0);
    expect(r.ours.code).toBe(0);
    // cfssl's printDefaultValue lines (`  -name=default: usage`) for the flags both list.
    const flagLines = (s: string): Map<string, string> => new Map(s.split("\n").filter((l) => l.startsWith("  -")).map((l) => [l.slice(3).split("=")[0]!, l]));
    const theirs = flagLines(r.cfssl.stderr);
    const ours = flagLines(r.ours.stderr);
    for (const flag of ["initca", "ca", "ca-key", "config", "cn", "hostname", "profile", "loglevel"]) {
      expect(theirs.get(flag), flag).toBeDefined();
      expect(ours.get(flag), flag).toBe(theirs.get(flag));
    }
  });
});
