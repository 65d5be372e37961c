/** POST /v1/agent/transitions: guarded per-item transitions, in the real order of checks, and the release rule. */
import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { TransitionsResponseSchema } from "../../../../proto/agent-api.ts";
import { fullState, type MakeSubject, machineIn, versionOf } from "./subject.ts";

export function transitionsContract(makeSubject: MakeSubject): void {
  describe("transitions", () => {
    it("applies legal transitions at the expected version, keeping the reason, node name and error reported", async () => {
      const s = await makeSubject();
      const poolId = await s.addPool();
      const [id] = await s.addPoolMachines(poolId, 1, { status: "reserved" });
      const v = await versionOf(s.controlPlane, id!);

      const joining = await s.controlPlane.transitions([
        { machineId: id!, from: "reserved", to: "joining", expectedVersion: v, reason: "join started" },
      ]);
      expect(TransitionsResponseSchema.safeParse(joining).success).toBe(true);
      expect(joining).toEqual({
        results: [{ machineId: id, ok: true, machine: { status: "joining", version: v + 1 } }],
        summary: { applied: 1, failed: 0 },
      });
      await s.controlPlane.transitions([
        { machineId: id!, from: "joining", to: "ready", expectedVersion: v + 1, nodeName: "node-a" },
      ]);
      expect(await machineIn(s.controlPlane, id!)).toMatchObject({
        status: "ready",
        desiredState: "joined",
        nodeName: "node-a",
        statusReason: null,
        version: v + 2,
      });
      // without expectedVersion only the status guards the change
      await s.controlPlane.transitions([
        { machineId: id!, from: "ready", to: "fault", reason: "node lost", lastError: "kubelet stopped" },
      ]);
      expect(await machineIn(s.controlPlane, id!)).toMatchObject({
        status: "fault",
        desiredState: "absent",
        statusReason: "node lost",
        lastError: "kubelet stopped",
        nodeName: "node-a",
      });
    });

    it("answers stale_version with the machine's actual status and version when it moved on", async () => {
      const s = await makeSubject();
      const poolId = await s.addPool();
      const [id] = await s.addPoolMachines(poolId, 1, { status: "reserved" });
      const v = await versionOf(s.controlPlane, id!);
      const answer = await s.controlPlane.transitions([
        { machineId: id!, from: "reserved", to: "joining", expectedVersion: v + 5 },
        { machineId: id!, from: "joining", to: "ready" },
      ]);
      expect(answer.summary).toEqual({ applied: 0, failed: 2 });
      expect(answer.results).toEqual([
        {
          machineId: id,
          ok: false,
          error: expect.objectContaining({
            code: "stale_version",
            details: {
              expectedStatus: "reserved",
              actualStatus: "reserved",
              expectedVersion: v + 5,
              actualVersion: v,
            },
          }),
        },
        {
          machineId: id,
          ok: false,
          error: expect.objectContaining({
            code: "stale_version",
            details: {
              expectedStatus: "joining",
              actualStatus: "reserved",
              expectedVersion: null,
              actualVersion: v,
            },
          }),
        },
      ]);
      expect(await machineIn(s.controlPlane, id!)).toMatchObject({ status: "reserved", version: v });
    });

    it("refuses an illegal transition as illegal_transition whatever the machine's state, and reserving outside allocations", async () => {
      const s = await makeSubject();
      const poolId = await s.addPool();
      const [ready] = await s.addPoolMachines(poolId, 1, { status: "ready" });
      const [idle] = await s.addPoolMachines(poolId, 1, { status: "available" });
      const answer = await s.controlPlane.transitions([
        { machineId: ready!, from: "ready", to: "available" },
        // illegal and stale at once: legality is decided first
        { machineId: ready!, from: "available", to: "joining" },
        // legal in the lifecycle table, but agents reserve only through /v1/agent/allocations
        { machineId: idle!, from: "available", to: "reserved" },
      ]);
      expect(answer.results.map((r) => (r.ok ? "ok" : r.error.code))).toEqual([
        "illegal_transition",
        "illegal_transition",
        "illegal_transition",
      ]);
      expect(answer.results[0]).toMatchObject({ error: { details: { from: "ready", to: "available" } } });
      expect(await machineIn(s.controlPlane, idle!)).toMatchObject({ status: "available" });
    });

    it("answers per item: a machine outside the cluster is not_found, the others still apply", async () => {
      const s = await makeSubject();
      const poolId = await s.addPool();
      const [own] = await s.addPoolMachines(poolId, 1, { status: "available" });
      const [free] = await s.addFreeMachines(1);
      const answer = await s.controlPlane.transitions([
        { machineId: randomUUID(), from: "available", to: "maintenance" },
        { machineId: free!, from: "available", to: "maintenance" },
        { machineId: own!, from: "available", to: "maintenance" },
      ]);
      expect(answer.results.map((r) => (r.ok ? "ok" : r.error.code))).toEqual([
        "not_found",
        "not_found",
        "ok",
      ]);
      expect(answer.summary).toEqual({ applied: 1, failed: 2 });
    });

    it("changes the state only when an item applied", async () => {
      const s = await makeSubject();
      const poolId = await s.addPool();
      const [id] = await s.addPoolMachines(poolId, 1, { status: "ready" });
      const { etag } = await fullState(s.controlPlane);
      await s.controlPlane.transitions([{ machineId: id!, from: "draining", to: "leaving" }]);
      expect(await s.controlPlane.state(etag)).toEqual({ notModified: true });
      await s.controlPlane.transitions([{ machineId: id!, from: "ready", to: "draining" }]);
      expect((await s.controlPlane.state(etag)).notModified).toBe(false);
    });

    it("releases a machine: back to the free inventory when its reservation took it from there, else kept by the pool", async () => {
      const s = await makeSubject();
      const poolId = await s.addPool();
      const [own] = await s.addPoolMachines(poolId, 1);
      const [free] = await s.addFreeMachines(1);
      const allocation = await s.controlPlane.allocate({ poolId, delta: 2, requestId: "r-release" });
      expect(allocation.machines.map((m) => m.id).sort()).toEqual([own, free].sort());
      const versions = new Map(allocation.machines.map((m) => [m.id, m.version]));
      await s.controlPlane.transitions([
        { machineId: own!, from: "reserved", to: "joining", expectedVersion: versions.get(own!)! },
        { machineId: free!, from: "reserved", to: "joining", expectedVersion: versions.get(free!)! },
      ]);
      const answer = await s.controlPlane.transitions([
        { machineId: own!, from: "joining", to: "available", reason: "join rolled back" },
        { machineId: free!, from: "joining", to: "available", reason: "join rolled back" },
      ]);
      expect(answer.summary).toEqual({ applied: 2, failed: 0 });

      const { state } = await fullState(s.controlPlane);
      expect(state.machines.find((m) => m.id === own)).toMatchObject({
        poolId,
        status: "available",
        desiredState: "absent",
        providerId: null,
        nodeName: null,
      });
      expect(state.machines.some((m) => m.id === free)).toBe(false);
    });

    it("ends a drain as its intent says: maintenance drains into maintenance keeping the Node's name and provider id, others never", async () => {
      const s = await makeSubject();
      const poolId = await s.addPool();
      const [maintained] = await s.addPoolMachines(poolId, 1, {
        status: "draining",
        drainIntent: "maintenance",
        nodeName: "node-m",
      });
      const [scaledDown] = await s.addPoolMachines(poolId, 1, { status: "draining", nodeName: "node-s" });
      const before = await machineIn(s.controlPlane, maintained!);
      expect(before).toMatchObject({ status: "draining", drainIntent: "maintenance" });
      expect(before!.providerId).not.toBeNull();

      const answer = await s.controlPlane.transitions([
        // a maintenance drain is never reset
        { machineId: maintained!, from: "draining", to: "leaving" },
        // a scale-down never ends in maintenance
        { machineId: scaledDown!, from: "draining", to: "maintenance" },
      ]);
      expect(answer.summary).toEqual({ applied: 0, failed: 2 });
      expect(answer.results).toEqual([
        {
          machineId: maintained,
          ok: false,
          error: expect.objectContaining({
            code: "illegal_transition",
            details: { from: "draining", to: "leaving", drainIntent: "maintenance" },
          }),
        },
        {
          machineId: scaledDown,
          ok: false,
          error: expect.objectContaining({
            code: "illegal_transition",
            details: { from: "draining", to: "maintenance", drainIntent: null },
          }),
        },
      ]);

      const v = before!.version;
      const done = await s.controlPlane.transitions([
        {
          machineId: maintained!,
          from: "draining",
          to: "maintenance",
          expectedVersion: v,
          reason: "drained",
        },
      ]);
      expect(done.results).toEqual([
        { machineId: maintained, ok: true, machine: { status: "maintenance", version: v + 1 } },
      ]);
      expect(await machineIn(s.controlPlane, maintained!)).toMatchObject({
        status: "maintenance",
        desiredState: "absent",
        drainIntent: null,
        nodeName: "node-m",
        providerId: before!.providerId,
      });
      expect(await machineIn(s.controlPlane, scaledDown!)).toMatchObject({
        status: "draining",
        drainIntent: null,
      });
    });

    it("keeps a machine repaired from fault to available in its pool", async () => {
      const s = await makeSubject();
      const poolId = await s.addPool();
      const [id] = await s.addPoolMachines(poolId, 1, { status: "fault" });
      const answer = await s.controlPlane.transitions([{ machineId: id!, from: "fault", to: "available" }]);
      expect(answer.summary).toEqual({ applied: 1, failed: 0 });
      expect(await machineIn(s.controlPlane, id!)).toMatchObject({ poolId, status: "available" });
    });
  });
}
