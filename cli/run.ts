/**
 * `ksp` dispatch: global flags → config → command. Kept apart from main.ts so
 * tests run the whole CLI in-process with their own env, fetch and output.
 */
import { parseArgs } from "node:util";
import { CliError, type Fetch } from "./api.ts";
import { healthCommand } from "./commands/health.ts";
import type { Command } from "./commands/types.ts";
import { versionCommand } from "./commands/version.ts";
import { DEFAULT_URL, resolveCliConfig } from "./config.ts";
import { type CliIo, formatError } from "./output.ts";

export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

const COMMANDS: readonly Command[] = [healthCommand, versionCommand];

const GLOBAL_FLAGS = {
  url: { type: "string" },
  token: { type: "string" },
  output: { type: "string", short: "o" },
  help: { type: "boolean", short: "h" },
} as const;

export interface CliDeps extends CliIo {
  env: Readonly<Record<string, string | undefined>>;
  fetch: Fetch;
}

export function usageText(): string {
  const width = Math.max(...COMMANDS.map((command) => command.name.length));
  return [
    "Usage: ksp [flags] <command>",
    "",
    "Commands:",
    ...COMMANDS.map((command) => `  ${command.name.padEnd(width)}  ${command.summary}`),
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

/** Node's parseArgs names the offending option but not its value; keep only the name (it may be a token). */
function describeArgvError(err: unknown): string {
  const option = /'(-{1,2}[^'\s=]+)/.exec(err instanceof Error ? err.message : "")?.[1] ?? "arguments";
  return (err as { code?: string }).code === "ERR_PARSE_ARGS_UNKNOWN_OPTION"
    ? `unknown flag ${option}`
    : `${option} requires a value`;
}

function parseGlobalFlags(argv: readonly string[]) {
  try {
    return parseArgs({ args: [...argv], options: GLOBAL_FLAGS, allowPositionals: true });
  } catch (err) {
    return { error: describeArgvError(err) };
  }
}

export async function runCli(argv: readonly string[], deps: CliDeps): Promise<number> {
  const parsed = parseGlobalFlags(argv);
  if ("error" in parsed) {
    deps.stderr(`${formatError(parsed.error)}\n${usageText()}`);
    return EXIT_USAGE;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    deps.stdout(usageText());
    return EXIT_OK;
  }
  const [name, ...args] = positionals;
  const command = COMMANDS.find((candidate) => candidate.name === name);
  if (!command) {
    const problem = name === undefined ? "no command given" : `unknown command "${name}"`;
    deps.stderr(`${formatError(problem)}\n${usageText()}`);
    return EXIT_USAGE;
  }
  const resolved = resolveCliConfig(values, deps.env);
  if (!resolved.ok) {
    deps.stderr(`${formatError(resolved.error)}\n`);
    return EXIT_USAGE;
  }
  try {
    return await command.run({ config: resolved.config, io: deps, fetch: deps.fetch, args });
  } catch (err) {
    if (!(err instanceof CliError)) throw err;
    deps.stderr(`${err.line}\n`);
    return err.exitCode;
  }
}
