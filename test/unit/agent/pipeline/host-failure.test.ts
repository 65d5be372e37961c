import { describe, expect, it } from "vitest";
import { hostKeyFaultTransition } from "../../../../agent/pipeline/host-failure.ts";
import type { HostResult, StepResult } from "../../../../agent/pipeline/types.ts";
import { TransitionItemSchema } from "../../../../proto/agent-api.ts";

const MACHINE_ID = "5b0c5d4e-8f7a-4b8e-9a51-0d3f1c2b7a10";

function failedResult(
  errorClass: StepResult["errorClass"],
  message = "host key mismatch for root@10.0.0.1:22",
): HostResult {
  const step: StepResult = {
    hostId: MACHINE_ID,
    pipeline: "join",
    task: "preflight",
    step: "preflight.connect",
    status: "failed",
    durationMs: 3,
    exitCode: null,
    stdoutTail: "",
    stderrTail: "",
    errorClass,
    errorMessage: message,
    retryable: false,
    attempts: 1,
  };
  return { hostId: MACHINE_ID, ok: false, steps: [step], failedStep: step.step };
}

describe("hostKeyFaultTransition", () => {
  it("marks the machine fault with the reason, guarded by its version", () => {
    const item = hostKeyFaultTransition(failedResult("host-key"), {
      id: MACHINE_ID,
      status: "joining",
      version: 7,
    });
    expect(item).toEqual({
      machineId: MACHINE_ID,
      from: "joining",
      to: "fault",
      expectedVersion: 7,
      reason: "host key mismatch: host key mismatch for root@10.0.0.1:22",
      lastError: "join/preflight.connect: host key mismatch for root@10.0.0.1:22",
    });
    expect(TransitionItemSchema.safeParse(item).success).toBe(true);
  });

  it("keeps a long reason within the protocol's bounds", () => {
    const item = hostKeyFaultTransition(failedResult("host-key", "z".repeat(5_000)), {
      id: MACHINE_ID,
      status: "ready",
      version: 1,
    });
    expect(item?.reason).toHaveLength(1024);
    expect(TransitionItemSchema.safeParse(item).success).toBe(true);
  });

  it("is null for other failures, successes, and states with no edge to fault", () => {
    const machine = { id: MACHINE_ID, status: "reserved" as const, version: 2 };
    expect(hostKeyFaultTransition(failedResult("auth"), machine)).toBeNull();
    expect(hostKeyFaultTransition({ hostId: MACHINE_ID, ok: true, steps: [] }, machine)).toBeNull();
    expect(
      hostKeyFaultTransition(failedResult("host-key"), { ...machine, status: "maintenance" }),
    ).toBeNull();
    expect(hostKeyFaultTransition(failedResult("host-key"), { ...machine, status: "fault" })).toBeNull();
  });

  it("takes a free machine out of the inventory too", () => {
    const item = hostKeyFaultTransition(failedResult("host-key"), {
      id: MACHINE_ID,
      status: "available",
      version: 7,
    });
    expect(item).toMatchObject({ from: "available", to: "fault", expectedVersion: 7 });
  });

  it("refuses a result paired with another machine", () => {
    expect(() =>
      hostKeyFaultTransition(failedResult("host-key"), { id: "other", status: "ready", version: 1 }),
    ).toThrow(/given with machine other/);
  });
});
