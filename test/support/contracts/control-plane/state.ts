/** GET /v1/agent/state: what a poll answers, and when it answers not-modified. */
import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { fullState, isFull, type MakeSubject } from "./subject.ts";

export function stateContract(makeSubject: MakeSubject): void {
  describe("state", () => {
    it("answers the cluster's state with a weak ETag, and not-modified for that ETag until something changes", async () => {
      const s = await makeSubject();
      const first = await fullState(s.controlPlane);
      expect(first.state.clusterId).toBe(s.clusterId);
      expect(await s.controlPlane.state(first.etag)).toEqual({ notModified: true });
      // no ETag, or one that names no current state (another cluster's, an old one): in full
      expect((await s.controlPlane.state(null)).notModified).toBe(false);
      expect((await s.controlPlane.state(`W/"${randomUUID()}:1"`)).notModified).toBe(false);

      const poolId = await s.addPool();
      const after = await s.controlPlane.state(first.etag);
      if (!isFull(after)) throw new Error("a change must be answered in full");
      expect(after.state.stateVersion).toBeGreaterThan(first.state.stateVersion);
      expect(after.etag).not.toBe(first.etag);
      expect(after.state.pools.map((p) => p.id)).toEqual([poolId]);
      expect(await s.controlPlane.state(after.etag)).toEqual({ notModified: true });
    });

    it("lists the cluster's pools and machines, with the desired state their status implies, and no free inventory", async () => {
      const s = await makeSubject();
      const poolId = await s.addPool({ maxSize: 5 });
      const [ready] = await s.addPoolMachines(poolId, 1, { status: "ready" });
      const [idle] = await s.addPoolMachines(poolId, 1, { status: "available" });
      const [free] = await s.addFreeMachines(1);
      const { state } = await fullState(s.controlPlane);
      expect(state.pools).toEqual([
        expect.objectContaining({ id: poolId, maxSize: 5, autoscalingEnabled: true }),
      ]);
      const byId = new Map(state.machines.map((m) => [m.id, m]));
      expect(byId.get(ready!)).toMatchObject({ poolId, status: "ready", desiredState: "joined" });
      expect(byId.get(idle!)).toMatchObject({ poolId, status: "available", desiredState: "absent" });
      expect(byId.has(free!)).toBe(false);
      // no drain, no intent
      expect(byId.get(ready!)?.drainIntent).toBeNull();
    });

    it("tells the agent why a draining machine drains", async () => {
      const s = await makeSubject();
      const poolId = await s.addPool();
      const [maintained] = await s.addPoolMachines(poolId, 1, {
        status: "draining",
        drainIntent: "maintenance",
      });
      const [scaledDown] = await s.addPoolMachines(poolId, 1, { status: "draining" });
      const { state } = await fullState(s.controlPlane);
      const byId = new Map(state.machines.map((m) => [m.id, m]));
      expect(byId.get(maintained!)).toMatchObject({ status: "draining", drainIntent: "maintenance" });
      expect(byId.get(scaledDown!)).toMatchObject({ status: "draining", drainIntent: null });
    });
  });
}
