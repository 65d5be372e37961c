/**
 * A pool's Cluster Autoscaler options and hourly price: set on create,
 * replaced or cleared (null) on PATCH, returned by GET, refused with a
 * validation envelope naming the field when out of bounds, guarded by
 * Postgres checks too, and carried to the agent through GET /v1/agent/state.
 */
import { randomUUID } from "node:crypto";
import { eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { clusters, operations } from "../../../../../../drizzle/schema/index.ts";
import { startTestApi, type TestApi } from "../../../../../support/api.ts";
import { seedCluster } from "../../../../../support/fixtures.ts";
import { requirePostgres } from "../../../../../support/postgres.ts";

const ok = await requirePostgres();

const OPTIONS = {
  scaleDownUtilizationThreshold: 0.4,
  scaleDownGpuUtilizationThreshold: 0.2,
  scaleDownUnneededSeconds: 300,
  scaleDownUnreadySeconds: 900,
  maxNodeProvisionSeconds: 1800,
  zeroOrMaxNodeScaling: false,
  ignoreDaemonSetsUtilization: true,
};

interface Issue {
  path: string;
  message: string;
}

describe.skipIf(!ok)("pool autoscaling options and hourly price", () => {
  let api: TestApi;
  let clusterId: string;
  let base: string;
  beforeAll(async () => {
    api = await startTestApi();
    clusterId = (await seedCluster(api.database.db)).id;
    base = `/v1/clusters/${clusterId}/pools`;
  });
  afterAll(() => api?.close());

  const name = () => `p-${randomUUID().slice(0, 8)}`;
  const create = (body: Record<string, unknown>) =>
    api.json("POST", base, { token: api.admin, body: { name: name(), ...body } });
  const patch = (poolId: string, body: unknown) =>
    api.json("PATCH", `${base}/${poolId}`, { token: api.admin, body });
  const get = (poolId: string) => api.json("GET", `${base}/${poolId}`, { token: api.admin });
  const stateVersion = async () =>
    (await api.database.db.select().from(clusters).where(eq(clusters.id, clusterId)))[0]!.stateVersion;

  it("a new pool has neither unless given; both are stored and read back as given", async () => {
    const plain = await create({});
    expect(plain.status).toBe(201);
    expect(plain.body).toMatchObject({ autoscalingOptions: null, hourlyPrice: null });

    const priced = await create({ autoscalingOptions: OPTIONS, hourlyPrice: 0.875 });
    expect(priced.status).toBe(201);
    expect(priced.body).toMatchObject({ autoscalingOptions: OPTIONS, hourlyPrice: 0.875 });
    expect((await get(priced.body.id)).body).toEqual(priced.body);

    // the bounds themselves are accepted: a free pool, a one-option override
    const edge = await create({ autoscalingOptions: { zeroOrMaxNodeScaling: true }, hourlyPrice: 0 });
    expect(edge.status).toBe(201);
    expect(edge.body).toMatchObject({ autoscalingOptions: { zeroOrMaxNodeScaling: true }, hourlyPrice: 0 });
  });

  it("PATCH replaces the options as a whole, null clears, and other changes keep them", async () => {
    const { body: pool } = await create({ autoscalingOptions: OPTIONS, hourlyPrice: 2 });

    const replaced = await patch(pool.id, { autoscalingOptions: { scaleDownUnneededSeconds: 60 } });
    expect(replaced.status).toBe(200);
    expect(replaced.body.autoscalingOptions).toEqual({ scaleDownUnneededSeconds: 60 });
    expect(replaced.body.hourlyPrice).toBe(2);

    const other = await patch(pool.id, { maxSize: 7 });
    expect(other.body).toMatchObject({
      maxSize: 7,
      autoscalingOptions: { scaleDownUnneededSeconds: 60 },
      hourlyPrice: 2,
    });

    const cleared = await patch(pool.id, { autoscalingOptions: null, hourlyPrice: null });
    expect(cleared.status).toBe(200);
    expect(cleared.body).toMatchObject({ autoscalingOptions: null, hourlyPrice: null });
    expect((await get(pool.id)).body).toMatchObject({ autoscalingOptions: null, hourlyPrice: null });

    const events = await api.database.db.select().from(operations).where(eq(operations.poolId, pool.id));
    const changed = events.filter((e) => e.kind === "pool.updated").map((e) => e.metadata.changed);
    expect(changed).toEqual([["autoscalingOptions"], ["maxSize"], ["autoscalingOptions", "hourlyPrice"]]);
  });

  it("bumps the state version on a change, not when the same options come in another key order", async () => {
    const { body: pool } = await create({});
    const v0 = await stateVersion();
    expect((await patch(pool.id, { autoscalingOptions: OPTIONS, hourlyPrice: 1.5 })).status).toBe(200);
    expect(await stateVersion()).toBe(v0 + 1);

    const reordered = Object.fromEntries(Object.entries(OPTIONS).reverse());
    expect((await patch(pool.id, { autoscalingOptions: reordered, hourlyPrice: 1.5 })).status).toBe(200);
    expect(await stateVersion()).toBe(v0 + 1);
  });

  it.each([
    [{ autoscalingOptions: {} }, "autoscalingOptions", "set at least one option"],
    [{ autoscalingOptions: { scaleDownUtilizationThreshold: 1.5 } }, "scaleDownUtilizationThreshold", "<=1"],
    [{ autoscalingOptions: { scaleDownGpuUtilizationThreshold: -0.1 } }, "GpuUtilizationThreshold", ">=0"],
    [{ autoscalingOptions: { scaleDownUnneededSeconds: 0 } }, "scaleDownUnneededSeconds", ">=1"],
    [{ autoscalingOptions: { scaleDownUnreadySeconds: 1.5 } }, "scaleDownUnreadySeconds", "expected int"],
    [{ autoscalingOptions: { maxNodeProvisionSeconds: 86_401 } }, "maxNodeProvisionSeconds", "<=86400"],
    [{ autoscalingOptions: { zeroOrMaxNodeScaling: "yes" } }, "zeroOrMaxNodeScaling", "boolean"],
    [{ autoscalingOptions: { scaleDownDelayAfterAdd: 60 } }, "autoscalingOptions", "scaleDownDelayAfterAdd"],
    [{ autoscalingOptions: [OPTIONS] }, "autoscalingOptions", "object"],
    [{ hourlyPrice: -0.01 }, "hourlyPrice", ">=0"],
    [{ hourlyPrice: 1_000_001 }, "hourlyPrice", "<=1000000"],
    [{ hourlyPrice: "0.5" }, "hourlyPrice", "number"],
  ])("refuses %j with a validation envelope naming the field", async (input, field, words) => {
    const { body: pool } = await create({});
    for (const res of [await create(input), await patch(pool.id, input)]) {
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe("validation_failed");
      const issues: Issue[] = res.body.error.details.issues;
      expect(issues, "one issue, the one at fault").toHaveLength(1);
      const issue = issues.find((i) => `${i.path} ${i.message}`.includes(field));
      expect(issue, JSON.stringify(issues)).toBeDefined();
      expect(`${issue!.path}: ${issue!.message}`).toContain(words);
    }
    expect((await get(pool.id)).body).toMatchObject({ autoscalingOptions: null, hourlyPrice: null });
  });

  it("Postgres refuses what JSON cannot carry: NaN, ±Infinity, negative prices, non-object options", async () => {
    const { body: pool } = await create({});
    const { db } = api.database;
    const refused = async (assignment: ReturnType<typeof sql>) => {
      const error = await db
        .execute(sql`update node_pools set ${assignment} where id = ${pool.id}`)
        .then(() => null)
        .catch((err: { cause?: { code?: string }; code?: string }) => err);
      return error?.cause?.code ?? error?.code;
    };
    const checkViolation = "23514";
    expect(await refused(sql`hourly_price = 'NaN'::float8`)).toBe(checkViolation);
    expect(await refused(sql`hourly_price = 'Infinity'::float8`)).toBe(checkViolation);
    expect(await refused(sql`hourly_price = '-Infinity'::float8`)).toBe(checkViolation);
    expect(await refused(sql`hourly_price = -1`)).toBe(checkViolation);
    expect(await refused(sql`autoscaling_options = '[]'::jsonb`)).toBe(checkViolation);
    expect(await refused(sql`autoscaling_options = '0.5'::jsonb`)).toBe(checkViolation);
    expect(await refused(sql`hourly_price = 3, autoscaling_options = '{"zeroOrMaxNodeScaling":true}'`)).toBe(
      undefined,
    );
  });

  it("the agent state carries both fields, and a change moves the ETag", async () => {
    const cluster = await seedCluster(api.database.db);
    const path = `/v1/clusters/${cluster.id}/pools`;
    const priced = await api.json("POST", path, {
      token: api.admin,
      body: { name: "priced", autoscalingOptions: OPTIONS, hourlyPrice: 3.25 },
    });
    const plain = await api.json("POST", path, { token: api.admin, body: { name: "plain" } });
    const credential = await api.agentCredentialFor(cluster.id);

    const state = await api.json("GET", "/v1/agent/state", { token: credential });
    expect(state.status).toBe(200);
    const byName = (body: { pools: { name: string }[] }, n: string) => body.pools.find((p) => p.name === n);
    expect(byName(state.body, "priced")).toMatchObject({
      id: priced.body.id,
      autoscalingOptions: OPTIONS,
      hourlyPrice: 3.25,
    });
    expect(byName(state.body, "plain")).toMatchObject({
      id: plain.body.id,
      autoscalingOptions: null,
      hourlyPrice: null,
    });

    const etag = state.res.headers.get("etag")!;
    await api.json("PATCH", `${path}/${priced.body.id}`, {
      token: api.admin,
      body: { autoscalingOptions: null, hourlyPrice: null },
    });
    const after = await api.json("GET", "/v1/agent/state", {
      token: credential,
      headers: { "if-none-match": etag },
    });
    expect(after.status).toBe(200);
    expect(byName(after.body, "priced")).toMatchObject({ autoscalingOptions: null, hourlyPrice: null });
  });

  it("documents both fields in /openapi.json, options as a strict named component", async () => {
    const doc = (await (await api.call("GET", "/openapi.json")).json()) as {
      components: { schemas: Record<string, { properties?: Record<string, { description?: string }> }> };
    };
    const options = doc.components.schemas.PoolAutoscalingOptions as {
      additionalProperties?: boolean;
      description?: string;
      properties: Record<string, { description?: string }>;
    };
    expect(Object.keys(options.properties).sort()).toEqual(Object.keys(OPTIONS).sort());
    expect(options.additionalProperties).toBe(false);
    expect(Object.values(options.properties).every((p) => (p.description ?? "").length > 20)).toBe(true);
    for (const body of ["CreatePoolRequest", "UpdatePoolRequest", "Pool"]) {
      const props = doc.components.schemas[body]!.properties!;
      expect(Object.keys(props)).toEqual(expect.arrayContaining(["autoscalingOptions", "hourlyPrice"]));
    }
    expect(doc.components.schemas.CreatePoolRequest!.properties!.hourlyPrice!.description).toContain(
      "per hour",
    );
  });
});
