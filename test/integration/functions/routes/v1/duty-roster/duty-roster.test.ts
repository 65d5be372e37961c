/**
 * /v1/duty-roster: create, list (who is on duty at a time; shifts overlapping
 * a window; pagination), get, update (merged and checked whole), delete. The
 * window must end after it starts and each contact's address must suit its
 * channel (400 naming the field). Contacts are personal data: unscoped
 * operators only, for reads too. Every change has its audit row.
 * On Postgres and on PGlite.
 */
import { randomUUID } from "node:crypto";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { auditLogs } from "../../../../../../drizzle/schema/index.ts";
import { startTestApi, TEST_API_DRIVERS, type TestApi } from "../../../../../support/api.ts";
import { seedCluster } from "../../../../../support/fixtures.ts";
import { requirePostgres } from "../../../../../support/postgres.ts";

const ok = await requirePostgres();

type Shift = {
  id: string;
  person: string;
  startsAt: string;
  endsAt: string;
  contacts: { channel: string; address: string }[];
  error?: { code: string; message: string };
};

describe.each(TEST_API_DRIVERS)("duty roster on %s", (driver) => {
  describe.skipIf(driver !== "pglite" && !ok)(driver, () => {
    let api: TestApi;
    let operator: string;
    beforeAll(async () => {
      api = await startTestApi({ driver });
      operator = await api.tokenFor("operator");
    });
    afterAll(() => api?.close());

    // each test works in its own year, so shifts of other tests never fall into its windows
    let year = 2100;
    const calendar = () => {
      const y = year++;
      return (monthDay: string) => `${y}-${monthDay}:00.000Z`;
    };
    const create = (input: unknown, token = operator) =>
      api.json<Shift>("POST", "/v1/duty-roster", { token, body: input });
    const patch = (id: string, input: unknown, token = operator) =>
      api.json<Shift>("PATCH", `/v1/duty-roster/${id}`, { token, body: input });
    const get = (id: string, token = operator) => api.json<Shift>("GET", `/v1/duty-roster/${id}`, { token });
    const remove = (id: string, token = operator) =>
      api.json<Shift>("DELETE", `/v1/duty-roster/${id}`, { token });
    const listAll = async (query: string) => {
      const items: Shift[] = [];
      let cursor: string | null = null;
      do {
        const res: { status: number; body: { items: Shift[]; nextCursor: string | null } } = await api.json(
          "GET",
          `/v1/duty-roster?limit=2&${query}${cursor ? `&cursor=${cursor}` : ""}`,
          { token: operator },
        );
        expect(res.status, JSON.stringify(res.body)).toBe(200);
        items.push(...res.body.items);
        cursor = res.body.nextCursor;
      } while (cursor);
      return items;
    };

    it("creates a shift with its contacts and reads it back", async () => {
      const at = calendar();
      const input = {
        person: "Ada",
        startsAt: at("01-01T08:00"),
        endsAt: at("01-08T08:00"),
        contacts: [
          { channel: "email", address: "ada@example.com" },
          { channel: "webhook", address: "https://hooks.example.com/ada" },
        ],
      };
      const created = await create(input);
      expect(created.status, JSON.stringify(created.body)).toBe(201);
      expect(created.body).toMatchObject(input);
      expect((await get(created.body.id)).body).toEqual(created.body);
    });

    it("answers who is on duty at a time, and which shifts overlap a window", async () => {
      const at = calendar();
      const shift = async (person: string, from: string, to: string) =>
        (await create({ person, startsAt: at(from), endsAt: at(to) })).body;
      const early = await shift("early", "03-01T00:00", "03-02T00:00");
      const long = await shift("long", "03-01T12:00", "03-05T00:00");
      const late = await shift("late", "03-02T00:00", "03-03T00:00");
      const onDuty = async (t: string) => (await listAll(`at=${at(t)}`)).map((s) => s.person);
      expect(await onDuty("03-01T06:00")).toEqual(["early"]);
      expect(await onDuty("03-01T18:00")).toEqual(["early", "long"]);
      // a shift ends at endsAt: the next one has taken over
      expect(await onDuty("03-02T00:00")).toEqual(["long", "late"]);
      expect(await onDuty("03-06T00:00")).toEqual([]);
      const window = await listAll(`from=${at("03-01T13:00")}&to=${at("03-02T00:00")}`);
      expect(window.map((s) => s.id)).toEqual([early.id, long.id]);
      expect(late.person).toBe("late");
      const bad = await api.json("GET", `/v1/duty-roster?from=${at("03-02T00:00")}&to=${at("03-01T00:00")}`, {
        token: operator,
      });
      expect(bad.status).toBe(400);
      expect((await api.json("GET", "/v1/duty-roster?at=yesterday", { token: operator })).status).toBe(400);
    });

    it("refuses a window that does not end after it starts, on create and on a merged update", async () => {
      const at = calendar();
      const same = await create({ person: "x", startsAt: at("01-01T00:00"), endsAt: at("01-01T00:00") });
      expect(same.status).toBe(400);
      expect(same.body.error?.message).toMatch(/^endsAt: /);
      const s = (await create({ person: "x", startsAt: at("01-01T00:00"), endsAt: at("01-02T00:00") })).body;
      const before = await patch(s.id, { endsAt: at("01-01T00:00") });
      expect(before.status).toBe(400);
      expect(before.body.error?.message).toMatch(/^endsAt: /);
      const moved = await patch(s.id, { startsAt: at("01-03T00:00"), endsAt: at("01-04T00:00") });
      expect(moved.status, JSON.stringify(moved.body)).toBe(200);
      expect(moved.body).toMatchObject({
        startsAt: at("01-03T00:00"),
        endsAt: at("01-04T00:00"),
        person: "x",
      });
    });

    it.each([
      [{ channel: "email", address: "not-an-address" }, "contacts[1].address"],
      [{ channel: "email", address: "a b@example.com" }, "contacts[1].address"],
      [{ channel: "webhook", address: "ftp://example.com/x" }, "contacts[1].address"],
      [{ channel: "webhook", address: "ada@example.com" }, "contacts[1].address"],
      [{ channel: "webhook", address: "https://user:pw@example.com/" }, "contacts[1].address"],
      [{ channel: "sms", address: "+15550100" }, "contacts[1].channel"],
    ])("refuses the contact %j naming its field", async (contact, path) => {
      const at = calendar();
      const res = await create({
        person: "x",
        startsAt: at("01-01T00:00"),
        endsAt: at("01-02T00:00"),
        contacts: [{ channel: "email", address: "ok@example.com" }, contact],
      });
      expect(res.status, JSON.stringify(res.body)).toBe(400);
      expect(res.body.error?.message).toContain(`${path}: `);
    });

    it("updates the person and replaces the contacts; deletes; 404s", async () => {
      const at = calendar();
      const s = (
        await create({
          person: "x",
          startsAt: at("01-01T00:00"),
          endsAt: at("01-02T00:00"),
          contacts: [{ channel: "email", address: "x@example.com" }],
        })
      ).body;
      const changed = await patch(s.id, { person: "y", contacts: [] });
      expect(changed.status).toBe(200);
      expect(changed.body).toMatchObject({ person: "y", contacts: [], startsAt: s.startsAt });
      expect((await patch(s.id, {})).status).toBe(400);
      expect((await remove(s.id)).status).toBe(200);
      expect((await get(s.id)).status).toBe(404);
      expect((await remove(s.id)).status).toBe(404);
      expect((await patch(randomUUID(), { person: "z" })).status).toBe(404);
      expect((await get("nope")).status).toBe(400);
    });

    it("is for unscoped operators only, reads included", async () => {
      const at = calendar();
      const s = (await create({ person: "x", startsAt: at("01-01T00:00"), endsAt: at("01-02T00:00") })).body;
      const cluster = await seedCluster(api.database.db);
      const refused = [
        await api.tokenFor("viewer"),
        await api.tokenFor("viewer", cluster.id),
        await api.tokenFor("operator", cluster.id),
      ];
      for (const token of refused) {
        for (const res of [
          await api.json("GET", "/v1/duty-roster", { token }),
          await get(s.id, token),
          await create({ person: "y", startsAt: at("01-01T00:00"), endsAt: at("01-02T00:00") }, token),
          await patch(s.id, { person: "z" }, token),
          await remove(s.id, token),
        ]) {
          expect(res.status).toBe(403);
        }
      }
      expect((await get(s.id)).body).toEqual(s);
    });

    it("records the audit rows of create, update and delete", async () => {
      const at = calendar();
      const rowsOf = (res: { res: Response }) =>
        api.database.db
          .select()
          .from(auditLogs)
          .where(eq(auditLogs.requestId, res.res.headers.get("x-request-id")!));
      const created = await create({
        person: "audited",
        startsAt: at("01-01T00:00"),
        endsAt: at("01-02T00:00"),
        contacts: [{ channel: "email", address: "secret-person@example.com" }],
      });
      const updated = await patch(created.body.id, { person: "audited-2" });
      const refused = await patch(created.body.id, { endsAt: at("01-01T00:00") });
      const deleted = await remove(created.body.id);
      for (const [res, action, result, statusCode] of [
        [created, "duty_shift.create", "success", 201],
        [updated, "duty_shift.update", "success", 200],
        [refused, "duty_shift.update", "failure", 400],
        [deleted, "duty_shift.delete", "success", 200],
      ] as const) {
        const rows = await rowsOf(res);
        expect(rows, action).toHaveLength(1);
        expect(rows[0]).toMatchObject({ action, result, statusCode, resourceType: "duty_shift" });
        if (result === "success") expect(rows[0]!.resourceId).toBe(created.body.id);
        // contact addresses are personal data: the audit log counts them, it does not copy them
        expect(JSON.stringify(rows[0]!.changes)).not.toContain("secret-person");
      }
    });
  });
});
