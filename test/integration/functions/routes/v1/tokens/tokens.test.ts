/**
 * /v1/tokens: create (shown once, hash stored), list (never hashes), revoke
 * (refused from the next request on), expiry, admin-only access, scoped
 * admins confined to their cluster, and bad input as a 4xx envelope.
 */
import { randomUUID } from "node:crypto";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiTokens, clusters } from "../../../../../../drizzle/schema/index.ts";
import { isGeneratedToken, tokenMatchesHash } from "../../../../../../functions/lib/tokens.ts";
import { startTestApi, type TestApi } from "../../../../../support/api.ts";
import { seedCluster } from "../../../../../support/fixtures.ts";
import { requirePostgres } from "../../../../../support/postgres.ts";

const ok = await requirePostgres();

describe.skipIf(!ok)("API tokens", () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startTestApi();
  });
  afterAll(() => api?.close());

  const create = (body: unknown, token = api.admin) => api.json("POST", "/v1/tokens", { token, body });
  const stored = async (id: string) =>
    (await api.database.db.select().from(apiTokens).where(eq(apiTokens.id, id)))[0]!;
  const listAll = async (token = api.admin, query = "") => {
    const items: Record<string, unknown>[] = [];
    let cursor: string | null = null;
    do {
      const res: { status: number; body: { items: Record<string, unknown>[]; nextCursor: string | null } } =
        await api.json("GET", `/v1/tokens?limit=2${query}${cursor ? `&cursor=${cursor}` : ""}`, {
          token,
        });
      expect(res.status).toBe(200);
      items.push(...res.body.items);
      cursor = res.body.nextCursor;
    } while (cursor);
    return items;
  };

  it("creates a token shown once, stores only its hash, and the token works", async () => {
    const { status, body } = await create({ name: "ci", role: "operator" });
    expect(status).toBe(201);
    expect(isGeneratedToken(body.token, "api")).toBe(true);
    expect(body.apiToken).toMatchObject({
      name: "ci",
      role: "operator",
      clusterId: null,
      expiresAt: null,
      revokedAt: null,
      displayPrefix: body.token.slice(0, 12),
    });
    const row = await stored(body.apiToken.id);
    expect(row.tokenHash).not.toBe(body.token);
    expect(await tokenMatchesHash(body.token, row.tokenHash)).toBe(true);
    expect(row.createdBy).toMatch(/^token:/);
    expect((await api.call("GET", "/v1/clusters", { token: body.token })).status).toBe(200);
  });

  it("lists every token with pagination and without hashes or secrets", async () => {
    const created = await create({ name: "listed", role: "viewer" });
    const items = await listAll();
    expect(items.length).toBeGreaterThanOrEqual(3);
    expect(new Set(items.map((t) => t.id)).size).toBe(items.length);
    const mine = items.find((t) => t.id === created.body.apiToken.id);
    expect(mine).toEqual(created.body.apiToken);
    const text = JSON.stringify(items);
    expect(text).not.toContain(created.body.token);
    expect(text).not.toContain((await stored(created.body.apiToken.id)).tokenHash);
    expect(items.every((t) => !Object.keys(t).some((k) => /hash/i.test(k)))).toBe(true);
    const viewers = await listAll(api.admin, "&role=viewer");
    expect(viewers.length).toBeGreaterThan(0);
    expect(viewers.every((t) => t.role === "viewer")).toBe(true);
  });

  it("revokes a token: 401 from the next request on; revoking again keeps the first time", async () => {
    const { body } = await create({ name: "to-revoke", role: "admin" });
    expect((await api.call("GET", "/v1/tokens", { token: body.token })).status).toBe(200);
    const revoked = await api.json("DELETE", `/v1/tokens/${body.apiToken.id}`, { token: api.admin });
    expect(revoked.status).toBe(200);
    expect(revoked.body.revokedAt).not.toBeNull();
    const res = await api.json("GET", "/v1/tokens", { token: body.token });
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe("unauthorized");
    const again = await api.json("DELETE", `/v1/tokens/${body.apiToken.id}`, { token: api.admin });
    expect(again.status).toBe(200);
    expect(again.body.revokedAt).toBe(revoked.body.revokedAt);
    expect((await api.call("DELETE", `/v1/tokens/${randomUUID()}`, { token: api.admin })).status).toBe(404);
  });

  it("sets an expiry from expiresInSeconds, and an expired token is refused", async () => {
    const before = Date.now();
    const { status, body } = await create({ name: "short", role: "viewer", expiresInSeconds: 3600 });
    expect(status).toBe(201);
    const expiresAt = new Date(body.apiToken.expiresAt).getTime();
    expect(expiresAt).toBeGreaterThanOrEqual(before + 3_600_000);
    expect(expiresAt).toBeLessThanOrEqual(Date.now() + 3_600_000);
    expect((await api.call("GET", "/v1/clusters", { token: body.token })).status).toBe(200);
    await api.database.db
      .update(apiTokens)
      .set({ expiresAt: new Date(Date.now() - 1000) })
      .where(eq(apiTokens.id, body.apiToken.id));
    expect((await api.call("GET", "/v1/clusters", { token: body.token })).status).toBe(401);
  });

  it("is for admins only", async () => {
    for (const role of ["viewer", "operator"] as const) {
      const token = await api.tokenFor(role);
      expect((await api.call("GET", "/v1/tokens", { token })).status).toBe(403);
      expect((await create({ name: "x", role: "viewer" }, token)).status).toBe(403);
      expect((await api.call("DELETE", `/v1/tokens/${randomUUID()}`, { token })).status).toBe(403);
    }
  });

  it("confines a cluster-scoped admin to tokens of its own cluster", async () => {
    const db = api.database.db;
    const mine = await seedCluster(db);
    const other = await seedCluster(db);
    const scopedAdmin = await api.tokenFor("admin", mine.id);

    for (const body of [
      { name: "wider", role: "admin" },
      { name: "wider", role: "viewer", clusterId: null },
      { name: "elsewhere", role: "viewer", clusterId: other.id },
    ]) {
      const res = await create(body, scopedAdmin);
      expect(res.status, JSON.stringify(body)).toBe(403);
      expect(res.body.error.code).toBe("forbidden");
    }
    const own = await create({ name: "own", role: "operator", clusterId: mine.id }, scopedAdmin);
    expect(own.status).toBe(201);
    expect(own.body.apiToken.clusterId).toBe(mine.id);
    // the new token reaches its cluster and nothing else
    expect((await api.call("GET", `/v1/clusters/${mine.id}`, { token: own.body.token })).status).toBe(200);
    expect((await api.call("GET", `/v1/clusters/${other.id}`, { token: own.body.token })).status).toBe(404);

    const visible = await listAll(scopedAdmin);
    expect(visible.length).toBeGreaterThanOrEqual(2);
    expect(visible.every((t) => t.clusterId === mine.id)).toBe(true);

    const unscoped = await create({ name: "global", role: "viewer" });
    const revokeOther = await api.json("DELETE", `/v1/tokens/${unscoped.body.apiToken.id}`, {
      token: scopedAdmin,
    });
    expect(revokeOther.status).toBe(404);
    expect((await stored(unscoped.body.apiToken.id)).revokedAt).toBeNull();
  });

  it("refuses tokens for unknown or deleted clusters (404)", async () => {
    const gone = await seedCluster(api.database.db);
    await api.database.db.update(clusters).set({ deletedAt: new Date() }).where(eq(clusters.id, gone.id));
    for (const clusterId of [randomUUID(), gone.id]) {
      const res = await create({ name: "x", role: "viewer", clusterId });
      expect(res.status).toBe(404);
      expect(res.body.error.code).toBe("not_found");
    }
  });

  it.each([
    ["no role", { name: "x" }],
    ["bad role", { name: "x", role: "root" }],
    ["empty name", { name: "  ", role: "viewer" }],
    ["long name", { name: "n".repeat(101), role: "viewer" }],
    ["bad cluster id", { name: "x", role: "viewer", clusterId: "x".repeat(64) }],
    ["short expiry", { name: "x", role: "viewer", expiresInSeconds: 5 }],
    ["huge expiry", { name: "x", role: "viewer", expiresInSeconds: 1e308 }],
    ["fractional expiry", { name: "x", role: "viewer", expiresInSeconds: 90.5 }],
    ["unknown field", { name: "x", role: "viewer", tokenHash: "abc" }],
  ])("rejects %s with a 400 envelope", async (_what, body) => {
    const res = await create(body);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe("validation_failed");
    expect(res.body.error.requestId).toBeTruthy();
  });

  it("rejects bad ids and filters with a 400 envelope", async () => {
    for (const [method, path] of [
      ["DELETE", "/v1/tokens/not-a-uuid"],
      ["GET", "/v1/tokens?role=root"],
      ["GET", `/v1/tokens?clusterId=${"x".repeat(64)}`],
      ["GET", "/v1/tokens?cursor=%%%"],
    ] as const) {
      const res = await api.json(method, path, { token: api.admin });
      expect(res.status, path).toBe(400);
      expect(res.body.error.code).toBe("validation_failed");
    }
  });
});
