/** The shape every `ksp` subcommand has; `cli/run.ts` dispatches on `name`. */
import type { Fetch } from "../api.ts";
import type { CliConfig } from "../config.ts";
import type { CliIo } from "../output.ts";

export interface CommandContext {
  config: CliConfig;
  io: CliIo;
  fetch: Fetch;
  /** Positional arguments after the command name. */
  args: readonly string[];
}

export interface Command {
  name: string;
  summary: string;
  /** Resolves to the exit code; throws CliError for failures already phrased for the terminal. */
  run(ctx: CommandContext): Promise<number>;
}
