/**
 * /v1/subscriptions: create, list (filters, pagination), get, update (merged
 * and checked whole), delete. Event types are a non-empty set of the known
 * ones and the address must suit the channel (400 naming the field);
 * unscoped operators only, reads included; every change has its audit row,
 * which never copies the address. On Postgres and on PGlite.
 */
import { randomUUID } from "node:crypto";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { auditLogs } from "../../../../../../drizzle/schema/index.ts";
import { startTestApi, TEST_API_DRIVERS, type TestApi } from "../../../../../support/api.ts";
import { seedCluster } from "../../../../../support/fixtures.ts";
import { requirePostgres } from "../../../../../support/postgres.ts";

const ok = await requirePostgres();

type Subscription = {
  id: string;
  name: string;
  eventTypes: string[];
  channel: string;
  address: string;
  enabled: boolean;
  error?: { code: string; message: string };
};

describe.each(TEST_API_DRIVERS)("subscriptions on %s", (driver) => {
  describe.skipIf(driver !== "pglite" && !ok)(driver, () => {
    let api: TestApi;
    let operator: string;
    beforeAll(async () => {
      api = await startTestApi({ driver });
      operator = await api.tokenFor("operator");
    });
    afterAll(() => api?.close());

    const body = (overrides: Record<string, unknown> = {}) => ({
      name: `sub-${randomUUID().slice(0, 8)}`,
      eventTypes: ["order.created", "order.failed"],
      channel: "webhook",
      address: "https://hooks.example.com/ksp/T0K3N",
      ...overrides,
    });
    const create = (input: unknown, token = operator) =>
      api.json<Subscription>("POST", "/v1/subscriptions", { token, body: input });
    const patch = (id: string, input: unknown, token = operator) =>
      api.json<Subscription>("PATCH", `/v1/subscriptions/${id}`, { token, body: input });
    const get = (id: string, token = operator) =>
      api.json<Subscription>("GET", `/v1/subscriptions/${id}`, { token });
    const remove = (id: string, token = operator) =>
      api.json<Subscription>("DELETE", `/v1/subscriptions/${id}`, { token });
    const listAll = async (query = "") => {
      const items: Subscription[] = [];
      let cursor: string | null = null;
      do {
        const res: { status: number; body: { items: Subscription[]; nextCursor: string | null } } =
          await api.json("GET", `/v1/subscriptions?limit=2${query}${cursor ? `&cursor=${cursor}` : ""}`, {
            token: operator,
          });
        expect(res.status, JSON.stringify(res.body)).toBe(200);
        items.push(...res.body.items);
        cursor = res.body.nextCursor;
      } while (cursor);
      return items;
    };

    it("creates a subscription, enabled by default, and reads it back", async () => {
      const input = body();
      const created = await create(input);
      expect(created.status, JSON.stringify(created.body)).toBe(201);
      expect(created.body).toMatchObject({ ...input, enabled: true });
      expect((await get(created.body.id)).body).toEqual(created.body);
    });

    it("lists with filters and pagination", async () => {
      const mail = (
        await create(body({ channel: "email", address: "ops@example.com", eventTypes: ["stock.empty"] }))
      ).body;
      const off = (await create(body({ eventTypes: ["stock.empty", "machine.fault"], enabled: false }))).body;
      const other = (await create(body({ eventTypes: ["cluster.offline"] }))).body;
      const stock = await listAll("&eventType=stock.empty");
      expect(stock.map((s) => s.id)).toEqual([mail.id, off.id]);
      expect((await listAll("&eventType=stock.empty&channel=email")).map((s) => s.id)).toEqual([mail.id]);
      expect((await listAll("&eventType=stock.empty&enabled=false")).map((s) => s.id)).toEqual([off.id]);
      expect((await listAll()).map((s) => s.id)).toEqual(expect.arrayContaining([mail.id, off.id, other.id]));
    });

    it.each([
      [{ eventTypes: [] }, "eventTypes"],
      [{ eventTypes: ["order.created", "order.exploded"] }, "eventTypes[1]"],
      [{ eventTypes: ["order.created", "order.created"] }, "eventTypes[1]"],
      [{ channel: "email", address: "https://hooks.example.com/" }, "address"],
      [{ channel: "webhook", address: "ops@example.com" }, "address"],
      [{ address: "javascript:alert(1)" }, "address"],
      [{ channel: "sms" }, "channel"],
      [{ name: " " }, "name"],
    ])("refuses %j naming the field", async (overrides, path) => {
      const res = await create(body(overrides));
      expect(res.status, JSON.stringify(res.body)).toBe(400);
      expect(res.body.error?.code).toBe("validation_failed");
      expect(res.body.error?.message).toContain(`${path}: `);
    });

    it("checks a change merged into the stored subscription", async () => {
      const s = (await create(body())).body;
      const channelOnly = await patch(s.id, { channel: "email" });
      expect(channelOnly.status).toBe(400);
      expect(channelOnly.body.error?.message).toMatch(/^address: /);
      const both = await patch(s.id, { channel: "email", address: "ops@example.com", enabled: false });
      expect(both.status, JSON.stringify(both.body)).toBe(200);
      expect(both.body).toMatchObject({
        channel: "email",
        address: "ops@example.com",
        enabled: false,
        name: s.name,
      });
      const types = await patch(s.id, { eventTypes: ["machine.fault"] });
      expect(types.body.eventTypes).toEqual(["machine.fault"]);
      expect((await patch(s.id, { eventTypes: ["nope"] })).status).toBe(400);
      expect((await patch(s.id, {})).status).toBe(400);
    });

    it("deletes; 404 for unknown ids, 400 for malformed ones", async () => {
      const s = (await create(body())).body;
      expect((await remove(s.id)).status).toBe(200);
      expect((await get(s.id)).status).toBe(404);
      expect((await remove(s.id)).status).toBe(404);
      expect((await patch(randomUUID(), { enabled: true })).status).toBe(404);
      expect((await get("nope")).status).toBe(400);
    });

    it("is for unscoped operators only, reads included", async () => {
      const s = (await create(body())).body;
      const cluster = await seedCluster(api.database.db);
      for (const token of [
        await api.tokenFor("viewer"),
        await api.tokenFor("operator", cluster.id),
        await api.tokenFor("admin", cluster.id),
      ]) {
        for (const res of [
          await api.json("GET", "/v1/subscriptions", { token }),
          await get(s.id, token),
          await create(body(), token),
          await patch(s.id, { enabled: false }, token),
          await remove(s.id, token),
        ]) {
          expect(res.status).toBe(403);
        }
      }
      expect((await get(s.id)).body).toEqual(s);
    });

    it("records the audit rows of create, update and delete without the address", async () => {
      const rowsOf = (res: { res: Response }) =>
        api.database.db
          .select()
          .from(auditLogs)
          .where(eq(auditLogs.requestId, res.res.headers.get("x-request-id")!));
      const created = await create(body());
      const updated = await patch(created.body.id, { address: "https://hooks.example.com/ksp/N3W" });
      const deleted = await remove(created.body.id);
      for (const [res, action, statusCode] of [
        [created, "subscription.create", 201],
        [updated, "subscription.update", 200],
        [deleted, "subscription.delete", 200],
      ] as const) {
        const rows = await rowsOf(res);
        expect(rows, action).toHaveLength(1);
        expect(rows[0]).toMatchObject({
          action,
          result: "success",
          statusCode,
          resourceType: "subscription",
        });
        expect(rows[0]!.resourceId).toBe(created.body.id);
        expect(JSON.stringify(rows[0]!.changes)).not.toMatch(/T0K3N|N3W/);
      }
    });
  });
});
