// k8s-pki completion bash|zsh (issue #14): the scripts come from the real
// command tree; bash and zsh accept them, and their completion functions,
// called as the shells call them, offer every command, subcommand and flag.
import { execFileSync, spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Command } from "commander";
import { describe, expect, it } from "vitest";
import { buildProgram, commandTree, run, TOP_COMMANDS, type CliIo, type CompletionNode } from "@k8s/cli";
import { tempDirs } from "../harness/temp-dirs.js";

const silentIo: CliIo = { stdout: () => undefined, stderr: () => undefined, readStdin: async () => Buffer.alloc(0), env: {}, cwd: process.cwd(), now: () => new Date() };

async function script(shell: string): Promise<string> {
  let out = "";
  let err = "";
  const code = await run(["completion", shell], { ...silentIo, stdout: (s) => void (out += s), stderr: (s) => void (err += s) });
  expect(code, err).toBe(0);
  return out;
}

const program = await buildProgram(silentIo);
const tree = commandTree(program);
const dirs = tempDirs("k8s-pki-completion-");

/** Every commander command path, walked from the program itself (not from commandTree). */
const commanderPaths = (c: Command, prefix = ""): string[] =>
  c.commands.flatMap((s) => {
    const p = prefix === "" ? s.name() : `${prefix} ${s.name()}`;
    return [p, ...commanderPaths(s, p)];
  });

/** The shell's answer for each command line: the candidates offered for its last (possibly empty) word. */
function askBash(file: string, lines: string[][]): string[][] {
  const calls = lines
    .map((words) => `COMP_WORDS=(${words.map((w) => `'${w}'`).join(" ")}); COMP_CWORD=${words.length - 1}; COMPREPLY=(); _k8s_pki; echo "\${COMPREPLY[*]}"`)
    .join("\n");
  const out = execFileSync("bash", ["--norc", "--noprofile", "-c", `source '${file}'\n${calls}`], { encoding: "utf8" });
  return out.split("\n").slice(0, lines.length).map((l) => l.split(" ").filter((w) => w !== ""));
}

function askZsh(file: string, lines: string[][]): string[][] {
  // compadd and _files only exist inside a completion widget: stand-ins print what would be offered.
  const calls = lines.map((words) => `words=(${words.map((w) => `'${w}'`).join(" ")}); CURRENT=${words.length}; _k8s_pki; print`).join("\n");
  const prelude = `source '${file}'\ncompadd() { [[ $1 == -a ]] && print -n -r -- "\${(P)2} "; }\n_files() { print -n FILES; }\n`;
  const out = execFileSync("zsh", ["-f", "-c", prelude + calls], { encoding: "utf8" });
  return out.split("\n").slice(0, lines.length).map((l) => l.split(" ").filter((w) => w !== ""));
}

const words = (n: CompletionNode): string[] => (n.path === "" ? [] : n.path.split(" "));

describe.each([
  ["bash", askBash],
  ["zsh", askZsh],
] as const)("k8s-pki completion %s", (shell, ask) => {
  it(`passes ${shell} -n`, async () => {
    const file = join(dirs(), `k8s-pki.${shell}`);
    writeFileSync(file, await script(shell));
    const r = spawnSync(shell, ["-n", file], { encoding: "utf8" });
    expect(r.error, `${shell} must be installed (scripts/test.sh installs it)`).toBeUndefined();
    expect(r.status, r.stderr).toBe(0);
  });

  it("offers every command and subcommand of the program, and each command's flags", async () => {
    const file = join(dirs(), `k8s-pki.${shell}`);
    writeFileSync(file, await script(shell));
    // The tree itself covers the program: every commander command and every top-level name.
    const paths = tree.map((n) => n.path);
    expect(paths.filter((p) => p !== "")).toEqual(expect.arrayContaining([...commanderPaths(program), ...TOP_COMMANDS]));

    const subLines = tree.map((n) => ["k8s-pki", ...words(n), ""]);
    const flagLines = tree.map((n) => ["k8s-pki", ...words(n), "-"]);
    const answers = ask(file, [...subLines, ...flagLines]);
    tree.forEach((n, i) => {
      const offered = answers[i]!;
      if (n.words.length > 0) expect(offered, `k8s-pki ${n.path} <TAB>`).toEqual(n.words);
      else expect(offered, `k8s-pki ${n.path} <TAB> completes files`).not.toEqual(expect.arrayContaining(TOP_COMMANDS.slice(0, 3)));
      expect(answers[tree.length + i], `k8s-pki ${n.path} -<TAB>`).toEqual(n.flags.filter((f) => f.startsWith("-")));
    });
    // Spot checks against what the CLI really has.
    expect(answers[0]).toEqual(expect.arrayContaining(["gencert", "json", "deploy", "certs", "demo", "completion", "help"]));
    expect(answers[tree.findIndex((n) => n.path === "deploy")]).toEqual(expect.arrayContaining(["plan", "render", "apply", "verify", "stop", "rotate-ca", "print-defaults"]));
    expect(answers[tree.length + tree.findIndex((n) => n.path === "gencert")]).toEqual(expect.arrayContaining(["-initca", "-ca", "-ca-key", "-config", "-profile"]));
  });

  it("completes a flag's value from its choices, skips flag values, and follows help", async () => {
    const file = join(dirs(), `k8s-pki.${shell}`);
    writeFileSync(file, await script(shell));
    const [output, status, printDefaults, afterValue, help, partial, shells] = ask(file, [
      ["k8s-pki", "deploy", "plan", "-o", ""],
      ["k8s-pki", "deploy", "rotate-ca", "status", "--output", "y"],
      ["k8s-pki", "deploy", "print-defaults", ""],
      ["k8s-pki", "deploy", "plan", "--inventory", "apply", "--"],
      ["k8s-pki", "help", "deploy", "rotate-ca", ""],
      ["k8s-pki", "ce", ""].slice(0, 2),
      ["k8s-pki", "completion", ""],
    ]);
    expect(output).toEqual(["text", "json", "yaml"]);
    expect(status).toEqual(shell === "bash" ? ["yaml"] : ["text", "json", "yaml"]); // zsh's compadd filters by the prefix itself
    expect(printDefaults).toEqual(["inventory", "ca-config"]);
    // "apply" was --inventory's value, not the apply subcommand: plan's flags are offered.
    expect(afterValue).toEqual(expect.arrayContaining(shell === "bash" ? ["--inventory", "--output", "--state"] : ["-o", "--inventory"]));
    expect(help).toEqual(["start", "reissue", "finish", "status"]);
    expect(partial).toEqual(shell === "bash" ? ["certinfo", "certs"] : [...TOP_COMMANDS]);
    expect(shells).toEqual(["bash", "zsh"]);
  });
});

describe("k8s-pki completion zsh, installed as zsh loads completions", () => {
  const deployWords = tree.find((n) => n.path === "deploy")!.words;
  const stubs = `compadd() { [[ $1 == -a ]] && print -r -- "\${(P)2}"; }`;

  it("autoloaded from $fpath as _k8s-pki, completes on its first call", async () => {
    const dir = dirs();
    writeFileSync(join(dir, "_k8s-pki"), await script("zsh"));
    const out = execFileSync("zsh", ["-f", "-c", `fpath=('${dir}' $fpath); autoload -Uz _k8s-pki; ${stubs}; words=(k8s-pki deploy ''); CURRENT=3; _k8s-pki`], { encoding: "utf8" });
    expect(out.trim().split(" ")).toEqual(deployWords);
  });

  it("sourced after compinit, registers _k8s_pki for k8s-pki", async () => {
    const dir = dirs();
    const file = join(dir, "k8s-pki.zsh");
    writeFileSync(file, await script("zsh"));
    const out = execFileSync("zsh", ["-f", "-c", `autoload -Uz compinit && compinit -u -D; source '${file}'; print -r -- "\${_comps[k8s-pki]}"`], { encoding: "utf8", env: { ...process.env, HOME: dir } });
    expect(out.trim()).toBe("_k8s_pki");
  });
});

