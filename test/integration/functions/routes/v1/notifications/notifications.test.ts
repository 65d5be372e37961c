/**
 * GET /v1/notifications: the notification log, newest first, with filters
 * (event type, status, subject) and pagination; secrets in a payload are
 * masked; unscoped operators only. The rows are written by the outbox
 * (enqueueNotification), here as an order's change would write them.
 * On Postgres and on PGlite.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { notifications } from "../../../../../../drizzle/schema/index.ts";
import { enqueueNotification } from "../../../../../../functions/services/notifications/enqueue-notification.ts";
import { startTestApi, TEST_API_DRIVERS, type TestApi } from "../../../../../support/api.ts";
import { seedCluster } from "../../../../../support/fixtures.ts";
import { requirePostgres } from "../../../../../support/postgres.ts";

const ok = await requirePostgres();

type Notification = {
  id: string;
  deliveryId: string;
  eventType: string;
  subjectId: string | null;
  recipient: string;
  status: string;
  payload: Record<string, unknown>;
  createdAt: string;
};

describe.each(TEST_API_DRIVERS)("notifications on %s", (driver) => {
  describe.skipIf(driver !== "pglite" && !ok)(driver, () => {
    let api: TestApi;
    let operator: string;
    beforeAll(async () => {
      api = await startTestApi({ driver });
      operator = await api.tokenFor("operator");
      const subscribe = await api.json("POST", "/v1/subscriptions", {
        token: operator,
        body: {
          name: "everything",
          eventTypes: ["order.created", "stock.empty"],
          channel: "webhook",
          address: "https://hooks.example.com/all",
        },
      });
      expect(subscribe.status, JSON.stringify(subscribe.body)).toBe(201);
    });
    afterAll(() => api?.close());

    const listAll = async (query = "") => {
      const items: Notification[] = [];
      let cursor: string | null = null;
      do {
        const res: { status: number; body: { items: Notification[]; nextCursor: string | null } } =
          await api.json("GET", `/v1/notifications?limit=2${query}${cursor ? `&cursor=${cursor}` : ""}`, {
            token: operator,
          });
        expect(res.status, JSON.stringify(res.body)).toBe(200);
        items.push(...res.body.items);
        cursor = res.body.nextCursor;
      } while (cursor);
      return items;
    };

    it("lists the log newest first, filtered by event type, status and subject", async () => {
      const order = randomUUID();
      const pool = randomUUID();
      const db = api.database.db;
      await enqueueNotification(
        db,
        { eventType: "order.created", subjectId: order, data: { number: "ORD-1" } },
        new Date("2030-01-01T00:00:00Z"),
      );
      await enqueueNotification(
        db,
        { eventType: "stock.empty", subjectId: pool, data: { apiToken: "s3cr3t" } },
        new Date("2030-01-02T00:00:00Z"),
      );
      const all = await listAll();
      expect(all.map((n) => n.subjectId)).toEqual([pool, order]);
      expect(all[1]).toMatchObject({
        eventType: "order.created",
        status: "pending",
        recipient: expect.stringMatching(/^subscription:/),
      });
      expect(all[0]!.payload).toEqual({ apiToken: "****" });
      expect(all[1]!.payload).toEqual({ number: "ORD-1" });
      expect((await listAll(`&subjectId=${order}`)).map((n) => n.eventType)).toEqual(["order.created"]);
      expect((await listAll("&eventType=stock.empty")).map((n) => n.subjectId)).toEqual([pool]);
      expect(await listAll("&status=sent")).toEqual([]);
      await db.update(notifications).set({ status: "sent", sentAt: new Date() });
      expect((await listAll("&status=sent")).length).toBe(2);
      expect((await api.json("GET", "/v1/notifications?status=lost", { token: operator })).status).toBe(400);
    });

    it("is for unscoped operators only", async () => {
      const cluster = await seedCluster(api.database.db);
      for (const token of [await api.tokenFor("viewer"), await api.tokenFor("operator", cluster.id)]) {
        expect((await api.json("GET", "/v1/notifications", { token })).status).toBe(403);
      }
      expect((await api.json("GET", "/v1/notifications")).status).toBe(401);
    });
  });
});
