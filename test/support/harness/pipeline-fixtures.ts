/** Small builders shared by the engine's unit tests. */

import type { PipelineHost } from "../../../agent/pipeline/engine.ts";
import { CommandError } from "../../../agent/pipeline/errors.ts";
import type { Pipeline, Step, StepContext } from "../../../agent/pipeline/types.ts";
import { type ExecResult, type SshConnector, SshError, type SshTarget } from "../../../agent/ssh/types.ts";
import { createLogger, type Logger } from "../../../shared/logger.ts";

export function target(host: string, overrides: Partial<SshTarget> = {}): SshTarget {
  return {
    host,
    port: 22,
    username: "root",
    key: "-----BEGIN OPENSSH PRIVATE KEY-----",
    pinnedFingerprint: `SHA256:fake-${host}`,
    ...overrides,
  };
}

/** `count` hosts m-1…m-n at 10.0.0.1…n. */
export function hosts(count: number, values: Record<string, unknown> = {}): PipelineHost[] {
  return Array.from({ length: count }, (_, i) => ({
    host: { id: `m-${i + 1}`, name: `node-${i + 1}` },
    target: target(`10.0.0.${i + 1}`),
    values,
  }));
}

/** What a built-in step does with a command: stream output, type a timeout or a bad exit. */
export async function runCommand(
  ctx: StepContext,
  command: string,
  options: { timeoutMs: number; okExitCodes?: number[] },
): Promise<ExecResult> {
  const result = await ctx.session.exec(command, {
    timeoutMs: options.timeoutMs,
    signal: ctx.signal,
    onStdout: (chunk) => ctx.log("stdout", chunk),
    onStderr: (chunk) => ctx.log("stderr", chunk),
  });
  if (result.timedOut) throw new SshError("timeout", `command killed after ${options.timeoutMs} ms`);
  if (!(options.okExitCodes ?? [0]).includes(result.exitCode ?? -1)) {
    throw new CommandError(`command exited with code ${result.exitCode}`, result.exitCode);
  }
  return result;
}

/** A step that runs `command` (with an optional `check` command whose exit 0 means done). */
export function commandStep(
  name: string,
  command: string,
  extra: Partial<Step> & { checkCommand?: string } = {},
): Step {
  const { checkCommand, ...rest } = extra;
  const step: Step = {
    name,
    timeoutMs: 1_000,
    async apply(ctx) {
      const result = await runCommand(ctx, command, { timeoutMs: rest.timeoutMs ?? 1_000 });
      return { exitCode: result.exitCode };
    },
    ...rest,
  };
  if (checkCommand !== undefined) {
    step.check = async (ctx) =>
      (await runCommand(ctx, checkCommand, { timeoutMs: 1_000, okExitCodes: [0, 1] })).exitCode === 0;
  }
  return step;
}

/** A pipeline from task name → steps, in insertion order. */
export function pipelineOf(name: string, tasks: Record<string, Step[]>): Pipeline {
  return { name, tasks: Object.entries(tasks).map(([taskName, steps]) => ({ name: taskName, steps })) };
}

/** Five steps a.1 … a.5 running `cmd-1` … `cmd-5`. */
export function fiveSteps(): Pipeline {
  return pipelineOf("demo", {
    a: [1, 2, 3, 4, 5].map((i) => commandStep(`a.${i}`, `cmd-${i}`)),
  });
}

export function capturedLogger(): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  return { logger: createLogger({ level: "debug", sink: (line) => lines.push(line) }), lines };
}

/** A connector that fails the test if anything asks it for a session. */
export const refusingConnector: SshConnector = {
  session: () => {
    throw new Error("dry-run must not connect");
  },
  handshakes: () => new Map(),
  close: async () => undefined,
};
