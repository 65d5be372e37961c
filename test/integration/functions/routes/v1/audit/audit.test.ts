/**
 * GET /v1/audit and /v1/audit/export: the audit middleware's record of a real
 * mutating request (actor, action, resource, result, changes, client address,
 * user agent, request id), failures recorded too, the write-ahead intent (a
 * `pending` row that stays when the final update fails; a 503 and no change
 * when the intent cannot be written), every filter, newest-first pagination,
 * admin-only access, cluster scoping, and the NDJSON export.
 */

import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiTokens, auditLogs, clusters, type NewAuditLog } from "../../../../../../drizzle/schema/index.ts";
import { hashToken } from "../../../../../../functions/lib/tokens.ts";
import { startTestApi, type TestApi } from "../../../../../support/api.ts";
import { refusingAuditWrites as refusingAuditWritesIn } from "../../../../../support/audit-refusal.ts";
import { seedCluster } from "../../../../../support/fixtures.ts";
import { requirePostgres } from "../../../../../support/postgres.ts";
import { recordUsage } from "../../../../../support/usage.ts";

const ok = await requirePostgres();

type Entry = {
  id: string;
  at: string;
  actor: string;
  action: string;
  resourceType: string;
  resourceId: string | null;
  clusterId: string | null;
  result: string;
  statusCode: number | null;
  changes: Record<string, unknown>;
  ip: string | null;
  userAgent: string | null;
  requestId: string | null;
};
type Page = { items: Entry[]; nextCursor: string | null };

const T0 = Date.UTC(2026, 1, 1);
const at = (minutes: number) => new Date(T0 + minutes * 60_000);

describe.skipIf(!ok)("audit API", () => {
  let api: TestApi;
  let adminActor: string;
  let clusterA: string;
  let clusterB: string;

  beforeAll(async () => {
    recordUsage("service", "postgres");
    api = await startTestApi();
    const db = api.database.db;
    const [token] = await db
      .select({ id: apiTokens.id })
      .from(apiTokens)
      .where(eq(apiTokens.tokenHash, await hashToken(api.admin)));
    adminActor = `token:${token!.id}`;
    clusterA = (await seedCluster(db)).id;
    clusterB = (await seedCluster(db)).id;
    const rows: NewAuditLog[] = [
      {
        at: at(1),
        actor: "token:alice",
        action: "pool.create",
        resourceType: "pool",
        resourceId: "p1",
        clusterId: clusterA,
        result: "success",
        requestId: "seed-1",
      },
      {
        at: at(2),
        actor: "token:alice",
        action: "pool.update",
        resourceType: "pool",
        resourceId: "p1",
        clusterId: clusterA,
        result: "failure",
        requestId: "seed-2",
      },
      {
        at: at(3),
        actor: "token:bob",
        action: "machine.maintenance",
        resourceType: "machine",
        resourceId: "m1",
        clusterId: clusterB,
        result: "success",
        requestId: "seed-3",
      },
      {
        at: at(3),
        actor: "token:bob",
        action: "machine.archive",
        resourceType: "machine",
        resourceId: "m2",
        clusterId: null,
        result: "success",
        requestId: "seed-4",
      },
      {
        at: at(4),
        actor: "agent:x",
        action: "pool_update",
        resourceType: "pool",
        resourceId: "p2",
        clusterId: clusterA,
        result: "success",
        requestId: "seed-5",
      },
    ];
    await db.insert(auditLogs).values(rows);
  });
  afterAll(() => api?.close());

  const list = async (query: string, token = api.admin): Promise<Page> => {
    const { status, body } = await api.json("GET", `/v1/audit?${query}`, { token });
    expect(status, JSON.stringify(body)).toBe(200);
    return body as Page;
  };

  it("records a mutating request: actor, action, resource, result, changes, address, agent, request id", async () => {
    const requestId = `audit-${crypto.randomUUID()}`;
    const name = `audited-${crypto.randomUUID().slice(0, 8)}`;
    const created = await api.json("POST", "/v1/clusters", {
      token: api.admin,
      body: { name },
      headers: {
        "x-forwarded-for": "203.0.113.7, 10.0.0.1",
        "user-agent": "ksp-test/1.0",
        "x-request-id": requestId,
      },
    });
    expect(created.status).toBe(201);
    const page = await list(`requestId=${requestId}`);
    expect(page.items).toHaveLength(1);
    expect(page.items[0]).toMatchObject({
      actor: adminActor,
      action: "cluster.create",
      resourceType: "cluster",
      resourceId: created.body.cluster.id,
      clusterId: created.body.cluster.id,
      result: "success",
      statusCode: 201,
      changes: { name },
      ip: "203.0.113.7",
      userAgent: "ksp-test/1.0",
      requestId,
    });
    // the registration token returned once is never in the audit trail
    expect(JSON.stringify(page.items[0])).not.toContain(created.body.registrationToken ?? "never-set");
  });

  const refusingAuditWrites = (op: "insert" | "update", requestId: string, run: () => Promise<void>) =>
    refusingAuditWritesIn(api.database.db, op, requestId, run);

  it("writes the row before the handler runs: if the change's own audit write fails, nothing changes and the row stays pending", async () => {
    const requestId = `audit-${crypto.randomUUID()}`;
    const name = `pending-${crypto.randomUUID().slice(0, 8)}`;
    await refusingAuditWrites("update", requestId, async () => {
      const refused = await api.json("POST", "/v1/clusters", {
        token: api.admin,
        body: { name },
        headers: {
          "x-forwarded-for": "203.0.113.9, 10.0.0.1",
          "user-agent": "ksp-test/1.0",
          "x-request-id": requestId,
        },
      });
      // the service completes the audit row inside its transaction: fail closed, the change rolls back
      expect(refused.status).toBe(503);
      expect(refused.body.error).toMatchObject({ code: "dependency_unavailable", requestId });
    });
    expect(await api.database.db.select().from(clusters).where(eq(clusters.name, name))).toHaveLength(0);
    // the intent row says "attempted, outcome unknown", and the read API filters on it
    const page = await list(`requestId=${requestId}&result=pending`);
    expect(page.items).toHaveLength(1);
    expect(page.items[0]).toMatchObject({
      actor: adminActor,
      action: "POST /v1/clusters",
      resourceType: "unknown",
      resourceId: null,
      result: "pending",
      statusCode: null,
      changes: {},
      ip: "203.0.113.9",
      userAgent: "ksp-test/1.0",
      requestId,
    });
    expect((await list(`requestId=${requestId}&result=success`)).items).toHaveLength(0);
    const exported = await api.call("GET", `/v1/audit/export?result=pending&requestId=${requestId}`, {
      token: api.admin,
    });
    expect(exported.status).toBe(200);
    const lines = (await exported.text()).split("\n").filter(Boolean);
    expect(lines.map((l) => (JSON.parse(l) as Entry).result)).toEqual(["pending"]);
  });

  it("refuses with 503 and changes nothing when the intent row cannot be written", async () => {
    const requestId = `audit-${crypto.randomUUID()}`;
    const name = `unaudited-${crypto.randomUUID().slice(0, 8)}`;
    await refusingAuditWrites("insert", requestId, async () => {
      const refused = await api.json("POST", "/v1/clusters", {
        token: api.admin,
        body: { name },
        headers: { "x-request-id": requestId },
      });
      expect(refused.status).toBe(503);
      expect(refused.body.error).toMatchObject({ code: "dependency_unavailable", requestId });
    });
    expect(await api.database.db.select().from(clusters).where(eq(clusters.name, name))).toHaveLength(0);
    expect((await list(`requestId=${requestId}`)).items).toHaveLength(0);
  });

  it("records a refused mutation as a failure with its status", async () => {
    const requestId = `audit-${crypto.randomUUID()}`;
    const viewer = await api.tokenFor("viewer");
    const refused = await api.call("POST", "/v1/clusters", {
      token: viewer,
      body: { name: "nope" },
      headers: { "x-request-id": requestId },
    });
    expect(refused.status).toBe(403);
    const [entry] = (await list(`requestId=${requestId}`)).items;
    // refused before the handler named the action: the middleware falls back to the route pattern
    expect(entry).toMatchObject({ result: "failure", statusCode: 403, action: "POST /v1/clusters" });
  });

  it("filters by actor, action prefix, resource, cluster, result, time and request id", async () => {
    const seededOnly = `since=${at(0).toISOString()}&until=${at(10).toISOString()}`;
    const ids = async (q: string) => (await list(`${seededOnly}&${q}`)).items.map((e) => e.requestId);
    expect(await ids("actor=token:alice")).toEqual(["seed-2", "seed-1"]);
    expect(await ids("action=pool.")).toEqual(["seed-2", "seed-1"]);
    // "_" in the prefix is literal, not a wildcard: "pool_" does not match "pool.create"
    expect(await ids("action=pool_")).toEqual(["seed-5"]);
    expect(await ids("action=machine.archive")).toEqual(["seed-4"]);
    expect(await ids("resourceType=machine")).toHaveLength(2);
    expect(await ids("resourceType=pool&resourceId=p1")).toEqual(["seed-2", "seed-1"]);
    expect(await ids(`clusterId=${clusterB}`)).toEqual(["seed-3"]);
    expect(await ids("result=failure")).toEqual(["seed-2"]);
    expect(await ids("requestId=seed-4")).toEqual(["seed-4"]);
    const window = await list(`since=${at(2).toISOString()}&until=${at(4).toISOString()}`);
    expect(window.items.map((e) => e.requestId).sort()).toEqual(["seed-2", "seed-3", "seed-4"]);
  });

  it("pages newest first without repeats", async () => {
    const seededOnly = `since=${at(0).toISOString()}&until=${at(10).toISOString()}`;
    const walked: string[] = [];
    let cursor: string | null = null;
    do {
      const page: Page = await list(`${seededOnly}&limit=2${cursor ? `&cursor=${cursor}` : ""}`);
      walked.push(...page.items.map((e) => e.requestId!));
      cursor = page.nextCursor;
    } while (cursor);
    expect(walked).toHaveLength(5);
    expect(new Set(walked).size).toBe(5);
    expect(walked[0]).toBe("seed-5");
    expect(walked[4]).toBe("seed-1");
  });

  it("is for admins only; a scoped admin sees only its cluster's rows", async () => {
    for (const role of ["viewer", "operator"] as const) {
      const res = await api.json("GET", "/v1/audit", { token: await api.tokenFor(role) });
      expect(res.status, role).toBe(403);
      expect(res.body.error.code).toBe("forbidden");
      expect((await api.call("GET", "/v1/audit/export", { token: await api.tokenFor(role) })).status).toBe(
        403,
      );
    }
    const scoped = await api.tokenFor("admin", clusterA);
    const mine = await list("limit=500", scoped);
    expect(mine.items.length).toBeGreaterThan(0);
    expect(mine.items.every((e) => e.clusterId === clusterA)).toBe(true);
    expect((await api.call("GET", `/v1/audit?clusterId=${clusterB}`, { token: scoped })).status).toBe(404);
  });

  it("answers bad input with a 400 envelope", async () => {
    for (const query of [
      "result=maybe",
      "since=soon",
      // too long for a cluster name or id (an unknown name is a 404: by-name.test.ts)
      `clusterId=${"x".repeat(64)}`,
      `actor=${"a".repeat(201)}`,
      "cursor=zzz",
    ]) {
      const res = await api.json("GET", `/v1/audit?${query}`, { token: api.admin });
      expect(res.status, query).toBe(400);
      expect(res.body.error.code).toBe("validation_failed");
    }
  });

  it("exports NDJSON through the same streaming helper, with filters", async () => {
    const res = await api.call("GET", `/v1/audit/export?action=pool.&until=${at(10).toISOString()}`, {
      token: api.admin,
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/x-ndjson");
    const lines = (await res.text()).split("\n").filter(Boolean);
    expect(lines.map((l) => (JSON.parse(l) as Entry).requestId)).toEqual(["seed-2", "seed-1"]);
    const limited = await api.call("GET", "/v1/audit/export?limit=1", { token: api.admin });
    expect((await limited.text()).trim().split("\n")).toHaveLength(1);
  });
});
