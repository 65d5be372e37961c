/**
 * Steps, tasks and pipelines (issue 5). A Step is atomic and idempotent:
 * `check` answers "already done?" and `apply` does it. A Task is ordered
 * steps with one purpose; a Pipeline is ordered tasks run per host. The
 * engine (engine.ts) runs pipelines over hosts with bounded concurrency and
 * streams a StepResult per step as it happens.
 */
import type { SshErrorClass, SshSession } from "../ssh/types.ts";

export interface RetryPolicy {
  attempts: number;
  backoffMs: number;
}

/** What a step may use on its host. `values` are the pipeline's inputs (node name, labels, tokens …). */
export interface StepContext {
  session: SshSession;
  host: HostSpec;
  values: Readonly<Record<string, unknown>>;
  signal: AbortSignal;
  /** records output for the result (tail kept, secrets masked by the engine) */
  log(stream: "stdout" | "stderr", chunk: string): void;
}

export interface StepOutcome {
  exitCode?: number | null;
  /** facts a step learned, passed to later steps of the same host in `values` */
  facts?: Record<string, unknown>;
}

export interface Step {
  /** e.g. "preflight.check-memory" */
  name: string;
  tags?: readonly string[];
  timeoutMs: number;
  retry?: RetryPolicy;
  /** keys of `values` that hold secrets: their values are masked in every result and log */
  secrets?: readonly string[];
  /** true: already done, skip apply. Absent: always apply. */
  check?(ctx: StepContext): Promise<boolean>;
  apply(ctx: StepContext): Promise<StepOutcome | undefined>;
}

export interface Task {
  name: string;
  steps: readonly Step[];
}

export interface Pipeline {
  name: string;
  tasks: readonly Task[];
}

export interface HostSpec {
  /** the machine id; results are keyed by it */
  id: string;
  /** for logs and messages */
  name: string;
}

export type StepStatus = "ok" | "skipped" | "already-done" | "failed" | "not-run";

export interface StepResult {
  hostId: string;
  pipeline: string;
  task: string;
  step: string;
  status: StepStatus;
  durationMs: number;
  exitCode: number | null;
  /** last lines of output, secrets masked */
  stdoutTail: string;
  stderrTail: string;
  errorClass?: SshErrorClass;
  errorMessage?: string;
  retryable?: boolean;
  attempts: number;
  /** what a successful step learned (StepOutcome.facts), e.g. the facts pipeline's HostFacts */
  facts?: Record<string, unknown>;
}

export interface HostResult {
  hostId: string;
  ok: boolean;
  steps: StepResult[];
  /** the step to resume from when it failed */
  failedStep?: string;
}
