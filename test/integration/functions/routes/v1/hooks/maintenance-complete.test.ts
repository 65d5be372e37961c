/**
 * POST /v1/hooks/maintenance-complete: an open path authenticated by an
 * `Upstash-Signature` over the exact body and the URL (QStash's format),
 * checked before anything is parsed. A missing, foreign, tampered, stale or
 * misdirected signature is a 401 envelope and changes nothing; a good one
 * completes the ticket's maintenance order as the hook's actor, audited.
 * On Postgres and on PGlite.
 */
import { randomUUID } from "node:crypto";
import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { auditLogs, machines, orders } from "../../../../../../drizzle/schema/index.ts";
import { generateSigningKey, signDelivery } from "../../../../../../functions/lib/webhooks/signature.ts";
import { webhookTransport } from "../../../../../../functions/lib/webhooks/transport.ts";
import { startTestApi, TEST_API_DRIVERS, type TestApi } from "../../../../../support/api.ts";
import { seedCluster, seedMachine } from "../../../../../support/fixtures.ts";
import { requirePostgres } from "../../../../../support/postgres.ts";

const ok = await requirePostgres();
const PATH = "/v1/hooks/maintenance-complete";
// app.request resolves paths against http://localhost: the URL the hook sees, and the one a sender signs
const URL_SIGNED = `http://localhost${PATH}`;

describe.each(TEST_API_DRIVERS)("maintenance-complete hook on %s", (driver) => {
  describe.skipIf(driver !== "pglite" && !ok)(driver, () => {
    const currentSigningKey = generateSigningKey();
    const nextSigningKey = generateSigningKey();
    let api: TestApi;
    let operator: string;

    beforeAll(async () => {
      api = await startTestApi({
        driver,
        webhooks: webhookTransport({
          qstash: undefined,
          signingKeys: { currentSigningKey, nextSigningKey },
          emailWebhookUrl: undefined,
        }),
      });
      operator = await api.tokenFor("operator");
    });
    afterAll(() => api?.close());

    /** A machine taken out for maintenance under a ticket, through the API: the order is in maintenance_in_progress. */
    async function ticketInMaintenance() {
      const cluster = await seedCluster(api.database.db);
      const machine = await seedMachine(api.database.db, { clusterId: cluster.id });
      const ticketId = `CHG-${randomUUID().slice(0, 8)}`;
      const requested = await api.json("POST", "/v1/maintenance-requests", {
        token: operator,
        body: { machineId: machine.id, ticketId, reason: "replace DIMM" },
      });
      expect(requested.status).toBe(201);
      const approved = await api.json("POST", `/v1/orders/${requested.body.id}/approve`, { token: operator });
      expect(approved.status).toBe(200);
      expect(approved.body.status).toBe("maintenance_in_progress");
      return { machine, ticketId, orderId: requested.body.id as string };
    }

    const sign = (body: string, opts: { key?: string; url?: string; nowMs?: number } = {}) =>
      signDelivery({
        signingKey: opts.key ?? currentSigningKey,
        url: opts.url ?? URL_SIGNED,
        body,
        nowMs: opts.nowMs ?? Date.now(),
      });
    const post = (body: string, signature?: string) =>
      api.json("POST", PATH, {
        text: body,
        contentType: "application/json",
        headers: signature === undefined ? {} : { "upstash-signature": signature },
      });
    const orderOf = async (id: string) =>
      (await api.database.db.select().from(orders).where(eq(orders.id, id)))[0]!;

    it("refuses a missing, foreign, tampered, misdirected or stale signature with 401 and changes nothing", async () => {
      const { ticketId, orderId, machine } = await ticketInMaintenance();
      const body = JSON.stringify({ ticketId });
      const refusals = [
        ["missing", await post(body)],
        ["foreign key", await post(body, await sign(body, { key: generateSigningKey() }))],
        ["tampered body", await post(JSON.stringify({ ticketId, outcome: "failed" }), await sign(body))],
        ["other URL", await post(body, await sign(body, { url: "http://localhost/v1/hooks/other" }))],
        ["stale", await post(body, await sign(body, { nowMs: Date.now() - 3_600_000 }))],
        ["not a JWT", await post(body, "garbage")],
      ] as const;
      for (const [why, res] of refusals) {
        expect({ why, status: res.status, code: res.body.error?.code }).toEqual({
          why,
          status: 401,
          code: "unauthorized",
        });
      }
      expect(refusals[0][1].body.error.message).toContain("Upstash-Signature header is required");
      expect(await orderOf(orderId)).toMatchObject({ status: "maintenance_in_progress" });
      const [m] = await api.database.db.select().from(machines).where(eq(machines.id, machine.id));
      expect(m!.status).toBe("maintenance");
      // a refusal is audited as what it was: an anonymous attempt that failed
      const refused = await api.database.db
        .select()
        .from(auditLogs)
        .where(and(eq(auditLogs.action, `POST ${PATH}`), eq(auditLogs.statusCode, 401)));
      expect(refused.length).toBeGreaterThanOrEqual(refusals.length);
      expect(refused.every((r) => r.result === "failure" && r.actor === "anonymous")).toBe(true);
    });

    it("checks the signature before the body: an unsigned malformed body is a 401, a signed one a 400", async () => {
      expect((await post("{not json")).status).toBe(401);
      const signed = await post('{"outcome":"done"}', await sign('{"outcome":"done"}'));
      expect(signed.status).toBe(400);
      expect(JSON.stringify(signed.body.error)).toContain("ticketId");
    });

    it("completes the ticket on a good signature (either key), as the hook, audited, and answers a repeat the same", async () => {
      const { ticketId, orderId, machine } = await ticketInMaintenance();
      const body = JSON.stringify({ ticketId, outcome: "completed", note: "DIMM replaced" });
      const res = await post(body, await sign(body));
      expect(res.status).toBe(200);
      expect(res.body.order).toMatchObject({ id: orderId, status: "completed" });
      expect(res.body.uncordonOrder).toBeNull(); // the machine had no Node: straight back to available
      const [m] = await api.database.db.select().from(machines).where(eq(machines.id, machine.id));
      expect(m!.status).toBe("available");

      const [row] = await api.database.db
        .select()
        .from(auditLogs)
        .where(and(eq(auditLogs.action, "maintenance_request.complete"), eq(auditLogs.resourceId, orderId)));
      expect(row).toMatchObject({ actor: "hook:maintenance", result: "success", statusCode: 200 });

      // hooks are retried: the same report again, signed with the next key, changes nothing and answers the same
      const again = await post(body, await sign(body, { key: nextSigningKey }));
      expect(again.status).toBe(200);
      expect(again.body.order).toMatchObject({
        id: orderId,
        status: "completed",
        version: res.body.order.version,
      });
    });
  });
});

describe("maintenance-complete hook without a signing key", () => {
  it("refuses every hook when no signing key is configured", async () => {
    const bare = await startTestApi({ driver: "pglite" });
    try {
      const body = JSON.stringify({ ticketId: "CHG-1" });
      const res = await bare.json("POST", PATH, {
        text: body,
        contentType: "application/json",
        headers: {
          "upstash-signature": await signDelivery({
            signingKey: generateSigningKey(),
            url: URL_SIGNED,
            body,
            nowMs: Date.now(),
          }),
        },
      });
      expect(res.status).toBe(401);
      expect(res.body.error.message).toContain("no signing key");
    } finally {
      await bare.close();
    }
  });
});
