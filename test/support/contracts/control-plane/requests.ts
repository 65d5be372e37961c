/** Requests the protocol refuses: 400 validation_failed, which the transition queue drops instead of retrying. */
import { describe, expect, it } from "vitest";
import { beat, expectFinal, figures, type MakeSubject, machineIn, refusal } from "./subject.ts";

export function requestsContract(makeSubject: MakeSubject): void {
  describe("requests the protocol does not allow", () => {
    it("refuses them as validation_failed (400), which the agent never retries", async () => {
      const s = await makeSubject();
      const poolId = await s.addPool();
      const [id] = await s.addPoolMachines(poolId, 1, { status: "reserved" });
      const cp = s.controlPlane;
      expectFinal(
        await refusal(cp.allocate({ poolId, delta: 0, requestId: "r-0" })),
        400,
        "validation_failed",
      );
      expectFinal(
        await refusal(cp.allocate({ poolId, delta: 1, requestId: "has spaces" })),
        400,
        "validation_failed",
      );
      expectFinal(
        await refusal(cp.transitions([{ machineId: "not-a-uuid", from: "reserved", to: "joining" }])),
        400,
        "validation_failed",
      );
      expectFinal(await refusal(cp.transitions([])), 400, "validation_failed");
      expectFinal(
        await refusal(cp.pinHostKeys([{ machineId: id!, fingerprint: "MD5:aa:bb" }])),
        400,
        "validation_failed",
      );
      expectFinal(
        await refusal(cp.heartbeat({ ...beat(), nodeCounts: { total: -1, ready: 0 } })),
        400,
        "validation_failed",
      );
      expectFinal(
        await refusal(
          cp.snapshots({
            pools: [
              { poolId, ...figures },
              { poolId, ...figures },
            ],
          }),
        ),
        400,
        "validation_failed",
      );
      // nothing of it was applied
      expect(await machineIn(cp, id!)).toMatchObject({ status: "reserved", hostKeyFingerprint: null });
    });
  });
}
