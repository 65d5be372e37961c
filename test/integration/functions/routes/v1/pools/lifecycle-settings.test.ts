/**
 * A pool's lifecycle settings (join, registration and reset timeouts, join and
 * removal caps, kubeadm config version, health probes, auto-repair, the
 * zombie guard's action): the defaults on create, partial
 * changes merged key by key on create and PATCH, bounds refused with a
 * validation envelope naming the field, a Postgres check, the pool.updated
 * event and audit row, and the agent state (GET /v1/agent/state → lifecycle).
 */
import { randomUUID } from "node:crypto";
import { and, eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { auditLogs, clusters, operations } from "../../../../../../drizzle/schema/index.ts";
import { DEFAULT_POOL_LIFECYCLE } from "../../../../../../proto/pool-lifecycle.ts";
import { startTestApi, type TestApi } from "../../../../../support/api.ts";
import { seedCluster } from "../../../../../support/fixtures.ts";
import { requirePostgres } from "../../../../../support/postgres.ts";

const ok = await requirePostgres();

const CUSTOM = {
  joinTimeoutSeconds: 1200,
  registrationTimeoutSeconds: 120,
  resetTimeoutSeconds: 300,
  maxConcurrentJoins: 3,
  maxConcurrentRemovals: 2,
  kubeadmConfigVersion: "v1beta4",
  healthProbeIntervalSeconds: 30,
  healthFailureThreshold: 5,
  autoRepair: true,
  zombieAction: "remove",
} as const;

interface Issue {
  path: string;
  message: string;
}

describe.skipIf(!ok)("pool lifecycle settings", () => {
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

  it("a new pool gets the defaults; a partial object on create is merged over them", async () => {
    const plain = await create({});
    expect(plain.status).toBe(201);
    expect(plain.body.lifecycleSettings).toEqual(DEFAULT_POOL_LIFECYCLE);
    expect((await get(plain.body.id)).body).toEqual(plain.body);

    const partial = await create({
      lifecycleSettings: { maxConcurrentJoins: 4, kubeadmConfigVersion: "v1beta3" },
    });
    expect(partial.status).toBe(201);
    expect(partial.body.lifecycleSettings).toEqual({
      ...DEFAULT_POOL_LIFECYCLE,
      maxConcurrentJoins: 4,
      kubeadmConfigVersion: "v1beta3",
    });

    const full = await create({ lifecycleSettings: CUSTOM });
    expect(full.body.lifecycleSettings).toEqual(CUSTOM);
    expect((await get(full.body.id)).body.lifecycleSettings).toEqual(CUSTOM);

    // the bounds themselves are accepted
    const edges = await create({
      lifecycleSettings: {
        joinTimeoutSeconds: 10,
        registrationTimeoutSeconds: 86_400,
        maxConcurrentJoins: 1,
        maxConcurrentRemovals: 1000,
        healthProbeIntervalSeconds: 1,
        healthFailureThreshold: 100,
      },
    });
    expect(edges.status).toBe(201);
    expect(edges.body.lifecycleSettings).toMatchObject({
      joinTimeoutSeconds: 10,
      maxConcurrentRemovals: 1000,
      healthProbeIntervalSeconds: 1,
      healthFailureThreshold: 100,
    });
  });

  it("PATCH merges key by key, keeps the rest, null resets the kubeadm version; events and audit say so", async () => {
    const { body: pool } = await create({ lifecycleSettings: { kubeadmConfigVersion: "v1beta4" } });
    const v0 = await stateVersion();

    const first = await patch(pool.id, { lifecycleSettings: { joinTimeoutSeconds: 1800 } });
    expect(first.status).toBe(200);
    expect(first.body.lifecycleSettings).toEqual({
      ...DEFAULT_POOL_LIFECYCLE,
      joinTimeoutSeconds: 1800,
      kubeadmConfigVersion: "v1beta4",
    });
    expect(await stateVersion()).toBe(v0 + 1);

    const second = await patch(pool.id, {
      lifecycleSettings: { maxConcurrentRemovals: 1, kubeadmConfigVersion: null },
      drainSettings: { force: true },
    });
    expect(second.status).toBe(200);
    expect(second.body.lifecycleSettings).toEqual({
      ...DEFAULT_POOL_LIFECYCLE,
      joinTimeoutSeconds: 1800,
      maxConcurrentRemovals: 1,
    });
    expect((await get(pool.id)).body.lifecycleSettings).toEqual(second.body.lifecycleSettings);

    // other changes keep the settings; the same values again change nothing
    expect((await patch(pool.id, { maxSize: 5 })).body.lifecycleSettings).toEqual(
      second.body.lifecycleSettings,
    );
    const v3 = await stateVersion();
    expect((await patch(pool.id, { lifecycleSettings: { maxConcurrentRemovals: 1 } })).status).toBe(200);
    expect(await stateVersion()).toBe(v3);

    const events = await api.database.db.select().from(operations).where(eq(operations.poolId, pool.id));
    const changed = events.filter((e) => e.kind === "pool.updated").map((e) => e.metadata.changed);
    expect(changed).toEqual([["lifecycleSettings"], ["drainSettings", "lifecycleSettings"], ["maxSize"]]);

    const audits = await api.database.db
      .select()
      .from(auditLogs)
      .where(and(eq(auditLogs.action, "pool.update"), eq(auditLogs.resourceId, pool.id)));
    expect(audits.map((a) => a.changes.lifecycleSettings)).toEqual(
      expect.arrayContaining([
        { joinTimeoutSeconds: 1800 },
        { maxConcurrentRemovals: 1, kubeadmConfigVersion: null },
      ]),
    );
  });

  it.each([
    [{ joinTimeoutSeconds: 9 }, "joinTimeoutSeconds", ">=10"],
    [{ joinTimeoutSeconds: 86_401 }, "joinTimeoutSeconds", "<=86400"],
    [{ registrationTimeoutSeconds: 0 }, "registrationTimeoutSeconds", ">=10"],
    [{ resetTimeoutSeconds: 90_000 }, "resetTimeoutSeconds", "<=86400"],
    [{ resetTimeoutSeconds: 60.5 }, "resetTimeoutSeconds", "expected int"],
    [{ joinTimeoutSeconds: "900" }, "joinTimeoutSeconds", "number"],
    [{ maxConcurrentJoins: 0 }, "maxConcurrentJoins", ">=1"],
    [{ maxConcurrentJoins: 1001 }, "maxConcurrentJoins", "<=1000"],
    [{ maxConcurrentRemovals: -1 }, "maxConcurrentRemovals", ">=1"],
    [{ kubeadmConfigVersion: "v1beta2" }, "kubeadmConfigVersion", "v1beta3"],
    [{ kubeadmConfigVersion: 4 }, "kubeadmConfigVersion", "v1beta4"],
    [{ healthProbeIntervalSeconds: 0 }, "healthProbeIntervalSeconds", ">=1"],
    [{ healthProbeIntervalSeconds: 1.5 }, "healthProbeIntervalSeconds", "expected int"],
    [{ healthFailureThreshold: 101 }, "healthFailureThreshold", "<=100"],
    [{ autoRepair: "yes" }, "autoRepair", "boolean"],
    [{ zombieAction: "delete" }, "zombieAction", "cordon"],
    [{ drainTimeoutSeconds: 60 }, "lifecycleSettings", "drainTimeoutSeconds"],
  ])("refuses %j with a validation envelope naming the field", async (settings, field, words) => {
    const { body: pool } = await create({});
    const input = { lifecycleSettings: settings };
    for (const res of [await create(input), await patch(pool.id, input)]) {
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe("validation_failed");
      expect(res.body.error.requestId).toBeTruthy();
      const issues: Issue[] = res.body.error.details.issues;
      expect(issues, "one issue, the one at fault").toHaveLength(1);
      expect(`${issues[0]!.path}: ${issues[0]!.message}`).toContain(field);
      expect(`${issues[0]!.path}: ${issues[0]!.message}`).toContain(words);
    }
    expect((await get(pool.id)).body.lifecycleSettings).toEqual(DEFAULT_POOL_LIFECYCLE);
  });

  it.each([[null], [[]], ["fast"], [900]])("refuses lifecycleSettings %j as a whole", async (value) => {
    const { body: pool } = await create({});
    for (const res of [
      await create({ lifecycleSettings: value }),
      await patch(pool.id, { lifecycleSettings: value }),
    ]) {
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe("validation_failed");
      expect(JSON.stringify(res.body.error.details.issues)).toContain("lifecycleSettings");
    }
  });

  it("Postgres refuses settings that are not an object", async () => {
    const { body: pool } = await create({});
    const refused = (value: string) =>
      api.database.db
        .execute(sql`update node_pools set lifecycle_settings = ${value}::jsonb where id = ${pool.id}`)
        .then(() => null)
        .catch((err: { cause?: { code?: string }; code?: string }) => err.cause?.code ?? err.code);
    expect(await refused("[]")).toBe("23514");
    expect(await refused("null")).toBe("23514");
    expect(await refused(JSON.stringify(CUSTOM))).toBe(null);
  });

  it("a pool stored before the health settings existed reads them as defaults, in the API and the agent state", async () => {
    const cluster = await seedCluster(api.database.db);
    const path = `/v1/clusters/${cluster.id}/pools`;
    const old = await api.json("POST", path, { token: api.admin, body: { name: "old" } });
    const {
      healthProbeIntervalSeconds: _i,
      healthFailureThreshold: _t,
      autoRepair: _a,
      zombieAction: _z,
      ...before
    } = DEFAULT_POOL_LIFECYCLE;
    await api.database.db.execute(
      sql`update node_pools set lifecycle_settings = ${JSON.stringify(before)}::jsonb where id = ${old.body.id}`,
    );
    const credential = await api.agentCredentialFor(cluster.id);
    const state = await api.json("GET", "/v1/agent/state", { token: credential });
    expect(state.status).toBe(200);
    // the control plane fills in the defaults, and so would the agent's parse of an older one's state
    // (imported late: agent-api.ts's schemas must be built after the routes extended zod, see pool-lifecycle.ts)
    expect(state.body.pools.find((p: { name: string }) => p.name === "old").lifecycle).toEqual(
      DEFAULT_POOL_LIFECYCLE,
    );
    const { AgentStateSchema } = await import("../../../../../../proto/agent-api.ts");
    const wire = structuredClone(state.body);
    wire.pools.find((p: { name: string }) => p.name === "old").lifecycle = before;
    const pool = AgentStateSchema.parse(wire).pools.find((p) => p.name === "old");
    expect(pool?.lifecycle).toEqual(DEFAULT_POOL_LIFECYCLE);
    // the pool API shows them too, and a change of one setting keeps the others
    const shown = await api.json("GET", `${path}/${old.body.id}`, { token: api.admin });
    expect(shown.body.lifecycleSettings).toEqual(DEFAULT_POOL_LIFECYCLE);
    const patched = await api.json("PATCH", `${path}/${old.body.id}`, {
      token: api.admin,
      body: { lifecycleSettings: { autoRepair: true } },
    });
    expect(patched.status).toBe(200);
    expect(patched.body.lifecycleSettings).toEqual({ ...DEFAULT_POOL_LIFECYCLE, autoRepair: true });
  });

  it("the agent state carries each pool's lifecycle, and a change moves the ETag", async () => {
    const cluster = await seedCluster(api.database.db);
    const path = `/v1/clusters/${cluster.id}/pools`;
    const tuned = await api.json("POST", path, {
      token: api.admin,
      body: { name: "tuned", lifecycleSettings: CUSTOM },
    });
    const plain = await api.json("POST", path, { token: api.admin, body: { name: "plain" } });
    const credential = await api.agentCredentialFor(cluster.id);

    const state = await api.json("GET", "/v1/agent/state", { token: credential });
    expect(state.status).toBe(200);
    const byName = (body: { pools: { name: string }[] }, n: string) => body.pools.find((p) => p.name === n);
    expect(byName(state.body, "tuned")).toMatchObject({ id: tuned.body.id, lifecycle: CUSTOM });
    expect(byName(state.body, "plain")).toMatchObject({
      id: plain.body.id,
      lifecycle: DEFAULT_POOL_LIFECYCLE,
    });

    const etag = state.res.headers.get("etag")!;
    await api.json("PATCH", `${path}/${tuned.body.id}`, {
      token: api.admin,
      body: { lifecycleSettings: { maxConcurrentJoins: 7 } },
    });
    const after = await api.json("GET", "/v1/agent/state", {
      token: credential,
      headers: { "if-none-match": etag },
    });
    expect(after.status).toBe(200);
    expect(byName(after.body, "tuned")).toMatchObject({ lifecycle: { ...CUSTOM, maxConcurrentJoins: 7 } });
  });

  it("documents every field in /openapi.json with its bounds and default", async () => {
    const doc = (await (await api.call("GET", "/openapi.json")).json()) as {
      components: { schemas: Record<string, Record<string, unknown>> };
    };
    const schemas = doc.components.schemas;
    const settings = schemas.PoolLifecycleSettings as {
      description?: string;
      properties: Record<string, { description?: string }>;
      required?: string[];
    };
    expect(Object.keys(settings.properties).sort()).toEqual(Object.keys(DEFAULT_POOL_LIFECYCLE).sort());
    expect(settings.required?.sort()).toEqual(Object.keys(DEFAULT_POOL_LIFECYCLE).sort());
    for (const [key, property] of Object.entries(settings.properties)) {
      const value = DEFAULT_POOL_LIFECYCLE[key as keyof typeof DEFAULT_POOL_LIFECYCLE];
      expect(property.description, key).toContain(value === null ? "null (the default)" : `default ${value}`);
    }
    const patchSchema = schemas.PoolLifecycleSettingsPatch as {
      additionalProperties?: boolean;
      required?: string[];
    };
    expect(patchSchema.additionalProperties).toBe(false);
    expect(patchSchema.required ?? []).toEqual([]);
    expect(JSON.stringify(schemas.Pool)).toContain("#/components/schemas/PoolLifecycleSettings");
    for (const body of ["CreatePoolRequest", "UpdatePoolRequest"]) {
      expect(JSON.stringify(schemas[body])).toContain("#/components/schemas/PoolLifecycleSettingsPatch");
    }
  });
});
