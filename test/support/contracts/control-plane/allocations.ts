/** POST /v1/agent/allocations: reservations idempotent by request id, and the typed refusals the agent maps for Cluster Autoscaler. */
import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { AllocationResponseSchema } from "../../../../proto/agent-api.ts";
import { PROVIDER_ID_PREFIX } from "../../../../proto/provider-id.ts";
import { expectFinal, fullState, isFull, type MakeSubject, refusal } from "./subject.ts";

export function allocationsContract(makeSubject: MakeSubject): void {
  describe("allocations", () => {
    it("reserves the pool's own machines before free inventory, and the state shows them reserved for the pool", async () => {
      const s = await makeSubject();
      const poolId = await s.addPool({ maxSize: 10 });
      const [own] = await s.addPoolMachines(poolId, 1);
      const free = await s.addFreeMachines(3);
      const before = await fullState(s.controlPlane);

      const answer = await s.controlPlane.allocate({ poolId, delta: 2, requestId: "scale-up-1" });
      expect(AllocationResponseSchema.safeParse(answer).success).toBe(true);
      expect(answer).toMatchObject({ requestId: "scale-up-1", poolId, delta: 2, created: true });
      const ids = answer.machines.map((m) => m.id);
      expect(ids).toHaveLength(2);
      expect(ids).toContain(own);
      expect(free).toContain(ids.find((id) => id !== own));
      for (const m of answer.machines) {
        expect(m).toMatchObject({ status: "reserved", providerId: `${PROVIDER_ID_PREFIX}${m.id}` });
      }

      const after = await s.controlPlane.state(before.etag);
      if (!isFull(after)) throw new Error("an allocation must change the state");
      for (const m of answer.machines) {
        expect(after.state.machines.find((x) => x.id === m.id)).toMatchObject({
          poolId,
          status: "reserved",
          desiredState: "joined",
          providerId: m.providerId,
          version: m.version,
        });
      }
    });

    it("replays a request id with the same machines as they are now, created: false, reserving nothing more", async () => {
      const s = await makeSubject();
      const poolId = await s.addPool();
      await s.addFreeMachines(2);
      const first = await s.controlPlane.allocate({ poolId, delta: 1, requestId: "r-1" });
      const [machine] = first.machines;
      await s.controlPlane.transitions([
        { machineId: machine!.id, from: "reserved", to: "joining", expectedVersion: machine!.version },
      ]);

      const replay = await s.controlPlane.allocate({ poolId, delta: 1, requestId: "r-1" });
      expect(replay).toMatchObject({ allocationId: first.allocationId, created: false, poolId, delta: 1 });
      expect(replay.machines).toEqual([
        expect.objectContaining({ id: machine!.id, status: "joining", version: machine!.version + 1 }),
      ]);
      const { state } = await fullState(s.controlPlane);
      expect(state.machines.filter((m) => m.poolId === poolId)).toHaveLength(1);
    });

    it("refuses a request id reused with another delta or pool as a conflict", async () => {
      const s = await makeSubject();
      const poolId = await s.addPool();
      const otherPoolId = await s.addPool();
      await s.addFreeMachines(3);
      await s.controlPlane.allocate({ poolId, delta: 1, requestId: "r-1" });
      expectFinal(
        await refusal(s.controlPlane.allocate({ poolId, delta: 2, requestId: "r-1" })),
        409,
        "conflict",
      );
      expectFinal(
        await refusal(s.controlPlane.allocate({ poolId: otherPoolId, delta: 1, requestId: "r-1" })),
        409,
        "conflict",
      );
    });

    it("refuses a pool at its maximum with the counts, counting every machine in use", async () => {
      const s = await makeSubject();
      const poolId = await s.addPool({ maxSize: 3 });
      await s.addPoolMachines(poolId, 1, { status: "ready" });
      await s.addPoolMachines(poolId, 1, { status: "draining" });
      await s.addPoolMachines(poolId, 1, { status: "leaving" });
      await s.addFreeMachines(2);
      const err = await refusal(s.controlPlane.allocate({ poolId, delta: 1, requestId: "r-max" }));
      expectFinal(err, 409, "pool_at_max");
      expect(err.details).toMatchObject({ current: 3, max: 3, requested: 1 });
    });

    it("refuses too few machines with the counts, and does not remember the refusal", async () => {
      const s = await makeSubject();
      const poolId = await s.addPool();
      await s.addFreeMachines(1);
      const err = await refusal(s.controlPlane.allocate({ poolId, delta: 2, requestId: "r-short" }));
      expectFinal(err, 409, "not_enough_machines");
      expect(err.details).toMatchObject({ requested: 2, available: 1 });

      await s.addFreeMachines(1);
      const retry = await s.controlPlane.allocate({ poolId, delta: 2, requestId: "r-short" });
      expect(retry).toMatchObject({ created: true, delta: 2 });
      expect(retry.machines).toHaveLength(2);
    });

    it("refuses a pool with autoscaling disabled, and a pool the cluster does not have", async () => {
      const s = await makeSubject();
      const disabled = await s.addPool({ autoscalingEnabled: false });
      await s.addFreeMachines(1);
      expectFinal(
        await refusal(s.controlPlane.allocate({ poolId: disabled, delta: 1, requestId: "r-off" })),
        409,
        "pool_disabled",
      );
      expectFinal(
        await refusal(s.controlPlane.allocate({ poolId: randomUUID(), delta: 1, requestId: "r-none" })),
        404,
        "not_found",
      );
    });
  });
}
