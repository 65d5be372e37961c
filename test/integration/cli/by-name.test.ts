/**
 * `ksp` against the real control plane over HTTP (Postgres): a cluster, a
 * pool and machines created through the API, then read and changed through
 * the CLI by name (cluster name, cluster/pool, host name), and a host name
 * two machines share answered as a 409 listing both.
 */
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../../../cli/run.ts";
import { startTestApi, type TestApi } from "../../support/api.ts";
import { testDeps } from "../../support/cli/deps.ts";
import { requirePostgres } from "../../support/postgres.ts";

const ok = await requirePostgres();

describe.skipIf(!ok)("ksp addresses clusters, pools and machines by name", () => {
  let api: TestApi;
  let server: Server;
  let url: string;
  let clusterId: string;
  let poolId: string;
  let machineId: string;

  async function ksp(...argv: string[]) {
    const deps = testDeps({ KSP_URL: url, KSP_TOKEN: api.admin }, globalThis.fetch);
    const code = await runCli(argv, deps);
    return { code, ...deps.out() };
  }

  async function created(path: string, body: unknown) {
    const res = await api.json("POST", path, { token: api.admin, body });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return res.body;
  }

  beforeAll(async () => {
    api = await startTestApi();
    server = await new Promise<Server>((resolve) => {
      const s = serve({ fetch: api.app.fetch, port: 0, hostname: "127.0.0.1" }, () => resolve(s as Server));
    });
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    // POST /v1/clusters answers the cluster with its one-time registration token
    clusterId = (await created("/v1/clusters", { name: "by-name-demo", description: "before" })).cluster.id;
    poolId = (await created(`/v1/clusters/${clusterId}/pools`, { name: "workers", minSize: 0, maxSize: 2 }))
      .id;
    machineId = (await created("/v1/machines", { hostname: "node-a.example.net", ip: "10.9.0.1" })).id;
    await created("/v1/machines", { hostname: "twin.example.net", ip: "10.9.0.2" });
    await created("/v1/machines", { hostname: "twin.example.net", ip: "10.9.0.3" });
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    await api?.close();
  });

  it("gets and updates a cluster by its name", async () => {
    const got = await ksp("cluster", "get", "by-name-demo", "-o", "json");
    expect([got.code, got.stderr]).toEqual([0, ""]);
    expect(JSON.parse(got.stdout)).toMatchObject({
      id: clusterId,
      name: "by-name-demo",
      description: "before",
    });

    const updated = await ksp(
      "cluster",
      "update",
      "by-name-demo",
      "--set",
      "description=after",
      "--set",
      'labels={"env":"test"}',
    );
    expect([updated.code, updated.stderr]).toEqual([0, ""]);
    expect(updated.stdout).toContain(`ID:                 ${clusterId}\n`);
    const stored = await api.json("GET", `/v1/clusters/${clusterId}`, { token: api.admin });
    expect(stored.body).toMatchObject({ description: "after", labels: { env: "test" } });
  });

  it("gets and updates a pool as cluster/pool, and with --cluster", async () => {
    const got = await ksp("pool", "get", "by-name-demo/workers", "-o", "json");
    expect([got.code, got.stderr]).toEqual([0, ""]);
    expect(JSON.parse(got.stdout)).toMatchObject({ id: poolId, clusterId, name: "workers" });

    const byFlag = await ksp("pool", "get", "--cluster", clusterId, "workers", "-o", "json");
    expect([byFlag.code, JSON.parse(byFlag.stdout).id]).toEqual([0, poolId]);

    const updated = await ksp("pool", "update", "by-name-demo/workers", "--set", "maxSize=4", "-o", "json");
    expect([updated.code, updated.stderr]).toEqual([0, ""]);
    expect(JSON.parse(updated.stdout)).toMatchObject({ id: poolId, minSize: 0, maxSize: 4 });
    const stored = await api.json("GET", `/v1/clusters/${clusterId}/pools/${poolId}`, { token: api.admin });
    expect(stored.body.maxSize).toBe(4);
  });

  it("gets and updates a machine by its host name", async () => {
    const got = await ksp("machine", "get", "node-a.example.net", "-o", "json");
    expect([got.code, got.stderr]).toEqual([0, ""]);
    expect(JSON.parse(got.stdout)).toMatchObject({ id: machineId, hostname: "node-a.example.net" });

    const updated = await ksp("machine", "update", "node-a.example.net", "--set", "zone=z-1");
    expect([updated.code, updated.stderr]).toEqual([0, ""]);
    expect(updated.stdout).toContain("Location:        -/z-1/-\n");
    const stored = await api.json("GET", `/v1/machines/${machineId}`, { token: api.admin });
    expect(stored.body.zone).toBe("z-1");
  });

  it("answers a host name two machines share with a 409 listing both (exit 4), and changes neither", async () => {
    const result = await ksp("machine", "update", "twin.example.net", "--set", "zone=z-2");
    expect(result.code).toBe(4);
    expect(result.stdout).toBe("");
    const [line, header, ...rows] = result.stderr.split("\n");
    expect(line).toMatch(/^error: conflict: .*twin\.example\.net.* \(request [^)]+\)$/);
    expect(header).toBe("candidates:");
    const listed = rows.filter((row) => row.includes("twin.example.net"));
    expect(listed).toHaveLength(2);
    expect(listed.join("\n")).toContain("10.9.0.2");
    expect(listed.join("\n")).toContain("10.9.0.3");

    const list = await api.json("GET", "/v1/machines?q=twin", { token: api.admin });
    expect(list.body.items.map((machine: { zone: string | null }) => machine.zone)).toEqual([null, null]);
  });

  it("says not_found for a name nothing has (exit 3)", async () => {
    const result = await ksp("cluster", "get", "no-such-cluster");
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(/^error: not_found: .*no-such-cluster.* \(request [^)]+\)\n$/);
  });
});
