/** confirmedChange: what a confirmed transition changes in the agent's view, by the control plane's rules. */
import { describe, expect, it } from "vitest";
import { confirmedChange } from "../../../agent/state/confirmed-transition.ts";

const now = new Date("2026-12-07T10:00:00Z");
const machineId = "6f3b48a6-4982-4a56-a61b-5fe85a3f6a9f";

describe("confirmedChange", () => {
  it("ends a drain's intent with the drain, and keeps it while draining", () => {
    const drained = confirmedChange({ machineId, from: "draining", to: "maintenance" }, 4, now);
    expect(drained).toEqual({
      machineId,
      version: 4,
      set: {
        status: "maintenance",
        desiredState: "absent",
        statusReason: null,
        statusChangedAt: now.toISOString(),
        drainIntent: null,
      },
    });
    const draining = confirmedChange({ machineId, from: "ready", to: "draining" }, 5, now);
    expect(draining.set).not.toHaveProperty("drainIntent");
  });

  it("keeps the node name and provider id into maintenance, clears them on the way to available", () => {
    expect(
      confirmedChange({ machineId, from: "draining", to: "maintenance" }, 2, now).set,
    ).not.toHaveProperty("nodeName");
    expect(confirmedChange({ machineId, from: "leaving", to: "available" }, 2, now).set).toMatchObject({
      providerId: null,
      nodeName: null,
    });
  });
});
