/** POST /v1/agent/scaling-refusals: scale requests the agent refused itself, coalesced when repeated. */
import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { type ScalingRefusalRequest, ScalingRefusalResponseSchema } from "../../../../proto/agent-api.ts";
import { expectFinal, type MakeSubject, refusal } from "./subject.ts";

export function scalingRefusalsContract(makeSubject: MakeSubject): void {
  describe("scaling refusals", () => {
    const belowMin = (poolId: string): ScalingRefusalRequest => ({
      poolId,
      direction: "down",
      requested: 2,
      reasons: [{ code: "min_size_reached", message: "would leave 1, below the minimum 2", count: 1 }],
    });

    it("counts an identical refusal as a repeat, and another one as new", async () => {
      const s = await makeSubject();
      const poolId = await s.addPool();
      const first = await s.controlPlane.reportScalingRefusal(belowMin(poolId));
      expect(ScalingRefusalResponseSchema.safeParse(first).success).toBe(true);
      expect(first.repeats).toBe(1);
      expect((await s.controlPlane.reportScalingRefusal(belowMin(poolId))).repeats).toBe(2);
      const maintenance: ScalingRefusalRequest = {
        ...belowMin(poolId),
        reasons: [{ code: "node_in_maintenance", message: "under maintenance: node-1" }],
      };
      expect((await s.controlPlane.reportScalingRefusal(maintenance)).repeats).toBe(1);
    });

    it("refuses a pool the cluster does not have (404) and a code it does not know (400)", async () => {
      const s = await makeSubject();
      const poolId = await s.addPool();
      expectFinal(
        await refusal(s.controlPlane.reportScalingRefusal(belowMin(randomUUID()))),
        404,
        "not_found",
      );
      const unknown = { ...belowMin(poolId), reasons: [{ code: "because", message: "x" }] };
      expectFinal(
        await refusal(s.controlPlane.reportScalingRefusal(unknown as unknown as ScalingRefusalRequest)),
        400,
        "validation_failed",
      );
    });
  });
}
