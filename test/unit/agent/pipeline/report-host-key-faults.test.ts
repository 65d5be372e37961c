import { describe, expect, it } from "vitest";
import { reportHostKeyFaults } from "../../../../agent/pipeline/report-host-key-faults.ts";
import type { HostResult, StepResult } from "../../../../agent/pipeline/types.ts";
import { FakeControlPlane } from "../../../support/agent/fake-control-plane.ts";
import { fixtureMachine } from "../../../support/agent/fixtures.ts";

function result(hostId: string, errorClass: StepResult["errorClass"] | null): HostResult {
  if (errorClass === null) return { hostId, ok: true, steps: [] };
  const step: StepResult = {
    hostId,
    pipeline: "join",
    task: "preflight",
    step: "preflight.connect",
    status: "failed",
    durationMs: 2,
    exitCode: null,
    stdoutTail: "",
    stderrTail: "",
    errorClass,
    errorMessage: "expected SHA256:aaa, host presented SHA256:bbb",
    retryable: false,
    attempts: 1,
  };
  return { hostId, ok: false, steps: [step], failedStep: step.step };
}

describe("reportHostKeyFaults", () => {
  it("marks only the machines refused for their host key fault, in one batch", async () => {
    const changed = fixtureMachine({ status: "reserved" });
    const authFailed = fixtureMachine({ status: "reserved" });
    const fine = fixtureMachine({ status: "ready" });
    const fake = new FakeControlPlane({ machines: [changed, authFailed, fine] });
    const machines = new Map([changed, authFailed, fine].map((m) => [m.id, m]));

    const response = await reportHostKeyFaults(
      fake,
      [result(changed.id, "host-key"), result(authFailed.id, "auth"), result(fine.id, null)],
      machines,
    );

    expect(response?.summary).toEqual({ applied: 1, failed: 0 });
    expect(fake.count("transitions")).toBe(1);
    expect(fake.machine(changed.id).status).toBe("fault");
    expect(fake.machine(changed.id).statusReason).toMatch(/^host key mismatch: expected SHA256:aaa/);
    expect(fake.machine(authFailed.id).status).toBe("reserved");
    expect(fake.machine(fine.id).status).toBe("ready");
  });

  it("sends nothing when no host was refused for its host key", async () => {
    const m = fixtureMachine({ status: "ready" });
    const fake = new FakeControlPlane({ machines: [m] });
    expect(await reportHostKeyFaults(fake, [result(m.id, "timeout")], new Map([[m.id, m]]))).toBeNull();
    expect(fake.count("transitions")).toBe(0);
  });

  it("reports a machine changed meanwhile as a conflict instead of overwriting it", async () => {
    const m = fixtureMachine({ status: "reserved" });
    const fake = new FakeControlPlane({ machines: [m] });
    const stale = new Map([[m.id, { ...m, version: m.version + 5 }]]);
    const response = await reportHostKeyFaults(fake, [result(m.id, "host-key")], stale);
    expect(response?.summary).toEqual({ applied: 0, failed: 1 });
    expect(fake.machine(m.id).status).toBe("reserved");
  });
});
