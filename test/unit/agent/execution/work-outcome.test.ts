/** A host's pipeline result as the lifecycle reads it: which step failed, how, with what output, and whether anything ran. */
import { describe, expect, it } from "vitest";
import { outcomeOf } from "../../../../agent/execution/work-outcome.ts";
import type { StepResult } from "../../../../agent/pipeline/types.ts";

const step = (over: Partial<StepResult>): StepResult => ({
  hostId: "m1",
  pipeline: "join",
  task: "t",
  step: "s",
  status: "ok",
  durationMs: 1,
  exitCode: 0,
  stdoutTail: "",
  stderrTail: "",
  attempts: 1,
  ...over,
});

describe("outcomeOf", () => {
  it("is ok when the host's run was", () => {
    expect(outcomeOf({ hostId: "m1", ok: true, steps: [step({})] })).toEqual({ ok: true });
  });

  it("names the failed step, its class, message and output; a command failure touched the host", () => {
    const result = outcomeOf({
      hostId: "m1",
      ok: false,
      failedStep: "join.kubeadm-join",
      steps: [
        step({
          step: "join.kubeadm-join",
          status: "failed",
          errorClass: "command",
          errorMessage: "kubeadm join exited with 1",
          stderrTail: "error execution phase preflight",
          stdoutTail: "[preflight] Running pre-flight checks",
        }),
        step({ step: "join.kubelet-active", status: "not-run" }),
      ],
    });
    expect(result).toEqual({
      ok: false,
      failure: {
        step: "join.kubeadm-join",
        errorClass: "command",
        message: "kubeadm join exited with 1",
        outputTail: "error execution phase preflight\n[preflight] Running pre-flight checks",
        touchedHost: true,
      },
    });
  });

  it("a connection that never came up touched nothing; one that broke after a step did", () => {
    const refused = outcomeOf({
      hostId: "m1",
      ok: false,
      steps: [step({ status: "failed", errorClass: "connection", errorMessage: "ECONNREFUSED" })],
    });
    expect(refused).toMatchObject({ ok: false, failure: { touchedHost: false } });
    const broke = outcomeOf({
      hostId: "m1",
      ok: false,
      steps: [step({}), step({ step: "s2", status: "failed", errorClass: "connection" })],
    });
    expect(broke).toMatchObject({ ok: false, failure: { touchedHost: true, step: "s2" } });
  });
});
