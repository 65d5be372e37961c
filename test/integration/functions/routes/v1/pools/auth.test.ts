/**
 * Who may do what to pools: viewers read but never change, a token scoped to
 * another cluster is told "not found", agent credentials are refused; and bad
 * input of every kind is a 4xx envelope, never a 500.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { NodePool } from "../../../../../../drizzle/schema/index.ts";
import { startTestApi, type TestApi } from "../../../../../support/api.ts";
import { seedCluster, seedPool } from "../../../../../support/fixtures.ts";
import { requirePostgres } from "../../../../../support/postgres.ts";

const ok = await requirePostgres();

describe.skipIf(!ok)("pool routes: roles, scopes and bad input", () => {
  let api: TestApi;
  let clusterId: string;
  let pool: NodePool;
  let base: string;
  beforeAll(async () => {
    api = await startTestApi();
    clusterId = (await seedCluster(api.database.db)).id;
    pool = await seedPool(api.database.db, clusterId, { maxSize: 5 });
    base = `/v1/clusters/${clusterId}/pools`;
  });
  afterAll(() => api?.close());

  const reads = () => [
    ["GET", base],
    ["GET", `${base}/${pool.id}`],
    ["GET", `${base}/${pool.id}/status`],
  ];
  const writes = (): [string, string, unknown?][] => [
    ["POST", base, { name: `p-${randomUUID().slice(0, 8)}` }],
    ["PATCH", `${base}/${pool.id}`, { maxSize: 6 }],
    ["POST", `${base}/${pool.id}/disable`],
    ["POST", `${base}/${pool.id}/enable`],
    ["DELETE", `${base}/${pool.id}`],
  ];

  it("a viewer reads pools but cannot change them (403, nothing changed)", async () => {
    const viewer = await api.tokenFor("viewer");
    for (const [method, path] of reads()) {
      expect((await api.json(method!, path!, { token: viewer })).status, `${method} ${path}`).toBe(200);
    }
    for (const [method, path, body] of writes()) {
      const res = await api.json(method, path, { token: viewer, body });
      expect(res.status, `${method} ${path}`).toBe(403);
      expect(res.body.error.code).toBe("forbidden");
    }
    const after = await api.json("GET", `${base}/${pool.id}`, { token: viewer });
    expect(after.body).toMatchObject({ maxSize: 5, autoscalingEnabled: true });
  });

  it("a viewer sees that a hook script is set, not its text; an operator reads it", async () => {
    const script = "#!/bin/sh\nexport REGISTRY_TOKEN=s3cr3t-value\n";
    const hooked = await api.json("POST", base, {
      token: api.admin,
      body: { name: `hooks-${randomUUID().slice(0, 8)}`, preJoinHook: script },
    });
    expect(hooked.status).toBe(201);
    const viewer = await api.tokenFor("viewer");
    const one = await api.json("GET", `${base}/${hooked.body.id}`, { token: viewer });
    const listed = (await api.json("GET", `${base}?limit=100`, { token: viewer })).body.items.find(
      (p: { id: string }) => p.id === hooked.body.id,
    );
    for (const shown of [one.body, listed]) {
      expect(shown.preJoinHook).toBe(`[redacted: ${Buffer.byteLength(script)} bytes; operators can read it]`);
      expect(shown.postJoinHook).toBeNull();
      expect(JSON.stringify(shown)).not.toContain("s3cr3t-value");
    }
    const operator = await api.tokenFor("operator");
    expect((await api.json("GET", `${base}/${hooked.body.id}`, { token: operator })).body.preJoinHook).toBe(
      script,
    );
  });

  it("a token scoped to another cluster sees 404 on every pool route; one scoped to this cluster works", async () => {
    const other = await seedCluster(api.database.db);
    const foreign = await api.tokenFor("admin", other.id);
    for (const [method, path, body] of [...reads(), ...writes()]) {
      const res = await api.json(method!, path as string, { token: foreign, body });
      expect(res.status, `${method} ${path}`).toBe(404);
      expect(res.body.error.code).toBe("not_found");
    }
    const own = await api.tokenFor("operator", clusterId);
    expect(
      (await api.json("PATCH", `${base}/${pool.id}`, { token: own, body: { description: "x" } })).status,
    ).toBe(200);
  });

  it("a pool is only found under its own cluster", async () => {
    const other = await seedCluster(api.database.db);
    const res = await api.json("GET", `/v1/clusters/${other.id}/pools/${pool.id}`, { token: api.admin });
    expect(res.status).toBe(404);
  });

  it("refuses agent credentials and missing tokens", async () => {
    const agent = await api.agentCredentialFor(clusterId);
    expect((await api.json("GET", base, { token: agent })).status).toBe(403);
    expect((await api.json("GET", base)).status).toBe(401);
  });

  it("answers bad input with a 4xx envelope", async () => {
    const HUGE = "x".repeat(100_000);
    const cases: [string, string, unknown?][] = [
      ["GET", `/v1/clusters/not-a-uuid/pools`],
      ["GET", `${base}/not-a-uuid`],
      ["GET", `${base}/${"x".repeat(5000)}/status`],
      ["GET", `${base}?limit=0`],
      ["GET", `${base}?limit=abc`],
      ["GET", `${base}?q=${HUGE.slice(0, 300)}`],
      ["GET", `${base}?q=%00`],
      ["POST", base, {}],
      ["POST", base, { name: "Not_DNS" }],
      ["POST", base, { name: HUGE }],
      ["POST", base, { name: "ok", maxSize: "10" }],
      ["POST", base, { name: "ok", maxSize: 10_001 }],
      ["POST", base, { name: "ok", minSize: -1 }],
      ["POST", base, { name: "ok", minSize: 1.5 }],
      ["POST", base, { name: "ok", capacityMemoryBytes: 1e300 }],
      ["POST", base, { name: "ok", scaleUpPolicy: "cheapest" }],
      ["POST", base, { name: "ok", scaleDownPolicy: "random" }],
      ["POST", base, { name: "ok", unknownField: 1 }],
      ["POST", base, { name: "ok", description: HUGE }],
      ["POST", base, { name: "ok", description: "a\u0000b" }],
      ["POST", base, { name: "ok", drainSettings: { timeoutSeconds: 10, extra: true } }],
      ["POST", base, { name: "ok", hardwareRequirements: { minCpu: 4 } }],
      ["POST", base, { name: "ok", hardwareRequirements: { regions: Array(1000).fill("r") } }],
      ["POST", base, { name: "ok", templateLabels: { "bad key!": "v" } }],
      ["POST", base, { name: "ok", templateTaints: [{ key: "k", effect: "Sometimes" }] }],
      ["POST", base, { name: "ok", templateTaints: [{ key: "bad\u0000key", effect: "NoSchedule" }] }],
      ["POST", base, { name: "ok", templateTaints: [{ key: "k", effect: "NoSchedule", extra: 1 }] }],
      ["POST", base, { name: "ok", templateTaints: Array(1000).fill({ key: "k", effect: "NoSchedule" }) }],
      ["POST", base, { name: "ok", gpuType: "" }],
      ["PATCH", `${base}/${pool.id}`, { id: randomUUID() }],
      ["PATCH", `${base}/${pool.id}`, { clusterId: randomUUID() }],
      ["PATCH", `${base}/${pool.id}`, { autoscalingEnabled: "yes" }],
      ["PATCH", `${base}/${pool.id}`, []],
      ["PATCH", `${base}/${"0".repeat(8)}-0000-0000-0000-00000000000g`, { maxSize: 3 }],
    ];
    const failures: string[] = [];
    for (const [method, path, body] of cases) {
      const res = await api.json(method, path, { token: api.admin, body });
      const envelope = res.body?.error;
      if (
        res.status < 400 ||
        res.status >= 500 ||
        !envelope?.code ||
        !envelope.message ||
        !envelope.requestId
      ) {
        failures.push(`${res.status} ${method} ${path.slice(0, 80)} ${JSON.stringify(body)?.slice(0, 80)}`);
      }
    }
    expect(failures).toEqual([]);
    const broken = await api.call("POST", base, {
      token: api.admin,
      text: '{"name":',
      contentType: "application/json",
    });
    expect(broken.status).toBe(400);
  });
});
