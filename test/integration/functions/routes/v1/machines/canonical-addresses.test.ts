/**
 * One spelling per machine address and host name, on every path that writes
 * them (create, import, import overwrite) and in the uniqueness check: an
 * IPv4-mapped IPv6 address is the IPv4 machine, host names are stored lower
 * case; and the data migration that rewrites rows written before. The API
 * tests run on Postgres and on embedded PGlite (one of each per file).
 */
import { cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { eq, sql } from "drizzle-orm";
import { drizzle } from "drizzle-orm/node-postgres";
import { migrate } from "drizzle-orm/node-postgres/migrator";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resultRows } from "../../../../../../drizzle/drivers/rows.ts";
import { MIGRATIONS_FOLDER } from "../../../../../../drizzle/migrate.ts";
import { machines } from "../../../../../../drizzle/schema/index.ts";
import { startTestApi, TEST_API_DRIVERS, type TestApi } from "../../../../../support/api.ts";
import { seedCluster, seedMachine, seedPool } from "../../../../../support/fixtures.ts";
import { createTestDatabase, requirePostgres } from "../../../../../support/postgres.ts";

const ok = await requirePostgres();

/** Each test uses its own 198.51.<block>.0/24 (TEST-NET-2), away from the fixtures' 10/8. */
const ipOf = (block: number, n: number) => `198.51.${block}.${n}`;
/** The same address as hex IPv4-mapped IPv6: ::ffff:c633:<block><n>. */
const hexMappedOf = (block: number, n: number) =>
  `::ffff:c633:${((block << 8) | n).toString(16).padStart(4, "0")}`;

describe.each(TEST_API_DRIVERS)("canonical machine addresses on %s", (driver) => {
  describe.skipIf(driver !== "pglite" && !ok)(driver, () => {
    let api: TestApi;
    beforeAll(async () => {
      api = await startTestApi({ driver });
    });
    afterAll(() => api?.close());

    const db = () => api.database.db;
    const create = (body: Record<string, unknown>, token = api.admin) =>
      api.json("POST", "/v1/machines", { token, body });
    const importJson = (rows: unknown[], query = "", token = api.admin) =>
      api.json("POST", `/v1/machines/import${query}`, { token, body: { machines: rows } });
    const liveAt = async (ip: string) =>
      resultRows<{ id: string; ip: string; hostname: string }>(
        await db().execute(
          sql`select id, host(ip) as ip, hostname from machines where status <> 'archived' and host(ip) = ${ip}`,
        ),
      );
    /** every live row whose address is the IPv4 one, whichever family it was stored in */
    const liveSameMachine = async (ip: string) =>
      resultRows<{ id: string }>(
        await db().execute(
          sql`select id from machines where status <> 'archived'
               and (ip = ${ip}::inet or ip = ${`::ffff:${ip}`}::inet)`,
        ),
      );

    it("stores an IPv4-mapped IPv6 address as IPv4 and the host name lower-cased", async () => {
      const { status, body } = await create({ hostname: "Worker-A.Example", ip: `::FFFF:${ipOf(1, 1)}` });
      expect(status).toBe(201);
      expect(body).toMatchObject({ hostname: "worker-a.example", ip: ipOf(1, 1) });
      const got = await api.json("GET", `/v1/machines/${body.id}`, { token: api.admin });
      expect(got.body).toMatchObject({ hostname: "worker-a.example", ip: ipOf(1, 1) });
      expect(await liveAt(ipOf(1, 1))).toEqual([
        { id: body.id, ip: ipOf(1, 1), hostname: "worker-a.example" },
      ]);

      const hex = await create({ hostname: "hex-form", ip: hexMappedOf(1, 2) });
      expect(hex.status).toBe(201);
      expect(hex.body.ip).toBe(ipOf(1, 2));
    });

    it("refuses a mapped spelling of a live IPv4 machine with the duplicate-address 409", async () => {
      const first = await create({ hostname: "plain", ip: ipOf(2, 1) });
      expect(first.status).toBe(201);
      for (const ip of [`::ffff:${ipOf(2, 1)}`, `::FFFF:${ipOf(2, 1)}`, hexMappedOf(2, 1)]) {
        const second = await create({ hostname: "mapped", ip });
        expect(second.status, ip).toBe(409);
        expect(second.body.error).toMatchObject({
          code: "conflict",
          details: { ip: ipOf(2, 1), constraint: "machines_ip_live_uq" },
        });
      }
      expect(await liveSameMachine(ipOf(2, 1))).toEqual([{ id: first.body.id }]);

      // and the other way round: the IPv4 spelling of a machine created mapped
      const mapped = await create({ hostname: "mapped-first", ip: `::ffff:${ipOf(2, 2)}` });
      expect(mapped.status).toBe(201);
      const plain = await create({ hostname: "plain-second", ip: ipOf(2, 2) });
      expect(plain.status).toBe(409);
      expect(plain.body.error.code).toBe("conflict");
    });

    it("import: a mapped address of a live machine is that machine (dry run, real run, within the file)", async () => {
      const existing = await seedMachine(db(), { ip: ipOf(3, 1), hostname: "existing" });
      const rows = [{ hostname: "intruder", ip: `::ffff:${ipOf(3, 1)}` }];

      const dry = await importJson(rows, "?dryRun=true");
      expect(dry.status).toBe(200);
      expect(dry.body.summary).toMatchObject({ created: 0, error: 1 });
      expect(dry.body.results[0].errors[0]).toMatchObject({ field: "ip" });
      expect(dry.body.results[0].errors[0].message).toMatch(/already exists/);

      const real = await importJson(rows, "?mode=best-effort");
      expect(real.status).toBe(200);
      expect(real.body.summary).toMatchObject({ created: 0, error: 1 });
      expect(await liveSameMachine(ipOf(3, 1))).toEqual([{ id: existing.id }]);

      const twice = await importJson(
        [
          { hostname: "one", ip: ipOf(3, 2) },
          { hostname: "two", ip: hexMappedOf(3, 2) },
        ],
        "?mode=best-effort&dryRun=true",
      );
      expect(twice.body.results.map((r: { status: string }) => r.status)).toEqual(["created", "error"]);
      expect(twice.body.results[1].errors[0].message).toMatch(/already used by row/);
    });

    it("import: a scoped operator cannot take another cluster's machine into its pool by a mapped address", async () => {
      const other = await seedCluster(db());
      const otherPool = await seedPool(db(), other.id);
      const theirs = await seedMachine(db(), {
        ip: ipOf(4, 1),
        hostname: "theirs",
        status: "ready",
        clusterId: other.id,
        poolId: otherPool.id,
      });
      const cluster = await seedCluster(db());
      const pool = await seedPool(db(), cluster.id);
      const scoped = await api.tokenFor("operator", cluster.id);

      const taken = await importJson(
        [{ hostname: "mine-now", ip: `::ffff:${ipOf(4, 1)}` }],
        `?mode=best-effort&overwrite=true&clusterId=${cluster.id}&poolId=${pool.id}`,
        scoped,
      );
      expect(taken.status).toBe(200);
      expect(taken.body.summary).toMatchObject({ created: 0, updated: 0, error: 1 });
      // the other cluster's machine id is not revealed to a scoped caller
      expect(taken.body.results[0].errors[0].message).not.toContain(theirs.id);
      const rows = await db().select().from(machines).where(eq(machines.poolId, pool.id));
      expect(rows).toEqual([]);
      expect(await liveSameMachine(ipOf(4, 1))).toEqual([{ id: theirs.id }]);
    });

    it("import: a scoped operator's dry run tells nothing about addresses other clusters hold", async () => {
      const other = await seedCluster(db());
      const otherPool = await seedPool(db(), other.id);
      await seedMachine(db(), {
        ip: ipOf(4, 2),
        hostname: "elsewhere",
        status: "ready",
        clusterId: other.id,
        poolId: otherPool.id,
      });
      const cluster = await seedCluster(db());
      const pool = await seedPool(db(), cluster.id);
      const scoped = await api.tokenFor("operator", cluster.id);
      const target = `clusterId=${cluster.id}&poolId=${pool.id}`;
      const probe = (ip: string, dryRun: boolean, token = scoped) =>
        importJson(
          [{ hostname: `probe-${ip.replaceAll(/[.:]/g, "-")}`, ip }],
          `?dryRun=${dryRun}&${target}`,
          token,
        );

      // a held address and a free one read the same to the scoped caller's dry run
      const held = await probe(ipOf(4, 2), true);
      const free = await probe(ipOf(4, 3), true);
      expect(held.status).toBe(200);
      expect(held.body.results.map((r: { status: string }) => r.status)).toEqual(["created"]);
      expect(free.body.results.map((r: { status: string }) => r.status)).toEqual(["created"]);
      expect(held.body.summary).toEqual(free.body.summary);
      // an unscoped operator's dry run still says the address is taken
      const operator = await api.tokenFor("operator");
      expect((await probe(ipOf(4, 2), true, operator)).body.summary).toMatchObject({ created: 0, error: 1 });
      // the real import (audited, rate limited) refuses it, naming no machine
      const real = await probe(ipOf(4, 2), false);
      expect(real.status).toBe(422);
      expect(real.body.error.code).toBe("import_rejected");
      expect(real.body.report.summary).toMatchObject({ created: 0, error: 1 });
      expect(await liveSameMachine(ipOf(4, 2))).toHaveLength(1);
    });

    it("import: creates and overwrites with canonical values and reports them", async () => {
      const created = await importJson([
        { hostname: "Upper.Example", ip: `::ffff:${ipOf(5, 1)}` },
        { hostname: "v6-HOST", ip: "2001:DB8:0:0::5:1" },
      ]);
      expect(created.status).toBe(200);
      expect(created.body.summary).toMatchObject({ created: 2, error: 0 });
      expect(created.body.results).toMatchObject([
        { status: "created", ip: ipOf(5, 1), hostname: "upper.example" },
        { status: "created", ip: "2001:db8::5:1", hostname: "v6-host" },
      ]);
      expect(await liveAt(ipOf(5, 1))).toMatchObject([{ hostname: "upper.example" }]);
      expect(await liveAt("2001:db8::5:1")).toMatchObject([{ hostname: "v6-host" }]);

      // overwrite by the mapped spelling updates the IPv4 machine; the same name in another case is no change
      const [machine] = await liveAt(ipOf(5, 1));
      const same = await importJson(
        [{ hostname: "UPPER.example", ip: hexMappedOf(5, 1) }],
        "?overwrite=true",
      );
      expect(same.body.results[0]).toMatchObject({
        status: "unchanged",
        machineId: machine!.id,
        ip: ipOf(5, 1),
        hostname: "upper.example",
      });
      const renamed = await importJson(
        [{ hostname: "Renamed.Example", ip: `::ffff:${ipOf(5, 1)}`, cpuCores: 4 }],
        "?overwrite=true",
      );
      expect(renamed.body.results[0]).toMatchObject({ status: "updated", machineId: machine!.id });
      expect(await liveAt(ipOf(5, 1))).toEqual([
        { id: machine!.id, ip: ipOf(5, 1), hostname: "renamed.example" },
      ]);
    });
  });
});

describe.skipIf(!ok)("migration 0008_canonical_machine_addresses", () => {
  const TAG = "0008_canonical_machine_addresses";

  /** A copy of the migrations folder that ends just before TAG. */
  async function foldersBefore(): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), "ksp-migrations-"));
    await cp(MIGRATIONS_FOLDER, dir, { recursive: true });
    const journalPath = join(dir, "meta", "_journal.json");
    const journal = JSON.parse(await readFile(journalPath, "utf8"));
    const index = journal.entries.findIndex((e: { tag: string }) => e.tag === TAG);
    expect(index).toBeGreaterThan(0);
    journal.entries = journal.entries.slice(0, index);
    await writeFile(journalPath, JSON.stringify(journal));
    return dir;
  }

  async function withLegacyDatabase(
    seed: string,
    check: (client: pg.Client, migrateRest: () => Promise<void>) => Promise<void>,
  ) {
    const database = await createTestDatabase({ migrated: false });
    const before = await foldersBefore();
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    try {
      await migrate(drizzle({ client }), { migrationsFolder: before });
      await client.query(seed);
      await check(client, () => migrate(drizzle({ client }), { migrationsFolder: MIGRATIONS_FOLDER }));
    } finally {
      await client.end();
      await rm(before, { recursive: true, force: true });
      await database.drop();
    }
  }

  it("rewrites mapped addresses as IPv4 and lower-cases host names", async () => {
    await withLegacyDatabase(
      `insert into machines (hostname, ip, status) values
         ('Worker-A.Example', '::ffff:10.9.0.1', 'available'),
         ('plain', '10.9.0.2', 'available'),
         ('v6', '2001:db8::1', 'available'),
         ('old', '::ffff:10.9.0.2', 'archived')`,
      async (client, migrateRest) => {
        await migrateRest();
        const { rows } = await client.query(
          "select hostname, host(ip) as ip, status from machines order by hostname",
        );
        expect(rows).toEqual([
          { hostname: "old", ip: "10.9.0.2", status: "archived" },
          { hostname: "plain", ip: "10.9.0.2", status: "available" },
          { hostname: "v6", ip: "2001:db8::1", status: "available" },
          { hostname: "worker-a.example", ip: "10.9.0.1", status: "available" },
        ]);
      },
    );
  });

  it("fails loudly, naming both machines, when two live machines collapse to one address", async () => {
    await withLegacyDatabase(
      `insert into machines (id, hostname, ip) values
         ('00000000-0000-4000-8000-000000000001', 'mapped', '::ffff:10.9.1.1'),
         ('00000000-0000-4000-8000-000000000002', 'plain', '10.9.1.1')`,
      async (client, migrateRest) => {
        const failure = await migrateRest().then(
          () => null,
          (err: unknown) => err,
        );
        expect(failure).toBeInstanceOf(Error);
        const text = `${(failure as Error).message} ${String((failure as { cause?: unknown }).cause ?? "")}`;
        expect(text).toContain("00000000-0000-4000-8000-000000000001");
        expect(text).toContain("00000000-0000-4000-8000-000000000002");
        expect(text).toMatch(/Archive one machine/);
        // nothing changed: the migration ran in one transaction
        const { rows } = await client.query("select host(ip) as ip from machines order by hostname");
        expect(rows).toEqual([{ ip: "::ffff:10.9.1.1" }, { ip: "10.9.1.1" }]);
      },
    );
  });
});
