/** POST /v1/agent/heartbeat and /v1/agent/snapshots: the agent's reports. */
import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { HeartbeatResponseSchema, SnapshotsResponseSchema } from "../../../../proto/agent-api.ts";
import { beat, expectFinal, figures, fullState, type MakeSubject, refusal } from "./subject.ts";

export function reportsContract(makeSubject: MakeSubject): void {
  describe("heartbeat and snapshots", () => {
    it("answers a heartbeat with the cluster's current state version", async () => {
      const s = await makeSubject();
      const first = await s.controlPlane.heartbeat(beat());
      expect(HeartbeatResponseSchema.safeParse(first).success).toBe(true);
      expect(Number.isNaN(Date.parse(first.receivedAt))).toBe(false);
      expect(first.stateVersion).toBe((await fullState(s.controlPlane)).state.stateVersion);
      await s.addPool();
      const second = await s.controlPlane.heartbeat(beat());
      expect(second.stateVersion).toBeGreaterThan(first.stateVersion);
      expect(second.stateVersion).toBe((await fullState(s.controlPlane)).state.stateVersion);
    });

    it("records a snapshot per pool and one for the cluster, at the capture time given, in UTC", async () => {
      const s = await makeSubject();
      const poolId = await s.addPool();
      const answer = await s.controlPlane.snapshots({
        capturedAt: "2026-03-01T14:00:00+02:00",
        pools: [{ poolId, ...figures }],
        cluster: figures,
      });
      expect(SnapshotsResponseSchema.safeParse(answer).success).toBe(true);
      expect(answer).toEqual({ capturedAt: "2026-03-01T12:00:00.000Z", recorded: 2 });

      const startedAt = Date.now();
      const now = await s.controlPlane.snapshots({ pools: [], cluster: figures });
      expect(now.recorded).toBe(1);
      expect(Date.parse(now.capturedAt)).toBeGreaterThanOrEqual(startedAt - 5_000);
    });

    it("refuses a snapshot naming a pool the cluster does not have", async () => {
      const s = await makeSubject();
      const poolId = await s.addPool();
      const err = await refusal(
        s.controlPlane.snapshots({
          pools: [
            { poolId, ...figures },
            { poolId: randomUUID(), ...figures },
          ],
        }),
      );
      expectFinal(err, 404, "not_found");
    });
  });
}
