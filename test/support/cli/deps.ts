/** CliDeps for running `ksp` in-process: collected output, no terminal, no stdin, instant sleeps. */
import type { CliDeps } from "../../../cli/runtime.ts";

export interface CollectedRun {
  code: number;
  stdout: string;
  stderr: string;
}

export function testDeps(
  env: Record<string, string | undefined>,
  fetchImpl: typeof fetch,
  extra: Partial<CliDeps> = {},
): CliDeps & { out(): { stdout: string; stderr: string } } {
  let stdout = "";
  let stderr = "";
  return {
    env,
    fetch: fetchImpl,
    stdout: (text) => {
      stdout += text;
    },
    stderr: (text) => {
      stderr += text;
    },
    readStdin: async () => "",
    promptSecret: async () => null,
    progressStream: null,
    onInterrupt: () => new AbortController().signal,
    sleep: async () => {},
    now: () => Date.now(),
    ...extra,
    out: () => ({ stdout, stderr }),
  };
}
