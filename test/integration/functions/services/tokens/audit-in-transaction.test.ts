/**
 * Token services and the bootstrap admin token record their audit row in the
 * transaction that mints or revokes the token: never the token itself, and
 * no token exists (or stops working) without its row.
 */
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiTokens } from "../../../../../drizzle/schema/index.ts";
import { ensureAdminToken } from "../../../../../functions/services/bootstrap/ensure-admin-token.ts";
import { createToken } from "../../../../../functions/services/tokens/create-token.ts";
import { revokeToken } from "../../../../../functions/services/tokens/revoke-token.ts";
import { refusingAuditWrites } from "../../../../support/audit-refusal.ts";
import { openTestDatabaseOn, type TestDatabaseHandle } from "../../../../support/db-drivers.ts";
import { seedCluster, testContext } from "../../../../support/fixtures.ts";
import { requirePostgres } from "../../../../support/postgres.ts";
import { auditRowsOf, appErrorOf as rejection } from "../../../../support/service-rows.ts";

const ok = await requirePostgres();

describe.skipIf(!ok)("token services audit inside their transaction", () => {
  let handle: TestDatabaseHandle;

  beforeAll(async () => {
    handle = await openTestDatabaseOn("node-postgres");
  });
  afterAll(async () => handle?.teardown());

  const db = () => handle.db;
  const auditRows = (requestId: string) => auditRowsOf(db(), requestId);
  const tokensNamed = (name: string) => db().select().from(apiTokens).where(eq(apiTokens.name, name));

  it("create and revoke are each on record, without the token", async () => {
    const cluster = await seedCluster(db());
    const ctx = testContext(db(), { actor: "token:admin" });
    const created = await createToken({
      ctx,
      input: {
        name: "ci",
        role: "operator",
        clusterId: cluster.id,
        expiresInSeconds: 3600,
        callerClusterId: null,
      },
    });
    const revoking = testContext(db(), { actor: "token:admin" });
    await revokeToken({ ctx: revoking, input: { tokenId: created.apiToken.id, scopeClusterId: null } });

    const createdRows = await auditRows(ctx.requestId);
    expect(createdRows).toEqual([
      expect.objectContaining({
        actor: "token:admin",
        action: "token.create",
        resourceType: "api_token",
        resourceId: created.apiToken.id,
        clusterId: cluster.id,
        result: "success",
        changes: { name: "ci", role: "operator", expiresInSeconds: 3600 },
      }),
    ]);
    expect(JSON.stringify(createdRows)).not.toContain(created.token);
    expect(await auditRows(revoking.requestId)).toEqual([
      expect.objectContaining({
        action: "token.revoke",
        resourceId: created.apiToken.id,
        clusterId: cluster.id,
        result: "success",
      }),
    ]);
  });

  it("a create or revoke whose audit row cannot be written is not made", async () => {
    const kept = await createToken({
      ctx: testContext(db()),
      input: { name: "kept", role: "viewer", callerClusterId: null },
    });
    const ctx = testContext(db());
    await refusingAuditWrites(db(), "insert", ctx.requestId, async () => {
      const create = await rejection(
        createToken({ ctx, input: { name: "unaudited", role: "admin", callerClusterId: null } }),
      );
      const revoke = await rejection(
        revokeToken({ ctx, input: { tokenId: kept.apiToken.id, scopeClusterId: null } }),
      );
      expect([create.code, revoke.code]).toEqual(["dependency_unavailable", "dependency_unavailable"]);
    });
    expect(await tokensNamed("unaudited")).toEqual([]);
    expect((await tokensNamed("kept"))[0]?.revokedAt).toBeNull();
  });

  it("the bootstrap admin token is minted with its audit row, or not at all", async () => {
    const refused = testContext(db(), { actor: "system", requestId: `startup-${crypto.randomUUID()}` });
    const err = await refusingAuditWrites(db(), "insert", refused.requestId, () =>
      rejection(ensureAdminToken({ ctx: refused, input: {} })),
    );
    expect(err.code).toBe("dependency_unavailable");
    expect(await tokensNamed("bootstrap-admin")).toEqual([]);

    const ctx = testContext(db(), { actor: "system", requestId: `startup-${crypto.randomUUID()}` });
    const result = await ensureAdminToken({ ctx, input: {} });
    expect(result.outcome).toBe("generated");
    const rows = await auditRows(ctx.requestId);
    expect(rows).toEqual([
      expect.objectContaining({
        actor: "system",
        action: "api_token.bootstrap_generated",
        resourceType: "api_token",
        resourceId: result.outcome === "generated" ? result.tokenId : "",
        result: "success",
      }),
    ]);
    expect(JSON.stringify(rows)).not.toContain(result.outcome === "generated" ? result.token : "-");
  });
});
