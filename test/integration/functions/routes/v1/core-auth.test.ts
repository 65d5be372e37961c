/**
 * The /v1 gate shared by every route: bearer authentication, revocation and
 * expiry, per-caller rate limiting with Retry-After, and the audit row of a
 * mutating request.
 */
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiTokens, auditLogs } from "../../../../../drizzle/schema/index.ts";
import { hashToken } from "../../../../../functions/lib/tokens.ts";
import { startTestApi, type TestApi } from "../../../../support/api.ts";
import { requirePostgres } from "../../../../support/postgres.ts";

const ok = await requirePostgres();

describe.skipIf(!ok)("/v1 authentication", () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startTestApi();
  });
  afterAll(() => api?.close());

  const code = async (res: Response) => ((await res.json()) as { error: { code: string } }).error.code;

  it("refuses a missing, malformed or unknown bearer with 401 and the envelope", async () => {
    const variants: Record<string, string>[] = [
      {},
      { authorization: "Basic abc" },
      { authorization: "Bearer ksp_adm_nope" },
    ];
    for (const headers of variants) {
      const res = await api.call("GET", "/v1/anything", { headers });
      expect(res.status).toBe(401);
      expect(await code(res)).toBe("unauthorized");
      expect(res.headers.get("x-request-id")).toBeTruthy();
    }
  });

  it("lets a valid token through to routing (unknown route → 404, not 401) and stamps its last use", async () => {
    const token = await api.tokenFor("viewer");
    const res = await api.call("GET", "/v1/anything", { token });
    expect(res.status).toBe(404);
    const [row] = await api.database.db
      .select()
      .from(apiTokens)
      .where(eq(apiTokens.tokenHash, await hashToken(token)));
    expect(row?.lastUsedAt).toBeInstanceOf(Date);
  });

  it("refuses revoked and expired tokens", async () => {
    const revoked = await api.tokenFor("admin");
    const expired = await api.tokenFor("admin");
    const db = api.database.db;
    await db
      .update(apiTokens)
      .set({ revokedAt: new Date() })
      .where(eq(apiTokens.tokenHash, await hashToken(revoked)));
    await db
      .update(apiTokens)
      .set({ expiresAt: new Date(Date.now() - 1000) })
      .where(eq(apiTokens.tokenHash, await hashToken(expired)));
    expect((await api.call("GET", "/v1/anything", { token: revoked })).status).toBe(401);
    expect((await api.call("GET", "/v1/anything", { token: expired })).status).toBe(401);
  });

  it("records a mutating request in the audit log with actor, result, ip, user agent and request id", async () => {
    const res = await api.call("POST", "/v1/anything", {
      token: api.admin,
      body: {},
      headers: {
        "x-forwarded-for": "203.0.113.7, 10.0.0.1",
        "user-agent": "core-test/1",
        "x-request-id": "core-audit-1",
      },
    });
    expect(res.status).toBe(404);
    const [row] = await api.database.db
      .select()
      .from(auditLogs)
      .where(eq(auditLogs.requestId, "core-audit-1"));
    expect(row).toMatchObject({
      result: "failure",
      statusCode: 404,
      ip: "203.0.113.7",
      userAgent: "core-test/1",
    });
    expect(row?.actor).toMatch(/^token:/);
  });
});

describe.skipIf(!ok)("/v1 rate limiting", () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startTestApi({ policy: { rateLimitPerMinute: 3 } });
  });
  afterAll(() => api?.close());

  it("answers 429 with Retry-After once a token exceeds its budget, per token", async () => {
    const statuses: number[] = [];
    let last: Response | undefined;
    for (let i = 0; i < 5; i++) {
      last = await api.call("GET", "/v1/anything", { token: api.admin });
      statuses.push(last.status);
    }
    expect(statuses).toEqual([404, 404, 404, 429, 429]);
    expect(Number(last?.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    const body = (await last!.json()) as { error: { code: string; details: { limit: number } } };
    expect(body.error).toMatchObject({ code: "rate_limited", details: { limit: 3 } });
    // another token has its own budget
    const other = await api.tokenFor("viewer");
    expect((await api.call("GET", "/v1/anything", { token: other })).status).toBe(404);
  });
});
