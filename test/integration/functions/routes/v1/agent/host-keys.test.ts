/**
 * POST /v1/agent/host-keys: pin-on-first-use host keys, each item its own
 * guarded write. A key is stored only while the machine has none and only on
 * a machine of the caller's cluster; a replay of the same key is ok and
 * changes nothing; another key is a conflict naming the pinned one. A real
 * pin writes an event and bumps the cluster's state version, but not the
 * machine's version (the agent's concurrent transitions guard on it).
 */
import { createHash, randomUUID } from "node:crypto";
import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { auditLogs, clusters, machines, operations } from "../../../../../../drizzle/schema/index.ts";
import { HOST_KEY_PINNED_EVENT } from "../../../../../../functions/services/agent/pin-host-keys.ts";
import { stateVersionCacheKey } from "../../../../../../functions/services/clusters/state-version.ts";
import { startTestApi, type TestApi } from "../../../../../support/api.ts";
import { seedCluster, seedMachines, seedPool } from "../../../../../support/fixtures.ts";
import { requirePostgres } from "../../../../../support/postgres.ts";

const ok = await requirePostgres();

/** An OpenSSH SHA-256 fingerprint as the agent sends it: unpadded base64 of 32 bytes. */
const fingerprint = () =>
  `SHA256:${createHash("sha256").update(randomUUID()).digest("base64").replace(/=+$/, "")}`;

interface Result {
  machineId: string;
  ok: boolean;
  pinned?: boolean;
  fingerprint?: string;
  error?: { code: string; message: string; details?: Record<string, unknown> };
}

describe.skipIf(!ok)("agent host key pinning", () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startTestApi();
  });
  afterAll(() => api?.close());

  async function setup(count = 3) {
    const { db } = api.database;
    const cluster = await seedCluster(db);
    const pool = await seedPool(db, cluster.id);
    const own = await seedMachines(db, count, { clusterId: cluster.id, poolId: pool.id, status: "joining" });
    const credential = await api.agentCredentialFor(cluster.id);
    return { cluster, pool, own, credential };
  }
  const pin = (credential: string, items: { machineId: string; fingerprint: string }[]) =>
    api.json<{ results: Result[]; summary: Record<string, number> }>("POST", "/v1/agent/host-keys", {
      token: credential,
      body: { items },
    });
  const machineRow = async (id: string) =>
    (await api.database.db.select().from(machines).where(eq(machines.id, id)))[0]!;
  const stateVersion = async (clusterId: string) =>
    (await api.database.db.select().from(clusters).where(eq(clusters.id, clusterId)))[0]!.stateVersion;
  const pinEvents = (machineId: string) =>
    api.database.db
      .select()
      .from(operations)
      .where(and(eq(operations.machineId, machineId), eq(operations.kind, HOST_KEY_PINNED_EVENT)));

  it("pins a key once: stored, an event written, the state version bumped, the machine version kept", async () => {
    const { cluster, pool, own, credential } = await setup(1);
    const machine = own[0]!;
    const key = fingerprint();
    const v0 = await stateVersion(cluster.id);
    const etag = (await api.call("GET", "/v1/agent/state", { token: credential })).headers.get("etag")!;

    const res = await pin(credential, [{ machineId: machine.id, fingerprint: key }]);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      results: [{ machineId: machine.id, ok: true, pinned: true, fingerprint: key }],
      summary: { pinned: 1, unchanged: 0, failed: 0 },
    });

    const row = await machineRow(machine.id);
    expect(row).toMatchObject({ hostKeyFingerprint: key, status: "joining", version: machine.version });
    expect(row.updatedAt.getTime()).toBeGreaterThanOrEqual(machine.updatedAt.getTime());

    const events = await pinEvents(machine.id);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      status: "succeeded",
      clusterId: cluster.id,
      poolId: pool.id,
      metadata: { fingerprint: key, actor: `agent:${cluster.id}` },
    });

    expect(await stateVersion(cluster.id)).toBe(v0 + 1);
    expect(await api.deps.coordination.cacheGet(stateVersionCacheKey(cluster.id))).toBe(v0 + 1);
    const state = await api.json("GET", "/v1/agent/state", {
      token: credential,
      headers: { "if-none-match": etag },
    });
    expect(state.status).toBe(200);
    expect(state.body.machines.find((m: { id: string }) => m.id === machine.id)).toMatchObject({
      hostKeyFingerprint: key,
      version: machine.version,
    });

    // the operator's view shows it too
    const view = await api.json("GET", `/v1/machines/${machine.id}`, { token: api.admin });
    expect(view.status).toBe(200);
    expect(view.body.hostKeyFingerprint).toBe(key);
  });

  it("a replay of the same key is ok and changes nothing; another key is a conflict naming the pinned one", async () => {
    const { cluster, own, credential } = await setup(1);
    const machine = own[0]!;
    const key = fingerprint();
    expect((await pin(credential, [{ machineId: machine.id, fingerprint: key }])).body.summary.pinned).toBe(
      1,
    );
    const v1 = await stateVersion(cluster.id);
    const updatedAt = (await machineRow(machine.id)).updatedAt;

    const replay = await pin(credential, [{ machineId: machine.id, fingerprint: key }]);
    expect(replay.status).toBe(200);
    expect(replay.body).toEqual({
      results: [{ machineId: machine.id, ok: true, pinned: false, fingerprint: key }],
      summary: { pinned: 0, unchanged: 1, failed: 0 },
    });

    const other = fingerprint();
    const conflict = await pin(credential, [{ machineId: machine.id, fingerprint: other }]);
    expect(conflict.status).toBe(200);
    expect(conflict.body.summary).toEqual({ pinned: 0, unchanged: 0, failed: 1 });
    expect(conflict.body.results[0]).toMatchObject({
      machineId: machine.id,
      ok: false,
      error: { code: "conflict", details: { pinned: key } },
    });

    const row = await machineRow(machine.id);
    expect(row.hostKeyFingerprint).toBe(key);
    expect(row.updatedAt).toEqual(updatedAt);
    expect(row.version).toBe(machine.version);
    expect(await pinEvents(machine.id)).toHaveLength(1);
    expect(await stateVersion(cluster.id)).toBe(v1);
  });

  it("answers not_found for another cluster's machine, a free one and an unknown id, and leaves them alone", async () => {
    const a = await setup(1);
    const b = await setup(1);
    const [free] = await seedMachines(api.database.db, 1);
    const foreign = b.own[0]!;
    const vB = await stateVersion(b.cluster.id);

    const res = await pin(a.credential, [
      { machineId: foreign.id, fingerprint: fingerprint() },
      { machineId: free!.id, fingerprint: fingerprint() },
      { machineId: randomUUID(), fingerprint: fingerprint() },
      { machineId: a.own[0]!.id, fingerprint: fingerprint() },
    ]);
    expect(res.status).toBe(200);
    expect(res.body.results.map((r) => (r.ok ? "ok" : r.error!.code))).toEqual([
      "not_found",
      "not_found",
      "not_found",
      "ok",
    ]);
    expect(res.body.summary).toEqual({ pinned: 1, unchanged: 0, failed: 3 });
    expect(JSON.stringify(res.body.results[0])).not.toContain(b.cluster.id);
    expect((await machineRow(foreign.id)).hostKeyFingerprint).toBeNull();
    expect((await machineRow(free!.id)).hostKeyFingerprint).toBeNull();
    expect(await pinEvents(foreign.id)).toEqual([]);
    expect(await stateVersion(b.cluster.id)).toBe(vB);

    // B's own agent can still pin its machine
    const own = await pin(b.credential, [{ machineId: foreign.id, fingerprint: fingerprint() }]);
    expect(own.body.summary.pinned).toBe(1);
  });

  it("treats a key an operator stored with base64 padding as the same key, answering the unpadded form", async () => {
    const { own, credential } = await setup(1);
    const key = fingerprint();
    await api.database.db
      .update(machines)
      .set({ hostKeyFingerprint: `${key}=` })
      .where(eq(machines.id, own[0]!.id));
    const res = await pin(credential, [{ machineId: own[0]!.id, fingerprint: key }]);
    expect(res.body.results[0]).toEqual({ machineId: own[0]!.id, ok: true, pinned: false, fingerprint: key });
    expect((await machineRow(own[0]!.id)).hostKeyFingerprint).toBe(`${key}=`);

    const conflict = await pin(credential, [{ machineId: own[0]!.id, fingerprint: fingerprint() }]);
    expect(conflict.body.results[0]).toMatchObject({
      ok: false,
      error: { code: "conflict", details: { pinned: key } },
    });
  });

  it("two replicas racing with different keys: exactly one pins, the other gets the conflict", async () => {
    const { own, credential } = await setup(4);
    for (const machine of own) {
      const keys = [fingerprint(), fingerprint()];
      const answers = await Promise.all(
        keys.map((key) => pin(credential, [{ machineId: machine.id, fingerprint: key }])),
      );
      const results = answers.map((a) => a.body.results[0]!);
      const winner = results.findIndex((r) => r.ok);
      expect(winner, JSON.stringify(results)).not.toBe(-1);
      expect(results[1 - winner]).toMatchObject({
        ok: false,
        error: { code: "conflict", details: { pinned: keys[winner] } },
      });
      expect((await machineRow(machine.id)).hostKeyFingerprint).toBe(keys[winner]);
      expect(await pinEvents(machine.id)).toHaveLength(1);
    }
  });

  it("leaves the machine version alone, so a transition guarded on the version read before still applies", async () => {
    const { own, credential } = await setup(1);
    const machine = own[0]!;
    expect((await pin(credential, [{ machineId: machine.id, fingerprint: fingerprint() }])).status).toBe(200);
    const res = await api.json("POST", "/v1/agent/transitions", {
      token: credential,
      body: {
        items: [
          {
            machineId: machine.id,
            from: "joining",
            to: "ready",
            expectedVersion: machine.version,
            nodeName: "n",
          },
        ],
      },
    });
    expect(res.body.results[0]).toMatchObject({ ok: true, machine: { status: "ready" } });
  });

  it("is audited with the item count and the summary", async () => {
    const { cluster, own, credential } = await setup(2);
    const key = fingerprint();
    await pin(credential, [
      { machineId: own[0]!.id, fingerprint: key },
      { machineId: own[1]!.id, fingerprint: fingerprint() },
    ]);
    await pin(credential, [{ machineId: own[0]!.id, fingerprint: key }]);
    const audit = await api.database.db.select().from(auditLogs).where(eq(auditLogs.clusterId, cluster.id));
    expect(audit.map((a) => [a.action, a.actor, a.result, a.changes])).toEqual([
      [
        "machine.host_keys",
        `agent:${cluster.id}`,
        "success",
        { items: 2, pinned: 2, unchanged: 0, failed: 0 },
      ],
      [
        "machine.host_keys",
        `agent:${cluster.id}`,
        "success",
        { items: 1, pinned: 0, unchanged: 1, failed: 0 },
      ],
    ]);
  });

  it("takes agent credentials only", async () => {
    const { cluster, own } = await setup(1);
    const body = { items: [{ machineId: own[0]!.id, fingerprint: fingerprint() }] };
    for (const token of [api.admin, await api.tokenFor("operator", cluster.id)]) {
      const res = await api.json("POST", "/v1/agent/host-keys", { token, body });
      expect([res.status, res.body.error.code]).toEqual([403, "forbidden"]);
    }
    expect((await api.call("POST", "/v1/agent/host-keys", { body })).status).toBe(401);
    expect((await machineRow(own[0]!.id)).hostKeyFingerprint).toBeNull();
  });

  it("refuses bad fingerprints and malformed batches with a 400 envelope, writing nothing", async () => {
    const { own, credential } = await setup(1);
    const machineId = own[0]!.id;
    const key = fingerprint();
    const bodies: unknown[] = [
      { items: [{ machineId, fingerprint: `${key}=` }] }, // padded
      { items: [{ machineId, fingerprint: key.replace("SHA256:", "MD5:") }] },
      { items: [{ machineId, fingerprint: key.slice(0, -1) }] }, // 31.x bytes
      { items: [{ machineId, fingerprint: `${key.slice(0, -1)}B` }] }, // not 32 bytes' last character
      { items: [{ machineId, fingerprint: `${key}A` }] },
      { items: [{ machineId, fingerprint: "" }] },
      { items: [{ machineId, fingerprint: key.replace(/.$/, "\u0000") }] },
      { items: [{ machineId: "not-a-uuid", fingerprint: key }] },
      { items: [{ machineId, fingerprint: key, extra: true }] },
      { items: [{ machineId }] },
      { items: [] },
      { items: Array(201).fill({ machineId, fingerprint: key }) },
      { items: [{ machineId, fingerprint: key }], extra: 1 },
      [],
      {},
    ];
    for (const body of bodies) {
      const res = await api.json("POST", "/v1/agent/host-keys", { token: credential, body });
      const label = JSON.stringify(body).slice(0, 120);
      expect([label, res.status], label).toEqual([label, 400]);
      expect(res.body.error.code, label).toBe("validation_failed");
      expect(res.body.error.requestId, label).toBeTruthy();
    }
    const broken = await api.call("POST", "/v1/agent/host-keys", {
      token: credential,
      text: '{"items":',
      contentType: "application/json",
    });
    expect(broken.status).toBe(400);
    expect((await machineRow(machineId)).hostKeyFingerprint).toBeNull();
    expect(await pinEvents(machineId)).toEqual([]);
  });
});
