/**
 * Pool services record their audit row in the transaction of the change
 * (writePool over withClusterWrite): the row commits with the pool change,
 * its event and the state version bump, or none of them does. A change that
 * changes nothing is still on record, without an event or a bump.
 */
import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  auditLogs,
  type Cluster,
  clusters,
  machines,
  nodePools,
  operations,
} from "../../../../../drizzle/schema/index.ts";
import { createPool } from "../../../../../functions/services/pools/create-pool.ts";
import { deletePool } from "../../../../../functions/services/pools/delete-pool.ts";
import { setAutoscaling } from "../../../../../functions/services/pools/set-autoscaling.ts";
import { updatePool } from "../../../../../functions/services/pools/update-pool.ts";
import { refusingAuditWrites } from "../../../../support/audit-refusal.ts";
import { openTestDatabaseOn, type TestDatabaseHandle } from "../../../../support/db-drivers.ts";
import { seedCluster, seedMachine, seedPool, testContext } from "../../../../support/fixtures.ts";
import { requirePostgres } from "../../../../support/postgres.ts";
import { auditRowsOf, eventRowsOf, appErrorOf as rejection } from "../../../../support/service-rows.ts";

const ok = await requirePostgres();

describe.skipIf(!ok)("pool services audit inside their transaction", () => {
  let handle: TestDatabaseHandle;
  let cluster: Cluster;

  beforeAll(async () => {
    handle = await openTestDatabaseOn("node-postgres");
    cluster = await seedCluster(handle.db);
  });
  afterAll(async () => handle?.teardown());

  const db = () => handle.db;
  const auditRows = (requestId: string) => auditRowsOf(db(), requestId);
  const eventRows = (requestId: string) => eventRowsOf(db(), requestId);
  const poolRow = async (id: string) => (await db().select().from(nodePools).where(eq(nodePools.id, id)))[0];
  const stateVersion = async () =>
    (await db().select().from(clusters).where(eq(clusters.id, cluster.id)))[0]!.stateVersion;

  it("an update commits its audit row with the change, its event and the state version bump", async () => {
    const pool = await seedPool(db(), cluster.id);
    const before = await stateVersion();
    const ctx = testContext(db(), { actor: "token:ops" });
    const script = "#!/bin/sh\necho hunter2\n";
    await updatePool({
      ctx,
      input: { clusterId: cluster.id, poolId: pool.id, changes: { maxSize: 7, preJoinHook: script } },
    });

    expect(await auditRows(ctx.requestId)).toEqual([
      expect.objectContaining({
        actor: "token:ops",
        action: "pool.update",
        resourceType: "pool",
        resourceId: pool.id,
        clusterId: cluster.id,
        result: "success",
        // hook scripts by size only
        changes: { maxSize: 7, preJoinHook: `<${new TextEncoder().encode(script).length} bytes>` },
      }),
    ]);
    expect((await eventRows(ctx.requestId)).map((e) => e.kind)).toEqual(["pool.updated"]);
    expect(await stateVersion()).toBe(before + 1);
  });

  it("a change that changes nothing is audited without an event or a bump", async () => {
    const pool = await seedPool(db(), cluster.id, { autoscalingEnabled: true });
    const before = await stateVersion();
    const ctx = testContext(db());
    await setAutoscaling({ ctx, input: { clusterId: cluster.id, poolId: pool.id, enabled: true } });
    expect(await auditRows(ctx.requestId)).toEqual([
      expect.objectContaining({ action: "pool.enable", resourceId: pool.id, result: "success" }),
    ]);
    expect(await eventRows(ctx.requestId)).toHaveLength(0);
    expect(await stateVersion()).toBe(before);
  });

  it("completes the request's intent row instead of adding one", async () => {
    const intentId = crypto.randomUUID();
    const ctx = testContext(db(), { actor: "token:ops", audit: { intentId, ip: "203.0.113.7" } });
    await db().insert(auditLogs).values({
      id: intentId,
      actor: "token:ops",
      action: "POST /v1/clusters/:clusterId/pools",
      resourceType: "unknown",
      result: "pending",
      ip: "203.0.113.7",
      requestId: ctx.requestId,
    });
    const created = await createPool({
      ctx,
      input: { clusterId: cluster.id, pool: { name: "intent-pool" } },
    });
    expect(await auditRows(ctx.requestId)).toEqual([
      expect.objectContaining({
        id: intentId,
        action: "pool.create",
        resourceType: "pool",
        resourceId: created.id,
        clusterId: cluster.id,
        result: "success",
        changes: { name: "intent-pool" },
        ip: "203.0.113.7",
      }),
    ]);
  });

  it("a change whose audit row cannot be written is not made", async () => {
    const pool = await seedPool(db(), cluster.id);
    const stored = await poolRow(pool.id);
    const before = await stateVersion();
    const ctx = testContext(db());
    const err = await refusingAuditWrites(db(), "insert", ctx.requestId, () =>
      rejection(
        updatePool({ ctx, input: { clusterId: cluster.id, poolId: pool.id, changes: { maxSize: 3 } } }),
      ),
    );
    expect(err.code).toBe("dependency_unavailable");
    expect(await poolRow(pool.id)).toEqual(stored);
    expect(await eventRows(ctx.requestId)).toHaveLength(0);
    expect(await auditRows(ctx.requestId)).toHaveLength(0);
    expect(await stateVersion()).toBe(before);

    const deleting = testContext(db());
    const refused = await refusingAuditWrites(db(), "insert", deleting.requestId, () =>
      rejection(deletePool({ ctx: deleting, input: { clusterId: cluster.id, poolId: pool.id } })),
    );
    expect(refused.code).toBe("dependency_unavailable");
    expect(await poolRow(pool.id)).toEqual(stored);
  });

  it("a delete lets archived machines go through the placement writer, all on one record", async () => {
    const pool = await seedPool(db(), cluster.id);
    const archived = await seedMachine(db(), { clusterId: cluster.id, poolId: pool.id, status: "archived" });
    const before = await stateVersion();
    const ctx = testContext(db());
    const deleted = await deletePool({ ctx, input: { clusterId: cluster.id, poolId: pool.id } });
    expect(deleted.detachedArchivedMachines).toBe(1);

    const [machine] = await db().select().from(machines).where(eq(machines.id, archived.id));
    expect(machine).toMatchObject({
      status: "archived",
      clusterId: cluster.id,
      poolId: null,
      version: archived.version + 1,
    });
    const released = await db()
      .select()
      .from(operations)
      .where(and(eq(operations.requestId, ctx.requestId), eq(operations.machineId, archived.id)));
    expect(released).toEqual([
      expect.objectContaining({
        kind: "machine.released",
        clusterId: cluster.id,
        metadata: expect.objectContaining({
          reason: "pool deleted",
          formerPoolId: pool.id,
          from: { clusterId: cluster.id, poolId: pool.id },
          to: { clusterId: cluster.id, poolId: null },
        }),
      }),
    ]);
    expect(await auditRows(ctx.requestId)).toEqual([
      expect.objectContaining({
        action: "pool.delete",
        resourceId: pool.id,
        changes: { name: pool.name, detachedArchivedMachines: 1 },
      }),
    ]);
    // one bump for the whole delete
    expect(await stateVersion()).toBe(before + 1);
  });
});
