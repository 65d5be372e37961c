/**
 * Which steps run on a host, and why the others do not: tags / skip-tags and
 * resume. Shared by the engine and the dry-run, so the plan a dry-run shows
 * is exactly what a run does. Validates the selection up front: a resume
 * point naming an unknown host or step is the caller's mistake, reported
 * before anything connects.
 */
import { AgentError } from "../errors.ts";
import type { Pipeline, Step, Task } from "./types.ts";

export interface Selection {
  /** run only steps carrying one of these tags (empty or absent: every step) */
  tags?: readonly string[];
  /** never run steps carrying one of these; wins over `tags` */
  skipTags?: readonly string[];
  /** hostId → the step to resume from; earlier steps are skipped */
  resumeFrom?: Readonly<Record<string, string>>;
}

export type SkipReason = "tags" | "skip-tags" | "resume";

export interface PlannedStep {
  task: Task;
  step: Step;
  run: boolean;
  skipReason?: SkipReason;
}

/**
 * A step's tags for selection: its declared tags plus its task's name and its
 * own name, so `--tags join` or `--tags preflight.check-swap` select without
 * every step repeating them.
 */
export function effectiveTags(task: Task, step: Step): Set<string> {
  return new Set([...(step.tags ?? []), task.name, step.name]);
}

/** Refuses duplicate step names (resume and results address steps by name) and unknown resume points. */
export function validateSelection(
  pipeline: Pipeline,
  hostIds: readonly string[],
  selection: Selection,
): void {
  const names = new Set<string>();
  for (const task of pipeline.tasks) {
    for (const step of task.steps) {
      if (names.has(step.name)) {
        throw new AgentError(
          "invalid_argument",
          `pipeline ${pipeline.name}: step name ${step.name} is used twice`,
        );
      }
      names.add(step.name);
    }
  }
  const seen = new Set<string>();
  for (const id of hostIds) {
    if (seen.has(id))
      throw new AgentError("invalid_argument", `pipeline ${pipeline.name}: host ${id} is listed twice`);
    seen.add(id);
  }
  for (const [hostId, stepName] of Object.entries(selection.resumeFrom ?? {})) {
    if (!seen.has(hostId)) {
      throw new AgentError("invalid_argument", `resume point for host ${hostId}, which is not in this run`);
    }
    if (!names.has(stepName)) {
      throw new AgentError(
        "invalid_argument",
        `cannot resume host ${hostId} from ${stepName}: no such step`,
        {
          pipeline: pipeline.name,
        },
      );
    }
  }
}

/** Every step of the pipeline for one host, in order, with whether it runs. */
export function planHost(pipeline: Pipeline, hostId: string, selection: Selection): PlannedStep[] {
  const only = new Set(selection.tags ?? []);
  const skip = new Set(selection.skipTags ?? []);
  const resumeAt = selection.resumeFrom?.[hostId];
  let reachedResume = resumeAt === undefined;
  const plan: PlannedStep[] = [];
  for (const task of pipeline.tasks) {
    for (const step of task.steps) {
      if (step.name === resumeAt) reachedResume = true;
      const tags = effectiveTags(task, step);
      if (!reachedResume) plan.push({ task, step, run: false, skipReason: "resume" });
      else if ([...tags].some((t) => skip.has(t)))
        plan.push({ task, step, run: false, skipReason: "skip-tags" });
      else if (only.size > 0 && ![...tags].some((t) => only.has(t))) {
        plan.push({ task, step, run: false, skipReason: "tags" });
      } else plan.push({ task, step, run: true });
    }
  }
  return plan;
}
