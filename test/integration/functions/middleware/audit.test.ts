/**
 * The audit middleware and the services share one row per request: the
 * middleware writes it `pending` before the handler, a service that changes
 * something completes it in the change's transaction, and the middleware adds
 * the status, or, when no service completed it, finalises it itself (failure
 * for a refused or failed request). A change whose row cannot be completed is
 * not made.
 */
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { auditLogs, machines } from "../../../../drizzle/schema/index.ts";
import { startTestApi, type TestApi } from "../../../support/api.ts";
import { refusingAuditWrites } from "../../../support/audit-refusal.ts";
import { seedCluster, seedMachine, seedPool, uniqueIp } from "../../../support/fixtures.ts";
import { requirePostgres } from "../../../support/postgres.ts";

const ok = await requirePostgres();

describe.skipIf(!ok)("audit rows of /v1 machine requests", () => {
  let api: TestApi;
  let clusterId: string;
  let poolId: string;
  beforeAll(async () => {
    api = await startTestApi();
    clusterId = (await seedCluster(api.database.db)).id;
    poolId = (await seedPool(api.database.db, clusterId)).id;
  });
  afterAll(() => api?.close());

  const db = () => api.database.db;
  const rowsOf = (requestId: string) =>
    db().select().from(auditLogs).where(eq(auditLogs.requestId, requestId));
  const machineRow = async (id: string) => (await db().select().from(machines).where(eq(machines.id, id)))[0];
  const post = (path: string, body: unknown, requestId: string) =>
    api.json("POST", path, {
      token: api.admin,
      body,
      headers: { "x-request-id": requestId, "user-agent": "ksp-audit-test/1" },
    });

  it("one row per change: the intent row, completed with the change, then given its status", async () => {
    const machine = await seedMachine(db(), { clusterId, poolId });
    const requestId = `audit-${crypto.randomUUID()}`;
    const res = await post(`/v1/machines/${machine.id}/maintenance`, { reason: "firmware" }, requestId);
    expect(res.status).toBe(200);
    const rows = await rowsOf(requestId);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      action: "machine.maintenance",
      resourceType: "machine",
      resourceId: machine.id,
      clusterId,
      result: "success",
      statusCode: 200,
      changes: { reason: "firmware" },
      userAgent: "ksp-audit-test/1",
    });
  });

  it("a failed request's intent row is finalised as a failure with its status", async () => {
    const machine = await seedMachine(db(), { clusterId, poolId, version: 3 });
    const requestId = `audit-${crypto.randomUUID()}`;
    const res = await post(
      `/v1/machines/${machine.id}/maintenance`,
      { reason: "firmware", expectedVersion: 2 },
      requestId,
    );
    expect(res.status).toBe(409);
    expect(await rowsOf(requestId)).toEqual([
      expect.objectContaining({
        action: "machine.maintenance",
        resourceType: "machine",
        resourceId: machine.id,
        result: "failure",
        statusCode: 409,
      }),
    ]);
    expect(await machineRow(machine.id)).toEqual(machine);
  });

  it("a refused all-or-nothing import is on record as a failure, with its counts", async () => {
    const requestId = `audit-${crypto.randomUUID()}`;
    const res = await post(
      `/v1/machines/import?clusterId=${clusterId}&poolId=${poolId}`,
      {
        machines: [
          { hostname: "fine", ip: uniqueIp() },
          { hostname: "broken", ip: "nope" },
        ],
      },
      requestId,
    );
    expect(res.status).toBe(422);
    expect(await rowsOf(requestId)).toEqual([
      expect.objectContaining({
        action: "machine.import",
        result: "failure",
        statusCode: 422,
        changes: expect.objectContaining({ applied: false, summary: expect.objectContaining({ error: 1 }) }),
      }),
    ]);
  });

  it("a change whose audit row cannot be completed is not made (503), and its intent stays pending", async () => {
    const machine = await seedMachine(db(), { clusterId, poolId });
    const requestId = `audit-${crypto.randomUUID()}`;
    const res = await refusingAuditWrites(db(), "update", requestId, () =>
      post(`/v1/machines/${machine.id}/fault`, { reason: "psu" }, requestId),
    );
    expect(res.status).toBe(503);
    expect(res.body.error.code).toBe("dependency_unavailable");
    expect(await machineRow(machine.id)).toEqual(machine);
    expect(await rowsOf(requestId)).toEqual([
      expect.objectContaining({
        result: "pending",
        statusCode: null,
        action: "POST /v1/machines/:machineId/fault",
      }),
    ]);
  });
});
