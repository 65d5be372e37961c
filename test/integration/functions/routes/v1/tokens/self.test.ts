/**
 * GET /v1/tokens/self: every API token role, scoped or not, reads its own
 * record (name, role, scope with the cluster's name) and never its hash or
 * secret; agent credentials are refused like on other people routes;
 * missing, revoked and expired tokens answer 401; the read is not audited.
 */
import { eq, like } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiTokens, auditLogs } from "../../../../../../drizzle/schema/index.ts";
import { startTestApi, type TestApi } from "../../../../../support/api.ts";
import { seedCluster } from "../../../../../support/fixtures.ts";
import { requirePostgres } from "../../../../../support/postgres.ts";

const ok = await requirePostgres();

describe.skipIf(!ok)("GET /v1/tokens/self", () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startTestApi();
  });
  afterAll(() => api?.close());

  const self = (token?: string) => api.json("GET", "/v1/tokens/self", token === undefined ? {} : { token });
  const create = async (body: Record<string, unknown>) => {
    const res = await api.json("POST", "/v1/tokens", { token: api.admin, body });
    expect(res.status).toBe(201);
    return res.body as { token: string; apiToken: { id: string; displayPrefix: string; createdAt: string } };
  };
  const hashOf = async (id: string) =>
    (await api.database.db.select().from(apiTokens).where(eq(apiTokens.id, id)))[0]!.tokenHash;

  it.each(["admin", "operator", "viewer"] as const)("shows an unscoped %s token itself", async (role) => {
    const made = await create({ name: `me-${role}`, role });
    const { status, body } = await self(made.token);
    expect(status).toBe(200);
    expect(body).toEqual({
      id: made.apiToken.id,
      name: `me-${role}`,
      role,
      clusterId: null,
      clusterName: null,
      displayPrefix: made.apiToken.displayPrefix,
      createdAt: made.apiToken.createdAt,
      expiresAt: null,
      // authentication of this very request stamps it
      lastUsedAt: expect.any(String),
    });
    const text = JSON.stringify(body);
    expect(text).not.toContain(made.token);
    expect(text).not.toContain(await hashOf(made.apiToken.id));
    expect(Object.keys(body).some((k) => /hash|secret|token$/i.test(k))).toBe(false);
  });

  it("shows a scoped token its cluster's id and name, and its expiry", async () => {
    const cluster = await seedCluster(api.database.db, { name: "prod-eu" });
    const made = await create({
      name: "eu-viewer",
      role: "viewer",
      clusterId: cluster.id,
      expiresInSeconds: 3600,
    });
    const { status, body } = await self(made.token);
    expect(status).toBe(200);
    expect(body).toMatchObject({
      id: made.apiToken.id,
      name: "eu-viewer",
      role: "viewer",
      clusterId: cluster.id,
      clusterName: "prod-eu",
    });
    expect(new Date(body.expiresAt).getTime()).toBeGreaterThan(Date.now() + 3_500_000);
  });

  it("is not taken for a token id by the /v1/tokens/{tokenId} routes", async () => {
    const res = await api.json("DELETE", "/v1/tokens/self", { token: api.admin });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe("validation_failed");
    expect((await self(api.admin)).status).toBe(200);
  });

  it("refuses an agent credential with 403", async () => {
    const cluster = await seedCluster(api.database.db);
    const res = await self(await api.agentCredentialFor(cluster.id));
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe("forbidden");
  });

  it("answers 401 without a token and for an unknown one", async () => {
    for (const token of [undefined, "ksp_adm_not-a-real-token"]) {
      const res = await self(token);
      expect(res.status).toBe(401);
      expect(res.body.error.code).toBe("unauthorized");
    }
  });

  it("answers 401 for a revoked token", async () => {
    const made = await create({ name: "soon-revoked", role: "operator" });
    expect((await self(made.token)).status).toBe(200);
    const revoke = await api.json("DELETE", `/v1/tokens/${made.apiToken.id}`, { token: api.admin });
    expect(revoke.status).toBe(200);
    const res = await self(made.token);
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe("unauthorized");
  });

  it("answers 401 for an expired token", async () => {
    const made = await create({ name: "soon-expired", role: "viewer", expiresInSeconds: 3600 });
    expect((await self(made.token)).status).toBe(200);
    // an hour is too long to wait: move the expiry into the past, as the tokens test does
    await api.database.db
      .update(apiTokens)
      .set({ expiresAt: new Date(Date.now() - 1000) })
      .where(eq(apiTokens.id, made.apiToken.id));
    const res = await self(made.token);
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe("unauthorized");
  });

  it("is a read: it writes no audit row", async () => {
    expect((await self(api.admin)).status).toBe(200);
    const rows = await api.database.db
      .select()
      .from(auditLogs)
      .where(like(auditLogs.action, "%tokens/self%"));
    expect(rows).toEqual([]);
  });
});
