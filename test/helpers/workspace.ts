// A temp folder per test file where cfssl and k8s-pki run side by side on the
// same input files, plus the comparisons most differential tests repeat.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { expect } from "vitest";
import { parseCertificatePem, parseCsrPem } from "@k8s/pki";
import { expectKeyMatches, expectSameCertificate, expectSameCsr, keyShape } from "./compare.js";
import { both, cfssl, outputJson, tempDir, type RunResult } from "./exec.js";

export class Workspace {
  readonly dir: string;
  readonly cleanup: () => void;
  private n = 0;

  constructor(prefix = "k8s-pki-compat-") {
    const t = tempDir(prefix);
    this.dir = t.dir;
    this.cleanup = t.cleanup;
  }

  path(name: string): string {
    return join(this.dir, name);
  }

  /** Writes a file (objects as JSON) and returns its name relative to the folder. */
  write(name: string, content: string | Buffer | object): string {
    const data = typeof content === "string" || Buffer.isBuffer(content) ? content : JSON.stringify(content, null, 2);
    writeFileSync(this.path(name), data);
    return name;
  }

  read(name: string): string {
    return readFileSync(this.path(name), "utf8");
  }

  /** A fresh file name with the given suffix. */
  fresh(suffix: string): string {
    return `f${++this.n}${suffix}`;
  }

  /** Makes a CA with the REAL cfssl (`gencert -initca`) and writes NAME.pem, NAME-key.pem, NAME.csr. */
  async cfsslCa(name: string, csr: object): Promise<{ cert: string; key: string; csr: string }> {
    const f = this.write(`${name}-csr.json`, csr);
    const out = outputJson(await cfssl(["gencert", "-initca", f], { cwd: this.dir }));
    this.write(`${name}.pem`, out.cert!);
    this.write(`${name}-key.pem`, out.key!);
    this.write(`${name}.csr`, out.csr!);
    return { cert: out.cert!, key: out.key!, csr: out.csr! };
  }

  /** Runs `<cmd> ...args <file>` with both programs, where file holds `input` (CSR JSON or PEM). */
  async both(args: string[], input?: object | string, inputSuffix = ".json"): Promise<{ cfssl: RunResult; ours: RunResult }> {
    const extra = input === undefined ? [] : [this.write(this.fresh(inputSuffix), input)];
    return both([...args, ...extra], { cwd: this.dir });
  }
}

/**
 * Asserts two private key PEMs have the same form. The one deliberate
 * difference: for Ed25519 cfssl writes the non-standard label
 * `Ed25519 PRIVATE KEY` and k8s-pki the standard PKCS#8 `PRIVATE KEY`
 * (the DER inside is the same PKCS#8 structure).
 */
export function expectSameKeyForm(ours: string, theirs: string): void {
  const a = keyShape(ours);
  const b = keyShape(theirs);
  if (b.label === "Ed25519 PRIVATE KEY") {
    expect(a.label).toBe("PRIVATE KEY");
    expect({ ...a, label: b.label }).toEqual(b);
  } else {
    expect(a).toEqual(b);
  }
  // Go's pem.EncodeToMemory layout: 64-column lines, "\n", trailing newline.
  for (const pem of [ours, theirs]) {
    expect(pem.endsWith("-----\n")).toBe(true);
    for (const line of pem.split("\n").filter((l) => !l.startsWith("-----") && l !== "")) expect(line.length).toBeLessThanOrEqual(64);
  }
}

/**
 * The usual differential check of a `gencert`-style output: same JSON keys,
 * same certificate (field by field), same CSR, same key form, and each
 * program's key matching its own certificate.
 */
export async function expectSameIssuance(
  ws: Workspace,
  r: { cfssl: RunResult; ours: RunResult },
  opts: { sameIssuer?: boolean } = {},
): Promise<{ ours: Record<string, string>; cfssl: Record<string, string> }> {
  const c = outputJson(r.cfssl);
  const o = outputJson(r.ours);
  expect(Object.keys(o).sort()).toEqual(Object.keys(c).sort());
  if (c.cert !== undefined) await expectSameCertificate(o.cert!, c.cert, { cwd: ws.dir, sameIssuer: opts.sameIssuer });
  if (c.csr !== undefined) await expectSameCsr(o.csr!, c.csr, ws.dir);
  if (c.key !== undefined) {
    expectSameKeyForm(o.key!, c.key);
    if (o.cert !== undefined) expectKeyMatches(o.key!, parseCertificatePem(o.cert).spki);
    if (o.csr !== undefined) expectKeyMatches(o.key!, parseCsrPem(o.csr).spki);
  }
  return { ours: o, cfssl: c };
}
