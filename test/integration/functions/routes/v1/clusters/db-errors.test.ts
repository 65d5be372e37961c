/**
 * mapDbError against real Postgres errors as each driver raises them (and as
 * drizzle wraps them, inside and outside transactions), plus the route-level
 * outcome: a duplicate name racing past any check is a 409, never a 500.
 */
import { randomUUID } from "node:crypto";
import { eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { clusters, machines, nodePools } from "../../../../../../drizzle/schema/index.ts";
import { AppError } from "../../../../../../functions/lib/errors.ts";
import { mapDbError, withDbErrors } from "../../../../../../functions/services/db-errors.ts";
import { startTestApi, type TestApi } from "../../../../../support/api.ts";
import {
  ALL_DRIVERS,
  driverAvailable,
  openTestDatabaseOn,
  type TestDatabaseHandle,
} from "../../../../../support/db-drivers.ts";
import { seedCluster, seedPool, uniqueIp } from "../../../../../support/fixtures.ts";
import { requirePostgres } from "../../../../../support/postgres.ts";

const available = Object.fromEntries(
  await Promise.all(ALL_DRIVERS.map(async (d) => [d, await driverAvailable(d)])),
);

async function mapped(work: () => Promise<unknown>): Promise<AppError> {
  const err = await withDbErrors(work).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(AppError);
  return err as AppError;
}

describe.each(ALL_DRIVERS)("mapDbError with %s", (driver) => {
  describe.skipIf(!available[driver])(driver, () => {
    let handle: TestDatabaseHandle;
    beforeAll(async () => {
      handle = await openTestDatabaseOn(driver);
    });
    afterAll(() => handle?.teardown());

    it("maps a real unique violation to conflict with the constraint name", async () => {
      const name = `dup-${randomUUID().slice(0, 8)}`;
      await handle.db.insert(clusters).values({ name });
      const err = await mapped(() => handle.db.insert(clusters).values({ name }));
      expect(err.code).toBe("conflict");
      expect(err.details).toMatchObject({ sqlstate: "23505", constraint: "clusters_name_live_uq" });
      // inside a transaction too
      const inTx = await mapped(() => handle.db.transaction((tx) => tx.insert(clusters).values({ name })));
      expect(inTx.details).toMatchObject({ sqlstate: "23505", constraint: "clusters_name_live_uq" });
    });

    it("tells a dangling reference (not_found) from a row still referenced (conflict)", async () => {
      const dangling = await mapped(() =>
        handle.db.insert(nodePools).values({ clusterId: randomUUID(), name: "p" }),
      );
      expect(dangling.code).toBe("not_found");
      expect(dangling.details?.sqlstate).toBe("23503");

      const cluster = await seedCluster(handle.db);
      await seedPool(handle.db, cluster.id);
      const referenced = await mapped(() => handle.db.delete(clusters).where(eq(clusters.id, cluster.id)));
      expect(referenced.code).toBe("conflict");
      // Postgres 17 (PGlite) reports ON DELETE RESTRICT as restrict_violation, older servers as 23503
      expect(["23503", "23001"]).toContain(referenced.details?.sqlstate);
    });

    it("maps check violations and malformed values to validation_failed", async () => {
      const check = await mapped(() =>
        handle.db.insert(machines).values({ hostname: "h", ip: uniqueIp(), sshPort: 70_000 }),
      );
      expect(check.code).toBe("validation_failed");
      expect(check.details).toMatchObject({ sqlstate: "23514", constraint: "machines_ssh_port_ck" });

      const badUuid = await mapped(() =>
        handle.db.select().from(clusters).where(sql`${clusters.id} = ${"nope"}`),
      );
      expect(badUuid.code).toBe("validation_failed");
      expect(badUuid.details?.sqlstate).toBe("22P02");

      const outOfRange = await mapped(() => handle.db.execute(sql`select ${"99999999999"}::integer`));
      expect(outOfRange.details?.sqlstate).toBe("22003");
    });

    it("leaves errors no request can cause alone", async () => {
      const err = await handle.db.execute(sql`select * from no_such_table`).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeDefined();
      expect(mapDbError(err)).toBeNull();
    });
  });
});

const postgresOk = await requirePostgres();

describe.skipIf(!postgresOk)("a duplicate cluster name over HTTP", () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startTestApi();
  });
  afterAll(() => api?.close());

  it("answers 201 once and 409 for every concurrent duplicate, never 500", async () => {
    const name = `race-${randomUUID().slice(0, 8)}`;
    const results = await Promise.all(
      Array.from({ length: 8 }, () => api.json("POST", "/v1/clusters", { token: api.admin, body: { name } })),
    );
    const statuses = results.map((r) => r.status).sort();
    expect(statuses).toEqual([201, 409, 409, 409, 409, 409, 409, 409]);
    for (const r of results.filter((x) => x.status === 409)) expect(r.body.error.code).toBe("conflict");
    const rows = await api.database.db.select().from(clusters).where(eq(clusters.name, name));
    expect(rows).toHaveLength(1);
  });
});
