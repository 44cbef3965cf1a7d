// Help you can discover (issue #14): the top-level help names every command of
// the real command tree; `help X`, `X -h` and `X --help` show X's help for every
// command; a typo gets the nearest command; commands that talk to the API
// server say where they looked for a kubeconfig when there is none.
import { describe, expect, it } from "vitest";
import { buildProgram, commandTree, run, USAGE, type CliIo } from "@k8s/cli";
import { k8sPki } from "../helpers/exec.js";
import { tempDirs } from "../harness/temp-dirs.js";

async function cli(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const io: CliIo = { stdout: (s) => void (out += s), stderr: (s) => void (err += s), readStdin: async () => Buffer.alloc(0), env: {}, cwd: process.cwd(), now: () => new Date() };
  const code = await run(argv, io);
  return { code, out, err };
}

const silentIo: CliIo = { stdout: () => undefined, stderr: () => undefined, readStdin: async () => Buffer.alloc(0), env: {}, cwd: process.cwd(), now: () => new Date() };
const tree = commandTree(await buildProgram(silentIo));
const commands = tree.filter((n) => n.path !== "").map((n) => n.path);
const home = tempDirs("k8s-pki-help-home-");

/** What identifies a command's own help text (not the top-level help, not another command's). */
function helpHeader(path: string): RegExp {
  const [first] = path.split(" ");
  if (path === "help") return /^Usage: k8s-pki <command>/m;
  if (first === "json") return /^Usage of k8s-pki json:$/m;
  if (!path.includes(" ") && /^(gencert|genkey|gencsr|sign|selfsign|certinfo|print-defaults|version|demo)$/.test(path)) return new RegExp(`^Usage of ${path}:$`, "m");
  return new RegExp(`^Usage: k8s-pki ${path.replace(/[-]/g, "\\-")} `, "m");
}

describe("the top-level help", () => {
  it("names every command of the real command tree, nested ones on their parent's line", () => {
    const lines = USAGE.split("\n").map((l) => l.trim());
    expect(commands.length).toBeGreaterThan(35);
    const missing = commands.filter((path) => {
      const words = path.split(" ");
      const leaf = words.pop()!;
      const parent = words.join(" ");
      return !lines.some((l) => {
        if (parent !== "" && !l.startsWith(parent + " ")) return false;
        const token = (parent === "" ? l : l.slice(parent.length + 1)).split(/\s/)[0]!;
        return token.split("|").includes(leaf);
      });
    });
    expect(missing).toEqual([]);
    // The commands the issue found missing.
    for (const p of ["deploy apply", "deploy verify", "deploy stop", "deploy rotate-ca", "certs renew", "deploy print-defaults"]) expect(commands).toContain(p);
  });

  it("is printed by help, -h and --help on standard output with exit 0", async () => {
    for (const argv of [["help"], ["-h"], ["--help"]]) {
      const r = await cli(argv);
      expect(r.code, argv.join(" ")).toBe(0);
      expect(r.out).toBe(USAGE);
    }
  });
});

describe("help for every command", () => {
  it.each(commands)("k8s-pki help %s", async (path) => {
    const r = await cli(["help", ...path.split(" ")]);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(helpHeader(path));
    expect(r.err).toBe("");
  });

  it.each(commands.filter((p) => p !== "help"))("k8s-pki %s -h and --help", async (path) => {
    for (const flag of ["-h", "--help"]) {
      const r = await cli([...path.split(" "), flag]);
      expect(r.code, `${path} ${flag}: ${r.err}`).toBe(0);
      // cfssl's commands print their usage on standard error, as cfssl does (test/cli/flags.test.ts compares with cfssl).
      expect(r.out + r.err, `${path} ${flag}`).toMatch(helpHeader(path));
    }
  });

  it("help gencert prints exactly what cfssl-style gencert -h prints, on standard output", async () => {
    const asked = await cli(["help", "gencert"]);
    const flag = await cli(["gencert", "-h"]);
    expect(flag.out).toBe("");
    expect(asked.out).toBe(flag.err);
    expect(asked.out).toMatch(/^\tgencert -- generate a new key and signed certificate\n/);
    expect(asked.out).toContain("  -initca=false: initialise new CA\n");
  });

  it("demo -h documents -out and runs nothing", async () => {
    const r = await cli(["demo", "-h"]);
    expect(r.code).toBe(0);
    expect(r.out).toContain("  -out=demo-pki: output folder\n");
    const bad = await cli(["demo", "-nope"]);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/^flag provided but not defined: -nope\n/);
  });

  it("version -h shows version's usage, as cfssl version -h does", async () => {
    const r = await cli(["version", "-h"]);
    expect(r.code).toBe(0);
    expect(r.err).toMatch(/^\tversion -- .*\n\nUsage of version:\n/);
    expect(r.err).toContain("  -loglevel=1: Log level (0 = DEBUG, 5 = FATAL)\n");
    const v = await cli(["version"]);
    expect(v.out).toMatch(/^Version: \S+ \(cfssl 1\.6\.5 compatible\)\nRuntime: node v/);
  });
});

describe("unknown commands", () => {
  it.each([
    [["gencrt"], "gencert"],
    [["deplyo"], "deploy"],
    [["cert"], "certs"],
    [["help", "tokn"], "token"],
  ])("%j: exit 1 and the nearest command", async (argv, near) => {
    const r = await cli(argv);
    expect(r.code).toBe(1);
    expect(r.out).toBe("");
    expect(r.err).toBe(`Command ${argv.at(-1)} is not defined.\nDid you mean this?\n\t${near}\nRun 'k8s-pki help' for the list of commands.\n`);
  });

  it("a word that is near nothing gets no guess", async () => {
    const r = await cli(["xyzzyplugh"]);
    expect(r.code).toBe(1);
    expect(r.err).not.toContain("Did you mean");
  });

  it.each([
    [["deploy", "aply"], "apply"],
    [["deploy", "rotate-ca", "finsh"], "finish"],
    [["certs", "chek"], "check"],
  ])("%j: a non-zero exit and the nearest subcommand", async (argv, near) => {
    const r = await cli(argv);
    expect(r.code).not.toBe(0);
    expect(r.err).toContain(`(Did you mean ${near}?)`);
  });

  it("help with a mistyped subcommand names the whole path and its nearest", async () => {
    const r = await cli(["help", "deploy", "verfy"]);
    expect(r.code).toBe(1);
    expect(r.out).toBe("");
    expect(r.err).toBe("Command deploy verfy is not defined.\nDid you mean this?\n\tdeploy verify\nRun 'k8s-pki help' for the list of commands.\n");
  });
});

describe("no kubeconfig", () => {
  // Every command that talks to the API server, spawned as an operator runs it:
  // no $KUBECONFIG, an empty home, not in a pod.
  it.each([
    [["token", "create"]],
    [["token", "list"]],
    [["token", "delete", "abcdef"]],
    [["rbac", "apply"]],
    [["approver", "run", "--no-leader-elect", "--listen", "127.0.0.1:0"]],
  ])("%j says where it looked and which flag to pass", async (args) => {
    const dir = home();
    const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: dir };
    const r = await k8sPki(args, { cwd: dir, env, timeoutMs: 20_000 });
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toContain("no kubeconfig found");
    expect(r.stderr).toContain("$KUBECONFIG is not set");
    expect(r.stderr).toContain(`${dir}/.kube/config does not exist`);
    expect(r.stderr).toContain("KUBERNETES_SERVICE_HOST is not set");
    expect(r.stderr).toContain("--kubeconfig FILE");
    expect(r.stderr).not.toMatch(/HTTP protocol is not allowed|\n\s+at /);
  });
});
