/**
 * `ksp` dispatch: global flags → command → its flags → config → command. Kept
 * apart from main.ts so tests run the whole CLI in-process with their own env,
 * fetch and output.
 *
 * Flags may stand anywhere on the line, so the line is parsed twice with
 * node:util parseArgs: first with every flag any command knows (to find the
 * command's words among the positionals), then strictly with the global
 * flags and that command's own, so a flag another command takes is still an
 * error here.
 */
import { parseArgs } from "node:util";
import { CliError, createApiClient, type Fetch } from "./api.ts";
import { stringFlag } from "./args.ts";
import { clusterGetCommand, clusterUpdateCommand } from "./commands/cluster.ts";
import { healthCommand } from "./commands/health.ts";
import { machineGetCommand, machineUpdateCommand } from "./commands/machine.ts";
import { poolGetCommand, poolUpdateCommand } from "./commands/pool.ts";
import { type Command, commandName, type FlagOptions, type Flags } from "./commands/types.ts";
import { versionCommand } from "./commands/version.ts";
import { DEFAULT_URL, resolveCliConfig } from "./config.ts";
import { EXIT_OK, EXIT_USAGE } from "./exit-codes.ts";
import { type CliIo, formatError } from "./output.ts";

export { EXIT_FAILURE, EXIT_OK, EXIT_USAGE } from "./exit-codes.ts";

const COMMANDS: readonly Command[] = [
  healthCommand,
  versionCommand,
  clusterGetCommand,
  clusterUpdateCommand,
  poolGetCommand,
  poolUpdateCommand,
  machineGetCommand,
  machineUpdateCommand,
];

const GLOBAL_FLAGS = {
  url: { type: "string" },
  token: { type: "string" },
  output: { type: "string", short: "o" },
  help: { type: "boolean", short: "h" },
} as const satisfies FlagOptions;

/** Every flag any command takes: enough to tell flag values from the command's words. */
const ANY_COMMAND_FLAGS: FlagOptions = Object.assign(
  {},
  GLOBAL_FLAGS,
  ...COMMANDS.map((command) => command.options ?? {}),
);

export interface CliDeps extends CliIo {
  env: Readonly<Record<string, string | undefined>>;
  fetch: Fetch;
}

function usageLine(command: Command): string {
  return [commandName(command), command.synopsis].filter(Boolean).join(" ");
}

export function usageText(commands: readonly Command[] = COMMANDS): string {
  const width = Math.max(...commands.map((command) => usageLine(command).length));
  return [
    "Usage: ksp [flags] <command> [arguments]",
    "",
    "Commands:",
    ...commands.map((command) => `  ${usageLine(command).padEnd(width)}  ${command.summary}`),
    "",
    "Clusters and machines are named by id or name (a machine's name is its host name); a pool",
    "by <cluster>/<pool>. Run ksp <command> --help for a command's own flags.",
    "",
    "Flags:",
    `  --url URL          Control plane base URL [env KSP_URL; default ${DEFAULT_URL}]`,
    "  --token TOKEN      API token, sent as a Bearer credential [env KSP_TOKEN; prefer the env,",
    "                     flags are visible to other users in the process list]",
    "  -o, --output FMT   table or json [default table]",
    "  -h, --help         Print this help",
    "",
  ].join("\n");
}

function commandHelp(command: Command): string {
  return [
    `Usage: ksp ${usageLine(command)} [flags]`,
    "",
    command.summary,
    ...(command.help ? ["", "Flags:", command.help] : []),
    "",
    "Global flags: --url, --token, -o/--output (see ksp --help).",
    "",
  ].join("\n");
}

/** Node's parseArgs names the offending option but not its value; keep only the name (it may be a token). */
function describeArgvError(err: unknown): string {
  const option = /'(-{1,2}[^'\s=]+)/.exec(err instanceof Error ? err.message : "")?.[1] ?? "arguments";
  return (err as { code?: string }).code === "ERR_PARSE_ARGS_UNKNOWN_OPTION"
    ? `unknown flag ${option}`
    : `${option} requires a value`;
}

type Parsed = { values: Flags; positionals: string[] } | { error: string };

function parseFlags(argv: readonly string[], options: FlagOptions): Parsed {
  try {
    const { values, positionals } = parseArgs({ args: [...argv], options, allowPositionals: true });
    return { values, positionals };
  } catch (err) {
    return { error: describeArgvError(err) };
  }
}

type Found = { command: Command; args: string[] } | { problem: string; commands: readonly Command[] };

/** The command whose words start the positionals (the longest such), or what is wrong. */
function findCommand(positionals: readonly string[]): Found {
  const matches = COMMANDS.filter((command) => command.words.every((word, i) => positionals[i] === word));
  const command = matches.sort((a, b) => b.words.length - a.words.length)[0];
  if (command) return { command, args: positionals.slice(command.words.length) };
  const [noun, verb] = positionals;
  if (noun === undefined) return { problem: "no command given", commands: COMMANDS };
  const family = COMMANDS.filter((candidate) => candidate.words.length > 1 && candidate.words[0] === noun);
  if (family.length === 0) return { problem: `unknown command "${noun}"`, commands: COMMANDS };
  const verbs = family.map((candidate) => candidate.words.slice(1).join(" ")).join(", ");
  const problem =
    verb === undefined
      ? `"${noun}" needs one of: ${verbs}`
      : `unknown command "${noun} ${verb}" (try ${verbs})`;
  return { problem, commands: family };
}

export async function runCli(argv: readonly string[], deps: CliDeps): Promise<number> {
  const first = parseFlags(argv, ANY_COMMAND_FLAGS);
  if ("error" in first) {
    deps.stderr(`${formatError(first.error)}\n${usageText()}`);
    return EXIT_USAGE;
  }
  const found = findCommand(first.positionals);
  if ("problem" in found) {
    if (first.values.help) {
      deps.stdout(usageText(found.commands));
      return EXIT_OK;
    }
    deps.stderr(`${formatError(found.problem)}\n${usageText(found.commands)}`);
    return EXIT_USAGE;
  }
  const { command } = found;
  if (first.values.help) {
    deps.stdout(commandHelp(command));
    return EXIT_OK;
  }
  const parsed = parseFlags(argv, { ...GLOBAL_FLAGS, ...command.options });
  if ("error" in parsed) {
    deps.stderr(`${formatError(`${parsed.error} for ksp ${commandName(command)}`)}\n${commandHelp(command)}`);
    return EXIT_USAGE;
  }
  const flags = parsed.values;
  const resolved = resolveCliConfig(
    { url: stringFlag(flags, "url"), token: stringFlag(flags, "token"), output: stringFlag(flags, "output") },
    deps.env,
  );
  if (!resolved.ok) {
    deps.stderr(`${formatError(resolved.error)}\n`);
    return EXIT_USAGE;
  }
  const { config } = resolved;
  try {
    return await command.run({
      config,
      io: deps,
      api: createApiClient(config, deps.fetch),
      args: found.args,
      flags,
    });
  } catch (err) {
    if (!(err instanceof CliError)) throw err;
    const usage = err.exitCode === EXIT_USAGE ? `usage: ksp ${usageLine(command)}\n` : "";
    deps.stderr(`${err.line}\n${err.detail}${usage}`);
    return err.exitCode;
  }
}
