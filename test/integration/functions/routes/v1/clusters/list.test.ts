/**
 * GET /v1/clusters and /v1/clusters/{id}: health derived from heartbeats
 * against the policy thresholds, machine counts and capacity totals, the
 * Node counts, leader and resources the agent reports, pagination, free text, health and label filters, and cluster scoping.
 */
import { randomUUID } from "node:crypto";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { clusters } from "../../../../../../drizzle/schema/index.ts";
import { startTestApi, type TestApi } from "../../../../../support/api.ts";
import { seedCluster, seedMachines, seedPool } from "../../../../../support/fixtures.ts";
import { requirePostgres } from "../../../../../support/postgres.ts";

const ok = await requirePostgres();

const DEGRADED_MS = 60_000;
const OFFLINE_MS = 300_000;
const GiB = 2 ** 30;

describe.skipIf(!ok)("listing clusters", () => {
  let api: TestApi;
  // a unique word in every name seeded here, so q= isolates this file's clusters
  const tag = `t${randomUUID().slice(0, 8)}`;
  const ids: Record<"healthy" | "degraded" | "offline" | "unknown", string> = {
    healthy: "",
    degraded: "",
    offline: "",
    unknown: "",
  };

  beforeAll(async () => {
    api = await startTestApi({
      policy: { heartbeatDegradedMs: DEGRADED_MS, heartbeatOfflineMs: OFFLINE_MS },
    });
    const db = api.database.db;
    const now = Date.now();
    const beats = {
      healthy: new Date(now - 5_000),
      degraded: new Date(now - 2 * DEGRADED_MS),
      offline: new Date(now - 2 * OFFLINE_MS),
      unknown: null,
    };
    for (const [health, lastHeartbeatAt] of Object.entries(beats)) {
      const row = await seedCluster(db, {
        name: `${tag}-${health}`,
        description: `the ${health} one`,
        labels: { env: health === "healthy" ? "prod" : "dev", tier: health },
        lastHeartbeatAt,
      });
      ids[health as keyof typeof ids] = row.id;
    }
  });
  afterAll(() => api?.close());

  const list = async (query: string, token = api.admin) => {
    const { status, body } = await api.json("GET", `/v1/clusters?${query}`, { token });
    expect(status).toBe(200);
    return body as { items: { id: string; name: string; health: string }[]; nextCursor: string | null };
  };

  it("derives health from the last heartbeat and the policy thresholds", async () => {
    const { items } = await list(`q=${tag}`);
    const health = Object.fromEntries(items.map((c) => [c.id, c.health]));
    expect(health).toEqual({
      [ids.healthy]: "healthy",
      [ids.degraded]: "degraded",
      [ids.offline]: "offline",
      [ids.unknown]: "unknown",
    });
  });

  it("filters on derived health", async () => {
    for (const health of ["healthy", "degraded", "offline", "unknown"] as const) {
      const { items } = await list(`q=${tag}&status=${health}`);
      expect(items.map((c) => c.id)).toEqual([ids[health]]);
    }
  });

  it("counts machines per status and totals capacity of ready and of all assigned machines", async () => {
    const db = api.database.db;
    const cluster = await seedCluster(db, { name: `${tag}-counted` });
    const pool = await seedPool(db, cluster.id);
    const inCluster = { clusterId: cluster.id, poolId: pool.id };
    await seedMachines(db, 3, { ...inCluster, status: "ready", cpuCores: 16, memoryBytes: 64 * GiB });
    await seedMachines(db, 2, { ...inCluster, status: "joining", cpuCores: 8, memoryBytes: 32 * GiB });
    await seedMachines(db, 1, { ...inCluster, status: "fault", cpuCores: 4, memoryBytes: 8 * GiB });
    // free inventory and other clusters' machines do not count
    await seedMachines(db, 4, { status: "available" });
    await seedMachines(db, 2, { clusterId: ids.healthy, status: "ready" });

    const { status, body } = await api.json("GET", `/v1/clusters/${cluster.id}`, { token: api.admin });
    expect(status).toBe(200);
    expect(body.nodeCounts.total).toBe(6);
    expect(body.nodeCounts.byStatus).toMatchObject({
      ready: 3,
      joining: 2,
      fault: 1,
      available: 0,
      draining: 0,
    });
    expect(body.capacity.ready).toEqual({ machines: 3, cpuCores: 48, memoryBytes: 192 * GiB });
    expect(body.capacity.assigned).toEqual({ machines: 6, cpuCores: 68, memoryBytes: 264 * GiB });

    const { items } = await list(`q=${tag}`);
    const fromList = items.find((c) => c.id === cluster.id) as unknown as typeof body;
    expect(fromList.nodeCounts).toEqual(body.nodeCounts);
    expect(fromList.capacity).toEqual(body.capacity);
    expect((items.find((c) => c.id === ids.healthy) as unknown as typeof body).nodeCounts.total).toBe(2);
    await db.update(clusters).set({ deletedAt: new Date() }).where(eq(clusters.id, cluster.id));
  });

  it("shows the Node counts and leader of the last heartbeat and the latest whole-cluster snapshot", async () => {
    const db = api.database.db;
    const cluster = await seedCluster(db, { name: `${tag}-reported` });
    const pool = await seedPool(db, cluster.id);
    const credential = await api.agentCredentialFor(cluster.id);
    const get = async () => (await api.json("GET", `/v1/clusters/${cluster.id}`, { token: api.admin })).body;
    expect(await get()).toMatchObject({ nodes: null, leader: null, resources: null });

    const beat = (total: number, ready: number) =>
      api.json("POST", "/v1/agent/heartbeat", {
        token: credential,
        body: {
          agentVersion: "0.2.0",
          kubernetesVersion: "v1.32.0",
          nodeCounts: { total, ready },
          leader: { identity: "agent-1", since: "2026-03-01T10:00:00+02:00" },
        },
      });
    expect((await beat(3, 2)).status).toBe(200);
    const second = await beat(5, 4);
    expect(second.status).toBe(200);
    const figures = (n: number) => ({
      nodeCount: n,
      capacity: { cpuMillis: 4000 * n, memoryBytes: 16 * GiB * n },
      allocatable: { cpuMillis: 3900 * n, memoryBytes: 15 * GiB * n },
      requested: { cpuMillis: 1500 * n, memoryBytes: 2 * GiB * n },
      usage: { cpuMillis: 700 * n, memoryBytes: GiB * n },
    });
    const push = (capturedAt: string, body: Record<string, unknown>) =>
      api.json("POST", "/v1/agent/snapshots", { token: credential, body: { capturedAt, ...body } });
    // the newest whole-cluster row wins; a newer pool-only push does not replace it
    expect((await push("2026-03-01T12:00:00.000Z", { pools: [], cluster: figures(3) })).status).toBe(201);
    expect((await push("2026-03-01T12:05:00.000Z", { pools: [], cluster: figures(5) })).status).toBe(201);
    expect(
      (await push("2026-03-01T12:10:00.000Z", { pools: [{ poolId: pool.id, ...figures(1) }] })).status,
    ).toBe(201);

    const body = await get();
    expect(body.nodes).toEqual({ total: 5, ready: 4, reportedAt: second.body.receivedAt });
    expect(body.leader).toEqual({ identity: "agent-1", since: "2026-03-01T08:00:00.000Z" });
    expect(body.resources).toEqual({ capturedAt: "2026-03-01T12:05:00.000Z", ...figures(5) });
    // machine counts stay what the control plane assigned (none here)
    expect(body.nodeCounts.total).toBe(0);

    const { items } = await list(`q=${tag}`);
    const fromList = items.find((c) => c.id === cluster.id) as unknown as typeof body;
    expect(fromList).toMatchObject({ nodes: body.nodes, leader: body.leader, resources: body.resources });
    for (const id of Object.values(ids)) {
      expect(items.find((c) => c.id === id)).toMatchObject({ nodes: null, leader: null, resources: null });
    }
    await db.update(clusters).set({ deletedAt: new Date() }).where(eq(clusters.id, cluster.id));
  });

  it("pages through results in creation order without repeats or gaps", async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page = await list(`q=${tag}&limit=3${cursor ? `&cursor=${cursor}` : ""}`);
      expect(page.items.length).toBeLessThanOrEqual(3);
      seen.push(...page.items.map((c) => c.id));
      cursor = page.nextCursor;
      pages++;
    } while (cursor && pages < 10);
    expect(pages).toBe(2);
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen).toEqual([ids.healthy, ids.degraded, ids.offline, ids.unknown]);
  });

  it("matches q against name and description case-insensitively, with % and _ taken literally", async () => {
    const db = api.database.db;
    // untagged, so the label and paging tests below never see it
    const special = await seedCluster(db, { name: `s-${randomUUID().slice(0, 8)}`, description: "50%_OFF" });
    expect((await list(`q=${tag.toUpperCase()}-DEGRADED`)).items.map((c) => c.id)).toEqual([ids.degraded]);
    expect((await list(`q=the%20offline`)).items.map((c) => c.id)).toEqual([ids.offline]);
    expect((await list(`q=${encodeURIComponent("0%_o")}`)).items.map((c) => c.id)).toEqual([special.id]);
    // without escaping, "%" and "_" would match every description of this file
    expect((await list(`q=${encodeURIComponent("e%o")}`)).items).toEqual([]);
    expect((await list(`q=${encodeURIComponent("th_")}`)).items).toEqual([]);
    await db.update(clusters).set({ deletedAt: new Date() }).where(eq(clusters.id, special.id));
  });

  it("filters with a Kubernetes label selector", async () => {
    const ofSelector = async (selector: string) =>
      (await list(`q=${tag}&labelSelector=${encodeURIComponent(selector)}`)).items.map((c) => c.id).sort();
    expect(await ofSelector("env=prod")).toEqual([ids.healthy]);
    expect(await ofSelector("env!=prod")).toEqual([ids.degraded, ids.offline, ids.unknown].sort());
    expect(await ofSelector("tier in (offline, unknown)")).toEqual([ids.offline, ids.unknown].sort());
    expect(await ofSelector("env=dev,tier notin (offline)")).toEqual([ids.degraded, ids.unknown].sort());
    expect(await ofSelector("tier")).toHaveLength(4);
    expect(await ofSelector("!tier")).toEqual([]);
    for (const selector of ["a b c", "env in (a,b", "=prod", "env=,", "env=bad value", "bad key=x", "!"]) {
      const bad = await api.json("GET", `/v1/clusters?labelSelector=${encodeURIComponent(selector)}`, {
        token: api.admin,
      });
      expect(bad.status, selector).toBe(400);
      expect(bad.body.error.code).toBe("validation_failed");
    }
  });

  it("shows a cluster-scoped token only its cluster, and 404 for the others", async () => {
    const scoped = await api.tokenFor("viewer", ids.degraded);
    expect((await list("limit=500", scoped)).items.map((c) => c.id)).toEqual([ids.degraded]);
    expect((await api.json("GET", `/v1/clusters/${ids.degraded}`, { token: scoped })).status).toBe(200);
    const other = await api.json("GET", `/v1/clusters/${ids.healthy}`, { token: scoped });
    expect(other.status).toBe(404);
    expect(other.body.error.code).toBe("not_found");
  });

  it("answers 404 for unknown ids, 400 for bad ids, limits, statuses and cursors", async () => {
    const token = api.admin;
    const unknown = await api.json("GET", `/v1/clusters/${randomUUID()}`, { token });
    expect(unknown.status).toBe(404);
    for (const path of [
      `/v1/clusters/${"x".repeat(64)}`, // longer than any cluster name
      "/v1/clusters?limit=0",
      "/v1/clusters?limit=501",
      "/v1/clusters?status=sleepy",
      "/v1/clusters?cursor=garbage",
      `/v1/clusters?cursor=${Buffer.from('{"at":"x","id":"y"}').toString("base64url")}`,
      `/v1/clusters?q=${"x".repeat(201)}`,
    ]) {
      const res = await api.json("GET", path, { token });
      expect(res.status, path).toBe(400);
      expect(res.body.error.code, path).toBe("validation_failed");
      expect(res.body.error.requestId, path).toBeTruthy();
    }
  });

  it("never shows hashes of registration tokens or agent credentials", async () => {
    await api.agentCredentialFor(ids.healthy);
    const { body } = await api.json("GET", `/v1/clusters/${ids.healthy}`, { token: api.admin });
    expect(Object.keys(body).filter((k) => /hash|credential|token/i.test(k))).toEqual([]);
  });
});
