/** The shape every `ksp` subcommand has; `cli/run.ts` dispatches on `words`. */
import type { ParseArgsConfig } from "node:util";
import type { ApiClient } from "../api.ts";
import type { CliConfig } from "../config.ts";
import type { CliIo } from "../output.ts";

/** Flag definitions as node:util parseArgs takes them. */
export type FlagOptions = NonNullable<ParseArgsConfig["options"]>;

/** Parsed flag values (node:util parseArgs), global and the command's own. */
export type Flags = Readonly<Record<string, string | boolean | (string | boolean)[] | undefined>>;

export interface CommandContext {
  config: CliConfig;
  io: CliIo;
  api: ApiClient;
  /** Positional arguments after the command's words. */
  args: readonly string[];
  flags: Flags;
}

export interface Command {
  /** What selects it on the command line: `["health"]`, `["cluster", "get"]`. */
  words: readonly string[];
  /** Its arguments as the usage shows them, e.g. `<id|name>`. */
  synopsis?: string;
  summary: string;
  /** More for `ksp <words> --help`: flags, fields, examples. */
  help?: string;
  /** Its own flags, parsed together with the global ones. */
  options?: FlagOptions;
  /** Resolves to the exit code; throws CliError for failures already phrased for the terminal. */
  run(ctx: CommandContext): Promise<number>;
}

export function commandName(command: Command): string {
  return command.words.join(" ");
}
