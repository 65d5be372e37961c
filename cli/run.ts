/**
 * Runs one `ksp` command line and resolves to its exit code. Kept apart from
 * main.ts so tests run the whole CLI in-process with their own env, fetch
 * and output. Commander's own failures (unknown command or flag, missing
 * argument, bad choice) are usage errors, exit 2; CliErrors print their one
 * line (and any detail) on stderr and exit with their code.
 */
import { CommanderError } from "commander";
import { CliError } from "./api.ts";
import { EXIT_OK, EXIT_USAGE } from "./exit-codes.ts";
import { buildProgram } from "./program.ts";
import type { CliDeps, Runtime } from "./runtime.ts";

export { EXIT_FAILURE, EXIT_OK, EXIT_USAGE } from "./exit-codes.ts";
export type { CliDeps } from "./runtime.ts";

const CLEAN_EXITS = new Set(["commander.helpDisplayed", "commander.version"]);

export async function runCli(argv: readonly string[], deps: CliDeps): Promise<number> {
  const rt: Runtime = { deps, exitCode: EXIT_OK };
  const program = buildProgram(rt);
  try {
    await program.parseAsync([...argv], { from: "user" });
    return rt.exitCode;
  } catch (err) {
    if (err instanceof CommanderError) return CLEAN_EXITS.has(err.code) ? EXIT_OK : EXIT_USAGE;
    if (err instanceof CliError) {
      deps.stderr(`${err.line}\n${err.detail}`);
      return err.exitCode;
    }
    throw err;
  }
}
