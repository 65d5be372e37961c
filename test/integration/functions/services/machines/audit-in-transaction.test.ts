/**
 * Machine services record their audit row inside the transaction of the
 * change (fail closed): the row commits with the change and says what it was;
 * if the row cannot be written, the change, its events and its state-version
 * bump roll back. A caller without a write-ahead intent row (a job) gets a row
 * of its own; an HTTP request's intent row is completed instead.
 */
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  auditLogs,
  type Cluster,
  clusters,
  type Machine,
  machines,
  type NodePool,
} from "../../../../../drizzle/schema/index.ts";
import { machineRowSchema } from "../../../../../functions/routes/v1/machine-imports/row-schema.ts";
import { MachineInputSchema } from "../../../../../functions/routes/v1/machines/schemas.ts";
import type { ServiceContext } from "../../../../../functions/services/context.ts";
import { importMachines } from "../../../../../functions/services/machine-import/import-machines.ts";
import {
  assignMachine,
  moveMachine,
  unassignMachine,
} from "../../../../../functions/services/machines/assign-machine.ts";
import { confirmMachineIdentity } from "../../../../../functions/services/machines/confirm-identity.ts";
import { createMachine } from "../../../../../functions/services/machines/create-machine.ts";
import { changeMachineStatus } from "../../../../../functions/services/machines/status-actions.ts";
import { updateMachine } from "../../../../../functions/services/machines/update-machine.ts";
import { refusingAuditWrites } from "../../../../support/audit-refusal.ts";
import { openTestDatabaseOn, type TestDatabaseHandle } from "../../../../support/db-drivers.ts";
import { seedCluster, seedMachine, seedPool, testContext, uniqueIp } from "../../../../support/fixtures.ts";
import { requirePostgres } from "../../../../support/postgres.ts";
import { auditRowsOf, eventRowsOf, appErrorOf as rejection } from "../../../../support/service-rows.ts";

const ok = await requirePostgres();
const rowSchema = machineRowSchema(MachineInputSchema);

describe.skipIf(!ok)("machine services audit inside their transaction", () => {
  let handle: TestDatabaseHandle;
  let cluster: Cluster;
  let pool: NodePool;
  let otherPool: NodePool;

  beforeAll(async () => {
    handle = await openTestDatabaseOn("node-postgres");
    cluster = await seedCluster(handle.db);
    pool = await seedPool(handle.db, cluster.id);
    otherPool = await seedPool(handle.db, cluster.id);
  });
  afterAll(async () => handle?.teardown());

  const db = () => handle.db;
  const auditRows = (requestId: string) => auditRowsOf(db(), requestId);
  const eventRows = (requestId: string) => eventRowsOf(db(), requestId);
  const machineRow = async (id: string) => (await db().select().from(machines).where(eq(machines.id, id)))[0];
  const stateVersion = async () =>
    (await db().select().from(clusters).where(eq(clusters.id, cluster.id)))[0]!.stateVersion;
  const liveAt = (ip: string) => db().select().from(machines).where(eq(machines.ip, ip));

  it("a job's status change gets an audit row of its own, committed with the change", async () => {
    const machine = await seedMachine(db(), { clusterId: cluster.id, poolId: pool.id });
    const ctx = testContext(db(), { actor: "system" });
    const changed = await changeMachineStatus({
      ctx,
      input: { machineId: machine.id, scopeClusterId: null, action: "maintenance", reason: "disk swap" },
    });
    expect(changed.status).toBe("maintenance");
    const rows = await auditRows(ctx.requestId);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      actor: "system",
      action: "machine.maintenance",
      resourceType: "machine",
      resourceId: machine.id,
      clusterId: cluster.id,
      result: "success",
      statusCode: null,
      changes: { reason: "disk swap" },
      ip: null,
    });
  });

  it("completes the request's write-ahead intent row instead of adding one", async () => {
    const machine = await seedMachine(db());
    const intentId = crypto.randomUUID();
    const ctx = testContext(db(), {
      actor: "token:t1",
      audit: { intentId, ip: "203.0.113.5", userAgent: "ksp-test" },
    });
    // what the audit middleware writes before the handler runs
    await db().insert(auditLogs).values({
      id: intentId,
      actor: "token:t1",
      action: "POST /v1/machines/:machineId/assign",
      resourceType: "unknown",
      result: "pending",
      ip: "203.0.113.5",
      userAgent: "ksp-test",
      requestId: ctx.requestId,
    });
    await assignMachine({
      ctx,
      input: { machineId: machine.id, scopeClusterId: null, clusterId: cluster.id, poolId: pool.id },
    });
    const rows = await auditRows(ctx.requestId);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      id: intentId,
      action: "machine.assign",
      resourceType: "machine",
      resourceId: machine.id,
      clusterId: cluster.id,
      result: "success",
      changes: { clusterId: cluster.id, poolId: pool.id },
      ip: "203.0.113.5",
      userAgent: "ksp-test",
    });
  });

  /** Each machine verb, with the machine it needs (null: the verb makes one). */
  const verbs: [
    string,
    () => Promise<Machine | null>,
    (ctx: ServiceContext, m: Machine | null) => Promise<unknown>,
  ][] = [
    [
      "update",
      () => seedMachine(db(), { clusterId: cluster.id, poolId: pool.id }),
      (ctx, m) =>
        updateMachine({ ctx, input: { machineId: m!.id, scopeClusterId: null, changes: { rack: "r9" } } }),
    ],
    [
      "assign",
      () => seedMachine(db()),
      (ctx, m) =>
        assignMachine({
          ctx,
          input: { machineId: m!.id, scopeClusterId: null, clusterId: cluster.id, poolId: pool.id },
        }),
    ],
    [
      "move",
      () => seedMachine(db(), { clusterId: cluster.id, poolId: pool.id }),
      (ctx, m) =>
        moveMachine({
          ctx,
          input: { machineId: m!.id, scopeClusterId: null, clusterId: cluster.id, poolId: otherPool.id },
        }),
    ],
    [
      "unassign",
      () => seedMachine(db(), { clusterId: cluster.id, poolId: pool.id }),
      (ctx, m) => unassignMachine({ ctx, input: { machineId: m!.id, scopeClusterId: null } }),
    ],
    [
      "archive",
      () => seedMachine(db(), { clusterId: cluster.id, poolId: pool.id }),
      (ctx, m) =>
        changeMachineStatus({ ctx, input: { machineId: m!.id, scopeClusterId: null, action: "archive" } }),
    ],
    [
      "confirm_identity",
      () =>
        seedMachine(db(), {
          clusterId: cluster.id,
          poolId: pool.id,
          identitySetBy: "token:scoped",
          identityScopeClusterId: cluster.id,
        }),
      (ctx, m) => confirmMachineIdentity({ ctx, input: { machineId: m!.id, scopeClusterId: null } }),
    ],
  ];

  it.each(verbs)("a %s whose audit row cannot be written is not made", async (_verb, seed, run) => {
    const machine = await seed();
    const versionBefore = await stateVersion();
    const ctx = testContext(db(), { actor: "token:t2" });
    const err = await refusingAuditWrites(db(), "insert", ctx.requestId, () => rejection(run(ctx, machine)));
    expect(err.code).toBe("dependency_unavailable");
    expect(String((err.cause as Error).message) + String((err.cause as Error).cause ?? "")).toMatch(
      /audit insert refused by test/,
    );
    expect(await machineRow(machine!.id)).toEqual(machine);
    expect(await eventRows(ctx.requestId)).toHaveLength(0);
    expect(await auditRows(ctx.requestId)).toHaveLength(0);
    expect(await stateVersion()).toBe(versionBefore);
  });

  it("a create and an import whose audit row cannot be written write no machine", async () => {
    const created = uniqueIp();
    const imported = uniqueIp();
    const ctx = testContext(db(), { actor: "token:t3" });
    const versionBefore = await stateVersion();
    await refusingAuditWrites(db(), "insert", ctx.requestId, async () => {
      const create = await rejection(
        createMachine({ ctx, input: { hostname: "audited-create", ip: created } }),
      );
      expect(create.code).toBe("dependency_unavailable");
      const importing = await rejection(
        importMachines({
          ctx,
          input: {
            document: { format: "json", value: { machines: [{ hostname: "audited-import", ip: imported }] } },
            schema: rowSchema,
            dryRun: false,
            mode: "all-or-nothing",
            overwrite: false,
            target: { clusterId: cluster.id, poolId: pool.id },
            scopeClusterId: null,
          },
        }),
      );
      expect(importing.code).toBe("dependency_unavailable");
    });
    expect(await liveAt(created)).toHaveLength(0);
    expect(await liveAt(imported)).toHaveLength(0);
    expect(await eventRows(ctx.requestId)).toHaveLength(0);
    expect(await stateVersion()).toBe(versionBefore);
  });

  it("a change whose intent row cannot be completed is not made", async () => {
    const machine = await seedMachine(db(), { clusterId: cluster.id, poolId: pool.id });
    const intentId = crypto.randomUUID();
    const ctx = testContext(db(), { actor: "token:t4", audit: { intentId } });
    await db().insert(auditLogs).values({
      id: intentId,
      actor: "token:t4",
      action: "POST /v1/machines/:machineId/fault",
      resourceType: "unknown",
      result: "pending",
      requestId: ctx.requestId,
    });
    const err = await refusingAuditWrites(db(), "update", ctx.requestId, () =>
      rejection(
        changeMachineStatus({
          ctx,
          input: { machineId: machine.id, scopeClusterId: null, action: "fault", reason: "psu" },
        }),
      ),
    );
    expect(err.code).toBe("dependency_unavailable");
    expect(await machineRow(machine.id)).toEqual(machine);
    expect(await auditRows(ctx.requestId)).toEqual([
      expect.objectContaining({ id: intentId, result: "pending" }),
    ]);
  });

  it("an import is on record with what it did: written, dry run, or refused", async () => {
    const importOf = (ctx: ServiceContext, rows: unknown[], dryRun: boolean) =>
      importMachines({
        ctx,
        input: {
          document: { format: "json", value: { machines: rows } },
          schema: rowSchema,
          dryRun,
          mode: "all-or-nothing",
          overwrite: false,
          target: { clusterId: cluster.id, poolId: pool.id },
          scopeClusterId: null,
        },
      });
    const written = testContext(db());
    const report = await importOf(written, [{ hostname: "imp-a", ip: uniqueIp() }], false);
    expect(report.applied).toBe(true);
    expect(await auditRows(written.requestId)).toEqual([
      expect.objectContaining({
        action: "machine.import",
        resourceType: "machine",
        clusterId: cluster.id,
        result: "success",
        changes: expect.objectContaining({
          format: "json",
          dryRun: false,
          mode: "all-or-nothing",
          poolId: pool.id,
          applied: true,
          operationId: report.operationId,
          summary: expect.objectContaining({ created: 1 }),
        }),
      }),
    ]);

    const dry = testContext(db());
    await importOf(dry, [{ hostname: "imp-b", ip: uniqueIp() }], true);
    expect(await auditRows(dry.requestId)).toEqual([
      expect.objectContaining({
        result: "success",
        changes: expect.objectContaining({ dryRun: true, applied: false, operationId: null }),
      }),
    ]);

    const refused = testContext(db());
    await importOf(
      refused,
      [
        { hostname: "imp-c", ip: uniqueIp() },
        { hostname: "imp-d", ip: "no" },
      ],
      false,
    );
    expect(await auditRows(refused.requestId)).toEqual([
      expect.objectContaining({
        result: "failure",
        changes: expect.objectContaining({
          applied: false,
          summary: expect.objectContaining({ error: 1, skipped: 1 }),
        }),
      }),
    ]);
  });
});
