/** `ksp` entry point (`npm run ksp -- <command>`): wires the real process into runCli. */
import { formatError } from "./output.ts";
import { EXIT_FAILURE, runCli } from "./run.ts";

try {
  process.exitCode = await runCli(process.argv.slice(2), {
    env: process.env,
    fetch: globalThis.fetch,
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
  });
} catch (err) {
  // A bug, not a user error: still one line, but say so.
  process.stderr.write(
    `${formatError(`unexpected failure: ${err instanceof Error ? err.message : String(err)}`)}\n`,
  );
  process.exitCode = EXIT_FAILURE;
}
