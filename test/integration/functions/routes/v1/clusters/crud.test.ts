/**
 * POST/PATCH /v1/clusters and registration-token rotation: the one-time token
 * is returned once and stored only as a hash with the policy's lifetime,
 * names are unique among live clusters, roles and scopes are enforced, and
 * bad input is a 4xx envelope.
 */
import { randomUUID } from "node:crypto";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { auditLogs, clusters } from "../../../../../../drizzle/schema/index.ts";
import { isGeneratedToken, tokenMatchesHash } from "../../../../../../functions/lib/tokens.ts";
import { startTestApi, type TestApi } from "../../../../../support/api.ts";
import { seedCluster } from "../../../../../support/fixtures.ts";
import { requirePostgres } from "../../../../../support/postgres.ts";

const ok = await requirePostgres();
const TTL_MS = 30 * 60_000;

describe.skipIf(!ok)("creating and changing clusters", () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startTestApi({ policy: { registrationTokenTtlMs: TTL_MS } });
  });
  afterAll(() => api?.close());

  const name = () => `c-${randomUUID().slice(0, 8)}`;
  const stored = async (id: string) =>
    (await api.database.db.select().from(clusters).where(eq(clusters.id, id)))[0]!;
  const create = (body: unknown, token = api.admin) => api.json("POST", "/v1/clusters", { token, body });

  it("creates a pending cluster with a one-time registration token stored only as its hash", async () => {
    const before = Date.now();
    const { status, body } = await create({
      name: "prod-eu-1",
      description: "Frankfurt",
      labels: { env: "prod" },
    });
    expect(status).toBe(201);
    expect(body.cluster).toMatchObject({
      name: "prod-eu-1",
      description: "Frankfurt",
      labels: { env: "prod" },
      status: "pending",
      health: "unknown",
      nodeCounts: { total: 0 },
      lastHeartbeatAt: null,
      nodes: null,
      leader: null,
      resources: null,
    });
    expect(isGeneratedToken(body.registrationToken, "registration")).toBe(true);

    const row = await stored(body.cluster.id);
    expect(row.registrationTokenHash).not.toBe(body.registrationToken);
    expect(row.registrationTokenHash).toMatch(/^[0-9a-f]{64}$/);
    expect(await tokenMatchesHash(body.registrationToken, row.registrationTokenHash!)).toBe(true);
    const expiresAt = new Date(body.registrationTokenExpiresAt).getTime();
    expect(row.registrationTokenExpiresAt?.getTime()).toBe(expiresAt);
    expect(expiresAt).toBeGreaterThanOrEqual(before + TTL_MS);
    expect(expiresAt).toBeLessThanOrEqual(Date.now() + TTL_MS);

    const again = await api.json("GET", `/v1/clusters/${body.cluster.id}`, { token: api.admin });
    expect(JSON.stringify(again.body)).not.toContain(body.registrationToken);

    const audit = await api.database.db
      .select()
      .from(auditLogs)
      .where(eq(auditLogs.resourceId, body.cluster.id));
    expect(audit.map((a) => [a.action, a.result])).toEqual([["cluster.create", "success"]]);
    expect(JSON.stringify(audit)).not.toContain(body.registrationToken);
  });

  it("refuses a second live cluster with the same name (409)", async () => {
    const n = name();
    expect((await create({ name: n })).status).toBe(201);
    const dup = await create({ name: n });
    expect(dup.status).toBe(409);
    expect(dup.body.error.code).toBe("conflict");
    expect(dup.body.error.message).toContain(n);
  });

  it("rotates the registration token: a new one works, the old one no longer does", async () => {
    const created = await create({ name: name() });
    const id = created.body.cluster.id;
    const rotated = await api.json("POST", `/v1/clusters/${id}/registration-token`, { token: api.admin });
    expect(rotated.status).toBe(201);
    expect(rotated.body.clusterId).toBe(id);
    expect(rotated.body.registrationToken).not.toBe(created.body.registrationToken);
    const row = await stored(id);
    expect(await tokenMatchesHash(rotated.body.registrationToken, row.registrationTokenHash!)).toBe(true);
    expect(await tokenMatchesHash(created.body.registrationToken, row.registrationTokenHash!)).toBe(false);
    const missing = await api.json("POST", `/v1/clusters/${randomUUID()}/registration-token`, {
      token: api.admin,
    });
    expect(missing.status).toBe(404);
  });

  it("updates description and labels (operator), replacing labels as a whole", async () => {
    const cluster = await seedCluster(api.database.db, { labels: { a: "1", b: "2" } });
    const operator = await api.tokenFor("operator");
    const res = await api.json("PATCH", `/v1/clusters/${cluster.id}`, {
      token: operator,
      body: { description: "new words", labels: { c: "3" } },
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: cluster.id, description: "new words", labels: { c: "3" } });
    const row = await stored(cluster.id);
    expect(row.labels).toEqual({ c: "3" });
    expect(row.name).toBe(cluster.name);
    expect(row.updatedAt.getTime()).toBeGreaterThan(cluster.updatedAt.getTime());
  });

  it("keeps viewers from mutating and operators from admin actions (403)", async () => {
    const cluster = await seedCluster(api.database.db);
    const viewer = await api.tokenFor("viewer");
    const operator = await api.tokenFor("operator");
    const attempts: [string, string, string, unknown?][] = [
      [viewer, "POST", "/v1/clusters", { name: name() }],
      [viewer, "PATCH", `/v1/clusters/${cluster.id}`, { description: "x" }],
      [viewer, "DELETE", `/v1/clusters/${cluster.id}`],
      [operator, "POST", "/v1/clusters", { name: name() }],
      [operator, "POST", `/v1/clusters/${cluster.id}/registration-token`],
      [operator, "DELETE", `/v1/clusters/${cluster.id}`],
    ];
    for (const [token, method, path, body] of attempts) {
      const res = await api.json(method, path, { token, body });
      expect(res.status, `${method} ${path}`).toBe(403);
      expect(res.body.error.code).toBe("forbidden");
    }
    expect((await stored(cluster.id)).deletedAt).toBeNull();
  });

  it("keeps cluster-scoped tokens to their cluster: 404 elsewhere, 403 for creating clusters", async () => {
    const mine = await seedCluster(api.database.db);
    const other = await seedCluster(api.database.db);
    const scopedAdmin = await api.tokenFor("admin", mine.id);
    const elsewhere = await api.json("PATCH", `/v1/clusters/${other.id}`, {
      token: scopedAdmin,
      body: { description: "mine now" },
    });
    expect(elsewhere.status).toBe(404);
    const rotateElsewhere = await api.json("POST", `/v1/clusters/${other.id}/registration-token`, {
      token: scopedAdmin,
    });
    expect(rotateElsewhere.status).toBe(404);
    expect((await stored(other.id)).description).toBe("");
    const own = await api.json("PATCH", `/v1/clusters/${mine.id}`, {
      token: scopedAdmin,
      body: { description: "ok" },
    });
    expect(own.status).toBe(200);
    expect((await create({ name: name() }, scopedAdmin)).status).toBe(403);
  });

  it.each([
    ["no name", {}],
    ["uppercase name", { name: "Prod" }],
    ["name with dot", { name: "a.b" }],
    ["leading dash", { name: "-a" }],
    ["64-character name", { name: "a".repeat(64) }],
    ["long description", { name: "ok-name", description: "d".repeat(1025) }],
    ["bad label key", { name: "ok-name", labels: { "bad key": "v" } }],
    ["bad label value", { name: "ok-name", labels: { k: "has space" } }],
    ["label value not a string", { name: "ok-name", labels: { k: 1 } }],
    [
      "too many labels",
      { name: "ok-name", labels: Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`k${i}`, "v"])) },
    ],
    ["unknown field", { name: "ok-name", owner: "me" }],
    ["array body", ["ok-name"]],
  ])("rejects %s on create with a 400 envelope", async (_what, body) => {
    const res = await create(body);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe("validation_failed");
    expect(res.body.error.requestId).toBeTruthy();
  });

  it("rejects bad PATCH bodies and ids with a 400 envelope", async () => {
    const cluster = await seedCluster(api.database.db);
    for (const [path, body] of [
      [`/v1/clusters/${cluster.id}`, {}],
      [`/v1/clusters/${cluster.id}`, { name: "renamed" }],
      [`/v1/clusters/${cluster.id}`, { labels: ["a"] }],
      // longer than any cluster name or id (an unknown name is a 404: by-name.test.ts)
      [`/v1/clusters/${"x".repeat(64)}`, { description: "x" }],
    ] as const) {
      const res = await api.json("PATCH", path, { token: api.admin, body });
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error.code).toBe("validation_failed");
    }
    const broken = await api.call("POST", "/v1/clusters", {
      token: api.admin,
      text: '{"name":',
      contentType: "application/json",
    });
    expect(broken.status).toBe(400);
  });
});
