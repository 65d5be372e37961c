/**
 * How built-in steps talk to a host: render a template, run it as one
 * `sh -c` argument (through sudo when the user is not root), stream its
 * output into the step's log, and turn failures into typed errors.
 */
import { SshError } from "../../ssh/types.ts";
import { CommandError } from "../errors.ts";
import { renderScript, type ScriptTemplate, scriptCommand } from "../scripts/render.ts";
import type { StepContext } from "../types.ts";

export interface ScriptRun {
  exitCode: number | null;
  stdout: string;
  stderr: string;
}

/**
 * What a check may take. A step's deadline (Step.timeoutMs, enforced by the
 * engine) covers check and apply together, so steps add this to their apply budget.
 */
export const CHECK_TIMEOUT_MS = 30_000;

const lastLine = (text: string) => text.trim().split("\n").pop()?.slice(0, 300) ?? "";

export interface RunOptions {
  /** names the command in error messages (default: the template's name) */
  what?: string;
  /** run through sudo when the user is not root (default true) */
  sudo?: boolean;
  /** fed to the command's stdin: for text that must stay off the command line */
  stdin?: string;
}

/** Runs `template` with `params`; a non-zero exit is a CommandError, a timeout an SshError("timeout"). */
export async function runScript(
  ctx: StepContext,
  template: ScriptTemplate,
  params: Readonly<Record<string, string>>,
  timeoutMs: number,
  options: RunOptions = {},
): Promise<ScriptRun> {
  renderScript(template, params); // refuses bad parameters before anything is sent
  const command = scriptCommand(template, params);
  return runCommand(ctx, command, options.what ?? template.name, timeoutMs, options);
}

/** Runs a fixed command line (no interpolated values); `sudo: false` for read-only probes. */
export async function runCommand(
  ctx: StepContext,
  command: string,
  what: string,
  timeoutMs: number,
  options: RunOptions = {},
): Promise<ScriptRun> {
  const result = await ctx.session.exec(command, {
    timeoutMs,
    sudo: options.sudo ?? true,
    ...(options.stdin === undefined ? {} : { stdin: options.stdin }),
    signal: ctx.signal,
    onStdout: (chunk) => ctx.log("stdout", chunk),
    onStderr: (chunk) => ctx.log("stderr", chunk),
  });
  if (result.timedOut) {
    throw new SshError("timeout", `${what} did not finish within ${timeoutMs} ms and was killed`);
  }
  if (result.exitCode !== 0) {
    const detail = lastLine(result.stderr) || lastLine(result.stdout);
    throw new CommandError(
      `${what} exited with ${result.exitCode ?? "no status"}${detail ? `: ${detail}` : ""}`,
      result.exitCode,
    );
  }
  return { exitCode: result.exitCode, stdout: result.stdout, stderr: result.stderr };
}

/** `key=value` lines; repeated keys keep every value in order. Lines without `=` are ignored. */
export function keyValues(stdout: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const line of stdout.split("\n")) {
    const eq = line.indexOf("=");
    if (eq <= 0) continue;
    const key = line.slice(0, eq);
    out.set(key, [...(out.get(key) ?? []), line.slice(eq + 1)]);
  }
  return out;
}

export const first = (kv: Map<string, string[]>, key: string): string | undefined => kv.get(key)?.[0];

/** For check/apply scripts: runs the `check` mode and answers whether it printed state=done. */
export async function isDone(
  ctx: StepContext,
  template: ScriptTemplate,
  params: Readonly<Record<string, string>>,
  timeoutMs: number,
): Promise<boolean> {
  const { stdout } = await runScript(ctx, template, { ...params, KSP_MODE: "check" }, timeoutMs);
  const state = first(keyValues(stdout), "state");
  if (state !== "done" && state !== "todo") {
    throw new CommandError(
      `${template.name} check printed no state (got ${JSON.stringify(lastLine(stdout))})`,
      0,
    );
  }
  return state === "done";
}

export async function applyScript(
  ctx: StepContext,
  template: ScriptTemplate,
  params: Readonly<Record<string, string>>,
  timeoutMs: number,
): Promise<{ exitCode: number | null }> {
  const { exitCode } = await runScript(ctx, template, { ...params, KSP_MODE: "apply" }, timeoutMs);
  return { exitCode };
}
