/**
 * One host's pass through a pipeline: its planned steps in order on one
 * session. The first failure stops this host (later steps are `not-run`) and
 * becomes `failedStep`, the resume point; facts a step learns flow to later
 * steps in `values`. Never throws: every outcome is in the HostResult.
 */
import type { Clock } from "../../shared/clock.ts";
import type { Logger } from "../../shared/logger.ts";
import type { SshConnector, SshTarget } from "../ssh/types.ts";
import { unexecutedResult } from "./dry-run.ts";
import { createMasker, secretValues } from "./masking.ts";
import type { TailLimits } from "./output-tail.ts";
import type { PlannedStep } from "./selection.ts";
import { SessionHolder } from "./session-holder.ts";
import { runStep } from "./step-runner.ts";
import type { HostResult, HostSpec, Pipeline, StepResult } from "./types.ts";

export interface PipelineHost {
  host: HostSpec;
  target: SshTarget;
  values: Readonly<Record<string, unknown>>;
}

export interface HostRunDeps {
  pipeline: Pipeline;
  connector: SshConnector;
  tail: TailLimits;
  signal: AbortSignal | undefined;
  clock: Clock;
  logger: Logger;
  emit: (result: StepResult) => void;
  onPinned: ((hostId: string, fingerprint: string) => void) | undefined;
}

export async function runHost(
  job: PipelineHost,
  plan: readonly PlannedStep[],
  deps: HostRunDeps,
): Promise<HostResult> {
  const { host } = job;
  const logger = deps.logger.child({ pipeline: deps.pipeline.name, host: host.name, hostId: host.id });
  const onPinned = deps.onPinned;
  const session = new SessionHolder(
    deps.connector,
    job.target,
    onPinned === undefined ? undefined : (fingerprint) => onPinned(host.id, fingerprint),
  );
  const masker = createMasker(secretValues(deps.pipeline, job.values));
  let values: Readonly<Record<string, unknown>> = job.values;
  const steps: StepResult[] = [];
  let failedStep: string | undefined;
  const record = (result: StepResult) => {
    steps.push(result);
    deps.emit(result);
  };
  try {
    for (const planned of plan) {
      if (failedStep !== undefined) record(unexecutedResult(host.id, deps.pipeline.name, planned, "not-run"));
      else if (!planned.run) record(unexecutedResult(host.id, deps.pipeline.name, planned, "skipped"));
      else {
        const { result, facts } = await runStep(planned, {
          pipeline: deps.pipeline.name,
          host,
          values,
          session,
          masker,
          tail: deps.tail,
          signal: deps.signal,
          clock: deps.clock,
          logger,
        });
        if (result.status === "failed") failedStep = result.step;
        else if (facts !== undefined) values = { ...values, ...facts };
        record(result);
      }
    }
  } finally {
    session.release();
  }
  const hostResult: HostResult = { hostId: host.id, ok: failedStep === undefined, steps };
  if (failedStep !== undefined) hostResult.failedStep = failedStep;
  return hostResult;
}
