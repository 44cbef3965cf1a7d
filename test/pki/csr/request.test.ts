// parseCsrJson's JSON errors against cfssl 1.6.5 (Go 1.26's encoding/json): the
// same message for each input, run through `cfssl genkey` in the same test. Go
// names a field by its struct path without array indexes (`Name.names.O`),
// refuses any number literal with a fraction or exponent for an int (`256.0`),
// quoting the literal, and reports the first type error in the text.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseCsrJson, PkiError } from "@k8s/pki";
import { cfssl } from "../../helpers/exec.js";
import { Workspace } from "../../helpers/workspace.js";

let ws: Workspace;
beforeAll(() => {
  ws = new Workspace("k8s-pki-request-");
});
afterAll(() => ws.cleanup());

const CASES: [string, string][] = [
  ["names.O a number", '{"CN":"x","names":[{"O":5}]}'],
  ["second names entry", '{"CN":"x","names":[{"O":"a"},{"OU":true}]}'],
  ["names entry not an object", '{"CN":"x","names":["a"]}'],
  ["names.OID not a map", '{"CN":"x","names":[{"OID":5}]}'],
  ["names.OID value not a string", '{"CN":"x","names":[{"OID":{"1.2.3":5}}]}'],
  ["extensions entry not an object", '{"CN":"x","extensions":[5]}'],
  ["extensions.Critical", '{"CN":"x","extensions":[{"Id":[1,2,3],"Critical":5}]}'],
  ["extensions.Id arc 1.5", '{"CN":"x","extensions":[{"Id":[1.5,2]}]}'],
  ["extensions.Id arc 2.0", '{"CN":"x","extensions":[{"Id":[1,2.0,3]}]}'],
  ["key.size 256.0", '{"CN":"x","key":{"algo":"ecdsa","size":256.0}}'],
  ["key.size 1e2", '{"CN":"x","key":{"size":1e2}}'],
  ["key.size 2.5E3", '{"CN":"x","key":{"algo":"rsa","size":2.5E3}}'],
  ["key.size beyond int64", '{"CN":"x","key":{"size":99999999999999999999}}'],
  ["ca.pathlen 1.0", '{"CN":"x","ca":{"pathlen":1.0}}'],
  ["first error in the text: names before CN", '{"names":[{"O":5}],"CN":5}'],
  ["first error in the text: key before CN", '{"key":{"size":1.5},"CN":5}'],
  ["first error in the text: ca.expiry before ca.pathlenzero", '{"CN":"x","ca":{"pathlen":1,"expiry":5,"pathlenzero":"x"}}'],
  ["first error in the text: hosts before CN", '{"hosts":[1],"CN":5}'],
  ["first error in the text: Value before Id", '{"CN":"x","extensions":[{"Value":5,"Id":"x"}]}'],
];

const lastLine = (s: string): string => s.trimEnd().split("\n").at(-1) ?? "";

function ourMessage(json: string): string {
  try {
    parseCsrJson(json);
    return "(accepted)";
  } catch (e) {
    if (e instanceof PkiError) return e.message;
    throw e;
  }
}

describe("parseCsrJson: Go's JSON errors", () => {
  it.each(CASES)("%s", async (_name, json) => {
    const f = ws.write(ws.fresh(".json"), json);
    const r = await cfssl(["genkey", f], { cwd: ws.dir });
    expect(r.code, r.stderr).toBe(1);
    expect(lastLine(r.stderr)).toMatch(/^json: /);
    expect(ourMessage(json)).toBe(lastLine(r.stderr));
  });

  it("accepts what Go accepts: -0 and a null Id arc (0)", async () => {
    for (const [cmd, json] of [
      [["gencert", "-initca"], '{"CN":"x","ca":{"pathlen":-0}}'],
      [["genkey"], '{"CN":"x","extensions":[{"Id":[1,2,null],"Value":""}]}'],
    ] as const) {
      const f = ws.write(ws.fresh(".json"), json);
      const r = await cfssl([...cmd, f], { cwd: ws.dir });
      expect(r.code, r.stderr).toBe(0);
      expect(ourMessage(json)).toBe("(accepted)");
    }
  });

  it("an object passed in by a program is judged by value (256.0 is 256 in JS)", () => {
    expect(parseCsrJson({ CN: "x", key: { algo: "ecdsa", size: 256.0 } }).key.size).toBe(256);
  });
});
