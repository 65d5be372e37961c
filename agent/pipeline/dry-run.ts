/**
 * Dry-run: every step per host, in order, with whether it would run, and
 * nothing else. Builds on selection.ts only; it never sees a connector, so it
 * cannot connect.
 */
import {
  type PlannedStep,
  planHost,
  type Selection,
  type SkipReason,
  validateSelection,
} from "./selection.ts";
import type { HostResult, HostSpec, Pipeline, StepResult, StepStatus } from "./types.ts";

export interface PlanOptions extends Selection {
  pipeline: Pipeline;
  hosts: readonly { host: HostSpec }[];
}

export interface PlanEntry {
  task: string;
  step: string;
  tags: string[];
  timeoutMs: number;
  run: boolean;
  skipReason?: SkipReason;
}

export interface HostPlan {
  hostId: string;
  hostName: string;
  steps: PlanEntry[];
}

export function planPipeline(options: PlanOptions): HostPlan[] {
  const { pipeline, hosts } = options;
  validateSelection(
    pipeline,
    hosts.map((h) => h.host.id),
    options,
  );
  return hosts.map(({ host }) => ({
    hostId: host.id,
    hostName: host.name,
    steps: planHost(pipeline, host.id, options).map(planEntry),
  }));
}

function planEntry(planned: PlannedStep): PlanEntry {
  const entry: PlanEntry = {
    task: planned.task.name,
    step: planned.step.name,
    tags: [...(planned.step.tags ?? [])],
    timeoutMs: planned.step.timeoutMs,
    run: planned.run,
  };
  if (planned.skipReason !== undefined) entry.skipReason = planned.skipReason;
  return entry;
}

/** A result for a step that did not execute (skipped, after a failure, or in a dry-run). */
export function unexecutedResult(
  hostId: string,
  pipeline: string,
  planned: PlannedStep,
  status: StepStatus,
): StepResult {
  return {
    hostId,
    pipeline,
    task: planned.task.name,
    step: planned.step.name,
    status,
    durationMs: 0,
    exitCode: null,
    stdoutTail: "",
    stderrTail: "",
    attempts: 0,
  };
}

/** What runPipeline({ dryRun: true }) answers: would-run steps `not-run`, filtered steps `skipped`. */
export function dryRunResults(options: PlanOptions, onResult: (result: StepResult) => void): HostResult[] {
  validateSelection(
    options.pipeline,
    options.hosts.map((h) => h.host.id),
    options,
  );
  return options.hosts.map(({ host }) => {
    const steps = planHost(options.pipeline, host.id, options).map((planned) => {
      const result = unexecutedResult(
        host.id,
        options.pipeline.name,
        planned,
        planned.run ? "not-run" : "skipped",
      );
      onResult(result);
      return result;
    });
    return { hostId: host.id, ok: true, steps };
  });
}
