/**
 * Runs one step on one host: check ("already done?") then apply, each attempt
 * under the step's timeout, retried only when the failure is retryable
 * (connection, timeout) and the policy allows another attempt. Output tails
 * and error messages are masked before they leave this file.
 */
import { setTimeout as sleep } from "node:timers/promises";
import type { Clock } from "../../shared/clock.ts";
import type { Logger } from "../../shared/logger.ts";
import type { SshErrorClass } from "../ssh/types.ts";
import { classifyFailure } from "./classify.ts";
import { type DeadlineOutcome, withDeadline } from "./deadline.ts";
import type { SecretMasker } from "./masking.ts";
import { OutputTail, type TailLimits } from "./output-tail.ts";
import type { PlannedStep } from "./selection.ts";
import type { SessionHolder } from "./session-holder.ts";
import type { HostSpec, Step, StepContext, StepOutcome, StepResult } from "./types.ts";

export interface StepRunContext {
  pipeline: string;
  host: HostSpec;
  values: Readonly<Record<string, unknown>>;
  session: SessionHolder;
  masker: SecretMasker;
  tail: TailLimits;
  signal: AbortSignal | undefined;
  clock: Clock;
  logger: Logger;
}

export interface StepRun {
  result: StepResult;
  facts?: Record<string, unknown>;
}

type AttemptValue = { alreadyDone: true } | { alreadyDone: false; outcome: StepOutcome | undefined };

type Verdict =
  | { status: "ok" | "already-done"; exitCode: number | null; facts?: Record<string, unknown> }
  | {
      status: "failed";
      exitCode: number | null;
      errorClass?: SshErrorClass;
      retryable: boolean;
      message: string;
    };

export async function runStep(planned: PlannedStep, run: StepRunContext): Promise<StepRun> {
  const { step } = planned;
  const startedAt = run.clock.now().getTime();
  const maxAttempts = Math.max(1, Math.floor(step.retry?.attempts ?? 1));
  for (let attempt = 1; ; attempt += 1) {
    const stdout = new OutputTail(run.masker, run.tail);
    const stderr = new OutputTail(run.masker, run.tail);
    const outcome = await withDeadline(step.timeoutMs, run.signal, (signal) =>
      attemptOnce(step, run, signal, stdout, stderr),
    );
    const verdict = judge(step, outcome);
    // A dead connection goes back to the pool (which drops it); the next attempt connects afresh.
    if (verdict.status === "failed" && verdict.errorClass === "connection") run.session.release();
    const retry =
      verdict.status === "failed" &&
      verdict.retryable &&
      attempt < maxAttempts &&
      outcome.kind !== "cancelled";
    if (retry) {
      run.logger.warn("step attempt failed, retrying", {
        step: step.name,
        attempt,
        errorClass: verdict.errorClass,
        error: run.masker.mask(verdict.message),
      });
      const backoffMs = (step.retry?.backoffMs ?? 0) * 2 ** (attempt - 1);
      const waited = await sleep(
        backoffMs,
        true,
        run.signal === undefined ? {} : { signal: run.signal },
      ).catch(() => false);
      if (waited) continue;
    }
    const durationMs = run.clock.now().getTime() - startedAt;
    const result = buildResult(planned, run, verdict, { durationMs, attempts: attempt, stdout, stderr });
    logResult(run.logger, result);
    if (verdict.status === "failed" || verdict.facts === undefined) return { result };
    result.facts = verdict.facts;
    return { result, facts: verdict.facts };
  }
}

async function attemptOnce(
  step: Step,
  run: StepRunContext,
  signal: AbortSignal,
  stdout: OutputTail,
  stderr: OutputTail,
): Promise<AttemptValue> {
  const session = await run.session.get();
  const ctx: StepContext = {
    session,
    host: run.host,
    values: run.values,
    signal,
    log: (stream, chunk) => (stream === "stdout" ? stdout : stderr).append(chunk),
  };
  if (step.check !== undefined && (await step.check(ctx))) return { alreadyDone: true };
  return { alreadyDone: false, outcome: await step.apply(ctx) };
}

function judge(step: Step, outcome: DeadlineOutcome<AttemptValue>): Verdict {
  switch (outcome.kind) {
    case "timeout":
      return {
        status: "failed",
        exitCode: null,
        errorClass: "timeout",
        retryable: true,
        message: `${step.name} timed out after ${step.timeoutMs} ms`,
      };
    case "cancelled":
      return { status: "failed", exitCode: null, retryable: true, message: `${step.name} cancelled` };
    case "error": {
      const failure = classifyFailure(outcome.error);
      return { status: "failed", ...failure };
    }
    case "done": {
      if (outcome.value.alreadyDone) return { status: "already-done", exitCode: null };
      const exitCode = outcome.value.outcome?.exitCode ?? null;
      if (exitCode !== null && exitCode !== 0) {
        return {
          status: "failed",
          exitCode,
          errorClass: "command",
          retryable: false,
          message: `${step.name} exited with code ${exitCode}`,
        };
      }
      const facts = outcome.value.outcome?.facts;
      return facts === undefined ? { status: "ok", exitCode } : { status: "ok", exitCode, facts };
    }
  }
}

function buildResult(
  planned: PlannedStep,
  run: StepRunContext,
  verdict: Verdict,
  measured: { durationMs: number; attempts: number; stdout: OutputTail; stderr: OutputTail },
): StepResult {
  const result: StepResult = {
    hostId: run.host.id,
    pipeline: run.pipeline,
    task: planned.task.name,
    step: planned.step.name,
    status: verdict.status,
    durationMs: measured.durationMs,
    exitCode: verdict.exitCode,
    stdoutTail: measured.stdout.text(),
    stderrTail: measured.stderr.text(),
    attempts: measured.attempts,
  };
  if (verdict.status === "failed") {
    if (verdict.errorClass !== undefined) result.errorClass = verdict.errorClass;
    result.errorMessage = run.masker.mask(verdict.message);
    result.retryable = verdict.retryable;
  }
  return result;
}

function logResult(logger: Logger, result: StepResult): void {
  const fields = {
    step: result.step,
    status: result.status,
    durationMs: result.durationMs,
    attempts: result.attempts,
    exitCode: result.exitCode,
    errorClass: result.errorClass,
    error: result.errorMessage,
  };
  if (result.status === "failed") logger.warn("step failed", fields);
  else logger.info("step finished", fields);
}
