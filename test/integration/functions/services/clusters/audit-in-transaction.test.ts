/**
 * Cluster services record their audit row in the transaction of the change:
 * create, update, registration token rotation and delete commit with their
 * row (never a token in it), and a change whose row cannot be written is not
 * made at all.
 */
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiTokens, clusters, machines, operations } from "../../../../../drizzle/schema/index.ts";
import { createCluster } from "../../../../../functions/services/clusters/create-cluster.ts";
import { deleteCluster } from "../../../../../functions/services/clusters/delete-cluster.ts";
import { rotateRegistrationToken } from "../../../../../functions/services/clusters/registration-token.ts";
import { updateCluster } from "../../../../../functions/services/clusters/update-cluster.ts";
import { refusingAuditWrites } from "../../../../support/audit-refusal.ts";
import { openTestDatabaseOn, type TestDatabaseHandle } from "../../../../support/db-drivers.ts";
import { seedCluster, seedMachine, seedPool, testContext } from "../../../../support/fixtures.ts";
import { requirePostgres } from "../../../../support/postgres.ts";
import { auditRowsOf, appErrorOf as rejection } from "../../../../support/service-rows.ts";

const ok = await requirePostgres();
const thresholds = { heartbeatDegradedMs: 60_000, heartbeatOfflineMs: 300_000 };

describe.skipIf(!ok)("cluster services audit inside their transaction", () => {
  let handle: TestDatabaseHandle;

  beforeAll(async () => {
    handle = await openTestDatabaseOn("node-postgres");
  });
  afterAll(async () => handle?.teardown());

  const db = () => handle.db;
  const auditRows = (requestId: string) => auditRowsOf(db(), requestId);
  const clusterRow = async (id: string) =>
    (await db().select().from(clusters).where(eq(clusters.id, id)))[0]!;

  it("create, update and rotation are each on record, without the registration token", async () => {
    const ctx = testContext(db(), { actor: "token:admin" });
    const name = `audited-${crypto.randomUUID().slice(0, 8)}`;
    const created = await createCluster({
      ctx,
      input: { name, labels: { env: "dev" }, registrationTokenTtlMs: 60_000, thresholds },
    });
    const id = created.cluster.id;
    const update = testContext(db(), { actor: "token:admin" });
    await updateCluster({ ctx: update, input: { clusterId: id, labels: { env: "prod" }, thresholds } });
    const rotate = testContext(db(), { actor: "token:admin" });
    const rotated = await rotateRegistrationToken({
      ctx: rotate,
      input: { clusterId: id, registrationTokenTtlMs: 60_000 },
    });

    const on = {
      actor: "token:admin",
      resourceType: "cluster",
      resourceId: id,
      clusterId: id,
      result: "success",
    };
    const createdRows = await auditRows(ctx.requestId);
    expect(createdRows).toEqual([
      expect.objectContaining({ ...on, action: "cluster.create", changes: { name } }),
    ]);
    expect(await auditRows(update.requestId)).toEqual([
      expect.objectContaining({ ...on, action: "cluster.update", changes: { labels: { env: "prod" } } }),
    ]);
    const rotatedRows = await auditRows(rotate.requestId);
    expect(rotatedRows).toEqual([
      expect.objectContaining({ ...on, action: "cluster.registration_token.rotate", changes: {} }),
    ]);
    expect(JSON.stringify([createdRows, rotatedRows])).not.toContain(created.registrationToken);
    expect(JSON.stringify(rotatedRows)).not.toContain(rotated.registrationToken);
  });

  it("a create, update or rotation whose audit row cannot be written is not made", async () => {
    const name = `unaudited-${crypto.randomUUID().slice(0, 8)}`;
    const ctx = testContext(db());
    const existing = await seedCluster(db(), { description: "before" });
    const stored = await clusterRow(existing.id);
    await refusingAuditWrites(db(), "insert", ctx.requestId, async () => {
      const errors = [
        await rejection(createCluster({ ctx, input: { name, registrationTokenTtlMs: 60_000, thresholds } })),
        await rejection(
          updateCluster({ ctx, input: { clusterId: existing.id, description: "after", thresholds } }),
        ),
        await rejection(
          rotateRegistrationToken({ ctx, input: { clusterId: existing.id, registrationTokenTtlMs: 60_000 } }),
        ),
      ];
      expect(errors.map((e) => e.code)).toEqual([
        "dependency_unavailable",
        "dependency_unavailable",
        "dependency_unavailable",
      ]);
    });
    expect(await db().select().from(clusters).where(eq(clusters.name, name))).toHaveLength(0);
    expect(await clusterRow(existing.id)).toEqual(stored);
    expect(await auditRows(ctx.requestId)).toHaveLength(0);
  });

  it("a forced delete is one record with its counts; refused, it deletes nothing", async () => {
    const cluster = await seedCluster(db());
    const pool = await seedPool(db(), cluster.id);
    const inUse = await seedMachine(db(), { clusterId: cluster.id, poolId: pool.id, status: "ready" });
    const free = await seedMachine(db(), { clusterId: cluster.id, poolId: pool.id });
    await db().insert(apiTokens).values({
      name: "scoped",
      tokenHash: crypto.randomUUID(),
      displayPrefix: "ksp_api_x",
      role: "viewer",
      clusterId: cluster.id,
    });
    const before = await clusterRow(cluster.id);

    const refused = testContext(db());
    const err = await refusingAuditWrites(db(), "insert", refused.requestId, () =>
      rejection(deleteCluster({ ctx: refused, input: { clusterId: cluster.id, force: true } })),
    );
    expect(err.code).toBe("dependency_unavailable");
    expect(await clusterRow(cluster.id)).toEqual(before);
    const untouched = await db().select().from(machines).where(eq(machines.clusterId, cluster.id));
    expect(untouched.map((m) => m.id).sort()).toEqual([inUse.id, free.id].sort());
    expect(await db().select().from(operations).where(eq(operations.requestId, refused.requestId))).toEqual(
      [],
    );

    const ctx = testContext(db(), { actor: "token:admin" });
    await deleteCluster({ ctx, input: { clusterId: cluster.id, force: true } });
    expect(await auditRows(ctx.requestId)).toEqual([
      expect.objectContaining({
        action: "cluster.delete",
        resourceId: cluster.id,
        clusterId: cluster.id,
        result: "success",
        changes: { force: true, releasedMachines: 1, faultedMachines: 1, kubeconfigRemoved: false },
      }),
    ]);
    // the free machine went through the placement writer: one event, its version bumped once
    const [released] = await db().select().from(machines).where(eq(machines.id, free.id));
    expect(released).toMatchObject({
      clusterId: null,
      poolId: null,
      status: "available",
      version: free.version + 1,
    });
    const events = await db().select().from(operations).where(eq(operations.machineId, free.id));
    expect(events).toEqual([
      expect.objectContaining({
        kind: "machine.released",
        clusterId: cluster.id,
        metadata: expect.objectContaining({
          reason: "cluster deleted",
          formerClusterId: cluster.id,
          formerPoolId: pool.id,
          actor: "token:admin",
        }),
      }),
    ]);
    expect((await clusterRow(cluster.id)).stateVersion).toBe(before.stateVersion + 1);
  });
});
