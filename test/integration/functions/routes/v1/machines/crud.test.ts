/**
 * POST/GET/PATCH /v1/machines: the free inventory, duplicate live addresses,
 * address reuse after archiving, optimistic versions, state version bumps of
 * the cluster a changed machine belongs to, and bad input as 4xx envelopes.
 */
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { clusters, operations } from "../../../../../../drizzle/schema/index.ts";
import { stateVersionCacheKey } from "../../../../../../functions/services/clusters/state-version.ts";
import { startTestApi, type TestApi } from "../../../../../support/api.ts";
import { seedCluster, seedMachine, seedPool, uniqueIp } from "../../../../../support/fixtures.ts";
import { requirePostgres } from "../../../../../support/postgres.ts";

const ok = await requirePostgres();
const FINGERPRINT = "SHA256:uNiVztksCsDhcc0u9e8BujQXVUpKZIDTMczCvj3tD2s";

describe.skipIf(!ok)("creating, reading and changing machines", () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startTestApi();
  });
  afterAll(() => api?.close());

  const create = (body: Record<string, unknown>, token = api.admin) =>
    api.json("POST", "/v1/machines", { token, body });
  const patch = (id: string, body: unknown, token = api.admin) =>
    api.json("PATCH", `/v1/machines/${id}`, { token, body });
  const stateVersion = async (clusterId: string) =>
    (await api.database.db.select().from(clusters).where(eq(clusters.id, clusterId)))[0]!.stateVersion;

  it("creates an available machine in the free inventory with every field", async () => {
    const ip = uniqueIp();
    const body = {
      hostname: "node-1.rack-4.example.net",
      ip,
      sshUser: "ksp",
      sshPort: 2222,
      sshKeyRef: "ksp-ssh/id_ed25519",
      hostKeyFingerprint: FINGERPRINT,
      cpuCores: 64,
      memoryBytes: 512 * 2 ** 30,
      gpuCount: 8,
      gpuType: "nvidia-a100",
      region: "eu-central",
      zone: "eu-central-1a",
      rack: "r4",
      osImage: "Ubuntu 24.04",
      kernelVersion: "6.8.0-41-generic",
      kubeletVersion: "v1.31.2",
      containerRuntimeVersion: "containerd://1.7.22",
      labels: { "ksp.io/gpu": "a100", tier: "train" },
      taints: [{ key: "nvidia.com/gpu", value: "true", effect: "NoSchedule" }],
      tags: ["new", "warranty-2027"],
    };
    const { status, body: machine } = await create(body);
    expect(status).toBe(201);
    expect(machine).toMatchObject({
      ...body,
      status: "available",
      clusterId: null,
      poolId: null,
      version: 0,
      nodeName: null,
    });
    expect(new Date(machine.createdAt).toISOString()).toBe(machine.createdAt);

    const got = await api.json("GET", `/v1/machines/${machine.id}`, { token: api.admin });
    expect(got.status).toBe(200);
    expect(got.body).toEqual(machine);

    const [event] = await api.database.db
      .select()
      .from(operations)
      .where(eq(operations.machineId, machine.id));
    expect(event).toMatchObject({ kind: "machine.created", clusterId: null });
  });

  it("applies defaults for what is not given, and accepts IPv6", async () => {
    const { status, body } = await create({ hostname: "v6-host", ip: "2001:DB8::17" });
    expect(status).toBe(201);
    expect(body).toMatchObject({
      ip: "2001:db8::17",
      sshUser: "root",
      sshPort: 22,
      cpuCores: 0,
      labels: {},
      taints: [],
      tags: [],
      hostKeyFingerprint: null,
    });
  });

  it("refuses a second live machine with the same IP, also spelled differently", async () => {
    const first = await create({ hostname: "dup-a", ip: "2001:db8::99" });
    expect(first.status).toBe(201);
    const second = await create({ hostname: "dup-b", ip: "2001:db8:0:0::99" });
    expect(second.status).toBe(409);
    expect(second.body.error).toMatchObject({
      code: "conflict",
      details: { constraint: "machines_ip_live_uq" },
    });
    // the message names the address in its canonical spelling, as stored
    expect(second.body.error.message).toContain("IP 2001:db8::99");
  });

  it("frees the IP of an archived machine for reuse; restoring the old one then clashes", async () => {
    const ip = uniqueIp();
    const old = await create({ hostname: "old-host", ip });
    const archived = await api.json("POST", `/v1/machines/${old.body.id}/archive`, { token: api.admin });
    expect(archived.status).toBe(200);
    expect(archived.body.status).toBe("archived");

    const reused = await create({ hostname: "new-host", ip });
    expect(reused.status).toBe(201);

    const restored = await api.json("POST", `/v1/machines/${old.body.id}/restore`, { token: api.admin });
    expect(restored.status).toBe(409);
    expect(restored.body.error.code).toBe("conflict");
  });

  it("patches labels, tags, SSH access and location, bumping the version", async () => {
    const { body: machine } = await create({ hostname: "patch-me", ip: uniqueIp(), labels: { a: "1" } });
    const { status, body } = await patch(machine.id, {
      labels: { b: "2" },
      tags: ["x"],
      sshUser: "deploy",
      sshPort: 2200,
      sshKeyRef: "keys/deploy",
      hostKeyFingerprint: FINGERPRINT,
      region: "us-east",
      zone: "us-east-1b",
      rack: "r9",
      expectedVersion: 0,
    });
    expect(status).toBe(200);
    expect(body).toMatchObject({
      labels: { b: "2" },
      tags: ["x"],
      sshUser: "deploy",
      sshPort: 2200,
      sshKeyRef: "keys/deploy",
      hostKeyFingerprint: FINGERPRINT,
      region: "us-east",
      zone: "us-east-1b",
      rack: "r9",
      version: 1,
    });

    const cleared = await patch(machine.id, { sshKeyRef: null, rack: null });
    expect(cleared.body).toMatchObject({ sshKeyRef: null, rack: null, region: "us-east", version: 2 });

    // the same values again change nothing, not even the version
    const same = await patch(machine.id, { labels: { b: "2" }, region: "us-east" });
    expect(same.status).toBe(200);
    expect(same.body.version).toBe(2);
  });

  it("refuses a stale expectedVersion with 409 stale_version and changes nothing", async () => {
    const { body: machine } = await create({ hostname: "stale", ip: uniqueIp() });
    await patch(machine.id, { rack: "r1" });
    const stale = await patch(machine.id, { rack: "r2", expectedVersion: 0 });
    expect(stale.status).toBe(409);
    expect(stale.body.error).toMatchObject({ code: "stale_version", details: { actualVersion: 1 } });
    const got = await api.json("GET", `/v1/machines/${machine.id}`, { token: api.admin });
    expect(got.body.rack).toBe("r1");
  });

  it("bumps and publishes the state version of the cluster an assigned machine belongs to", async () => {
    const cluster = await seedCluster(api.database.db);
    const pool = await seedPool(api.database.db, cluster.id);
    const machine = await seedMachine(api.database.db, { clusterId: cluster.id, poolId: pool.id });
    const before = await stateVersion(cluster.id);
    const { status } = await patch(machine.id, { sshPort: 2022 });
    expect(status).toBe(200);
    expect(await stateVersion(cluster.id)).toBe(before + 1);
    expect(await api.deps.coordination.cacheGet(stateVersionCacheKey(cluster.id))).toBe(before + 1);
  });

  it("refuses a change that makes an assigned machine stop meeting its pool's requirements", async () => {
    const cluster = await seedCluster(api.database.db);
    const pool = await seedPool(api.database.db, cluster.id, {
      hardwareRequirements: { regions: ["eu"], machineLabels: { gpu: "a100" } },
    });
    const machine = await seedMachine(api.database.db, {
      clusterId: cluster.id,
      poolId: pool.id,
      region: "eu",
      labels: { gpu: "a100" },
    });
    const moved = await patch(machine.id, { region: "us" });
    expect(moved.status).toBe(409);
    expect(moved.body.error.details.reasons).toEqual([expect.stringContaining("region")]);
    const relabelled = await patch(machine.id, { labels: { gpu: "a100", extra: "yes" } });
    expect(relabelled.status).toBe(200);
  });

  it("answers 404 for a machine that does not exist", async () => {
    const { status, body } = await api.json("GET", "/v1/machines/00000000-0000-4000-8000-000000000000", {
      token: api.admin,
    });
    expect(status).toBe(404);
    expect(body.error.code).toBe("not_found");
  });

  it.each([
    ["a bad hostname", { hostname: "-bad-", ip: "10.250.0.1" }],
    ["a hostname label over 63 chars", { hostname: `${"a".repeat(64)}.example`, ip: "10.250.0.1" }],
    ["a bad IP", { hostname: "h", ip: "10.0.0.256" }],
    ["an IP with a prefix", { hostname: "h", ip: "10.0.0.0/24" }],
    ["a bad SSH user", { hostname: "h", ip: "10.250.0.1", sshUser: "Root user" }],
    ["a port out of range", { hostname: "h", ip: "10.250.0.1", sshPort: 70000 }],
    ["a bad fingerprint", { hostname: "h", ip: "10.250.0.1", hostKeyFingerprint: "MD5:aa:bb" }],
    ["a short fingerprint", { hostname: "h", ip: "10.250.0.1", hostKeyFingerprint: "SHA256:abc" }],
    [
      "too many tags",
      { hostname: "h", ip: "10.250.0.1", tags: Array.from({ length: 65 }, (_, i) => `t${i}`) },
    ],
    ["a tag over 63 chars", { hostname: "h", ip: "10.250.0.1", tags: ["t".repeat(64)] }],
    ["duplicate tags", { hostname: "h", ip: "10.250.0.1", tags: ["a", "a"] }],
    ["a bad label key", { hostname: "h", ip: "10.250.0.1", labels: { "bad key": "v" } }],
    ["a NUL in a field", { hostname: "h", ip: "10.250.0.1", region: "eu\u0000" }],
    ["a negative cpu count", { hostname: "h", ip: "10.250.0.1", cpuCores: -1 }],
    ["an unknown field", { hostname: "h", ip: "10.250.0.1", status: "ready" }],
    ["an assignment", { hostname: "h", ip: "10.250.0.1", clusterId: "00000000-0000-4000-8000-000000000000" }],
  ])("refuses %s with a 400 envelope", async (_what, body) => {
    const res = await create(body);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe("validation_failed");
    expect(typeof res.body.error.requestId).toBe("string");
  });

  it("refuses a PATCH of fields it does not own", async () => {
    const { body: machine } = await create({ hostname: "no-status", ip: uniqueIp() });
    for (const body of [{ status: "ready" }, { clusterId: null }, { cpuCores: 4 }, { expectedVersion: -1 }]) {
      const res = await patch(machine.id, body);
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe("validation_failed");
    }
  });
});
