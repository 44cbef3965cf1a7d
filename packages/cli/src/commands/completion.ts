// k8s-pki completion bash|zsh: a completion script generated from the real
// command tree (the commander program, the cfssl command table, cfssljson's
// and demo's flags), so it cannot drift from what the CLI accepts.
import { Argument, type Command } from "commander";
import { CFSSL_COMMANDS } from "../cfssl-commands.js";
import { CFSSL_FLAGS } from "../cfssl-flags.js";
import type { CliIo } from "../io.js";
import { TOP_COMMANDS } from "../usage.js";
import { CFSSLJSON_FLAGS } from "./json.js";

/** One command of the tree, as the completion sees it. */
export interface CompletionNode {
  /** Words after `k8s-pki`, e.g. `deploy rotate-ca start`; "" for the top level. */
  path: string;
  /** Subcommands, else the allowed values of its first argument. */
  words: string[];
  flags: string[];
  /** Flags that take a value (the next word is not a command). */
  valued: string[];
  /** Allowed values of a flag, where the flag has a fixed set. */
  choices: Record<string, string[]>;
}

export const SHELLS = ["bash", "zsh"] as const;

function commanderNodes(cmd: Command, prefix: string): CompletionNode[] {
  const path = prefix === "" ? cmd.name() : `${prefix} ${cmd.name()}`;
  const flags = ["-h", "--help"];
  const valued: string[] = [];
  const choices: Record<string, string[]> = {};
  for (const o of cmd.options) {
    const names = [o.short, o.long].filter((f): f is string => f !== undefined);
    flags.push(...names);
    if (o.required || o.optional) valued.push(...names);
    if (o.argChoices) for (const n of names) choices[n] = [...o.argChoices];
  }
  const subs = cmd.commands.map((c) => c.name());
  const firstArgChoices = cmd.registeredArguments[0]?.argChoices ?? [];
  const node: CompletionNode = { path, words: subs.length > 0 ? subs : [...firstArgChoices], flags, valued, choices };
  return [node, ...cmd.commands.flatMap((c) => commanderNodes(c, path))];
}

/** Every command of k8s-pki, top level first. */
export function commandTree(program: Command): CompletionNode[] {
  const goFlags = (names: readonly string[]): string[] => names.map((n) => `-${n}`);
  const nodes: CompletionNode[] = [{ path: "", words: [...TOP_COMMANDS], flags: ["-h", "--help", "--version"], valued: [], choices: {} }];
  for (const [name, spec] of Object.entries(CFSSL_COMMANDS)) {
    const flags = [...spec.flags, "loglevel"];
    nodes.push({ path: name, words: [], flags: goFlags(flags), valued: goFlags(flags.filter((f) => CFSSL_FLAGS[f]?.kind !== "bool")), choices: {} });
  }
  const jsonFlags = Object.keys(CFSSLJSON_FLAGS);
  nodes.push({ path: "json", words: [], flags: goFlags(jsonFlags), valued: goFlags(jsonFlags.filter((f) => CFSSLJSON_FLAGS[f]!.kind !== "bool")), choices: {} });
  nodes.push({ path: "demo", words: [], flags: ["-out"], valued: ["-out"], choices: {} });
  // `help X...` completes X as the top level does (the walk in the scripts skips the word help).
  nodes.push({ path: "help", words: [...TOP_COMMANDS], flags: [], valued: [], choices: {} });
  for (const c of program.commands) nodes.push(...commanderNodes(c, ""));
  return nodes;
}

const q = (s: string): string => `"${s}"`;

function caseBody(entries: [string, string[]][], indent: string): string {
  return entries
    .filter(([, v]) => v.length > 0)
    .map(([k, v]) => `${indent}${q(k)}) echo ${q(v.join(" "))} ;;`)
    .join("\n");
}

/** The lookup functions both shells share: subcommands, flags, flags taking values and choices, by command path. */
function dataFunctions(nodes: readonly CompletionNode[]): string {
  const choices: [string, string[]][] = nodes.flatMap((n) => Object.entries(n.choices).map(([flag, v]): [string, string[]] => [`${n.path}|${flag}`, v]));
  const fn = (name: string, arg: string, entries: [string, string[]][]): string => `${name}() {\n  case "${arg}" in\n${caseBody(entries, "    ")}\n  esac\n}\n`;
  return [
    fn("_k8s_pki_words", "$1", nodes.map((n) => [n.path, n.words])),
    fn("_k8s_pki_flags", "$1", nodes.map((n) => [n.path, n.flags])),
    fn("_k8s_pki_valued", "$1", nodes.map((n) => [n.path, n.valued])),
    fn("_k8s_pki_choices", "$1|$2", choices),
  ].join("\n");
}

/**
 * The walk over the words before the cursor, the same in bash and zsh: skip
 * flags (and the value of a flag that takes one), follow subcommands, stop at
 * the first argument. `help` in front completes the command it asks about.
 */
const walk = (words: string, from: string, to: string): string => `  local cmdpath="" w i skip=0 help=0
  for ((i = ${from}; i < ${to}; i++)); do
    w="\${${words}[i]}"
    if ((skip)); then skip=0; continue; fi
    if [[ $w == -* ]]; then
      [[ $w != *=* && " $(_k8s_pki_valued "$cmdpath") " == *" $w "* ]] && skip=1
      continue
    fi
    if [[ -z $cmdpath && $help == 0 && $w == help ]]; then help=1; continue; fi
    [[ " $(_k8s_pki_words "$cmdpath") " == *" $w "* ]] || break
    cmdpath="\${cmdpath:+$cmdpath }$w"
  done
`;

export function bashCompletion(nodes: readonly CompletionNode[]): string {
  return `# bash completion for k8s-pki, generated by \`k8s-pki completion bash\` from its command tree.
# Load it with: source <(k8s-pki completion bash)
# or install it: k8s-pki completion bash > /etc/bash_completion.d/k8s-pki

${dataFunctions(nodes)}
_k8s_pki() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" cands
${walk("COMP_WORDS", "1", "COMP_CWORD")}  COMPREPLY=()
  if ((skip)); then
    cands="$(_k8s_pki_choices "$cmdpath" "\${COMP_WORDS[COMP_CWORD-1]}")"
    if [[ -n $cands ]]; then COMPREPLY=($(compgen -W "$cands" -- "$cur")); else COMPREPLY=($(compgen -f -- "$cur")); fi
    return 0
  fi
  if [[ $cur == -* ]]; then
    ((help)) || COMPREPLY=($(compgen -W "$(_k8s_pki_flags "$cmdpath")" -- "$cur"))
    return 0
  fi
  cands="$(_k8s_pki_words "$cmdpath")"
  if [[ -n $cands ]]; then COMPREPLY=($(compgen -W "$cands" -- "$cur")); else COMPREPLY=($(compgen -f -- "$cur")); fi
  return 0
}
complete -F _k8s_pki k8s-pki
`;
}

export function zshCompletion(nodes: readonly CompletionNode[]): string {
  return `#compdef k8s-pki
# zsh completion for k8s-pki, generated by \`k8s-pki completion zsh\` from its command tree.
# Load it with: source <(k8s-pki completion zsh)   (after compinit)
# or install it: k8s-pki completion zsh > "\${fpath[1]}/_k8s-pki"

${dataFunctions(nodes)}
_k8s_pki() {
  local cur="\${words[CURRENT]}"
  local -a cands
${walk("words", "2", "CURRENT")}  if ((skip)); then
    cands=(\${=$(_k8s_pki_choices "$cmdpath" "\${words[CURRENT-1]}")})
    if ((\${#cands})); then compadd -a cands; else _files; fi
    return
  fi
  if [[ $cur == -* ]]; then
    ((help)) || { cands=(\${=$(_k8s_pki_flags "$cmdpath")}); compadd -a cands; }
    return
  fi
  cands=(\${=$(_k8s_pki_words "$cmdpath")})
  if ((\${#cands})); then compadd -a cands; else _files; fi
}
# Autoloaded from $fpath as _k8s-pki, this file is the completion function's body: complete now.
# Sourced, it registers _k8s_pki (compinit must have run).
if [[ \${funcstack[1]} == _k8s-pki ]]; then
  _k8s_pki "$@"
elif (( \${+functions[compdef]} )); then
  compdef _k8s_pki k8s-pki
fi
`;
}

export function registerCompletion(program: Command, io: CliIo): void {
  program
    .command("completion")
    .description("print a bash or zsh completion script, generated from k8s-pki's command tree")
    .addArgument(new Argument("<shell>", "bash or zsh").choices(SHELLS))
    .addHelpText(
      "after",
      `
bash: source <(k8s-pki completion bash)      (or save it in /etc/bash_completion.d/k8s-pki)
zsh:  source <(k8s-pki completion zsh)       (after compinit; or save it as _k8s-pki in a folder of $fpath)`,
    )
    .action((shell: (typeof SHELLS)[number]) => {
      const nodes = commandTree(program);
      io.stdout(shell === "bash" ? bashCompletion(nodes) : zshCompletion(nodes));
    });
}
