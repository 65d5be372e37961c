/**
 * POST/GET/PATCH /v1/clusters/{id}/pools: defaults, validation of the whole
 * (merged) pool, duplicate names, pagination and search, state version bumps
 * published to the cache, and audit rows that do not copy hook scripts.
 */
import { randomUUID } from "node:crypto";
import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  auditLogs,
  clusters,
  DEFAULT_DRAIN_SETTINGS,
  operations,
} from "../../../../../../drizzle/schema/index.ts";
import { stateVersionCacheKey } from "../../../../../../functions/services/clusters/state-version.ts";
import { startTestApi, type TestApi } from "../../../../../support/api.ts";
import { seedCluster } from "../../../../../support/fixtures.ts";
import { requirePostgres } from "../../../../../support/postgres.ts";

const ok = await requirePostgres();
const GiB = 2 ** 30;

describe.skipIf(!ok)("creating, reading and changing pools", () => {
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
  const create = (body: Record<string, unknown>, token = api.admin, path = base) =>
    api.json("POST", path, { token, body });
  const patch = (poolId: string, body: unknown) =>
    api.json("PATCH", `${base}/${poolId}`, { token: api.admin, body });
  const stateVersion = async () =>
    (await api.database.db.select().from(clusters).where(eq(clusters.id, clusterId)))[0]!.stateVersion;

  it("creates a pool with the table's defaults; allocatable defaults to the capacity given", async () => {
    const { status, body } = await create({
      name: "gpu-a100",
      description: "training",
      minSize: 1,
      maxSize: 8,
      templateLabels: { "ksp.io/pool": "gpu-a100" },
      templateTaints: [{ key: "nvidia.com/gpu", value: "true", effect: "NoSchedule" }],
      capacityCpuMillis: 64_000,
      capacityMemoryBytes: 512 * GiB,
      allocatableMemoryBytes: 500 * GiB,
      gpuCount: 8,
      gpuType: "nvidia-a100",
      hardwareRequirements: { minGpuCount: 8, gpuType: "nvidia-a100", regions: ["eu-central"] },
      scaleUpPolicy: "most-available",
      drainSettings: { timeoutSeconds: 120 },
      prepareHosts: true,
      preJoinHook: "#!/bin/sh\nmodprobe nvidia\n",
    });
    expect(status).toBe(201);
    expect(body).toMatchObject({
      clusterId,
      name: "gpu-a100",
      minSize: 1,
      maxSize: 8,
      autoscalingEnabled: true,
      capacityCpuMillis: 64_000,
      allocatableCpuMillis: 64_000,
      capacityMemoryBytes: 512 * GiB,
      allocatableMemoryBytes: 500 * GiB,
      capacityPods: 110,
      allocatablePods: 110,
      scaleUpPolicy: "most-available",
      scaleDownPolicy: "least-used",
      drainSettings: { ...DEFAULT_DRAIN_SETTINGS, timeoutSeconds: 120 },
      preJoinHook: "#!/bin/sh\nmodprobe nvidia\n",
      postJoinHook: null,
      scaleDownCooldownSeconds: 600,
    });
    expect(new Date(body.createdAt).toISOString()).toBe(body.createdAt);

    const got = await api.json("GET", `${base}/${body.id}`, { token: api.admin });
    expect(got.status).toBe(200);
    expect(got.body).toEqual(body);

    const [event] = await api.database.db.select().from(operations).where(eq(operations.poolId, body.id));
    expect(event).toMatchObject({ kind: "pool.created", clusterId, metadata: { name: "gpu-a100" } });
  });

  it("refuses a second pool with the same name in the cluster (409) but allows it in another cluster", async () => {
    const n = name();
    expect((await create({ name: n })).status).toBe(201);
    const dup = await create({ name: n });
    expect(dup.status).toBe(409);
    expect(dup.body.error).toMatchObject({ code: "conflict", details: { name: n } });
    const other = await seedCluster(api.database.db);
    expect((await create({ name: n }, api.admin, `/v1/clusters/${other.id}/pools`)).status).toBe(201);
  });

  it("refuses min > max and allocatable > capacity with a validation envelope naming the fields", async () => {
    const sizes = await create({ name: name(), minSize: 5, maxSize: 2 });
    expect(sizes.status).toBe(400);
    expect(sizes.body.error.code).toBe("validation_failed");
    expect(sizes.body.error.details.violations).toEqual([expect.objectContaining({ field: "minSize" })]);

    const resources = await create({
      name: name(),
      capacityCpuMillis: 1000,
      allocatableCpuMillis: 2000,
      capacityPods: 10,
      allocatablePods: 11,
    });
    expect(resources.status).toBe(400);
    expect(resources.body.error.details.violations.map((v: { field: string }) => v.field)).toEqual([
      "allocatableCpuMillis",
      "allocatablePods",
    ]);
    // giving allocatable without capacity compares against the default capacity (0)
    expect((await create({ name: name(), allocatableMemoryBytes: 1 })).status).toBe(400);
  });

  it("validates the MERGED pool on PATCH, merges drain settings key by key and replaces the rest", async () => {
    const created = await create({ name: name(), minSize: 1, maxSize: 4, drainSettings: { force: true } });
    const id = created.body.id;

    const tooSmall = await patch(id, { maxSize: 0 });
    expect(tooSmall.status).toBe(400);
    expect(tooSmall.body.error.message).toContain("minSize (1) must not exceed maxSize (0)");
    expect((await patch(id, { capacityPods: 50 })).status).toBe(400); // allocatablePods stays 110

    const changed = await patch(id, {
      minSize: 0,
      maxSize: 0,
      drainSettings: { gracePeriodSeconds: 5 },
      hardwareRequirements: { minCpuCores: 4 },
      gpuType: null,
      preJoinHook: null,
    });
    expect(changed.status).toBe(200);
    expect(changed.body).toMatchObject({
      minSize: 0,
      maxSize: 0,
      drainSettings: { ...DEFAULT_DRAIN_SETTINGS, force: true, gracePeriodSeconds: 5 },
      hardwareRequirements: { minCpuCores: 4 },
    });
    expect(new Date(changed.body.updatedAt).getTime()).toBeGreaterThanOrEqual(
      new Date(created.body.updatedAt).getTime(),
    );
  });

  it("renaming onto an existing name is a 409; an empty PATCH is a 400", async () => {
    const a = await create({ name: name() });
    const b = await create({ name: name() });
    const clash = await patch(b.body.id, { name: a.body.name });
    expect(clash.status).toBe(409);
    expect(clash.body.error.message).toContain(a.body.name);
    expect((await patch(b.body.id, {})).status).toBe(400);
  });

  it("bumps the cluster's state version on every change, publishes it, and not on a no-op", async () => {
    const v0 = await stateVersion();
    const created = await create({ name: name(), maxSize: 3 });
    const v1 = await stateVersion();
    expect(v1).toBe(v0 + 1);
    expect(await api.deps.coordination.cacheGet(stateVersionCacheKey(clusterId))).toBe(v1);

    expect((await patch(created.body.id, { maxSize: 4 })).status).toBe(200);
    expect(await stateVersion()).toBe(v1 + 1);
    expect(await api.deps.coordination.cacheGet(stateVersionCacheKey(clusterId))).toBe(v1 + 1);

    // the same values again (objects in another key order) change nothing
    await patch(created.body.id, { hardwareRequirements: { regions: ["a"], minCpuCores: 2 } });
    const v3 = await stateVersion();
    const noop = await patch(created.body.id, {
      maxSize: 4,
      hardwareRequirements: { minCpuCores: 2, regions: ["a"] },
    });
    expect(noop.status).toBe(200);
    expect(await stateVersion()).toBe(v3);

    // a refused change rolls back with its bump
    expect((await patch(created.body.id, { minSize: 9 })).status).toBe(400);
    expect(await stateVersion()).toBe(v3);
  });

  it("lists pools oldest first with keyset pagination and q over name and description", async () => {
    const cluster = await seedCluster(api.database.db);
    const path = `/v1/clusters/${cluster.id}/pools`;
    const names = ["alpha", "beta", "gamma", "delta", "under_score"];
    for (const n of names.slice(0, 4)) await create({ name: n, description: `pool ${n}` }, api.admin, path);
    await create({ name: "plain", description: "has under_score" }, api.admin, path);

    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const query: string = cursor ? `?limit=2&cursor=${cursor}` : "?limit=2";
      const page = await api.json("GET", `${path}${query}`, { token: api.admin });
      expect(page.status).toBe(200);
      expect(page.body.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.body.items.map((p: { name: string }) => p.name));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(seen).toEqual(["alpha", "beta", "gamma", "delta", "plain"]);

    const search = async (q: string) =>
      (await api.json("GET", `${path}?q=${encodeURIComponent(q)}`, { token: api.admin })).body.items.map(
        (p: { name: string }) => p.name,
      );
    expect(await search("ELT")).toEqual(["delta"]);
    expect(await search("pool g")).toEqual(["gamma"]);
    expect(await search("r_s")).toEqual(["plain"]); // `_` is literal, not a wildcard
    expect(await search("%")).toEqual([]);

    const badCursor = await api.json("GET", `${path}?cursor=nope`, { token: api.admin });
    expect(badCursor.status).toBe(400);
    expect(badCursor.body.error.code).toBe("validation_failed");
  });

  it("accepts hooks up to 64 KiB of UTF-8, refuses one byte more, and audits hooks by size only", async () => {
    const limit = 64 * 1024;
    const secret = "TOKEN=abc123;";
    const script = secret + "x".repeat(limit - secret.length);
    const created = await create({ name: name(), postJoinHook: script });
    expect(created.status).toBe(201);
    expect(created.body.postJoinHook).toBe(script);

    expect((await create({ name: name(), postJoinHook: `${script}x` })).status).toBe(400);
    // 3-byte characters: fewer characters than the limit, more bytes
    const wide = await create({ name: name(), preResetHook: "€".repeat(limit / 3 + 1) });
    expect(wide.status).toBe(400);
    expect((await create({ name: name(), preJoinHook: "echo \0" })).status).toBe(400);

    const [audit] = await api.database.db
      .select()
      .from(auditLogs)
      .where(and(eq(auditLogs.action, "pool.create"), eq(auditLogs.resourceId, created.body.id)));
    expect(audit?.result).toBe("success");
    expect(JSON.stringify(audit)).not.toContain(secret);
    expect(JSON.stringify(audit?.changes)).toContain(`<${limit} bytes>`);
  });

  it("a deleted cluster has no pools to create, list or read (404)", async () => {
    const cluster = await seedCluster(api.database.db);
    const path = `/v1/clusters/${cluster.id}/pools`;
    const pool = await create({ name: "doomed" }, api.admin, path);
    await api.database.db.update(clusters).set({ deletedAt: new Date() }).where(eq(clusters.id, cluster.id));
    expect((await create({ name: "late" }, api.admin, path)).status).toBe(404);
    expect((await api.json("GET", path, { token: api.admin })).status).toBe(404);
    expect((await api.json("GET", `${path}/${pool.body.id}`, { token: api.admin })).status).toBe(404);
    expect((await api.json("GET", `/v1/clusters/${randomUUID()}/pools`, { token: api.admin })).status).toBe(
      404,
    );
  });
});
