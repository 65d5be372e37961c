/**
 * Shell completion scripts generated from the commander command tree, so a
 * new command or flag completes without anyone editing a list. Each shell
 * gets two lookups, both keyed by the command path typed so far ("" for the
 * top, "pool", "pool status"…): the subcommands there, and the flags there
 * (the command's own and the global ones). Flags with a fixed set of values
 * (-o, --mode…) complete those values.
 */
import type { Command, Option } from "commander";

export const SHELLS = ["bash", "zsh", "fish"] as const;
export type Shell = (typeof SHELLS)[number];

interface Node {
  path: string;
  summary: string;
  subcommands: { name: string; summary: string }[];
  flags: string[];
}

function flagsOf(options: readonly Option[]): string[] {
  return options.flatMap((option) =>
    [option.short, option.long].filter((flag): flag is string => Boolean(flag)),
  );
}

/** Every command of the tree with its path, subcommands and flags (globals included). */
export function commandTree(program: Command): Node[] {
  const globals = flagsOf(program.options);
  const nodes: Node[] = [];
  const walk = (command: Command, path: string) => {
    const visible = command.commands.filter((sub) => !(sub as unknown as { _hidden?: boolean })._hidden);
    nodes.push({
      path,
      summary: command.description(),
      subcommands: visible.map((sub) => ({ name: sub.name(), summary: sub.description() })),
      flags: [...new Set([...(command === program ? [] : flagsOf(command.options)), ...globals, "--help"])],
    });
    for (const sub of visible) walk(sub, path === "" ? sub.name() : `${path} ${sub.name()}`);
  };
  walk(program, "");
  return nodes;
}

/** Flags whose values are a fixed list, each with that list. */
export function choiceFlags(program: Command): Map<string, string[]> {
  const choices = new Map<string, string[]>();
  const walk = (command: Command) => {
    for (const option of command.options) {
      if (!option.argChoices) continue;
      for (const flag of [option.short, option.long]) if (flag) choices.set(flag, option.argChoices);
    }
    for (const sub of command.commands) walk(sub);
  };
  walk(program);
  return choices;
}

const quote = (text: string) => `'${text.replace(/'/g, `'\\''`)}'`;

function caseArms(nodes: readonly Node[], words: (node: Node) => string[]): string {
  return nodes.map((node) => `    ${quote(node.path)}) echo ${quote(words(node).join(" "))} ;;`).join("\n");
}

function lookups(name: string, nodes: readonly Node[], choices: Map<string, string[]>): string {
  const choiceArms = [...choices].map(
    ([flag, values]) => `    ${quote(flag)}) echo ${quote(values.join(" "))} ;;`,
  );
  return [
    `_${name}_commands() {`,
    `  case "$1" in`,
    caseArms(nodes, (node) => node.subcommands.map((sub) => sub.name)),
    "  esac",
    "}",
    `_${name}_flags() {`,
    `  case "$1" in`,
    caseArms(nodes, (node) => node.flags),
    "  esac",
    "}",
    `_${name}_choices() {`,
    `  case "$1" in`,
    ...choiceArms,
    "  esac",
    "}",
  ].join("\n");
}

function bash(name: string, nodes: readonly Node[], choices: Map<string, string[]>): string {
  return `# ${name} completion for bash; load with: source <(${name} completion bash)
${lookups(name, nodes, choices)}
_${name}() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" prev="\${COMP_WORDS[COMP_CWORD-1]}" cmdpath="" w i values
  for ((i = 1; i < COMP_CWORD; i++)); do
    w="\${COMP_WORDS[i]}"
    [[ "$w" == -* ]] && continue
    if [[ " $(_${name}_commands "$cmdpath") " == *" $w "* ]]; then cmdpath="\${cmdpath:+$cmdpath }$w"; fi
  done
  values="$(_${name}_choices "$prev")"
  if [[ -n "$values" ]]; then
    COMPREPLY=($(compgen -W "$values" -- "$cur"))
    return
  fi
  if [[ "$cur" == -* ]]; then
    COMPREPLY=($(compgen -W "$(_${name}_flags "$cmdpath")" -- "$cur"))
  else
    COMPREPLY=($(compgen -W "$(_${name}_commands "$cmdpath")" -- "$cur"))
  fi
}
complete -o default -F _${name} ${name}
`;
}

function zsh(name: string, nodes: readonly Node[], choices: Map<string, string[]>): string {
  return `#compdef ${name}
# ${name} completion for zsh; load with: source <(${name} completion zsh)
${lookups(name, nodes, choices)}
_${name}() {
  local cmdpath="" w i values
  for ((i = 2; i < CURRENT; i++)); do
    w="\${words[i]}"
    [[ "$w" == -* ]] && continue
    if [[ " $(_${name}_commands "$cmdpath") " == *" $w "* ]]; then cmdpath="\${cmdpath:+$cmdpath }$w"; fi
  done
  values="$(_${name}_choices "\${words[CURRENT-1]}")"
  if [[ -n "$values" ]]; then
    compadd -- \${=values}
  elif [[ "\${words[CURRENT]}" == -* ]]; then
    compadd -- \${=$(_${name}_flags "$cmdpath")}
  else
    compadd -- \${=$(_${name}_commands "$cmdpath")}
  fi
}
if (( $+functions[compdef] )); then compdef _${name} ${name}; fi
`;
}

function fishQuote(text: string): string {
  return `'${text.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'`;
}

function fish(name: string, nodes: readonly Node[], choices: Map<string, string[]>): string {
  const lines = [
    `# ${name} completion for fish; load with: ${name} completion fish | source`,
    `function __${name}_commands`,
    "  switch $argv[1]",
    ...nodes.map(
      (node) =>
        `    case ${fishQuote(node.path)}\n      echo ${node.subcommands.map((s) => fishQuote(s.name)).join(" ") || "''"}`,
    ),
    "  end",
    "end",
    `function __${name}_path`,
    "  set -l cmdpath ''",
    "  for w in (commandline -opc)[2..-1]",
    "    string match -q -- '-*' $w; and continue",
    `    if contains -- $w (string split ' ' -- (__${name}_commands $cmdpath))`,
    '      if test -z "$cmdpath"; set cmdpath $w; else; set cmdpath "$cmdpath $w"; end',
    "    end",
    "  end",
    "  echo $cmdpath",
    "end",
    `complete -c ${name} -f`,
  ];
  for (const node of nodes) {
    const when = `test (__${name}_path) = ${fishQuote(node.path)}`;
    for (const sub of node.subcommands) {
      lines.push(
        `complete -c ${name} -n ${fishQuote(when)} -a ${fishQuote(sub.name)} -d ${fishQuote(sub.summary)}`,
      );
    }
    for (const flag of node.flags) {
      const spec = flag.startsWith("--") ? `-l ${flag.slice(2)}` : `-s ${flag.slice(1)}`;
      const values = choices.get(flag);
      lines.push(
        `complete -c ${name} -n ${fishQuote(when)} ${spec}${values ? ` -x -a ${fishQuote(values.join(" "))}` : ""}`,
      );
    }
  }
  return `${lines.join("\n")}\n`;
}

export function completionScript(program: Command, shell: Shell): string {
  const name = program.name();
  const nodes = commandTree(program);
  const choices = choiceFlags(program);
  if (shell === "bash") return bash(name, nodes, choices);
  if (shell === "zsh") return zsh(name, nodes, choices);
  return fish(name, nodes, choices);
}
