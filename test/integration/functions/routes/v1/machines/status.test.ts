/**
 * Operator status actions through the state machine: maintenance and fault
 * need a reason, restore and archive only start from the states an operator
 * owns, archive is refused while a machine is in use and detaches it, and
 * every change is one guarded transition with its event.
 */
import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { clusters, type NewMachine, operations } from "../../../../../../drizzle/schema/index.ts";
import type { MachineState } from "../../../../../../proto/machine-states.ts";
import { startTestApi, type TestApi } from "../../../../../support/api.ts";
import { seedCluster, seedMachine, seedPool } from "../../../../../support/fixtures.ts";
import { requirePostgres } from "../../../../../support/postgres.ts";

const ok = await requirePostgres();

describe.skipIf(!ok)("machine status actions", () => {
  let api: TestApi;
  let clusterId: string;
  let poolId: string;
  beforeAll(async () => {
    api = await startTestApi();
    clusterId = (await seedCluster(api.database.db)).id;
    poolId = (await seedPool(api.database.db, clusterId)).id;
  });
  afterAll(() => api?.close());

  const act = (id: string, action: string, body?: unknown) =>
    api.json(
      "POST",
      `/v1/machines/${id}/${action}`,
      body === undefined ? { token: api.admin } : { token: api.admin, body },
    );
  const machineIn = (status: MachineState, values: Partial<NewMachine> = {}) =>
    seedMachine(api.database.db, { clusterId, poolId, status, ...values });
  const stateVersion = async () =>
    (await api.database.db.select().from(clusters).where(eq(clusters.id, clusterId)))[0]!.stateVersion;

  it("puts a machine into maintenance with its reason, as one transition with an event", async () => {
    const machine = await machineIn("ready");
    const before = await stateVersion();
    const { status, body } = await act(machine.id, "maintenance", { reason: "  replace DIMM B2 " });
    expect(status).toBe(200);
    expect(body).toMatchObject({
      status: "maintenance",
      statusReason: "replace DIMM B2",
      version: 1,
      clusterId,
    });
    expect(await stateVersion()).toBe(before + 1);
    const events = await api.database.db
      .select()
      .from(operations)
      .where(and(eq(operations.machineId, machine.id), eq(operations.kind, "machine.transition")));
    expect(events).toHaveLength(1);
    expect(events[0]!.metadata).toMatchObject({ from: "ready", to: "maintenance", action: "maintenance" });
  });

  it("marks a machine faulty and restores it to available in its pool", async () => {
    const machine = await machineIn("joining");
    const fault = await act(machine.id, "fault", { reason: "kubelet never came up" });
    expect(fault.body).toMatchObject({ status: "fault", statusReason: "kubelet never came up" });
    const restored = await act(machine.id, "restore");
    expect(restored.status).toBe(200);
    expect(restored.body).toMatchObject({
      status: "available",
      statusReason: null,
      clusterId,
      poolId,
      version: 2,
    });
  });

  it("needs a reason for maintenance and fault, at most 500 characters", async () => {
    const machine = await machineIn("ready");
    for (const body of [
      undefined,
      {},
      { reason: "" },
      { reason: "   " },
      { reason: "x".repeat(501) },
      { reason: "a\u0000b" },
    ]) {
      const res = await act(machine.id, "fault", body);
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe("validation_failed");
    }
    expect((await act(machine.id, "maintenance", { reason: "x".repeat(500) })).status).toBe(200);
  });

  it.each([
    ["maintenance", "reserved"],
    ["maintenance", "joining"],
    ["maintenance", "archived"],
    ["fault", "maintenance"],
    ["fault", "archived"],
    ["restore", "available"],
    ["restore", "ready"],
    ["restore", "reserved"],
    ["restore", "leaving"],
    ["archive", "archived"],
  ] as const)("refuses %s of a %s machine with 409 illegal_transition", async (action, from) => {
    const machine = await machineIn(from);
    const res = await act(machine.id, action, { reason: "because" });
    expect(res.status).toBe(409);
    expect(res.body.error).toMatchObject({ code: "illegal_transition", details: { from } });
  });

  it.each(["reserved", "joining", "ready", "draining", "leaving"] as const)(
    "refuses to archive a %s machine: it is in use",
    async (from) => {
      const machine = await machineIn(from);
      const res = await act(machine.id, "archive");
      expect(res.status).toBe(409);
      expect(res.body.error).toMatchObject({ code: "conflict", details: { status: from } });
    },
  );

  it("archives a machine out of its cluster; restoring brings it back to the free inventory", async () => {
    const machine = await machineIn("fault");
    const before = await stateVersion();
    const archived = await act(machine.id, "archive", { reason: "decommissioned" });
    expect(archived.status).toBe(200);
    expect(archived.body).toMatchObject({ status: "archived", clusterId: null, poolId: null });
    expect(await stateVersion()).toBe(before + 1);
    const restored = await act(machine.id, "restore", {});
    expect(restored.body).toMatchObject({ status: "available", clusterId: null, poolId: null });
  });

  it("refuses a stale expectedVersion", async () => {
    const machine = await machineIn("available", { version: 5 });
    const stale = await act(machine.id, "maintenance", { reason: "r", expectedVersion: 4 });
    expect(stale.status).toBe(409);
    expect(stale.body.error.code).toBe("stale_version");
    const fresh = await act(machine.id, "maintenance", { reason: "r", expectedVersion: 5 });
    expect(fresh.body).toMatchObject({ status: "maintenance", version: 6 });
  });

  it("refuses bodies that are not JSON objects of the known fields", async () => {
    const machine = await machineIn("maintenance");
    expect((await act(machine.id, "restore", { force: true })).status).toBe(400);
    const text = await api.call("POST", `/v1/machines/${machine.id}/restore`, {
      token: api.admin,
      text: "restore please",
    });
    expect(text.status).toBe(415);
    expect((await text.json()).error.code).toBe("unsupported_media_type");
  });
});
